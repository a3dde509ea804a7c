/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tb-cost.h"

G_BEGIN_DECLS

typedef enum {
  TB_OUTPUT_OK,
  TB_OUTPUT_FAILED,
  TB_OUTPUT_CANCELLED,
  TB_OUTPUT_SKIPPED,     /* never sent: the budget would not allow it */
} TbOutputStatus;

const char     *tb_output_status_to_string   (TbOutputStatus status);
TbOutputStatus  tb_output_status_from_string (const char    *text);

/* outputs/…/<slug>.json: one model's answer to one input, one repeat. */
typedef struct {
  char           *model;
  char           *input;           /* the input's key; NULL in files of older versions */
  guint           repeat;          /* 1-based */
  TbOutputStatus  status;
  char           *content;         /* nullable */
  char           *finish_reason;   /* nullable */
  char           *native_finish_reason;  /* nullable: the provider's own reason */
  gboolean        has_format_check;
  gboolean        format_valid;
  GStrv           format_errors;   /* nullable */
  TbUsage         usage;           /* every paid attempt and chunk */
  TbCost          cost;            /* likewise */
  char           *generation_id;   /* nullable; the answer's id (the first chunk's) */
  GStrv           generation_ids;  /* nullable; every billed call: chunks, failed attempts */
  char           *provider;        /* nullable; several chunks: the first's */
  GStrv           providers;       /* nullable; every provider that served a call */
  gboolean        has_upstream_cost;
  double          upstream_usd;    /* BYOK: what the provider charged (in cost already) */
  gboolean        is_byok;
  gboolean        has_cache_discount;
  double          cache_discount;
  gboolean        has_generation_time;
  gint64          generation_time_ms;
  gint64          latency_ms;
  guint           attempts;
  guint           chunks;          /* 0: not chunked */
  guint           error_http_status;
  char           *error_message;   /* nullable */
  char           *updated_at;
} TbOutput;

TbOutput   *tb_output_new        (const char     *model);
void        tb_output_free       (TbOutput       *output);
JsonNode   *tb_output_to_json    (const TbOutput *output);
TbOutput   *tb_output_from_json  (JsonNode       *node,
                                  GError        **error);

/* Lets go of what the verdict does not read — the text, the format errors, the finish
 * reasons, the generation ids, the error message, the time of the last write — once the
 * record will not be written or shown again. */
void        tb_output_let_go_of_details (TbOutput *output);

/* Was anything sent for it (and so possibly paid)? */
gboolean    tb_output_was_called (const TbOutput *output);

/* The file-name stem of a model id, injective and always a valid file name:
 * "openai/gpt-4o" → "openai__gpt-4o" (as older versions wrote it) for ids made only of
 * letters, digits, '.', '-' and '/' (not starting with '.'); any other id — one with '_',
 * ':' or a space, or one too long — gets a readable part, '+' and 16 hex digits of its
 * SHA-256, which no plain id can produce. */
char       *tb_model_slug        (const char     *model);
/* What older versions wrote: '/' → "__", anything else unsafe → '_' (not injective).
 * Read only, to find their files. */
char       *tb_model_legacy_slug (const char     *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbOutput, tb_output_free)

G_END_DECLS
