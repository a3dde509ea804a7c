/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-store.h"

G_BEGIN_DECLS

#define TB_TYPE_RUN_PAGE (tb_run_page_get_type ())
G_DECLARE_FINAL_TYPE (TbRunPage, tb_run_page, TB, RUN_PAGE, GtkWidget)

GtkWidget  *tb_run_page_new         (void);

/* Reads the run's files in a thread and shows them, latest judgment first (a spinner
 * meanwhile; a refresh of the run shown keeps it until the new read lands). `run_id` NULL
 * shows the empty state; a missing run shows the error. Call again to refresh. */
void        tb_run_page_set_run     (TbRunPage   *self,
                                     TbStore     *store,
                                     const char  *run_id);

/* nullable: the run shown or being read; NULL after a failed read */
const char *tb_run_page_get_run_id  (TbRunPage   *self);
/* A read is under way. */
gboolean    tb_run_page_is_loading  (TbRunPage   *self);

G_END_DECLS
