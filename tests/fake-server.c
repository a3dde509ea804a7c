/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fake-server"

#include "config.h"

#include <math.h>
#include <string.h>
#include <libsoup/soup.h>

#include "fake-server.h"

#define BASE_PATH          "/api/v1"
#define DEFAULT_PROVIDER   "FakeProvider"
#define DEFAULT_COST       0.001
#define DEFAULT_SCORE      7
#define MIDSTREAM_MESSAGE  "Upstream provider disconnected"
#define KEEPALIVE_MS       50
#define GIANT_PIECE        (16 * 1024)
#define NONCE_LENGTH       32

/* Placeholders replaced, after a JSON text is written, by bytes no JSON writer would write:
 * raw amounts, invalid UTF-8, NULs. */
#define RAW_COST           "@@fake-raw-cost@@"
#define RAW_INVALID        "@@fake-raw-invalid@@"
#define RAW_NUL_ESCAPE     "@@fake-raw-nul-escape@@"
#define RAW_NUL_BYTE       "@@fake-raw-nul-byte@@"
#define RAW_GIANT          "@@fake-raw-giant@@"

/* A scripted model: `behaviour` points into the owned copies below. */
typedef struct
{
  FakeModel   behaviour;
  char       *content;
  GStrv       replies;
  char       *provider;
  char       *cost_json;
  char       *billed_cost_json;
  char       *native_finish_reason;
  GStrv       raw_chunks;
  guint       calls;     /* every chat call */
  guint       answered;  /* calls that got an answer (indexes `replies`) */
  GHashTable *seen;      /* hash of a user message → calls with it (true quality) */
} Script;

typedef struct
{
  char     *id;
  char     *model;
  char     *provider;
  double    total_cost;
  char     *billed_json;  /* nullable: raw total_cost */
  double    upstream_cost;
  gboolean  is_byok;
  double    cache_discount;
  guint     generation_time_ms;
  char     *native_finish_reason;
  gint64    tokens_prompt;
  gint64    tokens_completion;
  gint64    reasoning_tokens;
  guint     latency_ms;
  guint     misses;      /* 404s still to answer; G_MAXUINT: never answers */
} Generation;

/* An answer held back (latency) or streamed piece by piece on the main loop. */
typedef struct
{
  FakeServer        *server;
  SoupServerMessage *msg;
  GPtrArray         *chunks;    /* GBytes; NULL: the whole answer is already on the message */
  GBytes            *keepalive; /* sent every KEEPALIVE_MS, forever */
  guint              next;
  guint              chunk_delay_ms;
  guint              source_id;
  gulong             finished_handler;
  gulong             disconnected_handler;
} Reply;

/* A chat completion in progress, for the in-flight count. */
typedef struct
{
  FakeServer        *server;
  SoupServerMessage *msg;
  gulong             finished_handler;
  gulong             disconnected_handler;
} Flight;

struct _FakeServer
{
  SoupServer *server;
  char       *url;
  GHashTable *scripts;       /* id → Script */
  GPtrArray  *catalog;       /* JsonObject */
  gboolean    catalog_replaced;
  guint       models_status;
  gboolean    models_echo_headers;
  char       *key_json;      /* nullable: the data of GET /key */
  guint       key_status;
  GPtrArray  *requests;      /* FakeRequest */
  GHashTable *generations;   /* id → Generation */
  guint       counter;
  guint       default_latency_ms;
  GPtrArray  *replies;       /* Reply in progress (not owned by the array) */
  GPtrArray  *flights;       /* Flight in progress (not owned by the array) */
  guint       max_in_flight;
};

/* ---- small helpers ---------------------------------------------------------------- */

static void
script_free (Script *script)
{
  g_free (script->content);
  g_strfreev (script->replies);
  g_free (script->provider);
  g_free (script->cost_json);
  g_free (script->billed_cost_json);
  g_free (script->native_finish_reason);
  g_strfreev (script->raw_chunks);
  g_hash_table_unref (script->seen);
  g_free (script);
}

static void
generation_free (Generation *generation)
{
  g_free (generation->id);
  g_free (generation->model);
  g_free (generation->provider);
  g_free (generation->billed_json);
  g_free (generation->native_finish_reason);
  g_free (generation);
}

static void
fake_request_free (FakeRequest *request)
{
  g_free (request->method);
  g_free (request->path);
  g_free (request->query);
  g_free (request->authorization);
  g_free (request->title);
  g_free (request->model);
  g_free (request->body);
  g_free (request);
}

static gint64
estimate_tokens (const char *text)
{
  gsize len = text != NULL ? strlen (text) : 0;

  return MAX (1, (gint64) ((len + 3) / 4));
}

static char *
object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

static char *
price_string (double per_token)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  gsize len;

  if (per_token <= 0)
    return g_strdup ("0");

  /* OpenRouter writes plain decimals ("0.00000015"), never exponents */
  g_ascii_formatd (buf, sizeof buf, "%.12f", per_token);
  len = strlen (buf);
  while (len > 0 && buf[len - 1] == '0')
    buf[--len] = '\0';
  if (len > 0 && buf[len - 1] == '.')
    buf[--len] = '\0';
  return g_strdup (buf);
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* A PRNG seeded by a hash of `text`: the same text, the same draws, in every run. */
static GRand *
rand_for (const char *text)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  guint32 seed[8];

  g_checksum_update (checksum, (const guchar *) text, -1);
  g_checksum_get_digest (checksum, digest, &length);
  memcpy (seed, digest, sizeof seed);
  return g_rand_new_with_seed_array (seed, G_N_ELEMENTS (seed));
}

/* A standard normal draw (Box–Muller). */
static double
rand_normal (GRand *rand)
{
  double u1 = 1.0 - g_rand_double (rand);   /* (0, 1] */
  double u2 = g_rand_double (rand);

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

static char *
sha256_of (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

/* ---- the catalog ------------------------------------------------------------------ */

enum {
  CAP_STRUCTURED  = 1 << 0,  /* response_format + structured_outputs */
  CAP_JSON_ONLY   = 1 << 1,  /* response_format (json_object) only */
  CAP_IMAGE_OUT   = 1 << 2,  /* output_modalities ["image"] */
  CAP_IMAGE_IN    = 1 << 3,
  CAP_REASONING   = 1 << 4,
};

static JsonArray *
string_array (const char * const *items)
{
  JsonArray *array = json_array_new ();

  for (; *items != NULL; items++)
    json_array_add_string_element (array, *items);
  return array;
}

static JsonObject *
catalog_entry_new (const char *id,
                   const char *name,
                   gint64      context_length,
                   double      price_prompt,
                   double      price_completion,
                   guint       caps,
                   gint64      max_completion_tokens)
{
  static const char * const text_only[] = { "text", NULL };
  static const char * const text_image[] = { "text", "image", NULL };
  static const char * const image_only[] = { "image", NULL };
  static const char * const base_params[] = {
    "max_tokens", "temperature", "top_p", "stop", "seed", "frequency_penalty", NULL
  };
  JsonObject *entry = json_object_new ();
  JsonObject *architecture = json_object_new ();
  JsonObject *pricing = json_object_new ();
  JsonObject *top_provider = json_object_new ();
  JsonArray *params = string_array (base_params);
  const char * const *inputs = (caps & CAP_IMAGE_IN) ? text_image : text_only;
  const char * const *outputs = (caps & CAP_IMAGE_OUT) ? image_only : text_only;
  g_autofree char *modality = g_strdup_printf ("%s->%s",
                                               (caps & CAP_IMAGE_IN) ? "text+image" : "text",
                                               (caps & CAP_IMAGE_OUT) ? "image" : "text");
  g_autofree char *prompt_price = price_string (price_prompt);
  g_autofree char *completion_price = price_string (price_completion);

  json_object_set_string_member (entry, "id", id);
  json_object_set_string_member (entry, "canonical_slug", id);
  json_object_set_string_member (entry, "name", name != NULL ? name : id);
  json_object_set_int_member (entry, "created", 1735689600);
  json_object_set_string_member (entry, "description", "A model of the fake OpenRouter.");
  json_object_set_int_member (entry, "context_length", context_length);

  json_object_set_string_member (architecture, "modality", modality);
  json_object_set_array_member (architecture, "input_modalities", string_array (inputs));
  json_object_set_array_member (architecture, "output_modalities", string_array (outputs));
  json_object_set_string_member (architecture, "tokenizer", "Other");
  json_object_set_null_member (architecture, "instruct_type");
  json_object_set_object_member (entry, "architecture", architecture);

  json_object_set_string_member (pricing, "prompt", prompt_price);
  json_object_set_string_member (pricing, "completion", completion_price);
  json_object_set_string_member (pricing, "request", "0");
  json_object_set_string_member (pricing, "image", "0");
  json_object_set_string_member (pricing, "web_search", "0");
  json_object_set_string_member (pricing, "internal_reasoning", "0");
  json_object_set_object_member (entry, "pricing", pricing);

  json_object_set_int_member (top_provider, "context_length", context_length);
  json_object_set_int_member (top_provider, "max_completion_tokens", max_completion_tokens);
  json_object_set_boolean_member (top_provider, "is_moderated", FALSE);
  json_object_set_object_member (entry, "top_provider", top_provider);
  json_object_set_null_member (entry, "per_request_limits");

  if (caps & (CAP_STRUCTURED | CAP_JSON_ONLY))
    json_array_add_string_element (params, "response_format");
  if (caps & CAP_STRUCTURED)
    json_array_add_string_element (params, "structured_outputs");
  if (caps & CAP_REASONING)
    {
      json_array_add_string_element (params, "reasoning");
      json_array_add_string_element (params, "include_reasoning");
    }
  json_object_set_array_member (entry, "supported_parameters", params);

  return entry;
}

static gint
catalog_find (FakeServer *self,
              const char *model_id)
{
  for (guint i = 0; i < self->catalog->len; i++)
    {
      const char *id = get_string (g_ptr_array_index (self->catalog, i), "id");

      if (g_strcmp0 (id, model_id) == 0)
        return (gint) i;
    }
  return -1;
}

/* Takes `entry`. */
static void
catalog_put (FakeServer *self,
             JsonObject *entry)
{
  gint index = catalog_find (self, get_string (entry, "id"));

  if (index >= 0)
    {
      json_object_unref (g_ptr_array_index (self->catalog, index));
      g_ptr_array_index (self->catalog, index) = entry;
    }
  else
    g_ptr_array_add (self->catalog, entry);
}

#define PER_M(usd) ((usd) / 1e6)

static void
catalog_add_builtin (FakeServer *self)
{
  static const struct {
    const char *id;
    const char *name;
    gint64      context;
    double      prompt_per_m;
    double      completion_per_m;
    guint       caps;
    gint64      max_completion;
  } builtin[] = {
    { "openai/gpt-4o-mini", "OpenAI: GPT-4o-mini", 128000, 0.15, 0.60,
      CAP_STRUCTURED | CAP_IMAGE_IN, 16384 },
    { "openai/gpt-4o", "OpenAI: GPT-4o", 128000, 2.50, 10.00,
      CAP_STRUCTURED | CAP_IMAGE_IN, 16384 },
    { "anthropic/claude-sonnet-4.5", "Anthropic: Claude Sonnet 4.5", 1000000, 3.00, 15.00,
      CAP_STRUCTURED | CAP_IMAGE_IN | CAP_REASONING, 64000 },
    { "anthropic/claude-3.5-haiku", "Anthropic: Claude 3.5 Haiku", 200000, 0.80, 4.00,
      0, 8192 },
    { "google/gemini-2.5-flash", "Google: Gemini 2.5 Flash", 1048576, 0.30, 2.50,
      CAP_STRUCTURED | CAP_IMAGE_IN | CAP_REASONING, 65535 },
    { "google/gemini-2.5-pro", "Google: Gemini 2.5 Pro", 1048576, 1.25, 10.00,
      CAP_STRUCTURED | CAP_IMAGE_IN | CAP_REASONING, 65536 },
    { "meta-llama/llama-3.1-8b-instruct", "Meta: Llama 3.1 8B Instruct", 131072, 0.02, 0.03,
      0, 16384 },
    { "meta-llama/llama-3.3-70b-instruct:free", "Meta: Llama 3.3 70B Instruct (free)", 65536,
      0, 0, 0, 8192 },
    { "mistralai/mistral-small", "Mistral: Mistral Small", 32768, 0.20, 0.60,
      CAP_STRUCTURED, 8192 },
    { "deepseek/deepseek-chat", "DeepSeek: DeepSeek V3", 163840, 0.30, 0.85,
      CAP_JSON_ONLY, 16384 },
    { "qwen/qwen-2.5-72b-instruct", "Qwen2.5 72B Instruct", 32768, 0.12, 0.39,
      0, 16384 },
    { "x-ai/grok-3-mini", "xAI: Grok 3 Mini", 131072, 0.30, 0.50,
      CAP_STRUCTURED | CAP_REASONING, 32768 },
    { "fake-labs/tiny-8k", "Fake Labs: Tiny 8k", 8192, 0.05, 0.10,
      0, 2048 },
    { "fake-labs/pixel-image", "Fake Labs: Pixel (image output)", 32768, 1.00, 4.00,
      CAP_IMAGE_OUT | CAP_IMAGE_IN, 4096 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (builtin); i++)
    catalog_put (self, catalog_entry_new (builtin[i].id, builtin[i].name, builtin[i].context,
                                          PER_M (builtin[i].prompt_per_m),
                                          PER_M (builtin[i].completion_per_m),
                                          builtin[i].caps, builtin[i].max_completion));
}

static double
pricing_value (JsonObject *pricing,
               const char *name)
{
  const char *text = get_string (pricing, name);
  double value;

  if (text == NULL)
    return 0;
  value = g_ascii_strtod (text, NULL);
  return isfinite (value) && value > 0 ? value : 0;
}

/* What the catalog says a call costs (bill_by_tokens); FALSE when the model is not in it. */
static gboolean
catalog_cost (FakeServer *self,
              const char *model_id,
              gint64      prompt_tokens,
              gint64      completion_tokens,
              gint64      reasoning_tokens,
              double     *cost)
{
  gint index = catalog_find (self, model_id);
  JsonObject *pricing;
  double completion_price, reasoning_price;

  if (index < 0)
    return FALSE;
  pricing = get_object (g_ptr_array_index (self->catalog, index), "pricing");
  completion_price = pricing_value (pricing, "completion");
  reasoning_price = pricing_value (pricing, "internal_reasoning");
  if (reasoning_price <= 0)
    reasoning_price = completion_price;
  completion_tokens = MAX (completion_tokens, reasoning_tokens);

  *cost = pricing_value (pricing, "prompt") * prompt_tokens
          + completion_price * (completion_tokens - reasoning_tokens)
          + reasoning_price * reasoning_tokens
          + pricing_value (pricing, "request");
  return TRUE;
}

/* ---- replies on the main loop ----------------------------------------------------- */

static void
reply_free (Reply *reply)
{
  g_clear_handle_id (&reply->source_id, g_source_remove);
  g_clear_signal_handler (&reply->finished_handler, reply->msg);
  g_clear_signal_handler (&reply->disconnected_handler, reply->msg);
  g_ptr_array_remove (reply->server->replies, reply);
  g_clear_object (&reply->msg);
  g_clear_pointer (&reply->chunks, g_ptr_array_unref);
  g_clear_pointer (&reply->keepalive, g_bytes_unref);
  g_free (reply);
}

static void
on_reply_finished (SoupServerMessage *msg,
                   gpointer           user_data)
{
  reply_free (user_data);
}

static gboolean
reply_step (gpointer user_data)
{
  Reply *reply = user_data;
  g_autoptr(SoupServerMessage) msg = g_object_ref (reply->msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);

  reply->source_id = 0;

  if (reply->keepalive != NULL)
    {
      soup_message_body_append_bytes (body, reply->keepalive);
      reply->source_id = g_timeout_add (KEEPALIVE_MS, reply_step, reply);
    }
  else if (reply->chunks != NULL)
    {
      if (reply->next < reply->chunks->len)
        soup_message_body_append_bytes (body, g_ptr_array_index (reply->chunks, reply->next++));
      if (reply->next < reply->chunks->len)
        reply->source_id = g_timeout_add (reply->chunk_delay_ms, reply_step, reply);
      else
        soup_message_body_complete (body);
    }

  /* `reply` may be gone once the message finishes */
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

/* Takes `chunks` (GBytes) and `keepalive`. Without them and latency the answer goes out as
 * it is. */
static void
reply_start (FakeServer        *self,
             SoupServerMessage *msg,
             GPtrArray         *chunks,
             GBytes            *keepalive,
             guint              latency_ms,
             guint              chunk_delay_ms)
{
  Reply *reply;

  if (chunks == NULL && keepalive == NULL && latency_ms == 0)
    return;

  reply = g_new0 (Reply, 1);
  reply->server = self;
  reply->msg = g_object_ref (msg);
  reply->chunks = chunks;
  reply->keepalive = keepalive;
  reply->chunk_delay_ms = chunk_delay_ms;
  reply->finished_handler = g_signal_connect (msg, "finished",
                                              G_CALLBACK (on_reply_finished), reply);
  reply->disconnected_handler = g_signal_connect (msg, "disconnected",
                                                  G_CALLBACK (on_reply_finished), reply);
  g_ptr_array_add (self->replies, reply);

  soup_server_message_pause (msg);
  reply->source_id = g_timeout_add (latency_ms, reply_step, reply);
}

/* A streamed answer: status, headers, then `chunks` (taken) or keep-alives. */
static void
stream_start (FakeServer        *self,
              SoupServerMessage *msg,
              GPtrArray         *chunks,
              GBytes            *keepalive,
              const char        *content_type,
              guint              latency_ms,
              guint              chunk_delay_ms)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, content_type, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  reply_start (self, msg, chunks, keepalive, latency_ms, chunk_delay_ms);
}

/* JSON text with the placeholders replaced by their raw bytes; `cost_json` is what the
 * quoted RAW_COST placeholder becomes. Takes `text`. */
static GBytes *
raw_json (char       *text,
          const char *cost_json)
{
  static const struct {
    const char *placeholder;
    const char *raw;
    gsize       raw_len;
  } raws[] = {
    { RAW_INVALID, "\xff\xfe", 2 },
    { RAW_NUL_ESCAPE, "\\u0000", 6 },
    { RAW_NUL_BYTE, "\0", 1 },
  };
  g_autofree char *owned = text;
  GString *out = g_string_sized_new (strlen (text));
  const char *p = text;
  const char *at;

  while ((at = strstr (p, "@@fake-raw-")) != NULL)
    {
      gboolean done = FALSE;

      if (cost_json != NULL && at > p && at[-1] == '"'
          && g_str_has_prefix (at, RAW_COST "\""))
        {
          g_string_append_len (out, p, at - 1 - p);
          g_string_append (out, cost_json);
          p = at + strlen (RAW_COST "\"");
          continue;
        }
      for (gsize i = 0; i < G_N_ELEMENTS (raws) && !done; i++)
        if (g_str_has_prefix (at, raws[i].placeholder))
          {
            g_string_append_len (out, p, at - p);
            g_string_append_len (out, raws[i].raw, raws[i].raw_len);
            p = at + strlen (raws[i].placeholder);
            done = TRUE;
          }
      if (!done)
        {
          g_string_append_len (out, p, at + 1 - p);
          p = at + 1;
        }
    }
  g_string_append (out, p);
  return g_string_free_to_bytes (out);
}

static void
set_bytes_response (SoupServerMessage *msg,
                    guint              status,
                    const char        *content_type,
                    GBytes            *bytes)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, data, size);
}

static void
set_json_response (SoupServerMessage *msg,
                   guint              status,
                   JsonObject        *object)
{
  char *text = object_to_string (object);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text,
                                    strlen (text));
}

static void
set_error_response (SoupServerMessage *msg,
                    guint              status,
                    const char        *message,
                    guint              retry_after_s)
{
  g_autoptr(JsonObject) root = json_object_new ();
  JsonObject *error = json_object_new ();

  json_object_set_int_member (error, "code", status);
  json_object_set_string_member (error, "message", message);
  json_object_set_object_member (root, "error", error);
  set_json_response (msg, status, root);

  if (retry_after_s > 0)
    {
      g_autofree char *value = g_strdup_printf ("%u", retry_after_s);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", value);
    }
}

static const char *
failure_message (guint status)
{
  switch (status)
    {
    case 400: return "Invalid request";
    case 401: return "No auth credentials found";
    case 402: return "Insufficient credits. Add more using https://openrouter.ai/credits";
    case 403: return "Input flagged by moderation";
    case 404: return "Not found";
    case 408: return "Request timed out";
    case 429: return "Rate limit exceeded: free-models-per-min";
    case 502: return "Provider returned error";
    case 503: return "No available provider";
    default:  return status >= 500 ? "Internal Server Error" : "Request failed";
    }
}

/* ---- what a model answers ---------------------------------------------------------- */

/* The concatenated text of the messages with `role` (NULL: all). */
static char *
messages_text (JsonObject *request,
               const char *role)
{
  g_autoptr(GString) text = g_string_new (NULL);
  JsonNode *node = json_object_has_member (request, "messages")
                   ? json_object_get_member (request, "messages") : NULL;
  JsonArray *messages;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return g_string_free (g_steal_pointer (&text), FALSE);

  messages = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonNode *element = json_array_get_element (messages, i);
      JsonObject *message;
      const char *content;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      message = json_node_get_object (element);
      if (role != NULL && g_strcmp0 (get_string (message, "role"), role) != 0)
        continue;
      content = get_string (message, "content");
      if (content != NULL)
        {
          g_string_append (text, content);
          g_string_append_c (text, '\n');
        }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* What a judge sees of one output. */
typedef struct
{
  double  base;     /* its first SCORE= (DEFAULT_SCORE without one) */
  char   *vendor;   /* nullable: of its MODEL= */
  glong   length;   /* characters */
} Judged;

static void
judged_clear (Judged *judged)
{
  g_clear_pointer (&judged->vendor, g_free);
}

static gboolean
is_nonce (const char *p)
{
  for (guint i = 0; i < NONCE_LENGTH; i++)
    if (!g_ascii_isdigit (p[i]) && !(p[i] >= 'a' && p[i] <= 'f'))
      return FALSE;
  return TRUE;
}

/* The first line from `from` that is exactly `prefix` + a nonce (`nonce`, or any when it is
 * empty, then copied into it). Returns where the line after it starts; `*line` is where
 * the marker line starts. */
static const char *
find_marker (const char *from,
             const char *prefix,
             char        nonce[NONCE_LENGTH + 1],
             const char **line)
{
  gsize prefix_len = strlen (prefix);
  const char *p = from;

  while (p != NULL && *p != '\0')
    {
      const char *newline = strchr (p, '\n');
      gsize len = newline != NULL ? (gsize) (newline - p) : strlen (p);

      if (len > 0 && p[len - 1] == '\r')
        len--;
      if (len == prefix_len + NONCE_LENGTH && strncmp (p, prefix, prefix_len) == 0
          && is_nonce (p + prefix_len)
          && (nonce[0] == '\0' || strncmp (p + prefix_len, nonce, NONCE_LENGTH) == 0))
        {
          memcpy (nonce, p + prefix_len, NONCE_LENGTH);
          nonce[NONCE_LENGTH] = '\0';
          if (line != NULL)
            *line = p;
          return newline != NULL ? newline + 1 : p + strlen (p);
        }
      p = newline != NULL ? newline + 1 : NULL;
    }
  return NULL;
}

/* The text between "BEGIN OUTPUT <label><nonce>" and "END OUTPUT <label><nonce>"; only the
 * END line with the nonce closes it. NULL without the BEGIN line. */
static char *
quoted_block (const char *text,
              const char *label,
              char        nonce[NONCE_LENGTH + 1])
{
  g_autofree char *begin = g_strdup_printf ("BEGIN OUTPUT %s", label);
  g_autofree char *end = g_strdup_printf ("END OUTPUT %s", label);
  const char *start = find_marker (text, begin, nonce, NULL);
  const char *stop = NULL;

  if (start == NULL)
    return NULL;
  if (find_marker (start, end, nonce, &stop) == NULL)
    stop = start + strlen (start);
  else if (stop > start && stop[-1] == '\n')
    {
      stop--;
      if (stop > start && stop[-1] == '\r')
        stop--;
    }
  return g_strndup (start, stop - start);
}

/* The number after the first (or last) "SCORE=" followed by a digit. */
static gboolean
find_score (const char *text,
            gboolean    last,
            double     *score)
{
  const char *found = NULL;
  const char *p = text;

  while ((p = strstr (p, "SCORE=")) != NULL)
    {
      if (g_ascii_isdigit (p[strlen ("SCORE=")]))
        {
          found = p;
          if (!last)
            break;
        }
      p += strlen ("SCORE=");
    }
  if (found == NULL)
    return FALSE;
  *score = g_ascii_strtod (found + strlen ("SCORE="), NULL);
  return TRUE;
}

/* The vendor (before '/') of the model after the first (or last) "MODEL=". */
static char *
find_vendor (const char *text,
             gboolean    last)
{
  const char *found = NULL;
  const char *p = text;
  gsize len;

  while ((p = strstr (p, "MODEL=")) != NULL)
    {
      found = p;
      if (!last)
        break;
      p += strlen ("MODEL=");
    }
  if (found == NULL)
    return NULL;
  found += strlen ("MODEL=");
  len = strcspn (found, "/ \t\r\n");
  return len > 0 ? g_strndup (found, len) : NULL;
}

static void
judged_from_block (Judged     *judged,
                   const char *block)
{
  if (!find_score (block, FALSE, &judged->base))
    judged->base = DEFAULT_SCORE;
  judged->vendor = find_vendor (block, FALSE);
  judged->length = g_utf8_strlen (block, -1);
}

/* Without marker lines: the last SCORE= and MODEL= of the user text, and the text between
 * the last <output> and </output> as the output. */
static void
judged_from_text (Judged     *judged,
                  const char *text)
{
  const char *open = g_strrstr (text, "<output>");
  const char *close = open != NULL ? strstr (open, "</output>") : NULL;

  if (!find_score (text, TRUE, &judged->base))
    judged->base = DEFAULT_SCORE;
  judged->vendor = find_vendor (text, TRUE);
  if (close != NULL)
    {
      g_autofree char *output = g_strndup (open + strlen ("<output>"),
                                           close - open - strlen ("<output>"));

      judged->length = g_utf8_strlen (g_strstrip (output), -1);
    }
}

static double
judge_score (const FakeModel *judge,
             const char      *judge_id,
             const Judged    *judged,
             GRand           *rand)
{
  g_autofree char *judge_vendor = g_strndup (judge_id, strcspn (judge_id, "/"));
  double score = judged->base + judge->judge_offset
                 + judge->judge_length_bias * judged->length / 1000.0;
  double noise = rand_normal (rand);

  if (judged->vendor != NULL && g_str_equal (judged->vendor, judge_vendor))
    score += judge->judge_self_bonus;
  score += judge->judge_noise * noise;
  return CLAMP (score, 0.0, 10.0);
}

/* Whole numbers as JSON integers, as a judge writes them; else two decimals. */
static void
set_score_member (JsonObject *object,
                  const char *name,
                  double      score)
{
  double rounded = round (score * 100) / 100;

  if (rounded == floor (rounded))
    json_object_set_int_member (object, name, (gint64) rounded);
  else
    json_object_set_double_member (object, name, rounded);
}

static char *
format_score (double score)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.2f", score));
}

static GRand *
judge_rand (const char *judge_id,
            JsonObject *request)
{
  g_autofree char *all_text = messages_text (request, NULL);
  g_autofree char *seed = g_strdup_printf ("judge\n%s\n%s", judge_id, all_text);

  return rand_for (seed);
}

static char *
judgment_content (const FakeModel *judge,
                  const char      *judge_id,
                  JsonObject      *schema,
                  JsonObject      *request)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(GRand) rand = judge_rand (judge_id, request);
  g_autofree char *user_text = messages_text (request, "user");
  g_autofree char *block = NULL;
  g_autofree char *base = NULL;
  g_autofree char *reasoning = NULL;
  char nonce[NONCE_LENGTH + 1] = "";
  JsonObject *criteria = json_object_new ();
  JsonObject *criteria_props = get_object (get_object (get_object (schema, "properties"),
                                                       "criteria"), "properties");
  Judged judged = { 0 };

  block = quoted_block (user_text, "", nonce);
  if (block != NULL)
    judged_from_block (&judged, block);
  else
    judged_from_text (&judged, user_text);

  base = format_score (judged.base);
  reasoning = g_strdup_printf ("Fake judgment: the output's base score is %s.", base);
  json_object_set_string_member (root, "reasoning", reasoning);
  if (criteria_props != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (criteria_props);

      for (GList *l = names; l != NULL; l = l->next)
        set_score_member (criteria, l->data, judge_score (judge, judge_id, &judged, rand));
    }
  json_object_set_object_member (root, "criteria", criteria);
  json_object_set_array_member (root, "violations", json_array_new ());
  judged_clear (&judged);
  return object_to_string (root);
}

static char *
pairwise_content (const FakeModel *judge,
                  const char      *judge_id,
                  JsonObject      *request)
{
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(GRand) rand = judge_rand (judge_id, request);
  g_autofree char *user_text = messages_text (request, "user");
  g_autofree char *block_a = NULL;
  g_autofree char *block_b = NULL;
  g_autofree char *text_a = NULL;
  g_autofree char *text_b = NULL;
  g_autofree char *reasoning = NULL;
  char nonce[NONCE_LENGTH + 1] = "";
  Judged a = { .base = DEFAULT_SCORE }, b = { .base = DEFAULT_SCORE };
  double score_a, score_b;
  const char *winner;

  block_a = quoted_block (user_text, "A ", nonce);
  if (block_a != NULL)
    {
      judged_from_block (&a, block_a);
      block_b = quoted_block (user_text, "B ", nonce);
      if (block_b != NULL)
        judged_from_block (&b, block_b);
    }

  score_a = judge_score (judge, judge_id, &a, rand);
  score_b = judge_score (judge, judge_id, &b, rand);
  if (g_rand_double (rand) < judge->judge_position_bias)
    winner = "A";
  else if (fabs (score_a - score_b) <= judge->judge_tie_margin)
    winner = "tie";
  else
    winner = score_a > score_b ? "A" : "B";

  text_a = format_score (score_a);
  text_b = format_score (score_b);
  reasoning = g_strdup_printf ("Fake pairwise judgment: A scores %s, B scores %s.", text_a,
                               text_b);
  json_object_set_string_member (root, "reasoning", reasoning);
  json_object_set_string_member (root, "winner", winner);
  judged_clear (&a);
  judged_clear (&b);
  return object_to_string (root);
}

/* "SCORE=<x.x> MODEL=<id>\n" and filler: see "True quality" in fake-server.h. */
static char *
quality_content (Script     *script,
                 const char *model,
                 JsonObject *request)
{
  static const char * const words[] = {
    "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed",
    "do", "eiusmod", "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna",
  };
  const FakeModel *behaviour = &script->behaviour;
  g_autofree char *user_text = messages_text (request, "user");
  char *user_hash = sha256_of (user_text);
  guint earlier = GPOINTER_TO_UINT (g_hash_table_lookup (script->seen, user_hash));
  g_autofree char *seed = g_strdup_printf ("quality\n%s\n%s\n%u", model, user_hash, earlier);
  g_autoptr(GRand) rand = rand_for (seed);
  GString *text = g_string_new (NULL);
  char score[G_ASCII_DTOSTR_BUF_SIZE];
  double x;
  guint length, header;

  g_hash_table_replace (script->seen, user_hash, GUINT_TO_POINTER (earlier + 1));

  x = CLAMP (behaviour->quality + behaviour->quality_noise * rand_normal (rand), 0.0, 10.0);
  length = behaviour->length_min;
  if (behaviour->length_max > behaviour->length_min)
    length += (guint) g_rand_int_range (rand, 0,
                                        (gint32) (behaviour->length_max
                                                  - behaviour->length_min + 1));

  g_string_append_printf (text, "SCORE=%s MODEL=%s\n",
                          g_ascii_formatd (score, sizeof score, "%.1f", x), model);
  header = text->len;
  while (text->len < header + length)
    {
      g_string_append (text, words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]);
      g_string_append_c (text, ' ');
    }
  g_string_truncate (text, header + length);
  return g_string_free (text, FALSE);
}

/* A small instance of `schema`, so unscripted structured answers are valid JSON. */
static JsonNode *
schema_example (JsonObject *schema,
                guint       depth)
{
  JsonNode *node = json_node_alloc ();
  const char *type = get_string (schema, "type");

  if (schema != NULL && type == NULL && json_object_has_member (schema, "type"))
    {
      JsonNode *types = json_object_get_member (schema, "type");

      if (JSON_NODE_HOLDS_ARRAY (types) && json_array_get_length (json_node_get_array (types)))
        type = json_array_get_string_element (json_node_get_array (types), 0);
    }
  if (type == NULL)
    type = get_object (schema, "properties") != NULL ? "object" : "string";

  if (depth > 8)
    return json_node_init_null (node);

  if (schema != NULL && json_object_has_member (schema, "enum"))
    {
      JsonNode *values = json_object_get_member (schema, "enum");

      if (JSON_NODE_HOLDS_ARRAY (values) && json_array_get_length (json_node_get_array (values)))
        {
          json_node_unref (node);
          return json_node_copy (json_array_get_element (json_node_get_array (values), 0));
        }
    }

  if (g_str_equal (type, "object"))
    {
      JsonObject *object = json_object_new ();
      JsonObject *properties = get_object (schema, "properties");

      if (properties != NULL)
        {
          g_autoptr(GList) names = json_object_get_members (properties);

          for (GList *l = names; l != NULL; l = l->next)
            json_object_set_member (object, l->data,
                                    schema_example (get_object (properties, l->data),
                                                    depth + 1));
        }
      json_node_init_object (node, object);
      json_object_unref (object);
      return node;
    }
  if (g_str_equal (type, "array"))
    {
      JsonArray *array = json_array_new ();

      json_node_init_array (node, array);
      json_array_unref (array);
      return node;
    }
  if (g_str_equal (type, "integer") || g_str_equal (type, "number"))
    return json_node_init_int (node, 0);
  if (g_str_equal (type, "boolean"))
    return json_node_init_boolean (node, FALSE);
  if (g_str_equal (type, "null"))
    return json_node_init_null (node);
  return json_node_init_string (node, "example");
}

static char *
answer_content (FakeServer *self,
                Script     *script,
                JsonObject *request,
                const char *model)
{
  const FakeModel *behaviour = script != NULL ? &script->behaviour : NULL;
  static const FakeModel unscripted = { 0 };
  JsonObject *format = get_object (request, "response_format");
  const char *type = get_string (format, "type");

  if (behaviour != NULL && behaviour->replies != NULL && behaviour->replies[0] != NULL)
    {
      guint n = g_strv_length ((char **) behaviour->replies);

      return g_strdup (behaviour->replies[MIN (script->answered, n - 1)]);
    }
  if (behaviour != NULL && behaviour->content != NULL)
    return g_strdup (behaviour->content);

  if (g_strcmp0 (type, "json_schema") == 0)
    {
      JsonObject *json_schema = get_object (format, "json_schema");
      JsonObject *schema = get_object (json_schema, "schema");
      const char *name = get_string (json_schema, "name");

      if (g_strcmp0 (name, "judgment") == 0)
        return judgment_content (behaviour != NULL ? behaviour : &unscripted, model, schema,
                                 request);
      if (g_strcmp0 (name, "pairwise") == 0)
        return pairwise_content (behaviour != NULL ? behaviour : &unscripted, model, request);
    }

  if (behaviour != NULL && behaviour->has_quality)
    return quality_content (script, model, request);

  if (g_strcmp0 (type, "json_schema") == 0)
    {
      g_autoptr(JsonNode) example =
        schema_example (get_object (get_object (format, "json_schema"), "schema"), 0);

      return json_to_string (example, FALSE);
    }
  if (g_strcmp0 (type, "json_object") == 0)
    return g_strdup ("{}");

  return g_strdup_printf ("Fake answer from %s.", model);
}

/* ---- bytes that are not clean ------------------------------------------------------- */

typedef struct
{
  double      fraction;      /* of the piece's length, on a character boundary */
  const char *placeholder;
} Insert;

static void
insert_placeholders (char         **text,
                     const Insert  *inserts,
                     guint          n)
{
  gsize len = strlen (*text);
  GString *out = g_string_new (NULL);
  gsize copied = 0;

  /* `inserts` are in rising order of fraction */
  for (guint i = 0; i < n; i++)
    {
      gsize at = (gsize) (len * inserts[i].fraction);

      while (at > 0 && at < len && (((guchar) (*text)[at]) & 0xC0) == 0x80)
        at--;
      at = MAX (at, copied);
      g_string_append_len (out, *text + copied, at - copied);
      g_string_append (out, inserts[i].placeholder);
      copied = at;
    }
  g_string_append (out, *text + copied);
  g_free (*text);
  *text = g_string_free (out, FALSE);
}

/* invalid_utf8 and nul_in_delta: placeholders in the content's pieces (one piece when not
 * streamed), replaced by raw bytes once the JSON is written. */
static void
decorate_pieces (GPtrArray       *pieces,
                 const FakeModel *behaviour)
{
  if (!behaviour->invalid_utf8 && !behaviour->nul_in_delta)
    return;
  if (pieces->len == 0)
    g_ptr_array_add (pieces, g_strdup (""));

  if (pieces->len == 1)
    {
      Insert inserts[3];
      guint n = 0;

      if (behaviour->nul_in_delta)
        inserts[n++] = (Insert) { 1.0 / 3, RAW_NUL_ESCAPE };
      if (behaviour->invalid_utf8)
        inserts[n++] = (Insert) { 0.5, RAW_INVALID };
      if (behaviour->nul_in_delta)
        inserts[n++] = (Insert) { 2.0 / 3, RAW_NUL_BYTE };
      insert_placeholders ((char **) &g_ptr_array_index (pieces, 0), inserts, n);
      return;
    }

  if (behaviour->nul_in_delta)
    {
      Insert escape = { 0.5, RAW_NUL_ESCAPE };
      Insert byte = { 0.5, RAW_NUL_BYTE };

      insert_placeholders ((char **) &g_ptr_array_index (pieces, 0), &escape, 1);
      insert_placeholders ((char **) &g_ptr_array_index (pieces, pieces->len - 1), &byte, 1);
    }
  if (behaviour->invalid_utf8)
    {
      Insert invalid = { 0.25, RAW_INVALID };

      insert_placeholders ((char **) &g_ptr_array_index (pieces, pieces->len / 2), &invalid,
                           1);
    }
}

/* ---- completions and chunks -------------------------------------------------------- */

/* What every completion and chunk of one answer carries. */
typedef struct
{
  const char *id;
  const char *model;
  const char *provider;
  const char *native_finish_reason;  /* nullable: the finish reason */
  const char *cost_json;             /* nullable: raw usage.cost */
  JsonObject *usage;
} Head;

static JsonObject *
usage_object (gint64      prompt_tokens,
              gint64      completion_tokens,
              gint64      reasoning_tokens,
              gboolean    with_cost,
              double      cost,
              const char *cost_json)
{
  JsonObject *usage = json_object_new ();
  JsonObject *prompt_details = json_object_new ();
  JsonObject *completion_details = json_object_new ();

  json_object_set_int_member (usage, "prompt_tokens", prompt_tokens);
  json_object_set_int_member (usage, "completion_tokens", completion_tokens);
  json_object_set_int_member (usage, "total_tokens", prompt_tokens + completion_tokens);
  if (cost_json != NULL)
    json_object_set_string_member (usage, "cost", RAW_COST);
  else if (with_cost)
    json_object_set_double_member (usage, "cost", cost);
  json_object_set_int_member (prompt_details, "cached_tokens", 0);
  json_object_set_object_member (usage, "prompt_tokens_details", prompt_details);
  json_object_set_int_member (completion_details, "reasoning_tokens", reasoning_tokens);
  json_object_set_object_member (usage, "completion_tokens_details", completion_details);
  return usage;
}

static JsonObject *
completion_head (const Head *head,
                 gboolean    chunk)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", head->id);
  json_object_set_string_member (object, "provider", head->provider);
  json_object_set_string_member (object, "model", head->model);
  json_object_set_string_member (object, "object",
                                 chunk ? "chat.completion.chunk" : "chat.completion");
  json_object_set_int_member (object, "created", g_get_real_time () / G_USEC_PER_SEC);
  return object;
}

static void
set_finish (JsonObject *choice,
            const Head *head,
            const char *finish_reason)
{
  json_object_set_string_member (choice, "finish_reason", finish_reason);
  json_object_set_string_member (choice, "native_finish_reason",
                                 head->native_finish_reason != NULL
                                 ? head->native_finish_reason : finish_reason);
}

static GBytes *
sse_event (const Head *head,
           JsonObject *object)
{
  g_autofree char *json = object_to_string (object);

  return raw_json (g_strdup_printf ("data: %s\n\n", json), head->cost_json);
}

static JsonObject *
delta_chunk (const Head *head,
             const char *text,
             const char *finish_reason)
{
  JsonObject *chunk = completion_head (head, TRUE);
  JsonArray *choices = json_array_new ();
  JsonObject *choice = json_object_new ();
  JsonObject *delta = json_object_new ();

  json_object_set_string_member (delta, "role", "assistant");
  json_object_set_string_member (delta, "content", text);
  json_object_set_int_member (choice, "index", 0);
  json_object_set_object_member (choice, "delta", delta);
  if (finish_reason != NULL)
    set_finish (choice, head, finish_reason);
  else
    json_object_set_null_member (choice, "finish_reason");
  json_array_add_object_element (choices, choice);
  json_object_set_array_member (chunk, "choices", choices);
  return chunk;
}

static GBytes *
delta_event (const Head *head,
             const char *text,
             const char *finish_reason)
{
  g_autoptr(JsonObject) chunk = delta_chunk (head, text, finish_reason);

  return sse_event (head, chunk);
}

static GBytes *
usage_event (const Head *head)
{
  g_autoptr(JsonObject) chunk = completion_head (head, TRUE);

  json_object_set_array_member (chunk, "choices", json_array_new ());
  json_object_set_object_member (chunk, "usage", json_object_ref (head->usage));
  return sse_event (head, chunk);
}

static GBytes *
error_event (const Head *head)
{
  g_autoptr(JsonObject) chunk = completion_head (head, TRUE);
  JsonObject *error = json_object_new ();
  JsonArray *choices = json_array_new ();
  JsonObject *choice = json_object_new ();
  JsonObject *delta = json_object_new ();

  json_object_set_int_member (error, "code", 502);
  json_object_set_string_member (error, "message", MIDSTREAM_MESSAGE);
  json_object_set_object_member (chunk, "error", error);
  json_object_set_string_member (delta, "content", "");
  json_object_set_int_member (choice, "index", 0);
  json_object_set_object_member (choice, "delta", delta);
  json_object_set_string_member (choice, "finish_reason", "error");
  json_object_set_string_member (choice, "native_finish_reason", "error");
  json_array_add_object_element (choices, choice);
  json_object_set_array_member (chunk, "choices", choices);
  return sse_event (head, chunk);
}

/* Splits `text` (up to `length` bytes) into a handful of pieces on character boundaries. */
static GPtrArray *
content_pieces (const char *text,
                gsize       length)
{
  GPtrArray *pieces = g_ptr_array_new_with_free_func (g_free);
  gsize piece = MAX (4, length / 6);
  const char *p = text;
  const char *end = text + length;

  while (p < end)
    {
      const char *stop = p + MIN (piece, (gsize) (end - p));

      while (stop < end && (((guchar) *stop) & 0xC0) == 0x80)
        stop++;
      g_ptr_array_add (pieces, g_strndup (p, stop - p));
      p = stop;
    }
  return pieces;
}

static gsize
half_length (const char *content)
{
  gsize length = strlen (content);
  gsize half = length / 2;

  while (half > 0 && half < length && (((guchar) content[half]) & 0xC0) == 0x80)
    half--;
  return half;
}

static GBytes *
keepalive_comment (void)
{
  /* OpenRouter's keep-alive comment, with CRLF to exercise both line endings */
  return g_bytes_new_static (": OPENROUTER PROCESSING\r\n\r\n",
                             strlen (": OPENROUTER PROCESSING\r\n\r\n"));
}

typedef enum {
  STREAM_NORMAL,
  STREAM_MIDSTREAM_ERROR,        /* half the content, then an error chunk */
  STREAM_ERROR_AFTER_USAGE,      /* half the content, usage, then an error chunk */
} StreamKind;

static GPtrArray *
stream_chunks (const Head      *head,
               const FakeModel *behaviour,
               const char      *content,
               StreamKind       kind)
{
  GPtrArray *chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) pieces = NULL;

  g_ptr_array_add (chunks, keepalive_comment ());

  pieces = content_pieces (content, kind == STREAM_NORMAL ? strlen (content)
                                                          : half_length (content));
  decorate_pieces (pieces, behaviour);
  for (guint i = 0; i < pieces->len; i++)
    {
      g_autoptr(GBytes) event = delta_event (head, g_ptr_array_index (pieces, i), NULL);
      gsize size = g_bytes_get_size (event);

      if (i == 0 && size > 8)
        {
          /* one SSE line split over two writes, as proxies do */
          g_ptr_array_add (chunks, g_bytes_new_from_bytes (event, 0, size / 2));
          g_ptr_array_add (chunks, g_bytes_new_from_bytes (event, size / 2, size - size / 2));
        }
      else
        g_ptr_array_add (chunks, g_steal_pointer (&event));
    }

  if (kind == STREAM_ERROR_AFTER_USAGE)
    g_ptr_array_add (chunks, usage_event (head));
  if (kind != STREAM_NORMAL)
    {
      g_ptr_array_add (chunks, error_event (head));
      return chunks;
    }

  g_ptr_array_add (chunks, delta_event (head, "", "stop"));
  g_ptr_array_add (chunks, usage_event (head));
  g_ptr_array_add (chunks, g_bytes_new_static ("data: [DONE]\n\n", strlen ("data: [DONE]\n\n")));
  return chunks;
}

/* One data line of `line_bytes` bytes (its content padded with 'x'), in GIANT_PIECE
 * writes, then the end of a normal answer. */
static GPtrArray *
giant_chunks (const Head *head,
              gsize       line_bytes)
{
  GPtrArray *chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GBytes) template = delta_event (head, RAW_GIANT, NULL);
  const char *text = g_bytes_get_data (template, NULL);
  const char *at = strstr (text, RAW_GIANT);
  gsize prefix = at - text;
  gsize suffix = strlen (at + strlen (RAW_GIANT));   /* ends with "\n\n" */
  gsize around = prefix + suffix - 2;
  gsize padding = line_bytes > around ? line_bytes - around : 0;
  GString *line = g_string_sized_new (prefix + padding + suffix);
  g_autoptr(GBytes) whole = NULL;
  gsize size;

  g_string_append_len (line, text, prefix);
  for (gsize i = 0; i < padding; i++)
    g_string_append_c (line, 'x');
  g_string_append (line, at + strlen (RAW_GIANT));
  whole = g_string_free_to_bytes (line);
  size = g_bytes_get_size (whole);

  g_ptr_array_add (chunks, keepalive_comment ());
  for (gsize offset = 0; offset < size; offset += GIANT_PIECE)
    g_ptr_array_add (chunks, g_bytes_new_from_bytes (whole, offset,
                                                     MIN (GIANT_PIECE, size - offset)));
  g_ptr_array_add (chunks, delta_event (head, "", "stop"));
  g_ptr_array_add (chunks, usage_event (head));
  g_ptr_array_add (chunks, g_bytes_new_static ("data: [DONE]\n\n", strlen ("data: [DONE]\n\n")));
  return chunks;
}

static GPtrArray *
raw_stream_chunks (const char * const *raw)
{
  GPtrArray *chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (; *raw != NULL; raw++)
    g_ptr_array_add (chunks, g_bytes_new (*raw, strlen (*raw)));
  return chunks;
}

/* A whole (not streamed) completion; `error` adds a top-level error object (a failure
 * after the status line was sent). */
static GBytes *
completion_body (const Head      *head,
                 const FakeModel *behaviour,
                 const char      *content,
                 gboolean         with_choice,
                 gboolean         with_usage,
                 gboolean         error)
{
  g_autoptr(JsonObject) root = completion_head (head, FALSE);

  if (with_choice)
    {
      g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func (g_free);
      JsonArray *choices = json_array_new ();
      JsonObject *choice = json_object_new ();
      JsonObject *message = json_object_new ();

      g_ptr_array_add (pieces, g_strdup (content));
      decorate_pieces (pieces, behaviour);
      json_object_set_string_member (message, "role", "assistant");
      json_object_set_string_member (message, "content", g_ptr_array_index (pieces, 0));
      json_object_set_int_member (choice, "index", 0);
      set_finish (choice, head, "stop");
      json_object_set_object_member (choice, "message", message);
      json_array_add_object_element (choices, choice);
      json_object_set_array_member (root, "choices", choices);
    }
  if (with_usage)
    json_object_set_object_member (root, "usage", json_object_ref (head->usage));
  if (error)
    {
      JsonObject *error_obj = json_object_new ();

      json_object_set_int_member (error_obj, "code", 502);
      json_object_set_string_member (error_obj, "message", MIDSTREAM_MESSAGE);
      json_object_set_object_member (root, "error", error_obj);
    }
  return raw_json (object_to_string (root), head->cost_json);
}

/* Applies to the first `times` calls: 0 with `always_when_zero`, and G_MAXUINT, mean all. */
static gboolean
applies_to_call (guint    call,
                 guint    times,
                 gboolean always_when_zero)
{
  if (times == G_MAXUINT || (times == 0 && always_when_zero))
    return TRUE;
  return call < times;
}

static void
echo_key_error (SoupServerMessage *msg,
                FakeRequest       *record,
                guint              status)
{
  g_autoptr(GString) message = g_string_new ("The provider rejected the credentials it was "
                                             "given for this request; check that the key "
                                             "is active and has access to the model. ");

  /* the key after 180 characters: a 200-byte cut keeps about 20 of its characters */
  while (message->len < 180)
    g_string_append_c (message, '.');
  g_string_truncate (message, 180);
  g_string_append_printf (message, " The request said: %s. Nothing else to add.",
                          record->authorization != NULL ? record->authorization : "(none)");
  set_error_response (msg, status, message->str, 0);
}

static void
handle_chat (FakeServer        *self,
             SoupServerMessage *msg,
             FakeRequest       *record)
{
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  FakeModel defaults = { 0 };
  const FakeModel *behaviour;
  JsonObject *request;
  JsonNode *stream_node;
  Script *script;
  const char *model;
  g_autofree char *content = NULL;
  g_autofree char *id = NULL;
  g_autofree char *all_text = NULL;
  g_autoptr(JsonObject) usage = NULL;
  Head head = { 0 };
  Generation *generation;
  gboolean stream = FALSE;
  gboolean after_usage;
  gint64 prompt_tokens, completion_tokens;
  double cost = DEFAULT_COST;
  double by_tokens;
  guint call;

  if (g_strcmp0 (soup_server_message_get_method (msg), "POST") != 0)
    {
      set_error_response (msg, 405, "Method not allowed", 0);
      return;
    }

  if (request_body->length == 0 ||
      !json_parser_load_from_data (parser, request_body->data, request_body->length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      set_error_response (msg, 400, "Invalid JSON body", 0);
      return;
    }
  request = json_node_get_object (json_parser_get_root (parser));
  model = get_string (request, "model");
  if (model == NULL || model[0] == '\0')
    {
      set_error_response (msg, 400, "No model specified", 0);
      return;
    }
  record->model = g_strdup (model);

  script = g_hash_table_lookup (self->scripts, model);
  if (script != NULL)
    behaviour = &script->behaviour;
  else
    {
      defaults.latency_ms = self->default_latency_ms;
      behaviour = &defaults;
    }

  call = script != NULL ? script->calls++ : 0;
  if (behaviour->echo_key_in_error && applies_to_call (call, behaviour->fail_times, TRUE))
    {
      echo_key_error (msg, record, behaviour->fail_status != 0 ? behaviour->fail_status : 401);
      return;
    }
  if (behaviour->fail_status != 0 && applies_to_call (call, behaviour->fail_times, TRUE))
    {
      set_error_response (msg, behaviour->fail_status, failure_message (behaviour->fail_status),
                          behaviour->retry_after_s);
      return;
    }

  content = answer_content (self, script, request, model);
  if (script != NULL)
    script->answered++;

  stream_node = json_object_has_member (request, "stream")
                ? json_object_get_member (request, "stream") : NULL;
  if (stream_node != NULL && JSON_NODE_HOLDS_VALUE (stream_node) &&
      json_node_get_value_type (stream_node) == G_TYPE_BOOLEAN)
    stream = json_node_get_boolean (stream_node);

  all_text = messages_text (request, NULL);
  prompt_tokens = behaviour->prompt_tokens > 0 ? behaviour->prompt_tokens
                                               : estimate_tokens (all_text);
  completion_tokens = behaviour->completion_tokens > 0 ? behaviour->completion_tokens
                                                       : estimate_tokens (content);
  if (behaviour->cost > 0)
    cost = behaviour->cost;
  else if (behaviour->bill_by_tokens
           && catalog_cost (self, model, prompt_tokens, completion_tokens,
                            behaviour->reasoning_tokens, &by_tokens))
    cost = by_tokens;
  usage = usage_object (prompt_tokens, completion_tokens, behaviour->reasoning_tokens,
                        !behaviour->no_inline_cost, cost, behaviour->cost_json);

  id = g_strdup_printf ("gen-%u", ++self->counter);
  head.id = id;
  head.model = model;
  head.provider = behaviour->provider != NULL ? behaviour->provider : DEFAULT_PROVIDER;
  head.native_finish_reason = behaviour->native_finish_reason;
  head.cost_json = behaviour->cost_json;
  head.usage = usage;

  after_usage = behaviour->midstream_error_after_usage > 0
                && applies_to_call (call, behaviour->midstream_error_after_usage, FALSE);
  if (!behaviour->midstream_error)
    {
      generation = g_new0 (Generation, 1);
      generation->id = g_strdup (id);
      generation->model = g_strdup (model);
      generation->provider = g_strdup (head.provider);
      generation->total_cost = behaviour->billed_cost > 0 ? behaviour->billed_cost : cost;
      generation->billed_json = g_strdup (behaviour->billed_cost_json);
      generation->upstream_cost = behaviour->upstream_cost;
      generation->is_byok = behaviour->is_byok;
      generation->cache_discount = behaviour->cache_discount;
      generation->generation_time_ms = behaviour->generation_time_ms;
      generation->native_finish_reason = g_strdup (behaviour->native_finish_reason);
      generation->tokens_prompt = prompt_tokens;
      generation->tokens_completion = completion_tokens;
      generation->reasoning_tokens = behaviour->reasoning_tokens;
      generation->latency_ms = behaviour->latency_ms;
      generation->misses = behaviour->generation_never ? G_MAXUINT
                                                       : behaviour->generation_404s;
      g_hash_table_replace (self->generations, generation->id, generation);
    }

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "X-Generation-Id", id);

  if (behaviour->keepalive_only)
    {
      if (stream)
        stream_start (self, msg, NULL, keepalive_comment (), "text/event-stream",
                      behaviour->latency_ms, 0);
      else
        stream_start (self, msg, NULL, g_bytes_new_static ("\n", 1), "application/json",
                      behaviour->latency_ms, 0);
      return;
    }

  if (stream)
    {
      GPtrArray *chunks;

      if (behaviour->raw_chunks != NULL)
        chunks = raw_stream_chunks (behaviour->raw_chunks);
      else if (behaviour->giant_line_bytes > 0)
        chunks = giant_chunks (&head, behaviour->giant_line_bytes);
      else
        chunks = stream_chunks (&head, behaviour, content,
                                behaviour->midstream_error ? STREAM_MIDSTREAM_ERROR
                                : after_usage ? STREAM_ERROR_AFTER_USAGE : STREAM_NORMAL);
      stream_start (self, msg, chunks, NULL, "text/event-stream", behaviour->latency_ms,
                    behaviour->chunk_delay_ms);
      return;
    }

  {
    g_autoptr(GBytes) body = NULL;

    /* OpenRouter's way for a failure after the status line was sent: a 200 with an error */
    if (behaviour->midstream_error)
      body = completion_body (&head, behaviour, content, FALSE, FALSE, TRUE);
    else if (after_usage)
      body = completion_body (&head, behaviour, content, FALSE, TRUE, TRUE);
    else
      body = completion_body (&head, behaviour, content, TRUE, TRUE, FALSE);
    set_bytes_response (msg, 200, "application/json", body);
  }
  reply_start (self, msg, NULL, NULL, behaviour->latency_ms, 0);
}

/* ---- generation, models and key ----------------------------------------------------- */

static void
handle_generation (FakeServer        *self,
                   SoupServerMessage *msg,
                   GHashTable        *query)
{
  const char *id = query != NULL ? g_hash_table_lookup (query, "id") : NULL;
  Generation *generation = id != NULL ? g_hash_table_lookup (self->generations, id) : NULL;
  g_autoptr(JsonObject) root = NULL;
  g_autoptr(GBytes) body = NULL;
  JsonObject *data;

  if (generation == NULL)
    {
      set_error_response (msg, 404, "Generation not found", 0);
      return;
    }
  if (generation->misses > 0)
    {
      if (generation->misses != G_MAXUINT)
        generation->misses--;
      set_error_response (msg, 404, "Generation not found", 0);
      return;
    }

  root = json_object_new ();
  data = json_object_new ();
  json_object_set_string_member (data, "id", generation->id);
  json_object_set_string_member (data, "model", generation->model);
  json_object_set_string_member (data, "provider_name", generation->provider);
  if (generation->billed_json != NULL)
    json_object_set_string_member (data, "total_cost", RAW_COST);
  else
    json_object_set_double_member (data, "total_cost", generation->total_cost);
  json_object_set_double_member (data, "usage", generation->total_cost);
  if (generation->upstream_cost != 0)
    json_object_set_double_member (data, "upstream_inference_cost", generation->upstream_cost);
  else
    json_object_set_null_member (data, "upstream_inference_cost");
  json_object_set_boolean_member (data, "is_byok", generation->is_byok);
  if (generation->cache_discount != 0)
    json_object_set_double_member (data, "cache_discount", generation->cache_discount);
  else
    json_object_set_null_member (data, "cache_discount");
  json_object_set_int_member (data, "tokens_prompt", generation->tokens_prompt);
  json_object_set_int_member (data, "tokens_completion", generation->tokens_completion);
  json_object_set_int_member (data, "native_tokens_prompt", generation->tokens_prompt);
  json_object_set_int_member (data, "native_tokens_completion",
                              generation->tokens_completion);
  json_object_set_int_member (data, "native_tokens_reasoning", generation->reasoning_tokens);
  json_object_set_int_member (data, "latency", generation->latency_ms + 5);
  json_object_set_int_member (data, "generation_time",
                              generation->generation_time_ms > 0
                              ? generation->generation_time_ms : generation->latency_ms + 3);
  json_object_set_string_member (data, "finish_reason", "stop");
  json_object_set_string_member (data, "native_finish_reason",
                                 generation->native_finish_reason != NULL
                                 ? generation->native_finish_reason : "stop");
  json_object_set_boolean_member (data, "streamed", FALSE);
  json_object_set_object_member (root, "data", data);
  body = raw_json (object_to_string (root), generation->billed_json);
  set_bytes_response (msg, 200, "application/json", body);
}

static void
handle_models (FakeServer        *self,
               SoupServerMessage *msg)
{
  g_autoptr(JsonObject) root = NULL;
  JsonArray *data;

  if (self->models_status != 0)
    {
      set_error_response (msg, self->models_status, failure_message (self->models_status), 0);
      return;
    }

  root = json_object_new ();
  data = json_array_new ();
  for (guint i = 0; i < self->catalog->len; i++)
    json_array_add_object_element (data, json_object_ref (g_ptr_array_index (self->catalog, i)));
  json_object_set_array_member (root, "data", data);

  if (self->models_echo_headers)
    {
      JsonObject *echo = json_object_new ();
      JsonObject *headers = json_object_new ();
      SoupMessageHeadersIter iter;
      const char *name, *value;

      soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
      while (soup_message_headers_iter_next (&iter, &name, &value))
        json_object_set_string_member (headers, name, value);
      json_object_set_object_member (echo, "headers", headers);
      json_object_set_object_member (root, "echo", echo);
    }

  set_json_response (msg, 200, root);
}

#define DEFAULT_KEY_DATA \
  "{\"label\":\"sk-or-v1-fak...e01\",\"limit\":null,\"limit_remaining\":null," \
  "\"limit_reset\":null,\"usage\":0.0123,\"usage_daily\":0.0042,\"usage_monthly\":0.0123," \
  "\"is_free_tier\":false}"

static void
handle_key (FakeServer        *self,
            SoupServerMessage *msg)
{
  g_autofree char *body = NULL;

  if (self->key_status != 0)
    {
      set_error_response (msg, self->key_status, failure_message (self->key_status), 0);
      return;
    }

  body = g_strdup_printf ("{\"data\":%s}", self->key_json != NULL ? self->key_json
                                                                  : DEFAULT_KEY_DATA);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&body), strlen (body));
}

/* ---- chat completions in flight ------------------------------------------------------- */

static void
flight_end (SoupServerMessage *msg,
            gpointer           user_data)
{
  Flight *flight = user_data;

  g_clear_signal_handler (&flight->finished_handler, flight->msg);
  g_clear_signal_handler (&flight->disconnected_handler, flight->msg);
  g_ptr_array_remove (flight->server->flights, flight);
  g_clear_object (&flight->msg);
  g_free (flight);
}

static void
flight_start (FakeServer        *self,
              SoupServerMessage *msg)
{
  Flight *flight = g_new0 (Flight, 1);

  flight->server = self;
  flight->msg = g_object_ref (msg);
  flight->finished_handler = g_signal_connect (msg, "finished", G_CALLBACK (flight_end),
                                               flight);
  flight->disconnected_handler = g_signal_connect (msg, "disconnected",
                                                   G_CALLBACK (flight_end), flight);
  g_ptr_array_add (self->flights, flight);
  self->max_in_flight = MAX (self->max_in_flight, self->flights->len);
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  FakeServer *self = user_data;
  FakeRequest *record = g_new0 (FakeRequest, 1);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *method = soup_server_message_get_method (msg);

  record->method = g_strdup (method);
  record->path = g_strdup (path);
  record->query = g_strdup (g_uri_get_query (uri));
  record->authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
  record->title = g_strdup (soup_message_headers_get_one (headers, "X-Title"));
  if (body != NULL && body->length > 0)
    record->body = g_strndup (body->data, body->length);
  g_ptr_array_add (self->requests, record);

  if (g_str_equal (path, BASE_PATH "/chat/completions"))
    {
      flight_start (self, msg);
      handle_chat (self, msg, record);
    }
  else if (g_str_equal (path, BASE_PATH "/generation") && g_str_equal (method, "GET"))
    handle_generation (self, msg, query);
  else if (g_str_equal (path, BASE_PATH "/models") && g_str_equal (method, "GET"))
    handle_models (self, msg);
  else if (g_str_equal (path, BASE_PATH "/key") && g_str_equal (method, "GET"))
    handle_key (self, msg);
  else
    set_error_response (msg, 404, "Not found", 0);

  record->status = soup_server_message_get_status (msg);
}

/* ---- public API ------------------------------------------------------------------- */

FakeServer *
fake_server_new (void)
{
  FakeServer *self = g_new0 (FakeServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  self->scripts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) script_free);
  self->catalog = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_request_free);
  self->generations = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify) generation_free);
  self->replies = g_ptr_array_new ();
  self->flights = g_ptr_array_new ();
  catalog_add_builtin (self);

  self->server = soup_server_new ("server-header", "FakeOpenRouter ", NULL);
  soup_server_add_handler (self->server, NULL, server_callback, self, NULL);

  /* libsoup's own listener: a connection may stay open between requests, as OpenRouter's
   * do (one handed over with soup_server_accept_iostream was closed after every answer).
   * It leaks the GSocket of each connection it accepts: tests/valgrind.supp. */
  {
    g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_TCP, &error);
    /* A real server's backlog is in the hundreds; GSocket's default of 10 drops SYNs when
     * 16 connections open at once, and each dropped one waits out a 1 s retry. */
    if (socket != NULL)
      g_socket_set_listen_backlog (socket, 128);
    if (socket == NULL || !g_socket_bind (socket, address, TRUE, &error)
        || !g_socket_listen (socket, &error)
        || !soup_server_listen_socket (self->server, socket, 0, &error))
      g_error ("fake server: cannot listen on 127.0.0.1: %s", error->message);
    effective = g_socket_get_local_address (socket, &error);
  }
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_assert (port > 0);
  self->url = g_strdup_printf ("http://127.0.0.1:%u" BASE_PATH, port);

  return self;
}

void
fake_server_free (FakeServer *self)
{
  if (self == NULL)
    return;

  while (self->replies->len > 0)
    reply_free (g_ptr_array_index (self->replies, self->replies->len - 1));
  while (self->flights->len > 0)
    flight_end (NULL, g_ptr_array_index (self->flights, self->flights->len - 1));
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  g_ptr_array_unref (self->replies);
  g_ptr_array_unref (self->flights);
  g_hash_table_unref (self->scripts);
  g_ptr_array_unref (self->catalog);
  g_ptr_array_unref (self->requests);
  g_hash_table_unref (self->generations);
  g_free (self->key_json);
  g_free (self->url);
  g_free (self);
}

const char *
fake_server_get_url (FakeServer *self)
{
  return self->url;
}

void
fake_server_set_model (FakeServer      *self,
                       const char      *model_id,
                       const FakeModel *behaviour)
{
  Script *script = g_new0 (Script, 1);

  g_return_if_fail (model_id != NULL);
  g_return_if_fail (behaviour != NULL);

  script->behaviour = *behaviour;
  script->content = g_strdup (behaviour->content);
  script->replies = g_strdupv ((char **) behaviour->replies);
  script->provider = g_strdup (behaviour->provider);
  script->cost_json = g_strdup (behaviour->cost_json);
  script->billed_cost_json = g_strdup (behaviour->billed_cost_json);
  script->native_finish_reason = g_strdup (behaviour->native_finish_reason);
  script->raw_chunks = g_strdupv ((char **) behaviour->raw_chunks);
  script->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  script->behaviour.content = script->content;
  script->behaviour.replies = (const char * const *) script->replies;
  script->behaviour.provider = script->provider;
  script->behaviour.cost_json = script->cost_json;
  script->behaviour.billed_cost_json = script->billed_cost_json;
  script->behaviour.native_finish_reason = script->native_finish_reason;
  script->behaviour.raw_chunks = (const char * const *) script->raw_chunks;
  g_hash_table_replace (self->scripts, g_strdup (model_id), script);

  if (!self->catalog_replaced && catalog_find (self, model_id) < 0)
    catalog_put (self, catalog_entry_new (model_id, NULL, 128000, PER_M (1.0), PER_M (2.0),
                                          CAP_STRUCTURED, 16384));
}

void
fake_server_add_catalog_model (FakeServer *self,
                               const char *model_id,
                               gint64      context_length,
                               double      price_prompt,
                               double      price_completion,
                               gboolean    structured_outputs)
{
  g_return_if_fail (model_id != NULL);

  catalog_put (self, catalog_entry_new (model_id, NULL, context_length, price_prompt,
                                        price_completion,
                                        structured_outputs ? CAP_STRUCTURED : 0,
                                        MIN (context_length, 16384)));
}

void
fake_server_set_catalog_prices (FakeServer *self,
                                const char *model_id,
                                const char *prompt,
                                const char *completion,
                                const char *request,
                                const char *internal_reasoning)
{
  gint index = catalog_find (self, model_id);
  JsonObject *pricing;

  g_return_if_fail (index >= 0);

  pricing = get_object (g_ptr_array_index (self->catalog, index), "pricing");
  if (prompt != NULL)
    json_object_set_string_member (pricing, "prompt", prompt);
  if (completion != NULL)
    json_object_set_string_member (pricing, "completion", completion);
  if (request != NULL)
    json_object_set_string_member (pricing, "request", request);
  if (internal_reasoning != NULL)
    json_object_set_string_member (pricing, "internal_reasoning", internal_reasoning);
}

void
fake_server_set_models_status (FakeServer *self,
                               guint       status)
{
  self->models_status = status;
}

void
fake_server_set_models_echo_headers (FakeServer *self,
                                     gboolean    echo)
{
  self->models_echo_headers = echo;
}

void
fake_server_set_key (FakeServer *self,
                     const char *data_json)
{
  g_free (self->key_json);
  self->key_json = g_strdup (data_json);
}

void
fake_server_set_key_status (FakeServer *self,
                            guint       status)
{
  self->key_status = status;
}

guint
fake_server_get_max_in_flight (FakeServer *self)
{
  return self->max_in_flight;
}

void
fake_server_reset_max_in_flight (FakeServer *self)
{
  self->max_in_flight = self->flights->len;
}

GPtrArray *
fake_server_get_requests (FakeServer *self)
{
  return self->requests;
}

guint
fake_server_count (FakeServer *self,
                   const char *path_suffix,
                   const char *model)
{
  guint count = 0;

  for (guint i = 0; i < self->requests->len; i++)
    {
      FakeRequest *request = g_ptr_array_index (self->requests, i);

      if (path_suffix != NULL && !g_str_has_suffix (request->path, path_suffix))
        continue;
      if (model != NULL && g_strcmp0 (request->model, model) != 0)
        continue;
      count++;
    }
  return count;
}

void
fake_server_clear_requests (FakeServer *self)
{
  g_ptr_array_set_size (self->requests, 0);
}

void
fake_server_set_default_latency (FakeServer *self,
                                 guint       latency_ms)
{
  self->default_latency_ms = latency_ms;
}

/* ---- scripts ----------------------------------------------------------------------- */

static guint
script_uint (JsonObject *object,
             const char *name)
{
  gint64 value = json_object_get_int_member_with_default (object, name, 0);

  return (guint) CLAMP (value, 0, (gint64) G_MAXUINT);
}

static gboolean
script_bool (JsonObject *object,
             const char *name)
{
  return json_object_get_boolean_member_with_default (object, name, FALSE);
}

static double
script_double (JsonObject *object,
               const char *name)
{
  return json_object_get_double_member_with_default (object, name, 0);
}

/* A count, or true for "every call". */
static guint
script_times (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node)
      && json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node) ? G_MAXUINT : 0;
  return script_uint (object, name);
}

/* A member that must be an array of strings; NULL (with `*strv` NULL) when absent. */
static gboolean
script_strv (JsonObject  *object,
             const char  *model_id,
             const char  *name,
             GStrv       *strv,
             GError     **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonNode *list;

  *strv = NULL;
  if (!json_object_has_member (object, name))
    return TRUE;

  list = json_object_get_member (object, name);
  if (!JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "model %s: %s must be an array of strings", model_id, name);
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (list), i);

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "model %s: %s must be an array of strings", model_id, name);
          return FALSE;
        }
      g_strv_builder_add (builder, json_node_get_string (item));
    }
  *strv = g_strv_builder_end (builder);
  return TRUE;
}

/* Raw JSON text: a string member is taken as the text itself ("1e999"), any other value
 * as its JSON. */
static char *
script_raw_json (JsonObject *object,
                 const char *name)
{
  JsonNode *node;

  if (!json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return json_to_string (node, FALSE);
}

static gboolean
load_script_model (FakeServer  *self,
                   const char  *model_id,
                   JsonNode    *node,
                   GError     **error)
{
  FakeModel behaviour = { 0 };
  g_auto(GStrv) reply_strv = NULL;
  g_auto(GStrv) raw_strv = NULL;
  g_autofree char *cost_json = NULL;
  g_autofree char *billed_cost_json = NULL;
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "model %s: expected an object", model_id);
      return FALSE;
    }
  object = json_node_get_object (node);

  if (!script_strv (object, model_id, "replies", &reply_strv, error) ||
      !script_strv (object, model_id, "raw_chunks", &raw_strv, error))
    return FALSE;
  behaviour.replies = (const char * const *) reply_strv;
  behaviour.raw_chunks = (const char * const *) raw_strv;
  behaviour.content = get_string (object, "content");
  behaviour.latency_ms = script_uint (object, "latency_ms");
  behaviour.chunk_delay_ms = script_uint (object, "chunk_delay_ms");
  behaviour.fail_status = script_uint (object, "fail_status");
  behaviour.fail_times = script_uint (object, "fail_times");
  behaviour.retry_after_s = script_uint (object, "retry_after_s");
  behaviour.midstream_error = script_bool (object, "midstream_error");
  behaviour.no_inline_cost = script_bool (object, "no_inline_cost");
  behaviour.cost = script_double (object, "cost");
  behaviour.billed_cost = script_double (object, "billed_cost");
  behaviour.generation_404s = script_uint (object, "generation_404s");
  behaviour.generation_never = script_bool (object, "generation_never");
  behaviour.provider = get_string (object, "provider");
  behaviour.prompt_tokens = json_object_get_int_member_with_default (object, "prompt_tokens",
                                                                     0);
  behaviour.completion_tokens = json_object_get_int_member_with_default (object,
                                                                         "completion_tokens",
                                                                         0);
  behaviour.reasoning_tokens = json_object_get_int_member_with_default (object,
                                                                        "reasoning_tokens",
                                                                        0);
  behaviour.cost_json = cost_json = script_raw_json (object, "cost_json");
  behaviour.billed_cost_json = billed_cost_json = script_raw_json (object, "billed_cost_json");
  behaviour.upstream_cost = script_double (object, "upstream_cost");
  behaviour.is_byok = script_bool (object, "is_byok");
  behaviour.cache_discount = script_double (object, "cache_discount");
  behaviour.generation_time_ms = script_uint (object, "generation_time_ms");
  behaviour.native_finish_reason = get_string (object, "native_finish_reason");
  behaviour.bill_by_tokens = script_bool (object, "bill_by_tokens");
  behaviour.midstream_error_after_usage = script_times (object, "midstream_error_after_usage");
  behaviour.keepalive_only = script_bool (object, "keepalive_only");
  behaviour.giant_line_bytes = script_uint (object, "giant_line_bytes");
  behaviour.invalid_utf8 = script_bool (object, "invalid_utf8");
  behaviour.nul_in_delta = script_bool (object, "nul_in_delta");
  behaviour.echo_key_in_error = script_bool (object, "echo_key_in_error");
  behaviour.has_quality = script_bool (object, "has_quality")
                          || json_object_has_member (object, "quality");
  behaviour.quality = script_double (object, "quality");
  behaviour.quality_noise = script_double (object, "quality_noise");
  behaviour.length_min = script_uint (object, "length_min");
  behaviour.length_max = script_uint (object, "length_max");
  behaviour.judge_offset = script_double (object, "judge_offset");
  behaviour.judge_noise = script_double (object, "judge_noise");
  behaviour.judge_length_bias = script_double (object, "judge_length_bias");
  behaviour.judge_self_bonus = script_double (object, "judge_self_bonus");
  behaviour.judge_position_bias = script_double (object, "judge_position_bias");
  behaviour.judge_tie_margin = script_double (object, "judge_tie_margin");

  fake_server_set_model (self, model_id, &behaviour);
  return TRUE;
}

/* A catalog item is either a full /models entry (it has "pricing") or a shorthand:
 * {id, name?, context_length?, price_prompt?, price_completion?, structured_outputs?,
 *  output_modalities?} with prices in USD per token. */
static gboolean
load_catalog_item (FakeServer  *self,
                   JsonNode    *node,
                   GError     **error)
{
  JsonObject *object;
  const char *id;
  guint caps = 0;

  if (!JSON_NODE_HOLDS_OBJECT (node) ||
      (id = get_string (json_node_get_object (node), "id")) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "catalog: every item needs an \"id\"");
      return FALSE;
    }
  object = json_node_get_object (node);

  if (json_object_has_member (object, "pricing"))
    {
      g_autoptr(JsonNode) copy = json_node_copy (node);

      catalog_put (self, json_object_ref (json_node_get_object (copy)));
      return TRUE;
    }

  if (json_object_get_boolean_member_with_default (object, "structured_outputs", FALSE))
    caps |= CAP_STRUCTURED;
  if (json_object_has_member (object, "output_modalities"))
    {
      JsonNode *outputs = json_object_get_member (object, "output_modalities");

      if (JSON_NODE_HOLDS_ARRAY (outputs) &&
          g_strcmp0 (json_array_get_string_element (json_node_get_array (outputs), 0),
                     "image") == 0)
        caps |= CAP_IMAGE_OUT;
    }

  catalog_put (self, catalog_entry_new (id, get_string (object, "name"),
                                        json_object_get_int_member_with_default (
                                          object, "context_length", 128000),
                                        json_object_get_double_member_with_default (
                                          object, "price_prompt", 0),
                                        json_object_get_double_member_with_default (
                                          object, "price_completion", 0),
                                        caps,
                                        json_object_get_int_member_with_default (
                                          object, "max_completion_tokens", 16384)));
  return TRUE;
}

gboolean
fake_server_load_script (FakeServer  *self,
                         const char  *path,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;
  JsonObject *models;

  if (!json_parser_load_from_file (parser, path, error))
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: expected a JSON object", path);
      return FALSE;
    }
  root = json_node_get_object (json_parser_get_root (parser));

  if (json_object_has_member (root, "catalog"))
    {
      JsonNode *node = json_object_get_member (root, "catalog");
      JsonArray *items;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: \"catalog\" must be an array", path);
          return FALSE;
        }
      items = json_node_get_array (node);
      g_ptr_array_set_size (self->catalog, 0);
      self->catalog_replaced = TRUE;
      for (guint i = 0; i < json_array_get_length (items); i++)
        if (!load_catalog_item (self, json_array_get_element (items, i), error))
          {
            g_prefix_error (error, "%s: ", path);
            return FALSE;
          }
    }

  if (json_object_has_member (root, "default_latency_ms"))
    self->default_latency_ms = script_uint (root, "default_latency_ms");
  if (get_object (root, "key") != NULL)
    {
      g_autofree char *key = script_raw_json (root, "key");

      fake_server_set_key (self, key);
    }
  self->key_status = script_uint (root, "key_status");
  self->models_echo_headers = script_bool (root, "models_echo_headers");

  models = get_object (root, "models");
  if (models != NULL)
    {
      g_autoptr(GList) ids = json_object_get_members (models);

      for (GList *l = ids; l != NULL; l = l->next)
        if (!load_script_model (self, l->data, json_object_get_member (models, l->data),
                                error))
          {
            g_prefix_error (error, "%s: ", path);
            return FALSE;
          }
    }

  return TRUE;
}
