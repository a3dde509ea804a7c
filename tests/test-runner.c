/* SPDX-License-Identifier: GPL-3.0-or-later */
/* In-process tests of the run orchestrator against the fake OpenRouter on the same main loop:
 * what only the signals and the runner's own state show (the CLI tests cover the flows). */
#define G_LOG_DOMAIN "test-runner"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "fake-server.h"
#include "tb-core.h"
#include "tb-runner-private.h"

/* Generous: valgrind slows everything down a lot. */
#define WAIT_TIMEOUT_S 90

#define USECASE_RUBRIC \
  "name: Runner test\n" \
  "goal: Say something useful about the notes.\n" \
  "output:\n" \
  "  format: text\n" \
  "judge:\n" \
  "  criteria:\n" \
  "    - {name: accuracy, weight: 2, description: The facts are right}\n" \
  "    - {name: format, weight: 1, description: Clean text}\n"

#define USECASE_NO_CRITERIA \
  "name: No rubric\n" \
  "goal: Say something useful about the notes.\n" \
  "output:\n" \
  "  format: text\n"

#define USECASE_ITEMS \
  "name: Items\n" \
  "goal: List the items the notes mention.\n" \
  "output:\n" \
  "  format: json\n" \
  "  schema:\n" \
  "    type: array\n" \
  "    items:\n" \
  "      type: object\n" \
  "      required: [item]\n" \
  "      properties:\n" \
  "        item: {type: string}\n"

#define SHORT_INPUT "Monday: the team agreed to ship on Friday.\nAda owns the release notes.\n"

typedef struct {
  FakeServer *server;
  TbClient   *client;
  TbStore    *store;
  char       *home;
} Fixture;

static void drain_main_context (void);

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->server = fake_server_new ();
  fixture->client = tb_client_new (fake_server_get_url (fixture->server), "sk-or-test-key", 0);
  /* ISOLATE_DIRS gives every test its own data folder, removed afterwards. */
  fixture->home = g_build_filename (g_get_user_data_dir (), "taskbench-home", NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->home, 0700), ==, 0);
  fixture->store = tb_store_new (fixture->home);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  drain_main_context ();
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->client);
  g_clear_pointer (&fixture->server, fake_server_free);
  g_clear_pointer (&fixture->home, g_free);
}

/* ---- waiting ---------------------------------------------------------------------- */

static void
on_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

static gboolean
on_safety_timeout (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for (GAsyncResult **slot)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_TIMEOUT_S, on_safety_timeout, &timed_out);

  while (*slot == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (*slot == NULL)
    g_error ("The runner did not finish within %d s", WAIT_TIMEOUT_S);
  g_source_remove (id);
}

/* Lets pending sources (late callbacks, idles) run so nothing fires after a test. */
static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- recording the calls ------------------------------------------------------------ */

typedef struct {
  TbCallKind   kind;
  char        *subject;       /* the candidate the call is about */
  char        *model;         /* the model called */
  char        *input;
  guint        repeat;
  guint        emissions;
  TbCallState  state;
  gboolean     seen_running;
  gboolean     seen_retrying;
  guint64      tokens;
  guint        token_steps;     /* notifications where the token count grew */
  guint        max_chunk;
  guint        chunks;
  gint64       elapsed_ms;
  double       cost_usd;
  char        *cost_source;
  double       score;
  char        *message;
  char        *done_cost_source; /* the source the first "done" carried */
  guint64      done_tokens;      /* … and its tokens and time */
  gint64       done_elapsed_ms;
  gint64       running_at;       /* monotonic time it was first seen running */
  gint64       done_at;          /* … and done */
} CallLog;

typedef struct {
  Fixture      *fixture;
  TbRunner     *runner;
  guint         run_created;
  guint         notifications;
  guint         call_changes;   /* the runner's ::call-changed, one per notify of a call */
  GHashTable   *logs;           /* TbCall* → CallLog* */
  GPtrArray    *order;          /* CallLog*, as the calls appeared */
  GPtrArray    *watched;        /* TbCall* */
  guint         max_in_flight;  /* RUNNING or RETRYING at once */
  gboolean      tokens_monotonic;  /* check tokens never drop while running */
  TbRun        *run;              /* the runner's, while it runs */
  GCancellable *cancel_when_done;  /* cancelled (from an idle) when this model is done */
  const char   *cancel_model;
  gboolean      check_first_write; /* from "done" on, watch for the output file */
  guint         first_writes_checked; /* seen on disk before its billed cost */
  char         *first_write_model;
  guint         first_write_id;
  gulong        items_id;
} Recorder;

static void
call_log_free (CallLog *log)
{
  g_free (log->subject);
  g_free (log->model);
  g_free (log->input);
  g_free (log->cost_source);
  g_free (log->message);
  g_free (log->done_cost_source);
  g_free (log);
}

static int
state_rank (TbCallState state)
{
  switch (state)
    {
    case TB_CALL_QUEUED:
      return 0;
    case TB_CALL_RUNNING:
    case TB_CALL_RETRYING:
      return 1;
    default:
      return 2;
    }
}

/* The log of the call of `kind` about `subject` (the first input and repeat it finds). */
static const CallLog *
find_kind_log (Recorder   *recorder,
               TbCallKind  kind,
               const char *subject)
{
  for (guint i = 0; i < recorder->order->len; i++)
    {
      const CallLog *log = g_ptr_array_index (recorder->order, i);

      if (log->kind == kind && g_strcmp0 (log->subject, subject) == 0)
        return log;
    }
  g_error ("No progress was seen for %s", subject);
  return NULL;
}

#define find_log(recorder, subject) find_kind_log (recorder, TB_CALL_CANDIDATE, subject)
#define find_judge_log(recorder, subject) find_kind_log (recorder, TB_CALL_JUDGE, subject)

static guint
count_logs (Recorder   *recorder,
            TbCallKind  kind)
{
  guint n = 0;

  for (guint i = 0; i < recorder->order->len; i++)
    if (((CallLog *) g_ptr_array_index (recorder->order, i))->kind == kind)
      n++;
  return n;
}

static gboolean
cancel_idle (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static const TbOutput *
find_output (GPtrArray  *outputs,
             const char *model)
{
  for (guint i = 0; i < outputs->len; i++)
    {
      const TbOutput *output = g_ptr_array_index (outputs, i);

      if (g_strcmp0 (output->model, model) == 0)
        return output;
    }
  return NULL;
}

/* The answer must reach the disk soon after it arrives, before its billed cost (the runner
 * may save from an idle, so poll). */
static gboolean
poll_first_write (gpointer user_data)
{
  Recorder *recorder = user_data;
  g_autoptr(GPtrArray) outputs = NULL;
  const TbOutput *output;

  outputs = tb_store_load_outputs (recorder->fixture->store, recorder->run);
  output = find_output (outputs, recorder->first_write_model);
  if (output == NULL)
    return G_SOURCE_CONTINUE;

  g_assert_cmpint (output->status, ==, TB_OUTPUT_OK);
  g_assert_nonnull (output->content);
  g_assert_cmpint (output->cost.source, ==, TB_COST_INLINE);
  g_assert_false (output->cost.has_billed);
  recorder->first_writes_checked++;
  recorder->first_write_id = 0;
  return G_SOURCE_REMOVE;
}

static void
call_notify_cb (TbCall     *call,
                GParamSpec *pspec,
                Recorder   *recorder)
{
  CallLog *log = g_hash_table_lookup (recorder->logs, call);
  TbCallState state = tb_call_get_state (call);
  guint n = g_list_model_get_n_items (tb_runner_get_calls (recorder->runner));
  guint in_flight = 0;

  g_assert_nonnull (log);
  g_assert_cmpuint (recorder->run_created, ==, 1);
  recorder->notifications++;

  /* queued → running/retrying → done/failed/cancelled, never backwards; a finished call
   * may only be re-announced in its final state (its billed cost came in). */
  if (log->emissions > 0)
    {
      g_assert_cmpint (state_rank (state), >=, state_rank (log->state));
      if (state_rank (log->state) == 2)
        g_assert_cmpint (state, ==, log->state);
    }

  if (state == TB_CALL_RUNNING || state == TB_CALL_RETRYING)
    {
      if (state == TB_CALL_RUNNING)
        {
          log->seen_running = TRUE;
          if (log->running_at == 0)
            log->running_at = g_get_monotonic_time ();
        }
      else
        log->seen_retrying = TRUE;
      if (tb_call_get_tokens (call) > log->tokens)
        log->token_steps++;
      else if (recorder->tokens_monotonic)
        g_assert_cmpuint (tb_call_get_tokens (call), ==, log->tokens);
    }
  log->tokens = tb_call_get_tokens (call);

  if (tb_call_get_chunks (call) > 0)
    {
      g_assert_cmpuint (tb_call_get_chunk (call), <=, tb_call_get_chunks (call));
      log->chunks = tb_call_get_chunks (call);
      log->max_chunk = MAX (log->max_chunk, tb_call_get_chunk (call));
    }

  if (state == TB_CALL_DONE && g_str_equal (pspec->name, "state"))
    {
      log->done_at = g_get_monotonic_time ();
      g_assert_nonnull (tb_call_get_cost_source (call));
      g_assert_cmpfloat (tb_call_get_cost_usd (call), >, 0);
      if (log->kind == TB_CALL_JUDGE)
        g_assert_cmpfloat (tb_call_get_score (call), >=, 0);
      else
        g_assert_cmpfloat (tb_call_get_score (call), ==, -1);
      if (log->done_cost_source == NULL)
        {
          log->done_cost_source = g_strdup (tb_call_get_cost_source (call));
          log->done_tokens = tb_call_get_tokens (call);
          log->done_elapsed_ms = tb_call_get_elapsed_ms (call);
          if (recorder->check_first_write && log->kind == TB_CALL_CANDIDATE)
            {
              g_assert_null (recorder->first_write_model);
              recorder->first_write_model = g_strdup (log->subject);
              recorder->run = tb_runner_get_run (recorder->runner);
              recorder->first_write_id = g_timeout_add (1, poll_first_write, recorder);
            }
        }
      if (recorder->cancel_when_done != NULL && log->kind == TB_CALL_CANDIDATE
          && g_strcmp0 (log->subject, recorder->cancel_model) == 0)
        g_idle_add_full (G_PRIORITY_DEFAULT, cancel_idle,
                         g_object_ref (recorder->cancel_when_done), g_object_unref);
    }

  log->state = state;
  log->elapsed_ms = tb_call_get_elapsed_ms (call);
  log->cost_usd = tb_call_get_cost_usd (call);
  g_free (log->cost_source);
  log->cost_source = g_strdup (tb_call_get_cost_source (call));
  log->score = tb_call_get_score (call);
  g_free (log->message);
  log->message = g_strdup (tb_call_get_message (call));
  log->emissions++;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TbCall) other = g_list_model_get_item (tb_runner_get_calls (recorder->runner), i);

      if (tb_call_get_state (other) == TB_CALL_RUNNING
          || tb_call_get_state (other) == TB_CALL_RETRYING)
        in_flight++;
    }
  recorder->max_in_flight = MAX (recorder->max_in_flight, in_flight);
}

static void
calls_changed_cb (GListModel *calls,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Recorder   *recorder)
{
  for (guint i = position; i < position + added; i++)
    {
      TbCall *call = g_list_model_get_item (calls, i);
      CallLog *log = g_new0 (CallLog, 1);

      log->kind = tb_call_get_kind (call);
      log->subject = g_strdup (tb_call_get_subject (call));
      log->model = g_strdup (tb_call_get_model (call));
      log->input = g_strdup (tb_call_get_input (call));
      log->repeat = tb_call_get_repeat (call);
      log->score = -1;
      log->state = tb_call_get_state (call);
      g_hash_table_insert (recorder->logs, call, log);
      g_ptr_array_add (recorder->order, log);
      g_ptr_array_add (recorder->watched, call);
      g_signal_connect (call, "notify", G_CALLBACK (call_notify_cb), recorder);
    }
}

static void
on_call_changed (TbRunner   *runner,
                 TbCall     *call,
                 GParamSpec *pspec,
                 Recorder   *recorder)
{
  g_assert_true (g_hash_table_contains (recorder->logs, call));
  recorder->call_changes++;
}

static void
on_run_created (TbRunner *runner,
                gpointer  user_data)
{
  Recorder *recorder = user_data;
  TbRun *run = tb_runner_get_run (runner);
  g_autofree char *run_json = NULL;

  recorder->run_created++;
  g_assert_cmpuint (recorder->notifications, ==, 0);
  g_assert_nonnull (run);
  g_assert_nonnull (run->id);
  g_assert_nonnull (run->dir);
  run_json = g_build_filename (run->dir, "run.json", NULL);
  g_assert_true (g_file_test (run_json, G_FILE_TEST_IS_REGULAR));
}

static void
unwatch (gpointer data,
         gpointer user_data)
{
  g_signal_handlers_disconnect_by_data (data, user_data);
}

static void
recorder_forget (Recorder *recorder)
{
  g_ptr_array_foreach (recorder->watched, unwatch, recorder);
  g_ptr_array_set_size (recorder->watched, 0);
  g_hash_table_remove_all (recorder->logs);
  g_ptr_array_set_size (recorder->order, 0);
}

static void
recorder_init (Recorder *recorder,
               Fixture  *fixture,
               TbRunner *runner)
{
  memset (recorder, 0, sizeof *recorder);
  recorder->fixture = fixture;
  recorder->runner = runner;
  recorder->logs = g_hash_table_new (NULL, NULL);
  recorder->order = g_ptr_array_new_with_free_func ((GDestroyNotify) call_log_free);
  recorder->watched = g_ptr_array_new_with_free_func (g_object_unref);
  recorder->tokens_monotonic = TRUE;
  recorder->items_id = g_signal_connect (tb_runner_get_calls (runner), "items-changed",
                                         G_CALLBACK (calls_changed_cb), recorder);
  g_signal_connect (runner, "run-created", G_CALLBACK (on_run_created), recorder);
  g_signal_connect (runner, "call-changed", G_CALLBACK (on_call_changed), recorder);
}

static void
recorder_clear (Recorder *recorder,
                TbRunner *runner)
{
  recorder_forget (recorder);
  g_signal_handler_disconnect (tb_runner_get_calls (runner), recorder->items_id);
  g_signal_handlers_disconnect_by_data (runner, recorder);
  g_clear_pointer (&recorder->logs, g_hash_table_unref);
  g_clear_pointer (&recorder->order, g_ptr_array_unref);
  g_clear_pointer (&recorder->watched, g_ptr_array_unref);
  g_clear_object (&recorder->cancel_when_done);
  g_clear_handle_id (&recorder->first_write_id, g_source_remove);
  g_clear_pointer (&recorder->first_write_model, g_free);
}

/* Resets what a second job on the same runner is checked against. */
static void
recorder_reset (Recorder *recorder)
{
  recorder_forget (recorder);
  recorder->run_created = 0;
  recorder->notifications = 0;
  recorder->call_changes = 0;
  recorder->max_in_flight = 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

static TbUsecase *
parse_usecase (const char *id,
               const char *yaml)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *filename = g_strdup_printf ("%s.yaml", id);
  TbUsecase *usecase = tb_usecase_parse (id, yaml, -1, filename, &error);

  g_assert_no_error (error);
  g_assert_nonnull (usecase);
  return usecase;
}

static GPtrArray *
one_input (const char *name,
           const char *text)
{
  GPtrArray *inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_test_input_free);

  g_ptr_array_add (inputs, tb_test_input_new (NULL, name, text, strlen (text)));
  return inputs;
}

static TbRun *
run_set (TbRunner           *runner,
         TbUsecase          *usecase,
         GPtrArray          *inputs,
         const char * const *models,
         guint               repeat,
         GCancellable       *cancellable,
         GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tb_runner_run_async (runner, usecase, inputs, models, repeat, cancellable, on_async_done,
                       &result);
  wait_for (&result);
  return tb_runner_finish (runner, result, error);
}

static TbRun *
run_models (TbRunner           *runner,
            TbUsecase          *usecase,
            const char         *input,
            const char * const *models,
            GCancellable       *cancellable,
            GError            **error)
{
  g_autoptr(GPtrArray) inputs = one_input ("notes.txt", input);

  return run_set (runner, usecase, inputs, models, 1, cancellable, error);
}

static void
set_judge (TbRunner   *runner,
           const char *judge)
{
  const char *judges[] = { judge, NULL };

  tb_runner_set_judges (runner, judges);
}

static TbRun *
resume_run (TbRunner   *runner,
            const char *run_id,
            GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tb_runner_resume_async (runner, run_id, NULL, on_async_done, &result);
  wait_for (&result);
  return tb_runner_finish (runner, result, error);
}

static char *
lock_path (const TbRun *run)
{
  return g_build_filename (run->dir, ".lock", NULL);
}

/* Nobody holds the run's lock any more, and it can be taken. */
static void
assert_unlocked (Fixture *fixture,
                 TbRun   *run)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (tb_lock_is_held (run->dir));
  g_assert_true (tb_store_lock_run (fixture->store, run, &error));
  g_assert_no_error (error);
  g_assert_true (tb_lock_is_held (run->dir));
  tb_store_unlock_run (fixture->store, run);
  g_assert_false (tb_lock_is_held (run->dir));
}

static GPtrArray *
load_outputs (Fixture *fixture,
              TbRun   *run)
{
  GPtrArray *outputs = tb_store_load_outputs (fixture->store, run);

  g_assert_nonnull (outputs);
  return outputs;
}

static const TbScore *
find_score (TbJudgment *judgment,
            const char *model)
{
  for (guint i = 0; i < judgment->scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (judgment->scores, i);

      if (g_strcmp0 (score->model, model) == 0)
        return score;
    }
  g_error ("The judgment has no score for %s", model);
  return NULL;
}

static double
criterion_score (const TbScore *score,
                 const char    *name)
{
  double value = -1;

  g_assert_true (tb_score_get_criterion (score, name, &value));
  return value;
}

/* A /models entry; `structured`: the model takes response_format json_schema. */
static char *
catalog_entry (const char *id,
               gint64      context_length,
               gint64      max_completion_tokens,
               gboolean    structured)
{
  return g_strdup_printf ("{\"id\": \"%s\", \"name\": \"%s\", "
                          "\"context_length\": %" G_GINT64_FORMAT ", "
                          "\"pricing\": {\"prompt\": \"0.000001\", "
                          "\"completion\": \"0.000002\"}, "
                          "\"architecture\": {\"output_modalities\": [\"text\"]}, "
                          "\"top_provider\": {\"context_length\": %" G_GINT64_FORMAT ", "
                          "\"max_completion_tokens\": %" G_GINT64_FORMAT "}, "
                          "\"supported_parameters\": [%s]}",
                          id, id, context_length, context_length, max_completion_tokens,
                          structured ? "\"response_format\", \"structured_outputs\"" : "");
}

static TbCatalog *
parse_catalog (const char *first_entry,
               ...)
{
  g_autoptr(GString) json = g_string_new ("{\"data\": [");
  g_autoptr(GError) error = NULL;
  const char *entry = first_entry;
  TbCatalog *catalog;
  va_list args;

  va_start (args, first_entry);
  for (guint i = 0; entry != NULL; i++)
    {
      g_string_append_printf (json, "%s%s", i > 0 ? ", " : "", entry);
      entry = va_arg (args, const char *);
    }
  va_end (args);
  g_string_append (json, "]}");

  catalog = tb_catalog_parse (json->str, json->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (catalog);
  return catalog;
}

/* About `tokens` estimated tokens of numbered lines. */
static char *
long_input (gint64 tokens)
{
  GString *text = g_string_new (NULL);

  for (guint line = 1; tb_estimate_tokens (text->str, text->len) < tokens; line++)
    g_string_append_printf (text, "Line %04u: the meeting went over item %u once more.\n",
                            line, line);
  return g_string_free (text, FALSE);
}

/* ---- the calls model and ::run-created ------------------------------------------------- */

static void
test_progress_signals (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *models[] = { "fake/streamer", "fake/quick", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  g_autoptr(GPtrArray) judgments = NULL;
  FakeModel streamer = { 0 };
  FakeModel quick = { 0 };
  Recorder recorder;
  TbJudgment *judgment;
  const CallLog *log;

  streamer.content = "SCORE=8 The team agreed to ship on Friday, and Ada owns the release "
                     "notes; nobody raised a blocker, and the date stands as planned.";
  streamer.latency_ms = 100;
  streamer.chunk_delay_ms = 40;
  fake_server_set_model (fixture->server, "fake/streamer", &streamer);
  quick.content = "Ship Friday. SCORE=6";
  quick.latency_ms = 50;
  fake_server_set_model (fixture->server, "fake/quick", &quick);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 4);
  set_judge (runner, "fake/judge");
  recorder_init (&recorder, fixture, runner);

  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (run);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);
  g_assert_cmpstr (((TbRunInput *) g_ptr_array_index (run->inputs, 0))->name, ==, "notes.txt");

  g_assert_cmpuint (recorder.run_created, ==, 1);
  /* one handler on the runner hears every change of every call */
  g_assert_cmpuint (recorder.notifications, >, 8);
  g_assert_cmpuint (recorder.call_changes, ==, recorder.notifications);
  /* one list: two candidate calls, then one judge call per output */
  g_assert_cmpuint (g_list_model_get_n_items (tb_runner_get_calls (runner)), ==, 4);
  g_assert_cmpuint (tb_runner_get_finished (runner), ==, 4);
  g_assert_cmpuint (tb_runner_get_total (runner), ==, 4);

  /* the candidates */
  g_assert_cmpuint (count_logs (&recorder, TB_CALL_CANDIDATE), ==, 2);
  log = find_log (&recorder, "fake/streamer");
  g_assert_cmpint (log->state, ==, TB_CALL_DONE);
  g_assert_true (log->seen_running);
  g_assert_cmpuint (log->token_steps, >=, 3);
  g_assert_cmpuint (log->tokens, >, 0);
  g_assert_cmpint (log->elapsed_ms, >=, 100);
  g_assert_cmpuint (log->chunks, ==, 0);
  g_assert_cmpstr (log->done_cost_source, ==, "inline");
  /* …and re-announced once the billed cost came in */
  g_assert_cmpstr (log->cost_source, ==, "billed");
  g_assert_cmpfloat_with_epsilon (log->cost_usd, 0.001, 1e-9);
  /* a finished candidate shows the completion tokens its file records */
  {
    g_autoptr(GPtrArray) stored = load_outputs (fixture, run);

    g_assert_cmpuint (log->tokens, ==,
                      find_output (stored, "fake/streamer")->usage.completion_tokens);
    /* …from the moment it is done, which is when a CLI prints its line */
    g_assert_cmpuint (log->done_tokens, ==,
                      find_output (stored, "fake/streamer")->usage.completion_tokens);
    g_assert_cmpint (log->done_elapsed_ms, >=, 100);
  }
  log = find_log (&recorder, "fake/quick");
  g_assert_cmpint (log->state, ==, TB_CALL_DONE);
  g_assert_true (log->seen_running);
  g_assert_cmpint (log->elapsed_ms, >=, 50);

  /* the judge pass: one call per output, named after the output's model, with its score */
  g_assert_cmpuint (count_logs (&recorder, TB_CALL_JUDGE), ==, 2);
  log = find_judge_log (&recorder, "fake/streamer");
  g_assert_cmpint (log->state, ==, TB_CALL_DONE);
  g_assert_true (log->seen_running);
  g_assert_cmpfloat_with_epsilon (log->score, 80, 1e-9);
  g_assert_nonnull (log->cost_source);
  log = find_judge_log (&recorder, "fake/quick");
  g_assert_cmpint (log->state, ==, TB_CALL_DONE);
  g_assert_cmpfloat_with_epsilon (log->score, 60, 1e-9);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/judge"),
                    ==, 2);

  judgment = tb_runner_get_judgment (runner);
  g_assert_nonnull (judgment);
  g_assert_cmpstr (judgment->judge_model, ==, "fake/judge");
  g_assert_cmpuint (judgment->scores->len, ==, 2);
  g_assert_cmpfloat_with_epsilon (criterion_score (find_score (judgment, "fake/streamer"),
                                                   "accuracy"), 8, 1e-9);
  g_assert_cmpstr (judgment->best_overall, ==, "fake/streamer");
  judgments = tb_store_load_judgments (fixture->store, run);
  g_assert_cmpuint (judgments->len, ==, 1);
  g_assert_cmpstr (((TbJudgment *) g_ptr_array_index (judgments, 0))->file, ==,
                   judgment->file);

  outputs = load_outputs (fixture, run);
  g_assert_cmpuint (outputs->len, ==, 2);
  g_assert_cmpstr (find_output (outputs, "fake/streamer")->content, ==, streamer.content);
  g_assert_cmpint (find_output (outputs, "fake/streamer")->cost.source, ==, TB_COST_BILLED);

  assert_unlocked (fixture, run);
  recorder_clear (&recorder, runner);
}

/* ---- the concurrency limit --------------------------------------------------------- */

static void
test_concurrency_limit (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *models[] = { "fake/m1", "fake/m2", "fake/m3", "fake/m4", "fake/m5", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  FakeModel slow = { 0 };
  Recorder recorder;
  gint64 started;

  slow.latency_ms = 300;
  for (guint i = 0; models[i] != NULL; i++)
    fake_server_set_model (fixture->server, models[i], &slow);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  recorder_init (&recorder, fixture, runner);

  started = g_get_monotonic_time ();
  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);

  g_assert_cmpuint (recorder.max_in_flight, ==, 2);
  g_assert_cmpuint (count_logs (&recorder, TB_CALL_CANDIDATE), ==, 5);
  for (guint i = 0; models[i] != NULL; i++)
    {
      const CallLog *log = find_log (&recorder, models[i]);

      g_assert_cmpint (log->state, ==, TB_CALL_DONE);
      g_assert_cmpint (log->elapsed_ms, >=, 300);
      g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", models[i]),
                        ==, 1);
    }
  /* three rounds of two at most */
  g_assert_cmpint (g_get_monotonic_time () - started, >=, 900 * 1000);

  outputs = load_outputs (fixture, run);
  g_assert_cmpuint (outputs->len, ==, 5);
  for (guint i = 0; i < outputs->len; i++)
    g_assert_cmpint (((TbOutput *) g_ptr_array_index (outputs, i))->status, ==, TB_OUTPUT_OK);

  recorder_clear (&recorder, runner);
}

/* Concurrency 0 takes TASKBENCH_MAX_CONCURRENCY. */
static void
test_concurrency_from_env (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *models[] = { "fake/m1", "fake/m2", "fake/m3", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  FakeModel slow = { 0 };
  Recorder recorder;

  slow.latency_ms = 100;
  for (guint i = 0; models[i] != NULL; i++)
    fake_server_set_model (fixture->server, models[i], &slow);

  g_setenv ("TASKBENCH_MAX_CONCURRENCY", "1", TRUE);
  runner = tb_runner_new (fixture->client, fixture->store, NULL, 0);
  g_unsetenv ("TASKBENCH_MAX_CONCURRENCY");
  recorder_init (&recorder, fixture, runner);

  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);
  g_assert_cmpuint (recorder.max_in_flight, ==, 1);
  g_assert_cmpuint (count_logs (&recorder, TB_CALL_CANDIDATE), ==, 3);

  recorder_clear (&recorder, runner);
}

/* A second job on a runner under way is refused; the first one is unharmed. */
static void
test_busy_runner (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *models[] = { "fake/a", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbRun) refused = NULL;
  g_autoptr(GError) error = NULL;
  FakeModel slow = { 0 };
  Recorder recorder;

  slow.latency_ms = 200;
  fake_server_set_model (fixture->server, "fake/a", &slow);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  recorder_init (&recorder, fixture, runner);

  {
    g_autoptr(GPtrArray) notes = one_input ("notes.txt", SHORT_INPUT);
    g_autoptr(GPtrArray) other = one_input ("other.txt", SHORT_INPUT);

    tb_runner_run_async (runner, usecase, notes, models, 1, NULL, on_async_done, &first);
    tb_runner_run_async (runner, usecase, other, models, 1, NULL, on_async_done, &second);
  }
  wait_for (&second);
  refused = tb_runner_finish (runner, second, &error);
  g_assert_error (error, TB_ERROR, TB_ERROR_BUSY);
  g_assert_null (refused);
  g_clear_error (&error);

  wait_for (&first);
  run = tb_runner_finish (runner, first, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);
  g_assert_cmpstr (((TbRunInput *) g_ptr_array_index (run->inputs, 0))->name, ==, "notes.txt");
  g_assert_cmpuint (recorder.run_created, ==, 1);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/a"), ==, 1);

  recorder_clear (&recorder, runner);
}

/* ---- chunking --------------------------------------------------------------------- */

static void
test_chunking (Fixture       *fixture,
               gconstpointer  data)
{
  const char *models[] = { "fake/small", "fake/big", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("items", USECASE_ITEMS);
  g_autofree char *small_entry = catalog_entry ("fake/small", 4000, 500, FALSE);
  g_autofree char *big_entry = catalog_entry ("fake/big", 1000000, 16000, FALSE);
  g_autoptr(TbCatalog) catalog = parse_catalog (small_entry, big_entry, NULL);
  g_autofree char *input = long_input (6000);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  /* distinct items: the merge drops items repeated across a chunk edge */
  const char *parts[] = {
    "[{\"item\": \"part 1\"}]", "[{\"item\": \"part 2\"}]", "[{\"item\": \"part 3\"}]",
    "[{\"item\": \"part 4\"}]", "[{\"item\": \"part 5\"}]", "[{\"item\": \"part 6\"}]",
    NULL
  };
  FakeModel small = { 0 };
  FakeModel big = { 0 };
  Recorder recorder;
  const CallLog *log;
  const TbOutput *output;
  JsonArray *items;
  guint chunks;

  small.replies = parts;
  small.chunk_delay_ms = 5;
  fake_server_set_model (fixture->server, "fake/small", &small);
  big.content = "[{\"item\": \"all\"}]";
  fake_server_set_model (fixture->server, "fake/big", &big);

  runner = tb_runner_new (fixture->client, fixture->store, catalog, 2);
  recorder_init (&recorder, fixture, runner);

  run = run_models (runner, usecase, input, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);
  g_assert_cmpuint (tb_runner_get_warnings (runner)->len, ==, 0);

  log = find_log (&recorder, "fake/small");
  chunks = log->chunks;
  g_assert_cmpuint (chunks, >, 1);
  g_assert_cmpuint (log->max_chunk, ==, chunks);
  g_assert_cmpint (log->state, ==, TB_CALL_DONE);
  /* tokens kept counting across the chunks */
  g_assert_cmpuint (log->token_steps, >=, chunks);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/small"),
                    ==, chunks);

  log = find_log (&recorder, "fake/big");
  g_assert_cmpuint (log->chunks, ==, 0);
  g_assert_cmpuint (log->max_chunk, ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/big"),
                    ==, 1);

  outputs = load_outputs (fixture, run);
  output = find_output (outputs, "fake/small");
  g_assert_nonnull (output);
  g_assert_cmpint (output->status, ==, TB_OUTPUT_OK);
  g_assert_cmpuint (output->chunks, ==, chunks);
  g_assert_nonnull (output->generation_ids);
  g_assert_cmpuint (g_strv_length (output->generation_ids), ==, chunks);
  /* chunks run side by side: their ids come in the order the answers did */
  g_assert_true (g_strv_contains ((const char * const *) output->generation_ids,
                                  output->generation_id));
  g_assert_true (output->has_format_check);
  g_assert_true (output->format_valid);
  /* each chunk's call is paid: the billed cost sums them */
  g_assert_cmpint (output->cost.source, ==, TB_COST_BILLED);
  g_assert_cmpfloat_with_epsilon (output->cost.usd, 0.001 * chunks, 1e-9);

  /* the merged content: one array holding every chunk's items (the fake answers in the
   * order the requests arrive, which side by side is any order; the merge's own order is
   * test-prompt's) */
  g_assert_true (json_parser_load_from_data (parser, output->content, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));
  items = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (chunks, <, G_N_ELEMENTS (parts));
  g_assert_cmpuint (json_array_get_length (items), ==, chunks);
  for (guint i = 0; i < chunks; i++)
    {
      g_autofree char *expected = g_strdup_printf ("part %u", i + 1);
      guint found = 0;

      for (guint k = 0; k < chunks; k++)
        found += g_strcmp0 (json_object_get_string_member (
                              json_array_get_object_element (items, k), "item"), expected) == 0;
      g_assert_cmpuint (found, ==, 1);
    }

  output = find_output (outputs, "fake/big");
  g_assert_cmpuint (output->chunks, ==, 0);
  g_assert_null (output->generation_ids);

  recorder_clear (&recorder, runner);
}

/* A judge whose context cannot take the whole prompt judges in chunks and averages them. */
static void
test_chunked_judge (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *models[] = { "fake/cand", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autofree char *cand_entry = catalog_entry ("fake/cand", 1000000, 16000, FALSE);
  g_autofree char *judge_entry = catalog_entry ("fake/judge-small", 7000, 0, TRUE);
  g_autoptr(TbCatalog) catalog = parse_catalog (cand_entry, judge_entry, NULL);
  g_autofree char *input = long_input (3000);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  FakeModel cand = { 0 };
  FakeModel judge = { 0 };
  Recorder recorder;
  const CallLog *log;
  const TbScore *score;

  cand.content = "Every item was covered. SCORE=6";
  fake_server_set_model (fixture->server, "fake/cand", &cand);
  judge.chunk_delay_ms = 5;
  fake_server_set_model (fixture->server, "fake/judge-small", &judge);

  runner = tb_runner_new (fixture->client, fixture->store, catalog, 2);
  set_judge (runner, "fake/judge-small");
  recorder_init (&recorder, fixture, runner);

  run = run_models (runner, usecase, input, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);

  log = find_log (&recorder, "fake/cand");
  g_assert_cmpuint (log->chunks, ==, 0);

  log = find_judge_log (&recorder, "fake/cand");
  g_assert_cmpint (log->state, ==, TB_CALL_DONE);
  g_assert_cmpuint (log->chunks, >, 1);
  g_assert_cmpuint (log->max_chunk, ==, log->chunks);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions",
                                       "fake/judge-small"), ==, log->chunks);
  g_assert_cmpfloat_with_epsilon (log->score, 60, 1e-9);

  score = find_score (tb_runner_get_judgment (runner), "fake/cand");
  g_assert_null (score->error);
  g_assert_cmpfloat_with_epsilon (score->overall, 60, 1e-9);
  g_assert_nonnull (strstr (score->reasoning, "Part 2: "));

  recorder_clear (&recorder, runner);
}

/* A context too small for even the instructions fails at once, without a request. */
static void
test_context_too_small (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *models[] = { "fake/tiny", "fake/big", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autofree char *tiny_entry = catalog_entry ("fake/tiny", 600, 0, FALSE);
  g_autofree char *big_entry = catalog_entry ("fake/big", 1000000, 16000, FALSE);
  g_autoptr(TbCatalog) catalog = parse_catalog (tiny_entry, big_entry, NULL);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  Recorder recorder;
  const CallLog *log;
  const TbOutput *output;

  runner = tb_runner_new (fixture->client, fixture->store, catalog, 2);
  recorder_init (&recorder, fixture, runner);

  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_PARTIAL);

  log = find_log (&recorder, "fake/tiny");
  g_assert_cmpint (log->state, ==, TB_CALL_FAILED);
  g_assert_false (log->seen_running);
  g_assert_cmpuint (log->emissions, <=, 3);
  g_assert_nonnull (log->message);
  g_assert_nonnull (strstr (log->message, "context"));
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/tiny"),
                    ==, 0);
  g_assert_cmpint (find_log (&recorder, "fake/big")->state, ==, TB_CALL_DONE);

  outputs = load_outputs (fixture, run);
  output = find_output (outputs, "fake/tiny");
  g_assert_nonnull (output);
  g_assert_cmpint (output->status, ==, TB_OUTPUT_FAILED);
  g_assert_cmpstr (output->error_message, ==, log->message);
  g_assert_cmpuint (output->error_http_status, ==, 0);
  g_assert_null (output->content);
  g_assert_cmpuint (output->attempts, ==, 0);

  assert_unlocked (fixture, run);
  recorder_clear (&recorder, runner);
}

/* ---- judging ---------------------------------------------------------------------- */

static void
test_judge_no_criteria (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *models[] = { "fake/a", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("no-rubric", USECASE_NO_CRITERIA);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) judgments = NULL;
  FakeModel judge = { 0 };
  Recorder recorder;
  const TbScore *score;
  GPtrArray *requests;
  const FakeRequest *request = NULL;

  g_assert_cmpuint (usecase->criteria->len, ==, 0);
  judge.content = "{\"reasoning\": \"Clear and right.\", \"criteria\": {\"overall\": 6.5}, "
                  "\"violations\": [\"says nothing about Ada\"]}";
  fake_server_set_model (fixture->server, "fake/judge", &judge);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  set_judge (runner, "fake/judge");
  recorder_init (&recorder, fixture, runner);

  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);

  score = find_score (tb_runner_get_judgment (runner), "fake/a");
  g_assert_null (score->error);
  g_assert_cmpfloat_with_epsilon (criterion_score (score, "overall"), 6.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (score->overall, 65, 1e-9);
  g_assert_cmpuint (score->n_criteria, ==, 1);
  g_assert_cmpstr (score->criteria[0].name, ==, "overall");
  g_assert_cmpstr (score->reasoning, ==, "Clear and right.");
  g_assert_nonnull (score->violations);
  g_assert_cmpstr (score->violations[0], ==, "says nothing about Ada");
  g_assert_cmpfloat_with_epsilon (find_judge_log (&recorder, "fake/a")->score, 65, 1e-9);

  /* the judge was asked for the "overall" criterion */
  requests = fake_server_get_requests (fixture->server);
  for (guint i = 0; i < requests->len; i++)
    {
      const FakeRequest *r = g_ptr_array_index (requests, i);

      if (g_strcmp0 (r->model, "fake/judge") == 0)
        request = r;
    }
  g_assert_nonnull (request);
  g_assert_nonnull (strstr (request->body, "\"overall\""));
  g_assert_nonnull (strstr (request->body, "\"judgment\""));

  judgments = tb_store_load_judgments (fixture->store, run);
  g_assert_cmpuint (judgments->len, ==, 1);
  score = find_score (g_ptr_array_index (judgments, 0), "fake/a");
  g_assert_cmpfloat_with_epsilon (score->overall, 65, 1e-9);

  recorder_clear (&recorder, runner);
}

#define JUDGE_GARBAGE "I would rate this output quite highly overall."
#define JUDGE_VALID \
  "```json\n{\"reasoning\": \"Fine.\", \"criteria\": {\"accuracy\": 9, \"format\": 3}, " \
  "\"violations\": []}\n```"

static void
test_judge_retry_recovers (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *models[] = { "fake/a", NULL };
  const char *replies[] = { JUDGE_GARBAGE, JUDGE_VALID, NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  FakeModel judge = { 0 };
  Recorder recorder;
  const CallLog *log;
  const TbScore *score;

  judge.replies = replies;
  fake_server_set_model (fixture->server, "fake/judge", &judge);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  set_judge (runner, "fake/judge");
  recorder_init (&recorder, fixture, runner);

  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/judge"),
                    ==, 2);
  log = find_judge_log (&recorder, "fake/a");
  g_assert_true (log->seen_retrying);
  g_assert_cmpint (log->state, ==, TB_CALL_DONE);
  /* (2 × 9 + 1 × 3) / 3 × 10 */
  g_assert_cmpfloat_with_epsilon (log->score, 70, 1e-9);

  score = find_score (tb_runner_get_judgment (runner), "fake/a");
  g_assert_null (score->error);
  g_assert_cmpfloat_with_epsilon (score->overall, 70, 1e-9);
  /* both calls were paid for */
  g_assert_cmpfloat_with_epsilon (score->cost.usd, 0.002, 1e-9);
  g_assert_cmpstr (tb_runner_get_judgment (runner)->best_overall, ==, "fake/a");

  recorder_clear (&recorder, runner);
}

static void
test_judge_retry_gives_up (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", NULL };
  /* a gets two unusable answers; b, judged after it, a valid one scoring zero */
  const char *replies[] = {
    JUDGE_GARBAGE,
    "{\"reasoning\": \"Good.\", \"criteria\": {\"accuracy\": \"high\", \"format\": 5}}",
    "{\"reasoning\": \"Empty.\", \"criteria\": {\"accuracy\": 0, \"format\": 0}, "
    "\"violations\": []}",
    NULL
  };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) judgments = NULL;
  FakeModel judge = { 0 };
  Recorder recorder;
  const CallLog *log;
  const TbScore *score;
  TbJudgment *judgment;
  TbJudgment *stored;

  judge.replies = replies;
  fake_server_set_model (fixture->server, "fake/judge", &judge);

  /* one call at a time, so a's judging takes the first two replies */
  runner = tb_runner_new (fixture->client, fixture->store, NULL, 1);
  set_judge (runner, "fake/judge");
  recorder_init (&recorder, fixture, runner);

  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/judge"),
                    ==, 3);

  log = find_judge_log (&recorder, "fake/a");
  g_assert_cmpint (log->state, ==, TB_CALL_FAILED);
  g_assert_true (log->seen_retrying);
  g_assert_cmpfloat (log->score, ==, -1);
  g_assert_nonnull (log->message);
  g_assert_nonnull (strstr (log->message, "2 attempts"));
  log = find_judge_log (&recorder, "fake/b");
  g_assert_cmpint (log->state, ==, TB_CALL_DONE);
  g_assert_cmpfloat (log->score, ==, 0);

  judgment = tb_runner_get_judgment (runner);
  g_assert_cmpuint (judgment->scores->len, ==, 2);
  score = find_score (judgment, "fake/a");
  g_assert_nonnull (score->error);
  g_assert_nonnull (strstr (score->error, "accuracy"));
  g_assert_cmpfloat (score->overall, ==, 0);
  g_assert_cmpuint (score->n_criteria, ==, 0);
  /* the failed judging was still paid: two calls */
  g_assert_cmpfloat_with_epsilon (score->cost.usd, 0.002, 1e-9);
  /* the error is not a zero score: b, genuinely zero, is the best */
  g_assert_cmpstr (judgment->best_overall, ==, "fake/b");
  g_assert_null (judgment->budget_pick);

  judgments = tb_store_load_judgments (fixture->store, run);
  g_assert_cmpuint (judgments->len, ==, 1);
  stored = g_ptr_array_index (judgments, 0);
  g_assert_cmpstr (stored->file, ==, judgment->file);
  g_assert_cmpuint (stored->scores->len, ==, 2);
  g_assert_cmpstr (find_score (stored, "fake/a")->error, ==, score->error);
  g_assert_null (find_score (stored, "fake/b")->error);
  g_assert_cmpstr (stored->best_overall, ==, "fake/b");
  g_assert_cmpfloat_with_epsilon (stored->cost.usd, 0.003, 1e-9);

  recorder_clear (&recorder, runner);
}

/* A judge that is also a candidate, and models the catalog does not know, are warned about
 * once each, by the time ::run-created fires for the candidates. */
static void
test_warnings (Fixture       *fixture,
               gconstpointer  data)
{
  const char *models[] = { "fake/known", "local/unknown", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autofree char *known_entry = catalog_entry ("fake/known", 100000, 4000, TRUE);
  g_autoptr(TbCatalog) catalog = parse_catalog (known_entry, NULL);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  Recorder recorder;
  GPtrArray *warnings;
  guint judge_warnings = 0;
  guint unknown_warnings = 0;

  runner = tb_runner_new (fixture->client, fixture->store, catalog, 2);
  set_judge (runner, "fake/known");
  recorder_init (&recorder, fixture, runner);

  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);
  g_assert_cmpuint (count_logs (&recorder, TB_CALL_JUDGE), ==, 2);

  warnings = tb_runner_get_warnings (runner);
  for (guint i = 0; i < warnings->len; i++)
    {
      const char *warning = g_ptr_array_index (warnings, i);

      if (strstr (warning, "also a candidate") != NULL)
        judge_warnings++;
      if (strstr (warning, "local/unknown is not in the model catalog") != NULL)
        unknown_warnings++;
    }
  g_assert_cmpuint (judge_warnings, ==, 1);
  g_assert_cmpuint (unknown_warnings, ==, 1);

  recorder_clear (&recorder, runner);
}

/* ---- the matrix ------------------------------------------------------------------- */

/* Judging is not a phase after the run: an output is judged as soon as it lands, while
 * slower candidates are still answering. */
static void
test_judging_as_outputs_land (Fixture       *fixture,
                              gconstpointer  data)
{
  const char *models[] = { "fake/fast", "fake/slow", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  FakeModel fast = { 0 };
  FakeModel slow = { 0 };
  Recorder recorder;
  const CallLog *judged_fast;
  const CallLog *slow_log;

  fast.content = "Ship Friday. SCORE=7";
  fake_server_set_model (fixture->server, "fake/fast", &fast);
  slow.content = "Ship on Friday, Ada writes the notes. SCORE=9";
  slow.latency_ms = 800;
  fake_server_set_model (fixture->server, "fake/slow", &slow);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 4);
  set_judge (runner, "fake/judge");
  recorder_init (&recorder, fixture, runner);

  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);

  judged_fast = find_judge_log (&recorder, "fake/fast");
  slow_log = find_log (&recorder, "fake/slow");
  g_assert_cmpint (judged_fast->state, ==, TB_CALL_DONE);
  g_assert_cmpint (judged_fast->done_at, >, 0);
  g_assert_cmpint (judged_fast->done_at, <, slow_log->done_at);
  g_assert_cmpfloat_with_epsilon (judged_fast->score, 70, 1e-9);
  g_assert_cmpfloat_with_epsilon (find_judge_log (&recorder, "fake/slow")->score, 90, 1e-9);

  recorder_clear (&recorder, runner);
}

/* Every model on every input, `repeat` times: each cell its own file, judged apart. */
static void
test_set_with_repeats (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func
                                  ((GDestroyNotify) tb_test_input_free);
  g_autoptr(GPtrArray) outputs = NULL;
  g_autoptr(GPtrArray) judgments = NULL;
  TbJudgment *judgment;
  Recorder recorder;

  g_ptr_array_add (inputs, tb_test_input_new (NULL, "monday.txt", SHORT_INPUT,
                                              strlen (SHORT_INPUT)));
  g_ptr_array_add (inputs, tb_test_input_new (NULL, "tuesday.txt", "Tuesday: nothing new.\n",
                                              strlen ("Tuesday: nothing new.\n")));
  tb_test_input_set_reference (g_ptr_array_index (inputs, 1), "tuesday.ref.txt",
                               "REFERENCE-TUESDAY", strlen ("REFERENCE-TUESDAY"));

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 3);
  set_judge (runner, "fake/judge");
  recorder_init (&recorder, fixture, runner);

  run = run_set (runner, usecase, inputs, models, 2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);
  g_assert_cmpuint (run->inputs->len, ==, 2);
  g_assert_cmpuint (run->repeat, ==, 2);
  g_assert_true (tb_run_is_test_set (run));
  g_assert_cmpuint (count_logs (&recorder, TB_CALL_CANDIDATE), ==, 8);
  g_assert_cmpuint (count_logs (&recorder, TB_CALL_JUDGE), ==, 8);
  g_assert_cmpuint (recorder.max_in_flight, <=, 3);

  /* the files of the test-set layout */
  for (guint m = 0; models[m] != NULL; m++)
    for (guint i = 0; i < 2; i++)
      for (guint r = 1; r <= 2; r++)
        {
          const char *key = i == 0 ? "monday" : "tuesday";
          g_autofree char *relative = tb_run_output_file (run, models[m], key, r);
          g_autofree char *path = g_build_filename (run->dir, relative, NULL);
          g_autofree char *slug = tb_model_slug (models[m]);
          g_autofree char *expected = g_strdup_printf ("outputs/%s/%s@%u.json", key, slug, r);

          g_assert_cmpstr (relative, ==, expected);
          g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
        }
  {
    g_autofree char *input = g_build_filename (run->dir, "inputs", "tuesday", "input.txt", NULL);
    g_autofree char *reference = g_build_filename (run->dir, "inputs", "tuesday",
                                                   "reference.txt", NULL);

    g_assert_true (g_file_test (input, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (reference, G_FILE_TEST_IS_REGULAR));
  }

  outputs = load_outputs (fixture, run);
  g_assert_cmpuint (outputs->len, ==, 8);
  for (guint i = 0; i < outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (outputs, i);

      g_assert_cmpint (output->status, ==, TB_OUTPUT_OK);
      g_assert_nonnull (output->input);
      g_assert_cmpuint (output->repeat, >=, 1);
      g_assert_cmpuint (output->repeat, <=, 2);
    }

  judgments = tb_store_load_judgments (fixture->store, run);
  g_assert_cmpuint (judgments->len, ==, 1);
  judgment = g_ptr_array_index (judgments, 0);
  g_assert_cmpuint (judgment->scores->len, ==, 8);
  for (guint i = 0; i < judgment->scores->len; i++)
    {
      TbScore *score = g_ptr_array_index (judgment->scores, i);

      g_assert_nonnull (score->input);
      g_assert_cmpstr (score->judge, ==, "fake/judge");
      g_assert_null (score->error);
    }

  /* the judge saw each input's own reference, and only there */
  {
    GPtrArray *requests = fake_server_get_requests (fixture->server);
    guint with_reference = 0;

    for (guint i = 0; i < requests->len; i++)
      {
        const FakeRequest *request = g_ptr_array_index (requests, i);

        if (g_strcmp0 (request->model, "fake/judge") == 0
            && strstr (request->body, "REFERENCE-TUESDAY") != NULL)
          {
            g_assert_nonnull (strstr (request->body, "Tuesday: nothing new."));
            with_reference++;
          }
      }
    g_assert_cmpuint (with_reference, ==, 4);
  }

  recorder_clear (&recorder, runner);
}

/* ---- pairwise -------------------------------------------------------------------------- */

static void
set_quality (Fixture    *fixture,
             const char *model,
             double      quality)
{
  FakeModel spec = { 0 };

  spec.has_quality = TRUE;
  spec.quality = quality;
  spec.quality_noise = 0.2;
  spec.length_min = 20;
  spec.length_max = 40;
  fake_server_set_model (fixture->server, model, &spec);
}

static GPtrArray *
three_inputs (void)
{
  GPtrArray *inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_test_input_free);
  const char *texts[] = { "Monday: ship on Friday.\n", "Tuesday: Ada writes the notes.\n",
                          "Wednesday: the demo moved.\n" };
  const char *names[] = { "mon.txt", "tue.txt", "wed.txt" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    g_ptr_array_add (inputs, tb_test_input_new (NULL, names[i], texts[i], strlen (texts[i])));
  return inputs;
}

static TbVerdict *
verdict_of (Fixture     *fixture,
            const TbRun *run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRunData) data = tb_store_load_run_data (fixture->store, run->id, &error);

  g_assert_no_error (error);
  return tb_verdict_for_run (data, 0);
}

static guint
count_requests_with (Fixture    *fixture,
                     const char *model,
                     const char *text)
{
  GPtrArray *requests = fake_server_get_requests (fixture->server);
  guint n = 0;

  for (guint i = 0; i < requests->len; i++)
    {
      const FakeRequest *request = g_ptr_array_index (requests, i);

      if (g_strcmp0 (request->model, model) == 0 && request->body != NULL
          && strstr (request->body, text) != NULL)
        n++;
    }
  return n;
}

/* A judge that always answers "A" whatever it is shown: every pair swaps its winner with
 * the order, so nothing is a win — all ties, all inconsistent, all on the first position. */
static void
test_pairwise_position_bias (Fixture       *fixture,
                             gconstpointer  data)
{
  const char *models[] = { "fake/good", "fake/twin", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(GPtrArray) inputs = three_inputs ();
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbVerdict) verdict = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) judgments = NULL;
  FakeModel judge = { 0 };
  TbJudgment *judgment;
  TbPairTally *tally;

  set_quality (fixture, "fake/good", 8.0);
  set_quality (fixture, "fake/twin", 8.0);
  judge.judge_position_bias = 1.0;
  fake_server_set_model (fixture->server, "fake/judge", &judge);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 4);
  set_judge (runner, "fake/judge");
  tb_runner_set_judge_mode (runner, "pairwise");
  run = run_set (runner, usecase, inputs, models, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);
  g_assert_cmpstr (run->judge_mode, ==, "pairwise");

  /* one pair, both orders, three inputs: six calls, each with A and B quoted */
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/judge"),
                    ==, 6);
  g_assert_cmpuint (count_requests_with (fixture, "fake/judge", "\"pairwise\""), ==, 6);
  g_assert_cmpuint (count_requests_with (fixture, "fake/judge", "BEGIN OUTPUT A "), ==, 6);
  g_assert_cmpuint (count_requests_with (fixture, "fake/judge", "BEGIN OUTPUT B "), ==, 6);

  judgments = tb_store_load_judgments (fixture->store, run);
  g_assert_cmpuint (judgments->len, ==, 1);
  judgment = g_ptr_array_index (judgments, 0);
  g_assert_cmpstr (judgment->mode, ==, "pairwise");
  g_assert_cmpuint (judgment->comparisons->len, ==, 6);
  g_assert_cmpuint (judgment->scores->len, ==, 0);
  g_assert_true (judgment->has_seed);
  for (guint i = 0; i < judgment->comparisons->len; i++)
    {
      TbComparison *comparison = g_ptr_array_index (judgment->comparisons, i);

      g_assert_cmpint (comparison->winner, ==, TB_WINNER_A);
      g_assert_null (comparison->error);
      g_assert_nonnull (comparison->input);
    }

  verdict = verdict_of (fixture, run);
  g_assert_nonnull (verdict->pairwise);
  g_assert_cmpuint (verdict->pairwise->comparisons, ==, 3);
  g_assert_cmpuint (verdict->pairwise->inconsistent, ==, 3);
  g_assert_cmpuint (verdict->pairwise->first_position_wins, ==, 3);
  g_assert_cmpuint (verdict->pairwise->pairs->len, ==, 1);
  tally = g_ptr_array_index (verdict->pairwise->pairs, 0);
  g_assert_cmpuint (tally->a_wins, ==, 0);
  g_assert_cmpuint (tally->b_wins, ==, 0);
  g_assert_cmpuint (tally->ties, ==, 3);
  g_assert_cmpuint (tally->inconsistent, ==, 3);
}

/* A real quality gap: the better output wins in both orders on every input. */
static void
test_pairwise_quality_gap (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *models[] = { "fake/weak", "fake/strong", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(GPtrArray) inputs = three_inputs ();
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbVerdict) verdict = NULL;
  g_autoptr(GError) error = NULL;
  FakeModel judge = { 0 };
  TbPairTally *tally;
  TbPairRank *first;

  set_quality (fixture, "fake/weak", 4.0);
  set_quality (fixture, "fake/strong", 9.0);
  judge.judge_tie_margin = 0.5;
  fake_server_set_model (fixture->server, "fake/judge", &judge);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 4);
  set_judge (runner, "fake/judge");
  tb_runner_set_judge_mode (runner, "pairwise");
  run = run_set (runner, usecase, inputs, models, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);

  verdict = verdict_of (fixture, run);
  g_assert_nonnull (verdict->pairwise);
  g_assert_cmpuint (verdict->pairwise->comparisons, ==, 3);
  g_assert_cmpuint (verdict->pairwise->inconsistent, ==, 0);
  tally = g_ptr_array_index (verdict->pairwise->pairs, 0);
  g_assert_cmpuint (g_str_equal (tally->a, "fake/strong") ? tally->a_wins : tally->b_wins,
                    ==, 3);
  g_assert_cmpuint (g_str_equal (tally->a, "fake/strong") ? tally->b_wins : tally->a_wins,
                    ==, 0);
  g_assert_cmpuint (tally->ties, ==, 0);
  first = g_ptr_array_index (verdict->pairwise->ranking, 0);
  g_assert_cmpstr (first->model, ==, "fake/strong");
  g_assert_cmpfloat (first->win_rate, ==, 1.0);
}

/* A pairwise pass over a judged run compares only the models it is given, and a second
 * pass of the same kind starts a judgment of its own. */
static void
test_pairwise_pass_on_subset (Fixture       *fixture,
                              gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", "fake/c", NULL };
  const char *pair[] = { "fake/a", "fake/c", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(GPtrArray) inputs = three_inputs ();
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbRun) judged = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) judgments = NULL;
  TbJudgment *latest;

  set_quality (fixture, "fake/a", 7.0);
  set_quality (fixture, "fake/b", 5.0);
  set_quality (fixture, "fake/c", 7.0);
  runner = tb_runner_new (fixture->client, fixture->store, NULL, 4);
  set_judge (runner, "fake/judge");
  run = run_set (runner, usecase, inputs, models, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (run->judge_mode, ==, "pointwise");

  fake_server_clear_requests (fixture->server);
  tb_runner_set_judge_mode (runner, "pairwise");
  tb_runner_set_pair_models (runner, pair);
  tb_runner_judge_async (runner, run->id, NULL, on_async_done, &result);
  wait_for (&result);
  judged = tb_runner_finish (runner, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (judged);

  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/judge"),
                    ==, 6);
  judgments = tb_store_load_judgments (fixture->store, run);
  g_assert_cmpuint (judgments->len, ==, 2);
  latest = g_ptr_array_index (judgments, 0);
  g_assert_cmpstr (latest->mode, ==, "pairwise");
  for (guint i = 0; i < latest->comparisons->len; i++)
    {
      TbComparison *comparison = g_ptr_array_index (latest->comparisons, i);

      g_assert_cmpstr (comparison->a, !=, "fake/b");
      g_assert_cmpstr (comparison->b, !=, "fake/b");
    }
  /* the pointwise judgment is still the one the means come from */
  {
    g_autoptr(TbVerdict) verdict = verdict_of (fixture, run);

    g_assert_nonnull (verdict->pairwise);
    g_assert_true (tb_verdict_find (verdict, "fake/b")->has_mean);
  }
}

/* ---- provenance --------------------------------------------------------------------------- */

#define USECASE_PROVIDER \
  "name: Pinned\n" \
  "goal: Say something useful about the notes.\n" \
  "output:\n" \
  "  format: text\n" \
  "models:\n" \
  "  provider: {order: [Groq, Together], allow_fallbacks: false}\n"

/* The use case's provider object arrives verbatim in every request; /generation's
 * provenance lands in the output file; a BYOK call costs its upstream charge and the fee. */
static void
test_provenance (Fixture       *fixture,
                 gconstpointer  data)
{
  const char *models[] = { "fake/pinned", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("pinned", USECASE_PROVIDER);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  GPtrArray *requests;
  FakeModel model = { 0 };
  const TbOutput *output;
  guint chat = 0;

  model.content = "Friday.";
  model.cost = 0.0002;
  model.billed_cost = 0.0002;
  model.upstream_cost = 0.0031;
  model.is_byok = TRUE;
  model.cache_discount = -0.0001;
  model.generation_time_ms = 1234;
  model.native_finish_reason = "end_turn";
  model.provider = "Groq";
  fake_server_set_model (fixture->server, "fake/pinned", &model);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);

  requests = fake_server_get_requests (fixture->server);
  for (guint i = 0; i < requests->len; i++)
    {
      const FakeRequest *request = g_ptr_array_index (requests, i);
      JsonObject *body, *provider;
      JsonArray *order;

      if (g_strcmp0 (request->model, "fake/pinned") != 0)
        continue;
      chat++;
      g_assert_true (json_parser_load_from_data (parser, request->body, -1, &error));
      body = json_node_get_object (json_parser_get_root (parser));
      provider = json_object_get_object_member (body, "provider");
      g_assert_nonnull (provider);
      order = json_object_get_array_member (provider, "order");
      g_assert_cmpuint (json_array_get_length (order), ==, 2);
      g_assert_cmpstr (json_array_get_string_element (order, 0), ==, "Groq");
      g_assert_cmpstr (json_array_get_string_element (order, 1), ==, "Together");
      g_assert_false (json_object_get_boolean_member (provider, "allow_fallbacks"));
      g_assert_cmpuint (json_object_get_size (provider), ==, 2);
    }
  g_assert_cmpuint (chat, ==, 1);

  outputs = load_outputs (fixture, run);
  output = g_ptr_array_index (outputs, 0);
  g_assert_cmpstr (output->provider, ==, "Groq");
  g_assert_cmpstr (output->native_finish_reason, ==, "end_turn");
  g_assert_true (output->is_byok);
  g_assert_true (output->has_upstream_cost);
  g_assert_cmpfloat_with_epsilon (output->upstream_usd, 0.0031, 1e-12);
  g_assert_true (output->has_cache_discount);
  g_assert_cmpfloat_with_epsilon (output->cache_discount, -0.0001, 1e-12);
  g_assert_true (output->has_generation_time);
  g_assert_cmpint (output->generation_time_ms, ==, 1234);
  /* what the call cost: the upstream charge to the user's own key, and OpenRouter's fee */
  g_assert_cmpint (output->cost.source, ==, TB_COST_BILLED);
  g_assert_cmpfloat_with_epsilon (output->cost.usd, 0.0031 + 0.0002, 1e-12);
}

/* The chunks of one input run side by side within the limit: a 12-part input at
 * concurrency 4 takes about three latencies, not twelve. */
static void
test_chunks_concurrently (Fixture       *fixture,
                          gconstpointer  data)
{
  const char *models[] = { "fake/small", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  g_autofree char *entry = catalog_entry ("fake/small", 6000, 1000, FALSE);
  g_autofree char *input = NULL;
  g_autofree char *overhead_prompt = NULL;
  FakeModel slow = { 0 };
  gint64 budget = 0;
  guint parts = 0;
  gint64 tokens = 12000;

  catalog = parse_catalog (entry, NULL);
  overhead_prompt = tb_prompt_executor (usecase, "", NULL);
  /* an input that makes exactly 12 parts at this context */
  for (;; tokens += 200)
    {
      g_free (input);
      input = long_input (tokens);
      g_assert_true (tb_chunk_budget ("fake/small", 6000, 1000,
                                      tb_estimate_tokens (input, -1),
                                      tb_estimate_tokens (overhead_prompt, -1), &budget, NULL,
                                      NULL));
      parts = tb_chunk_count (input, strlen (input), budget, TB_CHUNK_OVERLAP_LINES);
      if (parts >= 12)
        break;
    }
  g_assert_cmpuint (parts, ==, 12);

  slow.content = "[{\"item\": \"x\"}]";
  slow.latency_ms = 100;
  fake_server_set_model (fixture->server, "fake/small", &slow);
  runner = tb_runner_new (fixture->client, fixture->store, catalog, 4);
  run = run_models (runner, usecase, input, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/small"),
                    ==, 12);
  /* several at a time: one after another would never have two in flight. The server
   * counts an answer until its own "finished" handler runs, which on this shared loop can
   * come after the client has already sent the next call: hence up to one more than the
   * limit (the limit itself is checked exactly by the concurrency-limit test). */
  g_assert_cmpuint (fake_server_get_max_in_flight (fixture->server), >=, 3);
  g_assert_cmpuint (fake_server_get_max_in_flight (fixture->server), <=, 5);
  outputs = load_outputs (fixture, run);
  g_assert_cmpuint (((TbOutput *) g_ptr_array_index (outputs, 0))->chunks, ==, 12);
}

/* ---- money: the cap ---------------------------------------------------------------------- */

static double
billed_total (Fixture *fixture,
              TbRun   *run)
{
  g_autoptr(GPtrArray) outputs = load_outputs (fixture, run);
  double total = 0;

  for (guint i = 0; i < outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (outputs, i);

      if (tb_cost_is_known (&output->cost))
        total += output->cost.usd;
    }
  return total;
}

/* A cap that fits some calls: those that would pass it are skipped, never sent; the run is
 * partial with stop_reason "budget"; the spend stays under the cap; a resume with a larger
 * cap makes only the skipped calls. */
static void
test_budget_cap (Fixture       *fixture,
                 gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", "fake/c", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(GPtrArray) inputs = three_inputs ();
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbRun) resumed = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  g_autofree char *entry_a = catalog_entry ("fake/a", 100000, 4000, FALSE);
  g_autofree char *entry_b = catalog_entry ("fake/b", 100000, 4000, FALSE);
  g_autofree char *entry_c = catalog_entry ("fake/c", 100000, 4000, FALSE);
  FakeModel by_tokens = { 0 };
  guint skipped = 0, sent;
  double first_forecast, cap = 0.0012;

  catalog = parse_catalog (entry_a, entry_b, entry_c, NULL);
  by_tokens.bill_by_tokens = TRUE;
  for (guint i = 0; models[i] != NULL; i++)
    {
      fake_server_add_catalog_model (fixture->server, models[i], 100000, 0.000001, 0.000002,
                                     FALSE);
      fake_server_set_model (fixture->server, models[i], &by_tokens);
    }

  /* one call at a time: what is in flight is one call's forecast */
  runner = tb_runner_new (fixture->client, fixture->store, catalog, 1);
  tb_runner_set_max_cost (runner, TRUE, cap);
  run = run_set (runner, usecase, inputs, models, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_PARTIAL);
  g_assert_cmpstr (run->stop_reason, ==, "budget");
  g_assert_true (run->has_max_cost);
  g_assert_cmpfloat (run->max_cost_usd, ==, cap);
  g_assert_true (tb_runner_stopped_by_budget (runner));
  g_assert_nonnull (run->forecast);
  first_forecast = json_object_get_double_member (json_node_get_object (run->forecast),
                                                  "total_usd");
  g_assert_cmpfloat (first_forecast, >, cap);

  outputs = load_outputs (fixture, run);
  g_assert_cmpuint (outputs->len, ==, 9);
  for (guint i = 0; i < outputs->len; i++)
    if (((TbOutput *) g_ptr_array_index (outputs, i))->status == TB_OUTPUT_SKIPPED)
      skipped++;
  sent = fake_server_count (fixture->server, "/chat/completions", NULL);
  g_test_message ("cap %.4f: %u calls sent, %u skipped, billed %.6f", cap, sent, skipped,
                  billed_total (fixture, run));
  g_assert_cmpuint (skipped, >, 0);
  g_assert_cmpuint (sent + skipped, ==, 9);
  g_assert_cmpfloat (billed_total (fixture, run), <=, cap);

  /* the rest, and only the rest */
  tb_runner_set_max_cost (runner, TRUE, 1.0);
  resumed = resume_run (runner, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (resumed->status, ==, TB_RUN_DONE);
  g_assert_null (resumed->stop_reason);
  g_assert_cmpfloat (resumed->max_cost_usd, ==, 1.0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", NULL), ==, 9);
}

/* A cap with a model whose price is unknown: its calls cannot be shown to fit. */
static void
test_budget_unknown_price (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *models[] = { "fake/unpriced", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  TbOutput *output;

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  tb_runner_set_max_cost (runner, TRUE, 5.0);
  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_PARTIAL);
  g_assert_cmpstr (run->stop_reason, ==, "budget");
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", NULL), ==, 0);
  outputs = load_outputs (fixture, run);
  output = g_ptr_array_index (outputs, 0);
  g_assert_cmpint (output->status, ==, TB_OUTPUT_SKIPPED);
  g_assert_nonnull (strstr (output->error_message, "no known price"));
}

/* A dry run makes the forecast and nothing else: no call, no folder. */
static void
test_dry_run (Fixture       *fixture,
              gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(GPtrArray) inputs = three_inputs ();
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  const TbForecast *forecast;

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  set_judge (runner, "fake/judge");
  tb_runner_set_dry_run (runner, TRUE);
  run = run_set (runner, usecase, inputs, models, 2, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (run);
  g_assert_null (run->dir);
  forecast = tb_runner_get_forecast (runner);
  g_assert_nonnull (forecast);
  /* 2 models × 3 inputs × 2 repeats, and a judge call for each */
  g_assert_cmpuint (forecast->calls, ==, 24);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", NULL), ==, 0);
  ids = tb_store_list_run_ids (fixture->store, "runner-test");
  g_assert_cmpuint (ids->len, ==, 0);
}

static void
block_output_file (TbRunner *runner,
                   gpointer  user_data)
{
  TbRun *run = tb_runner_get_run (runner);
  g_autofree char *relative = tb_run_output_file (run, user_data, NULL, 1);
  g_autofree char *path = g_build_filename (run->dir, relative, NULL);

  /* A folder where the file must go: the rename of every save fails. */
  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
}

/* An answer that was paid for but cannot be saved fails its cell, loudly: the run is not
 * done. */
static void
test_save_failure (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *warnings;
  gboolean warned = FALSE;

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  g_signal_connect (runner, "run-created", G_CALLBACK (block_output_file), (gpointer) "fake/a");

  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_PARTIAL);

  warnings = tb_runner_get_warnings (runner);
  for (guint i = 0; i < warnings->len; i++)
    if (strstr (g_ptr_array_index (warnings, i), "Could not save the output of fake/a") != NULL)
      warned = TRUE;
  g_assert_true (warned);
}

/* A resume completes the judgment the run was making: only the scores it lacks are asked
 * for, into the same file. */
static void
test_resume_completes_judgment (Fixture       *fixture,
                                gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", NULL };
  const char *replies[] = {
    "{\"reasoning\": \"Good.\", \"criteria\": {\"accuracy\": 8, \"format\": 8}, "
    "\"violations\": []}",
    JUDGE_GARBAGE, JUDGE_GARBAGE,
    "{\"reasoning\": \"Fine.\", \"criteria\": {\"accuracy\": 6, \"format\": 6}, "
    "\"violations\": []}",
    NULL
  };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRunner) again = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbRun) resumed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) judgments = NULL;
  FakeModel judge = { 0 };
  TbJudgment *judgment;
  guint valid = 0;

  judge.replies = replies;
  fake_server_set_model (fixture->server, "fake/judge", &judge);

  /* one call at a time: a is judged 80, b's judging fails twice */
  runner = tb_runner_new (fixture->client, fixture->store, NULL, 1);
  set_judge (runner, "fake/judge");
  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/judge"),
                    ==, 3);

  /* resumed without naming a judge: the run's own judges finish the job */
  again = tb_runner_new (fixture->client, fixture->store, NULL, 1);
  resumed = resume_run (again, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (resumed->status, ==, TB_RUN_DONE);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/a"), ==, 1);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/b"), ==, 1);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/judge"),
                    ==, 4);

  judgments = tb_store_load_judgments (fixture->store, resumed);
  g_assert_cmpuint (judgments->len, ==, 1);
  judgment = g_ptr_array_index (judgments, 0);
  for (guint i = 0; i < judgment->scores->len; i++)
    if (((TbScore *) g_ptr_array_index (judgment->scores, i))->error == NULL)
      valid++;
  g_assert_cmpuint (valid, ==, 2);
  g_assert_cmpstr (judgment->best_overall, ==, "fake/a");
}

/* ---- cancellation ------------------------------------------------------------------- */

static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  const char *models[] = { "fake/fast", "fake/slow1", "fake/slow2", "fake/slow3", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbRun) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  g_autoptr(GPtrArray) judgments = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  FakeModel slow = { 0 };
  Recorder recorder;
  gint64 started;

  slow.latency_ms = 20000;
  fake_server_set_model (fixture->server, "fake/slow1", &slow);
  fake_server_set_model (fixture->server, "fake/slow2", &slow);
  fake_server_set_model (fixture->server, "fake/slow3", &slow);

  /* fast and slow1 start; slow2 takes fast's slot; slow3 is still queued at the cancel */
  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  set_judge (runner, "fake/judge");
  recorder_init (&recorder, fixture, runner);
  recorder.cancel_when_done = g_object_ref (cancellable);
  recorder.cancel_model = "fake/fast";

  started = g_get_monotonic_time ();
  run = run_models (runner, usecase, SHORT_INPUT, models, cancellable, &error);
  g_assert_no_error (error);
  g_assert_nonnull (run);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 15 * G_USEC_PER_SEC);
  g_assert_cmpint (run->status, ==, TB_RUN_CANCELLED);

  g_assert_cmpint (find_log (&recorder, "fake/fast")->state, ==, TB_CALL_DONE);
  for (guint i = 1; models[i] != NULL; i++)
    g_assert_cmpint (find_log (&recorder, models[i])->state, ==, TB_CALL_CANCELLED);
  g_assert_false (find_log (&recorder, "fake/slow3")->seen_running);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/slow3"),
                    ==, 0);

  outputs = load_outputs (fixture, run);
  g_assert_cmpuint (outputs->len, ==, 4);
  g_assert_cmpint (find_output (outputs, "fake/fast")->status, ==, TB_OUTPUT_OK);
  for (guint i = 1; models[i] != NULL; i++)
    {
      const TbOutput *output = find_output (outputs, models[i]);

      g_assert_nonnull (output);
      g_assert_cmpint (output->status, ==, TB_OUTPUT_CANCELLED);
      g_assert_null (output->content);
      g_assert_nonnull (output->error_message);
    }

  /* Judging of fast's output started as it landed, and the cancel stopped it: no score,
   * no judgment file, and no judging of anything else. */
  g_assert_cmpuint (count_logs (&recorder, TB_CALL_JUDGE), ==, 1);
  g_assert_cmpint (find_judge_log (&recorder, "fake/fast")->state, ==, TB_CALL_CANCELLED);
  judgments = tb_store_load_judgments (fixture->store, run);
  g_assert_cmpuint (judgments->len, ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/judge"),
                    <=, 1);

  assert_unlocked (fixture, run);
  loaded = tb_store_load_run (fixture->store, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->status, ==, TB_RUN_CANCELLED);

  recorder_clear (&recorder, runner);
}

/* ---- resume ------------------------------------------------------------------------- */

/* A process that holds `lock_file` with flock(1) for 30 s, as another TaskBench would. */
static GPid
spawn_holder (const char *lock_file)
{
  const char *argv[] = { "flock", "--close", "--exclusive", "--nonblock", lock_file, "sleep", "30",
                         NULL };
  g_autoptr(GError) error = NULL;
  GPid pid = 0;

  g_spawn_async (NULL, (char **) argv, NULL,
                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                 | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                 NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pid, >, 0);
  return pid;
}

static void
kill_holder (GPid pid)
{
  int status = 0;

  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  /* reaped, so the pid is gone (a zombie would still look alive) */
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
}

static void
test_resume_locked (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbRun) busy = NULL;
  g_autoptr(TbRun) resumed = NULL;
  g_autoptr(TbRun) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  g_autofree char *lock = NULL;
  FakeModel flaky = { 0 };
  Recorder recorder;
  GPid pid;

  /* b's key is refused once: not retried, so the first run ends partial */
  flaky.fail_status = 401;
  flaky.fail_times = 1;
  fake_server_set_model (fixture->server, "fake/b", &flaky);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  recorder_init (&recorder, fixture, runner);

  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_PARTIAL);
  g_assert_cmpint (find_log (&recorder, "fake/b")->state, ==, TB_CALL_FAILED);

  /* another live process holds the run */
  lock = lock_path (run);
  pid = spawn_holder (lock);
  for (guint i = 0; i < 500 && !tb_lock_is_held (run->dir); i++)
    g_usleep (10000);
  g_assert_true (tb_lock_is_held (run->dir));

  recorder_reset (&recorder);
  busy = resume_run (runner, run->id, &error);
  g_assert_error (error, TB_ERROR, TB_ERROR_BUSY);
  g_assert_null (busy);
  g_clear_error (&error);
  g_assert_cmpuint (recorder.run_created, ==, 0);
  g_assert_cmpuint (recorder.notifications, ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/b"), ==, 1);
  /* the other process still holds it */
  g_assert_true (tb_lock_is_held (run->dir));
  loaded = tb_store_load_run (fixture->store, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->status, ==, TB_RUN_PARTIAL);

  /* the holder died: the kernel let go of its lock, whatever its pid becomes */
  kill_holder (pid);
  /* flock(1) forks its command, which keeps the lock until it closes its copy */
  for (guint i = 0; i < 500 && tb_lock_is_held (run->dir); i++)
    g_usleep (10000);
  g_assert_false (tb_lock_is_held (run->dir));
  recorder_reset (&recorder);
  resumed = resume_run (runner, run->id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (resumed);
  g_assert_cmpstr (resumed->id, ==, run->id);
  g_assert_cmpint (resumed->status, ==, TB_RUN_DONE);
  g_assert_cmpuint (recorder.run_created, ==, 1);
  /* only b was called again */
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/a"), ==, 1);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/b"), ==, 2);
  g_assert_cmpint (find_log (&recorder, "fake/b")->state, ==, TB_CALL_DONE);
  g_assert_cmpuint (g_list_model_get_n_items (tb_runner_get_calls (runner)), ==, 2);
  {
    g_autoptr(TbCall) first = g_list_model_get_item (tb_runner_get_calls (runner), 0);

    g_assert_cmpint (tb_call_get_state (first), ==, TB_CALL_DONE);
  }

  outputs = load_outputs (fixture, resumed);
  g_assert_cmpint (find_output (outputs, "fake/a")->status, ==, TB_OUTPUT_OK);
  g_assert_cmpint (find_output (outputs, "fake/b")->status, ==, TB_OUTPUT_OK);
  g_assert_cmpuint (find_output (outputs, "fake/b")->attempts, ==, 2);

  assert_unlocked (fixture, resumed);
  recorder_clear (&recorder, runner);
}

/* ---- billed cost -------------------------------------------------------------------- */

static void
test_billed_cost (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *models[] = { "fake/billed", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  FakeModel billed = { 0 };
  Recorder recorder;
  const TbOutput *output;
  const CallLog *log;

  billed.cost = 0.001;
  billed.billed_cost = 0.0042;
  billed.generation_404s = 2;
  fake_server_set_model (fixture->server, "fake/billed", &billed);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  recorder_init (&recorder, fixture, runner);
  recorder.check_first_write = TRUE;

  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);
  g_assert_cmpuint (recorder.first_writes_checked, ==, 1);

  /* two 404s, then the answer */
  g_assert_cmpuint (fake_server_count (fixture->server, "/generation", NULL), ==, 3);

  outputs = load_outputs (fixture, run);
  output = find_output (outputs, "fake/billed");
  g_assert_cmpint (output->cost.source, ==, TB_COST_BILLED);
  g_assert_true (output->cost.has_billed);
  g_assert_cmpfloat_with_epsilon (output->cost.billed_usd, 0.0042, 1e-12);
  g_assert_cmpfloat_with_epsilon (output->cost.inline_usd, 0.001, 1e-12);
  g_assert_cmpfloat_with_epsilon (output->cost.usd, 0.0042, 1e-12);
  g_assert_nonnull (output->generation_id);

  log = find_log (&recorder, "fake/billed");
  g_assert_cmpstr (log->done_cost_source, ==, "inline");
  g_assert_cmpstr (log->cost_source, ==, "billed");
  g_assert_cmpfloat_with_epsilon (log->cost_usd, 0.0042, 1e-12);

  recorder_clear (&recorder, runner);
}


/* ---- memory ----------------------------------------------------------------------------- */

static void
set_answer (Fixture    *fixture,
            const char *model,
            const char *content,
            guint       latency_ms)
{
  FakeModel spec = { 0 };

  spec.content = content;
  spec.latency_ms = latency_ms;
  fake_server_set_model (fixture->server, model, &spec);
}

static void
assert_texts_on_disk (Fixture             *fixture,
                      const TbRun         *run,
                      const char * const  *models,
                      const char * const  *texts)
{
  g_autoptr(GPtrArray) outputs = tb_store_load_outputs (fixture->store, (TbRun *) run);

  g_assert_cmpuint (outputs->len, ==, g_strv_length ((GStrv) models));
  for (guint i = 0; i < outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (outputs, i);

      for (guint m = 0; models[m] != NULL; m++)
        if (g_str_equal (output->model, models[m]))
          g_assert_cmpstr (output->content, ==, texts[m]);
      g_assert_cmpstr (tb_cost_source_to_string (output->cost.source), ==, "billed");
    }
}

/* A runner lets go of an output's text once nothing will show it again, while the run goes
 * on (its memory must not grow with its calls) — but never before: a judge still waiting in
 * the queue past the once-a-second sweep gets the whole text, and the file keeps it. */
static void
test_texts_let_go (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", NULL };
  const char *texts[] = { "Alpha wrote: ship Friday. SCORE=6",
                          "Bravo wrote: ship Monday. SCORE=8", NULL };
  const char *judges[] = { "fake/judge", "fake/judge2", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) judgments = NULL;
  TbJudgment *judgment;
  guint jobs = G_MAXUINT;

  set_answer (fixture, "fake/a", texts[0], 0);
  /* b lands after the first sweep; a's second judge waits out the first judge's call */
  set_answer (fixture, "fake/b", texts[1], 1500);
  set_answer (fixture, "fake/judge", NULL, 1200);
  set_answer (fixture, "fake/judge2", NULL, 1200);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  tb_runner_set_judges (runner, judges);
  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);

  for (guint j = 0; judges[j] != NULL; j++)
    for (guint m = 0; models[m] != NULL; m++)
      g_assert_cmpuint (count_requests_with (fixture, judges[j], texts[m]), ==, 1);
  judgments = tb_store_load_judgments (fixture->store, run);
  judgment = g_ptr_array_index (judgments, 0);
  g_assert_cmpuint (judgment->scores->len, ==, 4);
  for (guint i = 0; i < judgment->scores->len; i++)
    {
      TbScore *score = g_ptr_array_index (judgment->scores, i);

      g_assert_null (score->error);
      g_assert_cmpfloat (score->overall, ==, g_str_equal (score->model, "fake/a") ? 60 : 80);
      g_assert_cmpuint (score->output_chars, ==, strlen (texts[0]));
    }
  assert_texts_on_disk (fixture, run, models, texts);

  /* the judgment, rewritten as scores landed, left no staged file behind */
  {
    g_autofree char *folder = g_build_filename (run->dir, "judgments", NULL);
    g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
    const char *name;
    guint entries = 0;

    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_assert_true (g_str_has_suffix (name, ".json"));
        entries++;
      }
    g_assert_cmpuint (entries, ==, 1);
  }

  g_assert_cmpuint (tb_runner_count_held_for_test (runner, &jobs), ==, 0);
  g_assert_cmpuint (jobs, ==, 0);
}

/* Pairwise: an output is compared with outputs of its input that land seconds later, so its
 * text is kept until the last of them has landed and been shown beside it. */
static void
test_pairwise_texts_let_go (Fixture       *fixture,
                            gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", "fake/c", NULL };
  const char *texts[] = { "Alpha wrote: ship Friday. SCORE=6",
                          "Bravo wrote: ship Monday. SCORE=8",
                          "Charlie wrote: ship soon. SCORE=7", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);

  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  guint jobs = G_MAXUINT;

  set_answer (fixture, "fake/a", texts[0], 0);
  set_answer (fixture, "fake/b", texts[1], 1200);
  set_answer (fixture, "fake/c", texts[2], 2300);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 4);
  set_judge (runner, "fake/judge");
  tb_runner_set_judge_mode (runner, "pairwise");
  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);

  /* three pairs in both orders: each output is shown in four comparisons */
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/judge"),
                    ==, 6);
  for (guint m = 0; models[m] != NULL; m++)
    g_assert_cmpuint (count_requests_with (fixture, "fake/judge", texts[m]), ==, 4);
  assert_texts_on_disk (fixture, run, models, texts);

  g_assert_cmpuint (tb_runner_count_held_for_test (runner, &jobs), ==, 0);
  g_assert_cmpuint (jobs, ==, 0);
}

/* A cell's call is made a job only when a slot is about to free up. With one slot, a's
 * answer to the first input is settled while its answer to the second is under way, and
 * b's answer to the first waits without a job: the text is still kept for that
 * comparison. */
static void
test_pairwise_waiting_cells (Fixture       *fixture,
                             gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", NULL };
  const char *texts[] = { "Alpha wrote: ship Friday. SCORE=6",
                          "Bravo wrote: ship Monday. SCORE=8", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(GPtrArray) inputs = one_input ("first.txt", SHORT_INPUT);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GError) error = NULL;
  guint jobs = G_MAXUINT;

  g_ptr_array_add (inputs, tb_test_input_new (NULL, "second.txt", SHORT_INPUT,
                                              strlen (SHORT_INPUT)));
  /* each of a's calls outlasts a sweep (once a second, the first within two) */
  set_answer (fixture, "fake/a", texts[0], 2100);
  set_answer (fixture, "fake/b", texts[1], 0);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 1);
  set_judge (runner, "fake/judge");
  tb_runner_set_judge_mode (runner, "pairwise");
  run = run_set (runner, usecase, inputs, models, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);

  /* one pair per input, in both orders: each answer is shown in two comparisons */
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/judge"),
                    ==, 4);
  for (guint m = 0; models[m] != NULL; m++)
    g_assert_cmpuint (count_requests_with (fixture, "fake/judge", texts[m]), ==, 4);

  g_assert_cmpuint (tb_runner_count_held_for_test (runner, &jobs), ==, 0);
  g_assert_cmpuint (jobs, ==, 0);
}

/* Past the rows a view keeps, each settled call is handed over once, in its last state,
 * and leaves the list while the run goes on; the totals still count it. */
typedef struct {
  TbRunner  *runner;
  GPtrArray *settled;        /* TbCall*, as handed over */
  guint      finished_at_first;
  double     usd;
} SettledLog;

static void
call_settled_cb (TbRunner   *runner,
                 TbCall     *call,
                 SettledLog *log)
{
  if (log->settled->len == 0)
    log->finished_at_first = tb_runner_get_finished (runner);
  g_assert_false (g_ptr_array_find (log->settled, call, NULL));
  g_ptr_array_add (log->settled, g_object_ref (call));
  g_assert_true (tb_call_state_is_final (tb_call_get_state (call)));
  if (tb_call_get_cost_usd (call) > 0)
    log->usd += tb_call_get_cost_usd (call);
}

static void
test_rows_kept (Fixture       *fixture,
                gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);

  set_answer (fixture, "fake/a", "Alpha wrote: ship Friday. SCORE=6", 0);
  /* b lands after a sweep (once a second, the first within two) has found a's calls
   * settled */
  set_answer (fixture, "fake/b", "Bravo wrote: ship Monday. SCORE=8", 2500);

  for (guint kept = 2; kept <= 4; kept += 2)
    {
      g_autoptr(TbRunner) runner = tb_runner_new (fixture->client, fixture->store, NULL, 4);
      g_autoptr(TbRun) run = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) outputs = NULL;
      g_autoptr(GPtrArray) judgments = NULL;
      SettledLog log = { runner, g_ptr_array_new_with_free_func (g_object_unref), 0, 0 };
      double files_usd = 0;

      set_judge (runner, "fake/judge");
      tb_runner_set_rows_kept (runner, kept);
      g_signal_connect (runner, "call-settled", G_CALLBACK (call_settled_cb), &log);
      run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (run->status, ==, TB_RUN_DONE);

      /* two candidates and two judge calls, whether their rows were kept or not */
      g_assert_cmpuint (tb_runner_get_total (runner), ==, 4);
      g_assert_cmpuint (tb_runner_get_finished (runner), ==, 4);
      if (kept == 4)
        {
          g_assert_cmpuint (log.settled->len, ==, 0);
          g_assert_cmpuint (g_list_model_get_n_items (tb_runner_get_calls (runner)), ==, 4);
        }
      else
        {
          g_assert_cmpuint (log.settled->len, ==, 4);
          g_assert_cmpuint (g_list_model_get_n_items (tb_runner_get_calls (runner)), ==, 0);
          /* a's calls left while b's were still under way */
          g_assert_cmpuint (log.finished_at_first, <, 4);
          /* each handed over with its cost settled: the calls sum to the files */
          outputs = load_outputs (fixture, run);
          judgments = tb_store_load_judgments (fixture->store, run);
          for (guint i = 0; i < outputs->len; i++)
            files_usd += ((TbOutput *) g_ptr_array_index (outputs, i))->cost.usd;
          tb_judgment_settle_cost (g_ptr_array_index (judgments, 0));
          files_usd += ((TbJudgment *) g_ptr_array_index (judgments, 0))->cost.usd;
          g_assert_cmpfloat (files_usd, >, 0);
          g_assert_cmpfloat_with_epsilon (log.usd, files_usd, 1e-12);
        }
      g_ptr_array_unref (log.settled);
    }
}

/* A run of many cells holds a job (output, chunks, tasks) only for the calls a slot is
 * about to take; every cell has its row from the start, and every one is made. */
static void
test_jobs_made_as_slots_free (Fixture       *fixture,
                              gconstpointer  data)
{
  const char *models[] = { "fake/a", "fake/b", NULL };
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(GPtrArray) inputs =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tb_test_input_free);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;
  guint jobs = G_MAXUINT;

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *name = g_strdup_printf ("note-%u.txt", i);

      g_ptr_array_add (inputs, tb_test_input_new (NULL, name, SHORT_INPUT,
                                                  strlen (SHORT_INPUT)));
    }
  set_answer (fixture, "fake/a", "Alpha wrote: ship Friday.", 50);
  set_answer (fixture, "fake/b", "Bravo wrote: ship Monday.", 50);

  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  tb_runner_run_async (runner, usecase, inputs, models, 1, NULL, on_async_done, &result);
  /* two slots: two jobs, twenty rows queued */
  tb_runner_count_held_for_test (runner, &jobs);
  g_assert_cmpuint (jobs, ==, 2);
  g_assert_cmpuint (tb_runner_get_total (runner), ==, 20);
  g_assert_cmpuint (g_list_model_get_n_items (tb_runner_get_calls (runner)), ==, 20);
  wait_for (&result);
  run = tb_runner_finish (runner, result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_DONE);

  outputs = load_outputs (fixture, run);
  g_assert_cmpuint (outputs->len, ==, 20);
  for (guint i = 0; i < outputs->len; i++)
    g_assert_cmpint (((TbOutput *) g_ptr_array_index (outputs, i))->status, ==, TB_OUTPUT_OK);
  g_assert_cmpuint (tb_runner_get_finished (runner), ==, 20);
}

static void
count_done_cb (TbRunner   *runner,
               TbCall     *call,
               GParamSpec *pspec,
               GHashTable *done)
{
  if (g_str_equal (pspec->name, "state") && tb_call_get_state (call) == TB_CALL_DONE)
    g_hash_table_insert (done, (gpointer) tb_call_get_model (call),
                         GUINT_TO_POINTER (GPOINTER_TO_UINT (
                           g_hash_table_lookup (done, tb_call_get_model (call))) + 1));
}

/* A cell that failed after being billed, resumed: its record is written anew, and keeps
 * what the failed attempts cost beside the answer's, so the files still sum to what was
 * paid. The cell that was done already is shown done, not announced as a call that ended
 * (a CLI prints a line for each). */
static void
test_resume_keeps_paid_attempts (Fixture       *fixture,
                                 gconstpointer  data)
{
  const char *models[] = { "fake/fine", "fake/broke", NULL };
  g_autoptr(GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(TbUsecase) usecase = parse_usecase ("runner-test", USECASE_RUBRIC);
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbRunner) again = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbRun) resumed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) failed = NULL;
  g_autoptr(GPtrArray) fixed = NULL;
  FakeModel broke = { .midstream_error_after_usage = G_MAXUINT, .cost = 0.001 };
  FakeModel good = { .content = "Fixed: ship Friday.", .cost = 0.002 };
  const TbOutput *before, *after;
  guint paid_ids;

  set_answer (fixture, "fake/fine", "Fine: ship Friday.", 0);
  fake_server_set_model (fixture->server, "fake/broke", &broke);
  runner = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  run = run_models (runner, usecase, SHORT_INPUT, models, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, TB_RUN_PARTIAL);
  failed = load_outputs (fixture, run);
  before = find_output (failed, "fake/broke");
  g_assert_cmpint (before->status, ==, TB_OUTPUT_FAILED);
  g_assert_true (tb_cost_is_known (&before->cost));
  g_assert_cmpfloat (before->cost.usd, >=, 0.001 - 1e-12);
  g_assert_cmpint (before->usage.prompt_tokens, >, 0);

  fake_server_set_model (fixture->server, "fake/broke", &good);
  again = tb_runner_new (fixture->client, fixture->store, NULL, 2);
  g_signal_connect (again, "call-changed", G_CALLBACK (count_done_cb), done);
  resumed = resume_run (again, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (resumed->status, ==, TB_RUN_DONE);
  g_assert_cmpuint (tb_runner_get_finished (again), ==, 2);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (done, "fake/broke")), ==, 1);
  g_assert_null (g_hash_table_lookup (done, "fake/fine"));
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/fine"), ==, 1);
  fixed = load_outputs (fixture, resumed);
  after = find_output (fixed, "fake/broke");
  g_assert_cmpint (after->status, ==, TB_OUTPUT_OK);
  g_assert_cmpstr (after->content, ==, "Fixed: ship Friday.");
  g_assert_true (tb_cost_is_known (&after->cost));
  g_assert_cmpfloat_with_epsilon (after->cost.usd, before->cost.usd + 0.002, 1e-9);
  g_assert_cmpint (after->usage.prompt_tokens, >, before->usage.prompt_tokens);
  g_assert_cmpuint (after->attempts, >, before->attempts);
  /* every billed call's id: the failed attempts' and the answer's */
  paid_ids = after->generation_ids != NULL ? g_strv_length (after->generation_ids) : 0;
  g_assert_cmpuint (paid_ids, ==, before->attempts + 1);
}

/* ---- main --------------------------------------------------------------------------- */

static void
add_test (const char *path,
          void (*func) (Fixture *, gconstpointer))
{
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down);
}

int
main (int    argc,
      char **argv)
{
  /* GNOME's proxy module needs GSettings schemas, which isolated test folders lack. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* before any client exists: quick retries, billed costs found or given up on quickly */
  g_setenv ("TASKBENCH_RETRY_BASE_MS", "10", TRUE);
  g_setenv ("TASKBENCH_GENERATION_WAIT_MS", "2000", TRUE);
  g_unsetenv ("TASKBENCH_MAX_CONCURRENCY");

  add_test ("/runner/progress-signals", test_progress_signals);
  add_test ("/runner/concurrency-limit", test_concurrency_limit);
  add_test ("/runner/concurrency-from-env", test_concurrency_from_env);
  add_test ("/runner/busy", test_busy_runner);
  add_test ("/runner/chunking", test_chunking);
  add_test ("/runner/chunked-judge", test_chunked_judge);
  add_test ("/runner/context-too-small", test_context_too_small);
  add_test ("/runner/judge-no-criteria", test_judge_no_criteria);
  add_test ("/runner/judge-retry-recovers", test_judge_retry_recovers);
  add_test ("/runner/judge-retry-gives-up", test_judge_retry_gives_up);
  add_test ("/runner/warnings", test_warnings);
  add_test ("/runner/cancel", test_cancel);
  add_test ("/runner/resume-locked", test_resume_locked);
  add_test ("/runner/billed-cost", test_billed_cost);
  add_test ("/runner/judging-as-outputs-land", test_judging_as_outputs_land);
  add_test ("/runner/test-set-with-repeats", test_set_with_repeats);
  add_test ("/runner/save-failure", test_save_failure);
  add_test ("/runner/resume-completes-judgment", test_resume_completes_judgment);
  add_test ("/runner/pairwise-position-bias", test_pairwise_position_bias);
  add_test ("/runner/pairwise-quality-gap", test_pairwise_quality_gap);
  add_test ("/runner/pairwise-pass-on-subset", test_pairwise_pass_on_subset);
  add_test ("/runner/budget-cap", test_budget_cap);
  add_test ("/runner/provenance", test_provenance);
  add_test ("/runner/chunks-concurrently", test_chunks_concurrently);
  add_test ("/runner/budget-unknown-price", test_budget_unknown_price);
  add_test ("/runner/dry-run", test_dry_run);
  add_test ("/runner/texts-let-go", test_texts_let_go);
  add_test ("/runner/pairwise-texts-let-go", test_pairwise_texts_let_go);
  add_test ("/runner/pairwise-waiting-cells", test_pairwise_waiting_cells);
  add_test ("/runner/rows-kept", test_rows_kept);
  add_test ("/runner/jobs-made-as-slots-free", test_jobs_made_as_slots_free);
  add_test ("/runner/resume-keeps-paid-attempts", test_resume_keeps_paid_attempts);

  return g_test_run ();
}
