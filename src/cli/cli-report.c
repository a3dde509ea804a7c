/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "taskbench-cli"

#include "config.h"

#include <glib/gi18n.h>
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

    g_string_append_printf (out, "%-22s %-11s %-6s %-12s %-6s %s\n", "RUN", "STATUS", "MODELS",
                            "COST", "BEST", "INPUT");
    for (guint i = 0; i < runs->len; i++)
      {
        TbRunSummary *summary = g_ptr_array_index (runs, i);
        g_autofree char *amount = tb_format_usd (summary->rollup.total_usd);
        g_autofree char *usd = summary->rollup.unknown_calls > 0
                               ? g_strconcat (amount, "+?", NULL) : g_strdup (amount);
        g_autofree char *score = summary->has_best ? g_strdup_printf ("%.1f", summary->best_score)
                                                   : g_strdup ("-");
        g_autofree char *input = one_line (summary->inputs_label);

        g_string_append_printf (out, "%-22s %-11s %-6u %-12s %-6s %s\n", summary->id,
                                tb_run_status_to_string (summary->status),
                                g_strv_length (summary->models), usd, score, input);
      }
    g_print ("%s", out->str);
  }
  if (runs->len == 0)
    g_printerr (_("No runs of %s yet. Start one with 'taskbench-cli run %s --input FILE'.\n"),
                argv[1], argv[1]);

  return EXIT_OK;
}

static void
print_rollup_line (const char     *label,
                   const TbRollup *rollup)
{
  g_autofree char *candidates = tb_format_usd (rollup->candidate_usd);
  g_autofree char *judge = tb_format_usd (rollup->judge_usd);
  g_autofree char *total = tb_format_usd (rollup->total_usd);
  g_autofree char *name = one_line (label);
  const char *note = rollup->unknown_calls > 0 ? _("  (some unknown: at least this)")
                     : rollup->estimated_calls > 0 ? _("  (some estimated)") : "";

  g_print ("%-28s %5u %6u %6u  %12s %12s %12s  %10" G_GINT64_FORMAT " %9" G_GINT64_FORMAT
           " %9" G_GINT64_FORMAT "%s\n",
           name, rollup->runs, rollup->candidate_calls, rollup->judge_calls, candidates, judge,
           total, rollup->candidate_usage.prompt_tokens + rollup->judge_usage.prompt_tokens,
           rollup->candidate_usage.completion_tokens + rollup->judge_usage.completion_tokens,
           rollup->candidate_usage.reasoning_tokens + rollup->judge_usage.reasoning_tokens,
           note);
}

static void
print_rollup_header (const char *first)
{
  g_print ("%-28s %5s %6s %6s  %12s %12s %12s  %10s %9s %9s\n", first, "RUNS", "CALLS",
           "JUDGE", "CANDIDATES", "JUDGING", "TOTAL", "PROMPT", "COMPL", "REASON");
}

static void
print_output_row (const TbOutput *output,
                  const char     *score_text,
                  gboolean        test_set,
                  guint           repeat)
{
  g_autofree char *usd = format_cost (output->cost.usd, tb_cost_is_known (&output->cost));
  g_autofree char *latency = g_strdup_printf ("%.1fs", output->latency_ms / 1000.0);
  g_autoptr(GString) label = g_string_new (output->model);

  if (test_set)
    g_string_append_printf (label, " · %s", output->input);
  if (repeat > 1)
    g_string_append_printf (label, " #%u", output->repeat);

  g_print ("%-36s %-9s %7s %9" G_GINT64_FORMAT " %7s %8s %-14s %s%s\n", label->str,
           tb_output_status_to_string (output->status), score_text,
           output->usage.completion_tokens, latency,
           !output->has_format_check ? "-" : output->format_valid ? "valid" : "INVALID",
           usd, tb_cost_source_to_string (output->cost.source),
           output->chunks > 1 ? "  (chunked)" : "");
  if (output->error_message != NULL)
    g_print ("    error: %s\n", output->error_message);
  for (guint e = 0; output->format_errors != NULL && output->format_errors[e] != NULL && e < 5;
       e++)
    g_print ("    format: %s\n", output->format_errors[e]);
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
  for (guint c = 0; score->criteria_order != NULL && score->criteria_order[c] != NULL; c++)
    {
      double value = 0;

      tb_score_get_criterion (score, score->criteria_order[c], &value);
      g_print ("%s%s %.1f", c > 0 ? ", " : "", score->criteria_order[c], value);
    }
  g_print (")\n");
}

int
cli_cmd_show (CliContext  *cli,
              int          argc,
              char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRunData) data = NULL;
  g_autoptr(TbRunSummary) summary = NULL;
  TbJudgment *judgment = NULL;
  TbRun *run;
  int code = EXIT_OK;

  if (!cli_parse_options ("show", "RUN", "One run: outputs, scores, costs, recommendation.",
                          NULL, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli show RUN"));

  data = tb_store_load_run_data (cli->store, argv[1], &error);
  if (data == NULL)
    return cli_fail (error);
  run = data->run;
  summary = tb_run_summary_new_for (data);
  judgment = data->judgments->len > 0 ? g_ptr_array_index (data->judgments, 0) : NULL;

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      tb_json_add_node (builder, "run", tb_run_to_json (run));
      tb_json_add_string (builder, "dir", run->dir);
      json_builder_set_member_name (builder, "outputs");
      json_builder_begin_array (builder);
      for (guint i = 0; i < data->outputs->len; i++)
        json_builder_add_value (builder, tb_output_to_json (g_ptr_array_index (data->outputs,
                                                                               i)));
      json_builder_end_array (builder);
      tb_json_add_node (builder, "judgment",
                        judgment != NULL ? tb_judgment_to_json (judgment) : NULL);
      tb_json_add_int (builder, "judgments", data->judgments->len);
      tb_json_add_node (builder, "costs", tb_rollup_to_json (&summary->rollup));
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      cli_print_json (root);
      return EXIT_OK;
    }

  g_print ("Run %s · use case %s · %s\n", run->id, run->usecase,
           tb_run_status_to_string (run->status));
  for (guint i = 0; i < run->inputs->len; i++)
    {
      TbRunInput *input = g_ptr_array_index (run->inputs, i);
      g_autofree char *name = one_line (input->name);

      g_print ("input %s (%" G_GINT64_FORMAT " bytes, sha256 %.12s…)%s\n", name, input->bytes,
               input->sha256 != NULL ? input->sha256 : "",
               input->reference_file != NULL ? " · with a reference" : "");
    }
  g_print ("created %s · folder %s\n\n", run->created_at != NULL ? run->created_at : "-",
           run->dir);

  g_print ("%-36s %-9s %7s %9s %7s %8s %-14s %s\n", "MODEL", "STATUS", "SCORE", "TOKENS",
           "LATENCY", "FORMAT", "COST", "SOURCE");
  for (guint i = 0; i < data->outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (data->outputs, i);
      g_autofree char *score_text = output_score_text (judgment, output);

      print_output_row (output, score_text, tb_run_is_test_set (run), run->repeat);
    }

  if (judgment != NULL)
    {
      g_autofree char *judges = judgment->judges != NULL && judgment->judges[0] != NULL
                                ? g_strjoinv (", ", judgment->judges) : g_strdup ("-");

      g_print (ngettext ("\nLatest judgment (%s, by %s; %u judgment in all)\n",
                         "\nLatest judgment (%s, by %s; %u judgments in all)\n",
                         data->judgments->len),
               judgment->created_at, judges, data->judgments->len);
      for (guint i = 0; i < judgment->scores->len; i++)
        {
          TbScore *score = g_ptr_array_index (judgment->scores, i);
          g_autofree char *where = tb_run_is_test_set (run) && score->input != NULL
                                   ? g_strdup_printf (" · %s", score->input) : g_strdup ("");

          if (score->error != NULL)
            {
              g_print ("  %s%s: judge error: %s\n", score->model, where, score->error);
              continue;
            }
          g_print ("  %s%s: %.1f/100 ", score->model, where, score->overall);
          print_criteria (score);
          for (guint v = 0; score->violations != NULL && score->violations[v] != NULL; v++)
            g_print ("      violation: %s\n", score->violations[v]);
        }
      g_print (_("\nRecommendation\n  best overall: %s\n  best value:   %s\n  budget pick:  %s\n"),
               judgment->best_overall != NULL ? judgment->best_overall : "-",
               judgment->best_value != NULL ? judgment->best_value : "-",
               judgment->budget_pick != NULL ? judgment->budget_pick
                                             : _("none (no output scored 70 or more)"));
    }
  else
    g_print (_("\nNot judged yet: 'taskbench-cli judge %s'.\n"), run->id);

  g_print ("\nCosts\n");
  print_rollup_header ("");
  print_rollup_line ("this run", &summary->rollup);

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

      runs = tb_index_list_runs (cli->index, argv[1], &error);
      if (runs == NULL)
        return cli_fail (error);
      if (!tb_index_rollup (cli->index, argv[1], &total, NULL, NULL, &error))
        return cli_fail (error);
      /* The grand total beside it, so one command shows all three levels. */
      if (!tb_index_rollup (cli->index, NULL, &grand, &simulated, NULL, &error))
        return cli_fail (error);

      if (!cli->json)
        print_rollup_header ("RUN");
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
            print_rollup_line (summary->id, &summary->rollup);
        }
      json_builder_end_array (builder);
      tb_json_add_node (builder, "total", tb_rollup_to_json (&total));
      tb_json_add_node (builder, "grand_total", tb_rollup_to_json (&grand));
      if (!cli->json)
        {
          print_rollup_line ("total", &total);
          print_rollup_line ("all use cases", &grand);
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
        print_rollup_header ("USE CASE");
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
        print_rollup_line ("all use cases", &grand);
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
