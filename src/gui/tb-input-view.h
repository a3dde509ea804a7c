/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tb-testset.h"

G_BEGIN_DECLS

#define TB_TYPE_INPUT_VIEW (tb_input_view_get_type ())
G_DECLARE_FINAL_TYPE (TbInputView, tb_input_view, TB, INPUT_VIEW, AdwBin)

GtkWidget   *tb_input_view_new         (void);

/* Reads the file in a thread, by the core's rules for an input (tb_test_input_read); a
 * binary or empty file is refused with a message in the view and the previous input stays.
 * Drops on the view call this too. Emits ::changed when an input was taken, ::failed
 * (message) when refused. */
void         tb_input_view_load_file   (TbInputView *self,
                                        GFile       *file);

gboolean     tb_input_view_has_input   (TbInputView *self);
const char  *tb_input_view_get_name    (TbInputView *self);
/* The bytes as read (NUL-terminated); `length` nullable. */
const char  *tb_input_view_get_text    (TbInputView *self,
                                        gsize       *length);
/* A copy of the input to run, or NULL. */
TbTestInput *tb_input_view_dup_input   (TbInputView *self);
gint64       tb_input_view_get_tokens  (TbInputView *self);
/* The message of the last refused file, NULL when the last load worked. */
const char  *tb_input_view_get_error   (TbInputView *self);
void         tb_input_view_clear       (TbInputView *self);

G_END_DECLS
