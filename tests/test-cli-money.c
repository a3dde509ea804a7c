/* SPDX-License-Identifier: GPL-3.0-or-later */
/* End to end: money before the call (issue #11) — the forecast, --dry-run, the cap and its
 * resume, the key's balance and `account` — on real runs of the real CLI against the fake
 * OpenRouter billing from its catalog. */
#define G_LOG_DOMAIN "test-cli-money"

#include "config.h"

#include <math.h>
#include <string.h>

#include "cli-test-util.h"
#include "tb-core.h"

/* Priced in the catalog, billed by tokens at those prices: a forecast can be held against
 * the bill. */
static void
price_models (CliFixture *fixture)
{
  const char *models[] = { "cheap/a", "cheap/b", "judge/j", NULL };
  FakeModel spec = { 0 };

  spec.bill_by_tokens = TRUE;
  for (guint i = 0; models[i] != NULL; i++)
    {
      fake_server_add_catalog_model (fixture->server, models[i], 128000,
                                     i == 2 ? 0.000003 : 0.000001,
                                     i == 2 ? 0.000015 : 0.000004, i == 2);
      /* the judge answers as a judge does (its content would not be a judgment) */
      spec.content = i == 2 ? NULL
                            : "Ship on Friday; Ada writes the release notes and Bo checks the "
                              "links.";
      fake_server_set_model (fixture->server, models[i], &spec);
    }
}

static void
write_usecase (CliFixture *fixture)
{
  g_autofree char *path = g_build_filename (fixture->home, "usecases", "memo.yaml", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_write_file_atomic (path,
    "name: Memo\n"
    "goal: Summarise the memo in one sentence.\n"
    "output:\n"
    "  format: text\n"
    "judge:\n"
    "  model: judge/j\n", -1, &error));
  g_assert_no_error (error);
}

static char *
write_inputs (CliFixture *fixture,
              guint       n)
{
  g_autofree char *dir = g_build_filename (fixture->home, "memos", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *file = g_strdup_printf ("memo-%02u.txt", i);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint line = 0; line < 20 + 10 * i; line++)
        g_string_append_printf (text, "Memo %u, line %u: the team reviewed item %u.\n", i,
                                line, line * i);
      g_assert_true (tb_write_file_atomic (path, text->str, text->len, NULL));
    }
  return g_steal_pointer (&dir);
}

static JsonObject *
object_of (JsonNode *node)
{
  return json_node_get_object (node);
}

/* --dry-run prints the forecast — per model, judges apart, DESIGN's names — and calls
 * nothing and writes nothing. */
static void
test_dry_run (CliFixture    *fixture,
              gconstpointer  data)
{
  g_autofree char *inputs = write_inputs (fixture, 3);
  g_autoptr(CliResult) json = NULL;
  g_autoptr(CliResult) text = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *forecast;
  JsonArray *models, *judges;

  write_usecase (fixture);
  price_models (fixture);
  json = cli (fixture, "run", "memo", "--input", inputs, "--models", "cheap/a,odd/unpriced",
              "--judge", "--repeat", "2", "--dry-run", "--json");
  g_assert_cmpint (json->status, ==, 0);
  root = cli_test_parse_json (json->out);
  forecast = json_object_get_object_member (object_of (root), "forecast");
  models = json_object_get_array_member (forecast, "models");
  judges = json_object_get_array_member (forecast, "judges");
  g_assert_cmpuint (json_array_get_length (models), ==, 2);
  g_assert_cmpuint (json_array_get_length (judges), ==, 1);
  /* 2 models × 3 inputs × 2 repeats, and a judge call for each output */
  g_assert_cmpint (json_object_get_int_member (forecast, "calls"), ==, 24);
  g_assert_cmpfloat (json_object_get_double_member (forecast, "total_usd"), >, 0);
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (forecast, "unknown"), 0), ==,
                   "odd/unpriced");
  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      JsonObject *line = json_array_get_object_element (models, i);

      g_assert_cmpint (json_object_get_int_member (line, "calls"), ==, 6);
      g_assert_cmpint (json_object_get_int_member (line, "prompt_tokens"), >, 0);
      if (g_str_equal (json_object_get_string_member (line, "model"), "odd/unpriced"))
        g_assert_true (json_object_get_null_member (line, "usd"));
    }

  text = cli (fixture, "run", "memo", "--input", inputs, "--models", "cheap/a,odd/unpriced",
              "--judge", "--dry-run");
  g_assert_cmpint (text->status, ==, 0);
  g_assert_nonnull (strstr (text->out, "Forecast: 12 calls"));
  g_assert_nonnull (strstr (text->out, "unknown"));
  g_assert_nonnull (strstr (text->out, "judge judge/j"));
  g_assert_nonnull (strstr (text->out, " + unknown (no price for odd/unpriced"));

  /* nothing priced: no dollar figure at all, never "$0.00 + unknown" */
  {
    g_autoptr(CliResult) unpriced = cli (fixture, "run", "memo", "--input", inputs, "--models",
                                         "odd/unpriced", "--judge-model", "odd/judge",
                                         "--judge", "--dry-run");

    g_assert_cmpint (unpriced->status, ==, 0);
    g_assert_nonnull (strstr (unpriced->out, "Forecast: 6 calls, cost unknown (no price for "
                                             "odd/unpriced, odd/judge)"));
    g_assert_null (strstr (unpriced->out, "$0.00"));
  }

  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", NULL), ==, 0);
  g_assert_cmpuint (cli_test_count_runs (fixture, "memo"), ==, 0);
}

static double
billed_of (JsonObject *show,
           const char *model,
           gboolean    judge,
           double     *forecast)
{
  JsonArray *checks = json_object_get_array_member (show, "forecast_vs_billed");

  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *check = json_array_get_object_element (checks, i);

      if (g_str_equal (json_object_get_string_member (check, "model"), model)
          && json_object_get_boolean_member (check, "judge") == judge)
        {
          *forecast = json_object_get_double_member (check, "forecast_usd");
          return json_object_get_double_member (check, "billed_usd");
        }
    }
  g_assert_not_reached ();
}

/* When a model answers as long as it did before, the forecast of the next run is within
 * 10% of what is billed — for the candidates and for the judge. */
static void
test_forecast_matches_billing (CliFixture    *fixture,
                               gconstpointer  data)
{
  g_autofree char *inputs = write_inputs (fixture, 4);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(CliResult) run1 = NULL;
  g_autoptr(CliResult) run2 = NULL;
  g_autoptr(CliResult) show = NULL;
  g_autoptr(JsonNode) root = NULL;
  const char *lines[][2] = { { "cheap/a", "0" }, { "cheap/b", "0" }, { "judge/j", "1" } };

  write_usecase (fixture);
  price_models (fixture);
  run1 = cli (fixture, "run", "memo", "--input", inputs, "--models", "cheap/a,cheap/b",
              "--judge");
  g_assert_cmpint (run1->status, ==, 0);
  first = cli_test_last_line (run1->out);
  run2 = cli (fixture, "run", "memo", "--input", inputs, "--models", "cheap/a,cheap/b",
              "--judge");
  g_assert_cmpint (run2->status, ==, 0);
  second = cli_test_last_line (run2->out);
  g_assert_nonnull (strstr (run2->err, "Forecast: 16 calls"));

  show = cli (fixture, "show", second, "--json");
  g_assert_cmpint (show->status, ==, 0);
  root = cli_test_parse_json (show->out);
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      double forecast = 0;
      double billed = billed_of (object_of (root), lines[i][0], lines[i][1][0] == '1',
                                 &forecast);

      g_test_message ("%s: forecast %.6f, billed %.6f (%+.1f%%)", lines[i][0], forecast,
                      billed, 100 * (billed - forecast) / billed);
      g_assert_cmpfloat (billed, >, 0);
      g_assert_cmpfloat (fabs (forecast - billed), <=, 0.10 * billed);
    }

  /* A re-judge was not in the run's forecast: the judge's check stays that of the pass the
   * forecast priced, not the sum of both passes. */
  {
    g_autoptr(CliResult) rejudge = cli (fixture, "judge", second);
    g_autoptr(CliResult) again = NULL;
    g_autoptr(JsonNode) root2 = NULL;
    double forecast_before = 0, forecast_after = 0;
    double before = billed_of (object_of (root), "judge/j", TRUE, &forecast_before);

    g_assert_cmpint (rejudge->status, ==, 0);
    again = cli (fixture, "show", second, "--json");
    g_assert_cmpint (again->status, ==, 0);
    root2 = cli_test_parse_json (again->out);
    g_assert_cmpfloat (billed_of (object_of (root2), "judge/j", TRUE, &forecast_after), ==,
                       before);
    g_assert_cmpfloat (forecast_after, ==, forecast_before);
  }
}

/* --max-cost: the calls that would pass it are skipped; exit 1, partial, stop_reason
 * budget, the spend under the cap; resume with a larger cap makes only the rest. */
static void
test_cap_and_resume (CliFixture    *fixture,
                     gconstpointer  data)
{
  g_autofree char *inputs = write_inputs (fixture, 4);
  g_autofree char *run_id = NULL;
  g_autoptr(CliResult) capped = NULL;
  g_autoptr(CliResult) finish = NULL;
  g_autoptr(CliResult) show = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) finished_root = NULL;
  JsonObject *run, *costs;
  guint sent;
  double spent;

  write_usecase (fixture);
  price_models (fixture);
  g_setenv ("TASKBENCH_MAX_CONCURRENCY", "1", TRUE);
  capped = cli (fixture, "run", "memo", "--input", inputs, "--models", "cheap/a,cheap/b",
                "--max-cost", "0.0012", "--json");
  g_unsetenv ("TASKBENCH_MAX_CONCURRENCY");
  g_assert_cmpint (capped->status, ==, 1);
  root = cli_test_parse_json (capped->out);
  g_assert_cmpstr (json_object_get_string_member (object_of (root), "status"), ==, "partial");
  g_assert_cmpstr (json_object_get_string_member (object_of (root), "stop_reason"), ==,
                   "budget");
  run_id = g_strdup (json_object_get_string_member (object_of (root), "run"));
  sent = fake_server_count (fixture->server, "/chat/completions", NULL);
  g_assert_cmpuint (sent, >, 0);
  g_assert_cmpuint (sent, <, 8);

  show = cli (fixture, "show", run_id, "--json");
  finished_root = cli_test_parse_json (show->out);
  run = json_object_get_object_member (object_of (finished_root), "run");
  g_assert_cmpfloat (json_object_get_double_member (run, "max_cost_usd"), ==, 0.0012);
  costs = json_object_get_object_member (object_of (finished_root), "costs");
  spent = json_object_get_double_member (costs, "total_usd");
  g_test_message ("cap $0.0012: %u of 8 calls made, $%.6f spent", sent, spent);
  g_assert_cmpfloat (spent, <=, 0.0012);

  finish = cli (fixture, "resume", run_id, "--max-cost", "1");
  g_assert_cmpint (finish->status, ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", NULL), ==, 8);
}

/* A key with less left than the forecast: refused before any completion is asked, both
 * amounts named, exit 2; --yes goes ahead. A server without /key is not asked twice. */
static void
test_balance (CliFixture    *fixture,
              gconstpointer  data)
{
  g_autofree char *inputs = write_inputs (fixture, 2);
  g_autoptr(CliResult) refused = NULL;
  g_autoptr(CliResult) refused_json = NULL;
  g_autoptr(CliResult) forced = NULL;
  g_autoptr(CliResult) no_key_endpoint = NULL;
  g_autoptr(JsonNode) root = NULL;

  write_usecase (fixture);
  price_models (fixture);
  fake_server_set_key (fixture->server,
                       "{\"label\": \"test key\", \"limit\": 1.0, \"limit_remaining\": 0.000001,"
                       " \"usage\": 0.999999, \"is_free_tier\": false}");

  refused = cli (fixture, "run", "memo", "--input", inputs, "--models", "cheap/a", "--judge");
  g_assert_cmpint (refused->status, ==, 2);
  g_assert_nonnull (strstr (refused->err, "left on this key"));
  g_assert_nonnull (strstr (refused->err, "the $0.000001 left"));
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", NULL), ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/key", NULL), >=, 1);
  g_assert_cmpuint (cli_test_count_runs (fixture, "memo"), ==, 0);

  refused_json = cli (fixture, "run", "memo", "--input", inputs, "--models", "cheap/a",
                      "--json");
  g_assert_cmpint (refused_json->status, ==, 2);
  root = cli_test_parse_json (refused_json->out);
  g_assert_nonnull (strstr (json_object_get_string_member (
                              json_object_get_object_member (object_of (root), "error"),
                              "message"),
                            "left on this key"));

  forced = cli (fixture, "run", "memo", "--input", inputs, "--models", "cheap/a", "--yes");
  g_assert_cmpint (forced->status, ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", NULL), ==, 2);

  /* a server without /key has no balance to check */
  fake_server_set_key_status (fixture->server, 404);
  no_key_endpoint = cli (fixture, "run", "memo", "--input", inputs, "--models", "cheap/a");
  g_assert_cmpint (no_key_endpoint->status, ==, 0);
}

static void
test_account (CliFixture    *fixture,
              gconstpointer  data)
{
  g_autoptr(CliResult) text = NULL;
  g_autoptr(CliResult) json = NULL;
  g_autoptr(CliResult) none = NULL;
  g_autoptr(JsonNode) root = NULL;

  fake_server_set_key (fixture->server,
                       "{\"label\": \"team key\", \"limit\": 25, \"limit_remaining\": 17.5,"
                       " \"limit_reset\": \"monthly\", \"usage\": 7.5, \"usage_daily\": 0.25,"
                       " \"usage_monthly\": 7.5, \"is_free_tier\": false}");
  text = cli (fixture, "account");
  g_assert_cmpint (text->status, ==, 0);
  g_assert_nonnull (strstr (text->out, "team key"));
  g_assert_nonnull (strstr (text->out, "$25.00"));
  g_assert_nonnull (strstr (text->out, "$17.50"));
  g_assert_nonnull (strstr (text->out, "monthly"));
  g_assert_nonnull (strstr (text->out, "$0.2500 today"));
  g_assert_null (strstr (text->out, CLI_TEST_KEY));

  json = cli (fixture, "account", "--json");
  g_assert_cmpint (json->status, ==, 0);
  root = cli_test_parse_json (json->out);
  g_assert_cmpfloat (json_object_get_double_member (object_of (root), "limit_remaining"), ==,
                     17.5);
  g_assert_cmpstr (json_object_get_string_member (object_of (root), "label"), ==, "team key");
  g_assert_false (json_object_get_boolean_member (object_of (root), "is_free_tier"));

  fake_server_set_key_status (fixture->server, 404);
  none = cli (fixture, "account");
  g_assert_cmpint (none->status, ==, 0);
  g_assert_nonnull (strstr (none->out, "no balance"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add ("/cli/money/" path, CliFixture, NULL, cli_fixture_set_up, fn, \
              cli_fixture_tear_down)
  ADD ("dry-run", test_dry_run);
  ADD ("forecast-matches-billing", test_forecast_matches_billing);
  ADD ("cap-and-resume", test_cap_and_resume);
  ADD ("balance", test_balance);
  ADD ("account", test_account);
#undef ADD

  return g_test_run ();
}
