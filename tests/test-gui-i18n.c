/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-gui-i18n"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>

#include "fake-server.h"
#include "tb-application.h"
#include "tb-window.h"

/* The real window in German: LANGUAGE=de with the catalog the build compiled
 * (TASKBENCH_LOCALEDIR), checked through the widgets the user sees, with screenshots of the
 * pages (German strings are long; the screenshots show whether they fit). */

typedef struct {
  char          *home;
  FakeServer    *server;
  TbApplication *app;
} Fixture;

static Fixture fx;

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
}

typedef gboolean (*Condition) (gpointer data);

static gboolean
wait_for (Condition condition,
          gpointer  data,
          guint     timeout_ms)
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

static gboolean
has_size (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

static gboolean
catalog_loaded (gpointer data)
{
  TbModelsView *models = tb_window_get_models_view (data);

  return !tb_models_view_is_loading (models) && tb_models_view_get_catalog (models) != NULL;
}

static void
screenshot (GtkWidget  *window,
            const char *name)
{
  const char *dir = g_getenv ("TASKBENCH_SCREENSHOT_DIR");
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width, height;

  g_assert_true (wait_for (has_size, window, 20000));
  iterate_for (400);
  if (dir == NULL || *dir == '\0')
    return;
  g_mkdir_with_parents (dir, 0755);

  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  /* Nothing to paint until the widget has drawn once (slow under valgrind). */
  for (guint attempt = 0; node == NULL && attempt < 200; attempt++)
    {
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

      if (attempt > 0)
        iterate_for (100);
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  file = g_strdup_printf ("window-de%s%s.png", name[0] != '\0' ? "-" : "", name);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static GtkWidget *
child (TbWindow   *window,
       const char *name)
{
  GtkWidget *widget = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (window),
                                                                 TB_TYPE_WINDOW, name));
  g_assert_nonnull (widget);
  return widget;
}

/* The German text of an English message, checked against what the translation must say:
 * the catalog is loaded, and the message did not stay English. */
static const char *
german (const char *english,
        const char *expected)
{
  const char *translated = g_dgettext (GETTEXT_PACKAGE, english);

  g_assert_cmpstr (translated, ==, expected);
  g_assert_cmpstr (translated, !=, english);
  return translated;
}

static const char *
page_title (AdwViewStack *stack,
            const char   *name)
{
  AdwViewStackPage *page = adw_view_stack_get_page (stack,
                                                    adw_view_stack_get_child_by_name (stack,
                                                                                      name));
  g_assert_nonnull (page);
  return adw_view_stack_page_get_title (page);
}

static gboolean
label_shown (GtkWidget  *root,
             const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_is_drawable (root)
      && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL;
       c = gtk_widget_get_next_sibling (c))
    if (label_shown (c, text))
      return TRUE;
  return FALSE;
}

static void
test_window_in_german (void)
{
  TbWindow *window = tb_window_new (fx.app);
  AdwViewStack *stack;
  g_autoptr(GtkWidget) ref = NULL;
  g_autofree char *placeholder = NULL;

  /* gtk_init () took the locale from the environment that main () set. */
  g_assert_cmpstr (setlocale (LC_MESSAGES, NULL), ==, "C.UTF-8");

  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (wait_for (has_size, window, 10000));
  g_assert_true (wait_for (catalog_loaded, window, 20000));

  stack = ADW_VIEW_STACK (child (window, "view_stack"));
  g_assert_cmpstr (page_title (stack, "usecase"), ==, german ("Use Case", "Anwendungsfall"));
  g_assert_cmpstr (page_title (stack, "run"), ==, german ("Run", "Lauf"));
  g_assert_cmpstr (page_title (stack, "runs"), ==, german ("Runs", "Läufe"));
  g_assert_cmpstr (page_title (stack, "costs"), ==, german ("Costs", "Kosten"));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (child (window, "run_button"))), ==,
                   german ("_Run", "_Ausführen"));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (child (window, "run_button")), ==,
                   german ("Run the Models (Ctrl+Return)",
                           "Die Modelle ausführen (Strg+Eingabe)"));
  g_object_get (child (window, "search_entry"), "placeholder-text", &placeholder, NULL);
  g_assert_cmpstr (placeholder, ==, german ("Search use cases", "Anwendungsfälle durchsuchen"));
  /* A message from the core library is German too (its own gettext calls). */
  german ("missing required key '%s'", "erforderlicher Schlüssel „%s“ fehlt");
  screenshot (GTK_WIDGET (window), "");
  /* The view switcher draws the German page titles. */
  g_assert_true (label_shown (GTK_WIDGET (window), "Läufe"));
  g_assert_true (label_shown (GTK_WIDGET (window), "Kosten"));

  adw_view_stack_set_visible_child_name (stack, "run");
  screenshot (GTK_WIDGET (window), "run");
  g_assert_true (label_shown (GTK_WIDGET (window),
                              german ("Models to Run", "Auszuführende Modelle")));

  adw_view_stack_set_visible_child_name (stack, "runs");
  screenshot (GTK_WIDGET (window), "runs");

  adw_view_stack_set_visible_child_name (stack, "costs");
  screenshot (GTK_WIDGET (window), "costs");

  /* Narrow, as on a phone: the long German titles must still fit or wrap. */
  adw_view_stack_set_visible_child_name (stack, "usecase");
  gtk_window_set_default_size (GTK_WINDOW (window), 420, 800);
  iterate_for (300);
  screenshot (GTK_WIDGET (window), "narrow");

  ref = g_object_ref (GTK_WIDGET (window));
  gtk_window_close (GTK_WINDOW (window));
  iterate_for (200);
}

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *c = g_build_filename (path, name, NULL);

      if (g_file_test (c, G_FILE_TEST_IS_DIR) && !g_file_test (c, G_FILE_TEST_IS_SYMLINK))
        rm_rf (c);
      else
        g_unlink (c);
    }
  g_rmdir (path);
}

static void
copy_usecases (const char *from,
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

      if (!g_str_has_suffix (name, ".yaml"))
        continue;
      g_assert_true (g_file_get_contents (src, &text, &length, NULL));
      g_assert_true (g_file_set_contents (dst, text, length, NULL));
    }
}

int
main (int    argc,
      char **argv)
{
  const char *source_dir = g_getenv ("TASKBENCH_SOURCE_DIR");
  const char *locale_dir = g_getenv ("TASKBENCH_LOCALEDIR");
  g_autofree char *shipped = NULL;
  g_autofree char *usecases = NULL;
  g_autofree char *mo = NULL;
  int status;

  /* gettext ignores LANGUAGE in the plain "C" locale; C.UTF-8 is always there on Debian. */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "de", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_assert_nonnull (source_dir);
  g_assert_nonnull (locale_dir);
  mo = g_build_filename (locale_dir, "de", "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  g_assert_true (g_file_test (mo, G_FILE_TEST_IS_REGULAR));
  /* What main () of the window does, with the build's catalogs. */
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  fx.home = g_dir_make_tmp ("taskbench-gui-i18n-XXXXXX", NULL);
  g_assert_nonnull (fx.home);
  for (const char *const *var = (const char *const[]) { "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
                                                         "XDG_DATA_HOME", "XDG_STATE_HOME",
                                                         NULL };
       *var != NULL; var++)
    {
      g_autofree char *dir = g_build_filename (fx.home, ".xdg", *var, NULL);

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      g_setenv (*var, dir, TRUE);
    }

  gtk_init ();
  adw_init ();
  shipped = g_build_filename (source_dir, "usecases", NULL);
  usecases = g_build_filename (fx.home, "usecases", NULL);
  copy_usecases (shipped, usecases);

  fx.server = fake_server_new ();
  g_setenv ("TASKBENCH_HOME", fx.home, TRUE);
  g_setenv ("TASKBENCH_BASE_URL", fake_server_get_url (fx.server), TRUE);
  g_setenv ("OPENROUTER_API_KEY", "test-key", TRUE);
  g_setenv ("GENERAL_TASK_LLM", "fake/judge", TRUE);

  fx.app = tb_application_new ();
  g_application_set_flags (G_APPLICATION (fx.app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (fx.app), NULL, NULL));

  g_test_add_func ("/gui/i18n/window-in-german", test_window_in_german);
  status = g_test_run ();

  g_clear_object (&fx.app);
  fake_server_free (fx.server);
  rm_rf (fx.home);
  g_free (fx.home);
  return status;
}
