/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-forecast-task"

#include "config.h"

#include <glib/gi18n.h>

#include "tb-client.h"
#include "tb-defaults.h"
#include "tb-forecast-task.h"
#include "tb-runner.h"
#include "tb-store.h"

/* How many earlier runs tell the completion lengths, as for the CLI. */
#define HISTORY_RUNS 20

typedef enum {
  KIND_RUN,
  KIND_JUDGING,
} Kind;

typedef struct {
  Kind        kind;
  char       *home;
  TbCatalog  *catalog;
  /* a run */
  TbUsecase  *usecase;
  GPtrArray  *inputs;
  GStrv       models;
  guint       repeat;
  GStrv       judges;
  /* judging passes */
  GStrv       run_ids;
  char       *explicit_judges;
  /* results */
  TbForecast        *forecast;
  GHashTable        *history;
  TbJudgingForecast *judging;
} Job;

static void
job_free (Job *job)
{
  g_free (job->home);
  g_clear_pointer (&job->catalog, tb_catalog_unref);
  g_clear_pointer (&job->usecase, tb_usecase_unref);
  g_clear_pointer (&job->inputs, g_ptr_array_unref);
  g_strfreev (job->models);
  g_strfreev (job->judges);
  g_strfreev (job->run_ids);
  g_free (job->explicit_judges);
  g_clear_pointer (&job->forecast, tb_forecast_free);
  g_clear_pointer (&job->history, g_hash_table_unref);
  g_clear_pointer (&job->judging, tb_judging_forecast_free);
  g_free (job);
}

void
tb_judging_forecast_free (TbJudgingForecast *forecast)
{
  if (forecast == NULL)
    return;
  g_strfreev (forecast->runs);
  g_strfreev (forecast->judges);
  g_strfreev (forecast->unknown);
  g_free (forecast->skipped);
  g_free (forecast);
}

/* One dry job on this thread's own main context ------------------------------------------ */

typedef struct {
  gboolean  done;
  TbRun    *run;
  GError   *error;
} DryWait;

static void
dry_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  DryWait *wait = user_data;

  wait->run = tb_runner_finish (TB_RUNNER (source), result, &wait->error);
  wait->done = TRUE;
}

/* The forecast of a dry job of `runner` (a new run when `run_id` is NULL, else a judging
 * pass of that run), as a copy that outlives the runner. */
static TbForecast *
dry_forecast (TbRunner      *runner,
              Job           *job,
              const char    *run_id,
              GCancellable  *cancellable,
              GError       **error)
{
  DryWait wait = { 0 };
  g_autoptr(JsonNode) node = NULL;
  GMainContext *context = g_main_context_get_thread_default ();

  /* Not the caller's cancellable: a runner cancels its own when it goes, and a dry job is
   * over in a moment anyway; the caller's is checked between jobs. */
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (run_id == NULL)
    tb_runner_run_async (runner, job->usecase, job->inputs, (const char * const *) job->models,
                         job->repeat, NULL, dry_done_cb, &wait);
  else
    tb_runner_judge_async (runner, run_id, NULL, dry_done_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (context, TRUE);
  g_clear_pointer (&wait.run, tb_run_free);
  if (wait.error != NULL)
    {
      g_propagate_error (error, wait.error);
      return NULL;
    }
  /* The runner keeps its forecast; a copy through its JSON form is the caller's. */
  node = tb_forecast_to_json (tb_runner_get_forecast (runner));
  return tb_forecast_from_json (node);
}

static void
add_unique (GPtrArray  *list,
            const char *item)
{
  if (item != NULL && !g_ptr_array_find_with_equal_func (list, item, g_str_equal, NULL))
    g_ptr_array_add (list, g_strdup (item));
}

static GStrv
to_strv (GPtrArray *list)
{
  g_ptr_array_add (list, NULL);
  return (GStrv) g_ptr_array_free (g_ptr_array_ref (list), FALSE);
}

static void
forecast_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Job *job = task_data;
  GMainContext *context = g_main_context_new ();
  g_autoptr(TbStore) store = NULL;
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(GError) error = NULL;

  /* Everything the runner makes — its sources, the client's session — belongs to this
   * thread's context and goes with it. */
  g_main_context_push_thread_default (context);
  store = tb_store_new (job->home);
  client = tb_client_new (TB_DEFAULT_BASE_URL, NULL, 0);

  if (job->kind == KIND_RUN)
    {
      job->history = tb_forecast_history_load (store, job->usecase->id, HISTORY_RUNS);
      runner = tb_runner_new (client, store, job->catalog, 1);
      tb_runner_set_dry_run (runner, TRUE);
      tb_runner_set_history (runner, job->history);
      tb_runner_set_judges (runner, (const char * const *) job->judges);
      job->forecast = dry_forecast (runner, job, NULL, cancellable, &error);
    }
  else
    {
      g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) judges = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) unknown = g_ptr_array_new_with_free_func (g_free);

      job->judging = g_new0 (TbJudgingForecast, 1);
      for (guint i = 0; job->run_ids[i] != NULL && error == NULL; i++)
        {
          g_autoptr(GError) run_error = NULL;
          g_autoptr(TbRun) run = tb_store_load_run (store, job->run_ids[i], &run_error);
          g_auto(GStrv) run_judges = NULL;
          g_autoptr(TbForecast) forecast = NULL;

          if (g_cancellable_set_error_if_cancelled (cancellable, &error))
            break;
          /* The judges of the use case as the run was made, as `judge` takes them. */
          if (run != NULL)
            run_judges = tb_rejudge_judges_for (job->explicit_judges, run, run->simulated,
                                                NULL);
          if (run != NULL && run_judges == NULL)
            g_set_error_literal (&run_error, G_IO_ERROR, G_IO_ERROR_FAILED,
                                 _("No judge model set: choose one in the use case or in "
                                   "Preferences"));
          if (run_error == NULL)
            {
              g_clear_object (&runner);
              runner = tb_runner_new (client, store, job->catalog, 1);
              tb_runner_set_dry_run (runner, TRUE);
              tb_runner_set_judges (runner, (const char * const *) run_judges);
              forecast = dry_forecast (runner, job, job->run_ids[i], cancellable, &run_error);
            }
          if (forecast == NULL)
            {
              if (g_error_matches (run_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                {
                  g_propagate_error (&error, g_steal_pointer (&run_error));
                  break;
                }
              if (job->judging->skipped == NULL)
                job->judging->skipped = g_strdup (run_error->message);
              continue;
            }
          g_ptr_array_add (runs, g_strdup (job->run_ids[i]));
          job->judging->calls += forecast->calls;
          job->judging->total_usd += forecast->total_usd;
          for (guint j = 0; run_judges[j] != NULL; j++)
            add_unique (judges, run_judges[j]);
          for (guint j = 0; forecast->unknown != NULL && forecast->unknown[j] != NULL; j++)
            add_unique (unknown, forecast->unknown[j]);
        }
      job->judging->runs = to_strv (runs);
      job->judging->judges = to_strv (judges);
      job->judging->unknown = to_strv (unknown);
    }

  g_clear_object (&runner);
  g_clear_object (&client);
  g_clear_object (&store);
  /* what the runner queued on this context, once it is gone */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (job->kind == KIND_RUN && job->forecast == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, _("No forecast"));
  else
    g_task_return_boolean (task, TRUE);
}

static void
start (Job                 *job,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data,
       gpointer             source_tag)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  /* A forecast nobody waits for any more is not worth returning. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, forecast_thread);
}

static GPtrArray *
copy_inputs (GPtrArray *inputs)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_test_input_free);

  for (guint i = 0; inputs != NULL && i < inputs->len; i++)
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
  return copy;
}

void
tb_forecast_run_async (const char          *home,
                       TbUsecase           *usecase,
                       GPtrArray           *inputs,
                       const char * const  *models,
                       guint                repeat,
                       const char * const  *judges,
                       TbCatalog           *catalog,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  Job *job;

  g_return_if_fail (home != NULL && usecase != NULL && inputs != NULL && models != NULL);

  job = g_new0 (Job, 1);
  job->kind = KIND_RUN;
  job->home = g_strdup (home);
  job->catalog = catalog != NULL ? tb_catalog_ref (catalog) : NULL;
  job->usecase = tb_usecase_ref (usecase);
  job->inputs = copy_inputs (inputs);
  job->models = g_strdupv ((char **) models);
  job->repeat = MAX (repeat, 1);
  job->judges = judges != NULL && judges[0] != NULL ? g_strdupv ((char **) judges) : NULL;
  start (job, cancellable, callback, user_data, tb_forecast_run_async);
}

TbForecast *
tb_forecast_run_finish (GAsyncResult  *result,
                        GHashTable   **history,
                        GError       **error)
{
  Job *job;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  job = g_task_get_task_data (G_TASK (result));
  if (history != NULL)
    *history = job->history != NULL ? g_hash_table_ref (job->history) : NULL;
  return g_steal_pointer (&job->forecast);
}

void
tb_forecast_judging_async (const char          *home,
                           const char * const  *run_ids,
                           const char          *explicit_judges,
                           TbCatalog           *catalog,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  Job *job;

  g_return_if_fail (home != NULL && run_ids != NULL);

  job = g_new0 (Job, 1);
  job->kind = KIND_JUDGING;
  job->home = g_strdup (home);
  job->catalog = catalog != NULL ? tb_catalog_ref (catalog) : NULL;
  job->run_ids = g_strdupv ((char **) run_ids);
  job->explicit_judges = g_strdup (explicit_judges);
  start (job, cancellable, callback, user_data, tb_forecast_judging_async);
}

TbJudgingForecast *
tb_forecast_judging_finish (GAsyncResult  *result,
                            GError       **error)
{
  Job *job;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  job = g_task_get_task_data (G_TASK (result));
  return g_steal_pointer (&job->judging);
}
