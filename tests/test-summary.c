/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A use case's summary on runs in a real store: the pooled verdict is the verdict of every
 * judged run, per model the runs it was scored in and the runs it won alone; unjudged runs
 * count as read, broken ones as warnings; what the summary lets go of changes nothing. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tb-core.h"

static const char snapshot[] =
  "name: Notes\n"
  "goal: Turn notes into release notes.\n"
  "judge:\n"
  "  model: judge/a\n"
  "  criteria:\n"
  "    - {name: accuracy, weight: 1}\n";

/* A run of models m1, m2 on `n_inputs` inputs (the same texts in every run), judged when
 * `scores` is given: scores[model * n_inputs + input]. */
static char *
make_run (TbStore      *store,
          guint         n_inputs,
          const double *scores)
{
  const char *models[] = { "vendor/m1", "vendor/m2", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRun) run = tb_run_new ();
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                tb_test_input_free);
  g_autoptr(GPtrArray) prompts = g_ptr_array_new ();
  g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                 tb_output_free);

  for (guint i = 0; i < n_inputs; i++)
    {
      g_autofree char *name = g_strdup_printf ("note-%u.txt", i);
      g_autofree char *text = g_strdup_printf ("note number %u", i);

      g_ptr_array_add (inputs, tb_test_input_new (NULL, name, text, strlen (text)));
      g_ptr_array_add (prompts, (char *) "prompt");
    }
  run->usecase = g_strdup ("notes");
  run->usecase_snapshot = g_strdup (snapshot);
  g_strfreev (run->models);
  run->models = g_strdupv ((char **) models);
  run->created_at = tb_utc_now_iso8601 ();
  g_assert_true (tb_store_create_run (store, run, inputs, prompts, &error));
  g_assert_no_error (error);

  for (guint m = 0; models[m] != NULL; m++)
    for (guint i = 0; i < n_inputs; i++)
      {
        TbOutput *output = tb_output_new (models[m]);

        output->input = g_strdup (((TbRunInput *) g_ptr_array_index (run->inputs, i))->key);
        output->repeat = 1;
        output->status = TB_OUTPUT_OK;
        output->content = g_strdup ("- a note, long enough to be let go of");
        output->cost.has_billed = TRUE;
        output->cost.billed_usd = 0.001 * (m + 1);
        tb_cost_settle (&output->cost);
        output->latency_ms = 1000;
        output->attempts = 1;
        g_assert_true (tb_store_write_output (store, run, output, &error));
        g_ptr_array_add (outputs, output);
      }
  if (scores != NULL)
    {
      g_autoptr(TbJudgment) judgment = tb_judgment_new ();

      judgment->judge_model = g_strdup ("judge/a");
      g_strfreev (judgment->judges);
      judgment->judges = g_strsplit ("judge/a", ",", -1);
      judgment->mode = g_strdup ("pointwise");
      judgment->created_at = tb_utc_now_iso8601 ();
      for (guint m = 0; models[m] != NULL; m++)
        for (guint i = 0; i < n_inputs; i++)
          {
            TbScore *score = tb_score_new (models[m]);

            score->input = g_strdup (((TbRunInput *) g_ptr_array_index (run->inputs, i))->key);
            score->repeat = 1;
            score->judge = g_strdup ("judge/a");
            score->overall = scores[m * n_inputs + i];
            tb_score_set_criterion (score, "accuracy", score->overall / 10);
            score->reasoning = g_strdup ("reasoning the summary does not need");
            g_ptr_array_add (judgment->scores, score);
          }
      tb_verdict_record_picks (judgment, run, outputs);
      g_assert_true (tb_store_write_judgment (store, run, judgment, &error));
      g_assert_no_error (error);
    }
  run->status = TB_RUN_DONE;
  g_assert_true (tb_store_save_run (store, run, &error));
  tb_store_unlock_run (store, run);
  return g_strdup (run->id);
}

static void
test_summary (void)
{
  g_autofree char *home = g_dir_make_tmp ("taskbench-summary-XXXXXX", NULL);
  g_autoptr(TbStore) store = tb_store_new (home);
  /* m1 clearly better in two runs, m2 in one; a fourth run not judged */
  const double clear_m1[] = { 90, 92, 88, 91, 50, 52, 48, 51 };
  const double clear_m2[] = { 40, 42, 38, 41, 85, 86, 84, 88 };
  g_autofree char *a = make_run (store, 4, clear_m1);
  g_autofree char *b = make_run (store, 4, clear_m1);
  g_autofree char *c = make_run (store, 4, clear_m2);
  g_autofree char *unjudged = make_run (store, 4, NULL);
  g_autofree char *broken_dir = g_build_filename (home, "results", "notes",
                                                  "20260101T000000Z-dead", NULL);
  g_autofree char *broken_json = g_build_filename (broken_dir, "run.json", NULL);
  g_autoptr(GPtrArray) full = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_run_data_free);
  g_autoptr(TbVerdict) expected = NULL;
  g_autoptr(TbUsecaseSummary) summary = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) json = NULL;
  JsonArray *models;

  /* a folder whose run.json does not parse: a warning, never a hidden use case */
  g_assert_cmpint (g_mkdir_with_parents (broken_dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (broken_json, "{ not json", -1, NULL));

  summary = tb_usecase_summary_load (store, NULL, "notes", 1000, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (summary);
  g_assert_cmpuint (summary->judged_runs, ==, 3);
  g_assert_cmpuint (summary->runs, ==, 5);
  g_assert_cmpuint (summary->warnings->len, ==, 1);

  /* runs scored and won: m1 alone best twice, m2 once */
  g_assert_cmpuint (tb_usecase_summary_runs_of (summary, "vendor/m1"), ==, 3);
  g_assert_cmpuint (tb_usecase_summary_runs_of (summary, "vendor/m2"), ==, 3);
  g_assert_cmpuint (tb_usecase_summary_wins_of (summary, "vendor/m1"), ==, 2);
  g_assert_cmpuint (tb_usecase_summary_wins_of (summary, "vendor/m2"), ==, 1);
  g_assert_cmpuint (tb_usecase_summary_wins_of (summary, "nobody/else"), ==, 0);

  /* the pooled verdict is the core's verdict of the judged runs read in full: letting go
   * of their texts changed nothing; the same four inputs in three runs are four inputs */
  for (const char * const *id = (const char *[]) { a, b, c, NULL }; *id != NULL; id++)
    g_ptr_array_add (full, tb_store_load_run_data (store, *id, NULL));
  expected = tb_verdict_for_runs (full, 1000, "notes");
  g_assert_cmpuint (summary->verdict->inputs, ==, 4);
  g_assert_cmpuint (summary->verdict->inputs, ==, expected->inputs);
  g_assert_cmpstr (summary->verdict->best_overall, ==, expected->best_overall);
  g_assert_cmpuint (summary->verdict->models->len, ==, expected->models->len);
  for (guint i = 0; i < expected->models->len; i++)
    {
      TbModelVerdict *want = g_ptr_array_index (expected->models, i);
      TbModelVerdict *got = g_ptr_array_index (summary->verdict->models, i);

      g_assert_cmpstr (got->model, ==, want->model);
      g_assert_cmpfloat_with_epsilon (got->mean, want->mean, 1e-9);
      g_assert_cmpfloat_with_epsilon (got->ci_low, want->ci_low, 1e-9);
      g_assert_cmpfloat_with_epsilon (got->ci_high, want->ci_high, 1e-9);
      g_assert_cmpfloat_with_epsilon (got->cost_per_input_usd, want->cost_per_input_usd, 1e-12);
      g_assert_cmpuint (got->n_scores, ==, want->n_scores);
    }

  /* the JSON of `summary --json`: each model with its runs and wins */
  json = tb_usecase_summary_to_json (summary);
  models = json_object_get_array_member (json_node_get_object (json), "models");
  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      JsonObject *entry = json_array_get_object_element (models, i);
      const char *model = json_object_get_string_member (entry, "model");

      g_assert_cmpint (json_object_get_int_member (entry, "runs"), ==, 3);
      g_assert_cmpint (json_object_get_int_member (entry, "wins"), ==,
                       g_str_equal (model, "vendor/m1") ? 2 : 1);
    }

  /* a cancelled read ends at once */
  g_cancellable_cancel (cancelled);
  g_clear_pointer (&summary, tb_usecase_summary_free);
  summary = tb_usecase_summary_load (store, NULL, "notes", 0, cancelled, &error);
  g_assert_null (summary);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* a use case without runs: an empty summary */
  summary = tb_usecase_summary_load (store, NULL, "nothing-here", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (summary->runs, ==, 0);
  g_assert_cmpuint (summary->judged_runs, ==, 0);
  g_assert_null (summary->verdict->best_overall);

  g_clear_object (&store);
  g_unlink (broken_json);
  (void) unjudged;
}

/* A use case of one judged run: its summary is that run's verdict, intervals included. */
static void
test_summary_of_one_run (void)
{
  g_autofree char *home = g_dir_make_tmp ("taskbench-summary-one-XXXXXX", NULL);
  g_autoptr(TbStore) store = tb_store_new (home);
  /* enough inputs and spread that two seeds' percentiles differ */
  const double scores[] = { 90, 70, 85, 60, 88, 72, 79, 81, 93, 55, 67, 84,
                            71, 64, 90, 58, 77, 69, 83, 62, 74, 88, 59, 80 };
  g_autofree char *id = make_run (store, 12, scores);
  g_autoptr(TbRunData) data = tb_store_load_run_data (store, id, NULL);
  g_autoptr(TbVerdict) own = tb_verdict_for_run (data, 0);
  g_autoptr(TbUsecaseSummary) summary = NULL;
  g_autoptr(GError) error = NULL;

  summary = tb_usecase_summary_load (store, NULL, "notes", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (summary->verdict->models->len, ==, own->models->len);
  for (guint i = 0; i < own->models->len; i++)
    {
      TbModelVerdict *want = g_ptr_array_index (own->models, i);
      TbModelVerdict *got = g_ptr_array_index (summary->verdict->models, i);

      g_assert_true (want->has_interval);
      g_assert_cmpfloat (got->ci_low, ==, want->ci_low);
      g_assert_cmpfloat (got->ci_high, ==, want->ci_high);
      g_assert_cmpfloat (got->diff_low, ==, want->diff_low);
    }
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/summary/load", test_summary);
  g_test_add_func ("/summary/one-run", test_summary_of_one_run);
  return g_test_run ();
}
