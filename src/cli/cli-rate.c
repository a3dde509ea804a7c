/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rate: a person's score of one output, stored beside the judges' so that their agreement
 * with the user can be measured (DESIGN.md, "Judges": human calibration). */
#define G_LOG_DOMAIN "taskbench-cli"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "cli.h"

/* A whole number in `text`, finite; FALSE for anything else ("85%", "", "nan"). */
static gboolean
parse_number (const char *text,
              double     *value)
{
  char *end = NULL;

  if (text == NULL || *text == '\0')
    return FALSE;
  *value = g_ascii_strtod (text, &end);
  return end != NULL && *end == '\0' && isfinite (*value);
}

int
cli_cmd_rate (CliContext  *cli,
              int          argc,
              char       **argv)
{
  g_autofree char *model = NULL;
  g_autofree char *input = NULL;
  g_autofree char *score_arg = NULL;
  g_auto(GStrv) criteria = NULL;
  g_autofree char *rater = NULL;
  int repeat = 0;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_STRING, &model, N_("The model whose output is rated"), "M" },
    { "input", 0, 0, G_OPTION_ARG_STRING, &input,
      N_("The input's key (needed when the run has several)"), "KEY" },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &repeat,
      N_("One repeat (default: the model's answers on that input)"), "N" },
    { "score", 0, 0, G_OPTION_ARG_STRING, &score_arg, N_("Your score, 0–100"), "0-100" },
    { "criterion", 0, 0, G_OPTION_ARG_STRING_ARRAY, &criteria,
      N_("A criterion's score, 0–10 (repeatable)"), "NAME=0-10" },
    { "rater", 0, 0, G_OPTION_ARG_STRING, &rater, N_("Who rated (optional)"), "NAME" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TbRunData) data = NULL;
  g_autoptr(TbRating) rating = NULL;
  int code = EXIT_OK;

  if (!cli_parse_options ("rate", "RUN", _("Rate an output yourself, to see which judge agrees "
                          "with you."), entries, &argc, &argv, &code))
    return code;
  if (argc != 2 || model == NULL || score_arg == NULL)
    return cli_usage_error (_("usage: taskbench-cli rate RUN --model M [--input KEY] "
                              "[--repeat N] --score 0-100 [--criterion NAME=0-10]…"));
  if (repeat < 0)
    return cli_usage_error (_("--repeat must be 1 or more"));

  rating = tb_rating_new (model);
  rating->input = g_strdup (input);
  rating->repeat = (guint) repeat;
  rating->rater = g_strdup (rater);
  if (!parse_number (score_arg, &rating->score))
    return cli_usage_error (_("--score must be a number from 0 to 100, not '%s'"), score_arg);
  for (guint i = 0; criteria != NULL && criteria[i] != NULL; i++)
    {
      const char *equals = strchr (criteria[i], '=');
      g_autofree char *name = NULL;
      double value;

      if (equals == NULL || equals == criteria[i] || !parse_number (equals + 1, &value))
        return cli_usage_error (_("--criterion takes NAME=0-10, not '%s'"), criteria[i]);
      name = g_strndup (criteria[i], equals - criteria[i]);
      g_hash_table_replace (rating->criteria, g_steal_pointer (&name),
                            g_memdup2 (&value, sizeof value));
    }

  data = tb_store_load_run_data (cli->store, argv[1], &error);
  if (data == NULL)
    return cli_fail (error);
  if (!tb_rating_settle (rating, data, &error)
      || !tb_store_write_rating (cli->store, data->run, rating, &error))
    return cli_fail (error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      tb_json_add_string (builder, "run", data->run->id);
      tb_json_add_string (builder, "file", rating->file);
      tb_json_add_node (builder, "rating", tb_rating_to_json (rating));
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      cli_print_json (root);
    }
  else
    g_printerr (_("Rated %s on %s: %.1f (ratings/%s)\n"), rating->model, rating->input,
                rating->score, rating->file);
  return EXIT_OK;
}
