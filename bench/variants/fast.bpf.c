// SPDX-License-Identifier: GPL-2.0
/*
 * What-if variants of lsm/cpuguard.bpf.c's judging program, for the
 * benchmark's profile only: they are never part of cpuguard. cgbench loads
 * this object with cpuguard's own maps (reused from its pins after an
 * apply), detaches cpuguard's programs and attaches capture + one of:
 *
 *   judge_direct  the shipped judge, but the two masks are compared with
 *                 direct loads (bpf_rdonly_cast on the captured address, a
 *                 field load through the RCU kptr) instead of two
 *                 bpf_probe_read_kernel() copies into a per-CPU scratch map;
 *   judge_memo    judge_direct + a per-cgroup memo (cgroup local storage)
 *                 of the nearest confined ancestor, so the cost no longer
 *                 grows with the depth and unconfined tasks skip the walk;
 *   judge_lean    judge_memo whose memo also keeps the mode and the allowed
 *                 mask (when it fits one word), so the hot path does no
 *                 policy_map lookup at all.
 *
 * The memo is valid for one policy: memo_version stands for a counter that
 * apply (or policy_install) would bump; the benchmark never changes the
 * policy while a variant runs. Everything else (capture, the slow path that
 * fills denial events) is lsm/cpuguard.bpf.c's, and the map definitions
 * must match it exactly (they are the same maps).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "cpuguard.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define ENOENT 2
#define EINVAL 22
#define NR_SCHED_SETAFFINITY_64 203
#define NR_SCHED_SETAFFINITY_32 241
#define X32_SYSCALL_BIT 0x40000000
#define TS_COMPAT 0x0002
/* Masks up to this many words are compared with direct loads. */
#define DIRECT_WORDS 4

int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;
void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id__k) __ksym;

const volatile __u32 nr_cpu_ids = 1;
const volatile __u32 nr_cpu_words = 1;
const volatile __u64 last_word_mask = ~0ULL;
__u64 memo_version = 1;

/* ---- cpuguard's maps, same definitions ---- */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * CPUGUARD_MAX_ENTRIES);
	__type(key, struct policy_key);
	__type(value, struct policy_value);
} policy_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpuguard_state);
} state_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpuguard_stats);
} stats_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct affinity_request {
	__u64 mask_addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct affinity_request);
} request_map SEC(".maps");

struct scratch {
	__u64 requested[CPUGUARD_MAX_WORDS];
	__u64 allowed[CPUGUARD_MAX_WORDS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/* ---- the variants' own ---- */
struct memo {
	__u64 version;     /* memo_version it was computed for */
	__u64 policy_cgid; /* nearest confined cgroup; 0: none */
	__u32 gen;
	__u32 mode;
	__u64 allowed;     /* judge_lean: the allowed mask, if one word */
};

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct memo);
} memo_map SEC(".maps");

static const __u32 zero;

SEC("fentry/sched_setaffinity")
int BPF_PROG(capture_affinity_request, pid_t pid, const struct cpumask *in_mask)
{
	struct affinity_request *req;

	req = bpf_task_storage_get(&request_map, bpf_get_current_task_btf(), 0,
				   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (req)
		req->mask_addr = (__u64)in_mask;
	return 0;
}

static bool in_sched_setaffinity(void)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(cur);
	long nr = regs->orig_ax;

	if (cur->thread_info.status & TS_COMPAT)
		return nr == NR_SCHED_SETAFFINITY_32;
	return (nr & ~X32_SYSCALL_BIT) == NR_SCHED_SETAFFINITY_64;
}

static struct policy_value *policy_of(struct cgroup *cgrp, __u32 gen, __u64 *policy_cgid)
{
	struct policy_key key = { .gen = gen };
	struct policy_value *policy = NULL;
	struct bpf_iter_num it;
	int *i;

	bpf_iter_num_new(&it, 0, cgrp->level + 1);
	while ((i = bpf_iter_num_next(&it)) && cgrp) {
		key.cgroup_id = cgrp->kn->id;
		policy = bpf_map_lookup_elem(&policy_map, &key);
		if (policy) {
			*policy_cgid = key.cgroup_id;
			break;
		}
		cgrp = cgrp->self.parent->cgroup;
	}
	bpf_iter_num_destroy(&it);
	return policy;
}

static int read_masks(struct scratch *s, __u64 mask_addr, struct policy_value *policy)
{
	__u32 size = nr_cpu_words * 8;
	struct bpf_cpumask *allowed;

	if (size > sizeof(s->requested))
		return -EINVAL;
	allowed = policy->mask;
	if (!allowed || bpf_probe_read_kernel(s->allowed, size, allowed)) {
		__builtin_memset(s->allowed, 0, sizeof(s->allowed));
		return -ENOENT;
	}
	if (!mask_addr || bpf_probe_read_kernel(s->requested, size, (void *)mask_addr))
		return -ENOENT;
	s->requested[(nr_cpu_words - 1) & (CPUGUARD_MAX_WORDS - 1)] &= last_word_mask;
	return 0;
}

static bool inside(const struct scratch *s)
{
	for (__u32 w = 0; w < CPUGUARD_MAX_WORDS && w < nr_cpu_words; w++)
		if (s->requested[w] & ~s->allowed[w])
			return false;
	return true;
}

static __always_inline void report_event(struct task_struct *p, const struct scratch *s, __u32 action,
					 __u32 flags, __u64 policy_cgid, struct cpuguard_stats *stats)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct cpuguard_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		stats->cnt[CPUGUARD_CNT_DROPPED]++;
		return;
	}
	e->time_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = p->cgroups->dfl_cgrp->kn->id;
	e->policy_cgroup_id = policy_cgid;
	e->kind = CPUGUARD_KIND_AFFINITY;
	e->action = action;
	e->count = 1;
	e->flags = flags | (nr_cpu_words > CPUGUARD_EVENT_WORDS ? CPUGUARD_EVENT_TRUNCATED : 0);
	e->pid = cur->tgid;
	e->tid = cur->pid;
	e->target_pid = p->tgid;
	e->target_tid = p->pid;
	e->nr_cpu_ids = nr_cpu_ids;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memcpy(e->target_comm, p->comm, sizeof(e->target_comm));
	for (__u32 w = 0; w < CPUGUARD_EVENT_WORDS; w++) {
		bool valid = w < nr_cpu_words;

		e->requested[w] = valid && !(flags & CPUGUARD_EVENT_UNREADABLE) ? s->requested[w] : 0;
		e->allowed[w] = valid ? s->allowed[w] : 0;
		e->effective[w] = e->requested[w];
	}
	bpf_ringbuf_submit(e, 0);
	stats->cnt[CPUGUARD_CNT_EVENTS]++;
}

enum variant { DIRECT, MEMO, LEAN };

/* -1: cannot tell (read the slow way), 0: inside, 1: outside. */
static __always_inline int compare_direct(__u64 mask_addr, struct policy_value *policy, __u64 lean_allowed,
					  bool use_lean)
{
	/* Plain u64 views: the verifier still knows the BTF types behind
	 * them (untrusted struct cpumask, RCU struct bpf_cpumask) and checks
	 * each load against them; no CO-RE relocation is involved. */
	const __u64 *rq, *allowed = NULL;

	if (nr_cpu_words > DIRECT_WORDS || !mask_addr)
		return -1;
	if (!use_lean) {
		allowed = (const __u64 *)policy->mask;
		if (!allowed)
			return -1;
	}
	rq = bpf_rdonly_cast((void *)mask_addr, bpf_core_type_id_kernel(struct cpumask));
#pragma unroll
	for (__u32 w = 0; w < DIRECT_WORDS; w++) {
		__u64 r, a;

		if (w >= nr_cpu_words)
			break;
		r = rq[w];
		if (w == nr_cpu_words - 1)
			r &= last_word_mask;
		a = use_lean ? lean_allowed : allowed[w];
		if (r & ~a)
			return 1;
	}
	return 0;
}

static __always_inline int judge(struct task_struct *p, enum variant v)
{
	struct policy_value *policy = NULL;
	struct cpuguard_stats *stats;
	struct affinity_request *req;
	struct cpuguard_state *state;
	struct memo *m = NULL;
	struct scratch *s;
	__u64 policy_cgid = 0, mask_addr = 0, lean_allowed = 0;
	__u32 flags = 0, gen, mode = CPUGUARD_ENFORCE;
	bool denied, lean = false;
	int verdict;

	if (!in_sched_setaffinity())
		return 0;
	state = bpf_map_lookup_elem(&state_map, &zero);
	if (!state || !state->entries)
		return 0;
	gen = state->active_gen;
	if (v == DIRECT) {
		policy = policy_of(p->cgroups->dfl_cgrp, gen, &policy_cgid);
		if (!policy)
			return 0;
		mode = policy->mode;
	} else {
		struct cgroup *cgrp = p->cgroups->dfl_cgrp;

		m = bpf_cgrp_storage_get(&memo_map, cgrp, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (m && m->version == memo_version && m->gen == gen) {
			if (!m->policy_cgid)
				return 0;
			policy_cgid = m->policy_cgid;
			mode = m->mode;
			if (v == LEAN && nr_cpu_words == 1) {
				lean = true;
				lean_allowed = m->allowed;
			} else {
				struct policy_key key = { .cgroup_id = policy_cgid, .gen = gen };

				policy = bpf_map_lookup_elem(&policy_map, &key);
				if (!policy)
					return 0;
			}
		} else {
			policy = policy_of(cgrp, gen, &policy_cgid);
			if (m) {
				m->policy_cgid = policy ? policy_cgid : 0;
				m->gen = gen;
				m->mode = policy ? policy->mode : 0;
				m->allowed = 0;
				if (policy && policy->mask)
					m->allowed = *(const __u64 *)policy->mask;
				m->version = memo_version;
			}
			if (!policy)
				return 0;
			mode = policy->mode;
		}
	}

	stats = bpf_map_lookup_elem(&stats_map, &zero);
	if (!stats)
		return -EPERM;
	stats->cnt[CPUGUARD_CNT_CHECKS]++;
	req = bpf_task_storage_get(&request_map, bpf_get_current_task_btf(), 0, 0);
	if (req) {
		mask_addr = req->mask_addr;
		req->mask_addr = 0;
	}
	verdict = compare_direct(mask_addr, policy, lean_allowed, lean);
	if (verdict == 0) {
		stats->cnt[CPUGUARD_CNT_ALLOWED]++;
		return 0;
	}
	/* Outside, or undecided: the shipped slow path, which also fills the
	 * event's masks. */
	s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!s)
		return -EPERM;
	if (!policy) {
		struct policy_key key = { .cgroup_id = policy_cgid, .gen = gen };

		policy = bpf_map_lookup_elem(&policy_map, &key);
		if (!policy)
			return 0;
	}
	if (read_masks(s, mask_addr, policy)) {
		stats->cnt[CPUGUARD_CNT_ERRORS]++;
		flags = CPUGUARD_EVENT_UNREADABLE;
		denied = true;
	} else {
		denied = !inside(s);
	}
	if (!denied) {
		stats->cnt[CPUGUARD_CNT_ALLOWED]++;
		return 0;
	}
	if (mode == CPUGUARD_AUDIT) {
		stats->cnt[CPUGUARD_CNT_AUDITED]++;
		report_event(p, s, CPUGUARD_WOULD_DENY, flags, policy_cgid, stats);
		return 0;
	}
	stats->cnt[CPUGUARD_CNT_DENIED]++;
	report_event(p, s, CPUGUARD_DENY, flags, policy_cgid, stats);
	return -EPERM;
}

SEC("lsm/task_setscheduler")
int BPF_PROG(judge_direct, struct task_struct *p)
{
	return judge(p, DIRECT);
}

SEC("lsm/task_setscheduler")
int BPF_PROG(judge_memo, struct task_struct *p)
{
	return judge(p, MEMO);
}

SEC("lsm/task_setscheduler")
int BPF_PROG(judge_lean, struct task_struct *p)
{
	return judge(p, LEAN);
}
