/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-client"

#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "tb-client.h"
#include "tb-error.h"
#include "tb-util.h"

#define DEFAULT_TIMEOUT_S          120
#define DEFAULT_MAX_ATTEMPTS       5
#define DEFAULT_BASE_DELAY_MS      1000
#define DEFAULT_GENERATION_WAIT_MS 30000
#define MAX_DELAY_MS               60000
#define APP_REFERER                "https://github.com/taskbench/taskbench"
#define STREAM_READ_SIZE           8192

struct _TbClient
{
  GObject      parent_instance;

  SoupSession *session;
  char        *base_url;
  char        *api_key;
  guint        timeout_s;
  guint        max_attempts;
  guint        base_delay_ms;
  guint        env_base_delay_ms;  /* 0: TASKBENCH_RETRY_BASE_MS unset */
  guint        generation_wait_ms;
};

G_DEFINE_FINAL_TYPE (TbClient, tb_client, G_TYPE_OBJECT)

typedef enum {
  CALL_CHAT,
  CALL_GENERATION,
  CALL_MODELS,
} CallKind;

/* The state of one logical call, across its attempts. */
typedef struct
{
  CallKind         kind;
  char            *method;
  char            *url;
  GBytes          *body;
  gboolean         stream;
  TbChatCallbacks  callbacks;
  char            *generation_id;
  guint            attempt;
  gint64           start_us;
  gint64           deadline_us;

  /* the attempt under way */
  SoupMessage     *msg;
  GInputStream    *input;
  GOutputStream   *sink;
  GString         *pending;
  GString         *content;
  TbChatResult    *result;
  guint64          deltas;
  gboolean         saw_done;

  /* a backoff wait under way */
  GSource         *wait_source;
  GSource         *cancel_source;
} Call;

static void call_start_attempt (GTask *task);

void
tb_chat_result_free (TbChatResult *result)
{
  if (result == NULL)
    return;

  g_free (result->content);
  g_free (result->finish_reason);
  g_free (result->generation_id);
  g_free (result->model);
  g_free (result->provider);
  g_free (result);
}

static void
call_reset_attempt (Call *call)
{
  g_clear_object (&call->msg);
  g_clear_object (&call->input);
  g_clear_object (&call->sink);
  if (call->pending != NULL)
    g_string_truncate (call->pending, 0);
  if (call->content != NULL)
    g_string_truncate (call->content, 0);
  g_clear_pointer (&call->result, tb_chat_result_free);
  call->deltas = 0;
  call->saw_done = FALSE;
}

static void
call_clear_wait (Call *call)
{
  if (call->wait_source != NULL)
    {
      g_source_destroy (call->wait_source);
      g_clear_pointer (&call->wait_source, g_source_unref);
    }
  if (call->cancel_source != NULL)
    {
      g_source_destroy (call->cancel_source);
      g_clear_pointer (&call->cancel_source, g_source_unref);
    }
}

static void
call_free (Call *call)
{
  call_reset_attempt (call);
  call_clear_wait (call);
  g_free (call->method);
  g_free (call->url);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_free (call->generation_id);
  if (call->pending != NULL)
    g_string_free (call->pending, TRUE);
  if (call->content != NULL)
    g_string_free (call->content, TRUE);
  g_free (call);
}

/* ---- errors ------------------------------------------------------------------------- */

/* The key must never leave memory, even when a server echoes it back in an error. */
static char *
redact_key (TbClient   *self,
            const char *text)
{
  g_autoptr(GString) out = g_string_new (text);

  if (self->api_key != NULL && self->api_key[0] != '\0')
    g_string_replace (out, self->api_key, "[redacted]", 0);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static GError *client_error (TbClient   *self,
                             int         code,
                             const char *format,
                             ...) G_GNUC_PRINTF (3, 4);

static GError *
client_error (TbClient   *self,
              int         code,
              const char *format,
              ...)
{
  g_autofree char *raw = NULL;
  g_autofree char *safe = NULL;
  va_list args;

  va_start (args, format);
  raw = g_strdup_vprintf (format, args);
  va_end (args);

  safe = redact_key (self, raw);
  return g_error_new_literal (TB_HTTP_ERROR, code, safe);
}

static const char *
status_label (guint status)
{
  switch (status)
    {
    case 400: return _("bad request");
    case 401: return _("key rejected");
    case 402: return _("out of credits");
    case 403: return _("refused by moderation");
    case 404: return _("not found");
    case 408: return _("request timed out");
    case 413: return _("request too large");
    case 429: return _("rate limited");
    case 502: return _("upstream provider failed");
    case 503: return _("service unavailable");
    case 504: return _("upstream provider timed out");
    default:  return status >= 500 ? _("server error") : _("request failed");
    }
}

static gboolean
status_is_retryable (CallKind kind,
                     guint    status)
{
  if (status == 408 || status == 429 || (status >= 500 && status < 600))
    return TRUE;
  /* OpenRouter answers 404 for a generation until its cost record is written */
  return kind == CALL_GENERATION && status == 404;
}

/* ---- JSON helpers ------------------------------------------------------------------- */

static JsonNode *
member_value (JsonObject *object,
              const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  return node;
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = member_value (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

static JsonArray *
member_array (JsonObject *object,
              const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

/* Numbers arrive as integers, doubles or (from some servers) strings. */
static gboolean
member_number (JsonObject *object,
               const char *name,
               double     *out)
{
  JsonNode *node = member_value (object, name);
  GType type;

  if (node == NULL)
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else if (type == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);
      char *end = NULL;

      *out = g_ascii_strtod (text, &end);
      if (end == text || *end != '\0')
        return FALSE;
    }
  else
    return FALSE;

  return TRUE;
}

static gint64
member_int (JsonObject *object,
            const char *name)
{
  double value = 0;

  if (!member_number (object, name, &value))
    return 0;
  return (gint64) value;
}

static JsonObject *
first_choice (JsonObject *root)
{
  JsonArray *choices = member_array (root, "choices");
  JsonNode *node;

  if (choices == NULL || json_array_get_length (choices) == 0)
    return NULL;
  node = json_array_get_element (choices, 0);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

static JsonNode *
parse_json (GBytes  *bytes,
            GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);

  if (!json_parser_load_from_data (parser, data != NULL ? data : "", size, error))
    return NULL;
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, "empty document");
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

/* The user-facing detail of an error body: {error:{code, message, metadata?}}. */
static char *
error_detail (GBytes      *body,
              SoupMessage *msg)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *error_obj = NULL;
  const char *message = NULL;

  if (body != NULL && g_bytes_get_size (body) > 0)
    root = parse_json (body, NULL);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *object = json_node_get_object (root);

      error_obj = member_object (object, "error");
      message = member_string (error_obj, "message");
      if (message == NULL)
        message = member_string (object, "message");
      if (message == NULL)
        message = member_string (object, "error");
    }

  if (message != NULL && message[0] != '\0')
    {
      JsonObject *metadata = member_object (error_obj, "metadata");
      const char *provider = member_string (metadata, "provider_name");

      if (provider != NULL)
        return g_strdup_printf ("%s (provider %s)", message, provider);
      return g_strdup (message);
    }

  /* Not our JSON (a proxy's page?): the first line of text, kept short. */
  if (root == NULL && body != NULL && g_bytes_get_size (body) > 0)
    {
      gsize size = 0;
      const char *data = g_bytes_get_data (body, &size);
      g_autofree char *text = g_strndup (data, MIN (size, 200));
      char *newline = strchr (text, '\n');

      if (newline != NULL)
        *newline = '\0';
      g_strstrip (text);
      if (text[0] != '\0' && g_utf8_validate (text, -1, NULL))
        return g_steal_pointer (&text);
    }

  if (msg != NULL && soup_message_get_reason_phrase (msg) != NULL)
    return g_strdup (soup_message_get_reason_phrase (msg));
  return g_strdup (_("no details given"));
}

/* Seconds, or an HTTP date; NULL/unparseable → 0. */
static guint
retry_after_ms (SoupMessage *msg)
{
  const char *value;
  double seconds = -1;
  char *end = NULL;

  if (msg == NULL)
    return 0;
  value = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                        "Retry-After");
  if (value == NULL)
    return 0;

  seconds = g_ascii_strtod (value, &end);
  if (end == value || (*end != '\0' && !g_ascii_isspace (*end)))
    {
      g_autoptr(GDateTime) when = soup_date_time_new_from_http_string (value);
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      if (when == NULL)
        return 0;
      seconds = g_date_time_difference (when, now) / (double) G_TIME_SPAN_SECOND;
    }

  if (seconds <= 0)
    return 0;
  return (guint) MIN (seconds * 1000.0, (double) MAX_DELAY_MS);
}

/* ---- the client object --------------------------------------------------------------- */

static void
tb_client_finalize (GObject *object)
{
  TbClient *self = TB_CLIENT (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_pointer (&self->base_url, g_free);
  if (self->api_key != NULL)
    memset (self->api_key, 0, strlen (self->api_key));
  g_clear_pointer (&self->api_key, g_free);

  G_OBJECT_CLASS (tb_client_parent_class)->finalize (object);
}

static void
tb_client_class_init (TbClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tb_client_finalize;
}

static void
tb_client_init (TbClient *self)
{
  self->max_attempts = DEFAULT_MAX_ATTEMPTS;
  self->base_delay_ms = DEFAULT_BASE_DELAY_MS;
  self->generation_wait_ms = DEFAULT_GENERATION_WAIT_MS;
}

TbClient *
tb_client_new (const char *base_url,
               const char *api_key,
               guint       timeout_s)
{
  TbClient *self = g_object_new (TB_TYPE_CLIENT, NULL);
  g_autofree char *user_agent = g_strdup_printf ("TaskBench/%s ", PACKAGE_VERSION);
  gsize len;

  if (base_url == NULL || base_url[0] == '\0')
    base_url = TB_DEFAULT_BASE_URL;
  self->base_url = g_strdup (base_url);
  len = strlen (self->base_url);
  while (len > 0 && self->base_url[len - 1] == '/')
    self->base_url[--len] = '\0';

  if (api_key != NULL && api_key[0] != '\0')
    self->api_key = g_strstrip (g_strdup (api_key));

  self->timeout_s = timeout_s > 0 ? timeout_s : DEFAULT_TIMEOUT_S;
  self->env_base_delay_ms = tb_env_uint ("TASKBENCH_RETRY_BASE_MS", 0);
  if (self->env_base_delay_ms > 0)
    self->base_delay_ms = self->env_base_delay_ms;
  self->generation_wait_ms = tb_env_uint ("TASKBENCH_GENERATION_WAIT_MS",
                                          DEFAULT_GENERATION_WAIT_MS);

  /* libsoup's default of 2 connections per host would serialise a parallel run. Every call
   * goes to the one host, and the runner's concurrency (TASKBENCH_MAX_CONCURRENCY, which may
   * be above 16) is the real limit; billed-cost lookups need connections beside it. */
  self->session = soup_session_new_with_options ("timeout", self->timeout_s,
                                                 "user-agent", user_agent,
                                                 "max-conns", 64,
                                                 "max-conns-per-host", 64,
                                                 NULL);
  return self;
}

TbClient *
tb_client_new_from_env (void)
{
  const char *base_url = g_getenv ("TASKBENCH_BASE_URL");
  const char *api_key = g_getenv ("OPENROUTER_API_KEY");

  return tb_client_new (base_url, api_key, tb_env_uint ("TASKBENCH_TIMEOUT", 0));
}

const char *
tb_client_get_base_url (TbClient *self)
{
  g_return_val_if_fail (TB_IS_CLIENT (self), NULL);
  return self->base_url;
}

gboolean
tb_client_has_api_key (TbClient *self)
{
  g_return_val_if_fail (TB_IS_CLIENT (self), FALSE);
  return self->api_key != NULL && self->api_key[0] != '\0';
}

gboolean
tb_base_url_is_openrouter (const char *base_url)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;

  if (base_url == NULL || *base_url == '\0')
    return TRUE;   /* the default */
  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL);
  host = uri != NULL ? g_uri_get_host (uri) : NULL;
  if (host == NULL)
    return FALSE;
  return g_ascii_strcasecmp (host, "openrouter.ai") == 0
         || g_str_has_suffix (host, ".openrouter.ai");
}

gboolean
tb_client_needs_api_key (TbClient *self)
{
  g_return_val_if_fail (TB_IS_CLIENT (self), FALSE);
  return !tb_client_has_api_key (self) && tb_base_url_is_openrouter (self->base_url);
}

void
tb_client_set_retry_policy (TbClient *self,
                            guint     max_attempts,
                            guint     base_delay_ms)
{
  g_return_if_fail (TB_IS_CLIENT (self));

  self->max_attempts = max_attempts > 0 ? max_attempts : DEFAULT_MAX_ATTEMPTS;
  /* the environment wins so that test suites stay fast whatever the caller asks */
  if (self->env_base_delay_ms > 0)
    self->base_delay_ms = self->env_base_delay_ms;
  else
    self->base_delay_ms = base_delay_ms > 0 ? base_delay_ms : DEFAULT_BASE_DELAY_MS;
}

/* ---- completing and retrying --------------------------------------------------------- */

static guint
backoff_delay_ms (TbClient *self,
                  guint     attempt)
{
  double delay = self->base_delay_ms;
  guint i;

  for (i = 1; i < attempt && delay < MAX_DELAY_MS; i++)
    delay *= 2;
  delay *= g_random_double_range (0.75, 1.25);
  return (guint) CLAMP (delay, 1.0, (double) MAX_DELAY_MS);
}

static void
call_return_error (GTask  *task,
                   GError *error)
{
  Call *call = g_task_get_task_data (task);

  call_reset_attempt (call);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static gboolean
on_wait_done (gpointer user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);

  call_clear_wait (call);
  call_start_attempt (task);
  return G_SOURCE_REMOVE;
}

static gboolean
on_wait_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);

  call_clear_wait (call);
  call_return_error (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                "Operation was cancelled"));
  return G_SOURCE_REMOVE;
}

/* Takes `error`. Either schedules another attempt or completes the task. */
static void
call_fail (GTask   *task,
           GError  *error,
           gboolean retryable,
           guint    server_delay_ms)
{
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  guint delay_ms;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (cancellable))
    {
      g_clear_error (&error);
      call_return_error (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                    "Operation was cancelled"));
      return;
    }

  delay_ms = server_delay_ms > 0 ? server_delay_ms : backoff_delay_ms (self, call->attempt);

  if (retryable && call->kind == CALL_GENERATION)
    {
      gint64 remaining_ms = (call->deadline_us - g_get_monotonic_time ()) / 1000;

      if (remaining_ms <= 0)
        retryable = FALSE;
      else
        delay_ms = MIN (delay_ms, (guint) remaining_ms);
    }
  else if (retryable && call->attempt >= self->max_attempts)
    retryable = FALSE;

  if (!retryable)
    {
      call_return_error (task, error);
      return;
    }

  g_debug ("attempt %u of %s failed (%s); retrying in %u ms",
           call->attempt, call->url, error->message, delay_ms);
  if (call->callbacks.retry != NULL)
    call->callbacks.retry (call->callbacks.user_data, call->attempt + 1, delay_ms,
                           error->message);
  g_clear_error (&error);
  call_reset_attempt (call);

  call->wait_source = g_timeout_source_new (delay_ms);
  g_source_set_callback (call->wait_source, on_wait_done, task, NULL);
  g_source_attach (call->wait_source, g_task_get_context (task));
  if (cancellable != NULL)
    {
      call->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (call->cancel_source, G_SOURCE_FUNC (on_wait_cancelled), task,
                             NULL);
      g_source_attach (call->cancel_source, g_task_get_context (task));
    }
}

static void
call_fail_transport (GTask        *task,
                     const GError *cause,
                     const char   *what)
{
  TbClient *self = g_task_get_source_object (task);
  g_autoptr(GUri) uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL);
  const char *host = uri != NULL && g_uri_get_host (uri) != NULL ? g_uri_get_host (uri)
                                                                 : self->base_url;
  gboolean retryable = TRUE;
  GError *error;

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      call_fail (task, g_error_copy (cause), FALSE, 0);
      return;
    }

  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    error = client_error (self, TB_HTTP_ERROR_TRANSPORT,
                          _("no answer from %s within %u s (timeout)"), host, self->timeout_s);
  else
    error = client_error (self, TB_HTTP_ERROR_TRANSPORT, "%s %s: %s", what, host,
                          cause->message);

  /* a certificate problem does not go away by asking again */
  if (cause->domain == G_TLS_ERROR)
    retryable = FALSE;

  call_fail (task, error, retryable, 0);
}

static void
call_fail_status (GTask  *task,
                  GBytes *body)
{
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);
  guint status = soup_message_get_status (call->msg);
  g_autofree char *detail = error_detail (body, call->msg);
  GError *error;

  if (status == 401 && !tb_client_has_api_key (self))
    error = client_error (self, status, _("%s (%u): %s (no API key is set: OPENROUTER_API_KEY)"),
                          status_label (status), status, detail);
  else
    error = client_error (self, status, "%s (%u): %s", status_label (status), status, detail);

  if (call->kind == CALL_GENERATION)
    g_prefix_error (&error, _("looking up the cost of generation %s: "), call->generation_id);
  else if (call->kind == CALL_MODELS)
    g_prefix_error (&error, _("fetching the model list: "));

  call_fail (task, error, status_is_retryable (call->kind, status), retry_after_ms (call->msg));
}

static void
call_return_chat (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  TbChatResult *result = g_steal_pointer (&call->result);

  if (result->generation_id == NULL)
    {
      const char *header =
        soup_message_headers_get_one (soup_message_get_response_headers (call->msg),
                                      "X-Generation-Id");
      result->generation_id = g_strdup (header);
    }
  if (result->content == NULL)
    result->content = g_strdup (call->content->str);
  result->latency_ms = (g_get_monotonic_time () - call->start_us) / 1000;
  result->attempts = call->attempt;

  call_reset_attempt (call);
  g_task_return_pointer (task, result, (GDestroyNotify) tb_chat_result_free);
  g_object_unref (task);
}

/* ---- chat answers ------------------------------------------------------------------- */

static void
parse_usage (TbChatResult *result,
             JsonObject   *usage)
{
  double cost = 0;

  if (usage == NULL)
    return;

  result->prompt_tokens = member_int (usage, "prompt_tokens");
  result->completion_tokens = member_int (usage, "completion_tokens");
  result->cached_tokens = member_int (member_object (usage, "prompt_tokens_details"),
                                      "cached_tokens");
  result->reasoning_tokens = member_int (member_object (usage, "completion_tokens_details"),
                                         "reasoning_tokens");
  if (member_number (usage, "cost", &cost))
    {
      result->has_inline_cost = TRUE;
      result->inline_cost = cost;
    }
}

static void
take_identity (TbChatResult *result,
               JsonObject   *root)
{
  if (result->generation_id == NULL && member_string (root, "id") != NULL)
    result->generation_id = g_strdup (member_string (root, "id"));
  if (result->model == NULL && member_string (root, "model") != NULL)
    result->model = g_strdup (member_string (root, "model"));
  if (result->provider == NULL && member_string (root, "provider") != NULL)
    result->provider = g_strdup (member_string (root, "provider"));
}

/* A provider failure reported inside a 200 answer; retried like a 5xx. */
static GError *
provider_error (TbClient   *self,
                JsonObject *error_obj,
                gboolean    midstream)
{
  const char *message = member_string (error_obj, "message");
  double code = 0;
  g_autofree char *with_code = NULL;

  if (message == NULL || message[0] == '\0')
    message = _("no details given");
  if (member_number (error_obj, "code", &code) && code > 0)
    with_code = g_strdup_printf (" (%d)", (int) code);

  /* Translators: the first %s is empty or an error code such as " (502)" */
  return client_error (self, TB_HTTP_ERROR_PROTOCOL,
                       midstream ? _("the provider failed mid-stream%s: %s")
                                 : _("the provider failed to answer%s: %s"),
                       with_code != NULL ? with_code : "", message);
}

static void
handle_chat_body (GTask  *task,
                  GBytes *body)
{
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root_node = parse_json (body, &local_error);
  JsonObject *root, *choice, *message;
  const char *content;

  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node))
    {
      call_fail (task, client_error (self, TB_HTTP_ERROR_PROTOCOL,
                                     _("the server's answer is not a JSON object: %s"),
                                     local_error != NULL ? local_error->message : "wrong type"),
                 FALSE, 0);
      return;
    }
  root = json_node_get_object (root_node);

  if (member_object (root, "error") != NULL)
    {
      call_fail (task, provider_error (self, member_object (root, "error"), FALSE), TRUE, 0);
      return;
    }

  choice = first_choice (root);
  if (choice == NULL)
    {
      call_fail (task, client_error (self, TB_HTTP_ERROR_PROTOCOL,
                                     _("the server's answer has no choices")), FALSE, 0);
      return;
    }

  call->result = g_new0 (TbChatResult, 1);
  take_identity (call->result, root);
  parse_usage (call->result, member_object (root, "usage"));
  message = member_object (choice, "message");
  content = member_string (message, "content");
  /* null content (a refusal, a tool call) is an empty answer, not a protocol failure */
  call->result->content = g_strdup (content != NULL ? content : "");
  call->result->finish_reason = g_strdup (member_string (choice, "finish_reason"));

  call_return_chat (task);
}

/* Returns FALSE with `error` set when the stream carries a failure. */
static gboolean
handle_sse_data (Call        *call,
                 TbClient    *self,
                 const char  *payload,
                 GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root_node;
  JsonObject *root, *choice;

  if (strcmp (payload, "[DONE]") == 0)
    {
      call->saw_done = TRUE;
      return TRUE;
    }

  if (!json_parser_load_from_data (parser, payload, -1, &local_error) ||
      (root_node = json_parser_get_root (parser)) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (root_node))
    {
      g_propagate_error (error, client_error (self, TB_HTTP_ERROR_PROTOCOL,
                                              _("the server sent a malformed stream chunk: %s"),
                                              local_error != NULL ? local_error->message
                                                                  : "not an object"));
      return FALSE;
    }
  root = json_node_get_object (root_node);

  if (member_object (root, "error") != NULL)
    {
      g_propagate_error (error, provider_error (self, member_object (root, "error"), TRUE));
      return FALSE;
    }

  take_identity (call->result, root);

  choice = first_choice (root);
  if (choice != NULL)
    {
      const char *text = member_string (member_object (choice, "delta"), "content");
      const char *finish = member_string (choice, "finish_reason");

      if (text != NULL && text[0] != '\0')
        {
          g_string_append (call->content, text);
          call->deltas++;
          if (call->callbacks.delta != NULL)
            call->callbacks.delta (call->callbacks.user_data, text, call->deltas);
        }
      if (finish != NULL)
        {
          g_free (call->result->finish_reason);
          call->result->finish_reason = g_strdup (finish);
        }
    }

  if (member_object (root, "usage") != NULL)
    parse_usage (call->result, member_object (root, "usage"));

  return TRUE;
}

static gboolean
handle_sse_line (Call        *call,
                 TbClient    *self,
                 char        *line,
                 GError     **error)
{
  gsize len = strlen (line);
  const char *payload;

  if (len > 0 && line[len - 1] == '\r')
    line[--len] = '\0';

  /* blank lines end events, ':' starts a comment (": OPENROUTER PROCESSING"); other
   * fields (event:, id:, retry:) carry nothing we need */
  if (len == 0 || line[0] == ':' || !g_str_has_prefix (line, "data:"))
    return TRUE;

  payload = line + strlen ("data:");
  if (*payload == ' ')
    payload++;
  return handle_sse_data (call, self, payload, error);
}

static void stream_read_next (GTask *task);

static void
stream_finish (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);

  if (call->saw_done || call->result->finish_reason != NULL)
    {
      call_return_chat (task);
      return;
    }

  call_fail (task, client_error (self, TB_HTTP_ERROR_TRANSPORT,
                                 _("the connection closed before the answer was complete")),
             TRUE, 0);
}

static void
on_stream_read (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res,
                                                              &error);
  gsize size = 0;
  const char *data;
  char *newline;

  if (bytes == NULL)
    {
      call_fail_transport (task, error, _("the connection broke during the answer from"));
      return;
    }

  data = g_bytes_get_data (bytes, &size);
  if (size == 0)
    {
      /* the last line may lack its newline */
      if (call->pending->len > 0)
        {
          g_autofree char *line = g_strdup (call->pending->str);

          g_string_truncate (call->pending, 0);
          if (!handle_sse_line (call, self, line, &error))
            {
              call_fail (task, g_steal_pointer (&error), TRUE, 0);
              return;
            }
        }
      stream_finish (task);
      return;
    }

  g_string_append_len (call->pending, data, size);
  while ((newline = memchr (call->pending->str, '\n', call->pending->len)) != NULL)
    {
      gsize line_len = newline - call->pending->str;
      g_autofree char *line = g_strndup (call->pending->str, line_len);

      g_string_erase (call->pending, 0, line_len + 1);
      if (!handle_sse_line (call, self, line, &error))
        {
          /* an error chunk is an upstream failure: retried like a 5xx */
          call_fail (task, g_steal_pointer (&error), TRUE, 0);
          return;
        }
      if (call->saw_done)
        {
          stream_finish (task);
          return;
        }
    }

  stream_read_next (task);
}

static void
stream_read_next (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (call->input, STREAM_READ_SIZE, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), on_stream_read, task);
}

/* ---- the HTTP exchange ---------------------------------------------------------------- */

static void
handle_body (GTask  *task,
             GBytes *body)
{
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);
  guint status = soup_message_get_status (call->msg);

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      call_fail_status (task, body);
      return;
    }

  switch (call->kind)
    {
    case CALL_CHAT:
      handle_chat_body (task, body);
      break;

    case CALL_MODELS:
      call_reset_attempt (call);
      g_task_return_pointer (task, g_bytes_ref (body), (GDestroyNotify) g_bytes_unref);
      g_object_unref (task);
      break;

    case CALL_GENERATION:
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(JsonNode) root = parse_json (body, &error);
        JsonObject *data = NULL;

        if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
          data = member_object (json_node_get_object (root), "data");
        if (data == NULL)
          {
            call_fail (task, client_error (self, TB_HTTP_ERROR_PROTOCOL,
                                           _("looking up the cost of generation %s: the "
                                           "answer has no data object"), call->generation_id),
                       FALSE, 0);
            return;
          }
        call_reset_attempt (call);
        g_task_return_pointer (task, json_object_ref (data),
                               (GDestroyNotify) json_object_unref);
        g_object_unref (task);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
on_body_read (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;

  if (g_output_stream_splice_finish (G_OUTPUT_STREAM (source), res, &error) < 0)
    {
      call_fail_transport (task, error, _("the connection broke while reading the answer from"));
      return;
    }

  body = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (call->sink));
  handle_body (task, body);
}

static gboolean
is_event_stream (SoupMessage *msg)
{
  const char *type =
    soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);

  return type != NULL && g_ascii_strcasecmp (type, "text/event-stream") == 0;
}

static void
on_sent (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint status;

  call->input = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (call->input == NULL)
    {
      call_fail_transport (task, error, _("could not reach"));
      return;
    }

  status = soup_message_get_status (call->msg);
  g_debug ("%s %s -> %u (attempt %u)", call->method, call->url, status, call->attempt);

  if (call->kind == CALL_CHAT && SOUP_STATUS_IS_SUCCESSFUL (status) &&
      is_event_stream (call->msg))
    {
      call->result = g_new0 (TbChatResult, 1);
      stream_read_next (task);
      return;
    }

  /* error bodies, JSON answers (also from servers that ignore "stream"), raw bodies */
  call->sink = g_memory_output_stream_new_resizable ();
  g_output_stream_splice_async (call->sink, call->input,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                on_body_read, task);
}

static void
call_start_attempt (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);
  SoupMessageHeaders *headers;

  call_reset_attempt (call);
  call->attempt++;
  if (call->start_us == 0)
    call->start_us = g_get_monotonic_time ();

  call->msg = soup_message_new (call->method, call->url);
  if (call->msg == NULL)
    {
      call_fail (task, client_error (self, TB_HTTP_ERROR_TRANSPORT,
                                     _("the server address %s is not a valid URL"),
                                     self->base_url), FALSE, 0);
      return;
    }

  headers = soup_message_get_request_headers (call->msg);
  if (tb_client_has_api_key (self))
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", self->api_key);

      soup_message_headers_replace (headers, "Authorization", auth);
    }
  soup_message_headers_replace (headers, "X-Title", "TaskBench");
  soup_message_headers_replace (headers, "HTTP-Referer", APP_REFERER);
  soup_message_headers_replace (headers, "Accept",
                                call->stream ? "text/event-stream" : "application/json");
  if (call->body != NULL)
    soup_message_set_request_body_from_bytes (call->msg, "application/json", call->body);

  soup_session_send_async (self->session, call->msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), on_sent, task);
}

static GTask *
call_task_new (TbClient            *self,
               CallKind             kind,
               const char          *method,
               char                *url,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  call->kind = kind;
  call->method = g_strdup (method);
  call->url = url;
  call->pending = g_string_new (NULL);
  call->content = g_string_new (NULL);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  return task;
}

/* ---- chat completions ---------------------------------------------------------------- */

static GBytes *
build_chat_body (const TbChatRequest *request)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  gsize length = 0;
  char *data;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, request->model);

  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);
  if (request->system != NULL && request->system[0] != '\0')
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "role");
      json_builder_add_string_value (builder, "system");
      json_builder_set_member_name (builder, "content");
      json_builder_add_string_value (builder, request->system);
      json_builder_end_object (builder);
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, "user");
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, request->user);
  json_builder_end_object (builder);
  json_builder_end_array (builder);

  if (request->temperature >= 0)
    {
      json_builder_set_member_name (builder, "temperature");
      json_builder_add_double_value (builder, request->temperature);
    }
  if (request->max_tokens > 0)
    {
      json_builder_set_member_name (builder, "max_tokens");
      json_builder_add_int_value (builder, request->max_tokens);
    }

  if (request->json_schema != NULL)
    {
      json_builder_set_member_name (builder, "response_format");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "json_schema");
      json_builder_set_member_name (builder, "json_schema");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, request->schema_name != NULL &&
                                              request->schema_name[0] != '\0'
                                              ? request->schema_name : "output");
      json_builder_set_member_name (builder, "strict");
      json_builder_add_boolean_value (builder, request->strict);
      json_builder_set_member_name (builder, "schema");
      json_builder_add_value (builder, json_node_copy (request->json_schema));
      json_builder_end_object (builder);
      json_builder_end_object (builder);
    }
  else if (request->json_object)
    {
      json_builder_set_member_name (builder, "response_format");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "json_object");
      json_builder_end_object (builder);
    }

  json_builder_set_member_name (builder, "stream");
  json_builder_add_boolean_value (builder, request->stream);
  if (request->stream)
    {
      /* without these the last chunk carries no usage, and OpenRouter no cost */
      json_builder_set_member_name (builder, "stream_options");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "include_usage");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_end_object (builder);
      json_builder_set_member_name (builder, "usage");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "include");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, &length);
  return g_bytes_new_take (data, length);
}

void
tb_client_chat_async (TbClient              *self,
                      const TbChatRequest   *request,
                      const TbChatCallbacks *callbacks,
                      GCancellable          *cancellable,
                      GAsyncReadyCallback    callback,
                      gpointer               user_data)
{
  GTask *task;
  Call *call;

  g_return_if_fail (TB_IS_CLIENT (self));
  g_return_if_fail (request != NULL);
  g_return_if_fail (request->model != NULL);
  g_return_if_fail (request->user != NULL);

  task = call_task_new (self, CALL_CHAT, SOUP_METHOD_POST,
                        g_strdup_printf ("%s/chat/completions", self->base_url),
                        cancellable, callback, user_data);
  g_task_set_source_tag (task, tb_client_chat_async);
  call = g_task_get_task_data (task);
  call->body = build_chat_body (request);
  call->stream = request->stream;
  if (callbacks != NULL)
    call->callbacks = *callbacks;

  call_start_attempt (task);
}

TbChatResult *
tb_client_chat_finish (TbClient      *self,
                       GAsyncResult  *result,
                       guint         *attempts,
                       GError       **error)
{
  Call *call;

  g_return_val_if_fail (TB_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tb_client_chat_async, NULL);

  call = g_task_get_task_data (G_TASK (result));
  if (attempts != NULL)
    *attempts = call->attempt;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- generation and models ---------------------------------------------------------- */

void
tb_client_generation_async (TbClient            *self,
                            const char          *generation_id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autofree char *escaped = NULL;
  GTask *task;
  Call *call;

  g_return_if_fail (TB_IS_CLIENT (self));
  g_return_if_fail (generation_id != NULL);

  escaped = g_uri_escape_string (generation_id, NULL, FALSE);
  task = call_task_new (self, CALL_GENERATION, SOUP_METHOD_GET,
                        g_strdup_printf ("%s/generation?id=%s", self->base_url, escaped),
                        cancellable, callback, user_data);
  g_task_set_source_tag (task, tb_client_generation_async);
  call = g_task_get_task_data (task);
  call->generation_id = g_strdup (generation_id);
  call->deadline_us = g_get_monotonic_time () + (gint64) self->generation_wait_ms * 1000;

  call_start_attempt (task);
}

JsonObject *
tb_client_generation_finish (TbClient      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (TB_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
tb_client_models_async (TbClient            *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (TB_IS_CLIENT (self));

  task = call_task_new (self, CALL_MODELS, SOUP_METHOD_GET,
                        g_strdup_printf ("%s/models", self->base_url),
                        cancellable, callback, user_data);
  g_task_set_source_tag (task, tb_client_models_async);
  call_start_attempt (task);
}

GBytes *
tb_client_models_finish (TbClient      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (TB_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
