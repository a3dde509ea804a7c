/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tb-catalog.h"
#include "tb-client.h"
#include "tb-usecase.h"

G_BEGIN_DECLS

#define TB_TYPE_MODELS_VIEW (tb_models_view_get_type ())
G_DECLARE_FINAL_TYPE (TbModelsView, tb_models_view, TB, MODELS_VIEW, AdwBin)

GtkWidget  *tb_models_view_new              (void);

/* ::changed: the models to run changed, or the catalog arrived. */

/* Loads the catalog through this client (cached copy when fresh); a spinner shows
 * meanwhile and a warning when offline. */
void        tb_models_view_set_client       (TbModelsView *self,
                                             TbClient     *client);
/* Resets the selection to the use case's candidates, else the top recommendations. */
void        tb_models_view_set_usecase      (TbModelsView *self,
                                             TbUsecase    *usecase);
/* The simulated models are the catalog: a use case's own candidates are real models they
 * do not serve, so the selection starts with the simulated ones (tb_default_candidates_for). */
void        tb_models_view_set_simulated    (TbModelsView *self,
                                             gboolean      simulated);
void        tb_models_view_set_input_tokens (TbModelsView *self,
                                             gint64        tokens);

/* The models to run, in order. */
GStrv       tb_models_view_dup_selected     (TbModelsView *self);
void        tb_models_view_set_selected     (TbModelsView       *self,
                                             const char * const *ids);
void        tb_models_view_add              (TbModelsView *self,
                                             const char   *id);

/* NULL until loaded (or when it failed). */
TbCatalog  *tb_models_view_get_catalog      (TbModelsView *self);
gboolean    tb_models_view_is_loading       (TbModelsView *self);

G_END_DECLS
