/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-chart"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tb-chart.h"

/* Tolerance for values that land on a tick after floating-point arithmetic. */
#define EPS 1e-9

/* The cost axis: headroom so no point sits on the frame, and at most this many ticks. */
#define COST_HEADROOM   1.08
#define LOG_HEADROOM    1.15
#define COST_MAX_TICKS  6
#define LOG_MAX_TICKS   7
#define SCORE_MAX_TICKS 6

double
tb_chart_nice_step (double raw)
{
  static const double steps[] = { 1, 2, 2.5, 5, 10 };
  double magnitude;

  if (!(raw > 0) || !isfinite (raw))
    return 1;
  magnitude = pow (10, floor (log10 (raw) + EPS));
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (steps[i] * magnitude >= raw * (1 - EPS))
      return steps[i] * magnitude;
  return 10 * magnitude;
}

void
tb_chart_axis_linear (TbChartAxis *axis,
                      double       lo,
                      double       hi,
                      guint        max_ticks)
{
  double step;
  double first, last;
  guint n;

  g_return_if_fail (axis != NULL);

  max_ticks = CLAMP (max_ticks, 2, TB_CHART_MAX_TICKS);
  if (!isfinite (lo))
    lo = 0;
  if (!isfinite (hi) || hi <= lo)
    hi = lo + (lo != 0 ? fabs (lo) : 1);

  step = tb_chart_nice_step ((hi - lo) / (max_ticks - 1));
  /* A nice step can still leave one tick too many once both ends are rounded out. */
  for (;;)
    {
      first = floor (lo / step + EPS);
      last = ceil (hi / step - EPS);
      n = (guint) (last - first) + 1;
      if (n <= max_ticks)
        break;
      step = tb_chart_nice_step (step * (1 + 1e-6));
    }

  memset (axis, 0, sizeof *axis);
  axis->log = FALSE;
  axis->step = step;
  axis->lo = first * step;
  axis->hi = last * step;
  axis->n_ticks = n;
  for (guint i = 0; i < n; i++)
    axis->ticks[i] = (first + i) * step;
}

/* The largest 1, 2 or 5 × 10^k ≤ value (> 0). */
static double
floor_125 (double value)
{
  double magnitude = pow (10, floor (log10 (value) + EPS));
  double m = value / magnitude;

  return (m >= 5 - EPS ? 5 : m >= 2 - EPS ? 2 : 1) * magnitude;
}

/* The smallest 1, 2 or 5 × 10^k ≥ value (> 0). */
static double
ceil_125 (double value)
{
  double magnitude = pow (10, floor (log10 (value) + EPS));
  double m = value / magnitude;

  return (m <= 1 + EPS ? 1 : m <= 2 + EPS ? 2 : m <= 5 + EPS ? 5 : 10) * magnitude;
}

static void
axis_log (TbChartAxis *axis,
          double       min,
          double       max)
{
  static const double mantissas[] = { 1, 2, 5 };
  double lo = floor_125 (min / LOG_HEADROOM);
  double hi = ceil_125 (max * LOG_HEADROOM);
  int d0 = (int) floor (log10 (lo) + EPS);
  int d1 = (int) ceil (log10 (hi) - EPS);
  double all[3 * 40];
  guint n_all = 0;
  int every = 1;

  memset (axis, 0, sizeof *axis);
  axis->log = TRUE;
  axis->lo = lo;
  axis->hi = hi;

  for (int d = d0; d <= d1 && n_all + 3 <= G_N_ELEMENTS (all); d++)
    for (guint m = 0; m < G_N_ELEMENTS (mantissas); m++)
      {
        double tick = mantissas[m] * pow (10, d);

        if (tick >= lo * (1 - EPS) && tick <= hi * (1 + EPS))
          all[n_all++] = tick;
      }
  if (n_all <= LOG_MAX_TICKS)
    {
      memcpy (axis->ticks, all, n_all * sizeof (double));
      axis->n_ticks = n_all;
      return;
    }

  /* Too many for 1-2-5: the decades, every second one when even those crowd. */
  while ((d1 - d0) / every + 1 > LOG_MAX_TICKS)
    every++;
  for (int d = d0; d <= d1 && axis->n_ticks < TB_CHART_MAX_TICKS; d++)
    {
      double tick = pow (10, d);

      if ((d - d0) % every == 0 && tick >= lo * (1 - EPS) && tick <= hi * (1 + EPS))
        axis->ticks[axis->n_ticks++] = tick;
    }
}

void
tb_chart_axis_for_costs (TbChartAxis  *axis,
                         const double *costs,
                         guint         n_costs)
{
  double min = G_MAXDOUBLE, max = 0;
  gboolean any = FALSE;

  g_return_if_fail (axis != NULL);
  g_return_if_fail (costs != NULL || n_costs == 0);

  for (guint i = 0; i < n_costs; i++)
    {
      if (!isfinite (costs[i]) || costs[i] < 0)
        continue;
      any = TRUE;
      min = MIN (min, costs[i]);
      max = MAX (max, costs[i]);
    }

  if (any && min > 0 && max / min > TB_CHART_LOG_SPAN)
    {
      axis_log (axis, min, max);
      return;
    }
  /* Free models (or none with a cost) still get an axis a cent's tenth wide. */
  tb_chart_axis_linear (axis, 0, any && max > 0 ? max * COST_HEADROOM : 0.001, COST_MAX_TICKS);
}

double
tb_chart_axis_fraction (const TbChartAxis *axis,
                        double             value)
{
  double t;

  g_return_val_if_fail (axis != NULL, 0);

  if (!isfinite (value))
    return 0;
  if (axis->log)
    t = value > 0 ? (log10 (value) - log10 (axis->lo)) / (log10 (axis->hi) - log10 (axis->lo))
                  : 0;
  else
    t = (value - axis->lo) / (axis->hi - axis->lo);
  return CLAMP (t, 0, 1);
}

/* Decimals that show `value` exactly when it is a multiple of a power of ten ≥ 10^-9. */
static int
decimals_for (double value)
{
  int decimals = (int) MAX (0, -floor (log10 (value) + EPS));

  /* 0.25 or 0.0025 need one more than their magnitude says */
  while (decimals < 9
         && fabs (value * pow (10, decimals) - round (value * pow (10, decimals))) > 1e-6)
    decimals++;
  return decimals;
}

char *
tb_chart_axis_format_usd (const TbChartAxis *axis,
                          double             value)
{
  g_return_val_if_fail (axis != NULL, NULL);

  if (!(value > 0))
    return g_strdup ("$0");
  return g_strdup_printf ("$%.*f", decimals_for (axis->log ? value : axis->step), value);
}

char *
tb_chart_shorten (const char *text,
                  guint       max_chars)
{
  glong length;
  glong head, tail;
  const char *tail_start;

  g_return_val_if_fail (text != NULL, NULL);

  length = g_utf8_strlen (text, -1);
  if (max_chars < 3 || length <= (glong) max_chars)
    return g_strdup (text);
  /* The end of an id ("…-70b-instruct") tells models apart more often than its start. */
  head = (max_chars - 1) / 2;
  tail = max_chars - 1 - head;
  tail_start = g_utf8_offset_to_pointer (text, length - tail);
  {
    g_autofree char *start = g_utf8_substring (text, 0, head);

    return g_strconcat (start, "…", tail_start, NULL);
  }
}

/* ---------------------------------------------------------------------------------------- */
/* Layout                                                                                    */

typedef struct {
  double x0, y0, x1, y1;
} Box;

static double
overlap_area (const Box *a,
              const Box *b)
{
  double w = MIN (a->x1, b->x1) - MAX (a->x0, b->x0);
  double h = MIN (a->y1, b->y1) - MAX (a->y0, b->y0);

  return w > 0 && h > 0 ? w * h : 0;
}

static double
overlap_with (const Box *box,
              GArray    *placed)
{
  double sum = 0;

  for (guint i = 0; i < placed->len; i++)
    sum += overlap_area (box, &g_array_index (placed, Box, i));
  return sum;
}

static void
mark_free (TbChartMark *mark)
{
  g_free (mark->label);
  g_free (mark);
}

void
tb_chart_layout_free (TbChartLayout *layout)
{
  if (layout == NULL)
    return;
  g_clear_pointer (&layout->marks, g_ptr_array_unref);
  g_free (layout);
}

double
tb_chart_layout_x (const TbChartLayout *layout,
                   double               cost)
{
  g_return_val_if_fail (layout != NULL, 0);
  return layout->left + tb_chart_axis_fraction (&layout->x_axis, cost)
                        * (layout->right - layout->left);
}

double
tb_chart_layout_y (const TbChartLayout *layout,
                   double               score)
{
  g_return_val_if_fail (layout != NULL, 0);
  return layout->bottom - tb_chart_axis_fraction (&layout->y_axis, score)
                          * (layout->bottom - layout->top);
}

typedef struct {
  const TbChartItem *items;
  guint              index;
} Order;

static int
compare_order (const void *a,
               const void *b)
{
  const Order *x = a, *y = b;
  const TbChartItem *p = &x->items[x->index], *q = &y->items[y->index];

  if (p->emphasis != q->emphasis)
    return p->emphasis ? -1 : 1;
  if (p->score != q->score)
    return p->score > q->score ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* The label of `mark` in the first free place, else in the least crowded one. */
static void
place_label (TbChartLayout *layout,
             TbChartMark   *mark,
             GArray        *placed)
{
  const TbChartMetrics *m = &layout->metrics;
  double w = mark->label_width, h = mark->label_height;
  double gap = MAX (m->radius, 2);
  double right = mark->x + mark->radius + gap;
  double left = mark->x - mark->radius - gap - w;
  double middle = mark->y - h / 2;
  double above = mark->top - gap - h, below = mark->bottom + gap;
  /* Beside the point first, then over or under its interval (centred, then ending or
   * starting at the point), then beside it a line or more away: those get a leader. */
  double spots[][2] = {
    { right, middle },
    { left, middle },
    { mark->x - w / 2, above },
    { mark->x - w / 2, below },
    { mark->x + mark->radius - w, above },
    { mark->x - mark->radius, above },
    { mark->x + mark->radius - w, below },
    { mark->x - mark->radius, below },
    { right, middle - h },
    { right, middle + h },
    { left, middle - h },
    { left, middle + h },
    { right, middle - 2 * h },
    { right, middle + 2 * h },
    { left, middle - 2 * h },
    { left, middle + 2 * h },
  };
  const guint adjacent = 8;
  guint chosen = 0;
  double best_overlap = G_MAXDOUBLE;
  Box best = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (spots); i++)
    {
      Box box = { spots[i][0], spots[i][1], spots[i][0] + w, spots[i][1] + h };
      double overlap;

      /* Inside the chart, beside the plot's left edge and above the cost axis. */
      if (box.x0 < layout->left || box.x1 > m->width || box.y0 < 0 || box.y1 > layout->bottom)
        continue;
      overlap = overlap_with (&box, placed);
      if (overlap < best_overlap)
        {
          best_overlap = overlap;
          best = box;
          chosen = i;
        }
      if (overlap == 0)
        break;
    }

  if (best_overlap == G_MAXDOUBLE)
    {
      chosen = adjacent;
      /* Wider than every spot allows: right of the point, pushed back inside. */
      best.x0 = CLAMP (right, layout->left, MAX (layout->left, m->width - w));
      best.y0 = CLAMP (middle, 0, MAX (0, layout->bottom - h));
      best.x1 = best.x0 + w;
      best.y1 = best.y0 + h;
      best_overlap = overlap_with (&best, placed);
    }

  mark->label_x = best.x0;
  mark->label_y = best.y0;
  mark->label_crowded = best_overlap > 0;
  mark->leader = chosen >= adjacent;
  /* From the point's edge towards the nearest point of the label's box. */
  if (mark->leader)
    {
      double nx = CLAMP (mark->x, best.x0, best.x1);
      double ny = CLAMP (mark->y, best.y0, best.y1);
      double dx = nx - mark->x, dy = ny - mark->y;
      double d = sqrt (dx * dx + dy * dy);

      mark->leader_x0 = d > 0 ? mark->x + dx / d * mark->radius : mark->x;
      mark->leader_y0 = d > 0 ? mark->y + dy / d * mark->radius : mark->y;
      mark->leader_x1 = nx;
      mark->leader_y1 = ny;
    }
  g_array_append_val (placed, best);
}

void
tb_chart_axis_for_scores (TbChartAxis       *axis,
                          const TbChartItem *items,
                          guint              n_items)
{
  double lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE;

  g_return_if_fail (axis != NULL);
  g_return_if_fail (items != NULL || n_items == 0);

  for (guint i = 0; i < n_items; i++)
    {
      const TbChartItem *item = &items[i];
      double values[3] = { item->score, item->low, item->high };

      for (guint v = 0; v < (item->has_interval ? 3u : 1u); v++)
        if (isfinite (values[v]))
          {
            lo = MIN (lo, values[v]);
            hi = MAX (hi, values[v]);
          }
    }
  if (lo > hi)
    {
      tb_chart_axis_linear (axis, 0, 100, SCORE_MAX_TICKS);
      return;
    }
  /* room of 2 points, then out to tens, inside 0–100 */
  lo = CLAMP (floor ((lo - 2) / 10) * 10, 0, 100);
  hi = CLAMP (ceil ((hi + 2) / 10) * 10, 0, 100);
  while (hi - lo < TB_CHART_SCORE_MIN_SPAN)
    {
      if (lo > 0)
        lo -= 10;
      if (hi - lo < TB_CHART_SCORE_MIN_SPAN && hi < 100)
        hi += 10;
    }
  tb_chart_axis_linear (axis, lo, hi, SCORE_MAX_TICKS);
}

TbChartLayout *
tb_chart_layout_new (const TbChartItem    *items,
                     guint                 n_items,
                     const TbChartMetrics *metrics)
{
  TbChartLayout *layout;
  g_autofree double *costs = NULL;
  g_autofree Order *order = NULL;
  g_autoptr(GArray) placed = NULL;
  const TbChartMetrics *m = metrics;

  g_return_val_if_fail (items != NULL || n_items == 0, NULL);
  g_return_val_if_fail (metrics != NULL && metrics->width > 0 && metrics->height > 0, NULL);

  layout = g_new0 (TbChartLayout, 1);
  layout->metrics = *metrics;
  layout->marks = g_ptr_array_new_with_free_func ((GDestroyNotify) mark_free);

  costs = g_new (double, MAX (n_items, 1));
  for (guint i = 0; i < n_items; i++)
    costs[i] = items[i].cost;
  tb_chart_axis_for_costs (&layout->x_axis, costs, n_items);
  tb_chart_axis_for_scores (&layout->y_axis, items, n_items);

  /* Margins: the score ticks ("100") and the axis title on the left, the cost ticks and
   * the axis title below, half a tick label on the right, a line above for labels. */
  layout->left = m->line_height + 3 * m->char_width + 2 * m->char_width;
  layout->top = m->line_height;
  layout->right = MAX (layout->left + 1, m->width - 4 * m->char_width);
  layout->bottom = MAX (layout->top + 1, m->height - 2 * m->line_height - m->char_width * 2);

  for (guint i = 0; i < n_items; i++)
    {
      const TbChartItem *item = &items[i];
      TbChartMark *mark = g_new0 (TbChartMark, 1);
      double score = isfinite (item->score) ? item->score : 0;

      mark->item = i;
      mark->x = tb_chart_layout_x (layout, item->cost);
      mark->y = tb_chart_layout_y (layout, score);
      mark->radius = m->radius * (item->emphasis ? 1.4 : 1);
      if (item->has_interval && isfinite (item->low) && isfinite (item->high))
        {
          mark->top = tb_chart_layout_y (layout, MAX (item->low, item->high));
          mark->bottom = tb_chart_layout_y (layout, MIN (item->low, item->high));
        }
      else
        mark->top = mark->bottom = mark->y;
      mark->label = tb_chart_shorten (item->label != NULL ? item->label : "",
                                      m->label_max_chars);
      mark->label_width = g_utf8_strlen (mark->label, -1) * m->char_width;
      mark->label_height = m->line_height;
      g_ptr_array_add (layout->marks, mark);
    }

  /* Labels avoid every point and interval, and the labels placed before them. */
  placed = g_array_new (FALSE, FALSE, sizeof (Box));
  for (guint i = 0; i < n_items; i++)
    {
      const TbChartMark *mark = g_ptr_array_index (layout->marks, i);
      Box point = { mark->x - mark->radius, mark->y - mark->radius,
                    mark->x + mark->radius, mark->y + mark->radius };
      Box whisker = { mark->x - m->radius, mark->top, mark->x + m->radius, mark->bottom };

      g_array_append_val (placed, point);
      if (mark->bottom > mark->top)
        g_array_append_val (placed, whisker);
    }
  order = g_new (Order, MAX (n_items, 1));
  for (guint i = 0; i < n_items; i++)
    order[i] = (Order) { items, i };
  qsort (order, n_items, sizeof *order, compare_order);
  for (guint i = 0; i < n_items; i++)
    place_label (layout, g_ptr_array_index (layout->marks, order[i].index), placed);

  return layout;
}
