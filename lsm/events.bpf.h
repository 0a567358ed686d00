/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters and events. Counters are per-CPU, but two runs of a program can
 * be live on one CPU at once (one preempted), so every change is an atomic
 * add: a read-modify-write split by preemption would lose counts, and an
 * audit tool must not. events + dropped == denied + audited + reported.
 */
#ifndef CPUGUARD_EVENTS_BPF_H
#define CPUGUARD_EVENTS_BPF_H

#include "policy.bpf.h"

static __always_inline void count(enum cpuguard_counter c)
{
	struct cpuguard_stats *stats = bpf_map_lookup_elem(&stats_map, &zero);

	if (stats)
		__sync_fetch_and_add(&stats->cnt[BOUNDED(c, 8)], 1);
	_Static_assert(CPUGUARD_NR_COUNTERS <= 8, "BOUNDED() needs the array size");
}

/* Everything a verdict knows, for its event. */
struct judgement {
	__u32 kind;  /* enum cpuguard_event_kind */
	__u32 flags; /* CPUGUARD_EVENT_* */
	__u64 policy_cgid;
	struct request_src rq;
	__u64 allowed; /* address of the policy set's bits */
	__u64 cpuset;  /* address of the target's cpuset CPUs, 0: none */
};

static __always_inline void report(const struct judgement *j, struct task_struct *target, __u32 action)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct cpuguard_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(CPUGUARD_CNT_DROPPED);
		return;
	}
	e->time_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = target->cgroups->dfl_cgrp->kn->id;
	e->policy_cgroup_id = j->policy_cgid;
	e->kind = j->kind;
	e->action = action;
	e->flags = j->flags | (nr_cpu_words > CPUGUARD_EVENT_WORDS ? CPUGUARD_EVENT_TRUNCATED : 0);
	e->count = 1;
	e->pid = cur->tgid;
	e->tid = cur->pid;
	e->target_pid = target->tgid;
	e->target_tid = target->pid;
	e->nr_cpu_ids = nr_cpu_ids;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memcpy(e->target_comm, target->comm, sizeof(e->target_comm));
	for (__u32 w = 0; w < CPUGUARD_EVENT_WORDS; w++) {
		__u64 r = 0, a = 0, c = ~0ULL;

		if (w < nr_cpu_words) {
			if (!(j->flags & CPUGUARD_EVENT_UNREADABLE))
				request_word(&j->rq, w, &r);
			if (j->allowed)
				read_word(j->allowed, w, &a);
			if (j->cpuset)
				read_word(j->cpuset, w, &c);
		}
		e->requested[w] = r;
		e->allowed[w] = a;
		e->effective[w] = r & c;
	}
	bpf_ringbuf_submit(e, 0);
	count(CPUGUARD_CNT_EVENTS);
}

/* verdict() mode for what no hook can refuse: reported, never denied. */
#define MODE_REPORT_ONLY (1U << 31)

/* Count and report @outcome for @target under @mode; the hook's return value. */
static __always_inline int verdict(struct judgement *j, struct task_struct *target, enum outcome outcome,
				   __u32 mode)
{
	count(CPUGUARD_CNT_CHECKS);
	if (outcome == INSIDE) {
		count(CPUGUARD_CNT_ALLOWED);
		return 0;
	}
	if (outcome == UNREADABLE) {
		/* A confined target whose request cannot be proven: fail closed. */
		count(CPUGUARD_CNT_ERRORS);
		j->flags |= CPUGUARD_EVENT_UNREADABLE;
	}
	if (mode & MODE_REPORT_ONLY) {
		count(CPUGUARD_CNT_REPORTED);
		report(j, target, CPUGUARD_REPORT);
		return 0;
	}
	/* Audit mode never denies, not even what it cannot read. */
	if (mode & CPUGUARD_AUDIT) {
		count(CPUGUARD_CNT_AUDITED);
		report(j, target, CPUGUARD_WOULD_DENY);
		return 0;
	}
	count(CPUGUARD_CNT_DENIED);
	report(j, target, CPUGUARD_DENY);
	return -EPERM;
}

#endif
