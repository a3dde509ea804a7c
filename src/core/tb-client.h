/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TB_DEFAULT_BASE_URL "https://openrouter.ai/api/v1"

/* Whether `base_url` is OpenRouter's (its host is openrouter.ai or a subdomain): the one
 * server that needs a key, and the one with /generation and /key. */
gboolean      tb_base_url_is_openrouter    (const char *base_url);

/* One chat completion to make. */
typedef struct {
  const char *model;
  const char *system;        /* nullable */
  const char *user;
  double      temperature;   /* < 0: not sent */
  gint64      max_tokens;    /* 0: not sent */
  JsonNode   *json_schema;   /* nullable: response_format {type: json_schema, strict} */
  const char *schema_name;   /* name inside json_schema; default "output" */
  gboolean    strict;        /* json_schema.strict: only for schemas written for strict mode
                                (every object closed, every property required) */
  gboolean    json_object;   /* response_format {type: json_object} when no schema */
  gboolean    stream;
} TbChatRequest;

typedef struct {
  char     *content;
  char     *finish_reason;
  char     *generation_id;   /* body `id`, else header X-Generation-Id */
  char     *model;           /* as answered */
  char     *provider;        /* nullable */
  gint64    prompt_tokens;
  gint64    completion_tokens;
  gint64    reasoning_tokens;
  gint64    cached_tokens;
  gboolean  has_inline_cost;
  double    inline_cost;
  gint64    latency_ms;      /* from the first send to the last byte of the last attempt */
  guint     attempts;
} TbChatResult;

void tb_chat_result_free (TbChatResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbChatResult, tb_chat_result_free)

/* Called on the main loop while a call is under way. */
typedef struct {
  /* a streamed delta arrived; `tokens` counts content deltas so far (approximate tokens) */
  void (*delta) (gpointer user_data, const char *text, guint64 tokens);
  /* a retry is scheduled after `delay_ms`; `attempt` is the number of the attempt to come
   * (2 for the first retry); `reason` is the failure's user message ("rate limited (429): …").
   * Deltas of the new attempt count from 1 again. */
  void (*retry) (gpointer user_data, guint attempt, guint delay_ms, const char *reason);
  gpointer user_data;
} TbChatCallbacks;

#define TB_TYPE_CLIENT (tb_client_get_type ())
G_DECLARE_FINAL_TYPE (TbClient, tb_client, TB, CLIENT, GObject)

/* `api_key` may be NULL (local servers). The key lives only in memory: never logged, never
 * in an error message. `timeout_s` 0 means the default (120 s). */
TbClient     *tb_client_new                (const char *base_url,
                                            const char *api_key,
                                            guint       timeout_s);

/* From TASKBENCH_BASE_URL, OPENROUTER_API_KEY, TASKBENCH_TIMEOUT. */
TbClient     *tb_client_new_from_env       (void);

const char   *tb_client_get_base_url       (TbClient *self);
gboolean      tb_client_has_api_key        (TbClient *self);
/* OpenRouter without a key: nothing can be called. */
gboolean      tb_client_needs_api_key      (TbClient *self);

/* Retry policy: attempts at most `max_attempts` (default 5) for 408/429/5xx and transport
 * errors, waiting base × 2^n ± 25 % jitter (base default 1000 ms), or Retry-After when the
 * server sends it (capped at 60 s). `TASKBENCH_RETRY_BASE_MS` overrides the base (tests). */
void          tb_client_set_retry_policy   (TbClient *self,
                                            guint     max_attempts,
                                            guint     base_delay_ms);

/* POST /chat/completions. Errors: TB_HTTP_ERROR with the HTTP status as code (0 transport,
 * 1 protocol, e.g. a mid-stream error chunk) and a message a user understands ("out of
 * credits (402): …", "key rejected (401): …"), or G_IO_ERROR_CANCELLED. `attempts` is set
 * on success and on failure. */
void          tb_client_chat_async         (TbClient              *self,
                                            const TbChatRequest   *request,
                                            const TbChatCallbacks *callbacks,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
TbChatResult *tb_client_chat_finish        (TbClient      *self,
                                            GAsyncResult  *result,
                                            guint         *attempts,
                                            GError       **error);

/* GET /generation?id=…, retrying 404 (and 408/429/5xx) with backoff for up to
 * `max_wait_ms` in all (default policy: 30000; TASKBENCH_GENERATION_WAIT_MS overrides). */
void          tb_client_generation_async   (TbClient            *self,
                                            const char          *generation_id,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* Returns the `data` object of the answer (total_cost, tokens_prompt, provider_name, …). */
JsonObject   *tb_client_generation_finish  (TbClient      *self,
                                            GAsyncResult  *result,
                                            GError       **error);

/* GET /models; returns the raw body. */
void          tb_client_models_async       (TbClient            *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
GBytes       *tb_client_models_finish      (TbClient      *self,
                                            GAsyncResult  *result,
                                            GError       **error);

G_END_DECLS
