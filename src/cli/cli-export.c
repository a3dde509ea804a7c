/* SPDX-License-Identifier: GPL-3.0-or-later */
/* export: a report of one run, rendered by the core (tb-export.h) exactly as the window's
 * Export… renders it. */
#define G_LOG_DOMAIN "taskbench-cli"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cli.h"

/* The report's bytes as they are: a report is a file, whatever the terminal's charset. */
static gboolean
write_stdout (const char  *text,
              gsize        length,
              GError     **error)
{
  if (fwrite (text, 1, length, stdout) != length || fflush (stdout) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not write the report: %s"), g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

int
cli_cmd_export (CliContext  *cli,
                int          argc,
                char       **argv)
{
  g_autofree char *format_name = NULL;
  g_autofree char *output = NULL;
  GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      N_("html (the default: one self-contained file), md, csv or json"), "FORMAT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      N_("Write the report to FILE (atomically) instead of stdout"), "FILE" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRunData) data = NULL;
  g_autofree char *text = NULL;
  TbExportFormat format = TB_EXPORT_HTML;
  int code = EXIT_OK;
  gsize length;

  if (!cli_parse_options ("export", "RUN", _("A report of a run: HTML (one file that opens "
                          "offline), Markdown for an issue, CSV of every score, or the JSON of "
                          "'show --json'."), entries, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli export RUN [--format html|md|csv|json] "
                              "[-o FILE]"));
  if (format_name != NULL && !tb_export_format_from_string (format_name, &format, &error))
    return cli_fail (error);
  if (output != NULL && *output == '\0')
    return cli_usage_error (_("--output needs a file name"));

  data = tb_store_load_run_data (cli->store, argv[1], &error);
  if (data == NULL)
    return cli_fail (error);
  text = tb_export_render (data, format, tb_verdict_inputs_per_month (data->run), &error);
  if (text == NULL)
    return cli_fail (error);
  length = strlen (text);

  if (output != NULL)
    {
      if (!tb_write_file_atomic (output, text, length, &error))
        return cli_fail (error);
      if (cli->json)
        {
          g_autoptr(JsonBuilder) builder = json_builder_new ();
          g_autoptr(JsonNode) root = NULL;

          json_builder_begin_object (builder);
          tb_json_add_string (builder, "run", data->run->id);
          tb_json_add_string (builder, "format", tb_export_format_to_string (format));
          tb_json_add_string (builder, "file", output);
          tb_json_add_int (builder, "bytes", length);
          json_builder_end_object (builder);
          root = json_builder_get_root (builder);
          cli_print_json (root);
        }
      else
        g_printerr (_("Wrote the %s report of run %s to %s\n"),
                    tb_export_format_to_string (format), data->run->id, output);
      return EXIT_OK;
    }

  /* With --json, stdout holds one JSON document: the JSON report is one already; any
   * other format travels inside one. */
  if (cli->json && format != TB_EXPORT_JSON)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      tb_json_add_string (builder, "run", data->run->id);
      tb_json_add_string (builder, "format", tb_export_format_to_string (format));
      tb_json_add_string (builder, "content", text);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      cli_print_json (root);
      return EXIT_OK;
    }
  if (!write_stdout (text, length, &error))
    return cli_fail (error);
  return EXIT_OK;
}
