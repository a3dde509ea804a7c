/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the benchmarks share: a launcher process that measures one program, paths, and
 * medians. */

/* What the launcher measured of one program run. */
typedef struct {
  int     status;        /* exit status, -1 when killed */
  int     signal;        /* the signal that killed it, or 0 */
  gint64  wall_us;
  glong   maxrss_kb;
  gint64  user_us;
  gint64  sys_us;
} BenchSample;

gint64     bench_monotonic_us (void);

/* `PROGRAM --launcher REPORT -- CMD ARGS…`: runs CMD (stdio and environment inherited) in a
 * fresh small process and writes what it measured to REPORT. A child of a large process
 * would report the parent's high-water RSS as its own (Linux carries it over at exec), so
 * every measured program runs under this launcher. Returns the launcher's exit status. */
int        bench_launcher_main (int    argc,
                                char **argv);

/* Runs `argv` under the launcher (this program re-executed), with `envp`, stdout and stderr
 * to `out` and `err` (nullable: /dev/null). */
gboolean   bench_measure       (const char * const *argv,
                                const char * const *envp,
                                const char         *out,
                                const char         *err,
                                BenchSample        *sample,
                                GError            **error);

char      *bench_self_exe      (void);
/* <build>/bench/X → <build>/src/cli/taskbench-cli, else `fallback`. */
char      *bench_locate_cli    (const char *exe,
                                const char *fallback);
void       bench_remove_tree   (const char *path);
/* Sorts `values`. */
double     bench_median        (gint64     *values,
                                guint       n);

G_END_DECLS
