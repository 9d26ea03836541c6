/* jobs.h - what door watch's keys start and the table must not wait for:
 * the card (Enter), a probe (p, P), a kill's plan and its run (x). Each is
 * the verb's own code (doors_who_render, probes_snapshot, the kill
 * library), run in a thread of its own, one job at a time; the view keeps
 * ticking and drawing, and learns that the job is done when jobs_fd()
 * becomes readable. Nothing here touches the terminal. */
#ifndef DOOR_TUI_JOBS_H
#define DOOR_TUI_JOBS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/records.h"
#include "kill/kill.h"
#include "probe/probe.h"

enum job_kind {
	JOB_NONE,
	JOB_CARD,       /* door who PORT, probe included */
	JOB_PROBE,      /* what answers on one door, or (all) every TCP door */
	JOB_PLAN,       /* door kill PORT's plan (nothing signalled) */
	JOB_RUN,        /* the plan, carried out */
};

/* One door's answer, by socket inode: the view puts it in SERVICE. */
struct job_answer {
	uint64_t            inode;
	uint16_t            port;
	struct probe_result r;
};

struct job {
	enum job_kind      kind;
	uint16_t           port;
	enum proto         proto;
	bool               all;         /* JOB_PROBE: every TCP door */
	bool               numeric;
	/* out */
	int                status;      /* door(1)'s exit status of the verb */
	struct buf         text;        /* the card, the plan, the report, or
					   what went wrong: for people */
	struct kill       *k;           /* JOB_PLAN's plan, JOB_RUN's report */
	struct job_answer *answers;     /* JOB_PROBE */
	size_t             nanswers;
	uint64_t           ms;          /* how long it took */
};

struct jobs {
	int        wake[2];   /* a byte when the job is done */
	pthread_t  tid;
	bool       running;   /* a thread is out (done or not) */
	struct job cur;
};

int	jobs_init(struct jobs *, struct door_err *);
/* Waits for a running job, then frees everything. */
void	jobs_free(struct jobs *);
int	jobs_fd(const struct jobs *);
bool	jobs_busy(const struct jobs *);

/* Starts j (kind, port, proto, all, numeric; for JOB_RUN the plan in
 * j->k, which the job now owns). -1 when a job is running or no thread
 * could be had (the reason in e). */
int	jobs_start(struct jobs *, const struct job *, struct door_err *);
/* After jobs_fd() was readable: the finished job moves to *out (the caller
 * frees it with job_clear). false when none has finished. */
bool	jobs_done(struct jobs *, struct job *out);
void	job_clear(struct job *);

#endif
