/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-judgment"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-error.h"
#include "tb-json.h"
#include "tb-judgment.h"

TbScore *
tb_score_new (const char *model)
{
  TbScore *score = g_new0 (TbScore, 1);

  score->model = g_strdup (model);
  score->repeat = 1;
  return score;
}

void
tb_score_free (TbScore *score)
{
  if (score == NULL)
    return;
  g_free (score->model);
  g_free (score->input);
  g_free (score->judge);
  g_free (score->criteria);
  g_strfreev (score->violations);
  g_free (score->reasoning);
  g_free (score->error);
  g_free (score);
}

static TbCriterionScore *
find_criterion (const TbScore *score,
                const char    *name)
{
  for (guint i = 0; name != NULL && i < score->n_criteria; i++)
    if (g_str_equal (score->criteria[i].name, name))
      return &score->criteria[i];
  return NULL;
}

gboolean
tb_score_get_criterion (const TbScore *score,
                        const char    *name,
                        double        *value)
{
  const TbCriterionScore *stored;

  g_return_val_if_fail (score != NULL, FALSE);

  stored = find_criterion (score, name);
  if (stored == NULL)
    return FALSE;
  if (value != NULL)
    *value = stored->value;
  return TRUE;
}

void
tb_score_set_criterion (TbScore    *score,
                        const char *name,
                        double      value)
{
  TbCriterionScore *stored;

  g_return_if_fail (score != NULL && name != NULL);

  stored = find_criterion (score, name);
  if (stored == NULL)
    {
      score->criteria = g_renew (TbCriterionScore, score->criteria, score->n_criteria + 1);
      stored = &score->criteria[score->n_criteria++];
      stored->name = g_intern_string (name);
    }
  stored->value = value;
}

TbComparison *
tb_comparison_new (void)
{
  TbComparison *comparison = g_new0 (TbComparison, 1);

  comparison->repeat = 1;
  return comparison;
}

void
tb_comparison_free (TbComparison *comparison)
{
  if (comparison == NULL)
    return;
  g_free (comparison->input);
  g_free (comparison->a);
  g_free (comparison->b);
  g_free (comparison->judge);
  g_free (comparison->reasoning);
  g_free (comparison->error);
  g_free (comparison);
}

static const char * const winner_names[] = {
  [TB_WINNER_NONE] = NULL,
  [TB_WINNER_A] = "A",
  [TB_WINNER_B] = "B",
  [TB_WINNER_TIE] = "tie",
};

const char *
tb_winner_to_string (TbWinner winner)
{
  return (guint) winner < G_N_ELEMENTS (winner_names) ? winner_names[winner] : NULL;
}

TbWinner
tb_winner_from_string (const char *text)
{
  for (guint i = 1; text != NULL && i < G_N_ELEMENTS (winner_names); i++)
    if (g_ascii_strcasecmp (text, winner_names[i]) == 0)
      return (TbWinner) i;
  return TB_WINNER_NONE;
}

TbJudgment *
tb_judgment_new (void)
{
  TbJudgment *judgment = g_new0 (TbJudgment, 1);

  judgment->scores = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_score_free);
  judgment->comparisons = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_comparison_free);
  judgment->judges = g_new0 (char *, 1);
  return judgment;
}

void
tb_judgment_free (TbJudgment *judgment)
{
  if (judgment == NULL)
    return;
  g_free (judgment->judge_model);
  g_strfreev (judgment->judges);
  g_free (judgment->mode);
  g_free (judgment->created_at);
  g_free (judgment->prompt_sha256);
  g_clear_pointer (&judgment->scores, g_ptr_array_unref);
  g_clear_pointer (&judgment->comparisons, g_ptr_array_unref);
  g_free (judgment->best_overall);
  g_free (judgment->best_value);
  g_free (judgment->budget_pick);
  g_free (judgment->file);
  g_free (judgment);
}

const char *
tb_judgment_score_judge (const TbJudgment *judgment,
                         const TbScore    *score)
{
  return score->judge != NULL ? score->judge : judgment->judge_model;
}

void
tb_judgment_settle_cost (TbJudgment *judgment)
{
  g_return_if_fail (judgment != NULL);

  memset (&judgment->cost, 0, sizeof judgment->cost);
  memset (&judgment->usage, 0, sizeof judgment->usage);
  for (guint i = 0; i < judgment->scores->len; i++)
    {
      const TbScore *score = g_ptr_array_index (judgment->scores, i);

      tb_cost_add (&judgment->cost, &score->cost);
      tb_usage_add (&judgment->usage, &score->usage);
    }
  for (guint i = 0; i < judgment->comparisons->len; i++)
    {
      const TbComparison *comparison = g_ptr_array_index (judgment->comparisons, i);

      tb_cost_add (&judgment->cost, &comparison->cost);
      tb_usage_add (&judgment->usage, &comparison->usage);
    }
}

static JsonNode *
score_to_json (const TbScore *score)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "model", score->model);
  if (score->input != NULL)
    {
      tb_json_add_string (builder, "input", score->input);
      tb_json_add_int (builder, "repeat", MAX (score->repeat, 1));
    }
  if (score->judge != NULL)
    tb_json_add_string (builder, "judge", score->judge);

  json_builder_set_member_name (builder, "criteria");
  json_builder_begin_object (builder);
  for (guint i = 0; i < score->n_criteria; i++)
    tb_json_add_double (builder, score->criteria[i].name, score->criteria[i].value);
  json_builder_end_object (builder);

  tb_json_add_double (builder, "overall", score->overall);
  tb_json_add_strv (builder, "violations", (const char * const *) score->violations);
  tb_json_add_string (builder, "reasoning", score->reasoning);
  tb_json_add_string (builder, "error", score->error);
  tb_json_add_int (builder, "output_chars", score->output_chars);
  tb_json_add_node (builder, "usage", tb_usage_to_json (&score->usage));
  tb_json_add_node (builder, "cost", tb_cost_to_json (&score->cost));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* A score outside its range was not written by us: as good as absent. */
static gboolean
in_range (double value,
          double max)
{
  return isfinite (value) && value >= 0 && value <= max;
}

static TbScore *
score_from_json (JsonObject *object)
{
  TbScore *score = tb_score_new (tb_json_get_string (object, "model"));
  JsonObject *criteria = tb_json_get_object (object, "criteria");
  double overall;

  score->input = g_strdup (tb_json_get_string (object, "input"));
  score->repeat = (guint) CLAMP (tb_json_get_int (object, "repeat", 1), 1, G_MAXINT);
  score->judge = g_strdup (tb_json_get_string (object, "judge"));
  if (criteria != NULL)
    {
      GList *names = json_object_get_members (criteria);

      /* json-glib keeps members in file order, which is the rubric's order. */
      for (GList *l = names; l != NULL; l = l->next)
        {
          double value;

          if (tb_json_get_double (criteria, l->data, &value) && in_range (value, 10))
            tb_score_set_criterion (score, l->data, value);
        }
      g_list_free (names);
    }

  score->violations = tb_json_get_strv (object, "violations");
  score->reasoning = g_strdup (tb_json_get_string (object, "reasoning"));
  score->error = g_strdup (tb_json_get_string (object, "error"));
  if (!tb_json_get_double (object, "overall", &overall) || !in_range (overall, 100))
    {
      overall = 0;
      if (score->error == NULL)
        score->error = g_strdup (_("the stored score is missing or out of range"));
    }
  score->overall = overall;
  score->output_chars = MAX (tb_json_get_int (object, "output_chars", 0), 0);
  tb_usage_from_json (&score->usage, tb_json_get_object (object, "usage"));
  tb_cost_from_json (&score->cost, tb_json_get_object (object, "cost"));
  /* Older files wrote a cost for every score, even a cancelled one; a score whose call
   * was never made has nothing. */
  return score;
}

static JsonNode *
comparison_to_json (const TbComparison *comparison)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "input", comparison->input);
  tb_json_add_int (builder, "repeat", MAX (comparison->repeat, 1));
  tb_json_add_string (builder, "a", comparison->a);
  tb_json_add_string (builder, "b", comparison->b);
  tb_json_add_string (builder, "judge", comparison->judge);
  tb_json_add_string (builder, "winner", tb_winner_to_string (comparison->winner));
  tb_json_add_string (builder, "reasoning", comparison->reasoning);
  tb_json_add_string (builder, "error", comparison->error);
  tb_json_add_node (builder, "usage", tb_usage_to_json (&comparison->usage));
  tb_json_add_node (builder, "cost", tb_cost_to_json (&comparison->cost));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static TbComparison *
comparison_from_json (JsonObject *object)
{
  TbComparison *comparison = tb_comparison_new ();

  comparison->input = g_strdup (tb_json_get_string (object, "input"));
  comparison->repeat = (guint) CLAMP (tb_json_get_int (object, "repeat", 1), 1, G_MAXINT);
  comparison->a = g_strdup (tb_json_get_string (object, "a"));
  comparison->b = g_strdup (tb_json_get_string (object, "b"));
  comparison->judge = g_strdup (tb_json_get_string (object, "judge"));
  comparison->winner = tb_winner_from_string (tb_json_get_string (object, "winner"));
  comparison->reasoning = g_strdup (tb_json_get_string (object, "reasoning"));
  comparison->error = g_strdup (tb_json_get_string (object, "error"));
  if (comparison->winner == TB_WINNER_NONE && comparison->error == NULL)
    comparison->error = g_strdup (_("the stored comparison has no winner"));
  tb_usage_from_json (&comparison->usage, tb_json_get_object (object, "usage"));
  tb_cost_from_json (&comparison->cost, tb_json_get_object (object, "cost"));
  return comparison;
}

/* The members of `object_node`, in order, as members of the document being written. */
static void
append_members (GString  *out,
                gboolean *first,
                JsonNode *object_node)
{
  JsonObject *object = json_node_get_object (object_node);
  GList *names = json_object_get_members (object);

  for (GList *l = names; l != NULL; l = l->next)
    {
      g_string_append_printf (out, "%s\n  \"%s\" : ", *first ? "" : ",", (const char *) l->data);
      tb_json_append_pretty (out, json_object_get_member (object, l->data), 1);
      *first = FALSE;
    }
  g_list_free (names);
}

typedef JsonNode *(*ItemToJson) (gconstpointer item);

/* Where the judgment's text goes: `out`, handed to `file` (when not NULL) whenever it holds
 * a good piece, so that a pass of thousands of scores is never one string. */
typedef struct {
  GString       *out;
  TbStagedFile  *file;
  GError       **error;
  gboolean       failed;
} Sink;

#define SINK_PIECE (64 * 1024)

static void
sink_flush (Sink     *sink,
            gboolean  all)
{
  if (sink->file == NULL || sink->failed || (!all && sink->out->len < SINK_PIECE))
    return;
  if (!tb_staged_file_write (sink->file, sink->out->str, sink->out->len, sink->error))
    sink->failed = TRUE;
  g_string_truncate (sink->out, 0);
}

/* One array member, its items made into trees one at a time. */
static void
append_array (Sink       *sink,
              gboolean   *first,
              const char *name,
              GPtrArray  *items,
              ItemToJson  item_to_json)
{
  g_string_append_printf (sink->out, "%s\n  \"%s\" : [", *first ? "" : ",", name);
  *first = FALSE;
  for (guint i = 0; i < items->len && !sink->failed; i++)
    {
      g_autoptr(JsonNode) node = item_to_json (g_ptr_array_index (items, i));

      g_string_append (sink->out, i == 0 ? "\n    " : ",\n    ");
      tb_json_append_pretty (sink->out, node, 2);
      sink_flush (sink, FALSE);
    }
  g_string_append (sink->out, items->len > 0 ? "\n  ]" : "]");
}

/* A judgment holds every score of its pass and is rewritten as scores land, so it is
 * written score by score: a tree of the whole pass (some KB per score) never exists. */
static void
render (const TbJudgment *judgment,
        Sink             *sink)
{
  g_autoptr(JsonBuilder) head = json_builder_new ();
  g_autoptr(JsonBuilder) tail = json_builder_new ();
  g_autoptr(JsonNode) head_node = NULL;
  g_autoptr(JsonNode) tail_node = NULL;
  gboolean first = TRUE;

  json_builder_begin_object (head);
  tb_json_add_string (head, "judge_model", judgment->judge_model);
  tb_json_add_strv (head, "judges", (const char * const *) judgment->judges);
  tb_json_add_string (head, "mode", judgment->mode != NULL ? judgment->mode : "pointwise");
  tb_json_add_double (head, "temperature", judgment->temperature);
  json_builder_set_member_name (head, "seed");
  if (judgment->has_seed)
    json_builder_add_int_value (head, judgment->seed);
  else
    json_builder_add_null_value (head);
  tb_json_add_string (head, "created_at", judgment->created_at);
  tb_json_add_string (head, "prompt_sha256", judgment->prompt_sha256);
  json_builder_end_object (head);
  head_node = json_builder_get_root (head);

  json_builder_begin_object (tail);
  tb_json_add_node (tail, "cost", tb_cost_to_json (&judgment->cost));
  tb_json_add_node (tail, "usage", tb_usage_to_json (&judgment->usage));
  json_builder_set_member_name (tail, "recommendation");
  json_builder_begin_object (tail);
  tb_json_add_string (tail, "best_overall", judgment->best_overall);
  tb_json_add_string (tail, "best_value", judgment->best_value);
  tb_json_add_string (tail, "budget_pick", judgment->budget_pick);
  json_builder_end_object (tail);
  json_builder_end_object (tail);
  tail_node = json_builder_get_root (tail);

  g_string_append_c (sink->out, '{');
  append_members (sink->out, &first, head_node);
  append_array (sink, &first, "scores", judgment->scores, (ItemToJson) score_to_json);
  append_array (sink, &first, "comparisons", judgment->comparisons,
                (ItemToJson) comparison_to_json);
  append_members (sink->out, &first, tail_node);
  g_string_append (sink->out, "\n}");
}

char *
tb_judgment_to_text (const TbJudgment *judgment)
{
  Sink sink = { 0 };

  g_return_val_if_fail (judgment != NULL, NULL);

  sink.out = g_string_sized_new (1024 + 1024 * (judgment->scores->len
                                                + judgment->comparisons->len));
  render (judgment, &sink);
  return g_string_free (sink.out, FALSE);
}

gboolean
tb_judgment_write_to (const TbJudgment  *judgment,
                      TbStagedFile      *file,
                      GError           **error)
{
  Sink sink = { 0 };

  g_return_val_if_fail (judgment != NULL && file != NULL, FALSE);

  sink.out = g_string_sized_new (SINK_PIECE + 16 * 1024);
  sink.file = file;
  sink.error = error;
  render (judgment, &sink);
  if (!sink.failed)
    {
      g_string_append_c (sink.out, '\n');
      sink_flush (&sink, TRUE);
    }
  g_string_free (sink.out, TRUE);
  return !sink.failed;
}

JsonNode *
tb_judgment_to_json (const TbJudgment *judgment)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_return_val_if_fail (judgment != NULL, NULL);

  text = tb_judgment_to_text (judgment);
  node = tb_json_parse (text, -1, "judgment", &error);
  /* Our own writer's text: anything but JSON is a bug in it. */
  g_assert_no_error (error);
  return node;
}

TbJudgment *
tb_judgment_from_json (JsonNode  *node,
                       GError   **error)
{
  g_autoptr(TbJudgment) judgment = NULL;
  JsonObject *object;
  JsonObject *recommendation;
  JsonArray *array;
  GStrv judges;
  double temperature;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID,
                           _("The judgment is not a JSON object"));
      return NULL;
    }
  object = json_node_get_object (node);

  judgment = tb_judgment_new ();
  judgment->judge_model = g_strdup (tb_json_get_string (object, "judge_model"));
  judges = tb_json_get_strv (object, "judges");
  if (judges != NULL && judges[0] != NULL)
    {
      g_strfreev (judgment->judges);
      judgment->judges = judges;
    }
  else
    {
      g_strfreev (judges);
      if (judgment->judge_model != NULL)
        {
          g_strfreev (judgment->judges);
          judgment->judges = g_strsplit (judgment->judge_model, "\n", 1);
        }
    }
  if (judgment->judge_model == NULL && judgment->judges[0] != NULL)
    judgment->judge_model = g_strdup (judgment->judges[0]);
  judgment->mode = g_strdup (tb_json_get_string (object, "mode"));
  if (tb_json_get_double (object, "temperature", &temperature))
    judgment->temperature = temperature;
  if (tb_json_member (object, "seed") != NULL && tb_json_get_double (object, "seed", NULL))
    {
      judgment->has_seed = TRUE;
      judgment->seed = tb_json_get_int (object, "seed", 0);
    }
  judgment->created_at = g_strdup (tb_json_get_string (object, "created_at"));
  judgment->prompt_sha256 = g_strdup (tb_json_get_string (object, "prompt_sha256"));

  array = tb_json_get_array (object, "scores");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *item = tb_json_array_object (array, i);

      if (item != NULL && tb_json_get_string (item, "model") != NULL)
        g_ptr_array_add (judgment->scores, score_from_json (item));
    }
  array = tb_json_get_array (object, "comparisons");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *item = tb_json_array_object (array, i);

      if (item != NULL && tb_json_get_string (item, "a") != NULL
          && tb_json_get_string (item, "b") != NULL)
        g_ptr_array_add (judgment->comparisons, comparison_from_json (item));
    }

  tb_cost_from_json (&judgment->cost, tb_json_get_object (object, "cost"));
  tb_usage_from_json (&judgment->usage, tb_json_get_object (object, "usage"));

  recommendation = tb_json_get_object (object, "recommendation");
  judgment->best_overall = g_strdup (tb_json_get_string (recommendation, "best_overall"));
  judgment->best_value = g_strdup (tb_json_get_string (recommendation, "best_value"));
  judgment->budget_pick = g_strdup (tb_json_get_string (recommendation, "budget_pick"));

  return g_steal_pointer (&judgment);
}

/* What a judgment file's long arrays give while it is read: their records, one element's
 * nodes at a time. */
typedef struct {
  GPtrArray *scores;
  GPtrArray *comparisons;
  gboolean   with_reasoning;
} JudgmentEntries;

static void
judgment_entry_cb (const char *member,
                   JsonNode   *element,
                   gpointer    user_data)
{
  JudgmentEntries *entries = user_data;
  JsonObject *item = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;

  /* the same records tb_judgment_from_json keeps */
  if (item != NULL && g_str_equal (member, "scores")
      && tb_json_get_string (item, "model") != NULL)
    {
      TbScore *score = score_from_json (item);

      if (!entries->with_reasoning)
        {
          g_clear_pointer (&score->reasoning, g_free);
          g_clear_pointer (&score->violations, g_strfreev);
        }
      g_ptr_array_add (entries->scores, score);
    }
  else if (item != NULL && g_str_equal (member, "comparisons")
           && tb_json_get_string (item, "a") != NULL && tb_json_get_string (item, "b") != NULL)
    {
      TbComparison *comparison = comparison_from_json (item);

      if (!entries->with_reasoning)
        g_clear_pointer (&comparison->reasoning, g_free);
      g_ptr_array_add (entries->comparisons, comparison);
    }
  json_node_unref (element);
}

/* `path` given: read from that file; else parsed from `text`. */
static TbJudgment *
read_judgment (const char  *path,
               gsize        max_bytes,
               const char  *text,
               gssize       length,
               gboolean     with_reasoning,
               GError     **error)
{
  static const char * const streamed[] = { "scores", "comparisons", NULL };
  JudgmentEntries entries = { 0 };
  g_autoptr(JsonNode) root = NULL;
  TbJudgment *judgment = NULL;

  entries.scores = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_score_free);
  entries.comparisons = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_comparison_free);
  entries.with_reasoning = with_reasoning;
  root = path != NULL
         ? tb_json_read_file_streamed (path, max_bytes, streamed, judgment_entry_cb, &entries,
                                       error)
         : tb_json_parse_streamed (text, length, "judgment", streamed, judgment_entry_cb,
                                   &entries, error);
  if (root != NULL)
    judgment = tb_judgment_from_json (root, error);
  if (judgment != NULL)
    {
      g_ptr_array_extend_and_steal (judgment->scores, g_steal_pointer (&entries.scores));
      g_ptr_array_extend_and_steal (judgment->comparisons,
                                    g_steal_pointer (&entries.comparisons));
    }
  g_clear_pointer (&entries.scores, g_ptr_array_unref);
  g_clear_pointer (&entries.comparisons, g_ptr_array_unref);
  return judgment;
}

TbJudgment *
tb_judgment_read_file (const char  *path,
                       gsize        max_bytes,
                       gboolean     with_reasoning,
                       GError     **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  return read_judgment (path, max_bytes, NULL, 0, with_reasoning, error);
}

TbJudgment *
tb_judgment_read_text (const char  *text,
                       gssize       length,
                       GError     **error)
{
  g_return_val_if_fail (text != NULL, NULL);

  return read_judgment (NULL, 0, text, length, TRUE, error);
}

typedef struct {
  char  *base;
  guint  number;
} JudgmentName;

/* "20261125T115106Z-3.json" → ("20261125T115106Z", 3); without a suffix the number is 1. */
static JudgmentName
parse_name (const char *name)
{
  JudgmentName parsed = { NULL, 1 };
  gsize length = strlen (name);
  const char *dash;
  g_autofree char *stem = NULL;

  if (g_str_has_suffix (name, ".json"))
    length -= strlen (".json");
  stem = g_strndup (name, length);

  dash = strrchr (stem, '-');
  if (dash != NULL && dash[1] != '\0')
    {
      char *end = NULL;
      guint64 number = g_ascii_strtoull (dash + 1, &end, 10);

      if (*end == '\0' && number >= 2 && number <= G_MAXUINT)
        {
          parsed.base = g_strndup (stem, dash - stem);
          parsed.number = (guint) number;
          return parsed;
        }
    }
  parsed.base = g_steal_pointer (&stem);
  return parsed;
}

int
tb_judgment_compare_file_names (const char *a,
                                const char *b)
{
  JudgmentName na = parse_name (a);
  JudgmentName nb = parse_name (b);
  int result = strcmp (nb.base, na.base);

  if (result == 0)
    result = (nb.number > na.number) - (nb.number < na.number);
  g_free (na.base);
  g_free (nb.base);
  return result;
}

char *
tb_judgment_time_from_file_name (const char *name)
{
  JudgmentName parsed;
  char *time = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  parsed = parse_name (name);
  /* YYYYMMDDTHHMMSSZ */
  if (strlen (parsed.base) == 16 && parsed.base[8] == 'T' && parsed.base[15] == 'Z')
    {
      const char *b = parsed.base;
      gboolean digits = TRUE;

      for (guint i = 0; i < 15; i++)
        if (i != 8 && !g_ascii_isdigit (b[i]))
          digits = FALSE;
      if (digits)
        time = g_strdup_printf ("%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", b, b + 4, b + 6, b + 9, b + 11,
                                b + 13);
    }
  g_free (parsed.base);
  return time;
}
