/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cli-test-util"
#define _GNU_SOURCE   /* memmem */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "cli-test-util.h"
#include "tb-core.h"

void
cli_result_free (CliResult *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

const char *
cli_test_source_dir (void)
{
  const char *dir = g_getenv ("TASKBENCH_SOURCE_DIR");

  g_assert_nonnull (dir);
  return dir;
}

void
cli_test_copy_file (const char *from,
                    const char *to)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (from, &data, &length, &error));
  g_assert_no_error (error);
  g_assert_true (tb_write_file_atomic (to, data, length, &error));
  g_assert_no_error (error);
}

char *
cli_test_sample_path (const char *name)
{
  return g_build_filename (cli_test_source_dir (), "usecases", "samples", name, NULL);
}

void
cli_fixture_set_up (CliFixture    *fixture,
                    gconstpointer  data)
{
  const char *ids[] = { "lecture-chapters", "meeting-action-items", "support-ticket-triage" };
  g_autoptr(GError) error = NULL;
  FakeModel fast = { 0 };

  fixture->server = fake_server_new ();
  fixture->home = g_dir_make_tmp ("taskbench-cli-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->cache = g_build_filename (fixture->home, "cache", NULL);
  fixture->key = CLI_TEST_KEY;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *file = g_strconcat (ids[i], ".yaml", NULL);
      g_autofree char *from = g_build_filename (cli_test_source_dir (), "usecases", file, NULL);
      g_autofree char *to = g_build_filename (fixture->home, "usecases", file, NULL);

      cli_test_copy_file (from, to);
    }

  /* The judge the shipped use cases name answers from the schema it is given. */
  fast.billed_cost = 0.0031;
  fast.cost = 0.003;
  fake_server_set_model (fixture->server, "anthropic/claude-sonnet-4.5", &fast);
}

void
cli_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          cli_test_remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

void
cli_fixture_tear_down (CliFixture    *fixture,
                       gconstpointer  data)
{
  fake_server_free (fixture->server);
  cli_test_remove_tree (fixture->home);
  g_free (fixture->home);
  g_free (fixture->cache);
}

GSubprocessLauncher *
cli_test_launcher (CliFixture *fixture)
{
  GSubprocessLauncher *launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);

  g_subprocess_launcher_setenv (launcher, "TASKBENCH_HOME", fixture->home, TRUE);
  g_subprocess_launcher_setenv (launcher, "TASKBENCH_BASE_URL",
                                fake_server_get_url (fixture->server), TRUE);
  g_subprocess_launcher_setenv (launcher, "OPENROUTER_API_KEY", fixture->key, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", fixture->cache, TRUE);
  g_subprocess_launcher_setenv (launcher, "TASKBENCH_RETRY_BASE_MS", "20", TRUE);
  g_subprocess_launcher_setenv (launcher, "TASKBENCH_GENERATION_WAIT_MS", "3000", TRUE);
  /* GIO's proxy resolver reads GSettings schemas from the system data folders. */
  g_subprocess_launcher_unsetenv (launcher, "XDG_DATA_DIRS");
  g_subprocess_launcher_unsetenv (launcher, "GENERAL_TASK_LLM");
  g_subprocess_launcher_unsetenv (launcher, "TASKBENCH_MAX_CONCURRENCY");
  g_subprocess_launcher_unsetenv (launcher, "TASKBENCH_TIMEOUT");
  /* Under ASan, a CLI process unwinds its stack on every malloc with the tests' options:
   * dozens of processes a test then take minutes. Leaks are still found, with shorter
   * stacks. */
  if (g_strrstr (g_getenv ("ASAN_OPTIONS") != NULL ? g_getenv ("ASAN_OPTIONS") : "",
                 "fast_unwind_on_malloc=0") != NULL)
    {
      g_autoptr(GString) options = g_string_new (g_getenv ("ASAN_OPTIONS"));

      g_string_replace (options, "fast_unwind_on_malloc=0", "fast_unwind_on_malloc=1", 0);
      g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", options->str, TRUE);
    }

  return launcher;
}

typedef struct {
  gboolean  done;
  char     *out;
  char     *err;
} Wait;

static void
communicated_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Wait *wait = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &wait->out, &wait->err,
                                        &error);
  g_assert_no_error (error);
  wait->done = TRUE;
}

static gboolean
deadline_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

CliResult *
cli_test_finish_within (GSubprocess *process,
                        guint        timeout_ms)
{
  Wait wait = { 0 };
  CliResult *result = g_new0 (CliResult, 1);
  gboolean expired = FALSE;
  gint64 started = g_get_monotonic_time ();
  guint deadline_id;

  deadline_id = g_timeout_add (timeout_ms, deadline_cb, &expired);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicated_cb, &wait);
  /* The fake server lives on this main loop: keep it turning while the CLI talks to it. */
  while (!wait.done)
    {
      g_main_context_iteration (NULL, TRUE);
      if (expired && !result->timed_out)
        {
          /* Its pipes close with it, which ends the communication. */
          result->timed_out = TRUE;
          g_subprocess_force_exit (process);
        }
    }
  if (!expired)
    g_source_remove (deadline_id);
  g_subprocess_wait (process, NULL, NULL);

  result->seconds = (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC;
  result->out = wait.out;
  result->err = wait.err;
  if (g_subprocess_get_if_exited (process))
    result->status = g_subprocess_get_exit_status (process);
  else
    result->status = 128 + g_subprocess_get_term_sig (process);
  if (g_test_verbose ())
    g_printerr ("--- exit %d%s (%.2f s)\n--- stdout\n%s--- stderr\n%s", result->status,
                result->timed_out ? ", timed out" : "", result->seconds, result->out,
                result->err);
  return result;
}

CliResult *
cli_test_finish (GSubprocess *process)
{
  return cli_test_finish_within (process, CLI_TEST_DEFAULT_TIMEOUT_MS);
}

GSubprocess *
cli_test_spawnv (CliFixture          *fixture,
                 GSubprocessLauncher *launcher,
                 const char * const  *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_ptr_array_add (argv, (char *) g_getenv ("TASKBENCH_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return process;
}

CliResult *
cli_test_run_with (CliFixture          *fixture,
                   GSubprocessLauncher *launcher,
                   guint                timeout_ms,
                   const char          *first,
                   ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  va_list ap;

  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  process = cli_test_spawnv (fixture, launcher, (const char * const *) args->pdata);
  return cli_test_finish_within (process, timeout_ms);
}

GPtrArray *
cli_test_run_all (CliFixture          *fixture,
                  const char * const **argvs,
                  guint                n,
                  guint                timeout_ms)
{
  g_autoptr(GSubprocessLauncher) launcher = cli_test_launcher (fixture);
  g_autoptr(GPtrArray) processes = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *results = g_ptr_array_new_with_free_func ((GDestroyNotify) cli_result_free);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (processes, cli_test_spawnv (fixture, launcher, argvs[i]));
  /* Each one's pipes are read to their end in turn; the others go on meanwhile. */
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (results, cli_test_finish_within (g_ptr_array_index (processes, i),
                                                      timeout_ms));
  return results;
}

JsonNode *
cli_test_parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

JsonObject *
cli_test_read_json_file (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  node = cli_test_parse_json (text);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

char *
cli_test_run_dir (CliFixture *fixture,
                  const char *usecase,
                  const char *run_id)
{
  return g_build_filename (fixture->home, "results", usecase, run_id, NULL);
}

char *
cli_test_output_path (CliFixture *fixture,
                      const char *usecase,
                      const char *run_id,
                      const char *model)
{
  g_autofree char *slug = tb_model_slug (model);
  g_autofree char *file = g_strconcat (slug, ".json", NULL);

  return g_build_filename (fixture->home, "results", usecase, run_id, "outputs", file, NULL);
}

char *
cli_test_last_line (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);

  while (n > 0 && *lines[n - 1] == '\0')
    n--;
  g_assert_cmpuint (n, >, 0);
  return g_strdup (lines[n - 1]);
}

guint
cli_test_count_runs (CliFixture *fixture,
                     const char *usecase)
{
  g_autofree char *dir = g_build_filename (fixture->home, "results", usecase, NULL);
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  guint n = 0;

  if (handle == NULL)
    return 0;
  while (g_dir_read_name (handle) != NULL)
    n++;
  return n;
}

void
cli_test_script (CliFixture *fixture,
                 const char *model,
                 const char *content,
                 double      inline_cost,
                 double      billed_cost)
{
  FakeModel behaviour = { 0 };

  behaviour.content = content;
  behaviour.cost = inline_cost;
  behaviour.billed_cost = billed_cost;
  behaviour.generation_404s = 2;
  fake_server_set_model (fixture->server, model, &behaviour);
}

void
cli_test_spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, deadline_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

void
cli_test_wait_for_file (const char *path)
{
  for (guint i = 0; i < 500 && !g_file_test (path, G_FILE_TEST_EXISTS); i++)
    cli_test_spin (20);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
}

char *
cli_test_only_run_id (CliFixture *fixture,
                      const char *usecase)
{
  g_autofree char *dir = g_build_filename (fixture->home, "results", usecase, NULL);
  g_autoptr(GDir) handle = NULL;

  for (guint i = 0; i < 500; i++)
    {
      handle = g_dir_open (dir, 0, NULL);
      if (handle != NULL)
        {
          const char *name;

          /* A run being created is a hidden folder until it is whole. */
          while ((name = g_dir_read_name (handle)) != NULL && name[0] == '.')
            ;
          if (name != NULL)
            return g_strdup (name);
          g_clear_pointer (&handle, g_dir_close);
        }
      cli_test_spin (20);
    }
  g_assert_not_reached ();
}

void
cli_test_assert_no_key_in (const char *text,
                           gsize       length,
                           const char *key,
                           gsize       piece,
                           const char *where)
{
  gsize key_length = strlen (key);

  if (piece == 0 || piece > key_length)
    piece = key_length;
  /* Binary files (the index) too: memmem, not strstr. */
  for (gsize i = 0; i + piece <= key_length; i++)
    if (memmem (text, length, key + i, piece) != NULL)
      g_error ("%s holds %s of the key: %.*s", where, piece < key_length ? "a piece" : "all",
               (int) piece, key + i);
}

void
cli_test_assert_no_key_under (const char *path,
                              const char *key,
                              gsize       piece)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_autofree char *text = NULL;
      gsize length = 0;

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          cli_test_assert_no_key_under (child, key, piece);
          continue;
        }
      g_assert_true (g_file_get_contents (child, &text, &length, NULL));
      cli_test_assert_no_key_in (text, length, key, piece, child);
    }
}
