/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The forecast against hand computations: calls, tokens and dollars per model and judge;
 * history, references and the input's share as the completion; parts; pairwise; what a
 * resume leaves out; unknown prices; the balance rule; the JSON. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "tb-core.h"

#define USECASE \
  "name: Forecast\n" \
  "goal: Summarise.\n" \
  "output:\n" \
  "  format: text\n" \
  "judge:\n" \
  "  criteria:\n" \
  "    - {name: accuracy, weight: 2}\n" \
  "    - {name: brevity, weight: 1}\n"

static TbUsecase *
usecase_new (void)
{
  g_autoptr(GError) error = NULL;
  TbUsecase *usecase = tb_usecase_parse ("forecast", USECASE, -1, "forecast.yaml", &error);

  g_assert_no_error (error);
  return usecase;
}

/* Prices per token: cheap/a 1e-6 in, 2e-6 out; small/b the same with an 8k context;
 * judge/j 3e-6, 15e-6. odd/x is not in the catalog. */
static TbCatalog *
catalog_new (void)
{
  static const char json[] =
    "{\"data\": ["
    "{\"id\": \"cheap/a\", \"context_length\": 128000, "
    " \"pricing\": {\"prompt\": \"0.000001\", \"completion\": \"0.000002\"}},"
    "{\"id\": \"small/b\", \"context_length\": 8192, "
    " \"pricing\": {\"prompt\": \"0.000001\", \"completion\": \"0.000002\"}},"
    "{\"id\": \"judge/j\", \"context_length\": 200000, "
    " \"pricing\": {\"prompt\": \"0.000003\", \"completion\": \"0.000015\", "
    "               \"request\": \"0.001\"}}"
    "]}";
  g_autoptr(GError) error = NULL;
  TbCatalog *catalog = tb_catalog_parse (json, -1, &error);

  g_assert_no_error (error);
  return catalog;
}

static char *
text_of (gsize bytes,
         char  fill)
{
  char *text = g_malloc (bytes + 1);

  for (gsize i = 0; i < bytes; i++)
    text[i] = (i % 80 == 79) ? '\n' : fill;
  text[bytes] = '\0';
  return text;
}

static GPtrArray *
inputs_new (void)
{
  GPtrArray *inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_test_input_free);
  g_autofree char *one = text_of (4000, 'a');     /* 1000 tokens */
  g_autofree char *two = text_of (12000, 'b');    /* 3000 tokens */
  g_autofree char *reference = text_of (800, 'r');/* 200 tokens */
  TbTestInput *second;

  g_ptr_array_add (inputs, tb_test_input_new ("one", "one.txt", one, strlen (one)));
  second = tb_test_input_new ("two", "two.txt", two, strlen (two));
  tb_test_input_set_reference (second, "two.reference.txt", reference, strlen (reference));
  g_ptr_array_add (inputs, second);
  return inputs;
}

static const TbForecastLine *
line_of (GPtrArray  *lines,
         const char *model)
{
  for (guint i = 0; i < lines->len; i++)
    {
      const TbForecastLine *line = g_ptr_array_index (lines, i);

      if (g_str_equal (line->model, model))
        return line;
    }
  g_assert_not_reached ();
}

static gint64
executor_overhead (TbUsecase *usecase)
{
  g_autofree char *prompt = tb_prompt_executor (usecase, "", NULL);

  return tb_estimate_tokens (prompt, -1);
}

/* Two inputs × two repeats; the completion is a sixth of the input, or the reference. */
static void
test_candidates_by_hand (void)
{
  g_autoptr(TbUsecase) usecase = usecase_new ();
  g_autoptr(TbCatalog) catalog = catalog_new ();
  g_autoptr(GPtrArray) inputs = inputs_new ();
  const char *models[] = { "cheap/a", "odd/x", NULL };
  TbForecastRequest request = { 0 };
  g_autoptr(TbForecast) forecast = NULL;
  const TbForecastLine *cheap, *odd;
  gint64 overhead = executor_overhead (usecase);
  /* input one: 1000 tokens, answer 1000/6 = 166; input two: 3000, answer = reference 200 */
  gint64 prompt = 2 * (overhead + 1000) + 2 * (overhead + 3000);
  gint64 completion = 2 * 166 + 2 * 200;
  double usd = prompt * 1e-6 + completion * 2e-6;

  request.usecase = usecase;
  request.inputs = inputs;
  request.models = models;
  request.repeat = 2;
  request.catalog = catalog;
  forecast = tb_forecast_new (&request);

  cheap = line_of (forecast->models, "cheap/a");
  g_assert_cmpuint (cheap->calls, ==, 4);
  g_assert_cmpint (cheap->prompt_tokens, ==, prompt);
  g_assert_cmpint (cheap->completion_tokens, ==, completion);
  g_assert_true (cheap->known);
  g_assert_cmpfloat_with_epsilon (cheap->usd, usd, 1e-12);
  g_assert_cmpuint (cheap->parts, ==, 1);

  /* a price the catalog does not know: unknown, never $0, and out of the total */
  odd = line_of (forecast->models, "odd/x");
  g_assert_false (odd->known);
  g_assert_cmpuint (odd->calls, ==, 4);
  g_assert_cmpuint (forecast->calls, ==, 8);
  g_assert_cmpfloat_with_epsilon (forecast->total_usd, usd, 1e-12);
  g_assert_cmpuint (g_strv_length (forecast->unknown), ==, 1);
  g_assert_cmpstr (forecast->unknown[0], ==, "odd/x");
}

/* Earlier answers win over every guess; a judge's too. */
static void
test_history (void)
{
  g_autoptr(TbUsecase) usecase = usecase_new ();
  g_autoptr(TbCatalog) catalog = catalog_new ();
  g_autoptr(GPtrArray) inputs = inputs_new ();
  g_autoptr(GHashTable) history = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         g_free);
  const char *models[] = { "cheap/a", NULL };
  const char *judges[] = { "judge/j", NULL };
  TbForecastRequest request = { 0 };
  g_autoptr(TbForecast) forecast = NULL;
  gint64 answer = 500, judged = 90;

  g_hash_table_insert (history, g_strdup ("cheap/a"), g_memdup2 (&answer, sizeof answer));
  g_hash_table_insert (history, g_strdup ("judge:judge/j"), g_memdup2 (&judged, sizeof judged));
  request.usecase = usecase;
  request.inputs = inputs;
  request.models = models;
  request.repeat = 1;
  request.judges = judges;
  request.catalog = catalog;
  request.history = history;
  forecast = tb_forecast_new (&request);

  g_assert_cmpint (line_of (forecast->models, "cheap/a")->completion_tokens, ==, 2 * 500);
  g_assert_cmpuint (line_of (forecast->judges, "judge/j")->calls, ==, 2);
  g_assert_cmpint (line_of (forecast->judges, "judge/j")->completion_tokens, ==, 2 * 90);

  /* without history: a short answer per criterion */
  request.history = NULL;
  tb_forecast_free (g_steal_pointer (&forecast));
  forecast = tb_forecast_new (&request);
  g_assert_cmpint (line_of (forecast->judges, "judge/j")->completion_tokens, ==,
                   2 * (200 + 40 * 2));
  /* the judge's request price counts once per call */
  g_assert_cmpfloat (line_of (forecast->judges, "judge/j")->usd, >, 2 * 0.001);
}

/* A model with a small context takes a long input in parts: every part is a call. */
static void
test_parts (void)
{
  g_autoptr(TbUsecase) usecase = usecase_new ();
  g_autoptr(TbCatalog) catalog = catalog_new ();
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                tb_test_input_free);
  g_autofree char *long_text = text_of (200000, 'c');  /* 50,000 tokens */
  const char *models[] = { "small/b", "cheap/a", NULL };
  TbForecastRequest request = { 0 };
  g_autoptr(TbForecast) forecast = NULL;
  gint64 budget = 0;
  guint parts;

  g_ptr_array_add (inputs, tb_test_input_new ("long", "long.txt", long_text,
                                              strlen (long_text)));
  g_assert_true (tb_chunk_budget ("small/b", 8192, 0, 50000, executor_overhead (usecase),
                                  &budget, NULL, NULL));
  parts = tb_chunk_count (long_text, strlen (long_text), budget, TB_CHUNK_OVERLAP_LINES);
  g_assert_cmpuint (parts, >, 5);

  request.usecase = usecase;
  request.inputs = inputs;
  request.models = models;
  request.repeat = 1;
  request.catalog = catalog;
  forecast = tb_forecast_new (&request);
  g_assert_cmpuint (line_of (forecast->models, "small/b")->calls, ==, parts);
  g_assert_cmpuint (line_of (forecast->models, "small/b")->parts, ==, parts);
  g_assert_cmpuint (line_of (forecast->models, "cheap/a")->calls, ==, 1);
}

/* Pairwise: both orders of every pair, per input; a resume leaves out what is done. */
static void
test_pairwise_and_resume (void)
{
  g_autoptr(TbUsecase) usecase = usecase_new ();
  g_autoptr(TbCatalog) catalog = catalog_new ();
  g_autoptr(GPtrArray) inputs = inputs_new ();
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);
  const char *models[] = { "cheap/a", "small/b", "odd/x", NULL };
  const char *judges[] = { "judge/j", NULL };
  TbForecastRequest request = { 0 };
  g_autoptr(TbForecast) pairwise = NULL;
  g_autoptr(TbForecast) resumed = NULL;
  TbOutput *output;

  request.usecase = usecase;
  request.inputs = inputs;
  request.models = models;
  request.repeat = 1;
  request.judges = judges;
  request.judge_mode = TB_JUDGE_PAIRWISE;
  request.catalog = catalog;
  pairwise = tb_forecast_new (&request);
  /* 3 models: 3 pairs × 2 orders × 2 inputs */
  g_assert_cmpuint (line_of (pairwise->judges, "judge/j")->calls, ==, 12);
  g_assert_cmpuint (line_of (pairwise->judges, "judge/j")->calls, ==,
                    tb_judge_pairwise_calls (3, 2, 1, 1));

  /* cheap/a answered input one already: a resume calls it once, on input two */
  output = tb_output_new ("cheap/a");
  output->input = g_strdup ("one");
  output->repeat = 1;
  output->status = TB_OUTPUT_OK;
  output->content = g_strdup ("done");
  g_ptr_array_add (done, output);
  request.judges = NULL;
  request.done_outputs = done;
  resumed = tb_forecast_new (&request);
  g_assert_cmpuint (line_of (resumed->models, "cheap/a")->calls, ==, 1);
  g_assert_cmpuint (line_of (resumed->models, "small/b")->calls, ==, 2);
}

static void
test_balance (void)
{
  g_autoptr(TbForecast) forecast = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  TbKeyInfo key = { 0 };
  g_autofree char *message = NULL;

  g_assert_true (json_parser_load_from_data (parser, "{\"total_usd\": 2.5, \"calls\": 10, "
                                             "\"models\": [], \"judges\": [], "
                                             "\"unknown\": []}", -1, NULL));
  forecast = tb_forecast_from_json (json_parser_get_root (parser));
  g_assert_nonnull (forecast);

  /* no limit */
  g_assert_true (tb_forecast_check_balance (forecast, &key, &message));
  g_assert_null (message);
  key.has_limit_remaining = TRUE;
  key.limit_remaining = 3.0;
  g_assert_true (tb_forecast_check_balance (forecast, &key, &message));
  key.limit_remaining = 1.25;
  g_assert_false (tb_forecast_check_balance (forecast, &key, &message));
  g_assert_nonnull (strstr (message, "$2.50"));
  g_assert_nonnull (strstr (message, "$1.25"));

  node = tb_forecast_to_json (forecast);
  g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (node), "total_usd"),
                     ==, 2.5);
}

/* The JSON names of DESIGN.md; an unknown price is null, never 0. */
static void
test_json (void)
{
  g_autoptr(TbUsecase) usecase = usecase_new ();
  g_autoptr(TbCatalog) catalog = catalog_new ();
  g_autoptr(GPtrArray) inputs = inputs_new ();
  const char *models[] = { "cheap/a", "odd/x", NULL };
  const char *judges[] = { "judge/j", NULL };
  TbForecastRequest request = { 0 };
  g_autoptr(TbForecast) forecast = NULL;
  g_autoptr(TbForecast) back = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *root, *odd = NULL;
  JsonArray *lines;

  request.usecase = usecase;
  request.inputs = inputs;
  request.models = models;
  request.repeat = 1;
  request.judges = judges;
  request.catalog = catalog;
  forecast = tb_forecast_new (&request);
  node = tb_forecast_to_json (forecast);
  root = json_node_get_object (node);
  for (guint i = 0; i < 6; i++)
    g_assert_true (json_object_has_member (root, (const char *[]) {
                     "total_usd", "calls", "models", "judges", "unknown", "calls" }[i]));
  lines = json_object_get_array_member (root, "models");
  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      JsonObject *line = json_array_get_object_element (lines, i);

      g_assert_true (json_object_has_member (line, "prompt_tokens"));
      g_assert_true (json_object_has_member (line, "completion_tokens"));
      if (g_str_equal (json_object_get_string_member (line, "model"), "odd/x"))
        odd = line;
    }
  g_assert_nonnull (odd);
  g_assert_true (json_object_get_null_member (odd, "usd"));

  back = tb_forecast_from_json (node);
  g_assert_cmpuint (back->calls, ==, forecast->calls);
  g_assert_cmpfloat_with_epsilon (back->total_usd, forecast->total_usd, 1e-12);
  g_assert_false (line_of (back->models, "odd/x")->known);
  /* every output of both models is judged, priced or not */
  g_assert_cmpuint (line_of (back->judges, "judge/j")->calls, ==, 4);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/forecast/candidates-by-hand", test_candidates_by_hand);
  g_test_add_func ("/forecast/history", test_history);
  g_test_add_func ("/forecast/parts", test_parts);
  g_test_add_func ("/forecast/pairwise-and-resume", test_pairwise_and_resume);
  g_test_add_func ("/forecast/balance", test_balance);
  g_test_add_func ("/forecast/json", test_json);

  return g_test_run ();
}
