/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-gui-window"

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "gui-test-util.h"
#include "tb-application.h"
#include "tb-costs-view.h"
#include "tb-home.h"
#include "tb-index.h"
#include "tb-run-monitor.h"
#include "tb-run-page.h"
#include "tb-runs-view.h"
#include "tb-score-chart.h"
#include "tb-store.h"
#include "tb-util.h"
#include "tb-window.h"

/* The whole window, driven through its actions against a fake OpenRouter, in a temporary
 * home. Screenshots of each step go to $TASKBENCH_SCREENSHOT_DIR. */

static GuiTestFixture fx;

static void
screenshot (GtkWidget  *window,
            const char *name)
{
  gui_test_screenshot_step (window, "window", name);
}

static GtkWidget *
child (TbWindow   *window,
       const char *name)
{
  return gui_test_template_child (GTK_WIDGET (window), TB_TYPE_WINDOW, name);
}

static GtkWidget *
editor_child (TbWindow   *window,
              const char *name)
{
  return gui_test_template_child (GTK_WIDGET (tb_window_get_editor (window)),
                                  TB_TYPE_USECASE_EDITOR, name);
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
has_dialog (gpointer data)
{
  return find_dialog () != NULL;
}

static gboolean
no_dialog (gpointer data)
{
  return find_dialog () == NULL;
}

static gboolean
editor_settled (gpointer data)
{
  TbUsecaseEditor *editor = tb_window_get_editor (data);

  return tb_usecase_editor_is_valid (editor) || tb_usecase_editor_get_error (editor) != NULL;
}

static gboolean
editor_has_error (gpointer data)
{
  return tb_usecase_editor_get_error (tb_window_get_editor (data)) != NULL;
}

static gboolean
input_refused (gpointer data)
{
  return tb_input_view_get_error (tb_window_get_input_view (data)) != NULL;
}

static gboolean
not_busy (gpointer data)
{
  return !tb_window_is_busy (data);
}

static guint
count_sidebar_items (TbWindow *window)
{
  GtkListView *list = GTK_LIST_VIEW (child (window, "usecase_list"));

  return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (list)));
}

static char *
path_in_home (const char *first,
              ...)
{
  va_list args;
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  const char *part;

  g_ptr_array_add (parts, fx.home);
  va_start (args, first);
  for (part = first; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (char *) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

static void
test_window_flow (void)
{
  TbWindow *window;
  AdwMessageDialog *dialog;
  GtkWidget *entry;
  TbUsecaseEditor *editor;
  GtkTextBuffer *goal;
  GtkTextBuffer *yaml;
  TbRunner *runner;
  GListModel *calls;
  TbRunMonitor *monitor;
  g_autofree char *yaml_path = path_in_home ("usecases", "release-notes.yaml", NULL);
  g_autofree char *saved = NULL;
  g_autofree char *input_path = path_in_home ("notes.txt", NULL);
  g_autofree char *binary_path = path_in_home ("photo.png", NULL);
  g_autofree char *run_id = NULL;
  g_autofree char *run_json = NULL;
  g_autofree char *outputs_dir = NULL;
  g_autofree char *judgments_dir = NULL;
  g_autofree char *saved_before_bad = NULL;
  g_autoptr(GDir) outputs = NULL;
  g_autoptr(GDir) judgments = NULL;
  GListModel *runs;
  gboolean found = FALSE;
  guint n_outputs = 0;
  guint n_judgments = 0;
  const char *models[] = { "openai/gpt-4o-mini", "fake/cheap-model", "fake/json-model", NULL };
  const char *name_text = "Release notes from commit messages, grouped by user impact";

  window = gui_test_open_window (fx.app, 1200, 800);
  g_assert_true (gui_test_wait_for (gui_test_catalog_loaded, window, 20000));
  /* Shipped use cases, a broken one and one with a long name. */
  g_assert_cmpuint (count_sidebar_items (window), ==, 5);
  g_assert_nonnull (tb_window_get_usecase_id (window));
  screenshot (GTK_WIDGET (window), "start");

  /* New use case through the dialog, as a user would. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.new-usecase", NULL);
  g_assert_true (gui_test_wait_for (has_dialog, NULL, 5000));
  dialog = find_dialog ();
  entry = gtk_widget_get_first_child (adw_message_dialog_get_extra_child (dialog));
  g_assert_true (GTK_IS_ENTRY (entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), "Bad Id!");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "create"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "lecture-chapters");
  g_assert_false (adw_message_dialog_get_response_enabled (dialog, "create"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "release-notes");
  g_assert_true (adw_message_dialog_get_response_enabled (dialog, "create"));
  screenshot (GTK_WIDGET (dialog), "new-dialog");
  gui_test_respond (dialog, "create");
  g_assert_true (gui_test_wait_for (no_dialog, NULL, 5000));
  g_assert_true (g_file_test (yaml_path, G_FILE_TEST_EXISTS));
  g_assert_cmpstr (tb_window_get_usecase_id (window), ==, "release-notes");
  g_assert_cmpuint (count_sidebar_items (window), ==, 6);

  /* Fill the form; the core validates it and Save writes it. */
  editor = tb_window_get_editor (window);
  gtk_editable_set_text (GTK_EDITABLE (editor_child (window, "name_row")), name_text);
  goal = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor_child (window, "goal_view")));
  gtk_text_buffer_set_text (goal, "Turn a list of commit messages into release notes a user "
                            "understands.\n", -1);
  adw_combo_row_set_selected (ADW_COMBO_ROW (editor_child (window, "format_row")), 2);
  g_assert_true (tb_usecase_editor_is_dirty (editor));
  gui_test_iterate_for (500);
  g_assert_true (gui_test_wait_for (editor_settled, window, 5000));
  g_assert_null (tb_usecase_editor_get_error (editor));
  g_assert_true (tb_usecase_editor_is_valid (editor));
  screenshot (GTK_WIDGET (window), "form");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.save-usecase", NULL);
  g_assert_false (tb_usecase_editor_is_dirty (editor));
  g_assert_true (g_file_get_contents (yaml_path, &saved, NULL, NULL));
  g_assert_nonnull (strstr (saved, name_text));
  g_assert_nonnull (strstr (saved, "markdown"));
  g_assert_nonnull (strstr (saved, "commit messages"));

  /* Broken YAML: the core's message (with the line) shows, and nothing is written. */
  gtk_stack_set_visible_child_name (GTK_STACK (editor_child (window, "tabs")), "yaml");
  yaml = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor_child (window, "yaml_view")));
  saved_before_bad = g_strdup (saved);
  gtk_text_buffer_set_text (yaml, "name: Release notes\ngoal: x\ngaol: typo\n", -1);
  g_assert_true (gui_test_wait_for (editor_has_error, window, 5000));
  g_assert_nonnull (strstr (tb_usecase_editor_get_error (editor), ":3"));
  screenshot (GTK_WIDGET (window), "yaml-error");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save-usecase", NULL);
  g_clear_pointer (&saved, g_free);
  g_assert_true (g_file_get_contents (yaml_path, &saved, NULL, NULL));
  g_assert_cmpstr (saved, ==, saved_before_bad);
  gtk_text_buffer_set_text (yaml, saved_before_bad, -1);
  gui_test_iterate_for (500);
  g_assert_true (gui_test_wait_for (editor_settled, window, 5000));
  g_assert_true (tb_usecase_editor_is_valid (editor));
  g_assert_false (tb_usecase_editor_is_dirty (editor));
  gtk_stack_set_visible_child_name (GTK_STACK (editor_child (window, "tabs")), "form");

  /* Input: a binary file is refused, a text file is taken. */
  g_assert_true (g_file_set_contents (binary_path, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, NULL));
  g_assert_true (g_file_set_contents (input_path,
                                      "fix: crash when the list is empty\n"
                                      "feat: export to CSV\n"
                                      "docs: explain the cost columns\n", -1, NULL));
  {
    g_autoptr(GFile) file = g_file_new_for_path (input_path);
    g_autoptr(GFile) binary = g_file_new_for_path (binary_path);

    tb_window_load_input_file (window, binary);
    g_assert_true (gui_test_wait_for (input_refused, window, 5000));
    g_assert_false (tb_input_view_has_input (tb_window_get_input_view (window)));
    screenshot (GTK_WIDGET (window), "input-refused");

    tb_window_load_input_file (window, file);
    g_assert_true (gui_test_wait_for (gui_test_input_loaded, window, 5000));
    g_assert_cmpstr (tb_input_view_get_name (tb_window_get_input_view (window)), ==,
                     "notes.txt");
    g_assert_null (tb_input_view_get_error (tb_window_get_input_view (window)));
  }

  /* Three models, no judging during the run. */
  tb_window_set_models (window, models);
  gtk_switch_set_active (GTK_SWITCH (child (window, "judge_switch")), FALSE);
  screenshot (GTK_WIDGET (window), "ready-to-run");

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_true (tb_window_is_busy (window));
  g_assert_true (gui_test_wait_for (not_busy, window, 60000));
  runner = tb_window_get_runner (window);
  g_assert_nonnull (runner);
  calls = tb_runner_get_calls (runner);
  g_assert_cmpuint (g_list_model_get_n_items (calls), ==, 3);
  for (guint i = 0; i < g_list_model_get_n_items (calls); i++)
    {
      g_autoptr(TbCall) call = g_list_model_get_item (calls, i);

      g_assert_cmpint (tb_call_get_kind (call), ==, TB_CALL_CANDIDATE);
      g_assert_cmpint (tb_call_get_state (call), ==, TB_CALL_DONE);
      g_assert_cmpfloat (tb_call_get_cost_usd (call), >, 0);
    }
  /* The monitor's list view has one row per call of the runner. */
  monitor = TB_RUN_MONITOR (child (window, "run_monitor"));
  gui_test_iterate_for (200);
  g_assert_cmpuint (g_list_model_get_n_items (tb_run_monitor_get_model (monitor)), ==, 3);
  g_assert_cmpuint (tb_run_monitor_get_n_rows (monitor), ==, 3);
  g_assert_nonnull (tb_window_get_last_run_id (window));
  run_id = g_strdup (tb_window_get_last_run_id (window));
  screenshot (GTK_WIDGET (window), "run-done");

  /* The run's files. */
  run_json = path_in_home ("results", "release-notes", run_id, "run.json", NULL);
  g_assert_true (g_file_test (run_json, G_FILE_TEST_IS_REGULAR));
  outputs_dir = path_in_home ("results", "release-notes", run_id, "outputs", NULL);
  outputs = g_dir_open (outputs_dir, 0, NULL);
  g_assert_nonnull (outputs);
  while (g_dir_read_name (outputs) != NULL)
    n_outputs++;
  g_assert_cmpuint (n_outputs, ==, 3);
  g_assert_cmpuint (fake_server_count (fx.server, "/chat/completions", NULL), ==, 3);

  /* Judge it from the window, then open it. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.judge-run", "s", run_id);
  g_assert_true (tb_window_is_busy (window));
  g_assert_true (gui_test_wait_for (not_busy, window, 60000));
  judgments_dir = path_in_home ("results", "release-notes", run_id, "judgments", NULL);
  judgments = g_dir_open (judgments_dir, 0, NULL);
  g_assert_nonnull (judgments);
  while (g_dir_read_name (judgments) != NULL)
    n_judgments++;
  g_assert_cmpuint (n_judgments, ==, 1);

  /* Judge all: every run of the use case gets a new judgment; the old one stays. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.judge-all", NULL);
  g_assert_true (gui_test_wait_for (not_busy, window, 60000));
  g_clear_pointer (&judgments, g_dir_close);
  judgments = g_dir_open (judgments_dir, 0, NULL);
  n_judgments = 0;
  while (g_dir_read_name (judgments) != NULL)
    n_judgments++;
  g_assert_cmpuint (n_judgments, ==, 2);

  /* The run page draws the score-vs-cost chart with one point per judged model. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-run", "s", run_id);
  {
    GtkWidget *page = child (window, "run_page");
    GtkWidget *chart;

    g_assert_true (gui_test_wait_for (gui_test_page_loaded, page, 20000));
    chart = GTK_WIDGET (gtk_widget_get_template_child (page, TB_TYPE_RUN_PAGE,
                                                                  "chart"));

    g_assert_cmpstr (tb_run_page_get_run_id (TB_RUN_PAGE (page)), ==, run_id);
    g_assert_nonnull (chart);
    g_assert_cmpuint (tb_score_chart_get_n_points (TB_SCORE_CHART (chart)), ==, 3);
    g_assert_true (gtk_widget_get_mapped (chart));
  }
  screenshot (GTK_WIDGET (window), "run-page");

  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")), "costs");
  g_assert_true (gui_test_wait_for (gui_test_costs_loaded, child (window, "costs_view"),
                                    20000));
  screenshot (GTK_WIDGET (window), "costs");

  /* Close, open a new window: the use case comes back with its run listed. */
  gui_test_close_window (GTK_WINDOW (window));
  window = gui_test_open_window (fx.app, 1200, 800);
  g_assert_cmpstr (tb_window_get_usecase_id (window), ==, "release-notes");
  g_assert_true (gui_test_wait_for (gui_test_runs_loaded, window, 20000));
  runs = tb_runs_view_get_model (TB_RUNS_VIEW (tb_window_get_runs_view (window)));
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(TbRunItem) item = g_list_model_get_item (runs, i);

      if (g_strcmp0 (tb_run_item_get_id (item), run_id) == 0)
        found = TRUE;
    }
  g_assert_true (found);
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")), "runs");
  screenshot (GTK_WIDGET (window), "reopened-runs");
  gui_test_close_window (GTK_WINDOW (window));
}

static void
test_unsaved_changes (void)
{
  TbWindow *window = gui_test_open_window (fx.app, 1000, 700);
  TbUsecaseEditor *editor = tb_window_get_editor (window);
  AdwMessageDialog *dialog;
  const char *first;

  g_assert_true (tb_window_select_usecase (window, "lecture-chapters"));
  g_assert_cmpstr (tb_window_get_usecase_id (window), ==, "lecture-chapters");
  gtk_editable_set_text (GTK_EDITABLE (editor_child (window, "name_row")), "Edited");
  g_assert_true (tb_usecase_editor_is_dirty (editor));

  /* Switching asks; Cancel keeps the edit and the use case. */
  g_assert_true (tb_window_select_usecase (window, "support-ticket-triage"));
  g_assert_true (gui_test_wait_for (has_dialog, NULL, 5000));
  dialog = find_dialog ();
  screenshot (GTK_WIDGET (window), "unsaved-dialog");
  gui_test_respond (dialog, "cancel");
  g_assert_true (gui_test_wait_for (no_dialog, NULL, 5000));
  g_assert_cmpstr (tb_window_get_usecase_id (window), ==, "lecture-chapters");
  g_assert_true (tb_usecase_editor_is_dirty (editor));

  /* Closing asks too; Cancel keeps the window. */
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (gui_test_wait_for (has_dialog, NULL, 5000));
  gui_test_respond (find_dialog (), "cancel");
  g_assert_true (gui_test_wait_for (no_dialog, NULL, 5000));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  /* Discard drops the edit and switches; the file is untouched. */
  g_assert_true (tb_window_select_usecase (window, "support-ticket-triage"));
  g_assert_true (gui_test_wait_for (has_dialog, NULL, 5000));
  gui_test_respond (find_dialog (), "discard");
  g_assert_true (gui_test_wait_for (no_dialog, NULL, 5000));
  first = tb_window_get_usecase_id (window);
  g_assert_cmpstr (first, ==, "support-ticket-triage");
  g_assert_false (tb_usecase_editor_is_dirty (editor));

  /* A broken file opens on the YAML tab with its error. */
  g_assert_true (tb_window_select_usecase (window, "broken"));
  g_assert_nonnull (tb_usecase_editor_get_error (editor));
  g_assert_null (tb_usecase_editor_get_usecase (editor));
  screenshot (GTK_WIDGET (window), "broken-usecase");
  gui_test_close_window (GTK_WINDOW (window));
}

static void
test_narrow (void)
{
  TbWindow *window = gui_test_open_window (fx.app, 360, 720);
  AdwLeaflet *leaflet = ADW_LEAFLET (child (window, "leaflet"));

  gui_test_iterate_for (300);
  g_assert_true (adw_leaflet_get_folded (leaflet));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 400);
  screenshot (GTK_WIDGET (window), "narrow-content");
  adw_leaflet_navigate (leaflet, ADW_NAVIGATION_DIRECTION_BACK);
  screenshot (GTK_WIDGET (window), "narrow-sidebar");
  gui_test_close_window (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  const char *source_dir = g_getenv ("TASKBENCH_SOURCE_DIR");
  g_autofree char *usecases = NULL;
  g_autofree char *broken = NULL;
  g_autofree char *long_name = NULL;
  g_autofree char *long_text = NULL;
  int status;

  /* Not G_TEST_OPTION_ISOLATE_DIRS: gui_test_home_new () says why. */
  g_test_init (&argc, &argv, NULL);

  g_assert_nonnull (source_dir);
  fx.home = gui_test_home_new ("taskbench-gui-XXXXXX");

  gtk_init ();
  adw_init ();
  gui_test_copy_usecases (source_dir, fx.home);
  usecases = g_build_filename (fx.home, "usecases", NULL);

  broken = g_build_filename (usecases, "broken.yaml", NULL);
  g_assert_true (g_file_set_contents (broken, "name: Broken\ngoal: [unclosed\n", -1, NULL));
  long_name = g_build_filename (usecases, "zz-long.yaml", NULL);
  long_text = tb_usecase_template ("zz-long");
  {
    g_autofree char *renamed = NULL;
    char *line = strstr (long_text, "name: \"Zz long\"");

    g_assert_nonnull (line);
    renamed = g_strdup_printf ("%.*sname: \"A use case with a very long name that the sidebar "
                               "has to ellipsize gracefully\"%s",
                               (int) (line - long_text), long_text,
                               line + strlen ("name: \"Zz long\""));
    g_assert_true (g_file_set_contents (long_name, renamed, -1, NULL));
  }

  fx.server = fake_server_new ();
  /* Three candidates with a real trade-off, so the chart and the picks have something to
   * show: the judge scores each "SCORE=N" answer N on every criterion. */
  {
    FakeModel cheap = { .content = "- Export to CSV (SCORE=6)", .cost = 0.00042,
                        .billed_cost = 0.00042 };
    FakeModel mid = { .content = "## New\n- Export to CSV\n## Fixed\n- Empty list crash "
                                 "(SCORE=8)", .cost = 0.0011, .billed_cost = 0.00112 };
    FakeModel dear = { .content = "## New\n- Export your data to CSV\n## Fixed\n- No crash "
                                  "on an empty list\n## Docs\n- Cost columns (SCORE=9)",
                       .cost = 0.0062, .billed_cost = 0.0063 };

    fake_server_set_model (fx.server, "fake/cheap-model", &cheap);
    fake_server_set_model (fx.server, "openai/gpt-4o-mini", &mid);
    fake_server_set_model (fx.server, "fake/json-model", &dear);
  }
  gui_test_use_fake_server (&fx);

  fx.app = gui_test_application_new ();

  g_test_add_func ("/gui/window/flow", test_window_flow);
  g_test_add_func ("/gui/window/unsaved-changes", test_unsaved_changes);
  g_test_add_func ("/gui/window/narrow", test_narrow);
  status = g_test_run ();

  gui_test_tear_down (&fx);
  return status;
}
