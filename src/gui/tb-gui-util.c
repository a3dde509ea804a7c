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

const char *
tb_run_status_label (const char *status)
{
  if (g_strcmp0 (status, "running") == 0)
    return _("Running");
  if (g_strcmp0 (status, "done") == 0)
    return _("Done");
  if (g_strcmp0 (status, "partial") == 0)
    return _("Partial");
  if (g_strcmp0 (status, "failed") == 0)
    return _("Failed");
  if (g_strcmp0 (status, "cancelled") == 0)
    return _("Cancelled");
  if (g_strcmp0 (status, "interrupted") == 0)
    return _("Interrupted");
  return status;
}

const char *
tb_run_status_style (const char *status)
{
  if (g_strcmp0 (status, "done") == 0)
    return "success";
  if (g_strcmp0 (status, "failed") == 0)
    return "error";
  if (g_strcmp0 (status, "running") == 0)
    return "accent";
  return "warning";
}
