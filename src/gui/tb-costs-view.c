/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-costs-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tb-gui-util.h"
#include "tb-costs-view.h"
#include "tb-resources.h"
#include "tb-util.h"

/* One row: a run or a use case, with its split of the money. */
#define TB_TYPE_COST_ITEM (tb_cost_item_get_type ())
G_DECLARE_FINAL_TYPE (TbCostItem, tb_cost_item, TB, COST_ITEM, GObject)

struct _TbCostItem
{
  GObject  parent_instance;

  char    *title;
  char    *tooltip;
  TbRollup rollup;
  double   scale_usd;   /* the costliest row of the list: bars are relative to it */
};

G_DEFINE_FINAL_TYPE (TbCostItem, tb_cost_item, G_TYPE_OBJECT)

static void
tb_cost_item_finalize (GObject *object)
{
  TbCostItem *self = TB_COST_ITEM (object);

  g_free (self->title);
  g_free (self->tooltip);
  G_OBJECT_CLASS (tb_cost_item_parent_class)->finalize (object);
}

static void
tb_cost_item_class_init (TbCostItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tb_cost_item_finalize;
}

static void
tb_cost_item_init (TbCostItem *self)
{
}

static TbCostItem *
tb_cost_item_new (const char     *title,
                  const char     *tooltip,
                  const TbRollup *rollup)
{
  TbCostItem *self = g_object_new (TB_TYPE_COST_ITEM, NULL);

  self->title = g_strdup (title);
  self->tooltip = g_strdup (tooltip);
  self->rollup = *rollup;
  return self;
}

struct _TbCostsView
{
  GtkWidget   parent_instance;

  GtkWidget  *usecase_section;
  GtkLabel   *usecase_title;
  GtkLabel   *usecase_candidates_label;
  GtkLabel   *usecase_judge_label;
  GtkLabel   *usecase_total_label;
  GtkLabel   *usecase_caption;
  GtkListBox *runs_list;
  GtkListBox *usecases_list;
  GtkLabel   *grand_caption;
  GtkLabel   *grand_total_label;

  GListStore *runs;       /* TbCostItem* */
  GListStore *usecases;   /* TbCostItem* */
};

G_DEFINE_FINAL_TYPE (TbCostsView, tb_costs_view, GTK_TYPE_WIDGET)

static char *
format_tokens (gint64 tokens)
{
  if (tokens >= 1000000)
    return g_strdup_printf ("%.1fM", tokens / 1e6);
  if (tokens >= 10000)
    return g_strdup_printf ("%.0fk", tokens / 1e3);
  if (tokens >= 1000)
    return g_strdup_printf ("%.1fk", tokens / 1e3);
  return g_strdup_printf ("%" G_GINT64_FORMAT, tokens);
}

/* "Candidates $x · Judge $y · 3 calls · 12k tokens" */
static char *
rollup_caption (const TbRollup *rollup,
                gboolean        with_runs)
{
  g_autofree char *candidates = tb_format_usd (rollup->candidate_usd);
  g_autofree char *judge = tb_format_usd (rollup->judge_usd);
  g_autofree char *tokens = NULL;
  GString *text = g_string_new (NULL);
  guint calls = rollup->candidate_calls + rollup->judge_calls;
  gint64 n_tokens = rollup->candidate_usage.prompt_tokens
                    + rollup->candidate_usage.completion_tokens
                    + rollup->judge_usage.prompt_tokens + rollup->judge_usage.completion_tokens;

  tokens = format_tokens (n_tokens);
  if (with_runs)
    {
      g_string_append_printf (text, ngettext ("%u run", "%u runs", rollup->runs), rollup->runs);
      g_string_append (text, " · ");
    }
  /* Translators: amounts in US dollars */
  g_string_append_printf (text, _("Candidates %s · Judge %s"), candidates, judge);
  g_string_append (text, " · ");
  g_string_append_printf (text, ngettext ("%u call", "%u calls", calls), calls);
  g_string_append (text, " · ");
  /* Translators: a token count such as "12k" */
  g_string_append_printf (text, _("%s tokens"), tokens);
  if (rollup->estimated_calls > 0)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, ngettext ("%u cost estimated", "%u costs estimated",
                                              rollup->estimated_calls),
                              rollup->estimated_calls);
    }
  return g_string_free (text, FALSE);
}

static void
draw_bar (GtkDrawingArea *area,
          cairo_t        *cr,
          int             width,
          int             height,
          gpointer        user_data)
{
  TbCostItem *item = user_data;
  GtkStyleContext *context;
  GdkRGBA fg, accent;
  double candidates_w, judge_w, r = height / 2.0;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  context = gtk_widget_get_style_context (GTK_WIDGET (area));
  gtk_style_context_get_color (context, &fg);
  if (!gtk_style_context_lookup_color (context, "accent_bg_color", &accent))
    gdk_rgba_parse (&accent, "#3584e4");
  G_GNUC_END_IGNORE_DEPRECATIONS

  /* trough */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.1);
  cairo_new_sub_path (cr);
  cairo_arc (cr, r, r, r, G_PI / 2, 3 * G_PI / 2);
  cairo_arc (cr, width - r, r, r, -G_PI / 2, G_PI / 2);
  cairo_close_path (cr);
  cairo_fill_preserve (cr);
  cairo_clip (cr);

  if (item->scale_usd <= 0)
    return;
  candidates_w = width * MAX (item->rollup.candidate_usd, 0) / item->scale_usd;
  judge_w = width * MAX (item->rollup.judge_usd, 0) / item->scale_usd;

  cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 1);
  cairo_rectangle (cr, 0, 0, candidates_w, height);
  cairo_fill (cr);
  cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 0.45);
  cairo_rectangle (cr, candidates_w, 0, judge_w, height);
  cairo_fill (cr);
}

static GtkWidget *
create_row (gpointer item_ptr,
            gpointer user_data)
{
  TbCostItem *item = item_ptr;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *title = gtk_label_new (item->title);
  g_autofree char *total_text = tb_format_usd (item->rollup.total_usd);
  GtkWidget *total = gtk_label_new (total_text);
  GtkWidget *bar = gtk_drawing_area_new ();
  g_autofree char *caption_text = rollup_caption (&item->rollup, FALSE);
  GtkWidget *caption = gtk_label_new (caption_text);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_widget_set_tooltip_text (title, item->tooltip);
  gtk_widget_add_css_class (total, "heading");
  gtk_widget_add_css_class (total, "numeric");
  gtk_box_append (GTK_BOX (top), title);
  gtk_box_append (GTK_BOX (top), total);

  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (bar), 8);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (bar), draw_bar, g_object_ref (item),
                                  g_object_unref);
  gtk_accessible_update_property (GTK_ACCESSIBLE (bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, caption_text, -1);

  gtk_label_set_xalign (GTK_LABEL (caption), 0);
  gtk_label_set_wrap (GTK_LABEL (caption), TRUE);
  gtk_widget_add_css_class (caption, "caption");
  gtk_widget_add_css_class (caption, "dim-label");

  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), bar);
  gtk_box_append (GTK_BOX (box), caption);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  return row;
}

static GtkWidget *
placeholder (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_margin_top (label, 18);
  gtk_widget_set_margin_bottom (label, 18);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "dim-label");
  return label;
}

static void
set_scale (GPtrArray *items)
{
  double max = 0;

  for (guint i = 0; i < items->len; i++)
    max = MAX (max, ((TbCostItem *) g_ptr_array_index (items, i))->rollup.total_usd);
  for (guint i = 0; i < items->len; i++)
    ((TbCostItem *) g_ptr_array_index (items, i))->scale_usd = max;
}

static void
replace_items (GListStore *store,
               GPtrArray  *items)
{
  set_scale (items);
  g_list_store_splice (store, 0, g_list_model_get_n_items (G_LIST_MODEL (store)),
                       items->pdata, items->len);
}

static void
set_usd (GtkLabel *label,
         double    usd)
{
  g_autofree char *text = tb_format_usd (usd);

  gtk_label_set_text (label, text);
}

void
tb_costs_view_set_store (TbCostsView *self,
                         TbStore     *store,
                         const char  *usecase_id)
{
  g_autoptr(GPtrArray) run_items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) usecase_items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) per_usecase = NULL;
  g_autoptr(GList) ids = NULL;
  g_autofree char *grand_caption = NULL;
  TbRollup grand = { 0 };

  g_return_if_fail (TB_IS_COSTS_VIEW (self));
  g_return_if_fail (store == NULL || TB_IS_STORE (store));

  gtk_widget_set_visible (self->usecase_section, store != NULL && usecase_id != NULL);

  if (store != NULL && usecase_id != NULL)
    {
      g_autoptr(GPtrArray) runs = tb_store_list_runs (store, usecase_id);
      g_autofree char *caption = NULL;
      TbRollup usecase = { 0 };

      for (guint i = 0; runs != NULL && i < runs->len; i++)
        {
          TbRun *run = g_ptr_array_index (runs, i);
          g_autofree char *date = tb_format_local_date (run->created_at);
          g_autofree char *title = NULL;
          TbRollup rollup = { 0 };

          tb_store_rollup_run (store, run, &rollup);
          title = g_strdup_printf ("%s · %s", date, run->input_name ? run->input_name : "");
          g_ptr_array_add (run_items, tb_cost_item_new (title, run->id, &rollup));
        }

      tb_store_rollup_usecase (store, usecase_id, &usecase);
      gtk_label_set_text (self->usecase_title, usecase_id);
      set_usd (self->usecase_candidates_label, usecase.candidate_usd);
      set_usd (self->usecase_judge_label, usecase.judge_usd);
      set_usd (self->usecase_total_label, usecase.total_usd);
      caption = rollup_caption (&usecase, TRUE);
      gtk_label_set_text (self->usecase_caption, caption);
    }
  replace_items (self->runs, run_items);

  per_usecase = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (store != NULL)
    tb_store_rollup_all (store, &grand, per_usecase);

  ids = g_hash_table_get_keys (per_usecase);
  ids = g_list_sort (ids, (GCompareFunc) g_strcmp0);
  for (GList *l = ids; l != NULL; l = l->next)
    {
      const TbRollup *rollup = g_hash_table_lookup (per_usecase, l->data);

      g_ptr_array_add (usecase_items, tb_cost_item_new (l->data, l->data, rollup));
    }
  replace_items (self->usecases, usecase_items);

  set_usd (self->grand_total_label, grand.total_usd);
  grand_caption = rollup_caption (&grand, TRUE);
  gtk_label_set_text (self->grand_caption, grand_caption);
}

static void
tb_costs_view_dispose (GObject *object)
{
  TbCostsView *self = TB_COSTS_VIEW (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_COSTS_VIEW);
  /* the template's root has no id, so dispose_template leaves it */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->runs);
  g_clear_object (&self->usecases);

  G_OBJECT_CLASS (tb_costs_view_parent_class)->dispose (object);
}

static void
tb_costs_view_class_init (TbCostsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_costs_view_dispose;

  g_type_ensure (ADW_TYPE_CLAMP);
  /* referencing the resource links its object (and its registering constructor) even when
   * the widgets come from a static library */
  (void) tb_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/taskbench/TaskBench/tb-costs-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecase_section);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecase_title);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecase_candidates_label);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecase_judge_label);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecase_total_label);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecase_caption);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, runs_list);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecases_list);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, grand_caption);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, grand_total_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "costsview");
}

static void
tb_costs_view_init (TbCostsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->runs = g_list_store_new (TB_TYPE_COST_ITEM);
  self->usecases = g_list_store_new (TB_TYPE_COST_ITEM);
  gtk_list_box_bind_model (self->runs_list, G_LIST_MODEL (self->runs), create_row, NULL, NULL);
  gtk_list_box_bind_model (self->usecases_list, G_LIST_MODEL (self->usecases), create_row,
                           NULL, NULL);
  gtk_list_box_set_placeholder (self->runs_list, placeholder (_("No runs yet")));
  gtk_list_box_set_placeholder (self->usecases_list,
                                placeholder (_("Nothing spent yet: no use case has a run.")));
  tb_costs_view_set_store (self, NULL, NULL);
}

GtkWidget *
tb_costs_view_new (void)
{
  return g_object_new (TB_TYPE_COSTS_VIEW, NULL);
}
