/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-index"

#define _GNU_SOURCE   /* O_PATH */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tb-error.h"
#include "tb-index.h"
#include "tb-json.h"
#include "tb-usecase.h"
#include "tb-util.h"

/* Bump when the summary or the columns change: an index of another version is rebuilt. */
#define SCHEMA_VERSION "7"

/* A file changed within this many seconds may change again within the same tick of the
 * file system's clock without its time moving: such an entry is read again next time. */
#define RACY_SECONDS 2

struct _TbIndex
{
  GObject   parent_instance;

  TbStore  *store;
  char     *path;
  GMutex    mutex;
  sqlite3  *db;
  gboolean  unusable;   /* SQLite failed even on a fresh file: answer from the files */
  GHashTable *checked;  /* use case id → monotonic time of its last check */
  sqlite3_stmt *insert_run;      /* prepared once: a rebuild writes 10,000 entries */
  sqlite3_stmt *insert_summary;
};

G_DEFINE_FINAL_TYPE (TbIndex, tb_index, G_TYPE_OBJECT)

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
  /* The summaries apart: what every check reads (signatures, sums) stays small; and the
   * per-model sums apart from them, read only by tb_index_rollup_models: a list of 3,000
   * runs does not parse three times the JSON it shows. */
  "CREATE TABLE IF NOT EXISTS summaries (id TEXT PRIMARY KEY, summary TEXT NOT NULL,"
  "  per_model TEXT);"
  "CREATE TABLE IF NOT EXISTS runs ("
  "  id TEXT PRIMARY KEY,"
  "  usecase TEXT NOT NULL,"
  "  signature TEXT NOT NULL,"
  "  racy INTEGER NOT NULL,"
  "  simulated INTEGER NOT NULL,"
  "  candidate_calls INTEGER NOT NULL, judge_calls INTEGER NOT NULL,"
  "  candidate_usd REAL NOT NULL, judge_usd REAL NOT NULL,"
  "  estimated_calls INTEGER NOT NULL, unknown_calls INTEGER NOT NULL,"
  "  candidate_prompt INTEGER NOT NULL, candidate_completion INTEGER NOT NULL,"
  "  candidate_reasoning INTEGER NOT NULL,"
  "  judge_prompt INTEGER NOT NULL, judge_completion INTEGER NOT NULL,"
  "  judge_reasoning INTEGER NOT NULL);"
  "CREATE INDEX IF NOT EXISTS runs_by_usecase ON runs (usecase);"
  /* Documents made from many runs (a use case's summary), each kept with the digest of the
   * runs it was made from. */
  "CREATE TABLE IF NOT EXISTS cache (name TEXT PRIMARY KEY, digest TEXT NOT NULL,"
  "  text TEXT NOT NULL);";

/* ---------------------------------------------------------------------------------------- */
/* Signatures                                                                                */

/* What an entry was read from: "<path>\t<size>\t<mtime ns>" lines, relative to the run's
 * folder, "-" for a folder's size and "absent" for one not made yet. Folders count because
 * every write renames a file into one of them, which moves its time. */
static void
append_stat_at (GString    *signature,
                int         dir_fd,
                const char *dir,
                const char *relative,
                gboolean    is_file,
                gint64      racy_after_ns,
                gboolean   *racy)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);
  struct stat info;

  if (fstatat (dir_fd, path, &info, 0) != 0)
    {
      g_string_append_printf (signature, "%s\t-\tabsent\n", relative);
      return;
    }
  {
    gint64 mtime_ns = (gint64) info.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000)
                      + info.st_mtim.tv_nsec;

    if (mtime_ns >= racy_after_ns)
      *racy = TRUE;
    if (is_file)
      g_string_append_printf (signature, "%s\t%" G_GINT64_FORMAT "\t%" G_GINT64_FORMAT "\n",
                              relative, (gint64) info.st_size, mtime_ns);
    else
      g_string_append_printf (signature, "%s\t-\t%" G_GINT64_FORMAT "\n", relative, mtime_ns);
  }
}

static void
append_stat (GString    *signature,
             const char *dir,
             const char *relative,
             gboolean    is_file,
             gint64      racy_after_ns,
             gboolean   *racy)
{
  append_stat_at (signature, AT_FDCWD, dir, relative, is_file, racy_after_ns, racy);
}

static gint64
racy_threshold_ns (void)
{
  return (g_get_real_time () - RACY_SECONDS * G_USEC_PER_SEC) * 1000;
}

/* The signature of a run as read now; taken before its files are read, so a write during
 * the read makes the entry stale rather than wrong. */
static char *
make_signature (const TbRun *run,
                gboolean    *racy)
{
  GString *signature = g_string_new (NULL);
  gint64 threshold = racy_threshold_ns ();

  /* The folder itself: a folder made in it later (ratings/) moves its time. */
  append_stat (signature, run->dir, ".", FALSE, threshold, racy);
  append_stat (signature, run->dir, "run.json", TRUE, threshold, racy);
  append_stat (signature, run->dir, "outputs", FALSE, threshold, racy);
  if (tb_run_is_test_set (run))
    for (guint i = 0; i < run->inputs->len; i++)
      {
        const TbRunInput *input = g_ptr_array_index (run->inputs, i);
        g_autofree char *relative = g_build_filename ("outputs", input->key, NULL);

        append_stat (signature, run->dir, relative, FALSE, threshold, racy);
      }
  append_stat (signature, run->dir, "judgments", FALSE, threshold, racy);
  if (g_file_test (run->dir, G_FILE_TEST_EXISTS))
    {
      g_autofree char *ratings = g_build_filename (run->dir, "ratings", NULL);

      if (g_file_test (ratings, G_FILE_TEST_IS_DIR))
        append_stat (signature, run->dir, "ratings", FALSE, threshold, racy);
    }
  return g_string_free (signature, FALSE);
}

/* Whether the files still are what `signature` says: one stat per line. */
/* `dir` relative to `dir_fd` (AT_FDCWD: as it is): a use case's folder opened once spares
 * every stat the walk down to it (40,000 stats at 10,000 runs). */
static gboolean
signature_holds (int         dir_fd,
                 const char *dir,
                 const char *signature)
{
  const char *line = signature;
  gint64 threshold = racy_threshold_ns ();
  g_autoptr(GString) now = g_string_new (NULL);
  gboolean racy = FALSE;

  while (line != NULL && *line != '\0')
    {
      const char *tab = strchr (line, '\t');
      const char *end = strchr (line, '\n');
      g_autofree char *relative = NULL;

      if (tab == NULL || end == NULL || tab > end)
        return FALSE;
      relative = g_strndup (line, tab - line);
      g_string_truncate (now, 0);
      append_stat_at (now, dir_fd, dir, relative, tab[1] != '-', threshold, &racy);
      if (now->len != (gsize) (end + 1 - line) || memcmp (now->str, line, now->len) != 0)
        return FALSE;
      line = end + 1;
    }
  return !racy;
}

/* ---------------------------------------------------------------------------------------- */
/* The database                                                                              */

static void
close_db (TbIndex *self)
{
  g_clear_pointer (&self->insert_run, sqlite3_finalize);
  g_clear_pointer (&self->insert_summary, sqlite3_finalize);
  if (self->db != NULL)
    sqlite3_close_v2 (self->db);
  self->db = NULL;
}

static void
remove_files (TbIndex *self)
{
  g_autofree char *wal = g_strconcat (self->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (self->path, "-shm", NULL);

  g_unlink (self->path);
  g_unlink (wal);
  g_unlink (shm);
}

static gboolean
exec (TbIndex    *self,
      const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_debug ("index: %s: %s", sql, message != NULL ? message : "?");
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

static char *
stored_version (TbIndex *self)
{
  sqlite3_stmt *stmt = NULL;
  char *version = NULL;

  if (sqlite3_prepare_v2 (self->db, "SELECT value FROM meta WHERE key = 'version'", -1, &stmt,
                          NULL) != SQLITE_OK)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return version;
}

static gboolean
open_db_once (TbIndex *self)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *version = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    return FALSE;
  if (sqlite3_open_v2 (self->path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                       NULL) != SQLITE_OK)
    {
      close_db (self);
      return FALSE;
    }
  /* The CLI and the window share the file: readers never wait on a writer (WAL), and a
   * writer waits its turn rather than failing. Pages of 16 KB: a run's summary is about
   * 2 KB, and 4 KB pages left a third of the file empty and took four times the reads
   * (10,000 runs: 45 → 27 MB). No memory map: every page a listing touched would stay in
   * the window's resident memory (36 MB at 10,000 runs). */
  sqlite3_busy_timeout (self->db, 10000);
  if (!exec (self, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;"
                   "PRAGMA synchronous=NORMAL;"
                   "PRAGMA mmap_size=0;")
      || !exec (self, schema))
    {
      close_db (self);
      return FALSE;
    }

  version = stored_version (self);
  /* An index of another version is a cache made differently (its tables, its page size):
   * made anew from the files. */
  if (version != NULL && g_strcmp0 (version, SCHEMA_VERSION) != 0)
    {
      g_debug ("index %s is of version %s, not " SCHEMA_VERSION, self->path, version);
      close_db (self);
      remove_files (self);
      return FALSE;
    }
  if (version == NULL
      && !exec (self, "INSERT OR REPLACE INTO meta VALUES ('version', '" SCHEMA_VERSION "');"))
    {
      close_db (self);
      return FALSE;
    }
  return TRUE;
}

/* Opens the index; a file SQLite cannot use is a cache that can go: it is made anew. */
static gboolean
ensure_db (TbIndex *self)
{
  if (self->db != NULL)
    return TRUE;
  if (self->unusable)
    return FALSE;
  if (open_db_once (self))
    return TRUE;

  g_debug ("index %s cannot be used; making it anew", self->path);
  remove_files (self);
  if (open_db_once (self))
    return TRUE;

  g_warning ("The index %s cannot be used (%s); reading the results folder directly",
             self->path, self->db != NULL ? sqlite3_errmsg (self->db) : "cannot open");
  self->unusable = TRUE;
  return FALSE;
}

/* An error in the middle of work: a corrupt file is dropped and made anew next time. */
static void
db_failed (TbIndex    *self,
           const char *what)
{
  int code = self->db != NULL ? sqlite3_errcode (self->db) : SQLITE_ERROR;

  g_debug ("index: %s failed: %s", what, self->db != NULL ? sqlite3_errmsg (self->db) : "");
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB || code == SQLITE_IOERR)
    {
      close_db (self);
      remove_files (self);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* The object                                                                                */

static void
tb_index_finalize (GObject *object)
{
  TbIndex *self = TB_INDEX (object);

  close_db (self);
  g_clear_pointer (&self->checked, g_hash_table_unref);
  g_clear_object (&self->store);
  g_free (self->path);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (tb_index_parent_class)->finalize (object);
}

static void
tb_index_class_init (TbIndexClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tb_index_finalize;
}

static void
tb_index_init (TbIndex *self)
{
  g_mutex_init (&self->mutex);
  self->checked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

TbIndex *
tb_index_new (TbStore *store)
{
  TbIndex *self;
  g_autofree char *results = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (TB_IS_STORE (store), NULL);

  self = g_object_new (TB_TYPE_INDEX, NULL);
  self->store = g_object_ref (store);
  results = tb_store_results_dir (store);
  hash = tb_sha256_hex (results, strlen (results));
  name = g_strdup_printf ("index-%.16s.sqlite", hash);
  self->path = g_build_filename (g_get_user_cache_dir (), "taskbench", name, NULL);
  return self;
}

const char *
tb_index_get_path (TbIndex *self)
{
  g_return_val_if_fail (TB_IS_INDEX (self), NULL);
  return self->path;
}

/* ---------------------------------------------------------------------------------------- */
/* Entries                                                                                   */

typedef struct {
  char    *signature;
  gboolean racy;
  char    *summary;     /* nullable: not fetched */
} Entry;

static void
entry_free (Entry *entry)
{
  g_free (entry->signature);
  g_free (entry->summary);
  g_free (entry);
}

/* id → Entry* of one use case (or all, when NULL). */
static GHashTable *
fetch_entries (TbIndex    *self,
               const char *usecase_id,
               gboolean    with_summary)
{
  GHashTable *entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) entry_free);
  sqlite3_stmt *stmt = NULL;
  const char *sql;

  if (self->db == NULL)
    return entries;
  if (usecase_id != NULL)
    sql = with_summary ? "SELECT runs.id, signature, racy, summary FROM runs"
                         " JOIN summaries ON summaries.id = runs.id WHERE usecase = ?1"
                       : "SELECT id, signature, racy, NULL FROM runs WHERE usecase = ?1";
  else
    sql = "SELECT id, signature, racy, NULL FROM runs";
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      db_failed (self, "reading");
      return entries;
    }
  if (usecase_id != NULL)
    sqlite3_bind_text (stmt, 1, usecase_id, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Entry *entry = g_new0 (Entry, 1);

      entry->signature = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
      entry->racy = sqlite3_column_int (stmt, 2) != 0;
      entry->summary = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      g_hash_table_replace (entries, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                            entry);
    }
  sqlite3_finalize (stmt);
  return entries;
}

/* A prepared statement kept in `slot`, ready to be bound again. */
static sqlite3_stmt *
kept_statement (TbIndex       *self,
                sqlite3_stmt **slot,
                const char    *sql)
{
  if (*slot != NULL)
    {
      sqlite3_reset (*slot);
      sqlite3_clear_bindings (*slot);
      return *slot;
    }
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL)
      != SQLITE_OK)
    {
      *slot = NULL;
      return NULL;
    }
  return *slot;
}

/* What the index keeps of a summary, as text: made where the summary was read (any
 * thread), so the writing is SQLite's work alone. */
static void
entry_texts (const TbRunSummary  *summary,
             char               **text,
             char               **per_model_text)
{
  g_autoptr(JsonNode) node = tb_run_summary_to_json_without_models (summary);
  g_autoptr(JsonNode) per_model_node = summary->per_model != NULL
                                       ? tb_model_rollups_to_json (summary->per_model) : NULL;

  *text = tb_json_to_string (node, FALSE);
  *per_model_text = per_model_node != NULL ? tb_json_to_string (per_model_node, FALSE) : NULL;
}

/* `text` and `per_model_text` (nullable: made here) from entry_texts (). */
static void
store_entry (TbIndex            *self,
             const TbRunSummary *summary,
             const char         *signature,
             gboolean            racy,
             const char         *text,
             const char         *per_model_text)
{
  static const char sql[] =
    "INSERT OR REPLACE INTO runs VALUES (?1, ?2, ?3, ?4, ?5, ?7, ?8, ?9, ?10, ?11, ?12,"
    " ?13, ?14, ?15, ?16, ?17, ?18)";
  static const char summary_sql[] = "INSERT OR REPLACE INTO summaries VALUES (?1, ?2, ?3)";
  g_autofree char *made_text = NULL;
  g_autofree char *made_per_model_text = NULL;
  const TbRollup *rollup = &summary->rollup;
  sqlite3_stmt *stmt;

  if (self->db == NULL)
    return;
  if (text == NULL)
    {
      entry_texts (summary, &made_text, &made_per_model_text);
      text = made_text;
      per_model_text = made_per_model_text;
    }
  stmt = kept_statement (self, &self->insert_run, sql);
  if (stmt == NULL)
    {
      db_failed (self, "writing");
      return;
    }
  sqlite3_bind_text (stmt, 1, summary->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, summary->usecase, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, signature, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, racy);
  sqlite3_bind_int (stmt, 5, summary->simulated);
  sqlite3_bind_int64 (stmt, 7, rollup->candidate_calls);
  sqlite3_bind_int64 (stmt, 8, rollup->judge_calls);
  sqlite3_bind_double (stmt, 9, rollup->candidate_usd);
  sqlite3_bind_double (stmt, 10, rollup->judge_usd);
  sqlite3_bind_int64 (stmt, 11, rollup->estimated_calls);
  sqlite3_bind_int64 (stmt, 12, rollup->unknown_calls);
  sqlite3_bind_int64 (stmt, 13, rollup->candidate_usage.prompt_tokens);
  sqlite3_bind_int64 (stmt, 14, rollup->candidate_usage.completion_tokens);
  sqlite3_bind_int64 (stmt, 15, rollup->candidate_usage.reasoning_tokens);
  sqlite3_bind_int64 (stmt, 16, rollup->judge_usage.prompt_tokens);
  sqlite3_bind_int64 (stmt, 17, rollup->judge_usage.completion_tokens);
  sqlite3_bind_int64 (stmt, 18, rollup->judge_usage.reasoning_tokens);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      db_failed (self, "writing");
      return;
    }
  sqlite3_reset (stmt);

  stmt = self->db != NULL ? kept_statement (self, &self->insert_summary, summary_sql) : NULL;
  if (stmt == NULL)
    {
      db_failed (self, "writing");
      return;
    }
  sqlite3_bind_text (stmt, 1, summary->id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, text, -1, SQLITE_STATIC);
  if (per_model_text != NULL)
    sqlite3_bind_text (stmt, 3, per_model_text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, 3);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    db_failed (self, "writing");
  else
    sqlite3_reset (stmt);
}

static void
delete_entry (TbIndex    *self,
              const char *id)
{
  sqlite3_stmt *stmt = NULL;

  if (self->db == NULL)
    return;
  for (guint i = 0; i < 2; i++)
    {
      if (sqlite3_prepare_v2 (self->db, i == 0 ? "DELETE FROM runs WHERE id = ?1"
                                               : "DELETE FROM summaries WHERE id = ?1",
                              -1, &stmt, NULL) != SQLITE_OK)
        {
          db_failed (self, "deleting");
          return;
        }
      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
      sqlite3_step (stmt);
      sqlite3_finalize (stmt);
    }
}

/* Reads one run from its files: its summary and what it was read from. Safe in any
 * thread: it touches the files and nothing of the index. NULL when the run cannot be read
 * (it is then left out, with a warning). */
static TbRunSummary *
read_files (TbIndex     *self,
            const char  *dir,
            char       **signature,
            gboolean    *racy)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRunData) data = NULL;
  TbRunSummary *summary;
  TbRun *run;

  *racy = FALSE;
  run = tb_store_load_run_dir (self->store, dir, &error);
  if (run == NULL)
    {
      if (!tb_store_remove_abandoned (self->store, dir))
        g_warning ("Skipping run %s: %s", dir, error->message);
      return NULL;
    }
  *signature = make_signature (run, racy);
  data = tb_store_load_run_data_lean_for (self->store, run);
  summary = tb_run_summary_new_for (data);
  /* A run in progress changes under us: never trusted from the index. */
  if (summary->status == TB_RUN_RUNNING)
    *racy = TRUE;
  return summary;
}

static TbRunSummary *
read_run (TbIndex    *self,
          const char *dir)
{
  g_autofree char *signature = NULL;
  gboolean racy = FALSE;
  TbRunSummary *summary = read_files (self, dir, &signature, &racy);

  if (summary != NULL)
    store_entry (self, summary, signature, racy, NULL, NULL);
  return summary;
}

/* One run to read again, and what reading it gave. */
typedef struct {
  TbIndex      *index;
  char         *dir;
  char         *signature;
  gboolean      racy;
  TbRunSummary *summary;
  char         *text;            /* entry_texts () of the summary */
  char         *per_model_text;
} Stale;

static void
stale_free (Stale *stale)
{
  g_free (stale->dir);
  g_free (stale->signature);
  g_free (stale->text);
  g_free (stale->per_model_text);
  if (stale->summary != NULL)
    tb_run_summary_free (stale->summary);
  g_free (stale);
}

static void
read_stale (gpointer data,
            gpointer user_data)
{
  Stale *stale = data;

  stale->summary = read_files (stale->index, stale->dir, &stale->signature, &stale->racy);
  if (stale->summary != NULL)
    entry_texts (stale->summary, &stale->text, &stale->per_model_text);
}

/* Many runs to read (an index made anew): JSON parsing is the work, so every core
 * takes a share. */
#define PARALLEL_FROM 16

static void
read_all_stale (GPtrArray *stale)
{
  g_autoptr(GError) error = NULL;
  GThreadPool *pool;
  guint threads = MIN (g_get_num_processors (), 8);

  if (stale->len < PARALLEL_FROM || threads < 2)
    {
      g_ptr_array_foreach (stale, (GFunc) read_stale, NULL);
      return;
    }
  pool = g_thread_pool_new (read_stale, NULL, threads, FALSE, &error);
  if (pool == NULL)
    {
      g_ptr_array_foreach (stale, (GFunc) read_stale, NULL);
      return;
    }
  for (guint i = 0; i < stale->len; i++)
    g_thread_pool_push (pool, g_ptr_array_index (stale, i), NULL);
  g_thread_pool_free (pool, FALSE, TRUE);
}

/* Whether each run's files still match its entry: a stat or four a run, spread over the
 * cores in batches when there are many (10,000 runs are 40,000 stats). */
#define SIGNATURE_BATCH 512

typedef struct {
  const char *usecase_dir;
  GPtrArray  *ids;
  GHashTable *entries;
  gboolean   *holds;
  guint       from;
  guint       to;
} SignatureBatch;

static void
check_batch (gpointer data,
             gpointer user_data)
{
  SignatureBatch *batch = data;
  int usecase_fd = open (batch->usecase_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

  for (guint i = batch->from; i < batch->to; i++)
    {
      const char *id = g_ptr_array_index (batch->ids, i);
      Entry *entry = g_hash_table_lookup (batch->entries, id);
      g_autofree char *dir = NULL;

      if (entry == NULL || entry->racy)
        continue;
      if (usecase_fd >= 0)
        batch->holds[i] = signature_holds (usecase_fd, id, entry->signature);
      else
        {
          dir = g_build_filename (batch->usecase_dir, id, NULL);
          batch->holds[i] = signature_holds (AT_FDCWD, dir, entry->signature);
        }
    }
  if (usecase_fd >= 0)
    close (usecase_fd);
}

static void
check_signatures (const char *usecase_dir,
                  GPtrArray  *ids,
                  GHashTable *entries,
                  gboolean   *holds)
{
  guint n_batches = (ids->len + SIGNATURE_BATCH - 1) / SIGNATURE_BATCH;
  g_autofree SignatureBatch *batches = g_new0 (SignatureBatch, MAX (n_batches, 1));
  guint threads = MIN (g_get_num_processors (), 8);
  GThreadPool *pool = NULL;

  for (guint b = 0; b < n_batches; b++)
    batches[b] = (SignatureBatch) { usecase_dir, ids, entries, holds, b * SIGNATURE_BATCH,
                                    MIN ((b + 1) * SIGNATURE_BATCH, ids->len) };
  if (n_batches >= 2 && threads >= 2)
    pool = g_thread_pool_new (check_batch, NULL, threads, FALSE, NULL);
  for (guint b = 0; b < n_batches; b++)
    {
      if (pool != NULL)
        g_thread_pool_push (pool, &batches[b], NULL);
      else
        check_batch (&batches[b], NULL);
    }
  if (pool != NULL)
    g_thread_pool_free (pool, FALSE, TRUE);
}

/* A use case checked this recently is not checked again: a command that asks for its
 * runs and then for its sums reads its folder once. */
#define RECHECK_AFTER_US (G_USEC_PER_SEC / 2)

static gboolean
checked_recently (TbIndex    *self,
                  const char *usecase_id)
{
  gint64 *when = g_hash_table_lookup (self->checked, usecase_id);

  return when != NULL && g_get_monotonic_time () - *when < RECHECK_AFTER_US;
}

static void
mark_checked (TbIndex    *self,
              const char *usecase_id)
{
  gint64 now = g_get_monotonic_time ();

  g_hash_table_replace (self->checked, g_strdup (usecase_id), g_memdup2 (&now, sizeof now));
}

/* Brings the entries of one use case up to date with its folder. With `summaries`, fills
 * it with every run's summary, newest first. */
static void
refresh_usecase (TbIndex    *self,
                 const char *usecase_id,
                 GPtrArray  *summaries)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_autoptr(GHashTable) entries = NULL;
  g_autoptr(GPtrArray) stale = g_ptr_array_new_with_free_func ((GDestroyNotify) stale_free);
  /* Per run id, in order: its summary from the index, or the read that gives it. */
  g_autofree TbRunSummary **fresh = NULL;
  g_autofree Stale **pending = NULL;
  g_autofree gboolean *holds = NULL;
  g_autofree char *results = tb_store_results_dir (self->store);
  g_autofree char *usecase_dir = g_build_filename (results, usecase_id, NULL);
  gboolean trust = self->db != NULL && checked_recently (self, usecase_id);
  GHashTableIter iter;
  gpointer key;

  if (trust && summaries == NULL)
    return;

  tb_store_tidy (self->store, usecase_id);
  ids = tb_store_list_run_ids (self->store, usecase_id);
  entries = fetch_entries (self, usecase_id, summaries != NULL);
  fresh = g_new0 (TbRunSummary *, ids->len + 1);
  pending = g_new0 (Stale *, ids->len + 1);
  holds = g_new0 (gboolean, ids->len + 1);
  if (!trust)
    check_signatures (usecase_dir, ids, entries, holds);

  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      g_autofree char *dir = g_build_filename (usecase_dir, id, NULL);
      Entry *entry = g_hash_table_lookup (entries, id);

      if (entry != NULL && !entry->racy && (trust || holds[i]))
        {
          if (summaries != NULL)
            {
              g_autoptr(JsonNode) node = tb_json_parse (entry->summary, -1, "index", NULL);

              fresh[i] = tb_run_summary_from_json (node);
            }
          if (summaries == NULL || fresh[i] != NULL)
            {
              g_hash_table_remove (entries, id);
              continue;
            }
        }
      {
        Stale *one = g_new0 (Stale, 1);

        one->index = self;
        one->dir = g_steal_pointer (&dir);
        g_ptr_array_add (stale, one);
        pending[i] = one;
        g_hash_table_remove (entries, id);
      }
    }

  read_all_stale (stale);

  /* Written in one transaction, after the reading: another process waits for the index
   * only as long as the writes take. */
  if (self->db != NULL && (stale->len > 0 || g_hash_table_size (entries) > 0))
    {
      gboolean in_transaction = exec (self, "BEGIN IMMEDIATE");

      for (guint i = 0; i < stale->len; i++)
        {
          Stale *one = g_ptr_array_index (stale, i);

          if (one->summary != NULL)
            store_entry (self, one->summary, one->signature, one->racy, one->text,
                         one->per_model_text);
        }
      /* What is left has no folder any more. */
      g_hash_table_iter_init (&iter, entries);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        delete_entry (self, key);
      if (in_transaction && !exec (self, "COMMIT"))
        {
          db_failed (self, "committing");
          exec (self, "ROLLBACK");
        }
    }

  for (guint i = 0; i < ids->len; i++)
    {
      TbRunSummary *summary = pending[i] != NULL ? g_steal_pointer (&pending[i]->summary)
                                                 : fresh[i];

      if (summary == NULL)
        continue;
      if (summaries != NULL)
        g_ptr_array_add (summaries, summary);
      else
        tb_run_summary_free (summary);
    }
  if (self->db != NULL)
    mark_checked (self, usecase_id);
}

GPtrArray *
tb_index_list_runs (TbIndex     *self,
                    const char  *usecase_id,
                    GError     **error)
{
  GPtrArray *summaries = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_run_summary_free);

  g_return_val_if_fail (TB_IS_INDEX (self), NULL);

  if (!tb_usecase_id_is_valid (usecase_id))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("“%s” is not a valid use case id"),
                   usecase_id != NULL ? usecase_id : "");
      g_ptr_array_unref (summaries);
      return NULL;
    }

  g_mutex_lock (&self->mutex);
  ensure_db (self);
  refresh_usecase (self, usecase_id, summaries);
  g_mutex_unlock (&self->mutex);
  return summaries;
}

TbRunSummary *
tb_index_get_run (TbIndex     *self,
                  const char  *run_id,
                  GError     **error)
{
  g_autofree char *dir = NULL;
  TbRunSummary *summary;

  g_return_val_if_fail (TB_IS_INDEX (self), NULL);

  if (!tb_run_id_is_valid (run_id))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("“%s” is not a run id (expected YYYYMMDDTHHMMSSZ-xxxx)"),
                   run_id != NULL ? run_id : "");
      return NULL;
    }
  dir = tb_store_find_run_dir (self->store, run_id);
  if (dir == NULL)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_NOT_FOUND, _("No run %s"), run_id);
      return NULL;
    }

  g_mutex_lock (&self->mutex);
  ensure_db (self);
  summary = read_run (self, dir);
  g_mutex_unlock (&self->mutex);

  if (summary == NULL)
    g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Run %s cannot be read"), run_id);
  return summary;
}

static void
rollup_from_row (sqlite3_stmt *stmt,
                 int           first,
                 TbRollup     *rollup)
{
  memset (rollup, 0, sizeof *rollup);
  rollup->runs = sqlite3_column_int (stmt, first);
  rollup->simulated_runs = sqlite3_column_int (stmt, first + 1);
  rollup->candidate_calls = sqlite3_column_int (stmt, first + 2);
  rollup->judge_calls = sqlite3_column_int (stmt, first + 3);
  rollup->candidate_usd = sqlite3_column_double (stmt, first + 4);
  rollup->judge_usd = sqlite3_column_double (stmt, first + 5);
  rollup->total_usd = rollup->candidate_usd + rollup->judge_usd;
  rollup->estimated_calls = sqlite3_column_int (stmt, first + 6);
  rollup->unknown_calls = sqlite3_column_int (stmt, first + 7);
  rollup->candidate_usage.prompt_tokens = sqlite3_column_int64 (stmt, first + 8);
  rollup->candidate_usage.completion_tokens = sqlite3_column_int64 (stmt, first + 9);
  rollup->candidate_usage.reasoning_tokens = sqlite3_column_int64 (stmt, first + 10);
  rollup->judge_usage.prompt_tokens = sqlite3_column_int64 (stmt, first + 11);
  rollup->judge_usage.completion_tokens = sqlite3_column_int64 (stmt, first + 12);
  rollup->judge_usage.reasoning_tokens = sqlite3_column_int64 (stmt, first + 13);
}

/* The same sums without SQLite, from the files. */
/* `per_usecase` sums the simulated runs when `per_simulated`, else the real ones. */
static void
rollup_from_files (TbIndex    *self,
                   const char *usecase_id,
                   TbRollup   *real,
                   TbRollup   *simulated,
                   GHashTable *per_usecase,
                   gboolean    per_simulated)
{
  g_autoptr(GPtrArray) usecases = NULL;

  if (usecase_id != NULL)
    {
      usecases = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (usecases, g_strdup (usecase_id));
    }
  else
    usecases = tb_store_list_usecase_ids (self->store);

  for (guint u = 0; u < usecases->len; u++)
    {
      const char *id = g_ptr_array_index (usecases, u);
      g_autoptr(GPtrArray) summaries = g_ptr_array_new_with_free_func
                                         ((GDestroyNotify) tb_run_summary_free);
      TbRollup usecase = { 0 };

      refresh_usecase (self, id, summaries);
      for (guint i = 0; i < summaries->len; i++)
        {
          TbRunSummary *summary = g_ptr_array_index (summaries, i);

          tb_rollup_add (summary->simulated ? simulated : real, &summary->rollup);
          if (!summary->simulated == !per_simulated)
            tb_rollup_add (&usecase, &summary->rollup);
        }
      if (per_usecase != NULL)
        g_hash_table_replace (per_usecase, g_strdup (id), g_memdup2 (&usecase, sizeof usecase));
    }
}

static gboolean
rollup_sums (TbIndex     *self,
             const char  *usecase_id,
             TbRollup    *real,
             TbRollup    *simulated,
             GHashTable  *per_usecase,
             gboolean     per_simulated,
             GError     **error)
{
  static const char sums[] =
    "SELECT usecase, simulated, COUNT(*), SUM(simulated), SUM(candidate_calls),"
    " SUM(judge_calls), SUM(candidate_usd), SUM(judge_usd), SUM(estimated_calls),"
    " SUM(unknown_calls), SUM(candidate_prompt), SUM(candidate_completion),"
    " SUM(candidate_reasoning), SUM(judge_prompt), SUM(judge_completion),"
    " SUM(judge_reasoning) FROM runs %s GROUP BY usecase, simulated";
  g_autoptr(GPtrArray) usecases = NULL;
  g_autofree char *sql = NULL;
  TbRollup ignored = { 0 };
  sqlite3_stmt *stmt = NULL;

  g_return_val_if_fail (TB_IS_INDEX (self), FALSE);
  g_return_val_if_fail (real != NULL, FALSE);

  if (usecase_id != NULL && !tb_usecase_id_is_valid (usecase_id))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("“%s” is not a valid use case id"),
                   usecase_id);
      return FALSE;
    }
  if (simulated == NULL)
    simulated = &ignored;
  memset (real, 0, sizeof *real);
  memset (simulated, 0, sizeof *simulated);

  g_mutex_lock (&self->mutex);
  if (!ensure_db (self))
    {
      rollup_from_files (self, usecase_id, real, simulated, per_usecase, per_simulated);
      g_mutex_unlock (&self->mutex);
      return TRUE;
    }

  if (usecase_id != NULL)
    {
      usecases = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (usecases, g_strdup (usecase_id));
    }
  else
    {
      usecases = tb_store_list_usecase_ids (self->store);
      /* Entries of use case folders that are gone go with them. */
      if (usecases->len == 0)
        exec (self, "DELETE FROM runs; DELETE FROM summaries");
    }
  for (guint i = 0; i < usecases->len; i++)
    refresh_usecase (self, g_ptr_array_index (usecases, i), NULL);

  if (usecase_id == NULL && usecases->len > 0)
    {
      /* Use cases whose folder is gone. */
      g_autoptr(GString) keep = g_string_new ("DELETE FROM runs WHERE usecase NOT IN (");

      for (guint i = 0; i < usecases->len; i++)
        {
          char *quoted = sqlite3_mprintf ("%s%Q", i > 0 ? "," : "",
                                          (char *) g_ptr_array_index (usecases, i));

          g_string_append (keep, quoted);
          sqlite3_free (quoted);
        }
      g_string_append (keep, ")");
      exec (self, keep->str);
      exec (self, "DELETE FROM summaries WHERE id NOT IN (SELECT id FROM runs)");
    }

  sql = g_strdup_printf (sums, usecase_id != NULL ? "WHERE usecase = ?1" : "");
  if (self->db == NULL || sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      db_failed (self, "summing");
      rollup_from_files (self, usecase_id, real, simulated, per_usecase, per_simulated);
      g_mutex_unlock (&self->mutex);
      return TRUE;
    }
  if (usecase_id != NULL)
    sqlite3_bind_text (stmt, 1, usecase_id, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *id = (const char *) sqlite3_column_text (stmt, 0);
      gboolean is_simulated = sqlite3_column_int (stmt, 1) != 0;
      TbRollup part;

      rollup_from_row (stmt, 2, &part);
      tb_rollup_add (is_simulated ? simulated : real, &part);
      if (per_usecase != NULL && is_simulated == per_simulated)
        {
          TbRollup *entry = g_hash_table_lookup (per_usecase, id);

          if (entry == NULL)
            {
              entry = g_new0 (TbRollup, 1);
              g_hash_table_replace (per_usecase, g_strdup (id), entry);
            }
          tb_rollup_add (entry, &part);
        }
    }
  sqlite3_finalize (stmt);

  /* Every use case folder has its line, also one with no real run yet. */
  for (guint i = 0; per_usecase != NULL && i < usecases->len; i++)
    if (!g_hash_table_contains (per_usecase, g_ptr_array_index (usecases, i)))
      g_hash_table_replace (per_usecase, g_strdup (g_ptr_array_index (usecases, i)),
                            g_new0 (TbRollup, 1));

  g_mutex_unlock (&self->mutex);
  return TRUE;
}

gboolean
tb_index_rollup (TbIndex     *self,
                 const char  *usecase_id,
                 TbRollup    *real,
                 TbRollup    *simulated,
                 GHashTable  *per_usecase,
                 GError     **error)
{
  return rollup_sums (self, usecase_id, real, simulated, per_usecase, FALSE, error);
}

gboolean
tb_index_rollup_simulated (TbIndex     *self,
                           const char  *usecase_id,
                           TbRollup    *simulated,
                           GHashTable  *per_usecase,
                           GError     **error)
{
  TbRollup real;

  g_return_val_if_fail (simulated != NULL, FALSE);
  return rollup_sums (self, usecase_id, &real, simulated, per_usecase, TRUE, error);
}

GPtrArray *
tb_index_rollup_models (TbIndex     *self,
                        const char  *usecase_id,
                        gboolean     simulated,
                        GError     **error)
{
  static const char sql[] =
    "SELECT s.per_model FROM summaries s JOIN runs r ON r.id = s.id"
    " WHERE r.usecase = ?1 AND r.simulated = ?2 AND s.per_model IS NOT NULL";
  g_autoptr(GPtrArray) summaries = NULL;
  sqlite3_stmt *stmt = NULL;
  GPtrArray *models;

  g_return_val_if_fail (TB_IS_INDEX (self), NULL);

  if (!tb_usecase_id_is_valid (usecase_id))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("“%s” is not a valid use case id"),
                   usecase_id != NULL ? usecase_id : "");
      return NULL;
    }
  models = tb_model_rollups_new ();

  g_mutex_lock (&self->mutex);
  if (ensure_db (self))
    {
      /* The entries brought up to date, then their per-model sums, which only this reads. */
      refresh_usecase (self, usecase_id, NULL);
      if (self->db != NULL && sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) == SQLITE_OK)
        {
          sqlite3_bind_text (stmt, 1, usecase_id, -1, SQLITE_STATIC);
          sqlite3_bind_int (stmt, 2, simulated ? 1 : 0);
          while (sqlite3_step (stmt) == SQLITE_ROW)
            {
              const char *text = (const char *) sqlite3_column_text (stmt, 0);
              g_autoptr(JsonNode) node = tb_json_parse (text, -1, "index", NULL);
              g_autoptr(GPtrArray) one = NULL;

              if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
                continue;
              one = tb_model_rollups_from_json (json_node_get_array (node));
              tb_model_rollups_add (models, one);
            }
          sqlite3_finalize (stmt);
          g_mutex_unlock (&self->mutex);
          return models;
        }
    }
  /* No database: every summary from the files, which carry their per-model sums. */
  summaries = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_run_summary_free);
  refresh_usecase (self, usecase_id, summaries);
  g_mutex_unlock (&self->mutex);
  for (guint i = 0; i < summaries->len; i++)
    {
      const TbRunSummary *summary = g_ptr_array_index (summaries, i);

      if (!summary->simulated == !simulated && summary->per_model != NULL)
        tb_model_rollups_add (models, summary->per_model);
    }
  return models;
}

char *
tb_index_usecase_digest (TbIndex    *self,
                         const char *usecase_id)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GPtrArray) ids = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean vouched = FALSE;
  guint rows = 0;

  g_return_val_if_fail (TB_IS_INDEX (self), NULL);

  if (!tb_usecase_id_is_valid (usecase_id))
    return NULL;

  g_mutex_lock (&self->mutex);
  ensure_db (self);
  refresh_usecase (self, usecase_id, NULL);
  ids = tb_store_list_run_ids (self->store, usecase_id);
  if (self->db != NULL
      && sqlite3_prepare_v2 (self->db, "SELECT id, signature, racy FROM runs WHERE usecase = ?1"
                                       " ORDER BY id", -1, &stmt, NULL) == SQLITE_OK)
    {
      int step;

      sqlite3_bind_text (stmt, 1, usecase_id, -1, SQLITE_TRANSIENT);
      vouched = TRUE;
      g_checksum_update (checksum, (const guchar *) usecase_id, -1);
      while ((step = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          /* A run written in the last moments may change again within the clock's
           * resolution without its signature showing it. */
          if (sqlite3_column_int (stmt, 2) != 0)
            vouched = FALSE;
          rows++;
          g_checksum_update (checksum, (const guchar *) "\n", 1);
          g_checksum_update (checksum, sqlite3_column_text (stmt, 0), -1);
          g_checksum_update (checksum, (const guchar *) "\t", 1);
          g_checksum_update (checksum, sqlite3_column_text (stmt, 1), -1);
        }
      /* A folder without an entry is a run that cannot be read: what it says (a warning)
       * has no signature to follow. */
      if (step != SQLITE_DONE || rows != ids->len)
        vouched = FALSE;
      sqlite3_finalize (stmt);
    }
  g_mutex_unlock (&self->mutex);
  return vouched ? g_strdup (g_checksum_get_string (checksum)) : NULL;
}

char *
tb_index_cache_get (TbIndex    *self,
                    const char *name,
                    const char *digest)
{
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_return_val_if_fail (TB_IS_INDEX (self), NULL);
  g_return_val_if_fail (name != NULL && digest != NULL, NULL);

  g_mutex_lock (&self->mutex);
  ensure_db (self);
  if (self->db != NULL
      && sqlite3_prepare_v2 (self->db, "SELECT text FROM cache WHERE name = ?1 AND digest = ?2",
                             -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, digest, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      sqlite3_finalize (stmt);
    }
  g_mutex_unlock (&self->mutex);
  return text;
}

void
tb_index_cache_put (TbIndex    *self,
                    const char *name,
                    const char *digest,
                    const char *text)
{
  sqlite3_stmt *stmt = NULL;

  g_return_if_fail (TB_IS_INDEX (self));
  g_return_if_fail (name != NULL && digest != NULL && text != NULL);

  g_mutex_lock (&self->mutex);
  ensure_db (self);
  if (self->db != NULL
      && sqlite3_prepare_v2 (self->db, "INSERT OR REPLACE INTO cache VALUES (?1, ?2, ?3)", -1,
                             &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, digest, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, text, -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        db_failed (self, "caching");
      sqlite3_finalize (stmt);
    }
  g_mutex_unlock (&self->mutex);
}

void
tb_index_invalidate (TbIndex    *self,
                     const char *usecase_id)
{
  g_return_if_fail (TB_IS_INDEX (self));

  g_mutex_lock (&self->mutex);
  if (usecase_id != NULL)
    g_hash_table_remove (self->checked, usecase_id);
  else
    g_hash_table_remove_all (self->checked);
  g_mutex_unlock (&self->mutex);
}

gboolean
tb_index_rebuild (TbIndex  *self,
                  GError  **error)
{
  g_autoptr(GPtrArray) usecases = NULL;

  g_return_val_if_fail (TB_IS_INDEX (self), FALSE);

  g_mutex_lock (&self->mutex);
  close_db (self);
  remove_files (self);
  g_hash_table_remove_all (self->checked);
  self->unusable = FALSE;
  ensure_db (self);
  usecases = tb_store_list_usecase_ids (self->store);
  for (guint i = 0; i < usecases->len; i++)
    refresh_usecase (self, g_ptr_array_index (usecases, i), NULL);
  g_mutex_unlock (&self->mutex);
  return TRUE;
}
