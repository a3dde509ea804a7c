/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tb-call.h"
#include "tb-catalog.h"
#include "tb-client.h"
#include "tb-forecast.h"
#include "tb-judgment.h"
#include "tb-store.h"
#include "tb-usecase.h"

G_BEGIN_DECLS

/* The orchestrator: makes a run (every model on every input, `repeat` times), judges the
 * outputs as they land, resumes interrupted runs and re-judges finished ones. Every call —
 * candidates, chunks of long inputs, judges — shares one concurrency limit; judging an
 * output starts as soon as it lands. Outputs and judgments are written as they arrive, so
 * a crash loses nothing that was paid for, and a resume makes only the missing calls. */

#define TB_TYPE_RUNNER (tb_runner_get_type ())
G_DECLARE_FINAL_TYPE (TbRunner, tb_runner, TB, RUNNER, GObject)

/* `catalog` may be NULL: prices then unknown, contexts assumed to fit. Concurrency 0
 * means TASKBENCH_MAX_CONCURRENCY, default 4. */
TbRunner    *tb_runner_new            (TbClient  *client,
                                       TbStore   *store,
                                       TbCatalog *catalog,
                                       guint      concurrency);

/* The judges of the next run, resume or judging pass; NULL or empty: a run is not judged
 * (a resume then keeps the judges the run was made with). */
void         tb_runner_set_judges     (TbRunner            *self,
                                       const char * const  *judges);
const char * const *tb_runner_get_judges (TbRunner *self);

/* How the next job judges: "pointwise" or "pairwise"; NULL: as the use case says (a new
 * run) or as the run was made (resume, judge). */
void         tb_runner_set_judge_mode (TbRunner            *self,
                                       const char          *mode);
/* Pairwise: the models compared (the others are not); NULL: every model of the run. */
void         tb_runner_set_pair_models (TbRunner           *self,
                                        const char * const *models);
/* The forecast of the next job (taken over; made by the caller, who printed it and checked
 * the balance with it). Without one, the job makes its own, without history. Stored in a
 * new run's run.json; the budget prices each call with it. */
void         tb_runner_set_forecast   (TbRunner            *self,
                                       TbForecast          *forecast);
/* A cost cap for the next job (DESIGN.md, "Budget"); without one, a run takes the use
 * case's budget.max_usd and a resume the run's. A run's cap covers all of its calls,
 * earlier sessions included; a judging pass's only that pass. Calls that would pass it
 * are skipped, and a run ends partial with stop_reason "budget". */
void         tb_runner_set_max_cost   (TbRunner            *self,
                                       gboolean             has_max_cost,
                                       double               usd);
/* Earlier completion lengths of the use case (tb_forecast_history_load) for the forecasts
 * this runner makes. */
void         tb_runner_set_history    (TbRunner            *self,
                                       GHashTable          *history);
/* Jobs stop after their forecast: nothing is called or written (`run --dry-run`). */
void         tb_runner_set_dry_run    (TbRunner            *self,
                                       gboolean             dry_run);
/* The forecast of the job under way or last made. */
const TbForecast *tb_runner_get_forecast (TbRunner *self);
/* Whether the last job skipped a call for its cap. */
gboolean     tb_runner_stopped_by_budget (TbRunner *self);
/* A reference output for every input of the next pass, instead of the inputs' own. */
void         tb_runner_set_reference  (TbRunner   *self,
                                       const char *reference);

/* Runs made from now on are marked simulated (the built-in demo provider). */
void         tb_runner_set_simulated  (TbRunner   *self,
                                       gboolean    simulated);

/* Creates the run — every file written before the first call — and calls every model on
 * every input (TbTestInput*) `repeat` times. Emits ::run-created once the folder exists. */
void         tb_runner_run_async      (TbRunner            *self,
                                       TbUsecase           *usecase,
                                       GPtrArray           *inputs,
                                       const char * const  *models,
                                       guint                repeat,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);

/* Calls only the cells of `run_id` without an ok output, and completes the judging the run
 * was made with (or asked for with tb_runner_set_judges); then settles the status. */
void         tb_runner_resume_async   (TbRunner            *self,
                                       const char          *run_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);

/* Judges every ok output of an existing run with the judges set; writes a new judgment
 * file. TB_ERROR_INVALID when no judge is set or nothing can be judged. */
void         tb_runner_judge_async    (TbRunner            *self,
                                       const char          *run_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);

/* The run as it ended (done, partial, failed, cancelled). NULL + error only when the run
 * could not be created, found or locked (bad input: TB_ERROR_INVALID). */
TbRun       *tb_runner_finish         (TbRunner      *self,
                                       GAsyncResult  *result,
                                       GError       **error);

/* TbCall* of the job under way (or last finished): every candidate cell, then the judge
 * calls as they are queued; settled calls leave it past tb_runner_set_rows_kept's count. */
GListModel  *tb_runner_get_calls      (TbRunner *self);
/* A job of at most `count` calls keeps every row in the calls list to its end (the
 * default: all). A larger one hands each settled call — final, its cost known — to the
 * `call-settled` signal and lets go of it: a view that only counts the calls of a run of
 * thousands need not hold a row for each (tb_runner_get_total still counts them). */
void         tb_runner_set_rows_kept  (TbRunner *self,
                                       guint     count);
TbRun       *tb_runner_get_run        (TbRunner *self);
/* The judgment written by the last job, if it judged. */
TbJudgment  *tb_runner_get_judgment   (TbRunner *self);
/* Warnings gathered (unknown model, a judge that is also a candidate, …). */
GPtrArray   *tb_runner_get_warnings   (TbRunner *self);
/* Whether the last job was cancelled before it ended. */
gboolean     tb_runner_was_cancelled  (TbRunner *self);

/* Calls finished (any final state) and in all, for a progress bar. */
guint        tb_runner_get_finished   (TbRunner *self);
guint        tb_runner_get_total      (TbRunner *self);

G_END_DECLS
