/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Try with Simulated Models: the window on TaskBench's own simulated provider and the demo
 * home (tb_application_set_simulated_async), said on every page, and the way back. */
#define G_LOG_DOMAIN "tb-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tb-window-private.h"

void
tb_window_update_demo (TbWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean simulated = tb_application_get_simulated (self->app);

  gtk_revealer_set_reveal_child (self->demo_revealer, simulated);
  adw_window_title_set_subtitle (self->sidebar_title, simulated ? _("Simulated Models") : NULL);
  gtk_widget_action_set_enabled (widget, "win.try-demo", !simulated && !self->busy);
  gtk_widget_action_set_enabled (widget, "win.leave-demo", simulated && !self->busy);
}

static void
switched_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TbWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tb_application_set_simulated_finish (TB_APPLICATION (source), result, &error)
      && !self->disposed)
    tb_window_toast_now (self, error->message);
  if (!self->disposed)
    tb_window_update_demo (self);
}

void
tb_window_switch_demo (TbWindow *self,
                       gboolean  simulated)
{
  /* A run talks to one server and writes to one home: they stay until it ends. */
  if (self->busy || self->judging)
    return;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.try-demo", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.leave-demo", FALSE);
  tb_application_set_simulated_async (self->app, simulated, switched_cb, g_object_ref (self));
}

static void
try_demo_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  tb_window_request_demo (TB_WINDOW (widget), TRUE);
}

static void
leave_demo_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  tb_window_request_demo (TB_WINDOW (widget), FALSE);
}

void
tb_window_class_install_demo_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.try-demo", NULL, try_demo_action);
  gtk_widget_class_install_action (widget_class, "win.leave-demo", NULL, leave_demo_action);
}
