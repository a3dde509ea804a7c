/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reports of a run made in memory, with hostile text everywhere a run holds text: the HTML
 * parses as XML and escapes it all, holds the chart and every number `show` prints; the
 * CSV goes through an RFC 4180 parser written here and back to the scores; the Markdown
 * table keeps its columns; the JSON is the `show --json` document. Expected values are
 * computed here from the scores the run was made of, not taken from the code under test. */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include "tb-core.h"

#define HOSTILE "</pre><script>alert(1)</script> & \"quoted\" 'single' | pipe, comma\r\n" \
                "new line\tÜnïcödé ✓ ]]> <!-- x --> $5 *bold* `code`"

static const char * const models[] = {
  "a/good", "b/evil\"&<i>|,x", "c/unknown-cost", "d/failed", NULL,
};
enum { GOOD, EVIL, UNKNOWN, FAILED, N_MODELS };

static const char * const inputs[] = { "in0", "in1", "in2,|\"x", "in3", NULL };
#define N_INPUTS 4
#define REPEAT   2

static const char * const judges[] = { "j/one", "j/two", NULL };
#define N_JUDGES 2

static const char snapshot[] =
  "name: Notes & <summaries> \"quoted\"\n"
  "goal: Summarise the note.\n"
  "output:\n"
  "  format: text\n"
  "judge:\n"
  "  models: [j/one, j/two]\n"
  "  criteria:\n"
  "    - {name: accuracy, weight: 60, description: Says what the note says.}\n"
  "    - {name: \"brevity, tone\", weight: 40, description: One sentence.}\n"
  "budget:\n"
  "  inputs_per_month: 1000\n";

/* What each model costs per call; NAN: unknown. */
static const double model_cost[N_MODELS] = { 0.002, 0.0004, NAN, 0.001 };

/* The score judge `j` gives model `m` on input `i`, repeat `r` (1-based). */
static double
overall_of (guint m,
            guint i,
            guint r,
            guint j)
{
  static const double base[N_MODELS] = { 88, 71, 62, 0 };

  return base[m] + 2.0 * i + 1.5 * (r - 1) - 3.0 * j + (m == EVIL && i == 2 ? -6 : 0);
}

/* The one judge error: model EVIL, input 1, repeat 1, judge j/two. */
static gboolean
is_judge_error (guint m,
                guint i,
                guint r,
                guint j)
{
  return m == EVIL && i == 1 && r == 1 && j == 1;
}

/* The one output file that is gone although its scores stay: UNKNOWN on input 3, repeat 2. */
static gboolean
is_missing_output (guint m,
                   guint i,
                   guint r)
{
  return m == UNKNOWN && i == 3 && r == 2;
}

static TbRunData *
make_run (gboolean judged)
{
  TbRunData *data = g_new0 (TbRunData, 1);
  TbRun *run = tb_run_new ();
  TbJudgment *judgment = NULL;

  run->id = g_strdup ("20261201T093000Z-beef");
  run->usecase = g_strdup ("notes");
  run->usecase_snapshot = g_strdup (snapshot);
  run->created_at = g_strdup ("2026-12-01T09:30:00Z");
  run->status = TB_RUN_PARTIAL;
  run->dir = g_strdup ("/tmp/results/notes/20261201T093000Z-beef");
  g_strfreev (run->models);
  run->models = g_strdupv ((char **) models);
  g_strfreev (run->judges);
  run->judges = g_strdupv ((char **) judges);
  run->repeat = REPEAT;
  for (guint i = 0; i < N_INPUTS; i++)
    {
      TbRunInput *input = tb_run_input_new ();

      input->key = g_strdup (inputs[i]);
      input->name = g_strdup_printf ("%s.txt", inputs[i]);
      input->sha256 = g_strdup_printf ("sha-%u", i);
      g_ptr_array_add (run->inputs, input);
    }
  data->run = run;
  data->outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);
  data->judgments = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_judgment_free);
  data->ratings = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_rating_free);

  if (judged)
    {
      judgment = tb_judgment_new ();
      judgment->mode = g_strdup ("pointwise");
      judgment->judge_model = g_strdup (judges[0]);
      g_strfreev (judgment->judges);
      judgment->judges = g_strdupv ((char **) judges);
      judgment->created_at = g_strdup ("2026-12-01T09:40:00Z");
      g_ptr_array_add (data->judgments, judgment);
    }

  for (guint m = 0; m < N_MODELS; m++)
    for (guint i = 0; i < N_INPUTS; i++)
      for (guint r = 1; r <= REPEAT; r++)
        {
          if (!is_missing_output (m, i, r))
            {
              TbOutput *output = tb_output_new (models[m]);

              output->input = g_strdup (inputs[i]);
              output->repeat = r;
              output->attempts = 1;
              output->latency_ms = 1000 + 100 * m;
              output->usage.prompt_tokens = 300;
              output->usage.completion_tokens = 40 + i;
              if (m == FAILED)
                {
                  output->status = TB_OUTPUT_FAILED;
                  output->error_http_status = 502;
                  output->error_message = g_strdup (HOSTILE);
                }
              else
                {
                  output->status = TB_OUTPUT_OK;
                  output->content = g_strdup_printf ("%s %u/%u", HOSTILE, i, r);
                  output->has_format_check = TRUE;
                  output->format_valid = i != 0;
                  if (i == 0)
                    output->format_errors = g_strsplit ("bad <b>format</b>|" HOSTILE, "|", -1);
                }
              if (!isnan (model_cost[m]))
                {
                  output->cost.has_billed = TRUE;
                  output->cost.billed_usd = model_cost[m];
                }
              tb_cost_settle (&output->cost);
              g_ptr_array_add (data->outputs, output);
            }

          if (judgment == NULL || m == FAILED)
            continue;
          for (guint j = 0; j < N_JUDGES; j++)
            {
              TbScore *score = tb_score_new (models[m]);

              score->input = g_strdup (inputs[i]);
              score->repeat = r;
              score->judge = g_strdup (judges[j]);
              score->output_chars = 100;
              if (is_judge_error (m, i, r, j))
                score->error = g_strdup ("the judge's answer is not JSON: \"oops\",\nline two");
              else
                {
                  double overall = overall_of (m, i, r, j);

                  score->overall = overall;
                  tb_score_set_criterion (score, "accuracy", overall / 10);
                  tb_score_set_criterion (score, "brevity, tone", overall / 10 - 0.5);
                  score->reasoning = g_strdup (HOSTILE);
                  score->violations = g_strsplit ("a <violation>|" HOSTILE, "|", -1);
                }
              g_ptr_array_add (judgment->scores, score);
            }
        }
  return data;
}

/* The model's mean as the contract defines it: per input, the mean over repeats and judges;
 * then the mean over inputs. */
static double
expected_mean (guint m)
{
  double sum = 0;
  guint n_inputs = 0;

  for (guint i = 0; i < N_INPUTS; i++)
    {
      double input_sum = 0;
      guint n = 0;

      for (guint r = 1; r <= REPEAT; r++)
        for (guint j = 0; j < N_JUDGES; j++)
          if (!is_judge_error (m, i, r, j))
            {
              input_sum += overall_of (m, i, r, j);
              n++;
            }
      sum += input_sum / n;
      n_inputs++;
    }
  return sum / n_inputs;
}

/* ---------------------------------------------------------------------------------------- */
/* HTML, read back with GMarkup                                                               */

typedef struct {
  GString    *text;        /* every text node, in order, unescaped */
  GHashTable *elements;    /* name → count */
  GPtrArray  *stack;       /* element names (borrowed from the parser's strings: copied) */
  GPtrArray  *mark_titles; /* the <title> texts of the chart's points */
  GString    *title;       /* the current point's title, while in one */
  guint       in_mark;     /* depth of <g class="mark…"> */
  gboolean    in_mark_title;
} Page;

static void
page_start (GMarkupParseContext  *context,
            const char           *name,
            const char          **attribute_names,
            const char          **attribute_values,
            gpointer              user_data,
            GError              **error)
{
  Page *page = user_data;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (page->elements, name));

  g_hash_table_replace (page->elements, g_strdup (name), GUINT_TO_POINTER (n + 1));
  g_ptr_array_add (page->stack, g_strdup (name));
  if (g_str_equal (name, "g"))
    for (guint i = 0; attribute_names[i] != NULL; i++)
      if (g_str_equal (attribute_names[i], "class")
          && g_str_has_prefix (attribute_values[i], "mark"))
        page->in_mark = page->stack->len;
  if (page->in_mark > 0 && g_str_equal (name, "title"))
    {
      page->in_mark_title = TRUE;
      g_string_truncate (page->title, 0);
    }
}

static void
page_end (GMarkupParseContext  *context,
          const char           *name,
          gpointer              user_data,
          GError              **error)
{
  Page *page = user_data;

  if (page->in_mark_title && g_str_equal (name, "title"))
    {
      g_ptr_array_add (page->mark_titles, g_strdup (page->title->str));
      page->in_mark_title = FALSE;
    }
  if (page->in_mark == page->stack->len)
    page->in_mark = 0;
  g_ptr_array_set_size (page->stack, page->stack->len - 1);
}

static void
page_text (GMarkupParseContext  *context,
           const char           *text,
           gsize                 length,
           gpointer              user_data,
           GError              **error)
{
  Page *page = user_data;

  g_string_append_len (page->text, text, length);
  if (page->in_mark_title)
    g_string_append_len (page->title, text, length);
}

static void
page_free (Page *page)
{
  g_string_free (page->text, TRUE);
  g_string_free (page->title, TRUE);
  g_hash_table_unref (page->elements);
  g_ptr_array_unref (page->stack);
  g_ptr_array_unref (page->mark_titles);
  g_free (page);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Page, page_free)

/* Parses the page as XML after its doctype, which GMarkup does not know. */
static Page *
parse_page (const char *html)
{
  static const GMarkupParser parser = { page_start, page_end, page_text, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *doctype = "<!DOCTYPE html>\n";
  Page *page = g_new0 (Page, 1);

  g_assert_true (g_str_has_prefix (html, doctype));
  page->text = g_string_new (NULL);
  page->title = g_string_new (NULL);
  page->elements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  page->stack = g_ptr_array_new_with_free_func (g_free);
  page->mark_titles = g_ptr_array_new_with_free_func (g_free);

  context = g_markup_parse_context_new (&parser, 0, page, NULL);
  g_markup_parse_context_parse (context, html + strlen (doctype), -1, &error);
  g_assert_no_error (error);
  g_markup_parse_context_end_parse (context, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->stack->len, ==, 0);
  return page;
}

static guint
count_of (Page       *page,
          const char *element)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (page->elements, element));
}

static gboolean
has_text (Page       *page,
          const char *text)
{
  return strstr (page->text->str, text) != NULL;
}

static gboolean
has_mark (Page       *page,
          const char *model)
{
  g_autofree char *prefix = g_strconcat (model, ": ", NULL);

  for (guint i = 0; i < page->mark_titles->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (page->mark_titles, i), prefix))
      return TRUE;
  return FALSE;
}

static void
test_html (void)
{
  g_autoptr(TbRunData) data = make_run (TRUE);
  g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 1000);
  g_autofree char *html = tb_export_html (data, 1000);
  g_autofree char *lower = g_ascii_strdown (html, -1);
  g_autoptr(Page) page = parse_page (html);
  guint plotted = 0;

  /* Nothing from the run reaches the page unescaped, and nothing is fetched. */
  g_assert_null (strstr (lower, "<script"));
  g_assert_null (strstr (lower, "<i>"));
  g_assert_null (strstr (lower, "src="));
  g_assert_null (strstr (lower, "href="));
  g_assert_null (strstr (lower, "@import"));
  g_assert_null (strstr (lower, "url("));
  /* …and reads back as the very text it was (with CR LF as LF: any XML or HTML reader
   * reads line ends so). */
  {
    g_autoptr(GString) content = g_string_new (HOSTILE " 2/1");

    g_string_replace (content, "\r\n", "\n", 0);
    g_assert_true (has_text (page, content->str));
  }
  g_assert_true (has_text (page, "Notes & <summaries> \"quoted\""));
  g_assert_true (has_text (page, "in2,|\"x"));

  g_assert_cmpuint (count_of (page, "html"), ==, 1);
  g_assert_cmpuint (count_of (page, "style"), ==, 1);
  g_assert_nonnull (strstr (html, "<svg"));
  g_assert_nonnull (strstr (html, "prefers-color-scheme:dark"));
  g_assert_nonnull (strstr (html, "@media print"));
  /* Every output folded, with its content in a <pre> (the failed ones have none). */
  g_assert_cmpuint (count_of (page, "details"), ==, data->outputs->len);
  g_assert_cmpuint (count_of (page, "pre"), ==, data->outputs->len - N_INPUTS * REPEAT);

  /* Every model, and for each what `show` prints: mean and interval as "%.1f", cost per
   * input in dollars, computed here. */
  for (guint m = 0; m < N_MODELS; m++)
    {
      const TbModelVerdict *model = tb_verdict_find (verdict, models[m]);

      g_assert_true (has_text (page, models[m]));
      g_assert_nonnull (model);
      if (m == FAILED)
        {
          g_assert_false (model->has_mean);
          g_assert_false (has_mark (page, models[m]));
          continue;
        }
      {
        g_autofree char *mean = g_strdup_printf ("%.1f", expected_mean (m));
        g_autofree char *interval = g_strdup_printf ("%.1f–%.1f", model->ci_low, model->ci_high);

        g_assert_cmpfloat_with_epsilon (model->mean, expected_mean (m), 1e-9);
        g_assert_true (has_text (page, mean));
        g_assert_true (model->has_interval);
        g_assert_true (has_text (page, interval));
      }
      if (isnan (model_cost[m]))
        {
          /* listed beside the chart, never plotted at $0 */
          g_assert_false (has_mark (page, models[m]));
          g_assert_true (has_text (page, "unknown"));
        }
      else
        {
          g_autofree char *per_input = tb_format_usd (model_cost[m]);
          g_autofree char *per_thousand = tb_format_usd (model_cost[m] * 1000);
          g_autofree char *per_month = tb_format_usd (model_cost[m] * 1000);
          g_autofree char *cells = g_strdup_printf ("%s%s%s", per_input, per_thousand,
                                                    per_month);

          g_assert_true (has_mark (page, models[m]));
          /* $/input, $/1,000 inputs and $/month (the volume is 1,000) side by side */
          g_assert_true (has_text (page, cells));
          plotted++;
        }
    }
  /* One point each in the wide chart and the narrow one. */
  g_assert_cmpuint (count_of (page, "circle"), ==, 2 * plotted);
  g_assert_cmpuint (page->mark_titles->len, ==, 2 * plotted);

  /* The header and the verdict. */
  g_assert_true (has_text (page, data->run->id));
  g_assert_true (has_text (page, "2026-12-01 09:30 UTC"));
  g_assert_true (has_text (page, "j/one, j/two"));
  {
    g_autofree char *words = tb_verdict_describe (verdict);

    g_assert_true (has_text (page, words));
  }
  /* The matrix: a row per input and a tinted cell per score. */
  g_assert_cmpuint (count_of (page, "table"), ==, 2);
  for (guint i = 0; i < N_INPUTS; i++)
    g_assert_true (has_text (page, inputs[i]));
  /* The judge error and the format check's findings, escaped like the rest. */
  g_assert_true (has_text (page, "the judge's answer is not JSON: \"oops\",\nline two"));
  g_assert_true (has_text (page, "bad <b>format</b>"));
  g_assert_false (has_text (page, "simulated"));
}

static void
test_html_simulated_and_unjudged (void)
{
  g_autoptr(TbRunData) data = make_run (FALSE);
  g_autofree char *html = NULL;
  g_autoptr(Page) page = NULL;

  data->run->simulated = TRUE;
  g_clear_pointer (&data->run->usecase_snapshot, g_free);
  html = tb_export_html (data, 0);
  page = parse_page (html);

  g_assert_true (has_text (page, "simulated"));
  /* no snapshot: the use case's id is the title */
  g_assert_true (has_text (page, "TaskBench report: notes"));
  g_assert_true (has_text (page, "No model has a score yet."));
  g_assert_null (strstr (html, "<svg"));
  g_assert_cmpuint (count_of (page, "details"), ==, data->outputs->len);
  g_assert_cmpuint (count_of (page, "circle"), ==, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* CSV, read back with a parser of its own                                                     */

/* RFC 4180: rows end in CRLF; a quoted field may hold commas, CR, LF and doubled quotes. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *row = NULL;
  GString *field = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      if (row == NULL)
        row = g_ptr_array_new_with_free_func (g_free);
      g_string_truncate (field, 0);
      if (*p == '"')
        {
          for (p++; ; p++)
            {
              g_assert_true (*p != '\0');   /* an unterminated quote */
              if (*p == '"' && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p++;
                }
              else if (*p == '"')
                {
                  p++;
                  break;
                }
              else
                g_string_append_c (field, *p);
            }
        }
      else
        while (*p != '\0' && *p != ',' && *p != '\r' && *p != '\n')
          {
            g_assert_true (*p != '"');      /* a quote inside an unquoted field */
            g_string_append_c (field, *p++);
          }
      g_ptr_array_add (row, g_strdup (field->str));
      if (*p == ',')
        p++;
      else
        {
          /* a row ends in CRLF, never in a bare LF */
          g_assert_true (p[0] == '\r' && p[1] == '\n');
          p += 2;
          g_ptr_array_add (rows, row);
          row = NULL;
        }
    }
  g_assert_null (row);
  g_string_free (field, TRUE);
  return rows;
}

static const char *
cell (GPtrArray *header,
      GPtrArray *row,
      const char *column)
{
  for (guint i = 0; i < header->len; i++)
    if (g_str_equal (g_ptr_array_index (header, i), column))
      return g_ptr_array_index (row, i);
  g_assert_not_reached ();
}

static double
number (const char *text)
{
  char *end = NULL;
  double value;

  g_assert_true (text != NULL && *text != '\0');
  value = g_ascii_strtod (text, &end);
  g_assert_true (*end == '\0');
  /* written plainly: no exponent, no locale's comma */
  g_assert_null (strpbrk (text, "eE,"));
  return value;
}

static void
check_csv (const TbRunData *data,
           const char      *csv)
{
  g_autoptr(GPtrArray) rows = parse_csv (csv);
  const char *columns[] = { "run", "model", "input", "repeat", "judge", "accuracy",
                            "brevity, tone", "overall", "judge_error", "output_status",
                            "candidate_cost_usd", "cost_source" };
  GPtrArray *header;
  guint scores = 0, unscored = 0, seen_scores = 0, seen_unscored = 0, orphans = 0;

  g_assert_cmpuint (rows->len, >, 0);
  header = g_ptr_array_index (rows, 0);
  g_assert_cmpuint (header->len, ==, G_N_ELEMENTS (columns));
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    g_assert_cmpstr (g_ptr_array_index (header, c), ==, columns[c]);

  /* Rows expected: one per score, one per output no judge scored. */
  for (guint m = 0; m < N_MODELS; m++)
    for (guint i = 0; i < N_INPUTS; i++)
      for (guint r = 1; r <= REPEAT; r++)
        {
          if (data->judgments->len > 0 && m != FAILED)
            scores += N_JUDGES;
          else if (!is_missing_output (m, i, r))
            unscored++;
        }
  g_assert_cmpuint (rows->len - 1, ==, scores + unscored);

  for (guint k = 1; k < rows->len; k++)
    {
      GPtrArray *row = g_ptr_array_index (rows, k);
      const char *model = cell (header, row, "model");
      const char *judge = cell (header, row, "judge");
      guint m = 0, i = 0, r, j = 0;

      g_assert_cmpuint (row->len, ==, header->len);
      g_assert_cmpstr (cell (header, row, "run"), ==, data->run->id);
      while (g_strcmp0 (models[m], model) != 0)
        g_assert_cmpuint (++m, <, N_MODELS);
      while (g_strcmp0 (inputs[i], cell (header, row, "input")) != 0)
        g_assert_cmpuint (++i, <, N_INPUTS);
      r = (guint) number (cell (header, row, "repeat"));
      g_assert_cmpuint (r, >=, 1);
      g_assert_cmpuint (r, <=, REPEAT);

      /* the output's columns */
      if (is_missing_output (m, i, r))
        {
          g_assert_cmpstr (cell (header, row, "output_status"), ==, "");
          g_assert_cmpstr (cell (header, row, "candidate_cost_usd"), ==, "");
          orphans++;
        }
      else
        {
          g_assert_cmpstr (cell (header, row, "output_status"), ==,
                           m == FAILED ? "failed" : "ok");
          if (isnan (model_cost[m]))
            {
              /* unknown is empty, never 0 */
              g_assert_cmpstr (cell (header, row, "candidate_cost_usd"), ==, "");
              g_assert_cmpstr (cell (header, row, "cost_source"), ==, "unknown");
            }
          else
            {
              g_assert_cmpfloat_with_epsilon (number (cell (header, row, "candidate_cost_usd")),
                                              model_cost[m], 1e-12);
              g_assert_cmpstr (cell (header, row, "cost_source"), ==, "billed");
            }
        }

      /* the score's columns */
      if (*judge == '\0')
        {
          g_assert_true (data->judgments->len == 0 || m == FAILED);
          g_assert_cmpstr (cell (header, row, "overall"), ==, "");
          g_assert_cmpstr (cell (header, row, "accuracy"), ==, "");
          g_assert_cmpstr (cell (header, row, "judge_error"), ==, "");
          seen_unscored++;
          continue;
        }
      seen_scores++;
      while (g_strcmp0 (judges[j], judge) != 0)
        g_assert_cmpuint (++j, <, N_JUDGES);
      if (is_judge_error (m, i, r, j))
        {
          g_assert_cmpstr (cell (header, row, "judge_error"), ==,
                           "the judge's answer is not JSON: \"oops\",\nline two");
          g_assert_cmpstr (cell (header, row, "overall"), ==, "");
          g_assert_cmpstr (cell (header, row, "brevity, tone"), ==, "");
        }
      else
        {
          double overall = overall_of (m, i, r, j);

          g_assert_cmpstr (cell (header, row, "judge_error"), ==, "");
          g_assert_cmpfloat_with_epsilon (number (cell (header, row, "overall")), overall, 1e-9);
          g_assert_cmpfloat_with_epsilon (number (cell (header, row, "accuracy")), overall / 10,
                                          1e-9);
          g_assert_cmpfloat_with_epsilon (number (cell (header, row, "brevity, tone")),
                                          overall / 10 - 0.5, 1e-9);
        }
    }
  g_assert_cmpuint (seen_scores, ==, scores);
  g_assert_cmpuint (seen_unscored, ==, unscored);
  g_assert_cmpuint (orphans, ==, data->judgments->len > 0 ? N_JUDGES : 0);
}

static void
test_csv (void)
{
  g_autoptr(TbRunData) data = make_run (TRUE);
  g_autoptr(TbRunData) unjudged = make_run (FALSE);
  g_autofree char *csv = tb_export_csv (data, 1000);
  g_autofree char *csv_unjudged = tb_export_csv (unjudged, 0);

  check_csv (data, csv);
  check_csv (unjudged, csv_unjudged);
  /* The unjudged run's rubric still names the columns (from its snapshot). */
  g_assert_true (g_str_has_prefix (csv_unjudged, "run,model,input,repeat,judge,accuracy,"
                                   "\"brevity, tone\",overall"));
}

/* Numbers keep '.' in a locale whose decimal separator is a comma (when one is installed). */
static void
test_csv_locale (void)
{
  g_autoptr(TbRunData) data = make_run (TRUE);
  const char *wanted[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8" };
  g_autofree char *before = g_strdup (setlocale (LC_NUMERIC, NULL));
  g_autofree char *csv = NULL;
  const char *set = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (wanted) && set == NULL; i++)
    set = setlocale (LC_NUMERIC, wanted[i]);
  if (set == NULL)
    {
      g_test_skip ("no locale with a decimal comma is installed");
      return;
    }
  csv = tb_export_csv (data, 1000);
  setlocale (LC_NUMERIC, before);
  check_csv (data, csv);
}

/* ---------------------------------------------------------------------------------------- */
/* Markdown                                                                                  */

/* Cells of a table line: '|' not escaped by a backslash. */
static guint
unescaped_pipes (const char *line)
{
  guint n = 0;

  for (const char *p = line; *p != '\0'; p++)
    if (*p == '\\' && p[1] != '\0')
      p++;
    else if (*p == '|')
      n++;
  return n;
}

static void
test_markdown (void)
{
  g_autoptr(TbRunData) data = make_run (TRUE);
  g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 1000);
  g_autofree char *md = tb_export_markdown (data, 1000);
  g_auto(GStrv) lines = g_strsplit (md, "\n", -1);
  guint tables = 0, rows = 0, pipes = 0;
  gboolean in_table = FALSE;

  g_assert_true (g_str_has_prefix (md, "# "));
  g_assert_null (strstr (md, "<script"));
  g_assert_null (strstr (md, "\r"));
  /* the hostile model id, its pipe and markup escaped */
  g_assert_nonnull (strstr (md, "b/evil\"\\&\\<i\\>\\|,x"));

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (!g_str_has_prefix (line, "|"))
        {
          in_table = FALSE;
          continue;
        }
      g_assert_true (g_str_has_suffix (line, "|"));
      if (!in_table)
        {
          /* a header, then its rule with as many columns */
          in_table = TRUE;
          tables++;
          pipes = unescaped_pipes (line);
          g_assert_nonnull (lines[i + 1]);
          g_assert_true (g_str_has_prefix (lines[i + 1], "| ---"));
          g_assert_cmpuint (unescaped_pipes (lines[i + 1]), ==, pipes);
          if (tables == 1)
            g_assert_true (g_str_has_prefix (line, "| Model | Mean | 95% interval |"));
          i++;
          continue;
        }
      g_assert_cmpuint (unescaped_pipes (line), ==, pipes);
      rows++;
    }
  /* the models, then the matrix (a row per input) */
  g_assert_cmpuint (tables, ==, 2);
  g_assert_cmpuint (rows, ==, N_MODELS + N_INPUTS);

  for (guint m = 0; m < N_MODELS; m++)
    if (m != FAILED)
      {
        const TbModelVerdict *model = tb_verdict_find (verdict, models[m]);
        g_autofree char *row = g_strdup_printf (" | %.1f | %.1f–%.1f | ", expected_mean (m),
                                                model->ci_low, model->ci_high);

        g_assert_nonnull (strstr (md, row));
      }
  if (verdict->warnings->len > 0)
    g_assert_nonnull (strstr (md, "## Warnings"));
}

/* ---------------------------------------------------------------------------------------- */
/* JSON                                                                                      */

static void
test_json (void)
{
  g_autoptr(TbRunData) data = make_run (TRUE);
  g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 1000);
  g_autoptr(JsonNode) document = tb_export_show_json (data, 1000);
  g_autoptr(JsonNode) summary = tb_verdict_to_json (verdict);
  g_autofree char *text = tb_export_json (data, 1000);
  g_autofree char *pretty = tb_json_to_string (document, TRUE);
  g_autofree char *rendered = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  g_autoptr(GList) members = NULL;
  const char *expected[] = { "run", "dir", "outputs", "judgment", "judgments", "costs",
                             "summary", "forecast_vs_billed" };
  JsonObject *object;
  g_autoptr(GError) error = NULL;

  /* `show --json` prints the document and a newline: so does the export. */
  g_assert_true (g_str_has_suffix (text, "\n"));
  g_assert_cmpuint (strlen (text), ==, strlen (pretty) + 1);
  g_assert_true (strncmp (text, pretty, strlen (pretty)) == 0);
  rendered = tb_export_render (data, TB_EXPORT_JSON, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rendered, ==, text);

  parsed = tb_json_parse (text, -1, "export", &error);
  g_assert_no_error (error);
  object = json_node_get_object (parsed);
  members = json_object_get_members (object);
  g_assert_cmpuint (g_list_length (members), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_true (json_object_has_member (object, expected[i]));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "run"),
                                                  "id"), ==, data->run->id);
  g_assert_cmpstr (json_object_get_string_member (object, "dir"), ==, data->run->dir);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "outputs")),
                    ==, data->outputs->len);
  g_assert_cmpint (json_object_get_int_member (object, "judgments"), ==, 1);
  g_assert_true (json_node_equal (json_object_get_member (object, "summary"), summary));
}

/* ---------------------------------------------------------------------------------------- */

static void
test_formats (void)
{
  const char *names[] = { "html", "md", "csv", "json" };
  TbExportFormat format = TB_EXPORT_JSON;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRunData) data = make_run (TRUE);

  g_assert_cmpint (G_N_ELEMENTS (names), ==, TB_EXPORT_N_FORMATS);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *text = NULL;

      g_assert_true (tb_export_format_from_string (names[i], &format, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (tb_export_format_to_string (format), ==, names[i]);
      g_assert_nonnull (tb_export_format_content_type (format));
      text = tb_export_render (data, format, 1000, &error);
      g_assert_no_error (error);
      g_assert_nonnull (text);
      g_assert_true (g_utf8_validate (text, -1, NULL));
    }
  g_assert_true (tb_export_format_from_string ("Markdown", &format, &error));
  g_assert_cmpint (format, ==, TB_EXPORT_MARKDOWN);
  g_assert_false (tb_export_format_from_string ("pdf", &format, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "html, md, csv or json"));
  g_clear_error (&error);
  g_assert_false (tb_export_format_from_string (NULL, &format, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_clear_error (&error);

  /* A save dialog's file name: the extension decides, in any case. */
  g_assert_true (tb_export_format_for_path ("/tmp/report.HTM", &format));
  g_assert_cmpint (format, ==, TB_EXPORT_HTML);
  g_assert_true (tb_export_format_for_path ("report.markdown", &format));
  g_assert_cmpint (format, ==, TB_EXPORT_MARKDOWN);
  g_assert_true (tb_export_format_for_path ("a.b/scores.csv", &format));
  g_assert_cmpint (format, ==, TB_EXPORT_CSV);
  format = TB_EXPORT_JSON;
  g_assert_false (tb_export_format_for_path ("a.html/report", &format));
  g_assert_false (tb_export_format_for_path ("report.", &format));
  g_assert_false (tb_export_format_for_path ("report.pdf", &format));
  g_assert_false (tb_export_format_for_path (NULL, &format));
  g_assert_cmpint (format, ==, TB_EXPORT_JSON);
  g_assert_null (tb_export_render (data, TB_EXPORT_N_FORMATS, 0, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
}

/* The cells `show` prints: the best says so, an unknown cost says so. */
static void
test_cells (void)
{
  g_autoptr(TbRunData) data = make_run (TRUE);
  g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 1000);
  g_autoptr(TbExportCells) best = NULL;
  g_autoptr(TbExportCells) unknown = NULL;
  g_autoptr(TbExportCells) failed = NULL;

  g_assert_cmpstr (verdict->best_overall, ==, models[GOOD]);
  best = tb_export_cells_new (verdict, tb_verdict_find (verdict, models[GOOD]));
  unknown = tb_export_cells_new (verdict, tb_verdict_find (verdict, models[UNKNOWN]));
  failed = tb_export_cells_new (verdict, tb_verdict_find (verdict, models[FAILED]));
  g_assert_cmpstr (best->vs_best, ==, "best");
  g_assert_cmpstr (best->per_input, ==, "$0.002000");
  g_assert_cmpstr (best->per_thousand, ==, "$2.00");
  g_assert_cmpstr (best->per_month, ==, "$2.00");
  g_assert_cmpstr (unknown->per_thousand, ==, "unknown");
  g_assert_cmpstr (best->latency, ==, "1.0s");
  g_assert_cmpstr (unknown->per_input, ==, "unknown");
  g_assert_cmpstr (unknown->per_month, ==, "-");
  g_assert_true (g_str_has_prefix (unknown->vs_best, "-"));
  g_assert_cmpstr (failed->mean, ==, "-");
  g_assert_cmpstr (failed->interval, ==, "-");
  g_assert_cmpuint (failed->errors, ==, N_INPUTS * REPEAT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/export/html", test_html);
  g_test_add_func ("/export/html-simulated-unjudged", test_html_simulated_and_unjudged);
  g_test_add_func ("/export/csv", test_csv);
  g_test_add_func ("/export/csv-locale", test_csv_locale);
  g_test_add_func ("/export/markdown", test_markdown);
  g_test_add_func ("/export/json", test_json);
  g_test_add_func ("/export/formats", test_formats);
  g_test_add_func ("/export/cells", test_cells);

  return g_test_run ();
}
