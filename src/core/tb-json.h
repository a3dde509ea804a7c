/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tb-json-reader.h"

G_BEGIN_DECLS

/* The core's one set of JSON readers and writers.
 *
 * Readers are tolerant: a member that is absent, null or of the wrong type reads as absent,
 * never as a crash or a CRITICAL, so a hand-edited or older file degrades field by field.
 * Numbers read as numbers only when finite. Writers never produce text that does not parse
 * back: a non-finite double is written as null, and an amount (money) goes through the
 * amount gate (tb-amount.h). */

JsonNode   *tb_json_member        (JsonObject *object,
                                   const char *name);
const char *tb_json_get_string    (JsonObject *object,
                                   const char *name);
/* FALSE when absent or not a finite number. */
gboolean    tb_json_get_double    (JsonObject *object,
                                   const char *name,
                                   double     *value);
gint64      tb_json_get_int       (JsonObject *object,
                                   const char *name,
                                   gint64      fallback);
gboolean    tb_json_get_bool      (JsonObject *object,
                                   const char *name,
                                   gboolean    fallback);
/* A whole number ≥ 0 that we wrote (a count in a record): `fallback` when absent, clamped
 * to 0 … G_MAXINT. */
guint       tb_json_get_uint      (JsonObject *object,
                                   const char *name,
                                   guint       fallback);
/* A count a server sends (tokens, milliseconds, a context length): a finite number ≥ 0 that
 * fits a gint64, as an integer, a double or (some servers) a numeric string; `fallback`
 * otherwise. */
gint64      tb_json_get_count     (JsonObject *object,
                                   const char *name,
                                   gint64      fallback);
/* FALSE (unknown) unless a finite number ≥ 0. */
gboolean    tb_json_get_amount    (JsonObject *object,
                                   const char *name,
                                   double     *value);
JsonObject *tb_json_get_object    (JsonObject *object,
                                   const char *name);
JsonArray  *tb_json_get_array     (JsonObject *object,
                                   const char *name);
/* The string elements of an array member; NULL when absent or not an array. */
GStrv       tb_json_get_strv      (JsonObject *object,
                                   const char *name);
/* Whether an array holds the string `wanted`. */
gboolean    tb_json_array_has_string (JsonArray *array,
                                      const char *wanted);
/* The object element of an array, or NULL. */
JsonObject *tb_json_array_object  (JsonArray  *array,
                                   guint       index);
/* The string value of an array element, or NULL. */
const char *tb_json_array_string  (JsonArray  *array,
                                   guint       index);

void        tb_json_add_string    (JsonBuilder *builder,
                                   const char  *name,
                                   const char  *value);    /* null when NULL */
void        tb_json_add_strv      (JsonBuilder *builder,
                                   const char  *name,
                                   const char * const *values);  /* [] when NULL */
void        tb_json_add_int       (JsonBuilder *builder,
                                   const char  *name,
                                   gint64       value);
void        tb_json_add_double    (JsonBuilder *builder,
                                   const char  *name,
                                   double       value);    /* null when not finite */
void        tb_json_add_amount    (JsonBuilder *builder,
                                   const char  *name,
                                   gboolean     known,
                                   double       value);    /* null when unknown or invalid */
void        tb_json_add_bool      (JsonBuilder *builder,
                                   const char  *name,
                                   gboolean     value);
void        tb_json_add_null      (JsonBuilder *builder,
                                   const char  *name);
/* Takes ownership of `node`; null when NULL. */
void        tb_json_add_node      (JsonBuilder *builder,
                                   const char  *name,
                                   JsonNode    *node);

/* JSON text of `node` (2-space indent when pretty), always valid JSON: it works around
 * json-glib 1.6 writing small doubles as "2e-08.0", and writes a non-finite double, which
 * json-glib would write as "inf.0", as null. */
char       *tb_json_to_string     (JsonNode    *node,
                                   gboolean     pretty);
/* Appends `node` as tb_json_to_string (…, TRUE) writes it, but as it reads `depth` levels
 * deep in a larger document: a document written piece by piece this way is the same text
 * as the whole tree would give, without the whole tree ever being in memory. */
void        tb_json_append_pretty (GString     *out,
                                   JsonNode    *node,
                                   guint        depth);

/* `text` with the non-finite numbers some writers put in JSON — NaN, Infinity, -Infinity
 * (Python's json module), nan.0, inf.0, -inf.0 (json-glib 1.6, and so files of older
 * TaskBench versions) — replaced by null outside strings, so that such a number reads as
 * absent (an unknown amount) instead of making the whole document unreadable. Linear in
 * the length. NULL when there is none; else a copy, its length in `*out_length`. */
char       *tb_json_null_non_finite (const char *text,
                                     gsize       length,
                                     gsize      *out_length);

/* Arrays and objects nested deeper than this are refused before json-glib sees them: its
 * parser recurses once per level, and some hundred thousand levels (a few hundred KB of
 * "[[[[…") overflow the stack — a model's degenerate answer or a broken file would end the
 * process. */
#define TB_JSON_MAX_DEPTH 1000

/* json_parser_load_from_data, refusing text nested deeper than TB_JSON_MAX_DEPTH
 * (JSON_PARSER_ERROR_PARSE) in a linear pre-pass that reads strings and comments as
 * json-glib does. Every parse of text TaskBench did not make itself goes through here. */
gboolean    tb_json_parser_load   (JsonParser  *parser,
                                   const char  *data,
                                   gssize       length,
                                   GError     **error);

/* Parses text (non-finite numbers read as null, see above); the root must be an object or
 * an array. Errors name `what` (a path). */
JsonNode   *tb_json_parse         (const char  *text,
                                   gssize       length,
                                   const char  *what,
                                   GError     **error);

/* Reads and parses a regular file of at most `max_bytes`. */
JsonNode   *tb_json_read_file     (const char  *path,
                                   gsize        max_bytes,
                                   GError     **error);

/* As tb_json_parse and tb_json_read_file, with the elements of the root's arrays named in
 * `streamed` handed to `func` as they are read (tb_json_read_document_streamed). */
JsonNode   *tb_json_parse_streamed     (const char          *text,
                                        gssize               length,
                                        const char          *what,
                                        const char * const  *streamed,
                                        TbJsonElementFunc    func,
                                        gpointer             user_data,
                                        GError             **error);
JsonNode   *tb_json_read_file_streamed (const char          *path,
                                        gsize                max_bytes,
                                        const char * const  *streamed,
                                        TbJsonElementFunc    func,
                                        gpointer             user_data,
                                        GError             **error);

/* Writes pretty JSON with a final newline, atomically. */
gboolean    tb_json_write_file    (const char  *path,
                                   JsonNode    *node,
                                   GError     **error);
/* The same, only when `path` does not exist yet (G_FILE_ERROR_EXIST when it does); the
 * file appears whole or not at all (see tb_write_file_exclusive). */
gboolean    tb_json_write_new_file (const char  *path,
                                    JsonNode    *node,
                                    GError     **error);

G_END_DECLS
