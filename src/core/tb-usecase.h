/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  TB_FORMAT_JSON,
  TB_FORMAT_CSV,
  TB_FORMAT_MARKDOWN,
  TB_FORMAT_TEXT,
} TbOutputFormat;

typedef enum {
  TB_COST_LOW,        /* cost matters most: cheapest first */
  TB_COST_BALANCED,
  TB_COST_HIGH,       /* quality first: cost matters little */
} TbCostPreference;

typedef enum {
  TB_JUDGE_POINTWISE,   /* each output scored on its own against the rubric (default) */
  TB_JUDGE_PAIRWISE,    /* two outputs of one input compared, in both orders */
} TbJudgeMode;

typedef struct {
  char   *name;
  double  weight;       /* in (0, 1000000] */
  char   *description;
} TbCriterion;

typedef enum {
  TB_USECASE_INPUT_FILE,
  TB_USECASE_INPUT_FOLDER,  /* every regular file in it; <stem>.reference.<ext> is a reference */
} TbUsecaseInputKind;

/* One item of `inputs:`, as written: paths are relative to the use case's folder (see
 * tb_usecase_resolve_path ()) or absolute, and nothing is checked on disk. */
typedef struct {
  TbUsecaseInputKind  kind;
  char               *path;        /* the file or the folder; never empty */
  char               *reference;   /* nullable; only for a file */
  gsize               line;        /* where the item is written (0: not from a file) */
} TbUsecaseInput;

typedef struct _TbUsecase TbUsecase;

struct _TbUsecase {
  /*< private >*/
  gatomicrefcount   ref_count;
  /*< public, read-only >*/
  char             *id;                 /* the file name without .yaml */
  char             *path;               /* nullable: where it was loaded from */
  char             *yaml;               /* the text as loaded (the run's snapshot) */

  char             *name;               /* required */
  char             *goal;               /* required */
  char             *input_description;  /* nullable */
  char             *input_notes;        /* nullable */
  TbOutputFormat    output_format;      /* default text */
  JsonNode         *output_schema;      /* nullable; the YAML schema as JSON */
  char             *output_notes;       /* nullable */
  char             *judge_model;        /* nullable; the first of judge_models */
  GStrv             judge_models;       /* nullable: judge.models (a jury), or {judge.model} */
  TbJudgeMode       judge_mode;         /* default pointwise */
  GPtrArray        *criteria;           /* TbCriterion*, never NULL, may be empty */
  char             *judge_notes;        /* nullable */
  GStrv             candidates;         /* nullable */
  TbCostPreference  cost;               /* default balanced */
  gint64            min_context;        /* 0: estimate from the input */
  gboolean          structured_output;  /* default FALSE */
  guint             repeat;             /* calls per (model, input): 1..100, default 1 */
  JsonNode         *provider;           /* nullable; an object sent as the request's provider */
  GPtrArray        *inputs;             /* TbUsecaseInput*, never NULL, may be empty */
  gboolean          has_max_usd;        /* budget.max_usd is given */
  double            max_usd;            /* finite, >= 0 */
  gint64            inputs_per_month;   /* budget.inputs_per_month; 0 when absent */
};

TbUsecase   *tb_usecase_ref            (TbUsecase   *self);
void         tb_usecase_unref          (TbUsecase   *self);

/* `[a-z0-9][a-z0-9_-]{0,63}` */
gboolean     tb_usecase_id_is_valid    (const char  *id);

/* Parses YAML text. `filename` is used in messages ("usecases/x.yaml:12: …").
 * Errors are TB_ERROR_INVALID and name the file, the line and the key; an unknown key
 * suggests the closest known one ("did you mean 'goal'?"). */
TbUsecase   *tb_usecase_parse          (const char  *id,
                                        const char  *text,
                                        gssize       length,
                                        const char  *filename,
                                        GError     **error);

/* Reads and parses a file (at most 1 MiB; see tb_read_regular_file () for the errors of
 * anything that is not a regular file). A missing file is TB_ERROR_NOT_FOUND. */
TbUsecase   *tb_usecase_load_file      (const char  *path,
                                        GError     **error);

/* A commented template a user fills in; it validates as it is. */
char        *tb_usecase_template       (const char  *id);

/* Serialises the fields back to YAML (for the window's form). Round-trips through
 * tb_usecase_parse. A struct filled by hand may leave the newer fields zero: a repeat of 0
 * counts as 1, NULL inputs as none. judge.models is written when judge_models holds more
 * than one judge, else judge.model from judge_model. */
char        *tb_usecase_to_yaml        (const TbUsecase *self);

const char  *tb_output_format_to_string (TbOutputFormat format);
const char  *tb_output_format_extension (TbOutputFormat format);   /* "json" "csv" "md" "txt" */
const char  *tb_cost_preference_to_string (TbCostPreference cost);
const char  *tb_judge_mode_to_string   (TbJudgeMode  mode);   /* "pointwise" "pairwise" */

/* `path` (an input or a reference of this use case) as a canonical absolute path: an
 * absolute one as it is, a relative one against the folder of self->path, or against the
 * current folder when the use case was not loaded from a file. */
char        *tb_usecase_resolve_path   (const TbUsecase *self,
                                        const char      *path);

/* Sum of the criteria weights (0 when there are none). */
double       tb_usecase_total_weight   (const TbUsecase *self);

/* One entry of a folder listing: either a use case or the error that kept it out. */
typedef struct {
  char      *id;
  char      *path;
  TbUsecase *usecase;   /* nullable */
  GError    *error;     /* set when usecase is NULL */
} TbUsecaseEntry;

void         tb_usecase_entry_free     (TbUsecaseEntry *entry);

/* Every *.yaml (and *.yml) in `dir` but folders and hidden files, sorted by id; a broken
 * file is an entry with its error, it never hides the others: so is anything that is not
 * a regular file (a FIFO, a device), which is never read. A missing folder is an empty
 * list. */
GPtrArray   *tb_usecase_list_dir       (const char  *dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbUsecase, tb_usecase_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbUsecaseEntry, tb_usecase_entry_free)

G_END_DECLS
