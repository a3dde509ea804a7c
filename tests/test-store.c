/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The results store on a real folder: creating runs (one input and test sets), locks,
 * interrupted runs, listing, judgments, deletion, leftovers of a killed creation, and the
 * rollup of a run. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <utime.h>
#include <unistd.h>

#include "tb-core.h"

/* ---- helpers ------------------------------------------------------------------------ */

static char *
make_home (void)
{
  return g_build_filename (g_get_user_data_dir (), "home", NULL);
}

static GPtrArray *
inputs_of (const char *first_name,
           ...)
{
  GPtrArray *inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_test_input_free);
  const char *name = first_name;
  va_list args;

  va_start (args, first_name);
  while (name != NULL)
    {
      g_autofree char *text = g_strdup_printf ("[00:00:01] %s\n", name);

      g_ptr_array_add (inputs, tb_test_input_new (NULL, name, text, strlen (text)));
      name = va_arg (args, const char *);
    }
  va_end (args);
  return inputs;
}

static GPtrArray *
prompts_for (GPtrArray *inputs)
{
  GPtrArray *prompts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < inputs->len; i++)
    g_ptr_array_add (prompts, g_strdup_printf ("Do the task on input %u.", i));
  return prompts;
}

static TbRun *
create_run (TbStore            *store,
            const char         *usecase,
            const char         *id,
            const char * const *models,
            GPtrArray          *inputs)
{
  g_autoptr(TbRun) run = tb_run_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) own_inputs = inputs == NULL ? inputs_of ("lecture.md", NULL) : NULL;
  g_autoptr(GPtrArray) prompts = NULL;

  if (inputs == NULL)
    inputs = own_inputs;
  prompts = prompts_for (inputs);
  run->id = g_strdup (id);
  run->usecase = g_strdup (usecase);
  run->usecase_snapshot = g_strdup ("name: Test\ngoal: Test\n");
  g_strfreev (run->models);
  run->models = g_strdupv ((char **) models);
  g_assert_true (tb_store_create_run (store, run, inputs, prompts, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&run);
}

static TbOutput *
make_output (const char     *model,
             TbOutputStatus  status,
             double          inline_usd,
             gboolean        has_inline,
             double          billed_usd,
             gboolean        has_billed)
{
  TbOutput *output = tb_output_new (model);

  output->status = status;
  output->content = status == TB_OUTPUT_OK ? g_strdup ("[]") : NULL;
  output->cost.has_inline = has_inline;
  output->cost.inline_usd = inline_usd;
  output->cost.has_billed = has_billed;
  output->cost.billed_usd = billed_usd;
  tb_cost_settle (&output->cost);
  output->usage.prompt_tokens = 100;
  output->usage.completion_tokens = 10;
  output->attempts = 1;
  return output;
}

static TbScore *
make_score (const char *model,
            double      overall,
            double      judge_usd)
{
  TbScore *score = tb_score_new (model);

  score->overall = overall;
  tb_score_set_criterion (score, "accuracy", overall / 10);
  score->reasoning = g_strdup ("Fine.");
  score->cost.has_inline = TRUE;
  score->cost.inline_usd = judge_usd;
  tb_cost_settle (&score->cost);
  score->usage.prompt_tokens = 50;
  score->usage.completion_tokens = 5;
  return score;
}

/* A process that holds `dir`'s lock for 30 s, as another TaskBench would. */
static GPid
spawn_holder (const char *dir)
{
  g_autofree char *lock = g_build_filename (dir, ".lock", NULL);
  const char *argv[] = { "flock", "--close", "--exclusive", "--nonblock", lock, "sleep", "30",
                         NULL };
  g_autoptr(GError) error = NULL;
  GPid pid = 0;

  /* Its output away from ours: a test runner waits for every holder of its pipes. */
  g_spawn_async (NULL, (char **) argv, NULL,
                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                 | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 500 && !tb_lock_is_held (dir); i++)
    g_usleep (10000);
  g_assert_true (tb_lock_is_held (dir));
  return pid;
}

/* Kills the holder and waits for the kernel to let go of its lock: flock(1) forks its
 * command, and the fork keeps the lock for the moment until it closes its copy. */
static void
kill_holder (GPid        pid,
             const char *dir)
{
  int status;

  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  for (guint i = 0; i < 500 && tb_lock_is_held (dir); i++)
    g_usleep (10000);
}

/* ---- creating ----------------------------------------------------------------------- */

static void
test_create_run (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "openai/gpt-4o", "x/a b", NULL };
  g_autoptr(TbRun) run = create_run (store, "lecture", NULL, models, NULL);
  g_autoptr(TbRun) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *results = tb_store_results_dir (store);
  g_autofree char *usecase_dir = g_build_filename (results, "lecture", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GDir) listing = NULL;
  TbRunInput *input;
  const char *name;

  g_assert_true (tb_run_id_is_valid (run->id));
  g_assert_true (g_str_has_suffix (run->dir, run->id));
  g_assert_cmpint (run->status, ==, TB_RUN_RUNNING);
  input = g_ptr_array_index (run->inputs, 0);
  g_assert_cmpstr (input->key, ==, "lecture");
  g_assert_cmpstr (input->name, ==, "lecture.md");
  g_assert_cmpstr (input->file, ==, "input.md");
  g_assert_cmpstr (input->prompt_file, ==, "prompt.txt");

  /* the run's folder, and nothing else in the use case's (the staging folder is gone) */
  listing = g_dir_open (usecase_dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    g_assert_cmpstr (name, ==, run->id);

  text = tb_store_read_input (store, run, input, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "[00:00:01] lecture.md\n");
  g_free (text);
  text = tb_store_read_prompt (store, run, input, &error);
  g_assert_cmpstr (text, ==, "Do the task on input 0.");

  /* this store holds the lock; the run reads as running, not interrupted */
  g_assert_true (tb_lock_is_held (run->dir));
  loaded = tb_store_load_run (store, run->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->status, ==, TB_RUN_RUNNING);
  tb_store_unlock_run (store, run);
  g_assert_false (tb_lock_is_held (run->dir));
  g_clear_pointer (&loaded, tb_run_free);
  loaded = tb_store_load_run (store, run->id, &error);
  g_assert_cmpint (loaded->status, ==, TB_RUN_INTERRUPTED);
}

static void
test_create_test_set (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/x", NULL };
  g_autoptr(GPtrArray) inputs = inputs_of ("notes.txt", "notes.md", "other.csv", NULL);
  g_autoptr(TbRun) run = NULL;
  g_autoptr(GPtrArray) back = NULL;
  g_autoptr(GError) error = NULL;

  tb_test_input_set_reference (g_ptr_array_index (inputs, 2), "other.reference.csv", "a,b\n",
                               4);
  tb_test_inputs_make_keys_unique (inputs);
  run = create_run (store, "notes", NULL, models, inputs);
  g_assert_cmpuint (run->inputs->len, ==, 3);
  g_assert_cmpstr (((TbRunInput *) g_ptr_array_index (run->inputs, 0))->key, ==, "notes");
  g_assert_cmpstr (((TbRunInput *) g_ptr_array_index (run->inputs, 1))->key, ==, "notes-2");
  g_assert_cmpstr (((TbRunInput *) g_ptr_array_index (run->inputs, 1))->file, ==,
                   "inputs/notes-2/input.md");
  g_assert_cmpstr (((TbRunInput *) g_ptr_array_index (run->inputs, 2))->reference_file, ==,
                   "inputs/other/reference.csv");

  back = tb_store_read_test_set (store, run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->len, ==, 3);
  g_assert_cmpstr (((TbTestInput *) g_ptr_array_index (back, 2))->reference, ==, "a,b\n");
  g_assert_null (((TbTestInput *) g_ptr_array_index (back, 0))->reference);
  tb_store_unlock_run (store, run);
}

static void
test_create_refusals (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/x", NULL };
  g_autoptr(TbRun) first = create_run (store, "uc", "20261125T121619Z-5cff", models, NULL);
  g_autoptr(TbRun) again = tb_run_new ();
  g_autoptr(TbRun) bad = tb_run_new ();
  g_autoptr(GPtrArray) inputs = inputs_of ("x.txt", NULL);
  g_autoptr(GPtrArray) prompts = prompts_for (inputs);
  g_autoptr(GError) error = NULL;

  /* an existing run is never reused */
  again->id = g_strdup ("20261125T121619Z-5cff");
  again->usecase = g_strdup ("uc");
  g_assert_false (tb_store_create_run (store, again, inputs, prompts, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_clear_error (&error);

  bad->usecase = g_strdup ("../escape");
  g_assert_false (tb_store_create_run (store, bad, inputs, prompts, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_clear_error (&error);

  g_free (bad->usecase);
  bad->usecase = g_strdup ("uc");
  g_free (((TbTestInput *) g_ptr_array_index (inputs, 0))->key);
  ((TbTestInput *) g_ptr_array_index (inputs, 0))->key = g_strdup ("../../x");
  g_assert_false (tb_store_create_run (store, bad, inputs, prompts, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  tb_store_unlock_run (store, first);
}

/* What a kill in the middle of creating a run leaves is a hidden folder no process holds:
 * listings never see it, and the next look at the use case removes it. A creation still
 * under way (its lock held) is left alone. */
static void
test_tidy (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  g_autofree char *results = tb_store_results_dir (store);
  g_autofree char *dead = g_build_filename (results, "uc", ".creating-20261125T121619Z-aaaa",
                                            NULL);
  g_autofree char *live = g_build_filename (results, "uc", ".creating-20261125T121619Z-bbbb",
                                            NULL);
  g_autofree char *half = g_build_filename (dead, "input.txt", NULL);
  g_autoptr(GPtrArray) runs = NULL;
  GPid holder;

  g_assert_cmpint (g_mkdir_with_parents (dead, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (live, 0755), ==, 0);
  g_assert_true (g_file_set_contents (half, "half", -1, NULL));
  holder = spawn_holder (live);

  runs = tb_store_list_runs (store, "uc");
  g_assert_cmpuint (runs->len, ==, 0);
  g_assert_cmpuint (tb_store_tidy (store, "uc"), ==, 1);
  g_assert_false (g_file_test (dead, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (live, G_FILE_TEST_EXISTS));

  kill_holder (holder, live);
  g_assert_cmpuint (tb_store_tidy (store, "uc"), ==, 1);
  g_assert_false (g_file_test (live, G_FILE_TEST_EXISTS));
}

/* Sets a folder's times `seconds` back. */
static void
age_folder (const char *path,
            gint64      seconds)
{
  struct utimbuf times;

  times.actime = times.modtime = (time_t) (g_get_real_time () / G_USEC_PER_SEC - seconds);
  g_assert_cmpint (g_utime (path, &times), ==, 0);
}

/* A visible run folder without run.json, as a creation by an older version left it when it
 * was killed: removed when nothing in it was paid and no one works on it. */
static void
test_abandoned_creation (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  g_autofree char *results = tb_store_results_dir (store);
  g_autofree char *old = g_build_filename (results, "uc", "20261125T121619Z-0a0a", NULL);
  g_autofree char *fresh = g_build_filename (results, "uc", "20261125T121619Z-0b0b", NULL);
  g_autofree char *paid = g_build_filename (results, "uc", "20261125T121619Z-0c0c", NULL);
  g_autofree char *whole = g_build_filename (results, "uc", "20261125T121619Z-0d0d", NULL);
  const char * const folders[] = { old, fresh, paid, whole };
  g_autoptr(GPtrArray) runs = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *outputs = g_build_filename (folders[i], "outputs", NULL);
      g_autofree char *judgments = g_build_filename (folders[i], "judgments", NULL);
      g_autofree char *input = g_build_filename (folders[i], "input.txt", NULL);
      g_autofree char *lock = g_build_filename (folders[i], ".lock", NULL);
      g_autofree char *temp = g_build_filename (folders[i], "run.json.A1B2C3", NULL);

      g_assert_cmpint (g_mkdir_with_parents (outputs, 0755), ==, 0);
      g_assert_cmpint (g_mkdir_with_parents (judgments, 0755), ==, 0);
      g_assert_true (g_file_set_contents (input, "text", -1, NULL));
      g_assert_true (g_file_set_contents (lock, "4242\n", -1, NULL));
      g_assert_true (g_file_set_contents (temp, "{\"id\"", -1, NULL));
    }
  {
    g_autofree char *output = g_build_filename (paid, "outputs", "a__x.json", NULL);
    g_autofree char *run_json = g_build_filename (whole, "run.json", NULL);

    g_assert_true (g_file_set_contents (output, "{\"model\": \"a/x\"}", -1, NULL));
    g_assert_true (g_file_set_contents (run_json, "{", -1, NULL));
  }
  age_folder (old, 3600);
  age_folder (paid, 3600);
  age_folder (whole, 3600);

  g_assert_true (tb_store_remove_abandoned (store, old));
  g_assert_false (g_file_test (old, G_FILE_TEST_EXISTS));
  /* an older TaskBench may be making it now */
  g_assert_false (tb_store_remove_abandoned (store, fresh));
  /* an output was paid for: never removed */
  g_assert_false (tb_store_remove_abandoned (store, paid));
  /* it has its run.json, however broken */
  g_assert_false (tb_store_remove_abandoned (store, whole));
  /* never anything but a run folder */
  g_assert_false (tb_store_remove_abandoned (store, results));
  for (guint i = 1; i < G_N_ELEMENTS (folders); i++)
    g_assert_true (g_file_test (folders[i], G_FILE_TEST_IS_DIR));

  /* listing takes the same rule (and warns about the others, which it cannot read) */
  age_folder (fresh, 3600);
  g_test_expect_message ("tb-store", G_LOG_LEVEL_WARNING, "Skipping run*");
  g_test_expect_message ("tb-store", G_LOG_LEVEL_WARNING, "Skipping run*");
  runs = tb_store_list_runs (store, "uc");
  g_test_assert_expected_messages ();
  g_assert_cmpuint (runs->len, ==, 0);
  g_assert_false (g_file_test (fresh, G_FILE_TEST_EXISTS));
}

/* Two processes tidying the same leftovers at once (the window and a 'runs') both end
 * without a warning: what the other removed first is removed. */
static void
test_tidy_race (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  g_autofree char *results = tb_store_results_dir (store);

  for (guint round = 0; round < 5; round++)
    {
      pid_t children[2];

      for (guint i = 0; i < 40; i++)
        {
          g_autofree char *name = g_strdup_printf (".creating-20261125T1216%02uZ-%04x", i % 60,
                                                   round * 100 + i);
          g_autofree char *dir = g_build_filename (results, "uc", name, "outputs", NULL);

          g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
          for (guint f = 0; f < 8; f++)
            {
              g_autofree char *file = g_strdup_printf ("%s/../file-%u.txt", dir, f);

              g_assert_true (g_file_set_contents (file, "x", -1, NULL));
            }
        }
      for (guint c = 0; c < G_N_ELEMENTS (children); c++)
        {
          children[c] = fork ();
          g_assert_cmpint (children[c], >=, 0);
          if (children[c] == 0)
            {
              /* any warning ends the child with a signal */
              g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING);
              tb_store_tidy (store, "uc");
              _exit (0);
            }
        }
      for (guint c = 0; c < G_N_ELEMENTS (children); c++)
        {
          int status;

          g_assert_cmpint (waitpid (children[c], &status, 0), ==, children[c]);
          g_assert_true (WIFEXITED (status));
          g_assert_cmpint (WEXITSTATUS (status), ==, 0);
        }
      g_assert_cmpuint (tb_store_tidy (store, "uc"), ==, 0);
    }
}

/* ---- locks -------------------------------------------------------------------------- */

static void
test_lock (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  g_autoptr(TbStore) other = tb_store_new (home);
  const char *models[] = { "a/x", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models, NULL);
  g_autoptr(TbRun) seen = NULL;
  g_autoptr(GError) error = NULL;
  GPid holder;

  /* taken: another holder — even another store in this process — is refused */
  g_assert_false (tb_store_lock_run (other, run, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "in use by another process"));
  g_clear_error (&error);

  /* the holder itself may ask again */
  g_assert_true (tb_store_lock_run (store, run, &error));
  g_assert_no_error (error);

  tb_store_unlock_run (store, run);

  /* the next holder removes a judgment a killed holder was staging, and only that */
  {
    g_autofree char *folder = g_build_filename (run->dir, "judgments", NULL);
    g_autofree char *staged = g_build_filename (folder, ".staged-Ab12Cd", NULL);
    g_autofree char *record = g_build_filename (folder, "20261202T000000Z.json", NULL);

    g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
    g_assert_true (g_file_set_contents (staged, "{\"scores\": [", -1, NULL));
    g_assert_true (g_file_set_contents (record, "{}\n", -1, NULL));
    g_assert_true (tb_store_lock_run (other, run, &error));
    g_assert_no_error (error);
    g_assert_false (g_file_test (staged, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (record, G_FILE_TEST_EXISTS));
    g_unlink (record);
  }
  tb_store_unlock_run (other, run);

  /* a holder in another process, then its death: the kernel lets go, whatever its pid
   * becomes, and a run it was working on reads as interrupted */
  holder = spawn_holder (run->dir);
  g_assert_false (tb_store_lock_run (store, run, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_BUSY);
  g_clear_error (&error);
  seen = tb_store_load_run (other, run->id, &error);
  g_assert_cmpint (seen->status, ==, TB_RUN_RUNNING);
  kill_holder (holder, run->dir);
  g_clear_pointer (&seen, tb_run_free);
  seen = tb_store_load_run (other, run->id, &error);
  g_assert_cmpint (seen->status, ==, TB_RUN_INTERRUPTED);
  g_assert_true (tb_store_lock_run (store, run, &error));
  g_assert_no_error (error);
  tb_store_unlock_run (store, run);
}

/* Two processes take the lock of one run at the same moment: exactly one wins. */
static void
test_lock_race (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/x", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models, NULL);
  int pipes[2];
  guint winners = 0;
  pid_t children[6];

  tb_store_unlock_run (store, run);
  g_assert_cmpint (pipe (pipes), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      children[i] = fork ();
      g_assert_cmpint (children[i], >=, 0);
      if (children[i] == 0)
        {
          g_autoptr(TbLock) lock = NULL;
          char go;

          close (pipes[1]);
          /* all wait for the same start */
          if (read (pipes[0], &go, 1) < 0)
            _exit (3);
          lock = tb_lock_acquire (run->dir, "run", NULL);
          g_usleep (200000);
          _exit (lock != NULL ? 0 : 1);
        }
    }
  close (pipes[0]);
  close (pipes[1]);   /* the start: every reader sees the end of the pipe */
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      int status;

      g_assert_cmpint (waitpid (children[i], &status, 0), ==, children[i]);
      g_assert_true (WIFEXITED (status));
      if (WEXITSTATUS (status) == 0)
        winners++;
    }
  g_assert_cmpuint (winners, ==, 1);
}

typedef struct {
  const char *dir;
  gint        stop;
} Glancer;

static gpointer
glance_cb (gpointer data)
{
  Glancer *glancer = data;

  while (!g_atomic_int_get (&glancer->stop))
    {
      tb_lock_is_held (glancer->dir);
      g_usleep (100);
    }
  return NULL;
}

/* Looking at a lock (as listings do for a running run) never makes a taker fail: only a
 * holder does. */
static void
test_lock_glance (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/x", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models, NULL);
  Glancer glancer = { run->dir, 0 };
  GThread *thread;
  guint busy = 0;

  tb_store_unlock_run (store, run);
  thread = g_thread_new ("glancer", glance_cb, &glancer);
  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(GError) error = NULL;
      TbLock *lock = tb_lock_acquire (run->dir, "run", &error);

      if (lock == NULL)
        busy++;
      tb_lock_release (lock);
    }
  g_atomic_int_set (&glancer.stop, 1);
  g_thread_join (thread);
  g_assert_cmpuint (busy, ==, 0);
}

/* ---- reading ------------------------------------------------------------------------ */

static void
test_outputs_and_legacy_names (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "x/a b", "x/a_b", "x__a.b", "x/a.b", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models, NULL);
  g_autoptr(GPtrArray) outputs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *legacy_path = NULL;
  g_autoptr(TbOutput) legacy = make_output ("x/old model", TB_OUTPUT_OK, 0.001, TRUE, 0, FALSE);
  g_autoptr(JsonNode) legacy_node = NULL;

  /* ids that older versions mapped to one file name each keep their own file */
  for (guint i = 0; models[i] != NULL; i++)
    {
      g_autoptr(TbOutput) output = make_output (models[i], TB_OUTPUT_OK, 0.001 * (i + 1), TRUE,
                                                0, FALSE);

      output->input = g_strdup ("lecture");
      g_assert_true (tb_store_write_output (store, run, output, &error));
      g_assert_no_error (error);
    }
  outputs = tb_store_load_outputs (store, run);
  g_assert_cmpuint (outputs->len, ==, 4);
  for (guint i = 0; models[i] != NULL; i++)
    {
      TbOutput *output = g_ptr_array_index (outputs, i);

      g_assert_cmpstr (output->model, ==, models[i]);
      g_assert_cmpfloat_with_epsilon (output->cost.usd, 0.001 * (i + 1), 1e-12);
      g_assert_nonnull (output->updated_at);
    }

  /* a run of an older version: its model's file under the old name is found */
  g_strfreev (run->models);
  run->models = g_strsplit ("x/old model", ",", -1);
  legacy_node = tb_output_to_json (legacy);
  legacy_path = g_build_filename (run->dir, "outputs", "x__old_model.json", NULL);
  g_assert_true (tb_json_write_file (legacy_path, legacy_node, &error));
  g_clear_pointer (&outputs, g_ptr_array_unref);
  outputs = tb_store_load_outputs (store, run);
  g_assert_cmpuint (outputs->len, ==, 1);
  g_assert_cmpstr (((TbOutput *) g_ptr_array_index (outputs, 0))->model, ==, "x/old model");
  g_assert_cmpstr (((TbOutput *) g_ptr_array_index (outputs, 0))->input, ==, "lecture");
  tb_store_unlock_run (store, run);
}


/* A lean load is the whole load without what the verdict does not read — the outputs'
 * texts and details, the judges' reasoning — and nothing else differs. */
static void
test_lean_load (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/x", "b/y", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models, NULL);
  g_autoptr(TbJudgment) judgment = tb_judgment_new ();
  g_autoptr(TbRunData) whole = NULL;
  g_autoptr(TbRunData) lean = NULL;
  g_autoptr(TbRunData) lean_for = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; models[i] != NULL; i++)
    {
      g_autoptr(TbOutput) output = make_output (models[i], i == 0 ? TB_OUTPUT_OK
                                                                  : TB_OUTPUT_FAILED,
                                                0.001, TRUE, 0, FALSE);

      output->error_message = i == 0 ? NULL : g_strdup ("HTTP 500");
      g_assert_true (tb_store_write_output (store, run, output, &error));
      g_assert_no_error (error);
    }
  judgment->judge_model = g_strdup ("j/one");
  g_ptr_array_add (judgment->scores, make_score ("a/x", 70, 0.0001));
  g_assert_true (tb_store_write_judgment (store, run, judgment, &error));
  g_assert_no_error (error);
  tb_store_unlock_run (store, run);

  whole = tb_store_load_run_data (store, run->id, &error);
  g_assert_no_error (error);
  lean = tb_store_load_run_data_lean (store, run->id, &error);
  g_assert_no_error (error);
  lean_for = tb_store_load_run_data_lean_for (store, tb_store_load_run (store, run->id, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (((TbOutput *) g_ptr_array_index (whole->outputs, 0))->content, ==, "[]");

  g_assert_cmpuint (lean->outputs->len, ==, whole->outputs->len);
  g_assert_cmpuint (lean_for->outputs->len, ==, whole->outputs->len);
  for (guint i = 0; i < whole->outputs->len; i++)
    {
      TbOutput *full = g_ptr_array_index (whole->outputs, i);
      g_autoptr(JsonNode) lean_node = tb_output_to_json (g_ptr_array_index (lean->outputs, i));
      g_autoptr(JsonNode) lean_for_node =
        tb_output_to_json (g_ptr_array_index (lean_for->outputs, i));
      g_autoptr(JsonNode) full_node = NULL;

      g_assert_null (((TbOutput *) g_ptr_array_index (lean->outputs, i))->content);
      g_assert_null (((TbOutput *) g_ptr_array_index (lean->outputs, i))->error_message);
      tb_output_let_go_of_details (full);
      full_node = tb_output_to_json (full);
      g_assert_true (json_node_equal (lean_node, full_node));
      g_assert_true (json_node_equal (lean_for_node, full_node));
    }
  g_assert_cmpuint (lean->judgments->len, ==, 1);
  g_assert_cmpuint (((TbJudgment *) g_ptr_array_index (lean->judgments, 0))->scores->len, ==, 1);
  g_assert_nonnull (((TbScore *) g_ptr_array_index (
    ((TbJudgment *) g_ptr_array_index (whole->judgments, 0))->scores, 0))->reasoning);
  g_assert_null (((TbScore *) g_ptr_array_index (
    ((TbJudgment *) g_ptr_array_index (lean->judgments, 0))->scores, 0))->reasoning);
  g_assert_cmpuint (lean->ratings->len, ==, whole->ratings->len);
}

static void
test_list_and_load (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/x", NULL };
  g_autoptr(TbRun) older = create_run (store, "uc", "20261125T100000Z-0001", models, NULL);
  g_autoptr(TbRun) newer = create_run (store, "uc", "20261125T110000Z-0002", models, NULL);
  g_autoptr(TbRun) elsewhere = create_run (store, "other", "20261125T120000Z-0003", models, NULL);
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(TbRun) found = NULL;
  g_autoptr(TbRun) missing = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *results = tb_store_results_dir (store);
  g_autofree char *broken = g_build_filename (results, "uc", "20261125T090000Z-0000", NULL);
  g_autofree char *broken_json = g_build_filename (broken, "run.json", NULL);

  g_assert_cmpint (g_mkdir_with_parents (broken, 0755), ==, 0);
  g_assert_true (g_file_set_contents (broken_json, "{ not json", -1, NULL));

  g_test_expect_message ("tb-store", G_LOG_LEVEL_WARNING, "Skipping run 20261125T090000Z-0000*");
  runs = tb_store_list_runs (store, "uc");
  g_test_assert_expected_messages ();
  g_assert_cmpuint (runs->len, ==, 2);
  g_assert_cmpstr (((TbRun *) g_ptr_array_index (runs, 0))->id, ==, newer->id);
  g_assert_cmpstr (((TbRun *) g_ptr_array_index (runs, 1))->id, ==, older->id);

  ids = tb_store_list_usecase_ids (store);
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (ids, 0), ==, "other");

  found = tb_store_load_run (store, elsewhere->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->usecase, ==, "other");

  missing = tb_store_load_run (store, "20261125T130000Z-0004", &error);
  g_assert_error (error, TB_ERROR, TB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (tb_store_load_run (store, "../../etc", &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);

  tb_store_unlock_run (store, older);
  tb_store_unlock_run (store, newer);
  tb_store_unlock_run (store, elsewhere);
}

static void
test_judgments (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/x", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models, NULL);
  g_autoptr(TbJudgment) first = tb_judgment_new ();
  g_autoptr(TbJudgment) second = tb_judgment_new ();
  g_autoptr(GPtrArray) judgments = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *claimed = NULL;

  first->judge_model = g_strdup ("j/one");
  g_ptr_array_add (first->scores, make_score ("a/x", 70, 0.001));
  second->judge_model = g_strdup ("j/two");
  g_ptr_array_add (second->scores, make_score ("a/x", 80, 0.001));

  /* two passes in the same second get two files, the later one the newest */
  g_assert_true (tb_store_write_judgment (store, run, first, &error));
  g_assert_true (tb_store_write_judgment (store, run, second, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (first->file, !=, second->file);

  /* a rewrite keeps its file */
  second->best_overall = g_strdup ("a/x");
  {
    g_autofree char *before = g_strdup (second->file);

    g_assert_true (tb_store_write_judgment (store, run, second, &error));
    g_assert_cmpstr (second->file, ==, before);
  }

  /* an empty file, a name older versions claimed before writing: skipped */
  claimed = g_build_filename (run->dir, "judgments", "29991231T235959Z.json", NULL);
  g_assert_true (g_file_set_contents (claimed, "", 0, NULL));

  judgments = tb_store_load_judgments (store, run);
  g_assert_cmpuint (judgments->len, ==, 2);
  g_assert_cmpstr (((TbJudgment *) g_ptr_array_index (judgments, 0))->judge_model, ==, "j/two");
  g_assert_cmpstr (((TbJudgment *) g_ptr_array_index (judgments, 0))->best_overall, ==, "a/x");

  /* a pairwise pass after them compares, it does not score: the run's best score stays
   * the newest pointwise pass's */
  {
    g_autoptr(TbJudgment) pairwise = tb_judgment_new ();
    g_autoptr(TbRunData) data = NULL;
    g_autoptr(TbRunSummary) summary = NULL;

    g_usleep (1100 * 1000);
    pairwise->judge_model = g_strdup ("j/two");
    pairwise->mode = g_strdup ("pairwise");
    g_assert_true (tb_store_write_judgment (store, run, pairwise, &error));
    data = tb_store_load_run_data (store, run->id, &error);
    g_assert_no_error (error);
    summary = tb_run_summary_new_for (data);
    g_assert_cmpuint (summary->judgments, ==, 3);
    g_assert_true (summary->has_best);
    g_assert_cmpfloat (summary->best_score, ==, 80);
  }
  tb_store_unlock_run (store, run);
}

static void
test_delete (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  g_autoptr(TbStore) other = tb_store_new (home);
  const char *models[] = { "a/x", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models, NULL);
  g_autoptr(TbRun) outside = tb_run_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *keep = g_build_filename (home, "precious", NULL);

  /* a run another holder works on stays */
  g_assert_false (tb_store_delete_run (other, run, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_BUSY);
  g_clear_error (&error);

  /* never a folder outside results/<usecase>/<run-id> */
  g_assert_cmpint (g_mkdir_with_parents (keep, 0755), ==, 0);
  outside->id = g_strdup ("20261125T121619Z-5cff");
  outside->dir = g_strdup (keep);
  g_assert_false (tb_store_delete_run (store, outside, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (g_file_test (keep, G_FILE_TEST_IS_DIR));

  g_assert_true (tb_store_delete_run (store, run, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (run->dir, G_FILE_TEST_EXISTS));
}

/* ---- rollup of a run ------------------------------------------------------------------ */

static void
test_rollup (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/billed", "b/inline", "c/unknown", "d/cancelled", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models, NULL);
  g_autoptr(TbRunData) data = NULL;
  g_autoptr(TbJudgment) one = tb_judgment_new ();
  g_autoptr(TbJudgment) two = tb_judgment_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRunSummary) summary = NULL;
  TbOutput *outputs[4];
  TbRollup rollup;
  g_autofree char *run_id = g_strdup (run->id);

  outputs[0] = make_output ("a/billed", TB_OUTPUT_OK, 0.001, TRUE, 0.002, TRUE);
  outputs[1] = make_output ("b/inline", TB_OUTPUT_OK, 0.003, TRUE, 0, FALSE);
  outputs[2] = make_output ("c/unknown", TB_OUTPUT_OK, 0, FALSE, 0, FALSE);
  outputs[3] = make_output ("d/cancelled", TB_OUTPUT_CANCELLED, 0, FALSE, 0, FALSE);
  memset (&outputs[3]->cost, 0, sizeof outputs[3]->cost);
  memset (&outputs[3]->usage, 0, sizeof outputs[3]->usage);
  outputs[3]->attempts = 0;
  for (guint i = 0; i < G_N_ELEMENTS (outputs); i++)
    {
      g_assert_true (tb_store_write_output (store, run, outputs[i], &error));
      tb_output_free (outputs[i]);
    }
  g_ptr_array_add (one->scores, make_score ("a/billed", 90, 0.01));
  g_ptr_array_add (one->scores, make_score ("b/inline", 60, 0.01));
  g_ptr_array_add (two->scores, make_score ("a/billed", 70, 0.02));
  tb_judgment_settle_cost (one);
  tb_judgment_settle_cost (two);
  g_assert_true (tb_store_write_judgment (store, run, one, &error));
  g_assert_true (tb_store_write_judgment (store, run, two, &error));
  tb_store_unlock_run (store, run);

  data = tb_store_load_run_data (store, run_id, &error);
  g_assert_no_error (error);
  tb_rollup_of_run (data, &rollup);
  g_assert_cmpuint (rollup.runs, ==, 1);
  /* the cancelled output never sent is no call; the unknown one is a call of unknown cost */
  g_assert_cmpuint (rollup.candidate_calls, ==, 3);
  g_assert_cmpuint (rollup.unknown_calls, ==, 1);
  g_assert_cmpfloat_with_epsilon (rollup.candidate_usd, 0.005, 1e-12);
  /* every judgment was paid: each re-judge counts */
  g_assert_cmpuint (rollup.judge_calls, ==, 3);
  g_assert_cmpfloat_with_epsilon (rollup.judge_usd, 0.04, 1e-12);
  g_assert_cmpfloat_with_epsilon (rollup.total_usd, 0.045, 1e-12);
  g_assert_cmpint (rollup.candidate_usage.prompt_tokens, ==, 300);
  g_assert_cmpint (rollup.judge_usage.prompt_tokens, ==, 150);

  summary = tb_run_summary_new_for (data);
  g_assert_cmpuint (summary->outputs_ok, ==, 3);
  g_assert_cmpuint (summary->cells, ==, 4);
  g_assert_cmpuint (summary->judgments, ==, 2);
  /* the latest judgment's best */
  g_assert_true (summary->has_best);
  g_assert_cmpfloat (summary->best_score, ==, 70);
  g_assert_cmpstr (summary->best_model, ==, "a/billed");
  g_assert_true (tb_run_summary_is_judgeable (summary));
  g_assert_cmpstr (summary->inputs_label, ==, "lecture.md");
}

static guint
count_json_files (const char *dir)
{
  g_autoptr(GDir) folder = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (folder != NULL && (name = g_dir_read_name (folder)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      n++;
  return n;
}

/* A process killed at any moment while it saves judgments leaves only whole files: a new
 * judgment's name never exists empty, waiting for its content. */
static void
test_judgments_killed_writer (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(TbStore) store = tb_store_new (home);
  const char *models[] = { "a/x", NULL };
  g_autoptr(TbRun) run = create_run (store, "uc", NULL, models, NULL);
  g_autofree char *dir = g_build_filename (run->dir, "judgments", NULL);
  g_autoptr(GPtrArray) judgments = NULL;
  g_autoptr(GDir) folder = NULL;
  const char *name;
  guint files = 0;

  for (guint round = 0; round < 8; round++)
    {
      guint before = count_json_files (dir);
      pid_t child = fork ();
      int status;

      g_assert_cmpint (child, >=, 0);
      if (child == 0)
        for (;;)
          {
            g_autoptr(TbJudgment) judgment = tb_judgment_new ();

            judgment->judge_model = g_strdup ("j/one");
            g_ptr_array_add (judgment->scores, make_score ("a/x", 70, 0.001));
            tb_store_write_judgment (store, run, judgment, NULL);
          }
      /* killed at a random moment once it writes (slower under sanitizers) */
      for (guint i = 0; i < 1000 && count_json_files (dir) == before; i++)
        g_usleep (5000);
      g_usleep (g_test_rand_int_range (0, 15000));
      g_assert_cmpint (kill (child, SIGKILL), ==, 0);
      g_assert_cmpint (waitpid (child, &status, 0), ==, child);
    }

  folder = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (folder)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) error = NULL;

      if (!g_str_has_suffix (name, ".json"))
        continue;   /* a temporary file, which no listing takes */
      node = tb_json_read_file (path, TB_STORE_MAX_FILE, &error);
      g_assert_no_error (error);
      files++;
    }
  g_assert_cmpuint (files, >, 0);
  judgments = tb_store_load_judgments (store, run);
  g_assert_cmpuint (judgments->len, ==, files);
  tb_store_unlock_run (store, run);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/store/create-run", test_create_run);
  g_test_add_func ("/store/create-test-set", test_create_test_set);
  g_test_add_func ("/store/create-refusals", test_create_refusals);
  g_test_add_func ("/store/tidy", test_tidy);
  g_test_add_func ("/store/tidy-race", test_tidy_race);
  g_test_add_func ("/store/abandoned-creation", test_abandoned_creation);
  g_test_add_func ("/store/lock", test_lock);
  g_test_add_func ("/store/lock-race", test_lock_race);
  g_test_add_func ("/store/lock-glance", test_lock_glance);
  g_test_add_func ("/store/outputs-and-legacy-names", test_outputs_and_legacy_names);
  g_test_add_func ("/store/list-and-load", test_list_and_load);
  g_test_add_func ("/store/lean-load", test_lean_load);
  g_test_add_func ("/store/judgments", test_judgments);
  g_test_add_func ("/store/judgments-killed-writer", test_judgments_killed_writer);
  g_test_add_func ("/store/delete", test_delete);
  g_test_add_func ("/store/rollup", test_rollup);

  return g_test_run ();
}
