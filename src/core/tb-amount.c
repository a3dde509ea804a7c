/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-amount"

#include "config.h"

#include <math.h>

#include "tb-amount.h"

gboolean
tb_amount_is_valid (double value)
{
  return isfinite (value) && value >= 0 && value <= TB_AMOUNT_MAX;
}

double
tb_amount_round (double value)
{
  return round (value * 1e12) / 1e12;
}

gboolean
tb_amount_parse_decimal (const char *text,
                         double     *out)
{
  const char *p = text;
  char *end = NULL;
  double value;

  g_return_val_if_fail (out != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  /* The JSON number grammar, checked by hand: g_ascii_strtod alone would also take
   * leading spaces, "inf", "nan" and hexadecimal. */
  if (*p == '-')
    p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;
  if (*p == '.')
    {
      p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }
  if (*p == 'e' || *p == 'E')
    {
      p++;
      if (*p == '+' || *p == '-')
        p++;
      if (!g_ascii_isdigit (*p))
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
    }
  if (*p != '\0')
    return FALSE;

  value = g_ascii_strtod (text, &end);
  if (end != p)
    return FALSE;

  *out = value;
  return TRUE;
}

gboolean
tb_amount_from_node (JsonNode *node,
                     gboolean  allow_numeric_string,
                     double   *out)
{
  double value;

  g_return_val_if_fail (out != NULL, FALSE);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      value = (double) json_node_get_int (node);
      break;
    case G_TYPE_DOUBLE:
      value = json_node_get_double (node);
      break;
    case G_TYPE_STRING:
      if (!allow_numeric_string || !tb_amount_parse_decimal (json_node_get_string (node), &value))
        return FALSE;
      break;
    default:
      return FALSE;
    }

  if (!tb_amount_is_valid (value))
    return FALSE;

  /* -0 is a valid zero, but written out it would read "-0" */
  *out = value + 0.0;
  return TRUE;
}

gboolean
tb_amount_from_member (JsonObject *object,
                       const char *name,
                       gboolean    allow_numeric_string,
                       double     *out)
{
  g_return_val_if_fail (name != NULL, FALSE);

  if (object == NULL || !json_object_has_member (object, name))
    return FALSE;

  return tb_amount_from_node (json_object_get_member (object, name), allow_numeric_string,
                              out);
}
