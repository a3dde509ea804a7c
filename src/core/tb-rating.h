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

/* Checks a person's rating against the run it rates (a TbRunData of tb-store.h) and fills
 * what it leaves out: the model must be one of the run's, with an ok output on the input
 * (and repeat, when given); the input may be left out only when the run has one; the
 * score is finite in 0–100; each criterion is one of the run's rubric, finite in 0–10.
 * FALSE + TB_ERROR_INVALID naming the field otherwise. The same rule for the CLI's `rate`
 * and the window's rating control. */
struct _TbRunData;
gboolean    tb_rating_settle     (TbRating                *rating,
                                  const struct _TbRunData *data,
                                  GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbRating, tb_rating_free)

G_END_DECLS
