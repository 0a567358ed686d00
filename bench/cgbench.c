// SPDX-License-Identifier: GPL-2.0
/*
 * cgbench: what cpuguard costs, measured inside the test VM (bench/run.sh
 * boots it). Every figure is a ratio of configurations measured side by
 * side in one boot: under QEMU TCG absolute times mean little.
 *
 *   cgbench lat [--rounds R] [--calls N]
 *       sched_setaffinity() latency per configuration (no BPF, cpuset,
 *       empty BPF programs, cpuguard unconfined / allowed / denied / at
 *       depth 1, 8, 16) and getppid() with and without cpuguard. Each
 *       round visits every group of configurations (in an order rotated
 *       per round); ratios are taken within a round, then the median over
 *       rounds.
 *   cgbench stats [--rounds R] [--calls N]
 *       run time per invocation of each BPF program, from the kernel's BPF
 *       statistics (kernel.bpf_stats_enabled, bpf_prog_info run_time_ns /
 *       run_cnt), per configuration.
 *   cgbench apply [--sizes 100,1000,10000] [--reps R]
 *       wall time of `cpuguard check` and `cpuguard apply` for policies of
 *       that many cgroups (one named set, or an inline CPU list each).
 *   cgbench audit [--threads T] [--seconds S] [--reader cli|null|raw] [--pattern distinct|repeat]
 *       a denial flood from T threads while `cpuguard audit --follow
 *       --json` reads the events; counts denials, events, drops, lines.
 *   cgbench drain [--rounds R] [--threads T]
 *       how fast that reader empties a full ring buffer into a file: its
 *       capacity, apart from what the flood can produce.
 *   cgbench fmt [--calls N]
 *       what that reader spends per event, step by step.
 *   cgbench spin CONFIG PERF_DATA [--seconds S]
 *       one configuration's calls for S seconds under `perf record -a`.
 *
 * One file per measurement, named after it (lat.c, stats.c, apply.c,
 * audit.c (audit and drain), fmt.c, spin.c), as bpftool has one per subcommand; configs.c
 * holds the configurations lat, stats and spin time, common.c what every
 * measurement uses. This file reads the command line and dispatches.
 *
 * Output: one line per measurement, "KIND key=value ...", for
 * bench/report.sh. Exit status 0 when everything ran (targets are not
 * judged here), 1 on any failure.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"

static const struct command {
	const char *name;
	int nargs; /* arguments before the options */
	int (*run)(const struct bench_opts *o);
} commands[] = {
	{ "lat", 0, bench_lat },
	{ "stats", 0, bench_stats },
	{ "fmt", 0, bench_fmt },
	{ "spin", 2, bench_spin },
	{ "apply", 0, bench_apply },
	{ "audit", 0, bench_audit },
	{ "drain", 0, bench_drain },
};

static void usage(void)
{
	fprintf(stderr, "usage: cgbench lat [--rounds R] [--calls N]\n"
			"       cgbench stats [--rounds R] [--calls N]\n"
			"       cgbench fmt [--calls N]\n"
			"       cgbench spin CONFIG PERF_DATA [--seconds S]\n"
			"       cgbench apply [--sizes N,N,...] [--reps R]\n"
			"       cgbench audit [--threads T] [--seconds S] [--reader cli|null|raw] [--pattern distinct|repeat]\n"
			"       cgbench drain [--rounds R] [--threads T]\n");
	exit(2);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* The options from argv[first] on, each with its value. */
static void parse_options(int argc, char **argv, int first, struct bench_opts *o)
{
	for (int i = first; i < argc; i++) {
		const char *opt = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(opt, "--rounds"))
			o->rounds = atoi(v);
		else if (!strcmp(opt, "--calls"))
			o->calls = atoi(v);
		else if (!strcmp(opt, "--sizes"))
			o->sizes = v;
		else if (!strcmp(opt, "--reps"))
			o->reps = atoi(v);
		else if (!strcmp(opt, "--threads"))
			o->threads = atoi(v);
		else if (!strcmp(opt, "--seconds"))
			o->seconds = atof(v);
		else if (!strcmp(opt, "--reader"))
			o->reader = v;
		else if (!strcmp(opt, "--pattern"))
			o->pattern = v;
		else
			usage();
		i++;
	}
}

int main(int argc, char **argv)
{
	struct bench_opts o = {
		.rounds = 11, .calls = 20000, .reps = 3, .threads = 3, .seconds = 3,
		.sizes = "100,1000,10000", .reader = "cli", .pattern = "distinct",
	};
	const struct command *cmd;

	if (argc < 2)
		usage();
	cmd = find_command(argv[1]);
	parse_options(argc, argv, 2 + (cmd ? cmd->nargs : 0), &o);
	if (getenv("CGBENCH_CPUGUARD"))
		cpuguard_bin = getenv("CGBENCH_CPUGUARD");
	if (o.calls < 100)
		die("--calls: at least 100");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!cmd || argc < 2 + cmd->nargs)
		usage();
	o.args = argv + 2;
	return cmd->run(&o);
}
