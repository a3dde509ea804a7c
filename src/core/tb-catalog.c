/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-catalog"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "tb-amount.h"
#include "tb-catalog.h"
#include "tb-demo.h"
#include "tb-prompt.h"
#include "tb-error.h"
#include "tb-json.h"
#include "tb-util.h"

#define CACHE_MAX_AGE_S (24 * 60 * 60)

/* What recommendation assumes about a call it has not seen yet. */
#define INSTRUCTION_TOKENS   1500
#define MIN_OUTPUT_TOKENS    1024
#define MAX_OUTPUT_TOKENS    16384
/* Beyond this many parts an input is not worth recommending a model for. */
#define MAX_PARTS            64
#define DEFAULT_PICK_COUNT   3

/* ------------------------------------------------------------------------------------------ */
/* Models and the catalog */

static void
tb_model_free (TbModel *model)
{
  g_free (model->id);
  g_free (model->name);
  g_free (model->provider);
  g_free (model);
}

static TbCatalog *
tb_catalog_new (void)
{
  TbCatalog *self = g_new0 (TbCatalog, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->models = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_model_free);
  /* Keys belong to the models. */
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);

  return self;
}

TbCatalog *
tb_catalog_ref (TbCatalog *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tb_catalog_unref (TbCatalog *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->models, g_ptr_array_unref);
  g_free (self);
}

const TbModel *
tb_catalog_lookup (TbCatalog  *self,
                   const char *model_id)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (model_id == NULL)
    return NULL;

  return g_hash_table_lookup (self->by_id, model_id);
}

gboolean
tb_model_estimate_cost (const TbModel *model,
                        gint64         prompt_tokens,
                        gint64         completion_tokens,
                        gint64         reasoning_tokens,
                        double        *usd)
{
  double reasoning_price;
  double total;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (usd != NULL, FALSE);

  if (model->price_unknown)
    return FALSE;

  prompt_tokens = MAX (prompt_tokens, 0);
  reasoning_tokens = MAX (reasoning_tokens, 0);
  /* Reasoning is part of the completion, as OpenRouter's usage counts it. */
  completion_tokens = MAX (completion_tokens, reasoning_tokens);
  reasoning_price = model->price_reasoning > 0 ? model->price_reasoning
                                               : model->price_completion;

  total = model->price_prompt * (double) prompt_tokens
          + model->price_completion * (double) (completion_tokens - reasoning_tokens)
          + reasoning_price * (double) reasoning_tokens
          + model->price_request;
  if (!tb_amount_is_valid (total))
    return FALSE;

  *usd = total;
  return TRUE;
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing GET /models */

/* Every price goes through the amount gate: a string of USD per token ("0.00000015"), or a
 * number from servers that send one. Missing, unreadable, negative (OpenRouter's "-1"
 * means "variable", e.g. for its auto router) and non-finite prices are unknown. */
static gboolean
price_from_member (JsonObject *pricing,
                   const char *member,
                   double     *price)
{
  *price = 0;
  return tb_amount_from_member (pricing, member, TRUE, price);
}


static gboolean
model_has_text_output (JsonObject *architecture)
{
  JsonArray *outputs = tb_json_get_array (architecture, "output_modalities");
  const char *modality;
  const char *arrow;

  if (outputs != NULL)
    return tb_json_array_has_string (outputs, "text");

  /* Older answers only carry "modality": "text+image->text". */
  modality = architecture != NULL
             ? tb_json_get_string (architecture, "modality")
             : NULL;
  if (modality != NULL && (arrow = strstr (modality, "->")) != NULL)
    return strstr (arrow + 2, "text") != NULL;

  return TRUE;
}

static TbModel *
model_from_json (JsonObject *object)
{
  TbModel *model;
  const char *id;
  const char *name;
  const char *slash;
  JsonObject *pricing;
  JsonObject *top_provider;
  JsonArray *parameters;
  gboolean known = TRUE;

  id = tb_json_get_string (object, "id");
  if (id == NULL || *id == '\0')
    return NULL;

  model = g_new0 (TbModel, 1);
  model->id = g_strdup (id);
  name = tb_json_get_string (object, "name");
  model->name = g_strdup (name != NULL && *name != '\0' ? name : id);
  slash = strchr (id, '/');
  model->provider = slash != NULL ? g_strndup (id, slash - id) : g_strdup (id);

  model->context_length = tb_json_get_count (object, "context_length", 0);

  top_provider = tb_json_get_object (object, "top_provider");
  if (top_provider != NULL)
    {
      model->max_completion_tokens =
        tb_json_get_count (top_provider, "max_completion_tokens", 0);
      /* Some entries only know the context through their top provider. */
      if (model->context_length == 0)
        model->context_length =
          tb_json_get_count (top_provider, "context_length", 0);
    }

  pricing = tb_json_get_object (object, "pricing");
  if (pricing != NULL)
    {
      known &= price_from_member (pricing, "prompt", &model->price_prompt);
      known &= price_from_member (pricing, "completion", &model->price_completion);
      /* A missing per-request or reasoning price is simply none; one that is there but
       * unreadable is not. */
      if (json_object_has_member (pricing, "request"))
        known &= price_from_member (pricing, "request", &model->price_request);
      if (json_object_has_member (pricing, "internal_reasoning"))
        known &= price_from_member (pricing, "internal_reasoning", &model->price_reasoning);
    }
  else
    {
      known = FALSE;
    }
  if (!known)
    {
      /* One unknown part makes any estimate meaningless: read all as 0, and every estimate
       * says it cannot tell. */
      model->price_prompt = model->price_completion = model->price_request = 0;
      model->price_reasoning = 0;
      model->price_unknown = TRUE;
    }

  model->text_output = model_has_text_output (tb_json_get_object (object, "architecture"));

  parameters = tb_json_get_array (object, "supported_parameters");
  if (parameters != NULL)
    {
      model->json_schema = tb_json_array_has_string (parameters, "structured_outputs");
      model->structured_output = model->json_schema
                                 || tb_json_array_has_string (parameters, "response_format");
    }

  return model;
}

TbCatalog *
tb_catalog_parse (const char  *json,
                  gssize       length,
                  GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *nulled = NULL;
  gsize nulled_length = 0;
  JsonNode *root;
  JsonArray *data;
  guint n;

  g_return_val_if_fail (json != NULL, NULL);

  if (length < 0)
    length = strlen (json);
  /* A NaN or Infinity where a number goes reads as unknown, not as an unreadable catalog. */
  nulled = tb_json_null_non_finite (json, length, &nulled_length);
  if (nulled != NULL)
    {
      json = nulled;
      length = nulled_length;
    }
  if (!tb_json_parser_load (parser, json, length, &local_error))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_FAILED, _("model catalog: not valid JSON (%s)"),
                   local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || (data = tb_json_get_array (json_node_get_object (root), "data")) == NULL)
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_FAILED,
                           _("model catalog: the answer has no \"data\" list of models"));
      return NULL;
    }

  catalog = tb_catalog_new ();
  catalog->fetched_at = g_get_real_time () / G_USEC_PER_SEC;

  n = json_array_get_length (data);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (data, i);
      TbModel *model;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      /* An entry without an id cannot be selected: skip it rather than lose the catalog. */
      model = model_from_json (json_node_get_object (node));
      if (model == NULL)
        continue;
      if (g_hash_table_contains (catalog->by_id, model->id))
        {
          tb_model_free (model);
          continue;
        }

      g_ptr_array_add (catalog->models, model);
      g_hash_table_insert (catalog->by_id, model->id, model);
    }

  return g_steal_pointer (&catalog);
}

/* ------------------------------------------------------------------------------------------ */
/* The cache */

char *
tb_catalog_cache_path (const char *base_url)
{
  g_autofree char *hash = NULL;
  g_autofree char *file_name = NULL;

  g_return_val_if_fail (base_url != NULL, NULL);

  /* One cache per server: a local Ollama and OpenRouter must not share a catalog. */
  hash = tb_sha256_hex (base_url, strlen (base_url));
  file_name = g_strdup_printf ("models-%.12s.json", hash);

  return g_build_filename (g_get_user_cache_dir (), "taskbench", file_name, NULL);
}

/* Returns the mtime in unix seconds, or -1 when there is no cache file. */
static gint64
cache_mtime (const char *path)
{
  GStatBuf st;

  if (path == NULL || g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return -1;

  return (gint64) st.st_mtime;
}

static TbCatalog *
cache_read (const char  *path,
            GError     **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  gint64 mtime;
  TbCatalog *catalog;

  /* The mtime first: when another process rewrites the file meanwhile we report an age
   * that is too old, never too young. */
  mtime = cache_mtime (path);
  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;

  catalog = tb_catalog_parse (contents, length, error);
  if (catalog == NULL)
    return NULL;

  catalog->fetched_at = mtime >= 0 ? mtime : catalog->fetched_at;
  catalog->from_cache = TRUE;

  return catalog;
}

static char *
describe_age (gint64 age_s)
{
  gint64 n;

  if (age_s < 60)
    return g_strdup (_("less than a minute ago"));
  if (age_s < 60 * 60)
    {
      n = age_s / 60;
      return g_strdup_printf (ngettext ("%lu minute ago", "%lu minutes ago", (gulong) n),
                              (gulong) n);
    }

  n = age_s / (60 * 60);
  return g_strdup_printf (ngettext ("%lu hour ago", "%lu hours ago", (gulong) n), (gulong) n);
}

/* ------------------------------------------------------------------------------------------ */
/* Loading */

typedef struct {
  char *cache_path;
  char *warning;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->cache_path);
  g_free (data->warning);
  g_free (data);
}

static void
load_fail_or_use_cache (GTask  *task,
                        GError *fetch_error)
{
  LoadData *data = g_task_get_task_data (task);
  g_autoptr(GError) cache_error = NULL;
  g_autoptr(TbCatalog) cached = NULL;
  g_autofree char *age = NULL;
  gint64 now_s;

  if (g_error_matches (fetch_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, fetch_error);
      return;
    }

  if (cache_mtime (data->cache_path) >= 0)
    cached = cache_read (data->cache_path, &cache_error);

  if (cached == NULL)
    {
      /* A broken cache is worth mentioning only when it is all we had. */
      if (cache_error != NULL)
        {
          GError *error = g_error_new (fetch_error->domain, fetch_error->code,
                                       _("Could not load the model catalog: %s (the cached "
                                       "copy is unusable too: %s)"),
                                       fetch_error->message, cache_error->message);

          g_error_free (fetch_error);
          fetch_error = error;
        }
      else
        {
          g_prefix_error (&fetch_error, _("Could not load the model catalog: "));
        }
      g_task_return_error (task, fetch_error);
      return;
    }

  now_s = g_get_real_time () / G_USEC_PER_SEC;
  age = describe_age (MAX (now_s - cached->fetched_at, 0));
  data->warning = g_strdup_printf (_("offline: using the model catalog cached %s (%s)"),
                                   age, fetch_error->message);
  g_error_free (fetch_error);

  g_task_return_pointer (task, g_steal_pointer (&cached), (GDestroyNotify) tb_catalog_unref);
}

static void
load_models_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  LoadData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(GError) write_error = NULL;
  GError *error = NULL;
  const char *contents;
  gsize length = 0;

  body = tb_client_models_finish (TB_CLIENT (source), result, &error);
  if (body == NULL)
    {
      load_fail_or_use_cache (task, error);
      return;
    }

  contents = g_bytes_get_data (body, &length);
  catalog = tb_catalog_parse (contents != NULL ? contents : "", length, &error);
  if (catalog == NULL)
    {
      /* A garbled answer is as good as none: the cache is still the better catalog. */
      load_fail_or_use_cache (task, error);
      return;
    }

  /* Only a body that parsed is cached, so the cache is always usable. Not being able to
   * cache is no reason to withhold a fresh catalog. */
  if (data->cache_path != NULL
      && !tb_write_file_atomic (data->cache_path, contents, length, &write_error))
    data->warning = g_strdup_printf (_("could not cache the model catalog: %s"),
                                     write_error->message);

  g_task_return_pointer (task, g_steal_pointer (&catalog), (GDestroyNotify) tb_catalog_unref);
}

void
tb_catalog_load_async (TbClient            *client,
                       gboolean             refresh,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;
  gint64 mtime;
  gint64 now_s;

  g_return_if_fail (TB_IS_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, tb_catalog_load_async);

  data = g_new0 (LoadData, 1);
  /* The simulated provider's port changes every time and it answers at once: a cache
   * would only leave a file behind per session. */
  if (!tb_demo_is_url (tb_client_get_base_url (client)))
    data->cache_path = tb_catalog_cache_path (tb_client_get_base_url (client));
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);

  /* The cache is small and local: reading it inline costs less than a round trip through
   * an async file read, and the task still completes from the main loop. */
  mtime = cache_mtime (data->cache_path);
  now_s = g_get_real_time () / G_USEC_PER_SEC;
  if (!refresh && mtime >= 0 && now_s - mtime < CACHE_MAX_AGE_S)
    {
      g_autoptr(TbCatalog) cached = cache_read (data->cache_path, NULL);

      /* A corrupt cache falls through to the server, which rewrites it. */
      if (cached != NULL)
        {
          g_task_return_pointer (task, g_steal_pointer (&cached),
                                 (GDestroyNotify) tb_catalog_unref);
          return;
        }
    }

  tb_client_models_async (client, cancellable, load_models_cb, g_steal_pointer (&task));
}

TbCatalog *
tb_catalog_load_finish (GAsyncResult  *result,
                        char         **warning,
                        GError       **error)
{
  GTask *task;
  LoadData *data;
  TbCatalog *catalog;

  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tb_catalog_load_async,
                        NULL);

  task = G_TASK (result);
  data = g_task_get_task_data (task);

  if (warning != NULL)
    *warning = NULL;

  catalog = g_task_propagate_pointer (task, error);
  if (catalog != NULL && warning != NULL)
    *warning = g_strdup (data->warning);

  return catalog;
}

/* ------------------------------------------------------------------------------------------ */
/* Recommendation */

void
tb_pick_free (TbPick *pick)
{
  if (pick == NULL)
    return;

  g_free (pick->reason);
  g_free (pick);
}

/* One model that fits, with what ranking needs to know about it. */
typedef struct {
  const TbModel *model;
  double         cost;      /* estimated for this input: every part */
  guint          parts;     /* 1: the input fits whole */
  guint          tier;      /* 0: best structured-output support … */
  guint          distance;  /* balanced: price-rank distance from the middle band */
  guint          price_rank;
} Candidate;

static int
compare_cost_ascending (gconstpointer a,
                        gconstpointer b)
{
  const Candidate *ca = *(const Candidate * const *) a;
  const Candidate *cb = *(const Candidate * const *) b;

  if (ca->cost != cb->cost)
    return ca->cost < cb->cost ? -1 : 1;
  /* Same price: more room first, then the id so the order never depends on the server's. */
  if (ca->model->context_length != cb->model->context_length)
    return ca->model->context_length > cb->model->context_length ? -1 : 1;
  return strcmp (ca->model->id, cb->model->id);
}

static int
compare_cost_descending (gconstpointer a,
                         gconstpointer b)
{
  const Candidate *ca = *(const Candidate * const *) a;
  const Candidate *cb = *(const Candidate * const *) b;

  if (ca->cost != cb->cost)
    return ca->cost > cb->cost ? -1 : 1;
  if (ca->model->context_length != cb->model->context_length)
    return ca->model->context_length > cb->model->context_length ? -1 : 1;
  return strcmp (ca->model->id, cb->model->id);
}

static int
compare_balanced (gconstpointer a,
                  gconstpointer b)
{
  const Candidate *ca = *(const Candidate * const *) a;
  const Candidate *cb = *(const Candidate * const *) b;

  if (ca->distance != cb->distance)
    return ca->distance < cb->distance ? -1 : 1;
  return compare_cost_ascending (a, b);
}

/* "1M", "1.5M", "128k", "512" */
static char *
format_tokens (gint64 tokens)
{
  if (tokens >= 1000000)
    {
      double m = tokens / 1e6;

      if (fabs (m - round (m)) < 0.05)
        return g_strdup_printf ("%.0fM", m);
      return g_strdup_printf ("%.1fM", m);
    }
  if (tokens >= 1000)
    return g_strdup_printf ("%.0fk", tokens / 1e3);

  return g_strdup_printf ("%" G_GINT64_FORMAT, tokens);
}

/* Two significant digits below a dollar, cents above: "$0.0081", "$0.30", "$12.50". */
static char *
format_dollars (double usd)
{
  int decimals = 2;

  if (usd > 0 && usd < 0.1)
    decimals = MIN (1 - (int) floor (log10 (usd)), 10);

  return g_strdup_printf ("$%.*f", decimals, usd);
}

static const char *
ordinal_suffix (guint n)
{
  if (n % 100 >= 11 && n % 100 <= 13)
    return "th";
  switch (n % 10)
    {
    /* Translators: ordinal suffixes, as in "2nd cheapest from openai" */
    case 1: return C_("ordinal suffix", "st");
    case 2: return C_("ordinal suffix", "nd");
    case 3: return C_("ordinal suffix", "rd");
    default: return C_("ordinal suffix", "th");
    }
}

static char *
describe_pick (const Candidate  *candidate,
               const TbUsecase  *usecase,
               TbCostPreference  cost_preference,
               gint64            needed,
               gint64            output_tokens,
               guint             n_candidates,
               guint             band_low,
               guint             band_high,
               guint             nth_of_provider)
{
  const TbModel *model = candidate->model;
  g_autoptr(GString) reason = g_string_new (NULL);
  g_autofree char *context = format_tokens (model->context_length);
  g_autofree char *needs = format_tokens (needed);
  g_autofree char *nth = NULL;

  if (candidate->parts > 1)
    /* Translators: a reason for a recommended model: "32k context: in 4 parts" */
    g_string_append_printf (reason, _("%s context: in %u parts"), context, candidate->parts);
  else
    /* Translators: a reason for a recommended model: "fits 128k context (needs 9k)" */
    g_string_append_printf (reason, _("fits %s context (needs %s)"), context, needs);
  g_string_append (reason, "; ");

  if (model->price_prompt == 0 && model->price_completion == 0 && model->price_request == 0)
    {
      g_string_append (reason, _("free"));
    }
  else
    {
      g_autofree char *in = format_dollars (model->price_prompt * 1e6);
      g_autofree char *out = format_dollars (model->price_completion * 1e6);
      g_autofree char *total = format_dollars (candidate->cost);
      g_autofree char *thousand = format_dollars (candidate->cost * 1000);

      /* Translators: prices per million tokens read and written */
      g_string_append_printf (reason, _("%s/M in, %s/M out"), in, out);
      if (model->price_request > 0)
        {
          g_autofree char *per_request = format_dollars (model->price_request);

          g_string_append_printf (reason, _(" + %s a request"), per_request);
        }
      /* Translators: "≈$0.0042 for this input, $4.20 per 1,000 inputs" */
      g_string_append_printf (reason, _(", ≈%s for this input, %s per 1,000 inputs"), total,
                              thousand);
      if (usecase != NULL && usecase->inputs_per_month > 0)
        {
          g_autofree char *month = format_dollars (candidate->cost * usecase->inputs_per_month);
          g_autofree char *volume = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                     usecase->inputs_per_month);

          /* Translators: "$42.00 a month at 10000 inputs" */
          g_string_append_printf (reason, _(", %s a month at %s inputs"), month, volume);
        }
    }

  if (usecase != NULL && usecase->structured_output)
    {
      if (model->json_schema)
        g_string_append (reason, _("; structured output"));
      else if (model->structured_output)
        g_string_append (reason, _("; JSON mode only (no schema)"));
      else
        g_string_append (reason, _("; no structured output (none of the fits has it)"));
    }

  if (model->max_completion_tokens > 0 && model->max_completion_tokens < output_tokens)
    {
      g_autofree char *cap = format_tokens (model->max_completion_tokens);
      g_autofree char *want = format_tokens (output_tokens);

      g_string_append_printf (reason, _("; answers capped at %s tokens (≈%s expected)"),
                              cap, want);
    }

  if (nth_of_provider > 1)
    nth = g_strdup_printf ("%u%s ", nth_of_provider, ordinal_suffix (nth_of_provider));

  switch (cost_preference)
    {
    case TB_COST_LOW:
      /* Translators: the first %s is empty or an ordinal with a space, "2nd " */
      g_string_append_printf (reason, _("; %scheapest from %s"), nth ? nth : "",
                              model->provider);
      break;
    case TB_COST_HIGH:
      /* Translators: the first %s is empty or an ordinal with a space, "2nd " */
      g_string_append_printf (reason, _("; %spriciest from %s"), nth ? nth : "",
                              model->provider);
      break;
    case TB_COST_BALANCED:
    default:
      {
        const char *band;

        if (candidate->price_rank < band_low)
          band = C_("price band", "low");
        else if (candidate->price_rank > band_high)
          band = C_("price band", "high");
        else
          band = C_("price band", "mid-range");
        /* Translators: "; priced low among 12 fitting models, from openai" */
        g_string_append_printf (reason,
                                ngettext ("; priced %s among %u fitting model, from %s",
                                          "; priced %s among %u fitting models, from %s",
                                          n_candidates),
                                band, n_candidates, model->provider);
      }
      break;
    }

  return g_string_free (g_steal_pointer (&reason), FALSE);
}

/* Recommendation, in order:
 *
 * 1. Size the call. The prompt is the input plus ~1500 tokens of instructions; the answer is
 *    assumed to be half the input, at least 1024 and at most 16384 tokens, whatever the
 *    output format (json, csv, markdown and text alike: a finer guess would not change which
 *    models fit). The context needed is that sum, or the use case's min_context if larger.
 * 2. Keep the models whose known context holds it and that answer in text. Models with
 *    unknown or variable pricing are left out: their cost for this input cannot be stated.
 * 3. When the use case wants structured output, models with json_schema support come first,
 *    then those with only response_format; models without either are used only when no fit
 *    has any (then nothing better exists).
 * 4. Order by the cost preference, on the estimated cost of this very call:
 *    - low: cheapest first; free models included (and first).
 *    - high: most expensive first, price being the best proxy of capability the catalog
 *      gives; free models dropped.
 *    - balanced: free models dropped; sorted by price, the models between the 25th and the
 *      90th percentile (the "middle band") come first, cheapest first, then the others by
 *      their distance in rank from the band: good value without the bottom of the market
 *      or the luxury end.
 * 5. Spread across providers: a first pass over that order takes at most one model per
 *    provider, a second pass fills the remaining places in order. Both passes work tier by
 *    tier (step 3), so structured-output support outranks provider variety.
 *
 * The picks point into `catalog`, which must outlive them. */
GPtrArray *
tb_recommend (TbCatalog       *catalog,
              const TbUsecase *usecase,
              gint64           input_tokens,
              guint            count)
{
  g_autoptr(GPtrArray) picks = g_ptr_array_new_with_free_func ((GDestroyNotify) tb_pick_free);
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ordered = g_ptr_array_new ();
  g_autoptr(GHashTable) taken = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) providers_used = g_hash_table_new (g_str_hash, g_str_equal);
  TbCostPreference cost_preference = usecase != NULL ? usecase->cost : TB_COST_BALANCED;
  gboolean want_structured = usecase != NULL && usecase->structured_output;
  gint64 prompt_tokens;
  gint64 output_tokens;
  gint64 needed;
  guint best_tier = G_MAXUINT;
  guint band_low = 0;
  guint band_high = 0;
  guint n;

  g_return_val_if_fail (catalog != NULL, NULL);

  if (count == 0)
    count = DEFAULT_PICK_COUNT;
  input_tokens = MAX (input_tokens, 0);

  prompt_tokens = input_tokens + INSTRUCTION_TOKENS;
  output_tokens = CLAMP (input_tokens / 2, MIN_OUTPUT_TOKENS, MAX_OUTPUT_TOKENS);
  needed = prompt_tokens + output_tokens;
  if (usecase != NULL && usecase->min_context > needed)
    needed = usecase->min_context;

  for (guint i = 0; i < catalog->models->len; i++)
    {
      const TbModel *model = g_ptr_array_index (catalog->models, i);
      Candidate *candidate;
      double cost;

      guint parts = 1;
      gint64 budget = 0, reserve = 0;

      if (model->context_length <= 0 || !model->text_output || model->price_unknown)
        continue;
      /* The simulated provider's judge judges; it is not a model to pick for the task. */
      if (tb_demo_is_judge (model->id))
        continue;
      if (usecase != NULL && usecase->min_context > model->context_length)
        continue;
      /* Whole or in parts, by the runner's own rule. */
      if (!tb_chunk_budget (model->id, model->context_length, model->max_completion_tokens,
                            input_tokens, INSTRUCTION_TOKENS, &budget, &reserve, NULL))
        continue;
      if (budget > 0)
        {
          parts = (guint) MIN ((input_tokens + budget - 1) / budget, G_MAXUINT);
          if (parts > MAX_PARTS)
            continue;
          if (!tb_model_estimate_cost (model, INSTRUCTION_TOKENS + budget,
                                       MIN (output_tokens / parts + 1, reserve), 0, &cost))
            continue;
          cost *= parts;
        }
      else if (!tb_model_estimate_cost (model, prompt_tokens, output_tokens, 0, &cost))
        continue;
      if (cost_preference != TB_COST_LOW && cost <= 0)
        continue;

      candidate = g_new0 (Candidate, 1);
      candidate->model = model;
      candidate->cost = cost;
      candidate->parts = parts;
      if (want_structured)
        candidate->tier = model->json_schema ? 0 : model->structured_output ? 1 : 2;
      best_tier = MIN (best_tier, candidate->tier);
      g_ptr_array_add (candidates, candidate);
    }

  /* Step 3: without structured support anywhere every fit is as good; else the models
   * without it are out, so they count neither in the price band nor in the reasons. */
  for (guint i = candidates->len; i > 0; i--)
    {
      Candidate *candidate = g_ptr_array_index (candidates, i - 1);

      if (best_tier == 2)
        candidate->tier = 0;
      else if (candidate->tier == 2)
        g_ptr_array_remove_index (candidates, i - 1);
    }

  n = candidates->len;
  if (n == 0)
    return g_steal_pointer (&picks);

  g_ptr_array_sort (candidates, compare_cost_ascending);
  /* Ranks whose price lies between the 25th and the 90th percentile; with two models no
   * rank does, and the pricier one stands for the band. */
  band_low = (guint) ceil (0.25 * (n - 1));
  band_high = MAX ((guint) floor (0.90 * (n - 1)), band_low);
  for (guint i = 0; i < n; i++)
    {
      Candidate *candidate = g_ptr_array_index (candidates, i);

      candidate->price_rank = i;
      candidate->distance = i < band_low ? band_low - i : i > band_high ? i - band_high : 0;
    }

  switch (cost_preference)
    {
    case TB_COST_LOW:
      break;
    case TB_COST_HIGH:
      g_ptr_array_sort (candidates, compare_cost_descending);
      break;
    case TB_COST_BALANCED:
    default:
      g_ptr_array_sort (candidates, compare_balanced);
      break;
    }

  /* Whole fits before parts, tier by tier, two passes each (step 5). */
  for (guint in_parts = 0; in_parts <= 1 && ordered->len < count; in_parts++)
  for (guint tier = 0; tier <= 1 && ordered->len < count; tier++)
    for (guint pass = 0; pass < 2 && ordered->len < count; pass++)
      for (guint i = 0; i < n && ordered->len < count; i++)
        {
          Candidate *candidate = g_ptr_array_index (candidates, i);

          if (candidate->tier != tier || (candidate->parts > 1) != in_parts
              || g_hash_table_contains (taken, candidate))
            continue;
          if (pass == 0 && g_hash_table_contains (providers_used, candidate->model->provider))
            continue;

          g_hash_table_add (taken, candidate);
          g_hash_table_add (providers_used, candidate->model->provider);
          g_ptr_array_add (ordered, candidate);
        }

  /* The reasons count per provider in the final order, so "2nd cheapest from x" is true
   * of the list the user reads. That count follows the ranking, not the picking order,
   * hence a look over every candidate ranked before the pick. */
  for (guint i = 0; i < ordered->len; i++)
    {
      Candidate *candidate = g_ptr_array_index (ordered, i);
      TbPick *pick = g_new0 (TbPick, 1);
      guint nth = 1;

      for (guint j = 0; j < n; j++)
        {
          Candidate *other = g_ptr_array_index (candidates, j);

          if (other == candidate)
            break;
          if (other->tier == candidate->tier && (other->parts > 1) == (candidate->parts > 1)
              && strcmp (other->model->provider, candidate->model->provider) == 0)
            nth++;
        }

      pick->model = candidate->model;
      pick->parts = candidate->parts;
      pick->cost_usd = candidate->cost;
      pick->reason = describe_pick (candidate, usecase, cost_preference, needed, output_tokens,
                                    n, band_low, band_high, nth);
      g_ptr_array_add (picks, pick);
    }

  return g_steal_pointer (&picks);
}
