/* SPDX-License-Identifier: GPL-2.0 */
/* cpuguard tasks: threads whose affinity has CPUs outside their policy set.
 * The pure part (set arithmetic, /proc parsing, output) lives in
 * tasks_report.c, which needs neither libbpf nor a kernel, so that the
 * unit tests can link it; tasks.c walks the cgroup tree and acts. */
#ifndef CPUGUARD_TASKS_H
#define CPUGUARD_TASKS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "cpulist.h"

#define TASK_COMM_MAX 64 /* the kernel's is 16 with the NUL; room to spare */

/* One thread found outside its set. Paths point into storage owned by the
 * caller (the walk); comm holds comm_len bytes, not NUL-terminated text. */
struct outside_task {
	int pid, tid;
	char comm[TASK_COMM_MAX];
	size_t comm_len;
	const char *cgroup;        /* the thread's cgroup, "/a/b" below the mount */
	uint64_t cgroup_id;
	const char *policy_cgroup; /* its nearest confined ancestor (or itself) */
	uint64_t policy_cgroup_id;
	bool audit;                /* that entry is in audit mode */
	struct cg_cpumask affinity;
	const struct cg_cpumask *allowed; /* its entry's CPUs */
};

/* What --narrow did to one thread. */
enum narrow_result { NARROWED, NARROW_FAILED, NARROW_EXITED };

struct narrow_outcome {
	enum narrow_result result;
	struct cg_cpumask target; /* what was asked for */
	struct cg_cpumask after;  /* the affinity read back (NARROWED only) */
	char reason[160];         /* why not (NARROW_FAILED, NARROW_EXITED) */
};

/* *out = a & ~b; true when that is not empty. */
bool cpumask_outside(const struct cg_cpumask *a, const struct cg_cpumask *b, struct cg_cpumask *out);
/* *out = affinity ∩ allowed, or allowed when they do not meet. */
void cpumask_narrowed(const struct cg_cpumask *affinity, const struct cg_cpumask *allowed,
		      struct cg_cpumask *out);

/* /proc/TID/stat: the flags field (the 9th), parsed after the last ')' so
 * that a comm holding ") " cannot shift the fields. 0, or -1 if malformed. */
int proc_stat_flags(const char *stat, unsigned long *flags);
/* /proc/TID/status: the Tgid: line. 0, or -1 if missing. */
int proc_status_tgid(const char *status, int *tgid);

/* /proc/TID/cgroup: the cgroup2 line ("0::PATH"): *path and *len name
 * PATH inside @text. 0, or -1 if there is none or it is not absolute. */
int proc_cgroup_v2(const char *text, const char **path, size_t *len);
/* Length of the parent of the cgroup path @path[0..len): "/a/b" -> 2 ("/a"),
 * "/a" -> 1 ("/"), "/" -> 0 (none). */
size_t cgroup_parent_len(const char *path, size_t len);

/* The kernel's task flags that explain a refused affinity change. */
#define TASK_PF_IO_WORKER 0x00000010UL
#define TASK_PF_KTHREAD 0x00200000UL
#define TASK_PF_NO_SETAFFINITY 0x04000000UL
/* Why sched_setaffinity() failed with @err for a task with @flags
 * (flags_known false: /proc could not tell). Written to buf. */
void narrow_reason(int err, unsigned long flags, bool flags_known, char *buf, size_t len);

/* Sort by cgroup path, then pid, then tid. */
void outside_sort(struct outside_task *v, size_t n);

/* Output. Text escapes comm and paths as cg_escape_bytes() does (show's
 * table); JSON goes through json_write_string_n(). */
void outside_print_table(FILE *f, const struct outside_task *v, size_t n);
void outside_print_json(FILE *f, const struct outside_task *v, size_t n,
			const struct narrow_outcome *done /* NULL: no --narrow */);
void narrow_print_line(FILE *f, const struct outside_task *t, const struct narrow_outcome *o);
void narrow_print_summary(FILE *f, const struct narrow_outcome *done, size_t n);
/* "N threads run outside their set: ..." for apply; nothing when n == 0. */
void outside_print_apply_note(FILE *f, size_t n);

#endif
