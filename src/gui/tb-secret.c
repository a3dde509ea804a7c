/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-secret"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "tb-secret.h"

static const SecretSchema *
tb_secret_get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.taskbench.TaskBench.ApiKey", SECRET_SCHEMA_NONE,
    {
      { "base-url", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
tb_secret_store_async (const char          *base_url,
                       const char          *api_key,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *label = NULL;

  g_return_if_fail (base_url != NULL);
  g_return_if_fail (api_key != NULL);

  g_task_set_source_tag (task, tb_secret_store_async);
  /* TRANSLATORS: the label of the key in the keyring (Passwords and Keys) */
  label = g_strdup_printf (_("TaskBench API key for %s"), base_url);
  secret_password_store (tb_secret_get_schema (), SECRET_COLLECTION_DEFAULT, label, api_key,
                         cancellable, store_cb, g_steal_pointer (&task),
                         "base-url", base_url,
                         NULL);
}

gboolean
tb_secret_store_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *password = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  /* Keep the key out of the non-pageable secret memory only as long as needed: the client
   * holds its own copy. */
  g_task_return_pointer (task, g_strdup (password), g_free);
  secret_password_free (password);
}

void
tb_secret_lookup_async (const char          *base_url,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (base_url != NULL);

  g_task_set_source_tag (task, tb_secret_lookup_async);
  secret_password_lookup (tb_secret_get_schema (), cancellable, lookup_cb,
                          g_steal_pointer (&task),
                          "base-url", base_url,
                          NULL);
}

char *
tb_secret_lookup_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  /* FALSE without an error only means nothing was stored: that is fine. */
  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
tb_secret_clear_async (const char          *base_url,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (base_url != NULL);

  g_task_set_source_tag (task, tb_secret_clear_async);
  secret_password_clear (tb_secret_get_schema (), cancellable, clear_cb,
                         g_steal_pointer (&task),
                         "base-url", base_url,
                         NULL);
}

gboolean
tb_secret_clear_finish (GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
