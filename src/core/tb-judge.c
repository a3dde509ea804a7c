/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-judge"

#include "config.h"

#include <math.h>
#include <string.h>

#include "tb-error.h"
#include "tb-format.h"
#include "tb-json.h"
#include "tb-judge.h"

static const TbCriterion fallback_criterion = {
  (char *) "overall", 1.0, (char *) "How well the output achieves the goal of the task"
};

GPtrArray *
tb_judge_rubric (const TbUsecase *usecase)
{
  GPtrArray *criteria = g_ptr_array_new ();

  g_return_val_if_fail (usecase != NULL, criteria);

  for (guint i = 0; usecase->criteria != NULL && i < usecase->criteria->len; i++)
    g_ptr_array_add (criteria, g_ptr_array_index (usecase->criteria, i));
  if (criteria->len == 0)
    g_ptr_array_add (criteria, (gpointer) &fallback_criterion);
  return criteria;
}

static void
add_typed (JsonBuilder *builder,
           const char  *name,
           const char  *type)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_object (builder);
  tb_json_add_string (builder, "type", type);
  json_builder_end_object (builder);
}

static void
close_object_schema (JsonBuilder        *builder,
                     const char * const *required)
{
  tb_json_add_strv (builder, "required", required);
  tb_json_add_bool (builder, "additionalProperties", FALSE);
}

JsonNode *
tb_judge_answer_schema (const TbUsecase *usecase)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) criteria = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  static const char * const required[] = { "reasoning", "criteria", "violations", NULL };

  g_return_val_if_fail (usecase != NULL, NULL);

  criteria = tb_judge_rubric (usecase);

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "type", "object");
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_object (builder);
  add_typed (builder, "reasoning", "string");

  json_builder_set_member_name (builder, "criteria");
  json_builder_begin_object (builder);
  tb_json_add_string (builder, "type", "object");
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_object (builder);
  for (guint i = 0; i < criteria->len; i++)
    {
      const TbCriterion *criterion = g_ptr_array_index (criteria, i);

      json_builder_set_member_name (builder, criterion->name);
      json_builder_begin_object (builder);
      tb_json_add_string (builder, "type", "number");
      tb_json_add_int (builder, "minimum", 0);
      tb_json_add_int (builder, "maximum", 10);
      json_builder_end_object (builder);
      g_ptr_array_add (names, criterion->name);
    }
  json_builder_end_object (builder);
  g_ptr_array_add (names, NULL);
  close_object_schema (builder, (const char * const *) names->pdata);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "violations");
  json_builder_begin_object (builder);
  tb_json_add_string (builder, "type", "array");
  add_typed (builder, "items", "string");
  json_builder_end_object (builder);

  json_builder_end_object (builder);   /* properties */
  close_object_schema (builder, required);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

JsonNode *
tb_judge_pairwise_schema (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  static const char * const required[] = { "reasoning", "winner", NULL };
  static const char * const winners[] = { "A", "B", "tie", NULL };

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "type", "object");
  json_builder_set_member_name (builder, "properties");
  json_builder_begin_object (builder);
  add_typed (builder, "reasoning", "string");
  json_builder_set_member_name (builder, "winner");
  json_builder_begin_object (builder);
  tb_json_add_string (builder, "type", "string");
  tb_json_add_strv (builder, "enum", winners);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  close_object_schema (builder, required);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* The JSON object of an answer: fence-stripped, from its first '{' to its last '}'. */
static JsonObject *
answer_object (const char  *content,
               GError     **error)
{
  g_autofree char *clean = tb_strip_code_fence (content != NULL ? content : "");
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *start = strchr (clean, '{');
  const char *end = strrchr (clean, '}');
  JsonNode *root;

  if (start == NULL || end == NULL || end < start)
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_FAILED,
                           "the judge's answer holds no JSON object");
      return NULL;
    }
  if (!tb_json_parser_load (parser, start, end - start + 1, error))
    {
      g_prefix_error (error, "the judge's answer is not valid JSON: ");
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_FAILED,
                           "the judge's answer is not a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

JsonObject *
tb_judge_parse_answer (const TbUsecase  *usecase,
                       const char       *content,
                       GError          **error)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GPtrArray) rubric = NULL;
  JsonObject *criteria;

  g_return_val_if_fail (usecase != NULL, NULL);

  object = answer_object (content, error);
  if (object == NULL)
    return NULL;

  criteria = tb_json_get_object (object, "criteria");
  if (criteria == NULL)
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_FAILED,
                           "the judge's answer has no criteria object");
      return NULL;
    }

  rubric = tb_judge_rubric (usecase);
  for (guint i = 0; i < rubric->len; i++)
    {
      const TbCriterion *criterion = g_ptr_array_index (rubric, i);
      JsonNode *node = tb_json_member (criteria, criterion->name);
      double value;

      if (!tb_json_get_double (criteria, criterion->name, &value))
        {
          if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
              && (json_node_get_value_type (node) == G_TYPE_DOUBLE
                  || json_node_get_value_type (node) == G_TYPE_INT64))
            g_set_error (error, TB_ERROR, TB_ERROR_FAILED,
                         "the judge's score for '%s' is not a finite number", criterion->name);
          else
            g_set_error (error, TB_ERROR, TB_ERROR_FAILED,
                         "the judge gave no numeric score for '%s'", criterion->name);
          return NULL;
        }
      if (value < 0 || value > 10)
        {
          g_set_error (error, TB_ERROR, TB_ERROR_FAILED,
                       "the judge's score for '%s' is %g, outside 0–10", criterion->name, value);
          return NULL;
        }
    }

  return g_steal_pointer (&object);
}

/* A violation as a line of text: strings as they are; anything else a judge puts in the
 * list (an object, a number) as its JSON, so nothing is lost and nothing crashes. */
static char *
violation_text (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return tb_json_to_string (node, FALSE);
}

void
tb_judge_fill_score (const TbUsecase *usecase,
                     GPtrArray       *answers,
                     TbScore         *score)
{
  g_autoptr(GPtrArray) rubric = NULL;
  g_autoptr(GString) reasoning = g_string_new (NULL);
  g_autoptr(GPtrArray) violations = g_ptr_array_new_with_free_func (g_free);
  double total_weight = 0;
  double overall = 0;

  g_return_if_fail (usecase != NULL && answers != NULL && answers->len > 0 && score != NULL);

  rubric = tb_judge_rubric (usecase);
  for (guint c = 0; c < rubric->len; c++)
    {
      const TbCriterion *criterion = g_ptr_array_index (rubric, c);
      double sum = 0;
      double value;

      for (guint a = 0; a < answers->len; a++)
        {
          JsonObject *criteria = tb_json_get_object (g_ptr_array_index (answers, a), "criteria");
          double part = 0;

          tb_json_get_double (criteria, criterion->name, &part);
          sum += part;
        }
      /* A chunked judgment averages the parts: each part saw a share of the input. */
      value = sum / answers->len;
      tb_score_set_criterion (score, criterion->name, value);
      overall += criterion->weight * value;
      total_weight += criterion->weight;
    }
  score->overall = total_weight > 0 ? CLAMP (overall / total_weight * 10.0, 0, 100) : 0;

  for (guint a = 0; a < answers->len; a++)
    {
      JsonObject *answer = g_ptr_array_index (answers, a);
      const char *text = tb_json_get_string (answer, "reasoning");
      JsonArray *array = tb_json_get_array (answer, "violations");

      if (text == NULL)
        text = "";
      if (answers->len > 1)
        g_string_append_printf (reasoning, "%sPart %u: %s", a > 0 ? "\n\n" : "", a + 1, text);
      else
        g_string_append (reasoning, text);

      for (guint v = 0; array != NULL && v < json_array_get_length (array); v++)
        {
          g_autofree char *violation = violation_text (json_array_get_element (array, v));

          if (violation != NULL
              && !g_ptr_array_find_with_equal_func (violations, violation, g_str_equal, NULL))
            g_ptr_array_add (violations, g_steal_pointer (&violation));
        }
    }
  g_ptr_array_add (violations, NULL);
  g_strfreev (score->violations);
  score->violations = (GStrv) g_ptr_array_steal (violations, NULL);
  g_free (score->reasoning);
  /* kept for the rest of the run: its own size, not the buffer's, which grew by doubling */
  score->reasoning = g_strndup (reasoning->str, reasoning->len);
}

gboolean
tb_judge_parse_pairwise (const char  *content,
                         TbWinner    *winner,
                         char       **reasoning,
                         GError     **error)
{
  g_autoptr(JsonObject) object = answer_object (content, error);
  const char *text;
  TbWinner found;

  if (object == NULL)
    return FALSE;
  text = tb_json_get_string (object, "winner");
  found = tb_winner_from_string (text);
  if (found == TB_WINNER_NONE)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_FAILED,
                   "the judge's winner is %s%s%s, not \"A\", \"B\" or \"tie\"",
                   text != NULL ? "\"" : "", text != NULL ? text : "missing",
                   text != NULL ? "\"" : "");
      return FALSE;
    }
  if (winner != NULL)
    *winner = found;
  if (reasoning != NULL)
    *reasoning = g_strdup (tb_json_get_string (object, "reasoning"));
  return TRUE;
}

guint64
tb_judge_pairwise_calls (guint models,
                         guint inputs,
                         guint repeat,
                         guint judges)
{
  return (guint64) models * (models > 0 ? models - 1 : 0) * inputs * MAX (repeat, 1) * judges;
}
