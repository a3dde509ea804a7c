/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "taskbench-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Earlier runs of a use case read for the completion lengths of the forecast. */
#define CLI_HISTORY_RUNS 20

/* With more calls than this, a terminal shows one line per model instead of per call. */
#define MAX_CALL_LINES 16

/* ---------------------------------------------------------------------------------------- */
/* Live progress on stderr: on a terminal, lines redrawn in place (one per call, or one per
 * model for a large test set, and a total); otherwise one plain line each time a call
 * ends or waits to retry. */

typedef struct {
  TbRunner     *runner;
  GListModel   *calls;
  gboolean      tty;
  gboolean      test_set;
  guint         drawn_lines;
  guint         redraw_id;
  gint64        started_us;
  gboolean      done;
  TbRun        *run;
  GError       *error;
  GPtrArray    *settled;      /* Group*: the calls that left the runner's list */
  GHashTable   *settled_by_label;
} Live;

static gboolean
several_judges (TbRunner *runner)
{
  const char * const *judges = tb_runner_get_judges (runner);

  return judges != NULL && judges[0] != NULL && judges[1] != NULL;
}

/* "openai/gpt-4o", with the input and repeat when the run has several. */
static char *
call_label (Live   *live,
            TbCall *call)
{
  GString *label = g_string_new (tb_call_get_subject (call));

  if (live->test_set && tb_call_get_input (call) != NULL)
    g_string_append_printf (label, " · %s", tb_call_get_input (call));
  if (tb_call_get_repeat (call) > 1
      || (live->run != NULL && live->run->repeat > 1))
    g_string_append_printf (label, " #%u", tb_call_get_repeat (call));
  if (tb_call_get_kind (call) != TB_CALL_CANDIDATE && several_judges (live->runner))
    g_string_append_printf (label, " (%s)", tb_call_get_model (call));
  return g_string_free (label, FALSE);
}

static char *
describe_cost (TbCall *call)
{
  double usd = tb_call_get_cost_usd (call);
  const char *source = tb_call_get_cost_source (call);
  g_autofree char *amount = NULL;

  if (source == NULL)
    return g_strdup ("");
  if (usd < 0)
    return g_strdup (_("cost unknown"));
  amount = tb_format_usd (usd);
  return g_strdup_printf ("%s %s", amount, source);
}

static char *
describe_call (TbCall *call)
{
  double seconds = tb_call_get_elapsed_ms (call) / 1000.0;
  g_autofree char *chunk = tb_call_get_chunks (call) > 0
                           ? g_strdup_printf (_(" (part %u/%u)"), tb_call_get_chunk (call),
                                              tb_call_get_chunks (call))
                           : g_strdup ("");
  const char *message = tb_call_get_message (call);
  gboolean judging = tb_call_get_kind (call) != TB_CALL_CANDIDATE;

  switch (tb_call_get_state (call))
    {
    case TB_CALL_QUEUED:
      return g_strdup (_("queued"));
    case TB_CALL_RUNNING:
      if (tb_call_get_tokens (call) == 0)
        return g_strdup_printf (_("waiting%s  %.1fs"), chunk, seconds);
      return g_strdup_printf (judging ? _("judging%s  %llu tokens  %.1fs")
                                      : _("streaming%s  %llu tokens  %.1fs"),
                              chunk, (unsigned long long) tb_call_get_tokens (call), seconds);
    case TB_CALL_RETRYING:
      return g_strdup_printf (_("retrying: %s"), message != NULL ? message : "");
    case TB_CALL_DONE:
      {
        g_autofree char *cost = describe_cost (call);

        if (judging && tb_call_get_score (call) >= 0)
          return g_strdup_printf (_("scored %.1f  %s  %.1fs"), tb_call_get_score (call), cost,
                                  seconds);
        return g_strdup_printf (_("done  %llu tokens  %s  %.1fs"),
                                (unsigned long long) tb_call_get_tokens (call), cost, seconds);
      }
    case TB_CALL_FAILED:
      return g_strdup_printf (_("failed: %s"), message != NULL ? message : _("unknown"));
    case TB_CALL_CANCELLED:
      return g_strdup (_("cancelled"));
    case TB_CALL_SKIPPED:
      return g_strdup_printf (_("skipped: %s"), message != NULL ? message : "");
    default:
      return g_strdup ("?");
    }
}

static const char *
call_prefix (TbCall *call)
{
  return tb_call_get_kind (call) == TB_CALL_CANDIDATE ? "  run" : "judge";
}

typedef struct {
  char   *label;
  guint   rank;             /* the line's place: the run's models, then its judges */
  guint   total;
  guint   finished;
  guint   running;
  guint   failed;
  guint   skipped;
  double  usd;
  guint   unknown;
} Group;

static void
group_free (Group *group)
{
  g_free (group->label);
  g_free (group);
}

static Group *
group_for (GPtrArray  *groups,
           GHashTable *by_label,
           const char *label,
           guint       rank)
{
  Group *group = g_hash_table_lookup (by_label, label);

  if (group == NULL)
    {
      group = g_new0 (Group, 1);
      group->label = g_strdup (label);
      group->rank = rank;
      g_hash_table_insert (by_label, group->label, group);
      g_ptr_array_add (groups, group);
    }
  return group;
}

/* The models in the order they were asked for, then the judges in theirs: the same lines
 * in the same places however the calls end. */
static guint
group_rank (Live   *live,
            TbCall *call)
{
  TbRun *run = tb_runner_get_run (live->runner);
  const char * const *judges = tb_runner_get_judges (live->runner);
  const char *model = tb_call_get_model (call);
  guint models = run != NULL ? g_strv_length (run->models) : 0;

  if (tb_call_get_kind (call) == TB_CALL_CANDIDATE)
    {
      for (guint i = 0; i < models; i++)
        if (g_str_equal (run->models[i], model))
          return i;
      return models;
    }
  for (guint j = 0; judges != NULL && judges[j] != NULL; j++)
    if (g_str_equal (judges[j], model))
      return models + 1 + j;
  return G_MAXUINT;
}

static int
compare_groups (gconstpointer a,
                gconstpointer b)
{
  const Group *x = *(const Group * const *) a;
  const Group *y = *(const Group * const *) b;

  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  return g_strcmp0 (x->label, y->label);
}

static void
tally_call (Live       *live,
            GPtrArray  *groups,
            GHashTable *by_label,
            TbCall     *call)
{
  g_autofree char *label = g_strdup_printf ("%s %s", call_prefix (call),
                                            tb_call_get_model (call));
  Group *group = group_for (groups, by_label, label, group_rank (live, call));
  TbCallState state = tb_call_get_state (call);

  group->total++;
  if (tb_call_state_is_final (state))
    group->finished++;
  if (state == TB_CALL_RUNNING || state == TB_CALL_RETRYING)
    group->running++;
  if (state == TB_CALL_FAILED)
    group->failed++;
  if (state == TB_CALL_SKIPPED)
    group->skipped++;
  if (tb_call_get_cost_source (call) != NULL)
    {
      if (tb_call_get_cost_usd (call) >= 0)
        group->usd += tb_call_get_cost_usd (call);
      else
        group->unknown++;
    }
}

/* One line per model (and per judge) over all its calls: those the runner let go of, and
 * those still in its list. */
static GPtrArray *
group_calls (Live *live)
{
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  g_autoptr(GHashTable) by_label = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = g_list_model_get_n_items (live->calls);

  for (guint i = 0; i < live->settled->len; i++)
    {
      const Group *settled = g_ptr_array_index (live->settled, i);
      Group *group = group_for (groups, by_label, settled->label, settled->rank);
      char *label = group->label;

      *group = *settled;
      group->label = label;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TbCall) call = g_list_model_get_item (live->calls, i);

      tally_call (live, groups, by_label, call);
    }
  g_ptr_array_sort (groups, compare_groups);
  return groups;
}

static void
draw_tty (Live *live)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint n = g_list_model_get_n_items (live->calls);
  guint total = tb_runner_get_total (live->runner);
  guint lines = 0;

  if (live->drawn_lines > 0)
    g_string_append_printf (out, "\033[%uA", live->drawn_lines);

  /* The runner keeps every row of a job this small (drive). */
  if (total <= MAX_CALL_LINES)
    {
      g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
      guint width = 0;

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(TbCall) call = g_list_model_get_item (live->calls, i);
          char *label = call_label (live, call);

          width = MAX (width, g_utf8_strlen (label, -1));
          g_ptr_array_add (labels, label);
        }
      width = MIN (width, 52);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(TbCall) call = g_list_model_get_item (live->calls, i);
          g_autofree char *text = describe_call (call);
          g_autofree char *label = cli_fit (g_ptr_array_index (labels, i), (int) width);

          g_string_append_printf (out, "\r\033[2K%s %s  %s\n", call_prefix (call), label, text);
          lines++;
        }
    }
  else
    {
      g_autoptr(GPtrArray) groups = group_calls (live);
      double usd = 0;
      guint finished = 0, running = 0, failed = 0, unknown = 0;

      for (guint i = 0; i < groups->len; i++)
        {
          Group *group = g_ptr_array_index (groups, i);
          g_autofree char *amount = tb_format_usd (group->usd);
          g_autofree char *label = cli_fit (group->label, 52);

          g_string_append (out, "\r\033[2K");
          g_string_append_printf (out, _("%s  %u/%u done · %u running  %s%s\n"),
                                  label, group->finished, group->total, group->running,
                                  amount, group->unknown > 0 ? "+?" : "");
          if (group->failed > 0)
            {
              /* The count of failures goes where a reader looks for it. */
              g_string_truncate (out, out->len - 1);
              g_string_append_printf (out, _("  (%u failed)\n"), group->failed);
            }
          if (group->skipped > 0)
            {
              /* "done" counts them, as ended: what they are is said beside */
              g_string_truncate (out, out->len - 1);
              g_string_append_printf (out, _("  (%u skipped at the cap)\n"), group->skipped);
            }
          usd += group->usd;
          finished += group->finished;
          running += group->running;
          failed += group->failed;
          unknown += group->unknown;
          lines++;
        }
      {
        g_autofree char *amount = tb_format_usd (usd);
        double seconds = (g_get_monotonic_time () - live->started_us) / 1e6;

        g_string_append (out, "\r\033[2K");
        g_string_append_printf (out, _("%u of %u calls finished · %u running · %u failed · "
                                       "%s%s · %.1fs\n"), finished, total, running, failed,
                                amount, unknown > 0 ? _(" (some unknown)") : "", seconds);
        lines++;
      }
    }

  live->drawn_lines = lines;
  fputs (out->str, stderr);
  fflush (stderr);
}

static gboolean
redraw_cb (gpointer user_data)
{
  Live *live = user_data;

  live->redraw_id = 0;
  draw_tty (live);
  return G_SOURCE_REMOVE;
}

static void
call_changed_cb (TbRunner   *runner,
                 TbCall     *call,
                 GParamSpec *pspec,
                 Live       *live)
{
  TbCallState state = tb_call_get_state (call);

  if (live->tty)
    {
      /* A call that ends is drawn at once; streaming redraws at most ten times a second,
       * whatever the token rate. */
      if (tb_call_state_is_final (state) && g_str_equal (pspec->name, "state"))
        {
          g_clear_handle_id (&live->redraw_id, g_source_remove);
          draw_tty (live);
        }
      else if (live->redraw_id == 0)
        live->redraw_id = g_timeout_add (100, redraw_cb, live);
      return;
    }

  /* A call's state notifies only when it changes, so each line is printed once. */
  if (!g_str_equal (pspec->name, "state"))
    return;
  if (tb_call_state_is_final (state) || state == TB_CALL_RETRYING)
    {
      g_autofree char *label = call_label (live, call);
      g_autofree char *text = describe_call (call);

      g_printerr (tb_call_get_kind (call) == TB_CALL_CANDIDATE ? _("run %s: %s\n")
                                                               : _("judge %s: %s\n"),
                  label, text);
    }
}

static void
call_settled_cb (TbRunner *runner,
                 TbCall   *call,
                 Live     *live)
{
  tally_call (live, live->settled, live->settled_by_label, call);
}

static void
calls_changed_cb (GListModel *calls,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Live       *live)
{
  if (live->tty && live->redraw_id == 0)
    live->redraw_id = g_timeout_add (100, redraw_cb, live);
}

static void
warning_cb (TbRunner   *runner,
            const char *warning,
            Live       *live)
{
  if (live->tty && live->drawn_lines > 0)
    {
      /* Printed above the live lines, which are drawn again below it. */
      g_printerr ("\033[%uA\r\033[J", live->drawn_lines);
      live->drawn_lines = 0;
    }
  cli_warn ("%s", warning);
}

static void
run_created_cb (TbRunner *runner,
                Live     *live)
{
  TbRun *run = tb_runner_get_run (runner);
  g_autofree char *inputs = tb_run_describe_inputs (run);
  guint models = g_strv_length (run->models);

  live->test_set = tb_run_is_test_set (run);
  if (run->repeat > 1)
    g_printerr (ngettext ("Run %s: %s on %u model, %u times each\n",
                          "Run %s: %s on %u models, %u times each\n", models),
                run->id, inputs, models, run->repeat);
  else
    g_printerr (ngettext ("Run %s: %s on %u model\n", "Run %s: %s on %u models\n", models),
                run->id, inputs, models);
  if (live->tty)
    draw_tty (live);
}

static void
finished_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Live *live = user_data;

  live->run = tb_runner_finish (TB_RUNNER (source), result, &live->error);
  live->done = TRUE;
}

typedef enum {
  JOB_RUN,
  JOB_RESUME,
  JOB_JUDGE,
} JobKind;

typedef struct {
  JobKind              kind;
  TbUsecase           *usecase;
  GPtrArray           *inputs;
  const char * const  *models;
  guint                repeat;
  const char          *run_id;
  gboolean             quiet;    /* no warnings printed: a dry pass before the real one */
} JobSpec;

/* Runs one runner job to its end with live progress; returns the run as it ended. */
static TbRun *
drive (TbRunner       *runner,
       const JobSpec  *spec,
       GError        **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Live live = { 0 };
  gulong ids[5];

  live.runner = runner;
  live.calls = tb_runner_get_calls (runner);
  live.tty = isatty (STDERR_FILENO) && g_getenv ("TERM") != NULL
             && g_strcmp0 (g_getenv ("TERM"), "dumb") != 0;
  live.started_us = g_get_monotonic_time ();
  live.settled = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  live.settled_by_label = g_hash_table_new (g_str_hash, g_str_equal);
  /* A terminal shows a small job a line per call; otherwise a call is counted, printed
   * when it ends, and not kept: a run of thousands holds no row for each. */
  tb_runner_set_rows_kept (runner, live.tty ? MAX_CALL_LINES : 0);

  ids[0] = g_signal_connect (live.calls, "items-changed", G_CALLBACK (calls_changed_cb),
                             &live);
  ids[1] = g_signal_connect (runner, "run-created", G_CALLBACK (run_created_cb), &live);
  ids[2] = g_signal_connect (runner, "call-changed", G_CALLBACK (call_changed_cb), &live);
  ids[3] = spec->quiet ? 0 : g_signal_connect (runner, "warning", G_CALLBACK (warning_cb),
                                                &live);
  ids[4] = g_signal_connect (runner, "call-settled", G_CALLBACK (call_settled_cb), &live);

  switch (spec->kind)
    {
    case JOB_RUN:
      tb_runner_run_async (runner, spec->usecase, spec->inputs, spec->models, spec->repeat,
                           cancellable, finished_cb, &live);
      break;
    case JOB_RESUME:
      tb_runner_resume_async (runner, spec->run_id, cancellable, finished_cb, &live);
      break;
    case JOB_JUDGE:
      tb_runner_judge_async (runner, spec->run_id, cancellable, finished_cb, &live);
      break;
    default:
      g_assert_not_reached ();
    }

  cli_wait (&live.done, cancellable);

  g_clear_handle_id (&live.redraw_id, g_source_remove);
  if (live.tty && live.drawn_lines > 0)
    draw_tty (&live);
  g_signal_handler_disconnect (live.calls, ids[0]);
  g_signal_handler_disconnect (runner, ids[1]);
  g_signal_handler_disconnect (runner, ids[2]);
  if (ids[3] != 0)
    g_signal_handler_disconnect (runner, ids[3]);
  g_signal_handler_disconnect (runner, ids[4]);
  g_hash_table_unref (live.settled_by_label);
  g_ptr_array_unref (live.settled);

  if (live.error != NULL)
    g_propagate_error (error, live.error);
  return live.run;
}

/* What `run`, `resume` and `judge` take about money. */
typedef struct {
  gboolean  dry_run;
  gboolean  yes;
  char     *max_cost_arg;
  gboolean  has_max_cost;
  double    max_cost;
} Money;

#define MONEY_OPTIONS(money) \
  { "dry-run", 0, 0, G_OPTION_ARG_NONE, &(money).dry_run, \
    N_("Print the forecast and call nothing"), NULL }, \
  { "max-cost", 0, 0, G_OPTION_ARG_STRING, &(money).max_cost_arg, \
    N_("Stop calling before this much is spent (USD)"), "USD" }, \
  { "yes", 'y', 0, G_OPTION_ARG_NONE, &(money).yes, \
    N_("Run even when the key's balance is below the forecast"), NULL }

/* --max-cost: a finite amount ≥ 0. */
static gboolean
money_parse (Money  *money,
             int    *code)
{
  char *end = NULL;

  if (money->max_cost_arg == NULL)
    return TRUE;
  money->max_cost = g_ascii_strtod (money->max_cost_arg, &end);
  if (end == money->max_cost_arg || *end != '\0' || !isfinite (money->max_cost)
      || money->max_cost < 0)
    {
      *code = cli_usage_error (_("--max-cost must be an amount in USD, like 2.50, not '%s'"),
                               money->max_cost_arg);
      return FALSE;
    }
  money->has_max_cost = TRUE;
  return TRUE;
}

static void
money_clear (Money *money)
{
  g_clear_pointer (&money->max_cost_arg, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Money, money_clear)

/* The job priced first: the runner makes its forecast without calling anything; it is
 * printed (and, for --dry-run, is all that happens) and checked against the key's balance;
 * then the job runs for real, under the cap. NULL with `*code` set when it stops here. */
static TbRun *
drive_priced (CliContext     *cli,
              TbClient       *client,
              TbRunner       *runner,
              const JobSpec  *spec,
              const char     *usecase_id,
              const Money    *money,
              int            *code,
              GError        **error)
{
  g_autoptr(GHashTable) history = tb_forecast_history_load (cli->store, usecase_id,
                                                            CLI_HISTORY_RUNS);
  g_autoptr(TbRun) planned = NULL;
  const TbForecast *forecast;

  tb_runner_set_history (runner, history);
  tb_runner_set_max_cost (runner, money->has_max_cost, money->max_cost);
  tb_runner_set_dry_run (runner, TRUE);
  {
    JobSpec dry = *spec;

    dry.quiet = !money->dry_run;
    planned = drive (runner, &dry, error);
  }
  tb_runner_set_dry_run (runner, FALSE);
  if (planned == NULL)
    {
      *code = (*error)->domain == TB_ERROR && ((*error)->code == TB_ERROR_INVALID
                                               || (*error)->code == TB_ERROR_NOT_FOUND)
              ? EXIT_USAGE : EXIT_FAILURE_;
      return NULL;
    }
  forecast = tb_runner_get_forecast (runner);

  if (money->dry_run)
    {
      if (cli->json)
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();
          g_autoptr(JsonNode) root = NULL;

          json_builder_begin_object (builder);
          tb_json_add_node (builder, "forecast", tb_forecast_to_json (forecast));
          tb_json_add_amount (builder, "max_cost_usd", planned->has_max_cost,
                              planned->max_cost_usd);
          json_builder_end_object (builder);
          root = json_builder_get_root (builder);
          cli_print_json (root);
        }
      else
        cli_print_forecast (forecast, TRUE);
      *code = EXIT_OK;
      return NULL;
    }

  if (!cli->json || isatty (STDERR_FILENO))
    cli_print_forecast (forecast, FALSE);
  *code = cli_check_balance (client, forecast, money->yes);
  if (*code != EXIT_OK)
    return NULL;

  tb_runner_set_max_cost (runner, money->has_max_cost, money->max_cost);
  return drive (runner, spec, error);
}

/* ---------------------------------------------------------------------------------------- */
/* Reporting                                                                                 */

static int
exit_code_for (TbRun *run)
{
  return run->status == TB_RUN_DONE ? EXIT_OK : EXIT_FAILURE_;
}

/* The money of a job that ended: the cap's verdict, said plainly. */
static void
print_budget_stop (gboolean     stopped_by_budget,
                   const TbRun *run)
{
  g_autofree char *cap = NULL;

  if (!stopped_by_budget)
    return;
  cap = run->has_max_cost ? tb_format_usd (run->max_cost_usd) : g_strdup ("-");
  g_printerr (run->simulated
              ? _("Stopped at the cost cap of %s: the calls that did not fit were skipped. "
                  "'taskbench-cli --demo resume %s --max-cost USD' finishes the run.\n")
              : _("Stopped at the cost cap of %s: the calls that did not fit were skipped. "
                  "'taskbench-cli resume %s --max-cost USD' finishes the run.\n"), cap, run->id);
}

static JsonNode *
outcome_json (TbRun      *run,
              TbJudgment *judgment)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "run", run->id);
  tb_json_add_string (builder, "usecase", run->usecase);
  tb_json_add_string (builder, "status", tb_run_status_to_string (run->status));
  tb_json_add_string (builder, "stop_reason", run->stop_reason);
  tb_json_add_string (builder, "dir", run->dir);
  tb_json_add_node (builder, "forecast",
                    run->forecast != NULL ? json_node_copy (run->forecast) : NULL);
  tb_json_add_node (builder, "judgment",
                    judgment != NULL ? tb_judgment_to_json (judgment) : NULL);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* Takes the runner: its state — every job, output and score of the run — is dropped before
 * the report reads the run back from its files, so that a large run is not in memory twice. */
static void
print_outcome (CliContext *cli,
               TbRun      *run,
               TbRunner  **runner)
{
  gboolean judged = tb_runner_get_judgment (*runner) != NULL;
  gboolean stopped_by_budget = tb_runner_stopped_by_budget (*runner);

  if (cli->json)
    {
      g_autoptr(JsonNode) node = outcome_json (run, tb_runner_get_judgment (*runner));

      g_clear_object (runner);
      cli_print_json (node);
      return;
    }
  g_clear_object (runner);

  if (run->simulated)
    g_printerr (_("Run %s %s (simulated models). See 'taskbench-cli --demo show %s'.\n"),
                run->id, tb_run_status_to_string (run->status), run->id);
  else
    g_printerr (_("Run %s %s. See 'taskbench-cli show %s'.\n"), run->id,
                tb_run_status_to_string (run->status), run->id);
  print_budget_stop (stopped_by_budget, run);
  if (judged)
    cli_print_run_verdict (cli, run->id, FALSE);
  if (run->simulated)
    g_printerr (_("These were simulated models: made-up answers of known quality, to show what "
                  "a verdict means ('taskbench-cli --demo models' lists them). To run real "
                  "models, set OPENROUTER_API_KEY or TASKBENCH_BASE_URL and leave out --demo.\n"));
  g_print ("%s\n", run->id);
}

/* ---------------------------------------------------------------------------------------- */
/* run                                                                                       */

static GStrv
pick_models (CliContext  *cli,
             TbUsecase   *usecase,
             const char  *models_arg,
             gboolean     auto_pick,
             TbCatalog   *catalog,
             gint64       input_tokens,
             guint        count,
             GError     **error)
{
  if (models_arg != NULL)
    {
      g_auto(GStrv) models = tb_split_model_list (models_arg);

      if (models == NULL)
        g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID, _("--models names no model"));
      /* The simulated provider would answer any other model 404: said before the run. */
      else if (cli->demo && !tb_demo_check_models ((const char * const *) models, error))
        return NULL;
      return g_steal_pointer (&models);
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

          g_printerr (_("picked %s: %s\n"), pick->model->id, pick->reason);
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

  return tb_default_candidates_for (usecase, cli->demo, error);
}

static char *
no_judge_message (void)
{
  return g_strdup (_("No judge model: pass --judge-model, set judge.model in the use case, "
                     "or set GENERAL_TASK_LLM"));
}

/* The use case's own test set (its `inputs`). */
static GPtrArray *
cli_usecase_test_set (TbUsecase           *usecase,
                      const char * const  *references,
                      GError             **error)
{
  g_autoptr(GPtrArray) inputs = tb_test_set_from_usecase (usecase, error);

  if (inputs == NULL)
    return NULL;
  if (references != NULL && references[0] != NULL)
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID,
                           _("--reference goes with --input; the use case's inputs name their "
                             "references themselves"));
      return NULL;
    }
  return g_steal_pointer (&inputs);
}

static guint
cli_usecase_repeat (TbUsecase *usecase)
{
  return MAX (usecase->repeat, 1);
}

int
cli_cmd_run (CliContext  *cli,
             int          argc,
             char       **argv)
{
  g_auto(GStrv) input_paths = NULL;
  g_auto(GStrv) reference_paths = NULL;
  g_autofree char *models_arg = NULL;
  g_autofree char *judge_model_arg = NULL;
  gboolean auto_pick = FALSE;
  gboolean judge = FALSE;
  int count = 3;
  int repeat = -1;   /* not given: the use case's */
  g_auto(Money) money = { 0 };
  GOptionEntry entries[] = {
    MONEY_OPTIONS (money),
    { "input", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &input_paths,
      N_("An input file (UTF-8 text) or a folder of them; give it again for more (default: "
         "the use case's inputs)"), "FILE|DIR" },
    { "models", 0, 0, G_OPTION_ARG_STRING, &models_arg, N_("Comma-separated model ids"), "A,B" },
    { "auto", 0, 0, G_OPTION_ARG_NONE, &auto_pick, N_("Run the recommended candidates"), NULL },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, N_("With --auto: how many (default 3)"), "N" },
    { "judge", 0, 0, G_OPTION_ARG_NONE, &judge, N_("Judge the outputs as they land"), NULL },
    { "judge-model", 0, 0, G_OPTION_ARG_STRING, &judge_model_arg,
      N_("The judge, or a jury A,B,C (implies --judge)"), "MODEL" },
    { "reference", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &reference_paths,
      N_("A reference output for the judge, or a folder of them named after the inputs"),
      "FILE|DIR" },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &repeat,
      N_("Calls per model and input (default: the use case's models.repeat, else 1)"), "N" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) usecase = NULL;
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GPtrArray) inputs = NULL;
  g_auto(GStrv) judges = NULL;
  g_auto(GStrv) models = NULL;
  gint64 input_tokens = 0;
  JobSpec spec = { JOB_RUN };
  int code = EXIT_OK;

  if (!cli_parse_options ("run", "ID", _("Run candidate models on inputs (and judge them)."),
                          entries, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli run ID [--input FILE|DIR]… [--models A,B | "
                              "--auto] [--judge] [--reference FILE|DIR] [--repeat N]"));
  if (repeat != -1 && (repeat < 1 || repeat > 100))
    return cli_usage_error (_("--repeat must be between 1 and 100"));
  if (models_arg != NULL && auto_pick)
    return cli_usage_error (_("run: use either --models or --auto, not both"));
  if (count < 1 || count > 50)
    return cli_usage_error (_("--count must be between 1 and 50"));
  if (!money_parse (&money, &code))
    return code;

  usecase = cli_load_usecase (cli, argv[1], &error);
  if (usecase == NULL)
    return cli_fail (error);

  /* Every check on the user's files happens before anything is written or paid. */
  if (input_paths != NULL && input_paths[0] != NULL)
    inputs = tb_test_set_from_paths ((const char * const *) input_paths,
                                     (const char * const *) reference_paths, &error);
  else
    inputs = cli_usecase_test_set (usecase, (const char * const *) reference_paths, &error);
  if (inputs == NULL)
    return cli_fail (error);
  for (guint i = 0; i < inputs->len; i++)
    {
      TbTestInput *input = g_ptr_array_index (inputs, i);

      input_tokens = MAX (input_tokens, tb_estimate_tokens (input->text, input->length));
    }

  if (judge || judge_model_arg != NULL)
    {
      judges = tb_default_judges_for (judge_model_arg, usecase, cli->demo, &error);
      if (error != NULL)
        return cli_fail (error);
      if (judges == NULL)
        {
          g_autofree char *message = no_judge_message ();
          return cli_usage_error ("%s", message);
        }
    }

  client = cli_make_client (&code);
  if (client == NULL)
    return code;

  catalog = cli_load_catalog (client, FALSE, &error);
  if (catalog == NULL)
    {
      cli_warn (_("%s; running without prices or context sizes"), error->message);
      g_clear_error (&error);
    }

  models = pick_models (cli, usecase, models_arg, auto_pick, catalog, input_tokens, count,
                        &error);
  if (models == NULL)
    return cli_fail (error);

  runner = tb_runner_new (client, cli->store, catalog, 0);
  tb_runner_set_simulated (runner, cli->demo);
  tb_runner_set_judges (runner, (const char * const *) judges);

  spec.usecase = usecase;
  spec.inputs = inputs;
  spec.models = (const char * const *) models;
  spec.repeat = repeat > 0 ? (guint) repeat : cli_usecase_repeat (usecase);

  run = drive_priced (cli, client, runner, &spec, usecase->id, &money, &code, &error);
  if (run == NULL)
    return error != NULL ? cli_fail (error) : code;

  print_outcome (cli, run, &runner);
  return exit_code_for (run);
}

/* ---------------------------------------------------------------------------------------- */
/* resume                                                                                    */

int
cli_cmd_resume (CliContext  *cli,
                int          argc,
                char       **argv)
{
  gboolean judge = FALSE;
  g_autofree char *judge_model_arg = NULL;
  g_auto(Money) money = { 0 };
  GOptionEntry entries[] = {
    MONEY_OPTIONS (money),
    { "judge", 0, 0, G_OPTION_ARG_NONE, &judge, N_("Judge the outputs"), NULL },
    { "judge-model", 0, 0, G_OPTION_ARG_STRING, &judge_model_arg,
      N_("The judge, or a jury A,B,C (implies --judge)"), "MODEL" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbRun) before = NULL;
  JobSpec spec = { JOB_RESUME };
  int code = EXIT_OK;

  if (!cli_parse_options ("resume", "RUN", _("Finish an interrupted or partial run: call only "
                          "the models without an ok output."), entries, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli resume RUN [--max-cost USD] [--dry-run]"));
  if (!money_parse (&money, &code))
    return code;

  before = tb_store_load_run (cli->store, argv[1], &error);
  if (before == NULL || !tb_run_check_snapshot (before, &error))
    return cli_fail (error);

  client = cli_make_client (&code);
  if (client == NULL)
    return code;
  catalog = cli_load_catalog (client, FALSE, &error);
  if (catalog == NULL)
    {
      cli_warn (_("%s; running without prices or context sizes"), error->message);
      g_clear_error (&error);
    }
  runner = tb_runner_new (client, cli->store, catalog, 0);
  tb_runner_set_simulated (runner, cli->demo);

  if (judge || judge_model_arg != NULL)
    {
      g_auto(GStrv) judges = tb_rejudge_judges_for (judge_model_arg, before, cli->demo,
                                                    &error);

      if (error != NULL)
        return cli_fail (error);
      if (judges == NULL)
        {
          g_autofree char *message = no_judge_message ();
          return cli_usage_error ("%s", message);
        }
      tb_runner_set_judges (runner, (const char * const *) judges);
    }

  spec.run_id = argv[1];
  run = drive_priced (cli, client, runner, &spec, before->usecase, &money, &code, &error);
  if (run == NULL)
    return error != NULL ? cli_fail (error) : code;

  print_outcome (cli, run, &runner);
  return exit_code_for (run);
}

/* ---------------------------------------------------------------------------------------- */
/* judge                                                                                     */

/* Judges one run; fills `node` with its outcome. Returns the exit code; a failure to judge
 * at all is left in `error`, for the caller to report. */
typedef struct {
  const char *judge_model_arg;
  const char *reference;
  gboolean    pairwise;
  const char *models_arg;   /* pairwise: the models to compare */
  const Money *money;
} JudgeOptions;

/* The models a pairwise pass compares: named, else those tied with the best. */
static GStrv
models_to_compare (CliContext          *cli,
                   const JudgeOptions  *options,
                   const char          *run_id,
                   GError             **error)
{
  g_autoptr(TbRunData) data = NULL;
  g_autoptr(TbVerdict) verdict = NULL;
  GStrv models = NULL;

  if (options->models_arg != NULL)
    {
      models = tb_split_model_list (options->models_arg);
      if (models == NULL || g_strv_length (models) < 2)
        {
          g_strfreev (models);
          g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID,
                               _("--models must name at least two models to compare"));
          return NULL;
        }
      return models;
    }
  data = tb_store_load_run_data_lean (cli->store, run_id, error);
  if (data == NULL)
    return NULL;
  verdict = tb_verdict_for_run (data, 0);
  if (!tb_verdict_models_to_settle (verdict, data->run, &models, error))
    return NULL;
  return models;
}

static int
judge_one (CliContext          *cli,
           TbClient            *client,
           TbCatalog           *catalog,
           const char          *run_id,
           const JudgeOptions  *options,
           gboolean            *cancelled,
           JsonNode           **node,
           GError             **error)
{
  g_autoptr(TbRun) before = NULL;
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_auto(GStrv) judges = NULL;
  g_auto(GStrv) compared = NULL;
  g_autofree char *names = NULL;
  TbJudgment *judgment;
  JobSpec spec = { JOB_JUDGE };
  const char *judge_model_arg = options->judge_model_arg;
  gboolean pairwise;

  before = tb_store_load_run (cli->store, run_id, error);
  if (before == NULL || !tb_run_check_snapshot (before, error))
    return EXIT_USAGE;
  /* One reference fits one input; a test set's inputs keep their own (as run refuses it). */
  if (options->reference != NULL && before->inputs->len > 1)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("Run %s has %u inputs: --reference gives one reference for one input; "
                     "the judges see each input's own reference"), run_id,
                   before->inputs->len);
      return EXIT_USAGE;
    }
  pairwise = options->pairwise || g_strcmp0 (before->judge_mode, "pairwise") == 0;

  /* The judge of a re-judge comes from the run as it was made, never from the use case
   * file as it is now. */
  judges = tb_rejudge_judges_for (judge_model_arg, before, cli->demo, error);
  if (judges == NULL && cli->demo)
    return EXIT_USAGE;
  if (judges == NULL)
    {
      g_autofree char *message = no_judge_message ();

      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID, message);
      return EXIT_USAGE;
    }

  if (pairwise)
    {
      compared = models_to_compare (cli, options, run_id, error);
      if (compared == NULL)
        return EXIT_USAGE;
      for (guint i = 0; compared[i] != NULL; i++)
        if (!g_strv_contains ((const char * const *) before->models, compared[i]))
          {
            g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Run %s has no model %s"),
                         run_id, compared[i]);
            return EXIT_USAGE;
          }
      /* Pairwise calls grow as models²: said before the first one is made. */
      names = g_strjoinv (", ", compared);
      {
        guint n_inputs = before->inputs->len, n_repeats = MAX (before->repeat, 1);
        guint n_judges = g_strv_length (judges);
        g_autofree char *inputs = g_strdup_printf (ngettext ("%u input", "%u inputs", n_inputs),
                                                   n_inputs);
        g_autofree char *repeats = g_strdup_printf (ngettext ("%u repeat", "%u repeats",
                                                              n_repeats), n_repeats);
        g_autofree char *by = g_strdup_printf (ngettext ("%u judge", "%u judges", n_judges),
                                               n_judges);
        g_autofree char *calls = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                  tb_judge_pairwise_calls (g_strv_length (compared),
                                                                           n_inputs, before->repeat,
                                                                           n_judges));

        /* Translators: "Pairwise: A, B, each pair in both orders on 5 inputs × 1 repeat by
         * 1 judge: at most 20 calls." */
        g_printerr (_("Pairwise: %s, each pair in both orders on %s × %s by %s: at most %s "
                      "calls.\n"), names, inputs, repeats, by, calls);
      }
    }

  runner = tb_runner_new (client, cli->store, catalog, 0);
  tb_runner_set_simulated (runner, cli->demo);
  tb_runner_set_judges (runner, (const char * const *) judges);
  tb_runner_set_reference (runner, options->reference);
  if (pairwise)
    {
      tb_runner_set_judge_mode (runner, "pairwise");
      tb_runner_set_pair_models (runner, (const char * const *) compared);
    }
  spec.run_id = run_id;

  {
    int code = EXIT_OK;

    run = drive_priced (cli, client, runner, &spec, before->usecase, options->money, &code,
                        error);
    if (run == NULL)
      return code;
  }

  judgment = tb_runner_get_judgment (runner);
  print_budget_stop (tb_runner_stopped_by_budget (runner), run);
  if (node != NULL)
    *node = outcome_json (run, judgment);
  if (!cli->json && judgment != NULL)
    {
      for (guint i = 0; i < judgment->scores->len; i++)
        {
          TbScore *score = g_ptr_array_index (judgment->scores, i);

          if (score->error != NULL)
            g_printerr (_("%s on %s: judge error: %s\n"), score->model,
                        score->input != NULL ? score->input : "-", score->error);
        }
      for (guint i = 0; i < judgment->comparisons->len; i++)
        {
          TbComparison *comparison = g_ptr_array_index (judgment->comparisons, i);

          if (comparison->error != NULL)
            g_printerr (_("%s vs %s on %s: judge error: %s\n"), comparison->a, comparison->b,
                        comparison->input != NULL ? comparison->input : "-",
                        comparison->error);
        }
      cli_print_run_verdict (cli, run_id, TRUE);
    }

  if (tb_runner_was_cancelled (runner))
    {
      g_printerr (_("Judging of run %s was cancelled.\n"), run_id);
      if (cancelled != NULL)
        *cancelled = TRUE;
      return EXIT_FAILURE_;
    }
  if (tb_runner_stopped_by_budget (runner))
    return EXIT_FAILURE_;
  if (judgment == NULL)
    return EXIT_FAILURE_;
  for (guint i = 0; i < judgment->scores->len; i++)
    if (((TbScore *) g_ptr_array_index (judgment->scores, i))->error != NULL)
      return EXIT_FAILURE_;
  for (guint i = 0; i < judgment->comparisons->len; i++)
    if (((TbComparison *) g_ptr_array_index (judgment->comparisons, i))->error != NULL)
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
  g_autofree char *models_arg = NULL;
  gboolean pairwise = FALSE;
  g_auto(Money) money = { 0 };
  GOptionEntry entries[] = {
    MONEY_OPTIONS (money),
    { "judge-model", 0, 0, G_OPTION_ARG_STRING, &judge_model_arg,
      N_("The judge, or a jury A,B,C"), "MODEL" },
    { "all", 0, 0, G_OPTION_ARG_STRING, &all_id, N_("Judge every run of this use case"), "ID" },
    { "reference", 0, 0, G_OPTION_ARG_FILENAME, &reference_path,
      N_("A reference output for the judge"), "FILE" },
    { "pairwise", 0, 0, G_OPTION_ARG_NONE, &pairwise,
      N_("Compare outputs two by two, in both orders: the models tied with the best"), NULL },
    { "models", 0, 0, G_OPTION_ARG_STRING, &models_arg,
      N_("With --pairwise: the models to compare"), "A,B" },
    { NULL }
  };
  JudgeOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  g_autofree char *reference = NULL;
  int code = EXIT_OK;

  if (!cli_parse_options ("judge", "RUN | --all ID", _("Judge (or re-judge) a run; each pass "
                          "adds a judgment file, the newest is the latest."), entries, &argc,
                          &argv, &code))
    return code;
  if ((all_id == NULL && argc != 2) || (all_id != NULL && argc != 1))
    return cli_usage_error (_("usage: taskbench-cli judge RUN [--judge-model M] [--pairwise "
                            "[--models A,B]] | judge --all ID"));
  if (models_arg != NULL && !pairwise)
    return cli_usage_error (_("--models goes with --pairwise"));
  if (!money_parse (&money, &code))
    return code;
  if (reference_path != NULL)
    {
      reference = tb_read_text_file (reference_path, NULL, &error);
      if (reference == NULL)
        return cli_fail (error);
    }
  if (all_id == NULL)
    {
      g_autoptr(TbRun) run = tb_store_load_run (cli->store, argv[1], &error);

      if (run == NULL)
        return cli_fail (error);
    }

  client = cli_make_client (&code);
  if (client == NULL)
    return code;
  catalog = cli_load_catalog (client, FALSE, &error);
  if (catalog == NULL)
    g_clear_error (&error);
  options.judge_model_arg = judge_model_arg;
  options.reference = reference;
  options.pairwise = pairwise;
  options.models_arg = models_arg;
  options.money = &money;

  if (all_id != NULL)
    {
      g_autoptr(GPtrArray) runs = NULL;
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      gboolean cancelled = FALSE;
      guint judged = 0;
      guint taken = 0;

      runs = tb_index_list_runs (cli->index, all_id, &error);
      if (runs == NULL)
        return cli_fail (error);
      if (runs->len == 0)
        return cli_usage_error (_("No runs of use case '%s'"), all_id);

      json_builder_begin_array (builder);
      for (guint i = 0; i < runs->len; i++)
        {
          TbRunSummary *summary = g_ptr_array_index (runs, i);
          g_autoptr(GError) one_error = NULL;
          JsonNode *node = NULL;
          int one;

          /* The same rule as the window's: a run with an ok output that no process works
           * on; others have nothing to judge or are busy. */
          if (!tb_run_summary_is_judgeable (summary))
            continue;
          taken++;
          one = judge_one (cli, client, catalog, summary->id, &options, &cancelled, &node,
                           &one_error);
          if (one_error != NULL)
            {
              /* One run that cannot be judged never keeps the others from it. */
              cli_warn (_("run %s: %s"), summary->id, one_error->message);
              json_builder_begin_object (builder);
              tb_json_add_string (builder, "run", summary->id);
              tb_json_add_string (builder, "error", one_error->message);
              json_builder_end_object (builder);
            }
          if (node != NULL)
            json_builder_add_value (builder, node);
          if (one == EXIT_OK)
            judged++;
          else if (code == EXIT_OK)
            code = one;
          /* Ctrl-C ends the whole pass, not only the run being judged. */
          if (cancelled)
            {
              code = EXIT_FAILURE_;
              break;
            }
        }
      json_builder_end_array (builder);
      if (cli->json)
        {
          g_autoptr(JsonNode) root = json_builder_get_root (builder);
          cli_print_json (root);
        }
      g_printerr (ngettext ("Judged %u of %u run of %s.\n", "Judged %u of %u runs of %s.\n",
                            runs->len),
                  judged, runs->len, all_id);
      return taken == 0 ? EXIT_FAILURE_ : code;
    }

  {
    g_autoptr(JsonNode) node = NULL;

    code = judge_one (cli, client, catalog, argv[1], &options, NULL, &node, &error);
    if (error != NULL)
      return cli_fail (error);
    if (node != NULL && cli->json)
      cli_print_json (node);
    return code;
  }
}
