/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-rating-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "tb-rating-dialog.h"

struct _TbRatingDialog
{
  AdwMessageDialog  parent_instance;

  GtkSpinButton    *score;
  GtkWidget        *criteria_check;
  GtkWidget        *criteria_list;
  GPtrArray        *criteria_spins;   /* GtkSpinButton*, borrowed, in rubric order */
  GStrv             criteria;
};

G_DEFINE_FINAL_TYPE (TbRatingDialog, tb_rating_dialog, ADW_TYPE_MESSAGE_DIALOG)

double
tb_rating_dialog_get_score (TbRatingDialog *self)
{
  g_return_val_if_fail (TB_IS_RATING_DIALOG (self), 0);
  return gtk_spin_button_get_value (self->score);
}

void
tb_rating_dialog_set_score (TbRatingDialog *self,
                            double          score)
{
  g_return_if_fail (TB_IS_RATING_DIALOG (self));
  gtk_spin_button_set_value (self->score, score);
}

GHashTable *
tb_rating_dialog_dup_criteria (TbRatingDialog *self)
{
  GHashTable *criteria = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_return_val_if_fail (TB_IS_RATING_DIALOG (self), criteria);

  if (!gtk_check_button_get_active (GTK_CHECK_BUTTON (self->criteria_check)))
    return criteria;
  for (guint i = 0; i < self->criteria_spins->len; i++)
    {
      double *value = g_new (double, 1);

      *value = gtk_spin_button_get_value (g_ptr_array_index (self->criteria_spins, i));
      g_hash_table_insert (criteria, g_strdup (self->criteria[i]), value);
    }
  return criteria;
}

void
tb_rating_dialog_set_criterion (TbRatingDialog *self,
                                const char     *name,
                                double          value)
{
  g_return_if_fail (TB_IS_RATING_DIALOG (self));

  for (guint i = 0; self->criteria != NULL && self->criteria[i] != NULL; i++)
    if (g_strcmp0 (self->criteria[i], name) == 0)
      {
        gtk_check_button_set_active (GTK_CHECK_BUTTON (self->criteria_check), TRUE);
        gtk_spin_button_set_value (g_ptr_array_index (self->criteria_spins, i), value);
      }
}

static GtkWidget *
spin_row (const char *title,
          const char *subtitle,
          double      upper,
          double      step,
          double      value,
          GtkWidget **spin_out)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (0, upper, step);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), step < 1 ? 1 : 0);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  *spin_out = spin;
  return row;
}

static void
tb_rating_dialog_finalize (GObject *object)
{
  TbRatingDialog *self = TB_RATING_DIALOG (object);

  g_clear_pointer (&self->criteria_spins, g_ptr_array_unref);
  g_strfreev (self->criteria);

  G_OBJECT_CLASS (tb_rating_dialog_parent_class)->finalize (object);
}

static void
tb_rating_dialog_class_init (TbRatingDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tb_rating_dialog_finalize;
}

static void
tb_rating_dialog_init (TbRatingDialog *self)
{
  self->criteria_spins = g_ptr_array_new ();
}

TbRatingDialog *
tb_rating_dialog_new (GtkWindow          *parent,
                      const char         *model,
                      const char         *input_name,
                      const char * const *criteria,
                      double              judges_mean,
                      double              previous)
{
  TbRatingDialog *self;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *overall = gtk_list_box_new ();
  GtkWidget *spin = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (model != NULL, NULL);

  self = g_object_new (TB_TYPE_RATING_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       "heading", _("Rate This Output"),
                       NULL);
  self->criteria = g_strdupv ((char **) criteria);

  /* Translators: the model whose output is rated, and on which input */
  body = g_strdup_printf (_("Your own score of %s on %s. TaskBench sets it beside the "
                            "judges' scores to show how well they agree with you."),
                          model, input_name);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self), "cancel", _("_Cancel"),
                                    "save", _("_Save Rating"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "cancel");

  if (judges_mean >= 0)
    /* Translators: the judges' mean score of the output, out of 100 */
    subtitle = g_strdup_printf (_("The judges gave %.0f"), judges_mean);
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (overall), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (overall, "boxed-list");
  gtk_list_box_append (GTK_LIST_BOX (overall),
                       spin_row (_("Score (0–100)"), subtitle, 100, 1,
                                 previous >= 0 ? previous : judges_mean >= 0 ? judges_mean : 50,
                                 &spin));
  self->score = GTK_SPIN_BUTTON (spin);
  gtk_box_append (GTK_BOX (box), overall);

  self->criteria_check = gtk_check_button_new_with_mnemonic (_("Rate each _criterion too "
                                                               "(0–10)"));
  self->criteria_list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (self->criteria_list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (self->criteria_list, "boxed-list");
  for (guint i = 0; criteria != NULL && criteria[i] != NULL; i++)
    {
      gtk_list_box_append (GTK_LIST_BOX (self->criteria_list),
                           spin_row (criteria[i], NULL, 10, 0.5, 5, &spin));
      g_ptr_array_add (self->criteria_spins, spin);
    }
  g_object_bind_property (self->criteria_check, "active", self->criteria_list, "sensitive",
                          G_BINDING_SYNC_CREATE);
  if (self->criteria_spins->len > 0)
    {
      gtk_box_append (GTK_BOX (box), self->criteria_check);
      gtk_box_append (GTK_BOX (box), self->criteria_list);
    }

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), box);
  return self;
}
