/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-yaml"

#include "config.h"

#include <glib.h>
#include <string.h>

#include "tb-error.h"
#include "tb-yaml.h"

static TbYamlNode *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  TbYamlNode *root = tb_yaml_parse (text, strlen (text), "t.yaml", &error);

  g_assert_no_error (error);
  g_assert_nonnull (root);
  return root;
}

static JsonNode *
to_json (const TbYamlNode *node)
{
  g_autoptr(GError) error = NULL;
  JsonNode *json = tb_yaml_node_to_json (node, "t.yaml", "value", &error);

  g_assert_no_error (error);
  g_assert_nonnull (json);
  return json;
}

/* The message of a document that must not parse. */
static char *
parse_error (const char *text,
             gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbYamlNode) root = tb_yaml_parse (text, length, "t.yaml", &error);

  if (root != NULL)
    g_error ("parsed but should not have: %s", text);
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  return g_strdup (error->message);
}

static void
test_tree (void)
{
  g_autoptr(TbYamlNode) root = parse_ok ("# comment\n"
                                         "a: 1\n"
                                         "b: \"1\"\n"
                                         "c:\n"
                                         "  - x\n"
                                         "  - {d: ~}\n"
                                         "e: !!str true\n"
                                         "f: |\n"
                                         "  two\n"
                                         "  lines\n");
  TbYamlNode *key = NULL;
  TbYamlNode *value;
  TbYamlNode *list;
  TbYamlNode *inner;
  g_autofree char *described = NULL;

  g_assert_cmpint (root->kind, ==, TB_YAML_MAPPING);
  g_assert_cmpuint (root->line, ==, 2);
  g_assert_cmpuint (tb_yaml_mapping_size (root), ==, 5);
  g_assert_cmpstr (tb_yaml_mapping_key (root, 0)->scalar, ==, "a");

  value = tb_yaml_mapping_lookup (root, "a", &key);
  g_assert_cmpuint (key->line, ==, 2);
  g_assert_cmpstr (value->scalar, ==, "1");
  g_assert_true (value->plain);

  /* quoted and tagged scalars are text, whatever they look like */
  value = tb_yaml_mapping_lookup (root, "b", NULL);
  g_assert_false (value->plain);
  value = tb_yaml_mapping_lookup (root, "e", NULL);
  g_assert_false (value->plain);
  g_assert_cmpstr (value->scalar, ==, "true");

  list = tb_yaml_mapping_lookup (root, "c", NULL);
  g_assert_cmpint (list->kind, ==, TB_YAML_SEQUENCE);
  g_assert_cmpuint (list->children->len, ==, 2);
  inner = g_ptr_array_index (list->children, 1);
  g_assert_cmpint (inner->kind, ==, TB_YAML_MAPPING);
  g_assert_cmpuint (inner->line, ==, 6);
  g_assert_true (tb_yaml_node_is_null (tb_yaml_mapping_lookup (inner, "d", NULL)));

  value = tb_yaml_mapping_lookup (root, "f", &key);
  g_assert_cmpstr (value->scalar, ==, "two\nlines\n");
  g_assert_cmpuint (key->line, ==, 8);

  g_assert_null (tb_yaml_mapping_lookup (root, "missing", &key));
  g_assert_null (key);

  described = tb_yaml_node_describe (list);
  g_assert_cmpstr (described, ==, "a list");
  g_clear_pointer (&described, g_free);
  described = tb_yaml_node_describe (inner);
  g_assert_cmpstr (described, ==, "a mapping");
  g_clear_pointer (&described, g_free);
  described = tb_yaml_node_describe (tb_yaml_mapping_lookup (inner, "d", NULL));
  g_assert_cmpstr (described, ==, "empty");
  g_clear_pointer (&described, g_free);
  described = tb_yaml_node_describe (tb_yaml_mapping_lookup (root, "a", NULL));
  g_assert_cmpstr (described, ==, "'1'");

  {
    g_autofree char *top = tb_yaml_path_join ("", "name");
    g_autofree char *nested = tb_yaml_path_join ("judge", "model");
    g_autofree char *null_parent = tb_yaml_path_join (NULL, "x");

    g_assert_cmpstr (top, ==, "name");
    g_assert_cmpstr (nested, ==, "judge.model");
    g_assert_cmpstr (null_parent, ==, "x");
  }

  /* no document at all: NULL without an error */
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (tb_yaml_parse ("# nothing\n", 10, "t.yaml", &error));
    g_assert_no_error (error);
    g_assert_null (tb_yaml_parse (NULL, 0, "t.yaml", &error));
    g_assert_no_error (error);
  }
}

static void
test_literals (void)
{
  const struct {
    const char *text;
    gboolean    is_null;
    int         boolean;   /* -1: not a boolean */
    gboolean    is_number;
    double      number;
    gboolean    is_int;
    gint64      integer;
    gboolean    is_text;
  } cases[] = {
    { "~", TRUE, -1, FALSE, 0, FALSE, 0, FALSE },
    { "null", TRUE, -1, FALSE, 0, FALSE, 0, FALSE },
    { "NULL", TRUE, -1, FALSE, 0, FALSE, 0, FALSE },
    { "True", FALSE, TRUE, FALSE, 0, FALSE, 0, FALSE },
    { "false", FALSE, FALSE, FALSE, 0, FALSE, 0, FALSE },
    { "yes", FALSE, -1, FALSE, 0, FALSE, 0, TRUE },
    { "42", FALSE, -1, TRUE, 42, TRUE, 42, FALSE },
    { "+7", FALSE, -1, TRUE, 7, TRUE, 7, FALSE },
    { "-3", FALSE, -1, TRUE, -3, TRUE, -3, FALSE },
    { "1.5", FALSE, -1, TRUE, 1.5, FALSE, 0, FALSE },
    { ".5", FALSE, -1, TRUE, 0.5, FALSE, 0, FALSE },
    { "1e3", FALSE, -1, TRUE, 1000, FALSE, 0, FALSE },
    { "1e308", FALSE, -1, TRUE, 1e308, FALSE, 0, FALSE },
    { "9223372036854775807", FALSE, -1, TRUE, 9223372036854775807.0, TRUE, G_MAXINT64, FALSE },
    { "-9223372036854775808", FALSE, -1, TRUE, -9223372036854775808.0, TRUE, G_MININT64, FALSE },
    { "9223372036854775808", FALSE, -1, TRUE, 9223372036854775808.0, FALSE, 0, FALSE },
    /* never a number: not finite, or not decimal */
    { "1e999", FALSE, -1, FALSE, 0, FALSE, 0, FALSE },
    { "-1e999", FALSE, -1, FALSE, 0, FALSE, 0, FALSE },
    { ".inf", FALSE, -1, FALSE, 0, FALSE, 0, FALSE },
    { ".nan", FALSE, -1, FALSE, 0, FALSE, 0, FALSE },
    { "0x1F", FALSE, -1, FALSE, 0, FALSE, 0, TRUE },
    { "1_000", FALSE, -1, FALSE, 0, FALSE, 0, TRUE },
    { "e5", FALSE, -1, FALSE, 0, FALSE, 0, TRUE },
    { "1e", FALSE, -1, FALSE, 0, FALSE, 0, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      TbYamlNode node = { TB_YAML_SCALAR, 1, (char *) cases[i].text, TRUE, NULL };
      TbYamlNode quoted = { TB_YAML_SCALAR, 1, (char *) cases[i].text, FALSE, NULL };
      gboolean b = -1;
      double d = 0;
      gint64 n = 0;

      g_test_message ("%s", cases[i].text);
      g_assert_cmpint (tb_yaml_node_is_null (&node), ==, cases[i].is_null);
      g_assert_cmpint (tb_yaml_node_get_boolean (&node, &b), ==, cases[i].boolean >= 0);
      if (cases[i].boolean >= 0)
        g_assert_cmpint (b, ==, cases[i].boolean);
      g_assert_cmpint (tb_yaml_node_get_number (&node, &d), ==, cases[i].is_number);
      if (cases[i].is_number)
        g_assert_cmpfloat (d, ==, cases[i].number);
      g_assert_cmpint (tb_yaml_node_get_int (&node, &n), ==, cases[i].is_int);
      if (cases[i].is_int)
        g_assert_cmpint (n, ==, cases[i].integer);
      g_assert_cmpint (tb_yaml_node_get_text (&node) != NULL, ==, cases[i].is_text);
      g_assert_cmpstr (tb_yaml_node_get_text (&quoted), ==, cases[i].text);

      /* a quoted scalar is always text */
      g_assert_false (tb_yaml_node_is_null (&quoted));
      g_assert_false (tb_yaml_node_get_boolean (&quoted, &b));
      g_assert_false (tb_yaml_node_get_number (&quoted, &d));
      g_assert_false (tb_yaml_node_get_int (&quoted, &n));
    }
}

static void
test_to_json (void)
{
  g_autoptr(TbYamlNode) root = parse_ok ("int: 42\n"
                                         "big: 99999999999999999999\n"
                                         "float: 2.5\n"
                                         "bool: false\n"
                                         "null: ~\n"
                                         "text: hello\n"
                                         "quoted: \"42\"\n"
                                         "list: [1, a, {b: c}]\n");
  g_autoptr(JsonNode) json = to_json (root);
  JsonObject *object = json_node_get_object (json);
  JsonArray *list;

  g_assert_cmpint (json_object_get_int_member (object, "int"), ==, 42);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "big")), ==,
                   G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_object_get_double_member (object, "float"), ==, 2.5);
  g_assert_false (json_object_get_boolean_member (object, "bool"));
  g_assert_true (json_object_get_null_member (object, "null"));
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, "hello");
  g_assert_cmpstr (json_object_get_string_member (object, "quoted"), ==, "42");
  list = json_object_get_array_member (object, "list");
  g_assert_cmpuint (json_array_get_length (list), ==, 3);
  g_assert_cmpint (json_array_get_int_element (list, 0), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 2), "b"),
                   ==, "c");

  /* JSON has no infinite numbers: such a value is an error naming where it is */
  for (const char * const *text = (const char * const[]) {
         "a:\n  b: [1, .inf]\n", "a:\n  b: [1, -.Inf]\n", "a:\n  b: [1, .NaN]\n",
         "a:\n  b: [1, 1e999]\n", "a:\n  b: [1, -2e400]\n", NULL }; *text != NULL; text++)
    {
      g_autoptr(TbYamlNode) bad = parse_ok (*text);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) none = tb_yaml_node_to_json (bad, "t.yaml", "top", &error);

      g_assert_null (none);
      g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
      if (!g_str_has_prefix (error->message, "t.yaml:2: 'top.a.b[1]' must be a finite number"))
        g_error ("%s", error->message);
    }

  /* quoted, they are text */
  {
    g_autoptr(TbYamlNode) quoted = parse_ok ("a: [\".inf\", '1e999']\n");
    g_autoptr(JsonNode) text = to_json (quoted);
    JsonArray *a = json_object_get_array_member (json_node_get_object (text), "a");

    g_assert_cmpstr (json_array_get_string_element (a, 0), ==, ".inf");
    g_assert_cmpstr (json_array_get_string_element (a, 1), ==, "1e999");
  }
}

static void
test_errors (void)
{
  const struct {
    const char *text;
    gssize      length;
    const char *message;
  } cases[] = {
    { "a: [b\n", -1, "t.yaml:2: YAML syntax error: did not find expected ',' or ']'" },
    { "a: 1\nb: 2\na: 3\n", -1, "t.yaml:3: duplicate key 'a' (first at line 1)" },
  { "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: 8\ni: 9\nj: 10\nk: 11\nl: 12\nm: 13\n"
    "n: 14\no: 15\np: 16\nq: 17\nr: 18\nb: 19\n", -1,
    "t.yaml:19: duplicate key 'b' (first at line 2)" },
    { "a:\n  b: 1\n  b: 2\n", -1, "t.yaml:3: duplicate key 'a.b' (first at line 2)" },
    { "a: &x 1\nb: *x\n", -1, "t.yaml:2: aliases ('*x') are not supported" },
    { "? [a]\n: b\n", -1, "t.yaml:1: a key under 'the top level' is not plain text" },
    { "a: 1\n---\nb: 2\n", -1, "t.yaml:2: a second YAML document starts here" },
    { "a: \"x\\0y\"\n", -1, "t.yaml:1: text holds a NUL character" },
    { "\"k\\x00\": 1\n", -1, "t.yaml:1: text holds a NUL character" },
    { "a: 1\nb: x\0y\n", 11, "t.yaml:2: holds a NUL byte (binary data?)" },
    { "a: 1\nb: \xc3\x28\n", -1, "t.yaml:2: is not UTF-8 text (byte 0xc3); save it as UTF-8" },
    { "a: 1\n\n\nb: \xed\xa0\x80\n", -1, "t.yaml:4: is not UTF-8 text (byte 0xed)" },
    { "\xff\xfe" "a\0:\0 \0" "1\0", 10, "t.yaml is UTF-16 text; save it as UTF-8" },
    { "\xfe\xff" "\0a\0:\0 \0" "1", 10, "t.yaml is UTF-16 text; save it as UTF-8" },
    { "a\0:\0 \0" "1\0\n\0", 10, "t.yaml is UTF-16 text; save it as UTF-8" },
    { "\xff\xfe\0\0" "a\0\0\0:\0\0\0", 12, "t.yaml is UTF-32 text; save it as UTF-8" },
    { "\0\0\0a\0\0\0:\0\0\0 \0\0\0" "1", 16, "t.yaml is UTF-32 text; save it as UTF-8" },
    { "a: 1\x01\n", -1, "t.yaml:1: YAML syntax error: control characters are not allowed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize length = cases[i].length >= 0 ? (gsize) cases[i].length : strlen (cases[i].text);
      g_autofree char *message = parse_error (cases[i].text, length);

      if (!g_str_has_prefix (message, cases[i].message))
        g_error ("case %u: '%s' does not start with '%s'", i, message, cases[i].message);
    }
}

static void
test_depth (void)
{
  g_autoptr(GString) ok = g_string_new ("a: ");
  g_autoptr(GString) deep = g_string_new ("a: ");
  g_autoptr(TbYamlNode) root = NULL;
  g_autofree char *message = NULL;

  /* the top mapping is one level, so 63 lists fit */
  for (guint i = 0; i < TB_YAML_MAX_DEPTH - 1; i++)
    g_string_append_c (ok, '[');
  for (guint i = 0; i < TB_YAML_MAX_DEPTH - 1; i++)
    g_string_append_c (ok, ']');
  g_string_append_c (ok, '\n');
  root = parse_ok (ok->str);

  for (guint i = 0; i < TB_YAML_MAX_DEPTH; i++)
    g_string_append (deep, "{b: ");
  message = parse_error (deep->str, deep->len);
  g_assert_true (g_str_has_prefix (message, "t.yaml:1: 'a.b.b."));
  g_assert_nonnull (strstr (message, "is nested more than 64 levels deep"));
}

/* Paths name places in messages; a long key is cut short. */
static void
test_paths (void)
{
  g_autoptr(GString) path = g_string_new (NULL);
  g_autofree char *long_key = g_strnfill (1000, 'k');
  g_autofree char *joined = NULL;
  g_autofree char *accents = NULL;
  gsize top;
  gsize item;

  top = tb_yaml_path_push (path, "output");
  g_assert_cmpuint (top, ==, 0);
  tb_yaml_path_push (path, "schema");
  item = tb_yaml_path_push_index (path, 3);
  g_assert_cmpstr (path->str, ==, "output.schema[3]");
  g_string_truncate (path, item);
  tb_yaml_path_push (path, long_key);
  g_assert_true (g_str_has_prefix (path->str, "output.schema.kkkk"));
  g_assert_true (g_str_has_suffix (path->str, "k…"));
  g_assert_cmpuint (strlen (path->str), ==, strlen ("output.schema.") + 60 + strlen ("…"));
  g_string_truncate (path, top);
  g_assert_cmpstr (path->str, ==, "");

  joined = tb_yaml_path_join ("a", long_key);
  g_assert_cmpuint (strlen (joined), ==, 2 + 60 + strlen ("…"));

  /* never cut inside a character */
  {
    g_autoptr(GString) e = g_string_new (NULL);

    for (guint i = 0; i < 40; i++)
      g_string_append (e, "é");
    accents = tb_yaml_path_join (NULL, e->str);
    g_assert_true (g_utf8_validate (accents, -1, NULL));
    g_assert_true (g_str_has_suffix (accents, "é…"));
  }
}

/* Sanitizers make every allocation slow: there the files are smaller (they still check
 * for crashes and leaks); the plain build, also under valgrind, measures the time. */
#ifdef __SANITIZE_ADDRESS__
#define HOSTILE_SCALE 100
#else
#define HOSTILE_SCALE 1
#endif

/* "? <key of key_length>\n: [a, a, …]" with `items` items. */
static GString *
long_key_document (gsize key_length,
                   guint items)
{
  GString *text = g_string_new ("? ");

  for (gsize i = 0; i < key_length; i++)
    g_string_append_c (text, 'k');
  g_string_append (text, "\n: [");
  for (guint i = 0; i < items; i++)
    g_string_append (text, "a, ");
  g_string_append (text, "a]\n");
  return text;
}

static gint64
time_to_parse (GString *text)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TbYamlNode) root = tb_yaml_parse (text->str, text->len, "t.yaml", &error);

  return g_get_monotonic_time () - start;
}

/* Hostile shapes that took minutes: a long key above many items was copied into every
 * item's path, and each key was compared with all the keys before it. Each must now
 * take about as long as a file of as many nodes without the trap (the best of two runs,
 * the baseline first, so that a busy machine or a cold heap does not decide). */
static void
test_linear_time (void)
{
  guint n = 50000 / HOSTILE_SCALE;
  g_autoptr(GString) long_key = long_key_document (200000 / HOSTILE_SCALE, n);
  g_autoptr(GString) short_key = long_key_document (1, n);
  g_autoptr(GString) many_keys = g_string_new (NULL);
  g_autoptr(GString) few_keys = g_string_new (NULL);
  g_autofree char *message = NULL;
  gint64 hostile;
  gint64 baseline;

  baseline = MIN (time_to_parse (short_key), time_to_parse (short_key));
  hostile = MIN (time_to_parse (long_key), time_to_parse (long_key));
  g_test_message ("long key: %" G_GINT64_FORMAT " µs, short key: %" G_GINT64_FORMAT " µs",
                  hostile, baseline);
  g_assert_cmpint (hostile, <, 4 * baseline + G_USEC_PER_SEC / 2);

  for (guint i = 0; i < n / 2; i++)
    {
      g_string_append_printf (many_keys, "k%u: %u\n", i, i);
      g_string_append_printf (few_keys, "- k%u: %u\n", i, i);
    }
  baseline = MIN (time_to_parse (few_keys), time_to_parse (few_keys));
  hostile = MIN (time_to_parse (many_keys), time_to_parse (many_keys));
  g_test_message ("many keys: %" G_GINT64_FORMAT " µs, one each: %" G_GINT64_FORMAT " µs",
                  hostile, baseline);
  g_assert_cmpint (hostile, <, 4 * baseline + G_USEC_PER_SEC / 2);

  /* and the last duplicate is still found */
  g_string_append (many_keys, "k7: again\n");
  message = parse_error (many_keys->str, many_keys->len);
  g_assert_true (g_str_has_suffix (message, ": duplicate key 'k7' (first at line 8)"));
}

/* Whatever text goes in comes back as the same text, for any YAML reader: quoted where
 * it could pass for something else, a literal block when it has line breaks. */
static void
test_writer (void)
{
  static const char *texts[] = {
    "plain", "", " leading space", "trailing space ", "true", "False", "yes", "No", "on",
    "OFF", "y", "n", "null", "~", "42", "-7", "1.5", "1e3", ".inf", "-.Inf", ".NaN",
    "0x1F", "0o17", "12:30:00", "2024-01-31", "1_000", "- item", "# not a comment",
    "key: value", "a #b", "[x]", "{y}", "*alias", "&anchor", "!tag", "%directive", "@at",
    "`tick`", "'single'", "\"double\"", "back\\slash", "tab\there", "é – ✓",
    "one\ntwo", "ends with newline\n", "\nstarts with newline", "two\n\n\nblank lines\n\n",
    "  indented\nblock", "trailing spaces  \nline", "\r\nwindows", "bell\x07", NULL
  };
  g_autoptr(TbYamlWriter) writer = tb_yaml_writer_new ();
  g_autoptr(TbYamlNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = NULL;
  TbYamlNode *list;

  tb_yaml_writer_open (writer, TB_YAML_MAPPING, FALSE);
  tb_yaml_writer_plain (writer, "texts");
  tb_yaml_writer_open (writer, TB_YAML_SEQUENCE, FALSE);
  for (guint i = 0; texts[i] != NULL; i++)
    tb_yaml_writer_string (writer, texts[i]);
  tb_yaml_writer_close (writer);
  tb_yaml_writer_member (writer, "member", "value");
  tb_yaml_writer_member (writer, "absent", NULL);
  tb_yaml_writer_plain (writer, "numbers");
  tb_yaml_writer_open (writer, TB_YAML_SEQUENCE, TRUE);
  tb_yaml_writer_double (writer, 40);
  tb_yaml_writer_double (writer, 30.5);
  tb_yaml_writer_double (writer, 0.1);
  tb_yaml_writer_double (writer, 1e-7);
  tb_yaml_writer_int (writer, G_MININT64);
  tb_yaml_writer_close (writer);
  tb_yaml_writer_close (writer);
  yaml = tb_yaml_writer_finish (writer, &error);
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_test_message ("%s", yaml);

  g_assert_nonnull (strstr (yaml, "member: value\n"));
  g_assert_null (strstr (yaml, "absent"));
  g_assert_nonnull (strstr (yaml, "numbers: [40, 30.5, 0.1, 1e-07, -9223372036854775808]\n"));

  root = parse_ok (yaml);
  list = tb_yaml_mapping_lookup (root, "texts", NULL);
  for (guint i = 0; texts[i] != NULL; i++)
    {
      TbYamlNode *item = g_ptr_array_index (list->children, i);
      g_autoptr(JsonNode) json = to_json (item);

      g_assert_cmpint (item->kind, ==, TB_YAML_SCALAR);
      g_assert_cmpstr (item->scalar, ==, texts[i]);
      /* and it is text to a reader that types plain scalars, too */
      g_assert_cmpint (json_node_get_value_type (json), ==, G_TYPE_STRING);
    }
  g_assert_null (tb_yaml_mapping_lookup (root, "absent", NULL));
}

static void
test_writer_json (void)
{
  const char *json_text =
    "{\"type\": \"object\", \"n\": 3, \"whole\": 3.0, \"tiny\": 2e-08, \"neg\": -0.5,"
    " \"t\": true, \"nothing\": null, \"s\": \"yes\", \"multi\": \"a\\nb\","
    " \"list\": [1, \"two\", [3], {\"four\": 4}], \"empty\": {}, \"none\": [],"
    " \"deep\": {\"a\": {\"b\": {\"c\": [\"d\"]}}}, \"1.5\": \"key that looks like a number\"}";
  g_autoptr(JsonNode) json = json_from_string (json_text, NULL);
  g_autoptr(TbYamlWriter) writer = tb_yaml_writer_new ();
  g_autoptr(TbYamlNode) root = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  g_assert_nonnull (json);
  tb_yaml_writer_json (writer, json);
  yaml = tb_yaml_writer_finish (writer, &error);
  g_assert_no_error (error);
  if (g_test_verbose ())
    g_test_message ("%s", yaml);
  g_assert_nonnull (strstr (yaml, "whole: 3.0\n"));

  root = parse_ok (yaml);
  back = to_json (root);
  a = json_to_string (json, FALSE);
  b = json_to_string (back, FALSE);
  g_assert_cmpstr (a, ==, b);
  g_assert_true (json_node_equal (json, back));
}

static void
test_writer_failure (void)
{
  g_autoptr(TbYamlWriter) writer = tb_yaml_writer_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *yaml = NULL;

  /* libyaml refuses text that is not UTF-8; later calls do nothing, finish says why */
  tb_yaml_writer_open (writer, TB_YAML_MAPPING, FALSE);
  tb_yaml_writer_member (writer, "bad", "caf\xe9");
  tb_yaml_writer_member (writer, "good", "after the failure");
  tb_yaml_writer_close (writer);
  yaml = tb_yaml_writer_finish (writer, &error);
  g_assert_null (yaml);
  g_assert_error (error, TB_ERROR, TB_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "Cannot write YAML: text that is not UTF-8");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/yaml/tree", test_tree);
  g_test_add_func ("/yaml/literals", test_literals);
  g_test_add_func ("/yaml/to-json", test_to_json);
  g_test_add_func ("/yaml/errors", test_errors);
  g_test_add_func ("/yaml/depth", test_depth);
  g_test_add_func ("/yaml/paths", test_paths);
  g_test_add_func ("/yaml/linear-time", test_linear_time);
  g_test_add_func ("/yaml/writer", test_writer);
  g_test_add_func ("/yaml/writer-json", test_writer_json);
  g_test_add_func ("/yaml/writer-failure", test_writer_failure);

  return g_test_run ();
}
