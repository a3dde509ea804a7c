/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tb-error.h"
#include "tb-usecase.h"
#include "tb-util.h"
#include "tb-yaml.h"

static const char *full_yaml =
  "name: Lecture chapters                 # required\n"
  "goal: |                                # required: what a good output achieves\n"
  "  Split the lecture into chapters a student can navigate.\n"
  "input:\n"
  "  description: Transcript with [HH:MM:SS] timestamps\n"
  "  notes: |\n"
  "    Chapters must cover the lecture from the first to the last timestamp.\n"
  "output:\n"
  "  format: json                         # json | csv | markdown | text\n"
  "  schema:                              # optional JSON Schema (subset), checked in code\n"
  "    type: array\n"
  "    items:\n"
  "      type: object\n"
  "      required: [title, description, start_time, end_time]\n"
  "      properties:\n"
  "        title: {type: string}\n"
  "        description: {type: string}\n"
  "        start_time: {type: string, pattern: \"^\\\\d{2}:\\\\d{2}:\\\\d{2}$\"}\n"
  "        end_time: {type: string, pattern: \"^\\\\d{2}:\\\\d{2}:\\\\d{2}$\"}\n"
  "    minItems: 1\n"
  "  notes: |\n"
  "    4–8 minute chapters; no gaps or overlaps.\n"
  "judge:\n"
  "  model: anthropic/claude-sonnet-4.5   # optional; default $GENERAL_TASK_LLM\n"
  "  criteria:                            # the rubric; weights are relative\n"
  "    - {name: accuracy, weight: 40, description: Boundaries fall on real topic changes}\n"
  "    - {name: format, weight: 30, description: Valid JSON with every field}\n"
  "    - {name: compliance, weight: 30.5, description: Follows the duration notes}\n"
  "  notes: |\n"
  "    Penalise invented timestamps.\n"
  "models:\n"
  "  candidates: [openai/gpt-4o, google/gemini-2.5-flash]   # optional default selection\n"
  "  preferences:\n"
  "    cost: low\n"
  "    min_context: 32000\n"
  "    structured_output: true\n";

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("test-usecase-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_remove (path);
}

static const TbCriterion *
criterion (const TbUsecase *uc,
           guint            i)
{
  g_assert_cmpuint (i, <, uc->criteria->len);
  return g_ptr_array_index (uc->criteria, i);
}

static void
test_full (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "lecture-chapters.yaml", NULL);
  g_autoptr(TbUsecase) uc = NULL;
  JsonObject *schema;
  JsonObject *items;
  JsonArray *required;
  JsonObject *start_time;

  write_file (dir, "lecture-chapters.yaml", full_yaml);
  uc = tb_usecase_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (uc);

  g_assert_cmpstr (uc->id, ==, "lecture-chapters");
  g_assert_cmpstr (uc->path, ==, path);
  g_assert_cmpstr (uc->yaml, ==, full_yaml);
  g_assert_cmpstr (uc->name, ==, "Lecture chapters");
  g_assert_cmpstr (uc->goal, ==, "Split the lecture into chapters a student can navigate.\n");
  g_assert_cmpstr (uc->input_description, ==, "Transcript with [HH:MM:SS] timestamps");
  g_assert_cmpstr (uc->input_notes, ==,
                   "Chapters must cover the lecture from the first to the last timestamp.\n");
  g_assert_cmpint (uc->output_format, ==, TB_FORMAT_JSON);
  g_assert_cmpstr (uc->output_notes, ==, "4–8 minute chapters; no gaps or overlaps.\n");

  g_assert_nonnull (uc->output_schema);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (uc->output_schema));
  schema = json_node_get_object (uc->output_schema);
  g_assert_cmpstr (json_object_get_string_member (schema, "type"), ==, "array");
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (schema, "minItems")), ==,
                   G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (schema, "minItems"), ==, 1);
  items = json_object_get_object_member (schema, "items");
  g_assert_cmpstr (json_object_get_string_member (items, "type"), ==, "object");
  required = json_object_get_array_member (items, "required");
  g_assert_cmpuint (json_array_get_length (required), ==, 4);
  g_assert_cmpstr (json_array_get_string_element (required, 0), ==, "title");
  g_assert_cmpstr (json_array_get_string_element (required, 3), ==, "end_time");
  start_time = json_object_get_object_member (json_object_get_object_member (items,
                                                                             "properties"),
                                              "start_time");
  g_assert_cmpstr (json_object_get_string_member (start_time, "pattern"), ==,
                   "^\\d{2}:\\d{2}:\\d{2}$");

  g_assert_cmpstr (uc->judge_model, ==, "anthropic/claude-sonnet-4.5");
  g_assert_cmpuint (uc->criteria->len, ==, 3);
  g_assert_cmpstr (criterion (uc, 0)->name, ==, "accuracy");
  g_assert_cmpfloat (criterion (uc, 0)->weight, ==, 40);
  g_assert_cmpstr (criterion (uc, 0)->description, ==, "Boundaries fall on real topic changes");
  g_assert_cmpstr (criterion (uc, 1)->name, ==, "format");
  g_assert_cmpfloat (criterion (uc, 2)->weight, ==, 30.5);
  g_assert_cmpfloat (tb_usecase_total_weight (uc), ==, 100.5);
  g_assert_cmpstr (uc->judge_notes, ==, "Penalise invented timestamps.\n");

  g_assert_nonnull (uc->candidates);
  g_assert_cmpuint (g_strv_length (uc->candidates), ==, 2);
  g_assert_cmpstr (uc->candidates[0], ==, "openai/gpt-4o");
  g_assert_cmpstr (uc->candidates[1], ==, "google/gemini-2.5-flash");
  g_assert_cmpint (uc->cost, ==, TB_COST_LOW);
  g_assert_cmpint (uc->min_context, ==, 32000);
  g_assert_true (uc->structured_output);

  remove_tree (dir);
}

static void
test_minimal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) uc = NULL;

  uc = tb_usecase_parse ("mini", "name: Mini\ngoal: Do it well\n", -1, "usecases/mini.yaml",
                         &error);
  g_assert_no_error (error);
  g_assert_cmpstr (uc->id, ==, "mini");
  g_assert_null (uc->path);
  g_assert_cmpstr (uc->yaml, ==, "name: Mini\ngoal: Do it well\n");
  g_assert_cmpstr (uc->name, ==, "Mini");
  g_assert_cmpstr (uc->goal, ==, "Do it well");
  g_assert_null (uc->input_description);
  g_assert_null (uc->input_notes);
  g_assert_cmpint (uc->output_format, ==, TB_FORMAT_TEXT);
  g_assert_null (uc->output_schema);
  g_assert_null (uc->output_notes);
  g_assert_null (uc->judge_model);
  g_assert_nonnull (uc->criteria);
  g_assert_cmpuint (uc->criteria->len, ==, 0);
  g_assert_cmpfloat (tb_usecase_total_weight (uc), ==, 0);
  g_assert_null (uc->judge_notes);
  g_assert_null (uc->candidates);
  g_assert_cmpint (uc->cost, ==, TB_COST_BALANCED);
  g_assert_cmpint (uc->min_context, ==, 0);
  g_assert_false (uc->structured_output);
}

static void
test_empty_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) uc = NULL;

  /* Empty sections and values count as absent; a number is text where text is wanted. */
  uc = tb_usecase_parse ("e",
                         "name: 42\n"
                         "goal: true\n"
                         "input:\n"
                         "output:\n"
                         "  notes: ~\n"
                         "judge:\n"
                         "  criteria: []\n"
                         "models:\n"
                         "  candidates: []\n"
                         "  preferences: {min_context: 0, structured_output: False}\n",
                         -1, "e.yaml", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (uc->name, ==, "42");
  g_assert_cmpstr (uc->goal, ==, "true");
  g_assert_null (uc->input_description);
  g_assert_null (uc->output_notes);
  g_assert_cmpuint (uc->criteria->len, ==, 0);
  g_assert_null (uc->candidates);
  g_assert_cmpint (uc->min_context, ==, 0);
  g_assert_false (uc->structured_output);
}

typedef struct {
  const char *yaml;
  const char *expected[3];   /* substrings of the message */
} ErrorCase;

static const ErrorCase error_cases[] = {
  /* unknown keys, with and without suggestions */
  { "name: a\ngaol: b\n",
    { "usecases/x.yaml:2: unknown key 'gaol' (did you mean 'goal'?)" } },
  { "name: a\ngoal: b\noutput:\n  fromat: json\n",
    { "usecases/x.yaml:4: unknown key 'output.fromat' (did you mean 'format'?)" } },
  { "name: a\ngoal: b\ninput:\n  desc: x\n",
    { "usecases/x.yaml:4: unknown key 'input.desc' (did you mean 'description'?)" } },
  { "name: a\ngoal: b\nformat: json\n",
    { "usecases/x.yaml:3: unknown key 'format' (did you mean 'output.format'?)" } },
  { "name: a\ngoal: b\nnotes: n\n",
    { "usecases/x.yaml:3: unknown key 'notes' "
      "(did you mean 'input.notes', 'output.notes' or 'judge.notes'?)" } },
  { "name: a\ngoal: b\ninput:\n  cost: low\n",
    { "usecases/x.yaml:4: unknown key 'input.cost' (did you mean 'models.preferences.cost'?)" } },
  { "name: a\ngoal: b\nzzzzzzzz: 1\n",
    { "usecases/x.yaml:3: unknown key 'zzzzzzzz'", "name, goal, input, output, judge, models" } },
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - name: x\n      wieght: 3\n",
    { "usecases/x.yaml:6: unknown key 'judge.criteria[0].wieght' (did you mean 'weight'?)" } },
  { "name: a\ngoal: b\nmodels:\n  preferences:\n    structured: true\n",
    { "usecases/x.yaml:5: unknown key 'models.preferences.structured' "
      "(did you mean 'structured_output'?)" } },
  /* wrong types */
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - name: x\n      weight: heavy\n",
    { "usecases/x.yaml:6: 'judge.criteria[0].weight' must be a number, not 'heavy'" } },
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - {name: x, weight: \"3\"}\n",
    { "usecases/x.yaml:5: 'judge.criteria[0].weight' must be a number" } },
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - {name: x, weight: 1}\n"
    "    - {name: y, weight: 0}\n",
    { "usecases/x.yaml:6: 'judge.criteria[1].weight' must be a positive number, not '0'" } },
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - {name: x, weight: -2}\n",
    { "usecases/x.yaml:5:", "'judge.criteria[0].weight' must be a positive number" } },
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - {name: x}\n",
    { "usecases/x.yaml:5: missing required key 'judge.criteria[0].weight'" } },
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - weight: 3\n      description: d\n",
    { "usecases/x.yaml:5: missing required key 'judge.criteria[0].name'" } },
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - just text\n",
    { "usecases/x.yaml:5: 'judge.criteria[0]' must be a mapping", "not 'just text'" } },
  { "name: a\ngoal: b\njudge:\n  criteria: {name: x, weight: 3}\n",
    { "usecases/x.yaml:4: 'judge.criteria' must be a list", "not a mapping" } },
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - {name: acc, weight: 1}\n"
    "    - {name: fmt, weight: 1}\n    - {name: acc, weight: 2}\n",
    { "usecases/x.yaml:7: duplicate criterion name 'acc'", "first at line 5" } },
  { "name: a\ngoal: b\nmodels:\n  candidates: openai/gpt-4o\n",
    { "usecases/x.yaml:4: 'models.candidates' must be a list", "not 'openai/gpt-4o'" } },
  { "name: a\ngoal: b\nmodels:\n  candidates:\n    - a/b\n    - {x: 1}\n",
    { "usecases/x.yaml:6: 'models.candidates[1]' must be a model id, not a mapping" } },
  { "name: a\ngoal: b\nmodels:\n  candidates: [a/b, c/d, a/b]\n",
    { "usecases/x.yaml:4: 'models.candidates' lists 'a/b' twice" } },
  { "name: a\ngoal: b\noutput:\n  format: xml\n",
    { "usecases/x.yaml:4: 'output.format' must be one of json, csv, markdown, text, "
      "not 'xml'" } },
  { "name: a\ngoal: b\noutput:\n  format: [json]\n",
    { "usecases/x.yaml:4: 'output.format' must be one of", "not a list" } },
  { "name: a\ngoal: b\noutput:\n  schema: [a, b]\n",
    { "usecases/x.yaml:4: 'output.schema' must be a mapping", "not a list" } },
  { "name: a\ngoal: b\nmodels:\n  preferences:\n    cost: cheap\n",
    { "usecases/x.yaml:5: 'models.preferences.cost' must be one of low, balanced, high, "
      "not 'cheap'" } },
  { "name: a\ngoal: b\nmodels:\n  preferences:\n    min_context: -5\n",
    { "usecases/x.yaml:5: 'models.preferences.min_context' must be a non-negative whole "
      "number", "not '-5'" } },
  { "name: a\ngoal: b\nmodels:\n  preferences:\n    min_context: 1.5\n",
    { "usecases/x.yaml:5: 'models.preferences.min_context'", "not '1.5'" } },
  { "name: a\ngoal: b\nmodels:\n  preferences:\n    min_context: lots\n",
    { "usecases/x.yaml:5: 'models.preferences.min_context'", "not 'lots'" } },
  { "name: a\ngoal: b\nmodels:\n  preferences:\n    structured_output: maybe\n",
    { "usecases/x.yaml:5: 'models.preferences.structured_output' must be true or false, "
      "not 'maybe'" } },
  { "name: a\ngoal: b\nmodels:\n  preferences:\n    structured_output: \"true\"\n",
    { "usecases/x.yaml:5: 'models.preferences.structured_output' must be true or false" } },
  { "name: {first: a}\ngoal: b\n",
    { "usecases/x.yaml:1: 'name' must be text, not a mapping" } },
  { "name: a\ngoal: b\ninput:\n  - description\n",
    { "usecases/x.yaml:3: 'input' must be a mapping of keys (description, notes), "
      "not a list" } },
  { "name: a\ngoal: b\njudge: strict\n",
    { "usecases/x.yaml:3: 'judge' must be a mapping", "not 'strict'" } },
  /* numbers must be finite, weights in (0, 1000000]: a weight of 1e308 validated and then
   * overflowed every overall score */
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - {name: x, weight: 1}\n"
    "    - {name: y, weight: 1e308}\n",
    { "usecases/x.yaml:6: 'judge.criteria[1].weight' must be a number no larger than 1000000, "
      "not '1e308'" } },
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - {name: x, weight: 1000000.5}\n",
    { "usecases/x.yaml:5: 'judge.criteria[0].weight' must be a number no larger than" } },
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - {name: x, weight: 1e999}\n",
    { "usecases/x.yaml:5: 'judge.criteria[0].weight' must be a number, not '1e999'" } },
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - {name: x, weight: .inf}\n",
    { "usecases/x.yaml:5: 'judge.criteria[0].weight' must be a number, not '.inf'" } },
  { "name: a\ngoal: b\njudge:\n  criteria:\n    - {name: x, weight: .nan}\n",
    { "usecases/x.yaml:5: 'judge.criteria[0].weight' must be a number, not '.nan'" } },
  { "name: a\ngoal: b\nmodels:\n  preferences:\n    min_context: 1e999\n",
    { "usecases/x.yaml:5: 'models.preferences.min_context'", "not '1e999'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: number\n    maximum: 1e999\n",
    { "usecases/x.yaml:6: 'output.schema.maximum' must be a number, not '1e999'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: number\n    minimum: -.inf\n",
    { "usecases/x.yaml:6: 'output.schema.minimum' must be a number, not '-.inf'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: number\n    enum: [1, 2, .NaN]\n",
    { "usecases/x.yaml:6: 'output.schema.enum[2]' must be a finite number, not '.NaN'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    x-extension:\n      limit: 1e400\n",
    { "usecases/x.yaml:6: 'output.schema.x-extension.limit' must be a finite number" } },
  /* output.schema: the keywords the format check acts on */
  { "name: a\ngoal: b\noutput:\n  format: json\n  schema:\n    type: array\n    items:\n"
    "      type: object\n      properties:\n        title: {type: string}\n"
    "        start_time: {type: string, pattern: \"^(\\\\d{2}:\"}\n",
    { "usecases/x.yaml:11: 'output.schema.items.properties.start_time.pattern' is not a valid "
      "regular expression: ", "missing terminating )" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: string\n    pattern: 12\n",
    { "usecases/x.yaml:6: 'output.schema.pattern' must be a regular expression (text), "
      "not '12'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: nonsense\n",
    { "usecases/x.yaml:5: 'output.schema.type' must be one of string, number, integer, "
      "boolean, object, array, null (or a list of them), not 'nonsense'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: [string, nonsense]\n",
    { "usecases/x.yaml:5: 'output.schema.type' must be one of", "not 'nonsense'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: []\n",
    { "usecases/x.yaml:5: 'output.schema.type' must name at least one type" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: {a: b}\n",
    { "usecases/x.yaml:5: 'output.schema.type' must be one of", "not a mapping" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: [string, null]\n",
    { "usecases/x.yaml:5: 'output.schema.type' must name a type; write \"null\" in quotes" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: object\n    required: title\n",
    { "usecases/x.yaml:6: 'output.schema.required' must be a list of property names, "
      "not 'title'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: object\n    required: [a, 42]\n",
    { "usecases/x.yaml:6: 'output.schema.required[1]' must be a property name", "not '42'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    properties: [a, b]\n",
    { "usecases/x.yaml:5: 'output.schema.properties' must be a mapping of property names to "
      "schemas, not a list" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    properties:\n      a: string\n",
    { "usecases/x.yaml:6: 'output.schema.properties.a' must be a schema", "not 'string'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: array\n    items: string\n",
    { "usecases/x.yaml:6: 'output.schema.items' must be a schema", "not 'string'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: array\n    items: [{type: string}, 3]\n",
    { "usecases/x.yaml:6: 'output.schema.items[1]' must be a schema", "not '3'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    additionalProperties: {type: 7}\n",
    { "usecases/x.yaml:5: 'output.schema.additionalProperties.type' must be one of" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    enum: high\n",
    { "usecases/x.yaml:5: 'output.schema.enum' must be a list of the allowed values, "
      "not 'high'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: array\n    minItems: -1\n",
    { "usecases/x.yaml:6: 'output.schema.minItems' must be a non-negative whole number, "
      "not '-1'" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: array\n    maxItems: 2.5\n",
    { "usecases/x.yaml:6: 'output.schema.maxItems' must be a non-negative whole number" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: integer\n    minimum: low\n",
    { "usecases/x.yaml:6: 'output.schema.minimum' must be a number, not 'low'" } },
  /* inputs */
  { "name: a\ngoal: b\ninputs: samples/a.txt\n",
    { "usecases/x.yaml:3: 'inputs' must be a list of inputs (paths, {path, reference} or "
      "{folder}), not 'samples/a.txt'" } },
  { "name: a\ngoal: b\ninputs:\n  - a.txt\n  - \"\"\n",
    { "usecases/x.yaml:5: 'inputs[1]' must not be empty" } },
  { "name: a\ngoal: b\ninputs:\n  - a.txt\n  - ~\n",
    { "usecases/x.yaml:5: 'inputs[1]' must not be empty" } },
  { "name: a\ngoal: b\ninputs:\n  - [a.txt, b.txt]\n",
    { "usecases/x.yaml:4: 'inputs[0]' must be a path, {path, reference} or {folder}, "
      "not a list" } },
  { "name: a\ngoal: b\ninputs:\n  - {path: a.txt, folder: s/}\n",
    { "usecases/x.yaml:4: 'inputs[0]' has both 'path' and 'folder'; an input is a file or a "
      "folder" } },
  { "name: a\ngoal: b\ninputs:\n  - {reference: a.ref}\n",
    { "usecases/x.yaml:4: 'inputs[0]' needs 'path' (a file) or 'folder'" } },
  { "name: a\ngoal: b\ninputs:\n  - a.txt\n  - folder: s/\n    reference: r.json\n",
    { "usecases/x.yaml:6: 'inputs[1].reference' cannot go with 'folder'" } },
  { "name: a\ngoal: b\ninputs:\n  - {path: a.txt, refrence: r.json}\n",
    { "usecases/x.yaml:4: unknown key 'inputs[0].refrence' (did you mean 'reference'?)" } },
  { "name: a\ngoal: b\ninputs:\n  - {file: a.txt}\n",
    { "usecases/x.yaml:4: unknown key 'inputs[0].file' (expected one of: path, reference, "
      "folder)" } },
  { "name: a\ngoal: b\ninputs:\n  - {path: \"  \"}\n",
    { "usecases/x.yaml:4: 'inputs[0].path' must not be empty" } },
  { "name: a\ngoal: b\ninputs:\n  - path: a.txt\n    reference:\n",
    { "usecases/x.yaml:5: 'inputs[0].reference' must not be empty" } },
  { "name: a\ngoal: b\ninputs:\n  - {folder: {a: b}}\n",
    { "usecases/x.yaml:4: 'inputs[0].folder' must be a path, not a mapping" } },
  { "name: a\ngoal: b\ninput:\n  path: a.txt\n",
    { "usecases/x.yaml:4: unknown key 'input.path' (expected one of: description, notes)" } },
  { "name: a\ngoal: b\ninptus: [a.txt]\n",
    { "usecases/x.yaml:3: unknown key 'inptus' (did you mean 'inputs'?)" } },
  /* models.repeat and models.provider */
  { "name: a\ngoal: b\nmodels:\n  repeat: 0\n",
    { "usecases/x.yaml:4: 'models.repeat' must be a whole number from 1 to 100, not '0'" } },
  { "name: a\ngoal: b\nmodels:\n  repeat: 101\n",
    { "usecases/x.yaml:4: 'models.repeat' must be a whole number from 1 to 100, not '101'" } },
  { "name: a\ngoal: b\nmodels:\n  repeat: 2.5\n",
    { "usecases/x.yaml:4: 'models.repeat' must be a whole number from 1 to 100" } },
  { "name: a\ngoal: b\nmodels:\n  repeat: \"3\"\n",
    { "usecases/x.yaml:4: 'models.repeat' must be a whole number from 1 to 100, not '3'" } },
  { "name: a\ngoal: b\nrepeat: 3\n",
    { "usecases/x.yaml:3: unknown key 'repeat' (did you mean 'models.repeat'?)" } },
  { "name: a\ngoal: b\nmodels:\n  preferences:\n    provider: {sort: price}\n",
    { "usecases/x.yaml:5: unknown key 'models.preferences.provider' "
      "(did you mean 'models.provider'?)" } },
  { "name: a\ngoal: b\nmodels:\n  provider: openai\n",
    { "usecases/x.yaml:4: 'models.provider' must be a mapping of OpenRouter provider "
      "preferences", "not 'openai'" } },
  { "name: a\ngoal: b\nmodels:\n  provider:\n    max_price: {prompt: .inf}\n",
    { "usecases/x.yaml:5: 'models.provider.max_price.prompt' must be a finite number, "
      "not '.inf'" } },
  /* judge.models and judge.mode */
  { "name: a\ngoal: b\njudge:\n  model: x/y\n  models: [x/y, z/w]\n",
    { "usecases/x.yaml:5: 'judge.model' (line 4) and 'judge.models' (line 5) are both "
      "given" } },
  { "name: a\ngoal: b\njudge:\n  models: [x/y, z/w, x/y]\n",
    { "usecases/x.yaml:4: 'judge.models' lists 'x/y' twice (first at line 4)" } },
  { "name: a\ngoal: b\njudge:\n  models:\n    - x/y\n    - z/w\n    - z/w\n",
    { "usecases/x.yaml:7: 'judge.models' lists 'z/w' twice (first at line 6)" } },
  { "name: a\ngoal: b\njudge:\n  models: [x/y, \"\"]\n",
    { "usecases/x.yaml:4: 'judge.models[1]' must be a model id, not ''" } },
  { "name: a\ngoal: b\njudge:\n  models: [x/y, ~]\n",
    { "usecases/x.yaml:4: 'judge.models[1]' must be a model id, not empty" } },
  { "name: a\ngoal: b\njudge:\n  models: [x/y, [z]]\n",
    { "usecases/x.yaml:4: 'judge.models[1]' must be a model id, not a list" } },
  { "name: a\ngoal: b\njudge:\n  models: x/y\n",
    { "usecases/x.yaml:4: 'judge.models' must be a list of model ids", "not 'x/y'" } },
  { "name: a\ngoal: b\njudge:\n  mode: pairs\n",
    { "usecases/x.yaml:4: 'judge.mode' must be one of pointwise, pairwise, not 'pairs'" } },
  { "name: a\ngoal: b\njudge:\n  mdoe: pairwise\n",
    { "usecases/x.yaml:4: unknown key 'judge.mdoe' (did you mean 'mode'?)" } },
  { "name: a\ngoal: b\nmode: pairwise\n",
    { "usecases/x.yaml:3: unknown key 'mode' (did you mean 'judge.mode'?)" } },
  /* budget */
  { "name: a\ngoal: b\nbudget:\n  max_usd: -1\n",
    { "usecases/x.yaml:4: 'budget.max_usd' must be an amount of US dollars, 0 or more, "
      "not '-1'" } },
  { "name: a\ngoal: b\nbudget:\n  max_usd: .inf\n",
    { "usecases/x.yaml:4: 'budget.max_usd' must be an amount of US dollars", "not '.inf'" } },
  { "name: a\ngoal: b\nbudget:\n  max_usd: 1e999\n",
    { "usecases/x.yaml:4: 'budget.max_usd' must be an amount of US dollars", "not '1e999'" } },
  { "name: a\ngoal: b\nbudget:\n  max_usd: $2\n",
    { "usecases/x.yaml:4: 'budget.max_usd' must be an amount of US dollars", "not '$2'" } },
  { "name: a\ngoal: b\nbudget:\n  inputs_per_month: -3\n",
    { "usecases/x.yaml:4: 'budget.inputs_per_month' must be a non-negative whole number, "
      "not '-3'" } },
  { "name: a\ngoal: b\nbudget:\n  inputs_per_month: 1e4\n",
    { "usecases/x.yaml:4: 'budget.inputs_per_month' must be a non-negative whole number" } },
  { "name: a\ngoal: b\nbudget: 2.50\n",
    { "usecases/x.yaml:3: 'budget' must be a mapping of keys (max_usd, inputs_per_month), "
      "not '2.50'" } },
  { "name: a\ngoal: b\nbudget:\n  maxusd: 2\n",
    { "usecases/x.yaml:4: unknown key 'budget.maxusd' (did you mean 'max_usd'?)" } },
  { "name: a\ngoal: b\nbudget:\n  max_cost: 2\n",
    { "usecases/x.yaml:4: unknown key 'budget.max_cost' (expected one of: max_usd, "
      "inputs_per_month)" } },
  { "name: a\ngoal: b\nmax_usd: 2\n",
    { "usecases/x.yaml:3: unknown key 'max_usd' (did you mean 'budget.max_usd'?)" } },
  /* missing and empty required keys */
  { "goal: b\n", { "usecases/x.yaml:1: missing required key 'name'" } },
  { "# a comment\n\nname: a\ninput: {description: d}\n",
    { "usecases/x.yaml:3: missing required key 'goal'" } },
  { "name: a\ngoal: \"  \"\n", { "usecases/x.yaml:2: 'goal' must not be empty" } },
  { "name:\ngoal: b\n", { "usecases/x.yaml:1: 'name' must not be empty" } },
  /* duplicate keys, at any depth */
  { "name: a\ngoal: b\nname: c\n",
    { "usecases/x.yaml:3: duplicate key 'name' (first at line 1)" } },
  { "name: a\ngoal: b\njudge:\n  model: m\n  notes: n\n  model: m2\n",
    { "usecases/x.yaml:6: duplicate key 'judge.model' (first at line 4)" } },
  { "name: a\ngoal: b\noutput:\n  schema:\n    type: object\n    type: array\n",
    { "usecases/x.yaml:6: duplicate key 'output.schema.type' (first at line 5)" } },
  /* not a use case at all */
  { "", { "usecases/x.yaml: is empty" } },
  { "# only a comment\n", { "usecases/x.yaml: is empty" } },
  { "---\n", { "usecases/x.yaml: is empty" } },
  { "- a\n- b\n", { "usecases/x.yaml:1: the top level must be a mapping", "not a list" } },
  { "hello\n", { "usecases/x.yaml:1: the top level must be a mapping", "not 'hello'" } },
  /* YAML syntax */
  { "name: a\ngoal: [b, c\ninput: {}\n",
    { "usecases/x.yaml:3: YAML syntax error: did not find expected ',' or ']'",
      "while parsing a flow sequence at line 2" } },
  { "name: a\ngoal: b: c\n",
    { "usecases/x.yaml:2: YAML syntax error: mapping values are not allowed in this context" } },
  { "name: a\ngoal: \"b\n",
    { "usecases/x.yaml:3: YAML syntax error: found unexpected end of stream" } },
  { "name: a\n\tgoal: b\n",
    { "usecases/x.yaml:2: YAML syntax error: found a tab character" } },
  { "name: a\ngoal: b\ninput:\n  notes: caf\xff\n",
    { "usecases/x.yaml:4: is not UTF-8 text (byte 0xff); save it as UTF-8" } },
  { "name: &n a\ngoal: *n\n",
    { "usecases/x.yaml:2: aliases ('*n') are not supported" } },
  { "name: a\ngoal: b\n---\nname: c\n",
    { "usecases/x.yaml:3: a second YAML document starts here" } },
  { "name: a\ngoal: b\n? [x, y]\n: z\n",
    { "usecases/x.yaml:3: a key under 'the top level' is not plain text" } },
};

static void
test_errors (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
    {
      const ErrorCase *c = &error_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(TbUsecase) uc = NULL;

      uc = tb_usecase_parse ("x", c->yaml, -1, "usecases/x.yaml", &error);
      if (uc != NULL || error == NULL)
        g_error ("case %u parsed but should not have:\n%s", i, c->yaml);
      g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
      for (guint j = 0; j < G_N_ELEMENTS (c->expected) && c->expected[j] != NULL; j++)
        {
          if (strstr (error->message, c->expected[j]) == NULL)
            g_error ("case %u:\n%s\nmessage: %s\nexpected to contain: %s",
                     i, c->yaml, error->message, c->expected[j]);
        }
      if (g_test_verbose ())
        g_test_message ("%s", error->message);
    }
}

/* What the schema check accepts: every form the format check knows, and any keyword it
 * does not use. */
static void
test_schema_valid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) uc = NULL;
  JsonObject *schema;

  uc = tb_usecase_parse ("s",
                         "name: a\n"
                         "goal: b\n"
                         "output:\n"
                         "  format: json\n"
                         "  schema:\n"
                         "    $schema: https://json-schema.org/draft/2020-12/schema\n"
                         "    title: Anything goes here\n"
                         "    type: object\n"
                         "    required: [a, \"42\"]\n"
                         "    additionalProperties: false\n"
                         "    properties:\n"
                         "      a: {type: [string, \"null\"], pattern: \"^[a-z]+$\"}\n"
                         "      \"42\": true\n"
                         "      n: {type: number, minimum: -1.5, maximum: 1e6, multipleOf: 0.5}\n"
                         "      e: {enum: [1, two, null, {x: y}]}\n"
                         "      t:\n"
                         "        type: array\n"
                         "        items: [{type: integer}, {type: string}]\n"
                         "        minItems: 0\n"
                         "        maxItems: 2\n"
                         "      m: {type: object, additionalProperties: {type: integer}}\n"
                         "      f: {items: false}\n",
                         -1, "s.yaml", &error);
  g_assert_no_error (error);
  schema = json_node_get_object (uc->output_schema);
  g_assert_false (json_object_get_boolean_member (schema, "additionalProperties"));
  g_assert_cmpstr (json_object_get_string_member (schema, "title"), ==, "Anything goes here");
}

static void
test_deep_nesting (void)
{
  g_autoptr(GString) yaml = g_string_new ("name: a\ngoal: b\noutput:\n  schema: ");
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) uc = NULL;

  for (guint i = 0; i < 10000; i++)
    g_string_append (yaml, "[");
  uc = tb_usecase_parse ("x", yaml->str, yaml->len, "x.yaml", &error);
  g_assert_null (uc);
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "x.yaml:4: 'output.schema[0][0]"));
  g_assert_nonnull (strstr (error->message, "is nested more than 64 levels deep"));
}

static void
test_length_and_nul (void)
{
  static const char text[] = "name: a\ngoal: b\nthis is not read";
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) uc = NULL;
  g_autoptr(TbUsecase) uc2 = NULL;
  g_autoptr(TbUsecase) uc3 = NULL;

  /* only `length` bytes are parsed */
  uc = tb_usecase_parse ("x", text, strlen ("name: a\ngoal: b\n"), "x.yaml", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (uc->goal, ==, "b");
  g_assert_cmpstr (uc->yaml, ==, "name: a\ngoal: b\n");

  /* editors on some systems write a byte order mark */
  uc3 = tb_usecase_parse ("x", "\xef\xbb\xbfname: a\ngoal: b\n", -1, "x.yaml", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (uc3->name, ==, "a");

  uc2 = tb_usecase_parse ("x", "name: a\0\ngoal: b\n", 17, "x.yaml", &error);
  g_assert_null (uc2);
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "x.yaml:1: holds a NUL byte (binary data?); a YAML file is UTF-8 text");
}

/* `text` (ASCII) as UTF-16 or UTF-32, little- or big-endian, with or without a BOM. */
static GByteArray *
encode_wide (const char *text,
             guint       width,
             gboolean    big_endian,
             gboolean    bom)
{
  GByteArray *bytes = g_byte_array_new ();

  for (gssize i = bom ? -1 : 0; i < (gssize) strlen (text); i++)
    {
      /* U+FEFF first when there is a byte order mark */
      guint32 c = i < 0 ? 0xfeff : (guint8) text[i];

      for (guint b = 0; b < width; b++)
        {
          guint shift = 8 * (big_endian ? width - 1 - b : b);
          guint8 byte = (c >> shift) & 0xff;

          g_byte_array_append (bytes, &byte, 1);
        }
    }
  return bytes;
}

/* libyaml reads UTF-16 by itself: such a file used to validate, and the run then could
 * not be read. Only UTF-8 gets in, with a message that says what to do. */
static void
test_encodings (void)
{
  g_autofree char *dir = make_tmp_dir ();
  const char *yaml = "name: Wide\ngoal: Read me\njudge:\n  model: x/y\n";

  for (guint width = 2; width <= 4; width += 2)
    for (guint variant = 0; variant < 4; variant++)
      {
        g_autoptr(GByteArray) bytes = encode_wide (yaml, width, variant & 1, variant & 2);
        g_autofree char *path = g_build_filename (dir, "wide.yaml", NULL);
        g_autofree char *expected = g_strdup_printf ("%s is UTF-%u text; save it as UTF-8",
                                                     path, 8 * width);
        g_autoptr(GError) error = NULL;
        g_autoptr(TbUsecase) uc = NULL;

        g_assert_true (g_file_set_contents (path, (const char *) bytes->data, bytes->len,
                                            NULL));
        uc = tb_usecase_load_file (path, &error);
        g_assert_null (uc);
        g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
        g_assert_cmpstr (error->message, ==, expected);
      }

  /* Latin-1 and broken UTF-8 name the line; a UTF-8 byte order mark is fine. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TbUsecase) uc = NULL;

    uc = tb_usecase_parse ("x", "name: a\ngoal: b\njudge:\n  notes: caf\xe9 au lait\n", -1,
                           "x.yaml", &error);
    g_assert_null (uc);
    g_assert_cmpstr (error->message, ==,
                     "x.yaml:4: is not UTF-8 text (byte 0xe9); save it as UTF-8");
    g_clear_error (&error);

    uc = tb_usecase_parse ("x", "\xef\xbb\xbfname: a\ngoal: caf\xc3\xa9\n", -1, "x.yaml",
                           &error);
    g_assert_no_error (error);
    g_assert_cmpstr (uc->goal, ==, "caf\xc3\xa9");
  }

  remove_tree (dir);
}

static void
test_id_valid (void)
{
  g_autofree char *id64 = g_strnfill (64, 'a');
  g_autofree char *id65 = g_strnfill (65, 'a');

  g_assert_true (tb_usecase_id_is_valid ("lecture-chapters"));
  g_assert_true (tb_usecase_id_is_valid ("a"));
  g_assert_true (tb_usecase_id_is_valid ("0"));
  g_assert_true (tb_usecase_id_is_valid ("9_to-5"));
  g_assert_true (tb_usecase_id_is_valid ("a-"));
  g_assert_true (tb_usecase_id_is_valid (id64));
  g_assert_false (tb_usecase_id_is_valid (id65));
  g_assert_false (tb_usecase_id_is_valid (NULL));
  g_assert_false (tb_usecase_id_is_valid (""));
  g_assert_false (tb_usecase_id_is_valid ("Lecture"));
  g_assert_false (tb_usecase_id_is_valid ("lectUre"));
  g_assert_false (tb_usecase_id_is_valid ("-lecture"));
  g_assert_false (tb_usecase_id_is_valid ("_lecture"));
  g_assert_false (tb_usecase_id_is_valid ("a b"));
  g_assert_false (tb_usecase_id_is_valid ("a.b"));
  g_assert_false (tb_usecase_id_is_valid ("a/b"));
  g_assert_false (tb_usecase_id_is_valid ("caf\xc3\xa9"));
}

static void
test_load_file_errors (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *bad_id = g_build_filename (dir, "Bad-Name.yaml", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.yaml", NULL);
  g_autofree char *broken = g_build_filename (dir, "broken.yml", NULL);
  g_autofree char *good = g_build_filename (dir, "good.yml", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) uc = NULL;

  write_file (dir, "Bad-Name.yaml", "name: a\ngoal: b\n");
  uc = tb_usecase_load_file (bad_id, &error);
  g_assert_null (uc);
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, bad_id));
  g_assert_nonnull (strstr (error->message, "'Bad-Name' is not a valid use case id"));
  g_clear_error (&error);

  uc = tb_usecase_load_file (missing, &error);
  g_assert_null (uc);
  g_assert_error (error, TB_ERROR, TB_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "missing.yaml"));
  g_clear_error (&error);

  /* errors name the file as it was given */
  write_file (dir, "broken.yml", "name: a\ngoal: b\njudge:\n  modle: x\n");
  uc = tb_usecase_load_file (broken, &error);
  g_assert_null (uc);
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  {
    g_autofree char *expected =
      g_strdup_printf ("%s:4: unknown key 'judge.modle' (did you mean 'model'?)", broken);

    g_assert_cmpstr (error->message, ==, expected);
  }
  g_clear_error (&error);

  write_file (dir, "good.yml", "name: a\ngoal: b\n");
  uc = tb_usecase_load_file (good, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (uc->id, ==, "good");
  g_assert_cmpstr (uc->path, ==, good);

  remove_tree (dir);
}

/* None of these may block: an alarm turns a hang into a failure. */
static void
test_special_files (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *fifo = g_build_filename (dir, "fifo.yaml", NULL);
  g_autofree char *null_link = g_build_filename (dir, "null.yaml", NULL);
  g_autofree char *zero_link = g_build_filename (dir, "zero.yml", NULL);
  g_autofree char *dangling = g_build_filename (dir, "gone.yaml", NULL);
  g_autofree char *big = g_build_filename (dir, "big.yaml", NULL);
  g_autofree char *padding = g_strnfill (1024 * 1024 + 1, '#');
  g_autoptr(GPtrArray) entries = NULL;
  gint64 start = g_get_monotonic_time ();
  const struct {
    const char *path;
    int         code;
    const char *message;
  } cases[] = {
    { fifo, TB_ERROR_INVALID, "fifo.yaml is not a regular file" },
    { null_link, TB_ERROR_INVALID, "null.yaml is not a regular file" },
    { zero_link, TB_ERROR_INVALID, "zero.yml is not a regular file" },
    { dangling, TB_ERROR_NOT_FOUND, "gone.yaml" },
    { big, TB_ERROR_INVALID, "big.yaml is larger than 1.0" },  /* 1.0 MiB, a no-break space */
  };

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (symlink ("/dev/null", null_link), ==, 0);
  g_assert_cmpint (symlink ("/dev/zero", zero_link), ==, 0);
  g_assert_cmpint (symlink ("/nonexistent/file.yaml", dangling), ==, 0);
  write_file (dir, "big.yaml", padding);
  write_file (dir, "good.yaml", "name: Good\ngoal: g\n");

  alarm (20);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TbUsecase) uc = tb_usecase_load_file (cases[i].path, &error);

      g_assert_null (uc);
      g_assert_error (error, TB_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("'%s' does not hold '%s'", error->message, cases[i].message);
    }

  /* The folder lists each with its error, and the good file beside them. */
  entries = tb_usecase_list_dir (dir);
  alarm (0);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  g_assert_cmpuint (entries->len, ==, 6);
  for (guint i = 0; i < entries->len; i++)
    {
      TbUsecaseEntry *e = g_ptr_array_index (entries, i);

      if (g_str_equal (e->id, "good"))
        {
          g_assert_no_error (e->error);
          g_assert_cmpstr (e->usecase->name, ==, "Good");
          continue;
        }
      g_assert_null (e->usecase);
      g_assert_nonnull (e->error);
      g_assert_true (g_str_has_prefix (e->error->message, "Cannot open")
                     || g_str_has_prefix (e->error->message, e->path));
    }
  g_assert_cmpstr (((TbUsecaseEntry *) g_ptr_array_index (entries, 0))->id, ==, "big");
  g_assert_cmpstr (((TbUsecaseEntry *) g_ptr_array_index (entries, 5))->id, ==, "zero");

  remove_tree (dir);
}

static void
assert_strv_equal (GStrv a,
                   GStrv b)
{
  g_assert_true ((a == NULL) == (b == NULL));
  if (a != NULL)
    g_assert_true (g_strv_equal ((const char * const *) a, (const char * const *) b));
}

static void
assert_json_equal (JsonNode *a,
                   JsonNode *b)
{
  g_autofree char *ja = NULL;
  g_autofree char *jb = NULL;

  g_assert_true ((a == NULL) == (b == NULL));
  if (a == NULL)
    return;
  /* members keep their order, so equal text means equal types and values */
  ja = json_to_string (a, FALSE);
  jb = json_to_string (b, FALSE);
  g_assert_cmpstr (ja, ==, jb);
  g_assert_true (json_node_equal (a, b));
}

static void
assert_usecases_equal (const TbUsecase *a,
                       const TbUsecase *b)
{
  g_assert_cmpstr (a->name, ==, b->name);
  g_assert_cmpstr (a->goal, ==, b->goal);
  g_assert_cmpstr (a->input_description, ==, b->input_description);
  g_assert_cmpstr (a->input_notes, ==, b->input_notes);
  g_assert_cmpint (a->output_format, ==, b->output_format);
  g_assert_cmpstr (a->output_notes, ==, b->output_notes);
  g_assert_cmpstr (a->judge_model, ==, b->judge_model);
  g_assert_cmpstr (a->judge_notes, ==, b->judge_notes);
  g_assert_cmpint (a->cost, ==, b->cost);
  g_assert_cmpint (a->min_context, ==, b->min_context);
  g_assert_cmpint (a->structured_output, ==, b->structured_output);

  g_assert_cmpuint (a->criteria->len, ==, b->criteria->len);
  for (guint i = 0; i < a->criteria->len; i++)
    {
      g_assert_cmpstr (criterion (a, i)->name, ==, criterion (b, i)->name);
      g_assert_cmpfloat (criterion (a, i)->weight, ==, criterion (b, i)->weight);
      g_assert_cmpstr (criterion (a, i)->description, ==, criterion (b, i)->description);
    }

  assert_strv_equal (a->candidates, b->candidates);
  assert_strv_equal (a->judge_models, b->judge_models);
  assert_json_equal (a->output_schema, b->output_schema);
  assert_json_equal (a->provider, b->provider);

  g_assert_cmpint (a->judge_mode, ==, b->judge_mode);
  g_assert_cmpuint (a->repeat, ==, b->repeat);
  g_assert_cmpint (a->has_max_usd, ==, b->has_max_usd);
  g_assert_cmpfloat (a->max_usd, ==, b->max_usd);
  g_assert_cmpint (a->inputs_per_month, ==, b->inputs_per_month);

  g_assert_cmpuint (a->inputs->len, ==, b->inputs->len);
  for (guint i = 0; i < a->inputs->len; i++)
    {
      const TbUsecaseInput *ia = g_ptr_array_index (a->inputs, i);
      const TbUsecaseInput *ib = g_ptr_array_index (b->inputs, i);

      g_assert_cmpint (ia->kind, ==, ib->kind);
      g_assert_cmpstr (ia->path, ==, ib->path);
      g_assert_cmpstr (ia->reference, ==, ib->reference);
    }
}

static const char *rich_yaml =
  "name: \"true\"\n"
  "goal: |2\n"
  "    indented first line\n"
  "  second line with trailing spaces   \n"
  "  \n"
  "  # not a comment\n"
  "input:\n"
  "  description: 'a: b # c'\n"
  "  notes: \"no trailing newline\\nsecond\"\n"
  "output:\n"
  "  format: markdown\n"
  "  schema:\n"
  "    type: object\n"
  "    'null': null\n"
  "    empty: \"\"\n"
  "    quoted_int: \"42\"\n"
  "    quoted_float: '1.5'\n"
  "    quoted_bool: 'false'\n"
  "    yes_word: \"yes\"\n"
  "    time: \"12:30:00\"\n"
  "    hex: \"0x1F\"\n"
  "    int: 42\n"
  "    negative: -7\n"
  "    big: 123456789012345\n"
  "    float: 1.5\n"
  "    whole_float: 3.0\n"
  "    exp: 1e-7\n"
  "    yes: true\n"
  "    no: False\n"
  "    nothing: ~\n"
  "    unicode: \"é – ✓\"\n"
  "    multi: \"line one\\nline two\\n\\n\"\n"
  "    tab: \"a\\tb\"\n"
  "    dash: \"- item\"\n"
  "    list: [1, two, 3.25, null, \"4\"]\n"
  "    nested: [[a, b], {c: d}, []]\n"
  "    empty_obj: {}\n"
  "    properties:\n"
  "      title: {type: string, minLength: 1}\n"
  "      description: {type: string, description: \"A long description that goes on\"}\n"
  "  notes: >\n"
  "    folded text\n"
  "    stays one line\n"
  "judge:\n"
  "  model: x/judge\n"
  "  criteria:\n"
  "    - name: \"123\"\n"
  "      weight: 0.25\n"
  "      description: |-\n"
  "        two\n"
  "        lines\n"
  "    - name: plain\n"
  "      weight: 1e3\n"
  "    - name: 'quote''s'\n"
  "      weight: 7\n"
  "      description: \"ends with newlines\\n\\n\\n\"\n"
  "  notes: 'null'\n"
  "models:\n"
  "  candidates: [openai/gpt-4o, 'google/gemini: flash', \"1.0\"]\n"
  "  preferences:\n"
  "    cost: high\n"
  "    min_context: 128000\n"
  "    structured_output: true\n";

static void
check_round_trip (const char *yaml)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) a = NULL;
  g_autoptr(TbUsecase) b = NULL;
  g_autoptr(TbUsecase) c = NULL;
  g_autofree char *out1 = NULL;
  g_autofree char *out2 = NULL;

  a = tb_usecase_parse ("rich", yaml, -1, "rich.yaml", &error);
  g_assert_no_error (error);

  out1 = tb_usecase_to_yaml (a);
  g_assert_nonnull (out1);
  if (g_test_verbose ())
    g_test_message ("%s", out1);

  b = tb_usecase_parse ("rich", out1, -1, "out1.yaml", &error);
  if (error != NULL)
    g_error ("emitted YAML does not parse: %s\n%s", error->message, out1);
  assert_usecases_equal (a, b);

  /* writing again gives the same text */
  out2 = tb_usecase_to_yaml (b);
  g_assert_cmpstr (out1, ==, out2);
  c = tb_usecase_parse ("rich", out2, -1, "out2.yaml", &error);
  g_assert_no_error (error);
  assert_usecases_equal (a, c);
}

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) rich = NULL;
  g_autofree char *out = NULL;
  JsonObject *schema;

  /* make sure the rich file really holds the tricky values */
  rich = tb_usecase_parse ("rich", rich_yaml, -1, "rich.yaml", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rich->name, ==, "true");
  g_assert_cmpstr (rich->goal, ==,
                   "  indented first line\nsecond line with trailing spaces   \n\n"
                   "# not a comment\n");
  g_assert_cmpstr (rich->input_description, ==, "a: b # c");
  g_assert_cmpstr (rich->output_notes, ==, "folded text stays one line\n");
  g_assert_cmpstr (criterion (rich, 0)->name, ==, "123");
  g_assert_cmpstr (criterion (rich, 0)->description, ==, "two\nlines");
  g_assert_cmpfloat (criterion (rich, 1)->weight, ==, 1000);
  g_assert_null (criterion (rich, 1)->description);
  g_assert_cmpstr (criterion (rich, 2)->name, ==, "quote's");
  g_assert_cmpstr (rich->judge_notes, ==, "null");
  g_assert_cmpstr (rich->candidates[2], ==, "1.0");
  schema = json_node_get_object (rich->output_schema);
  g_assert_true (json_object_get_null_member (schema, "null"));
  g_assert_true (json_object_get_null_member (schema, "nothing"));
  g_assert_cmpstr (json_object_get_string_member (schema, "quoted_int"), ==, "42");
  g_assert_cmpstr (json_object_get_string_member (schema, "quoted_bool"), ==, "false");
  g_assert_cmpint (json_object_get_int_member (schema, "big"), ==, 123456789012345);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (schema, "whole_float")),
                   ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_object_get_double_member (schema, "exp"), ==, 1e-7);
  g_assert_true (json_object_get_boolean_member (schema, "yes"));
  g_assert_false (json_object_get_boolean_member (schema, "no"));
  g_assert_cmpstr (json_object_get_string_member (schema, "unicode"), ==, "é – ✓");

  check_round_trip (rich_yaml);
  check_round_trip (full_yaml);
  check_round_trip ("name: Mini\ngoal: Do it well\n");
  check_round_trip ("name: a\ngoal: b\nmodels:\n  preferences: {cost: low}\n");

  /* readable output: block scalars for multi-line text, plain where safe */
  out = tb_usecase_to_yaml (rich);
  g_assert_nonnull (strstr (out, "name: \"true\"\n"));
  g_assert_nonnull (strstr (out, "model: x/judge\n"));
  g_assert_nonnull (strstr (out, "notes: |-\n    no trailing newline\n    second\n"));
  g_assert_nonnull (strstr (out, "description: |-\n      two\n      lines\n"));
  g_assert_nonnull (strstr (out, "time: \"12:30:00\""));
  g_assert_nonnull (strstr (out, "unicode: é – ✓"));
}

static const char *new_keys_yaml =
  "name: Test set\n"
  "goal: Score a jury over a test set\n"
  "judge:\n"
  "  models: [anthropic/claude-sonnet-4.5, openai/gpt-4o, \"google/gemini: pro\"]\n"
  "  mode: pairwise\n"
  "  criteria:\n"
  "    - {name: accuracy, weight: 1000000}\n"
  "models:\n"
  "  candidates: [a/b]\n"
  "  repeat: 3\n"
  "  provider:\n"
  "    order: [openai, azure]\n"
  "    allow_fallbacks: false\n"
  "    data_collection: deny\n"
  "    max_price: {prompt: 1.5, completion: 2}\n"
  "    quantizations: [fp8]\n"
  "inputs:\n"
  "  - samples/lecture-1.txt\n"
  "  - {path: samples/lecture-2.txt, reference: samples/lecture-2.reference.json}\n"
  "  - {folder: samples/lectures/}\n"
  "  - path: /abs/input with spaces.md\n"
  "  - \"yes\"\n"
  "  - 2024.txt\n"
  "  - 'missing/but/fine.txt'\n"
  "budget:\n"
  "  max_usd: 2.50\n"
  "  inputs_per_month: 10000\n";

static void
test_new_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) uc = NULL;
  g_autoptr(TbUsecase) one = NULL;
  g_autoptr(TbUsecase) none = NULL;
  g_autofree char *out = NULL;
  const TbUsecaseInput *input;
  JsonObject *provider;

  /* nothing is looked up on disk: the paths need not exist */
  uc = tb_usecase_parse ("set", new_keys_yaml, -1, "set.yaml", &error);
  g_assert_no_error (error);

  g_assert_cmpuint (g_strv_length (uc->judge_models), ==, 3);
  g_assert_cmpstr (uc->judge_models[2], ==, "google/gemini: pro");
  g_assert_cmpstr (uc->judge_model, ==, "anthropic/claude-sonnet-4.5");
  g_assert_cmpint (uc->judge_mode, ==, TB_JUDGE_PAIRWISE);
  g_assert_cmpfloat (criterion (uc, 0)->weight, ==, 1000000);
  g_assert_cmpuint (uc->repeat, ==, 3);

  provider = json_node_get_object (uc->provider);
  g_assert_cmpuint (json_object_get_size (provider), ==, 5);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (provider,
                                                                                "order"), 1),
                   ==, "azure");
  g_assert_false (json_object_get_boolean_member (provider, "allow_fallbacks"));
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (provider,
                                                                                   "max_price"),
                                                    "prompt"), ==, 1.5);

  g_assert_cmpuint (uc->inputs->len, ==, 7);
  input = g_ptr_array_index (uc->inputs, 0);
  g_assert_cmpint (input->kind, ==, TB_USECASE_INPUT_FILE);
  g_assert_cmpstr (input->path, ==, "samples/lecture-1.txt");
  g_assert_null (input->reference);
  g_assert_cmpuint (input->line, ==, 18);
  input = g_ptr_array_index (uc->inputs, 1);
  g_assert_cmpint (input->kind, ==, TB_USECASE_INPUT_FILE);
  g_assert_cmpstr (input->path, ==, "samples/lecture-2.txt");
  g_assert_cmpstr (input->reference, ==, "samples/lecture-2.reference.json");
  g_assert_cmpuint (input->line, ==, 19);
  input = g_ptr_array_index (uc->inputs, 2);
  g_assert_cmpint (input->kind, ==, TB_USECASE_INPUT_FOLDER);
  g_assert_cmpstr (input->path, ==, "samples/lectures/");
  g_assert_null (input->reference);
  input = g_ptr_array_index (uc->inputs, 3);
  g_assert_cmpstr (input->path, ==, "/abs/input with spaces.md");
  input = g_ptr_array_index (uc->inputs, 4);
  g_assert_cmpstr (input->path, ==, "yes");
  input = g_ptr_array_index (uc->inputs, 5);
  g_assert_cmpstr (input->path, ==, "2024.txt");

  g_assert_true (uc->has_max_usd);
  g_assert_cmpfloat (uc->max_usd, ==, 2.5);
  g_assert_cmpint (uc->inputs_per_month, ==, 10000);

  check_round_trip (new_keys_yaml);
  out = tb_usecase_to_yaml (uc);
  g_assert_nonnull (strstr (out, "  models: [anthropic/claude-sonnet-4.5, openai/gpt-4o, "));
  g_assert_nonnull (strstr (out, "  mode: pairwise\n"));
  g_assert_nonnull (strstr (out, "  repeat: 3\n"));
  g_assert_nonnull (strstr (out, "inputs:\n- samples/lecture-1.txt\n"));
  g_assert_nonnull (strstr (out, "- {folder: samples/lectures/}\n"));
  g_assert_nonnull (strstr (out, "- \"yes\"\n"));
  g_assert_nonnull (strstr (out, "budget:\n  max_usd: 2.5\n  inputs_per_month: 10000\n"));

  /* one judge: judge_models holds it alone; it is written back as judge.model */
  one = tb_usecase_parse ("one", "name: a\ngoal: b\njudge:\n  model: x/y\n"
                          "budget: {max_usd: 0}\n", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (one->judge_model, ==, "x/y");
  g_assert_cmpuint (g_strv_length (one->judge_models), ==, 1);
  g_assert_cmpstr (one->judge_models[0], ==, "x/y");
  g_assert_cmpint (one->judge_mode, ==, TB_JUDGE_POINTWISE);
  g_assert_true (one->has_max_usd);
  g_assert_cmpfloat (one->max_usd, ==, 0);
  check_round_trip ("name: a\ngoal: b\njudge:\n  model: x/y\nbudget: {max_usd: 0}\n");
  check_round_trip ("name: a\ngoal: b\njudge:\n  models: [x/y]\n  mode: pointwise\n");
  check_round_trip ("name: a\ngoal: b\nmodels: {provider: {}}\n");
  check_round_trip ("name: a\ngoal: b\nbudget: {inputs_per_month: 5}\n");

  /* the defaults, and empty values standing for absent ones */
  none = tb_usecase_parse ("none", "name: a\ngoal: b\ninputs: []\nbudget:\n"
                           "judge: {models: [], mode: ~}\nmodels: {repeat: ~, provider: ~}\n",
                           -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (none->judge_model);
  g_assert_null (none->judge_models);
  g_assert_cmpint (none->judge_mode, ==, TB_JUDGE_POINTWISE);
  g_assert_cmpuint (none->repeat, ==, 1);
  g_assert_null (none->provider);
  g_assert_nonnull (none->inputs);
  g_assert_cmpuint (none->inputs->len, ==, 0);
  g_assert_false (none->has_max_usd);
  g_assert_cmpint (none->inputs_per_month, ==, 0);
}

/* A struct filled by hand, as the window's form does, leaves the newer fields zero. */
static void
test_to_yaml_by_hand (void)
{
  g_autoptr(GPtrArray) criteria = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) back = NULL;
  g_autofree char *yaml = NULL;
  TbUsecase uc = { 0 };

  uc.id = (char *) "form";
  uc.name = (char *) "From the form";
  uc.goal = (char *) "Goal";
  uc.judge_model = (char *) "x/judge";
  uc.criteria = criteria;
  yaml = tb_usecase_to_yaml (&uc);
  g_assert_nonnull (yaml);
  g_assert_null (strstr (yaml, "repeat"));
  g_assert_null (strstr (yaml, "inputs"));

  back = tb_usecase_parse ("form", yaml, -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->judge_model, ==, "x/judge");
  g_assert_cmpuint (back->repeat, ==, 1);
  g_assert_cmpuint (back->inputs->len, ==, 0);
}

static void
test_resolve_path (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) uc = tb_usecase_parse ("r", "name: a\ngoal: b\n", -1, NULL, &error);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *from_cwd = g_build_filename (cwd, "samples", "a.txt", NULL);
  g_autofree char *relative_home = g_build_filename (cwd, "home", "samples", "a.txt", NULL);
  const struct {
    const char *usecase;
    const char *path;
    const char *expected;
  } cases[] = {
    { "/srv/home/usecases/r.yaml", "samples/a.txt", "/srv/home/usecases/samples/a.txt" },
    { "/srv/home/usecases/r.yaml", "./samples//a.txt", "/srv/home/usecases/samples/a.txt" },
    { "/srv/home/usecases/r.yaml", "../inputs/a.txt", "/srv/home/inputs/a.txt" },
    { "/srv/home/usecases/r.yaml", "samples/lectures/", "/srv/home/usecases/samples/lectures" },
    { "/srv/home/usecases/r.yaml", "/data/./x/../a.txt", "/data/a.txt" },
    { NULL, "/data/a.txt", "/data/a.txt" },
    { NULL, "samples/a.txt", from_cwd },
    { "home/usecases/../r.yaml", "samples/a.txt", relative_home },
  };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *resolved = NULL;

      g_free (uc->path);
      uc->path = g_strdup (cases[i].usecase);
      resolved = tb_usecase_resolve_path (uc, cases[i].path);
      g_assert_cmpstr (resolved, ==, cases[i].expected);
    }
}

static void
test_template (void)
{
  const char *ids[] = { "my-task", "null", "a_b-c", NULL };

  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TbUsecase) uc = NULL;
      g_autofree char *text = tb_usecase_template (ids[i]);
      g_autofree char *yaml = NULL;
      g_autoptr(TbUsecase) again = NULL;

      uc = tb_usecase_parse (ids[i], text, -1, "template.yaml", &error);
      if (error != NULL)
        g_error ("template does not validate: %s\n%s", error->message, text);

      /* every key is explained in it, commented out or not */
      for (const char *const *key = (const char *const[]) {
             "name:", "goal:", "input:", "description:", "notes:", "output:", "format:",
             "schema:", "judge:", "model:", "criteria:", "weight:", "models:",
             "candidates:", "preferences:", "cost:", "min_context:", "structured_output:",
             "models: [", "mode: pointwise", "repeat:", "provider:", "inputs:", "path:",
             "reference:", "folder:", "budget:", "max_usd:", "inputs_per_month:",
             NULL }; *key != NULL; key++)
        g_assert_nonnull (strstr (text, *key));
      g_assert_nonnull (strstr (text, "json | csv | markdown | text"));
      g_assert_nonnull (strstr (text, "low"));

      g_assert_cmpstr (uc->id, ==, ids[i]);
      g_assert_cmpuint (uc->criteria->len, ==, 3);
      g_assert_cmpfloat (tb_usecase_total_weight (uc), ==, 100);
      g_assert_cmpint (uc->output_format, ==, TB_FORMAT_TEXT);
      g_assert_null (uc->candidates);
      g_assert_cmpint (uc->cost, ==, TB_COST_BALANCED);

      yaml = tb_usecase_to_yaml (uc);
      again = tb_usecase_parse (ids[i], yaml, -1, "again.yaml", &error);
      g_assert_no_error (error);
      assert_usecases_equal (uc, again);

      if (i == 0)
        g_assert_cmpstr (uc->name, ==, "My task");
      if (i == 1)
        g_assert_cmpstr (uc->name, ==, "Null");
    }

  /* Every example in it validates too, once uncommented (the jury, not the one judge). */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *text = tb_usecase_template ("all");
    g_autoptr(GRegex) example = g_regex_new ("^( *)# ( *([a-z_]+:|- ))", G_REGEX_MULTILINE, 0,
                                             NULL);
    g_autofree char *uncommented = g_regex_replace (example, text, -1, 0, "\\1\\2", 0, NULL);
    g_autoptr(GRegex) one_judge = g_regex_new ("^  model: .*\n", G_REGEX_MULTILINE, 0, NULL);
    g_autofree char *yaml = g_regex_replace (one_judge, uncommented, -1, 0, "", 0, NULL);
    g_autoptr(TbUsecase) uc = tb_usecase_parse ("all", yaml, -1, "all.yaml", &error);
    const TbUsecaseInput *input;

    if (error != NULL)
      g_error ("the template's examples do not validate: %s\n%s", error->message, yaml);
    g_assert_nonnull (uc->input_notes);
    g_assert_nonnull (uc->output_schema);
    g_assert_nonnull (uc->judge_notes);
    g_assert_cmpuint (g_strv_length (uc->judge_models), ==, 2);
    g_assert_cmpstr (uc->judge_model, ==, uc->judge_models[0]);
    g_assert_cmpint (uc->judge_mode, ==, TB_JUDGE_POINTWISE);
    g_assert_cmpint (uc->min_context, ==, 32000);
    g_assert_cmpuint (uc->repeat, ==, 1);
    g_assert_false (json_object_get_boolean_member (json_node_get_object (uc->provider),
                                                    "allow_fallbacks"));
    g_assert_cmpuint (uc->inputs->len, ==, 3);
    input = g_ptr_array_index (uc->inputs, 1);
    g_assert_cmpstr (input->reference, ==, "samples/second.reference.txt");
    input = g_ptr_array_index (uc->inputs, 2);
    g_assert_cmpint (input->kind, ==, TB_USECASE_INPUT_FOLDER);
    g_assert_true (uc->has_max_usd);
    g_assert_cmpfloat (uc->max_usd, ==, 2.5);
    g_assert_cmpint (uc->inputs_per_month, ==, 10000);
  }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *text = tb_usecase_template (NULL);
    g_autoptr(TbUsecase) uc = tb_usecase_parse (NULL, text, -1, "new.yaml", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (uc->name, ==, "New use case");
    g_assert_cmpstr (uc->id, ==, "new");
  }
}

static void
test_list_dir (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *subdir = g_build_filename (dir, "folder.yaml", NULL);
  g_autofree char *missing = g_build_filename (dir, "nope", NULL);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) none = NULL;
  TbUsecaseEntry *e;

  write_file (dir, "zeta.yaml", "name: Zeta\ngoal: z\n");
  write_file (dir, "alpha.yaml", "name: Alpha\ngoal: a\n");
  write_file (dir, "broken.yaml", "name: Broken\ngoal: b\noutput:\n  format: pdf\n");
  write_file (dir, "mid.yml", "name: Mid\ngoal: m\n");
  write_file (dir, "zeta.yml", "name: Other zeta\ngoal: z\n");
  write_file (dir, "Upper.yaml", "name: U\ngoal: u\n");
  write_file (dir, "notes.txt", "not a use case");
  write_file (dir, ".hidden.yaml", "garbage: [");
  g_assert_cmpint (g_mkdir (subdir, 0700), ==, 0);

  entries = tb_usecase_list_dir (dir);
  g_assert_cmpuint (entries->len, ==, 6);

  e = g_ptr_array_index (entries, 0);
  g_assert_cmpstr (e->id, ==, "Upper");
  g_assert_null (e->usecase);
  g_assert_error (e->error, TB_ERROR, TB_ERROR_INVALID);
  g_assert_nonnull (strstr (e->error->message, "not a valid use case id"));

  e = g_ptr_array_index (entries, 1);
  g_assert_cmpstr (e->id, ==, "alpha");
  g_assert_no_error (e->error);
  g_assert_cmpstr (e->usecase->name, ==, "Alpha");
  g_assert_true (g_str_has_suffix (e->path, "/alpha.yaml"));
  g_assert_cmpstr (e->usecase->path, ==, e->path);

  e = g_ptr_array_index (entries, 2);
  g_assert_cmpstr (e->id, ==, "broken");
  g_assert_null (e->usecase);
  g_assert_error (e->error, TB_ERROR, TB_ERROR_INVALID);
  {
    g_autofree char *expected = g_strdup_printf ("%s:4: 'output.format'", e->path);

    g_assert_true (g_str_has_prefix (e->error->message, expected));
  }

  e = g_ptr_array_index (entries, 3);
  g_assert_cmpstr (e->id, ==, "mid");
  g_assert_no_error (e->error);
  g_assert_cmpstr (e->usecase->name, ==, "Mid");

  e = g_ptr_array_index (entries, 4);
  g_assert_cmpstr (e->id, ==, "zeta");
  g_assert_no_error (e->error);
  g_assert_cmpstr (e->usecase->name, ==, "Zeta");
  g_assert_true (g_str_has_suffix (e->path, "/zeta.yaml"));

  /* a second file for the same id is flagged, never silently shadowed */
  e = g_ptr_array_index (entries, 5);
  g_assert_cmpstr (e->id, ==, "zeta");
  g_assert_null (e->usecase);
  g_assert_error (e->error, TB_ERROR, TB_ERROR_INVALID);
  g_assert_true (g_str_has_suffix (e->path, "/zeta.yml"));
  g_assert_nonnull (strstr (e->error->message, "already defined"));

  none = tb_usecase_list_dir (missing);
  g_assert_nonnull (none);
  g_assert_cmpuint (none->len, ==, 0);

  remove_tree (dir);
}

static void
test_helpers (void)
{
  g_autoptr(GError) error = NULL;
  TbUsecase *uc;
  TbUsecase *ref;

  g_assert_cmpstr (tb_output_format_to_string (TB_FORMAT_JSON), ==, "json");
  g_assert_cmpstr (tb_output_format_to_string (TB_FORMAT_CSV), ==, "csv");
  g_assert_cmpstr (tb_output_format_to_string (TB_FORMAT_MARKDOWN), ==, "markdown");
  g_assert_cmpstr (tb_output_format_to_string (TB_FORMAT_TEXT), ==, "text");
  g_assert_cmpstr (tb_output_format_extension (TB_FORMAT_JSON), ==, "json");
  g_assert_cmpstr (tb_output_format_extension (TB_FORMAT_CSV), ==, "csv");
  g_assert_cmpstr (tb_output_format_extension (TB_FORMAT_MARKDOWN), ==, "md");
  g_assert_cmpstr (tb_output_format_extension (TB_FORMAT_TEXT), ==, "txt");
  g_assert_cmpstr (tb_cost_preference_to_string (TB_COST_LOW), ==, "low");
  g_assert_cmpstr (tb_cost_preference_to_string (TB_COST_BALANCED), ==, "balanced");
  g_assert_cmpstr (tb_cost_preference_to_string (TB_COST_HIGH), ==, "high");
  g_assert_cmpstr (tb_judge_mode_to_string (TB_JUDGE_POINTWISE), ==, "pointwise");
  g_assert_cmpstr (tb_judge_mode_to_string (TB_JUDGE_PAIRWISE), ==, "pairwise");

  uc = tb_usecase_parse ("h", "name: a\ngoal: b\noutput: {format: csv}\n", -1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (uc->output_format, ==, TB_FORMAT_CSV);
  ref = tb_usecase_ref (uc);
  g_assert_true (ref == uc);
  tb_usecase_unref (uc);
  g_assert_cmpstr (ref->name, ==, "a");
  tb_usecase_unref (ref);

  /* without a file name, messages still say what they are about */
  uc = tb_usecase_parse ("h", "name: a\n", -1, NULL, &error);
  g_assert_null (uc);
  g_assert_cmpstr (error->message, ==, "h.yaml:1: missing required key 'goal'");
}

/* Sanitizers make every allocation slow: there the files are smaller (they still check
 * for crashes and leaks); the plain build, also under valgrind, measures the time. */
#ifdef __SANITIZE_ADDRESS__
#define HOSTILE_SCALE 100
#else
#define HOSTILE_SCALE 1
#endif

static gint64
time_to_parse (GString  *text,
               gboolean  valid)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) uc = tb_usecase_parse ("x", text->str, text->len, "x.yaml", &error);

  g_assert_true ((uc != NULL) == valid);
  return g_get_monotonic_time () - start;
}

/* A schema 20 levels deep under property names of `name_length` characters, then
 * `count` required names and properties. */
static GString *
deep_schema (gsize name_length,
             guint count)
{
  GString *text = g_string_new ("name: a\ngoal: b\noutput:\n  schema:\n");
  g_autoptr(GString) indent = g_string_new ("    ");

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strnfill (name_length, 'a' + i);

      g_string_append_printf (text, "%sproperties:\n%s  ? %s\n%s  :\n",
                              indent->str, indent->str, name, indent->str);
      g_string_append (indent, "    ");
    }
  g_string_append_printf (text, "%srequired: [", indent->str);
  for (guint i = 0; i < count; i++)
    g_string_append_printf (text, "p%u, ", i);
  g_string_append_printf (text, "p]\n%sproperties: {", indent->str);
  for (guint i = 0; i < count; i++)
    g_string_append_printf (text, "p%u: {enum: [1, 2]}, ", i);
  g_string_append (text, "p: {type: string}}\n");
  return text;
}

/* Hostile shapes that took minutes: model lists were checked for duplicates two by two,
 * and every node of a schema copied its parent's path, long names and all. Each must
 * now take about as long as a file of as many nodes without the trap (the best of two
 * runs, the baseline first, so that a busy machine or a cold heap does not decide). */
static void
test_linear_time (void)
{
  guint n = 30000 / HOSTILE_SCALE;
  g_autoptr(GString) candidates = g_string_new ("name: a\ngoal: b\nmodels:\n  candidates: [");
  g_autoptr(GString) same_list = g_string_new ("name: a\ngoal: b\noutput:\n  schema:\n"
                                               "    enum: [");
  g_autoptr(GString) long_names = deep_schema (10000 / HOSTILE_SCALE, n);
  g_autoptr(GString) short_names = deep_schema (1, n);
  gint64 hostile;
  gint64 baseline;

  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (candidates, "m%u/x, ", i);
      g_string_append_printf (same_list, "m%u/x, ", i);
    }
  g_string_append (candidates, "last/x]\n");
  g_string_append (same_list, "last/x]\n");
  baseline = MIN (time_to_parse (same_list, TRUE), time_to_parse (same_list, TRUE));
  hostile = MIN (time_to_parse (candidates, TRUE), time_to_parse (candidates, TRUE));
  g_test_message ("candidates: %" G_GINT64_FORMAT " µs, enum: %" G_GINT64_FORMAT " µs",
                  hostile, baseline);
  g_assert_cmpint (hostile, <, 4 * baseline + G_USEC_PER_SEC / 2);

  baseline = MIN (time_to_parse (short_names, TRUE), time_to_parse (short_names, TRUE));
  hostile = MIN (time_to_parse (long_names, TRUE), time_to_parse (long_names, TRUE));
  g_test_message ("long names: %" G_GINT64_FORMAT " µs, short: %" G_GINT64_FORMAT " µs",
                  hostile, baseline);
  g_assert_cmpint (hostile, <, 4 * baseline + G_USEC_PER_SEC / 2);
}

/* ------------------------------------------------------------------------------------ */
/* Random inputs: the shipped examples, mutated with a fixed seed. Each must parse or fail
 * with a TB_ERROR naming the file; what parses must write back and read back the same.
 * Crashes, criticals, leaks (under ASan or valgrind) and hangs are what this hunts.      */

/* Enough to cover every mutation on every seed many times, and to stay well inside the
 * test's timeout under ASan; TASKBENCH_FUZZ_ITERATIONS runs longer by hand. */
#define FUZZ_ITERATIONS 4000

/* Bits of YAML and of the contract that make mutations reach deeper than random bytes. */
static const char * const fuzz_tokens[] = {
  "&a ", "*a", "!!str ", "!!binary ", "!!int ", "? ", "---\n", "...\n", "\t", ": ", "- ",
  "#", "|", "|-\n", ">\n", "\"", "'", "{", "}", "[", "]", ",", "~", "null", "true", "yes",
  ".inf", "-.Inf", ".nan", "1e999", "1e308", "-0", "0x1F", "99999999999999999999",
  "\"\\0\"", "\"\\x00\"", "\"\\uFFFF\"", "\xef\xbb\xbf", "\xff\xfe", "\xc3\x28",
  "\xf0\x9f\x98\x80", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "\r\n", "\xc2\x85",
  "inputs:\n  - {folder: a, reference: b}\n", "judge: {model: a, models: [b]}\n",
  "models: {repeat: 101, provider: {x: .nan}}\n", "budget: {max_usd: -1}\n",
  "schema: {type: nonsense, pattern: \"(\"}\n", "weight: 1e308", "items: {items: {}}",
  "type: [string, null]", "required: [1]", "minItems: -1", "mode: pairwise\n",
};

static void
fuzz_insert (GString    *text,
             GRand      *rand,
             const char *bytes,
             gssize      length)
{
  gsize at = g_rand_int_range (rand, 0, text->len + 1);

  g_string_insert_len (text, at, bytes, length);
}

/* The start of the line holding byte `i`, and the end past its newline. */
static void
fuzz_line_at (GString *text,
              gsize    i,
              gsize   *start,
              gsize   *end)
{
  *start = i;
  while (*start > 0 && text->str[*start - 1] != '\n')
    (*start)--;
  *end = i;
  while (*end < text->len && text->str[*end] != '\n')
    (*end)++;
  if (*end < text->len)
    (*end)++;
}

static void
fuzz_mutate (GString *text,
             GRand   *rand)
{
  gsize start;
  gsize end;

  if (text->len == 0)
    {
      g_string_append (text, fuzz_tokens[g_rand_int_range (rand, 0,
                                                           G_N_ELEMENTS (fuzz_tokens))]);
      return;
    }

  switch (g_rand_int_range (rand, 0, 9))
    {
    case 0:   /* flip bits of a few bytes */
      for (guint n = g_rand_int_range (rand, 1, 9); n > 0; n--)
        text->str[g_rand_int_range (rand, 0, text->len)] ^= 1 << g_rand_int_range (rand, 0, 8);
      break;

    case 1:   /* truncate */
      g_string_truncate (text, g_rand_int_range (rand, 0, text->len));
      break;

    case 2:   /* duplicate a line, at its place or anywhere */
      {
        g_autofree char *line = NULL;

        fuzz_line_at (text, g_rand_int_range (rand, 0, text->len), &start, &end);
        line = g_strndup (text->str + start, end - start);
        if (g_rand_boolean (rand))
          g_string_insert_len (text, start, line, end - start);
        else
          fuzz_insert (text, rand, line, end - start);
      }
      break;

    case 3:   /* delete lines */
      fuzz_line_at (text, g_rand_int_range (rand, 0, text->len), &start, &end);
      for (guint n = g_rand_int_range (rand, 0, 3); n > 0 && end < text->len; n--)
        fuzz_line_at (text, end, &end, &end);
      g_string_erase (text, start, end - start);
      break;

    case 4:   /* random bytes, any value */
      {
        guint8 bytes[16];
        guint n = g_rand_int_range (rand, 1, sizeof bytes + 1);

        for (guint i = 0; i < n; i++)
          bytes[i] = g_rand_int_range (rand, 0, 256);
        fuzz_insert (text, rand, (const char *) bytes, n);
      }
      break;

    case 5:   /* deep nesting, below or beyond the limit */
      {
        static const char * const openers[] = { "[", "{a: ", "- ", "[{b: ", "c:\n " };
        const char *opener = openers[g_rand_int_range (rand, 0, G_N_ELEMENTS (openers))];
        guint depth = g_rand_int_range (rand, 1, 3 * TB_YAML_MAX_DEPTH);
        g_autoptr(GString) nest = g_string_new (NULL);

        for (guint i = 0; i < depth; i++)
          g_string_append (nest, opener);
        if (g_rand_boolean (rand))
          for (guint i = 0; i < depth && strchr ("[{", opener[0]) != NULL; i++)
            g_string_append (nest, opener[0] == '[' ? "]" : "}");
        fuzz_insert (text, rand, nest->str, nest->len);
      }
      break;

    case 6:   /* a token of YAML or of the contract */
      fuzz_insert (text, rand,
                   fuzz_tokens[g_rand_int_range (rand, 0, G_N_ELEMENTS (fuzz_tokens))], -1);
      break;

    case 7:   /* indent or unindent a line */
      fuzz_line_at (text, g_rand_int_range (rand, 0, text->len), &start, &end);
      if (g_rand_boolean (rand))
        g_string_insert_len (text, start, "  ", g_rand_int_range (rand, 1, 3));
      else if (text->str[start] == ' ')
        g_string_erase (text, start, 1);
      break;

    case 8:   /* move a line elsewhere */
    default:
      {
        g_autofree char *line = NULL;

        fuzz_line_at (text, g_rand_int_range (rand, 0, text->len), &start, &end);
        line = g_strndup (text->str + start, end - start);
        g_string_erase (text, start, end - start);
        fuzz_insert (text, rand, line, -1);
      }
      break;
    }
}

static GPtrArray *
fuzz_seeds (void)
{
  const char *source = g_getenv ("TASKBENCH_SOURCE_DIR");
  g_autofree char *dir = source != NULL ? g_build_filename (source, "usecases", NULL)
                                        : g_strdup (SOURCE_USECASES_DIR);
  g_autoptr(GDir) gdir = g_dir_open (dir, 0, NULL);
  GPtrArray *seeds = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (gdir);
  while ((name = g_dir_read_name (gdir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      char *text = NULL;

      if (!g_str_has_suffix (name, ".yaml"))
        continue;
      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      g_ptr_array_add (seeds, text);
    }
  g_assert_cmpuint (seeds->len, >=, 3);
  g_ptr_array_sort (seeds, (GCompareFunc) g_strcmp0);   /* the same order on every run */

  g_ptr_array_add (seeds, g_strdup (full_yaml));
  g_ptr_array_add (seeds, g_strdup (rich_yaml));
  g_ptr_array_add (seeds, g_strdup (new_keys_yaml));
  g_ptr_array_add (seeds, tb_usecase_template ("fuzz"));
  return seeds;
}

static void
test_fuzz (void)
{
  g_autoptr(GPtrArray) seeds = fuzz_seeds ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261201);
  guint iterations = tb_env_uint ("TASKBENCH_FUZZ_ITERATIONS", FUZZ_ITERATIONS);
  guint parsed = 0;
  gint64 start = g_get_monotonic_time ();

  /* Every shipped example validates as it is. */
  for (guint i = 0; i < seeds->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TbUsecase) uc = tb_usecase_parse ("seed", g_ptr_array_index (seeds, i), -1,
                                                  "seed.yaml", &error);

      g_assert_no_error (error);
    }

  for (guint i = 0; i < iterations; i++)
    {
      const char *seed = g_ptr_array_index (seeds, g_rand_int_range (rand, 0, seeds->len));
      g_autoptr(GString) text = g_string_new (seed);
      g_autoptr(GError) error = NULL;
      g_autoptr(TbUsecase) uc = NULL;

      for (guint n = g_rand_int_range (rand, 1, 5); n > 0; n--)
        fuzz_mutate (text, rand);

      uc = tb_usecase_parse ("fuzz", text->str, text->len, "fuzz.yaml", &error);
      if ((uc == NULL) == (error == NULL))
        g_error ("iteration %u: a result and an error must not come together", i);
      if (error != NULL)
        {
          if (error->domain != TB_ERROR || !g_str_has_prefix (error->message, "fuzz.yaml"))
            g_error ("iteration %u: %s (%s %d)", i, error->message,
                     g_quark_to_string (error->domain), error->code);
          continue;
        }

      /* What parses writes back, and reads back the same. */
      parsed++;
      {
        g_autofree char *yaml = tb_usecase_to_yaml (uc);
        g_autoptr(TbUsecase) again = NULL;

        g_assert_nonnull (yaml);
        again = tb_usecase_parse ("fuzz", yaml, -1, "again.yaml", &error);
        if (again == NULL)
          g_error ("iteration %u: written back, it does not parse: %s\n%s\n--- from:\n%s",
                   i, error->message, yaml, text->str);
        assert_usecases_equal (uc, again);
      }
    }

  g_test_message ("%u of %u mutated files parsed, in %.1f s", parsed, iterations,
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  /* Both sides were reached: mutations that keep a valid file, and ones that break it. */
  g_assert_cmpuint (parsed, >, iterations / 50);
  g_assert_cmpuint (parsed, <, iterations);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/usecase/full", test_full);
  g_test_add_func ("/usecase/minimal", test_minimal);
  g_test_add_func ("/usecase/empty-values", test_empty_values);
  g_test_add_func ("/usecase/errors", test_errors);
  g_test_add_func ("/usecase/schema-valid", test_schema_valid);
  g_test_add_func ("/usecase/deep-nesting", test_deep_nesting);
  g_test_add_func ("/usecase/length-and-nul", test_length_and_nul);
  g_test_add_func ("/usecase/encodings", test_encodings);
  g_test_add_func ("/usecase/id-valid", test_id_valid);
  g_test_add_func ("/usecase/load-file-errors", test_load_file_errors);
  g_test_add_func ("/usecase/special-files", test_special_files);
  g_test_add_func ("/usecase/round-trip", test_round_trip);
  g_test_add_func ("/usecase/new-keys", test_new_keys);
  g_test_add_func ("/usecase/to-yaml-by-hand", test_to_yaml_by_hand);
  g_test_add_func ("/usecase/resolve-path", test_resolve_path);
  g_test_add_func ("/usecase/template", test_template);
  g_test_add_func ("/usecase/list-dir", test_list_dir);
  g_test_add_func ("/usecase/helpers", test_helpers);
  g_test_add_func ("/usecase/linear-time", test_linear_time);
  g_test_add_func ("/usecase/fuzz", test_fuzz);

  return g_test_run ();
}
