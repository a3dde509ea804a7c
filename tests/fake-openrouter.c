/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fake-openrouter"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <glib-unix.h>

#include "fake-server.h"

/* A fake OpenRouter for the benchmark and for trying the app without a key:
 *   fake-openrouter [--script FILE] [--latency MS]
 * prints its base URL on one line and serves until SIGTERM or SIGINT. */

static gboolean
on_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *script = NULL;
  gint latency_ms = 0;
  GOptionEntry entries[] = {
    { "script", 0, 0, G_OPTION_ARG_FILENAME, &script,
      "Behaviour of models and catalog (JSON)", "FILE" },
    { "latency", 0, 0, G_OPTION_ARG_INT, &latency_ms,
      "Latency of unscripted models in milliseconds", "MS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- a fake OpenRouter server");
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  FakeServer *server;
  guint term_id, int_id;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("fake-openrouter: %s\n", error->message);
      return 2;
    }
  if (latency_ms < 0)
    {
      g_printerr ("fake-openrouter: --latency must not be negative\n");
      return 2;
    }

  loop = g_main_loop_new (NULL, FALSE);
  server = fake_server_new ();
  if (script != NULL && !fake_server_load_script (server, script, &error))
    {
      g_printerr ("fake-openrouter: %s\n", error->message);
      fake_server_free (server);
      return 2;
    }
  if (latency_ms > 0)
    fake_server_set_default_latency (server, (guint) latency_ms);

  term_id = g_unix_signal_add (SIGTERM, on_signal, loop);
  int_id = g_unix_signal_add (SIGINT, on_signal, loop);

  printf ("%s\n", fake_server_get_url (server));
  fflush (stdout);

  g_main_loop_run (loop);

  g_source_remove (term_id);
  g_source_remove (int_id);
  fake_server_free (server);
  return 0;
}
