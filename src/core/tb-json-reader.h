/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Reads one JSON document (RFC 8259, nothing more: no comments, no single quotes, no hex)
 * into json-glib nodes, several times faster than JsonParser, whose scanner takes a string
 * a character at a time: a store of 10,000 runs is 170 MB of JSON. `text` must be valid
 * UTF-8. Numbers without a fraction or exponent that fit in 64 bits are integers, others
 * doubles, as json-glib reads them; "\u" escapes that are not a whole UTF-16 character
 * become U+FFFD. Arrays and objects nest at most `max_depth` deep. A document of blanks
 * only gives TRUE and `*root` NULL. Errors are TB_ERROR_INVALID, "line L, column C: …". */
gboolean tb_json_read_document (const char  *text,
                                gsize        length,
                                guint        max_depth,
                                JsonNode   **root,
                                GError     **error);

/* An element of a streamed array, and the root member it belongs to; the function takes
 * the node. */
typedef void (*TbJsonElementFunc) (const char *member,
                                   JsonNode   *element,
                                   gpointer    user_data);

/* As tb_json_read_document, but the elements of the root object's array members named in
 * `streamed` are handed to `func` one by one as they are read, and those arrays stay
 * empty in `*root`: a record of thousands of entries is read with one entry's nodes in
 * memory at a time, not the whole tree. On an error, the elements already handed over
 * stay handed over. */
gboolean tb_json_read_document_streamed (const char          *text,
                                         gsize                length,
                                         guint                max_depth,
                                         const char * const  *streamed,
                                         TbJsonElementFunc    func,
                                         gpointer             user_data,
                                         JsonNode           **root,
                                         GError             **error);

G_END_DECLS
