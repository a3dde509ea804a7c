/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-index.h"
#include "tb-run-list.h"
#include "tb-store.h"

G_BEGIN_DECLS

#define TB_TYPE_COSTS_VIEW (tb_costs_view_get_type ())
G_DECLARE_FINAL_TYPE (TbCostsView, tb_costs_view, TB, COSTS_VIEW, GtkWidget)

GtkWidget  *tb_costs_view_new        (void);

/* The grand total and the sum of each use case come from `index`, read in a thread; the
 * runs of the use case open in the window are `list` (its model, lazily bound), and its sums
 * are read again whenever the list changes. */
void        tb_costs_view_set_sources (TbCostsView *self,
                                       TbStore     *store,
                                       TbIndex     *index,
                                       TbRunList   *list);
/* Reads the sums again (a read under way is superseded); while the page is not in sight,
 * once it is shown. */
void        tb_costs_view_reload     (TbCostsView *self);
/* A read is under way, or waits for the page to be shown. */
gboolean    tb_costs_view_is_loading (TbCostsView *self);

/* The home holds simulated runs (the window's demo): their sums are shown, as simulated
 * dollars, and said to be so. */
void         tb_costs_view_set_simulated (TbCostsView *self,
                                          gboolean     simulated);
gboolean     tb_costs_view_get_simulated (TbCostsView *self);

G_END_DECLS
