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
  TbStore   *store;
} CliContext;

typedef int (*CliCommandFunc) (CliContext *cli, int argc, char **argv);

typedef struct {
  const char     *name;
  const char     *synopsis;
  const char     *summary;
  CliCommandFunc  func;
} CliCommand;

/* Prints an error to stderr ("taskbench-cli: …") and returns the exit code the error
 * calls for: 2 for bad usage or input, 1 otherwise. */
int          cli_fail              (const GError *error);
int          cli_usage_error       (const char *format, ...) G_GNUC_PRINTF (1, 2);
void         cli_warn              (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* Parses the command's options; on failure prints the message and returns FALSE. */
gboolean     cli_parse_options     (const char    *command,
                                    const char    *parameter,
                                    const char    *summary,
                                    GOptionEntry  *entries,
                                    int           *argc,
                                    char        ***argv,
                                    int           *exit_code);

void         cli_print_json        (JsonNode *node);

/* Loads the use case `id` from the home's usecases/ folder. */
TbUsecase   *cli_load_usecase      (CliContext *cli, const char *id, GError **error);

/* Reads a text input file, refusing binary or empty files (TB_ERROR_INVALID). */
char        *cli_read_text_file    (const char *path, gsize *length, GError **error);

/* Loads the model catalog on a nested main loop; NULL with a warning printed when neither
 * the server nor a cache answers. */
TbCatalog   *cli_load_catalog      (TbClient *client, gboolean refresh, GError **error);

/* Runs `func` until `done` is set, iterating the default main context; Ctrl-C cancels
 * `cancellable`. */
void         cli_wait              (gboolean *done, GCancellable *cancellable);

int          cli_cmd_run           (CliContext *cli, int argc, char **argv);
int          cli_cmd_resume        (CliContext *cli, int argc, char **argv);
int          cli_cmd_judge         (CliContext *cli, int argc, char **argv);
int          cli_cmd_runs          (CliContext *cli, int argc, char **argv);
int          cli_cmd_show          (CliContext *cli, int argc, char **argv);
int          cli_cmd_costs         (CliContext *cli, int argc, char **argv);

JsonNode    *cli_rollup_to_json    (const TbRollup *rollup);

G_END_DECLS
