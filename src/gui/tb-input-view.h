/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tb-testset.h"
#include "tb-usecase.h"

G_BEGIN_DECLS

/* The Run page's test set: the inputs every model answers (name, size, tokens, whether a
 * reference is attached, each with its remove button) and the repeat count. Files and
 * folders dropped or chosen are read in a thread by the core's rules for a test set
 * (tb_test_set_from_paths: a folder gives its files, a sibling <stem>.reference.<ext> is a
 * reference); one file that is not text refuses the lot, with the reason shown in the view,
 * and the inputs already there stay. A use case that lists its own inputs starts with them
 * (tb_test_set_from_usecase). Emits ::changed when the inputs or the repeat count change,
 * ::failed (message) when files were refused. */
#define TB_TYPE_INPUT_VIEW (tb_input_view_get_type ())
G_DECLARE_FINAL_TYPE (TbInputView, tb_input_view, TB, INPUT_VIEW, AdwBin)

GtkWidget   *tb_input_view_new         (void);

/* Adds files and folders (GFile*) to the test set, read in a thread. */
void         tb_input_view_add_files   (TbInputView *self,
                                        GListModel  *files);
/* One file or folder: what a drop of one item does. */
void         tb_input_view_load_file   (TbInputView *self,
                                        GFile       *file);
/* The inputs of `usecase` (nullable: none), and its repeat count; read in a thread. */
void         tb_input_view_set_usecase (TbInputView *self,
                                        TbUsecase   *usecase);
void         tb_input_view_remove      (TbInputView *self,
                                        guint        position);
void         tb_input_view_clear       (TbInputView *self);

gboolean     tb_input_view_has_input   (TbInputView *self);
guint        tb_input_view_get_n_inputs (TbInputView *self);
/* The name of the input at `position`, or NULL. */
const char  *tb_input_view_get_name    (TbInputView *self,
                                        guint        position);
/* Copies of the inputs to run (TbTestInput*); empty when there is none. */
GPtrArray   *tb_input_view_dup_inputs  (TbInputView *self);
/* The largest input's estimated tokens: what a model's context must take. */
gint64       tb_input_view_get_tokens  (TbInputView *self);
guint        tb_input_view_get_repeat  (TbInputView *self);
void         tb_input_view_set_repeat  (TbInputView *self,
                                        guint        repeat);
/* The message of the last refused files, NULL when the last read worked. */
const char  *tb_input_view_get_error   (TbInputView *self);
/* A read is under way. */
gboolean     tb_input_view_is_loading  (TbInputView *self);

G_END_DECLS
