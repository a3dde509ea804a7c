/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-lock"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tb-error.h"
#include "tb-lock.h"

#define LOCK_NAME ".lock"
/* How long an acquirer waits out another process's glance at the lock (see below). */
#define GLANCE_RETRIES 25
#define GLANCE_WAIT_US 2000

struct _TbLock {
  int fd;
};

static int
holder_pid (const char *path)
{
  g_autofree char *text = NULL;
  gint64 pid;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  pid = g_ascii_strtoll (text, NULL, 10);
  return pid > 0 && pid <= G_MAXINT ? (int) pid : 0;
}

TbLock *
tb_lock_acquire (const char  *dir,
                 const char  *what,
                 GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  TbLock *lock;
  int fd;

  g_return_val_if_fail (dir != NULL, NULL);

  path = g_build_filename (dir, LOCK_NAME, NULL);
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, TB_ERROR, TB_ERROR_FAILED, _("Could not lock %s: %s"), what,
                   g_strerror (saved_errno));
      return NULL;
    }

  for (guint glances = 0; flock (fd, LOCK_EX | LOCK_NB) != 0; )
    {
      int saved_errno = errno;

      if (saved_errno == EINTR)
        continue;
      /* flock(2) cannot say whether a file is locked without locking it: tb_lock_is_held
       * takes the lock shared for the time of a system call. A holder keeps it for as long
       * as it works on the run, so a lock still taken after a few milliseconds is held; a
       * glance at it is gone by then. */
      if (saved_errno == EWOULDBLOCK && glances++ < GLANCE_RETRIES)
        {
          g_usleep (GLANCE_WAIT_US);
          continue;
        }
      close (fd);
      if (saved_errno == EWOULDBLOCK)
        {
          int pid = holder_pid (path);

          if (pid > 0)
            g_set_error (error, TB_ERROR, TB_ERROR_BUSY,
                         _("%s is in use by another process (pid %d)"), what, pid);
          else
            g_set_error (error, TB_ERROR, TB_ERROR_BUSY, _("%s is in use by another process"),
                         what);
        }
      else
        g_set_error (error, TB_ERROR, TB_ERROR_FAILED, _("Could not lock %s: %s"), what,
                     g_strerror (saved_errno));
      return NULL;
    }

  /* The pid is for people and messages only; the flock is the lock. */
  text = g_strdup_printf ("%d\n", (int) getpid ());
  if (ftruncate (fd, 0) == 0 && pwrite (fd, text, strlen (text), 0) < 0)
    g_debug ("Could not write the pid into %s: %s", path, g_strerror (errno));

  lock = g_new0 (TbLock, 1);
  lock->fd = fd;
  return lock;
}

void
tb_lock_release (TbLock *lock)
{
  if (lock == NULL)
    return;
  /* Closing the descriptor drops the flock. */
  close (lock->fd);
  g_free (lock);
}

gboolean
tb_lock_is_held (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, LOCK_NAME, NULL);
  gboolean held = FALSE;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  while (flock (fd, LOCK_SH | LOCK_NB) != 0)
    {
      if (errno == EINTR)
        continue;
      held = errno == EWOULDBLOCK;
      break;
    }
  close (fd);
  return held;
}
