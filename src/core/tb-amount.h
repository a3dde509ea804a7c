/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The one gate for amounts of money read from a server or a file.
 *
 * An amount is finite, ≥ 0 and at most TB_AMOUNT_MAX, or it is *unknown*: never a silent
 * $0, never NaN or infinity, never negative. Every reader of a price, a cost, a balance or a
 * limit goes through here and keeps a `has_…` flag beside the value for the unknown case. */

/* No call, price, balance or run costs a billion dollars: a larger amount is a broken or
 * hostile number, and it is unknown like any other — which also keeps every sum of
 * amounts finite (two amounts of 1e308 dollars would add up to infinity). */
#define TB_AMOUNT_MAX 1e9

/* TRUE when `value` may stand as an amount: finite, ≥ 0 and at most TB_AMOUNT_MAX. */
gboolean tb_amount_is_valid       (double      value);

/* `value` to the precision amounts are stored and shown at, 1e-12 USD: sums of binary
 * fractions carry noise in their last digits (0.016000000000000007, 0.0009999999999999998),
 * and a billionth of a cent is below any price. */
double   tb_amount_round          (double      value);

/* Reads an amount from a JSON node. JSON numbers (integers and doubles) are taken; strings
 * only when `allow_numeric_string` (GET /models sends prices as strings such as
 * "0.00000015"; costs are numbers) and only when the whole string is a plain decimal number
 * ("1.5", "-1", "2e-7": no spaces, no "nan", no "0x…"). Returns FALSE — unknown — for a
 * missing node, null, a boolean, an object or array, any other string, a negative amount
 * (OpenRouter's "-1" means "variable"), a non-finite one (json-glib reads 1e999 as
 * infinity) and one above TB_AMOUNT_MAX. `*out` is set only on success; -0 reads as 0. */
gboolean tb_amount_from_node      (JsonNode   *node,
                                   gboolean    allow_numeric_string,
                                   double     *out);

/* The same for `object`'s member `name` (a NULL object or a missing member: unknown). */
gboolean tb_amount_from_member    (JsonObject *object,
                                   const char *name,
                                   gboolean    allow_numeric_string,
                                   double     *out);

/* Parses a plain decimal number as JSON writes one (optional '-', digits, optional
 * fraction, optional exponent), the whole string and nothing else. Any finite or infinite
 * result; the amount gate above checks the range. */
gboolean tb_amount_parse_decimal  (const char *text,
                                   double     *out);

G_END_DECLS
