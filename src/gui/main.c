/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "taskbench"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "tb-application.h"

/* TASKBENCH_LOCALEDIR (tests with the uninstalled build), then <exe>/../share/locale so a
 * DESTDIR or relocated install finds its own catalogs, then the configured LOCALEDIR. */
static char *
find_locale_dir (void)
{
  const char *env = g_getenv ("TASKBENCH_LOCALEDIR");
  g_autofree char *exe = NULL;
  g_autofree char *exe_dir = NULL;
  g_autofree char *relocated = NULL;

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);

  exe = g_file_read_link ("/proc/self/exe", NULL);
  exe_dir = exe != NULL ? g_path_get_dirname (exe) : NULL;
  relocated = exe_dir != NULL ? g_build_filename (exe_dir, "..", "share", "locale", NULL) : NULL;
  if (relocated != NULL && g_file_test (relocated, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&relocated);
  return g_strdup (LOCALEDIR);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(TbApplication) app = NULL;
  g_autofree char *locale_dir = find_locale_dir ();

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = tb_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
