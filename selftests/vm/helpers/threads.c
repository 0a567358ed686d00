// SPDX-License-Identifier: GPL-2.0
/* Test helper: a process of N threads that sleeps until killed.
 *
 *   threads N [NAME]   N threads in all; the N - 1 extra threads are named
 *                      NAME (PR_SET_NAME: bytes, at most 15). Prints
 *                      "PID TID..." (main thread first) once every thread
 *                      is running, then waits for a signal.
 *
 * Exit 2 on usage errors. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

static pthread_barrier_t started;
static const char *name;
static pid_t *tids;

static void *thread_main(void *arg)
{
	long i = (long)arg;

	if (name)
		prctl(PR_SET_NAME, name);
	tids[i] = gettid();
	pthread_barrier_wait(&started);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc >= 2 ? atol(argv[1]) : 0;
	pthread_t t;

	if (argc < 2 || argc > 3 || n < 1 || n > 1000) {
		fprintf(stderr, "usage: threads N [NAME]\n");
		return 2;
	}
	name = argc == 3 ? argv[2] : NULL;
	tids = calloc(n, sizeof(*tids));
	pthread_barrier_init(&started, NULL, n);
	tids[0] = gettid();
	for (long i = 1; i < n; i++)
		if (pthread_create(&t, NULL, thread_main, (void *)i)) {
			perror("threads: pthread_create");
			return 1;
		}
	pthread_barrier_wait(&started);
	for (long i = 0; i < n; i++)
		printf("%d%c", tids[i], i + 1 < n ? ' ' : '\n');
	fflush(stdout);
	for (;;)
		pause();
}
