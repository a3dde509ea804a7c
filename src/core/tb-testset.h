/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "tb-usecase.h"

G_BEGIN_DECLS

/* One input of a test set, read and checked, with its reference output when it has one. */
typedef struct {
  char  *key;               /* unique within the test set: the file's stem */
  char  *name;              /* the file's base name */
  char  *path;              /* nullable: where it was read from */
  char  *text;
  gsize  length;
  char  *reference;         /* nullable */
  gsize  reference_length;
  char  *reference_name;    /* nullable: the reference file's base name */
} TbTestInput;

/* Takes copies. `key` NULL: made from the name. */
TbTestInput *tb_test_input_new   (const char  *key,
                                  const char  *name,
                                  const char  *text,
                                  gsize        length);
void         tb_test_input_free  (TbTestInput *input);
void         tb_test_input_set_reference (TbTestInput *input,
                                          const char  *name,
                                          const char  *text,
                                          gsize        length);

/* The largest input or reference read. */
#define TB_TEST_INPUT_MAX_BYTES (64 * 1024 * 1024)

/* Reads one input: a regular file (never a FIFO or a device, which could block or never
 * end) of at most TB_TEST_INPUT_MAX_BYTES that is UTF-8 text. TB_ERROR_INVALID naming the
 * file otherwise. */
TbTestInput *tb_test_input_read  (const char  *path,
                                  GError     **error);
/* Reads a reference output for `input` under the same rules. */
gboolean     tb_test_input_read_reference (TbTestInput *input,
                                           const char  *path,
                                           GError     **error);
/* Reads a text file under the same rules; for any file the user hands in as text. */
char        *tb_read_text_file   (const char  *path,
                                  gsize       *length,
                                  GError     **error);

/* A test set from files and folders named on the command line or dropped in the window:
 * a file is one input; a folder gives every regular file in it, sorted, hidden files
 * skipped, and a file named <stem>.reference.<ext> beside an input is that input's
 * reference. `references` (nullable) are files or folders: one file is the reference of a
 * single input; a folder is matched to the inputs by file stem (<stem>.<ext> or
 * <stem>.reference.<ext>). Every input is read and checked before anything else happens:
 * one bad file fails the whole set with TB_ERROR_INVALID naming it. Keys are unique. */
GPtrArray   *tb_test_set_from_paths      (const char * const *paths,
                                          const char * const *references,
                                          GError            **error);

/* The use case's own test set (its `inputs`, paths relative to the use case file). An error
 * names the use case file and the line of the entry. TB_ERROR_INVALID when it lists
 * none. */
GPtrArray   *tb_test_set_from_usecase    (const TbUsecase    *usecase,
                                          GError            **error);

/* A key made from a file name: its stem, with anything but letters, digits, '.', '-' and
 * '_' made '_' (at most 64 characters, never starting with '.'). */
char        *tb_test_input_key_from_name (const char *name);

/* Gives every input a key no other input of `inputs` has ("notes", "notes-2", …). */
void         tb_test_inputs_make_keys_unique (GPtrArray *inputs);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbTestInput, tb_test_input_free)

G_END_DECLS
