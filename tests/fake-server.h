/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A fake OpenRouter on 127.0.0.1:<free port>, a SoupServer on the thread-default main
 * context. It speaks the protocol of DESIGN.md: POST /chat/completions (JSON and SSE),
 * GET /generation?id=, GET /models, GET /key, errors with {error:{code,message}},
 * Retry-After.
 *
 * Any model id is accepted. What an unscripted model answers, in order:
 *
 * - A request whose response_format is a json_schema named "judgment" (pointwise) or
 *   "pairwise" is a judge call; see "Judges" below.
 * - A model with `has_quality` answers a text holding the markers
 *   "SCORE=<x.x> MODEL=<model id>" and then filler; see "True quality" below.
 * - Other structured requests get a small valid instance of their schema ("{}" for
 *   json_object), and plain requests "Fake answer from <model>.".
 *
 * Judges. The judged output is quoted in the user message between marker lines, each alone
 * on its line, carrying a per-call boundary the output cannot guess (`nonce`: 32 lowercase
 * hex digits):
 *   pointwise: "BEGIN OUTPUT <nonce>" … "END OUTPUT <nonce>"
 *   pairwise:  "BEGIN OUTPUT A <nonce>" … "END OUTPUT A <nonce>", then
 *              "BEGIN OUTPUT B <nonce>" … "END OUTPUT B <nonce>" (the same nonce)
 * The first BEGIN line names the nonce, and only the END line with that nonce closes the
 * block: a forged "END OUTPUT <other nonce>" inside an output closes nothing. The base
 * score of an output is its first "SCORE=<number>" inside its block (7 without one), its
 * vendor the part before '/' of its first "MODEL=<id>" there, its length the characters of
 * the block. Without marker lines the rule of old applies: the last "SCORE=" of the user
 * text (the judged output comes after the task), the last "MODEL=", and the text between
 * the last "<output>" and "</output>" as the output.
 *
 * Each score is then base + judge_offset + judge_length_bias × length / 1000
 * + judge_self_bonus (when the output's vendor is the judge's) + judge_noise × N(0,1),
 * clamped to [0, 10], with the judge's FakeModel fields (all 0 for an unscripted judge).
 * Pointwise answers {"reasoning", "criteria": {name: score for every criterion of the
 * request's schema, each with its own noise}, "violations": []}; pairwise answers
 * {"reasoning", "winner": "A" | "B" | "tie"}: "A" with probability judge_position_bias
 * whatever the outputs, else "tie" when |sA − sB| ≤ judge_tie_margin, else the higher.
 * Noise and position draws come from a PRNG seeded by a hash of the judge's id and the
 * request's messages, so the same request gets the same judgment. Whole-number scores are
 * written as JSON integers.
 *
 * True quality (for statistical end-to-end tests). A model with `has_quality` and no
 * content or replies answers "SCORE=<x.x> MODEL=<model id>\n" and filler, where
 * x = clamp(quality + quality_noise × N(0,1), 0, 10) and the filler length is drawn in
 * [length_min, length_max], both from a PRNG seeded by (model id, a hash of the user
 * message, the number of earlier calls of this model with that user message): the same
 * input gets the same first answer in every run, and repeats differ. */

typedef struct {
  const char         *content;          /* the answer; NULL: see above */
  const char * const *replies;          /* NULL-terminated; call n gets replies[n], the last
                                           one repeats; overrides content (n counts the
                                           calls answered, not the failed ones) */
  guint               latency_ms;       /* before the response starts */
  guint               chunk_delay_ms;   /* between SSE chunks */
  guint               fail_status;      /* answer this status (429, 500, 401, 402 …) */
  guint               fail_times;       /* … for the first N calls; G_MAXUINT (or 0 with a
                                           fail_status): always */
  guint               retry_after_s;    /* Retry-After on failures; 0: none */
  gboolean            midstream_error;  /* stream half the content, then an error chunk
                                           (every call; a non-streamed call gets a 200
                                           whose body is {error:{code 502, message}});
                                           the call is not billed (no /generation) */
  gboolean            no_inline_cost;   /* leave usage.cost out */
  double              cost;             /* usage.cost; 0: 0.001, or the catalog price with
                                           bill_by_tokens */
  double              billed_cost;      /* /generation total_cost; 0: same as the inline
                                           cost */
  guint               generation_404s;  /* /generation answers 404 this many times per id */
  gboolean            generation_never; /* /generation always 404s */
  const char         *provider;         /* the answer's provider and /generation's
                                           provider_name; default "FakeProvider" */
  gint64              prompt_tokens;    /* 0: estimated from the request */
  gint64              completion_tokens;/* 0: estimated from the content */
  gint64              reasoning_tokens;

  /* Hostile amounts: raw JSON text, put verbatim (e.g. "1e999", "-0.5", "\"0.1\"",
   * "null"). */
  const char         *cost_json;        /* as usage.cost (wins over cost, no_inline_cost) */
  const char         *billed_cost_json; /* as /generation total_cost (wins over billed_cost) */

  /* Provenance on /generation. */
  double              upstream_cost;    /* upstream_inference_cost; 0: null */
  gboolean            is_byok;
  double              cache_discount;   /* may be negative; 0: null */
  guint               generation_time_ms; /* generation_time; 0: latency_ms + 3 */
  const char         *native_finish_reason; /* in the choice (with finish_reason) and on
                                               /generation; NULL: the finish reason */

  /* Billing from the catalog: the inline and billed cost are the model's /models prices ×
   * tokens + the request price (prompt × prompt + (completion − reasoning) × completion +
   * reasoning × internal_reasoning, or × completion when that is 0), so a forecast from
   * the catalog can be checked against billing. `cost` and `billed_cost` still win: that
   * is how billing differs from the catalog. */
  gboolean            bill_by_tokens;

  /* Failures. */
  guint               midstream_error_after_usage; /* the first N calls (G_MAXUINT: every
                                           call; a script's true is every call) stream half
                                           the content, then a usage chunk with tokens, the
                                           cost and the id, then an error chunk: the attempt
                                           was billed and /generation knows it. Not
                                           streamed: a 200 carrying usage, id and error */
  gboolean            keepalive_only;   /* send ": OPENROUTER PROCESSING" comments every
                                           ~50 ms and never data (not streamed: a blank
                                           line), until the client goes away */
  guint               giant_line_bytes; /* streamed: one data line of this many bytes (its
                                           content delta padded with 'x'; at least the
                                           JSON around it) sent in 16 KiB pieces, its
                                           newline only at its end; then the answer ends
                                           normally */
  gboolean            invalid_utf8;     /* the bytes 0xFF 0xFE inside the content, raw, in
                                           the middle (streamed: of the middle delta) */
  gboolean            nul_in_delta;     /* NULs inside the content: the escape \u0000 in
                                           one delta and a raw 0x00 byte in another
                                           (not streamed: both in the content) */
  gboolean            echo_key_in_error;/* fail with fail_status (default 401; fail_times as
                                           for fail_status) and an error message quoting the
                                           request's Authorization header after 180
                                           characters, where a 200-byte cut keeps part of
                                           it */

  /* True quality (see above). */
  gboolean            has_quality;      /* set by a script's "quality" */
  double              quality;          /* 0–10: mean score per criterion */
  double              quality_noise;    /* σ */
  guint               length_min;       /* filler characters */
  guint               length_max;

  /* As a judge (see above). */
  double              judge_offset;        /* added to each criterion */
  double              judge_noise;         /* σ per criterion */
  double              judge_length_bias;   /* points per 1,000 characters of the output */
  double              judge_self_bonus;    /* when the output's vendor is the judge's */
  double              judge_position_bias; /* pairwise: probability of "A" regardless */
  double              judge_tie_margin;    /* pairwise: |sA − sB| ≤ margin → "tie" */

  /* For fuzzing the client's stream parser: a streamed answer is exactly these chunks
   * (NULL-terminated), sent as they are, one write each. */
  const char * const *raw_chunks;
} FakeModel;

typedef struct {
  char     *method;
  char     *path;          /* "/api/v1/chat/completions" */
  char     *query;         /* nullable */
  char     *authorization; /* nullable: the Authorization header */
  char     *title;         /* nullable: the X-Title header */
  char     *model;         /* nullable: body "model" */
  char     *body;          /* nullable: the raw request body */
  guint     status;        /* what the server answered */
} FakeRequest;

typedef struct _FakeServer FakeServer;

FakeServer  *fake_server_new          (void);
void         fake_server_free         (FakeServer *self);

/* "http://127.0.0.1:PORT/api/v1" */
const char  *fake_server_get_url      (FakeServer *self);

/* Scripts one model (copied). Also adds it to /models unless the catalog was replaced. */
void         fake_server_set_model    (FakeServer      *self,
                                       const char      *model_id,
                                       const FakeModel *behaviour);

/* Catalog entries for /models: the built-in catalog has a dozen models of different
 * providers, prices, contexts and structured-output support (ids under "fake-*" and some
 * real-looking ones such as "openai/gpt-4o-mini"); this adds or replaces one. */
void         fake_server_add_catalog_model (FakeServer *self,
                                            const char *model_id,
                                            gint64      context_length,
                                            double      price_prompt,      /* per token */
                                            double      price_completion,  /* per token */
                                            gboolean    structured_outputs);

/* Sets the per-request and per-reasoning-token prices of a catalog entry (strings of USD,
 * as /models writes them; NULL leaves one as it is). Any text goes: "-1", "abc". */
void         fake_server_set_catalog_prices (FakeServer *self,
                                             const char *model_id,
                                             const char *prompt,
                                             const char *completion,
                                             const char *request,
                                             const char *internal_reasoning);

/* /models answers this status (e.g. 500) instead; 0 restores. */
void         fake_server_set_models_status (FakeServer *self, guint status);

/* The /models body also carries {"echo": {"headers": {name: value}}}: every header of the
 * request, Authorization included (a careless server, for the key-never-cached test). */
void         fake_server_set_models_echo_headers (FakeServer *self, gboolean echo);

/* GET /key answers {"data": <data_json>} (raw JSON text, put verbatim), e.g.
 * {"label":"test","limit":10,"limit_remaining":0.5,"usage":9.5,"usage_daily":1,
 *  "usage_monthly":9.5,"is_free_tier":false}. NULL restores the default: a key without a
 * limit (limit and limit_remaining null). */
void         fake_server_set_key      (FakeServer *self,
                                       const char *data_json);
/* GET /key answers this status instead (404: a server without /key); 0 restores. */
void         fake_server_set_key_status (FakeServer *self,
                                         guint       status);

/* The largest number of chat completions in progress at once (received, answer not yet
 * finished) since the server started or the last reset; the reset starts from those in
 * progress now. */
guint        fake_server_get_max_in_flight   (FakeServer *self);
void         fake_server_reset_max_in_flight (FakeServer *self);

/* Every request so far (FakeRequest*), oldest first. (transfer none): the array belongs to
 * the server; do not unref it. */
GPtrArray   *fake_server_get_requests (FakeServer *self);
guint        fake_server_count        (FakeServer *self,
                                       const char *path_suffix,  /* "/chat/completions" */
                                       const char *model);       /* nullable: any */
void         fake_server_clear_requests (FakeServer *self);

/* Loads a script: {"models": {"id": {FakeModel fields by the same names}},
 * "catalog": [...], "default_latency_ms": N, "key": {…data…}, "key_status": N,
 * "models_echo_headers": bool} (used by the standalone fake-openrouter and the
 * benchmark). */
gboolean     fake_server_load_script  (FakeServer  *self,
                                       const char  *path,
                                       GError     **error);

/* Applies to unscripted models: latency in ms (benchmark). */
void         fake_server_set_default_latency (FakeServer *self, guint latency_ms);

G_END_DECLS
