// SPDX-License-Identifier: GPL-2.0
/* Test helper: make scheduler calls and report the exact result.
 *
 *   affinity set PID CPULIST          sched_setaffinity(PID) with a mask wide
 *                                     enough for any CPU number in CPULIST
 *   affinity get PID                  print the affinity as a CPU list
 *   affinity sched PID                sched_setscheduler, sched_setparam and
 *                                     sched_setattr on PID (SCHED_OTHER)
 *   affinity thread CPULIST           a second thread of this process is the
 *                                     target: set by the main thread, then by
 *                                     itself
 *   affinity loop N CPULIST EXPECT    N calls on itself; EXPECT ok|EPERM;
 *                                     prints how many verdicts differed;
 *                                     CPULIST A/B/...: the lists in turn
 *   affinity clone-into CGROUP_DIR    clone3(CLONE_INTO_CGROUP) a child into
 *                                     that cgroup; the child prints its cgroup
 *   affinity membarrier               membarrier(MEMBARRIER_CMD_GLOBAL), which
 *                                     nohz_full CPUs make the kernel refuse
 *
 * Prints "ok" or the errno name; exit 0 when the call(s) succeeded (loop:
 * when every verdict was as expected), 1 otherwise, 2 on usage errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <linux/sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cpulist.h"

static const char *errname(int e)
{
	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case ESRCH: return "ESRCH";
	default: return strerror(e);
	}
}

static cpu_set_t *mask_of(const char *list, size_t *size)
{
	struct cg_cpumask m;
	char err[256];
	cpu_set_t *set;

	if (cpulist_parse(list, &m, CG_MAX_CPUS, NULL, err, sizeof(err))) {
		fprintf(stderr, "affinity: %s\n", err);
		exit(2);
	}
	*size = CPU_ALLOC_SIZE(CG_MAX_CPUS);
	set = CPU_ALLOC(CG_MAX_CPUS);
	CPU_ZERO_S(*size, set);
	for (unsigned c = 0; c < CG_MAX_CPUS; c++)
		if (cg_cpumask_test(&m, c))
			CPU_SET_S(c, *size, set);
	return set;
}

static int set_affinity(pid_t pid, const char *list)
{
	size_t size;
	cpu_set_t *set = mask_of(list, &size);
	int e = sched_setaffinity(pid, size, set) ? errno : 0;

	CPU_FREE(set);
	return e;
}

static int report(int e)
{
	printf("%s\n", errname(e));
	return e ? 1 : 0;
}

struct sched_attr_v0 {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

static int do_sched(pid_t pid)
{
	struct sched_param sp = { 0 };
	struct sched_attr_v0 attr = { .size = sizeof(attr), .sched_policy = SCHED_OTHER };
	int e1 = sched_setscheduler(pid, SCHED_OTHER, &sp) ? errno : 0;
	int e2 = sched_setparam(pid, &sp) ? errno : 0;
	int e3 = syscall(SYS_sched_setattr, pid, &attr, 0) ? errno : 0;

	printf("sched_setscheduler %s, sched_setparam %s, sched_setattr %s\n", errname(e1), errname(e2),
	       errname(e3));
	return e1 || e2 || e3;
}

static pthread_barrier_t barrier;
static const char *thread_list;
static int thread_self_result;
static pid_t thread_tid;

static void *thread_main(void *arg)
{
	(void)arg;
	thread_tid = gettid();
	pthread_barrier_wait(&barrier); /* tid published */
	pthread_barrier_wait(&barrier); /* main thread has tried */
	thread_self_result = set_affinity(0, thread_list);
	return NULL;
}

static int do_thread(const char *list)
{
	pthread_t t;
	int by_main;

	thread_list = list;
	pthread_barrier_init(&barrier, NULL, 2);
	pthread_create(&t, NULL, thread_main, NULL);
	pthread_barrier_wait(&barrier);
	by_main = set_affinity(thread_tid, list);
	pthread_barrier_wait(&barrier);
	pthread_join(t, NULL);
	printf("by main thread %s, by itself %s\n", errname(by_main), errname(thread_self_result));
	return by_main || thread_self_result;
}

/* CPULIST may be several lists separated by '/': the calls take them in
 * turn, so that no call repeats the one before (distinct denials). */
static int do_loop(long n, const char *lists, const char *expect)
{
	char *copy = strdup(lists), *tok, *save = NULL;
	cpu_set_t *set[64];
	size_t size = 0;
	int want = strcmp(expect, "ok") ? EPERM : 0, nset = 0;
	long wrong = 0;

	for (tok = strtok_r(copy, "/", &save); tok && nset < 64; tok = strtok_r(NULL, "/", &save))
		set[nset++] = mask_of(tok, &size);
	if (!nset)
		return 2;
	for (long i = 0; i < n; i++) {
		int e = sched_setaffinity(0, size, set[i % nset]) ? errno : 0;
		if (e != want)
			wrong++;
	}
	for (int k = 0; k < nset; k++)
		CPU_FREE(set[k]);
	free(copy);
	printf("%ld calls, %ld unexpected verdicts\n", n, wrong);
	return wrong != 0;
}

static int do_get(pid_t pid)
{
	size_t size = CPU_ALLOC_SIZE(CG_MAX_CPUS);
	cpu_set_t *set = CPU_ALLOC(CG_MAX_CPUS);
	struct cg_cpumask m = { 0 };
	char buf[8192];

	if (sched_getaffinity(pid, size, set))
		return report(errno);
	for (unsigned c = 0; c < CG_MAX_CPUS; c++)
		if (CPU_ISSET_S(c, size, set))
			cg_cpumask_set(&m, c);
	cpulist_format(&m, buf, sizeof(buf));
	printf("%s\n", buf);
	CPU_FREE(set);
	return 0;
}

/* A fork into a cgroup reaches the same LSM hook (cpuset_can_fork). */
static int do_clone_into(const char *dir)
{
	struct clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
	int fd = open(dir, O_RDONLY | O_DIRECTORY), status;
	long pid;

	if (fd < 0)
		return report(errno);
	args.cgroup = fd;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return report(errno);
	if (pid == 0) {
		char buf[512];
		FILE *f = fopen("/proc/self/cgroup", "r");

		if (f && fgets(buf, sizeof(buf), f))
			printf("child in %s", buf);
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return report(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "set"))
		return report(set_affinity(atoi(argv[2]), argv[3]));
	if (argc == 3 && !strcmp(argv[1], "get"))
		return do_get(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "sched"))
		return do_sched(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "thread"))
		return do_thread(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "loop"))
		return do_loop(atol(argv[2]), argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "clone-into"))
		return do_clone_into(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "membarrier"))
		return report(syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) ? errno : 0);
	fprintf(stderr, "usage: affinity set PID CPULIST | get PID | sched PID | thread CPULIST | "
			"loop N CPULIST ok|EPERM | clone-into CGROUP_DIR | membarrier\n");
	return 2;
}
