/* cmd-who.c - door who TARGET / door PORT: the full card of one door
 * (src/card.c draws it). */
#include "cmd.h"
#include "doors.h"

static const struct opt_spec who_opts[] = {
	{ "tcp", 't', NULL, "TCP only" },
	{ "udp", 'u', NULL, "UDP only" },
	{ "4", '4', NULL, "IPv4 only" },
	{ "6", '6', NULL, "IPv6 only" },
	{ "thorough", 0, NULL, "look for holders in every process, not just "
	    "the socket's cgroup and user" },
	{ "no-probe", 0, NULL, "do not knock to see what answers" },
	{ NULL, 0, NULL, NULL },
};

static int
who_exec(struct cmd_args *a)
{
	return doors_who(a, a->argv, a->argc, true);
}

const struct cmd_entry cmd_who_entry = {
	"who", "TARGET...",
	"who is behind one door: addresses, processes, command, directory",
	who_opts, 1, DOORS_RANGES_MAX, who_exec,
};
