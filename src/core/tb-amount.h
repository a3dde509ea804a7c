/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The one gate every amount of money passes, from a server or from a file: an amount is
 * finite and ≥ 0, or it is unknown. Unknown is never $0 and never written as-is. */

gboolean tb_amount_is_valid  (double    value);

/* FALSE (unknown) for anything but a finite number ≥ 0; numeric strings count only when
 * `allow_numeric_string` (catalog prices are strings, costs are numbers). */
gboolean tb_amount_from_node (JsonNode *node,
                              gboolean  allow_numeric_string,
                              double   *out);

G_END_DECLS
