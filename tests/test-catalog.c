/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-catalog"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "fake-server.h"
#include "tb-catalog.h"
#include "tb-error.h"
#include "tb-util.h"

/* What OpenRouter sends, with the oddities the parser must survive. */
static const char *parse_json =
  "{\"data\": ["
  " {\"id\": \"google/gemini-2.5-flash\", \"name\": \"Google: Gemini 2.5 Flash\","
  "  \"context_length\": 1048576,"
  "  \"pricing\": {\"prompt\": \"0.0000003\", \"completion\": \"0.0000025\", \"request\": \"0\"},"
  "  \"architecture\": {\"input_modalities\": [\"text\", \"image\"],"
  "                     \"output_modalities\": [\"text\"]},"
  "  \"top_provider\": {\"max_completion_tokens\": 65535},"
  "  \"supported_parameters\": [\"max_tokens\", \"response_format\", \"structured_outputs\"]},"
  " {\"id\": \"openai/gpt-image-1\", \"name\": \"GPT Image\", \"context_length\": 32000,"
  "  \"pricing\": {\"prompt\": \"0.00001\", \"completion\": \"0.00004\"},"
  "  \"architecture\": {\"input_modalities\": [\"text\"], \"output_modalities\": [\"image\"]}},"
  " {\"id\": \"openrouter/auto\", \"name\": \"Auto Router\", \"context_length\": 2000000,"
  "  \"pricing\": {\"prompt\": \"-1\", \"completion\": \"-1\"}},"
  " {\"id\": \"local-model\"},"
  " {\"id\": \"mistralai/json-mode\", \"context_length\": 32768,"
  "  \"pricing\": {\"prompt\": \"0.0000001\", \"completion\": \"0.0000003\","
  "              \"request\": \"0.001\"},"
  "  \"top_provider\": {\"max_completion_tokens\": null},"
  "  \"supported_parameters\": [\"response_format\"]},"
  " {\"id\": \"old/style\", \"context_length\": 4096,"
  "  \"pricing\": {\"prompt\": 0.000002, \"completion\": 0.000004},"
  "  \"architecture\": {\"modality\": \"text->image\"}},"
  " {\"name\": \"an entry without id\"},"
  " \"not an object\","
  " {\"id\": \"google/gemini-2.5-flash\", \"name\": \"a duplicate\"}"
  "]}";

/* A catalog for recommendation: eight providers, prices spread over three orders of
 * magnitude, contexts from 8k to 1M, and the models recommendation must never pick. */
static const char *recommend_json =
  "{\"data\": ["
  " {\"id\": \"p1/tiny\", \"context_length\": 8192,"
  "  \"pricing\": {\"prompt\": \"0.0000001\", \"completion\": \"0.0000002\"},"
  "  \"supported_parameters\": [\"structured_outputs\", \"response_format\"]},"
  " {\"id\": \"p1/big\", \"context_length\": 1000000,"
  "  \"pricing\": {\"prompt\": \"0.0000003\", \"completion\": \"0.0000025\"},"
  "  \"supported_parameters\": [\"structured_outputs\", \"response_format\"]},"
  " {\"id\": \"p1/big-pro\", \"context_length\": 1000000,"
  "  \"pricing\": {\"prompt\": \"0.00000125\", \"completion\": \"0.00001\"},"
  "  \"supported_parameters\": [\"structured_outputs\", \"response_format\"]},"
  " {\"id\": \"p2/mid\", \"context_length\": 128000,"
  "  \"pricing\": {\"prompt\": \"0.00000015\", \"completion\": \"0.0000006\"},"
  "  \"supported_parameters\": [\"structured_outputs\", \"response_format\"]},"
  " {\"id\": \"p2/premium\", \"context_length\": 200000,"
  "  \"pricing\": {\"prompt\": \"0.000003\", \"completion\": \"0.000015\"},"
  "  \"supported_parameters\": [\"structured_outputs\", \"response_format\"]},"
  " {\"id\": \"p3/json-only\", \"context_length\": 128000,"
  "  \"pricing\": {\"prompt\": \"0.0000002\", \"completion\": \"0.0000008\"},"
  "  \"supported_parameters\": [\"response_format\"]},"
  " {\"id\": \"p3/flagship\", \"context_length\": 200000,"
  "  \"pricing\": {\"prompt\": \"0.000015\", \"completion\": \"0.000075\"},"
  "  \"supported_parameters\": [\"max_tokens\"]},"
  " {\"id\": \"p4/free\", \"context_length\": 131072,"
  "  \"pricing\": {\"prompt\": \"0\", \"completion\": \"0\"}},"
  " {\"id\": \"p5/budget\", \"context_length\": 64000,"
  "  \"pricing\": {\"prompt\": \"0.00000005\", \"completion\": \"0.0000001\"},"
  "  \"supported_parameters\": [\"structured_outputs\"]},"
  " {\"id\": \"p6/imagegen\", \"context_length\": 400000,"
  "  \"pricing\": {\"prompt\": \"0.000001\", \"completion\": \"0.000001\"},"
  "  \"architecture\": {\"output_modalities\": [\"image\"]}},"
  " {\"id\": \"p7/auto\", \"context_length\": 2000000,"
  "  \"pricing\": {\"prompt\": \"-1\", \"completion\": \"-1\"}},"
  " {\"id\": \"p8/unknown-context\","
  "  \"pricing\": {\"prompt\": \"0.0000001\", \"completion\": \"0.0000001\"}}"
  "]}";

static TbUsecase *
usecase_new (TbCostPreference cost,
             gboolean         structured_output,
             gint64           min_context)
{
  TbUsecase *usecase = g_new0 (TbUsecase, 1);

  usecase->id = g_strdup ("test");
  usecase->name = g_strdup ("Test");
  usecase->goal = g_strdup ("Test recommendations");
  usecase->output_format = TB_FORMAT_JSON;
  usecase->cost = cost;
  usecase->structured_output = structured_output;
  usecase->min_context = min_context;

  return usecase;
}

static void
usecase_free (TbUsecase *usecase)
{
  g_free (usecase->id);
  g_free (usecase->name);
  g_free (usecase->goal);
  g_free (usecase);
}

/* Built by hand, so freed by hand: tb_usecase_unref is for loaded use cases. */
typedef TbUsecase TestUsecase;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestUsecase, usecase_free)

static TbCatalog *
recommend_catalog (void)
{
  g_autoptr(GError) error = NULL;
  TbCatalog *catalog = tb_catalog_parse (recommend_json, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (catalog);
  return catalog;
}

static gboolean
picks_contain (GPtrArray  *picks,
               const char *model_id)
{
  for (guint i = 0; i < picks->len; i++)
    if (g_str_equal (((TbPick *) g_ptr_array_index (picks, i))->model->id, model_id))
      return TRUE;

  return FALSE;
}

static const char *
pick_id (GPtrArray *picks,
         guint      i)
{
  return ((TbPick *) g_ptr_array_index (picks, i))->model->id;
}

/* ------------------------------------------------------------------------------------------ */

static void
test_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCatalog) catalog = tb_catalog_parse (parse_json, -1, &error);
  const TbModel *model;

  g_assert_no_error (error);
  g_assert_nonnull (catalog);
  g_assert_false (catalog->from_cache);
  g_assert_cmpint (catalog->fetched_at, >, 0);
  /* Entries without an id, non-objects and the duplicate are skipped. */
  g_assert_cmpuint (catalog->models->len, ==, 6);
  g_assert_cmpstr (((TbModel *) g_ptr_array_index (catalog->models, 0))->id, ==,
                   "google/gemini-2.5-flash");
  g_assert_cmpstr (((TbModel *) g_ptr_array_index (catalog->models, 5))->id, ==,
                   "old/style");

  model = g_ptr_array_index (catalog->models, 0);
  g_assert_cmpstr (model->name, ==, "Google: Gemini 2.5 Flash");
  g_assert_cmpstr (model->provider, ==, "google");
  g_assert_cmpint (model->context_length, ==, 1048576);
  g_assert_cmpint (model->max_completion_tokens, ==, 65535);
  g_assert_cmpfloat_with_epsilon (model->price_prompt, 0.0000003, 1e-15);
  g_assert_cmpfloat_with_epsilon (model->price_completion, 0.0000025, 1e-15);
  g_assert_cmpfloat (model->price_request, ==, 0);
  g_assert_false (model->price_unknown);
  g_assert_true (model->text_output);
  g_assert_true (model->structured_output);
  g_assert_true (model->json_schema);

  model = g_ptr_array_index (catalog->models, 1);
  g_assert_cmpstr (model->id, ==, "openai/gpt-image-1");
  g_assert_cmpstr (model->provider, ==, "openai");
  g_assert_false (model->text_output);
  g_assert_false (model->structured_output);
  g_assert_false (model->json_schema);
  g_assert_false (model->price_unknown);
  g_assert_cmpfloat_with_epsilon (model->price_completion, 0.00004, 1e-15);

  /* "-1" means variable: unknown, read as 0. */
  model = g_ptr_array_index (catalog->models, 2);
  g_assert_cmpstr (model->id, ==, "openrouter/auto");
  g_assert_true (model->price_unknown);
  g_assert_cmpfloat (model->price_prompt, ==, 0);
  g_assert_cmpfloat (model->price_completion, ==, 0);
  g_assert_cmpint (model->context_length, ==, 2000000);

  /* Nothing but an id (what Ollama and friends send). */
  model = g_ptr_array_index (catalog->models, 3);
  g_assert_cmpstr (model->id, ==, "local-model");
  g_assert_cmpstr (model->name, ==, "local-model");
  g_assert_cmpstr (model->provider, ==, "local-model");
  g_assert_cmpint (model->context_length, ==, 0);
  g_assert_cmpint (model->max_completion_tokens, ==, 0);
  g_assert_true (model->price_unknown);
  g_assert_true (model->text_output);
  g_assert_false (model->structured_output);

  model = g_ptr_array_index (catalog->models, 4);
  g_assert_cmpstr (model->id, ==, "mistralai/json-mode");
  g_assert_cmpstr (model->name, ==, "mistralai/json-mode");
  g_assert_cmpint (model->max_completion_tokens, ==, 0);
  g_assert_cmpfloat_with_epsilon (model->price_request, 0.001, 1e-15);
  g_assert_true (model->structured_output);
  g_assert_false (model->json_schema);

  /* Numbers instead of strings, and the older "modality" field. */
  model = g_ptr_array_index (catalog->models, 5);
  g_assert_cmpfloat_with_epsilon (model->price_prompt, 0.000002, 1e-15);
  g_assert_false (model->price_unknown);
  g_assert_false (model->text_output);
}

static void
test_parse_errors (void)
{
  const char *bad[] = {
    "this is not JSON",
    "{\"data\": [",
    "[]",
    "{}",
    "{\"data\": {}}",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TbCatalog) catalog = tb_catalog_parse (bad[i], -1, &error);

      g_assert_null (catalog);
      g_assert_error (error, TB_ERROR, TB_ERROR_FAILED);
      g_assert_true (g_str_has_prefix (error->message, "model catalog: "));
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TbCatalog) empty = tb_catalog_parse ("{\"data\": []}", -1, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (empty->models->len, ==, 0);
  }
}

static void
test_lookup (void)
{
  g_autoptr(TbCatalog) catalog = tb_catalog_parse (parse_json, -1, NULL);
  const TbModel *model;

  model = tb_catalog_lookup (catalog, "mistralai/json-mode");
  g_assert_nonnull (model);
  g_assert_cmpstr (model->id, ==, "mistralai/json-mode");
  g_assert_true (model == g_ptr_array_index (catalog->models, 4));

  /* The first of two duplicates wins. */
  model = tb_catalog_lookup (catalog, "google/gemini-2.5-flash");
  g_assert_nonnull (model);
  g_assert_cmpstr (model->name, ==, "Google: Gemini 2.5 Flash");

  g_assert_null (tb_catalog_lookup (catalog, "mistralai/nope"));
  g_assert_null (tb_catalog_lookup (catalog, "mistralai"));
  g_assert_null (tb_catalog_lookup (catalog, NULL));

  /* Reference counting keeps the catalog alive for a second owner. */
  {
    TbCatalog *second = tb_catalog_ref (catalog);

    g_assert_true (second == catalog);
    tb_catalog_unref (second);
    g_assert_nonnull (tb_catalog_lookup (catalog, "old/style"));
  }
}

/* The estimate, or -1 when it cannot be told. */
static double
estimate (const TbModel *model,
          gint64         prompt_tokens,
          gint64         completion_tokens,
          gint64         reasoning_tokens)
{
  double usd = -1;

  if (!tb_model_estimate_cost (model, prompt_tokens, completion_tokens, reasoning_tokens, &usd))
    {
      g_assert_cmpfloat (usd, ==, -1);   /* left alone */
      return -1;
    }
  g_assert_cmpfloat (usd, >=, 0);
  return usd;
}

static void
test_estimate_cost (void)
{
  g_autoptr(TbCatalog) catalog = tb_catalog_parse (parse_json, -1, NULL);
  const TbModel *gemini = tb_catalog_lookup (catalog, "google/gemini-2.5-flash");
  const TbModel *mistral = tb_catalog_lookup (catalog, "mistralai/json-mode");
  const TbModel *router = tb_catalog_lookup (catalog, "openrouter/auto");
  const TbModel *local = tb_catalog_lookup (catalog, "local-model");
  TbModel exact = { .price_prompt = 0.25, .price_completion = 2.0, .price_request = 0.5 };

  /* Binary fractions: the sum must be exact, not merely close. */
  g_assert_cmpfloat (estimate (&exact, 4, 3, 0), ==, 7.5);
  g_assert_cmpfloat (estimate (&exact, 0, 0, 0), ==, 0.5);
  g_assert_cmpfloat (estimate (&exact, -5, -5, -5), ==, 0.5);
  /* Without a reasoning price, reasoning is completion. */
  g_assert_cmpfloat (estimate (&exact, 4, 3, 2), ==, 7.5);

  /* 1M prompt tokens cost the per-million price. */
  g_assert_cmpfloat_with_epsilon (estimate (gemini, 1000000, 0, 0), 0.30, 1e-12);
  g_assert_cmpfloat_with_epsilon (estimate (gemini, 0, 1000000, 0), 2.50, 1e-12);
  g_assert_cmpfloat_with_epsilon (estimate (gemini, 20000, 4000, 0),
                                  20000 * 0.0000003 + 4000 * 0.0000025, 1e-15);
  /* The per-request price is added once. */
  g_assert_cmpfloat_with_epsilon (estimate (mistral, 1000, 2000, 0),
                                  0.0001 + 0.0006 + 0.001, 1e-15);

  /* An unknown price is no estimate, never $0. */
  g_assert_cmpfloat (estimate (router, 1000, 1000, 0), ==, -1);
  g_assert_cmpfloat (estimate (router, 0, 0, 0), ==, -1);
  g_assert_cmpfloat (estimate (local, 1000, 1000, 0), ==, -1);
  /* Nor is a sum past what a double holds. */
  {
    TbModel absurd = { .price_prompt = 1e300, .price_completion = 1e300 };

    g_assert_cmpfloat (estimate (&absurd, G_MAXINT64, G_MAXINT64, 0), ==, -1);
  }
}

/* Every way a price can be unknown makes the model's price unknown; the reasoning price is
 * read and used. */
static void
test_unknown_prices (void)
{
  static const char *json =
    "{\"data\": ["
    " {\"id\": \"a/missing-completion\", \"pricing\": {\"prompt\": \"0.000001\"}},"
    " {\"id\": \"a/variable\", \"pricing\": {\"prompt\": \"-1\", \"completion\": \"0.1\"}},"
    " {\"id\": \"a/negative\", \"pricing\": {\"prompt\": \"0.000001\","
    "                                         \"completion\": -0.000002}},"
    " {\"id\": \"a/garbage\", \"pricing\": {\"prompt\": \"abc\", \"completion\": \"0\"}},"
    " {\"id\": \"a/infinite\", \"pricing\": {\"prompt\": \"1e999\", \"completion\": \"0\"}},"
    " {\"id\": \"a/infinite-number\", \"pricing\": {\"prompt\": 1e999, \"completion\": 0}},"
    " {\"id\": \"a/null\", \"pricing\": {\"prompt\": null, \"completion\": \"0\"}},"
    " {\"id\": \"a/nan-text\", \"pricing\": {\"prompt\": \"nan\", \"completion\": \"0\"}},"
    " {\"id\": \"a/bad-request\", \"pricing\": {\"prompt\": \"0\", \"completion\": \"0\","
    "                                            \"request\": \"-1\"}},"
    " {\"id\": \"a/bad-reasoning\", \"pricing\": {\"prompt\": \"0\", \"completion\": \"0\","
    "                                              \"internal_reasoning\": \"x\"}},"
    " {\"id\": \"a/no-pricing\"},"
    " {\"id\": \"a/pricing-not-object\", \"pricing\": \"cheap\"},"
    " {\"id\": \"b/reasoning\", \"pricing\": {\"prompt\": \"0.000001\","
    "   \"completion\": \"0.000002\", \"request\": \"0.01\","
    "   \"internal_reasoning\": \"0.00001\"}},"
    " {\"id\": \"b/free\", \"pricing\": {\"prompt\": \"0\", \"completion\": \"0\"}}"
    "]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCatalog) catalog = tb_catalog_parse (json, -1, &error);
  const TbModel *model;

  g_assert_no_error (error);
  g_assert_cmpuint (catalog->models->len, ==, 14);
  for (guint i = 0; i < catalog->models->len; i++)
    {
      model = g_ptr_array_index (catalog->models, i);
      g_test_message ("%s", model->id);
      if (!g_str_has_prefix (model->id, "a/"))
        continue;
      g_assert_true (model->price_unknown);
      g_assert_cmpfloat (model->price_prompt, ==, 0);
      g_assert_cmpfloat (model->price_completion, ==, 0);
      g_assert_cmpfloat (model->price_request, ==, 0);
      g_assert_cmpfloat (model->price_reasoning, ==, 0);
      g_assert_cmpfloat (estimate (model, 1000, 1000, 0), ==, -1);
      g_assert_cmpfloat (estimate (model, 0, 0, 0), ==, -1);
    }

  model = tb_catalog_lookup (catalog, "b/reasoning");
  g_assert_false (model->price_unknown);
  g_assert_cmpfloat_with_epsilon (model->price_reasoning, 0.00001, 1e-18);
  /* 100 prompt, 300 completion of which 200 reasoning, one request */
  g_assert_cmpfloat_with_epsilon (estimate (model, 100, 300, 200),
                                  100 * 0.000001 + 100 * 0.000002 + 200 * 0.00001 + 0.01,
                                  1e-15);
  /* reasoning beyond the completion counts as the whole completion */
  g_assert_cmpfloat_with_epsilon (estimate (model, 0, 0, 50), 50 * 0.00001 + 0.01, 1e-15);

  /* A free model is known and costs $0: that is not the same as unknown. */
  model = tb_catalog_lookup (catalog, "b/free");
  g_assert_false (model->price_unknown);
  g_assert_cmpfloat (estimate (model, 1000, 1000, 1000), ==, 0);
}

static void
test_cache_path (void)
{
  const char *url = "https://openrouter.ai/api/v1";
  g_autofree char *path = tb_catalog_cache_path (url);
  g_autofree char *again = tb_catalog_cache_path (url);
  g_autofree char *other = tb_catalog_cache_path ("http://localhost:11434/v1");
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);
  g_autofree char *expected_name = g_strdup_printf ("models-%.12s.json", hash);
  g_autofree char *expected = g_build_filename (g_get_user_cache_dir (), "taskbench",
                                                expected_name, NULL);

  /* G_TEST_OPTION_ISOLATE_DIRS points the cache folder into this test's temporary folder. */
  g_assert_true (g_str_has_suffix (g_get_user_cache_dir (), "/catalog/cache-path/.dirs/cache"));
  g_assert_cmpstr (path, ==, expected);
  g_assert_cmpstr (path, ==, again);
  g_assert_cmpstr (path, !=, other);
  g_assert_cmpuint (strlen (expected_name), ==, strlen ("models-") + 12 + strlen (".json"));
}

/* ------------------------------------------------------------------------------------------ */
/* Loading against the fake server */

static void
got_result (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static TbCatalog *
load (TbClient      *client,
      gboolean       refresh,
      GCancellable  *cancellable,
      char         **warning,
      GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tb_catalog_load_async (client, refresh, cancellable, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return tb_catalog_load_finish (result, warning, error);
}

static GBytes *
fetch_models_body (TbClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *body;

  tb_client_models_async (client, NULL, got_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  body = tb_client_models_finish (client, result, &error);
  g_assert_no_error (error);
  return body;
}

static TbClient *
client_new (const char *url)
{
  /* Failures retry quickly. */
  g_setenv ("TASKBENCH_RETRY_BASE_MS", "10", TRUE);
  return tb_client_new (url, NULL, 5);
}

static void
age_file (const char *path,
          gint64      age_s)
{
  GFile *file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  guint64 when = (guint64) (g_get_real_time () / G_USEC_PER_SEC - age_s);

  g_file_set_attribute_uint64 (file, G_FILE_ATTRIBUTE_TIME_MODIFIED, when,
                               G_FILE_QUERY_INFO_NONE, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (file);
}

static gint64
file_mtime (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return (gint64) st.st_mtime;
}

static void
test_load_fetches_then_caches (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = client_new (fake_server_get_url (server));
  g_autofree char *path = tb_catalog_cache_path (fake_server_get_url (server));
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *cached_body = NULL;
  g_autoptr(GBytes) body = NULL;
  gsize cached_length = 0;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;

  fake_server_add_catalog_model (server, "testlab/special", 64000, 0.000001, 0.000002, TRUE);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  {
    g_autoptr(TbCatalog) catalog = load (client, FALSE, NULL, &warning, &error);
    const TbModel *special;

    g_assert_no_error (error);
    g_assert_nonnull (catalog);
    g_assert_null (warning);
    g_assert_false (catalog->from_cache);
    g_assert_cmpint (catalog->fetched_at, >=, before);
    g_assert_cmpuint (catalog->models->len, >=, 2);
    special = tb_catalog_lookup (catalog, "testlab/special");
    g_assert_nonnull (special);
    g_assert_cmpint (special->context_length, ==, 64000);
    g_assert_cmpfloat_with_epsilon (special->price_prompt, 0.000001, 1e-15);
    g_assert_true (special->json_schema);
    g_assert_cmpuint (fake_server_count (server, "/models", NULL), ==, 1);
  }

  /* Fresh: no request. */
  {
    g_autoptr(TbCatalog) catalog = load (client, FALSE, NULL, &warning, &error);

    g_assert_no_error (error);
    g_assert_null (warning);
    g_assert_true (catalog->from_cache);
    g_assert_cmpint (catalog->fetched_at, ==, file_mtime (path));
    g_assert_nonnull (tb_catalog_lookup (catalog, "testlab/special"));
    g_assert_cmpuint (fake_server_count (server, "/models", NULL), ==, 1);
  }

  /* The cache holds the body as the server sent it. */
  g_assert_true (g_file_get_contents (path, &cached_body, &cached_length, NULL));
  body = fetch_models_body (client);
  g_assert_cmpmem (cached_body, cached_length, g_bytes_get_data (body, NULL),
                   g_bytes_get_size (body));
  fake_server_clear_requests (server);

  /* refresh asks the server again and rewrites the cache. */
  fake_server_add_catalog_model (server, "testlab/newer", 128000, 0.000002, 0.000004, FALSE);
  {
    g_autoptr(TbCatalog) catalog = load (client, TRUE, NULL, &warning, &error);
    g_autoptr(TbCatalog) reread = NULL;

    g_assert_no_error (error);
    g_assert_null (warning);
    g_assert_false (catalog->from_cache);
    g_assert_nonnull (tb_catalog_lookup (catalog, "testlab/newer"));
    g_assert_cmpuint (fake_server_count (server, "/models", NULL), ==, 1);

    reread = load (client, FALSE, NULL, &warning, &error);
    g_assert_no_error (error);
    g_assert_true (reread->from_cache);
    g_assert_nonnull (tb_catalog_lookup (reread, "testlab/newer"));
    g_assert_cmpuint (fake_server_count (server, "/models", NULL), ==, 1);
  }

  /* A day-old cache is stale: fetched again. */
  age_file (path, 25 * 60 * 60);
  {
    g_autoptr(TbCatalog) catalog = load (client, FALSE, NULL, &warning, &error);

    g_assert_no_error (error);
    g_assert_null (warning);
    g_assert_false (catalog->from_cache);
    g_assert_cmpuint (fake_server_count (server, "/models", NULL), ==, 2);
    g_assert_cmpint (file_mtime (path), >=, before);
  }

  fake_server_free (server);
}

static void
test_load_corrupt_cache (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = client_new (fake_server_get_url (server));
  g_autofree char *path = tb_catalog_cache_path (fake_server_get_url (server));
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(TbCatalog) again = NULL;

  /* A fresh but broken cache is no catalog: the server is asked and the cache mended. */
  g_assert_true (tb_write_file_atomic (path, "{\"data\": [tru", -1, NULL));
  catalog = load (client, FALSE, NULL, &warning, &error);
  g_assert_no_error (error);
  g_assert_null (warning);
  g_assert_false (catalog->from_cache);
  g_assert_cmpuint (catalog->models->len, >, 0);
  g_assert_cmpuint (fake_server_count (server, "/models", NULL), ==, 1);

  again = load (client, FALSE, NULL, &warning, &error);
  g_assert_no_error (error);
  g_assert_true (again->from_cache);
  g_assert_cmpuint (again->models->len, ==, catalog->models->len);
  g_assert_cmpuint (fake_server_count (server, "/models", NULL), ==, 1);

  fake_server_free (server);
}

static void
test_load_offline (void)
{
  FakeServer *server = fake_server_new ();
  g_autofree char *url = g_strdup (fake_server_get_url (server));
  g_autoptr(TbClient) client = client_new (url);
  g_autofree char *path = tb_catalog_cache_path (url);
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  guint n_models;

  {
    g_autoptr(TbCatalog) catalog = load (client, FALSE, NULL, &warning, &error);

    g_assert_no_error (error);
    n_models = catalog->models->len;
  }

  /* The server fails: a stale cache is better than nothing, and says how old it is. */
  age_file (path, 30 * 60 * 60 + 120);
  fake_server_set_models_status (server, 500);
  {
    g_autoptr(TbCatalog) catalog = load (client, FALSE, NULL, &warning, &error);

    g_assert_no_error (error);
    g_assert_true (catalog->from_cache);
    g_assert_nonnull (warning);
    g_test_message ("warning: %s", warning);
    g_assert_true (g_str_has_prefix (warning,
                                     "offline: using the model catalog cached 30 hours ago ("));
    g_assert_cmpuint (fake_server_count (server, "/models", NULL), >=, 2);
    g_clear_pointer (&warning, g_free);
  }

  /* A refresh that fails falls back on a fresh cache the same way. */
  age_file (path, 3 * 60 * 60 + 120);
  fake_server_clear_requests (server);
  {
    g_autoptr(TbCatalog) catalog = load (client, TRUE, NULL, &warning, &error);

    g_assert_no_error (error);
    g_assert_nonnull (catalog);
    g_assert_true (catalog->from_cache);
    g_assert_cmpuint (catalog->models->len, ==, n_models);
    g_assert_cmpint (catalog->fetched_at, ==, file_mtime (path));
    g_assert_nonnull (warning);
    g_test_message ("warning: %s", warning);
    g_assert_true (g_str_has_prefix (warning,
                                     "offline: using the model catalog cached 3 hours ago ("));
    g_assert_true (g_str_has_suffix (warning, ")"));
    g_assert_cmpuint (fake_server_count (server, "/models", NULL), >=, 1);
    g_clear_pointer (&warning, g_free);
  }

  /* The server is gone altogether; refresh cannot refresh. */
  fake_server_free (server);
  age_file (path, 5 * 60 + 10);
  {
    g_autoptr(TbCatalog) catalog = load (client, TRUE, NULL, &warning, &error);

    g_assert_no_error (error);
    g_assert_true (catalog->from_cache);
    g_assert_cmpuint (catalog->models->len, ==, n_models);
    g_assert_nonnull (warning);
    g_test_message ("warning: %s", warning);
    g_assert_true (g_str_has_prefix (warning,
                                     "offline: using the model catalog cached 5 minutes ago ("));
    g_clear_pointer (&warning, g_free);
  }

  /* Cancelled is cancelled, cache or not. */
  {
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    g_autoptr(TbCatalog) catalog = NULL;

    g_cancellable_cancel (cancellable);
    catalog = load (client, TRUE, cancellable, &warning, &error);
    g_assert_null (catalog);
    g_assert_null (warning);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

static void
test_load_no_cache_no_server (void)
{
  FakeServer *server = fake_server_new ();
  g_autofree char *url = g_strdup (fake_server_get_url (server));
  g_autoptr(TbClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  g_autofree char *path = tb_catalog_cache_path (url);

  fake_server_free (server);
  client = client_new (url);

  catalog = load (client, FALSE, NULL, &warning, &error);
  g_assert_null (catalog);
  g_assert_null (warning);
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Could not load the model catalog: "));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_load_bad_answer_no_cache (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = client_new (fake_server_get_url (server));
  g_autofree char *path = tb_catalog_cache_path (fake_server_get_url (server));
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autoptr(TbCatalog) catalog = NULL;

  fake_server_set_models_status (server, 500);
  catalog = load (client, FALSE, NULL, &warning, &error);
  g_assert_null (catalog);
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "Could not load the model catalog: "));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  fake_server_free (server);
}

/* ------------------------------------------------------------------------------------------ */
/* Recommendation */

static guint
whole_fits (GPtrArray *picks)
{
  guint n = 0;

  for (guint i = 0; i < picks->len; i++)
    n += ((TbPick *) g_ptr_array_index (picks, i))->parts == 1;
  return n;
}

/* The simulated provider's judge is offered as a judge, never as a model for the task:
 * not picked and not counted among the fitting models, cheap as it may be. */
static void
test_recommend_not_the_demo_judge (void)
{
  static const char *json =
    "{\"data\": ["
    " {\"id\": \"simulated/twin-a\", \"context_length\": 131072,"
    "  \"pricing\": {\"prompt\": \"0.0000003\", \"completion\": \"0.0000012\"}},"
    " {\"id\": \"simulated-judge/length-bias\", \"context_length\": 200000,"
    "  \"pricing\": {\"prompt\": \"0.0000001\", \"completion\": \"0.0000004\"}}"
    "]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCatalog) catalog = tb_catalog_parse (json, -1, &error);
  g_autoptr(TestUsecase) usecase = usecase_new (TB_COST_BALANCED, FALSE, 0);
  g_autoptr(GPtrArray) picks = NULL;

  g_assert_no_error (error);
  picks = tb_recommend (catalog, usecase, 1000, 50);
  g_assert_cmpuint (picks->len, ==, 1);
  g_assert_cmpstr (((TbPick *) g_ptr_array_index (picks, 0))->model->id, ==,
                   "simulated/twin-a");
  g_assert_nonnull (strstr (((TbPick *) g_ptr_array_index (picks, 0))->reason,
                            "among 1 fitting model"));
}

static void
test_recommend_context (void)
{
  g_autoptr(TbCatalog) catalog = recommend_catalog ();
  g_autoptr(TestUsecase) usecase = usecase_new (TB_COST_LOW, FALSE, 0);
  g_autoptr(GPtrArray) small = tb_recommend (catalog, usecase, 1000, 50);
  g_autoptr(GPtrArray) large = tb_recommend (catalog, usecase, 100000, 50);
  g_autoptr(GPtrArray) huge = NULL;
  g_autoptr(GPtrArray) none = NULL;

  /* 1000 in: 2500 prompt + 1024 out fits even 8k; all text models with known price and
   * context qualify. */
  g_assert_cmpuint (small->len, ==, 9);
  g_assert_true (picks_contain (small, "p1/tiny"));
  g_assert_true (picks_contain (small, "p5/budget"));
  g_assert_true (picks_contain (small, "p4/free"));
  for (guint i = 0; i < small->len; i++)
    {
      const TbModel *model = ((TbPick *) g_ptr_array_index (small, i))->model;

      g_assert_true (model->text_output);
      g_assert_false (model->price_unknown);
      g_assert_cmpint (model->context_length, >, 0);
    }
  g_assert_false (picks_contain (small, "p6/imagegen"));
  g_assert_false (picks_contain (small, "p7/auto"));
  g_assert_false (picks_contain (small, "p8/unknown-context"));

  /* 100k in: 101.5k prompt + 16k out fits whole in 128k+ only; those come first, then the
   * smaller models that take the input in parts, saying so. */
  g_assert_cmpuint (whole_fits (large), ==, 7);
  for (guint i = 0; i < large->len; i++)
    {
      TbPick *pick = g_ptr_array_index (large, i);

      if (i < 7)
        {
          g_assert_cmpuint (pick->parts, ==, 1);
          g_assert_cmpint (pick->model->context_length, >=, 100000 + 1500 + 16384);
        }
      else
        {
          g_autofree char *parts = g_strdup_printf ("in %u parts", pick->parts);

          g_assert_cmpuint (pick->parts, >, 1);
          g_assert_cmpint (pick->model->context_length, <, 100000 + 1500 + 16384);
          g_assert_nonnull (strstr (pick->reason, parts));
        }
      g_assert_cmpfloat (pick->cost_usd, >=, 0);
    }
  g_assert_true (picks_contain (large, "p1/tiny"));

  /* 150k in: needs 167.9k, beyond the 128k/131k models, which take it in two parts. */
  huge = tb_recommend (catalog, usecase, 150000, 50);
  g_assert_cmpuint (whole_fits (huge), ==, 4);
  g_assert_true (picks_contain (huge, "p2/premium"));
  for (guint i = 4; i < huge->len; i++)
    g_assert_cmpuint (((TbPick *) g_ptr_array_index (huge, i))->parts, >=, 2);

  /* min_context wins when larger than the estimate. */
  usecase->min_context = 500000;
  none = tb_recommend (catalog, usecase, 10, 50);
  g_assert_cmpuint (none->len, ==, 2);
  g_assert_true (picks_contain (none, "p1/big"));
  g_assert_true (picks_contain (none, "p1/big-pro"));
}

static void
test_recommend_structured (void)
{
  g_autoptr(TbCatalog) catalog = recommend_catalog ();
  g_autoptr(TestUsecase) usecase = usecase_new (TB_COST_LOW, TRUE, 0);
  g_autoptr(GPtrArray) picks = tb_recommend (catalog, usecase, 1000, 50);
  g_autoptr(GPtrArray) three = tb_recommend (catalog, usecase, 1000, 3);
  gboolean seen_weaker = FALSE;

  /* json_schema models first (6 of them), then the response_format-only one; models with
   * neither are out. */
  g_assert_cmpuint (picks->len, ==, 7);
  for (guint i = 0; i < picks->len; i++)
    {
      const TbModel *model = ((TbPick *) g_ptr_array_index (picks, i))->model;

      g_assert_true (model->structured_output);
      if (!model->json_schema)
        seen_weaker = TRUE;
      else
        g_assert_false (seen_weaker);
    }
  g_assert_cmpstr (pick_id (picks, 6), ==, "p3/json-only");
  g_assert_false (picks_contain (picks, "p4/free"));
  g_assert_false (picks_contain (picks, "p3/flagship"));
  g_assert_nonnull (strstr (((TbPick *) g_ptr_array_index (picks, 0))->reason,
                            "structured output"));

  g_assert_cmpuint (three->len, ==, 3);
  for (guint i = 0; i < three->len; i++)
    g_assert_true (((TbPick *) g_ptr_array_index (three, i))->model->json_schema);

  /* Only response_format where the input is large: those are used rather than nothing. */
  {
    g_autoptr(GPtrArray) json_only = NULL;
    const char *only =
      "{\"data\": ["
      " {\"id\": \"a/plain\", \"context_length\": 100000,"
      "  \"pricing\": {\"prompt\": \"0.000001\", \"completion\": \"0.000001\"}},"
      " {\"id\": \"b/json\", \"context_length\": 100000,"
      "  \"pricing\": {\"prompt\": \"0.000002\", \"completion\": \"0.000002\"},"
      "  \"supported_parameters\": [\"response_format\"]}"
      "]}";
    g_autoptr(TbCatalog) small = tb_catalog_parse (only, -1, NULL);

    json_only = tb_recommend (small, usecase, 1000, 3);
    g_assert_cmpuint (json_only->len, ==, 1);
    g_assert_cmpstr (pick_id (json_only, 0), ==, "b/json");
  }

  /* No structured output anywhere: every fit, rather than nothing. */
  {
    g_autoptr(GPtrArray) fallback = NULL;
    const char *plain =
      "{\"data\": ["
      " {\"id\": \"a/one\", \"context_length\": 100000,"
      "  \"pricing\": {\"prompt\": \"0.000001\", \"completion\": \"0.000001\"}},"
      " {\"id\": \"b/two\", \"context_length\": 100000,"
      "  \"pricing\": {\"prompt\": \"0.000002\", \"completion\": \"0.000002\"}}"
      "]}";
    g_autoptr(TbCatalog) small = tb_catalog_parse (plain, -1, NULL);

    fallback = tb_recommend (small, usecase, 1000, 3);
    g_assert_cmpuint (fallback->len, ==, 2);
    g_assert_cmpstr (pick_id (fallback, 0), ==, "a/one");
    g_assert_nonnull (strstr (((TbPick *) g_ptr_array_index (fallback, 0))->reason,
                              "no structured output"));
  }
}

static void
test_recommend_cost_order (void)
{
  g_autoptr(TbCatalog) catalog = recommend_catalog ();
  g_autoptr(TestUsecase) low_case = usecase_new (TB_COST_LOW, FALSE, 0);
  g_autoptr(TestUsecase) high_case = usecase_new (TB_COST_HIGH, FALSE, 0);
  g_autoptr(TestUsecase) balanced_case = usecase_new (TB_COST_BALANCED, FALSE, 0);
  g_autoptr(GPtrArray) low = tb_recommend (catalog, low_case, 1000, 50);
  g_autoptr(GPtrArray) high = tb_recommend (catalog, high_case, 1000, 50);
  g_autoptr(GPtrArray) balanced = tb_recommend (catalog, balanced_case, 1000, 50);
  g_autoptr(GPtrArray) low3 = tb_recommend (catalog, low_case, 1000, 3);
  g_autoptr(GPtrArray) high3 = tb_recommend (catalog, high_case, 1000, 3);
  g_autoptr(GPtrArray) balanced3 = tb_recommend (catalog, balanced_case, 1000, 3);
  double previous = -1;

  /* low: free first, then the cheapest of each provider, cheapest first. */
  g_assert_cmpuint (low3->len, ==, 3);
  g_assert_cmpstr (pick_id (low3, 0), ==, "p4/free");
  g_assert_cmpstr (pick_id (low3, 1), ==, "p5/budget");
  g_assert_cmpstr (pick_id (low3, 2), ==, "p1/tiny");

  /* The first pass (one per provider: 5 providers) rises in price. */
  for (guint i = 0; i < 5; i++)
    {
      const TbModel *model = ((TbPick *) g_ptr_array_index (low, i))->model;
      double cost = -1;

      g_assert_true (tb_model_estimate_cost (model, 2500, 1024, 0, &cost));
      g_assert_cmpfloat (cost, >=, previous);
      previous = cost;
    }

  /* high: most expensive first, no free model. */
  g_assert_cmpuint (high->len, ==, 8);
  g_assert_false (picks_contain (high, "p4/free"));
  g_assert_cmpstr (pick_id (high3, 0), ==, "p3/flagship");
  g_assert_cmpstr (pick_id (high3, 1), ==, "p2/premium");
  g_assert_cmpstr (pick_id (high3, 2), ==, "p1/big-pro");

  /* balanced: neither end of the market first, no free model. */
  g_assert_cmpuint (balanced->len, ==, 8);
  g_assert_false (picks_contain (balanced, "p4/free"));
  g_assert_cmpuint (balanced3->len, ==, 3);
  for (guint i = 0; i < balanced3->len; i++)
    {
      g_assert_cmpstr (pick_id (balanced3, i), !=, "p3/flagship");
      g_assert_cmpstr (pick_id (balanced3, i), !=, "p5/budget");
      g_assert_nonnull (strstr (((TbPick *) g_ptr_array_index (balanced3, i))->reason,
                                "mid-range"));
    }

  g_assert_cmpstr (pick_id (low3, 0), !=, pick_id (high3, 0));
  g_assert_cmpstr (pick_id (balanced3, 0), !=, pick_id (high3, 0));
  g_assert_cmpstr (pick_id (balanced3, 0), !=, pick_id (low3, 0));
}

static void
test_recommend_providers (void)
{
  g_autoptr(TbCatalog) catalog = recommend_catalog ();
  g_autoptr(TestUsecase) usecase = usecase_new (TB_COST_LOW, FALSE, 0);
  g_autoptr(GPtrArray) five = tb_recommend (catalog, usecase, 1000, 5);
  g_autoptr(GPtrArray) eight = tb_recommend (catalog, usecase, 1000, 8);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  /* Five providers fit: five picks, five providers. */
  g_assert_cmpuint (five->len, ==, 5);
  for (guint i = 0; i < five->len; i++)
    {
      const char *provider = ((TbPick *) g_ptr_array_index (five, i))->model->provider;

      g_assert_false (g_hash_table_contains (seen, provider));
      g_hash_table_add (seen, (gpointer) provider);
    }

  /* More picks than providers: the first five as before, then the cheapest left. */
  g_assert_cmpuint (eight->len, ==, 8);
  for (guint i = 0; i < five->len; i++)
    g_assert_cmpstr (pick_id (eight, i), ==, pick_id (five, i));
  g_assert_cmpstr (pick_id (eight, 5), ==, "p1/big");
  g_assert_cmpstr (pick_id (eight, 6), ==, "p1/big-pro");
  g_assert_cmpstr (pick_id (eight, 7), ==, "p2/premium");
  g_assert_nonnull (strstr (((TbPick *) g_ptr_array_index (eight, 5))->reason,
                            "2nd cheapest from p1"));
  g_assert_nonnull (strstr (((TbPick *) g_ptr_array_index (eight, 6))->reason,
                            "3rd cheapest from p1"));
}

static void
test_recommend_reasons (void)
{
  g_autoptr(TbCatalog) catalog = recommend_catalog ();
  TbCostPreference preferences[] = { TB_COST_LOW, TB_COST_BALANCED, TB_COST_HIGH };

  for (guint p = 0; p < G_N_ELEMENTS (preferences); p++)
    {
      g_autoptr(TestUsecase) usecase = usecase_new (preferences[p], p == 1, 0);
      g_autoptr(GPtrArray) picks = tb_recommend (catalog, usecase, 20000, 0);

      /* count 0 means three. */
      g_assert_cmpuint (picks->len, ==, 3);
      for (guint i = 0; i < picks->len; i++)
        {
          TbPick *pick = g_ptr_array_index (picks, i);

          g_test_message ("%s: %s", pick->model->id, pick->reason);
          g_assert_nonnull (pick->reason);
          g_assert_true (g_utf8_validate (pick->reason, -1, NULL));
          g_assert_true (g_str_has_prefix (pick->reason, "fits "));
          g_assert_nonnull (strstr (pick->reason, "(needs 32k)"));
          g_assert_true (strstr (pick->reason, "/M in") != NULL
                         || strstr (pick->reason, "free") != NULL);
          if (pick->model->price_prompt > 0)
            g_assert_nonnull (strstr (pick->reason, "for this input"));
          g_assert_nonnull (strstr (pick->reason, pick->model->provider));
        }
    }

  /* The whole sentence, once: 20000 in → 21500 prompt + 10000 out. */
  {
    g_autoptr(TestUsecase) usecase = usecase_new (TB_COST_LOW, TRUE, 0);
    g_autoptr(GPtrArray) picks = tb_recommend (catalog, usecase, 20000, 10);
    gboolean found = FALSE;

    for (guint i = 0; i < picks->len; i++)
      {
        TbPick *pick = g_ptr_array_index (picks, i);

        if (!g_str_equal (pick->model->id, "p1/big"))
          continue;
        found = TRUE;
        g_assert_cmpstr (pick->reason, ==,
                         "fits 1M context (needs 32k); $0.30/M in, $2.50/M out, "
                         "≈$0.031 for this input, $31.45 per 1,000 inputs; structured output; "
                         "cheapest from p1");
      }
    g_assert_true (found);
  }

  /* At the use case's volume: the month's cost. */
  {
    g_autoptr(TestUsecase) usecase = usecase_new (TB_COST_LOW, TRUE, 0);
    g_autoptr(GPtrArray) picks = NULL;

    usecase->inputs_per_month = 10000;
    picks = tb_recommend (catalog, usecase, 20000, 10);
    for (guint i = 0; i < picks->len; i++)
      {
        TbPick *pick = g_ptr_array_index (picks, i);

        if (g_str_equal (pick->model->id, "p1/big"))
          {
            g_test_message ("%s", pick->reason);
            g_assert_nonnull (strstr (pick->reason, ", $314.50 a month at 10000 inputs;"));
          }
      }
  }

  /* Answers longer than the model may write are flagged. */
  {
    const char *capped =
      "{\"data\": [ {\"id\": \"x/capped\", \"context_length\": 200000,"
      " \"pricing\": {\"prompt\": \"0.000001\", \"completion\": \"0.000002\","
      "               \"request\": \"0.005\"},"
      " \"top_provider\": {\"max_completion_tokens\": 4096}}]}";
    g_autoptr(TbCatalog) small = tb_catalog_parse (capped, -1, NULL);
    g_autoptr(TestUsecase) usecase = usecase_new (TB_COST_BALANCED, FALSE, 0);
    g_autoptr(GPtrArray) picks = tb_recommend (small, usecase, 40000, 1);
    TbPick *pick;

    g_assert_cmpuint (picks->len, ==, 1);
    pick = g_ptr_array_index (picks, 0);
    g_test_message ("%s", pick->reason);
    g_assert_nonnull (strstr (pick->reason, "+ $0.0050 a request"));
    g_assert_nonnull (strstr (pick->reason, "capped at 4k tokens"));
  }

  /* Nothing fits: an empty list, not NULL. */
  {
    g_autoptr(TestUsecase) usecase = usecase_new (TB_COST_LOW, FALSE, 10000000);
    g_autoptr(GPtrArray) picks = tb_recommend (catalog, usecase, 10, 3);

    g_assert_nonnull (picks);
    g_assert_cmpuint (picks->len, ==, 0);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* The key, prices from the server, and billing against the forecast */

#define TEST_KEY "sk-or-v1-catalog-secret-abcdef0123456789"

/* A server that echoes request headers into /models must not put the key into the cache. */
static void
test_cache_never_holds_key (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), TEST_KEY, 5);
  g_autofree char *path = tb_catalog_cache_path (fake_server_get_url (server));
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *cached = NULL;

  fake_server_set_models_echo_headers (server, TRUE);
  catalog = load (client, TRUE, NULL, &warning, &error);
  g_assert_no_error (error);
  g_assert_null (warning);
  g_assert_nonnull (tb_catalog_lookup (catalog, "openai/gpt-4o-mini"));
  /* the server did see the key */
  g_assert_cmpuint (fake_server_get_requests (server)->len, ==, 1);
  g_assert_cmpstr (((FakeRequest *) g_ptr_array_index (fake_server_get_requests (server), 0))
                     ->authorization, ==, "Bearer " TEST_KEY);

  g_assert_true (g_file_get_contents (path, &cached, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (cached, "\"Authorization\":\"Bearer [redacted]\""));
  for (gsize i = 0; i + 12 <= strlen (TEST_KEY); i++)
    {
      g_autofree char *piece = g_strndup (TEST_KEY + i, 12);

      g_assert_null (strstr (cached, piece));
    }

  fake_server_free (server);
}

/* Prices as the server writes them: every unreadable one makes the price unknown. */
static void
test_server_prices (void)
{
  static const struct {
    const char *id;
    const char *prompt;
    const char *completion;
    const char *request;
    const char *reasoning;
  } unknown[] = {
    { "bad/variable", "-1", NULL, NULL, NULL },
    { "bad/negative", NULL, "-0.000002", NULL, NULL },
    { "bad/text", "abc", NULL, NULL, NULL },
    { "bad/infinite", NULL, "1e999", NULL, NULL },
    { "bad/request", NULL, NULL, "-1", NULL },
    { "bad/reasoning", NULL, NULL, NULL, "n/a" },
  };
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = client_new (fake_server_get_url (server));
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(GError) error = NULL;
  const TbModel *model;
  double usd = -1;

  for (gsize i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      fake_server_add_catalog_model (server, unknown[i].id, 32000, 0.000001, 0.000002, FALSE);
      fake_server_set_catalog_prices (server, unknown[i].id, unknown[i].prompt,
                                      unknown[i].completion, unknown[i].request,
                                      unknown[i].reasoning);
    }
  fake_server_add_catalog_model (server, "good/thinker", 32000, 0.000001, 0.000002, FALSE);
  fake_server_set_catalog_prices (server, "good/thinker", NULL, NULL, "0.005", "0.00003");

  catalog = load (client, TRUE, NULL, NULL, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      model = tb_catalog_lookup (catalog, unknown[i].id);
      g_test_message ("%s", unknown[i].id);
      g_assert_nonnull (model);
      g_assert_true (model->price_unknown);
      g_assert_false (tb_model_estimate_cost (model, 1000, 1000, 0, &usd));
      g_assert_cmpfloat (usd, ==, -1);
    }

  model = tb_catalog_lookup (catalog, "good/thinker");
  g_assert_false (model->price_unknown);
  g_assert_cmpfloat_with_epsilon (model->price_request, 0.005, 1e-15);
  g_assert_cmpfloat_with_epsilon (model->price_reasoning, 0.00003, 1e-15);
  g_assert_true (tb_model_estimate_cost (model, 1000, 500, 400, &usd));
  g_assert_cmpfloat_with_epsilon (usd, 1000 * 0.000001 + 100 * 0.000002 + 400 * 0.00003 + 0.005,
                                  1e-12);

  /* unknown prices are never recommended */
  {
    g_autoptr(GPtrArray) picks = tb_recommend (catalog, NULL, 1000, 50);

    for (guint i = 0; i < picks->len; i++)
      g_assert_false (((TbPick *) g_ptr_array_index (picks, i))->model->price_unknown);
  }

  fake_server_free (server);
}

static void
chat_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The catalog's forecast of a call and what the fake bills for it agree, reasoning and
 * per-request prices included, unless billing is told to differ. */
static void
test_forecast_matches_billing (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = client_new (fake_server_get_url (server));
  FakeModel thinker = { .content = "thought", .bill_by_tokens = TRUE, .prompt_tokens = 1200,
                        .completion_tokens = 800, .reasoning_tokens = 500 };
  FakeModel surcharged = { .content = "dear", .bill_by_tokens = TRUE, .prompt_tokens = 1200,
                           .completion_tokens = 800, .billed_cost = 0.5 };
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(GError) error = NULL;

  fake_server_set_model (server, "acme/thinker", &thinker);
  fake_server_set_model (server, "acme/surcharged", &surcharged);
  fake_server_set_catalog_prices (server, "acme/thinker", "0.000003", "0.000015", "0.002",
                                  "0.00006");
  catalog = load (client, TRUE, NULL, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 2; i++)
    {
      const char *id = i == 0 ? "acme/thinker" : "acme/surcharged";
      TbChatRequest request = { .model = id, .user = "Think.", .temperature = -1 };
      g_autoptr(GAsyncResult) chat = NULL;
      g_autoptr(GAsyncResult) lookup = NULL;
      g_autoptr(TbChatResult) result = NULL;
      g_autoptr(TbGeneration) generation = NULL;
      double forecast = -1;

      tb_client_chat_async (client, &request, NULL, NULL, chat_done, &chat);
      while (chat == NULL)
        g_main_context_iteration (NULL, TRUE);
      result = tb_client_chat_finish (client, chat, NULL, NULL, &error);
      g_assert_no_error (error);

      g_assert_true (tb_model_estimate_cost (tb_catalog_lookup (catalog, id),
                                             result->prompt_tokens, result->completion_tokens,
                                             result->reasoning_tokens, &forecast));
      g_assert_true (result->has_inline_cost);
      g_assert_cmpfloat_with_epsilon (result->inline_cost, forecast, 1e-12);

      tb_client_generation_async (client, result->generation_id, NULL, chat_done, &lookup);
      while (lookup == NULL)
        g_main_context_iteration (NULL, TRUE);
      generation = tb_client_generation_finish (client, lookup, &error);
      g_assert_no_error (error);
      g_assert_true (generation->has_total_cost);
      if (i == 0)
        {
          g_assert_cmpfloat_with_epsilon (forecast,
                                          1200 * 0.000003 + 300 * 0.000015 + 500 * 0.00006
                                          + 0.002, 1e-12);
          g_assert_cmpfloat_with_epsilon (generation->total_cost, forecast, 1e-12);
        }
      else
        g_assert_cmpfloat_with_epsilon (generation->total_cost, 0.5, 1e-12);
    }

  fake_server_free (server);
}

int
main (int argc, char **argv)
{
  /* The isolated XDG folders hold no GSettings schemas, which GNOME's proxy module needs. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/catalog/parse", test_parse);
  g_test_add_func ("/catalog/parse-errors", test_parse_errors);
  g_test_add_func ("/catalog/lookup", test_lookup);
  g_test_add_func ("/catalog/estimate-cost", test_estimate_cost);
  g_test_add_func ("/catalog/unknown-prices", test_unknown_prices);
  g_test_add_func ("/catalog/cache-path", test_cache_path);
  g_test_add_func ("/catalog/load/fetch-then-cache", test_load_fetches_then_caches);
  g_test_add_func ("/catalog/load/corrupt-cache", test_load_corrupt_cache);
  g_test_add_func ("/catalog/load/offline", test_load_offline);
  g_test_add_func ("/catalog/load/no-cache-no-server", test_load_no_cache_no_server);
  g_test_add_func ("/catalog/load/bad-answer-no-cache", test_load_bad_answer_no_cache);
  g_test_add_func ("/catalog/recommend/context", test_recommend_context);
  g_test_add_func ("/catalog/recommend/structured", test_recommend_structured);
  g_test_add_func ("/catalog/recommend/cost-order", test_recommend_cost_order);
  g_test_add_func ("/catalog/recommend/providers", test_recommend_providers);
  g_test_add_func ("/catalog/recommend/reasons", test_recommend_reasons);
  g_test_add_func ("/catalog/load/never-holds-key", test_cache_never_holds_key);
  g_test_add_func ("/catalog/recommend/not-the-demo-judge", test_recommend_not_the_demo_judge);
  g_test_add_func ("/catalog/server-prices", test_server_prices);
  g_test_add_func ("/catalog/forecast-matches-billing", test_forecast_matches_billing);

  return g_test_run ();
}
