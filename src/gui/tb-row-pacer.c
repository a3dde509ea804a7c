/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-row-pacer"

#include "config.h"

#include "tb-row-pacer.h"

/* Items added in one step, one step a frame: half a page of rows, so that making their
 * widgets, laying them out and drawing them stays well inside a frame or two. */
#define STEP 8

struct _TbRowPacer
{
  GObject            parent_instance;

  GListModel        *model;
  GtkSliceListModel *slice;
  GtkWidget         *view;         /* weak */
  GtkAdjustment     *adjustment;   /* the view's vertical one */
  guint              tick_id;
};

G_DEFINE_FINAL_TYPE (TbRowPacer, tb_row_pacer, G_TYPE_OBJECT)

static void check (TbRowPacer *self);

/* Less than a page of rows below what is in sight (or nothing to scroll yet). */
static gboolean
near_end (TbRowPacer *self)
{
  double value, upper, page;

  if (self->adjustment == NULL)
    return TRUE;
  value = gtk_adjustment_get_value (self->adjustment);
  upper = gtk_adjustment_get_upper (self->adjustment);
  page = gtk_adjustment_get_page_size (self->adjustment);
  return page <= 0 || value + 2 * page >= upper;
}

static gboolean
more_to_show (TbRowPacer *self)
{
  return gtk_slice_list_model_get_size (self->slice) < g_list_model_get_n_items (self->model);
}

/* One step a frame: its rows are laid out and drawn before the next. */
static gboolean
grow_cb (GtkWidget     *view,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  TbRowPacer *self = user_data;

  self->tick_id = 0;
  if (more_to_show (self) && near_end (self))
    gtk_slice_list_model_set_size (self->slice,
                                   gtk_slice_list_model_get_size (self->slice) + STEP);
  return G_SOURCE_REMOVE;
}

static void
check (TbRowPacer *self)
{
  if (self->tick_id == 0 && self->view != NULL && more_to_show (self) && near_end (self))
    self->tick_id = gtk_widget_add_tick_callback (self->view, grow_cb, self, NULL);
}

static void
stop (TbRowPacer *self)
{
  if (self->tick_id != 0 && self->view != NULL)
    gtk_widget_remove_tick_callback (self->view, self->tick_id);
  self->tick_id = 0;
}

static void
model_changed_cb (TbRowPacer *self)
{
  /* Emptied (another use case, a page out of sight): start small again. */
  if (g_list_model_get_n_items (self->model) == 0)
    {
      gtk_slice_list_model_set_size (self->slice, STEP);
      stop (self);
      return;
    }
  check (self);
}

static void
adjustment_changed_cb (TbRowPacer *self)
{
  check (self);
}

static void
view_adjustment_cb (TbRowPacer *self)
{
  GtkAdjustment *adjustment = NULL;

  if (self->view != NULL)
    adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->view));
  if (adjustment == self->adjustment)
    return;
  if (self->adjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->adjustment, self);
  g_set_object (&self->adjustment, adjustment);
  if (adjustment != NULL)
    {
      g_signal_connect_object (adjustment, "changed", G_CALLBACK (adjustment_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (adjustment_changed_cb),
                               self, G_CONNECT_SWAPPED);
    }
  check (self);
}

GListModel *
tb_row_pacer_get_model (TbRowPacer *self)
{
  g_return_val_if_fail (TB_IS_ROW_PACER (self), NULL);
  return G_LIST_MODEL (self->slice);
}

static void
tb_row_pacer_dispose (GObject *object)
{
  TbRowPacer *self = TB_ROW_PACER (object);

  stop (self);
  if (self->view != NULL)
    g_signal_handlers_disconnect_by_data (self->view, self);
  g_clear_weak_pointer (&self->view);
  if (self->adjustment != NULL)
    g_signal_handlers_disconnect_by_data (self->adjustment, self);
  g_clear_object (&self->adjustment);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->slice);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (tb_row_pacer_parent_class)->dispose (object);
}

static void
tb_row_pacer_class_init (TbRowPacerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tb_row_pacer_dispose;
}

static void
tb_row_pacer_init (TbRowPacer *self)
{
}

TbRowPacer *
tb_row_pacer_new (GListModel *model,
                  GtkWidget  *view)
{
  TbRowPacer *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (model), NULL);
  g_return_val_if_fail (GTK_IS_SCROLLABLE (view), NULL);

  self = g_object_new (TB_TYPE_ROW_PACER, NULL);
  self->model = model;
  g_set_weak_pointer (&self->view, view);
  self->slice = gtk_slice_list_model_new (g_object_ref (model), 0, STEP);
  g_signal_connect_object (model, "items-changed", G_CALLBACK (model_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (view, "notify::vadjustment", G_CALLBACK (view_adjustment_cb), self,
                           G_CONNECT_SWAPPED);
  view_adjustment_cb (self);
  return self;
}
