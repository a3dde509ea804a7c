/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tb-judgment.h"
#include "tb-output.h"
#include "tb-usecase.h"

G_BEGIN_DECLS

/* The judge: the rubric an output is scored on, the answers a judge must give, how they
 * are checked and turned into scores. The runner drives the calls; every rule about
 * judging is here, and what the scores mean together is the verdict's (tb-verdict.h). */

/* Every judge call is made at temperature 0 with this seed, both recorded in the
 * judgment, so a re-judge of the same output asks the same question the same way. */
#define TB_JUDGE_TEMPERATURE 0.0
#define TB_JUDGE_SEED        20261125

/* The criteria an output is scored on (TbCriterion*, owned by the use case or static): the
 * use case's, or one criterion "overall" (weight 1) when it has none. */
GPtrArray  *tb_judge_rubric            (const TbUsecase *usecase);

/* JSON Schema of a pointwise answer: {reasoning: string, criteria: {name: number 0–10 for
 * each criterion}, violations: [string]}, all required, no extra keys (strict-ready). */
JsonNode   *tb_judge_answer_schema     (const TbUsecase *usecase);
/* JSON Schema of a pairwise answer: {reasoning: string, winner: "A" | "B" | "tie"}. */
JsonNode   *tb_judge_pairwise_schema   (void);

/* The answer as a JSON object whose every rubric criterion is a number in 0–10. A code
 * fence or text around the object is tolerated; anything else is an error the runner
 * retries once, and then records as a judge error (never as a zero). */
JsonObject *tb_judge_parse_answer      (const TbUsecase *usecase,
                                        const char      *content,
                                        GError         **error);

/* Fills the criteria (averaged over the answers of a chunked judgment), overall
 * (Σ weight × score / Σ weight × 10, computed here, never taken from the judge),
 * violations (strings only, deduplicated) and reasoning ("Part N: …" when chunked). */
void        tb_judge_fill_score        (const TbUsecase *usecase,
                                        GPtrArray       *answers,
                                        TbScore         *score);

/* Pairwise calls grow as models²: each pair of `models`, both orders, on every input and
 * repeat, by every judge. */
guint64     tb_judge_pairwise_calls    (guint            models,
                                        guint            inputs,
                                        guint            repeat,
                                        guint            judges);

gboolean    tb_judge_parse_pairwise    (const char      *content,
                                        TbWinner        *winner,
                                        char           **reasoning,
                                        GError         **error);

G_END_DECLS
