/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Benchmark: the forecast of a run on one large input (default 5 MB) — what every run,
 * dry run and the window's Run page compute before the first call. Five candidates, two of
 * them with contexts small enough to take the input in parts, and a judge. Target: the
 * median under 100 ms. */
#define G_LOG_DOMAIN "tb-bench"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bench-util.h"
#include "tb-core.h"

#define TARGET_MS 100.0

static int opt_mb = 5;
static int opt_repeat = 9;

static GOptionEntry entries[] = {
  { "mb", 0, 0, G_OPTION_ARG_INT, &opt_mb, "Size of the input in MB", "MB" },
  { "repeat", 'r', 0, G_OPTION_ARG_INT, &opt_repeat, "Forecasts to make (median)", "N" },
  { NULL }
};

static const char catalog_json[] =
  "{\"data\": ["
  "{\"id\": \"big/one\", \"context_length\": 2000000,"
  " \"pricing\": {\"prompt\": \"0.0000003\", \"completion\": \"0.0000025\"}},"
  "{\"id\": \"big/two\", \"context_length\": 1048576,"
  " \"pricing\": {\"prompt\": \"0.000002\", \"completion\": \"0.000008\"}},"
  "{\"id\": \"mid/three\", \"context_length\": 131072,"
  " \"pricing\": {\"prompt\": \"0.0000005\", \"completion\": \"0.0000015\"}},"
  "{\"id\": \"small/four\", \"context_length\": 32768,"
  " \"pricing\": {\"prompt\": \"0.0000001\", \"completion\": \"0.0000004\"}},"
  "{\"id\": \"small/five\", \"context_length\": 16384,"
  " \"top_provider\": {\"max_completion_tokens\": 4096},"
  " \"pricing\": {\"prompt\": \"0.0000002\", \"completion\": \"0.0000006\"}},"
  "{\"id\": \"judge/six\", \"context_length\": 200000,"
  " \"pricing\": {\"prompt\": \"0.000003\", \"completion\": \"0.000015\"}}"
  "]}";

static const char usecase_yaml[] =
  "name: Bench\n"
  "goal: Split the transcript into chapters.\n"
  "output:\n"
  "  format: json\n"
  "  schema: {type: array, items: {type: object, required: [title], "
  "properties: {title: {type: string}}}}\n"
  "judge:\n"
  "  criteria:\n"
  "    - {name: accuracy, weight: 3}\n"
  "    - {name: coverage, weight: 2}\n";

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- time the forecast of a run");
  g_autoptr(GError) error = NULL;
  g_autoptr(TbCatalog) catalog = NULL;
  g_autoptr(TbUsecase) usecase = NULL;
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                tb_test_input_free);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree gint64 *times = NULL;
  const char *models[] = { "big/one", "big/two", "mid/three", "small/four", "small/five",
                           NULL };
  const char *judges[] = { "judge/six", NULL };
  TbForecastRequest request = { 0 };
  guint calls = 0;
  double median_ms;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || opt_mb < 1 || opt_repeat < 1)
    {
      g_printerr ("bench-forecast: %s\n", error != NULL ? error->message
                                                        : "--mb and --repeat must be >= 1");
      return 2;
    }

  catalog = tb_catalog_parse (catalog_json, -1, &error);
  usecase = tb_usecase_parse ("bench", usecase_yaml, -1, "bench.yaml", &error);
  if (catalog == NULL || usecase == NULL)
    {
      g_printerr ("bench-forecast: %s\n", error->message);
      return 1;
    }
  for (guint line = 0; text->len < (gsize) opt_mb * 1000 * 1000; line++)
    g_string_append_printf (text, "[%02u:%02u:%02u] Line %u: the lecturer moves on to the next "
                            "point and gives an example of it.\n",
                            line / 3600 % 100, line / 60 % 60, line % 60, line);
  g_ptr_array_add (inputs, tb_test_input_new ("lecture", "lecture.txt", text->str, text->len));

  request.usecase = usecase;
  request.inputs = inputs;
  request.models = models;
  request.repeat = 1;
  request.judges = judges;
  request.catalog = catalog;

  times = g_new (gint64, opt_repeat);
  for (int i = 0; i < opt_repeat; i++)
    {
      gint64 start = bench_monotonic_us ();
      g_autoptr(TbForecast) forecast = tb_forecast_new (&request);

      times[i] = bench_monotonic_us () - start;
      calls = forecast->calls;
      if (i == 0)
        for (guint m = 0; m < forecast->models->len; m++)
          {
            TbForecastLine *line = g_ptr_array_index (forecast->models, m);

            g_print ("  %-12s %4u call%s%s\n", line->model, line->calls,
                     line->calls == 1 ? "" : "s",
                     line->problem != NULL ? "  (does not fit)" : "");
          }
    }
  median_ms = bench_median (times, opt_repeat) / 1000.0;

  g_print ("input          %d MB, %u forecast calls\n", opt_mb, calls);
  g_print ("forecast       median %.1f ms over %d\n", median_ms, opt_repeat);
  g_print ("time   %s  (median <= %.0f ms)\n", median_ms <= TARGET_MS ? "PASS" : "FAIL",
           TARGET_MS);
  return 0;
}
