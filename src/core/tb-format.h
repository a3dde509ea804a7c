/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "tb-usecase.h"

G_BEGIN_DECLS

typedef struct {
  gboolean   valid;
  GPtrArray *errors;     /* char*, human messages such as "$[2].start_time: does not match pattern" */
  char      *cleaned;    /* the content with a surrounding code fence removed */
} TbFormatCheck;

void           tb_format_check_free   (TbFormatCheck *check);

/* Removes one surrounding ``` or ```lang fence (and surrounding blank space). */
char          *tb_strip_code_fence    (const char     *content);

/* Strips a fence, then checks the declared format: JSON parses; CSV has a header and the
 * same number of columns on every row (RFC 4180 quoting); the schema subset holds. Markdown
 * and text only need to be non-empty. */
TbFormatCheck *tb_format_check        (const char     *content,
                                       TbOutputFormat  format,
                                       JsonNode       *schema);

/* The JSON-Schema subset: type (incl. arrays of types, "integer"), properties, required,
 * items, enum, pattern (GRegex), minItems, maxItems, and also minimum, maximum and
 * additionalProperties (so the judge's answer schema can be checked too); other keywords
 * are ignored. Appends messages with a JSON path ("$", "$[0].title") to `errors` (which
 * may be NULL), at most about 20 and then "… and N more"; returns TRUE when none were
 * added. */
gboolean       tb_json_schema_check   (JsonNode       *schema,
                                       JsonNode       *instance,
                                       GPtrArray      *errors);

/* Parses RFC 4180 CSV into rows of fields (GPtrArray of GStrv). NULL + error when a quote
 * is left open. */
GPtrArray     *tb_csv_parse           (const char     *text,
                                       GError        **error);

/* The "type" at the root of a schema, or NULL. */
const char    *tb_schema_root_type    (JsonNode       *schema);

/* Providers take json_schema only with an object at the root, so any other root (an array
 * of chapters) is sent wrapped as {"result": <schema>} and unwrapped from the answer. */
JsonNode      *tb_schema_wrap         (JsonNode       *schema);
/* The answer to a wrapped schema, {"result": …}, as what the use case asked for; an answer
 * without the wrapper (a model that ignored it) is kept as it came. */
char          *tb_schema_unwrap_answer (const char    *content);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbFormatCheck, tb_format_check_free)

G_END_DECLS
