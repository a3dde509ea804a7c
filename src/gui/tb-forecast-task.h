/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tb-catalog.h"
#include "tb-forecast.h"
#include "tb-testset.h"
#include "tb-usecase.h"

G_BEGIN_DECLS

/* What a run or a judging pass will cost, asked of the core the way `run --dry-run` asks
 * it: a dry TbRunner job, which makes the real prompts and the forecast and calls and writes
 * nothing. The job runs in a thread on a main context of its own, with the use case's
 * earlier completion lengths (tb_forecast_history_load) read in the same thread: the
 * window's main loop never waits on the prompts or the files. */

/* A new run of `usecase` (reffed) on `inputs` (TbTestInput*, copied), `models`, `repeat`,
 * judged by `judges` (nullable: not judged). `catalog` nullable. */
void        tb_forecast_run_async     (const char          *home,
                                       TbUsecase           *usecase,
                                       GPtrArray           *inputs,
                                       const char * const  *models,
                                       guint                repeat,
                                       const char * const  *judges,
                                       TbCatalog           *catalog,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
/* `history` (nullable) receives the completion lengths the forecast assumed, for the run
 * that follows (tb_runner_set_history). */
TbForecast *tb_forecast_run_finish    (GAsyncResult        *result,
                                       GHashTable         **history,
                                       GError             **error);

/* What judging passes over runs cost together. */
typedef struct {
  GStrv   runs;         /* the runs that can be judged, in order */
  guint   calls;
  double  total_usd;    /* of the calls priced */
  GStrv   judges;       /* every judge named */
  GStrv   unknown;      /* judges without a price: left out of the total */
  char   *skipped;      /* nullable: why a run cannot be judged (the first such) */
} TbJudgingForecast;

void        tb_judging_forecast_free  (TbJudgingForecast   *forecast);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbJudgingForecast, tb_judging_forecast_free)

/* A judging pass of each of `run_ids`, each by its judges as the core picks them for a
 * re-judge (tb_rejudge_judges with `explicit_judges`, nullable). */
void        tb_forecast_judging_async (const char          *home,
                                       const char * const  *run_ids,
                                       const char          *explicit_judges,
                                       TbCatalog           *catalog,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
TbJudgingForecast *tb_forecast_judging_finish (GAsyncResult  *result,
                                               GError       **error);

G_END_DECLS
