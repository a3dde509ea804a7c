/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The home: the folder holding usecases/ (the use-case files) and results/ (the store).
 * Every rule about where things are and how use-case files are made, copied and removed
 * lives here, for the CLI and the window alike. */

/* Explicit (--home), else $TASKBENCH_HOME, else the current folder when it has
 * usecases/, else $XDG_DATA_HOME/taskbench. Canonical. */
char      *tb_home_resolve             (const char  *explicit_home);

/* The home of simulated runs (tb-demo.h): explicit, else $TASKBENCH_HOME, else
 * $XDG_DATA_HOME/taskbench-demo; never the current folder nor the default home, so that
 * trying TaskBench out leaves a real home as it was. Canonical. */
char      *tb_home_resolve_demo        (const char  *explicit_home);

/* $XDG_DATA_HOME/taskbench-demo: the demo home of the window, whose $TASKBENCH_HOME names
 * the real home it must leave as it was. */
char      *tb_home_default_demo        (void);

/* A home must be a folder (or not exist yet): TB_ERROR_INVALID naming it otherwise. */
gboolean   tb_home_check               (const char  *home,
                                        GError     **error);

char      *tb_home_usecases_dir        (const char  *home);
/* <home>/usecases/<id>.yaml; NULL for an invalid id. */
char      *tb_home_usecase_path        (const char  *home,
                                        const char  *id);
gboolean   tb_home_usecase_exists      (const char  *home,
                                        const char  *id);

/* Creates usecases/<id>.yaml with `text` (NULL: the commented template), which must be a
 * valid use case. The name is claimed atomically: TB_ERROR_INVALID when it exists, even
 * when another process creates it at the same moment. */
gboolean   tb_home_create_usecase      (const char  *home,
                                        const char  *id,
                                        const char  *text,
                                        GError     **error);

/* The first free "<id>-copy", "<id>-copy-2", … */
char      *tb_home_free_copy_id        (const char  *home,
                                        const char  *id);

/* Copies use case `id` — `text` when given (what is being edited), else its file — to a
 * free copy id, named "<name> (Copy)". Returns the new id. */
char      *tb_home_duplicate_usecase   (const char  *home,
                                        const char  *id,
                                        const char  *text,
                                        GError     **error);

/* Removes usecases/<id>.yaml; its runs stay in results/. */
gboolean   tb_home_delete_usecase      (const char  *home,
                                        const char  *id,
                                        GError     **error);

/* A home without a usecases/ folder gets a copy of the shipped examples (with their
 * samples/): from the installed package data, else from the source tree. TRUE when it
 * copied them, with `*from` (nullable) set to where from; FALSE without error when the
 * home has use cases already or no examples are found. */
gboolean   tb_home_seed_examples       (const char  *home,
                                        char       **from,
                                        GError     **error);

G_END_DECLS
