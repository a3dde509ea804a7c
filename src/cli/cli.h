/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tb-core.h"

G_BEGIN_DECLS

enum {
  EXIT_OK = 0,
  EXIT_FAILURE_ = 1,
  EXIT_USAGE = 2,
};

typedef struct {
  char      *home;
  gboolean   json;
  gboolean   demo;      /* --demo: the simulated provider, runs marked simulated */
  TbStore   *store;
  TbIndex   *index;
} CliContext;

typedef int (*CliCommandFunc) (CliContext *cli, int argc, char **argv);

typedef struct {
  const char     *name;
  const char     *synopsis;
  const char     *summary;
  CliCommandFunc  func;
} CliCommand;

/* Reports an error and returns the exit code it calls for: 2 for bad usage or input
 * (TB_ERROR_INVALID, TB_ERROR_NOT_FOUND, option errors), 1 otherwise. On stderr as
 * "taskbench-cli: …", or with --json as the one document on stdout:
 * {"error": {"message", "exit_code"}}. */
int          cli_fail              (const GError *error);
/* The same; with --json the document also carries the boolean `member` beside "error"
 * (usecase validate's "valid": false). */
int          cli_fail_with         (const GError *error,
                                    const char   *member,
                                    gboolean      value);
int          cli_usage_error       (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* A failure (exit 1) with a message. */
int          cli_failure           (const char *format, ...) G_GNUC_PRINTF (1, 2);
void         cli_warn              (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* `text` in exactly `width` characters (not bytes: "·" is two): padded with spaces, or cut
 * in the middle with "…" when longer, so a table's columns line up. */
char        *cli_fit               (const char *text,
                                    int         width);
/* `text` padded with spaces to `width` characters — not bytes: a translation may hold "ä" —
 * on the left (right-aligned), or on the right when `width` is negative. */
char        *cli_pad               (const char *text,
                                    int         width);
/* A table's line of column titles: `format` holds only "%s", "%Ns", "%-Ns" and "%*s"/"%-*s"
 * (the width an int argument before the title), and each title is padded as cli_pad does,
 * so translated titles stay above their columns. */
void         cli_print_titles      (const char *format,
                                    ...);
/* The same line, returned. */
char        *cli_titles            (const char *format,
                                    ...);

/* Parses the command's options; on failure reports it and returns FALSE. */
gboolean     cli_parse_options     (const char    *command,
                                    const char    *parameter,
                                    const char    *summary,
                                    GOptionEntry  *entries,
                                    int           *argc,
                                    char        ***argv,
                                    int           *exit_code);

/* Prints the command's one JSON document on stdout. */
void         cli_print_json        (JsonNode *node);

/* Loads the use case `id` from the home's usecases/ folder. */
TbUsecase   *cli_load_usecase      (CliContext *cli, const char *id, GError **error);

/* A client from the environment; FALSE (with the message printed and exit code 2 in
 * `*exit_code`) when the server needs a key and none is set. With --demo, a client of the
 * simulated provider (started on first use), without a key. */
TbClient    *cli_make_client       (int *exit_code);

/* Loads the model catalog on a nested main loop; NULL with a warning printed when neither
 * the server nor a cache answers. */
TbCatalog   *cli_load_catalog      (TbClient *client, gboolean refresh, GError **error);

/* Iterates the default main context until `done` is set; Ctrl-C and SIGTERM cancel
 * `cancellable`. */
void         cli_wait              (gboolean *done, GCancellable *cancellable);

/* The verdict of a run: the table and the input matrix on stdout, or (table FALSE) the
 * verdict in words and its warnings on stderr. */
void         cli_print_run_verdict (CliContext *cli, const char *run_id, gboolean table);

/* The forecast as a table (stdout for --dry-run, else stderr). */
void         cli_print_forecast    (const TbForecast *forecast, gboolean to_stdout);
/* GET /key against the forecast: EXIT_OK, or EXIT_USAGE (printed) when the remaining limit
 * is below it and not `yes`. A server without /key passes. */
int          cli_check_balance     (TbClient *client, const TbForecast *forecast, gboolean yes);
int          cli_cmd_account       (CliContext *cli, int argc, char **argv);

int          cli_cmd_run           (CliContext *cli, int argc, char **argv);
int          cli_cmd_resume        (CliContext *cli, int argc, char **argv);
int          cli_cmd_judge         (CliContext *cli, int argc, char **argv);
int          cli_cmd_runs          (CliContext *cli, int argc, char **argv);
int          cli_cmd_show          (CliContext *cli, int argc, char **argv);
int          cli_cmd_costs         (CliContext *cli, int argc, char **argv);
int          cli_cmd_summary       (CliContext *cli, int argc, char **argv);
int          cli_cmd_rate          (CliContext *cli, int argc, char **argv);
int          cli_cmd_export        (CliContext *cli, int argc, char **argv);

G_END_DECLS
