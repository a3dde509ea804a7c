/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-yaml"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <yaml.h>

#include "tb-error.h"
#include "tb-yaml.h"

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (yaml_event_t, yaml_event_delete)

/* The longest key a path shows whole (in bytes). */
#define PATH_KEY_MAX 64

/* ------------------------------------------------------------------------------------ */
/* Scalar literal shapes, after the YAML 1.2 core schema. Hex, octal, .inf and .nan are
 * left out on purpose: JSON cannot carry the last two and nobody writes the first two in
 * a configuration file.                                                                  */

static gboolean
is_int_literal (const char *s)
{
  if (*s == '-' || *s == '+')
    s++;
  if (!g_ascii_isdigit (*s))
    return FALSE;
  while (g_ascii_isdigit (*s))
    s++;
  return *s == '\0';
}

static gboolean
is_float_literal (const char *s)
{
  gboolean digits = FALSE;

  if (*s == '-' || *s == '+')
    s++;
  while (g_ascii_isdigit (*s))
    {
      s++;
      digits = TRUE;
    }
  if (*s == '.')
    {
      s++;
      while (g_ascii_isdigit (*s))
        {
          s++;
          digits = TRUE;
        }
    }
  if (!digits)
    return FALSE;
  if (*s == 'e' || *s == 'E')
    {
      s++;
      if (*s == '-' || *s == '+')
        s++;
      if (!g_ascii_isdigit (*s))
        return FALSE;
      while (g_ascii_isdigit (*s))
        s++;
    }
  return *s == '\0';
}

static gboolean
is_null_literal (const char *s)
{
  return *s == '\0' || g_str_equal (s, "~") || g_str_equal (s, "null")
         || g_str_equal (s, "Null") || g_str_equal (s, "NULL");
}

static gboolean
parse_bool_literal (const char *s,
                    gboolean   *out)
{
  static const char * const yes[] = { "true", "True", "TRUE", NULL };
  static const char * const no[] = { "false", "False", "FALSE", NULL };

  if (g_strv_contains (yes, s))
    *out = TRUE;
  else if (g_strv_contains (no, s))
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* YAML 1.1 readers (and people) take these as booleans; the emitter quotes them so other
 * tools read the same thing we do. */
static gboolean
is_yaml11_bool (const char *s)
{
  static const char * const words[] = {
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
    "on", "On", "ON", "off", "Off", "OFF", NULL
  };

  return g_strv_contains (words, s);
}

/* ------------------------------------------------------------------------------------ */
/* The tree                                                                              */

void
tb_yaml_node_free (TbYamlNode *node)
{
  if (node == NULL)
    return;
  g_free (node->scalar);
  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_free (node);
}

static TbYamlNode *
node_new (TbYamlKind kind,
          gsize      line)
{
  TbYamlNode *node = g_new0 (TbYamlNode, 1);

  node->kind = kind;
  node->line = line;
  if (kind != TB_YAML_SCALAR)
    node->children = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_yaml_node_free);
  return node;
}

gboolean
tb_yaml_node_is_null (const TbYamlNode *node)
{
  g_return_val_if_fail (node != NULL, FALSE);

  return node->kind == TB_YAML_SCALAR && node->plain && is_null_literal (node->scalar);
}

gboolean
tb_yaml_node_get_boolean (const TbYamlNode *node,
                          gboolean         *out)
{
  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  return node->kind == TB_YAML_SCALAR && node->plain && parse_bool_literal (node->scalar, out);
}

gboolean
tb_yaml_node_get_number (const TbYamlNode *node,
                         double           *out)
{
  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (node->kind != TB_YAML_SCALAR || !node->plain)
    return FALSE;
  if (!is_int_literal (node->scalar) && !is_float_literal (node->scalar))
    return FALSE;
  *out = g_ascii_strtod (node->scalar, NULL);
  return isfinite (*out);
}

gboolean
tb_yaml_node_get_int (const TbYamlNode *node,
                      gint64           *out)
{
  const char *s;
  guint64 n;

  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (node->kind != TB_YAML_SCALAR || !node->plain || !is_int_literal (node->scalar))
    return FALSE;
  s = node->scalar;
  if (*s == '+')
    s++;
  if (*s == '-')
    {
      /* G_MININT64 has no positive twin: compare the magnitude against its own. */
      if (!g_ascii_string_to_unsigned (s + 1, 10, 0, (guint64) G_MAXINT64 + 1, &n, NULL))
        return FALSE;
      *out = n == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) n;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (s, 10, 0, G_MAXINT64, &n, NULL))
    return FALSE;
  *out = (gint64) n;
  return TRUE;
}

guint
tb_yaml_mapping_size (const TbYamlNode *map)
{
  g_return_val_if_fail (map != NULL && map->kind == TB_YAML_MAPPING, 0);

  return map->children->len / 2;
}

TbYamlNode *
tb_yaml_mapping_key (const TbYamlNode *map,
                     guint             i)
{
  g_return_val_if_fail (map != NULL && map->kind == TB_YAML_MAPPING, NULL);
  g_return_val_if_fail (i < map->children->len / 2, NULL);

  return g_ptr_array_index (map->children, 2 * i);
}

TbYamlNode *
tb_yaml_mapping_value (const TbYamlNode *map,
                       guint             i)
{
  g_return_val_if_fail (map != NULL && map->kind == TB_YAML_MAPPING, NULL);
  g_return_val_if_fail (i < map->children->len / 2, NULL);

  return g_ptr_array_index (map->children, 2 * i + 1);
}

TbYamlNode *
tb_yaml_mapping_lookup (const TbYamlNode  *map,
                        const char        *key,
                        TbYamlNode       **key_node)
{
  g_return_val_if_fail (map != NULL && map->kind == TB_YAML_MAPPING, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  for (guint i = 0; i < tb_yaml_mapping_size (map); i++)
    {
      if (g_str_equal (tb_yaml_mapping_key (map, i)->scalar, key))
        {
          if (key_node != NULL)
            *key_node = tb_yaml_mapping_key (map, i);
          return tb_yaml_mapping_value (map, i);
        }
    }
  if (key_node != NULL)
    *key_node = NULL;
  return NULL;
}

char *
tb_yaml_node_describe (const TbYamlNode *node)
{
  g_return_val_if_fail (node != NULL, NULL);

  switch (node->kind)
    {
    case TB_YAML_SEQUENCE:
      return g_strdup (_("a list"));
    case TB_YAML_MAPPING:
      return g_strdup (_("a mapping"));
    case TB_YAML_SCALAR:
    default:
      if (tb_yaml_node_is_null (node))
        return g_strdup (_("empty"));
      if (g_utf8_strlen (node->scalar, -1) > 40)
        {
          g_autofree char *head = g_utf8_substring (node->scalar, 0, 37);

          return g_strdup_printf ("'%s...'", head);
        }
      return g_strdup_printf ("'%s'", node->scalar);
    }
}

/* Appends a key to a path, cut short when it is long: paths are for messages, where a
 * key of a thousand characters helps nobody, and a short path keeps walks cheap. */
static void
append_key (GString    *path,
            const char *key)
{
  gsize length = strlen (key);

  if (length <= PATH_KEY_MAX)
    {
      g_string_append_len (path, key, length);
      return;
    }
  length = PATH_KEY_MAX - 4;
  while (length > 0 && ((guchar) key[length] & 0xc0) == 0x80)   /* not inside a character */
    length--;
  g_string_append_len (path, key, length);
  g_string_append (path, "…");
}

char *
tb_yaml_path_join (const char *parent,
                   const char *key)
{
  GString *path;

  g_return_val_if_fail (key != NULL, NULL);

  path = g_string_new (parent);
  tb_yaml_path_push (path, key);
  return g_string_free (path, FALSE);
}

gsize
tb_yaml_path_push (GString    *path,
                   const char *key)
{
  gsize length;

  g_return_val_if_fail (path != NULL, 0);
  g_return_val_if_fail (key != NULL, 0);

  length = path->len;
  if (path->len > 0)
    g_string_append_c (path, '.');
  append_key (path, key);
  return length;
}

gsize
tb_yaml_path_push_index (GString *path,
                         guint    index)
{
  gsize length;

  g_return_val_if_fail (path != NULL, 0);

  length = path->len;
  g_string_append_printf (path, "[%u]", index);
  return length;
}

/* ------------------------------------------------------------------------------------ */
/* YAML to JSON                                                                          */

/* A plain scalar that the YAML 1.2 core schema reads as a number JSON cannot carry:
 * .inf, .nan, or digits past the range of a double (1e999). */
static gboolean
is_nonfinite_number (const TbYamlNode *node)
{
  static const char * const words[] = {
    ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF", "+.inf", "+.Inf", "+.INF",
    ".nan", ".NaN", ".NAN", NULL
  };
  const char *s = node->scalar;

  if (node->kind != TB_YAML_SCALAR || !node->plain)
    return FALSE;
  if (g_strv_contains (words, s))
    return TRUE;
  return (is_int_literal (s) || is_float_literal (s)) && !isfinite (g_ascii_strtod (s, NULL));
}

const char *
tb_yaml_node_get_text (const TbYamlNode *node)
{
  gboolean b;

  g_return_val_if_fail (node != NULL, NULL);

  if (node->kind != TB_YAML_SCALAR)
    return NULL;
  if (node->plain && (is_null_literal (node->scalar) || parse_bool_literal (node->scalar, &b)
                      || is_int_literal (node->scalar) || is_float_literal (node->scalar)
                      || is_nonfinite_number (node)))
    return NULL;
  return node->scalar;
}

static JsonNode *
scalar_to_json (const TbYamlNode *node)
{
  const char *s = node->scalar;
  gboolean b;

  if (!node->plain)
    return json_node_init_string (json_node_alloc (), s);
  if (is_null_literal (s))
    return json_node_init_null (json_node_alloc ());
  if (parse_bool_literal (s, &b))
    return json_node_init_boolean (json_node_alloc (), b);
  if (is_int_literal (s))
    {
      gint64 n;

      errno = 0;
      n = g_ascii_strtoll (s, NULL, 10);
      if (errno != ERANGE)
        return json_node_init_int (json_node_alloc (), n);
    }
  if (is_int_literal (s) || is_float_literal (s))
    return json_node_init_double (json_node_alloc (), g_ascii_strtod (s, NULL));
  return json_node_init_string (json_node_alloc (), s);
}

static JsonNode *
node_to_json (const TbYamlNode  *node,
              const char        *filename,
              GString           *path,
              GError           **error)
{
  g_autoptr(JsonNode) json = NULL;

  switch (node->kind)
    {
    case TB_YAML_SEQUENCE:
      {
        JsonArray *array = json_array_sized_new (node->children->len);

        json = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (json, array);
        for (guint i = 0; i < node->children->len; i++)
          {
            gsize length = tb_yaml_path_push_index (path, i);
            JsonNode *item = node_to_json (g_ptr_array_index (node->children, i), filename,
                                           path, error);

            g_string_truncate (path, length);
            if (item == NULL)
              return NULL;
            json_array_add_element (array, item);
          }
        return g_steal_pointer (&json);
      }

    case TB_YAML_MAPPING:
      {
        JsonObject *object = json_object_new ();

        json = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (json, object);
        for (guint i = 0; i < tb_yaml_mapping_size (node); i++)
          {
            const char *key = tb_yaml_mapping_key (node, i)->scalar;
            gsize length = tb_yaml_path_push (path, key);
            JsonNode *member = node_to_json (tb_yaml_mapping_value (node, i), filename, path,
                                             error);

            g_string_truncate (path, length);
            if (member == NULL)
              return NULL;
            json_object_set_member (object, key, member);
          }
        return g_steal_pointer (&json);
      }

    case TB_YAML_SCALAR:
    default:
      if (is_nonfinite_number (node))
        {
          tb_yaml_set_error (error, filename, node->line,
                             _("'%s' must be a finite number, not '%s' (quote it to keep it "
                               "as text)"),
                             path->str, node->scalar);
          return NULL;
        }
      return scalar_to_json (node);
    }
}

JsonNode *
tb_yaml_node_to_json (const TbYamlNode  *node,
                      const char        *filename,
                      const char        *path,
                      GError           **error)
{
  g_autoptr(GString) walked = NULL;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (filename != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  walked = g_string_new (path);
  return node_to_json (node, filename, walked, error);
}

/* ------------------------------------------------------------------------------------ */
/* Reading YAML events into the tree                                                     */

typedef struct {
  const char     *filename;
  const char     *text;
  gsize           length;
  yaml_parser_t   parser;
  guint           depth;
  GString        *path;     /* of the node being read, for messages: "output.schema[2]" */
} Reader;

void
tb_yaml_set_error (GError     **error,
                   const char  *filename,
                   gsize        line,
                   const char  *format,
                   ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (line > 0)
    g_set_error (error, TB_ERROR, TB_ERROR_INVALID, "%s:%" G_GSIZE_FORMAT ": %s",
                 filename, line, message);
  else
    g_set_error (error, TB_ERROR, TB_ERROR_INVALID, "%s: %s", filename, message);
}

static gsize
line_at_offset (Reader *reader,
                gsize   offset)
{
  gsize line = 1;

  for (gsize i = 0; i < offset && i < reader->length; i++)
    if (reader->text[i] == '\n')
      line++;
  return line;
}

static void
set_syntax_error (Reader  *reader,
                  GError **error)
{
  yaml_parser_t *parser = &reader->parser;
  const char *problem = parser->problem != NULL ? parser->problem : _("invalid YAML");
  g_autoptr(GString) message = g_string_new (NULL);
  gsize line;

  if (parser->error == YAML_READER_ERROR)
    {
      line = line_at_offset (reader, parser->problem_offset);
      g_string_append (message, problem);
      if (parser->problem_value >= 0)
        g_string_append_printf (message, " (byte 0x%02x)", (guint) parser->problem_value);
    }
  else
    {
      line = parser->problem_mark.line + 1;
      g_string_append (message, problem);
      if (parser->context != NULL)
        g_string_append_printf (message, " (%s at line %" G_GSIZE_FORMAT ")",
                                parser->context, (gsize) parser->context_mark.line + 1);
    }

  tb_yaml_set_error (error, reader->filename, line, _("YAML syntax error: %s"), message->str);
}

static gboolean
next_event (Reader        *reader,
            yaml_event_t  *event,
            GError       **error)
{
  if (!yaml_parser_parse (&reader->parser, event))
    {
      set_syntax_error (reader, error);
      return FALSE;
    }
  return TRUE;
}

/* A scalar's text as a string: a NUL in it ("\0" in a quoted scalar) would silently cut
 * it short, so it is an error. */
static TbYamlNode *
read_scalar (Reader        *reader,
             yaml_event_t  *event,
             GError       **error)
{
  const char *value = (const char *) event->data.scalar.value;
  gsize length = event->data.scalar.length;
  TbYamlNode *node;

  if (memchr (value, '\0', length) != NULL)
    {
      tb_yaml_set_error (error, reader->filename, event->start_mark.line + 1,
                         _("text holds a NUL character ('\\0'), which is not allowed"));
      return NULL;
    }
  node = node_new (TB_YAML_SCALAR, event->start_mark.line + 1);
  node->scalar = g_strndup (value, length);
  return node;
}

static TbYamlNode *read_node (Reader       *reader,
                              yaml_event_t *event,
                              GError      **error);

static TbYamlNode *
read_sequence (Reader        *reader,
               yaml_event_t  *start,
               GError       **error)
{
  g_autoptr(TbYamlNode) node = node_new (TB_YAML_SEQUENCE, start->start_mark.line + 1);

  for (guint i = 0;; i++)
    {
      g_auto(yaml_event_t) event = { 0 };
      TbYamlNode *item;
      gsize length;

      if (!next_event (reader, &event, error))
        return NULL;
      if (event.type == YAML_SEQUENCE_END_EVENT)
        break;

      length = tb_yaml_path_push_index (reader->path, i);
      item = read_node (reader, &event, error);
      g_string_truncate (reader->path, length);
      if (item == NULL)
        return NULL;
      g_ptr_array_add (node->children, item);
    }

  return g_steal_pointer (&node);
}

/* A mapping's keys so far, to refuse a duplicate: looked up in a hash table once there
 * are more than a few, so that a file of many keys is not read in quadratic time. */
typedef struct {
  TbYamlNode *map;
  GHashTable *keys;   /* key text → key node; NULL while the mapping is small */
} SeenKeys;

static void
seen_keys_clear (SeenKeys *seen)
{
  g_clear_pointer (&seen->keys, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SeenKeys, seen_keys_clear)

static TbYamlNode *
seen_keys_lookup (SeenKeys   *seen,
                  const char *key)
{
  TbYamlNode *previous = NULL;

  if (seen->keys != NULL)
    return g_hash_table_lookup (seen->keys, key);
  tb_yaml_mapping_lookup (seen->map, key, &previous);
  return previous;
}

static void
seen_keys_add (SeenKeys   *seen,
               TbYamlNode *key)
{
  if (seen->keys == NULL && tb_yaml_mapping_size (seen->map) >= 16)
    {
      seen->keys = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < tb_yaml_mapping_size (seen->map); i++)
        {
          TbYamlNode *other = tb_yaml_mapping_key (seen->map, i);

          g_hash_table_insert (seen->keys, other->scalar, other);
        }
    }
  if (seen->keys != NULL)
    g_hash_table_insert (seen->keys, key->scalar, key);
}

static TbYamlNode *
read_mapping (Reader        *reader,
              yaml_event_t  *start,
              GError       **error)
{
  g_autoptr(TbYamlNode) node = node_new (TB_YAML_MAPPING, start->start_mark.line + 1);
  g_auto(SeenKeys) seen = { node, NULL };

  for (;;)
    {
      g_auto(yaml_event_t) key_event = { 0 };
      g_auto(yaml_event_t) value_event = { 0 };
      TbYamlNode *key;
      TbYamlNode *previous_key;
      TbYamlNode *value;
      gsize length;

      if (!next_event (reader, &key_event, error))
        return NULL;
      if (key_event.type == YAML_MAPPING_END_EVENT)
        break;

      if (key_event.type != YAML_SCALAR_EVENT)
        {
          tb_yaml_set_error (error, reader->filename, key_event.start_mark.line + 1,
                             _("a key under '%s' is not plain text "
                               "(lists and mappings cannot be keys)"),
                             reader->path->len > 0 ? reader->path->str : "the top level");
          return NULL;
        }

      key = read_scalar (reader, &key_event, error);
      if (key == NULL)
        return NULL;
      key->plain = TRUE;
      length = tb_yaml_path_push (reader->path, key->scalar);

      previous_key = seen_keys_lookup (&seen, key->scalar);
      if (previous_key != NULL)
        {
          tb_yaml_set_error (error, reader->filename, key->line,
                             _("duplicate key '%s' (first at line %lu)"),
                             reader->path->str, (gulong) previous_key->line);
          tb_yaml_node_free (key);
          return NULL;
        }
      g_ptr_array_add (node->children, key);
      seen_keys_add (&seen, key);

      if (!next_event (reader, &value_event, error))
        return NULL;
      value = read_node (reader, &value_event, error);
      if (value == NULL)
        return NULL;
      g_ptr_array_add (node->children, value);
      g_string_truncate (reader->path, length);
    }

  return g_steal_pointer (&node);
}

/* `event` is the first event of the node; the caller keeps ownership of it. */
static TbYamlNode *
read_node (Reader        *reader,
           yaml_event_t  *event,
           GError       **error)
{
  gsize line = event->start_mark.line + 1;
  TbYamlNode *node = NULL;

  switch (event->type)
    {
    case YAML_SCALAR_EVENT:
      node = read_scalar (reader, event, error);
      if (node == NULL)
        return NULL;
      node->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                    && (event->data.scalar.tag == NULL
                        || !g_str_equal ((const char *) event->data.scalar.tag,
                                         YAML_STR_TAG));
      return node;

    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
      if (reader->depth >= TB_YAML_MAX_DEPTH)
        {
          tb_yaml_set_error (error, reader->filename, line,
                             _("'%s' is nested more than %d levels deep"),
                             reader->path->str, TB_YAML_MAX_DEPTH);
          return NULL;
        }
      reader->depth++;
      if (event->type == YAML_SEQUENCE_START_EVENT)
        node = read_sequence (reader, event, error);
      else
        node = read_mapping (reader, event, error);
      reader->depth--;
      return node;

    case YAML_ALIAS_EVENT:
      tb_yaml_set_error (error, reader->filename, line,
                         _("aliases ('*%s') are not supported; write the value out"),
                         (const char *) event->data.alias.anchor);
      return NULL;

    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
    default:
      tb_yaml_set_error (error, reader->filename, line, _("unexpected YAML structure"));
      return NULL;
    }
}

/* Reads the single document of the stream. Returns NULL with `error` unset when the
 * stream holds no document at all. */
static TbYamlNode *
read_document (Reader  *reader,
               GError **error)
{
  g_auto(yaml_event_t) event = { 0 };
  g_auto(yaml_event_t) root_event = { 0 };
  g_autoptr(TbYamlNode) root = NULL;

  if (!next_event (reader, &event, error))    /* stream start */
    return NULL;
  yaml_event_delete (&event);

  if (!next_event (reader, &event, error))
    return NULL;
  if (event.type == YAML_STREAM_END_EVENT)
    return NULL;
  yaml_event_delete (&event);                 /* document start */

  if (!next_event (reader, &root_event, error))
    return NULL;
  root = read_node (reader, &root_event, error);
  if (root == NULL)
    return NULL;

  if (!next_event (reader, &event, error))    /* document end */
    return NULL;
  yaml_event_delete (&event);

  if (!next_event (reader, &event, error))
    return NULL;
  if (event.type != YAML_STREAM_END_EVENT)
    {
      tb_yaml_set_error (error, reader->filename, event.start_mark.line + 1,
                         _("a second YAML document starts here; a use case is one document"));
      return NULL;
    }

  return g_steal_pointer (&root);
}

/* UTF-16 or UTF-32 text without a byte order mark, told apart by where its NUL bytes
 * fall in the first few hundred bytes (text that starts with ASCII has one NUL beside
 * each character); NULL when the NULs follow no such pattern. */
static const char *
guess_wide_encoding (const guchar *s,
                     gsize         length)
{
  gsize groups = MIN (length, 256) / 4;
  gboolean high[4];
  guint nuls[4] = { 0 };

  if (groups < 2)
    return NULL;
  for (gsize i = 0; i < 4 * groups; i++)
    if (s[i] == 0)
      nuls[i % 4]++;
  for (guint j = 0; j < 4; j++)
    high[j] = 2 * nuls[j] > groups;

  if (high[1] && high[2] && high[3] && !high[0])
    return "UTF-32";    /* little-endian */
  if (high[0] && high[1] && high[2] && !high[3])
    return "UTF-32";    /* big-endian */
  if (high[1] && high[3] && !high[0] && !high[2])
    return "UTF-16";
  if (high[0] && high[2] && !high[1] && !high[3])
    return "UTF-16";
  return NULL;
}

/* libyaml reads UTF-16 too (with a byte order mark), and what it read could then not be
 * written back or shown as it is: only UTF-8 gets through, refused with a message that
 * says what to do. A UTF-8 byte order mark is fine (libyaml skips it). */
static gboolean
check_utf8 (Reader  *reader,
            GError **error)
{
  const guchar *s = (const guchar *) reader->text;
  gsize length = reader->length;
  const char *wide = NULL;
  const char *end = NULL;
  const char *nul;

  if (length >= 4 && ((s[0] == 0xff && s[1] == 0xfe && s[2] == 0 && s[3] == 0)
                      || (s[0] == 0 && s[1] == 0 && s[2] == 0xfe && s[3] == 0xff)))
    wide = "UTF-32";
  else if (length >= 2 && ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff)))
    wide = "UTF-16";
  else
    wide = guess_wide_encoding (s, length);
  if (wide != NULL)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("%s is %s text; save it as UTF-8"),
                   reader->filename, wide);
      return FALSE;
    }

  nul = memchr (reader->text, '\0', length);
  if (nul != NULL)
    {
      tb_yaml_set_error (error, reader->filename, line_at_offset (reader, nul - reader->text),
                         _("holds a NUL byte (binary data?); a YAML file is UTF-8 text"));
      return FALSE;
    }

  if (!g_utf8_validate_len (reader->text, length, &end))
    {
      tb_yaml_set_error (error, reader->filename, line_at_offset (reader, end - reader->text),
                         _("is not UTF-8 text (byte 0x%02x); save it as UTF-8"),
                         (guint) (guchar) *end);
      return FALSE;
    }
  return TRUE;
}

TbYamlNode *
tb_yaml_parse (const char  *text,
               gsize        length,
               const char  *filename,
               GError     **error)
{
  g_autoptr(TbYamlNode) root = NULL;
  g_autoptr(GString) path = g_string_new (NULL);
  Reader reader = { 0 };

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (filename != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  reader.filename = filename;
  reader.text = text != NULL ? text : "";
  reader.length = length;
  reader.path = path;

  if (!check_utf8 (&reader, error))
    return NULL;
  if (!yaml_parser_initialize (&reader.parser))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_FAILED, _("%s: cannot start the YAML parser"),
                   filename);
      return NULL;
    }
  yaml_parser_set_input_string (&reader.parser, (const unsigned char *) reader.text, length);
  root = read_document (&reader, error);
  yaml_parser_delete (&reader.parser);

  return g_steal_pointer (&root);
}

/* ------------------------------------------------------------------------------------ */
/* Writing                                                                               */

struct _TbYamlWriter {
  yaml_emitter_t  emitter;
  GString        *out;
  GArray         *open;     /* TbYamlKind of each mapping or sequence not closed yet */
  gboolean        failed;
  const char     *problem;  /* why, when libyaml does not say */
};

static int
write_to_gstring (void          *data,
                  unsigned char *buffer,
                  size_t         size)
{
  g_string_append_len (data, (const char *) buffer, size);
  return 1;
}

/* The emitter owns the event from here on, success or not. After a failure events are
 * dropped, so the callers need not check before each one. */
static void
emit (TbYamlWriter *self,
      yaml_event_t *event)
{
  if (self->failed)
    {
      yaml_event_delete (event);
      return;
    }
  if (!yaml_emitter_emit (&self->emitter, event))
    self->failed = TRUE;
}

TbYamlWriter *
tb_yaml_writer_new (void)
{
  TbYamlWriter *self = g_new0 (TbYamlWriter, 1);
  yaml_event_t event;

  self->out = g_string_new (NULL);
  self->open = g_array_new (FALSE, FALSE, sizeof (TbYamlKind));
  if (!yaml_emitter_initialize (&self->emitter))
    {
      self->failed = TRUE;
      return self;
    }
  yaml_emitter_set_output (&self->emitter, write_to_gstring, self->out);
  yaml_emitter_set_unicode (&self->emitter, 1);
  yaml_emitter_set_width (&self->emitter, -1);
  yaml_emitter_set_indent (&self->emitter, 2);

  yaml_stream_start_event_initialize (&event, YAML_UTF8_ENCODING);
  emit (self, &event);
  yaml_document_start_event_initialize (&event, NULL, NULL, NULL, 1);
  emit (self, &event);
  return self;
}

void
tb_yaml_writer_free (TbYamlWriter *self)
{
  if (self == NULL)
    return;
  yaml_emitter_delete (&self->emitter);
  g_string_free (self->out, TRUE);
  g_array_unref (self->open);
  g_free (self);
}

static void
emit_scalar (TbYamlWriter        *self,
             const char          *value,
             yaml_scalar_style_t  style)
{
  yaml_event_t event;

  if (self->failed)
    return;
  /* libyaml checks the text here, and fails without saying why */
  if (!yaml_scalar_event_initialize (&event, NULL, NULL, (yaml_char_t *) value, -1,
                                     1, 1, style))
    {
      self->failed = TRUE;
      self->problem = _("text that is not UTF-8");
      return;
    }
  emit (self, &event);
}

/* Numbers in any spelling some YAML reader knows (hex, .inf, YAML 1.1 sexagesimal
 * "12:30:00", dates): such text is quoted, so that every reader keeps it a string. */
static gboolean
looks_numeric (const char *value)
{
  const char *s = value;
  char *end;

  if (*value == '\0')
    return FALSE;
  g_ascii_strtod (value, &end);
  if (*end == '\0')
    return TRUE;
  if (*s == '-' || *s == '+')
    s++;
  if (*s == '.')
    return g_ascii_strcasecmp (s + 1, "inf") == 0 || g_ascii_strcasecmp (s + 1, "nan") == 0;
  if (!g_ascii_isdigit (*s))
    return FALSE;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b'))
    return TRUE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isdigit (*s) && strchr ("_:.-+eE", *s) == NULL)
      return FALSE;
  return TRUE;
}

/* Text must come back as the same text: quote what a reader would take for a number,
 * a boolean or null, and keep line breaks readable as literal blocks. libyaml falls back
 * to quoting by itself when a plain or block scalar cannot carry the value. */
void
tb_yaml_writer_string (TbYamlWriter *self,
                       const char   *value)
{
  yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
  gboolean b;

  g_return_if_fail (self != NULL);
  g_return_if_fail (value != NULL);

  if (strchr (value, '\n') != NULL)
    style = YAML_LITERAL_SCALAR_STYLE;
  else if (is_null_literal (value) || parse_bool_literal (value, &b) || is_yaml11_bool (value)
           || looks_numeric (value))
    style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
  emit_scalar (self, value, style);
}

void
tb_yaml_writer_plain (TbYamlWriter *self,
                      const char   *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (value != NULL);

  emit_scalar (self, value, YAML_PLAIN_SCALAR_STYLE);
}

void
tb_yaml_writer_open (TbYamlWriter *self,
                     TbYamlKind    kind,
                     gboolean      flow)
{
  yaml_event_t event;

  g_return_if_fail (self != NULL);
  g_return_if_fail (kind == TB_YAML_MAPPING || kind == TB_YAML_SEQUENCE);

  if (kind == TB_YAML_MAPPING)
    yaml_mapping_start_event_initialize (&event, NULL, NULL, 1,
                                         flow ? YAML_FLOW_MAPPING_STYLE
                                              : YAML_BLOCK_MAPPING_STYLE);
  else
    yaml_sequence_start_event_initialize (&event, NULL, NULL, 1,
                                          flow ? YAML_FLOW_SEQUENCE_STYLE
                                               : YAML_BLOCK_SEQUENCE_STYLE);
  g_array_append_val (self->open, kind);
  emit (self, &event);
}

void
tb_yaml_writer_close (TbYamlWriter *self)
{
  yaml_event_t event;
  TbYamlKind kind;

  g_return_if_fail (self != NULL);
  g_return_if_fail (self->open->len > 0);

  kind = g_array_index (self->open, TbYamlKind, self->open->len - 1);
  g_array_set_size (self->open, self->open->len - 1);
  if (kind == TB_YAML_MAPPING)
    yaml_mapping_end_event_initialize (&event);
  else
    yaml_sequence_end_event_initialize (&event);
  emit (self, &event);
}

void
tb_yaml_writer_member (TbYamlWriter *self,
                       const char   *key,
                       const char   *value)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  if (value == NULL)
    return;
  tb_yaml_writer_plain (self, key);
  tb_yaml_writer_string (self, value);
}

/* Shortest text that reads back as the same double. `force_float` keeps a whole number
 * a float in JSON ("3.0", not "3"). */
static void
format_double (char     *buffer,
               gsize     size,
               double    value,
               gboolean  force_float)
{
  g_ascii_formatd (buffer, size, "%.15g", value);
  if (g_ascii_strtod (buffer, NULL) != value)
    g_ascii_formatd (buffer, size, "%.17g", value);
  if (force_float && strpbrk (buffer, ".eEni") == NULL)
    g_strlcat (buffer, ".0", size);
}

void
tb_yaml_writer_double (TbYamlWriter *self,
                       double        value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE + 4];

  g_return_if_fail (self != NULL);

  format_double (buffer, sizeof buffer, value, FALSE);
  tb_yaml_writer_plain (self, buffer);
}

void
tb_yaml_writer_int (TbYamlWriter *self,
                    gint64        value)
{
  char buffer[32];

  g_return_if_fail (self != NULL);

  g_snprintf (buffer, sizeof buffer, "%" G_GINT64_FORMAT, value);
  tb_yaml_writer_plain (self, buffer);
}

/* Scalars and short flat containers stay on one line: {type: string}, [a, b]. */
static gboolean
json_is_flat (JsonNode *node)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (element) && !JSON_NODE_HOLDS_NULL (element))
            return FALSE;
          if (JSON_NODE_HOLDS_VALUE (element)
              && json_node_get_value_type (element) == G_TYPE_STRING
              && strchr (json_node_get_string (element), '\n') != NULL)
            return FALSE;
        }
      return TRUE;
    }

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      if (g_list_length (members) > 3)
        return FALSE;
      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *member = json_object_get_member (object, l->data);

          if (!JSON_NODE_HOLDS_VALUE (member) && !JSON_NODE_HOLDS_NULL (member))
            return FALSE;
          if (JSON_NODE_HOLDS_VALUE (member)
              && json_node_get_value_type (member) == G_TYPE_STRING
              && strlen (json_node_get_string (member)) > 40)
            return FALSE;
        }
      return TRUE;
    }

  return TRUE;
}

void
tb_yaml_writer_json (TbYamlWriter *self,
                     JsonNode     *node)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE + 4];

  g_return_if_fail (self != NULL);
  g_return_if_fail (node != NULL);

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) members = json_object_get_members (object);

        tb_yaml_writer_open (self, TB_YAML_MAPPING, json_is_flat (node));
        for (GList *l = members; l != NULL; l = l->next)
          {
            tb_yaml_writer_string (self, l->data);
            tb_yaml_writer_json (self, json_object_get_member (object, l->data));
          }
        tb_yaml_writer_close (self);
        break;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        tb_yaml_writer_open (self, TB_YAML_SEQUENCE, json_is_flat (node));
        for (guint i = 0; i < json_array_get_length (array); i++)
          tb_yaml_writer_json (self, json_array_get_element (array, i));
        tb_yaml_writer_close (self);
        break;
      }

    case JSON_NODE_NULL:
      tb_yaml_writer_plain (self, "null");
      break;

    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_BOOLEAN:
          tb_yaml_writer_plain (self, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_INT64:
          tb_yaml_writer_int (self, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          format_double (buffer, sizeof buffer, json_node_get_double (node), TRUE);
          tb_yaml_writer_plain (self, buffer);
          break;
        case G_TYPE_STRING:
          tb_yaml_writer_string (self, json_node_get_string (node));
          break;
        default:
          tb_yaml_writer_plain (self, "null");
          break;
        }
      break;
    }
}

char *
tb_yaml_writer_finish (TbYamlWriter  *self,
                       GError       **error)
{
  yaml_event_t event;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->open->len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!self->failed)
    {
      yaml_document_end_event_initialize (&event, 1);
      emit (self, &event);
      yaml_stream_end_event_initialize (&event);
      emit (self, &event);
    }
  if (!self->failed && !yaml_emitter_flush (&self->emitter))
    self->failed = TRUE;

  if (self->failed)
    {
      const char *problem = self->problem != NULL ? self->problem : self->emitter.problem;

      g_set_error (error, TB_ERROR, TB_ERROR_FAILED, _("Cannot write YAML: %s"),
                   problem != NULL ? problem : _("invalid text"));
      return NULL;
    }

  return g_strndup (self->out->str, self->out->len);
}
