// SPDX-License-Identifier: GPL-2.0
/* cgbench stats: run time per invocation of each BPF program, from the
 * kernel's BPF statistics (kernel.bpf_stats_enabled, bpf_prog_info
 * run_time_ns / run_cnt), per configuration. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "configs.h"

/* ns per run of [config][fentry or lsm program][round] */
static double prog_ns[NCONFIGS][2][MAX_ROUNDS];
/* the fastest batch of each: on a shared host, the least disturbed */
static double prog_min[NCONFIGS][2];
static const char *prog_label[NCONFIGS][2];

/* Calls per batch: the statistics are sums, so one host-side preemption
 * of the vCPU inside a program (milliseconds under a loaded host) would
 * swamp the mean of a whole run. The mean of each batch of calls is taken,
 * then the median over batches. */
#define STATS_BATCH 500

static void stats_config(int ci, int round, int slot, struct prog_stat *ps, int calls)
{
	const struct config *c = &configs[ci];
	int nb = calls / STATS_BATCH > 0 ? calls / STATS_BATCH : 1;
	double *per = calloc(2 * (size_t)nb, sizeof(*per));
	uint64_t cnt0[2], ns0[2], mis0[2], cnt[2] = { 0, 0 }, ns[2] = { 0, 0 }, mis[2] = { 0, 0 };

	if (!per)
		die("out of memory");
	enter_config(c);
	run_calls(c, calls / 10, NULL);
	for (int b = 0; b < nb; b++) {
		for (int i = 0; i < 2; i++) {
			read_prog_stat(&ps[i]);
			cnt0[i] = ps[i].cnt, ns0[i] = ps[i].ns, mis0[i] = ps[i].misses;
		}
		run_calls(c, STATS_BATCH, NULL);
		for (int i = 0; i < 2; i++) {
			read_prog_stat(&ps[i]);
			cnt[i] += ps[i].cnt - cnt0[i];
			ns[i] += ps[i].ns - ns0[i];
			mis[i] += ps[i].misses - mis0[i];
			per[i * nb + b] = ps[i].cnt > cnt0[i] ? (double)(ps[i].ns - ns0[i]) / (ps[i].cnt - cnt0[i]) : 0;
		}
	}
	for (int i = 0; i < 2; i++) {
		double *v = per + i * nb;

		qsort(v, nb, sizeof(*v), cmp_dbl);
		prog_ns[ci][i][slot] = nb % 2 ? v[nb / 2] : (v[nb / 2 - 1] + v[nb / 2]) / 2;
		if (!slot || v[0] < prog_min[ci][i])
			prog_min[ci][i] = v[0];
		prog_label[ci][i] = ps[i].label;
		printf("STATS round=%d config=%s prog=%s calls=%d run_cnt=%llu run_time_ns=%llu mean_ns=%.0f "
		       "ns_per_run=%.0f min_ns_per_run=%.0f recursion_misses=%llu\n",
		       round, c->name, ps[i].label, nb * STATS_BATCH, (unsigned long long)cnt[i],
		       (unsigned long long)ns[i], cnt[i] ? (double)ns[i] / cnt[i] : 0.0, prog_ns[ci][i][slot], v[0],
		       (unsigned long long)mis[i]);
	}
	free(per);
}

/* Every configuration of group @g that makes a call, with its programs. */
static void stats_group(enum group g, int round, int ran[NCONFIGS], int calls)
{
	struct prog_stat ps[2];

	group_enter(g);
	group_progs(g, ps);
	for (size_t ci = 0; ci < NCONFIGS; ci++) {
		if (configs[ci].group != g || configs[ci].call == CALL_TIMER)
			continue;
		stats_config(ci, round, ran[ci], ps, calls);
		ran[ci]++;
	}
	close(ps[0].fd);
	close(ps[1].fd);
	group_leave(g);
}

int bench_stats(const struct bench_opts *o)
{
	static const enum group groups[] = { G_EMPTY2, G_CPUGUARD };
	int ran[NCONFIGS] = { 0 };

	if (o->rounds < 1 || o->rounds > MAX_ROUNDS)
		die("rounds: 1..%d", MAX_ROUNDS);
	setup_cgroups();
	write_file("/proc/sys/kernel/bpf_stats_enabled", "1");
	for (int r = 0; r < o->rounds; r++)
		for (size_t gi = 0; gi < sizeof(groups) / sizeof(groups[0]); gi++)
			stats_group(groups[gi], r, ran, o->calls);
	write_file("/proc/sys/kernel/bpf_stats_enabled", "0");
	for (size_t ci = 0; ci < NCONFIGS; ci++)
		for (int i = 0; ran[ci] && i < 2; i++)
			printf("STATSUM config=%s prog=%s ns_per_run=%.0f min_ns_per_run=%.0f rounds=%d\n",
			       configs[ci].name, prog_label[ci][i], median_dbl(prog_ns[ci][i], ran[ci]),
			       prog_min[ci][i], ran[ci]);
	destroy_empty();
	cleanup_cgroups();
	return 0;
}
