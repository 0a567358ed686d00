// SPDX-License-Identifier: GPL-2.0
/* cgbench lat: sched_setaffinity() and getppid() latency per configuration,
 * every group of configurations once per round; ratios within a round, then
 * the median over rounds. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include "configs.h"

struct result {
	double median, p99;
};

static struct result results[NCONFIGS][MAX_ROUNDS];

static void measure(int ci, int round, int calls, int warmup, uint64_t *lat)
{
	const struct config *c = &configs[ci];
	struct result *r = &results[ci][round];
	double sum = 0;

	enter_config(c);
	trace("<2>cgbench: measure %s\n", c->name);
	run_calls(c, warmup, NULL);
	run_calls(c, calls, lat);
	for (int i = 0; i < calls; i++)
		sum += lat[i];
	r->p99 = quantile_u64(lat, calls, 0.99);
	r->median = quantile_u64(lat, calls, 0.5);
	printf("LAT round=%d config=%s median_ns=%.0f p99_ns=%.0f mean_ns=%.0f calls=%d\n", round, c->name,
	       r->median, r->p99, sum / calls, calls);
}

/* Ratios reported besides every configuration / nobpf: numerator /
 * denominator, per round, then the median over rounds. */
static const char *const ratios[][2] = {
	{ "allowed", "empty" }, { "unconfined", "empty" }, { "allowed", "empty2" }, { "unconfined", "empty2" },
	{ "denied", "empty2" }, { "allowed", "cpuset" }, { "depth8", "depth1" }, { "depth16", "depth1" },
	{ "getppid_cg", "getppid" }, { "getppid_e2", "getppid" }, { "allowed", "empty4" },
	{ "unconfined", "empty4" }, { "empty4", "empty2" },
};

static void print_ratio(int a, int b, int rounds)
{
	int ti = config_index("timer"), nb = config_index("nobpf"), n = 0;
	double v[MAX_ROUNDS], p[MAX_ROUNDS], over[MAX_ROUNDS], lo = 1e9, hi = 0;

	for (int r = 0; r < rounds; r++) {
		double t = results[ti][r].median;

		if (!results[a][r].median || !results[b][r].median)
			continue;
		v[n] = (results[a][r].median - t) / (results[b][r].median - t);
		p[n] = (results[a][r].p99 - t) / (results[b][r].p99 - t);
		/* Extra time over the denominator, in units of the no-BPF
		 * latency: how far above a floor something sits. */
		over[n] = (results[a][r].median - results[b][r].median) / (results[nb][r].median - t);
		lo = v[n] < lo ? v[n] : lo;
		hi = v[n] > hi ? v[n] : hi;
		n++;
	}
	if (n)
		printf("RATIO num=%s den=%s median=%.3f p99=%.3f min=%.3f max=%.3f over_nobpf=%.3f rounds=%d\n",
		       configs[a].name, configs[b].name, median_dbl(v, n), median_dbl(p, n), lo, hi,
		       median_dbl(over, n), n);
}

/* Latencies net of the timer: each round's timer median (two clock reads
 * with nothing between) is taken off every median and p99 of that round. */
static void summarize(int rounds)
{
	int nb = config_index("nobpf");
	double v[MAX_ROUNDS], p[MAX_ROUNDS];

	for (size_t ci = 0; ci < NCONFIGS; ci++) {
		int n = 0;

		for (int r = 0; r < rounds; r++) {
			if (!results[ci][r].median)
				continue; /* did not run */
			v[n] = results[ci][r].median;
			p[n++] = results[ci][r].p99;
		}
		if (n)
			printf("CONFIG config=%s group=%s median_ns=%.0f p99_ns=%.0f rounds=%d what=\"%s\"\n",
			       configs[ci].name, group_name[configs[ci].group], median_dbl(v, n), median_dbl(p, n), n,
			       configs[ci].what);
	}
	for (size_t ci = 0; ci < NCONFIGS; ci++)
		if (configs[ci].call == CALL_SETAFFINITY && (int)ci != nb)
			print_ratio(ci, nb, rounds);
	for (size_t i = 0; i < sizeof(ratios) / sizeof(ratios[0]); i++)
		print_ratio(config_index(ratios[i][0]), config_index(ratios[i][1]), rounds);
}

int bench_lat(const struct bench_opts *o)
{
	int rounds = o->rounds, calls = o->calls;
	int warmup = calls / 10 > 1000 ? 1000 : calls / 10;
	uint64_t *lat = calloc(calls, sizeof(*lat));

	if (!lat)
		die("out of memory");
	if (rounds < 1 || rounds > MAX_ROUNDS)
		die("rounds: 1..%d", MAX_ROUNDS);
	setup_cgroups();
	for (int r = 0; r < rounds; r++) {
		uint64_t t0 = now_ns();

		/* Every group once per round, starting one further each round. */
		for (int gi = 0; gi < NGROUPS; gi++) {
			enum group g = (gi + r) % NGROUPS;

			group_enter(g);
			for (size_t ci = 0; ci < NCONFIGS; ci++)
				if (configs[ci].group == g)
					measure(ci, r, calls, warmup, lat);
			group_leave(g);
		}
		printf("ROUND round=%d seconds=%.2f\n", r, (now_ns() - t0) / 1e9);
	}
	summarize(rounds);
	destroy_empty();
	cleanup_cgroups();
	free(lat);
	return 0;
}
