/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tb-index.h"
#include "tb-store.h"

G_BEGIN_DECLS

/* The runs of one use case, as the index lists them, for the window's Runs and Costs pages.
 * Every load runs in a thread (a load of a superseded use case, or one replaced by a newer
 * load, is dropped), and the list follows the files: it reloads itself when the use case's
 * results folder changes (a run made by the CLI appears by itself) or when a run under way
 * writes its run.json, a short moment after the last change of a burst. */
#define TB_TYPE_RUN_LIST (tb_run_list_get_type ())
G_DECLARE_FINAL_TYPE (TbRunList, tb_run_list, TB, RUN_LIST, GObject)

TbRunList  *tb_run_list_new           (TbStore    *store,
                                       TbIndex    *index);

/* Empties the list and loads the runs of `usecase_id` (NULL: none). */
void        tb_run_list_set_usecase   (TbRunList  *self,
                                       const char *usecase_id);
const char *tb_run_list_get_usecase   (TbRunList  *self);

/* TbRunItem*, newest first; its items are replaced when a load lands. */
GListModel *tb_run_list_get_model     (TbRunList  *self);

/* Reads the list again now (the index checks every run's files). */
void        tb_run_list_reload        (TbRunList  *self);
/* Reads it again after a short pause: one reload for a burst of calls. */
void        tb_run_list_queue_reload  (TbRunList  *self);

/* A load is under way. */
gboolean    tb_run_list_get_loading   (TbRunList  *self);
/* The list holds the runs of the use case (FALSE until its first load lands). */
gboolean    tb_run_list_get_loaded    (TbRunList  *self);

G_END_DECLS
