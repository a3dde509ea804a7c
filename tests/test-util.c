/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-util"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tb-core.h"

static void
test_atomic_write (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tb-util-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "a", "b", "file.json", NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) handle = NULL;
  guint entries = 0;

  /* Parents are created; a second write replaces the first whole. */
  g_assert_true (tb_write_file_atomic (path, "first version", -1, &error));
  g_assert_no_error (error);
  g_assert_true (tb_write_file_atomic (path, "second", 6, &error));
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "second");

  /* No temporary file is left behind. */
  handle = g_dir_open (parent, 0, NULL);
  while (g_dir_read_name (handle) != NULL)
    entries++;
  g_assert_cmpuint (entries, ==, 1);

  /* A folder that cannot be created is an error, not a crash. */
  g_assert_false (tb_write_file_atomic ("/proc/nope/file", "x", 1, &error));
  g_assert_nonnull (error);

  g_unlink (path);
}

/* A new file appears whole under a free name, or not at all under a taken one. */
static void
test_exclusive_write (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tb-util-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "new", "file.json", NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) handle = NULL;
  guint entries = 0;

  g_assert_true (tb_write_file_exclusive (path, "first", -1, &error));
  g_assert_no_error (error);
  g_assert_false (tb_write_file_exclusive (path, "second", -1, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "first");

  /* neither write leaves its temporary file */
  handle = g_dir_open (parent, 0, NULL);
  while (g_dir_read_name (handle) != NULL)
    entries++;
  g_assert_cmpuint (entries, ==, 1);

  g_clear_error (&error);
  g_assert_false (tb_write_file_exclusive ("/proc/nope/file", "x", 1, &error));
  g_assert_nonnull (error);
  g_unlink (path);
  g_rmdir (parent);
  g_rmdir (dir);
}


static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  guint entries = 0;

  while (handle != NULL && g_dir_read_name (handle) != NULL)
    entries++;
  return entries;
}

/* A file written in pieces gets its name whole: over the old file, or only on a free name
 * (the staged file kept for the next name); a staged file never committed leaves nothing. */
static void
test_staged_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tb-util-XXXXXX", NULL);
  g_autofree char *folder = g_build_filename (dir, "judgments", NULL);
  g_autofree char *path = g_build_filename (folder, "a.json", NULL);
  g_autofree char *other = g_build_filename (folder, "b.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TbStagedFile) staged = tb_staged_file_new (folder, &error);

  g_assert_no_error (error);
  g_assert_true (tb_staged_file_write (staged, "{\"a\": ", 6, &error));
  g_assert_true (tb_staged_file_write (staged, "1}\n", 3, &error));
  /* while staged, the folder holds no record */
  g_assert_cmpuint (count_entries (folder), ==, 1);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (tb_staged_file_commit (staged, path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "{\"a\": 1}\n");
  g_clear_pointer (&staged, tb_staged_file_free);
  g_clear_pointer (&text, g_free);

  /* over the old file */
  staged = tb_staged_file_new (folder, &error);
  g_assert_true (tb_staged_file_write (staged, "new\n", 4, &error));
  g_assert_true (tb_staged_file_commit (staged, path, TRUE, &error));
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "new\n");
  g_clear_pointer (&staged, tb_staged_file_free);
  g_clear_pointer (&text, g_free);

  /* a taken name refuses it, a free one takes it */
  staged = tb_staged_file_new (folder, &error);
  g_assert_true (tb_staged_file_write (staged, "third\n", 6, &error));
  g_assert_false (tb_staged_file_commit (staged, path, FALSE, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "new\n");
  g_clear_pointer (&text, g_free);
  g_assert_true (tb_staged_file_commit (staged, other, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (other, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "third\n");
  g_clear_pointer (&staged, tb_staged_file_free);
  g_assert_cmpuint (count_entries (folder), ==, 2);

  /* never committed: gone */
  staged = tb_staged_file_new (folder, &error);
  g_assert_true (tb_staged_file_write (staged, "lost", 4, &error));
  g_assert_cmpuint (count_entries (folder), ==, 3);
  g_clear_pointer (&staged, tb_staged_file_free);
  g_assert_cmpuint (count_entries (folder), ==, 2);

  /* what a killed writer left: removed by whoever holds the folder next, nothing else */
  {
    g_autofree char *left = g_build_filename (folder, ".staged-Zz9Yy8", NULL);
    g_autofree char *odd = g_build_filename (folder, ".staged-notours", NULL);

    g_assert_true (g_file_set_contents (left, "{", -1, NULL));
    g_assert_true (g_file_set_contents (odd, "x", -1, NULL));
    g_assert_cmpuint (tb_staged_file_remove_leftovers (folder), ==, 1);
    g_assert_false (g_file_test (left, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (odd, G_FILE_TEST_EXISTS));
    g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
    g_unlink (odd);
  }

  g_assert_null (tb_staged_file_new ("/proc/nope", &error));
  g_assert_nonnull (error);
  g_unlink (path);
  g_unlink (other);
  g_rmdir (folder);
  g_rmdir (dir);
}

static void
test_text_input (void)
{
  g_autofree char *empty = tb_check_text_input ("", 0);
  g_autofree char *blank = tb_check_text_input ("  \n\t", 4);
  g_autofree char *binary = tb_check_text_input ("ab\0cd", 5);
  g_autofree char *latin1 = tb_check_text_input ("caf\xe9", 4);
  g_autofree char *fine = tb_check_text_input ("[00:00:01] Grüß Gott\r\n", strlen ("[00:00:01] Grüß Gott\r\n"));

  g_assert_nonnull (strstr (empty, "empty"));
  g_assert_nonnull (blank);
  g_assert_nonnull (strstr (binary, "byte 2"));
  g_assert_nonnull (strstr (latin1, "UTF-8"));
  g_assert_null (fine);
}

static void
test_numbers (void)
{
  g_autofree char *zero = tb_format_usd (0);
  g_autofree char *tiny = tb_format_usd (0.000412);
  g_autofree char *cents = tb_format_usd (0.0234);
  g_autofree char *dollars = tb_format_usd (12.5);
  g_autofree char *sha = tb_sha256_hex ("abc", 3);

  g_assert_cmpstr (zero, ==, "$0.00");
  g_assert_cmpstr (tiny, ==, "$0.000412");
  g_assert_cmpstr (cents, ==, "$0.0234");
  g_assert_cmpstr (dollars, ==, "$12.50");
  g_assert_cmpstr (sha, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  g_assert_cmpint (tb_estimate_tokens ("abcdefgh", -1), ==, 2);
  g_assert_cmpint (tb_estimate_tokens ("abcdefghi", -1), ==, 3);
}

static void
test_json_small_doubles (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *object;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "cost");
  json_builder_add_double_value (builder, 2e-08);
  json_builder_set_member_name (builder, "big");
  json_builder_add_double_value (builder, 3e+21);
  json_builder_set_member_name (builder, "plain");
  json_builder_add_double_value (builder, 0.25);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, "keep 2e-08.0 \"quoted\" as it is");
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  text = tb_json_to_string (root, TRUE);
  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpfloat (json_object_get_double_member (object, "cost"), ==, 2e-08);
  g_assert_cmpfloat (json_object_get_double_member (object, "big"), ==, 3e+21);
  g_assert_cmpfloat (json_object_get_double_member (object, "plain"), ==, 0.25);
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==,
                   "keep 2e-08.0 \"quoted\" as it is");
}

static void
test_resolve_home (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tb-home-XXXXXX", NULL);
  g_autofree char *usecases = g_build_filename (dir, "usecases", NULL);
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *explicit = NULL;
  g_autofree char *from_env = NULL;
  g_autofree char *from_cwd = NULL;
  g_autofree char *fallback = NULL;
  g_autofree char *expected_fallback = g_build_filename (g_get_user_data_dir (), "taskbench",
                                                         NULL);

  explicit = tb_home_resolve ("/some/where");
  g_assert_cmpstr (explicit, ==, "/some/where");

  g_setenv ("TASKBENCH_HOME", "/from/env", TRUE);
  from_env = tb_home_resolve (NULL);
  g_assert_cmpstr (from_env, ==, "/from/env");
  g_unsetenv ("TASKBENCH_HOME");

  g_assert_cmpint (g_chdir (dir), ==, 0);
  fallback = tb_home_resolve (NULL);
  g_assert_cmpstr (fallback, ==, expected_fallback);
  g_assert_cmpint (g_mkdir (usecases, 0755), ==, 0);
  from_cwd = tb_home_resolve (NULL);
  g_assert_cmpstr (from_cwd, ==, dir);
  g_assert_cmpint (g_chdir (cwd), ==, 0);

  g_rmdir (usecases);
  g_rmdir (dir);
}

/* Asserts that reading `path` fails at once with `code` and a message holding `expected`.
 * An alarm turns a read that blocks into a failed test instead of a hung one. */
static void
assert_read_fails (const char *path,
                   gsize       max_bytes,
                   int         code,
                   const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gint64 start = g_get_monotonic_time ();

  alarm (10);
  data = tb_read_regular_file (path, max_bytes, NULL, &error);
  alarm (0);
  g_assert_null (data);
  g_assert_error (error, TB_ERROR, code);
  if (strstr (error->message, expected) == NULL)
    g_error ("'%s' does not hold '%s'", error->message, expected);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
}

static void
test_read_regular_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tb-read-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "file.txt", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.txt", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.yaml", NULL);
  g_autofree char *zero_link = g_build_filename (dir, "zero.yaml", NULL);
  g_autofree char *file_link = g_build_filename (dir, "link.txt", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.txt", NULL);
  g_autofree char *under_file = g_build_filename (file, "child", NULL);
  g_autofree char *expected = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  g_assert_true (g_file_set_contents (file, "abc\0def", 7, NULL));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (symlink ("/dev/zero", zero_link), ==, 0);
  g_assert_cmpint (symlink (file, file_link), ==, 0);

  /* The whole file, NUL bytes and all, with a NUL after it. */
  data = tb_read_regular_file (file, 7, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, 7);
  g_assert_cmpmem (data, 8, "abc\0def", 8);
  g_clear_pointer (&data, g_free);

  data = tb_read_regular_file (file_link, 1024, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (data, ==, "abc");
  g_clear_pointer (&data, g_free);

  data = tb_read_regular_file (empty, 0, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, 0);
  g_assert_cmpstr (data, ==, "");
  g_clear_pointer (&data, g_free);

  /* Files under /proc say they are empty: the size is only a hint. */
  data = tb_read_regular_file ("/proc/self/status", 1024 * 1024, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 0);
  g_assert_nonnull (strstr (data, "Pid:"));
  g_clear_pointer (&data, g_free);

  /* …and one that grows its buffer more than once on the way */
  data = tb_read_regular_file ("/proc/self/smaps", 16 * 1024 * 1024, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 2 * 16384);
  g_assert_cmpuint (strlen (data), ==, length);
  g_assert_nonnull (strstr (data, "Rss:"));
  g_clear_pointer (&data, g_free);

  /* A file of a size no power of two, read to its last byte. */
  {
    g_autofree char *big = g_build_filename (dir, "big.txt", NULL);
    g_autofree char *text = g_malloc (100001);

    for (guint i = 0; i < 100000; i++)
      text[i] = 'a' + i % 26;
    text[100000] = '\0';
    g_assert_true (g_file_set_contents (big, text, 100000, NULL));
    data = tb_read_regular_file (big, 100000, &length, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (length, ==, 100000);
    g_assert_cmpstr (data, ==, text);
    g_clear_pointer (&data, g_free);
    assert_read_fails (big, 99999, TB_ERROR_INVALID, "big.txt is larger than");
    g_unlink (big);
  }

  expected = g_strdup_printf ("%s is larger than 6 bytes", file);
  assert_read_fails (file, 6, TB_ERROR_INVALID, expected);
  assert_read_fails ("/proc/self/status", 16, TB_ERROR_INVALID, "is larger than 16 bytes");

  /* Nothing that could block or never end is read. */
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("%s is not a regular file", fifo);
  assert_read_fails (fifo, 1024, TB_ERROR_INVALID, expected);
  assert_read_fails (zero_link, 1024, TB_ERROR_INVALID, "zero.yaml is not a regular file");
  assert_read_fails ("/dev/null", 1024, TB_ERROR_INVALID, "/dev/null is not a regular file");
  assert_read_fails (dir, 1024, TB_ERROR_INVALID, "is not a regular file");

  assert_read_fails (missing, 1024, TB_ERROR_NOT_FOUND, "missing.txt");
  assert_read_fails (under_file, 1024, TB_ERROR_NOT_FOUND, "child");

  g_unlink (file_link);
  g_unlink (zero_link);
  g_unlink (fifo);
  g_unlink (empty);
  g_unlink (file);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/util/atomic-write", test_atomic_write);
  g_test_add_func ("/util/exclusive-write", test_exclusive_write);
  g_test_add_func ("/util/staged-file", test_staged_file);
  g_test_add_func ("/util/text-input", test_text_input);
  g_test_add_func ("/util/numbers", test_numbers);
  g_test_add_func ("/util/json-small-doubles", test_json_small_doubles);
  g_test_add_func ("/util/resolve-home", test_resolve_home);
  g_test_add_func ("/util/read-regular-file", test_read_regular_file);

  return g_test_run ();
}
