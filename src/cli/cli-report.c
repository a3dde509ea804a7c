/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "taskbench-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "cli.h"

/* A use case named on the command line must be one: a valid id that has a file or a
 * results folder. */
static int
check_usecase_id (CliContext *cli,
                  const char *id)
{
  g_autofree char *results = NULL;
  g_autofree char *folder = NULL;

  if (!tb_usecase_id_is_valid (id))
    return cli_usage_error (_("'%s' is not a valid use case id"), id);
  results = tb_store_results_dir (cli->store);
  folder = g_build_filename (results, id, NULL);
  if (!tb_home_usecase_exists (cli->home, id) && !g_file_test (folder, G_FILE_TEST_IS_DIR))
    return cli_usage_error (_("No use case '%s' (see 'taskbench-cli usecases')"), id);
  return EXIT_OK;
}

/* A name fit for one line of a table: control characters (a newline in a file name) shown
 * as '?'. */
static char *
one_line (const char *text)
{
  char *copy = g_strdup (text != NULL ? text : "-");

  for (char *p = copy; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = '?';
  return copy;
}

static char *
format_cost (double   usd,
             gboolean known)
{
  return known ? tb_format_usd (usd) : g_strdup (_("unknown"));
}

int
cli_cmd_runs (CliContext  *cli,
              int          argc,
              char       **argv)
{
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  int code = EXIT_OK;

  if (!cli_parse_options ("runs", "ID", _("Runs of a use case, newest first."), NULL, &argc,
                          &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli runs ID"));
  code = check_usecase_id (cli, argv[1]);
  if (code != EXIT_OK)
    return code;

  runs = tb_index_list_runs (cli->index, argv[1], &error);
  if (runs == NULL)
    return cli_fail (error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < runs->len; i++)
        json_builder_add_value (builder,
                                tb_run_summary_to_json (g_ptr_array_index (runs, i)));
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      cli_print_json (root);
      return EXIT_OK;
    }

  {
    g_autoptr(GString) out = g_string_new (NULL);

    g_autofree char *titles = cli_titles ("%-22s %-11s %-6s %-12s %-6s %s\n", _("RUN"),
                                          _("STATUS"), _("MODELS"), _("COST"), _("BEST"),
                                          _("INPUT"));

    g_string_append (out, titles);
    for (guint i = 0; i < runs->len; i++)
      {
        TbRunSummary *summary = g_ptr_array_index (runs, i);
        g_autofree char *amount = tb_format_usd (summary->rollup.total_usd);
        g_autofree char *usd = summary->rollup.unknown_calls > 0
                               ? g_strconcat (amount, "+?", NULL) : g_strdup (amount);
        g_autofree char *score = summary->has_best ? g_strdup_printf ("%.1f", summary->best_score)
                                                   : g_strdup ("-");
        g_autofree char *input = one_line (summary->inputs_label);

        g_string_append_printf (out, "%-22s %-11s %-6u %-12s %-6s %s%s\n", summary->id,
                                tb_run_status_to_string (summary->status),
                                g_strv_length (summary->models), usd, score, input,
                                summary->simulated ? _("  (simulated models, not real money)")
                                                   : "");
      }
    g_print ("%s", out->str);
  }
  if (runs->len == 0)
    g_printerr (_("No runs of %s yet. Start one with 'taskbench-cli run %s --input FILE'.\n"),
                argv[1], argv[1]);

  return EXIT_OK;
}

/* `extra` (nullable) ends the line: "  (simulated)". */
static void
print_rollup_line_noted (const char     *label,
                         const TbRollup *rollup,
                         const char     *extra);

static void
print_rollup_line (const char     *label,
                   const TbRollup *rollup)
{
  print_rollup_line_noted (label, rollup, NULL);
}

static void
print_rollup_line_noted (const char     *label,
                         const TbRollup *rollup,
                         const char     *extra)
{
  g_autofree char *candidates = tb_format_usd (rollup->candidate_usd);
  g_autofree char *judge = tb_format_usd (rollup->judge_usd);
  g_autofree char *total = tb_format_usd (rollup->total_usd);
  g_autofree char *name = one_line (label);
  g_autofree char *padded = cli_pad (name, -28);
  const char *note = rollup->unknown_calls > 0 ? _("  (some unknown: at least this)")
                     : rollup->estimated_calls > 0 ? _("  (some estimated)") : "";

  g_print ("%s %5u %6u %6u  %12s %12s %12s  %10" G_GINT64_FORMAT " %9" G_GINT64_FORMAT
           " %9" G_GINT64_FORMAT "%s",
           padded, rollup->runs, rollup->candidate_calls, rollup->judge_calls, candidates, judge,
           total, rollup->candidate_usage.prompt_tokens + rollup->judge_usage.prompt_tokens,
           rollup->candidate_usage.completion_tokens + rollup->judge_usage.completion_tokens,
           rollup->candidate_usage.reasoning_tokens + rollup->judge_usage.reasoning_tokens,
           note);
  if (extra != NULL)
    g_print ("%s", extra);
  g_print ("\n");
}

static void
print_rollup_header (const char *first)
{
  /* Translators: the columns of the costs table: runs, calls, the judge's calls, dollars of
   * the candidates, of the judging and in all, and tokens of prompt, completion, reasoning. */
  cli_print_titles ("%-28s %5s %6s %6s  %12s %12s %12s  %10s %9s %9s\n", first, _("RUNS"),
                    _("CALLS"), _("JUDGE"), _("CANDIDATES"), _("JUDGING"), _("TOTAL"),
                    _("PROMPT"), _("COMPL"), _("REASON"));
}

static void
print_output_row (const TbOutput *output,
                  const char     *score_text,
                  gboolean        test_set,
                  guint           repeat,
                  int             width)
{
  g_autofree char *usd = format_cost (output->cost.usd, tb_cost_is_known (&output->cost));
  g_autofree char *latency = g_strdup_printf ("%.1fs", output->latency_ms / 1000.0);
  g_autoptr(GString) label = g_string_new (output->model);
  g_autofree char *fitted = NULL;

  if (test_set)
    g_string_append_printf (label, " · %s", output->input);
  if (repeat > 1)
    g_string_append_printf (label, " #%u", output->repeat);

  fitted = cli_fit (label->str, width);
  g_print ("%s %-9s %7s %9" G_GINT64_FORMAT " %7s %8s %-14s %s%s\n", fitted,
           tb_output_status_to_string (output->status), score_text,
           output->usage.completion_tokens, latency,
           !output->has_format_check ? "-" : output->format_valid ? "valid" : "INVALID",
           usd, tb_cost_source_to_string (output->cost.source),
           output->chunks > 1 ? "  (chunked)" : "");
  if (output->error_message != NULL)
    g_print (_("    error: %s\n"), output->error_message);
  for (guint e = 0; output->format_errors != NULL && output->format_errors[e] != NULL && e < 5;
       e++)
    g_print (_("    format: %s\n"), output->format_errors[e]);
}

/* The score of one output in a judgment: the mean of its judges. */
static char *
output_score_text (const TbJudgment *judgment,
                   const TbOutput   *output)
{
  double sum = 0;
  guint n = 0;
  gboolean errors = FALSE;

  if (judgment == NULL)
    return g_strdup ("-");
  for (guint i = 0; i < judgment->scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (judgment->scores, i);

      if (g_strcmp0 (score->model, output->model) != 0
          || (score->input != NULL && g_strcmp0 (score->input, output->input) != 0)
          || score->repeat != output->repeat)
        continue;
      if (score->error != NULL)
        errors = TRUE;
      else
        {
          sum += score->overall;
          n++;
        }
    }
  if (n > 0)
    return g_strdup_printf ("%.1f", sum / n);
  return g_strdup (errors ? "error" : "-");
}

static void
print_criteria (const TbScore *score)
{
  g_print ("(");
  for (guint c = 0; c < score->n_criteria; c++)
    g_print ("%s%s %.1f", c > 0 ? ", " : "", score->criteria[c].name, score->criteria[c].value);
  g_print (")\n");
}

static char *
format_optional_usd (gboolean known,
                     double   usd)
{
  return known ? tb_format_usd (usd) : g_strdup (_("unknown"));
}

/* The jury: α overall and per criterion, each judge's mean beside the others'. */
static void
print_agreement (const TbVerdict *verdict)
{
  const TbAgreement *agreement = verdict->agreement;

  if (agreement == NULL)
    return;
  g_print (_("\nJury agreement\n"));
  if (agreement->has_alpha)
    g_print (_("  Krippendorff's α on overall: %.2f%s\n"), agreement->alpha,
             agreement->alpha < TB_VERDICT_ALPHA_LOW ? _(" (the judges disagree)") : "");
  else
    g_print (_("  Krippendorff's α on overall: - (too few outputs scored by two judges)\n"));
  for (guint c = 0; agreement->criteria_order != NULL && agreement->criteria_order[c]; c++)
    {
      const double *alpha = g_hash_table_lookup (agreement->criteria,
                                                 agreement->criteria_order[c]);

      if (alpha != NULL)
        g_print ("    %-20s α %.2f\n", agreement->criteria_order[c], *alpha);
    }
  for (guint j = 0; j < agreement->judges->len; j++)
    {
      const TbJudgeMean *judge = g_ptr_array_index (agreement->judges, j);

      g_print (_("  %-36s mean %5.1f over %u scores%s\n"), judge->model, judge->mean, judge->n,
               g_strcmp0 (judge->model, agreement->outlier) == 0 ? _("  ← the outlier") : "");
    }
}

/* Pairwise: wins, ties and contradictions per pair, and the ranking by win rate. */
static void
print_pairwise (const TbVerdict *verdict)
{
  const TbPairwise *pairwise = verdict->pairwise;

  if (pairwise == NULL)
    return;
  g_print (_("\nPairwise (each pair judged in both orders; a win counts when both agree)\n"));
  g_print ("  %-30s %-30s %6s %6s %6s %13s\n", "A", "B", _("A WINS"), _("B WINS"), _("TIES"),
           _("INCONSISTENT"));
  for (guint i = 0; i < pairwise->pairs->len; i++)
    {
      const TbPairTally *pair = g_ptr_array_index (pairwise->pairs, i);

      g_print ("  %-30s %-30s %6u %6u %6u %13u\n", pair->a, pair->b, pair->a_wins,
               pair->b_wins, pair->ties, pair->inconsistent);
    }
  g_print (_("\n  Ranking by win rate\n"));
  for (guint i = 0; i < pairwise->ranking->len; i++)
    {
      const TbPairRank *rank = g_ptr_array_index (pairwise->ranking, i);

      g_print (_("  %u. %-36s %5.1f%%  (%u won, %u lost, %u tied)\n"), i + 1, rank->model,
               rank->win_rate * 100, rank->wins, rank->losses, rank->ties);
    }
  if (pairwise->comparisons > 0 && pairwise->inconsistent == 0)
    g_print (_("\n  The judge never contradicted itself when the outputs were swapped (%u "
               "pairs).\n"), pairwise->comparisons);
  else if (pairwise->comparisons > 0)
    g_print (_("\n  The judge contradicted itself in %u of %u pairs (%.0f%%); in %u of them it "
               "chose the output shown first both times.\n"), pairwise->inconsistent,
             pairwise->comparisons, 100.0 * pairwise->inconsistent / pairwise->comparisons,
             pairwise->first_position_wins);
}

/* How far the judges are from a person's ratings. */
static void
print_human (const TbVerdict *verdict)
{
  if (verdict->human == NULL || verdict->human->len == 0)
    return;
  g_print (_("\nAgreement with your ratings\n"));
  for (guint i = 0; i < verdict->human->len; i++)
    {
      const TbHumanAgreement *human = g_ptr_array_index (verdict->human, i);
      g_autofree char *rho = human->has_spearman ? g_strdup_printf ("%.2f", human->spearman)
                                                 : g_strdup ("-");

      g_print (_("  %-36s mean difference %5.1f points, Spearman ρ %s, n %u\n"),
               human->judge != NULL ? human->judge : _("the judges' mean"), human->mae, rho,
               human->n);
    }
}

/* The verdict as a table: mean with its interval, the paired difference to the best, cost
 * per input and at volume, latency, errors; the tie in words; the weakest inputs first. */
static void
print_verdict (const TbVerdict *verdict,
               const TbRun     *run)
{
  g_autofree char *words = tb_verdict_describe (verdict);
  g_autofree char *tied = tb_verdict_tied_note (verdict);
  g_autofree char *best = NULL;

  g_print (_("\nVerdict%s\n  %s\n\n"), verdict->simulated ? _(" (simulated models)") : "",
           words);
  /* Translators: the verdict's columns; P50 is the median latency, ERR the failed calls. */
  cli_print_titles ("  %-36s %6s %12s %22s %11s %9s %11s %7s %4s\n", _("MODEL"), _("MEAN"),
                    _("95% INTERVAL"), _("VS BEST (95%)"), _("$/INPUT"), _("$/1K"),
                    _("$/MONTH"), _("P50"), _("ERR"));
  for (guint i = 0; i < verdict->models->len; i++)
    {
      const TbModelVerdict *model = g_ptr_array_index (verdict->models, i);
      g_autoptr(TbExportCells) cells = tb_export_cells_new (verdict, model);

      g_print ("  %-36s %6s %12s %22s %11s %9s %11s %7s %4u\n", model->model, cells->mean,
               cells->interval, cells->vs_best, cells->per_input, cells->per_thousand,
               cells->per_month, cells->latency, cells->errors);
    }
  /* The best with the models it is tied with: a tie is named on this line too. */
  if (tied != NULL)
    best = g_strdup_printf ("%s (%s)", verdict->best_overall, tied);
  g_print (_("\n  best overall: %s\n  best value:   %s\n  budget pick:  %s\n"),
           best != NULL ? best : verdict->best_overall != NULL ? verdict->best_overall : "-",
           verdict->best_value != NULL ? verdict->best_value : "-",
           verdict->budget_pick != NULL ? verdict->budget_pick
                                        : _("none (no model is surely above 70)"));
  print_agreement (verdict);
  print_pairwise (verdict);
  print_human (verdict);
  if (verdict->warnings->len > 0)
    {
      g_print (_("\nWarnings\n"));
      for (guint i = 0; i < verdict->warnings->len; i++)
        g_print ("  - %s\n", (char *) g_ptr_array_index (verdict->warnings, i));
    }
  (void) run;
}

/* The model × input matrix, weakest inputs first: where a model fails, not just its mean. */
static void
print_matrix (TbRunData       *data,
              const TbVerdict *verdict)
{
  g_autoptr(TbScoreMatrix) matrix = tb_score_matrix_new (data, verdict);

  if (matrix == NULL || matrix->n_inputs < 2)
    return;

  /* Model ids are too long for columns: numbered, with a legend. */
  g_print (_("\nScores per input (weakest first)\n"));
  for (guint m = 0; m < matrix->n_models; m++)
    g_print ("  [%u] %s\n", m + 1, matrix->models[m]);
  cli_print_titles ("  %-28s", _("INPUT"));
  for (guint m = 0; m < matrix->n_models; m++)
    {
      g_autofree char *column = g_strdup_printf ("[%u]", m + 1);

      g_print (" %8s", column);
    }
  g_print ("\n");
  for (guint i = 0; i < matrix->n_inputs; i++)
    {
      g_autofree char *name = one_line (matrix->inputs[i]);
      g_autofree char *fitted = cli_fit (name, 28);

      g_print ("  %s", fitted);
      for (guint m = 0; m < matrix->n_models; m++)
        {
          double cell = tb_score_matrix_get (matrix, i, m);

          if (isnan (cell))
            g_print (" %8s", "-");
          else
            g_print (" %8.1f", cell);
        }
      g_print ("\n");
    }
}

void
cli_print_run_verdict (CliContext *cli,
                       const char *run_id,
                       gboolean    table)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRunData) data = tb_store_load_run_data_lean (cli->store, run_id, &error);
  g_autoptr(TbVerdict) verdict = NULL;

  if (data == NULL)
    {
      cli_warn ("%s", error->message);
      return;
    }
  verdict = tb_verdict_for_run (data, tb_verdict_inputs_per_month (data->run));
  if (table)
    {
      print_verdict (verdict, data->run);
      print_matrix (data, verdict);
    }
  else
    {
      g_autofree char *words = tb_verdict_describe (verdict);

      g_printerr ("%s\n", words);
      for (guint i = 0; i < verdict->warnings->len; i++)
        g_printerr (_("Warning: %s\n"), (char *) g_ptr_array_index (verdict->warnings, i));
    }
}

/* The forecast made before the run beside what was paid. */
static void
print_forecast_check (TbRunData *data)
{
  g_autoptr(GPtrArray) checks = tb_forecast_against_billing (data);

  if (checks == NULL || checks->len == 0)
    return;
  g_print (_("\nForecast and billing\n"));
  cli_print_titles ("  %-44s %11s %11s %8s\n", _("MODEL"), _("FORECAST"), _("BILLED"),
                    _("OFF BY"));
  for (guint i = 0; i < checks->len; i++)
    {
      const TbForecastCheck *check = g_ptr_array_index (checks, i);
      g_autofree char *name = g_strdup_printf ("%s%s", check->judge ? _("judge ") : "",
                                               check->model);
      g_autofree char *forecast = format_optional_usd (check->forecast_known,
                                                       check->forecast_usd);
      g_autofree char *billed = format_optional_usd (check->billed_known, check->billed_usd);
      g_autofree char *off = check->forecast_known && check->billed_known
                             && check->forecast_usd > 0
                             ? g_strdup_printf ("%+.0f%%", 100 * (check->billed_usd
                                                                  - check->forecast_usd)
                                                           / check->forecast_usd)
                             : g_strdup ("-");

      g_print ("  %-44s %11s %11s %8s\n", name, forecast, billed, off);
    }
}

int
cli_cmd_show (CliContext  *cli,
              int          argc,
              char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRunData) data = NULL;
  g_autoptr(TbRunSummary) summary = NULL;
  g_autoptr(TbVerdict) verdict = NULL;
  TbJudgment *judgment = NULL;
  TbRun *run;
  int code = EXIT_OK;
  int width = 36;

  if (!cli_parse_options ("show", "RUN", "One run: outputs, scores, costs, recommendation.",
                          NULL, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli show RUN"));

  data = tb_store_load_run_data (cli->store, argv[1], &error);
  if (data == NULL)
    return cli_fail (error);
  run = data->run;
  /* The document is the core's, so that `export --format json` prints the same. */
  if (cli->json)
    {
      g_autoptr(JsonNode) root = tb_export_show_json (data, tb_verdict_inputs_per_month (run));

      cli_print_json (root);
      return EXIT_OK;
    }
  summary = tb_run_summary_new_for (data);
  judgment = data->judgments->len > 0 ? g_ptr_array_index (data->judgments, 0) : NULL;
  verdict = tb_verdict_for_run (data, tb_verdict_inputs_per_month (run));

  g_print (_("Run %s · use case %s · %s%s\n"), run->id, run->usecase,
           tb_run_status_to_string (run->status),
           run->simulated ? _(" · simulated models (made up answers, not real money)") : "");
  for (guint i = 0; i < run->inputs->len; i++)
    {
      TbRunInput *input = g_ptr_array_index (run->inputs, i);
      g_autofree char *name = one_line (input->name);

      g_print (_("input %s (%lld bytes, sha256 %.12s…)%s\n"), name,
               (long long) input->bytes, input->sha256 != NULL ? input->sha256 : "",
               input->reference_file != NULL ? _(" · with a reference") : "");
    }
  g_print (_("created %s · folder %s\n\n"), run->created_at != NULL ? run->created_at : "-",
           run->dir);

  /* As wide as the longest "model · input #repeat" label, so the columns line up. */
  for (guint i = 0; i < data->outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (data->outputs, i);
      int length = (int) g_utf8_strlen (output->model, -1);

      if (tb_run_is_test_set (run) && output->input != NULL)
        length += 3 + (int) g_utf8_strlen (output->input, -1);
      if (run->repeat > 1)
        length += 4;
      width = MAX (width, MIN (length, 72));
    }
  cli_print_titles ("%-*s %-9s %7s %9s %7s %8s %-14s %s\n", width, _("MODEL"), _("STATUS"),
                    _("SCORE"), _("TOKENS"), _("LATENCY"), _("FORMAT"), _("COST"), _("SOURCE"));
  for (guint i = 0; i < data->outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (data->outputs, i);
      g_autofree char *score_text = output_score_text (judgment, output);

      print_output_row (output, score_text, tb_run_is_test_set (run), run->repeat, width);
    }

  if (judgment != NULL)
    {
      g_autofree char *judges = judgment->judges != NULL && judgment->judges[0] != NULL
                                ? g_strjoinv (", ", judgment->judges) : g_strdup ("-");

      g_print (ngettext ("\nLatest judgment (%s, by %s; %u judgment in all)\n",
                         "\nLatest judgment (%s, by %s; %u judgments in all)\n",
                         data->judgments->len),
               judgment->created_at, judges, data->judgments->len);
      /* Each score in full while it fits on a screen; a test set's are in the matrix below
       * and in `show --json`. */
      for (guint i = 0; judgment->scores->len <= 12 && i < judgment->scores->len; i++)
        {
          TbScore *score = g_ptr_array_index (judgment->scores, i);
          g_autofree char *where = tb_run_is_test_set (run) && score->input != NULL
                                   ? g_strdup_printf (" · %s", score->input) : g_strdup ("");

          if (score->error != NULL)
            {
              g_print (_("  %s%s: judge error: %s\n"), score->model, where, score->error);
              continue;
            }
          g_print ("  %s%s: %.1f/100 ", score->model, where, score->overall);
          print_criteria (score);
          for (guint v = 0; score->violations != NULL && score->violations[v] != NULL; v++)
            g_print (_("      violation: %s\n"), score->violations[v]);
        }
      print_verdict (verdict, run);
    }
  else
    g_print (run->simulated ? _("\nNot judged yet: 'taskbench-cli --demo judge %s'.\n")
                            : _("\nNot judged yet: 'taskbench-cli judge %s'.\n"), run->id);

  if (judgment != NULL)
    print_matrix (data, verdict);

  print_forecast_check (data);

  g_print (_("\nCosts\n"));
  print_rollup_header ("");
  print_rollup_line_noted (_("this run"), &summary->rollup,
                           run->simulated ? _("  (simulated)") : NULL);

  return EXIT_OK;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (a, b);
}

int
cli_cmd_costs (CliContext  *cli,
               int          argc,
               char       **argv)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GError) error = NULL;
  TbRollup grand = { 0 };
  TbRollup simulated = { 0 };
  int code = EXIT_OK;

  if (!cli_parse_options ("costs", "[ID]", _("Costs per run (candidates and judge apart), per "
                          "use case, and the grand total."), NULL, &argc, &argv, &code))
    return code;
  if (argc > 2)
    return cli_usage_error (_("usage: taskbench-cli costs [ID]"));
  if (argc == 2)
    {
      code = check_usecase_id (cli, argv[1]);
      if (code != EXIT_OK)
        return code;
    }

  json_builder_begin_object (builder);

  if (argc == 2)
    {
      g_autoptr(GPtrArray) runs = NULL;
      TbRollup total = { 0 };
      TbRollup total_simulated = { 0 };

      runs = tb_index_list_runs (cli->index, argv[1], &error);
      if (runs == NULL)
        return cli_fail (error);
      if (!tb_index_rollup (cli->index, argv[1], &total, &total_simulated, NULL, &error))
        return cli_fail (error);
      /* The grand total beside it, so one command shows all three levels. */
      if (!tb_index_rollup (cli->index, NULL, &grand, &simulated, NULL, &error))
        return cli_fail (error);

      if (!cli->json)
        print_rollup_header (_("RUN"));
      tb_json_add_string (builder, "usecase", argv[1]);
      json_builder_set_member_name (builder, "runs");
      json_builder_begin_array (builder);
      for (guint i = 0; i < runs->len; i++)
        {
          TbRunSummary *summary = g_ptr_array_index (runs, i);

          if (cli->json)
            {
              json_builder_begin_object (builder);
              tb_json_add_string (builder, "id", summary->id);
              tb_json_add_node (builder, "costs", tb_rollup_to_json (&summary->rollup));
              json_builder_end_object (builder);
            }
          else
            print_rollup_line_noted (summary->id, &summary->rollup,
                                     summary->simulated ? _("  (simulated)") : NULL);
        }
      json_builder_end_array (builder);
      tb_json_add_node (builder, "total", tb_rollup_to_json (&total));
      tb_json_add_node (builder, "grand_total", tb_rollup_to_json (&grand));
      /* Simulated runs are listed, but their dollars are summed apart from real money. */
      if (total_simulated.runs > 0)
        tb_json_add_node (builder, "total_simulated", tb_rollup_to_json (&total_simulated));
      if (!cli->json)
        {
          print_rollup_line ("total", &total);
          if (total_simulated.runs > 0)
            print_rollup_line (_("total simulated (not real)"), &total_simulated);
          print_rollup_line (_("all use cases"), &grand);
        }
    }
  else
    {
      g_autoptr(GHashTable) per_usecase = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                 g_free, g_free);
      g_autoptr(GList) ids = NULL;

      if (!tb_index_rollup (cli->index, NULL, &grand, &simulated, per_usecase, &error))
        return cli_fail (error);
      ids = g_list_sort (g_hash_table_get_keys (per_usecase), compare_strings);

      if (!cli->json)
        print_rollup_header (_("USE CASE"));
      json_builder_set_member_name (builder, "usecases");
      json_builder_begin_object (builder);
      for (GList *l = ids; l != NULL; l = l->next)
        {
          const TbRollup *rollup = g_hash_table_lookup (per_usecase, l->data);

          tb_json_add_node (builder, l->data, tb_rollup_to_json (rollup));
          if (!cli->json)
            print_rollup_line (l->data, rollup);
        }
      json_builder_end_object (builder);
      tb_json_add_node (builder, "total", tb_rollup_to_json (&grand));
      if (!cli->json)
        print_rollup_line (_("all use cases"), &grand);
    }

  if (simulated.runs > 0)
    {
      tb_json_add_node (builder, "simulated", tb_rollup_to_json (&simulated));
      if (!cli->json)
        print_rollup_line (_("simulated (not real money)"), &simulated);
    }

  json_builder_end_object (builder);
  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (builder);
      cli_print_json (root);
    }

  return EXIT_OK;
}

int
cli_cmd_summary (CliContext  *cli,
                 int          argc,
                 char       **argv)
{
  g_autoptr(TbUsecaseSummary) pooled = NULL;
  g_autoptr(TbUsecase) usecase = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *usecase_path = NULL;
  TbVerdict *verdict;
  int code = EXIT_OK;
  guint judged;

  if (!cli_parse_options ("summary", "ID", _("Per model across every judged run of a use case: "
                          "mean with its interval, cost per input, wins."), NULL, &argc, &argv,
                          &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli summary ID"));
  code = check_usecase_id (cli, argv[1]);
  if (code != EXIT_OK)
    return code;

  usecase_path = tb_home_usecase_path (cli->home, argv[1]);
  usecase = tb_usecase_load_file (usecase_path, NULL);
  /* The core's summary: the window's Summary page reads the same. */
  pooled = tb_usecase_summary_load (cli->store, cli->index, argv[1],
                                    usecase != NULL ? usecase->inputs_per_month : 0, NULL,
                                    &error);
  if (pooled == NULL)
    return cli_fail (error);
  for (guint i = 0; i < pooled->warnings->len; i++)
    cli_warn ("%s", (const char *) g_ptr_array_index (pooled->warnings, i));
  verdict = pooled->verdict;
  judged = pooled->judged_runs;

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      tb_json_add_string (builder, "usecase", argv[1]);
      tb_json_add_int (builder, "runs", judged);
      tb_json_add_node (builder, "summary", tb_usecase_summary_to_json (pooled));
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      cli_print_json (root);
      return EXIT_OK;
    }

  if (judged == 0)
    {
      g_printerr (_("No judged run of %s yet.\n"), argv[1]);
      return EXIT_OK;
    }
  g_print (ngettext ("%s: %u judged run\n", "%s: %u judged runs\n", judged), argv[1], judged);
  print_verdict (verdict, NULL);
  cli_print_titles ("\n  %-36s %5s %5s\n", _("MODEL"), _("RUNS"), _("WINS"));
  for (guint i = 0; i < verdict->models->len; i++)
    {
      const TbModelVerdict *model = g_ptr_array_index (verdict->models, i);

      g_print ("  %-36s %5u %5u\n", model->model,
               tb_usecase_summary_runs_of (pooled, model->model),
               tb_usecase_summary_wins_of (pooled, model->model));
    }
  return EXIT_OK;
}
