/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fake-server"

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "fake-server.h"

#define BASE_PATH          "/api/v1"
#define DEFAULT_PROVIDER   "FakeProvider"
#define DEFAULT_COST       0.001
#define MIDSTREAM_MESSAGE  "Upstream provider disconnected"

/* A scripted model: `behaviour` points into the owned copies below. */
typedef struct
{
  FakeModel  behaviour;
  char      *content;
  GStrv      replies;
  char      *provider;
  guint      calls;     /* every chat call */
  guint      answered;  /* calls that got an answer (indexes `replies`) */
} Script;

typedef struct
{
  char   *id;
  char   *model;
  char   *provider;
  double  total_cost;
  gint64  tokens_prompt;
  gint64  tokens_completion;
  gint64  reasoning_tokens;
  guint   latency_ms;
  guint   misses;      /* 404s still to answer; G_MAXUINT: never answers */
} Generation;

/* An answer held back (latency) or streamed piece by piece on the main loop. */
typedef struct
{
  FakeServer        *server;
  SoupServerMessage *msg;
  GPtrArray         *chunks;    /* NULL: the whole answer is already on the message */
  guint              next;
  guint              chunk_delay_ms;
  guint              source_id;
  gulong             finished_handler;
  gulong             disconnected_handler;
} Reply;

struct _FakeServer
{
  SoupServer *server;
  GSocketService *service;
  char       *url;
  GHashTable *scripts;       /* id → Script */
  GPtrArray  *catalog;       /* JsonObject */
  gboolean    catalog_replaced;
  guint       models_status;
  GPtrArray  *requests;      /* FakeRequest */
  GHashTable *generations;   /* id → Generation */
  guint       counter;
  guint       default_latency_ms;
  GPtrArray  *replies;       /* Reply in progress (not owned by the array) */
};

/* ---- small helpers ---------------------------------------------------------------- */

static void
script_free (Script *script)
{
  g_free (script->content);
  g_strfreev (script->replies);
  g_free (script->provider);
  g_free (script);
}

static void
generation_free (Generation *generation)
{
  g_free (generation->id);
  g_free (generation->model);
  g_free (generation->provider);
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

  reply->source_id = 0;

  if (reply->chunks != NULL)
    {
      SoupMessageBody *body = soup_server_message_get_response_body (msg);

      if (reply->next < reply->chunks->len)
        {
          const char *chunk = g_ptr_array_index (reply->chunks, reply->next++);

          soup_message_body_append (body, SOUP_MEMORY_COPY, chunk, strlen (chunk));
        }
      if (reply->next < reply->chunks->len)
        reply->source_id = g_timeout_add (reply->chunk_delay_ms, reply_step, reply);
      else
        soup_message_body_complete (body);
    }

  /* `reply` may be gone once the message finishes */
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

/* Takes `chunks`. Without chunks and latency the answer goes out as it is. */
static void
reply_start (FakeServer        *self,
             SoupServerMessage *msg,
             GPtrArray         *chunks,
             guint              latency_ms,
             guint              chunk_delay_ms)
{
  Reply *reply;

  if (chunks == NULL && latency_ms == 0)
    return;

  reply = g_new0 (Reply, 1);
  reply->server = self;
  reply->msg = g_object_ref (msg);
  reply->chunks = chunks;
  reply->chunk_delay_ms = chunk_delay_ms;
  reply->finished_handler = g_signal_connect (msg, "finished",
                                              G_CALLBACK (on_reply_finished), reply);
  reply->disconnected_handler = g_signal_connect (msg, "disconnected",
                                                  G_CALLBACK (on_reply_finished), reply);
  g_ptr_array_add (self->replies, reply);

  soup_server_message_pause (msg);
  reply->source_id = g_timeout_add (latency_ms, reply_step, reply);
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

/* ---- chat completions -------------------------------------------------------------- */

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

/* The last "SCORE=N" of the user's text wins: the judged output comes after the task. */
static gint64
find_score (const char *text)
{
  const char *found = NULL;
  const char *p = text;

  while ((p = strstr (p, "SCORE=")) != NULL)
    {
      if (g_ascii_isdigit (p[strlen ("SCORE=")]))
        found = p;
      p += strlen ("SCORE=");
    }
  if (found == NULL)
    return 7;
  return g_ascii_strtoll (found + strlen ("SCORE="), NULL, 10);
}

static char *
judgment_content (JsonObject *schema,
                  const char *user_text)
{
  g_autoptr(JsonObject) root = json_object_new ();
  JsonObject *criteria = json_object_new ();
  JsonObject *criteria_props = get_object (get_object (get_object (schema, "properties"),
                                                       "criteria"), "properties");
  gint64 score = find_score (user_text);
  g_autofree char *reasoning = g_strdup_printf ("Fake judgment: every criterion scores %"
                                                G_GINT64_FORMAT ".", score);

  json_object_set_string_member (root, "reasoning", reasoning);
  if (criteria_props != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (criteria_props);

      for (GList *l = names; l != NULL; l = l->next)
        json_object_set_int_member (criteria, l->data, score);
    }
  json_object_set_object_member (root, "criteria", criteria);
  json_object_set_array_member (root, "violations", json_array_new ());
  return object_to_string (root);
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
default_content (JsonObject *request,
                 const char *model)
{
  JsonObject *format = get_object (request, "response_format");
  const char *type = get_string (format, "type");

  if (g_strcmp0 (type, "json_schema") == 0)
    {
      JsonObject *json_schema = get_object (format, "json_schema");
      JsonObject *schema = get_object (json_schema, "schema");

      if (g_strcmp0 (get_string (json_schema, "name"), "judgment") == 0)
        {
          g_autofree char *user_text = messages_text (request, "user");

          return judgment_content (schema, user_text);
        }
      else
        {
          g_autoptr(JsonNode) example = schema_example (schema, 0);

          return json_to_string (example, FALSE);
        }
    }
  if (g_strcmp0 (type, "json_object") == 0)
    return g_strdup ("{}");

  return g_strdup_printf ("Fake answer from %s.", model);
}

static JsonObject *
usage_object (gint64   prompt_tokens,
              gint64   completion_tokens,
              gint64   reasoning_tokens,
              gboolean with_cost,
              double   cost)
{
  JsonObject *usage = json_object_new ();
  JsonObject *prompt_details = json_object_new ();
  JsonObject *completion_details = json_object_new ();

  json_object_set_int_member (usage, "prompt_tokens", prompt_tokens);
  json_object_set_int_member (usage, "completion_tokens", completion_tokens);
  json_object_set_int_member (usage, "total_tokens", prompt_tokens + completion_tokens);
  if (with_cost)
    json_object_set_double_member (usage, "cost", cost);
  json_object_set_int_member (prompt_details, "cached_tokens", 0);
  json_object_set_object_member (usage, "prompt_tokens_details", prompt_details);
  json_object_set_int_member (completion_details, "reasoning_tokens", reasoning_tokens);
  json_object_set_object_member (usage, "completion_tokens_details", completion_details);
  return usage;
}

/* The fields every completion and chunk starts with. */
static JsonObject *
completion_head (const char *id,
                 const char *model,
                 const char *provider,
                 gboolean    chunk)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", id);
  json_object_set_string_member (object, "provider", provider);
  json_object_set_string_member (object, "model", model);
  json_object_set_string_member (object, "object",
                                 chunk ? "chat.completion.chunk" : "chat.completion");
  json_object_set_int_member (object, "created", g_get_real_time () / G_USEC_PER_SEC);
  return object;
}

static char *
sse_event (JsonObject *object)
{
  g_autofree char *json = object_to_string (object);

  return g_strdup_printf ("data: %s\n\n", json);
}

static char *
delta_event (const char *id,
             const char *model,
             const char *provider,
             const char *text,
             const char *finish_reason)
{
  g_autoptr(JsonObject) chunk = completion_head (id, model, provider, TRUE);
  JsonArray *choices = json_array_new ();
  JsonObject *choice = json_object_new ();
  JsonObject *delta = json_object_new ();

  json_object_set_string_member (delta, "role", "assistant");
  json_object_set_string_member (delta, "content", text);
  json_object_set_int_member (choice, "index", 0);
  json_object_set_object_member (choice, "delta", delta);
  if (finish_reason != NULL)
    {
      json_object_set_string_member (choice, "finish_reason", finish_reason);
      json_object_set_string_member (choice, "native_finish_reason", finish_reason);
    }
  else
    json_object_set_null_member (choice, "finish_reason");
  json_array_add_object_element (choices, choice);
  json_object_set_array_member (chunk, "choices", choices);
  return sse_event (chunk);
}

/* Splits `text` (up to `length` bytes) into a handful of pieces on character boundaries. */
static void
add_content_pieces (GPtrArray  *pieces,
                    const char *text,
                    gsize       length)
{
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
}

static GPtrArray *
stream_chunks (const char   *id,
               const char   *model,
               const char   *provider,
               const char   *content,
               JsonObject   *usage,
               gboolean      midstream_error)
{
  GPtrArray *chunks = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func (g_free);
  gsize length = strlen (content);

  /* OpenRouter's keep-alive comment, with CRLF to exercise both line endings */
  g_ptr_array_add (chunks, g_strdup (": OPENROUTER PROCESSING\r\n\r\n"));

  if (midstream_error)
    {
      gsize half = length / 2;

      while (half > 0 && half < length && (((guchar) content[half]) & 0xC0) == 0x80)
        half--;
      length = half;
    }
  add_content_pieces (pieces, content, length);

  for (guint i = 0; i < pieces->len; i++)
    {
      g_autofree char *event = delta_event (id, model, provider,
                                            g_ptr_array_index (pieces, i), NULL);

      if (i == 0 && strlen (event) > 8)
        {
          /* one SSE line split over two writes, as proxies do */
          gsize cut = strlen (event) / 2;

          g_ptr_array_add (chunks, g_strndup (event, cut));
          g_ptr_array_add (chunks, g_strdup (event + cut));
        }
      else
        g_ptr_array_add (chunks, g_steal_pointer (&event));
    }

  if (midstream_error)
    {
      g_autoptr(JsonObject) chunk = completion_head (id, model, provider, TRUE);
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
      g_ptr_array_add (chunks, sse_event (chunk));
      return chunks;
    }

  g_ptr_array_add (chunks, delta_event (id, model, provider, "", "stop"));
  {
    g_autoptr(JsonObject) chunk = completion_head (id, model, provider, TRUE);

    json_object_set_array_member (chunk, "choices", json_array_new ());
    json_object_set_object_member (chunk, "usage", json_object_ref (usage));
    g_ptr_array_add (chunks, sse_event (chunk));
  }
  g_ptr_array_add (chunks, g_strdup ("data: [DONE]\n\n"));
  return chunks;
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
  const char *provider;
  g_autofree char *content = NULL;
  g_autofree char *id = NULL;
  g_autofree char *all_text = NULL;
  g_autoptr(JsonObject) usage = NULL;
  Generation *generation;
  gboolean stream = FALSE;
  gint64 prompt_tokens, completion_tokens;
  double cost;
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
  if (behaviour->fail_status != 0 &&
      (behaviour->fail_times == 0 || behaviour->fail_times == G_MAXUINT ||
       call < behaviour->fail_times))
    {
      set_error_response (msg, behaviour->fail_status, failure_message (behaviour->fail_status),
                          behaviour->retry_after_s);
      return;
    }

  if (behaviour->replies != NULL && behaviour->replies[0] != NULL)
    {
      guint n = g_strv_length ((char **) behaviour->replies);

      content = g_strdup (behaviour->replies[MIN (script->answered, n - 1)]);
    }
  else if (behaviour->content != NULL)
    content = g_strdup (behaviour->content);
  else
    content = default_content (request, model);
  if (script != NULL)
    script->answered++;

  stream_node = json_object_has_member (request, "stream")
                ? json_object_get_member (request, "stream") : NULL;
  if (stream_node != NULL && JSON_NODE_HOLDS_VALUE (stream_node) &&
      json_node_get_value_type (stream_node) == G_TYPE_BOOLEAN)
    stream = json_node_get_boolean (stream_node);

  provider = behaviour->provider != NULL ? behaviour->provider : DEFAULT_PROVIDER;
  all_text = messages_text (request, NULL);
  prompt_tokens = behaviour->prompt_tokens > 0 ? behaviour->prompt_tokens
                                               : estimate_tokens (all_text);
  completion_tokens = behaviour->completion_tokens > 0 ? behaviour->completion_tokens
                                                       : estimate_tokens (content);
  cost = behaviour->cost > 0 ? behaviour->cost : DEFAULT_COST;
  usage = usage_object (prompt_tokens, completion_tokens, behaviour->reasoning_tokens,
                        !behaviour->no_inline_cost, cost);

  id = g_strdup_printf ("gen-%u", ++self->counter);
  if (!behaviour->midstream_error)
    {
      generation = g_new0 (Generation, 1);
      generation->id = g_strdup (id);
      generation->model = g_strdup (model);
      generation->provider = g_strdup (provider);
      generation->total_cost = behaviour->billed_cost > 0 ? behaviour->billed_cost : cost;
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

  if (stream)
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
      soup_message_headers_replace (headers, "Cache-Control", "no-cache");
      reply_start (self, msg,
                   stream_chunks (id, model, provider, content, usage,
                                  behaviour->midstream_error),
                   behaviour->latency_ms, behaviour->chunk_delay_ms);
      return;
    }

  if (behaviour->midstream_error)
    {
      /* OpenRouter's way for a failure after the status line was sent: a 200 with an error */
      g_autoptr(JsonObject) root = completion_head (id, model, provider, FALSE);
      JsonObject *error = json_object_new ();

      json_object_set_int_member (error, "code", 502);
      json_object_set_string_member (error, "message", MIDSTREAM_MESSAGE);
      json_object_set_object_member (root, "error", error);
      set_json_response (msg, 200, root);
    }
  else
    {
      g_autoptr(JsonObject) root = completion_head (id, model, provider, FALSE);
      JsonArray *choices = json_array_new ();
      JsonObject *choice = json_object_new ();
      JsonObject *message = json_object_new ();

      json_object_set_string_member (message, "role", "assistant");
      json_object_set_string_member (message, "content", content);
      json_object_set_int_member (choice, "index", 0);
      json_object_set_string_member (choice, "finish_reason", "stop");
      json_object_set_string_member (choice, "native_finish_reason", "stop");
      json_object_set_object_member (choice, "message", message);
      json_array_add_object_element (choices, choice);
      json_object_set_array_member (root, "choices", choices);
      json_object_set_object_member (root, "usage", json_object_ref (usage));
      set_json_response (msg, 200, root);
    }
  reply_start (self, msg, NULL, behaviour->latency_ms, 0);
}

/* ---- generation and models --------------------------------------------------------- */

static void
handle_generation (FakeServer        *self,
                   SoupServerMessage *msg,
                   GHashTable        *query)
{
  const char *id = query != NULL ? g_hash_table_lookup (query, "id") : NULL;
  Generation *generation = id != NULL ? g_hash_table_lookup (self->generations, id) : NULL;
  g_autoptr(JsonObject) root = NULL;
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
  json_object_set_double_member (data, "total_cost", generation->total_cost);
  json_object_set_double_member (data, "usage", generation->total_cost);
  json_object_set_int_member (data, "tokens_prompt", generation->tokens_prompt);
  json_object_set_int_member (data, "tokens_completion", generation->tokens_completion);
  json_object_set_int_member (data, "native_tokens_prompt", generation->tokens_prompt);
  json_object_set_int_member (data, "native_tokens_completion",
                              generation->tokens_completion);
  json_object_set_int_member (data, "native_tokens_reasoning", generation->reasoning_tokens);
  json_object_set_int_member (data, "latency", generation->latency_ms + 5);
  json_object_set_int_member (data, "generation_time", generation->latency_ms + 3);
  json_object_set_string_member (data, "finish_reason", "stop");
  json_object_set_boolean_member (data, "streamed", FALSE);
  json_object_set_object_member (root, "data", data);
  set_json_response (msg, 200, root);
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
  set_json_response (msg, 200, root);
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
    handle_chat (self, msg, record);
  else if (g_str_equal (path, BASE_PATH "/generation") && g_str_equal (method, "GET"))
    handle_generation (self, msg, query);
  else if (g_str_equal (path, BASE_PATH "/models") && g_str_equal (method, "GET"))
    handle_models (self, msg);
  else
    set_error_response (msg, 404, "Not found", 0);

  record->status = soup_server_message_get_status (msg);
}

/* ---- public API ------------------------------------------------------------------- */

/* We accept connections ourselves and hand them to the server: libsoup 3.2's own listener
 * (soup_server_listen) leaks every accepted GSocket, and soup_server_get_uris leaks an
 * address, which would make every valgrind run of a test using this server fail. */
static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  FakeServer *self = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GError) error = NULL;

  if (!soup_server_accept_iostream (self->server, G_IO_STREAM (connection), local, remote,
                                    &error))
    g_warning ("fake server: cannot accept a connection: %s", error->message);
  return TRUE;
}

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
  catalog_add_builtin (self);

  self->server = soup_server_new ("server-header", "FakeOpenRouter ", NULL);
  soup_server_add_handler (self->server, NULL, server_callback, self, NULL);

  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, &error))
    g_error ("fake server: cannot listen on 127.0.0.1: %s", error->message);
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);

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
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_clear_object (&self->service);
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  g_ptr_array_unref (self->replies);
  g_hash_table_unref (self->scripts);
  g_ptr_array_unref (self->catalog);
  g_ptr_array_unref (self->requests);
  g_hash_table_unref (self->generations);
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
  script->behaviour.content = script->content;
  script->behaviour.replies = (const char * const *) script->replies;
  script->behaviour.provider = script->provider;
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
fake_server_set_models_status (FakeServer *self,
                               guint       status)
{
  self->models_status = status;
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
load_script_model (FakeServer  *self,
                   const char  *model_id,
                   JsonNode    *node,
                   GError     **error)
{
  FakeModel behaviour = { 0 };
  g_autoptr(GStrvBuilder) replies = g_strv_builder_new ();
  g_auto(GStrv) reply_strv = NULL;
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "model %s: expected an object", model_id);
      return FALSE;
    }
  object = json_node_get_object (node);

  behaviour.content = get_string (object, "content");
  if (json_object_has_member (object, "replies"))
    {
      JsonNode *list = json_object_get_member (object, "replies");

      if (!JSON_NODE_HOLDS_ARRAY (list))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "model %s: replies must be an array of strings", model_id);
          return FALSE;
        }
      for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
        {
          JsonNode *item = json_array_get_element (json_node_get_array (list), i);

          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "model %s: replies must be an array of strings", model_id);
              return FALSE;
            }
          g_strv_builder_add (replies, json_node_get_string (item));
        }
      reply_strv = g_strv_builder_end (replies);
      behaviour.replies = (const char * const *) reply_strv;
    }
  behaviour.latency_ms = script_uint (object, "latency_ms");
  behaviour.chunk_delay_ms = script_uint (object, "chunk_delay_ms");
  behaviour.fail_status = script_uint (object, "fail_status");
  behaviour.fail_times = script_uint (object, "fail_times");
  behaviour.retry_after_s = script_uint (object, "retry_after_s");
  behaviour.midstream_error = json_object_get_boolean_member_with_default (object,
                                                                          "midstream_error",
                                                                          FALSE);
  behaviour.no_inline_cost = json_object_get_boolean_member_with_default (object,
                                                                         "no_inline_cost",
                                                                         FALSE);
  behaviour.cost = json_object_get_double_member_with_default (object, "cost", 0);
  behaviour.billed_cost = json_object_get_double_member_with_default (object, "billed_cost", 0);
  behaviour.generation_404s = script_uint (object, "generation_404s");
  behaviour.generation_never = json_object_get_boolean_member_with_default (object,
                                                                           "generation_never",
                                                                           FALSE);
  behaviour.provider = get_string (object, "provider");
  behaviour.prompt_tokens = json_object_get_int_member_with_default (object, "prompt_tokens",
                                                                     0);
  behaviour.completion_tokens = json_object_get_int_member_with_default (object,
                                                                         "completion_tokens",
                                                                         0);
  behaviour.reasoning_tokens = json_object_get_int_member_with_default (object,
                                                                        "reasoning_tokens",
                                                                        0);

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
