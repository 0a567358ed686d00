// SPDX-License-Identifier: GPL-2.0
/* Test driver: replace the mask of one confined cgroup in place, in the
 * generation checks are reading, as fast as the kernel allows; every
 * replaced mask loses its last reference at once and is freed. Checks
 * running at that moment hold the old mask under RCU only, so this is the
 * case where a mask is released under a check. (`cpuguard apply` never even
 * does this: it writes the other generation and waits for a grace period
 * before releasing; see docs/design.md.) Alternates masks A and B for
 * SECONDS seconds.
 *
 *   policy_churn PIN_DIR CGROUP_ID CPULIST_A CPULIST_B SECONDS
 *
 * Prints the number of swaps. Uses the pinned programs directly. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "cpulist.h"
#include "cpuguard.h"

static int pinned(const char *dir, const char *name)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = bpf_obj_get(p);
	if (fd < 0) {
		fprintf(stderr, "policy_churn: %s: %s\n", p, strerror(errno));
		exit(1);
	}
	return fd;
}

static void run(int prog, void *args, size_t size, const char *what)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = size);

	if (bpf_prog_test_run_opts(prog, &opts) || *(int *)((char *)args + size - sizeof(int))) {
		fprintf(stderr, "policy_churn: %s failed\n", what);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static struct set_create_args sets[2];
	struct cg_cpumask m;
	char err[128];

	if (argc != 6) {
		fprintf(stderr, "usage: policy_churn PIN_DIR CGROUP_ID CPULIST_A CPULIST_B SECONDS\n");
		return 2;
	}
	const char *dir = argv[1];
	uint64_t cgid = strtoull(argv[2], NULL, 0);
	int set_create = pinned(dir, "prog_set_create"), install = pinned(dir, "prog_policy_install");
	int state_map = pinned(dir, "state_map"), set_map = pinned(dir, "set_map");
	time_t end = time(NULL) + atoi(argv[5]);
	struct cpuguard_state st;
	uint32_t zero = 0, set_id = 1000000;
	long swaps = 0;

	for (int i = 0; i < 2; i++) {
		if (cpulist_parse(argv[3 + i], &m, CG_MAX_CPUS, NULL, err, sizeof(err))) {
			fprintf(stderr, "policy_churn: %s\n", err);
			return 2;
		}
		sets[i].set_id = set_id;
		memcpy(sets[i].bits, m.bits, sizeof(sets[i].bits));
	}
	if (bpf_map_lookup_elem(state_map, &zero, &st))
		return 1;
	while (time(NULL) < end) {
		struct policy_install_args a = { .cgroup_id = cgid, .gen = st.active_gen, .set_id = set_id };

		/* A new mask object replaces the set's (releasing the set's
		 * reference to the old one); installing it releases the entry's
		 * reference, the old mask's last. */
		run(set_create, &sets[swaps % 2], sizeof(sets[0]), "set_create");
		run(install, &a, sizeof(a), "policy_install");
		swaps++;
	}
	bpf_map_delete_elem(set_map, &set_id);
	printf("%ld swaps\n", swaps);
	return 0;
}
