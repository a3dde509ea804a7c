/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for the use-case parser (and tb-yaml under it).
 *
 * Build it with clang, either through meson:
 *   CC=clang meson setup build-fuzz -Dfuzzers=true -Dgui=false \
 *     -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
 *   ninja -C build-fuzz tests/fuzz/fuzz-usecase
 * and run it on a copy of the shipped examples as the corpus:
 *   mkdir -p /tmp/corpus && cp usecases/[a-z]*.yaml /tmp/corpus/
 *   build-fuzz/tests/fuzz/fuzz-usecase -max_total_time=120 -max_len=8192 /tmp/corpus
 *
 * What it checks beyond crashes, leaks and undefined behaviour: a file either parses or
 * fails with a TB_ERROR (never both, never neither), no GLib warning or critical is
 * logged, and what parses is written back to YAML that parses again. */

#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>

#include "tb-error.h"
#include "tb-usecase.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* A g_return_if_fail or g_warning reached by some input is a finding too. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) usecase = NULL;
  g_autoptr(TbUsecase) again = NULL;
  g_autofree char *yaml = NULL;

  if (size > G_MAXSSIZE)
    return 0;

  usecase = tb_usecase_parse ("fuzz", (const char *) data, (gssize) size, "fuzz.yaml", &error);
  if ((usecase == NULL) == (error == NULL))
    abort ();
  if (error != NULL)
    {
      if (error->domain != TB_ERROR || !g_str_has_prefix (error->message, "fuzz.yaml"))
        abort ();
      return 0;
    }

  yaml = tb_usecase_to_yaml (usecase);
  if (yaml == NULL)
    abort ();
  again = tb_usecase_parse ("fuzz", yaml, -1, "again.yaml", &error);
  if (again == NULL)
    {
      g_printerr ("written back, it does not parse: %s\n%s\n", error->message, yaml);
      abort ();
    }
  return 0;
}
