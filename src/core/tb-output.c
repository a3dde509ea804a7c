/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-output"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-amount.h"
#include "tb-error.h"
#include "tb-json.h"
#include "tb-output.h"
#include "tb-util.h"

/* Longest plain slug kept as it is; with "@NNN.json" it stays far below NAME_MAX. */
#define MAX_PLAIN_SLUG 160
#define HASHED_PREFIX 80

static const char * const status_names[] = {
  [TB_OUTPUT_OK] = "ok",
  [TB_OUTPUT_FAILED] = "failed",
  [TB_OUTPUT_CANCELLED] = "cancelled",
  [TB_OUTPUT_SKIPPED] = "skipped",
};

const char *
tb_output_status_to_string (TbOutputStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (status_names))
    return "failed";
  return status_names[status];
}

TbOutputStatus
tb_output_status_from_string (const char *text)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_str_equal (text, status_names[i]))
      return (TbOutputStatus) i;
  /* Anything unknown is not a usable answer. */
  return TB_OUTPUT_FAILED;
}

TbOutput *
tb_output_new (const char *model)
{
  TbOutput *output = g_new0 (TbOutput, 1);

  output->model = g_strdup (model);
  output->repeat = 1;
  output->status = TB_OUTPUT_FAILED;
  return output;
}

void
tb_output_free (TbOutput *output)
{
  if (output == NULL)
    return;
  g_free (output->model);
  g_free (output->input);
  g_free (output->content);
  g_free (output->finish_reason);
  g_free (output->native_finish_reason);
  g_strfreev (output->format_errors);
  g_free (output->generation_id);
  g_strfreev (output->generation_ids);
  g_free (output->provider);
  g_strfreev (output->providers);
  g_free (output->error_message);
  g_free (output->updated_at);
  g_free (output);
}

void
tb_output_let_go_of_details (TbOutput *output)
{
  g_return_if_fail (output != NULL);

  g_clear_pointer (&output->content, g_free);
  g_clear_pointer (&output->format_errors, g_strfreev);
  g_clear_pointer (&output->finish_reason, g_free);
  g_clear_pointer (&output->native_finish_reason, g_free);
  g_clear_pointer (&output->generation_id, g_free);
  g_clear_pointer (&output->generation_ids, g_strfreev);
  g_clear_pointer (&output->error_message, g_free);
  g_clear_pointer (&output->updated_at, g_free);
}

gboolean
tb_output_was_called (const TbOutput *output)
{
  g_return_val_if_fail (output != NULL, FALSE);

  return output->attempts > 0 || !tb_cost_is_nothing (&output->cost)
         || !tb_usage_is_empty (&output->usage) || output->status == TB_OUTPUT_OK;
}

static void
add_nullable_strv (JsonBuilder        *builder,
                   const char         *name,
                   const char * const *values)
{
  if (values != NULL)
    tb_json_add_strv (builder, name, values);
  else
    tb_json_add_null (builder, name);
}

JsonNode *
tb_output_to_json (const TbOutput *output)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (output != NULL, NULL);

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "model", output->model);
  if (output->input != NULL)
    {
      tb_json_add_string (builder, "input", output->input);
      tb_json_add_int (builder, "repeat", MAX (output->repeat, 1));
    }
  tb_json_add_string (builder, "status", tb_output_status_to_string (output->status));
  tb_json_add_string (builder, "content", output->content);
  tb_json_add_string (builder, "finish_reason", output->finish_reason);
  tb_json_add_string (builder, "native_finish_reason", output->native_finish_reason);

  json_builder_set_member_name (builder, "format_check");
  if (output->has_format_check)
    {
      json_builder_begin_object (builder);
      tb_json_add_bool (builder, "valid", output->format_valid);
      tb_json_add_strv (builder, "errors", (const char * const *) output->format_errors);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);

  tb_json_add_node (builder, "usage", tb_usage_to_json (&output->usage));
  tb_json_add_node (builder, "cost", tb_cost_to_json (&output->cost));
  tb_json_add_string (builder, "generation_id", output->generation_id);
  tb_json_add_string (builder, "provider", output->provider);
  add_nullable_strv (builder, "providers", (const char * const *) output->providers);
  tb_json_add_amount (builder, "upstream_inference_cost", output->has_upstream_cost,
                      output->upstream_usd);
  tb_json_add_bool (builder, "is_byok", output->is_byok);
  if (output->has_cache_discount)
    tb_json_add_double (builder, "cache_discount", output->cache_discount);
  else
    tb_json_add_null (builder, "cache_discount");
  json_builder_set_member_name (builder, "generation_time");
  if (output->has_generation_time)
    json_builder_add_int_value (builder, output->generation_time_ms);
  else
    json_builder_add_null_value (builder);
  tb_json_add_int (builder, "latency_ms", output->latency_ms);
  tb_json_add_int (builder, "attempts", output->attempts);

  json_builder_set_member_name (builder, "error");
  if (output->error_message != NULL || output->error_http_status != 0)
    {
      json_builder_begin_object (builder);
      tb_json_add_int (builder, "http_status", output->error_http_status);
      tb_json_add_string (builder, "message", output->error_message);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);

  tb_json_add_int (builder, "chunks", output->chunks);
  add_nullable_strv (builder, "generation_ids", (const char * const *) output->generation_ids);
  tb_json_add_string (builder, "updated_at", output->updated_at);
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
  double number;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID,
                           _("The output is not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);

  model = tb_json_get_string (object, "model");
  if (model == NULL || *model == '\0')
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID, _("The output has no \"model\""));
      return NULL;
    }

  output = tb_output_new (model);
  output->input = g_strdup (tb_json_get_string (object, "input"));
  output->repeat = (guint) CLAMP (tb_json_get_int (object, "repeat", 1), 1, G_MAXINT);
  output->status = tb_output_status_from_string (tb_json_get_string (object, "status"));
  output->content = g_strdup (tb_json_get_string (object, "content"));
  output->finish_reason = g_strdup (tb_json_get_string (object, "finish_reason"));
  output->native_finish_reason = g_strdup (tb_json_get_string (object, "native_finish_reason"));

  format_check = tb_json_get_object (object, "format_check");
  if (format_check != NULL)
    {
      output->has_format_check = TRUE;
      output->format_valid = tb_json_get_bool (format_check, "valid", FALSE);
      output->format_errors = tb_json_get_strv (format_check, "errors");
    }

  tb_usage_from_json (&output->usage, tb_json_get_object (object, "usage"));
  tb_cost_from_json (&output->cost, tb_json_get_object (object, "cost"));
  output->generation_id = g_strdup (tb_json_get_string (object, "generation_id"));
  output->generation_ids = tb_json_get_strv (object, "generation_ids");
  output->provider = g_strdup (tb_json_get_string (object, "provider"));
  output->providers = tb_json_get_strv (object, "providers");
  output->has_upstream_cost = tb_json_get_amount (object, "upstream_inference_cost",
                                                  &output->upstream_usd);
  output->is_byok = tb_json_get_bool (object, "is_byok", FALSE);
  output->has_cache_discount = tb_json_get_double (object, "cache_discount",
                                                   &output->cache_discount);
  if (tb_json_get_double (object, "generation_time", &number) && number >= 0)
    {
      output->has_generation_time = TRUE;
      output->generation_time_ms = (gint64) MIN (number, (double) G_MAXINT64 / 2);
    }
  output->latency_ms = MAX (tb_json_get_int (object, "latency_ms", 0), 0);
  output->attempts = tb_json_get_uint (object, "attempts", 0);
  output->chunks = tb_json_get_uint (object, "chunks", 0);

  error_object = tb_json_get_object (object, "error");
  if (error_object != NULL)
    {
      output->error_http_status = tb_json_get_uint (error_object, "http_status", 0);
      output->error_message = g_strdup (tb_json_get_string (error_object, "message"));
    }
  output->updated_at = g_strdup (tb_json_get_string (object, "updated_at"));

  return g_steal_pointer (&output);
}

static gboolean
is_plain_id (const char *model)
{
  if (model[0] == '\0' || model[0] == '.')
    return FALSE;
  for (const char *p = model; *p != '\0'; p++)
    if (!(g_ascii_isalnum (*p) || *p == '.' || *p == '-' || *p == '/'))
      return FALSE;
  return TRUE;
}

static void
append_legacy (GString    *slug,
               const char *model,
               gsize       max_length)
{
  for (const char *p = model; *p != '\0' && slug->len < max_length; p++)
    {
      if (*p == '/')
        g_string_append (slug, "__");
      else if (g_ascii_isalnum (*p) || *p == '-' || *p == '_'
               || (*p == '.' && p != model))
        g_string_append_c (slug, *p);
      else
        g_string_append_c (slug, '_');   /* also a leading '.': no hidden files */
    }
}

char *
tb_model_legacy_slug (const char *model)
{
  GString *slug;

  g_return_val_if_fail (model != NULL, NULL);

  slug = g_string_sized_new (strlen (model) + 4);
  append_legacy (slug, model, G_MAXSIZE);
  if (slug->len == 0)
    g_string_append_c (slug, '_');
  return g_string_free (slug, FALSE);
}

char *
tb_model_slug (const char *model)
{
  g_autofree char *hash = NULL;
  GString *slug;

  g_return_val_if_fail (model != NULL, NULL);

  /* Without '_' in the id, "__" can only have come from '/': the mapping reverses. */
  if (is_plain_id (model))
    {
      slug = g_string_new (NULL);
      append_legacy (slug, model, G_MAXSIZE);
      if (slug->len <= MAX_PLAIN_SLUG)
        return g_string_free (slug, FALSE);
      g_string_free (slug, TRUE);
    }

  hash = tb_sha256_hex (model, strlen (model));
  slug = g_string_new (NULL);
  append_legacy (slug, model, HASHED_PREFIX);
  g_string_truncate (slug, MIN (slug->len, HASHED_PREFIX));
  g_string_append_c (slug, '+');
  g_string_append_len (slug, hash, 16);
  return g_string_free (slug, FALSE);
}
