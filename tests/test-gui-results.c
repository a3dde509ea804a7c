/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-gui-results"

#include "config.h"

#include <string.h>

#include <adwaita.h>

#include "fake-server.h"
#include "gui-test-util.h"
#include "tb-client.h"
#include "tb-costs-view.h"
#include "tb-index.h"
#include "tb-judge.h"
#include "tb-rollup.h"
#include "tb-run-list.h"
#include "tb-run-monitor.h"
#include "tb-run-page.h"
#include "tb-runner.h"
#include "tb-runs-view.h"
#include "tb-compare-view.h"
#include "tb-heat-map.h"
#include "tb-rating-dialog.h"
#include "tb-score-chart.h"
#include "tb-store.h"
#include "tb-usecase.h"
#include "tb-util.h"
#include "tb-verdict.h"

#define LONG_MODEL "meta-llama/llama-3.3-70b-instruct-with-a-very-long-name-for-testing:free"

static const char usecase_yaml[] =
  "name: Lecture chapters\n"
  "goal: Split the lecture into chapters a student can navigate.\n"
  "output:\n"
  "  format: json\n"
  "judge:\n"
  "  model: judge/model\n"
  "  criteria:\n"
  "    - {name: accuracy, weight: 40, description: Boundaries fall on topic changes}\n"
  "    - {name: format, weight: 30, description: Valid JSON with every field}\n"
  "    - {name: compliance, weight: 30, description: Follows the duration notes}\n";

typedef struct {
  char    *home;
  TbStore *store;
  TbIndex *index;
  char    *run_done;         /* three models, two judgments */
  char    *run_partial;      /* one failed model, not judged */
  char    *run_interrupted;  /* "running" whose lock is gone */
} Fixture;

/* Helpers --------------------------------------------------------------------------------- */

static void
store_id (char       **out,
          const char  *id)
{
  g_free (*out);
  *out = g_strdup (id);
}

static void
set_true (gboolean *flag)
{
  *flag = TRUE;
}

static void
wait_for_draw (GtkWidget *window)
{
  GdkFrameClock *clock;
  gboolean painted = FALSE;
  gulong id;

  while (!gtk_widget_get_mapped (window))
    g_main_context_iteration (NULL, TRUE);
  clock = gtk_widget_get_frame_clock (window);
  id = g_signal_connect_swapped (clock, "after-paint", G_CALLBACK (set_true), &painted);
  gtk_widget_queue_draw (window);
  while (!painted)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, id);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
save_png (GtkWidget  *widget,
          const char *name)
{
  const char *dir = g_getenv ("TASKBENCH_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autofree char *path = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  if (dir == NULL || *dir == '\0')
    return;
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);

  wait_for_draw (GTK_WIDGET (gtk_widget_get_root (widget)));
  paintable = gtk_widget_paintable_new (widget);
  /* Nothing to paint while a change waits for the next frame: let it draw. */
  for (guint attempt = 0; node == NULL && attempt < 200; attempt++)
    {
      if (attempt > 0)
        gui_test_iterate_for (50);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);
  path = g_build_filename (dir, name, NULL);
  gui_test_save_png (widget, node, width, height, path);
}

static GtkWidget *
show_window (GtkWidget *child,
             int        width,
             int        height)
{
  GtkWidget *window = adw_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  adw_window_set_content (ADW_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  wait_for_draw (window);
  return window;
}

static const char *
named_label_text (GtkWidget  *root,
                  const char *name)
{
  GtkWidget *label = gui_test_find_named (root, name);

  g_assert_nonnull (label);
  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_text (GTK_LABEL (label));
}

static guint
count_css (GtkWidget  *widget,
           const char *name)
{
  guint n = g_strcmp0 (gtk_widget_get_css_name (widget), name) == 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_css (child, name);
  return n;
}

/* The core's sums of one run, from its files. */
static void
rollup_of (Fixture    *f,
           const char *run_id,
           TbRollup   *rollup)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRunData) data = tb_store_load_run_data (f->store, run_id, &error);

  g_assert_no_error (error);
  *rollup = (TbRollup) { 0 };
  tb_rollup_of_run (data, rollup);
}

/* Fixture: runs on disk through the store API ----------------------------------------- */

static void
add_output (Fixture    *f,
            TbRun      *run,
            const char *model,
            const char *status,
            double      billed,
            GPtrArray  *keep)
{
  g_autoptr(GError) error = NULL;
  TbOutput *output = tb_output_new (model);

  output->input = g_strdup (tb_run_find_input (run, NULL)->key);
  output->repeat = 1;
  output->status = tb_output_status_from_string (status);
  if (output->status == TB_OUTPUT_OK)
    {
      output->content = g_strdup ("[{\"title\":\"Intro\",\"start_time\":\"00:00:00\","
                                  "\"end_time\":\"00:05:00\"}]");
      output->finish_reason = g_strdup ("stop");
      output->has_format_check = TRUE;
      output->format_valid = billed > 0.001;
      if (!output->format_valid)
        output->format_errors = g_strsplit ("[0]: missing required key “description”", "|", -1);
      output->usage.prompt_tokens = 1200;
      output->usage.completion_tokens = 340;
      output->cost.has_billed = TRUE;
      output->cost.billed_usd = billed;
      output->provider = g_strdup ("FakeProvider");
      output->latency_ms = 2300;
      output->attempts = 1;
    }
  else
    {
      output->error_http_status = 402;
      output->error_message = g_strdup ("out of credits (402): add credits to continue");
      output->attempts = 1;
    }
  tb_cost_settle (&output->cost);
  g_assert_true (tb_store_write_output (f->store, run, output, &error));
  g_assert_no_error (error);
  g_ptr_array_add (keep, output);
}

static void
add_judgment (Fixture       *f,
              TbRun         *run,
              GPtrArray     *outputs,
              const char    *created_at,
              const double  *overall,
              double         cost)
{
  g_autoptr(TbJudgment) judgment = tb_judgment_new ();
  g_autoptr(GError) error = NULL;
  const char *criteria[] = { "accuracy", "format", "compliance", NULL };

  judgment->judge_model = g_strdup ("judge/model");
  g_strfreev (judgment->judges);
  judgment->judges = g_strsplit ("judge/model", ",", -1);
  judgment->mode = g_strdup ("pointwise");
  judgment->created_at = g_strdup (created_at);
  judgment->cost.has_billed = TRUE;
  judgment->cost.billed_usd = cost;
  tb_cost_settle (&judgment->cost);

  for (guint i = 0; i < outputs->len; i++)
    {
      TbOutput *output = g_ptr_array_index (outputs, i);
      TbScore *score = tb_score_new (output->model);

      score->input = g_strdup (output->input);
      score->repeat = 1;
      score->judge = g_strdup ("judge/model");
      for (guint c = 0; criteria[c] != NULL; c++)
        tb_score_set_criterion (score, criteria[c],
                                CLAMP (overall[i] / 10.0 + (double) c - 1, 0, 10));
      score->overall = overall[i];
      score->reasoning = g_strdup ("The chapters follow the topic changes; one boundary "
                                   "falls mid-sentence, which costs a point in accuracy.");
      if (overall[i] < 70)
        score->violations = g_strsplit ("Chapter 3 is 14 minutes long|End time overlaps",
                                        "|", -1);
      score->cost.has_billed = TRUE;
      score->cost.billed_usd = cost / outputs->len;
      tb_cost_settle (&score->cost);
      g_ptr_array_add (judgment->scores, score);
    }
  tb_verdict_record_picks (judgment, run, outputs);
  g_assert_true (tb_store_write_judgment (f->store, run, judgment, &error));
  g_assert_no_error (error);
}

static TbRun *
new_run (Fixture            *f,
         const char         *usecase,
         const char         *created_at,
         const char         *input_name,
         const char * const *models)
{
  static guint made;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                tb_test_input_free);
  g_autoptr(GPtrArray) prompts = g_ptr_array_new ();
  TbRun *run = tb_run_new ();

  g_ptr_array_add (inputs, tb_test_input_new (NULL, input_name, "[00:00:01] hello", 16));
  g_ptr_array_add (prompts, (char *) "prompt");
  /* An id of its own: 150 runs made in one second would draw the same random suffix now and
   * then. */
  run->id = g_strdup_printf ("20260101T000000Z-%04x", ++made);
  run->usecase = g_strdup (usecase);
  run->usecase_snapshot = g_strdup (usecase_yaml);
  g_strfreev (run->models);
  run->models = g_strdupv ((char **) models);
  run->created_at = g_strdup (created_at);
  g_assert_true (tb_store_create_run (f->store, run, inputs, prompts, &error));
  g_assert_no_error (error);
  return run;
}

static void
finish_run (Fixture    *f,
            TbRun      *run,
            const char *status)
{
  g_autoptr(GError) error = NULL;

  run->status = tb_run_status_from_string (status);
  g_assert_true (tb_store_save_run (f->store, run, &error));
  g_assert_no_error (error);
  tb_store_unlock_run (f->store, run);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *three[] = { "openai/gpt-4o", "google/gemini-2.5-flash", LONG_MODEL, NULL };
  const char *two[] = { "openai/gpt-4o", "anthropic/claude-sonnet-4.5", NULL };
  const char *one[] = { "google/gemini-2.5-flash", NULL };
  const double older[] = { 70, 85, 40 };
  const double latest[] = { 90, 80, 60 };
  g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                 tb_output_free);
  g_autoptr(TbRun) done = NULL;
  g_autoptr(TbRun) partial = NULL;
  g_autoptr(TbRun) interrupted = NULL;
  g_autoptr(TbRun) other = NULL;

  f->home = g_dir_make_tmp ("taskbench-gui-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = tb_store_new (f->home);
  f->index = tb_index_new (f->store);

  done = new_run (f, "chapters", "2026-01-03T10:00:00Z", "lecture-1.txt", three);
  add_output (f, done, "openai/gpt-4o", "ok", 0.02, outputs);
  add_output (f, done, "google/gemini-2.5-flash", "ok", 0.002, outputs);
  add_output (f, done, LONG_MODEL, "ok", 0.0005, outputs);
  add_judgment (f, done, outputs, "2026-01-03T10:05:00Z", older, 0.002);
  add_judgment (f, done, outputs, "2026-01-03T11:00:00Z", latest, 0.003);
  finish_run (f, done, "done");
  g_ptr_array_set_size (outputs, 0);

  partial = new_run (f, "chapters", "2026-01-02T10:00:00Z", "lecture-2.txt", two);
  add_output (f, partial, "openai/gpt-4o", "ok", 0.05, outputs);
  add_output (f, partial, "anthropic/claude-sonnet-4.5", "failed", 0, outputs);
  finish_run (f, partial, "partial");
  g_ptr_array_set_size (outputs, 0);

  /* left "running" with its lock released: reads as interrupted, as after a crash */
  interrupted = new_run (f, "chapters", "2026-01-01T10:00:00Z", "lecture-0.txt", one);
  add_output (f, interrupted, "google/gemini-2.5-flash", "ok", 0.001, outputs);
  tb_store_unlock_run (f->store, interrupted);
  g_ptr_array_set_size (outputs, 0);

  other = new_run (f, "summaries", "2026-01-04T10:00:00Z", "report.md", one);
  add_output (f, other, "google/gemini-2.5-flash", "ok", 0.004, outputs);
  finish_run (f, other, "done");

  f->run_done = g_strdup (done->id);
  f->run_partial = g_strdup (partial->id);
  f->run_interrupted = g_strdup (interrupted->id);
}

/* Reads in threads hold the store until they end: wait for them, then it must go. */
static void
wait_finalized (gpointer object)
{
  GObject *weak = object;
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  g_object_add_weak_pointer (weak, (gpointer *) &weak);
  g_object_unref (object);
  while (weak != NULL && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  g_assert_null (weak);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->index);
  wait_finalized (f->store);
  g_assert_true (gui_test_remove_tree (f->home));
  g_free (f->home);
  g_free (f->run_done);
  g_free (f->run_partial);
  g_free (f->run_interrupted);
}

/* Tests ----------------------------------------------------------------------------------- */

static void
test_chart_pareto (void)
{
  g_autoptr(GPtrArray) points = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                tb_chart_point_free);
  g_auto(GStrv) front = NULL;
  g_auto(GStrv) empty = NULL;
  const char *expected[] = { "cheap/e", "mid/b", "top/c", NULL };
  TbScoreChart *chart = TB_SCORE_CHART (tb_score_chart_new ());
  GtkWidget *window;

  g_ptr_array_add (points, tb_chart_point_new ("dominated/a", 50, 0.01));
  g_ptr_array_add (points, tb_chart_point_new ("mid/b", 70, 0.005));
  g_ptr_array_add (points, tb_chart_point_new ("top/c", 90, 0.1));
  g_ptr_array_add (points, tb_chart_point_new ("same-score-dearer/d", 90, 0.2));
  g_ptr_array_add (points, tb_chart_point_new ("cheap/e", 30, 0.001));
  g_ptr_array_add (points, tb_chart_point_new (LONG_MODEL, 45, 0.03));
  tb_score_chart_set_points (chart, points);

  front = tb_score_chart_get_pareto (chart);
  g_assert_cmpstrv (front, expected);
  g_assert_cmpuint (tb_score_chart_get_n_points (chart), ==, 6);

  window = show_window (GTK_WIDGET (chart), 640, 360);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (chart)), >=, 360);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (chart)), >=, 240);
  save_png (window, "score-chart.png");

  /* clearing leaves an empty, drawable chart */
  tb_score_chart_set_points (chart, NULL);
  empty = tb_score_chart_get_pareto (chart);
  g_assert_cmpuint (g_strv_length (empty), ==, 0);
  save_png (window, "score-chart-empty.png");

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_runs_view (Fixture       *f,
                gconstpointer  data)
{
  GtkWidget *view = tb_runs_view_new ();
  GtkWidget *window;
  GListModel *model;
  g_autoptr(TbRunList) list = tb_run_list_new (f->store, f->index);
  g_autoptr(TbRunItem) first = NULL;
  g_autoptr(TbRunItem) second = NULL;
  g_autoptr(TbRunItem) third = NULL;
  g_autofree char *opened = NULL;
  const char *order_by_cost[3];
  GtkColumnView *column_view;
  TbRollup done = { 0 }, partial = { 0 }, interrupted = { 0 };

  window = show_window (view, 900, 480);
  /* nothing chosen yet: the empty state */
  model = tb_runs_view_get_model (TB_RUNS_VIEW (view));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  save_png (window, "runs-view-empty.png");

  /* the list reads the index in a thread, the view binds to its model */
  tb_runs_view_set_list (TB_RUNS_VIEW (view), list);
  tb_run_list_set_usecase (list, "chapters");
  g_assert_true (tb_run_list_get_loading (list));
  model = tb_runs_view_get_model (TB_RUNS_VIEW (view));
  g_assert_true (gui_test_wait_for (gui_test_list_loaded, list, 20000));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);

  /* newest first */
  first = g_list_model_get_item (model, 0);
  second = g_list_model_get_item (model, 1);
  third = g_list_model_get_item (model, 2);
  g_assert_cmpstr (tb_run_item_get_id (first), ==, f->run_done);
  g_assert_cmpstr (tb_run_item_get_id (second), ==, f->run_partial);
  g_assert_cmpstr (tb_run_item_get_id (third), ==, f->run_interrupted);

  /* statuses from the files; the interrupted one computed by the store */
  g_assert_cmpint (tb_run_item_get_status (first), ==, TB_RUN_DONE);
  g_assert_cmpint (tb_run_item_get_status (second), ==, TB_RUN_PARTIAL);
  g_assert_cmpint (tb_run_item_get_status (third), ==, TB_RUN_INTERRUPTED);

  /* best score from the latest judgment; unjudged runs have none */
  g_assert_cmpfloat_with_epsilon (tb_run_item_get_best_score (first), 90, 1e-9);
  g_assert_cmpfloat (tb_run_item_get_best_score (second), <, 0);
  g_assert_cmpuint (tb_run_item_get_n_models (first), ==, 3);
  g_assert_cmpstr (tb_run_item_get_input_name (first), ==, "lecture-1.txt");

  /* cost: candidates plus both judgments, as the core sums a run */
  rollup_of (f, f->run_done, &done);
  rollup_of (f, f->run_partial, &partial);
  rollup_of (f, f->run_interrupted, &interrupted);
  g_assert_cmpfloat_with_epsilon (done.total_usd, 0.0225 + 0.005, 1e-9);
  g_assert_cmpfloat_with_epsilon (tb_run_item_get_cost (first), done.total_usd, 1e-9);
  g_assert_cmpfloat_with_epsilon (tb_run_item_get_cost (second), partial.total_usd, 1e-9);
  g_assert_cmpfloat_with_epsilon (tb_run_item_get_cost (second), 0.05, 1e-9);
  g_assert_cmpfloat_with_epsilon (tb_run_item_get_cost (third), 0.001, 1e-9);
  save_png (window, "runs-view.png");

  tb_runs_view_sort_by (TB_RUNS_VIEW (view), "cost", GTK_SORT_ASCENDING);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TbRunItem) item = g_list_model_get_item (model, i);

      order_by_cost[i] = tb_run_item_get_id (item);
    }
  g_assert_cmpstr (order_by_cost[0], ==, f->run_interrupted);
  g_assert_cmpstr (order_by_cost[1], ==, f->run_done);
  g_assert_cmpstr (order_by_cost[2], ==, f->run_partial);
  save_png (window, "runs-view-by-cost.png");

  /* Resume is offered for the interrupted run, not for the done one */
  column_view = GTK_COLUMN_VIEW (gui_test_find_type (view, GTK_TYPE_COLUMN_VIEW));
  gtk_selection_model_select_item (gtk_column_view_get_model (column_view), 1, TRUE);
  g_assert_cmpstr (tb_runs_view_get_selected (TB_RUNS_VIEW (view)), ==, f->run_done);
  /* (the row's menu has these; a disabled action is not activated) */
  g_signal_connect_swapped (view, "resume-run", G_CALLBACK (store_id), &opened);
  gtk_widget_activate_action (view, "runs.resume", NULL);
  g_assert_null (opened);
  g_signal_connect_swapped (view, "judge-run", G_CALLBACK (store_id), &opened);
  g_assert_true (gtk_widget_activate_action (view, "runs.judge", NULL));
  g_assert_cmpstr (opened, ==, f->run_done);
  g_signal_connect_swapped (view, "open-run", G_CALLBACK (store_id), &opened);
  g_assert_true (gtk_widget_activate_action (view, "runs.open", NULL));
  g_assert_cmpstr (opened, ==, f->run_done);

  /* a reload keeps the selection on the same run */
  tb_run_list_reload (list);
  g_assert_true (gui_test_wait_for (gui_test_list_loaded, list, 20000));
  g_assert_cmpstr (tb_runs_view_get_selected (TB_RUNS_VIEW (view)), ==, f->run_done);

  gtk_selection_model_select_item (gtk_column_view_get_model (column_view), 0, TRUE);
  g_assert_cmpstr (tb_runs_view_get_selected (TB_RUNS_VIEW (view)), ==, f->run_interrupted);
  g_assert_true (gtk_widget_activate_action (view, "runs.resume", NULL));
  g_assert_cmpstr (opened, ==, f->run_interrupted);

  /* another use case replaces the rows */
  tb_run_list_set_usecase (list, "summaries");
  g_assert_true (gui_test_wait_for (gui_test_list_loaded, list, 20000));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_run_page (Fixture       *f,
               gconstpointer  data)
{
  GtkWidget *page = tb_run_page_new ();
  GtkWidget *window = show_window (page, 1000, 900);
  GtkDropDown *dropdown;
  TbScoreChart *chart;
  g_auto(GStrv) front = NULL;
  g_autofree char *total = NULL;
  const char *expected_front[] = { LONG_MODEL, "google/gemini-2.5-flash", "openai/gpt-4o",
                                   NULL };
  GtkStringObject *first_choice;
  TbRollup rollup = { 0 };

  save_png (window, "run-page-empty.png");

  /* read in a thread, a spinner meanwhile */
  tb_run_page_set_run (TB_RUN_PAGE (page), f->store, f->run_done);
  g_assert_true (tb_run_page_is_loading (TB_RUN_PAGE (page)));
  g_assert_true (gui_test_wait_for (gui_test_page_loaded, page, 20000));
  g_assert_cmpstr (tb_run_page_get_run_id (TB_RUN_PAGE (page)), ==, f->run_done);

  /* the latest judgment first, and its recommendation */
  dropdown = GTK_DROP_DOWN (gui_test_find_type (page, GTK_TYPE_DROP_DOWN));
  g_assert_nonnull (dropdown);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)), ==, 2);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, 0);
  first_choice = GTK_STRING_OBJECT (gtk_drop_down_get_selected_item (dropdown));
  g_assert_nonnull (strstr (gtk_string_object_get_string (first_choice), "(latest)"));

  g_assert_cmpstr (named_label_text (page, "best-overall"), ==, "openai/gpt-4o");
  /* best value is the cheapest of the models tied with the best: one sample ties none */
  g_assert_cmpstr (named_label_text (page, "best-value"), ==, "openai/gpt-4o");
  /* nor is any model surely above 70 */
  g_assert_cmpstr (named_label_text (page, "budget-pick"), ==, "—");
  g_assert_false (gtk_widget_is_visible (gui_test_find_named (page, "not-judged")));

  chart = TB_SCORE_CHART (gui_test_find_type (page, TB_TYPE_SCORE_CHART));
  front = tb_score_chart_get_pareto (chart);
  g_assert_cmpstrv (front, expected_front);

  rollup_of (f, f->run_done, &rollup);
  total = tb_format_usd (rollup.total_usd);
  g_assert_cmpstr (named_label_text (page, "total-cost"), ==, total);
  save_png (window, "run-page.png");

  /* the older judgment shows its own scores */
  gtk_drop_down_set_selected (dropdown, 1);
  g_assert_cmpstr (named_label_text (page, "best-overall"), ==, "google/gemini-2.5-flash");
  g_clear_pointer (&front, g_strfreev);
  front = tb_score_chart_get_pareto (chart);
  g_assert_cmpuint (g_strv_length (front), ==, 2);
  gtk_drop_down_set_selected (dropdown, 0);

  /* dark style follows the widgets' colours */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  /* open the best model's card to show its criteria, reasoning and output */
  {
    GtkWidget *card = gui_test_find_type (page, ADW_TYPE_EXPANDER_ROW);
    GtkWidget *bar;

    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (card), TRUE);
    wait_for_draw (window);
    /* the judge's own criteria: accuracy first, 90 / 10 − 1 */
    bar = gui_test_find_type (card, GTK_TYPE_LEVEL_BAR);
    g_assert_nonnull (bar);
    g_assert_cmpfloat_with_epsilon (gtk_level_bar_get_value (GTK_LEVEL_BAR (bar)), 8.0, 1e-9);
  }
  save_png (window, "run-page-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);

  /* a run without judgment */
  tb_run_page_set_run (TB_RUN_PAGE (page), f->store, f->run_partial);
  g_assert_true (gui_test_wait_for (gui_test_page_loaded, page, 20000));
  g_assert_true (gtk_widget_is_visible (gui_test_find_named (page, "not-judged")));
  g_assert_false (gtk_widget_is_visible (gui_test_find_named (page, "best-overall")));
  save_png (window, "run-page-unjudged.png");

  /* a run that does not exist */
  tb_run_page_set_run (TB_RUN_PAGE (page), f->store, "20260101T000000Z-dead");
  g_assert_true (gui_test_wait_for (gui_test_page_loaded, page, 20000));
  g_assert_null (tb_run_page_get_run_id (TB_RUN_PAGE (page)));

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A test set: three inputs, two repeats, two judges; three models with a real spread and one
 * whose price is unknown. Scores are quality + the input's difficulty + the judge's offset
 * + a little per repeat, so the verdict has intervals and a tie. */
static char *
make_test_set_run (Fixture  *f,
                   gboolean  simulated)
{
  const char *models[] = { "openai/gpt-4o", "google/gemini-2.5-flash", LONG_MODEL, NULL };
  const char *judges[] = { "judge/a", "judge/b", NULL };
  const double quality[] = { 86, 84, 55 };
  const double price[] = { 0.02, 0.002, -1 };
  const double difficulty[] = { 0, -6, 4 };
  /* gemini is better than gpt-4o on two inputs of three, worse on one: no clear winner */
  const double bump[3][3] = { { 0, 0, 0 }, { 4, -5, 3 }, { 0, 2, -2 } };
  const char *criteria[] = { "accuracy", "format", "compliance", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                tb_test_input_free);
  g_autoptr(GPtrArray) prompts = g_ptr_array_new ();
  g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                 tb_output_free);
  g_autoptr(TbRun) run = tb_run_new ();
  g_autoptr(TbJudgment) judgment = tb_judgment_new ();

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("lecture-%u.txt", i + 1);
      g_autofree char *text = g_strdup_printf ("[00:00:0%u] lecture %u", i, i + 1);

      g_ptr_array_add (inputs, tb_test_input_new (NULL, name, text, strlen (text)));
      g_ptr_array_add (prompts, (char *) "prompt");
    }
  run->usecase = g_strdup ("chapters");
  run->usecase_snapshot = g_strdup (usecase_yaml);
  g_strfreev (run->models);
  run->models = g_strdupv ((char **) models);
  run->repeat = 2;
  g_strfreev (run->judges);
  run->judges = g_strdupv ((char **) judges);
  run->simulated = simulated;
  run->created_at = g_strdup ("2026-01-05T09:30:12Z");
  g_assert_true (tb_store_create_run (f->store, run, inputs, prompts, &error));
  g_assert_no_error (error);

  judgment->judge_model = g_strdup (judges[0]);
  g_strfreev (judgment->judges);
  judgment->judges = g_strdupv ((char **) judges);
  judgment->mode = g_strdup ("pointwise");
  judgment->created_at = g_strdup ("2026-01-05T09:40:00Z");
  for (guint m = 0; models[m] != NULL; m++)
    for (guint i = 0; i < run->inputs->len; i++)
      for (guint r = 1; r <= 2; r++)
        {
          TbRunInput *input = g_ptr_array_index (run->inputs, i);
          TbOutput *output = tb_output_new (models[m]);

          output->input = g_strdup (input->key);
          output->repeat = r;
          output->status = TB_OUTPUT_OK;
          output->content = g_strdup_printf ("{\"chapters\": [{\"title\": \"Part %u\", "
                                             "\"by\": \"%s\"}]}", i + 1, models[m]);
          output->has_format_check = TRUE;
          output->format_valid = TRUE;
          output->usage.prompt_tokens = 900;
          output->usage.completion_tokens = 120 + 10 * m;
          if (price[m] >= 0)
            {
              output->cost.has_billed = TRUE;
              output->cost.billed_usd = price[m];
            }
          output->latency_ms = 1000 + 400 * m + 50 * r;
          output->attempts = 1;
          tb_cost_settle (&output->cost);
          g_assert_true (tb_store_write_output (f->store, run, output, &error));
          g_assert_no_error (error);
          g_ptr_array_add (outputs, output);

          for (guint j = 0; judges[j] != NULL; j++)
            {
              TbScore *score = tb_score_new (models[m]);
              double overall = CLAMP (quality[m] + difficulty[i] + bump[m][i] + 2.0 * j - 1.0
                                      + (r == 2 ? 1.5 : -1.5), 0, 100);

              score->input = g_strdup (input->key);
              score->repeat = r;
              score->judge = g_strdup (judges[j]);
              for (guint c = 0; criteria[c] != NULL; c++)
                tb_score_set_criterion (score, criteria[c], CLAMP (overall / 10.0 + c - 1, 0, 10));
              score->overall = overall;
              score->reasoning = g_strdup ("Clear chapters.");
              score->output_chars = 60;
              score->cost.has_billed = TRUE;
              score->cost.billed_usd = 0.0004;
              tb_cost_settle (&score->cost);
              g_ptr_array_add (judgment->scores, score);
            }
        }
  tb_judgment_settle_cost (judgment);
  tb_verdict_record_picks (judgment, run, outputs);
  g_assert_true (tb_store_write_judgment (f->store, run, judgment, &error));
  g_assert_no_error (error);

  /* A pairwise pass between the two that tie: gpt-4o wins both orders on two inputs; on the
   * third the orders disagree (inconsistent, a tie). */
  {
    g_autoptr(TbJudgment) pairwise = tb_judgment_new ();

    pairwise->judge_model = g_strdup (judges[0]);
    g_strfreev (pairwise->judges);
    pairwise->judges = g_strsplit (judges[0], ",", -1);
    pairwise->mode = g_strdup ("pairwise");
    pairwise->created_at = g_strdup ("2026-01-05T09:50:00Z");
    for (guint i = 0; i < run->inputs->len; i++)
      for (guint order = 0; order < 2; order++)
        {
          TbComparison *comparison = tb_comparison_new ();

          comparison->input = g_strdup (((TbRunInput *) g_ptr_array_index (run->inputs,
                                                                           i))->key);
          comparison->repeat = 1;
          comparison->a = g_strdup (models[order]);
          comparison->b = g_strdup (models[1 - order]);
          comparison->judge = g_strdup (judges[0]);
          comparison->winner = i == 2 ? TB_WINNER_A : order == 0 ? TB_WINNER_A : TB_WINNER_B;
          comparison->reasoning = g_strdup ("A is clearer.");
          comparison->cost.has_billed = TRUE;
          comparison->cost.billed_usd = 0.0003;
          tb_cost_settle (&comparison->cost);
          g_ptr_array_add (pairwise->comparisons, comparison);
        }
    tb_judgment_settle_cost (pairwise);
    g_assert_true (tb_store_write_judgment (f->store, run, pairwise, &error));
    g_assert_no_error (error);
  }
  finish_run (f, run, "done");
  return g_strdup (run->id);
}

static TbRatingDialog *
find_rating_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (TB_IS_RATING_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return TB_RATING_DIALOG (window);
    }
  return NULL;
}

static gboolean
has_rating_dialog (gpointer data)
{
  return find_rating_dialog () != NULL;
}

static gboolean
page_has_ratings (gpointer page)
{
  const TbRunData *data = tb_run_page_get_data (page);

  return !tb_run_page_is_loading (page) && data != NULL && data->ratings->len > 0;
}

/* Judges on the run page: the jury's agreement, the pairwise table, and a person's rating
 * stored through the core (tb_rating_settle + tb_store_write_rating) whose agreement with the
 * judges then shows. */
static void
test_run_page_judges (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *run_id = make_test_set_run (f, FALSE);
  GtkWidget *page = tb_run_page_new ();
  GtkWidget *window = show_window (page, 1100, 1000);
  g_autofree char *message = NULL;
  g_autofree char *ratings_dir = NULL;
  g_autoptr(GDir) dir = NULL;
  const TbVerdict *verdict;
  const TbRunData *shown;
  const TbRating *rating;
  g_autofree char *key = NULL;
  TbRatingDialog *dialog;
  guint files = 0;

  tb_run_page_set_run (TB_RUN_PAGE (page), f->store, run_id);
  g_assert_true (gui_test_wait_for (gui_test_page_loaded, page, 20000));
  verdict = tb_run_page_get_verdict (TB_RUN_PAGE (page));

  /* two judges: α and each judge's mean, in the Judges list */
  g_assert_nonnull (verdict->agreement);
  g_assert_true (gtk_widget_is_visible (gui_test_find_named (page, "judges-list")));
  g_assert_cmpuint (count_css (gui_test_find_named (page, "judges-list"), "row"), ==,
                    1 + verdict->agreement->judges->len + 1);
  /* the latest judgment is the pairwise pass: its table and ranking */
  g_assert_nonnull (verdict->pairwise);
  g_assert_true (gtk_widget_is_visible (gui_test_find_named (page, "pairwise")));
  g_assert_cmpuint (verdict->pairwise->inconsistent, ==, 1);
  g_assert_cmpuint (count_css (gui_test_find_named (page, "ranking-list"), "row"), ==,
                    verdict->pairwise->ranking->len);
  gui_test_scroll_to (gui_test_find_named (page, "judges-list"));
  wait_for_draw (window);
  save_png (window, "run-page-judges.png");

  /* rate gpt-4o's first output on the first input */
  shown = tb_run_page_get_data (TB_RUN_PAGE (page));
  key = g_strdup (((TbRunInput *) g_ptr_array_index (shown->run->inputs, 0))->key);
  g_signal_connect_swapped (page, "message", G_CALLBACK (store_id), &message);
  g_assert_true (gtk_widget_activate_action (page, "run-page.rate", "(ssu)", "openai/gpt-4o",
                                             key, 1));
  g_assert_true (gui_test_wait_for (has_rating_dialog, NULL, 5000));
  dialog = find_rating_dialog ();
  tb_rating_dialog_set_score (dialog, 72);
  tb_rating_dialog_set_criterion (dialog, "accuracy", 7);
  gui_test_screenshot (GTK_WIDGET (dialog), "run-page-rating-dialog.png");
  gui_test_respond (ADW_MESSAGE_DIALOG (dialog), "save");
  g_assert_true (gui_test_wait_for (page_has_ratings, page, 20000));
  g_assert_cmpstr (message, ==, "Rating saved");

  /* on disk, under ratings/, as the CLI's `rate` writes it */
  shown = tb_run_page_get_data (TB_RUN_PAGE (page));
  g_assert_cmpuint (shown->ratings->len, ==, 1);
  rating = g_ptr_array_index (shown->ratings, 0);
  g_assert_cmpstr (rating->model, ==, "openai/gpt-4o");
  g_assert_cmpstr (rating->input, ==, key);
  g_assert_cmpuint (rating->repeat, ==, 1);
  g_assert_cmpfloat (rating->score, ==, 72);
  g_assert_nonnull (g_hash_table_lookup (rating->criteria, "accuracy"));
  ratings_dir = g_build_filename (shown->run->dir, "ratings", NULL);
  dir = g_dir_open (ratings_dir, 0, NULL);
  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    files++;
  g_assert_cmpuint (files, ==, 1);

  /* …and the verdict now sets the person beside the judges */
  verdict = tb_run_page_get_verdict (TB_RUN_PAGE (page));
  g_assert_nonnull (verdict->human);
  g_assert_cmpuint (((TbHumanAgreement *) g_ptr_array_index (verdict->human, 0))->n, ==, 1);
  gui_test_scroll_to (gui_test_find_named (page, "judges-list"));
  wait_for_draw (window);
  save_png (window, "run-page-judges-rated.png");

  gtk_window_destroy (GTK_WINDOW (window));
}

static guint
count_named (GtkWidget  *widget,
             const char *name)
{
  guint n = g_strcmp0 (gtk_widget_get_name (widget), name) == 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_named (child, name);
  return n;
}

/* How many labels under `root` show `text` in their text. */
static guint
count_labels_with (GtkWidget  *root,
                   const char *text)
{
  guint n = GTK_IS_LABEL (root) && gtk_widget_is_visible (root)
            && strstr (gtk_label_get_text (GTK_LABEL (root)), text) != NULL ? 1 : 0;

  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    n += count_labels_with (c, text);
  return n;
}

/* The verdict card of a test set with repeats and a jury: the core's verdict, in its words,
 * per model the mean over inputs, repeats and judges, the chart with the intervals. */
static void
test_run_page_verdict (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *run_id = make_test_set_run (f, TRUE);
  GtkWidget *page = tb_run_page_new ();
  GtkWidget *window = show_window (page, 1100, 1000);
  g_autoptr(TbRunData) loaded = NULL;
  g_autoptr(TbVerdict) expected = NULL;
  g_autofree char *describe = NULL;
  g_autofree char *title = NULL;
  const TbVerdict *shown;
  TbScoreChart *chart;
  guint scored = 0;

  tb_run_page_set_run (TB_RUN_PAGE (page), f->store, run_id);
  g_assert_true (gui_test_wait_for (gui_test_page_loaded, page, 20000));

  /* The same verdict as the core makes (and `show` prints), at the snapshot's volume. */
  loaded = tb_store_load_run_data (f->store, run_id, NULL);
  g_assert_nonnull (loaded);
  expected = tb_verdict_for_run (loaded, 0);
  describe = tb_verdict_describe (expected);
  shown = tb_run_page_get_verdict (TB_RUN_PAGE (page));
  g_assert_nonnull (shown);
  g_assert_cmpuint (shown->inputs, ==, 3);
  g_assert_cmpuint (shown->repeat, ==, 2);
  g_assert_cmpstr (named_label_text (page, "verdict"), ==, describe);
  g_assert_cmpstr (named_label_text (page, "best-overall"), ==, expected->best_overall);
  g_assert_cmpstr (shown->best_overall, ==, "openai/gpt-4o");
  /* gpt-4o and gemini are two points apart on every input: tied, and named as such */
  g_assert_cmpuint (g_strv_length (expected->tied_with_best), ==, 2);
  g_assert_true (gtk_widget_is_visible (gui_test_find_named (page, "tied-with-best")));
  g_assert_nonnull (strstr (named_label_text (page, "tied-with-best"),
                            "google/gemini-2.5-flash"));
  /* best value: the cheaper of the tied */
  g_assert_cmpstr (named_label_text (page, "best-value"), ==, "google/gemini-2.5-flash");

  /* one row per model, in the verdict's order; each mean over 3 inputs × 2 repeats × 2 judges */
  g_assert_cmpuint (count_named (page, "model-row"), ==, 3);
  for (guint i = 0; i < shown->models->len; i++)
    {
      TbModelVerdict *model = g_ptr_array_index (shown->models, i);

      g_assert_cmpuint (model->n_inputs, ==, 3);
      g_assert_cmpuint (model->n_scores, ==, 12);
      g_assert_true (model->has_interval);
      if (model->has_cost_per_input)
        scored++;
    }

  /* the chart: the priced models, each with its interval; the unpriced one named below */
  chart = TB_SCORE_CHART (gui_test_find_type (page, TB_TYPE_SCORE_CHART));
  g_assert_cmpuint (tb_score_chart_get_n_points (chart), ==, scored);
  g_assert_cmpuint (scored, ==, 2);
  g_assert_true (gtk_widget_is_visible (gui_test_find_named (page, "chart-note")));
  g_assert_nonnull (strstr (named_label_text (page, "chart-note"), LONG_MODEL));

  /* simulated runs say so; the header names the run by its date, the id is shown once */
  g_assert_true (gtk_widget_is_visible (gui_test_find_named (page, "simulated-badge")));
  g_object_get (page, "title", &title, NULL);
  g_assert_true (g_str_has_prefix (title, "Run of "));
  g_assert_nonnull (strstr (named_label_text (page, "run-id"), run_id));
  g_assert_null (strstr (title, run_id));
  save_png (window, "run-page-verdict.png");

  /* open the best model: its criteria means and its six outputs */
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (gui_test_find_named (page, "model-row")), TRUE);
  wait_for_draw (window);
  gui_test_scroll_to (gui_test_find_named (page, "model-row"));
  wait_for_draw (window);
  /* its outputs show the scores its mean is made of, though the latest judgment, the one
   * selected, is pairwise and scores nothing */
  g_assert_cmpuint (count_labels_with (gui_test_find_named (page, "model-row"), "Not scored"),
                    ==, 0);
  save_png (window, "run-page-verdict-model.png");

  /* a phone-sized window: nothing cut, the cards stack */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 900);
  wait_for_draw (window);
  gui_test_iterate_for (200);
  g_assert_cmpint (gtk_widget_get_width (window), <=, 370);
  save_png (window, "run-page-verdict-narrow.png");

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 1000);
  wait_for_draw (window);
  save_png (window, "run-page-verdict-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (window));
}

static gboolean
diff_done (gpointer view)
{
  return !tb_compare_view_is_busy (view);
}

/* Compare: the heat map of model × input opens a cell's outputs side by side (JSON
 * pretty-printed, the differing words marked), the criteria table, the filtered list. */
static void
test_run_page_compare (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *run_id = make_test_set_run (f, FALSE);
  GtkWidget *page = tb_run_page_new ();
  GtkWidget *window = show_window (page, 1280, 1000);
  TbHeatMap *map;
  TbCompareView *compare;
  const TbRunData *shown;
  const TbVerdict *verdict;
  TbOutput *output;
  g_autofree char *pretty = NULL;
  g_autofree char *text = NULL;
  g_autofree char *input_key = NULL;
  GtkColumnView *outputs_view;
  g_autoptr(TbScoreMatrix) matrix = NULL;

  tb_run_page_set_run (TB_RUN_PAGE (page), f->store, run_id);
  g_assert_true (gui_test_wait_for (gui_test_page_loaded, page, 20000));
  tb_run_page_select_judgment (TB_RUN_PAGE (page), 1);   /* the pointwise one */
  shown = tb_run_page_get_data (TB_RUN_PAGE (page));
  verdict = tb_run_page_get_verdict (TB_RUN_PAGE (page));

  /* the heat map is the core's matrix: inputs × models, weakest input first */
  map = TB_HEAT_MAP (gui_test_find_type (page, TB_TYPE_HEAT_MAP));
  matrix = tb_score_matrix_new (shown, verdict);
  g_assert_cmpuint (tb_heat_map_get_n_rows (map), ==, 3);
  g_assert_cmpuint (tb_heat_map_get_n_columns (map), ==, 3);
  g_assert_true (gtk_widget_is_visible (gui_test_find_named (page, "criteria-by-model")));
  gui_test_scroll_to (GTK_WIDGET (map));
  wait_for_draw (window);
  save_png (window, "run-page-heat-map.png");

  /* a click on (the weakest input, the second model) opens its outputs */
  tb_heat_map_activate_cell (map, 0, 1);
  compare = TB_COMPARE_VIEW (gui_test_find_type (page, TB_TYPE_COMPARE_VIEW));
  wait_for_draw (window);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (compare)));
  g_assert_cmpstr (tb_compare_view_get_model (compare, 0), ==, matrix->models[1]);
  /* beside the best other model */
  g_assert_cmpstr (tb_compare_view_get_model (compare, 1), ==, matrix->models[0]);
  input_key = g_strdup (matrix->inputs[0]);
  output = tb_run_data_find_output ((TbRunData *) shown, matrix->models[1], input_key, 1);
  g_assert_nonnull (output);
  pretty = json_to_string (json_from_string (output->content, NULL), TRUE);
  text = tb_compare_view_dup_text (compare, 0);
  g_assert_cmpstr (text, ==, pretty);
  g_assert_nonnull (strstr (text, "\n  \""));   /* pretty, not one line */

  /* the word diff marks what only one of them says */
  tb_compare_view_set_diff (compare, TRUE);
  g_assert_true (gui_test_wait_for (diff_done, compare, 10000));
  g_assert_cmpuint (tb_compare_view_get_n_marked (compare, 0), >, 0);
  g_assert_cmpuint (tb_compare_view_get_n_marked (compare, 1), >, 0);
  wait_for_draw (window);
  save_png (window, "compare.png");

  /* every output, filtered: 3 models × 3 inputs × 2 repeats */
  g_assert_cmpuint (g_list_model_get_n_items (tb_compare_view_get_outputs (compare)), ==, 18);
  tb_compare_view_set_filter (compare, "openai/gpt-4o", NULL, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (tb_compare_view_get_outputs (compare)), ==, 6);
  tb_compare_view_set_filter (compare, "openai/gpt-4o", input_key, "ok");
  g_assert_cmpuint (g_list_model_get_n_items (tb_compare_view_get_outputs (compare)), ==, 2);
  tb_compare_view_set_filter (compare, NULL, NULL, "failed");
  g_assert_cmpuint (g_list_model_get_n_items (tb_compare_view_get_outputs (compare)), ==, 0);
  tb_compare_view_set_filter (compare, LONG_MODEL, NULL, NULL);
  /* activating a row of the list puts it on the left */
  outputs_view = GTK_COLUMN_VIEW (gui_test_find_type (GTK_WIDGET (compare), GTK_TYPE_COLUMN_VIEW));
  g_signal_emit_by_name (outputs_view, "activate", 0);
  g_assert_cmpstr (tb_compare_view_get_model (compare, 0), ==, LONG_MODEL);

  /* a phone-sized window: the panes stack */
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 900);
  wait_for_draw (window);
  gui_test_iterate_for (200);
  g_assert_cmpint (gtk_widget_get_width (window), <=, 370);
  save_png (window, "compare-narrow.png");
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 1000);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  tb_compare_view_set_filter (compare, NULL, NULL, NULL);
  wait_for_draw (window);
  g_assert_true (gui_test_wait_for (diff_done, compare, 10000));
  save_png (window, "compare-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);

  /* back to the verdict */
  g_assert_true (gtk_widget_activate_action (page, "run-page.show-verdict", NULL));
  wait_for_draw (window);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (compare)));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A row of sums: its title, its amount and its caption, in that order of labels. */
static void
cost_row_labels (GtkListBoxRow *row,
                 const char   **title,
                 const char   **total,
                 const char   **caption)
{
  GtkWidget *box = gtk_list_box_row_get_child (row);
  GtkWidget *top = gtk_widget_get_first_child (box);

  *title = gtk_label_get_text (GTK_LABEL (gtk_widget_get_first_child (top)));
  *total = gtk_label_get_text (GTK_LABEL (gtk_widget_get_last_child (top)));
  *caption = gtk_label_get_text (GTK_LABEL (gtk_widget_get_last_child (box)));
}

/* The open use case's cost per model is the core's sum over its runs, costliest first, a
 * candidate's calls and a judge's apart. */
static void
assert_model_costs (Fixture   *f,
                    GtkWidget *view)
{
  g_autoptr(GPtrArray) models = NULL;
  g_autoptr(GError) error = NULL;
  GtkListBox *list = GTK_LIST_BOX (gui_test_find_named (view, "model-costs"));
  const char *title, *total, *caption;
  gboolean judge_seen = FALSE;
  guint n = 0;

  models = tb_index_rollup_models (f->index, "chapters", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, >=, 4);
  while (gtk_list_box_get_row_at_index (list, n) != NULL)
    n++;
  g_assert_cmpuint (n, ==, models->len);

  cost_row_labels (gtk_list_box_get_row_at_index (list, 0), &title, &total, &caption);
  g_assert_cmpstr (title, ==, "openai/gpt-4o");   /* $0.02 + $0.05 */
  g_assert_cmpstr (total, ==, "$0.0700");
  g_assert_cmpstr (caption, ==, "2 candidate calls");   /* its amount once */
  for (guint i = 0; i < n; i++)
    {
      const TbModelRollup *model = NULL;
      g_autofree char *usd = NULL;

      cost_row_labels (gtk_list_box_get_row_at_index (list, i), &title, &total, &caption);
      for (guint j = 0; j < models->len; j++)
        if (g_strcmp0 (((TbModelRollup *) g_ptr_array_index (models, j))->model, title) == 0)
          model = g_ptr_array_index (models, j);
      g_assert_nonnull (model);
      /* a model none of whose costs is known (the failed call) says so, never $0 */
      if (model->rollup.unknown_calls == model->rollup.candidate_calls + model->rollup.judge_calls)
        usd = g_strdup ("unknown");
      else
        usd = tb_format_usd (model->rollup.total_usd);
      g_assert_cmpstr (total, ==, usd);
      if (model->rollup.judge_calls > 0)
        {
          judge_seen = TRUE;
          g_assert_nonnull (strstr (caption, "judge call"));
        }
    }
  g_assert_true (judge_seen);
}

static void
test_costs_view (Fixture       *f,
                 gconstpointer  data)
{
  GtkWidget *view = tb_costs_view_new ();
  GtkWidget *window = show_window (view, 820, 900);
  g_autoptr(TbRunList) list = tb_run_list_new (f->store, f->index);
  g_autoptr(GError) error = NULL;
  TbRollup usecase = { 0 }, all = { 0 };
  g_autofree char *usecase_total = NULL;
  g_autofree char *usecase_candidates = NULL;
  g_autofree char *usecase_judge = NULL;
  g_autofree char *grand_total = NULL;
  g_autofree char *usecases_dir = g_build_filename (f->home, "usecases", NULL);
  g_autofree char *yaml = g_build_filename (usecases_dir, "chapters.yaml", NULL);
  GtkListView *runs;

  /* "chapters" has its YAML, "summaries" not: the row shows the name where it can */
  g_assert_cmpint (g_mkdir_with_parents (usecases_dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (yaml, usecase_yaml, -1, NULL));

  tb_costs_view_set_sources (TB_COSTS_VIEW (view), f->store, f->index, list);
  tb_run_list_set_usecase (list, "chapters");
  g_assert_true (gui_test_wait_for (gui_test_list_loaded, list, 20000));
  g_assert_true (gui_test_wait_for (gui_test_costs_loaded, view, 20000));

  g_assert_true (tb_index_rollup (f->index, "chapters", &usecase, NULL, NULL, &error));
  g_assert_true (tb_index_rollup (f->index, NULL, &all, NULL, NULL, &error));
  g_assert_no_error (error);
  usecase_total = tb_format_usd (usecase.total_usd);
  usecase_candidates = tb_format_usd (usecase.candidate_usd);
  usecase_judge = tb_format_usd (usecase.judge_usd);
  grand_total = tb_format_usd (all.total_usd);

  g_assert_cmpuint (usecase.runs, ==, 3);
  g_assert_cmpfloat_with_epsilon (all.total_usd, usecase.total_usd + 0.004, 1e-9);
  g_assert_cmpstr (named_label_text (view, "usecase-total"), ==, usecase_total);
  g_assert_cmpstr (named_label_text (view, "usecase-candidates"), ==, usecase_candidates);
  g_assert_cmpstr (named_label_text (view, "usecase-judge"), ==, usecase_judge);
  g_assert_cmpstr (named_label_text (view, "usecase-title"), ==, "Lecture chapters");
  g_assert_cmpstr (named_label_text (view, "grand-total"), ==, grand_total);
  /* each number once: the use case's parts are in its cards, not again in a caption */
  g_assert_cmpuint (count_labels_with (view, usecase_candidates), ==, 1);
  /* the bars' two colours are named */
  g_assert_true (gtk_widget_is_visible (gui_test_find_named (view, "costs-legend")));
  assert_model_costs (f, view);

  /* the runs are a list view on the run list's model, bound lazily */
  runs = GTK_LIST_VIEW (gui_test_find_type (view, GTK_TYPE_LIST_VIEW));
  g_assert_nonnull (runs);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (runs))),
                    ==, 3);
  save_png (window, "costs-view.png");

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  wait_for_draw (window);
  save_png (window, "costs-view-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);

  /* no use case: the grand total alone */
  tb_run_list_set_usecase (list, NULL);
  g_assert_true (gui_test_wait_for (gui_test_costs_loaded, view, 20000));
  g_assert_false (gtk_widget_is_visible (gui_test_find_named (view, "usecase-total")));
  g_assert_cmpstr (named_label_text (view, "grand-total"), ==, grand_total);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* A long list: rows for what is in sight, not for every run ------------------------------ */

static void
test_long_list (Fixture       *f,
                gconstpointer  data)
{
  const char *one[] = { "google/gemini-2.5-flash", NULL };
  g_autoptr(TbRunList) list = tb_run_list_new (f->store, f->index);
  g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                 tb_output_free);
  GtkWidget *view = tb_runs_view_new ();
  GtkWidget *window;
  GtkColumnView *column_view;
  GtkAdjustment *adjustment;
  GListModel *shown;
  guint rows;

  for (guint i = 0; i < 150; i++)
    {
      g_autoptr(TbRun) run = NULL;
      g_autofree char *created = g_strdup_printf ("2026-02-%02uT%02u:%02u:00Z", 1 + i / 60,
                                                  (i / 60) % 24, i % 60);

      run = new_run (f, "long", created, "lecture.txt", one);
      add_output (f, run, one[0], "ok", 0.001, outputs);
      finish_run (f, run, "done");
    }

  window = show_window (view, 900, 600);
  tb_runs_view_set_list (TB_RUNS_VIEW (view), list);
  tb_run_list_set_usecase (list, "long");
  g_assert_true (gui_test_wait_for (gui_test_list_loaded, list, 20000));
  wait_for_draw (window);
  gui_test_iterate_for (300);

  /* Every run is in the list; a page or two of them has rows. */
  g_assert_cmpuint (g_list_model_get_n_items (tb_runs_view_get_model (TB_RUNS_VIEW (view))),
                    ==, 150);
  column_view = GTK_COLUMN_VIEW (gui_test_find_type (view, GTK_TYPE_COLUMN_VIEW));
  shown = G_LIST_MODEL (gtk_column_view_get_model (column_view));
  rows = count_css (GTK_WIDGET (column_view), "row");
  g_test_message ("%u of 150 runs given to the view, %u row widgets", g_list_model_get_n_items
                  (shown), rows);
  g_assert_cmpuint (g_list_model_get_n_items (shown), <, 150);
  g_assert_cmpuint (rows, <, 120);
  save_png (window, "runs-view-long.png");

  /* Scrolling on brings the rest, down to the oldest run. */
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (column_view));
  for (guint i = 0; i < 100 && g_list_model_get_n_items (shown) < 150; i++)
    {
      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
      gui_test_iterate_for (50);
    }
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 150);

  gtk_window_destroy (GTK_WINDOW (window));
}

/* Run monitor against the fake server ----------------------------------------------------- */

typedef struct {
  TbRunMonitor *monitor;
  GtkWidget    *window;
  gboolean      finished;
  gboolean      shot_running;
  TbRun        *run;
  GError       *error;
} MonitorState;

static void
on_run_finished (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  MonitorState *state = user_data;

  state->run = tb_runner_finish (TB_RUNNER (source), result, &state->error);
  state->finished = TRUE;
}

/* The call at `position` and its row, which must exist and show that call. */
static TbCallRow *
row_at (MonitorState *state,
        guint         position,
        TbCall      **call)
{
  TbCallRow *row = tb_run_monitor_get_row (state->monitor, position);

  g_assert_nonnull (row);
  *call = tb_call_row_get_call (row);
  g_assert_nonnull (*call);
  return row;
}

static gboolean
call_in_state (TbRunner    *runner,
               guint        position,
               TbCallState  state)
{
  GListModel *calls = tb_runner_get_calls (runner);
  g_autoptr(TbCall) call = NULL;

  if (position >= g_list_model_get_n_items (calls))
    return FALSE;
  call = g_list_model_get_item (calls, position);
  return tb_call_get_state (call) == state;
}

static void
test_run_monitor (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("taskbench-monitor-XXXXXX", &error);
  FakeServer *server = fake_server_new ();
  /* a few chunks streamed, 615 completion tokens billed: the row says what the file says */
  FakeModel slow = { .content = "SCORE=9 [{\"title\":\"A\"}]", .latency_ms = 200,
                     .chunk_delay_ms = 150, .cost = 0.003, .billed_cost = 0.0031,
                     .completion_tokens = 615 };
  FakeModel quick = { .content = "SCORE=6 [{\"title\":\"B\"}]", .cost = 0.001,
                      .billed_cost = 0.0012 };
  FakeModel cheap = { .content = "SCORE=8 [{\"title\":\"C\"}]", .cost = 0.0002,
                      .billed_cost = 0.00025 };
  const char *models[] = { "fake/slow-model", "fake/quick-model", LONG_MODEL, NULL };
  const char *judges[] = { "judge/model", NULL };
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbStore) store = NULL;
  g_autoptr(TbRunner) runner = NULL;
  g_autoptr(TbUsecase) usecase = NULL;
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                tb_test_input_free);
  MonitorState state = { 0 };
  GListModel *calls;
  guint n_candidates = 0, n_judges = 0;

  g_assert_no_error (error);
  fake_server_set_model (server, "fake/slow-model", &slow);
  fake_server_set_model (server, "fake/quick-model", &quick);
  fake_server_set_model (server, LONG_MODEL, &cheap);

  client = tb_client_new (fake_server_get_url (server), "test-key", 10);
  store = tb_store_new (home);
  runner = tb_runner_new (client, store, NULL, 3);
  tb_runner_set_judges (runner, judges);
  usecase = tb_usecase_parse ("chapters", usecase_yaml, -1, "chapters.yaml", &error);
  g_assert_no_error (error);
  g_ptr_array_add (inputs, tb_test_input_new (NULL, "lecture.txt", "[00:00:01] hello there",
                                              22));

  state.monitor = TB_RUN_MONITOR (tb_run_monitor_new ());
  state.window = show_window (GTK_WIDGET (state.monitor), 720, 720);
  save_png (state.window, "run-monitor-idle.png");

  /* the list view's model is the runner's own list of calls */
  tb_run_monitor_set_runner (state.monitor, runner);
  tb_run_monitor_set_running (state.monitor, TRUE);
  calls = tb_runner_get_calls (runner);

  tb_runner_run_async (runner, usecase, inputs, models, 1, NULL, on_run_finished, &state);
  while (!state.finished)
    {
      g_main_context_iteration (NULL, TRUE);
      /* one picture mid-run: a row done while the slow one still streams */
      if (!state.shot_running && call_in_state (runner, 0, TB_CALL_RUNNING)
          && call_in_state (runner, 1, TB_CALL_DONE))
        {
          state.shot_running = TRUE;
          save_png (state.window, "run-monitor-running.png");
        }
    }
  tb_run_monitor_set_running (state.monitor, FALSE);
  g_assert_no_error (state.error);
  g_assert_nonnull (state.run);
  g_assert_cmpint (state.run->status, ==, TB_RUN_DONE);
  wait_for_draw (state.window);
  gui_test_iterate_for (200);

  /* one row per call: the three candidates, then the three judge calls in the same list */
  g_assert_cmpuint (g_list_model_get_n_items (tb_run_monitor_get_model (state.monitor)), ==,
                    g_list_model_get_n_items (calls));
  g_assert_cmpuint (g_list_model_get_n_items (calls), ==, 6);
  g_assert_cmpuint (tb_run_monitor_get_n_rows (state.monitor), ==, 6);
  for (guint i = 0; i < g_list_model_get_n_items (calls); i++)
    {
      g_autoptr(TbCall) expected = g_list_model_get_item (calls, i);
      TbCall *call = NULL;
      TbCallRow *row = row_at (&state, i, &call);
      const char *value = tb_call_row_get_value (row);

      g_test_message ("row %u: %s · %s · %s", i, tb_call_get_model (call),
                      tb_call_row_get_detail (row), value);
      g_assert_true (call == expected);
      g_assert_cmpint (tb_call_get_state (call), ==, TB_CALL_DONE);
      if (tb_call_get_kind (call) == TB_CALL_CANDIDATE)
        {
          /* a candidate keeps its cost once its output is judged, its score beside it */
          n_candidates++;
          g_assert_true (g_str_has_prefix (value, "Score "));
          g_assert_nonnull (strstr (value, " · $"));
          g_assert_nonnull (strstr (value, "billed"));
        }
      else
        {
          /* a judge row shows its score, and which output it scored */
          n_judges++;
          g_assert_cmpstr (tb_call_get_model (call), ==, "judge/model");
          g_assert_true (g_str_has_prefix (value, "Score "));
          g_assert_nonnull (strstr (tb_call_row_get_detail (row), tb_call_get_subject (call)));
        }
      /* the tokens the output file records: the completion tokens */
      {
        g_autofree char *tokens = g_strdup_printf ("%" G_GUINT64_FORMAT " token",
                                                   tb_call_get_tokens (call));

        g_assert_cmpuint (tb_call_get_tokens (call), >, 0);
        g_assert_nonnull (strstr (tb_call_row_get_detail (row), tokens));
      }
    }
  g_assert_cmpuint (n_candidates, ==, 3);
  g_assert_cmpuint (n_judges, ==, 3);
  /* the slow model's row: the completion tokens of its output file, not the chunks */
  {
    TbCall *call = NULL;
    TbCallRow *row = row_at (&state, 0, &call);
    g_autoptr(TbStore) check = tb_store_new (home);
    g_autoptr(TbRunData) data = tb_store_load_run_data (check, state.run->id, NULL);
    TbOutput *output = tb_run_data_find_output (data, "fake/slow-model", NULL, 1);
    g_autofree char *tokens = g_strdup_printf ("%" G_GINT64_FORMAT " tokens",
                                               output->usage.completion_tokens);

    g_assert_cmpint (output->usage.completion_tokens, ==, 615);
    g_assert_nonnull (strstr (tb_call_row_get_detail (row), tokens));
  }
  g_assert_cmpfloat_with_epsilon (tb_run_monitor_get_fraction (state.monitor), 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon ((double) tb_runner_get_finished (runner)
                                  / tb_runner_get_total (runner), 1.0, 1e-9);
  save_png (state.window, "run-monitor-done.png");

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  wait_for_draw (state.window);
  save_png (state.window, "run-monitor-done-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);

  tb_run_monitor_set_runner (state.monitor, NULL);
  g_assert_cmpuint (tb_run_monitor_get_n_rows (state.monitor), ==, 0);
  gtk_window_destroy (GTK_WINDOW (state.window));
  g_clear_pointer (&state.run, tb_run_free);
  g_clear_object (&runner);
  g_assert_finalize_object (store);
  g_steal_pointer (&store);
  fake_server_free (server);
  gui_test_remove_tree (home);
}

int
main (int argc, char **argv)
{
  /* GTK reads desktop settings through GSettings; the default schema source is resolved once,
   * so resolve it before the isolated XDG folders hide the system schemas */
  g_settings_schema_source_get_default ();
  /* likewise the MIME database, which tells the icon loader an SVG is an SVG */
  g_free (g_content_type_guess ("icon.svg", (const guchar *) "<svg", 4, NULL));
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  gtk_init ();
  adw_init ();
  /* What AdwApplication loads from its resource base path in the real window. */
  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, "/io/github/taskbench/TaskBench/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }

  g_test_add_func ("/gui/results/chart-pareto", test_chart_pareto);
  g_test_add ("/gui/results/runs-view", Fixture, NULL, fixture_set_up, test_runs_view,
              fixture_tear_down);
  g_test_add ("/gui/results/run-page", Fixture, NULL, fixture_set_up, test_run_page,
              fixture_tear_down);
  g_test_add ("/gui/results/run-page-verdict", Fixture, NULL, fixture_set_up,
              test_run_page_verdict, fixture_tear_down);
  g_test_add ("/gui/results/run-page-judges", Fixture, NULL, fixture_set_up,
              test_run_page_judges, fixture_tear_down);
  g_test_add ("/gui/results/run-page-compare", Fixture, NULL, fixture_set_up,
              test_run_page_compare, fixture_tear_down);
  g_test_add ("/gui/results/costs-view", Fixture, NULL, fixture_set_up, test_costs_view,
              fixture_tear_down);
  g_test_add ("/gui/results/long-list", Fixture, NULL, fixture_set_up, test_long_list,
              fixture_tear_down);
  g_test_add_func ("/gui/results/run-monitor", test_run_monitor);
  return g_test_run ();
}
