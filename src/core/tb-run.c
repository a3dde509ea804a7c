/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-run"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-error.h"
#include "tb-json.h"
#include "tb-output.h"
#include "tb-run.h"
#include "tb-testset.h"
#include "tb-util.h"

#define RUN_ID_LENGTH 21   /* YYYYMMDDTHHMMSSZ-xxxx */

static const char * const status_names[] = {
  [TB_RUN_RUNNING] = "running",
  [TB_RUN_DONE] = "done",
  [TB_RUN_PARTIAL] = "partial",
  [TB_RUN_FAILED] = "failed",
  [TB_RUN_CANCELLED] = "cancelled",
  [TB_RUN_INTERRUPTED] = "interrupted",
};

const char *
tb_run_status_to_string (TbRunStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (status_names))
    return "failed";
  return status_names[status];
}

TbRunStatus
tb_run_status_from_string (const char *text)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_str_equal (text, status_names[i]))
      return (TbRunStatus) i;
  /* A status this version does not know: the run is not finished in any sense we know. */
  return TB_RUN_INTERRUPTED;
}

TbRunInput *
tb_run_input_new (void)
{
  return g_new0 (TbRunInput, 1);
}

void
tb_run_input_free (TbRunInput *input)
{
  if (input == NULL)
    return;
  g_free (input->key);
  g_free (input->name);
  g_free (input->sha256);
  g_free (input->file);
  g_free (input->prompt_file);
  g_free (input->reference_file);
  g_free (input->reference_name);
  g_free (input);
}

TbRun *
tb_run_new (void)
{
  TbRun *run = g_new0 (TbRun, 1);

  run->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_run_input_free);
  run->models = g_new0 (char *, 1);
  run->judges = g_new0 (char *, 1);
  run->repeat = 1;
  return run;
}

void
tb_run_free (TbRun *run)
{
  if (run == NULL)
    return;
  g_free (run->id);
  g_free (run->usecase);
  g_free (run->usecase_snapshot);
  g_clear_pointer (&run->inputs, g_ptr_array_unref);
  g_strfreev (run->models);
  g_strfreev (run->judges);
  g_free (run->judge_mode);
  g_free (run->created_at);
  g_free (run->stop_reason);
  g_clear_pointer (&run->forecast, json_node_unref);
  g_free (run->version);
  g_free (run->dir);
  g_free (run);
}

static void
add_input (JsonBuilder      *builder,
           const TbRunInput *input)
{
  json_builder_begin_object (builder);
  tb_json_add_string (builder, "key", input->key);
  tb_json_add_string (builder, "name", input->name);
  tb_json_add_string (builder, "sha256", input->sha256);
  tb_json_add_int (builder, "bytes", input->bytes);
  tb_json_add_string (builder, "file", input->file);
  tb_json_add_string (builder, "prompt_file", input->prompt_file);
  tb_json_add_string (builder, "reference_file", input->reference_file);
  tb_json_add_string (builder, "reference_name", input->reference_name);
  json_builder_end_object (builder);
}

JsonNode *
tb_run_to_json (const TbRun *run)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (run != NULL, NULL);

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "id", run->id);
  tb_json_add_string (builder, "usecase", run->usecase);
  tb_json_add_string (builder, "usecase_snapshot", run->usecase_snapshot);

  /* `input` keeps the contract of one-input runs: the first input. */
  json_builder_set_member_name (builder, "input");
  if (run->inputs->len > 0)
    add_input (builder, g_ptr_array_index (run->inputs, 0));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "inputs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < run->inputs->len; i++)
    add_input (builder, g_ptr_array_index (run->inputs, i));
  json_builder_end_array (builder);

  tb_json_add_strv (builder, "models", (const char * const *) run->models);
  tb_json_add_int (builder, "repeat", MAX (run->repeat, 1));
  tb_json_add_strv (builder, "judges", (const char * const *) run->judges);
  tb_json_add_string (builder, "judge_mode", run->judge_mode);
  tb_json_add_string (builder, "created_at", run->created_at);
  /* interrupted is read, never written: a run on disk is running until it settles. */
  tb_json_add_string (builder, "status",
                      tb_run_status_to_string (run->status == TB_RUN_INTERRUPTED
                                               ? TB_RUN_RUNNING : run->status));
  tb_json_add_string (builder, "stop_reason", run->stop_reason);
  tb_json_add_amount (builder, "max_cost_usd", run->has_max_cost, run->max_cost_usd);
  tb_json_add_bool (builder, "simulated", run->simulated);
  tb_json_add_node (builder, "forecast",
                    run->forecast != NULL ? json_node_copy (run->forecast) : NULL);
  tb_json_add_string (builder, "version", run->version != NULL ? run->version : PACKAGE_VERSION);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* A file named inside the run folder: relative, no "..", no leading '/'. */
static char *
inner_path (JsonObject *object,
            const char *name)
{
  const char *path = tb_json_get_string (object, name);
  g_auto(GStrv) parts = NULL;

  if (path == NULL || *path == '\0' || g_path_is_absolute (path))
    return NULL;
  parts = g_strsplit (path, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (*parts[i] == '\0' || g_str_equal (parts[i], ".") || g_str_equal (parts[i], ".."))
      return NULL;
  return g_strdup (path);
}

static TbRunInput *
input_from_json (JsonObject *object,
                 gboolean    legacy)
{
  TbRunInput *input = tb_run_input_new ();

  input->name = g_strdup (tb_json_get_string (object, "name"));
  input->key = g_strdup (tb_json_get_string (object, "key"));
  if (input->key == NULL || strchr (input->key, '/') != NULL || input->key[0] == '.'
      || input->key[0] == '\0')
    {
      g_free (input->key);
      /* Older versions kept no key: one made from the name, as new runs make theirs. */
      input->key = tb_test_input_key_from_name (input->name);
    }
  input->sha256 = g_strdup (tb_json_get_string (object, "sha256"));
  input->bytes = MAX (tb_json_get_int (object, "bytes", 0), 0);
  input->file = inner_path (object, "file");
  input->prompt_file = inner_path (object, "prompt_file");
  if (input->prompt_file == NULL && legacy)
    input->prompt_file = g_strdup ("prompt.txt");
  input->reference_file = inner_path (object, "reference_file");
  input->reference_name = g_strdup (tb_json_get_string (object, "reference_name"));
  return input;
}

TbRun *
tb_run_from_json (JsonNode  *node,
                  GError   **error)
{
  g_autoptr(TbRun) run = NULL;
  JsonObject *object;
  JsonArray *inputs;
  const char *id;
  GStrv strv;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID, _("The run is not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);

  id = tb_json_get_string (object, "id");
  if (id == NULL || *id == '\0')
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID, _("The run has no \"id\""));
      return NULL;
    }

  run = tb_run_new ();
  run->id = g_strdup (id);
  run->usecase = g_strdup (tb_json_get_string (object, "usecase"));
  run->usecase_snapshot = g_strdup (tb_json_get_string (object, "usecase_snapshot"));

  inputs = tb_json_get_array (object, "inputs");
  for (guint i = 0; inputs != NULL && i < json_array_get_length (inputs); i++)
    {
      JsonObject *item = tb_json_array_object (inputs, i);

      if (item != NULL)
        g_ptr_array_add (run->inputs, input_from_json (item, FALSE));
    }
  if (run->inputs->len == 0 && tb_json_get_object (object, "input") != NULL)
    g_ptr_array_add (run->inputs, input_from_json (tb_json_get_object (object, "input"), TRUE));

  strv = tb_json_get_strv (object, "models");
  if (strv != NULL)
    {
      g_strfreev (run->models);
      run->models = strv;
    }
  run->repeat = (guint) CLAMP (tb_json_get_int (object, "repeat", 1), 1, 1000);
  strv = tb_json_get_strv (object, "judges");
  if (strv != NULL)
    {
      g_strfreev (run->judges);
      run->judges = strv;
    }
  run->judge_mode = g_strdup (tb_json_get_string (object, "judge_mode"));
  run->created_at = g_strdup (tb_json_get_string (object, "created_at"));
  run->status = tb_run_status_from_string (tb_json_get_string (object, "status"));
  run->stop_reason = g_strdup (tb_json_get_string (object, "stop_reason"));
  run->has_max_cost = tb_json_get_amount (object, "max_cost_usd", &run->max_cost_usd);
  run->simulated = tb_json_get_bool (object, "simulated", FALSE);
  if (tb_json_get_object (object, "forecast") != NULL)
    run->forecast = json_node_copy (tb_json_member (object, "forecast"));
  run->version = g_strdup (tb_json_get_string (object, "version"));

  return g_steal_pointer (&run);
}

TbRunInput *
tb_run_find_input (const TbRun *run,
                   const char  *key)
{
  g_return_val_if_fail (run != NULL, NULL);

  for (guint i = 0; i < run->inputs->len; i++)
    {
      TbRunInput *input = g_ptr_array_index (run->inputs, i);

      if (key == NULL || g_strcmp0 (input->key, key) == 0)
        return input;
    }
  return NULL;
}

gboolean
tb_run_is_test_set (const TbRun *run)
{
  g_return_val_if_fail (run != NULL, FALSE);
  return run->inputs->len > 1;
}

gboolean
tb_run_check_snapshot (const TbRun  *run,
                       GError      **error)
{
  g_return_val_if_fail (run != NULL, FALSE);

  if (run->usecase_snapshot == NULL || *run->usecase_snapshot == '\0')
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("Run %s keeps no copy of its use case (usecase_snapshot), so it cannot "
                     "be resumed or judged"), run->id);
      return FALSE;
    }
  return TRUE;
}

char *
tb_run_output_file (const TbRun *run,
                    const char  *model,
                    const char  *input_key,
                    guint        repeat)
{
  g_autofree char *slug = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (run != NULL && model != NULL, NULL);

  slug = tb_model_slug (model);
  /* '@' never appears in a slug, so the repeat cannot be confused with a model's name. */
  name = run->repeat > 1 ? g_strdup_printf ("%s@%u.json", slug, MAX (repeat, 1))
                         : g_strconcat (slug, ".json", NULL);
  if (tb_run_is_test_set (run) && input_key != NULL)
    return g_build_filename ("outputs", input_key, name, NULL);
  return g_build_filename ("outputs", name, NULL);
}

char *
tb_run_describe_inputs (const TbRun *run)
{
  g_return_val_if_fail (run != NULL, NULL);

  if (run->inputs->len == 1)
    {
      const TbRunInput *input = g_ptr_array_index (run->inputs, 0);

      return g_strdup (input->name != NULL ? input->name : input->key);
    }
  return tb_run_describe_input_count (run->inputs->len);
}

char *
tb_run_describe_input_count (guint n_inputs)
{
  return g_strdup_printf (ngettext ("%u input", "%u inputs", n_inputs), n_inputs);
}

char *
tb_run_new_id (void)
{
  g_autofree char *now = tb_utc_now_compact ();

  return g_strdup_printf ("%s-%04x", now, (guint) g_random_int_range (0, 0x10000));
}

gboolean
tb_run_id_is_valid (const char *id)
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
