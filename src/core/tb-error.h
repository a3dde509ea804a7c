/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TB_ERROR (tb_error_quark ())

/* Codes map onto the CLI's exit codes: INVALID is bad usage or input (exit 2),
 * everything else is a failure (exit 1). */
typedef enum {
  TB_ERROR_FAILED,
  TB_ERROR_INVALID,     /* bad input from the user: file, YAML, id, flag */
  TB_ERROR_NOT_FOUND,   /* a use case or run that does not exist */
  TB_ERROR_BUSY,        /* a run locked by a live process */
  TB_ERROR_BUDGET,      /* a call not made: it would pass the run's cost cap */
} TbErrorCode;

#define TB_HTTP_ERROR (tb_http_error_quark ())

/* Code is the HTTP status, or 0 for a transport failure (connection refused, timeout)
 * and 1 for a protocol failure (unparseable body, mid-stream error chunk). */
typedef enum {
  TB_HTTP_ERROR_TRANSPORT = 0,
  TB_HTTP_ERROR_PROTOCOL = 1,
} TbHttpErrorCode;

GQuark tb_error_quark (void);
GQuark tb_http_error_quark (void);

G_END_DECLS
