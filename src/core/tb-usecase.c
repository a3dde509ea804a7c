/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-usecase"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "tb-error.h"
#include "tb-usecase.h"
#include "tb-util.h"
#include "tb-yaml.h"

/* The use-case schema: which keys exist, what each holds, and the messages that point at
 * a mistake. The YAML itself (lines, syntax, writing) is tb-yaml's. */

/* A criterion's weight is relative; the judge sums weight × score over the criteria, which
 * must stay finite whatever the file says. */
#define MAX_WEIGHT 1000000.0

/* models.repeat: enough to measure a model's variance, not enough to empty a wallet. */
#define MAX_REPEAT 100

/* Far more than any use case needs; a file past it is a mistake, not a use case. */
#define MAX_FILE_SIZE (1024 * 1024)

typedef struct {
  const char *filename;
} Ctx;

/* ------------------------------------------------------------------------------------ */
/* Small helpers                                                                         */

static void
criterion_free (gpointer data)
{
  TbCriterion *criterion = data;

  if (criterion == NULL)
    return;
  g_free (criterion->name);
  g_free (criterion->description);
  g_free (criterion);
}

static void
input_free (gpointer data)
{
  TbUsecaseInput *input = data;

  if (input == NULL)
    return;
  g_free (input->path);
  g_free (input->reference);
  g_free (input);
}

static TbUsecase *
usecase_new (void)
{
  TbUsecase *self = g_new0 (TbUsecase, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->criteria = g_ptr_array_new_with_free_func (criterion_free);
  self->inputs = g_ptr_array_new_with_free_func (input_free);
  self->output_format = TB_FORMAT_TEXT;
  self->judge_mode = TB_JUDGE_POINTWISE;
  self->cost = TB_COST_BALANCED;
  self->repeat = 1;
  return self;
}

TbUsecase *
tb_usecase_ref (TbUsecase *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
tb_usecase_unref (TbUsecase *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->id);
  g_free (self->path);
  g_free (self->yaml);
  g_free (self->name);
  g_free (self->goal);
  g_free (self->input_description);
  g_free (self->input_notes);
  g_clear_pointer (&self->output_schema, json_node_unref);
  g_free (self->output_notes);
  g_free (self->judge_model);
  g_strfreev (self->judge_models);
  g_clear_pointer (&self->criteria, g_ptr_array_unref);
  g_free (self->judge_notes);
  g_strfreev (self->candidates);
  g_clear_pointer (&self->provider, json_node_unref);
  g_clear_pointer (&self->inputs, g_ptr_array_unref);
  g_free (self);
}

gboolean
tb_usecase_id_is_valid (const char *id)
{
  gsize len;

  if (id == NULL)
    return FALSE;

  len = strlen (id);
  if (len == 0 || len > 64)
    return FALSE;
  if (!g_ascii_islower (id[0]) && !g_ascii_isdigit (id[0]))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    {
      char c = id[i];

      if (!g_ascii_islower (c) && !g_ascii_isdigit (c) && c != '_' && c != '-')
        return FALSE;
    }
  return TRUE;
}

const char *
tb_output_format_to_string (TbOutputFormat format)
{
  switch (format)
    {
    case TB_FORMAT_JSON:     return "json";
    case TB_FORMAT_CSV:      return "csv";
    case TB_FORMAT_MARKDOWN: return "markdown";
    case TB_FORMAT_TEXT:     return "text";
    default:                 return "text";
    }
}

const char *
tb_output_format_extension (TbOutputFormat format)
{
  switch (format)
    {
    case TB_FORMAT_JSON:     return "json";
    case TB_FORMAT_CSV:      return "csv";
    case TB_FORMAT_MARKDOWN: return "md";
    case TB_FORMAT_TEXT:     return "txt";
    default:                 return "txt";
    }
}

const char *
tb_cost_preference_to_string (TbCostPreference cost)
{
  switch (cost)
    {
    case TB_COST_LOW:      return "low";
    case TB_COST_BALANCED: return "balanced";
    case TB_COST_HIGH:     return "high";
    default:               return "balanced";
    }
}

const char *
tb_judge_mode_to_string (TbJudgeMode mode)
{
  switch (mode)
    {
    case TB_JUDGE_POINTWISE: return "pointwise";
    case TB_JUDGE_PAIRWISE:  return "pairwise";
    default:                 return "pointwise";
    }
}

char *
tb_usecase_resolve_path (const TbUsecase *self,
                         const char      *path)
{
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (g_path_is_absolute (path) || self->path == NULL)
    return g_canonicalize_filename (path, NULL);

  /* g_canonicalize_filename wants an absolute base; self->path may be relative. */
  dir = g_path_get_dirname (self->path);
  base = g_canonicalize_filename (dir, NULL);
  return g_canonicalize_filename (path, base);
}

double
tb_usecase_total_weight (const TbUsecase *self)
{
  double total = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->criteria->len; i++)
    total += ((TbCriterion *) g_ptr_array_index (self->criteria, i))->weight;
  return total;
}

/* The id a file stands for: its base name without .yaml / .yml. */
static char *
id_from_path (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  if (g_str_has_suffix (base, ".yaml"))
    base[strlen (base) - 5] = '\0';
  else if (g_str_has_suffix (base, ".yml"))
    base[strlen (base) - 4] = '\0';
  return g_steal_pointer (&base);
}

/* ------------------------------------------------------------------------------------ */
/* Checking the tree against the contract                                                */

static const char * const top_keys[] = {
  "name", "goal", "input", "output", "judge", "models", "inputs", "budget", NULL
};
static const char * const input_keys[] = { "description", "notes", NULL };
static const char * const output_keys[] = { "format", "schema", "notes", NULL };
static const char * const judge_keys[] = {
  "model", "models", "mode", "criteria", "notes", NULL
};
static const char * const criterion_keys[] = { "name", "weight", "description", NULL };
static const char * const models_keys[] = {
  "candidates", "preferences", "repeat", "provider", NULL
};
static const char * const preferences_keys[] = {
  "cost", "min_context", "structured_output", NULL
};
static const char * const inputs_item_keys[] = { "path", "reference", "folder", NULL };
static const char * const budget_keys[] = { "max_usd", "inputs_per_month", NULL };

/* Values, in the order of their enums. */
static const char * const format_names[] = { "json", "csv", "markdown", "text", NULL };
static const char * const cost_names[] = { "low", "balanced", "high", NULL };
static const char * const judge_mode_names[] = { "pointwise", "pairwise", NULL };

/* Every key of the contract with its full path, to point a key written at the wrong
 * level to where it belongs. (Keys inside list items have no such path.) */
static const char * const all_paths[] = {
  "name", "goal", "input", "output", "judge", "models", "inputs", "budget",
  "input.description", "input.notes",
  "output.format", "output.schema", "output.notes",
  "judge.model", "judge.models", "judge.mode", "judge.criteria", "judge.notes",
  "models.candidates", "models.preferences", "models.repeat", "models.provider",
  "models.preferences.cost", "models.preferences.min_context",
  "models.preferences.structured_output",
  "budget.max_usd", "budget.inputs_per_month",
  NULL
};

/* Optimal string alignment distance: Levenshtein plus adjacent swaps, so "gaol" is one
 * edit away from "goal". */
static guint
edit_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);
  g_autofree guint *d = NULL;
  guint result;

  if (la > 64 || lb > 64)
    return G_MAXUINT;

  d = g_new0 (guint, (la + 1) * (lb + 1));
#define D(i, j) d[(i) * (lb + 1) + (j)]
  for (gsize i = 0; i <= la; i++)
    D (i, 0) = i;
  for (gsize j = 0; j <= lb; j++)
    D (0, j) = j;
  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        guint cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;
        guint best = MIN (D (i - 1, j) + 1, D (i, j - 1) + 1);

        best = MIN (best, D (i - 1, j - 1) + cost);
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          best = MIN (best, D (i - 2, j - 2) + 1);
        D (i, j) = best;
      }
  result = D (la, lb);
#undef D
  return result;
}

static const char *
suggest_key (const char         *key,
             const char * const *known)
{
  const char *best = NULL;
  guint best_distance = 3;
  gsize key_len = strlen (key);

  for (guint i = 0; known[i] != NULL; i++)
    {
      guint distance = edit_distance (key, known[i]);

      if (distance < best_distance)
        {
          best = known[i];
          best_distance = distance;
        }
    }
  if (best != NULL)
    return best;

  /* "desc" for "description", "structured" for "structured_output" */
  for (guint i = 0; known[i] != NULL; i++)
    {
      gsize len = strlen (known[i]);

      if (key_len >= 3 && key_len < len && g_ascii_strncasecmp (key, known[i], key_len) == 0)
        return known[i];
      if (len >= 3 && len < key_len && g_ascii_strncasecmp (key, known[i], len) == 0)
        return known[i];
    }
  return NULL;
}

/* A known key that belongs at another level ("format" at the top means output.format).
 * Returns "'output.format'" or "'input.notes', 'output.notes' or 'judge.notes'". */
static char *
suggest_elsewhere (const char *path,
                   const char *key)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();
  GString *text;

  for (guint i = 0; all_paths[i] != NULL; i++)
    {
      const char *dot = strrchr (all_paths[i], '.');
      const char *last = dot != NULL ? dot + 1 : all_paths[i];

      if (g_str_equal (last, key) && !g_str_equal (all_paths[i], path))
        g_ptr_array_add (found, (gpointer) all_paths[i]);
    }
  if (found->len == 0)
    return NULL;

  text = g_string_new (NULL);
  for (guint i = 0; i < found->len; i++)
    {
      if (i > 0)
        g_string_append (text, i + 1 == found->len ? _(" or ") : ", ");
      g_string_append_printf (text, "'%s'", (const char *) g_ptr_array_index (found, i));
    }
  return g_string_free (text, FALSE);
}

static gboolean
check_keys (Ctx                 *ctx,
            const TbYamlNode    *map,
            const char          *parent,
            const char * const  *known,
            GError             **error)
{
  for (guint i = 0; i < tb_yaml_mapping_size (map); i++)
    {
      TbYamlNode *key = tb_yaml_mapping_key (map, i);
      g_autofree char *path = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *elsewhere = NULL;
      const char *suggestion;

      if (g_strv_contains (known, key->scalar))
        continue;

      path = tb_yaml_path_join (parent, key->scalar);

      /* A key of the contract at the wrong level is a surer guess than a near spelling
       * ("mode" at the top is judge.mode, not models). Keys inside list items (criteria,
       * inputs) have no fixed path elsewhere. */
      elsewhere = strchr (parent, '[') == NULL ? suggest_elsewhere (path, key->scalar) : NULL;
      if (elsewhere != NULL)
        {
          tb_yaml_set_error (error, ctx->filename, key->line,
                             _("unknown key '%s' (did you mean %s?)"), path, elsewhere);
          return FALSE;
        }

      suggestion = suggest_key (key->scalar, known);
      if (suggestion != NULL)
        {
          tb_yaml_set_error (error, ctx->filename, key->line,
                             _("unknown key '%s' (did you mean '%s'?)"), path, suggestion);
          return FALSE;
        }

      expected = g_strjoinv (", ", (char **) known);
      tb_yaml_set_error (error, ctx->filename, key->line,
                         _("unknown key '%s' (expected one of: %s)"), path, expected);
      return FALSE;
    }
  return TRUE;
}

static gboolean
type_error (Ctx               *ctx,
            const TbYamlNode  *key,
            const TbYamlNode  *value,
            const char        *path,
            const char        *expected,
            GError           **error)
{
  g_autofree char *found = tb_yaml_node_describe (value);

  tb_yaml_set_error (error, ctx->filename, key != NULL ? key->line : value->line,
                     _("'%s' must be %s, not %s"), path, expected, found);
  return FALSE;
}

static gboolean
is_blank (const char *s)
{
  for (; *s != '\0'; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

/* Text value: any scalar (a plain 42 is the text "42"); an empty value is absent. */
static gboolean
read_text (Ctx               *ctx,
           const TbYamlNode  *map,
           const char        *parent,
           const char        *key,
           char             **out,
           GError           **error)
{
  TbYamlNode *key_node;
  TbYamlNode *value = tb_yaml_mapping_lookup (map, key, &key_node);

  *out = NULL;
  if (value == NULL || tb_yaml_node_is_null (value))
    return TRUE;
  if (value->kind != TB_YAML_SCALAR)
    {
      g_autofree char *path = tb_yaml_path_join (parent, key);

      return type_error (ctx, key_node, value, path, _("text"), error);
    }
  *out = g_strdup (value->scalar);
  return TRUE;
}

static gboolean
read_required_text (Ctx               *ctx,
                    const TbYamlNode  *map,
                    const char        *parent,
                    const char        *key,
                    char             **out,
                    GError           **error)
{
  g_autofree char *path = tb_yaml_path_join (parent, key);
  TbYamlNode *key_node;

  if (!read_text (ctx, map, parent, key, out, error))
    return FALSE;

  if (tb_yaml_mapping_lookup (map, key, &key_node) == NULL)
    {
      tb_yaml_set_error (error, ctx->filename, map->line, _("missing required key '%s'"), path);
      return FALSE;
    }
  if (*out == NULL || is_blank (*out))
    {
      g_clear_pointer (out, g_free);
      tb_yaml_set_error (error, ctx->filename, key_node->line, _("'%s' must not be empty"), path);
      return FALSE;
    }
  return TRUE;
}

/* A section such as `input:`; absent or empty means no section. */
static gboolean
read_section (Ctx                 *ctx,
              const TbYamlNode    *map,
              const char          *parent,
              const char          *key,
              const char * const  *known,
              const TbYamlNode   **out,
              GError             **error)
{
  g_autofree char *path = tb_yaml_path_join (parent, key);
  TbYamlNode *key_node;
  TbYamlNode *value = tb_yaml_mapping_lookup (map, key, &key_node);

  *out = NULL;
  if (value == NULL || tb_yaml_node_is_null (value))
    return TRUE;
  if (value->kind != TB_YAML_MAPPING)
    {
      g_autofree char *expected = g_strjoinv (", ", (char **) known);
      g_autofree char *what = g_strdup_printf (_("a mapping of keys (%s)"), expected);

      return type_error (ctx, key_node, value, path, what, error);
    }
  if (!check_keys (ctx, value, path, known, error))
    return FALSE;
  *out = value;
  return TRUE;
}

/* One of `names` (the index goes to `out`); an absent or empty value leaves `out` as it
 * is. `expected` is the message's "one of …". */
static gboolean
read_choice (Ctx                 *ctx,
             const TbYamlNode    *map,
             const char          *parent,
             const char          *key,
             const char * const  *names,
             const char          *expected,
             guint               *out,
             GError             **error)
{
  g_autofree char *path = NULL;
  TbYamlNode *key_node;
  TbYamlNode *value = tb_yaml_mapping_lookup (map, key, &key_node);

  if (value == NULL || tb_yaml_node_is_null (value))
    return TRUE;
  for (guint i = 0; value->kind == TB_YAML_SCALAR && names[i] != NULL; i++)
    {
      if (g_str_equal (value->scalar, names[i]))
        {
          *out = i;
          return TRUE;
        }
    }

  path = tb_yaml_path_join (parent, key);
  return type_error (ctx, key_node, value, path, expected, error);
}

/* A whole number in [min, max]; an absent or empty value leaves `out` as it is. */
static gboolean
read_int (Ctx               *ctx,
          const TbYamlNode  *map,
          const char        *parent,
          const char        *key,
          gint64             min,
          gint64             max,
          const char        *expected,
          gint64            *out,
          GError           **error)
{
  TbYamlNode *key_node;
  TbYamlNode *value = tb_yaml_mapping_lookup (map, key, &key_node);
  gint64 n;

  if (value == NULL || tb_yaml_node_is_null (value))
    return TRUE;
  if (!tb_yaml_node_get_int (value, &n) || n < min || n > max)
    {
      g_autofree char *path = tb_yaml_path_join (parent, key);

      return type_error (ctx, key_node, value, path, expected, error);
    }
  *out = n;
  return TRUE;
}

/* A list of model ids (candidates, a jury): non-empty text, each once. An absent, empty
 * or [] value leaves `out` NULL. */
static gboolean
read_model_list (Ctx               *ctx,
                 const TbYamlNode  *map,
                 const char        *parent,
                 const char        *key,
                 GStrv             *out,
                 GError           **error)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autofree char *path = tb_yaml_path_join (parent, key);
  TbYamlNode *key_node;
  TbYamlNode *list = tb_yaml_mapping_lookup (map, key, &key_node);

  *out = NULL;
  if (list == NULL || tb_yaml_node_is_null (list))
    return TRUE;
  if (list->kind != TB_YAML_SEQUENCE)
    return type_error (ctx, key_node, list, path,
                       _("a list of model ids such as [openai/gpt-4o]"), error);

  builder = g_strv_builder_new ();
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < list->children->len; i++)
    {
      TbYamlNode *item = g_ptr_array_index (list->children, i);
      TbYamlNode *other;

      if (item->kind != TB_YAML_SCALAR || tb_yaml_node_is_null (item) || is_blank (item->scalar))
        {
          g_autofree char *item_path = g_strdup_printf ("%s[%u]", path, i);

          return type_error (ctx, NULL, item, item_path, _("a model id"), error);
        }
      other = g_hash_table_lookup (seen, item->scalar);
      if (other != NULL)
        {
          tb_yaml_set_error (error, ctx->filename, item->line,
                             _("'%s' lists '%s' twice (first at line %lu)"),
                             path, item->scalar, (gulong) other->line);
          return FALSE;
        }
      g_hash_table_insert (seen, item->scalar, item);
      g_strv_builder_add (builder, item->scalar);
    }

  if (list->children->len > 0)
    *out = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
read_input (Ctx               *ctx,
            const TbYamlNode  *root,
            TbUsecase         *self,
            GError           **error)
{
  const TbYamlNode *input;

  if (!read_section (ctx, root, "", "input", input_keys, &input, error))
    return FALSE;
  if (input == NULL)
    return TRUE;
  return read_text (ctx, input, "input", "description", &self->input_description, error)
         && read_text (ctx, input, "input", "notes", &self->input_notes, error);
}

/* ------------------------------------------------------------------------------------ */
/* output.schema: the keywords the format check acts on must mean what they say, or a
 * run would pay for outputs checked against nothing (a 'type' it does not know, a
 * 'pattern' that does not compile). Other keywords pass as they are.                    */

static const char * const schema_types[] = {
  "string", "number", "integer", "boolean", "object", "array", "null", NULL
};

static gboolean check_schema (Ctx               *ctx,
                              const TbYamlNode  *key,
                              const TbYamlNode  *schema,
                              GString           *path,
                              GError           **error);

static gboolean
check_schema_type (Ctx               *ctx,
                   const TbYamlNode  *key,
                   const TbYamlNode  *value,
                   const char        *path,
                   GError           **error)
{
  const char *expected = _("one of string, number, integer, boolean, object, array, null "
                           "(or a list of them)");
  const TbYamlNode *single[] = { value };
  const TbYamlNode * const *names = single;
  guint n = 1;

  if (value->kind == TB_YAML_SEQUENCE)
    {
      names = (const TbYamlNode * const *) value->children->pdata;
      n = value->children->len;
      if (n == 0)
        {
          tb_yaml_set_error (error, ctx->filename, key->line,
                             _("'%s' must name at least one type"), path);
          return FALSE;
        }
    }
  for (guint i = 0; i < n; i++)
    {
      const char *name = tb_yaml_node_get_text (names[i]);

      if (tb_yaml_node_is_null (names[i]))
        {
          tb_yaml_set_error (error, ctx->filename, names[i]->line,
                             _("'%s' must name a type; write \"null\" in quotes for the "
                               "null type"), path);
          return FALSE;
        }
      if (name == NULL || !g_strv_contains (schema_types, name))
        return type_error (ctx, value->kind == TB_YAML_SEQUENCE ? NULL : key, names[i], path,
                           expected, error);
    }
  return TRUE;
}

static gboolean
check_schema_pattern (Ctx               *ctx,
                      const TbYamlNode  *key,
                      const TbYamlNode  *value,
                      const char        *path,
                      GError           **error)
{
  const char *pattern = tb_yaml_node_get_text (value);
  g_autoptr(GRegex) regex = NULL;
  g_autoptr(GError) regex_error = NULL;

  if (pattern == NULL)
    return type_error (ctx, key, value, path, _("a regular expression (text)"), error);
  regex = g_regex_new (pattern, 0, 0, &regex_error);
  if (regex == NULL)
    {
      tb_yaml_set_error (error, ctx->filename, key->line,
                         _("'%s' is not a valid regular expression: %s"),
                         path, regex_error->message);
      return FALSE;
    }
  return TRUE;
}

/* `required`: property names, so text. */
static gboolean
check_schema_required (Ctx               *ctx,
                       const TbYamlNode  *key,
                       const TbYamlNode  *value,
                       const char        *path,
                       GError           **error)
{
  if (value->kind != TB_YAML_SEQUENCE)
    return type_error (ctx, key, value, path, _("a list of property names"), error);
  for (guint i = 0; i < value->children->len; i++)
    {
      const TbYamlNode *item = g_ptr_array_index (value->children, i);
      g_autofree char *item_path = NULL;

      if (tb_yaml_node_get_text (item) != NULL)
        continue;
      item_path = g_strdup_printf ("%s[%u]", path, i);
      return type_error (ctx, NULL, item, item_path,
                         _("a property name (quoted when it looks like a number)"), error);
    }
  return TRUE;
}

static gboolean
check_schema_properties (Ctx               *ctx,
                         const TbYamlNode  *key,
                         const TbYamlNode  *value,
                         GString           *path,
                         GError           **error)
{
  if (value->kind != TB_YAML_MAPPING)
    return type_error (ctx, key, value, path->str,
                       _("a mapping of property names to schemas"), error);
  for (guint i = 0; i < tb_yaml_mapping_size (value); i++)
    {
      const TbYamlNode *name = tb_yaml_mapping_key (value, i);
      gsize length = tb_yaml_path_push (path, name->scalar);

      if (!check_schema (ctx, name, tb_yaml_mapping_value (value, i), path, error))
        return FALSE;
      g_string_truncate (path, length);
    }
  return TRUE;
}

/* `items`: one schema for every item, or the older tuple form, one per position. */
static gboolean
check_schema_items (Ctx               *ctx,
                    const TbYamlNode  *key,
                    const TbYamlNode  *value,
                    GString           *path,
                    GError           **error)
{
  if (value->kind != TB_YAML_SEQUENCE)
    return check_schema (ctx, key, value, path, error);
  for (guint i = 0; i < value->children->len; i++)
    {
      gsize length = tb_yaml_path_push_index (path, i);

      if (!check_schema (ctx, NULL, g_ptr_array_index (value->children, i), path, error))
        return FALSE;
      g_string_truncate (path, length);
    }
  return TRUE;
}

static gboolean
check_schema_keyword (Ctx               *ctx,
                      const TbYamlNode  *key,
                      const TbYamlNode  *value,
                      GString           *path,
                      GError           **error)
{
  const char *keyword = key->scalar;
  double number;
  gint64 count;

  if (g_str_equal (keyword, "type"))
    return check_schema_type (ctx, key, value, path->str, error);
  if (g_str_equal (keyword, "pattern"))
    return check_schema_pattern (ctx, key, value, path->str, error);
  if (g_str_equal (keyword, "required"))
    return check_schema_required (ctx, key, value, path->str, error);
  if (g_str_equal (keyword, "properties"))
    return check_schema_properties (ctx, key, value, path, error);
  if (g_str_equal (keyword, "items"))
    return check_schema_items (ctx, key, value, path, error);
  if (g_str_equal (keyword, "additionalProperties"))
    return check_schema (ctx, key, value, path, error);
  if (g_str_equal (keyword, "enum") && value->kind != TB_YAML_SEQUENCE)
    return type_error (ctx, key, value, path->str, _("a list of the allowed values"), error);
  if ((g_str_equal (keyword, "minItems") || g_str_equal (keyword, "maxItems"))
      && (!tb_yaml_node_get_int (value, &count) || count < 0))
    return type_error (ctx, key, value, path->str, _("a non-negative whole number"), error);
  if ((g_str_equal (keyword, "minimum") || g_str_equal (keyword, "maximum"))
      && !tb_yaml_node_get_number (value, &number))
    return type_error (ctx, key, value, path->str, _("a number"), error);
  return TRUE;
}

/* A schema: a mapping of keywords, or true/false (anything, nothing). `key` (nullable)
 * is where messages point; `path` names the schema ("output.schema.items"). */
static gboolean
check_schema (Ctx               *ctx,
              const TbYamlNode  *key,
              const TbYamlNode  *schema,
              GString           *path,
              GError           **error)
{
  gboolean b;

  if (schema->kind != TB_YAML_MAPPING)
    {
      if (tb_yaml_node_get_boolean (schema, &b))
        return TRUE;
      return type_error (ctx, key, schema, path->str,
                         _("a schema (a mapping such as '{type: string}')"), error);
    }
  for (guint i = 0; i < tb_yaml_mapping_size (schema); i++)
    {
      const TbYamlNode *keyword = tb_yaml_mapping_key (schema, i);
      gsize length = tb_yaml_path_push (path, keyword->scalar);

      if (!check_schema_keyword (ctx, keyword, tb_yaml_mapping_value (schema, i), path, error))
        return FALSE;
      g_string_truncate (path, length);
    }
  return TRUE;
}

static gboolean
read_output (Ctx               *ctx,
             const TbYamlNode  *root,
             TbUsecase         *self,
             GError           **error)
{
  const TbYamlNode *output;
  TbYamlNode *key;
  TbYamlNode *value;
  guint format;

  if (!read_section (ctx, root, "", "output", output_keys, &output, error))
    return FALSE;
  if (output == NULL)
    return TRUE;

  format = self->output_format;
  if (!read_choice (ctx, output, "output", "format", format_names,
                    _("one of json, csv, markdown, text"), &format, error))
    return FALSE;
  self->output_format = (TbOutputFormat) format;

  value = tb_yaml_mapping_lookup (output, "schema", &key);
  if (value != NULL && !tb_yaml_node_is_null (value))
    {
      if (value->kind != TB_YAML_MAPPING)
        return type_error (ctx, key, value, "output.schema",
                           _("a mapping (a JSON Schema such as 'type: object')"), error);
      g_autoptr(GString) path = g_string_new ("output.schema");

      if (!check_schema (ctx, key, value, path, error))
        return FALSE;
      self->output_schema = tb_yaml_node_to_json (value, ctx->filename, "output.schema", error);
      if (self->output_schema == NULL)
        return FALSE;
    }

  return read_text (ctx, output, "output", "notes", &self->output_notes, error);
}

static gboolean
read_criteria (Ctx               *ctx,
               const TbYamlNode  *judge,
               TbUsecase         *self,
               GError           **error)
{
  g_autoptr(GHashTable) seen = NULL;
  TbYamlNode *key;
  TbYamlNode *list = tb_yaml_mapping_lookup (judge, "criteria", &key);

  if (list == NULL || tb_yaml_node_is_null (list))
    return TRUE;
  if (list->kind != TB_YAML_SEQUENCE)
    return type_error (ctx, key, list, "judge.criteria",
                       _("a list of criteria ({name, weight, description})"), error);

  seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < list->children->len; i++)
    {
      TbYamlNode *item = g_ptr_array_index (list->children, i);
      g_autofree char *path = g_strdup_printf ("judge.criteria[%u]", i);
      g_autofree char *weight_path = tb_yaml_path_join (path, "weight");
      TbCriterion *criterion;
      TbYamlNode *weight_key;
      TbYamlNode *weight;
      TbYamlNode *previous;

      if (item->kind != TB_YAML_MAPPING)
        return type_error (ctx, NULL, item, path,
                           _("a mapping with name, weight and description"), error);
      if (!check_keys (ctx, item, path, criterion_keys, error))
        return FALSE;

      criterion = g_new0 (TbCriterion, 1);
      g_ptr_array_add (self->criteria, criterion);

      if (!read_required_text (ctx, item, path, "name", &criterion->name, error)
          || !read_text (ctx, item, path, "description", &criterion->description, error))
        return FALSE;

      weight = tb_yaml_mapping_lookup (item, "weight", &weight_key);
      if (weight == NULL)
        {
          tb_yaml_set_error (error, ctx->filename, item->line,
                             _("missing required key '%s'"), weight_path);
          return FALSE;
        }
      if (!tb_yaml_node_get_number (weight, &criterion->weight))
        return type_error (ctx, weight_key, weight, weight_path, _("a number"), error);
      if (criterion->weight <= 0)
        return type_error (ctx, weight_key, weight, weight_path, _("a positive number"), error);
      /* The overall score is the weighted mean: its sums must stay finite. */
      if (criterion->weight > MAX_WEIGHT)
        return type_error (ctx, weight_key, weight, weight_path,
                           _("a number no larger than 1000000"), error);

      previous = g_hash_table_lookup (seen, criterion->name);
      if (previous != NULL)
        {
          tb_yaml_set_error (error, ctx->filename, item->line,
                             _("duplicate criterion name '%s' in 'judge.criteria' "
                               "(first at line %lu)"),
                             criterion->name, (gulong) previous->line);
          return FALSE;
        }
      g_hash_table_insert (seen, criterion->name, item);
    }

  return TRUE;
}

/* judge.model (one judge) or judge.models (a jury), never both; judge_model is the
 * first either way, as callers that know one judge expect. */
static gboolean
read_judges (Ctx               *ctx,
             const TbYamlNode  *judge,
             TbUsecase         *self,
             GError           **error)
{
  TbYamlNode *model_key;
  TbYamlNode *models_key;
  TbYamlNode *model = tb_yaml_mapping_lookup (judge, "model", &model_key);
  TbYamlNode *models = tb_yaml_mapping_lookup (judge, "models", &models_key);

  if (model != NULL && !tb_yaml_node_is_null (model)
      && models != NULL && !tb_yaml_node_is_null (models))
    {
      tb_yaml_set_error (error, ctx->filename, MAX (model_key->line, models_key->line),
                         _("'judge.model' (line %lu) and 'judge.models' (line %lu) are both "
                           "given; keep 'judge.models' for a jury or 'judge.model' for one "
                           "judge"),
                         (gulong) model_key->line, (gulong) models_key->line);
      return FALSE;
    }

  if (!read_model_list (ctx, judge, "judge", "models", &self->judge_models, error)
      || !read_text (ctx, judge, "judge", "model", &self->judge_model, error))
    return FALSE;
  if (self->judge_models != NULL)
    self->judge_model = g_strdup (self->judge_models[0]);
  else if (self->judge_model != NULL)
    self->judge_models = g_strdupv ((char *[]) { self->judge_model, NULL });
  return TRUE;
}

static gboolean
read_judge (Ctx               *ctx,
            const TbYamlNode  *root,
            TbUsecase         *self,
            GError           **error)
{
  const TbYamlNode *judge;
  guint mode = self->judge_mode;

  if (!read_section (ctx, root, "", "judge", judge_keys, &judge, error))
    return FALSE;
  if (judge == NULL)
    return TRUE;
  if (!read_judges (ctx, judge, self, error)
      || !read_choice (ctx, judge, "judge", "mode", judge_mode_names,
                       _("one of pointwise, pairwise"), &mode, error))
    return FALSE;
  self->judge_mode = (TbJudgeMode) mode;
  return read_criteria (ctx, judge, self, error)
         && read_text (ctx, judge, "judge", "notes", &self->judge_notes, error);
}

static gboolean
read_preferences (Ctx               *ctx,
                  const TbYamlNode  *models,
                  TbUsecase         *self,
                  GError           **error)
{
  const TbYamlNode *prefs;
  TbYamlNode *key;
  TbYamlNode *value;
  guint cost = self->cost;

  if (!read_section (ctx, models, "models", "preferences", preferences_keys, &prefs, error))
    return FALSE;
  if (prefs == NULL)
    return TRUE;

  if (!read_choice (ctx, prefs, "models.preferences", "cost", cost_names,
                    _("one of low, balanced, high"), &cost, error)
      || !read_int (ctx, prefs, "models.preferences", "min_context", 0, G_MAXINT64,
                    _("a non-negative whole number of tokens"), &self->min_context, error))
    return FALSE;
  self->cost = (TbCostPreference) cost;

  value = tb_yaml_mapping_lookup (prefs, "structured_output", &key);
  if (value != NULL && !tb_yaml_node_is_null (value))
    {
      if (!tb_yaml_node_get_boolean (value, &self->structured_output))
        return type_error (ctx, key, value, "models.preferences.structured_output",
                           _("true or false"), error);
    }

  return TRUE;
}

static gboolean
read_models (Ctx               *ctx,
             const TbYamlNode  *root,
             TbUsecase         *self,
             GError           **error)
{
  const TbYamlNode *models;
  TbYamlNode *key;
  TbYamlNode *value;
  gint64 repeat = self->repeat;

  if (!read_section (ctx, root, "", "models", models_keys, &models, error))
    return FALSE;
  if (models == NULL)
    return TRUE;
  if (!read_model_list (ctx, models, "models", "candidates", &self->candidates, error)
      || !read_preferences (ctx, models, self, error)
      || !read_int (ctx, models, "models", "repeat", 1, MAX_REPEAT,
                    _("a whole number from 1 to 100"), &repeat, error))
    return FALSE;
  self->repeat = (guint) repeat;

  /* Passed on to OpenRouter as it is: any keys, but numbers JSON can carry. */
  value = tb_yaml_mapping_lookup (models, "provider", &key);
  if (value != NULL && !tb_yaml_node_is_null (value))
    {
      if (value->kind != TB_YAML_MAPPING)
        return type_error (ctx, key, value, "models.provider",
                           _("a mapping of OpenRouter provider preferences (such as "
                             "'allow_fallbacks: false')"), error);
      self->provider = tb_yaml_node_to_json (value, ctx->filename, "models.provider", error);
      if (self->provider == NULL)
        return FALSE;
    }
  return TRUE;
}

/* A path of `inputs:`: non-empty text. */
static gboolean
read_input_path (Ctx               *ctx,
                 const TbYamlNode  *key,
                 const TbYamlNode  *value,
                 const char        *path,
                 char             **out,
                 GError           **error)
{
  if (value->kind != TB_YAML_SCALAR)
    return type_error (ctx, key, value, path, _("a path"), error);
  if (tb_yaml_node_is_null (value) || is_blank (value->scalar))
    {
      tb_yaml_set_error (error, ctx->filename, key != NULL ? key->line : value->line,
                         _("'%s' must not be empty"), path);
      return FALSE;
    }
  *out = g_strdup (value->scalar);
  return TRUE;
}

/* {path, reference} or {folder}. */
static gboolean
read_input_mapping (Ctx               *ctx,
                    const TbYamlNode  *item,
                    const char        *path,
                    TbUsecaseInput    *input,
                    GError           **error)
{
  TbYamlNode *file_key;
  TbYamlNode *folder_key;
  TbYamlNode *reference_key;
  TbYamlNode *file = tb_yaml_mapping_lookup (item, "path", &file_key);
  TbYamlNode *folder = tb_yaml_mapping_lookup (item, "folder", &folder_key);
  TbYamlNode *reference = tb_yaml_mapping_lookup (item, "reference", &reference_key);
  g_autofree char *file_path = tb_yaml_path_join (path, "path");
  g_autofree char *folder_path = tb_yaml_path_join (path, "folder");
  g_autofree char *reference_path = tb_yaml_path_join (path, "reference");

  if (!check_keys (ctx, item, path, inputs_item_keys, error))
    return FALSE;
  if (file != NULL && folder != NULL)
    {
      tb_yaml_set_error (error, ctx->filename, item->line,
                         _("'%s' has both 'path' and 'folder'; an input is a file or a folder"),
                         path);
      return FALSE;
    }
  if (file == NULL && folder == NULL)
    {
      tb_yaml_set_error (error, ctx->filename, item->line,
                         _("'%s' needs 'path' (a file) or 'folder'"), path);
      return FALSE;
    }
  if (folder != NULL && reference != NULL)
    {
      tb_yaml_set_error (error, ctx->filename, reference_key->line,
                         _("'%s' cannot go with 'folder': in a folder, the reference of "
                           "<stem>.<ext> is the file <stem>.reference.<ext> beside it"),
                         reference_path);
      return FALSE;
    }

  if (folder != NULL)
    {
      input->kind = TB_USECASE_INPUT_FOLDER;
      return read_input_path (ctx, folder_key, folder, folder_path, &input->path, error);
    }
  input->kind = TB_USECASE_INPUT_FILE;
  return read_input_path (ctx, file_key, file, file_path, &input->path, error)
         && (reference == NULL
             || read_input_path (ctx, reference_key, reference, reference_path,
                                 &input->reference, error));
}

/* The test set. Only the text is read: whether the files exist is for the run to say,
 * so that a use case validates the same on any machine. */
static gboolean
read_inputs (Ctx               *ctx,
             const TbYamlNode  *root,
             TbUsecase         *self,
             GError           **error)
{
  TbYamlNode *key;
  TbYamlNode *list = tb_yaml_mapping_lookup (root, "inputs", &key);

  if (list == NULL || tb_yaml_node_is_null (list))
    return TRUE;
  if (list->kind != TB_YAML_SEQUENCE)
    return type_error (ctx, key, list, "inputs",
                       _("a list of inputs (paths, {path, reference} or {folder})"), error);

  for (guint i = 0; i < list->children->len; i++)
    {
      TbYamlNode *item = g_ptr_array_index (list->children, i);
      g_autofree char *path = g_strdup_printf ("inputs[%u]", i);
      TbUsecaseInput *input = g_new0 (TbUsecaseInput, 1);

      g_ptr_array_add (self->inputs, input);
      input->kind = TB_USECASE_INPUT_FILE;
      input->line = item->line;
      if (item->kind == TB_YAML_MAPPING)
        {
          if (!read_input_mapping (ctx, item, path, input, error))
            return FALSE;
        }
      else if (item->kind == TB_YAML_SCALAR)
        {
          if (!read_input_path (ctx, NULL, item, path, &input->path, error))
            return FALSE;
        }
      else
        return type_error (ctx, NULL, item, path,
                           _("a path, {path, reference} or {folder}"), error);
    }
  return TRUE;
}

static gboolean
read_budget (Ctx               *ctx,
             const TbYamlNode  *root,
             TbUsecase         *self,
             GError           **error)
{
  const TbYamlNode *budget;
  TbYamlNode *key;
  TbYamlNode *value;

  if (!read_section (ctx, root, "", "budget", budget_keys, &budget, error))
    return FALSE;
  if (budget == NULL)
    return TRUE;

  value = tb_yaml_mapping_lookup (budget, "max_usd", &key);
  if (value != NULL && !tb_yaml_node_is_null (value))
    {
      if (!tb_yaml_node_get_number (value, &self->max_usd) || self->max_usd < 0)
        return type_error (ctx, key, value, "budget.max_usd",
                           _("an amount of US dollars, 0 or more"), error);
      self->has_max_usd = TRUE;
    }

  return read_int (ctx, budget, "budget", "inputs_per_month", 0, G_MAXINT64,
                   _("a non-negative whole number"), &self->inputs_per_month, error);
}

TbUsecase *
tb_usecase_parse (const char  *id,
                  const char  *text,
                  gssize       length,
                  const char  *filename,
                  GError     **error)
{
  g_autoptr(TbUsecase) self = NULL;
  g_autoptr(TbYamlNode) root = NULL;
  g_autofree char *fallback_name = NULL;
  g_autoptr(GError) local_error = NULL;
  Ctx ctx = { NULL };

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (text == NULL)
    text = "";
  if (length < 0)
    length = strlen (text);

  if (filename == NULL)
    filename = fallback_name = g_strdup_printf ("%s.yaml", id != NULL ? id : "usecase");

  ctx.filename = filename;
  root = tb_yaml_parse (text, length, filename, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (root == NULL || tb_yaml_node_is_null (root))
    {
      tb_yaml_set_error (error, ctx.filename, 0,
                         _("is empty; a use case needs at least 'name' and 'goal'"));
      return NULL;
    }
  if (root->kind != TB_YAML_MAPPING)
    {
      g_autofree char *found = tb_yaml_node_describe (root);

      tb_yaml_set_error (error, ctx.filename, root->line,
                         _("the top level must be a mapping of keys (name, goal, ...), not %s"),
                         found);
      return NULL;
    }

  self = usecase_new ();
  self->id = id != NULL ? g_strdup (id) : id_from_path (filename);
  self->yaml = g_strndup (text, length);

  if (!check_keys (&ctx, root, "", top_keys, error)
      || !read_required_text (&ctx, root, "", "name", &self->name, error)
      || !read_required_text (&ctx, root, "", "goal", &self->goal, error)
      || !read_input (&ctx, root, self, error)
      || !read_output (&ctx, root, self, error)
      || !read_judge (&ctx, root, self, error)
      || !read_models (&ctx, root, self, error)
      || !read_inputs (&ctx, root, self, error)
      || !read_budget (&ctx, root, self, error))
    return NULL;

  return g_steal_pointer (&self);
}

TbUsecase *
tb_usecase_load_file (const char  *path,
                      GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *id = NULL;
  TbUsecase *self;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  id = id_from_path (path);
  if (!tb_usecase_id_is_valid (id))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("%s: '%s' is not a valid use case id (lower-case letters, digits, '_' "
                     "and '-', starting with a letter or digit, at most 64 characters)"),
                   path, id);
      return NULL;
    }

  contents = tb_read_regular_file (path, MAX_FILE_SIZE, &length, error);
  if (contents == NULL)
    return NULL;

  self = tb_usecase_parse (id, contents, length, path, error);
  if (self != NULL)
    self->path = g_strdup (path);
  return self;
}

/* ------------------------------------------------------------------------------------ */
/* Template                                                                              */

char *
tb_usecase_template (const char *id)
{
  g_autofree char *name = NULL;

  if (id != NULL && tb_usecase_id_is_valid (id))
    {
      name = g_strdelimit (g_strdup (id), "_-", ' ');
      name[0] = g_ascii_toupper (name[0]);
    }
  else
    name = g_strdup (_("New use case"));

  return g_strdup_printf (
    "# TaskBench use case. Lines starting with '#' are comments.\n"
    "# Keys not listed here are errors, so a typo is caught when the file is loaded.\n"
    "\n"
    "# A short title, shown in lists. Required.\n"
    "name: \"%s\"\n"
    "\n"
    "# What a good output achieves, in plain words. Required. Candidate models and the\n"
    "# judge both read it: say what matters, not how to do it.\n"
    "goal: |\n"
    "  Describe what the model receives and what a good answer achieves.\n"
    "\n"
    "# The input of a run: each file of the test set is given to every candidate model.\n"
    "input:\n"
    "  # What the input is, e.g. \"Transcript with [HH:MM:SS] timestamps\".\n"
    "  description: The text the model works on\n"
    "  # Optional: how to read the input (coverage, chunks); given to executor and judge.\n"
    "  # notes: |\n"
    "  #   Cover the input from the first line to the last.\n"
    "\n"
    "output:\n"
    "  # json | csv | markdown | text. Outputs are checked against it after each call.\n"
    "  format: text\n"
    "  # Optional JSON Schema (a subset) that a json output must match, e.g.:\n"
    "  # schema:\n"
    "  #   type: array\n"
    "  #   items:\n"
    "  #     type: object\n"
    "  #     required: [title]\n"
    "  #     properties:\n"
    "  #       title: {type: string}\n"
    "  # Optional hints on the output (length, style, what to leave out), given to the\n"
    "  # candidate models and the judge.\n"
    "  notes: |\n"
    "    Keep it concise.\n"
    "\n"
    "judge:\n"
    "  # Optional: the model that scores the outputs; default $GENERAL_TASK_LLM.\n"
    "  # model: anthropic/claude-sonnet-4.5\n"
    "  # Or a jury instead: every judge scores every output, and the scores are averaged.\n"
    "  # models: [anthropic/claude-sonnet-4.5, openai/gpt-4o]\n"
    "  # pointwise (each output scored on its own) | pairwise (two outputs compared).\n"
    "  # mode: pointwise\n"
    "  # The rubric. Each criterion is scored 0-10; weights are relative (any positive\n"
    "  # numbers) and names must be unique.\n"
    "  criteria:\n"
    "    - name: accuracy\n"
    "      weight: 50\n"
    "      description: Correct and faithful to the input\n"
    "    - name: completeness\n"
    "      weight: 30\n"
    "      description: Covers everything the goal asks for\n"
    "    - name: format\n"
    "      weight: 20\n"
    "      description: Follows the output format and notes\n"
    "  # Optional extra instructions for the judge, e.g. what to penalise.\n"
    "  # notes: |\n"
    "  #   Penalise invented facts.\n"
    "\n"
    "models:\n"
    "  # Optional default selection of candidate models (OpenRouter ids), e.g.\n"
    "  # [openai/gpt-4o, google/gemini-2.5-flash]. Empty: choose at each run.\n"
    "  candidates: []\n"
    "  # Traits that drive the recommendation of models.\n"
    "  preferences:\n"
    "    # How much cost matters: low (cheapest first) | balanced | high (quality first).\n"
    "    cost: balanced\n"
    "    # Context the task needs, in tokens. Absent or 0: estimated from the input.\n"
    "    # min_context: 32000\n"
    "    # true to prefer models that accept response_format (structured JSON output).\n"
    "    structured_output: false\n"
    "  # Calls per model and input (1-100); 2 or more measures a model's own variance.\n"
    "  # repeat: 1\n"
    "  # Optional OpenRouter provider routing, sent as it is with every call, e.g.:\n"
    "  # provider:\n"
    "  #   allow_fallbacks: false\n"
    "  #   data_collection: deny\n"
    "\n"
    "# Optional: the test set, given to every candidate model. Paths are relative to this\n"
    "# file's folder. A reference is a known good output the judge compares against; in a\n"
    "# folder, the reference of <stem>.<ext> is the file <stem>.reference.<ext> beside it.\n"
    "# inputs:\n"
    "#   - samples/first.txt\n"
    "#   - {path: samples/second.txt, reference: samples/second.reference.txt}\n"
    "#   - {folder: samples/more/}\n"
    "\n"
    "# Optional: money.\n"
    "# budget:\n"
    "#   # A run (candidates and judges) never starts a call past this many US dollars.\n"
    "#   max_usd: 2.50\n"
    "#   # The monthly volume the cost is shown for.\n"
    "#   inputs_per_month: 10000\n",
    name);
}

static void
write_model_list (TbYamlWriter *writer,
                  const char   *key,
                  GStrv         models)
{
  tb_yaml_writer_plain (writer, key);
  tb_yaml_writer_open (writer, TB_YAML_SEQUENCE, TRUE);
  for (guint i = 0; models[i] != NULL; i++)
    tb_yaml_writer_string (writer, models[i]);
  tb_yaml_writer_close (writer);
}

/* A file alone is its path; {path, reference} and {folder} stay on one line. */
static void
write_inputs (TbYamlWriter *writer,
              GPtrArray    *inputs)
{
  tb_yaml_writer_plain (writer, "inputs");
  tb_yaml_writer_open (writer, TB_YAML_SEQUENCE, FALSE);
  for (guint i = 0; i < inputs->len; i++)
    {
      const TbUsecaseInput *input = g_ptr_array_index (inputs, i);
      const char *path = input->path != NULL ? input->path : "";

      if (input->kind == TB_USECASE_INPUT_FILE && input->reference == NULL)
        {
          tb_yaml_writer_string (writer, path);
          continue;
        }
      tb_yaml_writer_open (writer, TB_YAML_MAPPING, TRUE);
      if (input->kind == TB_USECASE_INPUT_FOLDER)
        tb_yaml_writer_member (writer, "folder", path);
      else
        {
          tb_yaml_writer_member (writer, "path", path);
          tb_yaml_writer_member (writer, "reference", input->reference);
        }
      tb_yaml_writer_close (writer);
    }
  tb_yaml_writer_close (writer);
}

char *
tb_usecase_to_yaml (const TbUsecase *self)
{
  g_autoptr(TbYamlWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_judge;
  gboolean has_models;
  gboolean jury;
  char *text;

  g_return_val_if_fail (self != NULL, NULL);

  writer = tb_yaml_writer_new ();
  tb_yaml_writer_open (writer, TB_YAML_MAPPING, FALSE);

  tb_yaml_writer_member (writer, "name", self->name != NULL ? self->name : "");
  tb_yaml_writer_member (writer, "goal", self->goal != NULL ? self->goal : "");

  if (self->input_description != NULL || self->input_notes != NULL)
    {
      tb_yaml_writer_plain (writer, "input");
      tb_yaml_writer_open (writer, TB_YAML_MAPPING, FALSE);
      tb_yaml_writer_member (writer, "description", self->input_description);
      tb_yaml_writer_member (writer, "notes", self->input_notes);
      tb_yaml_writer_close (writer);
    }

  tb_yaml_writer_plain (writer, "output");
  tb_yaml_writer_open (writer, TB_YAML_MAPPING, FALSE);
  tb_yaml_writer_plain (writer, "format");
  tb_yaml_writer_plain (writer, tb_output_format_to_string (self->output_format));
  if (self->output_schema != NULL)
    {
      tb_yaml_writer_plain (writer, "schema");
      tb_yaml_writer_json (writer, self->output_schema);
    }
  tb_yaml_writer_member (writer, "notes", self->output_notes);
  tb_yaml_writer_close (writer);

  jury = self->judge_models != NULL && g_strv_length (self->judge_models) > 1;
  has_judge = self->judge_model != NULL || jury || self->judge_mode != TB_JUDGE_POINTWISE
              || self->criteria->len > 0 || self->judge_notes != NULL;
  if (has_judge)
    {
      tb_yaml_writer_plain (writer, "judge");
      tb_yaml_writer_open (writer, TB_YAML_MAPPING, FALSE);
      if (jury)
        write_model_list (writer, "models", self->judge_models);
      else
        tb_yaml_writer_member (writer, "model", self->judge_model);
      if (self->judge_mode != TB_JUDGE_POINTWISE)
        {
          tb_yaml_writer_plain (writer, "mode");
          tb_yaml_writer_plain (writer, tb_judge_mode_to_string (self->judge_mode));
        }
      if (self->criteria->len > 0)
        {
          tb_yaml_writer_plain (writer, "criteria");
          tb_yaml_writer_open (writer, TB_YAML_SEQUENCE, FALSE);
          for (guint i = 0; i < self->criteria->len; i++)
            {
              TbCriterion *criterion = g_ptr_array_index (self->criteria, i);

              tb_yaml_writer_open (writer, TB_YAML_MAPPING, FALSE);
              tb_yaml_writer_member (writer, "name",
                                     criterion->name != NULL ? criterion->name : "");
              tb_yaml_writer_plain (writer, "weight");
              tb_yaml_writer_double (writer, criterion->weight);
              tb_yaml_writer_member (writer, "description", criterion->description);
              tb_yaml_writer_close (writer);
            }
          tb_yaml_writer_close (writer);
        }
      tb_yaml_writer_member (writer, "notes", self->judge_notes);
      tb_yaml_writer_close (writer);
    }

  has_models = (self->candidates != NULL && self->candidates[0] != NULL)
               || self->cost != TB_COST_BALANCED || self->min_context > 0
               || self->structured_output || self->repeat > 1 || self->provider != NULL;
  if (has_models)
    {
      tb_yaml_writer_plain (writer, "models");
      tb_yaml_writer_open (writer, TB_YAML_MAPPING, FALSE);
      if (self->candidates != NULL && self->candidates[0] != NULL)
        write_model_list (writer, "candidates", self->candidates);
      tb_yaml_writer_plain (writer, "preferences");
      tb_yaml_writer_open (writer, TB_YAML_MAPPING, FALSE);
      tb_yaml_writer_plain (writer, "cost");
      tb_yaml_writer_plain (writer, tb_cost_preference_to_string (self->cost));
      if (self->min_context > 0)
        {
          tb_yaml_writer_plain (writer, "min_context");
          tb_yaml_writer_int (writer, self->min_context);
        }
      tb_yaml_writer_plain (writer, "structured_output");
      tb_yaml_writer_plain (writer, self->structured_output ? "true" : "false");
      tb_yaml_writer_close (writer);
      if (self->repeat > 1)
        {
          tb_yaml_writer_plain (writer, "repeat");
          tb_yaml_writer_int (writer, self->repeat);
        }
      if (self->provider != NULL)
        {
          tb_yaml_writer_plain (writer, "provider");
          tb_yaml_writer_json (writer, self->provider);
        }
      tb_yaml_writer_close (writer);
    }

  if (self->inputs != NULL && self->inputs->len > 0)
    write_inputs (writer, self->inputs);

  if (self->has_max_usd || self->inputs_per_month > 0)
    {
      tb_yaml_writer_plain (writer, "budget");
      tb_yaml_writer_open (writer, TB_YAML_MAPPING, FALSE);
      if (self->has_max_usd)
        {
          tb_yaml_writer_plain (writer, "max_usd");
          tb_yaml_writer_double (writer, self->max_usd);
        }
      if (self->inputs_per_month > 0)
        {
          tb_yaml_writer_plain (writer, "inputs_per_month");
          tb_yaml_writer_int (writer, self->inputs_per_month);
        }
      tb_yaml_writer_close (writer);
    }

  tb_yaml_writer_close (writer);

  text = tb_yaml_writer_finish (writer, &error);
  if (text == NULL)
    g_warning ("Use case '%s': %s", self->id, error->message);
  return text;
}

/* ------------------------------------------------------------------------------------ */
/* Folder listing                                                                        */

void
tb_usecase_entry_free (TbUsecaseEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->id);
  g_free (entry->path);
  g_clear_pointer (&entry->usecase, tb_usecase_unref);
  g_clear_error (&entry->error);
  g_free (entry);
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const TbUsecaseEntry *ea = *(TbUsecaseEntry * const *) a;
  const TbUsecaseEntry *eb = *(TbUsecaseEntry * const *) b;
  int cmp = strcmp (ea->id, eb->id);

  if (cmp != 0)
    return cmp;
  /* x.yaml before x.yml: the canonical spelling wins the id */
  return strcmp (ea->path, eb->path);
}

GPtrArray *
tb_usecase_list_dir (const char *dir)
{
  g_autoptr(GPtrArray) entries =
    g_ptr_array_new_with_free_func ((GDestroyNotify) tb_usecase_entry_free);
  g_autoptr(GDir) gdir = NULL;
  const char *name;

  g_return_val_if_fail (dir != NULL, NULL);

  gdir = g_dir_open (dir, 0, NULL);
  if (gdir == NULL)
    return g_steal_pointer (&entries);

  while ((name = g_dir_read_name (gdir)) != NULL)
    {
      TbUsecaseEntry *entry;
      g_autofree char *path = NULL;

      if (name[0] == '.')
        continue;
      if (!g_str_has_suffix (name, ".yaml") && !g_str_has_suffix (name, ".yml"))
        continue;
      path = g_build_filename (dir, name, NULL);
      /* Anything else named *.yaml (a FIFO, a device, a dangling link) is listed with the
       * error that keeps it out; reading it never blocks. */
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;

      entry = g_new0 (TbUsecaseEntry, 1);
      entry->id = id_from_path (name);
      entry->path = g_steal_pointer (&path);
      entry->usecase = tb_usecase_load_file (entry->path, &entry->error);
      g_ptr_array_add (entries, entry);
    }

  g_ptr_array_sort (entries, compare_entries);

  /* Two files for one id would make lookups ambiguous: keep the first, flag the other. */
  for (guint i = 1; i < entries->len; i++)
    {
      TbUsecaseEntry *previous = g_ptr_array_index (entries, i - 1);
      TbUsecaseEntry *entry = g_ptr_array_index (entries, i);

      if (!g_str_equal (previous->id, entry->id))
        continue;
      g_clear_pointer (&entry->usecase, tb_usecase_unref);
      g_clear_error (&entry->error);
      g_set_error (&entry->error, TB_ERROR, TB_ERROR_INVALID,
                   _("%s: use case '%s' is already defined by %s"), entry->path, entry->id,
                   previous->path);
    }

  return g_steal_pointer (&entries);
}
