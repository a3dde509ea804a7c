/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-gui-i18n"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "gui-test-util.h"

/* The real window in German: LANGUAGE=de with the catalog the build compiled
 * (TASKBENCH_LOCALEDIR), checked through the widgets the user sees, with screenshots of the
 * pages (German strings are long; the screenshots show whether they fit). */

static GuiTestFixture fx;

static void
screenshot (GtkWidget  *window,
            const char *name)
{
  g_autofree char *file = g_strdup_printf ("window-de%s%s.png", name[0] != '\0' ? "-" : "",
                                           name);

  gui_test_screenshot (window, file);
}

static GtkWidget *
child (TbWindow   *window,
       const char *name)
{
  return gui_test_template_child (GTK_WIDGET (window), TB_TYPE_WINDOW, name);
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
  g_assert_true (gui_test_wait_for (gui_test_has_size, window, 10000));
  g_assert_true (gui_test_wait_for (gui_test_catalog_loaded, window, 20000));

  stack = ADW_VIEW_STACK (child (window, "view_stack"));
  g_assert_cmpstr (page_title (stack, "usecase"), ==, german ("Use Case", "Anwendungsfall"));
  g_assert_cmpstr (page_title (stack, "run"), ==, german ("Run", "Lauf"));
  g_assert_cmpstr (page_title (stack, "runs"), ==, german ("Runs", "Läufe"));
  /* A judgment and a score are two words, each used for one thing. */
  german ("Judgment", "Beurteilung");
  german ("Score", "Punktzahl");
  german ("Best Score", "Beste Punktzahl");
  german ("Criterion %u: %s", "Kriterium %u: %s");
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
  gui_test_iterate_for (300);
  screenshot (GTK_WIDGET (window), "narrow");

  ref = g_object_ref (GTK_WIDGET (window));
  gtk_window_close (GTK_WINDOW (window));
  gui_test_iterate_for (200);
}

int
main (int    argc,
      char **argv)
{
  const char *source_dir = g_getenv ("TASKBENCH_SOURCE_DIR");
  const char *locale_dir = g_getenv ("TASKBENCH_LOCALEDIR");
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

  fx.home = gui_test_home_new ("taskbench-gui-i18n-XXXXXX");

  gtk_init ();
  adw_init ();
  gui_test_copy_usecases (source_dir, fx.home);

  fx.server = fake_server_new ();
  gui_test_use_fake_server (&fx);

  fx.app = gui_test_application_new ();

  g_test_add_func ("/gui/i18n/window-in-german", test_window_in_german);
  status = g_test_run ();

  gui_test_tear_down (&fx);
  return status;
}
