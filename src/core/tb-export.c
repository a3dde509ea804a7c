/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-export"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-chart.h"
#include "tb-error.h"
#include "tb-export.h"
#include "tb-forecast.h"
#include "tb-json.h"
#include "tb-rollup.h"
#include "tb-run-summary.h"
#include "tb-usecase.h"
#include "tb-util.h"

/* ---------------------------------------------------------------------------------------- */
/* Formats                                                                                   */

static const struct {
  TbExportFormat  format;
  const char     *name;
  const char     *content_type;
} formats[] = {
  { TB_EXPORT_HTML, "html", "text/html" },
  { TB_EXPORT_MARKDOWN, "md", "text/markdown" },
  { TB_EXPORT_CSV, "csv", "text/csv" },
  { TB_EXPORT_JSON, "json", "application/json" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (formats) == TB_EXPORT_N_FORMATS);

const char *
tb_export_format_to_string (TbExportFormat format)
{
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (formats[i].format == format)
      return formats[i].name;
  g_return_val_if_reached (NULL);
}

const char *
tb_export_format_content_type (TbExportFormat format)
{
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    if (formats[i].format == format)
      return formats[i].content_type;
  g_return_val_if_reached (NULL);
}

gboolean
tb_export_format_for_path (const char     *path,
                           TbExportFormat *format)
{
  const char *dot;

  g_return_val_if_fail (format != NULL, FALSE);

  dot = path != NULL ? strrchr (path, '.') : NULL;
  /* A dot in a folder's name is no extension. */
  if (dot == NULL || strchr (dot, G_DIR_SEPARATOR) != NULL || dot[1] == '\0')
    return FALSE;
  if (g_ascii_strcasecmp (dot + 1, "htm") == 0)
    {
      *format = TB_EXPORT_HTML;
      return TRUE;
    }
  return tb_export_format_from_string (dot + 1, format, NULL);
}

gboolean
tb_export_format_from_string (const char      *text,
                              TbExportFormat  *format,
                              GError         **error)
{
  g_return_val_if_fail (format != NULL, FALSE);

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (formats); i++)
    if (g_ascii_strcasecmp (text, formats[i].name) == 0)
      {
        *format = formats[i].format;
        return TRUE;
      }
  if (text != NULL && g_ascii_strcasecmp (text, "markdown") == 0)
    {
      *format = TB_EXPORT_MARKDOWN;
      return TRUE;
    }
  {
    g_autoptr(GString) names = g_string_new (NULL);

    for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
      g_string_append_printf (names, "%s%s", i == 0 ? "" : i + 1 < G_N_ELEMENTS (formats)
                                                               ? ", " : _(" or "),
                              formats[i].name);
    g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("'%s' is not an export format: use %s"),
                 text != NULL ? text : "", names->str);
  }
  return FALSE;
}

/* ---------------------------------------------------------------------------------------- */
/* The verdict's table, as every front end shows it                                           */

TbExportCells *
tb_export_cells_new (const TbVerdict      *verdict,
                     const TbModelVerdict *model)
{
  TbExportCells *cells;

  g_return_val_if_fail (verdict != NULL && model != NULL, NULL);

  cells = g_new0 (TbExportCells, 1);
  cells->mean = model->has_mean ? g_strdup_printf ("%.1f", model->mean) : g_strdup ("-");
  cells->interval = model->has_interval
                    ? g_strdup_printf ("%.1f–%.1f", model->ci_low, model->ci_high)
                    : g_strdup ("-");
  if (g_strcmp0 (model->model, verdict->best_overall) == 0)
    cells->vs_best = g_strdup (_("best"));
  else if (model->has_diff && model->has_diff_interval)
    cells->vs_best = g_strdup_printf ("%+.1f (%+.1f–%+.1f)%s", model->diff_mean,
                                      model->diff_low, model->diff_high,
                                      model->tied_with_best ? _(" tied") : "");
  else if (model->has_diff)
    cells->vs_best = g_strdup_printf ("%+.1f%s", model->diff_mean,
                                      model->tied_with_best ? _(" tied") : "");
  else
    cells->vs_best = g_strdup ("-");
  cells->per_input = model->has_cost_per_input ? tb_format_usd (model->cost_per_input_usd)
                                               : g_strdup (_("unknown"));
  cells->per_thousand = model->has_cost_per_input
                        ? tb_format_usd (model->cost_per_input_usd * 1000)
                        : g_strdup (_("unknown"));
  cells->per_month = model->has_cost_at_volume ? tb_format_usd (model->cost_at_volume_usd)
                                               : g_strdup ("-");
  cells->latency = model->has_latency ? g_strdup_printf ("%.1fs", model->latency_p50_ms / 1000)
                                      : g_strdup ("-");
  cells->errors = model->errors + model->judge_errors;
  return cells;
}

void
tb_export_cells_free (TbExportCells *cells)
{
  if (cells == NULL)
    return;
  g_free (cells->mean);
  g_free (cells->interval);
  g_free (cells->vs_best);
  g_free (cells->per_input);
  g_free (cells->per_thousand);
  g_free (cells->per_month);
  g_free (cells->latency);
  g_free (cells);
}

/* ---------------------------------------------------------------------------------------- */
/* JSON: the `show --json` document                                                           */

JsonNode *
tb_export_show_json (const TbRunData *data,
                     gint64           inputs_per_month)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(TbRunSummary) summary = NULL;
  g_autoptr(TbVerdict) verdict = NULL;
  const TbJudgment *judgment;
  const TbRun *run;

  g_return_val_if_fail (data != NULL && data->run != NULL, NULL);

  run = data->run;
  summary = tb_run_summary_new_for (data);
  verdict = tb_verdict_for_run (data, inputs_per_month);
  /* The newest judgment of any mode, as `show` has always given it. */
  judgment = data->judgments->len > 0 ? g_ptr_array_index (data->judgments, 0) : NULL;

  json_builder_begin_object (builder);
  tb_json_add_node (builder, "run", tb_run_to_json (run));
  tb_json_add_string (builder, "dir", run->dir);
  json_builder_set_member_name (builder, "outputs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < data->outputs->len; i++)
    json_builder_add_value (builder, tb_output_to_json (g_ptr_array_index (data->outputs, i)));
  json_builder_end_array (builder);
  tb_json_add_node (builder, "judgment",
                    judgment != NULL ? tb_judgment_to_json (judgment) : NULL);
  tb_json_add_int (builder, "judgments", data->judgments->len);
  tb_json_add_node (builder, "costs", tb_rollup_to_json (&summary->rollup));
  tb_json_add_node (builder, "summary", tb_verdict_to_json (verdict));
  {
    g_autoptr(GPtrArray) checks = tb_forecast_against_billing (data);

    tb_json_add_node (builder, "forecast_vs_billed",
                      checks != NULL ? tb_forecast_checks_to_json (checks) : NULL);
  }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

char *
tb_export_json (const TbRunData *data,
                gint64           inputs_per_month)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (data != NULL && data->run != NULL, NULL);

  root = tb_export_show_json (data, inputs_per_month);
  text = tb_json_to_string (root, TRUE);
  return g_strconcat (text, "\n", NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* What every report reads                                                                   */

typedef struct {
  const TbRunData  *data;
  const TbRun      *run;
  TbVerdict        *verdict;
  TbScoreMatrix    *matrix;        /* nullable: nothing judged pointwise */
  const TbJudgment *judgment;      /* nullable: the latest pointwise judgment */
  TbUsecase        *usecase;       /* nullable: the snapshot, when it parses */
  gint64            inputs_per_month;
  GPtrArray        *criteria;      /* char*: the rubric's, then any other a judge gave */
} Report;

static void
report_free (Report *report)
{
  g_clear_pointer (&report->verdict, tb_verdict_free);
  g_clear_pointer (&report->matrix, tb_score_matrix_free);
  g_clear_pointer (&report->usecase, tb_usecase_unref);
  g_clear_pointer (&report->criteria, g_ptr_array_unref);
  g_free (report);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Report, report_free)

static void
add_criterion (GPtrArray  *criteria,
               const char *name)
{
  if (name != NULL && !g_ptr_array_find_with_equal_func (criteria, name, g_str_equal, NULL))
    g_ptr_array_add (criteria, g_strdup (name));
}

static Report *
report_new (const TbRunData *data,
            gint64           inputs_per_month)
{
  Report *report = g_new0 (Report, 1);
  const TbRun *run = data->run;

  report->data = data;
  report->run = run;
  report->inputs_per_month = inputs_per_month;
  report->verdict = tb_verdict_for_run (data, inputs_per_month);
  report->matrix = tb_score_matrix_new (data, report->verdict);
  report->judgment = tb_verdict_latest_judgment (data, FALSE);
  if (run->usecase_snapshot != NULL)
    report->usecase = tb_usecase_parse (run->usecase, run->usecase_snapshot, -1, NULL, NULL);

  report->criteria = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; report->usecase != NULL && i < report->usecase->criteria->len; i++)
    add_criterion (report->criteria,
                   ((TbCriterion *) g_ptr_array_index (report->usecase->criteria, i))->name);
  for (guint i = 0; report->judgment != NULL && i < report->judgment->scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (report->judgment->scores, i);

      for (guint c = 0; c < score->n_criteria; c++)
        add_criterion (report->criteria, score->criteria[c].name);
    }
  return report;
}

static const char *
report_title (const Report *report)
{
  if (report->usecase != NULL && report->usecase->name != NULL && *report->usecase->name)
    return report->usecase->name;
  return report->run->usecase != NULL ? report->run->usecase : "";
}

/* The input an output or a score belongs to: files of older versions name none, and theirs
 * is the run's only input. */
static const char *
input_key (const TbRun *run,
           const char  *key)
{
  const TbRunInput *input;

  if (key != NULL)
    return key;
  input = tb_run_find_input (run, NULL);
  return input != NULL ? input->key : "";
}

static gboolean
score_is_of (const TbRun    *run,
             const TbScore  *score,
             const TbOutput *output)
{
  return g_strcmp0 (score->model, output->model) == 0
         && score->repeat == output->repeat
         && g_strcmp0 (input_key (run, score->input), input_key (run, output->input)) == 0;
}

/* The scores of `output` in the latest pointwise judgment (borrowed). */
static GPtrArray *
scores_of (const Report   *report,
           const TbOutput *output)
{
  GPtrArray *scores = g_ptr_array_new ();

  for (guint i = 0; report->judgment != NULL && i < report->judgment->scores->len; i++)
    {
      TbScore *score = g_ptr_array_index (report->judgment->scores, i);

      if (score_is_of (report->run, score, output))
        g_ptr_array_add (scores, score);
    }
  return scores;
}

/* "2026-12-01 09:30 UTC", or the stored text when it is not a time. */
static char *
format_created (const char *created_at)
{
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GDateTime) utc = NULL;

  if (created_at == NULL)
    return g_strdup ("-");
  time = g_date_time_new_from_iso8601 (created_at, NULL);
  if (time == NULL)
    return g_strdup (created_at);
  utc = g_date_time_to_utc (time);
  return g_date_time_format (utc, "%Y-%m-%d %H:%M UTC");
}

static char *
format_judges (const Report *report)
{
  const char * const *judges = (const char * const *) report->verdict->judges;

  if (judges == NULL || judges[0] == NULL)
    judges = (const char * const *) report->run->judges;
  if (judges == NULL || judges[0] == NULL)
    return NULL;
  return g_strjoinv (", ", (char **) judges);
}

/* A number for a machine: '.' as the decimal separator whatever the locale, no exponent,
 * no trailing zeros ("0.00125", "87.5", "90"). */
static char *
plain_number (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  char *end;

  g_ascii_formatd (buffer, sizeof buffer, "%.10f", value);
  if (strchr (buffer, '.') != NULL)
    {
      end = buffer + strlen (buffer) - 1;
      while (*end == '0')
        *end-- = '\0';
      if (*end == '.')
        *end = '\0';
    }
  if (strcmp (buffer, "-0") == 0)
    return g_strdup ("0");
  return g_strdup (buffer);
}

/* The score of an output: the mean overall of its judges, "-" without one. */
static char *
mean_score_text (GPtrArray *scores)
{
  double sum = 0;
  guint n = 0;

  for (guint i = 0; i < scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (scores, i);

      if (score->error == NULL)
        {
          sum += score->overall;
          n++;
        }
    }
  if (n > 0)
    return g_strdup_printf ("%.1f", sum / n);
  return g_strdup (scores->len > 0 ? _("judge error") : "-");
}

/* ---------------------------------------------------------------------------------------- */
/* CSV                                                                                       */

/* RFC 4180: a field with a comma, a quote, CR or LF is quoted, its quotes doubled. */
static void
csv_field (GString    *out,
           const char *value,
           gboolean    first)
{
  if (!first)
    g_string_append_c (out, ',');
  if (value == NULL)
    return;
  if (strpbrk (value, ",\"\r\n") == NULL)
    {
      g_string_append (out, value);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
csv_number (GString  *out,
            gboolean  known,
            double    value)
{
  g_autofree char *text = known && isfinite (value) ? plain_number (value) : NULL;

  csv_field (out, text, FALSE);
}

static void
csv_row (GString        *out,
         const Report   *report,
         const TbOutput *output,
         const TbScore  *score)
{
  const TbRun *run = report->run;
  const char *model = output != NULL ? output->model : score->model;
  const char *input = input_key (run, output != NULL ? output->input : score->input);
  guint repeat = output != NULL ? output->repeat : score->repeat;
  g_autofree char *repeat_text = g_strdup_printf ("%u", MAX (repeat, 1));
  gboolean scored = score != NULL && score->error == NULL;

  csv_field (out, run->id, TRUE);
  csv_field (out, model, FALSE);
  csv_field (out, input, FALSE);
  csv_field (out, repeat_text, FALSE);
  csv_field (out, score != NULL ? tb_judgment_score_judge (report->judgment, score) : NULL,
             FALSE);
  for (guint c = 0; c < report->criteria->len; c++)
    {
      double value = 0;
      gboolean known = scored && tb_score_get_criterion (score,
                                                         g_ptr_array_index (report->criteria,
                                                                            c),
                                                         &value);

      csv_number (out, known, value);
    }
  csv_number (out, scored, scored ? score->overall : 0);
  csv_field (out, score != NULL ? score->error : NULL, FALSE);
  csv_field (out, output != NULL ? tb_output_status_to_string (output->status) : NULL, FALSE);
  csv_number (out, output != NULL && tb_cost_is_known (&output->cost),
              output != NULL ? output->cost.usd : 0);
  csv_field (out, output != NULL ? tb_cost_source_to_string (output->cost.source) : NULL,
             FALSE);
  g_string_append (out, "\r\n");
}

static const char * const csv_fixed[] = {
  "run", "model", "input", "repeat", "judge", "overall", "judge_error", "output_status",
  "candidate_cost_usd", "cost_source",
};

char *
tb_export_csv (const TbRunData *data,
               gint64           inputs_per_month)
{
  g_autoptr(Report) report = NULL;
  g_autoptr(GHashTable) written = NULL;
  GString *out;

  g_return_val_if_fail (data != NULL && data->run != NULL, NULL);

  report = report_new (data, inputs_per_month);
  out = g_string_new (NULL);

  for (guint i = 0; i < 5; i++)
    csv_field (out, csv_fixed[i], i == 0);
  for (guint c = 0; c < report->criteria->len; c++)
    {
      const char *name = g_ptr_array_index (report->criteria, c);
      gboolean clash = FALSE;

      /* A criterion named like a column of ours keeps its own column, told apart. */
      for (guint f = 0; f < G_N_ELEMENTS (csv_fixed); f++)
        clash |= g_str_equal (name, csv_fixed[f]);
      if (clash)
        {
          g_autofree char *prefixed = g_strconcat ("criterion:", name, NULL);

          csv_field (out, prefixed, FALSE);
        }
      else
        csv_field (out, name, FALSE);
    }
  for (guint i = 5; i < G_N_ELEMENTS (csv_fixed); i++)
    csv_field (out, csv_fixed[i], FALSE);
  g_string_append (out, "\r\n");

  /* Every output with its scores (one row when it has none), then scores whose output
   * file is gone. */
  written = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < data->outputs->len; i++)
    {
      const TbOutput *output = g_ptr_array_index (data->outputs, i);
      g_autoptr(GPtrArray) scores = scores_of (report, output);

      if (scores->len == 0)
        csv_row (out, report, output, NULL);
      for (guint s = 0; s < scores->len; s++)
        {
          csv_row (out, report, output, g_ptr_array_index (scores, s));
          g_hash_table_add (written, g_ptr_array_index (scores, s));
        }
    }
  for (guint i = 0; report->judgment != NULL && i < report->judgment->scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (report->judgment->scores, i);

      if (!g_hash_table_contains (written, score))
        csv_row (out, report, NULL, score);
    }

  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------------------------- */
/* Markdown                                                                                  */

/* Text from a run as one table cell or inline text: no line breaks, and every character
 * Markdown (GitHub's included: '$' starts math there) could read as markup escaped. */
static void
md_text (GString    *out,
         const char *text)
{
  for (const char *p = text != NULL ? text : ""; *p != '\0'; p++)
    {
      if (*p == '\n' || *p == '\r' || *p == '\t')
        g_string_append_c (out, ' ');
      else if (strchr ("\\`*_[]<>|~&#$!{}", *p) != NULL)
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, *p);
        }
      else
        g_string_append_c (out, *p);
    }
}

static void
md_row (GString            *out,
        const char * const *cells,
        guint               n)
{
  g_string_append (out, "|");
  for (guint i = 0; i < n; i++)
    {
      g_string_append_c (out, ' ');
      md_text (out, cells[i]);
      g_string_append (out, " |");
    }
  g_string_append_c (out, '\n');
}

static void
md_rule (GString *out,
         guint    n,
         guint    left_columns)
{
  g_string_append (out, "|");
  for (guint i = 0; i < n; i++)
    g_string_append (out, i < left_columns ? " --- |" : " ---: |");
  g_string_append_c (out, '\n');
}

/* "$/month" with the volume it is at. */
static char *
per_month_heading (const Report *report)
{
  if (report->inputs_per_month <= 0)
    return g_strdup (_("$/month"));
  {
    g_autofree char *volume = g_strdup_printf ("%" G_GINT64_FORMAT, report->inputs_per_month);

    /* Translators: a column of cost per month; %s is the number of inputs a month */
    return g_strdup_printf (_("$/month at %s inputs"), volume);
  }
}

char *
tb_export_markdown (const TbRunData *data,
                    gint64           inputs_per_month)
{
  g_autoptr(Report) report = NULL;
  g_autofree char *words = NULL;
  g_autofree char *created = NULL;
  g_autofree char *judges = NULL;
  g_autofree char *month = NULL;
  const TbVerdict *verdict;
  const TbRun *run;
  GString *out;

  g_return_val_if_fail (data != NULL && data->run != NULL, NULL);

  report = report_new (data, inputs_per_month);
  verdict = report->verdict;
  run = data->run;
  out = g_string_new (NULL);
  words = tb_verdict_describe (verdict);
  created = format_created (run->created_at);
  judges = format_judges (report);
  month = per_month_heading (report);

  g_string_append (out, "# ");
  {
    /* Translators: the title of a report; %s is the use case's name */
    g_autofree char *title = g_strdup_printf (_("TaskBench report: %s"), report_title (report));

    md_text (out, title);
  }
  g_string_append (out, "\n\n");

  /* The run in one line: id, use case, date, status, size, judges. */
  g_string_append_printf (out, _("Run `%s` of `%s`"), run->id,
                          run->usecase != NULL ? run->usecase : "");
  g_string_append_printf (out, " · %s · %s · ", created, tb_run_status_to_string (run->status));
  g_string_append_printf (out, ngettext ("%u input", "%u inputs", run->inputs->len),
                          run->inputs->len);
  g_string_append (out, " · ");
  g_string_append_printf (out, ngettext ("%u repeat", "%u repeats", run->repeat), run->repeat);
  if (judges != NULL)
    {
      g_autofree char *by = g_strdup_printf (_("judged by %s"), judges);

      g_string_append (out, " · ");
      md_text (out, by);
    }
  if (run->simulated || verdict->simulated)
    g_string_append_printf (out, " · **%s**", _("simulated models"));
  g_string_append (out, "\n\n");

  g_string_append_printf (out, "**%s** ", _("Verdict:"));
  md_text (out, words);
  g_string_append (out, "\n\n");

  if (verdict->best_overall != NULL)
    {
      const char *picks[][2] = {
        { _("Best overall"), verdict->best_overall },
        { _("Best value"), verdict->best_value },
        { _("Budget pick"), verdict->budget_pick },
      };

      g_autofree char *tied = tb_verdict_tied_note (verdict);

      for (guint i = 0; i < G_N_ELEMENTS (picks); i++)
        {
          g_string_append_printf (out, "- %s: ", picks[i][0]);
          md_text (out, picks[i][1] != NULL ? picks[i][1] : _("none"));
          if (i == 0 && tied != NULL)
            {
              g_string_append (out, " (");
              md_text (out, tied);
              g_string_append_c (out, ')');
            }
          g_string_append_c (out, '\n');
        }
      g_string_append_c (out, '\n');
    }

  if (verdict->models->len > 0)
    {
      const char *heading[] = { _("Model"), _("Mean"), _("95% interval"), _("vs best (95%)"),
                                _("$/input"), _("$/1,000 inputs"), month, _("p50 latency"),
                                _("Errors") };

      g_string_append_printf (out, "## %s\n\n", _("Models"));
      md_row (out, heading, G_N_ELEMENTS (heading));
      md_rule (out, G_N_ELEMENTS (heading), 1);
      for (guint i = 0; i < verdict->models->len; i++)
        {
          const TbModelVerdict *model = g_ptr_array_index (verdict->models, i);
          g_autoptr(TbExportCells) cells = tb_export_cells_new (verdict, model);
          g_autofree char *errors = g_strdup_printf ("%u", cells->errors);
          const char *row[] = { model->model, cells->mean, cells->interval, cells->vs_best,
                                cells->per_input, cells->per_thousand, cells->per_month,
                                cells->latency, errors };

          md_row (out, row, G_N_ELEMENTS (row));
        }
      g_string_append_c (out, '\n');
    }

  if (report->matrix != NULL && report->matrix->n_inputs >= 2)
    {
      const TbScoreMatrix *matrix = report->matrix;
      g_autoptr(GPtrArray) heading = g_ptr_array_new ();

      g_string_append_printf (out, "## %s\n\n", _("Scores per input (weakest first)"));
      g_ptr_array_add (heading, _("Input"));
      for (guint m = 0; m < matrix->n_models; m++)
        g_ptr_array_add (heading, matrix->models[m]);
      g_ptr_array_add (heading, _("Mean"));
      md_row (out, (const char * const *) heading->pdata, heading->len);
      md_rule (out, heading->len, 1);
      for (guint i = 0; i < matrix->n_inputs; i++)
        {
          g_autoptr(GPtrArray) row = g_ptr_array_new_with_free_func (g_free);

          g_ptr_array_add (row, g_strdup (matrix->inputs[i]));
          for (guint m = 0; m < matrix->n_models; m++)
            {
              double cell = tb_score_matrix_get (matrix, i, m);

              g_ptr_array_add (row, isnan (cell) ? g_strdup ("-")
                                                 : g_strdup_printf ("%.1f", cell));
            }
          g_ptr_array_add (row, isnan (matrix->input_means[i])
                                ? g_strdup ("-")
                                : g_strdup_printf ("%.1f", matrix->input_means[i]));
          md_row (out, (const char * const *) row->pdata, row->len);
        }
      g_string_append_c (out, '\n');
    }

  if (verdict->warnings->len > 0)
    {
      g_string_append_printf (out, "## %s\n\n", _("Warnings"));
      for (guint i = 0; i < verdict->warnings->len; i++)
        {
          g_string_append (out, "- ");
          md_text (out, g_ptr_array_index (verdict->warnings, i));
          g_string_append_c (out, '\n');
        }
      g_string_append_c (out, '\n');
    }

  g_string_append (out, "<sub>");
  {
    /* Translators: the last line of a report; %s is the app's version */
    g_autofree char *made = g_strdup_printf (_("Made with TaskBench %s."), PACKAGE_VERSION);

    md_text (out, made);
  }
  g_string_append (out, "</sub>\n");
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------------------------- */
/* HTML                                                                                      */

/* Light and dark through the reader's preference, a print version on white, tables that
 * scroll sideways on a phone. No '<' or '&' in here: the page stays well-formed XML. */
static const char html_style[] =
  ":root{color-scheme:light dark;--bg:#f6f5f4;--card:#fff;--fg:#1e1e1e;--muted:#5e5c64;"
  "--line:rgba(0,0,0,.12);--accent:#1c71d8;--accent-soft:rgba(28,113,216,.12);"
  "--warn:#8a5100;--warn-soft:rgba(229,165,10,.18);--bad:#c01c28;--code:rgba(0,0,0,.04);"
  "--lo:230,97,0;--hi:28,113,216}\n"
  "@media (prefers-color-scheme:dark){:root{--bg:#1e1e1e;--card:#2b2b2b;--fg:#fff;"
  "--muted:#c0bfbc;--line:rgba(255,255,255,.14);--accent:#78aeed;"
  "--accent-soft:rgba(120,174,237,.18);--warn:#f8e45c;--warn-soft:rgba(248,228,92,.12);"
  "--bad:#ff7b63;--code:rgba(255,255,255,.05);--hi:120,174,237}}\n"
  "*{box-sizing:border-box}\n"
  "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
  "body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"
  "Cantarell,'Segoe UI','Noto Sans',sans-serif}\n"
  ".page{max-width:1080px;margin:0 auto;padding:24px 20px 40px}\n"
  ".kicker{margin:0;font-size:12px;font-weight:700;letter-spacing:.08em;text-transform:uppercase;"
  "color:var(--accent)}\n"
  "h1{font-size:28px;line-height:1.2;margin:4px 0 12px;overflow-wrap:anywhere}\n"
  "h2{font-size:18px;margin:0 0 12px}\n"
  "h3{font-size:14px;margin:0 0 6px}\n"
  "#outputs h3{margin:18px 0 4px}\n"
  "ul.meta{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 20px;padding:0;list-style:none}\n"
  "ul.meta li{background:var(--card);border:1px solid var(--line);border-radius:999px;"
  "padding:2px 10px;font-size:13px;color:var(--muted);overflow-wrap:anywhere;min-width:0}\n"
  "ul.meta b{color:var(--fg);font-weight:600}\n"
  ".badge{display:inline-block;border-radius:999px;padding:0 8px;font-size:12px;"
  "font-weight:700;background:var(--accent-soft);color:var(--accent);white-space:nowrap}\n"
  ".badge.sim{background:var(--warn-soft);color:var(--warn)}\n"
  "section.card{background:var(--card);border:1px solid var(--line);border-radius:12px;"
  "padding:18px 20px;margin:0 0 18px}\n"
  ".verdict{font-size:17px;margin:0 0 14px}\n"
  "dl.picks{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:10px;"
  "margin:0}\n"
  "dl.picks div{background:var(--accent-soft);border-radius:8px;padding:8px 12px;min-width:0}\n"
  "dl.picks dt{font-size:12px;letter-spacing:.05em;text-transform:uppercase;color:var(--muted)}\n"
  "dl.picks dd{margin:0;font-weight:600;overflow-wrap:anywhere}\n"
  "dl.picks .tied{display:block;font-weight:400;font-size:13px;color:var(--muted)}\n"
  ".scroll{overflow-x:auto}\n"
  "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}\n"
  "th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:right;"
  "white-space:nowrap;vertical-align:top}\n"
  "th{font-size:12px;font-weight:600;letter-spacing:.04em;text-transform:uppercase;"
  "color:var(--muted);vertical-align:bottom;white-space:normal;min-width:4.5em}\n"
  "th:first-child,td:first-child{text-align:left;white-space:normal;overflow-wrap:anywhere;"
  "min-width:14em;max-width:24em}\n"
  "table.matrix th{white-space:normal;overflow-wrap:break-word;min-width:6em;max-width:11em;"
  "text-transform:none;letter-spacing:0}\n"
  "tr.best td{background:var(--accent-soft)}\n"
  "tr.tied td:first-child{font-weight:600}\n"
  ".model{font-family:ui-monospace,'Source Code Pro','DejaVu Sans Mono',monospace;"
  "font-size:13px;overflow-wrap:break-word}\n"
  "td .badge{margin-left:6px}\n"
  ".none{color:var(--muted)}\n"
  ".chart-row{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}\n"
  "figure.chart{margin:0;flex:1 1 560px;min-width:0}\n"
  "figure.chart svg{display:block;width:100%;height:auto}\n"
  "figure.chart svg.narrow{display:none}\n"
  "figcaption{font-size:13px;color:var(--muted);margin-top:6px}\n"
  ".dot{display:inline-block;width:10px;height:10px;border-radius:50%;background:var(--muted);"
  "margin:0 4px 0 10px}\n"
  ".dot.em{background:var(--accent);width:12px;height:12px}\n"
  "aside.unplotted{flex:0 1 260px;min-width:0;font-size:14px;border-left:3px solid var(--line);"
  "padding-left:12px}\n"
  "aside.unplotted ul{margin:0 0 10px;padding-left:1.1em}\n"
  "svg text{font-family:inherit}\n"
  ".grid{stroke:var(--line);stroke-width:1}\n"
  ".frame{stroke:var(--muted);stroke-width:1}\n"
  ".tick{fill:var(--muted);font-size:12px}\n"
  ".axis-title{fill:var(--muted);font-size:12px;font-weight:600}\n"
  ".mark line{stroke:var(--muted);stroke-width:1.5}\n"
  ".mark circle{fill:var(--muted)}\n"
  ".mark text{fill:var(--fg);font-size:12px}\n"
  ".mark.em line{stroke:var(--accent);stroke-width:2}\n"
  ".mark line.leader{stroke:var(--muted);stroke-width:1;opacity:.7}\n"
  ".mark.em circle{fill:var(--accent)}\n"
  ".mark.em text{fill:var(--accent)}\n"
  ".mark.best circle{stroke:var(--fg);stroke-width:1.5}\n"
  "td.s0{background:rgba(var(--lo),.55)}td.s1{background:rgba(var(--lo),.48)}"
  "td.s2{background:rgba(var(--lo),.42)}td.s3{background:rgba(var(--lo),.36)}"
  "td.s4{background:rgba(var(--lo),.30)}td.s5{background:rgba(var(--lo),.24)}"
  "td.s6{background:rgba(var(--lo),.16)}td.s7{background:rgba(var(--hi),.10)}"
  "td.s8{background:rgba(var(--hi),.20)}td.s9{background:rgba(var(--hi),.32)}"
  "td.s10{background:rgba(var(--hi),.45)}\n"
  "ul.warnings{margin:0;padding-left:1.2em}\n"
  "ul.warnings li{margin:4px 0;overflow-wrap:anywhere}\n"
  "section.warn{border-color:var(--warn-soft);box-shadow:inset 4px 0 0 var(--warn)}\n"
  "details.output{border:1px solid var(--line);border-radius:8px;margin:8px 0}\n"
  "details.output summary{cursor:pointer;padding:8px 12px;overflow-wrap:anywhere}\n"
  "summary .where{color:var(--muted)}\n"
  ".status{font-size:12px;font-weight:700;text-transform:uppercase;margin-left:6px}\n"
  ".status.ok{color:var(--accent)}\n"
  ".status.bad{color:var(--bad)}\n"
  ".score{font-weight:700;margin-left:6px;font-variant-numeric:tabular-nums}\n"
  ".output-body{padding:0 12px 12px;border-top:1px solid var(--line)}\n"
  "dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 16px;"
  "margin:10px 0;font-size:14px}\n"
  "dl.facts dt{color:var(--muted)}\n"
  "dl.facts dd{margin:0;overflow-wrap:anywhere}\n"
  "dl.facts ul{margin:0;padding-left:1.1em}\n"
  ".judge{margin:8px 0 0;font-size:14px;overflow-wrap:anywhere}\n"
  ".reasoning{color:var(--muted);font-size:14px;margin:2px 0 8px;overflow-wrap:anywhere;"
  "white-space:pre-wrap}\n"
  "pre{background:var(--code);border-radius:6px;padding:10px 12px;margin:10px 0 0;"
  "font:13px/1.45 ui-monospace,'Source Code Pro','DejaVu Sans Mono',monospace;"
  "white-space:pre-wrap;overflow-wrap:anywhere;max-height:32em;overflow:auto}\n"
  "footer{color:var(--muted);font-size:13px;text-align:center;margin-top:24px}\n"
  "@media (max-width:600px){.page{padding:14px 10px 30px}section.card{padding:14px 12px;"
  "border-radius:10px}h1{font-size:22px}th,td{padding:5px 7px}"
  "aside.unplotted{border-left:none;padding-left:0;flex-basis:100%}"
  "th:first-child,td:first-child{min-width:8em}"
  "figure.chart svg.wide{display:none}figure.chart svg.narrow{display:block}}\n"
  "@media print{:root{color-scheme:light;--bg:#fff;--card:#fff;--fg:#000;--muted:#444;"
  "--line:#bbb;--accent:#1a5fb4;--accent-soft:#e6eefa;--warn:#6b3f00;--warn-soft:#fbefcf;"
  "--bad:#a51d2d;--code:#f4f4f4;--hi:28,113,216}\n"
  "body{font-size:10.5pt;background:#fff;color:#000}\n"
  ".page{max-width:none;padding:0}\n"
  "section.card{border:none;box-shadow:none;padding:0;margin:0 0 16pt;border-radius:0}\n"
  "table,tr,figure,dl.picks,dl.facts,ul.meta{break-inside:avoid}\n"
  "h2,h3,summary{break-after:avoid}\n"
  ".scroll{overflow:visible}\n"
  "figure.chart svg.wide{display:block}figure.chart svg.narrow{display:none}\n"
  "pre{max-height:none;overflow:visible}\n"
  "details::details-content{content-visibility:visible;display:block}}\n";

static void
html_text (GString    *out,
           const char *text)
{
  g_autofree char *valid = NULL;
  g_autofree char *escaped = NULL;

  if (text == NULL)
    return;
  /* Hand-edited files may hold anything; the escape wants UTF-8. */
  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);
  escaped = g_markup_escape_text (text, -1);
  g_string_append (out, escaped);
}

static void
html_printf (GString    *out,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

/* Appends `format` with every string argument escaped (g_markup_vprintf_escaped). */
static void
html_printf (GString    *out,
             const char *format,
             ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_markup_vprintf_escaped (format, args);
  va_end (args);
  g_string_append (out, text);
}

/* A coordinate for an SVG attribute: '.' whatever the locale. */
static const char *
svg_num (char   *buffer,
         double  value)
{
  return g_ascii_formatd (buffer, G_ASCII_DTOSTR_BUF_SIZE, "%.1f", isfinite (value) ? value : 0);
}

/* The tint of a score in the matrix: ten steps, orange below the budget line, blue above. */
static guint
score_bucket (double score)
{
  return (guint) CLAMP (floor (score / 10), 0, 10);
}

/* A model id that may wrap in a narrow column after its '/', '-', '_' or ':' rather than
 * anywhere. */
static void
html_model (GString    *out,
            const char *model)
{
  const char *start = model != NULL ? model : "";

  g_string_append (out, "<span class=\"model\">");
  for (const char *p = start; *p != '\0'; p++)
    if (strchr ("/-:_", *p) != NULL && p[1] != '\0')
      {
        g_autofree char *part = g_strndup (start, p + 1 - start);

        html_text (out, part);
        g_string_append (out, "<wbr/>");
        start = p + 1;
      }
  html_text (out, start);
  g_string_append (out, "</span>");
}

static void
html_header (GString      *out,
             const Report *report)
{
  const TbRun *run = report->run;
  g_autofree char *created = format_created (run->created_at);
  g_autofree char *judges = format_judges (report);

  g_string_append (out, "<header>\n");
  html_printf (out, "<p class=\"kicker\">%s</p>\n", _("TaskBench report"));
  g_string_append (out, "<h1>");
  html_text (out, report_title (report));
  g_string_append (out, "</h1>\n<ul class=\"meta\">\n");
  html_printf (out, "<li>%s <b>%s</b></li>\n", _("Run"), run->id);
  html_printf (out, "<li>%s <b>%s</b></li>\n", _("Use case"),
               run->usecase != NULL ? run->usecase : "-");
  html_printf (out, "<li>%s</li>\n", created);
  html_printf (out, "<li>%s <b>%s</b></li>\n", _("Status"), tb_run_status_to_string (run->status));
  {
    g_autofree char *inputs = g_strdup_printf (ngettext ("%u input", "%u inputs",
                                                         run->inputs->len), run->inputs->len);
    g_autofree char *repeats = g_strdup_printf (ngettext ("%u repeat", "%u repeats",
                                                          run->repeat), run->repeat);

    html_printf (out, "<li>%s</li>\n<li>%s</li>\n", inputs, repeats);
  }
  if (judges != NULL)
    html_printf (out, "<li>%s <b>%s</b></li>\n", _("Judged by"), judges);
  if (run->simulated || report->verdict->simulated)
    html_printf (out, "<li><span class=\"badge sim\">%s</span></li>\n",
                 _("simulated models: not real answers or costs"));
  g_string_append (out, "</ul>\n</header>\n");
}

static void
html_verdict (GString      *out,
              const Report *report)
{
  const TbVerdict *verdict = report->verdict;
  g_autofree char *words = tb_verdict_describe (verdict);

  g_string_append (out, "<section class=\"card\" id=\"verdict\">\n");
  html_printf (out, "<h2>%s</h2>\n<p class=\"verdict\">%s</p>\n", _("Verdict"), words);
  if (verdict->best_overall != NULL)
    {
      const char *picks[][2] = {
        { _("Best overall"), verdict->best_overall },
        { _("Best value"), verdict->best_value },
        { _("Budget pick"), verdict->budget_pick },
      };

      g_autofree char *tied = tb_verdict_tied_note (verdict);

      g_string_append (out, "<dl class=\"picks\">\n");
      for (guint i = 0; i < G_N_ELEMENTS (picks); i++)
        {
          html_printf (out, "<div><dt>%s</dt><dd>", picks[i][0]);
          if (picks[i][1] != NULL)
            html_model (out, picks[i][1]);
          else
            html_printf (out, "<span class=\"none\">%s</span>", _("none"));
          if (i == 0 && tied != NULL)
            html_printf (out, " <span class=\"tied\">(%s)</span>", tied);
          g_string_append (out, "</dd></div>\n");
        }
      g_string_append (out, "</dl>\n");
    }
  g_string_append (out, "</section>\n");
}

/* The chart twice: wide for a screen or paper, narrow for a phone (where a scaled-down wide
 * one would have unreadable text); CSS shows one. SVG units, 12-unit text. */
static const TbChartMetrics chart_wide = {
  .width = 720,
  .height = 380,
  .char_width = 7.2,
  .line_height = 16,
  .radius = 5,
  .label_max_chars = 40,
};

static const TbChartMetrics chart_narrow = {
  .width = 380,
  .height = 400,
  .char_width = 7.2,
  .line_height = 16,
  .radius = 5,
  .label_max_chars = 18,
};

static void
svg_line (GString    *out,
          const char *class,
          double      x1,
          double      y1,
          double      x2,
          double      y2)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
  char c[G_ASCII_DTOSTR_BUF_SIZE], d[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (out, "<line%s%s%s x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>\n",
                          class != NULL ? " class=\"" : "", class != NULL ? class : "",
                          class != NULL ? "\"" : "", svg_num (a, x1), svg_num (b, y1),
                          svg_num (c, x2), svg_num (d, y2));
}

static void
svg_text (GString    *out,
          const char *class,
          const char *anchor,
          double      x,
          double      y,
          const char *text)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (out, "<text class=\"%s\" text-anchor=\"%s\" x=\"%s\" y=\"%s\">",
                          class, anchor, svg_num (a, x), svg_num (b, y));
  html_text (out, text);
  g_string_append (out, "</text>\n");
}

static void
html_chart_svg (GString             *out,
                const Report        *report,
                GArray              *items,
                GPtrArray           *plotted,
                const TbChartMetrics *m,
                const char          *class)
{
  const TbVerdict *verdict = report->verdict;
  g_autoptr(TbChartLayout) layout = NULL;
  const TbChartAxis *x_axis, *y_axis;
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *description = g_strdup_printf (
    ngettext ("Mean score against cost per input for %u model",
              "Mean score against cost per input for %u models", plotted->len),
    plotted->len);

  layout = tb_chart_layout_new ((const TbChartItem *) items->data, items->len, m);
  x_axis = &layout->x_axis;
  y_axis = &layout->y_axis;

  g_string_append_printf (out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"%s\" "
                          "viewBox=\"0 0 %s %s\" role=\"img\" aria-label=\"", class,
                          svg_num (a, m->width), svg_num (b, m->height));
  html_text (out, description);
  g_string_append (out, "\">\n<title>");
  html_text (out, description);
  g_string_append (out, "</title>\n<g>\n");

  /* Grid and ticks: scores on the left, costs below. */
  for (guint t = 0; t < y_axis->n_ticks; t++)
    {
      double y = tb_chart_layout_y (layout, y_axis->ticks[t]);
      g_autofree char *label = g_strdup_printf ("%.0f", y_axis->ticks[t]);

      svg_line (out, t == 0 ? "frame" : "grid", layout->left, y, layout->right, y);
      svg_text (out, "tick", "end", layout->left - 6, y + 4, label);
    }
  for (guint t = 0; t < x_axis->n_ticks; t++)
    {
      double x = tb_chart_layout_x (layout, x_axis->ticks[t]);
      g_autofree char *label = tb_chart_axis_format_usd (x_axis, x_axis->ticks[t]);

      svg_line (out, t == 0 && !x_axis->log ? "frame" : "grid", x, layout->top, x,
                layout->bottom);
      svg_text (out, "tick", "middle", x, layout->bottom + m->line_height + 2, label);
    }
  svg_text (out, "axis-title", "middle", (layout->left + layout->right) / 2, m->height - 6,
            x_axis->log ? _("Cost per input (USD, log scale)") : _("Cost per input (USD)"));
  g_string_append_printf (out, "<text class=\"axis-title\" text-anchor=\"middle\" "
                          "transform=\"translate(%s %s) rotate(-90)\">",
                          svg_num (a, m->line_height * 0.9),
                          svg_num (b, (layout->top + layout->bottom) / 2));
  html_text (out, _("Mean score, 95% interval"));
  g_string_append (out, "</text>\n</g>\n");

  /* The points: the emphasised last, so they are drawn on top. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < layout->marks->len; i++)
      {
        const TbChartMark *mark = g_ptr_array_index (layout->marks, i);
        const TbModelVerdict *model = g_ptr_array_index (plotted, mark->item);
        g_autoptr(TbExportCells) cells = tb_export_cells_new (verdict, model);
        gboolean best = g_strcmp0 (model->model, verdict->best_overall) == 0;
        char c[G_ASCII_DTOSTR_BUF_SIZE];

        if ((pass == 1) != model->tied_with_best)
          continue;
        g_string_append_printf (out, "<g class=\"mark%s%s\">\n<title>",
                                model->tied_with_best ? " em" : "", best ? " best" : "");
        html_printf (out, "%s: %s (%s) · %s", model->model, cells->mean, cells->interval,
                     cells->per_input);
        g_string_append (out, "</title>\n");
        if (mark->bottom > mark->top)
          {
            svg_line (out, NULL, mark->x, mark->top, mark->x, mark->bottom);
            svg_line (out, NULL, mark->x - m->radius, mark->top, mark->x + m->radius,
                      mark->top);
            svg_line (out, NULL, mark->x - m->radius, mark->bottom, mark->x + m->radius,
                      mark->bottom);
          }
        if (mark->leader)
          svg_line (out, "leader", mark->leader_x0, mark->leader_y0, mark->leader_x1,
                    mark->leader_y1);
        g_string_append_printf (out, "<circle cx=\"%s\" cy=\"%s\" r=\"%s\"/>\n",
                                svg_num (a, mark->x), svg_num (b, mark->y),
                                svg_num (c, mark->radius));
        /* The baseline sits about a quarter of the line above the box's bottom. */
        svg_text (out, "label", "start", mark->label_x,
                  mark->label_y + mark->label_height * 0.75, mark->label);
        g_string_append (out, "</g>\n");
      }
  g_string_append (out, "</svg>\n");
}

/* Score against cost per input, each model a point with its 95% interval; the models tied
 * with the best stand out. Models without a known cost are listed beside it, never put at
 * $0. */
static void
html_chart (GString      *out,
            const Report *report)
{
  const TbVerdict *verdict = report->verdict;
  g_autoptr(GArray) items = g_array_new (FALSE, TRUE, sizeof (TbChartItem));
  g_autoptr(GPtrArray) plotted = g_ptr_array_new ();
  g_autoptr(GPtrArray) unknown_cost = g_ptr_array_new ();
  g_autoptr(GPtrArray) unscored = g_ptr_array_new ();

  for (guint i = 0; i < verdict->models->len; i++)
    {
      TbModelVerdict *model = g_ptr_array_index (verdict->models, i);

      if (!model->has_mean)
        g_ptr_array_add (unscored, model);
      else if (!model->has_cost_per_input)
        g_ptr_array_add (unknown_cost, model);
      else
        {
          TbChartItem item = {
            .label = model->model,
            .cost = model->cost_per_input_usd,
            .score = model->mean,
            .has_interval = model->has_interval,
            .low = model->ci_low,
            .high = model->ci_high,
            .emphasis = model->tied_with_best,
          };

          g_array_append_val (items, item);
          g_ptr_array_add (plotted, model);
        }
    }

  g_string_append (out, "<section class=\"card\" id=\"chart\">\n");
  html_printf (out, "<h2>%s</h2>\n", _("Score against cost"));
  g_string_append (out, "<div class=\"chart-row\">\n<figure class=\"chart\">\n");

  if (plotted->len == 0)
    html_printf (out, "<p class=\"none\">%s</p>\n",
                 _("No model has both a score and a known cost to plot."));
  else
    {
      html_chart_svg (out, report, items, plotted, &chart_wide, "wide");
      html_chart_svg (out, report, items, plotted, &chart_narrow, "narrow");
      g_string_append (out, "<figcaption>");
      html_printf (out, "<span class=\"dot em\"></span>%s<span class=\"dot\"></span>%s · %s",
                   _("best, or tied with the best"), _("other models"),
                   _("the bars are 95% intervals of the mean over inputs"));
      g_string_append (out, "</figcaption>\n");
    }
  g_string_append (out, "</figure>\n");

  if (unknown_cost->len > 0 || unscored->len > 0)
    {
      g_string_append (out, "<aside class=\"unplotted\">\n");
      if (unknown_cost->len > 0)
        {
          html_printf (out, "<h3>%s</h3>\n<ul>\n", _("Not plotted: cost unknown"));
          for (guint i = 0; i < unknown_cost->len; i++)
            {
              const TbModelVerdict *model = g_ptr_array_index (unknown_cost, i);

              g_string_append (out, "<li>");
              html_model (out, model->model);
              html_printf (out, " · %s %.1f</li>\n", _("mean"), model->mean);
            }
          g_string_append (out, "</ul>\n");
        }
      if (unscored->len > 0)
        {
          html_printf (out, "<h3>%s</h3>\n<ul>\n", _("Not plotted: no score"));
          for (guint i = 0; i < unscored->len; i++)
            {
              g_string_append (out, "<li>");
              html_model (out, ((TbModelVerdict *) g_ptr_array_index (unscored, i))->model);
              g_string_append (out, "</li>\n");
            }
          g_string_append (out, "</ul>\n");
        }
      g_string_append (out, "</aside>\n");
    }
  g_string_append (out, "</div>\n</section>\n");
}

static void
html_models (GString      *out,
             const Report *report)
{
  const TbVerdict *verdict = report->verdict;
  g_autofree char *month = per_month_heading (report);
  const char *heading[] = { _("Model"), _("Mean"), _("95% interval"), _("vs best (95%)"),
                            _("$/input"), _("$/1,000 inputs"), month, _("p50 latency"),
                            _("Errors") };

  if (verdict->models->len == 0)
    return;
  g_string_append (out, "<section class=\"card\" id=\"models\">\n");
  html_printf (out, "<h2>%s</h2>\n<div class=\"scroll\">\n<table>\n<thead><tr>", _("Models"));
  for (guint i = 0; i < G_N_ELEMENTS (heading); i++)
    html_printf (out, "<th>%s</th>", heading[i]);
  g_string_append (out, "</tr></thead>\n<tbody>\n");
  for (guint i = 0; i < verdict->models->len; i++)
    {
      const TbModelVerdict *model = g_ptr_array_index (verdict->models, i);
      g_autoptr(TbExportCells) cells = tb_export_cells_new (verdict, model);
      gboolean best = g_strcmp0 (model->model, verdict->best_overall) == 0;

      g_string_append_printf (out, "<tr%s><td>", best ? " class=\"best tied\""
                                                 : model->tied_with_best ? " class=\"tied\""
                                                 : "");
      html_model (out, model->model);
      if (best)
        html_printf (out, "<span class=\"badge\">%s</span>", _("best"));
      else if (model->tied_with_best)
        html_printf (out, "<span class=\"badge\">%s</span>", _("tied"));
      if (g_strcmp0 (model->model, verdict->best_value) == 0)
        html_printf (out, "<span class=\"badge\">%s</span>", _("best value"));
      if (g_strcmp0 (model->model, verdict->budget_pick) == 0)
        html_printf (out, "<span class=\"badge\">%s</span>", _("budget pick"));
      html_printf (out, "</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                   "<td>%s</td><td>%s</td><td>%u</td></tr>\n", cells->mean, cells->interval,
                   cells->vs_best, cells->per_input, cells->per_thousand, cells->per_month,
                   cells->latency, cells->errors);
    }
  g_string_append (out, "</tbody>\n</table>\n</div>\n</section>\n");
}

static void
html_matrix (GString      *out,
             const Report *report)
{
  const TbScoreMatrix *matrix = report->matrix;

  if (matrix == NULL || matrix->n_inputs < 2)
    return;
  g_string_append (out, "<section class=\"card\" id=\"matrix\">\n");
  html_printf (out, "<h2>%s</h2>\n<div class=\"scroll\">\n<table class=\"matrix\">\n"
               "<thead><tr><th>%s</th>", _("Scores per input (weakest first)"), _("Input"));
  for (guint m = 0; m < matrix->n_models; m++)
    {
      g_string_append (out, "<th>");
      html_model (out, matrix->models[m]);
      g_string_append (out, "</th>");
    }
  html_printf (out, "<th>%s</th></tr></thead>\n<tbody>\n", _("Mean"));
  for (guint i = 0; i < matrix->n_inputs; i++)
    {
      g_string_append (out, "<tr><td>");
      html_text (out, matrix->inputs[i]);
      g_string_append (out, "</td>");
      for (guint m = 0; m < matrix->n_models; m++)
        {
          double cell = tb_score_matrix_get (matrix, i, m);

          if (isnan (cell))
            g_string_append (out, "<td class=\"none\">-</td>");
          else
            g_string_append_printf (out, "<td class=\"s%u\">%.1f</td>", score_bucket (cell),
                                    cell);
        }
      if (isnan (matrix->input_means[i]))
        g_string_append (out, "<td class=\"none\">-</td></tr>\n");
      else
        g_string_append_printf (out, "<td>%.1f</td></tr>\n", matrix->input_means[i]);
    }
  g_string_append (out, "</tbody>\n</table>\n</div>\n</section>\n");
}

static void
html_warnings (GString      *out,
               const Report *report)
{
  const TbVerdict *verdict = report->verdict;

  if (verdict->warnings->len == 0)
    return;
  g_string_append (out, "<section class=\"card warn\" id=\"warnings\">\n");
  html_printf (out, "<h2>%s</h2>\n<ul class=\"warnings\">\n", _("Warnings"));
  for (guint i = 0; i < verdict->warnings->len; i++)
    html_printf (out, "<li>%s</li>\n", (const char *) g_ptr_array_index (verdict->warnings, i));
  g_string_append (out, "</ul>\n</section>\n");
}

static void
html_fact (GString    *out,
           const char *term,
           const char *value)
{
  html_printf (out, "<dt>%s</dt><dd>%s</dd>\n", term, value);
}

static void
html_score (GString       *out,
            const Report  *report,
            const TbScore *score)
{
  const char *judge = tb_judgment_score_judge (report->judgment, score);

  g_string_append (out, "<p class=\"judge\">");
  html_model (out, judge != NULL ? judge : "-");
  if (score->error != NULL)
    {
      html_printf (out, ": %s %s</p>\n", _("judge error:"), score->error);
      return;
    }
  g_string_append_printf (out, ": <b>%.1f</b>", score->overall);
  for (guint c = 0; c < score->n_criteria; c++)
    html_printf (out, "%s%s %.1f", c == 0 ? " — " : " · ", score->criteria[c].name,
                 score->criteria[c].value);
  g_string_append (out, "</p>\n");
  if (score->violations != NULL && score->violations[0] != NULL)
    {
      g_string_append (out, "<ul>\n");
      for (guint v = 0; score->violations[v] != NULL; v++)
        html_printf (out, "<li>%s</li>\n", score->violations[v]);
      g_string_append (out, "</ul>\n");
    }
  if (score->reasoning != NULL && *score->reasoning != '\0')
    html_printf (out, "<p class=\"reasoning\">%s</p>\n", score->reasoning);
}

static void
html_output (GString        *out,
             const Report   *report,
             const TbOutput *output)
{
  const TbRun *run = report->run;
  g_autoptr(GPtrArray) scores = scores_of (report, output);
  g_autofree char *score_text = mean_score_text (scores);
  g_autofree char *cost = NULL;
  g_autofree char *latency = g_strdup_printf ("%.1fs", output->latency_ms / 1000.0);
  g_autofree char *prompt = g_strdup_printf ("%" G_GINT64_FORMAT, output->usage.prompt_tokens);
  g_autofree char *completion = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                 output->usage.completion_tokens);
  gboolean ok = output->status == TB_OUTPUT_OK;

  if (tb_cost_is_known (&output->cost))
    {
      g_autofree char *usd = tb_format_usd (output->cost.usd);

      cost = g_strdup_printf ("%s (%s)", usd, tb_cost_source_to_string (output->cost.source));
    }
  else
    cost = g_strdup (_("unknown"));

  g_string_append (out, "<details class=\"output\">\n<summary>");
  html_model (out, output->model);
  if (tb_run_is_test_set (run) || run->repeat > 1)
    {
      g_string_append (out, " <span class=\"where\">· ");
      html_text (out, input_key (run, output->input));
      if (run->repeat > 1)
        g_string_append_printf (out, " #%u", output->repeat);
      g_string_append (out, "</span>");
    }
  html_printf (out, "<span class=\"status %s\">%s</span>", ok ? "ok" : "bad",
               tb_output_status_to_string (output->status));
  html_printf (out, "<span class=\"score\">%s</span></summary>\n", score_text);

  g_string_append (out, "<div class=\"output-body\">\n<dl class=\"facts\">\n");
  html_fact (out, _("Input"), input_key (run, output->input));
  if (output->finish_reason != NULL)
    {
      g_autofree char *status = g_strdup_printf ("%s (%s)",
                                                 tb_output_status_to_string (output->status),
                                                 output->finish_reason);

      html_fact (out, _("Status"), status);
    }
  else
    html_fact (out, _("Status"), tb_output_status_to_string (output->status));
  html_fact (out, _("Cost"), cost);
  html_fact (out, _("Latency"), latency);
  {
    /* Translators: tokens of a call; the %s are numbers */
    g_autofree char *tokens = g_strdup_printf (_("%s prompt · %s completion"), prompt,
                                               completion);

    html_fact (out, _("Tokens"), tokens);
  }
  if (output->provider != NULL)
    html_fact (out, _("Provider"), output->provider);
  if (!output->has_format_check)
    html_fact (out, _("Format check"), _("not checked"));
  else if (output->format_valid)
    html_fact (out, _("Format check"), _("valid"));
  else
    {
      html_printf (out, "<dt>%s</dt><dd>%s", _("Format check"), _("not valid"));
      if (output->format_errors != NULL && output->format_errors[0] != NULL)
        {
          g_string_append (out, "<ul>\n");
          for (guint e = 0; output->format_errors[e] != NULL; e++)
            html_printf (out, "<li>%s</li>\n", output->format_errors[e]);
          g_string_append (out, "</ul>");
        }
      g_string_append (out, "</dd>\n");
    }
  if (output->error_message != NULL)
    {
      g_autofree char *error = output->error_http_status != 0
                               ? g_strdup_printf ("%s (HTTP %u)", output->error_message,
                                                  output->error_http_status)
                               : g_strdup (output->error_message);

      html_fact (out, _("Error"), error);
    }
  g_string_append (out, "</dl>\n");

  for (guint s = 0; s < scores->len; s++)
    html_score (out, report, g_ptr_array_index (scores, s));

  if (output->content != NULL && *output->content != '\0')
    {
      g_string_append (out, "<pre>");
      html_text (out, output->content);
      g_string_append (out, "</pre>\n");
    }
  else
    html_printf (out, "<p class=\"none\">%s</p>\n", _("No content."));
  g_string_append (out, "</div>\n</details>\n");
}

static void
html_outputs (GString      *out,
              const Report *report)
{
  const TbRunData *data = report->data;

  g_string_append (out, "<section class=\"card\" id=\"outputs\">\n");
  html_printf (out, "<h2>%s</h2>\n", _("Outputs"));
  if (data->outputs->len == 0)
    html_printf (out, "<p class=\"none\">%s</p>\n", _("The run has no outputs."));
  /* The store lists them by model: a heading where the model changes. */
  for (guint i = 0; i < data->outputs->len; i++)
    {
      const TbOutput *output = g_ptr_array_index (data->outputs, i);
      const TbOutput *previous = i > 0 ? g_ptr_array_index (data->outputs, i - 1) : NULL;

      if (previous == NULL || g_strcmp0 (previous->model, output->model) != 0)
        {
          g_string_append (out, "<h3>");
          html_model (out, output->model);
          g_string_append (out, "</h3>\n");
        }
      html_output (out, report, output);
    }
  g_string_append (out, "</section>\n");
}

char *
tb_export_html (const TbRunData *data,
                gint64           inputs_per_month)
{
  g_autoptr(Report) report = NULL;
  const char *lang;
  GString *out;

  g_return_val_if_fail (data != NULL && data->run != NULL, NULL);

  report = report_new (data, inputs_per_month);
  out = g_string_new ("<!DOCTYPE html>\n");

  /* Translators: the language code of your translation, for the report's lang attribute */
  lang = _("en");
  html_printf (out, "<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\"/>\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
               "<meta name=\"color-scheme\" content=\"light dark\"/>\n"
               "<meta name=\"generator\" content=\"TaskBench %s\"/>\n<title>", lang,
               PACKAGE_VERSION);
  {
    g_autofree char *title = g_strdup_printf (_("TaskBench report: %s"), report_title (report));

    html_text (out, title);
  }
  html_printf (out, " · %s</title>\n<style>\n", report->run->id);
  g_string_append (out, html_style);
  g_string_append (out, "</style>\n</head>\n<body>\n<div class=\"page\">\n");

  html_header (out, report);
  g_string_append (out, "<main>\n");
  html_verdict (out, report);
  html_chart (out, report);
  html_models (out, report);
  html_matrix (out, report);
  html_warnings (out, report);
  html_outputs (out, report);
  g_string_append (out, "</main>\n<footer>");
  {
    g_autofree char *made = g_strdup_printf (_("Made with TaskBench %s."), PACKAGE_VERSION);

    html_text (out, made);
  }
  g_string_append (out, "</footer>\n</div>\n</body>\n</html>\n");
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------------------------- */

char *
tb_export_render (const TbRunData  *data,
                  TbExportFormat    format,
                  gint64            inputs_per_month,
                  GError          **error)
{
  g_return_val_if_fail (data != NULL && data->run != NULL, NULL);

  switch (format)
    {
    case TB_EXPORT_HTML:
      return tb_export_html (data, inputs_per_month);
    case TB_EXPORT_MARKDOWN:
      return tb_export_markdown (data, inputs_per_month);
    case TB_EXPORT_CSV:
      return tb_export_csv (data, inputs_per_month);
    case TB_EXPORT_JSON:
      return tb_export_json (data, inputs_per_month);
    case TB_EXPORT_N_FORMATS:
    default:
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Unknown export format %d"), format);
      return NULL;
    }
}

gboolean
tb_export_write (const TbRunData  *data,
                 TbExportFormat    format,
                 gint64            inputs_per_month,
                 const char       *path,
                 GError          **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (data != NULL && data->run != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  text = tb_export_render (data, format, inputs_per_month, error);
  if (text == NULL)
    return FALSE;
  return tb_write_file_atomic (path, text, -1, error);
}
