/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tb-rollup.h"
#include "tb-run-summary.h"
#include "tb-store.h"

G_BEGIN_DECLS

/* The index: an SQLite file in the cache folder that keeps each run's summary (status,
 * models, inputs, costs by kind, tokens, calls, best score, latest judgment) keyed by the
 * files it was read from, so that lists and rollups over 10,000 runs read a few thousand
 * stat()s instead of 50,000 JSON files.
 *
 * The files stay the truth. Every call first checks each run's files against what the
 * entry was read from (size and modification time of run.json, and of the folders its
 * outputs, judgments and ratings are written into — each write renames a file into one of
 * them); a stale or missing entry is read again from the files, an entry whose folder is
 * gone is dropped. A deleted or corrupt index is rebuilt, and when SQLite cannot be used at
 * all the answers come from the files directly. The CLI and the window may use it at the
 * same time (WAL, a busy timeout). Every function may be called from any thread; calls are
 * serialised. */

#define TB_TYPE_INDEX (tb_index_get_type ())
G_DECLARE_FINAL_TYPE (TbIndex, tb_index, TB, INDEX, GObject)

TbIndex      *tb_index_new          (TbStore      *store);

/* $XDG_CACHE_HOME/taskbench/index-<hash of the results folder>.sqlite */
const char   *tb_index_get_path     (TbIndex      *self);

/* Summaries of the runs of one use case, newest first. */
GPtrArray    *tb_index_list_runs    (TbIndex      *self,
                                     const char   *usecase_id,
                                     GError      **error);

/* One run's summary; TB_ERROR_NOT_FOUND when there is no such run. */
TbRunSummary *tb_index_get_run      (TbIndex      *self,
                                     const char   *run_id,
                                     GError      **error);

/* Sums of the runs of `usecase_id`, or of every use case folder when NULL (also those
 * whose YAML is gone: their runs were paid for); `per_usecase` (nullable) receives
 * id → TbRollup* (g_free). Runs against the simulated provider are summed into
 * `simulated` (nullable) and never into `real`. */
gboolean      tb_index_rollup       (TbIndex      *self,
                                     const char   *usecase_id,
                                     TbRollup     *real,
                                     TbRollup     *simulated,
                                     GHashTable   *per_usecase,
                                     GError      **error);

/* As tb_index_rollup, for a home of simulated runs (the window's demo): `simulated` and
 * `per_usecase` sum the simulated runs only, and the real ones are left out. */
gboolean      tb_index_rollup_simulated (TbIndex    *self,
                                         const char *usecase_id,
                                         TbRollup   *simulated,
                                         GHashTable *per_usecase,
                                         GError    **error);

/* What each model cost over the runs of `usecase_id`: a new array of TbModelRollup*, sorted
 * by model id, each with its candidate calls and its judge calls apart. Sums the simulated
 * runs when `simulated`, else the real ones. The rollups of a run add up to its rollup;
 * unknown costs stay counted as unknown. */
GPtrArray    *tb_index_rollup_models (TbIndex    *self,
                                      const char *usecase_id,
                                      gboolean    simulated,
                                      GError    **error);

/* A digest of the files of every run of `usecase_id` as they are now, checked as
 * tb_index_list_runs checks them: the same digest, the same files. NULL when the index
 * cannot vouch for them: no index, a run that cannot be read, or a run written so lately
 * that it could change again within the clock's resolution without its signature showing
 * it. */
char         *tb_index_usecase_digest (TbIndex    *self,
                                       const char *usecase_id);
/* A document made from many runs, kept in the index: the text kept under `name` when it
 * was kept with `digest`, else NULL. */
char         *tb_index_cache_get    (TbIndex      *self,
                                     const char   *name,
                                     const char   *digest);
void          tb_index_cache_put    (TbIndex      *self,
                                     const char   *name,
                                     const char   *digest,
                                     const char   *text);
/* The files of `usecase_id` (NULL: of every use case) may have changed since the last
 * call: the next call checks each run's files again, even right after an earlier check.
 * For a process that watches the results folder and is told it changed. */
void          tb_index_invalidate   (TbIndex      *self,
                                     const char   *usecase_id);

/* Reads every run again from its files. */
gboolean      tb_index_rebuild      (TbIndex      *self,
                                     GError      **error);

G_END_DECLS
