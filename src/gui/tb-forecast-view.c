/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-forecast-view"

#include "config.h"

#include <glib/gi18n.h>

#include "tb-error.h"
#include "tb-forecast-task.h"
#include "tb-forecast-view.h"
#include "tb-gui-util.h"
#include "tb-util.h"

#define UPDATE_DELAY_MS 300

struct _TbForecastView
{
  AdwBin          parent_instance;

  GtkSpinner     *spinner;
  AdwExpanderRow *total_row;
  GtkLabel       *total_label;
  AdwActionRow   *unknown_row;
  AdwActionRow   *balance_row;
  GtkWidget      *balance_icon;
  GtkLabel       *balance_label;
  GtkSpinButton  *cap_spin;
  GtkSwitch      *cap_switch;

  GPtrArray      *line_rows;     /* rows added to total_row, to remove them again */
  TbForecast     *forecast;
  GHashTable     *history;
  TbKeyInfo      *key;
  GCancellable   *cancellable;   /* of the forecast being made */
  GCancellable   *key_cancellable;
  guint           update_id;

  /* the request waiting for its moment */
  char           *home;
  TbUsecase      *usecase;
  GPtrArray      *inputs;
  GStrv           models;
  guint           repeat;
  GStrv           judges;
  TbCatalog      *catalog;
};

G_DEFINE_FINAL_TYPE (TbForecastView, tb_forecast_view, ADW_TYPE_BIN)

GtkWidget *
tb_forecast_view_new (void)
{
  return g_object_new (TB_TYPE_FORECAST_VIEW, NULL);
}

const TbForecast *
tb_forecast_view_get_forecast (TbForecastView *self)
{
  g_return_val_if_fail (TB_IS_FORECAST_VIEW (self), NULL);
  return self->forecast;
}

GHashTable *
tb_forecast_view_get_history (TbForecastView *self)
{
  g_return_val_if_fail (TB_IS_FORECAST_VIEW (self), NULL);
  return self->history;
}

gboolean
tb_forecast_view_is_loading (TbForecastView *self)
{
  g_return_val_if_fail (TB_IS_FORECAST_VIEW (self), FALSE);
  return self->cancellable != NULL || self->update_id != 0;
}

gboolean
tb_forecast_view_check_balance (TbForecastView  *self,
                                char           **message)
{
  g_return_val_if_fail (TB_IS_FORECAST_VIEW (self), TRUE);

  if (self->forecast == NULL || self->key == NULL)
    return TRUE;
  /* The core's rule, as the CLI refuses a run without --yes. */
  return tb_forecast_check_balance (self->forecast, self->key, message);
}

gboolean
tb_forecast_view_get_max_cost (TbForecastView *self,
                               double         *usd)
{
  g_return_val_if_fail (TB_IS_FORECAST_VIEW (self), FALSE);

  if (usd != NULL)
    *usd = gtk_spin_button_get_value (self->cap_spin);
  return gtk_switch_get_active (self->cap_switch);
}

void
tb_forecast_view_set_max_cost (TbForecastView *self,
                               gboolean        has_max_cost,
                               double          usd)
{
  g_return_if_fail (TB_IS_FORECAST_VIEW (self));

  if (has_max_cost)
    gtk_spin_button_set_value (self->cap_spin, usd);
  gtk_switch_set_active (self->cap_switch, has_max_cost);
}

void
tb_forecast_view_set_usecase (TbForecastView *self,
                              TbUsecase      *usecase)
{
  g_return_if_fail (TB_IS_FORECAST_VIEW (self));

  tb_forecast_view_set_max_cost (self, usecase != NULL && usecase->has_max_usd,
                                 usecase != NULL && usecase->has_max_usd ? usecase->max_usd : 1);
}

/* Showing a forecast ---------------------------------------------------------------------- */

static void
clear_lines (TbForecastView *self)
{
  for (guint i = 0; i < self->line_rows->len; i++)
    adw_expander_row_remove (self->total_row, g_ptr_array_index (self->line_rows, i));
  g_ptr_array_set_size (self->line_rows, 0);
}

/* "12 calls · 45k in, 3.1k out · in 3 parts" */
static char *
describe_line (const TbForecastLine *line)
{
  g_autofree char *in = tb_format_tokens (line->prompt_tokens);
  g_autofree char *out = tb_format_tokens (line->completion_tokens);
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, ngettext ("%u call", "%u calls", line->calls), line->calls);
  g_string_append (text, " · ");
  /* Translators: tokens a model reads and writes, "45k in, 3.1k out" */
  g_string_append_printf (text, _("%s in, %s out"), in, out);
  if (line->parts > 1)
    {
      g_string_append (text, " · ");
      /* Translators: a long input is taken in parts by a small-context model */
      g_string_append_printf (text, ngettext ("in %u part", "in %u parts", line->parts),
                              line->parts);
    }
  if (line->problem != NULL)
    {
      g_string_append (text, " · ");
      g_string_append (text, line->problem);
    }
  return g_string_free (text, FALSE);
}

static void
add_line (TbForecastView       *self,
          const TbForecastLine *line,
          gboolean              judge)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *value;
  g_autofree char *subtitle = describe_line (line);
  g_autofree char *usd = line->known ? tb_format_usd (line->usd) : g_strdup (_("unknown"));

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), line->model);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_tooltip_text (row, line->model);
  if (judge)
    {
      GtkWidget *tag = gtk_label_new (_("Judge"));

      gtk_widget_add_css_class (tag, "call-kind");
      gtk_widget_add_css_class (tag, "caption-heading");
      gtk_widget_set_valign (tag, GTK_ALIGN_CENTER);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), tag);
    }
  value = gtk_label_new (usd);
  gtk_widget_add_css_class (value, "numeric");
  if (!line->known || line->problem != NULL)
    gtk_widget_add_css_class (value, "warning");
  gtk_widget_set_valign (value, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), value);
  adw_expander_row_add_row (self->total_row, row);
  g_ptr_array_add (self->line_rows, row);
}

static void
show_balance (TbForecastView *self)
{
  g_autofree char *message = NULL;
  gboolean covered;

  gtk_widget_set_visible (GTK_WIDGET (self->balance_row), self->key != NULL);
  if (self->key == NULL)
    return;
  if (!self->key->has_limit_remaining)
    {
      adw_action_row_set_subtitle (self->balance_row, _("This key has no spending limit"));
      gtk_label_set_text (self->balance_label, "");
      gtk_image_set_from_icon_name (GTK_IMAGE (self->balance_icon), "emblem-ok-symbolic");
      gtk_widget_set_css_classes (self->balance_icon, (const char *[]) { "dim-label", NULL });
      return;
    }
  {
    g_autofree char *left = tb_format_usd (self->key->limit_remaining);

    gtk_label_set_text (self->balance_label, left);
  }
  covered = tb_forecast_view_check_balance (self, &message);
  /* Not by colour alone: a check mark or a warning sign. */
  gtk_image_set_from_icon_name (GTK_IMAGE (self->balance_icon),
                                covered ? "emblem-ok-symbolic" : "dialog-warning-symbolic");
  gtk_widget_set_css_classes (self->balance_icon,
                              (const char *[]) { covered ? "success" : "warning", NULL });
  adw_action_row_set_subtitle (self->balance_row, covered ? _("Left on this key: enough for "
                                                              "the forecast")
                                                          : message);
}

static void
show_forecast (TbForecastView *self)
{
  const TbForecast *forecast = self->forecast;
  double candidates = 0, judges = 0;
  g_autofree char *total = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *title = NULL;

  clear_lines (self);
  if (forecast == NULL)
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->total_row),
                                     _("Nothing to forecast yet"));
      adw_expander_row_set_subtitle (self->total_row, _("Add inputs and models first"));
      gtk_label_set_text (self->total_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->unknown_row), FALSE);
      adw_expander_row_set_enable_expansion (self->total_row, FALSE);
      show_balance (self);
      return;
    }

  for (guint i = 0; i < forecast->models->len; i++)
    {
      const TbForecastLine *line = g_ptr_array_index (forecast->models, i);

      if (line->known)
        candidates += line->usd;
      add_line (self, line, FALSE);
    }
  for (guint i = 0; forecast->judges != NULL && i < forecast->judges->len; i++)
    {
      const TbForecastLine *line = g_ptr_array_index (forecast->judges, i);

      if (line->known)
        judges += line->usd;
      add_line (self, line, TRUE);
    }
  adw_expander_row_set_enable_expansion (self->total_row, TRUE);

  total = tb_format_usd (forecast->total_usd);
  title = g_strdup_printf (ngettext ("%u call", "%u calls", forecast->calls), forecast->calls);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->total_row), title);
  if (forecast->judges != NULL && forecast->judges->len > 0)
    {
      g_autofree char *c = tb_format_usd (candidates);
      g_autofree char *j = tb_format_usd (judges);

      /* Translators: the forecast split: candidates, then judges, in US dollars */
      subtitle = g_strdup_printf (_("Candidates %s · judges %s"), c, j);
    }
  else
    subtitle = g_strdup (_("Candidates only: the run is not judged"));
  adw_expander_row_set_subtitle (self->total_row, subtitle);
  /* Translators: a forecast amount in US dollars */
  {
    g_autofree char *about = g_strdup_printf (_("about %s"), total);

    gtk_label_set_text (self->total_label, about);
  }

  gtk_widget_set_visible (GTK_WIDGET (self->unknown_row),
                          forecast->unknown != NULL && forecast->unknown[0] != NULL);
  if (forecast->unknown != NULL && forecast->unknown[0] != NULL)
    {
      g_autofree char *names = g_strjoinv (", ", forecast->unknown);
      g_autofree char *text = g_strdup_printf (_("The catalog has no price for %s: the total "
                                                 "leaves it out"), names);

      adw_action_row_set_subtitle (self->unknown_row, text);
    }
  show_balance (self);
}

/* Making a forecast ------------------------------------------------------------------------ */

static void
set_loading (TbForecastView *self)
{
  gboolean loading = tb_forecast_view_is_loading (self);

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), loading);
  gtk_spinner_set_spinning (self->spinner, loading);
}

static void
forecast_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  TbForecastView *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) history = NULL;
  TbForecast *forecast = tb_forecast_run_finish (result, &history, &error);

  /* A forecast a newer request replaced; the view may be gone too. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    {
      g_clear_pointer (&forecast, tb_forecast_free);
      g_object_unref (self);
      return;
    }
  g_clear_object (&self->cancellable);
  if (forecast == NULL)
    g_debug ("No forecast: %s", error->message);
  g_clear_pointer (&self->forecast, tb_forecast_free);
  self->forecast = forecast;
  g_clear_pointer (&self->history, g_hash_table_unref);
  self->history = g_steal_pointer (&history);
  show_forecast (self);
  set_loading (self);
  g_object_unref (self);
}

static gboolean
update_cb (gpointer user_data)
{
  TbForecastView *self = user_data;

  self->update_id = 0;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->forecast, tb_forecast_free);
  if (self->usecase == NULL || self->inputs == NULL || self->inputs->len == 0
      || self->models == NULL || self->models[0] == NULL)
    {
      show_forecast (self);
      set_loading (self);
      return G_SOURCE_REMOVE;
    }
  self->cancellable = g_cancellable_new ();
  tb_forecast_run_async (self->home, self->usecase, self->inputs,
                         (const char * const *) self->models, self->repeat,
                         (const char * const *) self->judges, self->catalog, self->cancellable,
                         forecast_cb, g_object_ref (self));
  set_loading (self);
  return G_SOURCE_REMOVE;
}

void
tb_forecast_view_update (TbForecastView     *self,
                         const char         *home,
                         TbUsecase          *usecase,
                         GPtrArray          *inputs,
                         const char * const *models,
                         guint               repeat,
                         const char * const *judges,
                         TbCatalog          *catalog)
{
  g_return_if_fail (TB_IS_FORECAST_VIEW (self));

  g_free (self->home);
  self->home = g_strdup (home);
  g_clear_pointer (&self->usecase, tb_usecase_unref);
  self->usecase = usecase != NULL ? tb_usecase_ref (usecase) : NULL;
  g_clear_pointer (&self->inputs, g_ptr_array_unref);
  self->inputs = inputs != NULL ? g_ptr_array_ref (inputs) : NULL;
  g_strfreev (self->models);
  self->models = g_strdupv ((char **) models);
  self->repeat = MAX (repeat, 1);
  g_strfreev (self->judges);
  self->judges = g_strdupv ((char **) judges);
  g_clear_pointer (&self->catalog, tb_catalog_unref);
  self->catalog = catalog != NULL ? tb_catalog_ref (catalog) : NULL;

  /* One forecast for a burst of changes (typing a model's id, removing inputs). */
  g_clear_handle_id (&self->update_id, g_source_remove);
  self->update_id = g_timeout_add (UPDATE_DELAY_MS, update_cb, self);
  set_loading (self);
}

/* The key's limit ------------------------------------------------------------------------ */

static void
key_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  TbForecastView *self = user_data;
  g_autoptr(GError) error = NULL;
  TbKeyInfo *key = tb_client_key_finish (TB_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }
  /* A server without /key (404) has no balance to show; other failures neither. */
  if (key == NULL)
    g_debug ("No key balance: %s", error->message);
  g_clear_pointer (&self->key, tb_key_info_free);
  self->key = key;
  show_balance (self);
  g_object_unref (self);
}

void
tb_forecast_view_set_client (TbForecastView *self,
                             TbClient       *client)
{
  g_return_if_fail (TB_IS_FORECAST_VIEW (self));
  g_return_if_fail (client == NULL || TB_IS_CLIENT (client));

  g_cancellable_cancel (self->key_cancellable);
  g_clear_object (&self->key_cancellable);
  g_clear_pointer (&self->key, tb_key_info_free);
  show_balance (self);
  if (client == NULL || !tb_client_has_api_key (client))
    return;
  self->key_cancellable = g_cancellable_new ();
  tb_client_key_async (client, self->key_cancellable, key_cb, g_object_ref (self));
}

/* The object ----------------------------------------------------------------------------- */

static void
tb_forecast_view_dispose (GObject *object)
{
  TbForecastView *self = TB_FORECAST_VIEW (object);

  g_clear_handle_id (&self->update_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->key_cancellable);
  g_clear_object (&self->key_cancellable);

  G_OBJECT_CLASS (tb_forecast_view_parent_class)->dispose (object);
}

static void
tb_forecast_view_finalize (GObject *object)
{
  TbForecastView *self = TB_FORECAST_VIEW (object);

  g_clear_pointer (&self->line_rows, g_ptr_array_unref);
  g_clear_pointer (&self->forecast, tb_forecast_free);
  g_clear_pointer (&self->history, g_hash_table_unref);
  g_clear_pointer (&self->key, tb_key_info_free);
  g_free (self->home);
  g_clear_pointer (&self->usecase, tb_usecase_unref);
  g_clear_pointer (&self->inputs, g_ptr_array_unref);
  g_strfreev (self->models);
  g_strfreev (self->judges);
  g_clear_pointer (&self->catalog, tb_catalog_unref);

  G_OBJECT_CLASS (tb_forecast_view_parent_class)->finalize (object);
}

static void
tb_forecast_view_class_init (TbForecastViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_forecast_view_dispose;
  object_class->finalize = tb_forecast_view_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
    "/io/github/taskbench/TaskBench/tb-forecast-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TbForecastView, spinner);
  gtk_widget_class_bind_template_child (widget_class, TbForecastView, total_row);
  gtk_widget_class_bind_template_child (widget_class, TbForecastView, total_label);
  gtk_widget_class_bind_template_child (widget_class, TbForecastView, unknown_row);
  gtk_widget_class_bind_template_child (widget_class, TbForecastView, balance_row);
  gtk_widget_class_bind_template_child (widget_class, TbForecastView, balance_icon);
  gtk_widget_class_bind_template_child (widget_class, TbForecastView, balance_label);
  gtk_widget_class_bind_template_child (widget_class, TbForecastView, cap_spin);
  gtk_widget_class_bind_template_child (widget_class, TbForecastView, cap_switch);
}

static void
tb_forecast_view_init (TbForecastView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->line_rows = g_ptr_array_new ();
  g_object_bind_property (self->cap_switch, "active", self->cap_spin, "sensitive",
                          G_BINDING_SYNC_CREATE);
  show_forecast (self);
}
