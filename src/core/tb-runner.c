/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-runner"

#include "config.h"

#include "tb-runner.h"
