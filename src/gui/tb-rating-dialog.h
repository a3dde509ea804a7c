/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Asks a person's score of one output: 0–100 overall, and optionally each criterion of the
 * rubric 0–10. It only collects the numbers; the core checks the rating against the run
 * (tb_rating_settle) when it is saved. Responses: "cancel", "save". */
#define TB_TYPE_RATING_DIALOG (tb_rating_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TbRatingDialog, tb_rating_dialog, TB, RATING_DIALOG, AdwMessageDialog)

/* `criteria` (nullable) names the rubric; `judges_mean` < 0 when the judges gave none;
 * `previous` < 0 when the person has not rated it yet. */
TbRatingDialog *tb_rating_dialog_new          (GtkWindow          *parent,
                                               const char         *model,
                                               const char         *input_name,
                                               const char * const *criteria,
                                               double              judges_mean,
                                               double              previous);

double          tb_rating_dialog_get_score    (TbRatingDialog     *self);
void            tb_rating_dialog_set_score    (TbRatingDialog     *self,
                                               double              score);
/* name → double* (0–10) of the criteria rated; empty unless the person rated them. */
GHashTable     *tb_rating_dialog_dup_criteria (TbRatingDialog     *self);
/* Rates the criteria too (what its check button does). */
void            tb_rating_dialog_set_criterion (TbRatingDialog    *self,
                                                const char        *name,
                                                double             value);

G_END_DECLS
