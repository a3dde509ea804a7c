/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-format"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tb-error.h"
#include "tb-format.h"
#include "tb-json.h"
#include "tb-util.h"

/* A model that gets one thing wrong usually gets it wrong on every item: past this many
 * messages the rest only repeat, so they are counted instead of listed. */
#define MAX_MESSAGES 20

/* Long values are shown cut short so one message stays one readable line. */
#define MAX_SHOWN_VALUE 60

void
tb_format_check_free (TbFormatCheck *check)
{
  if (check == NULL)
    return;

  g_clear_pointer (&check->errors, g_ptr_array_unref);
  g_free (check->cleaned);
  g_free (check);
}

/* Code fences */

static gboolean
is_fence_line (const char *line,
               gsize       length,
               gboolean   *has_info)
{
  gsize i = 0;

  while (i < length && (line[i] == ' ' || line[i] == '\t'))
    i++;
  if (length - i < 3 || strncmp (line + i, "```", 3) != 0)
    return FALSE;
  i += 3;
  while (i < length && line[i] == '`')
    i++;

  /* What follows the backticks is the info string ("json", "csv"); a line with more
   * than one word after them is prose that happens to start with backticks. */
  {
    g_autofree char *info = g_strstrip (g_strndup (line + i, length - i));

    if (strchr (info, ' ') != NULL || strchr (info, '`') != NULL)
      return FALSE;
    if (has_info != NULL)
      *has_info = *info != '\0';
  }

  return TRUE;
}

/* A fence "surrounds" the content only when the fences inside it pair up: a reply that
 * opens and closes with two separate code blocks must not be unwrapped. An opening inner
 * fence carries a language or follows a closed block; a bare one closes. */
static gboolean
inner_fences_balance (const char *inner)
{
  const char *p = inner;
  guint depth = 0;

  while (*p != '\0')
    {
      const char *eol = strchr (p, '\n');
      gsize len = eol != NULL ? (gsize) (eol - p) : strlen (p);
      gboolean has_info = FALSE;

      if (is_fence_line (p, len, &has_info))
        {
          if (has_info)
            depth++;
          else if (depth > 0)
            depth--;
          else
            return FALSE;
        }
      if (eol == NULL)
        break;
      p = eol + 1;
    }

  return depth == 0;
}

char *
tb_strip_code_fence (const char *content)
{
  g_autofree char *text = NULL;
  const char *first_eol;
  const char *body;
  gsize text_len;
  gsize end;
  g_autofree char *inner = NULL;

  if (content == NULL)
    return g_strdup ("");

  text = g_strstrip (g_strdup (content));
  text_len = strlen (text);

  if (text_len < 6 || !g_str_has_prefix (text, "```") || !g_str_has_suffix (text, "```"))
    return g_steal_pointer (&text);

  first_eol = strchr (text, '\n');
  if (first_eol == NULL)
    {
      /* One line: ```[1, 2]``` — nothing on the line can be a language tag. */
      gsize start = 3;

      end = text_len - 3;
      while (end > start && text[end - 1] == '`')
        end--;
      while (start < end && text[start] == '`')
        start++;
      return g_strstrip (g_strndup (text + start, end - start));
    }

  if (!is_fence_line (text, first_eol - text, NULL))
    return g_steal_pointer (&text);

  /* The closing fence is usually a line of its own, but some models glue it to the last
   * line ("]```"); either way it must come after the opening line. */
  end = text_len;
  while (end > 0 && text[end - 1] == '`')
    end--;
  if (text + end <= first_eol)
    return g_steal_pointer (&text);

  body = first_eol + 1;
  inner = g_strndup (body, (text + end) - body);
  if (!inner_fences_balance (inner))
    return g_steal_pointer (&text);

  return g_strstrip (g_steal_pointer (&inner));
}

/* Messages */

typedef struct {
  GPtrArray *errors;
  guint      added;
  guint      dropped;
} Messages;

G_GNUC_PRINTF (2, 3)
static void
messages_add (Messages   *messages,
              const char *format,
              ...)
{
  va_list args;

  messages->added++;
  if (messages->added > MAX_MESSAGES)
    {
      messages->dropped++;
      return;
    }

  va_start (args, format);
  g_ptr_array_add (messages->errors, g_strdup_vprintf (format, args));
  va_end (args);
}

static void
messages_finish (Messages *messages)
{
  if (messages->dropped > 0)
    g_ptr_array_add (messages->errors,
                     g_strdup_printf ("… and %u more", messages->dropped));
}

/* CSV */

static void
strv_free (gpointer data)
{
  g_strfreev (data);
}

static void
finish_row (GPtrArray *rows,
            GPtrArray *fields)
{
  g_ptr_array_add (fields, NULL);
  g_ptr_array_add (rows, g_ptr_array_steal (fields, NULL));
}

GPtrArray *
tb_csv_parse (const char  *text,
              GError     **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (strv_free);
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) field = g_string_new (NULL);
  const char *p = text != NULL ? text : "";
  gboolean in_quotes = FALSE;
  gboolean row_started = FALSE;
  guint line = 1;
  guint quote_line = 0;

  if (g_str_has_prefix (p, "\xEF\xBB\xBF"))
    p += 3;

  for (; *p != '\0'; p++)
    {
      char c = *p;

      if (in_quotes)
        {
          if (c == '"' && p[1] == '"')
            {
              g_string_append_c (field, '"');
              p++;
            }
          else if (c == '"')
            in_quotes = FALSE;
          else
            {
              if (c == '\n')
                line++;
              g_string_append_c (field, c);
            }
          continue;
        }

      switch (c)
        {
        case '"':
          /* A quote opens a quoted section only at the start of a field; elsewhere
           * (abc"def) it is a literal character, as most readers take it. */
          if (field->len == 0)
            {
              in_quotes = TRUE;
              quote_line = line;
            }
          else
            g_string_append_c (field, c);
          row_started = TRUE;
          break;

        case ',':
          g_ptr_array_add (fields, g_strndup (field->str, field->len));
          g_string_truncate (field, 0);
          row_started = TRUE;
          break;

        case '\r':
        case '\n':
          if (c == '\r' && p[1] == '\n')
            p++;
          line++;
          /* Blank lines carry no record; models often leave one at the end. */
          if (row_started)
            {
              g_ptr_array_add (fields, g_strndup (field->str, field->len));
              g_string_truncate (field, 0);
              finish_row (rows, fields);
              row_started = FALSE;
            }
          break;

        default:
          g_string_append_c (field, c);
          row_started = TRUE;
          break;
        }
    }

  if (in_quotes)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   "row %u: the quoted field opened on line %u is never closed",
                   rows->len + 1, quote_line);
      return NULL;
    }

  if (row_started)
    {
      g_ptr_array_add (fields, g_strndup (field->str, field->len));
      finish_row (rows, fields);
    }

  return g_steal_pointer (&rows);
}

static void
check_csv (const char *text,
           Messages   *messages)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tb_csv_parse (text, &error);
  guint header_columns;
  GStrv header;

  if (rows == NULL)
    {
      messages_add (messages, "Invalid CSV: %s", error->message);
      return;
    }
  if (rows->len == 0)
    {
      messages_add (messages, "Invalid CSV: no header row");
      return;
    }

  header = g_ptr_array_index (rows, 0);
  header_columns = g_strv_length (header);
  for (guint i = 0; i < header_columns; i++)
    {
      g_autofree char *name = g_strstrip (g_strdup (header[i]));

      if (*name == '\0')
        messages_add (messages, "row 1 (header): column %u has no name", i + 1);
    }

  for (guint r = 1; r < rows->len; r++)
    {
      guint columns = g_strv_length (g_ptr_array_index (rows, r));

      if (columns != header_columns)
        messages_add (messages, "row %u has %u column%s, header has %u",
                      r + 1, columns, columns == 1 ? "" : "s", header_columns);
    }
}

/* JSON */

static void
check_json (const char *text,
            JsonNode   *schema,
            Messages   *messages)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  if (!tb_json_parser_load (parser, text, -1, &error))
    {
      guint line = 0, column = 0;
      const char *detail = strstr (error->message, "Parse error: ");

      if (sscanf (error->message, "<data>:%u:%u:", &line, &column) == 2 && detail != NULL)
        messages_add (messages, "Invalid JSON at line %u, column %u: %s",
                      line, column, detail + strlen ("Parse error: "));
      else
        messages_add (messages, "Invalid JSON: %s", error->message);
      return;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      messages_add (messages, "Invalid JSON: the output is empty");
      return;
    }

  if (schema != NULL)
    {
      g_autoptr(GPtrArray) schema_errors = g_ptr_array_new_with_free_func (g_free);

      tb_json_schema_check (schema, root, schema_errors);
      /* The schema check caps its own list; its messages are copied as they are. */
      for (guint i = 0; i < schema_errors->len; i++)
        g_ptr_array_add (messages->errors, g_strdup (g_ptr_array_index (schema_errors, i)));
    }
}

TbFormatCheck *
tb_format_check (const char     *content,
                 TbOutputFormat  format,
                 JsonNode       *schema)
{
  TbFormatCheck *check = g_new0 (TbFormatCheck, 1);
  Messages messages = { 0, };

  check->errors = g_ptr_array_new_with_free_func (g_free);
  check->cleaned = tb_strip_code_fence (content);
  messages.errors = check->errors;

  if (*check->cleaned == '\0')
    messages_add (&messages, "The output is empty");
  else
    {
      switch (format)
        {
        case TB_FORMAT_JSON:
          check_json (check->cleaned, schema, &messages);
          break;
        case TB_FORMAT_CSV:
          check_csv (check->cleaned, &messages);
          break;
        case TB_FORMAT_MARKDOWN:
        case TB_FORMAT_TEXT:
        default:
          break;
        }
    }

  messages_finish (&messages);
  check->valid = check->errors->len == 0;

  return check;
}

/* JSON Schema subset */

typedef enum {
  KIND_NULL,
  KIND_BOOLEAN,
  KIND_INTEGER,   /* a number without a fractional part */
  KIND_NUMBER,
  KIND_STRING,
  KIND_ARRAY,
  KIND_OBJECT,
  KIND_OTHER,
} Kind;

static Kind
node_kind (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      return KIND_NULL;
    case JSON_NODE_ARRAY:
      return KIND_ARRAY;
    case JSON_NODE_OBJECT:
      return KIND_OBJECT;
    case JSON_NODE_VALUE:
      {
        GType type = json_node_get_value_type (node);

        if (type == G_TYPE_BOOLEAN)
          return KIND_BOOLEAN;
        if (type == G_TYPE_INT64 || type == G_TYPE_INT)
          return KIND_INTEGER;
        if (type == G_TYPE_DOUBLE || type == G_TYPE_FLOAT)
          {
            double d = json_node_get_double (node);

            return (isfinite (d) && d == floor (d)) ? KIND_INTEGER : KIND_NUMBER;
          }
        if (type == G_TYPE_STRING)
          return KIND_STRING;
        return KIND_OTHER;
      }
    default:
      return KIND_OTHER;
    }
}

static const char *
kind_name (Kind kind)
{
  switch (kind)
    {
    case KIND_NULL: return "null";
    case KIND_BOOLEAN: return "boolean";
    case KIND_INTEGER:
    case KIND_NUMBER: return "number";
    case KIND_STRING: return "string";
    case KIND_ARRAY: return "array";
    case KIND_OBJECT: return "object";
    case KIND_OTHER:
    default: return "unknown value";
    }
}

static gboolean
kind_matches (Kind        kind,
              const char *type)
{
  if (g_strcmp0 (type, "integer") == 0)
    return kind == KIND_INTEGER;
  if (g_strcmp0 (type, "number") == 0)
    return kind == KIND_INTEGER || kind == KIND_NUMBER;

  return g_strcmp0 (type, kind_name (kind)) == 0;
}

static char *
node_to_compact (JsonNode *node)
{
  return tb_json_to_string (node, FALSE);
}

/* The value as it would appear in JSON, cut to a readable length. */
static char *
node_to_shown (JsonNode *node)
{
  g_autofree char *text = node_to_compact (node);

  if (g_utf8_strlen (text, -1) > MAX_SHOWN_VALUE)
    {
      const char *cut = g_utf8_offset_to_pointer (text, MAX_SHOWN_VALUE);

      return g_strdup_printf ("%.*s…", (int) (cut - text), text);
    }

  return g_steal_pointer (&text);
}

static gboolean
nodes_equal (JsonNode *a,
             JsonNode *b)
{
  Kind ka = node_kind (a);
  Kind kb = node_kind (b);

  if ((ka == KIND_INTEGER || ka == KIND_NUMBER) && (kb == KIND_INTEGER || kb == KIND_NUMBER))
    {
      if (json_node_get_value_type (a) == G_TYPE_INT64
          && json_node_get_value_type (b) == G_TYPE_INT64)
        return json_node_get_int (a) == json_node_get_int (b);
      return json_node_get_double (a) == json_node_get_double (b);
    }
  if (ka != kb)
    return FALSE;

  switch (ka)
    {
    case KIND_NULL:
      return TRUE;
    case KIND_BOOLEAN:
      return json_node_get_boolean (a) == json_node_get_boolean (b);
    case KIND_STRING:
      return g_strcmp0 (json_node_get_string (a), json_node_get_string (b)) == 0;
    case KIND_ARRAY:
      {
        JsonArray *aa = json_node_get_array (a);
        JsonArray *ab = json_node_get_array (b);
        guint n = json_array_get_length (aa);

        if (n != json_array_get_length (ab))
          return FALSE;
        for (guint i = 0; i < n; i++)
          if (!nodes_equal (json_array_get_element (aa, i), json_array_get_element (ab, i)))
            return FALSE;
        return TRUE;
      }
    case KIND_OBJECT:
      {
        JsonObject *oa = json_node_get_object (a);
        JsonObject *ob = json_node_get_object (b);
        JsonObjectIter iter;
        const char *name;
        JsonNode *value;

        if (json_object_get_size (oa) != json_object_get_size (ob))
          return FALSE;
        json_object_iter_init (&iter, oa);
        while (json_object_iter_next (&iter, &name, &value))
          {
            JsonNode *other = json_object_get_member (ob, name);

            if (other == NULL || !nodes_equal (value, other))
              return FALSE;
          }
        return TRUE;
      }
    case KIND_INTEGER:
    case KIND_NUMBER:
    case KIND_OTHER:
    default:
      return FALSE;
    }
}

static char *
path_member (const char *path,
             const char *name)
{
  gboolean plain = *name != '\0' && !g_ascii_isdigit (*name);

  for (const char *p = name; *p != '\0' && plain; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      plain = FALSE;

  if (plain)
    return g_strdup_printf ("%s.%s", path, name);

  {
    g_autofree char *escaped = g_strescape (name, NULL);

    return g_strdup_printf ("%s[\"%s\"]", path, escaped);
  }
}

typedef struct {
  Messages    messages;
  GHashTable *regexes;   /* pattern → GRegex, or a NULL value for a broken pattern */
} SchemaCheck;

static GRegex *
lookup_regex (SchemaCheck *sc,
              const char  *pattern,
              const char  *path)
{
  gpointer found = NULL;
  g_autoptr(GError) error = NULL;
  GRegex *regex;

  if (g_hash_table_lookup_extended (sc->regexes, pattern, NULL, &found))
    return found;

  regex = g_regex_new (pattern, G_REGEX_OPTIMIZE, 0, &error);
  if (regex == NULL)
    messages_add (&sc->messages, "%s: the schema's pattern %s is not a valid regular "
                  "expression: %s", path, pattern, error->message);
  g_hash_table_insert (sc->regexes, g_strdup (pattern), regex);

  return regex;
}

static gboolean
check_type (SchemaCheck *sc,
            JsonNode    *type,
            JsonNode    *instance,
            const char  *path)
{
  Kind kind = node_kind (instance);
  g_autoptr(GString) wanted = g_string_new (NULL);

  if (JSON_NODE_HOLDS_VALUE (type) && json_node_get_value_type (type) == G_TYPE_STRING)
    {
      const char *name = json_node_get_string (type);

      if (kind_matches (kind, name))
        return TRUE;
      g_string_append (wanted, name);
    }
  else if (JSON_NODE_HOLDS_ARRAY (type))
    {
      JsonArray *types = json_node_get_array (type);
      guint n = json_array_get_length (types);

      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (types, i);
          const char *name;

          if (!JSON_NODE_HOLDS_VALUE (element)
              || json_node_get_value_type (element) != G_TYPE_STRING)
            continue;
          name = json_node_get_string (element);
          if (kind_matches (kind, name))
            return TRUE;
          if (wanted->len > 0)
            g_string_append (wanted, i + 1 == n ? " or " : ", ");
          g_string_append (wanted, name);
        }
      if (wanted->len == 0)
        return TRUE;
    }
  else
    return TRUE;

  if (kind == KIND_NUMBER && strstr (wanted->str, "integer") != NULL)
    {
      g_autofree char *shown = node_to_shown (instance);

      messages_add (&sc->messages, "%s: expected %s, got %s", path, wanted->str, shown);
    }
  else
    messages_add (&sc->messages, "%s: expected %s, got %s", path, wanted->str,
                  kind_name (kind));
  return FALSE;
}

static gboolean
member_is_number (JsonObject *object,
                  const char *name,
                  double     *value)
{
  JsonNode *node = json_object_get_member (object, name);
  Kind kind;

  if (node == NULL)
    return FALSE;
  kind = node_kind (node);
  if (kind != KIND_INTEGER && kind != KIND_NUMBER)
    return FALSE;
  *value = json_node_get_double (node);
  return TRUE;
}

static void check_node (SchemaCheck *sc,
                        JsonNode    *schema,
                        JsonNode    *instance,
                        const char  *path);

static void
check_object (SchemaCheck *sc,
              JsonObject  *schema,
              JsonObject  *object,
              const char  *path)
{
  JsonNode *properties = json_object_get_member (schema, "properties");
  JsonNode *required = json_object_get_member (schema, "required");
  JsonNode *additional = json_object_get_member (schema, "additionalProperties");
  JsonObject *props = NULL;
  g_autoptr(GList) names = NULL;

  if (properties != NULL && JSON_NODE_HOLDS_OBJECT (properties))
    props = json_node_get_object (properties);

  if (required != NULL && JSON_NODE_HOLDS_ARRAY (required))
    {
      JsonArray *list = json_node_get_array (required);

      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          const char *name = json_array_get_string_element (list, i);

          if (name != NULL && !json_object_has_member (object, name))
            messages_add (&sc->messages, "%s: missing required property \"%s\"", path, name);
        }
    }

  /* Members in the instance's own order, so messages follow the output. */
  names = json_object_get_members (object);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *sub = props != NULL ? json_object_get_member (props, name) : NULL;
      g_autofree char *sub_path = path_member (path, name);

      if (sub != NULL)
        check_node (sc, sub, json_object_get_member (object, name), sub_path);
      else if (additional != NULL && JSON_NODE_HOLDS_VALUE (additional)
               && json_node_get_value_type (additional) == G_TYPE_BOOLEAN
               && !json_node_get_boolean (additional))
        messages_add (&sc->messages, "%s: property \"%s\" is not allowed", path, name);
      else if (additional != NULL && JSON_NODE_HOLDS_OBJECT (additional))
        check_node (sc, additional, json_object_get_member (object, name), sub_path);
    }
}

static void
check_array (SchemaCheck *sc,
             JsonObject  *schema,
             JsonArray   *array,
             const char  *path)
{
  JsonNode *items = json_object_get_member (schema, "items");
  guint n = json_array_get_length (array);
  double limit;

  if (member_is_number (schema, "minItems", &limit) && n < limit)
    messages_add (&sc->messages, "%s: has %u item%s, at least %g required",
                  path, n, n == 1 ? "" : "s", limit);
  if (member_is_number (schema, "maxItems", &limit) && n > limit)
    messages_add (&sc->messages, "%s: has %u item%s, at most %g allowed",
                  path, n, n == 1 ? "" : "s", limit);

  if (items == NULL)
    return;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *sub = items;
      g_autofree char *sub_path = NULL;

      /* The older tuple form: one schema per position. */
      if (JSON_NODE_HOLDS_ARRAY (items))
        {
          JsonArray *tuple = json_node_get_array (items);

          if (i >= json_array_get_length (tuple))
            break;
          sub = json_array_get_element (tuple, i);
        }

      sub_path = g_strdup_printf ("%s[%u]", path, i);
      check_node (sc, sub, json_array_get_element (array, i), sub_path);
    }
}

static void
check_node (SchemaCheck *sc,
            JsonNode    *schema,
            JsonNode    *instance,
            const char  *path)
{
  JsonObject *s;
  JsonNode *member;
  Kind kind = node_kind (instance);
  double limit;

  if (JSON_NODE_HOLDS_VALUE (schema) && json_node_get_value_type (schema) == G_TYPE_BOOLEAN)
    {
      if (!json_node_get_boolean (schema))
        messages_add (&sc->messages, "%s: no value is allowed here", path);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (schema))
    return;
  s = json_node_get_object (schema);

  member = json_object_get_member (s, "type");
  /* Once the type is wrong, the other keywords only add noise about the same fault. */
  if (member != NULL && !check_type (sc, member, instance, path))
    return;

  member = json_object_get_member (s, "enum");
  if (member != NULL && JSON_NODE_HOLDS_ARRAY (member))
    {
      JsonArray *choices = json_node_get_array (member);
      guint n = json_array_get_length (choices);
      gboolean found = FALSE;

      for (guint i = 0; i < n && !found; i++)
        found = nodes_equal (instance, json_array_get_element (choices, i));
      if (!found)
        {
          g_autofree char *shown = node_to_shown (instance);
          g_autofree char *allowed = node_to_shown (member);

          messages_add (&sc->messages, "%s: %s is not one of %s", path, shown, allowed);
        }
    }

  switch (kind)
    {
    case KIND_STRING:
      member = json_object_get_member (s, "pattern");
      if (member != NULL && JSON_NODE_HOLDS_VALUE (member)
          && json_node_get_value_type (member) == G_TYPE_STRING)
        {
          const char *pattern = json_node_get_string (member);
          GRegex *regex = lookup_regex (sc, pattern, path);

          if (regex != NULL && !g_regex_match (regex, json_node_get_string (instance), 0, NULL))
            {
              g_autofree char *shown = node_to_shown (instance);

              messages_add (&sc->messages, "%s: %s does not match pattern %s",
                            path, shown, pattern);
            }
        }
      break;

    case KIND_INTEGER:
    case KIND_NUMBER:
      {
        double value = json_node_get_double (instance);
        g_autofree char *shown = node_to_shown (instance);

        if (member_is_number (s, "minimum", &limit) && value < limit)
          messages_add (&sc->messages, "%s: %s is less than the minimum %g", path, shown, limit);
        if (member_is_number (s, "maximum", &limit) && value > limit)
          messages_add (&sc->messages, "%s: %s is greater than the maximum %g",
                        path, shown, limit);
      }
      break;

    case KIND_OBJECT:
      check_object (sc, s, json_node_get_object (instance), path);
      break;

    case KIND_ARRAY:
      check_array (sc, s, json_node_get_array (instance), path);
      break;

    case KIND_NULL:
    case KIND_BOOLEAN:
    case KIND_OTHER:
    default:
      break;
    }
}

static void
regex_unref0 (gpointer data)
{
  if (data != NULL)
    g_regex_unref (data);
}

gboolean
tb_json_schema_check (JsonNode  *schema,
                      JsonNode  *instance,
                      GPtrArray *errors)
{
  g_autoptr(GPtrArray) local = NULL;
  SchemaCheck sc = { { 0, }, NULL };
  gboolean ok;

  if (schema == NULL || instance == NULL)
    return TRUE;

  if (errors == NULL)
    errors = local = g_ptr_array_new_with_free_func (g_free);

  sc.messages.errors = errors;
  sc.regexes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, regex_unref0);

  check_node (&sc, schema, instance, "$");
  messages_finish (&sc.messages);
  ok = sc.messages.added == 0;

  g_hash_table_unref (sc.regexes);

  return ok;
}

#define WRAP_KEY "result"

const char *
tb_schema_root_type (JsonNode *schema)
{
  if (schema == NULL || !JSON_NODE_HOLDS_OBJECT (schema))
    return NULL;
  return tb_json_get_string (json_node_get_object (schema), "type");
}

JsonNode *
tb_schema_wrap (JsonNode *schema)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  static const char * const required[] = { WRAP_KEY, NULL };

  g_return_val_if_fail (schema != NULL, NULL);

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "type", "object");
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_object (builder);
  tb_json_add_node (builder, WRAP_KEY, json_node_copy (schema));
  json_builder_end_object (builder);
  tb_json_add_strv (builder, "required", required);
  tb_json_add_bool (builder, "additionalProperties", FALSE);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

char *
tb_schema_unwrap_answer (const char *content)
{
  g_autofree char *clean = tb_strip_code_fence (content != NULL ? content : "");
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *object;

  if (!tb_json_parser_load (parser, clean, -1, NULL))
    return g_strdup (content != NULL ? content : "");
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup (content != NULL ? content : "");
  object = json_node_get_object (root);
  if (json_object_get_size (object) != 1 || !json_object_has_member (object, WRAP_KEY))
    return g_strdup (content != NULL ? content : "");

  return tb_json_to_string (json_object_get_member (object, WRAP_KEY), TRUE);
}
