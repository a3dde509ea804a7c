/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-call-row.h"
#include "tb-runner.h"

G_BEGIN_DECLS

/* The live view of a run, resume or judging pass: a list view bound to the runner's calls
 * (candidates and judges in one list, judging starting as outputs land) and a progress bar
 * that follows the runner's `finished` and `total`. */
#define TB_TYPE_RUN_MONITOR (tb_run_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TbRunMonitor, tb_run_monitor, TB, RUN_MONITOR, GtkWidget)

GtkWidget  *tb_run_monitor_new          (void);

/* Shows the calls of `runner`; NULL detaches. */
void        tb_run_monitor_set_runner   (TbRunMonitor *self,
                                         TbRunner     *runner);
/* Whether the runner's job is still under way (the window knows when it ends). */
void        tb_run_monitor_set_running  (TbRunMonitor *self,
                                         gboolean      running);

/* The model the list view shows (its items are the runner's TbCall objects). */
GListModel *tb_run_monitor_get_model    (TbRunMonitor *self);
/* For tests: the row widgets bound to a call, and the row of the call at `position`
 * (NULL when the list view made none for it). */
guint       tb_run_monitor_get_n_rows   (TbRunMonitor *self);
TbCallRow  *tb_run_monitor_get_row      (TbRunMonitor *self,
                                         guint         position);
double      tb_run_monitor_get_fraction (TbRunMonitor *self);

G_END_DECLS
