/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-summary-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tb-gui-util.h"
#include "tb-home.h"
#include "tb-resources.h"
#include "tb-run-item.h"
#include "tb-score-chart.h"
#include "tb-summary-view.h"
#include "tb-usecase.h"
#include "tb-util.h"

struct _TbSummaryView
{
  GtkWidget         parent_instance;

  GtkStack         *stack;
  GtkSpinner       *spinner;
  GtkLabel         *loading_label;
  AdwStatusPage    *unjudged_page;
  GtkLabel         *title_label;
  GtkLabel         *subtitle_label;
  GtkWidget        *simulated_badge;
  GtkLabel         *verdict_label;
  TbScoreChart     *chart;
  GtkListBox       *models_list;
  GtkListBox       *human_list;
  GtkLabel         *warnings_label;

  TbStore          *store;
  TbIndex          *index;
  TbRunList        *list;
  GCancellable     *cancellable;   /* of the read under way */
  gboolean          dirty;         /* to be read when next in sight */
  TbUsecaseSummary *summary;
  char             *name;          /* the use case's name, as its file says */
};

G_DEFINE_FINAL_TYPE (TbSummaryView, tb_summary_view, GTK_TYPE_WIDGET)

const TbUsecaseSummary *
tb_summary_view_get_summary (TbSummaryView *self)
{
  g_return_val_if_fail (TB_IS_SUMMARY_VIEW (self), NULL);
  return self->summary;
}

gboolean
tb_summary_view_is_loading (TbSummaryView *self)
{
  g_return_val_if_fail (TB_IS_SUMMARY_VIEW (self), FALSE);
  return self->cancellable != NULL || self->dirty
         || (self->list != NULL && !tb_run_list_get_loaded (self->list));
}

/* Showing -------------------------------------------------------------------------------- */

static char *
format_cost (gboolean known,
             double   usd)
{
  return known ? tb_format_usd (usd) : g_strdup (_("unknown"));
}

static GtkWidget *
model_row (TbSummaryView        *self,
           const TbVerdict      *verdict,
           const TbModelVerdict *model)
{
  GtkWidget *row = adw_action_row_new ();
  GString *subtitle = g_string_new (NULL);
  g_autofree char *per_input = format_cost (model->has_cost_per_input, model->cost_per_input_usd);
  g_autofree char *text = NULL;
  guint runs = tb_usecase_summary_runs_of (self->summary, model->model);
  guint wins = tb_usecase_summary_wins_of (self->summary, model->model);
  GtkWidget *badge;

  if (model->has_interval)
    /* Translators: a mean score's 95% interval */
    g_string_append_printf (subtitle, _("95%% interval %.1f–%.1f"), model->ci_low,
                            model->ci_high);
  else if (model->has_mean)
    g_string_append (subtitle, _("one sample"));
  if (subtitle->len > 0)
    g_string_append (subtitle, " · ");
  /* Translators: judged runs a model was scored in, and runs it won outright */
  g_string_append_printf (subtitle, ngettext ("%u run", "%u runs", runs), runs);
  g_string_append (subtitle, ", ");
  g_string_append_printf (subtitle, ngettext ("%u win", "%u wins", wins), wins);
  g_string_append (subtitle, " · ");
  g_string_append_printf (subtitle, _("%s per input"), per_input);
  if (model->has_cost_at_volume)
    {
      g_autofree char *volume = tb_format_usd (model->cost_at_volume_usd);

      g_string_append (subtitle, " · ");
      g_string_append_printf (subtitle, _("%s a month"), volume);
    }
  text = g_string_free (subtitle, FALSE);

  gtk_widget_set_name (row, "summary-model");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), model->model);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), text);

  if (model->tied_with_best && verdict->best_overall != NULL)
    {
      gboolean best = g_strcmp0 (model->model, verdict->best_overall) == 0;
      GtkWidget *tag = gtk_label_new (best ? _("Best") : _("Tied"));

      gtk_widget_add_css_class (tag, "tb-tag");
      gtk_widget_add_css_class (tag, best ? "success" : "accent");
      gtk_widget_set_valign (tag, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), tag);
    }
  if (model->has_mean)
    {
      g_autofree char *mean = g_strdup_printf ("%.0f", model->mean);

      badge = gtk_label_new (mean);
      gtk_widget_add_css_class (badge, "title-3");
      gtk_widget_add_css_class (badge, "numeric");
      gtk_widget_set_tooltip_text (badge, _("Mean score out of 100 over every judged run"));
    }
  else
    {
      badge = gtk_label_new (_("Not scored"));
      gtk_widget_add_css_class (badge, "dim-label");
    }
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
  return row;
}

static void
show_summary (TbSummaryView *self)
{
  const TbUsecaseSummary *summary = self->summary;
  const TbVerdict *verdict = summary->verdict;
  g_autoptr(GPtrArray) points = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                tb_chart_point_free);
  g_autofree char *describe = NULL;
  GString *subtitle;
  GtkWidget *child;

  if (summary->judged_runs == 0)
    {
      g_autofree char *text = NULL;

      text = g_strdup_printf (ngettext ("%u run, none judged: judge it to compare the models.",
                                        "%u runs, none judged: judge them to compare the "
                                        "models.", summary->runs), summary->runs);
      adw_status_page_set_description (self->unjudged_page, text);
      gtk_stack_set_visible_child_name (self->stack, summary->runs > 0 ? "unjudged" : "empty");
      return;
    }

  gtk_label_set_text (self->title_label, self->name != NULL ? self->name : summary->usecase);
  subtitle = g_string_new (NULL);
  g_string_append_printf (subtitle, ngettext ("%u judged run", "%u judged runs",
                                              summary->judged_runs), summary->judged_runs);
  if (summary->runs > summary->judged_runs)
    g_string_append_printf (subtitle, _(" of %u"), summary->runs);
  g_string_append (subtitle, " · ");
  g_string_append_printf (subtitle, ngettext ("%u input", "%u inputs", verdict->inputs),
                          verdict->inputs);
  if (verdict->judges != NULL && verdict->judges[0] != NULL)
    {
      g_autofree char *judges = g_strjoinv (", ", verdict->judges);

      g_string_append (subtitle, " · ");
      /* Translators: the judge models */
      g_string_append_printf (subtitle, _("judged by %s"), judges);
    }
  gtk_label_set_text (self->subtitle_label, subtitle->str);
  g_string_free (subtitle, TRUE);
  gtk_widget_set_visible (self->simulated_badge, verdict->simulated);

  describe = tb_verdict_describe (verdict);
  gtk_label_set_text (self->verdict_label, describe);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->models_list))) != NULL)
    gtk_list_box_remove (self->models_list, child);
  for (guint i = 0; i < verdict->models->len; i++)
    {
      TbModelVerdict *model = g_ptr_array_index (verdict->models, i);

      gtk_list_box_append (self->models_list, model_row (self, verdict, model));
      if (model->has_mean && model->has_cost_per_input)
        {
          TbChartPoint *point = tb_chart_point_new (model->model, model->mean,
                                                    model->cost_per_input_usd);

          if (model->has_interval)
            tb_chart_point_set_interval (point, model->ci_low, model->ci_high);
          g_ptr_array_add (points, point);
        }
    }
  tb_score_chart_set_points (self->chart, points);

  /* a person's ratings across the runs against the judges', or how to get them */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->human_list))) != NULL)
    gtk_list_box_remove (self->human_list, child);
  for (guint i = 0; verdict->human != NULL && i < verdict->human->len; i++)
    {
      g_autofree char *title = NULL;
      g_autofree char *detail = NULL;
      g_autofree char *value = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *label;

      tb_human_agreement_texts (g_ptr_array_index (verdict->human, i), &title, &detail,
                                &value);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), detail);
      label = gtk_label_new (value);
      gtk_widget_add_css_class (label, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      gtk_list_box_append (self->human_list, row);
    }
  if (verdict->human == NULL || verdict->human->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No ratings yet"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("Rate a few outputs (Rate… on a run page) to see how "
                                     "well the judges agree with you across the runs"));
      gtk_list_box_append (self->human_list, row);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->warnings_label), summary->warnings->len > 0);
  if (summary->warnings->len > 0)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u run could not be read: %s",
                                                         "%u runs could not be read; the "
                                                         "first: %s", summary->warnings->len),
                                               summary->warnings->len,
                                               (char *) g_ptr_array_index (summary->warnings, 0));

      gtk_label_set_text (self->warnings_label, text);
    }
  gtk_stack_set_visible_child_name (self->stack, "summary");
}

/* Reading, in a thread ------------------------------------------------------------------- */

typedef struct {
  TbStore          *store;
  TbIndex          *index;
  char             *usecase_id;
  TbUsecaseSummary *summary;
  char             *name;
} Read;

static void
read_free (Read *read)
{
  g_clear_object (&read->store);
  g_clear_object (&read->index);
  g_free (read->usecase_id);
  g_clear_pointer (&read->summary, tb_usecase_summary_free);
  g_free (read->name);
  g_free (read);
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Read *read = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tb_home_usecase_path (tb_store_get_home (read->store),
                                                read->usecase_id);
  g_autoptr(TbUsecase) usecase = path != NULL ? tb_usecase_load_file (path, NULL) : NULL;

  /* The volume cost at volume is shown for, and the name, come from the use case as it is. */
  if (usecase != NULL)
    read->name = g_strdup (usecase->name);
  read->summary = tb_usecase_summary_load (read->store, read->index, read->usecase_id,
                                           usecase != NULL ? usecase->inputs_per_month : 0,
                                           cancellable, &error);
  if (read->summary == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  TbSummaryView *self = TB_SUMMARY_VIEW (source);
  Read *read = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    return;
  g_clear_object (&self->cancellable);
  gtk_spinner_stop (self->spinner);
  if (error != NULL)
    {
      g_warning ("Could not read the summary: %s", error->message);
      return;
    }
  g_clear_pointer (&self->summary, tb_usecase_summary_free);
  self->summary = g_steal_pointer (&read->summary);
  g_free (self->name);
  self->name = g_steal_pointer (&read->name);
  show_summary (self);
}

/* What the run list already knows decides without reading a file: no runs, or none judged. */
static gboolean
decide_from_list (TbSummaryView *self)
{
  GListModel *runs = tb_run_list_get_model (self->list);
  guint n = g_list_model_get_n_items (runs);
  guint judged = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TbRunItem) item = g_list_model_get_item (runs, i);

      judged += tb_run_item_get_summary (item)->judgments > 0;
    }
  if (n > 0 && judged > 0)
    return FALSE;
  g_clear_pointer (&self->summary, tb_usecase_summary_free);
  if (n == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u run, none judged: judge it to "
                                                         "compare the models.",
                                                         "%u runs, none judged: judge them "
                                                         "to compare the models.", n), n);

      adw_status_page_set_description (self->unjudged_page, text);
      gtk_stack_set_visible_child_name (self->stack, "unjudged");
    }
  return TRUE;
}

static void
load (TbSummaryView *self)
{
  g_autoptr(GTask) task = NULL;
  const char *usecase_id = self->list != NULL ? tb_run_list_get_usecase (self->list) : NULL;
  g_autofree char *text = NULL;
  Read *read;
  guint n;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->list == NULL || usecase_id == NULL || self->store == NULL)
    return;
  /* The list lands first: it says whether there is anything to read. */
  if (!tb_run_list_get_loaded (self->list))
    {
      gtk_stack_set_visible_child_name (self->stack, "loading");
      gtk_spinner_start (self->spinner);
      gtk_label_set_text (self->loading_label, "");
      return;
    }
  self->dirty = FALSE;
  if (decide_from_list (self))
    return;

  n = g_list_model_get_n_items (tb_run_list_get_model (self->list));
  /* Translators: the Summary page reads every run of the use case */
  text = g_strdup_printf (ngettext ("Reading %u run…", "Reading %u runs…", n), n);
  gtk_label_set_text (self->loading_label, text);
  /* A refresh keeps the summary in view until the new one lands. */
  if (self->summary == NULL || g_strcmp0 (self->summary->usecase, usecase_id) != 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "loading");
      gtk_spinner_start (self->spinner);
    }

  read = g_new0 (Read, 1);
  read->store = g_object_ref (self->store);
  read->index = self->index != NULL ? g_object_ref (self->index) : NULL;
  read->usecase_id = g_strdup (usecase_id);
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, read_cb, NULL);
  g_task_set_source_tag (task, load);
  g_task_set_task_data (task, read, (GDestroyNotify) read_free);
  g_task_run_in_thread (task, read_thread);
}

/* The runs changed (a run ended, a judgment landed, another use case): read again when in
 * sight; reading thousands of runs is work for when the page is looked at. */
static void
runs_changed_cb (TbSummaryView *self)
{
  const char *usecase_id = self->list != NULL ? tb_run_list_get_usecase (self->list) : NULL;

  if (self->summary != NULL && g_strcmp0 (self->summary->usecase, usecase_id) != 0)
    g_clear_pointer (&self->summary, tb_usecase_summary_free);
  self->dirty = TRUE;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    load (self);
  else if (self->summary == NULL)
    gtk_stack_set_visible_child_name (self->stack, "loading");
}

void
tb_summary_view_set_sources (TbSummaryView *self,
                             TbStore       *store,
                             TbIndex       *index,
                             TbRunList     *list)
{
  g_return_if_fail (TB_IS_SUMMARY_VIEW (self));
  g_return_if_fail (store == NULL || TB_IS_STORE (store));
  g_return_if_fail (index == NULL || TB_IS_INDEX (index));
  g_return_if_fail (list == NULL || TB_IS_RUN_LIST (list));

  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  g_set_object (&self->store, store);
  g_set_object (&self->index, index);
  g_set_object (&self->list, list);
  if (list != NULL)
    {
      g_signal_connect_object (list, "changed", G_CALLBACK (runs_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (list, "notify::loaded", G_CALLBACK (runs_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (list, "notify::usecase-id", G_CALLBACK (runs_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  runs_changed_cb (self);
}

/* The object ----------------------------------------------------------------------------- */

static void
tb_summary_view_map (GtkWidget *widget)
{
  TbSummaryView *self = TB_SUMMARY_VIEW (widget);

  GTK_WIDGET_CLASS (tb_summary_view_parent_class)->map (widget);
  if (self->dirty)
    load (self);
}

static void
tb_summary_view_dispose (GObject *object)
{
  TbSummaryView *self = TB_SUMMARY_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_SUMMARY_VIEW);
  /* the template's root has no id, so dispose_template leaves it */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->list);
  g_clear_object (&self->store);
  g_clear_object (&self->index);
  g_clear_pointer (&self->summary, tb_usecase_summary_free);
  g_clear_pointer (&self->name, g_free);

  G_OBJECT_CLASS (tb_summary_view_parent_class)->dispose (object);
}

static void
tb_summary_view_class_init (TbSummaryViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_summary_view_dispose;
  widget_class->map = tb_summary_view_map;

  g_type_ensure (TB_TYPE_SCORE_CHART);
  g_type_ensure (ADW_TYPE_CLAMP);
  g_type_ensure (ADW_TYPE_STATUS_PAGE);
  /* referencing the resource links its object (and its registering constructor) even when
   * the widgets come from a static library */
  (void) tb_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/taskbench/TaskBench/"
                                               "tb-summary-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TbSummaryView, stack);
  gtk_widget_class_bind_template_child (widget_class, TbSummaryView, spinner);
  gtk_widget_class_bind_template_child (widget_class, TbSummaryView, loading_label);
  gtk_widget_class_bind_template_child (widget_class, TbSummaryView, unjudged_page);
  gtk_widget_class_bind_template_child (widget_class, TbSummaryView, title_label);
  gtk_widget_class_bind_template_child (widget_class, TbSummaryView, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, TbSummaryView, verdict_label);
  gtk_widget_class_bind_template_child (widget_class, TbSummaryView, simulated_badge);
  gtk_widget_class_bind_template_child (widget_class, TbSummaryView, chart);
  gtk_widget_class_bind_template_child (widget_class, TbSummaryView, models_list);
  gtk_widget_class_bind_template_child (widget_class, TbSummaryView, human_list);
  gtk_widget_class_bind_template_child (widget_class, TbSummaryView, warnings_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "summaryview");
}

static void
tb_summary_view_init (TbSummaryView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tb_summary_view_new (void)
{
  return g_object_new (TB_TYPE_SUMMARY_VIEW, NULL);
}
