/* SPDX-License-Identifier: GPL-3.0-or-later */
/* End-to-end tests: the real taskbench-cli binary against the fake OpenRouter server, with a
 * real home folder on disk. */
#define G_LOG_DOMAIN "test-cli"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "cli-test-util.h"
#include "tb-core.h"

#define KEY CLI_TEST_KEY

/* A valid chapters answer; the judge scores it `score` on every criterion. */
static char *
chapters (int score)
{
  return g_strdup_printf ("[{\"title\":\"Why transactions SCORE=%d\",\"description\":\"Intro\","
                          "\"start_time\":\"00:00:00\",\"end_time\":\"00:20:00\"},"
                          "{\"title\":\"Logging\",\"description\":\"WAL\","
                          "\"start_time\":\"00:20:00\",\"end_time\":\"00:50:00\"}]", score);
}

/* ---------------------------------------------------------------------------------------- */

static void
test_usecases (CliFixture    *fixture,
               gconstpointer  data)
{
  g_autofree char *broken = g_build_filename (fixture->home, "usecases", "broken.yaml", NULL);
  g_autoptr(CliResult) list = NULL;
  g_autoptr(CliResult) json = NULL;
  g_autoptr(CliResult) validate = NULL;
  g_autoptr(CliResult) show = NULL;
  g_autoptr(CliResult) show_json = NULL;
  g_autoptr(JsonNode) shown = NULL;
  g_autoptr(CliResult) bad_id = NULL;
  g_autoptr(CliResult) missing = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array;

  g_assert_true (g_file_set_contents (broken, "name: Broken\ngaol: typo\n", -1, NULL));

  list = cli (fixture, "usecases");
  g_assert_cmpint (list->status, ==, 0);
  g_assert_nonnull (strstr (list->out, "lecture-chapters"));
  g_assert_nonnull (strstr (list->out, "meeting-action-items"));
  g_assert_nonnull (strstr (list->out, "support-ticket-triage"));
  /* The broken file is listed with its error and hides nothing. */
  g_assert_nonnull (strstr (list->out, "broken"));
  g_assert_nonnull (strstr (list->out, "broken.yaml:2"));
  g_assert_nonnull (strstr (list->out, "did you mean 'goal'"));

  json = cli (fixture, "--json", "usecases");
  g_assert_cmpint (json->status, ==, 0);
  root = cli_test_parse_json (json->out);
  array = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (array), ==, 4);
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (array, 0),
                                                  "valid"));

  validate = cli (fixture, "usecase", "validate", "broken");
  g_assert_cmpint (validate->status, ==, 2);
  g_assert_nonnull (strstr (validate->err, "broken.yaml:2"));
  g_assert_nonnull (strstr (validate->err, "gaol"));

  show = cli (fixture, "usecase", "show", "lecture-chapters");
  g_assert_cmpint (show->status, ==, 0);
  g_assert_nonnull (strstr (show->out, "accuracy"));
  /* the test set, the volume and a description's second line under its first */
  g_assert_nonnull (strstr (show->out, "inputs:     samples/lecture-chapters/"));
  g_assert_nonnull (strstr (show->out, "inputs_per_month 200"));
  g_assert_nonnull (strstr (show->out, "\n                         and description matches"));

  show_json = cli (fixture, "--json", "usecase", "show", "lecture-chapters");
  g_assert_cmpint (show_json->status, ==, 0);
  shown = cli_test_parse_json (show_json->out);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (shown), "judge_mode"),
                   ==, "pointwise");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (shown), "judge_models")), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (shown), "inputs")), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (shown),
                                               "inputs_per_month"), ==, 200);

  bad_id = cli (fixture, "usecase", "show", "Bad/../id");
  g_assert_cmpint (bad_id->status, ==, 2);
  g_assert_nonnull (strstr (bad_id->err, "not a valid use case id"));

  missing = cli (fixture, "usecase", "show", "nope");
  g_assert_cmpint (missing->status, ==, 2);
}

static void
test_usecase_new (CliFixture    *fixture,
                  gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->home, "usecases", "my-task.yaml", NULL);
  g_autoptr(CliResult) created = NULL;
  g_autoptr(CliResult) again = NULL;
  g_autoptr(CliResult) valid = NULL;
  g_autoptr(CliResult) invalid_id = NULL;
  g_autoptr(CliResult) from = NULL;
  g_autoptr(CliResult) from_bad = NULL;
  g_autofree char *good = g_build_filename (fixture->home, "good.yaml", NULL);
  g_autofree char *bad = g_build_filename (fixture->home, "bad.yaml", NULL);
  g_autofree char *template = NULL;

  created = cli (fixture, "usecase", "new", "my-task");
  g_assert_cmpint (created->status, ==, 0);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_file_get_contents (path, &template, NULL, NULL);
  g_assert_nonnull (strstr (template, "#"));   /* commented */

  valid = cli (fixture, "usecase", "validate", "my-task");
  g_assert_cmpint (valid->status, ==, 0);

  again = cli (fixture, "usecase", "new", "my-task");
  g_assert_cmpint (again->status, ==, 2);
  g_assert_nonnull (strstr (again->err, "already exists"));

  invalid_id = cli (fixture, "usecase", "new", "-Bad");
  g_assert_cmpint (invalid_id->status, ==, 2);

  g_assert_true (g_file_set_contents (good, "name: Copy\ngoal: Do it\n", -1, NULL));
  from = cli (fixture, "usecase", "new", "copied", "--from", good);
  g_assert_cmpint (from->status, ==, 0);

  g_assert_true (g_file_set_contents (bad, "name: Copy\ngoal: Do it\nouput: {}\n", -1, NULL));
  from_bad = cli (fixture, "usecase", "new", "copied-bad", "--from", bad);
  g_assert_cmpint (from_bad->status, ==, 2);
  g_assert_nonnull (strstr (from_bad->err, "bad.yaml:3"));
  g_assert_nonnull (strstr (from_bad->err, "output"));
}

static void
test_models_cached (CliFixture    *fixture,
                    gconstpointer  data)
{
  g_autoptr(CliResult) first = NULL;
  g_autoptr(CliResult) second = NULL;
  g_autoptr(CliResult) refreshed = NULL;
  g_autoptr(CliResult) json = NULL;
  g_autoptr(JsonNode) root = NULL;

  first = cli (fixture, "models");
  g_assert_cmpint (first->status, ==, 0);
  g_assert_nonnull (strstr (first->out, "openai/gpt-4o-mini"));
  g_assert_cmpuint (fake_server_count (fixture->server, "/models", NULL), ==, 1);

  second = cli (fixture, "models");
  g_assert_cmpint (second->status, ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/models", NULL), ==, 1);

  refreshed = cli (fixture, "models", "--refresh");
  g_assert_cmpint (refreshed->status, ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/models", NULL), ==, 2);

  json = cli (fixture, "--json", "models");
  root = cli_test_parse_json (json->out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), >=, 10);
}

static void
test_recommend (CliFixture    *fixture,
                gconstpointer  data)
{
  g_autofree char *input = cli_test_sample_path ("lecture-chapters/databases-transactions.txt");
  g_autoptr(CliResult) result = NULL;
  g_autoptr(CliResult) json = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *picks;
  g_autoptr(GHashTable) providers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  result = cli (fixture, "recommend", "lecture-chapters", "--input", input);
  g_assert_cmpint (result->status, ==, 0);
  g_assert_nonnull (strstr (result->out, "1. "));

  json = cli (fixture, "--json", "recommend", "lecture-chapters", "--input", input, "--count", "4");
  g_assert_cmpint (json->status, ==, 0);
  root = cli_test_parse_json (json->out);
  picks = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (picks), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      JsonObject *pick = json_array_get_object_element (picks, i);
      const char *model = json_object_get_string_member (pick, "model");

      g_assert_cmpuint (strlen (json_object_get_string_member (pick, "reason")), >, 10);
      g_hash_table_add (providers, g_strndup (model, strchr (model, '/') - model));
    }
  /* Spread across providers. */
  g_assert_cmpuint (g_hash_table_size (providers), ==, 4);
}

static void
test_run_judge_show_costs (CliFixture    *fixture,
                           gconstpointer  data)
{
  g_autofree char *input = cli_test_sample_path ("lecture-chapters/databases-transactions.txt");
  g_autofree char *good = chapters (9);
  g_autofree char *ok = chapters (6);
  const char *bad = "```json\n[{\"title\":\"Only\",\"start_time\":\"0:00\"}]\n```";
  g_autoptr(CliResult) run = NULL;
  g_autoptr(CliResult) show = NULL;
  g_autoptr(CliResult) costs = NULL;
  g_autoptr(CliResult) runs = NULL;
  g_autoptr(JsonObject) run_json = NULL;
  g_autoptr(JsonObject) out_a = NULL;
  g_autoptr(JsonObject) out_c = NULL;
  g_autoptr(JsonNode) costs_root = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *run_json_path = NULL;
  g_autofree char *path_a = NULL;
  g_autofree char *path_c = NULL;
  g_autofree char *judgments_dir = NULL;
  g_autofree char *prompt = NULL;
  g_autofree char *input_copy = NULL;
  g_autoptr(GDir) judgments = NULL;
  const char *judgment_name;
  g_autofree char *judgment_path = NULL;
  g_autoptr(JsonObject) judgment = NULL;
  JsonArray *scores;
  JsonObject *cost_a;
  double file_total;
  double judge_total;

  cli_test_script (fixture, "openai/gpt-4o-mini", good, 0.0012, 0.00125);
  cli_test_script (fixture, "google/gemini-2.5-flash", ok, 0.0004, 0.00041);
  cli_test_script (fixture, "deepseek/deepseek-chat", bad, 0.0002, 0.0002);

  run = cli (fixture, "run", "lecture-chapters", "--input", input,
             "--models", "openai/gpt-4o-mini,google/gemini-2.5-flash,deepseek/deepseek-chat",
             "--judge");
  g_assert_cmpint (run->status, ==, 0);
  run_id = cli_test_last_line (run->out);
  g_assert_true (g_regex_match_simple ("^\\d{8}T\\d{6}Z-[0-9a-f]{4}$", run_id, 0, 0));

  /* The results layout of the contract. */
  dir = cli_test_run_dir (fixture, "lecture-chapters", run_id);
  run_json_path = g_build_filename (dir, "run.json", NULL);
  run_json = cli_test_read_json_file (run_json_path);
  g_assert_cmpstr (json_object_get_string_member (run_json, "status"), ==, "done");
  g_assert_cmpstr (json_object_get_string_member (run_json, "usecase"), ==, "lecture-chapters");
  g_assert_nonnull (strstr (json_object_get_string_member (run_json, "usecase_snapshot"),
                            "Lecture"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (run_json, "models")),
                    ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (run_json, "input"),
                                               "bytes"), >, 20000);
  prompt = g_build_filename (dir, "prompt.txt", NULL);
  input_copy = g_build_filename (dir, "input.txt", NULL);
  g_assert_true (g_file_test (prompt, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (input_copy, G_FILE_TEST_EXISTS));

  path_a = cli_test_output_path (fixture, "lecture-chapters", run_id, "openai/gpt-4o-mini");
  out_a = cli_test_read_json_file (path_a);
  g_assert_cmpstr (json_object_get_string_member (out_a, "status"), ==, "ok");
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (out_a,
                                                                                "format_check"),
                                                 "valid"));
  cost_a = json_object_get_object_member (out_a, "cost");
  /* Billed wins over inline once /generation answers (after its 404s). */
  g_assert_cmpstr (json_object_get_string_member (cost_a, "source"), ==, "billed");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (cost_a, "billed_usd"),
                                  0.00125, 1e-12);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (cost_a, "inline_usd"),
                                  0.0012, 1e-12);
  g_assert_nonnull (json_object_get_string_member (out_a, "generation_id"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (out_a, "usage"),
                                               "completion_tokens"), >, 0);

  /* The fenced, schema-breaking answer is kept, with the check's findings. */
  path_c = cli_test_output_path (fixture, "lecture-chapters", run_id, "deepseek/deepseek-chat");
  out_c = cli_test_read_json_file (path_c);
  g_assert_cmpstr (json_object_get_string_member (out_c, "status"), ==, "ok");
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (out_c,
                                                                                 "format_check"),
                                                  "valid"));

  /* One judgment with a score per model and the recommendation. */
  judgments_dir = g_build_filename (dir, "judgments", NULL);
  judgments = g_dir_open (judgments_dir, 0, NULL);
  judgment_name = g_dir_read_name (judgments);
  g_assert_nonnull (judgment_name);
  judgment_path = g_build_filename (judgments_dir, judgment_name, NULL);
  g_assert_null (g_dir_read_name (judgments));
  judgment = cli_test_read_json_file (judgment_path);
  scores = json_object_get_array_member (judgment, "scores");
  g_assert_cmpuint (json_array_get_length (scores), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *score = json_array_get_object_element (scores, i);
      const char *model = json_object_get_string_member (score, "model");
      double expected = g_str_equal (model, "openai/gpt-4o-mini") ? 90
                        : g_str_equal (model, "google/gemini-2.5-flash") ? 60 : 70;

      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (score, "overall"),
                                      expected, 1e-9);
    }
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (judgment,
                                                                                 "recommendation"),
                                                  "best_overall"), ==, "openai/gpt-4o-mini");
  /* one input, one sample: nothing is surely above 70 */
  g_assert_true (json_object_get_null_member (json_object_get_object_member (judgment,
                                                                             "recommendation"),
                                              "budget_pick"));

  /* show: outputs, scores, recommendation, costs. */
  show = cli (fixture, "show", run_id);
  g_assert_cmpint (show->status, ==, 0);
  g_assert_nonnull (strstr (show->out, "best overall: openai/gpt-4o-mini"));
  g_assert_nonnull (strstr (show->out, "90.0"));
  g_assert_nonnull (strstr (show->out, "INVALID"));

  runs = cli (fixture, "runs", "lecture-chapters");
  g_assert_cmpint (runs->status, ==, 0);
  g_assert_nonnull (strstr (runs->out, run_id));
  g_assert_nonnull (strstr (runs->out, "done"));

  /* costs: the rollup equals the sum of the files. */
  costs = cli (fixture, "--json", "costs", "lecture-chapters");
  g_assert_cmpint (costs->status, ==, 0);
  costs_root = cli_test_parse_json (costs->out);
  file_total = 0.00125 + 0.00041 + 0.0002;
  judge_total = 3 * 0.0031;
  {
    JsonObject *total = json_object_get_object_member (json_node_get_object (costs_root),
                                                       "total");

    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (total, "candidate_usd"),
                                    file_total, 1e-12);
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (total, "judge_usd"),
                                    judge_total, 1e-12);
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (total, "total_usd"),
                                    file_total + judge_total, 1e-12);
    g_assert_cmpint (json_object_get_int_member (total, "candidate_calls"), ==, 3);
    g_assert_cmpint (json_object_get_int_member (total, "judge_calls"), ==, 3);
    /* Only this use case has runs: the grand total is the same money. */
    g_assert_cmpfloat_with_epsilon (
      json_object_get_double_member (json_object_get_object_member (
        json_node_get_object (costs_root), "grand_total"), "total_usd"),
      file_total + judge_total, 1e-12);
  }

  /* The judge sees the input once (not again inside the executor prompt). */
  {
    GPtrArray *requests = fake_server_get_requests (fixture->server);
    guint judge_requests = 0;

    for (guint i = 0; i < requests->len; i++)
      {
        FakeRequest *request = g_ptr_array_index (requests, i);
        const char *first, *second;

        if (g_strcmp0 (request->model, "anthropic/claude-sonnet-4.5") != 0
            || !g_str_has_suffix (request->path, "/chat/completions"))
          continue;
        judge_requests++;
        first = strstr (request->body, "[00:00:00]");
        g_assert_nonnull (first);
        second = strstr (first + 1, "[00:00:00]");
        g_assert_null (second);
      }
    g_assert_cmpuint (judge_requests, ==, 3);
  }

  /* The key never reaches a file. */
  cli_test_assert_no_key_under (fixture->home, KEY, 0);
  g_assert_null (strstr (run->err, KEY));
}

static void
test_rejudge_and_judge_all (CliFixture    *fixture,
                            gconstpointer  data)
{
  g_autofree char *input = cli_test_sample_path ("lecture-chapters/databases-transactions.txt");
  g_autofree char *good = chapters (8);
  g_autoptr(CliResult) first = NULL;
  g_autoptr(CliResult) second = NULL;
  g_autoptr(CliResult) rejudge = NULL;
  g_autoptr(CliResult) all = NULL;
  g_autoptr(CliResult) show = NULL;
  g_autoptr(CliResult) costs = NULL;
  g_autofree char *id1 = NULL;
  g_autofree char *id2 = NULL;
  g_autofree char *dir1 = NULL;
  g_autofree char *judgments = NULL;
  g_autoptr(JsonNode) root = NULL;
  guint files = 0;
  g_autoptr(GDir) handle = NULL;

  cli_test_script (fixture, "openai/gpt-4o-mini", good, 0.001, 0.001);

  first = cli (fixture, "run", "lecture-chapters", "--input", input, "--models",
               "openai/gpt-4o-mini");
  g_assert_cmpint (first->status, ==, 0);
  id1 = cli_test_last_line (first->out);
  second = cli (fixture, "run", "lecture-chapters", "--input", input, "--models",
                "openai/gpt-4o-mini");
  g_assert_cmpint (second->status, ==, 0);
  id2 = cli_test_last_line (second->out);

  rejudge = cli (fixture, "judge", id1, "--judge-model", "openai/gpt-4o");
  g_assert_cmpint (rejudge->status, ==, 0);
  g_assert_nonnull (strstr (rejudge->out, "80.0"));

  all = cli (fixture, "judge", "--all", "lecture-chapters");
  g_assert_cmpint (all->status, ==, 0);

  /* Run 1 now has two judgments: each pass adds a file. */
  dir1 = cli_test_run_dir (fixture, "lecture-chapters", id1);
  judgments = g_build_filename (dir1, "judgments", NULL);
  handle = g_dir_open (judgments, 0, NULL);
  while (g_dir_read_name (handle) != NULL)
    files++;
  g_assert_cmpuint (files, ==, 2);

  /* The latest one (by the use case's judge) is what show reports. */
  show = cli (fixture, "show", id1);
  g_assert_nonnull (strstr (show->out, "by anthropic/claude-sonnet-4.5; 2 judgments"));

  /* Both passes were paid: the judge cost counts every judgment. */
  costs = cli (fixture, "--json", "costs");
  root = cli_test_parse_json (costs->out);
  {
    JsonObject *total = json_object_get_object_member (json_node_get_object (root), "total");

    g_assert_cmpint (json_object_get_int_member (total, "runs"), ==, 2);
    g_assert_cmpint (json_object_get_int_member (total, "judge_calls"), ==, 3);
  }
  (void) id2;
}

static void
test_bad_input (CliFixture    *fixture,
                gconstpointer  data)
{
  g_autofree char *binary = g_build_filename (fixture->home, "image.png", NULL);
  g_autofree char *empty = g_build_filename (fixture->home, "empty.txt", NULL);
  const char png[] = { (char) 0x89, 'P', 'N', 'G', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };
  g_autoptr(CliResult) binary_run = NULL;
  g_autoptr(CliResult) empty_run = NULL;
  g_autoptr(CliResult) missing_run = NULL;
  g_autoptr(CliResult) bad_flag = NULL;

  g_assert_true (g_file_set_contents (binary, png, sizeof png, NULL));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));

  binary_run = cli (fixture, "run", "lecture-chapters", "--input", binary, "--models", "a/b");
  g_assert_cmpint (binary_run->status, ==, 2);
  g_assert_nonnull (strstr (binary_run->err, "image.png"));
  g_assert_nonnull (strstr (binary_run->err, "not"));

  empty_run = cli (fixture, "run", "lecture-chapters", "--input", empty, "--models", "a/b");
  g_assert_cmpint (empty_run->status, ==, 2);
  g_assert_nonnull (strstr (empty_run->err, "empty"));

  missing_run = cli (fixture, "run", "lecture-chapters", "--input", "/nonexistent/x.txt",
                     "--models", "a/b");
  g_assert_cmpint (missing_run->status, ==, 2);

  bad_flag = cli (fixture, "run", "lecture-chapters", "--bogus");
  g_assert_cmpint (bad_flag->status, ==, 2);

  /* Nothing was written, and no model was called. */
  g_assert_cmpuint (cli_test_count_runs (fixture, "lecture-chapters"), ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", NULL), ==, 0);
}

static void
test_partial_then_resume (CliFixture    *fixture,
                          gconstpointer  data)
{
  g_autofree char *input = cli_test_sample_path ("meeting-action-items/ledgerly-product-sync.md");
  const char *items = "{\"summary\":\"Plan\",\"action_items\":[],\"decisions\":[]}";
  FakeModel broke = { 0 };
  g_autoptr(CliResult) run = NULL;
  g_autoptr(CliResult) runs = NULL;
  g_autoptr(CliResult) resume = NULL;
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *run_json = NULL;

  cli_test_script (fixture, "openai/gpt-4o-mini", items, 0.001, 0.001);
  broke.fail_status = 402;
  broke.fail_times = G_MAXUINT;
  fake_server_set_model (fixture->server, "mistralai/mistral-small", &broke);

  run = cli (fixture, "run", "meeting-action-items", "--input", input, "--models",
             "openai/gpt-4o-mini,mistralai/mistral-small");
  g_assert_cmpint (run->status, ==, 1);
  run_id = cli_test_last_line (run->out);
  g_assert_nonnull (strstr (run->err, "out of credits"));

  path = cli_test_output_path (fixture, "meeting-action-items", run_id, "mistralai/mistral-small");
  failed = cli_test_read_json_file (path);
  g_assert_cmpstr (json_object_get_string_member (failed, "status"), ==, "failed");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (failed, "error"),
                                               "http_status"), ==, 402);
  /* 402 is not retried. */
  g_assert_cmpint (json_object_get_int_member (failed, "attempts"), ==, 1);

  runs = cli (fixture, "runs", "meeting-action-items");
  g_assert_nonnull (strstr (runs->out, "partial"));

  /* Credits topped up: resume calls only the model without an ok output. */
  cli_test_script (fixture, "mistralai/mistral-small", items, 0.002, 0.002);
  fake_server_clear_requests (fixture->server);
  resume = cli (fixture, "resume", run_id);
  g_assert_cmpint (resume->status, ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions",
                                       "mistralai/mistral-small"), ==, 1);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions",
                                       "openai/gpt-4o-mini"), ==, 0);
  after = cli_test_read_json_file (path);
  g_assert_cmpstr (json_object_get_string_member (after, "status"), ==, "ok");
  run_json = g_build_filename (fixture->home, "results", "meeting-action-items", run_id,
                               "run.json", NULL);
  {
    g_autoptr(JsonObject) object = cli_test_read_json_file (run_json);
    g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "done");
  }
}

static void
test_all_failed (CliFixture    *fixture,
                 gconstpointer  data)
{
  g_autofree char *input = cli_test_sample_path ("support-ticket-triage/shiftly-helpdesk.txt");
  FakeModel rejected = { 0 };
  g_autoptr(CliResult) run = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *run_json = NULL;
  g_autoptr(JsonObject) object = NULL;

  rejected.fail_status = 401;
  rejected.fail_times = G_MAXUINT;
  fake_server_set_model (fixture->server, "openai/gpt-4o-mini", &rejected);
  fake_server_set_model (fixture->server, "google/gemini-2.5-flash", &rejected);

  run = cli (fixture, "run", "support-ticket-triage", "--input", input, "--models",
             "openai/gpt-4o-mini,google/gemini-2.5-flash");
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "key rejected"));
  g_assert_null (strstr (run->err, KEY));
  run_id = cli_test_last_line (run->out);
  run_json = g_build_filename (fixture->home, "results", "support-ticket-triage", run_id,
                               "run.json", NULL);
  object = cli_test_read_json_file (run_json);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "failed");
}

static void
test_retries_and_stream_errors (CliFixture    *fixture,
                                gconstpointer  data)
{
  g_autofree char *input = cli_test_sample_path ("support-ticket-triage/shiftly-helpdesk.txt");
  const char *csv = "ticket_id,category,priority,sentiment,summary\n"
                    "T-1,billing,high,negative,\"Charged twice, wants refund\"\n";
  FakeModel limited = { 0 };
  FakeModel flaky = { 0 };
  FakeModel broken_stream = { 0 };
  g_autoptr(CliResult) run = NULL;
  g_autofree char *run_id = NULL;
  g_autoptr(JsonObject) limited_out = NULL;
  g_autoptr(JsonObject) flaky_out = NULL;
  g_autoptr(JsonObject) broken_out = NULL;
  g_autofree char *p1 = NULL;
  g_autofree char *p2 = NULL;
  g_autofree char *p3 = NULL;

  limited.content = csv;
  limited.fail_status = 429;
  limited.fail_times = 1;
  limited.retry_after_s = 1;
  fake_server_set_model (fixture->server, "openai/gpt-4o-mini", &limited);
  flaky.content = csv;
  flaky.fail_status = 503;
  flaky.fail_times = 2;
  fake_server_set_model (fixture->server, "google/gemini-2.5-flash", &flaky);
  broken_stream.content = csv;
  broken_stream.midstream_error = TRUE;
  fake_server_set_model (fixture->server, "deepseek/deepseek-chat", &broken_stream);

  run = cli (fixture, "run", "support-ticket-triage", "--input", input, "--models",
             "openai/gpt-4o-mini,google/gemini-2.5-flash,deepseek/deepseek-chat");
  g_assert_cmpint (run->status, ==, 1);
  run_id = cli_test_last_line (run->out);

  p1 = cli_test_output_path (fixture, "support-ticket-triage", run_id, "openai/gpt-4o-mini");
  limited_out = cli_test_read_json_file (p1);
  g_assert_cmpstr (json_object_get_string_member (limited_out, "status"), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (limited_out, "attempts"), ==, 2);
  /* Retry-After: 1 was honoured. */
  g_assert_cmpint (json_object_get_int_member (limited_out, "latency_ms"), >=, 900);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (limited_out,
                                                                                "format_check"),
                                                 "valid"));

  p2 = cli_test_output_path (fixture, "support-ticket-triage", run_id, "google/gemini-2.5-flash");
  flaky_out = cli_test_read_json_file (p2);
  g_assert_cmpstr (json_object_get_string_member (flaky_out, "status"), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (flaky_out, "attempts"), ==, 3);

  p3 = cli_test_output_path (fixture, "support-ticket-triage", run_id, "deepseek/deepseek-chat");
  broken_out = cli_test_read_json_file (p3);
  g_assert_cmpstr (json_object_get_string_member (broken_out, "status"), ==, "failed");
  g_assert_nonnull (strstr (json_object_get_string_member (json_object_get_object_member (broken_out,
                                                                                          "error"),
                                                           "message"),
                            "Upstream provider disconnected"));
}

static void
test_crash_then_resume (CliFixture    *fixture,
                        gconstpointer  data)
{
  g_autofree char *input = cli_test_sample_path ("meeting-action-items/ledgerly-product-sync.md");
  const char *items = "{\"summary\":\"Plan\",\"action_items\":[],\"decisions\":[]}";
  FakeModel slow = { 0 };
  g_autoptr(GSubprocessLauncher) launcher = cli_test_launcher (fixture);
  const char *args[] = { "run", "meeting-action-items", "--input", input, "--models",
                         "openai/gpt-4o-mini,mistralai/mistral-small", NULL };
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(CliResult) killed = NULL;
  g_autoptr(CliResult) runs = NULL;
  g_autoptr(CliResult) resume = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *fast_output = NULL;
  g_autoptr(JsonObject) kept = NULL;

  cli_test_script (fixture, "openai/gpt-4o-mini", items, 0.001, 0.001);
  slow.content = items;
  slow.latency_ms = 30000;
  fake_server_set_model (fixture->server, "mistralai/mistral-small", &slow);

  process = cli_test_spawnv (fixture, launcher, args);
  run_id = cli_test_only_run_id (fixture, "meeting-action-items");
  fast_output = cli_test_output_path (fixture, "meeting-action-items", run_id,
                                      "openai/gpt-4o-mini");
  /* The finished answer is on disk while the other model is still under way. */
  cli_test_wait_for_file (fast_output);
  g_subprocess_force_exit (process);
  killed = cli_test_finish (process);
  g_assert_cmpint (killed->status, ==, 128 + SIGKILL);

  runs = cli (fixture, "runs", "meeting-action-items");
  g_assert_nonnull (strstr (runs->out, "interrupted"));

  kept = cli_test_read_json_file (fast_output);
  g_assert_cmpstr (json_object_get_string_member (kept, "status"), ==, "ok");

  cli_test_script (fixture, "mistralai/mistral-small", items, 0.002, 0.002);
  fake_server_clear_requests (fixture->server);
  resume = cli (fixture, "resume", run_id);
  g_assert_cmpint (resume->status, ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions",
                                       "openai/gpt-4o-mini"), ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions",
                                       "mistralai/mistral-small"), ==, 1);
}

static void
test_cancel (CliFixture    *fixture,
             gconstpointer  data)
{
  g_autofree char *input = cli_test_sample_path ("meeting-action-items/ledgerly-product-sync.md");
  const char *items = "{\"summary\":\"Plan\",\"action_items\":[],\"decisions\":[]}";
  FakeModel slow = { 0 };
  g_autoptr(GSubprocessLauncher) launcher = cli_test_launcher (fixture);
  const char *args[] = { "run", "meeting-action-items", "--input", input, "--models",
                         "openai/gpt-4o-mini,mistralai/mistral-small", NULL };
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(CliResult) cancelled = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *fast_output = NULL;
  g_autofree char *slow_output = NULL;
  g_autofree char *run_json = NULL;
  g_autoptr(JsonObject) slow_json = NULL;
  g_autoptr(JsonObject) run_object = NULL;
  gint64 started;

  cli_test_script (fixture, "openai/gpt-4o-mini", items, 0.001, 0.001);
  slow.content = items;
  slow.latency_ms = 30000;
  fake_server_set_model (fixture->server, "mistralai/mistral-small", &slow);

  process = cli_test_spawnv (fixture, launcher, args);
  run_id = cli_test_only_run_id (fixture, "meeting-action-items");
  fast_output = cli_test_output_path (fixture, "meeting-action-items", run_id,
                                      "openai/gpt-4o-mini");
  cli_test_wait_for_file (fast_output);

  started = g_get_monotonic_time ();
  g_subprocess_send_signal (process, SIGINT);
  cancelled = cli_test_finish (process);
  /* Ctrl-C cancels the in-flight call at once rather than waiting it out. */
  g_assert_cmpint (g_get_monotonic_time () - started, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpint (cancelled->status, ==, 1);

  run_json = g_build_filename (fixture->home, "results", "meeting-action-items", run_id,
                               "run.json", NULL);
  run_object = cli_test_read_json_file (run_json);
  g_assert_cmpstr (json_object_get_string_member (run_object, "status"), ==, "cancelled");
  slow_output = cli_test_output_path (fixture, "meeting-action-items", run_id,
                                      "mistralai/mistral-small");
  slow_json = cli_test_read_json_file (slow_output);
  g_assert_cmpstr (json_object_get_string_member (slow_json, "status"), ==, "cancelled");
  g_assert_true (g_file_test (fast_output, G_FILE_TEST_EXISTS));
}

static void
test_judge_errors (CliFixture    *fixture,
                   gconstpointer  data)
{
  g_autofree char *input = cli_test_sample_path ("lecture-chapters/databases-transactions.txt");
  g_autofree char *good = chapters (8);
  const char *garbled_then_good[] = {
    "I think it's pretty good!",
    "```json\n{\"reasoning\": \"Solid.\", \"criteria\": {\"accuracy\": 8, \"coverage\": 8, "
    "\"usefulness\": 8, \"format\": 8, \"compliance\": 8}, \"violations\": []}\n```",
    NULL
  };
  FakeModel flaky_judge = { 0 };
  FakeModel hopeless_judge = { 0 };
  g_autoptr(CliResult) run = NULL;
  g_autoptr(CliResult) flaky = NULL;
  g_autoptr(CliResult) hopeless = NULL;
  g_autoptr(CliResult) show = NULL;
  g_autofree char *run_id = NULL;

  cli_test_script (fixture, "openai/gpt-4o-mini", good, 0.001, 0.001);
  run = cli (fixture, "run", "lecture-chapters", "--input", input, "--models",
             "openai/gpt-4o-mini");
  run_id = cli_test_last_line (run->out);

  /* Unparseable once, then the generated judgment: retried, scored. */
  flaky_judge.replies = garbled_then_good;
  fake_server_set_model (fixture->server, "openai/gpt-4o", &flaky_judge);
  flaky = cli (fixture, "judge", run_id, "--judge-model", "openai/gpt-4o");
  g_assert_cmpint (flaky->status, ==, 0);
  g_assert_nonnull (strstr (flaky->out, "80.0"));
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "openai/gpt-4o"),
                    ==, 2);

  /* Always unparseable: a judge error, never a zero. */
  hopeless_judge.content = "{\"criteria\": {\"accuracy\": 14}}";
  fake_server_set_model (fixture->server, "x-ai/grok-3-mini", &hopeless_judge);
  hopeless = cli (fixture, "judge", run_id, "--judge-model", "x-ai/grok-3-mini");
  g_assert_cmpint (hopeless->status, ==, 1);
  g_assert_nonnull (strstr (hopeless->err, "judge error"));
  g_assert_nonnull (strstr (hopeless->err, "outside 0–10"));

  show = cli (fixture, "show", run_id);
  g_assert_nonnull (strstr (show->out, "judge error"));
  g_assert_null (strstr (show->out, " 0.0/100"));
}

static void
test_unknown_model_and_judge_warning (CliFixture    *fixture,
                                      gconstpointer  data)
{
  g_autofree char *input = cli_test_sample_path ("meeting-action-items/ledgerly-product-sync.md");
  const char *items = "{\"summary\":\"Plan\",\"action_items\":[],\"decisions\":[]}";
  g_autoptr(CliResult) run = NULL;
  g_autofree char *run_id = NULL;
  g_autoptr(JsonObject) output = NULL;
  g_autofree char *path = NULL;

  /* Not scripted: scripted models join the fake catalog. */
  cli_test_script (fixture, "anthropic/claude-sonnet-4.5", items, 0.003, 0.003);

  run = cli (fixture, "run", "meeting-action-items", "--input", input, "--models",
             "local/brand-new-model,anthropic/claude-sonnet-4.5", "--judge");
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (run->err, "local/brand-new-model is not in the model catalog"));
  g_assert_nonnull (strstr (run->err, "also a candidate"));
  run_id = cli_test_last_line (run->out);
  path = cli_test_output_path (fixture, "meeting-action-items", run_id, "local/brand-new-model");
  output = cli_test_read_json_file (path);
  g_assert_cmpstr (json_object_get_string_member (output, "status"), ==, "ok");
}

static void
test_chunked_long_input (CliFixture    *fixture,
                         gconstpointer  data)
{
  g_autofree char *input = cli_test_sample_path ("lecture-chapters/databases-transactions.txt");
  const char *replies[] = {
    "[{\"title\":\"A\",\"description\":\"a\",\"start_time\":\"00:00:00\",\"end_time\":\"00:10:00\"}]",
    "[{\"title\":\"B\",\"description\":\"b\",\"start_time\":\"00:10:00\",\"end_time\":\"00:20:00\"}]",
    "[{\"title\":\"C\",\"description\":\"c\",\"start_time\":\"00:20:00\",\"end_time\":\"00:30:00\"}]",
    "[{\"title\":\"D\",\"description\":\"d\",\"start_time\":\"00:30:00\",\"end_time\":\"00:40:00\"}]",
    "[{\"title\":\"E\",\"description\":\"e\",\"start_time\":\"00:40:00\",\"end_time\":\"00:50:00\"}]",
    NULL
  };
  FakeModel small = { 0 };
  g_autoptr(CliResult) run = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) output = NULL;
  g_autoptr(JsonNode) merged = NULL;
  guint calls;
  GPtrArray *requests;

  small.replies = replies;
  fake_server_set_model (fixture->server, "tiny/context-8k", &small);
  fake_server_add_catalog_model (fixture->server, "tiny/context-8k", 8192, 1e-7, 2e-7, FALSE);

  run = cli (fixture, "run", "lecture-chapters", "--input", input, "--models",
             "tiny/context-8k");
  g_assert_cmpint (run->status, ==, 0);
  run_id = cli_test_last_line (run->out);

  calls = fake_server_count (fixture->server, "/chat/completions", "tiny/context-8k");
  g_assert_cmpuint (calls, >=, 2);
  /* Each part's prompt says which part the model sees. */
  requests = fake_server_get_requests (fixture->server);
  for (guint i = 0; i < requests->len; i++)
    {
      FakeRequest *request = g_ptr_array_index (requests, i);

      if (g_strcmp0 (request->model, "tiny/context-8k") == 0)
        g_assert_nonnull (strstr (request->body, "part "));
    }

  path = cli_test_output_path (fixture, "lecture-chapters", run_id, "tiny/context-8k");
  output = cli_test_read_json_file (path);
  g_assert_cmpint (json_object_get_int_member (output, "chunks"), ==, calls);
  merged = cli_test_parse_json (json_object_get_string_member (output, "content"));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (merged)), ==, MIN (calls, 5));
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (output,
                                                                                "format_check"),
                                                 "valid"));
}

static void
test_structured_output_request (CliFixture    *fixture,
                                gconstpointer  data)
{
  g_autofree char *meeting = cli_test_sample_path ("meeting-action-items/ledgerly-product-sync.md");
  g_autofree char *lecture = cli_test_sample_path ("lecture-chapters/databases-transactions.txt");
  g_autofree char *good = chapters (8);
  const char *items = "{\"summary\":\"Plan\",\"action_items\":[],\"decisions\":[]}";
  g_autoptr(CliResult) object_run = NULL;
  g_autoptr(CliResult) array_run = NULL;
  GPtrArray *requests;
  guint with_schema = 0, without_schema = 0, judge_strict = 0, array_plain = 0;
  g_autofree char *wrapped = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) output = NULL;
  g_autoptr(JsonNode) content = NULL;

  /* In the fake catalog gpt-4o-mini takes structured outputs and llama 8b does not. */
  cli_test_script (fixture, "openai/gpt-4o-mini", items, 0.001, 0.001);
  cli_test_script (fixture, "meta-llama/llama-3.1-8b-instruct", items, 0.0001, 0.0001);
  object_run = cli (fixture, "run", "meeting-action-items", "--input", meeting, "--models",
                    "openai/gpt-4o-mini,meta-llama/llama-3.1-8b-instruct", "--judge");
  g_assert_cmpint (object_run->status, ==, 0);

  requests = fake_server_get_requests (fixture->server);
  for (guint i = 0; i < requests->len; i++)
    {
      FakeRequest *request = g_ptr_array_index (requests, i);

      if (!g_str_has_suffix (request->path, "/chat/completions"))
        continue;
      g_assert_cmpstr (request->authorization, ==, "Bearer " KEY);
      g_assert_nonnull (request->title);
      if (g_strcmp0 (request->model, "openai/gpt-4o-mini") == 0)
        {
          /* The use case's own schema: sent, but not strict. */
          g_assert_nonnull (strstr (request->body, "\"json_schema\""));
          g_assert_nonnull (strstr (request->body, "\"strict\":false"));
          with_schema++;
        }
      else if (g_strcmp0 (request->model, "meta-llama/llama-3.1-8b-instruct") == 0)
        {
          g_assert_null (strstr (request->body, "response_format"));
          without_schema++;
        }
      else if (g_strcmp0 (request->model, "anthropic/claude-sonnet-4.5") == 0)
        {
          /* The judge's answer schema is written for strict mode. */
          g_assert_nonnull (strstr (request->body, "\"strict\":true"));
          judge_strict++;
        }
    }
  g_assert_cmpuint (with_schema, ==, 1);
  g_assert_cmpuint (without_schema, ==, 1);
  g_assert_cmpuint (judge_strict, ==, 2);

  /* An array at the root (chapters) goes out wrapped as {"result": …}, since providers
   * take only an object there, and the answer is unwrapped before it is checked and kept. */
  fake_server_clear_requests (fixture->server);
  wrapped = g_strdup_printf ("{\"result\": %s}", good);
  cli_test_script (fixture, "openai/gpt-4o-mini", wrapped, 0.001, 0.001);
  array_run = cli (fixture, "run", "lecture-chapters", "--input", lecture, "--models",
                   "openai/gpt-4o-mini");
  g_assert_cmpint (array_run->status, ==, 0);
  for (guint i = 0; i < requests->len; i++)
    {
      FakeRequest *request = g_ptr_array_index (requests, i);

      if (g_strcmp0 (request->model, "openai/gpt-4o-mini") == 0)
        {
          g_assert_nonnull (strstr (request->body, "\"json_schema\""));
          g_assert_nonnull (strstr (request->body, "\"result\""));
          array_plain++;
        }
    }
  g_assert_cmpuint (array_plain, ==, 1);
  run_id = cli_test_last_line (array_run->out);
  path = cli_test_output_path (fixture, "lecture-chapters", run_id, "openai/gpt-4o-mini");
  output = cli_test_read_json_file (path);
  content = cli_test_parse_json (json_object_get_string_member (output, "content"));
  g_assert_true (JSON_NODE_HOLDS_ARRAY (content));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (content)), ==, 2);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (output,
                                                                                "format_check"),
                                                 "valid"));
}

/* export: a judged run of two inputs as HTML, Markdown, CSV and JSON, to a file and to
 * stdout; the JSON is `show --json` byte for byte; bad formats and runs are usage errors. */
static void
test_export (CliFixture    *fixture,
             gconstpointer  data)
{
  g_autofree char *first = cli_test_sample_path ("lecture-chapters/databases-transactions.txt");
  g_autofree char *second = cli_test_sample_path ("lecture-chapters/biology-photosynthesis.txt");
  g_autofree char *good = chapters (9);
  /* Valid chapters whose title is hostile markup: it must come back escaped. */
  const char *hostile = "[{\"title\":\"</pre><script>alert(1)</script> & | , \\\" SCORE=6\","
                        "\"description\":\"Ünïcödé\",\"start_time\":\"00:00:00\","
                        "\"end_time\":\"00:50:00\"}]";
  const char *models[] = { "openai/gpt-4o-mini", "google/gemini-2.5-flash" };
  g_autoptr(CliResult) run = NULL;
  g_autoptr(CliResult) show = NULL;
  g_autoptr(CliResult) json = NULL;
  g_autoptr(CliResult) html_out = NULL;
  g_autoptr(CliResult) html_file = NULL;
  g_autoptr(CliResult) md = NULL;
  g_autoptr(CliResult) csv = NULL;
  g_autoptr(CliResult) described = NULL;
  g_autoptr(CliResult) nope = NULL;
  g_autoptr(CliResult) nope_json = NULL;
  g_autoptr(CliResult) missing = NULL;
  g_autoptr(CliResult) unwritable = NULL;
  g_autoptr(JsonNode) show_root = NULL;
  g_autoptr(JsonNode) described_root = NULL;
  g_autoptr(JsonNode) error_root = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *html_path = g_build_filename (fixture->home, "reports", "run.html", NULL);
  g_autofree char *md_path = g_build_filename (fixture->home, "reports", "run.md", NULL);
  g_autofree char *csv_path = g_build_filename (fixture->home, "reports", "run.csv", NULL);
  g_autofree char *blocked = g_build_filename (html_path, "inside", NULL);
  g_autofree char *html = NULL;
  g_autofree char *md_text = NULL;
  g_autofree char *csv_text = NULL;
  g_auto(GStrv) csv_lines = NULL;
  JsonObject *judgment;
  guint rows = 0;
  gsize html_length = 0;

  cli_test_script (fixture, models[0], good, 0.0012, 0.00125);
  cli_test_script (fixture, models[1], hostile, 0.0004, 0.00041);
  run = cli (fixture, "run", "lecture-chapters", "--input", first, "--input", second,
             "--models", "openai/gpt-4o-mini,google/gemini-2.5-flash", "--judge");
  g_assert_cmpint (run->status, ==, 0);
  run_id = cli_test_last_line (run->out);

  /* HTML to a file (atomically, folders made), and the same bytes on stdout. */
  html_file = cli (fixture, "export", run_id, "--format", "html", "-o", html_path);
  g_assert_cmpint (html_file->status, ==, 0);
  g_assert_cmpstr (html_file->out, ==, "");
  g_assert_true (g_file_get_contents (html_path, &html, &html_length, NULL));
  g_assert_true (g_str_has_prefix (html, "<!DOCTYPE html>"));
  g_assert_nonnull (strstr (html, "<svg"));
  g_assert_nonnull (strstr (html, "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
  g_assert_null (strstr (html, "<script"));
  g_assert_nonnull (strstr (html, "Ünïcödé"));
  g_assert_nonnull (strstr (html, run_id));
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      /* the ids break after their '/' and '-' in tables: whole in the chart's titles */
      g_autofree char *title = g_strdup_printf ("<title>%s: ", models[i]);

      g_assert_nonnull (strstr (html, title));
    }
  html_out = cli (fixture, "export", run_id);
  g_assert_cmpint (html_out->status, ==, 0);
  g_assert_cmpstr (html_out->out, ==, html);

  /* Markdown: the table, the pipes of the hostile title nowhere in it. */
  md = cli (fixture, "export", run_id, "--format", "md", "-o", md_path);
  g_assert_cmpint (md->status, ==, 0);
  g_assert_true (g_file_get_contents (md_path, &md_text, NULL, NULL));
  g_assert_true (g_str_has_prefix (md_text, "# "));
  g_assert_nonnull (strstr (md_text, "| Model | Mean |"));
  g_assert_nonnull (strstr (md_text, "| openai/gpt-4o-mini | 90.0 |"));

  /* JSON: what show --json prints, byte for byte. */
  show = cli (fixture, "--json", "show", run_id);
  json = cli (fixture, "export", run_id, "--format", "json");
  g_assert_cmpint (show->status, ==, 0);
  g_assert_cmpint (json->status, ==, 0);
  g_assert_cmpstr (json->out, ==, show->out);
  show_root = cli_test_parse_json (show->out);
  judgment = json_object_get_object_member (json_node_get_object (show_root), "judgment");

  /* CSV: a header and one row per score of the judgment (every output was scored). */
  csv = cli (fixture, "export", run_id, "--format=csv", "--output", csv_path);
  g_assert_cmpint (csv->status, ==, 0);
  g_assert_true (g_file_get_contents (csv_path, &csv_text, NULL, NULL));
  g_assert_true (g_str_has_prefix (csv_text, "run,model,input,repeat,judge,"));
  g_assert_true (g_str_has_suffix (csv_text, "\r\n"));
  csv_lines = g_strsplit (csv_text, "\r\n", -1);
  for (guint i = 1; csv_lines[i] != NULL; i++)
    if (*csv_lines[i] != '\0')
      {
        g_assert_true (g_str_has_prefix (csv_lines[i], run_id));
        rows++;
      }
  g_assert_cmpuint (rows, ==, json_array_get_length (json_object_get_array_member (judgment,
                                                                                   "scores")));
  g_assert_cmpuint (rows, ==, 4);

  /* --json with -o: one document that says what was written. */
  described = cli (fixture, "--json", "export", run_id, "-o", html_path);
  g_assert_cmpint (described->status, ==, 0);
  described_root = cli_test_parse_json (described->out);
  {
    JsonObject *object = json_node_get_object (described_root);

    g_assert_cmpstr (json_object_get_string_member (object, "run"), ==, run_id);
    g_assert_cmpstr (json_object_get_string_member (object, "format"), ==, "html");
    g_assert_cmpstr (json_object_get_string_member (object, "file"), ==, html_path);
    g_assert_cmpint (json_object_get_int_member (object, "bytes"), ==, html_length);
  }

  /* Bad usage: a format that is none, a run that does not exist (exit 2); a file that
   * cannot be written (exit 1). */
  nope = cli (fixture, "export", run_id, "--format", "nope");
  g_assert_cmpint (nope->status, ==, 2);
  g_assert_nonnull (strstr (nope->err, "'nope' is not an export format"));
  g_assert_cmpstr (nope->out, ==, "");
  nope_json = cli (fixture, "--json", "export", run_id, "--format", "nope");
  g_assert_cmpint (nope_json->status, ==, 2);
  error_root = cli_test_parse_json (nope_json->out);
  g_assert_cmpint (json_object_get_int_member (
                     json_object_get_object_member (json_node_get_object (error_root), "error"),
                     "exit_code"), ==, 2);
  missing = cli (fixture, "export", "20990101T000000Z-dead");
  g_assert_cmpint (missing->status, ==, 2);
  unwritable = cli (fixture, "export", run_id, "-o", blocked);
  g_assert_cmpint (unwritable->status, ==, 1);
  g_assert_nonnull (strstr (unwritable->err, "taskbench-cli: "));
}

static void
test_help (CliFixture    *fixture,
           gconstpointer  data)
{
  g_autoptr(CliResult) help = cli (fixture, "--help");
  g_autoptr(CliResult) run_help = cli (fixture, "run", "--help");
  g_autoptr(CliResult) unknown = cli (fixture, "frobnicate");
  const char *commands[] = { "usecases", "usecase", "models", "recommend", "run", "runs",
                             "show", "judge", "resume", "costs" };

  g_assert_cmpint (help->status, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_assert_nonnull (strstr (help->out, commands[i]));
  g_assert_cmpint (run_help->status, ==, 0);
  g_assert_nonnull (strstr (run_help->out, "--reference"));
  g_assert_cmpint (unknown->status, ==, 2);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(name, func) \
  g_test_add ("/cli/" name, CliFixture, NULL, cli_fixture_set_up, func, cli_fixture_tear_down)

  ADD ("help", test_help);
  ADD ("usecases", test_usecases);
  ADD ("usecase-new", test_usecase_new);
  ADD ("models-cached", test_models_cached);
  ADD ("recommend", test_recommend);
  ADD ("run-judge-show-costs", test_run_judge_show_costs);
  ADD ("rejudge-and-judge-all", test_rejudge_and_judge_all);
  ADD ("bad-input", test_bad_input);
  ADD ("partial-then-resume", test_partial_then_resume);
  ADD ("all-failed", test_all_failed);
  ADD ("retries-and-stream-errors", test_retries_and_stream_errors);
  ADD ("crash-then-resume", test_crash_then_resume);
  ADD ("cancel", test_cancel);
  ADD ("judge-errors", test_judge_errors);
  ADD ("unknown-model-and-judge-warning", test_unknown_model_and_judge_warning);
  ADD ("chunked-long-input", test_chunked_long_input);
  ADD ("structured-output-request", test_structured_output_request);
  ADD ("export", test_export);

  return g_test_run ();
}
