/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The judge: its rubric, the answers it must give, how they are checked and scored, and the
 * recommendation. */
#include "config.h"

#include <string.h>

#include "tb-core.h"

#define RUBRIC \
  "name: Judge test\n" \
  "goal: Summarise.\n" \
  "judge:\n" \
  "  criteria:\n" \
  "    - {name: accuracy, weight: 3, description: Right}\n" \
  "    - {name: format, weight: 1, description: Clean}\n"

static TbUsecase *
parse (const char *yaml)
{
  g_autoptr(GError) error = NULL;
  TbUsecase *usecase = tb_usecase_parse ("uc", yaml, -1, "uc.yaml", &error);

  g_assert_no_error (error);
  return usecase;
}

static JsonObject *
parse_ok (TbUsecase  *usecase,
          const char *answer)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object = tb_judge_parse_answer (usecase, answer, &error);

  g_assert_no_error (error);
  g_assert_nonnull (object);
  return object;
}

static void
parse_fails (TbUsecase  *usecase,
             const char *answer,
             const char *words)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object = tb_judge_parse_answer (usecase, answer, &error);

  g_assert_null (object);
  g_assert_nonnull (error);
  if (strstr (error->message, words) == NULL)
    g_error ("“%s” does not say “%s”", error->message, words);
}

static void
test_rubric (void)
{
  g_autoptr(TbUsecase) with = parse (RUBRIC);
  g_autoptr(TbUsecase) without = parse ("name: N\ngoal: G\n");
  g_autoptr(GPtrArray) a = tb_judge_rubric (with);
  g_autoptr(GPtrArray) b = tb_judge_rubric (without);

  g_assert_cmpuint (a->len, ==, 2);
  g_assert_cmpuint (b->len, ==, 1);
  g_assert_cmpstr (((TbCriterion *) g_ptr_array_index (b, 0))->name, ==, "overall");
}

static void
test_parse_answer (void)
{
  g_autoptr(TbUsecase) usecase = parse (RUBRIC);
  g_autoptr(JsonObject) fenced = parse_ok (usecase, "Here it is:\n```json\n{\"reasoning\": \"r\","
                                           " \"criteria\": {\"accuracy\": 9, \"format\": 2.5},"
                                           " \"violations\": []}\n```\nThanks.");
  g_autoptr(JsonObject) edges = parse_ok (usecase, "{\"criteria\": {\"accuracy\": 0, "
                                          "\"format\": 10}}");

  parse_fails (usecase, "I liked it.", "no JSON object");
  parse_fails (usecase, "{\"criteria\": {\"accuracy\": 9}}", "'format'");
  parse_fails (usecase, "{\"criteria\": {\"accuracy\": \"9\", \"format\": 1}}", "'accuracy'");
  parse_fails (usecase, "{\"criteria\": {\"accuracy\": 11, \"format\": 1}}", "outside 0–10");
  parse_fails (usecase, "{\"criteria\": {\"accuracy\": -0.5, \"format\": 1}}", "outside 0–10");
  parse_fails (usecase, "{\"criteria\": {\"accuracy\": 1e999, \"format\": 1}}", "finite");
  parse_fails (usecase, "{\"scores\": {}}", "no criteria");
  parse_fails (usecase, "{\"criteria\": [1, 2]}", "no criteria");
}

static void
test_fill_score (void)
{
  g_autoptr(TbUsecase) usecase = parse (RUBRIC);
  g_autoptr(GPtrArray) answers = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(TbScore) score = tb_score_new ("a/x");
  double value;

  g_ptr_array_add (answers, parse_ok (usecase, "{\"reasoning\": \"first\", \"criteria\": "
                                      "{\"accuracy\": 8, \"format\": 4}, \"violations\": "
                                      "[\"late\", {\"where\": 3}, 7, null]}"));
  g_ptr_array_add (answers, parse_ok (usecase, "{\"reasoning\": \"second\", \"criteria\": "
                                      "{\"accuracy\": 6, \"format\": 6}, \"violations\": "
                                      "[\"late\"]}"));
  tb_judge_fill_score (usecase, answers, score);

  /* a chunked judgment averages its parts; overall is computed from the weights */
  g_assert_true (tb_score_get_criterion (score, "accuracy", &value));
  g_assert_cmpfloat (value, ==, 7);
  g_assert_true (tb_score_get_criterion (score, "format", &value));
  g_assert_cmpfloat (value, ==, 5);
  g_assert_cmpfloat_with_epsilon (score->overall, (3 * 7 + 1 * 5) / 4.0 * 10, 1e-9);
  g_assert_cmpstr (score->criteria[0].name, ==, "accuracy");
  /* violations of any shape become text, once each */
  g_assert_cmpuint (g_strv_length (score->violations), ==, 3);
  g_assert_cmpstr (score->violations[0], ==, "late");
  g_assert_cmpstr (score->violations[1], ==, "{\"where\":3}");
  g_assert_cmpstr (score->violations[2], ==, "7");
  g_assert_nonnull (strstr (score->reasoning, "Part 2: second"));
}

static void
test_pairwise (void)
{
  TbWinner winner = TB_WINNER_NONE;
  g_autofree char *reasoning = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) schema = tb_judge_pairwise_schema ();

  g_assert_true (tb_judge_parse_pairwise ("{\"reasoning\": \"B is right\", \"winner\": \"B\"}",
                                          &winner, &reasoning, &error));
  g_assert_cmpint (winner, ==, TB_WINNER_B);
  g_assert_cmpstr (reasoning, ==, "B is right");
  g_assert_true (tb_judge_parse_pairwise ("```\n{\"winner\": \"tie\"}\n```", &winner, NULL,
                                          &error));
  g_assert_cmpint (winner, ==, TB_WINNER_TIE);
  g_assert_false (tb_judge_parse_pairwise ("{\"winner\": \"C\"}", &winner, NULL, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (tb_judge_parse_pairwise ("A wins", &winner, NULL, &error));
  g_assert_nonnull (schema);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/judge/rubric", test_rubric);
  g_test_add_func ("/judge/parse-answer", test_parse_answer);
  g_test_add_func ("/judge/fill-score", test_fill_score);
  g_test_add_func ("/judge/pairwise", test_pairwise);

  return g_test_run ();
}
