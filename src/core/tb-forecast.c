/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-forecast"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-forecast.h"
#include "tb-judge.h"
#include "tb-json.h"
#include "tb-prompt.h"
#include "tb-testset.h"
#include "tb-util.h"

/* How long an answer is when nothing earlier says: a share of what the model reads. */
#define COMPLETION_SHARE       6
#define COMPLETION_MIN         150
#define COMPLETION_MAX         4000
#define REFERENCE_MIN          50
/* A judge's answer: reasoning, then a score per criterion; a pairwise one: reasoning and a
 * winner. */
#define JUDGE_ANSWER_BASE      200
#define JUDGE_ANSWER_PER_CRITERION 40
#define PAIRWISE_ANSWER        250
/* The headings and format check around a judge's quoted texts. */
#define JUDGE_FRAME_TOKENS     300

static void
line_free (TbForecastLine *line)
{
  g_free (line->model);
  g_free (line->problem);
  g_free (line);
}

void
tb_forecast_free (TbForecast *forecast)
{
  if (forecast == NULL)
    return;
  g_ptr_array_unref (forecast->models);
  g_ptr_array_unref (forecast->judges);
  g_strfreev (forecast->unknown);
  g_hash_table_unref (forecast->completion);
  g_hash_table_unref (forecast->judge_completion);
  g_free (forecast);
}

static TbForecast *
forecast_new (void)
{
  TbForecast *forecast = g_new0 (TbForecast, 1);

  forecast->models = g_ptr_array_new_with_free_func ((GDestroyNotify) line_free);
  forecast->judges = g_ptr_array_new_with_free_func ((GDestroyNotify) line_free);
  forecast->completion = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  forecast->judge_completion = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return forecast;
}

static TbForecastLine *
line_new (const char *model)
{
  TbForecastLine *line = g_new0 (TbForecastLine, 1);

  line->model = g_strdup (model);
  line->known = TRUE;
  return line;
}

static gboolean
history_tokens (GHashTable *history,
                const char *prefix,
                const char *model,
                gint64     *tokens)
{
  g_autofree char *key = g_strconcat (prefix, model, NULL);
  const gint64 *value = history != NULL ? g_hash_table_lookup (history, key) : NULL;

  if (value == NULL || *value <= 0)
    return FALSE;
  *tokens = *value;
  return TRUE;
}

/* One call's price, added to the line; a model without a price makes the line unknown. */
static void
add_calls (TbForecastLine *line,
           const TbModel  *model,
           guint           calls,
           gint64          prompt_per_call,
           gint64          completion_per_call)
{
  double usd = 0;

  line->calls += calls;
  line->prompt_tokens += prompt_per_call * calls;
  line->completion_tokens += completion_per_call * calls;
  if (calls == 0)
    return;
  if (model == NULL || !tb_model_estimate_cost (model, prompt_per_call, completion_per_call, 0,
                                                &usd))
    line->known = FALSE;
  else
    line->usd += usd * calls;
}

static const TbOutput *
find_done (const TbForecastRequest *request,
           const char              *model,
           const char              *key,
           guint                    repeat)
{
  for (guint i = 0; request->done_outputs != NULL && i < request->done_outputs->len; i++)
    {
      const TbOutput *output = g_ptr_array_index (request->done_outputs, i);

      if (output->status == TB_OUTPUT_OK && g_strcmp0 (output->model, model) == 0
          && g_strcmp0 (output->input, key) == 0 && MAX (output->repeat, 1) == repeat)
        return output;
    }
  return NULL;
}

static gboolean
already_scored (const TbJudgment *judgment,
                const char       *judge,
                const char       *model,
                const char       *key,
                guint             repeat)
{
  for (guint i = 0; judgment != NULL && i < judgment->scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (judgment->scores, i);

      if (score->error == NULL && g_strcmp0 (score->model, model) == 0
          && g_strcmp0 (score->input, key) == 0 && MAX (score->repeat, 1) == repeat
          && g_strcmp0 (tb_judgment_score_judge (judgment, score), judge) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
set_tokens (GHashTable *table,
            const char *model,
            gint64      tokens)
{
  g_hash_table_replace (table, g_strdup (model), g_memdup2 (&tokens, sizeof tokens));
}

/* The parts a model takes an input in (1: whole), or 0 with `problem` set. */
static guint
parts_for (const TbModel  *model,
           const char     *model_id,
           const TbTestInput *input,
           gint64          other_tokens,
           char          **problem)
{
  g_autoptr(GError) error = NULL;
  gint64 input_tokens = tb_estimate_tokens (input->text, input->length);
  gint64 budget = 0;

  if (model != NULL
      && !tb_chunk_budget (model_id, model->context_length, model->max_completion_tokens,
                           input_tokens, other_tokens, &budget, NULL, &error))
    {
      if (*problem == NULL)
        *problem = g_strdup (error->message);
      return 0;
    }
  return budget == 0 ? 1 : tb_chunk_count (input->text, input->length, budget,
                                            TB_CHUNK_OVERLAP_LINES);
}

/* What a candidate is assumed to answer per call on this input in `parts` parts. */
static gint64
candidate_completion (const TbForecastRequest *request,
                      const char              *model,
                      const TbTestInput       *input,
                      guint                    parts)
{
  gint64 tokens;

  if (history_tokens (request->history, "", model, &tokens))
    return tokens;
  if (input->reference != NULL && input->reference_length > 0)
    return MAX (tb_estimate_tokens (input->reference, input->reference_length) / parts,
                REFERENCE_MIN);
  return CLAMP (tb_estimate_tokens (input->text, input->length) / parts / COMPLETION_SHARE,
                COMPLETION_MIN, COMPLETION_MAX);
}

typedef struct {
  const char *model;
  guint       input;
  guint       repeat;
  gint64      tokens;   /* of the output */
} Planned;

static gboolean
in_list (const char * const *list,
         const char         *model)
{
  return list == NULL || g_strv_contains (list, model);
}

TbForecast *
tb_forecast_new (const TbForecastRequest *request)
{
  TbForecast *forecast = forecast_new ();
  g_autoptr(GArray) planned = g_array_new (FALSE, FALSE, sizeof (Planned));
  g_autoptr(GPtrArray) unknown = g_ptr_array_new ();
  g_autoptr(GPtrArray) rubric = NULL;
  g_autofree char *empty_prompt = NULL;
  g_autofree char *judge_system = NULL;
  gint64 executor_tokens, judge_system_tokens;
  guint repeat = MAX (request->repeat, 1);

  g_return_val_if_fail (request != NULL && request->usecase != NULL, NULL);
  g_return_val_if_fail (request->inputs != NULL, NULL);

  empty_prompt = tb_prompt_executor (request->usecase, "", NULL);
  executor_tokens = tb_estimate_tokens (empty_prompt, -1);
  rubric = tb_judge_rubric (request->usecase);

  /* Candidates: every cell not already answered. */
  for (guint m = 0; request->models != NULL && request->models[m] != NULL; m++)
    {
      const char *model_id = request->models[m];
      const TbModel *model = request->catalog != NULL
                             ? tb_catalog_lookup (request->catalog, model_id) : NULL;
      TbForecastLine *line = line_new (model_id);
      gint64 assumed = 0;

      for (guint i = 0; i < request->inputs->len; i++)
        {
          const TbTestInput *input = g_ptr_array_index (request->inputs, i);
          guint parts = parts_for (model, model_id, input, executor_tokens, &line->problem);
          gint64 part_tokens, completion;

          if (parts == 0)
            continue;
          line->parts = MAX (line->parts, parts);
          part_tokens = tb_estimate_tokens (input->text, input->length) / parts;
          completion = candidate_completion (request, model_id, input, parts);
          assumed = MAX (assumed, completion);
          for (guint r = 1; r <= repeat; r++)
            {
              const TbOutput *done = find_done (request, model_id, input->key, r);
              Planned cell = { model_id, i, r, completion * parts };

              if (done != NULL)
                cell.tokens = tb_estimate_tokens (done->content, -1);
              else if (!request->judge_only)
                add_calls (line, model, parts, executor_tokens + part_tokens, completion);
              if (done != NULL || !request->judge_only)
                g_array_append_val (planned, cell);
            }
        }
      if (assumed > 0)
        set_tokens (forecast->completion, model_id, assumed);
      if (!line->known)
        g_ptr_array_add (unknown, line->model);
      if (request->judge_only)
        line_free (line);
      else
        g_ptr_array_add (forecast->models, line);
    }

  /* Judges: every planned output (pointwise), or every pair of them (pairwise). */
  if (request->judges != NULL && request->judges[0] != NULL)
    {
      judge_system = request->judge_mode == TB_JUDGE_PAIRWISE
                     ? tb_prompt_judge_pairwise_system (request->usecase)
                     : tb_prompt_judge_system (request->usecase);
      judge_system_tokens = tb_estimate_tokens (judge_system, -1);
    }
  for (guint j = 0; request->judges != NULL && request->judges[j] != NULL; j++)
    {
      const char *judge_id = request->judges[j];
      const TbModel *judge = request->catalog != NULL
                             ? tb_catalog_lookup (request->catalog, judge_id) : NULL;
      TbForecastLine *line = line_new (judge_id);
      gboolean pairwise = request->judge_mode == TB_JUDGE_PAIRWISE;
      gint64 answer;

      if (!history_tokens (request->history, pairwise ? "pairwise:" : "judge:", judge_id,
                           &answer))
        answer = pairwise ? PAIRWISE_ANSWER
                          : JUDGE_ANSWER_BASE + JUDGE_ANSWER_PER_CRITERION * (gint64) rubric->len;
      set_tokens (forecast->judge_completion, judge_id, answer);

      for (guint k = 0; k < planned->len; k++)
        {
          const Planned *cell = &g_array_index (planned, Planned, k);
          const TbTestInput *input = g_ptr_array_index (request->inputs, cell->input);
          gint64 frame = judge_system_tokens + executor_tokens + JUDGE_FRAME_TOKENS
                         + tb_estimate_tokens (input->reference, input->reference_length);
          guint pairs = 0;
          gint64 outputs_tokens = cell->tokens;
          guint parts;

          if (!pairwise)
            {
              if (already_scored (request->done_judgment, judge_id, cell->model, input->key,
                                  cell->repeat))
                continue;
              pairs = 1;
            }
          else if (in_list (request->pair_models, cell->model))
            {
              /* Each later model of the pair set on this input and repeat: both orders. */
              for (guint o = k + 1; o < planned->len; o++)
                {
                  const Planned *other = &g_array_index (planned, Planned, o);

                  if (other->input == cell->input && other->repeat == cell->repeat
                      && !g_str_equal (other->model, cell->model)
                      && in_list (request->pair_models, other->model))
                    {
                      pairs += 2;
                      outputs_tokens = MAX (outputs_tokens, cell->tokens + other->tokens);
                    }
                }
            }
          if (pairs == 0)
            continue;
          parts = parts_for (judge, judge_id, input, frame + outputs_tokens, &line->problem);
          if (parts == 0)
            continue;
          line->parts = MAX (line->parts, parts);
          add_calls (line, judge, pairs * parts,
                     frame + outputs_tokens + tb_estimate_tokens (input->text, input->length)
                                              / parts,
                     answer);
        }
      if (!line->known)
        g_ptr_array_add (unknown, line->model);
      g_ptr_array_add (forecast->judges, line);
    }

  for (guint i = 0; i < forecast->models->len; i++)
    {
      TbForecastLine *line = g_ptr_array_index (forecast->models, i);

      forecast->calls += line->calls;
      if (line->known)
        forecast->total_usd += line->usd;
    }
  for (guint i = 0; i < forecast->judges->len; i++)
    {
      TbForecastLine *line = g_ptr_array_index (forecast->judges, i);

      forecast->calls += line->calls;
      if (line->known)
        forecast->total_usd += line->usd;
    }
  forecast->unknown = g_new0 (char *, unknown->len + 1);
  for (guint i = 0, n = 0; i < unknown->len; i++)
    if (!g_strv_contains ((const char * const *) forecast->unknown, unknown->pdata[i]))
      forecast->unknown[n++] = g_strdup (unknown->pdata[i]);
  return forecast;
}

gboolean
tb_forecast_call_usd (const TbForecast *forecast,
                      TbCatalog        *catalog,
                      const char       *model_id,
                      gboolean          judge,
                      gint64            prompt_tokens,
                      double           *usd)
{
  const TbModel *model = catalog != NULL ? tb_catalog_lookup (catalog, model_id) : NULL;
  GHashTable *table = forecast == NULL ? NULL
                      : judge ? forecast->judge_completion : forecast->completion;
  const gint64 *assumed = table != NULL ? g_hash_table_lookup (table, model_id) : NULL;
  gint64 completion = assumed != NULL ? *assumed
                      : judge ? JUDGE_ANSWER_BASE + 4 * JUDGE_ANSWER_PER_CRITERION
                      : CLAMP (prompt_tokens / COMPLETION_SHARE, COMPLETION_MIN,
                               COMPLETION_MAX);

  return model != NULL && tb_model_estimate_cost (model, prompt_tokens, completion, 0, usd);
}

gboolean
tb_forecast_check_balance (const TbForecast  *forecast,
                           const TbKeyInfo   *key,
                           char             **message)
{
  g_autofree char *need = NULL;
  g_autofree char *left = NULL;

  g_return_val_if_fail (forecast != NULL && key != NULL, TRUE);

  if (!key->has_limit_remaining || forecast->total_usd <= key->limit_remaining)
    return TRUE;
  need = tb_format_usd (forecast->total_usd);
  left = tb_format_usd (key->limit_remaining);
  if (message != NULL)
    *message = g_strdup_printf (_("The forecast of %s is more than the %s left on this key"),
                                need, left);
  return FALSE;
}

/* ---------------------------------------------------------------------------------------- */
/* JSON                                                                                      */

static JsonNode *
line_to_json (const TbForecastLine *line)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "model", line->model);
  tb_json_add_int (builder, "calls", line->calls);
  tb_json_add_int (builder, "prompt_tokens", line->prompt_tokens);
  tb_json_add_int (builder, "completion_tokens", line->completion_tokens);
  tb_json_add_amount (builder, "usd", line->known, line->usd);
  tb_json_add_int (builder, "parts", MAX (line->parts, 1));
  tb_json_add_string (builder, "problem", line->problem);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
add_lines (JsonBuilder *builder,
           const char  *name,
           GPtrArray   *lines)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < lines->len; i++)
    json_builder_add_value (builder, line_to_json (g_ptr_array_index (lines, i)));
  json_builder_end_array (builder);
}

JsonNode *
tb_forecast_to_json (const TbForecast *forecast)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (forecast != NULL, NULL);

  json_builder_begin_object (builder);
  /* The priced part; the models in `unknown` come on top of it. */
  tb_json_add_amount (builder, "total_usd", TRUE, forecast->total_usd);
  tb_json_add_int (builder, "calls", forecast->calls);
  add_lines (builder, "models", forecast->models);
  add_lines (builder, "judges", forecast->judges);
  tb_json_add_strv (builder, "unknown", (const char * const *) forecast->unknown);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
lines_from_json (JsonObject *object,
                 const char *name,
                 GPtrArray  *lines)
{
  JsonArray *array = tb_json_get_array (object, name);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      TbForecastLine *line;

      if (entry == NULL || tb_json_get_string (entry, "model") == NULL)
        continue;
      line = line_new (tb_json_get_string (entry, "model"));
      line->calls = tb_json_get_uint (entry, "calls", 0);
      line->prompt_tokens = MAX (tb_json_get_int (entry, "prompt_tokens", 0), 0);
      line->completion_tokens = MAX (tb_json_get_int (entry, "completion_tokens", 0), 0);
      line->known = tb_json_get_amount (entry, "usd", &line->usd);
      line->parts = (guint) CLAMP (tb_json_get_int (entry, "parts", 1), 1, G_MAXUINT);
      line->problem = g_strdup (tb_json_get_string (entry, "problem"));
      g_ptr_array_add (lines, line);
    }
}

TbForecast *
tb_forecast_from_json (JsonNode *node)
{
  TbForecast *forecast;
  JsonObject *object;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  forecast = forecast_new ();
  lines_from_json (object, "models", forecast->models);
  lines_from_json (object, "judges", forecast->judges);
  if (!tb_json_get_amount (object, "total_usd", &forecast->total_usd))
    forecast->total_usd = 0;
  forecast->calls = tb_json_get_uint (object, "calls", 0);
  forecast->unknown = tb_json_get_strv (object, "unknown");
  if (forecast->unknown == NULL)
    forecast->unknown = g_new0 (char *, 1);
  return forecast;
}

/* ---------------------------------------------------------------------------------------- */
/* History                                                                                   */

static void
collect (GHashTable *samples,
         const char *key,
         gint64      tokens)
{
  GArray *values = g_hash_table_lookup (samples, key);

  if (tokens <= 0)
    return;
  if (values == NULL)
    {
      values = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (samples, g_strdup (key), values);
    }
  g_array_append_val (values, tokens);
}

static int
compare_tokens (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

GHashTable *
tb_forecast_history_load (TbStore    *store,
                          const char *usecase_id,
                          guint       max_runs)
{
  GHashTable *history = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) g_array_unref);
  g_autoptr(GPtrArray) ids = NULL;
  GHashTableIter iter;
  gpointer key, value;
  guint taken = 0;

  g_return_val_if_fail (TB_IS_STORE (store), history);

  ids = tb_store_list_run_ids (store, usecase_id);   /* newest first */
  for (guint i = 0; i < ids->len && taken < max_runs; i++)
    {
      g_autoptr(TbRun) run = tb_store_load_run (store, g_ptr_array_index (ids, i), NULL);
      g_autoptr(GPtrArray) outputs = NULL;
      g_autoptr(GPtrArray) judgments = NULL;

      if (run == NULL)
        continue;
      taken++;
      outputs = tb_store_load_outputs (store, run);
      for (guint o = 0; o < outputs->len; o++)
        {
          const TbOutput *output = g_ptr_array_index (outputs, o);

          if (output->status == TB_OUTPUT_OK)
            collect (samples, output->model,
                     output->usage.completion_tokens / MAX (output->chunks, 1));
        }
      judgments = tb_store_load_judgments (store, run);
      for (guint j = 0; j < judgments->len; j++)
        {
          const TbJudgment *judgment = g_ptr_array_index (judgments, j);

          for (guint s = 0; s < judgment->scores->len; s++)
            {
              const TbScore *score = g_ptr_array_index (judgment->scores, s);
              g_autofree char *name = g_strconcat ("judge:",
                                                   tb_judgment_score_judge (judgment, score),
                                                   NULL);

              if (score->error == NULL)
                collect (samples, name, score->usage.completion_tokens);
            }
          for (guint c = 0; c < judgment->comparisons->len; c++)
            {
              const TbComparison *comparison = g_ptr_array_index (judgment->comparisons, c);
              g_autofree char *name = g_strconcat ("pairwise:", comparison->judge, NULL);

              if (comparison->error == NULL)
                collect (samples, name, comparison->usage.completion_tokens);
            }
        }
    }

  g_hash_table_iter_init (&iter, samples);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GArray *values = value;
      gint64 median;

      g_array_sort (values, compare_tokens);
      median = values->len % 2 == 1
               ? g_array_index (values, gint64, values->len / 2)
               : (g_array_index (values, gint64, values->len / 2 - 1)
                  + g_array_index (values, gint64, values->len / 2)) / 2;
      set_tokens (history, key, median);
    }
  return history;
}

/* ---------------------------------------------------------------------------------------- */
/* Forecast against billing                                                                  */

void
tb_forecast_check_free (TbForecastCheck *check)
{
  if (check == NULL)
    return;
  g_free (check->model);
  g_free (check);
}

static TbForecastCheck *
check_for (GPtrArray  *checks,
           const char *model,
           gboolean    judge)
{
  TbForecastCheck *check;

  for (guint i = 0; i < checks->len; i++)
    {
      check = g_ptr_array_index (checks, i);
      if (check->judge == judge && g_strcmp0 (check->model, model) == 0)
        return check;
    }
  check = g_new0 (TbForecastCheck, 1);
  check->model = g_strdup (model);
  check->judge = judge;
  check->billed_known = TRUE;
  g_ptr_array_add (checks, check);
  return check;
}

static void
add_billed (TbForecastCheck *check,
            const TbCost    *cost)
{
  if (tb_cost_is_nothing (cost))
    return;
  if (tb_cost_is_known (cost))
    check->billed_usd += cost->usd;
  else
    check->billed_known = FALSE;
}

GPtrArray *
tb_forecast_against_billing (const TbRunData *data)
{
  g_autoptr(TbForecast) forecast = NULL;
  GPtrArray *checks;

  g_return_val_if_fail (data != NULL, NULL);

  forecast = tb_forecast_from_json (data->run->forecast);
  if (forecast == NULL)
    return NULL;
  checks = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_forecast_check_free);
  for (guint i = 0; i < forecast->models->len; i++)
    {
      const TbForecastLine *line = g_ptr_array_index (forecast->models, i);
      TbForecastCheck *check = check_for (checks, line->model, FALSE);

      check->forecast_known = line->known;
      check->forecast_usd = line->usd;
    }
  for (guint i = 0; i < forecast->judges->len; i++)
    {
      const TbForecastLine *line = g_ptr_array_index (forecast->judges, i);
      TbForecastCheck *check = check_for (checks, line->model, TRUE);

      check->forecast_known = line->known;
      check->forecast_usd = line->usd;
    }
  for (guint i = 0; i < data->outputs->len; i++)
    {
      const TbOutput *output = g_ptr_array_index (data->outputs, i);

      add_billed (check_for (checks, output->model, FALSE), &output->cost);
    }
  /* The run's forecast priced the judging pass made with the run: its first judgment (the
   * list is newest first). Later passes — a re-judge, a jury, pairwise — were not in it. */
  if (forecast->judges->len > 0 && data->judgments->len > 0)
    {
      const TbJudgment *judgment = g_ptr_array_index (data->judgments,
                                                      data->judgments->len - 1);

      for (guint i = 0; i < judgment->scores->len; i++)
        {
          const TbScore *score = g_ptr_array_index (judgment->scores, i);

          add_billed (check_for (checks, tb_judgment_score_judge (judgment, score), TRUE),
                      &score->cost);
        }
      for (guint i = 0; i < judgment->comparisons->len; i++)
        {
          const TbComparison *comparison = g_ptr_array_index (judgment->comparisons, i);

          if (comparison->judge != NULL)
            add_billed (check_for (checks, comparison->judge, TRUE), &comparison->cost);
        }
    }
  return checks;
}

JsonNode *
tb_forecast_checks_to_json (GPtrArray *checks)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; checks != NULL && i < checks->len; i++)
    {
      const TbForecastCheck *check = g_ptr_array_index (checks, i);

      json_builder_begin_object (builder);
      tb_json_add_string (builder, "model", check->model);
      tb_json_add_bool (builder, "judge", check->judge);
      tb_json_add_amount (builder, "forecast_usd", check->forecast_known, check->forecast_usd);
      tb_json_add_amount (builder, "billed_usd", check->billed_known, check->billed_usd);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}
