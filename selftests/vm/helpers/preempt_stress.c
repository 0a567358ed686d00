// SPDX-License-Identifier: GPL-2.0
/*
 * Test helper: two threads of this process, both on CPU IN, for SECONDS:
 * thread A asks for {IN} (inside the set) in a loop, thread B for {OUT}
 * (outside) and moves back to {IN} whenever that was granted. On a
 * preemptible kernel the two keep preempting each other inside cpuguard's
 * programs on one CPU: every verdict must still be the right one.
 *
 *   preempt_stress SECONDS IN OUT
 *
 * Prints one line:
 *   STRESS in_calls=N in_refused=N out_calls=N out_granted=N other_errors=N
 * Exit 0 when out_granted is 0, 1 otherwise, 2 on usage errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int in_cpu, out_cpu;
static atomic_bool stop;
static unsigned long in_calls, in_refused, out_calls, out_granted, other_errors;

static int set_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? errno : 0;
}

static void *inside(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		int e = set_cpu(in_cpu);

		in_calls++;
		if (e == EPERM)
			in_refused++;
		else if (e)
			other_errors++;
	}
	return NULL;
}

static void *outside(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		int e = set_cpu(out_cpu);

		out_calls++;
		if (!e) {
			out_granted++;
			set_cpu(in_cpu);
		} else if (e != EPERM) {
			other_errors++;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec t = { 0 };
	pthread_t a, b;

	if (argc != 4) {
		fprintf(stderr, "usage: preempt_stress SECONDS IN OUT\n");
		return 2;
	}
	t.tv_sec = atoi(argv[1]);
	in_cpu = atoi(argv[2]);
	out_cpu = atoi(argv[3]);
	if (set_cpu(in_cpu)) {
		perror("preempt_stress: cannot move to CPU IN");
		return 2;
	}
	pthread_create(&a, NULL, inside, NULL);
	pthread_create(&b, NULL, outside, NULL);
	nanosleep(&t, NULL);
	atomic_store(&stop, true);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("STRESS in_calls=%lu in_refused=%lu out_calls=%lu out_granted=%lu other_errors=%lu\n", in_calls,
	       in_refused, out_calls, out_granted, other_errors);
	return out_granted ? 1 : 0;
}
