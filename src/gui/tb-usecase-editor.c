/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tb-usecase-editor.h"
