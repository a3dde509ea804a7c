/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-store.h"
#include "tb-verdict.h"

G_BEGIN_DECLS

#define TB_TYPE_RUN_PAGE (tb_run_page_get_type ())
G_DECLARE_FINAL_TYPE (TbRunPage, tb_run_page, TB, RUN_PAGE, GtkWidget)

GtkWidget       *tb_run_page_new         (void);

/* Reads the run's files in a thread and computes its verdict there (the core's
 * tb_verdict_for_run, for the latest judgment and for each older one), then shows it:
 * the verdict in words, the picks, score against cost with the intervals, per model its
 * mean over inputs, repeats and judges. A spinner shows meanwhile; a refresh of the run
 * shown keeps it until the new read lands. `run_id` NULL shows the empty state; a missing
 * run shows the error. Call again to refresh. */
void             tb_run_page_set_run     (TbRunPage   *self,
                                          TbStore     *store,
                                          const char  *run_id);

/* nullable: the run shown or being read; NULL after a failed read */
const char      *tb_run_page_get_run_id  (TbRunPage   *self);
/* A read is under way. */
gboolean         tb_run_page_is_loading  (TbRunPage   *self);
/* What a header shows for the run: "Run of 2026-11-25 12:31"; empty when none. */
const char      *tb_run_page_get_title   (TbRunPage   *self);

/* nullable: the run as read, and the verdict of the judgment selected (or of the outputs
 * alone when the run is not judged). */
const TbRunData *tb_run_page_get_data    (TbRunPage   *self);
const TbVerdict *tb_run_page_get_verdict (TbRunPage   *self);
/* nullable: the judgment selected */
const TbJudgment *tb_run_page_get_judgment (TbRunPage *self);
/* Selects a judgment of the run, 0 being the latest. */
void             tb_run_page_select_judgment (TbRunPage *self,
                                              guint      index);

G_END_DECLS
