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
