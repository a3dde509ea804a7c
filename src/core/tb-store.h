/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tb-judgment.h"
#include "tb-output.h"
#include "tb-rating.h"
#include "tb-run.h"
#include "tb-testset.h"

G_BEGIN_DECLS

/* The results store: results/<usecase-id>/<run-id>/ under a home, read and written.
 * The files are the truth; everything else (the index, the window's lists) is derived
 * from them. Every file is written atomically. */

#define TB_TYPE_STORE (tb_store_get_type ())
G_DECLARE_FINAL_TYPE (TbStore, tb_store, TB, STORE, GObject)

/* Largest run.json, output or judgment file read (a bigger one is refused, not read). */
#define TB_STORE_MAX_FILE (64 * 1024 * 1024)

/* `home` holds usecases/ and results/. */
TbStore    *tb_store_new               (const char  *home);
const char *tb_store_get_home          (TbStore     *self);
char       *tb_store_results_dir       (TbStore     *self);
char       *tb_store_usecases_dir      (TbStore     *self);

/* Creates results/<run->usecase>/<run->id>/ (the id is made when NULL) with run.json
 * (running), a copy of every input (and reference) and its executor prompt, and takes the
 * run's lock. It is built in a hidden folder and renamed into place, so a run folder
 * never exists without its run.json; a creation killed half-way leaves only a hidden
 * folder, removed by tb_store_tidy. Fills run->inputs and run->dir. `prompts` holds one
 * executor prompt per input. */
gboolean    tb_store_create_run        (TbStore     *self,
                                        TbRun       *run,
                                        GPtrArray   *inputs,     /* TbTestInput* */
                                        GPtrArray   *prompts,    /* char* */
                                        GError     **error);

/* The lock (tb-lock.h), held by this store until unlocked. TB_ERROR_BUSY when another
 * process holds it. */
gboolean    tb_store_lock_run          (TbStore     *self,
                                        TbRun       *run,
                                        GError     **error);
void        tb_store_unlock_run        (TbStore     *self,
                                        TbRun       *run);

gboolean    tb_store_save_run          (TbStore     *self,
                                        TbRun       *run,
                                        GError     **error);
/* Written where tb_run_output_file says, stamped with updated_at. */
gboolean    tb_store_write_output      (TbStore         *self,
                                        TbRun           *run,
                                        const TbOutput  *output,
                                        GError         **error);
/* A new judgment claims a free name (O_EXCL, so two passes never share one); a judgment
 * that has its file is rewritten in place. */
gboolean    tb_store_write_judgment    (TbStore     *self,
                                        TbRun       *run,
                                        TbJudgment  *judgment,
                                        GError     **error);

/* The same two writes in two steps, so the slow part can leave the main loop: prepare
 * serialises the record on the caller's thread; commit (write, fsync, rename; for a new
 * judgment, taking the first free name) is safe on any thread. At most one commit per file
 * may be in flight: the caller keeps a later state until the earlier one is on disk (and,
 * for a new judgment, its name is known). */
typedef struct _TbStoreWrite TbStoreWrite;

TbStoreWrite *tb_store_prepare_output   (TbStore         *self,
                                         TbRun           *run,
                                         const TbOutput  *output,
                                         GError         **error);
TbStoreWrite *tb_store_prepare_judgment (TbStore         *self,
                                         TbRun           *run,
                                         TbJudgment      *judgment,
                                         GError         **error);
gboolean      tb_store_write_commit     (TbStoreWrite    *write,
                                         GError         **error);
/* After the commit of a new record (a judgment without a file yet): the name it got. */
const char   *tb_store_write_get_name   (TbStoreWrite    *write);
void          tb_store_write_free       (TbStoreWrite    *write);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbStoreWrite, tb_store_write_free)

/* Claims a file of its own under ratings/: a rating is never overwritten. */
gboolean    tb_store_write_rating      (TbStore     *self,
                                        TbRun       *run,
                                        TbRating    *rating,
                                        GError     **error);

/* The folder of run `run_id`, or NULL. */
char       *tb_store_find_run_dir      (TbStore     *self,
                                        const char  *run_id);
/* Finds a run by id across use cases. A running run whose lock no live process holds
 * reads as interrupted. TB_ERROR_NOT_FOUND when absent, TB_ERROR_INVALID for a malformed
 * id. */
TbRun      *tb_store_load_run          (TbStore     *self,
                                        const char  *run_id,
                                        GError     **error);
TbRun      *tb_store_load_run_dir      (TbStore     *self,
                                        const char  *dir,
                                        GError     **error);

/* The ids of the folders under results/ that are use cases (also those whose YAML is
 * gone: their runs were still paid for), sorted. */
GPtrArray  *tb_store_list_usecase_ids  (TbStore     *self);
/* The run ids under results/<usecase_id>/, newest first. */
GPtrArray  *tb_store_list_run_ids      (TbStore     *self,
                                        const char  *usecase_id);
/* Runs of one use case, newest first; unreadable runs are skipped with a warning. */
GPtrArray  *tb_store_list_runs         (TbStore     *self,
                                        const char  *usecase_id);

char       *tb_store_read_input        (TbStore     *self,
                                        TbRun       *run,
                                        TbRunInput  *input,
                                        gsize       *length,
                                        GError     **error);
char       *tb_store_read_prompt       (TbStore     *self,
                                        TbRun       *run,
                                        TbRunInput  *input,
                                        GError     **error);
/* NULL without error when the input has no reference. */
char       *tb_store_read_reference    (TbStore     *self,
                                        TbRun       *run,
                                        TbRunInput  *input,
                                        gsize       *length,
                                        GError     **error);
/* Reads every input of the run back as a test set (references included). */
GPtrArray  *tb_store_read_test_set     (TbStore     *self,
                                        TbRun       *run,
                                        GError     **error);

/* Every output of the run (TbOutput*), in the order model, input, repeat; a cell without
 * a file is absent. Files of other models sharing an old name are not taken. */
GPtrArray  *tb_store_load_outputs      (TbStore     *self,
                                        TbRun       *run);
/* TbJudgment*, newest first. */
GPtrArray  *tb_store_load_judgments    (TbStore     *self,
                                        TbRun       *run);
/* TbRating*, newest first. */
GPtrArray  *tb_store_load_ratings      (TbStore     *self,
                                        TbRun       *run);

/* Removes the run's folder; TB_ERROR_BUSY while a process works on it. */
gboolean    tb_store_delete_run        (TbStore     *self,
                                        TbRun       *run,
                                        GError     **error);

/* Removes what an interrupted creation left under results/<usecase_id>/ (hidden folders
 * no process holds). Returns how many it removed. */
guint       tb_store_tidy              (TbStore     *self,
                                        const char  *usecase_id);

/* Removes `dir` when it is what a creation by an older version left when it was killed:
 * older versions made the run's folder first and its run.json last. Such a folder has no
 * run.json, no output and no judgment (nothing was paid), and has not changed for a minute
 * (an older TaskBench may be making it this very moment). TRUE when it was removed; FALSE
 * for anything else, which is left as it is. For a folder tb_store_load_run_dir cannot
 * read, before warning about it. */
gboolean    tb_store_remove_abandoned  (TbStore     *self,
                                        const char  *dir);

/* A run with everything read from its folder. */
typedef struct _TbRunData {
  TbRun     *run;
  GPtrArray *outputs;      /* TbOutput* */
  GPtrArray *judgments;    /* TbJudgment*, newest first */
  GPtrArray *ratings;      /* TbRating*, newest first */
} TbRunData;

TbRunData  *tb_store_load_run_data     (TbStore     *self,
                                        const char  *run_id,
                                        GError     **error);
/* Takes `run`. */
TbRunData  *tb_store_load_run_data_for (TbStore     *self,
                                        TbRun       *run);
/* As the two above, but every output without its text (`content` NULL), each let go as
 * its file is read: what the verdict, `show`, the summary and the index read, without
 * every answer of a large run in memory at once. */
TbRunData  *tb_store_load_run_data_lean     (TbStore     *self,
                                             const char  *run_id,
                                             GError     **error);
TbRunData  *tb_store_load_run_data_lean_for (TbStore     *self,
                                             TbRun       *run);
void        tb_run_data_free           (TbRunData   *data);

/* The output of one cell, or NULL. */
TbOutput   *tb_run_data_find_output    (TbRunData   *data,
                                        const char  *model,
                                        const char  *input_key,
                                        guint        repeat);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbRunData, tb_run_data_free)

G_END_DECLS
