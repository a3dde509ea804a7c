/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-application"

#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#include "tb-application.h"
#include "tb-demo.h"
#include "tb-home.h"
#include "tb-preferences-window.h"
#include "tb-resources.h"
#include "tb-secret.h"
#include "tb-util.h"
#include "tb-window.h"

struct _TbApplication
{
  AdwApplication  parent_instance;

  char           *home;
  TbStore        *store;
  TbIndex        *index;
  GSettings      *settings;
  TbClient       *client;
  GCancellable   *lookup_cancellable;

  /* While the simulated models are tried: the provider, and the real home put aside. */
  TbDemoServer   *demo_server;
  char           *real_home;
  TbStore        *real_store;
  TbIndex        *real_index;
  gboolean        switching;
};

G_DEFINE_FINAL_TYPE (TbApplication, tb_application, ADW_TYPE_APPLICATION)

enum {
  CLIENT_CHANGED,
  HOME_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

TbApplication *
tb_application_new (void)
{
  return g_object_new (TB_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/taskbench/TaskBench",
                       NULL);
}

const char *
tb_application_get_home (TbApplication *self)
{
  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);
  return self->home;
}

TbStore *
tb_application_get_store (TbApplication *self)
{
  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);
  return self->store;
}

TbIndex *
tb_application_get_index (TbApplication *self)
{
  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);
  return self->index;
}

GSettings *
tb_application_get_settings (TbApplication *self)
{
  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);
  return self->settings;
}

TbClient *
tb_application_get_client (TbApplication *self)
{
  g_return_val_if_fail (TB_IS_APPLICATION (self), NULL);
  return self->client;
}

gboolean
tb_application_api_key_from_env (TbApplication *self)
{
  const char *env = g_getenv ("OPENROUTER_API_KEY");

  return env != NULL && *env != '\0';
}

char *
tb_application_dup_base_url (TbApplication *self)
{
  const char *env = g_getenv ("TASKBENCH_BASE_URL");
  g_autofree char *setting = NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (self->settings != NULL)
    setting = g_settings_get_string (self->settings, "base-url");
  if (setting != NULL && *setting != '\0')
    return g_steal_pointer (&setting);
  return g_strdup (TB_DEFAULT_BASE_URL);
}

static void
tb_application_set_client (TbApplication *self,
                           const char    *api_key)
{
  g_autofree char *base_url = tb_application_dup_base_url (self);
  guint timeout = 0;

  if (self->settings != NULL)
    timeout = g_settings_get_uint (self->settings, "timeout");
  timeout = tb_env_uint ("TASKBENCH_TIMEOUT", timeout);

  g_clear_object (&self->client);
  self->client = tb_client_new (base_url, api_key, timeout);
  g_signal_emit (self, signals[CLIENT_CHANGED], 0);
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TbApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = tb_secret_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (error != NULL)
    {
      /* No Secret Service: the key can still come from the environment. */
      g_debug ("No API key from the Secret Service: %s", error->message);
      return;
    }
  if (key != NULL && *key != '\0')
    tb_application_set_client (self, key);
}

void
tb_application_reload_client (TbApplication *self)
{
  g_autofree char *base_url = NULL;

  g_return_if_fail (TB_IS_APPLICATION (self));

  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);

  /* The simulated provider takes no key, and the settings of the real server wait. */
  if (self->demo_server != NULL)
    {
      g_clear_object (&self->client);
      self->client = tb_client_new (tb_demo_server_get_url (self->demo_server), NULL, 0);
      g_signal_emit (self, signals[CLIENT_CHANGED], 0);
      return;
    }

  if (tb_application_api_key_from_env (self))
    {
      tb_application_set_client (self, g_getenv ("OPENROUTER_API_KEY"));
      return;
    }

  /* A client without a key right away, so nothing waits on the keyring; the stored key
   * replaces it when the lookup answers. */
  tb_application_set_client (self, NULL);
  base_url = tb_application_dup_base_url (self);
  self->lookup_cancellable = g_cancellable_new ();
  tb_secret_lookup_async (base_url, self->lookup_cancellable, lookup_cb, g_object_ref (self));
}

/* A new home starts with the shipped examples, so the first window is not empty. */
static void
tb_application_seed_home (TbApplication *self)
{
  g_autoptr(GError) error = NULL;

  if (!tb_home_seed_examples (self->home, NULL, &error) && error != NULL)
    g_warning ("%s", error->message);
}

static void
base_url_changed_cb (TbApplication *self)
{
  tb_application_reload_client (self);
}

/* The simulated models ------------------------------------------------------------------ */

gboolean
tb_application_get_simulated (TbApplication *self)
{
  g_return_val_if_fail (TB_IS_APPLICATION (self), FALSE);
  return self->demo_server != NULL;
}

typedef struct {
  char         *home;
  TbDemoServer *server;
  TbStore      *store;
  TbIndex      *index;
} DemoStart;

static void
demo_start_free (DemoStart *start)
{
  g_free (start->home);
  g_clear_pointer (&start->server, tb_demo_server_stop);
  g_clear_object (&start->index);
  g_clear_object (&start->store);
  g_free (start);
}

/* The demo home with the examples (copied the first time), and the provider listening. */
static void
demo_start_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  DemoStart *start = task_data;
  g_autoptr(GError) error = NULL;

  if (!tb_home_check (start->home, &error)
      || (!tb_home_seed_examples (start->home, NULL, &error) && error != NULL)
      || (start->server = tb_demo_server_start (&error)) == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  start->store = tb_store_new (start->home);
  start->index = tb_index_new (start->store);
  g_task_return_boolean (task, TRUE);
}

static void
swap_home (TbApplication  *self,
           char          **home,
           TbStore       **store,
           TbIndex       **index)
{
  g_free (self->home);
  self->home = g_steal_pointer (home);
  g_set_object (&self->store, *store);
  g_set_object (&self->index, *index);
  g_clear_object (store);
  g_clear_object (index);
}

static void
demo_started_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TbApplication *self = TB_APPLICATION (source);
  g_autoptr(GTask) task = user_data;
  DemoStart *start = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->switching = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_prefix_error (&error, _("The simulated models could not start: "));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The real home waits, as it is, for the way back. */
  self->real_home = g_strdup (self->home);
  self->real_store = g_object_ref (self->store);
  self->real_index = g_object_ref (self->index);
  self->demo_server = g_steal_pointer (&start->server);
  swap_home (self, &start->home, &start->store, &start->index);
  tb_application_reload_client (self);
  g_signal_emit (self, signals[HOME_CHANGED], 0);
  g_task_return_boolean (task, TRUE);
}

void
tb_application_set_simulated_async (TbApplication       *self,
                                    gboolean             simulated,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TB_IS_APPLICATION (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, tb_application_set_simulated_async);
  if (self->switching)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("The simulated models are starting"));
      return;
    }
  if (!simulated == (self->demo_server == NULL))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (simulated)
    {
      g_autoptr(GTask) start_task = g_task_new (self, NULL, demo_started_cb,
                                                g_steal_pointer (&task));
      DemoStart *start = g_new0 (DemoStart, 1);

      start->home = tb_home_default_demo ();
      self->switching = TRUE;
      g_task_set_source_tag (start_task, demo_start_thread);
      g_task_set_task_data (start_task, start, (GDestroyNotify) demo_start_free);
      g_task_run_in_thread (start_task, demo_start_thread);
      return;
    }

  /* Back: the real home, and the client of the settings and the keyring. The provider
   * stops after the client that spoke to it is gone. */
  swap_home (self, &self->real_home, &self->real_store, &self->real_index);
  {
    TbDemoServer *server = g_steal_pointer (&self->demo_server);

    tb_application_reload_client (self);
    tb_demo_server_stop (server);
  }
  g_signal_emit (self, signals[HOME_CHANGED], 0);
  g_task_return_boolean (task, TRUE);
}

gboolean
tb_application_set_simulated_finish (TbApplication  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = user_data;
  g_autoptr(GList) windows = g_list_copy (gtk_application_get_windows (app));

  /* Closing (not quitting) lets each window ask about unsaved edits. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  TbApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  TbPreferencesWindow *prefs = tb_preferences_window_new (self);

  gtk_window_set_transient_for (GTK_WINDOW (prefs), parent);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  TbApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *developers[] = { _("The TaskBench authors"), NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "application-name", _("TaskBench"),
                        "application-icon", APP_ID,
                        "version", PACKAGE_VERSION,
                        "comments", _("Find the model that does your task best, "
                                      "and what it costs"),
                        "developer-name", _("The TaskBench authors"),
                        "developers", developers,
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "website", "https://github.com/taskbench/taskbench",
                        "issue-url", "https://github.com/taskbench/taskbench/issues",
                        /* TRANSLATORS: put your name here, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
shortcuts_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (window != NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "preferences", preferences_activated },
  { "about", about_activated },
  { "shortcuts", shortcuts_activated },
};

/* The settings, from the installed schema; started from the build folder without it, from
 * the schema this build compiled. Without either, a GLib error would abort the window with a
 * message no user can act on: say how to start it instead. */
static GSettings *
new_settings (void)
{
  GSettingsSchemaSource *installed = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchemaSource) built = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;

  if (installed != NULL)
    schema = g_settings_schema_source_lookup (installed, APP_ID, TRUE);
  if (schema == NULL)
    {
      built = g_settings_schema_source_new_from_directory (BUILD_SCHEMA_DIR, installed, FALSE,
                                                           NULL);
      if (built != NULL)
        schema = g_settings_schema_source_lookup (built, APP_ID, FALSE);
    }
  if (schema == NULL)
    {
      g_printerr (_("The settings schema %s is not installed. Install TaskBench "
                    "(meson install), or start it from a source checkout with "
                    "“build-aux/bootstrap run”.\n"), APP_ID);
      exit (1);
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
tb_application_startup (GApplication *app)
{
  TbApplication *self = TB_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *prefs_accels[] = { "<Control>comma", NULL };
  static const char *shortcuts_accels[] = { "<Control>question", NULL };

  G_APPLICATION_CLASS (tb_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         prefs_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.shortcuts",
                                         shortcuts_accels);

  self->settings = new_settings ();
  self->home = tb_home_resolve (NULL);
  self->store = tb_store_new (self->home);
  self->index = tb_index_new (self->store);
  tb_application_seed_home (self);

  g_signal_connect_object (self->settings, "changed::base-url",
                           G_CALLBACK (base_url_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::timeout",
                           G_CALLBACK (base_url_changed_cb), self, G_CONNECT_SWAPPED);
  tb_application_reload_client (self);
}

static void
tb_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (tb_window_new (TB_APPLICATION (app)));
  gtk_window_present (window);
}

static void
tb_application_dispose (GObject *object)
{
  TbApplication *self = TB_APPLICATION (object);

  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->index);
  g_clear_object (&self->store);
  g_clear_object (&self->real_index);
  g_clear_object (&self->real_store);
  g_clear_pointer (&self->demo_server, tb_demo_server_stop);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (tb_application_parent_class)->dispose (object);
}

static void
tb_application_finalize (GObject *object)
{
  TbApplication *self = TB_APPLICATION (object);

  g_free (self->home);
  g_free (self->real_home);

  G_OBJECT_CLASS (tb_application_parent_class)->finalize (object);
}

static void
tb_application_class_init (TbApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  /* The resources sit in a static library: naming them keeps their object file, and with it
   * the constructor that registers them, in every program that links the GUI. */
  (void) tb_get_resource ();

  object_class->dispose = tb_application_dispose;
  object_class->finalize = tb_application_finalize;
  app_class->startup = tb_application_startup;
  app_class->activate = tb_application_activate;

  signals[CLIENT_CHANGED] =
    g_signal_new ("client-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* The simulated models were entered or left: another home, store, index and client. */
  signals[HOME_CHANGED] =
    g_signal_new ("home-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tb_application_init (TbApplication *self)
{
}
