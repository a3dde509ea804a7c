/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "tb-usecase.h"
#include "tb-format.h"

G_BEGIN_DECLS

/* One part of an input too long for a model's context. Lines are 1-based, inclusive. */
typedef struct {
  guint  index;        /* 0-based */
  guint  count;        /* how many chunks in all */
  guint  first_line;
  guint  last_line;
  guint  total_lines;
  char  *text;
} TbChunk;

void       tb_chunk_free             (TbChunk *chunk);

/* Splits at line boundaries so that every chunk holds at most `max_tokens` (estimated);
 * consecutive chunks share `overlap_lines` lines. A single line longer than the budget
 * becomes a chunk of its own. Always returns at least one chunk. */
GPtrArray *tb_chunk_input            (const char *input,
                                      gint64      max_tokens,
                                      guint       overlap_lines);
/* How many chunks tb_chunk_input would make, without copying any text. */
guint      tb_chunk_count            (const char *input,
                                      gsize       length,
                                      gint64      max_tokens,
                                      guint       overlap_lines);

/* Room kept for tokens the instructions around an input take beyond the estimate. */
#define TB_CHUNK_MARGIN_TOKENS 512
#define TB_CHUNK_MIN_RESERVE   1024
#define TB_CHUNK_MAX_RESERVE   16384
#define TB_CHUNK_MIN_TOKENS    256
#define TB_CHUNK_OVERLAP_LINES 3

/* Whether a model takes an input whole or in parts, one rule for the runner, the forecast
 * and the recommendation. `other_tokens`: the rest of the prompt (instructions; for a
 * judge, the output under judgment too). The answer's room (`reserve`) is half the input,
 * 1,024–16,384 tokens, at most the model's max_completion_tokens. `*budget`: 0 when the
 * input fits whole, else the input tokens per part. FALSE (TB_ERROR_FAILED) when even a
 * part of TB_CHUNK_MIN_TOKENS would not fit. A context of 0 (unknown) always fits. */
gboolean   tb_chunk_budget           (const char  *model_id,
                                      gint64       context_length,
                                      gint64       max_completion_tokens,
                                      gint64       input_tokens,
                                      gint64       other_tokens,
                                      gint64      *budget,
                                      gint64      *reserve,
                                      GError     **error);

/* Merges the outputs of the chunks in order: JSON arrays concatenated (objects of arrays
 * merged key by key), CSV rows under the first header, text and markdown joined by a blank
 * line. Each content is fence-stripped first. */
char      *tb_merge_chunk_outputs    (TbOutputFormat  format,
                                      GPtrArray      *contents,
                                      GError        **error);

/* The executor prompt, built only from the use case's text. With a chunk, the prompt says
 * which part of the input the model sees ("lines 120–260 of 800, part 2 of 4"). */
char      *tb_prompt_executor        (const TbUsecase *usecase,
                                      const char      *input,
                                      const TbChunk   *chunk);

/* The judge's system message: role, rubric (criteria with descriptions, 0–10 each),
 * judge notes, and the answer format (reasoning first, then scores, then violations). */
char      *tb_prompt_judge_system    (const TbUsecase *usecase);

/* A fresh random boundary (32 hex digits) for the quoted texts of one judge call. */
char      *tb_prompt_new_boundary    (void);

/* The judge's user message: the use case, the executor prompt, the input (or chunk), the
 * reference when given, the format check (TaskBench's own finding, stated before the
 * output), and the output. Every text from outside — prompt, input, reference, output —
 * is quoted between "BEGIN <WHAT> <boundary>" and "END <WHAT> <boundary>" lines, so an
 * output cannot end its quote early or pose as TaskBench's text. */
char      *tb_prompt_judge_user      (const TbUsecase     *usecase,
                                      const char          *executor_prompt,
                                      const char          *input,
                                      const TbChunk       *chunk,
                                      const char          *reference,
                                      const char          *output,
                                      const TbFormatCheck *check,
                                      const char          *boundary);

/* Pairwise: the system message asks which of two outputs, A and B, does the task better
 * on the rubric, and for {"reasoning", "winner": "A" | "B" | "tie"}; the user message is
 * the judge's context, both format checks (before the outputs) and both outputs, quoted
 * as "OUTPUT A" and "OUTPUT B" with one boundary. */
char      *tb_prompt_judge_pairwise_system (const TbUsecase *usecase);
char      *tb_prompt_judge_pairwise_user (const TbUsecase     *usecase,
                                          const char          *executor_prompt,
                                          const char          *input,
                                          const TbChunk       *chunk,
                                          const char          *reference,
                                          const char          *output_a,
                                          const TbFormatCheck *check_a,
                                          const char          *output_b,
                                          const TbFormatCheck *check_b,
                                          const char          *boundary);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbChunk, tb_chunk_free)

G_END_DECLS
