/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-demo"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "tb-defaults.h"
#include "tb-demo-answer.h"
#include "tb-demo.h"
#include "tb-error.h"
#include "tb-json.h"
#include "tb-stats.h"
#include "tb-util.h"

/* The path a simulated provider serves under: it tells its base URL from any other. */
#define BASE_PATH "/taskbench-demo/api/v1"
/* The provider every answer names (one provider per model: no provider warning). */
#define PROVIDER "TaskBench simulation"
/* A streamed answer comes in this many content deltas. */
#define DELTAS 16
#define MAX_COMPLETION_TOKENS 16384

/* The cast of the demo. The numbers are tuned so that a run of the shipped lecture test set
 * (five lectures) shows each part of the verdict, and so do about three random test sets in
 * four (five inputs are few: an exact tie is called a tie about nine times in ten). The
 * README's and USAGE.md's description of them must follow any change here, and
 * test-cli-demo checks the shipped set.
 *
 * - The twins have the same quality, spread and verbosity, at prices a factor of 3.3 apart:
 *   the verdict must call them tied and say how many inputs would separate them.
 * - The budget model is clearly weaker (never tied with the best) but surely above 70, so it
 *   is the budget pick; its slips show what a failed format check looks like.
 * - The premium model is the best on average, slow and expensive: tied with the twins on a
 *   few inputs, it is not the best value.
 * - The judge scores by the answers' true quality with a little noise, and adds a disclosed
 *   bonus for length; the wordier models being also the better ones, its scores follow
 *   length and the length warning shows, as it would for a real judge. Its vendor is not
 *   the candidates', so no self-preference warning is raised for a bias it does not have. */
static const TbDemoModel demo_models[] = {
  { "simulated/premium", "the best on average, slow, expensive and uneven",
    8.55, 0.3, 1.25, 0.0, 350, 400, 5.00, 20.00, 200000, 0.2, 0.0 },
  { "simulated/twin-a", "as good as simulated/twin-b at less than a third of its price",
    8.5, 0.15, 1.0, 0.0, 120, 150, 0.30, 1.20, 131072, 0.2, 0.0 },
  { "simulated/twin-b", "as good as simulated/twin-a at 3.3 times its price",
    8.5, 0.15, 1.0, 0.0, 120, 150, 1.00, 4.00, 131072, 0.2, 0.0 },
  { "simulated/budget", "cheap, fast, clearly weaker, sometimes breaks a format rule",
    8.1, 0.15, 0.8, 0.25, 40, 60, 0.05, 0.20, 65536, 0.2, 0.0 },
  { "simulated-judge/length-bias", "the simulated judge: scores the answers' true quality with "
    "a little noise and a mild bias for longer answers",
    8.2, 0.3, 1.0, 0.0, 80, 60, 1.00, 4.00, 200000, 0.2, 0.4 },
};

static const char * const demo_candidates[] = {
  "simulated/premium", "simulated/twin-a", "simulated/twin-b", "simulated/budget", NULL
};

const TbDemoModel *
tb_demo_models (guint *n)
{
  if (n != NULL)
    *n = G_N_ELEMENTS (demo_models);
  return demo_models;
}

const TbDemoModel *
tb_demo_model (const char *model_id)
{
  for (guint i = 0; model_id != NULL && i < G_N_ELEMENTS (demo_models); i++)
    if (g_str_equal (demo_models[i].id, model_id))
      return &demo_models[i];
  return NULL;
}

gboolean
tb_demo_is_model (const char *model_id)
{
  return tb_demo_model (model_id) != NULL;
}

const char * const *
tb_demo_candidates (void)
{
  return demo_candidates;
}

gboolean
tb_demo_is_judge (const char *model_id)
{
  return model_id != NULL && g_str_has_prefix (model_id, "simulated-judge/");
}

const char *
tb_demo_judge (void)
{
  return demo_models[G_N_ELEMENTS (demo_models) - 1].id;
}

static char *
demo_model_list (void)
{
  g_autoptr(GString) list = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (demo_models); i++)
    g_string_append_printf (list, "%s%s", i > 0 ? ", " : "", demo_models[i].id);
  return g_strdup (list->str);
}

gboolean
tb_demo_check_models (const char * const  *models,
                      GError             **error)
{
  for (guint i = 0; models != NULL && models[i] != NULL; i++)
    if (!tb_demo_is_model (models[i]))
      {
        g_autofree char *list = demo_model_list ();

        g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                     _("%s is not a simulated model; the simulated provider serves only %s"),
                     models[i], list);
        return FALSE;
      }
  return TRUE;
}

GStrv
tb_demo_judges (const char   *explicit_list,
                const TbRun  *run,
                GError      **error)
{
  g_auto(GStrv) judges = tb_split_model_list (explicit_list);
  const char *fallback[] = { tb_demo_judge (), NULL };

  if (judges != NULL)
    return tb_demo_check_models ((const char * const *) judges, error)
           ? g_steal_pointer (&judges) : NULL;
  if (run != NULL && run->judges != NULL && run->judges[0] != NULL
      && tb_demo_check_models ((const char * const *) run->judges, NULL))
    return g_strdupv (run->judges);
  return g_strdupv ((char **) fallback);
}

gboolean
tb_demo_is_url (const char *base_url)
{
  g_autoptr(GUri) uri = NULL;

  if (base_url == NULL)
    return FALSE;
  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  return uri != NULL && g_strcmp0 (g_uri_get_host (uri), "127.0.0.1") == 0
         && g_str_has_prefix (g_uri_get_path (uri), BASE_PATH);
}

/* ---------------------------------------------------------------------------------------- */
/* The server                                                                                */

struct _TbDemoServer {
  GThread        *thread;
  GMainContext   *context;
  GMainLoop      *loop;
  char           *url;

  /* The thread's start-up, reported to tb_demo_server_start. */
  GMutex          lock;
  GCond           cond;
  gboolean        started;
  GError         *error;

  /* Everything below is made, used and freed on the server's thread only. */
  GSocketService *service;
  SoupServer     *server;
  GBytes         *catalog;        /* the /models body */
  GHashTable     *generations;    /* id → JsonNode: the data /generation answers */
  GHashTable     *asked;          /* model + user message → times answered */
  GPtrArray      *replies;        /* Reply*: answers still being sent */
  double          spent;          /* what /key reports as used */
  guint           serial;
};

typedef struct {
  TbDemoServer      *server;
  SoupServerMessage *msg;
  GPtrArray         *chunks;      /* GBytes*: the stream, or NULL: the body is set */
  GArray            *delays;      /* guint ms before each chunk (or before the body) */
  guint              next;
  GSource           *timer;
  gulong             finished_id;
  gulong             disconnected_id;
} Reply;

static void
reply_free (Reply *reply)
{
  g_ptr_array_remove (reply->server->replies, reply);
  if (reply->timer != NULL)
    {
      g_source_destroy (reply->timer);
      g_source_unref (reply->timer);
    }
  g_signal_handler_disconnect (reply->msg, reply->finished_id);
  g_signal_handler_disconnect (reply->msg, reply->disconnected_id);
  g_object_unref (reply->msg);
  g_clear_pointer (&reply->chunks, g_ptr_array_unref);
  g_array_unref (reply->delays);
  g_free (reply);
}

static void
on_reply_finished (SoupServerMessage *msg,
                   gpointer           user_data)
{
  reply_free (user_data);
}

static void reply_schedule (Reply *reply);

static gboolean
reply_step (gpointer user_data)
{
  Reply *reply = user_data;
  g_autoptr(SoupServerMessage) msg = g_object_ref (reply->msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  gboolean more = FALSE;

  g_source_unref (reply->timer);
  reply->timer = NULL;
  if (reply->chunks != NULL)
    {
      soup_message_body_append_bytes (body, g_ptr_array_index (reply->chunks, reply->next++));
      more = reply->next < reply->chunks->len;
      if (!more)
        soup_message_body_complete (body);
    }
  if (more)
    reply_schedule (reply);
  /* `reply` may be freed once the message finishes. */
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

static void
reply_schedule (Reply *reply)
{
  guint delay = g_array_index (reply->delays, guint, MIN (reply->next, reply->delays->len - 1));

  reply->timer = g_timeout_source_new (delay);
  g_source_set_callback (reply->timer, reply_step, reply, NULL);
  g_source_attach (reply->timer, reply->server->context);
}

/* Sends the answer after its delays: `chunks` (taken) streamed one by one, or the body
 * already set on `msg` at once. */
static void
reply_start (TbDemoServer      *self,
             SoupServerMessage *msg,
             GPtrArray         *chunks,
             GArray            *delays)
{
  Reply *reply = g_new0 (Reply, 1);

  reply->server = self;
  reply->msg = g_object_ref (msg);
  reply->chunks = chunks;
  reply->delays = delays;
  reply->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_reply_finished), reply);
  reply->disconnected_id = g_signal_connect (msg, "disconnected",
                                             G_CALLBACK (on_reply_finished), reply);
  g_ptr_array_add (self->replies, reply);
  soup_server_message_pause (msg);
  reply_schedule (reply);
}

static void
set_json (SoupServerMessage *msg,
          guint              status,
          JsonNode          *root)
{
  g_autofree char *text = tb_json_to_string (root, FALSE);
  gsize length = strlen (text);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), length);
}

/* {"error": {"code", "message"}}, as OpenRouter answers a failure. */
static void
set_error (SoupServerMessage *msg,
           guint              status,
           const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  tb_json_add_int (builder, "code", status);
  tb_json_add_string (builder, "message", message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  set_json (msg, status, root);
}

/* Prices as OpenRouter writes them: decimal strings of USD per token. */
static void
add_price (JsonBuilder *builder,
           const char  *name,
           double       per_million)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  char *end;

  g_ascii_formatd (text, sizeof text, "%.12f", per_million / 1e6);
  end = text + strlen (text) - 1;
  while (end > text && *end == '0' && end[-1] != '.')
    *end-- = '\0';
  tb_json_add_string (builder, name, text);
}

static GBytes *
build_catalog (void)
{
  static const char * const inputs[] = { "text", NULL };
  static const char * const parameters[] = { "max_tokens", "temperature", "seed",
                                             "response_format", "structured_outputs", NULL };
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  char *text;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "data");
  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (demo_models); i++)
    {
      const TbDemoModel *model = &demo_models[i];
      g_autofree char *name = g_strdup_printf ("Simulated: true quality %.1f/10, %s",
                                               model->quality, model->role);

      json_builder_begin_object (builder);
      tb_json_add_string (builder, "id", model->id);
      tb_json_add_string (builder, "name", name);
      tb_json_add_string (builder, "description",
                          "A simulated model of TaskBench's built-in demo provider: its "
                          "answers are made up from the input, and each states its true "
                          "quality.");
      tb_json_add_int (builder, "created", 0);
      tb_json_add_int (builder, "context_length", model->context_length);
      json_builder_set_member_name (builder, "pricing");
      json_builder_begin_object (builder);
      add_price (builder, "prompt", model->price_prompt);
      add_price (builder, "completion", model->price_completion);
      add_price (builder, "request", 0);
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "architecture");
      json_builder_begin_object (builder);
      tb_json_add_string (builder, "modality", "text->text");
      tb_json_add_strv (builder, "input_modalities", inputs);
      tb_json_add_strv (builder, "output_modalities", inputs);
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "top_provider");
      json_builder_begin_object (builder);
      tb_json_add_int (builder, "context_length", model->context_length);
      tb_json_add_int (builder, "max_completion_tokens", MAX_COMPLETION_TOKENS);
      tb_json_add_bool (builder, "is_moderated", FALSE);
      json_builder_end_object (builder);
      tb_json_add_strv (builder, "supported_parameters", parameters);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = tb_json_to_string (root, FALSE);
  return g_bytes_new_take (text, strlen (text));
}

static void
add_usage (JsonBuilder *builder,
           gint64       prompt_tokens,
           gint64       completion_tokens,
           double       cost)
{
  json_builder_set_member_name (builder, "usage");
  json_builder_begin_object (builder);
  tb_json_add_int (builder, "prompt_tokens", prompt_tokens);
  tb_json_add_int (builder, "completion_tokens", completion_tokens);
  tb_json_add_int (builder, "total_tokens", prompt_tokens + completion_tokens);
  tb_json_add_amount (builder, "cost", TRUE, cost);
  json_builder_set_member_name (builder, "prompt_tokens_details");
  json_builder_begin_object (builder);
  tb_json_add_int (builder, "cached_tokens", 0);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "completion_tokens_details");
  json_builder_begin_object (builder);
  tb_json_add_int (builder, "reasoning_tokens", 0);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
}

/* The start of every answer object: id, provider, model, object, created. */
static void
begin_answer (JsonBuilder *builder,
              const char  *id,
              const char  *model,
              const char  *object)
{
  json_builder_begin_object (builder);
  tb_json_add_string (builder, "id", id);
  tb_json_add_string (builder, "provider", PROVIDER);
  tb_json_add_string (builder, "model", model);
  tb_json_add_string (builder, "object", object);
  tb_json_add_int (builder, "created", g_get_real_time () / G_USEC_PER_SEC);
}

static GBytes *
sse_event (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *json = tb_json_to_string (root, FALSE);
  char *line = g_strdup_printf ("data: %s\n\n", json);

  json_builder_reset (builder);
  return g_bytes_new_take (line, strlen (line));
}

/* The chunks of a stream as OpenRouter sends them: a keep-alive comment, the content in
 * deltas, the finish reason, then usage with the cost in a chunk without choices, and
 * [DONE]. */
static GPtrArray *
stream_chunks (const char *id,
               const char *model,
               const char *content,
               gint64      prompt_tokens,
               gint64      completion_tokens,
               double      cost)
{
  GPtrArray *chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gsize length = strlen (content);
  gsize step = MAX (1, (length + DELTAS - 1) / DELTAS);
  static const char keepalive[] = ": OPENROUTER PROCESSING\n\n";
  static const char done[] = "data: [DONE]\n\n";

  g_ptr_array_add (chunks, g_bytes_new_static (keepalive, strlen (keepalive)));
  for (gsize start = 0; start < length; )
    {
      gsize end = MIN (length, start + step);
      g_autofree char *piece = NULL;

      /* Deltas end on a character, as a real stream's do. */
      while (end < length && (content[end] & 0xC0) == 0x80)
        end++;
      piece = g_strndup (content + start, end - start);
      begin_answer (builder, id, model, "chat.completion.chunk");
      json_builder_set_member_name (builder, "choices");
      json_builder_begin_array (builder);
      json_builder_begin_object (builder);
      tb_json_add_int (builder, "index", 0);
      json_builder_set_member_name (builder, "delta");
      json_builder_begin_object (builder);
      tb_json_add_string (builder, "role", "assistant");
      tb_json_add_string (builder, "content", piece);
      json_builder_end_object (builder);
      tb_json_add_null (builder, "finish_reason");
      json_builder_end_object (builder);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      g_ptr_array_add (chunks, sse_event (builder));
      start = end;
    }

  begin_answer (builder, id, model, "chat.completion.chunk");
  json_builder_set_member_name (builder, "choices");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  tb_json_add_int (builder, "index", 0);
  json_builder_set_member_name (builder, "delta");
  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  tb_json_add_string (builder, "finish_reason", "stop");
  tb_json_add_string (builder, "native_finish_reason", "stop");
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  g_ptr_array_add (chunks, sse_event (builder));

  begin_answer (builder, id, model, "chat.completion.chunk");
  json_builder_set_member_name (builder, "choices");
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
  add_usage (builder, prompt_tokens, completion_tokens, cost);
  json_builder_end_object (builder);
  g_ptr_array_add (chunks, sse_event (builder));

  g_ptr_array_add (chunks, g_bytes_new_static (done, strlen (done)));
  return chunks;
}

static JsonNode *
answer_json (const char *id,
             const char *model,
             const char *content,
             gint64      prompt_tokens,
             gint64      completion_tokens,
             double      cost)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  begin_answer (builder, id, model, "chat.completion");
  json_builder_set_member_name (builder, "choices");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  tb_json_add_int (builder, "index", 0);
  json_builder_set_member_name (builder, "message");
  json_builder_begin_object (builder);
  tb_json_add_string (builder, "role", "assistant");
  tb_json_add_string (builder, "content", content);
  json_builder_end_object (builder);
  tb_json_add_string (builder, "finish_reason", "stop");
  tb_json_add_string (builder, "native_finish_reason", "stop");
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  add_usage (builder, prompt_tokens, completion_tokens, cost);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* What /generation answers for a call: billed at the catalog's prices, like the inline
 * cost. */
static JsonNode *
generation_json (const char        *id,
                 const TbDemoModel *model,
                 gint64             prompt_tokens,
                 gint64             completion_tokens,
                 double             cost)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *created = tb_utc_now_iso8601 ();

  json_builder_begin_object (builder);
  tb_json_add_string (builder, "id", id);
  tb_json_add_amount (builder, "total_cost", TRUE, cost);
  tb_json_add_null (builder, "upstream_inference_cost");
  tb_json_add_bool (builder, "is_byok", FALSE);
  tb_json_add_null (builder, "cache_discount");
  tb_json_add_string (builder, "created_at", created);
  tb_json_add_string (builder, "model", model->id);
  tb_json_add_string (builder, "provider_name", PROVIDER);
  tb_json_add_int (builder, "latency", model->first_byte_ms);
  tb_json_add_int (builder, "generation_time", model->first_byte_ms + model->stream_ms);
  tb_json_add_string (builder, "finish_reason", "stop");
  tb_json_add_string (builder, "native_finish_reason", "stop");
  tb_json_add_int (builder, "tokens_prompt", prompt_tokens);
  tb_json_add_int (builder, "tokens_completion", completion_tokens);
  tb_json_add_int (builder, "native_tokens_reasoning", 0);
  tb_json_add_bool (builder, "streamed", TRUE);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The request's messages: the system prompt and the last user message. */
static void
read_messages (JsonObject  *request,
               const char **system,
               const char **user)
{
  JsonArray *messages = tb_json_get_array (request, "messages");

  *system = NULL;
  *user = NULL;
  for (guint i = 0; messages != NULL && i < json_array_get_length (messages); i++)
    {
      JsonNode *node = json_array_get_element (messages, i);
      JsonObject *message = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *role = tb_json_get_string (message, "role");
      const char *content = tb_json_get_string (message, "content");

      if (content == NULL)
        continue;
      if (g_strcmp0 (role, "system") == 0)
        *system = content;
      else if (g_strcmp0 (role, "user") == 0)
        *user = content;
    }
}

static void
handle_chat (TbDemoServer      *self,
             SoupServerMessage *msg)
{
  SoupMessageBody *request_body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request_body);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *content = NULL;
  g_autofree char *id = NULL;
  g_autofree char *asked_key = NULL;
  JsonObject *request, *format, *json_schema;
  const TbDemoModel *model;
  TbDemoRequest question = { 0 };
  gint64 prompt_tokens, completion_tokens;
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);
  const char *format_type;
  double cost;
  guint repeat;

  root = tb_json_parse (data != NULL ? data : "", size, "the request", &error);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      set_error (msg, 400, error != NULL ? error->message : "the request is not a JSON object");
      return;
    }
  request = json_node_get_object (root);
  model = tb_demo_model (tb_json_get_string (request, "model"));
  if (model == NULL)
    {
      g_autofree char *list = demo_model_list ();
      g_autofree char *message = g_strdup_printf ("%s is not a simulated model; this "
                                                  "simulated provider serves only %s",
                                                  tb_json_get_string (request, "model") != NULL
                                                  ? tb_json_get_string (request, "model")
                                                  : "(no model)", list);

      set_error (msg, 404, message);
      return;
    }
  read_messages (request, &question.system, &question.user);
  if (question.user == NULL)
    {
      set_error (msg, 400, "the request has no user message");
      return;
    }
  format = tb_json_get_object (request, "response_format");
  format_type = tb_json_get_string (format, "type");
  json_schema = tb_json_get_object (format, "json_schema");
  if (g_strcmp0 (format_type, "json_schema") == 0 && json_schema != NULL)
    {
      question.schema = tb_json_member (json_schema, "schema");
      question.schema_name = tb_json_get_string (json_schema, "name");
    }
  question.json_object = g_strcmp0 (format_type, "json_object") == 0;

  /* The same question is answered afresh each time it is asked again: a repeat. */
  asked_key = g_strdup_printf ("%s\n%016" G_GINT64_MODIFIER "x", model->id,
                               tb_rng_seed_from_string (question.user));
  repeat = GPOINTER_TO_UINT (g_hash_table_lookup (self->asked, asked_key));
  g_hash_table_replace (self->asked, g_strdup (asked_key), GUINT_TO_POINTER (repeat + 1));

  content = tb_demo_answer (model, &question, repeat);
  prompt_tokens = tb_estimate_tokens (question.user, -1)
                  + (question.system != NULL ? tb_estimate_tokens (question.system, -1) : 0);
  completion_tokens = MAX (1, tb_estimate_tokens (content, -1));
  cost = (prompt_tokens * model->price_prompt + completion_tokens * model->price_completion)
         / 1e6;
  id = g_strdup_printf ("gen-demo-%u-%08x", ++self->serial, g_random_int ());
  g_hash_table_replace (self->generations, g_strdup (id),
                        generation_json (id, model, prompt_tokens, completion_tokens, cost));
  self->spent += cost;

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "X-Generation-Id", id);
  if (tb_json_get_bool (request, "stream", FALSE))
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
      GPtrArray *chunks = stream_chunks (id, model->id, content, prompt_tokens,
                                         completion_tokens, cost);
      GArray *delays = g_array_new (FALSE, FALSE, sizeof (guint));
      guint zero = 0, step = model->stream_ms / DELTAS;

      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
      soup_message_headers_replace (headers, "Cache-Control", "no-cache");
      /* The comment at once, the first delta after the model's first-byte latency, the
       * rest at its pace. */
      g_array_append_val (delays, zero);
      g_array_append_val (delays, model->first_byte_ms);
      g_array_append_val (delays, step);
      reply_start (self, msg, chunks, delays);
    }
  else
    {
      g_autoptr(JsonNode) answer = answer_json (id, model->id, content, prompt_tokens,
                                                completion_tokens, cost);
      GArray *delays = g_array_new (FALSE, FALSE, sizeof (guint));
      guint delay = model->first_byte_ms + model->stream_ms;

      set_json (msg, 200, answer);
      g_array_append_val (delays, delay);
      reply_start (self, msg, NULL, delays);
    }
}

static void
handle_generation (TbDemoServer      *self,
                   SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  g_autoptr(GHashTable) params = NULL;
  JsonNode *data = NULL;

  if (g_uri_get_query (uri) != NULL)
    params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  if (params != NULL && g_hash_table_lookup (params, "id") != NULL)
    data = g_hash_table_lookup (self->generations, g_hash_table_lookup (params, "id"));
  if (data == NULL)
    {
      set_error (msg, 404, "Generation not found");
      return;
    }
  {
    g_autoptr(JsonBuilder) builder = json_builder_new ();
    g_autoptr(JsonNode) root = NULL;

    json_builder_begin_object (builder);
    tb_json_add_node (builder, "data", json_node_copy (data));
    json_builder_end_object (builder);
    root = json_builder_get_root (builder);
    set_json (msg, 200, root);
  }
}

/* A "key" without a limit, labelled as what it is; usage counts what this server billed. */
static void
handle_key (TbDemoServer      *self,
            SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "data");
  json_builder_begin_object (builder);
  tb_json_add_string (builder, "label", "simulated");
  tb_json_add_null (builder, "limit");
  tb_json_add_null (builder, "limit_remaining");
  tb_json_add_null (builder, "limit_reset");
  tb_json_add_amount (builder, "usage", TRUE, self->spent);
  tb_json_add_amount (builder, "usage_daily", TRUE, self->spent);
  tb_json_add_amount (builder, "usage_monthly", TRUE, self->spent);
  tb_json_add_bool (builder, "is_free_tier", FALSE);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  set_json (msg, 200, root);
}

static void
server_callback (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  TbDemoServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);

  if (g_str_equal (path, BASE_PATH "/chat/completions") && g_str_equal (method, "POST"))
    handle_chat (self, msg);
  else if (g_str_equal (path, BASE_PATH "/generation") && g_str_equal (method, "GET"))
    handle_generation (self, msg);
  else if (g_str_equal (path, BASE_PATH "/models") && g_str_equal (method, "GET"))
    {
      gsize size = 0;
      const char *data = g_bytes_get_data (self->catalog, &size);

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, data, size);
    }
  else if (g_str_equal (path, BASE_PATH "/key") && g_str_equal (method, "GET"))
    handle_key (self, msg);
  else
    set_error (msg, 404, "Not found");
}

/* Connections are accepted here and handed to the server: libsoup 3.2's own listener
 * (soup_server_listen) leaks every accepted socket. */
static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  TbDemoServer *self = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GError) error = NULL;

  if (!soup_server_accept_iostream (self->server, G_IO_STREAM (connection), local, remote,
                                    &error))
    g_warning ("The simulated provider cannot accept a connection: %s", error->message);
  return TRUE;
}

static gboolean
listen_loopback (TbDemoServer  *self,
                 GError       **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;

  self->catalog = build_catalog ();
  self->generations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) json_node_unref);
  self->asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->replies = g_ptr_array_new ();
  self->server = soup_server_new ("server-header", "TaskBench-simulated ", NULL);
  soup_server_add_handler (self->server, NULL, server_callback, self, NULL);

  /* Listening starts in the thread-default context, which is this thread's own. */
  self->service = g_socket_service_new ();
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, error))
    {
      g_prefix_error (error, _("The simulated provider cannot listen on 127.0.0.1: "));
      return FALSE;
    }
  g_socket_service_start (self->service);
  self->url = g_strdup_printf ("http://127.0.0.1:%u" BASE_PATH,
                               g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective)));
  return TRUE;
}

static void
shut_down (TbDemoServer *self)
{
  while (self->replies != NULL && self->replies->len > 0)
    reply_free (g_ptr_array_index (self->replies, self->replies->len - 1));
  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_clear_object (&self->service);
    }
  if (self->server != NULL)
    {
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }
  /* What the closed connections left to do (their last callbacks) runs now, while the
   * context is still this thread's, so nothing is left behind. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_clear_pointer (&self->replies, g_ptr_array_unref);
  g_clear_pointer (&self->generations, g_hash_table_unref);
  g_clear_pointer (&self->asked, g_hash_table_unref);
  g_clear_pointer (&self->catalog, g_bytes_unref);
}

static gpointer
server_thread (gpointer data)
{
  TbDemoServer *self = data;
  GError *error = NULL;
  gboolean listening;

  g_main_context_push_thread_default (self->context);
  listening = listen_loopback (self, &error);

  g_mutex_lock (&self->lock);
  self->error = error;
  self->started = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);

  if (listening)
    g_main_loop_run (self->loop);
  shut_down (self);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static void
server_free (TbDemoServer *self)
{
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->url);
  g_free (self);
}

TbDemoServer *
tb_demo_server_start (GError **error)
{
  TbDemoServer *self = g_new0 (TbDemoServer, 1);
  GError *thread_error = NULL;

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_try_new ("tb-demo-server", server_thread, self, &thread_error);
  if (self->thread == NULL)
    {
      g_propagate_prefixed_error (error, thread_error,
                                  _("The simulated provider cannot start: "));
      server_free (self);
      return NULL;
    }

  g_mutex_lock (&self->lock);
  while (!self->started)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  if (self->error != NULL)
    {
      g_thread_join (self->thread);
      g_propagate_error (error, g_steal_pointer (&self->error));
      server_free (self);
      return NULL;
    }
  return self;
}

const char *
tb_demo_server_get_url (TbDemoServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->url;
}

static gboolean
quit_cb (gpointer user_data)
{
  TbDemoServer *self = user_data;

  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

void
tb_demo_server_stop (TbDemoServer *self)
{
  GSource *source;

  if (self == NULL)
    return;
  /* The loop is quit from inside, where it runs; the thread then closes everything. */
  source = g_idle_source_new ();
  g_source_set_callback (source, quit_cb, self, NULL);
  g_source_attach (source, self->context);
  g_source_unref (source);
  g_thread_join (self->thread);
  server_free (self);
}
