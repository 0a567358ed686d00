// SPDX-License-Identifier: GPL-2.0
/* cgbench apply: wall time of `cpuguard check` and `cpuguard apply` for
 * policies of that many cgroups (one named set, or an inline CPU list each). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"

#define MAX_SIZES 16

static void write_policy(const char *path, int n, bool inline_lists)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("cannot write %s: %s", path, strerror(errno));
	if (!inline_lists)
		fprintf(f, "set work %s\n", ALLOWED);
	for (int i = 0; i < n; i++)
		fprintf(f, "cgroup /apply/c%05d %s\n", i, inline_lists ? ALLOWED : "work");
	if (fclose(f))
		die("cannot write %s: %s", path, strerror(errno));
}

/* --sizes N,N,...: into n[], returns how many; *max gets the largest. */
static int parse_sizes(const char *sizes, int n[MAX_SIZES], int *max)
{
	const char *s = sizes;
	char *end;
	int nn = 0;

	*max = 0;
	while (*s && nn < MAX_SIZES) {
		n[nn] = strtol(s, &end, 10);
		if (end == s || n[nn] < 1 || n[nn] > CPUGUARD_MAX_ENTRIES)
			die("bad --sizes %s", sizes);
		*max = n[nn] > *max ? n[nn] : *max;
		nn++;
		s = *end == ',' ? end + 1 : end;
	}
	return nn;
}

/* The cgroups apply/c00000 ... for @max entries. */
static void make_cgroups(int max)
{
	char path[64];
	uint64_t t0;

	move_self("");
	mkcg("apply");
	t0 = now_ns();
	for (int i = 0; i < max; i++) {
		snprintf(path, sizeof(path), "apply/c%05d", i);
		mkcg(path);
	}
	printf("APPLY_SETUP cgroups=%d mkdir_ms=%.1f\n", max, (now_ns() - t0) / 1e6);
}

static void remove_cgroups(int max)
{
	char path[64];
	uint64_t t0 = now_ns();

	for (int i = 0; i < max; i++) {
		snprintf(path, sizeof(path), "apply/c%05d", i);
		rmcg(path);
	}
	rmcg("apply");
	printf("APPLY_CLEANUP rmdir_ms=%.1f\n", (now_ns() - t0) / 1e6);
}

/* One more apply, with the BPF statistics on, to see how much of it the
 * installing programs (@ps) take. Leaves their statistics after it in @ps,
 * before it in @before; returns the apply's wall time. */
static uint64_t apply_with_stats(const char *path, struct prog_stat ps[2], struct prog_stat before[2])
{
	uint64_t apply;

	write_file("/proc/sys/kernel/bpf_stats_enabled", "1");
	read_prog_stat(&ps[0]);
	read_prog_stat(&ps[1]);
	before[0] = ps[0];
	before[1] = ps[1];
	apply = cpuguard("apply", path);
	read_prog_stat(&ps[0]);
	read_prog_stat(&ps[1]);
	write_file("/proc/sys/kernel/bpf_stats_enabled", "0");
	return apply;
}

/* With CGBENCH_PERF=DIR, an apply once more under perf, into
 * DIR/apply-ENTRIES-FORM.data (bench.sh reports it). */
static void perf_apply(const char *path, int n, const char *fname)
{
	char data[256];
	char *argv[] = { "perf", "record", "-q", "-a", "-g", "-F", "1999", "-e", "cpu-clock",
			 "-o", data, "--", (char *)cpuguard_bin, "apply", (char *)path, NULL };

	snprintf(data, sizeof(data), "%s/apply-%d-%s.data", getenv("CGBENCH_PERF"), n, fname);
	if (run_argv(argv, -1, NULL))
		fprintf(stderr, "cgbench: perf record failed\n");
}

/* @reps applies of @n entries in one form, then one with statistics (and,
 * for the largest size, one under perf). */
static void apply_size(int n, bool inline_lists, int reps, bool largest)
{
	const char *fname = inline_lists ? "inline" : "set";
	struct prog_stat ps[2] = {
		{ .fd = pinned(PIN_PROG_POLICY_INSTALL), .label = "policy_install" },
		{ .fd = pinned(PIN_PROG_SET_CREATE), .label = "set_create" },
	}, ps0[2];
	char path[64];
	uint64_t apply;

	snprintf(path, sizeof(path), "/tmp/apply-%d-%s.conf", n, fname);
	write_policy(path, n, inline_lists);
	for (int r = 0; r < reps; r++) {
		uint64_t check = cpuguard("check", path);

		apply = cpuguard("apply", path);
		printf("APPLY entries=%d form=%s rep=%d apply_ms=%.1f check_ms=%.1f\n", n, fname, r, apply / 1e6,
		       check / 1e6);
		fflush(stdout);
	}
	apply = apply_with_stats(path, ps, ps0);
	if (getenv("CGBENCH_PERF") && largest)
		perf_apply(path, n, fname);
	printf("APPLY_STATS entries=%d form=%s apply_ms=%.1f install_runs=%llu install_ms=%.2f "
	       "create_runs=%llu create_ms=%.2f\n",
	       n, fname, apply / 1e6, (unsigned long long)(ps[0].cnt - ps0[0].cnt), (ps[0].ns - ps0[0].ns) / 1e6,
	       (unsigned long long)(ps[1].cnt - ps0[1].cnt), (ps[1].ns - ps0[1].ns) / 1e6);
	fflush(stdout);
	close(ps[0].fd);
	close(ps[1].fd);
	unlink(path);
}

int bench_apply(const struct bench_opts *o)
{
	int n[MAX_SIZES], max, nn = parse_sizes(o->sizes, n, &max);

	make_cgroups(max);
	cpuguard("load", NULL);
	for (int k = 0; k < nn; k++)
		for (int form = 0; form < 2; form++)
			apply_size(n[k], form, o->reps, k == nn - 1);
	cpuguard_unload();
	remove_cgroups(max);
	return 0;
}
