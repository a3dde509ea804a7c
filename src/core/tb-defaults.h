/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "tb-run.h"
#include "tb-usecase.h"

G_BEGIN_DECLS

/* The choices TaskBench makes when the user does not, the same in the CLI and the window. */

/* A comma-separated list ("a/x, b/y") as unique, trimmed ids; NULL when it names none. */
GStrv      tb_split_model_list       (const char      *list);

/* The judges of a run of `usecase`: `explicit_list` (comma-separated) when given, else the
 * use case's judge.models, else $GENERAL_TASK_LLM. NULL when there is none. */
GStrv      tb_default_judges         (const char      *explicit_list,
                                      const TbUsecase *usecase);

/* The judges of a re-judge of an existing run: `explicit_list`, else those of the use case
 * as the run was made (its snapshot — never the file as it is now), else the judges the run
 * was made with, else $GENERAL_TASK_LLM. NULL when there is none. */
GStrv      tb_rejudge_judges         (const char      *explicit_list,
                                      const TbRun     *run);

/* The candidates when the user names none: the use case's models.candidates, else
 * $GENERAL_TASK_LLM. TB_ERROR_INVALID (saying how to name some) when there is none. */
GStrv      tb_default_candidates     (const TbUsecase *usecase,
                                      GError         **error);

/* The same choices for a run that may be simulated (tb-demo.h): the use cases name real
 * models, which the simulated provider does not serve, so a simulated run's candidates are
 * tb_demo_candidates () and its judges tb_demo_judges (`explicit_list` and, for a re-judge,
 * the run's own), or the use case's judge.models when every one is simulated; a real one's
 * are those above. */
GStrv      tb_default_candidates_for (const TbUsecase *usecase,
                                      gboolean         simulated,
                                      GError         **error);
GStrv      tb_default_judges_for     (const char      *explicit_list,
                                      const TbUsecase *usecase,
                                      gboolean         simulated,
                                      GError         **error);
GStrv      tb_rejudge_judges_for     (const char      *explicit_list,
                                      const TbRun     *run,
                                      gboolean         simulated,
                                      GError         **error);

G_END_DECLS
