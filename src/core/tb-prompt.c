/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tb-prompt"

#include "config.h"

#include "tb-prompt.h"
