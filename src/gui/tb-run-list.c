/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-run-list"

#include "config.h"

#include <string.h>

#include "tb-run-item.h"
#include "tb-run-list.h"

/* Events come in bursts (a run folder renamed into place, then its files): one reload for
 * the burst, soon enough to feel immediate. */
#define RELOAD_DELAY_MS 250

struct _TbRunList
{
  GObject       parent_instance;

  TbStore      *store;
  TbIndex      *index;
  char         *usecase_id;
  GListStore   *items;          /* TbRunItem* */
  GCancellable *cancellable;    /* of the load under way */
  gboolean      loading;
  gboolean      loaded;
  guint         reload_id;
  gboolean      reload_again;   /* files changed while a load was under way */

  GFileMonitor *results_monitor; /* results/: the use case's folder appears */
  GFileMonitor *folder_monitor; /* results/<usecase>/ */
  GHashTable   *run_monitors;   /* run id → GFileMonitor of a run under way */
};

G_DEFINE_FINAL_TYPE (TbRunList, tb_run_list, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_USECASE_ID,
  PROP_LOADING,
  PROP_LOADED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Loading, in a thread ------------------------------------------------------------------ */

typedef struct {
  TbIndex *index;
  char    *usecase_id;
} Load;

static void
load_free (Load *load)
{
  g_clear_object (&load->index);
  g_free (load->usecase_id);
  g_free (load);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Load *load = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) summaries = NULL;
  GPtrArray *items;

  /* The files changed since the index last looked, maybe within its moment of trust. Here,
   * not on the main loop: the index may be busy with another thread's long read. */
  tb_index_invalidate (load->index, load->usecase_id);
  summaries = tb_index_list_runs (load->index, load->usecase_id, &error);
  if (summaries == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The items are made here too: 3,000 of them are work the main loop need not do. */
  items = g_ptr_array_new_full (summaries->len, g_object_unref);
  for (guint i = 0; i < summaries->len; i++)
    g_ptr_array_add (items, tb_run_item_new (g_steal_pointer (&g_ptr_array_index (summaries,
                                                                                  i))));
  g_task_return_pointer (task, items, (GDestroyNotify) g_ptr_array_unref);
}

static void
set_loading (TbRunList *self,
             gboolean   loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
set_loaded (TbRunList *self,
            gboolean   loaded)
{
  if (self->loaded == loaded)
    return;
  self->loaded = loaded;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
}

static void
run_changed_cb (TbRunList *self)
{
  tb_run_list_queue_reload (self);
}

/* Runs under way write their run.json once more when they end: a monitor on each such
 * folder tells (the use case's folder only sees runs come and go). */
static void
follow_running_runs (TbRunList *self,
                     GPtrArray *items)
{
  g_autoptr(GHashTable) keep = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                      g_object_unref);

  for (guint i = 0; i < items->len; i++)
    {
      TbRunItem *item = g_ptr_array_index (items, i);
      const TbRunSummary *summary = tb_run_item_get_summary (item);
      GFileMonitor *monitor;

      if (summary->status != TB_RUN_RUNNING || summary->dir == NULL)
        continue;
      monitor = g_hash_table_lookup (self->run_monitors, summary->id);
      if (monitor != NULL)
        g_object_ref (monitor);
      else
        {
          g_autoptr(GFile) dir = g_file_new_for_path (summary->dir);

          monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
          if (monitor == NULL)
            continue;
          g_signal_connect_object (monitor, "changed", G_CALLBACK (run_changed_cb), self,
                                   G_CONNECT_SWAPPED);
        }
      g_hash_table_replace (keep, g_strdup (summary->id), monitor);
    }

  /* The monitors of runs that ended go with the old table. */
  g_hash_table_unref (self->run_monitors);
  self->run_monitors = g_hash_table_ref (keep);
}

/* Whether a run shows as it did: a reload then leaves its item (and its row) alone. */
static gboolean
same_run (TbRunItem          *item,
          const TbRunSummary *b)
{
  const TbRunSummary *a = tb_run_item_get_summary (item);

  return g_strcmp0 (a->id, b->id) == 0 && a->status == b->status
         && g_strcmp0 (a->stop_reason, b->stop_reason) == 0 && a->outputs_ok == b->outputs_ok
         && a->cells == b->cells && a->judgments == b->judgments
         && g_strcmp0 (a->latest_judgment, b->latest_judgment) == 0
         && a->has_best == b->has_best && a->best_score == b->best_score
         && g_strcmp0 (a->best_model, b->best_model) == 0
         && memcmp (&a->rollup, &b->rollup, sizeof a->rollup) == 0;
}

/* Replaces the items with `items`, changing only the stretch between the runs that stayed
 * as they were at the start and at the end: a run added on top is one insertion, not 3,000
 * rows bound again. */
static void
update_items (TbRunList *self,
              GPtrArray *items)
{
  GListModel *model = G_LIST_MODEL (self->items);
  guint n_old = g_list_model_get_n_items (model);
  guint n_new = items->len;
  guint head = 0, tail = 0;

  while (head < n_old && head < n_new)
    {
      g_autoptr(TbRunItem) old = g_list_model_get_item (model, head);

      if (!same_run (old, tb_run_item_get_summary (g_ptr_array_index (items, head))))
        break;
      head++;
    }
  while (tail < n_old - head && tail < n_new - head)
    {
      g_autoptr(TbRunItem) old = g_list_model_get_item (model, n_old - 1 - tail);
      TbRunItem *item = g_ptr_array_index (items, n_new - 1 - tail);

      if (!same_run (old, tb_run_item_get_summary (item)))
        break;
      tail++;
    }
  if (head == n_old && head == n_new)
    return;
  g_list_store_splice (self->items, head, n_old - head - tail, items->pdata + head,
                       n_new - head - tail);
}

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  TbRunList *self = TB_RUN_LIST (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = g_task_propagate_pointer (G_TASK (result), &error);

  /* A superseded load: a newer one is under way, or the list moved on. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_task_get_cancellable (G_TASK (result)) != self->cancellable)
    return;

  g_clear_object (&self->cancellable);
  set_loading (self, FALSE);
  if (items == NULL)
    {
      g_warning ("Could not list the runs of %s: %s", self->usecase_id, error->message);
      items = g_ptr_array_new ();
    }

  update_items (self, items);
  follow_running_runs (self, items);
  set_loaded (self, TRUE);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);

  if (self->reload_again)
    tb_run_list_queue_reload (self);
}

void
tb_run_list_reload (TbRunList *self)
{
  g_autoptr(GTask) task = NULL;
  Load *load;

  g_return_if_fail (TB_IS_RUN_LIST (self));

  g_clear_handle_id (&self->reload_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->reload_again = FALSE;
  if (self->usecase_id == NULL)
    {
      set_loading (self, FALSE);
      return;
    }

  self->cancellable = g_cancellable_new ();
  load = g_new0 (Load, 1);
  load->index = g_object_ref (self->index);
  load->usecase_id = g_strdup (self->usecase_id);
  task = g_task_new (self, self->cancellable, load_cb, NULL);
  g_task_set_source_tag (task, tb_run_list_reload);
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);
  set_loading (self, TRUE);
  g_task_run_in_thread (task, load_thread);
}

static gboolean
reload_timeout_cb (gpointer user_data)
{
  TbRunList *self = user_data;

  self->reload_id = 0;
  /* Changes keep coming while a run is written: a load under way lands first (else none
   * would), and another follows it. */
  if (self->loading)
    self->reload_again = TRUE;
  else
    tb_run_list_reload (self);
  return G_SOURCE_REMOVE;
}

void
tb_run_list_queue_reload (TbRunList *self)
{
  g_return_if_fail (TB_IS_RUN_LIST (self));

  /* A reload already queued takes this change too. */
  if (self->reload_id != 0 || self->usecase_id == NULL)
    return;
  self->reload_id = g_timeout_add (RELOAD_DELAY_MS, reload_timeout_cb, self);
}

static void
folder_changed_cb (TbRunList         *self,
                   GFile             *file,
                   GFile             *other,
                   GFileMonitorEvent  event)
{
  g_autofree char *name = g_file_get_basename (file);

  /* Runs are made in hidden folders and renamed into place. */
  if (name != NULL && name[0] == '.' && event != G_FILE_MONITOR_EVENT_RENAMED
      && event != G_FILE_MONITOR_EVENT_MOVED_OUT)
    return;
  tb_run_list_queue_reload (self);
}

static void
stop_watching (GFileMonitor **monitor,
               TbRunList     *self)
{
  if (*monitor == NULL)
    return;
  g_signal_handlers_disconnect_by_data (*monitor, self);
  g_file_monitor_cancel (*monitor);
  g_clear_object (monitor);
}

static GFileMonitor *
watch (TbRunList  *self,
       const char *path,
       GCallback   callback)
{
  g_autoptr(GFile) dir = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  GFileMonitor *monitor;

  /* A folder that does not exist yet is watched too (GIO looks for it now and then). */
  monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
  if (monitor == NULL)
    g_debug ("Not following %s: %s", path, error->message);
  else
    g_signal_connect_object (monitor, "changed", callback, self, G_CONNECT_SWAPPED);
  return monitor;
}

static void
watch_folder (TbRunList *self)
{
  g_autofree char *results = tb_store_results_dir (self->store);
  g_autofree char *path = g_build_filename (results, self->usecase_id, NULL);

  stop_watching (&self->folder_monitor, self);
  self->folder_monitor = watch (self, path, G_CALLBACK (folder_changed_cb));
}

/* The first run of a use case makes its folder: watch it from then on at once, rather than
 * when GIO next looks for the missing folder. */
static void
results_changed_cb (TbRunList         *self,
                    GFile             *file,
                    GFile             *other,
                    GFileMonitorEvent  event)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *other_name = other != NULL ? g_file_get_basename (other) : NULL;

  if (g_strcmp0 (name, self->usecase_id) != 0 && g_strcmp0 (other_name, self->usecase_id) != 0)
    return;
  if (event == G_FILE_MONITOR_EVENT_CREATED || event == G_FILE_MONITOR_EVENT_MOVED_IN
      || event == G_FILE_MONITOR_EVENT_RENAMED)
    watch_folder (self);
  tb_run_list_queue_reload (self);
}

void
tb_run_list_set_usecase (TbRunList  *self,
                         const char *usecase_id)
{
  g_return_if_fail (TB_IS_RUN_LIST (self));

  if (g_strcmp0 (usecase_id, self->usecase_id) == 0)
    return;

  g_free (self->usecase_id);
  self->usecase_id = g_strdup (usecase_id);
  g_clear_handle_id (&self->reload_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->reload_again = FALSE;
  stop_watching (&self->results_monitor, self);
  stop_watching (&self->folder_monitor, self);
  g_hash_table_remove_all (self->run_monitors);
  g_list_store_remove_all (self->items);
  set_loaded (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USECASE_ID]);

  if (usecase_id != NULL)
    {
      g_autofree char *results = tb_store_results_dir (self->store);

      self->results_monitor = watch (self, results, G_CALLBACK (results_changed_cb));
      watch_folder (self);
    }
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  tb_run_list_reload (self);
}

const char *
tb_run_list_get_usecase (TbRunList *self)
{
  g_return_val_if_fail (TB_IS_RUN_LIST (self), NULL);
  return self->usecase_id;
}

GListModel *
tb_run_list_get_model (TbRunList *self)
{
  g_return_val_if_fail (TB_IS_RUN_LIST (self), NULL);
  return G_LIST_MODEL (self->items);
}

gboolean
tb_run_list_get_loading (TbRunList *self)
{
  g_return_val_if_fail (TB_IS_RUN_LIST (self), FALSE);
  return self->loading;
}

gboolean
tb_run_list_get_loaded (TbRunList *self)
{
  g_return_val_if_fail (TB_IS_RUN_LIST (self), FALSE);
  return self->loaded;
}

/* The object ----------------------------------------------------------------------------- */

static void
tb_run_list_dispose (GObject *object)
{
  TbRunList *self = TB_RUN_LIST (object);

  g_clear_handle_id (&self->reload_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  stop_watching (&self->results_monitor, self);
  stop_watching (&self->folder_monitor, self);
  if (self->run_monitors != NULL)
    g_hash_table_remove_all (self->run_monitors);
  g_clear_object (&self->items);
  g_clear_object (&self->index);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (tb_run_list_parent_class)->dispose (object);
}

static void
tb_run_list_finalize (GObject *object)
{
  TbRunList *self = TB_RUN_LIST (object);

  g_clear_pointer (&self->run_monitors, g_hash_table_unref);
  g_free (self->usecase_id);

  G_OBJECT_CLASS (tb_run_list_parent_class)->finalize (object);
}

static void
tb_run_list_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TbRunList *self = TB_RUN_LIST (object);

  switch (prop_id)
    {
    case PROP_USECASE_ID:
      g_value_set_string (value, self->usecase_id);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tb_run_list_class_init (TbRunListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = tb_run_list_dispose;
  object_class->finalize = tb_run_list_finalize;
  object_class->get_property = tb_run_list_get_property;

  properties[PROP_USECASE_ID] = g_param_spec_string ("usecase-id", NULL, NULL, NULL, flags);
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE, flags);
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The list was emptied for another use case, or a load landed: what is derived from the
   * runs (the Costs page's sums) is to be read again. */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tb_run_list_init (TbRunList *self)
{
  self->items = g_list_store_new (TB_TYPE_RUN_ITEM);
  self->run_monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_object_unref);
}

TbRunList *
tb_run_list_new (TbStore *store,
                 TbIndex *index)
{
  TbRunList *self;

  g_return_val_if_fail (TB_IS_STORE (store), NULL);
  g_return_val_if_fail (TB_IS_INDEX (index), NULL);

  self = g_object_new (TB_TYPE_RUN_LIST, NULL);
  self->store = g_object_ref (store);
  self->index = g_object_ref (index);
  return self;
}
