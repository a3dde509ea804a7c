/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-call-row"

#include "config.h"

#include <glib/gi18n.h>

#include "tb-call-row.h"
#include "tb-cost.h"
#include "tb-resources.h"
#include "tb-util.h"

struct _TbCallRow
{
  GtkWidget     parent_instance;

  GtkStack     *indicator;
  GtkImage     *icon;
  GtkSpinner   *spinner;
  GtkLabel     *kind_label;
  GtkLabel     *model_label;
  GtkLabel     *detail_label;
  GtkLabel     *value_label;

  TbCall       *call;
  GSignalGroup *signals;
  double        judged;       /* the judges' mean of a candidate's output; < 0: none */
};

G_DEFINE_FINAL_TYPE (TbCallRow, tb_call_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_CALL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_icon (TbCallRow  *self,
          const char *icon_name,
          const char *css_class)
{
  gtk_spinner_stop (self->spinner);
  gtk_image_set_from_icon_name (self->icon, icon_name);
  gtk_widget_set_css_classes (GTK_WIDGET (self->icon), (const char *[]) { css_class, NULL });
  gtk_stack_set_visible_child (self->indicator, GTK_WIDGET (self->icon));
}

/* What a call is doing, as the detail line says it. */
static char *
state_text (TbCall *call)
{
  double seconds = tb_call_get_elapsed_ms (call) / 1000.0;
  guint64 n = tb_call_get_tokens (call);
  /* Formatted apart: a 64-bit format macro in a msgid would not survive translation */
  g_autofree char *tokens = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  g_autofree char *chunk = NULL;
  const char *message = tb_call_get_message (call);

  if (tb_call_get_chunks (call) > 1)
    /* Translators: which part of a long input is under way */
    chunk = g_strdup_printf (_(" · part %u of %u"), MAX (tb_call_get_chunk (call), 1),
                             tb_call_get_chunks (call));

  switch (tb_call_get_state (call))
    {
    case TB_CALL_QUEUED:
      return g_strdup (_("Queued"));
    case TB_CALL_RUNNING:
      if (n > 0)
        /* Translators: tokens streamed so far, then seconds elapsed */
        return g_strdup_printf (ngettext ("Streaming · %s token · %.0f s%s",
                                          "Streaming · %s tokens · %.0f s%s", (gulong) n),
                                tokens, seconds, chunk ? chunk : "");
      return g_strdup_printf (_("Waiting for the first token · %.0f s%s"), seconds,
                              chunk ? chunk : "");
    case TB_CALL_RETRYING:
      return g_strdup_printf (_("Retrying: %s"), message ? message : _("no answer"));
    case TB_CALL_DONE:
      /* The tokens as the output file records them: the completion tokens. */
      return g_strdup_printf (ngettext ("Done in %.1f s · %s token",
                                        "Done in %.1f s · %s tokens", (gulong) n),
                              seconds, tokens);
    case TB_CALL_FAILED:
      return g_strdup (message ? message : _("Failed"));
    case TB_CALL_CANCELLED:
      return g_strdup (_("Cancelled"));
    case TB_CALL_SKIPPED:
      return g_strdup (_("Not sent: over the budget"));
    default:
      return g_strdup ("");
    }
}

static char *
cost_text (TbCall *call)
{
  g_autofree char *usd = NULL;

  if (tb_call_get_cost_usd (call) < 0)
    return g_strdup ("");
  usd = tb_format_usd (tb_call_get_cost_usd (call));
  switch (tb_cost_source_from_string (tb_call_get_cost_source (call)))
    {
    case TB_COST_BILLED:
      /* Translators: an amount in US dollars */
      return g_strdup_printf (_("%s billed"), usd);
    case TB_COST_ESTIMATE:
      return g_strdup_printf (_("%s estimated"), usd);
    default:
      return g_steal_pointer (&usd);
    }
}

/* A candidate's cost, and once judged its score beside it (never instead of it); a judge's
 * score. */
static char *
value_text (TbCall *call,
            double  judged)
{
  g_autofree char *cost = NULL;

  switch (tb_call_get_state (call))
    {
    case TB_CALL_DONE:
      if (tb_call_get_kind (call) != TB_CALL_CANDIDATE)
        return tb_call_get_score (call) >= 0
               ? g_strdup_printf (_("Score %.0f"), tb_call_get_score (call))
               : g_strdup ("");
      cost = cost_text (call);
      if (judged < 0)
        return g_steal_pointer (&cost);
      /* Translators: a judged output's score, then its cost */
      return g_strdup_printf (_("Score %.0f · %s"), judged, cost);
    case TB_CALL_FAILED:
      return g_strdup (_("Failed"));
    case TB_CALL_CANCELLED:
      return g_strdup (_("Cancelled"));
    case TB_CALL_SKIPPED:
      return g_strdup (_("Skipped"));
    default:
      return g_strdup ("");
    }
}

static void
update (TbCallRow *self)
{
  TbCall *call = self->call;
  g_autofree char *state = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *value = NULL;
  const char *detail_class = "dim-label";
  gboolean judge;

  if (call == NULL)
    {
      gtk_spinner_stop (self->spinner);
      gtk_label_set_text (self->model_label, "");
      gtk_label_set_text (self->detail_label, "");
      gtk_label_set_text (self->value_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->kind_label), FALSE);
      return;
    }

  judge = tb_call_get_kind (call) != TB_CALL_CANDIDATE;
  gtk_widget_set_visible (GTK_WIDGET (self->kind_label), judge);
  gtk_label_set_text (self->model_label, tb_call_get_model (call));

  state = state_text (call);
  if (judge)
    {
      /* Translators: a judge call, then what it is doing: "Scores openai/gpt-4o · Queued" */
      detail = g_strdup_printf (tb_call_get_kind (call) == TB_CALL_PAIRWISE
                                ? _("Compares %s · %s") : _("Scores %s · %s"),
                                tb_call_get_subject (call), state);
    }
  else
    detail = g_steal_pointer (&state);
  /* In a test set or with repeats, which input (and repeat) the call is for. */
  if (tb_call_get_place (call) != NULL)
    {
      char *placed = g_strconcat (tb_call_get_place (call), " · ", detail, NULL);

      g_free (detail);
      detail = placed;
    }

  switch (tb_call_get_state (call))
    {
    case TB_CALL_QUEUED:
      set_icon (self, "document-open-recent-symbolic", "dim-label");
      break;
    case TB_CALL_RUNNING:
      gtk_spinner_start (self->spinner);
      gtk_stack_set_visible_child (self->indicator, GTK_WIDGET (self->spinner));
      break;
    case TB_CALL_RETRYING:
      set_icon (self, "view-refresh-symbolic", "warning");
      detail_class = "warning";
      break;
    case TB_CALL_DONE:
      set_icon (self, "emblem-ok-symbolic", "success");
      break;
    case TB_CALL_FAILED:
      set_icon (self, "dialog-error-symbolic", "error");
      detail_class = "error";
      break;
    case TB_CALL_CANCELLED:
    case TB_CALL_SKIPPED:
    default:
      set_icon (self, "process-stop-symbolic", "dim-label");
      break;
    }

  gtk_label_set_text (self->detail_label, detail);
  gtk_widget_set_css_classes (GTK_WIDGET (self->detail_label),
                              (const char *[]) { "caption", detail_class, NULL });
  value = value_text (call, self->judged);
  gtk_label_set_text (self->value_label, value);
}

void
tb_call_row_set_call (TbCallRow *self,
                      TbCall    *call)
{
  g_return_if_fail (TB_IS_CALL_ROW (self));
  g_return_if_fail (call == NULL || TB_IS_CALL (call));

  if (!g_set_object (&self->call, call))
    return;
  self->judged = -1;
  g_signal_group_set_target (self->signals, call);
  /* Set once here, not at every notification: each setting asks the display server where
   * the pointer is. */
  if (call == NULL)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_label), NULL);
  else if (tb_call_get_kind (call) != TB_CALL_CANDIDATE)
    {
      /* Translators: the judge model, then the model whose output it scores */
      g_autofree char *tooltip = g_strdup_printf (_("%s judges the output of %s"),
                                                  tb_call_get_model (call),
                                                  tb_call_get_subject (call));

      gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_label), tooltip);
    }
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_label), tb_call_get_model (call));
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL]);
}

void
tb_call_row_set_judged (TbCallRow *self,
                        double     score)
{
  g_return_if_fail (TB_IS_CALL_ROW (self));

  if (self->judged == score)
    return;
  self->judged = score;
  update (self);
}

TbCall *
tb_call_row_get_call (TbCallRow *self)
{
  g_return_val_if_fail (TB_IS_CALL_ROW (self), NULL);
  return self->call;
}

const char *
tb_call_row_get_value (TbCallRow *self)
{
  g_return_val_if_fail (TB_IS_CALL_ROW (self), NULL);
  return gtk_label_get_text (self->value_label);
}

const char *
tb_call_row_get_detail (TbCallRow *self)
{
  g_return_val_if_fail (TB_IS_CALL_ROW (self), NULL);
  return gtk_label_get_text (self->detail_label);
}

static void
tb_call_row_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TbCallRow *self = TB_CALL_ROW (object);

  switch (prop_id)
    {
    case PROP_CALL:
      g_value_set_object (value, self->call);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_call_row_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  TbCallRow *self = TB_CALL_ROW (object);

  switch (prop_id)
    {
    case PROP_CALL:
      tb_call_row_set_call (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_call_row_dispose (GObject *object)
{
  TbCallRow *self = TB_CALL_ROW (object);
  GtkWidget *child;

  if (self->signals != NULL)
    g_signal_group_set_target (self->signals, NULL);
  g_clear_object (&self->signals);
  g_clear_object (&self->call);
  gtk_widget_dispose_template (GTK_WIDGET (self), TB_TYPE_CALL_ROW);
  /* the template's root has no id, so dispose_template leaves it */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (tb_call_row_parent_class)->dispose (object);
}

static void
tb_call_row_class_init (TbCallRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tb_call_row_dispose;
  object_class->get_property = tb_call_row_get_property;
  object_class->set_property = tb_call_row_set_property;

  properties[PROP_CALL] =
    g_param_spec_object ("call", NULL, NULL, TB_TYPE_CALL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* referencing the resource links its object (and its registering constructor) even when
   * the widgets come from a static library */
  (void) tb_get_resource ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/taskbench/TaskBench/tb-call-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TbCallRow, indicator);
  gtk_widget_class_bind_template_child (widget_class, TbCallRow, icon);
  gtk_widget_class_bind_template_child (widget_class, TbCallRow, spinner);
  gtk_widget_class_bind_template_child (widget_class, TbCallRow, kind_label);
  gtk_widget_class_bind_template_child (widget_class, TbCallRow, model_label);
  gtk_widget_class_bind_template_child (widget_class, TbCallRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, TbCallRow, value_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "callrow");
}

static void
tb_call_row_init (TbCallRow *self)
{
  self->judged = -1;
  gtk_widget_init_template (GTK_WIDGET (self));

  /* Every property of a call notifies when it changes (the elapsed time once a second while
   * it runs): the row follows them all. */
  self->signals = g_signal_group_new (TB_TYPE_CALL);
  g_signal_group_connect_swapped (self->signals, "notify", G_CALLBACK (update), self);
}

GtkWidget *
tb_call_row_new (void)
{
  return g_object_new (TB_TYPE_CALL_ROW, NULL);
}
