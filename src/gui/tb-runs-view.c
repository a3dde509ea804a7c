/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-runs-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tb-gui-util.h"
#include "tb-runs-view.h"
#include "tb-resources.h"
#include "tb-util.h"

/* TbRunItem ------------------------------------------------------------------------------ */

struct _TbRunItem
{
  GObject  parent_instance;

  char    *id;
  char    *created;
  char    *input_name;
  guint    n_models;
  char    *models;
  char    *status;
  double   best_score;
  double   cost;
};

G_DEFINE_FINAL_TYPE (TbRunItem, tb_run_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_0,
  ITEM_PROP_ID,
  ITEM_PROP_CREATED,
  ITEM_PROP_INPUT_NAME,
  ITEM_PROP_N_MODELS,
  ITEM_PROP_MODELS,
  ITEM_PROP_STATUS,
  ITEM_PROP_BEST_SCORE,
  ITEM_PROP_COST,
  N_ITEM_PROPS
};

static GParamSpec *item_properties[N_ITEM_PROPS];

static void
tb_run_item_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TbRunItem *self = TB_RUN_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case ITEM_PROP_CREATED:
      g_value_set_string (value, self->created);
      break;
    case ITEM_PROP_INPUT_NAME:
      g_value_set_string (value, self->input_name);
      break;
    case ITEM_PROP_N_MODELS:
      g_value_set_uint (value, self->n_models);
      break;
    case ITEM_PROP_MODELS:
      g_value_set_string (value, self->models);
      break;
    case ITEM_PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case ITEM_PROP_BEST_SCORE:
      g_value_set_double (value, self->best_score);
      break;
    case ITEM_PROP_COST:
      g_value_set_double (value, self->cost);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_run_item_finalize (GObject *object)
{
  TbRunItem *self = TB_RUN_ITEM (object);

  g_free (self->id);
  g_free (self->created);
  g_free (self->input_name);
  g_free (self->models);
  g_free (self->status);

  G_OBJECT_CLASS (tb_run_item_parent_class)->finalize (object);
}

static void
tb_run_item_class_init (TbRunItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = tb_run_item_get_property;
  object_class->finalize = tb_run_item_finalize;

  item_properties[ITEM_PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_CREATED] = g_param_spec_string ("created", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_INPUT_NAME] =
    g_param_spec_string ("input-name", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_N_MODELS] =
    g_param_spec_uint ("n-models", NULL, NULL, 0, G_MAXUINT, 0, flags);
  item_properties[ITEM_PROP_MODELS] = g_param_spec_string ("models", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, flags);
  item_properties[ITEM_PROP_BEST_SCORE] =
    g_param_spec_double ("best-score", NULL, NULL, -1, 100, -1, flags);
  item_properties[ITEM_PROP_COST] =
    g_param_spec_double ("cost", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  g_object_class_install_properties (object_class, N_ITEM_PROPS, item_properties);
}

static void
tb_run_item_init (TbRunItem *self)
{
  self->best_score = -1;
}

static TbRunItem *
tb_run_item_new_from_run (TbStore *store,
                          TbRun   *run)
{
  TbRunItem *self = g_object_new (TB_TYPE_RUN_ITEM, NULL);
  g_autoptr(GPtrArray) judgments = NULL;
  TbRollup rollup = { 0 };

  self->id = g_strdup (run->id);
  self->created = g_strdup (run->created_at ? run->created_at : "");
  self->input_name = g_strdup (run->input_name ? run->input_name : "");
  self->n_models = run->models ? g_strv_length (run->models) : 0;
  self->models = run->models ? g_strjoinv (", ", run->models) : g_strdup ("");
  self->status = g_strdup (run->status ? run->status : "");

  /* the latest judgment is the one that counts */
  judgments = tb_store_load_judgments (store, run);
  if (judgments != NULL && judgments->len > 0)
    {
      TbJudgment *latest = g_ptr_array_index (judgments, 0);

      for (guint i = 0; latest->scores != NULL && i < latest->scores->len; i++)
        {
          TbScore *score = g_ptr_array_index (latest->scores, i);

          if (score->error == NULL)
            self->best_score = MAX (self->best_score, score->overall);
        }
    }

  tb_store_rollup_run (store, run, &rollup);
  self->cost = rollup.total_usd;
  return self;
}

const char *
tb_run_item_get_id (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), NULL);
  return self->id;
}

const char *
tb_run_item_get_created (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), NULL);
  return self->created;
}

const char *
tb_run_item_get_input_name (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), NULL);
  return self->input_name;
}

guint
tb_run_item_get_n_models (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), 0);
  return self->n_models;
}

const char *
tb_run_item_get_models (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), NULL);
  return self->models;
}

const char *
tb_run_item_get_status (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), NULL);
  return self->status;
}

double
tb_run_item_get_best_score (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), -1);
  return self->best_score;
}

double
tb_run_item_get_cost (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), 0);
  return self->cost;
}

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
  [COLUMN_STATUS] = { "status", N_("Status"), "status", FALSE, FALSE },
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

  GListStore         *store_model;   /* TbRunItem* */
  GtkSortListModel   *sort_model;
  GtkSingleSelection *selection;
  GtkColumnViewColumn *columns[N_COLUMNS];

  TbStore            *store;
  char               *usecase_id;
};

G_DEFINE_FINAL_TYPE (TbRunsView, tb_runs_view, GTK_TYPE_WIDGET)

enum {
  SIGNAL_OPEN_RUN,
  SIGNAL_JUDGE_RUN,
  SIGNAL_RESUME_RUN,
  SIGNAL_DELETE_RUN,
  SIGNAL_JUDGE_ALL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
status_can_resume (const char *status)
{
  return g_strcmp0 (status, "interrupted") == 0 || g_strcmp0 (status, "partial") == 0
         || g_strcmp0 (status, "failed") == 0 || g_strcmp0 (status, "cancelled") == 0;
}

static void
setup_cell (GtkSignalListItemFactory *factory,
            GObject                  *object,
            gpointer                  user_data)
{
  Column column = GPOINTER_TO_UINT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (column == COLUMN_SCORE || column == COLUMN_COST)
    {
      gtk_label_set_xalign (GTK_LABEL (label), 1);
      gtk_widget_add_css_class (label, "numeric");
    }
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
  const char *tooltip = NULL;

  /* the label may be recycled from another row */
  gtk_widget_set_css_classes (GTK_WIDGET (label),
                              (const char *[]) { column == COLUMN_SCORE || column == COLUMN_COST
                                                 ? "numeric" : NULL, NULL });

  switch (column)
    {
    case COLUMN_DATE:
      text = tb_format_local_date (item->created);
      tooltip = item->id;
      break;
    case COLUMN_INPUT:
      text = g_strdup (item->input_name);
      tooltip = item->input_name;
      break;
    case COLUMN_MODELS:
      /* Translators: the number of models, then their ids */
      text = g_strdup_printf (ngettext ("%u model: %s", "%u models: %s", item->n_models),
                              item->n_models, item->models);
      tooltip = item->models;
      break;
    case COLUMN_STATUS:
      text = g_strdup (tb_run_status_label (item->status));
      gtk_widget_add_css_class (GTK_WIDGET (label), tb_run_status_style (item->status));
      break;
    case COLUMN_SCORE:
      if (item->best_score >= 0)
        text = g_strdup_printf ("%.0f", item->best_score);
      else
        {
          text = g_strdup (_("Not judged"));
          gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
        }
      break;
    case COLUMN_COST:
      text = tb_format_usd (item->cost);
      break;
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }

  gtk_label_set_text (label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), tooltip);
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
  return item ? item->id : NULL;
}

static void
update_actions (TbRunsView *self)
{
  TbRunItem *item = get_selected_item (self);
  gboolean busy = item != NULL && g_strcmp0 (item->status, "running") == 0;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store_model));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.open", item != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.judge", item != NULL && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.resume",
                                 item != NULL && status_can_resume (item->status));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.delete", item != NULL && !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.judge-all", n > 0);
}

static void
on_selection_changed (TbRunsView *self)
{
  update_actions (self);
}

static void
on_row_activated (TbRunsView    *self,
                  guint          position,
                  GtkColumnView *view)
{
  g_autoptr(TbRunItem) item = g_list_model_get_item (G_LIST_MODEL (self->sort_model), position);

  if (item != NULL)
    g_signal_emit (self, signals[SIGNAL_OPEN_RUN], 0, item->id);
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
  id = g_strdup (item->id);
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
action_judge_all (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  g_signal_emit (widget, signals[SIGNAL_JUDGE_ALL], 0);
}

void
tb_runs_view_reload (TbRunsView *self)
{
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autofree char *selected_id = NULL;
  g_autofree char *count = NULL;
  guint n;

  g_return_if_fail (TB_IS_RUNS_VIEW (self));

  selected_id = g_strdup (tb_runs_view_get_selected (self));

  items = g_ptr_array_new_with_free_func (g_object_unref);
  if (self->store != NULL && self->usecase_id != NULL)
    runs = tb_store_list_runs (self->store, self->usecase_id);
  for (guint i = 0; runs != NULL && i < runs->len; i++)
    g_ptr_array_add (items, tb_run_item_new_from_run (self->store, g_ptr_array_index (runs, i)));

  g_list_store_splice (self->store_model, 0,
                       g_list_model_get_n_items (G_LIST_MODEL (self->store_model)),
                       items->pdata, items->len);

  /* keep the selection on the same run when it still exists */
  n = g_list_model_get_n_items (G_LIST_MODEL (self->sort_model));
  for (guint i = 0; selected_id != NULL && i < n; i++)
    {
      g_autoptr(TbRunItem) item = g_list_model_get_item (G_LIST_MODEL (self->sort_model), i);

      if (g_strcmp0 (item->id, selected_id) == 0)
        {
          gtk_single_selection_set_selected (self->selection, i);
          break;
        }
    }

  count = g_strdup_printf (ngettext ("%u run", "%u runs", n), n);
  gtk_label_set_text (self->count_label, count);
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
  update_actions (self);
}

void
tb_runs_view_set_usecase (TbRunsView *self,
                          TbStore    *store,
                          const char *usecase_id)
{
  g_return_if_fail (TB_IS_RUNS_VIEW (self));
  g_return_if_fail (store == NULL || TB_IS_STORE (store));

  g_set_object (&self->store, store);
  g_free (self->usecase_id);
  self->usecase_id = g_strdup (usecase_id);
  tb_runs_view_reload (self);
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

static void
tb_runs_view_dispose (GObject *object)
{
  TbRunsView *self = TB_RUNS_VIEW (object);
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_RUNS_VIEW);
  /* the template's root has no id, so dispose_template leaves it */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  for (guint i = 0; i < N_COLUMNS; i++)
    g_clear_object (&self->columns[i]);
  g_clear_object (&self->selection);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->store_model);
  g_clear_object (&self->store);
  g_clear_pointer (&self->usecase_id, g_free);

  G_OBJECT_CLASS (tb_runs_view_parent_class)->dispose (object);
}

static void
tb_runs_view_class_init (TbRunsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_runs_view_dispose;

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
  signals[SIGNAL_JUDGE_ALL] =
    g_signal_new ("judge-all", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_install_action (widget_class, "runs.open", NULL, action_open);
  gtk_widget_class_install_action (widget_class, "runs.judge", NULL, action_judge);
  gtk_widget_class_install_action (widget_class, "runs.resume", NULL, action_resume);
  gtk_widget_class_install_action (widget_class, "runs.delete", NULL, action_delete);
  gtk_widget_class_install_action (widget_class, "runs.judge-all", NULL, action_judge_all);

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
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "runsview");
}

static void
tb_runs_view_init (TbRunsView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->store_model = g_list_store_new (TB_TYPE_RUN_ITEM);

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

  self->sort_model = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->store_model)),
                                              g_object_ref (gtk_column_view_get_sorter (
                                                self->column_view)));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sort_model)));
  gtk_single_selection_set_autoselect (self->selection, TRUE);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selection_changed), self, G_CONNECT_SWAPPED);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));

  /* newest first, as the store lists them */
  gtk_column_view_sort_by_column (self->column_view, self->columns[COLUMN_DATE],
                                  GTK_SORT_DESCENDING);
  tb_runs_view_reload (self);
}

GtkWidget *
tb_runs_view_new (void)
{
  return g_object_new (TB_TYPE_RUNS_VIEW, NULL);
}
