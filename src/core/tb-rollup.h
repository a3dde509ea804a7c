/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tb-cost.h"
#include "tb-store.h"

G_BEGIN_DECLS

/* What runs cost, summed from their files: a run's candidate calls (its outputs) and judge
 * calls (every score and comparison in every judgment: each re-judge was paid). A use case
 * sums its runs, the grand total its use cases. Dollars count only known amounts; calls
 * whose cost is unknown are counted apart, so a total with unknown calls is a lower
 * bound, never a silent $0. */
typedef struct {
  guint    runs;
  guint    simulated_runs;   /* runs against the simulated provider (kept out of real sums) */
  guint    candidate_calls;
  guint    judge_calls;
  double   candidate_usd;
  double   judge_usd;
  double   total_usd;
  TbUsage  candidate_usage;
  TbUsage  judge_usage;
  guint    estimated_calls;  /* calls whose cost is only an estimate */
  guint    unknown_calls;    /* calls whose cost is not known at all */
} TbRollup;

void        tb_rollup_add        (TbRollup        *into,
                                  const TbRollup  *part);
/* One run: fills `rollup` from the run's outputs and judgments (no file access). */
void        tb_rollup_of_run     (const TbRunData *data,
                                  TbRollup        *rollup);
JsonNode   *tb_rollup_to_json    (const TbRollup  *rollup);
/* Reads what tb_rollup_to_json wrote. */
void        tb_rollup_from_json  (TbRollup        *rollup,
                                  JsonObject      *object);

/* What one model cost: the calls it answered as a candidate in the rollup's candidate
 * part, the calls it made as a judge in its judge part (a model can be both); `runs`
 * counts the runs it had a call in. The same calls as tb_rollup_of_run, split by model:
 * a run's model rollups add up to its rollup. */
typedef struct {
  char     *model;
  TbRollup  rollup;
} TbModelRollup;

void        tb_model_rollup_free      (TbModelRollup   *model_rollup);
/* An empty array of TbModelRollup*. */
GPtrArray  *tb_model_rollups_new      (void);
/* One run: a new array of TbModelRollup*, sorted by model id (no file access). */
GPtrArray  *tb_rollup_of_run_by_model (const TbRunData *data);
/* Adds each of `part` (TbModelRollup*) to its model's entry in `into`, made when missing;
 * `into` stays sorted by model id. */
void        tb_model_rollups_add      (GPtrArray       *into,
                                       const GPtrArray *part);
JsonNode   *tb_model_rollups_to_json  (const GPtrArray *model_rollups);
/* Reads what tb_model_rollups_to_json wrote: a new array, empty when `array` is NULL. */
GPtrArray  *tb_model_rollups_from_json (JsonArray      *array);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbModelRollup, tb_model_rollup_free)

G_END_DECLS
