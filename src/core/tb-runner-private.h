/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tb-runner.h"

G_BEGIN_DECLS

/* For tests only (not in tb-core.h): what the runner still holds of its job — outputs
 * whose text is in memory, and jobs not yet let go. A finished job holds neither. */
guint tb_runner_count_held_for_test (TbRunner *self,
                                     guint    *jobs);

G_END_DECLS
