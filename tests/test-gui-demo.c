/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-gui-demo"

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "gui-test-util.h"
#include "tb-compare-view.h"
#include "tb-costs-view.h"
#include "tb-demo.h"
#include "tb-home.h"
#include "tb-run-page.h"
#include "tb-summary-view.h"
#include "tb-window.h"

/* Try with Simulated Models, as a newcomer without a key meets it: the window starts with no
 * key and no server, Run says a key is needed, and the dialog's "Try with Simulated Models"
 * switches to the demo home and the in-process simulated provider. The shipped lecture test
 * set then runs and is judged for real (HTTP, files, verdict), and every page says it is
 * simulated. The screenshots (demo-*.png) are the README's and the metainfo's. */

static GuiTestFixture fx;

/* Without toasts: they come and go, and would cover the page. */
static void
screenshot (GtkWidget  *window,
            const char *name)
{
  g_autofree char *file = g_strdup_printf ("demo-%s.png", name);

  tb_window_dismiss_toasts (TB_WINDOW (window));

  gui_test_screenshot (window, file);
}

static GtkWidget *
child (TbWindow   *window,
       const char *name)
{
  return gui_test_template_child (GTK_WIDGET (window), TB_TYPE_WINDOW, name);
}

static gboolean
is_simulated (gpointer data)
{
  return tb_application_get_simulated (data);
}

static gboolean
is_real (gpointer data)
{
  return !tb_application_get_simulated (data);
}

static gboolean
not_busy (gpointer data)
{
  return !tb_window_is_busy (data);
}

static gboolean
not_exporting (gpointer data)
{
  return !tb_window_is_exporting (data);
}

static gboolean
run_announced (gpointer data)
{
  const char *toast = tb_window_get_last_toast (data);

  return toast != NULL && g_str_has_prefix (toast, "Run finished");
}

static gboolean
ready_to_run (gpointer data)
{
  return gui_test_catalog_loaded (data) && gui_test_input_loaded (data);
}

static gboolean
summary_loaded (gpointer data)
{
  return !tb_summary_view_is_loading (data) && tb_summary_view_get_summary (data) != NULL;
}

static gboolean
diff_done (gpointer data)
{
  return !tb_compare_view_is_busy (data);
}

static gboolean
demo_banner_shown (TbWindow *window)
{
  return gtk_revealer_get_reveal_child (GTK_REVEALER (child (window, "demo_revealer")));
}

static const char *
label_text (GtkWidget  *root,
            const char *name)
{
  GtkWidget *label = gui_test_find_named (root, name);

  g_assert_nonnull (label);
  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_text (GTK_LABEL (label));
}

static void
show_page (TbWindow   *window,
           const char *page)
{
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", page);
}

static void
both_schemes (GtkWidget  *window,
              const char *name)
{
  g_autofree char *dark = g_strdup_printf ("%s-dark", name);

  screenshot (window, name);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  screenshot (window, dark);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
}

static void
test_demo_from_no_key_dialog (void)
{
  TbWindow *window = gui_test_open_window (fx.app, 1280, 800);
  g_autofree char *demo_home = tb_home_default_demo ();
  g_autofree char *real_results = g_build_filename (fx.home, "results", NULL);
  g_autofree char *base_url = NULL;
  g_auto(GStrv) models = NULL;
  g_autofree char *run_id = NULL;
  g_autofree char *run_dir = NULL;
  g_autofree char *export_path = NULL;
  g_autofree char *exported = NULL;
  AdwMessageDialog *dialog;
  GtkWidget *page;
  const TbVerdict *verdict;
  TbCompareView *compare;
  GtkWidget *costs;

  /* No key, no server: Run says where the key goes, and offers the simulated models. */
  g_assert_true (tb_window_select_usecase (window, "lecture-chapters"));
  g_assert_true (gui_test_wait_for (gui_test_input_loaded, window, 20000));
  g_assert_false (tb_application_get_simulated (fx.app));
  g_assert_false (demo_banner_shown (window));
  show_page (window, "run");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_true (gui_test_wait_for (gui_test_has_dialog, NULL, 10000));
  dialog = gui_test_find_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "API Key Needed");
  g_assert_true (adw_message_dialog_has_response (dialog, "demo"));
  g_assert_cmpstr (adw_message_dialog_get_response_label (dialog, "demo"), ==,
                   "Try with _Simulated Models");
  gui_test_screenshot (GTK_WIDGET (dialog), "demo-01-no-key-dialog.png");
  gui_test_respond (dialog, "demo");

  /* The demo home, the simulated provider, said in the banner and the sidebar. */
  g_assert_true (gui_test_wait_for (is_simulated, fx.app, 20000));
  g_assert_true (demo_banner_shown (window));
  g_assert_cmpstr (adw_window_title_get_subtitle (ADW_WINDOW_TITLE (child (window,
                                                                           "sidebar_title"))),
                   ==, "Simulated Models");
  g_assert_cmpstr (tb_application_get_home (fx.app), ==, demo_home);
  g_assert_true (tb_demo_is_url (tb_client_get_base_url (tb_application_get_client (fx.app))));
  g_assert_false (tb_client_needs_api_key (tb_application_get_client (fx.app)));
  g_assert_cmpstr (tb_window_get_usecase_id (window), ==, "lecture-chapters");

  /* The use case's own test set, the simulated candidates and judge. */
  g_assert_true (gui_test_wait_for (ready_to_run, window, 20000));
  models = tb_models_view_dup_selected (tb_window_get_models_view (window));
  g_assert_true (g_strv_equal ((const char * const *) models, tb_demo_candidates ()));
  g_assert_cmpuint (tb_input_view_get_n_inputs (tb_window_get_input_view (window)), ==, 5);
  show_page (window, "run");
  screenshot (GTK_WIDGET (window), "02-run-setup");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_null (gui_test_find_dialog ());
  g_assert_true (tb_window_is_busy (window));
  gui_test_iterate_for (1500);
  screenshot (GTK_WIDGET (window), "03-live-run");
  g_assert_true (gui_test_wait_for (not_busy, window, 180000));
  run_id = g_strdup (tb_window_get_last_run_id (window));
  g_assert_nonnull (run_id);
  /* 4 models × 5 inputs: answers counted, not models */
  g_assert_true (gui_test_wait_for (run_announced, window, 20000));
  g_assert_true (g_str_has_prefix (tb_window_get_last_toast (window),
                                   "Run finished: 20 of 20 answers, $"));
  run_dir = g_build_filename (demo_home, "results", "lecture-chapters", run_id, NULL);
  g_assert_true (g_file_test (run_dir, G_FILE_TEST_IS_DIR));
  /* the real home is left as it was */
  g_assert_false (g_file_test (real_results, G_FILE_TEST_EXISTS));

  /* The verdict page: the tie named in words, and the Simulated badge. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-run", "s", run_id);
  page = child (window, "run_page");
  g_assert_true (gui_test_wait_for (gui_test_page_loaded, page, 20000));
  verdict = tb_run_page_get_verdict (TB_RUN_PAGE (page));
  g_assert_nonnull (verdict);
  g_assert_true (verdict->simulated);
  g_assert_cmpuint (g_strv_length (verdict->tied_with_best), >=, 2);
  g_assert_true (g_strv_contains ((const char * const *) verdict->tied_with_best,
                                  "simulated/twin-a"));
  g_assert_true (g_strv_contains ((const char * const *) verdict->tied_with_best,
                                  "simulated/twin-b"));
  g_assert_nonnull (strstr (label_text (page, "verdict"), "are tied for the best score."));
  g_assert_nonnull (strstr (label_text (page, "verdict"), "simulated/twin-a"));
  g_assert_true (gtk_widget_is_visible (gui_test_find_named (page, "simulated-badge")));
  g_assert_true (demo_banner_shown (window));
  both_schemes (GTK_WIDGET (window), "04-verdict");

  /* The compare view: two models' outputs side by side, the word diff on. */
  g_assert_true (gtk_widget_activate_action (page, "run-page.compare-outputs", NULL));
  compare = TB_COMPARE_VIEW (gui_test_find_type (page, TB_TYPE_COMPARE_VIEW));
  g_assert_nonnull (compare);
  tb_compare_view_set_diff (compare, TRUE);
  g_assert_true (gui_test_wait_for (diff_done, compare, 10000));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (compare)));
  both_schemes (GTK_WIDGET (window), "05-compare");
  g_assert_true (gtk_widget_activate_action (page, "run-page.show-verdict", NULL));

  /* Export… of a simulated run says so in the report. */
  export_path = g_build_filename (fx.home, "demo-report.md", NULL);
  tb_window_export_run (window, run_id, export_path, TB_EXPORT_MARKDOWN);
  g_assert_true (gui_test_wait_for (not_exporting, window, 20000));
  g_assert_true (g_file_get_contents (export_path, &exported, NULL, NULL));
  g_assert_nonnull (strstr (exported, "simulated models"));
  g_assert_nonnull (strstr (exported, "simulated/twin-a"));

  /* The Summary page across the runs, badged. */
  show_page (window, "summary");
  g_assert_true (gui_test_wait_for (summary_loaded, child (window, "summary_view"), 20000));
  g_assert_true (gtk_widget_is_visible (gui_test_find_named (child (window, "summary_view"),
                                                    "summary-simulated")));
  both_schemes (GTK_WIDGET (window), "06-summary");

  /* Costs: simulated dollars, said so. */
  show_page (window, "costs");
  costs = child (window, "costs_view");
  g_assert_true (gui_test_wait_for (gui_test_costs_loaded, costs, 20000));
  g_assert_true (tb_costs_view_get_simulated (TB_COSTS_VIEW (costs)));
  g_assert_true (gtk_widget_is_visible (gui_test_find_named (costs, "costs-simulated")));
  g_assert_cmpstr (label_text (costs, "grand-total"), !=, "$0.00");
  screenshot (GTK_WIDGET (window), "07-costs");

  /* The use case as the simulated models see it: the same file as a real one. */
  show_page (window, "usecase");
  screenshot (GTK_WIDGET (window), "08-usecase");

  /* A phone-sized window: the banner, the verdict. */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 760);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-run", "s", run_id);
  g_assert_true (gui_test_wait_for (gui_test_page_loaded, page, 20000));
  both_schemes (GTK_WIDGET (window), "09-verdict-narrow");
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);

  /* Leaving: the real home and settings, as they were; no simulated URL in GSettings. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.leave-demo", NULL);
  g_assert_true (gui_test_wait_for (is_real, fx.app, 20000));
  g_assert_false (demo_banner_shown (window));
  g_assert_cmpstr (tb_application_get_home (fx.app), ==, fx.home);
  g_assert_false (tb_demo_is_url (tb_client_get_base_url (tb_application_get_client (fx.app))));
  base_url = g_settings_get_string (tb_application_get_settings (fx.app), "base-url");
  g_assert_cmpstr (base_url, ==, "");
  g_assert_true (gui_test_wait_for (gui_test_runs_loaded, window, 20000));
  g_assert_false (gui_test_run_listed (window, run_id));
  screenshot (GTK_WIDGET (window), "10-left");

  gui_test_close_window (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  const char *source_dir = g_getenv ("TASKBENCH_SOURCE_DIR");
  int status;

  /* Not G_TEST_OPTION_ISOLATE_DIRS: gui_test_home_new () says why. */
  g_test_init (&argc, &argv, NULL);

  g_assert_nonnull (source_dir);
  fx.home = gui_test_home_new ("taskbench-gui-demo-XXXXXX");

  gtk_init ();
  adw_init ();
  gui_test_copy_usecases (source_dir, fx.home);
  /* A newcomer: a home, and neither a key nor a server. */
  g_setenv ("TASKBENCH_HOME", fx.home, TRUE);
  g_unsetenv ("TASKBENCH_BASE_URL");
  g_unsetenv ("OPENROUTER_API_KEY");
  g_unsetenv ("GENERAL_TASK_LLM");

  fx.app = gui_test_application_new ();

  g_test_add_func ("/gui/demo/from-no-key-dialog", test_demo_from_no_key_dialog);
  status = g_test_run ();

  gui_test_tear_down (&fx);
  return status;
}
