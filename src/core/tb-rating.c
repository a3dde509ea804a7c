/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-rating"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-error.h"
#include "tb-judge.h"
#include "tb-json.h"
#include "tb-rating.h"
#include "tb-store.h"
#include "tb-usecase.h"

TbRating *
tb_rating_new (const char *model)
{
  TbRating *rating = g_new0 (TbRating, 1);

  rating->model = g_strdup (model);
  rating->repeat = 0;
  rating->criteria = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return rating;
}

void
tb_rating_free (TbRating *rating)
{
  if (rating == NULL)
    return;
  g_free (rating->model);
  g_free (rating->input);
  g_clear_pointer (&rating->criteria, g_hash_table_unref);
  g_free (rating->rater);
  g_free (rating->created_at);
  g_free (rating->file);
  g_free (rating);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

JsonNode *
tb_rating_to_json (const TbRating *rating)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree gpointer *names = NULL;
  guint n = 0;

  g_return_val_if_fail (rating != NULL, NULL);

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "model", rating->model);
  tb_json_add_string (builder, "input", rating->input);
  tb_json_add_int (builder, "repeat", rating->repeat);
  tb_json_add_double (builder, "score", rating->score);
  json_builder_set_member_name (builder, "criteria");
  json_builder_begin_object (builder);
  names = g_hash_table_get_keys_as_array (rating->criteria, &n);
  qsort (names, n, sizeof (gpointer), compare_names);
  for (guint i = 0; i < n; i++)
    tb_json_add_double (builder, names[i],
                        *(double *) g_hash_table_lookup (rating->criteria, names[i]));
  json_builder_end_object (builder);
  tb_json_add_string (builder, "rater", rating->rater);
  tb_json_add_string (builder, "created_at", rating->created_at);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

TbRating *
tb_rating_from_json (JsonNode  *node,
                     GError   **error)
{
  g_autoptr(TbRating) rating = NULL;
  JsonObject *object;
  JsonObject *criteria;
  const char *model;
  double score;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID, _("The rating is not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);
  model = tb_json_get_string (object, "model");
  if (model == NULL || *model == '\0')
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID, _("The rating has no \"model\""));
      return NULL;
    }
  if (!tb_json_get_double (object, "score", &score) || score < 0 || score > 100)
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID,
                           _("The rating has no score between 0 and 100"));
      return NULL;
    }

  rating = tb_rating_new (model);
  rating->input = g_strdup (tb_json_get_string (object, "input"));
  rating->repeat = (guint) CLAMP (tb_json_get_int (object, "repeat", 0), 0, G_MAXINT);
  rating->score = score;
  criteria = tb_json_get_object (object, "criteria");
  if (criteria != NULL)
    {
      GList *names = json_object_get_members (criteria);

      for (GList *l = names; l != NULL; l = l->next)
        {
          double value;

          if (tb_json_get_double (criteria, l->data, &value) && value >= 0 && value <= 10)
            g_hash_table_replace (rating->criteria, g_strdup (l->data),
                                  g_memdup2 (&value, sizeof value));
        }
      g_list_free (names);
    }
  rating->rater = g_strdup (tb_json_get_string (object, "rater"));
  rating->created_at = g_strdup (tb_json_get_string (object, "created_at"));
  return g_steal_pointer (&rating);
}

gboolean
tb_rating_settle (TbRating                *rating,
                  const struct _TbRunData *data,
                  GError                 **error)
{
  const TbRun *run;
  g_autoptr(TbUsecase) usecase = NULL;
  g_autoptr(GPtrArray) rubric = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gboolean has_output = FALSE;

  g_return_val_if_fail (rating != NULL && data != NULL, FALSE);
  run = data->run;

  if (rating->model == NULL
      || !g_strv_contains ((const char * const *) run->models, rating->model))
    {
      g_autofree char *models = g_strjoinv (", ", run->models);

      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("Run %s has no model %s (its models: %s)"), run->id,
                   rating->model != NULL ? rating->model : "(none)", models);
      return FALSE;
    }
  if (rating->input == NULL && run->inputs->len == 1)
    rating->input = g_strdup (((TbRunInput *) g_ptr_array_index (run->inputs, 0))->key);
  if (rating->input == NULL || tb_run_find_input (run, rating->input) == NULL)
    {
      g_autoptr(GString) keys = g_string_new (NULL);

      for (guint i = 0; i < run->inputs->len; i++)
        g_string_append_printf (keys, "%s%s", i > 0 ? ", " : "",
                                ((TbRunInput *) g_ptr_array_index (run->inputs, i))->key);
      if (rating->input == NULL)
        g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                     _("Run %s has %u inputs: name the one rated with --input (%s)"), run->id,
                     run->inputs->len, keys->str);
      else
        g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                     _("Run %s has no input %s (its inputs: %s)"), run->id, rating->input,
                     keys->str);
      return FALSE;
    }
  if (rating->repeat > MAX (run->repeat, 1))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("Run %s has %u repeats: there is no repeat %u"), run->id,
                   MAX (run->repeat, 1), rating->repeat);
      return FALSE;
    }
  for (guint i = 0; i < data->outputs->len; i++)
    {
      const TbOutput *output = g_ptr_array_index (data->outputs, i);

      if (output->status == TB_OUTPUT_OK && g_strcmp0 (output->model, rating->model) == 0
          && (g_strcmp0 (output->input, rating->input) == 0
              || (output->input == NULL && run->inputs->len == 1))
          && (rating->repeat == 0 || MAX (output->repeat, 1) == rating->repeat))
        has_output = TRUE;
    }
  if (!has_output)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("%s has no answer on %s in run %s to rate"), rating->model, rating->input,
                   run->id);
      return FALSE;
    }
  if (!isfinite (rating->score) || rating->score < 0 || rating->score > 100)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("The score must be a number from 0 to 100, not %g"), rating->score);
      return FALSE;
    }

  if (run->usecase_snapshot != NULL)
    usecase = tb_usecase_parse (run->usecase, run->usecase_snapshot, -1, NULL, NULL);
  if (usecase != NULL)
    rubric = tb_judge_rubric (usecase);
  g_hash_table_iter_init (&iter, rating->criteria);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      double score = *(double *) value;
      gboolean known = rubric == NULL;

      for (guint i = 0; rubric != NULL && i < rubric->len && !known; i++)
        known = g_str_equal (((TbCriterion *) g_ptr_array_index (rubric, i))->name, key);
      if (!known)
        {
          g_autoptr(GString) names = g_string_new (NULL);

          for (guint i = 0; i < rubric->len; i++)
            g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                                    ((TbCriterion *) g_ptr_array_index (rubric, i))->name);
          g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                       _("The rubric of run %s has no criterion %s (its criteria: %s)"),
                       run->id, (char *) key, names->str);
          return FALSE;
        }
      if (!isfinite (score) || score < 0 || score > 10)
        {
          g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                       _("The criterion %s must be scored from 0 to 10, not %g"), (char *) key,
                       score);
          return FALSE;
        }
    }
  return TRUE;
}
