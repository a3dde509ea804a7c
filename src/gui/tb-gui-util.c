/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-gui-util"

#include "config.h"

#include <glib/gi18n.h>

#include "tb-gui-util.h"

char *
tb_format_local_date (const char *iso)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (iso == NULL || *iso == '\0')
    return g_strdup ("—");
  utc = g_date_time_new_from_iso8601 (iso, NULL);
  if (utc == NULL)
    return g_strdup (iso);
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

char *
tb_format_tokens (gint64 tokens)
{
  if (tokens >= 1000000)
    return g_strdup_printf ("%.1fM", tokens / 1e6);
  if (tokens >= 10000)
    return g_strdup_printf ("%.0fk", tokens / 1e3);
  if (tokens >= 1000)
    return g_strdup_printf ("%.1fk", tokens / 1e3);
  return g_strdup_printf ("%" G_GINT64_FORMAT, tokens);
}

const char *
tb_run_status_label (TbRunStatus status)
{
  switch (status)
    {
    case TB_RUN_RUNNING:
      return _("Running");
    case TB_RUN_DONE:
      return _("Done");
    case TB_RUN_PARTIAL:
      return _("Partial");
    case TB_RUN_FAILED:
      return _("Failed");
    case TB_RUN_CANCELLED:
      return _("Cancelled");
    case TB_RUN_INTERRUPTED:
      return _("Interrupted");
    default:
      return tb_run_status_to_string (status);
    }
}

const char *
tb_run_status_style (TbRunStatus status)
{
  switch (status)
    {
    case TB_RUN_DONE:
      return "success";
    case TB_RUN_FAILED:
      return "error";
    case TB_RUN_RUNNING:
      return "accent";
    default:
      return "warning";
    }
}

const char *
tb_cost_source_label (TbCostSource source)
{
  switch (source)
    {
    case TB_COST_BILLED:
      return _("billed");
    case TB_COST_INLINE:
      return _("reported");
    case TB_COST_ESTIMATE:
      return _("estimated");
    case TB_COST_NONE:
    case TB_COST_UNKNOWN:
    default:
      return "";
    }
}
