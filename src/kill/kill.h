/* kill.h - freeing a door safely: the library behind door kill, door watch's
 * `x` and door ui's kill button. It never prints, never reads stdin and never
 * exits; everything it has to say is rendered into a struct buf.
 *
 * Steps, each a call, so a presenter can stop between them to ask:
 *
 *   struct kill *k = kill_new(&req, &e);   targets checked, holders found
 *                                          (a thorough owner walk), each
 *                                          judged: the plan, as data
 *   kill_plan_text(k, numeric, &b);        the text door kill prints
 *                                          (--dry-run included) on stderr
 *   ... the presenter asks (a terminal prompt, a TUI dialog, an HTTP
 *       confirmation); on "no": kill_decline(k) ...
 *   kill_run(k);                           verified handles, signal, wait,
 *                                          escalate, check free, watch for
 *                                          a respawn and name it
 *   kill_report_text(k, &b) or kill_report_json(k, &b)
 *   rc = kill_status(k);                   door(1)'s exit status
 *   kill_free(k);
 *
 * What is refused, and why:
 *  - pid 1, door itself, door's ancestors (its shell, its terminal):
 *    always, --force or not;
 *  - a process of another user when door is not root: "not yours" (4);
 *  - a process of a systemd unit or a container other than door's own,
 *    unless force: killing it fights its manager, which restarts it; the
 *    manager's command is named instead (5);
 *  - a socket whose holder door cannot see: it cannot be verified (4 when
 *    not root, 5 as root).
 *
 * tree also stops the direct parent of a holder when the parent would
 * start it again: the parent is signalled first, so it cannot respawn the
 * child it is about to lose. Only the direct parent, and never a session
 * leader (a login or terminal shell), pid 1, door's ancestors, another
 * user's process, or a process of a unit/container (its manager's command
 * is named instead). The parent is verified like a holder, except that
 * its start time must be no later than its child's (a recycled pid
 * starts later) and it must still be the child's parent.
 *
 * Threads: a struct kill owns all its state (no globals), so two kills may
 * run at once in two threads (door ui). kill_run blocks for at most
 * grace + 3 s + watch (+ the snapshots): run it off a UI's event loop.
 */
#ifndef DOOR_KILL_KILL_H
#define DOOR_KILL_KILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/records.h"
#include "platform/platform.h"

#define KILL_TARGETS_MAX     64
#define KILL_GRACE_MS        5000   /* default wait before KILL */
#define KILL_WATCH_MS        1000   /* default respawn watch */
#define KILL_RESPAWN_MAX     16

struct kill_request {
	const char *const *targets;   /* TARGET words, as the user wrote them */
	int                ntargets;  /* 1..KILL_TARGETS_MAX */
	enum proto         proto;
	int                sig;       /* the first signal: SIGTERM... */
	uint64_t           grace_ms, watch_ms;
	bool               dry;       /* plan only, signal nothing */
	bool               tree, force;
	bool               no_escalate;
};

/* Fills r with door kill's defaults (TERM, 5 s grace, 1 s watch, TCP). */
void	kill_request_defaults(struct kill_request *r);

/* TERM, INT, HUP, QUIT, KILL, USR1, USR2 (with or without SIG) or 1-64. */
int	kill_parse_signal(const char *s, int *sig, struct door_err *);
const char	*kill_signal_name(int sig);

/* What became of one process. */
enum kill_outcome {
	KILL_PLANNED,     /* dry run: would be signalled */
	KILL_EXITED,      /* exited after the first signal */
	KILL_KILLED,      /* ignored it, exited after KILL */
	KILL_RUNNING,     /* still running (no escalation, or KILL failed) */
	KILL_GONE,        /* exited before door signalled it */
	KILL_DENIED,      /* not yours */
	KILL_REFUSED,     /* unsafe: door will not */
	KILL_SKIPPED,     /* not asked to (the user said no) */
};
/* "planned", "exited", ... as door kill --json writes them. */
const char	*kill_outcome_key(enum kill_outcome);

/* One process of the plan. Read-only for presenters. */
struct kill_victim {
	size_t             proc;       /* into k->s.procs; SIZE_MAX: a parent */
	struct proc_ident  id;
	char               name[64];
	uint32_t           uid;
	bool               is_parent;  /* tree */
	pid_t              child;      /* for a parent: the holder */
	struct proc_handle h;
	bool               open;
	enum kill_outcome  out;
	enum proc_verdict  verdict;
	char               why[256];   /* refusal / denial, for people */
	char               cmd[192];   /* the command that does it right */
	uint64_t           sent_ms, exit_ms;
	bool               got_kill;
};

/* A listener that appeared while door watched the freed door. */
struct kill_respawn {
	pid_t             pid, ppid;
	char              name[64], parent_name[64];
	enum manager_kind manager;
	char              unit[128];
	char              stop[192];
};

struct target;

/* The whole state of one kill. Fields are read-only for presenters. */
struct kill {
	struct kill_request  req;
	char               **words;      /* copies of req.targets */
	struct target       *t;          /* parsed, req.ntargets of them */
	int                  nt;
	const char          *signame;
	bool                 escalate;
	struct sock_query    q;
	struct snap          s;          /* the plan's snapshot */
	struct kill_victim  *v;
	size_t               nv;
	size_t               hidden;        /* sockets with unseen holders */
	bool                 hidden_denied; /* ... because door is not root */
	struct manager       self_mgr;
	bool                 no_pidfd;
	bool                 ran, declined;
	/* the end */
	size_t               still;         /* listening sockets left;
					       SIZE_MAX: could not look */
	size_t               leftover_tw;
	bool                 bind_ok, free, checked;
	struct buf           respawn;       /* lines for people */
	struct kill_respawn  rs[KILL_RESPAWN_MAX];
	size_t               nrespawn;
};

/*
 * Checks the targets (this machine's addresses only), takes a thorough
 * snapshot and makes the plan. Returns NULL with e set (DOOR_USAGE for bad
 * words, DOOR_SYSTEM...) on failure.
 */
struct kill	*kill_new(const struct kill_request *, struct door_err *);
void		 kill_free(struct kill *);

/* Holders in the plan (parents not counted), and whether there is nothing
 * at all to do (no holder, no unseen socket). */
size_t	kill_holders(const struct kill *);
bool	kill_nobody(const struct kill *);

/* The plan exactly as door kill prints it on stderr: "door kill: N
 * processes hold ...", one line per process, refusals, hidden sockets,
 * "plan: ...". numeric: uids, not user names. */
void	kill_plan_text(const struct kill *, bool numeric, struct buf *);
/* The confirmation question ("stop it?" / "stop them?"), without "[y/N]". */
const char	*kill_question(const struct kill *);

/* The user said no: every planned process becomes "skipped". */
void	kill_decline(struct kill *);
/* Signals the plan (unless dry or declined), then checks the door is free
 * and watches for a respawn. Never fails: what went wrong is in the
 * victims and the report. */
void	kill_run(struct kill *);
/* Only checks whether the door is free now (nobody was there). */
void	kill_check_free(struct kill *);

/* door kill's report (stdout) as text or as one JSON document. */
void	kill_report_text(const struct kill *, struct buf *);
void	kill_report_json(const struct kill *, struct buf *);
/* door(1)'s exit status for the outcome: 0 free, 1 not free, 4, 5. */
int	kill_status(const struct kill *);

#endif
