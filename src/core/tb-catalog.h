/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tb-client.h"
#include "tb-usecase.h"

G_BEGIN_DECLS

typedef struct {
  char     *id;
  char     *name;
  char     *provider;               /* the part of the id before '/' */
  gint64    context_length;         /* 0: unknown */
  gint64    max_completion_tokens;  /* 0: unknown */
  double    price_prompt;           /* USD per token */
  double    price_completion;       /* USD per token */
  double    price_request;          /* USD per request */
  double    price_reasoning;        /* USD per internal reasoning token (pricing.
                                       internal_reasoning); 0: none given, reasoning is
                                       billed as completion */
  gboolean  text_output;            /* "text" in output_modalities (TRUE when absent) */
  gboolean  structured_output;      /* "structured_outputs" or "response_format" supported */
  gboolean  json_schema;            /* "structured_outputs" supported: json_schema strict */
  gboolean  price_unknown;          /* a price missing, negative, not finite, unreadable or
                                       variable ("-1"): every price reads 0 and
                                       tb_model_estimate_cost() says it cannot tell */
} TbModel;

typedef struct _TbCatalog TbCatalog;

struct _TbCatalog {
  /*< private >*/
  gatomicrefcount  ref_count;
  GHashTable      *by_id;
  /*< public, read-only >*/
  GPtrArray       *models;          /* TbModel*, in the server's order */
  gint64           fetched_at;      /* unix seconds */
  gboolean         from_cache;
};

TbCatalog     *tb_catalog_ref             (TbCatalog  *self);
void           tb_catalog_unref           (TbCatalog  *self);

/* Parses a GET /models answer. Prices come as strings of USD per token. */
TbCatalog     *tb_catalog_parse           (const char *json,
                                           gssize      length,
                                           GError    **error);

const TbModel *tb_catalog_lookup          (TbCatalog  *self,
                                           const char *model_id);

/* $XDG_CACHE_HOME/taskbench/models-<hash of base url>.json */
char          *tb_catalog_cache_path      (const char *base_url);

/* Fresh cache (< 24 h) unless `refresh`; else GET /models and cache it atomically; when the
 * server cannot be reached, the cache of any age with `*warning` set ("offline: using the
 * model catalog cached 3 hours ago (<why>)"). Fails only with no server and no cache.
 * `*warning` is also set, with a fresh catalog, when the cache could not be written. */
void           tb_catalog_load_async      (TbClient            *client,
                                           gboolean             refresh,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
TbCatalog     *tb_catalog_load_finish     (GAsyncResult  *result,
                                           char         **warning,
                                           GError       **error);

/* What a call would cost at the catalog's prices: prompt × prompt price + completion ×
 * completion price + the per-request price, where `reasoning_tokens` is the part of
 * `completion_tokens` spent on reasoning (OpenRouter's completion_tokens_details.
 * reasoning_tokens; a larger value counts as the whole completion) and is charged at the
 * reasoning price when the catalog gives one, else at the completion price. Negative token
 * counts read as 0. Returns FALSE, leaving `*usd` alone, when the model's price is unknown
 * (never $0 for an unknown price) or the sum is not a finite amount. */
gboolean       tb_model_estimate_cost     (const TbModel *model,
                                           gint64         prompt_tokens,
                                           gint64         completion_tokens,
                                           gint64         reasoning_tokens,
                                           double        *usd);

typedef struct {
  const TbModel *model;     /* owned by the catalog */
  char          *reason;    /* "fits 128k context; $0.15/M in, $0.60/M out; structured output" */
  guint          parts;     /* 1: takes the input whole; more: in parts (tb_chunk_budget) */
  double         cost_usd;  /* estimated for one input, every part */
} TbPick;

void           tb_pick_free               (TbPick *pick);

/* Candidates for this use case and input size: context fits the prompt with room for the
 * answer (and min_context), text output, structured output when the use case prefers it;
 * ordered by the cost preference; spread across providers (one per provider first). Models
 * too small for the input whole come after those that fit, when they take it in at most 64
 * parts (the reason says "in N parts"). Reasons give the cost per input, per 1,000 inputs
 * and per month at budget.inputs_per_month. */
GPtrArray     *tb_recommend               (TbCatalog       *catalog,
                                           const TbUsecase *usecase,
                                           gint64           input_tokens,
                                           guint            count);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbCatalog, tb_catalog_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbPick, tb_pick_free)

G_END_DECLS
