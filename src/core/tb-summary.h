/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "tb-index.h"
#include "tb-store.h"
#include "tb-verdict.h"

G_BEGIN_DECLS

/* A use case across its runs (`summary ID`, the window's Summary page): every judged run's
 * latest judgment pooled into one verdict (tb_verdict_for_runs, seeded by the use case id,
 * the same input in several runs being one input), and per model the judged runs it has a
 * score in and the runs it won outright — a run's verdict with the model as its only best;
 * a tie is no one's win. */
typedef struct {
  char       *usecase;
  guint       runs;            /* run folders read */
  guint       judged_runs;     /* of those, the runs with a judgment */
  TbVerdict  *verdict;         /* pooled; never NULL */
  GHashTable *model_runs;      /* model → GUINT_TO_POINTER (judged runs scoring it) */
  GHashTable *wins;            /* model → GUINT_TO_POINTER (runs won outright) */
  GPtrArray  *warnings;        /* char*: runs that could not be read */
} TbUsecaseSummary;

/* Reads every run of `usecase_id` (a run at a time: what the pooled verdict does not read,
 * such as the outputs' text, is let go as it goes, so thousands of runs fit in memory).
 * With `index` (nullable), the summary is kept in it for the runs' files as they are, and
 * read from there while they stay so. Reads files: call it off the main loop in a window.
 * Checks `cancellable` between runs. */
TbUsecaseSummary *tb_usecase_summary_load    (TbStore          *store,
                                              TbIndex          *index,
                                              const char       *usecase_id,
                                              gint64            inputs_per_month,
                                              GCancellable     *cancellable,
                                              GError          **error);
void              tb_usecase_summary_free    (TbUsecaseSummary *summary);

guint             tb_usecase_summary_runs_of (const TbUsecaseSummary *summary,
                                              const char             *model);
guint             tb_usecase_summary_wins_of (const TbUsecaseSummary *summary,
                                              const char             *model);

/* `summary` of DESIGN.md, each model with its "runs" and "wins". */
JsonNode         *tb_usecase_summary_to_json (const TbUsecaseSummary *summary);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbUsecaseSummary, tb_usecase_summary_free)

G_END_DECLS
