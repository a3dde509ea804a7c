/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-amount"

#include "config.h"

#include <math.h>

#include "tb-amount.h"

/* Reads member "v" of `json` through the gate. */
static gboolean
read_amount (const char *json,
             gboolean    allow_string,
             double     *out)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  return tb_amount_from_member (object, "v", allow_string, out);
}

static void
test_is_valid (void)
{
  g_assert_true (tb_amount_is_valid (0));
  g_assert_true (tb_amount_is_valid (-0.0));
  g_assert_true (tb_amount_is_valid (1e-12));
  g_assert_true (tb_amount_is_valid (TB_AMOUNT_MAX));
  /* a billion dollars and more is no real amount; sums of real ones stay finite */
  g_assert_false (tb_amount_is_valid (TB_AMOUNT_MAX * 1.000001));
  g_assert_false (tb_amount_is_valid (1e300));
  g_assert_false (tb_amount_is_valid (-1e-12));
  g_assert_false (tb_amount_is_valid (-1));
  g_assert_false (tb_amount_is_valid (INFINITY));
  g_assert_false (tb_amount_is_valid (-INFINITY));
  g_assert_false (tb_amount_is_valid (NAN));
}

static void
test_numbers (void)
{
  static const struct {
    const char *json;
    gboolean    known;
    double      value;
  } cases[] = {
    { "{\"v\": 0.0025}", TRUE, 0.0025 },
    { "{\"v\": 3}", TRUE, 3 },
    { "{\"v\": 0}", TRUE, 0 },
    { "{\"v\": -0.0}", TRUE, 0 },
    { "{\"v\": 2e-8}", TRUE, 2e-8 },
    { "{\"v\": 1e999}", FALSE, 0 },       /* json-glib: +inf */
    { "{\"v\": -1e999}", FALSE, 0 },
    { "{\"v\": -0.5}", FALSE, 0 },
    { "{\"v\": -1}", FALSE, 0 },
    { "{\"v\": null}", FALSE, 0 },
    { "{\"v\": true}", FALSE, 0 },
    { "{\"v\": {}}", FALSE, 0 },
    { "{\"v\": [1]}", FALSE, 0 },
    { "{\"v\": \"0.1\"}", FALSE, 0 },     /* a string where a number belongs */
    { "{\"w\": 1}", FALSE, 0 },           /* missing */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double value = 12345;
      gboolean known = read_amount (cases[i].json, FALSE, &value);

      g_test_message ("%s", cases[i].json);
      g_assert_cmpint (known, ==, cases[i].known);
      if (known)
        {
          g_assert_cmpfloat (value, ==, cases[i].value);
          g_assert_false (signbit (value));
        }
      else
        g_assert_cmpfloat (value, ==, 12345);   /* untouched */
    }
}

static void
test_strings (void)
{
  static const struct {
    const char *json;
    gboolean    known;
    double      value;
  } cases[] = {
    { "{\"v\": \"0.00000015\"}", TRUE, 0.00000015 },
    { "{\"v\": \"0\"}", TRUE, 0 },
    { "{\"v\": \"12\"}", TRUE, 12 },
    { "{\"v\": \"2e-7\"}", TRUE, 2e-7 },
    { "{\"v\": \"1.5E+2\"}", TRUE, 150 },
    { "{\"v\": \"-0\"}", TRUE, 0 },
    { "{\"v\": 0.5}", TRUE, 0.5 },        /* numbers still count */
    { "{\"v\": \"-1\"}", FALSE, 0 },      /* OpenRouter: variable price */
    { "{\"v\": \"-0.000001\"}", FALSE, 0 },
    { "{\"v\": \"1e999\"}", FALSE, 0 },
    { "{\"v\": \"abc\"}", FALSE, 0 },
    { "{\"v\": \"\"}", FALSE, 0 },
    { "{\"v\": \" 1\"}", FALSE, 0 },
    { "{\"v\": \"1 \"}", FALSE, 0 },
    { "{\"v\": \"nan\"}", FALSE, 0 },
    { "{\"v\": \"inf\"}", FALSE, 0 },
    { "{\"v\": \"Infinity\"}", FALSE, 0 },
    { "{\"v\": \"0x10\"}", FALSE, 0 },
    { "{\"v\": \"1.\"}", FALSE, 0 },
    { "{\"v\": \".5\"}", FALSE, 0 },
    { "{\"v\": \"1e\"}", FALSE, 0 },
    { "{\"v\": \"$1\"}", FALSE, 0 },
    { "{\"v\": null}", FALSE, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double value = 12345;
      gboolean known = read_amount (cases[i].json, TRUE, &value);

      g_test_message ("%s", cases[i].json);
      g_assert_cmpint (known, ==, cases[i].known);
      if (known)
        g_assert_cmpfloat (fabs (value - cases[i].value), <=, cases[i].value * 1e-12);
    }
}

static void
test_edges (void)
{
  double value = 7;
  g_autoptr(JsonNode) number = json_node_init_double (json_node_alloc (), NAN);
  g_autoptr(JsonNode) huge = json_node_init_double (json_node_alloc (), INFINITY);

  /* nodes built in code can hold what no parser produces */
  g_assert_false (tb_amount_from_node (number, TRUE, &value));
  g_assert_false (tb_amount_from_node (huge, TRUE, &value));
  g_assert_false (tb_amount_from_node (NULL, TRUE, &value));
  g_assert_false (tb_amount_from_member (NULL, "v", TRUE, &value));
  g_assert_cmpfloat (value, ==, 7);

  g_assert_true (tb_amount_parse_decimal ("1e999", &value));
  g_assert_true (isinf (value));
  g_assert_false (tb_amount_parse_decimal ("+1", &value));
  g_assert_false (tb_amount_parse_decimal (NULL, &value));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/amount/is-valid", test_is_valid);
  g_test_add_func ("/amount/numbers", test_numbers);
  g_test_add_func ("/amount/strings", test_strings);
  g_test_add_func ("/amount/edges", test_edges);

  return g_test_run ();
}
