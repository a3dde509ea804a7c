/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "records-check"

#include "config.h"

#include <math.h>
#include <string.h>

#include "records-check.h"
#include "tb-core.h"

const char *
record_kind_name (RecordKind kind)
{
  static const char * const names[] = { "output", "run", "judgment", "summary", "run-data" };

  g_assert (kind < N_RECORDS);
  return names[kind];
}

static void
assert_finite_numbers (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        assert_finite_numbers (json_object_get_member (object, l->data));
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        assert_finite_numbers (json_array_get_element (array, i));
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    g_assert_true (isfinite (json_node_get_double (node)));
}

char *
records_check_writes_back (JsonNode *node)
{
  char *text = tb_json_to_string (node, TRUE);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  if (!json_parser_load_from_data (parser, text, -1, &error))
    g_error ("TaskBench wrote JSON that does not parse (%s):\n%s", error->message, text);
  g_assert_nonnull (json_parser_get_root (parser));
  g_assert_true (g_utf8_validate (text, -1, NULL));
  assert_finite_numbers (json_parser_get_root (parser));
  return text;
}

/* A record written, read back and written again is the same text: what the writer puts is
 * what the reader takes. */
typedef JsonNode *(*ReadWrite) (JsonNode *node);

static void
assert_stable (JsonNode  *written,
               ReadWrite  read_write)
{
  g_autofree char *first = records_check_writes_back (written);
  g_autoptr(JsonNode) again = tb_json_parse (first, -1, "written", NULL);
  g_autoptr(JsonNode) rewritten = NULL;
  g_autofree char *second = NULL;

  g_assert_nonnull (again);
  rewritten = read_write (again);
  g_assert_nonnull (rewritten);
  second = records_check_writes_back (rewritten);
  if (g_strcmp0 (first, second) != 0)
    g_error ("a record reads back differently:\n%s\n--- then\n%s", first, second);
}

/* ---- outputs ----------------------------------------------------------------------- */

static JsonNode *
output_read_write (JsonNode *node)
{
  g_autoptr(TbOutput) output = tb_output_from_json (node, NULL);

  return output != NULL ? tb_output_to_json (output) : NULL;
}

static void
use_output (const TbOutput *output)
{
  g_autofree char *slug = tb_model_slug (output->model);
  g_autofree char *legacy = tb_model_legacy_slug (output->model);
  TbCost sum = { 0 };

  g_assert_nonnull (slug);
  g_assert_nonnull (legacy);
  g_assert_null (strchr (slug, '/'));
  g_assert_cmpuint (strlen (slug) + strlen ("@1000.json"), <=, 255);
  tb_output_was_called (output);
  tb_cost_add (&sum, &output->cost);
  tb_cost_add (&sum, &output->cost);
  if (tb_cost_is_known (&sum))
    g_assert_true (tb_amount_is_valid (sum.usd));
  g_assert_true (output->usage.prompt_tokens >= 0 && output->usage.completion_tokens >= 0);
}

/* ---- runs -------------------------------------------------------------------------- */

static JsonNode *
run_read_write (JsonNode *node)
{
  g_autoptr(TbRun) run = tb_run_from_json (node, NULL);

  return run != NULL ? tb_run_to_json (run) : NULL;
}

static void
use_run (const TbRun *run)
{
  g_autofree char *inputs = tb_run_describe_inputs (run);
  guint models = g_strv_length (run->models);

  g_assert_nonnull (inputs);
  g_assert_cmpuint (run->repeat, >=, 1);
  tb_run_find_input (run, NULL);
  tb_run_is_test_set (run);
  for (guint m = 0; m < MIN (models, 20); m++)
    for (guint i = 0; i < MIN (run->inputs->len, 20); i++)
      {
        TbRunInput *input = g_ptr_array_index (run->inputs, i);
        guint repeats[] = { 1, run->repeat };

        tb_run_find_input (run, input->key);
        for (guint r = 0; r < G_N_ELEMENTS (repeats); r++)
          {
            g_autofree char *file = tb_run_output_file (run, run->models[m], input->key,
                                                        repeats[r]);

            g_auto(GStrv) parts = NULL;

            /* always inside the run's folder */
            g_assert_nonnull (file);
            g_assert_false (g_path_is_absolute (file));
            parts = g_strsplit (file, "/", -1);
            for (guint p = 0; parts[p] != NULL; p++)
              {
                g_assert_cmpstr (parts[p], !=, "..");
                g_assert_cmpstr (parts[p], !=, ".");
                g_assert_cmpstr (parts[p], !=, "");
              }
          }
      }
}

/* ---- judgments --------------------------------------------------------------------- */

static JsonNode *
judgment_read_write (JsonNode *node)
{
  g_autoptr(TbJudgment) judgment = tb_judgment_from_json (node, NULL);

  return judgment != NULL ? tb_judgment_to_json (judgment) : NULL;
}

static void
use_judgment (TbJudgment *judgment)
{
  g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);
  g_autoptr(JsonNode) settled = NULL;

  for (guint i = 0; i < judgment->scores->len; i++)
    {
      TbScore *score = g_ptr_array_index (judgment->scores, i);
      TbOutput *output;
      double mean;

      tb_judgment_score_judge (judgment, score);
      for (guint c = 0; c < score->n_criteria; c++)
        g_assert_true (isfinite (score->criteria[c].value));
      if (score->model == NULL || i >= 8)
        continue;
      if (tb_judgment_model_mean (judgment, score->model, &mean))
        g_assert_true (isfinite (mean));
      /* an output for the score, its cost the score's own */
      output = tb_output_new (score->model);
      output->status = i % 3 == 2 ? TB_OUTPUT_FAILED : TB_OUTPUT_OK;
      output->input = g_strdup (score->input);
      output->repeat = score->repeat;
      output->cost = score->cost;
      g_ptr_array_add (outputs, output);
    }

  tb_judgment_settle_cost (judgment);
  if (tb_cost_is_known (&judgment->cost))
    g_assert_true (tb_amount_is_valid (judgment->cost.usd));
  /* the verdict's picks, as a run with these outputs records them */
  {
    g_autoptr(TbRun) run = tb_run_new ();
    g_autoptr(GStrvBuilder) models = g_strv_builder_new ();
    TbRunInput *input = tb_run_input_new ();

    run->id = g_strdup ("20261125T121619Z-5cff");
    input->key = g_strdup ("lecture-1");
    g_ptr_array_add (run->inputs, input);
    for (guint i = 0; i < outputs->len; i++)
      g_strv_builder_add (models, ((TbOutput *) g_ptr_array_index (outputs, i))->model);
    g_strfreev (run->models);
    run->models = g_strv_builder_end (models);
    tb_verdict_record_picks (judgment, run, outputs);
  }
  settled = tb_judgment_to_json (judgment);
  g_free (records_check_writes_back (settled));
}

/* ---- run summaries ----------------------------------------------------------------- */

static JsonNode *
summary_read_write (JsonNode *node)
{
  g_autoptr(TbRunSummary) summary = tb_run_summary_from_json (node);

  return summary != NULL ? tb_run_summary_to_json (summary) : NULL;
}

static void
use_summary (const TbRunSummary *summary)
{
  g_autoptr(TbRunSummary) copy = tb_run_summary_copy (summary);
  g_autoptr(JsonNode) node = tb_run_summary_to_json (copy);
  TbRollup sum = { 0 };

  tb_run_summary_is_judgeable (summary);
  tb_rollup_add (&sum, &summary->rollup);
  tb_rollup_add (&sum, &copy->rollup);
  g_assert_true (isfinite (sum.total_usd) && sum.total_usd >= 0);
  g_free (records_check_writes_back (node));
}

/* ---- a run with its files, summed up ------------------------------------------------ */

static gboolean
check_run_data (JsonObject *object)
{
  g_autoptr(TbRunData) data = g_new0 (TbRunData, 1);
  g_autoptr(TbRunSummary) summary = NULL;
  g_autoptr(JsonNode) written = NULL;
  JsonArray *array;
  TbRollup rollup;

  data->run = tb_run_from_json (tb_json_member (object, "run"), NULL);
  if (data->run == NULL)
    return FALSE;
  data->outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);
  data->judgments = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_judgment_free);
  array = tb_json_get_array (object, "outputs");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      TbOutput *output = tb_output_from_json (json_array_get_element (array, i), NULL);

      if (output != NULL)
        g_ptr_array_add (data->outputs, output);
    }
  array = tb_json_get_array (object, "judgments");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      TbJudgment *judgment = tb_judgment_from_json (json_array_get_element (array, i), NULL);

      if (judgment != NULL)
        g_ptr_array_add (data->judgments, judgment);
    }

  tb_rollup_of_run (data, &rollup);
  g_assert_true (isfinite (rollup.total_usd) && rollup.total_usd >= 0);
  written = tb_rollup_to_json (&rollup);
  g_free (records_check_writes_back (written));
  g_clear_pointer (&written, json_node_unref);

  summary = tb_run_summary_new_for (data);
  use_summary (summary);
  written = tb_run_summary_to_json (summary);
  assert_stable (written, summary_read_write);
  g_clear_pointer (&written, json_node_unref);

  /* the verdict of the run, as show --json gives it */
  {
    g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 10000);

    g_assert_nonnull (verdict);
    written = tb_verdict_to_json (verdict);
    g_free (records_check_writes_back (written));
  }
  return TRUE;
}

/* ---- the entry point --------------------------------------------------------------- */

gboolean
records_check_text (RecordKind  kind,
                    const char *text,
                    gsize       length)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) written = NULL;

  g_assert (kind < N_RECORDS);

  node = tb_json_parse (text, length, "fuzz", NULL);
  if (node == NULL)
    return FALSE;

  switch (kind)
    {
    case RECORD_OUTPUT:
      {
        g_autoptr(TbOutput) output = tb_output_from_json (node, NULL);

        if (output == NULL)
          return FALSE;
        use_output (output);
        written = tb_output_to_json (output);
        assert_stable (written, output_read_write);
      }
      break;
    case RECORD_RUN:
      {
        g_autoptr(TbRun) run = tb_run_from_json (node, NULL);

        if (run == NULL)
          return FALSE;
        use_run (run);
        written = tb_run_to_json (run);
        assert_stable (written, run_read_write);
      }
      break;
    case RECORD_JUDGMENT:
      {
        g_autoptr(TbJudgment) judgment = tb_judgment_from_json (node, NULL);
        g_autoptr(TbJudgment) streamed = tb_judgment_read_text (text, length, NULL);

        if (judgment == NULL)
          {
            g_assert_null (streamed);
            return FALSE;
          }
        /* read score by score, the same judgment */
        g_assert_nonnull (streamed);
        {
          g_autofree char *whole_text = tb_judgment_to_text (judgment);
          g_autofree char *streamed_text = tb_judgment_to_text (streamed);

          g_assert_cmpstr (streamed_text, ==, whole_text);
        }
        written = tb_judgment_to_json (judgment);
        assert_stable (written, judgment_read_write);
        use_judgment (judgment);
      }
      break;
    case RECORD_RUN_DATA:
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return FALSE;
      return check_run_data (json_node_get_object (node));
    case RECORD_SUMMARY:
    default:
      {
        g_autoptr(TbRunSummary) summary = tb_run_summary_from_json (node);

        if (summary == NULL)
          return FALSE;
        use_summary (summary);
        written = tb_run_summary_to_json (summary);
        assert_stable (written, summary_read_write);
      }
      break;
    }
  return TRUE;
}
