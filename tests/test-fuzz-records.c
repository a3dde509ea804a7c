/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Seeded random-input loops over the readers of the results store's records: thousands of
 * mutations of real record files — as TaskBench's own writers make them, and as older
 * versions did — through tb_json_parse and tb_output_from_json, tb_run_from_json,
 * tb_judgment_from_json, tb_run_summary_from_json, and a run's rollup and summary. Byte
 * flips, truncations, type swaps, huge and non-finite numbers, deep nesting, invalid UTF-8,
 * members added, removed and doubled. Whatever a reader returns must write back to JSON
 * that parses (records-check.c); a crash, a CRITICAL or (under ASan or valgrind) a leak
 * fails the test.
 *
 * The seed is the test's (printed in the log, --seed repeats it);
 * TASKBENCH_FUZZ_ITERATIONS sets the mutations per record kind (default 1500, 150 with
 * TASKBENCH_TEST_LIGHT=1);
 * TASKBENCH_FUZZ_DUMP names a file each mutant is written to before it is read, so that
 * after a failure it holds the input that failed (with the kind's byte first, as the
 * libFuzzer target takes it). */
#define G_LOG_DOMAIN "test-fuzz-records"

#include "config.h"

#include <string.h>

#include "records-check.h"
#include "tb-core.h"

#define PLACEHOLDER "@@FUZZ@@"

/* ---- seeds: real records ------------------------------------------------------------- */

static TbOutput *
seed_output (const char *model,
             gboolean    ok)
{
  TbOutput *output = tb_output_new (model);
  const char *errors[] = { "Missing field 'end_time' in item 2", "Überlänge", NULL };
  const char *ids[] = { "gen-1", "gen-2", NULL };
  const char *providers[] = { "OpenAI", "Azure", NULL };

  output->input = g_strdup ("lecture");
  output->repeat = 2;
  output->status = ok ? TB_OUTPUT_OK : TB_OUTPUT_FAILED;
  output->content = g_strdup ("[{\"title\": \"Intro — ünïcödé ✓\", \"start\": \"00:00:00\"}]");
  output->finish_reason = g_strdup ("stop");
  output->native_finish_reason = g_strdup ("end_turn");
  output->has_format_check = TRUE;
  output->format_valid = FALSE;
  output->format_errors = g_strdupv ((char **) errors);
  output->usage = (TbUsage) { 1200, 340, 20, 100 };
  output->cost.has_inline = TRUE;
  output->cost.inline_usd = 0.0012;
  output->cost.has_billed = ok;
  output->cost.billed_usd = 0.00125;
  output->cost.has_estimate = TRUE;
  output->cost.estimate_usd = 2e-8;
  tb_cost_settle (&output->cost);
  output->generation_id = g_strdup ("gen-1");
  output->generation_ids = g_strdupv ((char **) ids);
  output->provider = g_strdup ("OpenAI");
  output->providers = g_strdupv ((char **) providers);
  output->has_upstream_cost = TRUE;
  output->upstream_usd = 0.001;
  output->is_byok = TRUE;
  output->has_cache_discount = TRUE;
  output->cache_discount = -0.0001;
  output->has_generation_time = TRUE;
  output->generation_time_ms = 1234;
  output->latency_ms = 2000;
  output->attempts = 2;
  output->chunks = 3;
  if (!ok)
    {
      output->error_http_status = 402;
      output->error_message = g_strdup ("out of credits (402): add credits");
    }
  output->updated_at = g_strdup ("2026-11-25T12:16:19Z");
  return output;
}

static TbRun *
seed_run (void)
{
  TbRun *run = tb_run_new ();
  const char *models[] = { "openai/gpt-4o-mini", "x/a b", "x__a.b", NULL };
  const char *judges[] = { "anthropic/claude-sonnet-4.5", "openai/gpt-4o", NULL };
  g_autoptr(GError) error = NULL;

  run->id = g_strdup ("20261125T121619Z-5cff");
  run->usecase = g_strdup ("lecture");
  run->usecase_snapshot = g_strdup ("name: Lecture\ngoal: |\n  Split it.\n");
  for (guint i = 0; i < 3; i++)
    {
      TbRunInput *input = tb_run_input_new ();

      input->key = g_strdup_printf ("lecture-%u", i + 1);
      input->name = g_strdup_printf ("lecture %u.txt", i + 1);
      input->sha256 = tb_sha256_hex (input->name, strlen (input->name));
      input->bytes = 1000 * (i + 1);
      input->file = g_strdup_printf ("inputs/%s/input.txt", input->key);
      input->prompt_file = g_strdup_printf ("inputs/%s/prompt.txt", input->key);
      if (i == 1)
        {
          input->reference_file = g_strdup_printf ("inputs/%s/reference.json", input->key);
          input->reference_name = g_strdup ("lecture 2.reference.json");
        }
      g_ptr_array_add (run->inputs, input);
    }
  g_strfreev (run->models);
  run->models = g_strdupv ((char **) models);
  run->repeat = 2;
  g_strfreev (run->judges);
  run->judges = g_strdupv ((char **) judges);
  run->judge_mode = g_strdup ("pointwise");
  run->created_at = g_strdup ("2026-11-25T12:16:19Z");
  run->status = TB_RUN_PARTIAL;
  run->stop_reason = g_strdup ("budget");
  run->has_max_cost = TRUE;
  run->max_cost_usd = 2.5;
  run->forecast = tb_json_parse ("{\"total_usd\": 0.5, \"calls\": 6, \"models\": [{\"model\":"
                                 " \"openai/gpt-4o-mini\", \"calls\": 6, \"prompt_tokens\":"
                                 " 1200, \"completion_tokens\": 300, \"usd\": 0.0004}],"
                                 " \"judges\": [], \"unknown\": [\"x/a b\"]}", -1, "forecast",
                                 &error);
  g_assert_no_error (error);
  run->version = g_strdup ("0.1.0");
  return run;
}

static TbScore *
seed_score (const char *model,
            const char *judge,
            double      overall,
            gboolean    failed)
{
  TbScore *score = tb_score_new (model);
  const char *violations[] = { "No end time", "Chapter \"2\" overlaps", NULL };

  score->input = g_strdup ("lecture-1");
  score->repeat = 1;
  score->judge = g_strdup (judge);
  if (failed)
    score->error = g_strdup ("judge error after 2 attempts: not JSON");
  else
    {
      tb_score_set_criterion (score, "accuracy", overall / 10);
      tb_score_set_criterion (score, "format", 10 - overall / 10);
      score->overall = overall;
      score->violations = g_strdupv ((char **) violations);
      score->reasoning = g_strdup ("Reasoning — with “quotes”.");
    }
  score->output_chars = 4321;
  score->usage = (TbUsage) { 5000, 200, 0, 0 };
  score->cost.has_inline = TRUE;
  score->cost.inline_usd = 0.003;
  tb_cost_settle (&score->cost);
  return score;
}

static TbJudgment *
seed_judgment (void)
{
  TbJudgment *judgment = tb_judgment_new ();
  const char *judges[] = { "anthropic/claude-sonnet-4.5", "openai/gpt-4o", NULL };
  TbComparison *comparison = tb_comparison_new ();

  judgment->judge_model = g_strdup (judges[0]);
  g_strfreev (judgment->judges);
  judgment->judges = g_strdupv ((char **) judges);
  judgment->mode = g_strdup ("pointwise");
  judgment->temperature = 0;
  judgment->has_seed = TRUE;
  judgment->seed = 20261125;
  judgment->created_at = g_strdup ("2026-11-25T12:17:00Z");
  judgment->prompt_sha256 = tb_sha256_hex ("system", 6);
  g_ptr_array_add (judgment->scores, seed_score ("openai/gpt-4o-mini", judges[0], 91.5, FALSE));
  g_ptr_array_add (judgment->scores, seed_score ("x/a b", judges[1], 62, FALSE));
  g_ptr_array_add (judgment->scores, seed_score ("x__a.b", judges[0], 0, TRUE));

  comparison->input = g_strdup ("lecture-1");
  comparison->repeat = 1;
  comparison->a = g_strdup ("openai/gpt-4o-mini");
  comparison->b = g_strdup ("x/a b");
  comparison->judge = g_strdup (judges[1]);
  comparison->winner = TB_WINNER_A;
  comparison->reasoning = g_strdup ("A covers more.");
  comparison->cost.has_billed = TRUE;
  comparison->cost.billed_usd = 0.002;
  tb_cost_settle (&comparison->cost);
  g_ptr_array_add (judgment->comparisons, comparison);

  tb_judgment_settle_cost (judgment);
  judgment->best_overall = g_strdup ("openai/gpt-4o-mini");
  judgment->best_value = g_strdup ("openai/gpt-4o-mini");
  return judgment;
}

static char *
text_of (JsonNode *node)
{
  char *text = tb_json_to_string (node, TRUE);

  json_node_unref (node);
  return text;
}

/* Every seed of a kind, as text: TaskBench's writers', and older versions'. */
static GPtrArray *
seeds_for (RecordKind kind)
{
  GPtrArray *seeds = g_ptr_array_new_with_free_func (g_free);

  switch (kind)
    {
    case RECORD_OUTPUT:
      {
        g_autoptr(TbOutput) ok = seed_output ("openai/gpt-4o-mini", TRUE);
        g_autoptr(TbOutput) failed = seed_output ("x/a b", FALSE);

        g_ptr_array_add (seeds, text_of (tb_output_to_json (ok)));
        g_ptr_array_add (seeds, text_of (tb_output_to_json (failed)));
        /* older versions: an estimate always written, json-glib's non-finite spelling */
        g_ptr_array_add (seeds, g_strdup ("{\"model\": \"a/b\", \"status\": \"ok\", \"content\":"
                                          " \"x\", \"usage\": {\"prompt_tokens\": 10},"
                                          " \"cost\": {\"inline_usd\": nan.0, \"usd\": inf.0,"
                                          " \"source\": \"estimate\"}, \"attempts\": 1}"));
      }
      break;
    case RECORD_RUN:
      {
        g_autoptr(TbRun) run = seed_run ();

        g_ptr_array_add (seeds, text_of (tb_run_to_json (run)));
        /* one input, as older versions wrote it */
        g_ptr_array_add (seeds, g_strdup ("{\"id\": \"20261125T121619Z-5cff\", \"usecase\":"
                                          " \"lecture\", \"usecase_snapshot\": \"name: L\","
                                          " \"input\": {\"name\": \"l.txt\", \"sha256\": \"ab\","
                                          " \"bytes\": 12, \"file\": \"input.txt\"},"
                                          " \"models\": [\"a/b\"], \"created_at\":"
                                          " \"2026-11-25T12:16:19Z\", \"status\": \"done\","
                                          " \"version\": \"0.0.9\"}"));
      }
      break;
    case RECORD_JUDGMENT:
      {
        g_autoptr(TbJudgment) judgment = seed_judgment ();

        g_ptr_array_add (seeds, text_of (tb_judgment_to_json (judgment)));
      }
      g_ptr_array_add (seeds, g_strdup ("{\"judge_model\": \"j/x\", \"created_at\": \"2026\","
                                        " \"scores\": [{\"model\": \"a/b\", \"criteria\":"
                                        " {\"q\": 7}, \"overall\": 70, \"violations\": [],"
                                        " \"reasoning\": \"ok\"}], \"recommendation\":"
                                        " {\"best_overall\": \"a/b\"}}"));
      break;
    case RECORD_SUMMARY:
    case RECORD_RUN_DATA:
    default:
      {
        g_autoptr(TbRunData) data = g_new0 (TbRunData, 1);
        g_autoptr(TbRunSummary) summary = NULL;
        g_autoptr(JsonBuilder) builder = json_builder_new ();

        data->run = seed_run ();
        data->outputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_output_free);
        g_ptr_array_add (data->outputs, seed_output ("openai/gpt-4o-mini", TRUE));
        g_ptr_array_add (data->outputs, seed_output ("x/a b", FALSE));
        data->judgments = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_judgment_free);
        g_ptr_array_add (data->judgments, seed_judgment ());
        if (kind == RECORD_SUMMARY)
          {
            summary = tb_run_summary_new_for (data);
            g_ptr_array_add (seeds, text_of (tb_run_summary_to_json (summary)));
            break;
          }
        json_builder_begin_object (builder);
        tb_json_add_node (builder, "run", tb_run_to_json (data->run));
        json_builder_set_member_name (builder, "outputs");
        json_builder_begin_array (builder);
        for (guint i = 0; i < data->outputs->len; i++)
          json_builder_add_value (builder,
                                  tb_output_to_json (g_ptr_array_index (data->outputs, i)));
        json_builder_end_array (builder);
        json_builder_set_member_name (builder, "judgments");
        json_builder_begin_array (builder);
        json_builder_add_value (builder, tb_judgment_to_json (g_ptr_array_index (data->judgments,
                                                                                 0)));
        json_builder_end_array (builder);
        json_builder_end_object (builder);
        g_ptr_array_add (seeds, text_of (json_builder_get_root (builder)));
      }
      break;
    }
  return seeds;
}

/* ---- mutations ----------------------------------------------------------------------- */

/* Every place a value sits: an object's member or an array's element. */
typedef struct {
  JsonObject *object;
  const char *member;   /* owned by the object */
  JsonArray  *array;
  guint       index;
} Slot;

static void
collect_slots (JsonNode *node,
               GArray   *slots)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          Slot slot = { object, l->data, NULL, 0 };

          g_array_append_val (slots, slot);
          collect_slots (json_object_get_member (object, l->data), slots);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          Slot slot = { NULL, NULL, array, i };

          g_array_append_val (slots, slot);
          collect_slots (json_array_get_element (array, i), slots);
        }
    }
}

/* Names the readers look for, so that added members hit real fields. */
static const char * const field_names[] = {
  "model", "status", "content", "usage", "cost", "usd", "inline_usd", "billed_usd",
  "estimate_usd", "source", "prompt_tokens", "completion_tokens", "reasoning_tokens",
  "cached_tokens", "generation_ids", "providers", "attempts", "chunks", "repeat", "input",
  "inputs", "models", "judges", "id", "usecase", "usecase_snapshot", "key", "file",
  "prompt_file", "reference_file", "scores", "criteria", "criteria_order", "overall",
  "violations", "comparisons", "winner", "recommendation", "best_overall", "error",
  "judgment", "cost", "runs", "candidate_usd", "total_usd", "unknown_calls", "forecast",
  "latency_ms", "max_cost_usd", "created_at", "judge", "outputs", "judgments", "run",
};

static const char *
random_field_name (GRand *rand)
{
  return field_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (field_names))];
}

/* Raw JSON (or almost JSON) put where a value was. */
static const char * const raw_values[] = {
  "1e999", "-1e999", "1e308", "-1e308", "9223372036854775807", "9223372036854775808",
  "-9223372036854775809", "18446744073709551616", "1e-320", "-0", "-0.0", "4.9e-324",
  "123456789012345678901234567890", "NaN", "Infinity", "-Infinity", "nan.0", "-inf.0",
  "0x10", "'single'", "\"\\ud800\"", "\"\\u0000\"", "\"a\\u0000b\"", "\"\xff\xfe\"",
  "\"\xc3\x28\"", "\"\xed\xa0\x80\"", "null", "true", "false", "\"\"", "{}", "[]", "[null]",
  "{\"\": null}", "\"../../etc/passwd\"", "\"a/../../b\"", "\"/abs/path\"", "-1", "0",
  "4294967296", "2.5", "\"0.5\"", "\"-1\"", "[\"x\", 1, null, {}]",
  "{\"model\": 1, \"status\": [], \"cost\": \"x\"}",
};

static char *
deep_value (GRand *rand)
{
  static const guint depths[] = { 10, 200, 999, 1000, 1001, 5000 };
  guint depth = g_rand_int_range (rand, 0, 50) == 0 ? 200000
                : depths[g_rand_int_range (rand, 0, G_N_ELEMENTS (depths))];
  gboolean objects = g_rand_boolean (rand);
  GString *text = g_string_sized_new (depth * 6);

  for (guint i = 0; i < depth; i++)
    g_string_append (text, objects ? "{\"a\":" : "[");
  g_string_append (text, "1");
  for (guint i = 0; i < depth; i++)
    g_string_append_c (text, objects ? '}' : ']');
  return g_string_free (text, FALSE);
}

static JsonNode *
take_object (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static JsonNode *
take_array (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

/* json_node_copy shares the objects and arrays of a node: put into its own subtree, such a
 * copy would make a cycle. */
static JsonNode *
deep_copy (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObject *copy = json_object_new ();
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (copy, l->data,
                                deep_copy (json_object_get_member (object, l->data)));
      return take_object (copy);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      JsonArray *copy = json_array_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (copy, deep_copy (json_array_get_element (array, i)));
      return take_array (copy);
    }
  return json_node_copy (node);
}

static JsonNode *
random_value (GRand *rand)
{
  switch (g_rand_int_range (rand, 0, 9))
    {
    case 0: return json_node_init_null (json_node_alloc ());
    case 1: return json_node_init_boolean (json_node_alloc (), g_rand_boolean (rand));
    case 2: return json_node_init_int (json_node_alloc (), g_rand_int_range (rand, -5, 5));
    case 3: return json_node_init_double (json_node_alloc (), g_rand_double_range (rand, -2, 2));
    case 4: return json_node_init_string (json_node_alloc (), "");
    case 5: return json_node_init_string (json_node_alloc (), random_field_name (rand));
    case 6: return take_object (json_object_new ());
    case 7: return take_array (json_array_new ());
    default: return json_node_init_string (json_node_alloc (), PLACEHOLDER);
    }
}

static void
slot_set (Slot     *slot,
          JsonNode *value)
{
  if (slot->object != NULL)
    json_object_set_member (slot->object, slot->member, value);
  else
    {
      /* json-glib has no way to replace an element: remove it and add the value last */
      json_array_remove_element (slot->array, slot->index);
      json_array_add_element (slot->array, value);
    }
}

/* One structural change of the tree; TRUE when it left a placeholder to fill in the text. */
static gboolean
mutate_tree (GRand    *rand,
             JsonNode *root)
{
  g_autoptr(GArray) slots = g_array_new (FALSE, FALSE, sizeof (Slot));
  Slot *slot;

  collect_slots (root, slots);
  if (slots->len == 0)
    return FALSE;
  slot = &g_array_index (slots, Slot, g_rand_int_range (rand, 0, slots->len));

  switch (g_rand_int_range (rand, 0, 6))
    {
    case 0:   /* a value of another type */
      slot_set (slot, random_value (rand));
      return FALSE;
    case 1:   /* a raw value: huge, non-finite, invalid UTF-8, deep … */
      slot_set (slot, json_node_init_string (json_node_alloc (), PLACEHOLDER));
      return TRUE;
    case 2:   /* a member removed */
      if (slot->object != NULL)
        json_object_remove_member (slot->object, slot->member);
      else
        json_array_remove_element (slot->array, slot->index);
      return FALSE;
    case 3:   /* a member of a real field's name added */
      {
        JsonNode *parent = slot->object != NULL ? json_object_get_member (slot->object,
                                                                          slot->member)
                                                : json_array_get_element (slot->array,
                                                                          slot->index);
        const char *name = random_field_name (rand);
        JsonNode *value;

        if (!JSON_NODE_HOLDS_OBJECT (parent))
          return FALSE;
        value = random_value (rand);
        json_object_set_member (json_node_get_object (parent), name, value);
        return JSON_NODE_HOLDS_VALUE (value)
               && g_strcmp0 (json_node_get_string (value), PLACEHOLDER) == 0;
      }
    case 4:   /* a value copied somewhere else */
      {
        Slot *other = &g_array_index (slots, Slot, g_rand_int_range (rand, 0, slots->len));
        JsonNode *value = other->object != NULL
                          ? json_object_get_member (other->object, other->member)
                          : json_array_get_element (other->array, other->index);

        slot_set (slot, deep_copy (value));
        return FALSE;
      }
    default:  /* an array grown */
      if (slot->array != NULL)
        for (guint i = g_rand_int_range (rand, 1, 50); i > 0; i--)
          json_array_add_element (slot->array,
                                  deep_copy (json_array_get_element (slot->array, 0)));
      return FALSE;
    }
}

static void
fill_placeholders (GRand   *rand,
                   GString *text)
{
  const char *quoted = "\"" PLACEHOLDER "\"";
  char *at;

  while ((at = strstr (text->str, quoted)) != NULL)
    {
      gsize offset = at - text->str;
      g_autofree char *value = NULL;

      switch (g_rand_int_range (rand, 0, 4))
        {
        case 0:
          value = deep_value (rand);
          break;
        case 1:   /* invalid UTF-8 or a NUL inside a string */
          {
            static const char * const bytes[] = { "\xff", "\xc3\x28", "\xed\xa0\x80", "\x80",
                                                  "\xf4\x90\x80\x80" };

            value = g_strdup_printf ("\"a%sb\"", bytes[g_rand_int_range (rand, 0,
                                                                         G_N_ELEMENTS (bytes))]);
          }
          break;
        default:
          value = g_strdup (raw_values[g_rand_int_range (rand, 0, G_N_ELEMENTS (raw_values))]);
          break;
        }
      g_string_erase (text, offset, strlen (quoted));
      g_string_insert (text, offset, value);
    }
}

static void
flip_bytes (GRand   *rand,
            GString *text)
{
  static const char interesting[] = { '\0', '"', '{', '}', '[', ']', ',', ':', '\\', '-', '0',
                                      'e', '.', 'n', '\'', '/', '*', (char) 0xff, (char) 0xc3,
                                      (char) 0x80 };

  if (text->len == 0)
    return;
  for (guint i = g_rand_int_range (rand, 1, 9); i > 0; i--)
    {
      gsize at = g_rand_int_range (rand, 0, text->len);

      text->str[at] = g_rand_boolean (rand)
                      ? interesting[g_rand_int_range (rand, 0, sizeof interesting)]
                      : (char) g_rand_int_range (rand, 0, 256);
    }
}

/* One mutant of `seed`: structural changes, then perhaps bytes flipped or the text cut. */
static GString *
mutate (GRand      *rand,
        const char *seed)
{
  g_autoptr(JsonNode) root = tb_json_parse (seed, -1, "seed", NULL);
  g_autofree char *written = NULL;
  GString *text;
  guint changes = g_rand_int_range (rand, 0, 4);

  g_assert_nonnull (root);
  for (guint i = 0; i < changes; i++)
    mutate_tree (rand, root);
  written = tb_json_to_string (root, g_rand_boolean (rand));
  text = g_string_new (written);
  fill_placeholders (rand, text);

  switch (g_rand_int_range (rand, 0, 6))
    {
    case 0:
      flip_bytes (rand, text);
      break;
    case 1:
      g_string_truncate (text, g_rand_int_range (rand, 0, text->len + 1));
      break;
    case 2:   /* a member written twice: json-glib keeps the last */
      {
        char *brace = strchr (text->str, '{');

        if (brace != NULL)
          g_string_insert (text, brace - text->str + 1, "\"status\": [], \"model\": null, ");
      }
      break;
    default:
      break;
    }
  return text;
}

/* ---- the loops ----------------------------------------------------------------------- */

/* TASKBENCH_FUZZ_ITERATIONS, else 1,500, or a tenth of it with TASKBENCH_TEST_LIGHT (as
 * under valgrind: see docs/ARCHITECTURE.md). */
static guint
iterations (void)
{
  const char *env = g_getenv ("TASKBENCH_FUZZ_ITERATIONS");
  guint64 n = env != NULL ? g_ascii_strtoull (env, NULL, 10) : 0;

  if (n > 0)
    return (guint) MIN (n, G_MAXUINT);
  return g_strcmp0 (g_getenv ("TASKBENCH_TEST_LIGHT"), "1") == 0 ? 150 : 1500;
}

static void
test_kind (gconstpointer data)
{
  RecordKind kind = GPOINTER_TO_UINT (data);
  g_autoptr(GPtrArray) seeds = seeds_for (kind);
  guint32 seed = g_test_rand_int ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint n = iterations ();
  const char *dump = g_getenv ("TASKBENCH_FUZZ_DUMP");
  guint read = 0;

  g_test_message ("%s: %u mutations from seed %u", record_kind_name (kind), n, seed);

  /* the seeds themselves read, whole */
  for (guint i = 0; i < seeds->len; i++)
    {
      const char *text = g_ptr_array_index (seeds, i);

      g_assert_true (records_check_text (kind, text, strlen (text)));
    }

  for (guint i = 0; i < n; i++)
    {
      const char *seed_text = g_ptr_array_index (seeds, g_rand_int_range (rand, 0, seeds->len));
      g_autoptr(GString) text = mutate (rand, seed_text);

      if (g_test_verbose () && i % 500 == 0)
        g_test_message ("mutation %u: %.200s", i, text->str);
      if (dump != NULL)
        {
          g_autoptr(GString) framed = g_string_new_len ((const char *) &(char) { kind }, 1);

          g_string_append_len (framed, text->str, text->len);
          g_assert_true (g_file_set_contents (dump, framed->str, framed->len, NULL));
        }
      if (records_check_text (kind, text->str, text->len))
        read++;
    }
  /* most mutants still read as records: the loop reaches the readers, not only the parser */
  g_test_message ("%u of %u mutants read as a %s", read, n, record_kind_name (kind));
  g_assert_cmpuint (read, >, n / 4);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (RecordKind kind = 0; kind < N_RECORDS; kind++)
    {
      g_autofree char *path = g_strdup_printf ("/fuzz-records/%s", record_kind_name (kind));

      g_test_add_data_func (path, GUINT_TO_POINTER (kind), test_kind);
    }
  return g_test_run ();
}
