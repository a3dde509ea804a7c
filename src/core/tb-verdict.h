/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tb-store.h"

G_BEGIN_DECLS

/* The verdict: which model for this task, measured, with how sure we are of it. The
 * statistics are those of DESIGN.md, "Test sets, repeats and the verdict":
 *
 * - The unit is the input. A model's score on an input is the mean overall over its
 *   repeats and judges; its mean over inputs comes with a 95% interval (an expanded
 *   percentile bootstrap over inputs, 2,000 resamples, seeded from the run id so it is
 *   reproducible); with one input, over the repeats; with one sample, no interval, and
 *   the verdict says so.
 * - Every model is compared with the best on the inputs both have: the bootstrap interval
 *   of the per-input differences. A model whose interval contains 0 is tied with the
 *   best — named, never broken silently — with the number of inputs that would separate
 *   them at the observed difference (paired, 80% power).
 * - Best value: the cheapest per input among the models tied with the best. Budget pick:
 *   the cheapest whose interval's lower bound is ≥ 70. A model whose cost is unknown is
 *   left out of both, with a warning.
 *
 * The verdict also carries the jury's agreement (Krippendorff's α, interval metric), the
 * pairwise table, the judges' agreement with a person's ratings, and warnings about the
 * judges' biases. */

#define TB_VERDICT_RESAMPLES 2000
#define TB_VERDICT_LEVEL     0.95
#define TB_VERDICT_BUDGET    70.0
/* Below this α, judges are said to disagree. */
#define TB_VERDICT_ALPHA_LOW 0.67
/* |Spearman ρ| between score and output length that raises the length-bias warning. */
#define TB_VERDICT_LENGTH_RHO 0.5
#define TB_VERDICT_LENGTH_MIN 8
/* Beyond this many more inputs, a tie is called equal for practical purposes. */
#define TB_VERDICT_PRACTICAL_INPUTS 1000

typedef struct {
  char       *model;
  guint       n_inputs;        /* inputs the model has a score on */
  guint       n_scores;        /* scores (judge × repeat × input) */
  gboolean    has_mean;
  double      mean;
  gboolean    has_interval;
  double      ci_low;
  double      ci_high;
  GHashTable *criteria;        /* name → double* mean (0–10) */
  GStrv       criteria_order;
  gboolean    tied_with_best;  /* the best itself too */
  gboolean    has_diff;
  double      diff_mean;       /* this model − the best, on common inputs */
  gboolean    has_diff_interval;
  double      diff_low;
  double      diff_high;
  guint       inputs_to_separate;   /* 0: not applicable; TB_STATS_INPUTS_NEVER: never */
  gboolean    cost_known;
  double      cost_usd;        /* every candidate call of the model */
  gboolean    has_cost_per_input;
  double      cost_per_input_usd;   /* one input's answer: the mean cost of an output */
  gboolean    has_cost_at_volume;
  double      cost_at_volume_usd;   /* per month at budget.inputs_per_month */
  gboolean    has_latency;
  double      latency_p50_ms;
  double      latency_p95_ms;
  guint       outputs;
  guint       errors;          /* outputs that failed or were cancelled or skipped */
  guint       judge_errors;
} TbModelVerdict;

typedef struct {
  char   *model;
  double  mean;
  guint   n;
} TbJudgeMean;

typedef struct {
  gboolean    has_alpha;
  double      alpha;           /* on overall */
  GHashTable *criteria;        /* name → double* α */
  GStrv       criteria_order;
  GPtrArray  *judges;          /* TbJudgeMean* */
  char       *outlier;         /* nullable: the judge whose scores agree least */
} TbAgreement;

typedef struct {
  char  *a;
  char  *b;
  guint  a_wins;
  guint  b_wins;
  guint  ties;                 /* both orders said tie, or they disagreed */
  guint  inconsistent;         /* the two orders disagreed: counted as ties */
} TbPairTally;

typedef struct {
  char   *model;
  double  win_rate;
  guint   wins;
  guint   losses;
  guint   ties;
} TbPairRank;

typedef struct {
  GPtrArray *pairs;            /* TbPairTally* */
  GPtrArray *ranking;          /* TbPairRank*, best first */
  guint      comparisons;      /* pairs judged in both orders */
  guint      inconsistent;
  guint      first_position_wins;  /* answers "A" when the orders disagreed */
} TbPairwise;

typedef struct {
  char   *judge;               /* NULL: the judges' mean */
  guint   n;
  double  mae;
  gboolean has_spearman;
  double  spearman;
} TbHumanAgreement;

typedef struct {
  guint       inputs;
  guint       repeat;
  gboolean    simulated;
  GStrv       judges;
  GPtrArray  *models;          /* TbModelVerdict*, best mean first, unscored last */
  gboolean    single_sample;   /* the ranking rests on one sample per model */
  char       *best_overall;    /* nullable */
  GStrv       tied_with_best;  /* the models tied with the best, the best first */
  char       *best_value;      /* nullable */
  GStrv       best_value_same_cost; /* nullable: other tied models exactly as cheap */
  char       *budget_pick;     /* nullable */
  TbAgreement *agreement;      /* nullable: fewer than two judges */
  TbPairwise  *pairwise;       /* nullable: no pairwise judging */
  GPtrArray   *human;          /* nullable: TbHumanAgreement*, the judges' mean first */
  GPtrArray   *warnings;       /* char*, sentences naming the models concerned */
} TbVerdict;

/* The verdict of one run, from its latest judgment (and its latest pairwise judgment and
 * ratings). `inputs_per_month` 0: no cost at volume. */
TbVerdict      *tb_verdict_for_run   (const TbRunData *data,
                                      gint64           inputs_per_month);

/* The verdict across runs (TbRunData*) of one use case: every judged run's latest
 * judgment; the same input (by content) in several runs is one input. The bootstrap is
 * seeded from `seed`, or with one run from its id, as that run's own verdict is. */
TbVerdict      *tb_verdict_for_runs  (GPtrArray       *runs,
                                      gint64           inputs_per_month,
                                      const char      *seed);

/* The volume cost at volume is shown for: budget.inputs_per_month of the use case as the
 * run was made (its snapshot); 0 when it names none or the snapshot does not parse. */
gint64          tb_verdict_inputs_per_month (const TbRun  *run);

/* The newest pointwise (or pairwise) judgment of a run: the one its verdict reads. NULL
 * when there is none. */
const TbJudgment *tb_verdict_latest_judgment (const TbRunData *data,
                                              gboolean         pairwise);

void            tb_verdict_free      (TbVerdict       *verdict);

/* The judgment keeps the verdict's picks (best_overall, best_value, budget_pick) — the
 * verdict of `run` with `judgment` as its latest — so a reader of the file sees what
 * `show` would say. */
void            tb_verdict_record_picks (TbJudgment   *judgment,
                                         TbRun        *run,
                                         GPtrArray    *outputs);
TbModelVerdict *tb_verdict_find      (const TbVerdict *verdict,
                                      const char      *model);
/* `summary` of DESIGN.md. */
JsonNode       *tb_verdict_to_json   (const TbVerdict *verdict);
/* The verdict tb_verdict_to_json wrote (a cached one); NULL when `node` is no object. */
TbVerdict      *tb_verdict_from_json (JsonNode        *node);

/* The models a pairwise pass settles: those tied with the best, or every model of `run`
 * when nothing is scored yet. FALSE (TB_ERROR_INVALID) when the best stands alone. */
gboolean        tb_verdict_models_to_settle (const TbVerdict  *verdict,
                                             const TbRun      *run,
                                             GStrv            *models,
                                             GError          **error);

/* "gpt-4o and claude-sonnet-4 are tied; 14 more inputs would separate them": the verdict
 * in words, for a person (translated). */
char           *tb_verdict_describe  (const TbVerdict *verdict);

/* "tied with claude-sonnet-4, gemini-2.5-pro": the models tied with the best, for the line
 * that names the best (translated); NULL when the best stands alone. */
char           *tb_verdict_tied_note (const TbVerdict *verdict);

/* A run's model × input scores: where a model fails, not just its mean. Rows are the run's
 * inputs, the weakest (lowest mean over the models) first; columns are the verdict's
 * models in its order. */
typedef struct {
  guint       n_inputs;
  guint       n_models;
  GStrv       inputs;          /* input keys, in row order */
  GStrv       models;          /* in column order */
  double     *cells;           /* [input * n_models + model]: the mean overall over repeats
                                  and judges, NAN where there is none */
  double     *input_means;     /* per row: the mean over the models with a score */
} TbScoreMatrix;

/* NULL when the run has no pointwise judgment. */
TbScoreMatrix  *tb_score_matrix_new  (const TbRunData *data,
                                      const TbVerdict *verdict);
void            tb_score_matrix_free (TbScoreMatrix   *matrix);
double          tb_score_matrix_get  (const TbScoreMatrix *matrix,
                                      guint                input,
                                      guint                model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbVerdict, tb_verdict_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbScoreMatrix, tb_score_matrix_free)

G_END_DECLS
