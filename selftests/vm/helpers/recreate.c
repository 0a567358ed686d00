// SPDX-License-Identifier: GPL-2.0
/* Test driver: a service restart, as systemd does it, N times over. Each
 * round creates the cgroups DIR... (outermost first, as `mkdir -p` does),
 * puts a process into the last one at once, which asks for CPULIST_OUT,
 * which the policy must refuse, then for CPULIST_IN, which it must allow;
 * then removes them (innermost first). The process is this one, moved in by
 * a write to cgroup.procs (as systemd before 255 does) and back to the root;
 * with RECREATE_CLONE=1 it is a child started in the cgroup by
 * clone3(CLONE_INTO_CGROUP) (as systemd 255 and later spawn a service).
 *
 *   recreate ROUNDS CPULIST_OUT CPULIST_IN DIR...
 *
 * Prints "ROUNDS rounds, G out-of-set granted, R in-set refused" and exits
 * 0 only when both counts are 0. Any other failure exits 2. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

/* One process's two requests: bit 0 of the result: out-of-set granted,
 * bit 1: in-set refused; 4: an unexpected error. */
static int ask(const cpu_set_t *out, const cpu_set_t *in)
{
	int r = 0;

	if (!sched_setaffinity(0, sizeof(*out), out))
		r |= 1;
	else if (errno != EPERM)
		r |= 4;
	if (sched_setaffinity(0, sizeof(*in), in))
		r |= 2;
	return r;
}

/* ask() in a child started inside @dir by clone3(CLONE_INTO_CGROUP). */
static int ask_in_child(const char *dir, const cpu_set_t *out, const cpu_set_t *in)
{
	int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), status;
	struct clone_args args = {
		.flags = CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (unsigned)cg,
	};
	pid_t pid;

	if (cg < 0)
		die("cannot open", dir);
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		die("clone3 into", dir);
	if (!pid)
		_exit(ask(out, in));
	close(cg);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		die("child in", dir);
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	long rounds, granted = 0, refused = 0;
	cpu_set_t out, in;
	const char *root, *clone = getenv("RECREATE_CLONE");
	bool by_clone = clone && !strcmp(clone, "1");
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
		int r;

		if (by_clone) {
			r = ask_in_child(argv[argc - 1], &out, &in);
		} else {
			join(argv[argc - 1]);
			r = ask(&out, &in);
			join(root);
		}
		if (r & 4) {
			errno = EINVAL;
			die("out-of-set request: neither granted nor EPERM in", argv[argc - 1]);
		}
		granted += r & 1;
		refused += (r >> 1) & 1;
		for (int i = argc - 1; i >= 4; i--)
			if (rmdir(argv[i]))
				die("cannot remove", argv[i]);
	}
	printf("%ld rounds, %ld out-of-set granted, %ld in-set refused\n", rounds, granted, refused);
	return granted || refused;
}
