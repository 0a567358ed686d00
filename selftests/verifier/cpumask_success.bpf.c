// SPDX-License-Identifier: GPL-2.0
/*
 * Positive controls for cpumask_failure.bpf.c: the same contexts and
 * kfuncs, used by the rules. Each must LOAD (and attach, for lsm/fentry;
 * syscall programs are also run and must return 0), so a driver or a
 * context that refuses everything cannot pass the refusal cases.
 * In the style of Linux's tools/testing/selftests/bpf/progs/cpumask_success.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "expect.h"

char LICENSE[] SEC("license") = "GPL";

struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
struct bpf_cpumask *bpf_cpumask_acquire(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_release(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_set_cpu(__u32 cpu, struct bpf_cpumask *cpumask) __ksym;
bool bpf_cpumask_test_cpu(__u32 cpu, const struct cpumask *cpumask) __ksym;
bool bpf_cpumask_subset(const struct cpumask *src1, const struct cpumask *src2) __ksym;
void bpf_cpumask_copy(struct bpf_cpumask *dst, const struct cpumask *src) __ksym;
void bpf_rcu_read_lock(void) __ksym;
void bpf_rcu_read_unlock(void) __ksym;

struct mask_value {
	struct bpf_cpumask __kptr *mask;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u64);
	__type(value, struct mask_value);
} masks SEC(".maps");

/* Written by the lsm/fentry programs, so an attached program has a visible
 * effect if anyone wants to look. */
__u64 calls;

/* Create a mask with @cpu set and bpf_kptr_xchg() it into masks[@key];
 * release whatever the entry held. Returns 0 on success. */
static int store_new_mask(__u64 key, __u32 cpu)
{
	struct mask_value init = {}, *v;
	struct bpf_cpumask *m, *old;

	if (bpf_map_update_elem(&masks, &key, &init, BPF_ANY))
		return 1;
	v = bpf_map_lookup_elem(&masks, &key);
	if (!v)
		return 2;
	m = bpf_cpumask_create();
	if (!m)
		return 3;
	bpf_cpumask_set_cpu(cpu, m);
	old = bpf_kptr_xchg(&v->mask, m);
	if (old)
		bpf_cpumask_release(old);
	return 0;
}

/* Twin of plain_store_owned and leak_create: create, set a CPU, store with
 * bpf_kptr_xchg() into a hash map value, release what comes back. Doing it
 * twice makes the second exchange return (and release) the first mask. */
SEC("syscall")
__loads
int syscall_store(void *ctx)
{
	int err;

	err = store_new_mask(0, 0);
	if (err)
		return err;
	return store_new_mask(0, 1) ? 10 : 0;
}

/* Twin of leak_xchg_out, acquire_rcu_kptr_syscall and the policy_install
 * pattern: take the mask out with bpf_kptr_xchg() (owned), acquire a second
 * reference from it, put the first back and store the second in another
 * entry; release whatever either exchange returns. */
SEC("syscall")
__loads
int syscall_acquire_owned(void *ctx)
{
	struct mask_value init = {}, *from, *to;
	struct bpf_cpumask *m, *ref, *old;
	__u64 k0 = 0, k1 = 1;

	if (store_new_mask(k0, 0))
		return 1;
	from = bpf_map_lookup_elem(&masks, &k0);
	if (!from)
		return 2;
	m = bpf_kptr_xchg(&from->mask, NULL);
	if (!m)
		return 3;
	ref = bpf_cpumask_acquire(m);
	old = bpf_kptr_xchg(&from->mask, m);
	if (old)
		bpf_cpumask_release(old);

	if (bpf_map_update_elem(&masks, &k1, &init, BPF_ANY)) {
		bpf_cpumask_release(ref);
		return 4;
	}
	to = bpf_map_lookup_elem(&masks, &k1);
	if (!to) {
		bpf_cpumask_release(ref);
		return 5;
	}
	old = bpf_kptr_xchg(&to->mask, ref);
	if (old)
		bpf_cpumask_release(old);
	return 0;
}

/* Twin of leak_create / double_release / use_after_release: an owned
 * reference from create and one from acquire, each used while held and
 * released exactly once. */
SEC("syscall")
__loads
int syscall_create_acquire_release(void *ctx)
{
	struct bpf_cpumask *m, *ref;
	bool set;

	m = bpf_cpumask_create();
	if (!m)
		return 1;
	ref = bpf_cpumask_acquire(m);
	bpf_cpumask_set_cpu(0, m);
	set = bpf_cpumask_test_cpu(0, (const struct cpumask *)ref);
	bpf_cpumask_release(m);
	bpf_cpumask_release(ref);
	return set ? 0 : 2;
}

/* Twin of leak_acquire and use_after_release_lsm: create and acquire in
 * the LSM hook, release both. */
SEC("lsm/task_setscheduler")
__loads
int BPF_PROG(lsm_create_acquire_release, struct task_struct *p)
{
	struct bpf_cpumask *m, *ref;

	m = bpf_cpumask_create();
	if (!m)
		return 0;
	ref = bpf_cpumask_acquire(m);
	bpf_cpumask_set_cpu(0, ref);
	bpf_cpumask_release(m);
	bpf_cpumask_release(ref);
	__sync_fetch_and_add(&calls, 1);
	return 0;
}

/* Twin of acquire_rcu_kptr, release_map_kptr, null_map_kptr: read the map's
 * kptr under the hook's implicit RCU section, NULL-check it, and judge with
 * KF_RCU kfuncs, as cpuguard's check does. Never denies. */
SEC("lsm/task_setscheduler")
__loads
int BPF_PROG(lsm_rcu_read, struct task_struct *p)
{
	const struct cpumask *allowed;
	struct bpf_cpumask *m;
	struct mask_value *v;
	__u64 key = 0;

	__sync_fetch_and_add(&calls, 1);
	v = bpf_map_lookup_elem(&masks, &key);
	if (!v)
		return 0;
	m = v->mask;
	if (!m)
		return 0;
	allowed = (const struct cpumask *)m;
	if (bpf_cpumask_test_cpu(0, allowed) && bpf_cpumask_subset(allowed, allowed))
		__sync_fetch_and_add(&calls, 1);
	return 0;
}

/* Twin of acquire_rcu_kptr_locked: the same read inside an explicit
 * bpf_rcu_read_lock() section. */
SEC("lsm/task_setscheduler")
__loads
int BPF_PROG(lsm_rcu_read_locked, struct task_struct *p)
{
	struct bpf_cpumask *m;
	struct mask_value *v;
	__u64 key = 0;

	v = bpf_map_lookup_elem(&masks, &key);
	if (!v)
		return 0;
	bpf_rcu_read_lock();
	m = v->mask;
	if (m && bpf_cpumask_test_cpu(0, (const struct cpumask *)m))
		__sync_fetch_and_add(&calls, 1);
	bpf_rcu_read_unlock();
	return 0;
}

/* Twin of plain_store_rcu_copy: a second owned reference goes into the
 * other entry by bpf_kptr_xchg(). In the LSM hook the map's mask cannot be
 * acquired, so the copy is a fresh mask with the same bits. */
SEC("lsm/task_setscheduler")
__loads
int BPF_PROG(lsm_copy_store, struct task_struct *p)
{
	struct bpf_cpumask *m, *copy, *old;
	struct mask_value *from, *to;
	__u64 k0 = 0, k1 = 1;

	from = bpf_map_lookup_elem(&masks, &k0);
	to = bpf_map_lookup_elem(&masks, &k1);
	if (!from || !to)
		return 0;
	m = from->mask;
	if (!m)
		return 0;
	copy = bpf_cpumask_create();
	if (!copy)
		return 0;
	bpf_cpumask_copy(copy, (const struct cpumask *)m);
	old = bpf_kptr_xchg(&to->mask, copy);
	if (old)
		bpf_cpumask_release(old);
	return 0;
}

/* Twin of the untrusted_* programs: in_mask is readable with plain loads,
 * and the cpumask kfuncs work on trusted masks in the same context. */
SEC("fentry/sched_setaffinity")
__loads
int BPF_PROG(fentry_read_in_mask, pid_t pid, const struct cpumask *in_mask)
{
	struct bpf_cpumask *dst, *allowed;
	unsigned long word0 = in_mask->bits[0];
	bool inside;

	dst = bpf_cpumask_create();
	if (!dst)
		return 0;
	allowed = bpf_cpumask_create();
	if (!allowed) {
		bpf_cpumask_release(dst);
		return 0;
	}
	if (word0 & 1)
		bpf_cpumask_set_cpu(0, allowed);
	bpf_cpumask_copy(dst, (const struct cpumask *)allowed);
	inside = bpf_cpumask_subset((const struct cpumask *)dst, (const struct cpumask *)allowed);
	if (inside && bpf_cpumask_test_cpu(0, (const struct cpumask *)dst) == !!(word0 & 1))
		__sync_fetch_and_add(&calls, 1);
	bpf_cpumask_release(dst);
	bpf_cpumask_release(allowed);
	return 0;
}
