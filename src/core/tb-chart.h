/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The geometry of the score-against-cost chart, apart from any way of drawing it: scales,
 * ticks, where each model's point, interval and label go. Positions are in abstract units
 * (the caller says how wide a character is and how tall a line), so the report's SVG and a
 * window's drawing can share one layout. */

/* Costs that span more than this factor are shown on a logarithmic axis: on a linear one
 * the cheap models would sit on top of each other at $0. */
#define TB_CHART_LOG_SPAN  10.0
#define TB_CHART_MAX_TICKS 16

typedef struct {
  gboolean log;                          /* base 10 */
  double   lo;                           /* the value at the axis's start */
  double   hi;                           /* … and at its end; hi > lo */
  guint    n_ticks;
  double   ticks[TB_CHART_MAX_TICKS];    /* ascending, inside [lo, hi] */
  double   step;                         /* linear: the ticks' step; log: 0 */
} TbChartAxis;

/* The smallest of 1, 2, 2.5 and 5 × 10^k that is ≥ `raw` (1 for raw ≤ 0). */
double   tb_chart_nice_step      (double             raw);

/* A linear axis from `lo` to at least `hi`, ended on a tick, with at most `max_ticks`
 * ticks on a nice step. */
void     tb_chart_axis_linear    (TbChartAxis       *axis,
                                  double             lo,
                                  double             hi,
                                  guint              max_ticks);

/* The cost axis: logarithmic when every cost is > 0 and they span more than
 * TB_CHART_LOG_SPAN (ended on 1, 2 or 5 × 10^k just outside the costs, ticks on 1-2-5 or,
 * when that makes too many, on the decades); else linear from $0. Non-finite and negative
 * values are ignored. */
void     tb_chart_axis_for_costs (TbChartAxis       *axis,
                                  const double      *costs,
                                  guint              n_costs);

/* The score axis for these items (their scores and intervals): the range they use,
 * rounded out to tens with a little room, at least TB_CHART_SCORE_MIN_SPAN wide, inside
 * 0–100 — models 2 points apart are not drawn on top of each other on a 0–100 axis. Without
 * items, 0–100. */
#define TB_CHART_SCORE_MIN_SPAN 30
typedef struct _TbChartItem TbChartItem;
void     tb_chart_axis_for_scores (TbChartAxis       *axis,
                                   const TbChartItem *items,
                                   guint              n_items);

/* Where `value` falls on the axis: 0 at lo, 1 at hi, clamped to [0, 1]. */
double   tb_chart_axis_fraction  (const TbChartAxis *axis,
                                  double             value);

/* A tick's label in US dollars with as many decimals as the ticks need to differ:
 * "$0", "$0.005", "$0.0025", "$1". */
char    *tb_chart_axis_format_usd (const TbChartAxis *axis,
                                   double             value);

/* One model to place. */
struct _TbChartItem {
  const char *label;
  double      cost;           /* x: cost per input, USD */
  double      score;          /* y: 0–100 */
  gboolean    has_interval;
  double      low;            /* the interval, on the score's scale */
  double      high;
  gboolean    emphasis;       /* best, or tied with the best: placed first, drawn larger */
};

typedef struct {
  double width;               /* the whole chart */
  double height;
  double char_width;          /* a label character's mean advance */
  double line_height;
  double radius;              /* a point's radius (an emphasised one: 1.4 ×) */
  guint  label_max_chars;     /* longer labels are shortened in the middle */
} TbChartMetrics;

/* Where one item goes. y grows downwards, as on a screen. */
typedef struct {
  guint    item;              /* its index among the items */
  double   x;                 /* the point's centre */
  double   y;
  double   radius;
  double   top;               /* the interval's ends (y when there is none) */
  double   bottom;
  char    *label;             /* the label as shown: shortened when too long */
  double   label_x;           /* the label's box: left, top, size */
  double   label_y;
  double   label_width;
  double   label_height;
  gboolean label_crowded;     /* no free place: it overlaps something */
  gboolean leader;            /* the label is a line or more away: draw a line to it */
  double   leader_x0;         /* from the point's edge… */
  double   leader_y0;
  double   leader_x1;         /* …to the label's box */
  double   leader_y1;
} TbChartMark;

typedef struct {
  TbChartMetrics metrics;
  double         left;        /* the plot area */
  double         top;
  double         right;
  double         bottom;
  TbChartAxis    x_axis;      /* cost per input */
  TbChartAxis    y_axis;      /* score, 0–100 */
  GPtrArray     *marks;       /* TbChartMark*, in the items' order */
} TbChartLayout;

/* Lays out `items`: scales, plot area inside the margins the tick labels need, points,
 * intervals and labels. A label takes the first free place among right, left, above and
 * below the point and its interval, then a line or two further up or down (with a leader);
 * labels of emphasised items, then of higher scores, choose first. */
TbChartLayout *tb_chart_layout_new  (const TbChartItem    *items,
                                     guint                 n_items,
                                     const TbChartMetrics *metrics);
void           tb_chart_layout_free (TbChartLayout        *layout);
double         tb_chart_layout_x    (const TbChartLayout  *layout,
                                     double                cost);
double         tb_chart_layout_y    (const TbChartLayout  *layout,
                                     double                score);

/* `text` shortened to at most `max_chars` characters by an ellipsis in the middle, so the
 * vendor and the end of a model id both stay. */
char          *tb_chart_shorten     (const char           *text,
                                     guint                 max_chars);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbChartLayout, tb_chart_layout_free)

G_END_DECLS
