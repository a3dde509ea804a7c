/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-client"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "tb-amount.h"
#include "tb-client.h"
#include "tb-client-private.h"
#include "tb-error.h"
#include "tb-json.h"
#include "tb-json-reader.h"
#include "tb-util.h"

#define DEFAULT_TIMEOUT_S          120
#define DEADLINE_FACTOR            10      /* an attempt lasts at most this many timeouts */
#define DEFAULT_MAX_ATTEMPTS       5
#define DEFAULT_BASE_DELAY_MS      1000
#define DEFAULT_GENERATION_WAIT_MS 30000
#define MAX_DELAY_MS               60000
#define APP_REFERER                "https://github.com/taskbench/taskbench"
#define STREAM_READ_SIZE           8192
#define BODY_READ_SIZE             65536
#define MAX_LINE_BYTES             (8 * 1024 * 1024)
#define MAX_BODY_BYTES             (64 * 1024 * 1024)
#define MAX_DETAIL_CHARS           300
#define KEY_PIECE                  12      /* a piece of the key this long is a partial key */
#define REDACTED                   "[redacted]"

struct _TbClient
{
  GObject      parent_instance;

  SoupSession *session;
  char        *base_url;
  char        *api_key;
  GHashTable  *key_pieces;         /* every KEY_PIECE-byte window of api_key (into api_key) */
  guint8       key_bytes[256];     /* which bytes occur in the key */
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
  CALL_KEY,
} CallKind;

typedef enum {
  TIMEOUT_NONE,
  TIMEOUT_IDLE,       /* no data for timeout_s */
  TIMEOUT_OVERALL,    /* the attempt outlived DEADLINE_FACTOR × timeout_s */
} TimeoutKind;

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
  gint64           deadline_us;     /* CALL_GENERATION: stop retrying after */
  GPtrArray       *paid;            /* TbPaidAttempt*: failed attempts that were billed */

  /* the attempt under way */
  SoupMessage     *msg;
  GInputStream    *input;
  GCancellable    *attempt_cancellable;
  GSource         *parent_cancel_source; /* the caller's cancellable → attempt_cancellable */
  GSource         *timer;               /* the idle timeout and the attempt's deadline */
  gint64           last_data_us;
  gint64           attempt_deadline_us;
  TimeoutKind      timed_out;
  GByteArray      *body_buf;            /* an answer read whole */
  GString         *pending;             /* a stream: the bytes after the last newline */
  gsize            scan_from;           /* …of which these were searched for a newline */
  GString         *content;
  TbChatResult    *result;
  guint64          deltas;
  gboolean         saw_done;
  gboolean         saw_usage;

  /* a backoff wait under way */
  GSource         *wait_source;
  GSource         *cancel_source;
} Call;

/* How handling a piece of an answer ended. */
typedef enum {
  STEP_MORE,
  STEP_DONE,
  STEP_FAILED,
} Step;

static void call_start_attempt (GTask *task);

void
tb_chat_result_free (TbChatResult *result)
{
  if (result == NULL)
    return;

  g_free (result->content);
  g_free (result->finish_reason);
  g_free (result->native_finish_reason);
  g_free (result->generation_id);
  g_free (result->model);
  g_free (result->provider);
  g_free (result);
}

void
tb_paid_attempt_free (TbPaidAttempt *attempt)
{
  if (attempt == NULL)
    return;

  g_free (attempt->generation_id);
  g_free (attempt);
}

void
tb_generation_free (TbGeneration *generation)
{
  if (generation == NULL)
    return;

  g_free (generation->id);
  g_free (generation->provider_name);
  g_free (generation->model);
  g_free (generation->finish_reason);
  g_free (generation->native_finish_reason);
  g_free (generation);
}

void
tb_key_info_free (TbKeyInfo *info)
{
  if (info == NULL)
    return;

  g_free (info->label);
  g_free (info->limit_reset);
  g_free (info);
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
call_reset_attempt (Call *call)
{
  clear_source (&call->timer);
  clear_source (&call->parent_cancel_source);
  g_clear_object (&call->attempt_cancellable);
  g_clear_object (&call->msg);
  g_clear_object (&call->input);
  g_clear_pointer (&call->body_buf, g_byte_array_unref);
  if (call->pending != NULL)
    g_string_truncate (call->pending, 0);
  call->scan_from = 0;
  if (call->content != NULL)
    g_string_truncate (call->content, 0);
  g_clear_pointer (&call->result, tb_chat_result_free);
  call->deltas = 0;
  call->saw_done = FALSE;
  call->saw_usage = FALSE;
  call->timed_out = TIMEOUT_NONE;
}

static void
call_clear_wait (Call *call)
{
  clear_source (&call->wait_source);
  clear_source (&call->cancel_source);
}

static Call *
call_new (CallKind kind)
{
  Call *call = g_new0 (Call, 1);

  call->kind = kind;
  call->pending = g_string_new (NULL);
  call->content = g_string_new (NULL);
  call->paid = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_paid_attempt_free);
  return call;
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
  g_clear_pointer (&call->paid, g_ptr_array_unref);
  g_string_free (call->pending, TRUE);
  g_string_free (call->content, TRUE);
  g_free (call);
}

/* ---- the key never leaves memory ---------------------------------------------------- */

static guint
key_piece_hash (gconstpointer key)
{
  const guchar *p = key;
  guint hash = 5381;

  for (guint i = 0; i < KEY_PIECE; i++)
    hash = hash * 33 + p[i];
  return hash;
}

static gboolean
key_piece_equal (gconstpointer a,
                 gconstpointer b)
{
  return memcmp (a, b, KEY_PIECE) == 0;
}

static void
client_set_key (TbClient   *self,
                const char *api_key)
{
  gsize len;

  if (api_key == NULL || api_key[0] == '\0')
    return;

  self->api_key = g_strstrip (g_strdup (api_key));
  len = strlen (self->api_key);
  if (len == 0)
    {
      g_clear_pointer (&self->api_key, g_free);
      return;
    }

  /* Every window of KEY_PIECE bytes, pointing into the key: one hash lookup per position
   * of a text then finds any partial key in it. */
  self->key_pieces = g_hash_table_new (key_piece_hash, key_piece_equal);
  for (gsize i = 0; i + KEY_PIECE <= len; i++)
    g_hash_table_add (self->key_pieces, self->api_key + i);
  for (gsize i = 0; i < len; i++)
    self->key_bytes[(guchar) self->api_key[i]] = 1;
}

/* Appends text[from, to) and then the marker, once for a run of overlapping matches. */
static void
append_redacted (GString    *out,
                 const char *text,
                 gsize       from,
                 gsize       to)
{
  g_string_append_len (out, text + from, to - from);
  g_string_append (out, REDACTED);
}

static char *
redact_len (TbClient   *self,
            const char *text,
            gsize       len)
{
  GString *out;
  gsize key_len;
  gsize copied = 0;

  if (self->api_key == NULL)
    return g_strndup (text, len);

  key_len = strlen (self->api_key);
  out = g_string_sized_new (len + 1);

  if (key_len >= KEY_PIECE)
    {
      gboolean in_run = FALSE;
      gsize run_start = 0, run_end = 0;
      gsize i = 0;

      while (i + KEY_PIECE <= len)
        {
          /* every window through the byte at i + KEY_PIECE - 1 holds it: when that byte is
           * not in the key, none of those windows is a piece of it */
          if (!self->key_bytes[(guchar) text[i + KEY_PIECE - 1]])
            {
              i += KEY_PIECE;
              continue;
            }
          if (g_hash_table_contains (self->key_pieces, text + i))
            {
              if (in_run && i <= run_end)
                run_end = i + KEY_PIECE;
              else
                {
                  if (in_run)
                    {
                      append_redacted (out, text, copied, run_start);
                      copied = run_end;
                    }
                  in_run = TRUE;
                  run_start = i;
                  run_end = i + KEY_PIECE;
                }
            }
          i++;
        }
      if (in_run)
        {
          append_redacted (out, text, copied, run_start);
          copied = run_end;
        }
    }
  else
    {
      /* a key shorter than a piece: its whole occurrences (at most KEY_PIECE bytes
       * compared per position, so still linear) */
      for (gsize i = 0; i + key_len <= len; )
        {
          if (memcmp (text + i, self->api_key, key_len) == 0)
            {
              append_redacted (out, text, copied, i);
              i += key_len;
              copied = i;
            }
          else
            i++;
        }
    }

  g_string_append_len (out, text + copied, len - copied);
  return g_string_free (out, FALSE);
}

char *
tb_client_redact (TbClient   *self,
                  const char *text)
{
  g_return_val_if_fail (TB_IS_CLIENT (self), NULL);

  if (text == NULL)
    return NULL;
  return redact_len (self, text, strlen (text));
}

/* A string from a server, as the client hands it out: valid UTF-8, the key redacted. */
static char *
server_string (TbClient   *self,
               const char *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    return NULL;
  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);
  return redact_len (self, text, strlen (text));
}

/* Bytes from a server made fit for a JSON parser: invalid UTF-8 and raw NUL bytes become
 * U+FFFD, and so does the escape \u0000 (json-glib would cut the string there); a
 * non-finite number (NaN, Infinity: servers written in Python send them) becomes null, an
 * unknown amount rather than an unreadable answer. Returns NULL when the bytes are clean
 * already; else a copy, with its length in `*out_len`. */
static char *
clean_json_text (const char *data,
                 gsize       len,
                 gsize      *out_len)
{
  char *copy = NULL;
  const char *p;
  const char *end;

  if (!g_utf8_validate_len (data, len, NULL))
    {
      /* g_utf8_make_valid replaces NUL bytes too, so the copy is one C string */
      copy = g_utf8_make_valid (data, len);
      data = copy;
      len = strlen (copy);
    }

  /* An escaped backslash ("\\u0000") is literal text: each backslash escapes the next
   * character, so step over both. */
  p = data;
  end = data + len;
  while (p < end && (p = memchr (p, '\\', end - p)) != NULL)
    {
      if (end - p >= 6 && memcmp (p + 1, "u0000", 5) == 0)
        {
          gsize offset = p - data;

          if (copy == NULL)
            {
              copy = g_strndup (data, len);
              data = copy;
              end = data + len;
              p = data + offset;
            }
          memcpy (copy + offset + 2, "FFFD", 4);
        }
      p += 2;
    }

  {
    gsize nulled_len = 0;
    char *nulled = tb_json_null_non_finite (data, len, &nulled_len);

    if (nulled != NULL)
      {
        g_free (copy);
        copy = nulled;
        len = nulled_len;
      }
  }

  *out_len = len;
  return copy;
}

/* ---- errors ------------------------------------------------------------------------- */

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

  safe = server_string (self, raw);
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

/* ---- JSON ---------------------------------------------------------------------------- */

static JsonObject *
first_choice (JsonObject *root)
{
  JsonArray *choices = tb_json_get_array (root, "choices");
  JsonNode *node;

  if (choices == NULL || json_array_get_length (choices) == 0)
    return NULL;
  node = json_array_get_element (choices, 0);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

/* Parses bytes from a server, cleaned first (see clean_json_text). */
static JsonNode *
parse_json_len (const char  *data,
                gsize        size,
                GError     **error)
{
  g_autofree char *clean = NULL;
  gsize clean_len = 0;
  JsonNode *root = NULL;

  if (data == NULL)
    data = "";
  clean = clean_json_text (data, size, &clean_len);
  if (clean != NULL)
    {
      data = clean;
      size = clean_len;
    }

  /* The records' reader (tb-json-reader.h): every answer and every stream chunk of a run
   * is read on the main loop, and JsonParser took most of the time each one cost. */
  if (!tb_json_read_document (data, size, TB_JSON_MAX_DEPTH, &root, error))
    return NULL;
  if (root == NULL)
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, "empty document");
      return NULL;
    }
  return root;
}

static JsonNode *
parse_json (GBytes  *bytes,
            GError **error)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);

  return parse_json_len (data, size, error);
}

/* At most MAX_DETAIL_CHARS characters of `text` (valid UTF-8, redacted already: cutting
 * first would keep part of a key that the cut made too short to recognise). */
static char *
shorten_detail (char *text)
{
  if (g_utf8_strlen (text, -1) > MAX_DETAIL_CHARS)
    {
      char *cut = g_utf8_offset_to_pointer (text, MAX_DETAIL_CHARS);
      g_autofree char *whole = text;

      return g_strdup_printf ("%.*s…", (int) (cut - whole), whole);
    }
  return text;
}

/* The user-facing detail of an error body: {error:{code, message, metadata?}}. */
static char *
error_detail (TbClient    *self,
              GBytes      *body,
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

      error_obj = tb_json_get_object (object, "error");
      message = tb_json_get_string (error_obj, "message");
      if (message == NULL)
        message = tb_json_get_string (object, "message");
      if (message == NULL)
        message = tb_json_get_string (object, "error");
    }

  if (message != NULL && message[0] != '\0')
    {
      JsonObject *metadata = tb_json_get_object (error_obj, "metadata");
      const char *provider = tb_json_get_string (metadata, "provider_name");
      g_autofree char *text = NULL;

      if (provider != NULL)
        text = g_strdup_printf ("%s (provider %s)", message, provider);
      else
        text = g_strdup (message);
      return shorten_detail (server_string (self, text));
    }

  /* Not our JSON (a proxy's page?): the first line of text, kept short. */
  if (root == NULL && body != NULL && g_bytes_get_size (body) > 0)
    {
      gsize size = 0;
      const char *data = g_bytes_get_data (body, &size);
      const char *newline = memchr (data, '\n', size);
      g_autofree char *line = g_utf8_make_valid (data, newline != NULL ? newline - data
                                                                       : (gssize) size);
      g_autofree char *text = redact_len (self, line, strlen (line));

      g_strstrip (text);
      if (text[0] != '\0')
        return shorten_detail (g_steal_pointer (&text));
    }

  if (msg != NULL && soup_message_get_reason_phrase (msg) != NULL)
    return server_string (self, soup_message_get_reason_phrase (msg));
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

  if (!(seconds > 0))
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
  g_clear_pointer (&self->key_pieces, g_hash_table_unref);
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

  client_set_key (self, api_key);

  self->timeout_s = timeout_s > 0 ? timeout_s : DEFAULT_TIMEOUT_S;
  self->env_base_delay_ms = tb_env_uint ("TASKBENCH_RETRY_BASE_MS", 0);
  if (self->env_base_delay_ms > 0)
    self->base_delay_ms = self->env_base_delay_ms;
  self->generation_wait_ms = tb_env_uint ("TASKBENCH_GENERATION_WAIT_MS",
                                          DEFAULT_GENERATION_WAIT_MS);

  /* libsoup's default of 2 connections per host would serialise a parallel run. Every call
   * goes to the one host, and the runner's concurrency (TASKBENCH_MAX_CONCURRENCY, which may
   * be above 16) is the real limit; billed-cost lookups need connections beside it.
   * SoupSession:timeout only bounds idle I/O (keep-alive comments reset it); the attempt's
   * own timer (see call_start_timer) bounds the wait for data. */
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
  g_autofree char *host = NULL;
  gsize len;

  if (base_url == NULL || base_url[0] == '\0')
    base_url = TB_DEFAULT_BASE_URL;

  uri = g_uri_parse (base_url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0
      && g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0)
    return FALSE;

  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  len = strlen (host);
  /* "openrouter.ai." is the same name, fully qualified */
  if (len > 0 && host[len - 1] == '.')
    host[--len] = '\0';
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (host[i]) && host[i] != '.' && host[i] != '-')
      return FALSE;

  return g_str_equal (host, "openrouter.ai") || g_str_has_suffix (host, ".openrouter.ai");
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

/* ---- paid attempts ------------------------------------------------------------------- */

/* A failed chat attempt that reported usage or a generation id was probably billed: keep
 * what it cost. */
static void
call_keep_paid_attempt (Call     *call,
                        TbClient *self)
{
  TbChatResult *result = call->result;
  const char *id = result != NULL ? result->generation_id : NULL;
  g_autofree char *header_id = NULL;
  TbPaidAttempt *paid;

  if (call->kind != CALL_CHAT)
    return;
  if (id == NULL && call->msg != NULL && soup_message_get_status (call->msg) != 0)
    id = header_id = server_string (self, soup_message_headers_get_one (
                                            soup_message_get_response_headers (call->msg),
                                            "X-Generation-Id"));
  if (id == NULL && !call->saw_usage)
    return;

  paid = g_new0 (TbPaidAttempt, 1);
  paid->generation_id = g_strdup (id);
  if (result != NULL)
    {
      paid->prompt_tokens = result->prompt_tokens;
      paid->completion_tokens = result->completion_tokens;
      paid->reasoning_tokens = result->reasoning_tokens;
      paid->cached_tokens = result->cached_tokens;
      paid->has_inline_cost = result->has_inline_cost;
      paid->inline_cost = result->inline_cost;
    }
  g_ptr_array_add (call->paid, paid);
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

static GError *
cancelled_error (void)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
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
  call_return_error (task, cancelled_error ());
  return G_SOURCE_REMOVE;
}

/* Takes `error`. Either schedules another attempt or completes the task. */
static void call_return_chat (GTask *task);

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
  gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                       || g_cancellable_is_cancelled (cancellable);

  /* An answer whose finish reason has come is whole, and paid for: cancelled before the
   * end of its stream (its usage, the end marker), it is handed out all the same, as a
   * stream that closes there is (sse_end). Thrown away, it would be paid again. */
  if (cancelled && call->kind == CALL_CHAT && call->result != NULL
      && call->result->finish_reason != NULL)
    {
      g_clear_error (&error);
      call_return_chat (task);
      return;
    }

  call_keep_paid_attempt (call, self);

  if (cancelled)
    {
      g_clear_error (&error);
      call_return_error (task, cancelled_error ());
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

static char *
base_url_host (TbClient *self)
{
  g_autoptr(GUri) uri = g_uri_parse (self->base_url, G_URI_FLAGS_NONE, NULL);

  if (uri != NULL && g_uri_get_host (uri) != NULL)
    return g_strdup (g_uri_get_host (uri));
  return g_strdup (self->base_url);
}

static void
call_fail_timeout (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);
  g_autofree char *host = base_url_host (self);
  GError *error;

  if (call->timed_out == TIMEOUT_OVERALL)
    error = client_error (self, TB_HTTP_ERROR_TRANSPORT,
                          _("the answer from %s took longer than %u s (timeout)"), host,
                          self->timeout_s * DEADLINE_FACTOR);
  else
    error = client_error (self, TB_HTTP_ERROR_TRANSPORT,
                          _("no answer from %s within %u s (timeout)"), host, self->timeout_s);
  call_fail (task, error, TRUE, 0);
}

static void
call_fail_transport (GTask        *task,
                     const GError *cause,
                     const char   *what)
{
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);
  g_autofree char *host = base_url_host (self);
  gboolean retryable = TRUE;
  GError *error;

  /* our own timer cancelled the attempt; the caller's cancellation wins over it */
  if (call->timed_out != TIMEOUT_NONE
      && !g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      call_fail_timeout (task);
      return;
    }

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
  g_autofree char *detail = error_detail (self, body, call->msg);
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
  else if (call->kind == CALL_KEY)
    g_prefix_error (&error, _("reading the key's limit and usage: "));

  call_fail (task, error, status_is_retryable (call->kind, status), retry_after_ms (call->msg));
}

/* ---- timeouts ------------------------------------------------------------------------ */

static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  return callback (user_data);
}

/* A source that fires at its ready time and is moved on cheaply: data arriving only
 * records its time, and the timer looks at it when it fires. */
static GSourceFuncs timer_funcs = {
  NULL, NULL, timer_dispatch, NULL, NULL, NULL
};

static gboolean
on_attempt_timer (gpointer user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);
  gint64 now = g_get_monotonic_time ();
  gint64 idle_end = call->last_data_us + (gint64) self->timeout_s * G_USEC_PER_SEC;
  gint64 next = MIN (idle_end, call->attempt_deadline_us);

  if (now < next)
    {
      g_source_set_ready_time (call->timer, next);
      return G_SOURCE_CONTINUE;
    }

  call->timed_out = now >= call->attempt_deadline_us ? TIMEOUT_OVERALL : TIMEOUT_IDLE;
  clear_source (&call->timer);
  /* the operation under way fails with G_IO_ERROR_CANCELLED, and call_fail_transport
   * turns that into the timeout; `call` may be gone once this returns */
  g_cancellable_cancel (call->attempt_cancellable);
  return G_SOURCE_REMOVE;
}

static gboolean
on_parent_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);

  clear_source (&call->parent_cancel_source);
  g_cancellable_cancel (call->attempt_cancellable);
  return G_SOURCE_REMOVE;
}

/* Each attempt has its own cancellable, so that its timer can end it without cancelling
 * the caller's; the caller's cancellable reaches it through a source (never from inside
 * the caller's "cancelled" handler, where disconnecting would deadlock). */
static void
call_start_timer (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);
  GCancellable *parent = g_task_get_cancellable (task);
  gint64 now = g_get_monotonic_time ();

  call->attempt_cancellable = g_cancellable_new ();
  if (parent != NULL)
    {
      call->parent_cancel_source = g_cancellable_source_new (parent);
      g_source_set_callback (call->parent_cancel_source, G_SOURCE_FUNC (on_parent_cancelled),
                             task, NULL);
      g_source_attach (call->parent_cancel_source, g_task_get_context (task));
    }

  call->last_data_us = now;
  call->attempt_deadline_us = now + (gint64) self->timeout_s * DEADLINE_FACTOR * G_USEC_PER_SEC;
  call->timer = g_source_new (&timer_funcs, sizeof (GSource));
  g_source_set_name (call->timer, "[tb-client] attempt timeout");
  g_source_set_callback (call->timer, on_attempt_timer, task, NULL);
  g_source_set_ready_time (call->timer, now + (gint64) self->timeout_s * G_USEC_PER_SEC);
  g_source_attach (call->timer, g_task_get_context (task));
}

/* ---- chat answers ------------------------------------------------------------------- */

static void
parse_usage (Call       *call,
             JsonObject *usage)
{
  TbChatResult *result = call->result;

  if (usage == NULL)
    return;

  call->saw_usage = TRUE;
  result->prompt_tokens = tb_json_get_count (usage, "prompt_tokens", 0);
  result->completion_tokens = tb_json_get_count (usage, "completion_tokens", 0);
  result->cached_tokens = tb_json_get_count (tb_json_get_object (usage,
                                                                "prompt_tokens_details"),
                                             "cached_tokens", 0);
  result->reasoning_tokens = tb_json_get_count (tb_json_get_object (usage,
                                                                   "completion_tokens_details"),
                                                "reasoning_tokens", 0);
  /* costs are JSON numbers: a string, null, negative or infinite cost is unknown */
  result->has_inline_cost = tb_amount_from_member (usage, "cost", FALSE, &result->inline_cost);
  if (!result->has_inline_cost)
    result->inline_cost = 0;
}

static void
take_string (TbClient    *self,
             char       **slot,
             const char  *value,
             gboolean     replace)
{
  if (value == NULL || (*slot != NULL && !replace))
    return;
  g_free (*slot);
  *slot = server_string (self, value);
}

static void
take_identity (TbClient     *self,
               TbChatResult *result,
               JsonObject   *root)
{
  take_string (self, &result->generation_id, tb_json_get_string (root, "id"), FALSE);
  take_string (self, &result->model, tb_json_get_string (root, "model"), FALSE);
  take_string (self, &result->provider, tb_json_get_string (root, "provider"), FALSE);
}

static void
take_finish (TbClient     *self,
             TbChatResult *result,
             JsonObject   *choice)
{
  take_string (self, &result->finish_reason, tb_json_get_string (choice, "finish_reason"), TRUE);
  take_string (self, &result->native_finish_reason,
               tb_json_get_string (choice, "native_finish_reason"), TRUE);
}

/* A provider failure reported inside a 200 answer; retried like a 5xx. */
static GError *
provider_error (TbClient   *self,
                JsonObject *error_obj,
                gboolean    midstream)
{
  g_autofree char *message = server_string (self, tb_json_get_string (error_obj, "message"));
  gint64 code = 0;
  g_autofree char *with_code = NULL;

  if (message == NULL || message[0] == '\0')
    {
      g_free (message);
      message = g_strdup (_("no details given"));
    }
  message = shorten_detail (message);
  code = tb_json_get_count (error_obj, "code", 0);
  if (code > 0 && code < 1000)
    with_code = g_strdup_printf (" (%d)", (int) code);

  /* Translators: the first %s is empty or an error code such as " (502)" */
  return client_error (self, TB_HTTP_ERROR_PROTOCOL,
                       midstream ? _("the provider failed mid-stream%s: %s")
                                 : _("the provider failed to answer%s: %s"),
                       with_code != NULL ? with_code : "", message);
}

/* The chat result of the attempt, as handed out: content valid and redacted whole. */
static TbChatResult *
call_take_chat_result (Call     *call,
                       TbClient *self)
{
  TbChatResult *result = g_steal_pointer (&call->result);

  if (result->content == NULL)
    result->content = server_string (self, call->content->str);
  if (result->generation_id == NULL && call->msg != NULL)
    result->generation_id =
      server_string (self, soup_message_headers_get_one (
                             soup_message_get_response_headers (call->msg), "X-Generation-Id"));
  result->attempts = call->attempt;
  if (call->start_us != 0)
    result->latency_ms = (g_get_monotonic_time () - call->start_us) / 1000;
  return result;
}

static void
call_return_chat (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  TbChatResult *result = call_take_chat_result (call, g_task_get_source_object (task));

  call_reset_attempt (call);
  g_task_return_pointer (task, result, (GDestroyNotify) tb_chat_result_free);
  g_object_unref (task);
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

  call->result = g_new0 (TbChatResult, 1);
  take_identity (self, call->result, root);
  parse_usage (call, tb_json_get_object (root, "usage"));

  if (tb_json_get_object (root, "error") != NULL)
    {
      call_fail (task, provider_error (self, tb_json_get_object (root, "error"), FALSE), TRUE, 0);
      return;
    }

  choice = first_choice (root);
  if (choice == NULL)
    {
      call_fail (task, client_error (self, TB_HTTP_ERROR_PROTOCOL,
                                     _("the server's answer has no choices")), FALSE, 0);
      return;
    }

  message = tb_json_get_object (choice, "message");
  content = tb_json_get_string (message, "content");
  /* null content (a refusal, a tool call) is an empty answer, not a protocol failure */
  call->result->content = server_string (self, content != NULL ? content : "");
  take_finish (self, call->result, choice);

  call_return_chat (task);
}

/* ---- streamed answers ---------------------------------------------------------------- */

/* One `data:` payload of a stream. Returns STEP_FAILED with `error` and `*retryable` set
 * when the stream carries a failure. */
static Step
handle_sse_data (Call        *call,
                 TbClient    *self,
                 const char  *payload,
                 gsize        length,
                 gboolean    *retryable,
                 GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root_node = NULL;
  JsonObject *root, *choice;

  if (length == strlen ("[DONE]") && memcmp (payload, "[DONE]", length) == 0)
    {
      call->saw_done = TRUE;
      return STEP_DONE;
    }

  root_node = parse_json_len (payload, length, &local_error);
  if (root_node == NULL || !JSON_NODE_HOLDS_OBJECT (root_node))
    {
      *retryable = TRUE;
      g_propagate_error (error, client_error (self, TB_HTTP_ERROR_PROTOCOL,
                                              _("the server sent a malformed stream chunk: %s"),
                                              local_error != NULL ? local_error->message
                                                                  : "not an object"));
      return STEP_FAILED;
    }
  root = json_node_get_object (root_node);

  /* an error chunk may still name the generation and report usage: it was billed */
  take_identity (self, call->result, root);
  if (tb_json_get_object (root, "usage") != NULL)
    parse_usage (call, tb_json_get_object (root, "usage"));

  if (tb_json_get_object (root, "error") != NULL)
    {
      /* an upstream failure: retried like a 5xx */
      *retryable = TRUE;
      g_propagate_error (error, provider_error (self, tb_json_get_object (root, "error"), TRUE));
      return STEP_FAILED;
    }

  choice = first_choice (root);
  if (choice != NULL)
    {
      const char *text = tb_json_get_string (tb_json_get_object (choice, "delta"), "content");

      if (text != NULL && text[0] != '\0')
        {
          gsize text_len = strlen (text);

          if (call->content->len + text_len > MAX_BODY_BYTES)
            {
              *retryable = FALSE;
              g_propagate_error (error, client_error (self, TB_HTTP_ERROR_PROTOCOL,
                                                      _("the server's answer is larger than "
                                                        "64 MiB")));
              return STEP_FAILED;
            }
          g_string_append_len (call->content, text, text_len);
          call->deltas++;
          if (call->callbacks.delta != NULL)
            {
              g_autofree char *shown = server_string (self, text);

              call->callbacks.delta (call->callbacks.user_data, shown, call->deltas);
            }
        }
      take_finish (self, call->result, choice);
    }

  return STEP_MORE;
}

/* One line of a stream, without its newline (NUL-terminated there). */
static Step
handle_sse_line (Call        *call,
                 TbClient    *self,
                 char        *line,
                 gsize        len,
                 gboolean    *retryable,
                 GError     **error)
{
  const char *payload;

  if (len > 0 && line[len - 1] == '\r')
    line[--len] = '\0';

  /* blank lines end events, ':' starts a comment (": OPENROUTER PROCESSING"); other
   * fields (event:, id:, retry:) carry nothing we need */
  if (len < strlen ("data:") || memcmp (line, "data:", strlen ("data:")) != 0)
    return STEP_MORE;

  /* data, not a keep-alive: the attempt is alive */
  call->last_data_us = g_get_monotonic_time ();

  payload = line + strlen ("data:");
  if (*payload == ' ')
    payload++;
  return handle_sse_data (call, self, payload, len - (payload - line), retryable, error);
}

static Step
line_too_long (TbClient  *self,
               gboolean  *retryable,
               GError   **error)
{
  *retryable = FALSE;
  g_propagate_error (error, client_error (self, TB_HTTP_ERROR_PROTOCOL,
                                          _("the server sent a line longer than 8 MiB")));
  return STEP_FAILED;
}

/* Takes the bytes of one read. Linear in the stream: every byte is searched for a newline
 * once (`scan_from`), and the lines handled are dropped from the front once per read. */
static Step
sse_feed (Call        *call,
          TbClient    *self,
          const char  *data,
          gsize        size,
          gboolean    *retryable,
          GError     **error)
{
  GString *pending = call->pending;
  gsize line_start = 0;
  Step step = STEP_MORE;
  char *newline;

  g_string_append_len (pending, data, size);
  while (step == STEP_MORE
         && (newline = memchr (pending->str + call->scan_from, '\n',
                               pending->len - call->scan_from)) != NULL)
    {
      gsize line_end = newline - pending->str;

      if (line_end - line_start > MAX_LINE_BYTES)
        return line_too_long (self, retryable, error);

      *newline = '\0';
      step = handle_sse_line (call, self, pending->str + line_start, line_end - line_start,
                              retryable, error);
      line_start = line_end + 1;
      call->scan_from = line_start;
    }
  if (step != STEP_MORE)
    return step;

  g_string_erase (pending, 0, line_start);
  call->scan_from = pending->len;
  if (pending->len > MAX_LINE_BYTES)
    return line_too_long (self, retryable, error);
  return STEP_MORE;
}

/* The end of the stream: the last line may lack its newline. */
static Step
sse_end (Call        *call,
         TbClient    *self,
         gboolean    *retryable,
         GError     **error)
{
  if (call->pending->len > 0)
    {
      Step step = handle_sse_line (call, self, call->pending->str, call->pending->len,
                                   retryable, error);

      g_string_truncate (call->pending, 0);
      call->scan_from = 0;
      if (step == STEP_FAILED)
        return step;
    }

  if (call->saw_done || call->result->finish_reason != NULL)
    return STEP_DONE;

  *retryable = TRUE;
  g_propagate_error (error, client_error (self, TB_HTTP_ERROR_TRANSPORT,
                                          _("the connection closed before the answer was "
                                            "complete")));
  return STEP_FAILED;
}

TbChatResult *
tb_client_parse_stream_for_test (TbClient   *self,
                                 GPtrArray  *pieces,
                                 guint64    *deltas,
                                 gboolean   *retryable,
                                 GError    **error)
{
  Call *call;
  Step step = STEP_MORE;
  gboolean may_retry = FALSE;
  TbChatResult *result = NULL;

  g_return_val_if_fail (TB_IS_CLIENT (self), NULL);
  g_return_val_if_fail (pieces != NULL, NULL);

  call = call_new (CALL_CHAT);
  call->result = g_new0 (TbChatResult, 1);
  call->attempt = 1;

  for (guint i = 0; i < pieces->len && step == STEP_MORE; i++)
    {
      gsize size = 0;
      const char *data = g_bytes_get_data (g_ptr_array_index (pieces, i), &size);

      step = sse_feed (call, self, data, size, &may_retry, error);
    }
  if (step == STEP_MORE)
    step = sse_end (call, self, &may_retry, error);

  if (deltas != NULL)
    *deltas = call->deltas;
  if (retryable != NULL)
    *retryable = may_retry;
  if (step == STEP_DONE)
    result = call_take_chat_result (call, self);
  call_free (call);
  return result;
}

static void stream_read_next (GTask *task);

static void
stream_step_done (GTask  *task,
                  Step    step,
                  gboolean retryable,
                  GError *error)
{
  if (step == STEP_DONE)
    call_return_chat (task);
  else if (step == STEP_FAILED)
    call_fail (task, error, retryable, 0);
  else
    stream_read_next (task);
}

static void
on_stream_read (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);
  g_autoptr(GError) read_error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res,
                                                              &read_error);
  GError *error = NULL;
  gboolean retryable = FALSE;
  gsize size = 0;
  const char *data;
  Step step;

  if (bytes == NULL)
    {
      call_fail_transport (task, read_error, _("the connection broke during the answer from"));
      return;
    }

  data = g_bytes_get_data (bytes, &size);
  if (size == 0)
    step = sse_end (call, self, &retryable, &error);
  else
    step = sse_feed (call, self, data, size, &retryable, &error);
  stream_step_done (task, step, retryable, error);
}

static void
stream_read_next (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  /* a delta callback may have cancelled the call */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      call_fail (task, cancelled_error (), FALSE, 0);
      return;
    }
  g_input_stream_read_bytes_async (call->input, STREAM_READ_SIZE, G_PRIORITY_DEFAULT,
                                   call->attempt_cancellable, on_stream_read, task);
}

/* ---- answers read whole -------------------------------------------------------------- */

static TbGeneration *
generation_from_json (TbClient   *self,
                      JsonObject *data)
{
  TbGeneration *generation = g_new0 (TbGeneration, 1);

  generation->id = server_string (self, tb_json_get_string (data, "id"));
  /* a billed cost that is null, a string, negative or infinite is unknown: it must not
   * beat a known inline cost */
  generation->has_total_cost = tb_amount_from_member (data, "total_cost", FALSE,
                                                      &generation->total_cost);
  generation->has_upstream_cost = tb_amount_from_member (data, "upstream_inference_cost",
                                                         FALSE,
                                                         &generation->upstream_inference_cost);
  generation->is_byok = tb_json_get_bool (data, "is_byok", FALSE);
  generation->has_cache_discount = tb_json_get_double (data, "cache_discount",
                                                       &generation->cache_discount);
  generation->generation_time_ms = tb_json_get_count (data, "generation_time", -1);
  generation->has_generation_time = generation->generation_time_ms >= 0;
  generation->latency_ms = tb_json_get_count (data, "latency", -1);
  generation->has_latency = generation->latency_ms >= 0;
  generation->provider_name = server_string (self, tb_json_get_string (data, "provider_name"));
  generation->model = server_string (self, tb_json_get_string (data, "model"));
  generation->finish_reason = server_string (self, tb_json_get_string (data, "finish_reason"));
  generation->native_finish_reason = server_string (self, tb_json_get_string (data,
                                                                         "native_finish_reason"));
  generation->tokens_prompt = tb_json_get_count (data, "tokens_prompt", 0);
  generation->tokens_completion = tb_json_get_count (data, "tokens_completion", 0);
  generation->native_tokens_reasoning = tb_json_get_count (data, "native_tokens_reasoning", 0);
  return generation;
}

static TbKeyInfo *
key_info_from_json (TbClient   *self,
                    JsonObject *data)
{
  TbKeyInfo *info = g_new0 (TbKeyInfo, 1);

  info->label = server_string (self, tb_json_get_string (data, "label"));
  info->has_limit = tb_amount_from_member (data, "limit", FALSE, &info->limit);
  info->has_limit_remaining = tb_amount_from_member (data, "limit_remaining", FALSE,
                                                     &info->limit_remaining);
  info->limit_reset = server_string (self, tb_json_get_string (data, "limit_reset"));
  info->has_usage = tb_amount_from_member (data, "usage", FALSE, &info->usage);
  info->has_usage_daily = tb_amount_from_member (data, "usage_daily", FALSE,
                                                 &info->usage_daily);
  info->has_usage_monthly = tb_amount_from_member (data, "usage_monthly", FALSE,
                                                   &info->usage_monthly);
  info->is_free_tier = tb_json_get_bool (data, "is_free_tier", FALSE);
  return info;
}

/* GET /generation and GET /key answer {data: {…}}. */
static void
handle_data_body (GTask  *task,
                  GBytes *body)
{
  Call *call = g_task_get_task_data (task);
  TbClient *self = g_task_get_source_object (task);
  g_autoptr(JsonNode) root = parse_json (body, NULL);
  JsonObject *data = NULL;

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    data = tb_json_get_object (json_node_get_object (root), "data");
  if (data == NULL)
    {
      GError *error;

      if (call->kind == CALL_GENERATION)
        error = client_error (self, TB_HTTP_ERROR_PROTOCOL,
                              _("looking up the cost of generation %s: the answer has no "
                                "data object"), call->generation_id);
      else
        error = client_error (self, TB_HTTP_ERROR_PROTOCOL,
                              _("reading the key's limit and usage: the answer has no data "
                                "object"));
      call_fail (task, error, FALSE, 0);
      return;
    }

  call_reset_attempt (call);
  if (call->kind == CALL_GENERATION)
    g_task_return_pointer (task, generation_from_json (self, data),
                           (GDestroyNotify) tb_generation_free);
  else
    g_task_return_pointer (task, key_info_from_json (self, data),
                           (GDestroyNotify) tb_key_info_free);
  g_object_unref (task);
}

/* The body GET /models hands out: valid UTF-8 and redacted, so that the catalog's cache on
 * disk can never hold the key, whatever the server echoes. */
static GBytes *
models_body (TbClient *self,
             GBytes   *body)
{
  gsize size = 0;
  const char *data = g_bytes_get_data (body, &size);
  g_autofree char *valid = NULL;
  char *redacted;

  if (data == NULL)
    data = "";
  if (!g_utf8_validate_len (data, size, NULL))
    {
      valid = g_utf8_make_valid (data, size);
      data = valid;
      size = strlen (valid);
    }
  redacted = redact_len (self, data, size);
  return g_bytes_new_take (redacted, strlen (redacted));
}

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
      g_task_return_pointer (task, models_body (self, body), (GDestroyNotify) g_bytes_unref);
      g_object_unref (task);
      break;

    case CALL_GENERATION:
    case CALL_KEY:
      handle_data_body (task, body);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void body_read_next (GTask *task);

static gboolean
has_non_space (const guint8 *data,
               gsize         size)
{
  for (gsize i = 0; i < size; i++)
    if (!g_ascii_isspace (data[i]))
      return TRUE;
  return FALSE;
}

static void
on_body_read (GObject      *source,
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
  const guint8 *data;

  if (bytes == NULL)
    {
      call_fail_transport (task, error, _("the connection broke while reading the answer from"));
      return;
    }

  data = g_bytes_get_data (bytes, &size);
  if (size == 0)
    {
      g_autoptr(GBytes) body = g_byte_array_free_to_bytes (g_steal_pointer (&call->body_buf));

      handle_body (task, body);
      return;
    }

  if (call->body_buf->len + size > MAX_BODY_BYTES)
    {
      call_fail (task, client_error (self, TB_HTTP_ERROR_PROTOCOL,
                                     _("the server's answer is larger than 64 MiB")),
                 FALSE, 0);
      return;
    }
  g_byte_array_append (call->body_buf, data, size);
  /* whitespace is what servers send to keep a connection open: not data */
  if (has_non_space (data, size))
    call->last_data_us = g_get_monotonic_time ();
  body_read_next (task);
}

static void
body_read_next (GTask *task)
{
  Call *call = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (call->input, BODY_READ_SIZE, G_PRIORITY_DEFAULT,
                                   call->attempt_cancellable, on_body_read, task);
}

/* ---- the HTTP exchange ---------------------------------------------------------------- */

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
  call->body_buf = g_byte_array_new ();
  body_read_next (task);
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

  /* already cancelled: send nothing */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      call_fail (task, cancelled_error (), FALSE, 0);
      return;
    }

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

  call_start_timer (task);
  soup_session_send_async (self->session, call->msg, G_PRIORITY_DEFAULT,
                           call->attempt_cancellable, on_sent, task);
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
  Call *call = call_new (kind);

  call->method = g_strdup (method);
  call->url = url;
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  /* A cancelled call ends in a cancelled error, said by call_fail, unless its answer was
   * whole by then: GTask must not turn that answer into an error after the fact. */
  if (kind == CALL_CHAT)
    g_task_set_check_cancellable (task, FALSE);
  return task;
}

/* ---- chat completions ---------------------------------------------------------------- */

static void
add_message (JsonBuilder *builder,
             const char  *role,
             const char  *content)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, role);
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, content);
  json_builder_end_object (builder);
}

static GBytes *
build_chat_body (const TbChatRequest *request)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  char *data;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "model");
  json_builder_add_string_value (builder, request->model);

  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);
  if (request->system != NULL && request->system[0] != '\0')
    add_message (builder, "system", request->system);
  add_message (builder, "user", request->user);
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
  if (request->has_seed)
    {
      json_builder_set_member_name (builder, "seed");
      json_builder_add_int_value (builder, request->seed);
    }
  if (request->provider != NULL)
    {
      json_builder_set_member_name (builder, "provider");
      json_builder_add_value (builder, json_node_copy (request->provider));
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
      /* without it some OpenAI-compatible servers send no usage chunk; OpenRouter sends
       * usage with every answer (its old `usage: {include: true}` is deprecated) */
      json_builder_set_member_name (builder, "stream_options");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "include_usage");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  data = tb_json_to_string (root, FALSE);
  return g_bytes_new_take (data, strlen (data));
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
  g_return_if_fail (request->provider == NULL || JSON_NODE_HOLDS_OBJECT (request->provider));

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
                       GPtrArray    **paid_attempts,
                       GError       **error)
{
  Call *call;

  g_return_val_if_fail (TB_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tb_client_chat_async, NULL);

  call = g_task_get_task_data (G_TASK (result));
  if (attempts != NULL)
    *attempts = call->attempt;
  if (paid_attempts != NULL)
    {
      *paid_attempts = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_paid_attempt_free);
      g_ptr_array_extend_and_steal (*paid_attempts, g_steal_pointer (&call->paid));
      call->paid = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_paid_attempt_free);
    }
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- generation, key and models ------------------------------------------------------ */

/* A GET whose answer is read whole; `url` is taken. */
static GTask *
get_task_new (TbClient            *self,
              CallKind             kind,
              char                *url,
              gpointer             source_tag,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  GTask *task = call_task_new (self, kind, SOUP_METHOD_GET, url, cancellable, callback,
                               user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

static gpointer
get_finish (TbClient      *self,
            GAsyncResult  *result,
            gpointer       source_tag,
            GError       **error)
{
  g_return_val_if_fail (TB_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

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
  task = get_task_new (self, CALL_GENERATION,
                       g_strdup_printf ("%s/generation?id=%s", self->base_url, escaped),
                       tb_client_generation_async, cancellable, callback, user_data);
  call = g_task_get_task_data (task);
  call->generation_id = g_strdup (generation_id);
  call->deadline_us = g_get_monotonic_time () + (gint64) self->generation_wait_ms * 1000;

  call_start_attempt (task);
}

TbGeneration *
tb_client_generation_finish (TbClient      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return get_finish (self, result, tb_client_generation_async, error);
}

void
tb_client_key_async (TbClient            *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (TB_IS_CLIENT (self));

  call_start_attempt (get_task_new (self, CALL_KEY, g_strdup_printf ("%s/key", self->base_url),
                                    tb_client_key_async, cancellable, callback, user_data));
}

TbKeyInfo *
tb_client_key_finish (TbClient      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  return get_finish (self, result, tb_client_key_async, error);
}

void
tb_client_models_async (TbClient            *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (TB_IS_CLIENT (self));

  call_start_attempt (get_task_new (self, CALL_MODELS,
                                    g_strdup_printf ("%s/models", self->base_url),
                                    tb_client_models_async, cancellable, callback, user_data));
}

GBytes *
tb_client_models_finish (TbClient      *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return get_finish (self, result, tb_client_models_async, error);
}
