/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-call"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tb-call.h"

G_DEFINE_ENUM_TYPE (TbCallState, tb_call_state,
  G_DEFINE_ENUM_VALUE (TB_CALL_QUEUED, "queued"),
  G_DEFINE_ENUM_VALUE (TB_CALL_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (TB_CALL_RETRYING, "retrying"),
  G_DEFINE_ENUM_VALUE (TB_CALL_DONE, "done"),
  G_DEFINE_ENUM_VALUE (TB_CALL_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (TB_CALL_CANCELLED, "cancelled"),
  G_DEFINE_ENUM_VALUE (TB_CALL_SKIPPED, "skipped"))

G_DEFINE_ENUM_TYPE (TbCallKind, tb_call_kind,
  G_DEFINE_ENUM_VALUE (TB_CALL_CANDIDATE, "candidate"),
  G_DEFINE_ENUM_VALUE (TB_CALL_JUDGE, "judge"),
  G_DEFINE_ENUM_VALUE (TB_CALL_PAIRWISE, "pairwise"))

const char *
tb_call_state_to_string (TbCallState state)
{
  static const char * const names[] = {
    "queued", "running", "retrying", "done", "failed", "cancelled", "skipped"
  };

  return (guint) state < G_N_ELEMENTS (names) ? names[state] : "unknown";
}

gboolean
tb_call_state_is_final (TbCallState state)
{
  return state == TB_CALL_DONE || state == TB_CALL_FAILED || state == TB_CALL_CANCELLED
         || state == TB_CALL_SKIPPED;
}

struct _TbCall
{
  GObject      parent_instance;

  /* A run of thousands of calls has a few models, inputs and cost sources: each string is
   * interned once rather than copied into every call. */
  TbCallKind   kind;
  const char  *model;
  const char  *subject;
  const char  *input;
  guint        repeat;
  guint        n_inputs;
  guint        n_repeats;
  char        *place;          /* made when first asked for: few rows are ever shown */
  TbCallState  state;
  guint64      tokens;
  gint64       elapsed_ms;
  guint        chunk;
  guint        chunks;
  double       cost_usd;
  const char  *cost_source;
  double       score;
  char        *message;
  TbCallChangedFunc observer;
  gpointer     observer_data;
};

G_DEFINE_FINAL_TYPE (TbCall, tb_call, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_KIND,
  PROP_MODEL,
  PROP_SUBJECT,
  PROP_INPUT,
  PROP_REPEAT,
  PROP_STATE,
  PROP_TOKENS,
  PROP_ELAPSED_MS,
  PROP_CHUNK,
  PROP_CHUNKS,
  PROP_COST_USD,
  PROP_COST_SOURCE,
  PROP_SCORE,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tb_call_finalize (GObject *object)
{
  TbCall *self = TB_CALL (object);

  g_free (self->place);
  g_free (self->message);

  G_OBJECT_CLASS (tb_call_parent_class)->finalize (object);
}

static void
tb_call_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  TbCall *self = TB_CALL (object);

  switch (prop_id)
    {
    case PROP_KIND: g_value_set_enum (value, self->kind); break;
    case PROP_MODEL: g_value_set_string (value, self->model); break;
    case PROP_SUBJECT: g_value_set_string (value, self->subject); break;
    case PROP_INPUT: g_value_set_string (value, self->input); break;
    case PROP_REPEAT: g_value_set_uint (value, self->repeat); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_TOKENS: g_value_set_uint64 (value, self->tokens); break;
    case PROP_ELAPSED_MS: g_value_set_int64 (value, self->elapsed_ms); break;
    case PROP_CHUNK: g_value_set_uint (value, self->chunk); break;
    case PROP_CHUNKS: g_value_set_uint (value, self->chunks); break;
    case PROP_COST_USD: g_value_set_double (value, self->cost_usd); break;
    case PROP_COST_SOURCE: g_value_set_string (value, self->cost_source); break;
    case PROP_SCORE: g_value_set_double (value, self->score); break;
    case PROP_MESSAGE: g_value_set_string (value, self->message); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_call_dispatch_properties_changed (GObject     *object,
                                     guint        n_pspecs,
                                     GParamSpec **pspecs)
{
  TbCall *self = TB_CALL (object);

  G_OBJECT_CLASS (tb_call_parent_class)->dispatch_properties_changed (object, n_pspecs,
                                                                      pspecs);
  for (guint i = 0; self->observer != NULL && i < n_pspecs; i++)
    self->observer (self, pspecs[i], self->observer_data);
}

static void
tb_call_class_init (TbCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = tb_call_finalize;
  object_class->dispatch_properties_changed = tb_call_dispatch_properties_changed;
  object_class->get_property = tb_call_get_property;

  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, TB_TYPE_CALL_KIND,
                                             TB_CALL_CANDIDATE, flags);
  properties[PROP_MODEL] = g_param_spec_string ("model", NULL, NULL, NULL, flags);
  properties[PROP_SUBJECT] = g_param_spec_string ("subject", NULL, NULL, NULL, flags);
  properties[PROP_INPUT] = g_param_spec_string ("input", NULL, NULL, NULL, flags);
  properties[PROP_REPEAT] = g_param_spec_uint ("repeat", NULL, NULL, 0, G_MAXUINT, 1, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, TB_TYPE_CALL_STATE,
                                              TB_CALL_QUEUED, flags);
  properties[PROP_TOKENS] = g_param_spec_uint64 ("tokens", NULL, NULL, 0, G_MAXUINT64, 0,
                                                 flags);
  properties[PROP_ELAPSED_MS] = g_param_spec_int64 ("elapsed-ms", NULL, NULL, 0, G_MAXINT64,
                                                    0, flags);
  properties[PROP_CHUNK] = g_param_spec_uint ("chunk", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_CHUNKS] = g_param_spec_uint ("chunks", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_COST_USD] = g_param_spec_double ("cost-usd", NULL, NULL, -1, G_MAXDOUBLE,
                                                   -1, flags);
  properties[PROP_COST_SOURCE] = g_param_spec_string ("cost-source", NULL, NULL, NULL, flags);
  properties[PROP_SCORE] = g_param_spec_double ("score", NULL, NULL, -1, 100, -1, flags);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_call_init (TbCall *self)
{
  self->repeat = 1;
  self->cost_usd = -1;
  self->score = -1;
}

TbCall *
tb_call_new (TbCallKind  kind,
             const char *model,
             const char *subject,
             const char *input,
             guint       repeat)
{
  TbCall *self = g_object_new (TB_TYPE_CALL, NULL);

  self->kind = kind;
  self->model = g_intern_string (model);
  self->subject = g_intern_string (subject != NULL ? subject : model);
  self->input = g_intern_string (input);
  self->repeat = MAX (repeat, 1);
  return self;
}

void
tb_call_set_cell_count (TbCall *self,
                        guint   n_inputs,
                        guint   n_repeats)
{
  g_return_if_fail (TB_IS_CALL (self));

  g_clear_pointer (&self->place, g_free);
  self->n_inputs = n_inputs;
  self->n_repeats = n_repeats;
}

const char *
tb_call_get_place (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), NULL);

  if (self->place != NULL)
    return self->place;
  if (self->n_inputs > 1 && self->n_repeats > 1)
    /* Translators: an input's name, then which of the calls repeated on it */
    self->place = g_strdup_printf (_("%s · repeat %u"), self->input, self->repeat);
  else if (self->n_inputs > 1)
    self->place = g_strdup (self->input);
  else if (self->n_repeats > 1)
    self->place = g_strdup_printf (_("Repeat %u"), self->repeat);
  return self->place;
}

TbCallKind
tb_call_get_kind (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), TB_CALL_CANDIDATE);
  return self->kind;
}

const char *
tb_call_get_model (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), NULL);
  return self->model;
}

const char *
tb_call_get_subject (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), NULL);
  return self->subject;
}

const char *
tb_call_get_input (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), NULL);
  return self->input;
}

guint
tb_call_get_repeat (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), 1);
  return self->repeat;
}

TbCallState
tb_call_get_state (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), TB_CALL_QUEUED);
  return self->state;
}

void
tb_call_set_state (TbCall      *self,
                   TbCallState  state)
{
  g_return_if_fail (TB_IS_CALL (self));

  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

guint64
tb_call_get_tokens (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), 0);
  return self->tokens;
}

void
tb_call_set_tokens (TbCall  *self,
                    guint64  tokens)
{
  g_return_if_fail (TB_IS_CALL (self));

  if (self->tokens == tokens)
    return;
  self->tokens = tokens;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKENS]);
}

gint64
tb_call_get_elapsed_ms (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), 0);
  return self->elapsed_ms;
}

void
tb_call_set_elapsed_ms (TbCall *self,
                        gint64  elapsed_ms)
{
  g_return_if_fail (TB_IS_CALL (self));

  elapsed_ms = MAX (elapsed_ms, 0);
  if (self->elapsed_ms == elapsed_ms)
    return;
  self->elapsed_ms = elapsed_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED_MS]);
}

guint
tb_call_get_chunk (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), 0);
  return self->chunk;
}

guint
tb_call_get_chunks (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), 0);
  return self->chunks;
}

void
tb_call_set_chunk (TbCall *self,
                   guint   chunk,
                   guint   chunks)
{
  g_return_if_fail (TB_IS_CALL (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->chunk != chunk)
    {
      self->chunk = chunk;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHUNK]);
    }
  if (self->chunks != chunks)
    {
      self->chunks = chunks;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHUNKS]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

double
tb_call_get_cost_usd (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), -1);
  return self->cost_usd;
}

const char *
tb_call_get_cost_source (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), NULL);
  return self->cost_source;
}

void
tb_call_set_cost (TbCall     *self,
                  double      usd,
                  const char *source)
{
  g_return_if_fail (TB_IS_CALL (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->cost_usd != usd)
    {
      self->cost_usd = usd;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COST_USD]);
    }
  if (g_strcmp0 (self->cost_source, source) != 0)
    {
      self->cost_source = g_intern_string (source);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COST_SOURCE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

double
tb_call_get_score (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), -1);
  return self->score;
}

void
tb_call_set_score (TbCall *self,
                   double  score)
{
  g_return_if_fail (TB_IS_CALL (self));

  if (self->score == score)
    return;
  self->score = score;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCORE]);
}

const char *
tb_call_get_message (TbCall *self)
{
  g_return_val_if_fail (TB_IS_CALL (self), NULL);
  return self->message;
}

void
tb_call_set_message (TbCall     *self,
                     const char *message)
{
  g_return_if_fail (TB_IS_CALL (self));

  if (g_strcmp0 (self->message, message) == 0)
    return;
  g_free (self->message);
  self->message = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

void
tb_call_set_observer (TbCall            *self,
                      TbCallChangedFunc  func,
                      gpointer           user_data)
{
  g_return_if_fail (TB_IS_CALL (self));

  self->observer = func;
  self->observer_data = user_data;
}
