/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The JSON reader against json-glib: every document both read gives the same tree (as
 * json-glib writes it), what is not JSON is refused with where it stands, and thousands
 * of seeded random documents and their mutants agree. */
#include "config.h"

#include <string.h>

#include "tb-core.h"
#include "tb-json-reader.h"

/* What json-glib reads `text` as, written back; NULL when it refuses it. */
static char *
json_glib_reads (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root != NULL ? json_to_string (root, FALSE) : g_strdup ("");
}

static char *
reader_reads (const char  *text,
              GError     **error)
{
  g_autoptr(JsonNode) root = NULL;

  if (!tb_json_read_document (text, strlen (text), 64, &root, error))
    return NULL;
  return root != NULL ? json_to_string (root, FALSE) : g_strdup ("");
}

static void
test_same_as_json_glib (void)
{
  static const char *documents[] = {
    "{}", "[]", "  {\"a\" : 1 }\n", "[1, -2, 0, -0, 3.5, -0.25, 1e3, 2E-2, 1.5e+2]",
    "{\"big\": 9223372036854775807, \"small\": -9223372036854775808}",
    "[true, false, null, \"\", \"x\"]",
    "{\"s\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}",
    "{\"u\": \"\\u00e9\\u4e2d\\ud83d\\ude00 caf\xc3\xa9\"}",
    "{\"nested\": {\"a\": [1, {\"b\": [[], {}]}]}, \"after\": 2}",
    "{\"dup\": 1, \"other\": 2, \"dup\": 3}",
    "[\"tab\\tinside\", 123456789012, 0.1, 100, 1E400]",
    "\t\r\n[ 1 ,2 ]\t\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *ours = reader_reads (documents[i], &error);
      g_autofree char *theirs = json_glib_reads (documents[i]);

      g_test_message ("%s", documents[i]);
      g_assert_no_error (error);
      g_assert_nonnull (theirs);
      g_assert_cmpstr (ours, ==, theirs);
    }
}

static void
test_kinds (void)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  const char *text = "[1, 1.0, 1e2, -7, 99999999999999999999]";

  g_assert_true (tb_json_read_document (text, strlen (text), 8, &root, &error));
  g_assert_no_error (error);
  array = json_node_get_array (root);
  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 0)), ==,
                   G_TYPE_INT64);
  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 1)), ==,
                   G_TYPE_DOUBLE);
  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 2)), ==,
                   G_TYPE_DOUBLE);
  g_assert_cmpint (json_array_get_int_element (array, 3), ==, -7);
  /* too large for 64 bits: a double, not a wrapped integer */
  g_assert_cmpint (json_node_get_value_type (json_array_get_element (array, 4)), ==,
                   G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_array_get_double_element (array, 4), ==, 1e20);

  g_clear_pointer (&root, json_node_unref);
  g_assert_true (tb_json_read_document (" \n\t", 3, 8, &root, &error));
  g_assert_null (root);
}

static void
test_refused (void)
{
  static const struct {
    const char *text;
    const char *message;
  } cases[] = {
    { "[1,]", "line 1, column 4: unexpected text (not a JSON value)" },
    { "{\"a\": 1,}", "line 1, column 9: expected a member name in quotes" },
    { "{'a': 1}", "line 1, column 2: expected a member name in quotes" },
    { "[01]", "line 1, column 3: expected ',' or ']' in an array" },
    { "[1.]", "line 1, column 4: a number has no digits after its point" },
    { "[.5]", "line 1, column 2: unexpected text (not a JSON value)" },
    { "[-]", "line 1, column 3: a number has no digits" },
    { "[1e]", "line 1, column 4: a number has no digits in its exponent" },
    { "[0x10]", "line 1, column 3: expected ',' or ']' in an array" },
    { "[tru]", "line 1, column 2: unexpected text (not a JSON value)" },
    { "[NaN]", "line 1, column 2: unexpected text (not a JSON value)" },
    { "\"abc", "line 1, column 5: a string is not closed" },
    { "[\"a\x01\"]", "line 1, column 4: a control character inside a string (it must be "
                     "escaped)" },
    { "[\"a\nb\"]", "line 1, column 4: a control character inside a string (it must be "
                    "escaped)" },
    { "[\"\\x\"]", "line 1, column 3: an unknown escape in a string" },
    { "[\"\\u12g4\"]", "line 1, column 3: \\u must be followed by four hex digits" },
    { "{\"a\" 1}", "line 1, column 6: expected ':' after a member name" },
    { "{1: 2}", "line 1, column 2: expected a member name in quotes" },
    { "[1 2]", "line 1, column 4: expected ',' or ']' in an array" },
    { "{\"a\": 1 \"b\": 2}", "line 1, column 9: expected ',' or '}' in an object" },
    { "[] []", "line 1, column 4: more text after the document" },
    { "/* c */ []", "line 1, column 1: unexpected text (not a JSON value)" },
    { "[\n  1,\n  \xc3\xa9]", "line 3, column 3: unexpected text (not a JSON value)" },
    { "[", "line 1, column 2: the document ends too soon" },
    { "{\"a\":", "line 1, column 6: the document ends too soon" },
    { "[[[[1]]]]", "line 1, column 4: arrays and objects nested more than 3 deep" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].text);
      g_assert_false (tb_json_read_document (cases[i].text, strlen (cases[i].text), 3, &root,
                                             &error));
      g_assert_null (root);
      g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

/* ---- random documents ------------------------------------------------------------------ */

static void
random_string (GRand   *rand,
               GString *out)
{
  static const char *pieces[] = {
    "a", "Z", " ", "0", "é", "中", "😀", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\r", "\\b",
    "\\f", "\\u00e9", "\\u4E2D", "\\ud83d\\ude00", "\\u0041", "{", "]", ":", ",",
  };
  guint n = g_rand_int_range (rand, 0, 12);

  g_string_append_c (out, '"');
  for (guint i = 0; i < n; i++)
    g_string_append (out, pieces[g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces))]);
  g_string_append_c (out, '"');
}

static void
random_blank (GRand   *rand,
              GString *out)
{
  static const char *blanks[] = { "", "", " ", "\n", "\t", "\r\n  " };

  g_string_append (out, blanks[g_rand_int_range (rand, 0, G_N_ELEMENTS (blanks))]);
}

static void
random_value (GRand   *rand,
              GString *out,
              guint    depth)
{
  static const char *numbers[] = {
    "0", "-0", "7", "-12", "123456789", "9223372036854775807", "-9223372036854775808",
    "0.5", "-3.25", "1e5", "2.5E-3", "1e+2", "6.02e23", "0.0", "100.0",
  };
  guint kind = g_rand_int_range (rand, 0, depth < 5 ? 8 : 6);

  switch (kind)
    {
    case 0: g_string_append (out, "true"); break;
    case 1: g_string_append (out, "null"); break;
    case 2:
    case 3:
      g_string_append (out, numbers[g_rand_int_range (rand, 0, G_N_ELEMENTS (numbers))]);
      break;
    case 4:
    case 5: random_string (rand, out); break;
    case 6:
      {
        guint n = g_rand_int_range (rand, 0, 5);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            random_blank (rand, out);
            random_value (rand, out, depth + 1);
            random_blank (rand, out);
          }
        g_string_append_c (out, ']');
        break;
      }
    default:
      {
        guint n = g_rand_int_range (rand, 0, 5);

        g_string_append_c (out, '{');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            random_blank (rand, out);
            random_string (rand, out);
            random_blank (rand, out);
            g_string_append_c (out, ':');
            random_blank (rand, out);
            random_value (rand, out, depth + 1);
          }
        g_string_append_c (out, '}');
        break;
      }
    }
}

/* One byte changed, dropped or added, from those that matter to JSON. */
static void
mutate (GRand   *rand,
        GString *text)
{
  static const char bytes[] = "{}[],:\"\\ 0123456789-+.eEtrufalsn'/*x";
  gsize at = text->len > 0 ? g_rand_int_range (rand, 0, text->len) : 0;
  char byte = bytes[g_rand_int_range (rand, 0, sizeof bytes - 1)];

  switch (g_rand_int_range (rand, 0, 3))
    {
    case 0:
      if (text->len > 0 && (guchar) text->str[at] < 0x80)
        text->str[at] = byte;
      break;
    case 1:
      if (text->len > 0 && (guchar) text->str[at] < 0x80)
        g_string_erase (text, at, 1);
      break;
    default:
      if (at == 0 || (guchar) text->str[at] < 0x80)
        g_string_insert_c (text, at, byte);
      break;
    }
}

static gboolean
lone_surrogate_escape (const char *text)
{
  return strstr (text, "\\ud") != NULL || strstr (text, "\\uD") != NULL;
}

static gboolean
long_digit_run (const char *text)
{
  guint run = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      run = g_ascii_isdigit (*p) ? run + 1 : 0;
      if (run >= 19)
        return TRUE;
    }
  return FALSE;
}

static void
test_random_agree (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261202);
  guint both = 0, both_refused = 0, only_json_glib = 0;

  for (guint i = 0; i < 4000; i++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      guint mutations = i % 2 == 0 ? 0 : g_rand_int_range (rand, 1, 4);

      random_blank (rand, text);
      random_value (rand, text, g_rand_int_range (rand, 0, 4));
      random_blank (rand, text);
      for (guint m = 0; m < mutations; m++)
        mutate (rand, text);
      if (!g_utf8_validate (text->str, text->len, NULL))
        continue;

      {
        g_autoptr(GError) error = NULL;
        g_autofree char *ours = reader_reads (text->str, &error);
        g_autofree char *theirs = json_glib_reads (text->str);

        if (ours != NULL)
          {
            /* What the reader takes is JSON, which json-glib takes the same way; but for a
             * lone surrogate, which json-glib refuses or garbles and the reader reads as
             * U+FFFD, and an integer past 64 bits, which json-glib wraps and the reader
             * reads as a double. */
            if (lone_surrogate_escape (text->str) || long_digit_run (text->str))
              continue;
            if (theirs == NULL || g_strcmp0 (ours, theirs) != 0)
              g_error ("document %u: %s\nreader: %s\njson-glib: %s", i, text->str, ours,
                       theirs != NULL ? theirs : "(refused)");
            both++;
          }
        else
          {
            g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
            g_assert_true (g_str_has_prefix (error->message, "line "));
            /* json-glib takes comments, single quotes, hex and more: never the other way. */
            /* ("05" as 5, "- 2" as -2, ".12", "0xE5", "\u00 41" cut short, …) */
            if (theirs != NULL)
              only_json_glib++;
            else
              both_refused++;
            /* An unmutated document is JSON: the reader must take it. */
            g_assert_cmpuint (mutations, >, 0);
          }
      }
    }
  g_test_message ("%u read alike, %u refused by both, %u taken by json-glib only", both,
                  both_refused, only_json_glib);
  g_assert_cmpuint (both, >, 1500);
  g_assert_cmpuint (both_refused, >, 300);
}


static void
collect_element (const char *member,
                 JsonNode   *element,
                 gpointer    user_data)
{
  GString *seen = user_data;
  g_autofree char *text = json_to_string (element, FALSE);

  g_string_append_printf (seen, "%s=%s;", member, text);
  json_node_unref (element);
}

/* Streams `text` with the root arrays "a" and "scores" handed over; gives what was handed
 * over and the root as it remains (NULL on an error). */
static char *
streamed_reads (const char  *text,
                char       **handed,
                GError     **error)
{
  static const char * const streamed[] = { "a", "scores", NULL };
  GString *seen = g_string_new (NULL);
  g_autoptr(JsonNode) root = NULL;
  gboolean ok = tb_json_read_document_streamed (text, strlen (text), 64, streamed,
                                                collect_element, seen, &root, error);

  *handed = g_string_free (seen, FALSE);
  if (!ok)
    return NULL;
  return root != NULL ? json_to_string (root, FALSE) : g_strdup ("");
}

/* The elements of the named root arrays are handed over in order and the arrays stay
 * empty; nothing else changes: other members, the same names deeper down, a named member
 * that is no array. An error still says where it is. */
static void
test_streamed (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *handed = NULL;
  g_autofree char *root = NULL;

  root = streamed_reads ("{\"a\": [1, {\"b\": [2, 3]}, \"x\"], \"keep\": [7],\n"
                         " \"scores\": [{\"a\": [5]}, [6]], \"o\": {\"a\": [8]}}",
                         &handed, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handed, ==, "a=1;a={\"b\":[2,3]};a=\"x\";scores={\"a\":[5]};scores=[6];");
  g_assert_cmpstr (root, ==, "{\"a\":[],\"keep\":[7],\"scores\":[],\"o\":{\"a\":[8]}}");
  g_clear_pointer (&handed, g_free);
  g_clear_pointer (&root, g_free);

  /* a named member that is not an array, and an empty one */
  root = streamed_reads ("{\"a\": 4, \"scores\": []}", &handed, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handed, ==, "");
  g_assert_cmpstr (root, ==, "{\"a\":4,\"scores\":[]}");
  g_clear_pointer (&handed, g_free);
  g_clear_pointer (&root, g_free);

  /* a root array is no root object: nothing is streamed */
  root = streamed_reads ("[{\"a\": [1]}]", &handed, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (handed, ==, "");
  g_assert_cmpstr (root, ==, "[{\"a\":[1]}]");
  g_clear_pointer (&handed, g_free);
  g_clear_pointer (&root, g_free);

  /* broken inside the streamed array: the elements before it were handed over */
  root = streamed_reads ("{\"scores\": [1,\n 2,\n }", &handed, &error);
  g_assert_null (root);
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "line 3, column 2"));
  g_assert_cmpstr (handed, ==, "scores=1;scores=2;");
}

static void
gather_element (const char *member,
                JsonNode   *element,
                gpointer    user_data)
{
  GHashTable *handed = user_data;
  JsonArray *array = g_hash_table_lookup (handed, member);

  if (array == NULL)
    {
      array = json_array_new ();
      g_hash_table_insert (handed, g_strdup (member), array);
    }
  json_array_add_element (array, element);
}

/* Streaming changes what is kept, never what is read: over the seeded random documents and
 * their mutants, a streamed read of every root array refuses what the plain read refuses,
 * with the same words, and its handed elements put back in their arrays give the plain
 * read's tree. */
static void
test_random_streamed (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261203);
  guint compared = 0, refused = 0, streamed_arrays = 0;

  for (guint i = 0; i < 3000; i++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GError) streamed_error = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autoptr(JsonNode) streamed_root = NULL;
      g_autoptr(GHashTable) handed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           (GDestroyNotify) json_array_unref);
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      guint mutations = i % 3 == 0 ? g_rand_int_range (rand, 1, 4) : 0;
      gboolean ok, streamed_ok;

      /* a root object, so that there are root arrays to stream */
      g_string_append_c (text, '{');
      for (guint m = 0, n = g_rand_int_range (rand, 0, 6); m < n; m++)
        {
          g_string_append_printf (text, "%s\"m%u\": ", m > 0 ? ", " : "", m);
          if (g_rand_boolean (rand))
            {
              g_string_append_c (text, '[');
              for (guint e = 0, count = g_rand_int_range (rand, 0, 4); e < count; e++)
                {
                  if (e > 0)
                    g_string_append_c (text, ',');
                  random_value (rand, text, 1);
                }
              g_string_append_c (text, ']');
            }
          else
            random_value (rand, text, 1);
        }
      g_string_append_c (text, '}');
      for (guint m = 0; m < mutations; m++)
        mutate (rand, text);
      if (!g_utf8_validate (text->str, text->len, NULL))
        continue;

      for (guint m = 0; m < 6; m++)
        g_ptr_array_add (names, g_strdup_printf ("m%u", m));
      g_ptr_array_add (names, NULL);
      ok = tb_json_read_document (text->str, text->len, 64, &root, &error);
      streamed_ok = tb_json_read_document_streamed (text->str, text->len, 64,
                                                    (const char * const *) names->pdata,
                                                    gather_element, handed, &streamed_root,
                                                    &streamed_error);
      for (guint m = 0; m < 6; m++)
        g_free (g_ptr_array_index (names, m));
      g_assert_cmpint (ok, ==, streamed_ok);
      if (!ok)
        {
          g_assert_cmpstr (streamed_error->message, ==, error->message);
          refused++;
          continue;
        }
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        continue;

      {
        JsonObject *object = json_node_get_object (streamed_root);
        GHashTableIter iter;
        gpointer name, array;
        g_autofree char *plain = json_to_string (root, FALSE);
        g_autofree char *put_back = NULL;

        g_hash_table_iter_init (&iter, handed);
        while (g_hash_table_iter_next (&iter, &name, &array))
          {
            JsonNode *member = json_object_get_member (object, name);

            g_assert_nonnull (member);
            g_assert_true (JSON_NODE_HOLDS_ARRAY (member));
            g_assert_cmpuint (json_array_get_length (json_node_get_array (member)), ==, 0);
            json_node_set_array (member, array);
            streamed_arrays++;
          }
        put_back = json_to_string (streamed_root, FALSE);
        g_assert_cmpstr (put_back, ==, plain);
        compared++;
      }
    }
  g_test_message ("%u compared (%u arrays streamed), %u refused alike", compared,
                  streamed_arrays, refused);
  g_assert_cmpuint (compared, >, 1500);
  g_assert_cmpuint (streamed_arrays, >, 1500);
  g_assert_cmpuint (refused, >, 300);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json-reader/same-as-json-glib", test_same_as_json_glib);
  g_test_add_func ("/json-reader/kinds", test_kinds);
  g_test_add_func ("/json-reader/refused", test_refused);
  g_test_add_func ("/json-reader/random-agree", test_random_agree);
  g_test_add_func ("/json-reader/streamed", test_streamed);
  g_test_add_func ("/json-reader/random-streamed", test_random_streamed);

  return g_test_run ();
}
