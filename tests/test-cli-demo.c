/* SPDX-License-Identifier: GPL-3.0-or-later */
/* End to end: `taskbench-cli --demo`, the real binary with no key and no server, on the
 * shipped lecture test set. The run is marked simulated, its verdict shows what the
 * simulated models are there to show, and its money stays out of every real total. */
#define G_LOG_DOMAIN "test-cli-demo"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tb-core.h"

typedef struct {
  char *dir;       /* the current folder of every command: no usecases/ in it */
  char *data;      /* XDG_DATA_HOME */
  char *cache;     /* XDG_CACHE_HOME */
} Fixture;

typedef struct {
  int   status;
  char *out;
  char *err;
} Result;

static void
result_free (Result *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("taskbench-cli-demo-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->data = g_build_filename (fixture->dir, "data", NULL);
  fixture->cache = g_build_filename (fixture->dir, "cache", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->data);
  g_free (fixture->cache);
}

/* Runs taskbench-cli with `args` (NULL-terminated) in the fixture's folder, with no key, no
 * server and no home in the environment; `extra` (nullable) adds NAME=VALUE pairs. */
static Result *
cli_run (Fixture            *fixture,
         const char * const *extra,
         const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Result *result = g_new0 (Result, 1);

  g_subprocess_launcher_set_cwd (launcher, fixture->dir);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", fixture->data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", fixture->cache, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "OPENROUTER_API_KEY");
  g_subprocess_launcher_unsetenv (launcher, "TASKBENCH_BASE_URL");
  g_subprocess_launcher_unsetenv (launcher, "TASKBENCH_HOME");
  g_subprocess_launcher_unsetenv (launcher, "GENERAL_TASK_LLM");
  g_subprocess_launcher_unsetenv (launcher, "XDG_DATA_DIRS");
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (extra[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }

  g_ptr_array_add (argv, (char *) g_getenv ("TASKBENCH_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  result->status = g_subprocess_get_if_exited (process)
                   ? g_subprocess_get_exit_status (process)
                   : 128 + g_subprocess_get_term_sig (process);
  if (g_test_verbose ())
    g_printerr ("--- %s: exit %d\n--- stdout\n%s--- stderr\n%s", args[0], result->status,
                result->out, result->err);
  return result;
}

#define CLI(fixture, ...) cli_run ((fixture), NULL, (const char * const[]) { __VA_ARGS__, NULL })
#define CLI_ENV(fixture, env, ...) \
  cli_run ((fixture), (const char * const[]) { env, NULL }, \
           (const char * const[]) { __VA_ARGS__, NULL })

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = tb_json_parse (text, -1, "stdout", &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static gboolean
strv_has (JsonArray  *array,
          const char *wanted)
{
  return array != NULL && tb_json_array_has_string (array, wanted);
}

static void
test_demo_run (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(Result) run = NULL;
  g_autoptr(Result) show = NULL;
  g_autoptr(Result) runs = NULL;
  g_autoptr(Result) costs = NULL;
  g_autoptr(Result) real_costs = NULL;
  g_autoptr(Result) rejudge = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(JsonObject) real = NULL;
  g_autoptr(JsonObject) apart = NULL;
  g_autoptr(JsonNode) run_json = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *demo_home = g_build_filename (fixture->data, "taskbench-demo", NULL);
  g_autofree char *real_home = g_build_filename (fixture->data, "taskbench", NULL);
  g_autofree char *real_results = g_build_filename (real_home, "results", NULL);
  g_autofree char *run_file = NULL;
  g_autofree char *real_run = NULL;
  g_autofree char *home_arg = g_strconcat ("--home=", demo_home, NULL);
  JsonObject *summary, *separate, *total;
  JsonArray *tied, *warnings;
  gboolean length_warning = FALSE;

  /* No key, no server, no --models: the simulated models on the use case's test set. */
  run = CLI (fixture, "--demo", "run", "lecture-chapters", "--judge");
  g_assert_cmpint (run->status, ==, 0);
  run_id = g_strstrip (g_strdup (run->out));
  g_assert_true (tb_run_id_is_valid (run_id));
  g_assert_nonnull (strstr (run->err, "simulated"));
  g_assert_nonnull (strstr (run->err, "--demo show"));
  g_assert_null (strstr (run->err, "OPENROUTER_API_KEY is not set"));

  /* It lives in the demo home, seeded with the examples, and says it is simulated. */
  run_file = g_build_filename (demo_home, "results", "lecture-chapters", run_id, "run.json",
                               NULL);
  run_json = tb_json_read_file (run_file, 1024 * 1024, &error);
  g_assert_no_error (error);
  g_assert_true (tb_json_get_bool (json_node_get_object (run_json), "simulated", FALSE));
  g_assert_cmpuint (json_array_get_length (tb_json_get_array (json_node_get_object (run_json),
                                                              "inputs")), ==, 5);
  g_assert_false (g_file_test (real_results, G_FILE_TEST_EXISTS));

  /* The verdict shows what the simulated models are there to show. */
  show = CLI (fixture, "--demo", "show", run_id, "--json");
  g_assert_cmpint (show->status, ==, 0);
  shown = parse_object (show->out);
  summary = tb_json_get_object (shown, "summary");
  g_assert_nonnull (summary);
  g_assert_cmpint (tb_json_get_int (summary, "inputs", 0), ==, 5);
  g_assert_true (tb_json_get_bool (summary, "simulated", FALSE));
  tied = tb_json_get_array (summary, "tied_with_best");
  /* The twins are tied, and the verdict says how many inputs would separate them. */
  g_assert_true (strv_has (tied, "simulated/twin-a"));
  g_assert_true (strv_has (tied, "simulated/twin-b"));
  separate = tb_json_get_object (summary, "inputs_to_separate");
  g_assert_nonnull (separate);
  g_assert_true (json_object_has_member (separate, "simulated/twin-a")
                 || json_object_has_member (separate, "simulated/twin-b"));
  g_assert_false (strv_has (tied, "simulated/budget"));
  g_assert_cmpstr (tb_json_get_string (summary, "best_value"), ==, "simulated/twin-a");
  g_assert_cmpstr (tb_json_get_string (summary, "budget_pick"), ==, "simulated/budget");
  warnings = tb_json_get_array (summary, "warnings");
  for (guint i = 0; warnings != NULL && i < json_array_get_length (warnings); i++)
    if (strstr (json_array_get_string_element (warnings, i), "length") != NULL
        && strstr (json_array_get_string_element (warnings, i),
                   "simulated-judge/length-bias") != NULL)
      length_warning = TRUE;
  g_assert_true (length_warning);
  /* No self-preference warning for a bias the simulated judge does not have. */
  for (guint i = 0; warnings != NULL && i < json_array_get_length (warnings); i++)
    g_assert_null (strstr (json_array_get_string_element (warnings, i), "vendor"));
  g_assert_true (tb_json_get_bool (tb_json_get_object (shown, "run"), "simulated", FALSE));

  /* Every screen says so. */
  g_clear_pointer (&show, result_free);
  show = CLI (fixture, "--demo", "show", run_id);
  g_assert_nonnull (strstr (show->out, "simulated models"));
  g_assert_nonnull (strstr (show->out, "(simulated)"));
  /* No LANG at all (a container, cron): the C locale's ASCII is taken as UTF-8, so the
   * separators and the intervals' dashes are not question marks. */
  {
    g_autoptr(GString) expected = g_string_new (NULL);
    Result *plain = CLI_ENV (fixture, "LC_ALL=C", "--demo", "show", run_id);

    g_string_printf (expected, "Run %s \u00b7 use case", run_id);
    g_assert_cmpint (plain->status, ==, 0);
    g_assert_nonnull (strstr (plain->out, expected->str));
    g_assert_null (strstr (plain->out, " ? use case"));
    result_free (plain);
  }
  /* In German the tables' titles are German and still above their columns: a title with
   * "Ä" is padded by characters, not bytes. */
  {
    Result *german = CLI_ENV (fixture, "LANGUAGE=de", "--demo", "show", run_id);
    Result *english = CLI (fixture, "--demo", "show", run_id);
    g_auto(GStrv) de_lines = g_strsplit (german->out, "\n", -1);
    g_auto(GStrv) en_lines = g_strsplit (english->out, "\n", -1);
    const char *de_costs = NULL, *en_costs = NULL;

    g_assert_cmpint (german->status, ==, 0);
    g_assert_nonnull (strstr (german->out, "Anwendungsfall lecture-chapters"));
    g_assert_nonnull (strstr (german->out, "MITTEL"));
    g_assert_null (strstr (german->out, "use case lecture-chapters"));
    for (guint i = 0; de_lines[i] != NULL; i++)
      if (strstr (de_lines[i], "LÄUFE") != NULL)
        de_costs = de_lines[i];
    for (guint i = 0; en_lines[i] != NULL; i++)
      if (strstr (en_lines[i], "RUNS") != NULL && strstr (en_lines[i], "CANDIDATES") != NULL)
        en_costs = en_lines[i];
    g_assert_nonnull (de_costs);
    g_assert_nonnull (en_costs);
    /* the same columns: "LÄUFE" ends where "RUNS" does */
    g_assert_cmpint (g_utf8_pointer_to_offset (de_costs, strstr (de_costs, "LÄUFE")) + 5, ==,
                     strstr (en_costs, "RUNS") - en_costs + 4);
    result_free (german);
    result_free (english);
  }
  /* A row's label with "ä" is padded by characters too: its numbers stay in their column. */
  {
    Result *costs_de = CLI_ENV (fixture, "LANGUAGE=de", "--demo", "costs");
    g_auto(GStrv) lines = g_strsplit (costs_de->out, "\n", -1);
    glong title_end = -1, row_end = -1;

    g_assert_cmpint (costs_de->status, ==, 0);
    for (guint i = 0; lines[i] != NULL; i++)
      {
        const char *runs_title = strstr (lines[i], "LÄUFE");

        if (runs_title != NULL)
          title_end = g_utf8_pointer_to_offset (lines[i], runs_title) + 5;
        if (g_str_has_prefix (lines[i], "alle Anwendungsfälle"))
          {
            /* the end of the first number after the label: the runs column */
            const char *p = lines[i] + strlen ("alle Anwendungsfälle");

            while (*p == ' ')
              p++;
            while (g_ascii_isdigit (*p))
              p++;
            row_end = g_utf8_pointer_to_offset (lines[i], p);
          }
      }
    g_assert_cmpint (title_end, >, 0);
    g_assert_cmpint (row_end, ==, title_end);
    result_free (costs_de);
  }
  runs = CLI (fixture, "--demo", "runs", "lecture-chapters");
  g_assert_cmpint (runs->status, ==, 0);
  g_assert_nonnull (strstr (runs->out, run_id));
  g_assert_nonnull (strstr (runs->out, "simulated"));
  costs = CLI (fixture, "--demo", "costs");
  g_assert_cmpint (costs->status, ==, 0);
  g_assert_nonnull (strstr (costs->out, "simulated (not real money)"));

  /* The real costs of the same home leave it out of the real total. */
  g_clear_pointer (&costs, result_free);
  costs = CLI (fixture, home_arg, "costs", "--json");
  g_assert_cmpint (costs->status, ==, 0);
  apart = parse_object (costs->out);
  total = tb_json_get_object (apart, "total");
  g_assert_cmpint (tb_json_get_int (total, "runs", -1), ==, 0);
  g_assert_cmpint (tb_json_get_int (total, "candidate_calls", -1), ==, 0);
  g_assert_cmpfloat (json_object_get_double_member (total, "total_usd"), ==, 0);
  g_assert_cmpint (tb_json_get_int (tb_json_get_object (apart, "simulated"), "runs", -1), ==, 1);
  g_assert_cmpint (tb_json_get_int (tb_json_get_object (apart, "simulated"), "candidate_calls",
                                    -1), ==, 20);

  /* The real home is another one, untouched by the demo. */
  real_run = g_build_filename (real_results, "lecture-chapters", run_id, NULL);
  real_costs = CLI (fixture, "costs", "--json");
  g_assert_cmpint (real_costs->status, ==, 0);
  real = parse_object (real_costs->out);
  g_assert_cmpint (tb_json_get_int (tb_json_get_object (real, "total"), "runs", -1), ==, 0);
  g_assert_false (json_object_has_member (real, "simulated"));
  g_assert_true (g_file_test (real_home, G_FILE_TEST_IS_DIR));
  g_assert_false (g_file_test (real_run, G_FILE_TEST_EXISTS));

  /* A real server never re-judges a simulated run. */
  rejudge = CLI_ENV (fixture, "TASKBENCH_BASE_URL=http://127.0.0.1:9/v1", home_arg, "judge",
                     run_id);
  g_assert_cmpint (rejudge->status, ==, 2);
  g_assert_nonnull (strstr (rejudge->err, "simulated"));
}

/* The simulated provider serves only its own models: another one is refused before
 * anything is written. */
static void
test_demo_refuses_real_models (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(Result) result = CLI (fixture, "--demo", "run", "lecture-chapters", "--models",
                                  "openai/gpt-4o,simulated/twin-a");
  g_autofree char *results = g_build_filename (fixture->data, "taskbench-demo", "results",
                                               "lecture-chapters", NULL);

  g_assert_cmpint (result->status, ==, 2);
  g_assert_nonnull (strstr (result->err, "openai/gpt-4o is not a simulated model"));
  g_assert_false (g_file_test (results, G_FILE_TEST_EXISTS));
}

/* --demo ignores the environment's server and key, and every command takes it: the
 * catalog, the "key", a dry run's forecast. */
static void
test_demo_ignores_environment (Fixture       *fixture,
                               gconstpointer  data)
{
  const char *env[] = { "TASKBENCH_BASE_URL=http://127.0.0.1:9/v1",
                        "OPENROUTER_API_KEY=sk-or-never-sent-0123456789", NULL };
  g_autoptr(Result) models = cli_run (fixture, env, (const char * const[]) { "--demo", "models",
                                                                           NULL });
  g_autoptr(Result) account = cli_run (fixture, env, (const char * const[]) { "account", "--demo",
                                                                            "--json", NULL });
  g_autoptr(Result) dry = cli_run (fixture, env, (const char * const[]) { "--demo", "run",
                                                                        "meeting-action-items",
                                                                        "--judge", "--dry-run",
                                                                        NULL });
  g_autoptr(JsonObject) key = NULL;

  g_assert_cmpint (models->status, ==, 0);
  g_assert_nonnull (strstr (models->out, "simulated/twin-a"));
  g_assert_nonnull (strstr (models->out, "simulated-judge/length-bias"));
  g_assert_null (strstr (models->out, "openai/"));

  g_assert_cmpint (account->status, ==, 0);
  key = parse_object (account->out);
  g_assert_true (tb_json_get_bool (key, "simulated", FALSE));
  g_assert_cmpstr (tb_json_get_string (key, "label"), ==, "simulated");
  g_assert_false (strstr (tb_json_get_string (key, "base_url"), ":9/") != NULL);

  g_assert_cmpint (dry->status, ==, 0);
  g_assert_nonnull (strstr (dry->out, "simulated/premium"));
  g_assert_nonnull (strstr (dry->out, "judge simulated-judge/length-bias"));
  g_assert_null (strstr (dry->out, "unknown"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/cli-demo/run", Fixture, NULL, fixture_set_up, test_demo_run, fixture_tear_down);
  g_test_add ("/cli-demo/refuses-real-models", Fixture, NULL, fixture_set_up,
              test_demo_refuses_real_models, fixture_tear_down);
  g_test_add ("/cli-demo/ignores-environment", Fixture, NULL, fixture_set_up,
              test_demo_ignores_environment, fixture_tear_down);

  return g_test_run ();
}
