/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Export…: the run shown on the Runs page as a report (HTML, Markdown, CSV or JSON), rendered
 * by the core (tb-export.h) exactly as `taskbench-cli export` renders it, and written in a
 * thread. */
#define G_LOG_DOMAIN "tb-window"

#include "config.h"

#include <glib/gi18n.h>

#include "tb-export.h"
#include "tb-run-page.h"
#include "tb-window-private.h"

typedef struct {
  TbStore        *store;
  char           *run_id;
  char           *path;
  TbExportFormat  format;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  g_clear_object (&job->store);
  g_free (job->run_id);
  g_free (job->path);
  g_free (job);
}

/* Reads the run from its files (they are the truth, and the page may have let its copy go)
 * and writes the report atomically. */
static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRunData) data = tb_store_load_run_data (job->store, job->run_id, &error);

  if (data == NULL
      || !tb_export_write (data, job->format, tb_verdict_inputs_per_month (data->run),
                           job->path, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  TbWindow *self = TB_WINDOW (source);
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *display = NULL;
  g_autofree char *message = NULL;
  AdwToast *toast;

  self->exports--;
  if (self->disposed)
    return;
  display = g_filename_display_basename (job->path);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* TRANSLATORS: "Could not export “report.html”: Permission denied" */
      message = g_strdup_printf (_("Could not export “%s”: %s"), display, error->message);
      tb_window_toast_now (self, message);
      return;
    }

  /* TRANSLATORS: "Exported “report.html”" */
  message = g_strdup_printf (_("Exported “%s”"), display);
  toast = tb_window_new_toast (self, message);
  adw_toast_set_button_label (toast, _("_Open"));
  adw_toast_set_action_name (toast, "win.open-file");
  adw_toast_set_action_target (toast, "s", job->path);
  tb_window_show_toast (self, toast, TRUE);
}

void
tb_window_export_run (TbWindow       *self,
                      const char     *run_id,
                      const char     *path,
                      TbExportFormat  format)
{
  g_autoptr(GTask) task = NULL;
  ExportJob *job;

  g_return_if_fail (TB_IS_WINDOW (self));
  g_return_if_fail (run_id != NULL);
  g_return_if_fail (path != NULL);
  g_return_if_fail (format < TB_EXPORT_N_FORMATS);

  job = g_new0 (ExportJob, 1);
  job->store = g_object_ref (self->store);
  job->run_id = g_strdup (run_id);
  job->path = g_strdup (path);
  job->format = format;

  task = g_task_new (self, NULL, export_done_cb, NULL);
  g_task_set_source_tag (task, tb_window_export_run);
  g_task_set_task_data (task, job, (GDestroyNotify) export_job_free);
  self->exports++;
  g_task_run_in_thread (task, export_thread);
}

gboolean
tb_window_is_exporting (TbWindow *self)
{
  g_return_val_if_fail (TB_IS_WINDOW (self), FALSE);
  return self->exports > 0;
}

/* The chooser ----------------------------------------------------------------------------- */

static const struct {
  TbExportFormat  format;
  const char     *name;   /* for the chooser's filter */
} filters[] = {
  { TB_EXPORT_HTML, N_("Web Page (HTML)") },
  { TB_EXPORT_MARKDOWN, N_("Markdown") },
  { TB_EXPORT_CSV, N_("Scores as CSV") },
  { TB_EXPORT_JSON, N_("JSON") },
};

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    TbWindow        *self)
{
  const char *run_id = g_object_get_data (G_OBJECT (dialog), "run-id");
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  if (file != NULL)
    path = g_file_get_path (file);
  if (path != NULL)
    {
      GtkFileFilter *filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (dialog));
      TbExportFormat format = TB_EXPORT_HTML;

      /* The name typed decides; without an extension, the filter chosen does and names it. */
      if (!tb_export_format_for_path (path, &format))
        {
          char *with_extension;

          if (filter != NULL)
            format = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (filter), "format"));
          with_extension = g_strconcat (path, ".", tb_export_format_to_string (format), NULL);
          g_free (path);
          path = with_extension;
        }
      tb_window_export_run (self, run_id, path, format);
    }
  else if (file != NULL)
    tb_window_toast (self, _("Reports can only be saved to local files"));
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

void
tb_window_choose_export (TbWindow   *self,
                         const char *run_id)
{
  g_autofree char *name = NULL;
  GtkFileChooserNative *chooser;

  g_return_if_fail (TB_IS_WINDOW (self));
  g_return_if_fail (run_id != NULL);

  chooser = gtk_file_chooser_native_new (_("Export the Run"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                         _("_Cancel"));
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
      g_autofree char *pattern = g_strdup_printf ("*.%s",
                                                  tb_export_format_to_string (filters[i].format));

      gtk_file_filter_set_name (filter, _(filters[i].name));
      gtk_file_filter_add_mime_type (filter, tb_export_format_content_type (filters[i].format));
      gtk_file_filter_add_pattern (filter, pattern);
      g_object_set_data (G_OBJECT (filter), "format", GUINT_TO_POINTER (filters[i].format));
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
    }
  /* "lecture-chapters-20261125T123100Z-ab12.html": the use case and the run, as the CLI
   * names nothing for the user. */
  name = g_strdup_printf ("%s-%s.html", tb_window_get_usecase_id (self) != NULL
                                        ? tb_window_get_usecase_id (self) : "run", run_id);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_object_set_data_full (G_OBJECT (chooser), "run-id", g_strdup (run_id), g_free);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (export_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
export_run_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TbWindow *self = TB_WINDOW (widget);
  const char *run_id = tb_run_page_get_run_id (TB_RUN_PAGE (self->run_page));

  if (run_id != NULL)
    tb_window_choose_export (self, run_id);
}

static void
open_file_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_path (g_variant_get_string (parameter, NULL));
  g_autofree char *uri = g_file_get_uri (file);

  gtk_show_uri (GTK_WINDOW (widget), uri, GDK_CURRENT_TIME);
}

void
tb_window_class_install_export_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.export-run", NULL, export_run_action);
  /* A path, as the toast after an export offers it. */
  gtk_widget_class_install_action (widget_class, "win.open-file", "s", open_file_action);
}
