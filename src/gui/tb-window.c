/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tb-costs-view.h"
#include "tb-error.h"
#include "tb-home.h"
#include "tb-run-page.h"
#include "tb-runs-view.h"
#include "tb-summary-view.h"
#include "tb-util.h"
#include "tb-window-private.h"

/* One sidebar row: a use case, or a file that failed to load with its error. */
#define TB_TYPE_USECASE_ITEM (tb_usecase_item_get_type ())
G_DECLARE_FINAL_TYPE (TbUsecaseItem, tb_usecase_item, TB, USECASE_ITEM, GObject)

struct _TbUsecaseItem
{
  GObject  parent_instance;
  char    *id;
  char    *path;
  char    *title;
  char    *subtitle;
  gboolean broken;
};

G_DEFINE_FINAL_TYPE (TbUsecaseItem, tb_usecase_item, G_TYPE_OBJECT)

static void
tb_usecase_item_finalize (GObject *object)
{
  TbUsecaseItem *self = TB_USECASE_ITEM (object);

  g_free (self->id);
  g_free (self->path);
  g_free (self->title);
  g_free (self->subtitle);
  G_OBJECT_CLASS (tb_usecase_item_parent_class)->finalize (object);
}

static void
tb_usecase_item_class_init (TbUsecaseItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tb_usecase_item_finalize;
}

static void
tb_usecase_item_init (TbUsecaseItem *self)
{
}

static TbUsecaseItem *
tb_usecase_item_new (const TbUsecaseEntry *entry)
{
  TbUsecaseItem *self = g_object_new (TB_TYPE_USECASE_ITEM, NULL);

  self->id = g_strdup (entry->id);
  self->path = g_strdup (entry->path);
  if (entry->usecase != NULL)
    {
      self->title = g_strdup (entry->usecase->name);
      self->subtitle = g_strdup (entry->id);
    }
  else
    {
      const char *message = entry->error != NULL ? entry->error->message : _("Invalid");

      self->broken = TRUE;
      self->title = g_strdup (entry->id);
      /* The row names the file already: keep only the "line: problem" part. */
      if (entry->path != NULL && g_str_has_prefix (message, entry->path)
          && message[strlen (entry->path)] == ':')
        message += strlen (entry->path) + 1;
      self->subtitle = g_strdup (message);
    }
  return self;
}

G_DEFINE_FINAL_TYPE (TbWindow, tb_window, ADW_TYPE_APPLICATION_WINDOW)

static TbUsecaseItem *
find_item (TbWindow   *self,
           const char *id,
           guint      *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->usecases));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TbUsecaseItem) item = g_list_model_get_item (G_LIST_MODEL (self->usecases), i);

      if (g_strcmp0 (item->id, id) == 0)
        {
          if (position != NULL)
            *position = i;
          return item;   /* the store keeps it alive */
        }
    }
  return NULL;
}

AdwToast *
tb_window_new_toast (TbWindow   *self,
                     const char *message)
{
  /* Toast titles are markup in libadwaita 1.2, and messages carry file names and model ids. */
  g_autofree char *escaped = g_markup_escape_text (message, -1);

  g_free (self->last_toast);
  self->last_toast = g_strdup (message);
  return adw_toast_new (escaped);
}

static void
toast_dismissed_cb (AdwToast *toast,
                    TbWindow *self)
{
  g_ptr_array_remove (self->shown_toasts, toast);
}

void
tb_window_show_toast (TbWindow *self,
                      AdwToast *toast,
                      gboolean  now)
{
  adw_toast_set_priority (toast, now ? ADW_TOAST_PRIORITY_HIGH : ADW_TOAST_PRIORITY_NORMAL);
  self->toasts++;
  g_ptr_array_add (self->shown_toasts, g_object_ref (toast));
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), self, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
tb_window_dismiss_toasts (TbWindow *self)
{
  g_autoptr(GPtrArray) toasts = NULL;

  g_return_if_fail (TB_IS_WINDOW (self));

  toasts = g_steal_pointer (&self->shown_toasts);
  self->shown_toasts = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < toasts->len; i++)
    adw_toast_dismiss (g_ptr_array_index (toasts, i));
}

void
tb_window_toast_now (TbWindow   *self,
                     const char *message)
{
  tb_window_show_toast (self, tb_window_new_toast (self, message), TRUE);
}

void
tb_window_toast (TbWindow   *self,
                 const char *message)
{
  tb_window_show_toast (self, tb_window_new_toast (self, message), FALSE);
}

const char *
tb_window_get_last_toast (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);
  return self->last_toast;
}

guint
tb_window_get_toast_count (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), 0);
  return self->toasts;
}

const char *
tb_window_get_home (TbWindow *self)
{
  return tb_store_get_home (self->store);
}

const char *
tb_window_get_usecase_id (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);
  return tb_usecase_editor_get_id (self->editor);
}

const char *
tb_window_get_usecase_title (TbWindow *self)
{
  TbUsecase *usecase = tb_usecase_editor_get_usecase (self->editor);
  const char *id = tb_usecase_editor_get_id (self->editor);
  TbUsecaseItem *item;

  if (usecase != NULL && usecase->name != NULL && *usecase->name != '\0')
    return usecase->name;
  item = id != NULL ? find_item (self, id, NULL) : NULL;
  if (item != NULL)
    return item->title;
  return id;
}

TbUsecaseEditor *
tb_window_get_editor (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);
  return self->editor;
}

TbInputView *
tb_window_get_input_view (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);
  return self->input_view;
}

TbModelsView *
tb_window_get_models_view (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);
  return self->models_view;
}

GtkWidget *
tb_window_get_runs_view (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);
  return self->runs_view;
}

TbRunList *
tb_window_get_run_list (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);
  return self->run_list;
}

TbRunner *
tb_window_get_runner (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);
  return self->runner;
}

gboolean
tb_window_is_busy (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), FALSE);
  return self->busy || self->judging;
}

const char *
tb_window_get_last_run_id (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), NULL);
  return self->last_run_id;
}

void
tb_window_load_input_file (TbWindow *self,
                           GFile    *file)
{
  g_return_if_fail (TB_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  adw_view_stack_set_visible_child_name (self->view_stack, "run");
  tb_input_view_load_file (self->input_view, file);
}

void
tb_window_set_models (TbWindow           *self,
                      const char * const *ids)
{
  g_return_if_fail (TB_IS_WINDOW (self));
  tb_models_view_set_selected (self->models_view, ids);
}

void
tb_window_refresh_results (TbWindow *self)
{
  g_autofree char *open_run = g_strdup (tb_run_page_get_run_id (TB_RUN_PAGE (self->run_page)));

  /* The costs follow the list (its ::changed); with no use case open, they are read here. */
  if (tb_run_list_get_usecase (self->run_list) != NULL)
    tb_run_list_reload (self->run_list);
  else
    tb_costs_view_reload (TB_COSTS_VIEW (self->costs_view));
  if (open_run != NULL)
    tb_run_page_set_run (TB_RUN_PAGE (self->run_page), self->store, open_run);
}

/* The sidebar */

static gboolean
usecase_filter_func (gpointer item,
                     gpointer user_data)
{
  TbWindow *self = user_data;
  TbUsecaseItem *usecase = item;
  g_autofree char *title = NULL;
  g_autofree char *id = NULL;

  if (self->search_text == NULL)
    return TRUE;
  title = g_utf8_casefold (usecase->title, -1);
  id = g_utf8_casefold (usecase->id, -1);
  return strstr (title, self->search_text) != NULL || strstr (id, self->search_text) != NULL;
}

static void
update_sidebar_page (TbWindow *self)
{
  const char *page = "list";

  if (g_list_model_get_n_items (G_LIST_MODEL (self->usecases)) == 0)
    page = "empty";
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) == 0)
    page = "no-match";
  gtk_stack_set_visible_child_name (self->sidebar_stack, page);
}

static void
search_changed_cb (TbWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  g_clear_pointer (&self->search_text, g_free);
  if (*stripped != '\0')
    self->search_text = g_utf8_casefold (stripped, -1);

  self->reverting++;
  gtk_filter_changed (GTK_FILTER (self->usecase_filter), GTK_FILTER_CHANGE_DIFFERENT);
  self->reverting--;
  update_sidebar_page (self);
}

/* Puts the list's selection on the open use case without reacting to it. */
static void
sync_selection (TbWindow *self)
{
  const char *id = tb_usecase_editor_get_id (self->editor);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint position = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; id != NULL && i < n; i++)
    {
      g_autoptr(TbUsecaseItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), i);

      if (g_strcmp0 (item->id, id) == 0)
        position = i;
    }
  self->reverting++;
  gtk_single_selection_set_selected (self->selection, position);
  self->reverting--;
}

void
tb_window_reload_usecases (TbWindow *self)
{
  g_autofree char *dir = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_if_fail (TB_IS_WINDOW (self));

  dir = tb_home_usecases_dir (tb_window_get_home (self));
  entries = tb_usecase_list_dir (dir);
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (items, tb_usecase_item_new (g_ptr_array_index (entries, i)));

  self->reverting++;
  g_list_store_splice (self->usecases, 0,
                       g_list_model_get_n_items (G_LIST_MODEL (self->usecases)),
                       items->pdata, items->len);
  self->reverting--;
  sync_selection (self);
  update_sidebar_page (self);
}

static void
open_usecase (TbWindow      *self,
              TbUsecaseItem *item)
{
  g_autoptr(GError) error = NULL;
  TbUsecase *usecase;

  if (item == NULL)
    {
      tb_usecase_editor_clear (self->editor);
      tb_models_view_set_usecase (self->models_view, NULL);
      tb_input_view_set_usecase (self->input_view, NULL);
      tb_run_list_set_usecase (self->run_list, NULL);
      tb_run_page_set_run (TB_RUN_PAGE (self->run_page), self->store, NULL);
      gtk_stack_set_visible_child_name (self->content_stack, "empty");
      gtk_window_set_title (GTK_WINDOW (self), _("TaskBench"));
      adw_view_switcher_title_set_title (self->switcher_title, _("TaskBench"));
      sync_selection (self);
      tb_window_update_actions (self);
      return;
    }

  if (!tb_usecase_editor_load (self->editor, item->id, item->path, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not open “%s”: %s"), item->id,
                                                  error->message);
      tb_window_toast (self, message);
      sync_selection (self);
      return;
    }

  usecase = tb_usecase_editor_get_usecase (self->editor);
  tb_models_view_set_usecase (self->models_view, usecase);
  /* Its own test set (its `inputs`) and repeat count, as `run` without --input takes them;
   * its budget.max_usd as the cap. */
  tb_input_view_set_usecase (self->input_view, usecase);
  tb_forecast_view_set_usecase (self->forecast_view, usecase);
  /* The Runs and Costs pages follow the list, which reads the index in a thread. */
  tb_run_list_set_usecase (self->run_list, item->id);
  tb_run_page_set_run (TB_RUN_PAGE (self->run_page), self->store, NULL);
  gtk_stack_set_visible_child_name (self->runs_stack, "list");
  gtk_stack_set_visible_child_name (self->content_stack, "main");
  /* What the use case's runs say comes first; a use case without runs goes to the Run page
   * once its list says so (page_chosen_cb). */
  self->choosing_page++;
  adw_view_stack_set_visible_child_name (self->view_stack, usecase != NULL ? "summary"
                                                                           : "usecase");
  self->choosing_page--;
  self->page_auto = usecase != NULL;
  gtk_window_set_title (GTK_WINDOW (self), item->title);
  adw_view_switcher_title_set_title (self->switcher_title, item->title);
  /* The demo home's use cases are not the user's: the real home opens where it was left. */
  if (!self->simulated)
    g_settings_set_string (self->settings, "last-usecase", item->id);

  sync_selection (self);
  tb_window_update_actions (self);
}

static void save_and_continue (TbWindow *self);

static void
continue_pending (TbWindow *self)
{
  if (self->pending_demo != 0)
    {
      gboolean simulated = self->pending_demo > 0;

      self->pending_demo = 0;
      tb_window_switch_demo (self, simulated);
      return;
    }
  if (self->pending_close)
    {
      self->pending_close = FALSE;
      self->force_close = TRUE;
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  if (self->pending_select != NULL)
    {
      g_autofree char *id = g_steal_pointer (&self->pending_select);
      TbUsecaseItem *item = find_item (self, id, NULL);

      open_usecase (self, item);
      if (item != NULL && adw_leaflet_get_folded (self->leaflet))
        adw_leaflet_set_visible_child_name (self->leaflet, "content");
    }
}

static void
unsaved_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     TbWindow         *self)
{
  if (g_strcmp0 (response, "save") == 0)
    save_and_continue (self);
  else if (g_strcmp0 (response, "discard") == 0)
    continue_pending (self);
  else
    {
      g_clear_pointer (&self->pending_select, g_free);
      self->pending_close = FALSE;
      self->pending_demo = 0;
    }
}

static void
save_and_continue (TbWindow *self)
{
  g_autoptr(GError) error = NULL;

  if (!tb_usecase_editor_save (self->editor, &error))
    {
      g_clear_pointer (&self->pending_select, g_free);
      self->pending_close = FALSE;
      self->pending_demo = 0;
      adw_view_stack_set_visible_child_name (self->view_stack, "usecase");
      /* The editor's banner says what is wrong with the use case. */
      if (!g_error_matches (error, TB_ERROR, TB_ERROR_INVALID))
        tb_window_toast (self, error->message);
      return;
    }
  tb_window_reload_usecases (self);
  continue_pending (self);
}

/* Unsaved edits are never dropped silently: the user picks Discard, Cancel or Save. */
static void
ask_about_unsaved (TbWindow *self)
{
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Save Changes?"),
                                                       NULL));
  adw_message_dialog_format_body (dialog,
                                  _("“%s” has unsaved changes. Changes which are not saved "
                                    "will be lost."),
                                  tb_window_get_usecase_title (self));
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (unsaved_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
tb_window_request_demo (TbWindow *self,
                        gboolean  simulated)
{
  self->pending_demo = simulated ? 1 : -1;
  g_clear_pointer (&self->pending_select, g_free);
  if (tb_usecase_editor_is_dirty (self->editor))
    {
      ask_about_unsaved (self);
      return;
    }
  continue_pending (self);
}

static void
request_usecase (TbWindow   *self,
                 const char *id)
{
  if (g_strcmp0 (id, tb_usecase_editor_get_id (self->editor)) == 0)
    {
      if (adw_leaflet_get_folded (self->leaflet))
        adw_leaflet_set_visible_child_name (self->leaflet, "content");
      return;
    }

  g_free (self->pending_select);
  self->pending_select = g_strdup (id);
  if (tb_usecase_editor_is_dirty (self->editor))
    {
      sync_selection (self);
      ask_about_unsaved (self);
      return;
    }
  continue_pending (self);
}

gboolean
tb_window_select_usecase (TbWindow   *self,
                          const char *id)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), FALSE);

  if (find_item (self, id, NULL) == NULL)
    return FALSE;
  request_usecase (self, id);
  return TRUE;
}

static void
selection_changed_cb (TbWindow *self)
{
  TbUsecaseItem *item;

  if (self->reverting > 0)
    return;
  item = gtk_single_selection_get_selected_item (self->selection);
  if (item != NULL)
    request_usecase (self, item->id);
}

/* Activating the row already selected still goes to the content when folded. */
static void
usecase_activate_cb (TbWindow *self,
                     guint     position)
{
  g_autoptr(TbUsecaseItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), position);

  if (item != NULL)
    request_usecase (self, item->id);
}

/* Save is about the form: it shows on the Use Case page only (Ctrl+S works anywhere). When
 * the window is narrow (the switcher title shows the title, the pages move to the bottom
 * bar), it is an icon, so the use case's name keeps room in the header. */
static void
sync_save_button (TbWindow *self)
{
  GtkButton *button = GTK_BUTTON (self->save_button);

  gtk_widget_set_visible (self->save_button,
                          g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack),
                                     "usecase") == 0);
  if (adw_view_switcher_title_get_title_visible (self->switcher_title))
    {
      if (g_strcmp0 (gtk_button_get_icon_name (button), "document-save-symbolic") != 0)
        gtk_button_set_icon_name (button, "document-save-symbolic");
    }
  else if (gtk_button_get_label (button) == NULL)
    {
      gtk_button_set_label (button, _("_Save"));
      gtk_button_set_use_underline (button, TRUE);
    }
}

/* The user picked a page: the window does not pick another for them. */
static void
page_changed_cb (TbWindow *self)
{
  sync_save_button (self);

  if (self->choosing_page == 0)
    self->page_auto = FALSE;
}

/* The runs of the use case just opened landed: without any, the Summary has nothing to say
 * and the Run page is where to go. */
static void
runs_loaded_cb (TbWindow *self)
{
  const char *page = adw_view_stack_get_visible_child_name (self->view_stack);

  if (!self->page_auto || !tb_run_list_get_loaded (self->run_list)
      || g_strcmp0 (page, "summary") != 0)
    return;
  self->page_auto = FALSE;
  if (g_list_model_get_n_items (tb_run_list_get_model (self->run_list)) == 0)
    {
      self->choosing_page++;
      adw_view_stack_set_visible_child_name (self->view_stack, "run");
      self->choosing_page--;
    }
}

static void
back_clicked_cb (TbWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
runs_back_clicked_cb (TbWindow *self)
{
  gtk_stack_set_visible_child_name (self->runs_stack, "list");
  tb_run_page_set_run (TB_RUN_PAGE (self->run_page), self->store, NULL);
}

static void
row_setup_cb (GtkSignalListItemFactory *factory,
              GObject                  *object,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");

  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (icon, "error");
  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);

  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), subtitle);
  gtk_box_append (GTK_BOX (box), labels);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_list_item_set_child (GTK_LIST_ITEM (object), box);
}

static void
row_bind_cb (GtkSignalListItemFactory *factory,
             GObject                  *object,
             gpointer                  user_data)
{
  GtkListItem *list_item = GTK_LIST_ITEM (object);
  TbUsecaseItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *labels = gtk_widget_get_first_child (box);
  GtkWidget *icon = gtk_widget_get_last_child (box);
  GtkWidget *title = gtk_widget_get_first_child (labels);
  GtkWidget *subtitle = gtk_widget_get_last_child (labels);

  gtk_label_set_text (GTK_LABEL (title), item->title);
  gtk_label_set_text (GTK_LABEL (subtitle), item->subtitle);
  gtk_widget_set_tooltip_text (box, item->broken ? item->subtitle : NULL);
  gtk_widget_set_visible (icon, item->broken);
}

static void
client_changed_cb (TbWindow *self)
{
  TbClient *client = tb_application_get_client (self->app);

  if (client == NULL || client == self->client)
    return;
  g_set_object (&self->client, client);
  tb_models_view_set_client (self->models_view, client);
  tb_forecast_view_set_client (self->forecast_view, client);
}

static void
input_changed_cb (TbWindow *self)
{
  tb_models_view_set_input_tokens (self->models_view, tb_input_view_get_tokens (self->input_view));
  tb_window_update_actions (self);
  tb_window_update_forecast (self);
}

static void
run_setup_changed_cb (TbWindow *self)
{
  tb_window_update_actions (self);
  tb_window_update_forecast (self);
}

static void
editor_state_cb (TbWindow *self)
{
  tb_window_update_actions (self);
}

static void
runs_view_open_cb (TbWindow   *self,
                   const char *run_id)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.open-run", "s", run_id);
}

static void
runs_view_judge_cb (TbWindow   *self,
                    const char *run_id)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.judge-run", "s", run_id);
}

static void
runs_view_resume_cb (TbWindow   *self,
                     const char *run_id)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.resume-run", "s", run_id);
}

static void
runs_view_delete_cb (TbWindow   *self,
                     const char *run_id)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.delete-run", "s", run_id);
}

static void
runs_view_delete_many_cb (TbWindow    *self,
                          const char **run_ids)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.delete-runs", "^as", run_ids);
}

static void
runs_view_export_cb (TbWindow   *self,
                     const char *run_id)
{
  tb_window_choose_export (self, run_id);
}

static void
run_page_message_cb (TbWindow   *self,
                     const char *message)
{
  tb_window_toast (self, message);
}

static void
runs_view_judge_all_cb (TbWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.judge-all", NULL);
}

/* Back from another window (a terminal where the CLI ran, a file manager): the runs may
 * have changed in ways the folder monitors do not see (a judgment added to a run). */
static void
active_changed_cb (TbWindow *self)
{
  /* A read under way already sees the files as they are now. */
  if (gtk_window_is_active (GTK_WINDOW (self)) && self->run_list != NULL
      && !tb_run_list_get_loading (self->run_list))
    tb_run_list_queue_reload (self->run_list);
}

static gboolean
tb_window_close_request (GtkWindow *window)
{
  TbWindow *self = TB_WINDOW (window);
  int width = 0, height = 0;

  if (!self->force_close && tb_usecase_editor_is_dirty (self->editor))
    {
      self->pending_close = TRUE;
      g_clear_pointer (&self->pending_select, g_free);
      ask_about_unsaved (self);
      return TRUE;
    }

  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
    {
      g_settings_set_int (self->settings, "window-width", width);
      g_settings_set_int (self->settings, "window-height", height);
    }
  g_settings_apply (self->settings);

  /* The run stops with the window; its files say "cancelled" and it can be resumed. */
  g_cancellable_cancel (self->run_cancellable);

  return GTK_WINDOW_CLASS (tb_window_parent_class)->close_request (window);
}

static void
tb_window_dispose (GObject *object)
{
  TbWindow *self = TB_WINDOW (object);

  self->disposed = TRUE;
  g_cancellable_cancel (self->run_cancellable);
  g_clear_object (&self->run_cancellable);
  if (self->app != NULL)
    g_signal_handlers_disconnect_by_data (self->app, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_WINDOW);

  g_clear_object (&self->runner);
  g_clear_object (&self->run_list);
  g_clear_object (&self->index);
  g_clear_object (&self->selection);
  g_clear_object (&self->usecases);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->app);
  if (self->judge_queue != NULL)
    {
      g_queue_free_full (self->judge_queue, g_free);
      self->judge_queue = NULL;
    }

  G_OBJECT_CLASS (tb_window_parent_class)->dispose (object);
}

static void
tb_window_finalize (GObject *object)
{
  TbWindow *self = TB_WINDOW (object);

  g_free (self->search_text);
  g_free (self->pending_select);
  g_free (self->last_run_id);
  g_free (self->judge_error);
  g_free (self->judge_best);
  g_free (self->judge_last_run);
  g_free (self->last_toast);
  g_clear_pointer (&self->shown_toasts, g_ptr_array_unref);

  G_OBJECT_CLASS (tb_window_parent_class)->finalize (object);
}

static void
tb_window_class_init (TbWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = tb_window_dispose;
  object_class->finalize = tb_window_finalize;
  window_class->close_request = tb_window_close_request;

  g_type_ensure (TB_TYPE_USECASE_EDITOR);
  g_type_ensure (TB_TYPE_INPUT_VIEW);
  g_type_ensure (TB_TYPE_MODELS_VIEW);
  g_type_ensure (TB_TYPE_FORECAST_VIEW);
  g_type_ensure (TB_TYPE_RUN_MONITOR);
  g_type_ensure (TB_TYPE_RUNS_VIEW);
  g_type_ensure (TB_TYPE_RUN_PAGE);
  g_type_ensure (TB_TYPE_COSTS_VIEW);
  g_type_ensure (TB_TYPE_SUMMARY_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
    "/io/github/taskbench/TaskBench/tb-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TbWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, sidebar_title);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, demo_revealer);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, usecase_list);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, editor);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, input_view);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, models_view);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, judge_switch);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, judge_row);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, forecast_view);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, run_button);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, run_reason);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, run_monitor);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, run_scroller);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, runs_stack);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, judging_revealer);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, judging_label);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, judging_progress);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, runs_view);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, run_title);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, save_button);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, run_page);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, costs_view);
  gtk_widget_class_bind_template_child (widget_class, TbWindow, summary_view);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, usecase_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, runs_back_clicked_cb);

  tb_window_class_install_actions (widget_class);
  tb_window_class_install_export_actions (widget_class);
  tb_window_class_install_demo_actions (widget_class);
}

static void
tb_window_init (TbWindow *self)
{
  GtkListItemFactory *factory;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->shown_toasts = g_ptr_array_new_with_free_func (g_object_unref);

  self->usecases = g_list_store_new (TB_TYPE_USECASE_ITEM);
  self->usecase_filter = gtk_custom_filter_new (usecase_filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->usecases)),
                                              GTK_FILTER (self->usecase_filter));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (self->filtered));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_swapped (self->selection, "notify::selected-item",
                            G_CALLBACK (selection_changed_cb), self);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (row_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (row_bind_cb), self);
  gtk_list_view_set_factory (self->usecase_list, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->usecase_list, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_swapped (self->editor, "notify::dirty", G_CALLBACK (editor_state_cb), self);
  g_signal_connect_swapped (self->editor, "notify::valid", G_CALLBACK (editor_state_cb), self);
  g_signal_connect_swapped (self->input_view, "changed", G_CALLBACK (input_changed_cb), self);
  g_signal_connect_swapped (self->models_view, "changed", G_CALLBACK (run_setup_changed_cb),
                            self);
  g_signal_connect_swapped (self->judge_switch, "notify::active",
                            G_CALLBACK (run_setup_changed_cb), self);
  g_signal_connect_swapped (self->runs_view, "open-run", G_CALLBACK (runs_view_open_cb), self);
  g_signal_connect_swapped (self->runs_view, "judge-run", G_CALLBACK (runs_view_judge_cb), self);
  g_signal_connect_swapped (self->runs_view, "resume-run", G_CALLBACK (runs_view_resume_cb),
                            self);
  g_signal_connect_swapped (self->runs_view, "delete-run", G_CALLBACK (runs_view_delete_cb),
                            self);
  g_signal_connect_swapped (self->runs_view, "delete-runs",
                            G_CALLBACK (runs_view_delete_many_cb), self);
  g_signal_connect_swapped (self->runs_view, "export-run", G_CALLBACK (runs_view_export_cb),
                            self);
  g_signal_connect_swapped (self->runs_view, "judge-all", G_CALLBACK (runs_view_judge_all_cb),
                            self);
  g_signal_connect_swapped (self->run_page, "message", G_CALLBACK (run_page_message_cb), self);
  g_signal_connect_swapped (self, "notify::is-active", G_CALLBACK (active_changed_cb), self);
  /* The header names the run as its page does (the id is on the page, once). */
  g_object_bind_property (self->run_page, "title", self->run_title, "label",
                          G_BINDING_SYNC_CREATE);
}

/* The application's home — its store, index and runs — in every page: at start, and when
 * the simulated models are entered or left. */
static void
attach_home (TbWindow *self)
{
  g_set_object (&self->store, tb_application_get_store (self->app));
  g_set_object (&self->index, tb_application_get_index (self->app));
  self->simulated = tb_application_get_simulated (self->app);
  if (self->run_list != NULL)
    g_signal_handlers_disconnect_by_data (self->run_list, self);
  g_clear_object (&self->run_list);
  self->run_list = tb_run_list_new (self->store, self->index);
  tb_runs_view_set_list (TB_RUNS_VIEW (self->runs_view), self->run_list);
  tb_costs_view_set_sources (TB_COSTS_VIEW (self->costs_view), self->store, self->index,
                             self->run_list);
  tb_costs_view_set_simulated (TB_COSTS_VIEW (self->costs_view), self->simulated);
  tb_summary_view_set_sources (TB_SUMMARY_VIEW (self->summary_view), self->store,
                               self->index, self->run_list);
  tb_models_view_set_simulated (self->models_view, self->simulated);
  g_signal_connect_object (self->run_list, "notify::loaded", G_CALLBACK (runs_loaded_cb), self,
                           G_CONNECT_SWAPPED);
  tb_window_update_demo (self);
}

/* `id` when the home has it, else the first use case that loads: a better welcome than a
 * broken file. */
static void
open_first_usecase (TbWindow   *self,
                    const char *id)
{
  g_autofree char *open = NULL;

  if (id != NULL && *id != '\0' && find_item (self, id, NULL) != NULL)
    open = g_strdup (id);
  else
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->usecases));

      for (guint i = 0; i < n && open == NULL; i++)
        {
          g_autoptr(TbUsecaseItem) item = g_list_model_get_item (G_LIST_MODEL (self->usecases), i);

          if (!item->broken || i == n - 1)
            open = g_strdup (item->id);
        }
    }
  if (open != NULL)
    tb_window_select_usecase (self, open);
  else
    open_usecase (self, NULL);
}

/* Into the simulated models' home or back: the same use case when the other home has it. */
static void
home_changed_cb (TbWindow *self)
{
  g_autofree char *open_id = g_strdup (tb_usecase_editor_get_id (self->editor));

  attach_home (self);
  gtk_stack_set_visible_child_name (self->runs_stack, "list");
  tb_run_page_set_run (TB_RUN_PAGE (self->run_page), self->store, NULL);
  g_clear_pointer (&self->last_run_id, g_free);
  /* Opened again from the new home's file, even under the same id. */
  open_usecase (self, NULL);
  tb_window_reload_usecases (self);
  open_first_usecase (self, open_id);
}

static void
tb_window_setup (TbWindow *self)
{
  g_autofree char *last = NULL;
  int width, height;

  self->settings = g_object_ref (tb_application_get_settings (self->app));
  attach_home (self);
  g_signal_connect_swapped (self->app, "home-changed", G_CALLBACK (home_changed_cb), self);

  width = g_settings_get_int (self->settings, "window-width");
  height = g_settings_get_int (self->settings, "window-height");
  gtk_window_set_default_size (GTK_WINDOW (self), width > 0 ? width : 1100,
                               height > 0 ? height : 720);
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  g_settings_bind (self->settings, "run-judge", self->judge_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::judge-model",
                           G_CALLBACK (run_setup_changed_cb), self, G_CONNECT_SWAPPED);

  g_signal_connect_swapped (self->app, "client-changed", G_CALLBACK (client_changed_cb), self);
  client_changed_cb (self);

  g_signal_connect_object (self->view_stack, "notify::visible-child",
                           G_CALLBACK (page_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->switcher_title, "notify::title-visible",
                           G_CALLBACK (sync_save_button), self, G_CONNECT_SWAPPED);
  sync_save_button (self);
  tb_window_reload_usecases (self);

  last = g_settings_get_string (self->settings, "last-usecase");
  open_first_usecase (self, last);

  /* Wide windows start on the content; a folded one starts on the list. */
  adw_leaflet_set_visible_child_name (self->leaflet, "sidebar");
  if (!adw_leaflet_get_folded (self->leaflet))
    adw_leaflet_set_visible_child_name (self->leaflet, "content");
  tb_window_update_actions (self);
}

TbWindow *
tb_window_new (TbApplication *app)
{
  TbWindow *self;

  g_return_val_if_fail (TB_IS_APPLICATION (app), NULL);

  self = g_object_new (TB_TYPE_WINDOW, "application", app, NULL);
  self->app = g_object_ref (app);
  tb_window_setup (self);
  return self;
}
