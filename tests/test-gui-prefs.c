/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-gui-prefs"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gui-test-util.h"
#include "tb-catalog.h"
#include "tb-preferences-window.h"

/* The API key and the preferences, driven through the real widgets: what a run without a key
 * says, what each preference row writes, and that a typed key never lands in GSettings or in
 * a file. OpenRouter's catalog comes from a seeded cache, so nothing reaches the network;
 * the only HTTP is to the fake server once the base URL points at it. Screenshots go to
 * $TASKBENCH_SCREENSHOT_DIR. */

/* Distinctive enough that finding it anywhere can only mean it leaked. */
#define TYPED_KEY "sk-or-v1-prefs-test-9f3a7c1e5d2b"

static GuiTestFixture fx;

static void
screenshot (GtkWidget  *window,
            const char *name)
{
  gui_test_screenshot_step (window, "prefs", name);
}

static gboolean
bytes_contain (const char *haystack,
               gsize       length,
               const char *needle)
{
  gsize n = strlen (needle);

  /* Not strstr: a binary file may hold NULs before the key. */
  for (gsize i = 0; n <= length && i <= length - n; i++)
    {
      if (memcmp (haystack + i, needle, n) == 0)
        return TRUE;
    }
  return FALSE;
}

/* How many regular files under `path` contain `needle`, each one named in the log. */
static guint
count_files_containing (const char *path,
                        const char *needle)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint found = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          found += count_files_containing (child, needle);
          continue;
        }
      if (!g_file_get_contents (child, &contents, &length, NULL))
        continue;
      if (bytes_contain (contents, length, needle))
        {
          g_test_message ("the key is in %s", child);
          found++;
        }
    }
  return found;
}

static GtkWidget *
prefs_child (TbPreferencesWindow *prefs,
             const char          *name)
{
  return gui_test_template_child (GTK_WIDGET (prefs), TB_TYPE_PREFERENCES_WINDOW, name);
}

static AdwMessageDialog *
find_dialog (GtkWindow *parent)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    {
      if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data)
          && gtk_window_get_transient_for (l->data) == parent)
        return l->data;
    }
  return NULL;
}

static gboolean
has_dialog (gpointer data)
{
  return find_dialog (data) != NULL;
}

static gboolean
no_dialog (gpointer data)
{
  return find_dialog (data) == NULL;
}

static TbPreferencesWindow *
find_prefs (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    {
      if (TB_IS_PREFERENCES_WINDOW (l->data) && gtk_widget_get_visible (l->data))
        return l->data;
    }
  return NULL;
}

static gboolean
has_prefs (gpointer data)
{
  TbPreferencesWindow *prefs = find_prefs ();

  return prefs != NULL && gtk_widget_get_mapped (GTK_WIDGET (prefs));
}

static gboolean
no_prefs (gpointer data)
{
  return find_prefs () == NULL;
}

static TbPreferencesWindow *
open_prefs (void)
{
  g_assert_null (find_prefs ());
  g_action_group_activate_action (G_ACTION_GROUP (fx.app), "preferences", NULL);
  g_assert_true (gui_test_wait_for (has_prefs, NULL, 10000));
  return find_prefs ();
}

static void
close_prefs (TbPreferencesWindow *prefs)
{
  gui_test_close_window (GTK_WINDOW (prefs));
  g_assert_true (gui_test_wait_for (no_prefs, NULL, 5000));
}

/* A toast shows as a label inside the window's toast overlay; libadwaita 1.2 has no API to
 * list the toasts, so the widget tree is searched for one that starts with a prefix. */
static GtkWidget *
find_label (GtkWidget  *root,
            const char *prefix)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root)
      && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (root)), prefix))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, prefix);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
has_store_toast (gpointer data)
{
  return find_label (data, "No keyring") != NULL
         || find_label (data, "API key saved") != NULL;
}

/* What Enter in the row's text does: with an apply button, that applies. */
static void
press_enter (GtkWidget *row)
{
  GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (row));

  g_assert_true (GTK_IS_TEXT (text));
  /* GtkText binds Enter to its "activate" signal. */
  g_signal_emit_by_name (text, "activate");
}

typedef struct {
  TbApplication *app;
  TbClient      *old;
} ClientChange;

static gboolean
client_replaced (gpointer data)
{
  ClientChange *change = data;

  return tb_application_get_client (change->app) != change->old;
}

static void
test_no_key (void)
{
  TbWindow *window;
  AdwMessageDialog *dialog;
  TbPreferencesWindow *prefs;
  TbClient *client = tb_application_get_client (fx.app);
  g_autofree char *input_path = g_build_filename (fx.home, "chapters.txt", NULL);
  g_autoptr(GFile) input = g_file_new_for_path (input_path);
  const char *models[] = { "openai/gpt-4o-mini", "anthropic/claude-3.5-haiku", NULL };
  const char *body;

  /* No key anywhere, and the server is OpenRouter, which needs one. */
  g_assert_null (g_getenv ("OPENROUTER_API_KEY"));
  g_assert_null (g_getenv ("TASKBENCH_BASE_URL"));
  {
    g_autofree char *setting = g_settings_get_string (tb_application_get_settings (fx.app),
                                                      "base-url");
    g_assert_cmpstr (setting, ==, "");
  }
  g_assert_nonnull (client);
  g_assert_cmpstr (tb_client_get_base_url (client), ==, TB_DEFAULT_BASE_URL);
  g_assert_false (tb_client_has_api_key (client));

  window = gui_test_open_window (fx.app, 1100, 720);
  g_assert_true (gui_test_wait_for (gui_test_catalog_loaded, window, 20000));
  /* The seeded cache, not the network. */
  g_assert_true (tb_models_view_get_catalog (tb_window_get_models_view (window))->from_cache);
  g_assert_true (tb_window_select_usecase (window, "lecture-chapters"));
  g_assert_true (g_file_set_contents (input_path,
                                      "00:00 Welcome and what the course covers\n"
                                      "04:10 Vectors and why they matter\n", -1, NULL));
  tb_window_load_input_file (window, input);
  g_assert_true (gui_test_wait_for (gui_test_input_loaded, window, 5000));
  tb_window_set_models (window, models);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.run", NULL);
  /* The check is synchronous: no run started, now or a moment later. */
  g_assert_false (tb_window_is_busy (window));
  g_assert_null (tb_window_get_runner (window));
  g_assert_true (gui_test_wait_for (has_dialog, window, 5000));
  gui_test_iterate_for (300);
  g_assert_false (tb_window_is_busy (window));
  g_assert_null (tb_window_get_runner (window));

  dialog = find_dialog (GTK_WINDOW (window));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "API Key Needed");
  body = adw_message_dialog_get_body (dialog);
  g_assert_nonnull (strstr (body, "Preferences"));
  g_assert_nonnull (strstr (body, "OPENROUTER_API_KEY"));
  g_assert_true (adw_message_dialog_has_response (dialog, "preferences"));
  g_assert_true (adw_message_dialog_has_response (dialog, "close"));
  screenshot (GTK_WIDGET (window), "no-key-window");
  screenshot (GTK_WIDGET (dialog), "no-key-dialog");

  /* Its suggested answer leads to where the key goes. */
  gui_test_respond (dialog, "preferences");
  g_assert_true (gui_test_wait_for (no_dialog, window, 5000));
  g_assert_true (gui_test_wait_for (has_prefs, NULL, 10000));
  prefs = find_prefs ();
  g_assert_true (gtk_widget_get_sensitive (prefs_child (prefs, "api_key_row")));
  close_prefs (prefs);

  g_assert_false (tb_window_is_busy (window));
  g_assert_null (tb_window_get_runner (window));
  gui_test_close_window (GTK_WINDOW (window));
}

static gboolean
key_asked (gpointer data)
{
  return fake_server_count (fx.server, "/key", NULL) > 0;
}

static void
test_preferences (void)
{
  GSettings *settings = tb_application_get_settings (fx.app);
  TbWindow *window;
  TbPreferencesWindow *prefs;
  GtkWidget *base_url_row;
  GtkWidget *key_row;
  ClientChange change = { fx.app, NULL };
  const char *url = fake_server_get_url (fx.server);
  g_autofree char *value = NULL;
  g_autofree char *status_subtitle = NULL;

  g_setenv ("OPENROUTER_API_KEY", "env-key", TRUE);
  tb_application_reload_client (fx.app);
  g_assert_true (tb_client_has_api_key (tb_application_get_client (fx.app)));

  window = gui_test_open_window (fx.app, 1100, 720);
  g_assert_true (gui_test_wait_for (gui_test_catalog_loaded, window, 20000));
  prefs = open_prefs ();
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (prefs)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (prefs)) == GTK_WINDOW (window));

  /* The environment's key wins, so the row that would store one is off, and says why. */
  key_row = prefs_child (prefs, "api_key_row");
  g_assert_false (gtk_widget_get_sensitive (key_row));
  g_assert_false (gtk_widget_get_sensitive (prefs_child (prefs, "forget_button")));
  status_subtitle = g_strdup (adw_action_row_get_subtitle (
    ADW_ACTION_ROW (prefs_child (prefs, "api_key_status_row"))));
  g_assert_nonnull (strstr (status_subtitle, "OPENROUTER_API_KEY"));
  /* No TASKBENCH_BASE_URL: the base URL row is editable. */
  base_url_row = prefs_child (prefs, "base_url_row");
  g_assert_true (gtk_widget_get_sensitive (base_url_row));

  /* The base URL, typed one character at a time as a user would. Nothing is applied while
   * typing: a half-typed URL ("http://1", "http://127.0") would otherwise be a new client
   * each time, with a keyring lookup and a catalog fetch (and a DNS query) for each. */
  change.old = tb_application_get_client (fx.app);
  fake_server_clear_requests (fx.server);
  gtk_widget_grab_focus (base_url_row);
  for (const char *c = url; *c != '\0'; c++)
    {
      int position = -1;

      gtk_editable_insert_text (GTK_EDITABLE (base_url_row), c, 1, &position);
      gui_test_iterate_for (5);
    }
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (base_url_row)), ==, url);
  gui_test_iterate_for (300);
  value = g_settings_get_string (settings, "base-url");
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);
  g_assert_true (tb_application_get_client (fx.app) == change.old);
  g_assert_cmpuint (fake_server_get_requests (fx.server)->len, ==, 0);

  /* Enter (like the row's apply button) writes it, and the app builds a client for it. */
  press_enter (base_url_row);
  value = g_settings_get_string (settings, "base-url");
  g_assert_cmpstr (value, ==, url);
  g_clear_pointer (&value, g_free);
  g_assert_true (gui_test_wait_for (client_replaced, &change, 5000));
  g_assert_cmpstr (tb_client_get_base_url (tb_application_get_client (fx.app)), ==, url);
  g_assert_true (tb_client_has_api_key (tb_application_get_client (fx.app)));
  {
    g_autofree char *base = tb_application_dup_base_url (fx.app);

    g_assert_cmpstr (base, ==, url);
  }
  /* The window follows: its catalog now comes from the fake server. */
  g_assert_true (gui_test_wait_for (gui_test_catalog_loaded, window, 20000));
  g_assert_cmpuint (fake_server_count (fx.server, "/models", NULL), ==, 1);
  /* …and the Run page asks the key's limit once, for the balance beside the forecast. */
  g_assert_true (gui_test_wait_for (key_asked, NULL, 5000));
  gui_test_iterate_for (100);
  g_assert_cmpuint (fake_server_count (fx.server, "/key", NULL), ==, 1);
  g_assert_cmpuint (fake_server_get_requests (fx.server)->len, ==, 2);
  g_assert_false (tb_models_view_get_catalog (tb_window_get_models_view (window))->from_cache);

  /* Judge model. */
  gtk_editable_set_text (GTK_EDITABLE (prefs_child (prefs, "judge_model_row")),
                         "fake/judge-from-prefs");
  value = g_settings_get_string (settings, "judge-model");
  g_assert_cmpstr (value, ==, "fake/judge-from-prefs");
  g_clear_pointer (&value, g_free);

  /* Judge after each run. */
  {
    GtkSwitch *run_judge = GTK_SWITCH (prefs_child (prefs, "run_judge_switch"));
    gboolean before = g_settings_get_boolean (settings, "run-judge");

    g_assert_cmpint (gtk_switch_get_active (run_judge), ==, before);
    gtk_switch_set_active (run_judge, !before);
    g_assert_cmpint (g_settings_get_boolean (settings, "run-judge"), ==, !before);
    gtk_switch_set_active (run_judge, before);
    g_assert_cmpint (g_settings_get_boolean (settings, "run-judge"), ==, before);
  }

  /* Concurrency, through the spin button's own step as a click on "+" would. */
  {
    GtkSpinButton *spin = GTK_SPIN_BUTTON (prefs_child (prefs, "concurrency_spin"));

    g_assert_cmpuint (g_settings_get_uint (settings, "max-concurrency"), ==, 4);
    g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 4);
    gtk_spin_button_spin (spin, GTK_SPIN_STEP_FORWARD, 1);
    g_assert_cmpuint (g_settings_get_uint (settings, "max-concurrency"), ==, 5);
    gtk_spin_button_set_value (spin, 8);
    g_assert_cmpuint (g_settings_get_uint (settings, "max-concurrency"), ==, 8);
  }

  /* Timeout: a new client is made with it. */
  {
    GtkSpinButton *spin = GTK_SPIN_BUTTON (prefs_child (prefs, "timeout_spin"));

    g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 120);
    change.old = tb_application_get_client (fx.app);
    gtk_spin_button_set_value (spin, 45);
    g_assert_cmpuint (g_settings_get_uint (settings, "timeout"), ==, 45);
    g_assert_true (gui_test_wait_for (client_replaced, &change, 5000));
    g_assert_cmpstr (tb_client_get_base_url (tb_application_get_client (fx.app)), ==, url);
  }
  screenshot (GTK_WIDGET (prefs), "preferences-env-key");

  /* Emptying the URL goes back to OpenRouter (its catalog from the cache). */
  change.old = tb_application_get_client (fx.app);
  gtk_editable_set_text (GTK_EDITABLE (base_url_row), "  ");
  press_enter (base_url_row);
  value = g_settings_get_string (settings, "base-url");
  g_assert_cmpstr (value, ==, "");
  g_clear_pointer (&value, g_free);
  g_assert_true (gui_test_wait_for (client_replaced, &change, 5000));
  g_assert_cmpstr (tb_client_get_base_url (tb_application_get_client (fx.app)), ==,
                   TB_DEFAULT_BASE_URL);
  g_assert_true (gui_test_wait_for (gui_test_catalog_loaded, window, 20000));
  close_prefs (prefs);

  /* With TASKBENCH_BASE_URL set, the setting does nothing, and the row says so. */
  g_setenv ("TASKBENCH_BASE_URL", url, TRUE);
  prefs = open_prefs ();
  g_assert_false (gtk_widget_get_sensitive (prefs_child (prefs, "base_url_row")));
  g_assert_nonnull (strstr (adw_preferences_group_get_description (
                              ADW_PREFERENCES_GROUP (prefs_child (prefs, "server_group"))),
                            "TASKBENCH_BASE_URL"));
  close_prefs (prefs);
  g_unsetenv ("TASKBENCH_BASE_URL");

  g_unsetenv ("OPENROUTER_API_KEY");
  tb_application_reload_client (fx.app);
  g_assert_false (tb_client_has_api_key (tb_application_get_client (fx.app)));
  gui_test_close_window (GTK_WINDOW (window));
}

static void
test_key_not_in_settings (void)
{
  GSettings *settings = tb_application_get_settings (fx.app);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;
  TbWindow *window;
  TbPreferencesWindow *prefs;
  GtkWidget *key_row;
  gint64 start;

  g_assert_null (g_getenv ("OPENROUTER_API_KEY"));
  window = gui_test_open_window (fx.app, 1100, 720);
  prefs = open_prefs ();
  key_row = prefs_child (prefs, "api_key_row");
  g_assert_true (gtk_widget_get_sensitive (key_row));
  g_assert_true (gtk_widget_get_sensitive (prefs_child (prefs, "forget_button")));
  g_assert_null (strstr (adw_action_row_get_subtitle (
                           ADW_ACTION_ROW (prefs_child (prefs, "api_key_status_row"))),
                         "OPENROUTER_API_KEY"));

  gtk_widget_grab_focus (key_row);
  gtk_editable_set_text (GTK_EDITABLE (key_row), TYPED_KEY);
  /* What the row's apply button (or Enter) does. */
  start = g_get_monotonic_time ();
  g_signal_emit_by_name (key_row, "apply");
  /* Without a Secret Service (a private D-Bus session has none), storing fails: that must be
   * said, quickly, not hang or crash. With one, it is saved. Either way a toast tells. */
  g_assert_true (gui_test_wait_for (has_store_toast, prefs, 15000));
  g_test_message ("store answered after %" G_GINT64_FORMAT " ms: %s",
                  (g_get_monotonic_time () - start) / 1000,
                  find_label (GTK_WIDGET (prefs), "No keyring") != NULL ? "failed"
                                                                            : "saved");
  screenshot (GTK_WIDGET (prefs), "preferences-key-applied");

  /* In no GSettings key, whatever its type. */
  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  g_assert_nonnull (keys);
  g_assert_nonnull (keys[0]);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) stored = g_settings_get_value (settings, keys[i]);
      g_autofree char *printed = g_variant_print (stored, FALSE);

      g_assert_null (strstr (printed, TYPED_KEY));
    }
  /* Nor in a file of the temporary home or its XDG folders (which are inside it). */
  g_assert_cmpstr (g_get_user_config_dir (), !=, NULL);
  g_assert_true (g_str_has_prefix (g_get_user_config_dir (), fx.home));
  g_assert_true (g_str_has_prefix (g_get_user_data_dir (), fx.home));
  g_assert_true (g_str_has_prefix (g_get_user_cache_dir (), fx.home));
  g_assert_cmpuint (count_files_containing (fx.home, TYPED_KEY), ==, 0);

  /* Forget does not hang either. */
  gtk_widget_activate (prefs_child (prefs, "forget_button"));
  gui_test_iterate_for (200);
  close_prefs (prefs);
  gui_test_close_window (GTK_WINDOW (window));
  g_assert_cmpuint (count_files_containing (fx.home, TYPED_KEY), ==, 0);
}

/* A small OpenRouter catalog in the cache the app reads for OpenRouter's URL, so a window
 * with the default server never needs the network. */
static void
seed_openrouter_cache (void)
{
  g_autofree char *path = tb_catalog_cache_path (TB_DEFAULT_BASE_URL);
  g_autofree char *dir = g_path_get_dirname (path);
  const char *catalog =
    "{\"data\": ["
    "{\"id\": \"openai/gpt-4o-mini\", \"name\": \"OpenAI: GPT-4o-mini\","
    " \"context_length\": 128000,"
    " \"pricing\": {\"prompt\": \"0.00000015\", \"completion\": \"0.0000006\"},"
    " \"supported_parameters\": [\"response_format\", \"structured_outputs\"]},"
    "{\"id\": \"anthropic/claude-3.5-haiku\", \"name\": \"Anthropic: Claude 3.5 Haiku\","
    " \"context_length\": 200000,"
    " \"pricing\": {\"prompt\": \"0.0000008\", \"completion\": \"0.000004\"},"
    " \"supported_parameters\": [\"tools\"]}"
    "]}";

  g_assert_true (g_str_has_prefix (path, fx.home));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, catalog, -1, NULL));
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
  fx.home = gui_test_home_new ("taskbench-prefs-XXXXXX");

  gtk_init ();
  adw_init ();
  gui_test_copy_usecases (source_dir, fx.home);
  seed_openrouter_cache ();

  fx.server = fake_server_new ();
  g_setenv ("TASKBENCH_HOME", fx.home, TRUE);
  /* Unset, not empty: the code under test must treat both as absent, and unset is what a
   * user without them has. */
  g_unsetenv ("TASKBENCH_BASE_URL");
  g_unsetenv ("OPENROUTER_API_KEY");
  g_setenv ("GENERAL_TASK_LLM", "fake/judge", TRUE);

  fx.app = gui_test_application_new ();

  g_test_add_func ("/gui/prefs/no-key", test_no_key);
  g_test_add_func ("/gui/prefs/preferences", test_preferences);
  g_test_add_func ("/gui/prefs/key-not-in-settings", test_key_not_in_settings);
  status = g_test_run ();

  gui_test_tear_down (&fx);
  return status;
}
