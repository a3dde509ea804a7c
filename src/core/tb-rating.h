/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* ratings/<UTC-time>.json: a person's score of one output, to measure how well the judges
 * agree with the user. A rating is never overwritten; the newest for an output counts. */
typedef struct {
  char       *model;
  char       *input;          /* the input's key; NULL: the run's only input */
  guint       repeat;         /* 1-based; 0: every repeat of the model on that input */
  double      score;          /* 0–100 */
  GHashTable *criteria;       /* name → double* (0–10); may be empty */
  char       *rater;          /* nullable */
  char       *created_at;
  char       *file;           /* not stored: the file name */
} TbRating;

TbRating   *tb_rating_new        (const char     *model);
void        tb_rating_free       (TbRating       *rating);
JsonNode   *tb_rating_to_json    (const TbRating *rating);
/* NULL + TB_ERROR_INVALID for a file that is not a rating (no model, a score outside
 * 0–100). */
TbRating   *tb_rating_from_json  (JsonNode       *node,
                                  GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbRating, tb_rating_free)

G_END_DECLS
