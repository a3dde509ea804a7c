/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tb-usecase.h"

G_BEGIN_DECLS

#define TB_TYPE_USECASE_EDITOR (tb_usecase_editor_get_type ())
G_DECLARE_FINAL_TYPE (TbUsecaseEditor, tb_usecase_editor, TB, USECASE_EDITOR, AdwBin)

GtkWidget   *tb_usecase_editor_new          (void);

/* Shows the file's text; a broken file opens on the YAML tab with its error. */
gboolean     tb_usecase_editor_load         (TbUsecaseEditor *self,
                                             const char      *id,
                                             const char      *path,
                                             GError         **error);
void         tb_usecase_editor_clear        (TbUsecaseEditor *self);

const char  *tb_usecase_editor_get_id       (TbUsecaseEditor *self);
/* Unsaved edits. */
gboolean     tb_usecase_editor_is_dirty     (TbUsecaseEditor *self);
/* The text parses (after any pending validation). */
gboolean     tb_usecase_editor_is_valid     (TbUsecaseEditor *self);
/* The last valid parse of the text being edited, or NULL. */
TbUsecase   *tb_usecase_editor_get_usecase  (TbUsecaseEditor *self);
/* The validation message shown, or NULL. */
const char  *tb_usecase_editor_get_error    (TbUsecaseEditor *self);
/* The YAML text as it stands. */
char        *tb_usecase_editor_dup_text     (TbUsecaseEditor *self);

/* Runs a pending (debounced) validation now. */
void         tb_usecase_editor_validate_now (TbUsecaseEditor *self);

/* Writes the file atomically, only when valid (else TB_ERROR_INVALID with the message). */
gboolean     tb_usecase_editor_save         (TbUsecaseEditor *self,
                                             GError         **error);

G_END_DECLS
