/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-gui-window"

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "gui-test-util.h"
#include "tb-application.h"
#include "tb-costs-view.h"
#include "tb-defaults.h"
#include "tb-forecast-view.h"
#include "tb-home.h"
#include "tb-index.h"
#include "tb-run-monitor.h"
#include "tb-runs-view.h"
#include "tb-run-page.h"
#include "tb-score-chart.h"
#include "tb-store.h"
#include "tb-summary-view.h"
#include "tb-testset.h"
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

static gboolean
not_exporting (gpointer data)
{
  return !tb_window_is_exporting (data);
}

/* "Judge all" and re-judge ask first, with the forecast: say yes. Returns the dialog's
 * heading. */
static char *
confirm_judging (void)
{
  AdwMessageDialog *dialog;
  char *heading;

  g_assert_true (gui_test_wait_for (gui_test_has_dialog, NULL, 20000));
  dialog = gui_test_find_dialog ();
  heading = g_strdup (adw_message_dialog_get_heading (dialog));
  g_assert_true (adw_message_dialog_has_response (dialog, "judge"));
  gui_test_respond (dialog, "judge");
  return heading;
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
  g_assert_true (gui_test_wait_for (gui_test_has_dialog, NULL, 5000));
  dialog = gui_test_find_dialog ();
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
  g_assert_true (gui_test_wait_for (gui_test_no_dialog, NULL, 5000));
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
    g_assert_cmpuint (tb_input_view_get_n_inputs (tb_window_get_input_view (window)), ==, 1);
    g_assert_cmpstr (tb_input_view_get_name (tb_window_get_input_view (window), 0), ==,
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
  {
    g_autofree char *heading = confirm_judging ();

    g_assert_cmpstr (heading, ==, "Judge This Run?");
  }
  g_assert_true (gui_test_wait_for (not_busy, window, 60000));
  judgments_dir = path_in_home ("results", "release-notes", run_id, "judgments", NULL);
  judgments = g_dir_open (judgments_dir, 0, NULL);
  g_assert_nonnull (judgments);
  while (g_dir_read_name (judgments) != NULL)
    n_judgments++;
  g_assert_cmpuint (n_judgments, ==, 1);

  /* Judge all: every run of the use case gets a new judgment; the old one stays. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.judge-all", NULL);
  g_free (confirm_judging ());
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

  /* Export… in every format, as the chooser hands a file name on: written in a thread, said
   * in a toast; the JSON is `show --json`'s, with the verdict the page shows. */
  {
    GtkWidget *page = child (window, "run_page");
    const TbVerdict *verdict = tb_run_page_get_verdict (TB_RUN_PAGE (page));
    g_autofree char *dir = path_in_home ("exports", NULL);
    g_autofree char *json_path = g_build_filename (dir, "run.json", NULL);
    g_autofree char *csv_path = g_build_filename (dir, "scores.CSV", NULL);
    g_autofree char *html_path = g_build_filename (dir, "report.html", NULL);
    g_autofree char *md_path = g_build_filename (dir, "report.md", NULL);
    g_autofree char *bad_path = g_build_filename (dir, "run.json", "report.html", NULL);
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autofree char *csv = NULL;
    g_autofree char *html = NULL;
    g_autofree char *md = NULL;
    JsonObject *summary;
    guint toasts;

    g_assert_nonnull (verdict);
    g_assert_nonnull (verdict->best_overall);
    g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
    toasts = tb_window_get_toast_count (window);
    tb_window_export_run (window, run_id, json_path, TB_EXPORT_JSON);
    tb_window_export_run (window, run_id, csv_path, TB_EXPORT_CSV);
    tb_window_export_run (window, run_id, html_path, TB_EXPORT_HTML);
    tb_window_export_run (window, run_id, md_path, TB_EXPORT_MARKDOWN);
    g_assert_true (tb_window_is_exporting (window));
    g_assert_true (gui_test_wait_for (not_exporting, window, 20000));
    /* Four threads, four toasts, in the order they land. */
    g_assert_cmpuint (tb_window_get_toast_count (window), ==, toasts + 4);
    g_assert_true (g_str_has_prefix (tb_window_get_last_toast (window), "Exported “"));

    g_assert_true (json_parser_load_from_file (parser, json_path, NULL));
    summary = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                             "summary");
    g_assert_nonnull (summary);
    g_assert_cmpstr (json_object_get_string_member (summary, "best_overall"), ==,
                     verdict->best_overall);
    g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
    g_assert_true (g_str_has_prefix (csv, "run,model,input,"));
    g_assert_nonnull (strstr (csv, verdict->best_overall));
    g_assert_true (g_file_get_contents (html_path, &html, NULL, NULL));
    g_assert_true (g_str_has_prefix (html, "<!DOCTYPE html>"));
    g_assert_nonnull (strstr (html, verdict->best_overall));
    g_assert_true (g_file_get_contents (md_path, &md, NULL, NULL));
    g_assert_nonnull (strstr (md, verdict->best_overall));

    /* A folder that cannot be (a file is in its place): said, with the file's name. */
    tb_window_export_run (window, run_id, bad_path, TB_EXPORT_HTML);
    g_assert_true (gui_test_wait_for (not_exporting, window, 20000));
    g_assert_true (g_str_has_prefix (tb_window_get_last_toast (window),
                                     "Could not export “report.html”: "));
    g_assert_false (g_file_test (bad_path, G_FILE_TEST_EXISTS));
  }

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
  g_assert_true (gui_test_wait_for (gui_test_has_dialog, NULL, 5000));
  dialog = gui_test_find_dialog ();
  screenshot (GTK_WIDGET (window), "unsaved-dialog");
  gui_test_respond (dialog, "cancel");
  g_assert_true (gui_test_wait_for (gui_test_no_dialog, NULL, 5000));
  g_assert_cmpstr (tb_window_get_usecase_id (window), ==, "lecture-chapters");
  g_assert_true (tb_usecase_editor_is_dirty (editor));

  /* Closing asks too; Cancel keeps the window. */
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (gui_test_wait_for (gui_test_has_dialog, NULL, 5000));
  gui_test_respond (gui_test_find_dialog (), "cancel");
  g_assert_true (gui_test_wait_for (gui_test_no_dialog, NULL, 5000));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  /* Discard drops the edit and switches; the file is untouched. */
  g_assert_true (tb_window_select_usecase (window, "support-ticket-triage"));
  g_assert_true (gui_test_wait_for (gui_test_has_dialog, NULL, 5000));
  gui_test_respond (gui_test_find_dialog (), "discard");
  g_assert_true (gui_test_wait_for (gui_test_no_dialog, NULL, 5000));
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

/* Issue #7: the window takes its rules from the core, follows the results folder ---------- */

static const char snapshot_yaml[] =
  "name: Snapshot judge\n"
  "goal: Turn commit messages into release notes a user understands.\n"
  "judge:\n"
  "  model: fake/judge-a\n";

typedef struct {
  gboolean  done;
  char     *out;
  char     *err;
} CliWait;

static void
cli_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  CliWait *wait = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &wait->out, &wait->err,
                                        &error);
  g_assert_no_error (error);
  wait->done = TRUE;
}

typedef struct {
  TbWindow   *window;
  const char *run_id;
} RunWait;

static gboolean
run_listed (gpointer data)
{
  RunWait *wait = data;

  return gui_test_run_listed (wait->window, wait->run_id);
}

static gboolean
run_listed_done (gpointer data)
{
  RunWait *wait = data;

  return gui_test_run_listed (wait->window, wait->run_id)
         && gui_test_run_status (wait->window, wait->run_id) == TB_RUN_DONE;
}

static gboolean
window_active (gpointer window)
{
  return gtk_window_is_active (window);
}

/* A run made by the CLI while the window is open shows up in the Runs page by itself: the
 * window follows the results folder, and nobody presses F5 or switches use case. */
static void
test_cli_run_appears (void)
{
  TbWindow *window = gui_test_open_window (fx.app, 1200, 800);
  g_autofree char *input = path_in_home ("cli-notes.txt", NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  const char *cli = g_getenv ("TASKBENCH_CLI");
  CliWait wait = { 0 };
  RunWait run = { window, NULL };
  guint before;

  g_assert_nonnull (cli);
  g_assert_true (tb_window_select_usecase (window, "support-ticket-triage"));
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")), "runs");
  g_assert_true (gui_test_wait_for (gui_test_runs_loaded, window, 20000));
  /* The window reads the runs again when it gets focus: let that happen now, so that only
   * the folder can tell it of the CLI's run. */
  gui_test_wait_for (window_active, window, 2000);
  gui_test_iterate_for (600);
  g_assert_true (gui_test_wait_for (gui_test_runs_loaded, window, 20000));
  before = g_list_model_get_n_items (tb_runs_view_get_model (
                                       TB_RUNS_VIEW (tb_window_get_runs_view (window))));

  g_assert_true (g_file_set_contents (input, "My invoice was charged twice this month.\n", -1,
                                      NULL));
  /* The environment of this test (home, fake server, key, cache) is the CLI's too. */
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error, cli, "run", "support-ticket-triage", "--input", input,
                              "--models", "fake/cheap-model", NULL);
  g_assert_no_error (error);
  /* The fake server lives on this main loop, and so does the window. */
  g_subprocess_communicate_utf8_async (process, NULL, NULL, cli_done_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("CLI: %s%s", wait.out, wait.err);
  g_assert_true (g_subprocess_wait_check (process, NULL, NULL));

  lines = g_strsplit (g_strstrip (wait.out), "\n", -1);
  run.run_id = lines[g_strv_length (lines) - 1];
  g_assert_true (tb_run_id_is_valid (run.run_id));
  g_assert_true (gui_test_wait_for (run_listed, &run, 20000));
  /* …and its status follows the files: the CLI finished it. */
  g_assert_true (gui_test_wait_for (run_listed_done, &run, 20000));
  g_assert_cmpuint (g_list_model_get_n_items (tb_runs_view_get_model (
                      TB_RUNS_VIEW (tb_window_get_runs_view (window)))), ==, before + 1);
  screenshot (GTK_WIDGET (window), "cli-run-appeared");

  g_free (wait.out);
  g_free (wait.err);
  gui_test_close_window (GTK_WINDOW (window));
}

static TbJudgment *
latest_judgment (const char *run_id)
{
  g_autoptr(TbStore) store = tb_store_new (fx.home);
  g_autoptr(TbRun) run = tb_store_load_run (store, run_id, NULL);
  g_autoptr(GPtrArray) judgments = NULL;

  g_assert_nonnull (run);
  judgments = tb_store_load_judgments (store, run);
  g_assert_cmpuint (judgments->len, >, 0);
  return g_steal_pointer (&g_ptr_array_index (judgments, 0));
}

static gboolean
runs_view_narrow (gpointer window)
{
  return tb_runs_view_is_narrow (TB_RUNS_VIEW (tb_window_get_runs_view (window)));
}

static gboolean
runs_view_wide (gpointer window)
{
  return !runs_view_narrow (window);
}

/* A re-judge uses the judge of the use case as the run was made (its snapshot), even when
 * the use case in the editor (and on disk) now names another: the CLI's rule. */
static void
test_rejudge_uses_snapshot (void)
{
  TbWindow *window;
  TbUsecaseEditor *editor;
  TbRunMonitor *monitor;
  GtkTextBuffer *yaml;
  g_autofree char *input_path = path_in_home ("snapshot-notes.txt", NULL);
  g_autofree char *yaml_path = path_in_home ("usecases", "snapshot-judge.yaml", NULL);
  g_autofree char *run_id = NULL;
  g_autofree char *text = NULL;
  g_autofree char *edited = NULL;
  g_autofree char *saved = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) input = g_file_new_for_path (input_path);
  g_autoptr(TbJudgment) first = NULL;
  g_autoptr(TbJudgment) second = NULL;
  const char *models[] = { "fake/cheap-model", NULL };
  GListModel *calls;
  guint judges = 0;

  g_assert_true (tb_home_create_usecase (fx.home, "snapshot-judge", snapshot_yaml, &error));
  g_assert_no_error (error);
  window = gui_test_open_window (fx.app, 1200, 800);
  editor = tb_window_get_editor (window);
  g_assert_true (tb_window_select_usecase (window, "snapshot-judge"));
  /* No candidates in the use case: the models chosen at first are those the CLI runs when
   * none is named (tb_default_candidates: here $GENERAL_TASK_LLM). */
  g_assert_true (gui_test_wait_for (gui_test_catalog_loaded, window, 20000));
  {
    g_auto(GStrv) chosen = tb_models_view_dup_selected (tb_window_get_models_view (window));
    g_auto(GStrv) defaults = tb_default_candidates (tb_usecase_editor_get_usecase (editor),
                                                    NULL);
    const char *expected[] = { "fake/judge", NULL };

    g_assert_cmpstrv (defaults, expected);
    g_assert_cmpstrv (chosen, defaults);
  }
  g_assert_true (g_file_set_contents (input_path, "fix: crash on start\n", -1, NULL));
  tb_window_load_input_file (window, input);
  g_assert_true (gui_test_wait_for (gui_test_input_loaded, window, 5000));
  tb_window_set_models (window, models);
  gtk_switch_set_active (GTK_SWITCH (child (window, "judge_switch")), TRUE);

  /* A run judged by the use case's judge, fake/judge-a: its call is a row beside the
   * candidate's, in the one list of the run. */
  fake_server_clear_requests (fx.server);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_true (gui_test_wait_for (not_busy, window, 60000));
  run_id = g_strdup (tb_window_get_last_run_id (window));
  g_assert_nonnull (run_id);
  g_assert_cmpuint (fake_server_count (fx.server, "/chat/completions", "fake/judge-a"), >, 0);
  calls = tb_runner_get_calls (tb_window_get_runner (window));
  g_assert_cmpuint (g_list_model_get_n_items (calls), ==, 2);
  for (guint i = 0; i < g_list_model_get_n_items (calls); i++)
    {
      g_autoptr(TbCall) call = g_list_model_get_item (calls, i);

      if (tb_call_get_kind (call) == TB_CALL_JUDGE)
        {
          judges++;
          g_assert_cmpstr (tb_call_get_model (call), ==, "fake/judge-a");
          g_assert_cmpstr (tb_call_get_subject (call), ==, "fake/cheap-model");
        }
    }
  g_assert_cmpuint (judges, ==, 1);
  monitor = TB_RUN_MONITOR (child (window, "run_monitor"));
  gui_test_iterate_for (200);
  g_assert_cmpuint (tb_run_monitor_get_n_rows (monitor), ==, 2);
  first = latest_judgment (run_id);
  g_assert_cmpstr (first->judge_model, ==, "fake/judge-a");
  screenshot (GTK_WIDGET (window), "run-judged");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  screenshot (GTK_WIDGET (window), "run-judged-dark");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);

  /* The same pages on a phone-sized window: the monitor's rows, the runs, the costs. */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 720);
  gui_test_iterate_for (300);
  screenshot (GTK_WIDGET (window), "run-judged-narrow");
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")), "runs");
  g_assert_true (gui_test_wait_for (gui_test_runs_loaded, window, 20000));
  /* narrow: date, status, best score and cost, without input and models */
  g_assert_true (gui_test_wait_for (runs_view_narrow, window, 5000));
  screenshot (GTK_WIDGET (window), "runs-narrow");
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")), "costs");
  g_assert_true (gui_test_wait_for (gui_test_costs_loaded, child (window, "costs_view"),
                                    20000));
  screenshot (GTK_WIDGET (window), "costs-narrow");
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")), "runs");
  g_assert_true (gui_test_wait_for (runs_view_wide, window, 5000));
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")), "run");
  gui_test_iterate_for (300);

  /* The use case now names fake/judge-b, in the editor and in its file. */
  gtk_stack_set_visible_child_name (GTK_STACK (editor_child (window, "tabs")), "yaml");
  yaml = gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor_child (window, "yaml_view")));
  text = tb_usecase_editor_dup_text (editor);
  g_assert_nonnull (strstr (text, "fake/judge-a"));
  {
    g_auto(GStrv) parts = g_strsplit (text, "fake/judge-a", -1);

    edited = g_strjoinv ("fake/judge-b", parts);
  }
  gtk_text_buffer_set_text (yaml, edited, -1);
  gui_test_iterate_for (500);
  g_assert_true (gui_test_wait_for (editor_settled, window, 5000));
  g_assert_true (tb_usecase_editor_is_valid (editor));
  g_assert_cmpstr (tb_usecase_editor_get_usecase (editor)->judge_model, ==, "fake/judge-b");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save-usecase", NULL);
  g_assert_true (g_file_get_contents (yaml_path, &saved, NULL, NULL));
  g_assert_nonnull (strstr (saved, "fake/judge-b"));
  gtk_stack_set_visible_child_name (GTK_STACK (editor_child (window, "tabs")), "form");

  /* Re-judge from the Runs page: the snapshot's judge is called, the editor's is not. */
  fake_server_clear_requests (fx.server);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.judge-run", "s", run_id);
  g_assert_true (tb_window_is_busy (window));
  g_free (confirm_judging ());
  g_assert_true (gui_test_wait_for (not_busy, window, 60000));
  g_assert_cmpuint (fake_server_count (fx.server, "/chat/completions", "fake/judge-a"), >, 0);
  g_assert_cmpuint (fake_server_count (fx.server, "/chat/completions", "fake/judge-b"), ==, 0);
  second = latest_judgment (run_id);
  g_assert_cmpstr (second->judge_model, ==, "fake/judge-a");
  g_assert_cmpstr (second->file, !=, first->file);

  gui_test_close_window (GTK_WINDOW (window));
}

/* One run of `usecase` with an output of fake/cheap-model, ok or failed. `status` RUNNING:
 * left running, its lock held by `store` (a process works on it) or released (`release`:
 * it reads as interrupted, as after a crash). */
static char *
make_run (TbStore     *store,
          const char  *usecase,
          const char  *snapshot,
          gboolean     ok,
          TbRunStatus  status,
          gboolean     release)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRun) run = tb_run_new ();
  g_autoptr(TbOutput) output = tb_output_new ("fake/cheap-model");
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                tb_test_input_free);
  g_autoptr(GPtrArray) prompts = g_ptr_array_new ();

  g_ptr_array_add (inputs, tb_test_input_new (NULL, "notes.txt", "fix: a crash\n", 13));
  g_ptr_array_add (prompts, (char *) "Write release notes.");
  run->usecase = g_strdup (usecase);
  run->usecase_snapshot = g_strdup (snapshot);
  g_strfreev (run->models);
  run->models = g_strdupv ((char **) (const char *[]) { "fake/cheap-model", NULL });
  run->created_at = tb_utc_now_iso8601 ();
  g_assert_true (tb_store_create_run (store, run, inputs, prompts, &error));
  g_assert_no_error (error);

  output->input = g_strdup (tb_run_find_input (run, NULL)->key);
  output->repeat = 1;
  output->status = ok ? TB_OUTPUT_OK : TB_OUTPUT_FAILED;
  output->content = ok ? g_strdup ("- Fixed a crash (SCORE=7)") : NULL;
  output->error_message = ok ? NULL : g_strdup ("out of credits (402)");
  output->attempts = 1;
  g_assert_true (tb_store_write_output (store, run, output, &error));
  g_assert_no_error (error);

  if (status != TB_RUN_RUNNING)
    {
      run->status = status;
      g_assert_true (tb_store_save_run (store, run, &error));
      g_assert_no_error (error);
      tb_store_unlock_run (store, run);
    }
  else if (release)
    tb_store_unlock_run (store, run);
  return g_strdup (run->id);
}

static guint
count_judgments (const char *usecase,
                 const char *run_id)
{
  g_autofree char *dir = path_in_home ("results", usecase, run_id, "judgments", NULL);
  g_autoptr(GDir) judgments = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (judgments != NULL && g_dir_read_name (judgments) != NULL)
    n++;
  return n;
}

/* "Judge all" takes exactly the runs tb_run_summary_is_judgeable takes (the CLI's
 * `judge --all` too): an interrupted run with an ok output included, a run without one or a
 * run another process works on left out. */
static void
test_judge_all_rule (void)
{
  g_autoptr(TbStore) store = tb_store_new (fx.home);
  g_autoptr(TbIndex) index = tb_index_new (store);
  g_autoptr(GPtrArray) summaries = NULL;
  g_autoptr(GHashTable) judgeable = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autofree char *snapshot = tb_usecase_template ("judge-rule");
  g_autofree char *done = NULL;
  g_autofree char *interrupted = NULL;
  g_autofree char *failed = NULL;
  g_autofree char *running = NULL;
  TbWindow *window;
  guint toasts;

  g_assert_true (tb_home_create_usecase (fx.home, "judge-rule", snapshot, &error));
  g_assert_no_error (error);
  done = make_run (store, "judge-rule", snapshot, TRUE, TB_RUN_DONE, FALSE);
  interrupted = make_run (store, "judge-rule", snapshot, TRUE, TB_RUN_RUNNING, TRUE);
  failed = make_run (store, "judge-rule", snapshot, FALSE, TB_RUN_FAILED, FALSE);
  running = make_run (store, "judge-rule", snapshot, TRUE, TB_RUN_RUNNING, FALSE);

  /* The core's rule, as the CLI applies it. */
  summaries = tb_index_list_runs (index, "judge-rule", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (summaries->len, ==, 4);
  for (guint i = 0; i < summaries->len; i++)
    {
      TbRunSummary *summary = g_ptr_array_index (summaries, i);

      if (tb_run_summary_is_judgeable (summary))
        g_hash_table_add (judgeable, summary->id);
    }
  g_assert_cmpuint (g_hash_table_size (judgeable), ==, 2);
  g_assert_true (g_hash_table_contains (judgeable, done));
  g_assert_true (g_hash_table_contains (judgeable, interrupted));

  window = gui_test_open_window (fx.app, 1200, 800);
  g_assert_true (tb_window_select_usecase (window, "judge-rule"));
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")), "runs");
  g_assert_true (gui_test_wait_for (gui_test_runs_loaded, window, 20000));
  g_assert_cmpint (gui_test_run_status (window, interrupted), ==, TB_RUN_INTERRUPTED);
  g_assert_cmpint (gui_test_run_status (window, running), ==, TB_RUN_RUNNING);
  screenshot (GTK_WIDGET (window), "judge-all-before");

  /* A slow judge, so the pass can be seen under way. */
  {
    FakeModel slow = { .latency_ms = 700 };

    fake_server_set_model (fx.server, "fake/judge", &slow);
  }
  toasts = tb_window_get_toast_count (window);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.judge-all", NULL);
  g_assert_true (tb_window_is_busy (window));
  /* asked first: the runs the rule takes and what judging them costs */
  {
    g_autofree char *heading = confirm_judging ();

    g_assert_cmpstr (heading, ==, "Judge 2 Runs?");
  }
  g_assert_true (tb_window_is_busy (window));
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (child (window,
                                                                     "judging_revealer"))));
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")), "runs");
  screenshot (GTK_WIDGET (window), "judging-progress");
  g_assert_true (gui_test_wait_for (not_busy, window, 60000));
  fake_server_set_model (fx.server, "fake/judge", &(FakeModel) { 0 });
  /* one toast for the whole pass */
  g_assert_cmpuint (tb_window_get_toast_count (window), ==, toasts + 1);
  g_assert_true (g_str_has_prefix (tb_window_get_last_toast (window), "Judged 2 runs for $"));

  /* A new judgment for exactly the runs the rule takes. */
  for (guint i = 0; i < summaries->len; i++)
    {
      TbRunSummary *summary = g_ptr_array_index (summaries, i);

      g_assert_cmpuint (count_judgments ("judge-rule", summary->id), ==,
                        g_hash_table_contains (judgeable, summary->id) ? 1 : 0);
    }
  g_assert_cmpuint (count_judgments ("judge-rule", failed), ==, 0);
  g_assert_cmpuint (count_judgments ("judge-rule", running), ==, 0);

  gui_test_close_window (GTK_WINDOW (window));
  g_clear_object (&index);
  /* The run "another process" worked on ends. */
  {
    g_autoptr(TbRun) run = tb_store_load_run (store, running, NULL);

    g_assert_nonnull (run);
    tb_store_unlock_run (store, run);
  }
}

static gboolean
has_label_prefix (GtkWidget  *root,
                  const char *prefix)
{
  if (GTK_IS_LABEL (root) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (root)), prefix))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    if (has_label_prefix (c, prefix))
      return TRUE;
  return FALSE;
}

static void
collect_type (GtkWidget *root,
              GType      type,
              GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && gtk_widget_is_drawable (root))
    g_ptr_array_add (found, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    collect_type (c, type, found);
}

static GtkWidget *
action_button (GtkWidget  *root,
               const char *action)
{
  if (GTK_IS_BUTTON (root)
      && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = action_button (c, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
last_toast_is (gpointer data)
{
  TbWindow *window = data;
  const char *expected = g_object_get_data (G_OBJECT (window), "expected-toast");

  return g_strcmp0 (tb_window_get_last_toast (window), expected) == 0;
}

static gboolean
dir_exists (const char *usecase,
            const char *run_id)
{
  g_autofree char *dir = path_in_home ("results", usecase, run_id, NULL);

  return g_file_test (dir, G_FILE_TEST_IS_DIR);
}

/* The Runs page has no permanent Delete: each row has a menu (Open, Re-judge, Resume,
 * Export…, Delete…, acting on that row), and Select puts check boxes on the rows for
 * Delete… of several runs; every delete asks first. */
static void
test_runs_selection (void)
{
  g_autoptr(TbStore) store = tb_store_new (fx.home);
  g_autoptr(GError) error = NULL;
  g_autofree char *snapshot = tb_usecase_template ("select-runs");
  char *ids[3] = { NULL };
  g_autoptr(GPtrArray) menus = g_ptr_array_new ();
  g_autoptr(GPtrArray) checks = g_ptr_array_new ();
  GtkWidget *runs_view;
  GListModel *model;
  TbWindow *window;
  char *second;

  g_assert_true (tb_home_create_usecase (fx.home, "select-runs", snapshot, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    ids[i] = make_run (store, "select-runs", snapshot, TRUE, TB_RUN_DONE, FALSE);

  window = gui_test_open_window (fx.app, 1200, 800);
  g_assert_true (tb_window_select_usecase (window, "select-runs"));
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")), "runs");
  g_assert_true (gui_test_wait_for (gui_test_runs_loaded, window, 20000));
  runs_view = child (window, "runs_view");
  model = tb_runs_view_get_model (TB_RUNS_VIEW (runs_view));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  gui_test_iterate_for (300);

  /* no red Delete in the toolbar */
  g_assert_null (action_button (runs_view, "runs.delete"));
  g_assert_false (gtk_widget_is_visible (action_button (runs_view, "runs.delete-selected")));

  /* the second row's menu acts on the second row */
  collect_type (runs_view, GTK_TYPE_MENU_BUTTON, menus);
  g_assert_cmpuint (menus->len, ==, 3);
  {
    g_autoptr(TbRunItem) item = g_list_model_get_item (model, 1);

    second = g_strdup (tb_run_item_get_id (item));
  }
  gtk_menu_button_popup (g_ptr_array_index (menus, 1));
  gui_test_iterate_for (100);
  g_assert_cmpstr (tb_runs_view_get_selected (TB_RUNS_VIEW (runs_view)), ==, second);
  screenshot (GTK_WIDGET (window), "runs-row-menu");
  gtk_menu_button_popdown (g_ptr_array_index (menus, 1));
  g_assert_true (gtk_widget_activate_action (runs_view, "runs.delete", NULL));
  g_assert_true (gui_test_wait_for (gui_test_has_dialog, NULL, 5000));
  g_assert_cmpstr (adw_message_dialog_get_heading (gui_test_find_dialog ()), ==, "Delete Run?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (gui_test_find_dialog ()), second));
  gui_test_respond (gui_test_find_dialog (), "cancel");
  gui_test_iterate_for (100);
  g_assert_true (dir_exists ("select-runs", second));

  /* Select: check boxes instead of the menus, Delete… for the runs checked */
  g_assert_true (gtk_widget_activate_action (runs_view, "runs.selection-mode", NULL));
  g_assert_true (tb_runs_view_get_selection_mode (TB_RUNS_VIEW (runs_view)));
  gui_test_iterate_for (200);
  g_ptr_array_set_size (menus, 0);
  collect_type (runs_view, GTK_TYPE_MENU_BUTTON, menus);
  g_assert_cmpuint (menus->len, ==, 0);
  collect_type (runs_view, GTK_TYPE_CHECK_BUTTON, checks);
  g_assert_cmpuint (checks->len, ==, 3);
  g_assert_false (gtk_widget_get_sensitive (action_button (runs_view, "runs.delete-selected")));
  gtk_check_button_set_active (g_ptr_array_index (checks, 0), TRUE);
  gtk_check_button_set_active (g_ptr_array_index (checks, 2), TRUE);
  g_assert_true (gtk_widget_get_sensitive (action_button (runs_view, "runs.delete-selected")));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (gui_test_find_named (runs_view, "runs-count"))),
                   ==, "2 selected");
  screenshot (GTK_WIDGET (window), "runs-selection");
  g_assert_true (gtk_widget_activate_action (runs_view, "runs.delete-selected", NULL));
  g_assert_true (gui_test_wait_for (gui_test_has_dialog, NULL, 5000));
  g_assert_cmpstr (adw_message_dialog_get_heading (gui_test_find_dialog ()), ==,
                   "Delete 2 Runs?");
  g_object_set_data (G_OBJECT (window), "expected-toast", (gpointer) "2 runs deleted");
  gui_test_respond (gui_test_find_dialog (), "delete");
  g_assert_true (gui_test_wait_for (last_toast_is, window, 20000));
  g_assert_true (gui_test_wait_for (gui_test_runs_loaded, window, 20000));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_true (dir_exists ("select-runs", second));
  for (guint i = 0; i < 3; i++)
    g_assert_true (dir_exists ("select-runs", ids[i]) == (g_strcmp0 (ids[i], second) == 0));
  g_assert_false (tb_runs_view_get_selection_mode (TB_RUNS_VIEW (runs_view)));

  g_free (second);
  for (guint i = 0; i < 3; i++)
    g_free (ids[i]);
  gui_test_close_window (GTK_WINDOW (window));
}

/* A test set on the Run page: the use case's own inputs at first, remove one, take them
 * again; files and a folder dropped at once; a repeat count; the run makes every model ×
 * input × repeat. */
static void
test_test_set (void)
{
  TbWindow *window = gui_test_open_window (fx.app, 1200, 800);
  TbInputView *inputs = tb_window_get_input_view (window);
  g_autofree char *usecase_path = path_in_home ("usecases", "lecture-chapters.yaml", NULL);
  g_autofree char *dir = path_in_home ("set", NULL);
  g_autofree char *folder = path_in_home ("set", "more", NULL);
  g_autoptr(TbUsecase) usecase = NULL;
  g_autoptr(GPtrArray) own = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);
  g_autoptr(GPtrArray) chosen = NULL;
  const char *models[] = { "fake/cheap-model", "openai/gpt-4o-mini", NULL };
  TbRunner *runner;
  TbRun *run;
  guint references = 0;

  /* The core's reading of the use case's `inputs` is what the page starts with. */
  usecase = tb_usecase_load_file (usecase_path, &error);
  g_assert_no_error (error);
  own = tb_test_set_from_usecase (usecase, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (own->len, >, 1);
  g_assert_true (tb_window_select_usecase (window, "lecture-chapters"));
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")), "run");
  g_assert_true (gui_test_wait_for (gui_test_input_loaded, window, 10000));
  g_assert_cmpuint (tb_input_view_get_n_inputs (inputs), ==, own->len);
  chosen = tb_input_view_dup_inputs (inputs);
  for (guint i = 0; i < chosen->len; i++)
    {
      TbTestInput *input = g_ptr_array_index (chosen, i);

      g_assert_cmpstr (input->key, ==, ((TbTestInput *) g_ptr_array_index (own, i))->key);
      references += input->reference != NULL;
    }
  g_assert_cmpuint (references, ==, own->len);
  g_assert_cmpuint (tb_input_view_get_repeat (inputs), ==, MAX (usecase->repeat, 1));
  screenshot (GTK_WIDGET (window), "test-set");

  /* remove one; the use case's own set comes back from the Add menu */
  tb_input_view_remove (inputs, 0);
  g_assert_cmpuint (tb_input_view_get_n_inputs (inputs), ==, own->len - 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (inputs), "inputs.use-usecase", NULL));
  g_assert_true (gui_test_wait_for (gui_test_inputs_read, window, 10000));
  g_assert_cmpuint (tb_input_view_get_n_inputs (inputs), ==, own->len);

  /* two files and a folder dropped at once; the folder's reference goes with its input */
  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  {
    const char *names[][2] = {
      { "set/a.txt", "fix: a crash on start\n" },
      { "set/b.txt", "feat: dark style\n" },
      { "set/more/c.txt", "docs: the cost columns\n" },
      { "set/more/c.reference.txt", "- Docs: cost columns explained\n" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *path = g_build_filename (fx.home, names[i][0], NULL);

        g_assert_true (g_file_set_contents (path, names[i][1], -1, NULL));
      }
    for (guint i = 0; i < 2; i++)
      {
        g_autofree char *path = g_build_filename (fx.home, names[i][0], NULL);
        g_autoptr(GFile) file = g_file_new_for_path (path);

        g_list_store_append (files, file);
      }
    {
      g_autoptr(GFile) file = g_file_new_for_path (folder);

      g_list_store_append (files, file);
    }
  }
  tb_input_view_clear (inputs);
  tb_input_view_add_files (inputs, G_LIST_MODEL (files));
  g_assert_true (gui_test_wait_for (gui_test_input_loaded, window, 10000));
  g_assert_null (tb_input_view_get_error (inputs));
  g_assert_cmpuint (tb_input_view_get_n_inputs (inputs), ==, 3);
  g_clear_pointer (&chosen, g_ptr_array_unref);
  chosen = tb_input_view_dup_inputs (inputs);
  g_assert_nonnull (((TbTestInput *) g_ptr_array_index (chosen, 2))->reference);

  /* two repeats of two models on three inputs: twelve calls, one run */
  tb_input_view_set_repeat (inputs, 2);
  tb_window_set_models (window, models);
  gtk_switch_set_active (GTK_SWITCH (child (window, "judge_switch")), FALSE);
  screenshot (GTK_WIDGET (window), "test-set-ready");
  fake_server_clear_requests (fx.server);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_true (gui_test_wait_for (not_busy, window, 60000));
  runner = tb_window_get_runner (window);
  run = tb_runner_get_run (runner);
  g_assert_nonnull (run);
  g_assert_cmpuint (run->inputs->len, ==, 3);
  g_assert_cmpuint (run->repeat, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (tb_runner_get_calls (runner)), ==, 12);
  g_assert_cmpuint (fake_server_count (fx.server, "/chat/completions", NULL), ==, 12);
  /* each live row says which input and repeat it is for: not twelve identical rows */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "run");
  gui_test_iterate_for (300);
  for (guint i = 0; i < 12; i++)
    {
      g_autoptr(TbCall) call = g_list_model_get_item (tb_runner_get_calls (runner), i);
      g_autofree char *place = g_strdup_printf ("%s · repeat %u", tb_call_get_input (call),
                                                tb_call_get_repeat (call));
      g_autofree char *shown = g_strconcat (place, " · ", NULL);

      g_assert_cmpstr (tb_call_get_place (call), ==, place);
      g_assert_true (has_label_prefix (child (window, "run_monitor"), shown));
    }
  screenshot (GTK_WIDGET (window), "test-set-done");
  gui_test_close_window (GTK_WINDOW (window));
}

static gboolean
summary_ready (gpointer window)
{
  TbSummaryView *view = TB_SUMMARY_VIEW (gui_test_template_child (window, TB_TYPE_WINDOW,
                                                                   "summary_view"));

  return !tb_summary_view_is_loading (view) && tb_summary_view_get_summary (view) != NULL;
}

static const char *
page_of (TbWindow *window)
{
  return adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")));
}

/* A use case with judged runs opens on its Summary (the CLI's `summary ID`, from the core);
 * one without runs goes on to the Run page. */
static void
test_summary_page (void)
{
  TbWindow *window = gui_test_open_window (fx.app, 1200, 900);
  TbSummaryView *view = TB_SUMMARY_VIEW (child (window, "summary_view"));
  g_autoptr(TbStore) store = tb_store_new (fx.home);
  g_autoptr(TbUsecaseSummary) expected = NULL;
  g_autoptr(GError) error = NULL;
  const TbUsecaseSummary *shown;

  /* a person's rating of one judged output: the page holds it against the judges */
  {
    g_autoptr(GPtrArray) ids = tb_store_list_run_ids (store, "judge-rule");
    gboolean rated = FALSE;

    for (guint i = 0; ids != NULL && i < ids->len && !rated; i++)
      {
        g_autoptr(TbRunData) data = tb_store_load_run_data (store, g_ptr_array_index (ids, i),
                                                            NULL);
        TbJudgment *judgment;
        TbScore *score;
        g_autoptr(TbRating) rating = NULL;

        if (data == NULL || data->judgments->len == 0)
          continue;
        judgment = g_ptr_array_index (data->judgments, 0);
        if (judgment->scores->len == 0)
          continue;
        score = g_ptr_array_index (judgment->scores, 0);
        rating = tb_rating_new (score->model);
        rating->input = g_strdup (score->input);
        rating->repeat = score->repeat;
        rating->score = 55;
        g_assert_true (tb_rating_settle (rating, data, &error));
        g_assert_no_error (error);
        g_assert_true (tb_store_write_rating (store, data->run, rating, &error));
        g_assert_no_error (error);
        rated = TRUE;
      }
    g_assert_true (rated);
  }

  g_assert_true (tb_window_select_usecase (window, "judge-rule"));
  g_assert_cmpstr (page_of (window), ==, "summary");
  g_assert_true (gui_test_wait_for (summary_ready, window, 20000));
  g_assert_cmpstr (page_of (window), ==, "summary");
  expected = tb_usecase_summary_load (store, NULL, "judge-rule", 0, NULL, &error);
  g_assert_no_error (error);
  shown = tb_summary_view_get_summary (view);
  g_assert_cmpuint (shown->judged_runs, ==, expected->judged_runs);
  g_assert_cmpuint (shown->judged_runs, >, 0);
  g_assert_cmpuint (shown->verdict->models->len, ==, expected->verdict->models->len);
  for (guint i = 0; i < expected->verdict->models->len; i++)
    {
      TbModelVerdict *model = g_ptr_array_index (expected->verdict->models, i);

      g_assert_cmpuint (tb_usecase_summary_runs_of (shown, model->model), ==,
                        tb_usecase_summary_runs_of (expected, model->model));
      g_assert_cmpuint (tb_usecase_summary_wins_of (shown, model->model), ==,
                        tb_usecase_summary_wins_of (expected, model->model));
    }
  g_assert_nonnull (shown->verdict->human);
  g_assert_cmpuint (shown->verdict->human->len, >, 0);
  {
    GtkWidget *list = gui_test_find_named (GTK_WIDGET (view), "summary-human");
    GtkWidget *row;

    g_assert_nonnull (list);
    row = gtk_widget_get_first_child (list);
    g_assert_true (ADW_IS_ACTION_ROW (row));
    g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==,
                     "You and the judges");
  }
  screenshot (GTK_WIDGET (window), "summary");

  /* no runs: the Run page, where the next step is */
  g_assert_true (tb_window_select_usecase (window, "meeting-action-items"));
  g_assert_true (gui_test_wait_for (gui_test_runs_loaded, window, 20000));
  gui_test_iterate_for (100);
  g_assert_cmpstr (page_of (window), ==, "run");
  gui_test_close_window (GTK_WINDOW (window));
}

static gboolean
forecast_ready (gpointer window)
{
  TbForecastView *view = TB_FORECAST_VIEW (gui_test_template_child (window, TB_TYPE_WINDOW,
                                                                     "forecast_view"));

  return !tb_forecast_view_is_loading (view) && tb_forecast_view_get_forecast (view) != NULL;
}

static gboolean
balance_short (gpointer window)
{
  TbForecastView *view = TB_FORECAST_VIEW (gui_test_template_child (window, TB_TYPE_WINDOW,
                                                                     "forecast_view"));

  return !tb_forecast_view_check_balance (view, NULL);
}

/* Money before the call: the forecast (a dry runner job, in a thread) of the run as set up,
 * refreshed as it changes; Run disabled with its reason beside it; the cap reaches the
 * runner; a key whose remaining limit is below the forecast asks first. */
static void
test_forecast_and_budget (void)
{
  TbWindow *window = gui_test_open_window (fx.app, 1200, 900);
  TbInputView *inputs = tb_window_get_input_view (window);
  TbForecastView *view = TB_FORECAST_VIEW (child (window, "forecast_view"));
  GtkLabel *reason = GTK_LABEL (child (window, "run_reason"));
  const char *models[] = { "fake/cheap-model", "openai/gpt-4o-mini", NULL };
  const char *none[] = { NULL };
  const TbForecast *forecast;
  g_autoptr(JsonNode) shown = NULL;
  TbRunner *runner;
  TbRun *run;
  guint calls = 0, n_inputs;

  g_assert_true (tb_window_select_usecase (window, "support-ticket-triage"));
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (child (window, "view_stack")), "run");
  g_assert_true (gui_test_wait_for (gui_test_input_loaded, window, 10000));
  n_inputs = tb_input_view_get_n_inputs (inputs);
  g_assert_true (gui_test_wait_for (gui_test_catalog_loaded, window, 20000));
  tb_window_set_models (window, models);
  gtk_switch_set_active (GTK_SWITCH (child (window, "judge_switch")), TRUE);

  /* the forecast of two models on the test set, and their judge */
  g_assert_true (gui_test_wait_for (forecast_ready, window, 20000));
  forecast = tb_forecast_view_get_forecast (view);
  g_assert_cmpuint (forecast->models->len, ==, 2);
  for (guint i = 0; i < forecast->models->len; i++)
    calls += ((TbForecastLine *) g_ptr_array_index (forecast->models, i))->calls;
  g_assert_cmpuint (calls, ==, 2 * n_inputs);
  g_assert_nonnull (forecast->judges);
  g_assert_cmpuint (forecast->judges->len, >, 0);
  g_assert_cmpfloat (forecast->total_usd, >, 0);
  gui_test_scroll_to (GTK_WIDGET (view));
  screenshot (GTK_WIDGET (window), "forecast");

  /* a repeat more: a new forecast with twice the candidate calls */
  tb_input_view_set_repeat (inputs, 2);
  g_assert_true (tb_forecast_view_is_loading (view));
  g_assert_true (gui_test_wait_for (forecast_ready, window, 20000));
  calls = 0;
  forecast = tb_forecast_view_get_forecast (view);
  for (guint i = 0; i < forecast->models->len; i++)
    calls += ((TbForecastLine *) g_ptr_array_index (forecast->models, i))->calls;
  g_assert_cmpuint (calls, ==, 4 * n_inputs);
  tb_input_view_set_repeat (inputs, 1);

  /* no model, no input: Run is off, and the page says why */
  tb_window_set_models (window, none);
  gui_test_iterate_for (50);
  g_assert_false (gtk_widget_get_sensitive (child (window, "run_button")));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (reason)));
  g_assert_cmpstr (gtk_label_get_text (reason), ==, "Choose at least one model to run");
  tb_input_view_clear (inputs);
  g_assert_cmpstr (gtk_label_get_text (reason), ==, "Add at least one input to run");
  gui_test_scroll_to (GTK_WIDGET (view));
  screenshot (GTK_WIDGET (window), "run-disabled");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (inputs), "inputs.use-usecase", NULL));
  g_assert_true (gui_test_wait_for (gui_test_input_loaded, window, 10000));
  tb_window_set_models (window, models);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (reason)));

  /* a key with less left than the forecast: Run asks, Cancel runs nothing */
  fake_server_set_key (fx.server, "{\"label\":\"test\",\"limit\":1,\"limit_remaining\":0.000001,"
                                  "\"usage\":0.999999,\"is_free_tier\":false}");
  tb_forecast_view_set_client (view, tb_application_get_client (fx.app));
  g_assert_true (gui_test_wait_for (forecast_ready, window, 20000));
  g_assert_true (gui_test_wait_for (balance_short, window, 5000));
  {
    g_autofree char *message = NULL;

    g_assert_false (tb_forecast_view_check_balance (view, &message));
    g_assert_nonnull (strstr (message, "more than"));
  }
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (gui_test_template_child (
    GTK_WIDGET (view), TB_TYPE_FORECAST_VIEW, "total_row")), TRUE);
  gui_test_scroll_to (GTK_WIDGET (view));
  screenshot (GTK_WIDGET (window), "forecast-balance");
  fake_server_clear_requests (fx.server);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_true (gui_test_wait_for (gui_test_has_dialog, NULL, 5000));
  g_assert_cmpstr (adw_message_dialog_get_heading (gui_test_find_dialog ()), ==,
                   "Not Enough Left on the Key");
  gui_test_respond (gui_test_find_dialog (), "cancel");
  g_assert_false (tb_window_is_busy (window));
  g_assert_cmpuint (fake_server_count (fx.server, "/chat/completions", NULL), ==, 0);
  fake_server_set_key (fx.server, NULL);
  tb_forecast_view_set_client (view, tb_application_get_client (fx.app));
  gui_test_iterate_for (300);

  /* a cap below one call: every call is skipped for it, and the run says so */
  tb_forecast_view_set_max_cost (view, TRUE, 0.0001);
  {
    double cap = 0;

    g_assert_true (tb_forecast_view_get_max_cost (view, &cap));
    g_assert_cmpfloat_with_epsilon (cap, 0.0001, 1e-12);
  }
  gtk_switch_set_active (GTK_SWITCH (child (window, "judge_switch")), FALSE);
  g_assert_true (gui_test_wait_for (forecast_ready, window, 20000));
  shown = tb_forecast_to_json (tb_forecast_view_get_forecast (view));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  g_assert_true (gui_test_wait_for (not_busy, window, 60000));
  runner = tb_window_get_runner (window);
  run = tb_runner_get_run (runner);
  g_assert_true (tb_runner_stopped_by_budget (runner));
  g_assert_cmpstr (run->stop_reason, ==, "budget");
  g_assert_true (run->has_max_cost);
  g_assert_cmpfloat_with_epsilon (run->max_cost_usd, 0.0001, 1e-12);
  /* run.json keeps the forecast the page showed */
  g_assert_nonnull (run->forecast);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (json_node_get_object (
                                    run->forecast), "total_usd"),
                                  json_object_get_double_member (json_node_get_object (shown),
                                                                 "total_usd"), 1e-12);
  tb_forecast_view_set_max_cost (view, FALSE, 0);

  /* the run deleted, its live rows go too: the monitor never shows a run that is gone */
  {
    g_autofree char *id = g_strdup (run->id);

    g_assert_true (gtk_widget_get_visible (child (window, "run_monitor")));
    gtk_widget_activate_action (GTK_WIDGET (window), "win.delete-run", "s", id);
    g_assert_true (gui_test_wait_for (gui_test_has_dialog, NULL, 5000));
    g_object_set_data (G_OBJECT (window), "expected-toast", (gpointer) "Run deleted");
    gui_test_respond (gui_test_find_dialog (), "delete");
    g_assert_true (gui_test_wait_for (last_toast_is, window, 20000));
    g_assert_false (gtk_widget_get_visible (child (window, "run_monitor")));
    g_assert_null (tb_window_get_runner (window));
    g_assert_null (tb_window_get_last_run_id (window));
  }
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
  g_test_add_func ("/gui/window/test-set", test_test_set);
  g_test_add_func ("/gui/window/forecast-and-budget", test_forecast_and_budget);
  g_test_add_func ("/gui/window/cli-run-appears", test_cli_run_appears);
  g_test_add_func ("/gui/window/rejudge-uses-snapshot", test_rejudge_uses_snapshot);
  g_test_add_func ("/gui/window/judge-all-rule", test_judge_all_rule);
  g_test_add_func ("/gui/window/runs-selection", test_runs_selection);
  g_test_add_func ("/gui/window/summary-page", test_summary_page);
  status = g_test_run ();

  gui_test_tear_down (&fx);
  return status;
}
