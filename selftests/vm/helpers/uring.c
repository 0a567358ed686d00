// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper: the io_uring calls that choose CPUs, through liburing.
 *
 *   uring plain             a ring without SQPOLL; submit a NOP, reap it
 *   uring sqpoll [CPU]      an SQPOLL ring (bound to CPU with SQ_AFF);
 *                           prints the SQ thread's CPUs
 *   uring iowq CPULIST      a plain ring, then IORING_REGISTER_IOWQ_AFF
 *   uring async             a plain ring, a NOP forced to an io-wq worker;
 *                           prints the worker's CPUs
 *
 * Prints "ok" or the errno name of the call that failed (plus, for sqpoll,
 * "sqthread CPULIST"); exit 0 on success, 1 on failure, 2 on usage errors.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <liburing.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cpulist.h"

static int report(int err)
{
	printf("%s\n", err == 0 ? "ok" : err == EPERM ? "EPERM" : err == EINVAL ? "EINVAL" : strerror(err));
	return err ? 1 : 0;
}

/* io_uring's kernel threads are threads of this process: the SQ poll
 * thread is named iou-sqp-PID, io-wq workers iou-wrk-PID. */
static void print_io_thread(const char *prefix, const char *label)
{
	char path[300], line[256];
	struct dirent *de;
	DIR *d = opendir("/proc/self/task");

	while (d && (de = readdir(d))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && !strncmp(line, prefix, strlen(prefix))) {
			fclose(f);
			snprintf(path, sizeof(path), "/proc/self/task/%s/status", de->d_name);
			f = fopen(path, "r");
			while (f && fgets(line, sizeof(line), f))
				if (!strncmp(line, "Cpus_allowed_list:", 18))
					printf("%s %s", label, line + 18 + strspn(line + 18, "\t "));
		}
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { 0 };
	struct io_uring ring;
	int err;

	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "plain") && argc == 2) {
		struct io_uring_cqe *cqe;

		err = -io_uring_queue_init(8, &ring, 0);
		if (err)
			return report(err);
		io_uring_prep_nop(io_uring_get_sqe(&ring));
		err = io_uring_submit(&ring) == 1 ? -io_uring_wait_cqe(&ring, &cqe) : EIO;
		return report(err);
	}
	if (!strcmp(argv[1], "async") && argc == 2) {
		struct io_uring_cqe *cqe;
		struct io_uring_sqe *sqe;

		err = -io_uring_queue_init(8, &ring, 0);
		if (err)
			return report(err);
		sqe = io_uring_get_sqe(&ring);
		io_uring_prep_nop(sqe);
		sqe->flags |= IOSQE_ASYNC;
		err = io_uring_submit(&ring) == 1 ? -io_uring_wait_cqe(&ring, &cqe) : EIO;
		report(err);
		print_io_thread("iou-wrk", "worker");
		return err ? 1 : 0;
	}
	if (!strcmp(argv[1], "sqpoll") && argc <= 3) {
		p.flags = IORING_SETUP_SQPOLL;
		if (argc == 3) {
			p.flags |= IORING_SETUP_SQ_AFF;
			p.sq_thread_cpu = atoi(argv[2]);
		}
		err = -io_uring_queue_init_params(8, &ring, &p);
		if (err)
			return report(err);
		usleep(100000); /* let the thread bind itself */
		report(0);
		print_io_thread("iou-sqp", "sqthread");
		return 0;
	}
	if (!strcmp(argv[1], "iowq") && argc == 3) {
		struct cg_cpumask m;
		char msg[256];
		cpu_set_t set;

		if (cpulist_parse(argv[2], &m, CPU_SETSIZE, NULL, msg, sizeof(msg))) {
			fprintf(stderr, "uring: %s\n", msg);
			return 2;
		}
		CPU_ZERO(&set);
		for (unsigned c = 0; c < CPU_SETSIZE; c++)
			if (cg_cpumask_test(&m, c))
				CPU_SET(c, &set);
		err = -io_uring_queue_init(8, &ring, 0);
		if (!err)
			err = -io_uring_register_iowq_aff(&ring, sizeof(set), &set);
		return report(err);
	}
usage:
	fprintf(stderr, "usage: uring plain | async | sqpoll [CPU] | iowq CPULIST\n");
	return 2;
}
