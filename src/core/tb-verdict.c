/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-verdict"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-error.h"
#include "tb-json.h"
#include "tb-stats.h"
#include "tb-usecase.h"
#include "tb-verdict.h"

/* ---------------------------------------------------------------------------------------- */
/* Observations: one judge's score of one output                                              */

typedef struct {
  const char    *model;
  char          *input;      /* the input's identity across runs: its content's hash */
  char          *slot;       /* the repeat: "<run id>#<repeat>" */
  const char    *judge;
  double         overall;
  const TbScore *score;      /* its criteria */
  gint64         output_chars;
} Observation;

static void
observation_free (Observation *obs)
{
  g_free (obs->input);
  g_free (obs->slot);
  g_free (obs);
}

/* What the verdict is computed from, gathered from one run or several. */
typedef struct {
  GPtrArray  *observations;   /* Observation* */
  GPtrArray  *comparisons;    /* const TbComparison* (owned by the run data) */
  GHashTable *comparison_inputs; /* const TbComparison* → input identity (char*) */
  GPtrArray  *outputs;        /* const TbOutput* */
  GPtrArray  *ratings;        /* Rated* */
  GPtrArray  *models;         /* char*, the order runs listed them in */
  GPtrArray  *judges;         /* char* */
  GPtrArray  *criteria;       /* char*, the rubric's order */
  GHashTable *inputs;         /* identity → TRUE */
  GHashTable *judge_errors;   /* model → count of judge errors (GUINT_TO_POINTER) */
  guint       repeat;
  gboolean    simulated;
} Gathered;

typedef struct {
  const TbRating *rating;
  char           *input;
  char           *slot_prefix;   /* "<run id>#" */
} Rated;

static void
rated_free (Rated *rated)
{
  g_free (rated->input);
  g_free (rated->slot_prefix);
  g_free (rated);
}

static void
add_unique (GPtrArray  *list,
            const char *item)
{
  if (item != NULL && !g_ptr_array_find_with_equal_func (list, item, g_str_equal, NULL))
    g_ptr_array_add (list, g_strdup (item));
}

static const char *
input_identity (const TbRun *run,
                const char  *key)
{
  const TbRunInput *input = tb_run_find_input (run, key);

  if (input == NULL)
    return key;
  return input->sha256 != NULL ? input->sha256 : input->key;
}

static const TbJudgment *
latest_of_mode (GPtrArray  *judgments,
                const char *mode)
{
  for (guint i = 0; i < judgments->len; i++)
    {
      const TbJudgment *judgment = g_ptr_array_index (judgments, i);
      gboolean pairwise = g_strcmp0 (judgment->mode, "pairwise") == 0;

      if (pairwise == g_str_equal (mode, "pairwise"))
        return judgment;
    }
  return NULL;
}

static void
gather_run (Gathered        *gathered,
            const TbRunData *data)
{
  const TbRun *run = data->run;
  const TbJudgment *pointwise = latest_of_mode (data->judgments, "pointwise");
  const TbJudgment *pairwise = latest_of_mode (data->judgments, "pairwise");

  for (guint i = 0; run->models[i] != NULL; i++)
    add_unique (gathered->models, run->models[i]);
  gathered->repeat = MAX (gathered->repeat, run->repeat);
  gathered->simulated |= run->simulated;
  for (guint i = 0; i < run->inputs->len; i++)
    {
      const TbRunInput *input = g_ptr_array_index (run->inputs, i);

      g_hash_table_add (gathered->inputs,
                        g_strdup (input->sha256 != NULL ? input->sha256 : input->key));
    }
  for (guint i = 0; i < data->outputs->len; i++)
    g_ptr_array_add (gathered->outputs, g_ptr_array_index (data->outputs, i));

  if (pointwise != NULL)
    for (guint i = 0; i < pointwise->scores->len; i++)
      {
        const TbScore *score = g_ptr_array_index (pointwise->scores, i);
        Observation *obs;

        if (score->model == NULL)
          continue;
        if (score->error != NULL)
          {
            guint errors = GPOINTER_TO_UINT (g_hash_table_lookup (gathered->judge_errors,
                                                                  score->model));

            g_hash_table_replace (gathered->judge_errors, g_strdup (score->model),
                                  GUINT_TO_POINTER (errors + 1));
            continue;
          }
        obs = g_new0 (Observation, 1);
        obs->model = score->model;
        obs->input = g_strdup (input_identity (run, score->input));
        obs->slot = g_strdup_printf ("%s#%u", run->id, MAX (score->repeat, 1));
        obs->judge = tb_judgment_score_judge (pointwise, score);
        obs->overall = score->overall;
        obs->score = score;
        obs->output_chars = score->output_chars;
        g_ptr_array_add (gathered->observations, obs);
        add_unique (gathered->judges, obs->judge);
        for (guint c = 0; c < score->n_criteria; c++)
          add_unique (gathered->criteria, score->criteria[c].name);
      }

  if (pairwise != NULL)
    for (guint i = 0; i < pairwise->comparisons->len; i++)
      {
        const TbComparison *comparison = g_ptr_array_index (pairwise->comparisons, i);

        g_ptr_array_add (gathered->comparisons, (gpointer) comparison);
        g_hash_table_insert (gathered->comparison_inputs, (gpointer) comparison,
                             g_strdup_printf ("%s#%s", run->id,
                                              input_identity (run, comparison->input)));
      }

  for (guint i = 0; data->ratings != NULL && i < data->ratings->len; i++)
    {
      const TbRating *rating = g_ptr_array_index (data->ratings, i);
      Rated *rated;
      gboolean newer_seen = FALSE;

      /* The newest rating of an output counts (ratings are newest first). */
      for (guint j = 0; j < i; j++)
        {
          const TbRating *other = g_ptr_array_index (data->ratings, j);

          if (g_strcmp0 (other->model, rating->model) == 0
              && g_strcmp0 (other->input, rating->input) == 0
              && other->repeat == rating->repeat)
            newer_seen = TRUE;
        }
      if (newer_seen)
        continue;
      rated = g_new0 (Rated, 1);
      rated->rating = rating;
      rated->input = g_strdup (input_identity (run, rating->input));
      rated->slot_prefix = g_strdup_printf ("%s#", run->id);
      g_ptr_array_add (gathered->ratings, rated);
    }
}

static Gathered *
gathered_new (void)
{
  Gathered *gathered = g_new0 (Gathered, 1);

  gathered->observations = g_ptr_array_new_with_free_func ((GDestroyNotify) observation_free);
  gathered->comparisons = g_ptr_array_new ();
  gathered->comparison_inputs = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  gathered->outputs = g_ptr_array_new ();
  gathered->ratings = g_ptr_array_new_with_free_func ((GDestroyNotify) rated_free);
  gathered->models = g_ptr_array_new_with_free_func (g_free);
  gathered->judges = g_ptr_array_new_with_free_func (g_free);
  gathered->criteria = g_ptr_array_new_with_free_func (g_free);
  gathered->inputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gathered->judge_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return gathered;
}

static void
gathered_free (Gathered *gathered)
{
  g_ptr_array_unref (gathered->observations);
  g_ptr_array_unref (gathered->comparisons);
  g_hash_table_unref (gathered->comparison_inputs);
  g_ptr_array_unref (gathered->outputs);
  g_ptr_array_unref (gathered->ratings);
  g_ptr_array_unref (gathered->models);
  g_ptr_array_unref (gathered->judges);
  g_ptr_array_unref (gathered->criteria);
  g_hash_table_unref (gathered->inputs);
  g_hash_table_unref (gathered->judge_errors);
  g_free (gathered);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Gathered, gathered_free)

/* ---------------------------------------------------------------------------------------- */
/* Units: a model's score per input (or per repeat, with one input)                          */

/* unit id → mean of the model's scores in it. */
static GHashTable *
model_units (Gathered   *gathered,
             const char *model,
             gboolean    by_input)
{
  g_autoptr(GHashTable) sums = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTable *means = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < gathered->observations->len; i++)
    {
      Observation *obs = g_ptr_array_index (gathered->observations, i);
      const char *unit = by_input ? obs->input : obs->slot;
      double *sum;

      if (!g_str_equal (obs->model, model))
        continue;
      sum = g_hash_table_lookup (sums, unit);
      if (sum == NULL)
        {
          sum = g_new0 (double, 2);
          g_hash_table_insert (sums, g_strdup (unit), sum);
        }
      sum[0] += obs->overall;
      sum[1] += 1;
    }

  g_hash_table_iter_init (&iter, sums);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      double *sum = value;
      double mean = sum[0] / sum[1];

      g_hash_table_insert (means, g_strdup (key), g_memdup2 (&mean, sizeof mean));
    }
  return means;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The values of a unit table in a stable order (by unit id), so a seeded bootstrap gives
 * the same interval every time. */
static GArray *
unit_values (GHashTable *units)
{
  g_autofree gpointer *keys = NULL;
  guint n = 0;
  GArray *values = g_array_new (FALSE, FALSE, sizeof (double));

  keys = g_hash_table_get_keys_as_array (units, &n);
  qsort (keys, n, sizeof (gpointer), compare_strings);
  for (guint i = 0; i < n; i++)
    g_array_append_val (values, *(double *) g_hash_table_lookup (units, keys[i]));
  return values;
}

/* a − b on the units both have, in a stable order. */
static GArray *
paired_differences (GHashTable *a,
                    GHashTable *b)
{
  g_autofree gpointer *keys = NULL;
  guint n = 0;
  GArray *diffs = g_array_new (FALSE, FALSE, sizeof (double));

  keys = g_hash_table_get_keys_as_array (a, &n);
  qsort (keys, n, sizeof (gpointer), compare_strings);
  for (guint i = 0; i < n; i++)
    {
      double *other = g_hash_table_lookup (b, keys[i]);
      double diff;

      if (other == NULL)
        continue;
      diff = *(double *) g_hash_table_lookup (a, keys[i]) - *other;
      g_array_append_val (diffs, diff);
    }
  return diffs;
}

static guint64
seed_for (const char *seed,
          const char *what)
{
  g_autofree char *text = g_strconcat (seed != NULL ? seed : "", "/", what, NULL);

  return tb_rng_seed_from_string (text);
}

/* ---------------------------------------------------------------------------------------- */
/* Per model                                                                                 */

static void
model_verdict_free (TbModelVerdict *model)
{
  g_free (model->model);
  g_clear_pointer (&model->criteria, g_hash_table_unref);
  g_strfreev (model->criteria_order);
  g_free (model);
}

static void
fill_scores (TbModelVerdict *model,
             Gathered       *gathered,
             GHashTable     *units,
             const char     *seed)
{
  g_autoptr(GHashTable) inputs = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GArray) values = unit_values (units);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();

  for (guint i = 0; i < gathered->observations->len; i++)
    {
      Observation *obs = g_ptr_array_index (gathered->observations, i);

      if (!g_str_equal (obs->model, model->model))
        continue;
      model->n_scores++;
      g_hash_table_add (inputs, obs->input);
    }
  model->n_inputs = g_hash_table_size (inputs);
  if (values->len == 0)
    return;

  model->has_mean = TRUE;
  model->mean = tb_stats_mean ((double *) values->data, values->len);
  model->has_interval = tb_stats_bootstrap_mean_expanded ((double *) values->data, values->len,
                                                          TB_VERDICT_RESAMPLES,
                                                          TB_VERDICT_LEVEL,
                                                          seed_for (seed, model->model),
                                                          &model->ci_low, &model->ci_high);

  /* Criteria: the mean of every score's criterion (the rubric's order). */
  for (guint c = 0; c < gathered->criteria->len; c++)
    {
      const char *name = g_ptr_array_index (gathered->criteria, c);
      double sum = 0;
      guint n = 0;

      for (guint i = 0; i < gathered->observations->len; i++)
        {
          Observation *obs = g_ptr_array_index (gathered->observations, i);
          double value;

          if (g_str_equal (obs->model, model->model)
              && tb_score_get_criterion (obs->score, name, &value))
            {
              sum += value;
              n++;
            }
        }
      if (n == 0)
        continue;
      sum /= n;
      g_hash_table_insert (model->criteria, g_strdup (name), g_memdup2 (&sum, sizeof sum));
      g_ptr_array_add (order, (gpointer) name);
    }
  g_ptr_array_add (order, NULL);
  model->criteria_order = g_strdupv ((char **) order->pdata);
}

static void
fill_costs (TbModelVerdict *model,
            Gathered       *gathered,
            gint64          inputs_per_month)
{
  g_autoptr(GArray) latencies = g_array_new (FALSE, FALSE, sizeof (double));
  double ok_sum = 0;
  guint ok = 0;
  gboolean ok_known = TRUE;

  model->cost_known = TRUE;
  for (guint i = 0; i < gathered->outputs->len; i++)
    {
      const TbOutput *output = g_ptr_array_index (gathered->outputs, i);

      if (!g_str_equal (output->model, model->model))
        continue;
      model->outputs++;
      if (output->status != TB_OUTPUT_OK)
        model->errors++;
      if (tb_output_was_called (output))
        {
          if (tb_cost_is_known (&output->cost))
            model->cost_usd += output->cost.usd;
          else
            model->cost_known = FALSE;
        }
      if (output->status != TB_OUTPUT_OK)
        continue;
      ok++;
      if (tb_cost_is_known (&output->cost))
        ok_sum += output->cost.usd;
      else
        ok_known = FALSE;
      {
        double latency = output->latency_ms;

        g_array_append_val (latencies, latency);
      }
    }

  if (ok > 0 && ok_known)
    {
      model->has_cost_per_input = TRUE;
      model->cost_per_input_usd = ok_sum / ok;
      if (inputs_per_month > 0)
        {
          model->has_cost_at_volume = TRUE;
          model->cost_at_volume_usd = model->cost_per_input_usd * (double) inputs_per_month;
        }
    }
  if (latencies->len > 0)
    {
      model->has_latency = TRUE;
      model->latency_p50_ms = tb_stats_quantile ((double *) latencies->data, latencies->len, 0.5);
      model->latency_p95_ms = tb_stats_quantile ((double *) latencies->data, latencies->len,
                                                 0.95);
    }
}

static int
compare_models (gconstpointer a,
                gconstpointer b)
{
  const TbModelVerdict *x = *(TbModelVerdict * const *) a;
  const TbModelVerdict *y = *(TbModelVerdict * const *) b;

  if (x->has_mean != y->has_mean)
    return x->has_mean ? -1 : 1;
  if (x->has_mean && x->mean != y->mean)
    return x->mean > y->mean ? -1 : 1;
  return strcmp (x->model, y->model);
}

/* ---------------------------------------------------------------------------------------- */
/* Judges                                                                                     */

static void
agreement_free (TbAgreement *agreement)
{
  if (agreement == NULL)
    return;
  g_clear_pointer (&agreement->criteria, g_hash_table_unref);
  g_strfreev (agreement->criteria_order);
  g_ptr_array_unref (agreement->judges);
  g_free (agreement->outlier);
  g_free (agreement);
}

static void
judge_mean_free (TbJudgeMean *mean)
{
  g_free (mean->model);
  g_free (mean);
}

/* Krippendorff's α over the outputs (model, input, repeat) as units and `judges` as coders,
 * on `criterion` (NULL: overall). NAN when it cannot be computed. */
static double
alpha_of (Gathered   *gathered,
          GPtrArray  *judges,
          const char *criterion)
{
  g_autoptr(GHashTable) rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) matrix = g_array_new (FALSE, FALSE, sizeof (double));
  guint coders = judges->len;

  for (guint i = 0; i < gathered->observations->len; i++)
    {
      Observation *obs = g_ptr_array_index (gathered->observations, i);
      g_autofree char *unit = g_strdup_printf ("%s\n%s\n%s", obs->model, obs->input, obs->slot);
      gpointer row_ptr;
      guint row;
      guint coder;
      double value;

      if (!g_ptr_array_find_with_equal_func (judges, obs->judge, g_str_equal, &coder))
        continue;
      if (criterion != NULL)
        {
          if (!tb_score_get_criterion (obs->score, criterion, &value))
            continue;
        }
      else
        value = obs->overall;

      if (!g_hash_table_lookup_extended (rows, unit, NULL, &row_ptr))
        {
          double missing = NAN;

          row = g_hash_table_size (rows);
          g_hash_table_insert (rows, g_steal_pointer (&unit), GUINT_TO_POINTER (row));
          for (guint c = 0; c < coders; c++)
            g_array_append_val (matrix, missing);
        }
      else
        row = GPOINTER_TO_UINT (row_ptr);
      g_array_index (matrix, double, row * coders + coder) = value;
    }
  if (matrix->len == 0)
    return NAN;
  return tb_stats_krippendorff_alpha_interval ((double *) matrix->data, matrix->len / coders,
                                               coders);
}

static TbAgreement *
compute_agreement (Gathered *gathered)
{
  TbAgreement *agreement;
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  double alpha;

  if (gathered->judges->len < 2)
    return NULL;

  agreement = g_new0 (TbAgreement, 1);
  agreement->criteria = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  agreement->judges = g_ptr_array_new_with_free_func ((GDestroyNotify) judge_mean_free);

  alpha = alpha_of (gathered, gathered->judges, NULL);
  agreement->has_alpha = isfinite (alpha);
  agreement->alpha = agreement->has_alpha ? alpha : 0;
  for (guint c = 0; c < gathered->criteria->len; c++)
    {
      const char *name = g_ptr_array_index (gathered->criteria, c);
      double value = alpha_of (gathered, gathered->judges, name);

      if (!isfinite (value))
        continue;
      g_hash_table_insert (agreement->criteria, g_strdup (name), g_memdup2 (&value, sizeof value));
      g_ptr_array_add (order, (gpointer) name);
    }
  g_ptr_array_add (order, NULL);
  agreement->criteria_order = g_strdupv ((char **) order->pdata);

  for (guint j = 0; j < gathered->judges->len; j++)
    {
      const char *judge = g_ptr_array_index (gathered->judges, j);
      TbJudgeMean *mean = g_new0 (TbJudgeMean, 1);
      double sum = 0;

      mean->model = g_strdup (judge);
      for (guint i = 0; i < gathered->observations->len; i++)
        {
          Observation *obs = g_ptr_array_index (gathered->observations, i);

          if (g_str_equal (obs->judge, judge))
            {
              sum += obs->overall;
              mean->n++;
            }
        }
      mean->mean = mean->n > 0 ? sum / mean->n : 0;
      g_ptr_array_add (agreement->judges, mean);
    }

  /* With three judges or more, the outlier is the one without whom the others agree most. */
  if (gathered->judges->len >= 3 && agreement->has_alpha)
    {
      double best = agreement->alpha;

      for (guint j = 0; j < gathered->judges->len; j++)
        {
          g_autoptr(GPtrArray) others = g_ptr_array_new ();
          double without;

          for (guint k = 0; k < gathered->judges->len; k++)
            if (k != j)
              g_ptr_array_add (others, g_ptr_array_index (gathered->judges, k));
          without = alpha_of (gathered, others, NULL);
          if (isfinite (without) && without > best)
            {
              best = without;
              g_free (agreement->outlier);
              agreement->outlier = g_strdup (g_ptr_array_index (gathered->judges, j));
            }
        }
    }
  return agreement;
}

static void
pairwise_free (TbPairwise *pairwise)
{
  if (pairwise == NULL)
    return;
  g_ptr_array_unref (pairwise->pairs);
  g_ptr_array_unref (pairwise->ranking);
  g_free (pairwise);
}

static void
pair_tally_free (TbPairTally *tally)
{
  g_free (tally->a);
  g_free (tally->b);
  g_free (tally);
}

static void
pair_rank_free (TbPairRank *rank)
{
  g_free (rank->model);
  g_free (rank);
}

static const char *
winner_model (const TbComparison *comparison)
{
  switch (comparison->winner)
    {
    case TB_WINNER_A: return comparison->a;
    case TB_WINNER_B: return comparison->b;
    default: return NULL;
    }
}

static TbPairTally *
tally_for (TbPairwise *pairwise,
           const char *x,
           const char *y)
{
  const char *a = strcmp (x, y) < 0 ? x : y;
  const char *b = a == x ? y : x;

  for (guint i = 0; i < pairwise->pairs->len; i++)
    {
      TbPairTally *tally = g_ptr_array_index (pairwise->pairs, i);

      if (g_str_equal (tally->a, a) && g_str_equal (tally->b, b))
        return tally;
    }
  {
    TbPairTally *tally = g_new0 (TbPairTally, 1);

    tally->a = g_strdup (a);
    tally->b = g_strdup (b);
    g_ptr_array_add (pairwise->pairs, tally);
    return tally;
  }
}

static TbPairRank *
rank_for (TbPairwise *pairwise,
          const char *model)
{
  for (guint i = 0; i < pairwise->ranking->len; i++)
    {
      TbPairRank *rank = g_ptr_array_index (pairwise->ranking, i);

      if (g_str_equal (rank->model, model))
        return rank;
    }
  {
    TbPairRank *rank = g_new0 (TbPairRank, 1);

    rank->model = g_strdup (model);
    g_ptr_array_add (pairwise->ranking, rank);
    return rank;
  }
}

static int
compare_ranks (gconstpointer a,
               gconstpointer b)
{
  const TbPairRank *x = *(TbPairRank * const *) a;
  const TbPairRank *y = *(TbPairRank * const *) b;

  if (x->win_rate != y->win_rate)
    return x->win_rate > y->win_rate ? -1 : 1;
  return strcmp (x->model, y->model);
}

/* Each pair is judged in both orders; a win counts only when both orders name the same
 * model; when they disagree the pair is a tie, counted as inconsistent. */
static TbPairwise *
compute_pairwise (Gathered *gathered)
{
  TbPairwise *pairwise;
  g_autoptr(GHashTable) done = g_hash_table_new (NULL, NULL);

  if (gathered->comparisons->len == 0)
    return NULL;

  pairwise = g_new0 (TbPairwise, 1);
  pairwise->pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) pair_tally_free);
  pairwise->ranking = g_ptr_array_new_with_free_func ((GDestroyNotify) pair_rank_free);

  for (guint i = 0; i < gathered->comparisons->len; i++)
    {
      const TbComparison *first = g_ptr_array_index (gathered->comparisons, i);
      const char *input = g_hash_table_lookup (gathered->comparison_inputs, first);
      const TbComparison *second = NULL;
      TbPairTally *tally;
      TbPairRank *rank_a, *rank_b;
      const char *w1, *w2;

      if (g_hash_table_contains (done, first) || first->error != NULL)
        continue;
      for (guint j = i + 1; j < gathered->comparisons->len && second == NULL; j++)
        {
          const TbComparison *other = g_ptr_array_index (gathered->comparisons, j);

          if (!g_hash_table_contains (done, other) && other->error == NULL
              && g_strcmp0 (other->a, first->b) == 0 && g_strcmp0 (other->b, first->a) == 0
              && g_strcmp0 (other->judge, first->judge) == 0 && other->repeat == first->repeat
              && g_strcmp0 (g_hash_table_lookup (gathered->comparison_inputs, other), input) == 0)
            second = other;
        }
      if (second == NULL)
        continue;
      g_hash_table_add (done, (gpointer) first);
      g_hash_table_add (done, (gpointer) second);

      tally = tally_for (pairwise, first->a, first->b);
      rank_a = rank_for (pairwise, first->a);
      rank_b = rank_for (pairwise, first->b);
      w1 = winner_model (first);
      w2 = winner_model (second);
      pairwise->comparisons++;
      if (w1 != NULL && g_strcmp0 (w1, w2) == 0)
        {
          if (g_str_equal (w1, tally->a))
            tally->a_wins++;
          else
            tally->b_wins++;
          if (g_str_equal (w1, rank_a->model))
            {
              rank_a->wins++;
              rank_b->losses++;
            }
          else
            {
              rank_b->wins++;
              rank_a->losses++;
            }
        }
      else
        {
          tally->ties++;
          rank_a->ties++;
          rank_b->ties++;
          if (w1 != NULL || w2 != NULL)
            {
              tally->inconsistent++;
              pairwise->inconsistent++;
              /* Both orders chose the output shown first: the judge followed the position. */
              if (first->winner == TB_WINNER_A && second->winner == TB_WINNER_A)
                pairwise->first_position_wins++;
            }
        }
    }

  for (guint i = 0; i < pairwise->ranking->len; i++)
    {
      TbPairRank *rank = g_ptr_array_index (pairwise->ranking, i);
      guint total = rank->wins + rank->losses + rank->ties;

      rank->win_rate = total > 0 ? (double) rank->wins / total : 0;
    }
  g_ptr_array_sort (pairwise->ranking, compare_ranks);
  return pairwise;
}

static void
human_free (TbHumanAgreement *human)
{
  g_free (human->judge);
  g_free (human);
}

/* A judge's (or, with judge NULL, the judges' mean) score of the output a rating is
 * about; FALSE when there is none. */
static gboolean
judged_score (Gathered    *gathered,
              const Rated *rated,
              const char  *judge,
              double      *score)
{
  double sum = 0;
  guint n = 0;

  for (guint i = 0; i < gathered->observations->len; i++)
    {
      Observation *obs = g_ptr_array_index (gathered->observations, i);

      if (!g_str_equal (obs->model, rated->rating->model)
          || g_strcmp0 (obs->input, rated->input) != 0
          || !g_str_has_prefix (obs->slot, rated->slot_prefix)
          || (judge != NULL && !g_str_equal (obs->judge, judge)))
        continue;
      if (rated->rating->repeat > 0)
        {
          g_autofree char *slot = g_strdup_printf ("%s%u", rated->slot_prefix,
                                                   rated->rating->repeat);

          if (!g_str_equal (obs->slot, slot))
            continue;
        }
      sum += obs->overall;
      n++;
    }
  if (n == 0)
    return FALSE;
  *score = sum / n;
  return TRUE;
}

static TbHumanAgreement *
human_for (Gathered   *gathered,
           const char *judge)
{
  g_autoptr(GArray) people = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) judged = g_array_new (FALSE, FALSE, sizeof (double));
  TbHumanAgreement *human;

  for (guint i = 0; i < gathered->ratings->len; i++)
    {
      Rated *rated = g_ptr_array_index (gathered->ratings, i);
      double score;

      if (!judged_score (gathered, rated, judge, &score))
        continue;
      g_array_append_val (people, rated->rating->score);
      g_array_append_val (judged, score);
    }
  if (people->len == 0)
    return NULL;

  human = g_new0 (TbHumanAgreement, 1);
  human->judge = g_strdup (judge);
  human->n = people->len;
  human->mae = tb_stats_mean_abs_diff ((double *) people->data, (double *) judged->data,
                                       people->len);
  human->spearman = tb_stats_spearman ((double *) people->data, (double *) judged->data,
                                       people->len);
  human->has_spearman = isfinite (human->spearman);
  return human;
}

static GPtrArray *
compute_human (Gathered *gathered)
{
  GPtrArray *human;
  TbHumanAgreement *overall;

  if (gathered->ratings->len == 0)
    return NULL;
  overall = human_for (gathered, NULL);
  if (overall == NULL)
    return NULL;
  human = g_ptr_array_new_with_free_func ((GDestroyNotify) human_free);
  g_ptr_array_add (human, overall);
  for (guint j = 0; j < gathered->judges->len; j++)
    {
      TbHumanAgreement *one = human_for (gathered, g_ptr_array_index (gathered->judges, j));

      if (one != NULL)
        g_ptr_array_add (human, one);
    }
  return human;
}

/* ---------------------------------------------------------------------------------------- */
/* Warnings                                                                                   */

static void
warn (TbVerdict  *verdict,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
warn (TbVerdict  *verdict,
      const char *format,
      ...)
{
  va_list args;
  char *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  if (g_ptr_array_find_with_equal_func (verdict->warnings, text, g_str_equal, NULL))
    g_free (text);
  else
    g_ptr_array_add (verdict->warnings, text);
}

static gboolean
same_vendor (const char *a,
             const char *b)
{
  const char *slash_a = strchr (a, '/');
  const char *slash_b = strchr (b, '/');

  return slash_a != NULL && slash_b != NULL && slash_a - a == slash_b - b
         && strncmp (a, b, slash_a - a) == 0;
}

static void
warn_about_judges (TbVerdict *verdict,
                   Gathered  *gathered)
{
  for (guint j = 0; j < gathered->judges->len; j++)
    {
      const char *judge = g_ptr_array_index (gathered->judges, j);
      g_autoptr(GArray) scores = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) lengths = g_array_new (FALSE, FALSE, sizeof (double));

      for (guint m = 0; m < gathered->models->len; m++)
        {
          const char *model = g_ptr_array_index (gathered->models, m);

          if (g_str_equal (model, judge))
            warn (verdict, _("The judge %s is also a candidate: it may favour its own output."),
                  judge);
          else if (same_vendor (model, judge))
            warn (verdict, _("The judge %s shares a vendor with %s: it may favour its own "
                             "family."), judge, model);
        }

      /* Within each model's answers: a better model that also writes longer would
       * otherwise look like a judge that rewards length. Each score and length is taken as
       * its distance from the model's mean under this judge; a model with one answer says
       * nothing here. */
      for (guint m = 0; m < gathered->models->len; m++)
        {
          const char *model = g_ptr_array_index (gathered->models, m);
          double score_sum = 0, length_sum = 0;
          guint n = 0;

          for (guint i = 0; i < gathered->observations->len; i++)
            {
              Observation *obs = g_ptr_array_index (gathered->observations, i);

              if (g_str_equal (obs->judge, judge) && g_str_equal (obs->model, model))
                {
                  score_sum += obs->overall;
                  length_sum += obs->output_chars;
                  n++;
                }
            }
          if (n < 2)
            continue;
          for (guint i = 0; i < gathered->observations->len; i++)
            {
              Observation *obs = g_ptr_array_index (gathered->observations, i);
              double score, length;

              if (!g_str_equal (obs->judge, judge) || !g_str_equal (obs->model, model))
                continue;
              score = obs->overall - score_sum / n;
              length = obs->output_chars - length_sum / n;
              g_array_append_val (scores, score);
              g_array_append_val (lengths, length);
            }
        }
      if (scores->len >= TB_VERDICT_LENGTH_MIN)
        {
          double rho = tb_stats_spearman ((double *) scores->data, (double *) lengths->data,
                                          scores->len);

          if (isfinite (rho) && fabs (rho) >= TB_VERDICT_LENGTH_RHO)
            warn (verdict, rho > 0
                           ? _("The scores of %s follow the outputs' length within each "
                               "model's answers (Spearman ρ = %.2f over %u outputs): it may "
                               "favour longer answers.")
                           : _("The scores of %s follow the outputs' length within each "
                               "model's answers (Spearman ρ = %.2f over %u outputs): it may "
                               "favour shorter answers."),
                  judge, rho, scores->len);
        }
    }
}

static void
warn_about_providers (TbVerdict *verdict,
                      Gathered  *gathered)
{
  for (guint m = 0; m < gathered->models->len; m++)
    {
      const char *model = g_ptr_array_index (gathered->models, m);
      g_autoptr(GPtrArray) providers = g_ptr_array_new_with_free_func (g_free);

      for (guint i = 0; i < gathered->outputs->len; i++)
        {
          const TbOutput *output = g_ptr_array_index (gathered->outputs, i);

          if (!g_str_equal (output->model, model))
            continue;
          add_unique (providers, output->provider);
          for (guint p = 0; output->providers != NULL && output->providers[p] != NULL; p++)
            add_unique (providers, output->providers[p]);
        }
      if (providers->len > 1)
        {
          g_autofree char *list = NULL;

          g_ptr_array_add (providers, NULL);
          list = g_strjoinv (", ", (char **) providers->pdata);
          warn (verdict, _("%s was served by several providers (%s): its answers may differ "
                           "by provider."), model, list);
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* The verdict                                                                                */

static TbVerdict *
compute (Gathered   *gathered,
         gint64      inputs_per_month,
         const char *seed)
{
  TbVerdict *verdict = g_new0 (TbVerdict, 1);
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func
                                 ((GDestroyNotify) g_hash_table_unref);
  g_autoptr(GPtrArray) tied = g_ptr_array_new ();
  gboolean by_input = g_hash_table_size (gathered->inputs) >= 2;
  TbModelVerdict *best = NULL;
  GHashTable *best_units = NULL;
  gboolean all_single = TRUE;

  verdict->inputs = g_hash_table_size (gathered->inputs);
  verdict->repeat = MAX (gathered->repeat, 1);
  verdict->simulated = gathered->simulated;
  g_ptr_array_add (gathered->judges, NULL);
  verdict->judges = g_strdupv ((char **) gathered->judges->pdata);
  g_ptr_array_remove_index (gathered->judges, gathered->judges->len - 1);
  verdict->models = g_ptr_array_new_with_free_func ((GDestroyNotify) model_verdict_free);
  verdict->warnings = g_ptr_array_new_with_free_func (g_free);

  for (guint m = 0; m < gathered->models->len; m++)
    {
      TbModelVerdict *model = g_new0 (TbModelVerdict, 1);
      GHashTable *model_unit_table;

      model->model = g_strdup (g_ptr_array_index (gathered->models, m));
      model->criteria = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      model_unit_table = model_units (gathered, model->model, by_input);
      fill_scores (model, gathered, model_unit_table, seed);
      fill_costs (model, gathered, inputs_per_month);
      model->judge_errors = GPOINTER_TO_UINT (g_hash_table_lookup (gathered->judge_errors,
                                                                   model->model));
      if (g_hash_table_size (model_unit_table) > 1)
        all_single = FALSE;
      g_ptr_array_add (verdict->models, model);
      g_ptr_array_add (units, model_unit_table);
    }

  /* The best: the highest mean; its units stay with it. */
  for (guint m = 0; m < verdict->models->len; m++)
    {
      TbModelVerdict *model = g_ptr_array_index (verdict->models, m);

      if (model->has_mean && (best == NULL || model->mean > best->mean
                              || (model->mean == best->mean
                                  && strcmp (model->model, best->model) < 0)))
        {
          best = model;
          best_units = g_ptr_array_index (units, m);
        }
    }

  if (best != NULL)
    {
      verdict->single_sample = all_single;
      verdict->best_overall = g_strdup (best->model);
      for (guint m = 0; m < verdict->models->len; m++)
        {
          TbModelVerdict *model = g_ptr_array_index (verdict->models, m);
          g_autoptr(GArray) diffs = NULL;

          if (!model->has_mean)
            continue;
          if (model == best)
            {
              model->tied_with_best = TRUE;
              continue;
            }
          diffs = paired_differences (g_ptr_array_index (units, m), best_units);
          if (diffs->len == 0)
            continue;
          model->has_diff = TRUE;
          model->diff_mean = tb_stats_mean ((double *) diffs->data, diffs->len);
          model->has_diff_interval =
            tb_stats_bootstrap_mean_expanded ((double *) diffs->data, diffs->len,
                                              TB_VERDICT_RESAMPLES, TB_VERDICT_LEVEL,
                                              seed_for (seed, model->model),
                                              &model->diff_low, &model->diff_high);
          if (model->has_diff_interval)
            model->tied_with_best = model->diff_low <= 0 && model->diff_high >= 0;
          else
            /* One sample: only an exactly equal score is a tie. */
            model->tied_with_best = model->diff_mean == 0;
          if (model->tied_with_best && diffs->len >= 2)
            model->inputs_to_separate = tb_stats_inputs_to_separate ((double *) diffs->data,
                                                                     diffs->len);
        }
    }

  g_ptr_array_sort (verdict->models, compare_models);

  /* The tie, named; best value among the tied; budget pick by the interval's lower bound. */
  for (guint m = 0; m < verdict->models->len; m++)
    {
      TbModelVerdict *model = g_ptr_array_index (verdict->models, m);
      gboolean affordable;
      TbModelVerdict *value_pick;
      TbModelVerdict *budget;

      if (model->tied_with_best)
        g_ptr_array_add (tied, model->model);
      if (model->has_mean && !model->has_cost_per_input && model->outputs > 0)
        warn (verdict, _("The cost of %s is unknown: it is left out of best value and budget "
                         "pick."), model->model);

      affordable = model->has_mean && model->has_cost_per_input;
      value_pick = verdict->best_value != NULL ? tb_verdict_find (verdict, verdict->best_value)
                                               : NULL;
      if (affordable && model->tied_with_best
          && (value_pick == NULL || model->cost_per_input_usd < value_pick->cost_per_input_usd))
        {
          g_free (verdict->best_value);
          verdict->best_value = g_strdup (model->model);
        }
      budget = verdict->budget_pick != NULL ? tb_verdict_find (verdict, verdict->budget_pick)
                                            : NULL;
      /* "Surely above": a lower bound, which one sample does not have. */
      if (affordable && model->has_interval && model->ci_low >= TB_VERDICT_BUDGET
          && (budget == NULL || model->cost_per_input_usd < budget->cost_per_input_usd))
        {
          g_free (verdict->budget_pick);
          verdict->budget_pick = g_strdup (model->model);
        }
    }
  g_ptr_array_add (tied, NULL);
  verdict->tied_with_best = g_strdupv ((char **) tied->pdata);

  /* Best value at the same cost as another tied model: named, not broken silently. */
  if (verdict->best_value != NULL)
    {
      TbModelVerdict *value = tb_verdict_find (verdict, verdict->best_value);
      g_autoptr(GStrvBuilder) same = g_strv_builder_new ();

      for (guint m = 0; m < verdict->models->len; m++)
        {
          TbModelVerdict *model = g_ptr_array_index (verdict->models, m);

          if (model != value && model->tied_with_best && model->has_mean
              && model->has_cost_per_input
              && model->cost_per_input_usd == value->cost_per_input_usd)
            g_strv_builder_add (same, model->model);
        }
      verdict->best_value_same_cost = g_strv_builder_end (same);
    }

  if (verdict->single_sample)
    warn (verdict, _("The verdict rests on a single sample per model: run more inputs or "
                     "repeats to measure it."));

  verdict->agreement = compute_agreement (gathered);
  if (verdict->agreement != NULL && verdict->agreement->has_alpha
      && verdict->agreement->alpha < TB_VERDICT_ALPHA_LOW)
    {
      if (verdict->agreement->outlier != NULL)
        warn (verdict, _("The judges disagree (Krippendorff's α = %.2f); %s is the outlier."),
              verdict->agreement->alpha, verdict->agreement->outlier);
      else
        warn (verdict, _("The judges disagree (Krippendorff's α = %.2f)."),
              verdict->agreement->alpha);
    }

  verdict->pairwise = compute_pairwise (gathered);
  if (verdict->pairwise != NULL && verdict->pairwise->comparisons > 0
      && verdict->pairwise->inconsistent * 10 >= verdict->pairwise->comparisons * 3)
    warn (verdict, _("The pairwise judge contradicted itself when the two outputs were swapped "
                     "in %u of %u comparisons (position bias)."),
          verdict->pairwise->inconsistent, verdict->pairwise->comparisons);

  verdict->human = compute_human (gathered);
  warn_about_judges (verdict, gathered);
  warn_about_providers (verdict, gathered);
  return verdict;
}

TbVerdict *
tb_verdict_for_run (const TbRunData *data,
                    gint64           inputs_per_month)
{
  g_autoptr(Gathered) gathered = gathered_new ();

  g_return_val_if_fail (data != NULL && data->run != NULL, NULL);

  gather_run (gathered, data);
  return compute (gathered, inputs_per_month, data->run->id);
}

TbVerdict *
tb_verdict_for_runs (GPtrArray  *runs,
                     gint64      inputs_per_month,
                     const char *seed)
{
  g_autoptr(Gathered) gathered = gathered_new ();

  g_return_val_if_fail (runs != NULL, NULL);

  for (guint i = 0; i < runs->len; i++)
    gather_run (gathered, g_ptr_array_index (runs, i));
  /* One run pooled is that run: the same resamples as its own verdict, so `summary` and
   * `show` give it the same intervals. */
  if (runs->len == 1)
    seed = ((TbRunData *) g_ptr_array_index (runs, 0))->run->id;
  return compute (gathered, inputs_per_month, seed);
}

gint64
tb_verdict_inputs_per_month (const TbRun *run)
{
  g_autoptr(TbUsecase) usecase = NULL;

  g_return_val_if_fail (run != NULL, 0);

  if (run->usecase_snapshot == NULL)
    return 0;
  usecase = tb_usecase_parse (run->usecase, run->usecase_snapshot, -1, NULL, NULL);
  return usecase != NULL ? usecase->inputs_per_month : 0;
}

const TbJudgment *
tb_verdict_latest_judgment (const TbRunData *data,
                            gboolean         pairwise)
{
  g_return_val_if_fail (data != NULL, NULL);
  return latest_of_mode (data->judgments, pairwise ? "pairwise" : "pointwise");
}

void
tb_verdict_free (TbVerdict *verdict)
{
  if (verdict == NULL)
    return;
  g_strfreev (verdict->judges);
  g_clear_pointer (&verdict->models, g_ptr_array_unref);
  g_free (verdict->best_overall);
  g_strfreev (verdict->tied_with_best);
  g_free (verdict->best_value);
  g_strfreev (verdict->best_value_same_cost);
  g_free (verdict->budget_pick);
  agreement_free (verdict->agreement);
  pairwise_free (verdict->pairwise);
  g_clear_pointer (&verdict->human, g_ptr_array_unref);
  g_clear_pointer (&verdict->warnings, g_ptr_array_unref);
  g_free (verdict);
}

TbModelVerdict *
tb_verdict_find (const TbVerdict *verdict,
                 const char      *model)
{
  g_return_val_if_fail (verdict != NULL, NULL);

  for (guint i = 0; i < verdict->models->len; i++)
    {
      TbModelVerdict *one = g_ptr_array_index (verdict->models, i);

      if (g_strcmp0 (one->model, model) == 0)
        return one;
    }
  return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* JSON                                                                                       */

static void
add_number (JsonBuilder *builder,
            const char  *name,
            gboolean     known,
            double       value)
{
  if (known)
    tb_json_add_double (builder, name, value);
  else
    tb_json_add_null (builder, name);
}

static void
add_criteria (JsonBuilder *builder,
              const char  *name,
              GHashTable  *criteria,
              GStrv        order)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  for (guint i = 0; order != NULL && order[i] != NULL; i++)
    tb_json_add_double (builder, order[i], *(double *) g_hash_table_lookup (criteria, order[i]));
  json_builder_end_object (builder);
}

static JsonNode *
model_to_json (const TbModelVerdict *model)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "model", model->model);
  tb_json_add_int (builder, "n_inputs", model->n_inputs);
  tb_json_add_int (builder, "n_scores", model->n_scores);
  add_number (builder, "mean", model->has_mean, model->mean);
  add_number (builder, "ci_low", model->has_interval, model->ci_low);
  add_number (builder, "ci_high", model->has_interval, model->ci_high);
  add_criteria (builder, "criteria", model->criteria, model->criteria_order);
  tb_json_add_bool (builder, "tied_with_best", model->tied_with_best);
  json_builder_set_member_name (builder, "diff_vs_best");
  if (model->has_diff)
    {
      json_builder_begin_object (builder);
      tb_json_add_double (builder, "mean", model->diff_mean);
      add_number (builder, "ci_low", model->has_diff_interval, model->diff_low);
      add_number (builder, "ci_high", model->has_diff_interval, model->diff_high);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);
  tb_json_add_amount (builder, "cost_usd", model->cost_known, model->cost_usd);
  tb_json_add_amount (builder, "cost_per_input_usd", model->has_cost_per_input,
                      model->cost_per_input_usd);
  tb_json_add_amount (builder, "cost_at_volume_usd", model->has_cost_at_volume,
                      model->cost_at_volume_usd);
  add_number (builder, "latency_ms_p50", model->has_latency, model->latency_p50_ms);
  add_number (builder, "latency_ms_p95", model->has_latency, model->latency_p95_ms);
  tb_json_add_int (builder, "outputs", model->outputs);
  tb_json_add_int (builder, "errors", model->errors);
  tb_json_add_int (builder, "judge_errors", model->judge_errors);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static JsonNode *
agreement_to_json (const TbAgreement *agreement)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_number (builder, "alpha", agreement->has_alpha, agreement->alpha);
  add_criteria (builder, "criteria", agreement->criteria, agreement->criteria_order);
  json_builder_set_member_name (builder, "judges");
  json_builder_begin_array (builder);
  for (guint i = 0; i < agreement->judges->len; i++)
    {
      const TbJudgeMean *mean = g_ptr_array_index (agreement->judges, i);

      json_builder_begin_object (builder);
      tb_json_add_string (builder, "model", mean->model);
      tb_json_add_double (builder, "mean", mean->mean);
      tb_json_add_int (builder, "n", mean->n);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  tb_json_add_string (builder, "outlier", agreement->outlier);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static JsonNode *
pairwise_to_json (const TbPairwise *pairwise)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "pairs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < pairwise->pairs->len; i++)
    {
      const TbPairTally *tally = g_ptr_array_index (pairwise->pairs, i);

      json_builder_begin_object (builder);
      tb_json_add_string (builder, "a", tally->a);
      tb_json_add_string (builder, "b", tally->b);
      tb_json_add_int (builder, "a_wins", tally->a_wins);
      tb_json_add_int (builder, "b_wins", tally->b_wins);
      tb_json_add_int (builder, "ties", tally->ties);
      tb_json_add_int (builder, "inconsistent", tally->inconsistent);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "ranking");
  json_builder_begin_array (builder);
  for (guint i = 0; i < pairwise->ranking->len; i++)
    {
      const TbPairRank *rank = g_ptr_array_index (pairwise->ranking, i);

      json_builder_begin_object (builder);
      tb_json_add_string (builder, "model", rank->model);
      tb_json_add_double (builder, "win_rate", rank->win_rate);
      tb_json_add_int (builder, "wins", rank->wins);
      tb_json_add_int (builder, "losses", rank->losses);
      tb_json_add_int (builder, "ties", rank->ties);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  tb_json_add_int (builder, "comparisons", pairwise->comparisons);
  tb_json_add_int (builder, "inconsistent", pairwise->inconsistent);
  add_number (builder, "inconsistent_rate", pairwise->comparisons > 0,
              pairwise->comparisons > 0
              ? (double) pairwise->inconsistent / pairwise->comparisons : 0);
  tb_json_add_int (builder, "first_position_wins", pairwise->first_position_wins);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
add_human_fields (JsonBuilder            *builder,
                  const TbHumanAgreement *human)
{
  tb_json_add_int (builder, "n", human->n);
  tb_json_add_double (builder, "mae", human->mae);
  add_number (builder, "spearman", human->has_spearman, human->spearman);
}

static JsonNode *
human_to_json (GPtrArray *human)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_human_fields (builder, g_ptr_array_index (human, 0));
  json_builder_set_member_name (builder, "judges");
  json_builder_begin_array (builder);
  for (guint i = 1; i < human->len; i++)
    {
      const TbHumanAgreement *one = g_ptr_array_index (human, i);

      json_builder_begin_object (builder);
      tb_json_add_string (builder, "model", one->judge);
      add_human_fields (builder, one);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

JsonNode *
tb_verdict_to_json (const TbVerdict *verdict)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (verdict != NULL, NULL);

  json_builder_begin_object (builder);
  tb_json_add_int (builder, "inputs", verdict->inputs);
  tb_json_add_int (builder, "repeat", verdict->repeat);
  tb_json_add_strv (builder, "judges", (const char * const *) verdict->judges);
  json_builder_set_member_name (builder, "models");
  json_builder_begin_array (builder);
  for (guint i = 0; i < verdict->models->len; i++)
    json_builder_add_value (builder, model_to_json (g_ptr_array_index (verdict->models, i)));
  json_builder_end_array (builder);
  tb_json_add_string (builder, "best_overall", verdict->best_overall);
  tb_json_add_strv (builder, "tied_with_best", (const char * const *) verdict->tied_with_best);
  tb_json_add_string (builder, "best_value", verdict->best_value);
  tb_json_add_strv (builder, "best_value_same_cost",
                    (const char * const *) verdict->best_value_same_cost);
  tb_json_add_string (builder, "budget_pick", verdict->budget_pick);

  json_builder_set_member_name (builder, "inputs_to_separate");
  json_builder_begin_object (builder);
  for (guint i = 0; i < verdict->models->len; i++)
    {
      const TbModelVerdict *model = g_ptr_array_index (verdict->models, i);

      if (g_strcmp0 (model->model, verdict->best_overall) == 0 || !model->tied_with_best
          || model->inputs_to_separate == 0)
        continue;
      if (model->inputs_to_separate == TB_STATS_INPUTS_NEVER)
        tb_json_add_null (builder, model->model);
      else
        tb_json_add_int (builder, model->model, model->inputs_to_separate);
    }
  json_builder_end_object (builder);

  tb_json_add_node (builder, "agreement",
                    verdict->agreement != NULL ? agreement_to_json (verdict->agreement) : NULL);
  tb_json_add_node (builder, "pairwise",
                    verdict->pairwise != NULL ? pairwise_to_json (verdict->pairwise) : NULL);
  tb_json_add_node (builder, "human",
                    verdict->human != NULL ? human_to_json (verdict->human) : NULL);
  g_ptr_array_add (verdict->warnings, NULL);
  tb_json_add_strv (builder, "warnings", (const char * const *) verdict->warnings->pdata);
  g_ptr_array_remove_index (verdict->warnings, verdict->warnings->len - 1);
  tb_json_add_bool (builder, "single_sample", verdict->single_sample);
  tb_json_add_bool (builder, "simulated", verdict->simulated);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The reverse of tb_verdict_to_json, for a verdict kept in a cache. */

/* `has` and `value` from a member that is a number or null. */
static void
get_number (JsonObject *object,
            const char *name,
            gboolean   *has,
            double     *value)
{
  *has = tb_json_get_double (object, name, value);
  if (!*has)
    *value = 0;
}

static void
get_criteria (JsonObject  *object,
              const char  *name,
              GHashTable **criteria,
              GStrv       *order)
{
  JsonObject *members = tb_json_get_object (object, name);
  GList *names = members != NULL ? json_object_get_members (members) : NULL;
  g_autoptr(GStrvBuilder) kept = g_strv_builder_new ();

  *criteria = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (GList *l = names; l != NULL; l = l->next)
    {
      double value;

      if (!tb_json_get_double (members, l->data, &value))
        continue;
      g_hash_table_replace (*criteria, g_strdup (l->data), g_memdup2 (&value, sizeof value));
      g_strv_builder_add (kept, l->data);
    }
  g_list_free (names);
  *order = g_strv_builder_end (kept);
}

static TbModelVerdict *
model_from_json (JsonObject *object,
                 JsonObject *to_separate)
{
  TbModelVerdict *model = g_new0 (TbModelVerdict, 1);
  JsonObject *diff = tb_json_get_object (object, "diff_vs_best");
  JsonNode *separate;

  model->model = g_strdup (tb_json_get_string (object, "model"));
  model->n_inputs = tb_json_get_uint (object, "n_inputs", 0);
  model->n_scores = tb_json_get_uint (object, "n_scores", 0);
  get_number (object, "mean", &model->has_mean, &model->mean);
  get_number (object, "ci_low", &model->has_interval, &model->ci_low);
  get_number (object, "ci_high", &model->has_interval, &model->ci_high);
  get_criteria (object, "criteria", &model->criteria, &model->criteria_order);
  model->tied_with_best = tb_json_get_bool (object, "tied_with_best", FALSE);
  model->has_diff = diff != NULL;
  if (diff != NULL)
    {
      model->has_diff = tb_json_get_double (diff, "mean", &model->diff_mean);
      get_number (diff, "ci_low", &model->has_diff_interval, &model->diff_low);
      get_number (diff, "ci_high", &model->has_diff_interval, &model->diff_high);
    }
  separate = to_separate != NULL && model->model != NULL
             ? tb_json_member (to_separate, model->model) : NULL;
  if (separate != NULL)
    model->inputs_to_separate = JSON_NODE_HOLDS_NULL (separate)
                                ? TB_STATS_INPUTS_NEVER
                                : tb_json_get_uint (to_separate, model->model, 0);
  model->cost_known = tb_json_get_amount (object, "cost_usd", &model->cost_usd);
  model->has_cost_per_input = tb_json_get_amount (object, "cost_per_input_usd",
                                                  &model->cost_per_input_usd);
  model->has_cost_at_volume = tb_json_get_amount (object, "cost_at_volume_usd",
                                                  &model->cost_at_volume_usd);
  get_number (object, "latency_ms_p50", &model->has_latency, &model->latency_p50_ms);
  get_number (object, "latency_ms_p95", &model->has_latency, &model->latency_p95_ms);
  model->outputs = tb_json_get_uint (object, "outputs", 0);
  model->errors = tb_json_get_uint (object, "errors", 0);
  model->judge_errors = tb_json_get_uint (object, "judge_errors", 0);
  return model;
}

static TbAgreement *
agreement_from_json (JsonObject *object)
{
  TbAgreement *agreement = g_new0 (TbAgreement, 1);
  JsonArray *judges = tb_json_get_array (object, "judges");

  get_number (object, "alpha", &agreement->has_alpha, &agreement->alpha);
  get_criteria (object, "criteria", &agreement->criteria, &agreement->criteria_order);
  agreement->judges = g_ptr_array_new_with_free_func ((GDestroyNotify) judge_mean_free);
  for (guint i = 0; judges != NULL && i < json_array_get_length (judges); i++)
    {
      JsonObject *one = tb_json_array_object (judges, i);
      TbJudgeMean *mean;

      if (one == NULL)
        continue;
      mean = g_new0 (TbJudgeMean, 1);
      mean->model = g_strdup (tb_json_get_string (one, "model"));
      tb_json_get_double (one, "mean", &mean->mean);
      mean->n = tb_json_get_uint (one, "n", 0);
      g_ptr_array_add (agreement->judges, mean);
    }
  agreement->outlier = g_strdup (tb_json_get_string (object, "outlier"));
  return agreement;
}

static TbPairwise *
pairwise_from_json (JsonObject *object)
{
  TbPairwise *pairwise = g_new0 (TbPairwise, 1);
  JsonArray *pairs = tb_json_get_array (object, "pairs");
  JsonArray *ranking = tb_json_get_array (object, "ranking");

  pairwise->pairs = g_ptr_array_new_with_free_func ((GDestroyNotify) pair_tally_free);
  pairwise->ranking = g_ptr_array_new_with_free_func ((GDestroyNotify) pair_rank_free);
  for (guint i = 0; pairs != NULL && i < json_array_get_length (pairs); i++)
    {
      JsonObject *one = tb_json_array_object (pairs, i);
      TbPairTally *tally;

      if (one == NULL)
        continue;
      tally = g_new0 (TbPairTally, 1);
      tally->a = g_strdup (tb_json_get_string (one, "a"));
      tally->b = g_strdup (tb_json_get_string (one, "b"));
      tally->a_wins = tb_json_get_uint (one, "a_wins", 0);
      tally->b_wins = tb_json_get_uint (one, "b_wins", 0);
      tally->ties = tb_json_get_uint (one, "ties", 0);
      tally->inconsistent = tb_json_get_uint (one, "inconsistent", 0);
      g_ptr_array_add (pairwise->pairs, tally);
    }
  for (guint i = 0; ranking != NULL && i < json_array_get_length (ranking); i++)
    {
      JsonObject *one = tb_json_array_object (ranking, i);
      TbPairRank *rank;

      if (one == NULL)
        continue;
      rank = g_new0 (TbPairRank, 1);
      rank->model = g_strdup (tb_json_get_string (one, "model"));
      tb_json_get_double (one, "win_rate", &rank->win_rate);
      rank->wins = tb_json_get_uint (one, "wins", 0);
      rank->losses = tb_json_get_uint (one, "losses", 0);
      rank->ties = tb_json_get_uint (one, "ties", 0);
      g_ptr_array_add (pairwise->ranking, rank);
    }
  pairwise->comparisons = tb_json_get_uint (object, "comparisons", 0);
  pairwise->inconsistent = tb_json_get_uint (object, "inconsistent", 0);
  pairwise->first_position_wins = tb_json_get_uint (object, "first_position_wins", 0);
  return pairwise;
}

static TbHumanAgreement *
human_fields_from_json (JsonObject *object,
                        const char *judge)
{
  TbHumanAgreement *human = g_new0 (TbHumanAgreement, 1);

  human->judge = g_strdup (judge);
  human->n = tb_json_get_uint (object, "n", 0);
  tb_json_get_double (object, "mae", &human->mae);
  get_number (object, "spearman", &human->has_spearman, &human->spearman);
  return human;
}

static GPtrArray *
human_from_json (JsonObject *object)
{
  GPtrArray *human = g_ptr_array_new_with_free_func ((GDestroyNotify) human_free);
  JsonArray *judges = tb_json_get_array (object, "judges");

  g_ptr_array_add (human, human_fields_from_json (object, NULL));
  for (guint i = 0; judges != NULL && i < json_array_get_length (judges); i++)
    {
      JsonObject *one = tb_json_array_object (judges, i);

      if (one != NULL)
        g_ptr_array_add (human, human_fields_from_json (one, tb_json_get_string (one, "model")));
    }
  return human;
}

TbVerdict *
tb_verdict_from_json (JsonNode *node)
{
  JsonObject *object;
  JsonArray *models;
  JsonObject *to_separate;
  JsonObject *part;
  TbVerdict *verdict;
  g_auto(GStrv) warnings = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  object = json_node_get_object (node);
  models = tb_json_get_array (object, "models");
  to_separate = tb_json_get_object (object, "inputs_to_separate");

  verdict = g_new0 (TbVerdict, 1);
  verdict->inputs = tb_json_get_uint (object, "inputs", 0);
  verdict->repeat = tb_json_get_uint (object, "repeat", 0);
  verdict->judges = tb_json_get_strv (object, "judges");
  if (verdict->judges == NULL)
    verdict->judges = g_new0 (char *, 1);
  verdict->models = g_ptr_array_new_with_free_func ((GDestroyNotify) model_verdict_free);
  for (guint i = 0; models != NULL && i < json_array_get_length (models); i++)
    {
      JsonObject *one = tb_json_array_object (models, i);

      if (one != NULL)
        g_ptr_array_add (verdict->models, model_from_json (one, to_separate));
    }
  verdict->best_overall = g_strdup (tb_json_get_string (object, "best_overall"));
  verdict->tied_with_best = tb_json_get_strv (object, "tied_with_best");
  verdict->best_value = g_strdup (tb_json_get_string (object, "best_value"));
  verdict->best_value_same_cost = tb_json_get_strv (object, "best_value_same_cost");
  verdict->budget_pick = g_strdup (tb_json_get_string (object, "budget_pick"));
  if ((part = tb_json_get_object (object, "agreement")) != NULL)
    verdict->agreement = agreement_from_json (part);
  if ((part = tb_json_get_object (object, "pairwise")) != NULL)
    verdict->pairwise = pairwise_from_json (part);
  if ((part = tb_json_get_object (object, "human")) != NULL)
    verdict->human = human_from_json (part);
  verdict->warnings = g_ptr_array_new_with_free_func (g_free);
  warnings = tb_json_get_strv (object, "warnings");
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    g_ptr_array_add (verdict->warnings, g_strdup (warnings[i]));
  verdict->single_sample = tb_json_get_bool (object, "single_sample", FALSE);
  verdict->simulated = tb_json_get_bool (object, "simulated", FALSE);
  return verdict;
}

/* ---------------------------------------------------------------------------------------- */
/* In words                                                                                   */

static char *
join_names (GStrv names)
{
  guint n = names != NULL ? g_strv_length (names) : 0;

  if (n == 1)
    return g_strdup (names[0]);
  {
    GString *text = g_string_new (NULL);

    for (guint i = 0; i < n; i++)
      {
        if (i > 0 && i + 1 < n)
          g_string_append (text, ", ");
        else if (i > 0)
          /* Translators: between the last two names of a list ("a, b and c") */
          g_string_append (text, _(" and "));
        g_string_append (text, names[i]);
      }
    return g_string_free (text, FALSE);
  }
}

static guint
scored_models (const TbVerdict *verdict)
{
  guint n = 0;

  for (guint i = 0; i < verdict->models->len; i++)
    n += ((const TbModelVerdict *) g_ptr_array_index (verdict->models, i))->has_mean ? 1 : 0;
  return n;
}

char *
tb_verdict_tied_note (const TbVerdict *verdict)
{
  g_autofree char *others = NULL;

  g_return_val_if_fail (verdict != NULL, NULL);

  if (verdict->best_overall == NULL || verdict->tied_with_best == NULL
      || g_strv_length (verdict->tied_with_best) < 2)
    return NULL;
  /* tied_with_best holds the best first */
  others = g_strjoinv (", ", verdict->tied_with_best + 1);
  /* Translators: after the best model's name: the models it is tied with */
  return g_strdup_printf (_("tied with %s"), others);
}

char *
tb_verdict_describe (const TbVerdict *verdict)
{
  GString *text = g_string_new (NULL);
  TbModelVerdict *best;

  g_return_val_if_fail (verdict != NULL, NULL);

  if (verdict->best_overall == NULL && verdict->pairwise != NULL
      && verdict->pairwise->ranking->len > 0)
    {
      /* Judged pairwise only: the ranking by win rate is what there is to say. */
      const TbPairRank *first = g_ptr_array_index (verdict->pairwise->ranking, 0);

      g_string_append_printf (text, _("No model has a score; judged in pairs, %s wins most "
                                      "often (%.0f%% of its comparisons: %u won, %u lost, %u "
                                      "tied)."), first->model, 100 * first->win_rate,
                              first->wins, first->losses, first->ties);
      if (verdict->pairwise->ranking->len > 1)
        {
          const TbPairRank *second = g_ptr_array_index (verdict->pairwise->ranking, 1);

          if (second->win_rate == first->win_rate)
            g_string_append_printf (text, _(" %s wins as often: they are tied."),
                                    second->model);
        }
      return g_string_free (text, FALSE);
    }
  if (verdict->best_overall == NULL)
    {
      g_string_append (text, _("No model has a score yet."));
      return g_string_free (text, FALSE);
    }
  best = tb_verdict_find (verdict, verdict->best_overall);

  if (g_strv_length (verdict->tied_with_best) > 1)
    {
      g_autofree char *names = join_names (verdict->tied_with_best);
      /* With one input the samples are its repeats (see model_units): more of them, not
       * more inputs, is what the count is in. */
      gboolean by_repeat = verdict->inputs < 2;
      guint have = by_repeat ? verdict->repeat : verdict->inputs;
      guint most = 0, fewest = G_MAXUINT;
      const char *closest = NULL;

      g_string_append_printf (text, _("%s are tied for the best score."), names);
      for (guint i = 0; verdict->tied_with_best[i] != NULL; i++)
        {
          TbModelVerdict *model = tb_verdict_find (verdict, verdict->tied_with_best[i]);

          if (model == best || model->inputs_to_separate == TB_STATS_INPUTS_NEVER)
            continue;
          most = MAX (most, model->inputs_to_separate);
          if (model->inputs_to_separate > have && model->inputs_to_separate < fewest)
            {
              fewest = model->inputs_to_separate;
              closest = model->model;
            }
        }
      /* Three or more tied: the one nearest to being told apart is named, so a tie that
       * a few more inputs would settle is not called equal for the sake of the others. */
      if (closest != NULL && fewest < most && fewest <= have + TB_VERDICT_PRACTICAL_INPUTS
          && !verdict->single_sample)
        g_string_append_printf (text, by_repeat
                                ? ngettext (" About %u more repeat of this input would "
                                            "separate %s from %s; the others would take more.",
                                            " About %u more repeats of this input would "
                                            "separate %s from %s; the others would take more.",
                                            fewest - have)
                                : ngettext (" About %u more input would separate %s from %s; "
                                            "the others would take more.",
                                            " About %u more inputs would separate %s from %s; "
                                            "the others would take more.",
                                            fewest - have),
                                fewest - have, closest, best->model);
      else if (most > have + TB_VERDICT_PRACTICAL_INPUTS && !verdict->single_sample)
        g_string_append_printf (text, by_repeat
                                ? _(" Separating them would take more than %u more "
                                    "repeats: for practical purposes they are equal.")
                                : _(" Separating them would take more than %u more "
                                    "inputs: for practical purposes they are equal."),
                                TB_VERDICT_PRACTICAL_INPUTS);
      else if (most > have && !verdict->single_sample && by_repeat)
        g_string_append_printf (text, ngettext (" About %u more repeat of this input would "
                                                "separate them.",
                                                " About %u more repeats of this input would "
                                                "separate them.",
                                                most - have),
                                most - have);
      else if (most > have && !verdict->single_sample)
        g_string_append_printf (text, ngettext (" About %u more input would separate them.",
                                                " About %u more inputs would separate them.",
                                                most - have),
                                most - have);
      else if (!verdict->single_sample)
        g_string_append (text, _(" Their difference is too small to measure at this size."));
    }
  else if (best->has_interval && scored_models (verdict) == 1)
    g_string_append_printf (text, _("%s is the only model with a score: %.1f (95%% interval "
                                    "%.1f–%.1f)."), best->model, best->mean, best->ci_low,
                            best->ci_high);
  else if (best->has_interval)
    g_string_append_printf (text, _("%s is best: %.1f (95%% interval %.1f–%.1f), ahead of every "
                                    "other model."), best->model, best->mean, best->ci_low,
                            best->ci_high);
  else
    g_string_append_printf (text, _("%s scored highest: %.1f."), best->model, best->mean);

  if (verdict->single_sample)
    g_string_append (text, _(" This rests on a single sample per model."));
  if (verdict->best_value != NULL && verdict->best_value_same_cost != NULL
      && verdict->best_value_same_cost[0] != NULL)
    {
      g_autofree char *others = join_names (verdict->best_value_same_cost);

      g_string_append_printf (text, _(" Best value: %s, at the same cost as %s."),
                              verdict->best_value, others);
    }
  else if (verdict->best_value != NULL)
    g_string_append_printf (text, _(" Best value: %s."), verdict->best_value);
  if (verdict->budget_pick != NULL)
    g_string_append_printf (text, _(" Budget pick: %s."), verdict->budget_pick);
  else
    g_string_append_printf (text, _(" No model is surely above %.0f (budget pick: none)."),
                            TB_VERDICT_BUDGET);
  return g_string_free (text, FALSE);
}

void
tb_verdict_record_picks (TbJudgment *judgment,
                         TbRun      *run,
                         GPtrArray  *outputs)
{
  TbRunData data = { 0 };
  g_autoptr(TbVerdict) verdict = NULL;

  g_return_if_fail (judgment != NULL && run != NULL && outputs != NULL);

  data.run = run;
  data.outputs = outputs;
  data.judgments = g_ptr_array_new ();
  data.ratings = g_ptr_array_new ();
  g_ptr_array_add (data.judgments, judgment);
  verdict = tb_verdict_for_run (&data, 0);
  g_ptr_array_unref (data.judgments);
  g_ptr_array_unref (data.ratings);

  g_free (judgment->best_overall);
  judgment->best_overall = g_strdup (verdict->best_overall);
  g_free (judgment->best_value);
  judgment->best_value = g_strdup (verdict->best_value);
  g_free (judgment->budget_pick);
  judgment->budget_pick = g_strdup (verdict->budget_pick);
}

gboolean
tb_verdict_models_to_settle (const TbVerdict  *verdict,
                             const TbRun      *run,
                             GStrv            *models,
                             GError          **error)
{
  g_return_val_if_fail (verdict != NULL && run != NULL && models != NULL, FALSE);

  if (verdict->best_overall == NULL)
    {
      *models = g_strdupv (run->models);
      return TRUE;
    }
  if (verdict->tied_with_best != NULL && g_strv_length (verdict->tied_with_best) >= 2)
    {
      *models = g_strdupv (verdict->tied_with_best);
      return TRUE;
    }
  g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
               _("%s is best with no model tied with it: there is no tie for pairwise judging "
                 "to settle (name the models to compare with --models)"), verdict->best_overall);
  return FALSE;
}

/* ---------------------------------------------------------------------------------------- */
/* The model × input matrix                                                                  */

typedef struct {
  guint  index;
  double mean;
} RowOrder;

static int
compare_rows (gconstpointer a,
              gconstpointer b)
{
  const RowOrder *x = a, *y = b;

  /* Rows without any score go last; equal means keep the run's order. */
  if (isnan (x->mean) != isnan (y->mean))
    return isnan (x->mean) ? 1 : -1;
  if (!isnan (x->mean) && x->mean != y->mean)
    return x->mean < y->mean ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

TbScoreMatrix *
tb_score_matrix_new (const TbRunData *data,
                     const TbVerdict *verdict)
{
  const TbJudgment *judgment;
  const TbRun *run;
  TbScoreMatrix *matrix;
  g_autofree double *cells = NULL;
  g_autofree double *means = NULL;
  g_autofree RowOrder *order = NULL;
  guint n_inputs, n_models;

  g_return_val_if_fail (data != NULL && verdict != NULL, NULL);

  judgment = latest_of_mode (data->judgments, "pointwise");
  if (judgment == NULL)
    return NULL;
  run = data->run;
  n_inputs = run->inputs->len;
  n_models = verdict->models->len;
  cells = g_new (double, MAX (n_inputs * n_models, 1));
  means = g_new (double, MAX (n_inputs, 1));
  order = g_new (RowOrder, MAX (n_inputs, 1));

  for (guint i = 0; i < n_inputs; i++)
    {
      const TbRunInput *input = g_ptr_array_index (run->inputs, i);
      double row_sum = 0;
      guint row_n = 0;

      for (guint m = 0; m < n_models; m++)
        {
          const TbModelVerdict *model = g_ptr_array_index (verdict->models, m);
          double sum = 0;
          guint n = 0;

          for (guint k = 0; k < judgment->scores->len; k++)
            {
              const TbScore *score = g_ptr_array_index (judgment->scores, k);

              /* Scores of older single-input runs name no input: theirs is the one. */
              if (score->error == NULL && g_strcmp0 (score->model, model->model) == 0
                  && (g_strcmp0 (score->input, input->key) == 0
                      || (score->input == NULL && n_inputs == 1)))
                {
                  sum += score->overall;
                  n++;
                }
            }
          cells[i * n_models + m] = n > 0 ? sum / n : NAN;
          if (n > 0)
            {
              row_sum += sum / n;
              row_n++;
            }
        }
      order[i].index = i;
      order[i].mean = row_n > 0 ? row_sum / row_n : NAN;
    }
  qsort (order, n_inputs, sizeof *order, compare_rows);

  matrix = g_new0 (TbScoreMatrix, 1);
  matrix->n_inputs = n_inputs;
  matrix->n_models = n_models;
  matrix->inputs = g_new0 (char *, n_inputs + 1);
  matrix->models = g_new0 (char *, n_models + 1);
  matrix->cells = g_new (double, MAX (n_inputs * n_models, 1));
  matrix->input_means = g_new (double, MAX (n_inputs, 1));
  for (guint m = 0; m < n_models; m++)
    matrix->models[m] = g_strdup (((TbModelVerdict *) g_ptr_array_index (verdict->models,
                                                                         m))->model);
  for (guint row = 0; row < n_inputs; row++)
    {
      guint i = order[row].index;

      matrix->inputs[row] = g_strdup (((TbRunInput *) g_ptr_array_index (run->inputs, i))->key);
      matrix->input_means[row] = order[row].mean;
      memcpy (matrix->cells + row * n_models, cells + i * n_models, n_models * sizeof (double));
    }
  return matrix;
}

double
tb_score_matrix_get (const TbScoreMatrix *matrix,
                     guint                input,
                     guint                model)
{
  g_return_val_if_fail (matrix != NULL && input < matrix->n_inputs && model < matrix->n_models,
                        NAN);
  return matrix->cells[input * matrix->n_models + model];
}

void
tb_score_matrix_free (TbScoreMatrix *matrix)
{
  if (matrix == NULL)
    return;
  g_strfreev (matrix->inputs);
  g_strfreev (matrix->models);
  g_free (matrix->cells);
  g_free (matrix->input_means);
  g_free (matrix);
}
