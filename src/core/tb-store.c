/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "tb-error.h"
#include "tb-store.h"
#include "tb-util.h"

#define RUN_ID_LENGTH 21   /* YYYYMMDDTHHMMSSZ-xxxx */
#define LOCK_NAME ".lock"

/* ---------------------------------------------------------------------------------------- */
/* JSON helpers                                                                              */

static JsonNode *
member_node (JsonObject *object,
             const char *name)
{
  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  return json_object_get_member (object, name);
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = member_node (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
node_is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

static gboolean
get_double (JsonObject *object,
            const char *name,
            double     *value)
{
  JsonNode *node = member_node (object, name);

  if (!node_is_number (node))
    {
      *value = 0;
      return FALSE;
    }
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    *value = (double) json_node_get_int (node);
  else
    *value = json_node_get_double (node);
  return TRUE;
}

static gint64
get_int (JsonObject *object,
         const char *name)
{
  JsonNode *node = member_node (object, name);

  if (!node_is_number (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);
  return json_node_get_int (node);
}

static gboolean
get_bool (JsonObject *object,
          const char *name)
{
  JsonNode *node = member_node (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  return json_node_get_boolean (node);
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = member_node (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

static JsonArray *
get_array (JsonObject *object,
           const char *name)
{
  JsonNode *node = member_node (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

/* NULL when the member is absent or null; string elements only. */
static GStrv
get_strv (JsonObject *object,
          const char *name)
{
  JsonArray *array = get_array (object, name);
  g_autoptr(GStrvBuilder) builder = NULL;

  if (array == NULL)
    return NULL;

  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element)
          && json_node_get_value_type (element) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (element));
    }
  return g_strv_builder_end (builder);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_strv (JsonBuilder       *builder,
          const char        *name,
          const char *const *values)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_double (JsonBuilder *builder,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_double_value (builder, value);
}

static void
add_node (JsonBuilder *builder,
          const char  *name,
          JsonNode    *node)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_value (builder, node);
}

static JsonNode *
read_json_file (const char  *path,
                GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_file (parser, path, error))
    {
      g_prefix_error (error, _("Could not read %s: "), path);
      return NULL;
    }
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Could not read %s: the file is empty"),
                   path);
      return NULL;
    }
  return json_parser_steal_root (parser);
}

static gboolean
write_json_file (const char  *path,
                 JsonNode    *node,
                 GError     **error)
{
  g_autofree char *text = tb_json_to_string (node, TRUE);
  g_autofree char *with_newline = NULL;

  with_newline = g_strconcat (text, "\n", NULL);

  return tb_write_file_atomic (path, with_newline, -1, error);
}

static gboolean
require_object (JsonNode    *node,
                const char  *what,
                GError     **error)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("%s is not a JSON object"), what);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------------------- */
/* Costs and usage                                                                           */

void
tb_cost_settle (TbCost *cost)
{
  g_return_if_fail (cost != NULL);

  if (cost->has_billed)
    {
      cost->source = "billed";
      cost->usd = cost->billed_usd;
    }
  else if (cost->has_inline)
    {
      cost->source = "inline";
      cost->usd = cost->inline_usd;
    }
  else
    {
      cost->source = "estimate";
      cost->usd = cost->estimate_usd;
    }
}

JsonNode *
tb_cost_to_json (const TbCost *cost)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  TbCost settled = *cost;

  /* The stored usd and source always follow from the amounts, whatever the caller left. */
  tb_cost_settle (&settled);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "inline_usd");
  if (settled.has_inline)
    json_builder_add_double_value (builder, settled.inline_usd);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "billed_usd");
  if (settled.has_billed)
    json_builder_add_double_value (builder, settled.billed_usd);
  else
    json_builder_add_null_value (builder);
  add_double (builder, "estimate_usd", settled.estimate_usd);
  add_double (builder, "usd", settled.usd);
  add_string (builder, "source", settled.source);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

void
tb_cost_from_json (TbCost     *cost,
                   JsonObject *object)
{
  g_return_if_fail (cost != NULL);

  memset (cost, 0, sizeof *cost);
  if (object != NULL)
    {
      cost->has_inline = get_double (object, "inline_usd", &cost->inline_usd);
      cost->has_billed = get_double (object, "billed_usd", &cost->billed_usd);
      get_double (object, "estimate_usd", &cost->estimate_usd);
    }
  tb_cost_settle (cost);
}

static JsonNode *
usage_to_json (const TbUsage *usage)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_int (builder, "prompt_tokens", usage->prompt_tokens);
  add_int (builder, "completion_tokens", usage->completion_tokens);
  add_int (builder, "reasoning_tokens", usage->reasoning_tokens);
  add_int (builder, "cached_tokens", usage->cached_tokens);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static void
usage_from_json (TbUsage    *usage,
                 JsonObject *object)
{
  memset (usage, 0, sizeof *usage);
  if (object == NULL)
    return;
  usage->prompt_tokens = get_int (object, "prompt_tokens");
  usage->completion_tokens = get_int (object, "completion_tokens");
  usage->reasoning_tokens = get_int (object, "reasoning_tokens");
  usage->cached_tokens = get_int (object, "cached_tokens");
}

static void
usage_add (TbUsage       *into,
           const TbUsage *part)
{
  into->prompt_tokens += part->prompt_tokens;
  into->completion_tokens += part->completion_tokens;
  into->reasoning_tokens += part->reasoning_tokens;
  into->cached_tokens += part->cached_tokens;
}

static gboolean
usage_is_empty (const TbUsage *usage)
{
  return usage->prompt_tokens == 0 && usage->completion_tokens == 0
         && usage->reasoning_tokens == 0 && usage->cached_tokens == 0;
}

static gboolean
cost_is_empty (const TbCost *cost)
{
  return !cost->has_inline && !cost->has_billed && cost->estimate_usd == 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Outputs                                                                                   */

TbOutput *
tb_output_new (const char *model)
{
  TbOutput *output = g_new0 (TbOutput, 1);

  output->model = g_strdup (model);
  tb_cost_settle (&output->cost);
  return output;
}

void
tb_output_free (TbOutput *output)
{
  if (output == NULL)
    return;
  g_free (output->model);
  g_free (output->status);
  g_free (output->content);
  g_free (output->finish_reason);
  g_strfreev (output->format_errors);
  g_free (output->generation_id);
  g_strfreev (output->generation_ids);
  g_free (output->provider);
  g_free (output->error_message);
  g_free (output->updated_at);
  g_free (output);
}

JsonNode *
tb_output_to_json (const TbOutput *output)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (output != NULL, NULL);

  json_builder_begin_object (builder);
  add_string (builder, "model", output->model);
  add_string (builder, "status", output->status);
  add_string (builder, "content", output->content);
  add_string (builder, "finish_reason", output->finish_reason);

  json_builder_set_member_name (builder, "format_check");
  if (output->has_format_check)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "valid");
      json_builder_add_boolean_value (builder, output->format_valid);
      add_strv (builder, "errors", (const char *const *) output->format_errors);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);

  add_node (builder, "usage", usage_to_json (&output->usage));
  add_node (builder, "cost", tb_cost_to_json (&output->cost));
  add_string (builder, "generation_id", output->generation_id);
  add_string (builder, "provider", output->provider);
  add_int (builder, "latency_ms", output->latency_ms);
  add_int (builder, "attempts", output->attempts);

  json_builder_set_member_name (builder, "error");
  if (output->error_message != NULL || output->error_http_status != 0)
    {
      json_builder_begin_object (builder);
      add_int (builder, "http_status", output->error_http_status);
      add_string (builder, "message", output->error_message);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);

  add_int (builder, "chunks", output->chunks);
  json_builder_set_member_name (builder, "generation_ids");
  if (output->generation_ids != NULL)
    {
      json_builder_begin_array (builder);
      for (guint i = 0; output->generation_ids[i] != NULL; i++)
        json_builder_add_string_value (builder, output->generation_ids[i]);
      json_builder_end_array (builder);
    }
  else
    json_builder_add_null_value (builder);
  add_string (builder, "updated_at", output->updated_at);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

TbOutput *
tb_output_from_json (JsonNode  *node,
                     GError   **error)
{
  g_autoptr(TbOutput) output = NULL;
  JsonObject *object;
  JsonObject *format_check;
  JsonObject *error_object;
  const char *model;

  if (!require_object (node, "The output", error))
    return NULL;
  object = json_node_get_object (node);

  model = get_string (object, "model");
  if (model == NULL || *model == '\0')
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("The output has no \"model\""));
      return NULL;
    }

  output = tb_output_new (model);
  output->status = g_strdup (get_string (object, "status"));
  output->content = g_strdup (get_string (object, "content"));
  output->finish_reason = g_strdup (get_string (object, "finish_reason"));

  format_check = get_object (object, "format_check");
  if (format_check != NULL)
    {
      output->has_format_check = TRUE;
      output->format_valid = get_bool (format_check, "valid");
      output->format_errors = get_strv (format_check, "errors");
    }

  usage_from_json (&output->usage, get_object (object, "usage"));
  tb_cost_from_json (&output->cost, get_object (object, "cost"));
  output->generation_id = g_strdup (get_string (object, "generation_id"));
  output->generation_ids = get_strv (object, "generation_ids");
  output->provider = g_strdup (get_string (object, "provider"));
  output->latency_ms = get_int (object, "latency_ms");
  output->attempts = (guint) CLAMP (get_int (object, "attempts"), 0, G_MAXUINT);
  output->chunks = (guint) CLAMP (get_int (object, "chunks"), 0, G_MAXUINT);

  error_object = get_object (object, "error");
  if (error_object != NULL)
    {
      output->error_http_status =
        (guint) CLAMP (get_int (error_object, "http_status"), 0, G_MAXUINT);
      output->error_message = g_strdup (get_string (error_object, "message"));
    }
  output->updated_at = g_strdup (get_string (object, "updated_at"));

  return g_steal_pointer (&output);
}

char *
tb_model_slug (const char *model)
{
  GString *slug;

  g_return_val_if_fail (model != NULL, NULL);

  slug = g_string_sized_new (strlen (model) + 4);
  for (const char *p = model; *p != '\0'; p++)
    {
      if (*p == '/')
        g_string_append (slug, "__");
      else if (g_ascii_isalnum (*p) || *p == '-' || *p == '_'
               || (*p == '.' && p != model))
        g_string_append_c (slug, *p);
      else
        g_string_append_c (slug, '_');   /* also a leading '.': no hidden files */
    }
  if (slug->len == 0)
    g_string_append_c (slug, '_');
  return g_string_free (slug, FALSE);
}

/* ---------------------------------------------------------------------------------------- */
/* Runs                                                                                      */

TbRun *
tb_run_new (void)
{
  return g_new0 (TbRun, 1);
}

void
tb_run_free (TbRun *run)
{
  if (run == NULL)
    return;
  g_free (run->id);
  g_free (run->usecase);
  g_free (run->usecase_snapshot);
  g_free (run->input_name);
  g_free (run->input_sha256);
  g_free (run->input_file);
  g_strfreev (run->models);
  g_free (run->created_at);
  g_free (run->status);
  g_free (run->version);
  g_free (run->dir);
  g_free (run);
}

JsonNode *
tb_run_to_json (const TbRun *run)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (run != NULL, NULL);

  json_builder_begin_object (builder);
  add_string (builder, "id", run->id);
  add_string (builder, "usecase", run->usecase);
  add_string (builder, "usecase_snapshot", run->usecase_snapshot);

  json_builder_set_member_name (builder, "input");
  json_builder_begin_object (builder);
  add_string (builder, "name", run->input_name);
  add_string (builder, "sha256", run->input_sha256);
  add_int (builder, "bytes", run->input_bytes);
  add_string (builder, "file", run->input_file);
  json_builder_end_object (builder);

  add_strv (builder, "models", (const char *const *) run->models);
  add_string (builder, "created_at", run->created_at);
  add_string (builder, "status", run->status);
  add_string (builder, "version", run->version != NULL ? run->version : PACKAGE_VERSION);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

TbRun *
tb_run_from_json (JsonNode  *node,
                  GError   **error)
{
  g_autoptr(TbRun) run = NULL;
  JsonObject *object;
  JsonObject *input;
  const char *id;

  if (!require_object (node, "The run", error))
    return NULL;
  object = json_node_get_object (node);

  id = get_string (object, "id");
  if (id == NULL || *id == '\0')
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("The run has no \"id\""));
      return NULL;
    }

  run = tb_run_new ();
  run->id = g_strdup (id);
  run->usecase = g_strdup (get_string (object, "usecase"));
  run->usecase_snapshot = g_strdup (get_string (object, "usecase_snapshot"));
  input = get_object (object, "input");
  if (input != NULL)
    {
      run->input_name = g_strdup (get_string (input, "name"));
      run->input_sha256 = g_strdup (get_string (input, "sha256"));
      run->input_bytes = get_int (input, "bytes");
      run->input_file = g_strdup (get_string (input, "file"));
    }
  run->models = get_strv (object, "models");
  if (run->models == NULL)
    run->models = g_new0 (char *, 1);
  run->created_at = g_strdup (get_string (object, "created_at"));
  run->status = g_strdup (get_string (object, "status"));
  run->version = g_strdup (get_string (object, "version"));

  return g_steal_pointer (&run);
}

/* ---------------------------------------------------------------------------------------- */
/* Scores and judgments                                                                      */

TbScore *
tb_score_new (const char *model)
{
  TbScore *score = g_new0 (TbScore, 1);

  score->model = g_strdup (model);
  score->criteria = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  tb_cost_settle (&score->cost);
  return score;
}

void
tb_score_free (TbScore *score)
{
  if (score == NULL)
    return;
  g_free (score->model);
  g_clear_pointer (&score->criteria, g_hash_table_unref);
  g_strfreev (score->criteria_order);
  g_strfreev (score->violations);
  g_free (score->reasoning);
  g_free (score->error);
  g_free (score);
}

static int
compare_string_pointers (gconstpointer a,
                         gconstpointer b,
                         gpointer      user_data)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static JsonNode *
score_to_json (const TbScore *score)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GHashTable) written = g_hash_table_new (g_str_hash, g_str_equal);

  json_builder_begin_object (builder);
  add_string (builder, "model", score->model);

  json_builder_set_member_name (builder, "criteria");
  json_builder_begin_object (builder);
  if (score->criteria != NULL)
    {
      g_autofree gpointer *rest = NULL;
      guint n_rest = 0;

      for (guint i = 0; score->criteria_order != NULL && score->criteria_order[i]; i++)
        {
          const char *name = score->criteria_order[i];
          double *value = g_hash_table_lookup (score->criteria, name);

          if (value == NULL || g_hash_table_contains (written, name))
            continue;
          add_double (builder, name, *value);
          g_hash_table_add (written, (gpointer) name);
        }

      /* Criteria outside the rubric's order still belong in the file; sorted, so the
       * output does not depend on hash order. */
      rest = g_hash_table_get_keys_as_array (score->criteria, &n_rest);
      g_qsort_with_data (rest, n_rest, sizeof (gpointer), compare_string_pointers, NULL);
      for (guint i = 0; i < n_rest; i++)
        {
          const char *name = rest[i];

          if (g_hash_table_contains (written, name))
            continue;
          add_double (builder, name, *(double *) g_hash_table_lookup (score->criteria, name));
        }
    }
  json_builder_end_object (builder);

  add_double (builder, "overall", score->overall);
  add_strv (builder, "violations", (const char *const *) score->violations);
  add_string (builder, "reasoning", score->reasoning);
  add_string (builder, "error", score->error);
  add_int (builder, "output_chars", score->output_chars);
  add_node (builder, "usage", usage_to_json (&score->usage));
  add_node (builder, "cost", tb_cost_to_json (&score->cost));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static TbScore *
score_from_json (JsonObject *object)
{
  TbScore *score = tb_score_new (get_string (object, "model"));
  JsonObject *criteria = get_object (object, "criteria");

  if (criteria != NULL)
    {
      g_autoptr(GStrvBuilder) order = g_strv_builder_new ();
      GList *names = json_object_get_members (criteria);

      /* json-glib keeps members in file order, which is the rubric's order. */
      for (GList *l = names; l != NULL; l = l->next)
        {
          double value;

          if (!get_double (criteria, l->data, &value))
            continue;
          g_hash_table_replace (score->criteria, g_strdup (l->data),
                                g_memdup2 (&value, sizeof value));
          g_strv_builder_add (order, l->data);
        }
      g_list_free (names);
      score->criteria_order = g_strv_builder_end (order);
    }

  get_double (object, "overall", &score->overall);
  score->violations = get_strv (object, "violations");
  score->reasoning = g_strdup (get_string (object, "reasoning"));
  score->error = g_strdup (get_string (object, "error"));
  score->output_chars = get_int (object, "output_chars");
  usage_from_json (&score->usage, get_object (object, "usage"));
  tb_cost_from_json (&score->cost, get_object (object, "cost"));

  return score;
}

TbJudgment *
tb_judgment_new (void)
{
  TbJudgment *judgment = g_new0 (TbJudgment, 1);

  judgment->scores = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_score_free);
  tb_cost_settle (&judgment->cost);
  return judgment;
}

void
tb_judgment_free (TbJudgment *judgment)
{
  if (judgment == NULL)
    return;
  g_free (judgment->judge_model);
  g_free (judgment->created_at);
  g_free (judgment->prompt_sha256);
  g_clear_pointer (&judgment->scores, g_ptr_array_unref);
  g_free (judgment->best_overall);
  g_free (judgment->best_value);
  g_free (judgment->budget_pick);
  g_free (judgment->file);
  g_free (judgment);
}

JsonNode *
tb_judgment_to_json (const TbJudgment *judgment)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (judgment != NULL, NULL);

  json_builder_begin_object (builder);
  add_string (builder, "judge_model", judgment->judge_model);
  add_string (builder, "created_at", judgment->created_at);
  add_string (builder, "prompt_sha256", judgment->prompt_sha256);

  json_builder_set_member_name (builder, "scores");
  json_builder_begin_array (builder);
  for (guint i = 0; judgment->scores != NULL && i < judgment->scores->len; i++)
    json_builder_add_value (builder, score_to_json (g_ptr_array_index (judgment->scores, i)));
  json_builder_end_array (builder);

  add_node (builder, "cost", tb_cost_to_json (&judgment->cost));
  add_node (builder, "usage", usage_to_json (&judgment->usage));

  json_builder_set_member_name (builder, "recommendation");
  json_builder_begin_object (builder);
  add_string (builder, "best_overall", judgment->best_overall);
  add_string (builder, "best_value", judgment->best_value);
  add_string (builder, "budget_pick", judgment->budget_pick);
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

TbJudgment *
tb_judgment_from_json (JsonNode  *node,
                       GError   **error)
{
  g_autoptr(TbJudgment) judgment = NULL;
  JsonObject *object;
  JsonObject *recommendation;
  JsonArray *scores;

  if (!require_object (node, "The judgment", error))
    return NULL;
  object = json_node_get_object (node);

  judgment = tb_judgment_new ();
  judgment->judge_model = g_strdup (get_string (object, "judge_model"));
  judgment->created_at = g_strdup (get_string (object, "created_at"));
  judgment->prompt_sha256 = g_strdup (get_string (object, "prompt_sha256"));

  scores = get_array (object, "scores");
  for (guint i = 0; scores != NULL && i < json_array_get_length (scores); i++)
    {
      JsonNode *element = json_array_get_element (scores, i);

      if (JSON_NODE_HOLDS_OBJECT (element))
        g_ptr_array_add (judgment->scores, score_from_json (json_node_get_object (element)));
    }

  tb_cost_from_json (&judgment->cost, get_object (object, "cost"));
  usage_from_json (&judgment->usage, get_object (object, "usage"));

  recommendation = get_object (object, "recommendation");
  if (recommendation != NULL)
    {
      judgment->best_overall = g_strdup (get_string (recommendation, "best_overall"));
      judgment->best_value = g_strdup (get_string (recommendation, "best_value"));
      judgment->budget_pick = g_strdup (get_string (recommendation, "budget_pick"));
    }

  return g_steal_pointer (&judgment);
}

static const TbOutput *
find_output (GPtrArray  *outputs,
             const char *model)
{
  for (guint i = 0; outputs != NULL && i < outputs->len; i++)
    {
      const TbOutput *output = g_ptr_array_index (outputs, i);

      if (g_strcmp0 (output->model, model) == 0)
        return output;
    }
  return NULL;
}

void
tb_judgment_recommend (TbJudgment *judgment,
                       GPtrArray  *outputs)
{
  const TbScore *best_overall = NULL;
  const TbScore *best_value = NULL;
  const TbScore *budget_pick = NULL;
  double best_value_ratio = 0;
  double best_value_overall = 0;
  double budget_usd = 0;

  g_return_if_fail (judgment != NULL);

  for (guint i = 0; judgment->scores != NULL && i < judgment->scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (judgment->scores, i);
      const TbOutput *output;
      double usd;
      double ratio;

      if (score->error != NULL || score->model == NULL)
        continue;

      if (best_overall == NULL || score->overall > best_overall->overall)
        best_overall = score;

      /* Value and budget need the candidate's cost; without its output we cannot tell. */
      output = find_output (outputs, score->model);
      if (output == NULL)
        continue;
      {
        TbCost cost = output->cost;

        tb_cost_settle (&cost);
        usd = MAX (cost.usd, 0);
      }

      /* A free output divides by almost nothing, so it ranks first among equal scores;
       * an output worth nothing is no value at any price. */
      ratio = score->overall / MAX (usd, 1e-9);
      if (score->overall > 0
          && (best_value == NULL || ratio > best_value_ratio
              || (ratio == best_value_ratio && score->overall > best_value_overall)))
        {
          best_value = score;
          best_value_ratio = ratio;
          best_value_overall = score->overall;
        }

      if (score->overall >= 70
          && (budget_pick == NULL || usd < budget_usd
              || (usd == budget_usd && score->overall > budget_pick->overall)))
        {
          budget_pick = score;
          budget_usd = usd;
        }
    }

  g_free (judgment->best_overall);
  judgment->best_overall = best_overall != NULL ? g_strdup (best_overall->model) : NULL;
  g_free (judgment->best_value);
  judgment->best_value = best_value != NULL ? g_strdup (best_value->model) : NULL;
  g_free (judgment->budget_pick);
  judgment->budget_pick = budget_pick != NULL ? g_strdup (budget_pick->model) : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Names                                                                                     */

static gboolean
is_run_id (const char *id)
{
  if (id == NULL || strlen (id) != RUN_ID_LENGTH)
    return FALSE;
  for (guint i = 0; i < RUN_ID_LENGTH; i++)
    {
      char c = id[i];
      gboolean ok;

      if (i == 8)
        ok = c == 'T';
      else if (i == 15)
        ok = c == 'Z';
      else if (i == 16)
        ok = c == '-';
      else if (i > 16)
        ok = g_ascii_isdigit (c) || (c >= 'a' && c <= 'f');
      else
        ok = g_ascii_isdigit (c);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* [a-z0-9][a-z0-9_-]{0,63}, as for use case files; never a path. */
static gboolean
is_usecase_id (const char *id)
{
  gsize length;

  if (id == NULL)
    return FALSE;
  length = strlen (id);
  if (length == 0 || length > 64)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    {
      char c = id[i];

      if (!(g_ascii_isdigit (c) || (c >= 'a' && c <= 'z')
            || (i > 0 && (c == '_' || c == '-'))))
        return FALSE;
    }
  return TRUE;
}

/* A plain file name inside a folder: no separators, no "." or "..". */
static gboolean
is_plain_name (const char *name)
{
  return name != NULL && *name != '\0' && strchr (name, '/') == NULL
         && strcmp (name, ".") != 0 && strcmp (name, "..") != 0;
}

char *
tb_store_new_run_id (void)
{
  g_autofree char *now = tb_utc_now_compact ();

  return g_strdup_printf ("%s-%04x", now, (guint) g_random_int_range (0, 0x10000));
}

/* "input.<ext>": the extension of `file`, else of `name`, else txt; letters and digits
 * only, so it can never escape the run folder. */
static char *
input_file_name (const char *file,
                 const char *name)
{
  const char *sources[] = { file, name };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autofree char *base = NULL;
      const char *dot;
      GString *ext;

      if (sources[i] == NULL)
        continue;
      base = g_path_get_basename (sources[i]);
      dot = strrchr (base, '.');
      if (dot == NULL || dot == base || dot[1] == '\0')
        continue;

      ext = g_string_new (NULL);
      for (const char *p = dot + 1; *p != '\0' && ext->len < 16; p++)
        if (g_ascii_isalnum (*p))
          g_string_append_c (ext, g_ascii_tolower (*p));
      if (ext->len > 0)
        {
          char *result = g_strconcat ("input.", ext->str, NULL);

          g_string_free (ext, TRUE);
          return result;
        }
      g_string_free (ext, TRUE);
    }
  return g_strdup ("input.txt");
}

/* ---------------------------------------------------------------------------------------- */
/* File system helpers                                                                       */

static gboolean
remove_tree (const char  *path,
             GError     **error)
{
  GStatBuf info;

  if (g_lstat (path, &info) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == ENOENT)
        return TRUE;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not remove %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  /* lstat: a symbolic link is removed itself, never followed out of the run folder. */
  if (S_ISDIR (info.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, error);
      const char *name;

      if (dir == NULL)
        return FALSE;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (!remove_tree (child, error))
            return FALSE;
        }
      if (g_rmdir (path) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       _("Could not remove %s: %s"), path, g_strerror (saved_errno));
          return FALSE;
        }
      return TRUE;
    }

  if (g_unlink (path) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not remove %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/* Names of the visible entries of a folder, sorted; empty when it cannot be read. */
static GPtrArray *
list_dir (const char *path,
          gboolean    directories)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return names;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = NULL;

      if (name[0] == '.')
        continue;
      child = g_build_filename (path, name, NULL);
      if (directories != g_file_test (child, G_FILE_TEST_IS_DIR))
        continue;
      g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort_with_data (names, compare_string_pointers, NULL);
  return names;
}

/* ---------------------------------------------------------------------------------------- */
/* Locks                                                                                     */

static gboolean
pid_is_live (pid_t pid)
{
  if (pid <= 0)
    return FALSE;
  if (pid == getpid ())
    return TRUE;
  if (kill (pid, 0) == 0)
    return TRUE;
  /* EPERM: it exists but belongs to someone else — still alive. */
  return errno == EPERM;
}

/* The pid in a lock file, 0 when there is no (readable) lock. */
static pid_t
read_lock_pid (const char *run_dir)
{
  g_autofree char *path = g_build_filename (run_dir, LOCK_NAME, NULL);
  g_autofree char *text = NULL;
  char *end = NULL;
  gint64 pid;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  pid = g_ascii_strtoll (text, &end, 10);
  if (end == text || pid <= 0 || pid > G_MAXINT)
    return 0;
  return (pid_t) pid;
}

static gboolean
run_is_locked_live (const char *run_dir)
{
  return pid_is_live (read_lock_pid (run_dir));
}

/* ---------------------------------------------------------------------------------------- */
/* The store                                                                                 */

struct _TbStore
{
  GObject parent_instance;

  char *home;
};

G_DEFINE_FINAL_TYPE (TbStore, tb_store, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HOME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tb_store_constructed (GObject *object)
{
  TbStore *self = TB_STORE (object);

  G_OBJECT_CLASS (tb_store_parent_class)->constructed (object);

  if (self->home == NULL)
    self->home = tb_resolve_home (NULL);
}

static void
tb_store_finalize (GObject *object)
{
  TbStore *self = TB_STORE (object);

  g_clear_pointer (&self->home, g_free);

  G_OBJECT_CLASS (tb_store_parent_class)->finalize (object);
}

static void
tb_store_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  TbStore *self = TB_STORE (object);

  switch (prop_id)
    {
    case PROP_HOME:
      g_value_set_string (value, self->home);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_store_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  TbStore *self = TB_STORE (object);

  switch (prop_id)
    {
    case PROP_HOME:
      g_free (self->home);
      self->home = g_value_get_string (value) != NULL
                   ? g_canonicalize_filename (g_value_get_string (value), NULL)
                   : NULL;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_store_class_init (TbStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tb_store_constructed;
  object_class->finalize = tb_store_finalize;
  object_class->get_property = tb_store_get_property;
  object_class->set_property = tb_store_set_property;

  properties[PROP_HOME] =
    g_param_spec_string ("home", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_store_init (TbStore *self)
{
}

TbStore *
tb_store_new (const char *home)
{
  return g_object_new (TB_TYPE_STORE, "home", home, NULL);
}

const char *
tb_store_get_home (TbStore *self)
{
  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  return self->home;
}

char *
tb_store_usecases_dir (TbStore *self)
{
  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  return g_build_filename (self->home, "usecases", NULL);
}

char *
tb_store_results_dir (TbStore *self)
{
  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  return g_build_filename (self->home, "results", NULL);
}

static gboolean
require_run_dir (TbRun   *run,
                 GError **error)
{
  if (run->dir == NULL)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_FAILED, _("Run %s has no folder"),
                   run->id != NULL ? run->id : "(unnamed)");
      return FALSE;
    }
  return TRUE;
}

gboolean
tb_store_lock_run (TbStore  *self,
                   TbRun    *run,
                   GError  **error)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  pid_t holder;
  pid_t me = getpid ();

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);

  if (!require_run_dir (run, error))
    return FALSE;

  holder = read_lock_pid (run->dir);
  if (holder == me)
    return TRUE;
  if (pid_is_live (holder))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_BUSY,
                   _("Run %s is in use by another process (pid %d)"), run->id, (int) holder);
      return FALSE;
    }

  /* A missing lock, or a dead holder's: write ours over it. */
  path = g_build_filename (run->dir, LOCK_NAME, NULL);
  text = g_strdup_printf ("%d\n", (int) me);
  if (!tb_write_file_atomic (path, text, -1, error))
    {
      g_prefix_error (error, _("Could not lock run %s: "), run->id);
      return FALSE;
    }

  /* Two processes taking over the same dead lock both write; the later rename wins, and
   * the loser learns it here instead of running beside the winner. */
  holder = read_lock_pid (run->dir);
  if (holder != me)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_BUSY,
                   _("Run %s is in use by another process (pid %d)"), run->id, (int) holder);
      return FALSE;
    }
  return TRUE;
}

void
tb_store_unlock_run (TbStore *self,
                     TbRun   *run)
{
  g_autofree char *path = NULL;

  g_return_if_fail (TB_IS_STORE (self));
  g_return_if_fail (run != NULL);

  if (run->dir == NULL || read_lock_pid (run->dir) != getpid ())
    return;
  path = g_build_filename (run->dir, LOCK_NAME, NULL);
  if (g_unlink (path) != 0 && errno != ENOENT)
    g_warning ("Could not unlock run %s: %s", run->id, g_strerror (errno));
}

gboolean
tb_store_save_run (TbStore  *self,
                   TbRun    *run,
                   GError  **error)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);

  if (!require_run_dir (run, error))
    return FALSE;
  if (run->version == NULL)
    run->version = g_strdup (PACKAGE_VERSION);

  path = g_build_filename (run->dir, "run.json", NULL);
  node = tb_run_to_json (run);
  if (!write_json_file (path, node, error))
    {
      g_prefix_error (error, _("Could not save run %s: "), run->id);
      return FALSE;
    }
  return TRUE;
}

gboolean
tb_store_create_run (TbStore     *self,
                     TbRun       *run,
                     const char  *input,
                     gsize        input_length,
                     const char  *prompt,
                     GError     **error)
{
  g_autofree char *results = NULL;
  g_autofree char *usecase_dir = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *input_path = NULL;
  g_autofree char *prompt_path = NULL;
  g_autofree char *outputs_dir = NULL;
  g_autofree char *judgments_dir = NULL;
  g_autofree char *file = NULL;
  int saved_errno;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (input != NULL || input_length == 0, FALSE);

  if (!is_usecase_id (run->usecase))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("“%s” is not a valid use case id"),
                   run->usecase != NULL ? run->usecase : "");
      return FALSE;
    }
  if (run->id == NULL)
    run->id = tb_store_new_run_id ();
  else if (!is_run_id (run->id))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("“%s” is not a valid run id (expected YYYYMMDDTHHMMSSZ-xxxx)"), run->id);
      return FALSE;
    }

  results = tb_store_results_dir (self);
  usecase_dir = g_build_filename (results, run->usecase, NULL);
  if (g_mkdir_with_parents (usecase_dir, 0755) != 0)
    {
      saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create folder %s: %s"), usecase_dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* A plain mkdir, so an existing run with the same id is never reused. */
  dir = g_build_filename (usecase_dir, run->id, NULL);
  if (g_mkdir (dir, 0755) != 0)
    {
      saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create run folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  g_free (run->dir);
  run->dir = g_strdup (dir);

  file = input_file_name (run->input_file, run->input_name);
  g_free (run->input_file);
  run->input_file = g_steal_pointer (&file);
  g_free (run->input_sha256);
  run->input_sha256 = tb_sha256_hex (input != NULL ? input : "", input_length);
  run->input_bytes = (gint64) input_length;
  if (run->models == NULL)
    run->models = g_new0 (char *, 1);
  if (run->created_at == NULL)
    run->created_at = tb_utc_now_iso8601 ();
  g_free (run->status);
  run->status = g_strdup ("running");
  g_free (run->version);
  run->version = g_strdup (PACKAGE_VERSION);

  input_path = g_build_filename (dir, run->input_file, NULL);
  prompt_path = g_build_filename (dir, "prompt.txt", NULL);
  outputs_dir = g_build_filename (dir, "outputs", NULL);
  judgments_dir = g_build_filename (dir, "judgments", NULL);

  if (!tb_store_lock_run (self, run, error)
      || !tb_write_file_atomic (input_path, input != NULL ? input : "",
                                (gssize) input_length, error)
      || !tb_write_file_atomic (prompt_path, prompt != NULL ? prompt : "", -1, error))
    goto failed;

  if (g_mkdir (outputs_dir, 0755) != 0 || g_mkdir (judgments_dir, 0755) != 0)
    {
      saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create the folders of run %s: %s"), run->id,
                   g_strerror (saved_errno));
      goto failed;
    }

  if (!tb_store_save_run (self, run, error))
    goto failed;

  return TRUE;

failed:
  /* Half a run would list as a broken one; leave nothing behind. */
  remove_tree (dir, NULL);
  g_clear_pointer (&run->dir, g_free);
  return FALSE;
}

static char *
output_path (TbRun      *run,
             const char *model)
{
  g_autofree char *slug = tb_model_slug (model);
  g_autofree char *name = g_strconcat (slug, ".json", NULL);

  return g_build_filename (run->dir, "outputs", name, NULL);
}

gboolean
tb_store_write_output (TbStore         *self,
                       TbRun           *run,
                       const TbOutput  *output,
                       GError         **error)
{
  g_autofree char *path = NULL;
  g_autofree char *now = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (output != NULL && output->model != NULL, FALSE);

  if (!require_run_dir (run, error))
    return FALSE;

  path = output_path (run, output->model);
  node = tb_output_to_json (output);
  /* The store stamps every write, so readers can tell a late billed cost arrived. */
  now = tb_utc_now_iso8601 ();
  json_object_set_string_member (json_node_get_object (node), "updated_at", now);

  if (!write_json_file (path, node, error))
    {
      g_prefix_error (error, _("Could not save the output of %s: "), output->model);
      return FALSE;
    }
  return TRUE;
}

typedef struct {
  char  *base;
  guint  number;
} JudgmentName;

/* "20261125T115106Z-3.json" → ("20261125T115106Z", 3); without a suffix the number is 1. */
static JudgmentName
parse_judgment_name (const char *name)
{
  JudgmentName parsed = { NULL, 1 };
  gsize length = strlen (name);
  const char *dash;
  g_autofree char *stem = NULL;

  if (g_str_has_suffix (name, ".json"))
    length -= strlen (".json");
  stem = g_strndup (name, length);

  dash = strrchr (stem, '-');
  if (dash != NULL && dash[1] != '\0')
    {
      char *end = NULL;
      guint64 number = g_ascii_strtoull (dash + 1, &end, 10);

      if (*end == '\0' && number >= 2 && number <= G_MAXUINT)
        {
          parsed.base = g_strndup (stem, dash - stem);
          parsed.number = (guint) number;
          return parsed;
        }
    }
  parsed.base = g_steal_pointer (&stem);
  return parsed;
}

/* Newest first: later time, then a higher same-second suffix. */
static int
compare_judgment_names_desc (gconstpointer a,
                             gconstpointer b,
                             gpointer      user_data)
{
  JudgmentName na = parse_judgment_name (*(const char *const *) a);
  JudgmentName nb = parse_judgment_name (*(const char *const *) b);
  int result = strcmp (nb.base, na.base);

  if (result == 0)
    result = (nb.number > na.number) - (nb.number < na.number);
  g_free (na.base);
  g_free (nb.base);
  return result;
}

gboolean
tb_store_write_judgment (TbStore     *self,
                         TbRun       *run,
                         TbJudgment  *judgment,
                         GError     **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (judgment != NULL, FALSE);

  if (!require_run_dir (run, error))
    return FALSE;

  dir = g_build_filename (run->dir, "judgments", NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  if (judgment->created_at == NULL)
    judgment->created_at = tb_utc_now_iso8601 ();

  /* A judgment written before (the runner rewrites it as scores arrive) keeps its file. */
  if (judgment->file != NULL)
    {
      name = g_strdup (judgment->file);
      path = g_build_filename (dir, name, NULL);
    }

  /* Claim a free name with O_EXCL so two judgments in the same second — even from two
   * processes — never overwrite each other; the atomic write then replaces the claim. */
  base = tb_utc_now_compact ();
  for (guint n = 1; name == NULL; n++)
    {
      int fd;

      g_clear_pointer (&name, g_free);
      g_clear_pointer (&path, g_free);
      name = n == 1 ? g_strconcat (base, ".json", NULL)
                    : g_strdup_printf ("%s-%u.json", base, n);
      path = g_build_filename (dir, name, NULL);

      fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd >= 0)
        {
          close (fd);
          break;
        }
      if (errno != EEXIST)
        {
          int saved_errno = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                       _("Could not create %s: %s"), path, g_strerror (saved_errno));
          return FALSE;
        }
      g_clear_pointer (&name, g_free);
    }

  node = tb_judgment_to_json (judgment);
  if (!write_json_file (path, node, error))
    {
      g_unlink (path);
      g_prefix_error (error, _("Could not save the judgment of run %s: "), run->id);
      return FALSE;
    }

  g_free (judgment->file);
  judgment->file = g_steal_pointer (&name);
  return TRUE;
}

/* Reads <dir>/run.json; "running" without a live lock becomes "interrupted". */
static TbRun *
load_run_dir (const char  *dir,
              GError     **error)
{
  g_autofree char *path = g_build_filename (dir, "run.json", NULL);
  g_autoptr(JsonNode) node = NULL;
  TbRun *run;

  node = read_json_file (path, error);
  if (node == NULL)
    return NULL;
  run = tb_run_from_json (node, error);
  if (run == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  run->dir = g_strdup (dir);
  if (g_strcmp0 (run->status, "running") == 0 && !run_is_locked_live (dir))
    {
      g_free (run->status);
      run->status = g_strdup ("interrupted");
    }
  return run;
}

TbRun *
tb_store_load_run (TbStore     *self,
                   const char  *run_id,
                   GError     **error)
{
  g_autofree char *results = NULL;
  g_autoptr(GPtrArray) usecases = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), NULL);

  /* Checked before any path is built from it: an id is never a path. */
  if (!is_run_id (run_id))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("“%s” is not a run id (expected YYYYMMDDTHHMMSSZ-xxxx)"),
                   run_id != NULL ? run_id : "");
      return NULL;
    }

  results = tb_store_results_dir (self);
  usecases = list_dir (results, TRUE);
  for (guint i = 0; i < usecases->len; i++)
    {
      g_autofree char *dir = g_build_filename (results, g_ptr_array_index (usecases, i),
                                               run_id, NULL);
      g_autofree char *json = g_build_filename (dir, "run.json", NULL);

      if (g_file_test (json, G_FILE_TEST_IS_REGULAR))
        return load_run_dir (dir, error);
    }

  g_set_error (error, TB_ERROR, TB_ERROR_NOT_FOUND, _("No run %s in %s"), run_id, results);
  return NULL;
}

static int
compare_runs_newest_first (gconstpointer a,
                           gconstpointer b,
                           gpointer      user_data)
{
  const TbRun *ra = *(TbRun *const *) a;
  const TbRun *rb = *(TbRun *const *) b;

  /* Ids start with the creation time; equal seconds fall back on the random part, which
   * is at least a stable order. */
  return strcmp (rb->id, ra->id);
}

GPtrArray *
tb_store_list_runs (TbStore    *self,
                    const char *usecase_id)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_run_free);
  g_autofree char *results = NULL;
  g_autofree char *usecase_dir = NULL;
  g_autoptr(GPtrArray) names = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), runs);

  if (!is_usecase_id (usecase_id))
    return runs;

  results = tb_store_results_dir (self);
  usecase_dir = g_build_filename (results, usecase_id, NULL);
  names = list_dir (usecase_dir, TRUE);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *dir = NULL;
      g_autoptr(GError) error = NULL;
      TbRun *run;

      if (!is_run_id (name))
        continue;
      dir = g_build_filename (usecase_dir, name, NULL);
      run = load_run_dir (dir, &error);
      if (run == NULL)
        {
          g_warning ("Skipping run %s: %s", name, error->message);
          continue;
        }
      /* The folder is the truth about where the run lives. */
      if (g_strcmp0 (run->id, name) != 0)
        {
          g_free (run->id);
          run->id = g_strdup (name);
        }
      g_ptr_array_add (runs, run);
    }

  g_ptr_array_sort_with_data (runs, compare_runs_newest_first, NULL);
  return runs;
}

char *
tb_store_read_input (TbStore  *self,
                     TbRun    *run,
                     gsize    *length,
                     GError  **error)
{
  g_autofree char *path = NULL;
  char *contents = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  g_return_val_if_fail (run != NULL, NULL);

  if (!require_run_dir (run, error))
    return NULL;
  if (!is_plain_name (run->input_file))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Run %s names no valid input file"),
                   run->id);
      return NULL;
    }

  path = g_build_filename (run->dir, run->input_file, NULL);
  if (!g_file_get_contents (path, &contents, length, error))
    {
      g_prefix_error (error, _("Could not read the input of run %s: "), run->id);
      return NULL;
    }
  return contents;
}

char *
tb_store_read_prompt (TbStore  *self,
                      TbRun    *run,
                      GError  **error)
{
  g_autofree char *path = NULL;
  char *contents = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  g_return_val_if_fail (run != NULL, NULL);

  if (!require_run_dir (run, error))
    return NULL;

  path = g_build_filename (run->dir, "prompt.txt", NULL);
  if (!g_file_get_contents (path, &contents, NULL, error))
    {
      g_prefix_error (error, _("Could not read the prompt of run %s: "), run->id);
      return NULL;
    }
  return contents;
}

GPtrArray *
tb_store_load_outputs (TbStore *self,
                       TbRun   *run)
{
  GPtrArray *outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);

  g_return_val_if_fail (TB_IS_STORE (self), outputs);
  g_return_val_if_fail (run != NULL, outputs);

  if (run->dir == NULL)
    return outputs;

  for (guint i = 0; run->models != NULL && run->models[i] != NULL; i++)
    {
      g_autofree char *path = output_path (run, run->models[i]);
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) error = NULL;
      TbOutput *output;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      node = read_json_file (path, &error);
      if (node != NULL)
        output = tb_output_from_json (node, &error);
      else
        output = NULL;
      if (output == NULL)
        {
          g_warning ("Skipping output %s: %s", path, error->message);
          continue;
        }
      /* Two model ids can share a slug; a file that is another model's is not this one. */
      if (g_strcmp0 (output->model, run->models[i]) != 0)
        {
          tb_output_free (output);
          continue;
        }
      g_ptr_array_add (outputs, output);
    }
  return outputs;
}

GPtrArray *
tb_store_load_judgments (TbStore *self,
                         TbRun   *run)
{
  GPtrArray *judgments = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_judgment_free);
  g_autofree char *dir = NULL;
  g_autoptr(GPtrArray) names = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), judgments);
  g_return_val_if_fail (run != NULL, judgments);

  if (run->dir == NULL)
    return judgments;

  dir = g_build_filename (run->dir, "judgments", NULL);
  names = list_dir (dir, FALSE);
  g_ptr_array_sort_with_data (names, compare_judgment_names_desc, NULL);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *path = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) error = NULL;
      TbJudgment *judgment = NULL;
      GStatBuf info;

      if (!g_str_has_suffix (name, ".json"))
        continue;
      path = g_build_filename (dir, name, NULL);
      /* An empty file is a name claimed by a judgment still being written. */
      if (g_stat (path, &info) == 0 && info.st_size == 0)
        continue;

      node = read_json_file (path, &error);
      if (node != NULL)
        judgment = tb_judgment_from_json (node, &error);
      if (judgment == NULL)
        {
          g_warning ("Skipping judgment %s: %s", path, error->message);
          continue;
        }
      judgment->file = g_strdup (name);
      g_ptr_array_add (judgments, judgment);
    }
  return judgments;
}

gboolean
tb_store_delete_run (TbStore  *self,
                     TbRun    *run,
                     GError  **error)
{
  g_autofree char *results = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *grandparent = NULL;
  g_autofree char *base = NULL;
  g_autofree char *usecase = NULL;
  pid_t holder;
  GStatBuf info;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);

  if (!require_run_dir (run, error))
    return FALSE;

  /* Only ever results/<usecase>/<run-id>, never whatever a corrupted dir points at. */
  results = tb_store_results_dir (self);
  dir = g_canonicalize_filename (run->dir, NULL);
  base = g_path_get_basename (dir);
  parent = g_path_get_dirname (dir);
  usecase = g_path_get_basename (parent);
  grandparent = g_path_get_dirname (parent);
  if (g_strcmp0 (grandparent, results) != 0 || !is_run_id (base) || !is_plain_name (usecase)
      || usecase[0] == '.')
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("Refusing to delete %s: it is not a run folder under %s"), dir, results);
      return FALSE;
    }
  if (g_lstat (dir, &info) != 0 || !S_ISDIR (info.st_mode))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_NOT_FOUND, _("Run %s does not exist"), base);
      return FALSE;
    }

  holder = read_lock_pid (dir);
  if (holder != getpid () && pid_is_live (holder))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_BUSY,
                   _("Run %s is in use by another process (pid %d)"), base, (int) holder);
      return FALSE;
    }

  if (!remove_tree (dir, error))
    {
      g_prefix_error (error, _("Could not delete run %s: "), base);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------------------- */
/* Rollups                                                                                   */

void
tb_rollup_add (TbRollup       *into,
               const TbRollup *part)
{
  g_return_if_fail (into != NULL && part != NULL);

  into->runs += part->runs;
  into->candidate_calls += part->candidate_calls;
  into->judge_calls += part->judge_calls;
  into->candidate_usd += part->candidate_usd;
  into->judge_usd += part->judge_usd;
  into->total_usd += part->total_usd;
  usage_add (&into->candidate_usage, &part->candidate_usage);
  usage_add (&into->judge_usage, &part->judge_usage);
  into->estimated_calls += part->estimated_calls;
}

static gboolean
cost_is_estimate (const TbCost *cost)
{
  TbCost settled = *cost;

  tb_cost_settle (&settled);
  return g_strcmp0 (settled.source, "estimate") == 0 && settled.usd > 0;
}

void
tb_store_rollup_run (TbStore  *self,
                     TbRun    *run,
                     TbRollup *rollup)
{
  g_autoptr(GPtrArray) outputs = NULL;
  g_autoptr(GPtrArray) judgments = NULL;

  g_return_if_fail (TB_IS_STORE (self));
  g_return_if_fail (run != NULL && rollup != NULL);

  memset (rollup, 0, sizeof *rollup);
  rollup->runs = 1;

  outputs = tb_store_load_outputs (self, run);
  for (guint i = 0; i < outputs->len; i++)
    {
      const TbOutput *output = g_ptr_array_index (outputs, i);

      /* A call that failed before any tokens still was a call (worth $0); an output
       * cancelled before it was ever sent was not. */
      if (cost_is_empty (&output->cost) && usage_is_empty (&output->usage)
          && output->attempts == 0 && g_strcmp0 (output->status, "failed") != 0)
        continue;

      rollup->candidate_calls++;
      rollup->candidate_usd += output->cost.usd;
      usage_add (&rollup->candidate_usage, &output->usage);
      if (cost_is_estimate (&output->cost))
        rollup->estimated_calls++;
    }

  judgments = tb_store_load_judgments (self, run);
  for (guint i = 0; i < judgments->len; i++)
    {
      const TbJudgment *judgment = g_ptr_array_index (judgments, i);

      for (guint j = 0; j < judgment->scores->len; j++)
        {
          const TbScore *score = g_ptr_array_index (judgment->scores, j);

          if (cost_is_empty (&score->cost) && usage_is_empty (&score->usage))
            continue;
          rollup->judge_calls++;
          rollup->judge_usd += score->cost.usd;
          usage_add (&rollup->judge_usage, &score->usage);
          if (cost_is_estimate (&score->cost))
            rollup->estimated_calls++;
        }
    }

  rollup->total_usd = rollup->candidate_usd + rollup->judge_usd;
}

void
tb_store_rollup_usecase (TbStore    *self,
                         const char *usecase_id,
                         TbRollup   *rollup)
{
  g_autoptr(GPtrArray) runs = NULL;

  g_return_if_fail (TB_IS_STORE (self));
  g_return_if_fail (rollup != NULL);

  memset (rollup, 0, sizeof *rollup);
  runs = tb_store_list_runs (self, usecase_id);
  for (guint i = 0; i < runs->len; i++)
    {
      TbRollup part;

      tb_store_rollup_run (self, g_ptr_array_index (runs, i), &part);
      tb_rollup_add (rollup, &part);
    }
}

void
tb_store_rollup_all (TbStore    *self,
                     TbRollup   *rollup,
                     GHashTable *per_usecase)
{
  g_autofree char *results = NULL;
  g_autoptr(GPtrArray) usecases = NULL;

  g_return_if_fail (TB_IS_STORE (self));
  g_return_if_fail (rollup != NULL);

  memset (rollup, 0, sizeof *rollup);
  results = tb_store_results_dir (self);
  /* The folders, not the YAML files: a deleted use case's runs were still paid for. */
  usecases = list_dir (results, TRUE);
  for (guint i = 0; i < usecases->len; i++)
    {
      const char *id = g_ptr_array_index (usecases, i);
      TbRollup part;

      if (!is_usecase_id (id))
        continue;
      tb_store_rollup_usecase (self, id, &part);
      tb_rollup_add (rollup, &part);
      if (per_usecase != NULL)
        g_hash_table_replace (per_usecase, g_strdup (id), g_memdup2 (&part, sizeof part));
    }
}

static gboolean
copy_tree (GFile   *from,
           GFile   *to,
           GError **error)
{
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_file_make_directory_with_parents (to, NULL, &local_error)
      && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  children = g_file_enumerate_children (from,
                                        G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                        G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NONE, NULL, error);
  if (children == NULL)
    return FALSE;

  for (;;)
    {
      GFileInfo *info = NULL;
      GFile *child = NULL;
      g_autoptr(GFile) target = NULL;

      if (!g_file_enumerator_iterate (children, &info, &child, NULL, error))
        return FALSE;
      if (info == NULL)
        break;

      target = g_file_get_child (to, g_file_info_get_name (info));
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        {
          if (!copy_tree (child, target, error))
            return FALSE;
        }
      /* Overwrite: a staging folder left by an interrupted copy is simply redone. */
      else if (!g_file_copy (child, target, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error))
        return FALSE;
    }

  return TRUE;
}

gboolean
tb_store_seed_examples (TbStore  *self,
                        char    **from,
                        GError  **error)
{
  g_autofree char *usecases = NULL;
  /* Beside the running binary first, so a tree installed with DESTDIR or moved elsewhere
   * still finds its own examples; else the configured data folder; else the checkout. */
  g_autofree char *installed = tb_find_share_dir ("taskbench/usecases",
                                                  PKGDATADIR "/usecases");
  g_autofree char *staging = NULL;
  g_autofree char *source = NULL;
  g_autoptr(GFile) source_file = NULL;
  g_autoptr(GFile) staging_file = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);

  usecases = tb_store_usecases_dir (self);
  if (g_file_test (usecases, G_FILE_TEST_EXISTS))
    return FALSE;

  if (g_file_test (installed, G_FILE_TEST_IS_DIR))
    source = g_strdup (installed);
  else if (g_file_test (SOURCE_USECASES_DIR, G_FILE_TEST_IS_DIR))
    source = g_strdup (SOURCE_USECASES_DIR);
  if (source == NULL)
    return FALSE;

  /* Copied beside the target and renamed into place, so a half copy never looks like a
   * home that has its use cases. */
  staging = g_strconcat (usecases, ".seeding", NULL);
  source_file = g_file_new_for_path (source);
  staging_file = g_file_new_for_path (staging);
  if (!copy_tree (source_file, staging_file, error) || g_rename (staging, usecases) != 0)
    {
      g_prefix_error (error, _("Could not copy the example use cases into %s: "), usecases);
      if (error != NULL && *error == NULL)
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                     _("Could not copy the example use cases into %s: %s"), usecases,
                     g_strerror (errno));
      return FALSE;
    }

  if (from != NULL)
    *from = g_steal_pointer (&source);
  return TRUE;
}
