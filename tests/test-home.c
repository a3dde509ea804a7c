/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The home and its use-case files: where things are, and how use cases are made, copied,
 * removed and seeded — the same rules for the CLI and the window. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tb-core.h"

static char *
make_home (void)
{
  g_autofree char *home = g_build_filename (g_get_user_data_dir (), "home", NULL);

  g_assert_cmpint (g_mkdir_with_parents (home, 0755), ==, 0);
  return g_steal_pointer (&home);
}

static void
test_check (void)
{
  g_autofree char *home = make_home ();
  g_autofree char *file = g_build_filename (home, "not-a-folder", NULL);
  g_autofree char *absent = g_build_filename (home, "absent", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  g_assert_true (tb_home_check (home, &error));
  g_assert_true (tb_home_check (absent, &error));
  g_assert_false (tb_home_check (file, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not a folder"));
}

static void
test_paths (void)
{
  g_autofree char *home = make_home ();
  g_autofree char *path = tb_home_usecase_path (home, "lecture-chapters");
  g_autofree char *expected = g_build_filename (home, "usecases", "lecture-chapters.yaml",
                                                NULL);

  g_assert_cmpstr (path, ==, expected);
  g_assert_null (tb_home_usecase_path (home, "../escape"));
  g_assert_null (tb_home_usecase_path (home, "Upper"));
  g_assert_false (tb_home_usecase_exists (home, "lecture-chapters"));
}

static void
test_create (void)
{
  g_autofree char *home = make_home ();
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) usecase = NULL;

  g_assert_true (tb_home_create_usecase (home, "fresh", NULL, &error));
  g_assert_no_error (error);
  path = tb_home_usecase_path (home, "fresh");
  usecase = tb_usecase_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_true (tb_home_usecase_exists (home, "fresh"));

  /* an existing use case is never replaced */
  g_assert_false (tb_home_create_usecase (home, "fresh", "name: Other\ngoal: Other\n", &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "already exists"));
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_null (strstr (text, "name: Other"));

  /* a file that would not load is not written */
  g_assert_false (tb_home_create_usecase (home, "broken", "name: [\n", &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (tb_home_usecase_exists (home, "broken"));

  g_assert_false (tb_home_create_usecase (home, "Bad Id", NULL, &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_INVALID);
}

/* Two processes create the same use case at the same moment: one file, one winner. */
static void
test_create_race (void)
{
  g_autofree char *home = make_home ();
  pid_t children[6];
  int pipes[2];
  guint winners = 0;

  g_assert_cmpint (pipe (pipes), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      children[i] = fork ();
      g_assert_cmpint (children[i], >=, 0);
      if (children[i] == 0)
        {
          g_autofree char *text = g_strdup_printf ("name: Writer %u\ngoal: Race\n", i);
          char go;

          close (pipes[1]);
          if (read (pipes[0], &go, 1) < 0)
            _exit (3);
          _exit (tb_home_create_usecase (home, "raced", text, NULL) ? 0 : 1);
        }
    }
  close (pipes[0]);
  close (pipes[1]);
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    {
      int status;

      g_assert_cmpint (waitpid (children[i], &status, 0), ==, children[i]);
      if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
        winners++;
    }
  g_assert_cmpuint (winners, ==, 1);
}

static void
test_duplicate_and_delete (void)
{
  g_autofree char *home = make_home ();
  g_autofree char *copy = NULL;
  g_autofree char *second = NULL;
  g_autofree char *from_text = NULL;
  g_autofree char *path = NULL;
  g_autoptr(TbUsecase) loaded = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_home_create_usecase (home, "notes", "name: Notes\ngoal: Sum up.\n", &error));
  copy = tb_home_duplicate_usecase (home, "notes", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (copy, ==, "notes-copy");
  path = tb_home_usecase_path (home, copy);
  loaded = tb_usecase_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->name, ==, "Notes (Copy)");

  second = tb_home_duplicate_usecase (home, "notes", NULL, &error);
  g_assert_cmpstr (second, ==, "notes-copy-2");

  /* the text being edited goes into the copy; the original file stays as it is */
  from_text = tb_home_duplicate_usecase (home, "notes", "name: Edited\ngoal: Sum up.\n",
                                         &error);
  g_assert_no_error (error);
  g_clear_pointer (&loaded, tb_usecase_unref);
  g_free (path);
  path = tb_home_usecase_path (home, from_text);
  loaded = tb_usecase_load_file (path, &error);
  g_assert_cmpstr (loaded->name, ==, "Edited (Copy)");

  g_assert_true (tb_home_delete_usecase (home, "notes-copy", &error));
  g_assert_false (tb_home_usecase_exists (home, "notes-copy"));
  g_assert_false (tb_home_delete_usecase (home, "notes-copy", &error));
  g_assert_error (error, TB_ERROR, TB_ERROR_NOT_FOUND);
}

static void
test_seed (void)
{
  g_autofree char *home = make_home ();
  g_autofree char *from = NULL;
  g_autofree char *sample = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (tb_home_seed_examples (home, &from, &error));
  g_assert_no_error (error);
  g_assert_nonnull (from);
  g_assert_true (tb_home_usecase_exists (home, "lecture-chapters"));
  sample = g_build_filename (home, "usecases", "samples", NULL);
  g_assert_true (g_file_test (sample, G_FILE_TEST_IS_DIR));
  /* never over use cases that are there */
  g_assert_false (tb_home_seed_examples (home, NULL, &error));
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/home/check", test_check);
  g_test_add_func ("/home/paths", test_paths);
  g_test_add_func ("/home/create", test_create);
  g_test_add_func ("/home/create-race", test_create_race);
  g_test_add_func ("/home/duplicate-and-delete", test_duplicate_and_delete);
  g_test_add_func ("/home/seed", test_seed);

  return g_test_run ();
}
