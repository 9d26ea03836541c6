/*
 * scan-driver.c - the knock engine alone, for bench/scan.sh: scans
 * ADDR:LO-HI and prints each open port on a line, then on stderr how long
 * the scan took. Stands in for `door check ADDR:LO-HI` until that exists.
 *
 *   scan-driver [-t timeout_ms] [-c inflight] [-j threads] ADDR LO HI
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/num.h"
#include "knock/engine.h"

static void
usage(void)
{
	fprintf(stderr, "usage: scan-driver [-t timeout_ms] [-c inflight] "
	    "[-j threads] ADDR LO HI\n");
	exit(2);
}

static uint64_t
number(const char *s, uint64_t lo, uint64_t hi)
{
	uint64_t v;

	if (num_parse(s, lo, hi, &v) != 0)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	struct knock_opts   o = { 0, 0, 0 };
	struct knock_job   *jobs;
	struct sockaddr_in6 s6;
	struct sockaddr_in  s4;
	struct sockaddr    *sa;
	struct door_err     e;
	struct timespec     a, b;
	socklen_t           sl;
	size_t              n, counts[KNOCK_ERROR + 1] = { 0 };
	unsigned            lo, hi;
	int                 c;

	while ((c = getopt(argc, argv, "t:c:j:")) != -1) {
		switch (c) {
		case 't':
			o.timeout_ms = (uint32_t)number(optarg, 1, 600000);
			break;
		case 'c':
			o.max_inflight = (unsigned)number(optarg, 1, 65536);
			break;
		case 'j':
			o.threads = (unsigned)number(optarg, 1, 64);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	memset(&s4, 0, sizeof s4);
	memset(&s6, 0, sizeof s6);
	if (inet_pton(AF_INET, argv[optind], &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		sa = (struct sockaddr *)&s4;
		sl = sizeof s4;
	} else if (inet_pton(AF_INET6, argv[optind], &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		sa = (struct sockaddr *)&s6;
		sl = sizeof s6;
	} else
		usage();
	lo = (unsigned)number(argv[optind + 1], 1, 65535);
	hi = (unsigned)number(argv[optind + 2], lo, 65535);
	n = hi - lo + 1;
	if ((jobs = calloc(n, sizeof *jobs)) == NULL) {
		perror("scan-driver");
		return 3;
	}
	for (size_t i = 0; i < n; i++)
		knock_job_init(&jobs[i], sa, sl, (uint16_t)(lo + i));
	err_clear(&e);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (knock_run(jobs, n, &o, &e) != 0) {
		fprintf(stderr, "scan-driver: %s\n", e.msg);
		return 3;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	for (size_t i = 0; i < n; i++) {
		counts[jobs[i].state]++;
		if (jobs[i].state == KNOCK_OPEN)
			printf("%u\n", lo + (unsigned)i);
	}
	fflush(stdout);
	{
		double s = (double)(b.tv_sec - a.tv_sec) +
		    (double)(b.tv_nsec - a.tv_nsec) / 1e9;

		fprintf(stderr, "scanned %zu ports in %.3f s (%.0f ports/s): "
		    "%zu open, %zu refused, %zu timeout, %zu unreachable, "
		    "%zu error\n", n, s, (double)n / s, counts[KNOCK_OPEN],
		    counts[KNOCK_REFUSED], counts[KNOCK_TIMEOUT],
		    counts[KNOCK_UNREACHABLE], counts[KNOCK_ERROR]);
	}
	for (size_t i = 0; i < n; i++)
		if (jobs[i].state == KNOCK_ERROR) {
			fprintf(stderr, "first error: port %u: %s\n",
			    lo + (unsigned)i, strerror(jobs[i].err));
			break;
		}
	free(jobs);
	return 0;
}
