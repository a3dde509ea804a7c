/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A run's lock: `.lock` in its folder, held with flock(2) for as long as a process works on
 * the run. Taking it is one atomic step (two processes can never both hold it), and the
 * kernel lets go of it when the holder dies, however it dies, so a stale lock — even one
 * whose pid was reused — is never mistaken for a live one. The file also names the holder's
 * pid, for messages. The file is never removed: removing a locked file would let a third
 * process lock a new one beside a holder of the old. */

typedef struct _TbLock TbLock;

/* TB_ERROR_BUSY ("… is in use by another process (pid N)") when another holder has it,
 * `what` naming the thing locked ("Run 2026…"). Taking a lock this process already holds
 * through another TbLock is BUSY too. */
TbLock   *tb_lock_acquire  (const char  *dir,
                            const char  *what,
                            GError     **error);
void      tb_lock_release  (TbLock      *lock);

/* Whether any holder — this process included — has the lock of `dir` now. It takes the
 * lock shared for an instant to learn it; tb_lock_acquire waits such an instant out (some
 * milliseconds), so looking never makes a taker fail. */
gboolean  tb_lock_is_held  (const char  *dir);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TbLock, tb_lock_release)

G_END_DECLS
