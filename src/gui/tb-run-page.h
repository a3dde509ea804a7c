/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-store.h"

G_BEGIN_DECLS

#define TB_TYPE_RUN_PAGE (tb_run_page_get_type ())
G_DECLARE_FINAL_TYPE (TbRunPage, tb_run_page, TB, RUN_PAGE, GtkWidget)

GtkWidget  *tb_run_page_new         (void);

/* Loads the run's files and shows them, latest judgment first. `run_id` NULL shows the
 * empty state; a missing run shows the error. Call again to refresh. */
void        tb_run_page_set_run     (TbRunPage   *self,
                                     TbStore     *store,
                                     const char  *run_id);

/* nullable */
const char *tb_run_page_get_run_id  (TbRunPage   *self);

G_END_DECLS
