/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-usecase-editor"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tb-error.h"
#include "tb-line-numbers.h"
#include "tb-usecase-editor.h"
#include "tb-util.h"

#define VALIDATE_DELAY_MS 300

typedef enum {
  PENDING_NONE,
  PENDING_FORM,   /* the form changed: regenerate the YAML from it */
  PENDING_YAML,   /* the YAML changed: re-parse it and refill the form */
} Pending;

struct _TbUsecaseEditor
{
  AdwBin          parent_instance;

  char           *id;
  char           *path;
  char           *display_name;  /* "usecases/ID.yaml": what messages name */
  char           *saved_text;
  TbUsecase      *usecase;
  char           *error;
  gboolean        dirty;
  gboolean        yaml_broken;   /* the YAML itself does not parse: the form cannot follow */
  guint           syncing;       /* > 0 while code (not the user) fills widgets */
  Pending         pending;
  guint           validate_source;

  GtkRevealer    *error_revealer;
  GtkLabel       *error_label;
  GtkStack       *tabs;
  GtkScrolledWindow *form_scroller;
  GtkWidget      *form_box;
  GtkWidget      *schema_box;
  GtkWidget      *error_widget;  /* the field the error is about, marked "error" */
  TbLineNumbers  *line_numbers;
  AdwEntryRow    *name_row;
  GtkTextView    *goal_view;
  AdwEntryRow    *input_description_row;
  GtkTextView    *input_notes_view;
  AdwComboRow    *format_row;
  GtkTextView    *schema_view;
  GtkTextView    *output_notes_view;
  GtkListBox     *criteria_list;
  AdwEntryRow    *judge_model_row;
  GtkTextView    *judge_notes_view;
  AdwEntryRow    *candidates_row;
  AdwComboRow    *cost_row;
  GtkSpinButton  *min_context_spin;
  GtkSwitch      *structured_switch;
  GtkTextView    *yaml_view;
};

G_DEFINE_FINAL_TYPE (TbUsecaseEditor, tb_usecase_editor, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DIRTY,
  PROP_VALID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void form_changed_cb (TbUsecaseEditor *self);

GtkWidget *
tb_usecase_editor_new (void)
{
  return g_object_new (TB_TYPE_USECASE_EDITOR, NULL);
}

const char *
tb_usecase_editor_get_id (TbUsecaseEditor *self)
{
  g_return_val_if_fail (TB_IS_USECASE_EDITOR (self), NULL);
  return self->id;
}

gboolean
tb_usecase_editor_is_dirty (TbUsecaseEditor *self)
{
  g_return_val_if_fail (TB_IS_USECASE_EDITOR (self), FALSE);
  return self->dirty;
}

const char *
tb_usecase_editor_get_error (TbUsecaseEditor *self)
{
  g_return_val_if_fail (TB_IS_USECASE_EDITOR (self), NULL);
  return self->error;
}

static char *
buffer_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
set_buffer_text (GtkTextView *view,
                 const char  *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), text != NULL ? text : "", -1);
}

char *
tb_usecase_editor_dup_text (TbUsecaseEditor *self)
{
  g_return_val_if_fail (TB_IS_USECASE_EDITOR (self), NULL);
  return buffer_text (self->yaml_view);
}

static void
set_dirty (TbUsecaseEditor *self,
           gboolean         dirty)
{
  if (self->dirty == dirty)
    return;
  self->dirty = dirty;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
}

static void
update_dirty (TbUsecaseEditor *self)
{
  g_autofree char *text = NULL;

  if (self->id == NULL)
    {
      set_dirty (self, FALSE);
      return;
    }
  text = buffer_text (self->yaml_view);
  set_dirty (self, g_strcmp0 (text, self->saved_text) != 0);
}

/* The line of a "file:line: message" error about the text being edited; 0 when none. */
static guint
error_line (TbUsecaseEditor *self,
            const char      *error)
{
  g_autofree char *prefix = NULL;

  if (error == NULL || self->display_name == NULL)
    return 0;
  prefix = g_strconcat (self->display_name, ":", NULL);
  if (!g_str_has_prefix (error, prefix) || !g_ascii_isdigit (error[strlen (prefix)]))
    return 0;
  return (guint) g_ascii_strtoull (error + strlen (prefix), NULL, 10);
}

static void
set_result (TbUsecaseEditor *self,
            TbUsecase       *usecase,   /* transfer full, nullable */
            const char      *error,
            guint            line,      /* of the YAML the error is about; 0: none */
            GtkWidget       *field)     /* the form's field the error is about, nullable */
{
  gboolean was_valid = self->usecase != NULL;

  g_clear_pointer (&self->usecase, tb_usecase_unref);
  self->usecase = usecase;
  g_free (self->error);
  self->error = g_strdup (error);
  gtk_label_set_text (self->error_label, error != NULL ? error : "");
  gtk_revealer_set_reveal_child (self->error_revealer, error != NULL);
  if (self->error_widget != NULL)
    gtk_widget_remove_css_class (self->error_widget, "error");
  g_set_weak_pointer (&self->error_widget, field);
  if (field != NULL)
    gtk_widget_add_css_class (field, "error");
  /* A form error's line is in the YAML made from the form: mark it there too. */
  tb_line_numbers_set_error_line (self->line_numbers, line);
  if (was_valid != (usecase != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
}

static char *
entry_text_or_null (AdwEntryRow *row)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (row)));

  g_strstrip (text);
  return *text != '\0' ? g_steal_pointer (&text) : NULL;
}

static char *
view_text_or_null (GtkTextView *view)
{
  g_autofree char *text = buffer_text (view);
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  if (*stripped == '\0')
    return NULL;
  return g_steal_pointer (&text);
}

/* Criterion rows keep their widgets as object data: the rubric is a short form, and the
 * rows are the state being edited. */
static GtkWidget *
criterion_row_new (TbUsecaseEditor   *self,
                   const TbCriterion *criterion)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *line = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_entry_new ();
  GtkWidget *weight = gtk_spin_button_new_with_range (0, 1000, 1);
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  GtkWidget *description = gtk_entry_new ();

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 8);

  gtk_widget_set_hexpand (name, TRUE);
  gtk_entry_set_placeholder_text (GTK_ENTRY (name), _("Criterion"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (name), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Criterion name"), -1);
  gtk_widget_set_tooltip_text (weight, _("Weight (relative)"));
  gtk_widget_set_valign (weight, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, _("Remove Criterion"));
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_entry_set_placeholder_text (GTK_ENTRY (description),
                                  _("What the judge checks for this criterion"));

  if (criterion != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (name), criterion->name ? criterion->name : "");
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (weight), criterion->weight);
      gtk_editable_set_text (GTK_EDITABLE (description),
                             criterion->description ? criterion->description : "");
    }
  else
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (weight), 10);

  gtk_box_append (GTK_BOX (line), name);
  gtk_box_append (GTK_BOX (line), weight);
  gtk_box_append (GTK_BOX (line), remove);
  gtk_box_append (GTK_BOX (box), line);
  gtk_box_append (GTK_BOX (box), description);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);

  g_object_set_data (G_OBJECT (row), "name", name);
  g_object_set_data (G_OBJECT (row), "weight", weight);
  g_object_set_data (G_OBJECT (row), "description", description);
  g_object_set_data (G_OBJECT (remove), "row", row);

  g_signal_connect_object (name, "changed", G_CALLBACK (form_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (weight, "value-changed", G_CALLBACK (form_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (description, "changed", G_CALLBACK (form_changed_cb), self,
                           G_CONNECT_SWAPPED);
  return row;
}

static void
remove_criterion_cb (GtkButton       *button,
                     TbUsecaseEditor *self)
{
  gtk_list_box_remove (self->criteria_list, g_object_get_data (G_OBJECT (button), "row"));
  form_changed_cb (self);
}

static void
append_criterion (TbUsecaseEditor   *self,
                  const TbCriterion *criterion)
{
  GtkWidget *row = criterion_row_new (self, criterion);
  GtkWidget *name = g_object_get_data (G_OBJECT (row), "name");
  GtkWidget *line = gtk_widget_get_parent (name);
  GtkWidget *remove = gtk_widget_get_last_child (line);

  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_criterion_cb), self, 0);
  gtk_list_box_append (self->criteria_list, row);
}

static void
clear_criteria (TbUsecaseEditor *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->criteria_list))) != NULL)
    gtk_list_box_remove (self->criteria_list, child);
}

static void
fill_form (TbUsecaseEditor *self,
           const TbUsecase *uc)
{
  g_autofree char *schema = NULL;
  g_autofree char *candidates = NULL;

  self->syncing++;

  gtk_editable_set_text (GTK_EDITABLE (self->name_row), uc->name ? uc->name : "");
  set_buffer_text (self->goal_view, uc->goal);
  gtk_editable_set_text (GTK_EDITABLE (self->input_description_row),
                         uc->input_description ? uc->input_description : "");
  set_buffer_text (self->input_notes_view, uc->input_notes);
  adw_combo_row_set_selected (self->format_row, uc->output_format);
  if (uc->output_schema != NULL)
    schema = json_to_string (uc->output_schema, TRUE);
  set_buffer_text (self->schema_view, schema);
  set_buffer_text (self->output_notes_view, uc->output_notes);

  clear_criteria (self);
  for (guint i = 0; i < uc->criteria->len; i++)
    append_criterion (self, g_ptr_array_index (uc->criteria, i));

  gtk_editable_set_text (GTK_EDITABLE (self->judge_model_row),
                         uc->judge_model ? uc->judge_model : "");
  set_buffer_text (self->judge_notes_view, uc->judge_notes);
  if (uc->candidates != NULL)
    candidates = g_strjoinv (", ", uc->candidates);
  gtk_editable_set_text (GTK_EDITABLE (self->candidates_row), candidates ? candidates : "");
  adw_combo_row_set_selected (self->cost_row, uc->cost);
  gtk_spin_button_set_value (self->min_context_spin, (double) uc->min_context);
  gtk_switch_set_active (self->structured_switch, uc->structured_output);

  self->syncing--;
}

static GStrv
split_candidates (const char *text)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint n = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        {
          g_strv_builder_add (builder, parts[i]);
          n++;
        }
    }
  return n > 0 ? g_strv_builder_end (builder) : NULL;
}

/* The form holds no rules of its own: it is turned into YAML and the core's parser decides. */
static char *
form_to_yaml (TbUsecaseEditor  *self,
              char            **error_message)
{
  TbUsecase uc = { 0 };
  g_autofree char *name = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  g_autofree char *goal = buffer_text (self->goal_view);
  g_autofree char *input_description = entry_text_or_null (self->input_description_row);
  g_autofree char *input_notes = view_text_or_null (self->input_notes_view);
  g_autofree char *schema_text = view_text_or_null (self->schema_view);
  g_autofree char *output_notes = view_text_or_null (self->output_notes_view);
  g_autofree char *judge_model = entry_text_or_null (self->judge_model_row);
  g_autofree char *judge_notes = view_text_or_null (self->judge_notes_view);
  g_auto(GStrv) candidates =
    split_candidates (gtk_editable_get_text (GTK_EDITABLE (self->candidates_row)));
  g_autoptr(GPtrArray) criteria = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) schema = NULL;
  guint format = adw_combo_row_get_selected (self->format_row);
  guint cost = adw_combo_row_get_selected (self->cost_row);

  if (schema_text != NULL)
    {
      g_autoptr(GError) json_error = NULL;

      schema = json_from_string (schema_text, &json_error);
      if (schema == NULL)
        {
          *error_message = g_strdup_printf (_("JSON schema: %s"), json_error->message);
          return NULL;
        }
    }

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->criteria_list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      TbCriterion *criterion = g_new0 (TbCriterion, 1);
      GtkEditable *cname = g_object_get_data (G_OBJECT (row), "name");
      GtkSpinButton *weight = g_object_get_data (G_OBJECT (row), "weight");
      GtkEditable *description = g_object_get_data (G_OBJECT (row), "description");

      if (cname == NULL)
        {
          g_free (criterion);
          continue;
        }
      /* Borrowed strings: the widgets outlive this function. */
      criterion->name = (char *) gtk_editable_get_text (cname);
      criterion->weight = gtk_spin_button_get_value (weight);
      criterion->description = (char *) gtk_editable_get_text (description);
      if (*criterion->description == '\0')
        criterion->description = NULL;
      g_ptr_array_add (criteria, criterion);
    }

  uc.id = self->id;
  uc.name = g_strstrip (name);
  uc.goal = goal;
  uc.input_description = input_description;
  uc.input_notes = input_notes;
  uc.output_format = format <= TB_FORMAT_TEXT ? format : TB_FORMAT_TEXT;
  uc.output_schema = schema;
  uc.output_notes = output_notes;
  uc.judge_model = judge_model;
  uc.criteria = criteria;
  uc.judge_notes = judge_notes;
  uc.candidates = candidates;
  uc.cost = cost <= TB_COST_HIGH ? cost : TB_COST_BALANCED;
  uc.min_context = (gint64) gtk_spin_button_get_value (self->min_context_spin);
  uc.structured_output = gtk_switch_get_active (self->structured_switch);

  return tb_usecase_to_yaml (&uc);
}

/* Parses the text being edited as the file it will be saved to: relative paths (the test
 * set's inputs) resolve against the file's folder, as for the CLI. */
static TbUsecase *
parse_text (TbUsecaseEditor  *self,
            const char       *text,
            GError          **error)
{
  TbUsecase *usecase = tb_usecase_parse (self->id, text, -1, self->display_name, error);

  if (usecase != NULL && usecase->path == NULL)
    usecase->path = g_strdup (self->path);
  return usecase;
}

/* What a field of the form is called on screen: a row's title, or the label that names a
 * text view. */
static char *
field_label (GtkWidget *field)
{
  g_autoptr(GList) labels = NULL;

  if (ADW_IS_PREFERENCES_ROW (field))
    return g_strdup (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (field)));
  labels = gtk_widget_list_mnemonic_labels (field);
  if (labels != NULL)
    return g_strdup (gtk_label_get_text (labels->data));
  return NULL;
}

/* The form's field behind a key path of the use case file, and its name on screen. */
static GtkWidget *
field_for_path (TbUsecaseEditor  *self,
                const char       *path,
                char            **label)
{
  static const struct { const char *path; gsize offset; } fields[] = {
    { "name", G_STRUCT_OFFSET (TbUsecaseEditor, name_row) },
    { "goal", G_STRUCT_OFFSET (TbUsecaseEditor, goal_view) },
    { "input.description", G_STRUCT_OFFSET (TbUsecaseEditor, input_description_row) },
    { "input.notes", G_STRUCT_OFFSET (TbUsecaseEditor, input_notes_view) },
    { "output.format", G_STRUCT_OFFSET (TbUsecaseEditor, format_row) },
    { "output.schema", G_STRUCT_OFFSET (TbUsecaseEditor, schema_view) },
    { "output.notes", G_STRUCT_OFFSET (TbUsecaseEditor, output_notes_view) },
    { "judge.model", G_STRUCT_OFFSET (TbUsecaseEditor, judge_model_row) },
    { "judge.notes", G_STRUCT_OFFSET (TbUsecaseEditor, judge_notes_view) },
    { "models.candidates", G_STRUCT_OFFSET (TbUsecaseEditor, candidates_row) },
    { "models.preferences.cost", G_STRUCT_OFFSET (TbUsecaseEditor, cost_row) },
  };
  guint index;
  char *end;

  /* judge.criteria[N].name|weight|description: that criterion's entry. */
  if (g_str_has_prefix (path, "judge.criteria[")
      && (index = (guint) g_ascii_strtoull (path + strlen ("judge.criteria["), &end, 10),
          *end == ']'))
    {
      GtkWidget *row = GTK_WIDGET (gtk_list_box_get_row_at_index (self->criteria_list,
                                                                  (int) index));
      const char *part = end[1] == '.' ? end + 2 : "";
      const char *what = g_str_has_prefix (part, "weight") ? "weight"
                         : g_str_has_prefix (part, "description") ? "description" : "name";
      GtkWidget *field = row != NULL ? g_object_get_data (G_OBJECT (row), what) : NULL;
      const char *field_name = g_str_equal (what, "weight") ? _("Weight (relative)")
                               : g_str_equal (what, "description") ? _("Description")
                               : _("Name");

      /* TRANSLATORS: a field of the rubric in an error, e.g. "Criterion 4: Name" */
      *label = g_strdup_printf (_("Criterion %u: %s"), index + 1, field_name);
      return field;
    }
  if (g_str_has_prefix (path, "judge.criteria"))
    {
      *label = g_strdup (_("Judging"));
      return GTK_WIDGET (self->criteria_list);
    }
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (g_str_equal (path, fields[i].path)
        || (g_str_has_prefix (path, fields[i].path)
            && strchr (".[", path[strlen (fields[i].path)]) != NULL))
      {
        GtkWidget *field = G_STRUCT_MEMBER (GtkWidget *, self, fields[i].offset);

        *label = field_label (field);
        return *label != NULL ? field : NULL;
      }
  return NULL;
}

/* The core's message about the YAML made from the form, said in the form's words: without
 * the file and line (the user sees no file), and naming the field, not its key path. */
static char *
form_message (TbUsecaseEditor  *self,
              const char       *message,
              GtkWidget       **field)
{
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *prefix = g_strconcat (self->display_name, ":", NULL);
  const char *text = message;
  GString *out;

  *field = NULL;
  if (g_str_has_prefix (text, prefix))
    {
      text += strlen (prefix);
      while (g_ascii_isdigit (*text))
        text++;
      if (*text == ':')
        text++;
      while (*text == ' ')
        text++;
    }

  /* A key path in the message, inside its quotes (whatever quotes the language uses). */
  regex = g_regex_new ("(?<=['\"\\x{2018}\\x{201A}\\x{201C}\\x{201E}\\x{00AB}\\x{00BB}])"
                       "((?:name|goal|input|output|judge|models|inputs|budget)"
                       "(?:\\.[a-z_]+|\\[[0-9]+\\])*)"
                       "(?=['\"\\x{2019}\\x{201C}\\x{201D}\\x{2018}\\x{00AB}\\x{00BB}])",
                       0, 0, NULL);
  out = g_string_new (NULL);
  if (g_regex_match (regex, text, 0, &match))
    {
      int start, end;
      g_autofree char *path = g_match_info_fetch (match, 1);
      g_autofree char *label = NULL;

      g_match_info_fetch_pos (match, 1, &start, &end);
      *field = field_for_path (self, path, &label);
      if (label != NULL && (*field != NULL || g_str_has_prefix (path, "judge.criteria")))
        {
          g_string_append_len (out, text, start);
          g_string_append (out, label);
          g_string_append (out, text + end);
          return g_string_free (out, FALSE);
        }
    }
  g_string_append (out, text);
  return g_string_free (out, FALSE);
}

static void
validate_form (TbUsecaseEditor *self)
{
  g_autofree char *message = NULL;
  g_autofree char *yaml = form_to_yaml (self, &message);
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) usecase = NULL;

  if (yaml == NULL)
    {
      /* Only the schema box holds text that must parse before the YAML can be made. */
      set_result (self, NULL, message, 0, GTK_WIDGET (self->schema_view));
      update_dirty (self);
      return;
    }

  /* The YAML tab always shows what would be saved. */
  self->syncing++;
  set_buffer_text (self->yaml_view, yaml);
  self->syncing--;

  usecase = parse_text (self, yaml, &error);
  if (error != NULL)
    {
      GtkWidget *field = NULL;
      g_autofree char *said = form_message (self, error->message, &field);

      set_result (self, NULL, said, error_line (self, error->message), field);
    }
  else
    set_result (self, g_steal_pointer (&usecase), NULL, 0, NULL);
  update_dirty (self);
}

static void
validate_yaml (TbUsecaseEditor *self)
{
  g_autofree char *text = buffer_text (self->yaml_view);
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) usecase = parse_text (self, text, &error);

  self->yaml_broken = usecase == NULL;
  /* A form filled from text that does not parse would overwrite it with stale values. */
  gtk_widget_set_sensitive (self->form_box, !self->yaml_broken);
  if (usecase != NULL)
    fill_form (self, usecase);
  set_result (self, g_steal_pointer (&usecase), error != NULL ? error->message : NULL,
              error != NULL ? error_line (self, error->message) : 0, NULL);
}

void
tb_usecase_editor_validate_now (TbUsecaseEditor *self)
{
  Pending pending;

  g_return_if_fail (TB_IS_USECASE_EDITOR (self));

  g_clear_handle_id (&self->validate_source, g_source_remove);
  pending = self->pending;
  self->pending = PENDING_NONE;
  if (pending == PENDING_FORM)
    validate_form (self);
  else if (pending == PENDING_YAML)
    validate_yaml (self);
}

gboolean
tb_usecase_editor_is_valid (TbUsecaseEditor *self)
{
  g_return_val_if_fail (TB_IS_USECASE_EDITOR (self), FALSE);
  return self->usecase != NULL && self->pending == PENDING_NONE;
}

TbUsecase *
tb_usecase_editor_get_usecase (TbUsecaseEditor *self)
{
  g_return_val_if_fail (TB_IS_USECASE_EDITOR (self), NULL);
  return self->usecase;
}

static gboolean
validate_timeout_cb (gpointer user_data)
{
  TbUsecaseEditor *self = user_data;

  self->validate_source = 0;
  tb_usecase_editor_validate_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_validation (TbUsecaseEditor *self,
                     Pending          what)
{
  self->pending = what;
  g_clear_handle_id (&self->validate_source, g_source_remove);
  self->validate_source = g_timeout_add (VALIDATE_DELAY_MS, validate_timeout_cb, self);
}

static void
form_changed_cb (TbUsecaseEditor *self)
{
  if (self->syncing > 0 || self->id == NULL)
    return;
  set_dirty (self, TRUE);
  schedule_validation (self, PENDING_FORM);
}

static void
yaml_changed_cb (TbUsecaseEditor *self)
{
  if (self->syncing > 0 || self->id == NULL)
    return;
  update_dirty (self);
  schedule_validation (self, PENDING_YAML);
}

static void
tab_changed_cb (TbUsecaseEditor *self)
{
  /* Each tab shows the other's latest edit. */
  tb_usecase_editor_validate_now (self);
}

static void
add_criterion_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TbUsecaseEditor *self = TB_USECASE_EDITOR (widget);
  GtkWidget *row;

  append_criterion (self, NULL);
  row = gtk_widget_get_last_child (GTK_WIDGET (self->criteria_list));
  gtk_widget_grab_focus (g_object_get_data (G_OBJECT (row), "name"));
  form_changed_cb (self);
}

void
tb_usecase_editor_clear (TbUsecaseEditor *self)
{
  g_return_if_fail (TB_IS_USECASE_EDITOR (self));

  g_clear_handle_id (&self->validate_source, g_source_remove);
  self->pending = PENDING_NONE;
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->saved_text, g_free);
  self->syncing++;
  set_buffer_text (self->yaml_view, "");
  self->syncing--;
  set_result (self, NULL, NULL, 0, NULL);
  set_dirty (self, FALSE);
}

gboolean
tb_usecase_editor_load (TbUsecaseEditor  *self,
                        const char       *id,
                        const char       *path,
                        GError          **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (TB_IS_USECASE_EDITOR (self), FALSE);
  g_return_val_if_fail (id != NULL && path != NULL, FALSE);

  /* A use case file is a few kilobytes: reading it here is quicker than a round trip. */
  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;

  tb_usecase_editor_clear (self);
  self->id = g_strdup (id);
  self->path = g_strdup (path);
  self->display_name = g_strdup_printf ("usecases/%s.yaml", id);
  self->saved_text = g_strdup (text);

  self->syncing++;
  set_buffer_text (self->yaml_view, text);
  self->syncing--;
  validate_yaml (self);

  if (self->yaml_broken)
    gtk_stack_set_visible_child_name (self->tabs, "yaml");
  /* A use case opens at its top, whatever the one before was scrolled to. */
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->form_scroller), 0);
  set_dirty (self, FALSE);
  return TRUE;
}

gboolean
tb_usecase_editor_save (TbUsecaseEditor  *self,
                        GError          **error)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (TB_IS_USECASE_EDITOR (self), FALSE);

  if (self->id == NULL)
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID, _("No use case is open"));
      return FALSE;
    }

  tb_usecase_editor_validate_now (self);
  if (self->usecase == NULL)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Not saved: %s"),
                   self->error != NULL ? self->error : _("the use case is not valid"));
      return FALSE;
    }

  text = buffer_text (self->yaml_view);
  if (!tb_write_file_atomic (self->path, text, -1, error))
    return FALSE;

  g_free (self->saved_text);
  self->saved_text = g_steal_pointer (&text);
  set_dirty (self, FALSE);
  return TRUE;
}

static void
tb_usecase_editor_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  TbUsecaseEditor *self = TB_USECASE_EDITOR (object);

  switch (prop_id)
    {
    case PROP_DIRTY:
      g_value_set_boolean (value, self->dirty);
      break;
    case PROP_VALID:
      g_value_set_boolean (value, self->usecase != NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_usecase_editor_dispose (GObject *object)
{
  TbUsecaseEditor *self = TB_USECASE_EDITOR (object);

  g_clear_handle_id (&self->validate_source, g_source_remove);
  g_clear_pointer (&self->usecase, tb_usecase_unref);
  g_clear_weak_pointer (&self->error_widget);

  G_OBJECT_CLASS (tb_usecase_editor_parent_class)->dispose (object);
}

static void
tb_usecase_editor_finalize (GObject *object)
{
  TbUsecaseEditor *self = TB_USECASE_EDITOR (object);

  g_free (self->id);
  g_free (self->path);
  g_free (self->display_name);
  g_free (self->saved_text);
  g_free (self->error);

  G_OBJECT_CLASS (tb_usecase_editor_parent_class)->finalize (object);
}

static void
tb_usecase_editor_class_init (TbUsecaseEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tb_usecase_editor_get_property;
  object_class->dispose = tb_usecase_editor_dispose;
  object_class->finalize = tb_usecase_editor_finalize;

  properties[PROP_DIRTY] =
    g_param_spec_boolean ("dirty", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "editor.add-criterion", NULL,
                                   add_criterion_action);

  gtk_widget_class_set_template_from_resource (widget_class,
    "/io/github/taskbench/TaskBench/tb-usecase-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, tabs);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, form_scroller);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, form_box);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, schema_box);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, goal_view);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, input_description_row);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, input_notes_view);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, format_row);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, schema_view);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, output_notes_view);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, criteria_list);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, judge_model_row);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, judge_notes_view);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, candidates_row);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, cost_row);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, min_context_spin);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, structured_switch);
  gtk_widget_class_bind_template_child (widget_class, TbUsecaseEditor, yaml_view);
}

static void
update_schema_box (TbUsecaseEditor *self)
{
  gtk_widget_set_visible (self->schema_box,
                          adw_combo_row_get_selected (self->format_row) == TB_FORMAT_JSON);
}

static void
connect_view (TbUsecaseEditor *self,
              GtkTextView     *view,
              GCallback        callback)
{
  g_signal_connect_object (gtk_text_view_get_buffer (view), "changed", callback, self,
                           G_CONNECT_SWAPPED);
}

static void
tb_usecase_editor_init (TbUsecaseEditor *self)
{
  GCallback changed = G_CALLBACK (form_changed_cb);

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect_swapped (self->name_row, "changed", changed, self);
  g_signal_connect_swapped (self->input_description_row, "changed", changed, self);
  g_signal_connect_swapped (self->judge_model_row, "changed", changed, self);
  g_signal_connect_swapped (self->candidates_row, "changed", changed, self);
  g_signal_connect_swapped (self->format_row, "notify::selected", changed, self);
  g_signal_connect_swapped (self->cost_row, "notify::selected", changed, self);
  g_signal_connect_swapped (self->min_context_spin, "value-changed", changed, self);
  g_signal_connect_swapped (self->structured_switch, "notify::active", changed, self);
  connect_view (self, self->goal_view, changed);
  connect_view (self, self->input_notes_view, changed);
  connect_view (self, self->schema_view, changed);
  connect_view (self, self->output_notes_view, changed);
  connect_view (self, self->judge_notes_view, changed);
  connect_view (self, self->yaml_view, G_CALLBACK (yaml_changed_cb));
  g_signal_connect_swapped (self->tabs, "notify::visible-child", G_CALLBACK (tab_changed_cb),
                            self);
  /* A schema is for JSON output only. */
  g_signal_connect_swapped (self->format_row, "notify::selected",
                            G_CALLBACK (update_schema_box), self);
  update_schema_box (self);
  self->line_numbers = tb_line_numbers_attach (self->yaml_view);
}
