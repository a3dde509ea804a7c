/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-json-reader"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "tb-error.h"
#include "tb-json-reader.h"

typedef struct {
  const char *start;
  const char *p;
  const char *end;
  guint       depth;
  guint       max_depth;
  GError    **error;
  const char * const *streamed;     /* nullable: root members whose elements go to `func` */
  TbJsonElementFunc   func;
  gpointer            user_data;
} Reader;

static JsonNode *read_value (Reader *reader);

/* The message with where `at` is: lines and columns counted in characters from 1. */
static void
fail_at (Reader     *reader,
         const char *at,
         const char *message)
{
  guint line = 1;
  glong column;
  const char *line_start = reader->start;

  if (reader->error == NULL || *reader->error != NULL)
    return;
  for (const char *c = reader->start; c < at; c++)
    if (*c == '\n')
      {
        line++;
        line_start = c + 1;
      }
  column = g_utf8_strlen (line_start, at - line_start) + 1;
  g_set_error (reader->error, TB_ERROR, TB_ERROR_INVALID, _("line %u, column %ld: %s"), line,
               column, message);
}

static void
fail (Reader     *reader,
      const char *message)
{
  fail_at (reader, reader->p, message);
}

static void
skip_blanks (Reader *reader)
{
  while (reader->p < reader->end
         && (*reader->p == ' ' || *reader->p == '\n' || *reader->p == '\r'
             || *reader->p == '\t'))
    reader->p++;
}

static gboolean
at_end (Reader *reader)
{
  if (reader->p < reader->end)
    return FALSE;
  fail (reader, _("the document ends too soon"));
  return TRUE;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Four hex digits after "\u"; -1 if they are not. */
static gint32
read_hex4 (const char *p,
           const char *end)
{
  gint32 value = 0;

  if (end - p < 4)
    return -1;
  for (int i = 0; i < 4; i++)
    {
      int digit = hex_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

/* The string whose opening quote `reader->p` is on; NULL on an error. */
static char *
read_string (Reader *reader)
{
  const char *run = ++reader->p;
  GString *text = NULL;

  for (;;)
    {
      const char *q = run;

      /* The common case: a stretch with nothing to decode. */
      while (q < reader->end && *q != '"' && *q != '\\' && (guchar) *q >= 0x20)
        q++;
      if (q >= reader->end)
        {
          reader->p = q;
          fail (reader, _("a string is not closed"));
          break;
        }
      if (*q == '"')
        {
          reader->p = q + 1;
          if (text == NULL)
            return g_strndup (run, q - run);
          g_string_append_len (text, run, q - run);
          return g_string_free (text, FALSE);
        }
      if (*q != '\\')
        {
          reader->p = q;
          fail (reader, _("a control character inside a string (it must be escaped)"));
          break;
        }

      if (text == NULL)
        text = g_string_sized_new ((q - run) + 64);
      g_string_append_len (text, run, q - run);
      if (q + 1 >= reader->end)
        {
          reader->p = q;
          fail (reader, _("a string is not closed"));
          break;
        }
      switch (q[1])
        {
        case '"': g_string_append_c (text, '"'); run = q + 2; continue;
        case '\\': g_string_append_c (text, '\\'); run = q + 2; continue;
        case '/': g_string_append_c (text, '/'); run = q + 2; continue;
        case 'b': g_string_append_c (text, '\b'); run = q + 2; continue;
        case 'f': g_string_append_c (text, '\f'); run = q + 2; continue;
        case 'n': g_string_append_c (text, '\n'); run = q + 2; continue;
        case 'r': g_string_append_c (text, '\r'); run = q + 2; continue;
        case 't': g_string_append_c (text, '\t'); run = q + 2; continue;
        case 'u':
          {
            gint32 unit = read_hex4 (q + 2, reader->end);
            gunichar c;

            if (unit < 0)
              {
                reader->p = q;
                fail (reader, _("\\u must be followed by four hex digits"));
                goto failed;
              }
            run = q + 6;
            c = unit;
            if (unit >= 0xD800 && unit <= 0xDBFF)
              {
                gint32 low = run + 1 < reader->end && run[0] == '\\' && run[1] == 'u'
                             ? read_hex4 (run + 2, reader->end) : -1;

                if (low >= 0xDC00 && low <= 0xDFFF)
                  {
                    c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    run += 6;
                  }
                else
                  c = 0xFFFD;
              }
            else if (unit >= 0xDC00 && unit <= 0xDFFF)
              c = 0xFFFD;
            /* A NUL would cut the string short in every C API after this one. */
            if (c == 0)
              c = 0xFFFD;
            g_string_append_unichar (text, c);
            continue;
          }
        default:
          reader->p = q;
          fail (reader, _("an unknown escape in a string"));
          goto failed;
        }
    }
failed:
  if (text != NULL)
    g_string_free (text, TRUE);
  return NULL;
}

static gboolean
is_digit (const char *p,
          const char *end)
{
  return p < end && *p >= '0' && *p <= '9';
}

static JsonNode *
read_number (Reader *reader)
{
  const char *start = reader->p;
  const char *p = start;
  gboolean integral = TRUE;
  char buffer[64];
  g_autofree char *long_copy = NULL;
  const char *copy;
  gsize length;

  if (*p == '-')
    p++;
  if (!is_digit (p, reader->end))
    {
      reader->p = p;
      fail (reader, _("a number has no digits"));
      return NULL;
    }
  if (*p == '0')
    p++;
  else
    while (is_digit (p, reader->end))
      p++;
  if (p < reader->end && *p == '.')
    {
      integral = FALSE;
      p++;
      if (!is_digit (p, reader->end))
        {
          reader->p = p;
          fail (reader, _("a number has no digits after its point"));
          return NULL;
        }
      while (is_digit (p, reader->end))
        p++;
    }
  if (p < reader->end && (*p == 'e' || *p == 'E'))
    {
      integral = FALSE;
      p++;
      if (p < reader->end && (*p == '+' || *p == '-'))
        p++;
      if (!is_digit (p, reader->end))
        {
          reader->p = p;
          fail (reader, _("a number has no digits in its exponent"));
          return NULL;
        }
      while (is_digit (p, reader->end))
        p++;
    }
  reader->p = p;

  length = p - start;
  if (length < sizeof buffer)
    {
      memcpy (buffer, start, length);
      buffer[length] = '\0';
      copy = buffer;
    }
  else
    copy = long_copy = g_strndup (start, length);

  if (integral)
    {
      gint64 value;

      errno = 0;
      value = g_ascii_strtoll (copy, NULL, 10);
      if (errno == 0)
        return json_node_init_int (json_node_alloc (), value);
    }
  return json_node_init_double (json_node_alloc (), g_ascii_strtod (copy, NULL));
}

static gboolean
read_word (Reader     *reader,
           const char *word)
{
  gsize length = strlen (word);

  if ((gsize) (reader->end - reader->p) >= length && memcmp (reader->p, word, length) == 0)
    {
      reader->p += length;
      return TRUE;
    }
  fail (reader, _("unexpected text (not a JSON value)"));
  return FALSE;
}

static gboolean
enter (Reader *reader)
{
  if (++reader->depth <= reader->max_depth)
    return TRUE;
  {
    g_autofree char *message = g_strdup_printf (_("arrays and objects nested more than %u "
                                                  "deep"), reader->max_depth);

    fail (reader, message);
  }
  return FALSE;
}

/* `streamed_member`: hand each element to the reader's func instead of keeping it. */
static JsonNode *
read_array (Reader     *reader,
            const char *streamed_member)
{
  JsonArray *array;
  JsonNode *node;

  if (!enter (reader))
    return NULL;
  array = json_array_new ();
  reader->p++;
  skip_blanks (reader);
  if (reader->p < reader->end && *reader->p == ']')
    reader->p++;
  else
    for (;;)
      {
        JsonNode *element = read_value (reader);

        if (element == NULL)
          goto failed;
        if (streamed_member != NULL)
          reader->func (streamed_member, element, reader->user_data);
        else
          json_array_add_element (array, element);
        skip_blanks (reader);
        if (at_end (reader))
          goto failed;
        if (*reader->p == ']')
          {
            reader->p++;
            break;
          }
        if (*reader->p != ',')
          {
            fail (reader, _("expected ',' or ']' in an array"));
            goto failed;
          }
        reader->p++;
      }
  reader->depth--;
  node = json_node_init (json_node_alloc (), JSON_NODE_ARRAY);
  json_node_take_array (node, array);
  return node;

failed:
  json_array_unref (array);
  return NULL;
}

static JsonNode *
read_object (Reader *reader)
{
  JsonObject *object;
  JsonNode *node;

  if (!enter (reader))
    return NULL;
  object = json_object_new ();
  reader->p++;
  skip_blanks (reader);
  if (reader->p < reader->end && *reader->p == '}')
    reader->p++;
  else
    for (;;)
      {
        g_autofree char *name = NULL;
        JsonNode *member;

        skip_blanks (reader);
        if (at_end (reader))
          goto failed;
        if (*reader->p != '"')
          {
            fail (reader, _("expected a member name in quotes"));
            goto failed;
          }
        name = read_string (reader);
        if (name == NULL)
          goto failed;
        skip_blanks (reader);
        if (at_end (reader))
          goto failed;
        if (*reader->p != ':')
          {
            fail (reader, _("expected ':' after a member name"));
            goto failed;
          }
        reader->p++;
        skip_blanks (reader);
        if (reader->depth == 1 && reader->streamed != NULL && reader->p < reader->end
            && *reader->p == '[' && g_strv_contains (reader->streamed, name))
          member = read_array (reader, name);
        else
          member = read_value (reader);
        if (member == NULL)
          goto failed;
        json_object_set_member (object, name, member);
        skip_blanks (reader);
        if (at_end (reader))
          goto failed;
        if (*reader->p == '}')
          {
            reader->p++;
            break;
          }
        if (*reader->p != ',')
          {
            fail (reader, _("expected ',' or '}' in an object"));
            goto failed;
          }
        reader->p++;
      }
  reader->depth--;
  node = json_node_init (json_node_alloc (), JSON_NODE_OBJECT);
  json_node_take_object (node, object);
  return node;

failed:
  json_object_unref (object);
  return NULL;
}

static JsonNode *
read_value (Reader *reader)
{
  skip_blanks (reader);
  if (at_end (reader))
    return NULL;
  switch (*reader->p)
    {
    case '{':
      return read_object (reader);
    case '[':
      return read_array (reader, NULL);
    case '"':
      {
        g_autofree char *text = read_string (reader);

        return text != NULL ? json_node_init_string (json_node_alloc (), text) : NULL;
      }
    case 't':
      return read_word (reader, "true") ? json_node_init_boolean (json_node_alloc (), TRUE)
                                        : NULL;
    case 'f':
      return read_word (reader, "false") ? json_node_init_boolean (json_node_alloc (), FALSE)
                                         : NULL;
    case 'n':
      return read_word (reader, "null") ? json_node_init_null (json_node_alloc ()) : NULL;
    default:
      if (*reader->p == '-' || (*reader->p >= '0' && *reader->p <= '9'))
        return read_number (reader);
      fail (reader, _("unexpected text (not a JSON value)"));
      return NULL;
    }
}

gboolean
tb_json_read_document (const char  *text,
                       gsize        length,
                       guint        max_depth,
                       JsonNode   **root,
                       GError     **error)
{
  return tb_json_read_document_streamed (text, length, max_depth, NULL, NULL, NULL, root,
                                         error);
}

gboolean
tb_json_read_document_streamed (const char          *text,
                                gsize                length,
                                guint                max_depth,
                                const char * const  *streamed,
                                TbJsonElementFunc    func,
                                gpointer             user_data,
                                JsonNode           **root,
                                GError             **error)
{
  Reader reader = { text, text, text + length, 0, max_depth, error, streamed, func,
                    user_data };
  JsonNode *node;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (root != NULL, FALSE);
  g_return_val_if_fail (streamed == NULL || func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *root = NULL;
  skip_blanks (&reader);
  if (reader.p == reader.end)
    return TRUE;
  node = read_value (&reader);
  if (node == NULL)
    return FALSE;
  skip_blanks (&reader);
  if (reader.p != reader.end)
    {
      fail (&reader, _("more text after the document"));
      json_node_unref (node);
      return FALSE;
    }
  *root = node;
  return TRUE;
}
