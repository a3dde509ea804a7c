/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where the amount that counts comes from, weakest first after NONE. */
typedef enum {
  TB_COST_NONE,       /* no call was made: nothing was paid, for certain */
  TB_COST_UNKNOWN,    /* a call was made and nothing says what it cost: never read as $0 */
  TB_COST_ESTIMATE,   /* catalog price × tokens */
  TB_COST_INLINE,     /* usage.cost in the completion */
  TB_COST_BILLED,     /* total_cost from /generation */
} TbCostSource;

const char   *tb_cost_source_to_string   (TbCostSource  source);
TbCostSource  tb_cost_source_from_string (const char   *text);

/* What one call — or several calls added up — cost. Every amount is finite and ≥ 0 or not
 * known (has_* FALSE). `usd` and `source` are the amount that counts: for one call the best
 * known amount (billed, else inline, else estimate); for a sum, the sum of what counts per
 * call, with the weakest source among them. */
typedef struct {
  gboolean      has_inline;
  double        inline_usd;
  gboolean      has_billed;
  double        billed_usd;
  gboolean      has_estimate;
  double        estimate_usd;
  TbCostSource  source;
  double        usd;          /* meaningful when tb_cost_is_known */
} TbCost;

/* Sets source and usd of one call from its amounts. */
void          tb_cost_settle             (TbCost       *cost);
/* Adds a settled `part` to `into` (an all-zero TbCost is the empty sum). */
void          tb_cost_add                (TbCost       *into,
                                          const TbCost *part);
gboolean      tb_cost_is_known           (const TbCost *cost);
/* Nothing was paid: no call, or (in files of older versions, which always wrote an
 * estimate) no amount but a zero estimate. */
gboolean      tb_cost_is_nothing         (const TbCost *cost);
JsonNode     *tb_cost_to_json            (const TbCost *cost);
/* NULL reads as no call (NONE). Files from older versions keep the source they name. */
void          tb_cost_from_json          (TbCost       *cost,
                                          JsonObject   *object);

typedef struct {
  gint64 prompt_tokens;
  gint64 completion_tokens;
  gint64 reasoning_tokens;
  gint64 cached_tokens;
} TbUsage;

/* A token count beyond any real call (a hostile or corrupt file) would overflow the sums
 * of a rollup: it reads as 0. */
#define TB_MAX_TOKENS G_GINT64_CONSTANT (1000000000000)

void          tb_usage_add               (TbUsage       *into,
                                          const TbUsage *part);
gboolean      tb_usage_is_empty          (const TbUsage *usage);
JsonNode     *tb_usage_to_json           (const TbUsage *usage);
/* Negative or absurd token counts read as 0. */
void          tb_usage_from_json         (TbUsage       *usage,
                                          JsonObject    *object);

G_END_DECLS
