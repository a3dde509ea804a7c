/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "fake-server.h"
#include "tb-application.h"
#include "tb-window.h"

G_BEGIN_DECLS

/* What the GUI tests share: driving the main loop, screenshots, a temporary home with the
 * shipped use cases, and finding widgets. Failures are test assertions. */

/* What main () of a window test sets up, and gui_test_tear_down () frees. */
typedef struct {
  char          *home;
  FakeServer    *server;
  TbApplication *app;
} GuiTestFixture;

typedef gboolean (*GuiTestCondition) (gpointer data);

void           gui_test_iterate_for     (guint             ms);
gboolean       gui_test_wait_for        (GuiTestCondition  condition,
                                         gpointer          data,
                                         guint             timeout_ms);

/* Conditions for gui_test_wait_for (). */
gboolean       gui_test_is_mapped       (gpointer          widget);
gboolean       gui_test_has_size        (gpointer          widget);
gboolean       gui_test_catalog_loaded  (gpointer          window);
gboolean       gui_test_input_loaded    (gpointer          window);
/* No read of inputs under way. */
gboolean       gui_test_inputs_read     (gpointer          window);
/* The Runs page shows the open use case's runs as last read (no read under way). */
gboolean       gui_test_runs_loaded     (gpointer          window);
/* No read in a thread under way: of a TbRunList, a TbRunPage, a TbCostsView. */
gboolean       gui_test_list_loaded     (gpointer          run_list);
gboolean       gui_test_page_loaded     (gpointer          run_page);
gboolean       gui_test_costs_loaded    (gpointer          costs_view);
/* The Runs page lists a run, or the run's status is `status`. */
gboolean       gui_test_run_listed      (TbWindow         *window,
                                         const char       *run_id);
TbRunStatus    gui_test_run_status      (TbWindow         *window,
                                         const char       *run_id);

void           gui_test_save_png        (GtkWidget        *widget,
                                         GskRenderNode    *node,
                                         int               width,
                                         int               height,
                                         const char       *path);
void           gui_test_screenshot      (GtkWidget        *widget,
                                         const char       *file);
void           gui_test_screenshot_step (GtkWidget        *widget,
                                         const char       *prefix,
                                         const char       *name);

char          *gui_test_home_new        (const char       *tmpl);
void           gui_test_copy_usecases   (const char       *source_dir,
                                         const char       *home);
gboolean       gui_test_remove_tree     (const char       *path);

void           gui_test_use_fake_server (GuiTestFixture   *fixture);
TbApplication *gui_test_application_new (void);
void           gui_test_tear_down       (GuiTestFixture   *fixture);

TbWindow      *gui_test_open_window     (TbApplication    *app,
                                         int               width,
                                         int               height);
void           gui_test_close_window    (GtkWindow        *window);
GtkWidget     *gui_test_template_child  (GtkWidget        *widget,
                                         GType             type,
                                         const char       *name);
/* The message dialog on screen, if any; conditions for gui_test_wait_for (). */
AdwMessageDialog *gui_test_find_dialog  (void);
gboolean       gui_test_has_dialog      (gpointer          data);
gboolean       gui_test_no_dialog       (gpointer          data);
void           gui_test_respond         (AdwMessageDialog *dialog,
                                         const char       *response);
/* The first widget below `root` (itself included) with this name or of this type; NULL when
 * none. */
GtkWidget     *gui_test_find_named      (GtkWidget        *root,
                                         const char       *name);
GtkWidget     *gui_test_find_type       (GtkWidget        *root,
                                         GType             type);
/* Scrolls the nearest scrolled window around `widget` so that it is at the top. */
void           gui_test_scroll_to       (GtkWidget        *widget);

G_END_DECLS
