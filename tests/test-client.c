/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-client"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "fake-server.h"
#include "tb-client.h"
#include "tb-error.h"

#define TEST_KEY "sk-or-v1-test-secret-0123456789"

/* ---- helpers ---------------------------------------------------------------------- */

static void
on_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

typedef struct
{
  GString      *text;
  guint64       last_tokens;
  guint         deltas;
  guint         retries;
  guint         last_delay_ms;
  guint         last_attempt;
  char         *last_reason;
  GCancellable *cancel_on_delta;   /* cancelled at the first delta */
  guint         cancel_after_ms;   /* on retry: cancel `cancel_on_retry` after this delay */
  GCancellable *cancel_on_retry;
} Events;

static void
events_clear (Events *events)
{
  if (events->text != NULL)
    g_string_free (events->text, TRUE);
  g_free (events->last_reason);
}

static void
on_delta (gpointer    user_data,
          const char *text,
          guint64     tokens)
{
  Events *events = user_data;

  if (events->text == NULL)
    events->text = g_string_new (NULL);
  g_string_append (events->text, text);
  g_assert_cmpuint (tokens, ==, events->last_tokens + 1);
  events->last_tokens = tokens;
  events->deltas++;
  if (events->cancel_on_delta != NULL)
    g_cancellable_cancel (events->cancel_on_delta);
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
on_retry (gpointer    user_data,
          guint       attempt,
          guint       delay_ms,
          const char *reason)
{
  Events *events = user_data;

  events->retries++;
  /* a new attempt streams from the start */
  events->last_tokens = 0;
  events->last_attempt = attempt;
  events->last_delay_ms = delay_ms;
  g_free (events->last_reason);
  events->last_reason = g_strdup (reason);
  g_assert_null (strstr (reason, TEST_KEY));
  if (events->cancel_on_retry != NULL)
    g_timeout_add (events->cancel_after_ms, cancel_later, events->cancel_on_retry);
}

static TbChatResult *
run_chat_paid (TbClient            *client,
               const TbChatRequest *request,
               Events              *events,
               GCancellable        *cancellable,
               guint               *attempts,
               GPtrArray          **paid,
               GError             **error)
{
  TbChatCallbacks callbacks = { on_delta, on_retry, events };
  g_autoptr(GAsyncResult) result = NULL;

  tb_client_chat_async (client, request, events != NULL ? &callbacks : NULL, cancellable,
                        on_async_done, &result);
  return tb_client_chat_finish (client, wait_for (&result), attempts, paid, error);
}

static TbChatResult *
run_chat (TbClient            *client,
          const TbChatRequest *request,
          Events              *events,
          GCancellable        *cancellable,
          guint               *attempts,
          GError             **error)
{
  return run_chat_paid (client, request, events, cancellable, attempts, NULL, error);
}

static TbChatRequest
simple_request (const char *model,
                gboolean    stream)
{
  TbChatRequest request = {
    .model = model,
    .system = "You are terse.",
    .user = "Say hello.",
    .temperature = -1,
    .stream = stream,
  };
  return request;
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (text);
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static FakeRequest *
last_request (FakeServer *server)
{
  GPtrArray *requests = fake_server_get_requests (server);

  g_assert_cmpuint (requests->len, >, 0);
  return g_ptr_array_index (requests, requests->len - 1);
}

static gint64
elapsed_ms (gint64 start_us)
{
  return (g_get_monotonic_time () - start_us) / 1000;
}

/* A port nobody listens on: bind, read it back, close. */
static guint
closed_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

/* ---- completions ------------------------------------------------------------------ */

static void
test_chat_plain (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), TEST_KEY, 0);
  FakeModel model = {
    .content = "Hello world",
    .cost = 0.0025,
    .provider = "Acme",
    .prompt_tokens = 11,
    .completion_tokens = 4,
    .reasoning_tokens = 3,
  };
  TbChatRequest request = simple_request ("acme/plain", FALSE);
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = NULL;
  JsonArray *messages;
  FakeRequest *seen;
  guint attempts = 0;

  g_assert_true (tb_client_has_api_key (client));
  fake_server_set_model (server, "acme/plain", &model);
  request.temperature = 0.25;
  request.max_tokens = 100;

  result = run_chat (client, &request, NULL, NULL, &attempts, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->content, ==, "Hello world");
  g_assert_cmpstr (result->finish_reason, ==, "stop");
  g_assert_cmpstr (result->generation_id, ==, "gen-1");
  g_assert_cmpstr (result->model, ==, "acme/plain");
  g_assert_cmpstr (result->provider, ==, "Acme");
  g_assert_cmpint (result->prompt_tokens, ==, 11);
  g_assert_cmpint (result->completion_tokens, ==, 4);
  g_assert_cmpint (result->reasoning_tokens, ==, 3);
  g_assert_cmpint (result->cached_tokens, ==, 0);
  g_assert_true (result->has_inline_cost);
  g_assert_cmpfloat_with_epsilon (result->inline_cost, 0.0025, 1e-12);
  g_assert_cmpuint (result->attempts, ==, 1);
  g_assert_cmpuint (attempts, ==, 1);
  g_assert_cmpint (result->latency_ms, >=, 0);

  seen = last_request (server);
  g_assert_cmpstr (seen->method, ==, "POST");
  g_assert_cmpstr (seen->path, ==, "/api/v1/chat/completions");
  g_assert_cmpstr (seen->authorization, ==, "Bearer " TEST_KEY);
  g_assert_cmpstr (seen->title, ==, "TaskBench");
  g_assert_cmpstr (seen->model, ==, "acme/plain");

  body = parse_object (seen->body);
  g_assert_cmpstr (json_object_get_string_member (body, "model"), ==, "acme/plain");
  messages = json_object_get_array_member (body, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 0),
                                                  "role"), ==, "system");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 1),
                                                  "content"), ==, "Say hello.");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (body, "temperature"), 0.25,
                                  1e-9);
  g_assert_cmpint (json_object_get_int_member (body, "max_tokens"), ==, 100);
  g_assert_false (json_object_get_boolean_member (body, "stream"));
  g_assert_false (json_object_has_member (body, "response_format"));
  g_assert_false (json_object_has_member (body, "stream_options"));

  fake_server_free (server);
}

static void
test_chat_no_key_no_cost (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), "", 0);
  FakeModel model = { .no_inline_cost = TRUE };
  TbChatRequest request = simple_request ("acme/free", FALSE);
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = NULL;

  g_assert_false (tb_client_has_api_key (client));
  fake_server_set_model (server, "acme/free", &model);
  request.system = NULL;

  result = run_chat (client, &request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->content, ==, "Fake answer from acme/free.");
  g_assert_false (result->has_inline_cost);
  g_assert_cmpint (result->prompt_tokens, >, 0);
  g_assert_null (last_request (server)->authorization);

  body = parse_object (last_request (server)->body);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (body, "messages")),
                    ==, 1);
  g_assert_false (json_object_has_member (body, "temperature"));
  g_assert_false (json_object_has_member (body, "max_tokens"));

  fake_server_free (server);
}

static void
test_chat_stream (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), TEST_KEY, 0);
  const char *content = "The quick brown fox jumps over the lazy dog — ünïcödé included, "
                        "and a few more words to make several chunks.";
  FakeModel model = {
    .content = content,
    .chunk_delay_ms = 5,
    .cost = 0.0042,
    .provider = "StreamCo",
    .prompt_tokens = 20,
    .completion_tokens = 30,
    .reasoning_tokens = 5,
  };
  TbChatRequest request = simple_request ("acme/stream", TRUE);
  Events events = { 0 };
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = NULL;
  guint attempts = 0;

  fake_server_set_model (server, "acme/stream", &model);
  result = run_chat (client, &request, &events, NULL, &attempts, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->content, ==, content);
  g_assert_cmpstr (events.text->str, ==, content);
  g_assert_cmpuint (events.deltas, >=, 3);
  g_assert_cmpuint (events.last_tokens, ==, events.deltas);
  g_assert_cmpuint (events.retries, ==, 0);
  g_assert_cmpstr (result->finish_reason, ==, "stop");
  g_assert_cmpstr (result->generation_id, ==, "gen-1");
  g_assert_cmpstr (result->provider, ==, "StreamCo");
  g_assert_cmpstr (result->model, ==, "acme/stream");
  g_assert_cmpint (result->prompt_tokens, ==, 20);
  g_assert_cmpint (result->completion_tokens, ==, 30);
  g_assert_cmpint (result->reasoning_tokens, ==, 5);
  g_assert_true (result->has_inline_cost);
  g_assert_cmpfloat_with_epsilon (result->inline_cost, 0.0042, 1e-12);
  g_assert_cmpuint (attempts, ==, 1);

  body = parse_object (last_request (server)->body);
  g_assert_true (json_object_get_boolean_member (body, "stream"));
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (body,
                                                   "stream_options"), "include_usage"));
  /* deprecated: usage comes with every answer */
  g_assert_false (json_object_has_member (body, "usage"));

  events_clear (&events);
  fake_server_free (server);
}

static void
test_response_format (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), NULL, 0);
  const char *schema_text = "{\"type\":\"array\",\"items\":{\"type\":\"object\","
                            "\"properties\":{\"title\":{\"type\":\"string\"}}}}";
  g_autoptr(JsonNode) schema = json_from_string (schema_text, NULL);
  TbChatRequest request = simple_request ("openai/gpt-4o-mini", FALSE);
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(TbChatResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) body2 = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *sent_schema = NULL;
  JsonObject *format, *json_schema;

  request.json_schema = schema;
  request.schema_name = "chapters";
  request.strict = TRUE;
  result = run_chat (client, &request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  body = parse_object (last_request (server)->body);
  format = json_object_get_object_member (body, "response_format");
  g_assert_cmpstr (json_object_get_string_member (format, "type"), ==, "json_schema");
  json_schema = json_object_get_object_member (format, "json_schema");
  g_assert_cmpstr (json_object_get_string_member (json_schema, "name"), ==, "chapters");
  g_assert_true (json_object_get_boolean_member (json_schema, "strict"));
  sent_schema = json_to_string (json_object_get_member (json_schema, "schema"), FALSE);
  g_assert_cmpstr (sent_schema, ==, schema_text);

  /* the fake answers structured requests with valid JSON */
  answer = json_from_string (result->content, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (answer));

  request.json_schema = NULL;
  request.schema_name = NULL;
  request.json_object = TRUE;
  result2 = run_chat (client, &request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result2->content, ==, "{}");
  body2 = parse_object (last_request (server)->body);
  format = json_object_get_object_member (body2, "response_format");
  g_assert_cmpstr (json_object_get_string_member (format, "type"), ==, "json_object");
  g_assert_false (json_object_has_member (format, "json_schema"));

  fake_server_free (server);
}

static void
test_fake_judgment (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), NULL, 0);
  g_autoptr(JsonNode) schema = json_from_string (
    "{\"type\":\"object\",\"properties\":{\"reasoning\":{\"type\":\"string\"},"
    "\"criteria\":{\"type\":\"object\",\"properties\":{\"accuracy\":{\"type\":\"integer\"},"
    "\"format\":{\"type\":\"integer\"}}},\"violations\":{\"type\":\"array\"}}}", NULL);
  TbChatRequest request = simple_request ("anthropic/claude-sonnet-4.5", FALSE);
  g_autoptr(GError) error = NULL;

  request.json_schema = schema;
  request.schema_name = "judgment";

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TbChatResult) result = NULL;
      g_autoptr(JsonObject) judgment = NULL;
      JsonObject *criteria;
      gint64 expected = i == 0 ? 9 : 7;

      request.user = i == 0 ? "Judge this output:\nSCORE=9 the chapters" : "Judge: plain";
      result = run_chat (client, &request, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      judgment = parse_object (result->content);
      g_assert_true (json_object_has_member (judgment, "reasoning"));
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (judgment,
                                                                            "violations")),
                        ==, 0);
      criteria = json_object_get_object_member (judgment, "criteria");
      g_assert_cmpuint (json_object_get_size (criteria), ==, 2);
      g_assert_cmpint (json_object_get_int_member (criteria, "accuracy"), ==, expected);
      g_assert_cmpint (json_object_get_int_member (criteria, "format"), ==, expected);
    }

  fake_server_free (server);
}

/* ---- retries ------------------------------------------------------------------------ */

static void
test_retry_429_retry_after (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), TEST_KEY, 0);
  FakeModel model = { .content = "ok", .fail_status = 429, .fail_times = 1,
                      .retry_after_s = 1 };
  TbChatRequest request = simple_request ("acme/limited", FALSE);
  Events events = { 0 };
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  guint attempts = 0;

  fake_server_set_model (server, "acme/limited", &model);
  result = run_chat (client, &request, &events, NULL, &attempts, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->content, ==, "ok");
  g_assert_cmpuint (attempts, ==, 2);
  g_assert_cmpuint (result->attempts, ==, 2);
  g_assert_cmpuint (events.retries, ==, 1);
  g_assert_cmpuint (events.last_attempt, ==, 2);
  g_assert_cmpuint (events.last_delay_ms, ==, 1000);
  g_assert_true (g_str_has_prefix (events.last_reason, "rate limited (429)"));
  g_assert_cmpint (elapsed_ms (start), >=, 950);
  g_assert_cmpint (result->latency_ms, >=, 950);
  g_assert_cmpuint (fake_server_count (server, "/chat/completions", "acme/limited"), ==, 2);

  events_clear (&events);
  fake_server_free (server);
}

static void
test_retry_500_twice (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), TEST_KEY, 0);
  FakeModel model = { .content = "third time", .fail_status = 500, .fail_times = 2 };
  Events events = { 0 };
  g_autoptr(GError) error = NULL;
  guint attempts = 0;

  fake_server_set_model (server, "acme/flaky", &model);
  for (guint round = 0; round < 2; round++)
    {
      TbChatRequest request = simple_request ("acme/flaky", round == 1);
      g_autoptr(TbChatResult) result = NULL;

      /* the second round streams: failures come as plain 5xx before the stream */
      if (round == 1)
        {
          fake_server_set_model (server, "acme/flaky", &model);
          events.retries = 0;
        }
      result = run_chat (client, &request, &events, NULL, &attempts, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (result->content, ==, "third time");
      g_assert_cmpuint (attempts, ==, 3);
      g_assert_cmpuint (events.retries, ==, 2);
      g_assert_true (g_str_has_prefix (events.last_reason, "server error (500)"));
    }

  events_clear (&events);
  fake_server_free (server);
}

static void
test_rate_limited_exhausted (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), TEST_KEY, 0);
  FakeModel model = { .fail_status = 429, .fail_times = G_MAXUINT };
  TbChatRequest request = simple_request ("acme/busy", FALSE);
  Events events = { 0 };
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint attempts = 0;

  tb_client_set_retry_policy (client, 3, 10);
  fake_server_set_model (server, "acme/busy", &model);
  result = run_chat (client, &request, &events, NULL, &attempts, &error);
  g_assert_null (result);
  g_assert_error (error, TB_HTTP_ERROR, 429);
  g_assert_true (g_str_has_prefix (error->message, "rate limited (429): "));
  g_assert_cmpuint (attempts, ==, 3);
  g_assert_cmpuint (events.retries, ==, 2);
  g_assert_cmpuint (fake_server_count (server, "/chat/completions", NULL), ==, 3);

  events_clear (&events);
  fake_server_free (server);
}

static void
test_not_retried (void)
{
  static const struct {
    guint       status;
    const char *prefix;
  } cases[] = {
    { 400, "bad request (400): " },
    { 401, "key rejected (401): " },
    { 402, "out of credits (402): " },
    { 403, "refused by moderation (403): " },
  };
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), TEST_KEY, 0);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      FakeModel model = { .fail_status = cases[i].status, .fail_times = G_MAXUINT,
                          .retry_after_s = 1 };
      TbChatRequest request = simple_request ("acme/denied", i % 2 == 1);
      Events events = { 0 };
      g_autoptr(TbChatResult) result = NULL;
      g_autoptr(GError) error = NULL;
      guint attempts = 0;

      fake_server_set_model (server, "acme/denied", &model);
      fake_server_clear_requests (server);
      result = run_chat (client, &request, &events, NULL, &attempts, &error);
      g_assert_null (result);
      g_assert_error (error, TB_HTTP_ERROR, (gint) cases[i].status);
      g_assert_true (g_str_has_prefix (error->message, cases[i].prefix));
      g_assert_null (strstr (error->message, TEST_KEY));
      g_assert_cmpuint (attempts, ==, 1);
      g_assert_cmpuint (events.retries, ==, 0);
      g_assert_cmpuint (fake_server_count (server, "/chat/completions", "acme/denied"), ==, 1);
      events_clear (&events);
    }

  /* out of credits says so in the server's words too */
  {
    FakeModel model = { .fail_status = 402, .fail_times = 1 };
    TbChatRequest request = simple_request ("acme/poor", FALSE);
    g_autoptr(GError) error = NULL;
    g_autoptr(TbChatResult) result = NULL;

    fake_server_set_model (server, "acme/poor", &model);
    result = run_chat (client, &request, NULL, NULL, NULL, &error);
    g_assert_error (error, TB_HTTP_ERROR, 402);
    g_assert_nonnull (strstr (error->message, "Insufficient credits"));
  }

  fake_server_free (server);
}

static void
test_401_without_key (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), NULL, 0);
  FakeModel model = { .fail_status = 401 };
  TbChatRequest request = simple_request ("acme/keyed", FALSE);
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(GError) error = NULL;

  fake_server_set_model (server, "acme/keyed", &model);
  result = run_chat (client, &request, NULL, NULL, NULL, &error);
  g_assert_error (error, TB_HTTP_ERROR, 401);
  g_assert_true (g_str_has_prefix (error->message, "key rejected (401): "));
  g_assert_nonnull (strstr (error->message, "OPENROUTER_API_KEY"));

  fake_server_free (server);
}

static void
test_midstream_error (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), TEST_KEY, 0);
  FakeModel model = { .content = "First half of the answer. Second half never arrives.",
                      .midstream_error = TRUE };
  Events events = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TbChatResult) result = NULL;
  guint attempts = 0;

  tb_client_set_retry_policy (client, 2, 10);
  fake_server_set_model (server, "acme/broken", &model);

  {
    TbChatRequest request = simple_request ("acme/broken", TRUE);

    result = run_chat (client, &request, &events, NULL, &attempts, &error);
  }
  g_assert_null (result);
  g_assert_error (error, TB_HTTP_ERROR, TB_HTTP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "mid-stream"));
  g_assert_nonnull (strstr (error->message, "Upstream provider disconnected"));
  g_assert_cmpuint (attempts, ==, 2);
  g_assert_cmpuint (events.retries, ==, 1);
  g_assert_nonnull (events.text);
  {
    /* each attempt streamed the first half before failing */
    g_autofree char *half = g_strndup (events.text->str, events.text->len / 2);

    g_assert_cmpuint (strlen (half), >, 0);
    g_assert_cmpuint (strlen (half), <, strlen (model.content));
    g_assert_true (g_str_has_prefix (model.content, half));
    g_assert_cmpstr (events.text->str + strlen (half), ==, half);
  }
  g_clear_error (&error);

  /* without streaming the failure arrives as a 200 carrying an error: same handling */
  {
    TbChatRequest request = simple_request ("acme/broken", FALSE);

    result = run_chat (client, &request, NULL, NULL, &attempts, &error);
  }
  g_assert_null (result);
  g_assert_error (error, TB_HTTP_ERROR, TB_HTTP_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "Upstream provider disconnected"));
  g_assert_cmpuint (attempts, ==, 2);

  events_clear (&events);
  fake_server_free (server);
}

static void
test_timeout (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), TEST_KEY, 1);
  FakeModel model = { .content = "too late", .latency_ms = 2500 };
  TbChatRequest request = simple_request ("acme/slow", FALSE);
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  guint attempts = 0;

  tb_client_set_retry_policy (client, 1, 10);
  fake_server_set_model (server, "acme/slow", &model);
  result = run_chat (client, &request, NULL, NULL, &attempts, &error);
  g_assert_null (result);
  g_assert_error (error, TB_HTTP_ERROR, TB_HTTP_ERROR_TRANSPORT);
  g_assert_nonnull (strstr (error->message, "timeout"));
  g_assert_cmpuint (attempts, ==, 1);
  g_assert_cmpint (elapsed_ms (start), >=, 900);
  g_assert_cmpint (elapsed_ms (start), <, 2400);

  fake_server_free (server);
}

static void
test_cancel_midstream (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), TEST_KEY, 0);
  FakeModel model = { .content = "A long answer that trickles in slowly, piece by piece.",
                      .chunk_delay_ms = 400 };
  TbChatRequest request = simple_request ("acme/trickle", TRUE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Events events = { .cancel_on_delta = cancellable };
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  fake_server_set_model (server, "acme/trickle", &model);
  result = run_chat (client, &request, &events, cancellable, NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (events.deltas, ==, 1);
  g_assert_cmpuint (events.retries, ==, 0);
  /* the whole stream would take seconds */
  g_assert_cmpint (elapsed_ms (start), <, 1500);

  events_clear (&events);
  fake_server_free (server);
}

static void
test_cancel_during_backoff (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), TEST_KEY, 0);
  FakeModel model = { .fail_status = 503, .fail_times = G_MAXUINT, .retry_after_s = 30 };
  TbChatRequest request = simple_request ("acme/down", FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Events events = { .cancel_on_retry = cancellable, .cancel_after_ms = 50 };
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  guint attempts = 0;

  fake_server_set_model (server, "acme/down", &model);
  result = run_chat (client, &request, &events, cancellable, &attempts, &error);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (events.retries, ==, 1);
  g_assert_cmpuint (events.last_delay_ms, ==, 30000);
  g_assert_cmpuint (attempts, ==, 1);
  g_assert_cmpint (elapsed_ms (start), <, 2000);

  /* already cancelled: nothing is sent */
  {
    g_autoptr(TbChatResult) again = NULL;
    g_autoptr(GError) error2 = NULL;

    fake_server_clear_requests (server);
    again = run_chat (client, &request, NULL, cancellable, NULL, &error2);
    g_assert_error (error2, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpuint (fake_server_count (server, "/chat/completions", NULL), ==, 0);
  }

  events_clear (&events);
  fake_server_free (server);
}

static void
test_connection_refused (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/api/v1", closed_port ());
  g_autoptr(TbClient) client = tb_client_new (url, TEST_KEY, 0);
  TbChatRequest request = simple_request ("acme/nowhere", FALSE);
  Events events = { 0 };
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint attempts = 0;

  tb_client_set_retry_policy (client, 3, 10);
  result = run_chat (client, &request, &events, NULL, &attempts, &error);
  g_assert_null (result);
  g_assert_error (error, TB_HTTP_ERROR, TB_HTTP_ERROR_TRANSPORT);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_null (strstr (error->message, TEST_KEY));
  g_assert_cmpuint (attempts, ==, 3);
  g_assert_cmpuint (events.retries, ==, 2);

  events_clear (&events);
}

/* ---- a misbehaving server, for what the fake never does -------------------------------- */

static void
odd_server_callback (SoupServer        *server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  guint *hits = user_data;

  (*hits)++;
  if (g_str_has_prefix (path, "/echo"))
    {
      /* a careless server that quotes the key back */
      const char *auth = soup_message_headers_get_one (
        soup_server_message_get_request_headers (msg), "Authorization");
      g_autofree char *body = g_strdup_printf ("{\"error\":{\"code\":%s,\"message\":"
                                               "\"bad key %s\"}}",
                                               g_str_has_prefix (path, "/echo500") ? "500"
                                                                                    : "401",
                                               auth != NULL ? auth : "none");

      soup_server_message_set_status (msg, g_str_has_prefix (path, "/echo500") ? 500 : 401,
                                      NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body,
                                        strlen (body));
    }
  else if (g_str_has_prefix (path, "/truncated"))
    {
      const char *body = ": OPENROUTER PROCESSING\n\n"
                         "data: {\"id\":\"gen-x\",\"choices\":[{\"delta\":{\"content\":\"Hal\"}}]}"
                         "\n\n";

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/event-stream", SOUP_MEMORY_STATIC, body,
                                        strlen (body));
    }
  else if (g_str_has_prefix (path, "/jsonstream"))
    {
      /* a server that ignores "stream": a plain JSON answer, generation id in the header */
      const char *body = "{\"model\":\"m\",\"choices\":[{\"message\":{\"content\":\"whole\"},"
                         "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":\"3\","
                         "\"completion_tokens\":2.0}}";

      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "X-Generation-Id", "gen-header");
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, body,
                                        strlen (body));
    }
  else
    {
      soup_server_message_set_status (msg, 502, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC,
                                        "<html>Bad gateway</html>\n", 25);
    }
}

typedef struct
{
  SoupServer     *server;
  GSocketService *service;
  char           *url;
} OddServer;

static gboolean
odd_server_incoming (GSocketService    *service,
                     GSocketConnection *connection,
                     GObject           *source_object,
                     gpointer           user_data)
{
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GError) error = NULL;

  soup_server_accept_iostream (user_data, G_IO_STREAM (connection), local, remote, &error);
  g_assert_no_error (error);
  return TRUE;
}

/* Accepting connections ourselves, as fake-server.c does: libsoup 3.2's listener leaks. */
static OddServer *
odd_server_new (guint *hits)
{
  OddServer *odd = g_new0 (OddServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  odd->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (odd->server, NULL, odd_server_callback, hits, NULL);
  odd->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (odd->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                 &effective, &error);
  g_assert_no_error (error);
  g_signal_connect (odd->service, "incoming", G_CALLBACK (odd_server_incoming), odd->server);
  g_socket_service_start (odd->service);
  odd->url = g_strdup_printf ("http://127.0.0.1:%u",
                              g_inet_socket_address_get_port (
                                G_INET_SOCKET_ADDRESS (effective)));
  return odd;
}

static void
odd_server_free (OddServer *odd)
{
  g_socket_service_stop (odd->service);
  g_socket_listener_close (G_SOCKET_LISTENER (odd->service));
  g_object_unref (odd->service);
  soup_server_disconnect (odd->server);
  g_object_unref (odd->server);
  g_free (odd->url);
  g_free (odd);
}

static void
test_key_never_in_messages (void)
{
  guint hits = 0;
  OddServer *server = odd_server_new (&hits);
  const char *url = server->url;
  g_autofree char *base401 = g_strconcat (url, "/echo", NULL);
  g_autofree char *base500 = g_strconcat (url, "/echo500", NULL);
  g_autoptr(TbClient) client = tb_client_new (base401, TEST_KEY, 0);
  g_autoptr(TbClient) client500 = tb_client_new (base500, TEST_KEY, 0);
  TbChatRequest request = simple_request ("acme/any", FALSE);
  Events events = { 0 };
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error500 = NULL;

  result = run_chat (client, &request, NULL, NULL, NULL, &error);
  g_assert_error (error, TB_HTTP_ERROR, 401);
  g_assert_null (strstr (error->message, TEST_KEY));
  g_assert_nonnull (strstr (error->message, "[redacted]"));

  /* retried failures pass their message to the retry callback: checked there too */
  tb_client_set_retry_policy (client500, 2, 10);
  result = run_chat (client500, &request, &events, NULL, NULL, &error500);
  g_assert_error (error500, TB_HTTP_ERROR, 500);
  g_assert_null (strstr (error500->message, TEST_KEY));
  g_assert_cmpuint (events.retries, ==, 1);

  events_clear (&events);
  odd_server_free (server);
}

static void
test_truncated_stream (void)
{
  guint hits = 0;
  OddServer *server = odd_server_new (&hits);
  const char *url = server->url;
  g_autofree char *base = g_strconcat (url, "/truncated", NULL);
  g_autoptr(TbClient) client = tb_client_new (base, NULL, 0);
  TbChatRequest request = simple_request ("acme/any", TRUE);
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint attempts = 0;

  tb_client_set_retry_policy (client, 2, 10);
  result = run_chat (client, &request, NULL, NULL, &attempts, &error);
  g_assert_null (result);
  g_assert_error (error, TB_HTTP_ERROR, TB_HTTP_ERROR_TRANSPORT);
  g_assert_nonnull (strstr (error->message, "before the answer was complete"));
  g_assert_cmpuint (attempts, ==, 2);
  g_assert_cmpuint (hits, ==, 2);

  odd_server_free (server);
}

static void
test_odd_answers (void)
{
  guint hits = 0;
  OddServer *server = odd_server_new (&hits);
  const char *url = server->url;
  g_autofree char *json_base = g_strconcat (url, "/jsonstream", NULL);
  g_autofree char *html_base = g_strconcat (url, "/html", NULL);
  g_autoptr(TbClient) client = tb_client_new (json_base, NULL, 0);
  g_autoptr(TbClient) html_client = tb_client_new (html_base, NULL, 0);
  TbChatRequest request = simple_request ("acme/any", TRUE);
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(TbChatResult) html_result = NULL;
  g_autoptr(GError) error = NULL;

  result = run_chat (client, &request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->content, ==, "whole");
  g_assert_cmpstr (result->generation_id, ==, "gen-header");
  g_assert_null (result->provider);
  g_assert_cmpint (result->prompt_tokens, ==, 3);
  g_assert_cmpint (result->completion_tokens, ==, 2);
  g_assert_false (result->has_inline_cost);

  tb_client_set_retry_policy (html_client, 1, 10);
  html_result = run_chat (html_client, &request, NULL, NULL, NULL, &error);
  g_assert_error (error, TB_HTTP_ERROR, 502);
  g_assert_nonnull (strstr (error->message, "Bad gateway"));

  odd_server_free (server);
}

/* ---- generation and models ---------------------------------------------------------- */

static TbGeneration *
run_generation (TbClient    *client,
                const char  *id,
                GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  tb_client_generation_async (client, id, NULL, on_async_done, &result);
  return tb_client_generation_finish (client, wait_for (&result), error);
}

static void
test_generation_after_404s (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), TEST_KEY, 0);
  FakeModel model = { .content = "x", .cost = 0.002, .billed_cost = 0.0021,
                      .generation_404s = 2, .provider = "Billed Inc" };
  TbChatRequest request = simple_request ("acme/billed", FALSE);
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(TbGeneration) data = NULL;
  g_autoptr(GError) error = NULL;
  FakeRequest *seen;

  fake_server_set_model (server, "acme/billed", &model);
  result = run_chat (client, &request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (result->inline_cost, 0.002, 1e-12);

  data = run_generation (client, result->generation_id, &error);
  g_assert_no_error (error);
  g_assert_true (data->has_total_cost);
  g_assert_cmpfloat_with_epsilon (data->total_cost, 0.0021, 1e-12);
  g_assert_cmpstr (data->id, ==, "gen-1");
  g_assert_cmpstr (data->provider_name, ==, "Billed Inc");
  g_assert_cmpstr (data->model, ==, "acme/billed");
  g_assert_cmpint (data->tokens_prompt, >, 0);
  g_assert_cmpint (data->tokens_completion, >, 0);
  g_assert_cmpuint (fake_server_count (server, "/generation", NULL), ==, 3);
  seen = last_request (server);
  g_assert_cmpstr (seen->method, ==, "GET");
  g_assert_cmpstr (seen->query, ==, "id=gen-1");
  g_assert_cmpstr (seen->authorization, ==, "Bearer " TEST_KEY);

  fake_server_free (server);
}

static void
test_generation_never (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = NULL;
  FakeModel model = { .content = "x", .generation_never = TRUE };
  TbChatRequest request = simple_request ("acme/unbilled", FALSE);
  g_autoptr(TbChatResult) result = NULL;
  g_autoptr(TbGeneration) data = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  g_setenv ("TASKBENCH_GENERATION_WAIT_MS", "400", TRUE);
  client = tb_client_new (fake_server_get_url (server), TEST_KEY, 0);
  g_unsetenv ("TASKBENCH_GENERATION_WAIT_MS");

  fake_server_set_model (server, "acme/unbilled", &model);
  result = run_chat (client, &request, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  data = run_generation (client, result->generation_id, &error);
  g_assert_null (data);
  g_assert_error (error, TB_HTTP_ERROR, 404);
  g_assert_nonnull (strstr (error->message, result->generation_id));
  g_assert_cmpint (elapsed_ms (start), >=, 350);
  g_assert_cmpint (elapsed_ms (start), <, 2000);
  g_assert_cmpuint (fake_server_count (server, "/generation", NULL), >=, 3);
  g_clear_error (&error);

  /* an id the server never issued */
  data = run_generation (client, "gen-unknown", &error);
  g_assert_error (error, TB_HTTP_ERROR, 404);

  fake_server_free (server);
}

static void
test_models (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), NULL, 0);
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GAsyncResult) res2 = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) bytes2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) providers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           NULL);
  JsonArray *data;
  gboolean saw_free = FALSE, saw_image = FALSE, saw_plain = FALSE, saw_structured = FALSE;
  gint64 min_context = G_MAXINT64, max_context = 0;

  fake_server_add_catalog_model (server, "acme/extra", 4096, 1e-6, 2e-6, FALSE);
  tb_client_models_async (client, NULL, on_async_done, &res);
  bytes = tb_client_models_finish (client, wait_for (&res), &error);
  g_assert_no_error (error);
  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                              &error);
  g_assert_no_error (error);
  data = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                       "data");
  g_assert_cmpuint (json_array_get_length (data), >=, 12);

  for (guint i = 0; i < json_array_get_length (data); i++)
    {
      JsonObject *entry = json_array_get_object_element (data, i);
      JsonObject *pricing = json_object_get_object_member (entry, "pricing");
      JsonObject *arch = json_object_get_object_member (entry, "architecture");
      JsonArray *params = json_object_get_array_member (entry, "supported_parameters");
      const char *id = json_object_get_string_member (entry, "id");
      const char *prompt = json_object_get_string_member (pricing, "prompt");
      gint64 context = json_object_get_int_member (entry, "context_length");
      JsonArray *outputs = json_object_get_array_member (arch, "output_modalities");
      gboolean structured = FALSE;

      g_assert_nonnull (strchr (id, '/'));
      g_hash_table_add (providers, g_strndup (id, strchr (id, '/') - id));
      g_assert_nonnull (prompt);
      g_assert_nonnull (json_object_get_string_member (pricing, "completion"));
      g_assert_nonnull (json_object_get_array_member (arch, "input_modalities"));
      g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (entry,
                                                     "top_provider"),
                                                   "max_completion_tokens"), >, 0);
      for (guint j = 0; j < json_array_get_length (params); j++)
        if (g_str_equal (json_array_get_string_element (params, j), "structured_outputs"))
          structured = TRUE;
      saw_structured |= structured;
      saw_plain |= !structured;
      saw_free |= g_str_equal (prompt, "0");
      saw_image |= g_str_equal (json_array_get_string_element (outputs, 0), "image");
      min_context = MIN (min_context, context);
      max_context = MAX (max_context, context);
      if (g_str_equal (id, "openai/gpt-4o-mini"))
        g_assert_cmpstr (prompt, ==, "0.00000015");
    }
  g_assert_true (saw_free && saw_image && saw_plain && saw_structured);
  g_assert_cmpuint (g_hash_table_size (providers), >=, 6);
  g_assert_cmpint (min_context, <=, 8192);
  g_assert_cmpint (max_context, >=, 1000000);

  /* failures are retried, then reported */
  fake_server_set_models_status (server, 500);
  tb_client_set_retry_policy (client, 2, 10);
  fake_server_clear_requests (server);
  tb_client_models_async (client, NULL, on_async_done, &res2);
  bytes2 = tb_client_models_finish (client, wait_for (&res2), &error);
  g_assert_null (bytes2);
  g_assert_error (error, TB_HTTP_ERROR, 500);
  g_assert_true (g_str_has_prefix (error->message, "fetching the model list: "));
  g_assert_cmpuint (fake_server_count (server, "/models", NULL), ==, 2);

  fake_server_free (server);
}

/* ---- the fake itself and the environment --------------------------------------------- */

static void
test_fake_script (void)
{
  FakeServer *server = fake_server_new ();
  g_autoptr(TbClient) client = tb_client_new (fake_server_get_url (server), NULL, 0);
  g_autofree char *dir = g_dir_make_tmp ("test-client-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "script.json", NULL);
  const char *script =
    "{\"models\": {\"acme/seq\": {\"replies\": [\"one\", \"two\"], \"provider\": \"Seq\","
    "  \"cost\": 0.5, \"fail_status\": 500, \"fail_times\": 1}},"
    " \"catalog\": [{\"id\": \"acme/seq\", \"context_length\": 9000,"
    "  \"price_prompt\": 0.000001, \"price_completion\": 0.000002,"
    "  \"structured_outputs\": true}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) root = NULL;
  g_autofree char *text = NULL;
  const char *expected[] = { "one", "two", "two" };

  g_assert_true (g_file_set_contents (path, script, -1, &error));
  g_assert_true (fake_server_load_script (server, path, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      TbChatRequest request = simple_request ("acme/seq", i == 1);
      g_autoptr(TbChatResult) result = NULL;
      guint attempts = 0;

      result = run_chat (client, &request, NULL, NULL, &attempts, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (result->content, ==, expected[i]);
      g_assert_cmpstr (result->provider, ==, "Seq");
      g_assert_cmpuint (attempts, ==, i == 0 ? 2 : 1);
    }

  /* the script's catalog replaced the built-in one */
  tb_client_models_async (client, NULL, on_async_done, &res);
  bytes = tb_client_models_finish (client, wait_for (&res), &error);
  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  root = parse_object (text);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "data")), ==, 1);

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);

  g_assert_false (fake_server_load_script (server, "/nonexistent/script.json", &error));
  g_assert_nonnull (error);

  fake_server_free (server);
}

static void
test_from_env (void)
{
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbClient) defaults = NULL;
  g_autoptr(TbClient) trimmed = NULL;

  g_setenv ("TASKBENCH_BASE_URL", "http://localhost:11434/v1", TRUE);
  g_setenv ("OPENROUTER_API_KEY", TEST_KEY, TRUE);
  g_setenv ("TASKBENCH_TIMEOUT", "7", TRUE);
  client = tb_client_new_from_env ();
  g_assert_cmpstr (tb_client_get_base_url (client), ==, "http://localhost:11434/v1");
  g_assert_true (tb_client_has_api_key (client));

  g_setenv ("TASKBENCH_BASE_URL", "", TRUE);
  g_setenv ("OPENROUTER_API_KEY", "", TRUE);
  g_unsetenv ("TASKBENCH_TIMEOUT");
  defaults = tb_client_new_from_env ();
  g_assert_cmpstr (tb_client_get_base_url (defaults), ==, "https://openrouter.ai/api/v1");
  g_assert_false (tb_client_has_api_key (defaults));

  trimmed = tb_client_new ("http://example.invalid/api/v1///", NULL, 0);
  g_assert_cmpstr (tb_client_get_base_url (trimmed), ==, "http://example.invalid/api/v1");
}

int
main (int    argc,
      char **argv)
{
  /* the isolated XDG dirs hold no GSettings schemas, which GNOME's proxy module needs */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* fast retries when run outside meson too */
  g_setenv ("TASKBENCH_RETRY_BASE_MS", "20", FALSE);

  g_test_add_func ("/client/chat/plain", test_chat_plain);
  g_test_add_func ("/client/chat/no-key-no-cost", test_chat_no_key_no_cost);
  g_test_add_func ("/client/chat/stream", test_chat_stream);
  g_test_add_func ("/client/chat/response-format", test_response_format);
  g_test_add_func ("/client/chat/fake-judgment", test_fake_judgment);
  g_test_add_func ("/client/retry/429-retry-after", test_retry_429_retry_after);
  g_test_add_func ("/client/retry/500-twice", test_retry_500_twice);
  g_test_add_func ("/client/retry/429-exhausted", test_rate_limited_exhausted);
  g_test_add_func ("/client/retry/not-retried", test_not_retried);
  g_test_add_func ("/client/retry/401-without-key", test_401_without_key);
  g_test_add_func ("/client/retry/midstream-error", test_midstream_error);
  g_test_add_func ("/client/retry/truncated-stream", test_truncated_stream);
  g_test_add_func ("/client/retry/connection-refused", test_connection_refused);
  g_test_add_func ("/client/timeout", test_timeout);
  g_test_add_func ("/client/cancel/midstream", test_cancel_midstream);
  g_test_add_func ("/client/cancel/backoff", test_cancel_during_backoff);
  g_test_add_func ("/client/key-never-in-messages", test_key_never_in_messages);
  g_test_add_func ("/client/odd-answers", test_odd_answers);
  g_test_add_func ("/client/generation/after-404s", test_generation_after_404s);
  g_test_add_func ("/client/generation/never", test_generation_never);
  g_test_add_func ("/client/models", test_models);
  g_test_add_func ("/client/fake-script", test_fake_script);
  g_test_add_func ("/client/from-env", test_from_env);

  return g_test_run ();
}
