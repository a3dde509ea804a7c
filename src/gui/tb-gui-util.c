/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-gui-util"

#include "config.h"

#include <glib/gi18n.h>

#include "tb-format.h"
#include "tb-gui-util.h"

char *
tb_format_local_date (const char *iso)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (iso == NULL || *iso == '\0')
    return g_strdup ("—");
  utc = g_date_time_new_from_iso8601 (iso, NULL);
  if (utc == NULL)
    return g_strdup (iso);
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

char *
tb_format_local_time (const char *iso)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (iso == NULL || *iso == '\0')
    return g_strdup ("—");
  utc = g_date_time_new_from_iso8601 (iso, NULL);
  if (utc == NULL)
    return g_strdup (iso);
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

char *
tb_format_relative_date (const char *iso,
                         GDateTime  *now)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) current = NULL;
  g_autofree char *clock = NULL;
  GTimeSpan ago;
  int days;

  if (iso == NULL || *iso == '\0')
    return g_strdup ("—");
  utc = g_date_time_new_from_iso8601 (iso, NULL);
  if (utc == NULL)
    return g_strdup (iso);
  local = g_date_time_to_local (utc);
  current = now != NULL ? g_date_time_to_local (now) : g_date_time_new_now_local ();
  ago = g_date_time_difference (current, local);

  if (ago >= 0 && ago < 60 * G_TIME_SPAN_SECOND)
    return g_strdup (_("Just now"));
  if (ago >= 0 && ago < G_TIME_SPAN_HOUR)
    {
      guint minutes = (guint) (ago / G_TIME_SPAN_MINUTE);

      return g_strdup_printf (ngettext ("%u minute ago", "%u minutes ago", minutes), minutes);
    }
  /* Whole calendar days between the two dates, in local time. */
  {
    GDate then_date, now_date;

    g_date_clear (&then_date, 1);
    g_date_clear (&now_date, 1);
    g_date_set_dmy (&then_date, g_date_time_get_day_of_month (local),
                    g_date_time_get_month (local), g_date_time_get_year (local));
    g_date_set_dmy (&now_date, g_date_time_get_day_of_month (current),
                    g_date_time_get_month (current), g_date_time_get_year (current));
    days = g_date_days_between (&then_date, &now_date);
  }
  clock = g_date_time_format (local, "%H:%M");
  if (ago >= 0 && days == 0)
    /* Translators: a run's time today, "Today 14:02" */
    return g_strdup_printf (_("Today %s"), clock);
  if (ago >= 0 && days == 1)
    /* Translators: a run's time yesterday, "Yesterday 09:13" */
    return g_strdup_printf (_("Yesterday %s"), clock);
  return g_date_time_format (local, "%Y-%m-%d %H:%M");
}

char *
tb_format_tokens (gint64 tokens)
{
  if (tokens >= 1000000)
    return g_strdup_printf ("%.1fM", tokens / 1e6);
  if (tokens >= 10000)
    return g_strdup_printf ("%.0fk", tokens / 1e3);
  if (tokens >= 1000)
    return g_strdup_printf ("%.1fk", tokens / 1e3);
  return g_strdup_printf ("%" G_GINT64_FORMAT, tokens);
}

const char *
tb_run_status_label (TbRunStatus status)
{
  switch (status)
    {
    case TB_RUN_RUNNING:
      return _("Running");
    case TB_RUN_DONE:
      return _("Done");
    case TB_RUN_PARTIAL:
      return _("Partial");
    case TB_RUN_FAILED:
      return _("Failed");
    case TB_RUN_CANCELLED:
      return _("Cancelled");
    case TB_RUN_INTERRUPTED:
      return _("Interrupted");
    default:
      return tb_run_status_to_string (status);
    }
}

const char *
tb_run_status_style (TbRunStatus status)
{
  switch (status)
    {
    case TB_RUN_DONE:
      return "success";
    case TB_RUN_FAILED:
      return "error";
    case TB_RUN_RUNNING:
      return "accent";
    default:
      return "warning";
    }
}

const char *
tb_cost_source_label (TbCostSource source)
{
  switch (source)
    {
    case TB_COST_BILLED:
      return _("billed");
    case TB_COST_INLINE:
      return _("reported");
    case TB_COST_ESTIMATE:
      return _("estimated");
    case TB_COST_NONE:
    case TB_COST_UNKNOWN:
    default:
      return "";
    }
}

const char *
tb_run_input_key (const TbRun *run,
                  const char  *input)
{
  const TbRunInput *first;

  if (input != NULL)
    return input;
  first = run != NULL ? tb_run_find_input (run, NULL) : NULL;
  return first != NULL ? first->key : NULL;
}

GPtrArray *
tb_judgment_cell_scores (const TbJudgment *judgment,
                         const TbRun      *run,
                         const char       *model,
                         const char       *input,
                         guint             repeat)
{
  GPtrArray *scores = g_ptr_array_new ();
  const char *key = tb_run_input_key (run, input);

  for (guint i = 0; judgment != NULL && judgment->scores != NULL && i < judgment->scores->len;
       i++)
    {
      TbScore *score = g_ptr_array_index (judgment->scores, i);

      if (g_strcmp0 (score->model, model) == 0
          && g_strcmp0 (tb_run_input_key (run, score->input), key) == 0
          && MAX (score->repeat, 1) == MAX (repeat, 1))
        g_ptr_array_add (scores, score);
    }
  return scores;
}

gboolean
tb_judgment_cell_mean (const TbJudgment *judgment,
                       const TbRun      *run,
                       const char       *model,
                       const char       *input,
                       guint             repeat,
                       double           *mean)
{
  g_autoptr(GPtrArray) scores = tb_judgment_cell_scores (judgment, run, model, input, repeat);
  double sum = 0;
  guint n = 0;

  for (guint i = 0; i < scores->len; i++)
    {
      TbScore *score = g_ptr_array_index (scores, i);

      if (score->error == NULL)
        {
          sum += score->overall;
          n++;
        }
    }
  if (n == 0)
    return FALSE;
  *mean = sum / n;
  return TRUE;
}

char *
tb_pretty_output (const char *content)
{
  g_autofree char *stripped = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (content == NULL)
    return g_strdup ("");
  stripped = tb_strip_code_fence (content);
  node = json_from_string (stripped != NULL ? stripped : content, NULL);
  if (node != NULL && (JSON_NODE_HOLDS_OBJECT (node) || JSON_NODE_HOLDS_ARRAY (node)))
    return json_to_string (node, TRUE);
  return g_strdup (content);
}

static void
drop_down_setup_cb (GtkSignalListItemFactory *factory,
                    GObject                  *object,
                    gpointer                  user_data)
{
  gboolean in_list = GPOINTER_TO_INT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (in_list)
    {
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 60);
    }
  else
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_list_item_set_child (GTK_LIST_ITEM (object), label);
}

static void
drop_down_bind_cb (GtkSignalListItemFactory *factory,
                   GObject                  *object,
                   gpointer                  user_data)
{
  GtkListItem *item = GTK_LIST_ITEM (object);
  GtkStringObject *string = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  const char *text = string != NULL ? gtk_string_object_get_string (string) : "";

  gtk_label_set_text (GTK_LABEL (label), text);
  /* The button's label may be cut: the whole text is its tooltip. */
  if (!GPOINTER_TO_INT (user_data))
    gtk_widget_set_tooltip_text (label, text);
}

static GtkListItemFactory *
drop_down_factory (gboolean in_list)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (drop_down_setup_cb),
                    GINT_TO_POINTER (in_list));
  g_signal_connect (factory, "bind", G_CALLBACK (drop_down_bind_cb), GINT_TO_POINTER (in_list));
  return factory;
}

void
tb_drop_down_set_ellipsizing (GtkDropDown *drop_down)
{
  g_autoptr(GtkListItemFactory) button = drop_down_factory (FALSE);
  g_autoptr(GtkListItemFactory) list = drop_down_factory (TRUE);

  g_return_if_fail (GTK_IS_DROP_DOWN (drop_down));

  gtk_drop_down_set_factory (drop_down, button);
  gtk_drop_down_set_list_factory (drop_down, list);
}

void
tb_human_agreement_texts (const TbHumanAgreement  *human,
                          char                   **title,
                          char                   **subtitle,
                          char                   **value)
{
  g_autofree char *mae = g_strdup_printf ("%.1f", human->mae);
  g_autofree char *rho = human->has_spearman ? g_strdup_printf ("%.2f", human->spearman)
                                             : g_strdup ("—");

  if (human->judge == NULL)
    *title = g_strdup (_("You and the judges"));
  else
    /* Translators: the user's ratings against one judge's scores */
    *title = g_strdup_printf (_("You and %s"), human->judge);
  /* Translators: how far the judges' scores are from the user's, over n ratings */
  *subtitle = g_strdup_printf (ngettext ("%u rating · mean difference %s points · "
                                         "Spearman’s ρ %s",
                                         "%u ratings · mean difference %s points · "
                                         "Spearman’s ρ %s", human->n),
                               human->n, mae, rho);
  *value = g_steal_pointer (&mae);
}
