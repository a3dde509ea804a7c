/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Benchmark: the window at 10,000 runs. Launches the real window (TbApplication, TbWindow,
 * in a fresh process each time) on a home made by `bench-store --generate-only`, and
 * measures, in the process: launch → window mapped with the first use case's runs listed,
 * selecting the 3,000-run use case → its runs listed, the Costs page → its sums shown, the
 * longest main-loop stall over all of it, and the peak memory (from the launcher). Prints
 * medians against the targets of issue #7. Needs a display: run it under xvfb-run. */
#define G_LOG_DOMAIN "tb-bench"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "bench-util.h"
#include "tb-application.h"
#include "tb-costs-view.h"
#include "tb-index.h"
#include "tb-run-list.h"
#include "tb-runs-view.h"
#include "tb-window.h"

#define TARGET_MAPPED_S  1.0
#define TARGET_STALL_MS  100.0
#define TARGET_RSS_MB    150.0

/* The use cases bench-store makes: the largest (30 %, and the first in the sidebar), and
 * another to switch to and back from. */
#define LARGEST "lecture-chapters"
#define OTHER   "meeting-action-items"

static int opt_launches = 5;
static char *opt_home = NULL;
static int opt_runs = 10000;
static gboolean opt_keep = FALSE;
static gboolean opt_no_gl = FALSE;
static char *opt_child_report = NULL;

static GOptionEntry entries[] = {
  { "launches", 0, 0, G_OPTION_ARG_INT, &opt_launches,
    "Launches with a warm index (default 5); one more with the index deleted", "N" },
  { "home", 0, 0, G_OPTION_ARG_FILENAME, &opt_home,
    "Use this home (made by bench-store when it has no results/ yet) and keep it", "DIR" },
  { "runs", 0, 0, G_OPTION_ARG_INT, &opt_runs, "Runs of a home made here (default 10000)",
    "N" },
  { "keep", 0, 0, G_OPTION_ARG_NONE, &opt_keep, "Keep the temporary home", NULL },
  { "no-gl", 0, 0, G_OPTION_ARG_NONE, &opt_no_gl,
    "GDK_DEBUG=gl-disable: GTK then loads no OpenGL stack (on Xvfb, Mesa's llvmpipe)", NULL },
  { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &opt_child_report,
    "Be the measured window; write what was measured to FILE", "FILE" },
  { NULL }
};

/* ---- the measured window (child) ------------------------------------------------------- */

/* Seconds since this process was started (exec), from its start time in /proc: the dynamic
 * loading of GTK counts too. */
static double
process_start_s (void)
{
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;
  struct timespec boot;

  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL)
      || (after = strrchr (stat, ')')) == NULL)
    return -1;
  fields = g_strsplit (after + 2, " ", -1);
  /* Field 22 of the line, the 20th after the name: clock ticks after boot. */
  if (g_strv_length (fields) < 20)
    return -1;
  clock_gettime (CLOCK_BOOTTIME, &boot);
  return (boot.tv_sec + boot.tv_nsec / 1e9)
         - g_ascii_strtod (fields[19], NULL) / sysconf (_SC_CLK_TCK);
}

/* The main thread's CPU time, in microseconds. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* The watchdog: a high-priority timeout every 10 ms; the longest gap between two of its
 * dispatches, less its period, is the longest the main loop did not turn. On a machine
 * that other work keeps busy the gap also holds the time the thread waited for a core, so
 * the main thread's CPU time over the same gap is kept too: what the stall would be on a
 * core of its own. */
typedef struct {
  gint64 last_us;
  gint64 last_cpu_us;
  gint64 worst_us;
  gint64 worst_cpu_us;
} Watchdog;

static void
watchdog_start (Watchdog *dog)
{
  dog->last_us = g_get_monotonic_time ();
  dog->last_cpu_us = thread_cpu_us ();
  dog->worst_us = dog->worst_cpu_us = 0;
}

static gboolean
watchdog_cb (gpointer user_data)
{
  Watchdog *dog = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();

  dog->worst_us = MAX (dog->worst_us, now - dog->last_us - 10000);
  dog->worst_cpu_us = MAX (dog->worst_cpu_us, cpu - dog->last_cpu_us);
  /* BENCH_WINDOW_TRACE=1: each stall over 60 ms as it ends, to line up with other logs. */
  if (g_getenv ("BENCH_WINDOW_TRACE") != NULL && now - dog->last_us > 60000)
    g_printerr ("stall %.0f ms (%.0f ms of CPU) ending at %.3f s\n",
                (now - dog->last_us) / 1000.0, (cpu - dog->last_cpu_us) / 1000.0, now / 1e6);
  dog->last_us = now;
  dog->last_cpu_us = cpu;
  return G_SOURCE_CONTINUE;
}

/* The longest stall since the last call, in wall time and in CPU time (ms). */
static void
watchdog_take (Watchdog *dog,
               double   *wall_ms,
               double   *cpu_ms)
{
  *wall_ms = MAX (0, MAX (dog->worst_us, g_get_monotonic_time () - dog->last_us - 10000))
             / 1000.0;
  *cpu_ms = MAX (dog->worst_cpu_us, thread_cpu_us () - dog->last_cpu_us) / 1000.0;
  dog->worst_us = dog->worst_cpu_us = 0;
}

static void
report_stall (GString    *report,
              Watchdog   *dog,
              const char *name)
{
  double wall_ms, cpu_ms;

  watchdog_take (dog, &wall_ms, &cpu_ms);
  g_string_append_printf (report, "%s_stall_ms=%.1f\n%s_stall_cpu_ms=%.1f\n", name, wall_ms,
                          name, cpu_ms);
}

static gboolean
painted_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Turns the loop until the window has painted a frame (after what was asked so far). */
static void
wait_painted (GtkWidget *window)
{
  GdkFrameClock *clock;
  gboolean painted = FALSE;
  gulong id;

  while (!gtk_widget_get_mapped (window))
    g_main_context_iteration (NULL, TRUE);
  clock = gtk_widget_get_frame_clock (window);
  id = g_signal_connect_swapped (clock, "after-paint", G_CALLBACK (painted_cb), &painted);
  gtk_widget_queue_draw (window);
  while (!painted)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, id);
}

/* Turns the loop until `list` holds the runs of its use case, then until a frame shows
 * them. */
static void
wait_listed (GtkWidget *window,
             TbRunList *list)
{
  gint64 end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (!(tb_run_list_get_loaded (list) && !tb_run_list_get_loading (list)))
    {
      if (g_get_monotonic_time () > end)
        g_error ("the runs of %s were not listed within 120 s",
                 tb_run_list_get_usecase (list));
      g_main_context_iteration (NULL, TRUE);
    }
  wait_painted (window);
}

/* Turns the loop for `ms` (the frames that follow a change). */
static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static guint
count_rows (GtkWidget  *widget,
            const char *css_name)
{
  guint n = g_strcmp0 (gtk_widget_get_css_name (widget), css_name) == 0
            && gtk_widget_get_visible (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_rows (child, css_name);
  return n;
}

/* The resident memory now, in MB, from /proc: where along the way the peak is made. */
static double
rss_now_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (line = strstr (status, "\nVmRSS:")) == NULL)
    return 0;
  return g_ascii_strtod (line + strlen ("\nVmRSS:"), NULL) / 1024.0;
}

static double
since_s (gint64 t_us)
{
  return (g_get_monotonic_time () - t_us) / 1e6;
}

static int
child_main (void)
{
  double started = process_start_s ();
  gint64 t0_us = g_get_monotonic_time ();
  g_autoptr(TbApplication) app = NULL;
  g_autoptr(GString) report = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  Watchdog dog = { 0 };
  double ignored_wall, ignored_cpu;
  TbWindow *window;
  TbRunList *list;
  AdwViewStack *stack;
  GtkWidget *costs;
  gint64 t_us;

  if (started < 0)
    started = 0;
  gtk_init ();
  adw_init ();

  /* Launch: what main () and the first window do, with the Runs page in front. */
  app = tb_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  window = tb_window_new (app);
  list = tb_window_get_run_list (window);
  stack = ADW_VIEW_STACK (gtk_widget_get_template_child (GTK_WIDGET (window), TB_TYPE_WINDOW,
                                                         "view_stack"));
  costs = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window), TB_TYPE_WINDOW,
                                                     "costs_view"));
  adw_view_stack_set_visible_child_name (stack, "runs");
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  wait_painted (GTK_WIDGET (window));
  g_string_append_printf (report, "first_frame_s=%.4f\n", started + since_s (t0_us));

  /* From the first frame on, the loop must keep turning. */
  watchdog_start (&dog);
  g_timeout_add_full (G_PRIORITY_HIGH, 10, watchdog_cb, &dog, NULL);
  wait_listed (GTK_WIDGET (window), list);
  g_string_append_printf (report, "launch_s=%.4f\nfirst_usecase=%s\nfirst_runs=%u\n",
                          started + since_s (t0_us), tb_run_list_get_usecase (list),
                          g_list_model_get_n_items (tb_run_list_get_model (list)));
  settle (500);
  report_stall (report, &dog, "launch");
  g_string_append_printf (report, "launch_rss_mb=%.1f\n", rss_now_mb ());
  g_string_append_printf (report, "runs_rows=%u\n",
                          count_rows (tb_window_get_runs_view (window), "row"));

  /* Another use case, then the largest again, as a user clicks in the sidebar. */
  t_us = g_get_monotonic_time ();
  if (!tb_window_select_usecase (window, OTHER))
    g_error ("no use case %s", OTHER);
  wait_listed (GTK_WIDGET (window), list);
  g_string_append_printf (report, "other_s=%.4f\n", since_s (t_us));
  settle (500);
  t_us = g_get_monotonic_time ();
  watchdog_take (&dog, &ignored_wall, &ignored_cpu);
  if (!tb_window_select_usecase (window, LARGEST))
    g_error ("no use case %s", LARGEST);
  wait_listed (GTK_WIDGET (window), list);
  g_string_append_printf (report, "select_s=%.4f\nselected_runs=%u\n", since_s (t_us),
                          g_list_model_get_n_items (tb_run_list_get_model (list)));
  settle (500);
  report_stall (report, &dog, "select");
  g_string_append_printf (report, "select_rss_mb=%.1f\n", rss_now_mb ());

  /* The Costs page: the sums of every use case, and 3,000 runs in a list view. */
  t_us = g_get_monotonic_time ();
  adw_view_stack_set_visible_child_name (stack, "costs");
  while (!gtk_widget_get_mapped (costs) || tb_costs_view_is_loading (TB_COSTS_VIEW (costs)))
    g_main_context_iteration (NULL, TRUE);
  wait_painted (GTK_WIDGET (window));
  g_string_append_printf (report, "costs_s=%.4f\n", since_s (t_us));
  settle (500);
  report_stall (report, &dog, "costs");
  g_string_append_printf (report, "costs_rss_mb=%.1f\n", rss_now_mb ());
  g_string_append_printf (report, "costs_rows=%u\n", count_rows (costs, "row"));

  if (!g_file_set_contents (opt_child_report, report->str, -1, &error))
    g_error ("%s", error->message);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}

/* ---- the benchmark (parent) -------------------------------------------------------------- */

static GStrv
child_environment (const char *home,
                   const char *cache)
{
  GStrv env = g_get_environ ();

  env = g_environ_setenv (env, "TASKBENCH_HOME", home, TRUE);
  env = g_environ_setenv (env, "XDG_CACHE_HOME", cache, TRUE);
  /* Nothing reaches the network or the keyring: a refused port, a key in the environment. */
  env = g_environ_setenv (env, "TASKBENCH_BASE_URL", "http://127.0.0.1:9/api/v1", TRUE);
  env = g_environ_setenv (env, "OPENROUTER_API_KEY", "bench", TRUE);
  env = g_environ_setenv (env, "GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  env = g_environ_setenv (env, "GSETTINGS_BACKEND", "memory", TRUE);
  env = g_environ_setenv (env, "GSETTINGS_SCHEMA_DIR", BENCH_SCHEMA_DIR, TRUE);
  env = g_environ_setenv (env, "NO_AT_BRIDGE", "1", TRUE);
  env = g_environ_setenv (env, "GSK_RENDERER", "cairo", FALSE);
  if (opt_no_gl)
    env = g_environ_setenv (env, "GDK_DEBUG", "gl-disable", TRUE);
  return env;
}

typedef struct {
  double first_frame_s, launch_s, launch_stall_ms, other_s, select_s, select_stall_ms,
         costs_s, costs_stall_ms, rss_mb, launch_stall_cpu_ms, select_stall_cpu_ms,
         costs_stall_cpu_ms, launch_rss_mb, select_rss_mb, costs_rss_mb;
  guint  first_runs, selected_runs, runs_rows, costs_rows;
  char  *first_usecase;
} Launch;

/* What the measured window reports, by name. */
static const struct {
  const char *key;
  gsize       offset;
} measures[] = {
  { "first_frame_s", G_STRUCT_OFFSET (Launch, first_frame_s) },
  { "launch_s", G_STRUCT_OFFSET (Launch, launch_s) },
  { "launch_stall_ms", G_STRUCT_OFFSET (Launch, launch_stall_ms) },
  { "other_s", G_STRUCT_OFFSET (Launch, other_s) },
  { "select_s", G_STRUCT_OFFSET (Launch, select_s) },
  { "select_stall_ms", G_STRUCT_OFFSET (Launch, select_stall_ms) },
  { "costs_s", G_STRUCT_OFFSET (Launch, costs_s) },
  { "costs_stall_ms", G_STRUCT_OFFSET (Launch, costs_stall_ms) },
  { "launch_stall_cpu_ms", G_STRUCT_OFFSET (Launch, launch_stall_cpu_ms) },
  { "select_stall_cpu_ms", G_STRUCT_OFFSET (Launch, select_stall_cpu_ms) },
  { "costs_stall_cpu_ms", G_STRUCT_OFFSET (Launch, costs_stall_cpu_ms) },
  { "launch_rss_mb", G_STRUCT_OFFSET (Launch, launch_rss_mb) },
  { "select_rss_mb", G_STRUCT_OFFSET (Launch, select_rss_mb) },
  { "costs_rss_mb", G_STRUCT_OFFSET (Launch, costs_rss_mb) },
};

static gboolean
launch (const char *exe,
        GStrv       env,
        const char *report,
        Launch     *out)
{
  const char *argv[] = { exe, "--child", report, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *text = NULL;
  g_autofree char *group = NULL;
  BenchSample sample;

  g_unlink (report);
  if (!bench_measure (argv, (const char * const *) env, NULL, NULL, &sample, &error))
    g_error ("%s", error->message);
  if (sample.status != 0 || !g_file_get_contents (report, &text, NULL, NULL))
    {
      g_printerr ("bench-window: the window exited %d (signal %d) without a report\n",
                  sample.status, sample.signal);
      return FALSE;
    }
  group = g_strconcat ("[m]\n", text, NULL);
  if (!g_key_file_load_from_data (keys, group, -1, G_KEY_FILE_NONE, &error))
    g_error ("%s", error->message);
  for (guint i = 0; i < G_N_ELEMENTS (measures); i++)
    G_STRUCT_MEMBER (double, out, measures[i].offset) =
      g_key_file_get_double (keys, "m", measures[i].key, NULL);
  out->first_runs = g_key_file_get_integer (keys, "m", "first_runs", NULL);
  out->selected_runs = g_key_file_get_integer (keys, "m", "selected_runs", NULL);
  out->runs_rows = g_key_file_get_integer (keys, "m", "runs_rows", NULL);
  out->costs_rows = g_key_file_get_integer (keys, "m", "costs_rows", NULL);
  out->first_usecase = g_key_file_get_string (keys, "m", "first_usecase", NULL);
  out->rss_mb = sample.maxrss_kb / 1024.0;
  return TRUE;
}

static double
median_of (Launch *launches,
           guint   n,
           gsize   offset)
{
  g_autofree gint64 *values = g_new0 (gint64, n);

  /* In microseconds (or kilobytes) for bench_median's integers. */
  for (guint i = 0; i < n; i++)
    values[i] = (gint64) (G_STRUCT_MEMBER (double, &launches[i], offset) * 1e6);
  return bench_median (values, n) / 1e6;
}

static void
print_row (const char *label,
           double      value,
           const char *unit,
           double      target,
           gboolean    has_target)
{
  /* Padded by characters, not bytes: the labels hold arrows. */
  g_autofree char *padding = g_strnfill (MAX (0, 46 - (int) g_utf8_strlen (label, -1)), ' ');

  if (has_target)
    g_print ("%s%s %9.3f %-3s %8.1f %-3s %s\n", label, padding, value, unit, target, unit,
             value <= target ? "PASS" : "FAIL");
  else
    g_print ("%s%s %9.3f %-3s\n", label, padding, value, unit);
}

static double
worst_of (Launch *launches,
          guint   n,
          gsize   offset)
{
  double worst = 0;

  for (guint i = 0; i < n; i++)
    worst = MAX (worst, G_STRUCT_MEMBER (double, &launches[i], offset));
  return worst;
}

static void
print_launches (const char *title,
                Launch     *launches,
                guint       n)
{
  g_print ("\n%s (%u launch%s: medians, and the worst stall)\n", title, n, n == 1 ? "" : "es");
  g_print ("%-46s %13s %12s  %s\n", "", "value", "target", "verdict");
  print_row ("launch → first frame",
             median_of (launches, n, G_STRUCT_OFFSET (Launch, first_frame_s)), "s", 0, FALSE);
  print_row ("launch → first use case's runs listed",
             median_of (launches, n, G_STRUCT_OFFSET (Launch, launch_s)), "s",
             TARGET_MAPPED_S, TRUE);
  print_row ("select " OTHER " → listed",
             median_of (launches, n, G_STRUCT_OFFSET (Launch, other_s)), "s", 0, FALSE);
  print_row ("select " LARGEST " (3,000 runs) → listed",
             median_of (launches, n, G_STRUCT_OFFSET (Launch, select_s)), "s", 0, FALSE);
  print_row ("longest stall, launch (first frame → listed)",
             median_of (launches, n, G_STRUCT_OFFSET (Launch, launch_stall_ms)), "ms",
             TARGET_STALL_MS, TRUE);
  print_row ("longest stall, selecting " LARGEST,
             median_of (launches, n, G_STRUCT_OFFSET (Launch, select_stall_ms)), "ms",
             TARGET_STALL_MS, TRUE);
  print_row ("  worst of both over the launches",
             MAX (worst_of (launches, n, G_STRUCT_OFFSET (Launch, launch_stall_ms)),
                  worst_of (launches, n, G_STRUCT_OFFSET (Launch, select_stall_ms))), "ms",
             TARGET_STALL_MS, TRUE);
  print_row ("  the same, main-thread CPU: launch",
             median_of (launches, n, G_STRUCT_OFFSET (Launch, launch_stall_cpu_ms)), "ms",
             TARGET_STALL_MS, TRUE);
  print_row ("  the same, main-thread CPU: selecting",
             median_of (launches, n, G_STRUCT_OFFSET (Launch, select_stall_cpu_ms)), "ms",
             TARGET_STALL_MS, TRUE);
  print_row ("Costs page → sums shown",
             median_of (launches, n, G_STRUCT_OFFSET (Launch, costs_s)), "s", 0, FALSE);
  print_row ("longest stall, Costs page",
             median_of (launches, n, G_STRUCT_OFFSET (Launch, costs_stall_ms)), "ms",
             TARGET_STALL_MS, TRUE);
  print_row ("  the same, main-thread CPU",
             median_of (launches, n, G_STRUCT_OFFSET (Launch, costs_stall_cpu_ms)), "ms",
             TARGET_STALL_MS, TRUE);
  print_row ("resident memory, runs listed",
             median_of (launches, n, G_STRUCT_OFFSET (Launch, launch_rss_mb)), "MB", 0, FALSE);
  print_row ("  after selecting " LARGEST,
             median_of (launches, n, G_STRUCT_OFFSET (Launch, select_rss_mb)), "MB", 0, FALSE);
  print_row ("  after the Costs page",
             median_of (launches, n, G_STRUCT_OFFSET (Launch, costs_rss_mb)), "MB", 0, FALSE);
  print_row ("peak RSS", median_of (launches, n, G_STRUCT_OFFSET (Launch, rss_mb)), "MB",
             TARGET_RSS_MB, TRUE);
  g_print ("%s: %u runs listed; %s after selecting: %u runs; row widgets: %u on the Runs page, "
           "%u on the Costs page\n", launches[0].first_usecase, launches[0].first_runs, LARGEST,
           launches[0].selected_runs, launches[0].runs_rows, launches[0].costs_rows);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *exe = NULL;
  g_autofree char *home = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *index_dir = NULL;
  g_autofree char *results = NULL;
  g_autofree char *report = NULL;
  g_autofree Launch *warm = NULL;
  g_auto(GStrv) env = NULL;
  Launch cold = { 0 };
  gboolean made_home = FALSE;

  if (argc > 1 && strcmp (argv[1], "--launcher") == 0)
    return bench_launcher_main (argc, argv);

  setlocale (LC_ALL, "");
  context = g_option_context_new ("— time the window at 10,000 runs (under a display)");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-window: %s\n", error->message);
      return 2;
    }
  if (opt_child_report != NULL)
    return child_main ();
  if (opt_launches < 1 || opt_runs < 1)
    {
      g_printerr ("bench-window: --launches and --runs must be positive\n");
      return 2;
    }
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("bench-window: no display; run it under xvfb-run -a -s \"-screen 0 "
                  "1280x800x24\"\n");
      return 2;
    }

  exe = bench_self_exe ();
  if (opt_home != NULL)
    home = g_canonicalize_filename (opt_home, NULL);
  else
    home = g_dir_make_tmp ("bench-window-XXXXXX", &error);
  if (home == NULL)
    {
      g_printerr ("bench-window: %s\n", error->message);
      return 1;
    }
  results = g_build_filename (home, "results", NULL);
  if (!g_file_test (results, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *dir = g_path_get_dirname (exe);
      g_autofree char *store = g_build_filename (dir, "bench-store", NULL);
      g_autofree char *runs = g_strdup_printf ("%d", opt_runs);
      const char *make[] = { store, "--runs", runs, "--generate-only", "--home", home, NULL };
      int status = 0;

      if (!g_spawn_sync (NULL, (char **) make, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                         NULL, NULL, &status, &error)
          || !g_spawn_check_wait_status (status, &error))
        {
          g_printerr ("bench-window: making the home with %s: %s\n", store, error->message);
          return 1;
        }
      made_home = TRUE;
    }

  cache = g_build_filename (home, ".bench-window-cache", NULL);
  index_dir = g_build_filename (cache, "taskbench", NULL);
  report = g_build_filename (cache, "report.txt", NULL);
  g_mkdir_with_parents (cache, 0755);
  env = child_environment (home, cache);

  /* With the index deleted: the first launch after an upgrade, or with the cache cleared. */
  bench_remove_tree (index_dir);
  if (!launch (exe, env, report, &cold))
    return 1;

  warm = g_new0 (Launch, opt_launches);
  for (int i = 0; i < opt_launches; i++)
    if (!launch (exe, env, report, &warm[i]))
      return 1;

  g_print ("bench-window: %s\n", home);
  print_launches ("Warm index", warm, opt_launches);
  print_launches ("Index deleted", &cold, 1);

  g_free (cold.first_usecase);
  for (int i = 0; i < opt_launches; i++)
    g_free (warm[i].first_usecase);
  if (made_home && opt_home == NULL && !opt_keep)
    bench_remove_tree (home);
  else
    g_printerr ("home kept: %s\n", home);
  return 0;
}
