/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-bench"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "bench-util.h"

gint64
bench_monotonic_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

int
bench_launcher_main (int    argc,
                     char **argv)
{
  const char *report_path;
  struct rusage usage;
  gint64 start, end;
  pid_t pid;
  int status = 0;
  FILE *report;

  if (argc < 5 || strcmp (argv[3], "--") != 0)
    {
      fprintf (stderr, "usage: %s --launcher REPORT -- PROGRAM [ARGS...]\n", argv[0]);
      return 2;
    }
  report_path = argv[2];

  start = bench_monotonic_us ();
  pid = fork ();
  if (pid < 0)
    {
      perror ("launcher: fork");
      return 1;
    }
  if (pid == 0)
    {
      execvp (argv[4], &argv[4]);
      fprintf (stderr, "launcher: cannot run %s: %s\n", argv[4], strerror (errno));
      _exit (127);
    }
  while (wait4 (pid, &status, 0, &usage) < 0)
    {
      if (errno != EINTR)
        {
          perror ("launcher: wait4");
          return 1;
        }
    }
  end = bench_monotonic_us ();

  report = fopen (report_path, "w");
  if (report == NULL)
    {
      perror ("launcher: report");
      return 1;
    }
  fprintf (report, "%d %d %" G_GINT64_FORMAT " %ld %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
           WIFEXITED (status) ? WEXITSTATUS (status) : -1,
           WIFSIGNALED (status) ? WTERMSIG (status) : 0,
           end - start,
           usage.ru_maxrss,
           (gint64) usage.ru_utime.tv_sec * G_USEC_PER_SEC + usage.ru_utime.tv_usec,
           (gint64) usage.ru_stime.tv_sec * G_USEC_PER_SEC + usage.ru_stime.tv_usec);
  return fclose (report) == 0 ? 0 : 1;
}

static int
open_output (const char  *path,
             GError     **error)
{
  int fd = g_open (path != NULL ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                   0644);

  if (fd < 0)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "cannot open %s: %s",
                 path, g_strerror (errno));
  return fd;
}

gboolean
bench_measure (const char * const  *argv,
               const char * const  *envp,
               const char          *out,
               const char          *err,
               BenchSample         *sample,
               GError             **error)
{
  g_autofree char *exe = bench_self_exe ();
  g_autofree char *report = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  int report_fd;
  int out_fd, err_fd;

  report_fd = g_file_open_tmp ("bench-XXXXXX.report", &report, error);
  if (report_fd < 0)
    return FALSE;
  close (report_fd);

  g_ptr_array_add (args, exe);
  g_ptr_array_add (args, (char *) "--launcher");
  g_ptr_array_add (args, report);
  g_ptr_array_add (args, (char *) "--");
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (char *) argv[i]);
  g_ptr_array_add (args, NULL);

  out_fd = open_output (out, error);
  if (out_fd < 0)
    return FALSE;
  err_fd = open_output (err, error);
  if (err_fd < 0)
    {
      close (out_fd);
      return FALSE;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_environ (launcher, (char **) envp);
  g_subprocess_launcher_take_stdout_fd (launcher, out_fd);
  g_subprocess_launcher_take_stderr_fd (launcher, err_fd);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, error);
  if (process == NULL || !g_subprocess_wait (process, NULL, error))
    return FALSE;

  if (!g_file_get_contents (report, &text, NULL, error))
    return FALSE;
  g_unlink (report);
  memset (sample, 0, sizeof *sample);
  if (sscanf (text, "%d %d %" G_GINT64_FORMAT " %ld %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
              &sample->status, &sample->signal, &sample->wall_us, &sample->maxrss_kb,
              &sample->user_us, &sample->sys_us) != 6)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the launcher wrote no report");
      return FALSE;
    }
  return TRUE;
}

char *
bench_self_exe (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_file_read_link ("/proc/self/exe", &error);

  if (path == NULL)
    g_error ("cannot find this program (/proc/self/exe): %s", error->message);
  return path;
}

char *
bench_locate_cli (const char *exe,
                  const char *fallback)
{
  g_autofree char *bench_dir = g_path_get_dirname (exe);
  g_autofree char *build_dir = g_path_get_dirname (bench_dir);
  g_autofree char *sibling = g_build_filename (build_dir, "src", "cli", "taskbench-cli", NULL);

  if (g_file_test (sibling, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&sibling);
  if (fallback != NULL && g_file_test (fallback, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (fallback);
  return NULL;
}

void
bench_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_SYMLINK) && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      dir = g_dir_open (path, 0, NULL);
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          bench_remove_tree (child);
        }
    }
  if (g_remove (path) != 0 && errno != ENOENT)
    g_warning ("cannot remove %s: %s", path, g_strerror (errno));
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

double
bench_median (gint64 *values,
              guint   n)
{
  if (n == 0)
    return 0;
  qsort (values, n, sizeof (gint64), compare_int64);
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}
