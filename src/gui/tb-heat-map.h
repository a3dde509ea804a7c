/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-verdict.h"

G_BEGIN_DECLS

/* The model × input scores of a run (the core's TbScoreMatrix) as a heat map: a row per
 * input, the weakest first, a column per model, each cell coloured by its score and showing
 * it. Where a model fails shows at a glance, not only its mean. A click (or Enter on the
 * focused cell) emits ::cell-activated with the input's key and the model. */
#define TB_TYPE_HEAT_MAP (tb_heat_map_get_type ())
G_DECLARE_FINAL_TYPE (TbHeatMap, tb_heat_map, TB, HEAT_MAP, GtkWidget)

GtkWidget *tb_heat_map_new          (void);

/* Copies the matrix; `input_names` (nullable) names the rows as people know the inputs
 * (their file names), parallel to matrix->inputs. NULL clears the map. */
void       tb_heat_map_set_matrix   (TbHeatMap           *self,
                                     const TbScoreMatrix *matrix,
                                     const char * const  *input_names);

guint      tb_heat_map_get_n_rows    (TbHeatMap *self);
guint      tb_heat_map_get_n_columns (TbHeatMap *self);
/* What a click on that cell does. */
void       tb_heat_map_activate_cell (TbHeatMap *self,
                                      guint      row,
                                      guint      column);

G_END_DECLS
