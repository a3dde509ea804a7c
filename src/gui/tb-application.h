/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "tb-client.h"
#include "tb-index.h"
#include "tb-store.h"

G_BEGIN_DECLS

#define TB_TYPE_APPLICATION (tb_application_get_type ())
G_DECLARE_FINAL_TYPE (TbApplication, tb_application, TB, APPLICATION, AdwApplication)

TbApplication *tb_application_new               (void);

/* Valid after startup. */
const char    *tb_application_get_home          (TbApplication *self);
TbStore       *tb_application_get_store         (TbApplication *self);
/* One index for the application: every list and sum the windows show comes from it, read
 * in a thread (tb-index.h allows calls from any thread). */
TbIndex       *tb_application_get_index         (TbApplication *self);
GSettings     *tb_application_get_settings      (TbApplication *self);

/* The client as configured now: key from OPENROUTER_API_KEY, else the Secret Service,
 * else none; base URL from TASKBENCH_BASE_URL, else the base-url setting, else OpenRouter.
 * ::client-changed tells when it is replaced. */
TbClient      *tb_application_get_client        (TbApplication *self);
void           tb_application_reload_client     (TbApplication *self);
gboolean       tb_application_api_key_from_env  (TbApplication *self);
/* The base URL a new client would use. */
char          *tb_application_dup_base_url      (TbApplication *self);

/* The simulated models (tb-demo.h), to try TaskBench without a key: the in-process simulated
 * provider as the server (no key read or sent), and the demo home (tb_home_default_demo,
 * seeded with the examples) in place of the real one, so that its runs never meet real
 * money. Nothing of it is written to GSettings. Entering seeds the home and starts the
 * server in a thread; ::home-changed tells windows to show the other home (home, store,
 * index and client are replaced before it), as does leaving, which goes back to the real
 * home and server. */
gboolean       tb_application_get_simulated     (TbApplication *self);
void           tb_application_set_simulated_async  (TbApplication       *self,
                                                    gboolean             simulated,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean       tb_application_set_simulated_finish (TbApplication       *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

G_END_DECLS
