/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-run-item"

#include "config.h"

#include "tb-gui-util.h"
#include "tb-run-item.h"

struct _TbRunItem
{
  GObject       parent_instance;

  TbRunSummary *summary;
  char         *models;   /* joined once: the column shows and sorts it */
};

G_DEFINE_FINAL_TYPE (TbRunItem, tb_run_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_CREATED,
  PROP_INPUT_NAME,
  PROP_N_MODELS,
  PROP_MODELS,
  PROP_STATUS_LABEL,
  PROP_BEST_SCORE,
  PROP_COST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

TbRunItem *
tb_run_item_new (TbRunSummary *summary)
{
  TbRunItem *self;

  g_return_val_if_fail (summary != NULL, NULL);

  self = g_object_new (TB_TYPE_RUN_ITEM, NULL);
  self->summary = summary;
  self->models = summary->models != NULL ? g_strjoinv (", ", summary->models) : g_strdup ("");
  return self;
}

const TbRunSummary *
tb_run_item_get_summary (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), NULL);
  return self->summary;
}

const char *
tb_run_item_get_id (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), NULL);
  return self->summary->id;
}

const char *
tb_run_item_get_created (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), NULL);
  return self->summary->created_at != NULL ? self->summary->created_at : "";
}

const char *
tb_run_item_get_input_name (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), NULL);
  return self->summary->inputs_label != NULL ? self->summary->inputs_label : "";
}

guint
tb_run_item_get_n_models (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), 0);
  return self->summary->models != NULL ? g_strv_length (self->summary->models) : 0;
}

const char *
tb_run_item_get_models (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), NULL);
  return self->models;
}

TbRunStatus
tb_run_item_get_status (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), TB_RUN_INTERRUPTED);
  return self->summary->status;
}

double
tb_run_item_get_best_score (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), -1);
  return self->summary->has_best ? self->summary->best_score : -1;
}

double
tb_run_item_get_cost (TbRunItem *self)
{
  g_return_val_if_fail (TB_IS_RUN_ITEM (self), 0);
  return self->summary->rollup.total_usd;
}

static void
tb_run_item_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TbRunItem *self = TB_RUN_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, tb_run_item_get_id (self));
      break;
    case PROP_CREATED:
      g_value_set_string (value, tb_run_item_get_created (self));
      break;
    case PROP_INPUT_NAME:
      g_value_set_string (value, tb_run_item_get_input_name (self));
      break;
    case PROP_N_MODELS:
      g_value_set_uint (value, tb_run_item_get_n_models (self));
      break;
    case PROP_MODELS:
      g_value_set_string (value, self->models);
      break;
    case PROP_STATUS_LABEL:
      g_value_set_string (value, tb_run_status_label (self->summary->status));
      break;
    case PROP_BEST_SCORE:
      g_value_set_double (value, tb_run_item_get_best_score (self));
      break;
    case PROP_COST:
      g_value_set_double (value, tb_run_item_get_cost (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_run_item_finalize (GObject *object)
{
  TbRunItem *self = TB_RUN_ITEM (object);

  g_clear_pointer (&self->summary, tb_run_summary_free);
  g_free (self->models);

  G_OBJECT_CLASS (tb_run_item_parent_class)->finalize (object);
}

static void
tb_run_item_class_init (TbRunItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = tb_run_item_get_property;
  object_class->finalize = tb_run_item_finalize;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_CREATED] = g_param_spec_string ("created", NULL, NULL, NULL, flags);
  properties[PROP_INPUT_NAME] = g_param_spec_string ("input-name", NULL, NULL, NULL, flags);
  properties[PROP_N_MODELS] = g_param_spec_uint ("n-models", NULL, NULL, 0, G_MAXUINT, 0,
                                                 flags);
  properties[PROP_MODELS] = g_param_spec_string ("models", NULL, NULL, NULL, flags);
  /* Sorting by status sorts what the column shows. */
  properties[PROP_STATUS_LABEL] = g_param_spec_string ("status-label", NULL, NULL, NULL, flags);
  properties[PROP_BEST_SCORE] = g_param_spec_double ("best-score", NULL, NULL, -1, 100, -1,
                                                     flags);
  properties[PROP_COST] = g_param_spec_double ("cost", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tb_run_item_init (TbRunItem *self)
{
}
