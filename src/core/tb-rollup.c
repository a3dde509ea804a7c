/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-rollup"

#include "config.h"

#include <string.h>

#include "tb-json.h"
#include "tb-rollup.h"

void
tb_rollup_add (TbRollup       *into,
               const TbRollup *part)
{
  g_return_if_fail (into != NULL && part != NULL);

  into->runs += part->runs;
  into->simulated_runs += part->simulated_runs;
  into->candidate_calls += part->candidate_calls;
  into->judge_calls += part->judge_calls;
  into->candidate_usd += part->candidate_usd;
  into->judge_usd += part->judge_usd;
  into->total_usd += part->total_usd;
  tb_usage_add (&into->candidate_usage, &part->candidate_usage);
  tb_usage_add (&into->judge_usage, &part->judge_usage);
  into->estimated_calls += part->estimated_calls;
  into->unknown_calls += part->unknown_calls;
}

/* Adds one paid call (or the calls of one output) to the sums of its kind. */
static void
count_call (TbRollup      *rollup,
            gboolean       judge,
            const TbCost  *cost,
            const TbUsage *usage)
{
  if (judge)
    {
      rollup->judge_calls++;
      tb_usage_add (&rollup->judge_usage, usage);
    }
  else
    {
      rollup->candidate_calls++;
      tb_usage_add (&rollup->candidate_usage, usage);
    }

  if (!tb_cost_is_known (cost))
    {
      rollup->unknown_calls++;
      return;
    }
  if (judge)
    rollup->judge_usd += cost->usd;
  else
    rollup->candidate_usd += cost->usd;
  if (cost->source == TB_COST_ESTIMATE)
    rollup->estimated_calls++;
}

/* Every paid call of a run, with the model that answered or judged. */
typedef void (*CallFunc) (const char    *model,
                          gboolean       judge,
                          const TbCost  *cost,
                          const TbUsage *usage,
                          gpointer       user_data);

static void
foreach_call (const TbRunData *data,
              CallFunc         func,
              gpointer         user_data)
{
  for (guint i = 0; i < data->outputs->len; i++)
    {
      const TbOutput *output = g_ptr_array_index (data->outputs, i);

      /* An output never sent (cancelled in the queue, skipped by the budget) was no call. */
      if (!tb_output_was_called (output))
        continue;
      func (output->model, FALSE, &output->cost, &output->usage, user_data);
    }

  for (guint i = 0; i < data->judgments->len; i++)
    {
      const TbJudgment *judgment = g_ptr_array_index (data->judgments, i);

      for (guint j = 0; j < judgment->scores->len; j++)
        {
          const TbScore *score = g_ptr_array_index (judgment->scores, j);

          if (tb_cost_is_nothing (&score->cost) && tb_usage_is_empty (&score->usage))
            continue;
          func (tb_judgment_score_judge (judgment, score), TRUE, &score->cost, &score->usage,
                user_data);
        }
      for (guint j = 0; j < judgment->comparisons->len; j++)
        {
          const TbComparison *comparison = g_ptr_array_index (judgment->comparisons, j);

          if (tb_cost_is_nothing (&comparison->cost)
              && tb_usage_is_empty (&comparison->usage))
            continue;
          func (comparison->judge != NULL ? comparison->judge : judgment->judge_model, TRUE,
                &comparison->cost, &comparison->usage, user_data);
        }
    }
}

static void
count_run_call (const char    *model,
                gboolean       judge,
                const TbCost  *cost,
                const TbUsage *usage,
                gpointer       user_data)
{
  count_call (user_data, judge, cost, usage);
}

void
tb_rollup_of_run (const TbRunData *data,
                  TbRollup        *rollup)
{
  g_return_if_fail (data != NULL && rollup != NULL);

  memset (rollup, 0, sizeof *rollup);
  rollup->runs = 1;
  rollup->simulated_runs = data->run->simulated ? 1 : 0;
  foreach_call (data, count_run_call, rollup);
  rollup->total_usd = rollup->candidate_usd + rollup->judge_usd;
}

/* Model rollups ------------------------------------------------------------------------ */

void
tb_model_rollup_free (TbModelRollup *model_rollup)
{
  if (model_rollup == NULL)
    return;
  g_free (model_rollup->model);
  g_free (model_rollup);
}

static TbModelRollup *
model_rollup_new (const char *model)
{
  TbModelRollup *model_rollup = g_new0 (TbModelRollup, 1);

  model_rollup->model = g_strdup (model);
  return model_rollup;
}

static int
compare_models (gconstpointer a,
                gconstpointer b)
{
  const TbModelRollup *x = *(const TbModelRollup * const *) a;
  const TbModelRollup *y = *(const TbModelRollup * const *) b;

  return g_strcmp0 (x->model, y->model);
}

static gboolean
model_rollup_equal (gconstpointer a,
                    gconstpointer b)
{
  return g_strcmp0 (((const TbModelRollup *) a)->model, ((const TbModelRollup *) b)->model) == 0;
}

GPtrArray *
tb_model_rollups_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) tb_model_rollup_free);
}

typedef struct {
  GHashTable *by_model;   /* model → TbModelRollup* (owned by `list`) */
  GPtrArray  *list;
  gboolean    simulated;
} ByModel;

static void
count_model_call (const char    *model,
                  gboolean       judge,
                  const TbCost  *cost,
                  const TbUsage *usage,
                  gpointer       user_data)
{
  ByModel *by = user_data;
  TbModelRollup *entry;

  /* A call of a model the file does not name is still paid: summed as "". */
  if (model == NULL)
    model = "";
  entry = g_hash_table_lookup (by->by_model, model);
  if (entry == NULL)
    {
      entry = model_rollup_new (model);
      entry->rollup.runs = 1;
      entry->rollup.simulated_runs = by->simulated ? 1 : 0;
      g_ptr_array_add (by->list, entry);
      g_hash_table_insert (by->by_model, entry->model, entry);
    }
  count_call (&entry->rollup, judge, cost, usage);
  entry->rollup.total_usd = entry->rollup.candidate_usd + entry->rollup.judge_usd;
}

GPtrArray *
tb_rollup_of_run_by_model (const TbRunData *data)
{
  g_autoptr(GHashTable) by_model = g_hash_table_new (g_str_hash, g_str_equal);
  ByModel by = { by_model, tb_model_rollups_new (), FALSE };

  g_return_val_if_fail (data != NULL, NULL);

  by.simulated = data->run->simulated;
  foreach_call (data, count_model_call, &by);
  g_ptr_array_sort (by.list, compare_models);
  return by.list;
}

void
tb_model_rollups_add (GPtrArray       *into,
                      const GPtrArray *part)
{
  gboolean added = FALSE;

  g_return_if_fail (into != NULL && part != NULL);

  for (guint i = 0; i < part->len; i++)
    {
      const TbModelRollup *from = g_ptr_array_index ((GPtrArray *) part, i);
      TbModelRollup key = { from->model, { 0 } };
      TbModelRollup *entry = NULL;
      guint at;

      if (g_ptr_array_find_with_equal_func (into, &key, model_rollup_equal, &at))
        entry = g_ptr_array_index (into, at);
      else
        {
          entry = model_rollup_new (from->model);
          g_ptr_array_add (into, entry);
          added = TRUE;
        }
      tb_rollup_add (&entry->rollup, &from->rollup);
    }
  if (added)
    g_ptr_array_sort (into, compare_models);
}

JsonNode *
tb_model_rollups_to_json (const GPtrArray *model_rollups)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  g_return_val_if_fail (model_rollups != NULL, NULL);

  for (guint i = 0; i < model_rollups->len; i++)
    {
      const TbModelRollup *entry = g_ptr_array_index ((GPtrArray *) model_rollups, i);
      JsonNode *rollup = tb_rollup_to_json (&entry->rollup);

      json_object_set_string_member (json_node_get_object (rollup), "model", entry->model);
      json_array_add_element (array, rollup);
    }
  json_node_take_array (node, array);
  return node;
}

GPtrArray *
tb_model_rollups_from_json (JsonArray *array)
{
  GPtrArray *list = tb_model_rollups_new ();
  guint n = array != NULL ? json_array_get_length (array) : 0;

  for (guint i = 0; i < n; i++)
    {
      JsonObject *object = tb_json_array_object (array, i);
      const char *model;
      TbModelRollup *entry;

      if (object == NULL)
        continue;
      model = tb_json_get_string (object, "model");
      if (model == NULL)
        continue;
      entry = model_rollup_new (model);
      tb_rollup_from_json (&entry->rollup, object);
      g_ptr_array_add (list, entry);
    }
  g_ptr_array_sort (list, compare_models);
  return list;
}

static void
add_tokens (JsonBuilder   *builder,
            const char    *name,
            const TbUsage *usage)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  tb_json_add_int (builder, "prompt", usage->prompt_tokens);
  tb_json_add_int (builder, "completion", usage->completion_tokens);
  tb_json_add_int (builder, "reasoning", usage->reasoning_tokens);
  json_builder_end_object (builder);
}

JsonNode *
tb_rollup_to_json (const TbRollup *rollup)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (rollup != NULL, NULL);

  json_builder_begin_object (builder);
  tb_json_add_int (builder, "runs", rollup->runs);
  tb_json_add_int (builder, "simulated_runs", rollup->simulated_runs);
  tb_json_add_int (builder, "candidate_calls", rollup->candidate_calls);
  tb_json_add_int (builder, "judge_calls", rollup->judge_calls);
  tb_json_add_double (builder, "candidate_usd", rollup->candidate_usd);
  tb_json_add_double (builder, "judge_usd", rollup->judge_usd);
  tb_json_add_double (builder, "total_usd", rollup->total_usd);
  tb_json_add_int (builder, "estimated_calls", rollup->estimated_calls);
  tb_json_add_int (builder, "unknown_calls", rollup->unknown_calls);
  add_tokens (builder, "candidate_tokens", &rollup->candidate_usage);
  add_tokens (builder, "judge_tokens", &rollup->judge_usage);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* As tb_usage_from_json reads a count: a sum of runs, so a bound on the sums it feeds. */
static gint64
tokens (JsonObject *object,
        const char *name)
{
  gint64 value = tb_json_get_int (object, name, 0);

  return value >= 0 && value <= TB_MAX_TOKENS ? value : 0;
}

static void
read_tokens (TbUsage    *usage,
             JsonObject *object)
{
  memset (usage, 0, sizeof *usage);
  usage->prompt_tokens = tokens (object, "prompt");
  usage->completion_tokens = tokens (object, "completion");
  usage->reasoning_tokens = tokens (object, "reasoning");
}

static double
dollars (JsonObject *object,
         const char *name)
{
  double value = 0;

  return tb_json_get_amount (object, name, &value) ? value : 0;
}

void
tb_rollup_from_json (TbRollup   *rollup,
                     JsonObject *object)
{
  g_return_if_fail (rollup != NULL);

  memset (rollup, 0, sizeof *rollup);
  if (object == NULL)
    return;
  rollup->runs = tb_json_get_uint (object, "runs", 0);
  rollup->simulated_runs = tb_json_get_uint (object, "simulated_runs", 0);
  rollup->candidate_calls = tb_json_get_uint (object, "candidate_calls", 0);
  rollup->judge_calls = tb_json_get_uint (object, "judge_calls", 0);
  rollup->candidate_usd = dollars (object, "candidate_usd");
  rollup->judge_usd = dollars (object, "judge_usd");
  rollup->total_usd = rollup->candidate_usd + rollup->judge_usd;
  rollup->estimated_calls = tb_json_get_uint (object, "estimated_calls", 0);
  rollup->unknown_calls = tb_json_get_uint (object, "unknown_calls", 0);
  read_tokens (&rollup->candidate_usage, tb_json_get_object (object, "candidate_tokens"));
  read_tokens (&rollup->judge_usage, tb_json_get_object (object, "judge_tokens"));
}
