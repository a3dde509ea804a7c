/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "gui-test-util"

#include "config.h"

#include <glib/gstdio.h>

#include "gui-test-util.h"
#include "tb-costs-view.h"
#include "tb-run-page.h"
#include "tb-runs-view.h"

/* Main loop ------------------------------------------------------------------------------- */

void
gui_test_iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
}

gboolean
gui_test_wait_for (GuiTestCondition condition,
                   gpointer         data,
                   guint            timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return TRUE;
}

gboolean
gui_test_is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

gboolean
gui_test_has_size (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

gboolean
gui_test_catalog_loaded (gpointer window)
{
  TbModelsView *models = tb_window_get_models_view (window);

  return !tb_models_view_is_loading (models) && tb_models_view_get_catalog (models) != NULL;
}

gboolean
gui_test_input_loaded (gpointer window)
{
  TbInputView *view = tb_window_get_input_view (window);

  return !tb_input_view_is_loading (view) && tb_input_view_has_input (view);
}

gboolean
gui_test_inputs_read (gpointer window)
{
  return !tb_input_view_is_loading (tb_window_get_input_view (window));
}

gboolean
gui_test_list_loaded (gpointer run_list)
{
  return tb_run_list_get_loaded (run_list) && !tb_run_list_get_loading (run_list);
}

gboolean
gui_test_runs_loaded (gpointer window)
{
  return gui_test_list_loaded (tb_window_get_run_list (window));
}

gboolean
gui_test_page_loaded (gpointer run_page)
{
  return !tb_run_page_is_loading (run_page);
}

gboolean
gui_test_costs_loaded (gpointer costs_view)
{
  return !tb_costs_view_is_loading (costs_view);
}

static TbRunItem *
find_run (TbWindow   *window,
          const char *run_id)
{
  GListModel *runs = tb_runs_view_get_model (TB_RUNS_VIEW (tb_window_get_runs_view (window)));
  guint n = g_list_model_get_n_items (runs);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TbRunItem) item = g_list_model_get_item (runs, i);

      if (g_strcmp0 (tb_run_item_get_id (item), run_id) == 0)
        return item;   /* the list keeps it alive */
    }
  return NULL;
}

gboolean
gui_test_run_listed (TbWindow   *window,
                     const char *run_id)
{
  return find_run (window, run_id) != NULL;
}

TbRunStatus
gui_test_run_status (TbWindow   *window,
                     const char *run_id)
{
  TbRunItem *item = find_run (window, run_id);

  g_assert_nonnull (item);
  return tb_run_item_get_status (item);
}

/* Screenshots ----------------------------------------------------------------------------- */

void
gui_test_save_png (GtkWidget     *widget,
                   GskRenderNode *node,
                   int            width,
                   int            height,
                   const char    *path)
{
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_autoptr(GdkTexture) texture = NULL;

  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

/* `file` in $TASKBENCH_SCREENSHOT_DIR; without that folder only the settling happens, so the
 * waits are the same either way. */
void
gui_test_screenshot (GtkWidget  *widget,
                     const char *file)
{
  const char *dir = g_getenv ("TASKBENCH_SCREENSHOT_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  int width, height;

  /* Let layout, CSS transitions and the frame clock settle first (slowly under valgrind). */
  g_assert_true (gui_test_wait_for (gui_test_has_size, widget, 20000));
  gui_test_iterate_for (400);
  if (dir == NULL || *dir == '\0')
    return;
  g_mkdir_with_parents (dir, 0755);

  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  paintable = gtk_widget_paintable_new (widget);
  /* Nothing to paint until the widget has drawn once (slow under valgrind). */
  for (guint attempt = 0; node == NULL && attempt < 200; attempt++)
    {
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

      if (attempt > 0)
        gui_test_iterate_for (100);
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);
  path = g_build_filename (dir, file, NULL);
  gui_test_save_png (widget, node, width, height, path);
}

/* Numbered in the order taken, so the folder lists a test's steps in order. */
void
gui_test_screenshot_step (GtkWidget  *widget,
                          const char *prefix,
                          const char *name)
{
  static guint shot;
  g_autofree char *file = g_strdup_printf ("%s-%02u-%s.png", prefix, ++shot, name);

  gui_test_screenshot (widget, file);
}

/* The temporary home ---------------------------------------------------------------------- */

/* Not G_TEST_OPTION_ISOLATE_DIRS: it empties XDG_DATA_DIRS too, and the window then finds
 * neither the icon theme nor its SVG loader. The writable folders are isolated by hand, inside
 * the home, so removing the home removes them too. */
char *
gui_test_home_new (const char *tmpl)
{
  char *home = g_dir_make_tmp (tmpl, NULL);

  g_assert_nonnull (home);
  for (const char *const *var = (const char *const[]) { "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
                                                         "XDG_DATA_HOME", "XDG_STATE_HOME",
                                                         NULL };
       *var != NULL; var++)
    {
      g_autofree char *dir = g_build_filename (home, ".xdg", *var, NULL);

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_setenv (*var, dir, TRUE);
    }
  return home;
}

static void
copy_tree (const char *from,
           const char *to)
{
  g_autoptr(GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (to, 0755), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      g_autofree char *text = NULL;
      gsize length;

      if (g_file_test (src, G_FILE_TEST_IS_DIR))
        {
          copy_tree (src, dst);
          continue;
        }
      g_assert_true (g_file_get_contents (src, &text, &length, NULL));
      g_assert_true (g_file_set_contents (dst, text, length, NULL));
    }
}

/* The shipped use cases and their samples (their test sets), as a new home gets them. */
void
gui_test_copy_usecases (const char *source_dir,
                        const char *home)
{
  g_autofree char *from = g_build_filename (source_dir, "usecases", NULL);
  g_autofree char *to = g_build_filename (home, "usecases", NULL);
  g_autoptr(GDir) dir = g_dir_open (from, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  g_assert_cmpint (g_mkdir_with_parents (to, 0755), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *src = g_build_filename (from, name, NULL);
      g_autofree char *dst = g_build_filename (to, name, NULL);
      g_autofree char *text = NULL;
      gsize length;

      if (g_strcmp0 (name, "samples") == 0)
        copy_tree (src, dst);
      if (!g_str_has_suffix (name, ".yaml"))
        continue;
      g_assert_true (g_file_get_contents (src, &text, &length, NULL));
      g_assert_true (g_file_set_contents (dst, text, length, NULL));
    }
}

/* Links are removed, never followed. TRUE when `path` itself is gone. */
gboolean
gui_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        gui_test_remove_tree (child);
      else
        g_unlink (child);
    }
  return g_rmdir (path) == 0;
}

/* The home, the fake server, a key and a judge model: what the app reads at start-up. */
void
gui_test_use_fake_server (GuiTestFixture *fixture)
{
  g_setenv ("TASKBENCH_HOME", fixture->home, TRUE);
  g_setenv ("TASKBENCH_BASE_URL", fake_server_get_url (fixture->server), TRUE);
  g_setenv ("OPENROUTER_API_KEY", "test-key", TRUE);
  g_setenv ("GENERAL_TASK_LLM", "fake/judge", TRUE);
}

/* The application ------------------------------------------------------------------------- */

TbApplication *
gui_test_application_new (void)
{
  TbApplication *app = tb_application_new ();

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, NULL));
  return app;
}

void
gui_test_tear_down (GuiTestFixture *fixture)
{
  g_clear_object (&fixture->app);
  g_clear_pointer (&fixture->server, fake_server_free);
  gui_test_remove_tree (fixture->home);
  g_clear_pointer (&fixture->home, g_free);
}

/* Widgets --------------------------------------------------------------------------------- */

TbWindow *
gui_test_open_window (TbApplication *app,
                      int            width,
                      int            height)
{
  TbWindow *window = tb_window_new (app);

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (gui_test_wait_for (gui_test_is_mapped, window, 10000));
  return window;
}

void
gui_test_close_window (GtkWindow *window)
{
  g_autoptr(GtkWidget) ref = g_object_ref (GTK_WIDGET (window));

  gtk_window_close (window);
  gui_test_iterate_for (200);
  g_assert_false (gtk_widget_get_visible (ref));
}

GtkWidget *
gui_test_template_child (GtkWidget  *widget,
                         GType       type,
                         const char *name)
{
  GtkWidget *child = GTK_WIDGET (gtk_widget_get_template_child (widget, type, name));

  g_assert_nonnull (child);
  return child;
}

/* What a click on a response button does: the response, then the dialog goes away. */
/* What a click on a response button does: the response, then the dialog goes away. */
void
gui_test_respond (AdwMessageDialog *dialog,
                  const char       *response)
{
  g_autoptr(GtkWindow) ref = g_object_ref (GTK_WINDOW (dialog));

  adw_message_dialog_response (dialog, response);
  if (gtk_widget_get_visible (GTK_WIDGET (ref)))
    gtk_window_destroy (ref);
}

GtkWidget *
gui_test_find_named (GtkWidget  *root,
                     const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = gui_test_find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

GtkWidget *
gui_test_find_type (GtkWidget *root,
                    GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = gui_test_find_type (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

AdwMessageDialog *
gui_test_find_dialog (void)
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

gboolean
gui_test_has_dialog (gpointer data)
{
  return gui_test_find_dialog () != NULL;
}

gboolean
gui_test_no_dialog (gpointer data)
{
  return gui_test_find_dialog () == NULL;
}

void
gui_test_scroll_to (GtkWidget *widget)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *content;
  GtkAdjustment *adjustment;
  double x = 0, y = 0;

  g_assert_nonnull (scroller);
  content = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scroller));
  if (GTK_IS_VIEWPORT (content))
    content = gtk_viewport_get_child (GTK_VIEWPORT (content));
  g_assert_true (gtk_widget_translate_coordinates (widget, content, 0, 0, &x, &y));
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  gtk_adjustment_set_value (adjustment, y - 12);
  gui_test_iterate_for (100);
}
