/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-call.h"

G_BEGIN_DECLS

/* One row of the run monitor: a call of the run (a candidate answering, a judge scoring),
 * kept up to date from the call's properties as they notify. */
#define TB_TYPE_CALL_ROW (tb_call_row_get_type ())
G_DECLARE_FINAL_TYPE (TbCallRow, tb_call_row, TB, CALL_ROW, GtkWidget)

GtkWidget  *tb_call_row_new        (void);

/* nullable: an unbound row shows nothing. */
void        tb_call_row_set_call   (TbCallRow *self,
                                    TbCall    *call);
TbCall     *tb_call_row_get_call   (TbCallRow *self);

/* A candidate's output as its judges scored it (their mean so far), shown beside its cost;
 * < 0: not scored (yet). */
void        tb_call_row_set_judged (TbCallRow *self,
                                    double     score);

/* What the row shows on the right: a candidate's cost ("$0.0012 billed", with "Score 80 · "
 * before it once judged), a judge's score ("Score 80"), or why there is none; "" while under
 * way. */
const char *tb_call_row_get_value  (TbCallRow *self);
/* The line under the model: state, tokens, time. */
const char *tb_call_row_get_detail (TbCallRow *self);

G_END_DECLS
