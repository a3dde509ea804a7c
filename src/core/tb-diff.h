/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A word-level difference of two texts, for setting two outputs side by side. The texts
 * are cut into tokens — a run of letters and digits (any script), a run of white space, or
 * one other character — and the fewest tokens are marked that make the rest of the two
 * texts the same, in order (Myers' algorithm). */

typedef struct {
  gsize    start;     /* byte offsets into the text */
  gsize    end;
  gboolean changed;   /* only in this text: removed from a, added in b */
} TbDiffSpan;

/* The most edits the alignment looks for; past it, what lies between the common start and
 * end of the two texts is marked changed as a whole. */
#define TB_DIFF_MAX_EDITS 1000

/* Fills `spans_a` and `spans_b` (GArray of TbDiffSpan) covering each text from start to end,
 * in order, neighbouring spans never alike. FALSE when the texts differ by more than
 * TB_DIFF_MAX_EDITS tokens (the spans are still filled, coarsely). Texts are UTF-8. */
gboolean   tb_diff_words   (const char  *a,
                            const char  *b,
                            GArray     **spans_a,
                            GArray     **spans_b);

G_END_DECLS
