/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-amount"

#include "config.h"

#include <math.h>

#include "tb-amount.h"

gboolean
tb_amount_is_valid (double value)
{
  return isfinite (value) && value >= 0;
}

gboolean
tb_amount_from_node (JsonNode *node,
                     gboolean  allow_numeric_string,
                     double   *out)
{
  double value;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    value = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    value = json_node_get_double (node);
  else if (type == G_TYPE_STRING && allow_numeric_string)
    {
      const char *text = json_node_get_string (node);
      char *end = NULL;

      value = g_ascii_strtod (text, &end);
      if (end == text)
        return FALSE;
      while (g_ascii_isspace (*end))
        end++;
      if (*end != '\0')
        return FALSE;
    }
  else
    return FALSE;

  if (!tb_amount_is_valid (value))
    return FALSE;
  if (out != NULL)
    *out = value;
  return TRUE;
}
