/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Benchmark: the store at 10,000 runs. Makes one real run (three models and a judge,
 * against the fake OpenRouter, in process), copies its files into 10,000 runs over five
 * use cases (3,000 in the largest), then times the real CLI's `costs`, `costs ID` and
 * `runs ID` with a warm index and with the index deleted. Prints medians against the
 * targets of issue #7. `--generate-only` just makes the home (the window's benchmark uses
 * it). */
#define G_LOG_DOMAIN "tb-bench"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "bench-util.h"
#include "fake-server.h"
#include "tb-core.h"

#define TARGET_COSTS_S   0.3
#define TARGET_RUNS_S    0.2
#define TARGET_REBUILD_S 3.0

static int opt_runs = 10000;
static int opt_repeat = 5;
static char *opt_home = NULL;
static gboolean opt_generate_only = FALSE;
static gboolean opt_keep = FALSE;

static GOptionEntry entries[] = {
  { "runs", 0, 0, G_OPTION_ARG_INT, &opt_runs, "Runs to make (default 10000)", "N" },
  { "repeat", 0, 0, G_OPTION_ARG_INT, &opt_repeat, "Timings of each command (default 5)", "N" },
  { "home", 0, 0, G_OPTION_ARG_FILENAME, &opt_home,
    "Use this home (made when it has no results/ yet) and keep it", "DIR" },
  { "generate-only", 0, 0, G_OPTION_ARG_NONE, &opt_generate_only,
    "Only make the home, print its path", NULL },
  { "keep", 0, 0, G_OPTION_ARG_NONE, &opt_keep, "Keep the temporary home", NULL },
  { NULL }
};

/* The share of the runs each use case gets: 30 %, 25 %, 20 %, 15 %, 10 %. */
static const struct {
  const char *id;
  guint       percent;
} usecases[] = {
  { "lecture-chapters", 30 },
  { "meeting-action-items", 25 },
  { "support-ticket-triage", 20 },
  { "release-notes", 15 },
  { "sql-explainer", 10 },
};

/* ---- one real run ----------------------------------------------------------------------- */

typedef struct {
  gboolean  done;
  TbRun    *run;
  GError   *error;
} Wait;

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Wait *wait = user_data;

  wait->run = tb_runner_finish (TB_RUNNER (source), result, &wait->error);
  wait->done = TRUE;
}

static char *
chapters (guint n)
{
  GString *json = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (json, "%s{\"title\": \"Chapter %u\", \"description\": \"What "
                            "part %u of the lecture covers, in a sentence.\", \"start_time\": "
                            "\"00:%02u:00\", \"end_time\": \"00:%02u:00\"}", i > 0 ? ", " : "",
                            i + 1, i + 1, i * 6, i * 6 + 6);
  g_string_append (json, "]");
  return g_string_free (json, FALSE);
}

/* The template: a real lecture run by three models, judged once, in `home`. */
static char *
make_template (const char *home)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbStore) store = tb_store_new (home);
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbUsecase) usecase = NULL;
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func
                                  ((GDestroyNotify) tb_test_input_free);
  g_autofree char *usecase_path = NULL;
  g_autofree char *input_path = NULL;
  g_autofree char *content = chapters (8);
  const char *models[] = { "openai/gpt-4o-mini", "google/gemini-2.5-flash",
                           "anthropic/claude-3.5-haiku", NULL };
  const char *judges[] = { "anthropic/claude-sonnet-4.5", NULL };
  FakeServer *server = fake_server_new ();
  FakeModel model = { 0 };
  Wait wait = { 0 };
  TbTestInput *input;

  model.content = content;
  for (guint i = 0; models[i] != NULL; i++)
    fake_server_set_model (server, models[i], &model);

  if (!tb_home_seed_examples (home, NULL, &error) && error != NULL)
    g_error ("cannot seed %s: %s", home, error->message);
  usecase_path = tb_home_usecase_path (home, "lecture-chapters");
  usecase = tb_usecase_load_file (usecase_path, &error);
  if (usecase == NULL)
    g_error ("%s", error->message);
  /* One input of the lecture's test set (the samples are per use case now). */
  input_path = g_build_filename (home, "usecases", "samples", "lecture-chapters",
                                 "databases-transactions.txt", NULL);
  input = tb_test_input_read (input_path, &error);
  if (input == NULL)
    g_error ("%s", error->message);
  g_ptr_array_add (inputs, input);

  client = tb_client_new (fake_server_get_url (server), "bench", 30);
  runner = tb_runner_new (client, store, NULL, 4);
  tb_runner_set_judges (runner, judges);
  tb_runner_run_async (runner, usecase, inputs, models, 1, NULL, run_done_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.run == NULL)
    g_error ("the template run failed: %s", wait.error->message);
  if (wait.run->status != TB_RUN_DONE)
    g_error ("the template run ended %s", tb_run_status_to_string (wait.run->status));

  g_clear_object (&runner);
  fake_server_free (server);
  {
    char *dir = g_strdup (wait.run->dir);

    tb_run_free (wait.run);
    return dir;
  }
}

/* ---- copies ----------------------------------------------------------------------------- */

typedef struct {
  char  *relative;
  char  *contents;     /* NULL: a folder */
  gsize  length;
} TemplateFile;

static void
template_file_free (TemplateFile *file)
{
  g_free (file->relative);
  g_free (file->contents);
  g_free (file);
}

static void
read_template (const char *root,
               const char *relative,
               GPtrArray  *files)
{
  g_autofree char *path = g_build_filename (root, relative, NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child_relative = *relative != '\0'
                                        ? g_build_filename (relative, name, NULL)
                                        : g_strdup (name);
      g_autofree char *child = g_build_filename (root, child_relative, NULL);
      TemplateFile *file;

      if (g_str_equal (name, ".lock"))
        continue;
      file = g_new0 (TemplateFile, 1);
      file->relative = g_strdup (child_relative);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          g_ptr_array_add (files, file);
          read_template (root, child_relative, files);
          continue;
        }
      if (!g_file_get_contents (child, &file->contents, &file->length, NULL))
        g_error ("cannot read %s", child);
      g_ptr_array_add (files, file);
    }
}

/* Plain writes, no fsync: this makes a fixture, not a store anyone relies on. */
static void
write_plain (const char *path,
             const char *contents,
             gsize       length)
{
  FILE *file = fopen (path, "wb");

  if (file == NULL || fwrite (contents, 1, length, file) != length || fclose (file) != 0)
    g_error ("cannot write %s: %s", path, g_strerror (errno));
}

static void
copy_run (GPtrArray  *files,
          const char *template_id,
          const char *results,
          const char *usecase,
          const char *id)
{
  g_autofree char *dir = g_build_filename (results, usecase, id, NULL);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_error ("cannot create %s", dir);
  for (guint i = 0; i < files->len; i++)
    {
      TemplateFile *file = g_ptr_array_index (files, i);
      g_autofree char *path = g_build_filename (dir, file->relative, NULL);

      if (file->contents == NULL)
        {
          g_mkdir (path, 0755);
          continue;
        }
      if (g_str_equal (file->relative, "run.json"))
        {
          g_autoptr(GString) text = g_string_new_len (file->contents, file->length);

          g_autofree char *field = g_strdup_printf ("\"usecase\" : \"%s\"", usecase);

          g_string_replace (text, template_id, id, 0);
          g_string_replace (text, "\"usecase\" : \"lecture-chapters\"", field, 0);
          write_plain (path, text->str, text->len);
        }
      else
        write_plain (path, file->contents, file->length);
    }
}

static void
generate (const char *home,
          guint       runs)
{
  g_autofree char *template_dir = make_template (home);
  g_autofree char *template_id = g_path_get_basename (template_dir);
  g_autofree char *results = g_build_filename (home, "results", NULL);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func
                                 ((GDestroyNotify) template_file_free);
  g_autoptr(GDateTime) start = g_date_time_new_utc (2025, 1, 1, 0, 0, 0);
  gint64 t0 = bench_monotonic_us ();
  guint made = 0;

  read_template (template_dir, "", files);
  bench_remove_tree (template_dir);

  for (guint u = 0; u < G_N_ELEMENTS (usecases); u++)
    {
      guint count = u + 1 < G_N_ELEMENTS (usecases) ? runs * usecases[u].percent / 100
                                                     : runs - made;

      for (guint i = 0; i < count; i++, made++)
        {
          g_autoptr(GDateTime) when = g_date_time_add_seconds (start, made * 61.0);
          g_autofree char *stamp = g_date_time_format (when, "%Y%m%dT%H%M%SZ");
          g_autofree char *id = g_strdup_printf ("%s-%04x", stamp, made % 0x10000);

          copy_run (files, template_id, results, usecases[u].id, id);
        }
    }
  g_printerr ("made %u runs (%u files each) in %.1f s\n", made, files->len,
              (bench_monotonic_us () - t0) / 1e6);
}

/* ---- timings ---------------------------------------------------------------------------- */

static GStrv
bench_environment (const char *home,
                   const char *cache)
{
  GStrv env = g_get_environ ();

  env = g_environ_setenv (env, "TASKBENCH_HOME", home, TRUE);
  env = g_environ_setenv (env, "XDG_CACHE_HOME", cache, TRUE);
  env = g_environ_setenv (env, "GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  env = g_environ_unsetenv (env, "OPENROUTER_API_KEY");
  return env;
}

static void
delete_index (const char *cache)
{
  g_autofree char *dir = g_build_filename (cache, "taskbench", NULL);

  bench_remove_tree (dir);
}

typedef struct {
  const char *label;
  const char *args[4];
  double      target_s;
  gboolean    cold;
} Measure;

static gboolean
time_command (const char    *cli,
              const Measure *measure,
              const char    *cache,
              GStrv          env,
              double        *median_s,
              double        *rss_mb)
{
  g_autofree gint64 *walls = g_new0 (gint64, opt_repeat);
  g_autofree gint64 *rss = g_new0 (gint64, opt_repeat);
  const char *argv[6] = { cli };

  for (guint i = 0; measure->args[i] != NULL; i++)
    argv[i + 1] = measure->args[i];

  /* Warm: one call first brings the index up to date. */
  if (!measure->cold)
    {
      BenchSample sample;
      g_autoptr(GError) error = NULL;

      if (!bench_measure (argv, (const char * const *) env, NULL, NULL, &sample, &error))
        g_error ("%s", error->message);
    }

  for (int r = 0; r < opt_repeat; r++)
    {
      BenchSample sample;
      g_autoptr(GError) error = NULL;

      if (measure->cold)
        delete_index (cache);
      if (!bench_measure (argv, (const char * const *) env, NULL, NULL, &sample, &error))
        g_error ("%s", error->message);
      if (sample.status != 0)
        {
          g_printerr ("%s exited %d\n", measure->label, sample.status);
          return FALSE;
        }
      walls[r] = sample.wall_us;
      rss[r] = sample.maxrss_kb;
    }
  *median_s = bench_median (walls, opt_repeat) / 1e6;
  *rss_mb = bench_median (rss, opt_repeat) / 1024.0;
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *exe = NULL;
  g_autofree char *cli = NULL;
  g_autofree char *home = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *results = NULL;
  g_auto(GStrv) env = NULL;
  const char *largest = usecases[0].id;
  Measure measures[] = {
    { "costs (warm index)", { "costs", NULL }, TARGET_COSTS_S, FALSE },
    { "costs ID (warm index)", { "costs", largest, NULL }, TARGET_COSTS_S, FALSE },
    { "runs ID (warm index)", { "runs", largest, NULL }, TARGET_RUNS_S, FALSE },
    { "costs (index deleted)", { "costs", NULL }, TARGET_REBUILD_S, TRUE },
    { "costs ID (index deleted)", { "costs", largest, NULL }, TARGET_REBUILD_S, TRUE },
    { "runs ID (index deleted)", { "runs", largest, NULL }, TARGET_REBUILD_S, TRUE },
  };
  gboolean made_home = FALSE;

  if (argc > 1 && strcmp (argv[1], "--launcher") == 0)
    return bench_launcher_main (argc, argv);

  context = g_option_context_new ("— time the store at 10,000 runs");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-store: %s\n", error->message);
      return 2;
    }
  if (opt_runs < 1 || opt_repeat < 1)
    {
      g_printerr ("bench-store: --runs and --repeat must be positive\n");
      return 2;
    }

  exe = bench_self_exe ();
  cli = bench_locate_cli (exe, NULL);
  if (cli == NULL && !opt_generate_only)
    {
      g_printerr ("bench-store: cannot find taskbench-cli beside this build\n");
      return 2;
    }

  if (opt_home != NULL)
    home = g_canonicalize_filename (opt_home, NULL);
  else
    home = g_dir_make_tmp ("bench-store-XXXXXX", &error);
  if (home == NULL)
    {
      g_printerr ("bench-store: %s\n", error->message);
      return 1;
    }
  results = g_build_filename (home, "results", NULL);
  if (!g_file_test (results, G_FILE_TEST_IS_DIR))
    {
      g_mkdir_with_parents (home, 0755);
      generate (home, opt_runs);
      made_home = TRUE;
    }
  if (opt_generate_only)
    {
      g_print ("%s\n", home);
      return 0;
    }

  cache = g_build_filename (home, ".bench-cache", NULL);
  env = bench_environment (home, cache);

  g_print ("%-28s %9s %9s %9s  %s\n", "command", "median", "target", "peak RSS", "verdict");
  for (guint i = 0; i < G_N_ELEMENTS (measures); i++)
    {
      double median_s = 0, rss_mb = 0;

      if (!time_command (cli, &measures[i], cache, env, &median_s, &rss_mb))
        return 1;
      g_print ("%-28s %8.3fs %8.1fs %7.1f MB  %s\n", measures[i].label, median_s,
               measures[i].target_s, rss_mb, median_s <= measures[i].target_s ? "PASS" : "FAIL");
    }

  if (made_home && opt_home == NULL && !opt_keep)
    bench_remove_tree (home);
  else
    g_printerr ("home kept: %s\n", home);
  return 0;
}
