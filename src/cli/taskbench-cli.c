/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "taskbench-cli"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---------------------------------------------------------------------------------------- */
/* Shared helpers                                                                            */

/* With --json, stdout carries exactly one document, failures included. */
static gboolean json_mode;

/* With --demo, the simulated provider, started by the first command that needs a client and
 * stopped when the command is done. */
static gboolean demo_mode;
static TbDemoServer *demo_server;

/* `member` (nullable) is a boolean set beside "error" in the JSON document. */
static int
report_error_with (const char *message,
                   int         code,
                   const char *member,
                   gboolean    value)
{
  if (json_mode)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      if (member != NULL)
        tb_json_add_bool (builder, member, value);
      json_builder_set_member_name (builder, "error");
      json_builder_begin_object (builder);
      tb_json_add_string (builder, "message", message);
      tb_json_add_int (builder, "exit_code", code);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      cli_print_json (root);
    }
  g_printerr ("taskbench-cli: %s\n", message);
  return code;
}

static int
report_error (const char *message,
              int         code)
{
  return report_error_with (message, code, NULL, FALSE);
}

int
cli_fail_with (const GError *error,
               const char   *member,
               gboolean      value)
{
  int code = EXIT_FAILURE_;

  if ((error->domain == TB_ERROR
       && (error->code == TB_ERROR_INVALID || error->code == TB_ERROR_NOT_FOUND))
      || error->domain == G_OPTION_ERROR)
    code = EXIT_USAGE;
  return report_error_with (error->message, code, member, value);
}

int
cli_fail (const GError *error)
{
  return cli_fail_with (error, NULL, FALSE);
}

int
cli_usage_error (const char *format,
                 ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  return report_error (message, EXIT_USAGE);
}

int
cli_failure (const char *format,
             ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  return report_error (message, EXIT_FAILURE_);
}

void
cli_warn (const char *format,
          ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr (_("warning: %s\n"), message);
}

char *
cli_fit (const char *text,
         int         width)
{
  glong length = g_utf8_strlen (text, -1);
  GString *fitted;

  if (length > width && width > 1)
    {
      glong head = (width - 1) / 2, tail = width - 1 - head;
      const char *tail_start = g_utf8_offset_to_pointer (text, length - tail);

      fitted = g_string_new_len (text, g_utf8_offset_to_pointer (text, head) - text);
      g_string_append (fitted, "…");
      g_string_append (fitted, tail_start);
      return g_string_free (fitted, FALSE);
    }
  fitted = g_string_new (text);
  for (glong i = length; i < width; i++)
    g_string_append_c (fitted, ' ');
  return g_string_free (fitted, FALSE);
}

char *
cli_pad (const char *text,
         int         width)
{
  gboolean left = width < 0;
  glong missing = ABS (width) - g_utf8_strlen (text, -1);
  GString *padded = g_string_new (NULL);

  if (!left)
    for (glong i = 0; i < missing; i++)
      g_string_append_c (padded, ' ');
  g_string_append (padded, text);
  if (left)
    for (glong i = 0; i < missing; i++)
      g_string_append_c (padded, ' ');
  return g_string_free (padded, FALSE);
}

static char *
titles_valist (const char *format,
               va_list     args)
{
  GString *line = g_string_new (NULL);

  for (const char *p = format; *p != '\0'; p++)
    {
      int width = 0;
      gboolean left = FALSE;
      g_autofree char *cell = NULL;

      if (*p != '%')
        {
          g_string_append_c (line, *p);
          continue;
        }
      if (*++p == '-')
        left = TRUE, p++;
      if (*p == '*')
        width = va_arg (args, int), p++;
      else
        while (g_ascii_isdigit (*p))
          width = width * 10 + (*p++ - '0');
      g_assert (*p == 's');
      cell = cli_pad (va_arg (args, const char *), left ? -width : width);
      g_string_append (line, cell);
    }
  return g_string_free (line, FALSE);
}

char *
cli_titles (const char *format,
            ...)
{
  va_list args;
  char *line;

  va_start (args, format);
  line = titles_valist (format, args);
  va_end (args);
  return line;
}

void
cli_print_titles (const char *format,
                  ...)
{
  va_list args;
  g_autofree char *line = NULL;

  va_start (args, format);
  line = titles_valist (format, args);
  va_end (args);
  g_print ("%s", line);
}

gboolean
cli_parse_options (const char    *command,
                   const char    *parameter,
                   const char    *summary,
                   GOptionEntry  *entries,
                   int           *argc,
                   char        ***argv,
                   int           *exit_code)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *program = g_strdup_printf ("taskbench-cli %s", command);

  /* The usage line reads "taskbench-cli run [OPTION…] ID", as the top-level help does. */
  g_set_prgname (program);
  context = g_option_context_new (parameter);
  g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_strict_posix (context, FALSE);

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *exit_code = cli_usage_error ("%s: %s (see 'taskbench-cli %s --help')", command,
                                    error->message, command);
      return FALSE;
    }

  return TRUE;
}

void
cli_print_json (JsonNode *node)
{
  g_autofree char *text = tb_json_to_string (node, TRUE);

  /* JSON is UTF-8 (RFC 8259): the bytes as they are. g_print would recode them to the
   * locale's charset, and in the C locale every non-ASCII character would become '?'. */
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

TbUsecase *
cli_load_usecase (CliContext  *cli,
                  const char  *id,
                  GError     **error)
{
  g_autofree char *path = NULL;

  path = tb_home_usecase_path (cli->home, id);
  if (path == NULL)
    {
      g_set_error (error, TB_ERROR, TB_ERROR_INVALID,
                   _("'%s' is not a valid use case id: use lower-case letters, digits, '-' and "
                   "'_', starting with a letter or digit, at most 64 characters"), id);
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *dir = tb_home_usecases_dir (cli->home);

      g_set_error (error, TB_ERROR, TB_ERROR_NOT_FOUND,
                   _("No use case '%s' in %s (see 'taskbench-cli usecases')"), id, dir);
      return NULL;
    }

  return tb_usecase_load_file (path, error);
}

/* The simulated provider's client: no key is read or sent. */
static TbClient *
demo_client (int *exit_code)
{
  g_autoptr(GError) error = NULL;

  if (demo_server == NULL)
    demo_server = tb_demo_server_start (&error);
  if (demo_server == NULL)
    {
      *exit_code = cli_fail (error);
      return NULL;
    }
  return tb_client_new (tb_demo_server_get_url (demo_server), NULL, 0);
}

TbClient *
cli_make_client (int *exit_code)
{
  g_autoptr(TbClient) client = demo_mode ? demo_client (exit_code) : tb_client_new_from_env ();

  if (client == NULL)
    return NULL;

  /* OpenRouter needs a key; a local server usually does not. */
  if (!tb_client_needs_api_key (client))
    return g_steal_pointer (&client);

  *exit_code = cli_usage_error (_("OPENROUTER_API_KEY is not set. Get a key at "
                                  "https://openrouter.ai/keys and run:\n"
                                  "  export OPENROUTER_API_KEY=sk-or-…\n"
                                  "or point TASKBENCH_BASE_URL at a local OpenAI-compatible "
                                  "server (e.g. http://localhost:11434/v1 for Ollama)."));
  return NULL;
}

static gboolean
sigint_cb (gpointer user_data)
{
  GCancellable *cancellable = user_data;

  if (!g_cancellable_is_cancelled (cancellable))
    {
      g_printerr (_("\nCancelling… (finished outputs are kept)\n"));
      g_cancellable_cancel (cancellable);
    }

  return G_SOURCE_CONTINUE;
}

void
cli_wait (gboolean     *done,
          GCancellable *cancellable)
{
  guint sigint_id = 0;
  guint sigterm_id = 0;

  if (cancellable != NULL)
    {
      sigint_id = g_unix_signal_add (SIGINT, sigint_cb, cancellable);
      sigterm_id = g_unix_signal_add (SIGTERM, sigint_cb, cancellable);
    }

  while (!*done)
    g_main_context_iteration (NULL, TRUE);

  g_clear_handle_id (&sigint_id, g_source_remove);
  g_clear_handle_id (&sigterm_id, g_source_remove);
}

typedef struct {
  gboolean   done;
  TbCatalog *catalog;
  char      *warning;
  GError    *error;
} CatalogWait;

static void
catalog_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  CatalogWait *wait = user_data;

  wait->catalog = tb_catalog_load_finish (result, &wait->warning, &wait->error);
  wait->done = TRUE;
}

TbCatalog *
cli_load_catalog (TbClient  *client,
                  gboolean   refresh,
                  GError   **error)
{
  CatalogWait wait = { 0 };

  tb_catalog_load_async (client, refresh, NULL, catalog_loaded_cb, &wait);
  cli_wait (&wait.done, NULL);

  if (wait.warning != NULL)
    cli_warn ("%s", wait.warning);
  g_free (wait.warning);
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);

  return wait.catalog;
}

/* ---------------------------------------------------------------------------------------- */
/* Use cases and models                                                                      */

static int
cmd_usecases (CliContext  *cli,
              int          argc,
              char       **argv)
{
  g_autofree char *dir = tb_home_usecases_dir (cli->home);
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  int code = EXIT_OK;
  guint broken = 0;

  if (!cli_parse_options ("usecases", "", _("List the use cases and any broken files."),
                          NULL, &argc, &argv, &code))
    return code;
  if (argc > 1)
    return cli_usage_error (_("usecases takes no arguments"));

  entries = tb_usecase_list_dir (dir);
  json_builder_begin_array (builder);
  for (guint i = 0; i < entries->len; i++)
    {
      TbUsecaseEntry *entry = g_ptr_array_index (entries, i);

      if (cli->json)
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, entry->id);
          json_builder_set_member_name (builder, "path");
          json_builder_add_string_value (builder, entry->path);
          json_builder_set_member_name (builder, "valid");
          json_builder_add_boolean_value (builder, entry->usecase != NULL);
          json_builder_set_member_name (builder, "name");
          if (entry->usecase != NULL)
            json_builder_add_string_value (builder, entry->usecase->name);
          else
            json_builder_add_null_value (builder);
          json_builder_set_member_name (builder, "format");
          if (entry->usecase != NULL)
            json_builder_add_string_value (builder,
                                           tb_output_format_to_string (entry->usecase->output_format));
          else
            json_builder_add_null_value (builder);
          json_builder_set_member_name (builder, "error");
          if (entry->error != NULL)
            json_builder_add_string_value (builder, entry->error->message);
          else
            json_builder_add_null_value (builder);
          json_builder_end_object (builder);
        }
      else if (entry->usecase != NULL)
        g_print ("%-28s %-9s %s\n", entry->id,
                 tb_output_format_to_string (entry->usecase->output_format),
                 entry->usecase->name);
      else
        g_print ("%-28s %-9s %s\n", entry->id, "BROKEN", entry->error->message);

      if (entry->usecase == NULL)
        broken++;
    }
  json_builder_end_array (builder);

  if (cli->json)
    {
      g_autoptr(JsonNode) root = json_builder_get_root (builder);
      cli_print_json (root);
    }
  else if (entries->len == 0)
    g_printerr (_("No use cases in %s. Create one with 'taskbench-cli usecase new ID'.\n"), dir);
  else if (broken > 0)
    g_printerr (ngettext ("%u of %u use case file has errors.\n",
                          "%u of %u use case files have errors.\n", entries->len),
                broken, entries->len);

  return EXIT_OK;
}

static JsonNode *
usecase_to_json (const TbUsecase *usecase)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, usecase->id);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, usecase->path);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, usecase->name);
  json_builder_set_member_name (builder, "goal");
  json_builder_add_string_value (builder, usecase->goal);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, tb_output_format_to_string (usecase->output_format));
  json_builder_set_member_name (builder, "has_schema");
  json_builder_add_boolean_value (builder, usecase->output_schema != NULL);
  json_builder_set_member_name (builder, "judge_model");
  json_builder_add_string_value (builder, usecase->judge_model);
  json_builder_set_member_name (builder, "judge_models");
  json_builder_begin_array (builder);
  for (guint i = 0; usecase->judge_models != NULL && usecase->judge_models[i] != NULL; i++)
    json_builder_add_string_value (builder, usecase->judge_models[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "judge_mode");
  json_builder_add_string_value (builder, tb_judge_mode_to_string (usecase->judge_mode));
  json_builder_set_member_name (builder, "repeat");
  json_builder_add_int_value (builder, MAX (usecase->repeat, 1));
  json_builder_set_member_name (builder, "inputs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < usecase->inputs->len; i++)
    {
      TbUsecaseInput *input = g_ptr_array_index (usecase->inputs, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, input->path);
      json_builder_set_member_name (builder, "reference");
      json_builder_add_string_value (builder, input->reference);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "max_usd");
  if (usecase->has_max_usd)
    json_builder_add_double_value (builder, usecase->max_usd);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "inputs_per_month");
  json_builder_add_int_value (builder, usecase->inputs_per_month);
  json_builder_set_member_name (builder, "criteria");
  json_builder_begin_array (builder);
  for (guint i = 0; i < usecase->criteria->len; i++)
    {
      TbCriterion *criterion = g_ptr_array_index (usecase->criteria, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, criterion->name);
      json_builder_set_member_name (builder, "weight");
      json_builder_add_double_value (builder, criterion->weight);
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, criterion->description);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "candidates");
  json_builder_begin_array (builder);
  for (guint i = 0; usecase->candidates != NULL && usecase->candidates[i] != NULL; i++)
    json_builder_add_string_value (builder, usecase->candidates[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "cost");
  json_builder_add_string_value (builder, tb_cost_preference_to_string (usecase->cost));
  json_builder_set_member_name (builder, "min_context");
  json_builder_add_int_value (builder, usecase->min_context);
  json_builder_set_member_name (builder, "structured_output");
  json_builder_add_boolean_value (builder, usecase->structured_output);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static void
print_usecase (const TbUsecase *usecase)
{
  double total = tb_usecase_total_weight (usecase);

  g_print ("%s — %s\n", usecase->id, usecase->name);
  g_print ("file:       %s\n", usecase->path);
  g_print ("format:     %s%s\n", tb_output_format_to_string (usecase->output_format),
           usecase->output_schema != NULL ? _(" (with schema)") : "");
  if (usecase->judge_models != NULL && usecase->judge_models[0] != NULL)
    {
      g_autofree char *judges = g_strjoinv (", ", usecase->judge_models);

      g_print ("judge:      %s (%s)\n", judges, tb_judge_mode_to_string (usecase->judge_mode));
    }
  else
    g_print ("judge:      (GENERAL_TASK_LLM) (%s)\n",
             tb_judge_mode_to_string (usecase->judge_mode));
  if (usecase->repeat > 1)
    g_print ("repeat:     %u\n", usecase->repeat);
  if (usecase->has_max_usd || usecase->inputs_per_month > 0)
    {
      g_autofree char *cap = usecase->has_max_usd ? tb_format_usd (usecase->max_usd)
                                                  : g_strdup ("-");

      g_print ("budget:     max_usd %s, inputs_per_month %" G_GINT64_FORMAT "\n", cap,
               usecase->inputs_per_month);
    }
  g_print ("cost:       %s%s\n", tb_cost_preference_to_string (usecase->cost),
           usecase->structured_output ? _(", prefers structured output") : "");
  if (usecase->candidates != NULL)
    {
      g_autofree char *joined = g_strjoinv (", ", usecase->candidates);
      g_print ("candidates: %s\n", joined);
    }
  for (guint i = 0; i < usecase->inputs->len; i++)
    {
      TbUsecaseInput *input = g_ptr_array_index (usecase->inputs, i);

      g_print ("%s %s%s%s\n", i == 0 ? "inputs:    " : "           ", input->path,
               input->reference != NULL ? " · reference " : "",
               input->reference != NULL ? input->reference : "");
    }
  g_autofree char *goal = g_strstrip (g_strdup (usecase->goal));
  g_auto(GStrv) goal_lines = g_strsplit (goal, "\n", -1);
  g_autofree char *goal_indented = g_strjoinv ("\n  ", goal_lines);

  g_print ("\ngoal:\n  %s\n", goal_indented);
  g_print ("\nrubric:\n");
  for (guint i = 0; i < usecase->criteria->len; i++)
    {
      TbCriterion *criterion = g_ptr_array_index (usecase->criteria, i);
      g_autofree char *description = g_strstrip (g_strdup (criterion->description != NULL
                                                           ? criterion->description : ""));
      g_auto(GStrv) lines = g_strsplit (description, "\n", -1);
      /* continuation lines under the first, past the name and the weight */
      g_autofree char *indented = g_strjoinv ("\n                         ", lines);

      g_print ("  %-16s %3.0f%%  %s\n", criterion->name,
               total > 0 ? criterion->weight / total * 100 : 0, indented);
    }
}

static int
cmd_usecase_show (CliContext  *cli,
                  int          argc,
                  char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) usecase = NULL;
  int code = EXIT_OK;

  if (!cli_parse_options ("usecase show", "ID", _("Show one use case."), NULL, &argc, &argv,
                          &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli usecase show ID"));

  usecase = cli_load_usecase (cli, argv[1], &error);
  if (usecase == NULL)
    return cli_fail (error);

  if (cli->json)
    {
      g_autoptr(JsonNode) node = usecase_to_json (usecase);
      cli_print_json (node);
    }
  else
    print_usecase (usecase);

  return EXIT_OK;
}

static int
cmd_usecase_new (CliContext  *cli,
                 int          argc,
                 char       **argv)
{
  g_autofree char *from = NULL;
  GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_FILENAME, &from, N_("Start from this YAML file"), "FILE" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  const char *id;
  int code = EXIT_OK;

  if (!cli_parse_options ("usecase new", "ID", _("Create a use case from a commented template "
                          "(or from FILE)."), entries, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli usecase new ID [--from FILE]"));

  id = argv[1];
  if (from != NULL)
    {
      text = tb_read_regular_file (from, 1024 * 1024, NULL, &error);
      if (text == NULL)
        return cli_fail (error);
    }
  /* The file a copy is made from names itself in messages. */
  if (from != NULL && !tb_usecase_id_is_valid (id))
    return cli_usage_error (_("'%s' is not a valid use case id: use lower-case letters, "
                              "digits, '-' and '_', starting with a letter or digit, at most "
                              "64 characters"), id);
  if (from != NULL)
    {
      g_autoptr(TbUsecase) check = tb_usecase_parse (id, text, -1, from, &error);

      if (check == NULL)
        return cli_fail (error);
    }
  if (!tb_home_create_usecase (cli->home, id, text, &error))
    return cli_fail (error);
  path = tb_home_usecase_path (cli->home, id);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      tb_json_add_string (builder, "id", id);
      tb_json_add_string (builder, "path", path);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      cli_print_json (root);
    }
  else
    {
      g_print ("%s\n", path);
      g_printerr (_("Created %s: edit it, then check it with "
                  "'taskbench-cli usecase validate %s'.\n"), path, id);
    }

  return EXIT_OK;
}

static int
cmd_usecase_validate (CliContext  *cli,
                      int          argc,
                      char       **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) usecase = NULL;
  const char *target;
  int code = EXIT_OK;

  if (!cli_parse_options ("usecase validate", "ID|FILE", _("Check a use case file."), NULL,
                          &argc, &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli usecase validate ID|FILE"));

  target = argv[1];
  if (strchr (target, '/') != NULL || g_str_has_suffix (target, ".yaml")
      || g_str_has_suffix (target, ".yml"))
    {
      if (!g_file_test (target, G_FILE_TEST_EXISTS))
        return cli_usage_error (_("%s: no such file"), target);
      usecase = tb_usecase_load_file (target, &error);
    }
  else
    usecase = cli_load_usecase (cli, target, &error);

  /* An invalid use case is a failure like any other: with --json, {"error": {"message",
   * "exit_code"}} (and "valid": false beside it). */
  if (usecase == NULL)
    return cli_fail_with (error, "valid", FALSE);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "valid");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_set_member_name (builder, "error");
      json_builder_add_null_value (builder);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      cli_print_json (root);
      return EXIT_OK;
    }

  g_print (_("%s: valid (%s, %u criteria)\n"), usecase->path != NULL ? usecase->path : target,
           tb_output_format_to_string (usecase->output_format), usecase->criteria->len);
  return EXIT_OK;
}

static int
cmd_usecase (CliContext  *cli,
             int          argc,
             char       **argv)
{
  if (argc >= 2 && g_str_equal (argv[1], "show"))
    return cmd_usecase_show (cli, argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "new"))
    return cmd_usecase_new (cli, argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "validate"))
    return cmd_usecase_validate (cli, argc - 1, argv + 1);
  if (argc >= 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")))
    {
      g_print (_("Usage:\n"
               "  taskbench-cli usecase show ID\n"
               "  taskbench-cli usecase new ID [--from FILE]\n"
               "  taskbench-cli usecase validate ID|FILE\n"));
      return EXIT_OK;
    }

  return cli_usage_error (_("usage: taskbench-cli usecase show|new|validate …"));
}

static char *
per_million (double per_token)
{
  return g_strdup_printf ("$%.2f", per_token * 1e6);
}

static int
cmd_models (CliContext  *cli,
            int          argc,
            char       **argv)
{
  gboolean refresh = FALSE;
  GOptionEntry entries[] = {
    { "refresh", 0, 0, G_OPTION_ARG_NONE, &refresh, N_("Fetch the catalog even if cached"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  int code = EXIT_OK;

  if (!cli_parse_options ("models", "", _("The model catalog (cached for 24 hours)."), entries,
                          &argc, &argv, &code))
    return code;

  client = cli->demo ? cli_make_client (&code) : tb_client_new_from_env ();
  if (client == NULL)
    return code;
  catalog = cli_load_catalog (client, refresh, &error);
  if (catalog == NULL)
    return cli_fail (error);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < catalog->models->len; i++)
        {
          const TbModel *model = g_ptr_array_index (catalog->models, i);

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "id");
          json_builder_add_string_value (builder, model->id);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, model->name);
          json_builder_set_member_name (builder, "context_length");
          json_builder_add_int_value (builder, model->context_length);
          json_builder_set_member_name (builder, "price_prompt");
          json_builder_add_double_value (builder, model->price_prompt);
          json_builder_set_member_name (builder, "price_completion");
          json_builder_add_double_value (builder, model->price_completion);
          json_builder_set_member_name (builder, "structured_output");
          json_builder_add_boolean_value (builder, model->structured_output);
          json_builder_set_member_name (builder, "text_output");
          json_builder_add_boolean_value (builder, model->text_output);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      cli_print_json (root);
      return EXIT_OK;
    }

  /* Translators: the models' columns: context length, dollars per million tokens in and
   * out, whether the model takes a JSON schema. */
  cli_print_titles ("%-44s %9s %9s %9s  %s\n", _("MODEL"), _("CONTEXT"), _("IN $/M"),
                    _("OUT $/M"), _("STRUCTURED"));
  for (guint i = 0; i < catalog->models->len; i++)
    {
      const TbModel *model = g_ptr_array_index (catalog->models, i);
      g_autofree char *in = per_million (model->price_prompt);
      g_autofree char *out = per_million (model->price_completion);

      g_print ("%-44s %9" G_GINT64_FORMAT " %9s %9s  %s\n", model->id, model->context_length,
               in, out, model->json_schema ? "json_schema"
                        : model->structured_output ? "json" : "-");
    }
  if (cli->demo)
    g_printerr (ngettext ("%u simulated model, served by TaskBench's built-in simulated "
                          "provider\n",
                          "%u simulated models, served by TaskBench's built-in simulated "
                          "provider\n", catalog->models->len), catalog->models->len);
  else
    g_printerr ("%u models%s\n", catalog->models->len,
                catalog->from_cache ? _(" (from the cache)") : "");

  return EXIT_OK;
}

static int
cmd_recommend (CliContext  *cli,
               int          argc,
               char       **argv)
{
  g_autofree char *input_path = NULL;
  int count = 3;
  GOptionEntry entries[] = {
    { "input", 0, 0, G_OPTION_ARG_FILENAME, &input_path, N_("The input the models will get"),
      "FILE" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, N_("How many candidates (default 3)"), "N" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TbUsecase) usecase = NULL;
  g_autoptr(TbClient) client = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(GPtrArray) picks = NULL;
  g_autofree char *input = NULL;
  gsize input_length = 0;
  gint64 input_tokens = 2000;
  int code = EXIT_OK;

  if (!cli_parse_options ("recommend", "ID", _("Recommended candidate models, with the reason "
                          "for each."), entries, &argc, &argv, &code))
    return code;
  if (argc != 2)
    return cli_usage_error (_("usage: taskbench-cli recommend ID [--input FILE] [--count N]"));
  if (count < 1 || count > 50)
    return cli_usage_error (_("--count must be between 1 and 50"));

  usecase = cli_load_usecase (cli, argv[1], &error);
  if (usecase == NULL)
    return cli_fail (error);
  if (input_path != NULL)
    {
      input = tb_read_text_file (input_path, &input_length, &error);
      if (input == NULL)
        return cli_fail (error);
      input_tokens = tb_estimate_tokens (input, input_length);
    }

  client = cli->demo ? cli_make_client (&code) : tb_client_new_from_env ();
  if (client == NULL)
    return code;
  catalog = cli_load_catalog (client, FALSE, &error);
  if (catalog == NULL)
    return cli_fail (error);

  picks = tb_recommend (catalog, usecase, input_tokens, count);

  if (cli->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < picks->len; i++)
        {
          TbPick *pick = g_ptr_array_index (picks, i);
          double estimate = 0;

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "model");
          json_builder_add_string_value (builder, pick->model->id);
          json_builder_set_member_name (builder, "reason");
          json_builder_add_string_value (builder, pick->reason);
          json_builder_set_member_name (builder, "estimated_usd");
          /* recommendation never picks a model whose price is unknown */
          if (tb_model_estimate_cost (pick->model, input_tokens + 1500,
                                      CLAMP (input_tokens / 2, 1024, 16384), 0, &estimate))
            json_builder_add_double_value (builder, estimate);
          else
            json_builder_add_null_value (builder);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      cli_print_json (root);
      return EXIT_OK;
    }

  if (picks->len == 0)
    {
      g_printerr (_("No model in the catalog fits this use case and input.\n"));
      return EXIT_FAILURE_;
    }
  for (guint i = 0; i < picks->len; i++)
    {
      TbPick *pick = g_ptr_array_index (picks, i);

      g_print ("%u. %s\n   %s\n", i + 1, pick->model->id, pick->reason);
    }

  return EXIT_OK;
}

/* ---------------------------------------------------------------------------------------- */

static const CliCommand commands[] = {
  { "usecases", "usecases", N_("list the use cases (broken files too)"), cmd_usecases },
  { "usecase", "usecase show ID | new ID [--from FILE] | validate ID|FILE",
    N_("show, create or check a use case"), cmd_usecase },
  { "models", "models [--refresh]", N_("the model catalog (cached; refreshed from /models)"),
    cmd_models },
  { "recommend", "recommend ID [--input FILE] [--count N]",
    N_("recommended candidates, with the reason for each"), cmd_recommend },
  { "run", "run ID [--input FILE|DIR]… [--models A,B | --auto] [--judge] [--reference "
    "FILE|DIR] [--repeat N] [--max-cost USD] [--dry-run] [--yes]",
    N_("run the candidates (and the judge); prints the run id"), cli_cmd_run },
  { "runs", "runs ID", N_("runs of a use case: status, models, cost, best score"), cli_cmd_runs },
  { "show", "show RUN", N_("one run: the verdict, outputs, judges, costs, forecast and bill"),
    cli_cmd_show },
  { "judge", "judge RUN [--judge-model A,B] [--pairwise [--models A,B]] | judge --all ID "
    "[--max-cost USD] [--dry-run] [--yes]", N_("judge or re-judge (a jury, or pairwise)"),
    cli_cmd_judge },
  { "resume", "resume RUN [--max-cost USD] [--dry-run] [--yes]", N_("finish an interrupted or partial run"), cli_cmd_resume },
  { "costs", "costs [ID]", N_("per-run and per-use-case cost rollups"), cli_cmd_costs },
  { "summary", "summary ID",
    N_("per model across every judged run: mean with interval, cost per input, wins"),
    cli_cmd_summary },
  { "rate", "rate RUN --model M [--input KEY] --score 0-100 [--criterion NAME=0-10]…",
    N_("rate an output yourself: how well the judges agree with you"), cli_cmd_rate },
  { "account", "account", N_("the API key's limit, remaining credit and spending"),
    cli_cmd_account },
  { "export", "export RUN [--format html|md|csv|json] [-o FILE]",
    N_("a report of a run: one HTML file, Markdown, CSV of every score, or JSON"),
    cli_cmd_export },
};

static void
print_help (void)
{
  g_print (_("Usage: taskbench-cli [--home DIR] [--json] [--demo] COMMAND …\n\n"
           "Find the model for your task and what it costs: run several LLMs on a real\n"
           "input or a test set, let judges score them against the use case's rubric,\n"
           "compare.\n\n"
           "Commands:\n"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_print ("  %s\n      %s\n", commands[i].synopsis, _(commands[i].summary));
  g_print (_("\nOptions:\n"
           "  --home DIR   folder holding usecases/ and results/ (or TASKBENCH_HOME; default:\n"
           "               the current folder when it has usecases/, else\n"
           "               $XDG_DATA_HOME/taskbench)\n"
           "  --json       machine-readable output on stdout\n"
           "  --demo       try it without a key: simulated models on a built-in simulated\n"
           "               provider; runs are marked simulated and kept apart, in\n"
           "               $XDG_DATA_HOME/taskbench-demo unless --home or TASKBENCH_HOME\n"
           "  --version    print the version\n\n"
           "Environment: OPENROUTER_API_KEY, TASKBENCH_BASE_URL, GENERAL_TASK_LLM,\n"
           "TASKBENCH_MAX_CONCURRENCY, TASKBENCH_TIMEOUT, TASKBENCH_HOME.\n"
           "Exit status: 0 success, 1 failure, 2 bad usage or input.\n"
           "'taskbench-cli COMMAND --help' explains a command.\n"));
}

/* Text in the console's charset, as GLib's own printing writes it; but the C locale's
 * ASCII (no LANG set: containers, cron, ssh) is taken as UTF-8, as Python does since 3.7
 * (PEP 538): its terminals are UTF-8, and "88.0?90.9" for "88.0–90.9" helps nobody. */
static void
write_text (FILE       *stream,
            const char *text)
{
  const char *charset;

  if (g_get_console_charset (&charset) || g_ascii_strcasecmp (charset, "ANSI_X3.4-1968") == 0
      || g_ascii_strcasecmp (charset, "ASCII") == 0 || g_ascii_strcasecmp (charset, "US-ASCII") == 0)
    fputs (text, stream);
  else
    {
      g_autofree char *converted = g_convert_with_fallback (text, -1, charset, "UTF-8", "?",
                                                            NULL, NULL, NULL);

      fputs (converted != NULL ? converted : text, stream);
    }
}

/* g_print flushes every call: a 3,000-run table was 6,000 writes, a third of `costs ID`.
 * Standard output keeps stdio's buffering (by line on a terminal); what goes to standard
 * error first lets out what is waiting, so a shared pipe keeps the order. */
static void
print_buffered (const char *text)
{
  write_text (stdout, text);
}

static void
printerr_in_order (const char *text)
{
  fflush (stdout);
  write_text (stderr, text);
  fflush (stderr);
}

int
main (int    argc,
      char **argv)
{
  CliContext cli = { 0 };
  const char *explicit_home = NULL;
  int first = 1;
  int code;

  tb_init_i18n ();
  g_set_print_handler (print_buffered);
  g_set_printerr_handler (printerr_in_order);

  /* Known before anything can fail, wherever --json (or --demo) stands. */
  for (int a = 1; a < argc; a++)
    if (g_str_equal (argv[a], "--json"))
      json_mode = TRUE;
    else if (g_str_equal (argv[a], "--demo"))
      demo_mode = TRUE;
  cli.demo = demo_mode;

  while (first < argc && argv[first][0] == '-')
    {
      const char *arg = argv[first];

      if (g_str_equal (arg, "--json"))
        cli.json = TRUE;
      else if (g_str_equal (arg, "--demo"))
        ;
      else if (g_str_equal (arg, "--home") && first + 1 < argc)
        explicit_home = argv[++first];
      else if (g_str_has_prefix (arg, "--home="))
        explicit_home = arg + strlen ("--home=");
      else if (g_str_equal (arg, "--help") || g_str_equal (arg, "-h"))
        {
          print_help ();
          return EXIT_OK;
        }
      else if (g_str_equal (arg, "--version"))
        {
          g_print ("taskbench-cli %s\n", PACKAGE_VERSION);
          return EXIT_OK;
        }
      else
        return cli_usage_error (_("unknown option %s (see 'taskbench-cli --help')"), arg);
      first++;
    }

  if (first >= argc)
    {
      /* With --json, stdout carries the one document even here: the help goes to stderr. */
      if (json_mode)
        return cli_usage_error (_("no command given (see 'taskbench-cli --help')"));
      print_help ();
      return EXIT_USAGE;
    }

  /* Simulated runs have a home of their own, so that trying TaskBench out leaves a real
   * home (and a checkout's results/) as it was. */
  cli.home = demo_mode ? tb_home_resolve_demo (explicit_home) : tb_home_resolve (explicit_home);
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *from = NULL;

    if (!tb_home_check (cli.home, &error))
      {
        code = cli_fail (error);
        g_free (cli.home);
        return code;
      }
    if (tb_home_seed_examples (cli.home, &from, &error))
      g_printerr (_("A new TaskBench home: copied the example use cases from %s into "
                    "%s/usecases.\n"), from, cli.home);
    else if (error != NULL)
      cli_warn ("%s", error->message);
  }
  cli.store = tb_store_new (cli.home);
  cli.index = tb_index_new (cli.store);

  code = -1;
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[first], commands[i].name))
      {
        /* Global options may also follow the command name. */
        g_autoptr(GPtrArray) args = g_ptr_array_new ();

        for (int a = first; a < argc; a++)
          {
            if (a > first && g_str_equal (argv[a], "--json"))
              cli.json = TRUE;
            else if (a > first && g_str_equal (argv[a], "--demo"))
              ;
            else
              g_ptr_array_add (args, argv[a]);
          }
        g_ptr_array_add (args, NULL);
        code = commands[i].func (&cli, args->len - 1, (char **) args->pdata);
        break;
      }

  if (code == -1)
    code = cli_usage_error (_("unknown command '%s' (see 'taskbench-cli --help')"), argv[first]);

  g_clear_object (&cli.index);
  g_clear_object (&cli.store);
  g_free (cli.home);
  g_clear_pointer (&demo_server, tb_demo_server_stop);

  return code;
}
