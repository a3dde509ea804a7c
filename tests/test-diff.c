/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tb-diff.h"

/* The text again, with changed spans in brackets: "a [b] c". */
static char *
render (const char *text,
        GArray     *spans)
{
  GString *out = g_string_new (NULL);
  gsize at = 0;

  for (guint i = 0; i < spans->len; i++)
    {
      TbDiffSpan *span = &g_array_index (spans, TbDiffSpan, i);

      g_assert_cmpuint (span->start, ==, at);
      g_assert_cmpuint (span->end, >, span->start);
      if (i > 0)
        g_assert_cmpint (span->changed, !=, g_array_index (spans, TbDiffSpan, i - 1).changed);
      if (span->changed)
        g_string_append_c (out, '[');
      g_string_append_len (out, text + span->start, span->end - span->start);
      if (span->changed)
        g_string_append_c (out, ']');
      at = span->end;
    }
  g_assert_cmpuint (at, ==, strlen (text));
  return g_string_free (out, FALSE);
}

static void
check (const char *a,
       const char *b,
       const char *expected_a,
       const char *expected_b)
{
  g_autoptr(GArray) spans_a = NULL;
  g_autoptr(GArray) spans_b = NULL;
  g_autofree char *got_a = NULL;
  g_autofree char *got_b = NULL;

  g_assert_true (tb_diff_words (a, b, &spans_a, &spans_b));
  got_a = render (a, spans_a);
  got_b = render (b, spans_b);
  g_assert_cmpstr (got_a, ==, expected_a);
  g_assert_cmpstr (got_b, ==, expected_b);
}

static void
test_diff_words (void)
{
  check ("", "", "", "");
  check ("same text", "same text", "same text", "same text");
  check ("", "added", "", "[added]");
  check ("removed", "", "[removed]", "");
  check ("the quick fox", "the slow fox", "the [quick] fox", "the [slow] fox");
  check ("one two three", "one three", "one [two ]three", "one three");
  check ("one three", "one two three", "one three", "one [two ]three");
  /* punctuation is a token of its own, so a changed value in JSON stays small */
  check ("{\"title\": \"Intro\", \"start\": 1}", "{\"title\": \"Intro\", \"start\": 2}",
         "{\"title\": \"Intro\", \"start\": [1]}", "{\"title\": \"Intro\", \"start\": [2]}");
  /* words of any script; a changed accent changes the word */
  check ("Größe café naïve", "Größe cafe naïve", "Größe [café] naïve", "Größe [cafe] naïve");
  check ("a b c d e f", "x a c d y f", "a [b ]c d [e] f", "[x ]a c d [y] f");
}

/* Two unrelated long texts: past the edit limit the middle is marked as a whole, and the
 * common start and end still are not. */
static void
test_diff_too_different (void)
{
  g_autoptr(GString) a = g_string_new ("start ");
  g_autoptr(GString) b = g_string_new ("start ");
  g_autoptr(GArray) spans_a = NULL;
  g_autoptr(GArray) spans_b = NULL;
  g_autofree char *got_a = NULL;

  for (guint i = 0; i < 3000; i++)
    {
      g_string_append_printf (a, "a%u ", i);
      g_string_append_printf (b, "b%u ", i);
    }
  g_string_append (a, "end");
  g_string_append (b, "end");
  g_assert_false (tb_diff_words (a->str, b->str, &spans_a, &spans_b));
  g_assert_cmpuint (spans_a->len, ==, 3);
  g_assert_false (g_array_index (spans_a, TbDiffSpan, 0).changed);
  g_assert_true (g_array_index (spans_a, TbDiffSpan, 1).changed);
  g_assert_false (g_array_index (spans_a, TbDiffSpan, 2).changed);
  got_a = render (a->str, spans_a);
  g_assert_true (g_str_has_prefix (got_a, "start [a0 "));
  g_assert_true (g_str_has_suffix (got_a, "a2999] end"));
}

/* Random edits of a random text: the unchanged tokens of each side are the same sequence,
 * and no more tokens are marked than were edited. */
static void
test_diff_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  for (guint round = 0; round < 200; round++)
    {
      g_autoptr(GString) a = g_string_new (NULL);
      g_autoptr(GString) b = g_string_new (NULL);
      g_autoptr(GArray) spans_a = NULL;
      g_autoptr(GArray) spans_b = NULL;
      g_autoptr(GString) kept_a = g_string_new (NULL);
      g_autoptr(GString) kept_b = g_string_new (NULL);
      guint words = g_rand_int_range (rand, 0, 60);
      guint edits = 0;

      for (guint i = 0; i < words; i++)
        {
          g_autofree char *word = g_strdup_printf ("w%d ", g_rand_int_range (rand, 0, 8));
          int dice = g_rand_int_range (rand, 0, 10);

          g_string_append (a, word);
          if (dice == 0)
            edits++;                                /* removed from b */
          else if (dice == 1)
            {
              g_string_append (b, "new ");          /* replaced */
              edits += 2;
            }
          else
            g_string_append (b, word);
        }
      g_assert_true (tb_diff_words (a->str, b->str, &spans_a, &spans_b));
      for (guint i = 0; i < spans_a->len; i++)
        {
          TbDiffSpan *span = &g_array_index (spans_a, TbDiffSpan, i);

          if (!span->changed)
            g_string_append_len (kept_a, a->str + span->start, span->end - span->start);
        }
      for (guint i = 0; i < spans_b->len; i++)
        {
          TbDiffSpan *span = &g_array_index (spans_b, TbDiffSpan, i);

          if (!span->changed)
            g_string_append_len (kept_b, b->str + span->start, span->end - span->start);
        }
      g_assert_cmpstr (kept_a->str, ==, kept_b->str);
      /* no more marked than was edited: each edit is a word and its space, 3 or 4 bytes */
      g_assert_cmpuint (a->len - kept_a->len + b->len - kept_b->len, <=, 4 * edits);
    }
}

int
main (int argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/diff/words", test_diff_words);
  g_test_add_func ("/diff/too-different", test_diff_too_different);
  g_test_add_func ("/diff/random", test_diff_random);
  return g_test_run ();
}
