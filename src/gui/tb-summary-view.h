/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-run-list.h"
#include "tb-summary.h"

G_BEGIN_DECLS

/* The Summary page (the CLI's `summary ID`): the use case across every judged run — the
 * pooled verdict in words, score against cost with the intervals, per model its mean with
 * its interval, runs, wins, cost per input and a month at volume. Read in a thread by the
 * core's tb_usecase_summary_load when the page is in sight, again when the runs change. */
#define TB_TYPE_SUMMARY_VIEW (tb_summary_view_get_type ())
G_DECLARE_FINAL_TYPE (TbSummaryView, tb_summary_view, TB, SUMMARY_VIEW, GtkWidget)

GtkWidget              *tb_summary_view_new         (void);

/* The runs of the open use case (the window's list); the summary follows them, kept in
 * `index` (nullable) between reads. */
void                    tb_summary_view_set_sources (TbSummaryView *self,
                                                     TbStore       *store,
                                                     TbIndex       *index,
                                                     TbRunList     *list);
gboolean                tb_summary_view_is_loading  (TbSummaryView *self);
/* nullable: the summary shown */
const TbUsecaseSummary *tb_summary_view_get_summary (TbSummaryView *self);

G_END_DECLS
