/* plan.h - what door check and door wait share: TARGETs turned into
 * connect jobs (every address of every target, every port of its range),
 * run together, read back per target. Never prints, never exits. */
#ifndef DOOR_KNOCK_PLAN_H
#define DOOR_KNOCK_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/target.h"
#include "knock/engine.h"
#include "knock/resolve.h"

struct knock_target {
	const char        *arg;       /* as the user wrote it */
	struct target      t;
	struct knock_addr *addrs;     /* kept: -4 / -6 already applied */
	size_t             naddrs;
	char               why[KNOCK_WHY_MAX];   /* naddrs == 0: why */
	size_t             first_job; /* jobs[first_job + a * nports + i] */
	size_t             nports;
};

struct knock_plan {
	struct knock_target *targets;
	size_t               ntargets;
	struct knock_job    *jobs;
	size_t               njobs;
	bool                 v4, v6;
};

/* Parses every argument as a TARGET (all before any knock: a usage error
 * costs nothing). DOOR_USAGE names the bad one. */
int	knock_plan_parse(struct knock_plan *, char **args, int nargs, bool v4,
	    bool v6, struct door_err *);
/* Resolves every target (again: names may appear while door waits) and
 * lays out the jobs. */
int	knock_plan_resolve(struct knock_plan *, struct door_err *);
int	knock_plan_run(struct knock_plan *, const struct knock_opts *,
	    struct door_err *);
/* The job for target i, address a, port index p. */
struct knock_job	*knock_plan_job(const struct knock_plan *, size_t i,
	    size_t a, size_t p);
/* Any address of any port of target i open. */
bool	knock_target_open(const struct knock_plan *, size_t i);
void	knock_plan_free(struct knock_plan *);

#endif
