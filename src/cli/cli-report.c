/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "taskbench-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "cli.h"

static TbJudgment *
latest_judgment (TbStore *store,
                 TbRun   *run)
{
  g_autoptr(GPtrArray) judgments = tb_store_load_judgments (store, run);

  if (judgments->len == 0)
    return NULL;
  return g_ptr_array_steal_index (judgments, 0);
}

static const TbScore *
find_score (const TbJudgment *judgment,
            const char       *model)
{
  if (judgment == NULL)
    return NULL;
  for (guint i = 0; i < judgment->scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (judgment->scores, i);

      if (g_strcmp0 (score->model, model) == 0)
        return score;
    }
  return NULL;
}

static double
best_score (const TbJudgment *judgment)
{
  double best = -1;

  if (judgment == NULL)
    return -1;
  for (guint i = 0; i < judgment->scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (judgment->scores, i);

      if (score->error == NULL)
        best = MAX (best, score->overall);
    }
  return best;
}

int
cli_cmd_runs (CliContext  *cli,
              int          argc,
              char       **argv)
{
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  int code = EXIT_OK;

  if (!cli_parse_options ("runs", "ID", _("Runs of a use case, newest first."), NULL, &argc,
                          &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli runs ID"));
  if (!tb_usecase_id_is_valid (argv[1]))
    return cli_usage_error (_("'%s' is not a valid use case id"), argv[1]);

  runs = tb_store_list_runs (cli->store, argv[1]);
  if (!cli->json)
    g_print ("%-22s %-11s %-6s %-10s %-6s %s\n", "RUN", "STATUS", "MODELS", "COST", "BEST",
             "INPUT");

  json_builder_begin_array (builder);
  for (guint i = 0; i < runs->len; i++)
    {
      TbRun *run = g_ptr_array_index (runs, i);
      g_autoptr(TbJudgment) judgment = latest_judgment (cli->store, run);
      TbRollup rollup = { 0 };
      double best = best_score (judgment);

      tb_store_rollup_run (cli->store, run, &rollup);
      if (cli->json)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, run->id);
          json_builder_set_member_name (builder, "status");
          json_builder_add_string_value (builder, run->status);
          json_builder_set_member_name (builder, "created_at");
          json_builder_add_string_value (builder, run->created_at);
          json_builder_set_member_name (builder, "input");
          json_builder_add_string_value (builder, run->input_name);
          json_builder_set_member_name (builder, "models");
          json_builder_begin_array (builder);
          for (guint m = 0; run->models != NULL && run->models[m] != NULL; m++)
            json_builder_add_string_value (builder, run->models[m]);
          json_builder_end_array (builder);
          json_builder_set_member_name (builder, "total_usd");
          json_builder_add_double_value (builder, rollup.total_usd);
          json_builder_set_member_name (builder, "best_score");
          if (best >= 0)
            json_builder_add_double_value (builder, best);
          else
            json_builder_add_null_value (builder);
          json_builder_end_object (builder);
        }
      else
        {
          g_autofree char *usd = tb_format_usd (rollup.total_usd);
          g_autofree char *score = best >= 0 ? g_strdup_printf ("%.1f", best) : g_strdup ("-");

          g_print ("%-22s %-11s %-6u %-10s %-6s %s\n", run->id, run->status,
                   run->models != NULL ? g_strv_length (run->models) : 0, usd, score,
                   run->input_name);
        }
    }
  json_builder_end_array (builder);

  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (builder);
      cli_print_json (root);
    }
  else if (runs->len == 0)
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

  g_print ("%-28s %4u %5u %5u  %12s %12s %12s  %9" G_GINT64_FORMAT " %9" G_GINT64_FORMAT
           " %9" G_GINT64_FORMAT "%s\n",
           label, rollup->runs, rollup->candidate_calls, rollup->judge_calls, candidates, judge,
           total, rollup->candidate_usage.prompt_tokens + rollup->judge_usage.prompt_tokens,
           rollup->candidate_usage.completion_tokens + rollup->judge_usage.completion_tokens,
           rollup->candidate_usage.reasoning_tokens + rollup->judge_usage.reasoning_tokens,
           rollup->estimated_calls > 0 ? "  (some estimated)" : "");
}

static void
print_rollup_header (const char *first)
{
  g_print ("%-28s %4s %5s %5s  %12s %12s %12s  %9s %9s %9s\n", first, "RUNS", "CALLS",
           "JUDGE", "CANDIDATES", "JUDGING", "TOTAL", "PROMPT", "COMPL", "REASON");
}

int
cli_cmd_show (CliContext  *cli,
              int          argc,
              char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  g_autoptr(GPtrArray) judgments = NULL;
  TbJudgment *judgment = NULL;
  TbRollup rollup = { 0 };
  int code = EXIT_OK;

  if (!cli_parse_options ("show", "RUN", "One run: outputs, scores, costs, recommendation.",
                          NULL, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli show RUN"));

  run = tb_store_load_run (cli->store, argv[1], &error);
  if (run == NULL)
    return cli_fail (error);
  outputs = tb_store_load_outputs (cli->store, run);
  judgments = tb_store_load_judgments (cli->store, run);
  judgment = judgments->len > 0 ? g_ptr_array_index (judgments, 0) : NULL;
  tb_store_rollup_run (cli->store, run, &rollup);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "run");
      json_builder_add_value (builder, tb_run_to_json (run));
      json_builder_set_member_name (builder, "dir");
      json_builder_add_string_value (builder, run->dir);
      json_builder_set_member_name (builder, "outputs");
      json_builder_begin_array (builder);
      for (guint i = 0; i < outputs->len; i++)
        json_builder_add_value (builder, tb_output_to_json (g_ptr_array_index (outputs, i)));
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "judgment");
      if (judgment != NULL)
        json_builder_add_value (builder, tb_judgment_to_json (judgment));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "judgments");
      json_builder_add_int_value (builder, judgments->len);
      json_builder_set_member_name (builder, "costs");
      json_builder_add_value (builder, cli_rollup_to_json (&rollup));
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      cli_print_json (root);
      return EXIT_OK;
    }

  g_print ("Run %s · use case %s · %s\n", run->id, run->usecase, run->status);
  g_print ("input %s (%" G_GINT64_FORMAT " bytes, sha256 %.12s…) · %s\n", run->input_name,
           run->input_bytes, run->input_sha256 != NULL ? run->input_sha256 : "",
           run->created_at);
  g_print ("folder %s\n\n", run->dir);

  g_print ("%-36s %-9s %7s %9s %7s %8s %-14s %s\n", "MODEL", "STATUS", "SCORE", "TOKENS",
           "LATENCY", "FORMAT", "COST", "SOURCE");
  for (guint i = 0; i < outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (outputs, i);
      const TbScore *score = find_score (judgment, output->model);
      g_autofree char *usd = tb_format_usd (output->cost.usd);
      g_autofree char *score_text = score == NULL ? g_strdup ("-")
                                    : score->error != NULL ? g_strdup ("error")
                                    : g_strdup_printf ("%.1f", score->overall);
      g_autofree char *latency = g_strdup_printf ("%.1fs", output->latency_ms / 1000.0);

      g_print ("%-36s %-9s %7s %9" G_GINT64_FORMAT " %7s %8s %-14s %s%s\n", output->model,
               output->status, score_text, output->usage.completion_tokens, latency,
               !output->has_format_check ? "-" : output->format_valid ? "valid" : "INVALID",
               usd, output->cost.source,
               output->chunks > 1 ? "  (chunked)" : "");
      if (output->error_message != NULL)
        g_print ("    error: %s\n", output->error_message);
      for (guint e = 0; output->format_errors != NULL && output->format_errors[e] != NULL
           && e < 5; e++)
        g_print ("    format: %s\n", output->format_errors[e]);
    }

  if (judgment != NULL)
    {
      g_print (ngettext ("\nLatest judgment (%s, by %s; %u judgment in all)\n",
                         "\nLatest judgment (%s, by %s; %u judgments in all)\n", judgments->len),
               judgment->created_at, judgment->judge_model, judgments->len);
      for (guint i = 0; i < judgment->scores->len; i++)
        {
          TbScore *score = g_ptr_array_index (judgment->scores, i);

          if (score->error != NULL)
            {
              g_print ("  %s: judge error: %s\n", score->model, score->error);
              continue;
            }
          g_print ("  %s: %.1f/100 (", score->model, score->overall);
          for (guint c = 0; score->criteria_order != NULL && score->criteria_order[c] != NULL;
               c++)
            {
              double *value = g_hash_table_lookup (score->criteria, score->criteria_order[c]);

              g_print ("%s%s %.1f", c > 0 ? ", " : "", score->criteria_order[c],
                       value != NULL ? *value : 0);
            }
          g_print (")\n");
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
  print_rollup_line ("this run", &rollup);

  return EXIT_OK;
}

static void
add_rollup_member (JsonBuilder    *builder,
                   const char     *name,
                   const TbRollup *rollup)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_value (builder, cli_rollup_to_json (rollup));
}

int
cli_cmd_costs (CliContext  *cli,
               int          argc,
               char       **argv)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  int code = EXIT_OK;

  if (!cli_parse_options ("costs", "[ID]", _("Costs per run (candidates and judge apart), per "
                          "use case, and the grand total."), NULL, &argc, &argv, &code))
    return code;
  if (argc > 2)
    return cli_usage_error (_("usage: taskbench-cli costs [ID]"));

  json_builder_begin_object (builder);

  if (argc == 2)
    {
      g_autoptr(GPtrArray) runs = NULL;
      TbRollup total = { 0 };

      if (!tb_usecase_id_is_valid (argv[1]))
        return cli_usage_error (_("'%s' is not a valid use case id"), argv[1]);
      runs = tb_store_list_runs (cli->store, argv[1]);

      if (!cli->json)
        print_rollup_header ("RUN");
      json_builder_set_member_name (builder, "usecase");
      json_builder_add_string_value (builder, argv[1]);
      json_builder_set_member_name (builder, "runs");
      json_builder_begin_array (builder);
      for (guint i = 0; i < runs->len; i++)
        {
          TbRun *run = g_ptr_array_index (runs, i);
          TbRollup rollup = { 0 };

          tb_store_rollup_run (cli->store, run, &rollup);
          if (cli->json)
            {
              json_builder_begin_object (builder);
              json_builder_set_member_name (builder, "id");
              json_builder_add_string_value (builder, run->id);
              add_rollup_member (builder, "costs", &rollup);
              json_builder_end_object (builder);
            }
          else
            print_rollup_line (run->id, &rollup);
        }
      json_builder_end_array (builder);

      tb_store_rollup_usecase (cli->store, argv[1], &total);
      add_rollup_member (builder, "total", &total);
      if (!cli->json)
        print_rollup_line ("total", &total);

      /* The grand total beside it, so one command shows all three levels. */
      {
        TbRollup grand = { 0 };

        tb_store_rollup_all (cli->store, &grand, NULL);
        add_rollup_member (builder, "grand_total", &grand);
        if (!cli->json)
          print_rollup_line ("all use cases", &grand);
      }
    }
  else
    {
      g_autoptr(GHashTable) per_usecase = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                 g_free, g_free);
      g_autoptr(GList) ids = NULL;
      TbRollup total = { 0 };

      tb_store_rollup_all (cli->store, &total, per_usecase);
      ids = g_list_sort (g_hash_table_get_keys (per_usecase), (GCompareFunc) strcmp);

      if (!cli->json)
        print_rollup_header ("USE CASE");
      json_builder_set_member_name (builder, "usecases");
      json_builder_begin_object (builder);
      for (GList *l = ids; l != NULL; l = l->next)
        {
          const TbRollup *rollup = g_hash_table_lookup (per_usecase, l->data);

          add_rollup_member (builder, l->data, rollup);
          if (!cli->json)
            print_rollup_line (l->data, rollup);
        }
      json_builder_end_object (builder);
      add_rollup_member (builder, "total", &total);
      if (!cli->json)
        print_rollup_line ("all use cases", &total);
    }

  json_builder_end_object (builder);
  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (builder);
      cli_print_json (root);
    }

  return EXIT_OK;
}
