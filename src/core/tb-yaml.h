/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* YAML for configuration files, in two halves.
 *
 * Reading: a document becomes a tree of TbYamlNode that keeps the line of every node, so
 * that every check made after parsing can still say where a problem is ("x.yaml:12: …").
 * It holds what a configuration needs and nothing a reader could trip over: one document
 * of scalars, sequences and mappings with plain-text keys. Aliases, lists or mappings as
 * keys, duplicate keys and nesting deeper than TB_YAML_MAX_DEPTH are errors.
 *
 * Writing: TbYamlWriter emits block YAML that reads back as the same values, whatever
 * reader is used (text that a YAML 1.1 reader would take for a boolean or a number is
 * quoted). */

/* Deep enough for any real JSON Schema; shallow enough that a hostile file cannot blow
 * the stack through the recursive reader (or through anything that walks the tree). */
#define TB_YAML_MAX_DEPTH 64

typedef enum {
  TB_YAML_SCALAR,
  TB_YAML_SEQUENCE,
  TB_YAML_MAPPING,
} TbYamlKind;

typedef struct _TbYamlNode TbYamlNode;

struct _TbYamlNode {
  TbYamlKind  kind;
  gsize       line;       /* 1-based */
  char       *scalar;     /* TB_YAML_SCALAR: the text (never NULL); else NULL */
  gboolean    plain;      /* an unquoted, untagged scalar: may stand for null/bool/number */
  GPtrArray  *children;   /* sequence: items; mapping: key, value, key, value…; scalar: NULL */
};

void         tb_yaml_node_free        (TbYamlNode  *node);

/* Reads the one document of `length` bytes of `text`. `filename` starts every message.
 * A stream without a document is NULL with `error` unset. Errors are TB_ERROR_INVALID,
 * "filename:line: message". Only UTF-8 is read (a UTF-8 byte order mark is skipped):
 * UTF-16 or UTF-32 text, with or without a byte order mark, is "filename is UTF-16 text;
 * save it as UTF-8"; a NUL byte, invalid UTF-8 and a NUL character written as an escape
 * ("\0") are errors naming their line. */
TbYamlNode  *tb_yaml_parse            (const char  *text,
                                       gsize        length,
                                       const char  *filename,
                                       GError     **error);

/* Sets a TB_ERROR_INVALID error "filename:line: message" ("filename: message" when
 * `line` is 0): the one shape of every message about a file's contents. */
void         tb_yaml_set_error        (GError     **error,
                                       const char  *filename,
                                       gsize        line,
                                       const char  *format,
                                       ...) G_GNUC_PRINTF (4, 5);

/* A plain ~, null, Null, NULL or nothing at all. */
gboolean     tb_yaml_node_is_null     (const TbYamlNode *node);

/* A plain true/True/TRUE or false/False/FALSE. */
gboolean     tb_yaml_node_get_boolean (const TbYamlNode *node,
                                       gboolean         *out);

/* A plain decimal number (integer or float literal) with a finite value. */
gboolean     tb_yaml_node_get_number  (const TbYamlNode *node,
                                       double           *out);

/* A plain decimal integer literal ("-3", "+7", "42") that fits a gint64. */
gboolean     tb_yaml_node_get_int     (const TbYamlNode *node,
                                       gint64           *out);

/* Mappings: `i` counts pairs, from 0 to tb_yaml_mapping_size () - 1. */
guint        tb_yaml_mapping_size     (const TbYamlNode *map);
TbYamlNode  *tb_yaml_mapping_key      (const TbYamlNode *map,
                                       guint             i);
TbYamlNode  *tb_yaml_mapping_value    (const TbYamlNode *map,
                                       guint             i);

/* The value under `key` (NULL when absent); `key_node` (nullable) gets the key's node,
 * whose line is where a message about the value should point. */
TbYamlNode  *tb_yaml_mapping_lookup   (const TbYamlNode  *map,
                                       const char        *key,
                                       TbYamlNode       **key_node);

/* How a value looks, for "must be X, not Y" messages: "a list", "a mapping", "empty" or
 * the text in quotes, cut after 37 characters. */
char        *tb_yaml_node_describe    (const TbYamlNode *node);

/* "parent.key", or "key" when `parent` is NULL or empty. Paths name a place in messages:
 * a key longer than 64 bytes is cut short with "…" (here and in tb_yaml_path_push ()). */
char        *tb_yaml_path_join        (const char  *parent,
                                       const char  *key);

/* A path grown and cut back while a tree is walked: each call appends ".key" (just "key"
 * to an empty path) or "[index]" and returns the length to g_string_truncate () back to
 * on the way up. A long key is then copied once, not once for every node below it, so a
 * walk stays linear in the size of the file. */
gsize        tb_yaml_path_push        (GString     *path,
                                       const char  *key);
gsize        tb_yaml_path_push_index  (GString     *path,
                                       guint        index);

/* The text of a scalar that reads as text: quoted, or plain but not null, a boolean or a
 * number (.inf and .nan are numbers). NULL for anything else. */
const char  *tb_yaml_node_get_text    (const TbYamlNode *node);

/* The value as JSON, after the YAML 1.2 core schema: plain null/bool/number literals
 * become JSON null/booleans/numbers (an integer past gint64 a double), everything else
 * text. A plain number JSON cannot carry (.inf, .nan, 1e999) is an error naming
 * `path` (the node's own, "output.schema") and the line. */
JsonNode    *tb_yaml_node_to_json     (const TbYamlNode  *node,
                                       const char        *filename,
                                       const char        *path,
                                       GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbYamlNode, tb_yaml_node_free)

/* ------------------------------------------------------------------------------------ */

typedef struct _TbYamlWriter TbYamlWriter;

/* A writer holding an open document: 2-space indent, no line folding, UTF-8 as is. The
 * calls below add events; the first failure is kept and later calls do nothing, so a
 * caller checks once, in tb_yaml_writer_finish (). */
TbYamlWriter *tb_yaml_writer_new            (void);
void          tb_yaml_writer_free           (TbYamlWriter *self);

/* Opens a mapping (then keys and values alternate) or a sequence; `flow` writes it on one
 * line ({a: 1}, [a, b]). tb_yaml_writer_close () closes the innermost one. */
void          tb_yaml_writer_open           (TbYamlWriter *self,
                                             TbYamlKind    kind,
                                             gboolean      flow);
void          tb_yaml_writer_close          (TbYamlWriter *self);

/* Written as it is: keys, keywords and numbers the caller formatted. */
void          tb_yaml_writer_plain          (TbYamlWriter *self,
                                             const char   *value);

/* Text that reads back as the same text: quoted when a reader would take it for null, a
 * boolean or a number; multi-line text as a literal block. */
void          tb_yaml_writer_string         (TbYamlWriter *self,
                                             const char   *value);

/* `key: value` (value as by tb_yaml_writer_string); nothing when `value` is NULL. */
void          tb_yaml_writer_member         (TbYamlWriter *self,
                                             const char   *key,
                                             const char   *value);

/* The shortest text that reads back as the same double ("40", "30.5", "1e-07"). */
void          tb_yaml_writer_double         (TbYamlWriter *self,
                                             double        value);

void          tb_yaml_writer_int            (TbYamlWriter *self,
                                             gint64        value);

/* A JSON value as YAML that tb_yaml_node_to_json () reads back as an equal value (a
 * whole double stays a double: "3.0"). Short flat objects and lists stay on one line. */
void          tb_yaml_writer_json           (TbYamlWriter *self,
                                             JsonNode     *node);

/* Closes the document (every mapping and sequence must be closed first) and returns its
 * text, or NULL with a TB_ERROR_FAILED error saying why when any event failed (such as
 * text that is not UTF-8). */
char         *tb_yaml_writer_finish         (TbYamlWriter *self,
                                             GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbYamlWriter, tb_yaml_writer_free)

G_END_DECLS
