/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-run-item.h"
#include "tb-run-list.h"

G_BEGIN_DECLS

#define TB_TYPE_RUNS_VIEW (tb_runs_view_get_type ())
G_DECLARE_FINAL_TYPE (TbRunsView, tb_runs_view, TB, RUNS_VIEW, GtkWidget)

GtkWidget   *tb_runs_view_new            (void);

/* Shows the runs of `list` (nullable: none), with a spinner while it loads. */
void         tb_runs_view_set_list       (TbRunsView  *self,
                                          TbRunList   *list);

/* The rows as shown (sorted), TbRunItem*; for tests and the window. */
GListModel  *tb_runs_view_get_model      (TbRunsView  *self);
/* Id of the selected run, or NULL. */
const char  *tb_runs_view_get_selected   (TbRunsView  *self);
/* Selection mode: check boxes on the rows, and Delete… for the runs checked (the
 * ::delete-runs signal); the rows' menus are hidden meanwhile. */
gboolean     tb_runs_view_get_selection_mode (TbRunsView *self);
void         tb_runs_view_set_selection_mode (TbRunsView *self,
                                              gboolean    selection_mode);
void         tb_runs_view_set_checked    (TbRunsView  *self,
                                          const char  *run_id,
                                          gboolean     checked);
/* Sorts by a column: "date" "input" "models" "status" "score" "cost". */
void         tb_runs_view_sort_by        (TbRunsView  *self,
                                          const char  *column,
                                          GtkSortType  order);

/* Whether the view is narrow and shows only date, status, best score and cost. */
gboolean     tb_runs_view_is_narrow       (TbRunsView *self);

G_END_DECLS
