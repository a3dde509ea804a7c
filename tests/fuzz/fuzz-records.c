/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for the readers of the results store's records: tb_json_parse
 * and tb_output_from_json, tb_run_from_json, tb_judgment_from_json,
 * tb_run_summary_from_json, and a run's rollup and summary (see records-check.h).
 *
 * The first byte of an input picks the reader (its value modulo the number of kinds:
 * 0 output, 1 run, 2 judgment, 3 summary, 4 run data); the rest is the text.
 *
 * Build it with clang, either through meson:
 *   CC=clang meson setup build-fuzz -Dfuzzers=true -Dgui=false \
 *     -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
 *   ninja -C build-fuzz tests/fuzz/fuzz-records
 * and run it on the records of a results folder as the corpus, each file prefixed by the
 * byte of its kind:
 *   mkdir -p /tmp/records; n=0
 *   for kind in 0:outputs 1:run.json 2:judgments; do
 *     for f in $(find results -name '*.json' -path "*${kind#*:}*"); do
 *       n=$((n + 1)); (printf "\\${kind%%:*}"; cat "$f") > /tmp/records/$n
 *     done
 *   done
 *   build-fuzz/tests/fuzz/fuzz-records -max_total_time=120 -max_len=65536 \
 *     -dict=tests/fuzz/fuzz-records.dict /tmp/records
 * (test-fuzz-records makes such records with TaskBench's own writers and runs seeded
 * mutations of them in every `meson test`.)
 *
 * What it checks beyond crashes, leaks and undefined behaviour: no GLib warning or
 * critical is logged, and every record read writes back to JSON that a plain parser
 * takes, with every number finite, and reads back the same. */

#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>

#include "records-check.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* GLib ends a fatal message with a breakpoint (SIGTRAP), which libFuzzer does not take for
 * a crash: abort, so that it saves the input. */
static void
abort_on_message (const char     *domain,
                  GLogLevelFlags  level,
                  const char     *message,
                  gpointer        user_data)
{
  g_log_default_handler (domain, level, message, user_data);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  /* A g_return_if_fail or g_warning reached by some input is a finding too. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  g_log_set_default_handler (abort_on_message, NULL);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  if (size < 1 || size > G_MAXSSIZE)
    return 0;
  records_check_text ((RecordKind) (data[0] % N_RECORDS), (const char *) data + 1, size - 1);
  return 0;
}
