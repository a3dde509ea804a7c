/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-run-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tb-gui-util.h"
#include "tb-rollup.h"
#include "tb-run-page.h"
#include "tb-run-summary.h"
#include "tb-score-chart.h"
#include "tb-usecase.h"
#include "tb-resources.h"
#include "tb-util.h"

struct _TbRunPage
{
  GtkWidget      parent_instance;

  GtkStack      *stack;
  AdwStatusPage *empty_page;
  GtkLabel      *title_label;
  GtkLabel      *subtitle_label;
  GtkLabel      *status_label;
  GtkWidget     *judgment_bar;
  GtkDropDown   *judgment_dropdown;
  GtkLabel      *judge_label;
  GtkWidget     *unjudged_box;
  GtkWidget     *judged_box;
  GtkLabel      *best_overall_label;
  GtkLabel      *best_overall_detail;
  GtkLabel      *best_value_label;
  GtkLabel      *best_value_detail;
  GtkLabel      *budget_pick_label;
  GtkLabel      *budget_pick_detail;
  TbScoreChart  *chart;
  GtkListBox    *models_list;
  AdwActionRow  *candidates_row;
  AdwActionRow  *judge_row;
  AdwActionRow  *total_row;
  GtkLabel      *candidates_cost_label;
  GtkLabel      *judge_cost_label;
  GtkLabel      *total_cost_label;

  GtkSpinner    *spinner;

  TbStore       *store;
  char          *run_id;       /* requested */
  GCancellable  *cancellable;  /* of the read under way */
  TbRunData     *data;         /* the run shown */
  TbRun         *run;          /* borrowed from data */
  GPtrArray     *outputs;      /* borrowed from data: TbOutput* */
  GPtrArray     *judgments;    /* borrowed from data: TbJudgment*, newest first */
  GPtrArray     *model_rows;   /* GtkWidget*, borrowed: children of models_list */
};

G_DEFINE_FINAL_TYPE (TbRunPage, tb_run_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static TbOutput *
find_output (TbRunPage  *self,
             const char *model)
{
  for (guint i = 0; self->outputs != NULL && i < self->outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (self->outputs, i);

      if (g_strcmp0 (output->model, model) == 0)
        return output;
    }
  return NULL;
}

/* The model's score as the core counts it: the mean over its scores in the judgment. */
static gboolean
model_score (TbJudgment *judgment,
             const char *model,
             double     *score)
{
  return judgment != NULL && tb_judgment_model_mean (judgment, model, score);
}

static TbScore *
find_score (TbJudgment *judgment,
            const char *model)
{
  for (guint i = 0; judgment != NULL && judgment->scores != NULL && i < judgment->scores->len;
       i++)
    {
      TbScore *score = g_ptr_array_index (judgment->scores, i);

      if (g_strcmp0 (score->model, model) == 0)
        return score;
    }
  return NULL;
}

static TbJudgment *
selected_judgment (TbRunPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->judgment_dropdown);

  if (self->judgments == NULL || selected == GTK_INVALID_LIST_POSITION
      || selected >= self->judgments->len)
    return NULL;
  return g_ptr_array_index (self->judgments, selected);
}

static GtkWidget *
section_heading (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  return label;
}

static GtkWidget *
wrapped_label (const char *text,
               const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

/* The output as a user reads it best: JSON pretty-printed when it parses. */
static char *
pretty_content (const char *content)
{
  g_autoptr(JsonNode) node = NULL;

  if (content == NULL)
    return g_strdup ("");
  node = json_from_string (content, NULL);
  if (node != NULL && (JSON_NODE_HOLDS_OBJECT (node) || JSON_NODE_HOLDS_ARRAY (node)))
    return json_to_string (node, TRUE);
  return g_strdup (content);
}

static GtkWidget *
criteria_grid (TbScore *score)
{
  GtkWidget *grid = gtk_grid_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  int row = 0;

  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);

  /* the rubric's order when known, else whatever the judgment holds, sorted */
  if (score->criteria_order != NULL)
    for (guint i = 0; score->criteria_order[i] != NULL; i++)
      g_ptr_array_add (names, score->criteria_order[i]);
  else if (score->criteria != NULL)
    {
      GList *keys = g_hash_table_get_keys (score->criteria);

      keys = g_list_sort (keys, (GCompareFunc) g_strcmp0);
      for (GList *l = keys; l != NULL; l = l->next)
        g_ptr_array_add (names, l->data);
      g_list_free (keys);
    }

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      double *value = score->criteria ? g_hash_table_lookup (score->criteria, name) : NULL;
      GtkWidget *label = gtk_label_new (name);
      GtkWidget *bar = gtk_level_bar_new_for_interval (0, 10);
      g_autofree char *text = value ? g_strdup_printf ("%.1f", *value) : g_strdup ("—");
      GtkWidget *value_label = gtk_label_new (text);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_width_chars (GTK_LABEL (label), 14);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 22);
      gtk_widget_set_tooltip_text (label, name);

      /* the default offsets colour a bar by thresholds meant for 0–1 */
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW);
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH);
      gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_FULL);
      gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), value ? CLAMP (*value, 0, 10) : 0);
      gtk_widget_set_hexpand (bar, TRUE);
      gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (bar),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);

      gtk_label_set_xalign (GTK_LABEL (value_label), 1);
      gtk_label_set_width_chars (GTK_LABEL (value_label), 4);
      gtk_widget_add_css_class (value_label, "numeric");

      gtk_grid_attach (GTK_GRID (grid), label, 0, row, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), bar, 1, row, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), value_label, 2, row, 1, 1);
      row++;
    }
  return grid;
}

static GtkWidget *
output_view (const char *content)
{
  g_autofree char *text = pretty_content (content);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)), text, -1);
  gtk_text_view_set_editable (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 8);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Output"), -1);

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 320);
  gtk_widget_add_css_class (scrolled, "card");
  gtk_widget_set_overflow (scrolled, GTK_OVERFLOW_HIDDEN);
  return scrolled;
}

static char *
details_text (TbOutput *output)
{
  g_autofree char *cost = tb_format_usd (output->cost.usd);
  GString *text = g_string_new (NULL);
  g_autofree char *in = g_strdup_printf ("%" G_GINT64_FORMAT, output->usage.prompt_tokens);
  g_autofree char *out = g_strdup_printf ("%" G_GINT64_FORMAT,
                                          output->usage.completion_tokens);

  /* Translators: token counts read and written by the model */
  g_string_append_printf (text, _("Tokens: %s in, %s out"), in, out);
  if (output->usage.reasoning_tokens > 0)
    {
      g_autofree char *reasoning = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                    output->usage.reasoning_tokens);
      /* Translators: reasoning tokens, appended to "Tokens: 12 in, 34 out" */
      g_string_append_printf (text, _(" (%s reasoning)"), reasoning);
    }
  g_string_append (text, " · ");
  g_string_append_printf (text, _("Latency %.1f s"), output->latency_ms / 1000.0);
  g_string_append (text, " · ");
  /* Translators: an amount in US dollars, then how it is known: billed, reported, estimated */
  g_string_append_printf (text, _("Cost %s (%s)"), cost,
                          tb_cost_source_label (output->cost.source));
  if (output->provider != NULL)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, _("Provider %s"), output->provider);
    }
  if (output->attempts > 1)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, ngettext ("%u attempt", "%u attempts", output->attempts),
                              output->attempts);
    }
  return g_string_free (text, FALSE);
}

static GtkWidget *
format_badge (TbOutput *output)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *badge;

  if (output->format_valid)
    {
      badge = gtk_label_new (_("✓ Format valid"));
      gtk_widget_add_css_class (badge, "success");
    }
  else
    {
      badge = gtk_label_new (_("✗ Format invalid"));
      gtk_widget_add_css_class (badge, "error");
    }
  gtk_label_set_xalign (GTK_LABEL (badge), 0);
  gtk_widget_add_css_class (badge, "heading");
  gtk_box_append (GTK_BOX (box), badge);

  for (guint i = 0; output->format_errors != NULL && output->format_errors[i] != NULL; i++)
    {
      g_autofree char *line = g_strdup_printf ("• %s", output->format_errors[i]);

      gtk_box_append (GTK_BOX (box), wrapped_label (line, "caption"));
    }
  return box;
}

static GtkWidget *
model_row (TbRunPage  *self,
           const char *model,
           TbOutput   *output,
           TbJudgment *judgment)
{
  TbScore *score = find_score (judgment, model);
  gboolean judged = judgment != NULL;
  double overall = 0;
  gboolean has_score = model_score (judgment, model, &overall);
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *badge;
  GString *subtitle = g_string_new (NULL);
  g_autofree char *subtitle_text = NULL;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), model);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);

  /* the badge on the right: the score, or why there is none */
  if (has_score)
    {
      g_autofree char *text = g_strdup_printf ("%.0f", overall);

      badge = gtk_label_new (text);
      gtk_widget_add_css_class (badge, "title-3");
      gtk_widget_add_css_class (badge, "numeric");
      gtk_widget_set_tooltip_text (badge, _("Overall score out of 100"));
    }
  else if (output == NULL || output->status != TB_OUTPUT_OK)
    {
      badge = gtk_label_new (output == NULL ? _("No output")
                             : output->status == TB_OUTPUT_CANCELLED ? _("Cancelled")
                             : _("Failed"));
      gtk_widget_add_css_class (badge, output == NULL ? "dim-label" : "error");
    }
  else
    {
      badge = gtk_label_new (judged ? _("Not scored") : _("Not judged"));
      gtk_widget_add_css_class (badge, "dim-label");
    }
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), badge);

  if (output != NULL && output->status != TB_OUTPUT_OK)
    g_string_append (subtitle, output->error_message ? output->error_message
                               : output->status == TB_OUTPUT_CANCELLED ? _("Cancelled")
                               : _("No answer"));
  else if (output != NULL)
    {
      g_autofree char *cost = tb_format_usd (output->cost.usd);

      g_string_append_printf (subtitle, "%s %s", cost,
                              tb_cost_source_label (output->cost.source));
      g_string_append (subtitle, " · ");
      g_string_append_printf (subtitle, _("%.1f s"), output->latency_ms / 1000.0);
      if (output->content != NULL)
        {
          g_string_append (subtitle, " · ");
          g_string_append_printf (subtitle, ngettext ("%u character", "%u characters",
                                                      (guint) g_utf8_strlen (output->content, -1)),
                                  (guint) g_utf8_strlen (output->content, -1));
        }
    }

  if (score != NULL)
    {
      if (score->error != NULL)
        {
          g_autofree char *text = g_strdup_printf (_("Judge error: %s"), score->error);

          gtk_box_append (GTK_BOX (box), wrapped_label (text, "error"));
        }
      else
        {
          gtk_box_append (GTK_BOX (box), section_heading (_("Criteria")));
          gtk_box_append (GTK_BOX (box), criteria_grid (score));

          if (score->violations != NULL && score->violations[0] != NULL)
            {
              gtk_box_append (GTK_BOX (box), section_heading (_("Violations")));
              for (guint i = 0; score->violations[i] != NULL; i++)
                {
                  g_autofree char *line = g_strdup_printf ("• %s", score->violations[i]);

                  gtk_box_append (GTK_BOX (box), wrapped_label (line, NULL));
                }
            }
          if (score->reasoning != NULL && *score->reasoning != '\0')
            {
              gtk_box_append (GTK_BOX (box), section_heading (_("Reasoning")));
              gtk_box_append (GTK_BOX (box), wrapped_label (score->reasoning, NULL));
            }
        }
    }

  if (output != NULL)
    {
      g_autofree char *details = details_text (output);

      if (output->error_message != NULL)
        {
          g_autofree char *text = NULL;

          if (output->error_http_status > 0)
            text = g_strdup_printf (_("Error (HTTP %u): %s"), output->error_http_status,
                                    output->error_message);
          else
            text = g_strdup_printf (_("Error: %s"), output->error_message);
          gtk_box_append (GTK_BOX (box), wrapped_label (text, "error"));
        }
      if (output->has_format_check)
        gtk_box_append (GTK_BOX (box), format_badge (output));
      if (output->content != NULL)
        {
          gtk_box_append (GTK_BOX (box), section_heading (_("Output")));
          gtk_box_append (GTK_BOX (box), output_view (output->content));
        }
      gtk_box_append (GTK_BOX (box), wrapped_label (details, "dim-label"));
    }
  else
    gtk_box_append (GTK_BOX (box), wrapped_label (_("This model has no output yet."),
                                                  "dim-label"));

  subtitle_text = g_string_free (subtitle, FALSE);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle_text);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), box);
  return row;
}

static void
set_pick (GtkLabel   *label,
          GtkLabel   *detail,
          TbRunPage  *self,
          TbJudgment *judgment,
          const char *model,
          const char *none_text)
{
  TbOutput *output;
  double score = 0;
  g_autofree char *cost = NULL;
  g_autofree char *text = NULL;

  if (model == NULL)
    {
      gtk_label_set_text (label, "—");
      gtk_widget_set_tooltip_text (GTK_WIDGET (label), NULL);
      gtk_label_set_text (detail, none_text);
      return;
    }

  gtk_label_set_text (label, model);
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), model);
  model_score (judgment, model, &score);
  output = find_output (self, model);
  cost = output ? tb_format_usd (output->cost.usd) : g_strdup ("—");
  /* Translators: score out of 100, then cost in US dollars */
  text = g_strdup_printf (_("Score %.0f · %s"), score, cost);
  gtk_label_set_text (detail, text);
}

static void
show_judgment (TbRunPage *self)
{
  TbJudgment *judgment = selected_judgment (self);
  g_autoptr(GPtrArray) points = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                tb_chart_point_free);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  GtkWidget *child;

  gtk_widget_set_visible (self->unjudged_box, judgment == NULL);
  gtk_widget_set_visible (self->judged_box, judgment != NULL);

  if (judgment != NULL)
    {
      g_autofree char *cost = tb_format_usd (judgment->cost.usd);
      g_autofree char *judges = NULL;
      g_autofree char *text = NULL;

      if (judgment->judges != NULL && judgment->judges[0] != NULL)
        judges = g_strjoinv (", ", judgment->judges);
      else
        judges = g_strdup (judgment->judge_model ? judgment->judge_model : "?");
      /* Translators: the judge model, then what its calls cost */
      text = g_strdup_printf (_("by %s · %s"), judges, cost);
      gtk_label_set_text (self->judge_label, text);

      set_pick (self->best_overall_label, self->best_overall_detail, self, judgment,
                judgment->best_overall, _("No scored output"));
      set_pick (self->best_value_label, self->best_value_detail, self, judgment,
                judgment->best_value, _("No scored output"));
      set_pick (self->budget_pick_label, self->budget_pick_detail, self, judgment,
                judgment->budget_pick, _("No output scored 70 or more"));

      for (guint i = 0; self->run->models[i] != NULL; i++)
        {
          const char *model = self->run->models[i];
          TbOutput *output = find_output (self, model);
          double score;

          if (output != NULL && model_score (judgment, model, &score))
            g_ptr_array_add (points, tb_chart_point_new (model, score, output->cost.usd));
        }
    }
  tb_score_chart_set_points (self->chart, points);

  /* models: best first when scored, else in the run's order */
  for (guint i = 0; self->run->models != NULL && self->run->models[i] != NULL; i++)
    g_ptr_array_add (order, self->run->models[i]);
  if (judgment != NULL)
    {
      /* an insertion sort keeps the run's order among equal scores */
      for (guint i = 1; i < order->len; i++)
        for (guint j = i; j > 0; j--)
          {
            double sa = -1, sb = -1;
            gpointer tmp;

            model_score (judgment, g_ptr_array_index (order, j - 1), &sa);
            model_score (judgment, g_ptr_array_index (order, j), &sb);

            if (sb <= sa)
              break;
            tmp = g_ptr_array_index (order, j);
            g_ptr_array_index (order, j) = g_ptr_array_index (order, j - 1);
            g_ptr_array_index (order, j - 1) = tmp;
          }
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->models_list))) != NULL)
    gtk_list_box_remove (self->models_list, child);
  g_ptr_array_set_size (self->model_rows, 0);

  for (guint i = 0; i < order->len; i++)
    {
      const char *model = g_ptr_array_index (order, i);
      GtkWidget *row = model_row (self, model, find_output (self, model), judgment);

      gtk_list_box_append (self->models_list, row);
      g_ptr_array_add (self->model_rows, row);
    }
}

static void
on_judgment_selected (TbRunPage *self)
{
  if (self->run != NULL)
    show_judgment (self);
}

static void
show_costs (TbRunPage *self)
{
  TbRollup rollup = { 0 };
  g_autofree char *candidates = NULL;
  g_autofree char *judge = NULL;
  g_autofree char *total = NULL;
  g_autofree char *candidates_sub = NULL;
  g_autofree char *judge_sub = NULL;
  g_autofree char *candidate_tokens = NULL;
  g_autofree char *judge_tokens = NULL;

  tb_rollup_of_run (self->data, &rollup);
  candidates = tb_format_usd (rollup.candidate_usd);
  judge = tb_format_usd (rollup.judge_usd);
  total = tb_format_usd (rollup.total_usd);
  gtk_label_set_text (self->candidates_cost_label, candidates);
  gtk_label_set_text (self->judge_cost_label, judge);
  gtk_label_set_text (self->total_cost_label, total);

  candidate_tokens = g_strdup_printf ("%" G_GINT64_FORMAT,
                                      rollup.candidate_usage.prompt_tokens
                                      + rollup.candidate_usage.completion_tokens);
  judge_tokens = g_strdup_printf ("%" G_GINT64_FORMAT,
                                  rollup.judge_usage.prompt_tokens
                                  + rollup.judge_usage.completion_tokens);
  candidates_sub = g_strdup_printf (ngettext ("%u call, %s tokens", "%u calls, %s tokens",
                                              rollup.candidate_calls),
                                    rollup.candidate_calls, candidate_tokens);
  adw_action_row_set_subtitle (self->candidates_row, candidates_sub);
  judge_sub = g_strdup_printf (ngettext ("%u call over every judgment, %s tokens",
                                         "%u calls over every judgment, %s tokens",
                                         rollup.judge_calls),
                               rollup.judge_calls, judge_tokens);
  adw_action_row_set_subtitle (self->judge_row, judge_sub);
  if (rollup.estimated_calls > 0)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u cost is an estimate",
                                                         "%u costs are estimates",
                                                         rollup.estimated_calls),
                                               rollup.estimated_calls);

      adw_action_row_set_subtitle (self->total_row, text);
    }
  else
    adw_action_row_set_subtitle (self->total_row, NULL);
}

static void
show_empty (TbRunPage  *self,
            const char *title,
            const char *description)
{
  adw_status_page_set_title (self->empty_page, title);
  adw_status_page_set_description (self->empty_page, description);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
clear_run (TbRunPage *self)
{
  self->run = NULL;
  self->outputs = NULL;
  self->judgments = NULL;
  g_clear_pointer (&self->data, tb_run_data_free);
}

/* Reading, in a thread ------------------------------------------------------------------- */

typedef struct {
  TbRunData *data;
  char      *usecase_name;   /* the name as the use case read when it ran */
} Loaded;

static void
loaded_free (Loaded *loaded)
{
  g_clear_pointer (&loaded->data, tb_run_data_free);
  g_free (loaded->usecase_name);
  g_free (loaded);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  TbStore *store = g_task_get_task_data (task);
  const char *run_id = g_object_get_data (G_OBJECT (task), "run-id");
  g_autoptr(GError) error = NULL;
  Loaded *loaded = g_new0 (Loaded, 1);

  loaded->data = tb_store_load_run_data (store, run_id, &error);
  if (loaded->data == NULL)
    {
      loaded_free (loaded);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (loaded->data->run->usecase_snapshot != NULL)
    {
      g_autoptr(TbUsecase) usecase = tb_usecase_parse (loaded->data->run->usecase,
                                                       loaded->data->run->usecase_snapshot,
                                                       -1, NULL, NULL);

      if (usecase != NULL && usecase->name != NULL)
        loaded->usecase_name = g_strdup (usecase->name);
    }
  g_task_return_pointer (task, loaded, (GDestroyNotify) loaded_free);
}

static void
show_run (TbRunPage *self,
          Loaded    *loaded)
{
  g_autoptr(GtkStringList) choices = NULL;
  g_autofree char *date = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *inputs = NULL;
  guint n_models;

  clear_run (self);
  self->data = g_steal_pointer (&loaded->data);
  self->run = self->data->run;
  self->outputs = self->data->outputs;
  self->judgments = self->data->judgments;
  g_ptr_array_set_size (self->model_rows, 0);

  gtk_label_set_text (self->title_label, loaded->usecase_name != NULL ? loaded->usecase_name
                                                                       : self->run->usecase);

  date = tb_format_local_date (self->run->created_at);
  n_models = g_strv_length (self->run->models);
  inputs = tb_run_describe_inputs (self->run);
  /* Translators: input file name · date · number of models · run id */
  subtitle = g_strdup_printf (ngettext ("Input %s · %s · %u model · %s",
                                        "Input %s · %s · %u models · %s", n_models),
                              inputs != NULL ? inputs : "?", date, n_models, self->run->id);
  gtk_label_set_text (self->subtitle_label, subtitle);

  gtk_label_set_text (self->status_label, tb_run_status_label (self->run->status));
  gtk_widget_set_css_classes (GTK_WIDGET (self->status_label),
                              (const char *[]) { "title-4",
                                                 tb_run_status_style (self->run->status),
                                                 NULL });

  choices = gtk_string_list_new (NULL);
  for (guint i = 0; i < self->judgments->len; i++)
    {
      TbJudgment *judgment = g_ptr_array_index (self->judgments, i);
      g_autofree char *when = tb_format_local_date (judgment->created_at);
      g_autofree char *text = NULL;

      if (i == 0)
        /* Translators: a judgment's date, marked as the newest */
        text = g_strdup_printf (_("%s (latest)"), when);
      else
        text = g_strdup (when);
      gtk_string_list_append (choices, text);
    }
  gtk_widget_set_visible (self->judgment_bar, self->judgments->len > 0);

  /* setting the model selects the first item and shows it */
  g_object_freeze_notify (G_OBJECT (self->judgment_dropdown));
  gtk_drop_down_set_model (self->judgment_dropdown, G_LIST_MODEL (choices));
  gtk_drop_down_set_selected (self->judgment_dropdown, 0);
  g_object_thaw_notify (G_OBJECT (self->judgment_dropdown));

  show_judgment (self);
  show_costs (self);
  gtk_stack_set_visible_child_name (self->stack, "run");
}

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  TbRunPage *self = TB_RUN_PAGE (source);
  g_autoptr(GError) error = NULL;
  Loaded *loaded = g_task_propagate_pointer (G_TASK (result), &error);

  /* A read of a run no longer asked for. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    {
      g_clear_pointer (&loaded, loaded_free);
      return;
    }

  g_clear_object (&self->cancellable);
  gtk_spinner_stop (self->spinner);
  if (loaded == NULL)
    {
      clear_run (self);
      g_clear_pointer (&self->run_id, g_free);
      show_empty (self, _("Run Not Available"), error->message);
    }
  else
    {
      show_run (self, loaded);
      loaded_free (loaded);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

void
tb_run_page_set_run (TbRunPage  *self,
                     TbStore    *store,
                     const char *run_id)
{
  g_autoptr(GTask) task = NULL;
  gboolean same;

  g_return_if_fail (TB_IS_RUN_PAGE (self));
  g_return_if_fail (store == NULL || TB_IS_STORE (store));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_set_object (&self->store, store);
  same = self->run != NULL && g_strcmp0 (run_id, self->run->id) == 0;
  g_free (self->run_id);
  self->run_id = g_strdup (run_id);

  if (store == NULL || run_id == NULL)
    {
      clear_run (self);
      g_ptr_array_set_size (self->model_rows, 0);
      show_empty (self, _("No Run Selected"), _("Open a run to see its outputs, scores and "
                                                "costs."));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
      return;
    }

  /* A refresh keeps the run in view until the new read lands; another run waits behind a
   * spinner rather than showing the wrong one. */
  if (!same)
    {
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child_name (self->stack, "loading");
    }

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, load_cb, NULL);
  g_task_set_source_tag (task, tb_run_page_set_run);
  g_task_set_task_data (task, g_object_ref (store), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "run-id", g_strdup (run_id), g_free);
  g_task_run_in_thread (task, load_thread);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

gboolean
tb_run_page_is_loading (TbRunPage *self)
{
  g_return_val_if_fail (TB_IS_RUN_PAGE (self), FALSE);
  return self->cancellable != NULL;
}

const char *
tb_run_page_get_run_id (TbRunPage *self)
{
  g_return_val_if_fail (TB_IS_RUN_PAGE (self), NULL);
  return self->run_id;
}

static void
tb_run_page_dispose (GObject *object)
{
  TbRunPage *self = TB_RUN_PAGE (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_RUN_PAGE);
  /* the template's root has no id, so dispose_template leaves it */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  clear_run (self);
  g_clear_pointer (&self->model_rows, g_ptr_array_unref);
  g_clear_pointer (&self->run_id, g_free);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (tb_run_page_parent_class)->dispose (object);
}

static void
tb_run_page_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TbRunPage *self = TB_RUN_PAGE (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, tb_run_page_is_loading (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_run_page_class_init (TbRunPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_run_page_dispose;
  object_class->get_property = tb_run_page_get_property;

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (TB_TYPE_SCORE_CHART);
  g_type_ensure (ADW_TYPE_CLAMP);
  g_type_ensure (ADW_TYPE_STATUS_PAGE);
  g_type_ensure (ADW_TYPE_ACTION_ROW);
  /* referencing the resource links its object (and its registering constructor) even when
   * the widgets come from a static library */
  (void) tb_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/taskbench/TaskBench/tb-run-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, stack);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judgment_bar);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judgment_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judge_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, unjudged_box);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judged_box);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, best_overall_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, best_overall_detail);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, best_value_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, best_value_detail);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, budget_pick_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, budget_pick_detail);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, chart);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, models_list);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, candidates_row);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judge_row);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, total_row);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, candidates_cost_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judge_cost_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, total_cost_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_judgment_selected);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "runpage");
}

static void
tb_run_page_init (TbRunPage *self)
{
  self->model_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
tb_run_page_new (void)
{
  return g_object_new (TB_TYPE_RUN_PAGE, NULL);
}
