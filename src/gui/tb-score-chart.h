/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* One model: its mean score against its cost per input, with the 95% interval of the mean
 * when the verdict has one (drawn as an error bar). */
typedef struct {
  char     *label;
  double    score;      /* 0–100 */
  double    cost_usd;
  gboolean  has_interval;
  double    ci_low;
  double    ci_high;
} TbChartPoint;

TbChartPoint *tb_chart_point_new          (const char   *label,
                                           double        score,
                                           double        cost_usd);
void          tb_chart_point_set_interval (TbChartPoint *point,
                                           double        low,
                                           double        high);
void          tb_chart_point_free         (TbChartPoint *point);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbChartPoint, tb_chart_point_free)

#define TB_TYPE_SCORE_CHART (tb_score_chart_get_type ())
G_DECLARE_FINAL_TYPE (TbScoreChart, tb_score_chart, TB, SCORE_CHART, GtkWidget)

GtkWidget    *tb_score_chart_new        (void);

/* Copies the points (TbChartPoint*); NULL or empty clears the chart. The x axis is the cost
 * per input. */
void          tb_score_chart_set_points (TbScoreChart *self,
                                         GPtrArray    *points);

guint         tb_score_chart_get_n_points (TbScoreChart *self);

/* Labels of the points on the Pareto front, cheapest first. A point is on the front when no
 * other point scores at least as high for no more money while being strictly better in one of
 * the two (exact duplicates both stay). Free with g_strfreev. */
char        **tb_score_chart_get_pareto (TbScoreChart *self);

G_END_DECLS
