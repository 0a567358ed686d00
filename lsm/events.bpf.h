/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters and events. Counters are per-CPU, but two runs of a program can
 * be live on one CPU at once (one preempted), so every change is an atomic
 * add: a read-modify-write split by preemption would lose counts, and an
 * audit tool must not.
 *
 * Repeats of one denial are coalesced: an event carries a count, the
 * number of denials it stands for (1 when alone). Accounting stays exact:
 *   events + coalesced + dropped + pending == denied + audited + reported
 * where pending is the sum of the held counts in coalesce_map.
 *
 * The coalescing protocol. coalesce_map has one slot per hash of (caller
 * thread, target thread). A slot holds `last`, the event that opened its
 * current window, and a 64-bit state word: generation (47 bits), BUSY,
 * pending (16 bits: repeats of `last` not yet sent). `last` is written only
 * by the one run that holds the slot BUSY. The state word is only ever
 * changed by atomic operations:
 *   repeat:  cmpxchg (g, idle, p) -> (g, idle, p + 1), no event sent
 *   claim:   cmpxchg (g, idle, p) -> (g + 1, BUSY, 0); the claimer now owns
 *            p and `last`: it sends p (in its own event's count when it
 *            repeats `last`, else in an event copied from `last`),
 *            rewrites `last` and sends its own event;
 *   publish: xchg -> (g + 1, idle, 0), after every write of `last`.
 * Why no denial is lost or counted twice, whatever two runs interleave:
 * - A repeat is counted once in a state word whose generation is g, and
 *   the states (g, idle, *) form one unbroken stretch of time: they begin
 *   with g's publish and end with the claim to g + 1, and the generation
 *   only grows (it would take 2^47 claims of one slot while a run is
 *   preempted between two of its instructions to come back to g). So a
 *   successful cmpxchg from a state read earlier proves the slot stayed in
 *   that stretch from the read to the cmpxchg: no one wrote `last` in
 *   between, and the comparison with `last` made in between is valid.
 * - Every pending count p leaves the slot by exactly one successful claim
 *   (after it, the generation is g + 1 and no cmpxchg expecting g can
 *   succeed), and that claimer sends p in an event or adds it to dropped.
 * - A run that finds the slot BUSY, loses a cmpxchg, or has no slot sends
 *   its own event with count 1: slower, never wrong. Nothing waits for a
 *   preempted run, and no verdict depends on any of this.
 * Counts held in a window that no repeat closes are sent by
 * flush_coalesced (flush.bpf.c), which `cpuguard audit` runs while it
 * reads and before it exits; it claims slots the same way.
 */
#ifndef CPUGUARD_EVENTS_BPF_H
#define CPUGUARD_EVENTS_BPF_H

#include "policy.bpf.h"

static __always_inline void count_n(enum cpuguard_counter c, __u64 n)
{
	struct cpuguard_stats *stats = bpf_map_lookup_elem(&stats_map, &zero);

	if (stats)
		__sync_fetch_and_add(&stats->cnt[BOUNDED(c, 16)], n);
	_Static_assert(CPUGUARD_NR_COUNTERS <= 16, "BOUNDED() needs the array size");
}

static __always_inline void count(enum cpuguard_counter c)
{
	count_n(c, 1);
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

static __always_inline __u32 event_flags(const struct judgement *j)
{
	return j->flags | (nr_cpu_words > CPUGUARD_EVENT_WORDS ? CPUGUARD_EVENT_TRUNCATED : 0);
}

/* Word @w of the event's requested, allowed and effective masks. */
static __always_inline void event_words(const struct judgement *j, __u32 w, __u64 *r, __u64 *a, __u64 *eff)
{
	__u64 c = ~0ULL;

	*r = 0;
	*a = 0;
	if (w < nr_cpu_words) {
		if (!(j->flags & CPUGUARD_EVENT_UNREADABLE))
			request_word(&j->rq, w, r);
		if (j->allowed)
			read_word(j->allowed, w, a);
		if (j->cpuset)
			read_word(j->cpuset, w, &c);
	}
	*eff = *r & c;
}

/* @e := this verdict's event, but for time_ns and count. */
static __always_inline void fill_event(struct cpuguard_event *e, const struct judgement *j,
				       struct task_struct *cur, struct task_struct *target, __u32 action)
{
	e->cgroup_id = target->cgroups->dfl_cgrp->kn->id;
	e->policy_cgroup_id = j->policy_cgid;
	e->kind = j->kind;
	e->action = action;
	e->flags = event_flags(j);
	e->pid = cur->tgid;
	e->tid = cur->pid;
	e->target_pid = target->tgid;
	e->target_tid = target->pid;
	e->nr_cpu_ids = nr_cpu_ids;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memcpy(e->target_comm, target->comm, sizeof(e->target_comm));
	for (__u32 w = 0; w < CPUGUARD_EVENT_WORDS; w++)
		event_words(j, w, &e->requested[w], &e->allowed[w], &e->effective[w]);
}

/* Would fill_event() write @t again (time and count aside)? Everything a
 * reader sees is compared: a count only ever stands for identical events. */
static __always_inline bool same_event(const struct cpuguard_event *t, const struct judgement *j,
				       struct task_struct *cur, struct task_struct *target, __u32 action)
{
	__u64 comm[2], tcomm[2];

	if (!t->count || t->tid != (__u32)cur->pid || t->pid != (__u32)cur->tgid ||
	    t->target_tid != (__u32)target->pid || t->target_pid != (__u32)target->tgid || t->kind != j->kind || t->action != action ||
	    t->flags != event_flags(j) || t->policy_cgroup_id != j->policy_cgid ||
	    t->cgroup_id != target->cgroups->dfl_cgrp->kn->id)
		return false;
	bpf_get_current_comm(comm, sizeof(comm));
	__builtin_memcpy(tcomm, target->comm, sizeof(tcomm));
	if (comm[0] != *(__u64 *)&t->comm[0] || comm[1] != *(__u64 *)&t->comm[8] ||
	    tcomm[0] != *(__u64 *)&t->target_comm[0] || tcomm[1] != *(__u64 *)&t->target_comm[8])
		return false;
	for (__u32 w = 0; w < CPUGUARD_EVENT_WORDS && w < nr_cpu_words; w++) {
		__u64 r, a, eff;

		event_words(j, w, &r, &a, &eff);
		if (r != t->requested[w] || a != t->allowed[w] || eff != t->effective[w])
			return false;
	}
	return true;
}

/* Send a copy of @t standing for @n denials, or count them as dropped. */
static __always_inline bool send_copy(const struct cpuguard_event *t, __u64 n, __u64 now)
{
	struct cpuguard_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_n(CPUGUARD_CNT_DROPPED, n);
		return false;
	}
	__builtin_memcpy(e, t, sizeof(*e));
	e->time_ns = now;
	e->count = n;
	bpf_ringbuf_submit(e, 0);
	count(CPUGUARD_CNT_EVENTS);
	if (n > 1)
		count_n(CPUGUARD_CNT_COALESCED, n - 1);
	return true;
}

/* An event of its own (count 1), for a run that cannot use the slot. */
static __always_inline void send_alone(const struct judgement *j, struct task_struct *cur,
				       struct task_struct *target, __u32 action, __u64 now)
{
	struct cpuguard_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(CPUGUARD_CNT_DROPPED);
		return;
	}
	fill_event(e, j, cur, target, action);
	e->time_ns = now;
	e->count = 1;
	bpf_ringbuf_submit(e, 0);
	count(CPUGUARD_CNT_EVENTS);
}

/* The slot of a (caller, target) pair: a multiplicative hash of both. */
static __always_inline __u32 slot_of(__u32 tid, __u32 target_tid)
{
	__u64 h = ((__u64)tid << 32 | target_tid) * 0x9e3779b97f4a7c15ULL;

	return (__u32)(h >> 54) & (CPUGUARD_COALESCE_SLOTS - 1);
}
_Static_assert(CPUGUARD_COALESCE_SLOTS == 1024, "slot_of() takes 10 bits");

/* An atomic read with full ordering: the reads of `last` that follow it
 * cannot be done before it. */
static __always_inline __u64 slot_state(struct cpuguard_coalesce_slot *s)
{
	return __sync_fetch_and_add(&s->state, 0);
}

/* The state after a claim of @state, without BUSY: the next generation. */
static __always_inline __u64 next_gen(__u64 state)
{
	return (state & CPUGUARD_SLOT_GEN_MASK) + CPUGUARD_SLOT_GEN_ONE;
}

/* Report one denial (or would-be denial, or report-only event). */
static __always_inline void report(const struct judgement *j, struct task_struct *target, __u32 action)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	__u64 now = bpf_ktime_get_boot_ns(), state, held, carry = 0;
	struct cpuguard_coalesce_slot *s;
	__u32 idx = slot_of(cur->pid, target->pid);
	bool same;

	s = bpf_map_lookup_elem(&coalesce_map, &idx);
	if (!s)
		goto alone;
	state = slot_state(s);
	if (state & CPUGUARD_SLOT_BUSY)
		goto alone;
	held = CPUGUARD_SLOT_PENDING(state);
	/* Valid only if the cmpxchg below succeeds (see the top of the file). */
	same = same_event(&s->last, j, cur, target, action);
	if (same && now - s->last.time_ns < CPUGUARD_COALESCE_WINDOW_NS && held < CPUGUARD_SLOT_PENDING_MAX) {
		if (__sync_val_compare_and_swap(&s->state, state, state + 1) == state)
			return; /* held: sent later in this slot's count */
		goto alone;
	}
	if (__sync_val_compare_and_swap(&s->state, state, next_gen(state) | CPUGUARD_SLOT_BUSY) != state)
		goto alone;
	/* Claimed: the held count and `last` are this run's alone. */
	if (same)
		carry = held; /* the window closed: this event carries its repeats */
	else if (held)
		send_copy(&s->last, held, now); /* another denial's repeats */
	fill_event(&s->last, j, cur, target, action);
	s->last.time_ns = now;
	s->last.count = 1;
	send_copy(&s->last, carry + 1, now);
	__sync_lock_test_and_set(&s->state, next_gen(state));
	return;
alone:
	send_alone(j, cur, target, action, now);
}

/* verdict() mode for what no hook can refuse: reported, never denied. */
#define MODE_REPORT_ONLY (1U << 31)

/* Count and report @outcome for @target under @mode; the hook's return value. */
static __always_inline int verdict(struct judgement *j, struct task_struct *target, enum outcome outcome,
				   __u32 mode)
{
	__u32 action;
	int ret = 0;

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
		action = CPUGUARD_REPORT;
	} else if (mode & CPUGUARD_AUDIT) {
		/* Audit mode never denies, not even what it cannot read. */
		count(CPUGUARD_CNT_AUDITED);
		action = CPUGUARD_WOULD_DENY;
	} else {
		count(CPUGUARD_CNT_DENIED);
		action = CPUGUARD_DENY;
		ret = -EPERM;
	}
	/* The verdict is decided: nothing below can change it. */
	report(j, target, action);
	return ret;
}

#endif
