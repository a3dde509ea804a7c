/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-testset"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tb-error.h"
#include "tb-testset.h"
#include "tb-util.h"

#define MAX_KEY 64

char *
tb_test_input_key_from_name (const char *name)
{
  g_autofree char *base = name != NULL ? g_path_get_basename (name) : g_strdup ("input");
  char *dot = strrchr (base, '.');
  GString *key = g_string_new (NULL);

  if (dot != NULL && dot != base)
    *dot = '\0';
  for (const char *p = base; *p != '\0' && key->len < MAX_KEY; p++)
    g_string_append_c (key, g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.'
                            ? *p : '_');
  if (key->len == 0 || key->str[0] == '.')
    g_string_prepend (key, "input");
  return g_string_free (key, FALSE);
}

TbTestInput *
tb_test_input_new (const char *key,
                   const char *name,
                   const char *text,
                   gsize       length)
{
  TbTestInput *input = g_new0 (TbTestInput, 1);

  input->name = g_strdup (name != NULL ? name : "input");
  input->key = key != NULL ? g_strdup (key) : tb_test_input_key_from_name (input->name);
  input->text = g_strndup (text != NULL ? text : "", length);
  input->length = length;
  return input;
}

void
tb_test_input_free (TbTestInput *input)
{
  if (input == NULL)
    return;
  g_free (input->key);
  g_free (input->name);
  g_free (input->path);
  g_free (input->text);
  g_free (input->reference);
  g_free (input->reference_name);
  g_free (input);
}

void
tb_test_input_set_reference (TbTestInput *input,
                             const char  *name,
                             const char  *text,
                             gsize        length)
{
  g_return_if_fail (input != NULL);

  g_free (input->reference);
  g_free (input->reference_name);
  input->reference = text != NULL ? g_strndup (text, length) : NULL;
  input->reference_length = text != NULL ? length : 0;
  input->reference_name = g_strdup (name);
}

void
tb_test_inputs_make_keys_unique (GPtrArray *inputs)
{
  g_autoptr(GHashTable) taken = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < inputs->len; i++)
    {
      TbTestInput *input = g_ptr_array_index (inputs, i);

      if (g_hash_table_contains (taken, input->key))
        {
          g_autofree char *stem = g_strndup (input->key, MAX_KEY - 8);

          for (guint n = 2; ; n++)
            {
              g_autofree char *candidate = g_strdup_printf ("%s-%u", stem, n);

              if (!g_hash_table_contains (taken, candidate))
                {
                  g_free (input->key);
                  input->key = g_steal_pointer (&candidate);
                  break;
                }
            }
        }
      g_hash_table_add (taken, input->key);
    }
}

char *
tb_read_text_file (const char  *path,
                   gsize       *length,
                   GError     **error)
{
  g_autofree char *data = NULL;
  g_autofree char *problem = NULL;
  gsize size = 0;

  g_return_val_if_fail (path != NULL, NULL);

  data = tb_read_regular_file (path, TB_TEST_INPUT_MAX_BYTES, &size, error);
  if (data == NULL)
    {
      /* Any unreadable file the user named is bad input, found before anything is paid. */
      if (error != NULL && *error != NULL && (*error)->domain == TB_ERROR)
        (*error)->code = TB_ERROR_INVALID;
      return NULL;
    }
  problem = tb_check_text_input (data, size);
  if (problem != NULL)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Input %s %s"), path, problem);
      return NULL;
    }
  if (length != NULL)
    *length = size;
  return g_steal_pointer (&data);
}

TbTestInput *
tb_test_input_read (const char  *path,
                    GError     **error)
{
  g_autofree char *text = NULL;
  g_autofree char *name = NULL;
  TbTestInput *input;
  gsize length = 0;

  text = tb_read_text_file (path, &length, error);
  if (text == NULL)
    return NULL;
  name = g_path_get_basename (path);
  input = tb_test_input_new (NULL, name, text, length);
  input->path = g_strdup (path);
  return input;
}

gboolean
tb_test_input_read_reference (TbTestInput  *input,
                              const char   *path,
                              GError      **error)
{
  g_autofree char *text = NULL;
  g_autofree char *name = NULL;
  gsize length = 0;

  g_return_val_if_fail (input != NULL, FALSE);

  text = tb_read_text_file (path, &length, error);
  if (text == NULL)
    return FALSE;
  name = g_path_get_basename (path);
  tb_test_input_set_reference (input, name, text, length);
  return TRUE;
}

/* "notes.reference.md" → TRUE: a reference, not an input. */
static gboolean
is_reference_name (const char *name)
{
  const char *marker = strstr (name, ".reference.");

  return marker != NULL && marker != name && marker[strlen (".reference.")] != '\0'
         && strchr (marker + strlen (".reference."), '.') == NULL;
}

/* The stem of a file name: "notes.md" → "notes", "notes.reference.md" → "notes". */
static char *
stem_of (const char *name)
{
  g_autofree char *base = g_path_get_basename (name);
  char *dot;

  if (is_reference_name (base))
    *strstr (base, ".reference.") = '\0';
  else if ((dot = strrchr (base, '.')) != NULL && dot != base)
    *dot = '\0';
  return g_steal_pointer (&base);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The visible regular files of a folder, sorted, as full paths. */
static GPtrArray *
folder_files (const char  *folder,
              GError     **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (folder, 0, error);
  const char *name;

  if (dir == NULL)
    {
      if (error != NULL && *error != NULL)
        {
          g_autofree char *message = g_strdup ((*error)->message);

          g_clear_error (error);
          g_set_error (error, TB_ERROR, TB_ERROR_INVALID, _("Could not read the folder %s: %s"),
                       folder, message);
        }
      return NULL;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (name[0] == '.')
        continue;
      path = g_build_filename (folder, name, NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      g_ptr_array_add (files, g_steal_pointer (&path));
    }
  g_ptr_array_sort (files, compare_strings);
  return g_steal_pointer (&files);
}

/* The reference for `input` in a folder: <stem>.reference.* first, then <stem>.* (not the
 * input itself). */
static char *
find_reference (const char  *folder,
                TbTestInput *input,
                GPtrArray   *candidates)
{
  g_autofree char *stem = stem_of (input->name);
  const char *plain = NULL;

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *path = g_ptr_array_index (candidates, i);
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *candidate_stem = stem_of (base);

      if (g_strcmp0 (candidate_stem, stem) != 0
          || (input->path != NULL && g_str_equal (path, input->path)))
        continue;
      if (is_reference_name (base))
        return g_strdup (path);
      if (plain == NULL)
        plain = path;
    }
  return g_strdup (plain);
}

GPtrArray *
tb_test_set_from_paths (const char * const  *paths,
                        const char * const  *references,
                        GError             **error)
{
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func
                                  ((GDestroyNotify) tb_test_input_free);
  g_autoptr(GHashTable) sibling_references = g_hash_table_new_full (g_direct_hash,
                                                                    g_direct_equal, NULL,
                                                                    g_free);
  guint n_references = references != NULL ? g_strv_length ((GStrv) references) : 0;

  for (guint p = 0; paths != NULL && paths[p] != NULL; p++)
    {
      const char *path = paths[p];

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GPtrArray) files = folder_files (path, error);
          guint added = 0;

          if (files == NULL)
            return NULL;
          for (guint i = 0; i < files->len; i++)
            {
              const char *file = g_ptr_array_index (files, i);
              g_autofree char *base = g_path_get_basename (file);
              TbTestInput *input;

              if (is_reference_name (base))
                continue;
              input = tb_test_input_read (file, error);
              if (input == NULL)
                return NULL;
              g_ptr_array_add (inputs, input);
              added++;
              {
                g_autofree char *stem = stem_of (base);

                for (guint j = 0; j < files->len; j++)
                  {
                    const char *other = g_ptr_array_index (files, j);
                    g_autofree char *other_base = g_path_get_basename (other);
                    g_autofree char *other_stem = stem_of (other_base);

                    if (is_reference_name (other_base) && g_str_equal (other_stem, stem))
                      g_hash_table_replace (sibling_references, input, g_strdup (other));
                  }
              }
            }
          if (added == 0)
            {
              g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                           _("The folder %s holds no input file"), path);
              return NULL;
            }
        }
      else
        {
          TbTestInput *input = tb_test_input_read (path, error);

          if (input == NULL)
            return NULL;
          g_ptr_array_add (inputs, input);
        }
    }

  if (inputs->len == 0)
    {
      g_set_error_literal (error, TB_ERROR, TB_ERROR_INVALID, _("No input given"));
      return NULL;
    }

  /* References beside the inputs in their folders, then those named apart. */
  for (guint i = 0; i < inputs->len; i++)
    {
      TbTestInput *input = g_ptr_array_index (inputs, i);
      const char *sibling = g_hash_table_lookup (sibling_references, input);

      if (sibling != NULL && !tb_test_input_read_reference (input, sibling, error))
        return NULL;
    }
  for (guint r = 0; r < n_references; r++)
    {
      const char *reference = references[r];

      if (g_file_test (reference, G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GPtrArray) candidates = folder_files (reference, error);

          if (candidates == NULL)
            return NULL;
          for (guint i = 0; i < inputs->len; i++)
            {
              TbTestInput *input = g_ptr_array_index (inputs, i);
              g_autofree char *found = find_reference (reference, input, candidates);

              if (found != NULL && !tb_test_input_read_reference (input, found, error))
                return NULL;
            }
        }
      else if (inputs->len == 1 && n_references == 1)
        {
          if (!tb_test_input_read_reference (g_ptr_array_index (inputs, 0), reference, error))
            return NULL;
        }
      else
        {
          g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                       _("The reference %s is one file for several inputs: give a folder of "
                         "references named after the inputs instead"), reference);
          return NULL;
        }
    }

  tb_test_inputs_make_keys_unique (inputs);
  return g_steal_pointer (&inputs);
}

GPtrArray *
tb_test_set_from_usecase (const TbUsecase  *usecase,
                          GError          **error)
{
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func
                                  ((GDestroyNotify) tb_test_input_free);
  const char *file;

  g_return_val_if_fail (usecase != NULL, NULL);

  file = usecase->path != NULL ? usecase->path : usecase->id;
  if (usecase->inputs == NULL || usecase->inputs->len == 0)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("%s lists no inputs: name an input to run on, or list some under "
                     "'inputs:' in the use case"), file);
      return NULL;
    }

  for (guint i = 0; i < usecase->inputs->len; i++)
    {
      const TbUsecaseInput *entry = g_ptr_array_index (usecase->inputs, i);
      g_autofree char *path = tb_usecase_resolve_path (usecase, entry->path);
      g_autoptr(GError) local_error = NULL;

      if (entry->kind == TB_USECASE_INPUT_FOLDER)
        {
          const char *paths[] = { path, NULL };
          g_autoptr(GPtrArray) found = tb_test_set_from_paths (paths, NULL, &local_error);

          for (guint j = 0; found != NULL && j < found->len; j++)
            g_ptr_array_add (inputs, g_ptr_array_steal_index (found, j--));
        }
      else
        {
          TbTestInput *input = tb_test_input_read (path, &local_error);

          if (input != NULL)
            {
              g_ptr_array_add (inputs, input);
              if (entry->reference != NULL)
                {
                  g_autofree char *reference = tb_usecase_resolve_path (usecase,
                                                                        entry->reference);

                  tb_test_input_read_reference (input, reference, &local_error);
                }
            }
        }
      if (local_error != NULL)
        {
          g_set_error (error, TB_ERROR, TB_ERROR_INVALID, "%s:%lu: %s", file,
                       (gulong) entry->line, local_error->message);
          return NULL;
        }
    }

  tb_test_inputs_make_keys_unique (inputs);
  return g_steal_pointer (&inputs);
}
