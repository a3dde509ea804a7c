/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "tb-run.h"

G_BEGIN_DECLS

/* The simulated provider: TaskBench's own OpenAI-compatible server, in-process on
 * 127.0.0.1, so that anyone can try the whole app — runs, judging, the verdict, costs —
 * without a key and without spending anything. It serves a handful of simulated models
 * whose quality, speed and price are known (tb_demo_models), chosen so that a test-set run
 * shows what the verdict's statistics mean: a tie between two equal models and how many
 * inputs would separate them, a budget pick, a best model that is not the best value, and a
 * judge whose (disclosed) length bias sets off the length warning.
 *
 * It speaks the protocol TbClient speaks to OpenRouter (DESIGN.md, "The wire protocol"):
 * POST /chat/completions (JSON and SSE streams with usage and cost in the last chunk),
 * GET /generation?id= (the billed cost), GET /models (the simulated catalog) and GET /key
 * (label "simulated", no limit). A model id it does not serve answers 404, as OpenRouter
 * does for a model it does not know. Answers are written by tb-demo-answer.h. Runs made
 * against it are marked simulated (tb_runner_set_simulated) and kept out of real
 * rollups. */

/* One simulated model, as the catalog and the answers know it. */
typedef struct {
  const char *id;
  const char *role;              /* what it is there to show, for people ("the budget pick") */
  double      quality;           /* true mean quality of its answers, 0–10 */
  double      spread;            /* SD of one answer's quality around it */
  double      verbosity;         /* how much it writes, 1 = typical */
  double      slip;              /* chance that an answer breaks one format rule */
  guint       first_byte_ms;     /* before the answer starts */
  guint       stream_ms;         /* the answer's deltas spread over this long */
  double      price_prompt;      /* USD per million tokens */
  double      price_completion;  /* USD per million tokens */
  gint64      context_length;
  /* As a judge (every simulated model can judge; the simulated judge is made for it). */
  double      judge_noise;       /* SD of each criterion's score, 0–10 scale */
  double      judge_length_bias; /* points (0–10) per doubling of an answer's length */
} TbDemoModel;

/* The simulated models, candidates first and the judge last; `n` (nullable) is set to
 * their number. */
const TbDemoModel   *tb_demo_models          (guint *n);
/* NULL when `model_id` is not one of them. */
const TbDemoModel   *tb_demo_model           (const char *model_id);
gboolean             tb_demo_is_model        (const char *model_id);

/* The default candidates of a simulated run (the use cases name real models, which the
 * simulated provider does not serve) and its default judge. */
const char * const  *tb_demo_candidates      (void);
/* Whether `model_id` is one of the simulated provider's judges: offered as a judge, never
 * as a candidate (tb_recommend leaves it out). */
gboolean             tb_demo_is_judge        (const char *model_id);

const char          *tb_demo_judge           (void);

/* TB_ERROR_INVALID naming the simulated models when one of `models` is not one of them:
 * the simulated provider would answer it 404, so a run never starts with it. */
gboolean             tb_demo_check_models    (const char * const  *models,
                                              GError             **error);

/* The judges of a simulated run or re-judge: `explicit_list` (comma-separated) when given,
 * else those `run` (nullable) was made with when they are simulated, else the simulated
 * judge. TB_ERROR_INVALID when an explicit judge is not simulated. */
GStrv                tb_demo_judges          (const char         *explicit_list,
                                              const TbRun        *run,
                                              GError            **error);

/* Whether `base_url` is a simulated provider's (loopback, its own path): its catalog is
 * never cached, as the port changes every time and it answers at once anyway. */
gboolean             tb_demo_is_url          (const char *base_url);

/* The server. It runs on a thread of its own with its own GMainContext, so it answers
 * whatever the caller's main loop is doing (the CLI's nested waits, the window's frames,
 * a test's loop). */
typedef struct _TbDemoServer TbDemoServer;

/* Starts listening on 127.0.0.1 at a free port; NULL with `error` set when it cannot. */
TbDemoServer        *tb_demo_server_start    (GError      **error);
/* "http://127.0.0.1:PORT/taskbench-demo/api/v1", the base URL for TbClient. */
const char          *tb_demo_server_get_url  (TbDemoServer *self);
/* Closes every connection, stops the thread and frees the server. NULL is ignored. */
void                 tb_demo_server_stop     (TbDemoServer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbDemoServer, tb_demo_server_stop)

G_END_DECLS
