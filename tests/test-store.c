/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tb-error.h"
#include "tb-store.h"
#include "tb-util.h"

#define USD_TOLERANCE 1e-12

/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                   */

static char *
make_home (void)
{
  g_autoptr(GError) error = NULL;
  char *home = g_dir_make_tmp ("test-store-XXXXXX", &error);

  g_assert_no_error (error);
  return home;
}

static void
remove_all (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (children != NULL)
    {
      GFileInfo *info;

      while ((info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

          if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
            remove_all (child);
          else
            g_unlink (child);
          g_object_unref (info);
        }
    }
  g_rmdir (path);
}

/* Every entry below `dir`, relative, sorted, folders with a trailing '/'. */
static void
collect_tree (const char *root,
              const char *relative,
              GPtrArray  *into)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_rel = *relative != '\0'
                                   ? g_build_filename (relative, name, NULL)
                                   : g_strdup (name);
      g_autofree char *child = g_build_filename (root, child_rel, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        {
          g_ptr_array_add (into, g_strconcat (child_rel, "/", NULL));
          collect_tree (root, child_rel, into);
        }
      else
        g_ptr_array_add (into, g_strdup (child_rel));
    }
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static char *
tree_listing (const char *root)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (g_free);

  collect_tree (root, "", entries);
  g_ptr_array_sort (entries, compare_strings);
  g_ptr_array_add (entries, NULL);
  return g_strjoinv (" ", (char **) entries->pdata);
}

static JsonNode *
parse_file (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_parser_steal_root (parser);
}

static JsonNode *
parse_text (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_parser_steal_root (parser);
}

static char *
member_names (JsonObject *object)
{
  GList *names = json_object_get_members (object);
  GString *joined = g_string_new (NULL);

  for (GList *l = names; l != NULL; l = l->next)
    g_string_append_printf (joined, "%s%s", joined->len > 0 ? "," : "", (char *) l->data);
  g_list_free (names);
  return g_string_free (joined, FALSE);
}

static TbRun *
create_run (TbStore    *store,
            const char *usecase,
            const char *id,
            const char *const *models)
{
  g_autoptr(TbRun) run = tb_run_new ();
  g_autoptr(GError) error = NULL;
  const char *input = "[00:00:01] hello\n[00:05:00] bye\n";

  run->id = g_strdup (id);
  run->usecase = g_strdup (usecase);
  run->usecase_snapshot = g_strdup ("name: Test\ngoal: Test\n");
  run->input_name = g_strdup ("lecture.md");
  run->models = g_strdupv ((char **) models);
  tb_store_create_run (store, run, input, strlen (input), "Do the task.", &error);
  g_assert_no_error (error);
  return g_steal_pointer (&run);
}

static GPid
spawn_sleeper (void)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { "sleep", "30", NULL };
  GPid pid = 0;

  g_spawn_async (NULL, (char **) argv, NULL,
                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pid, >, 0);
  return pid;
}

static void
kill_and_reap (GPid pid)
{
  int status;

  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
}

/* A pid that surely belonged to a process that has exited. */
static GPid
dead_pid (void)
{
  GPid pid = spawn_sleeper ();

  kill_and_reap (pid);
  return pid;
}

static void
write_foreign_lock (TbRun *run,
                    GPid   pid)
{
  g_autofree char *path = g_build_filename (run->dir, ".lock", NULL);
  g_autofree char *text = g_strdup_printf ("%d\n", (int) pid);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static char *
read_lock (TbRun *run)
{
  g_autofree char *path = g_build_filename (run->dir, ".lock", NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static TbOutput *
make_output (const char *model,
             const char *status,
             double      inline_usd,
             gboolean    has_inline,
             double      billed_usd,
             gboolean    has_billed,
             double      estimate_usd,
             gint64      prompt_tokens,
             gint64      completion_tokens)
{
  TbOutput *output = tb_output_new (model);

  output->status = g_strdup (status);
  output->content = g_strdup ("[]");
  output->cost.has_inline = has_inline;
  output->cost.inline_usd = inline_usd;
  output->cost.has_billed = has_billed;
  output->cost.billed_usd = billed_usd;
  output->cost.estimate_usd = estimate_usd;
  tb_cost_settle (&output->cost);
  output->usage.prompt_tokens = prompt_tokens;
  output->usage.completion_tokens = completion_tokens;
  output->attempts = g_strcmp0 (status, "cancelled") == 0 ? 0 : 1;
  return output;
}

static TbScore *
make_score (const char *model,
            double      overall,
            double      judge_usd,
            gint64      prompt_tokens)
{
  TbScore *score = tb_score_new (model);
  double value = overall / 10;

  score->overall = overall;
  g_hash_table_replace (score->criteria, g_strdup ("accuracy"), g_memdup2 (&value, sizeof value));
  score->criteria_order = g_strsplit ("accuracy", ",", -1);
  score->reasoning = g_strdup ("Fine.");
  score->output_chars = 2;
  if (judge_usd >= 0)
    {
      score->cost.has_inline = TRUE;
      score->cost.inline_usd = judge_usd;
    }
  tb_cost_settle (&score->cost);
  score->usage.prompt_tokens = prompt_tokens;
  score->usage.completion_tokens = prompt_tokens / 10;
  return score;
}

/* ---------------------------------------------------------------------------------------- */
/* JSON                                                                                      */

static void
test_cost_settle (void)
{
  TbCost cost = { 0 };
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *names = NULL;
  TbCost back;

  cost.estimate_usd = 0.003;
  tb_cost_settle (&cost);
  g_assert_cmpstr (cost.source, ==, "estimate");
  g_assert_cmpfloat (cost.usd, ==, 0.003);

  cost.has_inline = TRUE;
  cost.inline_usd = 0.002;
  tb_cost_settle (&cost);
  g_assert_cmpstr (cost.source, ==, "inline");
  g_assert_cmpfloat (cost.usd, ==, 0.002);

  cost.has_billed = TRUE;
  cost.billed_usd = 0;   /* a billed zero is still the bill */
  tb_cost_settle (&cost);
  g_assert_cmpstr (cost.source, ==, "billed");
  g_assert_cmpfloat (cost.usd, ==, 0);

  node = tb_cost_to_json (&cost);
  names = member_names (json_node_get_object (node));
  g_assert_cmpstr (names, ==, "inline_usd,billed_usd,estimate_usd,usd,source");
  tb_cost_from_json (&back, json_node_get_object (node));
  g_assert_true (back.has_inline && back.has_billed);
  g_assert_cmpfloat (back.inline_usd, ==, 0.002);
  g_assert_cmpfloat (back.billed_usd, ==, 0);
  g_assert_cmpfloat (back.estimate_usd, ==, 0.003);
  g_assert_cmpstr (back.source, ==, "billed");

  /* Absent amounts are null, and read back as absent. */
  {
    TbCost estimate_only = { 0 };
    g_autoptr(JsonNode) n = NULL;
    JsonObject *object;

    estimate_only.estimate_usd = 0.1 + 0.2;
    n = tb_cost_to_json (&estimate_only);
    object = json_node_get_object (n);
    g_assert_true (json_node_is_null (json_object_get_member (object, "inline_usd")));
    g_assert_true (json_node_is_null (json_object_get_member (object, "billed_usd")));
    g_assert_cmpstr (json_object_get_string_member (object, "source"), ==, "estimate");
    tb_cost_from_json (&back, object);
    g_assert_false (back.has_inline || back.has_billed);
    g_assert_cmpfloat (back.usd, ==, 0.1 + 0.2);
    g_assert_cmpstr (back.source, ==, "estimate");
  }

  /* No cost object at all: zero, estimate. */
  tb_cost_from_json (&back, NULL);
  g_assert_cmpfloat (back.usd, ==, 0);
  g_assert_cmpstr (back.source, ==, "estimate");
}

static void
test_output_round_trip (void)
{
  g_autoptr(TbOutput) output = tb_output_new ("openai/gpt-4o");
  g_autoptr(TbOutput) back = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) reparsed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;

  output->status = g_strdup ("ok");
  output->content = g_strdup ("[{\"title\": \"Intro ü\"}]\n");
  output->finish_reason = g_strdup ("stop");
  output->has_format_check = TRUE;
  output->format_valid = FALSE;
  output->format_errors = g_strsplit ("$[0]: missing \"end_time\"|$[1]: not an object", "|", -1);
  output->usage = (TbUsage) { 1234, 567, 89, 10 };
  output->cost.has_inline = TRUE;
  output->cost.inline_usd = 0.000123;
  output->cost.has_billed = TRUE;
  output->cost.billed_usd = 0.1 + 0.2;
  output->cost.estimate_usd = 0.0004;
  tb_cost_settle (&output->cost);
  output->generation_id = g_strdup ("gen-1");
  output->generation_ids = g_strsplit ("gen-1,gen-2", ",", -1);
  output->provider = g_strdup ("OpenAI");
  output->latency_ms = 4321;
  output->attempts = 3;
  output->chunks = 2;
  output->error_http_status = 429;
  output->error_message = g_strdup ("Rate limited");
  output->updated_at = g_strdup ("2026-11-25T11:51:06Z");

  node = tb_output_to_json (output);
  object = json_node_get_object (node);
  names = member_names (object);
  g_assert_cmpstr (names, ==,
                   "model,status,content,finish_reason,format_check,usage,cost,generation_id,"
                   "provider,latency_ms,attempts,error,chunks,generation_ids,updated_at");
  g_clear_pointer (&names, g_free);
  names = member_names (json_object_get_object_member (object, "usage"));
  g_assert_cmpstr (names, ==, "prompt_tokens,completion_tokens,reasoning_tokens,cached_tokens");
  g_clear_pointer (&names, g_free);
  names = member_names (json_object_get_object_member (object, "error"));
  g_assert_cmpstr (names, ==, "http_status,message");
  g_clear_pointer (&names, g_free);
  names = member_names (json_object_get_object_member (object, "format_check"));
  g_assert_cmpstr (names, ==, "valid,errors");

  /* Through text, as on disk: doubles must survive exactly. */
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  reparsed = parse_text (text);
  back = tb_output_from_json (reparsed, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (back->model, ==, "openai/gpt-4o");
  g_assert_cmpstr (back->status, ==, "ok");
  g_assert_cmpstr (back->content, ==, output->content);
  g_assert_cmpstr (back->finish_reason, ==, "stop");
  g_assert_true (back->has_format_check);
  g_assert_false (back->format_valid);
  g_assert_true (g_strv_equal ((const char *const *) back->format_errors,
                               (const char *const *) output->format_errors));
  g_assert_cmpint (back->usage.prompt_tokens, ==, 1234);
  g_assert_cmpint (back->usage.completion_tokens, ==, 567);
  g_assert_cmpint (back->usage.reasoning_tokens, ==, 89);
  g_assert_cmpint (back->usage.cached_tokens, ==, 10);
  g_assert_true (back->cost.has_inline && back->cost.has_billed);
  g_assert_cmpfloat (back->cost.inline_usd, ==, 0.000123);
  g_assert_cmpfloat (back->cost.billed_usd, ==, 0.1 + 0.2);
  g_assert_cmpfloat (back->cost.estimate_usd, ==, 0.0004);
  g_assert_cmpfloat (back->cost.usd, ==, 0.1 + 0.2);
  g_assert_cmpstr (back->cost.source, ==, "billed");
  g_assert_cmpstr (back->generation_id, ==, "gen-1");
  g_assert_true (g_strv_equal ((const char *const *) back->generation_ids,
                               (const char *const *) output->generation_ids));
  g_assert_cmpstr (back->provider, ==, "OpenAI");
  g_assert_cmpint (back->latency_ms, ==, 4321);
  g_assert_cmpuint (back->attempts, ==, 3);
  g_assert_cmpuint (back->chunks, ==, 2);
  g_assert_cmpuint (back->error_http_status, ==, 429);
  g_assert_cmpstr (back->error_message, ==, "Rate limited");
  g_assert_cmpstr (back->updated_at, ==, "2026-11-25T11:51:06Z");
}

static void
test_output_nulls_and_errors (void)
{
  g_autoptr(TbOutput) output = tb_output_new ("m");
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;
  g_autoptr(GError) error = NULL;

  node = tb_output_to_json (output);
  object = json_node_get_object (node);
  g_assert_true (json_node_is_null (json_object_get_member (object, "format_check")));
  g_assert_true (json_node_is_null (json_object_get_member (object, "error")));
  g_assert_true (json_node_is_null (json_object_get_member (object, "content")));
  g_assert_true (json_node_is_null (json_object_get_member (object, "generation_ids")));

  /* Missing optional fields are fine. */
  {
    g_autoptr(JsonNode) minimal = parse_text ("{\"model\": \"a/b\"}");
    g_autoptr(TbOutput) back = tb_output_from_json (minimal, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (back->model, ==, "a/b");
    g_assert_null (back->status);
    g_assert_false (back->has_format_check);
    g_assert_null (back->error_message);
    g_assert_cmpstr (back->cost.source, ==, "estimate");
  }

  /* A float where an integer belongs, an int where a float belongs: both read. */
  {
    g_autoptr(JsonNode) odd = parse_text ("{\"model\": \"a\", \"latency_ms\": 12.0,"
                                          " \"cost\": {\"billed_usd\": 1}}");
    g_autoptr(TbOutput) back = tb_output_from_json (odd, &error);

    g_assert_no_error (error);
    g_assert_cmpint (back->latency_ms, ==, 12);
    g_assert_cmpfloat (back->cost.usd, ==, 1.0);
  }

  {
    g_autoptr(JsonNode) array = parse_text ("[1, 2]");
    g_autoptr(JsonNode) no_model = parse_text ("{\"status\": \"ok\"}");
    TbOutput *bad;

    bad = tb_output_from_json (array, &error);
    g_assert_null (bad);
    g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
    g_clear_error (&error);

    bad = tb_output_from_json (no_model, &error);
    g_assert_null (bad);
    g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
    g_clear_error (&error);

    bad = tb_output_from_json (NULL, &error);
    g_assert_null (bad);
    g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  }
}

static void
test_slug (void)
{
  struct { const char *model; const char *slug; } cases[] = {
    { "openai/gpt-4o", "openai__gpt-4o" },
    { "meta-llama/llama-3.1-8b-instruct:free", "meta-llama__llama-3.1-8b-instruct_free" },
    { "../../etc/passwd", "_.__..__etc__passwd" },
    { "plain", "plain" },
    { "a b*c", "a_b_c" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *slug = tb_model_slug (cases[i].model);

      g_assert_cmpstr (slug, ==, cases[i].slug);
      g_assert_null (strchr (slug, '/'));
    }
}

static void
test_run_round_trip (void)
{
  g_autoptr(TbRun) run = tb_run_new ();
  g_autoptr(TbRun) back = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;
  JsonObject *object;

  run->id = g_strdup ("20261125T115106Z-0a1f");
  run->usecase = g_strdup ("lecture-chapters");
  run->usecase_snapshot = g_strdup ("name: Lecture\ngoal: Split\n");
  run->input_name = g_strdup ("talk.vtt");
  run->input_sha256 = g_strdup ("abc123");
  run->input_bytes = 9876543210;
  run->input_file = g_strdup ("input.vtt");
  run->models = g_strsplit ("openai/gpt-4o,google/gemini-2.5-flash", ",", -1);
  run->created_at = g_strdup ("2026-11-25T11:51:06Z");
  run->status = g_strdup ("partial");
  run->dir = g_strdup ("/not/stored");

  node = tb_run_to_json (run);
  object = json_node_get_object (node);
  names = member_names (object);
  g_assert_cmpstr (names, ==,
                   "id,usecase,usecase_snapshot,input,models,created_at,status,version");
  g_clear_pointer (&names, g_free);
  names = member_names (json_object_get_object_member (object, "input"));
  g_assert_cmpstr (names, ==, "name,sha256,bytes,file");
  g_assert_cmpstr (json_object_get_string_member (object, "version"), ==, PACKAGE_VERSION);

  back = tb_run_from_json (node, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->id, ==, run->id);
  g_assert_cmpstr (back->usecase, ==, run->usecase);
  g_assert_cmpstr (back->usecase_snapshot, ==, run->usecase_snapshot);
  g_assert_cmpstr (back->input_name, ==, "talk.vtt");
  g_assert_cmpstr (back->input_sha256, ==, "abc123");
  g_assert_cmpint (back->input_bytes, ==, 9876543210);
  g_assert_cmpstr (back->input_file, ==, "input.vtt");
  g_assert_true (g_strv_equal ((const char *const *) back->models,
                               (const char *const *) run->models));
  g_assert_cmpstr (back->created_at, ==, run->created_at);
  g_assert_cmpstr (back->status, ==, "partial");
  g_assert_cmpstr (back->version, ==, PACKAGE_VERSION);
  g_assert_null (back->dir);

  {
    g_autoptr(JsonNode) no_id = parse_text ("{\"usecase\": \"x\"}");
    g_autoptr(JsonNode) string = parse_text ("\"run\"");
    TbRun *bad;

    bad = tb_run_from_json (no_id, &error);
    g_assert_null (bad);
    g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
    g_clear_error (&error);
    bad = tb_run_from_json (string, &error);
    g_assert_null (bad);
    g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  }
}

static void
test_judgment_round_trip (void)
{
  g_autoptr(TbJudgment) judgment = tb_judgment_new ();
  g_autoptr(TbJudgment) back = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) reparsed = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;
  JsonObject *score_object;
  TbScore *score;
  TbScore *failed;
  const TbScore *s;
  double values[] = { 7.5, 9, 3.25 };

  judgment->judge_model = g_strdup ("anthropic/claude-sonnet-4.5");
  judgment->created_at = g_strdup ("2026-11-25T11:51:06Z");
  judgment->prompt_sha256 = g_strdup ("feedbeef");
  judgment->cost.has_billed = TRUE;
  judgment->cost.billed_usd = 0.000123;
  tb_cost_settle (&judgment->cost);
  judgment->usage = (TbUsage) { 100, 20, 5, 1 };
  judgment->best_overall = g_strdup ("a/one");
  judgment->best_value = g_strdup ("b/two");
  judgment->budget_pick = g_strdup ("b/two");

  /* A rubric whose order is not alphabetical, to see it kept. */
  score = tb_score_new ("a/one");
  score->criteria_order = g_strsplit ("format,accuracy,compliance", ",", -1);
  for (guint i = 0; i < 3; i++)
    g_hash_table_replace (score->criteria, g_strdup (score->criteria_order[i]),
                          g_memdup2 (&values[i], sizeof (double)));
  score->overall = 66.5;
  score->violations = g_strsplit ("gap at 00:10:00", "|", -1);
  score->reasoning = g_strdup ("Mostly right.");
  score->output_chars = 1500;
  score->usage = (TbUsage) { 50, 10, 2, 0 };
  score->cost.has_inline = TRUE;
  score->cost.inline_usd = 0.1 + 0.2;
  tb_cost_settle (&score->cost);
  g_ptr_array_add (judgment->scores, score);

  failed = tb_score_new ("b/two");
  failed->error = g_strdup ("The judge answered no JSON");
  g_ptr_array_add (judgment->scores, failed);

  node = tb_judgment_to_json (judgment);
  object = json_node_get_object (node);
  names = member_names (object);
  g_assert_cmpstr (names, ==,
                   "judge_model,created_at,prompt_sha256,scores,cost,usage,recommendation");
  g_clear_pointer (&names, g_free);
  names = member_names (json_object_get_object_member (object, "recommendation"));
  g_assert_cmpstr (names, ==, "best_overall,best_value,budget_pick");
  g_clear_pointer (&names, g_free);
  score_object = json_array_get_object_element (json_object_get_array_member (object, "scores"),
                                                0);
  names = member_names (score_object);
  g_assert_cmpstr (names, ==, "model,criteria,overall,violations,reasoning,error,output_chars,"
                              "usage,cost");
  g_clear_pointer (&names, g_free);
  names = member_names (json_object_get_object_member (score_object, "criteria"));
  g_assert_cmpstr (names, ==, "format,accuracy,compliance");

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  reparsed = parse_text (text);
  back = tb_judgment_from_json (reparsed, &error);
  g_assert_no_error (error);

  g_assert_cmpstr (back->judge_model, ==, "anthropic/claude-sonnet-4.5");
  g_assert_cmpstr (back->created_at, ==, "2026-11-25T11:51:06Z");
  g_assert_cmpstr (back->prompt_sha256, ==, "feedbeef");
  g_assert_cmpfloat (back->cost.usd, ==, 0.000123);
  g_assert_cmpstr (back->cost.source, ==, "billed");
  g_assert_cmpint (back->usage.prompt_tokens, ==, 100);
  g_assert_cmpint (back->usage.completion_tokens, ==, 20);
  g_assert_cmpint (back->usage.reasoning_tokens, ==, 5);
  g_assert_cmpint (back->usage.cached_tokens, ==, 1);
  g_assert_cmpstr (back->best_overall, ==, "a/one");
  g_assert_cmpstr (back->best_value, ==, "b/two");
  g_assert_cmpstr (back->budget_pick, ==, "b/two");
  g_assert_null (back->file);
  g_assert_cmpuint (back->scores->len, ==, 2);

  s = g_ptr_array_index (back->scores, 0);
  g_assert_cmpstr (s->model, ==, "a/one");
  g_assert_true (g_strv_equal ((const char *const *) s->criteria_order,
                               (const char *const *) score->criteria_order));
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat (*(double *) g_hash_table_lookup (s->criteria, s->criteria_order[i]), ==,
                       values[i]);
  g_assert_cmpfloat (s->overall, ==, 66.5);
  g_assert_true (g_strv_equal ((const char *const *) s->violations,
                               (const char *const *) score->violations));
  g_assert_cmpstr (s->reasoning, ==, "Mostly right.");
  g_assert_null (s->error);
  g_assert_cmpint (s->output_chars, ==, 1500);
  g_assert_cmpint (s->usage.prompt_tokens, ==, 50);
  g_assert_cmpint (s->usage.reasoning_tokens, ==, 2);
  g_assert_cmpfloat (s->cost.usd, ==, 0.1 + 0.2);
  g_assert_cmpstr (s->cost.source, ==, "inline");

  s = g_ptr_array_index (back->scores, 1);
  g_assert_cmpstr (s->error, ==, "The judge answered no JSON");
  g_assert_cmpuint (g_hash_table_size (s->criteria), ==, 0);

  {
    g_autoptr(JsonNode) number = parse_text ("42");
    TbJudgment *bad = tb_judgment_from_json (number, &error);

    g_assert_null (bad);
    g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  }
}

/* ---------------------------------------------------------------------------------------- */
/* The store                                                                                 */

static void
test_store_basics (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  g_autofree char *usecases = tb_store_usecases_dir (store);
  g_autofree char *results = tb_store_results_dir (store);
  g_autofree char *expected_usecases = g_build_filename (home, "usecases", NULL);
  g_autofree char *expected_results = g_build_filename (home, "results", NULL);

  g_assert_cmpstr (tb_store_get_home (store), ==, home);
  g_assert_cmpstr (usecases, ==, expected_usecases);
  g_assert_cmpstr (results, ==, expected_results);

  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *id = tb_store_new_run_id ();
      g_autoptr(GRegex) regex = g_regex_new ("^\\d{8}T\\d{6}Z-[0-9a-f]{4}$", 0, 0, NULL);

      g_assert_true (g_regex_match (regex, id, 0, NULL));
    }

  remove_all (home);
}

static void
test_create_run (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "openai/gpt-4o", "google/gemini-2.5-flash", NULL };
  g_autoptr(TbRun) run = create_run (store, "lecture-chapters", NULL, models);
  g_autofree char *expected_dir = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *run_json = NULL;
  g_autofree char *lock = NULL;
  g_autofree char *own_lock = g_strdup_printf ("%d\n", (int) getpid ());
  g_autofree char *input = NULL;
  g_autofree char *prompt = NULL;
  g_autofree char *sha = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  JsonObject *input_object;
  gsize length = 0;
  const char *text = "[00:00:01] hello\n[00:05:00] bye\n";

  expected_dir = g_build_filename (home, "results", "lecture-chapters", run->id, NULL);
  g_assert_cmpstr (run->dir, ==, expected_dir);
  g_assert_cmpstr (run->status, ==, "running");
  g_assert_cmpstr (run->input_file, ==, "input.md");
  g_assert_cmpstr (run->version, ==, PACKAGE_VERSION);
  g_assert_nonnull (run->created_at);

  /* Exactly the contract's files, and no temporary file left by the atomic writes. */
  listing = tree_listing (run->dir);
  g_assert_cmpstr (listing, ==, ".lock input.md judgments/ outputs/ prompt.txt run.json");

  lock = read_lock (run);
  g_assert_cmpstr (lock, ==, own_lock);

  run_json = g_build_filename (run->dir, "run.json", NULL);
  node = parse_file (run_json);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, run->id);
  g_assert_cmpstr (json_object_get_string_member (object, "usecase"), ==, "lecture-chapters");
  g_assert_cmpstr (json_object_get_string_member (object, "usecase_snapshot"), ==,
                   "name: Test\ngoal: Test\n");
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "running");
  g_assert_cmpstr (json_object_get_string_member (object, "version"), ==, PACKAGE_VERSION);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "models")), ==,
                    2);
  input_object = json_object_get_object_member (object, "input");
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
  g_assert_cmpstr (json_object_get_string_member (input_object, "name"), ==, "lecture.md");
  g_assert_cmpstr (json_object_get_string_member (input_object, "sha256"), ==, sha);
  g_assert_cmpint (json_object_get_int_member (input_object, "bytes"), ==, strlen (text));
  g_assert_cmpstr (json_object_get_string_member (input_object, "file"), ==, "input.md");

  input = tb_store_read_input (store, run, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, strlen (text));
  g_assert_cmpstr (input, ==, text);
  prompt = tb_store_read_prompt (store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (prompt, ==, "Do the task.");

  /* The same id twice is refused, never merged into the first run. */
  {
    g_autoptr(TbRun) again = tb_run_new ();

    again->id = g_strdup (run->id);
    again->usecase = g_strdup ("lecture-chapters");
    g_assert_false (tb_store_create_run (store, again, "x", 1, "p", &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_assert_null (again->dir);
  }

  /* A use case id that is a path is refused before anything is created. */
  {
    g_autoptr(TbRun) evil = tb_run_new ();
    g_autofree char *outside = g_build_filename (home, "escaped", NULL);

    evil->usecase = g_strdup ("../escaped");
    g_assert_false (tb_store_create_run (store, evil, "x", 1, "p", &error));
    g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_false (g_file_test (outside, G_FILE_TEST_EXISTS));
  }

  tb_store_unlock_run (store, run);
  g_clear_pointer (&listing, g_free);
  listing = tree_listing (run->dir);
  g_assert_cmpstr (listing, ==, "input.md judgments/ outputs/ prompt.txt run.json");

  remove_all (home);
}

static void
test_input_extension (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  struct { const char *file; const char *name; const char *expected; } cases[] = {
    { NULL, "talk.VTT", "input.vtt" },
    { NULL, "no-extension", "input.txt" },
    { NULL, NULL, "input.txt" },
    { "input.csv", "table.txt", "input.csv" },
    { NULL, "../../weird.j/son", "input.txt" },
    { NULL, "data.tar.gz", "input.gz" },
    { NULL, ".hidden", "input.txt" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TbRun) run = tb_run_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;

      run->usecase = g_strdup ("ext");
      run->input_file = g_strdup (cases[i].file);
      run->input_name = g_strdup (cases[i].name);
      tb_store_create_run (store, run, "abc", 3, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (run->input_file, ==, cases[i].expected);
      path = g_build_filename (run->dir, cases[i].expected, NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      tb_store_unlock_run (store, run);
    }

  remove_all (home);
}

static void
test_output_updated (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "openai/gpt-4o", "google/gemini-2.5-flash", "x/missing", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models);
  g_autoptr(TbOutput) first = make_output ("google/gemini-2.5-flash", "ok", 0.002, TRUE, 0,
                                           FALSE, 0.0025, 100, 50);
  g_autoptr(TbOutput) second = make_output ("openai/gpt-4o", "failed", 0, FALSE, 0, FALSE, 0,
                                            0, 0);
  g_autoptr(GPtrArray) outputs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *outputs_dir = g_build_filename (run->dir, "outputs", NULL);
  const TbOutput *read;

  second->error_http_status = 502;
  second->error_message = g_strdup ("Upstream error");

  tb_store_write_output (store, run, first, &error);
  g_assert_no_error (error);
  tb_store_write_output (store, run, second, &error);
  g_assert_no_error (error);

  outputs = tb_store_load_outputs (store, run);
  g_assert_cmpuint (outputs->len, ==, 2);
  /* The run's model order, not the order of writing. */
  read = g_ptr_array_index (outputs, 0);
  g_assert_cmpstr (read->model, ==, "openai/gpt-4o");
  g_assert_cmpstr (read->status, ==, "failed");
  g_assert_cmpuint (read->error_http_status, ==, 502);
  g_assert_nonnull (read->updated_at);
  read = g_ptr_array_index (outputs, 1);
  g_assert_cmpstr (read->model, ==, "google/gemini-2.5-flash");
  g_assert_cmpstr (read->cost.source, ==, "inline");
  g_assert_cmpfloat (read->cost.usd, ==, 0.002);
  g_clear_pointer (&outputs, g_ptr_array_unref);

  /* The billed cost arrives later and replaces the file. */
  first->cost.has_billed = TRUE;
  first->cost.billed_usd = 0.000123;
  tb_cost_settle (&first->cost);
  tb_store_write_output (store, run, first, &error);
  g_assert_no_error (error);

  outputs = tb_store_load_outputs (store, run);
  g_assert_cmpuint (outputs->len, ==, 2);
  read = g_ptr_array_index (outputs, 1);
  g_assert_cmpstr (read->cost.source, ==, "billed");
  g_assert_cmpfloat (read->cost.usd, ==, 0.000123);
  g_assert_cmpfloat (read->cost.inline_usd, ==, 0.002);

  listing = tree_listing (outputs_dir);
  g_assert_cmpstr (listing, ==, "google__gemini-2.5-flash.json openai__gpt-4o.json");

  tb_store_unlock_run (store, run);
  remove_all (home);
}

static void
test_lock (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/b", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models);
  g_autoptr(TbRun) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *own = g_strdup_printf ("%d\n", (int) getpid ());
  g_autofree char *foreign = NULL;
  g_autofree char *text = NULL;
  GPid sleeper;
  GPid gone;

  /* Our own lock: taking it again is fine. */
  g_assert_true (tb_store_lock_run (store, run, &error));
  g_assert_no_error (error);

  /* A live process holds it. */
  sleeper = spawn_sleeper ();
  foreign = g_strdup_printf ("%d\n", (int) sleeper);
  write_foreign_lock (run, sleeper);
  g_assert_false (tb_store_lock_run (store, run, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_BUSY);
  g_clear_error (&error);

  /* Still running as far as anyone can tell, and nobody else may delete it. */
  loaded = tb_store_load_run (store, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->status, ==, "running");
  g_assert_false (tb_store_delete_run (store, loaded, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_BUSY);
  g_clear_error (&error);
  g_clear_pointer (&loaded, tb_run_free);

  /* Unlock never removes someone else's lock. */
  tb_store_unlock_run (store, run);
  text = read_lock (run);
  g_assert_cmpstr (text, ==, foreign);
  g_clear_pointer (&text, g_free);

  /* The holder dies: the run reads interrupted and its lock is taken over. */
  kill_and_reap (sleeper);
  loaded = tb_store_load_run (store, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->status, ==, "interrupted");
  g_clear_pointer (&loaded, tb_run_free);

  g_assert_true (tb_store_lock_run (store, run, &error));
  g_assert_no_error (error);
  text = read_lock (run);
  g_assert_cmpstr (text, ==, own);
  g_clear_pointer (&text, g_free);

  /* Another dead pid, written as someone else's stale lock. */
  gone = dead_pid ();
  write_foreign_lock (run, gone);
  g_assert_true (tb_store_lock_run (store, run, &error));
  g_assert_no_error (error);
  text = read_lock (run);
  g_assert_cmpstr (text, ==, own);
  g_clear_pointer (&text, g_free);

  /* Garbage in the lock is no holder. */
  {
    g_autofree char *path = g_build_filename (run->dir, ".lock", NULL);

    g_file_set_contents (path, "not a pid", -1, &error);
    g_assert_no_error (error);
    g_assert_true (tb_store_lock_run (store, run, &error));
    g_assert_no_error (error);
  }

  tb_store_unlock_run (store, run);
  text = read_lock (run);
  g_assert_null (text);

  remove_all (home);
}

static void
test_interrupted (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/b", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models);
  g_autoptr(TbRun) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (run->dir, "run.json", NULL);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GPtrArray) runs = NULL;

  /* While we hold it, it is running. */
  loaded = tb_store_load_run (store, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->status, ==, "running");
  g_assert_cmpstr (loaded->dir, ==, run->dir);
  g_clear_pointer (&loaded, tb_run_free);

  /* Gone without a word (no lock at all): interrupted, in memory only. */
  tb_store_unlock_run (store, run);
  loaded = tb_store_load_run (store, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->status, ==, "interrupted");
  node = parse_file (path);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "status"), ==,
                   "running");

  runs = tb_store_list_runs (store, "uc");
  g_assert_cmpuint (runs->len, ==, 1);
  g_assert_cmpstr (((TbRun *) g_ptr_array_index (runs, 0))->status, ==, "interrupted");

  /* A finished run stays as saved. */
  g_free (run->status);
  run->status = g_strdup ("done");
  tb_store_save_run (store, run, &error);
  g_assert_no_error (error);
  g_clear_pointer (&loaded, tb_run_free);
  loaded = tb_store_load_run (store, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->status, ==, "done");

  remove_all (home);
}

static void
test_list_runs (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/b", NULL };
  const char *ids[] = {
    "20260101T000000Z-aaaa",
    "20261231T235959Z-0000",
    "20260615T120000Z-ffff",
    "20260615T120000Z-0001",
  };
  const char *expected[] = {
    "20261231T235959Z-0000",
    "20260615T120000Z-ffff",
    "20260615T120000Z-0001",
    "20260101T000000Z-aaaa",
  };
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) empty = NULL;
  g_autoptr(GPtrArray) invalid = NULL;
  g_autofree char *broken = NULL;
  g_autofree char *stray = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(TbRun) run = create_run (store, "uc", ids[i], models);

      tb_store_unlock_run (store, run);
    }
  /* Another use case's run is not listed here. */
  {
    g_autoptr(TbRun) other = create_run (store, "other", "20270101T000000Z-1234", models);

    tb_store_unlock_run (store, other);
  }

  /* A broken run is skipped with a warning, a stray folder silently. */
  broken = g_build_filename (home, "results", "uc", "20260301T000000Z-beef", "run.json", NULL);
  tb_write_file_atomic (broken, "{ not json", -1, &error);
  g_assert_no_error (error);
  stray = g_build_filename (home, "results", "uc", "notes", "x.txt", NULL);
  tb_write_file_atomic (stray, "x", -1, &error);
  g_assert_no_error (error);

  g_test_expect_message ("tb-store", G_LOG_LEVEL_WARNING, "*20260301T000000Z-beef*");
  runs = tb_store_list_runs (store, "uc");
  g_test_assert_expected_messages ();

  g_assert_cmpuint (runs->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < runs->len; i++)
    {
      TbRun *run = g_ptr_array_index (runs, i);
      g_autofree char *dir = g_build_filename (home, "results", "uc", expected[i], NULL);

      g_assert_cmpstr (run->id, ==, expected[i]);
      g_assert_cmpstr (run->dir, ==, dir);
      g_assert_cmpstr (run->usecase, ==, "uc");
    }

  empty = tb_store_list_runs (store, "nothing-here");
  g_assert_cmpuint (empty->len, ==, 0);
  invalid = tb_store_list_runs (store, "../uc");
  g_assert_cmpuint (invalid->len, ==, 0);

  remove_all (home);
}

/* Sleeps until just after a second starts, so several writes share that second. */
static void
wait_for_fresh_second (void)
{
  gint64 now = g_get_real_time ();

  g_usleep (G_USEC_PER_SEC - now % G_USEC_PER_SEC + 1000);
}

static void
test_judgments (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/b", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models);
  g_autoptr(GPtrArray) judgments = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (run->dir, "judgments", NULL);
  g_autofree char *listing = NULL;
  g_autofree char *expected_listing = NULL;
  g_autofree char *base = NULL;
  char *files[3] = { NULL, };
  gboolean same_second = FALSE;

  /* Three judgments in the same second: none overwrites another. Should a slow disk push
   * one into the next second, try again from a fresh one. */
  for (guint attempt = 0; attempt < 5 && !same_second; attempt++)
    {
      remove_all (dir);
      g_mkdir (dir, 0755);
      wait_for_fresh_second ();
      g_clear_pointer (&base, g_free);
      base = tb_utc_now_compact ();
      for (guint i = 0; i < 3; i++)
        {
          g_autoptr(TbJudgment) judgment = tb_judgment_new ();

          judgment->judge_model = g_strdup_printf ("judge/%u", i + 1);
          g_ptr_array_add (judgment->scores, make_score ("a/b", 50 + i, 0.001, 10));
          tb_store_write_judgment (store, run, judgment, &error);
          g_assert_no_error (error);
          g_assert_nonnull (judgment->created_at);
          g_free (files[i]);
          files[i] = g_strdup (judgment->file);
        }
      same_second = g_str_has_prefix (files[2], base) && strlen (files[2]) ==
                                                         strlen (base) + strlen ("-3.json");
    }
  g_assert_true (same_second);
  {
    g_autofree char *f1 = g_strconcat (base, ".json", NULL);
    g_autofree char *f2 = g_strconcat (base, "-2.json", NULL);
    g_autofree char *f3 = g_strconcat (base, "-3.json", NULL);

    g_assert_cmpstr (files[0], ==, f1);
    g_assert_cmpstr (files[1], ==, f2);
    g_assert_cmpstr (files[2], ==, f3);
    expected_listing = g_strjoin (" ", f2, f3, f1, NULL);
  }
  listing = tree_listing (dir);
  g_assert_cmpstr (listing, ==, expected_listing);

  judgments = tb_store_load_judgments (store, run);
  g_assert_cmpuint (judgments->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      TbJudgment *judgment = g_ptr_array_index (judgments, i);
      g_autofree char *judge = g_strdup_printf ("judge/%u", 3 - i);

      g_assert_cmpstr (judgment->judge_model, ==, judge);
      g_assert_cmpstr (judgment->file, ==, files[2 - i]);
    }
  g_clear_pointer (&judgments, g_ptr_array_unref);

  /* Ordering beyond nine in a second, and across seconds, from files on disk. */
  {
    const char *names[] = {
      "20260101T000000Z-9.json", "20260101T000000Z-10.json", "20260101T000000Z.json",
      "20250101T000000Z-99.json", "20990101T000000Z.json",
    };
    const char *order[] = {
      "20990101T000000Z.json",
      files[2], files[1], files[0],
      "20260101T000000Z-10.json", "20260101T000000Z-9.json", "20260101T000000Z.json",
      "20250101T000000Z-99.json",
    };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (dir, names[i], NULL);
        g_autofree char *text = g_strdup_printf ("{\"judge_model\": \"%s\", \"scores\": []}",
                                                 names[i]);

        tb_write_file_atomic (path, text, -1, &error);
        g_assert_no_error (error);
      }

    judgments = tb_store_load_judgments (store, run);
    g_assert_cmpuint (judgments->len, ==, G_N_ELEMENTS (order));
    for (guint i = 0; i < G_N_ELEMENTS (order); i++)
      g_assert_cmpstr (((TbJudgment *) g_ptr_array_index (judgments, i))->file, ==, order[i]);
  }

  for (guint i = 0; i < 3; i++)
    g_free (files[i]);
  tb_store_unlock_run (store, run);
  remove_all (home);
}

static void
test_load_run (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/b", NULL };
  g_autoptr(TbRun) one = create_run (store, "alpha", NULL, models);
  g_autoptr(TbRun) two = create_run (store, "beta", NULL, models);
  g_autoptr(GError) error = NULL;
  const char *malformed[] = {
    "", "..", "../alpha", "alpha/x", "20261125T115106Z-0a1", "20261125T115106Z-0a1ff",
    "20261125T115106Z-0A1F", "20261125T115106Z-zzzz", "20261125X115106Z-0a1f",
    "2026112ST115106Z-0a1f", "20261125T115106Z/0a1f", "../../../../../../../../etc/passwd",
  };

  for (guint i = 0; i < 2; i++)
    {
      TbRun *expected = i == 0 ? one : two;
      g_autoptr(TbRun) loaded = tb_store_load_run (store, expected->id, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (loaded->id, ==, expected->id);
      g_assert_cmpstr (loaded->usecase, ==, expected->usecase);
      g_assert_cmpstr (loaded->dir, ==, expected->dir);
      g_assert_cmpstr (loaded->input_file, ==, "input.md");
      g_assert_cmpstr (loaded->input_sha256, ==, expected->input_sha256);
    }

  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      TbRun *loaded = tb_store_load_run (store, malformed[i], &error);

      g_assert_null (loaded);
      g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
      g_clear_error (&error);
    }
  g_assert_null (tb_store_load_run (store, NULL, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_null (tb_store_load_run (store, "20000101T000000Z-dead", &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A store with no results folder at all. */
  {
    g_autofree char *empty_home = make_home ();
    g_autoptr(TbStore) empty = tb_store_new (empty_home);

    g_assert_null (tb_store_load_run (empty, one->id, &error));
    g_assert_error (error, TB_ERROR, TB_ERROR_NOT_FOUND);
    g_clear_error (&error);
    remove_all (empty_home);
  }

  tb_store_unlock_run (store, one);
  tb_store_unlock_run (store, two);
  remove_all (home);
}

static void
test_delete_run (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/b", NULL };
  g_autoptr(TbRun) doomed = create_run (store, "uc", NULL, models);
  g_autoptr(TbRun) kept = create_run (store, "uc", NULL, models);
  g_autoptr(GError) error = NULL;
  g_autofree char *outside = g_build_filename (home, "precious.txt", NULL);
  g_autofree char *link = g_build_filename (doomed->dir, "outputs", "link", NULL);
  g_autofree char *outside_dir = g_build_filename (home, "precious-dir", NULL);
  g_autofree char *outside_dir_file = g_build_filename (outside_dir, "inside.txt", NULL);
  g_autofree char *dir_link = g_build_filename (doomed->dir, "judgments", "dir-link", NULL);
  g_autofree char *saved_dir = NULL;
  g_autoptr(TbRun) gone = NULL;

  g_file_set_contents (outside, "keep me", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (symlink (outside, link), ==, 0);
  tb_write_file_atomic (outside_dir_file, "keep me too", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (symlink (outside_dir, dir_link), ==, 0);

  /* A dir that is not a run folder under results/ is refused untouched. */
  saved_dir = doomed->dir;
  doomed->dir = g_strdup (home);
  g_assert_false (tb_store_delete_run (store, doomed, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_clear_error (&error);
  g_free (doomed->dir);
  doomed->dir = g_build_filename (saved_dir, "..", "..", NULL);
  g_assert_false (tb_store_delete_run (store, doomed, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_clear_error (&error);
  g_free (doomed->dir);
  doomed->dir = g_steal_pointer (&saved_dir);
  g_assert_true (g_file_test (home, G_FILE_TEST_IS_DIR));

  tb_store_delete_run (store, doomed, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (doomed->dir, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (kept->dir, G_FILE_TEST_IS_DIR));
  /* The symbolic link went, not what it pointed at. */
  g_assert_true (g_file_test (outside, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (outside_dir_file, G_FILE_TEST_IS_REGULAR));

  gone = tb_store_load_run (store, doomed->id, &error);
  g_assert_null (gone);
  g_assert_error (error, TB_ERROR, TB_ERROR_NOT_FOUND);
  g_clear_error (&error);

  tb_store_unlock_run (store, kept);
  remove_all (home);
}

/* ---------------------------------------------------------------------------------------- */
/* Rollups                                                                                   */

static void
assert_rollups_equal (const TbRollup *a,
                      const TbRollup *b)
{
  g_assert_cmpuint (a->runs, ==, b->runs);
  g_assert_cmpuint (a->candidate_calls, ==, b->candidate_calls);
  g_assert_cmpuint (a->judge_calls, ==, b->judge_calls);
  g_assert_cmpuint (a->estimated_calls, ==, b->estimated_calls);
  g_assert_cmpfloat_with_epsilon (a->candidate_usd, b->candidate_usd, USD_TOLERANCE);
  g_assert_cmpfloat_with_epsilon (a->judge_usd, b->judge_usd, USD_TOLERANCE);
  g_assert_cmpfloat_with_epsilon (a->total_usd, b->total_usd, USD_TOLERANCE);
  g_assert_cmpint (a->candidate_usage.prompt_tokens, ==, b->candidate_usage.prompt_tokens);
  g_assert_cmpint (a->candidate_usage.completion_tokens, ==,
                   b->candidate_usage.completion_tokens);
  g_assert_cmpint (a->candidate_usage.reasoning_tokens, ==, b->candidate_usage.reasoning_tokens);
  g_assert_cmpint (a->candidate_usage.cached_tokens, ==, b->candidate_usage.cached_tokens);
  g_assert_cmpint (a->judge_usage.prompt_tokens, ==, b->judge_usage.prompt_tokens);
  g_assert_cmpint (a->judge_usage.completion_tokens, ==, b->judge_usage.completion_tokens);
  g_assert_cmpint (a->judge_usage.reasoning_tokens, ==, b->judge_usage.reasoning_tokens);
  g_assert_cmpint (a->judge_usage.cached_tokens, ==, b->judge_usage.cached_tokens);
}

/* What a run's files hold, summed here by the test from the values it wrote. */
static void
ledger_output (TbRollup       *expected,
               const TbOutput *output,
               gboolean        is_call)
{
  if (!is_call)
    return;
  expected->candidate_calls++;
  expected->candidate_usd += output->cost.usd;
  expected->total_usd += output->cost.usd;
  expected->candidate_usage.prompt_tokens += output->usage.prompt_tokens;
  expected->candidate_usage.completion_tokens += output->usage.completion_tokens;
  expected->candidate_usage.reasoning_tokens += output->usage.reasoning_tokens;
  expected->candidate_usage.cached_tokens += output->usage.cached_tokens;
  if (g_strcmp0 (output->cost.source, "estimate") == 0 && output->cost.usd > 0)
    expected->estimated_calls++;
}

static void
ledger_judgment (TbRollup         *expected,
                 const TbJudgment *judgment)
{
  for (guint i = 0; i < judgment->scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (judgment->scores, i);

      if (!score->cost.has_inline && !score->cost.has_billed && score->cost.estimate_usd == 0
          && score->usage.prompt_tokens == 0)
        continue;
      expected->judge_calls++;
      expected->judge_usd += score->cost.usd;
      expected->total_usd += score->cost.usd;
      expected->judge_usage.prompt_tokens += score->usage.prompt_tokens;
      expected->judge_usage.completion_tokens += score->usage.completion_tokens;
      if (g_strcmp0 (score->cost.source, "estimate") == 0 && score->cost.usd > 0)
        expected->estimated_calls++;
    }
}

static void
test_rollups (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "openai/gpt-4o", "google/gemini-2.5-flash", "x/cheap",
                           "y/cancelled", NULL };
  const char *usecases[] = { "alpha", "beta", "gamma-deleted" };
  g_autoptr(GHashTable) expected_usecase =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) per_usecase =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  TbRollup expected_all = { 0 };
  TbRollup all = { 0 };
  TbRollup summed = { 0 };
  g_autoptr(GError) error = NULL;
  guint serial = 0;

  for (guint u = 0; u < G_N_ELEMENTS (usecases); u++)
    {
      TbRollup *expected_uc = g_new0 (TbRollup, 1);
      TbRollup from_runs = { 0 };
      TbRollup uc = { 0 };
      g_autoptr(GPtrArray) runs = NULL;

      for (guint r = 0; r < 3; r++)
        {
          g_autofree char *id = g_strdup_printf ("2026010%uT00000%uZ-%04x", u + 1, r, serial++);
          g_autoptr(TbRun) run = create_run (store, usecases[u], id, models);
          TbRollup expected = { 0 };
          TbRollup got = { 0 };
          double k = (double) (u * 3 + r + 1);
          g_autoptr(TbOutput) billed = make_output (models[0], "ok", 0.01 * k, TRUE,
                                                    0.000123 * k, TRUE, 0.02, 1000 + r, 300);
          g_autoptr(TbOutput) inline_only = make_output (models[1], "ok", 0.1 + 0.2 * k, TRUE,
                                                         0, FALSE, 0.5, 2000, 400 + u);
          g_autoptr(TbOutput) estimate = make_output (models[2], "ok", 0, FALSE, 0, FALSE,
                                                      0.0000007 * k, 50, 60);
          g_autoptr(TbOutput) failed = make_output (models[3], "failed", 0, FALSE, 0, FALSE,
                                                    0, 0, 0);
          g_autoptr(TbOutput) cancelled = make_output (models[3], "cancelled", 0, FALSE, 0,
                                                       FALSE, 0, 0, 0);

          expected.runs = 1;
          billed->usage.reasoning_tokens = 7;
          billed->usage.cached_tokens = 3;
          g_assert_true (tb_store_write_output (store, run, billed, &error));
          g_assert_true (tb_store_write_output (store, run, inline_only, &error));
          g_assert_true (tb_store_write_output (store, run, estimate, &error));
          ledger_output (&expected, billed, TRUE);
          ledger_output (&expected, inline_only, TRUE);
          ledger_output (&expected, estimate, TRUE);
          /* Alternate: a failed call (counts, $0) or a never-sent cancelled one (does not). */
          if (r % 2 == 0)
            {
              g_assert_true (tb_store_write_output (store, run, failed, &error));
              ledger_output (&expected, failed, TRUE);
            }
          else
            {
              g_assert_true (tb_store_write_output (store, run, cancelled, &error));
              ledger_output (&expected, cancelled, FALSE);
            }

          /* r judgments per run, each paid again (re-judgments). */
          for (guint j = 0; j < r + 1; j++)
            {
              g_autoptr(TbJudgment) judgment = tb_judgment_new ();
              TbScore *estimated;

              g_ptr_array_add (judgment->scores,
                               make_score (models[0], 80, 0.000123 * (j + 1), 500));
              g_ptr_array_add (judgment->scores, make_score (models[1], 75, 0.1 + 0.2, 600));
              /* A judge error with nothing paid is no call. */
              g_ptr_array_add (judgment->scores, make_score (models[2], 0, -1, 0));
              ((TbScore *) g_ptr_array_index (judgment->scores, 2))->error =
                g_strdup ("no JSON in the answer");
              estimated = make_score (models[3], 10, -1, 40);
              estimated->cost.estimate_usd = 0.0000031;
              tb_cost_settle (&estimated->cost);
              g_ptr_array_add (judgment->scores, estimated);
              tb_store_write_judgment (store, run, judgment, &error);
              g_assert_no_error (error);
              ledger_judgment (&expected, judgment);
            }

          tb_store_rollup_run (store, run, &got);
          assert_rollups_equal (&got, &expected);
          tb_rollup_add (expected_uc, &expected);
          tb_store_unlock_run (store, run);
        }

      /* The use case equals the sum of its runs as listed… */
      runs = tb_store_list_runs (store, usecases[u]);
      g_assert_cmpuint (runs->len, ==, 3);
      for (guint r = 0; r < runs->len; r++)
        {
          TbRollup part;

          tb_store_rollup_run (store, g_ptr_array_index (runs, r), &part);
          tb_rollup_add (&from_runs, &part);
        }
      tb_store_rollup_usecase (store, usecases[u], &uc);
      assert_rollups_equal (&uc, &from_runs);
      /* …and the sum of the files. */
      assert_rollups_equal (&uc, expected_uc);
      g_assert_cmpuint (uc.runs, ==, 3);
      g_assert_cmpuint (uc.candidate_calls, ==, 3 * 3 + 2);
      g_assert_cmpuint (uc.judge_calls, ==, 3 * (1 + 2 + 3));
      g_assert_cmpuint (uc.estimated_calls, ==, 3 + 6);

      tb_rollup_add (&expected_all, expected_uc);
      g_hash_table_replace (expected_usecase, g_strdup (usecases[u]), expected_uc);
    }

  tb_store_rollup_all (store, &all, per_usecase);
  assert_rollups_equal (&all, &expected_all);
  g_assert_cmpuint (g_hash_table_size (per_usecase), ==, G_N_ELEMENTS (usecases));
  for (guint u = 0; u < G_N_ELEMENTS (usecases); u++)
    {
      TbRollup *part = g_hash_table_lookup (per_usecase, usecases[u]);

      g_assert_nonnull (part);
      assert_rollups_equal (part, g_hash_table_lookup (expected_usecase, usecases[u]));
      tb_rollup_add (&summed, part);
    }
  assert_rollups_equal (&all, &summed);
  g_assert_cmpfloat_with_epsilon (all.total_usd, all.candidate_usd + all.judge_usd,
                                  USD_TOLERANCE);
  g_assert_cmpuint (all.runs, ==, 9);

  /* Without a table it is the same total. */
  {
    TbRollup again;

    tb_store_rollup_all (store, &again, NULL);
    assert_rollups_equal (&again, &all);
  }

  /* An empty store is all zero. */
  {
    g_autofree char *empty_home = make_home ();
    g_autoptr(TbStore) empty = tb_store_new (empty_home);
    TbRollup zero = { 0 };
    TbRollup none;

    memset (&none, 0xff, sizeof none);
    tb_store_rollup_all (empty, &none, NULL);
    assert_rollups_equal (&none, &zero);
    remove_all (empty_home);
  }

  remove_all (home);
}

/* ---------------------------------------------------------------------------------------- */
/* Recommendation                                                                            */

static void
add_scored (TbJudgment *judgment,
            GPtrArray  *outputs,
            const char *model,
            double      overall,
            double      usd)
{
  TbOutput *output = make_output (model, "ok", usd, TRUE, 0, FALSE, 0, 10, 10);

  g_ptr_array_add (outputs, output);
  g_ptr_array_add (judgment->scores, make_score (model, overall, 0.001, 10));
}

static void
test_recommend (void)
{
  /* best overall: a (95) · best value: d (60 / $0.0001) · budget: c, the cheapest ≥ 70 */
  {
    g_autoptr(TbJudgment) judgment = tb_judgment_new ();
    g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);

    add_scored (judgment, outputs, "a", 95, 0.50);
    add_scored (judgment, outputs, "b", 85, 0.05);
    add_scored (judgment, outputs, "c", 80, 0.001);
    add_scored (judgment, outputs, "d", 60, 0.0001);   /* best ratio of all, yet below 70 */
    tb_judgment_recommend (judgment, outputs);
    g_assert_cmpstr (judgment->best_overall, ==, "a");
    g_assert_cmpstr (judgment->best_value, ==, "d");
    g_assert_cmpstr (judgment->budget_pick, ==, "c");
  }

  /* Value is overall per dollar; billed cost counts over inline. */
  {
    g_autoptr(TbJudgment) judgment = tb_judgment_new ();
    g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);
    TbOutput *b;

    add_scored (judgment, outputs, "a", 90, 0.010);   /* 9000 per $ */
    add_scored (judgment, outputs, "b", 72, 0.001);   /* inline says 72000 per $… */
    b = g_ptr_array_index (outputs, 1);
    b->cost.has_billed = TRUE;                        /* …the bill says 720 per $ */
    b->cost.billed_usd = 0.1;
    tb_cost_settle (&b->cost);
    tb_judgment_recommend (judgment, outputs);
    g_assert_cmpstr (judgment->best_overall, ==, "a");
    g_assert_cmpstr (judgment->best_value, ==, "a");
    g_assert_cmpstr (judgment->budget_pick, ==, "a");
  }

  /* A free output ranks first; errors are left out even with a high number. */
  {
    g_autoptr(TbJudgment) judgment = tb_judgment_new ();
    g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);
    TbScore *broken;

    add_scored (judgment, outputs, "paid", 90, 0.0001);
    add_scored (judgment, outputs, "free", 71, 0);
    add_scored (judgment, outputs, "free-worse", 50, 0);
    add_scored (judgment, outputs, "broken", 99, 0);
    broken = g_ptr_array_index (judgment->scores, 3);
    broken->error = g_strdup ("judge failed");
    tb_judgment_recommend (judgment, outputs);
    g_assert_cmpstr (judgment->best_overall, ==, "paid");
    g_assert_cmpstr (judgment->best_value, ==, "free");
    g_assert_cmpstr (judgment->budget_pick, ==, "free");
  }

  /* Nobody reaches 70: no budget pick, but still a best. Stale picks are cleared. */
  {
    g_autoptr(TbJudgment) judgment = tb_judgment_new ();
    g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);

    judgment->budget_pick = g_strdup ("stale");
    add_scored (judgment, outputs, "a", 69.9, 0.01);
    add_scored (judgment, outputs, "b", 40, 0.001);
    tb_judgment_recommend (judgment, outputs);
    g_assert_cmpstr (judgment->best_overall, ==, "a");
    g_assert_cmpstr (judgment->best_value, ==, "b");
    g_assert_null (judgment->budget_pick);
  }

  /* Exactly 70 qualifies. */
  {
    g_autoptr(TbJudgment) judgment = tb_judgment_new ();
    g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);

    add_scored (judgment, outputs, "a", 90, 0.02);
    add_scored (judgment, outputs, "b", 70, 0.01);
    tb_judgment_recommend (judgment, outputs);
    g_assert_cmpstr (judgment->budget_pick, ==, "b");
  }

  /* Nothing scored: nothing recommended. */
  {
    g_autoptr(TbJudgment) judgment = tb_judgment_new ();
    g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);

    judgment->best_overall = g_strdup ("stale");
    tb_judgment_recommend (judgment, outputs);
    g_assert_null (judgment->best_overall);
    g_assert_null (judgment->best_value);
    g_assert_null (judgment->budget_pick);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/store/json/cost", test_cost_settle);
  g_test_add_func ("/store/json/output", test_output_round_trip);
  g_test_add_func ("/store/json/output-nulls-and-errors", test_output_nulls_and_errors);
  g_test_add_func ("/store/json/slug", test_slug);
  g_test_add_func ("/store/json/run", test_run_round_trip);
  g_test_add_func ("/store/json/judgment", test_judgment_round_trip);
  g_test_add_func ("/store/basics", test_store_basics);
  g_test_add_func ("/store/create-run", test_create_run);
  g_test_add_func ("/store/input-extension", test_input_extension);
  g_test_add_func ("/store/output-updated", test_output_updated);
  g_test_add_func ("/store/lock", test_lock);
  g_test_add_func ("/store/interrupted", test_interrupted);
  g_test_add_func ("/store/list-runs", test_list_runs);
  g_test_add_func ("/store/judgments", test_judgments);
  g_test_add_func ("/store/load-run", test_load_run);
  g_test_add_func ("/store/delete-run", test_delete_run);
  g_test_add_func ("/store/rollups", test_rollups);
  g_test_add_func ("/store/recommend", test_recommend);

  return g_test_run ();
}
