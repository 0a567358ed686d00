// SPDX-License-Identifier: GPL-2.0
/* Test helper: a process with one io_uring io-wq worker thread that stays.
 *
 *   iou_worker FIFO   creates the FIFO, submits an OPENAT of it for writing
 *                     with IOSQE_ASYNC: an io-wq worker ("iou-wrk-PID")
 *                     takes it and blocks until a reader opens the FIFO.
 *                     Prints "PID WORKER_TID" once the worker runs, then
 *                     waits for a signal. Prints "unsupported ERRNO" and
 *                     exits 3 when io_uring is unavailable (disabled by
 *                     sysctl, or not built in).
 *
 * Raw system calls: liburing is not needed for one request. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The tid of this process's io-wq worker, 0 while there is none. */
static int find_worker(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int tid = 0;

	while (d && (de = readdir(d))) {
		char path[300], comm[64] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		if (de->d_name[0] == '.' || !(f = fopen(path, "r")))
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "iou-wrk-", 8))
			tid = atoi(de->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return tid;
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { 0 };
	struct io_uring_sqe *sqes;
	unsigned *tail, *mask, *array;
	char *sq;
	int fd, tid;

	if (argc != 2) {
		fprintf(stderr, "usage: iou_worker FIFO\n");
		return 2;
	}
	if (mkfifo(argv[1], 0600) && errno != EEXIST) {
		perror("iou_worker: mkfifo");
		return 1;
	}
	fd = syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0) {
		printf("unsupported %d\n", errno);
		return 3;
	}
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		    IORING_OFF_SQES);
	if (sq == MAP_FAILED || sqes == MAP_FAILED) {
		perror("iou_worker: mmap");
		return 1;
	}
	tail = (unsigned *)(sq + p.sq_off.tail);
	mask = (unsigned *)(sq + p.sq_off.ring_mask);
	array = (unsigned *)(sq + p.sq_off.array);
	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_OPENAT;
	sqes[0].fd = AT_FDCWD;
	sqes[0].addr = (uintptr_t)argv[1];
	sqes[0].open_flags = O_WRONLY;
	sqes[0].flags = IOSQE_ASYNC; /* straight to io-wq, which blocks in open */
	array[*tail & *mask] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, fd, 1, 0, 0, NULL, 0) != 1) {
		perror("iou_worker: io_uring_enter");
		return 1;
	}
	for (int i = 0; !(tid = find_worker()); i++) {
		if (i == 1000) {
			fprintf(stderr, "iou_worker: no io-wq worker after 10 s\n");
			return 1;
		}
		usleep(10000);
	}
	printf("%d %d\n", getpid(), tid);
	fflush(stdout);
	for (;;)
		pause();
}
