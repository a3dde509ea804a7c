/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-store.h"

G_BEGIN_DECLS

#define TB_TYPE_COSTS_VIEW (tb_costs_view_get_type ())
G_DECLARE_FINAL_TYPE (TbCostsView, tb_costs_view, TB, COSTS_VIEW, GtkWidget)

GtkWidget  *tb_costs_view_new        (void);

/* Shows the runs and total of `usecase_id` (nullable: only the totals over all use cases)
 * and the grand total, from the store's rollups. Call again to refresh. */
void        tb_costs_view_set_store  (TbCostsView *self,
                                      TbStore     *store,
                                      const char  *usecase_id);

G_END_DECLS
