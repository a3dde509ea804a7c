/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tb-error.h"
#include "tb-format.h"

/* The lecture chapters schema of DESIGN.md, as the YAML loader hands it over. */
static const char *chapters_schema =
  "{\"type\": \"array\","
  " \"items\": {\"type\": \"object\","
  "   \"required\": [\"title\", \"description\", \"start_time\", \"end_time\"],"
  "   \"properties\": {"
  "     \"title\": {\"type\": \"string\"},"
  "     \"description\": {\"type\": \"string\"},"
  "     \"start_time\": {\"type\": \"string\", \"pattern\": \"^\\\\d{2}:\\\\d{2}:\\\\d{2}$\"},"
  "     \"end_time\": {\"type\": \"string\", \"pattern\": \"^\\\\d{2}:\\\\d{2}:\\\\d{2}$\"}}}}";

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static char *
join_errors (GPtrArray *errors)
{
  g_autoptr(GString) all = g_string_new (NULL);

  for (guint i = 0; i < errors->len; i++)
    g_string_append_printf (all, "%s\n", (char *) g_ptr_array_index (errors, i));
  return g_string_free (g_steal_pointer (&all), FALSE);
}

static void
assert_has_error (GPtrArray  *errors,
                  const char *expected)
{
  for (guint i = 0; i < errors->len; i++)
    if (strstr (g_ptr_array_index (errors, i), expected) != NULL)
      return;

  {
    g_autofree char *all = join_errors (errors);

    g_error ("expected an error containing «%s», got:\n%s", expected, all);
  }
}

/* Runs the schema check; returns the messages (empty when valid) and checks the result
 * agrees with them. */
static GPtrArray *
schema_errors (const char *schema_text,
               const char *instance_text)
{
  g_autoptr(JsonNode) schema = parse_json (schema_text);
  g_autoptr(JsonNode) instance = parse_json (instance_text);
  GPtrArray *errors = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = tb_json_schema_check (schema, instance, errors);

  g_assert_cmpint (ok, ==, errors->len == 0);
  return errors;
}

static void
assert_schema_passes (const char *schema_text,
                      const char *instance_text)
{
  g_autoptr(GPtrArray) errors = schema_errors (schema_text, instance_text);

  if (errors->len > 0)
    {
      g_autofree char *all = join_errors (errors);

      g_error ("%s should pass %s, got:\n%s", instance_text, schema_text, all);
    }
}

static void
assert_schema_fails (const char *schema_text,
                     const char *instance_text,
                     const char *expected)
{
  g_autoptr(GPtrArray) errors = schema_errors (schema_text, instance_text);

  assert_has_error (errors, expected);
}

/* Code fences */

static void
assert_stripped (const char *input,
                 const char *expected)
{
  g_autofree char *stripped = tb_strip_code_fence (input);

  g_assert_cmpstr (stripped, ==, expected);
}

static void
test_fence_variants (void)
{
  assert_stripped ("```json\n[1, 2]\n```", "[1, 2]");
  assert_stripped ("```\n{\"a\": 1}\n```", "{\"a\": 1}");
  assert_stripped ("  \n\n```JSON\n{\"a\": 1}\n```  \n\n", "{\"a\": 1}");
  assert_stripped ("```csv\r\na,b\r\n1,2\r\n```\r\n", "a,b\r\n1,2");
  assert_stripped ("````\n[1]\n````", "[1]");
  assert_stripped ("```json\n[1]```", "[1]");
  assert_stripped ("```[1]```", "[1]");
  assert_stripped ("```json\n\n  {\"a\": 1}\n\n```", "{\"a\": 1}");
  assert_stripped ("\n  [1, 2]  \n", "[1, 2]");
  assert_stripped ("", "");
  assert_stripped (NULL, "");
  assert_stripped ("```", "```");
}

static void
test_fence_left_alone (void)
{
  /* A fence inside the content is part of it. */
  assert_stripped ("Here it is:\n```json\n[1]\n```\nDone.",
                   "Here it is:\n```json\n[1]\n```\nDone.");
  assert_stripped ("# Title\n\n```c\nint x;\n```",
                   "# Title\n\n```c\nint x;\n```");
  assert_stripped ("```c\nint x;\n```\nSome prose between.",
                   "```c\nint x;\n```\nSome prose between.");
  /* Two separate code blocks do not make one surrounding fence. */
  assert_stripped ("```python\na = 1\n```\nand then\n```python\nb = 2\n```",
                   "```python\na = 1\n```\nand then\n```python\nb = 2\n```");
  /* A wrapped Markdown document may hold its own (balanced) code block. */
  assert_stripped ("```markdown\n# Notes\n```c\nint x;\n```\nEnd.\n```",
                   "# Notes\n```c\nint x;\n```\nEnd.");
  /* Prose after the backticks on the first line is not a language tag. */
  assert_stripped ("``` this is not a tag\n[1]\n```", "``` this is not a tag\n[1]\n```");
}

/* JSON */

static void
test_json_valid (void)
{
  g_autoptr(TbFormatCheck) check = tb_format_check ("```json\n{\"a\": [1, 2]}\n```",
                                                    TB_FORMAT_JSON, NULL);

  g_assert_true (check->valid);
  g_assert_cmpuint (check->errors->len, ==, 0);
  g_assert_cmpstr (check->cleaned, ==, "{\"a\": [1, 2]}");
}

static void
test_json_invalid (void)
{
  g_autoptr(TbFormatCheck) check = tb_format_check ("[\n  {\"a\": 1},\n  {\"b\": }\n]",
                                                    TB_FORMAT_JSON, NULL);
  g_autoptr(TbFormatCheck) trailing = tb_format_check ("{\"a\": 1} and more",
                                                       TB_FORMAT_JSON, NULL);
  g_autoptr(TbFormatCheck) empty = tb_format_check ("```json\n```", TB_FORMAT_JSON, NULL);
  g_autoptr(TbFormatCheck) blank = tb_format_check (" \n\t ", TB_FORMAT_JSON, NULL);

  g_assert_false (check->valid);
  g_assert_cmpuint (check->errors->len, ==, 1);
  assert_has_error (check->errors, "Invalid JSON at line 3, column");
  g_assert_null (strstr (g_ptr_array_index (check->errors, 0), "<data>"));

  g_assert_false (trailing->valid);
  assert_has_error (trailing->errors, "Invalid JSON at line 1");

  g_assert_false (empty->valid);
  assert_has_error (empty->errors, "empty");
  g_assert_false (blank->valid);
  assert_has_error (blank->errors, "empty");
}

static void
test_json_with_schema (void)
{
  g_autoptr(JsonNode) schema = parse_json (chapters_schema);
  g_autoptr(TbFormatCheck) good = tb_format_check (
    "```json\n"
    "[{\"title\": \"Intro\", \"description\": \"Why\", \"start_time\": \"00:00:00\","
    "  \"end_time\": \"00:05:10\"}]\n"
    "```", TB_FORMAT_JSON, schema);
  g_autoptr(TbFormatCheck) bad = tb_format_check (
    "[{\"title\": \"Intro\", \"description\": \"Why\", \"start_time\": \"00:00:00\","
    "  \"end_time\": \"00:05:10\"},"
    " {\"title\": \"Part\", \"start_time\": \"1:00\", \"end_time\": \"00:09:00\"}]",
    TB_FORMAT_JSON, schema);

  g_assert_true (good->valid);
  g_assert_false (bad->valid);
  g_assert_cmpuint (bad->errors->len, ==, 2);
  assert_has_error (bad->errors, "$[1]: missing required property \"description\"");
  assert_has_error (bad->errors,
                    "$[1].start_time: \"1:00\" does not match pattern ^\\d{2}:\\d{2}:\\d{2}$");
}

/* CSV */

static void
test_csv_good (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tb_csv_parse ("name,age\nAda,36\r\nLin,7\n\n", &error);
  g_autoptr(TbFormatCheck) check = tb_format_check ("```csv\nname,age\nAda,36\n```",
                                                    TB_FORMAT_CSV, NULL);
  GStrv row;

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  row = g_ptr_array_index (rows, 2);
  g_assert_cmpuint (g_strv_length (row), ==, 2);
  g_assert_cmpstr (row[0], ==, "Lin");
  g_assert_cmpstr (row[1], ==, "7");

  g_assert_true (check->valid);
  g_assert_cmpstr (check->cleaned, ==, "name,age\nAda,36");
}

static void
test_csv_quotes (void)
{
  g_autoptr(GError) error = NULL;
  const char *text =
    "title,notes,n\n"
    "\"Hello, world\",\"She said \"\"hi\"\"\",1\n"
    "\"two\nlines\",\"\",2\n"
    "plain,a\"b,3\n";
  g_autoptr(GPtrArray) rows = tb_csv_parse (text, &error);
  g_autoptr(TbFormatCheck) check = tb_format_check (text, TB_FORMAT_CSV, NULL);
  GStrv row;

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 4);
  row = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (row[0], ==, "Hello, world");
  g_assert_cmpstr (row[1], ==, "She said \"hi\"");
  g_assert_cmpstr (row[2], ==, "1");
  row = g_ptr_array_index (rows, 2);
  g_assert_cmpstr (row[0], ==, "two\nlines");
  g_assert_cmpstr (row[1], ==, "");
  row = g_ptr_array_index (rows, 3);
  g_assert_cmpstr (row[1], ==, "a\"b");

  g_assert_true (check->valid);
}

static void
test_csv_ragged (void)
{
  g_autoptr(TbFormatCheck) check = tb_format_check ("a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n"
                                                    "1,2,3\n1,2,3,4,5\n",
                                                    TB_FORMAT_CSV, NULL);

  g_assert_false (check->valid);
  g_assert_cmpuint (check->errors->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (check->errors, 0), ==, "row 5 has 3 columns, header has 4");
  g_assert_cmpstr (g_ptr_array_index (check->errors, 1), ==, "row 6 has 5 columns, header has 4");
}

static void
test_csv_unterminated (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tb_csv_parse ("a,b\n1,\"open\n2,3\n", &error);
  g_autoptr(TbFormatCheck) check = tb_format_check ("a,b\n1,\"open\n2,3\n", TB_FORMAT_CSV, NULL);

  g_assert_null (rows);
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "line 2"));
  g_assert_false (check->valid);
  assert_has_error (check->errors, "Invalid CSV: row 2: the quoted field opened on line 2");
}

static void
test_csv_header_only (void)
{
  g_autoptr(TbFormatCheck) check = tb_format_check ("a,b,c\n", TB_FORMAT_CSV, NULL);
  g_autoptr(TbFormatCheck) unnamed = tb_format_check ("a,,c\n1,2,3", TB_FORMAT_CSV, NULL);
  g_autoptr(TbFormatCheck) empty = tb_format_check ("\n\n", TB_FORMAT_CSV, NULL);

  g_assert_true (check->valid);
  g_assert_false (unnamed->valid);
  assert_has_error (unnamed->errors, "column 2 has no name");
  g_assert_false (empty->valid);
}

static void
test_text_markdown (void)
{
  g_autoptr(TbFormatCheck) text = tb_format_check ("Some words", TB_FORMAT_TEXT, NULL);
  g_autoptr(TbFormatCheck) md = tb_format_check ("```markdown\n# Title\n```",
                                                 TB_FORMAT_MARKDOWN, NULL);
  g_autoptr(TbFormatCheck) blank = tb_format_check ("  \n ", TB_FORMAT_MARKDOWN, NULL);
  g_autoptr(TbFormatCheck) fenced_empty = tb_format_check ("```\n\n```", TB_FORMAT_TEXT, NULL);

  g_assert_true (text->valid);
  g_assert_true (md->valid);
  g_assert_cmpstr (md->cleaned, ==, "# Title");
  g_assert_false (blank->valid);
  g_assert_false (fenced_empty->valid);
}

/* Schema keywords */

static void
test_schema_type (void)
{
  struct { const char *type; const char *good; const char *bad; const char *message; } cases[] = {
    { "string", "\"x\"", "1", "$: expected string, got number" },
    { "number", "1.5", "\"1.5\"", "$: expected number, got string" },
    { "number", "3", "true", "$: expected number, got boolean" },
    { "integer", "3", "3.5", "$: expected integer, got 3.5" },
    { "integer", "2.0", "\"2\"", "$: expected integer, got string" },
    { "boolean", "false", "null", "$: expected boolean, got null" },
    { "object", "{}", "[]", "$: expected object, got array" },
    { "array", "[]", "{}", "$: expected array, got object" },
    { "null", "null", "0", "$: expected null, got number" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *schema = g_strdup_printf ("{\"type\": \"%s\"}", cases[i].type);

      assert_schema_passes (schema, cases[i].good);
      assert_schema_fails (schema, cases[i].bad, cases[i].message);
    }

  assert_schema_passes ("{\"type\": [\"string\", \"null\"]}", "null");
  assert_schema_passes ("{\"type\": [\"string\", \"null\"]}", "\"a\"");
  assert_schema_fails ("{\"type\": [\"string\", \"null\"]}", "1",
                       "$: expected string or null, got number");
}

static void
test_schema_properties (void)
{
  const char *schema = "{\"type\": \"object\", \"properties\": {"
                       "  \"name\": {\"type\": \"string\"},"
                       "  \"inner\": {\"type\": \"object\", \"properties\": {"
                       "    \"count\": {\"type\": \"integer\"}}},"
                       "  \"odd key\": {\"type\": \"string\"}}}";

  assert_schema_passes (schema, "{\"name\": \"a\", \"inner\": {\"count\": 2}, \"other\": 1}");
  assert_schema_passes (schema, "{}");
  assert_schema_fails (schema, "{\"name\": 5}", "$.name: expected string, got number");
  assert_schema_fails (schema, "{\"inner\": {\"count\": \"2\"}}",
                       "$.inner.count: expected integer, got string");
  assert_schema_fails (schema, "{\"odd key\": 1}", "$[\"odd key\"]: expected string");
}

static void
test_schema_required (void)
{
  const char *schema = "{\"type\": \"object\", \"required\": [\"a\", \"b\"]}";
  g_autoptr(GPtrArray) errors = schema_errors (schema, "{\"b\": null}");

  assert_schema_passes (schema, "{\"a\": 1, \"b\": 2}");
  g_assert_cmpuint (errors->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (errors, 0), ==, "$: missing required property \"a\"");
}

static void
test_schema_items (void)
{
  const char *schema = "{\"type\": \"array\", \"items\": {\"type\": \"array\","
                       " \"items\": {\"type\": \"number\"}}}";
  g_autoptr(GPtrArray) errors = schema_errors (schema, "[[1], [2, \"x\"], \"y\"]");

  assert_schema_passes (schema, "[[1, 2.5], []]");
  g_assert_cmpuint (errors->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (errors, 0), ==, "$[1][1]: expected number, got string");
  g_assert_cmpstr (g_ptr_array_index (errors, 1), ==, "$[2]: expected array, got string");
}

static void
test_schema_enum (void)
{
  const char *schema = "{\"enum\": [\"low\", 1, null, {\"a\": [1, 2]}]}";

  assert_schema_passes (schema, "\"low\"");
  assert_schema_passes (schema, "1.0");
  assert_schema_passes (schema, "null");
  assert_schema_passes (schema, "{\"a\": [1, 2]}");
  assert_schema_fails (schema, "\"high\"", "$: \"high\" is not one of [\"low\",1,null,");
  assert_schema_fails (schema, "{\"a\": [2, 1]}", "$: {\"a\":[2,1]} is not one of");
  assert_schema_fails (schema, "\"1\"", "$: \"1\" is not one of");
  assert_schema_fails ("{\"properties\": {\"level\": {\"enum\": [\"a\", \"b\"]}}}",
                       "{\"level\": \"c\"}", "$.level: \"c\" is not one of [\"a\",\"b\"]");
}

static void
test_schema_pattern (void)
{
  const char *schema = "{\"type\": \"string\", \"pattern\": \"^[a-z]+-\\\\d+$\"}";

  assert_schema_passes (schema, "\"abc-12\"");
  assert_schema_fails (schema, "\"abc-\"", "$: \"abc-\" does not match pattern ^[a-z]+-\\d+$");
  /* JSON Schema patterns are searched for, not anchored. */
  assert_schema_passes ("{\"pattern\": \"b\"}", "\"abc\"");
  /* A pattern applies to strings only. */
  assert_schema_passes ("{\"pattern\": \"b\"}", "12");
  assert_schema_fails ("{\"pattern\": \"(\"}", "\"x\"", "is not a valid regular expression");
}

static void
test_schema_min_max_items (void)
{
  const char *schema = "{\"type\": \"array\", \"minItems\": 2, \"maxItems\": 3}";

  assert_schema_passes (schema, "[1, 2]");
  assert_schema_passes (schema, "[1, 2, 3]");
  assert_schema_fails (schema, "[1]", "$: has 1 item, at least 2 required");
  assert_schema_fails (schema, "[1, 2, 3, 4]", "$: has 4 items, at most 3 allowed");
}

static void
test_schema_extras (void)
{
  const char *schema = "{\"type\": \"object\", \"properties\": {"
                       " \"score\": {\"type\": \"number\", \"minimum\": 0, \"maximum\": 10}},"
                       " \"additionalProperties\": false,"
                       " \"description\": \"unknown keywords are ignored\","
                       " \"x-custom\": {\"anything\": true}}";

  assert_schema_passes (schema, "{\"score\": 7.5}");
  assert_schema_fails (schema, "{\"score\": 11}", "$.score: 11 is greater than the maximum 10");
  assert_schema_fails (schema, "{\"score\": -1}", "$.score: -1 is less than the minimum 0");
  assert_schema_fails (schema, "{\"score\": 1, \"extra\": 2}",
                       "$: property \"extra\" is not allowed");
  assert_schema_passes ("{\"format\": \"date\", \"minLength\": 100}", "\"x\"");
  assert_schema_passes ("true", "[1]");
  assert_schema_fails ("false", "[1]", "$: no value is allowed");
}

static void
test_schema_chapters (void)
{
  g_autoptr(GPtrArray) errors = NULL;
  GString *items = g_string_new ("[");

  assert_schema_passes (chapters_schema,
    "[{\"title\": \"A\", \"description\": \"a\", \"start_time\": \"00:00:00\","
    "  \"end_time\": \"00:04:59\"},"
    " {\"title\": \"B\", \"description\": \"b\", \"start_time\": \"00:05:00\","
    "  \"end_time\": \"00:09:30\"}]");
  assert_schema_fails (chapters_schema, "{\"title\": \"A\"}", "$: expected array, got object");
  assert_schema_fails (chapters_schema,
    "[{\"title\": 3, \"description\": \"a\", \"start_time\": \"00:00:00\","
    "  \"end_time\": \"00:04:59\"}]", "$[0].title: expected string, got number");

  /* 30 chapters, each with one fault: the list stops at 20 and counts the rest. */
  for (guint i = 0; i < 30; i++)
    g_string_append_printf (items, "%s{\"title\": \"T%u\", \"description\": \"d\","
                            " \"start_time\": \"%u:00\", \"end_time\": \"00:00:01\"}",
                            i > 0 ? ", " : "", i, i);
  g_string_append (items, "]");
  errors = schema_errors (chapters_schema, items->str);
  g_string_free (items, TRUE);

  g_assert_cmpuint (errors->len, ==, 21);
  g_assert_cmpstr (g_ptr_array_index (errors, 0), ==,
                   "$[0].start_time: \"0:00\" does not match pattern ^\\d{2}:\\d{2}:\\d{2}$");
  g_assert_cmpstr (g_ptr_array_index (errors, 3), ==,
                   "$[3].start_time: \"3:00\" does not match pattern ^\\d{2}:\\d{2}:\\d{2}$");
  g_assert_cmpstr (g_ptr_array_index (errors, 20), ==, "… and 10 more");
}

static void
test_schema_appends (void)
{
  g_autoptr(JsonNode) schema = parse_json ("{\"type\": \"string\"}");
  g_autoptr(JsonNode) good = parse_json ("\"s\"");
  g_autoptr(JsonNode) bad = parse_json ("1");
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (errors, g_strdup ("earlier"));
  g_assert_true (tb_json_schema_check (schema, good, errors));
  g_assert_cmpuint (errors->len, ==, 1);
  g_assert_false (tb_json_schema_check (schema, bad, errors));
  g_assert_cmpuint (errors->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (errors, 0), ==, "earlier");
  /* Callers that only want the verdict may pass no list. */
  g_assert_false (tb_json_schema_check (schema, bad, NULL));
}

/* An answer that nests deeper than a parser can recurse is invalid JSON, not a crash. */
static void
test_json_deep (void)
{
  GString *text = g_string_new (NULL);
  g_autoptr(TbFormatCheck) check = NULL;

  for (guint i = 0; i < 300000; i++)
    g_string_append_c (text, '[');
  check = tb_format_check (text->str, TB_FORMAT_JSON, NULL);
  g_assert_false (check->valid);
  g_assert_nonnull (strstr (g_ptr_array_index (check->errors, 0), "nested"));
  g_string_free (text, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/format/fence/variants", test_fence_variants);
  g_test_add_func ("/format/fence/left-alone", test_fence_left_alone);
  g_test_add_func ("/format/json/valid", test_json_valid);
  g_test_add_func ("/format/json/invalid", test_json_invalid);
  g_test_add_func ("/format/json/schema", test_json_with_schema);
  g_test_add_func ("/format/csv/good", test_csv_good);
  g_test_add_func ("/format/csv/quotes", test_csv_quotes);
  g_test_add_func ("/format/csv/ragged", test_csv_ragged);
  g_test_add_func ("/format/csv/unterminated", test_csv_unterminated);
  g_test_add_func ("/format/csv/header-only", test_csv_header_only);
  g_test_add_func ("/format/text-markdown", test_text_markdown);
  g_test_add_func ("/format/schema/type", test_schema_type);
  g_test_add_func ("/format/schema/properties", test_schema_properties);
  g_test_add_func ("/format/schema/required", test_schema_required);
  g_test_add_func ("/format/schema/items", test_schema_items);
  g_test_add_func ("/format/schema/enum", test_schema_enum);
  g_test_add_func ("/format/schema/pattern", test_schema_pattern);
  g_test_add_func ("/format/schema/min-max-items", test_schema_min_max_items);
  g_test_add_func ("/format/schema/extras", test_schema_extras);
  g_test_add_func ("/format/schema/chapters", test_schema_chapters);
  g_test_add_func ("/format/schema/appends", test_schema_appends);
  g_test_add_func ("/format/json/deep", test_json_deep);

  return g_test_run ();
}
