/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-run-page"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tb-compare-view.h"
#include "tb-gui-util.h"
#include "tb-heat-map.h"
#include "tb-rating-dialog.h"
#include "tb-resources.h"
#include "tb-rollup.h"
#include "tb-run-page.h"
#include "tb-run-summary.h"
#include "tb-score-chart.h"
#include "tb-stats.h"
#include "tb-usecase.h"
#include "tb-util.h"

/* What the page shows of one judgment: the verdict as if it were the latest (the core
 * computes it in the reading thread; a bootstrap is no work for the main loop). */
typedef struct {
  TbVerdict     *verdict;
  TbScoreMatrix *matrix;     /* nullable: no pointwise judgment */
  char          *describe;   /* the verdict in words */
} JudgmentView;

static void
judgment_view_free (JudgmentView *view)
{
  g_clear_pointer (&view->verdict, tb_verdict_free);
  g_clear_pointer (&view->matrix, tb_score_matrix_free);
  g_free (view->describe);
  g_free (view);
}

struct _TbRunPage
{
  GtkWidget      parent_instance;

  GtkStack      *stack;
  AdwStatusPage *empty_page;
  GtkRevealer   *banner_revealer;
  GtkLabel      *banner_label;
  GtkLabel      *title_label;
  GtkLabel      *subtitle_label;
  GtkLabel      *id_label;
  GtkLabel      *status_label;
  GtkWidget     *simulated_badge;
  GtkWidget     *judgment_bar;
  GtkDropDown   *judgment_dropdown;
  GtkWidget     *unjudged_box;
  GtkWidget     *judged_box;
  GtkLabel      *verdict_label;
  GtkLabel      *best_overall_label;
  GtkLabel      *best_overall_detail;
  GtkLabel      *tied_label;
  GtkLabel      *best_value_label;
  GtkLabel      *best_value_detail;
  GtkLabel      *budget_pick_label;
  GtkLabel      *budget_pick_detail;
  TbScoreChart  *chart;
  GtkLabel      *chart_note;
  GtkWidget     *matrix_box;
  TbHeatMap     *heat_map;
  GtkWidget     *criteria_box;
  GtkGrid       *criteria_grid;
  TbCompareView *compare_view;
  GtkListBox    *models_list;
  GtkWidget     *judges_box;
  GtkListBox    *judges_list;
  GtkWidget     *pairwise_box;
  GtkLabel      *pairwise_caption;
  GtkGrid       *pairwise_grid;
  GtkListBox    *ranking_list;
  AdwActionRow  *candidates_row;
  AdwActionRow  *judge_row;
  AdwActionRow  *total_row;
  GtkLabel      *candidates_cost_label;
  GtkLabel      *judge_cost_label;
  GtkLabel      *total_cost_label;
  GtkSpinner    *spinner;

  TbStore       *store;
  char          *run_id;       /* requested */
  char          *title;
  GCancellable  *cancellable;  /* of the read under way */
  TbRunData     *data;         /* the run shown */
  gint64         inputs_per_month;
  GPtrArray     *views;        /* JudgmentView*, one per judgment (one without any) */
  GStrv          rubric;       /* the criteria of the use case as the run was made */
  gboolean       warnings_hidden;
  GCancellable  *write_cancellable;
};

G_DEFINE_FINAL_TYPE (TbRunPage, tb_run_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LOADING,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Small pieces ---------------------------------------------------------------------------- */

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

/* "$0.0012" or "unknown": an unknown cost is never shown as $0. */
static char *
format_cost (gboolean known,
             double   usd)
{
  return known ? tb_format_usd (usd) : g_strdup (_("unknown"));
}

static JudgmentView *
current_view (TbRunPage *self)
{
  guint selected;

  if (self->views == NULL || self->views->len == 0)
    return NULL;
  selected = gtk_drop_down_get_selected (self->judgment_dropdown);
  if (selected == GTK_INVALID_LIST_POSITION || selected >= self->views->len)
    selected = 0;
  return g_ptr_array_index (self->views, selected);
}

static TbJudgment *
selected_judgment (TbRunPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->judgment_dropdown);

  if (self->data == NULL || self->data->judgments->len == 0)
    return NULL;
  if (selected == GTK_INVALID_LIST_POSITION || selected >= self->data->judgments->len)
    selected = 0;
  return g_ptr_array_index (self->data->judgments, selected);
}

/* The judgment the verdict's scores come from as of the selected one (view_of_judgment):
 * the newest pointwise judgment from it back. A pairwise judgment has no score of its own
 * to show beside an output. */
static TbJudgment *
scored_judgment (TbRunPage *self)
{
  TbJudgment *selected = selected_judgment (self);
  g_autoptr(GPtrArray) judgments = g_ptr_array_new ();
  TbRunData as_of;
  guint index;

  if (selected == NULL)
    return NULL;
  g_ptr_array_find (self->data->judgments, selected, &index);
  for (guint i = index; i < self->data->judgments->len; i++)
    g_ptr_array_add (judgments, g_ptr_array_index (self->data->judgments, i));
  as_of = *self->data;
  as_of.judgments = judgments;
  return (TbJudgment *) tb_verdict_latest_judgment (&as_of, FALSE);
}

/* The run's shape in words: "3 inputs · 2 repeats · 4 models". */
static char *
describe_shape (const TbRun *run)
{
  g_autofree char *inputs = tb_run_describe_inputs (run);
  guint n_models = g_strv_length (run->models);
  GString *text = g_string_new (NULL);

  if (tb_run_is_test_set (run))
    g_string_append (text, inputs);
  else
    /* Translators: the run's input file */
    g_string_append_printf (text, _("Input %s"), inputs != NULL ? inputs : "?");
  if (run->repeat > 1)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, ngettext ("%u repeat", "%u repeats", run->repeat),
                              run->repeat);
    }
  g_string_append (text, " · ");
  g_string_append_printf (text, ngettext ("%u model", "%u models", n_models), n_models);
  return g_string_free (text, FALSE);
}

/* Criteria as bars on one scale, 0–10, so rows and models compare at a glance. */
static GtkWidget *
criteria_grid (GStrv        order,
               GHashTable  *values)
{
  GtkWidget *grid = gtk_grid_new ();

  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);

  for (guint i = 0; order != NULL && order[i] != NULL; i++)
    {
      const char *name = order[i];
      double *value = values != NULL ? g_hash_table_lookup (values, name) : NULL;
      GtkWidget *label = gtk_label_new (name);
      GtkWidget *bar = gtk_level_bar_new_for_interval (0, 10);
      g_autofree char *text = value ? g_strdup_printf ("%.1f", *value) : g_strdup ("—");
      GtkWidget *value_label = gtk_label_new (text);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_width_chars (GTK_LABEL (label), 8);
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

      gtk_grid_attach (GTK_GRID (grid), label, 0, i, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), bar, 1, i, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), value_label, 2, i, 1, 1);
    }
  return grid;
}

static GtkWidget *
output_view (const char *content)
{
  g_autofree char *text = tb_pretty_output (content);
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

/* Tokens, latency, cost, provider, attempts of one output. */
static char *
details_text (const TbOutput *output)
{
  g_autofree char *cost = format_cost (tb_cost_is_known (&output->cost), output->cost.usd);
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
format_badge (const TbOutput *output)
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

/* What one judge said of one output: its score, criteria, violations and reasoning. */
static GtkWidget *
score_view (const TbJudgment *judgment,
            const TbScore    *score,
            gboolean          name_the_judge)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  const char *judge = tb_judgment_score_judge (judgment, score);

  if (name_the_judge)
    {
      g_autofree char *heading = NULL;

      if (score->error != NULL)
        heading = g_strdup (judge);
      else
        /* Translators: a judge model and the overall score it gave, out of 100 */
        heading = g_strdup_printf (_("%s: %.0f"), judge, score->overall);
      gtk_box_append (GTK_BOX (box), section_heading (heading));
    }
  if (score->error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Judge error: %s"), score->error);

      gtk_box_append (GTK_BOX (box), wrapped_label (text, "error"));
      return box;
    }
  if (!name_the_judge)
    gtk_box_append (GTK_BOX (box), section_heading (_("Criteria")));
  {
    /* the grid reads a model's means and a score's values alike: name → double* */
    g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
    g_autofree const char **order = g_new0 (const char *, score->n_criteria + 1);

    for (guint i = 0; i < score->n_criteria; i++)
      {
        g_hash_table_insert (values, (gpointer) score->criteria[i].name,
                             &score->criteria[i].value);
        order[i] = score->criteria[i].name;
      }
    gtk_box_append (GTK_BOX (box), criteria_grid ((GStrv) order, values));
  }
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
  return box;
}

/* The person's rating of an output: the newest of that output (ratings are newest first),
 * or one of every repeat of the model on that input. */
static const TbRating *
latest_rating (const TbRunData *data,
               const char      *model,
               const char      *input,
               guint            repeat)
{
  const char *key = tb_run_input_key (data->run, input);

  for (guint i = 0; data->ratings != NULL && i < data->ratings->len; i++)
    {
      const TbRating *rating = g_ptr_array_index (data->ratings, i);

      if (g_strcmp0 (rating->model, model) == 0
          && g_strcmp0 (tb_run_input_key (data->run, rating->input), key) == 0
          && (rating->repeat == 0 || rating->repeat == MAX (repeat, 1)))
        return rating;
    }
  return NULL;
}

static GtkWidget *
rate_button (const char *model,
             const char *input,
             guint       repeat,
             gboolean    rated)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (rated ? _("Re_rate…") : _("_Rate…"));

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Give this output your own score, to measure how "
                                         "well the judges agree with you"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "run-page.rate");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "(ssu)", model,
                                    input != NULL ? input : "", MAX (repeat, 1));
  return button;
}

/* One output in full: the judges' scores, the format check, the text, the details. */
static GtkWidget *
cell_view (TbRunPage      *self,
           const TbOutput *output)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  TbJudgment *judgment = selected_judgment (self);
  g_autoptr(GPtrArray) scores = NULL;
  g_autofree char *details = NULL;

  scores = tb_judgment_cell_scores (judgment, self->data->run, output->model, output->input,
                                    output->repeat);
  for (guint i = 0; i < scores->len; i++)
    gtk_box_append (GTK_BOX (box), score_view (judgment, g_ptr_array_index (scores, i),
                                               scores->len > 1));

  if (output->status == TB_OUTPUT_OK)
    {
      const TbRating *rating = latest_rating (self->data, output->model, output->input,
                                              output->repeat);
      GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      GtkWidget *text_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      g_autofree char *text = NULL;

      if (rating != NULL)
        /* Translators: the user's own score of an output, out of 100 */
        text = g_strdup_printf (_("Your rating: %.0f"), rating->score);
      else
        text = g_strdup (_("Not rated by you"));
      /* The label in a box of its own: beside a button, GTK 4.8 aligns baselines and
       * measures the line inconsistently. */
      gtk_box_append (GTK_BOX (text_box), wrapped_label (text, rating != NULL ? "heading"
                                                                             : "dim-label"));
      gtk_widget_set_hexpand (text_box, TRUE);
      gtk_widget_set_valign (text_box, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (line), text_box);
      gtk_box_append (GTK_BOX (line), rate_button (output->model, output->input,
                                                   output->repeat, rating != NULL));
      gtk_box_append (GTK_BOX (box), line);
    }

  if (output->status != TB_OUTPUT_OK && output->error_message != NULL)
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
  details = details_text (output);
  gtk_box_append (GTK_BOX (box), wrapped_label (details, "dim-label"));
  return box;
}

static const char *
output_state_label (const TbOutput *output)
{
  switch (output->status)
    {
    case TB_OUTPUT_OK:
      return _("Done");
    case TB_OUTPUT_CANCELLED:
      return _("Cancelled");
    case TB_OUTPUT_SKIPPED:
      return _("Skipped: over the budget");
    case TB_OUTPUT_FAILED:
    default:
      return _("Failed");
    }
}

/* A model's outputs when it has several (inputs × repeats): one line each, with the mean of
 * the judges' scores of it. */
static GtkWidget *
cells_list (TbRunPage  *self,
            const char *model)
{
  GtkWidget *list = gtk_list_box_new ();
  TbJudgment *judgment = scored_judgment (self);
  gboolean judged = selected_judgment (self) != NULL;
  const TbRun *run = self->data->run;

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (guint i = 0; i < run->inputs->len; i++)
    for (guint r = 1; r <= MAX (run->repeat, 1); r++)
      {
        const TbRunInput *input = g_ptr_array_index (run->inputs, i);
        TbOutput *output = tb_run_data_find_output (self->data, model, input->key, r);
        GtkWidget *row = adw_action_row_new ();
        GtkWidget *value;
        g_autofree char *title = NULL;
        g_autofree char *subtitle = NULL;
        double mean;

        if (run->repeat > 1)
          /* Translators: an input's name and which repeat of it */
          title = g_strdup_printf (_("%s · repeat %u"), input->name, r);
        else
          title = g_strdup (input->name);
        adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
        if (output == NULL)
          subtitle = g_strdup (_("No output"));
        else if (output->status != TB_OUTPUT_OK)
          subtitle = g_strdup (output->error_message != NULL ? output->error_message
                                                             : output_state_label (output));
        else
          {
            g_autofree char *cost = format_cost (tb_cost_is_known (&output->cost),
                                                 output->cost.usd);
            const TbRating *rating = latest_rating (self->data, model, input->key, r);

            if (rating != NULL)
              /* Translators: an output's cost and latency, then the user's score of it */
              subtitle = g_strdup_printf (_("%s · %.1f s · your rating %.0f"), cost,
                                          output->latency_ms / 1000.0, rating->score);
            else
              /* Translators: an output's cost and latency */
              subtitle = g_strdup_printf (_("%s · %.1f s"), cost, output->latency_ms / 1000.0);
            adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                       rate_button (model, input->key, r, rating != NULL));
          }
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

        if (tb_judgment_cell_mean (judgment, run, model, input->key, r, &mean))
          {
            g_autofree char *text = g_strdup_printf ("%.0f", mean);

            value = gtk_label_new (text);
            gtk_widget_add_css_class (value, "numeric");
            gtk_widget_add_css_class (value, "heading");
            gtk_widget_set_tooltip_text (value, _("The judges' mean score of this output"));
          }
        else
          {
            value = gtk_label_new (output != NULL && output->status == TB_OUTPUT_OK
                                   ? (judged ? _("Not scored") : _("Not judged"))
                                   : "—");
            gtk_widget_add_css_class (value, "dim-label");
          }
        adw_action_row_add_suffix (ADW_ACTION_ROW (row), value);
        gtk_list_box_append (GTK_LIST_BOX (list), row);
      }
  return list;
}

/* The models ------------------------------------------------------------------------------ */

static char *
model_subtitle (const TbVerdict      *verdict,
                const TbModelVerdict *model)
{
  GString *text = g_string_new (NULL);
  g_autofree char *per_input = format_cost (model->has_cost_per_input,
                                            model->cost_per_input_usd);

  if (model->has_interval)
    /* Translators: a mean score's 95% interval */
    g_string_append_printf (text, _("95%% interval %.1f–%.1f"), model->ci_low, model->ci_high);
  else if (model->has_mean)
    g_string_append (text, _("one sample"));
  if (text->len > 0)
    g_string_append (text, " · ");
  /* Translators: a model's cost of one input's answer */
  g_string_append_printf (text, _("%s per input"), per_input);
  if (model->has_cost_at_volume)
    {
      g_autofree char *volume = tb_format_usd (model->cost_at_volume_usd);

      g_string_append (text, " · ");
      /* Translators: what a model would cost a month at the use case's volume */
      g_string_append_printf (text, _("%s a month"), volume);
    }
  if (model->errors > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, ngettext ("%u failed output", "%u failed outputs",
                                              model->errors), model->errors);
    }
  return g_string_free (text, FALSE);
}

/* The facts of a model that do not fit its row's subtitle. */
static char *
model_details (const TbVerdict      *verdict,
               const TbModelVerdict *model)
{
  GString *text = g_string_new (NULL);
  g_autofree char *total = format_cost (model->cost_known, model->cost_usd);

  if (model->has_mean)
    {
      /* Translators: how many scores a mean rests on: inputs, and scores over repeats and
       * judges */
      g_string_append_printf (text, ngettext ("Mean %.1f over %u input",
                                              "Mean %.1f over %u inputs", model->n_inputs),
                              model->mean, model->n_inputs);
      g_string_append_printf (text, ngettext (" (%u score)", " (%u scores)", model->n_scores),
                              model->n_scores);
    }
  if (model->has_diff && verdict->best_overall != NULL
      && g_strcmp0 (model->model, verdict->best_overall) != 0)
    {
      g_string_append (text, " · ");
      if (model->has_diff_interval)
        /* Translators: the difference to the best model, with its 95% interval */
        g_string_append_printf (text, _("%+.1f against the best (%+.1f to %+.1f)"),
                                model->diff_mean, model->diff_low, model->diff_high);
      else
        g_string_append_printf (text, _("%+.1f against the best"), model->diff_mean);
    }
  if (model->tied_with_best && model->inputs_to_separate > 0
      && model->inputs_to_separate != TB_STATS_INPUTS_NEVER
      && g_strcmp0 (model->model, verdict->best_overall) != 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, ngettext ("about %u input would separate it from the best",
                                              "about %u inputs would separate it from the best",
                                              model->inputs_to_separate),
                              model->inputs_to_separate);
    }
  if (text->len > 0)
    g_string_append (text, "\n");
  /* Translators: a model's cost over all its calls in the run */
  g_string_append_printf (text, ngettext ("%s for %u output", "%s for %u outputs",
                                          model->outputs), total, model->outputs);
  if (model->has_latency)
    {
      g_string_append (text, " · ");
      /* Translators: median and 95th percentile of a model's answer times */
      g_string_append_printf (text, _("latency %.1f s (95th percentile %.1f s)"),
                              model->latency_p50_ms / 1000.0, model->latency_p95_ms / 1000.0);
    }
  if (model->judge_errors > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, ngettext ("%u judge error", "%u judge errors",
                                              model->judge_errors), model->judge_errors);
    }
  return g_string_free (text, FALSE);
}

typedef struct {
  TbRunPage *page;
  char      *model;
  gboolean   filled;
} ModelRow;

static void
model_row_free (gpointer data)
{
  ModelRow *row = data;

  g_free (row->model);
  g_free (row);
}

/* A model's expanded content is made when it is first opened: a test set of 20 inputs and 3
 * repeats is 60 outputs per model, most of which nobody opens. */
static void
fill_model_row (AdwExpanderRow *expander)
{
  ModelRow *row = g_object_get_data (G_OBJECT (expander), "model-row");
  TbRunPage *self = row->page;
  JudgmentView *view = current_view (self);
  TbModelVerdict *model;
  GtkWidget *box;
  g_autofree char *details = NULL;
  const TbRun *run = self->data->run;

  if (row->filled || !adw_expander_row_get_expanded (expander) || view == NULL)
    return;
  row->filled = TRUE;
  model = tb_verdict_find (view->verdict, row->model);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);

  if (model != NULL)
    {
      details = model_details (view->verdict, model);
      gtk_box_append (GTK_BOX (box), wrapped_label (details, "dim-label"));
    }

  if (run->inputs->len * MAX (run->repeat, 1) == 1)
    {
      TbOutput *output = tb_run_data_find_output (self->data, row->model, NULL, 1);

      if (output != NULL)
        gtk_box_append (GTK_BOX (box), cell_view (self, output));
      else
        gtk_box_append (GTK_BOX (box), wrapped_label (_("This model has no output yet."),
                                                      "dim-label"));
    }
  else
    {
      if (model != NULL && model->criteria_order != NULL && model->criteria_order[0] != NULL)
        {
          gtk_box_append (GTK_BOX (box), section_heading (_("Criteria, mean of every score")));
          gtk_box_append (GTK_BOX (box), criteria_grid (model->criteria_order,
                                                        model->criteria));
        }
      gtk_box_append (GTK_BOX (box), section_heading (_("Outputs")));
      gtk_box_append (GTK_BOX (box), cells_list (self, row->model));
    }
  adw_expander_row_add_row (expander, box);
}

static GtkWidget *
model_row (TbRunPage            *self,
           const TbVerdict      *verdict,
           const TbModelVerdict *model)
{
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *badge;
  g_autofree char *subtitle = model_subtitle (verdict, model);
  ModelRow *state = g_new0 (ModelRow, 1);
  gboolean judged = selected_judgment (self) != NULL;

  state->page = self;
  state->model = g_strdup (model->model);
  g_object_set_data_full (G_OBJECT (row), "model-row", state, model_row_free);
  gtk_widget_set_name (row, "model-row");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), model->model);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);

  if (model->tied_with_best && verdict->best_overall != NULL)
    {
      gboolean best = g_strcmp0 (model->model, verdict->best_overall) == 0;
      GtkWidget *tag = gtk_label_new (best ? _("Best") : _("Tied"));

      gtk_widget_add_css_class (tag, "tb-tag");
      gtk_widget_add_css_class (tag, best ? "success" : "accent");
      gtk_widget_set_valign (tag, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (tag, best ? _("The highest mean score")
                                             : _("Not measurably worse than the best: its "
                                                 "difference's interval contains 0"));
      adw_expander_row_add_action (ADW_EXPANDER_ROW (row), tag);
    }

  /* the badge on the right: the mean, or why there is none */
  if (model->has_mean)
    {
      g_autofree char *text = g_strdup_printf ("%.0f", model->mean);

      badge = gtk_label_new (text);
      gtk_widget_add_css_class (badge, "title-3");
      gtk_widget_add_css_class (badge, "numeric");
      gtk_widget_set_tooltip_text (badge, _("Mean score out of 100, over inputs, repeats and "
                                            "judges"));
    }
  else if (model->outputs == 0 || model->errors >= model->outputs)
    {
      badge = gtk_label_new (model->outputs == 0 ? _("No output") : _("Failed"));
      gtk_widget_add_css_class (badge, model->outputs == 0 ? "dim-label" : "error");
    }
  else
    {
      badge = gtk_label_new (judged ? _("Not scored") : _("Not judged"));
      gtk_widget_add_css_class (badge, "dim-label");
    }
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), badge);

  g_signal_connect (row, "notify::expanded", G_CALLBACK (fill_model_row), NULL);
  return row;
}

/* The verdict ----------------------------------------------------------------------------- */

static void
set_pick (GtkLabel        *label,
          GtkLabel        *detail,
          const TbVerdict *verdict,
          const char      *model_id,
          const char      *none_text)
{
  TbModelVerdict *model = model_id != NULL ? tb_verdict_find (verdict, model_id) : NULL;
  g_autofree char *per_input = NULL;
  GString *text;

  if (model == NULL)
    {
      gtk_label_set_text (label, "—");
      gtk_label_set_text (detail, none_text);
      return;
    }

  gtk_label_set_text (label, model->model);
  text = g_string_new (NULL);
  if (model->has_interval)
    /* Translators: a mean score out of 100 and its 95% interval */
    g_string_append_printf (text, _("Mean %.1f (%.1f–%.1f)"), model->mean, model->ci_low,
                            model->ci_high);
  else if (model->has_mean)
    g_string_append_printf (text, _("Score %.1f"), model->mean);
  per_input = format_cost (model->has_cost_per_input, model->cost_per_input_usd);
  g_string_append (text, "\n");
  g_string_append_printf (text, _("%s per input"), per_input);
  if (model->has_cost_at_volume)
    {
      g_autofree char *volume = tb_format_usd (model->cost_at_volume_usd);

      g_string_append (text, " · ");
      g_string_append_printf (text, _("%s a month"), volume);
    }
  gtk_label_set_text (detail, text->str);
  g_string_free (text, TRUE);
}

static void
show_tied (TbRunPage       *self,
           const TbVerdict *verdict)
{
  g_autoptr(GPtrArray) others = g_ptr_array_new ();
  g_autofree char *names = NULL;
  g_autofree char *text = NULL;

  for (guint i = 0; verdict->tied_with_best != NULL && verdict->tied_with_best[i] != NULL; i++)
    if (g_strcmp0 (verdict->tied_with_best[i], verdict->best_overall) != 0)
      g_ptr_array_add (others, verdict->tied_with_best[i]);
  gtk_widget_set_visible (GTK_WIDGET (self->tied_label), others->len > 0);
  if (others->len == 0)
    return;
  g_ptr_array_add (others, NULL);
  names = g_strjoinv (", ", (char **) others->pdata);
  /* Translators: the models whose scores cannot be told apart from the best's */
  text = g_strdup_printf (_("Tied with %s"), names);
  gtk_label_set_text (self->tied_label, text);
}

static void
show_chart (TbRunPage       *self,
            const TbVerdict *verdict)
{
  g_autoptr(GPtrArray) points = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                tb_chart_point_free);
  g_autoptr(GPtrArray) unpriced = g_ptr_array_new ();

  for (guint i = 0; i < verdict->models->len; i++)
    {
      TbModelVerdict *model = g_ptr_array_index (verdict->models, i);
      TbChartPoint *point;

      if (!model->has_mean)
        continue;
      /* A cost that is not known has no place on a cost axis: named below instead. */
      if (!model->has_cost_per_input)
        {
          g_ptr_array_add (unpriced, model->model);
          continue;
        }
      point = tb_chart_point_new (model->model, model->mean, model->cost_per_input_usd);
      if (model->has_interval)
        tb_chart_point_set_interval (point, model->ci_low, model->ci_high);
      g_ptr_array_add (points, point);
    }
  tb_score_chart_set_points (self->chart, points);

  gtk_widget_set_visible (GTK_WIDGET (self->chart_note), unpriced->len > 0);
  if (unpriced->len > 0)
    {
      g_autofree char *names = NULL;
      g_autofree char *text = NULL;

      g_ptr_array_add (unpriced, NULL);
      names = g_strjoinv (", ", (char **) unpriced->pdata);
      text = g_strdup_printf (_("Not on the chart, their cost being unknown: %s"), names);
      gtk_label_set_text (self->chart_note, text);
    }
}

static void
show_warnings (TbRunPage       *self,
               const TbVerdict *verdict)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; verdict->warnings != NULL && i < verdict->warnings->len; i++)
    {
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, g_ptr_array_index (verdict->warnings, i));
    }
  gtk_label_set_text (self->banner_label, text->str);
  gtk_revealer_set_reveal_child (self->banner_revealer,
                                 text->len > 0 && !self->warnings_hidden);
}

/* The judges ------------------------------------------------------------------------------ */

static GtkWidget *
info_row (const char *title,
          const char *subtitle,
          const char *value,
          const char *tag)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (tag != NULL)
    {
      GtkWidget *label = gtk_label_new (tag);

      gtk_widget_add_css_class (label, "tb-tag");
      gtk_widget_add_css_class (label, "warning");
      gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  if (value != NULL)
    {
      GtkWidget *label = gtk_label_new (value);

      gtk_widget_add_css_class (label, "numeric");
      gtk_widget_add_css_class (label, "heading");
      gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  return row;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
show_judges (TbRunPage       *self,
             const TbVerdict *verdict)
{
  const TbAgreement *agreement = verdict->agreement;

  clear_list (self->judges_list);

  if (agreement != NULL)
    {
      g_autofree char *alpha = agreement->has_alpha ? g_strdup_printf ("%.2f", agreement->alpha)
                                                    : g_strdup ("—");
      const char *meaning = !agreement->has_alpha
                            ? _("Too few outputs scored by every judge to measure")
                            : agreement->alpha < TB_VERDICT_ALPHA_LOW
                            ? _("The judges disagree: read their scores with care")
                            : _("The judges agree");

      gtk_list_box_append (self->judges_list,
                           info_row (_("Agreement (Krippendorff’s α)"), meaning, alpha, NULL));
      for (guint i = 0; agreement->judges != NULL && i < agreement->judges->len; i++)
        {
          const TbJudgeMean *judge = g_ptr_array_index (agreement->judges, i);
          g_autofree char *mean = g_strdup_printf ("%.1f", judge->mean);
          g_autofree char *subtitle = g_strdup_printf (ngettext ("Mean over %u score",
                                                                 "Mean over %u scores",
                                                                 judge->n), judge->n);
          gboolean outlier = g_strcmp0 (agreement->outlier, judge->model) == 0;

          gtk_list_box_append (self->judges_list,
                               info_row (judge->model, subtitle, mean,
                                         outlier ? _("Agrees least") : NULL));
        }
    }
  else
    for (guint i = 0; verdict->judges != NULL && verdict->judges[i] != NULL; i++)
      gtk_list_box_append (self->judges_list,
                           info_row (verdict->judges[i],
                                     _("The only judge: a jury (judge.models in the use case) "
                                       "shows whether judges agree"), NULL, NULL));

  /* the person's ratings against the judges' */
  if (verdict->human != NULL && verdict->human->len > 0)
    for (guint i = 0; i < verdict->human->len; i++)
      {
        const TbHumanAgreement *human = g_ptr_array_index (verdict->human, i);
        g_autofree char *title = NULL;
        g_autofree char *subtitle = NULL;
        g_autofree char *mae = NULL;

        tb_human_agreement_texts (human, &title, &subtitle, &mae);
        gtk_list_box_append (self->judges_list, info_row (title, subtitle, mae, NULL));
      }
  else
    gtk_list_box_append (self->judges_list,
                         info_row (_("Your ratings"),
                                   _("Rate a few outputs (Rate… under a model) to see how "
                                     "well the judges agree with you"), NULL, NULL));
}

static GtkWidget *
grid_label (const char *text,
            gboolean    heading,
            gboolean    numeric)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), numeric ? 1 : 0);
  if (heading)
    gtk_widget_add_css_class (label, "caption-heading");
  if (numeric)
    gtk_widget_add_css_class (label, "numeric");
  if (!numeric && !heading)
    {
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_width_chars (GTK_LABEL (label), 12);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 30);
      gtk_widget_set_tooltip_text (label, text);
    }
  return label;
}

static void
show_pairwise (TbRunPage       *self,
               const TbVerdict *verdict)
{
  const TbPairwise *pairwise = verdict->pairwise;
  const char *headings[] = { _("A"), _("B"), _("A wins"), _("B wins"), _("Ties"),
                             _("Inconsistent") };
  g_autofree char *caption = NULL;
  GtkWidget *child;

  gtk_widget_set_visible (self->pairwise_box, pairwise != NULL);
  if (pairwise == NULL)
    return;

  {
    /* Translators: pairwise judging, each pair judged with A and B swapped */
    g_autofree char *judged = g_strdup_printf (ngettext ("%u comparison judged in both orders.",
                                                         "%u comparisons judged in both orders.",
                                                         pairwise->comparisons),
                                               pairwise->comparisons);
    g_autofree char *rule = g_strdup (_("A win counts only when both orders agree, else it is a "
                                        "tie."));
    g_autofree char *inconsistent = g_strdup_printf (ngettext ("%u was inconsistent.",
                                                               "%u were inconsistent.",
                                                               pairwise->inconsistent),
                                                     pairwise->inconsistent);

    caption = g_strjoin (" ", judged, rule, inconsistent, NULL);
  }
  gtk_label_set_text (self->pairwise_caption, caption);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->pairwise_grid))) != NULL)
    gtk_grid_remove (self->pairwise_grid, child);
  for (guint c = 0; c < G_N_ELEMENTS (headings); c++)
    gtk_grid_attach (self->pairwise_grid, grid_label (headings[c], TRUE, c >= 2), c, 0, 1, 1);
  for (guint i = 0; pairwise->pairs != NULL && i < pairwise->pairs->len; i++)
    {
      const TbPairTally *pair = g_ptr_array_index (pairwise->pairs, i);
      guint numbers[] = { pair->a_wins, pair->b_wins, pair->ties, pair->inconsistent };

      gtk_grid_attach (self->pairwise_grid, grid_label (pair->a, FALSE, FALSE), 0, i + 1, 1, 1);
      gtk_grid_attach (self->pairwise_grid, grid_label (pair->b, FALSE, FALSE), 1, i + 1, 1, 1);
      for (guint c = 0; c < G_N_ELEMENTS (numbers); c++)
        {
          g_autofree char *text = g_strdup_printf ("%u", numbers[c]);

          gtk_grid_attach (self->pairwise_grid, grid_label (text, FALSE, TRUE), c + 2, i + 1,
                           1, 1);
        }
    }

  clear_list (self->ranking_list);
  for (guint i = 0; pairwise->ranking != NULL && i < pairwise->ranking->len; i++)
    {
      const TbPairRank *rank = g_ptr_array_index (pairwise->ranking, i);
      /* Translators: a win rate in percent */
      g_autofree char *rate = g_strdup_printf (_("%.0f%%"), rank->win_rate * 100);
      /* Translators: a model's pairwise record */
      g_autofree char *record = g_strdup_printf (_("%u won · %u lost · %u tied"), rank->wins,
                                                 rank->losses, rank->ties);

      gtk_list_box_append (self->ranking_list, info_row (rank->model, record, rate, NULL));
    }
}

/* Criteria × models: a bar per cell on one scale (0–10), so both rows and columns compare. */
static void
show_criteria_table (TbRunPage       *self,
                     const TbVerdict *verdict)
{
  g_autoptr(GPtrArray) scored = g_ptr_array_new ();
  GStrv order = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->criteria_grid))) != NULL)
    gtk_grid_remove (self->criteria_grid, child);
  for (guint i = 0; i < verdict->models->len; i++)
    {
      TbModelVerdict *model = g_ptr_array_index (verdict->models, i);

      if (model->criteria_order != NULL && model->criteria_order[0] != NULL)
        {
          g_ptr_array_add (scored, model);
          if (order == NULL)
            order = model->criteria_order;
        }
    }
  gtk_widget_set_visible (self->criteria_box, scored->len > 0 && order != NULL);
  if (scored->len == 0 || order == NULL)
    return;

  for (guint m = 0; m < scored->len; m++)
    {
      TbModelVerdict *model = g_ptr_array_index (scored, m);
      GtkWidget *header = gtk_label_new (model->model);

      gtk_label_set_ellipsize (GTK_LABEL (header), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_width_chars (GTK_LABEL (header), 10);
      gtk_label_set_max_width_chars (GTK_LABEL (header), 18);
      gtk_label_set_xalign (GTK_LABEL (header), 0);
      gtk_widget_set_tooltip_text (header, model->model);
      gtk_widget_add_css_class (header, "caption-heading");
      gtk_grid_attach (self->criteria_grid, header, m + 1, 0, 1, 1);
    }
  for (guint c = 0; order[c] != NULL; c++)
    {
      GtkWidget *name = gtk_label_new (order[c]);

      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
      /* readable on a phone too: the card scrolls sideways rather than squeeze a name to
       * an ellipsis */
      gtk_label_set_width_chars (GTK_LABEL (name), (int) MIN (g_utf8_strlen (order[c], -1), 10));
      gtk_label_set_max_width_chars (GTK_LABEL (name), 20);
      gtk_widget_set_tooltip_text (name, order[c]);
      gtk_grid_attach (self->criteria_grid, name, 0, c + 1, 1, 1);
      for (guint m = 0; m < scored->len; m++)
        {
          TbModelVerdict *model = g_ptr_array_index (scored, m);
          double *value = g_hash_table_lookup (model->criteria, order[c]);
          GtkWidget *cell = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
          GtkWidget *bar = gtk_level_bar_new_for_interval (0, 10);
          g_autofree char *text = value != NULL ? g_strdup_printf ("%.1f", *value)
                                                : g_strdup ("—");
          GtkWidget *number = gtk_label_new (text);
          g_autofree char *label = g_strdup_printf ("%s, %s: %s", model->model, order[c], text);

          gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_LOW);
          gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_HIGH);
          gtk_level_bar_remove_offset_value (GTK_LEVEL_BAR (bar), GTK_LEVEL_BAR_OFFSET_FULL);
          gtk_level_bar_set_value (GTK_LEVEL_BAR (bar), value != NULL ? CLAMP (*value, 0, 10)
                                                                      : 0);
          gtk_widget_set_size_request (bar, 72, -1);
          gtk_widget_set_hexpand (bar, TRUE);
          gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
          gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          label, -1);
          gtk_label_set_width_chars (GTK_LABEL (number), 4);
          gtk_label_set_xalign (GTK_LABEL (number), 1);
          gtk_widget_add_css_class (number, "numeric");
          gtk_box_append (GTK_BOX (cell), bar);
          gtk_box_append (GTK_BOX (cell), number);
          gtk_grid_attach (self->criteria_grid, cell, m + 1, c + 1, 1, 1);
        }
    }
}

static void
show_matrix (TbRunPage          *self,
             const TbScoreMatrix *matrix)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_auto(GStrv) input_names = NULL;

  /* One input, one repeat: the map would be a single row, the models' list says it all. */
  gtk_widget_set_visible (self->matrix_box, matrix != NULL && matrix->n_inputs > 1);
  for (guint i = 0; matrix != NULL && i < matrix->n_inputs; i++)
    {
      const TbRunInput *input = tb_run_find_input (self->data->run, matrix->inputs[i]);

      g_strv_builder_add (names, input != NULL ? input->name : matrix->inputs[i]);
    }
  input_names = g_strv_builder_end (names);
  tb_heat_map_set_matrix (self->heat_map, matrix, (const char * const *) input_names);
}

static void
on_cell_activated (TbRunPage  *self,
                   const char *input,
                   const char *model)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "run-page.compare", "(ssu)", model, input, 1);
}

static void
show_judgment (TbRunPage *self)
{
  JudgmentView *view = current_view (self);
  TbJudgment *judgment = selected_judgment (self);
  const TbVerdict *verdict;
  GtkWidget *child;

  if (view == NULL)
    return;
  verdict = view->verdict;

  gtk_widget_set_visible (self->unjudged_box, judgment == NULL);
  gtk_widget_set_visible (self->judged_box, judgment != NULL);
  show_warnings (self, verdict);

  if (judgment != NULL)
    {
      gtk_label_set_text (self->verdict_label, view->describe);
      set_pick (self->best_overall_label, self->best_overall_detail, verdict,
                verdict->best_overall, _("No scored output"));
      show_tied (self, verdict);
      set_pick (self->best_value_label, self->best_value_detail, verdict,
                verdict->best_value, _("None: no model tied with the best has a known cost"));
      set_pick (self->budget_pick_label, self->budget_pick_detail, verdict,
                verdict->budget_pick, _("No model is surely above 70"));
      show_chart (self, verdict);
      show_matrix (self, view->matrix);
      show_criteria_table (self, verdict);
      show_judges (self, verdict);
      show_pairwise (self, verdict);
    }
  gtk_widget_set_visible (self->judges_box, judgment != NULL);

  /* models: the verdict's order, best mean first, unscored last */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->models_list))) != NULL)
    gtk_list_box_remove (self->models_list, child);
  for (guint i = 0; i < verdict->models->len; i++)
    gtk_list_box_append (self->models_list,
                         model_row (self, verdict, g_ptr_array_index (verdict->models, i)));
}

static void
on_judgment_selected (TbRunPage *self)
{
  JudgmentView *view = current_view (self);

  if (self->data == NULL)
    return;
  show_judgment (self);
  tb_compare_view_set_run (self->compare_view, self->data, selected_judgment (self),
                           view != NULL ? view->verdict : NULL);
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

  candidate_tokens = tb_format_tokens (rollup.candidate_usage.prompt_tokens
                                       + rollup.candidate_usage.completion_tokens);
  judge_tokens = tb_format_tokens (rollup.judge_usage.prompt_tokens
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
  if (rollup.unknown_calls > 0)
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u call of unknown cost left out",
                                                         "%u calls of unknown cost left out",
                                                         rollup.unknown_calls),
                                               rollup.unknown_calls);

      adw_action_row_set_subtitle (self->total_row, text);
    }
  else if (rollup.estimated_calls > 0)
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
set_title (TbRunPage  *self,
           const char *title)
{
  if (g_strcmp0 (self->title, title) == 0)
    return;
  g_free (self->title);
  self->title = g_strdup (title);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

static void
show_empty (TbRunPage  *self,
            const char *title,
            const char *description)
{
  /* The description is markup, and messages quote ids and paths. */
  g_autofree char *escaped = g_markup_escape_text (description, -1);

  adw_status_page_set_title (self->empty_page, title);
  adw_status_page_set_description (self->empty_page, escaped);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  set_title (self, "");
}

static void
clear_run (TbRunPage *self)
{
  /* it borrows the run: it lets go first */
  if (self->compare_view != NULL)
    tb_compare_view_set_run (self->compare_view, NULL, NULL, NULL);
  g_clear_pointer (&self->views, g_ptr_array_unref);
  g_clear_pointer (&self->data, tb_run_data_free);
}

/* Reading, in a thread ------------------------------------------------------------------- */

typedef struct {
  TbRunData *data;
  char      *usecase_name;      /* the name as the use case read when it ran */
  gint64     inputs_per_month;  /* its volume then */
  GStrv      rubric;            /* its criteria then */
  GPtrArray *views;             /* JudgmentView* */
} Loaded;

static void
loaded_free (Loaded *loaded)
{
  g_clear_pointer (&loaded->views, g_ptr_array_unref);
  g_clear_pointer (&loaded->data, tb_run_data_free);
  g_strfreev (loaded->rubric);
  g_free (loaded->usecase_name);
  g_free (loaded);
}

/* The verdict as of judgment `index`: the run with that judgment as its latest. */
static JudgmentView *
view_of_judgment (const TbRunData *data,
                  guint            index,
                  gint64           inputs_per_month)
{
  JudgmentView *view = g_new0 (JudgmentView, 1);
  g_autoptr(GPtrArray) judgments = g_ptr_array_new ();
  TbRunData as_of = *data;

  for (guint i = index; i < data->judgments->len; i++)
    g_ptr_array_add (judgments, g_ptr_array_index (data->judgments, i));
  as_of.judgments = judgments;
  view->verdict = tb_verdict_for_run (&as_of, inputs_per_month);
  view->matrix = tb_score_matrix_new (&as_of, view->verdict);
  view->describe = tb_verdict_describe (view->verdict);
  return view;
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
      if (usecase != NULL)
        {
          g_autoptr(GStrvBuilder) rubric = g_strv_builder_new ();

          loaded->inputs_per_month = usecase->inputs_per_month;
          for (guint i = 0; i < usecase->criteria->len; i++)
            g_strv_builder_add (rubric, ((TbCriterion *) g_ptr_array_index (usecase->criteria,
                                                                            i))->name);
          loaded->rubric = g_strv_builder_end (rubric);
        }
    }

  loaded->views = g_ptr_array_new_with_free_func ((GDestroyNotify) judgment_view_free);
  for (guint i = 0; i < MAX (loaded->data->judgments->len, 1); i++)
    {
      if (g_task_return_error_if_cancelled (task))
        {
          loaded_free (loaded);
          return;
        }
      g_ptr_array_add (loaded->views, view_of_judgment (loaded->data, i,
                                                        loaded->inputs_per_month));
    }
  g_task_return_pointer (task, loaded, (GDestroyNotify) loaded_free);
}

/* "2026-11-25 12:31 · judge/model · best openai/gpt-4o 90 (latest)" */
static char *
describe_judgment (const TbJudgment *judgment,
                   const TbVerdict  *verdict,
                   guint             index)
{
  g_autofree char *when = tb_format_local_time (judgment->created_at);
  g_autofree char *judges = NULL;
  GString *text = g_string_new (when);
  TbModelVerdict *best = verdict->best_overall != NULL
                         ? tb_verdict_find (verdict, verdict->best_overall) : NULL;

  if (judgment->judges != NULL && judgment->judges[0] != NULL)
    judges = g_strjoinv (", ", judgment->judges);
  else
    judges = g_strdup (judgment->judge_model != NULL ? judgment->judge_model : "?");
  g_string_append (text, " · ");
  g_string_append (text, judges);
  if (g_strcmp0 (judgment->mode, "pairwise") == 0)
    {
      g_string_append (text, " · ");
      g_string_append (text, _("pairwise"));
    }
  else if (best != NULL && best->has_mean)
    {
      g_string_append (text, " · ");
      /* Translators: the best model of a judgment and its mean score */
      g_string_append_printf (text, _("best %s %.0f"), best->model, best->mean);
    }
  if (index == 0)
    {
      g_string_append (text, " ");
      /* Translators: marks the newest judgment of a run */
      g_string_append (text, _("(latest)"));
    }
  return g_string_free (text, FALSE);
}

static void
show_run (TbRunPage *self,
          Loaded    *loaded)
{
  gboolean keep_compare = self->data != NULL
                          && g_strcmp0 (self->data->run->id, loaded->data->run->id) == 0
                          && g_strcmp0 (gtk_stack_get_visible_child_name (self->stack),
                                        "compare") == 0;
  g_autoptr(GtkStringList) choices = NULL;
  g_autofree char *date = NULL;
  g_autofree char *full_date = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *shape = NULL;
  g_autofree char *id_text = NULL;
  g_autofree char *title = NULL;
  const TbRun *run;

  clear_run (self);
  self->data = g_steal_pointer (&loaded->data);
  self->views = g_steal_pointer (&loaded->views);
  self->inputs_per_month = loaded->inputs_per_month;
  g_strfreev (self->rubric);
  self->rubric = g_steal_pointer (&loaded->rubric);
  run = self->data->run;

  gtk_label_set_text (self->title_label, loaded->usecase_name != NULL ? loaded->usecase_name
                                                                       : run->usecase);

  date = tb_format_local_date (run->created_at);
  full_date = tb_format_local_time (run->created_at);
  shape = describe_shape (run);
  /* Translators: the run's inputs, repeats and models, then when it was made */
  subtitle = g_strdup_printf (_("%s · %s"), shape, full_date);
  gtk_label_set_text (self->subtitle_label, subtitle);
  /* The id once, to copy into the command line. */
  id_text = g_strdup_printf (_("Run %s"), run->id);
  gtk_label_set_text (self->id_label, id_text);
  /* Translators: a header naming a run by when it was made */
  title = g_strdup_printf (_("Run of %s"), date);
  set_title (self, title);

  gtk_label_set_text (self->status_label, tb_run_status_label (run->status));
  gtk_widget_set_css_classes (GTK_WIDGET (self->status_label),
                              (const char *[]) { "title-4", tb_run_status_style (run->status),
                                                 NULL });
  gtk_widget_set_visible (self->simulated_badge, run->simulated);

  choices = gtk_string_list_new (NULL);
  for (guint i = 0; i < self->data->judgments->len; i++)
    {
      JudgmentView *view = g_ptr_array_index (self->views, i);
      g_autofree char *text = describe_judgment (g_ptr_array_index (self->data->judgments, i),
                                                 view->verdict, i);

      gtk_string_list_append (choices, text);
    }
  gtk_widget_set_visible (self->judgment_bar, self->data->judgments->len > 0);

  /* setting the model selects the first item and shows it */
  g_signal_handlers_block_by_func (self->judgment_dropdown, on_judgment_selected, self);
  gtk_drop_down_set_model (self->judgment_dropdown, G_LIST_MODEL (choices));
  gtk_drop_down_set_selected (self->judgment_dropdown, 0);
  g_signal_handlers_unblock_by_func (self->judgment_dropdown, on_judgment_selected, self);

  show_judgment (self);
  show_costs (self);
  tb_compare_view_set_run (self->compare_view, self->data, selected_judgment (self),
                           current_view (self)->verdict);
  /* A refresh of the run (a rating saved there) keeps the comparison in view. */
  if (!keep_compare)
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
  /* A refresh passes the page's own id. */
  g_autofree char *id = g_strdup (run_id);
  gboolean same;

  g_return_if_fail (TB_IS_RUN_PAGE (self));
  g_return_if_fail (store == NULL || TB_IS_STORE (store));

  run_id = id;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_set_object (&self->store, store);
  same = self->data != NULL && g_strcmp0 (run_id, self->data->run->id) == 0;
  g_free (self->run_id);
  self->run_id = g_strdup (run_id);

  if (store == NULL || run_id == NULL)
    {
      clear_run (self);
      show_empty (self, _("No Run Selected"), _("Open a run to see its outputs, scores and "
                                                "costs."));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
      return;
    }

  /* A refresh keeps the run in view until the new read lands; another run waits behind a
   * spinner rather than showing the wrong one. */
  if (!same)
    {
      self->warnings_hidden = FALSE;
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child_name (self->stack, "loading");
      set_title (self, "");
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

const char *
tb_run_page_get_title (TbRunPage *self)
{
  g_return_val_if_fail (TB_IS_RUN_PAGE (self), NULL);
  return self->title != NULL ? self->title : "";
}

const TbRunData *
tb_run_page_get_data (TbRunPage *self)
{
  g_return_val_if_fail (TB_IS_RUN_PAGE (self), NULL);
  return self->data;
}

const TbVerdict *
tb_run_page_get_verdict (TbRunPage *self)
{
  JudgmentView *view;

  g_return_val_if_fail (TB_IS_RUN_PAGE (self), NULL);
  view = current_view (self);
  return view != NULL ? view->verdict : NULL;
}

const TbJudgment *
tb_run_page_get_judgment (TbRunPage *self)
{
  g_return_val_if_fail (TB_IS_RUN_PAGE (self), NULL);
  return selected_judgment (self);
}

void
tb_run_page_select_judgment (TbRunPage *self,
                             guint      index)
{
  g_return_if_fail (TB_IS_RUN_PAGE (self));
  g_return_if_fail (self->data != NULL && index < MAX (self->data->judgments->len, 1));

  gtk_drop_down_set_selected (self->judgment_dropdown, index);
}

/* Rating, written in a thread --------------------------------------------------------------- */

typedef struct {
  TbStore  *store;
  char     *run_id;
  TbRating *rating;
} RatingWrite;

static void
rating_write_free (RatingWrite *write)
{
  g_clear_object (&write->store);
  g_free (write->run_id);
  g_clear_pointer (&write->rating, tb_rating_free);
  g_free (write);
}

static void
rating_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RatingWrite *write = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRun) run = tb_store_load_run (write->store, write->run_id, &error);

  if (run == NULL || !tb_store_write_rating (write->store, run, write->rating, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
rating_written_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  TbRunPage *self = TB_RUN_PAGE (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("The rating was not saved: %s"), error->message);
      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, _("Rating saved"));
  /* The verdict's agreement with the person changes: read the run again. */
  if (self->run_id != NULL)
    tb_run_page_set_run (self, self->store, self->run_id);
}

static void
rating_response_cb (TbRatingDialog *dialog,
                    const char     *response,
                    TbRunPage      *self)
{
  const char *run_id = g_object_get_data (G_OBJECT (dialog), "run-id");
  g_autoptr(TbRating) rating = NULL;
  g_autoptr(GHashTable) criteria = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  RatingWrite *write;

  if (g_strcmp0 (response, "save") != 0)
    return;
  /* Another run came into view meanwhile: the rating belongs to the one it was asked for. */
  if (self->data == NULL || g_strcmp0 (self->data->run->id, run_id) != 0)
    return;

  rating = tb_rating_new (g_object_get_data (G_OBJECT (dialog), "model"));
  rating->input = g_strdup (g_object_get_data (G_OBJECT (dialog), "input"));
  rating->repeat = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dialog), "repeat"));
  rating->score = tb_rating_dialog_get_score (dialog);
  criteria = tb_rating_dialog_dup_criteria (dialog);
  g_hash_table_unref (rating->criteria);
  rating->criteria = g_steal_pointer (&criteria);
  rating->rater = g_strdup (g_get_real_name ());
  /* The core's rule for a person's rating, as the CLI's `rate` applies it. */
  if (!tb_rating_settle (rating, self->data, &error))
    {
      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, error->message);
      return;
    }

  write = g_new0 (RatingWrite, 1);
  write->store = g_object_ref (self->store);
  write->run_id = g_strdup (run_id);
  write->rating = g_steal_pointer (&rating);
  task = g_task_new (self, self->write_cancellable, rating_written_cb, NULL);
  g_task_set_source_tag (task, rating_response_cb);
  g_task_set_task_data (task, write, (GDestroyNotify) rating_write_free);
  g_task_run_in_thread (task, rating_thread);
}

static void
rate_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TbRunPage *self = TB_RUN_PAGE (widget);
  const char *model = NULL, *input = NULL;
  guint repeat = 1;
  const TbRunInput *run_input;
  const TbRating *previous;
  TbRatingDialog *dialog;
  double judges = -1;

  if (self->data == NULL)
    return;
  g_variant_get (parameter, "(&s&su)", &model, &input, &repeat);
  run_input = tb_run_find_input (self->data->run, *input != '\0' ? input : NULL);
  if (run_input == NULL)
    return;
  if (!tb_judgment_cell_mean (selected_judgment (self), self->data->run, model, run_input->key,
                              repeat, &judges))
    judges = -1;
  previous = latest_rating (self->data, model, run_input->key, repeat);

  dialog = tb_rating_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), model,
                                 run_input->name, (const char * const *) self->rubric, judges,
                                 previous != NULL ? previous->score : -1);
  g_object_set_data_full (G_OBJECT (dialog), "run-id", g_strdup (self->data->run->id), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "model", g_strdup (model), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "input", g_strdup (run_input->key), g_free);
  g_object_set_data (G_OBJECT (dialog), "repeat", GUINT_TO_POINTER (MAX (repeat, 1)));
  g_signal_connect_object (dialog, "response", G_CALLBACK (rating_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
compare_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TbRunPage *self = TB_RUN_PAGE (widget);
  const char *model = NULL, *input = NULL;
  guint repeat = 1;

  if (self->data == NULL)
    return;
  g_variant_get (parameter, "(&s&su)", &model, &input, &repeat);
  tb_compare_view_show_cell (self->compare_view, model, *input != '\0' ? input : NULL, repeat);
  gtk_stack_set_visible_child_name (self->stack, "compare");
}

/* The best model against the next, on the first input: where a comparison starts. */
static void
compare_outputs_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TbRunPage *self = TB_RUN_PAGE (widget);
  const TbVerdict *verdict = tb_run_page_get_verdict (self);
  const char *model;

  if (self->data == NULL)
    return;
  model = verdict != NULL && verdict->models->len > 0
          ? ((TbModelVerdict *) g_ptr_array_index (verdict->models, 0))->model
          : self->data->run->models[0];
  tb_compare_view_show_cell (self->compare_view, model, NULL, 1);
  gtk_stack_set_visible_child_name (self->stack, "compare");
}

static void
show_verdict_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TbRunPage *self = TB_RUN_PAGE (widget);

  if (self->data != NULL)
    gtk_stack_set_visible_child_name (self->stack, "run");
}

static void
hide_warnings_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TbRunPage *self = TB_RUN_PAGE (widget);

  /* Until another run is opened: the same warnings come back with every refresh. */
  self->warnings_hidden = TRUE;
  gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
}

static void
tb_run_page_dispose (GObject *object)
{
  TbRunPage *self = TB_RUN_PAGE (object);
  GtkWidget *child;

  clear_run (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_RUN_PAGE);
  self->compare_view = NULL;
  /* the template's root has no id, so dispose_template leaves it */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  clear_run (self);
  g_cancellable_cancel (self->write_cancellable);
  g_clear_object (&self->write_cancellable);
  g_clear_pointer (&self->rubric, g_strfreev);
  g_clear_pointer (&self->run_id, g_free);
  g_clear_pointer (&self->title, g_free);
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
    case PROP_TITLE:
      g_value_set_string (value, tb_run_page_get_title (self));
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
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, "",
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A message for the user (the window shows it as a toast): "Rating saved". */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "run-page.hide-warnings", NULL,
                                   hide_warnings_action);
  /* (model, input key, repeat): opens the rating dialog of that output */
  gtk_widget_class_install_action (widget_class, "run-page.rate", "(ssu)", rate_action);
  /* (model, input key, repeat): that output beside the best other model's */
  gtk_widget_class_install_action (widget_class, "run-page.compare", "(ssu)", compare_action);
  gtk_widget_class_install_action (widget_class, "run-page.compare-outputs", NULL,
                                   compare_outputs_action);
  gtk_widget_class_install_action (widget_class, "run-page.show-verdict", NULL,
                                   show_verdict_action);

  g_type_ensure (TB_TYPE_SCORE_CHART);
  g_type_ensure (TB_TYPE_HEAT_MAP);
  g_type_ensure (TB_TYPE_COMPARE_VIEW);
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
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, banner_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, id_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, simulated_badge);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judgment_bar);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judgment_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, unjudged_box);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judged_box);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, verdict_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, best_overall_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, best_overall_detail);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, tied_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, best_value_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, best_value_detail);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, budget_pick_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, budget_pick_detail);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, chart);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, chart_note);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, matrix_box);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, heat_map);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, criteria_box);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, criteria_grid);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, compare_view);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, models_list);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judges_box);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judges_list);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, pairwise_box);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, pairwise_caption);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, pairwise_grid);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, ranking_list);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, candidates_row);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judge_row);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, total_row);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, candidates_cost_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, judge_cost_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, total_cost_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_judgment_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_cell_activated);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "runpage");
}

static void
tb_run_page_init (TbRunPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->write_cancellable = g_cancellable_new ();
  tb_drop_down_set_ellipsizing (self->judgment_dropdown);
  set_title (self, "");
}

GtkWidget *
tb_run_page_new (void)
{
  return g_object_new (TB_TYPE_RUN_PAGE, NULL);
}
