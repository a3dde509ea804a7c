/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "2026-11-25 12:31" in local time from a stored UTC ISO 8601 stamp; "—" when absent. */
char       *tb_format_local_date   (const char *iso);

/* A run status as stored ("done", "interrupted" …) for people, and the style class that
 * colours it ("success", "error", "accent", "warning"). */
const char *tb_run_status_label    (const char *status);
const char *tb_run_status_style    (const char *status);

G_END_DECLS
