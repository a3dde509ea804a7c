/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "taskbench"

#include "config.h"

#include <glib/gi18n.h>

#include "tb-application.h"
#include "tb-util.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(TbApplication) app = NULL;

  tb_init_i18n ();

  app = tb_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
