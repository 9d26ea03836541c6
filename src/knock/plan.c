/* plan.c - TARGETs into connect jobs and back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knock/plan.h"

int
knock_plan_parse(struct knock_plan *p, char **args, int nargs, bool v4,
    bool v6, struct door_err *e)
{
	memset(p, 0, sizeof *p);
	p->v4 = v4;
	p->v6 = v6;
	if (nargs <= 0)
		return err_set(e, DOOR_USAGE, "no target to knock on");
	p->targets = calloc((size_t)nargs, sizeof *p->targets);
	if (p->targets == NULL)
		return err_set(e, DOOR_SYSTEM, "out of memory");
	p->ntargets = (size_t)nargs;
	for (int i = 0; i < nargs; i++) {
		p->targets[i].arg = args[i];
		if (target_parse(args[i], &p->targets[i].t, e) != 0)
			return -1;
		p->targets[i].nports = (size_t)p->targets[i].t.port_hi -
		    p->targets[i].t.port_lo + 1;
	}
	return 0;
}

/* Keeps only the families asked for (-4, -6). */
static void
keep_families(struct knock_target *kt, bool v4, bool v6)
{
	size_t n = 0;

	for (size_t a = 0; a < kt->naddrs; a++) {
		int f = kt->addrs[a].family;

		if ((f == AF_INET && v4) || (f == AF_INET6 && v6))
			kt->addrs[n++] = kt->addrs[a];
	}
	if (n == 0 && kt->naddrs > 0)
		snprintf(kt->why, sizeof kt->why, "no %s address",
		    v4 ? "IPv4" : "IPv6");
	kt->naddrs = n;
}

int
knock_plan_resolve(struct knock_plan *p, struct door_err *e)
{
	size_t total = 0;

	for (size_t i = 0; i < p->ntargets; i++) {
		struct knock_target *kt = &p->targets[i];

		free(kt->addrs);
		kt->addrs = NULL;
		kt->naddrs = 0;
		kt->why[0] = '\0';
		if (knock_resolve(&kt->t, &kt->addrs, &kt->naddrs, kt->why,
		    sizeof kt->why, e) != 0)
			return -1;
		keep_families(kt, p->v4, p->v6);
		if (kt->naddrs > SIZE_MAX / 65536 - total)
			return err_set(e, DOOR_USAGE, "too many doors to knock");
		kt->first_job = total;
		total += kt->naddrs * kt->nports;
	}
	free(p->jobs);
	p->jobs = calloc(total ? total : 1, sizeof *p->jobs);
	if (p->jobs == NULL)
		return err_set(e, DOOR_SYSTEM, "out of memory for %zu knocks",
		    total);
	p->njobs = total;
	for (size_t i = 0; i < p->ntargets; i++) {
		struct knock_target *kt = &p->targets[i];

		for (size_t a = 0; a < kt->naddrs; a++)
			for (size_t k = 0; k < kt->nports; k++)
				knock_job_init(knock_plan_job(p, i, a, k),
				    (const struct sockaddr *)&kt->addrs[a].ss,
				    kt->addrs[a].len,
				    (uint16_t)(kt->t.port_lo + k));
	}
	return 0;
}

int
knock_plan_run(struct knock_plan *p, const struct knock_opts *o,
    struct door_err *e)
{
	size_t i = 0;

	/* A full scan next to single doors would make their latency the
	 * scan's queueing time: single doors go together, each range alone. */
	while (i < p->ntargets) {
		size_t j = i + 1, first = p->targets[i].first_job, n;

		if (p->targets[i].nports == 1)
			while (j < p->ntargets && p->targets[j].nports == 1)
				j++;
		n = (j < p->ntargets ? p->targets[j].first_job : p->njobs) -
		    first;
		if (n > 0 && knock_run(p->jobs + first, n, o, e) != 0)
			return -1;
		i = j;
	}
	return 0;
}

struct knock_job *
knock_plan_job(const struct knock_plan *p, size_t i, size_t a, size_t k)
{
	const struct knock_target *kt = &p->targets[i];

	return &p->jobs[kt->first_job + a * kt->nports + k];
}

bool
knock_target_open(const struct knock_plan *p, size_t i)
{
	const struct knock_target *kt = &p->targets[i];

	for (size_t j = 0; j < kt->naddrs * kt->nports; j++)
		if (p->jobs[kt->first_job + j].state == KNOCK_OPEN)
			return true;
	return false;
}

void
knock_plan_free(struct knock_plan *p)
{
	for (size_t i = 0; i < p->ntargets; i++)
		free(p->targets[i].addrs);
	free(p->targets);
	free(p->jobs);
	memset(p, 0, sizeof *p);
}
