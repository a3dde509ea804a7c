/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Benchmark: the real `taskbench-cli run` against the fake OpenRouter, many candidate calls at
 * a fixed latency, reporting wall time against the ideal and the CLI's peak RSS.
 *
 * Two shapes: N models on one input (--calls), or a test set (--test-set, or --inputs with
 * --models and --model-repeat), where models x inputs x repeats candidate calls and as many
 * judge calls share the one concurrency limit.
 *
 * The CLI does not run under bench-run directly but under a small launcher (bench-run itself,
 * re-executed with --launcher). Linux carries the parent's high-water RSS into a child at
 * exec, so a CLI spawned straight from this process (fake server, buffers, recorded
 * requests) would report this process's peak as its own. The launcher is a fresh, small
 * image: its child's ru_maxrss is the CLI's. */
#define G_LOG_DOMAIN "tb-bench"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "bench-util.h"
#include "fake-server.h"

#define TARGET_RATIO          1.2
#define TARGET_RATIO_TEST_SET 1.15
#define TARGET_RSS_MB         40.0

extern char **environ;

/* ---- launcher: runs in its own small process -------------------------------------------- */

/* ---- the benchmark --------------------------------------------------------------------- */

static int opt_calls = 200;
static int opt_concurrency = 16;
static int opt_latency_ms = 100;
static int opt_repeat = 1;
static int opt_input_kb = 4;
static char *opt_cli = NULL;
static gboolean opt_keep = FALSE;
static char *opt_wrap = NULL;
static gboolean opt_test_set = FALSE;
static int opt_inputs = 0;
static int opt_models = 0;
static int opt_model_repeat = 0;
static gboolean opt_judge = FALSE;
static int opt_answer_kb = 0;

static GOptionEntry entries[] = {
  { "calls", 'n', 0, G_OPTION_ARG_INT, &opt_calls, "Candidate calls (models) per run", "N" },
  { "concurrency", 'c', 0, G_OPTION_ARG_INT, &opt_concurrency,
    "TASKBENCH_MAX_CONCURRENCY for the CLI", "N" },
  { "latency-ms", 'l', 0, G_OPTION_ARG_INT, &opt_latency_ms,
    "Fake server latency per completion", "MS" },
  { "repeat", 'r', 0, G_OPTION_ARG_INT, &opt_repeat, "Runs to make (best and median)", "N" },
  { "input-kb", 0, 0, G_OPTION_ARG_INT, &opt_input_kb, "Size of the input file", "KB" },
  { "cli", 0, 0, G_OPTION_ARG_FILENAME, &opt_cli, "The taskbench-cli to measure", "PATH" },
  { "test-set", 't', 0, G_OPTION_ARG_NONE, &opt_test_set,
    "Test-set mode: 20 inputs x 5 models x 2 repeats, judged (the options below override)",
    NULL },
  { "inputs", 0, 0, G_OPTION_ARG_INT, &opt_inputs, "Inputs in the test set", "N" },
  { "models", 0, 0, G_OPTION_ARG_INT, &opt_models, "Models in test-set mode", "N" },
  { "model-repeat", 0, 0, G_OPTION_ARG_INT, &opt_model_repeat,
    "Calls per model and input (run --repeat)", "N" },
  { "judge", 0, 0, G_OPTION_ARG_NONE, &opt_judge, "Judge every output as it lands", NULL },
  { "answer-kb", 0, 0, G_OPTION_ARG_INT, &opt_answer_kb,
    "Size of each model's answer (0: one line)", "KB" },
  { "keep", 0, 0, G_OPTION_ARG_NONE, &opt_keep, "Keep the temporary homes", NULL },
  { "wrap", 0, 0, G_OPTION_ARG_STRING, &opt_wrap,
    "Run the CLI under this command, for profiling (\"strace -c -f -o FILE\", "
    "\"valgrind --tool=callgrind\"); the numbers then include the wrapper", "COMMAND" },
  { NULL }
};

typedef struct {
  int     exit_status;
  int     signal;
  gint64  wall_us;
  glong   maxrss_kb;
  gint64  user_us;
  gint64  sys_us;
  guint   requests;      /* seen by the fake server during the run */
  guint   billed;        /* outputs whose cost came from /generation */
  gint64  server_us;     /* CPU time of this process (the fake server) during the run */
} Sample;

static gboolean
write_file (const char  *path,
            const char  *contents,
            GError     **error)
{
  return g_file_set_contents (path, contents, -1, error);
}

/* The run's shape, from the options. */
static int n_models;
static int n_inputs;       /* 0: one input file, the single-input layout */
static int n_repeat;
static int candidate_calls;
static int judge_calls;

static void
append_transcript (GString *text,
                   guint    seed)
{
  for (guint line = 0; text->len < (gsize) opt_input_kb * 1024; line++)
    g_string_append_printf (text, "[%02u:%02u:%02u] Line %u of lecture %u: the speaker moves "
                            "on to the next point and gives an example.\n",
                            line / 3600, line / 60 % 60, line % 60, line + 1, seed);
}

/* A home with usecases/bench.yaml and an input file of about `kb` KB, or a folder of
 * n_inputs such files. */
static char *
make_home (char   **input_path,
           GError **error)
{
  g_autofree char *home = g_dir_make_tmp ("taskbench-bench-XXXXXX", error);
  g_autofree char *usecases = NULL;
  g_autofree char *usecase = NULL;
  g_autofree char *input = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  static const char yaml[] =
    "name: Benchmark\n"
    "goal: |\n"
    "  Summarise the transcript in one short paragraph for a reader who missed the talk.\n"
    "input:\n"
    "  description: A lecture transcript with timestamps\n"
    "output:\n"
    "  format: text\n"
    "judge:\n"
    "  model: bench/judge\n";

  if (home == NULL)
    return NULL;
  usecases = g_build_filename (home, "usecases", NULL);
  usecase = g_build_filename (usecases, "bench.yaml", NULL);
  input = g_build_filename (home, n_inputs > 0 ? "inputs" : "input.txt", NULL);
  if (g_mkdir_with_parents (usecases, 0700) != 0
      || (n_inputs > 0 && g_mkdir_with_parents (input, 0700) != 0))
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create a folder "
                   "in %s: %s", home, g_strerror (errno));
      return NULL;
    }
  if (!write_file (usecase, yaml, error))
    return NULL;
  if (n_inputs == 0)
    {
      append_transcript (text, 1);
      if (!write_file (input, text->str, error))
        return NULL;
    }
  for (int i = 1; i <= n_inputs; i++)
    {
      g_autofree char *name = g_strdup_printf ("lecture-%03d.txt", i);
      g_autofree char *path = g_build_filename (input, name, NULL);

      g_string_truncate (text, 0);
      append_transcript (text, i);
      if (!write_file (path, text->str, error))
        return NULL;
    }

  *input_path = g_steal_pointer (&input);
  return g_steal_pointer (&home);
}

static char *
model_list (int count)
{
  g_autoptr(GString) models = g_string_new (NULL);

  for (int i = 1; i <= count; i++)
    g_string_append_printf (models, "%sbench/m%03d", i > 1 ? "," : "", i);
  return g_string_free (g_steal_pointer (&models), FALSE);
}

static gint64
cpu_self_us (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC
         + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

static void
child_exited_cb (GPid     pid,
                 gint     wait_status,
                 gpointer user_data)
{
  gboolean *done = user_data;

  g_spawn_close_pid (pid);
  *done = TRUE;
}

static int
open_log (const char  *path,
          GError     **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  if (fd < 0)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot open %s: %s",
                 path, g_strerror (errno));
  return fd;
}

static void
print_tail (const char *path)
{
  g_autofree char *text = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &text, &length, NULL) || length == 0)
    return;
  g_printerr ("--- %s (last 2 KB) ---\n%s\n", path, length > 2048 ? text + length - 2048 : text);
}

static JsonObject *
load_object (const char  *path,
             JsonParser  *parser,
             GError     **error)
{
  JsonNode *root;

  if (!json_parser_load_from_file (parser, path, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not a JSON object", path);
      return NULL;
    }
  return json_node_get_object (root);
}

/* Every output file below `dir` (per input in a test set) has status "ok"; counts them and
 * those with a billed cost (the /generation lookups are part of the flow being measured). */
static gboolean
count_outputs (const char  *dir,
               guint       *ok,
               guint       *billed,
               GError     **error)
{
  g_autoptr(GDir) children = g_dir_open (dir, 0, error);
  const char *name;

  if (children == NULL)
    return FALSE;
  while ((name = g_dir_read_name (children)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) local_error = NULL;
      JsonObject *object, *cost;
      const char *status;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          if (!count_outputs (path, ok, billed, error))
            return FALSE;
          continue;
        }
      if (!g_str_has_suffix (name, ".json"))
        continue;
      object = load_object (path, parser, &local_error);
      if (object == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "output %s: %s", path,
                       local_error->message);
          return FALSE;
        }
      status = json_object_get_string_member_with_default (object, "status", NULL);
      if (g_strcmp0 (status, "ok") != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "output %s has status %s", path,
                       status != NULL ? status : "(none)");
          return FALSE;
        }
      (*ok)++;
      cost = json_object_has_member (object, "cost")
             && JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "cost"))
             ? json_object_get_object_member (object, "cost") : NULL;
      if (cost != NULL
          && g_strcmp0 (json_object_get_string_member_with_default (cost, "source", NULL),
                        "billed") == 0)
        (*billed)++;
    }
  return TRUE;
}

/* The judged scores across the run's judgment files. */
static gboolean
count_scores (const char  *dir,
              guint       *scores,
              GError     **error)
{
  g_autoptr(GDir) children = g_dir_open (dir, 0, error);
  const char *name;

  if (children == NULL)
    return FALSE;
  while ((name = g_dir_read_name (children)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;

      if (!g_str_has_suffix (name, ".json"))
        continue;
      object = load_object (path, parser, error);
      if (object == NULL)
        return FALSE;
      if (json_object_has_member (object, "scores")
          && JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "scores")))
        *scores += json_array_get_length (json_object_get_array_member (object, "scores"));
    }
  return TRUE;
}

static gboolean
check_outputs (const char  *home,
               const char  *run_id,
               guint       *billed,
               GError     **error)
{
  g_autofree char *run = g_build_filename (home, "results", "bench", run_id, NULL);
  g_autofree char *outputs = g_build_filename (run, "outputs", NULL);
  g_autofree char *judgments = g_build_filename (run, "judgments", NULL);
  guint ok = 0, scores = 0;

  if (!count_outputs (outputs, &ok, billed, error))
    return FALSE;
  if (ok != (guint) candidate_calls)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%u of %d outputs ok", ok,
                   candidate_calls);
      return FALSE;
    }
  if (judge_calls > 0
      && (!count_scores (judgments, &scores, error) || scores != (guint) judge_calls))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%u of %d outputs judged", scores,
                     judge_calls);
      return FALSE;
    }
  return TRUE;
}

static gboolean
run_once (FakeServer  *server,
          const char  *exe,
          const char  *cli,
          char       **wrap,
          Sample      *sample,
          GError     **error)
{
  g_autofree char *input = NULL;
  g_autofree char *home = make_home (&input, error);
  g_autofree char *cache = NULL;
  g_autofree char *report = NULL;
  g_autofree char *out_log = NULL;
  g_autofree char *err_log = NULL;
  g_autofree char *models = model_list (n_models);
  g_autofree char *repeat = g_strdup_printf ("%d", n_repeat);
  g_autofree char *concurrency = g_strdup_printf ("%d", opt_concurrency);
  g_autofree char *report_text = NULL;
  g_autofree char *out_text = NULL;
  g_auto(GStrv) env = g_get_environ ();
  gboolean ok = FALSE;
  gboolean done = FALSE;
  int out_fd = -1;
  int err_fd = -1;
  gint64 server_start_us;
  GPid pid;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  if (home == NULL)
    return FALSE;

  cache = g_build_filename (home, "cache", NULL);
  report = g_build_filename (home, "launcher-report.txt", NULL);
  out_log = g_build_filename (home, "cli-stdout.log", NULL);
  err_log = g_build_filename (home, "cli-stderr.log", NULL);
  g_ptr_array_add (argv, (char *) exe);
  g_ptr_array_add (argv, "--launcher");
  g_ptr_array_add (argv, report);
  g_ptr_array_add (argv, "--");
  for (guint i = 0; wrap != NULL && wrap[i] != NULL; i++)
    g_ptr_array_add (argv, wrap[i]);
  g_ptr_array_add (argv, (char *) cli);
  g_ptr_array_add (argv, "run");
  g_ptr_array_add (argv, "bench");
  g_ptr_array_add (argv, "--input");
  g_ptr_array_add (argv, input);
  g_ptr_array_add (argv, "--models");
  g_ptr_array_add (argv, models);
  if (n_repeat > 1)
    {
      g_ptr_array_add (argv, "--repeat");
      g_ptr_array_add (argv, repeat);
    }
  if (judge_calls > 0)
    g_ptr_array_add (argv, "--judge");
  g_ptr_array_add (argv, NULL);

  env = g_environ_setenv (env, "TASKBENCH_HOME", home, TRUE);
  env = g_environ_setenv (env, "TASKBENCH_BASE_URL", fake_server_get_url (server), TRUE);
  env = g_environ_setenv (env, "OPENROUTER_API_KEY", "bench", TRUE);
  env = g_environ_setenv (env, "TASKBENCH_MAX_CONCURRENCY", concurrency, TRUE);
  env = g_environ_setenv (env, "XDG_CACHE_HOME", cache, TRUE);
  env = g_environ_setenv (env, "GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  /* Measure the CLI as a user runs it, not with a test harness's debug settings. */
  env = g_environ_unsetenv (env, "G_DEBUG");
  env = g_environ_unsetenv (env, "G_MESSAGES_DEBUG");
  env = g_environ_unsetenv (env, "MALLOC_PERTURB_");
  env = g_environ_unsetenv (env, "GENERAL_TASK_LLM");
  env = g_environ_unsetenv (env, "TASKBENCH_TIMEOUT");

  out_fd = open_log (out_log, error);
  if (out_fd < 0)
    goto out;
  err_fd = open_log (err_log, error);
  if (err_fd < 0)
    goto out;

  fake_server_clear_requests (server);
  server_start_us = cpu_self_us ();
  if (!g_spawn_async_with_fds (home, (char **) argv->pdata, env, G_SPAWN_DO_NOT_REAP_CHILD,
                               NULL, NULL, &pid, -1, out_fd, err_fd, error))
    goto out;
  g_child_watch_add (pid, child_exited_cb, &done);
  /* The fake server lives on this loop: keep it turning until the launcher is gone. */
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  sample->requests = fake_server_get_requests (server)->len;
  sample->server_us = cpu_self_us () - server_start_us;

  if (!g_file_get_contents (report, &report_text, NULL, error))
    goto out;
  if (sscanf (report_text, "%d %d %" G_GINT64_FORMAT " %ld %" G_GINT64_FORMAT " %"
              G_GINT64_FORMAT, &sample->exit_status, &sample->signal, &sample->wall_us,
              &sample->maxrss_kb, &sample->user_us, &sample->sys_us) != 6)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "bad launcher report: %s",
                   report_text);
      goto out;
    }
  if (sample->exit_status != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "taskbench-cli %s %d",
                   sample->signal != 0 ? "was killed by signal" : "exited with status",
                   sample->signal != 0 ? sample->signal : sample->exit_status);
      print_tail (err_log);
      goto out;
    }

  if (!g_file_get_contents (out_log, &out_text, NULL, error))
    goto out;
  g_strstrip (out_text);
  if (out_text[0] == '\0' || strchr (out_text, '\n') != NULL || strchr (out_text, '/') != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "expected one run id on stdout, got: %s", out_text);
      goto out;
    }
  if (!check_outputs (home, out_text, &sample->billed, error))
    goto out;
  if (sample->billed != (guint) candidate_calls)
    g_printerr ("bench-run: warning: only %u of %d outputs have a billed cost\n",
                sample->billed, candidate_calls);
  ok = TRUE;

out:
  if (out_fd >= 0)
    close (out_fd);
  if (err_fd >= 0)
    close (err_fd);
  if (opt_keep || !ok)
    g_printerr ("home kept: %s\n", home);
  else
    bench_remove_tree (home);
  return ok;
}

static const char *
verdict (gboolean pass)
{
  return pass ? "PASS" : "FAIL";
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *exe = NULL;
  g_autofree char *cli = NULL;
  g_autofree char *answer = NULL;
  g_autofree Sample *samples = NULL;
  g_autofree gint64 *walls = NULL;
  g_autofree gint64 *rss = NULL;
  g_auto(GStrv) wrap = NULL;
  FakeServer *server;
  int total_calls;
  double target_ratio;
  double ideal_s, best_s, median_s, best_rss_mb, median_rss_mb, ratio_best, ratio_median;
  gboolean time_ok, memory_ok;

  if (argc > 1 && strcmp (argv[1], "--launcher") == 0)
    return bench_launcher_main (argc, argv);

  context = g_option_context_new ("- time taskbench-cli run against the fake OpenRouter");
  g_option_context_set_summary (context,
    "Runs the real CLI on N candidate models at a fixed latency and reports wall time\n"
    "against the ideal ceil(N/concurrency) x latency, and the CLI's peak RSS.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-run: %s\n", error->message);
      return 2;
    }
  if (opt_test_set)
    {
      opt_inputs = opt_inputs > 0 ? opt_inputs : 20;
      opt_models = opt_models > 0 ? opt_models : 5;
      opt_model_repeat = opt_model_repeat > 0 ? opt_model_repeat : 2;
      opt_judge = TRUE;
    }
  n_inputs = MAX (opt_inputs, 0);
  n_models = opt_models > 0 ? opt_models : opt_calls;
  n_repeat = opt_model_repeat > 0 ? opt_model_repeat : 1;
  candidate_calls = n_models * MAX (n_inputs, 1) * n_repeat;
  judge_calls = opt_judge ? candidate_calls : 0;
  if (opt_calls < 1 || opt_calls > 999 || opt_concurrency < 1 || opt_latency_ms < 0
      || opt_repeat < 1 || opt_input_kb < 0 || n_models > 999 || n_inputs > 5000
      || n_repeat > 100 || opt_answer_kb < 0 || opt_answer_kb > 1024)
    {
      g_printerr ("bench-run: --calls and --models 1-999, --inputs 0-5000, --model-repeat "
                  "1-100, --concurrency >= 1, --latency-ms >= 0, --repeat >= 1, "
                  "--input-kb >= 0, --answer-kb 0-1024\n");
      return 2;
    }

  if (opt_wrap != NULL && !g_shell_parse_argv (opt_wrap, NULL, &wrap, &error))
    {
      g_printerr ("bench-run: --wrap: %s\n", error->message);
      return 2;
    }

  exe = bench_self_exe ();
  cli = opt_cli != NULL ? g_canonicalize_filename (opt_cli, NULL)
                        : bench_locate_cli (exe, BENCH_DEFAULT_CLI);
  if (cli == NULL || !g_file_test (cli, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_printerr ("bench-run: taskbench-cli not found%s%s; build it or pass --cli PATH\n",
                  cli != NULL ? " at " : "", cli != NULL ? cli : "");
      return 2;
    }

  server = fake_server_new ();
  fake_server_set_default_latency (server, opt_latency_ms);
  if (opt_answer_kb > 0)
    {
      /* Real answers are KBs: what a run keeps of them is what grows with its calls. */
      GString *text = g_string_new (NULL);

      while (text->len < (gsize) opt_answer_kb * 1024)
        g_string_append (text, "The team ships on Friday; Ada writes the release notes. ");
      g_string_truncate (text, (gsize) opt_answer_kb * 1024);
      answer = g_string_free (text, FALSE);
      for (int m = 1; m <= n_models; m++)
        {
          g_autofree char *model = g_strdup_printf ("bench/m%03d", m);
          FakeModel spec = { 0 };

          spec.content = answer;
          spec.latency_ms = opt_latency_ms;
          fake_server_set_model (server, model, &spec);
        }
    }

  total_calls = candidate_calls + judge_calls;
  target_ratio = n_inputs > 0 ? TARGET_RATIO_TEST_SET : TARGET_RATIO;
  ideal_s = ceil ((double) total_calls / opt_concurrency) * opt_latency_ms / 1000.0;
  if (n_inputs > 0)
    g_print ("taskbench-cli run: %d inputs x %d models x %d repeat%s = %d candidate calls "
             "+ %d judge calls\n", n_inputs, n_models, n_repeat, n_repeat == 1 ? "" : "s",
             candidate_calls, judge_calls);
  else
    g_print ("taskbench-cli run: %d models on one input, %d judge calls\n", n_models,
             judge_calls);
  g_print ("concurrency %d, latency %d ms, input %d KB, answers %s\n", opt_concurrency,
           opt_latency_ms, opt_input_kb, opt_answer_kb > 0 ? "of the set size" : "one line");
  g_print ("cli: %s\n\n", cli);
  g_print ("  #    wall s    ratio  peak RSS MB  CLI cpu s  server cpu s  requests\n");

  samples = g_new0 (Sample, opt_repeat);
  walls = g_new0 (gint64, opt_repeat);
  rss = g_new0 (gint64, opt_repeat);
  for (int i = 0; i < opt_repeat; i++)
    {
      Sample *sample = &samples[i];
      double wall_s;

      if (!run_once (server, exe, cli, wrap, sample, &error))
        {
          g_printerr ("bench-run: run %d failed: %s\n", i + 1, error->message);
          fake_server_free (server);
          return 1;
        }
      wall_s = sample->wall_us / 1e6;
      walls[i] = sample->wall_us;
      rss[i] = sample->maxrss_kb;
      if (ideal_s > 0)
        g_print ("%3d  %8.3f  %6.2fx  %11.1f  %9.2f  %12.2f  %8u\n", i + 1, wall_s,
                 wall_s / ideal_s, sample->maxrss_kb / 1024.0,
                 (sample->user_us + sample->sys_us) / 1e6, sample->server_us / 1e6,
                 sample->requests);
      else
        g_print ("%3d  %8.3f        -  %11.1f  %9.2f  %12.2f  %8u\n", i + 1, wall_s,
                 sample->maxrss_kb / 1024.0, (sample->user_us + sample->sys_us) / 1e6,
                 sample->server_us / 1e6, sample->requests);
    }
  fake_server_free (server);

  median_s = bench_median (walls, opt_repeat) / 1e6;
  best_s = walls[0] / 1e6;
  median_rss_mb = bench_median (rss, opt_repeat) / 1024.0;
  best_rss_mb = rss[0] / 1024.0;
  ratio_best = ideal_s > 0 ? best_s / ideal_s : 0;
  ratio_median = ideal_s > 0 ? median_s / ideal_s : 0;

  /* The verdict goes by the median: one lucky run should not pass a slow CLI. */
  time_ok = ideal_s > 0 && ratio_median <= target_ratio;
  memory_ok = median_rss_mb < TARGET_RSS_MB;

  g_print ("\n");
  g_print ("calls           %d  (%d candidate, %d judge)\n", total_calls, candidate_calls,
           judge_calls);
  g_print ("concurrency     %d\n", opt_concurrency);
  g_print ("latency         %d ms\n", opt_latency_ms);
  g_print ("ideal           %.3f s  (ceil(%d/%d) x %.3f s)\n", ideal_s, total_calls, opt_concurrency,
           opt_latency_ms / 1000.0);
  if (ideal_s > 0)
    {
      g_print ("wall   best     %.3f s  (%.2fx ideal)\n", best_s, ratio_best);
      g_print ("wall   median   %.3f s  (%.2fx ideal)  over %d run%s\n", median_s, ratio_median,
               opt_repeat, opt_repeat == 1 ? "" : "s");
    }
  else
    {
      g_print ("wall   best     %.3f s\n", best_s);
      g_print ("wall   median   %.3f s  over %d run%s\n", median_s, opt_repeat,
               opt_repeat == 1 ? "" : "s");
    }
  g_print ("peak RSS best   %.1f MB\n", best_rss_mb);
  g_print ("peak RSS median %.1f MB\n", median_rss_mb);
  if (ideal_s > 0)
    g_print ("time   %s  (median <= %.2fx ideal)\n", verdict (time_ok), target_ratio);
  else
    g_print ("time   n/a  (latency 0: no ideal to compare with)\n");
  g_print ("memory %s  (median peak RSS < %.0f MB)\n", verdict (memory_ok), TARGET_RSS_MB);

  return 0;
}
