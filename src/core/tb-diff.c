/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-diff"

#include "config.h"

#include <string.h>

#include "tb-diff.h"

typedef struct {
  gsize  start;
  gsize  length;
  guint  hash;
} Token;

static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || c == '_' || g_unichar_ismark (c);
}

/* Tokens of `text`: runs of word characters, runs of white space, single others. */
static GArray *
tokenize (const char *text)
{
  GArray *tokens = g_array_new (FALSE, FALSE, sizeof (Token));
  const char *p = text;

  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      const char *end = g_utf8_next_char (p);
      Token token;

      if (c == (gunichar) -1 || c == (gunichar) -2)
        end = p + 1;   /* a stray byte is a token of its own */
      else if (g_unichar_isspace (c))
        while (*end != '\0' && g_unichar_isspace (g_utf8_get_char (end)))
          end = g_utf8_next_char (end);
      else if (is_word_char (c))
        while (*end != '\0' && is_word_char (g_utf8_get_char (end)))
          end = g_utf8_next_char (end);

      token.start = p - text;
      token.length = end - p;
      token.hash = 5381;
      for (const char *q = p; q < end; q++)
        token.hash = token.hash * 33 + (guchar) *q;
      g_array_append_val (tokens, token);
      p = end;
    }
  return tokens;
}

static gboolean
same_token (const char  *a,
            const Token *x,
            const char  *b,
            const Token *y)
{
  return x->length == y->length && x->hash == y->hash
         && memcmp (a + x->start, b + y->start, x->length) == 0;
}

/* Myers' O((N+M)·D) greedy alignment of a[0..n) and b[0..m), with the furthest points of
 * every step kept for the way back. Marks the tokens that are not on the common
 * subsequence. FALSE when more than `max_d` edits are needed (nothing marked then). */
static gboolean
align (const char  *text_a,
       const Token *a,
       gssize       n,
       const char  *text_b,
       const Token *b,
       gssize       m,
       gboolean    *changed_a,
       gboolean    *changed_b,
       gssize       max_d)
{
  g_autoptr(GPtrArray) trace = g_ptr_array_new_with_free_func (g_free);
  gssize d, final_d = -1;

  for (d = 0; d <= MIN (max_d, n + m) && final_d < 0; d++)
    {
      gssize *v = g_new (gssize, 2 * d + 1);
      gssize *prev = d > 0 ? g_ptr_array_index (trace, d - 1) : NULL;

      for (gssize k = -d; k <= d; k += 2)
        {
          gssize x, y;

          /* prev covers k in [-(d-1), d-1], at index k + d - 1 */
          if (d == 0)
            x = 0;
          else if (k == -d || (k != d && prev[k - 1 + d - 1] < prev[k + 1 + d - 1]))
            x = prev[k + 1 + d - 1];          /* down: a token of b added */
          else
            x = prev[k - 1 + d - 1] + 1;      /* right: a token of a removed */
          y = x - k;
          while (x < n && y < m && same_token (text_a, &a[x], text_b, &b[y]))
            {
              x++;
              y++;
            }
          v[k + d] = x;
          if (x >= n && y >= m)
            final_d = d;
        }
      g_ptr_array_add (trace, v);
    }
  if (final_d < 0)
    return FALSE;

  /* Back from (n, m): each step either added a token of b or removed one of a. */
  {
    gssize x = n, y = m;

    for (d = final_d; d > 0; d--)
      {
        gssize *prev = g_ptr_array_index (trace, d - 1);
        gssize k = x - y;
        gboolean down = k == -d || (k != d && prev[k - 1 + d - 1] < prev[k + 1 + d - 1]);
        gssize prev_k = down ? k + 1 : k - 1;
        gssize prev_x = prev[prev_k + d - 1];
        gssize prev_y = prev_x - prev_k;

        /* the snake of this step, back to where its edit ended */
        while (down ? (x > prev_x && y > prev_y + 1) : (x > prev_x + 1 && y > prev_y))
          {
            x--;
            y--;
          }
        if (down)
          changed_b[prev_y] = TRUE;
        else
          changed_a[prev_x] = TRUE;
        x = prev_x;
        y = prev_y;
      }
  }
  return TRUE;
}

/* Spans of the text from its tokens and their marks, neighbours merged. */
static GArray *
make_spans (const Token    *tokens,
            guint           n,
            const gboolean *changed,
            gsize           text_length)
{
  GArray *spans = g_array_new (FALSE, FALSE, sizeof (TbDiffSpan));

  for (guint i = 0; i < n; i++)
    {
      TbDiffSpan *last = spans->len > 0 ? &g_array_index (spans, TbDiffSpan, spans->len - 1)
                                        : NULL;

      if (last != NULL && last->changed == changed[i])
        last->end = tokens[i].start + tokens[i].length;
      else
        {
          TbDiffSpan span = { tokens[i].start, tokens[i].start + tokens[i].length,
                              changed[i] };

          g_array_append_val (spans, span);
        }
    }
  g_assert (spans->len == 0 || g_array_index (spans, TbDiffSpan, spans->len - 1).end
            == text_length);
  return spans;
}

gboolean
tb_diff_words (const char  *a,
               const char  *b,
               GArray     **spans_a,
               GArray     **spans_b)
{
  g_autoptr(GArray) tokens_a = NULL;
  g_autoptr(GArray) tokens_b = NULL;
  g_autofree gboolean *changed_a = NULL;
  g_autofree gboolean *changed_b = NULL;
  const Token *ta, *tb;
  guint na, nb, prefix = 0, suffix = 0;
  gboolean aligned;

  g_return_val_if_fail (spans_a != NULL && spans_b != NULL, FALSE);

  a = a != NULL ? a : "";
  b = b != NULL ? b : "";
  tokens_a = tokenize (a);
  tokens_b = tokenize (b);
  ta = (const Token *) tokens_a->data;
  tb = (const Token *) tokens_b->data;
  na = tokens_a->len;
  nb = tokens_b->len;
  changed_a = g_new0 (gboolean, MAX (na, 1));
  changed_b = g_new0 (gboolean, MAX (nb, 1));

  /* The common start and end need no search: outputs of one task share most of their
   * frame. */
  while (prefix < na && prefix < nb && same_token (a, &ta[prefix], b, &tb[prefix]))
    prefix++;
  while (suffix < na - prefix && suffix < nb - prefix
         && same_token (a, &ta[na - 1 - suffix], b, &tb[nb - 1 - suffix]))
    suffix++;

  aligned = align (a, ta + prefix, na - prefix - suffix, b, tb + prefix, nb - prefix - suffix,
                   changed_a + prefix, changed_b + prefix, TB_DIFF_MAX_EDITS);
  if (!aligned)
    {
      for (guint i = prefix; i < na - suffix; i++)
        changed_a[i] = TRUE;
      for (guint i = prefix; i < nb - suffix; i++)
        changed_b[i] = TRUE;
    }

  *spans_a = make_spans (ta, na, changed_a, strlen (a));
  *spans_b = make_spans (tb, nb, changed_b, strlen (b));
  return aligned;
}
