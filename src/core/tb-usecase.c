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

static TbUsecase *
usecase_new (void)
{
  TbUsecase *self = g_new0 (TbUsecase, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->criteria = g_ptr_array_new_with_free_func (criterion_free);
  self->output_format = TB_FORMAT_TEXT;
  self->cost = TB_COST_BALANCED;
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
  g_clear_pointer (&self->criteria, g_ptr_array_unref);
  g_free (self->judge_notes);
  g_strfreev (self->candidates);
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
  "name", "goal", "input", "output", "judge", "models", NULL
};
static const char * const input_keys[] = { "description", "notes", NULL };
static const char * const output_keys[] = { "format", "schema", "notes", NULL };
static const char * const judge_keys[] = { "model", "criteria", "notes", NULL };
static const char * const criterion_keys[] = { "name", "weight", "description", NULL };
static const char * const models_keys[] = { "candidates", "preferences", NULL };
static const char * const preferences_keys[] = {
  "cost", "min_context", "structured_output", NULL
};

/* Every key of the contract with its full path, to point a key written at the wrong
 * level to where it belongs. */
static const char * const all_paths[] = {
  "name", "goal", "input", "output", "judge", "models",
  "input.description", "input.notes",
  "output.format", "output.schema", "output.notes",
  "judge.model", "judge.criteria", "judge.notes",
  "models.candidates", "models.preferences",
  "models.preferences.cost", "models.preferences.min_context",
  "models.preferences.structured_output",
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
      suggestion = suggest_key (key->scalar, known);
      if (suggestion != NULL)
        {
          tb_yaml_set_error (error, ctx->filename, key->line,
                             _("unknown key '%s' (did you mean '%s'?)"), path, suggestion);
          return FALSE;
        }

      /* Criteria sit in a list, so their keys have no fixed path elsewhere. */
      elsewhere = strchr (parent, '[') == NULL ? suggest_elsewhere (path, key->scalar) : NULL;
      if (elsewhere != NULL)
        {
          tb_yaml_set_error (error, ctx->filename, key->line,
                             _("unknown key '%s' (did you mean %s?)"), path, elsewhere);
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
                              const char        *path,
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
      g_autofree char *item_path = g_strdup_printf ("%s[%u]", path, i);

      if (tb_yaml_node_get_text (item) == NULL)
        return type_error (ctx, NULL, item, item_path,
                           _("a property name (quoted when it looks like a number)"), error);
    }
  return TRUE;
}

static gboolean
check_schema_properties (Ctx               *ctx,
                         const TbYamlNode  *key,
                         const TbYamlNode  *value,
                         const char        *path,
                         GError           **error)
{
  if (value->kind != TB_YAML_MAPPING)
    return type_error (ctx, key, value, path,
                       _("a mapping of property names to schemas"), error);
  for (guint i = 0; i < tb_yaml_mapping_size (value); i++)
    {
      const TbYamlNode *name = tb_yaml_mapping_key (value, i);
      g_autofree char *property_path = tb_yaml_path_join (path, name->scalar);

      if (!check_schema (ctx, name, tb_yaml_mapping_value (value, i), property_path, error))
        return FALSE;
    }
  return TRUE;
}

/* `items`: one schema for every item, or the older tuple form, one per position. */
static gboolean
check_schema_items (Ctx               *ctx,
                    const TbYamlNode  *key,
                    const TbYamlNode  *value,
                    const char        *path,
                    GError           **error)
{
  if (value->kind != TB_YAML_SEQUENCE)
    return check_schema (ctx, key, value, path, error);
  for (guint i = 0; i < value->children->len; i++)
    {
      g_autofree char *item_path = g_strdup_printf ("%s[%u]", path, i);

      if (!check_schema (ctx, NULL, g_ptr_array_index (value->children, i), item_path, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_schema_keyword (Ctx               *ctx,
                      const TbYamlNode  *key,
                      const TbYamlNode  *value,
                      const char        *path,
                      GError           **error)
{
  const char *keyword = key->scalar;
  double number;
  gint64 count;

  if (g_str_equal (keyword, "type"))
    return check_schema_type (ctx, key, value, path, error);
  if (g_str_equal (keyword, "pattern"))
    return check_schema_pattern (ctx, key, value, path, error);
  if (g_str_equal (keyword, "required"))
    return check_schema_required (ctx, key, value, path, error);
  if (g_str_equal (keyword, "properties"))
    return check_schema_properties (ctx, key, value, path, error);
  if (g_str_equal (keyword, "items"))
    return check_schema_items (ctx, key, value, path, error);
  if (g_str_equal (keyword, "additionalProperties"))
    return check_schema (ctx, key, value, path, error);
  if (g_str_equal (keyword, "enum") && value->kind != TB_YAML_SEQUENCE)
    return type_error (ctx, key, value, path, _("a list of the allowed values"), error);
  if ((g_str_equal (keyword, "minItems") || g_str_equal (keyword, "maxItems"))
      && (!tb_yaml_node_get_int (value, &count) || count < 0))
    return type_error (ctx, key, value, path, _("a non-negative whole number"), error);
  if ((g_str_equal (keyword, "minimum") || g_str_equal (keyword, "maximum"))
      && !tb_yaml_node_get_number (value, &number))
    return type_error (ctx, key, value, path, _("a number"), error);
  return TRUE;
}

/* A schema: a mapping of keywords, or true/false (anything, nothing). `key` (nullable)
 * is where messages point; `path` names the schema ("output.schema.items"). */
static gboolean
check_schema (Ctx               *ctx,
              const TbYamlNode  *key,
              const TbYamlNode  *schema,
              const char        *path,
              GError           **error)
{
  gboolean b;

  if (schema->kind != TB_YAML_MAPPING)
    {
      if (tb_yaml_node_get_boolean (schema, &b))
        return TRUE;
      return type_error (ctx, key, schema, path,
                         _("a schema (a mapping such as '{type: string}')"), error);
    }
  for (guint i = 0; i < tb_yaml_mapping_size (schema); i++)
    {
      const TbYamlNode *keyword = tb_yaml_mapping_key (schema, i);
      g_autofree char *keyword_path = tb_yaml_path_join (path, keyword->scalar);

      if (!check_schema_keyword (ctx, keyword, tb_yaml_mapping_value (schema, i), keyword_path,
                                 error))
        return FALSE;
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

  if (!read_section (ctx, root, "", "output", output_keys, &output, error))
    return FALSE;
  if (output == NULL)
    return TRUE;

  value = tb_yaml_mapping_lookup (output, "format", &key);
  if (value != NULL && !tb_yaml_node_is_null (value))
    {
      static const char * const names[] = { "json", "csv", "markdown", "text", NULL };
      gboolean found = FALSE;

      for (guint i = 0; value->kind == TB_YAML_SCALAR && names[i] != NULL; i++)
        {
          if (g_str_equal (value->scalar, names[i]))
            {
              self->output_format = (TbOutputFormat) i;
              found = TRUE;
            }
        }
      if (!found)
        return type_error (ctx, key, value, "output.format",
                           _("one of json, csv, markdown, text"), error);
    }

  value = tb_yaml_mapping_lookup (output, "schema", &key);
  if (value != NULL && !tb_yaml_node_is_null (value))
    {
      if (value->kind != TB_YAML_MAPPING)
        return type_error (ctx, key, value, "output.schema",
                           _("a mapping (a JSON Schema such as 'type: object')"), error);
      if (!check_schema (ctx, key, value, "output.schema", error))
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

static gboolean
read_judge (Ctx               *ctx,
            const TbYamlNode  *root,
            TbUsecase         *self,
            GError           **error)
{
  const TbYamlNode *judge;

  if (!read_section (ctx, root, "", "judge", judge_keys, &judge, error))
    return FALSE;
  if (judge == NULL)
    return TRUE;
  return read_text (ctx, judge, "judge", "model", &self->judge_model, error)
         && read_criteria (ctx, judge, self, error)
         && read_text (ctx, judge, "judge", "notes", &self->judge_notes, error);
}

static gboolean
read_candidates (Ctx               *ctx,
                 const TbYamlNode  *models,
                 TbUsecase         *self,
                 GError           **error)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  TbYamlNode *key;
  TbYamlNode *list = tb_yaml_mapping_lookup (models, "candidates", &key);

  if (list == NULL || tb_yaml_node_is_null (list))
    return TRUE;
  if (list->kind != TB_YAML_SEQUENCE)
    return type_error (ctx, key, list, "models.candidates",
                       _("a list of model ids such as [openai/gpt-4o]"), error);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < list->children->len; i++)
    {
      TbYamlNode *item = g_ptr_array_index (list->children, i);
      g_autofree char *path = g_strdup_printf ("models.candidates[%u]", i);

      if (item->kind != TB_YAML_SCALAR || tb_yaml_node_is_null (item))
        return type_error (ctx, NULL, item, path, _("a model id"), error);
      for (guint j = 0; j < i; j++)
        {
          TbYamlNode *other = g_ptr_array_index (list->children, j);

          if (g_str_equal (other->scalar, item->scalar))
            {
              tb_yaml_set_error (error, ctx->filename, item->line,
                                 _("'%s' lists '%s' twice (first at line %lu)"),
                                 "models.candidates", item->scalar, (gulong) other->line);
              return FALSE;
            }
        }
      g_strv_builder_add (builder, item->scalar);
    }

  if (list->children->len > 0)
    self->candidates = g_strv_builder_end (builder);
  return TRUE;
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

  if (!read_section (ctx, models, "models", "preferences", preferences_keys, &prefs, error))
    return FALSE;
  if (prefs == NULL)
    return TRUE;

  value = tb_yaml_mapping_lookup (prefs, "cost", &key);
  if (value != NULL && !tb_yaml_node_is_null (value))
    {
      static const char * const names[] = { "low", "balanced", "high", NULL };
      gboolean found = FALSE;

      for (guint i = 0; value->kind == TB_YAML_SCALAR && names[i] != NULL; i++)
        {
          if (g_str_equal (value->scalar, names[i]))
            {
              self->cost = (TbCostPreference) i;
              found = TRUE;
            }
        }
      if (!found)
        return type_error (ctx, key, value, "models.preferences.cost",
                           _("one of low, balanced, high"), error);
    }

  value = tb_yaml_mapping_lookup (prefs, "min_context", &key);
  if (value != NULL && !tb_yaml_node_is_null (value))
    {
      if (!tb_yaml_node_get_int (value, &self->min_context) || self->min_context < 0)
        return type_error (ctx, key, value, "models.preferences.min_context",
                           _("a non-negative whole number of tokens"), error);
    }

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

  if (!read_section (ctx, root, "", "models", models_keys, &models, error))
    return FALSE;
  if (models == NULL)
    return TRUE;
  return read_candidates (ctx, models, self, error)
         && read_preferences (ctx, models, self, error);
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
      || !read_models (&ctx, root, self, error))
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
    "# The input of a run: one file given to every candidate model.\n"
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
    "    structured_output: false\n",
    name);
}

char *
tb_usecase_to_yaml (const TbUsecase *self)
{
  g_autoptr(TbYamlWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  gboolean has_judge;
  gboolean has_models;
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

  has_judge = self->judge_model != NULL || self->criteria->len > 0 || self->judge_notes != NULL;
  if (has_judge)
    {
      tb_yaml_writer_plain (writer, "judge");
      tb_yaml_writer_open (writer, TB_YAML_MAPPING, FALSE);
      tb_yaml_writer_member (writer, "model", self->judge_model);
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
               || self->structured_output;
  if (has_models)
    {
      tb_yaml_writer_plain (writer, "models");
      tb_yaml_writer_open (writer, TB_YAML_MAPPING, FALSE);
      if (self->candidates != NULL && self->candidates[0] != NULL)
        {
          tb_yaml_writer_plain (writer, "candidates");
          tb_yaml_writer_open (writer, TB_YAML_SEQUENCE, TRUE);
          for (guint i = 0; self->candidates[i] != NULL; i++)
            tb_yaml_writer_string (writer, self->candidates[i]);
          tb_yaml_writer_close (writer);
        }
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
