/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tb-cost.h"
#include "tb-util.h"

G_BEGIN_DECLS

/* One criterion's score (0–10); the name is interned: a pass of thousands of scores has a
 * handful of criteria. */
typedef struct {
  const char *name;
  double      value;
} TbCriterionScore;

/* One judge's score of one output (a model's answer to one input, one repeat). */
typedef struct {
  char       *model;
  char       *input;           /* the input's key; NULL in files of older versions */
  guint       repeat;          /* 1-based */
  char       *judge;           /* NULL in files of older versions: the judgment's judge */
  TbCriterionScore *criteria; /* n_criteria of them, in the order they were set (the
                                 rubric's, or the file's); set through the functions below */
  guint       n_criteria;
  double      overall;         /* 0–100 */
  GStrv       violations;
  char       *reasoning;
  char       *error;           /* nullable: a judge error, then no scores */
  gint64      output_chars;
  TbUsage     usage;
  TbCost      cost;
} TbScore;

TbScore    *tb_score_new          (const char *model);
void        tb_score_free         (TbScore    *score);
/* A criterion's score, or FALSE when the score has none. */
gboolean    tb_score_get_criterion (const TbScore *score,
                                    const char    *name,
                                    double        *value);
void        tb_score_set_criterion (TbScore       *score,
                                    const char    *name,
                                    double         value);

typedef enum {
  TB_WINNER_NONE,    /* no answer (an error) */
  TB_WINNER_A,
  TB_WINNER_B,
  TB_WINNER_TIE,
} TbWinner;

/* One pairwise call: outputs of `a` (shown as A) and `b` (shown as B) of one input. */
typedef struct {
  char     *input;
  guint     repeat;
  char     *a;
  char     *b;
  char     *judge;
  TbWinner  winner;
  char     *reasoning;
  char     *error;             /* nullable */
  TbUsage   usage;
  TbCost    cost;
} TbComparison;

TbComparison *tb_comparison_new  (void);
void          tb_comparison_free (TbComparison *comparison);
const char   *tb_winner_to_string   (TbWinner  winner);
TbWinner      tb_winner_from_string (const char *text);

/* judgments/<UTC-time>.json: one judging pass. */
typedef struct {
  char      *judge_model;    /* the first judge (the only one in older files) */
  GStrv      judges;         /* every judge of the pass */
  char      *mode;           /* "pointwise" or "pairwise" */
  double     temperature;    /* what every judge call was sent */
  gboolean   has_seed;
  gint64     seed;
  char      *created_at;
  char      *prompt_sha256;  /* of the judge system prompt */
  GPtrArray *scores;         /* TbScore* */
  GPtrArray *comparisons;    /* TbComparison* */
  TbCost     cost;           /* sum over the judge calls */
  TbUsage    usage;
  char      *best_overall;   /* nullable */
  char      *best_value;     /* nullable */
  char      *budget_pick;    /* nullable */
  char      *file;           /* not stored: the file name */
} TbJudgment;

TbJudgment *tb_judgment_new        (void);
void        tb_judgment_free       (TbJudgment       *judgment);
JsonNode   *tb_judgment_to_json    (const TbJudgment *judgment);
/* The judgment's file text (what tb_json_to_string (tb_judgment_to_json (…), TRUE) gives),
 * written without a tree of the whole judgment. */
char       *tb_judgment_to_text    (const TbJudgment *judgment);
/* The same text and a final newline — the file's bytes — written into `file` a few dozen
 * KB at a time: a pass of thousands of scores is never one string in memory. */
gboolean    tb_judgment_write_to   (const TbJudgment *judgment,
                                    TbStagedFile     *file,
                                    GError          **error);
/* Reads a judgment file of at most `max_bytes`: as tb_judgment_from_json, but with one
 * score's nodes in memory at a time rather than the whole file's tree (a file of 1,000
 * scores, 670 KB, was about 3 MB of nodes). Without `with_reasoning`, the judges'
 * reasoning and violations are let go as each score is read: what the verdict reads. */
TbJudgment *tb_judgment_read_file  (const char       *path,
                                    gsize             max_bytes,
                                    gboolean          with_reasoning,
                                    GError          **error);
/* tb_judgment_read_file (with reasoning) from a judgment file's text. */
TbJudgment *tb_judgment_read_text  (const char       *text,
                                    gssize            length,
                                    GError          **error);
TbJudgment *tb_judgment_from_json  (JsonNode         *node,
                                    GError          **error);
/* Sets cost and usage to the sums of the scores and comparisons. */
void        tb_judgment_settle_cost (TbJudgment      *judgment);
/* The judge of a score: its own, else the judgment's (older files). */
const char *tb_judgment_score_judge (const TbJudgment *judgment,
                                     const TbScore    *score);

/* "2026-11-25T11:51:06Z" from a judgment's file name ("20261125T115106Z-3.json": when the
 * pass began), or NULL when the name says no time. */
char       *tb_judgment_time_from_file_name (const char *name);

/* "20261125T115106Z-3.json" sorts after "20261125T115106Z.json": newest first. */
int         tb_judgment_compare_file_names (const char *a,
                                            const char *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbScore, tb_score_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbComparison, tb_comparison_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbJudgment, tb_judgment_free)

G_END_DECLS
