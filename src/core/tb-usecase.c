/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-usecase"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <yaml.h>

#include "tb-error.h"
#include "tb-usecase.h"

/* Deep enough for any real JSON Schema; shallow enough that a hostile file cannot blow
 * the stack through the recursive reader. */
#define MAX_DEPTH 64

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (yaml_event_t, yaml_event_delete)

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

/* Scalar literal shapes, after the YAML 1.2 core schema. Hex, octal, .inf and .nan are
 * left out on purpose: JSON cannot carry the last two and nobody writes the first two in
 * a use case. */
static gboolean
is_int_literal (const char *s)
{
  if (*s == '-' || *s == '+')
    s++;
  if (!g_ascii_isdigit (*s))
    return FALSE;
  while (g_ascii_isdigit (*s))
    s++;
  return *s == '\0';
}

static gboolean
is_float_literal (const char *s)
{
  gboolean digits = FALSE;

  if (*s == '-' || *s == '+')
    s++;
  while (g_ascii_isdigit (*s))
    {
      s++;
      digits = TRUE;
    }
  if (*s == '.')
    {
      s++;
      while (g_ascii_isdigit (*s))
        {
          s++;
          digits = TRUE;
        }
    }
  if (!digits)
    return FALSE;
  if (*s == 'e' || *s == 'E')
    {
      s++;
      if (*s == '-' || *s == '+')
        s++;
      if (!g_ascii_isdigit (*s))
        return FALSE;
      while (g_ascii_isdigit (*s))
        s++;
    }
  return *s == '\0';
}

static gboolean
is_null_literal (const char *s)
{
  return *s == '\0' || g_str_equal (s, "~") || g_str_equal (s, "null")
         || g_str_equal (s, "Null") || g_str_equal (s, "NULL");
}

static gboolean
parse_bool_literal (const char *s,
                    gboolean   *out)
{
  static const char * const yes[] = { "true", "True", "TRUE", NULL };
  static const char * const no[] = { "false", "False", "FALSE", NULL };

  if (g_strv_contains (yes, s))
    *out = TRUE;
  else if (g_strv_contains (no, s))
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* YAML 1.1 readers (and people) take these as booleans; the emitter quotes them so other
 * tools read the same thing we do. */
static gboolean
is_yaml11_bool (const char *s)
{
  static const char * const words[] = {
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
    "on", "On", "ON", "off", "Off", "OFF", NULL
  };

  return g_strv_contains (words, s);
}

/* ------------------------------------------------------------------------------------ */
/* The intermediate tree: YAML with the lines kept, so that every check after parsing can
 * still say where the problem is.                                                        */

typedef enum {
  NODE_SCALAR,
  NODE_SEQUENCE,
  NODE_MAPPING,
} NodeKind;

typedef struct _Node Node;

struct _Node {
  NodeKind   kind;
  gsize      line;       /* 1-based */
  char      *scalar;     /* NODE_SCALAR */
  gboolean   plain;      /* an unquoted, untagged scalar: may stand for null/bool/number */
  GPtrArray *children;   /* sequence: items; mapping: key, value, key, value… */
};

static void
node_free (gpointer data)
{
  Node *node = data;

  if (node == NULL)
    return;
  g_free (node->scalar);
  g_clear_pointer (&node->children, g_ptr_array_unref);
  g_free (node);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, node_free)

static Node *
node_new (NodeKind kind,
          gsize    line)
{
  Node *node = g_new0 (Node, 1);

  node->kind = kind;
  node->line = line;
  if (kind != NODE_SCALAR)
    node->children = g_ptr_array_new_with_free_func (node_free);
  return node;
}

static gboolean
node_is_null (const Node *node)
{
  return node->kind == NODE_SCALAR && node->plain && is_null_literal (node->scalar);
}

static guint
mapping_size (const Node *map)
{
  return map->children->len / 2;
}

static Node *
mapping_key (const Node *map,
             guint       i)
{
  return g_ptr_array_index (map->children, 2 * i);
}

static Node *
mapping_value (const Node *map,
               guint       i)
{
  return g_ptr_array_index (map->children, 2 * i + 1);
}

static Node *
mapping_lookup (const Node  *map,
                const char  *key,
                Node       **key_node)
{
  for (guint i = 0; i < mapping_size (map); i++)
    {
      if (g_str_equal (mapping_key (map, i)->scalar, key))
        {
          if (key_node != NULL)
            *key_node = mapping_key (map, i);
          return mapping_value (map, i);
        }
    }
  if (key_node != NULL)
    *key_node = NULL;
  return NULL;
}

/* How a value looks, for "must be X, not Y" messages. */
static char *
node_describe (const Node *node)
{
  switch (node->kind)
    {
    case NODE_SEQUENCE:
      return g_strdup (_("a list"));
    case NODE_MAPPING:
      return g_strdup (_("a mapping"));
    case NODE_SCALAR:
    default:
      if (node_is_null (node))
        return g_strdup (_("empty"));
      if (g_utf8_strlen (node->scalar, -1) > 40)
        {
          g_autofree char *head = g_utf8_substring (node->scalar, 0, 37);

          return g_strdup_printf ("'%s...'", head);
        }
      return g_strdup_printf ("'%s'", node->scalar);
    }
}

static char *
path_join (const char *parent,
           const char *key)
{
  if (parent == NULL || *parent == '\0')
    return g_strdup (key);
  return g_strconcat (parent, ".", key, NULL);
}

/* ------------------------------------------------------------------------------------ */
/* Reading YAML events into the tree                                                     */

typedef struct {
  const char     *filename;
  const char     *text;
  gsize           length;
  yaml_parser_t   parser;
  guint           depth;
} Ctx;

static void set_error (Ctx *ctx, gsize line, GError **error, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

static void
set_error (Ctx         *ctx,
           gsize        line,
           GError     **error,
           const char  *format,
           ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (line > 0)
    g_set_error (error, TB_ERROR, TB_ERROR_INVALID, "%s:%" G_GSIZE_FORMAT ": %s",
                 ctx->filename, line, message);
  else
    g_set_error (error, TB_ERROR, TB_ERROR_INVALID, "%s: %s", ctx->filename, message);
}

static gsize
line_at_offset (Ctx   *ctx,
                gsize  offset)
{
  gsize line = 1;

  for (gsize i = 0; i < offset && i < ctx->length; i++)
    if (ctx->text[i] == '\n')
      line++;
  return line;
}

static void
set_syntax_error (Ctx     *ctx,
                  GError **error)
{
  yaml_parser_t *parser = &ctx->parser;
  const char *problem = parser->problem != NULL ? parser->problem : _("invalid YAML");
  g_autoptr(GString) message = g_string_new (NULL);
  gsize line;

  if (parser->error == YAML_READER_ERROR)
    {
      line = line_at_offset (ctx, parser->problem_offset);
      g_string_append (message, problem);
      if (parser->problem_value >= 0)
        g_string_append_printf (message, " (byte 0x%02x)", (guint) parser->problem_value);
    }
  else
    {
      line = parser->problem_mark.line + 1;
      g_string_append (message, problem);
      if (parser->context != NULL)
        g_string_append_printf (message, " (%s at line %" G_GSIZE_FORMAT ")",
                                parser->context, (gsize) parser->context_mark.line + 1);
    }

  set_error (ctx, line, error, _("YAML syntax error: %s"), message->str);
}

static gboolean
next_event (Ctx           *ctx,
            yaml_event_t  *event,
            GError       **error)
{
  if (!yaml_parser_parse (&ctx->parser, event))
    {
      set_syntax_error (ctx, error);
      return FALSE;
    }
  return TRUE;
}

static Node *read_node (Ctx *ctx, yaml_event_t *event, const char *path, GError **error);

static Node *
read_sequence (Ctx           *ctx,
               yaml_event_t  *start,
               const char    *path,
               GError       **error)
{
  g_autoptr(Node) node = node_new (NODE_SEQUENCE, start->start_mark.line + 1);

  for (guint i = 0;; i++)
    {
      g_auto(yaml_event_t) event = { 0 };
      g_autofree char *item_path = NULL;
      Node *item;

      if (!next_event (ctx, &event, error))
        return NULL;
      if (event.type == YAML_SEQUENCE_END_EVENT)
        break;

      item_path = g_strdup_printf ("%s[%u]", path, i);
      item = read_node (ctx, &event, item_path, error);
      if (item == NULL)
        return NULL;
      g_ptr_array_add (node->children, item);
    }

  return g_steal_pointer (&node);
}

static Node *
read_mapping (Ctx           *ctx,
              yaml_event_t  *start,
              const char    *path,
              GError       **error)
{
  g_autoptr(Node) node = node_new (NODE_MAPPING, start->start_mark.line + 1);

  for (;;)
    {
      g_auto(yaml_event_t) key_event = { 0 };
      g_auto(yaml_event_t) value_event = { 0 };
      g_autofree char *child_path = NULL;
      Node *key;
      Node *previous_key;
      Node *value;

      if (!next_event (ctx, &key_event, error))
        return NULL;
      if (key_event.type == YAML_MAPPING_END_EVENT)
        break;

      if (key_event.type != YAML_SCALAR_EVENT)
        {
          set_error (ctx, key_event.start_mark.line + 1, error,
                     _("a key under '%s' is not plain text (lists and mappings cannot be keys)"),
                     *path ? path : "the top level");
          return NULL;
        }

      key = node_new (NODE_SCALAR, key_event.start_mark.line + 1);
      key->scalar = g_strndup ((const char *) key_event.data.scalar.value,
                               key_event.data.scalar.length);
      key->plain = TRUE;
      child_path = path_join (path, key->scalar);

      if (mapping_lookup (node, key->scalar, &previous_key) != NULL)
        {
          set_error (ctx, key->line, error,
                     _("duplicate key '%s' (first at line %lu)"),
                     child_path, (gulong) previous_key->line);
          node_free (key);
          return NULL;
        }
      g_ptr_array_add (node->children, key);

      if (!next_event (ctx, &value_event, error))
        return NULL;
      value = read_node (ctx, &value_event, child_path, error);
      if (value == NULL)
        return NULL;
      g_ptr_array_add (node->children, value);
    }

  return g_steal_pointer (&node);
}

/* `event` is the first event of the node; the caller keeps ownership of it. */
static Node *
read_node (Ctx           *ctx,
           yaml_event_t  *event,
           const char    *path,
           GError       **error)
{
  gsize line = event->start_mark.line + 1;
  Node *node = NULL;

  switch (event->type)
    {
    case YAML_SCALAR_EVENT:
      node = node_new (NODE_SCALAR, line);
      node->scalar = g_strndup ((const char *) event->data.scalar.value,
                                event->data.scalar.length);
      node->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                    && (event->data.scalar.tag == NULL
                        || !g_str_equal ((const char *) event->data.scalar.tag,
                                         YAML_STR_TAG));
      return node;

    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
      if (ctx->depth >= MAX_DEPTH)
        {
          set_error (ctx, line, error, _("'%s' is nested more than %d levels deep"),
                     path, MAX_DEPTH);
          return NULL;
        }
      ctx->depth++;
      if (event->type == YAML_SEQUENCE_START_EVENT)
        node = read_sequence (ctx, event, path, error);
      else
        node = read_mapping (ctx, event, path, error);
      ctx->depth--;
      return node;

    case YAML_ALIAS_EVENT:
      set_error (ctx, line, error, _("aliases ('*%s') are not supported; write the value out"),
                 (const char *) event->data.alias.anchor);
      return NULL;

    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
    default:
      set_error (ctx, line, error, _("unexpected YAML structure"));
      return NULL;
    }
}

/* Reads the single document of the stream. Returns NULL with `error` unset when the
 * stream holds no document at all. */
static Node *
read_document (Ctx     *ctx,
               GError **error)
{
  g_auto(yaml_event_t) event = { 0 };
  g_auto(yaml_event_t) root_event = { 0 };
  g_autoptr(Node) root = NULL;

  if (!next_event (ctx, &event, error))    /* stream start */
    return NULL;
  yaml_event_delete (&event);

  if (!next_event (ctx, &event, error))
    return NULL;
  if (event.type == YAML_STREAM_END_EVENT)
    return NULL;
  yaml_event_delete (&event);              /* document start */

  if (!next_event (ctx, &root_event, error))
    return NULL;
  root = read_node (ctx, &root_event, "", error);
  if (root == NULL)
    return NULL;

  if (!next_event (ctx, &event, error))    /* document end */
    return NULL;
  yaml_event_delete (&event);

  if (!next_event (ctx, &event, error))
    return NULL;
  if (event.type != YAML_STREAM_END_EVENT)
    {
      set_error (ctx, event.start_mark.line + 1, error,
                 _("a second YAML document starts here; a use case is one document"));
      return NULL;
    }

  return g_steal_pointer (&root);
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
check_keys (Ctx                *ctx,
            const Node         *map,
            const char         *parent,
            const char * const *known,
            GError            **error)
{
  for (guint i = 0; i < mapping_size (map); i++)
    {
      Node *key = mapping_key (map, i);
      g_autofree char *path = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *elsewhere = NULL;
      const char *suggestion;

      if (g_strv_contains (known, key->scalar))
        continue;

      path = path_join (parent, key->scalar);
      suggestion = suggest_key (key->scalar, known);
      if (suggestion != NULL)
        {
          set_error (ctx, key->line, error, _("unknown key '%s' (did you mean '%s'?)"),
                     path, suggestion);
          return FALSE;
        }

      /* Criteria sit in a list, so their keys have no fixed path elsewhere. */
      elsewhere = strchr (parent, '[') == NULL ? suggest_elsewhere (path, key->scalar) : NULL;
      if (elsewhere != NULL)
        {
          set_error (ctx, key->line, error, _("unknown key '%s' (did you mean %s?)"),
                     path, elsewhere);
          return FALSE;
        }

      expected = g_strjoinv (", ", (char **) known);
      set_error (ctx, key->line, error, _("unknown key '%s' (expected one of: %s)"),
                 path, expected);
      return FALSE;
    }
  return TRUE;
}

static gboolean
type_error (Ctx         *ctx,
            const Node  *key,
            const Node  *value,
            const char  *path,
            const char  *expected,
            GError     **error)
{
  g_autofree char *found = node_describe (value);

  set_error (ctx, key != NULL ? key->line : value->line, error,
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
read_text (Ctx         *ctx,
           const Node  *map,
           const char  *parent,
           const char  *key,
           char       **out,
           GError     **error)
{
  Node *key_node;
  Node *value = mapping_lookup (map, key, &key_node);

  *out = NULL;
  if (value == NULL || node_is_null (value))
    return TRUE;
  if (value->kind != NODE_SCALAR)
    {
      g_autofree char *path = path_join (parent, key);

      return type_error (ctx, key_node, value, path, _("text"), error);
    }
  *out = g_strdup (value->scalar);
  return TRUE;
}

static gboolean
read_required_text (Ctx         *ctx,
                    const Node  *map,
                    const char  *parent,
                    const char  *key,
                    char       **out,
                    GError     **error)
{
  g_autofree char *path = path_join (parent, key);
  Node *key_node;

  if (!read_text (ctx, map, parent, key, out, error))
    return FALSE;

  if (mapping_lookup (map, key, &key_node) == NULL)
    {
      set_error (ctx, map->line, error, _("missing required key '%s'"), path);
      return FALSE;
    }
  if (*out == NULL || is_blank (*out))
    {
      g_clear_pointer (out, g_free);
      set_error (ctx, key_node->line, error, _("'%s' must not be empty"), path);
      return FALSE;
    }
  return TRUE;
}

/* A section such as `input:`; absent or empty means no section. */
static gboolean
read_section (Ctx                *ctx,
              const Node         *map,
              const char         *parent,
              const char         *key,
              const char * const *known,
              const Node        **out,
              GError            **error)
{
  g_autofree char *path = path_join (parent, key);
  Node *key_node;
  Node *value = mapping_lookup (map, key, &key_node);

  *out = NULL;
  if (value == NULL || node_is_null (value))
    return TRUE;
  if (value->kind != NODE_MAPPING)
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
node_to_number (const Node *value,
                double     *out)
{
  if (value->kind != NODE_SCALAR || !value->plain)
    return FALSE;
  if (!is_int_literal (value->scalar) && !is_float_literal (value->scalar))
    return FALSE;
  *out = g_ascii_strtod (value->scalar, NULL);
  return isfinite (*out);
}

static JsonNode *
node_to_json (const Node *node)
{
  JsonNode *json;

  switch (node->kind)
    {
    case NODE_SEQUENCE:
      {
        JsonArray *array = json_array_sized_new (node->children->len);

        for (guint i = 0; i < node->children->len; i++)
          json_array_add_element (array, node_to_json (g_ptr_array_index (node->children, i)));
        json = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (json, array);
        return json;
      }

    case NODE_MAPPING:
      {
        JsonObject *object = json_object_new ();

        for (guint i = 0; i < mapping_size (node); i++)
          json_object_set_member (object, mapping_key (node, i)->scalar,
                                  node_to_json (mapping_value (node, i)));
        json = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (json, object);
        return json;
      }

    case NODE_SCALAR:
    default:
      {
        const char *s = node->scalar;
        gboolean b;

        if (!node->plain)
          return json_node_init_string (json_node_alloc (), s);
        if (is_null_literal (s))
          return json_node_init_null (json_node_alloc ());
        if (parse_bool_literal (s, &b))
          return json_node_init_boolean (json_node_alloc (), b);
        if (is_int_literal (s))
          {
            gint64 n;

            errno = 0;
            n = g_ascii_strtoll (s, NULL, 10);
            if (errno != ERANGE)
              return json_node_init_int (json_node_alloc (), n);
            return json_node_init_double (json_node_alloc (), g_ascii_strtod (s, NULL));
          }
        if (is_float_literal (s))
          {
            double d = g_ascii_strtod (s, NULL);

            if (isfinite (d))
              return json_node_init_double (json_node_alloc (), d);
          }
        return json_node_init_string (json_node_alloc (), s);
      }
    }
}

static gboolean
read_input (Ctx        *ctx,
            const Node *root,
            TbUsecase  *self,
            GError    **error)
{
  const Node *input;

  if (!read_section (ctx, root, "", "input", input_keys, &input, error))
    return FALSE;
  if (input == NULL)
    return TRUE;
  return read_text (ctx, input, "input", "description", &self->input_description, error)
         && read_text (ctx, input, "input", "notes", &self->input_notes, error);
}

static gboolean
read_output (Ctx        *ctx,
             const Node *root,
             TbUsecase  *self,
             GError    **error)
{
  const Node *output;
  Node *key;
  Node *value;

  if (!read_section (ctx, root, "", "output", output_keys, &output, error))
    return FALSE;
  if (output == NULL)
    return TRUE;

  value = mapping_lookup (output, "format", &key);
  if (value != NULL && !node_is_null (value))
    {
      static const char * const names[] = { "json", "csv", "markdown", "text", NULL };
      gboolean found = FALSE;

      for (guint i = 0; value->kind == NODE_SCALAR && names[i] != NULL; i++)
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

  value = mapping_lookup (output, "schema", &key);
  if (value != NULL && !node_is_null (value))
    {
      if (value->kind != NODE_MAPPING)
        return type_error (ctx, key, value, "output.schema",
                           _("a mapping (a JSON Schema such as 'type: object')"), error);
      self->output_schema = node_to_json (value);
    }

  return read_text (ctx, output, "output", "notes", &self->output_notes, error);
}

static gboolean
read_criteria (Ctx        *ctx,
               const Node *judge,
               TbUsecase  *self,
               GError    **error)
{
  g_autoptr(GHashTable) seen = NULL;
  Node *key;
  Node *list = mapping_lookup (judge, "criteria", &key);

  if (list == NULL || node_is_null (list))
    return TRUE;
  if (list->kind != NODE_SEQUENCE)
    return type_error (ctx, key, list, "judge.criteria",
                       _("a list of criteria ({name, weight, description})"), error);

  seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < list->children->len; i++)
    {
      Node *item = g_ptr_array_index (list->children, i);
      g_autofree char *path = g_strdup_printf ("judge.criteria[%u]", i);
      g_autofree char *weight_path = path_join (path, "weight");
      TbCriterion *criterion;
      Node *weight_key;
      Node *weight;
      Node *previous;

      if (item->kind != NODE_MAPPING)
        return type_error (ctx, NULL, item, path,
                           _("a mapping with name, weight and description"), error);
      if (!check_keys (ctx, item, path, criterion_keys, error))
        return FALSE;

      criterion = g_new0 (TbCriterion, 1);
      g_ptr_array_add (self->criteria, criterion);

      if (!read_required_text (ctx, item, path, "name", &criterion->name, error)
          || !read_text (ctx, item, path, "description", &criterion->description, error))
        return FALSE;

      weight = mapping_lookup (item, "weight", &weight_key);
      if (weight == NULL)
        {
          set_error (ctx, item->line, error, _("missing required key '%s'"), weight_path);
          return FALSE;
        }
      if (!node_to_number (weight, &criterion->weight))
        return type_error (ctx, weight_key, weight, weight_path, _("a number"), error);
      if (criterion->weight <= 0)
        return type_error (ctx, weight_key, weight, weight_path, _("a positive number"), error);

      previous = g_hash_table_lookup (seen, criterion->name);
      if (previous != NULL)
        {
          set_error (ctx, item->line, error,
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
read_judge (Ctx        *ctx,
            const Node *root,
            TbUsecase  *self,
            GError    **error)
{
  const Node *judge;

  if (!read_section (ctx, root, "", "judge", judge_keys, &judge, error))
    return FALSE;
  if (judge == NULL)
    return TRUE;
  return read_text (ctx, judge, "judge", "model", &self->judge_model, error)
         && read_criteria (ctx, judge, self, error)
         && read_text (ctx, judge, "judge", "notes", &self->judge_notes, error);
}

static gboolean
read_candidates (Ctx        *ctx,
                 const Node *models,
                 TbUsecase  *self,
                 GError    **error)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  Node *key;
  Node *list = mapping_lookup (models, "candidates", &key);

  if (list == NULL || node_is_null (list))
    return TRUE;
  if (list->kind != NODE_SEQUENCE)
    return type_error (ctx, key, list, "models.candidates",
                       _("a list of model ids such as [openai/gpt-4o]"), error);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < list->children->len; i++)
    {
      Node *item = g_ptr_array_index (list->children, i);
      g_autofree char *path = g_strdup_printf ("models.candidates[%u]", i);

      if (item->kind != NODE_SCALAR || node_is_null (item))
        return type_error (ctx, NULL, item, path, _("a model id"), error);
      for (guint j = 0; j < i; j++)
        {
          Node *other = g_ptr_array_index (list->children, j);

          if (g_str_equal (other->scalar, item->scalar))
            {
              set_error (ctx, item->line, error,
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
read_preferences (Ctx        *ctx,
                  const Node *models,
                  TbUsecase  *self,
                  GError    **error)
{
  const Node *prefs;
  Node *key;
  Node *value;

  if (!read_section (ctx, models, "models", "preferences", preferences_keys, &prefs, error))
    return FALSE;
  if (prefs == NULL)
    return TRUE;

  value = mapping_lookup (prefs, "cost", &key);
  if (value != NULL && !node_is_null (value))
    {
      static const char * const names[] = { "low", "balanced", "high", NULL };
      gboolean found = FALSE;

      for (guint i = 0; value->kind == NODE_SCALAR && names[i] != NULL; i++)
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

  value = mapping_lookup (prefs, "min_context", &key);
  if (value != NULL && !node_is_null (value))
    {
      guint64 n;

      if (value->kind != NODE_SCALAR || !value->plain
          || !is_int_literal (value->scalar) || value->scalar[0] == '-'
          || !g_ascii_string_to_unsigned (value->scalar[0] == '+' ? value->scalar + 1
                                                                 : value->scalar,
                                          10, 0, G_MAXINT64, &n, NULL))
        return type_error (ctx, key, value, "models.preferences.min_context",
                           _("a non-negative whole number of tokens"), error);
      self->min_context = (gint64) n;
    }

  value = mapping_lookup (prefs, "structured_output", &key);
  if (value != NULL && !node_is_null (value))
    {
      if (value->kind != NODE_SCALAR || !value->plain
          || !parse_bool_literal (value->scalar, &self->structured_output))
        return type_error (ctx, key, value, "models.preferences.structured_output",
                           _("true or false"), error);
    }

  return TRUE;
}

static gboolean
read_models (Ctx        *ctx,
             const Node *root,
             TbUsecase  *self,
             GError    **error)
{
  const Node *models;

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
  g_autoptr(Node) root = NULL;
  g_autofree char *fallback_name = NULL;
  g_autoptr(GError) local_error = NULL;
  Ctx ctx = { 0 };

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (text == NULL)
    text = "";
  if (length < 0)
    length = strlen (text);

  if (filename == NULL)
    filename = fallback_name = g_strdup_printf ("%s.yaml", id != NULL ? id : "usecase");

  ctx.filename = filename;
  ctx.text = text;
  ctx.length = length;

  if (!yaml_parser_initialize (&ctx.parser))
    {
      g_set_error (error, TB_ERROR, TB_ERROR_FAILED, _("%s: cannot start the YAML parser"),
                   filename);
      return NULL;
    }
  yaml_parser_set_input_string (&ctx.parser, (const unsigned char *) text, length);
  root = read_document (&ctx, &local_error);
  yaml_parser_delete (&ctx.parser);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (root == NULL || node_is_null (root))
    {
      set_error (&ctx, 0, error, _("is empty; a use case needs at least 'name' and 'goal'"));
      return NULL;
    }
  if (root->kind != NODE_MAPPING)
    {
      g_autofree char *found = node_describe (root);

      set_error (&ctx, root->line, error,
                 _("the top level must be a mapping of keys (name, goal, ...), not %s"), found);
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
  g_autoptr(GError) local_error = NULL;
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

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      int code = g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                 ? TB_ERROR_NOT_FOUND : TB_ERROR_FAILED;

      g_set_error (error, TB_ERROR, code, "%s", local_error->message);
      return NULL;
    }

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

/* ------------------------------------------------------------------------------------ */
/* Writing YAML                                                                          */

typedef struct {
  yaml_emitter_t emitter;
  gboolean       failed;
} Emitter;

static int
write_to_gstring (void          *data,
                  unsigned char *buffer,
                  size_t         size)
{
  g_string_append_len (data, (const char *) buffer, size);
  return 1;
}

/* The emitter owns the event from here on, success or not. */
static void
emit (Emitter      *em,
      yaml_event_t *event)
{
  if (em->failed)
    {
      yaml_event_delete (event);
      return;
    }
  if (!yaml_emitter_emit (&em->emitter, event))
    em->failed = TRUE;
}

static void
emit_scalar (Emitter             *em,
             const char          *value,
             yaml_scalar_style_t  style)
{
  yaml_event_t event;

  if (em->failed)
    return;
  if (!yaml_scalar_event_initialize (&event, NULL, NULL, (yaml_char_t *) value, -1,
                                     1, 1, style))
    {
      em->failed = TRUE;
      return;
    }
  emit (em, &event);
}

/* Numbers in any spelling some YAML reader knows (hex, .inf, YAML 1.1 sexagesimal
 * "12:30:00", dates): such text is quoted, so that every reader keeps it a string. */
static gboolean
looks_numeric (const char *value)
{
  const char *s = value;
  char *end;

  if (*value == '\0')
    return FALSE;
  g_ascii_strtod (value, &end);
  if (*end == '\0')
    return TRUE;
  if (*s == '-' || *s == '+')
    s++;
  if (*s == '.')
    return g_ascii_strcasecmp (s + 1, "inf") == 0 || g_ascii_strcasecmp (s + 1, "nan") == 0;
  if (!g_ascii_isdigit (*s))
    return FALSE;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b'))
    return TRUE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isdigit (*s) && strchr ("_:.-+eE", *s) == NULL)
      return FALSE;
  return TRUE;
}

/* Text must come back as the same text: quote what a reader would take for a number,
 * a boolean or null, and keep line breaks readable as literal blocks. libyaml falls back
 * to quoting by itself when a plain or block scalar cannot carry the value. */
static void
emit_string (Emitter    *em,
             const char *value)
{
  yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
  gboolean b;

  if (strchr (value, '\n') != NULL)
    style = YAML_LITERAL_SCALAR_STYLE;
  else if (is_null_literal (value) || parse_bool_literal (value, &b) || is_yaml11_bool (value)
           || looks_numeric (value))
    style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
  emit_scalar (em, value, style);
}

static void
emit_plain (Emitter    *em,
            const char *value)
{
  emit_scalar (em, value, YAML_PLAIN_SCALAR_STYLE);
}

static void
emit_mapping_start (Emitter  *em,
                    gboolean  flow)
{
  yaml_event_t event;

  if (em->failed)
    return;
  yaml_mapping_start_event_initialize (&event, NULL, NULL, 1,
                                       flow ? YAML_FLOW_MAPPING_STYLE
                                            : YAML_BLOCK_MAPPING_STYLE);
  emit (em, &event);
}

static void
emit_mapping_end (Emitter *em)
{
  yaml_event_t event;

  if (em->failed)
    return;
  yaml_mapping_end_event_initialize (&event);
  emit (em, &event);
}

static void
emit_sequence_start (Emitter  *em,
                     gboolean  flow)
{
  yaml_event_t event;

  if (em->failed)
    return;
  yaml_sequence_start_event_initialize (&event, NULL, NULL, 1,
                                        flow ? YAML_FLOW_SEQUENCE_STYLE
                                             : YAML_BLOCK_SEQUENCE_STYLE);
  emit (em, &event);
}

static void
emit_sequence_end (Emitter *em)
{
  yaml_event_t event;

  if (em->failed)
    return;
  yaml_sequence_end_event_initialize (&event);
  emit (em, &event);
}

static void
emit_text_member (Emitter    *em,
                  const char *key,
                  const char *value)
{
  if (value == NULL)
    return;
  emit_plain (em, key);
  emit_string (em, value);
}

/* Shortest text that reads back as the same double. `force_float` keeps a whole number
 * a float in JSON ("3.0", not "3"). */
static void
format_double (char     *buffer,
               gsize     size,
               double    value,
               gboolean  force_float)
{
  g_ascii_formatd (buffer, size, "%.15g", value);
  if (g_ascii_strtod (buffer, NULL) != value)
    g_ascii_formatd (buffer, size, "%.17g", value);
  if (force_float && strpbrk (buffer, ".eEni") == NULL)
    g_strlcat (buffer, ".0", size);
}

/* Scalars and short flat containers stay on one line: {type: string}, [a, b]. */
static gboolean
json_is_flat (JsonNode *node)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (!JSON_NODE_HOLDS_VALUE (element) && !JSON_NODE_HOLDS_NULL (element))
            return FALSE;
          if (JSON_NODE_HOLDS_VALUE (element)
              && json_node_get_value_type (element) == G_TYPE_STRING
              && strchr (json_node_get_string (element), '\n') != NULL)
            return FALSE;
        }
      return TRUE;
    }

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      if (g_list_length (members) > 3)
        return FALSE;
      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *member = json_object_get_member (object, l->data);

          if (!JSON_NODE_HOLDS_VALUE (member) && !JSON_NODE_HOLDS_NULL (member))
            return FALSE;
          if (JSON_NODE_HOLDS_VALUE (member)
              && json_node_get_value_type (member) == G_TYPE_STRING
              && strlen (json_node_get_string (member)) > 40)
            return FALSE;
        }
      return TRUE;
    }

  return TRUE;
}

static void
emit_json (Emitter  *em,
           JsonNode *node)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE + 4];

  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        g_autoptr(GList) members = json_object_get_members (object);

        emit_mapping_start (em, json_is_flat (node));
        for (GList *l = members; l != NULL; l = l->next)
          {
            emit_string (em, l->data);
            emit_json (em, json_object_get_member (object, l->data));
          }
        emit_mapping_end (em);
        break;
      }

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        emit_sequence_start (em, json_is_flat (node));
        for (guint i = 0; i < json_array_get_length (array); i++)
          emit_json (em, json_array_get_element (array, i));
        emit_sequence_end (em);
        break;
      }

    case JSON_NODE_NULL:
      emit_plain (em, "null");
      break;

    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_BOOLEAN:
          emit_plain (em, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_INT64:
          g_snprintf (buffer, sizeof buffer, "%" G_GINT64_FORMAT, json_node_get_int (node));
          emit_plain (em, buffer);
          break;
        case G_TYPE_DOUBLE:
          format_double (buffer, sizeof buffer, json_node_get_double (node), TRUE);
          emit_plain (em, buffer);
          break;
        case G_TYPE_STRING:
          emit_string (em, json_node_get_string (node));
          break;
        default:
          emit_plain (em, "null");
          break;
        }
      break;
    }
}

char *
tb_usecase_to_yaml (const TbUsecase *self)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean has_judge;
  gboolean has_models;
  Emitter em = { 0 };
  yaml_event_t event;

  g_return_val_if_fail (self != NULL, NULL);

  if (!yaml_emitter_initialize (&em.emitter))
    return NULL;
  yaml_emitter_set_output (&em.emitter, write_to_gstring, out);
  yaml_emitter_set_unicode (&em.emitter, 1);
  yaml_emitter_set_width (&em.emitter, -1);
  yaml_emitter_set_indent (&em.emitter, 2);

  yaml_stream_start_event_initialize (&event, YAML_UTF8_ENCODING);
  emit (&em, &event);
  yaml_document_start_event_initialize (&event, NULL, NULL, NULL, 1);
  emit (&em, &event);
  emit_mapping_start (&em, FALSE);

  emit_text_member (&em, "name", self->name != NULL ? self->name : "");
  emit_text_member (&em, "goal", self->goal != NULL ? self->goal : "");

  if (self->input_description != NULL || self->input_notes != NULL)
    {
      emit_plain (&em, "input");
      emit_mapping_start (&em, FALSE);
      emit_text_member (&em, "description", self->input_description);
      emit_text_member (&em, "notes", self->input_notes);
      emit_mapping_end (&em);
    }

  emit_plain (&em, "output");
  emit_mapping_start (&em, FALSE);
  emit_plain (&em, "format");
  emit_plain (&em, tb_output_format_to_string (self->output_format));
  if (self->output_schema != NULL)
    {
      emit_plain (&em, "schema");
      emit_json (&em, self->output_schema);
    }
  emit_text_member (&em, "notes", self->output_notes);
  emit_mapping_end (&em);

  has_judge = self->judge_model != NULL || self->criteria->len > 0 || self->judge_notes != NULL;
  if (has_judge)
    {
      emit_plain (&em, "judge");
      emit_mapping_start (&em, FALSE);
      emit_text_member (&em, "model", self->judge_model);
      if (self->criteria->len > 0)
        {
          emit_plain (&em, "criteria");
          emit_sequence_start (&em, FALSE);
          for (guint i = 0; i < self->criteria->len; i++)
            {
              TbCriterion *criterion = g_ptr_array_index (self->criteria, i);
              char buffer[G_ASCII_DTOSTR_BUF_SIZE + 4];

              format_double (buffer, sizeof buffer, criterion->weight, FALSE);
              emit_mapping_start (&em, FALSE);
              emit_text_member (&em, "name", criterion->name != NULL ? criterion->name : "");
              emit_plain (&em, "weight");
              emit_plain (&em, buffer);
              emit_text_member (&em, "description", criterion->description);
              emit_mapping_end (&em);
            }
          emit_sequence_end (&em);
        }
      emit_text_member (&em, "notes", self->judge_notes);
      emit_mapping_end (&em);
    }

  has_models = (self->candidates != NULL && self->candidates[0] != NULL)
               || self->cost != TB_COST_BALANCED || self->min_context > 0
               || self->structured_output;
  if (has_models)
    {
      emit_plain (&em, "models");
      emit_mapping_start (&em, FALSE);
      if (self->candidates != NULL && self->candidates[0] != NULL)
        {
          emit_plain (&em, "candidates");
          emit_sequence_start (&em, TRUE);
          for (guint i = 0; self->candidates[i] != NULL; i++)
            emit_string (&em, self->candidates[i]);
          emit_sequence_end (&em);
        }
      emit_plain (&em, "preferences");
      emit_mapping_start (&em, FALSE);
      emit_plain (&em, "cost");
      emit_plain (&em, tb_cost_preference_to_string (self->cost));
      if (self->min_context > 0)
        {
          char buffer[32];

          g_snprintf (buffer, sizeof buffer, "%" G_GINT64_FORMAT, self->min_context);
          emit_plain (&em, "min_context");
          emit_plain (&em, buffer);
        }
      emit_plain (&em, "structured_output");
      emit_plain (&em, self->structured_output ? "true" : "false");
      emit_mapping_end (&em);
      emit_mapping_end (&em);
    }

  emit_mapping_end (&em);
  if (!em.failed)
    {
      yaml_document_end_event_initialize (&event, 1);
      emit (&em, &event);
      yaml_stream_end_event_initialize (&event);
      emit (&em, &event);
    }
  if (!em.failed && !yaml_emitter_flush (&em.emitter))
    em.failed = TRUE;

  if (em.failed)
    {
      g_warning ("Cannot write use case '%s' as YAML: %s", self->id,
                 em.emitter.problem != NULL ? em.emitter.problem : "invalid text");
      yaml_emitter_delete (&em.emitter);
      return NULL;
    }

  yaml_emitter_delete (&em.emitter);
  return g_string_free (g_steal_pointer (&out), FALSE);
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
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
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
