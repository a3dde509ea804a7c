/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the seeded random-input loops (test-fuzz-records) and the libFuzzer target
 * (fuzz/fuzz-records) ask of the readers of the results store's records: any text reads
 * into a record or an error — never a crash, a CRITICAL or a leak — and whatever record it
 * gives writes back to JSON that a plain parser takes, with every number finite. */

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  RECORD_OUTPUT,      /* outputs/…/<slug>.json: tb_output_from_json */
  RECORD_RUN,         /* run.json: tb_run_from_json */
  RECORD_JUDGMENT,    /* judgments/<time>.json: tb_judgment_from_json */
  RECORD_SUMMARY,     /* the index's copy of a run's summary: tb_run_summary_from_json */
  RECORD_RUN_DATA,    /* {"run", "outputs": [], "judgments": []}: each read as above, then
                         summed up as a run's summary and its rollup */
  N_RECORDS
} RecordKind;

const char *record_kind_name (RecordKind kind);

/* Parses `text` with tb_json_parse and reads it as a `kind`; every record read is written
 * back and checked, used as the derived values (costs, names, rollups, the recommendation)
 * are, and freed. Returns whether the text read as a record. Failures abort, as
 * g_assert does. */
gboolean    records_check_text (RecordKind  kind,
                                const char *text,
                                gsize       length);

/* `node`'s text as TaskBench writes it parses with a plain json-glib parser and holds no
 * non-finite number. Returns the text. */
char       *records_check_writes_back (JsonNode *node);

G_END_DECLS
