/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-error"

#include "config.h"

#include "tb-error.h"

G_DEFINE_QUARK (tb-error-quark, tb_error)
G_DEFINE_QUARK (tb-http-error-quark, tb_http_error)
