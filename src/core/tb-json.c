/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-json"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-amount.h"
#include "tb-error.h"
#include "tb-json.h"
#include "tb-json-reader.h"
#include "tb-util.h"

JsonNode *
tb_json_member (JsonObject *object,
                const char *name)
{
  if (object == NULL || name == NULL || !json_object_has_member (object, name))
    return NULL;
  return json_object_get_member (object, name);
}

static JsonNode *
member_value (JsonObject *object,
              const char *name,
              GType       type)
{
  JsonNode *node = tb_json_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  if (type != G_TYPE_INVALID && json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

const char *
tb_json_get_string (JsonObject *object,
                    const char *name)
{
  JsonNode *node = member_value (object, name, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

gboolean
tb_json_get_double (JsonObject *object,
                    const char *name,
                    double     *value)
{
  JsonNode *node = member_value (object, name, G_TYPE_INVALID);
  double number;

  if (node == NULL)
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    number = (double) json_node_get_int (node);
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    number = json_node_get_double (node);
  else
    return FALSE;
  if (!isfinite (number))
    return FALSE;
  if (value != NULL)
    *value = number;
  return TRUE;
}

gint64
tb_json_get_int (JsonObject *object,
                 const char *name,
                 gint64      fallback)
{
  JsonNode *node = member_value (object, name, G_TYPE_INVALID);

  if (node == NULL)
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      double number = json_node_get_double (node);

      /* Out of range is as good as absent: a cast would be undefined. */
      if (!isfinite (number) || number < (double) G_MININT64 || number >= (double) G_MAXINT64)
        return fallback;
      return (gint64) number;
    }
  return fallback;
}

gboolean
tb_json_get_bool (JsonObject *object,
                  const char *name,
                  gboolean    fallback)
{
  JsonNode *node = member_value (object, name, G_TYPE_BOOLEAN);

  return node != NULL ? json_node_get_boolean (node) : fallback;
}

guint
tb_json_get_uint (JsonObject *object,
                  const char *name,
                  guint       fallback)
{
  return (guint) CLAMP (tb_json_get_int (object, name, MIN (fallback, (guint) G_MAXINT)), 0,
                        G_MAXINT);
}

gint64
tb_json_get_count (JsonObject *object,
                   const char *name,
                   gint64      fallback)
{
  double value;

  if (!tb_amount_from_node (tb_json_member (object, name), TRUE, &value) || value >= 9.2e18)
    return fallback;
  return (gint64) value;
}

gboolean
tb_json_get_amount (JsonObject *object,
                    const char *name,
                    double     *value)
{
  return tb_amount_from_node (tb_json_member (object, name), FALSE, value);
}

JsonObject *
tb_json_get_object (JsonObject *object,
                    const char *name)
{
  JsonNode *node = tb_json_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
tb_json_get_array (JsonObject *object,
                   const char *name)
{
  JsonNode *node = tb_json_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

const char *
tb_json_array_string (JsonArray *array,
                      guint      index)
{
  JsonNode *node;

  if (array == NULL || index >= json_array_get_length (array))
    return NULL;
  node = json_array_get_element (array, index);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

JsonObject *
tb_json_array_object (JsonArray *array,
                      guint      index)
{
  JsonNode *node;

  if (array == NULL || index >= json_array_get_length (array))
    return NULL;
  node = json_array_get_element (array, index);
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

gboolean
tb_json_array_has_string (JsonArray  *array,
                          const char *wanted)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    if (g_strcmp0 (tb_json_array_string (array, i), wanted) == 0)
      return TRUE;
  return FALSE;
}

GStrv
tb_json_get_strv (JsonObject *object,
                  const char *name)
{
  JsonArray *array = tb_json_get_array (object, name);
  g_autoptr(GStrvBuilder) builder = NULL;

  if (array == NULL)
    return NULL;
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *text = tb_json_array_string (array, i);

      if (text != NULL)
        g_strv_builder_add (builder, text);
    }
  return g_strv_builder_end (builder);
}

/* json-glib writes a string's bytes as they are, and the records' reader refuses a file
 * that is not UTF-8: a message cut mid-character would make its whole record unreadable. */
static void
add_string_value (JsonBuilder *builder,
                  const char  *value)
{
  g_autofree char *valid = NULL;

  if (!g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);
  json_builder_add_string_value (builder, value);
}

void
tb_json_add_string (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
tb_json_add_strv (JsonBuilder        *builder,
                  const char         *name,
                  const char * const *values)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    add_string_value (builder, values[i]);
  json_builder_end_array (builder);
}

void
tb_json_add_int (JsonBuilder *builder,
                 const char  *name,
                 gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

void
tb_json_add_double (JsonBuilder *builder,
                    const char  *name,
                    double       value)
{
  json_builder_set_member_name (builder, name);
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
tb_json_add_amount (JsonBuilder *builder,
                    const char  *name,
                    gboolean     known,
                    double       value)
{
  json_builder_set_member_name (builder, name);
  if (known && tb_amount_is_valid (value))
    json_builder_add_double_value (builder, tb_amount_round (value));
  else
    json_builder_add_null_value (builder);
}

void
tb_json_add_bool (JsonBuilder *builder,
                  const char  *name,
                  gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

void
tb_json_add_null (JsonBuilder *builder,
                  const char  *name)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_null_value (builder);
}

void
tb_json_add_node (JsonBuilder *builder,
                  const char  *name,
                  JsonNode    *node)
{
  json_builder_set_member_name (builder, name);
  if (node != NULL)
    json_builder_add_value (builder, node);
  else
    json_builder_add_null_value (builder);
}

/* Appends the JSON string literal that starts at `p` (its opening quote) whole; returns its
 * closing quote (or the text's end). */
static const char *
append_string_literal (GString    *out,
                       const char *p)
{
  g_string_append_c (out, *p++);
  for (; *p != '\0'; p++)
    {
      g_string_append_c (out, *p);
      if (*p == '\\' && p[1] != '\0')
        g_string_append_c (out, *++p);
      else if (*p == '"')
        return p;
    }
  return p - 1;
}

/* json-glib 1.6 writes a double such as 2e-08 as "2e-08.0" (it appends ".0" to any number
 * printed without a '.'), which is not JSON. Costs of cheap calls hit this, so every JSON
 * text we produce goes through here: outside strings, an exponent followed by ".0" loses it. */
static char *
fix_exponent_numbers (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        {
          p = append_string_literal (out, p);
          continue;
        }
      if (*p == '-' || g_ascii_isdigit (*p))
        {
          const char *end = p;
          const char *exponent = NULL;

          while (g_ascii_isdigit (*end) || *end == '+' || *end == '-' || *end == '.'
                 || *end == 'e' || *end == 'E')
            {
              if ((*end == 'e' || *end == 'E') && exponent == NULL)
                exponent = end;
              end++;
            }
          if (exponent != NULL && end - p >= 2 && end[-2] == '.' && end[-1] == '0'
              && memchr (exponent, '.', end - 2 - exponent) == NULL)
            g_string_append_len (out, p, end - 2 - p);
          else
            g_string_append_len (out, p, end - p);
          p = end - 1;
          continue;
        }
      g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

char *
tb_json_to_string (JsonNode *node,
                   gboolean  pretty)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  char *fixed;
  char *nulled;

  json_generator_set_pretty (generator, pretty);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);

  fixed = fix_exponent_numbers (text);
  /* A non-finite double anywhere in the tree — a copied node, a sum that overflowed — is
   * written by json-glib as "inf.0" or "nan.0", which no parser reads: null instead. */
  nulled = tb_json_null_non_finite (fixed, strlen (fixed), NULL);
  if (nulled == NULL)
    return fixed;
  g_free (fixed);
  return nulled;
}

static void
append_indent (GString *out,
               guint    depth)
{
  for (guint i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

void
tb_json_append_pretty (GString  *out,
                       JsonNode *node,
                       guint     depth)
{
  g_autofree char *text = tb_json_to_string (node, TRUE);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"')
        {
          p = append_string_literal (out, p);
          continue;
        }
      g_string_append_c (out, *p);
      /* Every line starts deeper; and json-glib pads an empty object with its depth's
       * indent ("{    }"), so that grows too. */
      if (*p == '\n' || (*p == '{' && p[strspn (p + 1, " ") + 1] == '}'))
        append_indent (out, depth);
    }
}

/* The spellings of a non-finite number that writers of JSON-like text use, longest first
 * where one is the start of another. */
static const char * const non_finite_words[] = {
  "-Infinity", "Infinity", "-NaN", "NaN",          /* Python's json module, JavaScript */
  "-inf.0", "inf.0", "-nan.0", "nan.0",            /* json-glib 1.6 (older TaskBench files) */
  "-inf", "inf", "-nan", "nan",                    /* printf */
};

static gboolean
is_word_byte (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == '+' || c == '-';
}

char *
tb_json_null_non_finite (const char *text,
                         gsize       length,
                         gsize      *out_length)
{
  GString *out = NULL;
  gboolean in_string = FALSE;
  gsize copied = 0;

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        {
          in_string = TRUE;
          continue;
        }
      /* Only a whole word outside strings: a value, never a piece of a number or of
       * null/true/false. */
      if ((c != '-' && c != 'I' && c != 'N' && c != 'i' && c != 'n')
          || (i > 0 && is_word_byte (text[i - 1])))
        continue;
      for (guint w = 0; w < G_N_ELEMENTS (non_finite_words); w++)
        {
          gsize n = strlen (non_finite_words[w]);

          if (n > length - i || memcmp (text + i, non_finite_words[w], n) != 0
              || (i + n < length && is_word_byte (text[i + n])))
            continue;
          if (out == NULL)
            out = g_string_sized_new (length + 8);
          g_string_append_len (out, text + copied, i - copied);
          g_string_append (out, "null");
          copied = i + n;
          i += n - 1;
          break;
        }
    }

  if (out == NULL)
    return NULL;
  g_string_append_len (out, text + copied, length - copied);
  if (out_length != NULL)
    *out_length = out->len;
  return g_string_free (out, FALSE);
}

/* How deep `data` nests arrays and objects, lexed as json-glib 1.6 lexes it: strings in
 * double quotes (with backslash escapes) and in single quotes (without), and C comments,
 * which it all accepts; brackets inside them do not count. Stops counting past `limit`. */
static guint
nesting_depth (const char *data,
               gsize       length,
               guint       limit)
{
  guint depth = 0;
  guint deepest = 0;

  for (gsize i = 0; i < length && deepest <= limit; i++)
    {
      const char *end;

      switch (data[i])
        {
        case '"':
          for (i++; i < length && data[i] != '"'; i++)
            if (data[i] == '\\')
              i++;
          break;
        case '\'':
          end = memchr (data + i + 1, '\'', length - i - 1);
          i = end != NULL ? (gsize) (end - data) : length;
          break;
        case '/':
          if (i + 1 < length && data[i + 1] == '*')
            {
              end = g_strstr_len (data + i + 2, length - i - 2, "*/");
              i = end != NULL ? (gsize) (end - data) + 1 : length;
            }
          break;
        case '[':
        case '{':
          depth++;
          deepest = MAX (deepest, depth);
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }
  return deepest;
}

gboolean
tb_json_parser_load (JsonParser  *parser,
                     const char  *data,
                     gssize       length,
                     GError     **error)
{
  g_return_val_if_fail (JSON_IS_PARSER (parser), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  if (length < 0)
    length = strlen (data);
  if (nesting_depth (data, length, TB_JSON_MAX_DEPTH) > TB_JSON_MAX_DEPTH)
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                   _("arrays and objects nested more than %u deep"), TB_JSON_MAX_DEPTH);
      return FALSE;
    }
  return json_parser_load_from_data (parser, data, length, error);
}

JsonNode *
tb_json_parse_streamed (const char          *text,
                        gssize               length,
                        const char          *what,
                        const char * const  *streamed,
                        TbJsonElementFunc    func,
                        gpointer             user_data,
                        GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *nulled = NULL;
  gsize nulled_length = 0;
  JsonNode *root = NULL;

  if (text == NULL)
    text = "";
  if (length < 0)
    length = strlen (text);

  /* What we read must be text we can show and write back. */
  if (!g_utf8_validate (text, length, NULL))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Could not read %s: it is not UTF-8"),
                   what);
      return NULL;
    }
  /* Files of older versions hold json-glib's "nan.0" where an amount was not finite: the
   * amount is unknown, the rest of the file is as good as ever. */
  nulled = tb_json_null_non_finite (text, length, &nulled_length);
  if (nulled != NULL)
    {
      text = nulled;
      length = nulled_length;
    }
  /* Not JsonParser: records are most of what TaskBench reads, and the reader takes a
   * tenth of its time (tb-json-reader.h). */
  if (!tb_json_read_document_streamed (text, length, TB_JSON_MAX_DEPTH, streamed, func,
                                       user_data, &root, &local_error))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Could not read %s: %s"), what,
                   local_error->message);
      return NULL;
    }
  if (root == NULL)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Could not read %s: the file is empty"),
                   what);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root) && !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("Could not read %s: it holds no JSON object"), what);
      json_node_unref (root);
      return NULL;
    }
  return root;
}

JsonNode *
tb_json_parse (const char  *text,
               gssize       length,
               const char  *what,
               GError     **error)
{
  return tb_json_parse_streamed (text, length, what, NULL, NULL, NULL, error);
}

JsonNode *
tb_json_read_file_streamed (const char          *path,
                            gsize                max_bytes,
                            const char * const  *streamed,
                            TbJsonElementFunc    func,
                            gpointer             user_data,
                            GError             **error)
{
  g_autofree char *text = NULL;
  gsize length = 0;

  text = tb_read_regular_file (path, max_bytes, &length, error);
  if (text == NULL)
    return NULL;
  return tb_json_parse_streamed (text, length, path, streamed, func, user_data, error);
}

JsonNode *
tb_json_read_file (const char  *path,
                   gsize        max_bytes,
                   GError     **error)
{
  return tb_json_read_file_streamed (path, max_bytes, NULL, NULL, NULL, error);
}

/* What a JSON file of ours holds: pretty JSON and a final newline. */
static char *
file_text (JsonNode *node)
{
  g_autofree char *text = tb_json_to_string (node, TRUE);

  return g_strconcat (text, "\n", NULL);
}

gboolean
tb_json_write_file (const char  *path,
                    JsonNode    *node,
                    GError     **error)
{
  g_autofree char *text = file_text (node);

  return tb_write_file_atomic (path, text, -1, error);
}

gboolean
tb_json_write_new_file (const char  *path,
                        JsonNode    *node,
                        GError     **error)
{
  g_autofree char *text = file_text (node);

  return tb_write_file_exclusive (path, text, -1, error);
}
