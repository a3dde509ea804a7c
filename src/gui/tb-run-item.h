/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "tb-run-summary.h"

G_BEGIN_DECLS

/* One run in a list: the core's summary of it (tb-run-summary.h), as a GObject whose
 * properties list views sort and bind on. Read-only: a changed run is a new item. */
#define TB_TYPE_RUN_ITEM (tb_run_item_get_type ())
G_DECLARE_FINAL_TYPE (TbRunItem, tb_run_item, TB, RUN_ITEM, GObject)

/* Takes `summary`. */
TbRunItem          *tb_run_item_new             (TbRunSummary *summary);

const TbRunSummary *tb_run_item_get_summary     (TbRunItem *self);
const char         *tb_run_item_get_id          (TbRunItem *self);
const char         *tb_run_item_get_created     (TbRunItem *self);   /* ISO 8601 UTC */
const char         *tb_run_item_get_input_name  (TbRunItem *self);   /* or "5 inputs" */
guint               tb_run_item_get_n_models    (TbRunItem *self);
const char         *tb_run_item_get_models      (TbRunItem *self);   /* "a, b, c" */
TbRunStatus         tb_run_item_get_status      (TbRunItem *self);
double              tb_run_item_get_best_score  (TbRunItem *self);   /* -1: not judged */
double              tb_run_item_get_cost        (TbRunItem *self);   /* candidates + judges */

G_END_DECLS
