/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-runs-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tb-gui-util.h"
#include "tb-row-pacer.h"
#include "tb-runs-view.h"
#include "tb-resources.h"
#include "tb-util.h"

/* TbRunsView ----------------------------------------------------------------------------- */

typedef enum {
  COLUMN_DATE,
  COLUMN_INPUT,
  COLUMN_MODELS,
  COLUMN_STATUS,
  COLUMN_SCORE,
  COLUMN_COST,
  N_COLUMNS
} Column;

static const struct {
  const char *id;
  const char *title;
  const char *property;
  gboolean    numeric;
  gboolean    expand;
} columns[N_COLUMNS] = {
  [COLUMN_DATE] = { "date", N_("Date"), "created", FALSE, FALSE },
  [COLUMN_INPUT] = { "input", N_("Input"), "input-name", FALSE, TRUE },
  [COLUMN_MODELS] = { "models", N_("Models"), "n-models", TRUE, TRUE },
  [COLUMN_STATUS] = { "status", N_("Status"), "status-label", FALSE, FALSE },
  [COLUMN_SCORE] = { "score", N_("Best Score"), "best-score", TRUE, FALSE },
  [COLUMN_COST] = { "cost", N_("Cost"), "cost", TRUE, FALSE },
};

struct _TbRunsView
{
  GtkWidget           parent_instance;

  GtkStack           *stack;
  AdwStatusPage      *empty_page;
  GtkColumnView      *column_view;
  GtkLabel           *count_label;
  GtkSpinner         *spinner;
  GtkWidget          *judge_all_button;
  GtkWidget          *delete_selected_button;
  GMenuModel         *row_menu;

  GtkSortListModel   *sort_model;
  TbRowPacer         *pacer;         /* the sorted runs, given to the column view in steps */
  GtkSingleSelection *selection;
  GtkColumnViewColumn *columns[N_COLUMNS];
  GtkColumnViewColumn *check_column;   /* shown in selection mode */
  GtkColumnViewColumn *menu_column;    /* each row's menu, out of selection mode */
  gboolean             narrow;         /* input and models columns left out */
  guint                narrow_idle;

  TbRunList          *list;
  char               *selected_id;   /* kept across reloads */
  gboolean            selection_mode;
  GHashTable         *checked;       /* ids of the runs checked in selection mode */
};

G_DEFINE_FINAL_TYPE (TbRunsView, tb_runs_view, GTK_TYPE_WIDGET)

enum {
  SIGNAL_OPEN_RUN,
  SIGNAL_JUDGE_RUN,
  SIGNAL_RESUME_RUN,
  SIGNAL_DELETE_RUN,
  SIGNAL_DELETE_RUNS,
  SIGNAL_EXPORT_RUN,
  SIGNAL_JUDGE_ALL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_SELECTION_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_actions (TbRunsView *self);
static void update_page    (TbRunsView *self);

static gboolean
status_can_resume (TbRunStatus status)
{
  return status == TB_RUN_INTERRUPTED || status == TB_RUN_PARTIAL || status == TB_RUN_FAILED
         || status == TB_RUN_CANCELLED;
}

/* What a cell's tooltip says: the full text where the column may cut it short. */
static const char *
cell_tooltip (Column     column,
              TbRunItem *item)
{
  switch (column)
    {
    case COLUMN_DATE:
      return tb_run_item_get_id (item);
    case COLUMN_INPUT:
      return tb_run_item_get_input_name (item);
    case COLUMN_MODELS:
      return tb_run_item_get_models (item);
    default:
      return NULL;
    }
}

/* Asked for when the pointer rests on the cell: setting a tooltip at each bind would ask
 * the display server where the pointer is, once per cell of 200 rows. */
static gboolean
query_cell_tooltip (GtkWidget  *label,
                    int         x,
                    int         y,
                    gboolean    keyboard,
                    GtkTooltip *tooltip,
                    gpointer    user_data)
{
  GtkListItem *list_item = user_data;
  TbRunItem *item = gtk_list_item_get_item (list_item);
  const char *text;

  if (item == NULL)
    return FALSE;
  text = cell_tooltip (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (label), "column")), item);
  if (text == NULL || *text == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
setup_cell (GtkSignalListItemFactory *factory,
            GObject                  *object,
            gpointer                  user_data)
{
  Column column = GPOINTER_TO_UINT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  g_object_set_data (G_OBJECT (label), "column", user_data);
  if (column == COLUMN_DATE || column == COLUMN_INPUT || column == COLUMN_MODELS)
    {
      gtk_widget_set_has_tooltip (label, TRUE);
      g_signal_connect (label, "query-tooltip", G_CALLBACK (query_cell_tooltip), object);
    }

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (column == COLUMN_SCORE || column == COLUMN_COST)
    {
      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_widget_add_css_class (label, "numeric");
    }
  /* An amount is never cut ("$0.00…" reads as nothing): the date gives way instead. */
  if (column == COLUMN_COST)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_NONE);
  if (column == COLUMN_MODELS)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_list_item_set_child (GTK_LIST_ITEM (object), label);
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GObject                  *object,
           gpointer                  user_data)
{
  GtkListItem *list_item = GTK_LIST_ITEM (object);
  Column column = GPOINTER_TO_UINT (user_data);
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (list_item));
  TbRunItem *item = gtk_list_item_get_item (list_item);
  g_autofree char *text = NULL;

  /* the label may be recycled from another row */
  gtk_widget_set_css_classes (GTK_WIDGET (label),
                              (const char *[]) { column == COLUMN_SCORE || column == COLUMN_COST
                                                 ? "numeric" : NULL, NULL });

  switch (column)
    {
    case COLUMN_DATE:
      text = tb_format_local_time (tb_run_item_get_created (item));
      break;
    case COLUMN_INPUT:
      text = g_strdup (tb_run_item_get_input_name (item));
      break;
    case COLUMN_MODELS:
      /* Translators: the number of models, then their ids */
      text = g_strdup_printf (ngettext ("%u model: %s", "%u models: %s",
                                        tb_run_item_get_n_models (item)),
                              tb_run_item_get_n_models (item), tb_run_item_get_models (item));
      break;
    case COLUMN_STATUS:
      text = g_strdup (tb_run_status_label (tb_run_item_get_status (item)));
      gtk_widget_add_css_class (GTK_WIDGET (label),
                                tb_run_status_style (tb_run_item_get_status (item)));
      break;
    case COLUMN_SCORE:
      if (tb_run_item_get_best_score (item) >= 0)
        text = g_strdup_printf ("%.0f", tb_run_item_get_best_score (item));
      else
        {
          text = g_strdup (_("Not judged"));
          gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
        }
      break;
    case COLUMN_COST:
      text = tb_format_usd (tb_run_item_get_cost (item));
      break;
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }

  gtk_label_set_text (label, text);
}

static TbRunItem *
get_selected_item (TbRunsView *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

const char *
tb_runs_view_get_selected (TbRunsView *self)
{
  TbRunItem *item;

  g_return_val_if_fail (TB_IS_RUNS_VIEW (self), NULL);
  item = get_selected_item (self);
  return item ? tb_run_item_get_id (item) : NULL;
}

/* The same rule as the judge-all action and the CLI's `judge --all`. */
static gboolean
any_judgeable (TbRunsView *self)
{
  GListModel *model = G_LIST_MODEL (self->sort_model);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TbRunItem) item = g_list_model_get_item (model, i);

      if (tb_run_summary_is_judgeable (tb_run_item_get_summary (item)))
        return TRUE;
    }
  return FALSE;
}

static void
update_actions (TbRunsView *self)
{
  TbRunItem *item = get_selected_item (self);
  TbRunStatus status = item != NULL ? tb_run_item_get_status (item) : TB_RUN_DONE;
  gboolean busy = item != NULL && status == TB_RUN_RUNNING;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.open", item != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.judge", item != NULL && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.resume",
                                 item != NULL && status_can_resume (status));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.delete", item != NULL && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.export", item != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.judge-all", any_judgeable (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.delete-selected",
                                 self->selection_mode && g_hash_table_size (self->checked) > 0);
}

static void
on_selection_changed (TbRunsView *self)
{
  TbRunItem *item = get_selected_item (self);

  /* A reload replaces every item: remember the run, not the row. */
  if (item != NULL)
    {
      g_free (self->selected_id);
      self->selected_id = g_strdup (tb_run_item_get_id (item));
    }
  update_actions (self);
}

static void
on_row_activated (TbRunsView    *self,
                  guint          position,
                  GtkColumnView *view)
{
  g_autoptr(TbRunItem) item = g_list_model_get_item (G_LIST_MODEL (self->sort_model), position);

  if (item != NULL)
    g_signal_emit (self, signals[SIGNAL_OPEN_RUN], 0, tb_run_item_get_id (item));
}

static void
emit_for_selected (TbRunsView *self,
                   guint       signal)
{
  TbRunItem *item = get_selected_item (self);
  g_autofree char *id = NULL;

  if (item == NULL)
    return;
  /* a handler may reload and drop the item */
  id = g_strdup (tb_run_item_get_id (item));
  g_signal_emit (self, signals[signal], 0, id);
}

static void
action_open (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  emit_for_selected (TB_RUNS_VIEW (widget), SIGNAL_OPEN_RUN);
}

static void
action_judge (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  emit_for_selected (TB_RUNS_VIEW (widget), SIGNAL_JUDGE_RUN);
}

static void
action_resume (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  emit_for_selected (TB_RUNS_VIEW (widget), SIGNAL_RESUME_RUN);
}

static void
action_delete (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  emit_for_selected (TB_RUNS_VIEW (widget), SIGNAL_DELETE_RUN);
}

static void
action_export (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  emit_for_selected (TB_RUNS_VIEW (widget), SIGNAL_EXPORT_RUN);
}

static void
action_delete_selected (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TbRunsView *self = TB_RUNS_VIEW (widget);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;
  GListModel *model = G_LIST_MODEL (self->sort_model);
  guint n = g_list_model_get_n_items (model);

  /* in the order shown */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TbRunItem) item = g_list_model_get_item (model, i);

      if (g_hash_table_contains (self->checked, tb_run_item_get_id (item)))
        g_strv_builder_add (builder, tb_run_item_get_id (item));
    }
  ids = g_strv_builder_end (builder);
  if (ids[0] != NULL)
    g_signal_emit (self, signals[SIGNAL_DELETE_RUNS], 0, ids);
}

static void
action_judge_all (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  g_signal_emit (widget, signals[SIGNAL_JUDGE_ALL], 0);
}

static void
update_page (TbRunsView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->sort_model));
  gboolean loading = self->list != NULL && tb_run_list_get_loading (self->list);
  gboolean loaded = self->list != NULL && tb_run_list_get_loaded (self->list);
  guint checked = g_hash_table_size (self->checked);
  g_autofree char *count = NULL;

  if (!self->selection_mode)
    count = g_strdup_printf (ngettext ("%u run", "%u runs", n), n);
  else if (checked == 0)
    count = g_strdup (_("Select runs"));
  else
    count = g_strdup_printf (ngettext ("%u selected", "%u selected", checked), checked);

  gtk_label_set_text (self->count_label, count);
  gtk_spinner_set_spinning (self->spinner, loading);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), loading);
  if (n > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  else if (loading && !loaded)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else
    gtk_stack_set_visible_child_name (self->stack, "empty");
}

/* A run checked and then gone (deleted, here or elsewhere) is checked no more. */
static void
prune_checked (TbRunsView *self)
{
  GListModel *model = G_LIST_MODEL (self->sort_model);
  g_autoptr(GHashTable) present = NULL;
  GHashTableIter iter;
  gpointer id;
  guint n;

  if (g_hash_table_size (self->checked) == 0)
    return;
  present = g_hash_table_new (g_str_hash, g_str_equal);
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TbRunItem) item = g_list_model_get_item (model, i);

      g_hash_table_add (present, (gpointer) tb_run_item_get_id (item));
    }
  g_hash_table_iter_init (&iter, self->checked);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    if (!g_hash_table_contains (present, id))
      g_hash_table_iter_remove (&iter);
}

static void
on_items_changed (TbRunsView *self)
{
  /* The rows the view has (the pacer's slice of the sorted runs): positions of the
   * selection are in it. Connected after the pacer's own handler, so the slice is up to date
   * here; before it, the selection would point the view at rows it does not have yet. */
  GListModel *shown = gtk_single_selection_get_model (self->selection);
  guint n = g_list_model_get_n_items (shown);

  /* keep the selection on the same run when it still exists */
  for (guint i = 0; self->selected_id != NULL && i < n; i++)
    {
      g_autoptr(TbRunItem) item = g_list_model_get_item (shown, i);

      if (g_strcmp0 (tb_run_item_get_id (item), self->selected_id) == 0)
        {
          if (gtk_single_selection_get_selected (self->selection) != i)
            gtk_single_selection_set_selected (self->selection, i);
          break;
        }
    }
  prune_checked (self);
  update_page (self);
  update_actions (self);
}

static void
on_usecase_changed (TbRunsView *self)
{
  g_clear_pointer (&self->selected_id, g_free);
  g_hash_table_remove_all (self->checked);
}

void
tb_runs_view_set_list (TbRunsView *self,
                       TbRunList  *list)
{
  g_return_if_fail (TB_IS_RUNS_VIEW (self));
  g_return_if_fail (list == NULL || TB_IS_RUN_LIST (list));

  if (self->list == list)
    return;
  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  g_set_object (&self->list, list);
  g_clear_pointer (&self->selected_id, g_free);
  gtk_sort_list_model_set_model (self->sort_model,
                                 list != NULL ? tb_run_list_get_model (list) : NULL);
  if (list != NULL)
    {
      g_signal_connect_object (list, "notify::loading", G_CALLBACK (update_page), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (list, "notify::loaded", G_CALLBACK (update_page), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (list, "notify::usecase-id", G_CALLBACK (on_usecase_changed),
                               self, G_CONNECT_SWAPPED);
    }
  update_page (self);
  update_actions (self);
}

gboolean
tb_runs_view_get_selection_mode (TbRunsView *self)
{
  g_return_val_if_fail (TB_IS_RUNS_VIEW (self), FALSE);
  return self->selection_mode;
}

void
tb_runs_view_set_selection_mode (TbRunsView *self,
                                 gboolean    selection_mode)
{
  g_return_if_fail (TB_IS_RUNS_VIEW (self));

  selection_mode = !!selection_mode;
  if (self->selection_mode == selection_mode)
    return;
  self->selection_mode = selection_mode;
  g_hash_table_remove_all (self->checked);
  gtk_column_view_column_set_visible (self->check_column, selection_mode);
  gtk_column_view_column_set_visible (self->menu_column, !selection_mode);
  gtk_widget_set_visible (self->judge_all_button, !selection_mode);
  gtk_widget_set_visible (self->delete_selected_button, selection_mode);
  update_page (self);
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTION_MODE]);
}

/* Checks `run_id` in selection mode, as its row's check box does. */
void
tb_runs_view_set_checked (TbRunsView *self,
                          const char *run_id,
                          gboolean    checked)
{
  g_return_if_fail (TB_IS_RUNS_VIEW (self));
  g_return_if_fail (run_id != NULL);

  if (!self->selection_mode || checked == g_hash_table_contains (self->checked, run_id))
    return;
  if (checked)
    g_hash_table_add (self->checked, g_strdup (run_id));
  else
    g_hash_table_remove (self->checked, run_id);
  update_page (self);
  update_actions (self);
}

/* The check box of a row, in selection mode ----------------------------------------------- */

static void
check_toggled_cb (GtkCheckButton *check,
                  GtkListItem    *list_item)
{
  TbRunItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *view = gtk_widget_get_ancestor (GTK_WIDGET (check), TB_TYPE_RUNS_VIEW);

  if (item != NULL && view != NULL)
    tb_runs_view_set_checked (TB_RUNS_VIEW (view), tb_run_item_get_id (item),
                              gtk_check_button_get_active (check));
}

static void
setup_check (GtkSignalListItemFactory *factory,
             GObject                  *object,
             gpointer                  user_data)
{
  GtkWidget *check = gtk_check_button_new ();

  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Select"), -1);
  g_signal_connect (check, "toggled", G_CALLBACK (check_toggled_cb), object);
  gtk_list_item_set_child (GTK_LIST_ITEM (object), check);
}

static void
bind_check (GtkSignalListItemFactory *factory,
            GObject                  *object,
            gpointer                  user_data)
{
  GtkListItem *list_item = GTK_LIST_ITEM (object);
  GtkCheckButton *check = GTK_CHECK_BUTTON (gtk_list_item_get_child (list_item));
  TbRunsView *self = user_data;
  TbRunItem *item = gtk_list_item_get_item (list_item);

  g_signal_handlers_block_by_func (check, check_toggled_cb, list_item);
  gtk_check_button_set_active (check, g_hash_table_contains (self->checked,
                                                             tb_run_item_get_id (item)));
  g_signal_handlers_unblock_by_func (check, check_toggled_cb, list_item);
}

/* The menu of a row: it acts on the selected run, so showing it selects its row. */
static void
menu_shown_cb (GtkWidget   *popover,
               GtkListItem *list_item)
{
  GtkWidget *view = gtk_widget_get_ancestor (popover, TB_TYPE_RUNS_VIEW);

  if (view != NULL && gtk_list_item_get_position (list_item) != GTK_INVALID_LIST_POSITION)
    gtk_single_selection_set_selected (TB_RUNS_VIEW (view)->selection,
                                       gtk_list_item_get_position (list_item));
}

/* A row's menu is made when it is first opened: a popover menu for each row as it
 * scrolls into sight was a third of the time a page of rows took. */
static void
create_menu_cb (GtkMenuButton *button,
                gpointer       user_data)
{
  GtkListItem *list_item = user_data;
  TbRunsView *self = TB_RUNS_VIEW (gtk_widget_get_ancestor (GTK_WIDGET (button),
                                                            TB_TYPE_RUNS_VIEW));

  if (self == NULL || gtk_menu_button_get_popover (button) != NULL)
    return;
  gtk_menu_button_set_menu_model (button, self->row_menu);
  g_signal_connect (gtk_menu_button_get_popover (button), "show", G_CALLBACK (menu_shown_cb),
                    list_item);
}

static void
setup_menu (GtkSignalListItemFactory *factory,
            GObject                  *object,
            gpointer                  user_data)
{
  GtkWidget *button = gtk_menu_button_new ();

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (button), create_menu_cb, object,
                                         NULL);
  gtk_menu_button_set_has_frame (GTK_MENU_BUTTON (button), FALSE);
  gtk_widget_set_tooltip_text (button, _("Run Menu"));
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_list_item_set_child (GTK_LIST_ITEM (object), button);
}

static GtkColumnViewColumn *
add_widget_column (TbRunsView *self,
                   GCallback   setup,
                   GCallback   bind)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *column;

  g_signal_connect (factory, "setup", setup, self);
  if (bind != NULL)
    g_signal_connect (factory, "bind", bind, self);
  column = gtk_column_view_column_new (NULL, factory);
  gtk_column_view_append_column (self->column_view, column);
  return column;
}

GListModel *
tb_runs_view_get_model (TbRunsView *self)
{
  g_return_val_if_fail (TB_IS_RUNS_VIEW (self), NULL);
  return G_LIST_MODEL (self->sort_model);
}

void
tb_runs_view_sort_by (TbRunsView  *self,
                      const char  *column,
                      GtkSortType  order)
{
  g_return_if_fail (TB_IS_RUNS_VIEW (self));

  for (guint i = 0; i < N_COLUMNS; i++)
    if (g_strcmp0 (columns[i].id, column) == 0)
      {
        gtk_column_view_sort_by_column (self->column_view, self->columns[i], order);
        return;
      }
  g_warning ("No column named “%s”", column);
}

/* Below this width the table keeps what a narrow window needs to choose a run — date,
 * status, best score, cost — and leaves out input and models (the run page has them). */
#define NARROW_WIDTH 560

static gboolean
apply_narrow_cb (gpointer user_data)
{
  TbRunsView *self = user_data;

  self->narrow_idle = 0;
  if (self->columns[COLUMN_INPUT] != NULL)
    gtk_column_view_column_set_visible (self->columns[COLUMN_INPUT], !self->narrow);
  if (self->columns[COLUMN_MODELS] != NULL)
    gtk_column_view_column_set_visible (self->columns[COLUMN_MODELS], !self->narrow);
  /* the width they leave goes to the date, which would be cut short otherwise */
  if (self->columns[COLUMN_DATE] != NULL)
    gtk_column_view_column_set_expand (self->columns[COLUMN_DATE], self->narrow);
  /* a header as wide as its numbers, so that the cost and the row's menu fit */
  if (self->columns[COLUMN_SCORE] != NULL)
    gtk_column_view_column_set_title (self->columns[COLUMN_SCORE],
                                      self->narrow ? _("Score") : _(columns[COLUMN_SCORE].title));
  return G_SOURCE_REMOVE;
}

/* The table's visible width is its horizontal adjustment's page size. */
static void
page_size_cb (GtkAdjustment *adjustment,
              GParamSpec    *pspec,
              TbRunsView    *self)
{
  double width = gtk_adjustment_get_page_size (adjustment);
  gboolean narrow = width > 0 && width < NARROW_WIDTH;

  /* Columns change after this allocation, not during it. */
  if (narrow != self->narrow)
    {
      self->narrow = narrow;
      if (self->narrow_idle == 0)
        self->narrow_idle = g_idle_add (apply_narrow_cb, self);
    }
}

gboolean
tb_runs_view_is_narrow (TbRunsView *self)
{
  g_return_val_if_fail (TB_IS_RUNS_VIEW (self), FALSE);

  return self->narrow && self->narrow_idle == 0;
}

static void
tb_runs_view_dispose (GObject *object)
{
  TbRunsView *self = TB_RUNS_VIEW (object);
  GtkWidget *child;

  g_clear_handle_id (&self->narrow_idle, g_source_remove);
  /* Removing the columns re-sorts: nothing of this view may answer that any more. */
  if (self->sort_model != NULL)
    g_signal_handlers_disconnect_by_data (self->sort_model, self);
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  if (self->list != NULL)
    g_signal_handlers_disconnect_by_data (self->list, self);
  /* before the list view it paces goes */
  g_clear_object (&self->pacer);
  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_RUNS_VIEW);
  /* the template's root has no id, so dispose_template leaves it */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  for (guint i = 0; i < N_COLUMNS; i++)
    g_clear_object (&self->columns[i]);
  g_clear_object (&self->selection);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->list);
  g_clear_pointer (&self->selected_id, g_free);
  g_clear_object (&self->check_column);
  g_clear_object (&self->menu_column);
  g_clear_pointer (&self->checked, g_hash_table_unref);

  G_OBJECT_CLASS (tb_runs_view_parent_class)->dispose (object);
}

static void
tb_runs_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SELECTION_MODE:
      g_value_set_boolean (value, TB_RUNS_VIEW (object)->selection_mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_runs_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_SELECTION_MODE:
      tb_runs_view_set_selection_mode (TB_RUNS_VIEW (object), g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_runs_view_class_init (TbRunsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_runs_view_dispose;
  object_class->get_property = tb_runs_view_get_property;
  object_class->set_property = tb_runs_view_set_property;

  /* Check boxes on the rows, to delete several runs at once. */
  properties[PROP_SELECTION_MODE] =
    g_param_spec_boolean ("selection-mode", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_OPEN_RUN] =
    g_signal_new ("open-run", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_JUDGE_RUN] =
    g_signal_new ("judge-run", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_RESUME_RUN] =
    g_signal_new ("resume-run", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_DELETE_RUN] =
    g_signal_new ("delete-run", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_DELETE_RUNS] =
    g_signal_new ("delete-runs", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRV);
  signals[SIGNAL_EXPORT_RUN] =
    g_signal_new ("export-run", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_JUDGE_ALL] =
    g_signal_new ("judge-all", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "runs.open", NULL, action_open);
  gtk_widget_class_install_action (widget_class, "runs.judge", NULL, action_judge);
  gtk_widget_class_install_action (widget_class, "runs.resume", NULL, action_resume);
  gtk_widget_class_install_action (widget_class, "runs.delete", NULL, action_delete);
  gtk_widget_class_install_action (widget_class, "runs.judge-all", NULL, action_judge_all);
  gtk_widget_class_install_action (widget_class, "runs.export", NULL, action_export);
  gtk_widget_class_install_action (widget_class, "runs.delete-selected", NULL,
                                   action_delete_selected);
  gtk_widget_class_install_property_action (widget_class, "runs.selection-mode",
                                            "selection-mode");

  g_type_ensure (ADW_TYPE_STATUS_PAGE);
  /* referencing the resource links its object (and its registering constructor) even when
   * the widgets come from a static library */
  (void) tb_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/taskbench/TaskBench/tb-runs-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TbRunsView, stack);
  gtk_widget_class_bind_template_child (widget_class, TbRunsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TbRunsView, column_view);
  gtk_widget_class_bind_template_child (widget_class, TbRunsView, count_label);
  gtk_widget_class_bind_template_child (widget_class, TbRunsView, spinner);
  gtk_widget_class_bind_template_child (widget_class, TbRunsView, judge_all_button);
  gtk_widget_class_bind_template_child (widget_class, TbRunsView, delete_selected_button);
  gtk_widget_class_bind_template_child (widget_class, TbRunsView, row_menu);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "runsview");
}

static void
tb_runs_view_init (TbRunsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->checked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect_object (gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (self->column_view)),
                           "notify::page-size", G_CALLBACK (page_size_cb), self, 0);

  self->check_column = add_widget_column (self, G_CALLBACK (setup_check),
                                          G_CALLBACK (bind_check));
  gtk_column_view_column_set_visible (self->check_column, FALSE);
  for (guint i = 0; i < N_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkExpression *expression;
      GtkSorter *sorter;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GUINT_TO_POINTER (i));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GUINT_TO_POINTER (i));

      expression = gtk_property_expression_new (TB_TYPE_RUN_ITEM, NULL, columns[i].property);
      if (columns[i].numeric)
        sorter = GTK_SORTER (gtk_numeric_sorter_new (expression));
      else
        sorter = GTK_SORTER (gtk_string_sorter_new (expression));

      self->columns[i] = gtk_column_view_column_new (_(columns[i].title), factory);
      gtk_column_view_column_set_sorter (self->columns[i], sorter);
      gtk_column_view_column_set_expand (self->columns[i], columns[i].expand);
      gtk_column_view_column_set_resizable (self->columns[i], TRUE);
      gtk_column_view_append_column (self->column_view, self->columns[i]);
      g_object_unref (sorter);
    }
  self->menu_column = add_widget_column (self, G_CALLBACK (setup_menu), NULL);

  self->sort_model = gtk_sort_list_model_new (NULL,
                                              g_object_ref (gtk_column_view_get_sorter (
                                                self->column_view)));
  self->pacer = tb_row_pacer_new (g_object_ref (G_LIST_MODEL (self->sort_model)),
                                  GTK_WIDGET (self->column_view));
  self->selection = gtk_single_selection_new (g_object_ref (tb_row_pacer_get_model (
                                                self->pacer)));
  g_signal_connect_object (self->sort_model, "items-changed", G_CALLBACK (on_items_changed),
                           self, G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selection_changed), self, G_CONNECT_SWAPPED);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  /* newest first, as the store lists them */
  gtk_column_view_sort_by_column (self->column_view, self->columns[COLUMN_DATE],
                                  GTK_SORT_DESCENDING);
  update_page (self);
  update_actions (self);
}

GtkWidget *
tb_runs_view_new (void)
{
  return g_object_new (TB_TYPE_RUNS_VIEW, NULL);
}
