/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-run-monitor"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tb-run-monitor.h"
#include "tb-resources.h"
#include "tb-util.h"

typedef struct {
  GtkWidget   *row;
  GtkStack    *indicator;
  GtkImage    *icon;
  GtkSpinner  *spinner;
  GtkLabel    *model;
  GtkLabel    *detail;
  GtkLabel    *value;
  TbCallState  state;
} Row;

struct _TbRunMonitor
{
  GtkWidget       parent_instance;

  GtkLabel       *phase_label;
  GtkLabel       *spent_label;
  GtkLabel       *run_label;
  GtkProgressBar *progress_bar;
  GtkListBox     *rows_list;

  TbRunner       *runner;
  GArray         *rows;          /* Row */
  char           *phase;         /* the phase the rows show */
  gboolean        judging;
  guint           run_total;     /* candidate calls, remembered into the judge phase */
  double          run_spent;     /* what the candidates cost, remembered likewise */
  guint           tick_id;
};

G_DEFINE_FINAL_TYPE (TbRunMonitor, tb_run_monitor, GTK_TYPE_WIDGET)

static const char *
state_id (TbCallState state)
{
  switch (state)
    {
    case TB_CALL_QUEUED:
      return "queued";
    case TB_CALL_RUNNING:
      return "running";
    case TB_CALL_RETRYING:
      return "retrying";
    case TB_CALL_DONE:
      return "done";
    case TB_CALL_FAILED:
      return "failed";
    case TB_CALL_CANCELLED:
      return "cancelled";
    default:
      return "unknown";
    }
}

static gboolean
state_is_final (TbCallState state)
{
  return state == TB_CALL_DONE || state == TB_CALL_FAILED || state == TB_CALL_CANCELLED;
}

static gboolean
in_judge_phase (TbRunMonitor *self)
{
  return g_strcmp0 (self->phase, "judge") == 0;
}

static gint64
elapsed_ms (const TbCallProgress *p)
{
  if (state_is_final (p->state) || p->started_us == 0)
    return p->elapsed_ms;
  return (g_get_monotonic_time () - p->started_us) / 1000;
}

static void
set_icon (Row        *row,
          const char *icon_name,
          const char *css_class)
{
  gtk_spinner_stop (row->spinner);
  gtk_image_set_from_icon_name (row->icon, icon_name);
  gtk_widget_set_css_classes (GTK_WIDGET (row->icon),
                              (const char *[]) { css_class, NULL });
  gtk_stack_set_visible_child (row->indicator, GTK_WIDGET (row->icon));
}

static void
update_row (TbRunMonitor         *self,
            Row                  *row,
            const TbCallProgress *p)
{
  g_autofree char *detail = NULL;
  g_autofree char *value = NULL;
  g_autofree char *chunk = NULL;
  double seconds = elapsed_ms (p) / 1000.0;
  const char *detail_class = "dim-label";
  /* Formatted apart: a 64-bit format macro in a msgid would not survive translation */
  g_autofree char *tokens = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) p->tokens);

  row->state = p->state;
  gtk_label_set_text (row->model, p->model);
  gtk_widget_set_tooltip_text (GTK_WIDGET (row->model), p->model);

  if (p->chunks > 1)
    /* Translators: which part of a long input is under way */
    chunk = g_strdup_printf (_(" · part %u of %u"), MAX (p->chunk, 1), p->chunks);

  switch (p->state)
    {
    case TB_CALL_QUEUED:
      set_icon (row, "document-open-recent-symbolic", "dim-label");
      detail = g_strdup (_("Queued"));
      break;

    case TB_CALL_RUNNING:
      gtk_spinner_start (row->spinner);
      gtk_stack_set_visible_child (row->indicator, GTK_WIDGET (row->spinner));
      if (p->tokens > 0)
        /* Translators: tokens streamed so far, then seconds elapsed */
        detail = g_strdup_printf (ngettext ("Streaming · %s token · %.0f s%s",
                                            "Streaming · %s tokens · %.0f s%s",
                                            (gulong) p->tokens),
                                  tokens, seconds, chunk ? chunk : "");
      else
        detail = g_strdup_printf (_("Waiting for the first token · %.0f s%s"), seconds,
                                  chunk ? chunk : "");
      break;

    case TB_CALL_RETRYING:
      set_icon (row, "view-refresh-symbolic", "warning");
      detail = g_strdup_printf (_("Retrying: %s"), p->message ? p->message : _("no answer"));
      detail_class = "warning";
      break;

    case TB_CALL_DONE:
      set_icon (row, "emblem-ok-symbolic", "success");
      detail = g_strdup_printf (ngettext ("Done in %.1f s · %s token",
                                          "Done in %.1f s · %s tokens", (gulong) p->tokens),
                                seconds, tokens);
      if (in_judge_phase (self) && p->score >= 0)
        value = g_strdup_printf (_("Score %.0f"), p->score);
      else
        {
          g_autofree char *usd = tb_format_usd (p->cost_usd);

          if (g_strcmp0 (p->cost_source, "billed") == 0)
            /* Translators: an amount in US dollars */
            value = g_strdup_printf (_("%s billed"), usd);
          else if (g_strcmp0 (p->cost_source, "estimate") == 0)
            value = g_strdup_printf (_("%s estimated"), usd);
          else
            value = g_strdup (usd);
        }
      break;

    case TB_CALL_FAILED:
      set_icon (row, "dialog-error-symbolic", "error");
      detail = g_strdup (p->message ? p->message : _("Failed"));
      detail_class = "error";
      value = g_strdup (_("Failed"));
      break;

    case TB_CALL_CANCELLED:
      set_icon (row, "process-stop-symbolic", "dim-label");
      detail = g_strdup (_("Cancelled"));
      value = g_strdup (_("Cancelled"));
      break;

    default:
      detail = g_strdup ("");
      break;
    }

  gtk_label_set_text (row->detail, detail);
  gtk_widget_set_css_classes (GTK_WIDGET (row->detail),
                              (const char *[]) { "caption", detail_class, NULL });
  gtk_label_set_text (row->value, value ? value : "");
}

static Row
create_row (void)
{
  Row row = { 0 };
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  row.row = gtk_list_box_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row.row), FALSE);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);

  row.indicator = GTK_STACK (gtk_stack_new ());
  row.icon = GTK_IMAGE (gtk_image_new ());
  row.spinner = GTK_SPINNER (gtk_spinner_new ());
  gtk_stack_add_child (row.indicator, GTK_WIDGET (row.icon));
  gtk_stack_add_child (row.indicator, GTK_WIDGET (row.spinner));
  gtk_widget_set_valign (GTK_WIDGET (row.indicator), GTK_ALIGN_CENTER);

  row.model = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (row.model, 0);
  gtk_label_set_ellipsize (row.model, PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_add_css_class (GTK_WIDGET (row.model), "heading");

  row.detail = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (row.detail, 0);
  gtk_label_set_wrap (row.detail, TRUE);
  gtk_label_set_wrap_mode (row.detail, PANGO_WRAP_WORD_CHAR);

  row.value = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (row.value, 1);
  gtk_widget_set_valign (GTK_WIDGET (row.value), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (row.value), "numeric");

  gtk_widget_set_hexpand (texts, TRUE);
  gtk_box_append (GTK_BOX (texts), GTK_WIDGET (row.model));
  gtk_box_append (GTK_BOX (texts), GTK_WIDGET (row.detail));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (row.indicator));
  gtk_box_append (GTK_BOX (box), texts);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (row.value));
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row.row), box);
  return row;
}

static void
clear_rows (TbRunMonitor *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    gtk_list_box_remove (self->rows_list, g_array_index (self->rows, Row, i).row);
  g_array_set_size (self->rows, 0);
}

static void
update_summary (TbRunMonitor *self,
                GPtrArray    *calls)
{
  guint finished = 0, total = calls ? calls->len : 0, done_total, all_total;
  double spent = 0;
  g_autofree char *progress = NULL;
  g_autofree char *spent_text = NULL;
  g_autofree char *usd = NULL;
  gboolean judge = in_judge_phase (self);
  gboolean over;

  for (guint i = 0; i < total; i++)
    {
      TbCallProgress *p = g_ptr_array_index (calls, i);

      if (state_is_final (p->state))
        finished++;
      if (p->state == TB_CALL_DONE)
        spent += p->cost_usd;
    }

  if (judge)
    {
      done_total = self->run_total + finished;
      all_total = self->run_total + total;
    }
  else
    {
      self->run_spent = spent;
      done_total = finished;
      /* before judging we do not know how many outputs will be judged: assume all */
      all_total = self->judging ? 2 * total : total;
    }

  over = total > 0 && finished == total && (judge || !self->judging);
  if (total == 0)
    gtk_label_set_text (self->phase_label, self->runner ? _("Starting…")
                                                        : _("No Run Under Way"));
  else if (over)
    gtk_label_set_text (self->phase_label, _("Finished"));
  else if (judge)
    gtk_label_set_text (self->phase_label, _("Judging the Outputs"));
  else
    gtk_label_set_text (self->phase_label, _("Running the Models"));

  gtk_progress_bar_set_fraction (self->progress_bar,
                                 all_total > 0 ? (double) done_total / all_total : 0);
  if (judge)
    /* Translators: judging outputs, e.g. "Judging: 1 of 3 outputs scored" */
    progress = g_strdup_printf (ngettext ("Judging: %u of %u output scored",
                                          "Judging: %u of %u outputs scored", total),
                                finished, total);
  else
    progress = g_strdup_printf (ngettext ("%u of %u model finished",
                                          "%u of %u models finished", total),
                                finished, total);
  gtk_progress_bar_set_text (self->progress_bar, progress);

  usd = tb_format_usd ((judge ? self->run_spent : 0) + spent);
  /* Translators: an amount in US dollars */
  spent_text = g_strdup_printf (_("Spent %s"), usd);
  gtk_label_set_text (self->spent_label, total > 0 ? spent_text : "");

  if (self->runner != NULL && tb_runner_get_run (self->runner) != NULL)
    {
      g_autofree char *run = g_strdup_printf (_("Run %s"), tb_runner_get_run (self->runner)->id);

      gtk_label_set_text (self->run_label, run);
    }
}

static gboolean
tick (gpointer user_data)
{
  TbRunMonitor *self = user_data;
  GPtrArray *calls = self->runner ? tb_runner_get_calls (self->runner) : NULL;
  gboolean any_running = FALSE;

  for (guint i = 0; calls != NULL && i < calls->len && i < self->rows->len; i++)
    {
      TbCallProgress *p = g_ptr_array_index (calls, i);

      if (p->state == TB_CALL_RUNNING)
        {
          update_row (self, &g_array_index (self->rows, Row, i), p);
          any_running = TRUE;
        }
    }

  if (!any_running)
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
sync_rows (TbRunMonitor *self)
{
  GPtrArray *calls = self->runner ? tb_runner_get_calls (self->runner) : NULL;
  const char *phase = self->runner ? tb_runner_get_phase (self->runner) : NULL;
  guint n = calls ? calls->len : 0;
  gboolean any_running = FALSE;

  if (g_strcmp0 (phase, self->phase) != 0)
    {
      /* entering the judge phase: keep what the candidates came to */
      if (g_strcmp0 (phase, "judge") == 0)
        self->run_total = self->rows->len;
      g_free (self->phase);
      self->phase = g_strdup (phase);
      clear_rows (self);
    }

  if (self->rows->len != n)
    {
      clear_rows (self);
      for (guint i = 0; i < n; i++)
        {
          Row row = create_row ();

          gtk_list_box_append (self->rows_list, row.row);
          g_array_append_val (self->rows, row);
        }
    }

  for (guint i = 0; i < n; i++)
    {
      TbCallProgress *p = g_ptr_array_index (calls, i);

      update_row (self, &g_array_index (self->rows, Row, i), p);
      if (p->state == TB_CALL_RUNNING)
        any_running = TRUE;
    }

  if (any_running && self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick, self);

  update_summary (self, calls);
}

static void
on_progress (TbRunner     *runner,
             guint         index,
             TbRunMonitor *self)
{
  GPtrArray *calls = tb_runner_get_calls (runner);

  /* a new phase or a different set of calls: rebuild; else touch only the one row */
  if (g_strcmp0 (tb_runner_get_phase (runner), self->phase) != 0 || calls == NULL
      || calls->len != self->rows->len || index >= calls->len)
    {
      sync_rows (self);
      return;
    }

  {
    TbCallProgress *p = g_ptr_array_index (calls, index);

    update_row (self, &g_array_index (self->rows, Row, index), p);
    if (p->state == TB_CALL_RUNNING && self->tick_id == 0)
      self->tick_id = g_timeout_add_seconds (1, tick, self);
    update_summary (self, calls);
  }
}

/* the run exists, or a new set of calls replaced the old one */
static void
on_run_created (TbRunMonitor *self)
{
  sync_rows (self);
}

void
tb_run_monitor_set_runner (TbRunMonitor *self,
                           TbRunner     *runner)
{
  g_return_if_fail (TB_IS_RUN_MONITOR (self));
  g_return_if_fail (runner == NULL || TB_IS_RUNNER (runner));

  if (self->runner == runner)
    return;

  if (self->runner != NULL)
    g_signal_handlers_disconnect_by_data (self->runner, self);
  g_set_object (&self->runner, runner);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_pointer (&self->phase, g_free);
  self->run_total = 0;
  self->run_spent = 0;
  gtk_label_set_text (self->run_label, "");
  clear_rows (self);

  if (runner != NULL)
    {
      g_signal_connect (runner, "progress", G_CALLBACK (on_progress), self);
      if (g_signal_lookup ("run-created", TB_TYPE_RUNNER) != 0)
        g_signal_connect_swapped (runner, "run-created", G_CALLBACK (on_run_created), self);
      if (g_signal_lookup ("phase-changed", TB_TYPE_RUNNER) != 0)
        g_signal_connect_swapped (runner, "phase-changed", G_CALLBACK (on_run_created), self);
    }
  sync_rows (self);
}

void
tb_run_monitor_set_judging (TbRunMonitor *self,
                            gboolean      judging)
{
  g_return_if_fail (TB_IS_RUN_MONITOR (self));

  self->judging = !!judging;
  sync_rows (self);
}

guint
tb_run_monitor_get_n_rows (TbRunMonitor *self)
{
  g_return_val_if_fail (TB_IS_RUN_MONITOR (self), 0);
  return self->rows->len;
}

const char *
tb_run_monitor_get_row_state (TbRunMonitor *self,
                              guint         index)
{
  g_return_val_if_fail (TB_IS_RUN_MONITOR (self), NULL);
  g_return_val_if_fail (index < self->rows->len, NULL);
  return state_id (g_array_index (self->rows, Row, index).state);
}

const char *
tb_run_monitor_get_row_value (TbRunMonitor *self,
                              guint         index)
{
  g_return_val_if_fail (TB_IS_RUN_MONITOR (self), NULL);
  g_return_val_if_fail (index < self->rows->len, NULL);
  return gtk_label_get_text (g_array_index (self->rows, Row, index).value);
}

double
tb_run_monitor_get_fraction (TbRunMonitor *self)
{
  g_return_val_if_fail (TB_IS_RUN_MONITOR (self), 0);
  return gtk_progress_bar_get_fraction (self->progress_bar);
}

static void
tb_run_monitor_dispose (GObject *object)
{
  TbRunMonitor *self = TB_RUN_MONITOR (object);
  GtkWidget *child;

  if (self->runner != NULL)
    g_signal_handlers_disconnect_by_data (self->runner, self);
  g_clear_object (&self->runner);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_RUN_MONITOR);
  /* the template's root has no id, so dispose_template leaves it */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_pointer (&self->rows, g_array_unref);
  g_clear_pointer (&self->phase, g_free);

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
  gtk_widget_class_bind_template_child (widget_class, TbRunMonitor, rows_list);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "runmonitor");
}

static void
tb_run_monitor_init (TbRunMonitor *self)
{
  GtkWidget *placeholder;

  self->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  gtk_widget_init_template (GTK_WIDGET (self));
  placeholder = gtk_label_new (_("The models appear here once the run starts."));
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_list_box_set_placeholder (self->rows_list, placeholder);
  sync_rows (self);
}

GtkWidget *
tb_run_monitor_new (void)
{
  return g_object_new (TB_TYPE_RUN_MONITOR, NULL);
}
