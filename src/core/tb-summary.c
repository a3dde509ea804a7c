/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-summary"

#include "config.h"

#include "tb-index.h"
#include "tb-json.h"
#include "tb-summary.h"

static void
count_up (GHashTable *counts,
          const char *key)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, key));

  g_hash_table_replace (counts, g_strdup (key), GUINT_TO_POINTER (n + 1));
}

static gboolean
is_pairwise (const TbJudgment *judgment)
{
  return g_strcmp0 (judgment->mode, "pairwise") == 0;
}

/* Lets go of what the pooled verdict does not read and a lean load kept: the use case's
 * snapshot, and every judgment but the latest of each mode (the outputs' texts and details
 * and the judges' reasoning were never kept). A use case of 3,000 runs is then a few
 * megabytes, not hundreds. */
static void
let_go (TbRunData *data)
{
  gboolean pointwise_kept = FALSE, pairwise_kept = FALSE;

  g_clear_pointer (&data->run->usecase_snapshot, g_free);
  g_clear_pointer (&data->run->forecast, json_node_unref);
  /* judgments are newest first: the first of each mode is the latest */
  for (guint i = 0; i < data->judgments->len; i++)
    {
      TbJudgment *judgment = g_ptr_array_index (data->judgments, i);
      gboolean *kept = is_pairwise (judgment) ? &pairwise_kept : &pointwise_kept;

      if (*kept)
        g_ptr_array_remove_index (data->judgments, i--);
      else
        *kept = TRUE;
    }
}

static TbUsecaseSummary *
summary_new (const char *usecase_id)
{
  TbUsecaseSummary *summary = g_new0 (TbUsecaseSummary, 1);

  summary->usecase = g_strdup (usecase_id);
  summary->model_runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  summary->wins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  summary->warnings = g_ptr_array_new_with_free_func (g_free);
  return summary;
}

static TbUsecaseSummary *
summary_read (TbStore       *store,
              const char    *usecase_id,
              gint64         inputs_per_month,
              GCancellable  *cancellable,
              GError       **error)
{
  g_autoptr(TbUsecaseSummary) summary = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                              tb_run_data_free);

  summary = summary_new (usecase_id);

  ids = tb_store_list_run_ids (store, usecase_id);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GError) run_error = NULL;
      TbRunData *data;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      data = tb_store_load_run_data_lean (store, g_ptr_array_index (ids, i), &run_error);
      summary->runs++;
      if (data == NULL)
        {
          g_ptr_array_add (summary->warnings, g_strdup (run_error->message));
          continue;
        }
      if (data->judgments->len == 0)
        {
          tb_run_data_free (data);
          continue;
        }
      summary->judged_runs++;
      /* A run's own verdict: who won it (a tie is no one's win). */
      {
        g_autoptr(TbVerdict) one = tb_verdict_for_run (data, 0);

        if (one->tied_with_best != NULL && g_strv_length (one->tied_with_best) == 1)
          count_up (summary->wins, one->tied_with_best[0]);
        for (guint m = 0; m < one->models->len; m++)
          {
            TbModelVerdict *model = g_ptr_array_index (one->models, m);

            if (model->has_mean)
              count_up (summary->model_runs, model->model);
          }
      }
      let_go (data);
      g_ptr_array_add (runs, data);
    }
  summary->verdict = tb_verdict_for_runs (runs, inputs_per_month, usecase_id);
  return g_steal_pointer (&summary);
}

/* What the cache keeps of a summary: all of it. */
static void
add_counts (JsonBuilder *builder,
            const char  *name,
            GHashTable  *counts)
{
  GHashTableIter iter;
  gpointer key, value;

  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    tb_json_add_int (builder, key, GPOINTER_TO_UINT (value));
  json_builder_end_object (builder);
}

static char *
summary_to_cache (const TbUsecaseSummary *summary)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  tb_json_add_int (builder, "runs", summary->runs);
  tb_json_add_int (builder, "judged_runs", summary->judged_runs);
  add_counts (builder, "model_runs", summary->model_runs);
  add_counts (builder, "wins", summary->wins);
  g_ptr_array_add (summary->warnings, NULL);
  tb_json_add_strv (builder, "warnings", (const char * const *) summary->warnings->pdata);
  g_ptr_array_remove_index (summary->warnings, summary->warnings->len - 1);
  tb_json_add_node (builder, "verdict", tb_verdict_to_json (summary->verdict));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return tb_json_to_string (root, FALSE);
}

static void
get_counts (JsonObject *object,
            const char *name,
            GHashTable *counts)
{
  JsonObject *members = tb_json_get_object (object, name);
  GList *names = members != NULL ? json_object_get_members (members) : NULL;

  for (GList *l = names; l != NULL; l = l->next)
    g_hash_table_replace (counts, g_strdup (l->data),
                          GUINT_TO_POINTER (tb_json_get_uint (members, l->data, 0)));
  g_list_free (names);
}

static TbUsecaseSummary *
summary_from_cache (const char *usecase_id,
                    const char *text)
{
  g_autoptr(JsonNode) node = tb_json_parse (text, -1, "index", NULL);
  g_autoptr(TbUsecaseSummary) summary = NULL;
  JsonObject *object;
  g_auto(GStrv) warnings = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  summary = summary_new (usecase_id);
  summary->verdict = tb_verdict_from_json (tb_json_member (object, "verdict"));
  if (summary->verdict == NULL)
    return NULL;
  summary->runs = tb_json_get_uint (object, "runs", 0);
  summary->judged_runs = tb_json_get_uint (object, "judged_runs", 0);
  get_counts (object, "model_runs", summary->model_runs);
  get_counts (object, "wins", summary->wins);
  warnings = tb_json_get_strv (object, "warnings");
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    g_ptr_array_add (summary->warnings, g_strdup (warnings[i]));
  return g_steal_pointer (&summary);
}

/* Bumped when what the summary says of the same runs changes. */
#define CACHE_FORMAT "2"

TbUsecaseSummary *
tb_usecase_summary_load (TbStore       *store,
                         TbIndex       *index,
                         const char    *usecase_id,
                         gint64         inputs_per_month,
                         GCancellable  *cancellable,
                         GError       **error)
{
  g_autofree char *runs_digest = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *name = NULL;
  g_autofree char *cached = NULL;
  TbUsecaseSummary *summary;

  g_return_val_if_fail (TB_IS_STORE (store), NULL);
  g_return_val_if_fail (index == NULL || TB_IS_INDEX (index), NULL);
  g_return_val_if_fail (usecase_id != NULL, NULL);

  /* 3,000 runs are 15,000 files to read and a bootstrap each: done once per state of the
   * runs' files, then kept in the index. */
  runs_digest = index != NULL ? tb_index_usecase_digest (index, usecase_id) : NULL;
  if (runs_digest != NULL)
    {
      name = g_strconcat ("summary:", usecase_id, NULL);
      digest = g_strdup_printf ("%s %" G_GINT64_FORMAT " %s %s", runs_digest, inputs_per_month,
                                PACKAGE_VERSION, CACHE_FORMAT);
      cached = tb_index_cache_get (index, name, digest);
      summary = cached != NULL ? summary_from_cache (usecase_id, cached) : NULL;
      if (summary != NULL)
        return summary;
    }

  summary = summary_read (store, usecase_id, inputs_per_month, cancellable, error);
  if (summary != NULL && digest != NULL)
    {
      g_autofree char *text = summary_to_cache (summary);

      tb_index_cache_put (index, name, digest, text);
    }
  return summary;
}

void
tb_usecase_summary_free (TbUsecaseSummary *summary)
{
  if (summary == NULL)
    return;
  g_free (summary->usecase);
  g_clear_pointer (&summary->verdict, tb_verdict_free);
  g_clear_pointer (&summary->model_runs, g_hash_table_unref);
  g_clear_pointer (&summary->wins, g_hash_table_unref);
  g_clear_pointer (&summary->warnings, g_ptr_array_unref);
  g_free (summary);
}

guint
tb_usecase_summary_runs_of (const TbUsecaseSummary *summary,
                            const char             *model)
{
  g_return_val_if_fail (summary != NULL, 0);
  return GPOINTER_TO_UINT (g_hash_table_lookup (summary->model_runs, model));
}

guint
tb_usecase_summary_wins_of (const TbUsecaseSummary *summary,
                            const char             *model)
{
  g_return_val_if_fail (summary != NULL, 0);
  return GPOINTER_TO_UINT (g_hash_table_lookup (summary->wins, model));
}

JsonNode *
tb_usecase_summary_to_json (const TbUsecaseSummary *summary)
{
  JsonNode *node;
  JsonArray *models;

  g_return_val_if_fail (summary != NULL, NULL);

  node = tb_verdict_to_json (summary->verdict);
  models = json_object_get_array_member (json_node_get_object (node), "models");
  /* Per model, beside its pooled verdict: the runs it was scored in and won. */
  for (guint i = 0; models != NULL && i < json_array_get_length (models); i++)
    {
      JsonObject *entry = json_array_get_object_element (models, i);
      const char *model = json_object_get_string_member (entry, "model");

      json_object_set_int_member (entry, "runs", tb_usecase_summary_runs_of (summary, model));
      json_object_set_int_member (entry, "wins", tb_usecase_summary_wins_of (summary, model));
    }
  return node;
}
