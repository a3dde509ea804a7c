/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-compare-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tb-compare-view.h"
#include "tb-diff.h"
#include "tb-gui-util.h"
#include "tb-resources.h"
#include "tb-util.h"

/* One output in the list: what its columns show and filter on. ------------------------- */

#define TB_TYPE_OUTPUT_ITEM (tb_output_item_get_type ())
G_DECLARE_FINAL_TYPE (TbOutputItem, tb_output_item, TB, OUTPUT_ITEM, GObject)

struct _TbOutputItem
{
  GObject         parent_instance;

  char           *model;
  char           *input;        /* key */
  char           *input_name;
  guint           repeat;
  TbOutputStatus  status;
  gboolean        has_score;
  double          score;        /* the judges' mean */
  gboolean        has_cost;
  double          cost_usd;
};

G_DEFINE_FINAL_TYPE (TbOutputItem, tb_output_item, G_TYPE_OBJECT)

static void
tb_output_item_finalize (GObject *object)
{
  TbOutputItem *self = TB_OUTPUT_ITEM (object);

  g_free (self->model);
  g_free (self->input);
  g_free (self->input_name);
  G_OBJECT_CLASS (tb_output_item_parent_class)->finalize (object);
}

static void
tb_output_item_class_init (TbOutputItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tb_output_item_finalize;
}

static void
tb_output_item_init (TbOutputItem *self)
{
}

/* The view -------------------------------------------------------------------------------- */

typedef struct {
  GtkWidget     *box;
  GtkLabel      *title;
  GtkLabel      *subtitle;
  GtkTextView   *text;
  GtkWidget     *judgments;     /* rebuilt for each output */
  GtkTextTag    *changed;
  char          *model;
  guint          n_marked;
} Pane;

typedef enum {
  COLUMN_MODEL,
  COLUMN_INPUT,
  COLUMN_REPEAT,
  COLUMN_STATUS,
  COLUMN_SCORE,
  COLUMN_COST,
  N_COLUMNS
} Column;

struct _TbCompareView
{
  GtkWidget           parent_instance;

  GtkDropDown        *input_dropdown;
  GtkWidget          *repeat_box;
  GtkDropDown        *repeat_dropdown;
  GtkDropDown        *model_a_dropdown;
  GtkDropDown        *model_b_dropdown;
  GtkSwitch          *diff_switch;
  GtkFlowBox         *panes;
  GtkDropDown        *filter_model;
  GtkDropDown        *filter_input;
  GtkDropDown        *filter_status;
  GtkLabel           *count_label;
  GtkColumnView      *outputs_view;

  Pane                pane[2];
  GListStore         *outputs;      /* TbOutputItem */
  GtkCustomFilter    *filter;
  GtkFilterListModel *filtered;

  const TbRunData    *data;         /* borrowed */
  const TbJudgment   *judgment;     /* borrowed */
  GStrv               models;       /* the verdict's order */
  guint               syncing;
  GCancellable       *diff_cancellable;
};

G_DEFINE_FINAL_TYPE (TbCompareView, tb_compare_view, GTK_TYPE_WIDGET)

static const char * const statuses[] = { "ok", "failed", "cancelled", "skipped", NULL };

static const char *
status_label (TbOutputStatus status)
{
  switch (status)
    {
    case TB_OUTPUT_OK:
      return _("Done");
    case TB_OUTPUT_FAILED:
      return _("Failed");
    case TB_OUTPUT_CANCELLED:
      return _("Cancelled");
    case TB_OUTPUT_SKIPPED:
    default:
      return _("Skipped");
    }
}

static const TbRunInput *
selected_input (TbCompareView *self)
{
  guint i = gtk_drop_down_get_selected (self->input_dropdown);

  if (self->data == NULL || i >= self->data->run->inputs->len)
    return NULL;
  return g_ptr_array_index (self->data->run->inputs, i);
}

static guint
selected_repeat (TbCompareView *self)
{
  guint i = gtk_drop_down_get_selected (self->repeat_dropdown);

  return i == GTK_INVALID_LIST_POSITION ? 1 : i + 1;
}

static const char *
selected_model (TbCompareView *self,
                guint          side)
{
  GtkDropDown *drop_down = side == 0 ? self->model_a_dropdown : self->model_b_dropdown;
  guint i = gtk_drop_down_get_selected (drop_down);

  if (self->models == NULL || i >= g_strv_length (self->models))
    return NULL;
  return self->models[i];
}

static guint
index_of (GStrv       list,
          const char *item)
{
  for (guint i = 0; list != NULL && list[i] != NULL; i++)
    if (g_strcmp0 (list[i], item) == 0)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

/* The panes ------------------------------------------------------------------------------ */

static GtkWidget *
wrapped_label (const char *text,
               const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static void
pane_init (Pane       *pane,
           const char *name)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkTextBuffer *buffer;

  pane->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_set_name (pane->box, name);
  gtk_widget_add_css_class (pane->box, "card");
  gtk_widget_add_css_class (pane->box, "tb-pane");
  /* Two of these side by side need this much; less, and they stack. */
  gtk_widget_set_size_request (pane->box, 300, -1);

  pane->title = GTK_LABEL (wrapped_label (NULL, "heading"));
  pane->subtitle = GTK_LABEL (wrapped_label (NULL, "dim-label"));
  /* A long model id wraps rather than widening its pane past half the page. */
  gtk_label_set_max_width_chars (pane->title, 30);
  gtk_label_set_max_width_chars (pane->subtitle, 40);
  gtk_widget_add_css_class (GTK_WIDGET (pane->subtitle), "caption");

  pane->text = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_view_set_editable (pane->text, FALSE);
  gtk_text_view_set_monospace (pane->text, TRUE);
  gtk_text_view_set_wrap_mode (pane->text, GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_left_margin (pane->text, 8);
  gtk_text_view_set_right_margin (pane->text, 8);
  gtk_text_view_set_top_margin (pane->text, 6);
  gtk_text_view_set_bottom_margin (pane->text, 6);
  gtk_accessible_update_property (GTK_ACCESSIBLE (pane->text), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Output"), -1);
  buffer = gtk_text_view_get_buffer (pane->text);
  /* Not by colour alone: a struck-through or underlined word reads without it. */
  pane->changed = gtk_text_buffer_create_tag (buffer, "changed", NULL);

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (pane->text));
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 480);
  /* Stacked on a phone, a pane still shows a good part of its output. */
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 200);
  gtk_widget_add_css_class (scrolled, "tb-output-text");

  pane->judgments = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);

  gtk_box_append (GTK_BOX (pane->box), GTK_WIDGET (pane->title));
  gtk_box_append (GTK_BOX (pane->box), GTK_WIDGET (pane->subtitle));
  gtk_box_append (GTK_BOX (pane->box), scrolled);
  gtk_box_append (GTK_BOX (pane->box), pane->judgments);
}

static void
clear_box (GtkWidget *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (box)) != NULL)
    gtk_box_remove (GTK_BOX (box), child);
}

/* What the judges said of this output, and the person's rating with its button. */
static void
fill_judgments (TbCompareView  *self,
                Pane           *pane,
                const TbOutput *output,
                const char     *input,
                guint           repeat)
{
  g_autoptr(GPtrArray) scores = NULL;

  clear_box (pane->judgments);
  if (output == NULL || output->status != TB_OUTPUT_OK)
    return;

  scores = tb_judgment_cell_scores (self->judgment, self->data->run, output->model, input,
                                    repeat);
  for (guint i = 0; i < scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (scores, i);
      const char *judge = tb_judgment_score_judge (self->judgment, score);
      g_autofree char *heading = NULL;

      if (score->error != NULL)
        /* Translators: a judge model, then its error */
        heading = g_strdup_printf (_("%s: judge error"), judge);
      else
        heading = g_strdup_printf (_("%s: %.0f"), judge, score->overall);
      gtk_box_append (GTK_BOX (pane->judgments), wrapped_label (heading, "heading"));
      if (score->error != NULL)
        {
          gtk_box_append (GTK_BOX (pane->judgments), wrapped_label (score->error, "error"));
          continue;
        }
      for (guint v = 0; score->violations != NULL && score->violations[v] != NULL; v++)
        {
          g_autofree char *line = g_strdup_printf ("• %s", score->violations[v]);

          gtk_box_append (GTK_BOX (pane->judgments), wrapped_label (line, NULL));
        }
      if (score->reasoning != NULL && *score->reasoning != '\0')
        gtk_box_append (GTK_BOX (pane->judgments), wrapped_label (score->reasoning,
                                                                  "dim-label"));
    }

  {
    GtkWidget *button = gtk_button_new_with_mnemonic (_("_Rate…"));

    gtk_widget_set_halign (button, GTK_ALIGN_START);
    gtk_widget_set_tooltip_text (button, _("Give this output your own score, to measure how "
                                           "well the judges agree with you"));
    gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "run-page.rate");
    gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "(ssu)", output->model, input,
                                      repeat);
    gtk_box_append (GTK_BOX (pane->judgments), button);
  }
}

static void
clear_marks (Pane *pane)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (pane->text);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_remove_tag (buffer, pane->changed, &start, &end);
  pane->n_marked = 0;
}

static void
fill_pane (TbCompareView *self,
           guint          side)
{
  Pane *pane = &self->pane[side];
  const TbRunInput *input = selected_input (self);
  const char *model = selected_model (self, side);
  guint repeat = selected_repeat (self);
  TbOutput *output = NULL;
  g_autofree char *text = NULL;
  GString *subtitle = g_string_new (NULL);
  double mean;

  g_free (pane->model);
  pane->model = g_strdup (model);
  clear_marks (pane);
  if (self->data != NULL && input != NULL && model != NULL)
    output = tb_run_data_find_output ((TbRunData *) self->data, model, input->key, repeat);

  gtk_label_set_text (pane->title, model != NULL ? model : "");
  if (output == NULL)
    {
      g_string_append (subtitle, _("No output for this input"));
      text = g_strdup ("");
    }
  else
    {
      g_autofree char *cost = tb_cost_is_known (&output->cost) ? tb_format_usd (output->cost.usd)
                                                               : g_strdup (_("cost unknown"));

      g_string_append (subtitle, status_label (output->status));
      if (tb_judgment_cell_mean (self->judgment, self->data->run, model, input->key, repeat,
                                 &mean))
        {
          g_string_append (subtitle, " · ");
          /* Translators: the judges' mean score of an output */
          g_string_append_printf (subtitle, _("score %.0f"), mean);
        }
      g_string_append (subtitle, " · ");
      g_string_append (subtitle, cost);
      g_string_append (subtitle, " · ");
      g_string_append_printf (subtitle, _("%.1f s"), output->latency_ms / 1000.0);
      if (output->has_format_check && !output->format_valid)
        {
          g_string_append (subtitle, " · ");
          g_string_append (subtitle, _("format invalid"));
        }
      if (output->content != NULL)
        text = tb_pretty_output (output->content);
      else
        text = g_strdup (output->error_message != NULL ? output->error_message : "");
    }
  gtk_label_set_text (pane->subtitle, subtitle->str);
  g_string_free (subtitle, TRUE);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (pane->text), text, -1);
  fill_judgments (self, pane, output, input != NULL ? input->key : NULL, repeat);
}

/* The diff, in a thread ------------------------------------------------------------------ */

typedef struct {
  char   *a;
  char   *b;
  GArray *spans_a;
  GArray *spans_b;
} DiffJob;

static void
diff_job_free (DiffJob *job)
{
  g_free (job->a);
  g_free (job->b);
  g_clear_pointer (&job->spans_a, g_array_unref);
  g_clear_pointer (&job->spans_b, g_array_unref);
  g_free (job);
}

static void
diff_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  DiffJob *job = task_data;

  tb_diff_words (job->a, job->b, &job->spans_a, &job->spans_b);
  g_task_return_boolean (task, TRUE);
}

static void
mark_spans (TbCompareView *self,
            Pane          *pane,
            GArray        *spans,
            gboolean       added)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (pane->text);
  GtkStyleContext *context;
  GdkRGBA color;
  g_autofree char *text = NULL;
  GtkTextIter start, end;

  /* Colours of the style in use; a light/dark switch re-marks (see css_changed). */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  context = gtk_widget_get_style_context (GTK_WIDGET (self));
  if (!gtk_style_context_lookup_color (context, added ? "success_color" : "error_color", &color))
    gdk_rgba_parse (&color, added ? "#26a269" : "#c01c28");
  G_GNUC_END_IGNORE_DEPRECATIONS
  color.alpha = 0.25;
  g_object_set (pane->changed, "background-rgba", &color,
                "strikethrough", !added,
                "underline", added ? PANGO_UNDERLINE_SINGLE : PANGO_UNDERLINE_NONE,
                NULL);

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  for (guint i = 0; i < spans->len; i++)
    {
      TbDiffSpan *span = &g_array_index (spans, TbDiffSpan, i);

      if (!span->changed)
        continue;
      /* Byte offsets of the text into character offsets of the buffer. */
      gtk_text_buffer_get_iter_at_offset (buffer, &start,
                                          g_utf8_pointer_to_offset (text, text + span->start));
      gtk_text_buffer_get_iter_at_offset (buffer, &end,
                                          g_utf8_pointer_to_offset (text, text + span->end));
      gtk_text_buffer_apply_tag (buffer, pane->changed, &start, &end);
      pane->n_marked++;
    }
}

static void
diff_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  TbCompareView *self = TB_COMPARE_VIEW (source);
  DiffJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error)
      || g_task_get_cancellable (G_TASK (result)) != self->diff_cancellable)
    return;
  g_clear_object (&self->diff_cancellable);
  mark_spans (self, &self->pane[0], job->spans_a, FALSE);
  mark_spans (self, &self->pane[1], job->spans_b, TRUE);
}

static char *
pane_text (Pane *pane)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (pane->text);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
update_diff (TbCompareView *self)
{
  g_autoptr(GTask) task = NULL;
  DiffJob *job;

  g_cancellable_cancel (self->diff_cancellable);
  g_clear_object (&self->diff_cancellable);
  clear_marks (&self->pane[0]);
  clear_marks (&self->pane[1]);
  if (!gtk_switch_get_active (self->diff_switch) || self->data == NULL)
    return;

  job = g_new0 (DiffJob, 1);
  job->a = pane_text (&self->pane[0]);
  job->b = pane_text (&self->pane[1]);
  self->diff_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->diff_cancellable, diff_cb, NULL);
  g_task_set_source_tag (task, update_diff);
  g_task_set_task_data (task, job, (GDestroyNotify) diff_job_free);
  g_task_run_in_thread (task, diff_thread);
}

static void
update_panes (TbCompareView *self)
{
  fill_pane (self, 0);
  fill_pane (self, 1);
  update_diff (self);
}

static void
on_choice_changed (TbCompareView *self)
{
  if (self->syncing == 0)
    update_panes (self);
}

static void
on_diff_toggled (TbCompareView *self)
{
  update_diff (self);
}

/* The outputs list ------------------------------------------------------------------------ */

static gboolean
filter_func (gpointer item_ptr,
             gpointer user_data)
{
  TbCompareView *self = user_data;
  TbOutputItem *item = item_ptr;
  guint model = gtk_drop_down_get_selected (self->filter_model);
  guint input = gtk_drop_down_get_selected (self->filter_input);
  guint status = gtk_drop_down_get_selected (self->filter_status);

  /* the first choice of each is "all" */
  if (model > 0 && model != GTK_INVALID_LIST_POSITION
      && g_strcmp0 (item->model, self->models[model - 1]) != 0)
    return FALSE;
  if (input > 0 && input != GTK_INVALID_LIST_POSITION && self->data != NULL
      && input - 1 < self->data->run->inputs->len
      && g_strcmp0 (item->input, ((TbRunInput *) g_ptr_array_index (self->data->run->inputs,
                                                                    input - 1))->key) != 0)
    return FALSE;
  if (status > 0 && status != GTK_INVALID_LIST_POSITION && status - 1 != item->status)
    return FALSE;
  return TRUE;
}

static void
update_count (TbCompareView *self)
{
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
  guint all = g_list_model_get_n_items (G_LIST_MODEL (self->outputs));
  g_autofree char *text = NULL;

  if (shown == all)
    text = g_strdup_printf (ngettext ("%u output", "%u outputs", all), all);
  else
    /* Translators: outputs shown by the filters, of all */
    text = g_strdup_printf (ngettext ("%u of %u output", "%u of %u outputs", all), shown, all);
  gtk_label_set_text (self->count_label, text);
}

static void
on_filter_changed (TbCompareView *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_count (self);
}

static void
on_output_activated (TbCompareView *self,
                     guint          position)
{
  g_autoptr(TbOutputItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered),
                                                        position);
  const char *other;

  if (item == NULL)
    return;
  /* B stays, unless it is the same model */
  other = selected_model (self, 1);
  if (g_strcmp0 (other, item->model) == 0)
    other = NULL;
  tb_compare_view_show_cell (self, item->model, item->input, item->repeat);
  if (other != NULL)
    tb_compare_view_set_models (self, item->model, other);
}

static void
setup_cell (GtkSignalListItemFactory *factory,
            GObject                  *object,
            gpointer                  user_data)
{
  Column column = GPOINTER_TO_UINT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column >= COLUMN_REPEAT && column != COLUMN_STATUS
                                           ? 1 : 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  if (column == COLUMN_SCORE || column == COLUMN_COST || column == COLUMN_REPEAT)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (GTK_LIST_ITEM (object), label);
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GObject                  *object,
           gpointer                  user_data)
{
  GtkListItem *list_item = GTK_LIST_ITEM (object);
  TbOutputItem *item = gtk_list_item_get_item (list_item);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (list_item));
  g_autofree char *text = NULL;

  switch ((Column) GPOINTER_TO_UINT (user_data))
    {
    case COLUMN_MODEL:
      text = g_strdup (item->model);
      break;
    case COLUMN_INPUT:
      text = g_strdup (item->input_name);
      break;
    case COLUMN_REPEAT:
      text = g_strdup_printf ("%u", item->repeat);
      break;
    case COLUMN_STATUS:
      text = g_strdup (status_label (item->status));
      break;
    case COLUMN_SCORE:
      text = item->has_score ? g_strdup_printf ("%.0f", item->score) : g_strdup ("—");
      break;
    case COLUMN_COST:
      text = item->has_cost ? tb_format_usd (item->cost_usd) : g_strdup (_("unknown"));
      break;
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
  gtk_label_set_text (label, text);
  /* a cut name reads in full when the pointer rests on it (a run has tens of outputs, not
   * thousands: a tooltip per bind is cheap here) */
  gtk_widget_set_tooltip_text (GTK_WIDGET (label),
                               GPOINTER_TO_UINT (user_data) <= COLUMN_INPUT ? text : NULL);
}

static void
fill_outputs (TbCompareView *self)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; self->data != NULL && i < self->data->outputs->len; i++)
    {
      const TbOutput *output = g_ptr_array_index (self->data->outputs, i);
      const char *key = tb_run_input_key (self->data->run, output->input);
      const TbRunInput *input = tb_run_find_input (self->data->run, key);
      TbOutputItem *item = g_object_new (TB_TYPE_OUTPUT_ITEM, NULL);

      item->model = g_strdup (output->model);
      item->input = g_strdup (key);
      item->input_name = g_strdup (input != NULL ? input->name : key);
      item->repeat = MAX (output->repeat, 1);
      item->status = output->status;
      item->has_score = tb_judgment_cell_mean (self->judgment, self->data->run, output->model,
                                               key, item->repeat, &item->score);
      item->has_cost = tb_cost_is_known (&output->cost);
      item->cost_usd = output->cost.usd;
      g_ptr_array_add (items, item);
    }
  g_list_store_splice (self->outputs, 0, g_list_model_get_n_items (G_LIST_MODEL (self->outputs)),
                       items->pdata, items->len);
  update_count (self);
}

/* API ------------------------------------------------------------------------------------ */

static void
set_strings (GtkDropDown        *drop_down,
             const char         *first,
             const char * const *strings,
             guint               keep)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);

  if (first != NULL)
    gtk_string_list_append (list, first);
  for (guint i = 0; strings != NULL && strings[i] != NULL; i++)
    gtk_string_list_append (list, strings[i]);
  gtk_drop_down_set_model (drop_down, G_LIST_MODEL (list));
  if (keep < g_list_model_get_n_items (G_LIST_MODEL (list)))
    gtk_drop_down_set_selected (drop_down, keep);
}

void
tb_compare_view_set_run (TbCompareView    *self,
                         const TbRunData  *data,
                         const TbJudgment *judgment,
                         const TbVerdict  *verdict)
{
  g_autofree char *model_a = NULL;
  g_autofree char *model_b = NULL;
  g_autofree char *input = NULL;
  g_autoptr(GStrvBuilder) models = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_auto(GStrv) input_names = NULL;
  g_auto(GStrv) repeats = NULL;
  guint repeat, n_repeats;

  g_return_if_fail (TB_IS_COMPARE_VIEW (self));

  /* What was chosen, to keep it on a refresh of the same run. */
  if (self->data != NULL && data != NULL && g_strcmp0 (self->data->run->id, data->run->id) == 0)
    {
      const TbRunInput *old = selected_input (self);

      model_a = g_strdup (selected_model (self, 0));
      model_b = g_strdup (selected_model (self, 1));
      input = old != NULL ? g_strdup (old->key) : NULL;
    }
  repeat = selected_repeat (self);

  g_cancellable_cancel (self->diff_cancellable);
  g_clear_object (&self->diff_cancellable);
  self->data = data;
  self->judgment = judgment;
  g_clear_pointer (&self->models, g_strfreev);

  self->syncing++;
  if (data == NULL)
    {
      set_strings (self->input_dropdown, NULL, NULL, 0);
      set_strings (self->repeat_dropdown, NULL, NULL, 0);
      set_strings (self->model_a_dropdown, NULL, NULL, 0);
      set_strings (self->model_b_dropdown, NULL, NULL, 0);
      g_list_store_remove_all (self->outputs);
      self->syncing--;
      for (guint side = 0; side < 2; side++)
        {
          clear_marks (&self->pane[side]);
          gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->pane[side].text), "", 0);
          clear_box (self->pane[side].judgments);
        }
      return;
    }

  for (guint i = 0; verdict != NULL && i < verdict->models->len; i++)
    g_strv_builder_add (models, ((TbModelVerdict *) g_ptr_array_index (verdict->models,
                                                                        i))->model);
  for (guint i = 0; verdict == NULL && data->run->models[i] != NULL; i++)
    g_strv_builder_add (models, data->run->models[i]);
  self->models = g_strv_builder_end (models);
  for (guint i = 0; i < data->run->inputs->len; i++)
    g_strv_builder_add (names, ((TbRunInput *) g_ptr_array_index (data->run->inputs,
                                                                   i))->name);
  input_names = g_strv_builder_end (names);
  n_repeats = MAX (data->run->repeat, 1);
  repeats = g_new0 (char *, n_repeats + 1);
  for (guint r = 0; r < n_repeats; r++)
    repeats[r] = g_strdup_printf ("%u", r + 1);

  set_strings (self->input_dropdown, NULL, (const char * const *) input_names, 0);
  if (input != NULL)
    for (guint i = 0; i < data->run->inputs->len; i++)
      if (g_strcmp0 (((TbRunInput *) g_ptr_array_index (data->run->inputs, i))->key, input)
          == 0)
        gtk_drop_down_set_selected (self->input_dropdown, i);
  set_strings (self->repeat_dropdown, NULL, (const char * const *) repeats,
               MIN (repeat, n_repeats) - 1);
  gtk_widget_set_visible (self->repeat_box, n_repeats > 1);
  set_strings (self->model_a_dropdown, NULL, (const char * const *) self->models,
               model_a != NULL ? index_of (self->models, model_a) : 0);
  set_strings (self->model_b_dropdown, NULL, (const char * const *) self->models,
               model_b != NULL ? index_of (self->models, model_b)
               : MIN (1, g_strv_length (self->models) - 1));

  set_strings (self->filter_model, _("All models"), (const char * const *) self->models, 0);
  set_strings (self->filter_input, _("All inputs"), (const char * const *) input_names, 0);
  {
    const char *labels[] = { status_label (TB_OUTPUT_OK), status_label (TB_OUTPUT_FAILED),
                             status_label (TB_OUTPUT_CANCELLED),
                             status_label (TB_OUTPUT_SKIPPED), NULL };

    set_strings (self->filter_status, _("Any status"), labels, 0);
  }
  self->syncing--;

  fill_outputs (self);
  on_filter_changed (self);
  update_panes (self);
}

void
tb_compare_view_set_models (TbCompareView *self,
                            const char    *model_a,
                            const char    *model_b)
{
  guint a, b;

  g_return_if_fail (TB_IS_COMPARE_VIEW (self));

  a = index_of (self->models, model_a);
  b = index_of (self->models, model_b);
  self->syncing++;
  if (a != GTK_INVALID_LIST_POSITION)
    gtk_drop_down_set_selected (self->model_a_dropdown, a);
  if (b != GTK_INVALID_LIST_POSITION)
    gtk_drop_down_set_selected (self->model_b_dropdown, b);
  self->syncing--;
  update_panes (self);
}

void
tb_compare_view_show_cell (TbCompareView *self,
                           const char    *model,
                           const char    *input,
                           guint          repeat)
{
  const char *other = NULL;
  guint a;

  g_return_if_fail (TB_IS_COMPARE_VIEW (self));
  if (self->data == NULL)
    return;

  self->syncing++;
  for (guint i = 0; i < self->data->run->inputs->len; i++)
    if (input == NULL
        || g_strcmp0 (((TbRunInput *) g_ptr_array_index (self->data->run->inputs, i))->key,
                      input) == 0)
      {
        gtk_drop_down_set_selected (self->input_dropdown, i);
        break;
      }
  if (repeat >= 1 && repeat <= MAX (self->data->run->repeat, 1))
    gtk_drop_down_set_selected (self->repeat_dropdown, repeat - 1);
  a = index_of (self->models, model);
  if (a != GTK_INVALID_LIST_POSITION)
    gtk_drop_down_set_selected (self->model_a_dropdown, a);
  /* the best model that is not this one: the verdict's order is best first */
  for (guint i = 0; self->models != NULL && self->models[i] != NULL && other == NULL; i++)
    if (g_strcmp0 (self->models[i], model) != 0)
      other = self->models[i];
  if (other != NULL)
    gtk_drop_down_set_selected (self->model_b_dropdown, index_of (self->models, other));
  self->syncing--;
  update_panes (self);
}

void
tb_compare_view_set_diff (TbCompareView *self,
                          gboolean       diff)
{
  g_return_if_fail (TB_IS_COMPARE_VIEW (self));
  gtk_switch_set_active (self->diff_switch, diff);
}

const char *
tb_compare_view_get_model (TbCompareView *self,
                           guint          side)
{
  g_return_val_if_fail (TB_IS_COMPARE_VIEW (self) && side < 2, NULL);
  return self->pane[side].model;
}

char *
tb_compare_view_dup_text (TbCompareView *self,
                          guint          side)
{
  g_return_val_if_fail (TB_IS_COMPARE_VIEW (self) && side < 2, NULL);
  return pane_text (&self->pane[side]);
}

guint
tb_compare_view_get_n_marked (TbCompareView *self,
                              guint          side)
{
  g_return_val_if_fail (TB_IS_COMPARE_VIEW (self) && side < 2, 0);
  return self->pane[side].n_marked;
}

gboolean
tb_compare_view_is_busy (TbCompareView *self)
{
  g_return_val_if_fail (TB_IS_COMPARE_VIEW (self), FALSE);
  return self->diff_cancellable != NULL;
}

GListModel *
tb_compare_view_get_outputs (TbCompareView *self)
{
  g_return_val_if_fail (TB_IS_COMPARE_VIEW (self), NULL);
  return G_LIST_MODEL (self->filtered);
}

void
tb_compare_view_set_filter (TbCompareView *self,
                            const char    *model,
                            const char    *input,
                            const char    *status)
{
  guint m = 0, i = 0, s = 0;

  g_return_if_fail (TB_IS_COMPARE_VIEW (self));

  if (model != NULL)
    m = index_of (self->models, model) + 1;
  for (guint k = 0; input != NULL && self->data != NULL && k < self->data->run->inputs->len; k++)
    if (g_strcmp0 (((TbRunInput *) g_ptr_array_index (self->data->run->inputs, k))->key, input)
        == 0)
      i = k + 1;
  if (status != NULL)
    s = index_of ((GStrv) statuses, status) + 1;
  gtk_drop_down_set_selected (self->filter_model, m);
  gtk_drop_down_set_selected (self->filter_input, i);
  gtk_drop_down_set_selected (self->filter_status, s);
}

/* The object ----------------------------------------------------------------------------- */

static void
tb_compare_view_css_changed (GtkWidget         *widget,
                             GtkCssStyleChange *change)
{
  TbCompareView *self = TB_COMPARE_VIEW (widget);

  GTK_WIDGET_CLASS (tb_compare_view_parent_class)->css_changed (widget, change);
  /* the marks take their colours from the style: a light/dark switch marks again */
  if (self->pane[0].n_marked + self->pane[1].n_marked > 0)
    update_diff (self);
}

static void
tb_compare_view_dispose (GObject *object)
{
  TbCompareView *self = TB_COMPARE_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->diff_cancellable);
  g_clear_object (&self->diff_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_COMPARE_VIEW);
  /* the template's root has no id, so dispose_template leaves it */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->filtered);
  g_clear_object (&self->outputs);
  self->data = NULL;
  self->judgment = NULL;

  G_OBJECT_CLASS (tb_compare_view_parent_class)->dispose (object);
}

static void
tb_compare_view_finalize (GObject *object)
{
  TbCompareView *self = TB_COMPARE_VIEW (object);

  g_strfreev (self->models);
  g_free (self->pane[0].model);
  g_free (self->pane[1].model);

  G_OBJECT_CLASS (tb_compare_view_parent_class)->finalize (object);
}

static void
tb_compare_view_class_init (TbCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_compare_view_dispose;
  object_class->finalize = tb_compare_view_finalize;
  widget_class->css_changed = tb_compare_view_css_changed;

  g_type_ensure (ADW_TYPE_CLAMP);
  /* referencing the resource links its object (and its registering constructor) even when
   * the widgets come from a static library */
  (void) tb_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/taskbench/TaskBench/"
                                               "tb-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TbCompareView, input_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TbCompareView, repeat_box);
  gtk_widget_class_bind_template_child (widget_class, TbCompareView, repeat_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TbCompareView, model_a_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TbCompareView, model_b_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TbCompareView, diff_switch);
  gtk_widget_class_bind_template_child (widget_class, TbCompareView, panes);
  gtk_widget_class_bind_template_child (widget_class, TbCompareView, filter_model);
  gtk_widget_class_bind_template_child (widget_class, TbCompareView, filter_input);
  gtk_widget_class_bind_template_child (widget_class, TbCompareView, filter_status);
  gtk_widget_class_bind_template_child (widget_class, TbCompareView, count_label);
  gtk_widget_class_bind_template_child (widget_class, TbCompareView, outputs_view);
  gtk_widget_class_bind_template_callback (widget_class, on_choice_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_diff_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_output_activated);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "compareview");
}

static void
tb_compare_view_init (TbCompareView *self)
{
  const char *titles[N_COLUMNS] = { N_("Model"), N_("Input"), N_("Repeat"), N_("Status"),
                                    N_("Score"), N_("Cost") };
  GtkSingleSelection *selection;

  gtk_widget_init_template (GTK_WIDGET (self));

  pane_init (&self->pane[0], "pane-a");
  pane_init (&self->pane[1], "pane-b");
  gtk_flow_box_append (self->panes, self->pane[0].box);
  gtk_flow_box_append (self->panes, self->pane[1].box);

  for (guint i = 0; i < N_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *column;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GUINT_TO_POINTER (i));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GUINT_TO_POINTER (i));
      column = gtk_column_view_column_new (_(titles[i]), factory);
      gtk_column_view_column_set_expand (column, i == COLUMN_MODEL || i == COLUMN_INPUT);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_append_column (self->outputs_view, column);
      g_object_unref (column);
    }

  self->outputs = g_list_store_new (TB_TYPE_OUTPUT_ITEM);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->outputs)),
                                              GTK_FILTER (self->filter));
  selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->filtered)));
  gtk_single_selection_set_autoselect (selection, FALSE);
  gtk_column_view_set_model (self->outputs_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);

  for (GtkDropDown **d = (GtkDropDown *[]) { self->input_dropdown, self->repeat_dropdown,
                                             self->model_a_dropdown, self->model_b_dropdown,
                                             self->filter_model, self->filter_input,
                                             self->filter_status, NULL };
       *d != NULL; d++)
    tb_drop_down_set_ellipsizing (*d);
}

GtkWidget *
tb_compare_view_new (void)
{
  return g_object_new (TB_TYPE_COMPARE_VIEW, NULL);
}
