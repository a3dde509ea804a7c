/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The API key lives in the Secret Service, one item per base URL, under the schema
 * "io.github.taskbench.TaskBench.ApiKey" with the attribute "base-url". It is never
 * written to GSettings or to a file by the app. */

void      tb_secret_store_async   (const char          *base_url,
                                   const char          *api_key,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
gboolean  tb_secret_store_finish  (GAsyncResult        *result,
                                   GError             **error);

/* Returns NULL without an error when no key is stored. */
void      tb_secret_lookup_async  (const char          *base_url,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
char     *tb_secret_lookup_finish (GAsyncResult        *result,
                                   GError             **error);

void      tb_secret_clear_async   (const char          *base_url,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
gboolean  tb_secret_clear_finish  (GAsyncResult        *result,
                                   GError             **error);

G_END_DECLS
