/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-input-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tb-input-view.h"
#include "tb-util.h"

#define PREVIEW_LINES 40

struct _TbInputView
{
  AdwBin        parent_instance;

  GCancellable *cancellable;
  char         *name;
  char         *text;
  gsize         length;
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
  return self->text != NULL;
}

const char *
tb_input_view_get_name (TbInputView *self)
{
  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), NULL);
  return self->name;
}

const char *
tb_input_view_get_text (TbInputView *self,
                        gsize       *length)
{
  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), NULL);
  if (length != NULL)
    *length = self->length;
  return self->text;
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

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->text, g_free);
  self->length = 0;
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
                    const char  *name,
                    char        *contents,
                    gsize        length)
{
  g_autofree char *size = g_format_size (length);
  g_autofree char *preview = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *tokens = NULL;

  g_free (self->name);
  self->name = g_strdup (name);
  g_free (self->text);
  self->text = contents;
  self->length = length;
  self->tokens = tb_estimate_tokens (contents, length);

  tokens = g_strdup_printf ("%" G_GINT64_FORMAT, self->tokens);
  /* TRANSLATORS: "12.3 kB · about 3100 tokens" */
  subtitle = g_strdup_printf (ngettext ("%s · about %s token", "%s · about %s tokens",
                                        (gulong) MAX (self->tokens, 0)),
                              size, tokens);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->file_row), name);
  adw_action_row_set_subtitle (self->file_row, subtitle);

  preview = make_preview (contents, length);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->preview), preview, -1);
  gtk_stack_set_visible_child_name (self->stack, "loaded");
  tb_input_view_show_error (self, NULL);
  g_signal_emit (self, signals[CHANGED], 0);
}

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
  g_autofree char *message = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (file, result, &contents, &length, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf (_("Could not read the file: %s"), error->message);
      tb_input_view_show_error (self, message);
      g_signal_emit (self, signals[FAILED], 0, message);
      return;
    }

  name = g_file_get_basename (file);
  problem = tb_check_text_input (contents, length);
  if (problem != NULL)
    {
      /* TRANSLATORS: "“photo.png” cannot be used as input: it is not UTF-8 text …" */
      message = g_strdup_printf (_("“%s” cannot be used as input: it %s. Choose a text file."),
                                 name, problem);
      tb_input_view_show_error (self, message);
      g_signal_emit (self, signals[FAILED], 0, message);
      return;
    }

  tb_input_view_take (self, name, g_steal_pointer (&contents), length);
}

void
tb_input_view_load_file (TbInputView *self,
                         GFile       *file)
{
  g_return_if_fail (TB_IS_INPUT_VIEW (self));
  g_return_if_fail (G_IS_FILE (file));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
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

  g_free (self->name);
  g_free (self->text);
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
