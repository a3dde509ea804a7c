/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where requests go when TASKBENCH_BASE_URL (or the window's setting) names nothing else. */
#define TB_DEFAULT_BASE_URL "https://openrouter.ai/api/v1"

/* TRUE when `base_url` is OpenRouter: its host, read from the parsed URL, is openrouter.ai
 * or a subdomain of it (not a substring test: https://evil.example/openrouter.ai is not).
 * NULL or "" stands for the default, which is OpenRouter. */
gboolean tb_base_url_is_openrouter (const char *base_url);

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
  JsonNode   *provider;      /* nullable: a JSON object sent verbatim as the request's
                                "provider" (OpenRouter's provider routing: order, only,
                                allow_fallbacks, …) */
  gboolean    has_seed;
  gint64      seed;          /* sent as "seed" when has_seed */
} TbChatRequest;

/* Everything taken from a server — text, ids, names — is valid UTF-8 with the key redacted
 * (see tb_client_redact). Amounts went through the amount gate (tb-amount.h). */
typedef struct {
  char     *content;
  char     *finish_reason;
  char     *native_finish_reason; /* nullable: the provider's own finish reason */
  char     *generation_id;   /* body `id`, else header X-Generation-Id */
  char     *model;           /* as answered */
  char     *provider;        /* nullable */
  gint64    prompt_tokens;
  gint64    completion_tokens;
  gint64    reasoning_tokens;
  gint64    cached_tokens;
  gboolean  has_inline_cost; /* FALSE when usage.cost is missing, null, a string, negative
                                or not finite: unknown, never $0 */
  double    inline_cost;
  gint64    latency_ms;      /* from the first send to the last byte of the last attempt */
  guint     attempts;
} TbChatResult;

void tb_chat_result_free (TbChatResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbChatResult, tb_chat_result_free)

/* A failed attempt that was probably billed: the server reported usage for it (a usage
 * chunk before a mid-stream error) or gave it a generation id. Its cost counts. */
typedef struct {
  char     *generation_id;   /* nullable */
  gint64    prompt_tokens;
  gint64    completion_tokens;
  gint64    reasoning_tokens;
  gint64    cached_tokens;
  gboolean  has_inline_cost;
  double    inline_cost;
} TbPaidAttempt;

void tb_paid_attempt_free (TbPaidAttempt *attempt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbPaidAttempt, tb_paid_attempt_free)

/* GET /generation?id=: what OpenRouter billed for a call, and where it ran. */
typedef struct {
  char     *id;
  gboolean  has_total_cost;          /* FALSE for null, a string, negative, not finite */
  double    total_cost;
  gboolean  has_upstream_cost;
  double    upstream_inference_cost; /* BYOK: what the upstream provider charged */
  gboolean  is_byok;
  gboolean  has_cache_discount;
  double    cache_discount;          /* finite; may be negative (cache writes) */
  gboolean  has_generation_time;
  gint64    generation_time_ms;
  gboolean  has_latency;
  gint64    latency_ms;
  char     *provider_name;           /* nullable */
  char     *model;                   /* nullable */
  char     *finish_reason;           /* nullable */
  char     *native_finish_reason;    /* nullable */
  gint64    tokens_prompt;
  gint64    tokens_completion;
  gint64    native_tokens_reasoning;
} TbGeneration;

void tb_generation_free (TbGeneration *generation);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbGeneration, tb_generation_free)

/* GET /key: the key's label, limit and spending. Amounts are unknown (has_… FALSE) when
 * the server sends null — as for `limit` and `limit_remaining` of a key without a limit —
 * or anything but a finite number ≥ 0. */
typedef struct {
  char     *label;                   /* nullable */
  gboolean  has_limit;
  double    limit;
  gboolean  has_limit_remaining;
  double    limit_remaining;
  char     *limit_reset;             /* nullable: "daily", "monthly", … */
  gboolean  has_usage;
  double    usage;
  gboolean  has_usage_daily;
  double    usage_daily;
  gboolean  has_usage_monthly;
  double    usage_monthly;
  gboolean  is_free_tier;
} TbKeyInfo;

void tb_key_info_free (TbKeyInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbKeyInfo, tb_key_info_free)

/* Called on the main loop while a call is under way. */
typedef struct {
  /* a streamed delta arrived; `tokens` counts content deltas so far (approximate tokens).
   * `text` is valid UTF-8 and redacted delta by delta; the result's content is redacted
   * whole, so a key split over several deltas is caught there. */
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
 * in an error message, never in what the client hands out (see tb_client_redact).
 *
 * `timeout_s` (0: the default, 120 s) bounds every attempt twice: it fails as a timeout —
 * retried like a transport error — when no data arrives for `timeout_s` (for a stream: no
 * `data:` line; keep-alive comments such as ": OPENROUTER PROCESSING" do not count; for
 * other answers: no byte but whitespace), and when it lasts longer than 10 × `timeout_s`
 * in all, however steadily data trickles in. */
TbClient     *tb_client_new                (const char *base_url,
                                            const char *api_key,
                                            guint       timeout_s);

/* From TASKBENCH_BASE_URL, OPENROUTER_API_KEY, TASKBENCH_TIMEOUT. */
TbClient     *tb_client_new_from_env       (void);

const char   *tb_client_get_base_url       (TbClient *self);
gboolean      tb_client_has_api_key        (TbClient *self);

/* TRUE when the server is OpenRouter and no key is set: every call would fail with 401. */
gboolean      tb_client_needs_api_key      (TbClient *self);

/* A copy of `text` in which the key and every piece of it at least 12 characters long is
 * replaced by "[redacted]"; in time linear in the text. Without a key, a plain copy. */
char         *tb_client_redact             (TbClient   *self,
                                            const char *text);

/* Retry policy: attempts at most `max_attempts` (default 5) for 408/429/5xx and transport
 * errors, waiting base × 2^n ± 25 % jitter (base default 1000 ms), or Retry-After when the
 * server sends it (capped at 60 s). `TASKBENCH_RETRY_BASE_MS` overrides the base (tests). */
void          tb_client_set_retry_policy   (TbClient *self,
                                            guint     max_attempts,
                                            guint     base_delay_ms);

/* POST /chat/completions. Errors: TB_HTTP_ERROR with the HTTP status as code (0 transport,
 * timeouts included; 1 protocol, e.g. a mid-stream error chunk, a stream line longer than
 * 8 MiB, an answer larger than 64 MiB) and a message a user understands ("out of credits
 * (402): …", "key rejected (401): …"), or G_IO_ERROR_CANCELLED.
 *
 * Bytes that are not clean do not lose the answer: invalid UTF-8 and NUL characters (raw,
 * or the JSON escape \u0000) arrive as U+FFFD with everything after them kept.
 *
 * `attempts` is set on success and on failure. `paid_attempts` (nullable; transfer full;
 * a GPtrArray of TbPaidAttempt*, possibly empty) is set on success and on failure to the
 * attempts other than the returned one that reported usage or a generation id: they were
 * probably billed. */
void          tb_client_chat_async         (TbClient              *self,
                                            const TbChatRequest   *request,
                                            const TbChatCallbacks *callbacks,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data);
TbChatResult *tb_client_chat_finish        (TbClient      *self,
                                            GAsyncResult  *result,
                                            guint         *attempts,
                                            GPtrArray    **paid_attempts,
                                            GError       **error);

/* GET /generation?id=…, retrying 404 (and 408/429/5xx) with backoff for up to
 * `max_wait_ms` in all (default policy: 30000; TASKBENCH_GENERATION_WAIT_MS overrides). */
void          tb_client_generation_async   (TbClient            *self,
                                            const char          *generation_id,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
TbGeneration *tb_client_generation_finish  (TbClient      *self,
                                            GAsyncResult  *result,
                                            GError       **error);

/* GET /key. A server without it answers 404: TB_HTTP_ERROR with code 404, not retried
 * (for the caller: no balance to show). */
void          tb_client_key_async          (TbClient            *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
TbKeyInfo    *tb_client_key_finish         (TbClient      *self,
                                            GAsyncResult  *result,
                                            GError       **error);

/* GET /models; returns the body as valid UTF-8 with the key redacted (a server that echoes
 * request headers must not put the key into the catalog's cache). */
void          tb_client_models_async       (TbClient            *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
GBytes       *tb_client_models_finish      (TbClient      *self,
                                            GAsyncResult  *result,
                                            GError       **error);

G_END_DECLS
