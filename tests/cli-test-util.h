/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the end-to-end tests of the CLI share: a fake OpenRouter, a temporary home with the
 * shipped use cases, and the real `taskbench-cli` binary (TASKBENCH_CLI) run against them
 * with its stdout, stderr and exit status captured. */

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fake-server.h"

G_BEGIN_DECLS

#define CLI_TEST_KEY "sk-or-test-SECRET-4f1c9a"

/* No process of a test may outlive this: a regression that hangs fails instead. */
#define CLI_TEST_DEFAULT_TIMEOUT_MS 120000

typedef struct {
  FakeServer *server;
  char       *home;
  char       *cache;   /* XDG_CACHE_HOME of the CLI: the catalog cache and the index */
  const char *key;     /* OPENROUTER_API_KEY of the CLI; CLI_TEST_KEY unless a test sets it */
} CliFixture;

typedef struct {
  int       status;    /* the exit status, or 128 + the signal that ended it */
  char     *out;
  char     *err;
  gboolean  timed_out; /* killed for outliving its bound */
  double    seconds;   /* from the start of the wait to the exit */
} CliResult;

void        cli_result_free          (CliResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliResult, cli_result_free)

/* Fixture for g_test_add: the server (the judge of the shipped use cases scripted), a home
 * with the three shipped use cases, a cache folder inside it. */
void        cli_fixture_set_up       (CliFixture    *fixture,
                                      gconstpointer  data);
void        cli_fixture_tear_down    (CliFixture    *fixture,
                                      gconstpointer  data);

const char *cli_test_source_dir      (void);
char       *cli_test_sample_path     (const char *name);   /* usecases/samples/<name> */
void        cli_test_copy_file       (const char *from,
                                      const char *to);
void        cli_test_remove_tree     (const char *path);

/* A launcher with the fixture's environment: home, server, key, cache; stdout and stderr
 * piped. */
GSubprocessLauncher *cli_test_launcher (CliFixture *fixture);
/* Starts taskbench-cli with `args` (NULL-terminated). */
GSubprocess *cli_test_spawnv         (CliFixture          *fixture,
                                      GSubprocessLauncher *launcher,
                                      const char * const  *args);
/* Waits for the process, turning the default main context (the fake server lives on it),
 * and kills it when it outlives `timeout_ms`. */
CliResult   *cli_test_finish_within  (GSubprocess *process,
                                      guint        timeout_ms);
CliResult   *cli_test_finish         (GSubprocess *process);
CliResult   *cli_test_run_with       (CliFixture          *fixture,
                                      GSubprocessLauncher *launcher,
                                      guint                timeout_ms,
                                      const char          *first,
                                      ...) G_GNUC_NULL_TERMINATED;

/* Runs the CLI once per argument vector, all at the same time (commands that do not depend
 * on each other: a sanitizer's checks at exit make each process slow, not busy), and
 * returns their results (CliResult*) in the same order. */
GPtrArray   *cli_test_run_all        (CliFixture          *fixture,
                                      const char * const **argvs,
                                      guint                n,
                                      guint                timeout_ms);

/* cli (fixture, "run", "x", …): runs the CLI to its end with the fixture's environment. */
#define cli(fixture, ...) \
  ({ g_autoptr(GSubprocessLauncher) _l = cli_test_launcher (fixture); \
     cli_test_run_with (fixture, _l, CLI_TEST_DEFAULT_TIMEOUT_MS, __VA_ARGS__, NULL); })

/* The same, killed after `ms`. */
#define cli_within(fixture, ms, ...) \
  ({ g_autoptr(GSubprocessLauncher) _l = cli_test_launcher (fixture); \
     cli_test_run_with (fixture, _l, ms, __VA_ARGS__, NULL); })

/* Parses with a plain json-glib parser (asserting it parses). */
JsonNode    *cli_test_parse_json     (const char *text);
JsonObject  *cli_test_read_json_file (const char *path);

char        *cli_test_run_dir        (CliFixture *fixture,
                                      const char *usecase,
                                      const char *run_id);
char        *cli_test_output_path    (CliFixture *fixture,
                                      const char *usecase,
                                      const char *run_id,
                                      const char *model);
char        *cli_test_last_line      (const char *text);
guint        cli_test_count_runs     (CliFixture *fixture,
                                      const char *usecase);
/* Waits (turning the loop) for the one visible run folder of a use case. */
char        *cli_test_only_run_id    (CliFixture *fixture,
                                      const char *usecase);

/* Scripts a model: its content, inline and billed costs, two 404s of /generation. */
void         cli_test_script         (CliFixture *fixture,
                                      const char *model,
                                      const char *content,
                                      double      inline_cost,
                                      double      billed_cost);

/* Turns the default main context for `ms`. */
void         cli_test_spin           (guint       ms);
/* Turns it until `path` exists (at most 10 s). */
void         cli_test_wait_for_file  (const char *path);

/* `text` holds no `piece` bytes long part of `key` (the whole key when `piece` is 0);
 * `where` names the text in the failure. */
void         cli_test_assert_no_key_in    (const char *text,
                                           gsize       length,
                                           const char *key,
                                           gsize       piece,
                                           const char *where);
/* No file below `path` does. */
void         cli_test_assert_no_key_under (const char *path,
                                           const char *key,
                                           gsize       piece);

G_END_DECLS
