/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A fake OpenRouter on 127.0.0.1:<free port>, a SoupServer on the thread-default main
 * context. It speaks the protocol of DESIGN.md: POST /chat/completions (JSON and SSE),
 * GET /generation?id=, GET /models, errors with {error:{code,message}}, Retry-After.
 *
 * Any model id is accepted. Unscripted models answer with a default content; a request whose
 * response_format is a json_schema named "judgment" gets an answer generated from that
 * schema: every criterion scores N when the judged output contains "SCORE=N", else 7. */

typedef struct {
  const char         *content;          /* the answer; NULL: the default or a judgment */
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
                                           whose body is {error:{code 502, message}}) */
  gboolean            no_inline_cost;   /* leave usage.cost out */
  double              cost;             /* usage.cost; 0: 0.001 */
  double              billed_cost;      /* /generation total_cost; 0: same as cost */
  guint               generation_404s;  /* /generation answers 404 this many times per id */
  gboolean            generation_never; /* /generation always 404s */
  const char         *provider;         /* default "FakeProvider" */
  gint64              prompt_tokens;    /* 0: estimated from the request */
  gint64              completion_tokens;/* 0: estimated from the content */
  gint64              reasoning_tokens;
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

/* /models answers this status (e.g. 500) instead; 0 restores. */
void         fake_server_set_models_status (FakeServer *self, guint status);

/* Every request so far (FakeRequest*), oldest first. (transfer none): the array belongs to
 * the server; do not unref it. */
GPtrArray   *fake_server_get_requests (FakeServer *self);
guint        fake_server_count        (FakeServer *self,
                                       const char *path_suffix,  /* "/chat/completions" */
                                       const char *model);       /* nullable: any */
void         fake_server_clear_requests (FakeServer *self);

/* Loads a script: {"models": {"id": {FakeModel fields by the same names}}, "catalog": [...]}
 * (used by the standalone fake-openrouter and the benchmark). */
gboolean     fake_server_load_script  (FakeServer  *self,
                                       const char  *path,
                                       GError     **error);

/* Applies to unscripted models: latency in ms (benchmark). */
void         fake_server_set_default_latency (FakeServer *self, guint latency_ms);

G_END_DECLS
