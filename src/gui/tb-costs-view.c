/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-costs-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "tb-costs-view.h"
#include "tb-gui-util.h"
#include "tb-home.h"
#include "tb-resources.h"
#include "tb-rollup.h"
#include "tb-row-pacer.h"
#include "tb-run-item.h"
#include "tb-usecase.h"
#include "tb-util.h"

/* One row of sums: a use case's (its name, its id when its YAML is gone) or a model's. */
#define TB_TYPE_COST_ITEM (tb_cost_item_get_type ())
G_DECLARE_FINAL_TYPE (TbCostItem, tb_cost_item, TB, COST_ITEM, GObject)

struct _TbCostItem
{
  GObject  parent_instance;

  char    *title;
  char    *tooltip;
  char    *caption;
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
  g_free (self->caption);
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

/* Takes `caption`. */
static TbCostItem *
tb_cost_item_new (const char     *title,
                  const char     *tooltip,
                  char           *caption,
                  const TbRollup *rollup)
{
  TbCostItem *self = g_object_new (TB_TYPE_COST_ITEM, NULL);

  self->title = g_strdup (title);
  self->tooltip = g_strdup (tooltip);
  self->caption = caption;
  self->rollup = *rollup;
  return self;
}

struct _TbCostsView
{
  GtkWidget          parent_instance;

  GtkSpinner        *spinner;
  GtkLabel          *grand_total_label;
  GtkLabel          *grand_caption;
  GtkWidget         *simulated_note;
  GtkListBox        *usecases_list;
  GtkWidget         *usecase_section;
  GtkLabel          *usecase_title;
  GtkLabel          *usecase_candidates_label;
  GtkLabel          *usecase_judge_label;
  GtkLabel          *usecase_total_label;
  GtkLabel          *usecase_caption;
  GtkListBox        *models_list;
  GtkWidget         *candidates_swatch;
  GtkWidget         *judges_swatch;
  GtkStack          *runs_stack;
  GtkListView       *runs_view;

  TbStore           *store;
  TbIndex           *index;
  TbRunList         *list;
  GListStore        *usecases;      /* TbCostItem* */
  GListStore        *models;        /* TbCostItem*: the open use case's, costliest first */
  GtkSortListModel  *sorted;        /* the list's TbRunItem*, newest first */
  TbRowPacer        *pacer;         /* `sorted`, given to the list view in steps */
  GtkNoSelection    *runs;          /* over the pacer's */
  double             runs_scale;    /* the costliest run: bars are relative to it */
  GCancellable      *cancellable;   /* of the read under way */
  gboolean           dirty;         /* to be read when next shown */
  gboolean           simulated;     /* a home of simulated runs: their sums, said so */
};

G_DEFINE_FINAL_TYPE (TbCostsView, tb_costs_view, GTK_TYPE_WIDGET)

/* Each level of the page says one thing of its own: the grand total its runs, calls and
 * tokens; a use case's row its runs; the open use case its parts in cards; a model its
 * calls as a candidate and as a judge. What is only estimated or unknown is said at every
 * level, since it qualifies that level's amount. */

/* " · 2 costs estimated · 1 cost unknown: at least this", or "" */
static void
append_notes (GString        *text,
              const TbRollup *rollup)
{
  if (rollup->estimated_calls > 0)
    {
      if (text->len > 0)
        g_string_append (text, " · ");
      g_string_append_printf (text, ngettext ("%u cost estimated", "%u costs estimated",
                                              rollup->estimated_calls),
                              rollup->estimated_calls);
    }
  if (rollup->unknown_calls > 0)
    {
      if (text->len > 0)
        g_string_append (text, " · ");
      g_string_append_printf (text, ngettext ("%u cost unknown: at least this",
                                              "%u costs unknown: at least this",
                                              rollup->unknown_calls),
                              rollup->unknown_calls);
    }
}

/* "3 runs · 12 calls · 40k tokens" */
static char *
grand_caption (const TbRollup *rollup)
{
  GString *text = g_string_new (NULL);
  guint calls = rollup->candidate_calls + rollup->judge_calls;
  g_autofree char *tokens = tb_format_tokens (rollup->candidate_usage.prompt_tokens
                                              + rollup->candidate_usage.completion_tokens
                                              + rollup->judge_usage.prompt_tokens
                                              + rollup->judge_usage.completion_tokens);

  g_string_append_printf (text, ngettext ("%u run", "%u runs", rollup->runs), rollup->runs);
  g_string_append (text, " · ");
  g_string_append_printf (text, ngettext ("%u call", "%u calls", calls), calls);
  g_string_append (text, " · ");
  /* Translators: a token count such as "12k" */
  g_string_append_printf (text, _("%s tokens"), tokens);
  append_notes (text, rollup);
  return g_string_free (text, FALSE);
}

/* "3 runs" */
static char *
usecase_caption (const TbRollup *rollup)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, ngettext ("%u run", "%u runs", rollup->runs), rollup->runs);
  append_notes (text, rollup);
  return g_string_free (text, FALSE);
}

/* "2 candidate calls", "6 judge calls", or for a model that was both
 * "3 candidate calls $0.0120 · 2 judge calls $0.0030": the row's amount is the sum. */
static char *
model_caption (const TbRollup *rollup)
{
  GString *text = g_string_new (NULL);
  gboolean both = rollup->candidate_calls > 0 && rollup->judge_calls > 0;

  if (rollup->candidate_calls > 0)
    g_string_append_printf (text, ngettext ("%u candidate call", "%u candidate calls",
                                            rollup->candidate_calls),
                            rollup->candidate_calls);
  if (both)
    {
      g_autofree char *usd = tb_format_usd (rollup->candidate_usd);

      g_string_append_printf (text, " %s · ", usd);
    }
  if (rollup->judge_calls > 0)
    g_string_append_printf (text, ngettext ("%u judge call", "%u judge calls",
                                            rollup->judge_calls),
                            rollup->judge_calls);
  if (both)
    {
      g_autofree char *usd = tb_format_usd (rollup->judge_usd);

      g_string_append_printf (text, " %s", usd);
    }
  append_notes (text, rollup);
  return g_string_free (text, FALSE);
}

/* "$0.0120", or "unknown" when no call's cost is known: never a silent $0. */
static char *
total_text (const TbRollup *rollup)
{
  guint calls = rollup->candidate_calls + rollup->judge_calls;

  if (calls > 0 && rollup->unknown_calls == calls)
    return g_strdup (_("unknown"));
  return tb_format_usd (rollup->total_usd);
}

/* The judges' part of a bar: the accent, lighter. */
#define JUDGES_ALPHA 0.45

/* A bar of the candidates' part and the judges' part of a cost, relative to `scale`. */
static void
draw_split (GtkWidget      *widget,
            cairo_t        *cr,
            int             width,
            int             height,
            const TbRollup *rollup,
            double          scale)
{
  GtkStyleContext *context;
  GdkRGBA fg, accent;
  double candidates_w, judge_w, r = height / 2.0;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  context = gtk_widget_get_style_context (widget);
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

  if (rollup == NULL || scale <= 0)
    return;
  candidates_w = width * MAX (rollup->candidate_usd, 0) / scale;
  judge_w = width * MAX (rollup->judge_usd, 0) / scale;

  cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 1);
  cairo_rectangle (cr, 0, 0, candidates_w, height);
  cairo_fill (cr);
  cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, JUDGES_ALPHA);
  cairo_rectangle (cr, candidates_w, 0, judge_w, height);
  cairo_fill (cr);
}

/* The legend's swatch of the candidates' (NULL) or the judges' (non-NULL) colour. */
static void
draw_swatch (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        judges)
{
  GdkRGBA accent;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (GTK_WIDGET (area)),
                                       "accent_bg_color", &accent))
    gdk_rgba_parse (&accent, "#3584e4");
  G_GNUC_END_IGNORE_DEPRECATIONS

  cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue,
                         judges != NULL ? JUDGES_ALPHA : 1);
  cairo_arc (cr, width / 2.0, height / 2.0, MIN (width, height) / 2.0, 0, 2 * G_PI);
  cairo_fill (cr);
}

static void
draw_usecase_bar (GtkDrawingArea *area,
                  cairo_t        *cr,
                  int             width,
                  int             height,
                  gpointer        user_data)
{
  TbCostItem *item = user_data;

  draw_split (GTK_WIDGET (area), cr, width, height, &item->rollup, item->scale_usd);
}

/* The parts of a row: a title and an amount, a bar, a caption. */
typedef struct {
  GtkWidget *box;
  GtkLabel  *title;
  GtkLabel  *total;
  GtkWidget *bar;
  GtkLabel  *caption;
} RowParts;

static RowParts
row_parts_new (void)
{
  RowParts parts;
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  parts.box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  parts.title = GTK_LABEL (gtk_label_new (NULL));
  parts.total = GTK_LABEL (gtk_label_new (NULL));
  parts.bar = gtk_drawing_area_new ();
  parts.caption = GTK_LABEL (gtk_label_new (NULL));

  gtk_widget_set_margin_start (parts.box, 12);
  gtk_widget_set_margin_end (parts.box, 12);
  gtk_widget_set_margin_top (parts.box, 10);
  gtk_widget_set_margin_bottom (parts.box, 10);

  gtk_label_set_xalign (parts.title, 0);
  gtk_label_set_ellipsize (parts.title, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (parts.title), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (parts.total), "heading");
  gtk_widget_add_css_class (GTK_WIDGET (parts.total), "numeric");
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (parts.title));
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (parts.total));

  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (parts.bar), 8);

  gtk_label_set_xalign (parts.caption, 0);
  gtk_label_set_wrap (parts.caption, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (parts.caption), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (parts.caption), "dim-label");

  gtk_box_append (GTK_BOX (parts.box), top);
  gtk_box_append (GTK_BOX (parts.box), parts.bar);
  gtk_box_append (GTK_BOX (parts.box), GTK_WIDGET (parts.caption));
  return parts;
}

/* `caption` may be empty: the row is then a title, an amount and a bar. */
static void
row_parts_fill (RowParts       *parts,
                const char     *title,
                const char     *tooltip,
                const char     *caption,
                const TbRollup *rollup)
{
  g_autofree char *total = total_text (rollup);
  g_autofree char *candidates = tb_format_usd (rollup->candidate_usd);
  g_autofree char *judges = tb_format_usd (rollup->judge_usd);
  /* Translators: what a bar shows, read out; amounts in US dollars */
  g_autofree char *bar = g_strdup_printf (_("Candidates %s, judges %s"), candidates, judges);

  gtk_label_set_text (parts->title, title);
  if (tooltip != NULL)
    gtk_widget_set_tooltip_text (GTK_WIDGET (parts->title), tooltip);
  gtk_label_set_text (parts->total, total);
  gtk_label_set_text (parts->caption, caption);
  gtk_widget_set_visible (GTK_WIDGET (parts->caption), caption[0] != '\0');
  gtk_accessible_update_property (GTK_ACCESSIBLE (parts->bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, bar, -1);
  gtk_widget_queue_draw (parts->bar);
}

/* The use cases and the models: a handful of rows each, made as the list box needs them. */
static GtkWidget *
create_cost_row (gpointer item_ptr,
                    gpointer user_data)
{
  TbCostItem *item = item_ptr;
  GtkWidget *row = gtk_list_box_row_new ();
  RowParts parts = row_parts_new ();

  if (strchr (item->title, '/') != NULL)   /* a model id: its vendor and name both matter */
    gtk_label_set_ellipsize (parts.title, PANGO_ELLIPSIZE_MIDDLE);
  row_parts_fill (&parts, item->title, item->tooltip, item->caption, &item->rollup);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (parts.bar), draw_usecase_bar,
                                  g_object_ref (item), g_object_unref);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), parts.box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  return row;
}

/* The runs: as many as 3,000, bound lazily to rows the list view recycles. */
static void
draw_run_bar (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        user_data)
{
  GtkListItem *list_item = user_data;
  TbRunItem *item = gtk_list_item_get_item (list_item);
  TbCostsView *self = TB_COSTS_VIEW (gtk_widget_get_ancestor (GTK_WIDGET (area),
                                                              TB_TYPE_COSTS_VIEW));

  draw_split (GTK_WIDGET (area), cr, width, height,
              item != NULL ? &tb_run_item_get_summary (item)->rollup : NULL,
              self != NULL ? self->runs_scale : 0);
}

/* The run's id, asked for when the pointer rests on its title (setting a tooltip at each
 * bind would ask the display server where the pointer is, once per row). */
static gboolean
query_run_tooltip (GtkWidget  *title,
                   int         x,
                   int         y,
                   gboolean    keyboard,
                   GtkTooltip *tooltip,
                   gpointer    user_data)
{
  TbRunItem *item = gtk_list_item_get_item (user_data);

  if (item == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, tb_run_item_get_id (item));
  return TRUE;
}

static void
setup_run_row (GtkSignalListItemFactory *factory,
               GObject                  *object,
               gpointer                  user_data)
{
  GtkListItem *list_item = GTK_LIST_ITEM (object);
  RowParts parts = row_parts_new ();

  gtk_widget_set_has_tooltip (GTK_WIDGET (parts.title), TRUE);
  g_signal_connect (parts.title, "query-tooltip", G_CALLBACK (query_run_tooltip), list_item);
  /* The list item outlives its child and always holds the item bound now. */
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (parts.bar), draw_run_bar, list_item, NULL);
  g_object_set_data (G_OBJECT (parts.box), "title", parts.title);
  g_object_set_data (G_OBJECT (parts.box), "total", parts.total);
  g_object_set_data (G_OBJECT (parts.box), "bar", parts.bar);
  g_object_set_data (G_OBJECT (parts.box), "caption", parts.caption);
  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_selectable (list_item, FALSE);
  gtk_list_item_set_child (list_item, parts.box);
}

static void
bind_run_row (GtkSignalListItemFactory *factory,
              GObject                  *object,
              gpointer                  user_data)
{
  GtkListItem *list_item = GTK_LIST_ITEM (object);
  GObject *box = G_OBJECT (gtk_list_item_get_child (list_item));
  TbRunItem *item = gtk_list_item_get_item (list_item);
  RowParts parts = {
    .box = GTK_WIDGET (box),
    .title = g_object_get_data (box, "title"),
    .total = g_object_get_data (box, "total"),
    .bar = g_object_get_data (box, "bar"),
    .caption = g_object_get_data (box, "caption"),
  };
  g_autofree char *date = tb_format_local_time (tb_run_item_get_created (item));
  g_autofree char *title = g_strdup_printf ("%s · %s", date, tb_run_item_get_input_name (item));
  const TbRollup *rollup = &tb_run_item_get_summary (item)->rollup;
  g_autoptr(GString) caption = g_string_new (NULL);

  /* a run's parts are in its bar and on its page: only what qualifies its amount here */
  append_notes (caption, rollup);
  row_parts_fill (&parts, title, NULL, caption->str, rollup);
}

static void
set_usd (GtkLabel *label,
         double    usd)
{
  g_autofree char *text = tb_format_usd (usd);

  gtk_label_set_text (label, text);
}

/* Reading the sums, in a thread ----------------------------------------------------------- */

typedef struct {
  TbIndex    *index;
  char       *home;
  char       *usecase_id;   /* nullable */
  gboolean    simulated;
  /* results */
  TbRollup    grand;
  GHashTable *per_usecase;  /* id → TbRollup* */
  GHashTable *names;        /* id → name, where the YAML exists */
  TbRollup    usecase;
  GPtrArray  *models;       /* TbModelRollup*, of the use case's runs */
  char       *usecase_name;
} Sums;

static void
sums_free (Sums *sums)
{
  g_clear_object (&sums->index);
  g_free (sums->home);
  g_free (sums->usecase_id);
  g_clear_pointer (&sums->per_usecase, g_hash_table_unref);
  g_clear_pointer (&sums->names, g_hash_table_unref);
  g_clear_pointer (&sums->models, g_ptr_array_unref);
  g_free (sums->usecase_name);
  g_free (sums);
}

static char *
usecase_name (const char *home,
              const char *id)
{
  g_autofree char *path = tb_home_usecase_path (home, id);
  g_autoptr(TbUsecase) usecase = NULL;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  usecase = tb_usecase_load_file (path, NULL);
  return usecase != NULL && usecase->name != NULL ? g_strdup (usecase->name) : NULL;
}

static void
sums_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Sums *sums = task_data;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key;

  if (sums->simulated
      ? !tb_index_rollup_simulated (sums->index, NULL, &sums->grand, sums->per_usecase, &error)
        || (sums->usecase_id != NULL
            && !tb_index_rollup_simulated (sums->index, sums->usecase_id, &sums->usecase, NULL,
                                           &error))
      : !tb_index_rollup (sums->index, NULL, &sums->grand, NULL, sums->per_usecase, &error)
        || (sums->usecase_id != NULL
            && !tb_index_rollup (sums->index, sums->usecase_id, &sums->usecase, NULL, NULL,
                                 &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (sums->usecase_id != NULL)
    {
      sums->models = tb_index_rollup_models (sums->index, sums->usecase_id, sums->simulated,
                                             &error);
      if (sums->models == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  g_hash_table_iter_init (&iter, sums->per_usecase);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      char *name = usecase_name (sums->home, key);

      if (name != NULL)
        g_hash_table_insert (sums->names, g_strdup (key), name);
    }
  if (sums->usecase_id != NULL)
    sums->usecase_name = usecase_name (sums->home, sums->usecase_id);
  g_task_return_boolean (task, TRUE);
}

static int
costliest_first (gconstpointer a,
                 gconstpointer b)
{
  const TbCostItem *x = *(TbCostItem * const *) a;
  const TbCostItem *y = *(TbCostItem * const *) b;

  if (x->rollup.total_usd != y->rollup.total_usd)
    return x->rollup.total_usd < y->rollup.total_usd ? 1 : -1;
  return g_strcmp0 (x->title, y->title);
}

/* Puts `items` (TbCostItem*) in `store`, their bars relative to the costliest. */
static void
replace_items (GListStore *store,
               GPtrArray  *items)
{
  double max = 0;

  for (guint i = 0; i < items->len; i++)
    max = MAX (max, ((TbCostItem *) g_ptr_array_index (items, i))->rollup.total_usd);
  for (guint i = 0; i < items->len; i++)
    ((TbCostItem *) g_ptr_array_index (items, i))->scale_usd = max;
  g_list_store_splice (store, 0, g_list_model_get_n_items (G_LIST_MODEL (store)),
                       items->pdata, items->len);
}

static void
show_sums (TbCostsView *self,
           Sums        *sums)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GList) ids = g_hash_table_get_keys (sums->per_usecase);
  g_autofree char *caption = grand_caption (&sums->grand);

  set_usd (self->grand_total_label, sums->grand.total_usd);
  gtk_label_set_text (self->grand_caption, caption);

  ids = g_list_sort (ids, (GCompareFunc) g_strcmp0);
  for (GList *l = ids; l != NULL; l = l->next)
    {
      const TbRollup *rollup = g_hash_table_lookup (sums->per_usecase, l->data);
      const char *name = g_hash_table_lookup (sums->names, l->data);

      g_ptr_array_add (items, tb_cost_item_new (name != NULL ? name : l->data, l->data,
                                                usecase_caption (rollup), rollup));
    }
  replace_items (self->usecases, items);

  if (sums->usecase_id != NULL)
    {
      g_autoptr(GString) notes = g_string_new (NULL);

      g_ptr_array_set_size (items, 0);
      for (guint i = 0; i < sums->models->len; i++)
        {
          const TbModelRollup *model = g_ptr_array_index (sums->models, i);

          g_ptr_array_add (items, tb_cost_item_new (model->model, model->model,
                                                    model_caption (&model->rollup),
                                                    &model->rollup));
        }
      g_ptr_array_sort (items, costliest_first);
      replace_items (self->models, items);

      append_notes (notes, &sums->usecase);
      gtk_label_set_text (self->usecase_title, sums->usecase_name != NULL ? sums->usecase_name
                                                                          : sums->usecase_id);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->usecase_title), sums->usecase_id);
      set_usd (self->usecase_candidates_label, sums->usecase.candidate_usd);
      set_usd (self->usecase_judge_label, sums->usecase.judge_usd);
      set_usd (self->usecase_total_label, sums->usecase.total_usd);
      gtk_label_set_text (self->usecase_caption, notes->str);
      gtk_widget_set_visible (GTK_WIDGET (self->usecase_caption), notes->len > 0);
    }
}

static void
sums_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  TbCostsView *self = TB_COSTS_VIEW (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Could not add up the costs: %s", error->message);
    }
  /* A read superseded by a newer one. */
  if (g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    return;

  g_clear_object (&self->cancellable);
  gtk_spinner_stop (self->spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  if (error == NULL)
    show_sums (self, g_task_get_task_data (G_TASK (result)));
}

static void
load_sums (TbCostsView *self)
{
  g_autoptr(GTask) task = NULL;
  const char *usecase_id = self->list != NULL ? tb_run_list_get_usecase (self->list) : NULL;
  Sums *sums;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->dirty = FALSE;
  if (self->index == NULL)
    return;

  sums = g_new0 (Sums, 1);
  sums->index = g_object_ref (self->index);
  sums->home = g_strdup (tb_store_get_home (self->store));
  sums->usecase_id = g_strdup (usecase_id);
  sums->simulated = self->simulated;
  sums->per_usecase = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sums->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, sums_cb, NULL);
  g_task_set_source_tag (task, tb_costs_view_reload);
  g_task_set_task_data (task, sums, (GDestroyNotify) sums_free);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  gtk_spinner_start (self->spinner);
  g_task_run_in_thread (task, sums_thread);
}

void
tb_costs_view_reload (TbCostsView *self)
{
  g_return_if_fail (TB_IS_COSTS_VIEW (self));

  gtk_widget_set_visible (self->usecase_section,
                          self->list != NULL && tb_run_list_get_usecase (self->list) != NULL);
  /* Adding up every run is work for the index: done when the page is in sight. */
  self->dirty = TRUE;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    load_sums (self);
}

void
tb_costs_view_set_simulated (TbCostsView *self,
                             gboolean     simulated)
{
  g_return_if_fail (TB_IS_COSTS_VIEW (self));

  if (self->simulated == !!simulated)
    return;
  self->simulated = !!simulated;
  gtk_widget_set_visible (self->simulated_note, self->simulated);
  tb_costs_view_reload (self);
}

gboolean
tb_costs_view_get_simulated (TbCostsView *self)
{
  g_return_val_if_fail (TB_IS_COSTS_VIEW (self), FALSE);
  return self->simulated;
}

/* The runs are bound while the page is in sight: out of sight, a list view would still
 * make and bind its rows whenever the runs change. */
static void
attach_runs (TbCostsView *self)
{
  gboolean shown = gtk_widget_get_mapped (GTK_WIDGET (self)) && self->list != NULL;
  GListModel *model = shown ? tb_run_list_get_model (self->list) : NULL;

  if (gtk_sort_list_model_get_model (self->sorted) != model)
    gtk_sort_list_model_set_model (self->sorted, model);
}

static void
tb_costs_view_map (GtkWidget *widget)
{
  TbCostsView *self = TB_COSTS_VIEW (widget);

  GTK_WIDGET_CLASS (tb_costs_view_parent_class)->map (widget);
  attach_runs (self);
  if (self->dirty)
    load_sums (self);
}

static void
tb_costs_view_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (tb_costs_view_parent_class)->unmap (widget);
  attach_runs (TB_COSTS_VIEW (widget));
}

gboolean
tb_costs_view_is_loading (TbCostsView *self)
{
  g_return_val_if_fail (TB_IS_COSTS_VIEW (self), FALSE);
  return self->cancellable != NULL || self->dirty;
}

/* The runs of the open use case ---------------------------------------------------------- */

static int
newest_first (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  int order = strcmp (tb_run_item_get_created ((TbRunItem *) b),
                      tb_run_item_get_created ((TbRunItem *) a));

  return order < 0 ? GTK_ORDERING_SMALLER : order > 0 ? GTK_ORDERING_LARGER : GTK_ORDERING_EQUAL;
}

static void
runs_changed_cb (TbCostsView *self)
{
  GListModel *runs = G_LIST_MODEL (self->sorted);
  guint n = g_list_model_get_n_items (runs);
  double max = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TbRunItem) item = g_list_model_get_item (runs, i);

      max = MAX (max, tb_run_item_get_cost (item));
    }
  self->runs_scale = max;
  gtk_stack_set_visible_child_name (self->runs_stack, n > 0 ? "list" : "empty");
}

void
tb_costs_view_set_sources (TbCostsView *self,
                           TbStore     *store,
                           TbIndex     *index,
                           TbRunList   *list)
{
  g_return_if_fail (TB_IS_COSTS_VIEW (self));
  g_return_if_fail (store == NULL || TB_IS_STORE (store));
  g_return_if_fail (index == NULL || TB_IS_INDEX (index));
  g_return_if_fail (list == NULL || TB_IS_RUN_LIST (list));

  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  g_set_object (&self->store, store);
  g_set_object (&self->index, index);
  g_set_object (&self->list, list);
  attach_runs (self);
  if (list != NULL)
    g_signal_connect_object (list, "changed", G_CALLBACK (tb_costs_view_reload), self,
                             G_CONNECT_SWAPPED);
  runs_changed_cb (self);
  tb_costs_view_reload (self);
}

/* The object ----------------------------------------------------------------------------- */

static void
tb_costs_view_dispose (GObject *object)
{
  TbCostsView *self = TB_COSTS_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  if (self->sorted != NULL)
    g_signal_handlers_disconnect_by_data (self->sorted, self);
  /* before the list view it paces goes */
  g_clear_object (&self->pacer);
  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_COSTS_VIEW);
  /* the template's root has no id, so dispose_template leaves it */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->runs);
  g_clear_object (&self->sorted);
  g_clear_object (&self->usecases);
  g_clear_object (&self->models);
  g_clear_object (&self->list);
  g_clear_object (&self->index);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (tb_costs_view_parent_class)->dispose (object);
}

static void
tb_costs_view_class_init (TbCostsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_costs_view_dispose;
  widget_class->map = tb_costs_view_map;
  widget_class->unmap = tb_costs_view_unmap;

  g_type_ensure (ADW_TYPE_CLAMP);
  /* referencing the resource links its object (and its registering constructor) even when
   * the widgets come from a static library */
  (void) tb_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/taskbench/TaskBench/tb-costs-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, spinner);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, grand_total_label);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, grand_caption);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, simulated_note);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecases_list);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecase_section);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecase_title);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecase_candidates_label);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecase_judge_label);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecase_total_label);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, usecase_caption);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, models_list);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, candidates_swatch);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, judges_swatch);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, runs_stack);
  gtk_widget_class_bind_template_child (widget_class, TbCostsView, runs_view);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "costsview");
}

static void
set_placeholder (GtkListBox *list,
                 const char *text)
{
  GtkWidget *placeholder = gtk_label_new (text);

  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_widget_set_margin_start (placeholder, 12);
  gtk_widget_set_margin_end (placeholder, 12);
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_list_box_set_placeholder (list, placeholder);
}

static void
tb_costs_view_init (TbCostsView *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->usecases = g_list_store_new (TB_TYPE_COST_ITEM);
  gtk_list_box_bind_model (self->usecases_list, G_LIST_MODEL (self->usecases),
                           create_cost_row, NULL, NULL);
  self->models = g_list_store_new (TB_TYPE_COST_ITEM);
  gtk_list_box_bind_model (self->models_list, G_LIST_MODEL (self->models),
                           create_cost_row, NULL, NULL);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->candidates_swatch), draw_swatch,
                                  NULL, NULL);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->judges_swatch), draw_swatch,
                                  GINT_TO_POINTER (1), NULL);
  set_placeholder (self->usecases_list, _("Nothing spent yet: no use case has a run."));
  set_placeholder (self->models_list, _("No calls yet"));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_run_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_run_row), NULL);
  gtk_list_view_set_factory (self->runs_view, factory);
  g_object_unref (factory);
  /* ISO 8601 stamps sort as strings: no collation keys for 3,000 rows. */
  self->sorted = gtk_sort_list_model_new (NULL, GTK_SORTER (gtk_custom_sorter_new (newest_first,
                                                                                   NULL, NULL)));
  self->pacer = tb_row_pacer_new (g_object_ref (G_LIST_MODEL (self->sorted)),
                                  GTK_WIDGET (self->runs_view));
  self->runs = gtk_no_selection_new (g_object_ref (tb_row_pacer_get_model (self->pacer)));
  g_signal_connect_object (self->sorted, "items-changed", G_CALLBACK (runs_changed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_list_view_set_model (self->runs_view, GTK_SELECTION_MODEL (self->runs));

  set_usd (self->grand_total_label, 0);
  gtk_widget_set_visible (self->usecase_section, FALSE);
  runs_changed_cb (self);
}

GtkWidget *
tb_costs_view_new (void)
{
  return g_object_new (TB_TYPE_COSTS_VIEW, NULL);
}
