/* kill_int.h - what the files of src/kill/ share; not for presenters. */
#ifndef DOOR_KILL_INT_H
#define DOOR_KILL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "kill/kill.h"

bool	kill_wanted(const struct kill *, const struct sock *);
const char	*kill_manager_stop(const struct manager *, char *, size_t);
/* Untrusted text, escaped for a terminal. */
void	kill_put(struct buf *, const char *);
/* "name (pid)" */
void	kill_victim_label(struct buf *, const struct kill_victim *);
/* The target words, ", " between them, escaped. */
void	kill_targets_text(const struct kill *, struct buf *);

#endif
