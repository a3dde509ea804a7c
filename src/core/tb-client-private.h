/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tb-client.h"

G_BEGIN_DECLS

/* For tests only (not in tb-core.h): runs the stream parser of a chat attempt over
 * `pieces` (GBytes*), as if they were the reads of one attempt followed by the end of the
 * stream, without a server, a main loop or retries. Returns the result the attempt would
 * give, or NULL with `error` (TB_HTTP_ERROR) and `*retryable` telling whether the client
 * would try again. `*deltas` counts the content deltas seen. */
TbChatResult *tb_client_parse_stream_for_test (TbClient   *self,
                                               GPtrArray  *pieces,
                                               guint64    *deltas,
                                               gboolean   *retryable,
                                               GError    **error);

G_END_DECLS
