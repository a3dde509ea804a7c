/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "taskbench-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Live progress on stderr: on a terminal one line per model, redrawn in place; otherwise
 * one plain line each time a model changes state. */
typedef struct {
  TbRunner     *runner;
  gboolean      tty;
  guint         drawn_lines;
  GArray       *last_states;   /* TbCallState per call, for plain output */
  gint64        last_draw_us;
  guint         redraw_id;
  gboolean      done;
  TbRun        *run;
  GError       *error;
} Progress;

static char *
describe_call (const TbCallProgress *call,
               const char           *phase)
{
  double seconds = call->elapsed_ms / 1000.0;
  g_autofree char *chunk = call->chunks > 0
                           ? g_strdup_printf (" (part %u/%u)", call->chunk, call->chunks)
                           : g_strdup ("");

  switch (call->state)
    {
    case TB_CALL_QUEUED:
      return g_strdup ("queued");
    case TB_CALL_RUNNING:
      if (call->tokens == 0)
        return g_strdup_printf ("waiting%s  %.1fs", chunk, seconds);
      return g_strdup_printf ("%s%s  %" G_GUINT64_FORMAT " tokens  %.1fs",
                              g_str_equal (phase, "judge") ? "judging" : "streaming", chunk,
                              call->tokens, seconds);
    case TB_CALL_RETRYING:
      return g_strdup_printf ("retrying: %s", call->message != NULL ? call->message : "");
    case TB_CALL_DONE:
      {
        g_autofree char *usd = tb_format_usd (call->cost_usd);

        if (g_str_equal (phase, "judge") && call->score >= 0)
          return g_strdup_printf ("scored %.1f  %s %s  %.1fs", call->score, usd,
                                  call->cost_source != NULL ? call->cost_source : "", seconds);
        return g_strdup_printf ("done  %s %s  %.1fs", usd,
                                call->cost_source != NULL ? call->cost_source : "", seconds);
      }
    case TB_CALL_FAILED:
      return g_strdup_printf ("failed: %s", call->message != NULL ? call->message : "unknown");
    case TB_CALL_CANCELLED:
      return g_strdup ("cancelled");
    default:
      return g_strdup ("?");
    }
}

static void
draw_tty (Progress *progress)
{
  GPtrArray *calls = tb_runner_get_calls (progress->runner);
  const char *phase = tb_runner_get_phase (progress->runner);
  g_autoptr(GString) out = g_string_new (NULL);
  guint width = 0;

  for (guint i = 0; i < calls->len; i++)
    width = MAX (width, strlen (((TbCallProgress *) g_ptr_array_index (calls, i))->model));
  width = MIN (width, 48);

  if (progress->drawn_lines > 0)
    g_string_append_printf (out, "\033[%uA", progress->drawn_lines);
  for (guint i = 0; i < calls->len; i++)
    {
      TbCallProgress *call = g_ptr_array_index (calls, i);
      g_autofree char *text = describe_call (call, phase);

      g_string_append_printf (out, "\r\033[2K%s %-*.*s  %s\n",
                              g_str_equal (phase, "judge") ? "judge" : "  run",
                              width, width, call->model, text);
    }
  progress->drawn_lines = calls->len;
  progress->last_draw_us = g_get_monotonic_time ();
  fputs (out->str, stderr);
  fflush (stderr);
}

static gboolean
redraw_cb (gpointer user_data)
{
  Progress *progress = user_data;

  progress->redraw_id = 0;
  draw_tty (progress);
  return G_SOURCE_REMOVE;
}

static void
progress_cb (TbRunner *runner,
             guint     index,
             gpointer  user_data)
{
  Progress *progress = user_data;
  GPtrArray *calls = tb_runner_get_calls (runner);
  TbCallProgress *call = g_ptr_array_index (calls, index);

  if (progress->tty)
    {
      /* A call that ends is drawn at once; streaming redraws at most ten times a second,
       * whatever the token rate. */
      if (call->state == TB_CALL_DONE || call->state == TB_CALL_FAILED
          || call->state == TB_CALL_CANCELLED)
        {
          g_clear_handle_id (&progress->redraw_id, g_source_remove);
          draw_tty (progress);
        }
      else if (progress->redraw_id == 0)
        progress->redraw_id = g_timeout_add (100, redraw_cb, progress);
      return;
    }

  if (progress->last_states->len < calls->len)
    {
      guint old = progress->last_states->len;

      g_array_set_size (progress->last_states, calls->len);
      for (guint i = old; i < calls->len; i++)
        g_array_index (progress->last_states, int, i) = -1;
    }
  if (g_array_index (progress->last_states, int, index) != (int) call->state
      || call->state == TB_CALL_RETRYING)
    {
      g_autofree char *text = describe_call (call, tb_runner_get_phase (runner));

      if (call->state != TB_CALL_RUNNING || call->tokens == 0)
        g_printerr ("%s %s: %s\n", tb_runner_get_phase (runner), call->model, text);
      g_array_index (progress->last_states, int, index) = call->state;
    }
}

static void
phase_changed_cb (TbRunner *runner,
                  gpointer  user_data)
{
  Progress *progress = user_data;

  /* The run's last frame stays on screen; the judge's rows start below it. */
  g_clear_handle_id (&progress->redraw_id, g_source_remove);
  progress->drawn_lines = 0;
  g_array_set_size (progress->last_states, 0);
  g_printerr (_("Judging with %s…\n"), tb_runner_get_judge_model (runner));
  if (progress->tty)
    draw_tty (progress);
}

static void
print_new_warnings (TbRunner *runner,
                    guint    *printed)
{
  GPtrArray *warnings = tb_runner_get_warnings (runner);

  for (; *printed < warnings->len; (*printed)++)
    cli_warn ("%s", (char *) g_ptr_array_index (warnings, *printed));
}

static guint warnings_printed;

static void
run_created_cb (TbRunner *runner,
                gpointer  user_data)
{
  Progress *progress = user_data;
  TbRun *run = tb_runner_get_run (runner);

  print_new_warnings (runner, &warnings_printed);
  g_printerr ("Run %s: %s on %u model%s\n", run->id, run->input_name,
              g_strv_length (run->models), g_strv_length (run->models) == 1 ? "" : "s");
  if (progress->tty)
    draw_tty (progress);
}

static void
finished_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Progress *progress = user_data;

  progress->run = tb_runner_finish (TB_RUNNER (source), result, &progress->error);
  progress->done = TRUE;
}

typedef enum {
  JOB_RUN,
  JOB_RESUME,
  JOB_JUDGE,
} JobKind;

typedef struct {
  JobKind     kind;
  TbUsecase  *usecase;
  const char *input_name;
  const char *input;
  gsize       input_length;
  const char *const *models;
  const char *run_id;
} JobSpec;

/* Runs one runner job to its end with live progress; returns the run as it ended. */
static TbRun *
drive (TbRunner       *runner,
       const JobSpec  *spec,
       GError        **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Progress progress = { 0 };
  gulong ids[3];

  progress.runner = runner;
  progress.tty = isatty (STDERR_FILENO) && g_getenv ("TERM") != NULL
                 && g_strcmp0 (g_getenv ("TERM"), "dumb") != 0;
  progress.last_states = g_array_new (FALSE, TRUE, sizeof (int));
  warnings_printed = 0;

  ids[0] = g_signal_connect (runner, "progress", G_CALLBACK (progress_cb), &progress);
  ids[1] = g_signal_connect (runner, "run-created", G_CALLBACK (run_created_cb), &progress);
  ids[2] = g_signal_connect (runner, "phase-changed", G_CALLBACK (phase_changed_cb),
                             &progress);

  switch (spec->kind)
    {
    case JOB_RUN:
      tb_runner_run_async (runner, spec->usecase, spec->input_name, spec->input,
                           spec->input_length, spec->models, cancellable, finished_cb,
                           &progress);
      break;
    case JOB_RESUME:
      tb_runner_resume_async (runner, spec->run_id, cancellable, finished_cb, &progress);
      break;
    case JOB_JUDGE:
      tb_runner_judge_async (runner, spec->run_id, cancellable, finished_cb, &progress);
      break;
    default:
      g_assert_not_reached ();
    }

  cli_wait (&progress.done, cancellable);

  if (progress.tty && progress.drawn_lines > 0)
    {
      g_clear_handle_id (&progress.redraw_id, g_source_remove);
      draw_tty (&progress);
    }
  g_clear_handle_id (&progress.redraw_id, g_source_remove);
  print_new_warnings (runner, &warnings_printed);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_signal_handler_disconnect (runner, ids[i]);
  g_array_unref (progress.last_states);

  if (progress.error != NULL)
    g_propagate_error (error, progress.error);
  return progress.run;
}

static int
exit_code_for_status (const char *status)
{
  return g_strcmp0 (status, "done") == 0 ? EXIT_OK : EXIT_FAILURE_;
}

static JsonNode *
run_summary_json (TbRun      *run,
                  TbJudgment *judgment)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "run");
  json_builder_add_string_value (builder, run->id);
  json_builder_set_member_name (builder, "usecase");
  json_builder_add_string_value (builder, run->usecase);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, run->status);
  json_builder_set_member_name (builder, "dir");
  json_builder_add_string_value (builder, run->dir);
  if (judgment != NULL)
    {
      json_builder_set_member_name (builder, "judgment");
      json_builder_add_value (builder, tb_judgment_to_json (judgment));
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static void
print_outcome (CliContext *cli,
               TbRun      *run,
               TbRunner   *runner)
{
  TbJudgment *judgment = tb_runner_get_judgment (runner);

  if (cli->json)
    {
      g_autoptr(JsonNode) node = run_summary_json (run, judgment);
      cli_print_json (node);
      return;
    }

  g_printerr (_("Run %s %s. See 'taskbench-cli show %s'.\n"), run->id, run->status, run->id);
  if (judgment != NULL && judgment->best_overall != NULL)
    g_printerr (_("Best overall: %s · best value: %s · budget pick: %s\n"),
                judgment->best_overall,
                judgment->best_value != NULL ? judgment->best_value : "-",
                judgment->budget_pick != NULL ? judgment->budget_pick : "none ≥ 70");
  g_print ("%s\n", run->id);
}

static TbRunner *
make_runner (TbClient *client,
             CliContext *cli,
             gboolean  need_catalog)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCatalog) catalog = NULL;

  if (need_catalog)
    {
      catalog = cli_load_catalog (client, FALSE, &error);
      if (catalog == NULL)
        cli_warn (_("%s; running without prices or context sizes"), error->message);
    }

  return tb_runner_new (client, cli->store, catalog, 0);
}

/* OpenRouter needs a key; a local server usually does not. */
static gboolean
check_key (TbClient *client)
{
  if (!tb_client_needs_api_key (client))
    return TRUE;

  g_printerr (_("taskbench-cli: OPENROUTER_API_KEY is not set. Get a key at "
              "https://openrouter.ai/keys and run:\n"
              "  export OPENROUTER_API_KEY=sk-or-…\n"
              "or point TASKBENCH_BASE_URL at a local OpenAI-compatible server "
              "(e.g. http://localhost:11434/v1 for Ollama).\n"));
  return FALSE;
}

static char **
pick_models (CliContext *cli,
             TbUsecase  *usecase,
             const char *models_arg,
             gboolean    auto_pick,
             TbCatalog  *catalog,
             gint64      input_tokens,
             guint       count,
             GError    **error)
{
  const char *fallback = g_getenv ("GENERAL_TASK_LLM");

  if (models_arg != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (models_arg, ",", -1);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; parts[i] != NULL; i++)
        {
          g_strstrip (parts[i]);
          if (*parts[i] != '\0')
            g_strv_builder_add (builder, parts[i]);
        }
      return g_strv_builder_end (builder);
    }

  if (auto_pick)
    {
      g_autoptr(GPtrArray) picks = NULL;
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      if (catalog == NULL)
        {
          g_set_error_literal (error, TB_ERROR, TB_ERROR_FAILED,
                               _("--auto needs the model catalog, which could not be loaded"));
          return NULL;
        }
      picks = tb_recommend (catalog, usecase, input_tokens, count);
      for (guint i = 0; i < picks->len; i++)
        {
          TbPick *pick = g_ptr_array_index (picks, i);

          g_printerr ("picked %s: %s\n", pick->model->id, pick->reason);
          g_strv_builder_add (builder, pick->model->id);
        }
      if (picks->len == 0)
        {
          g_set_error_literal (error, TB_ERROR, TB_ERROR_FAILED,
                               _("No model in the catalog fits this use case and input"));
          return NULL;
        }
      return g_strv_builder_end (builder);
    }

  if (usecase->candidates != NULL && usecase->candidates[0] != NULL)
    return g_strdupv (usecase->candidates);
  if (fallback != NULL && *fallback != '\0')
    {
      char *one[] = { (char *) fallback, NULL };
      return g_strdupv (one);
    }

  g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID,
                       _("No models: pass --models A,B or --auto, list models.candidates in the "
                       "use case, or set GENERAL_TASK_LLM"));
  return NULL;
}

int
cli_cmd_run (CliContext  *cli,
             int          argc,
             char       **argv)
{
  g_autofree char *input_path = NULL;
  g_autofree char *models_arg = NULL;
  g_autofree char *reference_path = NULL;
  g_autofree char *judge_model_arg = NULL;
  gboolean auto_pick = FALSE;
  gboolean judge = FALSE;
  int count = 3;
  GOptionEntry entries[] = {
    { "input", 0, 0, G_OPTION_ARG_FILENAME, &input_path, N_("The input file (UTF-8 text)"),
      "FILE" },
    { "models", 0, 0, G_OPTION_ARG_STRING, &models_arg, N_("Comma-separated model ids"), "A,B" },
    { "auto", 0, 0, G_OPTION_ARG_NONE, &auto_pick, N_("Run the recommended candidates"), NULL },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, N_("With --auto: how many (default 3)"), "N" },
    { "judge", 0, 0, G_OPTION_ARG_NONE, &judge, N_("Judge the outputs after the run"), NULL },
    { "judge-model", 0, 0, G_OPTION_ARG_STRING, &judge_model_arg, "The judge (implies --judge)",
      "MODEL" },
    { "reference", 0, 0, G_OPTION_ARG_FILENAME, &reference_path,
      N_("A reference output for the judge"), "FILE" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) usecase = NULL;
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autofree char *input = NULL;
  g_autofree char *reference = NULL;
  g_autofree char *judge_model = NULL;
  g_auto(GStrv) models = NULL;
  gsize input_length = 0;
  gsize reference_length = 0;
  JobSpec spec = { JOB_RUN };
  int code = EXIT_OK;

  if (!cli_parse_options ("run", "ID", _("Run candidate models on an input (and judge them)."),
                          entries, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli run ID --input FILE [--models A,B | --auto] "
                            "[--judge] [--reference FILE]"));
  if (input_path == NULL)
    return cli_usage_error (_("run: --input FILE is required"));
  if (models_arg != NULL && auto_pick)
    return cli_usage_error (_("run: use either --models or --auto, not both"));
  if (count < 1 || count > 50)
    return cli_usage_error (_("--count must be between 1 and 50"));

  usecase = cli_load_usecase (cli, argv[1], &error);
  if (usecase == NULL)
    return cli_fail (error);

  /* Every check on the user's files happens before anything is written. */
  input = cli_read_text_file (input_path, &input_length, &error);
  if (input == NULL)
    return cli_fail (error);
  if (reference_path != NULL)
    {
      reference = cli_read_text_file (reference_path, &reference_length, &error);
      if (reference == NULL)
        return cli_fail (error);
    }

  if (judge || judge_model_arg != NULL)
    {
      judge_model = tb_runner_pick_judge_model (judge_model_arg, usecase);
      if (judge_model == NULL)
        return cli_usage_error (_("--judge needs a judge model: pass --judge-model, set "
                                "judge.model in the use case, or set GENERAL_TASK_LLM"));
    }

  client = tb_client_new_from_env ();
  if (!check_key (client))
    return EXIT_USAGE;

  catalog = cli_load_catalog (client, FALSE, &error);
  if (catalog == NULL)
    {
      cli_warn (_("%s; running without prices or context sizes"), error->message);
      g_clear_error (&error);
    }

  models = pick_models (cli, usecase, models_arg, auto_pick, catalog,
                        tb_estimate_tokens (input, input_length), count, &error);
  if (models == NULL)
    return cli_fail (error);

  runner = tb_runner_new (client, cli->store, catalog, 0);
  tb_runner_set_judge (runner, judge_model, reference);

  spec.usecase = usecase;
  spec.input_name = input_path;
  spec.input = input;
  spec.input_length = input_length;
  spec.models = (const char * const *) models;

  run = drive (runner, &spec, &error);
  if (run == NULL)
    return cli_fail (error);

  print_outcome (cli, run, runner);
  return exit_code_for_status (run->status);
}

int
cli_cmd_resume (CliContext  *cli,
                int          argc,
                char       **argv)
{
  gboolean judge = FALSE;
  g_autofree char *judge_model_arg = NULL;
  GOptionEntry entries[] = {
    { "judge", 0, 0, G_OPTION_ARG_NONE, &judge, N_("Judge the outputs afterwards"), NULL },
    { "judge-model", 0, 0, G_OPTION_ARG_STRING, &judge_model_arg, "The judge (implies --judge)",
      "MODEL" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbRun) before = NULL;
  JobSpec spec = { JOB_RESUME };
  int code = EXIT_OK;

  if (!cli_parse_options ("resume", "RUN", _("Finish an interrupted or partial run: call only "
                          "the models without an ok output."), entries, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli resume RUN"));

  before = tb_store_load_run (cli->store, argv[1], &error);
  if (before == NULL)
    return cli_fail (error);

  client = tb_client_new_from_env ();
  if (!check_key (client))
    return EXIT_USAGE;
  runner = make_runner (client, cli, TRUE);

  if (judge || judge_model_arg != NULL)
    {
      g_autofree char *label = g_strdup_printf ("run %s", before->id);
      g_autoptr(TbUsecase) usecase = tb_usecase_parse (before->usecase,
                                                       before->usecase_snapshot, -1, label,
                                                       NULL);
      g_autofree char *judge_model = tb_runner_pick_judge_model (judge_model_arg, usecase);

      if (judge_model == NULL)
        return cli_usage_error (_("--judge needs a judge model: pass --judge-model, set "
                                "judge.model in the use case, or set GENERAL_TASK_LLM"));
      tb_runner_set_judge (runner, judge_model, NULL);
    }

  spec.run_id = argv[1];
  run = drive (runner, &spec, &error);
  if (run == NULL)
    return cli_fail (error);

  print_outcome (cli, run, runner);
  return exit_code_for_status (run->status);
}

static int
judge_one (CliContext *cli,
           TbClient   *client,
           TbCatalog  *catalog,
           const char *run_id,
           const char *judge_model_arg,
           const char *reference)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRun) before = NULL;
  g_autoptr(TbUsecase) usecase = NULL;
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autofree char *label = NULL;
  g_autofree char *judge_model = NULL;
  TbJudgment *judgment;
  JobSpec spec = { JOB_JUDGE };

  before = tb_store_load_run (cli->store, run_id, &error);
  if (before == NULL)
    return cli_fail (error);
  label = g_strdup_printf ("run %s", before->id);
  usecase = tb_usecase_parse (before->usecase, before->usecase_snapshot, -1, label, &error);
  if (usecase == NULL)
    return cli_fail (error);

  judge_model = tb_runner_pick_judge_model (judge_model_arg, usecase);
  if (judge_model == NULL)
    return cli_usage_error (_("No judge model: pass --judge-model, set judge.model in the use "
                            "case, or set GENERAL_TASK_LLM"));

  runner = tb_runner_new (client, cli->store, catalog, 0);
  tb_runner_set_judge (runner, judge_model, reference);
  spec.run_id = run_id;

  run = drive (runner, &spec, &error);
  if (run == NULL)
    return cli_fail (error);

  judgment = tb_runner_get_judgment (runner);
  if (cli->json)
    {
      g_autoptr(JsonNode) node = run_summary_json (run, judgment);
      cli_print_json (node);
    }
  else if (judgment != NULL)
    {
      for (guint i = 0; i < judgment->scores->len; i++)
        {
          TbScore *score = g_ptr_array_index (judgment->scores, i);

          if (score->error != NULL)
            g_print ("%-40s judge error: %s\n", score->model, score->error);
          else
            g_print ("%-40s %5.1f\n", score->model, score->overall);
        }
      if (judgment->best_overall != NULL)
        g_print ("best overall: %s · best value: %s · budget pick: %s\n",
                 judgment->best_overall,
                 judgment->best_value != NULL ? judgment->best_value : "-",
                 judgment->budget_pick != NULL ? judgment->budget_pick : "none ≥ 70");
    }

  if (judgment == NULL)
    return EXIT_FAILURE_;
  for (guint i = 0; i < judgment->scores->len; i++)
    if (((TbScore *) g_ptr_array_index (judgment->scores, i))->error != NULL)
      return EXIT_FAILURE_;
  return EXIT_OK;
}

int
cli_cmd_judge (CliContext  *cli,
               int          argc,
               char       **argv)
{
  g_autofree char *judge_model_arg = NULL;
  g_autofree char *all_id = NULL;
  g_autofree char *reference_path = NULL;
  GOptionEntry entries[] = {
    { "judge-model", 0, 0, G_OPTION_ARG_STRING, &judge_model_arg, N_("The judge model"), "MODEL" },
    { "all", 0, 0, G_OPTION_ARG_STRING, &all_id, N_("Judge every run of this use case"), "ID" },
    { "reference", 0, 0, G_OPTION_ARG_FILENAME, &reference_path,
      N_("A reference output for the judge"), "FILE" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  g_autofree char *reference = NULL;
  gsize reference_length = 0;
  int code = EXIT_OK;

  if (!cli_parse_options ("judge", "RUN | --all ID", _("Judge (or re-judge) a run; each pass "
                          "adds a judgment file, the newest is the latest."), entries, &argc,
                          &argv, &code))
    return code;
  if ((all_id == NULL && argc != 2) || (all_id != NULL && argc != 1))
    return cli_usage_error (_("usage: taskbench-cli judge RUN [--judge-model M] | "
                            "judge --all ID"));
  if (reference_path != NULL)
    {
      reference = cli_read_text_file (reference_path, &reference_length, &error);
      if (reference == NULL)
        return cli_fail (error);
    }

  client = tb_client_new_from_env ();
  if (!check_key (client))
    return EXIT_USAGE;

  if (all_id != NULL)
    {
      g_autoptr(TbUsecase) usecase = NULL;
      g_autoptr(GPtrArray) runs = NULL;
      guint judged = 0;

      if (!tb_usecase_id_is_valid (all_id))
        return cli_usage_error (_("'%s' is not a valid use case id"), all_id);
      runs = tb_store_list_runs (cli->store, all_id);
      if (runs->len == 0)
        return cli_usage_error (_("No runs of use case '%s'"), all_id);

      catalog = cli_load_catalog (client, FALSE, &error);
      if (catalog == NULL)
        g_clear_error (&error);
      for (guint i = 0; i < runs->len; i++)
        {
          TbRun *run = g_ptr_array_index (runs, i);
          int one;

          /* A run without a successful output has nothing to judge: skipped, not failed. */
          one = judge_one (cli, client, catalog, run->id, judge_model_arg, reference);
          if (one == EXIT_OK)
            judged++;
          else if (one == EXIT_FAILURE_)
            code = one;
        }
      g_printerr (ngettext ("Judged %u of %u run of %s.\n", "Judged %u of %u runs of %s.\n",
                            runs->len),
                  judged, runs->len, all_id);
      return judged == 0 ? EXIT_FAILURE_ : code;
    }

  catalog = cli_load_catalog (client, FALSE, &error);
  if (catalog == NULL)
    g_clear_error (&error);
  return judge_one (cli, client, catalog, argv[1], judge_model_arg, reference);
}
