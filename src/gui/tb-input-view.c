/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-input-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tb-input-view.h"
#include "tb-testset.h"
#include "tb-util.h"

/* One input of the list: the input as read, and its estimated tokens. -------------------- */

#define TB_TYPE_INPUT_ITEM (tb_input_item_get_type ())
G_DECLARE_FINAL_TYPE (TbInputItem, tb_input_item, TB, INPUT_ITEM, GObject)

struct _TbInputItem
{
  GObject      parent_instance;

  TbTestInput *input;
  gint64       tokens;
};

G_DEFINE_FINAL_TYPE (TbInputItem, tb_input_item, G_TYPE_OBJECT)

static void
tb_input_item_finalize (GObject *object)
{
  g_clear_pointer (&TB_INPUT_ITEM (object)->input, tb_test_input_free);
  G_OBJECT_CLASS (tb_input_item_parent_class)->finalize (object);
}

static void
tb_input_item_class_init (TbInputItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tb_input_item_finalize;
}

static void
tb_input_item_init (TbInputItem *self)
{
}

/* Takes `input`. */
static TbInputItem *
tb_input_item_new (TbTestInput *input)
{
  TbInputItem *self = g_object_new (TB_TYPE_INPUT_ITEM, NULL);

  self->input = input;
  self->tokens = tb_estimate_tokens (input->text, input->length);
  return self;
}

static TbTestInput *
copy_input (const TbTestInput *input)
{
  TbTestInput *copy = tb_test_input_new (input->key, input->name, input->text, input->length);

  copy->path = g_strdup (input->path);
  if (input->reference != NULL)
    tb_test_input_set_reference (copy, input->reference_name, input->reference,
                                 input->reference_length);
  return copy;
}

/* The view -------------------------------------------------------------------------------- */

struct _TbInputView
{
  AdwBin         parent_instance;

  GListStore    *inputs;         /* TbInputItem */
  TbUsecase     *usecase;        /* nullable */
  GCancellable  *cancellable;    /* of the read under way */
  char          *error;
  guint          reads;          /* reads under way */

  GtkWidget     *drop_zone;
  GtkRevealer   *error_revealer;
  GtkLabel      *error_label;
  GtkStack      *stack;
  GtkListBox    *list;
  GtkLabel      *summary_label;
  GtkSpinner    *spinner;
  GtkSpinButton *repeat_spin;
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

static TbInputItem *
item_at (TbInputView *self,
         guint        position)
{
  TbInputItem *item = g_list_model_get_item (G_LIST_MODEL (self->inputs), position);

  /* the store keeps it alive */
  if (item != NULL)
    g_object_unref (item);
  return item;
}

guint
tb_input_view_get_n_inputs (TbInputView *self)
{
  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->inputs));
}

gboolean
tb_input_view_has_input (TbInputView *self)
{
  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), FALSE);
  return tb_input_view_get_n_inputs (self) > 0;
}

const char *
tb_input_view_get_name (TbInputView *self,
                        guint        position)
{
  TbInputItem *item;

  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), NULL);
  item = item_at (self, position);
  return item != NULL ? item->input->name : NULL;
}

GPtrArray *
tb_input_view_dup_inputs (TbInputView *self)
{
  GPtrArray *inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_test_input_free);
  guint n;

  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), inputs);

  n = tb_input_view_get_n_inputs (self);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (inputs, copy_input (item_at (self, i)->input));
  return inputs;
}

gint64
tb_input_view_get_tokens (TbInputView *self)
{
  gint64 most = 0;
  guint n;

  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), 0);

  n = tb_input_view_get_n_inputs (self);
  for (guint i = 0; i < n; i++)
    most = MAX (most, item_at (self, i)->tokens);
  return most;
}

guint
tb_input_view_get_repeat (TbInputView *self)
{
  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), 1);
  return (guint) gtk_spin_button_get_value_as_int (self->repeat_spin);
}

void
tb_input_view_set_repeat (TbInputView *self,
                          guint        repeat)
{
  g_return_if_fail (TB_IS_INPUT_VIEW (self));
  gtk_spin_button_set_value (self->repeat_spin, CLAMP (repeat, 1, 100));
}

const char *
tb_input_view_get_error (TbInputView *self)
{
  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), NULL);
  return self->error;
}

gboolean
tb_input_view_is_loading (TbInputView *self)
{
  g_return_val_if_fail (TB_IS_INPUT_VIEW (self), FALSE);
  return self->reads > 0;
}

static void
show_error (TbInputView *self,
            const char  *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static void
update (TbInputView *self)
{
  guint n = tb_input_view_get_n_inputs (self);
  gboolean has_own = self->usecase != NULL && self->usecase->inputs->len > 0;
  gsize bytes = 0;
  gint64 tokens = 0;
  guint references = 0;

  for (guint i = 0; i < n; i++)
    {
      TbInputItem *item = item_at (self, i);

      bytes += item->input->length;
      tokens += item->tokens;
      references += item->input->reference != NULL;
    }
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
  gtk_widget_set_visible (GTK_WIDGET (self->summary_label), n > 1);
  if (n > 1)
    {
      g_autofree char *size = g_format_size (bytes);
      g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, tokens);
      g_autofree char *text = NULL;

      /* Translators: "3 inputs · 12.3 kB · about 3100 tokens in all" */
      text = g_strdup_printf (_("%u inputs · %s · about %s tokens in all"), n, size, count);
      if (references > 0)
        {
          g_autofree char *with = g_strdup_printf (ngettext ("%u with a reference",
                                                             "%u with a reference",
                                                             references), references);
          char *joined = g_strdup_printf ("%s · %s", text, with);

          g_free (text);
          text = joined;
        }
      gtk_label_set_text (self->summary_label, text);
    }
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inputs.clear", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "inputs.use-usecase", has_own);
}

static void
changed (TbInputView *self)
{
  update (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
set_loading (TbInputView *self,
             gboolean     loading)
{
  if (loading)
    self->reads++;
  else if (self->reads > 0)
    self->reads--;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), self->reads > 0);
  gtk_spinner_set_spinning (self->spinner, self->reads > 0);
}

/* The rows -------------------------------------------------------------------------------- */

static void
remove_clicked_cb (GtkButton   *button,
                   TbInputView *self)
{
  TbInputItem *item = g_object_get_data (G_OBJECT (button), "item");
  guint position;

  if (item != NULL && g_list_store_find (self->inputs, item, &position))
    tb_input_view_remove (self, position);
}

static GtkWidget *
create_row (gpointer item_ptr,
            gpointer user_data)
{
  TbInputView *self = user_data;
  TbInputItem *item = item_ptr;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (item->input->reference != NULL
                                                  ? "emblem-documents-symbolic"
                                                  : "text-x-generic-symbolic");
  GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");
  g_autofree char *size = g_format_size (item->input->length);
  g_autofree char *tokens = g_strdup_printf ("%" G_GINT64_FORMAT, item->tokens);
  GString *subtitle = g_string_new (NULL);
  g_autofree char *text = NULL;

  /* TRANSLATORS: "12.3 kB · about 3100 tokens" */
  g_string_append_printf (subtitle, ngettext ("%s · about %s token", "%s · about %s tokens",
                                              (gulong) MAX (item->tokens, 0)),
                          size, tokens);
  if (item->input->reference_name != NULL)
    {
      g_string_append (subtitle, " · ");
      /* Translators: the reference output that comes with an input */
      g_string_append_printf (subtitle, _("reference %s"), item->input->reference_name);
    }
  text = g_string_free (subtitle, FALSE);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), item->input->name);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), text);
  gtk_widget_set_tooltip_text (row, item->input->path != NULL ? item->input->path
                                                               : item->input->name);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Remove This Input"));
  g_object_set_data (G_OBJECT (remove), "item", item);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  return row;
}

/* Reading, in a thread -------------------------------------------------------------------- */

typedef struct {
  GStrv      paths;        /* files and folders dropped or chosen */
  TbUsecase *usecase;      /* or the use case's own test set */
  GPtrArray *inputs;       /* the result: TbTestInput* */
} Read;

static void
read_free (Read *read)
{
  g_strfreev (read->paths);
  g_clear_pointer (&read->usecase, tb_usecase_unref);
  g_clear_pointer (&read->inputs, g_ptr_array_unref);
  g_free (read);
}

/* The core's rules for a test set: every file read and checked before anything is taken. */
static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Read *read = task_data;
  g_autoptr(GError) error = NULL;

  if (read->usecase != NULL)
    read->inputs = tb_test_set_from_usecase (read->usecase, &error);
  else
    read->inputs = tb_test_set_from_paths ((const char * const *) read->paths, NULL, &error);
  if (read->inputs == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
take_inputs (TbInputView *self,
             GPtrArray   *inputs,
             gboolean     replace)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = tb_input_view_get_n_inputs (self);

  /* Keys stay unique across the set (the run names files by them): the inputs already
   * there keep theirs, a newcomer of the same name becomes "notes-2". */
  for (guint i = 0; !replace && i < n; i++)
    g_ptr_array_add (all, item_at (self, i)->input);
  for (guint i = 0; i < inputs->len; i++)
    {
      TbTestInput *input = g_ptr_array_index (inputs, i);
      gboolean known = FALSE;

      /* the same file twice is one input */
      for (guint j = 0; !replace && input->path != NULL && j < n; j++)
        known |= g_strcmp0 (item_at (self, j)->input->path, input->path) == 0;
      if (!known)
        g_ptr_array_add (all, input);
    }
  tb_test_inputs_make_keys_unique (all);

  for (guint i = replace ? 0 : n; i < all->len; i++)
    g_ptr_array_add (items, tb_input_item_new (copy_input (g_ptr_array_index (all, i))));
  g_list_store_splice (self->inputs, replace ? 0 : n, replace ? n : 0, items->pdata, items->len);
  changed (self);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  TbInputView *self = TB_INPUT_VIEW (source);
  Read *read = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_loading (self, FALSE);
      if (read->usecase != NULL)
        message = g_strdup_printf (_("The use case’s own inputs could not be read: %s"),
                                   error->message);
      else
        message = g_strdup_printf (_("Not added: %s"), error->message);
      show_error (self, message);
      g_signal_emit (self, signals[FAILED], 0, message);
      return;
    }
  set_loading (self, FALSE);
  show_error (self, NULL);
  take_inputs (self, read->inputs, read->usecase != NULL);
}

static void
start_read (TbInputView *self,
            Read        *read)
{
  g_autoptr(GTask) task = NULL;

  /* A use case's set replaces whatever is being read; added files queue up beside. */
  if (read->usecase != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      self->reads = 0;
    }
  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, read_cb, NULL);
  g_task_set_source_tag (task, start_read);
  g_task_set_task_data (task, read, (GDestroyNotify) read_free);
  set_loading (self, TRUE);
  g_task_run_in_thread (task, read_thread);
}

void
tb_input_view_add_files (TbInputView *self,
                         GListModel  *files)
{
  g_autoptr(GStrvBuilder) paths = g_strv_builder_new ();
  g_autoptr(GPtrArray) remote = g_ptr_array_new_with_free_func (g_free);
  guint n;
  Read *read;

  g_return_if_fail (TB_IS_INPUT_VIEW (self));
  g_return_if_fail (G_IS_LIST_MODEL (files));

  n = g_list_model_get_n_items (files);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL)
        g_strv_builder_add (paths, path);
      else
        g_ptr_array_add (remote, g_file_get_uri (file));
    }
  if (remote->len > 0)
    {
      g_autofree char *message =
        g_strdup_printf (_("Not added: %s is not a file on this computer. Save it first, then "
                           "add the copy."), (char *) g_ptr_array_index (remote, 0));

      show_error (self, message);
      g_signal_emit (self, signals[FAILED], 0, message);
      return;
    }
  read = g_new0 (Read, 1);
  read->paths = g_strv_builder_end (paths);
  if (read->paths[0] == NULL)
    {
      read_free (read);
      return;
    }
  start_read (self, read);
}

void
tb_input_view_load_file (TbInputView *self,
                         GFile       *file)
{
  g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);

  g_return_if_fail (TB_IS_INPUT_VIEW (self));
  g_return_if_fail (G_IS_FILE (file));

  g_list_store_append (files, file);
  tb_input_view_add_files (self, G_LIST_MODEL (files));
}

void
tb_input_view_set_usecase (TbInputView *self,
                           TbUsecase   *usecase)
{
  g_return_if_fail (TB_IS_INPUT_VIEW (self));

  g_clear_pointer (&self->usecase, tb_usecase_unref);
  self->usecase = usecase != NULL ? tb_usecase_ref (usecase) : NULL;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->reads = 0;
  set_loading (self, FALSE);
  show_error (self, NULL);
  g_list_store_remove_all (self->inputs);
  tb_input_view_set_repeat (self, usecase != NULL ? MAX (usecase->repeat, 1) : 1);

  if (usecase != NULL && usecase->inputs->len > 0)
    {
      Read *read = g_new0 (Read, 1);

      read->usecase = tb_usecase_ref (usecase);
      start_read (self, read);
    }
  changed (self);
}

void
tb_input_view_remove (TbInputView *self,
                      guint        position)
{
  g_return_if_fail (TB_IS_INPUT_VIEW (self));

  if (position >= tb_input_view_get_n_inputs (self))
    return;
  g_list_store_remove (self->inputs, position);
  show_error (self, NULL);
  changed (self);
}

void
tb_input_view_clear (TbInputView *self)
{
  g_return_if_fail (TB_IS_INPUT_VIEW (self));

  g_list_store_remove_all (self->inputs);
  show_error (self, NULL);
  changed (self);
}

static void
on_repeat_changed (TbInputView *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
use_usecase_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TbInputView *self = TB_INPUT_VIEW (widget);
  g_autoptr(TbUsecase) usecase = self->usecase != NULL ? tb_usecase_ref (self->usecase) : NULL;

  tb_input_view_set_usecase (self, usecase);
}

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  tb_input_view_clear (TB_INPUT_VIEW (widget));
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         TbInputView   *self)
{
  g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);
  GSList *list;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  list = gdk_file_list_get_files (g_value_get_boxed (value));
  if (list == NULL)
    return FALSE;
  /* Every file and folder dropped at once is one addition to the test set. */
  for (GSList *l = list; l != NULL; l = l->next)
    g_list_store_append (files, l->data);
  g_slist_free (list);
  tb_input_view_add_files (self, G_LIST_MODEL (files));
  return TRUE;
}

static void
tb_input_view_dispose (GObject *object)
{
  TbInputView *self = TB_INPUT_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->list != NULL)
    gtk_list_box_bind_model (self->list, NULL, NULL, NULL, NULL);

  G_OBJECT_CLASS (tb_input_view_parent_class)->dispose (object);
}

static void
tb_input_view_finalize (GObject *object)
{
  TbInputView *self = TB_INPUT_VIEW (object);

  g_clear_object (&self->inputs);
  g_clear_pointer (&self->usecase, tb_usecase_unref);
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

  gtk_widget_class_install_action (widget_class, "inputs.use-usecase", NULL,
                                   use_usecase_action);
  gtk_widget_class_install_action (widget_class, "inputs.clear", NULL, clear_action);

  g_type_ensure (ADW_TYPE_SPLIT_BUTTON);
  gtk_widget_class_set_template_from_resource (widget_class,
    "/io/github/taskbench/TaskBench/tb-input-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TbInputView, drop_zone);
  gtk_widget_class_bind_template_child (widget_class, TbInputView, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, TbInputView, error_label);
  gtk_widget_class_bind_template_child (widget_class, TbInputView, stack);
  gtk_widget_class_bind_template_child (widget_class, TbInputView, list);
  gtk_widget_class_bind_template_child (widget_class, TbInputView, summary_label);
  gtk_widget_class_bind_template_child (widget_class, TbInputView, spinner);
  gtk_widget_class_bind_template_child (widget_class, TbInputView, repeat_spin);
  gtk_widget_class_bind_template_callback (widget_class, on_repeat_changed);
}

static void
tb_input_view_init (TbInputView *self)
{
  GtkDropTarget *target;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->inputs = g_list_store_new (TB_TYPE_INPUT_ITEM);
  gtk_list_box_bind_model (self->list, G_LIST_MODEL (self->inputs), create_row, self, NULL);

  target = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  /* The list and its placeholder take drops, and light up while one hovers. */
  gtk_widget_add_controller (self->drop_zone, GTK_EVENT_CONTROLLER (target));
  update (self);
}
