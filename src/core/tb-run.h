/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  TB_RUN_RUNNING,
  TB_RUN_DONE,
  TB_RUN_PARTIAL,
  TB_RUN_FAILED,
  TB_RUN_CANCELLED,
  TB_RUN_INTERRUPTED,   /* never written: a running run whose lock no live process holds */
} TbRunStatus;

const char   *tb_run_status_to_string   (TbRunStatus  status);
TbRunStatus   tb_run_status_from_string (const char  *text);

/* One input of a run's test set, with the files that belong to it (paths relative to the
 * run's folder). */
typedef struct {
  char   *key;              /* unique in the run: "lecture-2" */
  char   *name;             /* the file's base name as given */
  char   *sha256;
  gint64  bytes;
  char   *file;             /* "input.txt" or "inputs/<key>/input.txt" */
  char   *prompt_file;      /* "prompt.txt" or "inputs/<key>/prompt.txt" */
  char   *reference_file;   /* nullable */
  char   *reference_name;   /* nullable: the reference's base name as given */
} TbRunInput;

TbRunInput *tb_run_input_new  (void);
void        tb_run_input_free (TbRunInput *input);

/* run.json */
typedef struct {
  char        *id;
  char        *usecase;
  char        *usecase_snapshot;
  GPtrArray   *inputs;       /* TbRunInput*, never NULL */
  GStrv        models;       /* never NULL */
  guint        repeat;       /* ≥ 1 */
  GStrv        judges;       /* never NULL; the judges planned when the run was made */
  char        *judge_mode;   /* nullable: "pointwise" or "pairwise" */
  char        *created_at;
  TbRunStatus  status;       /* as stored, except that tb_store_load_run reads a running
                                run whose lock is not held as interrupted */
  char        *stop_reason;  /* nullable: "budget", "cancelled" */
  gboolean     has_max_cost;
  double       max_cost_usd;
  gboolean     simulated;    /* made against the built-in simulated provider */
  JsonNode    *forecast;     /* nullable: the forecast made before the first call */
  char        *version;
  char        *dir;          /* not stored: the folder, filled by the store */
} TbRun;

TbRun      *tb_run_new             (void);
void        tb_run_free            (TbRun       *run);
JsonNode   *tb_run_to_json         (const TbRun *run);
TbRun      *tb_run_from_json       (JsonNode    *node,
                                    GError     **error);

/* The input with `key`, or with no key the first; NULL when absent. */
TbRunInput *tb_run_find_input      (const TbRun *run,
                                    const char  *key);
/* Several inputs keep their files under inputs/<key>/ and their outputs under
 * outputs/<key>/; one input keeps the layout of older versions. */
gboolean    tb_run_is_test_set     (const TbRun *run);
/* outputs/<slug>.json, outputs/<key>/<slug>.json, with "@<repeat>" before ".json" when the
 * run repeats; relative to the run's folder. */
char       *tb_run_output_file     (const TbRun *run,
                                    const char  *model,
                                    const char  *input_key,
                                    guint        repeat);
/* "Lecture.txt" or "5 inputs": what a list shows for the run's input. */
char       *tb_run_describe_inputs (const TbRun *run);
/* "5 inputs", in the reader's language. */
char       *tb_run_describe_input_count (guint n_inputs);

/* A run is resumed and judged with the use case as it was made (its snapshot), never the
 * file as it is now. TB_ERROR_INVALID, naming the run, when it keeps no snapshot. */
gboolean    tb_run_check_snapshot  (const TbRun *run,
                                    GError     **error);

/* YYYYMMDDTHHMMSSZ-xxxx */
char       *tb_run_new_id          (void);
gboolean    tb_run_id_is_valid     (const char  *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbRun, tb_run_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbRunInput, tb_run_input_free)

G_END_DECLS
