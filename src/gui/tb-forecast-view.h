/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tb-catalog.h"
#include "tb-client.h"
#include "tb-forecast.h"
#include "tb-testset.h"
#include "tb-usecase.h"

G_BEGIN_DECLS

/* The Run page's money before the call: the forecast of the run as set up (candidates and
 * judges: calls, tokens, dollars, parts; unknown prices named, never $0), the key's
 * remaining limit with the core's balance rule, and the cost cap passed to the runner. The
 * forecast is a dry runner job in a thread (tb-forecast-task.h), made again a moment after
 * the inputs, models, repeats or judges change. */
#define TB_TYPE_FORECAST_VIEW (tb_forecast_view_get_type ())
G_DECLARE_FINAL_TYPE (TbForecastView, tb_forecast_view, TB, FORECAST_VIEW, AdwBin)

GtkWidget        *tb_forecast_view_new          (void);

/* Asks the key's limit (GET /key) of this client, when it has a key. */
void              tb_forecast_view_set_client   (TbForecastView     *self,
                                                 TbClient           *client);
/* The cap the use case sets (budget.max_usd), or none. */
void              tb_forecast_view_set_usecase  (TbForecastView     *self,
                                                 TbUsecase          *usecase);
/* What the run would be; a new forecast is made 0.3 s after the last call. `usecase` NULL,
 * no input or no model: nothing to forecast. */
void              tb_forecast_view_update       (TbForecastView     *self,
                                                 const char         *home,
                                                 TbUsecase          *usecase,
                                                 GPtrArray          *inputs,
                                                 const char * const *models,
                                                 guint               repeat,
                                                 const char * const *judges,
                                                 TbCatalog          *catalog);

/* nullable: the forecast shown (NULL while one is being made or there is nothing to
 * forecast); the completion lengths it assumed, for the runner (tb_runner_set_history). */
const TbForecast *tb_forecast_view_get_forecast (TbForecastView     *self);
GHashTable       *tb_forecast_view_get_history  (TbForecastView     *self);
gboolean          tb_forecast_view_is_loading   (TbForecastView     *self);

/* TRUE when the key's remaining limit covers the forecast (or is unknown, or the key has no
 * limit); else FALSE with the core's message. */
gboolean          tb_forecast_view_check_balance (TbForecastView    *self,
                                                  char             **message);

gboolean          tb_forecast_view_get_max_cost (TbForecastView     *self,
                                                 double             *usd);
void              tb_forecast_view_set_max_cost (TbForecastView     *self,
                                                 gboolean            has_max_cost,
                                                 double              usd);

G_END_DECLS
