/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-store"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tb-error.h"
#include "tb-json.h"
#include "tb-lock.h"
#include "tb-store.h"
#include "tb-usecase.h"
#include "tb-util.h"

#define CREATING_PREFIX ".creating-"

struct _TbStore
{
  GObject     parent_instance;

  char       *home;
  GHashTable *locks;   /* run folder → TbLock* held by this store */
};

G_DEFINE_FINAL_TYPE (TbStore, tb_store, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HOME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---------------------------------------------------------------------------------------- */
/* File system helpers                                                                       */

static gboolean
remove_tree (const char  *path,
             GError     **error)
{
  GStatBuf info;

  if (g_lstat (path, &info) != 0)
    {
      if (errno == ENOENT)
        return TRUE;
      return tb_set_file_error (error, errno, _("Could not remove %s: %s"), path,
                            g_strerror (errno));
    }

  /* lstat: a symbolic link is removed itself, never followed out of the run folder. What
   * is gone meanwhile is as good as removed: two processes may tidy the same leftovers at
   * once (the window and a 'runs'). */
  if (S_ISDIR (info.st_mode))
    {
      g_autoptr(GError) open_error = NULL;
      g_autoptr(GDir) dir = g_dir_open (path, 0, &open_error);
      const char *name;

      if (dir == NULL)
        {
          if (g_error_matches (open_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return TRUE;
          g_propagate_error (error, g_steal_pointer (&open_error));
          return FALSE;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (!remove_tree (child, error))
            return FALSE;
        }
      if (g_rmdir (path) != 0 && errno != ENOENT)
        return tb_set_file_error (error, errno, _("Could not remove %s: %s"), path,
                                  g_strerror (errno));
      return TRUE;
    }

  if (g_unlink (path) != 0 && errno != ENOENT)
    return tb_set_file_error (error, errno, _("Could not remove %s: %s"), path,
                              g_strerror (errno));
  return TRUE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static int
compare_strings_desc (gconstpointer a,
                      gconstpointer b,
                      gpointer      user_data)
{
  return strcmp (*(const char * const *) b, *(const char * const *) a);
}

/* Names of the visible sub-folders of `path` that `accept` takes, sorted. The type comes
 * from the listing itself where the file system gives it, so listing 3,000 runs is not
 * 3,000 stat()s. */
static GPtrArray *
list_folders (const char *path,
              gboolean  (*accept) (const char *name))
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  DIR *dir = opendir (path);
  struct dirent *entry;

  if (dir == NULL)
    return names;
  while ((entry = readdir (dir)) != NULL)
    {
      const char *name = entry->d_name;

      if (name[0] == '.' || (accept != NULL && !accept (name)))
        continue;
      if (entry->d_type == DT_UNKNOWN || entry->d_type == DT_LNK)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (!g_file_test (child, G_FILE_TEST_IS_DIR))
            continue;
        }
      else if (entry->d_type != DT_DIR)
        continue;
      g_ptr_array_add (names, g_strdup (name));
    }
  closedir (dir);
  g_ptr_array_sort_with_data (names, compare_strings, NULL);
  return names;
}

static gboolean
make_dir (const char  *path,
          GError     **error)
{
  if (g_mkdir (path, 0755) != 0)
    return tb_set_file_error (error, errno, _("Could not create folder %s: %s"), path,
                            g_strerror (errno));
  return TRUE;
}

/* A name inside a folder: no separators, not hidden, not "." or "..". */
static gboolean
is_plain_name (const char *name)
{
  return name != NULL && *name != '\0' && *name != '.' && strchr (name, '/') == NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* The object                                                                                */

static void
tb_store_constructed (GObject *object)
{
  TbStore *self = TB_STORE (object);

  G_OBJECT_CLASS (tb_store_parent_class)->constructed (object);

  g_assert (self->home != NULL);
}

static void
tb_store_finalize (GObject *object)
{
  TbStore *self = TB_STORE (object);

  g_clear_pointer (&self->locks, g_hash_table_unref);
  g_clear_pointer (&self->home, g_free);

  G_OBJECT_CLASS (tb_store_parent_class)->finalize (object);
}

static void
tb_store_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  TbStore *self = TB_STORE (object);

  switch (prop_id)
    {
    case PROP_HOME:
      g_value_set_string (value, self->home);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_store_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  TbStore *self = TB_STORE (object);

  switch (prop_id)
    {
    case PROP_HOME:
      g_free (self->home);
      self->home = g_canonicalize_filename (g_value_get_string (value), NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_store_class_init (TbStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tb_store_constructed;
  object_class->finalize = tb_store_finalize;
  object_class->get_property = tb_store_get_property;
  object_class->set_property = tb_store_set_property;

  properties[PROP_HOME] =
    g_param_spec_string ("home", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_store_init (TbStore *self)
{
  self->locks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) tb_lock_release);
}

TbStore *
tb_store_new (const char *home)
{
  g_return_val_if_fail (home != NULL, NULL);

  return g_object_new (TB_TYPE_STORE, "home", home, NULL);
}

const char *
tb_store_get_home (TbStore *self)
{
  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  return self->home;
}

char *
tb_store_results_dir (TbStore *self)
{
  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  return g_build_filename (self->home, "results", NULL);
}

char *
tb_store_usecases_dir (TbStore *self)
{
  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  return g_build_filename (self->home, "usecases", NULL);
}

static gboolean
require_run_dir (TbRun   *run,
                 GError **error)
{
  if (run->dir == NULL)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_FAILED, _("Run %s has no folder"),
                   run->id != NULL ? run->id : "?");
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------------------------- */
/* Locks                                                                                     */

static char *
run_label (TbRun *run)
{
  return g_strdup_printf (_("Run %s"), run->id != NULL ? run->id : "?");
}

gboolean
tb_store_lock_run (TbStore  *self,
                   TbRun    *run,
                   GError  **error)
{
  g_autofree char *label = NULL;
  TbLock *lock;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);

  if (!require_run_dir (run, error))
    return FALSE;
  if (g_hash_table_contains (self->locks, run->dir))
    return TRUE;

  label = run_label (run);
  lock = tb_lock_acquire (run->dir, label, error);
  if (lock == NULL)
    return FALSE;
  g_hash_table_insert (self->locks, g_strdup (run->dir), lock);
  /* Only the holder of the lock writes the run's judgments: a staged one is a killed
   * writer's. */
  {
    g_autofree char *judgments = g_build_filename (run->dir, "judgments", NULL);

    tb_staged_file_remove_leftovers (judgments);
  }
  return TRUE;
}

void
tb_store_unlock_run (TbStore *self,
                     TbRun   *run)
{
  g_return_if_fail (TB_IS_STORE (self));
  g_return_if_fail (run != NULL);

  if (run->dir != NULL)
    g_hash_table_remove (self->locks, run->dir);
}

/* ---------------------------------------------------------------------------------------- */
/* Writing                                                                                   */

gboolean
tb_store_save_run (TbStore  *self,
                   TbRun    *run,
                   GError  **error)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);

  if (!require_run_dir (run, error))
    return FALSE;
  if (run->version == NULL)
    run->version = g_strdup (PACKAGE_VERSION);

  path = g_build_filename (run->dir, "run.json", NULL);
  node = tb_run_to_json (run);
  if (!tb_json_write_file (path, node, error))
    {
      g_prefix_error (error, _("Could not save run %s: "), run->id);
      return FALSE;
    }
  return TRUE;
}

/* ".txt" from a file name: letters and digits only, so it can never escape the folder. */
static char *
extension_of (const char *name)
{
  g_autofree char *base = name != NULL ? g_path_get_basename (name) : NULL;
  const char *dot = base != NULL ? strrchr (base, '.') : NULL;
  GString *ext;

  if (dot == NULL || dot == base || dot[1] == '\0')
    return g_strdup ("txt");
  ext = g_string_new (NULL);
  for (const char *p = dot + 1; *p != '\0' && ext->len < 16; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (ext, g_ascii_tolower (*p));
  if (ext->len == 0)
    g_string_append (ext, "txt");
  return g_string_free (ext, FALSE);
}

static gboolean
write_run_file (const char  *dir,
                const char  *relative,
                const char  *data,
                gsize        length,
                GError     **error)
{
  g_autofree char *path = g_build_filename (dir, relative, NULL);

  /* In the staging folder: made durable all at once before it is renamed into place. */
  return tb_write_file_unsynced (path, data != NULL ? data : "", length, error);
}

/* Writes the input's copies and fills `entry` with where they are. */
static gboolean
write_input (const char        *dir,
             gboolean           test_set,
             const TbTestInput *input,
             const char        *prompt,
             TbRunInput        *entry,
             GError           **error)
{
  g_autofree char *ext = extension_of (input->name);
  g_autofree char *folder = test_set ? g_build_filename ("inputs", input->key, NULL)
                                     : g_strdup ("");
  g_autofree char *file_name = g_strconcat ("input.", ext, NULL);

  entry->key = g_strdup (input->key);
  entry->name = g_path_get_basename (input->name);
  entry->sha256 = tb_sha256_hex (input->text, input->length);
  entry->bytes = (gint64) input->length;
  entry->file = g_build_filename (folder, file_name, NULL);
  entry->prompt_file = g_build_filename (folder, "prompt.txt", NULL);
  if (!write_run_file (dir, entry->file, input->text, input->length, error)
      || !write_run_file (dir, entry->prompt_file, prompt, strlen (prompt), error))
    return FALSE;

  if (input->reference != NULL)
    {
      g_autofree char *reference_ext = extension_of (input->reference_name);
      g_autofree char *reference_name = g_strconcat ("reference.", reference_ext, NULL);

      entry->reference_file = g_build_filename (folder, reference_name, NULL);
      entry->reference_name = input->reference_name != NULL
                              ? g_path_get_basename (input->reference_name) : NULL;
      if (!write_run_file (dir, entry->reference_file, input->reference,
                           input->reference_length, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
tb_store_create_run (TbStore     *self,
                     TbRun       *run,
                     GPtrArray   *inputs,
                     GPtrArray   *prompts,
                     GError     **error)
{
  g_autofree char *results = NULL;
  g_autofree char *usecase_dir = NULL;
  g_autofree char *staging = NULL;
  g_autofree char *staging_name = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *label = NULL;
  g_autoptr(TbLock) lock = NULL;
  gboolean test_set;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);
  g_return_val_if_fail (inputs != NULL && prompts != NULL, FALSE);
  g_return_val_if_fail (inputs->len == prompts->len, FALSE);

  if (!tb_usecase_id_is_valid (run->usecase))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("“%s” is not a valid use case id"),
                   run->usecase != NULL ? run->usecase : "");
      return FALSE;
    }
  if (inputs->len == 0)
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID, _("A run needs at least one input"));
      return FALSE;
    }
  for (guint i = 0; i < inputs->len; i++)
    {
      const TbTestInput *input = g_ptr_array_index (inputs, i);

      if (!is_plain_name (input->key))
        {
          g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("“%s” is not a valid input key"),
                       input->key != NULL ? input->key : "");
          return FALSE;
        }
    }
  if (run->id == NULL)
    run->id = tb_run_new_id ();
  else if (!tb_run_id_is_valid (run->id))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("“%s” is not a valid run id (expected YYYYMMDDTHHMMSSZ-xxxx)"), run->id);
      return FALSE;
    }

  results = tb_store_results_dir (self);
  usecase_dir = g_build_filename (results, run->usecase, NULL);
  if (g_mkdir_with_parents (usecase_dir, 0755) != 0)
    return tb_set_file_error (error, errno, _("Could not create folder %s: %s"), usecase_dir,
                            g_strerror (errno));

  dir = g_build_filename (usecase_dir, run->id, NULL);
  if (g_file_test (dir, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Run %s exists already"), run->id);
      return FALSE;
    }
  staging_name = g_strconcat (CREATING_PREFIX, run->id, NULL);
  staging = g_build_filename (usecase_dir, staging_name, NULL);
  /* A plain mkdir: a folder of the same name is never reused. */
  if (!make_dir (staging, error))
    return FALSE;

  label = run_label (run);
  lock = tb_lock_acquire (staging, label, error);
  if (lock == NULL)
    goto failed;

  test_set = inputs->len > 1;
  g_ptr_array_set_size (run->inputs, 0);
  for (guint i = 0; i < inputs->len; i++)
    {
      TbRunInput *entry = tb_run_input_new ();

      g_ptr_array_add (run->inputs, entry);
      if (!write_input (staging, test_set, g_ptr_array_index (inputs, i),
                        g_ptr_array_index (prompts, i), entry, error))
        goto failed;
    }

  path = g_build_filename (staging, "outputs", NULL);
  if (!make_dir (path, error))
    goto failed;
  g_free (path);
  path = g_build_filename (staging, "judgments", NULL);
  if (!make_dir (path, error))
    goto failed;

  if (run->created_at == NULL)
    run->created_at = tb_utc_now_iso8601 ();
  run->status = TB_RUN_RUNNING;
  g_free (run->version);
  run->version = g_strdup (PACKAGE_VERSION);
  g_free (run->dir);
  run->dir = g_strdup (staging);
  if (!tb_store_save_run (self, run, error))
    goto failed;

  /* The folder appears whole, with its run.json, or not at all. The lock is on the
   * file, so it moves with the folder. */
  if (!tb_sync_files_of (staging, error))
    goto failed;
  if (g_rename (staging, dir) != 0)
    {
      tb_set_file_error (error, errno, _("Could not create run folder %s: %s"), dir,
                            g_strerror (errno));
      goto failed;
    }
  g_free (run->dir);
  run->dir = g_steal_pointer (&dir);
  g_hash_table_insert (self->locks, g_strdup (run->dir), g_steal_pointer (&lock));
  return TRUE;

failed:
  g_clear_pointer (&lock, tb_lock_release);
  remove_tree (staging, NULL);
  g_clear_pointer (&run->dir, g_free);
  return FALSE;
}

struct _TbStoreWrite
{
  char     *path;              /* the file; for a new record, its folder */
  char     *contents;          /* or, written already: */
  TbStagedFile *staged;
  char     *failure_prefix;    /* "Could not save the output of m: " */
  char     *new_base;          /* non-NULL: a new record, named <base>[-n].json when written */
  char     *name;              /* a new record: the name it got */
};

void
tb_store_write_free (TbStoreWrite *write)
{
  if (write == NULL)
    return;
  g_free (write->path);
  g_free (write->contents);
  g_clear_pointer (&write->staged, tb_staged_file_free);
  g_free (write->failure_prefix);
  g_free (write->new_base);
  g_free (write->name);
  g_free (write);
}

static TbStoreWrite *
store_write_new (char       *path,
                 JsonNode   *node,
                 char       *failure_prefix)
{
  TbStoreWrite *write = g_new0 (TbStoreWrite, 1);
  g_autofree char *text = tb_json_to_string (node, TRUE);

  write->path = path;
  write->contents = g_strconcat (text, "\n", NULL);
  write->failure_prefix = failure_prefix;
  return write;
}

/* A new record takes the first free name, whole, in one step: two records made in the
 * same second — even by two processes — never overwrite each other, and no moment shows
 * the name empty (a process killed then would leave an empty file for ever). */
static gboolean
write_new_record (TbStoreWrite  *write,
                  GError       **error)
{
  if (g_mkdir_with_parents (write->path, 0755) != 0)
    return tb_set_file_error (error, errno, _("Could not create folder %s: %s"), write->path,
                              g_strerror (errno));
  for (guint n = 1; ; n++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *name = n == 1 ? g_strconcat (write->new_base, ".json", NULL)
                                     : g_strdup_printf ("%s-%u.json", write->new_base, n);
      g_autofree char *path = g_build_filename (write->path, name, NULL);
      gboolean written = write->staged != NULL
                         ? tb_staged_file_commit (write->staged, path, FALSE, &local_error)
                         : tb_write_file_exclusive (path, write->contents, -1, &local_error);

      if (written)
        {
          g_free (write->name);
          write->name = g_steal_pointer (&name);
          return TRUE;
        }
      if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_EXIST))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
}

gboolean
tb_store_write_commit (TbStoreWrite  *write,
                       GError       **error)
{
  gboolean ok;

  g_return_val_if_fail (write != NULL, FALSE);

  if (write->new_base != NULL)
    ok = write_new_record (write, error);
  else if (write->staged != NULL)
    ok = tb_staged_file_commit (write->staged, write->path, TRUE, error);
  else
    ok = tb_write_file_atomic (write->path, write->contents, -1, error);
  if (!ok)
    g_prefix_error (error, "%s", write->failure_prefix);
  return ok;
}

const char *
tb_store_write_get_name (TbStoreWrite *write)
{
  g_return_val_if_fail (write != NULL, NULL);
  return write->name;
}

TbStoreWrite *
tb_store_prepare_output (TbStore         *self,
                         TbRun           *run,
                         const TbOutput  *output,
                         GError         **error)
{
  g_autofree char *relative = NULL;
  g_autofree char *now = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  g_return_val_if_fail (run != NULL, NULL);
  g_return_val_if_fail (output != NULL && output->model != NULL, NULL);

  if (!require_run_dir (run, error))
    return NULL;

  relative = tb_run_output_file (run, output->model, output->input, output->repeat);
  node = tb_output_to_json (output);
  /* The store stamps every write, so readers can tell a late billed cost arrived. */
  now = tb_utc_now_iso8601 ();
  json_object_set_string_member (json_node_get_object (node), "updated_at", now);
  return store_write_new (g_build_filename (run->dir, relative, NULL), node,
                          g_strdup_printf (_("Could not save the output of %s: "),
                                           output->model));
}

gboolean
tb_store_write_output (TbStore         *self,
                       TbRun           *run,
                       const TbOutput  *output,
                       GError         **error)
{
  g_autoptr(TbStoreWrite) write = tb_store_prepare_output (self, run, output, error);

  return write != NULL && tb_store_write_commit (write, error);
}

TbStoreWrite *
tb_store_prepare_judgment (TbStore     *self,
                           TbRun       *run,
                           TbJudgment  *judgment,
                           GError     **error)
{
  g_autofree char *dir = NULL;
  TbStoreWrite *write;

  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  g_return_val_if_fail (run != NULL, NULL);
  g_return_val_if_fail (judgment != NULL, NULL);

  if (!require_run_dir (run, error))
    return NULL;

  dir = g_build_filename (run->dir, "judgments", NULL);
  if (judgment->created_at == NULL)
    judgment->created_at = tb_utc_now_iso8601 ();

  /* Written now, a piece at a time, into a staged file that the commit names: a pass of
   * thousands of scores is rewritten without its whole text in memory. */
  write = g_new0 (TbStoreWrite, 1);
  write->failure_prefix = g_strdup_printf (_("Could not save the judgment of run %s: "),
                                           run->id);
  write->staged = tb_staged_file_new (dir, error);
  if (write->staged == NULL || !tb_judgment_write_to (judgment, write->staged, error))
    {
      g_prefix_error (error, "%s", write->failure_prefix);
      tb_store_write_free (write);
      return NULL;
    }
  /* A judgment that has its file (the runner rewrites it as scores land) keeps it. */
  if (judgment->file != NULL && is_plain_name (judgment->file))
    write->path = g_build_filename (dir, judgment->file, NULL);
  else
    {
      write->path = g_steal_pointer (&dir);
      write->new_base = tb_utc_now_compact ();
    }
  return write;
}

gboolean
tb_store_write_judgment (TbStore     *self,
                         TbRun       *run,
                         TbJudgment  *judgment,
                         GError     **error)
{
  g_autoptr(TbStoreWrite) write = tb_store_prepare_judgment (self, run, judgment, error);

  if (write == NULL || !tb_store_write_commit (write, error))
    return FALSE;
  if (write->name != NULL)
    {
      g_free (judgment->file);
      judgment->file = g_strdup (write->name);
    }
  return TRUE;
}

gboolean
tb_store_write_rating (TbStore   *self,
                       TbRun     *run,
                       TbRating  *rating,
                       GError   **error)
{
  g_autoptr(TbStoreWrite) write = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL && rating != NULL, FALSE);

  if (!require_run_dir (run, error))
    return FALSE;
  if (rating->created_at == NULL)
    rating->created_at = tb_utc_now_iso8601 ();

  /* Never overwritten: every rating is a new record of its own. */
  node = tb_rating_to_json (rating);
  write = store_write_new (g_build_filename (run->dir, "ratings", NULL), node,
                           g_strdup_printf (_("Could not save the rating of run %s: "),
                                            run->id));
  write->new_base = tb_utc_now_compact ();
  if (!tb_store_write_commit (write, error))
    return FALSE;
  g_free (rating->file);
  rating->file = g_strdup (write->name);
  return TRUE;
}

/* ---------------------------------------------------------------------------------------- */
/* Reading                                                                                   */

static gboolean
is_run_folder_name (const char *name)
{
  return tb_run_id_is_valid (name);
}

static gboolean
is_usecase_folder_name (const char *name)
{
  return tb_usecase_id_is_valid (name);
}

GPtrArray *
tb_store_list_usecase_ids (TbStore *self)
{
  g_autofree char *results = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), NULL);

  results = tb_store_results_dir (self);
  return list_folders (results, is_usecase_folder_name);
}

GPtrArray *
tb_store_list_run_ids (TbStore    *self,
                       const char *usecase_id)
{
  g_autofree char *results = NULL;
  g_autofree char *dir = NULL;
  GPtrArray *ids;

  g_return_val_if_fail (TB_IS_STORE (self), NULL);

  if (!tb_usecase_id_is_valid (usecase_id))
    return g_ptr_array_new_with_free_func (g_free);
  results = tb_store_results_dir (self);
  dir = g_build_filename (results, usecase_id, NULL);
  ids = list_folders (dir, is_run_folder_name);
  /* Ids start with the creation time: newest first. */
  g_ptr_array_sort_with_data (ids, compare_strings_desc, NULL);
  return ids;
}

char *
tb_store_find_run_dir (TbStore    *self,
                       const char *run_id)
{
  g_autofree char *results = NULL;
  g_autoptr(GPtrArray) usecases = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), NULL);

  if (!tb_run_id_is_valid (run_id))
    return NULL;
  results = tb_store_results_dir (self);
  usecases = tb_store_list_usecase_ids (self);
  for (guint i = 0; i < usecases->len; i++)
    {
      g_autofree char *dir = g_build_filename (results, g_ptr_array_index (usecases, i),
                                               run_id, NULL);
      g_autofree char *json = g_build_filename (dir, "run.json", NULL);

      if (g_file_test (json, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&dir);
    }
  return NULL;
}

TbRun *
tb_store_load_run_dir (TbStore     *self,
                       const char  *dir,
                       GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *base = NULL;
  g_autofree char *parent = NULL;
  g_autoptr(JsonNode) node = NULL;
  TbRun *run;

  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  g_return_val_if_fail (dir != NULL, NULL);

  path = g_build_filename (dir, "run.json", NULL);
  node = tb_json_read_file (path, TB_STORE_MAX_FILE, error);
  if (node == NULL)
    return NULL;
  /* The folder is the truth about which run this is (below): a run.json whose "id" was
   * lost or mangled is still the run of its folder, not an unreadable one. */
  base = g_path_get_basename (dir);
  if (JSON_NODE_HOLDS_OBJECT (node) && tb_run_id_is_valid (base)
      && tb_json_get_string (json_node_get_object (node), "id") == NULL)
    json_object_set_string_member (json_node_get_object (node), "id", base);
  run = tb_run_from_json (node, error);
  if (run == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  /* The folder is the truth about which run this is and where it belongs. */
  parent = g_path_get_dirname (dir);
  if (tb_run_id_is_valid (base) && g_strcmp0 (run->id, base) != 0)
    {
      g_free (run->id);
      run->id = g_strdup (base);
    }
  {
    g_autofree char *folder_usecase = g_path_get_basename (parent);

    if (tb_usecase_id_is_valid (folder_usecase) && g_strcmp0 (run->usecase, folder_usecase) != 0)
      {
        g_free (run->usecase);
        run->usecase = g_steal_pointer (&folder_usecase);
      }
  }
  run->dir = g_strdup (dir);
  if (run->status == TB_RUN_RUNNING && !g_hash_table_contains (self->locks, dir)
      && !tb_lock_is_held (dir))
    run->status = TB_RUN_INTERRUPTED;
  return run;
}

TbRun *
tb_store_load_run (TbStore     *self,
                   const char  *run_id,
                   GError     **error)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), NULL);

  /* Checked before any path is built from it: an id is never a path. */
  if (!tb_run_id_is_valid (run_id))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("“%s” is not a run id (expected YYYYMMDDTHHMMSSZ-xxxx)"),
                   run_id != NULL ? run_id : "");
      return NULL;
    }

  dir = tb_store_find_run_dir (self, run_id);
  if (dir == NULL)
    {
      g_autofree char *results = tb_store_results_dir (self);

      g_set_error (error, TB_ERROR, TB_ERROR_NOT_FOUND, _("No run %s in %s"), run_id, results);
      return NULL;
    }
  return tb_store_load_run_dir (self, dir, error);
}

GPtrArray *
tb_store_list_runs (TbStore    *self,
                    const char *usecase_id)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_run_free);
  g_autoptr(GPtrArray) ids = NULL;
  g_autofree char *results = NULL;

  g_return_val_if_fail (TB_IS_STORE (self), runs);

  ids = tb_store_list_run_ids (self, usecase_id);
  results = tb_store_results_dir (self);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autofree char *dir = g_build_filename (results, usecase_id,
                                               g_ptr_array_index (ids, i), NULL);
      g_autoptr(GError) error = NULL;
      TbRun *run = tb_store_load_run_dir (self, dir, &error);

      if (run == NULL)
        {
          if (!tb_store_remove_abandoned (self, dir))
            g_warning ("Skipping run %s: %s", (char *) g_ptr_array_index (ids, i),
                       error->message);
          continue;
        }
      g_ptr_array_add (runs, run);
    }
  return runs;
}

static char *
read_inner_file (TbRun       *run,
                 const char  *relative,
                 const char  *what,
                 gsize       *length,
                 GError     **error)
{
  g_autofree char *path = NULL;
  char *contents;

  if (!require_run_dir (run, error))
    return NULL;
  if (relative == NULL)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Run %s names no %s file"), run->id,
                   what);
      return NULL;
    }
  path = g_build_filename (run->dir, relative, NULL);
  contents = tb_read_regular_file (path, G_MAXINT32, length, error);
  if (contents == NULL)
    g_prefix_error (error, _("Could not read the %s of run %s: "), what, run->id);
  return contents;
}

char *
tb_store_read_input (TbStore     *self,
                     TbRun       *run,
                     TbRunInput  *input,
                     gsize       *length,
                     GError     **error)
{
  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  g_return_val_if_fail (run != NULL && input != NULL, NULL);

  return read_inner_file (run, input->file, _("input"), length, error);
}

char *
tb_store_read_prompt (TbStore     *self,
                      TbRun       *run,
                      TbRunInput  *input,
                      GError     **error)
{
  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  g_return_val_if_fail (run != NULL && input != NULL, NULL);

  return read_inner_file (run, input->prompt_file, _("prompt"), NULL, error);
}

char *
tb_store_read_reference (TbStore     *self,
                         TbRun       *run,
                         TbRunInput  *input,
                         gsize       *length,
                         GError     **error)
{
  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  g_return_val_if_fail (run != NULL && input != NULL, NULL);

  if (input->reference_file == NULL)
    return NULL;
  return read_inner_file (run, input->reference_file, _("reference"), length, error);
}

GPtrArray *
tb_store_read_test_set (TbStore  *self,
                        TbRun    *run,
                        GError  **error)
{
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func
                                  ((GDestroyNotify) tb_test_input_free);

  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  g_return_val_if_fail (run != NULL, NULL);

  if (run->inputs->len == 0)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Run %s names no input"), run->id);
      return NULL;
    }
  for (guint i = 0; i < run->inputs->len; i++)
    {
      TbRunInput *entry = g_ptr_array_index (run->inputs, i);
      g_autofree char *text = NULL;
      g_autofree char *reference = NULL;
      gsize length = 0;
      gsize reference_length = 0;
      TbTestInput *input;

      text = tb_store_read_input (self, run, entry, &length, error);
      if (text == NULL)
        return NULL;
      input = tb_test_input_new (entry->key, entry->name, text, length);
      g_ptr_array_add (inputs, input);
      if (entry->reference_file != NULL)
        {
          reference = tb_store_read_reference (self, run, entry, &reference_length, error);
          if (reference == NULL)
            return NULL;
          tb_test_input_set_reference (input, entry->reference_name, reference,
                                       reference_length);
        }
    }
  return g_steal_pointer (&inputs);
}

static TbOutput *
read_output_file (const char *path,
                  const char *model,
                  gboolean    with_text)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  TbOutput *output;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  node = tb_json_read_file (path, TB_STORE_MAX_FILE, &error);
  output = node != NULL ? tb_output_from_json (node, &error) : NULL;
  if (output == NULL)
    {
      g_warning ("Skipping output %s: %s", path, error->message);
      return NULL;
    }
  /* Two ids could share an old-style name: a file that is another model's is not this
   * model's answer. */
  if (g_strcmp0 (output->model, model) != 0)
    {
      tb_output_free (output);
      return NULL;
    }
  if (!with_text)
    tb_output_let_go_of_details (output);
  return output;
}

static GPtrArray *
load_outputs (TbRun    *run,
              gboolean  with_texts)
{
  GPtrArray *outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);

  if (run->dir == NULL)
    return outputs;

  for (guint m = 0; run->models[m] != NULL; m++)
    for (guint i = 0; i < run->inputs->len; i++)
      for (guint r = 1; r <= run->repeat; r++)
        {
          const char *model = run->models[m];
          TbRunInput *input = g_ptr_array_index (run->inputs, i);
          g_autofree char *relative = tb_run_output_file (run, model, input->key, r);
          g_autofree char *path = g_build_filename (run->dir, relative, NULL);
          TbOutput *output = read_output_file (path, model, with_texts);

          /* Runs of older versions named files by the old, non-injective slug. */
          if (output == NULL && !tb_run_is_test_set (run) && run->repeat == 1)
            {
              g_autofree char *legacy = tb_model_legacy_slug (model);
              g_autofree char *legacy_name = g_strconcat (legacy, ".json", NULL);

              g_free (path);
              path = g_build_filename (run->dir, "outputs", legacy_name, NULL);
              output = read_output_file (path, model, with_texts);
            }
          if (output == NULL)
            continue;
          if (output->input == NULL)
            output->input = g_strdup (input->key);
          output->repeat = r;
          g_ptr_array_add (outputs, output);
        }
  return outputs;
}

GPtrArray *
tb_store_load_outputs (TbStore *self,
                       TbRun   *run)
{
  g_return_val_if_fail (TB_IS_STORE (self),
                        g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free));
  g_return_val_if_fail (run != NULL,
                        g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free));

  return load_outputs (run, TRUE);
}

static int
compare_judgment_names (gconstpointer a,
                        gconstpointer b,
                        gpointer      user_data)
{
  return tb_judgment_compare_file_names (*(const char * const *) a, *(const char * const *) b);
}

/* The "*.json" files of one of the run's folders, newest first, without the empty ones (a
 * name claimed by a file still being written). */
static GPtrArray *
list_json_files (TbRun      *run,
                 const char *folder)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir = g_build_filename (run->dir, folder, NULL);
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    if (name[0] != '.' && g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort_with_data (names, compare_judgment_names, NULL);

  for (guint i = 0; i < names->len; i++)
    {
      char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      GStatBuf info;

      if (g_stat (path, &info) == 0 && info.st_size == 0)
        {
          g_free (path);
          continue;
        }
      g_ptr_array_add (paths, path);
    }
  return paths;
}

/* A record read from its file, given its path and name; NULL + error when it is not one. */
typedef gpointer (*RecordReader) (const char  *path,
                                  const char  *file,
                                  GError     **error);

/* Every record under `folder` of the run, newest first; one that does not read is skipped
 * with a warning naming it. */
static GPtrArray *
load_records (TbRun          *run,
              const char     *folder,
              const char     *kind,
              RecordReader    read,
              GDestroyNotify  free_record)
{
  GPtrArray *records = g_ptr_array_new_with_free_func (free_record);
  g_autoptr(GPtrArray) paths = NULL;

  if (run->dir == NULL)
    return records;

  paths = list_json_files (run, folder);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr(GError) error = NULL;
      g_autofree char *file = g_path_get_basename (path);
      gpointer record = read (path, file, &error);

      if (record == NULL)
        {
          g_warning ("Skipping %s %s: %s", kind, path, error->message);
          continue;
        }
      g_ptr_array_add (records, record);
    }
  return records;
}

static gpointer
read_judgment_as (const char  *path,
                  const char  *file,
                  gboolean     with_reasoning,
                  GError     **error)
{
  TbJudgment *judgment = tb_judgment_read_file (path, TB_STORE_MAX_FILE, with_reasoning,
                                                error);

  if (judgment == NULL)
    return NULL;
  judgment->file = g_strdup (file);
  /* A hand-edited file may have lost it; its name says when it was made. */
  if (judgment->created_at == NULL)
    judgment->created_at = tb_judgment_time_from_file_name (judgment->file);
  return judgment;
}

static gpointer
read_judgment (const char  *path,
               const char  *file,
               GError     **error)
{
  return read_judgment_as (path, file, TRUE, error);
}

static gpointer
read_judgment_lean (const char  *path,
                    const char  *file,
                    GError     **error)
{
  return read_judgment_as (path, file, FALSE, error);
}

static gpointer
read_rating (const char  *path,
             const char  *file,
             GError     **error)
{
  g_autoptr(JsonNode) node = tb_json_read_file (path, TB_STORE_MAX_FILE, error);
  TbRating *rating = node != NULL ? tb_rating_from_json (node, error) : NULL;

  if (rating != NULL)
    rating->file = g_strdup (file);
  return rating;
}

GPtrArray *
tb_store_load_judgments (TbStore *self,
                         TbRun   *run)
{
  g_return_val_if_fail (TB_IS_STORE (self) && run != NULL,
                        g_ptr_array_new_with_free_func ((GDestroyNotify) tb_judgment_free));

  return load_records (run, "judgments", "judgment", read_judgment,
                       (GDestroyNotify) tb_judgment_free);
}

GPtrArray *
tb_store_load_ratings (TbStore *self,
                       TbRun   *run)
{
  g_return_val_if_fail (TB_IS_STORE (self) && run != NULL,
                        g_ptr_array_new_with_free_func ((GDestroyNotify) tb_rating_free));

  return load_records (run, "ratings", "rating", read_rating, (GDestroyNotify) tb_rating_free);
}

gboolean
tb_store_delete_run (TbStore  *self,
                     TbRun    *run,
                     GError  **error)
{
  g_autofree char *results = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *grandparent = NULL;
  g_autofree char *base = NULL;
  g_autofree char *usecase = NULL;
  GStatBuf info;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (run != NULL, FALSE);

  if (!require_run_dir (run, error))
    return FALSE;

  /* Only ever results/<usecase>/<run-id>, never whatever a corrupted dir points at. */
  results = tb_store_results_dir (self);
  dir = g_canonicalize_filename (run->dir, NULL);
  base = g_path_get_basename (dir);
  parent = g_path_get_dirname (dir);
  usecase = g_path_get_basename (parent);
  grandparent = g_path_get_dirname (parent);
  if (g_strcmp0 (grandparent, results) != 0 || !tb_run_id_is_valid (base)
      || !is_plain_name (usecase))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("Refusing to delete %s: it is not a run folder under %s"), dir, results);
      return FALSE;
    }
  if (g_lstat (dir, &info) != 0 || !S_ISDIR (info.st_mode))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_NOT_FOUND, _("Run %s does not exist"), base);
      return FALSE;
    }
  if (!g_hash_table_contains (self->locks, dir) && tb_lock_is_held (dir))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_BUSY,
                   _("Run %s is in use by another process"), base);
      return FALSE;
    }

  g_hash_table_remove (self->locks, dir);
  if (!remove_tree (dir, error))
    {
      g_prefix_error (error, _("Could not delete run %s: "), base);
      return FALSE;
    }
  return TRUE;
}

guint
tb_store_tidy (TbStore    *self,
               const char *usecase_id)
{
  g_autofree char *results = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GDir) folder = NULL;
  g_autoptr(GPtrArray) leftovers = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  guint removed = 0;

  g_return_val_if_fail (TB_IS_STORE (self), 0);

  if (!tb_usecase_id_is_valid (usecase_id))
    return 0;
  results = tb_store_results_dir (self);
  dir = g_build_filename (results, usecase_id, NULL);
  folder = g_dir_open (dir, 0, NULL);
  while (folder != NULL && (name = g_dir_read_name (folder)) != NULL)
    if (g_str_has_prefix (name, CREATING_PREFIX))
      g_ptr_array_add (leftovers, g_build_filename (dir, name, NULL));

  for (guint i = 0; i < leftovers->len; i++)
    {
      const char *path = g_ptr_array_index (leftovers, i);
      g_autoptr(GError) error = NULL;

      /* A creation under way holds its lock; only a dead one's folder goes. */
      if (tb_lock_is_held (path))
        continue;
      if (remove_tree (path, &error))
        removed++;
      else
        g_warning ("%s", error->message);
    }
  return removed;
}

/* A creation of an older version is milliseconds long; this leaves it alone for longer. */
#define ABANDONED_AFTER_S 60

/* Whether `dir` holds anything but empty folders. */
static gboolean
holds_files (const char *dir)
{
  g_autoptr(GDir) folder = g_dir_open (dir, 0, NULL);
  const char *name;

  while (folder != NULL && (name = g_dir_read_name (folder)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);
      GStatBuf info;

      if (g_lstat (child, &info) != 0 || !S_ISDIR (info.st_mode) || holds_files (child))
        return TRUE;
    }
  return FALSE;
}

gboolean
tb_store_remove_abandoned (TbStore    *self,
                           const char *dir)
{
  g_autofree char *base = NULL;
  g_autofree char *run_json = NULL;
  g_autofree char *outputs = NULL;
  g_autofree char *judgments = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf info;

  g_return_val_if_fail (TB_IS_STORE (self), FALSE);
  g_return_val_if_fail (dir != NULL, FALSE);

  base = g_path_get_basename (dir);
  run_json = g_build_filename (dir, "run.json", NULL);
  outputs = g_build_filename (dir, "outputs", NULL);
  judgments = g_build_filename (dir, "judgments", NULL);
  if (!tb_run_id_is_valid (base) || g_lstat (dir, &info) != 0 || !S_ISDIR (info.st_mode)
      || g_file_test (run_json, G_FILE_TEST_EXISTS)
      || info.st_mtime > g_get_real_time () / G_USEC_PER_SEC - ABANDONED_AFTER_S
      || g_hash_table_contains (self->locks, dir) || tb_lock_is_held (dir)
      || holds_files (outputs) || holds_files (judgments))
    return FALSE;

  if (!remove_tree (dir, &error))
    {
      g_debug ("Could not remove the abandoned run folder %s: %s", dir, error->message);
      return FALSE;
    }
  g_debug ("Removed %s: a creation killed before it wrote run.json", dir);
  return TRUE;
}

/* ---------------------------------------------------------------------------------------- */
/* Run data                                                                                  */

static TbRunData *
load_run_data (TbStore  *self,
               TbRun    *run,
               gboolean  with_texts)
{
  TbRunData *data = g_new0 (TbRunData, 1);

  data->run = run;
  data->outputs = load_outputs (run, with_texts);
  data->judgments = with_texts ? tb_store_load_judgments (self, run)
                               : load_records (run, "judgments", "judgment", read_judgment_lean,
                                               (GDestroyNotify) tb_judgment_free);
  data->ratings = tb_store_load_ratings (self, run);
  return data;
}

TbRunData *
tb_store_load_run_data_for (TbStore *self,
                            TbRun   *run)
{
  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  g_return_val_if_fail (run != NULL, NULL);

  return load_run_data (self, run, TRUE);
}

TbRunData *
tb_store_load_run_data_lean_for (TbStore *self,
                                 TbRun   *run)
{
  g_return_val_if_fail (TB_IS_STORE (self), NULL);
  g_return_val_if_fail (run != NULL, NULL);

  return load_run_data (self, run, FALSE);
}

TbRunData *
tb_store_load_run_data (TbStore     *self,
                        const char  *run_id,
                        GError     **error)
{
  TbRun *run = tb_store_load_run (self, run_id, error);

  return run != NULL ? load_run_data (self, run, TRUE) : NULL;
}

TbRunData *
tb_store_load_run_data_lean (TbStore     *self,
                             const char  *run_id,
                             GError     **error)
{
  TbRun *run = tb_store_load_run (self, run_id, error);

  return run != NULL ? load_run_data (self, run, FALSE) : NULL;
}

void
tb_run_data_free (TbRunData *data)
{
  if (data == NULL)
    return;
  g_clear_pointer (&data->run, tb_run_free);
  g_clear_pointer (&data->outputs, g_ptr_array_unref);
  g_clear_pointer (&data->judgments, g_ptr_array_unref);
  g_clear_pointer (&data->ratings, g_ptr_array_unref);
  g_free (data);
}

TbOutput *
tb_run_data_find_output (TbRunData  *data,
                         const char *model,
                         const char *input_key,
                         guint       repeat)
{
  g_return_val_if_fail (data != NULL, NULL);

  for (guint i = 0; i < data->outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (data->outputs, i);

      if (g_strcmp0 (output->model, model) == 0
          && (input_key == NULL || g_strcmp0 (output->input, input_key) == 0)
          && output->repeat == MAX (repeat, 1))
        return output;
    }
  return NULL;
}
