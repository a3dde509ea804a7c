/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-window"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tb-costs-view.h"
#include "tb-defaults.h"
#include "tb-error.h"
#include "tb-forecast-task.h"
#include "tb-home.h"
#include "tb-run-page.h"
#include "tb-runs-view.h"
#include "tb-util.h"
#include "tb-window-private.h"


/* Why a run cannot start now, in words for the label under Run; NULL when it can. */
static const char *
run_blocker (TbWindow *self)
{
  g_auto(GStrv) models = NULL;

  if (tb_usecase_editor_get_id (self->editor) == NULL)
    return _("Open a use case first");
  if (tb_usecase_editor_get_usecase (self->editor) == NULL)
    return _("The use case has an error: fix it on the Use Case page first");
  if (tb_input_view_is_loading (self->input_view))
    return _("Reading the inputs…");
  if (!tb_input_view_has_input (self->input_view))
    return _("Add at least one input to run");
  models = tb_models_view_dup_selected (self->models_view);
  if (models == NULL || models[0] == NULL)
    return _("Choose at least one model to run");
  return NULL;
}

void
tb_window_update_actions (TbWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean open = tb_usecase_editor_get_id (self->editor) != NULL;
  const char *blocker = run_blocker (self);

  gtk_widget_action_set_enabled (widget, "win.duplicate-usecase", open);
  gtk_widget_action_set_enabled (widget, "win.delete-usecase", open);
  /* An invalid use case cannot be saved: the editor's banner says why. */
  gtk_widget_action_set_enabled (widget, "win.save-usecase",
                                 open && tb_usecase_editor_is_dirty (self->editor)
                                 && tb_usecase_editor_get_usecase (self->editor) != NULL);
  gtk_widget_action_set_enabled (widget, "win.open-input", open && !self->busy);
  gtk_widget_action_set_enabled (widget, "win.open-input-folder", open && !self->busy);
  gtk_widget_action_set_enabled (widget, "win.run", blocker == NULL && !self->busy);
  gtk_widget_action_set_enabled (widget, "win.cancel-run", self->busy);
  gtk_widget_action_set_enabled (widget, "win.judge-run", open && !self->busy);
  gtk_widget_action_set_enabled (widget, "win.judge-all", open && !self->busy);
  gtk_widget_action_set_enabled (widget, "win.resume-run", open && !self->busy);
  gtk_widget_action_set_enabled (widget, "win.delete-run", open && !self->busy);
  gtk_widget_set_visible (self->cancel_button, self->busy);
  tb_window_update_demo (self);
  gtk_label_set_text (self->run_reason, blocker != NULL && !self->busy ? blocker : "");
  gtk_widget_set_visible (GTK_WIDGET (self->run_reason), blocker != NULL && !self->busy);
}

/* The judge setting of Preferences, when set, names the judges as --judge-model does in the
 * CLI; the core decides the rest (tb-defaults.h). */
static char *
judge_setting (TbWindow *self)
{
  g_autofree char *setting = g_settings_get_string (self->settings, "judge-model");

  return *setting != '\0' ? g_steal_pointer (&setting) : NULL;
}

GStrv
tb_window_dup_run_judges (TbWindow *self)
{
  g_autofree char *setting = NULL;
  TbUsecase *usecase = tb_usecase_editor_get_usecase (self->editor);

  if (usecase == NULL || !gtk_switch_get_active (self->judge_switch))
    return NULL;
  /* Preferences' judge, else the use case's, else $GENERAL_TASK_LLM: the core's rule; the
   * simulated judge for the simulated models (Preferences name a real one). */
  setting = self->simulated ? NULL : judge_setting (self);
  return tb_default_judges_for (setting, usecase, self->simulated, NULL);
}

void
tb_window_update_forecast (TbWindow *self)
{
  TbUsecase *usecase = tb_usecase_editor_get_usecase (self->editor);
  g_autoptr(GPtrArray) inputs = tb_input_view_dup_inputs (self->input_view);
  g_auto(GStrv) models = tb_models_view_dup_selected (self->models_view);
  g_auto(GStrv) judges = tb_window_dup_run_judges (self);

  if (self->busy)
    return;
  tb_forecast_view_update (self->forecast_view, tb_window_get_home (self), usecase, inputs,
                           (const char * const *) models,
                           tb_input_view_get_repeat (self->input_view),
                           (const char * const *) judges,
                           tb_models_view_get_catalog (self->models_view));
}

/* New, duplicate, delete: the core makes and removes the files (tb-home.h). */

static void
open_new_usecase (TbWindow   *self,
                  const char *id)
{
  tb_window_reload_usecases (self);
  tb_window_select_usecase (self, id);
}

static void
new_id_changed_cb (GtkEditable      *entry,
                   AdwMessageDialog *dialog)
{
  TbWindow *self = TB_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (dialog)));
  const char *id = gtk_editable_get_text (entry);
  gboolean valid = tb_usecase_id_is_valid (id);
  gboolean exists = valid && tb_home_usecase_exists (tb_window_get_home (self), id);
  GtkLabel *hint = g_object_get_data (G_OBJECT (dialog), "hint");

  adw_message_dialog_set_response_enabled (dialog, "create", valid && !exists);
  if (*id == '\0' || (valid && !exists))
    gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (entry), "error");

  if (exists)
    gtk_label_set_text (hint, _("A use case with this id exists already"));
  else if (*id != '\0' && !valid)
    gtk_label_set_text (hint, _("Lowercase letters, digits, “-” and “_”; start with a letter "
                                "or digit; at most 64 characters"));
  else
    gtk_label_set_text (hint, _("Names the file usecases/ID.yaml"));
}

static void
new_response_cb (AdwMessageDialog *dialog,
                 const char       *response,
                 TbWindow         *self)
{
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  g_autofree char *id = g_strdup (gtk_editable_get_text (entry));
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "create") != 0 || !tb_usecase_id_is_valid (id))
    return;

  /* NULL: the core's commented template. */
  if (!tb_home_create_usecase (tb_window_get_home (self), id, NULL, &error))
    {
      tb_window_toast (self, error->message);
      return;
    }
  open_new_usecase (self, id);
  adw_view_stack_set_visible_child_name (self->view_stack, "usecase");
}

/* Enter does what Create does: answers and closes the dialog (a response alone leaves it
 * open, and a second Create would find the file made). Nothing while Create is off. */
static void
entry_activate_cb (GtkEntry         *entry,
                   AdwMessageDialog *dialog)
{
  if (!adw_message_dialog_get_response_enabled (dialog, "create"))
    return;
  adw_message_dialog_response (dialog, "create");
  gtk_window_close (GTK_WINDOW (dialog));
}

static void
new_usecase_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  AdwMessageDialog *dialog;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *entry = gtk_entry_new ();
  GtkWidget *hint = gtk_label_new (NULL);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("New Use Case"),
                                                       _("Choose a short id for the task, "
                                                         "such as “lecture-chapters”.")));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "create", _("C_reate"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "create", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "create");
  adw_message_dialog_set_close_response (dialog, "cancel");
  adw_message_dialog_set_response_enabled (dialog, "create", FALSE);

  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("use-case-id"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Use case id"), -1);
  /* The hint changes as one types; a fixed width and two lines keep the dialog still. */
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_width_chars (GTK_LABEL (hint), 36);
  gtk_label_set_max_width_chars (GTK_LABEL (hint), 36);
  gtk_label_set_lines (GTK_LABEL (hint), 2);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_label_set_yalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_widget_add_css_class (hint, "caption");
  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), hint);
  g_object_set_data (G_OBJECT (dialog), "hint", hint);
  g_object_set_data (G_OBJECT (dialog), "entry", entry);

  adw_message_dialog_set_extra_child (dialog, box);
  g_signal_connect (entry, "changed", G_CALLBACK (new_id_changed_cb), dialog);
  g_signal_connect (entry, "activate", G_CALLBACK (entry_activate_cb), dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (new_response_cb), self, 0);
  new_id_changed_cb (GTK_EDITABLE (entry), dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
duplicate_usecase_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  const char *home = tb_window_get_home (self);
  g_autofree char *id = g_strdup (tb_usecase_editor_get_id (self->editor));
  g_autofree char *new_id = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (id == NULL)
    return;

  /* The copy takes the text being edited, renamed so the two rows can be told apart. */
  text = tb_usecase_editor_dup_text (self->editor);
  new_id = tb_home_duplicate_usecase (home, id, text, &error);
  if (new_id == NULL)
    {
      tb_window_toast (self, error->message);
      return;
    }

  /* The original stays as saved on disk; the copy has the edits. */
  if (tb_usecase_editor_is_dirty (self->editor))
    {
      g_autofree char *path = tb_home_usecase_path (home, id);

      tb_usecase_editor_clear (self->editor);
      if (!tb_usecase_editor_load (self->editor, id, path, &error))
        g_clear_error (&error);
    }
  open_new_usecase (self, new_id);
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    TbWindow         *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "id");
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (response, "delete") != 0)
    return;

  if (!tb_home_delete_usecase (tb_window_get_home (self), id, &error))
    {
      tb_window_toast (self, error->message);
      return;
    }

  message = g_strdup_printf (_("Deleted “%s”"), (const char *) g_object_get_data (G_OBJECT (dialog),
                                                                                "title"));
  if (g_strcmp0 (id, tb_usecase_editor_get_id (self->editor)) == 0)
    tb_usecase_editor_clear (self->editor);
  tb_window_reload_usecases (self);
  /* Nothing open now: show the empty state rather than guessing a neighbour. */
  gtk_stack_set_visible_child_name (self->content_stack, "empty");
  gtk_window_set_title (GTK_WINDOW (self), _("TaskBench"));
  tb_window_update_actions (self);
  tb_window_toast (self, message);
}

/* A Cancel / Delete question; `response_cb` runs with the window as user data, and finds
 * what to delete in the dialog's data. Cancel is the default and the close response. */
static AdwMessageDialog *
new_delete_dialog (TbWindow   *self,
                   const char *heading,
                   const char *body,
                   GCallback   response_cb)
{
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", response_cb, self, 0);
  return dialog;
}

static void
delete_usecase_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  const char *id = tb_usecase_editor_get_id (self->editor);
  const char *title = tb_window_get_usecase_title (self);
  AdwMessageDialog *dialog;

  if (id == NULL)
    return;

  dialog = new_delete_dialog (self, NULL, NULL, G_CALLBACK (delete_response_cb));
  adw_message_dialog_format_heading (dialog, _("Delete “%s”?"), title);
  adw_message_dialog_format_body (dialog,
                                  _("The file usecases/%s.yaml will be deleted. Its runs stay "
                                    "in the results folder."), id);
  g_object_set_data_full (G_OBJECT (dialog), "id", g_strdup (id), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "title", g_strdup (title), g_free);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
save_usecase_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  const char *id = tb_usecase_editor_get_id (self->editor);

  if (id == NULL)
    return;

  if (!tb_usecase_editor_save (self->editor, &error))
    {
      adw_view_stack_set_visible_child_name (self->view_stack, "usecase");
      /* The editor's banner already says what is wrong with the use case; only a failure to
       * write the file needs saying. */
      if (!g_error_matches (error, TB_ERROR, TB_ERROR_INVALID))
        tb_window_toast (self, error->message);
      return;
    }
  tb_window_reload_usecases (self);
  gtk_window_set_title (GTK_WINDOW (self), tb_window_get_usecase_title (self));
  adw_view_switcher_title_set_title (self->switcher_title, tb_window_get_usecase_title (self));
  tb_models_view_set_usecase (self->models_view, tb_usecase_editor_get_usecase (self->editor));
  tb_window_update_forecast (self);
  tb_window_toast (self, _("Use case saved"));
}

/* Input */

static void
open_input_response_cb (GtkNativeDialog *dialog,
                        int              response,
                        TbWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));

      adw_view_stack_set_visible_child_name (self->view_stack, "run");
      tb_input_view_add_files (self->input_view, files);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

/* Files, several at once, or a folder (every file in it, references beside their inputs):
 * the test set grows either way. */
static void
choose_inputs (TbWindow *self,
               gboolean  folder)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (folder ? _("Add a Folder of Inputs")
                                                : _("Add Input Files"),
                                         GTK_WINDOW (self),
                                         folder ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                                : GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Add"), _("_Cancel"));
  if (!folder)
    {
      g_autoptr(GtkFileFilter) text_filter = gtk_file_filter_new ();
      g_autoptr(GtkFileFilter) all_filter = gtk_file_filter_new ();

      gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
      gtk_file_filter_set_name (text_filter, _("Text Files"));
      gtk_file_filter_add_mime_type (text_filter, "text/*");
      gtk_file_filter_add_mime_type (text_filter, "application/json");
      gtk_file_filter_add_mime_type (text_filter, "application/x-yaml");
      gtk_file_filter_set_name (all_filter, _("All Files"));
      gtk_file_filter_add_pattern (all_filter, "*");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), text_filter);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all_filter);
    }
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (open_input_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_input_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  choose_inputs (TB_WINDOW (widget), FALSE);
}

static void
open_input_folder_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  choose_inputs (TB_WINDOW (widget), TRUE);
}

/* Runs */

static void follow_monitor_cb (GtkAdjustment *adjustment, TbWindow *self);

/* After the last rows settle, the page stops following so later edits do not jump it. */
static gboolean
stop_following_cb (gpointer user_data)
{
  g_autoptr(TbWindow) self = user_data;

  if (!self->disposed && !self->busy)
    {
      follow_monitor_cb (gtk_scrolled_window_get_vadjustment (self->run_scroller), self);
      self->follow_monitor = FALSE;
    }
  return G_SOURCE_REMOVE;
}

static void
set_busy (TbWindow *self,
          gboolean  busy)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  gboolean focus_on_buttons = focus == self->run_button || focus == self->cancel_button;

  self->busy = busy;
  if (!busy)
    tb_run_monitor_set_running (TB_RUN_MONITOR (self->run_monitor), FALSE);
  tb_window_update_actions (self);
  /* Focus stays on the button row next to the live rows: the page scrolls to the focused
   * widget, and a hidden Cancel button would hand focus (and the view) elsewhere. */
  if (busy && self->follow_monitor)
    gtk_widget_grab_focus (self->cancel_button);
  else if (!busy && (focus_on_buttons || self->follow_monitor))
    gtk_widget_grab_focus (self->run_button);
  if (!busy && self->follow_monitor)
    g_timeout_add_full (G_PRIORITY_LOW, 500, stop_following_cb, g_object_ref (self), NULL);
}

/* The input and model lists above the live rows are often taller than the page: while a
 * run is under way the page keeps the Cancel button and the rows below it in view, also
 * when the rows grow (the adjustment's ::changed follows every layout). */
static void
follow_monitor_cb (GtkAdjustment *adjustment,
                   TbWindow      *self)
{
  GtkWidget *viewport = gtk_scrolled_window_get_child (self->run_scroller);
  /* The viewport's child: its coordinates do not move with the scroll position. */
  GtkWidget *content = GTK_IS_VIEWPORT (viewport)
                       ? gtk_viewport_get_child (GTK_VIEWPORT (viewport)) : NULL;
  GtkWidget *buttons = gtk_widget_get_parent (self->run_button);
  double x = 0, top = 0, monitor_top = 0;
  double page = gtk_adjustment_get_page_size (adjustment);
  double bottom;

  if (!self->follow_monitor || content == NULL
      || !gtk_widget_translate_coordinates (buttons, content, 0, 0, &x, &top)
      || !gtk_widget_translate_coordinates (self->run_monitor, content, 0, 0, &x, &monitor_top))
    return;

  /* As much of the live rows as fits, with the Run button above them when there is room. */
  bottom = monitor_top + gtk_widget_get_height (self->run_monitor) + 12;
  gtk_adjustment_set_value (adjustment, MIN (top - 12, MAX (bottom - page, 0)));
}

static void
show_monitor (TbWindow *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->run_scroller);

  adw_view_stack_set_visible_child_name (self->view_stack, "run");
  if (self->follow_handler == 0)
    self->follow_handler = g_signal_connect (adjustment, "changed",
                                             G_CALLBACK (follow_monitor_cb), self);
  self->follow_monitor = TRUE;
  follow_monitor_cb (adjustment, self);
}

static TbRunner *
new_runner (TbWindow *self)
{
  guint concurrency = g_settings_get_uint (self->settings, "max-concurrency");
  TbCatalog *catalog = tb_models_view_get_catalog (self->models_view);

  /* The environment wins, as for the CLI. */
  concurrency = tb_env_uint ("TASKBENCH_MAX_CONCURRENCY", concurrency);
  g_clear_object (&self->runner);
  self->runner = tb_runner_new (self->client, self->store, catalog, concurrency);
  tb_runner_set_simulated (self->runner, self->simulated);
  /* The monitor binds to the new runner's calls: candidates and judges, as they come. */
  tb_run_monitor_set_runner (TB_RUN_MONITOR (self->run_monitor), self->runner);
  tb_run_monitor_set_running (TB_RUN_MONITOR (self->run_monitor), TRUE);

  g_clear_object (&self->run_cancellable);
  self->run_cancellable = g_cancellable_new ();
  return self->runner;
}

static void
show_warnings (TbWindow *self,
               TbRunner *runner)
{
  GPtrArray *warnings = tb_runner_get_warnings (runner);

  for (guint i = 0; warnings != NULL && i < warnings->len; i++)
    tb_window_toast (self, g_ptr_array_index (warnings, i));
}

/* The toast at the end of a run says what the core's summary of it says. */
static char *
describe_finished_run (const TbRunSummary *summary)
{
  g_autofree char *usd = tb_format_usd (summary->rollup.total_usd);
  guint total = summary->cells;
  guint ok = summary->outputs_ok;

  if (summary->status == TB_RUN_CANCELLED)
    /* TRANSLATORS: "Run cancelled: 1 of 3 models, $0.0012" */
    return g_strdup_printf (ngettext ("Run cancelled: %u of %u model, %s",
                                      "Run cancelled: %u of %u models, %s", total),
                            ok, total, usd);
  if (ok == 0 && total > 0)
    return g_strdup_printf (_("Run failed: no model answered (%s)"), usd);
  /* A test set or repeats: each model answers several times, and answers are counted. */
  if (summary->models != NULL && total != g_strv_length (summary->models))
    /* TRANSLATORS: "Run finished: 20 of 20 answers, $0.4229" */
    return g_strdup_printf (ngettext ("Run finished: %u of %u answer, %s",
                                      "Run finished: %u of %u answers, %s", total),
                            ok, total, usd);
  /* TRANSLATORS: "Run finished: 3 of 3 models, $0.0123" */
  return g_strdup_printf (ngettext ("Run finished: %u of %u model, %s",
                                    "Run finished: %u of %u models, %s", total),
                          ok, total, usd);
}

static void
summary_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  TbIndex *index = g_object_get_data (G_OBJECT (task), "index");
  g_autoptr(GError) error = NULL;
  TbRunSummary *summary = tb_index_get_run (index, task_data, &error);

  if (summary == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, summary, (GDestroyNotify) tb_run_summary_free);
}

static void
summary_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  TbWindow *self = TB_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRunSummary) summary = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *message = NULL;
  AdwToast *toast;

  if (self->disposed || summary == NULL)
    return;
  message = describe_finished_run (summary);
  toast = tb_window_new_toast (self, message);
  /* The run's page, one click away. */
  adw_toast_set_button_label (toast, _("_Open"));
  adw_toast_set_action_name (toast, "win.open-run");
  adw_toast_set_action_target (toast, "s", summary->id);
  tb_window_show_toast (self, toast, TRUE);
}

/* Reads the run's summary from the index in a thread, then tells the user. */
static void
announce_run (TbWindow   *self,
              const char *run_id)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, summary_cb, NULL);

  g_task_set_source_tag (task, announce_run);
  g_task_set_task_data (task, g_strdup (run_id), g_free);
  g_object_set_data_full (G_OBJECT (task), "index", g_object_ref (self->index), g_object_unref);
  g_task_run_in_thread (task, summary_thread);
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TbWindow) self = user_data;
  TbRunner *runner = TB_RUNNER (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRun) run = tb_runner_finish (runner, result, &error);

  if (self->disposed)
    return;

  set_busy (self, FALSE);
  show_warnings (self, runner);
  if (run == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        message = g_strdup (_("Run cancelled"));
      else
        message = g_strdup_printf (_("Run failed: %s"), error->message);
      tb_window_toast_now (self, message);
    }
  else
    {
      g_free (self->last_run_id);
      self->last_run_id = g_strdup (run->id);
      announce_run (self, run->id);
    }
  tb_window_refresh_results (self);
}

static void
key_dialog_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        TbWindow         *self)
{
  if (g_strcmp0 (response, "preferences") == 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "app.preferences", NULL);
  else if (g_strcmp0 (response, "demo") == 0)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.try-demo", NULL);
}

/* A first run against OpenRouter without a key would only fail with 401: say where the key
 * goes instead. */
static gboolean
check_api_key (TbWindow *self)
{
  AdwMessageDialog *dialog;

  if (!tb_client_needs_api_key (self->client))
    return TRUE;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("API Key Needed"),
    _("OpenRouter needs an API key. Enter it in Preferences, where it is kept in the keyring, "
      "or set the OPENROUTER_API_KEY environment variable before starting TaskBench. "
      "A local OpenAI-compatible server needs no key: set its base URL in Preferences.\n\n"
      "Or try TaskBench first with simulated models: made-up answers of known quality, "
      "free, and kept apart from your own use cases.")));
  adw_message_dialog_add_responses (dialog, "close", _("_Close"),
                                    "demo", _("Try with _Simulated Models"),
                                    "preferences", _("Open _Preferences"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "preferences", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "preferences");
  adw_message_dialog_set_close_response (dialog, "close");
  g_signal_connect_object (dialog, "response", G_CALLBACK (key_dialog_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  self->key_warning_shown = TRUE;
  return FALSE;
}

/* Starts the run as the Run page sets it up; the checks are done. */
static void
start_run (TbWindow *self)
{
  TbUsecase *usecase = tb_usecase_editor_get_usecase (self->editor);
  g_autoptr(GPtrArray) inputs = tb_input_view_dup_inputs (self->input_view);
  g_auto(GStrv) models = tb_models_view_dup_selected (self->models_view);
  g_auto(GStrv) judges = tb_window_dup_run_judges (self);
  const TbForecast *forecast = tb_forecast_view_get_forecast (self->forecast_view);
  TbRunner *runner;
  gboolean has_cap;
  double cap = 0;

  if (self->busy || usecase == NULL || inputs->len == 0 || models == NULL || models[0] == NULL)
    return;

  runner = new_runner (self);
  if (gtk_switch_get_active (self->judge_switch) && judges == NULL)
    tb_window_toast (self, _("No judge model set: outputs are not scored. Set one in the use "
                             "case or in Preferences."));
  tb_runner_set_judges (runner, (const char * const *) judges);
  /* The cap of the page (the use case's budget.max_usd unless changed), the completion
   * lengths the forecast assumed, and that forecast itself, stored in run.json: what the
   * user saw is what the run is measured against. */
  has_cap = tb_forecast_view_get_max_cost (self->forecast_view, &cap);
  tb_runner_set_max_cost (runner, has_cap, cap);
  tb_runner_set_history (runner, tb_forecast_view_get_history (self->forecast_view));
  if (forecast != NULL)
    {
      g_autoptr(JsonNode) node = tb_forecast_to_json (forecast);

      tb_runner_set_forecast (runner, tb_forecast_from_json (node));
    }

  show_monitor (self);
  set_busy (self, TRUE);
  tb_runner_run_async (runner, usecase, inputs, (const char * const *) models,
                       tb_input_view_get_repeat (self->input_view), self->run_cancellable,
                       run_done_cb, g_object_ref (self));
}

static void
balance_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     TbWindow         *self)
{
  if (g_strcmp0 (response, "run") == 0)
    start_run (self);
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  g_autofree char *message = NULL;
  AdwMessageDialog *dialog;

  if (self->busy)
    return;

  tb_usecase_editor_validate_now (self->editor);
  tb_window_update_actions (self);
  /* The label under Run says why not. */
  if (run_blocker (self) != NULL || !check_api_key (self))
    return;

  /* The core's balance rule, as the CLI's refusal without --yes: here the user decides. */
  if (tb_forecast_view_check_balance (self->forecast_view, &message))
    {
      start_run (self);
      return;
    }
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                       _("Not Enough Left on the Key"),
                                                       NULL));
  adw_message_dialog_format_body (dialog, _("%s. Calls past the key's limit fail. Run anyway?"),
                                  message);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "run", _("_Run Anyway"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "run", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (balance_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
cancel_run_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);

  g_cancellable_cancel (self->run_cancellable);
  if (self->judge_queue != NULL)
    g_queue_clear_full (self->judge_queue, g_free);
}

/* Judging: one run or all of them, asked first, then one pass after another -------------- */

static void judge_next (TbWindow *self);

static void
update_judging_bar (TbWindow *self)
{
  guint total = self->judge_total;
  guint current = MIN (self->judge_done + 1, total);
  double fraction = 0;
  g_autofree char *text = NULL;

  gtk_revealer_set_reveal_child (self->judging_revealer, self->judging);
  if (!self->judging)
    return;
  /* Runs behind, plus the share of the current run's calls that are done. */
  if (self->runner != NULL && tb_runner_get_total (self->runner) > 0)
    fraction = (double) tb_runner_get_finished (self->runner) / tb_runner_get_total (self->runner);
  gtk_progress_bar_set_fraction (self->judging_progress,
                                 total > 0 ? (self->judge_done + fraction) / total : 0);
  if (total > 1)
    /* Translators: a judging pass over several runs */
    text = g_strdup_printf (_("Judging run %u of %u…"), current, total);
  else
    text = g_strdup (_("Judging the run…"));
  gtk_label_set_text (self->judging_label, text);
}

/* The one toast of a judging pass, however many runs it took. */
static void
finish_judging (TbWindow *self,
                gboolean  cancelled)
{
  g_autofree char *usd = tb_format_usd (self->judge_usd);
  g_autofree char *message = NULL;
  g_autofree char *last = g_steal_pointer (&self->judge_last_run);
  AdwToast *toast;

  self->judging = FALSE;
  if (self->judge_queue != NULL)
    g_queue_clear_full (self->judge_queue, g_free);
  update_judging_bar (self);

  if (cancelled)
    message = g_strdup_printf (ngettext ("Judging cancelled after %u of %u run",
                                         "Judging cancelled after %u of %u runs",
                                         self->judge_total),
                               self->judge_done, self->judge_total);
  else if (self->judge_failed > 0)
    /* Translators: runs judged of those asked, then the first error */
    message = g_strdup_printf (ngettext ("Judged %u of %u run: %s",
                                         "Judged %u of %u runs: %s", self->judge_total),
                               self->judge_done - self->judge_failed, self->judge_total,
                               self->judge_error != NULL ? self->judge_error : "");
  else if (self->judge_total == 1 && self->judge_best != NULL)
    /* Translators: a judging pass's cost, then the best model */
    message = g_strdup_printf (_("Judged for %s: best overall %s"), usd, self->judge_best);
  else
    message = g_strdup_printf (ngettext ("Judged %u run for %s", "Judged %u runs for %s",
                                         self->judge_total),
                               self->judge_total, usd);
  g_clear_pointer (&self->judge_error, g_free);
  g_clear_pointer (&self->judge_best, g_free);

  toast = tb_window_new_toast (self, message);
  /* One run judged: its page is one click away. */
  if (!cancelled && self->judge_total == 1 && last != NULL)
    {
      adw_toast_set_button_label (toast, _("_Open"));
      adw_toast_set_action_name (toast, "win.open-run");
      adw_toast_set_action_target (toast, "s", last);
    }
  tb_window_show_toast (self, toast, TRUE);
  tb_window_refresh_results (self);
}

static void
judge_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TbWindow) self = user_data;
  TbRunner *runner = TB_RUNNER (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRun) run = tb_runner_finish (runner, result, &error);
  TbJudgment *judgment;

  if (self->disposed)
    return;

  set_busy (self, FALSE);
  if (run == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      finish_judging (self, TRUE);
      return;
    }
  if (run != NULL && tb_runner_was_cancelled (runner))
    {
      finish_judging (self, TRUE);
      return;
    }

  self->judge_done++;
  judgment = tb_runner_get_judgment (runner);
  if (run == NULL)
    {
      self->judge_failed++;
      if (self->judge_error == NULL)
        self->judge_error = g_strdup (error->message);
    }
  else
    {
      g_free (self->judge_last_run);
      self->judge_last_run = g_strdup (run->id);
      if (judgment != NULL)
        {
          tb_judgment_settle_cost (judgment);
          if (tb_cost_is_known (&judgment->cost))
            self->judge_usd += judgment->cost.usd;
          g_free (self->judge_best);
          self->judge_best = g_strdup (judgment->best_overall);
        }
    }

  if (self->judge_queue != NULL && !g_queue_is_empty (self->judge_queue))
    judge_next (self);
  else
    finish_judging (self, FALSE);
}

static void
judge_progress_cb (TbWindow *self)
{
  update_judging_bar (self);
}

static gboolean
start_judging (TbWindow   *self,
               const char *run_id)
{
  g_autofree char *setting = judge_setting (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRun) run = NULL;
  g_auto(GStrv) judges = NULL;
  TbRunner *runner;

  run = tb_store_load_run (self->store, run_id, &error);
  if (run == NULL)
    {
      self->judge_done++;
      self->judge_failed++;
      if (self->judge_error == NULL)
        self->judge_error = g_strdup (error->message);
      return FALSE;
    }
  /* The judges of the use case as the run was made (its snapshot), never those of the use
   * case open in the editor: the same rule as the CLI's `judge`. */
  judges = tb_rejudge_judges_for (self->simulated ? NULL : setting, run, self->simulated, NULL);

  runner = new_runner (self);
  tb_runner_set_judges (runner, (const char * const *) judges);
  g_signal_connect_object (runner, "notify::finished", G_CALLBACK (judge_progress_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (runner, "notify::total", G_CALLBACK (judge_progress_cb), self,
                           G_CONNECT_SWAPPED);
  set_busy (self, TRUE);
  update_judging_bar (self);
  tb_runner_judge_async (runner, run_id, self->run_cancellable, judge_done_cb,
                         g_object_ref (self));
  return TRUE;
}

static void
judge_next (TbWindow *self)
{
  /* A run that cannot be loaded counts as failed; the next one goes on. */
  while (self->judge_queue != NULL && !g_queue_is_empty (self->judge_queue))
    {
      g_autofree char *run_id = g_queue_pop_head (self->judge_queue);

      if (start_judging (self, run_id))
        return;
    }
  finish_judging (self, FALSE);
}

static void
begin_judging (TbWindow           *self,
               const char * const *run_ids)
{
  if (self->judge_queue == NULL)
    self->judge_queue = g_queue_new ();
  g_queue_clear_full (self->judge_queue, g_free);
  for (guint i = 0; run_ids[i] != NULL; i++)
    g_queue_push_tail (self->judge_queue, g_strdup (run_ids[i]));
  self->judging = TRUE;
  self->judge_total = g_strv_length ((GStrv) run_ids);
  self->judge_done = 0;
  self->judge_failed = 0;
  self->judge_usd = 0;
  g_clear_pointer (&self->judge_error, g_free);
  g_clear_pointer (&self->judge_best, g_free);
  g_clear_pointer (&self->judge_last_run, g_free);
  if (!check_api_key (self))
    {
      self->judging = FALSE;
      return;
    }
  judge_next (self);
}

static void
judge_confirm_response_cb (AdwMessageDialog *dialog,
                           const char       *response,
                           TbWindow         *self)
{
  GStrv runs = g_object_get_data (G_OBJECT (dialog), "runs");

  if (g_strcmp0 (response, "judge") == 0 && !self->busy)
    begin_judging (self, (const char * const *) runs);
}

/* What judging will cost, asked before the first call: runs, calls, judges, dollars. */
static void
judging_forecast_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(TbWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbJudgingForecast) forecast = tb_forecast_judging_finish (result, &error);
  AdwMessageDialog *dialog;
  g_autofree char *usd = NULL;
  g_autofree char *judges = NULL;
  g_autofree char *calls = NULL;
  GString *body;
  guint n;

  if (self->disposed)
    return;
  set_busy (self, FALSE);
  if (forecast == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tb_window_toast (self, error->message);
      return;
    }
  n = g_strv_length (forecast->runs);
  if (n == 0)
    {
      tb_window_toast (self, forecast->skipped != NULL ? forecast->skipped
                                                       : _("No finished runs to judge"));
      return;
    }

  usd = tb_format_usd (forecast->total_usd);
  judges = g_strjoinv (", ", forecast->judges);
  calls = g_strdup_printf (ngettext ("%u judge call", "%u judge calls", forecast->calls),
                           forecast->calls);
  body = g_string_new (NULL);
  if (n > 1)
    g_string_append_printf (body, ngettext ("%u run of this use case: ",
                                            "%u runs of this use case: ", n), n);
  /* Translators: "12 judge calls by judge/a, judge/b, for about $0.0120." */
  g_string_append_printf (body, _("%s by %s, for about %s."), calls, judges, usd);
  if (forecast->unknown != NULL && forecast->unknown[0] != NULL)
    {
      g_autofree char *names = g_strjoinv (", ", forecast->unknown);

      g_string_append_c (body, ' ');
      g_string_append_printf (body, _("The catalog has no price for %s: the forecast leaves "
                                      "it out."), names);
    }
  if (forecast->skipped != NULL)
    {
      g_string_append_c (body, ' ');
      g_string_append_printf (body, _("Left out: %s"), forecast->skipped);
    }

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), NULL, body->str));
  g_string_free (body, TRUE);
  if (n > 1)
    adw_message_dialog_format_heading (dialog, ngettext ("Judge %u Run?", "Judge %u Runs?", n),
                                       n);
  else
    adw_message_dialog_set_heading (dialog, _("Judge This Run?"));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "judge", _("_Judge"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "judge", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "judge");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "runs", g_strdupv (forecast->runs),
                          (GDestroyNotify) g_strfreev);
  g_signal_connect_object (dialog, "response", G_CALLBACK (judge_confirm_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
ask_to_judge (TbWindow           *self,
              const char * const *run_ids)
{
  g_autofree char *setting = judge_setting (self);

  g_clear_object (&self->run_cancellable);
  self->run_cancellable = g_cancellable_new ();
  /* Busy from now: a second click would ask twice. */
  set_busy (self, TRUE);
  tb_forecast_judging_async (tb_window_get_home (self), run_ids,
                             self->simulated ? NULL : setting,
                             tb_models_view_get_catalog (self->models_view),
                             self->run_cancellable, judging_forecast_cb, g_object_ref (self));
}

static void
judge_run_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  const char *ids[] = { g_variant_get_string (parameter, NULL), NULL };

  if (!self->busy)
    ask_to_judge (self, ids);
}

/* The runs "judge all" takes, by the core's rule (tb_run_summary_is_judgeable, as the CLI's
 * `judge --all`), read from the index in a thread; the oldest first, as they were made. */
static void
judgeable_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  TbIndex *index = g_object_get_data (G_OBJECT (task), "index");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = tb_index_list_runs (index, task_data, &error);
  GPtrArray *ids;

  if (runs == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = runs->len; i > 0; i--)
    {
      TbRunSummary *summary = g_ptr_array_index (runs, i - 1);

      if (tb_run_summary_is_judgeable (summary))
        g_ptr_array_add (ids, g_strdup (summary->id));
    }
  g_ptr_array_add (ids, NULL);
  g_task_return_pointer (task, ids, (GDestroyNotify) g_ptr_array_unref);
}

static void
judgeable_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TbWindow *self = TB_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = g_task_propagate_pointer (G_TASK (result), &error);

  if (self->disposed)
    return;
  set_busy (self, FALSE);
  if (ids == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tb_window_toast (self, error->message);
      return;
    }
  if (ids->len <= 1)
    {
      tb_window_toast (self, _("No finished runs to judge"));
      return;
    }
  ask_to_judge (self, (const char * const *) ids->pdata);
}

static void
judge_all_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  const char *id = tb_usecase_editor_get_id (self->editor);
  g_autoptr(GTask) task = NULL;

  if (self->busy || id == NULL)
    return;

  g_clear_object (&self->run_cancellable);
  self->run_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->run_cancellable, judgeable_cb, NULL);
  g_task_set_source_tag (task, judge_all_action);
  g_task_set_task_data (task, g_strdup (id), g_free);
  g_object_set_data_full (G_OBJECT (task), "index", g_object_ref (self->index), g_object_unref);
  /* Busy from now: a second click would list the runs twice. */
  set_busy (self, TRUE);
  g_task_run_in_thread (task, judgeable_thread);
}

static void
resume_run_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  TbRunner *runner;

  if (self->busy || !check_api_key (self))
    return;

  runner = new_runner (self);
  show_monitor (self);
  set_busy (self, TRUE);
  tb_runner_resume_async (runner, g_variant_get_string (parameter, NULL), self->run_cancellable,
                          run_done_cb, g_object_ref (self));
}

/* Deleting runs: each folder removed in a thread (a run's folder can hold thousands of
 * files), then the window forgets what it showed of them. */
typedef struct {
  TbStore *store;
  GStrv    ids;
  guint    deleted;   /* ids[0..deleted) are gone */
} DeleteRuns;

static void
delete_runs_free (DeleteRuns *data)
{
  g_clear_object (&data->store);
  g_strfreev (data->ids);
  g_free (data);
}

static void
delete_runs_thread (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  DeleteRuns *data = task_data;

  for (; data->ids[data->deleted] != NULL; data->deleted++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TbRun) run = tb_store_load_run (data->store, data->ids[data->deleted], &error);

      if (run == NULL || !tb_store_delete_run (data->store, run, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void
forget_run (TbWindow   *self,
            const char *run_id)
{
  if (g_strcmp0 (tb_run_page_get_run_id (TB_RUN_PAGE (self->run_page)), run_id) == 0)
    {
      tb_run_page_set_run (TB_RUN_PAGE (self->run_page), self->store, NULL);
      gtk_stack_set_visible_child_name (self->runs_stack, "list");
    }
  /* The Run page's live rows were of this run: they go with it. */
  if (self->runner != NULL && tb_runner_get_run (self->runner) != NULL
      && g_strcmp0 (tb_runner_get_run (self->runner)->id, run_id) == 0)
    {
      tb_run_monitor_set_runner (TB_RUN_MONITOR (self->run_monitor), NULL);
      g_clear_object (&self->runner);
    }
  if (g_strcmp0 (self->last_run_id, run_id) == 0)
    g_clear_pointer (&self->last_run_id, g_free);
}

static void
delete_runs_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  TbWindow *self = TB_WINDOW (source);
  DeleteRuns *data = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  for (guint i = 0; i < data->deleted; i++)
    forget_run (self, data->ids[i]);
  if (data->deleted > 0)
    tb_window_refresh_results (self);
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not delete the run: %s"),
                                                  error->message);
      tb_window_toast (self, message);
    }
  else if (data->deleted == 1)
    tb_window_toast (self, _("Run deleted"));
  else
    {
      g_autofree char *message = g_strdup_printf (ngettext ("%u run deleted",
                                                            "%u runs deleted", data->deleted),
                                                  data->deleted);
      tb_window_toast (self, message);
    }
}

static void
delete_run_response_cb (AdwMessageDialog *dialog,
                        const char       *response,
                        TbWindow         *self)
{
  g_autoptr(GTask) task = NULL;
  DeleteRuns *data;

  if (g_strcmp0 (response, "delete") != 0)
    return;

  /* the runs are going: there is nothing left to select */
  tb_runs_view_set_selection_mode (TB_RUNS_VIEW (self->runs_view), FALSE);
  data = g_new0 (DeleteRuns, 1);
  data->store = g_object_ref (self->store);
  data->ids = g_strdupv (g_object_get_data (G_OBJECT (dialog), "run-ids"));
  task = g_task_new (self, NULL, delete_runs_cb, NULL);
  g_task_set_source_tag (task, delete_run_response_cb);
  g_task_set_task_data (task, data, (GDestroyNotify) delete_runs_free);
  g_task_run_in_thread (task, delete_runs_thread);
}

/* Asks before deleting `run_ids` (one or several). */
static void
confirm_delete_runs (TbWindow           *self,
                     const char * const *run_ids)
{
  guint n = g_strv_length ((GStrv) run_ids);
  AdwMessageDialog *dialog;

  if (n == 0)
    return;
  if (n == 1)
    {
      dialog = new_delete_dialog (self, _("Delete Run?"), NULL,
                                  G_CALLBACK (delete_run_response_cb));
      adw_message_dialog_format_body (dialog,
                                      _("The run %s, its outputs and judgments will be "
                                        "deleted. Its cost stays spent but leaves the totals."),
                                      run_ids[0]);
    }
  else
    {
      dialog = new_delete_dialog (self, NULL, NULL, G_CALLBACK (delete_run_response_cb));
      adw_message_dialog_format_heading (dialog, ngettext ("Delete %u Run?", "Delete %u Runs?",
                                                           n), n);
      adw_message_dialog_format_body (dialog,
                                      ngettext ("%u run, its outputs and judgments will be "
                                                "deleted. Its cost stays spent but leaves the "
                                                "totals.",
                                                "%u runs, their outputs and judgments will be "
                                                "deleted. Their cost stays spent but leaves the "
                                                "totals.", n), n);
    }
  g_object_set_data_full (G_OBJECT (dialog), "run-ids", g_strdupv ((GStrv) run_ids),
                          (GDestroyNotify) g_strfreev);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
delete_run_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  const char *run_ids[] = { g_variant_get_string (parameter, NULL), NULL };

  confirm_delete_runs (TB_WINDOW (widget), run_ids);
}

static void
delete_runs_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  g_autofree const char **run_ids = g_variant_get_strv (parameter, NULL);

  confirm_delete_runs (TB_WINDOW (widget), run_ids);
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);

  adw_view_stack_set_visible_child_name (self->view_stack,
                                         g_variant_get_string (parameter, NULL));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  tb_window_refresh_results (TB_WINDOW (widget));
}

static void
open_run_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  const char *run_id = g_variant_get_string (parameter, NULL);

  tb_run_page_set_run (TB_RUN_PAGE (self->run_page), self->store, run_id);
  adw_view_stack_set_visible_child_name (self->view_stack, "runs");
  gtk_stack_set_visible_child_name (self->runs_stack, "run");
}

void
tb_window_class_install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.new-usecase", NULL, new_usecase_action);
  gtk_widget_class_install_action (widget_class, "win.duplicate-usecase", NULL,
                                   duplicate_usecase_action);
  gtk_widget_class_install_action (widget_class, "win.delete-usecase", NULL,
                                   delete_usecase_action);
  gtk_widget_class_install_action (widget_class, "win.save-usecase", NULL, save_usecase_action);
  gtk_widget_class_install_action (widget_class, "win.open-input", NULL, open_input_action);
  gtk_widget_class_install_action (widget_class, "win.open-input-folder", NULL,
                                   open_input_folder_action);
  gtk_widget_class_install_action (widget_class, "win.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "win.cancel-run", NULL, cancel_run_action);
  gtk_widget_class_install_action (widget_class, "win.judge-run", "s", judge_run_action);
  gtk_widget_class_install_action (widget_class, "win.judge-all", NULL, judge_all_action);
  gtk_widget_class_install_action (widget_class, "win.resume-run", "s", resume_run_action);
  gtk_widget_class_install_action (widget_class, "win.delete-run", "s", delete_run_action);
  gtk_widget_class_install_action (widget_class, "win.delete-runs", "as", delete_runs_action);
  gtk_widget_class_install_action (widget_class, "win.open-run", "s", open_run_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  /* "summary", "usecase", "run", "runs", "costs" */
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.new-usecase", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "win.save-usecase", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open-input", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "win.run", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "win.run", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh", NULL);
}
