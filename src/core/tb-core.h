/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tb-error.h"
#include "tb-util.h"
#include "tb-yaml.h"
#include "tb-usecase.h"
#include "tb-format.h"
#include "tb-prompt.h"
#include "tb-client.h"
#include "tb-catalog.h"
#include "tb-store.h"
#include "tb-runner.h"
