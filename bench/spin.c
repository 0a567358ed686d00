// SPDX-License-Identifier: GPL-2.0
/* cgbench spin CONFIG PERF_DATA: one configuration's calls under perf, for
 * the profiles in the report. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "configs.h"

/* Run one configuration's calls untimed for @seconds while perf samples
 * every CPU into @data. perf starts first, so that it sees the programs
 * being loaded and can name them; its samples carry CLOCK_MONOTONIC time
 * stamps, and "SPIN start= end=" tells which of them are the calls. */
int bench_spin(const struct bench_opts *o)
{
	const char *name = o->args[0], *data = o->args[1];
	double seconds = o->seconds;
	const struct config *c = &configs[config_index(name)];
	char *argv[] = { "perf", "record", "-q", "-a", "-F", "1999", "-e", "cpu-clock", "-k", "CLOCK_MONOTONIC",
			 "-o", (char *)data, NULL };
	posix_spawn_file_actions_t fa;
	uint64_t start, end;
	pid_t pid;
	int st;

	setup_cgroups();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if ((errno = posix_spawnp(&pid, "perf", &fa, NULL, argv, environ)))
		die("cannot run perf: %s", strerror(errno));
	posix_spawn_file_actions_destroy(&fa);
	usleep(1500000); /* perf sets up its buffers */
	group_enter(c->group);
	enter_config(c);
	run_calls(c, 1000, NULL);
	start = now_ns();
	end = start + (uint64_t)(seconds * 1e9);
	while (now_ns() < end)
		run_calls(c, 1000, NULL);
	end = now_ns();
	group_leave(c->group);
	printf("SPIN config=%s start=%llu.%06llu end=%llu.%06llu\n", name,
	       (unsigned long long)(start / 1000000000), (unsigned long long)(start % 1000000000 / 1000),
	       (unsigned long long)(end / 1000000000), (unsigned long long)(end % 1000000000 / 1000));
	kill(pid, SIGINT);
	waitpid(pid, &st, 0);
	destroy_empty();
	cleanup_cgroups();
	return 0;
}
