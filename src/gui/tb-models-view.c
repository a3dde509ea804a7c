/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-models-view"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "tb-defaults.h"
#include "tb-models-view.h"

#define RECOMMEND_COUNT 6
#define DEFAULT_SELECTION 3

struct _TbModelsView
{
  AdwBin               parent_instance;

  TbClient            *client;
  TbCatalog           *catalog;
  TbUsecase           *usecase;
  gint64               input_tokens;
  GPtrArray           *picks;          /* TbPick* */
  gboolean             user_edited;    /* keep the user's choice over new recommendations */
  gboolean             simulated;
  gboolean             loading;
  GCancellable        *cancellable;

  GtkStringList       *selected;
  GtkStringList       *recommended;
  GtkStringList       *catalog_ids;
  GtkCustomFilter     *search_filter;
  GtkFilterListModel  *search_model;
  char                *search_text;

  GtkSpinner          *spinner;
  GtkLabel            *status_label;
  GtkListBox          *selected_list;
  GtkSearchEntry      *search_entry;
  GtkWidget           *search_scroller;
  GtkListView         *search_list;
  GtkWidget           *recommended_group;
  GtkListBox          *recommended_list;
};

G_DEFINE_FINAL_TYPE (TbModelsView, tb_models_view, ADW_TYPE_BIN)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The models to run changed, or what is known of them (the catalog came). */
static void
emit_changed (TbModelsView *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

GtkWidget *
tb_models_view_new (void)
{
  return g_object_new (TB_TYPE_MODELS_VIEW, NULL);
}

TbCatalog *
tb_models_view_get_catalog (TbModelsView *self)
{
  g_return_val_if_fail (TB_IS_MODELS_VIEW (self), NULL);
  return self->catalog;
}

gboolean
tb_models_view_is_loading (TbModelsView *self)
{
  g_return_val_if_fail (TB_IS_MODELS_VIEW (self), FALSE);
  return self->loading;
}

static guint
string_list_find (GtkStringList *list,
                  const char    *id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (gtk_string_list_get_string (list, i), id) == 0)
      return i;
  return G_MAXUINT;
}

static const TbPick *
find_pick (TbModelsView *self,
           const char   *id)
{
  for (guint i = 0; self->picks != NULL && i < self->picks->len; i++)
    {
      const TbPick *pick = g_ptr_array_index (self->picks, i);

      if (g_strcmp0 (pick->model->id, id) == 0)
        return pick;
    }
  return NULL;
}

/* "128k context · $0.15/M in · $0.60/M out" */
static char *
describe_model (const TbModel *model)
{
  GString *s = g_string_new (NULL);
  /* Formatted apart: a 64-bit format macro in a msgid would not survive translation */
  g_autofree char *context = g_strdup_printf ("%" G_GINT64_FORMAT,
                                              model->context_length >= 1000
                                              ? model->context_length / 1000
                                              : model->context_length);

  if (model->context_length >= 1000)
    /* TRANSLATORS: "128k context": the model reads up to 128 000 tokens at once */
    g_string_append_printf (s, _("%sk context"), context);
  else if (model->context_length > 0)
    g_string_append_printf (s, ngettext ("%s token context", "%s tokens context",
                                         (gulong) model->context_length),
                            context);
  else
    g_string_append (s, _("context unknown"));

  if (model->price_unknown)
    g_string_append_printf (s, " · %s", _("price unknown"));
  else if (model->price_prompt == 0 && model->price_completion == 0)
    g_string_append_printf (s, " · %s", _("free"));
  else
    g_string_append_printf (s, _(" · $%.2f/M in · $%.2f/M out"),
                            model->price_prompt * 1e6, model->price_completion * 1e6);
  return g_string_free (s, FALSE);
}

static char *
row_subtitle (TbModelsView *self,
              const char   *id)
{
  const TbPick *pick = find_pick (self, id);
  const TbModel *model;

  if (pick != NULL && pick->reason != NULL)
    return g_strdup (pick->reason);
  if (self->catalog == NULL)
    return g_strdup (self->loading ? _("Loading details…") : "");
  model = tb_catalog_lookup (self->catalog, id);
  if (model == NULL)
    return g_strdup (_("Not in the catalog: the server may reject it"));
  return describe_model (model);
}

static void
refresh_recommended (TbModelsView *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; self->picks != NULL && i < self->picks->len; i++)
    {
      const TbPick *pick = g_ptr_array_index (self->picks, i);

      if (string_list_find (self->selected, pick->model->id) == G_MAXUINT)
        g_ptr_array_add (ids, pick->model->id);
    }
  g_ptr_array_add (ids, NULL);

  gtk_string_list_splice (self->recommended, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->recommended)),
                          (const char * const *) ids->pdata);
  gtk_widget_set_visible (self->recommended_group, ids->len > 1);
}

static void
remove_clicked_cb (GtkButton    *button,
                   TbModelsView *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "model-id");
  guint pos = string_list_find (self->selected, id);

  if (pos == G_MAXUINT)
    return;
  self->user_edited = TRUE;
  gtk_string_list_remove (self->selected, pos);
  refresh_recommended (self);
  emit_changed (self);
}

static void
add_clicked_cb (GtkButton    *button,
                TbModelsView *self)
{
  tb_models_view_add (self, g_object_get_data (G_OBJECT (button), "model-id"));
}

static GtkWidget *
create_row (TbModelsView *self,
            const char   *id,
            gboolean      removable)
{
  g_autofree char *subtitle = row_subtitle (self, id);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), id);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);

  button = gtk_button_new_from_icon_name (removable ? "list-remove-symbolic"
                                                    : "list-add-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, removable ? _("Remove") : _("Add"));
  g_object_set_data_full (G_OBJECT (button), "model-id", g_strdup (id), g_free);
  g_signal_connect_object (button, "clicked",
                           removable ? G_CALLBACK (remove_clicked_cb) : G_CALLBACK (add_clicked_cb),
                           self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return row;
}

static GtkWidget *
create_selected_row (gpointer item,
                     gpointer user_data)
{
  return create_row (user_data, gtk_string_object_get_string (item), TRUE);
}

static GtkWidget *
create_recommended_row (gpointer item,
                        gpointer user_data)
{
  return create_row (user_data, gtk_string_object_get_string (item), FALSE);
}

/* Rows show catalog details, so they are re-made once the catalog or the picks change. */
static void
rebind_lists (TbModelsView *self)
{
  gtk_list_box_bind_model (self->selected_list, G_LIST_MODEL (self->selected),
                           create_selected_row, self, NULL);
  refresh_recommended (self);
}

static void
set_selection (TbModelsView       *self,
               const char * const *ids)
{
  gtk_string_list_splice (self->selected, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->selected)), NULL);
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    if (*ids[i] != '\0' && string_list_find (self->selected, ids[i]) == G_MAXUINT)
      gtk_string_list_append (self->selected, ids[i]);
  refresh_recommended (self);
  emit_changed (self);
}

static void
apply_default_selection (TbModelsView *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_auto(GStrv) defaults = NULL;

  if (self->user_edited)
    return;

  /* What the CLI runs when no model is named; when there is none, the recommendation. */
  defaults = self->usecase != NULL ? tb_default_candidates_for (self->usecase, self->simulated,
                                                                NULL)
                                    : NULL;
  if (defaults != NULL)
    {
      set_selection (self, (const char * const *) defaults);
      return;
    }

  for (guint i = 0; self->picks != NULL && i < self->picks->len && i < DEFAULT_SELECTION; i++)
    g_ptr_array_add (ids, ((TbPick *) g_ptr_array_index (self->picks, i))->model->id);
  g_ptr_array_add (ids, NULL);
  set_selection (self, (const char * const *) ids->pdata);
}

static void
recompute (TbModelsView *self)
{
  g_clear_pointer (&self->picks, g_ptr_array_unref);
  if (self->catalog != NULL && self->usecase != NULL)
    self->picks = tb_recommend (self->catalog, self->usecase, self->input_tokens,
                                RECOMMEND_COUNT);
  apply_default_selection (self);
  rebind_lists (self);
}

static void
fill_catalog_ids (TbModelsView *self)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();

  for (guint i = 0; self->catalog != NULL && i < self->catalog->models->len; i++)
    g_ptr_array_add (ids, ((TbModel *) g_ptr_array_index (self->catalog->models, i))->id);
  g_ptr_array_add (ids, NULL);
  gtk_string_list_splice (self->catalog_ids, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->catalog_ids)),
                          (const char * const *) ids->pdata);
}

static void
catalog_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TbModelsView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  g_autoptr(TbCatalog) catalog = tb_catalog_load_finish (result, &warning, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->loading = FALSE;
  gtk_spinner_stop (self->spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);

  if (catalog == NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("The model catalog could not be loaded (%s). Models can still be "
                           "added by id."), error->message);
      gtk_label_set_text (self->status_label, message);
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
      rebind_lists (self);
      return;
    }

  g_clear_pointer (&self->catalog, tb_catalog_unref);
  self->catalog = g_steal_pointer (&catalog);
  gtk_label_set_text (self->status_label, warning != NULL ? warning : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), warning != NULL);
  fill_catalog_ids (self);
  recompute (self);
  emit_changed (self);
}

void
tb_models_view_set_client (TbModelsView *self,
                           TbClient     *client)
{
  g_return_if_fail (TB_IS_MODELS_VIEW (self));
  g_return_if_fail (TB_IS_CLIENT (client));

  g_set_object (&self->client, client);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  self->loading = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  gtk_spinner_start (self->spinner);
  tb_catalog_load_async (client, FALSE, self->cancellable, catalog_cb, g_object_ref (self));
}

void
tb_models_view_set_usecase (TbModelsView *self,
                            TbUsecase    *usecase)
{
  g_return_if_fail (TB_IS_MODELS_VIEW (self));

  if (self->usecase != NULL)
    tb_usecase_unref (self->usecase);
  self->usecase = usecase != NULL ? tb_usecase_ref (usecase) : NULL;
  self->user_edited = FALSE;
  recompute (self);
}

void
tb_models_view_set_simulated (TbModelsView *self,
                              gboolean      simulated)
{
  g_return_if_fail (TB_IS_MODELS_VIEW (self));

  if (self->simulated == !!simulated)
    return;
  self->simulated = !!simulated;
  self->user_edited = FALSE;
  recompute (self);
}

void
tb_models_view_set_input_tokens (TbModelsView *self,
                                 gint64        tokens)
{
  g_return_if_fail (TB_IS_MODELS_VIEW (self));

  if (self->input_tokens == tokens)
    return;
  self->input_tokens = tokens;
  recompute (self);
}

GStrv
tb_models_view_dup_selected (TbModelsView *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint n;

  g_return_val_if_fail (TB_IS_MODELS_VIEW (self), NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->selected));
  for (guint i = 0; i < n; i++)
    g_strv_builder_add (builder, gtk_string_list_get_string (self->selected, i));
  return g_strv_builder_end (builder);
}

void
tb_models_view_set_selected (TbModelsView       *self,
                             const char * const *ids)
{
  g_return_if_fail (TB_IS_MODELS_VIEW (self));

  self->user_edited = TRUE;
  set_selection (self, ids);
}

void
tb_models_view_add (TbModelsView *self,
                    const char   *id)
{
  g_return_if_fail (TB_IS_MODELS_VIEW (self));

  if (id == NULL || *id == '\0' || string_list_find (self->selected, id) != G_MAXUINT)
    return;
  self->user_edited = TRUE;
  gtk_string_list_append (self->selected, id);
  refresh_recommended (self);
  emit_changed (self);
}

static gboolean
search_match (gpointer item,
              gpointer user_data)
{
  TbModelsView *self = user_data;
  const char *id = gtk_string_object_get_string (item);
  const TbModel *model;
  g_autofree char *folded = NULL;

  if (self->search_text == NULL)
    return FALSE;
  folded = g_utf8_casefold (id, -1);
  if (strstr (folded, self->search_text) != NULL)
    return TRUE;
  model = self->catalog != NULL ? tb_catalog_lookup (self->catalog, id) : NULL;
  if (model != NULL && model->name != NULL)
    {
      g_free (folded);
      folded = g_utf8_casefold (model->name, -1);
      return strstr (folded, self->search_text) != NULL;
    }
  return FALSE;
}

static void
search_changed_cb (TbModelsView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  g_clear_pointer (&self->search_text, g_free);
  if (*stripped != '\0')
    self->search_text = g_utf8_casefold (stripped, -1);
  gtk_filter_changed (GTK_FILTER (self->search_filter), GTK_FILTER_CHANGE_DIFFERENT);
  gtk_widget_set_visible (self->search_scroller,
                          self->search_text != NULL
                          && g_list_model_get_n_items (G_LIST_MODEL (self->search_model)) > 0);
}

/* Enter adds the only match, or the typed id itself: a model missing from the catalog
 * (a local server's) can still be run. */
static void
search_activate_cb (TbModelsView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *id = g_strstrip (g_strdup (text));
  GListModel *results = G_LIST_MODEL (self->search_model);

  if (g_list_model_get_n_items (results) == 1)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (results, 0);

      g_free (id);
      id = g_strdup (gtk_string_object_get_string (item));
    }
  if (*id == '\0')
    return;
  tb_models_view_add (self, id);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
search_row_activate_cb (TbModelsView *self,
                        guint         position)
{
  g_autoptr(GtkStringObject) item =
    g_list_model_get_item (G_LIST_MODEL (self->search_model), position);

  if (item == NULL)
    return;
  tb_models_view_add (self, gtk_string_object_get_string (item));
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

static void
search_setup_cb (GtkSignalListItemFactory *factory,
                 GObject                  *object,
                 gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *id_label = gtk_label_new (NULL);
  GtkWidget *name_label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (id_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (id_label), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (name_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name_label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (name_label, "dim-label");
  gtk_widget_add_css_class (name_label, "caption");
  gtk_box_append (GTK_BOX (box), id_label);
  gtk_box_append (GTK_BOX (box), name_label);
  gtk_list_item_set_child (GTK_LIST_ITEM (object), box);
}

static void
search_bind_cb (GtkSignalListItemFactory *factory,
                GObject                  *object,
                gpointer                  user_data)
{
  TbModelsView *self = user_data;
  GtkListItem *list_item = GTK_LIST_ITEM (object);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *id_label = gtk_widget_get_first_child (box);
  GtkWidget *name_label = gtk_widget_get_next_sibling (id_label);
  const char *id = gtk_string_object_get_string (gtk_list_item_get_item (list_item));
  const TbModel *model = self->catalog != NULL ? tb_catalog_lookup (self->catalog, id) : NULL;
  g_autofree char *details = model != NULL ? describe_model (model) : NULL;
  g_autofree char *line = NULL;

  if (model != NULL && model->name != NULL)
    line = g_strdup_printf ("%s · %s", model->name, details);
  gtk_label_set_text (GTK_LABEL (id_label), id);
  gtk_label_set_text (GTK_LABEL (name_label), line != NULL ? line : details);
}

static void
tb_models_view_dispose (GObject *object)
{
  TbModelsView *self = TB_MODELS_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->selected_list != NULL)
    gtk_list_box_bind_model (self->selected_list, NULL, NULL, NULL, NULL);
  if (self->recommended_list != NULL)
    gtk_list_box_bind_model (self->recommended_list, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_MODELS_VIEW);
  self->selected_list = NULL;
  self->recommended_list = NULL;

  g_clear_object (&self->client);
  g_clear_pointer (&self->catalog, tb_catalog_unref);
  g_clear_pointer (&self->usecase, tb_usecase_unref);
  g_clear_pointer (&self->picks, g_ptr_array_unref);
  g_clear_object (&self->selected);
  g_clear_object (&self->recommended);
  g_clear_object (&self->search_model);
  g_clear_object (&self->catalog_ids);

  G_OBJECT_CLASS (tb_models_view_parent_class)->dispose (object);
}

static void
tb_models_view_finalize (GObject *object)
{
  TbModelsView *self = TB_MODELS_VIEW (object);

  g_free (self->search_text);

  G_OBJECT_CLASS (tb_models_view_parent_class)->finalize (object);
}

static void
tb_models_view_class_init (TbModelsViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_models_view_dispose;
  object_class->finalize = tb_models_view_finalize;

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
    "/io/github/taskbench/TaskBench/tb-models-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TbModelsView, spinner);
  gtk_widget_class_bind_template_child (widget_class, TbModelsView, status_label);
  gtk_widget_class_bind_template_child (widget_class, TbModelsView, selected_list);
  gtk_widget_class_bind_template_child (widget_class, TbModelsView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TbModelsView, search_scroller);
  gtk_widget_class_bind_template_child (widget_class, TbModelsView, search_list);
  gtk_widget_class_bind_template_child (widget_class, TbModelsView, recommended_group);
  gtk_widget_class_bind_template_child (widget_class, TbModelsView, recommended_list);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_row_activate_cb);
}

static void
tb_models_view_init (TbModelsView *self)
{
  GtkListItemFactory *factory;
  GtkNoSelection *selection;
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->selected = gtk_string_list_new (NULL);
  self->recommended = gtk_string_list_new (NULL);
  self->catalog_ids = gtk_string_list_new (NULL);

  self->search_filter = gtk_custom_filter_new (search_match, self, NULL);
  self->search_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->catalog_ids)),
                                                  GTK_FILTER (self->search_filter));
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->search_model)));
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (search_setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (search_bind_cb), self);
  gtk_list_view_set_model (self->search_list, GTK_SELECTION_MODEL (selection));
  gtk_list_view_set_factory (self->search_list, factory);
  g_object_unref (selection);
  g_object_unref (factory);

  placeholder = gtk_label_new (_("No models chosen: add one from the catalog below"));
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 12);
  gtk_widget_set_margin_bottom (placeholder, 12);
  gtk_widget_set_margin_start (placeholder, 12);
  gtk_widget_set_margin_end (placeholder, 12);
  gtk_list_box_set_placeholder (self->selected_list, placeholder);

  gtk_list_box_bind_model (self->recommended_list, G_LIST_MODEL (self->recommended),
                           create_recommended_row, self, NULL);
  rebind_lists (self);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
}
