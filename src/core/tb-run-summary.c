/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-run-summary"

#include "config.h"

#include "tb-json.h"
#include "tb-run-summary.h"

gboolean
tb_judgment_model_mean (const TbJudgment *judgment,
                        const char       *model,
                        double           *mean)
{
  double sum = 0;
  guint n = 0;

  g_return_val_if_fail (judgment != NULL && model != NULL, FALSE);

  for (guint i = 0; i < judgment->scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (judgment->scores, i);

      if (score->error == NULL && g_strcmp0 (score->model, model) == 0)
        {
          sum += score->overall;
          n++;
        }
    }
  if (n == 0)
    return FALSE;
  if (mean != NULL)
    *mean = sum / n;
  return TRUE;
}

TbRunSummary *
tb_run_summary_new_for (const TbRunData *data)
{
  TbRunSummary *summary;
  const TbRun *run;

  g_return_val_if_fail (data != NULL && data->run != NULL, NULL);

  run = data->run;
  summary = g_new0 (TbRunSummary, 1);
  summary->id = g_strdup (run->id);
  summary->usecase = g_strdup (run->usecase);
  summary->dir = g_strdup (run->dir);
  summary->created_at = g_strdup (run->created_at);
  summary->status = run->status;
  summary->stop_reason = g_strdup (run->stop_reason);
  summary->models = g_strdupv (run->models);
  summary->n_inputs = run->inputs->len;
  summary->inputs_label = tb_run_describe_inputs (run);
  summary->repeat = run->repeat;
  summary->simulated = run->simulated;
  summary->cells = g_strv_length (run->models) * run->inputs->len * run->repeat;
  for (guint i = 0; i < data->outputs->len; i++)
    if (((TbOutput *) g_ptr_array_index (data->outputs, i))->status == TB_OUTPUT_OK)
      summary->outputs_ok++;
  tb_rollup_of_run (data, &summary->rollup);
  summary->per_model = tb_rollup_of_run_by_model (data);

  summary->judgments = data->judgments->len;
  if (data->judgments->len > 0)
    {
      const TbJudgment *latest = g_ptr_array_index (data->judgments, 0);

      summary->latest_judgment = g_strdup (latest->created_at);
      summary->latest_judges = g_strdupv (latest->judges);
      /* The best score comes from the latest pass that scored: a pairwise pass after it
       * compares, it does not score. */
      for (guint j = 0; j < data->judgments->len; j++)
        {
          const TbJudgment *judgment = g_ptr_array_index (data->judgments, j);

          if (g_strcmp0 (judgment->mode, "pairwise") != 0)
            {
              latest = judgment;
              break;
            }
        }
      for (guint i = 0; run->models[i] != NULL; i++)
        {
          double mean;

          if (tb_judgment_model_mean (latest, run->models[i], &mean)
              && (!summary->has_best || mean > summary->best_score))
            {
              summary->has_best = TRUE;
              summary->best_score = mean;
              g_free (summary->best_model);
              summary->best_model = g_strdup (run->models[i]);
            }
        }
    }
  return summary;
}

void
tb_run_summary_free (TbRunSummary *summary)
{
  if (summary == NULL)
    return;
  g_free (summary->id);
  g_free (summary->usecase);
  g_free (summary->dir);
  g_free (summary->created_at);
  g_free (summary->stop_reason);
  g_strfreev (summary->models);
  g_clear_pointer (&summary->per_model, g_ptr_array_unref);
  g_free (summary->inputs_label);
  g_free (summary->latest_judgment);
  g_strfreev (summary->latest_judges);
  g_free (summary->best_model);
  g_free (summary);
}

TbRunSummary *
tb_run_summary_copy (const TbRunSummary *summary)
{
  TbRunSummary *copy;

  g_return_val_if_fail (summary != NULL, NULL);

  copy = g_memdup2 (summary, sizeof *summary);
  copy->id = g_strdup (summary->id);
  copy->usecase = g_strdup (summary->usecase);
  copy->dir = g_strdup (summary->dir);
  copy->created_at = g_strdup (summary->created_at);
  copy->stop_reason = g_strdup (summary->stop_reason);
  copy->models = g_strdupv (summary->models);
  copy->per_model = tb_model_rollups_new ();
  if (summary->per_model != NULL)
    tb_model_rollups_add (copy->per_model, summary->per_model);
  copy->inputs_label = g_strdup (summary->inputs_label);
  copy->latest_judgment = g_strdup (summary->latest_judgment);
  copy->latest_judges = g_strdupv (summary->latest_judges);
  copy->best_model = g_strdup (summary->best_model);
  return copy;
}

gboolean
tb_run_summary_is_judgeable (const TbRunSummary *summary)
{
  g_return_val_if_fail (summary != NULL, FALSE);
  return summary->outputs_ok > 0 && summary->status != TB_RUN_RUNNING;
}

static JsonNode *
summary_to_json (const TbRunSummary *summary,
                 gboolean            with_models)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "id", summary->id);
  tb_json_add_string (builder, "usecase", summary->usecase);
  tb_json_add_string (builder, "dir", summary->dir);
  tb_json_add_string (builder, "created_at", summary->created_at);
  tb_json_add_string (builder, "status", tb_run_status_to_string (summary->status));
  tb_json_add_string (builder, "stop_reason", summary->stop_reason);
  tb_json_add_strv (builder, "models", (const char * const *) summary->models);
  tb_json_add_string (builder, "input", summary->inputs_label);
  tb_json_add_int (builder, "inputs", summary->n_inputs);
  tb_json_add_int (builder, "repeat", summary->repeat);
  tb_json_add_bool (builder, "simulated", summary->simulated);
  tb_json_add_int (builder, "outputs_ok", summary->outputs_ok);
  tb_json_add_int (builder, "cells", summary->cells);
  tb_json_add_node (builder, "cost", tb_rollup_to_json (&summary->rollup));
  if (with_models && summary->per_model != NULL)
    tb_json_add_node (builder, "cost_per_model",
                      tb_model_rollups_to_json (summary->per_model));
  json_builder_set_member_name (builder, "best_score");
  if (summary->has_best)
    json_builder_add_double_value (builder, summary->best_score);
  else
    json_builder_add_null_value (builder);
  tb_json_add_string (builder, "best_model", summary->best_model);
  tb_json_add_string (builder, "latest_judgment", summary->latest_judgment);
  tb_json_add_strv (builder, "latest_judges", (const char * const *) summary->latest_judges);
  tb_json_add_int (builder, "judgments", summary->judgments);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

JsonNode *
tb_run_summary_to_json (const TbRunSummary *summary)
{
  g_return_val_if_fail (summary != NULL, NULL);
  return summary_to_json (summary, TRUE);
}

JsonNode *
tb_run_summary_to_json_without_models (const TbRunSummary *summary)
{
  g_return_val_if_fail (summary != NULL, NULL);
  return summary_to_json (summary, FALSE);
}

TbRunSummary *
tb_run_summary_from_json (JsonNode *node)
{
  TbRunSummary *summary;
  JsonObject *object;
  double best;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  if (tb_json_get_string (object, "id") == NULL)
    return NULL;

  summary = g_new0 (TbRunSummary, 1);
  summary->id = g_strdup (tb_json_get_string (object, "id"));
  summary->usecase = g_strdup (tb_json_get_string (object, "usecase"));
  summary->dir = g_strdup (tb_json_get_string (object, "dir"));
  summary->created_at = g_strdup (tb_json_get_string (object, "created_at"));
  summary->status = tb_run_status_from_string (tb_json_get_string (object, "status"));
  summary->stop_reason = g_strdup (tb_json_get_string (object, "stop_reason"));
  summary->models = tb_json_get_strv (object, "models");
  if (summary->models == NULL)
    summary->models = g_new0 (char *, 1);
  summary->n_inputs = (guint) CLAMP (tb_json_get_int (object, "inputs", 1), 0, G_MAXINT);
  /* The index is shared by processes in other languages: a count is said in this one's. */
  summary->inputs_label = summary->n_inputs > 1
                          ? tb_run_describe_input_count (summary->n_inputs)
                          : g_strdup (tb_json_get_string (object, "input"));
  summary->repeat = (guint) CLAMP (tb_json_get_int (object, "repeat", 1), 1, G_MAXINT);
  summary->simulated = tb_json_get_bool (object, "simulated", FALSE);
  summary->outputs_ok = tb_json_get_uint (object, "outputs_ok", 0);
  summary->cells = tb_json_get_uint (object, "cells", 0);
  tb_rollup_from_json (&summary->rollup, tb_json_get_object (object, "cost"));
  summary->per_model = tb_model_rollups_from_json (tb_json_get_array (object,
                                                                       "cost_per_model"));
  summary->has_best = tb_json_get_double (object, "best_score", &best);
  summary->best_score = summary->has_best ? best : 0;
  summary->best_model = g_strdup (tb_json_get_string (object, "best_model"));
  summary->latest_judgment = g_strdup (tb_json_get_string (object, "latest_judgment"));
  summary->latest_judges = tb_json_get_strv (object, "latest_judges");
  summary->judgments = tb_json_get_uint (object, "judgments", 0);
  return summary;
}
