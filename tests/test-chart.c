/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The chart's geometry: nice steps, linear and logarithmic cost axes (and the switch
 * between them), tick labels, and the layout of points, intervals and labels. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "tb-core.h"

static void
test_nice_step (void)
{
  const double cases[][2] = {
    { 1, 1 }, { 1.2, 2 }, { 2, 2 }, { 2.1, 2.5 }, { 3, 5 }, { 7, 10 }, { 10, 10 },
    { 0.3, 0.5 }, { 0.21, 0.25 }, { 0.002, 0.002 }, { 0.00216, 0.0025 }, { 45, 50 },
    { 0, 1 }, { -3, 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpfloat_with_epsilon (tb_chart_nice_step (cases[i][0]), cases[i][1],
                                    cases[i][1] * 1e-9);
  g_assert_cmpfloat (tb_chart_nice_step (NAN), ==, 1);
}

/* Every tick a multiple of the step, ascending, inside [lo, hi], both ends ticks. */
static void
assert_linear_ticks (const TbChartAxis *axis,
                     guint              max_ticks)
{
  g_assert_false (axis->log);
  g_assert_cmpuint (axis->n_ticks, >=, 2);
  g_assert_cmpuint (axis->n_ticks, <=, max_ticks);
  g_assert_cmpfloat_with_epsilon (axis->ticks[0], axis->lo, axis->step * 1e-9);
  g_assert_cmpfloat_with_epsilon (axis->ticks[axis->n_ticks - 1], axis->hi, axis->step * 1e-9);
  for (guint i = 0; i < axis->n_ticks; i++)
    {
      double k = axis->ticks[i] / axis->step;

      g_assert_cmpfloat (fabs (k - round (k)), <, 1e-6);
      if (i > 0)
        g_assert_cmpfloat_with_epsilon (axis->ticks[i] - axis->ticks[i - 1], axis->step,
                                        axis->step * 1e-9);
    }
}

static void
test_linear_axis (void)
{
  TbChartAxis axis;

  /* The score axis: 0 to 100 in steps of 20. */
  tb_chart_axis_linear (&axis, 0, 100, 6);
  assert_linear_ticks (&axis, 6);
  g_assert_cmpuint (axis.n_ticks, ==, 6);
  g_assert_cmpfloat (axis.step, ==, 20);
  g_assert_cmpfloat (axis.ticks[3], ==, 60);

  /* Ends that are not on a step are rounded out to one. */
  tb_chart_axis_linear (&axis, 3, 97, 6);
  assert_linear_ticks (&axis, 6);
  g_assert_cmpfloat (axis.lo, <=, 3);
  g_assert_cmpfloat (axis.hi, >=, 97);

  /* A step that would give one tick too many grows to the next nice one. */
  for (double hi = 0.5; hi < 2000; hi *= 1.37)
    {
      tb_chart_axis_linear (&axis, 0, hi, 5);
      assert_linear_ticks (&axis, 5);
      g_assert_cmpfloat (axis.hi, >=, hi);
      g_assert_cmpfloat (axis.lo, ==, 0);
    }

  /* Nonsense ends still give an axis. */
  tb_chart_axis_linear (&axis, 5, 5, 6);
  assert_linear_ticks (&axis, 6);
  tb_chart_axis_linear (&axis, 0, NAN, 6);
  assert_linear_ticks (&axis, 6);
}

static void
assert_log_ticks (const TbChartAxis *axis,
                  const double      *costs,
                  guint              n)
{
  g_assert_true (axis->log);
  g_assert_cmpuint (axis->n_ticks, >=, 2);
  g_assert_cmpuint (axis->n_ticks, <=, 7);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpfloat (axis->lo, <, costs[i]);
      g_assert_cmpfloat (axis->hi, >, costs[i]);
    }
  for (guint i = 0; i < axis->n_ticks; i++)
    {
      double magnitude = pow (10, floor (log10 (axis->ticks[i]) + 1e-9));
      double m = axis->ticks[i] / magnitude;

      /* 1, 2 or 5 times a power of ten, inside the axis, ascending */
      g_assert_true (fabs (m - 1) < 1e-9 || fabs (m - 2) < 1e-9 || fabs (m - 5) < 1e-9);
      g_assert_cmpfloat (axis->ticks[i], >=, axis->lo * (1 - 1e-9));
      g_assert_cmpfloat (axis->ticks[i], <=, axis->hi * (1 + 1e-9));
      if (i > 0)
        g_assert_cmpfloat (axis->ticks[i], >, axis->ticks[i - 1]);
    }
}

static void
test_cost_axis_switch (void)
{
  TbChartAxis axis;
  const double within[] = { 0.001, 0.005, 0.01 };        /* exactly 10×: linear */
  const double beyond[] = { 0.001, 0.005, 0.0105 };      /* 10.5×: logarithmic */
  const double with_free[] = { 0, 0.0001, 0.5 };         /* a free model: no log of 0 */
  const double wide[] = { 0.00005, 0.0003, 0.02 };
  const double one_two_five[] = { 0.0012, 0.015 };
  const double decades[] = { 1e-6, 10 };
  const double hostile[] = { NAN, -1, INFINITY, 0.002, 0.004 };

  tb_chart_axis_for_costs (&axis, within, G_N_ELEMENTS (within));
  assert_linear_ticks (&axis, 6);
  g_assert_cmpfloat (axis.lo, ==, 0);
  g_assert_cmpfloat (axis.hi, >, 0.01);

  tb_chart_axis_for_costs (&axis, beyond, G_N_ELEMENTS (beyond));
  assert_log_ticks (&axis, beyond, G_N_ELEMENTS (beyond));

  tb_chart_axis_for_costs (&axis, with_free, G_N_ELEMENTS (with_free));
  assert_linear_ticks (&axis, 6);
  g_assert_cmpfloat (tb_chart_axis_fraction (&axis, 0), ==, 0);

  tb_chart_axis_for_costs (&axis, wide, G_N_ELEMENTS (wide));
  assert_log_ticks (&axis, wide, G_N_ELEMENTS (wide));
  /* Too many for 1-2-5 over three decades: the decades only. */
  for (guint i = 0; i < axis.n_ticks; i++)
    g_assert_cmpfloat (fabs (log10 (axis.ticks[i]) - round (log10 (axis.ticks[i]))), <, 1e-9);

  /* Just over one decade: 1-2-5 ticks, ends on 1-2-5 values just outside the costs. */
  tb_chart_axis_for_costs (&axis, one_two_five, G_N_ELEMENTS (one_two_five));
  assert_log_ticks (&axis, one_two_five, G_N_ELEMENTS (one_two_five));
  g_assert_cmpfloat_with_epsilon (axis.lo, 0.001, 1e-12);
  g_assert_cmpfloat_with_epsilon (axis.hi, 0.02, 1e-12);
  g_assert_cmpuint (axis.n_ticks, ==, 5);
  g_assert_cmpfloat_with_epsilon (axis.ticks[2], 0.005, 1e-12);

  /* Seven decades: every decade would be too many, so every second one. */
  tb_chart_axis_for_costs (&axis, decades, G_N_ELEMENTS (decades));
  assert_log_ticks (&axis, decades, G_N_ELEMENTS (decades));

  /* Non-finite and negative costs are ignored: 0.002–0.004 is linear. */
  tb_chart_axis_for_costs (&axis, hostile, G_N_ELEMENTS (hostile));
  assert_linear_ticks (&axis, 6);
  g_assert_cmpfloat (axis.hi, >, 0.004);

  /* No cost at all. */
  tb_chart_axis_for_costs (&axis, NULL, 0);
  assert_linear_ticks (&axis, 6);
}

static void
test_fraction (void)
{
  TbChartAxis axis;
  const double costs[] = { 0.0001, 0.01 };
  double previous = -1;

  tb_chart_axis_for_costs (&axis, costs, G_N_ELEMENTS (costs));
  g_assert_true (axis.log);
  g_assert_cmpfloat (tb_chart_axis_fraction (&axis, axis.lo), ==, 0);
  g_assert_cmpfloat_with_epsilon (tb_chart_axis_fraction (&axis, axis.hi), 1, 1e-12);
  /* Equal ratios are equal distances. */
  g_assert_cmpfloat_with_epsilon (tb_chart_axis_fraction (&axis, 0.01)
                                  - tb_chart_axis_fraction (&axis, 0.001),
                                  tb_chart_axis_fraction (&axis, 0.001)
                                  - tb_chart_axis_fraction (&axis, 0.0001), 1e-12);
  for (double v = axis.lo; v <= axis.hi; v *= 1.5)
    {
      double t = tb_chart_axis_fraction (&axis, v);

      g_assert_cmpfloat (t, >, previous);
      previous = t;
    }
  /* Outside and nonsense are clamped. */
  g_assert_cmpfloat (tb_chart_axis_fraction (&axis, 0), ==, 0);
  g_assert_cmpfloat (tb_chart_axis_fraction (&axis, 1000), ==, 1);
  g_assert_cmpfloat (tb_chart_axis_fraction (&axis, NAN), ==, 0);

  tb_chart_axis_linear (&axis, 0, 100, 6);
  g_assert_cmpfloat_with_epsilon (tb_chart_axis_fraction (&axis, 25), 0.25, 1e-12);
}

static void
test_tick_labels (void)
{
  TbChartAxis axis;
  const double linear[] = { 0.004, 0.01 };
  const double logarithmic[] = { 0.0012, 0.015 };
  g_autofree char *zero = NULL;
  g_autofree char *quarter = NULL;
  g_autofree char *tenth = NULL;
  g_autofree char *two = NULL;

  tb_chart_axis_for_costs (&axis, linear, G_N_ELEMENTS (linear));
  g_assert_cmpfloat_with_epsilon (axis.step, 0.0025, 1e-15);
  zero = tb_chart_axis_format_usd (&axis, 0);
  quarter = tb_chart_axis_format_usd (&axis, axis.ticks[1]);
  g_assert_cmpstr (zero, ==, "$0");
  g_assert_cmpstr (quarter, ==, "$0.0025");

  tb_chart_axis_for_costs (&axis, logarithmic, G_N_ELEMENTS (logarithmic));
  tenth = tb_chart_axis_format_usd (&axis, axis.ticks[0]);
  two = tb_chart_axis_format_usd (&axis, axis.ticks[4]);
  g_assert_cmpstr (tenth, ==, "$0.001");
  g_assert_cmpstr (two, ==, "$0.02");
}

static void
test_shorten (void)
{
  g_autofree char *same = tb_chart_shorten ("openai/gpt-4o", 20);
  g_autofree char *cut = tb_chart_shorten ("meta-llama/llama-3.3-70b-instruct", 20);
  g_autofree char *wide = tb_chart_shorten ("ünïcödé/ünïcödé-ünïcödé", 9);

  g_assert_cmpstr (same, ==, "openai/gpt-4o");
  g_assert_cmpint (g_utf8_strlen (cut, -1), ==, 20);
  g_assert_true (g_str_has_prefix (cut, "meta-llam"));
  g_assert_true (g_str_has_suffix (cut, "-instruct"));
  g_assert_nonnull (strstr (cut, "…"));
  /* counts characters, not bytes, and stays valid UTF-8 */
  g_assert_true (g_utf8_validate (wide, -1, NULL));
  g_assert_cmpint (g_utf8_strlen (wide, -1), ==, 9);
}

static gboolean
boxes_overlap (double ax, double ay, double aw, double ah,
               double bx, double by, double bw, double bh)
{
  return ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
}

static const TbChartMetrics metrics = {
  .width = 720, .height = 380, .char_width = 7, .line_height = 16, .radius = 5,
  .label_max_chars = 24,
};

/* A spread of models: points where the scales say, labels inside the chart, apart from
 * each other and from every point. */
static void
test_layout (void)
{
  const TbChartItem items[] = {
    { "anthropic/claude-sonnet-4.5", 0.021, 86, TRUE, 83, 89, TRUE },
    { "openai/gpt-4o-mini", 0.0012, 87, TRUE, 84, 91, TRUE },
    { "google/gemini-2.5-flash", 0.0009, 84, TRUE, 79, 88, FALSE },
    { "meta-llama/llama-3.3-70b-instruct", 0.0003, 57, TRUE, 55, 61, FALSE },
    { "deepseek/deepseek-chat", 0.00006, 78, FALSE, 0, 0, FALSE },
  };
  g_autoptr(TbChartLayout) layout = tb_chart_layout_new (items, G_N_ELEMENTS (items), &metrics);

  g_assert_true (layout->x_axis.log);
  g_assert_cmpuint (layout->marks->len, ==, G_N_ELEMENTS (items));
  g_assert_cmpfloat (layout->left, >, 0);
  g_assert_cmpfloat (layout->right, <, metrics.width);
  g_assert_cmpfloat (layout->bottom, <, metrics.height);
  g_assert_cmpfloat_with_epsilon (tb_chart_layout_y (layout, 100), layout->top, 1e-9);
  g_assert_cmpfloat_with_epsilon (tb_chart_layout_y (layout, 0), layout->bottom, 1e-9);

  for (guint i = 0; i < layout->marks->len; i++)
    {
      const TbChartMark *mark = g_ptr_array_index (layout->marks, i);
      const TbChartItem *item = &items[mark->item];

      g_assert_cmpuint (mark->item, ==, i);
      g_assert_cmpfloat_with_epsilon (mark->x, tb_chart_layout_x (layout, item->cost), 1e-9);
      g_assert_cmpfloat_with_epsilon (mark->y, tb_chart_layout_y (layout, item->score), 1e-9);
      g_assert_cmpfloat (mark->x, >, layout->left);
      g_assert_cmpfloat (mark->x, <, layout->right);
      if (item->has_interval)
        {
          g_assert_cmpfloat (mark->top, <, mark->y);
          g_assert_cmpfloat (mark->bottom, >, mark->y);
        }
      else
        g_assert_cmpfloat (mark->top, ==, mark->bottom);
      g_assert_cmpfloat (mark->radius, ==, metrics.radius * (item->emphasis ? 1.4 : 1));
      g_assert_cmpuint (g_utf8_strlen (mark->label, -1), <=, metrics.label_max_chars);
      g_assert_false (mark->label_crowded);
      g_assert_cmpfloat (mark->label_x, >=, layout->left);
      g_assert_cmpfloat (mark->label_x + mark->label_width, <=, metrics.width);
      g_assert_cmpfloat (mark->label_y, >=, 0);
      g_assert_cmpfloat (mark->label_y + mark->label_height, <=, layout->bottom);

      for (guint j = 0; j < layout->marks->len; j++)
        {
          const TbChartMark *other = g_ptr_array_index (layout->marks, j);

          g_assert_false (boxes_overlap (mark->label_x, mark->label_y, mark->label_width,
                                         mark->label_height, other->x - other->radius,
                                         other->y - other->radius, 2 * other->radius,
                                         2 * other->radius));
          if (j != i)
            g_assert_false (boxes_overlap (mark->label_x, mark->label_y, mark->label_width,
                                           mark->label_height, other->label_x, other->label_y,
                                           other->label_width, other->label_height));
        }
    }
  /* Dearer is further right, better is higher. */
  g_assert_cmpfloat (((TbChartMark *) g_ptr_array_index (layout->marks, 0))->x, >,
                     ((TbChartMark *) g_ptr_array_index (layout->marks, 1))->x);
  g_assert_cmpfloat (((TbChartMark *) g_ptr_array_index (layout->marks, 3))->y, >,
                     ((TbChartMark *) g_ptr_array_index (layout->marks, 2))->y);
}

/* Twelve models on one spot: no place is free for most labels; they are still placed
 * inside the chart, said to be crowded, and the emphasised one chose first. */
static void
test_layout_crowded (void)
{
  TbChartItem items[12];
  g_autoptr(TbChartLayout) layout = NULL;
  guint crowded = 0;

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    items[i] = (TbChartItem) { "vendor/model-with-a-long-name", 0.01, 80, FALSE, 0, 0, i == 7 };
  layout = tb_chart_layout_new (items, G_N_ELEMENTS (items), &metrics);

  for (guint i = 0; i < layout->marks->len; i++)
    {
      const TbChartMark *mark = g_ptr_array_index (layout->marks, i);

      crowded += mark->label_crowded;
      g_assert_cmpfloat (mark->label_x, >=, layout->left);
      g_assert_cmpfloat (mark->label_x + mark->label_width, <=, metrics.width + 1e-9);
      if (mark->leader)
        {
          /* a leader starts on the point's edge and ends on the label's box */
          double dx = mark->leader_x0 - mark->x, dy = mark->leader_y0 - mark->y;

          g_assert_cmpfloat_with_epsilon (sqrt (dx * dx + dy * dy), mark->radius, 1e-9);
          g_assert_cmpfloat (mark->leader_x1, >=, mark->label_x - 1e-9);
          g_assert_cmpfloat (mark->leader_x1, <=, mark->label_x + mark->label_width + 1e-9);
        }
    }
  g_assert_cmpuint (crowded, >, 0);
  g_assert_false (((TbChartMark *) g_ptr_array_index (layout->marks, 7))->label_crowded);
  g_assert_false (((TbChartMark *) g_ptr_array_index (layout->marks, 7))->leader);

  /* And none at all. */
  {
    g_autoptr(TbChartLayout) empty = tb_chart_layout_new (NULL, 0, &metrics);

    g_assert_cmpuint (empty->marks->len, ==, 0);
    g_assert_false (empty->x_axis.log);
  }
}

/* The score axis spans what the models use, in tens, at least 30 points, inside 0–100. */
static void
test_score_axis (void)
{
  TbChartAxis axis;
  const TbChartItem verdict[] = {
    { "budget", 0.0004, 79.7, TRUE, 72.3, 86.2, FALSE },
    { "premium", 0.04, 89.8, TRUE, 88.0, 90.9, TRUE },
  };
  const TbChartItem close[] = {
    { "a", 0.01, 50, FALSE, 0, 0, FALSE },
    { "b", 0.02, 52, FALSE, 0, 0, FALSE },
  };
  const TbChartItem wide[] = {
    { "a", 0.01, 1, FALSE, 0, 0, FALSE },
    { "b", 0.02, 99, TRUE, 97, 100, FALSE },
  };
  const TbChartItem top[] = {
    { "a", 0.01, 99, TRUE, 98, 100, FALSE },
  };

  /* 72.3 − 2 → 70; 90.9 + 2 → 100: ticks 70, 80, 90, 100 */
  tb_chart_axis_for_scores (&axis, verdict, G_N_ELEMENTS (verdict));
  g_assert_cmpfloat (axis.lo, ==, 70);
  g_assert_cmpfloat (axis.hi, ==, 100);
  g_assert_cmpuint (axis.n_ticks, ==, 4);
  g_assert_cmpfloat (axis.ticks[1], ==, 80);
  /* 48 → 40, 54 → 60: 20 wide, widened downwards to 30 */
  tb_chart_axis_for_scores (&axis, close, G_N_ELEMENTS (close));
  g_assert_cmpfloat (axis.lo, ==, 30);
  g_assert_cmpfloat (axis.hi, ==, 60);
  tb_chart_axis_for_scores (&axis, wide, G_N_ELEMENTS (wide));
  g_assert_cmpfloat (axis.lo, ==, 0);
  g_assert_cmpfloat (axis.hi, ==, 100);
  /* at the top: 96 → 90, capped at 100, widened down to 70 */
  tb_chart_axis_for_scores (&axis, top, G_N_ELEMENTS (top));
  g_assert_cmpfloat (axis.lo, ==, 70);
  g_assert_cmpfloat (axis.hi, ==, 100);
  tb_chart_axis_for_scores (&axis, NULL, 0);
  g_assert_cmpfloat (axis.lo, ==, 0);
  g_assert_cmpfloat (axis.hi, ==, 100);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/chart/nice-step", test_nice_step);
  g_test_add_func ("/chart/linear-axis", test_linear_axis);
  g_test_add_func ("/chart/cost-axis-switch", test_cost_axis_switch);
  g_test_add_func ("/chart/fraction", test_fraction);
  g_test_add_func ("/chart/score-axis", test_score_axis);
  g_test_add_func ("/chart/tick-labels", test_tick_labels);
  g_test_add_func ("/chart/shorten", test_shorten);
  g_test_add_func ("/chart/layout", test_layout);
  g_test_add_func ("/chart/layout-crowded", test_layout_crowded);

  return g_test_run ();
}
