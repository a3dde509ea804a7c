/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-runner"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-error.h"
#include "tb-format.h"
#include "tb-prompt.h"
#include "tb-runner.h"
#include "tb-util.h"

/* Room kept for tokens the instructions around the input take beyond our estimate. */
#define PROMPT_MARGIN_TOKENS 512
#define CHUNK_OVERLAP_LINES 3
#define JUDGE_SCHEMA_NAME "judgment"

typedef enum {
  JOB_CANDIDATE,
  JOB_JUDGE,
} JobKind;

typedef struct _Job Job;

struct _Job {
  TbRunner     *runner;      /* not owned */
  JobKind       kind;
  guint         index;       /* into runner->calls */
  char         *model;
  GPtrArray    *chunks;      /* TbChunk*; one chunk holding everything when not chunked */
  guint         chunk;       /* the chunk under way */
  GPtrArray    *contents;    /* char*, one per finished chunk */
  GPtrArray    *generation_ids;
  TbOutput     *output;      /* candidates */
  TbScore      *score;       /* judge */
  gboolean      score_in_judgment; /* the judgment owns `score` now */
  gboolean      schema_wrapped;    /* asked for {"result": …}: unwrap the answers */
  GPtrArray    *answers;     /* judge: parsed per-chunk answers (JsonObject*) */
  guint         parse_retries;
  guint         lookups;     /* billed-cost lookups under way */
  double        billed_sum;
  guint         billed_count;
  gint64        started_us;
  guint64       tokens_base; /* the call's tokens before the chunk under way */
  gboolean      write_pending; /* in runner->writes */
};

struct _TbRunner {
  GObject       parent_instance;

  TbClient     *client;
  TbStore      *store;
  TbCatalog    *catalog;
  guint         concurrency;
  char         *judge_model;
  char         *reference;

  /* the job under way */
  GTask        *task;
  GCancellable *cancellable;
  const char   *phase;
  TbRun        *run;
  TbUsecase    *usecase;
  char         *input;
  gsize         input_length;
  char         *prompt;
  TbJudgment   *judgment;
  char         *judge_system;
  GPtrArray    *calls;       /* TbCallProgress* */
  GPtrArray    *jobs;        /* Job*, index-aligned with calls */
  GQueue        queue;       /* Job* waiting for a slot */
  guint         active;      /* calls in flight */
  guint         lookups;     /* billed-cost lookups in flight */
  GPtrArray    *warnings;
  gboolean      judge_after;
  guint         tick_id;
  GQueue        writes;      /* Job* whose output file is still to be saved */
  guint         writes_id;
};

enum {
  SIGNAL_PROGRESS,
  SIGNAL_RUN_CREATED,
  SIGNAL_PHASE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TbRunner, tb_runner, G_TYPE_OBJECT)

static void start_next_jobs (TbRunner *self);
static void start_chunk (Job *job);
static void maybe_finish_phase (TbRunner *self);

const char *
tb_call_state_to_string (TbCallState state)
{
  switch (state)
    {
    case TB_CALL_QUEUED: return "queued";
    case TB_CALL_RUNNING: return "running";
    case TB_CALL_RETRYING: return "retrying";
    case TB_CALL_DONE: return "done";
    case TB_CALL_FAILED: return "failed";
    case TB_CALL_CANCELLED: return "cancelled";
    default: return "unknown";
    }
}

static void
call_progress_free (TbCallProgress *call)
{
  g_free (call->model);
  g_free (call->message);
  g_free (call);
}

static void
job_free (Job *job)
{
  g_free (job->model);
  g_clear_pointer (&job->chunks, g_ptr_array_unref);
  g_clear_pointer (&job->contents, g_ptr_array_unref);
  g_clear_pointer (&job->generation_ids, g_ptr_array_unref);
  g_clear_pointer (&job->output, tb_output_free);
  if (!job->score_in_judgment)
    g_clear_pointer (&job->score, tb_score_free);
  g_clear_pointer (&job->answers, g_ptr_array_unref);
  g_free (job);
}

static void flush_writes (TbRunner *self);

static void
reset_job_state (TbRunner *self)
{
  flush_writes (self);
  g_queue_clear (&self->queue);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  g_clear_pointer (&self->calls, g_ptr_array_unref);
  self->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) call_progress_free);
  self->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  self->active = 0;
  self->lookups = 0;
}

static void
tb_runner_dispose (GObject *object)
{
  TbRunner *self = TB_RUNNER (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->jobs != NULL)
    flush_writes (self);
  g_queue_clear (&self->queue);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_pointer (&self->catalog, tb_catalog_unref);

  G_OBJECT_CLASS (tb_runner_parent_class)->dispose (object);
}

static void
tb_runner_finalize (GObject *object)
{
  TbRunner *self = TB_RUNNER (object);

  g_free (self->judge_model);
  g_free (self->reference);
  g_clear_pointer (&self->run, tb_run_free);
  g_clear_pointer (&self->usecase, tb_usecase_unref);
  g_free (self->input);
  g_free (self->prompt);
  g_free (self->judge_system);
  g_clear_pointer (&self->judgment, tb_judgment_free);
  g_clear_pointer (&self->calls, g_ptr_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);

  G_OBJECT_CLASS (tb_runner_parent_class)->finalize (object);
}

static void
tb_runner_class_init (TbRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tb_runner_dispose;
  object_class->finalize = tb_runner_finalize;

  /* The call at `index` of tb_runner_get_calls changed. */
  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /* The run's folder exists (its id is known); warnings gathered so far are readable. */
  signals[SIGNAL_RUN_CREATED] =
    g_signal_new ("run-created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A new set of calls replaced the old one (run → judge). */
  signals[SIGNAL_PHASE_CHANGED] =
    g_signal_new ("phase-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tb_runner_init (TbRunner *self)
{
  self->phase = "run";
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  g_queue_init (&self->queue);
  g_queue_init (&self->writes);
  reset_job_state (self);
}

TbRunner *
tb_runner_new (TbClient  *client,
               TbStore   *store,
               TbCatalog *catalog,
               guint      concurrency)
{
  TbRunner *self;

  g_return_val_if_fail (TB_IS_CLIENT (client), NULL);
  g_return_val_if_fail (TB_IS_STORE (store), NULL);

  self = g_object_new (TB_TYPE_RUNNER, NULL);
  self->client = g_object_ref (client);
  self->store = g_object_ref (store);
  self->catalog = catalog != NULL ? tb_catalog_ref (catalog) : NULL;
  if (concurrency == 0)
    concurrency = tb_env_uint ("TASKBENCH_MAX_CONCURRENCY", 4);
  self->concurrency = MAX (concurrency, 1);

  return self;
}

void
tb_runner_set_judge (TbRunner   *self,
                     const char *judge_model,
                     const char *reference)
{
  g_return_if_fail (TB_IS_RUNNER (self));

  g_free (self->judge_model);
  self->judge_model = g_strdup (judge_model);
  g_free (self->reference);
  self->reference = g_strdup (reference);
}

GPtrArray *
tb_runner_get_calls (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), NULL);
  return self->calls;
}

const char *
tb_runner_get_phase (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), NULL);
  return self->phase;
}

TbRun *
tb_runner_get_run (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), NULL);
  return self->run;
}

TbJudgment *
tb_runner_get_judgment (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), NULL);
  return self->judgment;
}

const char *
tb_runner_get_judge_model (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), NULL);
  return self->judge_model;
}

GPtrArray *
tb_runner_get_warnings (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), NULL);
  return self->warnings;
}

char *
tb_runner_pick_judge_model (const char      *explicit_model,
                            const TbUsecase *usecase)
{
  const char *env = g_getenv ("GENERAL_TASK_LLM");

  if (explicit_model != NULL && *explicit_model != '\0')
    return g_strdup (explicit_model);
  if (usecase != NULL && usecase->judge_model != NULL && *usecase->judge_model != '\0')
    return g_strdup (usecase->judge_model);
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return NULL;
}

static void
add_warning (TbRunner   *self,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
add_warning (TbRunner   *self,
             const char *format,
             ...)
{
  va_list args;
  char *warning;

  va_start (args, format);
  warning = g_strdup_vprintf (format, args);
  va_end (args);
  /* The judge phase repeats checks the run already made (judge is a candidate). */
  if (g_ptr_array_find_with_equal_func (self->warnings, warning, g_str_equal, NULL))
    g_free (warning);
  else
    g_ptr_array_add (self->warnings, warning);
}

static void
emit_progress (TbRunner *self,
               guint     index)
{
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, index);
}

static TbCallProgress *
job_call (Job *job)
{
  return g_ptr_array_index (job->runner->calls, job->index);
}

static void
set_call_state (Job         *job,
                TbCallState  state,
                const char  *message)
{
  TbCallProgress *call = job_call (job);

  call->state = state;
  if (state == TB_CALL_RUNNING && call->started_us == 0)
    call->started_us = g_get_monotonic_time ();
  if (call->started_us != 0)
    call->elapsed_ms = (g_get_monotonic_time () - call->started_us) / 1000;
  if ((message != NULL || state != TB_CALL_RETRYING) && message != call->message)
    {
      g_free (call->message);
      call->message = g_strdup (message);
    }
  emit_progress (job->runner, job->index);
}

/* Re-emits progress for the calls in flight once a second so elapsed times tick. */
static gboolean
tick_cb (gpointer user_data)
{
  TbRunner *self = user_data;

  for (guint i = 0; i < self->calls->len; i++)
    {
      TbCallProgress *call = g_ptr_array_index (self->calls, i);

      if ((call->state == TB_CALL_RUNNING || call->state == TB_CALL_RETRYING)
          && call->started_us != 0)
        {
          call->elapsed_ms = (g_get_monotonic_time () - call->started_us) / 1000;
          emit_progress (self, i);
        }
    }

  return G_SOURCE_CONTINUE;
}

static Job *
add_job (TbRunner   *self,
         JobKind     kind,
         const char *model)
{
  Job *job = g_new0 (Job, 1);
  TbCallProgress *call = g_new0 (TbCallProgress, 1);

  job->runner = self;
  job->kind = kind;
  job->model = g_strdup (model);
  job->index = self->calls->len;
  job->contents = g_ptr_array_new_with_free_func (g_free);
  job->generation_ids = g_ptr_array_new_with_free_func (g_free);
  call->model = g_strdup (model);
  call->state = TB_CALL_QUEUED;
  call->score = -1;
  g_ptr_array_add (self->calls, call);
  g_ptr_array_add (self->jobs, job);

  return job;
}

static const TbModel *
lookup_model (TbRunner   *self,
              const char *model)
{
  return self->catalog != NULL ? tb_catalog_lookup (self->catalog, model) : NULL;
}

/* The answer is estimated as half the input, within [1k, 16k] tokens, or the catalog's
 * completion limit when that is lower. */
static gint64
answer_reserve (const TbModel *model,
                gint64         input_tokens)
{
  gint64 reserve = CLAMP (input_tokens / 2, 1024, 16384);

  if (model != NULL && model->max_completion_tokens > 0)
    reserve = MIN (reserve, model->max_completion_tokens);
  return reserve;
}

/* Splits `input` when the prompt built around it does not fit the model's context with room
 * for the answer. `extra_tokens` counts what else the prompt carries (the output under
 * judgment, for the judge). */
static GPtrArray *
plan_chunks (TbRunner      *self,
             const TbModel *model,
             gint64         prompt_tokens,
             gint64         extra_tokens,
             GError       **error)
{
  gint64 input_tokens = tb_estimate_tokens (self->input, self->input_length);
  gint64 reserve = answer_reserve (model, input_tokens);
  gint64 overhead = MAX (prompt_tokens - input_tokens, 0) + extra_tokens + PROMPT_MARGIN_TOKENS;
  gint64 budget;
  GPtrArray *chunks;

  if (model == NULL || model->context_length <= 0
      || prompt_tokens + extra_tokens + reserve + PROMPT_MARGIN_TOKENS <= model->context_length)
    {
      TbChunk *whole = g_new0 (TbChunk, 1);

      chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_chunk_free);
      whole->count = 1;
      whole->text = g_strndup (self->input, self->input_length);
      g_ptr_array_add (chunks, whole);
      return chunks;
    }

  budget = model->context_length - reserve - overhead;
  if (budget < 256)
    {
      g_autofree char *context = g_strdup_printf ("%" G_GINT64_FORMAT, model->context_length);

      g_set_error (error, TB_ERROR, TB_ERROR_FAILED,
                   _("%s's context of %s tokens leaves no room for the input"),
                   model->id, context);
      return NULL;
    }

  return tb_chunk_input (self->input, budget, CHUNK_OVERLAP_LINES);
}

static gboolean
chunked (Job *job)
{
  return job->chunks->len > 1;
}

/* ---------------------------------------------------------------------------------------- */
/* Billed costs                                                                              */

static void write_job_result (Job *job);

static void
generation_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Job *job = user_data;
  TbRunner *self = job->runner;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbGeneration) generation = NULL;

  generation = tb_client_generation_finish (TB_CLIENT (source), result, &error);
  job->lookups--;
  self->lookups--;

  /* an unknown billed cost is no billed cost: the inline one stands */
  if (generation != NULL && generation->has_total_cost)
    {
      job->billed_sum += generation->total_cost;
      job->billed_count++;
    }
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("No billed cost for %s: %s", job->model, error->message);

  if (job->lookups == 0 && job->billed_count == job->generation_ids->len
      && job->billed_count > 0)
    {
      TbCost *cost = job->kind == JOB_CANDIDATE ? &job->output->cost : &job->score->cost;

      TbCallProgress *call = job_call (job);

      cost->has_billed = TRUE;
      cost->billed_usd = job->billed_sum;
      tb_cost_settle (cost);
      write_job_result (job);
      call->cost_usd = cost->usd;
      call->cost_source = cost->source;
      emit_progress (self, job->index);
    }

  maybe_finish_phase (self);
}

static void
request_billed_costs (Job *job)
{
  TbRunner *self = job->runner;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  for (guint i = 0; i < job->generation_ids->len; i++)
    {
      /* OpenRouter's ids start "gen-"; other servers (Ollama, vLLM: "chatcmpl-…") have no
       * /generation endpoint, and asking would only wait out its 404s. */
      if (!g_str_has_prefix (g_ptr_array_index (job->generation_ids, i), "gen-"))
        return;
    }
  for (guint i = 0; i < job->generation_ids->len; i++)
    {
      job->lookups++;
      self->lookups++;
      tb_client_generation_async (self->client, g_ptr_array_index (job->generation_ids, i),
                                  self->cancellable, generation_cb, job);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Calls                                                                                     */

static void
chat_delta_cb (gpointer    user_data,
               const char *text,
               guint64     tokens)
{
  Job *job = user_data;
  TbCallProgress *call = job_call (job);

  call->state = TB_CALL_RUNNING;
  call->tokens = job->tokens_base + tokens;
  if (call->started_us != 0)
    call->elapsed_ms = (g_get_monotonic_time () - call->started_us) / 1000;
  emit_progress (job->runner, job->index);
}

static void
chat_retry_cb (gpointer    user_data,
               guint       attempt,
               guint       delay_ms,
               const char *reason)
{
  Job *job = user_data;
  g_autofree char *message = g_strdup_printf (_("%s; retry %u in %.1f s"), reason, attempt,
                                              delay_ms / 1000.0);

  set_call_state (job, TB_CALL_RETRYING, message);
}

static void
add_usage (TbUsage            *usage,
           const TbChatResult *result)
{
  usage->prompt_tokens += result->prompt_tokens;
  usage->completion_tokens += result->completion_tokens;
  usage->reasoning_tokens += result->reasoning_tokens;
  usage->cached_tokens += result->cached_tokens;
}

static void
add_call_cost (TbRunner           *self,
               TbCost             *cost,
               const char         *model_id,
               const TbChatResult *result)
{
  const TbModel *model = lookup_model (self, model_id);
  double estimate = 0;

  if (result->has_inline_cost)
    {
      cost->has_inline = TRUE;
      cost->inline_usd += result->inline_cost;
    }
  /* an unknown price adds nothing, as before */
  if (model != NULL
      && tb_model_estimate_cost (model, result->prompt_tokens, result->completion_tokens,
                                 result->reasoning_tokens, &estimate))
    cost->estimate_usd += estimate;
  tb_cost_settle (cost);
}

static void
write_output_now (Job *job)
{
  TbRunner *self = job->runner;
  g_autoptr(GError) error = NULL;

  job->write_pending = FALSE;
  g_free (job->output->updated_at);
  job->output->updated_at = tb_utc_now_iso8601 ();
  if (!tb_store_write_output (self->store, self->run, job->output, &error))
    add_warning (self, "Could not save the output of %s: %s", job->model, error->message);
}

static gboolean
write_next_cb (gpointer user_data)
{
  TbRunner *self = user_data;
  Job *job = g_queue_pop_head (&self->writes);

  if (job != NULL)
    write_output_now (job);
  if (!g_queue_is_empty (&self->writes))
    return G_SOURCE_CONTINUE;
  self->writes_id = 0;
  return G_SOURCE_REMOVE;
}

static void
flush_writes (TbRunner *self)
{
  Job *job;

  g_clear_handle_id (&self->writes_id, g_source_remove);
  while ((job = g_queue_pop_head (&self->writes)) != NULL)
    write_output_now (job);
}

static void
write_job_result (Job *job)
{
  TbRunner *self = job->runner;
  g_autoptr(GError) error = NULL;

  if (job->kind == JOB_CANDIDATE)
    {
      /* Saved from an idle at the I/O's own priority, one file per loop iteration, so
       * within milliseconds: answers arrive in bursts (one per slot), and each save is an
       * fsync on the main loop. Writing them all at once held every next request of a
       * burst until all its files were on disk; a lower priority could starve the saves
       * while streams keep the loop busy. A save still pending when the billed cost comes
       * in is simply made with the newer state. */
      if (!job->write_pending)
        {
          job->write_pending = TRUE;
          g_queue_push_tail (&self->writes, job);
        }
      if (self->writes_id == 0)
        self->writes_id = g_idle_add_full (G_PRIORITY_DEFAULT, write_next_cb, self, NULL);
    }
  else if (self->judgment != NULL)
    {
      /* The judgment file is rewritten as each score settles so a judged output survives a
       * crash of the rest of the pass. Its cost is billed only when every call is. */
      TbCost total = { 0 };
      TbUsage usage = { 0 };
      double usd = 0;

      total.has_billed = self->judgment->scores->len > 0;
      for (guint i = 0; i < self->judgment->scores->len; i++)
        {
          TbScore *score = g_ptr_array_index (self->judgment->scores, i);

          total.has_inline |= score->cost.has_inline;
          total.inline_usd += score->cost.inline_usd;
          total.has_billed &= score->cost.has_billed;
          total.billed_usd += score->cost.billed_usd;
          total.estimate_usd += score->cost.estimate_usd;
          usd += score->cost.usd;
          usage.prompt_tokens += score->usage.prompt_tokens;
          usage.completion_tokens += score->usage.completion_tokens;
          usage.reasoning_tokens += score->usage.reasoning_tokens;
          usage.cached_tokens += score->usage.cached_tokens;
        }
      tb_cost_settle (&total);
      /* Mixed sources: what counts is the sum of what counts per call. */
      total.usd = usd;
      self->judgment->cost = total;
      self->judgment->usage = usage;

      if (!tb_store_write_judgment (self->store, self->run, self->judgment, &error))
        add_warning (self, "Could not save the judgment: %s", error->message);
    }
}

static void
finish_job (Job         *job,
            TbCallState  state)
{
  TbRunner *self = job->runner;
  TbCallProgress *call = job_call (job);

  call->chunk = 0;
  if (job->kind == JOB_CANDIDATE)
    {
      call->cost_usd = job->output->cost.usd;
      call->cost_source = job->output->cost.source;
    }
  else if (job->score != NULL)
    {
      call->cost_usd = job->score->cost.usd;
      call->cost_source = job->score->cost.source;
      call->score = job->score->error == NULL ? job->score->overall : -1;
    }
  set_call_state (job, state, state == TB_CALL_DONE ? NULL : call->message);
  self->active--;
}

/* ---- candidates ---- */

static void
candidate_done (Job *job)
{
  TbRunner *self = job->runner;
  TbOutput *output = job->output;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbFormatCheck) check = NULL;
  g_autofree char *content = NULL;

  if (chunked (job))
    {
      content = tb_merge_chunk_outputs (self->usecase->output_format, job->contents, &error);
      if (content == NULL)
        {
          /* Keep what was paid for: the parts, joined, with the merge error as check. */
          g_autoptr(GString) joined = g_string_new (NULL);

          for (guint i = 0; i < job->contents->len; i++)
            g_string_append_printf (joined, "%s%s", i > 0 ? "\n\n" : "",
                                    (char *) g_ptr_array_index (job->contents, i));
          content = g_string_free (g_steal_pointer (&joined), FALSE);
        }
    }
  else
    content = g_strdup (g_ptr_array_index (job->contents, 0));

  check = tb_format_check (content, self->usecase->output_format, self->usecase->output_schema);
  if (error != NULL)
    {
      check->valid = FALSE;
      g_ptr_array_insert (check->errors, 0,
                          g_strdup_printf ("merging the chunks failed: %s", error->message));
    }

  g_free (output->status);
  output->status = g_strdup ("ok");
  g_free (output->content);
  output->content = g_steal_pointer (&content);
  output->has_format_check = TRUE;
  output->format_valid = check->valid;
  g_strfreev (output->format_errors);
  g_ptr_array_add (check->errors, NULL);
  output->format_errors = g_strdupv ((char **) check->errors->pdata);
  g_ptr_array_remove_index (check->errors, check->errors->len - 1);
  output->chunks = chunked (job) ? job->chunks->len : 0;
  output->latency_ms = (g_get_monotonic_time () - job->started_us) / 1000;
  g_clear_pointer (&output->generation_id, g_free);
  g_clear_pointer (&output->generation_ids, g_strfreev);
  if (job->generation_ids->len > 0)
    {
      output->generation_id = g_strdup (g_ptr_array_index (job->generation_ids, 0));
      if (chunked (job))
        {
          g_ptr_array_add (job->generation_ids, NULL);
          output->generation_ids = g_strdupv ((char **) job->generation_ids->pdata);
          g_ptr_array_remove_index (job->generation_ids, job->generation_ids->len - 1);
        }
    }

  /* A paid answer is written the moment it arrives; the billed cost updates it later. */
  write_job_result (job);
  finish_job (job, TB_CALL_DONE);
  request_billed_costs (job);
}

static void
candidate_failed (Job          *job,
                  const GError *error)
{
  TbOutput *output = job->output;
  gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  TbCallProgress *call = job_call (job);

  g_free (output->status);
  output->status = g_strdup (cancelled ? "cancelled" : "failed");
  output->error_http_status = error->domain == TB_HTTP_ERROR && error->code >= 100
                              ? (guint) error->code : 0;
  g_free (output->error_message);
  output->error_message = g_strdup (cancelled ? "cancelled by the user" : error->message);
  output->latency_ms = job->started_us > 0
                       ? (g_get_monotonic_time () - job->started_us) / 1000 : 0;
  g_free (call->message);
  call->message = g_strdup (output->error_message);

  write_job_result (job);
  finish_job (job, cancelled ? TB_CALL_CANCELLED : TB_CALL_FAILED);
  /* Finished chunks were paid for even though the output failed. */
  request_billed_costs (job);
}

/* ---- judge ---- */

/* The rubric the judge scores: the use case's criteria, or one "overall" criterion when it
 * has none (as the judge prompt says). */
static TbCriterion fallback_criterion = { (char *) "overall", 1.0, NULL };

static guint
rubric_size (const TbUsecase *usecase)
{
  return usecase->criteria->len > 0 ? usecase->criteria->len : 1;
}

static const TbCriterion *
rubric_criterion (const TbUsecase *usecase,
                  guint            index)
{
  return usecase->criteria->len > 0 ? g_ptr_array_index (usecase->criteria, index)
                                    : &fallback_criterion;
}

static JsonObject *
parse_judge_answer (TbRunner    *self,
                    const char  *content,
                    GError     **error)
{
  g_autofree char *clean = tb_strip_code_fence (content != NULL ? content : "");
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *start = strchr (clean, '{');
  const char *end = strrchr (clean, '}');
  JsonNode *root;
  JsonObject *object;
  JsonObject *criteria;

  if (start == NULL || end == NULL || end < start)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_FAILED, "the judge's answer holds no JSON object");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, start, end - start + 1, error))
    {
      g_prefix_error (error, "the judge's answer is not valid JSON: ");
      return NULL;
    }

  root = json_parser_get_root (parser);
  object = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  criteria = object != NULL && json_object_has_member (object, "criteria")
             && JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "criteria"))
             ? json_object_get_object_member (object, "criteria") : NULL;
  if (criteria == NULL)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_FAILED, "the judge's answer has no criteria object");
      return NULL;
    }

  for (guint i = 0; i < rubric_size (self->usecase); i++)
    {
      const TbCriterion *criterion = rubric_criterion (self->usecase, i);
      JsonNode *node = json_object_get_member (criteria, criterion->name);
      GType type = node != NULL && JSON_NODE_HOLDS_VALUE (node)
                   ? json_node_get_value_type (node) : G_TYPE_INVALID;
      double value;

      if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
        {
          g_set_error (error, TB_ERROR, TB_ERROR_FAILED,
                       "the judge gave no numeric score for '%s'", criterion->name);
          return NULL;
        }
      value = json_node_get_double (node);
      if (!isfinite (value) || value < 0 || value > 10)
        {
          g_set_error (error, TB_ERROR, TB_ERROR_FAILED,
                       "the judge's score for '%s' is %g, outside 0–10", criterion->name, value);
          return NULL;
        }
    }

  return json_object_ref (object);
}

static void
judge_done (Job *job)
{
  TbRunner *self = job->runner;
  TbScore *score = job->score;
  double total_weight = 0;
  double overall = 0;
  g_autoptr(GString) reasoning = g_string_new (NULL);
  g_autoptr(GPtrArray) violations = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();

  for (guint c = 0; c < rubric_size (self->usecase); c++)
    {
      const TbCriterion *criterion = rubric_criterion (self->usecase, c);
      double sum = 0;
      double *value = g_new (double, 1);

      for (guint a = 0; a < job->answers->len; a++)
        {
          JsonObject *criteria = json_object_get_object_member (g_ptr_array_index (job->answers, a),
                                                                "criteria");
          sum += json_object_get_double_member (criteria, criterion->name);
        }
      /* A chunked judgment averages the parts: each part saw a share of the input. */
      *value = sum / job->answers->len;
      g_hash_table_replace (score->criteria, g_strdup (criterion->name), value);
      g_ptr_array_add (order, criterion->name);
      overall += criterion->weight * *value;
      total_weight += criterion->weight;
    }
  score->overall = total_weight > 0 ? overall / total_weight * 10.0 : 0;
  g_ptr_array_add (order, NULL);
  g_strfreev (score->criteria_order);
  score->criteria_order = g_strdupv ((char **) order->pdata);

  for (guint a = 0; a < job->answers->len; a++)
    {
      JsonObject *answer = g_ptr_array_index (job->answers, a);
      const char *text = json_object_get_string_member_with_default (answer, "reasoning", "");

      if (job->answers->len > 1)
        g_string_append_printf (reasoning, "%sPart %u: %s", a > 0 ? "\n\n" : "", a + 1, text);
      else
        g_string_append (reasoning, text);

      if (json_object_has_member (answer, "violations")
          && JSON_NODE_HOLDS_ARRAY (json_object_get_member (answer, "violations")))
        {
          JsonArray *array = json_object_get_array_member (answer, "violations");

          for (guint v = 0; v < json_array_get_length (array); v++)
            {
              const char *violation = json_array_get_string_element (array, v);

              if (violation != NULL
                  && !g_ptr_array_find_with_equal_func (violations, violation, g_str_equal, NULL))
                g_ptr_array_add (violations, g_strdup (violation));
            }
        }
    }
  g_ptr_array_add (violations, NULL);
  g_strfreev (score->violations);
  score->violations = (GStrv) g_ptr_array_steal (violations, NULL);
  g_free (score->reasoning);
  score->reasoning = g_string_free (g_steal_pointer (&reasoning), FALSE);

  g_ptr_array_add (self->judgment->scores, job->score);
  job->score_in_judgment = TRUE;
  write_job_result (job);
  finish_job (job, TB_CALL_DONE);
  request_billed_costs (job);
}

static void
judge_failed (Job          *job,
              const GError *error)
{
  TbRunner *self = job->runner;
  gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  TbCallProgress *call = job_call (job);

  g_free (job->score->error);
  job->score->error = g_strdup (cancelled ? "cancelled by the user" : error->message);
  g_free (call->message);
  call->message = g_strdup (job->score->error);

  if (!cancelled)
    {
      /* A judge error is recorded as such, never as a zero score. */
      g_ptr_array_add (self->judgment->scores, job->score);
      job->score_in_judgment = TRUE;
      write_job_result (job);
    }
  finish_job (job, cancelled ? TB_CALL_CANCELLED : TB_CALL_FAILED);
  if (!cancelled)
    request_billed_costs (job);
}


static TbFormatCheck *
stored_format_check (const TbOutput *output)
{
  TbFormatCheck *check = g_new0 (TbFormatCheck, 1);

  check->valid = !output->has_format_check || output->format_valid;
  check->errors = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; output->format_errors != NULL && output->format_errors[i] != NULL; i++)
    g_ptr_array_add (check->errors, g_strdup (output->format_errors[i]));
  check->cleaned = g_strdup (output->content);

  return check;
}

static const char *
schema_root_type (JsonNode *schema)
{
  if (schema == NULL || !JSON_NODE_HOLDS_OBJECT (schema))
    return NULL;
  return json_object_get_string_member_with_default (json_node_get_object (schema), "type", NULL);
}

static void chat_cb (GObject *source, GAsyncResult *result, gpointer user_data);

#define WRAP_KEY "result"

static JsonNode *
wrap_schema (JsonNode *schema)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "object");
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, WRAP_KEY);
  json_builder_add_value (builder, json_node_copy (schema));
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "required");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, WRAP_KEY);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "additionalProperties");
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* The answer to a wrapped schema, {"result": …}, becomes what the use case asked for. An
 * answer without the wrapper (a model that ignored it) is kept as it came. */
static char *
unwrap_answer (const char *content)
{
  g_autofree char *clean = tb_strip_code_fence (content != NULL ? content : "");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *object;

  if (!json_parser_load_from_data (parser, clean, -1, NULL))
    return g_strdup (content);
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup (content);
  object = json_node_get_object (root);
  if (json_object_get_size (object) != 1 || !json_object_has_member (object, WRAP_KEY))
    return g_strdup (content);

  return tb_json_to_string (json_object_get_member (object, WRAP_KEY), TRUE);
}

static void
start_chunk (Job *job)
{
  TbRunner *self = job->runner;
  TbChunk *chunk = g_ptr_array_index (job->chunks, job->chunk);
  const TbModel *model = lookup_model (self, job->model);
  TbCallProgress *call = job_call (job);
  g_autofree char *user = NULL;
  g_autoptr(JsonNode) judge_schema = NULL;
  g_autoptr(JsonNode) wrapped_schema = NULL;
  TbChatRequest request = { 0 };
  TbChatCallbacks callbacks = { chat_delta_cb, chat_retry_cb, job };

  call->chunk = chunked (job) ? job->chunk + 1 : 0;
  call->chunks = chunked (job) ? job->chunks->len : 0;
  /* Judge jobs keep no contents, so count from what earlier chunks streamed. */
  job->tokens_base = call->tokens;

  request.model = job->model;
  request.temperature = -1;
  request.stream = TRUE;

  if (job->kind == JOB_CANDIDATE)
    {
      if (chunked (job))
        user = tb_prompt_executor (self->usecase, chunk->text, chunk);
      request.user = user != NULL ? user : self->prompt;
      /* Structured output only where the catalog says the model takes it. Providers take
       * json_schema only with an object at the root, so any other root (an array of
       * chapters) is sent wrapped as {"result": …} and unwrapped from the answer. Not
       * strict: a user's schema is seldom written for strict mode (closed objects, every
       * property required). */
      if (self->usecase->output_schema != NULL && model != NULL && model->json_schema)
        {
          if (g_strcmp0 (schema_root_type (self->usecase->output_schema), "object") == 0)
            request.json_schema = self->usecase->output_schema;
          else
            request.json_schema = wrapped_schema = wrap_schema (self->usecase->output_schema);
          request.schema_name = "output";
          job->schema_wrapped = wrapped_schema != NULL;
        }
      else if (g_strcmp0 (schema_root_type (self->usecase->output_schema), "object") == 0
               && model != NULL && model->structured_output)
        request.json_object = TRUE;
    }
  else
    {
      g_autoptr(TbFormatCheck) check = stored_format_check (job->output);

      user = tb_prompt_judge_user (self->usecase, self->prompt,
                                   chunked (job) ? chunk->text : self->input,
                                   chunked (job) ? chunk : NULL,
                                   self->reference, job->output->content, check);
      request.system = self->judge_system;
      request.user = user;
      request.temperature = 0;
      /* Unknown models (local servers) are asked for the schema too: most accept it. */
      if (model == NULL || model->structured_output)
        {
          judge_schema = tb_judge_answer_schema (self->usecase);
          request.json_schema = judge_schema;
          request.schema_name = JUDGE_SCHEMA_NAME;
          /* Built for strict mode: closed objects, everything required. */
          request.strict = TRUE;
        }
    }

  set_call_state (job, TB_CALL_RUNNING, NULL);
  tb_client_chat_async (self->client, &request, &callbacks, self->cancellable, chat_cb, job);
}

static void
chat_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Job *job = user_data;
  TbRunner *self = job->runner;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbChatResult) answer = NULL;
  guint attempts = 0;
  TbUsage *usage;
  TbCost *cost;

  answer = tb_client_chat_finish (TB_CLIENT (source), result, &attempts, NULL, &error);

  if (job->kind == JOB_CANDIDATE)
    {
      job->output->attempts += attempts;
      usage = &job->output->usage;
      cost = &job->output->cost;
    }
  else
    {
      usage = &job->score->usage;
      cost = &job->score->cost;
    }

  if (answer == NULL)
    {
      if (job->kind == JOB_CANDIDATE)
        candidate_failed (job, error);
      else
        judge_failed (job, error);
      goto next;
    }

  add_usage (usage, answer);
  add_call_cost (self, cost, job->model, answer);
  if (answer->generation_id != NULL)
    g_ptr_array_add (job->generation_ids, g_strdup (answer->generation_id));

  if (job->kind == JOB_CANDIDATE)
    {
      TbOutput *output = job->output;

      if (answer->provider != NULL)
        {
          g_free (output->provider);
          output->provider = g_strdup (answer->provider);
        }
      g_free (output->finish_reason);
      output->finish_reason = g_strdup (answer->finish_reason);
      g_ptr_array_add (job->contents, job->schema_wrapped
                                      ? unwrap_answer (answer->content)
                                      : g_strdup (answer->content != NULL ? answer->content : ""));
    }
  else
    {
      g_autoptr(GError) parse_error = NULL;
      JsonObject *parsed = parse_judge_answer (self, answer->content, &parse_error);

      if (parsed == NULL)
        {
          if (job->parse_retries == 0)
            {
              /* One more try: judges sometimes wrap or truncate their JSON. */
              job->parse_retries++;
              set_call_state (job, TB_CALL_RETRYING, parse_error->message);
              start_chunk (job);
              return;
            }
          g_prefix_error (&parse_error, "judge error after %u attempts: ",
                          job->parse_retries + 1);
          judge_failed (job, parse_error);
          goto next;
        }
      job->parse_retries = 0;
      g_ptr_array_add (job->answers, parsed);
    }

  job->chunk++;
  if (job->chunk < job->chunks->len && !g_cancellable_is_cancelled (self->cancellable))
    {
      start_chunk (job);
      return;
    }
  if (job->chunk < job->chunks->len)
    {
      g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                         "cancelled");

      if (job->kind == JOB_CANDIDATE)
        candidate_failed (job, cancelled);
      else
        judge_failed (job, cancelled);
    }
  else if (job->kind == JOB_CANDIDATE)
    candidate_done (job);
  else
    judge_done (job);

next:
  start_next_jobs (self);
  maybe_finish_phase (self);
}

static void
start_next_jobs (TbRunner *self)
{
  while (self->active < self->concurrency && !g_queue_is_empty (&self->queue))
    {
      Job *job = g_queue_pop_head (&self->queue);

      self->active++;
      job->started_us = g_get_monotonic_time ();
      if (g_cancellable_is_cancelled (self->cancellable))
        {
          g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                         "cancelled");
          job->started_us = 0;
          if (job->kind == JOB_CANDIDATE)
            candidate_failed (job, error);
          else
            judge_failed (job, error);
          continue;
        }
      start_chunk (job);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Phases                                                                                    */

static void
complete (TbRunner *self,
          GError   *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);
  g_autoptr(GError) load_error = NULL;
  TbRun *loaded;

  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->run != NULL && self->run->dir != NULL)
    tb_store_unlock_run (self->store, self->run);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  loaded = tb_store_load_run (self->store, self->run->id, &load_error);
  if (loaded == NULL)
    g_task_return_error (task, g_steal_pointer (&load_error));
  else
    g_task_return_pointer (task, loaded, (GDestroyNotify) tb_run_free);
}

static gboolean
has_model (const TbRun *run,
           const char  *model)
{
  return run->models != NULL && g_strv_contains ((const char * const *) run->models, model);
}

static void
start_judge_phase (TbRunner  *self,
                   GPtrArray *ok_outputs)
{
  const TbModel *judge = lookup_model (self, self->judge_model);

  reset_job_state (self);
  self->phase = "judge";
  g_clear_pointer (&self->judgment, tb_judgment_free);
  self->judgment = tb_judgment_new ();
  self->judgment->judge_model = g_strdup (self->judge_model);
  self->judgment->created_at = tb_utc_now_iso8601 ();
  g_free (self->judge_system);
  self->judge_system = tb_prompt_judge_system (self->usecase);
  self->judgment->prompt_sha256 = tb_sha256_hex (self->judge_system, strlen (self->judge_system));

  if (has_model (self->run, self->judge_model))
    add_warning (self, "The judge %s is also a candidate: it may favour its own output",
                 self->judge_model);
  if (self->catalog != NULL && judge == NULL)
    add_warning (self, "The judge %s is not in the model catalog; judging with it anyway",
                 self->judge_model);

  for (guint i = 0; i < ok_outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (ok_outputs, i);
      Job *job = add_job (self, JOB_JUDGE, self->judge_model);
      g_autoptr(GError) error = NULL;
      gint64 extra;

      g_ptr_array_index (ok_outputs, i) = NULL;
      job->output = output;
      job->score = tb_score_new (output->model);
      job->score->output_chars = output->content != NULL
                                 ? g_utf8_strlen (output->content, -1) : 0;
      job->answers = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      g_free (job_call (job)->model);
      job_call (job)->model = g_strdup (output->model);

      extra = tb_estimate_tokens (self->judge_system, -1)
              + tb_estimate_tokens (output->content, -1)
              + tb_estimate_tokens (self->prompt, -1);
      job->chunks = plan_chunks (self, judge, tb_estimate_tokens (self->input,
                                                                  self->input_length),
                                 extra, &error);
      if (job->chunks == NULL)
        {
          job->chunks = g_ptr_array_new ();
          self->active++;
          judge_failed (job, error);
          continue;
        }
      g_queue_push_tail (&self->queue, job);
    }

  g_signal_emit (self, signals[SIGNAL_PHASE_CHANGED], 0);
  start_next_jobs (self);
  maybe_finish_phase (self);
}

static GPtrArray *
take_ok_outputs (TbRunner *self)
{
  g_autoptr(GPtrArray) outputs = tb_store_load_outputs (self->store, self->run);
  GPtrArray *ok = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);

  for (guint i = 0; i < outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (outputs, i);

      if (g_strcmp0 (output->status, "ok") == 0)
        g_ptr_array_add (ok, g_ptr_array_steal_index (outputs, i--));
    }

  return ok;
}

static void
finish_run_phase (TbRunner *self)
{
  g_autoptr(GError) error = NULL;
  guint ok = 0;
  guint total = self->calls->len;
  gboolean cancelled = g_cancellable_is_cancelled (self->cancellable);

  for (guint i = 0; i < total; i++)
    if (((TbCallProgress *) g_ptr_array_index (self->calls, i))->state == TB_CALL_DONE)
      ok++;

  g_free (self->run->status);
  if (cancelled && ok < total)
    self->run->status = g_strdup ("cancelled");
  else if (ok == total)
    self->run->status = g_strdup ("done");
  else if (ok == 0)
    self->run->status = g_strdup ("failed");
  else
    self->run->status = g_strdup ("partial");

  if (!tb_store_save_run (self->store, self->run, &error))
    {
      complete (self, g_steal_pointer (&error));
      return;
    }

  if (self->judge_after && !cancelled && ok > 0)
    {
      g_autoptr(GPtrArray) outputs = take_ok_outputs (self);

      start_judge_phase (self, outputs);
      return;
    }

  complete (self, NULL);
}

static void
finish_judge_phase (TbRunner *self)
{
  g_autoptr(GPtrArray) outputs = tb_store_load_outputs (self->store, self->run);

  if (self->judgment->scores->len > 0)
    {
      tb_judgment_recommend (self->judgment, outputs);
      write_job_result (g_ptr_array_index (self->jobs, 0));
    }

  complete (self, NULL);
}

static void
maybe_finish_phase (TbRunner *self)
{
  if (self->task == NULL || self->active > 0 || self->lookups > 0
      || !g_queue_is_empty (&self->queue))
    return;

  flush_writes (self);

  if (g_str_equal (self->phase, "run"))
    finish_run_phase (self);
  else
    finish_judge_phase (self);
}

/* ---------------------------------------------------------------------------------------- */
/* Entry points                                                                              */

static gboolean
begin (TbRunner            *self,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data,
       gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  /* A cancelled run still returns the run, with status "cancelled". */
  g_task_set_check_cancellable (task, FALSE);

  g_task_set_source_tag (task, source_tag);
  if (self->task != NULL)
    {
      g_task_return_new_error (task, TB_ERROR, TB_ERROR_BUSY, _("This runner is already busy"));
      g_object_unref (task);
      return FALSE;
    }

  self->task = task;
  g_clear_object (&self->cancellable);
  self->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  g_ptr_array_set_size (self->warnings, 0);
  g_clear_pointer (&self->run, tb_run_free);
  g_clear_pointer (&self->judgment, tb_judgment_free);
  g_clear_pointer (&self->usecase, tb_usecase_unref);
  g_clear_pointer (&self->input, g_free);
  g_clear_pointer (&self->prompt, g_free);
  self->phase = "run";
  reset_job_state (self);
  self->tick_id = g_timeout_add_seconds (1, tick_cb, self);

  return TRUE;
}

static void
fail_early (TbRunner *self,
            GError   *error)
{
  g_clear_pointer (&self->run, tb_run_free);
  complete (self, error);
}

/* Queues a candidate job; a model whose context cannot take the input fails at once. */
static void
queue_candidate (TbRunner   *self,
                 const char *model_id,
                 TbOutput   *previous)
{
  Job *job = add_job (self, JOB_CANDIDATE, model_id);
  const TbModel *model = lookup_model (self, model_id);
  g_autoptr(GError) error = NULL;

  job->output = tb_output_new (model_id);
  if (previous != NULL)
    job->output->attempts = previous->attempts;
  job->chunks = plan_chunks (self, model, tb_estimate_tokens (self->prompt, -1), 0, &error);
  if (job->chunks == NULL)
    {
      job->chunks = g_ptr_array_new ();
      self->active++;
      candidate_failed (job, error);
      return;
    }
  g_queue_push_tail (&self->queue, job);
}

void
tb_runner_run_async (TbRunner            *self,
                     TbUsecase           *usecase,
                     const char          *input_name,
                     const char          *input,
                     gsize                input_length,
                     const char * const  *models,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *problem = NULL;
  g_autofree char *base = NULL;
  g_autoptr(GPtrArray) unique = g_ptr_array_new_with_free_func (g_free);

  g_return_if_fail (TB_IS_RUNNER (self));
  g_return_if_fail (usecase != NULL);
  g_return_if_fail (input_name != NULL);

  if (!begin (self, cancellable, callback, user_data, tb_runner_run_async))
    return;

  base = g_path_get_basename (input_name);
  problem = tb_check_text_input (input, input_length);
  if (problem != NULL)
    {
      fail_early (self, g_error_new (TB_ERROR, TB_ERROR_INVALID, _("Input %s %s"), input_name,
                                     problem));
      return;
    }

  for (guint i = 0; models != NULL && models[i] != NULL; i++)
    {
      g_autofree char *model = g_strstrip (g_strdup (models[i]));

      if (*model == '\0')
        continue;
      if (!g_ptr_array_find_with_equal_func (unique, model, g_str_equal, NULL))
        g_ptr_array_add (unique, g_steal_pointer (&model));
    }
  if (unique->len == 0)
    {
      fail_early (self, g_error_new_literal (TB_ERROR, TB_ERROR_INVALID,
                                             _("No models to run: name at least one")));
      return;
    }

  self->usecase = tb_usecase_ref (usecase);
  self->input = g_strndup (input, input_length);
  self->input_length = input_length;
  self->prompt = tb_prompt_executor (usecase, self->input, NULL);
  self->judge_after = self->judge_model != NULL;

  self->run = tb_run_new ();
  self->run->id = tb_store_new_run_id ();
  self->run->usecase = g_strdup (usecase->id);
  self->run->usecase_snapshot = g_strdup (usecase->yaml != NULL ? usecase->yaml : "");
  self->run->input_name = g_steal_pointer (&base);
  self->run->input_sha256 = tb_sha256_hex (input, input_length);
  self->run->input_bytes = input_length;
  self->run->created_at = tb_utc_now_iso8601 ();
  self->run->status = g_strdup ("running");
  self->run->version = g_strdup (PACKAGE_VERSION);
  g_ptr_array_add (unique, NULL);
  self->run->models = g_strdupv ((char **) unique->pdata);

  for (guint i = 0; self->run->models[i] != NULL; i++)
    if (self->catalog != NULL && tb_catalog_lookup (self->catalog, self->run->models[i]) == NULL)
      add_warning (self, "%s is not in the model catalog; running it anyway (no price known)",
                   self->run->models[i]);
  if (self->judge_model != NULL && has_model (self->run, self->judge_model))
    add_warning (self, "The judge %s is also a candidate: it may favour its own output",
                 self->judge_model);

  if (!tb_store_create_run (self->store, self->run, self->input, self->input_length,
                            self->prompt, &error))
    {
      fail_early (self, g_steal_pointer (&error));
      return;
    }

  g_signal_emit (self, signals[SIGNAL_RUN_CREATED], 0);

  for (guint i = 0; self->run->models[i] != NULL; i++)
    queue_candidate (self, self->run->models[i], NULL);

  start_next_jobs (self);
  maybe_finish_phase (self);
}

/* Loads a run with its use case (from the snapshot), input and prompt. */
static gboolean
load_existing_run (TbRunner    *self,
                   const char  *run_id,
                   GError     **error)
{
  g_autofree char *label = NULL;

  self->run = tb_store_load_run (self->store, run_id, error);
  if (self->run == NULL)
    return FALSE;

  label = g_strdup_printf ("%s (snapshot in run %s)", self->run->usecase, self->run->id);
  self->usecase = tb_usecase_parse (self->run->usecase, self->run->usecase_snapshot, -1,
                                    label, error);
  if (self->usecase == NULL)
    return FALSE;

  self->input = tb_store_read_input (self->store, self->run, &self->input_length, error);
  if (self->input == NULL)
    return FALSE;
  self->prompt = tb_store_read_prompt (self->store, self->run, error);
  if (self->prompt == NULL)
    return FALSE;

  return tb_store_lock_run (self->store, self->run, error);
}

void
tb_runner_resume_async (TbRunner            *self,
                        const char          *run_id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) outputs = NULL;

  g_return_if_fail (TB_IS_RUNNER (self));

  if (!begin (self, cancellable, callback, user_data, tb_runner_resume_async))
    return;

  /* Taking the lock is its last step: on any failure this process holds no lock. */
  if (!load_existing_run (self, run_id, &error))
    {
      fail_early (self, g_steal_pointer (&error));
      return;
    }

  self->judge_after = self->judge_model != NULL;
  outputs = tb_store_load_outputs (self->store, self->run);

  g_free (self->run->status);
  self->run->status = g_strdup ("running");
  if (!tb_store_save_run (self->store, self->run, &error))
    {
      complete (self, g_steal_pointer (&error));
      return;
    }
  g_signal_emit (self, signals[SIGNAL_RUN_CREATED], 0);

  for (guint i = 0; self->run->models[i] != NULL; i++)
    {
      const char *model = self->run->models[i];
      TbOutput *previous = NULL;

      for (guint j = 0; j < outputs->len; j++)
        if (g_strcmp0 (((TbOutput *) g_ptr_array_index (outputs, j))->model, model) == 0)
          previous = g_ptr_array_index (outputs, j);

      if (previous != NULL && g_strcmp0 (previous->status, "ok") == 0)
        {
          Job *job = add_job (self, JOB_CANDIDATE, model);
          TbCallProgress *call = job_call (job);

          job->chunks = g_ptr_array_new ();
          call->state = TB_CALL_DONE;
          call->cost_usd = previous->cost.usd;
          call->cost_source = previous->cost.source;
          call->tokens = previous->usage.completion_tokens;
          call->elapsed_ms = previous->latency_ms;
          continue;
        }
      queue_candidate (self, model, previous);
    }

  start_next_jobs (self);
  maybe_finish_phase (self);
}

void
tb_runner_judge_async (TbRunner            *self,
                       const char          *run_id,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ok = NULL;

  g_return_if_fail (TB_IS_RUNNER (self));

  if (!begin (self, cancellable, callback, user_data, tb_runner_judge_async))
    return;

  if (self->judge_model == NULL)
    {
      fail_early (self, g_error_new_literal (TB_ERROR, TB_ERROR_INVALID,
                                             _("No judge model: pass --judge-model, set "
                                             "judge.model in the use case, or set "
                                             "GENERAL_TASK_LLM")));
      return;
    }

  if (!load_existing_run (self, run_id, &error))
    {
      fail_early (self, g_steal_pointer (&error));
      return;
    }

  ok = take_ok_outputs (self);
  if (ok->len == 0)
    {
      complete (self, g_error_new (TB_ERROR, TB_ERROR_INVALID,
                                   _("Run %s has no successful output to judge"), run_id));
      return;
    }

  g_signal_emit (self, signals[SIGNAL_RUN_CREATED], 0);
  start_judge_phase (self, ok);
}

TbRun *
tb_runner_finish (TbRunner      *self,
                  GAsyncResult  *result,
                  GError       **error)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
