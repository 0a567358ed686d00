// SPDX-License-Identifier: GPL-2.0
/* Loads smoke_lsm.bpf.o, calls sched_setaffinity() and checks that the
 * program ran and that its verdict reached the caller. Exit 0 on success. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "smoke_lsm.skel.h"

int main(void)
{
	struct smoke_lsm *skel;
	cpu_set_t set;
	int err = 1, rc;

	skel = smoke_lsm__open_and_load();
	if (!skel || smoke_lsm__attach(skel)) {
		fprintf(stderr, "smoke_lsm: load/attach failed: %s\n", strerror(errno));
		goto out;
	}
	sched_getaffinity(0, sizeof(set), &set);
	rc = sched_setaffinity(0, sizeof(set), &set);
	printf("allowed call: rc=%d calls=%llu\n", rc, (unsigned long long)skel->bss->calls);
	if (rc != 0 || skel->bss->calls == 0)
		goto out;

	skel->bss->deny_pid = getpid();
	rc = sched_setaffinity(0, sizeof(set), &set);
	printf("denied call: rc=%d errno=%s\n", rc, rc ? strerror(errno) : "-");
	if (rc != -1 || errno != EPERM)
		goto out;
	err = 0;
out:
	smoke_lsm__destroy(skel);
	return err;
}
