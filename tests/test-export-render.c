/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTML report as a browser draws it: a real run of the real CLI against the fake
 * OpenRouter (its own process), exported, then rendered by headless Chromium offline —
 * screenshots light, dark and phone-wide, and a PDF — and the pictures checked: the size
 * asked for, not one colour, the accent of the chart's best points drawn, the background
 * each colour scheme calls for.
 *
 * Chromium is a test tool here (build-aux/bootstrap installs it). When it is missing the
 * test fails, saying so: a report nobody looked at is not tested. The pictures are kept in
 * TASKBENCH_SCREENSHOT_DIR (build/tests/screenshots) for a person to look at. */
#define G_LOG_DOMAIN "test-export-render"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#include "tb-core.h"

/* Seconds a browser or the CLI gets before it is killed and the test fails. */
#define TIMEOUT_S 90

typedef struct {
  char          *home;
  GSubprocess   *server;
  char          *url;
  char          *report;
  char          *shots;      /* where the pictures are kept */
} Fixture;

typedef struct {
  GSubprocess *process;
  gboolean     done;
  GBytes      *out;
  GBytes      *err;
} Job;

static void
communicated_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Job *job = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &job->out, &job->err,
                                   &error);
  g_assert_no_error (error);
  job->done = TRUE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  GPtrArray *jobs = user_data;

  for (guint i = 0; i < jobs->len; i++)
    g_subprocess_force_exit (((Job *) g_ptr_array_index (jobs, i))->process);
  return G_SOURCE_REMOVE;
}

static void
job_free (Job *job)
{
  g_clear_object (&job->process);
  g_clear_pointer (&job->out, g_bytes_unref);
  g_clear_pointer (&job->err, g_bytes_unref);
  g_free (job);
}

/* Runs every argv (GStrv) at once to its end, all killed after TIMEOUT_S; fills
 * `statuses` with their exit statuses and `out` (nullable) with the first one's stdout. A
 * job's stderr is shown when it fails or the test is verbose. */
static void
run_many (GPtrArray  *argvs,
          int        *statuses,
          char      **out)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  guint timer;

  /* No display: the browser is headless, the rest never needed one. */
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  for (guint i = 0; i < argvs->len; i++)
    {
      g_autoptr(GError) error = NULL;
      Job *job = g_new0 (Job, 1);

      job->process = g_subprocess_launcher_spawnv (launcher, g_ptr_array_index (argvs, i),
                                                   &error);
      g_assert_no_error (error);
      g_subprocess_communicate_async (job->process, NULL, NULL, communicated_cb, job);
      g_ptr_array_add (jobs, job);
    }
  timer = g_timeout_add_seconds (TIMEOUT_S, timeout_cb, jobs);
  for (guint i = 0; i < jobs->len; i++)
    {
      Job *job = g_ptr_array_index (jobs, i);
      const char * const *argv = g_ptr_array_index (argvs, i);

      while (!job->done)
        g_main_context_iteration (NULL, TRUE);
      g_subprocess_wait (job->process, NULL, NULL);
      statuses[i] = g_subprocess_get_if_exited (job->process)
                    ? g_subprocess_get_exit_status (job->process)
                    : 128 + g_subprocess_get_term_sig (job->process);
      if (statuses[i] != 0 || g_test_verbose ())
        g_test_message ("%s exited %d; stderr:\n%.*s", argv[0], statuses[i],
                        (int) MIN (g_bytes_get_size (job->err), 4000),
                        (const char *) g_bytes_get_data (job->err, NULL));
    }
  if (!g_source_remove (timer))
    g_assert_not_reached ();
  if (out != NULL)
    {
      Job *first = g_ptr_array_index (jobs, 0);

      *out = g_strndup (g_bytes_get_data (first->out, NULL), g_bytes_get_size (first->out));
    }
}

/* Runs the CLI (or the fake server's first words) to its end with `launcher`'s
 * environment; its stdout in `out` when wanted, its stderr shown when it fails. */
static int
run (GSubprocessLauncher *launcher,
     const char * const  *argv,
     char               **out)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status;

  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, out, &err, &error);
  g_assert_no_error (error);
  status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process)
                                                : 128 + g_subprocess_get_term_sig (process);
  if (status != 0 || g_test_verbose ())
    g_test_message ("%s exited %d; stderr:\n%s", argv[0], status, err);
  return status;
}

static void
write_file (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_write_file_atomic (path, text, -1, &error));
  g_assert_no_error (error);
}

/* Five models whose costs span three decades (a logarithmic axis), two of them tied at the
 * top, one with a cost nobody reports, one that answers with hostile markup. */
static const char script[] =
  "{\"models\": {\n"
  " \"openai/gpt-4o-mini\": {\"quality\": 8.6, \"quality_noise\": 0.3, \"cost\": 0.0012,"
  " \"length_min\": 60, \"length_max\": 200},\n"
  " \"anthropic/claude-sonnet-4.5\": {\"quality\": 8.7, \"quality_noise\": 0.3, \"cost\": 0.021,"
  " \"length_min\": 60, \"length_max\": 200},\n"
  " \"google/gemini-2.5-flash\": {\"quality\": 7.9, \"quality_noise\": 0.5, \"cost\": 0.0009,"
  " \"length_min\": 60, \"length_max\": 200},\n"
  " \"meta-llama/llama-3.3-70b-instruct\": {\"quality\": 6.2, \"quality_noise\": 0.6,"
  " \"cost\": 0.00003, \"length_min\": 60, \"length_max\": 200},\n"
  " \"evil/markup\": {\"content\": \"SCORE=7.0 </pre><script>document.body.remove()</script>"
  " <style>body{display:none}</style> & | , \\\"quoted\\\" Ünïcödé\", \"cost\": 0.002}\n"
  "}}\n";

static const char usecase[] =
  "name: Notes in one sentence\n"
  "goal: Summarise the note in one sentence.\n"
  "output:\n"
  "  format: text\n"
  "judge:\n"
  "  model: fake/judge\n"
  "  criteria:\n"
  "    - {name: accuracy, weight: 60, description: Says what the note says.}\n"
  "    - {name: brevity, weight: 40, description: One sentence.}\n"
  "budget:\n"
  "  inputs_per_month: 20000\n";

static GSubprocessLauncher *
cli_launcher (Fixture *fixture)
{
  GSubprocessLauncher *launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autofree char *cache = g_build_filename (fixture->home, "cache", NULL);

  g_subprocess_launcher_setenv (launcher, "TASKBENCH_HOME", fixture->home, TRUE);
  g_subprocess_launcher_setenv (launcher, "TASKBENCH_BASE_URL", fixture->url, TRUE);
  g_subprocess_launcher_setenv (launcher, "OPENROUTER_API_KEY", "sk-or-render-test", TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "XDG_DATA_DIRS");
  g_subprocess_launcher_unsetenv (launcher, "GENERAL_TASK_LLM");
  return launcher;
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *script_path = NULL;
  g_autofree char *notes = NULL;
  g_autofree char *out = NULL;
  g_autofree char *run_id = NULL;
  g_auto(GStrv) out_lines = NULL;
  const char *server = g_getenv ("FAKE_OPENROUTER");
  const char *shots = g_getenv ("TASKBENCH_SCREENSHOT_DIR");

  g_assert_nonnull (server);
  g_assert_nonnull (g_getenv ("TASKBENCH_CLI"));
  fixture->home = g_dir_make_tmp ("taskbench-render-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->shots = shots != NULL && *shots != '\0' ? g_strdup (shots)
                                                   : g_build_filename (fixture->home, "shots",
                                                                       NULL);
  g_assert_cmpint (g_mkdir_with_parents (fixture->shots, 0755), ==, 0);

  {
    g_autofree char *path = g_build_filename (fixture->home, "usecases", "notes.yaml", NULL);

    write_file (path, usecase);
  }
  notes = g_build_filename (fixture->home, "notes", NULL);
  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("note-%02u.txt", i);
      g_autofree char *path = g_build_filename (notes, name, NULL);
      g_autofree char *text = g_strdup_printf ("Note %u: the team met on day %u and agreed to "
                                               "ship release %u.%u.\n", i, 3 * i, i, i % 4);

      write_file (path, text);
    }
  script_path = g_build_filename (fixture->home, "script.json", NULL);
  write_file (script_path, script);

  /* The fake server in its own process: it prints its URL, then serves. */
  {
    g_autoptr(GSubprocessLauncher) server_launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                 | G_SUBPROCESS_FLAGS_STDERR_SILENCE);

    /* It must not outlive a test that aborts (nor keep the runner's pipes open). */
    g_subprocess_launcher_set_child_setup (server_launcher, die_with_parent, NULL, NULL);
    fixture->server = g_subprocess_launcher_spawn (server_launcher, &error, server, "--script",
                                                   script_path, NULL);
    g_assert_no_error (error);
  }
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fixture->server));
  fixture->url = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (fixture->url, "http://127.0.0.1:"));

  launcher = cli_launcher (fixture);
  {
    const char *argv[] = { g_getenv ("TASKBENCH_CLI"), "run", "notes", "--input", notes,
                           "--models", "openai/gpt-4o-mini,anthropic/claude-sonnet-4.5,"
                           "google/gemini-2.5-flash,meta-llama/llama-3.3-70b-instruct,"
                           "evil/markup", "--repeat", "2", "--judge", NULL };

    g_assert_cmpint (run (launcher, argv, &out), ==, 0);
  }
  out_lines = g_strsplit (g_strstrip (out), "\n", -1);
  run_id = g_strdup (out_lines[g_strv_length (out_lines) - 1]);
  g_assert_true (tb_run_id_is_valid (run_id));

  fixture->report = g_build_filename (fixture->home, "report.html", NULL);
  {
    const char *argv[] = { g_getenv ("TASKBENCH_CLI"), "export", run_id, "-o",
                           fixture->report, NULL };

    g_assert_cmpint (run (launcher, argv, NULL), ==, 0);
  }
  g_assert_true (g_file_test (fixture->report, G_FILE_TEST_IS_REGULAR));
  {
    g_autofree char *kept = g_build_filename (fixture->shots, "export-report.html", NULL);
    g_autofree char *html = NULL;

    g_assert_true (g_file_get_contents (fixture->report, &html, NULL, NULL));
    write_file (kept, html);
  }
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->server != NULL)
    {
      g_subprocess_send_signal (fixture->server, SIGTERM);
      g_subprocess_wait (fixture->server, NULL, NULL);
      g_clear_object (&fixture->server);
    }
  remove_tree (fixture->home);
  g_free (fixture->home);
  g_free (fixture->url);
  g_free (fixture->report);
  g_free (fixture->shots);
}

/* ---------------------------------------------------------------------------------------- */

static char *
find_chromium (void)
{
  const char *names[] = { "chromium", "chromium-browser", "google-chrome" };
  const char *chosen = g_getenv ("TASKBENCH_CHROMIUM");

  if (chosen != NULL && *chosen != '\0')
    return g_find_program_in_path (chosen);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      char *path = g_find_program_in_path (names[i]);

      if (path != NULL)
        return path;
    }
  return NULL;
}

/* Headless, as root, with no display, no network (every host unresolvable) and a profile
 * of its own (`profile`: browsers run side by side); `extra` holds the output and the
 * colour scheme. */
static GStrv
chromium_argv (Fixture            *fixture,
               const char         *browser,
               const char         *profile,
               const char * const *extra,
               guint               width,
               guint               height)
{
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_autofree char *profile_dir = g_build_filename (fixture->home, profile, NULL);
  g_autofree char *user_data = g_strconcat ("--user-data-dir=", profile_dir, NULL);
  g_autofree char *size = g_strdup_printf ("--window-size=%u,%u", width, height);
  g_autofree char *url = g_filename_to_uri (fixture->report, NULL, NULL);
  const char *flags[] = {
    "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps",
    "--hide-scrollbars", "--mute-audio", "--host-resolver-rules=MAP * ~NOTFOUND", NULL,
  };

  g_strv_builder_add (argv, browser);
  g_strv_builder_addv (argv, flags);
  g_strv_builder_add_many (argv, user_data, size, NULL);
  g_strv_builder_addv (argv, (const char **) extra);
  g_strv_builder_add (argv, url);
  return g_strv_builder_end (argv);
}

typedef struct {
  guint   width;
  guint   height;
  guint   colours;        /* distinct colours, 5 bits a channel */
  guint   accent;         /* pixels within reach of the accent colour */
  double  corner_luma;    /* 0–255, the page's background at the top left */
} Picture;

static gboolean
near (const guchar *pixel,
      guint32       rgb,
      int           reach)
{
  return ABS (pixel[0] - (int) ((rgb >> 16) & 0xff)) <= reach
         && ABS (pixel[1] - (int) ((rgb >> 8) & 0xff)) <= reach
         && ABS (pixel[2] - (int) (rgb & 0xff)) <= reach;
}

static void
read_picture (const char *path,
              guint32     accent,
              Picture    *picture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autofree char *bytes = NULL;
  GdkPixbuf *pixbuf;
  const guchar *pixels;
  gsize length = 0;
  int stride, channels;

  /* The PNG loader by name: sniffing the type would need the MIME database, which the
   * test's isolated XDG folders hide. */
  g_assert_true (g_file_get_contents (path, &bytes, &length, &error));
  loader = gdk_pixbuf_loader_new_with_type ("png", &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_write (loader, (const guchar *) bytes, length, &error);
  g_assert_no_error (error);
  gdk_pixbuf_loader_close (loader, &error);
  g_assert_no_error (error);
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  g_assert_nonnull (pixbuf);
  g_assert_cmpint (gdk_pixbuf_get_bits_per_sample (pixbuf), ==, 8);
  memset (picture, 0, sizeof *picture);
  picture->width = gdk_pixbuf_get_width (pixbuf);
  picture->height = gdk_pixbuf_get_height (pixbuf);
  pixels = gdk_pixbuf_read_pixels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  channels = gdk_pixbuf_get_n_channels (pixbuf);

  for (guint y = 0; y < picture->height; y++)
    for (guint x = 0; x < picture->width; x++)
      {
        const guchar *p = pixels + y * stride + x * channels;
        guint key = (p[0] >> 3) << 10 | (p[1] >> 3) << 5 | (p[2] >> 3);

        g_hash_table_add (seen, GUINT_TO_POINTER (key + 1));
        if (near (p, accent, 24))
          picture->accent++;
      }
  picture->colours = g_hash_table_size (seen);
  picture->corner_luma = 0.299 * pixels[2 * stride + 2 * channels]
                         + 0.587 * pixels[2 * stride + 2 * channels + 1]
                         + 0.114 * pixels[2 * stride + 2 * channels + 2];
  if (g_test_verbose ())
    g_test_message ("%s: %ux%u, %u colours, %u accent pixels, corner %.0f", path,
                    picture->width, picture->height, picture->colours, picture->accent,
                    picture->corner_luma);
}

/* The accent colours of the report's CSS: light, and dark. */
#define ACCENT_LIGHT 0x1c71d8
#define ACCENT_DARK  0x78aeed

typedef struct {
  const char *name;
  gboolean    dark;
  guint       width;
  guint       height;
} Shot;

static const Shot shots[] = {
  { "export-report-light.png", FALSE, 1280, 2000 },
  { "export-report-dark.png", TRUE, 1280, 2000 },
  { "export-report-phone.png", FALSE, 400, 1600 },
};

static void
check_screenshot (Fixture    *fixture,
                  const Shot *shot)
{
  g_autofree char *path = g_build_filename (fixture->shots, shot->name, NULL);
  Picture picture;

  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  read_picture (path, shot->dark ? ACCENT_DARK : ACCENT_LIGHT, &picture);

  g_assert_cmpuint (picture.width, ==, shot->width);
  g_assert_cmpuint (picture.height, ==, shot->height);
  /* Text, cards, tints, a chart: far from one colour. */
  g_assert_cmpuint (picture.colours, >=, 40);
  /* The tied-with-the-best points and badges are drawn in the accent. */
  g_assert_cmpuint (picture.accent, >=, 50);
  if (shot->dark)
    g_assert_cmpfloat (picture.corner_luma, <, 64);
  else
    g_assert_cmpfloat (picture.corner_luma, >, 200);
}

static void
test_render (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *browser = find_chromium ();
  g_autofree char *pdf = g_build_filename (fixture->shots, "export-report.pdf", NULL);
  g_autofree char *pdf_target = g_strconcat ("--print-to-pdf=", pdf, NULL);
  g_autofree char *pdftoppm = g_find_program_in_path ("pdftoppm");
  g_autoptr(GPtrArray) argvs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autofree char *head = NULL;
  int statuses[G_N_ELEMENTS (shots) + 1];
  gsize length = 0;

  if (browser == NULL)
    {
      g_test_fail_printf ("Chromium is not installed, so the HTML report cannot be rendered "
                          "and checked: install it (apt-get install chromium; "
                          "build-aux/bootstrap test does), or name a Chromium-based browser "
                          "in TASKBENCH_CHROMIUM");
      return;
    }

  /* Three screenshots and the print, side by side: a browser takes seconds to start. */
  for (guint i = 0; i < G_N_ELEMENTS (shots); i++)
    {
      g_autofree char *path = g_build_filename (fixture->shots, shots[i].name, NULL);
      g_autofree char *target = g_strconcat ("--screenshot=", path, NULL);
      g_autofree char *profile = g_strdup_printf ("profile-%u", i);
      /* Blink's preferred scheme: 0 dark, 1 light. */
      const char *extra[] = { target, shots[i].dark ? "--blink-settings=preferredColorScheme=0"
                                                    : "--blink-settings=preferredColorScheme=1",
                              NULL };

      g_unlink (path);
      g_ptr_array_add (argvs, chromium_argv (fixture, browser, profile, extra, shots[i].width,
                                             shots[i].height));
    }
  {
    /* Printed from a dark screen: the print style must still put it on white. */
    const char *extra[] = { pdf_target, "--no-pdf-header-footer",
                            "--blink-settings=preferredColorScheme=0", NULL };

    g_unlink (pdf);
    g_ptr_array_add (argvs, chromium_argv (fixture, browser, "profile-print", extra, 1280,
                                           2000));
  }
  run_many (argvs, statuses, NULL);
  for (guint i = 0; i < argvs->len; i++)
    g_assert_cmpint (statuses[i], ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (shots); i++)
    check_screenshot (fixture, &shots[i]);

  g_assert_true (g_file_get_contents (pdf, &head, &length, NULL));
  g_assert_true (g_str_has_prefix (head, "%PDF-"));
  g_assert_cmpuint (length, >, 10000);
  if (pdftoppm == NULL)
    {
      g_test_message ("pdftoppm (poppler-utils) is not installed: the PDF's first page is "
                      "not looked at");
      return;
    }
  {
    g_autofree char *prefix = g_build_filename (fixture->shots, "export-report-print", NULL);
    g_autofree char *page = g_strconcat (prefix, ".png", NULL);
    g_autoptr(GPtrArray) render = g_ptr_array_new ();
    const char *argv[] = { pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                           pdf, prefix, NULL };
    int status = -1;
    Picture picture;

    g_unlink (page);
    g_ptr_array_add (render, argv);
    run_many (render, &status, NULL);
    g_assert_cmpint (status, ==, 0);
    read_picture (page, ACCENT_LIGHT, &picture);
    g_assert_cmpuint (picture.colours, >=, 40);
    g_assert_cmpfloat (picture.corner_luma, >, 200);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/export-render/chromium", Fixture, NULL, fixture_set_up, test_render,
              fixture_tear_down);

  return g_test_run ();
}
