/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TB_TYPE_LINE_NUMBERS (tb_line_numbers_get_type ())
G_DECLARE_FINAL_TYPE (TbLineNumbers, tb_line_numbers, TB, LINE_NUMBERS, GtkWidget)

/* A line-number gutter for a GtkTextView (GtkSourceView is not a dependency): set it as the
 * view's left gutter. The line `error_line` (1-based; 0 for none) is drawn in the error
 * colour, and the view's text on it gets the "error-line" tag. */
TbLineNumbers *tb_line_numbers_attach         (GtkTextView   *view);
void           tb_line_numbers_set_error_line (TbLineNumbers *self,
                                               guint          error_line);
guint          tb_line_numbers_get_error_line (TbLineNumbers *self);

G_END_DECLS
