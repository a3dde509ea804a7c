/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-runner.h"

G_BEGIN_DECLS

#define TB_TYPE_RUN_MONITOR (tb_run_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TbRunMonitor, tb_run_monitor, TB, RUN_MONITOR, GtkWidget)

GtkWidget  *tb_run_monitor_new          (void);

/* Follows the runner's ::progress; NULL detaches. Set it before starting the run. */
void        tb_run_monitor_set_runner   (TbRunMonitor *self,
                                         TbRunner     *runner);

/* Whether a judging pass follows the candidates (the runner has a judge): the overall bar
 * then counts the judge calls too, so it never runs backwards. Default FALSE. */
void        tb_run_monitor_set_judging  (TbRunMonitor *self,
                                         gboolean      judging);

/* For tests: rows shown, and one row's state text and value ("$0.0012 billed", "Score 80"). */
guint       tb_run_monitor_get_n_rows   (TbRunMonitor *self);
const char *tb_run_monitor_get_row_state (TbRunMonitor *self,
                                          guint         index);
const char *tb_run_monitor_get_row_value (TbRunMonitor *self,
                                          guint         index);
double      tb_run_monitor_get_fraction (TbRunMonitor *self);

G_END_DECLS
