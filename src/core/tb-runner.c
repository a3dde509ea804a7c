/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-runner"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-error.h"
#include "tb-format.h"
#include "tb-json.h"
#include "tb-judge.h"
#include "tb-prompt.h"
#include "tb-runner.h"
#include "tb-runner-private.h"
#include "tb-testset.h"
#include "tb-util.h"
#include "tb-verdict.h"

#define JUDGE_SCHEMA_NAME "judgment"
#define PAIRWISE_SCHEMA_NAME "pairwise"
/* A judgment file holds every score of its pass and is written whole: at most one write
 * this often while judges answer (the first at once, the last when the pass ends), or a
 * 400-call pass spends most of its time serialising a growing file; a pass of thousands
 * waits longer, up to the second (start_judgment_write). */
#define JUDGMENT_WRITE_INTERVAL_MS 200
#define JUDGMENT_WRITE_MAX_INTERVAL_MS 1000

typedef enum {
  JOB_CANDIDATE,
  JOB_JUDGE,
  JOB_PAIRWISE,
} JobKind;

typedef struct _Job Job;

/* One piece of work: a candidate's answer to one input (one repeat), one judge's score
 * of one output, or one judge's comparison of two outputs of one input (one order). A job is one call per chunk of its input; the chunks are scheduled like
 * any other call and merged in order. */
struct _Job {
  TbRunner   *runner;        /* not owned */
  JobKind     kind;
  TbCall     *call;
  char       *model;         /* the model called */
  guint       input;         /* index into runner->inputs */
  guint       repeat;
  TbOutput   *output;        /* candidate: its output; judge: the output judged; pairwise:
                                the output shown as A (all owned by runner->outputs) */
  TbOutput   *output_b;      /* pairwise: the output shown as B */
  TbScore    *score;         /* judge: the score being made */
  gboolean    score_given;   /* the judgment owns `score` now */
  TbComparison *comparison;  /* pairwise: the comparison being made */
  gboolean    comparison_given;
  char       *judge_user;    /* nullable: the judge's prompt when not chunked */
  GPtrArray  *chunks;        /* TbChunk* */
  GPtrArray  *parts;         /* per chunk: char* content or JsonObject* answer, when done */
  guint       parts_done;
  guint       tasks_queued;
  guint       tasks_active;
  GError     *error;         /* the first failure of a chunk */
  GArray     *costs;         /* TbCost of each paid call */
  GPtrArray  *generation_ids;/* char* (nullable) of each paid call, aligned with costs */
  GStrv       carried_ids;   /* candidate: the generation ids of the cell's earlier calls */
  guint       lookups;       /* billed-cost lookups under way */
  gint64      started_us;
  guint64     streamed;      /* tokens streamed, over every chunk and retry */
  gboolean    schema_wrapped;
  gboolean    finished;
  gboolean    write_in_flight;
  gboolean    write_pending;    /* a newer state waits for the write in flight */
};

/* A candidate call waiting for its job: its row is in the list from the start, its job
 * (output, chunks, tasks) is made when a slot is about to free up, so that a run of
 * thousands of calls holds only the jobs under way. */
typedef struct {
  TbCall   *call;
  guint     model;           /* index into runner->run->models */
  guint     input;
  guint     repeat;
  TbOutput *previous;        /* nullable: the cell's earlier output, whose attempts carry
                                on (owned by runner->outputs) */
} Cell;

/* One call to make: a chunk of a job. */
typedef struct {
  Job     *job;
  guint    chunk;
  guint    parse_retries;
  guint64  tokens;           /* streamed by the attempt under way */
  double   forecast_usd;     /* counted in flight until the answer's cost is known */
} Task;

struct _TbRunner {
  GObject       parent_instance;

  TbClient     *client;
  TbStore      *store;
  TbCatalog    *catalog;
  guint         concurrency;
  GStrv         judges;
  char         *reference_override;
  gboolean      simulated;
  char         *judge_mode;   /* nullable: the use case's or the run's */
  GStrv         pair_models;  /* nullable: every model of the run */
  TbForecast   *forecast;     /* nullable: made by the caller for the next job */
  GHashTable   *history;      /* nullable: tb_forecast_history_load's */
  gboolean      dry_run;
  gboolean      has_max_cost;
  double        max_cost_usd;

  /* the job under way */
  GTask        *task;
  GCancellable *cancellable;
  TbRun        *run;
  TbUsecase    *usecase;
  GPtrArray    *inputs;       /* TbTestInput* */
  GPtrArray    *prompts;      /* char*, the executor prompt of each input */
  GPtrArray    *outputs;      /* TbOutput*, every cell known */
  TbJudgment   *judgment;
  char         *judge_system;
  GStrv         pass_judges;  /* the judges of this job */
  TbJudgeMode   pass_mode;
  GStrv         pass_pair_models; /* nullable: every model */
  GHashTable   *landed;       /* TbOutput* announced to the judging of this job */
  TbForecast   *pass_forecast;
  gboolean      pass_has_cap;
  double        pass_cap_usd;
  double        spent_usd;    /* known costs under the cap: earlier sessions and this one */
  double        in_flight_usd;/* forecasts of the calls under way */
  gboolean      over_budget;  /* a call was skipped for the cap */
  gboolean      starting;     /* start_next_tasks is on the stack */
  GListStore   *calls;        /* TbCall* */
  guint         rows_kept;    /* tb_runner_set_rows_kept */
  guint         calls_settled_away; /* settled calls no longer in `calls` */
  GPtrArray    *jobs;         /* Job* */
  GArray       *cells;        /* Cell: candidate calls not yet made jobs */
  guint         cells_next;   /* the first of `cells` still to make a job */
  GQueue        queue;        /* Task* waiting for a slot */
  guint         active;       /* calls in flight */
  guint         lookups;      /* billed-cost lookups in flight */
  guint         finished;
  GPtrArray    *warnings;
  guint         tick_id;
  guint         writes_in_flight;
  gboolean      judgment_write_in_flight;
  gboolean      judgment_dirty;
  guint         judgment_write_timer;
  gint64        judgment_written_at;   /* monotonic µs; 0: not yet */
  guint         judgment_interval_ms;  /* between rewrites of the judgment file */
  gboolean      cancelled;
};

enum {
  PROP_0,
  PROP_FINISHED,
  PROP_TOTAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_RUN_CREATED,
  SIGNAL_WARNING,
  SIGNAL_CALL_CHANGED,
  SIGNAL_CALL_SETTLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TbRunner, tb_runner, G_TYPE_OBJECT)

static void start_next_tasks (TbRunner *self);
static void maybe_finish (TbRunner *self);
static gboolean make_next_cell_job (TbRunner *self);
static gboolean cells_waiting (TbRunner *self);

/* ---------------------------------------------------------------------------------------- */
/* Jobs                                                                                      */

static void
job_free (Job *job)
{
  g_clear_object (&job->call);
  g_free (job->model);
  if (!job->score_given)
    g_clear_pointer (&job->score, tb_score_free);
  if (!job->comparison_given)
    g_clear_pointer (&job->comparison, tb_comparison_free);
  g_free (job->judge_user);
  g_clear_pointer (&job->chunks, g_ptr_array_unref);
  g_clear_pointer (&job->parts, g_ptr_array_unref);
  g_clear_error (&job->error);
  g_clear_pointer (&job->costs, g_array_unref);
  g_clear_pointer (&job->generation_ids, g_ptr_array_unref);
  g_strfreev (job->carried_ids);
  g_free (job);
}

static void
call_changed_cb (TbCall     *call,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_CALL_CHANGED], 0, call, pspec);
}

/* A call's row, added to the list (which holds it). */
static TbCall *
add_row (TbRunner   *self,
         JobKind     kind,
         const char *model,
         guint       input,
         guint       repeat,
         const char *subject)
{
  TbTestInput *test_input = g_ptr_array_index (self->inputs, input);
  g_autoptr(TbCall) call = tb_call_new (kind == JOB_CANDIDATE ? TB_CALL_CANDIDATE
                                        : kind == JOB_PAIRWISE ? TB_CALL_PAIRWISE
                                        : TB_CALL_JUDGE, model, subject, test_input->key,
                                        repeat);

  tb_call_set_cell_count (call, self->inputs->len, self->run != NULL ? self->run->repeat : 1);
  tb_call_set_observer (call, call_changed_cb, self);
  g_list_store_append (self->calls, call);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
  return call;
}

/* A job for `row` (nullable: a new row is added). */
static Job *
job_new_for_row (TbRunner   *self,
                 JobKind     kind,
                 const char *model,
                 guint       input,
                 guint       repeat,
                 const char *subject,
                 TbCall     *row)
{
  Job *job = g_new0 (Job, 1);

  job->runner = self;
  job->kind = kind;
  job->model = g_strdup (model);
  job->input = input;
  job->repeat = repeat;
  job->costs = g_array_new (FALSE, TRUE, sizeof (TbCost));
  job->generation_ids = g_ptr_array_new_with_free_func (g_free);
  job->call = g_object_ref (row != NULL ? row
                            : add_row (self, kind, model, input, repeat, subject));
  g_ptr_array_add (self->jobs, job);
  return job;
}

static void
cell_clear (gpointer data)
{
  g_clear_object (&((Cell *) data)->call);
}

static Job *
job_new (TbRunner   *self,
         JobKind     kind,
         const char *model,
         guint       input,
         guint       repeat,
         const char *subject)
{
  return job_new_for_row (self, kind, model, input, repeat, subject, NULL);
}

static TbTestInput *
job_input (Job *job)
{
  return g_ptr_array_index (job->runner->inputs, job->input);
}

static const char *
job_reference (Job *job)
{
  if (job->runner->reference_override != NULL)
    return job->runner->reference_override;
  return job_input (job)->reference;
}

static void
call_finished (TbRunner    *self,
               TbCall      *call,
               TbCallState  state)
{
  if (tb_call_state_is_final (tb_call_get_state (call)))
    return;
  tb_call_set_state (call, state);
  self->finished++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED]);
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
  if (g_ptr_array_find_with_equal_func (self->warnings, warning, g_str_equal, NULL))
    {
      g_free (warning);
      return;
    }
  g_ptr_array_add (self->warnings, warning);
  g_signal_emit (self, signals[SIGNAL_WARNING], 0, warning);
}

static const TbModel *
lookup_model (TbRunner   *self,
              const char *model)
{
  return self->catalog != NULL ? tb_catalog_lookup (self->catalog, model) : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Chunks                                                                                    */

/* The answer is estimated as half the input, within [1k, 16k] tokens, or the catalog's
 * completion limit when that is lower. */
/* Splits an input when the prompt built around it does not fit the model's context with
 * room for the answer (tb_chunk_budget). `extra_tokens` counts what else the prompt
 * carries (the output under judgment, for a judge). */
static GPtrArray *
plan_chunks (const TbTestInput  *input,
             const TbModel      *model,
             gint64              prompt_tokens,
             gint64              extra_tokens,
             GError            **error)
{
  gint64 input_tokens = tb_estimate_tokens (input->text, input->length);
  gint64 other = MAX (prompt_tokens - input_tokens, 0) + extra_tokens;
  gint64 budget = 0;

  if (model != NULL
      && !tb_chunk_budget (model->id, model->context_length, model->max_completion_tokens,
                           input_tokens, other, &budget, NULL, error))
    return NULL;
  if (budget == 0)
    {
      GPtrArray *chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_chunk_free);
      TbChunk *whole = g_new0 (TbChunk, 1);

      /* No copy of the text: a job of one part reads its input's (a copy each grew memory
       * with every call). */
      whole->count = 1;
      g_ptr_array_add (chunks, whole);
      return chunks;
    }
  return tb_chunk_input (input->text, budget, TB_CHUNK_OVERLAP_LINES);
}

static gboolean
job_is_chunked (Job *job)
{
  return job->chunks != NULL && job->chunks->len > 1;
}

static void
job_update_chunk (Job *job)
{
  guint running = 0;

  if (!job_is_chunked (job))
    return;
  running = job->parts_done + MIN (job->tasks_active, 1);
  tb_call_set_chunk (job->call, MIN (running, job->chunks->len), job->chunks->len);
}

/* ---------------------------------------------------------------------------------------- */
/* Costs                                                                                     */

/* The job's cost: the sum of what each paid call cost. */
static TbCost
job_cost (Job *job)
{
  TbCost total = { 0 };

  for (guint i = 0; i < job->costs->len; i++)
    tb_cost_add (&total, &g_array_index (job->costs, TbCost, i));
  return total;
}

static TbCost *
job_target_cost (Job *job)
{
  switch (job->kind)
    {
    case JOB_CANDIDATE:
      return &job->output->cost;
    case JOB_JUDGE:
      return &job->score->cost;
    case JOB_PAIRWISE:
    default:
      return &job->comparison->cost;
    }
}

static TbUsage *
job_target_usage (Job *job)
{
  switch (job->kind)
    {
    case JOB_CANDIDATE:
      return &job->output->usage;
    case JOB_JUDGE:
      return &job->score->usage;
    case JOB_PAIRWISE:
    default:
      return &job->comparison->usage;
    }
}

static void
job_show_cost (Job *job)
{
  TbCost *cost = job_target_cost (job);

  *cost = job_cost (job);
  if (cost->source == TB_COST_NONE)
    tb_call_set_cost (job->call, 0, NULL);
  else
    tb_call_set_cost (job->call, tb_cost_is_known (cost) ? cost->usd : -1,
                      tb_cost_source_to_string (cost->source));
}

/* Records one paid call — an answer, or an attempt that failed after the server reported
 * usage — with what it cost as far as is known now. */
static void
job_add_call (Job        *job,
              gint64      prompt_tokens,
              gint64      completion_tokens,
              gint64      reasoning_tokens,
              gint64      cached_tokens,
              gboolean    has_inline,
              double      inline_usd,
              const char *generation_id)
{
  TbRunner *self = job->runner;
  const TbModel *model = lookup_model (self, job->model);
  TbUsage *usage = job_target_usage (job);
  TbCost cost = { 0 };

  usage->prompt_tokens += prompt_tokens;
  usage->completion_tokens += completion_tokens;
  usage->reasoning_tokens += reasoning_tokens;
  usage->cached_tokens += cached_tokens;

  cost.has_inline = has_inline;
  cost.inline_usd = inline_usd;
  /* An estimate needs the tokens. A call whose usage never came (an attempt that failed
   * mid-stream before its usage chunk; every prompt has tokens) would be estimated at
   * $0: its cost is unknown until /generation says. */
  if (model != NULL && prompt_tokens > 0)
    cost.has_estimate = tb_model_estimate_cost (model, prompt_tokens, completion_tokens,
                                                reasoning_tokens, &cost.estimate_usd);
  tb_cost_settle (&cost);
  if (tb_cost_is_known (&cost))
    self->spent_usd += cost.usd;
  g_array_append_val (job->costs, cost);
  g_ptr_array_add (job->generation_ids, g_strdup (generation_id));
  job_show_cost (job);
}

static void
job_add_answer (Job                *job,
                const TbChatResult *answer)
{
  job_add_call (job, answer->prompt_tokens, answer->completion_tokens,
                answer->reasoning_tokens, answer->cached_tokens, answer->has_inline_cost,
                answer->inline_cost, answer->generation_id);
}

/* Failed attempts the server reported usage for were billed: each counts once. */
static void
job_add_paid_attempts (Job       *job,
                       GPtrArray *attempts)
{
  for (guint i = 0; attempts != NULL && i < attempts->len; i++)
    {
      TbPaidAttempt *attempt = g_ptr_array_index (attempts, i);

      job_add_call (job, attempt->prompt_tokens, attempt->completion_tokens,
                    attempt->reasoning_tokens, attempt->cached_tokens, attempt->has_inline_cost,
                    attempt->inline_cost, attempt->generation_id);
    }
}

static void write_job (Job *job);

/* A billed-cost lookup of one paid call of a job. */
typedef struct {
  Job   *job;
  guint  call;
} Lookup;

/* Where a candidate's call ran and what its provider reported, summed over its calls. */
static void
add_provenance (TbOutput           *output,
                const TbGeneration *generation)
{
  if (generation->provider_name != NULL
      && (output->providers == NULL
          || !g_strv_contains ((const char * const *) output->providers,
                               generation->provider_name)))
    {
      guint n = output->providers != NULL ? g_strv_length (output->providers) : 0;

      output->providers = g_renew (char *, output->providers, n + 2);
      output->providers[n] = g_strdup (generation->provider_name);
      output->providers[n + 1] = NULL;
    }
  if (output->provider == NULL && generation->provider_name != NULL)
    output->provider = g_strdup (generation->provider_name);
  if (output->native_finish_reason == NULL && generation->native_finish_reason != NULL)
    output->native_finish_reason = g_strdup (generation->native_finish_reason);
  if (generation->has_upstream_cost)
    {
      output->upstream_usd = (output->has_upstream_cost ? output->upstream_usd : 0)
                             + generation->upstream_inference_cost;
      output->has_upstream_cost = TRUE;
    }
  output->is_byok |= generation->is_byok;
  if (generation->has_cache_discount)
    {
      output->cache_discount = (output->has_cache_discount ? output->cache_discount : 0)
                               + generation->cache_discount;
      output->has_cache_discount = TRUE;
    }
  if (generation->has_generation_time)
    {
      output->generation_time_ms = (output->has_generation_time ? output->generation_time_ms
                                                                : 0)
                                   + generation->generation_time_ms;
      output->has_generation_time = TRUE;
    }
}

static void
generation_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autofree Lookup *lookup = user_data;
  Job *job = lookup->job;
  TbRunner *self = job->runner;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbGeneration) generation = NULL;

  generation = tb_client_generation_finish (TB_CLIENT (source), result, &error);
  job->lookups--;
  self->lookups--;

  if (generation != NULL && generation->has_total_cost)
    {
      TbCost *cost = &g_array_index (job->costs, TbCost, lookup->call);
      double billed = generation->total_cost;

      /* A BYOK call is billed twice: the upstream provider's charge to the user's own key,
       * and OpenRouter's fee (total_cost). Both are what the call cost. */
      if (generation->is_byok && generation->has_upstream_cost)
        billed += generation->upstream_inference_cost;
      double before = tb_cost_is_known (cost) ? cost->usd : 0;

      cost->has_billed = TRUE;
      cost->billed_usd = billed;
      tb_cost_settle (cost);
      if (tb_cost_is_known (cost))
        self->spent_usd += cost->usd - before;
    }
  else if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("No billed cost for %s: %s", job->model, error->message);
  if (generation != NULL && job->kind == JOB_CANDIDATE)
    add_provenance (job->output, generation);

  if (job->lookups == 0)
    {
      job_show_cost (job);
      write_job (job);
    }
  maybe_finish (self);
}

/* Asks /generation for the billed cost of every paid call of the job. */
static void
request_billed_costs (Job *job)
{
  TbRunner *self = job->runner;

  if (g_cancellable_is_cancelled (self->cancellable))
    return;

  for (guint i = 0; i < job->generation_ids->len; i++)
    {
      const char *id = g_ptr_array_index (job->generation_ids, i);
      Lookup *lookup;

      /* OpenRouter's ids start "gen-"; other servers (Ollama, vLLM: "chatcmpl-…") have no
       * /generation endpoint, and asking would only wait out its 404s. */
      if (id == NULL || !g_str_has_prefix (id, "gen-"))
        continue;
      lookup = g_new0 (Lookup, 1);
      lookup->job = job;
      lookup->call = i;
      job->lookups++;
      self->lookups++;
      tb_client_generation_async (self->client, id, self->cancellable, generation_cb, lookup);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Writing                                                                                   */

/* Files are written (and fsynced) on worker threads: an fsync takes milliseconds, and on
 * the main loop it held every next request of a burst of answers, and the window's frames.
 * One write per file is in flight at a time, so the files cannot be reordered; a state that
 * arrives meanwhile waits, and only the newest waiting state is written: many scores landing
 * during one judgment write cost one more write. A run is finished only when every write
 * is on disk. */

static void
output_write_failed (Job    *job,
                     GError *error)
{
  TbRunner *self = job->runner;

  /* A paid answer that cannot be kept is a failure of this cell, said loudly. */
  add_warning (self, "%s", error->message);
  job->output->status = TB_OUTPUT_FAILED;
  g_free (job->output->error_message);
  job->output->error_message = g_strdup (error->message);
  tb_call_set_message (job->call, error->message);
  if (tb_call_get_state (job->call) == TB_CALL_DONE)
    tb_call_set_state (job->call, TB_CALL_FAILED);
}

static void
commit_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;

  if (tb_store_write_commit (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
start_commit (TbRunner            *self,
              TbStoreWrite        *write,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  /* The task holds the runner, so no job is freed under a write in flight. */
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_task_data (task, write, (GDestroyNotify) tb_store_write_free);
  self->writes_in_flight++;
  g_task_run_in_thread (task, commit_in_thread);
}

static void start_output_write (Job *job);
static void start_judgment_write (TbRunner *self);
static void schedule_judgment_write (TbRunner *self);

static void
output_written_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  TbRunner *self = TB_RUNNER (source);
  Job *job = user_data;
  g_autoptr(GError) error = NULL;

  job->write_in_flight = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    output_write_failed (job, error);
  if (job->write_pending)
    start_output_write (job);
  self->writes_in_flight--;
  maybe_finish (self);
}

static void
start_output_write (Job *job)
{
  TbRunner *self = job->runner;
  g_autoptr(GError) error = NULL;
  TbStoreWrite *write;

  job->write_pending = FALSE;
  write = tb_store_prepare_output (self->store, self->run, job->output, &error);
  if (write == NULL)
    {
      output_write_failed (job, error);
      return;
    }
  job->write_in_flight = TRUE;
  start_commit (self, write, output_written_cb, job);
}

static void
judgment_written_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  TbRunner *self = TB_RUNNER (source);
  TbStoreWrite *write = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->judgment_write_in_flight = FALSE;
  self->judgment_written_at = g_get_monotonic_time ();
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    add_warning (self, "%s", error->message);
  else if (tb_store_write_get_name (write) != NULL && self->judgment != NULL)
    {
      /* A new judgment's name, known now: its later states go to the same file. */
      g_free (self->judgment->file);
      self->judgment->file = g_strdup (tb_store_write_get_name (write));
    }
  if (self->judgment_dirty)
    schedule_judgment_write (self);
  self->writes_in_flight--;
  maybe_finish (self);
}

static gboolean
judgment_write_due_cb (gpointer user_data)
{
  TbRunner *self = user_data;

  self->judgment_write_timer = 0;
  if (self->judgment_dirty && !self->judgment_write_in_flight)
    start_judgment_write (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_judgment_write (TbRunner *self)
{
  gint64 since;

  if (self->judgment_write_in_flight || self->judgment_write_timer != 0)
    return;
  since = (g_get_monotonic_time () - self->judgment_written_at) / 1000;
  if (self->judgment_written_at == 0 || since >= self->judgment_interval_ms)
    start_judgment_write (self);
  else
    self->judgment_write_timer = g_timeout_add ((guint) (self->judgment_interval_ms - since),
                                                judgment_write_due_cb, self);
}

static void
start_judgment_write (TbRunner *self)
{
  g_autoptr(GError) error = NULL;
  TbStoreWrite *write;
  gint64 started = g_get_monotonic_time ();

  self->judgment_dirty = FALSE;
  if (self->judgment == NULL)
    return;
  tb_judgment_settle_cost (self->judgment);
  write = tb_store_prepare_judgment (self->store, self->run, self->judgment, &error);
  if (write == NULL)
    {
      add_warning (self, "%s", error->message);
      return;
    }
  /* The whole file is made on this thread at each rewrite: a pass of thousands of scores
   * is rewritten less often, so that making it takes at most a twentieth of the loop —
   * but at least once a second, since a score not yet on disk when the process is killed
   * is asked for again by `resume`. */
  self->judgment_interval_ms = CLAMP ((g_get_monotonic_time () - started) / 1000 * 20,
                                      JUDGMENT_WRITE_INTERVAL_MS,
                                      JUDGMENT_WRITE_MAX_INTERVAL_MS);
  self->judgment_write_in_flight = TRUE;
  start_commit (self, write, judgment_written_cb, NULL);
}

static void
write_job (Job *job)
{
  TbRunner *self = job->runner;

  if (job->kind == JOB_CANDIDATE)
    {
      if (job->write_in_flight)
        job->write_pending = TRUE;
      else
        start_output_write (job);
    }
  else
    {
      self->judgment_dirty = TRUE;
      schedule_judgment_write (self);
    }
}

/* The last state of the judgment, on this thread: nothing else is in flight by then. */
static void
write_judgment_now (TbRunner *self)
{
  g_autoptr(GError) error = NULL;

  self->judgment_dirty = FALSE;
  g_clear_handle_id (&self->judgment_write_timer, g_source_remove);
  if (self->judgment == NULL)
    return;
  tb_judgment_settle_cost (self->judgment);
  if (!tb_store_write_judgment (self->store, self->run, self->judgment, &error))
    add_warning (self, "%s", error->message);
}

/* ---------------------------------------------------------------------------------------- */
/* Judging                                                                                   */

static gboolean
judging (TbRunner *self)
{
  return self->judgment != NULL && self->pass_judges != NULL && self->pass_judges[0] != NULL;
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

static void queue_job_tasks (Job *job, gboolean urgent);
static void job_fail_now (Job *job, GError *error);

static gboolean
judgment_has_score (TbJudgment *judgment,
                    const char *judge,
                    TbOutput   *output)
{
  for (guint i = 0; i < judgment->scores->len; i++)
    {
      TbScore *score = g_ptr_array_index (judgment->scores, i);

      if (score->error == NULL && g_strcmp0 (score->model, output->model) == 0
          && g_strcmp0 (score->input, output->input) == 0 && score->repeat == output->repeat
          && g_strcmp0 (tb_judgment_score_judge (judgment, score), judge) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Queues one judge job per judge for an ok output; judging starts as soon as a slot is
 * free, ahead of candidates still waiting. */
static void
queue_judging (TbRunner *self,
               TbOutput *output,
               guint     input)
{
  for (guint j = 0; self->pass_judges[j] != NULL; j++)
    {
      const char *judge_id = self->pass_judges[j];
      const TbModel *judge = lookup_model (self, judge_id);
      TbTestInput *test_input = g_ptr_array_index (self->inputs, input);
      g_autoptr(GError) error = NULL;
      Job *job;
      gint64 extra;

      if (judgment_has_score (self->judgment, judge_id, output))
        continue;

      job = job_new (self, JOB_JUDGE, judge_id, input, output->repeat, output->model);
      job->output = output;
      job->score = tb_score_new (output->model);
      job->score->input = g_strdup (test_input->key);
      job->score->repeat = output->repeat;
      job->score->judge = g_strdup (judge_id);
      job->score->output_chars = output->content != NULL
                                 ? g_utf8_strlen (output->content, -1) : 0;

      extra = tb_estimate_tokens (self->judge_system, -1)
              + tb_estimate_tokens (output->content, -1)
              + tb_estimate_tokens (g_ptr_array_index (self->prompts, input), -1);
      job->chunks = plan_chunks (test_input, judge,
                                 tb_estimate_tokens (test_input->text, test_input->length),
                                 extra, &error);
      if (job->chunks == NULL)
        {
          job->chunks = g_ptr_array_new ();
          job_fail_now (job, g_steal_pointer (&error));
          continue;
        }
      queue_job_tasks (job, TRUE);
    }
}

static gboolean
judgment_has_comparison (TbJudgment *judgment,
                         const char *judge,
                         const char *input,
                         guint       repeat,
                         const char *a,
                         const char *b)
{
  for (guint i = 0; i < judgment->comparisons->len; i++)
    {
      TbComparison *comparison = g_ptr_array_index (judgment->comparisons, i);

      if (comparison->error == NULL && comparison->winner != TB_WINNER_NONE
          && g_strcmp0 (comparison->judge, judge) == 0
          && g_strcmp0 (comparison->input, input) == 0 && comparison->repeat == repeat
          && g_strcmp0 (comparison->a, a) == 0 && g_strcmp0 (comparison->b, b) == 0)
        return TRUE;
    }
  return FALSE;
}

static guint
run_model_index (TbRunner   *self,
                 const char *model)
{
  for (guint i = 0; self->run->models[i] != NULL; i++)
    if (g_str_equal (self->run->models[i], model))
      return i;
  return G_MAXUINT;
}

static gboolean
in_pair_set (TbRunner   *self,
             const char *model)
{
  return self->pass_pair_models == NULL
         || g_strv_contains ((const char * const *) self->pass_pair_models, model);
}

static void
queue_comparison (TbRunner   *self,
                  const char *judge_id,
                  guint       input,
                  TbOutput   *a,
                  TbOutput   *b)
{
  TbTestInput *test_input = g_ptr_array_index (self->inputs, input);
  g_autofree char *subject = g_strdup_printf ("%s vs %s", a->model, b->model);
  g_autoptr(GError) error = NULL;
  Job *job;
  gint64 extra;

  if (judgment_has_comparison (self->judgment, judge_id, test_input->key, a->repeat,
                               a->model, b->model))
    return;

  job = job_new (self, JOB_PAIRWISE, judge_id, input, a->repeat, subject);
  job->output = a;
  job->output_b = b;
  job->comparison = tb_comparison_new ();
  job->comparison->input = g_strdup (test_input->key);
  job->comparison->repeat = a->repeat;
  job->comparison->a = g_strdup (a->model);
  job->comparison->b = g_strdup (b->model);
  job->comparison->judge = g_strdup (judge_id);

  extra = tb_estimate_tokens (self->judge_system, -1)
          + tb_estimate_tokens (a->content, -1) + tb_estimate_tokens (b->content, -1)
          + tb_estimate_tokens (g_ptr_array_index (self->prompts, input), -1);
  job->chunks = plan_chunks (test_input, lookup_model (self, judge_id),
                             tb_estimate_tokens (test_input->text, test_input->length),
                             extra, &error);
  if (job->chunks == NULL)
    {
      job->chunks = g_ptr_array_new ();
      job_fail_now (job, g_steal_pointer (&error));
      return;
    }
  queue_job_tasks (job, TRUE);
}

/* Pairs a newly landed output with every landed output of another model on the same input
 * and repeat: each judge compares each pair in both orders, the run's model order first,
 * so a judge that prefers a position cannot make a win of it. */
static void
queue_comparisons (TbRunner *self,
                   TbOutput *output,
                   guint     input)
{
  GHashTableIter iter;
  gpointer key;

  if (!in_pair_set (self, output->model))
    return;

  g_hash_table_iter_init (&iter, self->landed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      TbOutput *other = key;
      TbOutput *first, *second;

      if (other == output || g_strcmp0 (other->input, output->input) != 0
          || other->repeat != output->repeat || g_str_equal (other->model, output->model)
          || other->status != TB_OUTPUT_OK || !in_pair_set (self, other->model))
        continue;
      first = run_model_index (self, other->model) < run_model_index (self, output->model)
              ? other : output;
      second = first == output ? other : output;
      for (guint j = 0; self->pass_judges[j] != NULL; j++)
        {
          queue_comparison (self, self->pass_judges[j], input, first, second);
          queue_comparison (self, self->pass_judges[j], input, second, first);
        }
    }
}

/* An ok output is ready for this job's judging: scored, or compared with the others. */
static void
announce_output (TbRunner *self,
                 TbOutput *output,
                 guint     input)
{
  if (!judging (self) || g_cancellable_is_cancelled (self->cancellable))
    return;
  if (self->pass_mode == TB_JUDGE_PAIRWISE)
    queue_comparisons (self, output, input);
  else
    queue_judging (self, output, input);
  g_hash_table_add (self->landed, output);
}

/* ---------------------------------------------------------------------------------------- */
/* Finishing jobs                                                                            */

/* Every billed call of a candidate's cell — its earlier calls', its failed attempts', its
 * parts' — in its record, when there is more than the answer's own id to list. */
static void
record_generation_ids (Job      *job,
                       gboolean  several)
{
  TbOutput *output = job->output;
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  guint n = 0;

  g_strfreev (output->generation_ids);
  output->generation_ids = NULL;
  if (job->carried_ids != NULL)
    {
      g_strv_builder_addv (ids, (const char **) job->carried_ids);
      n += g_strv_length (job->carried_ids);
    }
  for (guint i = 0; i < job->generation_ids->len; i++)
    if (g_ptr_array_index (job->generation_ids, i) != NULL)
      {
        g_strv_builder_add (ids, g_ptr_array_index (job->generation_ids, i));
        n++;
      }
  if (several && n > 0)
    output->generation_ids = g_strv_builder_end (ids);
}

static void
job_finish_candidate (Job *job)
{
  TbRunner *self = job->runner;
  TbOutput *output = job->output;
  g_autoptr(GError) merge_error = NULL;
  g_autoptr(TbFormatCheck) check = NULL;
  g_autofree char *content = NULL;

  if (job_is_chunked (job))
    {
      content = tb_merge_chunk_outputs (self->usecase->output_format, job->parts, &merge_error);
      if (content == NULL)
        {
          /* Keep what was paid for: the parts, joined, with the merge error as check. */
          g_autoptr(GString) joined = g_string_new (NULL);

          for (guint i = 0; i < job->parts->len; i++)
            g_string_append_printf (joined, "%s%s", i > 0 ? "\n\n" : "",
                                    (char *) g_ptr_array_index (job->parts, i));
          content = g_string_free (g_steal_pointer (&joined), FALSE);
        }
    }
  else
    content = g_strdup (g_ptr_array_index (job->parts, 0));

  check = tb_format_check (content, self->usecase->output_format, self->usecase->output_schema);
  if (merge_error != NULL)
    {
      check->valid = FALSE;
      g_ptr_array_insert (check->errors, 0,
                          g_strdup_printf ("merging the chunks failed: %s",
                                           merge_error->message));
    }

  output->status = TB_OUTPUT_OK;
  g_free (output->content);
  output->content = g_steal_pointer (&content);
  output->has_format_check = TRUE;
  output->format_valid = check->valid;
  g_strfreev (output->format_errors);
  g_ptr_array_add (check->errors, NULL);
  output->format_errors = g_strdupv ((char **) check->errors->pdata);
  g_ptr_array_remove_index (check->errors, check->errors->len - 1);
  g_clear_pointer (&output->error_message, g_free);
  output->error_http_status = 0;
  output->chunks = job_is_chunked (job) ? job->chunks->len : 0;
  record_generation_ids (job, job_is_chunked (job) || job->generation_ids->len > 1);

  tb_call_set_tokens (job->call, output->usage.completion_tokens);
  write_job (job);
  call_finished (self, job->call, TB_CALL_DONE);
  request_billed_costs (job);

  announce_output (self, output, job->input);
}

static void
job_finish_judge (Job *job)
{
  TbRunner *self = job->runner;
  TbScore *score = job->score;

  tb_judge_fill_score (self->usecase, job->parts, score);
  g_ptr_array_add (self->judgment->scores, score);
  job->score_given = TRUE;
  tb_call_set_score (job->call, score->overall);
  tb_call_set_tokens (job->call, score->usage.completion_tokens);
  write_job (job);
  call_finished (self, job->call, TB_CALL_DONE);
  request_billed_costs (job);
}

/* A comparison over chunks: the side that won more parts, else a tie. */
static void
job_finish_pairwise (Job *job)
{
  TbRunner *self = job->runner;
  TbComparison *comparison = job->comparison;
  g_autoptr(GString) reasoning = g_string_new (NULL);
  guint wins_a = 0, wins_b = 0;

  for (guint i = 0; i < job->parts->len; i++)
    {
      JsonObject *part = g_ptr_array_index (job->parts, i);
      TbWinner winner = tb_winner_from_string (tb_json_get_string (part, "winner"));
      const char *why = tb_json_get_string (part, "reasoning");

      wins_a += winner == TB_WINNER_A;
      wins_b += winner == TB_WINNER_B;
      if (job->parts->len > 1)
        g_string_append_printf (reasoning, "%sPart %u: %s", i > 0 ? "\n" : "", i + 1,
                                why != NULL ? why : "");
      else if (why != NULL)
        g_string_append (reasoning, why);
    }
  comparison->winner = wins_a > wins_b ? TB_WINNER_A : wins_b > wins_a ? TB_WINNER_B
                                                                      : TB_WINNER_TIE;
  g_free (comparison->reasoning);
  /* kept for the rest of the run: its own size, not the buffer's */
  comparison->reasoning = g_strndup (reasoning->str, reasoning->len);
  g_ptr_array_add (self->judgment->comparisons, comparison);
  job->comparison_given = TRUE;
  if (comparison->winner == TB_WINNER_TIE)
    tb_call_set_message (job->call, _("tie"));
  else
    tb_call_set_message (job->call, comparison->winner == TB_WINNER_A ? comparison->a
                                                                      : comparison->b);
  tb_call_set_tokens (job->call, comparison->usage.completion_tokens);
  write_job (job);
  call_finished (self, job->call, TB_CALL_DONE);
  request_billed_costs (job);
}

static void
job_finish_failed (Job *job)
{
  TbRunner *self = job->runner;
  gboolean cancelled = g_error_matches (job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  gboolean skipped = g_error_matches (job->error, TB_ERROR, TB_ERROR_BUDGET);
  const char *message = cancelled ? _("cancelled by the user") : job->error->message;

  tb_call_set_message (job->call, message);
  if (job->kind == JOB_CANDIDATE)
    {
      TbOutput *output = job->output;

      output->status = cancelled ? TB_OUTPUT_CANCELLED
                       : skipped ? TB_OUTPUT_SKIPPED : TB_OUTPUT_FAILED;
      output->error_http_status = job->error->domain == TB_HTTP_ERROR && job->error->code >= 100
                                  ? (guint) job->error->code : 0;
      g_free (output->error_message);
      output->error_message = g_strdup (message);
      /* a failed cell has no answer's id: each billed attempt is listed */
      record_generation_ids (job, TRUE);
      write_job (job);
    }
  else if (skipped)
    {
      /* Nothing recorded: the judgment simply lacks it, and a resume asks for it. */
    }
  else if (!cancelled && job->kind == JOB_PAIRWISE)
    {
      /* Recorded as an error, which a resume or the next pass asks again. */
      g_free (job->comparison->error);
      job->comparison->error = g_strdup (message);
      g_ptr_array_add (self->judgment->comparisons, job->comparison);
      job->comparison_given = TRUE;
      write_job (job);
    }
  else if (!cancelled)
    {
      TbScore *score = job->score;

      /* A judge error is recorded as such, never as a zero score. */
      g_free (score->error);
      score->error = g_strdup (message);
      g_ptr_array_add (self->judgment->scores, score);
      job->score_given = TRUE;
      write_job (job);
    }
  call_finished (self, job->call, cancelled ? TB_CALL_CANCELLED
                                  : skipped ? TB_CALL_SKIPPED : TB_CALL_FAILED);
  /* Chunks that were answered were paid for even though the job failed. */
  request_billed_costs (job);
}

static void
job_maybe_finish (Job *job)
{
  if (job->finished || job->tasks_active > 0 || job->tasks_queued > 0)
    return;
  job->finished = TRUE;

  if (job->output != NULL && job->kind == JOB_CANDIDATE)
    job->output->latency_ms = job->started_us > 0
                              ? (g_get_monotonic_time () - job->started_us) / 1000 : 0;
  if (job->started_us > 0)
    tb_call_set_elapsed_ms (job->call, (g_get_monotonic_time () - job->started_us) / 1000);

  if (job->error != NULL)
    job_finish_failed (job);
  else if (job->kind == JOB_CANDIDATE)
    job_finish_candidate (job);
  else if (job->kind == JOB_PAIRWISE)
    job_finish_pairwise (job);
  else
    job_finish_judge (job);

  /* What only its calls needed: a finished job keeps its output and costs, not a copy of
   * its input in parts (memory would grow with every call of a long test set). */
  g_clear_pointer (&job->chunks, g_ptr_array_unref);
  g_clear_pointer (&job->parts, g_ptr_array_unref);
  g_clear_pointer (&job->judge_user, g_free);
}

/* Fails a job that never got to call (no room for its input, cancelled in the queue). */
static void
job_fail_now (Job    *job,
              GError *error)
{
  if (job->error == NULL)
    job->error = error;
  else
    g_error_free (error);
  job_maybe_finish (job);
}

/* ---------------------------------------------------------------------------------------- */
/* Calls                                                                                     */

static void
chat_delta_cb (gpointer    user_data,
               const char *text,
               guint64     tokens)
{
  Task *task = user_data;
  Job *job = task->job;

  /* A retry counts from 1 again: what the failed attempt streamed stays counted. */
  job->streamed += tokens > task->tokens ? tokens - task->tokens : tokens;
  task->tokens = tokens;
  if (tb_call_get_state (job->call) != TB_CALL_RUNNING)
    tb_call_set_state (job->call, TB_CALL_RUNNING);
  tb_call_set_tokens (job->call, job->streamed);
}

static void
chat_retry_cb (gpointer    user_data,
               guint       attempt,
               guint       delay_ms,
               const char *reason)
{
  Task *task = user_data;
  g_autofree char *message = g_strdup_printf (_("%s; retry %u in %.1f s"), reason, attempt,
                                              delay_ms / 1000.0);

  task->tokens = 0;
  tb_call_set_message (task->job->call, message);
  tb_call_set_state (task->job->call, TB_CALL_RETRYING);
}

static void chat_cb (GObject *source, GAsyncResult *result, gpointer user_data);
static void task_done (Task *task);

/* The cap (DESIGN.md, "Budget"): a call starts only when what was spent, the forecasts of
 * the calls in flight and its own forecast fit under it. A call whose price is unknown
 * cannot be shown to fit. The call not made is skipped: its cell stays open for a resume
 * with a larger cap. */
static gboolean
within_budget (TbRunner            *self,
               Task                *task,
               const TbChatRequest *request)
{
  Job *job = task->job;
  gint64 prompt_tokens = tb_estimate_tokens (request->system, -1)
                         + tb_estimate_tokens (request->user, -1);
  g_autofree char *cap = NULL;
  g_autofree char *spent = NULL;
  g_autofree char *call = NULL;
  double usd = 0;
  gboolean known;

  known = tb_forecast_call_usd (self->pass_forecast, self->catalog, job->model,
                                job->kind != JOB_CANDIDATE, prompt_tokens, &usd);
  if (!self->pass_has_cap
      || (known && self->spent_usd + self->in_flight_usd + usd <= self->pass_cap_usd))
    {
      task->forecast_usd = known ? usd : 0;
      self->in_flight_usd += task->forecast_usd;
      return TRUE;
    }

  self->over_budget = TRUE;
  cap = tb_format_usd (self->pass_cap_usd);
  spent = tb_format_usd (self->spent_usd + self->in_flight_usd);
  call = known ? tb_format_usd (usd) : NULL;
  if (job->error == NULL)
    job->error = known
                 ? g_error_new (TB_ERROR, TB_ERROR_BUDGET,
                                _("this call (about %s) would pass the cap of %s "
                                  "(%s spent or under way)"), call, cap, spent)
                 : g_error_new (TB_ERROR, TB_ERROR_BUDGET,
                                _("%s has no known price, so it cannot be kept "
                                  "under the cap of %s"), job->model, cap);
  task_done (task);
  return FALSE;
}

/* A pairwise answer as the part of its chunk: {winner, reasoning}. */
static JsonObject *
parse_pairwise_part (const char  *content,
                     GError     **error)
{
  g_autofree char *reasoning = NULL;
  TbWinner winner = TB_WINNER_NONE;
  JsonObject *part;

  if (!tb_judge_parse_pairwise (content, &winner, &reasoning, error))
    return NULL;
  part = json_object_new ();
  json_object_set_string_member (part, "winner", tb_winner_to_string (winner));
  if (reasoning != NULL)
    json_object_set_string_member (part, "reasoning", reasoning);
  return part;
}

static void
start_task (Task *task)
{
  Job *job = task->job;
  TbRunner *self = job->runner;
  TbChunk *chunk = g_ptr_array_index (job->chunks, task->chunk);
  const TbModel *model = lookup_model (self, job->model);
  TbTestInput *input = job_input (job);
  const char *prompt = g_ptr_array_index (self->prompts, job->input);
  g_autofree char *user = NULL;
  g_autoptr(JsonNode) judge_schema = NULL;
  g_autoptr(JsonNode) wrapped_schema = NULL;
  TbChatRequest request = { 0 };
  TbChatCallbacks callbacks = { chat_delta_cb, chat_retry_cb, task };

  if (job->started_us == 0)
    job->started_us = g_get_monotonic_time ();
  task->tokens = 0;
  request.model = job->model;
  request.temperature = -1;
  request.stream = TRUE;
  /* The use case's provider routing goes with every call, so a comparison can pin
   * providers. */
  request.provider = self->usecase->provider;

  if (job->kind == JOB_CANDIDATE)
    {
      if (job_is_chunked (job))
        user = tb_prompt_executor (self->usecase, chunk->text, chunk);
      request.user = user != NULL ? user : prompt;
      /* Structured output only where the catalog says the model takes it. Providers take
       * json_schema only with an object at the root, so any other root is sent wrapped.
       * Not strict: a user's schema is seldom written for strict mode (closed objects,
       * every property required). */
      if (self->usecase->output_schema != NULL && model != NULL && model->json_schema)
        {
          if (g_strcmp0 (tb_schema_root_type (self->usecase->output_schema), "object") == 0)
            request.json_schema = self->usecase->output_schema;
          else
            request.json_schema = wrapped_schema = tb_schema_wrap (self->usecase->output_schema);
          request.schema_name = "output";
          job->schema_wrapped = wrapped_schema != NULL;
        }
      else if (g_strcmp0 (tb_schema_root_type (self->usecase->output_schema), "object") == 0
               && model != NULL && model->structured_output)
        request.json_object = TRUE;
    }
  else
    {
      g_autoptr(TbFormatCheck) check = stored_format_check (job->output);
      g_autoptr(TbFormatCheck) check_b = job->output_b != NULL
                                         ? stored_format_check (job->output_b) : NULL;
      g_autofree char *boundary = tb_prompt_new_boundary ();

      if (job->kind == JOB_PAIRWISE)
        user = tb_prompt_judge_pairwise_user (self->usecase, prompt,
                                              job_is_chunked (job) ? chunk->text : input->text,
                                              job_is_chunked (job) ? chunk : NULL,
                                              job_reference (job), job->output->content, check,
                                              job->output_b->content, check_b, boundary);
      else
        user = tb_prompt_judge_user (self->usecase, prompt,
                                     job_is_chunked (job) ? chunk->text : input->text,
                                     job_is_chunked (job) ? chunk : NULL,
                                     job_reference (job), job->output->content, check,
                                     boundary);
      request.system = self->judge_system;
      request.user = user;
      request.temperature = TB_JUDGE_TEMPERATURE;
      request.has_seed = TRUE;
      request.seed = TB_JUDGE_SEED;
      /* Unknown models (local servers) are asked for the schema too: most accept it. */
      if (model == NULL || model->structured_output)
        {
          judge_schema = job->kind == JOB_PAIRWISE ? tb_judge_pairwise_schema ()
                                                   : tb_judge_answer_schema (self->usecase);
          request.json_schema = judge_schema;
          request.schema_name = job->kind == JOB_PAIRWISE ? PAIRWISE_SCHEMA_NAME
                                                          : JUDGE_SCHEMA_NAME;
          /* Built for strict mode: closed objects, everything required. */
          request.strict = TRUE;
        }
    }

  /* A retry of the same call replaces its own forecast. */
  self->in_flight_usd -= task->forecast_usd;
  task->forecast_usd = 0;
  if (!within_budget (self, task, &request))
    return;

  tb_call_set_message (job->call, NULL);
  tb_call_set_state (job->call, TB_CALL_RUNNING);
  job_update_chunk (job);
  tb_client_chat_async (self->client, &request, &callbacks, self->cancellable, chat_cb, task);
}

static void
task_done (Task *task)
{
  Job *job = task->job;
  TbRunner *self = job->runner;

  job->tasks_active--;
  self->active--;
  g_free (task);
  job_update_chunk (job);
  /* A candidate's freed slot goes to the next call before its output is checked, saved
   * and handed to its judges: 16 answers land together, and each one's finishing delayed
   * the calls after it. Its cost is counted already (chat_cb), so the cap holds; and with
   * all its answers in, its row is done (a candidate without an error always finishes
   * done), so the rows never show more calls running than the limit. A judge's row is
   * done only with its score, so a judge finishes first. */
  if (job->kind == JOB_CANDIDATE && !job->finished && job->tasks_active == 0
      && job->tasks_queued == 0 && job->error == NULL)
    {
      /* done with what its answers came to: a front end prints the line now */
      tb_call_set_tokens (job->call, job->output->usage.completion_tokens);
      if (job->started_us > 0)
        tb_call_set_elapsed_ms (job->call, (g_get_monotonic_time () - job->started_us) / 1000);
      call_finished (self, job->call, TB_CALL_DONE);
      start_next_tasks (self);
    }
  job_maybe_finish (job);
  start_next_tasks (self);
  maybe_finish (self);
}

static void
chat_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Task *task = user_data;
  Job *job = task->job;
  TbRunner *self = job->runner;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbChatResult) answer = NULL;
  g_autoptr(GPtrArray) paid_attempts = NULL;
  guint attempts = 0;

  answer = tb_client_chat_finish (TB_CLIENT (source), result, &attempts, &paid_attempts,
                                  &error);
  /* Its real cost is counted as spent from here on. */
  self->in_flight_usd -= task->forecast_usd;
  task->forecast_usd = 0;
  if (job->kind == JOB_CANDIDATE)
    job->output->attempts += attempts;
  job_add_paid_attempts (job, paid_attempts);

  if (answer == NULL)
    {
      if (job->error == NULL)
        job->error = g_steal_pointer (&error);
      task_done (task);
      return;
    }

  job_add_answer (job, answer);

  if (job->kind == JOB_CANDIDATE)
    {
      TbOutput *output = job->output;

      if (answer->provider != NULL && output->provider == NULL)
        output->provider = g_strdup (answer->provider);
      if (task->chunk == 0)
        {
          g_free (output->finish_reason);
          output->finish_reason = g_strdup (answer->finish_reason);
          g_free (output->native_finish_reason);
          output->native_finish_reason = g_strdup (answer->native_finish_reason);
          g_free (output->generation_id);
          output->generation_id = g_strdup (answer->generation_id);
        }
      g_ptr_array_index (job->parts, task->chunk) =
        job->schema_wrapped ? tb_schema_unwrap_answer (answer->content)
                            : g_strdup (answer->content != NULL ? answer->content : "");
    }
  else
    {
      g_autoptr(GError) parse_error = NULL;
      JsonObject *parsed = job->kind == JOB_PAIRWISE
                           ? parse_pairwise_part (answer->content, &parse_error)
                           : tb_judge_parse_answer (self->usecase, answer->content,
                                                    &parse_error);

      if (parsed == NULL)
        {
          if (task->parse_retries == 0 && !g_cancellable_is_cancelled (self->cancellable))
            {
              /* One more try: judges sometimes wrap or truncate their JSON. The slot is
               * kept. */
              task->parse_retries++;
              tb_call_set_message (job->call, parse_error->message);
              tb_call_set_state (job->call, TB_CALL_RETRYING);
              start_task (task);
              return;
            }
          g_prefix_error (&parse_error, "judge error after %u attempts: ",
                          task->parse_retries + 1);
          if (job->error == NULL)
            job->error = g_steal_pointer (&parse_error);
          task_done (task);
          return;
        }
      g_ptr_array_index (job->parts, task->chunk) = parsed;
    }

  job->parts_done++;
  task_done (task);
}

static void
parts_free_strings (gpointer data)
{
  g_free (data);
}

static void
parts_free_objects (gpointer data)
{
  if (data != NULL)
    json_object_unref (data);
}

/* Queues a task per chunk; `urgent` ones (judges) go before waiting candidates. */
static void
queue_job_tasks (Job      *job,
                 gboolean  urgent)
{
  TbRunner *self = job->runner;

  g_assert (job->chunks != NULL && job->chunks->len > 0);

  job->parts = g_ptr_array_new_full (job->chunks->len,
                                     job->kind == JOB_CANDIDATE ? parts_free_strings
                                                                : parts_free_objects);
  g_ptr_array_set_size (job->parts, job->chunks->len);
  for (guint i = 0; i < job->chunks->len; i++)
    {
      Task *task = g_new0 (Task, 1);
      guint at = job->chunks->len - 1 - i;

      task->job = job;
      job->tasks_queued++;
      if (urgent)
        {
          /* Pushed in reverse, so the chunks stay in order at the head. */
          task->chunk = at;
          g_queue_push_head (&self->queue, task);
        }
      else
        {
          task->chunk = i;
          g_queue_push_tail (&self->queue, task);
        }
    }
  if (job_is_chunked (job))
    tb_call_set_chunk (job->call, 0, job->chunks->len);
}

static void
start_next_tasks (TbRunner *self)
{
  /* A call skipped for the budget ends at once, and asks for the next from in here: the
   * loop below goes on with it instead. */
  if (self->starting)
    return;
  self->starting = TRUE;
  while (self->active < self->concurrency)
    {
      Task *task;
      Job *job;

      if (g_queue_is_empty (&self->queue))
        {
          if (!make_next_cell_job (self))
            break;
          continue;
        }
      task = g_queue_pop_head (&self->queue);
      job = task->job;

      job->tasks_queued--;
      /* A job whose chunk failed, or a cancelled run, starts nothing more. */
      if (job->error != NULL || g_cancellable_is_cancelled (self->cancellable))
        {
          if (job->error == NULL)
            job->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
          g_free (task);
          job_maybe_finish (job);
          continue;
        }
      job->tasks_active++;
      self->active++;
      start_task (task);
    }
  self->starting = FALSE;
}

/* ---------------------------------------------------------------------------------------- */
/* The object                                                                                */

static void
reset_job_state (TbRunner *self)
{
  Task *task;

  while ((task = g_queue_pop_head (&self->queue)) != NULL)
    g_free (task);
  g_ptr_array_set_size (self->jobs, 0);
  g_array_set_size (self->cells, 0);
  self->cells_next = 0;
  /* A view may still hold a row: it must not reach a runner that forgot it. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->calls)); i++)
    {
      g_autoptr(TbCall) call = g_list_model_get_item (G_LIST_MODEL (self->calls), i);

      tb_call_set_observer (call, NULL, NULL);
    }
  g_list_store_remove_all (self->calls);
  self->calls_settled_away = 0;
  if (self->landed != NULL)
    g_hash_table_remove_all (self->landed);
  self->active = 0;
  self->lookups = 0;
  self->finished = 0;
  self->cancelled = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FINISHED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
}

static void
tb_runner_dispose (GObject *object)
{
  TbRunner *self = TB_RUNNER (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->judgment_write_timer, g_source_remove);
  if (self->jobs != NULL)
    reset_job_state (self);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->store);
  g_clear_object (&self->calls);
  g_clear_pointer (&self->catalog, tb_catalog_unref);

  G_OBJECT_CLASS (tb_runner_parent_class)->dispose (object);
}

static void
tb_runner_finalize (GObject *object)
{
  TbRunner *self = TB_RUNNER (object);

  g_strfreev (self->judges);
  g_strfreev (self->pass_judges);
  g_free (self->reference_override);
  g_clear_pointer (&self->run, tb_run_free);
  g_clear_pointer (&self->usecase, tb_usecase_unref);
  g_clear_pointer (&self->inputs, g_ptr_array_unref);
  g_clear_pointer (&self->prompts, g_ptr_array_unref);
  g_clear_pointer (&self->outputs, g_ptr_array_unref);
  g_free (self->judge_system);
  g_clear_pointer (&self->judgment, tb_judgment_free);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  g_clear_pointer (&self->cells, g_array_unref);
  g_clear_pointer (&self->warnings, g_ptr_array_unref);
  g_clear_pointer (&self->landed, g_hash_table_unref);
  g_free (self->judge_mode);
  g_strfreev (self->pair_models);
  g_clear_pointer (&self->forecast, tb_forecast_free);
  g_clear_pointer (&self->pass_forecast, tb_forecast_free);
  g_clear_pointer (&self->history, g_hash_table_unref);
  g_strfreev (self->pass_pair_models);

  G_OBJECT_CLASS (tb_runner_parent_class)->finalize (object);
}

static void
tb_runner_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  TbRunner *self = TB_RUNNER (object);

  switch (prop_id)
    {
    case PROP_FINISHED:
      g_value_set_uint (value, self->finished);
      break;
    case PROP_TOTAL:
      g_value_set_uint (value, tb_runner_get_total (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_runner_class_init (TbRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tb_runner_dispose;
  object_class->finalize = tb_runner_finalize;
  object_class->get_property = tb_runner_get_property;

  properties[PROP_FINISHED] =
    g_param_spec_uint ("finished", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOTAL] =
    g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The run's folder exists (its id is known). */
  signals[SIGNAL_RUN_CREATED] =
    g_signal_new ("run-created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A new warning, also in tb_runner_get_warnings. */
  signals[SIGNAL_WARNING] =
    g_signal_new ("warning", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A property of one of the calls changed: one handler follows a whole run. */
  signals[SIGNAL_CALL_CHANGED] =
    g_signal_new ("call-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, TB_TYPE_CALL, G_TYPE_PARAM);
  /* A settled call leaves the calls list (tb_runner_set_rows_kept): its last state. */
  signals[SIGNAL_CALL_SETTLED] =
    g_signal_new ("call-settled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, TB_TYPE_CALL);
}

static void
tb_runner_init (TbRunner *self)
{
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  self->calls = g_list_store_new (TB_TYPE_CALL);
  self->rows_kept = G_MAXUINT;
  self->jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  self->cells = g_array_new (FALSE, FALSE, sizeof (Cell));
  g_array_set_clear_func (self->cells, cell_clear);
  g_queue_init (&self->queue);
  self->landed = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->judgment_interval_ms = JUDGMENT_WRITE_INTERVAL_MS;
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

static GStrv
unique_ids (const char * const *ids)
{
  g_autoptr(GPtrArray) unique = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    {
      g_autofree char *id = g_strstrip (g_strdup (ids[i]));

      if (*id != '\0' && !g_ptr_array_find_with_equal_func (unique, id, g_str_equal, NULL))
        g_ptr_array_add (unique, g_steal_pointer (&id));
    }
  g_ptr_array_add (unique, NULL);
  return (GStrv) g_ptr_array_steal (unique, NULL);
}

void
tb_runner_set_judges (TbRunner           *self,
                      const char * const *judges)
{
  g_return_if_fail (TB_IS_RUNNER (self));

  g_strfreev (self->judges);
  self->judges = unique_ids (judges);
  if (self->judges[0] == NULL)
    g_clear_pointer (&self->judges, g_strfreev);
}

const char * const *
tb_runner_get_judges (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), NULL);
  return (const char * const *) self->judges;
}

void
tb_runner_set_judge_mode (TbRunner   *self,
                          const char *mode)
{
  g_return_if_fail (TB_IS_RUNNER (self));
  g_return_if_fail (mode == NULL || g_str_equal (mode, "pointwise")
                    || g_str_equal (mode, "pairwise"));

  g_free (self->judge_mode);
  self->judge_mode = g_strdup (mode);
}

void
tb_runner_set_pair_models (TbRunner           *self,
                           const char * const *models)
{
  g_return_if_fail (TB_IS_RUNNER (self));

  g_strfreev (self->pair_models);
  self->pair_models = models != NULL ? unique_ids (models) : NULL;
}

void
tb_runner_set_forecast (TbRunner   *self,
                        TbForecast *forecast)
{
  g_return_if_fail (TB_IS_RUNNER (self));

  g_clear_pointer (&self->forecast, tb_forecast_free);
  self->forecast = forecast;
}

void
tb_runner_set_max_cost (TbRunner *self,
                        gboolean  has_max_cost,
                        double    usd)
{
  g_return_if_fail (TB_IS_RUNNER (self));
  g_return_if_fail (!has_max_cost || (isfinite (usd) && usd >= 0));

  self->has_max_cost = has_max_cost;
  self->max_cost_usd = has_max_cost ? usd : 0;
}

void
tb_runner_set_history (TbRunner   *self,
                       GHashTable *history)
{
  g_return_if_fail (TB_IS_RUNNER (self));

  g_clear_pointer (&self->history, g_hash_table_unref);
  self->history = history != NULL ? g_hash_table_ref (history) : NULL;
}

void
tb_runner_set_dry_run (TbRunner *self,
                       gboolean  dry_run)
{
  g_return_if_fail (TB_IS_RUNNER (self));
  self->dry_run = dry_run;
}

const TbForecast *
tb_runner_get_forecast (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), NULL);
  return self->pass_forecast;
}

gboolean
tb_runner_stopped_by_budget (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), FALSE);
  return self->over_budget;
}

/* The forecast of this job: the caller's (consumed), else made here without history. */
static void
settle_pass_forecast (TbRunner  *self,
                      gboolean   judge_only,
                      GPtrArray *done_outputs)
{
  TbForecastRequest request = { 0 };

  if (self->forecast != NULL)
    {
      self->pass_forecast = g_steal_pointer (&self->forecast);
      return;
    }
  request.usecase = self->usecase;
  request.inputs = self->inputs;
  request.models = (const char * const *) self->run->models;
  request.repeat = self->run->repeat;
  request.judges = (const char * const *) self->pass_judges;
  request.judge_mode = self->pass_mode;
  request.pair_models = (const char * const *) self->pass_pair_models;
  request.catalog = self->catalog;
  request.history = self->history;
  request.done_outputs = done_outputs;
  request.done_judgment = self->judgment;
  request.judge_only = judge_only;
  self->pass_forecast = tb_forecast_new (&request);
}

/* The cap of this job: asked for now (consumed), else `recorded` (the use case's for a new
 * run, the run's for a resume). */
static void
settle_pass_cap (TbRunner *self,
                 gboolean  has_recorded,
                 double    recorded)
{
  if (self->has_max_cost)
    {
      self->pass_has_cap = TRUE;
      self->pass_cap_usd = self->max_cost_usd;
    }
  else if (has_recorded)
    {
      self->pass_has_cap = TRUE;
      self->pass_cap_usd = recorded;
    }
  self->has_max_cost = FALSE;
  self->max_cost_usd = 0;
}

/* The mode of this job: asked for, else the use case's (a new run) or the run's. */
static void
settle_pass_mode (TbRunner   *self,
                  const char *recorded)
{
  const char *mode = self->judge_mode != NULL ? self->judge_mode : recorded;

  self->pass_mode = g_strcmp0 (mode, "pairwise") == 0 ? TB_JUDGE_PAIRWISE : TB_JUDGE_POINTWISE;
  g_clear_pointer (&self->pass_pair_models, g_strfreev);
  if (self->pair_models != NULL)
    self->pass_pair_models = g_strdupv (self->pair_models);
}

void
tb_runner_set_reference (TbRunner   *self,
                         const char *reference)
{
  g_return_if_fail (TB_IS_RUNNER (self));

  g_free (self->reference_override);
  self->reference_override = g_strdup (reference);
}

void
tb_runner_set_simulated (TbRunner *self,
                         gboolean  simulated)
{
  g_return_if_fail (TB_IS_RUNNER (self));
  self->simulated = simulated;
}

void
tb_runner_set_rows_kept (TbRunner *self,
                         guint     count)
{
  g_return_if_fail (TB_IS_RUNNER (self));
  self->rows_kept = count;
}

GListModel *
tb_runner_get_calls (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), NULL);
  return G_LIST_MODEL (self->calls);
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

GPtrArray *
tb_runner_get_warnings (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), NULL);
  return self->warnings;
}

gboolean
tb_runner_was_cancelled (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), FALSE);
  return self->cancelled;
}

guint
tb_runner_count_held_for_test (TbRunner *self,
                               guint    *jobs)
{
  guint texts = 0;

  g_return_val_if_fail (TB_IS_RUNNER (self), 0);

  for (guint i = 0; self->outputs != NULL && i < self->outputs->len; i++)
    texts += ((TbOutput *) g_ptr_array_index (self->outputs, i))->content != NULL;
  if (jobs != NULL)
    *jobs = self->jobs->len;
  return texts;
}

guint
tb_runner_get_finished (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), 0);
  return self->finished;
}

guint
tb_runner_get_total (TbRunner *self)
{
  g_return_val_if_fail (TB_IS_RUNNER (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->calls)) + self->calls_settled_away;
}

/* ---------------------------------------------------------------------------------------- */
/* Ending                                                                                    */

/* Nothing will touch the job again: its calls, billed-cost lookups and writes are over. */
static gboolean
job_is_settled (const Job *job)
{
  return job->finished && job->lookups == 0 && !job->write_in_flight && !job->write_pending;
}

/* Pairwise judging pairs an output with outputs of the same input and repeat still to
 * land. */
static char *
cell_key (const char *input,
          guint       repeat)
{
  return g_strdup_printf ("%u/%s", repeat, input);
}

/* The rows of `settled` leave the calls list in one change, each handed to `call-settled`
 * first, in the list's order. */
static void
let_go_of_rows (TbRunner   *self,
                GHashTable *settled)
{
  GListModel *calls = G_LIST_MODEL (self->calls);
  guint n = g_list_model_get_n_items (calls);
  g_autoptr(GPtrArray) kept = g_ptr_array_new_full (n, g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      TbCall *call = g_list_model_get_item (calls, i);

      if (g_hash_table_contains (settled, call))
        {
          g_signal_emit (self, signals[SIGNAL_CALL_SETTLED], 0, call);
          tb_call_set_observer (call, NULL, NULL);
          self->calls_settled_away++;
          g_object_unref (call);
        }
      else
        g_ptr_array_add (kept, call);
    }
  g_list_store_splice (self->calls, 0, n, kept->pdata, kept->len);
}

/* Lets go of what the rest of the run will not read, so that its memory grows as little
 * as can be with its calls: a settled job (its cost is in its output or score), its row
 * past the rows a view keeps (tb_runner_set_rows_kept), and an output's text and details
 * once it is on disk and no judge still to call, or to call again — nor a cell still
 * waiting for its job, in pairwise mode — will show it; the verdict reads the rest. Whoever
 * needs the text later reads it from its file. */
static void
let_go_of_settled_work (TbRunner *self)
{
  g_autoptr(GHashTable) shown = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) open_cells = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                            g_free, NULL);
  g_autoptr(GHashTable) settled_calls = NULL;
  gboolean pairwise = self->pass_mode == TB_JUDGE_PAIRWISE && judging (self);

  if (tb_runner_get_total (self) > self->rows_kept)
    settled_calls = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);

  for (guint i = 0; i < self->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (self->jobs, i);

      if (job_is_settled (job))
        {
          if (settled_calls != NULL)
            g_hash_table_add (settled_calls, g_object_ref (job->call));
          g_ptr_array_remove_index_fast (self->jobs, i--);
          continue;
        }
      if (job->output != NULL)
        g_hash_table_add (shown, job->output);
      if (job->output_b != NULL)
        g_hash_table_add (shown, job->output_b);
      if (pairwise && job->kind == JOB_CANDIDATE && !job->finished)
        g_hash_table_add (open_cells, cell_key (job_input (job)->key, job->repeat));
    }
  for (guint i = self->cells_next; pairwise && i < self->cells->len; i++)
    {
      const Cell *cell = &g_array_index (self->cells, Cell, i);
      const TbTestInput *input = g_ptr_array_index (self->inputs, cell->input);

      g_hash_table_add (open_cells, cell_key (input->key, cell->repeat));
    }

  for (guint i = 0; i < self->outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (self->outputs, i);
      g_autofree char *cell = NULL;

      if (g_hash_table_contains (shown, output))
        continue;
      if (pairwise && output->content != NULL && output->status == TB_OUTPUT_OK
          && output->input != NULL)
        {
          cell = cell_key (output->input, output->repeat);
          if (g_hash_table_contains (open_cells, cell))
            continue;
        }
      tb_output_let_go_of_details (output);
    }

  if (settled_calls != NULL && g_hash_table_size (settled_calls) > 0)
    let_go_of_rows (self, settled_calls);
}

/* One timer for the whole job: calls under way tick their elapsed time once a second, and
 * what is settled is let go. */
static gboolean
tick_cb (gpointer user_data)
{
  TbRunner *self = user_data;
  gint64 now = g_get_monotonic_time ();

  let_go_of_settled_work (self);
  for (guint i = 0; i < self->jobs->len; i++)
    {
      Job *job = g_ptr_array_index (self->jobs, i);

      if (job->started_us > 0 && !job->finished)
        tb_call_set_elapsed_ms (job->call, (now - job->started_us) / 1000);
    }
  return G_SOURCE_CONTINUE;
}

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

/* A dry run ends after its forecast: nothing called, nothing written, the lock of an
 * existing run given back; it returns the run as it would start (a copy). */
static void
complete_dry (TbRunner *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  TbRun *copy;

  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->run->dir != NULL)
    tb_store_unlock_run (self->store, self->run);
  g_clear_pointer (&self->run->forecast, json_node_unref);
  self->run->forecast = tb_forecast_to_json (self->pass_forecast);
  /* A new run gets its id when its folder is made, which a dry run never does. */
  if (self->run->id == NULL)
    self->run->id = g_strdup ("dry-run");
  node = tb_run_to_json (self->run);
  copy = tb_run_from_json (node, &error);
  if (copy == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, copy, (GDestroyNotify) tb_run_free);
}

/* The status of the run from its cells: done when every cell has an ok output. */
static void
settle_status (TbRunner *self)
{
  guint cells = g_strv_length (self->run->models) * self->inputs->len * self->run->repeat;
  guint ok = 0;

  for (guint i = 0; i < self->outputs->len; i++)
    if (((TbOutput *) g_ptr_array_index (self->outputs, i))->status == TB_OUTPUT_OK)
      ok++;

  g_clear_pointer (&self->run->stop_reason, g_free);
  if (self->over_budget && !self->cancelled)
    {
      self->run->status = TB_RUN_PARTIAL;
      self->run->stop_reason = g_strdup ("budget");
    }
  else if (self->cancelled && ok < cells)
    {
      self->run->status = TB_RUN_CANCELLED;
      self->run->stop_reason = g_strdup ("cancelled");
    }
  else if (self->cancelled)
    {
      /* Every answer is in but the judging was stopped. */
      self->run->status = TB_RUN_CANCELLED;
      self->run->stop_reason = g_strdup ("cancelled");
    }
  else if (ok == cells)
    self->run->status = TB_RUN_DONE;
  else if (ok == 0)
    self->run->status = TB_RUN_FAILED;
  else
    self->run->status = TB_RUN_PARTIAL;
}

static gboolean
job_is_judge_pass (TbRunner *self)
{
  return g_task_get_source_tag (self->task) == tb_runner_judge_async;
}

static void
maybe_finish (TbRunner *self)
{
  g_autoptr(GError) error = NULL;

  if (self->task == NULL || self->active > 0 || self->lookups > 0
      || self->writes_in_flight > 0 || !g_queue_is_empty (&self->queue)
      || cells_waiting (self))
    return;

  self->cancelled = g_cancellable_is_cancelled (self->cancellable);
  let_go_of_settled_work (self);
  if (self->judgment != NULL
      && (self->judgment->scores->len > 0 || self->judgment->comparisons->len > 0))
    {
      tb_verdict_record_picks (self->judgment, self->run, self->outputs);
      write_judgment_now (self);
    }

  /* A judging pass of a finished run leaves its status as it was. */
  if (!job_is_judge_pass (self))
    {
      settle_status (self);
      if (!tb_store_save_run (self->store, self->run, &error))
        {
          complete (self, g_steal_pointer (&error));
          return;
        }
    }
  complete (self, NULL);
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
  g_clear_pointer (&self->inputs, g_ptr_array_unref);
  g_clear_pointer (&self->prompts, g_ptr_array_unref);
  g_clear_pointer (&self->outputs, g_ptr_array_unref);
  g_clear_pointer (&self->pass_judges, g_strfreev);
  g_clear_pointer (&self->pass_pair_models, g_strfreev);
  self->pass_mode = TB_JUDGE_POINTWISE;
  g_clear_pointer (&self->pass_forecast, tb_forecast_free);
  self->pass_has_cap = FALSE;
  self->pass_cap_usd = 0;
  self->spent_usd = 0;
  self->in_flight_usd = 0;
  self->over_budget = FALSE;
  g_clear_pointer (&self->judge_system, g_free);
  reset_job_state (self);
  self->outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);
  self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  return TRUE;
}

static void
fail_early (TbRunner *self,
            GError   *error)
{
  if (self->run != NULL && self->run->dir != NULL)
    tb_store_unlock_run (self->store, self->run);
  g_clear_pointer (&self->run, tb_run_free);
  complete (self, error);
}

static gboolean
vendor_shared (const char *a,
               const char *b)
{
  const char *slash_a = strchr (a, '/');
  const char *slash_b = strchr (b, '/');

  return slash_a != NULL && slash_b != NULL && slash_a - a == slash_b - b
         && strncmp (a, b, slash_a - a) == 0;
}

/* Sets up the judgment of this job; `previous` (nullable) is continued instead. */
static void
start_judgment (TbRunner   *self,
                TbJudgment *previous)
{
  g_autofree char *sha = NULL;

  self->judge_system = self->pass_mode == TB_JUDGE_PAIRWISE
                      ? tb_prompt_judge_pairwise_system (self->usecase)
                      : tb_prompt_judge_system (self->usecase);
  sha = tb_sha256_hex (self->judge_system, strlen (self->judge_system));
  if (previous != NULL)
    {
      self->judgment = previous;
      return;
    }

  self->judgment = tb_judgment_new ();
  self->judgment_written_at = 0;
  self->judgment_interval_ms = JUDGMENT_WRITE_INTERVAL_MS;
  self->judgment->judge_model = g_strdup (self->pass_judges[0]);
  g_strfreev (self->judgment->judges);
  self->judgment->judges = g_strdupv (self->pass_judges);
  self->judgment->mode = g_strdup (tb_judge_mode_to_string (self->pass_mode));
  self->judgment->temperature = TB_JUDGE_TEMPERATURE;
  self->judgment->has_seed = TRUE;
  self->judgment->seed = TB_JUDGE_SEED;
  self->judgment->created_at = tb_utc_now_iso8601 ();
  self->judgment->prompt_sha256 = g_steal_pointer (&sha);

  for (guint j = 0; self->pass_judges[j] != NULL; j++)
    {
      const char *judge = self->pass_judges[j];

      for (guint i = 0; self->run->models[i] != NULL; i++)
        {
          if (g_str_equal (self->run->models[i], judge))
            add_warning (self, _("The judge %s is also a candidate: it may favour its own "
                                 "output"), judge);
          else if (vendor_shared (self->run->models[i], judge))
            add_warning (self, _("The judge %s shares a vendor with the candidate %s: it may "
                                 "favour its own family"), judge, self->run->models[i]);
        }
      if (self->catalog != NULL && lookup_model (self, judge) == NULL)
        add_warning (self, _("The judge %s is not in the model catalog; judging with it "
                             "anyway"), judge);
    }
}

/* Adds a candidate cell: its row now, its job when it is next (make_next_cell_job).
 * `previous` (nullable) is the cell's earlier output, whose attempts carry on. */
static void
add_cell (TbRunner *self,
          guint     model,
          guint     input,
          guint     repeat,
          TbOutput *previous)
{
  Cell cell = { NULL, model, input, repeat, previous };

  cell.call = g_object_ref (add_row (self, JOB_CANDIDATE, self->run->models[model], input,
                                     repeat, NULL));
  g_array_append_val (self->cells, cell);
}

static gboolean
cells_waiting (TbRunner *self)
{
  return self->cells != NULL && self->cells_next < self->cells->len;
}

/* Makes the next cell's job and queues its tasks; a model whose context cannot take the
 * input fails at once. FALSE when no cell waits. */
static gboolean
make_next_cell_job (TbRunner *self)
{
  Cell *cell;
  const char *model_id;
  TbTestInput *test_input;
  TbOutput *previous;
  const char *prompt;
  Job *job;
  g_autoptr(GError) error = NULL;

  if (!cells_waiting (self))
    return FALSE;
  cell = &g_array_index (self->cells, Cell, self->cells_next++);
  model_id = self->run->models[cell->model];
  test_input = g_ptr_array_index (self->inputs, cell->input);
  previous = cell->previous;
  prompt = g_ptr_array_index (self->prompts, cell->input);
  job = job_new_for_row (self, JOB_CANDIDATE, model_id, cell->input, cell->repeat, NULL,
                         cell->call);
  g_clear_object (&cell->call);
  cell->previous = NULL;

  job->output = tb_output_new (model_id);
  job->output->input = g_strdup (test_input->key);
  job->output->repeat = job->repeat;
  if (previous != NULL)
    {
      g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();

      job->output->attempts = previous->attempts;
      /* The cell's record is written anew: what its earlier calls were billed stays in it,
       * as one paid call already settled (nothing to look up, and already counted in what
       * the run spent), with their tokens and generation ids. */
      if (previous->cost.source != TB_COST_NONE)
        {
          g_array_append_val (job->costs, previous->cost);
          g_ptr_array_add (job->generation_ids, NULL);
          job->output->cost = previous->cost;
        }
      tb_usage_add (&job->output->usage, &previous->usage);
      if (previous->generation_ids != NULL)
        g_strv_builder_addv (ids, (const char **) previous->generation_ids);
      else if (previous->generation_id != NULL)
        g_strv_builder_add (ids, previous->generation_id);
      job->carried_ids = g_strv_builder_end (ids);
      g_ptr_array_remove (self->outputs, previous);
    }
  g_ptr_array_add (self->outputs, job->output);

  job->chunks = plan_chunks (test_input, lookup_model (self, model_id),
                             tb_estimate_tokens (prompt, -1), 0, &error);
  if (job->chunks == NULL)
    {
      job->chunks = g_ptr_array_new ();
      job_fail_now (job, g_steal_pointer (&error));
      return TRUE;
    }
  queue_job_tasks (job, FALSE);
  return TRUE;
}

static gboolean
check_inputs (GPtrArray  *inputs,
              GError    **error)
{
  if (inputs == NULL || inputs->len == 0)
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID, _("No input to run on"));
      return FALSE;
    }
  for (guint i = 0; i < inputs->len; i++)
    {
      TbTestInput *input = g_ptr_array_index (inputs, i);
      g_autofree char *problem = tb_check_text_input (input->text, input->length);

      if (problem != NULL)
        {
          g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Input %s %s"), input->name, problem);
          return FALSE;
        }
    }
  return TRUE;
}

static void
make_prompts (TbRunner *self)
{
  self->prompts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < self->inputs->len; i++)
    {
      TbTestInput *input = g_ptr_array_index (self->inputs, i);

      g_ptr_array_add (self->prompts, tb_prompt_executor (self->usecase, input->text, NULL));
    }
}

static GPtrArray *
copy_inputs (GPtrArray *inputs)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_test_input_free);

  for (guint i = 0; i < inputs->len; i++)
    {
      TbTestInput *input = g_ptr_array_index (inputs, i);
      TbTestInput *twin = tb_test_input_new (input->key, input->name, input->text,
                                             input->length);

      twin->path = g_strdup (input->path);
      if (input->reference != NULL)
        tb_test_input_set_reference (twin, input->reference_name, input->reference,
                                     input->reference_length);
      g_ptr_array_add (copy, twin);
    }
  tb_test_inputs_make_keys_unique (copy);
  return copy;
}

void
tb_runner_run_async (TbRunner            *self,
                     TbUsecase           *usecase,
                     GPtrArray           *inputs,
                     const char * const  *models,
                     guint                repeat,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) unique = NULL;

  g_return_if_fail (TB_IS_RUNNER (self));
  g_return_if_fail (usecase != NULL);

  if (!begin (self, cancellable, callback, user_data, tb_runner_run_async))
    return;

  if (!check_inputs (inputs, &error))
    {
      fail_early (self, g_steal_pointer (&error));
      return;
    }
  unique = unique_ids (models);
  if (unique[0] == NULL)
    {
      fail_early (self, g_error_new_literal (TB_ERROR, TB_ERROR_INVALID,
                                             _("No models to run: name at least one")));
      return;
    }

  self->usecase = tb_usecase_ref (usecase);
  self->inputs = copy_inputs (inputs);
  make_prompts (self);
  self->pass_judges = self->judges != NULL ? g_strdupv (self->judges) : NULL;
  settle_pass_mode (self, tb_judge_mode_to_string (usecase->judge_mode));

  self->run = tb_run_new ();
  self->run->usecase = g_strdup (usecase->id);
  self->run->usecase_snapshot = g_strdup (usecase->yaml != NULL ? usecase->yaml : "");
  g_strfreev (self->run->models);
  self->run->models = g_steal_pointer (&unique);
  self->run->repeat = MAX (repeat, 1);
  if (self->pass_judges != NULL)
    {
      g_strfreev (self->run->judges);
      self->run->judges = g_strdupv (self->pass_judges);
      self->run->judge_mode = g_strdup (tb_judge_mode_to_string (self->pass_mode));
    }
  self->run->simulated = self->simulated;

  for (guint i = 0; self->run->models[i] != NULL; i++)
    if (self->catalog != NULL && lookup_model (self, self->run->models[i]) == NULL)
      add_warning (self, _("%s is not in the model catalog; running it anyway (no price "
                           "known)"), self->run->models[i]);

  settle_pass_forecast (self, FALSE, NULL);
  self->run->forecast = tb_forecast_to_json (self->pass_forecast);
  settle_pass_cap (self, usecase->has_max_usd, usecase->max_usd);
  self->run->has_max_cost = self->pass_has_cap;
  self->run->max_cost_usd = self->pass_cap_usd;
  if (self->dry_run)
    {
      complete_dry (self);
      return;
    }

  if (!tb_store_create_run (self->store, self->run, self->inputs, self->prompts, &error))
    {
      fail_early (self, g_steal_pointer (&error));
      return;
    }
  if (self->pass_judges != NULL)
    start_judgment (self, NULL);
  g_signal_emit (self, signals[SIGNAL_RUN_CREATED], 0);

  for (guint m = 0; self->run->models[m] != NULL; m++)
    for (guint i = 0; i < self->inputs->len; i++)
      for (guint r = 1; r <= self->run->repeat; r++)
        add_cell (self, m, i, r, NULL);

  start_next_tasks (self);
  maybe_finish (self);
}

/* Loads a run with its use case (from the snapshot), inputs, prompts and outputs, and
 * takes its lock (the last step: on any failure this process holds no lock). */
static gboolean
load_existing_run (TbRunner    *self,
                   const char  *run_id,
                   GError     **error)
{
  g_autofree char *label = NULL;
  g_autoptr(GPtrArray) outputs = NULL;

  self->run = tb_store_load_run (self->store, run_id, error);
  if (self->run == NULL)
    return FALSE;

  /* Simulated calls never go into a real run, nor real ones into a simulated run: each
   * run's costs stay wholly real or wholly simulated, in its files and in every rollup. */
  if (!self->run->simulated != !self->simulated)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   self->run->simulated
                   ? _("Run %s was made with the simulated models: only the simulated "
                       "provider can resume or judge it")
                   : _("Run %s was made against a real server: the simulated provider cannot "
                       "resume or judge it"), self->run->id);
      return FALSE;
    }

  if (!tb_run_check_snapshot (self->run, error))
    return FALSE;
  label = g_strdup_printf (_("%s (the copy in run %s)"), self->run->usecase, self->run->id);
  self->usecase = tb_usecase_parse (self->run->usecase, self->run->usecase_snapshot, -1,
                                    label, error);
  if (self->usecase == NULL)
    return FALSE;

  self->inputs = tb_store_read_test_set (self->store, self->run, error);
  if (self->inputs == NULL)
    return FALSE;
  self->prompts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < self->run->inputs->len; i++)
    {
      char *prompt = tb_store_read_prompt (self->store, self->run,
                                           g_ptr_array_index (self->run->inputs, i), error);

      if (prompt == NULL)
        return FALSE;
      g_ptr_array_add (self->prompts, prompt);
    }

  outputs = tb_store_load_outputs (self->store, self->run);
  for (guint i = 0; i < outputs->len; i++)
    g_ptr_array_add (self->outputs, g_ptr_array_steal_index (outputs, i--));

  return tb_store_lock_run (self->store, self->run, error);
}

static guint
input_index (TbRunner   *self,
             const char *key)
{
  for (guint i = 0; i < self->inputs->len; i++)
    if (g_strcmp0 (((TbTestInput *) g_ptr_array_index (self->inputs, i))->key, key) == 0)
      return i;
  return G_MAXUINT;
}

static TbOutput *
find_output (TbRunner   *self,
             const char *model,
             const char *input,
             guint       repeat)
{
  for (guint i = 0; i < self->outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (self->outputs, i);

      if (g_strcmp0 (output->model, model) == 0 && g_strcmp0 (output->input, input) == 0
          && output->repeat == repeat)
        return output;
    }
  return NULL;
}

/* Shows a cell that has its answer already as a finished call. */
static void
show_previous_output (TbRunner *self,
                      TbOutput *output,
                      guint     input)
{
  Job *job = job_new (self, JOB_CANDIDATE, output->model, input, output->repeat, NULL);

  job->output = output;
  job->finished = TRUE;
  /* Nothing happens to it in this session: its row starts done, unannounced (a CLI prints
   * a line for each call that ends, and it would read as called again). */
  tb_call_set_observer (job->call, NULL, NULL);
  tb_call_set_tokens (job->call, output->usage.completion_tokens);
  tb_call_set_elapsed_ms (job->call, output->latency_ms);
  tb_call_set_cost (job->call, tb_cost_is_known (&output->cost) ? output->cost.usd : -1,
                    tb_cost_source_to_string (output->cost.source));
  call_finished (self, job->call, TB_CALL_DONE);
  tb_call_set_observer (job->call, call_changed_cb, self);
}

/* The judgment a resume continues: the newest, when it was made by the same judges. */
static TbJudgment *
take_judgment_to_continue (TbRunner *self)
{
  g_autoptr(GPtrArray) judgments = tb_store_load_judgments (self->store, self->run);
  TbJudgment *latest;

  if (judgments->len == 0)
    return NULL;
  latest = g_ptr_array_index (judgments, 0);
  if (g_strv_equal ((const char * const *) latest->judges,
                    (const char * const *) self->pass_judges)
      && g_strcmp0 (latest->mode != NULL ? latest->mode : "pointwise",
                    tb_judge_mode_to_string (self->pass_mode)) == 0)
    return g_ptr_array_steal_index (judgments, 0);
  return NULL;
}

/* What the run has cost so far: its outputs (failed ones' paid attempts too) and every
 * judgment on disk. */
static double
run_spent (TbRunner *self)
{
  g_autoptr(GPtrArray) judgments = tb_store_load_judgments (self->store, self->run);
  double spent = 0;

  for (guint i = 0; i < self->outputs->len; i++)
    {
      const TbOutput *output = g_ptr_array_index (self->outputs, i);

      if (tb_cost_is_known (&output->cost))
        spent += output->cost.usd;
    }
  for (guint i = 0; i < judgments->len; i++)
    {
      TbJudgment *judgment = g_ptr_array_index (judgments, i);

      /* The judgment being continued is in memory, with the same costs. */
      if (self->judgment != NULL && g_strcmp0 (judgment->file, self->judgment->file) == 0)
        continue;
      tb_judgment_settle_cost (judgment);
      if (tb_cost_is_known (&judgment->cost))
        spent += judgment->cost.usd;
    }
  if (self->judgment != NULL)
    {
      tb_judgment_settle_cost (self->judgment);
      if (tb_cost_is_known (&self->judgment->cost))
        spent += self->judgment->cost.usd;
    }
  return spent;
}

void
tb_runner_resume_async (TbRunner            *self,
                        const char          *run_id,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (TB_IS_RUNNER (self));

  if (!begin (self, cancellable, callback, user_data, tb_runner_resume_async))
    return;

  if (!load_existing_run (self, run_id, &error))
    {
      fail_early (self, g_steal_pointer (&error));
      return;
    }

  /* The judges asked for now, else those the run was made with. */
  settle_pass_mode (self, self->run->judge_mode);
  if (self->judges != NULL)
    self->pass_judges = g_strdupv (self->judges);
  else if (self->run->judges[0] != NULL)
    self->pass_judges = g_strdupv (self->run->judges);
  if (self->pass_judges != NULL)
    {
      g_strfreev (self->run->judges);
      self->run->judges = g_strdupv (self->pass_judges);
      start_judgment (self, take_judgment_to_continue (self));
    }

  settle_pass_forecast (self, FALSE, self->outputs);
  settle_pass_cap (self, self->run->has_max_cost, self->run->max_cost_usd);
  self->run->has_max_cost = self->pass_has_cap;
  self->run->max_cost_usd = self->pass_cap_usd;
  /* The cap is the run's: what its earlier sessions spent counts. */
  self->spent_usd = run_spent (self);
  if (self->dry_run)
    {
      complete_dry (self);
      return;
    }

  self->run->status = TB_RUN_RUNNING;
  if (!tb_store_save_run (self->store, self->run, &error))
    {
      fail_early (self, g_steal_pointer (&error));
      return;
    }
  g_signal_emit (self, signals[SIGNAL_RUN_CREATED], 0);

  for (guint m = 0; self->run->models[m] != NULL; m++)
    for (guint i = 0; i < self->inputs->len; i++)
      for (guint r = 1; r <= self->run->repeat; r++)
        {
          const char *key = ((TbTestInput *) g_ptr_array_index (self->inputs, i))->key;
          TbOutput *previous = find_output (self, self->run->models[m], key, r);

          if (previous != NULL && previous->status == TB_OUTPUT_OK)
            {
              show_previous_output (self, previous, i);
              announce_output (self, previous, i);
              continue;
            }
          add_cell (self, m, i, r, previous);
        }

  start_next_tasks (self);
  maybe_finish (self);
}

void
tb_runner_judge_async (TbRunner            *self,
                       const char          *run_id,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  guint queued = 0;

  g_return_if_fail (TB_IS_RUNNER (self));

  if (!begin (self, cancellable, callback, user_data, tb_runner_judge_async))
    return;

  if (self->judges == NULL)
    {
      fail_early (self, g_error_new_literal (TB_ERROR, TB_ERROR_INVALID,
                                             _("No judge model is set")));
      return;
    }
  if (!load_existing_run (self, run_id, &error))
    {
      fail_early (self, g_steal_pointer (&error));
      return;
    }

  self->pass_judges = g_strdupv (self->judges);
  settle_pass_mode (self, self->run->judge_mode);
  start_judgment (self, NULL);
  /* A judging pass is a purchase of its own: its cap counts only its calls. */
  settle_pass_forecast (self, TRUE, self->outputs);
  settle_pass_cap (self, FALSE, 0);
  if (self->dry_run)
    {
      complete_dry (self);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_RUN_CREATED], 0);

  for (guint i = 0; i < self->outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (self->outputs, i);
      guint input = input_index (self, output->input);

      if (output->status != TB_OUTPUT_OK || input == G_MAXUINT)
        continue;
      announce_output (self, output, input);
      queued++;
    }
  if (queued == 0 || self->jobs->len == 0)
    {
      fail_early (self, g_error_new (TB_ERROR, TB_ERROR_INVALID,
                                     queued == 0
                                     ? _("Run %s has no successful output to judge")
                                     : _("Run %s has no two models with outputs of the same "
                                         "input to compare"), run_id));
      return;
    }

  start_next_tasks (self);
  maybe_finish (self);
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
