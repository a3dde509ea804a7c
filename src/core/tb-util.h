/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Sets a G_FILE_ERROR for `saved_errno` with the message `format` (which usually takes a
 * path and g_strerror (saved_errno)). Always FALSE, for `return tb_set_file_error (…)`. */
gboolean  tb_set_file_error      (GError     **error,
                                  int          saved_errno,
                                  const char  *format,
                                  ...) G_GNUC_PRINTF (3, 4);

/* Writes through a temporary file in the same folder and renames it into place, so a
 * reader never sees half a file and a crash leaves the old version. Creates parents. */
gboolean  tb_write_file_atomic   (const char  *path,
                                  const char  *data,
                                  gssize       length,
                                  GError     **error);

/* Writes a new file in a folder nothing reads yet (a run's staging folder), without a
 * sync of its own: tb_sync_files_of () then makes the whole folder durable at once, before
 * it is renamed into sight. Twenty inputs took forty fsyncs before a run's first call. */
gboolean  tb_write_file_unsynced (const char  *path,
                                  const char  *data,
                                  gsize        length,
                                  GError     **error);

/* Makes every file written on the file system holding `dir` durable (syncfs; sync where
 * there is none). */
gboolean  tb_sync_files_of       (const char  *dir,
                                  GError     **error);

/* The same, only when `path` does not exist yet: the whole file appears under its name at
 * once, or — when the name is taken — nothing does (G_FILE_ERROR_EXIST). The name is never
 * seen empty, so a crash cannot leave an empty file under it; at worst the staged file
 * (`.staged-XXXXXX`, tb_staged_file_new) stays beside it. */
gboolean  tb_write_file_exclusive (const char  *path,
                                   const char  *data,
                                   gssize       length,
                                   GError     **error);

/* A file written in pieces before it gets its name: made under a temporary name in `dir`
 * (".staged-XXXXXX", which no reader of records lists), filled piece by piece, then synced
 * and renamed to `path` — over the file there, or (`replace` FALSE) only when the name is
 * free, G_FILE_ERROR_EXIST otherwise, the staged file kept for another name. A large file
 * is never whole in memory, and readers see the old file or the new one. Freed before it
 * is committed, the staged file is removed. */
typedef struct _TbStagedFile TbStagedFile;

TbStagedFile *tb_staged_file_new    (const char    *dir,
                                     GError       **error);
gboolean      tb_staged_file_write  (TbStagedFile  *file,
                                     const char    *data,
                                     gsize          length,
                                     GError       **error);
gboolean      tb_staged_file_commit (TbStagedFile  *file,
                                     const char    *path,
                                     gboolean       replace,
                                     GError       **error);
void          tb_staged_file_free   (TbStagedFile  *file);
/* Removes the staged files a killed writer left in `dir`; only for a folder no other
 * writer uses now (the caller holds its lock). Returns how many. */
guint         tb_staged_file_remove_leftovers (const char *dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbStagedFile, tb_staged_file_free)

char     *tb_sha256_hex          (const void  *data,
                                  gsize        length);

/* "2026-11-25T11:51:06Z" */
char     *tb_utc_now_iso8601     (void);

/* "20261125T115106Z" (compact, sortable; used in run ids and judgment file names) */
char     *tb_utc_now_compact     (void);

/* Reads a whole regular file, refusing anything else before it could block: it opens with
 * O_NONBLOCK (a FIFO without a writer does not wait), checks the open descriptor, and
 * reads at most `max_bytes` (less than 4 GiB). Errors: TB_ERROR_NOT_FOUND when the file does not exist;
 * TB_ERROR_INVALID for a FIFO, a device, a folder or a socket (also behind a symlink)
 * ("… is not a regular file") and for a file larger than `max_bytes` ("… is larger than
 * 1.0 MiB"); TB_ERROR_FAILED for other I/O errors. The result is NUL-terminated;
 * `length` (nullable) gets its size without the NUL. */
char     *tb_read_regular_file   (const char  *path,
                                  gsize        max_bytes,
                                  gsize       *length,
                                  GError     **error);

/* NULL when the bytes are acceptable text input; else a user message such as
 * "is empty" or "is not UTF-8 text (binary data at byte 12)". */
char     *tb_check_text_input    (const char  *data,
                                  gsize        length);

/* Roughly four characters a token; good enough to choose a context and to chunk. */
gint64    tb_estimate_tokens     (const char  *text,
                                  gssize       length);

/* Formats US dollars with enough digits for sub-cent calls: "$0.000412". */
char     *tb_format_usd          (double       usd);

/* Environment knobs, read once where needed. */
guint     tb_env_uint            (const char  *name,
                                  guint        fallback);

/* <folder of the running binary>/../share/<below_share> when it exists (an installed tree,
 * also one installed with DESTDIR or moved), else a copy of `fallback` (may be NULL). */
char     *tb_find_share_dir      (const char  *below_share,
                                  const char  *fallback);

/* setlocale and the gettext domain, with the catalogues from TASKBENCH_LOCALEDIR (tests of
 * the uninstalled build), else beside the binary, else the configured LOCALEDIR. */
void      tb_init_i18n           (void);

G_END_DECLS
