// SPDX-License-Identifier: GPL-2.0
/*
 * cpuguard: deny sched_setaffinity() requests that would let a task of a
 * confined cgroup run outside its CPU set.
 *
 * The LSM hook task_setscheduler sees the target task but not the requested
 * mask, and it also runs for sched_setscheduler(), cgroup moves and forks
 * into cgroups. So the work is split in two:
 *
 *   fentry/sched_setaffinity   remembers, for the calling thread, where the
 *                              kernel's own copy of the requested mask is;
 *   lsm/task_setscheduler      judges only while the current syscall is
 *                              sched_setaffinity, reading that copy and the
 *                              policy mask of the target's nearest confined
 *                              cgroup.
 *
 * The policy masks are referenced bpf_cpumask kptrs in policy_map. A check
 * reads them under RCU (LSM programs run in an RCU read-side section, and a
 * released bpf_cpumask is freed only after a grace period), so a mask that
 * an apply replaces and releases during the check stays valid until the
 * check ends. docs/design.md explains why this and not an acquire.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "cpuguard.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define ENOENT 2
#define ENOMEM 12
#define EINVAL 22

/* Syscall numbers of sched_setaffinity: x86-64 (x32 sets bit 30), i386. */
#define NR_SCHED_SETAFFINITY_64 203
#define NR_SCHED_SETAFFINITY_32 241
#define X32_SYSCALL_BIT 0x40000000
#define TS_COMPAT 0x0002

struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
struct bpf_cpumask *bpf_cpumask_acquire(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_release(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_set_cpu(__u32 cpu, struct bpf_cpumask *cpumask) __ksym;
void bpf_rcu_read_lock(void) __ksym;
void bpf_rcu_read_unlock(void) __ksym;
int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

/* Set by the loader from /sys/devices/system/cpu/possible: the kernel's
 * copy of a requested mask is only BITS_TO_LONGS(nr_cpu_ids) words long. */
const volatile __u32 nr_cpu_ids = 1;
const volatile __u32 nr_cpu_words = 1;
const volatile __u64 last_word_mask = ~0ULL;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * CPUGUARD_MAX_ENTRIES);
	__type(key, struct policy_key);
	__type(value, struct policy_value);
} policy_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * CPUGUARD_MAX_ENTRIES);
	__type(key, struct policy_key);
	__type(value, struct policy_meta);
} meta_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * CPUGUARD_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct set_value);
} set_map SEC(".maps");

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

/* Where the calling thread's sched_setaffinity() keeps its requested mask. */
struct affinity_request {
	__u64 mask_addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct affinity_request);
} request_map SEC(".maps");

/* Room for two masks; too big for the stack. One per CPU is enough: the
 * LSM program cannot run twice at once on one CPU (the trampoline skips a
 * recursive run). */
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

/* The hook is shared with sched_setscheduler(), cgroup moves, forks into
 * cgroups and timerslack writes; only sched_setaffinity is judged. */
static bool in_sched_setaffinity(void)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(cur);
	long nr = regs->orig_ax;

	if (cur->thread_info.status & TS_COMPAT)
		return nr == NR_SCHED_SETAFFINITY_32;
	return (nr & ~X32_SYSCALL_BIT) == NR_SCHED_SETAFFINITY_64;
}

/* Nearest confined cgroup of @p (itself or an ancestor) in generation @gen. */
static struct policy_value *policy_of(struct task_struct *p, __u32 gen, __u64 *policy_cgid)
{
	struct policy_key key = { .gen = gen };
	struct policy_value *policy = NULL;
	struct cgroup *cgrp = p->cgroups->dfl_cgrp;
	struct bpf_iter_num it;
	int *i;

	/* Walk to the root whatever the depth: stopping early would let a task
	 * that can create cgroups nest itself out of its policy. */
	bpf_iter_num_new(&it, 0, cgrp->level + 1);
	while ((i = bpf_iter_num_next(&it)) && cgrp) {
		key.cgroup_id = cgrp->kn->id;
		policy = bpf_map_lookup_elem(&policy_map, &key);
		if (policy) {
			*policy_cgid = key.cgroup_id;
			break;
		}
		cgrp = cgrp->self.parent->cgroup; /* NULL above the root */
	}
	bpf_iter_num_destroy(&it);
	return policy;
}

/* Copy the policy mask and the kernel's copy of the requested mask into @s.
 * The policy mask first, so that an event can show it even when the
 * request cannot be read. */
static int read_masks(struct scratch *s, __u64 mask_addr, struct policy_value *policy)
{
	__u32 size = nr_cpu_words * 8;
	struct bpf_cpumask *allowed;

	if (size > sizeof(s->requested))
		return -EINVAL;
	allowed = policy->mask; /* RCU pointer: valid until this program returns */
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

SEC("lsm/task_setscheduler")
int BPF_PROG(judge_affinity_request, struct task_struct *p)
{
	struct cpuguard_stats *stats;
	struct affinity_request *req;
	struct policy_value *policy;
	struct cpuguard_state *state;
	struct scratch *s;
	__u64 policy_cgid = 0, mask_addr = 0;
	__u32 flags = 0;
	bool denied;

	if (!in_sched_setaffinity())
		return 0;
	state = bpf_map_lookup_elem(&state_map, &zero);
	if (!state || !state->entries)
		return 0;
	policy = policy_of(p, state->active_gen, &policy_cgid);
	if (!policy)
		return 0;

	stats = bpf_map_lookup_elem(&stats_map, &zero);
	s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!stats || !s)
		return -EPERM; /* cannot happen: per-CPU arrays of one element */
	stats->cnt[CPUGUARD_CNT_CHECKS]++;

	/* Consume the request so that no later call can be judged against it.
	 * (Not cross-checked against the pid argument: that is in the caller's
	 * pid namespace, p->pid in the initial one.) */
	req = bpf_task_storage_get(&request_map, bpf_get_current_task_btf(), 0, 0);
	if (req) {
		mask_addr = req->mask_addr;
		req->mask_addr = 0;
	}
	if (read_masks(s, mask_addr, policy)) {
		/* A confined target whose request we cannot see: fail closed. */
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
	/* Audit mode never denies, not even what it cannot read. */
	if (policy->mode == CPUGUARD_AUDIT) {
		stats->cnt[CPUGUARD_CNT_AUDITED]++;
		report_event(p, s, CPUGUARD_WOULD_DENY, flags, policy_cgid, stats);
		return 0;
	}
	stats->cnt[CPUGUARD_CNT_DENIED]++;
	report_event(p, s, CPUGUARD_DENY, flags, policy_cgid, stats);
	return -EPERM;
}

/*
 * Policy installation, run from the CLI with BPF_PROG_TEST_RUN: user space
 * cannot create a bpf_cpumask itself.
 */

/* Create the mask of one set (named or inline) and keep it in set_map. */
SEC("syscall")
int set_create(struct set_create_args *args)
{
	struct set_value init = {}, *slot;
	struct bpf_cpumask *mask, *old;
	struct scratch *s;
	__u32 set_id = args->set_id;
	struct bpf_iter_num it;
	int *cpu;

	s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!s)
		return 0;
	if (bpf_probe_read_kernel(s->requested, sizeof(s->requested), args->bits)) {
		args->err = -EINVAL;
		return 0;
	}
	if (bpf_map_update_elem(&set_map, &set_id, &init, BPF_ANY)) {
		args->err = -ENOMEM;
		return 0;
	}
	slot = bpf_map_lookup_elem(&set_map, &set_id);
	mask = bpf_cpumask_create();
	if (!slot || !mask) {
		if (mask)
			bpf_cpumask_release(mask);
		args->err = -ENOMEM;
		return 0;
	}
	bpf_iter_num_new(&it, 0, nr_cpu_ids);
	while ((cpu = bpf_iter_num_next(&it))) {
		__u32 c = *cpu;

		if (s->requested[(c / 64) & (CPUGUARD_MAX_WORDS - 1)] & (1ULL << (c % 64)))
			bpf_cpumask_set_cpu(c, mask);
	}
	bpf_iter_num_destroy(&it);
	/* A recycled map value may still hold an old mask (Linux 7.2+). */
	old = bpf_kptr_xchg(&slot->mask, mask);
	if (old)
		bpf_cpumask_release(old);
	args->err = 0;
	return 0;
}

/* Give one cgroup of generation @gen its own reference to a set's mask. */
SEC("syscall")
int policy_install(struct policy_install_args *args)
{
	struct policy_key key = { .cgroup_id = args->cgroup_id, .gen = args->gen };
	struct policy_value init = {}, *entry;
	struct bpf_cpumask *mask, *ref, *old;
	struct set_value *set;
	__u32 set_id = args->set_id;

	set = bpf_map_lookup_elem(&set_map, &set_id);
	if (!set) {
		args->err = -ENOENT;
		return 0;
	}
	/* Take the set's mask out to hold an owned reference, acquire a second
	 * one for the entry, and put the set's back. */
	mask = bpf_kptr_xchg(&set->mask, NULL);
	if (!mask) {
		args->err = -ENOENT;
		return 0;
	}
	ref = bpf_cpumask_acquire(mask);
	old = bpf_kptr_xchg(&set->mask, mask);
	if (old)
		bpf_cpumask_release(old);

	entry = bpf_map_lookup_elem(&policy_map, &key);
	if (!entry) {
		bpf_map_update_elem(&policy_map, &key, &init, BPF_NOEXIST);
		entry = bpf_map_lookup_elem(&policy_map, &key);
	}
	if (!entry) {
		bpf_cpumask_release(ref);
		args->err = -ENOMEM;
		return 0;
	}
	/* Only the generation not in force is written: no check reads it. */
	entry->mode = args->mode;
	entry->set_id = args->set_id;
	/* A recycled map value may still hold an old mask (Linux 7.2+). */
	old = bpf_kptr_xchg(&entry->mask, ref);
	if (old)
		bpf_cpumask_release(old);
	args->err = 0;
	return 0;
}

/* Read back the mask a cgroup is confined to, as the kernel holds it. */
SEC("syscall")
int policy_read(struct policy_read_args *args)
{
	struct policy_key key = { .cgroup_id = args->cgroup_id, .gen = args->gen };
	struct policy_value *entry;
	struct bpf_cpumask *mask;
	struct scratch *s;
	__u32 size = nr_cpu_words * 8;

	s = bpf_map_lookup_elem(&scratch_map, &zero);
	entry = bpf_map_lookup_elem(&policy_map, &key);
	if (!s || !entry || size > sizeof(s->allowed)) {
		args->err = -ENOENT;
		return 0;
	}
	__builtin_memset(s->allowed, 0, sizeof(s->allowed));
	bpf_rcu_read_lock();
	mask = entry->mask;
	if (mask)
		args->err = bpf_probe_read_kernel(s->allowed, size, mask);
	else
		args->err = -ENOENT;
	bpf_rcu_read_unlock();
	if (args->err)
		return 0;
	/* The context takes only stores at constant offsets. */
#pragma clang loop unroll(full)
	for (int w = 0; w < CPUGUARD_MAX_WORDS; w++)
		args->bits[w] = s->allowed[w];
	return 0;
}
