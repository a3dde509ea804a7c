/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-defaults"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-defaults.h"
#include "tb-demo.h"
#include "tb-error.h"

GStrv
tb_split_model_list (const char *list)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  if (list == NULL)
    return NULL;
  parts = g_strsplit (list, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *id = g_strstrip (parts[i]);

      if (*id != '\0' && !g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL))
        g_ptr_array_add (ids, g_strdup (id));
    }
  if (ids->len == 0)
    return NULL;
  g_ptr_array_add (ids, NULL);
  return (GStrv) g_ptr_array_steal (ids, NULL);
}

static GStrv
from_environment (void)
{
  return tb_split_model_list (g_getenv ("GENERAL_TASK_LLM"));
}

static GStrv
usecase_judges (const TbUsecase *usecase)
{
  if (usecase == NULL)
    return NULL;
  if (usecase->judge_models != NULL && usecase->judge_models[0] != NULL)
    return g_strdupv (usecase->judge_models);
  if (usecase->judge_model != NULL && *usecase->judge_model != '\0')
    return tb_split_model_list (usecase->judge_model);
  return NULL;
}

GStrv
tb_default_judges (const char      *explicit_list,
                   const TbUsecase *usecase)
{
  GStrv judges = tb_split_model_list (explicit_list);

  if (judges == NULL)
    judges = usecase_judges (usecase);
  if (judges == NULL)
    judges = from_environment ();
  return judges;
}

GStrv
tb_rejudge_judges (const char  *explicit_list,
                   const TbRun *run)
{
  g_autoptr(TbUsecase) snapshot = NULL;
  GStrv judges = tb_split_model_list (explicit_list);

  g_return_val_if_fail (run != NULL, judges);

  if (judges != NULL)
    return judges;
  if (run->usecase_snapshot != NULL)
    snapshot = tb_usecase_parse (run->usecase, run->usecase_snapshot, -1, NULL, NULL);
  judges = usecase_judges (snapshot);
  if (judges == NULL && run->judges != NULL && run->judges[0] != NULL)
    judges = g_strdupv (run->judges);
  if (judges == NULL)
    judges = from_environment ();
  return judges;
}

GStrv
tb_default_candidates (const TbUsecase  *usecase,
                       GError          **error)
{
  GStrv candidates = NULL;

  if (usecase != NULL && usecase->candidates != NULL && usecase->candidates[0] != NULL)
    return g_strdupv (usecase->candidates);
  candidates = from_environment ();
  if (candidates != NULL)
    return candidates;

  g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID,
                       _("No models to run: name some, list models.candidates in the use "
                         "case, or set GENERAL_TASK_LLM"));
  return NULL;
}

GStrv
tb_default_candidates_for (const TbUsecase  *usecase,
                           gboolean          simulated,
                           GError          **error)
{
  if (simulated)
    return g_strdupv ((char **) tb_demo_candidates ());
  return tb_default_candidates (usecase, error);
}

GStrv
tb_default_judges_for (const char       *explicit_list,
                       const TbUsecase  *usecase,
                       gboolean          simulated,
                       GError          **error)
{
  /* A use case's jury of simulated models is a simulated run's jury too. */
  if (simulated && (explicit_list == NULL || *explicit_list == '\0') && usecase != NULL
      && usecase->judge_models != NULL && usecase->judge_models[0] != NULL
      && tb_demo_check_models ((const char * const *) usecase->judge_models, NULL))
    return g_strdupv (usecase->judge_models);
  if (simulated)
    return tb_demo_judges (explicit_list, NULL, error);
  return tb_default_judges (explicit_list, usecase);
}

GStrv
tb_rejudge_judges_for (const char   *explicit_list,
                       const TbRun  *run,
                       gboolean      simulated,
                       GError      **error)
{
  if (simulated)
    return tb_demo_judges (explicit_list, run, error);
  return tb_rejudge_judges (explicit_list, run);
}
