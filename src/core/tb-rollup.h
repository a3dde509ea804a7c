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

G_END_DECLS
