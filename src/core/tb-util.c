/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-util"
#define _GNU_SOURCE   /* renameat2 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tb-amount.h"
#include "tb-error.h"
#include "tb-util.h"

gboolean
tb_write_file_atomic (const char  *path,
                      const char  *data,
                      gssize       length,
                      GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);

  if (length < 0)
    length = strlen (data);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create folder %s: %s"), dir, g_strerror (saved_errno));
      return FALSE;
    }

  /* g_file_set_contents_full writes a temporary file beside the target, fsyncs it and
   * renames it over the target: readers see the old or the new file, never a mix. */
  return g_file_set_contents_full (path, data, length,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

/* Writes all of `data` to `fd`; FALSE with the errno in `*saved_errno` (ENOSPC for a write
 * that wrote nothing) when it cannot. */
static gboolean
write_all (int          fd,
           const char  *data,
           gsize        length,
           int         *saved_errno)
{
  gsize written = 0;

  while (written < length)
    {
      gssize n = write (fd, data + written, length - written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          *saved_errno = n < 0 ? errno : ENOSPC;
          return FALSE;
        }
      written += n;
    }
  return TRUE;
}

/* tb_set_file_error () for errno as it is now, about writing `path` (or making it, a
 * folder). */
static gboolean
fail_with_errno (GError     **error,
                 const char  *path,
                 gboolean     making_folder)
{
  int saved_errno = errno;

  if (making_folder)
    return tb_set_file_error (error, saved_errno, _("Could not create folder %s: %s"), path,
                              g_strerror (saved_errno));
  return tb_set_file_error (error, saved_errno, _("Could not write %s: %s"), path,
                            g_strerror (saved_errno));
}

gboolean
tb_write_file_unsynced (const char  *path,
                        const char  *data,
                        gsize        length,
                        GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int saved_errno = 0;
  int fd;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    return fail_with_errno (error, dir, TRUE);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return fail_with_errno (error, path, FALSE);
  if (!write_all (fd, data, length, &saved_errno))
    {
      close (fd);
      errno = saved_errno;
      return fail_with_errno (error, path, FALSE);
    }
  if (close (fd) != 0)
    return fail_with_errno (error, path, FALSE);
  return TRUE;
}

gboolean
tb_sync_files_of (const char  *dir,
                  GError     **error)
{
#ifdef __linux__
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return fail_with_errno (error, dir, FALSE);
  if (syncfs (fd) != 0)
    {
      fail_with_errno (error, dir, FALSE);
      close (fd);
      return FALSE;
    }
  close (fd);
#else
  sync ();
#endif
  return TRUE;
}

static int
errno_to_code (int saved_errno)
{
  return saved_errno == ENOENT || saved_errno == ENOTDIR ? TB_ERROR_NOT_FOUND : TB_ERROR_FAILED;
}

static void
set_too_large_error (GError     **error,
                     const char  *path,
                     gsize        max_bytes)
{
  g_autofree char *limit = g_format_size_full (max_bytes, G_FORMAT_SIZE_IEC_UNITS);

  g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("%s is larger than %s"), path, limit);
}

/* tb_read_regular_file () once the file is open; the caller closes `fd`. */
static char *
read_regular_fd (int          fd,
                 const char  *path,
                 gsize        max_bytes,
                 gsize       *length,
                 GError     **error)
{
  g_autofree char *data = NULL;
  gsize capacity;
  gsize length_read = 0;
  GStatBuf st;

  if (fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, TB_ERROR, errno_to_code (saved_errno), _("Cannot read %s: %s"),
                   path, g_strerror (saved_errno));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("%s is not a regular file"), path);
      return NULL;
    }
  if (st.st_size > 0 && (guint64) st.st_size > max_bytes)
    {
      set_too_large_error (error, path, max_bytes);
      return NULL;
    }

  /* The size is a hint only: the file may grow while it is read, and files such as those
   * under /proc say 0. Reading stops one byte past the limit. The buffer is the file's size
   * (a judgment of thousands of scores is megabytes: a GByteArray would round it up to the
   * next power of two). */
  capacity = (gsize) MIN ((guint64) MAX (st.st_size, 0), max_bytes) + 1;
  data = g_malloc (capacity + 1);
  for (;;)
    {
      gssize n;

      if (length_read == capacity)
        {
          if (capacity > max_bytes)
            {
              set_too_large_error (error, path, max_bytes);
              return NULL;
            }
          capacity = MIN (MAX (capacity * 2, 16384),
                          max_bytes < G_MAXSIZE - 1 ? max_bytes + 1 : G_MAXSIZE - 1);
          data = g_realloc (data, capacity + 1);
        }
      n = read (fd, data + length_read, capacity - length_read);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, TB_ERROR, errno_to_code (saved_errno), _("Cannot read %s: %s"),
                       path, g_strerror (saved_errno));
          return NULL;
        }
      if (n == 0)
        break;
      length_read += n;
    }
  if (length_read > max_bytes)
    {
      set_too_large_error (error, path, max_bytes);
      return NULL;
    }

  if (length != NULL)
    *length = length_read;
  data[length_read] = '\0';
  return g_steal_pointer (&data);
}

gboolean
tb_set_file_error (GError     **error,
                   int          saved_errno,
                   const char  *format,
                   ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), message);
  return FALSE;
}

/* Moves `from` to `to` unless `to` exists; errno EEXIST when it does. */
static int
rename_no_replace (const char *from,
                   const char *to)
{
  if (renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
    return -1;
  /* A file system without RENAME_NOREPLACE: a hard link fails the same way on a taken
   * name, and appears as whole. */
  if (link (from, to) != 0)
    return -1;
  g_unlink (from);
  return 0;
}

gboolean
tb_write_file_exclusive (const char  *path,
                         const char  *data,
                         gssize       length,
                         GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(TbStagedFile) staged = NULL;

  if (length < 0)
    length = strlen (data);

  staged = tb_staged_file_new (dir, error);
  return staged != NULL && tb_staged_file_write (staged, data, length, error)
         && tb_staged_file_commit (staged, path, FALSE, error);
}

#define STAGED_PREFIX ".staged-"

struct _TbStagedFile
{
  char     *temp;
  int       fd;          /* -1 once synced and closed */
  gboolean  committed;
};

TbStagedFile *
tb_staged_file_new (const char  *dir,
                    GError     **error)
{
  TbStagedFile *file;
  g_autofree char *temp = NULL;
  int fd;

  g_return_val_if_fail (dir != NULL, NULL);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      tb_set_file_error (error, errno, _("Could not create folder %s: %s"), dir,
                         g_strerror (errno));
      return NULL;
    }
  temp = g_build_filename (dir, STAGED_PREFIX "XXXXXX", NULL);
  fd = g_mkstemp_full (temp, O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      tb_set_file_error (error, errno, _("Could not create %s: %s"), temp, g_strerror (errno));
      return NULL;
    }
  file = g_new0 (TbStagedFile, 1);
  file->temp = g_steal_pointer (&temp);
  file->fd = fd;
  return file;
}

gboolean
tb_staged_file_write (TbStagedFile  *file,
                      const char    *data,
                      gsize          length,
                      GError       **error)
{
  int saved_errno = 0;

  g_return_val_if_fail (file != NULL && file->fd >= 0, FALSE);

  if (!write_all (file->fd, data, length, &saved_errno))
    return tb_set_file_error (error, saved_errno, _("Could not create %s: %s"), file->temp,
                              g_strerror (saved_errno));
  return TRUE;
}

gboolean
tb_staged_file_commit (TbStagedFile  *file,
                       const char    *path,
                       gboolean       replace,
                       GError       **error)
{
  int saved_errno;

  g_return_val_if_fail (file != NULL && !file->committed && path != NULL, FALSE);

  /* on disk before it has its name, as tb_write_file_atomic does */
  if (file->fd >= 0)
    {
      int fd = file->fd;

      file->fd = -1;
      if (fsync (fd) != 0)
        {
          saved_errno = errno;
          close (fd);
          return tb_set_file_error (error, saved_errno, _("Could not create %s: %s"), path,
                                    g_strerror (saved_errno));
        }
      if (close (fd) != 0)
        return tb_set_file_error (error, errno, _("Could not create %s: %s"), path,
                                  g_strerror (errno));
    }
  if ((replace ? g_rename (file->temp, path) : rename_no_replace (file->temp, path)) != 0)
    {
      saved_errno = errno;
      return tb_set_file_error (error, saved_errno, _("Could not create %s: %s"), path,
                                g_strerror (saved_errno));
    }
  file->committed = TRUE;
  return TRUE;
}

guint
tb_staged_file_remove_leftovers (const char *dir)
{
  g_autoptr(GDir) handle = NULL;
  const char *name;
  guint removed = 0;

  g_return_val_if_fail (dir != NULL, 0);

  handle = g_dir_open (dir, 0, NULL);
  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_prefix (name, STAGED_PREFIX) && strlen (name) == strlen (STAGED_PREFIX) + 6)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);

        removed += g_unlink (path) == 0;
      }
  return removed;
}

void
tb_staged_file_free (TbStagedFile *file)
{
  if (file == NULL)
    return;
  if (file->fd >= 0)
    close (file->fd);
  if (!file->committed)
    g_unlink (file->temp);
  g_free (file->temp);
  g_free (file);
}

char *
tb_read_regular_file (const char  *path,
                      gsize        max_bytes,
                      gsize       *length,
                      GError     **error)
{
  GStatBuf st;
  char *data;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (max_bytes < G_MAXUINT, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Not even opened when it is plainly not a file, as opening some devices has effects.
   * The check on the open descriptor is the one that counts: the path can change. */
  if (g_stat (path, &st) == 0 && !S_ISREG (st.st_mode))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("%s is not a regular file"), path);
      return NULL;
    }

  fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, TB_ERROR, errno_to_code (saved_errno), _("Cannot open %s: %s"),
                   path, g_strerror (saved_errno));
      return NULL;
    }
  data = read_regular_fd (fd, path, max_bytes, length, error);
  close (fd);
  return data;
}

char *
tb_sha256_hex (const void *data,
               gsize       length)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, length);
}

char *
tb_utc_now_iso8601 (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

char *
tb_utc_now_compact (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y%m%dT%H%M%SZ");
}

char *
tb_check_text_input (const char *data,
                     gsize       length)
{
  const char *end = NULL;
  gboolean blank = TRUE;

  if (length == 0)
    return g_strdup (_("is empty"));

  for (gsize i = 0; i < length; i++)
    {
      guchar c = (guchar) data[i];

      if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f'))
        return g_strdup_printf (_("is not text (binary data at byte %lu)"), (gulong) i);
      if (!g_ascii_isspace (c))
        blank = FALSE;
    }

  if (!g_utf8_validate (data, length, &end))
    return g_strdup_printf (_("is not UTF-8 text (invalid byte at offset %lu)"),
                            (gulong) (end - data));
  if (blank)
    return g_strdup (_("holds only white space"));

  return NULL;
}

gint64
tb_estimate_tokens (const char *text,
                    gssize      length)
{
  if (text == NULL)
    return 0;
  if (length < 0)
    length = strlen (text);

  return (length + 3) / 4;
}

char *
tb_format_usd (double usd)
{
  /* As the files store it: a mean that sums to 0.0009999999999999998 shows as $0.001. */
  usd = tb_amount_round (usd);
  if (usd == 0)
    return g_strdup ("$0.00");
  if (usd >= 1.0)
    return g_strdup_printf ("$%.2f", usd);
  if (usd >= 0.01)
    return g_strdup_printf ("$%.4f", usd);

  return g_strdup_printf ("$%.6f", usd);
}

guint
tb_env_uint (const char *name,
             guint       fallback)
{
  const char *value = g_getenv (name);
  guint64 parsed = 0;

  if (value == NULL || *value == '\0')
    return fallback;
  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &parsed, NULL))
    {
      g_warning ("Ignoring %s=%s: not a whole number", name, value);
      return fallback;
    }

  return (guint) parsed;
}

char *
tb_find_share_dir (const char *below_share,
                   const char *fallback)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *exe_dir = exe != NULL ? g_path_get_dirname (exe) : NULL;
  g_autofree char *relocated = NULL;

  if (exe_dir != NULL)
    {
      relocated = g_build_filename (exe_dir, "..", "share", below_share, NULL);
      if (g_file_test (relocated, G_FILE_TEST_IS_DIR))
        return g_canonicalize_filename (relocated, NULL);
    }

  return g_strdup (fallback);
}

void
tb_init_i18n (void)
{
  const char *env = g_getenv ("TASKBENCH_LOCALEDIR");
  g_autofree char *locale_dir = NULL;

  locale_dir = env != NULL && *env != '\0' ? g_strdup (env)
                                           : tb_find_share_dir ("locale", LOCALEDIR);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
