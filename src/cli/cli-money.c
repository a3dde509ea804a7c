/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Money before the call: the forecast printed before a run, the key's balance checked
 * against it, and `account`. */
#define G_LOG_DOMAIN "taskbench-cli"

#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>

#include "cli.h"

static char *
format_tokens (gint64 tokens)
{
  return g_strdup_printf ("%'" G_GINT64_FORMAT, tokens);
}

static void
print_line (FILE                 *out,
            const char           *role,
            const TbForecastLine *line)
{
  g_autofree char *prompt = format_tokens (line->prompt_tokens);
  g_autofree char *completion = format_tokens (line->completion_tokens);
  g_autofree char *usd = line->known ? tb_format_usd (line->usd) : g_strdup (_("unknown"));
  g_autofree char *name = g_strdup_printf ("%s%s", role, line->model);

  fprintf (out, "  %-44s %6u %11s %11s %10s", name, line->calls, prompt, completion, usd);
  if (line->parts > 1)
    fprintf (out, _("  (in %u parts)"), line->parts);
  fprintf (out, "\n");
  if (line->problem != NULL)
    fprintf (out, "    %s\n", line->problem);
}

void
cli_print_forecast (const TbForecast *forecast,
                    gboolean          to_stdout)
{
  FILE *out = to_stdout ? stdout : stderr;
  g_autofree char *total = tb_format_usd (forecast->total_usd);
  g_autofree char *titles = NULL;
  gboolean any_known = FALSE;

  for (guint i = 0; i < forecast->models->len; i++)
    any_known |= ((const TbForecastLine *) g_ptr_array_index (forecast->models, i))->known;
  for (guint i = 0; i < forecast->judges->len; i++)
    any_known |= ((const TbForecastLine *) g_ptr_array_index (forecast->judges, i))->known;

  if (!any_known && forecast->total_usd == 0 && forecast->unknown != NULL
      && forecast->unknown[0] != NULL)
    {
      g_autofree char *names = g_strjoinv (", ", forecast->unknown);

      /* Nothing priced: no dollar figure at all, not "$0.00 + unknown". */
      fprintf (out, ngettext ("Forecast: %u call, cost unknown (no price for %s)",
                              "Forecast: %u calls, cost unknown (no price for %s)",
                              forecast->calls), forecast->calls, names);
    }
  else
    {
      fprintf (out, ngettext ("Forecast: %u call, about %s", "Forecast: %u calls, about %s",
                              forecast->calls), forecast->calls, total);
      if (forecast->unknown != NULL && forecast->unknown[0] != NULL)
        {
          g_autofree char *names = g_strjoinv (", ", forecast->unknown);

          fprintf (out, _(" + unknown (no price for %s)"), names);
        }
    }
  titles = cli_titles ("\n  %-44s %6s %11s %11s %10s\n", _("MODEL"), _("CALLS"), _("PROMPT"),
                       _("COMPLETION"), "USD");
  fputs (titles, out);
  for (guint i = 0; i < forecast->models->len; i++)
    print_line (out, "", g_ptr_array_index (forecast->models, i));
  for (guint i = 0; i < forecast->judges->len; i++)
    print_line (out, _("judge "), g_ptr_array_index (forecast->judges, i));
  fflush (out);
}

typedef struct {
  gboolean    done;
  TbKeyInfo  *info;
  GError     *error;
} KeyWait;

static void
key_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  KeyWait *wait = user_data;

  wait->info = tb_client_key_finish (TB_CLIENT (source), result, &wait->error);
  wait->done = TRUE;
}

/* GET /key; NULL with `error` unset when the server has no such thing (404). */
static TbKeyInfo *
fetch_key (TbClient  *client,
           GError   **error)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  KeyWait wait = { 0 };

  tb_client_key_async (client, cancellable, key_cb, &wait);
  cli_wait (&wait.done, cancellable);
  if (wait.error != NULL && g_error_matches (wait.error, TB_HTTP_ERROR, 404))
    {
      g_clear_error (&wait.error);
      return NULL;
    }
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.info;
}

int
cli_check_balance (TbClient         *client,
                   const TbForecast *forecast,
                   gboolean          yes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbKeyInfo) info = NULL;
  g_autofree char *message = NULL;

  if (!tb_client_has_api_key (client))
    return EXIT_OK;
  info = fetch_key (client, &error);
  if (info == NULL)
    {
      if (error != NULL)
        cli_warn (_("Could not check the key's balance: %s"), error->message);
      return EXIT_OK;
    }
  if (tb_forecast_check_balance (forecast, info, &message))
    return EXIT_OK;
  if (yes)
    {
      cli_warn (_("%s; going ahead (--yes)"), message);
      return EXIT_OK;
    }
  return cli_usage_error (_("%s. Add credit, run fewer models or inputs, or pass --yes to run "
                            "anyway."), message);
}

static char *
optional_usd (gboolean known,
              double   usd)
{
  return known ? tb_format_usd (usd) : g_strdup (_("none"));
}

int
cli_cmd_account (CliContext  *cli,
                 int          argc,
                 char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbKeyInfo) info = NULL;
  int code = EXIT_OK;

  if (!cli_parse_options ("account", "", _("The API key's label, limit, remaining credit and "
                          "spending."), NULL, &argc, &argv, &code))
    return code;
  if (argc != 1)
    return cli_usage_error (_("usage: taskbench-cli account"));

  client = cli_make_client (&code);
  if (client == NULL)
    return code;
  info = fetch_key (client, &error);
  if (error != NULL)
    return cli_fail (error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      tb_json_add_string (builder, "base_url", tb_client_get_base_url (client));
      tb_json_add_bool (builder, "simulated", cli->demo);
      tb_json_add_bool (builder, "has_balance", info != NULL);
      if (info != NULL)
        {
          tb_json_add_string (builder, "label", info->label);
          tb_json_add_amount (builder, "limit", info->has_limit, info->limit);
          tb_json_add_amount (builder, "limit_remaining", info->has_limit_remaining,
                              info->limit_remaining);
          tb_json_add_string (builder, "limit_reset", info->limit_reset);
          tb_json_add_amount (builder, "usage", info->has_usage, info->usage);
          tb_json_add_amount (builder, "usage_daily", info->has_usage_daily, info->usage_daily);
          tb_json_add_amount (builder, "usage_monthly", info->has_usage_monthly,
                              info->usage_monthly);
          tb_json_add_bool (builder, "is_free_tier", info->is_free_tier);
        }
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      cli_print_json (root);
      return EXIT_OK;
    }

  if (cli->demo)
    g_print (_("Server:     TaskBench's simulated provider, in this process (%s)\n"),
             tb_client_get_base_url (client));
  else
    g_print (_("Server:     %s\n"), tb_client_get_base_url (client));
  if (info == NULL)
    {
      g_print (_("This server reports no balance (it has no /key).\n"));
      return EXIT_OK;
    }
  {
    g_autofree char *limit = optional_usd (info->has_limit, info->limit);
    g_autofree char *remaining = optional_usd (info->has_limit_remaining, info->limit_remaining);
    g_autofree char *usage = optional_usd (info->has_usage, info->usage);
    g_autofree char *daily = optional_usd (info->has_usage_daily, info->usage_daily);
    g_autofree char *monthly = optional_usd (info->has_usage_monthly, info->usage_monthly);

    g_print (_("Key:        %s\n"), info->label != NULL ? info->label : "-");
    g_print (_("Limit:      %s%s%s\n"), limit, info->limit_reset != NULL ? _(", resets ") : "",
             info->limit_reset != NULL ? info->limit_reset : "");
    g_print (_("Remaining:  %s\n"), info->has_limit_remaining ? remaining : _("no limit"));
    g_print (_("Spent:      %s in all, %s today, %s this month\n"), usage, daily, monthly);
    g_print (_("Free tier:  %s\n"), info->is_free_tier ? _("yes") : _("no"));
  }
  return EXIT_OK;
}
