/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tb-catalog.h"
#include "tb-judgment.h"
#include "tb-output.h"
#include "tb-store.h"
#include "tb-usecase.h"

G_BEGIN_DECLS

/* Money before the call (DESIGN.md, "Money before the call"): what a run, a resume or a
 * judging pass will cost, made before the first call from the real prompts.
 *
 * - Prompt tokens: the executor prompt around each input (every part of an input a model
 *   takes in parts), every input, every repeat; for judges, their prompt around each
 *   output.
 * - Completion tokens per call: the median of this model's earlier calls on this use case
 *   (tb_forecast_history_load); else the input's reference output; else a share of the
 *   input (a sixth, 150–4,000 tokens); for a judge, its earlier answers, else a short
 *   answer per criterion.
 * - Prices from the catalog. A model the catalog does not price is "unknown", never $0:
 *   its line says so and the total leaves it out, naming it. */

typedef struct {
  char     *model;
  guint     calls;
  gint64    prompt_tokens;
  gint64    completion_tokens;
  gboolean  known;            /* every call priced */
  double    usd;              /* when known */
  guint     parts;            /* the most parts one input is taken in (1: whole) */
  char     *problem;          /* nullable: "its context of 8192 tokens leaves no room…" */
} TbForecastLine;

typedef struct {
  GPtrArray  *models;         /* TbForecastLine*, the candidates */
  GPtrArray  *judges;         /* TbForecastLine* */
  guint       calls;
  double      total_usd;      /* of the priced lines */
  GStrv       unknown;        /* models and judges without a price */
  GHashTable *completion;     /* model id → gint64* completion tokens per call assumed */
  GHashTable *judge_completion;
} TbForecast;

typedef struct {
  const TbUsecase     *usecase;
  GPtrArray           *inputs;        /* TbTestInput* */
  const char * const  *models;
  guint                repeat;
  const char * const  *judges;        /* nullable: no judging */
  TbJudgeMode          judge_mode;
  const char * const  *pair_models;   /* nullable: every model */
  TbCatalog           *catalog;       /* nullable: every price unknown */
  GHashTable          *history;       /* nullable: from tb_forecast_history_load */
  GPtrArray           *done_outputs;  /* nullable: TbOutput* already ok (resume, judge pass):
                                         not called again, judged with their real length */
  const TbJudgment    *done_judgment; /* nullable: a judgment being continued: its scores
                                         are not asked again */
  gboolean             judge_only;    /* a judging pass: no candidate calls */
} TbForecastRequest;

TbForecast *tb_forecast_new          (const TbForecastRequest *request);
void        tb_forecast_free         (TbForecast              *forecast);

/* {total_usd, calls, models[] {model, calls, prompt_tokens, completion_tokens, usd},
 * judges[] {…}, unknown[]}: usd null when unknown. */
JsonNode   *tb_forecast_to_json      (const TbForecast        *forecast);

/* One call's forecast, for the budget: `prompt_tokens` of its real prompt, the
 * completion this forecast assumes for the model. FALSE when its price is unknown. */
gboolean    tb_forecast_call_usd     (const TbForecast        *forecast,
                                      TbCatalog               *catalog,
                                      const char              *model,
                                      gboolean                 judge,
                                      gint64                   prompt_tokens,
                                      double                  *usd);

/* What earlier runs of a use case tell about completion lengths: model → median
 * completion tokens per call (candidates), "judge:" + model → per judge call; from the
 * newest `max_runs` runs. Reads files: call it off the main loop in a window. */
GHashTable *tb_forecast_history_load (TbStore                 *store,
                                      const char              *usecase_id,
                                      guint                    max_runs);

/* Whether the key's remaining limit (GET /key) covers the forecast: TRUE when it does, or
 * the key has no limit; FALSE with `*message` naming both amounts. The one rule for the
 * CLI's refusal and the window's. */
gboolean    tb_forecast_check_balance (const TbForecast       *forecast,
                                       const TbKeyInfo        *key,
                                       char                  **message);

/* A forecast read back from run.json (for `show`: the forecast beside what was billed). */
TbForecast *tb_forecast_from_json    (JsonNode                *node);

/* The forecast of a run (run.json) beside what its files say was paid, per model and per
 * judge: the check that forecasts are worth reading. The judges' bill is that of the run's
 * first judging pass, the one the forecast priced; later passes are not in it. */
typedef struct {
  char     *model;
  gboolean  judge;
  gboolean  forecast_known;
  double    forecast_usd;
  gboolean  billed_known;    /* every paid call of it has a known cost */
  double    billed_usd;
} TbForecastCheck;

void        tb_forecast_check_free   (TbForecastCheck        *check);
/* TbForecastCheck*, candidates then judges; NULL when the run has no forecast. */
GPtrArray  *tb_forecast_against_billing (const TbRunData     *data);
JsonNode   *tb_forecast_checks_to_json  (GPtrArray           *checks);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbForecast, tb_forecast_free)

G_END_DECLS
