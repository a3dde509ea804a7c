/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The choices TaskBench makes when the user does not: which judges, which candidates. */
#include "config.h"

#include <string.h>

#include "tb-core.h"

static TbUsecase *
parse (const char *yaml)
{
  g_autoptr(GError) error = NULL;
  TbUsecase *usecase = tb_usecase_parse ("uc", yaml, -1, "uc.yaml", &error);

  g_assert_no_error (error);
  return usecase;
}

static char *
joined (GStrv list)
{
  return list != NULL ? g_strjoinv (",", list) : NULL;
}

static void
test_split (void)
{
  g_auto(GStrv) list = tb_split_model_list (" a/x , b/y,,a/x , ");
  g_auto(GStrv) none = tb_split_model_list (" , ");
  g_autofree char *text = joined (list);

  g_assert_cmpstr (text, ==, "a/x,b/y");
  g_assert_null (none);
  g_assert_null (tb_split_model_list (NULL));
}

static void
test_judges (void)
{
  g_autoptr(TbUsecase) with_judge = parse ("name: N\ngoal: G\njudge:\n  model: usecase/judge\n");
  g_autoptr(TbUsecase) without = parse ("name: N\ngoal: G\n");
  g_auto(GStrv) a = NULL;
  g_auto(GStrv) b = NULL;
  g_auto(GStrv) c = NULL;
  g_autofree char *text = NULL;

  g_unsetenv ("GENERAL_TASK_LLM");
  a = tb_default_judges ("x/one, y/two", with_judge);
  text = joined (a);
  g_assert_cmpstr (text, ==, "x/one,y/two");
  b = tb_default_judges ("", with_judge);
  g_assert_cmpstr (b[0], ==, "usecase/judge");
  g_assert_null (tb_default_judges (NULL, without));

  g_setenv ("GENERAL_TASK_LLM", "env/judge", TRUE);
  c = tb_default_judges (NULL, without);
  g_assert_cmpstr (c[0], ==, "env/judge");
  g_unsetenv ("GENERAL_TASK_LLM");
}

/* A re-judge takes the judge of the use case as the run was made, never the file as it is
 * now (the window and the CLI used to disagree). */
static void
test_rejudge_judges (void)
{
  g_autoptr(TbRun) run = tb_run_new ();
  g_autoptr(TbRun) bare = tb_run_new ();
  g_auto(GStrv) from_snapshot = NULL;
  g_auto(GStrv) explicit = NULL;
  g_auto(GStrv) from_run = NULL;
  g_auto(GStrv) from_env = NULL;

  g_unsetenv ("GENERAL_TASK_LLM");
  run->usecase = g_strdup ("uc");
  run->usecase_snapshot = g_strdup ("name: N\ngoal: G\njudge:\n  model: snapshot/judge\n");
  g_strfreev (run->judges);
  run->judges = g_strsplit ("run/judge", ",", -1);

  from_snapshot = tb_rejudge_judges (NULL, run);
  g_assert_cmpstr (from_snapshot[0], ==, "snapshot/judge");
  explicit = tb_rejudge_judges ("pick/this", run);
  g_assert_cmpstr (explicit[0], ==, "pick/this");

  /* no judge in the snapshot: the judges the run was made with */
  g_free (run->usecase_snapshot);
  run->usecase_snapshot = g_strdup ("name: N\ngoal: G\n");
  from_run = tb_rejudge_judges (NULL, run);
  g_assert_cmpstr (from_run[0], ==, "run/judge");

  /* nothing at all: the environment, else none */
  g_assert_null (tb_rejudge_judges (NULL, bare));
  g_setenv ("GENERAL_TASK_LLM", "env/judge", TRUE);
  from_env = tb_rejudge_judges (NULL, bare);
  g_assert_cmpstr (from_env[0], ==, "env/judge");
  g_unsetenv ("GENERAL_TASK_LLM");
}

static void
test_candidates (void)
{
  g_autoptr(TbUsecase) with = parse ("name: N\ngoal: G\nmodels:\n  candidates: [a/x, b/y]\n");
  g_autoptr(TbUsecase) without = parse ("name: N\ngoal: G\n");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) listed = NULL;
  g_auto(GStrv) env = NULL;

  g_unsetenv ("GENERAL_TASK_LLM");
  listed = tb_default_candidates (with, &error);
  g_assert_cmpuint (g_strv_length (listed), ==, 2);
  g_assert_null (tb_default_candidates (without, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_clear_error (&error);

  g_setenv ("GENERAL_TASK_LLM", "env/model", TRUE);
  env = tb_default_candidates (without, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (env[0], ==, "env/model");
  g_unsetenv ("GENERAL_TASK_LLM");
}

/* A simulated run takes the simulated models, whatever the use case names. */
static void
test_simulated (void)
{
  g_autoptr(TbUsecase) with = parse ("name: N\ngoal: G\nmodels:\n  candidates: [a/x]\n"
                                     "judge:\n  model: j/real\n");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) candidates = tb_default_candidates_for (with, TRUE, &error);
  g_auto(GStrv) real = tb_default_candidates_for (with, FALSE, &error);
  g_auto(GStrv) judges = tb_default_judges_for (NULL, with, TRUE, &error);
  g_auto(GStrv) real_judges = tb_default_judges_for (NULL, with, FALSE, &error);
  g_auto(GStrv) rejudge = tb_rejudge_judges_for (NULL, NULL, TRUE, &error);

  g_assert_no_error (error);
  g_assert_true (g_strv_equal ((const char * const *) candidates, tb_demo_candidates ()));
  g_assert_cmpstr (real[0], ==, "a/x");
  g_assert_cmpuint (g_strv_length (judges), ==, 1);
  g_assert_cmpstr (judges[0], ==, tb_demo_judge ());
  g_assert_cmpstr (real_judges[0], ==, "j/real");
  g_assert_cmpstr (rejudge[0], ==, tb_demo_judge ());
  /* a real judge named for a simulated run is refused */
  g_assert_null (tb_default_judges_for ("j/real", with, TRUE, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/defaults/split", test_split);
  g_test_add_func ("/defaults/judges", test_judges);
  g_test_add_func ("/defaults/rejudge-judges", test_rejudge_judges);
  g_test_add_func ("/defaults/candidates", test_candidates);
  g_test_add_func ("/defaults/simulated", test_simulated);

  return g_test_run ();
}
