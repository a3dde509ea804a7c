/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-input-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tb-input-view.h"
#include "tb-testset.h"
#include "tb-util.h"

#define PREVIEW_LINES 40

struct _TbInputView
{
  AdwBin        parent_instance;

  GCancellable *cancellable;
  TbTestInput  *input;
  gint64        tokens;
  char         *error;

  GtkWidget    *drop_zone;
  GtkRevealer  *error_revealer;
  GtkLabel     *error_label;
  GtkStack     *stack;
  AdwActionRow *file_row;
  GtkTextView  *preview;
};

G_DEFINE_FINAL_TYPE (TbInputView, tb_input_view, ADW_TYPE_BIN)

enum {
  CHANGED,
  FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GtkWidget *
tb_input_view_new (void)
{
  return g_object_new (TB_TYPE_INPUT_VIEW, NULL);
}

gboolean
tb_input_view_has_input (TbInputView *self)
{
  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), FALSE);
  return self->input != NULL;
}

const char *
tb_input_view_get_name (TbInputView *self)
{
  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), NULL);
  return self->input != NULL ? self->input->name : NULL;
}

const char *
tb_input_view_get_text (TbInputView *self,
                        gsize       *length)
{
  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), NULL);
  if (length != NULL)
    *length = self->input != NULL ? self->input->length : 0;
  return self->input != NULL ? self->input->text : NULL;
}

TbTestInput *
tb_input_view_dup_input (TbInputView *self)
{
  TbTestInput *copy;

  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), NULL);

  if (self->input == NULL)
    return NULL;
  copy = tb_test_input_new (self->input->key, self->input->name, self->input->text,
                            self->input->length);
  copy->path = g_strdup (self->input->path);
  return copy;
}

gint64
tb_input_view_get_tokens (TbInputView *self)
{
  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), 0);
  return self->tokens;
}

const char *
tb_input_view_get_error (TbInputView *self)
{
  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), NULL);
  return self->error;
}

static void
tb_input_view_show_error (TbInputView *self,
                          const char  *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

void
tb_input_view_clear (TbInputView *self)
{
  g_return_if_fail (TB_IS_INPUT_VIEW (self));

  g_clear_pointer (&self->input, tb_test_input_free);
  self->tokens = 0;
  tb_input_view_show_error (self, NULL);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->preview), "", 0);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  g_signal_emit (self, signals[CHANGED], 0);
}

/* The first lines only: a preview is there to recognise the file, not to read it. */
static char *
make_preview (const char *text,
              gsize       length)
{
  const char *p = text;
  const char *end = text + length;
  guint lines = 0;

  while (p < end && lines < PREVIEW_LINES)
    {
      const char *nl = memchr (p, '\n', end - p);

      lines++;
      p = nl != NULL ? nl + 1 : end;
    }

  if (p < end)
    return g_strdup_printf ("%.*s…", (int) (p - text), text);
  return g_strndup (text, length);
}

static void
tb_input_view_take (TbInputView *self,
                    TbTestInput *input)
{
  g_autofree char *size = g_format_size (input->length);
  g_autofree char *preview = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *tokens = NULL;

  g_clear_pointer (&self->input, tb_test_input_free);
  self->input = input;
  self->tokens = tb_estimate_tokens (input->text, input->length);

  tokens = g_strdup_printf ("%" G_GINT64_FORMAT, self->tokens);
  /* TRANSLATORS: "12.3 kB · about 3100 tokens" */
  subtitle = g_strdup_printf (ngettext ("%s · about %s token", "%s · about %s tokens",
                                        (gulong) MAX (self->tokens, 0)),
                              size, tokens);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->file_row), input->name);
  adw_action_row_set_subtitle (self->file_row, subtitle);

  preview = make_preview (input->text, input->length);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->preview), preview, -1);
  gtk_stack_set_visible_child_name (self->stack, "loaded");
  tb_input_view_show_error (self, NULL);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
refuse (TbInputView *self,
        GError      *error)
{
  g_autofree char *message = g_strdup_printf (_("Could not read the file: %s"), error->message);

  tb_input_view_show_error (self, message);
  g_signal_emit (self, signals[FAILED], 0, message);
}

/* The core's rules for an input (a regular text file of bounded size), off the main loop:
 * an input can be large. */
static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(GError) error = NULL;
  TbTestInput *input = tb_test_input_read (path, &error);

  if (input == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, input, (GDestroyNotify) tb_test_input_free);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  TbInputView *self = TB_INPUT_VIEW (source);
  g_autoptr(GError) error = NULL;
  TbTestInput *input = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (input == NULL)
    refuse (self, error);
  else
    tb_input_view_take (self, input);
}

/* A file without a local path (a remote location) is read by GIO, then checked by the same
 * rule. */
static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GFile *file = G_FILE (source);
  g_autoptr(TbInputView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *name = NULL;
  g_autofree char *problem = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (file, result, &contents, &length, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        refuse (self, error);
      return;
    }

  name = g_file_get_basename (file);
  problem = tb_check_text_input (contents, length);
  if (problem != NULL)
    {
      /* TRANSLATORS: "“photo.png” cannot be used as input: it is not UTF-8 text …" */
      g_autofree char *message = g_strdup_printf (_("“%s” cannot be used as input: it %s. "
                                                    "Choose a text file."), name, problem);

      tb_input_view_show_error (self, message);
      g_signal_emit (self, signals[FAILED], 0, message);
      return;
    }
  tb_input_view_take (self, tb_test_input_new (NULL, name, contents, length));
}

void
tb_input_view_load_file (TbInputView *self,
                         GFile       *file)
{
  g_autofree char *path = NULL;

  g_return_if_fail (TB_IS_INPUT_VIEW (self));
  g_return_if_fail (G_IS_FILE (file));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  path = g_file_get_path (file);
  if (path != NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, self->cancellable, read_cb, NULL);

      g_task_set_source_tag (task, tb_input_view_load_file);
      g_task_set_task_data (task, g_steal_pointer (&path), g_free);
      g_task_run_in_thread (task, read_thread);
      return;
    }
  g_file_load_contents_async (file, self->cancellable, load_cb, g_object_ref (self));
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         TbInputView   *self)
{
  GSList *files;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;

  files = gdk_file_list_get_files (g_value_get_boxed (value));
  if (files == NULL)
    return FALSE;

  /* One input per run: the first file wins. */
  tb_input_view_load_file (self, files->data);
  g_slist_free (files);
  return TRUE;
}

static void
tb_input_view_dispose (GObject *object)
{
  TbInputView *self = TB_INPUT_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (tb_input_view_parent_class)->dispose (object);
}

static void
tb_input_view_finalize (GObject *object)
{
  TbInputView *self = TB_INPUT_VIEW (object);

  g_clear_pointer (&self->input, tb_test_input_free);
  g_free (self->error);

  G_OBJECT_CLASS (tb_input_view_parent_class)->finalize (object);
}

static void
tb_input_view_class_init (TbInputViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_input_view_dispose;
  object_class->finalize = tb_input_view_finalize;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
    "/io/github/taskbench/TaskBench/tb-input-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TbInputView, drop_zone);
  gtk_widget_class_bind_template_child (widget_class, TbInputView, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, TbInputView, error_label);
  gtk_widget_class_bind_template_child (widget_class, TbInputView, stack);
  gtk_widget_class_bind_template_child (widget_class, TbInputView, file_row);
  gtk_widget_class_bind_template_child (widget_class, TbInputView, preview);
}

static void
tb_input_view_init (TbInputView *self)
{
  GtkDropTarget *target;

  gtk_widget_init_template (GTK_WIDGET (self));

  target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (self->drop_zone, GTK_EVENT_CONTROLLER (target));
}
