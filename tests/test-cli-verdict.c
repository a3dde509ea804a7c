/* SPDX-License-Identifier: GPL-3.0-or-later */
/* End to end: test sets, repeats and the verdict (issue #9), on real runs of the real CLI
 * against the fake OpenRouter, whose models have a true quality and noise. */
/* posix_openpt and its kin */
#define _XOPEN_SOURCE 600
#define G_LOG_DOMAIN "test-cli-verdict"

#include "config.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-test-util.h"
#include "tb-core.h"

/* A use case with free-text answers (nothing for the format check to fail) and a rubric of
 * two criteria, judged by fake/judge; `extra` is appended (inputs, budget). */
static void
write_quality_usecase (CliFixture *fixture,
                       const char *extra)
{
  g_autofree char *path = g_build_filename (fixture->home, "usecases", "quality.yaml", NULL);
  g_autofree char *yaml = g_strconcat (
    "name: Quality\n"
    "goal: Summarise the note in one sentence.\n"
    "output:\n"
    "  format: text\n"
    "judge:\n"
    "  model: fake/judge\n"
    "  criteria:\n"
    "    - {name: accuracy, weight: 60, description: Says what the note says.}\n"
    "    - {name: brevity, weight: 40, description: One sentence.}\n",
    extra != NULL ? extra : "", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_write_file_atomic (path, yaml, -1, &error));
  g_assert_no_error (error);
}

/* `n` different notes in a new folder `name` of the home; returns the folder. */
static char *
write_inputs (CliFixture *fixture,
              const char *name,
              guint       n)
{
  g_autofree char *dir = g_build_filename (fixture->home, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *file = g_strdup_printf ("note-%02u.txt", i);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autofree char *text = g_strdup_printf ("Note %u: the team met on day %u and agreed "
                                               "to ship release %u.%u.\n", i, i * 3, i, i % 4);
      g_autoptr(GError) error = NULL;

      g_assert_true (tb_write_file_atomic (path, text, -1, &error));
      g_assert_no_error (error);
    }
  return g_steal_pointer (&dir);
}

static void
set_quality (CliFixture *fixture,
             const char *model,
             double      quality,
             double      noise,
             double      cost)
{
  FakeModel spec = { 0 };

  spec.has_quality = TRUE;
  spec.quality = quality;
  spec.quality_noise = noise;
  spec.length_min = 40;
  spec.length_max = 60;
  spec.cost = cost;
  fake_server_set_model (fixture->server, model, &spec);
}

static JsonObject *
show_summary (CliFixture *fixture,
              const char *run_id,
              JsonNode  **keep)
{
  g_autoptr(CliResult) show = cli (fixture, "show", run_id, "--json");
  JsonObject *root;

  g_assert_cmpint (show->status, ==, 0);
  *keep = cli_test_parse_json (show->out);
  root = json_node_get_object (*keep);
  g_assert_true (json_object_has_member (root, "summary"));
  return json_object_get_object_member (root, "summary");
}

static JsonObject *
summary_model (JsonObject *summary,
               const char *model)
{
  JsonArray *models = json_object_get_array_member (summary, "models");

  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      JsonObject *entry = json_array_get_object_element (models, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "model"), model) == 0)
        return entry;
    }
  g_assert_not_reached ();
}

static gboolean
array_has (JsonArray  *array,
           const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;
  return FALSE;
}

static char *
run_judged (CliFixture *fixture,
            const char *models,
            ...) G_GNUC_NULL_TERMINATED;

/* Runs the quality use case with the judge and `models`, plus the further arguments;
 * returns the run id. */
static char *
run_judged (CliFixture *fixture,
            const char *models,
            ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = cli_test_launcher (fixture);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(CliResult) result = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (args, "run");
  g_ptr_array_add (args, "quality");
  g_ptr_array_add (args, "--models");
  g_ptr_array_add (args, (char *) models);
  g_ptr_array_add (args, "--judge");
  va_start (ap, models);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  process = cli_test_spawnv (fixture, launcher, (const char * const *) args->pdata);
  result = cli_test_finish (process);
  if (result->status != 0)
    g_printerr ("%s\n", result->err);
  g_assert_cmpint (result->status, ==, 0);
  return cli_test_last_line (result->out);
}

/* Three models on a test set of 12 inputs: two of the same true quality, one clearly
 * worse. The worse one must never be called tied with the best; the two equal ones are
 * tied, the tie is named in words, and the best value is the cheaper of the two. */
static void
test_tie_and_gap (CliFixture    *fixture,
                  gconstpointer  data)
{
  g_autofree char *inputs = write_inputs (fixture, "notes", 12);
  g_autofree char *run_id = NULL;
  g_autoptr(JsonNode) keep = NULL;
  g_autoptr(CliResult) show = NULL;
  JsonObject *summary, *good, *twin, *bad;
  JsonArray *tied;
  const char *best;

  write_quality_usecase (fixture, NULL);
  set_quality (fixture, "fake/good", 8.5, 0.4, 0.004);
  set_quality (fixture, "fake/twin", 8.5, 0.4, 0.001);
  set_quality (fixture, "fake/bad", 6.0, 0.4, 0.0005);
  run_id = run_judged (fixture, "fake/good,fake/twin,fake/bad", "--input", inputs, NULL);

  summary = show_summary (fixture, run_id, &keep);
  g_assert_cmpint (json_object_get_int_member (summary, "inputs"), ==, 12);
  g_assert_cmpint (json_object_get_int_member (summary, "repeat"), ==, 1);

  good = summary_model (summary, "fake/good");
  twin = summary_model (summary, "fake/twin");
  bad = summary_model (summary, "fake/bad");
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *model = (JsonObject *[]) { good, twin, bad }[i];

      g_assert_cmpint (json_object_get_int_member (model, "n_inputs"), ==, 12);
      g_assert_cmpint (json_object_get_int_member (model, "n_scores"), ==, 12);
      g_assert_cmpfloat (json_object_get_double_member (model, "ci_low"), <,
                         json_object_get_double_member (model, "mean"));
      g_assert_cmpfloat (json_object_get_double_member (model, "mean"), <,
                         json_object_get_double_member (model, "ci_high"));
      g_assert_cmpint (json_object_get_int_member (model, "errors"), ==, 0);
    }
  /* True quality 8.5 vs 6.0 per criterion: about 85 vs 60 overall. */
  g_assert_cmpfloat (fabs (json_object_get_double_member (good, "mean") - 85), <, 3);
  g_assert_cmpfloat (fabs (json_object_get_double_member (bad, "mean") - 60), <, 3);

  g_assert_false (json_object_get_boolean_member (bad, "tied_with_best"));
  g_assert_cmpfloat (json_object_get_double_member (
                       json_object_get_object_member (bad, "diff_vs_best"), "ci_high"), <, 0);
  g_assert_true (json_object_get_boolean_member (good, "tied_with_best"));
  g_assert_true (json_object_get_boolean_member (twin, "tied_with_best"));

  best = json_object_get_string_member (summary, "best_overall");
  g_assert_true (g_str_equal (best, "fake/good") || g_str_equal (best, "fake/twin"));
  tied = json_object_get_array_member (summary, "tied_with_best");
  g_assert_true (array_has (tied, "fake/good"));
  g_assert_true (array_has (tied, "fake/twin"));
  g_assert_false (array_has (tied, "fake/bad"));
  /* Best value among the tied: the cheaper twin, not the cheapest model overall. */
  g_assert_cmpstr (json_object_get_string_member (summary, "best_value"), ==, "fake/twin");
  g_assert_true (json_object_has_member (
                   json_object_get_object_member (summary, "inputs_to_separate"),
                   g_str_equal (best, "fake/good") ? "fake/twin" : "fake/good"));

  /* In words, and the matrix shows every input. */
  show = cli (fixture, "show", run_id);
  g_assert_cmpint (show->status, ==, 0);
  g_assert_nonnull (strstr (show->out, "are tied for the best score"));
  {
    g_autofree char *line = g_strdup_printf ("best overall: %s (tied with %s)\n", best,
                                             g_str_equal (best, "fake/good") ? "fake/twin"
                                                                             : "fake/good");

    g_assert_nonnull (strstr (show->out, line));
  }
  /* and in the exports, the same core note beside the best */
  {
    g_autoptr(CliResult) html = cli (fixture, "export", run_id);
    g_autoptr(CliResult) md = cli (fixture, "export", run_id, "--format", "md");
    const char *other = g_str_equal (best, "fake/good") ? "fake/twin" : "fake/good";
    g_autofree char *html_note = g_strdup_printf ("<span class=\"tied\">(tied with %s)</span>",
                                                  other);
    g_autofree char *md_note = g_strdup_printf ("(tied with %s)", other);

    g_assert_cmpint (html->status, ==, 0);
    g_assert_cmpint (md->status, ==, 0);
    g_assert_nonnull (strstr (html->out, html_note));
    g_assert_nonnull (strstr (md->out, md_note));
  }
  for (guint i = 1; i <= 12; i++)
    {
      g_autofree char *key = g_strdup_printf ("note-%02u", i);

      g_assert_nonnull (strstr (show->out, key));
    }
}

/* --repeat 3: every repeat is a call of its own, kept in a file of its own, judged apart,
 * and shown as one model's spread. */
static void
test_repeats (CliFixture    *fixture,
              gconstpointer  data)
{
  g_autofree char *inputs = write_inputs (fixture, "notes", 2);
  g_autofree char *run_id = NULL;
  g_autofree char *run_dir = NULL;
  g_autofree char *outputs = NULL;
  g_autoptr(JsonNode) keep = NULL;
  g_autoptr(GHashTable) contents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          NULL);
  JsonObject *summary, *model;
  guint files = 0;

  write_quality_usecase (fixture, NULL);
  set_quality (fixture, "fake/noisy", 7.0, 1.0, 0.001);
  run_id = run_judged (fixture, "fake/noisy", "--input", inputs, "--repeat", "3", NULL);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/noisy"), ==, 6);

  run_dir = cli_test_run_dir (fixture, "quality", run_id);
  outputs = g_build_filename (run_dir, "outputs", NULL);
  for (guint i = 1; i <= 2; i++)
    {
      g_autofree char *key = g_strdup_printf ("note-%02u", i);
      g_autofree char *dir = g_build_filename (outputs, key, NULL);
      g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
      const char *name;

      g_assert_nonnull (listing);
      while ((name = g_dir_read_name (listing)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          JsonObject *output = cli_test_read_json_file (path);

          g_assert_cmpstr (json_object_get_string_member (output, "status"), ==, "ok");
          g_hash_table_add (contents,
                            g_strdup (json_object_get_string_member (output, "content")));
          json_object_unref (output);
          files++;
        }
    }
  g_assert_cmpuint (files, ==, 6);
  /* Repeats are real draws: no two answers alike. */
  g_assert_cmpuint (g_hash_table_size (contents), ==, 6);

  summary = show_summary (fixture, run_id, &keep);
  g_assert_cmpint (json_object_get_int_member (summary, "repeat"), ==, 3);
  model = summary_model (summary, "fake/noisy");
  g_assert_cmpint (json_object_get_int_member (model, "n_inputs"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (model, "n_scores"), ==, 6);
}

/* One input, one call: the verdict says it rests on one sample and has no interval. */
static void
test_single_sample (CliFixture    *fixture,
                    gconstpointer  data)
{
  g_autofree char *inputs = write_inputs (fixture, "notes", 1);
  g_autofree char *input = g_build_filename (inputs, "note-01.txt", NULL);
  g_autofree char *run_id = NULL;
  g_autoptr(JsonNode) keep = NULL;
  g_autoptr(CliResult) show = NULL;
  JsonObject *summary, *model;
  JsonArray *warnings;
  gboolean said = FALSE;

  write_quality_usecase (fixture, NULL);
  set_quality (fixture, "fake/one", 7.0, 0.5, 0.001);
  run_id = run_judged (fixture, "fake/one", "--input", input, NULL);

  summary = show_summary (fixture, run_id, &keep);
  model = summary_model (summary, "fake/one");
  g_assert_true (json_object_get_null_member (model, "ci_low"));
  g_assert_true (json_object_get_null_member (model, "ci_high"));
  warnings = json_object_get_array_member (summary, "warnings");
  for (guint i = 0; i < json_array_get_length (warnings); i++)
    said |= strstr (json_array_get_string_element (warnings, i), "single sample") != NULL;
  g_assert_true (said);

  show = cli (fixture, "show", run_id);
  g_assert_nonnull (strstr (show->out, "single sample"));
}

/* One bad input refuses the whole run, names it, and nothing is written or paid. */
static void
test_bad_input_refused (CliFixture    *fixture,
                        gconstpointer  data)
{
  g_autofree char *inputs = write_inputs (fixture, "notes", 3);
  g_autofree char *binary = g_build_filename (inputs, "note-02.txt", NULL);
  g_autoptr(CliResult) result = NULL;
  g_autoptr(CliResult) json = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  static const char bytes[] = { 'P', 'K', 3, 4, 0, 0, 0, 0, (char) 0xff, 0 };

  write_quality_usecase (fixture, NULL);
  set_quality (fixture, "fake/one", 7.0, 0.5, 0.001);
  g_assert_true (tb_write_file_atomic (binary, bytes, sizeof bytes, &error));

  result = cli (fixture, "run", "quality", "--models", "fake/one", "--input", inputs);
  g_assert_cmpint (result->status, ==, 2);
  g_assert_nonnull (strstr (result->err, "note-02.txt"));
  g_assert_cmpuint (cli_test_count_runs (fixture, "quality"), ==, 0);
  g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", "fake/one"), ==, 0);

  json = cli (fixture, "run", "quality", "--models", "fake/one", "--input", inputs, "--json");
  g_assert_cmpint (json->status, ==, 2);
  node = cli_test_parse_json (json->out);
  g_assert_nonnull (strstr (json_object_get_string_member (
                              json_object_get_object_member (json_node_get_object (node),
                                                             "error"), "message"), "note-02.txt"));
}

/* No --input: the use case's own inputs, with the references they name (a sibling
 * <stem>.reference.<ext>); each judge call sees the reference of its own input. */
static void
test_usecase_inputs_and_references (CliFixture    *fixture,
                                    gconstpointer  data)
{
  g_autofree char *inputs = write_inputs (fixture, "usecases/samples/notes", 3);
  g_autofree char *reference = g_build_filename (inputs, "note-02.reference.txt", NULL);
  g_autofree char *run_id = NULL;
  g_autoptr(JsonNode) keep = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *requests;
  guint judge_calls = 0, with_reference = 0;
  JsonObject *summary;

  g_assert_true (tb_write_file_atomic (reference, "REFERENCE-FOR-NOTE-TWO", -1, &error));
  write_quality_usecase (fixture, "inputs:\n  - {folder: samples/notes/}\n");
  set_quality (fixture, "fake/one", 7.0, 0.5, 0.001);
  run_id = run_judged (fixture, "fake/one", NULL);

  summary = show_summary (fixture, run_id, &keep);
  g_assert_cmpint (json_object_get_int_member (summary, "inputs"), ==, 3);

  requests = fake_server_get_requests (fixture->server);
  for (guint i = 0; i < requests->len; i++)
    {
      FakeRequest *request = g_ptr_array_index (requests, i);

      if (g_strcmp0 (request->model, "fake/judge") != 0 || request->body == NULL)
        continue;
      judge_calls++;
      if (strstr (request->body, "REFERENCE-FOR-NOTE-TWO") != NULL)
        {
          with_reference++;
          g_assert_nonnull (strstr (request->body, "Note 2:"));
        }
    }
  g_assert_cmpuint (judge_calls, ==, 3);
  g_assert_cmpuint (with_reference, ==, 1);

  /* show's outputs table: every row's status under STATUS, counted in characters ("·" is
   * two bytes) */
  {
    g_autoptr(CliResult) shown = cli (fixture, "show", run_id);
    g_auto(GStrv) lines = g_strsplit (shown->out, "\n", -1);
    glong column = -1;
    guint rows = 0;

    g_assert_cmpint (shown->status, ==, 0);
    for (guint i = 0; lines[i] != NULL; i++)
      {
        const char *at;

        if (g_str_has_prefix (lines[i], "MODEL ") && (at = strstr (lines[i], "STATUS")) != NULL)
          column = g_utf8_pointer_to_offset (lines[i], at);
        else if (column >= 0 && g_str_has_prefix (lines[i], "fake/one · ")
                 && (at = strstr (lines[i], " ok ")) != NULL)
          {
            g_assert_cmpint (g_utf8_pointer_to_offset (lines[i], at) + 1, ==, column);
            rows++;
          }
      }
    g_assert_cmpuint (rows, ==, 3);
  }

  /* A re-judge with one --reference for three inputs is refused, nothing called. */
  {
    guint before = fake_server_count (fixture->server, "/chat/completions", NULL);
    g_autoptr(CliResult) rejudge = cli (fixture, "judge", run_id, "--reference", reference);

    g_assert_cmpint (rejudge->status, ==, 2);
    g_assert_nonnull (strstr (rejudge->err, "has 3 inputs"));
    g_assert_cmpuint (fake_server_count (fixture->server, "/chat/completions", NULL), ==,
                      before);
  }
}

/* `summary ID` over two judged runs: per model, runs and inputs counted across both, and
 * the wins of the clear winner. */
static void
test_summary_across_runs (CliFixture    *fixture,
                          gconstpointer  data)
{
  g_autofree char *inputs = write_inputs (fixture, "notes", 5);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(CliResult) result = NULL;
  g_autoptr(CliResult) text = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *good = NULL, *bad = NULL;
  JsonArray *models;

  write_quality_usecase (fixture, NULL);
  set_quality (fixture, "fake/good", 9.0, 0.3, 0.002);
  set_quality (fixture, "fake/bad", 5.0, 0.3, 0.001);
  first = run_judged (fixture, "fake/good,fake/bad", "--input", inputs, NULL);
  second = run_judged (fixture, "fake/good,fake/bad", "--input", inputs, NULL);
  g_assert_cmpstr (first, !=, second);

  result = cli (fixture, "summary", "quality", "--json");
  g_assert_cmpint (result->status, ==, 0);
  node = cli_test_parse_json (result->out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "runs"), ==, 2);
  models = json_object_get_array_member (
    json_object_get_object_member (json_node_get_object (node), "summary"), "models");
  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      JsonObject *entry = json_array_get_object_element (models, i);
      const char *id = json_object_get_string_member (entry, "model");

      if (g_str_equal (id, "fake/good"))
        good = entry;
      else if (g_str_equal (id, "fake/bad"))
        bad = entry;
    }
  g_assert_nonnull (good);
  g_assert_nonnull (bad);
  g_assert_cmpint (json_object_get_int_member (good, "runs"), ==, 2);
  /* The same five inputs in both runs: five inputs, each scored twice. */
  g_assert_cmpint (json_object_get_int_member (good, "n_inputs"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (good, "n_scores"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (good, "wins"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (bad, "wins"), ==, 0);
  g_assert_cmpfloat (json_object_get_double_member (good, "mean"), >,
                     json_object_get_double_member (bad, "mean"));

  text = cli (fixture, "summary", "quality");
  g_assert_cmpint (text->status, ==, 0);
  g_assert_nonnull (strstr (text->out, "fake/good"));
}

typedef struct {
  GString  *text;
  gboolean  closed;
} Terminal;

static gboolean
terminal_read_cb (int           fd,
                  GIOCondition  condition,
                  gpointer      user_data)
{
  Terminal *terminal = user_data;
  char buffer[4096];
  gssize n = read (fd, buffer, sizeof buffer);

  if (n > 0)
    {
      g_string_append_len (terminal->text, buffer, n);
      return G_SOURCE_CONTINUE;
    }
  /* EIO once the CLI, the last holder of the terminal's other side, has exited */
  terminal->closed = TRUE;
  return G_SOURCE_REMOVE;
}

/* A group's line: its label (padded to the widest), then its counts. */
static void
assert_drawn_group (const char *line,
                    const char *label,
                    const char *done)
{
  const char *after = strstr (line, label);

  g_assert_nonnull (after);
  after += strlen (label);
  while (*after == ' ')
    after++;
  g_assert_true (g_str_has_prefix (after, done));
  g_assert_nonnull (strstr (after, " 0 running"));
}

/* What the CLI drew on a terminal (its stderr) for `args`; it exits with `status`. */
static char *
run_on_terminal (CliFixture         *fixture,
                 const char * const *args,
                 int                 status)
{
  g_autoptr(GSubprocessLauncher) launcher = cli_test_launcher (fixture);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(CliResult) result = NULL;
  Terminal terminal = { g_string_new (NULL), FALSE };
  int primary, secondary;

  primary = posix_openpt (O_RDWR | O_NOCTTY);
  g_assert_cmpint (primary, >=, 0);
  g_assert_cmpint (grantpt (primary), ==, 0);
  g_assert_cmpint (unlockpt (primary), ==, 0);
  secondary = open (ptsname (primary), O_RDWR | O_NOCTTY);
  g_assert_cmpint (secondary, >=, 0);

  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_take_stderr_fd (launcher, secondary);
  g_subprocess_launcher_setenv (launcher, "TERM", "xterm", TRUE);
  process = cli_test_spawnv (fixture, launcher, args);
  /* the launcher closes its copy of the terminal, which leaves only the CLI's */
  g_clear_object (&launcher);
  g_unix_fd_add (primary, G_IO_IN | G_IO_HUP | G_IO_ERR, terminal_read_cb, &terminal);
  result = cli_test_finish (process);
  g_assert_cmpint (result->status, ==, status);
  while (!terminal.closed)
    g_main_context_iteration (NULL, TRUE);
  close (primary);

  if (g_test_verbose ())
    g_printerr ("%s\n", terminal.text->str);
  return g_string_free (terminal.text, FALSE);
}

/* On a terminal, a test set of more calls than fit a line each is drawn as a line per
 * model and a total, redrawn in place. The runner lets go of settled calls' rows for it
 * (a run of thousands holds none), so the counts come from the calls it handed over: the
 * last drawing counts every call. */
static void
test_terminal_progress (CliFixture    *fixture,
                        gconstpointer  data)
{
  g_autofree char *inputs = write_inputs (fixture, "notes", 6);
  const char *args[] = { "run", "quality", "--models", "fake/a,fake/b", "--judge",
                         "--input", inputs, NULL };
  g_autofree char *text = NULL;
  const char *last;
  FakeModel slow = { 0 };

  write_quality_usecase (fixture, NULL);
  set_quality (fixture, "fake/a", 7.0, 1.0, 0.001);
  /* b answers slowly: a's scores are settled (and their rows let go of, by a sweep once a
   * second) before b's answers, and the lines stay in their places all the same */
  slow.has_quality = TRUE;
  slow.quality = 5.0;
  slow.quality_noise = 1.0;
  slow.length_min = 40;
  slow.length_max = 60;
  slow.cost = 0.002;
  slow.latency_ms = 2500;
  fake_server_set_model (fixture->server, "fake/b", &slow);

  text = run_on_terminal (fixture, args, 0);
  /* 12 answers and 12 scores; the terminal drew lines per model, not per call */
  last = g_strrstr (text, "calls finished");
  g_assert_nonnull (last);
  g_assert_nonnull (strstr (text, "6/6 done"));
  while (last > text && last[-1] != '\n')
    last--;
  g_assert_true (g_str_has_prefix (last, "\r\033[2K24 of 24 calls finished "));
  g_assert_nonnull (strstr (last, " 0 running "));
  g_assert_nonnull (strstr (last, " 0 failed "));
  /* the drawing's three lines above the total: each group counts all its calls */
  {
    g_autofree char *before = g_strndup (text, last - text);
    g_auto(GStrv) lines = g_strsplit (before, "\n", -1);
    guint n = g_strv_length (lines);

    /* `before` ends with a line's end: the last element is empty */
    g_assert_cmpuint (n, >=, 4);
    g_assert_cmpstr (lines[n - 1], ==, "");
    assert_drawn_group (lines[n - 4], "  run fake/a", "6/6 done");
    assert_drawn_group (lines[n - 3], "  run fake/b", "6/6 done");
    assert_drawn_group (lines[n - 2], "judge fake/judge", "12/12 done");
  }
}

/* Calls skipped at the cost cap end like the others ("done" counts them), and their line
 * says how many were skipped. */
static void
test_terminal_skipped (CliFixture    *fixture,
                       gconstpointer  data)
{
  g_autofree char *inputs = write_inputs (fixture, "notes", 10);
  const char *args[] = { "run", "quality", "--models", "fake/a,fake/b", "--input", inputs,
                         "--max-cost", "0.008", NULL };
  g_autofree char *text = NULL;
  const char *last;

  write_quality_usecase (fixture, NULL);
  set_quality (fixture, "fake/a", 7.0, 1.0, 0.001);
  set_quality (fixture, "fake/b", 5.0, 1.0, 0.001);
  /* 20 calls at $0.001 under a cap of $0.008: most are skipped, and the run is partial */
  text = run_on_terminal (fixture, args, 1);
  last = g_strrstr (text, "calls finished");
  g_assert_nonnull (last);
  while (last > text && last[-1] != '\n')
    last--;
  g_assert_true (g_str_has_prefix (last, "\r\033[2K20 of 20 calls finished "));
  {
    g_autofree char *before = g_strndup (text, last - text);
    g_auto(GStrv) lines = g_strsplit (before, "\n", -1);
    guint n = g_strv_length (lines);

    g_assert_cmpuint (n, >=, 3);
    assert_drawn_group (lines[n - 3], "  run fake/a", "10/10 done");
    assert_drawn_group (lines[n - 2], "  run fake/b", "10/10 done");
    g_assert_nonnull (strstr (lines[n - 2], "(10 skipped at the cap)"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add ("/cli/verdict/" path, CliFixture, NULL, cli_fixture_set_up, fn, \
              cli_fixture_tear_down)
  ADD ("tie-and-gap", test_tie_and_gap);
  ADD ("repeats", test_repeats);
  ADD ("single-sample", test_single_sample);
  ADD ("bad-input-refused", test_bad_input_refused);
  ADD ("usecase-inputs-and-references", test_usecase_inputs_and_references);
  ADD ("summary-across-runs", test_summary_across_runs);
  ADD ("terminal-progress", test_terminal_progress);
  ADD ("terminal-skipped", test_terminal_skipped);
#undef ADD

  return g_test_run ();
}
