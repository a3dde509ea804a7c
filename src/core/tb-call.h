/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  TB_CALL_QUEUED,
  TB_CALL_RUNNING,     /* sent, waiting or streaming */
  TB_CALL_RETRYING,    /* waiting before another attempt */
  TB_CALL_DONE,
  TB_CALL_FAILED,
  TB_CALL_CANCELLED,
  TB_CALL_SKIPPED,     /* never sent: over the budget */
} TbCallState;

typedef enum {
  TB_CALL_CANDIDATE,   /* a candidate model answers an input */
  TB_CALL_JUDGE,       /* a judge scores one output */
  TB_CALL_PAIRWISE,    /* a judge compares two outputs */
} TbCallKind;

GType       tb_call_state_get_type  (void) G_GNUC_CONST;
GType       tb_call_kind_get_type   (void) G_GNUC_CONST;
#define TB_TYPE_CALL_STATE (tb_call_state_get_type ())
#define TB_TYPE_CALL_KIND  (tb_call_kind_get_type ())

const char *tb_call_state_to_string (TbCallState state);
gboolean    tb_call_state_is_final  (TbCallState state);

/* The live state of one piece of work of a run: what the window's rows and the CLI's live
 * lines show. Every property notifies when it changes, so a view binds to it. */
#define TB_TYPE_CALL (tb_call_get_type ())
G_DECLARE_FINAL_TYPE (TbCall, tb_call, TB, CALL, GObject)

/* `model` is the model called; `subject` the candidate an answer is by (for a judge call,
 * the output judged; for a pairwise call, "a vs b"). */
TbCall      *tb_call_new            (TbCallKind   kind,
                                     const char  *model,
                                     const char  *subject,
                                     const char  *input,
                                     guint        repeat);

/* The call is one of a run of `n_inputs` inputs, each `n_repeats` times: its place then says
 * which input and repeat it is for ("notes · repeat 2", "notes", "Repeat 2"), NULL with one
 * input once. */
void         tb_call_set_cell_count (TbCall *self,
                                     guint   n_inputs,
                                     guint   n_repeats);
const char  *tb_call_get_place      (TbCall *self);

TbCallKind   tb_call_get_kind       (TbCall *self);
const char  *tb_call_get_model      (TbCall *self);
const char  *tb_call_get_subject    (TbCall *self);
const char  *tb_call_get_input      (TbCall *self);
guint        tb_call_get_repeat     (TbCall *self);

TbCallState  tb_call_get_state      (TbCall *self);
void         tb_call_set_state      (TbCall *self, TbCallState state);
/* Completion tokens streamed so far, then as billed. */
guint64      tb_call_get_tokens     (TbCall *self);
void         tb_call_set_tokens     (TbCall *self, guint64 tokens);
gint64       tb_call_get_elapsed_ms (TbCall *self);
void         tb_call_set_elapsed_ms (TbCall *self, gint64 elapsed_ms);
/* 1-based part under way of a chunked input, and the number of parts (0: not chunked). */
guint        tb_call_get_chunk      (TbCall *self);
guint        tb_call_get_chunks     (TbCall *self);
void         tb_call_set_chunk      (TbCall *self, guint chunk, guint chunks);
/* The cost so far; -1 while unknown. */
double       tb_call_get_cost_usd   (TbCall *self);
const char  *tb_call_get_cost_source (TbCall *self);
void         tb_call_set_cost       (TbCall *self, double usd, const char *source);
/* A judge's overall score (0–100); -1 until known. */
double       tb_call_get_score      (TbCall *self);
void         tb_call_set_score      (TbCall *self, double score);
/* Why it failed, or why it waits before a retry; NULL otherwise. */
const char  *tb_call_get_message    (TbCall *self);
void         tb_call_set_message    (TbCall *self, const char *message);

/* One observer per call, told of every change after the call's own notify: a run of
 * thousands of calls is watched by its runner without a signal handler per call. */
typedef void (*TbCallChangedFunc) (TbCall     *call,
                                   GParamSpec *pspec,
                                   gpointer    user_data);
void         tb_call_set_observer   (TbCall            *self,
                                     TbCallChangedFunc  func,
                                     gpointer           user_data);

G_END_DECLS
