/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-store.h"
#include "tb-verdict.h"

G_BEGIN_DECLS

/* Two outputs of one run side by side — two models on one input and repeat — with their
 * judges' scores and reasoning, JSON pretty-printed, and the words only one of them has
 * marked (the core's tb_diff_words, computed in a thread); below, every output of the run,
 * filtered by model, input and status. */
#define TB_TYPE_COMPARE_VIEW (tb_compare_view_get_type ())
G_DECLARE_FINAL_TYPE (TbCompareView, tb_compare_view, TB, COMPARE_VIEW, GtkWidget)

GtkWidget   *tb_compare_view_new          (void);

/* Borrows `data` and `judgment` (nullable) until the next call: the run page that owns them
 * calls this again (or with NULL) before they go. Keeps the choices that still apply. */
void         tb_compare_view_set_run      (TbCompareView    *self,
                                           const TbRunData  *data,
                                           const TbJudgment *judgment,
                                           const TbVerdict  *verdict);

/* `model`'s output on `input` (a key; NULL: the first) and `repeat` as A, beside the output of
 * the best other model (by the verdict) as B. */
void         tb_compare_view_show_cell    (TbCompareView    *self,
                                           const char       *model,
                                           const char       *input,
                                           guint            repeat);
void         tb_compare_view_set_models   (TbCompareView    *self,
                                           const char       *model_a,
                                           const char       *model_b);
void         tb_compare_view_set_diff     (TbCompareView    *self,
                                           gboolean          diff);

/* What the panes show (0: A, 1: B), for tests: the model, the text, and how many spans
 * the diff marks (0 while it is off or being computed). */
const char  *tb_compare_view_get_model    (TbCompareView    *self,
                                           guint             side);
char        *tb_compare_view_dup_text     (TbCompareView    *self,
                                           guint             side);
guint        tb_compare_view_get_n_marked (TbCompareView    *self,
                                           guint             side);
/* The diff is being computed. */
gboolean     tb_compare_view_is_busy      (TbCompareView    *self);

/* The outputs list as filtered (items of a private type; count them). NULL model, input
 * (a key) or status ("ok", "failed", "cancelled", "skipped") means any. */
GListModel  *tb_compare_view_get_outputs  (TbCompareView    *self);
void         tb_compare_view_set_filter   (TbCompareView    *self,
                                           const char       *model,
                                           const char       *input,
                                           const char       *status);

G_END_DECLS
