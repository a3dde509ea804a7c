/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "tb-demo.h"

G_BEGIN_DECLS

/* What the simulated models write, and how they judge (tb-demo.h serves it). No I/O and no
 * global state: an answer is a function of the model, the request and the repeat, so the
 * same input gets the same first answer in every run and its repeats differ.
 *
 * A candidate's answer has a true quality, drawn around its model's `quality` (with a
 * difficulty shared by every model on the same input, as real inputs are harder or easier
 * for everyone), and is written in the format the request asks for, from the input's own
 * text: a valid instance of the response_format JSON Schema (chapters whose start_time and
 * end_time are copied from the transcript's [HH:MM:SS] stamps, action items whose owners are
 * the meeting's attendees, …), CSV under the header the prompt asks for, or sentences of the
 * input. A model with a `slip` sometimes breaks one rule (a time written 7:06, a row with a
 * stray comma) and its answer is the worse for it.
 *
 * Every answer carries its quality in plain sight, "[simulated answer · quality 8.4/10]"
 * (TB_DEMO_TAG_FORMAT), inside its first free-text field, and that is all the simulated judge
 * reads of it: each criterion gets that quality + the judge's noise + its length bias,
 * clamped to 0–10. A judge reads the tag only inside the quoted output, between the lines
 * "BEGIN OUTPUT <boundary>" and "END OUTPUT <boundary>" of the call's own boundary. */

#define TB_DEMO_TAG_FORMAT "[simulated answer · quality %.1f/10]"

/* The length at which the judges' length bias adds nothing: a typical answer. */
#define TB_DEMO_NEUTRAL_LENGTH 1000

typedef struct {
  const char *system;        /* nullable */
  const char *user;
  JsonNode   *schema;        /* nullable: response_format json_schema's schema */
  const char *schema_name;   /* nullable: its name ("judgment" and "pairwise" ask a judge) */
  gboolean    json_object;   /* response_format json_object */
} TbDemoRequest;

/* The answer of `model` to `request`, asked `repeat` times before (0 the first time). */
char     *tb_demo_answer         (const TbDemoModel   *model,
                                  const TbDemoRequest *request,
                                  guint                repeat);

/* The quality a simulated answer states in its tag; FALSE when `text` carries none. */
gboolean  tb_demo_read_tag       (const char          *text,
                                  double              *quality);

G_END_DECLS
