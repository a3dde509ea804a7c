/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-store.h"

G_BEGIN_DECLS

/* One row of the runs list: a summary read from the run's files. */
#define TB_TYPE_RUN_ITEM (tb_run_item_get_type ())
G_DECLARE_FINAL_TYPE (TbRunItem, tb_run_item, TB, RUN_ITEM, GObject)

const char  *tb_run_item_get_id          (TbRunItem *self);
const char  *tb_run_item_get_created     (TbRunItem *self);   /* ISO 8601 UTC */
const char  *tb_run_item_get_input_name  (TbRunItem *self);
guint        tb_run_item_get_n_models    (TbRunItem *self);
const char  *tb_run_item_get_models      (TbRunItem *self);   /* "a, b, c" */
const char  *tb_run_item_get_status      (TbRunItem *self);
double       tb_run_item_get_best_score  (TbRunItem *self);   /* -1: not judged */
double       tb_run_item_get_cost        (TbRunItem *self);   /* candidates + judge, USD */

#define TB_TYPE_RUNS_VIEW (tb_runs_view_get_type ())
G_DECLARE_FINAL_TYPE (TbRunsView, tb_runs_view, TB, RUNS_VIEW, GtkWidget)

GtkWidget   *tb_runs_view_new            (void);

/* Lists the runs of `usecase_id` (nullable: none) and keeps the store for reloads. */
void         tb_runs_view_set_usecase    (TbRunsView  *self,
                                          TbStore     *store,
                                          const char  *usecase_id);
void         tb_runs_view_reload         (TbRunsView  *self);

/* The rows as shown (sorted), TbRunItem*; for tests and the window. */
GListModel  *tb_runs_view_get_model      (TbRunsView  *self);
/* Id of the selected run, or NULL. */
const char  *tb_runs_view_get_selected   (TbRunsView  *self);
/* Sorts by a column: "date" "input" "models" "status" "score" "cost". */
void         tb_runs_view_sort_by        (TbRunsView  *self,
                                          const char  *column,
                                          GtkSortType  order);

G_END_DECLS
