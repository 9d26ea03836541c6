/* nlrecord.c - record raw NETLINK_SOCK_DIAG dump replies as fixtures.
 *
 * Sends the request door sends (src/platform/linux/diag.c): a
 * SOCK_DIAG_BY_FAMILY message with NLM_F_REQUEST|NLM_F_DUMP, an
 * inet_diag_req_v2 with one family, one protocol and a state mask, both
 * cookies INET_DIAG_NOCOOKIE, no bytecode. Each buffer recv() returns is
 * written, byte for byte, to its own file PREFIX.NNN.bin (000, 001, ...),
 * because door parses each buffer separately (diag_parse). Stops after the
 * buffer holding NLMSG_DONE or NLMSG_ERROR.
 *
 *   nlrecord [-b BUFSIZE] [-S SEQ] FAMILY PROTO STATES PREFIX
 *     FAMILY  4, 6 or a number (sdiag_family)
 *     PROTO   tcp, udp or a number (sdiag_protocol, e.g. 132 for SCTP)
 *     STATES  hex mask of 1 << state (400 = LISTEN, 80 = CLOSE)
 *
 * Build: cc -std=c17 -D_GNU_SOURCE -Wall -Wextra -O2 \
 *            -o build/nlrecord tests/tools/nlrecord.c -lmnl
 * Prints one line per file: name, bytes, messages, and the portid and seq
 * in the headers (tests may use them to check diag_parse's seq/portid test).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>

static int
parse_ul(const char *s, int base, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, base);
	return (errno != 0 || end == s || *end != '\0') ? -1 : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: nlrecord [-b BUFSIZE] [-S SEQ] FAMILY PROTO "
	    "STATES PREFIX\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned long      bufsize = 32768, seq = 0x646f6f72, v;
	unsigned long      family, proto, states;
	struct mnl_socket *nl;
	struct nlmsghdr   *nlh;
	struct inet_diag_req_v2 *req;
	char              *buf;
	int                c, done = 0;

	while ((c = getopt(argc, argv, "b:S:")) != -1) {
		switch (c) {
		case 'b':
			if (parse_ul(optarg, 10, &bufsize) != 0 ||
			    bufsize < 256 || bufsize > (1ul << 20))
				usage();
			break;
		case 'S':
			if (parse_ul(optarg, 0, &seq) != 0 || seq > 0xffffffff)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 4)
		usage();
	if (strcmp(argv[optind], "4") == 0)
		family = AF_INET;
	else if (strcmp(argv[optind], "6") == 0)
		family = AF_INET6;
	else if (parse_ul(argv[optind], 10, &family) != 0 || family > 255)
		usage();
	if (strcmp(argv[optind + 1], "tcp") == 0)
		proto = IPPROTO_TCP;
	else if (strcmp(argv[optind + 1], "udp") == 0)
		proto = IPPROTO_UDP;
	else if (parse_ul(argv[optind + 1], 10, &proto) != 0 || proto > 255)
		usage();
	if (parse_ul(argv[optind + 2], 16, &states) != 0 ||
	    states > 0xffffffff)
		usage();

	buf = malloc(bufsize);
	if (buf == NULL)
		return 1;
	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("netlink");
		return 1;
	}
	memset(buf, 0, bufsize);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (unsigned)seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof *req);
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = (uint8_t)proto;
	req->idiag_states = (uint32_t)states;
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("sendto");
		return 1;
	}
	for (v = 0; !done && v < 1000; v++) {
		ssize_t                n = mnl_socket_recvfrom(nl, buf, bufsize);
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int                    left, count = 0;
		char                   name[4096];
		FILE                  *fp;

		if (n < 0) {
			perror("recv");
			return 1;
		}
		left = (int)n;
		for (; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
			count++;
			if (m->nlmsg_type == NLMSG_DONE ||
			    m->nlmsg_type == NLMSG_ERROR)
				done = 1;
		}
		snprintf(name, sizeof name, "%s.%03lu.bin", argv[optind + 3], v);
		fp = fopen(name, "wb");
		if (fp == NULL || fwrite(buf, 1, (size_t)n, fp) != (size_t)n ||
		    fclose(fp) != 0) {
			perror(name);
			return 1;
		}
		printf("%s %zd bytes %d messages portid %u seq %u%s\n", name, n,
		    count, ((const struct nlmsghdr *)buf)->nlmsg_pid,
		    ((const struct nlmsghdr *)buf)->nlmsg_seq,
		    done ? " (last)" : "");
	}
	mnl_socket_close(nl);
	free(buf);
	return done ? 0 : 1;
}
