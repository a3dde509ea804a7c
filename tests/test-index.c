/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The index: a real SQLite file that must always agree with the files — when they change,
 * when runs go, when the index is deleted or corrupt, and when another process uses it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tb-core.h"

typedef struct {
  char    *home;
  TbStore *store;
  TbIndex *index;
  GPtrArray *ids;    /* run ids made */
} Fixture;

/* Files written long ago: the index trusts what it read of them (newer ones it reads again
 * every time, since the file system's clock may not have moved yet). */
static void
backdate_tree (const char *path)
{
  struct timespec times[2] = { { 1600000000, 0 }, { 1600000000, 0 } };
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        backdate_tree (child);
      else
        utimensat (AT_FDCWD, child, times, 0);
    }
  utimensat (AT_FDCWD, path, times, 0);
}

static void
make_run (Fixture    *fixture,
          const char *usecase,
          const char *id,
          double      usd,
          double      score,
          gboolean    simulated)
{
  g_autoptr(TbRun) run = tb_run_new ();
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func
                                  ((GDestroyNotify) tb_test_input_free);
  g_autoptr(GPtrArray) prompts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TbOutput) output = tb_output_new ("a/x");
  g_autoptr(TbJudgment) judgment = tb_judgment_new ();
  g_autoptr(GError) error = NULL;
  TbScore *one = tb_score_new ("a/x");

  g_ptr_array_add (inputs, tb_test_input_new (NULL, "in.txt", "text\n", 5));
  g_ptr_array_add (prompts, g_strdup ("prompt"));
  run->id = g_strdup (id);
  run->usecase = g_strdup (usecase);
  run->usecase_snapshot = g_strdup ("name: N\ngoal: G\n");
  g_strfreev (run->models);
  run->models = g_strsplit ("a/x", ",", -1);
  run->simulated = simulated;
  g_assert_true (tb_store_create_run (fixture->store, run, inputs, prompts, &error));
  g_assert_no_error (error);

  output->input = g_strdup ("in");
  output->status = TB_OUTPUT_OK;
  output->content = g_strdup ("out");
  output->attempts = 1;
  output->cost.has_inline = TRUE;
  output->cost.inline_usd = usd;
  tb_cost_settle (&output->cost);
  output->usage.prompt_tokens = 10;
  g_assert_true (tb_store_write_output (fixture->store, run, output, &error));

  judgment->judge_model = g_strdup ("j/x");
  one->overall = score;
  one->cost.has_inline = TRUE;
  one->cost.inline_usd = usd / 10;
  tb_cost_settle (&one->cost);
  g_ptr_array_add (judgment->scores, one);
  g_assert_true (tb_store_write_judgment (fixture->store, run, judgment, &error));

  run->status = TB_RUN_DONE;
  g_assert_true (tb_store_save_run (fixture->store, run, &error));
  tb_store_unlock_run (fixture->store, run);
  backdate_tree (run->dir);
  g_ptr_array_add (fixture->ids, g_strdup (run->id));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->home = g_build_filename (g_get_user_data_dir (), "home", NULL);
  fixture->store = tb_store_new (fixture->home);
  fixture->index = tb_index_new (fixture->store);
  fixture->ids = g_ptr_array_new_with_free_func (g_free);
  make_run (fixture, "alpha", "20250101T000000Z-0001", 0.001, 70, FALSE);
  make_run (fixture, "alpha", "20250101T000100Z-0002", 0.002, 80, FALSE);
  make_run (fixture, "beta", "20250101T000200Z-0003", 0.004, 90, FALSE);
  make_run (fixture, "beta", "20250101T000300Z-0004", 1.000, 50, TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->index);
  g_clear_object (&fixture->store);
  g_clear_pointer (&fixture->ids, g_ptr_array_unref);
  g_free (fixture->home);
}

/* The sums the files give, read without the index. */
static void
rollup_from_files (Fixture    *fixture,
                   const char *usecase,
                   TbRollup   *real)
{
  g_autoptr(GPtrArray) usecases = tb_store_list_usecase_ids (fixture->store);

  memset (real, 0, sizeof *real);
  for (guint u = 0; u < usecases->len; u++)
    {
      g_autoptr(GPtrArray) runs = NULL;

      if (usecase != NULL && g_strcmp0 (usecase, g_ptr_array_index (usecases, u)) != 0)
        continue;
      runs = tb_store_list_runs (fixture->store, g_ptr_array_index (usecases, u));
      for (guint i = 0; i < runs->len; i++)
        {
          g_autoptr(TbRunData) data = tb_store_load_run_data_for (fixture->store,
                                                                  g_ptr_array_steal_index (runs, i--));
          TbRollup part;

          tb_rollup_of_run (data, &part);
          if (!data->run->simulated)
            tb_rollup_add (real, &part);
        }
    }
}

static void
assert_rollups_equal (const TbRollup *a,
                      const TbRollup *b)
{
  g_assert_cmpuint (a->runs, ==, b->runs);
  g_assert_cmpuint (a->candidate_calls, ==, b->candidate_calls);
  g_assert_cmpuint (a->judge_calls, ==, b->judge_calls);
  g_assert_cmpfloat_with_epsilon (a->candidate_usd, b->candidate_usd, 1e-12);
  g_assert_cmpfloat_with_epsilon (a->judge_usd, b->judge_usd, 1e-12);
  g_assert_cmpfloat_with_epsilon (a->total_usd, b->total_usd, 1e-12);
  g_assert_cmpint (a->candidate_usage.prompt_tokens, ==, b->candidate_usage.prompt_tokens);
  g_assert_cmpuint (a->unknown_calls, ==, b->unknown_calls);
}

static void
assert_agrees (Fixture *fixture)
{
  TbRollup index_real, index_simulated, files_real;
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_index_rollup (fixture->index, NULL, &index_real, &index_simulated, NULL,
                                  &error));
  g_assert_no_error (error);
  rollup_from_files (fixture, NULL, &files_real);
  assert_rollups_equal (&index_real, &files_real);
}

static void
test_lists_and_sums (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) alpha = NULL;
  g_autoptr(GHashTable) per_usecase = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                             g_free);
  g_autoptr(GError) error = NULL;
  TbRollup real, simulated, files;
  TbRunSummary *newest;

  alpha = tb_index_list_runs (fixture->index, "alpha", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (alpha->len, ==, 2);
  newest = g_ptr_array_index (alpha, 0);
  g_assert_cmpstr (newest->id, ==, "20250101T000100Z-0002");
  g_assert_cmpint (newest->status, ==, TB_RUN_DONE);
  g_assert_true (newest->has_best);
  g_assert_cmpfloat (newest->best_score, ==, 80);
  g_assert_cmpfloat_with_epsilon (newest->rollup.candidate_usd, 0.002, 1e-12);
  g_assert_true (g_file_test (tb_index_get_path (fixture->index), G_FILE_TEST_IS_REGULAR));

  g_assert_true (tb_index_rollup (fixture->index, NULL, &real, &simulated, per_usecase, &error));
  /* the simulated run is summed apart, never into real money */
  g_assert_cmpuint (real.runs, ==, 3);
  g_assert_cmpuint (simulated.runs, ==, 1);
  g_assert_cmpfloat_with_epsilon (simulated.candidate_usd, 1.0, 1e-12);
  rollup_from_files (fixture, NULL, &files);
  assert_rollups_equal (&real, &files);
  g_assert_cmpuint (((TbRollup *) g_hash_table_lookup (per_usecase, "alpha"))->runs, ==, 2);
  g_assert_cmpuint (((TbRollup *) g_hash_table_lookup (per_usecase, "beta"))->runs, ==, 1);

  g_assert_true (tb_index_rollup (fixture->index, "alpha", &real, NULL, NULL, &error));
  rollup_from_files (fixture, "alpha", &files);
  assert_rollups_equal (&real, &files);

  /* served from the index the second time, still the same */
  assert_agrees (fixture);
}

/* A run changed by another process (a new judgment, an edited file) or deleted shows as
 * it is now, not as the index last saw it. */
static void
test_follows_the_files (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GPtrArray) gone = NULL;
  g_autoptr(TbRun) run = NULL;
  g_autoptr(TbJudgment) judgment = tb_judgment_new ();
  g_autoptr(GError) error = NULL;
  TbScore *score = tb_score_new ("a/x");

  before = tb_index_list_runs (fixture->index, "alpha", &error);
  g_assert_cmpfloat (((TbRunSummary *) g_ptr_array_index (before, 1))->best_score, ==, 70);

  run = tb_store_load_run (fixture->store, "20250101T000000Z-0001", &error);
  judgment->judge_model = g_strdup ("j/y");
  score->overall = 95;
  g_ptr_array_add (judgment->scores, score);
  g_assert_true (tb_store_write_judgment (fixture->store, run, judgment, &error));

  /* outside the one-check-per-command window */
  g_usleep (600 * 1000);
  after = tb_index_list_runs (fixture->index, "alpha", &error);
  g_assert_cmpfloat (((TbRunSummary *) g_ptr_array_index (after, 1))->best_score, ==, 95);
  g_assert_cmpuint (((TbRunSummary *) g_ptr_array_index (after, 1))->judgments, ==, 2);
  assert_agrees (fixture);

  g_assert_true (tb_store_delete_run (fixture->store, run, &error));
  g_usleep (600 * 1000);
  gone = tb_index_list_runs (fixture->index, "alpha", &error);
  g_assert_cmpuint (gone->len, ==, 1);
  assert_agrees (fixture);
}

/* The same size and a new time: an edit in place is seen too. */
static void
test_edit_in_place (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = tb_store_find_run_dir (fixture->store, "20250101T000300Z-0004");
  g_autofree char *path = g_build_filename (dir, "run.json", NULL);
  g_autofree char *text = NULL;
  char *status;
  int fd;

  before = tb_index_list_runs (fixture->index, "beta", &error);
  g_assert_cmpint (((TbRunSummary *) g_ptr_array_index (before, 0))->status, ==, TB_RUN_DONE);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  status = strstr (text, "\"done\"");
  g_assert_nonnull (status);
  memcpy (status, "\"fail\"", 6);   /* same length, an unknown status */
  fd = open (path, O_WRONLY);
  g_assert_cmpint (write (fd, text, strlen (text)), ==, (gssize) strlen (text));
  close (fd);

  g_usleep (600 * 1000);
  after = tb_index_list_runs (fixture->index, "beta", &error);
  g_assert_cmpint (((TbRunSummary *) g_ptr_array_index (after, 0))->status, !=, TB_RUN_DONE);
}

/* A deleted or corrupt index is a cache: made anew, and nothing is lost. */
static void
test_rebuilt (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *path = g_strdup (tb_index_get_path (fixture->index));
  g_autoptr(TbIndex) fresh = NULL;
  g_autoptr(TbIndex) after_corruption = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  assert_agrees (fixture);
  g_clear_object (&fixture->index);

  g_assert_cmpint (g_unlink (path), ==, 0);
  fresh = tb_index_new (fixture->store);
  fixture->index = g_object_ref (fresh);
  assert_agrees (fixture);
  g_clear_object (&fixture->index);
  g_clear_object (&fresh);

  g_unlink (wal);
  g_unlink (shm);
  g_assert_true (g_file_set_contents (path, "this is not an SQLite database, not at all", -1,
                                      NULL));
  after_corruption = tb_index_new (fixture->store);
  fixture->index = g_object_ref (after_corruption);
  runs = tb_index_list_runs (fixture->index, "alpha", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
  assert_agrees (fixture);

  g_assert_true (tb_index_rebuild (fixture->index, &error));
  assert_agrees (fixture);
}

static gint64
query_int (const char *path,
           const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

/* An index written by another version (other tables, 4 KB pages) is made anew, and the
 * answers are the files'. */
static void
test_other_version (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *path = g_strdup (tb_index_get_path (fixture->index));
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  assert_agrees (fixture);
  g_clear_object (&fixture->index);
  g_assert_cmpint (query_int (path, "PRAGMA page_size"), ==, 16384);

  /* What an older TaskBench left: its own version, a smaller page, a wrong sum. */
  g_assert_true (g_unlink (path) == 0 || errno == ENOENT);
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                    NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA page_size=4096;"
                                 "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
                                 "INSERT INTO meta VALUES ('version', '4');"
                                 "CREATE TABLE runs (id TEXT PRIMARY KEY, usecase TEXT);"
                                 "INSERT INTO runs VALUES ('x', 'alpha');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  fixture->index = tb_index_new (fixture->store);
  runs = tb_index_list_runs (fixture->index, "alpha", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
  assert_agrees (fixture);
  g_clear_object (&fixture->index);
  g_assert_cmpint (query_int (path, "PRAGMA page_size"), ==, 16384);
  g_assert_cmpint (query_int (path, "SELECT COUNT(*) FROM runs WHERE id = 'x'"), ==, 0);
  fixture->index = tb_index_new (fixture->store);
}

/* When SQLite cannot be used at all, the answers come from the files. */
static void
test_unusable (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  const char *path = tb_index_get_path (fixture->index);
  g_autofree char *inside = g_build_filename (path, "keep", NULL);

  /* a folder where the file must be, with something in it so it cannot be removed */
  g_assert_cmpint (g_mkdir_with_parents (inside, 0755), ==, 0);
  g_test_expect_message ("tb-index", G_LOG_LEVEL_WARNING, "The index * cannot be used*");
  runs = tb_index_list_runs (fixture->index, "alpha", &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 2);
  assert_agrees (fixture);
}

/* The CLI and the window use the index at the same time. */
static void
test_two_processes (Fixture       *fixture,
                    gconstpointer  data)
{
  pid_t child;
  int status;

  assert_agrees (fixture);
  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      g_autoptr(TbStore) store = tb_store_new (fixture->home);
      g_autoptr(TbIndex) index = tb_index_new (store);

      for (guint i = 0; i < 40; i++)
        {
          TbRollup real;

          if (!tb_index_rebuild (index, NULL)
              || !tb_index_rollup (index, NULL, &real, NULL, NULL, NULL) || real.runs != 3)
            _exit (1);
        }
      _exit (0);
    }
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(GPtrArray) runs = tb_index_list_runs (fixture->index, "beta", NULL);

      g_assert_nonnull (runs);
      g_assert_cmpuint (runs->len, ==, 2);
      assert_agrees (fixture);
    }
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

static void
test_get_run (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(TbRunSummary) summary = NULL;
  g_autoptr(GError) error = NULL;

  summary = tb_index_get_run (fixture->index, "20250101T000200Z-0003", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (summary->usecase, ==, "beta");
  g_assert_null (tb_index_get_run (fixture->index, "20250101T000200Z-9999", &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_NOT_FOUND);
}

static TbScore *
judged (const char *model,
        const char *judge,
        double      usd)
{
  TbScore *score = tb_score_new (model);

  score->judge = g_strdup (judge);
  score->overall = 50;
  score->usage.prompt_tokens = 7;
  if (usd >= 0)
    {
      score->cost.has_inline = TRUE;
      score->cost.inline_usd = usd;
    }
  tb_cost_settle (&score->cost);
  return score;
}

static void
write_output (Fixture    *fixture,
              TbRun      *run,
              const char *model,
              double      usd)
{
  g_autoptr(TbOutput) output = tb_output_new (model);
  g_autoptr(GError) error = NULL;

  output->input = g_strdup ("in");
  output->status = TB_OUTPUT_OK;
  output->content = g_strdup ("out");
  output->attempts = 1;
  output->usage.prompt_tokens = 10;
  if (usd >= 0)
    {
      output->cost.has_inline = TRUE;
      output->cost.inline_usd = usd;
    }
  tb_cost_settle (&output->cost);
  g_assert_true (tb_store_write_output (fixture->store, run, output, &error));
  g_assert_no_error (error);
}

static const TbModelRollup *
find_model (GPtrArray  *models,
            const char *model)
{
  for (guint i = 0; i < models->len; i++)
    if (g_strcmp0 (((TbModelRollup *) g_ptr_array_index (models, i))->model, model) == 0)
      return g_ptr_array_index (models, i);
  g_assert_not_reached ();
}

/* Cost per model: a candidate's calls and each judge's apart, over every judgment (each
 * re-judge was paid); the models add up to the use case's rollup, and a cost nobody knows
 * stays unknown, never $0 counted as known. */
static void
test_per_model (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(TbRun) run = tb_run_new ();
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func
                                  ((GDestroyNotify) tb_test_input_free);
  g_autoptr(GPtrArray) prompts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TbJudgment) jury = tb_judgment_new ();
  g_autoptr(TbJudgment) rejudge = tb_judgment_new ();
  g_autoptr(GPtrArray) models = NULL;
  g_autoptr(GPtrArray) alpha = NULL;
  g_autoptr(GPtrArray) simulated = NULL;
  g_autoptr(GError) error = NULL;
  TbRollup usecase, sum = { 0 };
  const TbModelRollup *entry;

  g_ptr_array_add (inputs, tb_test_input_new (NULL, "in.txt", "text\n", 5));
  g_ptr_array_add (prompts, g_strdup ("prompt"));
  run->id = g_strdup ("20250102T000000Z-0005");
  run->usecase = g_strdup ("gamma");
  run->usecase_snapshot = g_strdup ("name: N\ngoal: G\n");
  g_strfreev (run->models);
  run->models = g_strsplit ("a/x,b/y", ",", -1);
  g_assert_true (tb_store_create_run (fixture->store, run, inputs, prompts, &error));
  g_assert_no_error (error);
  write_output (fixture, run, "a/x", 0.01);
  write_output (fixture, run, "b/y", -1);   /* nobody knows what it cost */

  jury->judge_model = g_strdup ("j/x");
  g_ptr_array_add (jury->scores, judged ("a/x", "j/x", 0.001));
  g_ptr_array_add (jury->scores, judged ("b/y", "k/y", 0.003));
  g_ptr_array_add (jury->scores, judged ("a/x", "k/y", -1));
  g_assert_true (tb_store_write_judgment (fixture->store, run, jury, &error));
  rejudge->judge_model = g_strdup ("j/x");
  g_ptr_array_add (rejudge->scores, judged ("a/x", NULL, 0.002));  /* the judgment's judge */
  g_assert_true (tb_store_write_judgment (fixture->store, run, rejudge, &error));
  run->status = TB_RUN_DONE;
  g_assert_true (tb_store_save_run (fixture->store, run, &error));
  tb_store_unlock_run (fixture->store, run);

  models = tb_index_rollup_models (fixture->index, "gamma", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, ==, 4);
  g_assert_cmpstr (((TbModelRollup *) g_ptr_array_index (models, 0))->model, ==, "a/x");

  entry = find_model (models, "a/x");
  g_assert_cmpuint (entry->rollup.runs, ==, 1);
  g_assert_cmpuint (entry->rollup.candidate_calls, ==, 1);
  g_assert_cmpuint (entry->rollup.judge_calls, ==, 0);
  g_assert_cmpfloat_with_epsilon (entry->rollup.candidate_usd, 0.01, 1e-12);
  g_assert_cmpuint (entry->rollup.unknown_calls, ==, 0);

  entry = find_model (models, "b/y");
  g_assert_cmpuint (entry->rollup.candidate_calls, ==, 1);
  g_assert_cmpuint (entry->rollup.unknown_calls, ==, 1);
  g_assert_cmpfloat (entry->rollup.candidate_usd, ==, 0);

  entry = find_model (models, "j/x");
  g_assert_cmpuint (entry->rollup.candidate_calls, ==, 0);
  g_assert_cmpuint (entry->rollup.judge_calls, ==, 2);
  g_assert_cmpfloat_with_epsilon (entry->rollup.judge_usd, 0.003, 1e-12);

  entry = find_model (models, "k/y");
  g_assert_cmpuint (entry->rollup.judge_calls, ==, 2);
  g_assert_cmpuint (entry->rollup.unknown_calls, ==, 1);
  g_assert_cmpfloat_with_epsilon (entry->rollup.judge_usd, 0.003, 1e-12);

  /* the models add up to the use case, which is the sum of its files */
  for (guint i = 0; i < models->len; i++)
    {
      TbRollup part = ((TbModelRollup *) g_ptr_array_index (models, i))->rollup;

      part.runs = 0;
      tb_rollup_add (&sum, &part);
    }
  sum.runs = 1;
  g_assert_true (tb_index_rollup (fixture->index, "gamma", &usecase, NULL, NULL, &error));
  assert_rollups_equal (&sum, &usecase);
  rollup_from_files (fixture, "gamma", &usecase);
  assert_rollups_equal (&sum, &usecase);
  g_assert_cmpuint (sum.estimated_calls, ==, usecase.estimated_calls);

  /* read back from the database by another index (the entries' signatures hold): the same
   * per-model sums, which the run list does not carry */
  {
    g_autoptr(TbIndex) again = tb_index_new (fixture->store);
    g_autoptr(GPtrArray) listed = tb_index_list_runs (again, "gamma", &error);
    g_autoptr(GPtrArray) reread = tb_index_rollup_models (again, "gamma", FALSE, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (listed->len, ==, 1);
    g_assert_cmpuint (reread->len, ==, models->len);
    for (guint i = 0; i < models->len; i++)
      {
        const TbModelRollup *a = g_ptr_array_index (models, i);
        const TbModelRollup *b = find_model (reread, a->model);

        g_assert_nonnull (b);
        assert_rollups_equal (&a->rollup, &b->rollup);
      }
  }

  /* over runs: alpha's two runs of one model and one judge; simulated runs apart */
  alpha = tb_index_rollup_models (fixture->index, "alpha", FALSE, &error);
  g_assert_cmpuint (alpha->len, ==, 2);
  entry = find_model (alpha, "a/x");
  g_assert_cmpuint (entry->rollup.runs, ==, 2);
  g_assert_cmpfloat_with_epsilon (entry->rollup.candidate_usd, 0.003, 1e-12);
  entry = find_model (alpha, "j/x");
  g_assert_cmpfloat_with_epsilon (entry->rollup.judge_usd, 0.0003, 1e-12);
  simulated = tb_index_rollup_models (fixture->index, "beta", TRUE, &error);
  g_assert_cmpuint (simulated->len, ==, 2);
  g_assert_cmpfloat_with_epsilon (find_model (simulated, "a/x")->rollup.candidate_usd, 1.0,
                                  1e-12);
  g_clear_pointer (&simulated, g_ptr_array_unref);
  simulated = tb_index_rollup_models (fixture->index, "beta", FALSE, &error);
  g_assert_cmpfloat_with_epsilon (find_model (simulated, "a/x")->rollup.candidate_usd, 0.004,
                                  1e-12);
}

static void
exec_sql (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

static char *
summary_text (const TbUsecaseSummary *summary)
{
  g_autoptr(JsonNode) node = tb_usecase_summary_to_json (summary);

  return tb_json_to_string (node, FALSE);
}

/* A use case's summary is kept in the index for its runs' files as they are: read from
 * there while they stay so (the same summary as from the files), made anew when a run
 * changes or comes, and never kept for runs written too lately to vouch for. */
static void
test_summary_kept (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(TbUsecaseSummary) fresh = NULL;
  g_autoptr(TbUsecaseSummary) kept = NULL;
  g_autoptr(TbUsecaseSummary) marked = NULL;
  g_autoptr(TbUsecaseSummary) after = NULL;
  g_autoptr(TbUsecaseSummary) late = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *fresh_text = NULL;
  g_autofree char *kept_text = NULL;
  const char *path = tb_index_get_path (fixture->index);

  fresh = tb_usecase_summary_load (fixture->store, fixture->index, "alpha", 500, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fresh->judged_runs, ==, 2);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM cache"), ==, 1);

  kept = tb_usecase_summary_load (fixture->store, fixture->index, "alpha", 500, NULL, &error);
  fresh_text = summary_text (fresh);
  kept_text = summary_text (kept);
  g_assert_cmpstr (kept_text, ==, fresh_text);
  g_assert_cmpuint (kept->runs, ==, fresh->runs);
  g_assert_cmpuint (tb_usecase_summary_wins_of (kept, "a/x"),
                    ==, tb_usecase_summary_wins_of (fresh, "a/x"));

  /* what is kept is what is shown: marked in the index, the mark shows */
  exec_sql (path, "UPDATE cache SET text = replace (text, '\"judged_runs\":2',"
                  " '\"judged_runs\":7')");
  marked = tb_usecase_summary_load (fixture->store, fixture->index, "alpha", 500, NULL, &error);
  g_assert_cmpuint (marked->judged_runs, ==, 7);

  /* another volume is another summary (the cost at volume) */
  g_clear_pointer (&marked, tb_usecase_summary_free);
  marked = tb_usecase_summary_load (fixture->store, fixture->index, "alpha", 1000, NULL, &error);
  g_assert_cmpuint (marked->judged_runs, ==, 2);

  /* a run comes: read from the files again */
  make_run (fixture, "alpha", "20250101T000400Z-0005", 0.003, 95, FALSE);
  tb_index_invalidate (fixture->index, "alpha");
  exec_sql (path, "UPDATE cache SET text = replace (text, '\"judged_runs\":2',"
                  " '\"judged_runs\":7')");
  after = tb_usecase_summary_load (fixture->store, fixture->index, "alpha", 1000, NULL, &error);
  g_assert_cmpuint (after->judged_runs, ==, 3);
  g_assert_cmpstr (after->verdict->best_overall, ==, "a/x");

  /* a run written just now is not vouched for: nothing is kept of it */
  exec_sql (path, "DELETE FROM cache");
  {
    g_autoptr(TbRun) run = NULL;

    run = tb_store_load_run (fixture->store, "20250101T000400Z-0005", &error);
    g_assert_no_error (error);
    g_assert_true (tb_store_save_run (fixture->store, run, &error));
    tb_store_unlock_run (fixture->store, run);
  }
  tb_index_invalidate (fixture->index, "alpha");
  late = tb_usecase_summary_load (fixture->store, fixture->index, "alpha", 1000, NULL, &error);
  g_assert_cmpuint (late->judged_runs, ==, 3);
  g_assert_cmpint (query_int (path, "SELECT count(*) FROM cache"), ==, 0);

  /* nor for a folder that cannot be read: its warning has no signature to follow */
  {
    g_autofree char *broken = g_build_filename (fixture->home, "results", "alpha",
                                                "20250101T000500Z-beef", NULL);
    g_autofree char *json = g_build_filename (broken, "run.json", NULL);
    g_autoptr(TbUsecaseSummary) with_broken = NULL;

    g_assert_cmpint (g_mkdir_with_parents (broken, 0755), ==, 0);
    g_assert_true (g_file_set_contents (json, "{ not json", -1, NULL));
    /* every run old enough to vouch for: only the broken folder stands in the way */
    backdate_tree (fixture->home);
    tb_index_invalidate (fixture->index, "alpha");
    g_test_expect_message ("tb-index", G_LOG_LEVEL_WARNING, "Skipping run *beef*");
    with_broken = tb_usecase_summary_load (fixture->store, fixture->index, "alpha", 1000, NULL,
                                           &error);
    g_test_assert_expected_messages ();
    g_assert_cmpuint (with_broken->warnings->len, ==, 1);
    g_assert_cmpint (query_int (path, "SELECT count(*) FROM cache"), ==, 0);
  }
}

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  ADD ("/index/lists-and-sums", test_lists_and_sums);
  ADD ("/index/follows-the-files", test_follows_the_files);
  ADD ("/index/edit-in-place", test_edit_in_place);
  ADD ("/index/rebuilt", test_rebuilt);
  ADD ("/index/other-version", test_other_version);
  ADD ("/index/unusable", test_unusable);
  ADD ("/index/two-processes", test_two_processes);
  ADD ("/index/get-run", test_get_run);
  ADD ("/index/per-model", test_per_model);
  ADD ("/index/summary-kept", test_summary_kept);

  return g_test_run ();
}
