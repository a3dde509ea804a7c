/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by tb-window.c (layout, sidebar, state) and tb-window-actions.c (what the
 * win.* actions do). Nothing outside these two files includes it. */

#include "tb-run-list.h"
#include "tb-run-monitor.h"
#include "tb-window.h"


G_BEGIN_DECLS

struct _TbWindow
{
  AdwApplicationWindow  parent_instance;

  TbApplication        *app;
  TbStore              *store;
  TbIndex              *index;
  TbRunList            *run_list;        /* the runs of the open use case */
  GSettings            *settings;
  TbClient             *client;

  GListStore           *usecases;        /* TbUsecaseItem */
  GtkCustomFilter      *usecase_filter;
  GtkFilterListModel   *filtered;
  GtkSingleSelection   *selection;
  char                 *search_text;
  guint                 reverting;       /* selection being put back by code */

  /* What to do once the unsaved-changes question is answered. */
  char                 *pending_select;
  gboolean              pending_close;
  gboolean              force_close;
  gboolean              disposed;

  TbRunner             *runner;
  GCancellable         *run_cancellable;
  gboolean              busy;
  gboolean              key_warning_shown;
  char                 *last_run_id;
  GQueue               *judge_queue;     /* run ids left in a judge-all pass */

  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkSearchEntry       *search_entry;
  GtkStack             *sidebar_stack;
  GtkListView          *usecase_list;
  AdwViewSwitcherTitle *switcher_title;
  GtkStack             *content_stack;
  AdwViewStack         *view_stack;
  TbUsecaseEditor      *editor;
  TbInputView          *input_view;
  TbModelsView         *models_view;
  GtkSwitch            *judge_switch;
  AdwActionRow         *judge_row;
  GtkWidget            *run_button;
  GtkWidget            *cancel_button;
  GtkWidget            *run_monitor;
  GtkScrolledWindow    *run_scroller;
  gboolean              follow_monitor;  /* keep the live rows in view */
  gulong                follow_handler;
  GtkStack             *runs_stack;
  GtkWidget            *runs_view;
  GtkLabel             *run_title;
  GtkWidget            *run_page;
  GtkWidget            *costs_view;
};

void   tb_window_class_install_actions (GtkWidgetClass *widget_class);
void   tb_window_update_actions        (TbWindow       *self);
void   tb_window_toast                 (TbWindow       *self,
                                        const char     *message);
/* For the end of a run: shown at once instead of queued behind older toasts. */
void   tb_window_toast_now             (TbWindow       *self,
                                        const char     *message);
const char *tb_window_get_home         (TbWindow       *self);
/* Runs view, run page (when open) and costs view read the files again, in threads. */
void   tb_window_refresh_results       (TbWindow       *self);
/* The use case's display name, else its id. */
const char *tb_window_get_usecase_title (TbWindow      *self);

G_END_DECLS
