/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-heat-map"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "tb-heat-map.h"

#define CELL_W_MIN   64.0
#define CELL_W_MAX  132.0
#define CELL_H       30.0
#define HEADER_H     40.0
#define LABEL_W_MAX 180.0
#define GAP           2.0
#define PAD           6.0

struct _TbHeatMap
{
  GtkWidget  parent_instance;

  guint      n_rows;
  guint      n_columns;
  GStrv      inputs;        /* keys */
  GStrv      input_names;   /* what the rows say */
  GStrv      models;
  double    *cells;         /* [row * n_columns + column], NAN: no score */
  int        focus_row;
  int        focus_column;
};

G_DEFINE_FINAL_TYPE (TbHeatMap, tb_heat_map, GTK_TYPE_WIDGET)

enum {
  SIGNAL_CELL_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct {
  double label_w;
  double cell_w;
} Geometry;

static PangoLayout *
layout_for (TbHeatMap  *self,
            const char *text,
            double      scale)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (scale));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

/* Row labels as wide as the longest name (up to a limit), cells as wide as a model name on
 * two lines needs (within limits). */
static void
compute_geometry (TbHeatMap *self,
                  Geometry  *g)
{
  g->label_w = 60;
  g->cell_w = CELL_W_MIN;
  for (guint r = 0; r < self->n_rows; r++)
    {
      g_autoptr(PangoLayout) layout = layout_for (self, self->input_names[r], 0.9);
      int w;

      pango_layout_get_pixel_size (layout, &w, NULL);
      g->label_w = MAX (g->label_w, MIN (w + 2 * PAD, LABEL_W_MAX));
    }
  for (guint c = 0; c < self->n_columns; c++)
    {
      g_autoptr(PangoLayout) layout = layout_for (self, self->models[c], 0.85);
      int w;

      pango_layout_get_pixel_size (layout, &w, NULL);
      /* two lines of it, about */
      g->cell_w = MAX (g->cell_w, MIN (w / 2.0 + 2 * PAD, CELL_W_MAX));
    }
}

static gboolean
cell_at (TbHeatMap *self,
         double     x,
         double     y,
         guint     *row,
         guint     *column)
{
  Geometry g;
  double cx, cy;

  compute_geometry (self, &g);
  cx = (x - g.label_w) / (g.cell_w + GAP);
  cy = (y - HEADER_H) / (CELL_H + GAP);
  if (cx < 0 || cy < 0 || cx >= self->n_columns || cy >= self->n_rows)
    return FALSE;
  *row = (guint) cy;
  *column = (guint) cx;
  return TRUE;
}

static void
get_colors (TbHeatMap *self,
            GdkRGBA   *fg,
            GdkRGBA   *low,
            GdkRGBA   *high,
            GdkRGBA   *accent)
{
  GtkStyleContext *context;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  context = gtk_widget_get_style_context (GTK_WIDGET (self));
  gtk_style_context_get_color (context, fg);
  if (!gtk_style_context_lookup_color (context, "error_color", low))
    gdk_rgba_parse (low, "#c01c28");
  if (!gtk_style_context_lookup_color (context, "success_color", high))
    gdk_rgba_parse (high, "#26a269");
  if (!gtk_style_context_lookup_color (context, "accent_color", accent))
    gdk_rgba_parse (accent, "#3584e4");
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
tb_heat_map_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  TbHeatMap *self = TB_HEAT_MAP (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  GdkRGBA fg, low, high, accent;
  Geometry g;
  cairo_t *cr;

  if (self->n_rows == 0 || width <= 0 || height <= 0)
    return;
  get_colors (self, &fg, &low, &high, &accent);
  compute_geometry (self, &g);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  /* column headers: the model, on up to two lines */
  for (guint c = 0; c < self->n_columns; c++)
    {
      g_autoptr(PangoLayout) layout = layout_for (self, self->models[c], 0.85);
      int w, h;

      pango_layout_set_width (layout, (int) ((g.cell_w - 4) * PANGO_SCALE));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      pango_layout_set_height (layout, -2);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_MIDDLE);
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      pango_layout_get_pixel_size (layout, &w, &h);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.75);
      cairo_move_to (cr, g.label_w + c * (g.cell_w + GAP) + 2, HEADER_H - 4 - h);
      pango_cairo_show_layout (cr, layout);
    }

  for (guint r = 0; r < self->n_rows; r++)
    {
      double y = HEADER_H + r * (CELL_H + GAP);
      g_autoptr(PangoLayout) name = layout_for (self, self->input_names[r], 0.9);
      int w, h;

      pango_layout_set_width (name, (int) ((g.label_w - 2 * PAD) * PANGO_SCALE));
      pango_layout_set_ellipsize (name, PANGO_ELLIPSIZE_MIDDLE);
      pango_layout_get_pixel_size (name, &w, &h);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.85);
      cairo_move_to (cr, PAD, y + (CELL_H - h) / 2);
      pango_cairo_show_layout (cr, name);

      for (guint c = 0; c < self->n_columns; c++)
        {
          double value = self->cells[r * self->n_columns + c];
          double x = g.label_w + c * (g.cell_w + GAP);
          g_autofree char *text = NULL;
          g_autoptr(PangoLayout) number = NULL;

          if (isnan (value))
            {
              cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.06);
              text = g_strdup ("—");
            }
          else
            {
              /* from the error colour at 40 and below to the success colour at 90 and
               * above, so the usual range of scores is spread over the ramp */
              double t = CLAMP ((value - 40) / 50.0, 0, 1);

              cairo_set_source_rgba (cr, low.red + t * (high.red - low.red),
                                     low.green + t * (high.green - low.green),
                                     low.blue + t * (high.blue - low.blue), 0.35);
              text = g_strdup_printf ("%.0f", value);
            }
          cairo_rectangle (cr, x, y, g.cell_w, CELL_H);
          cairo_fill (cr);

          if ((int) r == self->focus_row && (int) c == self->focus_column
              && gtk_widget_has_focus (widget))
            {
              cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, 1);
              cairo_set_line_width (cr, 2);
              cairo_rectangle (cr, x + 1, y + 1, g.cell_w - 2, CELL_H - 2);
              cairo_stroke (cr);
            }

          number = layout_for (self, text, 0.95);
          pango_layout_get_pixel_size (number, &w, &h);
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, isnan (value) ? 0.5 : 1);
          cairo_move_to (cr, x + (g.cell_w - w) / 2, y + (CELL_H - h) / 2);
          pango_cairo_show_layout (cr, number);
        }
    }
  cairo_destroy (cr);
}

static void
tb_heat_map_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  TbHeatMap *self = TB_HEAT_MAP (widget);
  Geometry g;

  compute_geometry (self, &g);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = self->n_rows == 0 ? 0
                          : (int) ceil (g.label_w + self->n_columns * (g.cell_w + GAP));
  else
    *minimum = *natural = self->n_rows == 0 ? 0
                          : (int) ceil (HEADER_H + self->n_rows * (CELL_H + GAP));
}

static gboolean
tb_heat_map_query_tooltip (GtkWidget  *widget,
                           int         x,
                           int         y,
                           gboolean    keyboard,
                           GtkTooltip *tooltip)
{
  TbHeatMap *self = TB_HEAT_MAP (widget);
  guint row, column;
  g_autofree char *text = NULL;
  double value;

  if (keyboard && self->focus_row >= 0)
    {
      row = self->focus_row;
      column = self->focus_column;
    }
  else if (!cell_at (self, x, y, &row, &column))
    return FALSE;
  value = self->cells[row * self->n_columns + column];
  if (isnan (value))
    /* Translators: a model, an input: no score for that pair */
    text = g_strdup_printf (_("%s on %s: no score"), self->models[column],
                            self->input_names[row]);
  else
    /* Translators: a model, an input, the mean score; a click opens the outputs */
    text = g_strdup_printf (_("%s on %s: %.1f\nClick to compare its outputs"),
                            self->models[column], self->input_names[row], value);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

void
tb_heat_map_activate_cell (TbHeatMap *self,
                           guint      row,
                           guint      column)
{
  g_return_if_fail (TB_IS_HEAT_MAP (self));
  g_return_if_fail (row < self->n_rows && column < self->n_columns);

  self->focus_row = row;
  self->focus_column = column;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SIGNAL_CELL_ACTIVATED], 0, self->inputs[row],
                 self->models[column]);
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            TbHeatMap       *self)
{
  guint row, column;

  if (cell_at (self, x, y, &row, &column))
    {
      gtk_widget_grab_focus (GTK_WIDGET (self));
      tb_heat_map_activate_cell (self, row, column);
    }
}

/* Arrows move between cells, Enter opens one: the map is usable without a pointer. */
static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                TbHeatMap             *self)
{
  int row = MAX (self->focus_row, 0), column = MAX (self->focus_column, 0);

  if (self->n_rows == 0)
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Up:
      row--;
      break;
    case GDK_KEY_Down:
      row++;
      break;
    case GDK_KEY_Left:
      column--;
      break;
    case GDK_KEY_Right:
      column++;
      break;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_space:
      tb_heat_map_activate_cell (self, row, column);
      return TRUE;
    default:
      return FALSE;
    }
  self->focus_row = CLAMP (row, 0, (int) self->n_rows - 1);
  self->focus_column = CLAMP (column, 0, (int) self->n_columns - 1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

static void
clear (TbHeatMap *self)
{
  g_clear_pointer (&self->inputs, g_strfreev);
  g_clear_pointer (&self->input_names, g_strfreev);
  g_clear_pointer (&self->models, g_strfreev);
  g_clear_pointer (&self->cells, g_free);
  self->n_rows = self->n_columns = 0;
  self->focus_row = self->focus_column = -1;
}

void
tb_heat_map_set_matrix (TbHeatMap           *self,
                        const TbScoreMatrix *matrix,
                        const char * const  *input_names)
{
  g_return_if_fail (TB_IS_HEAT_MAP (self));

  clear (self);
  if (matrix != NULL && matrix->n_inputs > 0 && matrix->n_models > 0)
    {
      self->n_rows = matrix->n_inputs;
      self->n_columns = matrix->n_models;
      self->inputs = g_strdupv (matrix->inputs);
      self->input_names = g_strdupv ((char **) (input_names != NULL ? input_names
                                                : (const char * const *) matrix->inputs));
      self->models = g_strdupv (matrix->models);
      self->cells = g_memdup2 (matrix->cells, sizeof (double) * self->n_rows * self->n_columns);
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
tb_heat_map_get_n_rows (TbHeatMap *self)
{
  g_return_val_if_fail (TB_IS_HEAT_MAP (self), 0);
  return self->n_rows;
}

guint
tb_heat_map_get_n_columns (TbHeatMap *self)
{
  g_return_val_if_fail (TB_IS_HEAT_MAP (self), 0);
  return self->n_columns;
}

static void
tb_heat_map_css_changed (GtkWidget         *widget,
                         GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (tb_heat_map_parent_class)->css_changed (widget, change);
  /* colours are read while drawing, so a light/dark switch needs a new frame */
  gtk_widget_queue_draw (widget);
}

static void
tb_heat_map_finalize (GObject *object)
{
  clear (TB_HEAT_MAP (object));
  G_OBJECT_CLASS (tb_heat_map_parent_class)->finalize (object);
}

static void
tb_heat_map_class_init (TbHeatMapClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tb_heat_map_finalize;
  widget_class->snapshot = tb_heat_map_snapshot;
  widget_class->measure = tb_heat_map_measure;
  widget_class->query_tooltip = tb_heat_map_query_tooltip;
  widget_class->css_changed = tb_heat_map_css_changed;

  /* (input key, model) */
  signals[SIGNAL_CELL_ACTIVATED] =
    g_signal_new ("cell-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  gtk_widget_class_set_css_name (widget_class, "heatmap");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
tb_heat_map_init (TbHeatMap *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->focus_row = self->focus_column = -1;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "pointer");
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Scores by input and model"), -1);
}

GtkWidget *
tb_heat_map_new (void)
{
  return g_object_new (TB_TYPE_HEAT_MAP, NULL);
}
