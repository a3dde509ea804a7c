/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tb-application.h"
#include "tb-export.h"
#include "tb-input-view.h"
#include "tb-models-view.h"
#include "tb-run-list.h"
#include "tb-runner.h"
#include "tb-usecase-editor.h"

G_BEGIN_DECLS

#define TB_TYPE_WINDOW (tb_window_get_type ())
G_DECLARE_FINAL_TYPE (TbWindow, tb_window, TB, WINDOW, AdwApplicationWindow)

TbWindow        *tb_window_new              (TbApplication *app);

/* Re-reads usecases/ into the sidebar, keeping the selection when it still exists. */
void             tb_window_reload_usecases  (TbWindow   *self);
/* Selects and opens a use case as a click would (asking about unsaved edits first).
 * FALSE when there is no such id in the list. */
gboolean         tb_window_select_usecase   (TbWindow   *self,
                                             const char *id);
/* nullable: the open use case */
const char      *tb_window_get_usecase_id   (TbWindow   *self);

/* What a drop on the Run page and the Open dialog both call. Reads without blocking. */
void             tb_window_load_input_file  (TbWindow   *self,
                                             GFile      *file);
void             tb_window_set_models       (TbWindow           *self,
                                             const char * const *ids);

/* Writes run `run_id`'s report to `path` in `format` in a thread, then says so in a toast
 * that opens the file, or says why not: what Export…'s chooser calls. */
void             tb_window_export_run       (TbWindow       *self,
                                             const char     *run_id,
                                             const char     *path,
                                             TbExportFormat  format);
/* A report is being written. */
gboolean         tb_window_is_exporting     (TbWindow   *self);
/* The runner of the current or last operation (run, resume, judge), or NULL. */
TbRunner        *tb_window_get_runner       (TbWindow   *self);
/* A run, resume or judge pass is under way. */
gboolean         tb_window_is_busy          (TbWindow   *self);
/* nullable: the id of the run the last run or resume produced */
const char      *tb_window_get_last_run_id  (TbWindow   *self);

/* What the window said last in a toast, and how many toasts it showed: for tests. */
const char      *tb_window_get_last_toast   (TbWindow   *self);
guint            tb_window_get_toast_count  (TbWindow   *self);
/* Dismisses every toast shown or queued: for screenshots. */
void             tb_window_dismiss_toasts   (TbWindow   *self);

TbUsecaseEditor *tb_window_get_editor       (TbWindow   *self);
TbInputView     *tb_window_get_input_view   (TbWindow   *self);
TbModelsView    *tb_window_get_models_view  (TbWindow   *self);
GtkWidget       *tb_window_get_runs_view    (TbWindow   *self);
/* The runs of the open use case, which the Runs and Costs pages show. */
TbRunList       *tb_window_get_run_list     (TbWindow   *self);

G_END_DECLS
