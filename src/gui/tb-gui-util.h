/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "tb-cost.h"
#include "tb-run.h"

G_BEGIN_DECLS

/* "2026-11-25 12:31" in local time from a stored UTC ISO 8601 stamp; "—" when absent. */
char       *tb_format_local_date   (const char   *iso);

/* "12k", "1.2M": a token count for people. */
char       *tb_format_tokens       (gint64        tokens);

/* A run status for people, and the style class that colours it ("success", "error",
 * "accent", "warning"). */
const char *tb_run_status_label    (TbRunStatus   status);
const char *tb_run_status_style    (TbRunStatus   status);

/* How a cost is known, for people: "billed", "reported", "estimated"; "" when not known. */
const char *tb_cost_source_label   (TbCostSource  source);

G_END_DECLS
