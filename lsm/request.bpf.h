/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A request, recorded by a capture program at a function's entry and taken
 * by the verdict in the LSM hook that function calls; and the proof that
 * the record was made for the syscall being judged.
 *
 * The LSM hooks cpuguard judges in do not see what is asked (the affinity
 * mask, the io_uring parameters), so an fentry program at the function
 * that holds the kernel's own copy records its address for the thread.
 * A record must never be used for a later syscall: the memory it points to
 * is freed when its syscall returns. Records go stale when a syscall fails
 * before the hook, and when the fentry program is skipped: the kernel runs
 * a tracing program at most once at a time per CPU, so a task preempted
 * inside it makes every other task's run on that CPU a "recursion miss",
 * which the kernel counts in the program's per-CPU statistics
 * (prog->stats->misses, bpftool's recursion_misses).
 *
 * So a record also holds the recording program's miss count on its CPU
 * and the thread's migration count, and the verdict accepts it only if
 * both are unchanged. The verdict runs in a syscall that entered the
 * capture point (the syscall number or the hook's only caller says so);
 * if the thread has not migrated since the record, that entry happened on
 * this CPU, and had the program been skipped there, its miss count here
 * would have grown. An unchanged count therefore proves the program ran
 * in this syscall and rewrote the record. Anything else is unreadable:
 * the request is denied.
 */
#ifndef CPUGUARD_REQUEST_BPF_H
#define CPUGUARD_REQUEST_BPF_H

#include "arch/x86.bpf.h"

/* The recursion misses of capture program @prog on this CPU. */
static __always_inline bool read_misses(__u32 prog, __u64 *misses)
{
	__u64 stats = capture_stats[BOUNDED(prog, CPUGUARD_CAPTURE_SLOTS)];

	_Static_assert(NR_CAPTURE_PROGS <= CPUGUARD_CAPTURE_SLOTS, "capture_stats too small");
	if (!stats)
		return false;
	stats += this_cpu_offset() + bpf_core_field_offset(struct bpf_prog_stats, misses);
	return !bpf_probe_read_kernel(misses, sizeof(*misses), (const void *)stats);
}

/* Called by capture program @prog, copy @copy of those at its attach point. */
static __always_inline void record_request(__u64 addr, __u32 kind, __u32 copy, __u32 prog)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct pending_request *pending;
	struct request_record *r;
	__u64 misses;

	pending = bpf_task_storage_get(&request_map, cur, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!pending)
		return;
	r = &pending->copy[copy]; /* a constant in every caller */
	r->kind = kind;
	r->migrations = cur->se.nr_migrations;
	/* Read last: if this task is preempted after the read, another
	 * task's skip of this copy meanwhile spoils the record (a refusal,
	 * never a grant); the shorter that window, the rarer. */
	if (!read_misses(prog, &misses)) {
		r->addr = 0;
		return;
	}
	r->misses = misses;
	r->addr = addr;
}

/*
 * The address of the request of kind @kind that the current syscall makes,
 * recorded by capture programs @first_prog.., or 0 when no record can be
 * proven to be this syscall's. Every record is consumed.
 */
static __always_inline __u64 take_request(__u32 kind, __u32 first_prog)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct pending_request *pending;
	__u64 found = 0;

	pending = bpf_task_storage_get(&request_map, cur, 0, 0);
	if (!pending)
		return 0;
#pragma unroll
	for (__u32 c = 0; c < CPUGUARD_CAPTURE_COPIES; c++) {
		struct request_record *r = &pending->copy[c];
		__u64 addr = r->addr, misses;

		r->addr = 0;
		if (found || !addr || r->kind != kind || r->migrations != cur->se.nr_migrations)
			continue;
		if (read_misses(first_prog + c, &misses) && misses == r->misses)
			found = addr;
	}
	return found;
}

#endif
