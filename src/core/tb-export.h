/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "tb-store.h"
#include "tb-verdict.h"

G_BEGIN_DECLS

/* A run as a report, for `taskbench-cli export` and the window's Export… (DESIGN.md,
 * "Export"). Every renderer takes the run as read from its folder and the volume its cost
 * at volume is shown for (tb_verdict_inputs_per_month), and returns the whole document:
 *
 * - HTML: one self-contained file (inline CSS, no script, nothing fetched) with the
 *   verdict, the score-against-cost chart as inline SVG with the intervals, the per-model
 *   table, the model × input matrix, the warnings and every output folded. Everything
 *   that comes from a run is escaped: outputs are hostile text. The markup is well-formed
 *   XML after its doctype.
 * - Markdown: for an issue tracker: the verdict, the table, the matrix, the warnings.
 * - CSV (RFC 4180, CRLF, '.' decimals in any locale): a header, then one row per score
 *   (model, input, repeat, judge) of the latest pointwise judgment and one per output it
 *   did not score; an unknown cost is an empty field, never 0.
 * - JSON: the document `show --json` prints, byte for byte.
 *
 * The renderers only read `data`: a window can run them in a GTask thread. */

/* In the order a chooser lists them; every value below TB_EXPORT_N_FORMATS is one. */
typedef enum {
  TB_EXPORT_HTML,
  TB_EXPORT_MARKDOWN,
  TB_EXPORT_CSV,
  TB_EXPORT_JSON,
  TB_EXPORT_N_FORMATS
} TbExportFormat;

/* "html", "md", "csv", "json" (also the file extensions). */
const char *tb_export_format_to_string    (TbExportFormat   format);
/* Takes those and "markdown"; TB_ERROR_INVALID naming the formats otherwise. */
gboolean    tb_export_format_from_string  (const char      *text,
                                           TbExportFormat  *format,
                                           GError         **error);
/* The format a file name's extension names (".html", ".htm", ".md", ".markdown", ".csv",
 * ".json", any case); FALSE when it names none. For a save dialog, where the name the
 * user typed decides over the filter chosen. */
gboolean    tb_export_format_for_path     (const char      *path,
                                           TbExportFormat  *format);
/* "text/html", "text/markdown", "text/csv", "application/json": for a file chooser. */
const char *tb_export_format_content_type (TbExportFormat   format);

/* The `show --json` document: {run, dir, outputs, judgment, judgments, costs, summary,
 * forecast_vs_billed}. */
JsonNode   *tb_export_show_json  (const TbRunData *data,
                                  gint64           inputs_per_month);

char       *tb_export_html       (const TbRunData *data,
                                  gint64           inputs_per_month);
char       *tb_export_markdown   (const TbRunData *data,
                                  gint64           inputs_per_month);
char       *tb_export_csv        (const TbRunData *data,
                                  gint64           inputs_per_month);
/* tb_export_show_json as pretty JSON with a final newline. */
char       *tb_export_json       (const TbRunData *data,
                                  gint64           inputs_per_month);

/* The document in `format`; NULL with TB_ERROR_INVALID for a format that is none. */
char       *tb_export_render     (const TbRunData *data,
                                  TbExportFormat   format,
                                  gint64           inputs_per_month,
                                  GError         **error);
/* Renders and writes `path` atomically (tb_write_file_atomic). */
gboolean    tb_export_write      (const TbRunData *data,
                                  TbExportFormat   format,
                                  gint64           inputs_per_month,
                                  const char      *path,
                                  GError         **error);

/* One model's row of the verdict's table, as `show` and the reports print it. */
typedef struct {
  char  *mean;          /* "89.2"; "-" without a score */
  char  *interval;      /* "85.0–92.0"; "-" */
  char  *vs_best;       /* "best", "-28.0 (-31.2–-24.6)", "+0.4 tied"; "-" */
  char  *per_input;     /* "$0.0100"; "unknown" */
  char  *per_thousand;  /* per 1,000 inputs: "$10.00"; "unknown" */
  char  *per_month;     /* "$10.00"; "-" without a volume or a cost */
  char  *latency;       /* the median: "1.2s"; "-" */
  guint  errors;        /* failed outputs and judge errors */
} TbExportCells;

TbExportCells *tb_export_cells_new  (const TbVerdict      *verdict,
                                     const TbModelVerdict *model);
void           tb_export_cells_free (TbExportCells        *cells);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbExportCells, tb_export_cells_free)

G_END_DECLS
