/* test-known.c - src/core/known.h and the table generated from
 * data/ports.tsv. Asserts only rows the design names, so the registry can
 * grow; checks every row's shape. */
#include "core/known.h"
#include "unit.h"

TEST(design_rows)
{
	const struct known_port *kp[8];
	size_t                   n;

	n = known_lookup(3000, PROTO_TCP, kp, 8);
	CHECK(n >= 1);
	if (n >= 1) {
		CHECK_EQ_INT(kp[0]->port, 3000);
		CHECK_EQ_INT(kp[0]->proto, PROTO_TCP);
		/* DESIGN.md: "3000/tcp  usually a React / Next.js dev server" */
		CHECK(strstr(kp[0]->usually, "React") != NULL);
	}
	n = known_lookup(5432, PROTO_TCP, kp, 8);
	CHECK(n >= 1);
	if (n >= 1) {
		CHECK_STR(kp[0]->name, "postgresql");
		CHECK_STR(kp[0]->usually, "PostgreSQL");
	}
	n = known_lookup(6379, PROTO_TCP, kp, 8);
	CHECK(n >= 1);
	if (n >= 1)
		CHECK_STR(kp[0]->name, "redis");
}

TEST(misses)
{
	const struct known_port *kp[4] = { NULL };

	/* 5432 is a TCP door: no UDP row */
	CHECK_EQ_UINT(known_lookup(5432, PROTO_UDP, kp, 4), 0);
	CHECK_EQ_UINT(known_lookup(0, PROTO_TCP, kp, 4), 0);
	CHECK_EQ_UINT(known_lookup(3000, PROTO_TCP, kp, 0), 0);
	CHECK(kp[0] == NULL);   /* max 0: nothing written */
}

TEST(max_is_respected)
{
	const struct known_port *kp[3] = { NULL, NULL, NULL };
	size_t                   i, all = 0, got;

	/* the port with the most rows in the table */
	uint16_t best = 0;
	size_t   bestn = 0;

	for (i = 0; i < known_ports_count; i++) {
		size_t c = 0;

		for (size_t j = 0; j < known_ports_count; j++)
			c += known_ports[j].port == known_ports[i].port &&
			    known_ports[j].proto == known_ports[i].proto;
		if (c > bestn) {
			bestn = c;
			best = known_ports[i].port;
		}
	}
	CHECK(bestn >= 1);
	for (i = 0; i < known_ports_count; i++)
		if (known_ports[i].port == best &&
		    known_ports[i].proto == PROTO_TCP)
			all++;
	got = known_lookup(best, PROTO_TCP, kp, 1);
	CHECK_EQ_UINT(got, all ? 1 : 0);
	CHECK(kp[1] == NULL);
}

TEST(table_shape)
{
	size_t i;

	CHECK(known_ports_count >= 7);
	for (i = 0; i < known_ports_count; i++) {
		const struct known_port *k = &known_ports[i];

		if (k->port == 0 || (k->proto != PROTO_TCP &&
		    k->proto != PROTO_UDP) || k->name == NULL ||
		    k->name[0] == '\0' || k->usually == NULL ||
		    k->usually[0] == '\0' || k->note == NULL) {
			printf("#   row %zu (port %u) is malformed\n", i, k->port);
			FAIL("malformed row");
		}
		/* names are ids: lower case, digits, '-' */
		for (const char *p = k->name; p && *p; p++)
			if (!((*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' ||
			    *p == '_')) {
				printf("#   row %zu name '%s'\n", i, k->name);
				FAIL("name is not an id");
				break;
			}
		/* no exact duplicate rows */
		for (size_t j = i + 1; j < known_ports_count; j++)
			if (known_ports[j].port == k->port &&
			    known_ports[j].proto == k->proto &&
			    strcmp(known_ports[j].name, k->name) == 0) {
				printf("#   rows %zu and %zu repeat %u %s\n", i,
				    j, k->port, k->name);
				FAIL("duplicate row");
			}
	}
}

TEST(lookup_agrees_with_table)
{
	size_t i, bad = 0;

	for (i = 0; i < known_ports_count; i++) {
		const struct known_port *kp[16];
		size_t n = known_lookup(known_ports[i].port,
		    known_ports[i].proto, kp, 16), j;
		bool   found = false;

		for (j = 0; j < n; j++)
			found |= kp[j] == &known_ports[i];
		if (!found && n < 16)
			bad++;
	}
	CHECK_EQ_UINT(bad, 0);
}
