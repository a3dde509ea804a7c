/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tb-catalog.h"
#include "tb-client.h"
#include "tb-store.h"
#include "tb-usecase.h"

G_BEGIN_DECLS

typedef enum {
  TB_CALL_QUEUED,
  TB_CALL_RUNNING,     /* sent, waiting or streaming */
  TB_CALL_RETRYING,    /* waiting before another attempt */
  TB_CALL_DONE,
  TB_CALL_FAILED,
  TB_CALL_CANCELLED,
} TbCallState;

const char *tb_call_state_to_string (TbCallState state);

/* The live state of one model in a run or a judging pass. */
typedef struct {
  char        *model;
  TbCallState  state;
  guint64      tokens;        /* streamed so far */
  gint64       started_us;    /* monotonic; 0 while queued */
  gint64       elapsed_ms;    /* frozen when finished */
  guint        chunk;         /* 1-based chunk under way, 0 when not chunked */
  guint        chunks;
  double       cost_usd;      /* when done */
  const char  *cost_source;
  double       score;         /* judging: overall, -1 until known */
  char        *message;       /* failure or retry reason; nullable */
} TbCallProgress;

#define TB_TYPE_RUNNER (tb_runner_get_type ())
G_DECLARE_FINAL_TYPE (TbRunner, tb_runner, TB, RUNNER, GObject)

/* `catalog` may be NULL: prices then unknown, context assumed to fit. Concurrency 0 means
 * TASKBENCH_MAX_CONCURRENCY, default 4. */
TbRunner    *tb_runner_new              (TbClient  *client,
                                         TbStore   *store,
                                         TbCatalog *catalog,
                                         guint      concurrency);

/* Judging options: set before starting. judge_model NULL: none (no judging after the run);
 * reference: nullable text of a reference output. */
void         tb_runner_set_judge        (TbRunner   *self,
                                         const char *judge_model,
                                         const char *reference);

/* Creates the run (files written before the first call) and calls every model. Each output
 * file is written when its completion arrives and again when the billed cost comes in.
 * Emits ::progress (index into tb_runner_get_calls) and ::run-created. */
void         tb_runner_run_async        (TbRunner            *self,
                                         TbUsecase           *usecase,
                                         const char          *input_name,
                                         const char          *input,
                                         gsize                input_length,
                                         const char * const  *models,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);

/* Calls only the models of `run_id` without an ok output, then settles the status. */
void         tb_runner_resume_async     (TbRunner            *self,
                                         const char          *run_id,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);

/* Judges every ok output of an existing run; writes a new judgment file. */
void         tb_runner_judge_async      (TbRunner            *self,
                                         const char          *run_id,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);

/* Returns the run as it ended (status done/partial/failed/cancelled). NULL + error only
 * when the run could not be created or found (bad input: TB_ERROR_INVALID). */
TbRun       *tb_runner_finish           (TbRunner      *self,
                                         GAsyncResult  *result,
                                         GError       **error);

/* TbCallProgress* of the current phase (candidates, then judge). */
GPtrArray   *tb_runner_get_calls        (TbRunner *self);
/* "run" or "judge" */
const char  *tb_runner_get_phase        (TbRunner *self);
TbRun       *tb_runner_get_run          (TbRunner *self);
/* The judgment written by the last judge pass, if any. */
TbJudgment  *tb_runner_get_judgment     (TbRunner *self);
/* The judge set with tb_runner_set_judge, or NULL. */
const char  *tb_runner_get_judge_model  (TbRunner *self);
/* Warnings gathered (unknown model, judge is a candidate, offline catalog …). */
GPtrArray   *tb_runner_get_warnings     (TbRunner *self);

/* Which judge to use: explicit, else the use case's, else $GENERAL_TASK_LLM; NULL if none. */
char        *tb_runner_pick_judge_model (const char      *explicit_model,
                                         const TbUsecase *usecase);

G_END_DECLS
