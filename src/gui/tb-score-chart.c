/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-score-chart"

#include "config.h"

#include <math.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "tb-chart.h"
#include "tb-score-chart.h"
#include "tb-util.h"

/* Narrow enough for a phone-sized window (360 px less the page's margins). */
#define MIN_WIDTH     260
#define MIN_HEIGHT    240
#define MARGIN_LEFT   52.0
#define MARGIN_RIGHT  20.0
#define MARGIN_TOP    34.0
#define MARGIN_BOTTOM 46.0
#define DOT_RADIUS    4.0
#define FRONT_RADIUS  6.5
#define LABEL_MAX_PX  150
#define LOG_SPAN      20.0

struct _TbScoreChart
{
  GtkWidget  parent_instance;

  GPtrArray *points;     /* TbChartPoint* */
  gboolean  *on_front;   /* parallel to points */
};

G_DEFINE_FINAL_TYPE (TbScoreChart, tb_score_chart, GTK_TYPE_WIDGET)

TbChartPoint *
tb_chart_point_new (const char *label,
                    double      score,
                    double      cost_usd)
{
  TbChartPoint *point = g_new0 (TbChartPoint, 1);

  point->label = g_strdup (label ? label : "");
  point->score = score;
  point->cost_usd = cost_usd;
  return point;
}

void
tb_chart_point_set_interval (TbChartPoint *point,
                             double        low,
                             double        high)
{
  g_return_if_fail (point != NULL);

  point->has_interval = TRUE;
  point->ci_low = MIN (low, high);
  point->ci_high = MAX (low, high);
}

void
tb_chart_point_free (TbChartPoint *point)
{
  if (point == NULL)
    return;
  g_free (point->label);
  g_free (point);
}

/* The x axis: linear from 0, or logarithmic by whole decades when costs span a lot. */
typedef struct {
  gboolean log;
  double   lo;
  double   hi;
  double   step;    /* linear tick step */
} XScale;

typedef struct {
  double x0, x1, y0, y1;   /* plot area */
  XScale xs;
  TbChartAxis ys;          /* the scores' range: the core's rule, as the report draws it */
} Frame;

static double
nice_step (double raw)
{
  double mag, norm;

  if (raw <= 0)
    return 1;
  mag = pow (10, floor (log10 (raw)));
  norm = raw / mag;
  if (norm <= 1)
    return mag;
  if (norm <= 2)
    return 2 * mag;
  if (norm <= 2.5)
    return 2.5 * mag;
  if (norm <= 5)
    return 5 * mag;
  return 10 * mag;
}

static void
compute_x_scale (TbScoreChart *self,
                 XScale       *xs)
{
  double min = G_MAXDOUBLE, max = 0;
  gboolean all_positive = TRUE;

  for (guint i = 0; i < self->points->len; i++)
    {
      TbChartPoint *p = g_ptr_array_index (self->points, i);
      double c = MAX (p->cost_usd, 0);

      min = MIN (min, c);
      max = MAX (max, c);
      if (c <= 0)
        all_positive = FALSE;
    }

  if (self->points->len > 0 && all_positive && max / min > LOG_SPAN)
    {
      /* a little room so no dot sits on the frame; ticks fall on the decades inside */
      xs->log = TRUE;
      xs->lo = min / 1.6;
      xs->hi = max * 1.6;
      xs->step = 0;
      return;
    }

  xs->log = FALSE;
  xs->lo = 0;
  if (max <= 0)
    max = 0.001;
  xs->step = nice_step (max * 1.08 / 4);
  xs->hi = ceil (max * 1.08 / xs->step) * xs->step;
}

static double
map_x (const Frame *f,
       double       cost)
{
  double t;

  if (f->xs.log)
    t = (log10 (MAX (cost, f->xs.lo)) - log10 (f->xs.lo)) / (log10 (f->xs.hi) - log10 (f->xs.lo));
  else
    t = (cost - f->xs.lo) / (f->xs.hi - f->xs.lo);
  return f->x0 + CLAMP (t, 0, 1) * (f->x1 - f->x0);
}

static double
map_y (const Frame *f,
       double       score)
{
  return f->y1 - tb_chart_axis_fraction (&f->ys, score) * (f->y1 - f->y0);
}

static void
compute_frame (TbScoreChart *self,
               double        width,
               double        height,
               Frame        *f)
{
  f->x0 = MARGIN_LEFT;
  f->x1 = MAX (width - MARGIN_RIGHT, f->x0 + 1);
  f->y0 = MARGIN_TOP;
  f->y1 = MAX (height - MARGIN_BOTTOM, f->y0 + 1);
  compute_x_scale (self, &f->xs);
  {
    g_autofree TbChartItem *items = g_new0 (TbChartItem, MAX (self->points->len, 1));

    for (guint i = 0; i < self->points->len; i++)
      {
        const TbChartPoint *p = g_ptr_array_index (self->points, i);

        items[i].score = p->score;
        items[i].has_interval = p->has_interval;
        items[i].low = p->ci_low;
        items[i].high = p->ci_high;
      }
    tb_chart_axis_for_scores (&f->ys, items, self->points->len);
  }
}

static char *
format_tick (double value,
             double step)
{
  int decimals;

  if (value == 0)
    return g_strdup ("$0");
  decimals = (int) MAX (0, -floor (log10 (step) + 1e-9));
  /* a step such as 0.25 needs one digit more than its magnitude says */
  if (fabs (step * pow (10, decimals) - round (step * pow (10, decimals))) > 1e-6)
    decimals++;
  return g_strdup_printf ("$%.*f", MIN (decimals, 8), value);
}

static void
update_front (TbScoreChart *self)
{
  guint n = self->points->len;

  g_clear_pointer (&self->on_front, g_free);
  self->on_front = g_new0 (gboolean, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      TbChartPoint *p = g_ptr_array_index (self->points, i);
      gboolean dominated = FALSE;

      for (guint j = 0; j < n && !dominated; j++)
        {
          TbChartPoint *q = g_ptr_array_index (self->points, j);

          if (j == i)
            continue;
          if (q->score >= p->score && q->cost_usd <= p->cost_usd
              && (q->score > p->score || q->cost_usd < p->cost_usd))
            dominated = TRUE;
        }
      self->on_front[i] = !dominated;
    }
}

static int
compare_by_cost (gconstpointer a,
                 gconstpointer b)
{
  const TbChartPoint *pa = *(TbChartPoint * const *) a;
  const TbChartPoint *pb = *(TbChartPoint * const *) b;

  if (pa->cost_usd != pb->cost_usd)
    return pa->cost_usd < pb->cost_usd ? -1 : 1;
  if (pa->score != pb->score)
    return pa->score < pb->score ? -1 : 1;
  return g_strcmp0 (pa->label, pb->label);
}

/* The front's points, cheapest first (borrowed TbChartPoint*). */
static GPtrArray *
front_points (TbScoreChart *self)
{
  GPtrArray *front = g_ptr_array_new ();

  for (guint i = 0; i < self->points->len; i++)
    if (self->on_front[i])
      g_ptr_array_add (front, g_ptr_array_index (self->points, i));
  g_ptr_array_sort (front, compare_by_cost);
  return front;
}

char **
tb_score_chart_get_pareto (TbScoreChart *self)
{
  g_autoptr(GPtrArray) front = NULL;
  GStrvBuilder *builder;
  char **labels;

  g_return_val_if_fail (TB_IS_SCORE_CHART (self), NULL);

  front = front_points (self);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < front->len; i++)
    g_strv_builder_add (builder, ((TbChartPoint *) g_ptr_array_index (front, i))->label);
  labels = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return labels;
}

guint
tb_score_chart_get_n_points (TbScoreChart *self)
{
  g_return_val_if_fail (TB_IS_SCORE_CHART (self), 0);
  return self->points->len;
}

void
tb_score_chart_set_points (TbScoreChart *self,
                           GPtrArray    *points)
{
  g_autofree char *description = NULL;

  g_return_if_fail (TB_IS_SCORE_CHART (self));

  g_ptr_array_set_size (self->points, 0);
  for (guint i = 0; points != NULL && i < points->len; i++)
    {
      TbChartPoint *p = g_ptr_array_index (points, i);

      TbChartPoint *copy = tb_chart_point_new (p->label, p->score, p->cost_usd);

      if (p->has_interval)
        tb_chart_point_set_interval (copy, p->ci_low, p->ci_high);
      g_ptr_array_add (self->points, copy);
    }
  update_front (self);

  description = g_strdup_printf (ngettext ("Score against cost for %u model",
                                           "Score against cost for %u models",
                                           self->points->len),
                                 self->points->len);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, description,
                                  -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
get_colors (TbScoreChart *self,
            GdkRGBA      *fg,
            GdkRGBA      *accent)
{
  GtkStyleContext *context;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  context = gtk_widget_get_style_context (GTK_WIDGET (self));
  gtk_style_context_get_color (context, fg);
  /* libadwaita 1.2 publishes its accent as a named colour; it is lighter in dark style */
  if (!gtk_style_context_lookup_color (context, "accent_color", accent))
    gdk_rgba_parse (accent, "#3584e4");
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
set_source (cairo_t       *cr,
            const GdkRGBA *color,
            double         alpha)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha * alpha);
}

static PangoLayout *
small_layout (TbScoreChart *self,
              const char   *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (0.85));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

static void
show_text (cairo_t       *cr,
           PangoLayout   *layout,
           double         x,
           double         y)
{
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
}

static gboolean
rect_overlaps (const graphene_rect_t *r,
               GArray                *placed)
{
  for (guint i = 0; i < placed->len; i++)
    if (graphene_rect_intersection (r, &g_array_index (placed, graphene_rect_t, i), NULL))
      return TRUE;
  return FALSE;
}

static void
draw_axes (TbScoreChart  *self,
           cairo_t       *cr,
           const Frame   *f,
           const GdkRGBA *fg)
{
  g_autoptr(PangoLayout) title = NULL;
  int w, h;

  cairo_set_line_width (cr, 1);

  /* y: the scores' range, a gridline on each tick; the bottom one is the axis */
  for (guint t = 0; t < f->ys.n_ticks; t++)
    {
      g_autoptr(PangoLayout) layout = NULL;
      g_autofree char *text = g_strdup_printf ("%.0f", f->ys.ticks[t]);
      double y = round (map_y (f, f->ys.ticks[t])) + 0.5;

      set_source (cr, fg, t == 0 ? 0.35 : 0.12);
      cairo_move_to (cr, f->x0, y);
      cairo_line_to (cr, f->x1, y);
      cairo_stroke (cr);

      layout = small_layout (self, text);
      pango_layout_get_pixel_size (layout, &w, &h);
      set_source (cr, fg, 0.6);
      show_text (cr, layout, f->x0 - 8 - w, y - h / 2.0);
    }

  /* x: cost ticks */
  if (f->xs.log)
    {
      int d0 = (int) ceil (log10 (f->xs.lo));
      int d1 = (int) floor (log10 (f->xs.hi));
      int every = (d1 - d0) > 6 ? 2 : 1;

      for (int d = d0; d <= d1; d += every)
        {
          g_autoptr(PangoLayout) layout = NULL;
          double v = pow (10, d);
          g_autofree char *text = format_tick (v, v);
          double x = round (map_x (f, v)) + 0.5;

          set_source (cr, fg, 0.12);
          cairo_move_to (cr, x, f->y0);
          cairo_line_to (cr, x, f->y1);
          cairo_stroke (cr);

          layout = small_layout (self, text);
          pango_layout_get_pixel_size (layout, &w, &h);
          set_source (cr, fg, 0.6);
          show_text (cr, layout, CLAMP (x - w / 2.0, 0, f->x1 + MARGIN_RIGHT - w),
                     f->y1 + 6);
        }
    }
  else
    {
      guint n = (guint) round ((f->xs.hi - f->xs.lo) / f->xs.step);

      for (guint i = 0; i <= n; i++)
        {
          g_autoptr(PangoLayout) layout = NULL;
          double v = f->xs.lo + i * f->xs.step;
          g_autofree char *text = format_tick (v, f->xs.step);
          double x = round (map_x (f, v)) + 0.5;

          set_source (cr, fg, i == 0 ? 0.35 : 0.12);
          cairo_move_to (cr, x, f->y0);
          cairo_line_to (cr, x, f->y1);
          cairo_stroke (cr);

          layout = small_layout (self, text);
          pango_layout_get_pixel_size (layout, &w, &h);
          set_source (cr, fg, 0.6);
          show_text (cr, layout, CLAMP (x - w / 2.0, 0, f->x1 + MARGIN_RIGHT - w),
                     f->y1 + 6);
        }
    }

  title = small_layout (self, f->xs.log ? _("Cost per input (USD, log scale)")
                                        : _("Cost per input (USD)"));
  pango_layout_get_pixel_size (title, &w, &h);
  set_source (cr, fg, 0.75);
  show_text (cr, title, (f->x0 + f->x1 - w) / 2.0, f->y1 + 8 + h);
}

/* One legend item: a glyph and its text. */
typedef enum {
  GLYPH_DOT,
  GLYPH_FRONT,
  GLYPH_INTERVAL,
} Glyph;

#define GLYPH_W (2 * FRONT_RADIUS)

static void
draw_glyph (cairo_t       *cr,
            Glyph          glyph,
            double         x,
            double         y,
            const GdkRGBA *fg,
            const GdkRGBA *accent)
{
  switch (glyph)
    {
    case GLYPH_DOT:
      set_source (cr, fg, 0.55);
      cairo_arc (cr, x + GLYPH_W / 2, y, DOT_RADIUS, 0, 2 * G_PI);
      cairo_fill (cr);
      break;
    case GLYPH_FRONT:
      set_source (cr, accent, 1);
      cairo_arc (cr, x + GLYPH_W / 2, y, FRONT_RADIUS, 0, 2 * G_PI);
      cairo_fill (cr);
      break;
    case GLYPH_INTERVAL:
    default:
      set_source (cr, fg, 0.6);
      cairo_set_line_width (cr, 1.5);
      cairo_move_to (cr, x + GLYPH_W / 2, y - 6);
      cairo_line_to (cr, x + GLYPH_W / 2, y + 6);
      cairo_move_to (cr, x + GLYPH_W / 2 - 3, y - 6);
      cairo_line_to (cr, x + GLYPH_W / 2 + 3, y - 6);
      cairo_move_to (cr, x + GLYPH_W / 2 - 3, y + 6);
      cairo_line_to (cr, x + GLYPH_W / 2 + 3, y + 6);
      cairo_stroke (cr);
      break;
    }
}

static gboolean
any_interval (TbScoreChart *self)
{
  for (guint i = 0; i < self->points->len; i++)
    if (((TbChartPoint *) g_ptr_array_index (self->points, i))->has_interval)
      return TRUE;
  return FALSE;
}

/* The legend, right-aligned on the top line; shorter words, then fewer items, when the
 * chart is narrow (a phone), so it never runs into the axis title. */
static void
draw_legend (TbScoreChart  *self,
             cairo_t       *cr,
             const Frame   *f,
             const GdkRGBA *fg,
             const GdkRGBA *accent)
{
  g_autoptr(PangoLayout) score = small_layout (self, _("Score"));
  const char *long_texts[] = { _("Model"), _("Pareto front: best score for the cost"),
                               _("95% interval of the mean") };
  const char *short_texts[] = { _("Model"), _("Pareto front"), _("95% interval") };
  Glyph glyphs[] = { GLYPH_DOT, GLYPH_FRONT, GLYPH_INTERVAL };
  guint n_items = any_interval (self) ? 3 : 2;
  int score_w, h;
  double available, x, y;

  pango_layout_get_pixel_size (score, &score_w, &h);
  set_source (cr, fg, 0.75);
  show_text (cr, score, 4, 6);
  available = f->x1 - (4 + score_w + 16);
  y = 6 + h / 2.0;

  for (guint attempt = 0; attempt < 3; attempt++)
    {
      const char **texts = attempt == 0 ? long_texts : short_texts;
      /* The third attempt leaves out the plain dot: every point is a model. */
      guint first = attempt == 2 ? 1 : 0;
      PangoLayout *layouts[3] = { NULL, NULL, NULL };
      double width = 0;

      for (guint i = first; i < n_items; i++)
        {
          int w;

          layouts[i] = small_layout (self, texts[i]);
          pango_layout_get_pixel_size (layouts[i], &w, NULL);
          width += (i > first ? 18 : 0) + GLYPH_W + 6 + w;
        }
      if (width <= available || attempt == 2)
        {
          x = MAX (f->x1 - width, 4 + score_w + 16);
          for (guint i = first; i < n_items; i++)
            {
              int w;

              pango_layout_get_pixel_size (layouts[i], &w, NULL);
              draw_glyph (cr, glyphs[i], x, y, fg, accent);
              x += GLYPH_W + 6;
              set_source (cr, fg, 0.75);
              show_text (cr, layouts[i], x, 6);
              x += w + 18;
            }
        }
      for (guint i = 0; i < 3; i++)
        g_clear_object (&layouts[i]);
      if (width <= available)
        break;
    }
}

/* A vertical bar from the low to the high end of the interval, with caps. */
static void
draw_interval (cairo_t            *cr,
               const Frame        *f,
               const TbChartPoint *p,
               const GdkRGBA      *color,
               GArray             *placed)
{
  double x = map_x (f, p->cost_usd);
  double top = map_y (f, p->ci_high), bottom = map_y (f, p->ci_low);
  graphene_rect_t rect;

  set_source (cr, color, 0.6);
  cairo_set_line_width (cr, 1.5);
  cairo_move_to (cr, x, top);
  cairo_line_to (cr, x, bottom);
  cairo_move_to (cr, x - 4, top);
  cairo_line_to (cr, x + 4, top);
  cairo_move_to (cr, x - 4, bottom);
  cairo_line_to (cr, x + 4, bottom);
  cairo_stroke (cr);

  graphene_rect_init (&rect, x - 4, top, 8, MAX (bottom - top, 1));
  g_array_append_val (placed, rect);
}

static void
tb_score_chart_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  TbScoreChart *self = TB_SCORE_CHART (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  g_autoptr(GPtrArray) front = NULL;
  g_autoptr(GArray) placed = NULL;
  GdkRGBA fg, accent;
  Frame f;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  get_colors (self, &fg, &accent);
  compute_frame (self, width, height, &f);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  draw_axes (self, cr, &f, &fg);

  if (self->points->len == 0)
    {
      g_autoptr(PangoLayout) empty = gtk_widget_create_pango_layout (widget,
                                                                      _("No scores to plot"));
      int w, h;

      pango_layout_get_pixel_size (empty, &w, &h);
      set_source (cr, &fg, 0.55);
      show_text (cr, empty, (f.x0 + f.x1 - w) / 2.0, (f.y0 + f.y1 - h) / 2.0);
      cairo_destroy (cr);
      return;
    }

  draw_legend (self, cr, &f, &fg, &accent);

  /* the front as a line under the dots */
  front = front_points (self);
  if (front->len > 1)
    {
      set_source (cr, &accent, 0.7);
      cairo_set_line_width (cr, 2);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      for (guint i = 0; i < front->len; i++)
        {
          TbChartPoint *p = g_ptr_array_index (front, i);

          if (i == 0)
            cairo_move_to (cr, map_x (&f, p->cost_usd), map_y (&f, p->score));
          else
            cairo_line_to (cr, map_x (&f, p->cost_usd), map_y (&f, p->score));
        }
      cairo_stroke (cr);
    }

  placed = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));

  /* the intervals under the dots; labels avoid them too */
  for (guint i = 0; i < self->points->len; i++)
    {
      TbChartPoint *p = g_ptr_array_index (self->points, i);

      if (p->has_interval)
        draw_interval (cr, &f, p, self->on_front[i] ? &accent : &fg, placed);
    }

  /* dots first, so labels can avoid every dot */
  for (guint i = 0; i < self->points->len; i++)
    {
      TbChartPoint *p = g_ptr_array_index (self->points, i);
      double x = map_x (&f, p->cost_usd), y = map_y (&f, p->score);
      double r = self->on_front[i] ? FRONT_RADIUS : DOT_RADIUS;
      graphene_rect_t rect;

      if (self->on_front[i])
        set_source (cr, &accent, 1);
      else
        set_source (cr, &fg, 0.55);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      cairo_fill (cr);

      graphene_rect_init (&rect, x - r, y - r, 2 * r, 2 * r);
      g_array_append_val (placed, rect);
    }

  /* labels: the front's first so they win a crowded spot; a label that fits nowhere is left
   * out (the tooltip still names the dot) */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->points->len; i++)
      {
        TbChartPoint *p = g_ptr_array_index (self->points, i);
        g_autoptr(PangoLayout) layout = NULL;
        double x = map_x (&f, p->cost_usd), y = map_y (&f, p->score);
        double r = (self->on_front[i] ? FRONT_RADIUS : DOT_RADIUS) + 4;
        int w, h;

        if ((pass == 0) != self->on_front[i])
          continue;

        layout = small_layout (self, p->label);
        pango_layout_set_width (layout, LABEL_MAX_PX * PANGO_SCALE);
        pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_MIDDLE);
        pango_layout_get_pixel_size (layout, &w, &h);

        {
          double cand[4][2] = {
            { x + r, y - h / 2.0 },
            { x - r - w, y - h / 2.0 },
            { x - w / 2.0, y - r - h },
            { x - w / 2.0, y + r },
          };

          for (guint c = 0; c < G_N_ELEMENTS (cand); c++)
            {
              graphene_rect_t rect;

              graphene_rect_init (&rect, cand[c][0], cand[c][1], w, h);
              if (rect.origin.x < 2 || rect.origin.x + w > width - 2
                  || rect.origin.y < f.y0 - 6 || rect.origin.y + h > f.y1 + 2)
                continue;
              if (rect_overlaps (&rect, placed))
                continue;

              set_source (cr, self->on_front[i] ? &accent : &fg, self->on_front[i] ? 1 : 0.8);
              show_text (cr, layout, rect.origin.x, rect.origin.y);
              g_array_append_val (placed, rect);
              break;
            }
        }
      }

  cairo_destroy (cr);
}

static gboolean
tb_score_chart_query_tooltip (GtkWidget  *widget,
                              int         x,
                              int         y,
                              gboolean    keyboard,
                              GtkTooltip *tooltip)
{
  TbScoreChart *self = TB_SCORE_CHART (widget);
  TbChartPoint *best = NULL;
  double best_d = 12 * 12;
  Frame f;

  compute_frame (self, gtk_widget_get_width (widget), gtk_widget_get_height (widget), &f);
  for (guint i = 0; i < self->points->len; i++)
    {
      TbChartPoint *p = g_ptr_array_index (self->points, i);
      double dx = map_x (&f, p->cost_usd) - x, dy = map_y (&f, p->score) - y;

      if (dx * dx + dy * dy < best_d)
        {
          best_d = dx * dx + dy * dy;
          best = p;
        }
    }

  if (best != NULL)
    {
      g_autofree char *text = NULL;

      g_autofree char *usd = tb_format_usd (best->cost_usd);

      if (best->has_interval)
        /* Translators: model, mean score out of 100 with its 95% interval, cost per input */
        text = g_strdup_printf (_("%s\nScore %.1f (95%% interval %.1f–%.1f) · %s per input"),
                                best->label, best->score, best->ci_low, best->ci_high, usd);
      else
        /* Translators: model, score out of 100, cost per input in US dollars */
        text = g_strdup_printf (_("%s\nScore %.1f · %s per input"), best->label, best->score,
                                usd);
      gtk_tooltip_set_text (tooltip, text);
      return TRUE;
    }
  return FALSE;
}

static void
tb_score_chart_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = MIN_WIDTH;
      *natural = 560;
    }
  else
    {
      *minimum = MIN_HEIGHT;
      *natural = 300;
    }
}

static void
tb_score_chart_css_changed (GtkWidget         *widget,
                            GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (tb_score_chart_parent_class)->css_changed (widget, change);
  /* colours are read while drawing, so a light/dark switch needs a new frame */
  gtk_widget_queue_draw (widget);
}

static void
tb_score_chart_finalize (GObject *object)
{
  TbScoreChart *self = TB_SCORE_CHART (object);

  g_clear_pointer (&self->points, g_ptr_array_unref);
  g_clear_pointer (&self->on_front, g_free);

  G_OBJECT_CLASS (tb_score_chart_parent_class)->finalize (object);
}

static void
tb_score_chart_class_init (TbScoreChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tb_score_chart_finalize;
  widget_class->snapshot = tb_score_chart_snapshot;
  widget_class->measure = tb_score_chart_measure;
  widget_class->query_tooltip = tb_score_chart_query_tooltip;
  widget_class->css_changed = tb_score_chart_css_changed;

  gtk_widget_class_set_css_name (widget_class, "scorechart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
tb_score_chart_init (TbScoreChart *self)
{
  self->points = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_chart_point_free);
  self->on_front = g_new0 (gboolean, 1);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Score against cost"),
                                  -1);
}

GtkWidget *
tb_score_chart_new (void)
{
  return g_object_new (TB_TYPE_SCORE_CHART, NULL);
}
