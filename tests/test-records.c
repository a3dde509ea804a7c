/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The records of the results store and their JSON: costs and usage, outputs, runs,
 * judgments. What TaskBench writes must always parse back, whatever values reach it. */
#include "config.h"

#include <math.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tb-core.h"

static JsonNode *
parse_text (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = tb_json_parse (text, -1, "test", &error);

  g_assert_no_error (error);
  return node;
}

/* Writes `node` as TaskBench does and parses it back with a plain JSON parser. */
static JsonNode *
round_trip (JsonNode *node)
{
  g_autofree char *text = tb_json_to_string (node, TRUE);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  /* json-glib would write a non-finite double as a bare inf or nan */
  g_assert_null (strstr (text, ": nan"));
  g_assert_null (strstr (text, ": inf"));
  g_assert_null (strstr (text, ": -inf"));
  g_assert_null (strstr (text, ": -nan"));
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_parser_steal_root (parser);
}

/* ---- amounts and costs -------------------------------------------------------------- */

static void
test_amount_gate (void)
{
  g_autoptr(JsonNode) node = parse_text ("{\"a\": 0.5, \"b\": -1, \"c\": \"0.2\", \"d\": null,"
                                         " \"e\": 1e999, \"f\": 3, \"g\": true}");
  JsonObject *object = json_node_get_object (node);
  double value = 42;

  g_assert_true (tb_amount_is_valid (0));
  g_assert_true (tb_amount_is_valid (1e6));
  g_assert_false (tb_amount_is_valid (-0.0001));
  g_assert_false (tb_amount_is_valid (NAN));
  g_assert_false (tb_amount_is_valid (INFINITY));

  g_assert_true (tb_json_get_amount (object, "a", &value));
  g_assert_cmpfloat (value, ==, 0.5);
  g_assert_true (tb_json_get_amount (object, "f", &value));
  g_assert_cmpfloat (value, ==, 3);
  g_assert_false (tb_json_get_amount (object, "b", &value));
  g_assert_false (tb_json_get_amount (object, "c", &value));   /* costs are numbers */
  g_assert_false (tb_json_get_amount (object, "d", &value));
  g_assert_false (tb_json_get_amount (object, "e", &value));
  g_assert_false (tb_json_get_amount (object, "g", &value));
  g_assert_false (tb_json_get_amount (object, "missing", &value));
  /* prices may be strings */
  g_assert_true (tb_amount_from_node (json_object_get_member (object, "c"), TRUE, &value));
  g_assert_cmpfloat (value, ==, 0.2);
}

static void
test_cost_settle (void)
{
  TbCost cost = { 0 };

  g_assert_cmpint (cost.source, ==, TB_COST_NONE);
  g_assert_true (tb_cost_is_known (&cost));
  g_assert_true (tb_cost_is_nothing (&cost));

  tb_cost_settle (&cost);
  g_assert_cmpint (cost.source, ==, TB_COST_UNKNOWN);
  g_assert_false (tb_cost_is_known (&cost));

  cost.has_estimate = TRUE;
  cost.estimate_usd = 0.003;
  tb_cost_settle (&cost);
  g_assert_cmpint (cost.source, ==, TB_COST_ESTIMATE);
  g_assert_cmpfloat (cost.usd, ==, 0.003);

  cost.has_inline = TRUE;
  cost.inline_usd = 0.002;
  tb_cost_settle (&cost);
  g_assert_cmpint (cost.source, ==, TB_COST_INLINE);
  g_assert_cmpfloat (cost.usd, ==, 0.002);

  cost.has_billed = TRUE;
  cost.billed_usd = 0.0025;
  tb_cost_settle (&cost);
  g_assert_cmpint (cost.source, ==, TB_COST_BILLED);
  g_assert_cmpfloat (cost.usd, ==, 0.0025);

  /* an amount that fails the gate is not known, whoever set it */
  cost.billed_usd = NAN;
  cost.inline_usd = -1;
  tb_cost_settle (&cost);
  g_assert_false (cost.has_billed);
  g_assert_false (cost.has_inline);
  g_assert_cmpint (cost.source, ==, TB_COST_ESTIMATE);
  g_assert_cmpfloat (cost.usd, ==, 0.003);
}

static TbCost
call_cost (gboolean has_inline,
           double   inline_usd,
           gboolean has_billed,
           double   billed_usd)
{
  TbCost cost = { 0 };

  cost.has_inline = has_inline;
  cost.inline_usd = inline_usd;
  cost.has_billed = has_billed;
  cost.billed_usd = billed_usd;
  tb_cost_settle (&cost);
  return cost;
}

static void
test_cost_add (void)
{
  TbCost sum = { 0 };
  TbCost billed = call_cost (TRUE, 0.001, TRUE, 0.002);
  TbCost inline_only = call_cost (TRUE, 0.004, FALSE, 0);
  TbCost unknown = call_cost (FALSE, 0, FALSE, 0);
  TbCost nothing = { 0 };

  tb_cost_add (&sum, &nothing);
  g_assert_cmpint (sum.source, ==, TB_COST_NONE);
  tb_cost_add (&sum, &billed);
  g_assert_cmpint (sum.source, ==, TB_COST_BILLED);
  g_assert_cmpfloat_with_epsilon (sum.usd, 0.002, 1e-12);

  /* mixed sources: the sum of what counts per call, the weakest source */
  tb_cost_add (&sum, &inline_only);
  g_assert_cmpint (sum.source, ==, TB_COST_INLINE);
  g_assert_cmpfloat_with_epsilon (sum.usd, 0.006, 1e-12);
  g_assert_true (sum.has_inline);
  g_assert_cmpfloat_with_epsilon (sum.inline_usd, 0.005, 1e-12);
  g_assert_false (sum.has_billed);   /* not every call is billed */

  /* one unknown call makes the sum unknown: never a silent $0 */
  tb_cost_add (&sum, &unknown);
  g_assert_cmpint (sum.source, ==, TB_COST_UNKNOWN);
  g_assert_false (tb_cost_is_known (&sum));
}

static void
test_cost_json (void)
{
  TbCost cost = call_cost (TRUE, 0.001, TRUE, 0.0042);
  TbCost unknown = call_cost (FALSE, 0, FALSE, 0);
  TbCost read = { 0 };
  g_autoptr(JsonNode) node = tb_cost_to_json (&cost);
  g_autoptr(JsonNode) back = round_trip (node);
  g_autoptr(JsonNode) unknown_node = tb_cost_to_json (&unknown);
  g_autoptr(JsonNode) unknown_back = round_trip (unknown_node);
  g_autoptr(JsonNode) legacy = parse_text ("{\"inline_usd\": null, \"billed_usd\": null, "
                                           "\"estimate_usd\": 0.0005, \"usd\": 0.0005, "
                                           "\"source\": \"estimate\"}");
  g_autoptr(JsonNode) hostile = parse_text ("{\"inline_usd\": -3, \"billed_usd\": 1e999, "
                                            "\"estimate_usd\": \"1\", \"usd\": -3, "
                                            "\"source\": \"inline\"}");

  tb_cost_from_json (&read, json_node_get_object (back));
  g_assert_cmpint (read.source, ==, TB_COST_BILLED);
  g_assert_cmpfloat_with_epsilon (read.usd, 0.0042, 1e-12);
  g_assert_cmpfloat_with_epsilon (read.inline_usd, 0.001, 1e-12);

  g_assert_true (json_node_is_null (json_object_get_member (json_node_get_object (unknown_back),
                                                            "usd")));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (unknown_back), "source"),
                   ==, "unknown");
  tb_cost_from_json (&read, json_node_get_object (unknown_back));
  g_assert_false (tb_cost_is_known (&read));

  tb_cost_from_json (&read, json_node_get_object (legacy));
  g_assert_cmpint (read.source, ==, TB_COST_ESTIMATE);
  g_assert_cmpfloat (read.usd, ==, 0.0005);

  /* hostile amounts read as unknown, never as a negative or infinite dollar */
  tb_cost_from_json (&read, json_node_get_object (hostile));
  g_assert_false (read.has_inline);
  g_assert_false (read.has_billed);
  g_assert_false (read.has_estimate);
  g_assert_false (tb_cost_is_known (&read));
}

/* ---- outputs ------------------------------------------------------------------------ */

static void
test_output_round_trip (void)
{
  g_autoptr(TbOutput) output = tb_output_new ("openai/gpt-4o");
  g_autoptr(TbOutput) read = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;
  const char *errors[] = { "$[0]: bad", NULL };
  const char *ids[] = { "gen-1", "gen-2", NULL };

  output->input = g_strdup ("monday");
  output->repeat = 2;
  output->status = TB_OUTPUT_OK;
  output->content = g_strdup ("[]\nwith \"quotes\" and a \\ backslash");
  output->finish_reason = g_strdup ("stop");
  output->native_finish_reason = g_strdup ("end_turn");
  output->has_format_check = TRUE;
  output->format_errors = g_strdupv ((char **) errors);
  output->usage.prompt_tokens = 100;
  output->usage.completion_tokens = 20;
  output->cost = call_cost (TRUE, 0.001, TRUE, 0.002);
  output->generation_id = g_strdup ("gen-1");
  output->generation_ids = g_strdupv ((char **) ids);
  output->provider = g_strdup ("OpenAI");
  output->has_upstream_cost = TRUE;
  output->upstream_usd = 0.0015;
  output->is_byok = TRUE;
  output->has_cache_discount = TRUE;
  output->cache_discount = -0.0001;
  output->has_generation_time = TRUE;
  output->generation_time_ms = 812;
  output->latency_ms = 900;
  output->attempts = 2;
  output->chunks = 2;

  node = tb_output_to_json (output);
  back = round_trip (node);
  read = tb_output_from_json (back, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (read->model, ==, "openai/gpt-4o");
  g_assert_cmpstr (read->input, ==, "monday");
  g_assert_cmpuint (read->repeat, ==, 2);
  g_assert_cmpint (read->status, ==, TB_OUTPUT_OK);
  g_assert_cmpstr (read->content, ==, output->content);
  g_assert_cmpstr (read->native_finish_reason, ==, "end_turn");
  g_assert_true (read->has_format_check);
  g_assert_false (read->format_valid);
  g_assert_cmpstr (read->format_errors[0], ==, "$[0]: bad");
  g_assert_cmpint (read->usage.completion_tokens, ==, 20);
  g_assert_cmpint (read->cost.source, ==, TB_COST_BILLED);
  g_assert_cmpfloat_with_epsilon (read->cost.usd, 0.002, 1e-12);
  g_assert_cmpstr (read->generation_ids[1], ==, "gen-2");
  g_assert_true (read->has_upstream_cost);
  g_assert_cmpfloat_with_epsilon (read->upstream_usd, 0.0015, 1e-12);
  g_assert_true (read->is_byok);
  g_assert_cmpfloat_with_epsilon (read->cache_discount, -0.0001, 1e-12);
  g_assert_cmpint (read->generation_time_ms, ==, 812);
  g_assert_cmpuint (read->attempts, ==, 2);
  g_assert_cmpuint (read->chunks, ==, 2);
  g_assert_true (tb_output_was_called (read));
}

/* Values no server should send and no file should hold are written so that the file still
 * parses, and read back as unknown or absent. */
static void
test_output_hostile_values (void)
{
  g_autoptr(TbOutput) output = tb_output_new ("x/hostile");
  g_autoptr(TbOutput) read = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(JsonNode) file = NULL;
  g_autoptr(GError) error = NULL;

  output->status = TB_OUTPUT_OK;
  output->content = g_strdup ("text");
  output->cost.has_inline = TRUE;
  output->cost.inline_usd = NAN;
  output->cost.has_billed = TRUE;
  output->cost.billed_usd = INFINITY;
  output->cost.has_estimate = TRUE;
  output->cost.estimate_usd = -5;
  output->cost.source = TB_COST_BILLED;
  output->cost.usd = INFINITY;
  output->has_upstream_cost = TRUE;
  output->upstream_usd = NAN;
  output->has_cache_discount = TRUE;
  output->cache_discount = NAN;

  node = tb_output_to_json (output);
  back = round_trip (node);
  read = tb_output_from_json (back, &error);
  g_assert_no_error (error);
  g_assert_false (read->cost.has_inline);
  g_assert_false (read->cost.has_billed);
  g_assert_false (read->cost.has_estimate);
  g_assert_false (tb_cost_is_known (&read->cost));
  g_assert_false (read->has_upstream_cost);
  g_assert_false (read->has_cache_discount);

  /* a hand-edited file with wrong types and absurd numbers reads field by field */
  file = parse_text ("{\"model\": \"x/y\", \"status\": 7, \"content\": {\"no\": 1}, "
                     "\"usage\": {\"prompt_tokens\": -4, \"completion_tokens\": 1e300}, "
                     "\"attempts\": 1e300, \"latency_ms\": -8, \"chunks\": \"many\", "
                     "\"cost\": \"free\", \"format_check\": {\"valid\": \"yes\", "
                     "\"errors\": [1, \"real\", null]}}");
  g_clear_pointer (&read, tb_output_free);
  read = tb_output_from_json (file, &error);
  g_assert_no_error (error);
  g_assert_cmpint (read->status, ==, TB_OUTPUT_FAILED);
  g_assert_null (read->content);
  g_assert_cmpint (read->usage.prompt_tokens, ==, 0);
  g_assert_cmpint (read->usage.completion_tokens, ==, 0);
  g_assert_cmpint (read->latency_ms, ==, 0);
  g_assert_cmpuint (read->chunks, ==, 0);
  g_assert_cmpint (read->cost.source, ==, TB_COST_NONE);
  g_assert_false (read->format_valid);
  g_assert_cmpuint (g_strv_length (read->format_errors), ==, 1);

  g_clear_pointer (&file, json_node_unref);
  file = parse_text ("{\"status\": \"ok\"}");
  g_assert_null (tb_output_from_json (file, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
}

static void
test_slug (void)
{
  /* the ids DESIGN.md names, and their neighbours */
  const char *ids[] = {
    "openai/gpt-4o", "openai__gpt-4o", "a:b", "a_b", "a b", "x/a b", "x/a_b", "x__a.b",
    "x/a.b", "x//a", "x/_a", ".hidden", "a.r1", "A/B", "a/b@2", "openai/gpt-4o:free",
    "ünïcode/model", "", NULL
  };
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *long_id = g_strnfill (600, 'm');
  g_autofree char *long_slug = NULL;
  g_autofree char *plain = tb_model_slug ("openai/gpt-4o");
  g_autofree char *legacy = tb_model_legacy_slug ("x/a b");

  /* ids older versions wrote keep their names */
  g_assert_cmpstr (plain, ==, "openai__gpt-4o");
  g_assert_cmpstr (legacy, ==, "x__a_b");

  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autofree char *slug = tb_model_slug (ids[i]);
      g_autofree char *again = tb_model_slug (ids[i]);

      g_assert_cmpstr (slug, ==, again);   /* stable */
      g_assert_null (strchr (slug, '/'));
      g_assert_null (strchr (slug, '@'));
      g_assert_cmpint (slug[0], !=, '.');
      g_assert_cmpint (slug[0], !=, '\0');
      g_assert_cmpuint (strlen (slug), <=, 200);
      g_assert_false (g_hash_table_contains (seen, slug));   /* injective */
      g_hash_table_add (seen, g_steal_pointer (&slug));
    }

  long_slug = tb_model_slug (long_id);
  g_assert_cmpuint (strlen (long_slug), <=, 200);
  g_assert_nonnull (strchr (long_slug, '+'));
}

/* ---- runs --------------------------------------------------------------------------- */

static TbRunInput *
run_input (const char *key,
           const char *name)
{
  TbRunInput *input = tb_run_input_new ();

  input->key = g_strdup (key);
  input->name = g_strdup (name);
  input->sha256 = g_strdup ("abc");
  input->bytes = 12;
  input->file = g_strdup_printf ("inputs/%s/input.txt", key);
  input->prompt_file = g_strdup_printf ("inputs/%s/prompt.txt", key);
  return input;
}

static void
test_run_round_trip (void)
{
  g_autoptr(TbRun) run = tb_run_new ();
  g_autoptr(TbRun) read = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;
  const char *models[] = { "a/x", "b/y", NULL };
  const char *judges[] = { "j/one", "j/two", NULL };
  JsonObject *object;

  run->id = g_strdup ("20261125T121619Z-5cff");
  run->usecase = g_strdup ("lecture-chapters");
  run->usecase_snapshot = g_strdup ("name: L\ngoal: G\n");
  g_ptr_array_add (run->inputs, run_input ("one", "one.txt"));
  g_ptr_array_add (run->inputs, run_input ("two", "two.txt"));
  g_strfreev (run->models);
  run->models = g_strdupv ((char **) models);
  run->repeat = 3;
  g_strfreev (run->judges);
  run->judges = g_strdupv ((char **) judges);
  run->status = TB_RUN_PARTIAL;
  run->stop_reason = g_strdup ("budget");
  run->has_max_cost = TRUE;
  run->max_cost_usd = 2.5;
  run->simulated = TRUE;

  node = tb_run_to_json (run);
  back = round_trip (node);
  object = json_node_get_object (back);
  /* the one-input contract stays: `input` is the first input */
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object,
                                                                                 "input"),
                                                  "name"), ==, "one.txt");
  read = tb_run_from_json (back, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (read->inputs->len, ==, 2);
  g_assert_cmpstr (((TbRunInput *) g_ptr_array_index (read->inputs, 1))->key, ==, "two");
  g_assert_cmpuint (read->repeat, ==, 3);
  g_assert_cmpstr (read->judges[1], ==, "j/two");
  g_assert_cmpint (read->status, ==, TB_RUN_PARTIAL);
  g_assert_cmpstr (read->stop_reason, ==, "budget");
  g_assert_cmpfloat (read->max_cost_usd, ==, 2.5);
  g_assert_true (read->simulated);
  g_assert_true (tb_run_is_test_set (read));

  /* interrupted is never written */
  read->status = TB_RUN_INTERRUPTED;
  g_clear_pointer (&node, json_node_unref);
  node = tb_run_to_json (read);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "status"), ==,
                   "running");
}

/* A run.json of an older version: one `input`, no keys, no repeat, no judges. */
static void
test_run_legacy (void)
{
  g_autoptr(JsonNode) node = parse_text (
    "{\"id\": \"20261125T121619Z-5cff\", \"usecase\": \"lecture-chapters\","
    " \"usecase_snapshot\": \"name: L\\ngoal: G\\n\","
    " \"input\": {\"name\": \"Lecture 1.txt\", \"sha256\": \"ab\", \"bytes\": 37267,"
    " \"file\": \"input.txt\"}, \"models\": [\"a/x\"], \"created_at\": \"2026-11-25T12:16:19Z\","
    " \"status\": \"done\", \"version\": \"0.1.0\"}");
  g_autoptr(JsonNode) sneaky = parse_text (
    "{\"id\": \"20261125T121619Z-5cff\", \"input\": {\"name\": \"x\", \"file\": \"../../etc\"}}");
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbRun) bad = NULL;
  g_autoptr(GError) error = NULL;
  TbRunInput *input;
  g_autofree char *output_file = NULL;

  run = tb_run_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (run->inputs->len, ==, 1);
  input = g_ptr_array_index (run->inputs, 0);
  g_assert_cmpstr (input->key, ==, "Lecture_1");
  g_assert_cmpstr (input->file, ==, "input.txt");
  g_assert_cmpstr (input->prompt_file, ==, "prompt.txt");
  g_assert_cmpuint (run->repeat, ==, 1);
  g_assert_nonnull (run->judges);
  g_assert_null (run->judges[0]);
  g_assert_false (tb_run_is_test_set (run));
  output_file = tb_run_output_file (run, "a/x", input->key, 1);
  g_assert_cmpstr (output_file, ==, "outputs/a__x.json");

  /* a file name that would leave the run folder is not taken */
  bad = tb_run_from_json (sneaky, &error);
  g_assert_no_error (error);
  g_assert_null (((TbRunInput *) g_ptr_array_index (bad->inputs, 0))->file);
}

static void
test_run_id (void)
{
  g_autofree char *id = tb_run_new_id ();

  g_assert_true (tb_run_id_is_valid (id));
  g_assert_true (tb_run_id_is_valid ("20261125T121619Z-5cff"));
  g_assert_false (tb_run_id_is_valid ("20261125T121619Z-5CFF"));
  g_assert_false (tb_run_id_is_valid ("../20261125T121619"));
  g_assert_false (tb_run_id_is_valid (NULL));
  g_assert_false (tb_run_id_is_valid (""));
}

/* ---- judgments ---------------------------------------------------------------------- */

static void
test_judgment_round_trip (void)
{
  g_autoptr(TbJudgment) judgment = tb_judgment_new ();
  g_autoptr(TbJudgment) read = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;
  const char *judges[] = { "j/one", "j/two", NULL };
  TbScore *score = tb_score_new ("a/x");
  TbScore *hostile = tb_score_new ("b/y");
  TbComparison *comparison = tb_comparison_new ();
  double value;

  judgment->judge_model = g_strdup ("j/one");
  g_strfreev (judgment->judges);
  judgment->judges = g_strdupv ((char **) judges);
  judgment->mode = g_strdup ("pointwise");
  judgment->has_seed = TRUE;
  judgment->seed = 7;
  judgment->created_at = g_strdup ("2026-11-25T12:16:25Z");

  score->input = g_strdup ("one");
  score->repeat = 2;
  score->judge = g_strdup ("j/two");
  tb_score_set_criterion (score, "accuracy", 8);
  tb_score_set_criterion (score, "format", 6.5);
  score->overall = 75;
  score->reasoning = g_strdup ("Fine.");
  score->cost = call_cost (TRUE, 0.001, FALSE, 0);
  g_ptr_array_add (judgment->scores, score);

  /* non-finite and out-of-range values never reach the file as such */
  tb_score_set_criterion (hostile, "accuracy", NAN);
  hostile->overall = INFINITY;
  g_ptr_array_add (judgment->scores, hostile);

  comparison->input = g_strdup ("one");
  comparison->a = g_strdup ("a/x");
  comparison->b = g_strdup ("b/y");
  comparison->judge = g_strdup ("j/one");
  comparison->winner = TB_WINNER_B;
  g_ptr_array_add (judgment->comparisons, comparison);
  tb_judgment_settle_cost (judgment);

  node = tb_judgment_to_json (judgment);
  back = round_trip (node);
  read = tb_judgment_from_json (back, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (read->judges[1], ==, "j/two");
  g_assert_true (read->has_seed);
  g_assert_cmpint (read->seed, ==, 7);
  g_assert_cmpuint (read->scores->len, ==, 2);
  score = g_ptr_array_index (read->scores, 0);
  g_assert_cmpstr (score->input, ==, "one");
  g_assert_cmpuint (score->repeat, ==, 2);
  g_assert_cmpstr (tb_judgment_score_judge (read, score), ==, "j/two");
  g_assert_true (tb_score_get_criterion (score, "format", &value));
  g_assert_cmpfloat (value, ==, 6.5);
  g_assert_cmpstr (score->criteria[0].name, ==, "accuracy");
  g_assert_null (score->error);
  hostile = g_ptr_array_index (read->scores, 1);
  g_assert_false (tb_score_get_criterion (hostile, "accuracy", NULL));
  g_assert_nonnull (hostile->error);   /* an unusable stored score is no score */
  g_assert_cmpuint (read->comparisons->len, ==, 1);
  comparison = g_ptr_array_index (read->comparisons, 0);
  g_assert_cmpint (comparison->winner, ==, TB_WINNER_B);
  g_assert_cmpint (read->cost.source, ==, TB_COST_INLINE);
}

/* A judgment file read score by score (tb_judgment_read_file) is the judgment its whole
 * tree gives. */
static void
assert_file_reads_as_tree (const char *text)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "judgment.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = tb_json_parse (text, -1, "judgment", &error);
  g_autoptr(TbJudgment) from_tree = NULL;
  g_autoptr(TbJudgment) from_file = NULL;
  g_autofree char *tree_text = NULL;
  g_autofree char *file_text = NULL;

  g_assert_no_error (error);
  from_tree = tb_judgment_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  from_file = tb_judgment_read_file (path, G_MAXINT32, TRUE, &error);
  g_assert_no_error (error);
  tree_text = tb_judgment_to_text (from_tree);
  file_text = tb_judgment_to_text (from_file);
  g_assert_cmpstr (file_text, ==, tree_text);
  g_assert_cmpuint (from_file->scores->len, ==, from_tree->scores->len);
  g_assert_cmpuint (from_file->comparisons->len, ==, from_tree->comparisons->len);

  /* read for the verdict: without the judges' reasoning, nothing else missing */
  {
    g_autoptr(TbJudgment) lean = tb_judgment_read_file (path, G_MAXINT32, FALSE, &error);
    g_autofree char *lean_text = NULL;
    g_autofree char *tree_lean_text = NULL;

    g_assert_no_error (error);
    for (guint i = 0; i < from_tree->scores->len; i++)
      {
        TbScore *score = g_ptr_array_index (from_tree->scores, i);

        g_assert_null (((TbScore *) g_ptr_array_index (lean->scores, i))->reasoning);
        g_clear_pointer (&score->reasoning, g_free);
        g_clear_pointer (&score->violations, g_strfreev);
      }
    for (guint i = 0; i < from_tree->comparisons->len; i++)
      g_clear_pointer (&((TbComparison *) g_ptr_array_index (from_tree->comparisons,
                                                             i))->reasoning, g_free);
    lean_text = tb_judgment_to_text (lean);
    tree_lean_text = tb_judgment_to_text (from_tree);
    g_assert_cmpstr (lean_text, ==, tree_lean_text);
  }
}

/* The judgment is written score by score; the text must be what the whole tree gives. */
static void
assert_written_as_whole (const TbJudgment *judgment)
{
  g_autofree char *text = tb_judgment_to_text (judgment);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = tb_json_parse (text, -1, "judgment", &error);
  g_autofree char *whole = NULL;

  g_assert_no_error (error);
  whole = tb_json_to_string (node, TRUE);
  g_assert_cmpstr (text, ==, whole);
  assert_file_reads_as_tree (text);

  /* written into its file a piece at a time: the same bytes and a final newline */
  {
    g_autofree char *dir = g_dir_make_tmp ("tb-judgment-XXXXXX", NULL);
    g_autofree char *path = g_build_filename (dir, "judgment.json", NULL);
    g_autoptr(TbStagedFile) staged = tb_staged_file_new (dir, &error);
    g_autofree char *file_text = NULL;
    g_autofree char *expected = g_strconcat (text, "\n", NULL);

    g_assert_no_error (error);
    g_assert_true (tb_judgment_write_to (judgment, staged, &error));
    g_assert_no_error (error);
    g_assert_true (tb_staged_file_commit (staged, path, TRUE, &error));
    g_assert_true (g_file_get_contents (path, &file_text, NULL, NULL));
    g_assert_cmpstr (file_text, ==, expected);
    g_unlink (path);
    g_rmdir (dir);
  }
}

static void
test_judgment_text_in_pieces (void)
{
  g_autoptr(TbJudgment) judgment = tb_judgment_new ();
  TbComparison *comparison = tb_comparison_new ();

  assert_written_as_whole (judgment);   /* nothing set, no score */

  judgment->judge_model = g_strdup ("j/one");
  judgment->created_at = g_strdup ("2026-11-25T12:16:25Z");
  for (guint i = 0; i < 3; i++)
    {
      TbScore *score = tb_score_new ("a/x");

      score->input = g_strdup_printf ("input-%u", i);
      score->repeat = i + 1;
      tb_score_set_criterion (score, "accuracy", 8);
      tb_score_set_criterion (score, "tiny", 2e-08);   /* json-glib writes "2e-08.0" */
      score->overall = 80;
      score->reasoning = g_strdup ("Line one.\nLine \"two\"\t\u00e9 — ok");
      score->violations = g_strsplit ("too long|no \\ title", "|", -1);
      score->cost = call_cost (TRUE, 1e-09, FALSE, 0);
      g_ptr_array_add (judgment->scores, score);
    }
  assert_written_as_whole (judgment);   /* scores, no comparison */

  /* a message cut mid-character is written as UTF-8, so the file stays readable */
  {
    TbScore *cut = tb_score_new ("b/y");

    cut->error = g_strdup ("HTTP 502: r\xc3\xa9ponse coup\xc3");
    cut->violations = g_strsplit ("\xff", "|", -1);
    g_ptr_array_add (judgment->scores, cut);
  }
  assert_written_as_whole (judgment);

  comparison->input = g_strdup ("input-0");
  comparison->a = g_strdup ("a/x");
  comparison->b = g_strdup ("b/y");
  comparison->winner = TB_WINNER_TIE;
  g_ptr_array_add (judgment->comparisons, comparison);
  tb_judgment_settle_cost (judgment);
  judgment->best_overall = g_strdup ("a/x");
  assert_written_as_whole (judgment);

  /* a pass of hundreds of scores: its file is written in many pieces */
  for (guint i = 0; i < 400; i++)
    {
      TbScore *score = tb_score_new ("c/z");

      score->input = g_strdup_printf ("input-%u", i);
      tb_score_set_criterion (score, "accuracy", i % 11);
      score->overall = i % 101;
      score->reasoning = g_strnfill (200 + i % 7, 'r');
      g_ptr_array_add (judgment->scores, score);
    }
  assert_written_as_whole (judgment);
}

static void
test_judgment_legacy (void)
{
  g_autoptr(JsonNode) node = parse_text (
    "{\"judge_model\": \"anthropic/claude-sonnet-4.5\", \"created_at\": \"x\","
    " \"scores\": [{\"model\": \"a/x\", \"criteria\": {\"accuracy\": 8}, \"overall\": 80,"
    " \"violations\": [\"v\", {\"o\": 1}], \"error\": null}, {\"criteria\": {}}, 7],"
    " \"recommendation\": {\"best_overall\": \"a/x\"}}");
  g_autoptr(TbJudgment) judgment = NULL;
  g_autoptr(GError) error = NULL;
  TbScore *score;

  judgment = tb_judgment_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (judgment->judges[0], ==, "anthropic/claude-sonnet-4.5");
  g_assert_null (judgment->judges[1]);
  g_assert_cmpuint (judgment->scores->len, ==, 1);
  score = g_ptr_array_index (judgment->scores, 0);
  g_assert_cmpstr (tb_judgment_score_judge (judgment, score), ==, "anthropic/claude-sonnet-4.5");
  g_assert_cmpuint (g_strv_length (score->violations), ==, 1);
  g_assert_cmpstr (judgment->best_overall, ==, "a/x");
  g_assert_cmpuint (judgment->comparisons->len, ==, 0);

  /* read from its file score by score, what is not a score is passed over just the same */
  assert_file_reads_as_tree (
    "{\"judge_model\": \"j\", \"scores\": [{\"model\": \"a/x\", \"overall\": 80,"
    " \"criteria\": {\"accuracy\": 8}, \"scores\": [1]}, {\"criteria\": {}}, 7, [],"
    " {\"model\": \"b/y\", \"overall\": 60, \"criteria\": {\"accuracy\": 6}}],"
    " \"comparisons\": [{\"a\": \"a/x\"}, \"c\", {\"a\": \"a/x\", \"b\": \"b/y\","
    " \"winner\": \"A\"}], \"recommendation\": {\"best_overall\": \"a/x\"}}");
}

static void
test_judgment_names (void)
{
  g_assert_cmpint (tb_judgment_compare_file_names ("20261125T115106Z.json",
                                                   "20261125T115107Z.json"), >, 0);
  g_assert_cmpint (tb_judgment_compare_file_names ("20261125T115106Z-3.json",
                                                   "20261125T115106Z-2.json"), <, 0);
  g_assert_cmpint (tb_judgment_compare_file_names ("20261125T115106Z-2.json",
                                                   "20261125T115106Z.json"), <, 0);

  /* the time a name says */
  {
    g_autofree char *plain = tb_judgment_time_from_file_name ("20261125T115106Z.json");
    g_autofree char *numbered = tb_judgment_time_from_file_name ("20261125T115106Z-3.json");
    g_autofree char *odd = tb_judgment_time_from_file_name ("2026112xT115106Z.json");
    g_autofree char *other = tb_judgment_time_from_file_name ("notes.json");

    g_assert_cmpstr (plain, ==, "2026-11-25T11:51:06Z");
    g_assert_cmpstr (numbered, ==, "2026-11-25T11:51:06Z");
    g_assert_null (odd);
    g_assert_null (other);
  }
}

/* Non-finite numbers as other writers spell them read as null; nothing else changes. */
static void
test_non_finite_words (void)
{
  static const struct {
    const char *in;
    const char *out;   /* NULL: unchanged */
  } cases[] = {
    { "{\"usd\" : nan.0, \"b\" : -inf.0, \"c\" : inf.0}",
      "{\"usd\" : null, \"b\" : null, \"c\" : null}" },
    { "{\"a\":NaN,\"b\":[Infinity,-Infinity]}", "{\"a\":null,\"b\":[null,null]}" },
    { "{\"a\": -nan, \"b\": inf}", "{\"a\": null, \"b\": null}" },
    /* inside strings, parts of words and of numbers: left alone */
    { "{\"NaN\": \"nan.0 Infinity \\\" NaN\", \"x\": 1e999, \"y\": null}", NULL },
    { "{\"nano\": nanometre, \"k\": Infinityx, \"z\": 2.0e-8}", NULL },
    { "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize length = 0;
      g_autofree char *out = tb_json_null_non_finite (cases[i].in, strlen (cases[i].in),
                                                      &length);

      g_assert_cmpstr (out, ==, cases[i].out);
      if (out != NULL)
        g_assert_cmpuint (length, ==, strlen (out));
    }

  /* A file of an older version reads back, the amount unknown. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = tb_json_parse ("{\"model\": \"a/b\", \"status\": \"ok\","
                                              " \"cost\": {\"usd\": nan.0, \"source\":"
                                              " \"inline\", \"inline_usd\": inf.0}}", -1,
                                              "old", &error);
    g_autoptr(TbOutput) output = NULL;

    g_assert_no_error (error);
    output = tb_output_from_json (node, &error);
    g_assert_no_error (error);
    g_assert_false (output->cost.has_inline);
    g_assert_false (tb_cost_is_known (&output->cost));
  }
}

/* Text nested deeper than json-glib's recursion can take is refused, not parsed: a few
 * hundred thousand levels would overflow the stack. Brackets in strings and comments do
 * not count; whatever json-glib reads as a string or a comment is read so here. */
static char *
nested (const char *prefix,
        guint       depth)
{
  GString *text = g_string_new (prefix);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, ']');
  if (prefix[0] == '{')
    g_string_append_c (text, '}');
  return g_string_free (text, FALSE);
}

static void
test_deep_nesting (void)
{
  static const struct {
    const char *prefix;
    guint       depth;
    gboolean    parses;
    const char *says;
  } cases[] = {
    { "{\"a\": ", TB_JSON_MAX_DEPTH - 1, TRUE, NULL },
    { "{\"a\": ", TB_JSON_MAX_DEPTH, FALSE, "nested" },
    { "{\"a\": ", 300000, FALSE, "nested" },
    { "", 300000, FALSE, "nested" },
    /* comments and single quotes are not JSON: refused where they stand */
    { "/* \" */ ", 300000, FALSE, "line 1, column 1:" },
    { "['\"', ", 300000, FALSE, "line 1, column 2:" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = nested (cases[i].prefix, cases[i].depth);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = tb_json_parse (text, -1, "deep", &error);

      g_test_message ("case %u", i);
      if (cases[i].parses)
        g_assert_no_error (error);
      else
        {
          g_assert_null (node);
          g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
          g_assert_nonnull (strstr (error->message, cases[i].says));
        }
    }

  /* brackets inside a string are text */
  {
    GString *text = g_string_new ("{\"a\": \"");
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = NULL;

    for (guint i = 0; i < 300000; i++)
      g_string_append (text, "[{");
    g_string_append (text, "\\\"\"}");
    node = tb_json_parse (text->str, text->len, "brackets", &error);
    g_assert_no_error (error);
    g_string_free (text, TRUE);
  }
}

/* What TaskBench writes always parses, whatever double reaches the tree (a copied node, a
 * sum). */
static void
test_non_finite_written (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "inf");
  json_builder_add_double_value (builder, INFINITY);
  json_builder_set_member_name (builder, "nan");
  json_builder_add_double_value (builder, NAN);
  json_builder_set_member_name (builder, "list");
  json_builder_begin_array (builder);
  json_builder_add_double_value (builder, -INFINITY);
  json_builder_add_string_value (builder, "inf.0 stays text");
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  text = tb_json_to_string (node, FALSE);
  back = round_trip (node);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (json_node_get_object (back),
                                                               "inf")));
  g_assert_nonnull (strstr (text, "\"inf.0 stays text\""));

  /* a run keeps its forecast as a tree: one that holds infinity still writes a run.json */
  {
    g_autoptr(TbRun) run = tb_run_new ();
    g_autoptr(JsonNode) run_node = NULL;
    g_autoptr(JsonNode) run_back = NULL;

    run->id = g_strdup ("20261125T121619Z-5cff");
    run->forecast = json_node_copy (node);
    run_node = tb_run_to_json (run);
    run_back = round_trip (run_node);
  }
}

/* Amounts big enough to overflow a sum are no amounts: costs add up to finite sums. */
static void
test_amount_ceiling (void)
{
  g_autoptr(JsonNode) hostile = parse_text ("{\"inline_usd\": 1e308, \"usd\": 1e308,"
                                            " \"source\": \"inline\"}");
  g_autoptr(JsonNode) rollup_node = parse_text ("{\"runs\": 1, \"candidate_usd\": 1e300,"
                                                " \"candidate_tokens\": {\"prompt\":"
                                                " 9223372036854775807}}");
  TbCost a = { 0 };
  TbCost sum = { 0 };
  TbRollup rollup = { 0 };
  TbRollup total = { 0 };

  /* two amounts of 1e308 would add up to infinity: neither is an amount */
  tb_cost_from_json (&a, json_node_get_object (hostile));
  g_assert_false (tb_cost_is_known (&a));
  tb_cost_add (&sum, &a);
  tb_cost_add (&sum, &a);
  g_assert_false (tb_cost_is_known (&sum));

  /* nor in a rollup the index kept; and no token count overflows a sum of runs */
  tb_rollup_from_json (&rollup, json_node_get_object (rollup_node));
  g_assert_cmpfloat (rollup.candidate_usd, ==, 0);
  g_assert_cmpint (rollup.candidate_usage.prompt_tokens, ==, 0);
  tb_rollup_add (&total, &rollup);
  tb_rollup_add (&total, &rollup);
  g_assert_true (tb_amount_is_valid (total.total_usd));
}

/* A stored pair that says nothing — a source no version wrote, "unknown" beside known
 * amounts — is settled from the amounts, as the file reads once written back. */
static void
test_cost_garbled_source (void)
{
  static const char * const texts[] = {
    "{\"inline_usd\": 0.5, \"usd\": 0.5, \"source\": \"bogus\"}",
    "{\"inline_usd\": 0.5, \"usd\": null, \"source\": \"unknown\"}",
    "{\"inline_usd\": 0.5, \"usd\": 0.5, \"source\": 7}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(JsonNode) node = parse_text (texts[i]);
      g_autoptr(JsonNode) cost_node = NULL;
      g_autoptr(JsonNode) written = NULL;
      TbCost cost = { 0 };
      TbCost again = { 0 };

      tb_cost_from_json (&cost, json_node_get_object (node));
      g_assert_cmpint (cost.source, ==, TB_COST_INLINE);
      g_assert_cmpfloat (cost.usd, ==, 0.5);
      cost_node = tb_cost_to_json (&cost);
      written = round_trip (cost_node);
      tb_cost_from_json (&again, json_node_get_object (written));
      g_assert_cmpint (again.source, ==, cost.source);
      g_assert_cmpfloat (again.usd, ==, cost.usd);
    }
}

/* A lone surrogate reads as U+FFFD, and the character after it stays: the record writes
 * back to JSON that parses. A surrogate pair is the character it names. An octal escape
 * (json-glib took one) is not JSON: refused, with where it stands. */
static void
test_lone_surrogates (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = tb_json_parse ("{\"model\": \"a/b\", \"status\": \"ok\","
                                            " \"content\": \"x\\ud800y \\ud83d\\ude00\","
                                            " \"finish_reason\": \"\\udfffz\","
                                            " \"provider\": \"p\\u0000q\","
                                            " \"format_check\": {\"valid\": false,"
                                            " \"errors\": [\"\\ud800!\"]},"
                                            " \"\\ud801key\": 1}", -1, "surrogates",
                                            &error);
  g_autoptr(TbOutput) output = NULL;
  g_autoptr(JsonNode) written = NULL;
  g_autoptr(JsonNode) back = NULL;

  g_assert_no_error (error);
  output = tb_output_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (output->content, ==, "x\xef\xbf\xbdy \xf0\x9f\x98\x80");
  g_assert_cmpstr (output->finish_reason, ==, "\xef\xbf\xbdz");
  /* a NUL would cut the text short: it is U+FFFD too */
  g_assert_cmpstr (output->provider, ==, "p\xef\xbf\xbdq");
  g_assert_cmpstr (output->format_errors[0], ==, "\xef\xbf\xbd!");
  g_assert_true (json_object_has_member (json_node_get_object (node), "\xef\xbf\xbdkey"));
  written = tb_output_to_json (output);
  back = round_trip (written);
  /* the tree itself too: a copied node writes back whole */
  {
    g_autofree char *text = tb_json_to_string (node, FALSE);

    g_assert_true (g_utf8_validate (text, -1, NULL));
  }
  {
    g_autoptr(GError) octal_error = NULL;
    g_autoptr(JsonNode) octal = tb_json_parse ("{\"provider\": \"\\216x\"}", -1, "octal",
                                               &octal_error);

    g_assert_null (octal);
    g_assert_error (octal_error, TB_ERROR, TB_ERROR_INVALID);
    g_assert_cmpstr (octal_error->message, ==,
                     "Could not read octal: line 1, column 15: an unknown escape in a string");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/records/amount-gate", test_amount_gate);
  g_test_add_func ("/records/non-finite-words", test_non_finite_words);
  g_test_add_func ("/records/deep-nesting", test_deep_nesting);
  g_test_add_func ("/records/non-finite-written", test_non_finite_written);
  g_test_add_func ("/records/amount-ceiling", test_amount_ceiling);
  g_test_add_func ("/records/lone-surrogates", test_lone_surrogates);
  g_test_add_func ("/records/cost/settle", test_cost_settle);
  g_test_add_func ("/records/cost/add", test_cost_add);
  g_test_add_func ("/records/cost/json", test_cost_json);
  g_test_add_func ("/records/cost/garbled-source", test_cost_garbled_source);
  g_test_add_func ("/records/output/round-trip", test_output_round_trip);
  g_test_add_func ("/records/output/hostile-values", test_output_hostile_values);
  g_test_add_func ("/records/output/slug", test_slug);
  g_test_add_func ("/records/run/round-trip", test_run_round_trip);
  g_test_add_func ("/records/run/legacy", test_run_legacy);
  g_test_add_func ("/records/run/id", test_run_id);
  g_test_add_func ("/records/judgment/round-trip", test_judgment_round_trip);
  g_test_add_func ("/records/judgment/text-in-pieces", test_judgment_text_in_pieces);
  g_test_add_func ("/records/judgment/legacy", test_judgment_legacy);
  g_test_add_func ("/records/judgment/names", test_judgment_names);

  return g_test_run ();
}
