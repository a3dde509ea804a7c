/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tb-preferences-window.h"
#include "tb-secret.h"

struct _TbPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  TbApplication        *app;
  GCancellable         *cancellable;

  AdwPreferencesGroup  *server_group;
  AdwEntryRow          *base_url_row;
  AdwPasswordEntryRow  *api_key_row;
  AdwActionRow         *api_key_status_row;
  GtkButton            *forget_button;
  GtkSwitch            *run_judge_switch;
  AdwEntryRow          *judge_model_row;
  GtkSpinButton        *concurrency_spin;
  GtkSpinButton        *timeout_spin;
};

G_DEFINE_FINAL_TYPE (TbPreferencesWindow, tb_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TbPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(AdwToast) toast = NULL;

  if (!tb_secret_store_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* The D-Bus detail is for developers; a toast has room for what to do instead. */
      g_message ("Could not store the API key: %s", error->message);
      toast = adw_toast_new (_("No keyring: set OPENROUTER_API_KEY instead"));
      adw_toast_set_timeout (toast, 0);
    }
  else
    {
      toast = adw_toast_new (_("API key saved in the keyring"));
      gtk_editable_set_text (GTK_EDITABLE (self->api_key_row), "");
      tb_application_reload_client (self->app);
    }
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), g_steal_pointer (&toast));
}

static void
api_key_apply_cb (TbPreferencesWindow *self)
{
  const char *key = gtk_editable_get_text (GTK_EDITABLE (self->api_key_row));
  g_autofree char *base_url = tb_application_dup_base_url (self->app);
  g_autofree char *trimmed = g_strstrip (g_strdup (key));

  if (*trimmed == '\0')
    return;
  tb_secret_store_async (base_url, trimmed, self->cancellable, store_cb, g_object_ref (self));
}

static void
clear_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TbPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  AdwToast *toast;

  if (!tb_secret_clear_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_autofree char *escaped = g_markup_escape_text (error->message, -1);

      toast = adw_toast_new_format (_("Could not remove the key: %s"), escaped);
    }
  else
    {
      toast = adw_toast_new (_("API key removed from the keyring"));
      tb_application_reload_client (self->app);
    }
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), toast);
}

static void
forget_clicked_cb (TbPreferencesWindow *self)
{
  g_autofree char *base_url = tb_application_dup_base_url (self->app);

  tb_secret_clear_async (base_url, self->cancellable, clear_cb, g_object_ref (self));
}

static void
base_url_apply_cb (TbPreferencesWindow *self)
{
  GSettings *settings = tb_application_get_settings (self->app);
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (
                                       GTK_EDITABLE (self->base_url_row))));

  g_settings_set_string (settings, "base-url", url);
}

static void
tb_preferences_window_setup (TbPreferencesWindow *self)
{
  GSettings *settings = tb_application_get_settings (self->app);

  /* Written on apply (Enter or the row's button), not on every keystroke: each change makes
   * a new client, which looks up the keyring and fetches the catalog, so typing
   * "http://ollama.lan" would resolve "o", "ol", … on the network. */
  g_settings_bind (settings, "base-url", self->base_url_row, "text", G_SETTINGS_BIND_GET);
  adw_entry_row_set_show_apply_button (self->base_url_row, TRUE);
  g_signal_connect_object (self->base_url_row, "apply", G_CALLBACK (base_url_apply_cb), self,
                           G_CONNECT_SWAPPED);
  g_settings_bind (settings, "judge-model", self->judge_model_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "run-judge", self->run_judge_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "max-concurrency",
                   gtk_spin_button_get_adjustment (self->concurrency_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "timeout",
                   gtk_spin_button_get_adjustment (self->timeout_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);

  if (g_getenv ("TASKBENCH_BASE_URL") != NULL && *g_getenv ("TASKBENCH_BASE_URL") != '\0')
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->base_url_row), FALSE);
      adw_preferences_group_set_description (
        self->server_group,
        _("The TASKBENCH_BASE_URL environment variable is set: it wins over this setting."));
    }

  if (tb_application_api_key_from_env (self->app))
    {
      /* The environment wins, so a key typed here would silently do nothing. */
      gtk_widget_set_sensitive (GTK_WIDGET (self->api_key_row), FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->forget_button), FALSE);
      adw_action_row_set_subtitle (self->api_key_status_row,
                                   _("OPENROUTER_API_KEY is set in the environment and wins "
                                     "over the keyring"));
    }
}

static void
tb_preferences_window_dispose (GObject *object)
{
  TbPreferencesWindow *self = TB_PREFERENCES_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->app);

  G_OBJECT_CLASS (tb_preferences_window_parent_class)->dispose (object);
}

static void
tb_preferences_window_class_init (TbPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
    "/io/github/taskbench/TaskBench/tb-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, server_group);
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, base_url_row);
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, api_key_row);
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, api_key_status_row);
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, forget_button);
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, run_judge_switch);
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, judge_model_row);
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, concurrency_spin);
  gtk_widget_class_bind_template_child (widget_class, TbPreferencesWindow, timeout_spin);
  gtk_widget_class_bind_template_callback (widget_class, api_key_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, forget_clicked_cb);
}

static void
tb_preferences_window_init (TbPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

TbPreferencesWindow *
tb_preferences_window_new (TbApplication *app)
{
  TbPreferencesWindow *self;

  g_return_val_if_fail (TB_IS_APPLICATION (app), NULL);

  self = g_object_new (TB_TYPE_PREFERENCES_WINDOW, NULL);
  self->app = g_object_ref (app);
  tb_preferences_window_setup (self);
  return self;
}
