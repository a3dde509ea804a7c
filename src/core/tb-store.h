/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What one call cost. `usd` is the amount that counts: billed, else inline, else estimate. */
typedef struct {
  gboolean has_inline;
  double   inline_usd;
  gboolean has_billed;
  double   billed_usd;
  double   estimate_usd;
  const char *source;   /* static: "billed" "inline" "estimate" */
  double   usd;
} TbCost;

/* Recomputes source and usd from the three amounts. */
void        tb_cost_settle       (TbCost *cost);
JsonNode   *tb_cost_to_json      (const TbCost *cost);
void        tb_cost_from_json    (TbCost *cost, JsonObject *object);

typedef struct {
  gint64 prompt_tokens;
  gint64 completion_tokens;
  gint64 reasoning_tokens;
  gint64 cached_tokens;
} TbUsage;

/* outputs/<slug>.json */
typedef struct {
  char     *model;
  char     *status;          /* "ok" "failed" "cancelled" */
  char     *content;         /* nullable */
  char     *finish_reason;   /* nullable */
  gboolean  has_format_check;
  gboolean  format_valid;
  GStrv     format_errors;   /* nullable */
  TbUsage   usage;
  TbCost    cost;
  char     *generation_id;   /* nullable; for several chunks, the first */
  GStrv     generation_ids;  /* nullable; every call's id when chunked */
  char     *provider;        /* nullable */
  gint64    latency_ms;
  guint     attempts;
  guint     chunks;          /* 0 or 1: not chunked */
  guint     error_http_status;
  char     *error_message;   /* nullable */
  char     *updated_at;
} TbOutput;

TbOutput   *tb_output_new        (const char *model);
void        tb_output_free       (TbOutput *output);
JsonNode   *tb_output_to_json    (const TbOutput *output);
TbOutput   *tb_output_from_json  (JsonNode *node, GError **error);

/* "openai/gpt-4o" → "openai__gpt-4o" (other unsafe characters → '_') */
char       *tb_model_slug        (const char *model);

/* run.json */
typedef struct {
  char     *id;
  char     *usecase;
  char     *usecase_snapshot;
  char     *input_name;
  char     *input_sha256;
  gint64    input_bytes;
  char     *input_file;      /* "input.txt": the copy beside run.json */
  GStrv     models;
  char     *created_at;
  char     *status;          /* as stored, except a "running" run whose lock is dead reads
                                as "interrupted" after tb_store_load_run */
  char     *version;
  char     *dir;             /* not stored: the folder, filled by the store */
} TbRun;

TbRun      *tb_run_new           (void);
void        tb_run_free          (TbRun *run);
JsonNode   *tb_run_to_json       (const TbRun *run);
TbRun      *tb_run_from_json     (JsonNode *node, GError **error);

typedef struct {
  char     *model;
  GHashTable *criteria;      /* name → double* (0–10) */
  GStrv     criteria_order;  /* the rubric's order */
  double    overall;         /* 0–100 */
  GStrv     violations;
  char     *reasoning;
  char     *error;           /* nullable: a judge error, then no scores */
  gint64    output_chars;
  TbUsage   usage;
  TbCost    cost;
} TbScore;

TbScore    *tb_score_new         (const char *model);
void        tb_score_free        (TbScore *score);

/* judgments/<UTC-time>.json */
typedef struct {
  char      *judge_model;
  char      *created_at;
  char      *prompt_sha256;  /* of the judge system prompt */
  GPtrArray *scores;         /* TbScore* */
  TbCost     cost;           /* sum over the judge calls */
  TbUsage    usage;
  char      *best_overall;   /* nullable */
  char      *best_value;     /* nullable */
  char      *budget_pick;    /* nullable */
  char      *file;           /* not stored: the file name */
} TbJudgment;

TbJudgment *tb_judgment_new      (void);
void        tb_judgment_free     (TbJudgment *judgment);
JsonNode   *tb_judgment_to_json  (const TbJudgment *judgment);
TbJudgment *tb_judgment_from_json (JsonNode *node, GError **error);

/* Fills best_overall (highest overall), best_value (overall per dollar of the candidate's
 * cost; free outputs rank first), budget_pick (cheapest with overall ≥ 70). Scores with an
 * error are left out. */
void        tb_judgment_recommend (TbJudgment *judgment,
                                   GPtrArray  *outputs);

#define TB_TYPE_STORE (tb_store_get_type ())
G_DECLARE_FINAL_TYPE (TbStore, tb_store, TB, STORE, GObject)

/* `home` holds usecases/ and results/. */
TbStore    *tb_store_new               (const char *home);
const char *tb_store_get_home          (TbStore *self);
char       *tb_store_usecases_dir      (TbStore *self);
char       *tb_store_results_dir       (TbStore *self);

/* A home without a usecases/ folder gets a copy of the shipped examples (with their
 * samples/): from the installed package data, else from the source tree. Returns TRUE when
 * it copied them, with `*from` (nullable) set to where from; FALSE without error when the
 * home has use cases already or no examples are found. */
gboolean    tb_store_seed_examples     (TbStore     *self,
                                        char       **from,
                                        GError     **error);

/* YYYYMMDDTHHMMSSZ-xxxx */
char       *tb_store_new_run_id        (void);

/* Creates results/<usecase>/<id>/ with run.json (status running), input.<ext>, prompt.txt,
 * outputs/ and judgments/, and takes the run's lock. Fills run->dir. */
gboolean    tb_store_create_run        (TbStore     *self,
                                        TbRun       *run,
                                        const char  *input,
                                        gsize        input_length,
                                        const char  *prompt,
                                        GError     **error);

/* Lock file `.lock` holding the pid. Fails with TB_ERROR_BUSY when a live process holds
 * it; a dead holder's lock is taken over. */
gboolean    tb_store_lock_run          (TbStore *self, TbRun *run, GError **error);
void        tb_store_unlock_run        (TbStore *self, TbRun *run);

gboolean    tb_store_save_run          (TbStore *self, TbRun *run, GError **error);
gboolean    tb_store_write_output      (TbStore *self, TbRun *run, const TbOutput *output,
                                        GError **error);
gboolean    tb_store_write_judgment    (TbStore *self, TbRun *run, TbJudgment *judgment,
                                        GError **error);

/* Finds a run by id across use cases. A run.json saying "running" whose lock is not held by
 * a live process reads as "interrupted". TB_ERROR_NOT_FOUND when absent. */
TbRun      *tb_store_load_run          (TbStore *self, const char *run_id, GError **error);

/* Runs of one use case, newest first (TbRun*). Unreadable runs are skipped with a warning. */
GPtrArray  *tb_store_list_runs         (TbStore *self, const char *usecase_id);

char       *tb_store_read_input        (TbStore *self, TbRun *run, gsize *length, GError **error);
char       *tb_store_read_prompt       (TbStore *self, TbRun *run, GError **error);

/* TbOutput* in the order of run->models; a model without a file is absent. */
GPtrArray  *tb_store_load_outputs      (TbStore *self, TbRun *run);

/* TbJudgment*, newest first. */
GPtrArray  *tb_store_load_judgments    (TbStore *self, TbRun *run);

/* Removes a run's folder. */
gboolean    tb_store_delete_run        (TbStore *self, TbRun *run, GError **error);

/* Cost rollups computed from the files every time, so they always equal the files. */
typedef struct {
  guint    runs;
  guint    candidate_calls;
  guint    judge_calls;
  double   candidate_usd;
  double   judge_usd;
  double   total_usd;
  TbUsage  candidate_usage;
  TbUsage  judge_usage;
  guint    estimated_calls;   /* calls whose cost is only an estimate */
} TbRollup;

void        tb_rollup_add              (TbRollup *into, const TbRollup *part);

/* Candidates: the outputs; judge: every judgment of the run (each re-judge is paid). */
void        tb_store_rollup_run        (TbStore *self, TbRun *run, TbRollup *rollup);
void        tb_store_rollup_usecase    (TbStore *self, const char *usecase_id, TbRollup *rollup);
/* Every use case folder under results/; `per_usecase` (nullable) receives id → TbRollup*. */
void        tb_store_rollup_all        (TbStore *self, TbRollup *rollup, GHashTable *per_usecase);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbOutput, tb_output_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbRun, tb_run_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbScore, tb_score_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbJudgment, tb_judgment_free)

G_END_DECLS
