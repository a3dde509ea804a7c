/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The verdict on hand-made runs: ties named, intervals, the paired comparison, best value
 * and budget pick, repeats, the jury's agreement, pairwise, a person's ratings, and the
 * bias warnings — against values computed by hand. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "tb-core.h"

/* A run in memory: `n_inputs` inputs "in0", "in1", …, the models, `repeat`. */
static TbRunData *
make_data (guint               n_inputs,
           const char * const *models,
           guint               repeat)
{
  TbRunData *data = g_new0 (TbRunData, 1);
  TbRun *run = tb_run_new ();

  run->id = g_strdup ("20261201T000000Z-abcd");
  run->usecase = g_strdup ("uc");
  g_strfreev (run->models);
  run->models = g_strdupv ((char **) models);
  run->repeat = repeat;
  for (guint i = 0; i < n_inputs; i++)
    {
      TbRunInput *input = tb_run_input_new ();

      input->key = g_strdup_printf ("in%u", i);
      input->name = g_strdup_printf ("in%u.txt", i);
      input->sha256 = g_strdup_printf ("sha-%u", i);
      g_ptr_array_add (run->inputs, input);
    }
  data->run = run;
  data->outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);
  data->judgments = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_judgment_free);
  data->ratings = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_rating_free);
  return data;
}

static void
add_output (TbRunData  *data,
            const char *model,
            guint       input,
            guint       repeat,
            gboolean    cost_known,
            double      usd,
            gint64      latency_ms,
            const char *provider)
{
  TbOutput *output = tb_output_new (model);

  output->input = g_strdup_printf ("in%u", input);
  output->repeat = repeat;
  output->status = TB_OUTPUT_OK;
  output->attempts = 1;
  output->latency_ms = latency_ms;
  output->provider = g_strdup (provider);
  if (cost_known)
    {
      output->cost.has_inline = TRUE;
      output->cost.inline_usd = usd;
    }
  tb_cost_settle (&output->cost);
  g_ptr_array_add (data->outputs, output);
}

static TbJudgment *
add_judgment (TbRunData  *data,
              const char *mode)
{
  TbJudgment *judgment = tb_judgment_new ();

  judgment->mode = g_strdup (mode);
  judgment->judge_model = g_strdup ("j/one");
  /* newest first */
  g_ptr_array_insert (data->judgments, 0, judgment);
  return judgment;
}

static void
add_score (TbJudgment *judgment,
           const char *model,
           guint       input,
           guint       repeat,
           const char *judge,
           double      overall,
           gint64      chars)
{
  TbScore *score = tb_score_new (model);

  score->input = g_strdup_printf ("in%u", input);
  score->repeat = repeat;
  score->judge = g_strdup (judge);
  score->overall = overall;
  score->output_chars = chars;
  tb_score_set_criterion (score, "accuracy", overall / 10);
  g_ptr_array_add (judgment->scores, score);
}

/* Scores for every model on every input from a table [model][input], one judge. */
static TbRunData *
table_run (const char * const *models,
           guint               n_inputs,
           const double       *scores,
           const double       *costs)
{
  TbRunData *data = make_data (n_inputs, models, 1);
  TbJudgment *judgment = add_judgment (data, "pointwise");
  guint n_models = g_strv_length ((GStrv) models);

  for (guint m = 0; m < n_models; m++)
    for (guint i = 0; i < n_inputs; i++)
      {
        add_output (data, models[m], i, 1, costs != NULL, costs != NULL ? costs[m] : 0, 1000,
                    "P");
        add_score (judgment, models[m], i, 1, "j/one", scores[m * n_inputs + i], 100);
      }
  return data;
}

static gboolean
has_warning (TbVerdict  *verdict,
             const char *words)
{
  for (guint i = 0; i < verdict->warnings->len; i++)
    if (strstr (g_ptr_array_index (verdict->warnings, i), words) != NULL)
      return TRUE;
  return FALSE;
}

/* A verdict kept in a cache (the Summary's, in the index) reads back as the same verdict:
 * the same JSON, the same words. */
static void
assert_survives_json (TbVerdict *verdict)
{
  g_autoptr(JsonNode) node = tb_verdict_to_json (verdict);
  g_autofree char *text = tb_json_to_string (node, FALSE);
  g_autoptr(JsonNode) parsed = tb_json_parse (text, -1, "verdict", NULL);
  g_autoptr(TbVerdict) back = tb_verdict_from_json (parsed);
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *again_text = NULL;
  g_autofree char *words = tb_verdict_describe (verdict);
  g_autofree char *back_words = NULL;

  g_assert_nonnull (back);
  again = tb_verdict_to_json (back);
  again_text = tb_json_to_string (again, FALSE);
  g_assert_cmpstr (again_text, ==, text);
  back_words = tb_verdict_describe (back);
  g_assert_cmpstr (back_words, ==, words);
  for (guint i = 0; i < verdict->models->len; i++)
    {
      TbModelVerdict *want = g_ptr_array_index (verdict->models, i);
      TbModelVerdict *got = g_ptr_array_index (back->models, i);

      g_assert_cmpuint (got->outputs, ==, want->outputs);
      g_assert_cmpuint (got->inputs_to_separate, ==, want->inputs_to_separate);
      g_assert_cmpfloat (got->mean, ==, want->mean);
      g_assert_cmpfloat (got->ci_low, ==, want->ci_low);
    }
}

/* Three models at 75.5 on one input: a three-way tie, named, and a single sample. */
static void
test_single_sample_tie (void)
{
  const char *models[] = { "c/three", "a/one", "b/two", NULL };
  const double scores[] = { 75.5, 75.5, 75.5 };
  const double costs[] = { 0.003, 0.002, 0.001 };
  g_autoptr(TbRunData) data = table_run (models, 1, scores, costs);
  g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 0);
  g_autofree char *words = tb_verdict_describe (verdict);

  assert_survives_json (verdict);
  g_assert_true (verdict->single_sample);
  g_assert_cmpuint (g_strv_length (verdict->tied_with_best), ==, 3);
  g_assert_true (has_warning (verdict, "single sample"));
  /* the cheapest of the tied is the best value */
  g_assert_cmpstr (verdict->best_value, ==, "b/two");
  /* "surely above 70" needs a lower bound, which one sample does not have */
  g_assert_null (verdict->budget_pick);
  g_assert_nonnull (strstr (words, "budget pick: none"));
  g_assert_nonnull (strstr (words, "are tied"));
  g_assert_nonnull (strstr (words, "single sample"));
  for (guint i = 0; i < verdict->models->len; i++)
    g_assert_false (((TbModelVerdict *) g_ptr_array_index (verdict->models, i))->has_interval);
}

/* A clear gap over five inputs: the best is named alone, with an interval. */
static void
test_clear_winner (void)
{
  const char *models[] = { "a/good", "b/weak", NULL };
  const double scores[] = { 90, 88, 92, 85, 91,
                            60, 62, 58, 65, 61 };
  const double costs[] = { 0.01, 0.001 };
  g_autoptr(TbRunData) data = table_run (models, 5, scores, costs);
  g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 1000);
  TbModelVerdict *good = tb_verdict_find (verdict, "a/good");
  TbModelVerdict *weak = tb_verdict_find (verdict, "b/weak");
  double value;

  assert_survives_json (verdict);
  g_assert_false (verdict->single_sample);
  g_assert_cmpstr (verdict->best_overall, ==, "a/good");
  g_assert_cmpuint (g_strv_length (verdict->tied_with_best), ==, 1);
  /* (90 + 88 + 92 + 85 + 91) / 5 */
  g_assert_cmpfloat_with_epsilon (good->mean, 89.2, 1e-9);
  g_assert_true (good->has_interval);
  g_assert_cmpfloat (good->ci_low, <=, 89.2);
  g_assert_cmpfloat (good->ci_high, >=, 89.2);
  g_assert_cmpfloat (good->ci_low, >=, 85);
  g_assert_cmpfloat (good->ci_high, <=, 92);
  g_assert_false (weak->tied_with_best);
  /* 61.2 − 89.2 */
  g_assert_cmpfloat_with_epsilon (weak->diff_mean, -28, 1e-9);
  g_assert_cmpfloat (weak->diff_high, <, 0);
  /* best value is among the tied only: the good, dearer one */
  g_assert_cmpstr (verdict->best_value, ==, "a/good");
  g_assert_cmpstr (verdict->budget_pick, ==, "a/good");
  g_assert_cmpfloat_with_epsilon (good->cost_per_input_usd, 0.01, 1e-12);
  g_assert_cmpfloat_with_epsilon (good->cost_at_volume_usd, 10, 1e-9);
  g_assert_cmpfloat_with_epsilon (good->latency_p50_ms, 1000, 1e-9);
  g_assert_true (g_hash_table_lookup (good->criteria, "accuracy") != NULL);
  value = *(double *) g_hash_table_lookup (good->criteria, "accuracy");
  g_assert_cmpfloat_with_epsilon (value, 8.92, 1e-9);

  /* reproducible: the same run gives the same interval */
  {
    g_autoptr(TbVerdict) again = tb_verdict_for_run (data, 1000);

    g_assert_cmpfloat (tb_verdict_find (again, "a/good")->ci_low, ==, good->ci_low);
  }
}

/* Close models: tied, and the number of inputs that would separate them. */
static void
test_tie_and_inputs_to_separate (void)
{
  const char *models[] = { "a/x", "b/y", NULL };
  const double scores[] = { 80, 70, 90, 60, 75,
                            79, 72, 88, 61, 74 };
  const double costs[] = { 0.02, 0.005 };
  g_autoptr(TbRunData) data = table_run (models, 5, scores, costs);
  g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 0);
  TbModelVerdict *other;
  g_autoptr(JsonNode) json = NULL;
  JsonObject *object;
  const double diffs[] = { -1, 2, -2, 1, -1 };   /* b − a per input */

  assert_survives_json (verdict);
  g_assert_cmpuint (g_strv_length (verdict->tied_with_best), ==, 2);
  other = tb_verdict_find (verdict, verdict->tied_with_best[1]);
  g_assert_true (other->tied_with_best);
  g_assert_cmpuint (other->inputs_to_separate, ==,
                    tb_stats_inputs_to_separate (diffs, G_N_ELEMENTS (diffs)));
  g_assert_cmpuint (other->inputs_to_separate, >, 5);
  /* the cheaper of the tied */
  g_assert_cmpstr (verdict->best_value, ==, "b/y");

  json = tb_verdict_to_json (verdict);
  object = json_node_get_object (json);
  g_assert_true (json_object_has_member (json_object_get_object_member (object,
                                                                        "inputs_to_separate"),
                                         "b/y"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object,
                                                                        "tied_with_best")),
                    ==, 2);
}

/* The contract's shape of `summary`. */
static void
test_json_shape (void)
{
  const char *models[] = { "a/x", "b/y", NULL };
  const double scores[] = { 80, 81, 70, 72 };
  g_autoptr(TbRunData) data = table_run (models, 2, scores, NULL);
  g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 0);
  g_autoptr(JsonNode) json = tb_verdict_to_json (verdict);
  JsonObject *object = json_node_get_object (json);
  JsonObject *model = json_array_get_object_element (json_object_get_array_member (object,
                                                                                   "models"),
                                                     0);
  const char *top[] = { "inputs", "repeat", "judges", "models", "best_overall",
                        "tied_with_best", "best_value", "budget_pick", "inputs_to_separate",
                        "agreement", "pairwise", "human", "warnings", NULL };
  const char *per_model[] = { "model", "n_inputs", "n_scores", "mean", "ci_low", "ci_high",
                              "criteria", "tied_with_best", "diff_vs_best", "cost_usd",
                              "cost_per_input_usd", "cost_at_volume_usd", "latency_ms_p50",
                              "latency_ms_p95", "errors", NULL };

  for (guint i = 0; top[i] != NULL; i++)
    g_assert_true (json_object_has_member (object, top[i]));
  for (guint i = 0; per_model[i] != NULL; i++)
    g_assert_true (json_object_has_member (model, per_model[i]));
  /* unknown costs are null, never 0 */
  g_assert_true (json_node_is_null (json_object_get_member (model, "cost_per_input_usd")));
  g_assert_true (has_warning (verdict, "cost of"));
  g_assert_null (verdict->best_value);
  g_assert_null (verdict->budget_pick);
}

/* One input, repeats: the repeats are the samples. */
static void
test_repeats (void)
{
  const char *models[] = { "a/x", "b/y", NULL };
  g_autoptr(TbRunData) data = make_data (1, models, 4);
  TbJudgment *judgment = add_judgment (data, "pointwise");
  const double a[] = { 80, 82, 78, 81 };
  const double b[] = { 50, 52, 49, 55 };
  g_autoptr(TbVerdict) verdict = NULL;

  for (guint r = 1; r <= 4; r++)
    {
      add_output (data, "a/x", 0, r, TRUE, 0.01, 100, "P");
      add_output (data, "b/y", 0, r, TRUE, 0.01, 100, "P");
      add_score (judgment, "a/x", 0, r, "j/one", a[r - 1], 10);
      add_score (judgment, "b/y", 0, r, "j/one", b[r - 1], 10);
    }
  verdict = tb_verdict_for_run (data, 0);
  g_assert_false (verdict->single_sample);
  g_assert_true (tb_verdict_find (verdict, "a/x")->has_interval);
  g_assert_cmpfloat_with_epsilon (tb_verdict_find (verdict, "a/x")->mean, 80.25, 1e-9);
  g_assert_false (tb_verdict_find (verdict, "b/y")->tied_with_best);
  g_assert_cmpuint (verdict->repeat, ==, 4);
}

/* One input, repeats, a tie: what would separate it is more repeats of that input, counted
 * from the repeats there are. */
static void
test_repeats_tie_words (void)
{
  const char *models[] = { "a/x", "b/y", NULL };
  g_autoptr(TbRunData) data = make_data (1, models, 4);
  TbJudgment *judgment = add_judgment (data, "pointwise");
  const double a[] = { 80, 84, 76, 81 };
  const double b[] = { 79, 85, 74, 80 };
  const double diffs[] = { -1, 1, -2, -1 };   /* b − a per repeat */
  g_autoptr(TbVerdict) verdict = NULL;
  g_autofree char *words = NULL;
  g_autofree char *expected = NULL;
  guint needed = tb_stats_inputs_to_separate (diffs, G_N_ELEMENTS (diffs));

  for (guint r = 1; r <= 4; r++)
    {
      add_output (data, "a/x", 0, r, TRUE, 0.01, 100, "P");
      add_output (data, "b/y", 0, r, TRUE, 0.01, 100, "P");
      add_score (judgment, "a/x", 0, r, "j/one", a[r - 1], 10);
      add_score (judgment, "b/y", 0, r, "j/one", b[r - 1], 10);
    }
  verdict = tb_verdict_for_run (data, 0);
  words = tb_verdict_describe (verdict);
  g_assert_cmpuint (g_strv_length (verdict->tied_with_best), ==, 2);
  g_assert_cmpuint (tb_verdict_find (verdict, "b/y")->inputs_to_separate, ==, needed);
  g_assert_cmpuint (needed, >, 4);
  expected = g_strdup_printf ("About %u more repeats of this input would separate them.",
                              needed - 4);
  g_assert_nonnull (strstr (words, expected));
  g_assert_null (strstr (words, "more inputs"));
}

/* Three judges, one of whom scores the opposite way: low α, and that judge named. */
static void
test_jury (void)
{
  const char *models[] = { "a/x", "b/y", "c/z", NULL };
  g_autoptr(TbRunData) data = make_data (4, models, 1);
  TbJudgment *judgment = add_judgment (data, "pointwise");
  g_autoptr(TbVerdict) verdict = NULL;
  double truth[3][4] = { { 90, 80, 70, 60 }, { 50, 60, 70, 75 }, { 30, 40, 45, 20 } };

  for (guint m = 0; m < 3; m++)
    for (guint i = 0; i < 4; i++)
      {
        add_output (data, models[m], i, 1, TRUE, 0.01, 100, "P");
        add_score (judgment, models[m], i, 1, "j/one", truth[m][i], 10);
        add_score (judgment, models[m], i, 1, "j/two", truth[m][i] + 2, 10);
        add_score (judgment, models[m], i, 1, "j/odd", 100 - truth[m][i], 10);
      }
  verdict = tb_verdict_for_run (data, 0);
  assert_survives_json (verdict);
  g_assert_nonnull (verdict->agreement);
  g_assert_true (verdict->agreement->has_alpha);
  g_assert_cmpfloat (verdict->agreement->alpha, <, TB_VERDICT_ALPHA_LOW);
  g_assert_cmpstr (verdict->agreement->outlier, ==, "j/odd");
  g_assert_cmpuint (verdict->agreement->judges->len, ==, 3);
  g_assert_true (has_warning (verdict, "j/odd is the outlier"));
  g_assert_cmpuint (g_strv_length (verdict->judges), ==, 3);

  /* the two who agree: α near 1, no warning */
  {
    g_autoptr(TbRunData) pair = make_data (4, models, 1);
    TbJudgment *two = add_judgment (pair, "pointwise");
    g_autoptr(TbVerdict) agreed = NULL;

    for (guint m = 0; m < 3; m++)
      for (guint i = 0; i < 4; i++)
        {
          add_score (two, models[m], i, 1, "j/one", truth[m][i], 10);
          add_score (two, models[m], i, 1, "j/two", truth[m][i] + 2, 10);
        }
    agreed = tb_verdict_for_run (pair, 0);
    g_assert_cmpfloat (agreed->agreement->alpha, >, 0.9);
    g_assert_false (has_warning (agreed, "disagree"));
  }
}

static void
add_comparison (TbJudgment *judgment,
                guint       input,
                const char *a,
                const char *b,
                TbWinner    winner)
{
  TbComparison *comparison = tb_comparison_new ();

  comparison->input = g_strdup_printf ("in%u", input);
  comparison->a = g_strdup (a);
  comparison->b = g_strdup (b);
  comparison->judge = g_strdup ("j/one");
  comparison->winner = winner;
  g_ptr_array_add (judgment->comparisons, comparison);
}

/* A win counts only when both orders agree; a judge that always answers A gives ties
 * counted as inconsistent. */
static void
test_pairwise (void)
{
  const char *models[] = { "a/x", "b/y", NULL };
  g_autoptr(TbRunData) fair = make_data (3, models, 1);
  g_autoptr(TbRunData) biased = make_data (3, models, 1);
  TbJudgment *judgment = add_judgment (fair, "pairwise");
  TbJudgment *always_a = add_judgment (biased, "pairwise");
  g_autoptr(TbVerdict) verdict = NULL;
  g_autoptr(TbVerdict) bias = NULL;
  TbPairTally *tally;

  /* input 0 and 1: a wins in both orders; input 2: the orders disagree */
  for (guint i = 0; i < 2; i++)
    {
      add_comparison (judgment, i, "a/x", "b/y", TB_WINNER_A);
      add_comparison (judgment, i, "b/y", "a/x", TB_WINNER_B);
    }
  add_comparison (judgment, 2, "a/x", "b/y", TB_WINNER_A);
  add_comparison (judgment, 2, "b/y", "a/x", TB_WINNER_A);
  verdict = tb_verdict_for_run (fair, 0);
  assert_survives_json (verdict);
  g_assert_nonnull (verdict->pairwise);
  g_assert_cmpuint (verdict->pairwise->comparisons, ==, 3);
  tally = g_ptr_array_index (verdict->pairwise->pairs, 0);
  g_assert_cmpstr (tally->a, ==, "a/x");
  g_assert_cmpuint (tally->a_wins, ==, 2);
  g_assert_cmpuint (tally->b_wins, ==, 0);
  g_assert_cmpuint (tally->ties, ==, 1);
  g_assert_cmpuint (tally->inconsistent, ==, 1);
  g_assert_cmpstr (((TbPairRank *) g_ptr_array_index (verdict->pairwise->ranking, 0))->model,
                   ==, "a/x");
  g_assert_cmpfloat_with_epsilon (((TbPairRank *) g_ptr_array_index (verdict->pairwise->ranking,
                                                                     0))->win_rate,
                                  2.0 / 3, 1e-9);
  /* judged in pairs only: the words give the ranking, not "no score" */
  {
    g_autofree char *words = tb_verdict_describe (verdict);

    g_assert_nonnull (strstr (words, "judged in pairs, a/x wins most often (67% of its "
                                     "comparisons: 2 won, 0 lost, 1 tied)"));
  }

  for (guint i = 0; i < 3; i++)
    {
      add_comparison (always_a, i, "a/x", "b/y", TB_WINNER_A);
      add_comparison (always_a, i, "b/y", "a/x", TB_WINNER_A);
    }
  bias = tb_verdict_for_run (biased, 0);
  assert_survives_json (bias);
  tally = g_ptr_array_index (bias->pairwise->pairs, 0);
  g_assert_cmpuint (tally->a_wins + tally->b_wins, ==, 0);
  g_assert_cmpuint (tally->inconsistent, ==, 3);
  g_assert_cmpuint (bias->pairwise->first_position_wins, ==, 3);
  g_assert_true (has_warning (bias, "position bias"));
  {
    g_autofree char *words = tb_verdict_describe (bias);

    g_assert_nonnull (strstr (words, "wins as often: they are tied"));
  }
}

/* A person's ratings beside the judges': mean absolute difference and Spearman ρ, by hand. */
static void
test_human (void)
{
  const char *models[] = { "a/x", "b/y", "c/z", NULL };
  const double judged[] = { 90, 60, 30 };
  const double rated[] = { 80, 70, 20 };
  g_autoptr(TbRunData) data = make_data (1, models, 1);
  TbJudgment *judgment = add_judgment (data, "pointwise");
  g_autoptr(TbVerdict) verdict = NULL;
  TbHumanAgreement *overall;

  for (guint m = 0; m < 3; m++)
    {
      TbRating *rating = tb_rating_new (models[m]);

      add_score (judgment, models[m], 0, 1, "j/one", judged[m], 10);
      rating->score = rated[m];
      g_ptr_array_add (data->ratings, rating);
    }
  verdict = tb_verdict_for_run (data, 0);
  assert_survives_json (verdict);
  g_assert_nonnull (verdict->human);
  overall = g_ptr_array_index (verdict->human, 0);
  g_assert_null (overall->judge);
  g_assert_cmpuint (overall->n, ==, 3);
  /* (10 + 10 + 10) / 3 */
  g_assert_cmpfloat_with_epsilon (overall->mae, 10, 1e-9);
  /* same order: ρ = 1 */
  g_assert_cmpfloat_with_epsilon (overall->spearman, 1, 1e-9);
  g_assert_cmpuint (verdict->human->len, ==, 2);
  g_assert_cmpstr (((TbHumanAgreement *) g_ptr_array_index (verdict->human, 1))->judge, ==,
                   "j/one");
}

/* Score follows length: the warning names the judge and ρ. A vendor shared with a
 * candidate, and a model served by two providers, are warned about too. */
static void
test_bias_warnings (void)
{
  const char *models[] = { "openai/gpt-4o", "b/y", NULL };
  g_autoptr(TbRunData) data = make_data (4, models, 1);
  TbJudgment *judgment = add_judgment (data, "pointwise");
  g_autoptr(TbVerdict) verdict = NULL;

  for (guint i = 0; i < 4; i++)
    for (guint m = 0; m < 2; m++)
      {
        gint64 chars = 100 + 100 * (i * 2 + m);

        add_output (data, models[m], i, 1, TRUE, 0.01, 100, m == 1 && i == 3 ? "Other" : "P");
        /* longer answers, higher scores */
        add_score (judgment, models[m], i, 1, "openai/gpt-4o-mini", 40 + chars / 20.0, chars);
      }
  verdict = tb_verdict_for_run (data, 0);
  g_assert_true (has_warning (verdict, "length within each model's answers (Spearman ρ = 1.00 "
                                        "over 8"));
  g_assert_true (has_warning (verdict, "shares a vendor with openai/gpt-4o"));
  g_assert_true (has_warning (verdict, "b/y was served by several providers"));
}

/* A better model that also writes longer is not a judge favouring length: within each
 * model, length and score do not go together, and no warning is raised. */
static void
test_length_confounded_by_model (void)
{
  const char *models[] = { "a/short", "b/long", NULL };
  g_autoptr(TbRunData) data = make_data (6, models, 1);
  TbJudgment *judgment = add_judgment (data, "pointwise");
  g_autoptr(TbVerdict) verdict = NULL;
  /* within each model, the longer answers score lower or the same */
  const double scores[2][6] = { { 62, 60, 61, 59, 60, 58 }, { 90, 88, 91, 87, 89, 86 } };

  for (guint i = 0; i < 6; i++)
    for (guint m = 0; m < 2; m++)
      {
        gint64 chars = (m == 0 ? 100 : 2000) + 10 * i;

        add_output (data, models[m], i, 1, TRUE, 0.01, 100, "P");
        add_score (judgment, models[m], i, 1, "j/judge", scores[m][i], chars);
      }
  verdict = tb_verdict_for_run (data, 0);
  g_assert_false (has_warning (verdict, "favour longer answers"));
}

/* Across runs, the same input (by content) is one unit. */
static void
test_across_runs (void)
{
  const char *models[] = { "a/x", "b/y", NULL };
  const double first[] = { 90, 80, 60, 50 };
  const double second[] = { 92, 82, 62, 52 };
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_run_data_free);
  g_autoptr(TbVerdict) verdict = NULL;
  TbRunData *one = table_run (models, 2, first, NULL);
  TbRunData *two = table_run (models, 2, second, NULL);

  g_free (two->run->id);
  two->run->id = g_strdup ("20261202T000000Z-abcd");
  g_ptr_array_add (runs, one);
  g_ptr_array_add (runs, two);
  verdict = tb_verdict_for_runs (runs, 0, "uc");
  assert_survives_json (verdict);
  g_assert_cmpuint (verdict->inputs, ==, 2);
  g_assert_cmpuint (tb_verdict_find (verdict, "a/x")->n_inputs, ==, 2);
  g_assert_cmpuint (tb_verdict_find (verdict, "a/x")->n_scores, ==, 4);
  /* per input: (90 + 92) / 2 and (80 + 82) / 2 */
  g_assert_cmpfloat_with_epsilon (tb_verdict_find (verdict, "a/x")->mean, 86, 1e-9);
}

/* A tie so close that thousands of inputs would be needed is called equal in practice,
 * not given an absurd count. */
static void
test_practically_equal (void)
{
  const char *models[] = { "a/one", "b/two", NULL };
  const double scores[] = { 80, 85, 75, 90, 70, 80.2, 84.8, 75.1, 89.9, 70.01 };
  g_autoptr(TbRunData) data = table_run (models, 5, scores, NULL);
  g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 0);
  g_autofree char *words = tb_verdict_describe (verdict);

  assert_survives_json (verdict);
  g_assert_cmpuint (g_strv_length (verdict->tied_with_best), ==, 2);
  g_assert_nonnull (strstr (words, "for practical purposes they are equal"));
  g_assert_null (strstr (words, "more inputs would separate"));
}

/* Three tied: one a few more inputs would separate, one practically equal. The sentence
 * names the near one rather than calling all of them equal. */
static void
test_tie_of_three_names_the_nearest (void)
{
  const char *models[] = { "a/one", "b/two", "c/three", NULL };
  const double scores[] = { 80, 85, 75, 90, 70,
                            80.3, 84.7, 75.2, 89.8, 69.98,
                            75, 86, 71, 92, 66 };
  g_autoptr(TbRunData) data = table_run (models, 5, scores, NULL);
  g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 0);
  g_autofree char *words = tb_verdict_describe (verdict);
  TbModelVerdict *near = tb_verdict_find (verdict, "c/three");
  TbModelVerdict *far = tb_verdict_find (verdict, "b/two");
  g_autofree char *expected = NULL;

  assert_survives_json (verdict);
  g_assert_cmpuint (g_strv_length (verdict->tied_with_best), ==, 3);
  g_assert_cmpuint (far->inputs_to_separate, >, 5 + TB_VERDICT_PRACTICAL_INPUTS);
  g_assert_cmpuint (near->inputs_to_separate, >, 5);
  g_assert_cmpuint (near->inputs_to_separate, <, far->inputs_to_separate);
  expected = g_strdup_printf ("About %u more inputs would separate c/three from a/one; the "
                              "others would take more.", near->inputs_to_separate - 5);
  g_assert_nonnull (strstr (words, expected));
  g_assert_null (strstr (words, "for practical purposes they are equal"));
}

/* Two tied models at the same cost: the best value is named with its twin in cost. */
static void
test_best_value_same_cost (void)
{
  const char *models[] = { "a/one", "b/two", "c/three", NULL };
  const double scores[] = { 80, 81, 79, 80, 80, 81, 80, 79, 40, 41, 39, 40 };
  const double costs[] = { 0.002, 0.002, 0.0001 };
  g_autoptr(TbRunData) data = table_run (models, 4, scores, costs);
  g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 0);
  g_autofree char *words = tb_verdict_describe (verdict);
  g_autoptr(JsonNode) node = tb_verdict_to_json (verdict);

  assert_survives_json (verdict);
  g_assert_cmpuint (g_strv_length (verdict->tied_with_best), ==, 2);
  g_assert_nonnull (verdict->best_value);
  g_assert_cmpuint (g_strv_length (verdict->best_value_same_cost), ==, 1);
  g_assert_cmpstr (verdict->best_value_same_cost[0], !=, verdict->best_value);
  g_assert_nonnull (strstr (words, "at the same cost as"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (node), "best_value_same_cost")), ==, 1);
}

/* The model × input matrix: means over repeats, weakest input first, gaps as NAN. */
static void
test_matrix (void)
{
  const char *models[] = { "m/a", "m/b", NULL };
  g_autoptr(TbRunData) data = make_data (3, models, 2);
  g_autoptr(TbVerdict) verdict = NULL;
  g_autoptr(TbScoreMatrix) matrix = NULL;
  TbJudgment *judgment = add_judgment (data, "pointwise");
  guint a, b;

  /* in0: a 80/90 → 85, b 70; in1: a 40, b 50/60 → 55; in2: a 95, b none */
  add_score (judgment, "m/a", 0, 1, "j/one", 80, 10);
  add_score (judgment, "m/a", 0, 2, "j/one", 90, 10);
  add_score (judgment, "m/b", 0, 1, "j/one", 70, 10);
  add_score (judgment, "m/a", 1, 1, "j/one", 40, 10);
  add_score (judgment, "m/b", 1, 1, "j/one", 50, 10);
  add_score (judgment, "m/b", 1, 2, "j/one", 60, 10);
  add_score (judgment, "m/a", 2, 1, "j/one", 95, 10);
  verdict = tb_verdict_for_run (data, 0);
  matrix = tb_score_matrix_new (data, verdict);
  g_assert_nonnull (matrix);
  g_assert_cmpuint (matrix->n_inputs, ==, 3);
  g_assert_cmpuint (matrix->n_models, ==, 2);
  a = g_str_equal (matrix->models[0], "m/a") ? 0 : 1;
  b = 1 - a;
  /* row means: in1 47.5, in0 77.5, in2 95 */
  g_assert_cmpstr (matrix->inputs[0], ==, "in1");
  g_assert_cmpstr (matrix->inputs[1], ==, "in0");
  g_assert_cmpstr (matrix->inputs[2], ==, "in2");
  g_assert_cmpfloat_with_epsilon (matrix->input_means[0], 47.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (tb_score_matrix_get (matrix, 0, b), 55, 1e-9);
  g_assert_cmpfloat_with_epsilon (tb_score_matrix_get (matrix, 1, a), 85, 1e-9);
  g_assert_true (isnan (tb_score_matrix_get (matrix, 2, b)));
  g_assert_cmpfloat_with_epsilon (matrix->input_means[2], 95, 1e-9);
}

/* What a pairwise pass settles: the tied models; every model before any score; nothing
 * when the best stands alone. And how many calls it costs. */
static void
test_models_to_settle (void)
{
  const char *models[] = { "m/a", "m/b", "m/c", NULL };
  const double tied[] = { 80, 81, 79, 80, 80, 81, 81, 79, 30, 31, 29, 30 };
  const double clear[] = { 90, 91, 89, 50, 52, 49, 30, 31, 29, 10, 12, 11 };
  g_autoptr(TbRunData) tied_data = table_run (models, 4, tied, NULL);
  g_autoptr(TbRunData) clear_data = table_run (models, 4, clear, NULL);
  g_autoptr(TbRunData) unjudged = make_data (2, models, 1);
  g_autoptr(TbVerdict) v1 = tb_verdict_for_run (tied_data, 0);
  g_autoptr(TbVerdict) v2 = tb_verdict_for_run (clear_data, 0);
  g_autoptr(TbVerdict) v3 = tb_verdict_for_run (unjudged, 0);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) settle = NULL;
  g_auto(GStrv) all = NULL;
  GStrv none = NULL;

  g_assert_true (tb_verdict_models_to_settle (v1, tied_data->run, &settle, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (settle), ==, 2);
  g_assert_true (g_strv_contains ((const char * const *) settle, "m/a"));
  g_assert_true (g_strv_contains ((const char * const *) settle, "m/b"));

  g_assert_false (tb_verdict_models_to_settle (v2, clear_data->run, &none, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "m/a"));
  g_assert_null (none);

  g_assert_true (tb_verdict_models_to_settle (v3, unjudged->run, &all, NULL));
  g_assert_cmpuint (g_strv_length (all), ==, 3);

  /* 3 models: 6 ordered pairs; × 4 inputs × 2 repeats × 3 judges */
  g_assert_cmpuint (tb_judge_pairwise_calls (3, 4, 2, 3), ==, 144);
  g_assert_cmpuint (tb_judge_pairwise_calls (1, 4, 1, 1), ==, 0);
  g_assert_cmpuint (tb_judge_pairwise_calls (2, 1, 0, 1), ==, 2);
}

/* One model scored: it is the only one, not "ahead of every other model". */
static void
test_only_model_words (void)
{
  const char *models[] = { "a/x", NULL };
  const double scores[] = { 70, 72, 74 };
  g_autoptr(TbRunData) data = table_run (models, 3, scores, NULL);
  g_autoptr(TbVerdict) verdict = tb_verdict_for_run (data, 0);
  g_autofree char *words = tb_verdict_describe (verdict);

  g_assert_nonnull (strstr (words, "a/x is the only model with a score: 72.0"));
  g_assert_null (strstr (words, "ahead of"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/verdict/single-sample-tie", test_single_sample_tie);
  g_test_add_func ("/verdict/clear-winner", test_clear_winner);
  g_test_add_func ("/verdict/tie-and-inputs-to-separate", test_tie_and_inputs_to_separate);
  g_test_add_func ("/verdict/json-shape", test_json_shape);
  g_test_add_func ("/verdict/repeats", test_repeats);
  g_test_add_func ("/verdict/repeats/tie-words", test_repeats_tie_words);
  g_test_add_func ("/verdict/only-model-words", test_only_model_words);
  g_test_add_func ("/verdict/jury", test_jury);
  g_test_add_func ("/verdict/pairwise", test_pairwise);
  g_test_add_func ("/verdict/human", test_human);
  g_test_add_func ("/verdict/bias-warnings", test_bias_warnings);
  g_test_add_func ("/verdict/length-confounded-by-model", test_length_confounded_by_model);
  g_test_add_func ("/verdict/across-runs", test_across_runs);
  g_test_add_func ("/verdict/matrix", test_matrix);
  g_test_add_func ("/verdict/best-value-same-cost", test_best_value_same_cost);
  g_test_add_func ("/verdict/practically-equal", test_practically_equal);
  g_test_add_func ("/verdict/tie-of-three", test_tie_of_three_names_the_nearest);
  g_test_add_func ("/verdict/models-to-settle", test_models_to_settle);

  return g_test_run ();
}
