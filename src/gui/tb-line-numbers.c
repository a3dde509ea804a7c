/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-line-numbers"

#include "config.h"

#include "tb-line-numbers.h"

#define PAD 8

struct _TbLineNumbers
{
  GtkWidget    parent_instance;

  GtkTextView *view;        /* owns this gutter */
  GtkTextTag  *error_tag;   /* owned by the view's tag table */
  guint        error_line;
};

G_DEFINE_FINAL_TYPE (TbLineNumbers, tb_line_numbers, GTK_TYPE_WIDGET)

static PangoLayout *
number_layout (TbLineNumbers *self,
               guint          line)
{
  char text[16];

  g_snprintf (text, sizeof text, "%u", line);
  return gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
}

static void
tb_line_numbers_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  TbLineNumbers *self = TB_LINE_NUMBERS (widget);

  *minimum = *natural = 0;
  if (orientation == GTK_ORIENTATION_HORIZONTAL && self->view != NULL)
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->view);
      /* As wide as the widest number, and never narrower than two digits. */
      guint lines = MAX (99, gtk_text_buffer_get_line_count (buffer));
      g_autoptr(PangoLayout) layout = number_layout (self, lines);
      int width;

      pango_layout_get_pixel_size (layout, &width, NULL);
      *minimum = *natural = width + 2 * PAD;
    }
}

static void
tb_line_numbers_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  TbLineNumbers *self = TB_LINE_NUMBERS (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GdkRectangle visible;
  GtkTextIter iter;
  GdkRGBA color;
  GdkRGBA error_color = { 0.75, 0.11, 0.16, 1 };
  int top;

  if (self->view == NULL)
    return;

  {
    /* GTK 4.8 has no gtk_widget_get_color (). */
    GtkStyleContext *style = gtk_widget_get_style_context (widget);

    gtk_style_context_get_color (style, &color);
    gtk_style_context_lookup_color (style, "error_color", &error_color);
  }

  gtk_text_view_get_visible_rect (self->view, &visible);
  gtk_text_view_get_line_at_y (self->view, &iter, visible.y, &top);
  for (;;)
    {
      int y, line_height, window_y;
      guint line = gtk_text_iter_get_line (&iter) + 1;
      g_autoptr(PangoLayout) layout = number_layout (self, line);
      int text_width;
      gboolean is_error = line == self->error_line;

      gtk_text_view_get_line_yrange (self->view, &iter, &y, &line_height);
      gtk_text_view_buffer_to_window_coords (self->view, GTK_TEXT_WINDOW_LEFT, 0, y, NULL,
                                             &window_y);
      if (window_y > height)
        break;
      if (is_error)
        {
          PangoAttrList *attrs = pango_attr_list_new ();

          pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
          pango_layout_set_attributes (layout, attrs);
          pango_attr_list_unref (attrs);
        }
      pango_layout_get_pixel_size (layout, &text_width, NULL);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot,
                              &GRAPHENE_POINT_INIT (width - PAD - text_width, window_y));
      if (is_error)
        gtk_snapshot_append_layout (snapshot, layout, &error_color);
      else
        {
          GdkRGBA dim = color;

          dim.alpha *= 0.55;
          gtk_snapshot_append_layout (snapshot, layout, &dim);
        }
      gtk_snapshot_restore (snapshot);
      if (!gtk_text_iter_forward_line (&iter))
        break;
    }
}

static void
redraw (TbLineNumbers *self)
{
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
tb_line_numbers_class_init (TbLineNumbersClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->measure = tb_line_numbers_measure;
  widget_class->snapshot = tb_line_numbers_snapshot;
  gtk_widget_class_set_css_name (widget_class, "linenumbers");
}

static void
tb_line_numbers_init (TbLineNumbers *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self), "monospace");
}

static void
apply_error_tag (TbLineNumbers *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_remove_tag (buffer, self->error_tag, &start, &end);
  if (self->error_line == 0 || (int) self->error_line > gtk_text_buffer_get_line_count (buffer))
    return;
  gtk_text_buffer_get_iter_at_line (buffer, &start, (int) self->error_line - 1);
  end = start;
  if (!gtk_text_iter_ends_line (&end))
    gtk_text_iter_forward_to_line_end (&end);
  gtk_text_buffer_apply_tag (buffer, self->error_tag, &start, &end);
}

TbLineNumbers *
tb_line_numbers_attach (GtkTextView *view)
{
  TbLineNumbers *self;
  GtkTextBuffer *buffer;

  g_return_val_if_fail (GTK_IS_TEXT_VIEW (view), NULL);

  self = g_object_new (TB_TYPE_LINE_NUMBERS, NULL);
  self->view = view;
  buffer = gtk_text_view_get_buffer (view);
  /* paragraph-background spans the whole width of the line, past its last character. */
  self->error_tag = gtk_text_buffer_create_tag (buffer, "error-line",
                                                "paragraph-background", "rgba(224,27,36,0.15)",
                                                NULL);
  gtk_text_view_set_gutter (view, GTK_TEXT_WINDOW_LEFT, GTK_WIDGET (self));
  g_signal_connect_object (buffer, "changed", G_CALLBACK (redraw), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view)),
                           "value-changed", G_CALLBACK (redraw), self, G_CONNECT_SWAPPED);
  return self;
}

void
tb_line_numbers_set_error_line (TbLineNumbers *self,
                                guint          error_line)
{
  g_return_if_fail (TB_IS_LINE_NUMBERS (self));

  self->error_line = error_line;
  apply_error_tag (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
tb_line_numbers_get_error_line (TbLineNumbers *self)
{
  g_return_val_if_fail (TB_IS_LINE_NUMBERS (self), 0);
  return self->error_line;
}
