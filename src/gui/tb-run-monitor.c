/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-run-monitor"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tb-run-monitor.h"
#include "tb-resources.h"
#include "tb-util.h"

struct _TbRunMonitor
{
  GtkWidget       parent_instance;

  GtkLabel       *phase_label;
  GtkLabel       *spent_label;
  GtkLabel       *run_label;
  GtkProgressBar *progress_bar;
  GtkStack       *rows_stack;
  GtkListView    *calls_view;

  TbRunner       *runner;
  GtkNoSelection *selection;    /* over the runner's calls */
  GHashTable     *judged;       /* "model\ninput\nrepeat" → double*: the judges' mean so far */
  gboolean        running;
  guint           summary_id;   /* an idle: one summary for a burst of notifications */
};

G_DEFINE_FINAL_TYPE (TbRunMonitor, tb_run_monitor, GTK_TYPE_WIDGET)

/* The summary above the rows -------------------------------------------------------------- */

static void
update_summary (TbRunMonitor *self)
{
  GListModel *calls = self->runner != NULL ? tb_runner_get_calls (self->runner) : NULL;
  guint n = calls != NULL ? g_list_model_get_n_items (calls) : 0;
  guint finished = self->runner != NULL ? tb_runner_get_finished (self->runner) : 0;
  guint total = self->runner != NULL ? tb_runner_get_total (self->runner) : 0;
  guint candidates = 0, candidates_done = 0, judges = 0, judges_done = 0;
  double spent = 0;
  g_autofree char *progress = NULL;
  g_autofree char *usd = NULL;
  g_autofree char *spent_text = NULL;
  TbRun *run = self->runner != NULL ? tb_runner_get_run (self->runner) : NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TbCall) call = g_list_model_get_item (calls, i);
      gboolean final = tb_call_state_is_final (tb_call_get_state (call));

      if (tb_call_get_kind (call) == TB_CALL_CANDIDATE)
        {
          candidates++;
          candidates_done += final;
        }
      else
        {
          judges++;
          judges_done += final;
        }
      if (tb_call_get_cost_usd (call) > 0)
        spent += tb_call_get_cost_usd (call);
    }

  if (total == 0)
    gtk_label_set_text (self->phase_label, _("Starting…"));
  else if (!self->running && tb_runner_was_cancelled (self->runner))
    gtk_label_set_text (self->phase_label, _("Cancelled"));
  else if (!self->running && tb_runner_stopped_by_budget (self->runner))
    gtk_label_set_text (self->phase_label, _("Stopped at the Cost Cap"));
  else if (!self->running)
    gtk_label_set_text (self->phase_label, _("Finished"));
  else if (finished == total)
    /* every call answered; billed costs still on their way */
    gtk_label_set_text (self->phase_label, _("Settling the Costs…"));
  else if (candidates_done < candidates)
    gtk_label_set_text (self->phase_label, _("Running the Models"));
  else
    gtk_label_set_text (self->phase_label, _("Judging the Outputs"));

  /* The text says what the bar shows: every call, candidates and judges alike. */
  gtk_progress_bar_set_fraction (self->progress_bar, total > 0 ? (double) finished / total : 0);
  if (judges > 0)
    /* Translators: calls of a run finished, then the split: "4 of 6 calls finished (3 of 3
     * answers, 1 of 3 scores)" */
    progress = g_strdup_printf (ngettext ("%u of %u call finished (%u of %u answers, %u of %u "
                                          "scores)",
                                          "%u of %u calls finished (%u of %u answers, %u of %u "
                                          "scores)", total),
                                finished, total, candidates_done, candidates, judges_done,
                                judges);
  else
    progress = g_strdup_printf (ngettext ("%u of %u call finished",
                                          "%u of %u calls finished", total), finished, total);
  gtk_progress_bar_set_text (self->progress_bar, total > 0 ? progress : "");

  usd = tb_format_usd (spent);
  /* Translators: an amount in US dollars */
  spent_text = g_strdup_printf (_("Spent %s"), usd);
  gtk_label_set_text (self->spent_label, total > 0 ? spent_text : "");

  if (run != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Run %s"), run->id);

      gtk_label_set_text (self->run_label, text);
    }
  else
    gtk_label_set_text (self->run_label, "");

  gtk_stack_set_visible_child_name (self->rows_stack, n > 0 ? "calls" : "empty");
  /* Nothing to show before the first run of the window: no "0 of 0", no empty bar. */
  gtk_widget_set_visible (GTK_WIDGET (self), self->runner != NULL);
}

static gboolean
summary_idle_cb (gpointer user_data)
{
  TbRunMonitor *self = user_data;

  self->summary_id = 0;
  update_summary (self);
  return G_SOURCE_REMOVE;
}

static void
queue_summary (TbRunMonitor *self)
{
  if (self->summary_id == 0)
    self->summary_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, summary_idle_cb, self, NULL);
}

static char *
output_key (const char *model,
            const char *input,
            guint       repeat)
{
  return g_strdup_printf ("%s\n%s\n%u", model, input != NULL ? input : "", MAX (repeat, 1));
}

static void
show_judged (TbRunMonitor *self,
             TbCallRow    *row)
{
  TbCall *call = tb_call_row_get_call (row);
  g_autofree char *key = NULL;
  double *mean;

  if (call == NULL || tb_call_get_kind (call) != TB_CALL_CANDIDATE)
    return;
  key = output_key (tb_call_get_model (call), tb_call_get_input (call),
                    tb_call_get_repeat (call));
  mean = g_hash_table_lookup (self->judged, key);
  tb_call_row_set_judged (row, mean != NULL ? *mean : -1);
}

/* A judge scored an output: the candidate's row shows the judges' mean beside its cost. */
static void
judge_scored_cb (TbRunMonitor *self,
                 GParamSpec   *pspec,
                 TbCall       *judge)
{
  GListModel *calls = self->runner != NULL ? tb_runner_get_calls (self->runner) : NULL;
  guint n = calls != NULL ? g_list_model_get_n_items (calls) : 0;
  g_autofree char *key = NULL;
  double sum = 0;
  guint scored = 0;

  if (tb_call_get_kind (judge) != TB_CALL_JUDGE || tb_call_get_score (judge) < 0)
    return;
  key = output_key (tb_call_get_subject (judge), tb_call_get_input (judge),
                    tb_call_get_repeat (judge));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TbCall) call = g_list_model_get_item (calls, i);

      if (tb_call_get_kind (call) == TB_CALL_JUDGE && tb_call_get_score (call) >= 0
          && g_strcmp0 (tb_call_get_subject (call), tb_call_get_subject (judge)) == 0
          && g_strcmp0 (tb_call_get_input (call), tb_call_get_input (judge)) == 0
          && tb_call_get_repeat (call) == tb_call_get_repeat (judge))
        {
          sum += tb_call_get_score (call);
          scored++;
        }
    }
  if (scored == 0)
    return;
  g_hash_table_replace (self->judged, g_steal_pointer (&key), g_memdup2 (&(double) { sum / scored },
                                                                         sizeof (double)));
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->calls_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *row = gtk_widget_get_first_child (child);

      if (row != NULL && TB_IS_CALL_ROW (row))
        show_judged (self, TB_CALL_ROW (row));
    }
}

/* A call's cost comes in after it finished (the billed amount): the sum follows it. */
static void
calls_changed_cb (TbRunMonitor *self,
                  guint         position,
                  guint         removed,
                  guint         added,
                  GListModel   *calls)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(TbCall) call = g_list_model_get_item (calls, i);

      g_signal_connect_object (call, "notify::cost-usd", G_CALLBACK (queue_summary), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (call, "notify::state", G_CALLBACK (queue_summary), self,
                               G_CONNECT_SWAPPED);
      if (tb_call_get_kind (call) == TB_CALL_JUDGE)
        g_signal_connect_object (call, "notify::score", G_CALLBACK (judge_scored_cb), self,
                                 G_CONNECT_SWAPPED);
    }
  queue_summary (self);
}

/* The rows ------------------------------------------------------------------------------- */

static void
setup_row (GtkSignalListItemFactory *factory,
           GObject                  *object,
           gpointer                  user_data)
{
  GtkListItem *list_item = GTK_LIST_ITEM (object);

  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_selectable (list_item, FALSE);
  gtk_list_item_set_child (list_item, tb_call_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GObject                  *object,
          gpointer                  user_data)
{
  TbRunMonitor *self = user_data;
  GtkListItem *list_item = GTK_LIST_ITEM (object);
  TbCallRow *row = TB_CALL_ROW (gtk_list_item_get_child (list_item));

  tb_call_row_set_call (row, gtk_list_item_get_item (list_item));
  show_judged (self, row);
}

static void
unbind_row (GtkSignalListItemFactory *factory,
            GObject                  *object,
            gpointer                  user_data)
{
  GtkListItem *list_item = GTK_LIST_ITEM (object);

  tb_call_row_set_call (TB_CALL_ROW (gtk_list_item_get_child (list_item)), NULL);
}

/* API ------------------------------------------------------------------------------------ */

void
tb_run_monitor_set_runner (TbRunMonitor *self,
                           TbRunner     *runner)
{
  GListModel *calls = runner != NULL ? tb_runner_get_calls (runner) : NULL;

  g_return_if_fail (TB_IS_RUN_MONITOR (self));
  g_return_if_fail (runner == NULL || TB_IS_RUNNER (runner));

  if (self->runner == runner)
    return;

  if (self->runner != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->runner, self);
      g_signal_handlers_disconnect_by_data (tb_runner_get_calls (self->runner), self);
    }
  g_set_object (&self->runner, runner);
  g_hash_table_remove_all (self->judged);
  gtk_no_selection_set_model (self->selection, calls);

  if (runner != NULL)
    {
      g_signal_connect_object (runner, "notify::finished", G_CALLBACK (queue_summary), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (runner, "notify::total", G_CALLBACK (queue_summary), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (runner, "run-created", G_CALLBACK (queue_summary), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (calls, "items-changed", G_CALLBACK (calls_changed_cb), self,
                               G_CONNECT_SWAPPED);
      calls_changed_cb (self, 0, 0, g_list_model_get_n_items (calls), calls);
    }
  update_summary (self);
}

void
tb_run_monitor_set_running (TbRunMonitor *self,
                            gboolean      running)
{
  g_return_if_fail (TB_IS_RUN_MONITOR (self));

  self->running = !!running;
  update_summary (self);
}

GListModel *
tb_run_monitor_get_model (TbRunMonitor *self)
{
  g_return_val_if_fail (TB_IS_RUN_MONITOR (self), NULL);
  return G_LIST_MODEL (self->selection);
}

/* Each child of the list view is a row holding one TbCallRow. */
static TbCallRow *
row_of (GtkWidget *list_child)
{
  GtkWidget *child = gtk_widget_get_first_child (list_child);

  return child != NULL && TB_IS_CALL_ROW (child) ? TB_CALL_ROW (child) : NULL;
}

guint
tb_run_monitor_get_n_rows (TbRunMonitor *self)
{
  guint n = 0;

  g_return_val_if_fail (TB_IS_RUN_MONITOR (self), 0);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->calls_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      TbCallRow *row = row_of (child);

      if (row != NULL && tb_call_row_get_call (row) != NULL)
        n++;
    }
  return n;
}

TbCallRow *
tb_run_monitor_get_row (TbRunMonitor *self,
                        guint         position)
{
  g_autoptr(TbCall) call = NULL;

  g_return_val_if_fail (TB_IS_RUN_MONITOR (self), NULL);

  call = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->calls_view));
       call != NULL && child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      TbCallRow *row = row_of (child);

      if (row != NULL && tb_call_row_get_call (row) == call)
        return row;
    }
  return NULL;
}

double
tb_run_monitor_get_fraction (TbRunMonitor *self)
{
  g_return_val_if_fail (TB_IS_RUN_MONITOR (self), 0);
  return gtk_progress_bar_get_fraction (self->progress_bar);
}

/* The object ----------------------------------------------------------------------------- */

static void
tb_run_monitor_dispose (GObject *object)
{
  TbRunMonitor *self = TB_RUN_MONITOR (object);
  GtkWidget *child;

  if (self->runner != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->runner, self);
      g_signal_handlers_disconnect_by_data (tb_runner_get_calls (self->runner), self);
    }
  g_clear_object (&self->runner);
  g_clear_handle_id (&self->summary_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_RUN_MONITOR);
  /* the template's root has no id, so dispose_template leaves it */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->judged, g_hash_table_unref);

  G_OBJECT_CLASS (tb_run_monitor_parent_class)->dispose (object);
}

static void
tb_run_monitor_class_init (TbRunMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_run_monitor_dispose;

  g_type_ensure (ADW_TYPE_CLAMP);
  /* referencing the resource links its object (and its registering constructor) even when
   * the widgets come from a static library */
  (void) tb_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/taskbench/TaskBench/"
                                               "tb-run-monitor.ui");
  gtk_widget_class_bind_template_child (widget_class, TbRunMonitor, phase_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunMonitor, spent_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunMonitor, run_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunMonitor, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TbRunMonitor, rows_stack);
  gtk_widget_class_bind_template_child (widget_class, TbRunMonitor, calls_view);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "runmonitor");
}

static void
tb_run_monitor_init (TbRunMonitor *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->judged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_list_view_set_factory (self->calls_view, factory);
  g_object_unref (factory);

  self->selection = gtk_no_selection_new (NULL);
  gtk_list_view_set_model (self->calls_view, GTK_SELECTION_MODEL (self->selection));
  update_summary (self);
}

GtkWidget *
tb_run_monitor_new (void)
{
  return g_object_new (TB_TYPE_RUN_MONITOR, NULL);
}
