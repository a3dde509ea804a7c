/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Gives a list view the rows it shows, and a page more. A GTK 4.8 list view makes, binds,
 * measures and later destroys up to 200 rows for a long model at once: for 3,000 runs a
 * frame of a few hundred milliseconds each time the list is filled or emptied. Through the
 * pacer the view sees the first items of the model, a step at a time (one step a frame),
 * until the rows reach a page past what is in sight; scrolling near the end gives it the
 * next step. A use case of 3,000 runs is then a few dozen rows of widgets. */
#define TB_TYPE_ROW_PACER (tb_row_pacer_get_type ())
G_DECLARE_FINAL_TYPE (TbRowPacer, tb_row_pacer, TB, ROW_PACER, GObject)

/* Takes `model`; paces the rows of `view` (a GtkListView or GtkColumnView: scrollable). */
TbRowPacer *tb_row_pacer_new       (GListModel *model,
                                    GtkWidget  *view);

/* The paced view of the model, to give the list view. */
GListModel *tb_row_pacer_get_model (TbRowPacer *self);

G_END_DECLS
