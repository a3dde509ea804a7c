/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-cost"

#include "config.h"

#include <string.h>

#include "tb-amount.h"
#include "tb-cost.h"
#include "tb-json.h"

static const char * const source_names[] = {
  [TB_COST_NONE] = "none",
  [TB_COST_UNKNOWN] = "unknown",
  [TB_COST_ESTIMATE] = "estimate",
  [TB_COST_INLINE] = "inline",
  [TB_COST_BILLED] = "billed",
};

const char *
tb_cost_source_to_string (TbCostSource source)
{
  if ((guint) source >= G_N_ELEMENTS (source_names))
    return "unknown";
  return source_names[source];
}

TbCostSource
tb_cost_source_from_string (const char *text)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (source_names); i++)
    if (g_str_equal (text, source_names[i]))
      return (TbCostSource) i;
  return TB_COST_UNKNOWN;
}

/* An amount that fails the gate is not known, whoever set it. */
static void
gate (gboolean *has,
      double   *value)
{
  if (*has && !tb_amount_is_valid (*value))
    *has = FALSE;
  if (!*has)
    *value = 0;
}

void
tb_cost_settle (TbCost *cost)
{
  g_return_if_fail (cost != NULL);

  gate (&cost->has_inline, &cost->inline_usd);
  gate (&cost->has_billed, &cost->billed_usd);
  gate (&cost->has_estimate, &cost->estimate_usd);

  if (cost->has_billed)
    {
      cost->source = TB_COST_BILLED;
      cost->usd = cost->billed_usd;
    }
  else if (cost->has_inline)
    {
      cost->source = TB_COST_INLINE;
      cost->usd = cost->inline_usd;
    }
  else if (cost->has_estimate)
    {
      cost->source = TB_COST_ESTIMATE;
      cost->usd = cost->estimate_usd;
    }
  else
    {
      cost->source = TB_COST_UNKNOWN;
      cost->usd = 0;
    }
}

gboolean
tb_cost_is_known (const TbCost *cost)
{
  g_return_val_if_fail (cost != NULL, FALSE);
  return cost->source != TB_COST_UNKNOWN && tb_amount_is_valid (cost->usd);
}

gboolean
tb_cost_is_nothing (const TbCost *cost)
{
  g_return_val_if_fail (cost != NULL, TRUE);

  if (cost->source == TB_COST_NONE)
    return TRUE;
  return !cost->has_inline && !cost->has_billed
         && cost->has_estimate && cost->estimate_usd == 0;
}

void
tb_cost_add (TbCost       *into,
             const TbCost *part)
{
  g_return_if_fail (into != NULL && part != NULL);

  if (part->source == TB_COST_NONE)
    return;
  if (into->source == TB_COST_NONE)
    {
      *into = *part;
      return;
    }

  /* An amount of a sum is known only when it is known for every call in it. */
  into->has_inline = into->has_inline && part->has_inline;
  into->inline_usd = into->has_inline ? into->inline_usd + part->inline_usd : 0;
  into->has_billed = into->has_billed && part->has_billed;
  into->billed_usd = into->has_billed ? into->billed_usd + part->billed_usd : 0;
  into->has_estimate = into->has_estimate && part->has_estimate;
  into->estimate_usd = into->has_estimate ? into->estimate_usd + part->estimate_usd : 0;

  into->source = MIN (into->source, part->source);
  into->usd = into->source == TB_COST_UNKNOWN ? 0 : into->usd + part->usd;
}

JsonNode *
tb_cost_to_json (const TbCost *cost)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gboolean known;

  g_return_val_if_fail (cost != NULL, NULL);

  known = cost->source != TB_COST_UNKNOWN && tb_amount_is_valid (cost->usd);

  json_builder_begin_object (builder);
  tb_json_add_amount (builder, "inline_usd", cost->has_inline, cost->inline_usd);
  tb_json_add_amount (builder, "billed_usd", cost->has_billed, cost->billed_usd);
  tb_json_add_amount (builder, "estimate_usd", cost->has_estimate, cost->estimate_usd);
  tb_json_add_amount (builder, "usd", known, cost->usd);
  tb_json_add_string (builder, "source",
                      tb_cost_source_to_string (known || cost->source == TB_COST_NONE
                                                ? cost->source : TB_COST_UNKNOWN));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

void
tb_cost_from_json (TbCost     *cost,
                   JsonObject *object)
{
  const char *source;
  TbCostSource kind;

  g_return_if_fail (cost != NULL);

  memset (cost, 0, sizeof *cost);
  if (object == NULL)
    return;

  cost->has_inline = tb_json_get_amount (object, "inline_usd", &cost->inline_usd);
  cost->has_billed = tb_json_get_amount (object, "billed_usd", &cost->billed_usd);
  cost->has_estimate = tb_json_get_amount (object, "estimate_usd", &cost->estimate_usd);

  /* A sum keeps what counted when it was written; one call could be settled again, but the
   * stored pair is the same for it. A pair that says nothing — "unknown", a source no
   * version wrote, an amount that is not one — is settled from the amounts instead, as the
   * file would be read again once written back. */
  source = tb_json_get_string (object, "source");
  kind = tb_cost_source_from_string (source);
  if (g_strcmp0 (source, "none") == 0)
    cost->source = TB_COST_NONE;
  else if (kind > TB_COST_UNKNOWN && tb_json_get_amount (object, "usd", &cost->usd))
    cost->source = kind;
  else
    tb_cost_settle (cost);
}

void
tb_usage_add (TbUsage       *into,
              const TbUsage *part)
{
  into->prompt_tokens += part->prompt_tokens;
  into->completion_tokens += part->completion_tokens;
  into->reasoning_tokens += part->reasoning_tokens;
  into->cached_tokens += part->cached_tokens;
}

gboolean
tb_usage_is_empty (const TbUsage *usage)
{
  return usage->prompt_tokens == 0 && usage->completion_tokens == 0
         && usage->reasoning_tokens == 0 && usage->cached_tokens == 0;
}

JsonNode *
tb_usage_to_json (const TbUsage *usage)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  tb_json_add_int (builder, "prompt_tokens", usage->prompt_tokens);
  tb_json_add_int (builder, "completion_tokens", usage->completion_tokens);
  tb_json_add_int (builder, "reasoning_tokens", usage->reasoning_tokens);
  tb_json_add_int (builder, "cached_tokens", usage->cached_tokens);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static gint64
token_count (JsonObject *object,
             const char *name)
{
  gint64 value = tb_json_get_int (object, name, 0);

  return value >= 0 && value <= TB_MAX_TOKENS ? value : 0;
}

void
tb_usage_from_json (TbUsage    *usage,
                    JsonObject *object)
{
  memset (usage, 0, sizeof *usage);
  if (object == NULL)
    return;
  usage->prompt_tokens = token_count (object, "prompt_tokens");
  usage->completion_tokens = token_count (object, "completion_tokens");
  usage->reasoning_tokens = token_count (object, "reasoning_tokens");
  usage->cached_tokens = token_count (object, "cached_tokens");
}
