/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-manifest-test"
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

/*
 * Checks the Flatpak manifest against the rules the project keeps for it.
 *
 * Usage: test-flatpak-manifest [--expect-failure CHECK] MANIFEST
 *
 * Without --expect-failure it exits 0 when every check passes and 1 when any fails,
 * printing the name of each failed check.  With --expect-failure it exits 0 only when
 * CHECK is the one and only failing check, so the negative fixtures prove that each
 * check can fail on its own and that the others do not fire by accident.
 *
 * This is a plain program rather than a GTest: the brief for CI is "exit 1 with a
 * message naming the failed check", and a failing GTest assertion aborts instead.
 */

#define MIN_RUNTIME_VERSION 47

static const char * const allowed_finish_args[] = {
  "--share=network",
  "--share=ipc",
  "--socket=wayland",
  "--socket=fallback-x11",
  "--device=dri",
  "--talk-name=org.freedesktop.secrets",
};

typedef struct {
  const char *manifest_dir;
  JsonObject *root;
} Context;

typedef gboolean (*CheckFunc) (Context *ctx, GString *why);

static const char *
member_string (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonArray *
member_array (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

static void
append_problem (GString *why, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
append_problem (GString *why, const char *fmt, ...)
{
  va_list args;

  if (why->len > 0)
    g_string_append (why, "; ");
  va_start (args, fmt);
  g_string_append_vprintf (why, fmt, args);
  va_end (args);
}

static gboolean
expect_string (JsonObject *obj, const char *name, const char *expected, GString *why)
{
  const char *value = member_string (obj, name);

  if (value == NULL)
    {
      append_problem (why, "\"%s\" is missing or not a string", name);
      return FALSE;
    }
  if (g_strcmp0 (value, expected) != 0)
    {
      append_problem (why, "\"%s\" is \"%s\", expected \"%s\"", name, value, expected);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_app_id (Context *ctx, GString *why)
{
  return expect_string (ctx->root, "app-id", APP_ID, why);
}

static gboolean
check_command (Context *ctx, GString *why)
{
  return expect_string (ctx->root, "command", "taskbench", why);
}

static gboolean
check_runtime (Context *ctx, GString *why)
{
  return expect_string (ctx->root, "runtime", "org.gnome.Platform", why);
}

static gboolean
check_runtime_version (Context *ctx, GString *why)
{
  const char *value = member_string (ctx->root, "runtime-version");
  guint64 version = 0;
  g_autoptr(GError) error = NULL;

  if (value == NULL)
    {
      g_string_append (why, "\"runtime-version\" is missing or not a string");
      return FALSE;
    }
  /* A branch name such as "master" would build against a moving target, so only a
   * plain release number counts. */
  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT, &version, &error))
    {
      g_string_append_printf (why, "\"runtime-version\" \"%s\" is not a release number: %s",
                              value, error->message);
      return FALSE;
    }
  if (version < MIN_RUNTIME_VERSION)
    {
      g_string_append_printf (why, "\"runtime-version\" %s is older than %d",
                              value, MIN_RUNTIME_VERSION);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_sdk (Context *ctx, GString *why)
{
  return expect_string (ctx->root, "sdk", "org.gnome.Sdk", why);
}

static gboolean
check_finish_args (Context *ctx, GString *why)
{
  JsonArray *args = member_array (ctx->root, "finish-args");
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok = TRUE;

  if (args == NULL)
    {
      g_string_append (why, "\"finish-args\" is missing or not an array");
      return FALSE;
    }

  for (guint i = 0; i < json_array_get_length (args); i++)
    {
      JsonNode *node = json_array_get_element (args, i);
      const char *arg;
      gboolean allowed = FALSE;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        {
          append_problem (why, "finish-args[%u] is not a string", i);
          ok = FALSE;
          continue;
        }
      arg = json_node_get_string (node);
      for (gsize j = 0; j < G_N_ELEMENTS (allowed_finish_args); j++)
        if (strcmp (arg, allowed_finish_args[j]) == 0)
          allowed = TRUE;
      if (!allowed)
        {
          append_problem (why, "not allowed: %s", arg);
          ok = FALSE;
        }
      else if (!g_hash_table_add (seen, (gpointer) arg))
        {
          append_problem (why, "duplicate: %s", arg);
          ok = FALSE;
        }
    }

  for (gsize j = 0; j < G_N_ELEMENTS (allowed_finish_args); j++)
    if (!g_hash_table_contains (seen, allowed_finish_args[j]))
      {
        append_problem (why, "missing: %s", allowed_finish_args[j]);
        ok = FALSE;
      }

  return ok;
}

static gboolean
is_lower_hex_sha256 (const char *s)
{
  if (s == NULL || strlen (s) != 64)
    return FALSE;
  for (; *s != '\0'; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
      return FALSE;
  return TRUE;
}

/* Walks nested modules too: a download hidden one level down is just as unpinned. */
static gboolean
check_module_sources (JsonArray *modules, const char *where, GString *why)
{
  gboolean ok = TRUE;

  for (guint i = 0; i < json_array_get_length (modules); i++)
    {
      JsonNode *mnode = json_array_get_element (modules, i);
      JsonObject *module;
      JsonArray *sources;
      JsonArray *children;
      const char *mname;

      if (!JSON_NODE_HOLDS_OBJECT (mnode))
        {
          /* A module given as a file name hides its sources from this check. */
          append_problem (why, "%s[%u] is not an inline module object", where, i);
          ok = FALSE;
          continue;
        }
      module = json_node_get_object (mnode);
      mname = member_string (module, "name");
      if (mname == NULL)
        mname = "(unnamed)";

      sources = member_array (module, "sources");
      for (guint k = 0; sources != NULL && k < json_array_get_length (sources); k++)
        {
          JsonNode *snode = json_array_get_element (sources, k);
          JsonObject *source;
          const char *type;
          const char *url;
          const char *sha256;

          if (!JSON_NODE_HOLDS_OBJECT (snode))
            {
              append_problem (why, "module %s: source %u is not an inline object", mname, k);
              ok = FALSE;
              continue;
            }
          source = json_node_get_object (snode);
          type = member_string (source, "type");
          if (g_strcmp0 (type, "archive") != 0 && g_strcmp0 (type, "file") != 0)
            continue;

          url = member_string (source, "url");
          sha256 = member_string (source, "sha256");
          if (url == NULL || !g_str_has_prefix (url, "https://"))
            {
              append_problem (why, "module %s: %s source %u has no https url (%s)",
                              mname, type, k, url != NULL ? url : "none");
              ok = FALSE;
            }
          if (!is_lower_hex_sha256 (sha256))
            {
              append_problem (why, "module %s: %s source %u has no valid sha256 (%s)",
                              mname, type, k, sha256 != NULL ? sha256 : "none");
              ok = FALSE;
            }
        }

      children = member_array (module, "modules");
      if (children != NULL)
        {
          g_autofree char *inner = g_strdup_printf ("%s.modules", mname);

          if (!check_module_sources (children, inner, why))
            ok = FALSE;
        }
    }

  return ok;
}

static gboolean
check_sources (Context *ctx, GString *why)
{
  JsonArray *modules = member_array (ctx->root, "modules");

  if (modules == NULL || json_array_get_length (modules) == 0)
    {
      g_string_append (why, "\"modules\" is missing, empty or not an array");
      return FALSE;
    }
  return check_module_sources (modules, "modules", why);
}

static gboolean
check_last_module (Context *ctx, GString *why)
{
  JsonArray *modules = member_array (ctx->root, "modules");
  JsonNode *last;
  JsonObject *module;
  JsonArray *sources;
  gboolean ok = TRUE;
  gboolean has_dir = FALSE;

  if (modules == NULL || json_array_get_length (modules) == 0)
    {
      g_string_append (why, "\"modules\" is missing, empty or not an array");
      return FALSE;
    }
  last = json_array_get_element (modules, json_array_get_length (modules) - 1);
  if (!JSON_NODE_HOLDS_OBJECT (last))
    {
      g_string_append (why, "the last module is not an inline object");
      return FALSE;
    }
  module = json_node_get_object (last);

  if (!expect_string (module, "name", "taskbench", why))
    ok = FALSE;
  if (!expect_string (module, "buildsystem", "meson", why))
    ok = FALSE;

  sources = member_array (module, "sources");
  for (guint k = 0; sources != NULL && k < json_array_get_length (sources); k++)
    {
      JsonNode *snode = json_array_get_element (sources, k);
      JsonObject *source;
      const char *path;
      g_autofree char *meson_build = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (snode))
        continue;
      source = json_node_get_object (snode);
      if (g_strcmp0 (member_string (source, "type"), "dir") != 0)
        continue;
      has_dir = TRUE;

      /* The dir source is resolved against the manifest's folder by flatpak-builder; it
       * has to land on a meson project or the build has nothing to configure. */
      path = member_string (source, "path");
      if (path == NULL)
        {
          append_problem (why, "the taskbench dir source has no path");
          ok = FALSE;
          continue;
        }
      meson_build = g_build_filename (ctx->manifest_dir, path, "meson.build", NULL);
      if (!g_file_test (meson_build, G_FILE_TEST_IS_REGULAR))
        {
          append_problem (why, "the taskbench dir source \"%s\" has no meson.build (%s)",
                          path, meson_build);
          ok = FALSE;
        }
    }
  if (!has_dir)
    {
      append_problem (why, "the taskbench module has no \"dir\" source");
      ok = FALSE;
    }

  return ok;
}

static const struct {
  const char *name;
  CheckFunc func;
} checks[] = {
  { "app-id", check_app_id },
  { "command", check_command },
  { "runtime", check_runtime },
  { "runtime-version", check_runtime_version },
  { "sdk", check_sdk },
  { "finish-args", check_finish_args },
  { "sources", check_sources },
  { "last-module", check_last_module },
};

static gboolean
is_check_name (const char *name)
{
  if (g_strcmp0 (name, "json") == 0)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (checks); i++)
    if (g_strcmp0 (name, checks[i].name) == 0)
      return TRUE;
  return FALSE;
}

/* Returns the names of the failed checks; prints one line per check. */
static GPtrArray *
run_checks (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) failed = g_ptr_array_new ();
  g_autofree char *manifest_dir = NULL;
  JsonNode *root;
  Context ctx;

  if (!json_parser_load_from_file (parser, path, &error))
    {
      g_printerr ("FAIL json: %s\n", error->message);
      g_ptr_array_add (failed, (gpointer) "json");
      return g_steal_pointer (&failed);
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_printerr ("FAIL json: %s: the top level is not an object\n", path);
      g_ptr_array_add (failed, (gpointer) "json");
      return g_steal_pointer (&failed);
    }
  g_print ("ok   json\n");

  manifest_dir = g_path_get_dirname (path);
  ctx.manifest_dir = manifest_dir;
  ctx.root = json_node_get_object (root);

  for (gsize i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      g_autoptr(GString) why = g_string_new (NULL);

      if (checks[i].func (&ctx, why))
        {
          g_print ("ok   %s\n", checks[i].name);
        }
      else
        {
          g_printerr ("FAIL %s: %s\n", checks[i].name, why->str);
          g_ptr_array_add (failed, (gpointer) checks[i].name);
        }
    }

  return g_steal_pointer (&failed);
}

int
main (int argc, char **argv)
{
  g_autofree char *expect_failure = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GPtrArray) failed = NULL;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "expect-failure", 0, 0, G_OPTION_ARG_STRING, &expect_failure,
      "Succeed only if CHECK is the one check that fails", "CHECK" },
    { NULL }
  };

  context = g_option_context_new ("MANIFEST - check the TaskBench Flatpak manifest");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (argc != 2)
    {
      g_printerr ("usage: %s [--expect-failure CHECK] MANIFEST\n", g_get_prgname ());
      return 2;
    }
  if (expect_failure != NULL && !is_check_name (expect_failure))
    {
      g_printerr ("unknown check name: %s\n", expect_failure);
      return 2;
    }

  failed = run_checks (argv[1]);

  if (expect_failure == NULL)
    {
      if (failed->len == 0)
        {
          g_print ("%s: all checks passed\n", argv[1]);
          return EXIT_SUCCESS;
        }
      g_printerr ("%s: %u check(s) failed\n", argv[1], failed->len);
      return EXIT_FAILURE;
    }

  if (failed->len == 1 && g_strcmp0 (g_ptr_array_index (failed, 0), expect_failure) == 0)
    {
      g_print ("%s: check %s failed as expected\n", argv[1], expect_failure);
      return EXIT_SUCCESS;
    }
  g_printerr ("%s: expected exactly check %s to fail, but %u check(s) failed\n",
              argv[1], expect_failure, failed->len);
  return EXIT_FAILURE;
}
