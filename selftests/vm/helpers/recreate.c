// SPDX-License-Identifier: GPL-2.0
/* Test driver: a service restart, as systemd does it, N times over. Each
 * round creates the cgroups DIR... (outermost first, as `mkdir -p` does),
 * moves this process into the last one at once and asks for CPULIST_OUT,
 * which the policy must refuse, then for CPULIST_IN, which it must allow;
 * then moves back to the cgroup root and removes them (innermost first).
 *
 *   recreate ROUNDS CPULIST_OUT CPULIST_IN DIR...
 *
 * Prints "ROUNDS rounds, G out-of-set granted, R in-set refused" and exits
 * 0 only when both counts are 0. Any other failure exits 2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cpulist.h"

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "recreate: %s %s: %s\n", what, arg, strerror(errno));
	exit(2);
}

static void join(const char *dir)
{
	char path[4096], pid[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, pid, n) != n)
		die("cannot join", dir);
	close(fd);
}

static void parse(const char *list, cpu_set_t *set)
{
	struct cg_cpumask m;
	char msg[256];

	if (cpulist_parse(list, &m, CPU_SETSIZE, NULL, msg, sizeof(msg))) {
		fprintf(stderr, "recreate: %s: %s\n", list, msg);
		exit(2);
	}
	CPU_ZERO(set);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (cg_cpumask_test(&m, c))
			CPU_SET(c, set);
}

int main(int argc, char **argv)
{
	long rounds, granted = 0, refused = 0;
	cpu_set_t out, in;
	const char *root;
	char *end;

	if (argc < 5 || (rounds = strtol(argv[1], &end, 10)) <= 0 || *end) {
		fprintf(stderr, "usage: recreate ROUNDS CPULIST_OUT CPULIST_IN DIR...\n");
		return 2;
	}
	parse(argv[2], &out);
	parse(argv[3], &in);
	root = getenv("CG") ? getenv("CG") : "/sys/fs/cgroup";
	for (long r = 0; r < rounds; r++) {
		for (int i = 4; i < argc; i++)
			if (mkdir(argv[i], 0755))
				die("cannot create", argv[i]);
		join(argv[argc - 1]);
		if (!sched_setaffinity(0, sizeof(out), &out))
			granted++;
		else if (errno != EPERM)
			die("out-of-set request:", argv[argc - 1]);
		if (sched_setaffinity(0, sizeof(in), &in))
			refused++;
		join(root);
		for (int i = argc - 1; i >= 4; i--)
			if (rmdir(argv[i]))
				die("cannot remove", argv[i]);
	}
	printf("%ld rounds, %ld out-of-set granted, %ld in-set refused\n", rounds, granted, refused);
	return granted || refused;
}
