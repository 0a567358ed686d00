/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What cgbench's measurements share (common.c): dying with a message,
 * progress traces, the clock, medians, files and cgroups, running commands
 * and cpuguard's CLI, pinned objects and BPF program statistics.
 */
#ifndef CGBENCH_COMMON_H
#define CGBENCH_COMMON_H

/* Includers define _GNU_SOURCE first (cpu_set_t). */
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <bpf/bpf.h>
#include "../cmd/cpuguard.h" /* pin names */

#define CGROOT "/sys/fs/cgroup"
#define POLICY "/tmp/cgbench.conf"
#define MAX_ROUNDS 64

/* The confined cgroup (bench/conf) is confined to CPUs 1-2 by cpuguard,
 * bench-cpuset to the same CPUs by the cpuset controller. The depth chain
 * hangs below bench/conf: bench/conf/d1/d2/.../d16. */
#define CONFINED "bench/conf"
#define DEPTH1 CONFINED "/d1"
#define DEPTH8 DEPTH1 "/d2/d3/d4/d5/d6/d7/d8"
#define DEPTH16 DEPTH8 "/d9/d10/d11/d12/d13/d14/d15/d16"
#define UNCONFINED "bench/free"
#define CPUSET "bench-cpuset"
#define FLOOD "bench/flood"
#define ALLOWED "1-2"
#define DENIED "0-3"

/* The command line, one set for every measurement. */
struct bench_opts {
	int rounds, calls, reps, threads;
	double seconds;
	const char *sizes, *reader, *pattern;
	char **args; /* the command's arguments before its options */
};

/* The measurements, one file each. */
int bench_lat(const struct bench_opts *o);
int bench_spin(const struct bench_opts *o);
int bench_stats(const struct bench_opts *o);
int bench_apply(const struct bench_opts *o);
int bench_audit(const struct bench_opts *o);
int bench_fmt(const struct bench_opts *o);
int bench_drain(const struct bench_opts *o);

extern char **environ;
extern const char *cpuguard_bin;

void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

uint64_t now_ns(void);
int cmp_dbl(const void *a, const void *b);
uint64_t quantile_u64(uint64_t *v, size_t n, double q);
double median_dbl(const double *in, size_t n);

void write_file(const char *path, const char *s);
void write_new_file(const char *path, const char *s);
void mkcg(const char *rel);
void rmcg(const char *rel);
void move_self(const char *rel);
void mask_of(const char *list, cpu_set_t *set);
void set_affinity(pid_t pid, const char *list);
int run_argv(char *const argv[], int out_fd, uint64_t *ns);

/* Our own BPF programs, which wait_progs_gone() does not wait for. */
void own_prog(int prog_fd);
void own_progs_forget(void);
void wait_progs_gone(void);

uint64_t cpuguard(const char *cmd, const char *arg);
void cpuguard_unload(void);

struct status {
	unsigned long long checks, allowed, denied, audited, reported, events, dropped, errors, coalesced, pending;
};

struct status cpuguard_status(void);
int pinned(const char *name);

/* A ring buffer callback that counts events into *(uint64_t *)ctx. */
int count_event(void *ctx, void *data, size_t size);

struct prog_stat {
	int fd;
	const char *label;
	uint64_t cnt, ns, misses;
};

void read_prog_stat(struct prog_stat *s);

#endif
