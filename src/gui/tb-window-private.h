/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by tb-window.c (layout, sidebar, state) and tb-window-actions.c (what the
 * win.* actions do). Nothing outside these two files includes it. */

#include "tb-forecast-view.h"
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
  int                   pending_demo;    /* 1: enter the simulated models, -1: leave them */
  gboolean              simulated;       /* the simulated models and their home are shown */
  gboolean              force_close;
  gboolean              disposed;

  TbRunner             *runner;
  GCancellable         *run_cancellable;
  gboolean              busy;
  gboolean              key_warning_shown;
  char                 *last_run_id;
  GQueue               *judge_queue;     /* run ids left in a judging pass */
  gboolean              judging;         /* a judging pass of one run or many is under way */
  guint                 judge_total;
  guint                 judge_done;
  guint                 judge_failed;
  double                judge_usd;
  char                 *judge_error;     /* the first failure */
  char                 *judge_best;      /* the last judged run's best model */
  char                 *judge_last_run;
  guint                 exports;         /* reports being written */
  char                 *last_toast;      /* what the window said last, for tests */
  guint                 toasts;
  GPtrArray            *shown_toasts;    /* AdwToast, until dismissed */

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *sidebar_title;
  GtkRevealer          *demo_revealer;
  AdwLeaflet           *leaflet;
  GtkSearchEntry       *search_entry;
  GtkStack             *sidebar_stack;
  GtkListView          *usecase_list;
  AdwViewSwitcherTitle *switcher_title;
  GtkWidget            *save_button;
  GtkStack             *content_stack;
  AdwViewStack         *view_stack;
  TbUsecaseEditor      *editor;
  TbInputView          *input_view;
  TbModelsView         *models_view;
  GtkSwitch            *judge_switch;
  AdwActionRow         *judge_row;
  TbForecastView       *forecast_view;
  GtkWidget            *run_button;
  GtkLabel             *run_reason;
  GtkWidget            *cancel_button;
  GtkWidget            *run_monitor;
  GtkScrolledWindow    *run_scroller;
  gboolean              follow_monitor;  /* keep the live rows in view */
  gulong                follow_handler;
  GtkStack             *runs_stack;
  GtkRevealer          *judging_revealer;
  GtkLabel             *judging_label;
  GtkProgressBar       *judging_progress;
  GtkWidget            *runs_view;
  GtkLabel             *run_title;
  GtkWidget            *run_page;
  GtkWidget            *costs_view;
  GtkWidget            *summary_view;
  gboolean              page_auto;       /* the page was chosen on opening, not by the user */
  guint                 choosing_page;   /* > 0 while code picks the page */
};

void   tb_window_class_install_actions (GtkWidgetClass *widget_class);
/* win.try-demo and win.leave-demo (tb-window-demo.c). */
void   tb_window_class_install_demo_actions (GtkWidgetClass *widget_class);
/* Enters (or leaves) the simulated models, asking about unsaved edits first. */
void   tb_window_request_demo          (TbWindow       *self,
                                        gboolean        simulated);
/* Enters (or leaves) the simulated models now, unsaved edits settled. */
void   tb_window_switch_demo           (TbWindow       *self,
                                        gboolean        simulated);
/* The banner, the sidebar's subtitle and the demo actions, as the application is. */
void   tb_window_update_demo           (TbWindow       *self);
/* The file chooser of Export… for `run_id` (the run page's menu, a runs row's menu). */
void   tb_window_choose_export         (TbWindow       *self,
                                        const char     *run_id);
/* win.export-run and win.open-file (tb-window-export.c). */
void   tb_window_class_install_export_actions (GtkWidgetClass *widget_class);
/* Asks the forecast of the run as the Run page sets it up (a moment later, in a thread). */
void   tb_window_update_forecast       (TbWindow       *self);
/* The judges of a new run by the core's rule (Preferences, use case, $GENERAL_TASK_LLM);
 * NULL when the run is not judged. */
GStrv  tb_window_dup_run_judges        (TbWindow       *self);
void   tb_window_update_actions        (TbWindow       *self);
void   tb_window_toast                 (TbWindow       *self,
                                        const char     *message);
/* A toast to fill in (a button) before tb_window_show_toast. */
AdwToast *tb_window_new_toast          (TbWindow       *self,
                                        const char     *message);
/* `now`: shown at once instead of queued behind older toasts (the end of a run). */
void   tb_window_show_toast            (TbWindow       *self,
                                        AdwToast       *toast,
                                        gboolean        now);
/* For the end of a run: shown at once instead of queued behind older toasts. */
void   tb_window_toast_now             (TbWindow       *self,
                                        const char     *message);
const char *tb_window_get_home         (TbWindow       *self);
/* Runs view, run page (when open) and costs view read the files again, in threads. */
void   tb_window_refresh_results       (TbWindow       *self);
/* The use case's display name, else its id. */
const char *tb_window_get_usecase_title (TbWindow      *self);

G_END_DECLS
