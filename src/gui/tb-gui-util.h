/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "tb-cost.h"
#include "tb-judgment.h"
#include "tb-run.h"
#include "tb-verdict.h"

G_BEGIN_DECLS

/* "2026-11-25 12:31" in local time from a stored UTC ISO 8601 stamp; "—" when absent. */
char       *tb_format_local_date   (const char   *iso);

/* "2026-11-25 12:31:05" in local time: where a run's moment is named in full. */
char       *tb_format_local_time   (const char   *iso);

/* When, for a list: "Just now", "5 minutes ago", "Today 14:02", "Yesterday 09:13", else
 * "2026-11-25 14:02"; relative to `now` (NULL: the current time). */
char       *tb_format_relative_date (const char   *iso,
                                     GDateTime    *now);

/* "12k", "1.2M": a token count for people. */
char       *tb_format_tokens       (gint64        tokens);

/* A run status for people, and the style class that colours it ("success", "error",
 * "accent", "warning"). */
const char *tb_run_status_label    (TbRunStatus   status);
const char *tb_run_status_style    (TbRunStatus   status);

/* How a cost is known, for people: "billed", "reported", "estimated"; "" when not known. */
const char *tb_cost_source_label   (TbCostSource  source);

/* The key of the input a score, rating or output names: its own, else the run's only input
 * (files of older versions name none). */
const char *tb_run_input_key       (const TbRun   *run,
                                    const char    *input);

/* The scores of one output (model, input, repeat) in `judgment`, one per judge, borrowed;
 * judge errors included. */
GPtrArray  *tb_judgment_cell_scores (const TbJudgment *judgment,
                                     const TbRun      *run,
                                     const char       *model,
                                     const char       *input,
                                     guint             repeat);

/* The mean overall of a cell's scores without error; FALSE when it has none. */
gboolean    tb_judgment_cell_mean  (const TbJudgment *judgment,
                                    const TbRun      *run,
                                    const char       *model,
                                    const char       *input,
                                    guint             repeat,
                                    double           *mean);

/* The output text as a person reads it best: JSON (after one code fence) pretty-printed
 * when it parses as an object or array, else as it is. */
char       *tb_pretty_output       (const char    *content);

/* Gives a drop-down of a GtkStringList labels that ellipsize in the middle on its button
 * (its natural width is then no longer its minimum: a long entry would hold a phone-sized
 * window wide) and wrap in its list. */
void        tb_drop_down_set_ellipsizing (GtkDropDown *drop_down);

/* A person's ratings against the judges (one of TbVerdict's `human`) as a row's title
 * ("You and the judges", "You and <judge>"), subtitle (ratings, mean difference,
 * Spearman's ρ) and value (the mean difference): the run page and the Summary page. */
void        tb_human_agreement_texts (const TbHumanAgreement *human,
                                      char                  **title,
                                      char                  **subtitle,
                                      char                  **value);

G_END_DECLS
