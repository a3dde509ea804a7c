/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-home"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tb-error.h"
#include "tb-home.h"
#include "tb-usecase.h"
#include "tb-util.h"

char *
tb_home_resolve (const char *explicit_home)
{
  const char *env = g_getenv ("TASKBENCH_HOME");
  g_autofree char *cwd = NULL;
  g_autofree char *cwd_usecases = NULL;

  if (explicit_home != NULL && *explicit_home != '\0')
    return g_canonicalize_filename (explicit_home, NULL);
  if (env != NULL && *env != '\0')
    return g_canonicalize_filename (env, NULL);

  cwd = g_get_current_dir ();
  cwd_usecases = g_build_filename (cwd, "usecases", NULL);
  if (g_file_test (cwd_usecases, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&cwd);

  return g_build_filename (g_get_user_data_dir (), "taskbench", NULL);
}

char *
tb_home_resolve_demo (const char *explicit_home)
{
  const char *env = g_getenv ("TASKBENCH_HOME");

  if (explicit_home != NULL && *explicit_home != '\0')
    return g_canonicalize_filename (explicit_home, NULL);
  if (env != NULL && *env != '\0')
    return g_canonicalize_filename (env, NULL);
  return tb_home_default_demo ();
}

char *
tb_home_default_demo (void)
{
  return g_build_filename (g_get_user_data_dir (), "taskbench-demo", NULL);
}

gboolean
tb_home_check (const char  *home,
               GError     **error)
{
  g_return_val_if_fail (home != NULL, FALSE);

  if (g_file_test (home, G_FILE_TEST_EXISTS) && !g_file_test (home, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("The home %s is not a folder: point --home or TASKBENCH_HOME at the "
                     "folder that holds usecases/ and results/"), home);
      return FALSE;
    }
  return TRUE;
}

char *
tb_home_usecases_dir (const char *home)
{
  g_return_val_if_fail (home != NULL, NULL);
  return g_build_filename (home, "usecases", NULL);
}

char *
tb_home_usecase_path (const char *home,
                      const char *id)
{
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (home != NULL, NULL);

  if (!tb_usecase_id_is_valid (id))
    return NULL;
  dir = tb_home_usecases_dir (home);
  name = g_strconcat (id, ".yaml", NULL);
  return g_build_filename (dir, name, NULL);
}

gboolean
tb_home_usecase_exists (const char *home,
                        const char *id)
{
  g_autofree char *path = tb_home_usecase_path (home, id);

  return path != NULL && g_file_test (path, G_FILE_TEST_EXISTS);
}

static gboolean
invalid_id (const char  *id,
            GError     **error)
{
  g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
               _("“%s” is not a valid use case id: use lower-case letters, digits, “-” and "
                 "“_”, starting with a letter or digit, at most 64 characters"),
               id != NULL ? id : "");
  return FALSE;
}

gboolean
tb_home_create_usecase (const char  *home,
                        const char  *id,
                        const char  *text,
                        GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *template = NULL;
  g_autoptr(TbUsecase) check = NULL;
  int fd;

  g_return_val_if_fail (home != NULL, FALSE);

  path = tb_home_usecase_path (home, id);
  if (path == NULL)
    return invalid_id (id, error);
  if (text == NULL)
    text = template = tb_usecase_template (id);

  /* Never a file that would not load: the same check a run makes. */
  check = tb_usecase_parse (id, text, -1, path, error);
  if (check == NULL)
    return FALSE;

  dir = tb_home_usecases_dir (home);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* O_EXCL claims the name; the atomic write then fills it. */
  fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved_errno = errno;

      if (saved_errno == EEXIST)
        g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("A use case “%s” already exists"), id);
      else
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                     _("Could not create %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  close (fd);

  if (!tb_write_file_atomic (path, text, -1, error))
    {
      g_unlink (path);
      return FALSE;
    }
  return TRUE;
}

char *
tb_home_free_copy_id (const char *home,
                      const char *id)
{
  /* Room for "-copy-999" within the 64 characters of an id. */
  g_autofree char *base = g_strndup (id, 55);

  for (guint n = 1; n < 1000; n++)
    {
      g_autofree char *candidate = n == 1 ? g_strdup_printf ("%s-copy", base)
                                          : g_strdup_printf ("%s-copy-%u", base, n);

      if (!tb_home_usecase_exists (home, candidate))
        return g_steal_pointer (&candidate);
    }
  return NULL;
}

char *
tb_home_duplicate_usecase (const char  *home,
                           const char  *id,
                           const char  *text,
                           GError     **error)
{
  g_autofree char *new_id = NULL;
  g_autofree char *file_text = NULL;
  g_autofree char *copy_text = NULL;
  g_autoptr(TbUsecase) copy = NULL;

  g_return_val_if_fail (home != NULL, NULL);

  if (!tb_usecase_id_is_valid (id))
    {
      invalid_id (id, error);
      return NULL;
    }
  if (text == NULL)
    {
      g_autofree char *path = tb_home_usecase_path (home, id);

      file_text = tb_read_regular_file (path, 1024 * 1024, NULL, error);
      if (file_text == NULL)
        return NULL;
      text = file_text;
    }

  new_id = tb_home_free_copy_id (home, id);
  if (new_id == NULL)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Use case “%s” has too many copies"), id);
      return NULL;
    }

  /* Renamed, so the two can be told apart in a list. */
  copy = tb_usecase_parse (new_id, text, -1, NULL, error);
  if (copy == NULL)
    return NULL;
  {
    g_autofree char *name = g_strdup_printf (_("%s (Copy)"), copy->name);

    g_free (copy->name);
    copy->name = g_steal_pointer (&name);
  }
  copy_text = tb_usecase_to_yaml (copy);

  if (!tb_home_create_usecase (home, new_id, copy_text, error))
    return NULL;
  return g_steal_pointer (&new_id);
}

gboolean
tb_home_delete_usecase (const char  *home,
                        const char  *id,
                        GError     **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (home != NULL, FALSE);

  path = tb_home_usecase_path (home, id);
  if (path == NULL)
    return invalid_id (id, error);
  if (g_unlink (path) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, saved_errno == ENOENT ? TB_ERROR : G_FILE_ERROR,
                   saved_errno == ENOENT ? TB_ERROR_NOT_FOUND
                                         : g_file_error_from_errno (saved_errno),
                   _("Could not delete %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
copy_tree (GFile   *from,
           GFile   *to,
           GError **error)
{
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_file_make_directory_with_parents (to, NULL, &local_error)
      && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  children = g_file_enumerate_children (from,
                                        G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                        G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NONE, NULL, error);
  if (children == NULL)
    return FALSE;

  for (;;)
    {
      GFileInfo *info = NULL;
      GFile *child = NULL;
      g_autoptr(GFile) target = NULL;

      if (!g_file_enumerator_iterate (children, &info, &child, NULL, error))
        return FALSE;
      if (info == NULL)
        break;

      target = g_file_get_child (to, g_file_info_get_name (info));
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        {
          if (!copy_tree (child, target, error))
            return FALSE;
        }
      /* Overwrite: a staging folder left by an interrupted copy is simply redone. */
      else if (!g_file_copy (child, target, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error))
        return FALSE;
    }

  return TRUE;
}

gboolean
tb_home_seed_examples (const char  *home,
                       char       **from,
                       GError     **error)
{
  g_autofree char *usecases = NULL;
  /* Beside the running binary first, so a tree installed with DESTDIR or moved elsewhere
   * still finds its own examples; else the configured data folder; else the checkout. */
  g_autofree char *installed = tb_find_share_dir ("taskbench/usecases",
                                                  PKGDATADIR "/usecases");
  g_autofree char *staging = NULL;
  g_autofree char *source = NULL;
  g_autoptr(GFile) source_file = NULL;
  g_autoptr(GFile) staging_file = NULL;

  g_return_val_if_fail (home != NULL, FALSE);

  usecases = tb_home_usecases_dir (home);
  if (g_file_test (usecases, G_FILE_TEST_EXISTS))
    return FALSE;

  if (g_file_test (installed, G_FILE_TEST_IS_DIR))
    source = g_strdup (installed);
  else if (g_file_test (SOURCE_USECASES_DIR, G_FILE_TEST_IS_DIR))
    source = g_strdup (SOURCE_USECASES_DIR);
  if (source == NULL)
    return FALSE;

  /* Copied beside the target and renamed into place, so a half copy never looks like a
   * home that has its use cases. */
  staging = g_strconcat (usecases, ".seeding", NULL);
  source_file = g_file_new_for_path (source);
  staging_file = g_file_new_for_path (staging);
  if (!copy_tree (source_file, staging_file, error))
    {
      g_prefix_error (error, _("Could not copy the example use cases into %s: "), usecases);
      return FALSE;
    }
  if (g_rename (staging, usecases) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not copy the example use cases into %s: %s"), usecases,
                   g_strerror (saved_errno));
      return FALSE;
    }

  if (from != NULL)
    *from = g_steal_pointer (&source);
  return TRUE;
}
