/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tb-rollup.h"
#include "tb-store.h"

G_BEGIN_DECLS

/* What a list of runs shows of one run, and what the index keeps of it: status, models,
 * inputs, costs, the best score of the latest judgment. Made from the run's files only. */
typedef struct {
  char        *id;
  char        *usecase;
  char        *dir;
  char        *created_at;
  TbRunStatus  status;
  char        *stop_reason;     /* nullable */
  GStrv        models;
  guint        n_inputs;
  char        *inputs_label;    /* "lecture.txt" or "5 inputs" */
  guint        repeat;
  gboolean     simulated;
  guint        cells;           /* models × inputs × repeats */
  guint        outputs_ok;
  TbRollup     rollup;
  GPtrArray   *per_model;       /* TbModelRollup*: `rollup` split by model */
  guint        judgments;
  char        *latest_judgment; /* nullable: created_at of the newest judgment */
  GStrv        latest_judges;   /* nullable */
  gboolean     has_best;
  double       best_score;      /* the best model's mean overall in the latest judgment */
  char        *best_model;      /* nullable */
} TbRunSummary;

TbRunSummary *tb_run_summary_new_for    (const TbRunData    *data);
void          tb_run_summary_free       (TbRunSummary       *summary);
TbRunSummary *tb_run_summary_copy       (const TbRunSummary *summary);
JsonNode     *tb_run_summary_to_json    (const TbRunSummary *summary);
/* The same without `cost_per_model`: what a run list reads (the index keeps those apart). */
JsonNode     *tb_run_summary_to_json_without_models (const TbRunSummary *summary);
/* Reads what tb_run_summary_to_json wrote (the index keeps it so); NULL when it is not. */
TbRunSummary *tb_run_summary_from_json  (JsonNode           *node);

/* Whether "judge all" takes the run: it has an ok output and no process works on it. */
gboolean      tb_run_summary_is_judgeable (const TbRunSummary *summary);

/* A model's mean overall over its scores without error in `judgment`; FALSE when it has
 * none. */
gboolean      tb_judgment_model_mean    (const TbJudgment   *judgment,
                                         const char         *model,
                                         double             *mean);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbRunSummary, tb_run_summary_free)

G_END_DECLS
