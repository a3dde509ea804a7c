/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-gui-papercuts"

#include "config.h"

#include <adwaita.h>
#include <signal.h>
#include <string.h>

#include "gui-test-util.h"
#include "tb-line-numbers.h"
#include "tb-window.h"

/* The papercuts of issue #12 ("Fix what a user trips on today"), each driven in the real
 * window as a user meets it, with screenshots ("papercut-*.png"). */

static GuiTestFixture fx;

static void
screenshot (GtkWidget  *widget,
            const char *name)
{
  gui_test_screenshot_step (widget, "papercut", name);
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
editor_has_error (gpointer data)
{
  return tb_usecase_editor_get_error (tb_window_get_editor (data)) != NULL;
}

static gboolean
editor_valid (gpointer data)
{
  return tb_usecase_editor_is_valid (tb_window_get_editor (data));
}

static double
top_in_window (GtkWidget *widget)
{
  graphene_point_t point;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (gtk_widget_get_root (widget)),
                                           &GRAPHENE_POINT_INIT (0, 0), &point));
  return point.y;
}

/* New use case: Enter creates it and closes the dialog; the dialog keeps its width while
 * the hint changes; the hint names its unit; the new use case opens at the top. */
static void
test_new_usecase (void)
{
  TbWindow *window = gui_test_open_window (fx.app, 1200, 800);
  AdwMessageDialog *dialog;
  GtkWidget *entry;
  GtkWidget *hint;
  GtkAdjustment *scroll;
  g_autofree char *path = g_build_filename (fx.home, "usecases", "by-enter.yaml", NULL);
  guint toasts;
  int width;

  g_assert_true (gui_test_wait_for (gui_test_catalog_loaded, window, 20000));
  /* The open use case scrolled to its bottom, as a user who read it would leave it. */
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "usecase");
  gui_test_iterate_for (300);
  scroll = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (editor_child (window,
                                                                         "form_scroller")));
  gtk_adjustment_set_value (scroll, gtk_adjustment_get_upper (scroll));
  gui_test_iterate_for (100);
  g_assert_cmpfloat (gtk_adjustment_get_value (scroll), >, 0);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.new-usecase", NULL);
  g_assert_true (gui_test_wait_for (gui_test_has_dialog, NULL, 5000));
  dialog = gui_test_find_dialog ();
  entry = gtk_widget_get_first_child (adw_message_dialog_get_extra_child (dialog));
  hint = gtk_widget_get_next_sibling (entry);
  gui_test_iterate_for (200);
  width = gtk_widget_get_width (GTK_WIDGET (dialog));
  gtk_editable_set_text (GTK_EDITABLE (entry), "Bad Id!");
  gui_test_iterate_for (200);
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (hint)), "64 characters"));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (dialog)), ==, width);
  screenshot (GTK_WIDGET (dialog), "new-dialog-hint");
  gtk_editable_set_text (GTK_EDITABLE (entry), "lecture-chapters");
  gui_test_iterate_for (200);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (dialog)), ==, width);

  /* Enter: created, opened, and the dialog is gone (no second Create, no "exists"). */
  toasts = tb_window_get_toast_count (window);
  gtk_editable_set_text (GTK_EDITABLE (entry), "by-enter");
  /* What Enter does: the key binding of the entry's text emits its "activate". */
  g_signal_emit_by_name (gtk_editable_get_delegate (GTK_EDITABLE (entry)), "activate");
  g_assert_true (gui_test_wait_for (gui_test_no_dialog, NULL, 5000));
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpstr (tb_window_get_usecase_id (window), ==, "by-enter");
  g_assert_cmpuint (tb_window_get_toast_count (window), ==, toasts);
  gui_test_iterate_for (300);
  g_assert_cmpfloat (gtk_adjustment_get_value (scroll), ==, 0);
  screenshot (GTK_WIDGET (window), "new-usecase-top");
  gui_test_close_window (GTK_WINDOW (window));
}

/* The editor: the error banner does not move the form, speaks the field's name and marks
 * it, Save is off while invalid, an error shows once, a save says so, the YAML tab numbers
 * its lines and marks the bad one, the schema box is for JSON only, Save is on the Use Case
 * page only. */
static void
test_editor (void)
{
  TbWindow *window = gui_test_open_window (fx.app, 1200, 800);
  TbUsecaseEditor *editor = tb_window_get_editor (window);
  GtkWidget *name_row;
  GtkWidget *save_button = child (window, "save_button");
  GtkWidget *criteria;
  GtkWidget *row;
  GtkWidget *criterion_name;
  GtkTextView *yaml_view;
  GtkTextBuffer *yaml;
  GtkWidget *gutter;
  GtkTextIter iter;
  g_autofree char *good_name = NULL;
  double top;
  guint toasts;
  int n_criteria = 0;

  g_assert_true (gui_test_wait_for (gui_test_catalog_loaded, window, 20000));
  tb_window_select_usecase (window, "lecture-chapters");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "usecase");
  g_assert_true (gui_test_wait_for (editor_valid, window, 5000));
  gui_test_iterate_for (300);

  /* Save sits in the header on the Use Case page only, a word when there is room. */
  g_assert_true (gtk_widget_get_visible (save_button));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (save_button)), ==, "_Save");
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "run");
  g_assert_false (gtk_widget_get_visible (save_button));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "runs");
  g_assert_false (gtk_widget_get_visible (save_button));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "costs");
  g_assert_false (gtk_widget_get_visible (save_button));
  gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "usecase");
  g_assert_true (gtk_widget_get_visible (save_button));
  gui_test_iterate_for (300);

  /* A criterion without a name: the banner names "Criterion N: Name", not the key path,
   * marks that entry, and the form does not move. */
  name_row = editor_child (window, "name_row");
  good_name = g_strdup (gtk_editable_get_text (GTK_EDITABLE (name_row)));
  top = top_in_window (editor_child (window, "goal_view"));
  gtk_editable_set_text (GTK_EDITABLE (name_row), "");
  g_assert_true (gui_test_wait_for (editor_has_error, window, 5000));
  gui_test_iterate_for (600);   /* past any transition */
  g_assert_cmpfloat (top_in_window (editor_child (window, "goal_view")), ==, top);
  g_assert_true (gtk_widget_has_css_class (name_row, "error"));
  g_assert_null (strstr (tb_usecase_editor_get_error (editor), "'name'"));
  g_assert_nonnull (strstr (tb_usecase_editor_get_error (editor), "'Name'"));
  gtk_editable_set_text (GTK_EDITABLE (name_row), good_name);
  g_assert_true (gui_test_wait_for (editor_valid, window, 5000));
  g_assert_false (gtk_widget_has_css_class (name_row, "error"));
  gui_test_iterate_for (600);
  g_assert_cmpfloat (top_in_window (editor_child (window, "goal_view")), ==, top);

  criteria = editor_child (window, "criteria_list");
  for (GtkWidget *c = gtk_widget_get_first_child (criteria); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    n_criteria++;
  gtk_widget_activate_action (GTK_WIDGET (editor), "editor.add-criterion", NULL);
  row = gtk_widget_get_last_child (criteria);
  criterion_name = g_object_get_data (G_OBJECT (row), "name");
  g_assert_true (gui_test_wait_for (editor_has_error, window, 5000));
  gui_test_iterate_for (600);   /* past any transition */
  {
    g_autofree char *expected = g_strdup_printf ("Criterion %d: Name", n_criteria + 1);
    const char *error = tb_usecase_editor_get_error (editor);

    g_test_message ("form error: %s", error);
    g_assert_null (strstr (error, "judge.criteria"));
    g_assert_null (strstr (error, ".yaml:"));
    g_assert_nonnull (strstr (error, expected));
  }
  g_assert_true (gtk_widget_has_css_class (criterion_name, "error"));
  g_assert_false (gtk_widget_is_sensitive (save_button));
  screenshot (GTK_WIDGET (window), "editor-error");

  /* Fixed: the mark goes, Save comes back, and a save says so, once. */
  gtk_editable_set_text (GTK_EDITABLE (criterion_name), "clarity");
  g_assert_true (gui_test_wait_for (editor_valid, window, 5000));
  g_assert_false (gtk_widget_has_css_class (criterion_name, "error"));
  g_assert_true (gtk_widget_is_sensitive (save_button));
  toasts = tb_window_get_toast_count (window);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save-usecase", NULL);
  g_assert_false (tb_usecase_editor_is_dirty (editor));
  g_assert_cmpuint (tb_window_get_toast_count (window), ==, toasts + 1);
  g_assert_cmpstr (tb_window_get_last_toast (window), ==, "Use case saved");

  /* Ctrl+S before the check of a bad edit has run: not saved, and said once (the banner),
   * not again in a toast. */
  gtk_editable_set_text (GTK_EDITABLE (name_row), "");
  toasts = tb_window_get_toast_count (window);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.save-usecase", NULL);
  g_assert_nonnull (tb_usecase_editor_get_error (editor));
  g_assert_cmpuint (tb_window_get_toast_count (window), ==, toasts);
  g_assert_true (tb_usecase_editor_is_dirty (editor));
  gtk_editable_set_text (GTK_EDITABLE (name_row), good_name);
  g_assert_true (gui_test_wait_for (editor_valid, window, 5000));
  g_assert_false (tb_usecase_editor_is_dirty (editor));

  /* The schema box is for JSON output. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (editor_child (window, "format_row")), 3);
  g_assert_false (gtk_widget_get_visible (editor_child (window, "schema_box")));
  adw_combo_row_set_selected (ADW_COMBO_ROW (editor_child (window, "format_row")), 0);
  g_assert_true (gtk_widget_get_visible (editor_child (window, "schema_box")));
  g_assert_true (gui_test_wait_for (editor_valid, window, 5000));

  /* The YAML tab: line numbers, and the bad line marked. */
  gtk_stack_set_visible_child_name (GTK_STACK (editor_child (window, "tabs")), "yaml");
  yaml_view = GTK_TEXT_VIEW (editor_child (window, "yaml_view"));
  yaml = gtk_text_view_get_buffer (yaml_view);
  gutter = gtk_text_view_get_gutter (yaml_view, GTK_TEXT_WINDOW_LEFT);
  /* GTK 4.8 hands back the frame it keeps the gutter in. */
  if (gutter != NULL && !TB_IS_LINE_NUMBERS (gutter))
    gutter = gtk_widget_get_first_child (gutter);
  g_assert_true (TB_IS_LINE_NUMBERS (gutter));
  gtk_text_buffer_set_text (yaml, "name: Lecture\ngoal: x\ngaol: typo\n", -1);
  g_assert_true (gui_test_wait_for (editor_has_error, window, 5000));
  gui_test_iterate_for (300);
  g_assert_cmpint (gtk_widget_get_width (gutter), >, 0);
  g_assert_cmpuint (tb_line_numbers_get_error_line (TB_LINE_NUMBERS (gutter)), ==, 3);
  gtk_text_buffer_get_iter_at_line (yaml, &iter, 2);
  g_assert_true (gtk_text_iter_has_tag (&iter,
                                        gtk_text_tag_table_lookup (
                                          gtk_text_buffer_get_tag_table (yaml), "error-line")));
  gtk_text_buffer_get_iter_at_line (yaml, &iter, 1);
  g_assert_false (gtk_text_iter_has_tag (&iter,
                                         gtk_text_tag_table_lookup (
                                           gtk_text_buffer_get_tag_table (yaml), "error-line")));
  screenshot (GTK_WIDGET (window), "yaml-error");

  /* Back to the file as saved: the mark goes, and closing asks nothing. */
  {
    g_autofree char *path = g_build_filename (fx.home, "usecases", "lecture-chapters.yaml",
                                              NULL);
    g_autofree char *saved = NULL;

    g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
    gtk_text_buffer_set_text (yaml, saved, -1);
    g_assert_true (gui_test_wait_for (editor_valid, window, 5000));
    g_assert_false (tb_usecase_editor_is_dirty (editor));
    g_assert_cmpuint (tb_line_numbers_get_error_line (TB_LINE_NUMBERS (gutter)), ==, 0);
  }
  gui_test_close_window (GTK_WINDOW (window));
}

/* Started from the build folder: the app's icon is found (the About window shows it, not a
 * missing image), and without the schema installed the window starts instead of aborting. */
static void
test_uninstalled (void)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  const char *cli = g_getenv ("TASKBENCH_CLI");
  g_autofree char *bin_dir = NULL;
  g_autofree char *window_bin = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *no_schemas = g_build_filename (fx.home, "no-schemas", NULL);

  g_assert_true (gtk_icon_theme_has_icon (theme, APP_ID));
  g_assert_true (gtk_icon_theme_has_icon (theme, APP_ID "-symbolic"));

  g_assert_nonnull (cli);
  bin_dir = g_path_get_dirname (cli);
  window_bin = g_build_filename (bin_dir, "..", "gui", "taskbench", NULL);
  g_assert_true (g_file_test (window_bin, G_FILE_TEST_IS_EXECUTABLE));
  g_assert_cmpint (g_mkdir_with_parents (no_schemas, 0700), ==, 0);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "GSETTINGS_SCHEMA_DIR");
  /* No folder of XDG_DATA_DIRS holds the schema. */
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_DIRS", no_schemas, TRUE);
  g_subprocess_launcher_setenv (launcher, "TASKBENCH_HOME", fx.home, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, window_bin, NULL);
  g_assert_no_error (error);
  /* Still running after a few seconds: it did not abort on the missing schema. */
  gui_test_iterate_for (3000);
  if (g_subprocess_get_identifier (process) == NULL)   /* it has ended */
    {
      g_autofree char *err = NULL;

      g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, NULL);
      g_test_message ("stderr: %s", err);
    }
  g_assert_nonnull (g_subprocess_get_identifier (process));
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
}

/* 360 px wide: the window goes that narrow on the Summary and Use Case pages (its own
 * measure adds X11's resize borders: that is the "370"). The Run page does not yet: its
 * minimum is 405 px (issue #12, left open). */
/* The chain of widgets whose minimum width makes the content's: what holds a page wide. */
static void
print_widest (GtkWidget *widget,
              int        depth)
{
  GtkWidget *widest = NULL;
  int widest_min = -1, minimum;

  gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
  g_test_message ("%*s%s %s: %d", depth, "", G_OBJECT_TYPE_NAME (widget),
                  gtk_widget_get_name (widget), minimum);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      int m;

      gtk_widget_measure (c, GTK_ORIENTATION_HORIZONTAL, -1, &m, NULL, NULL, NULL);
      if (m > 200)
        g_test_message ("%*s(%s %s: %d%s)", depth + 1, "", G_OBJECT_TYPE_NAME (c),
                        gtk_widget_get_name (c), m, gtk_widget_get_visible (c) ? "" : " hidden");
      if (m > widest_min)
        {
          widest_min = m;
          widest = c;
        }
    }
  if (widest != NULL && widest_min > 200)
    print_widest (widest, depth + 1);
}

static void
test_narrow (void)
{
  TbWindow *window = gui_test_open_window (fx.app, 360, 720);
  AdwLeaflet *leaflet = ADW_LEAFLET (child (window, "leaflet"));
  const char *pages[] = { "summary", "usecase", "run", "runs", NULL };

  g_assert_true (gui_test_wait_for (gui_test_catalog_loaded, window, 20000));
  tb_window_select_usecase (window, "lecture-chapters");
  adw_leaflet_set_visible_child_name (leaflet, "content");
  for (guint i = 0; pages[i] != NULL; i++)
    {
      g_autofree char *name = g_strdup_printf ("narrow-%s", pages[i]);
      int minimum;

      gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", pages[i]);
      gui_test_iterate_for (500);
      /* The content's minimum (the window's own adds its resize borders on X11). */
      gtk_widget_measure (adw_application_window_get_content (ADW_APPLICATION_WINDOW (window)),
                          GTK_ORIENTATION_HORIZONTAL, -1, &minimum, NULL, NULL, NULL);
      g_test_message ("%s: window %d px, minimum %d px", pages[i],
                      gtk_widget_get_width (GTK_WIDGET (window)), minimum);
      if (minimum > 360)
        print_widest (adw_application_window_get_content (ADW_APPLICATION_WINDOW (window)), 0);
      g_assert_cmpint (minimum, <=, 360);
      g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), ==, 360);
      /* Narrow, Save is an icon: the use case's name keeps the header's room. */
      if (g_str_equal (pages[i], "usecase"))
        g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (child (window, "save_button"))),
                         ==, "document-save-symbolic");
      screenshot (GTK_WIDGET (window), name);
    }
  gui_test_close_window (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  const char *source_dir = g_getenv ("TASKBENCH_SOURCE_DIR");
  int status;

  g_test_init (&argc, &argv, NULL);

  g_assert_nonnull (source_dir);
  fx.home = gui_test_home_new ("taskbench-gui-papercuts-XXXXXX");

  gtk_init ();
  adw_init ();
  gui_test_copy_usecases (source_dir, fx.home);
  fx.server = fake_server_new ();
  gui_test_use_fake_server (&fx);
  fx.app = gui_test_application_new ();

  g_test_add_func ("/gui/papercuts/new-usecase", test_new_usecase);
  g_test_add_func ("/gui/papercuts/editor", test_editor);
  g_test_add_func ("/gui/papercuts/uninstalled", test_uninstalled);
  g_test_add_func ("/gui/papercuts/narrow", test_narrow);
  status = g_test_run ();

  gui_test_tear_down (&fx);
  return status;
}
