// SPDX-License-Identifier: GPL-2.0
/*
 * Programs that break a reference rule cpuguard relies on. Each one must be
 * REFUSED by the verifier; verifier_refusals.c loads them one at a time and
 * matches the verifier's message. Every program here has a twin in
 * cpumask_success.bpf.c that runs in the same context and differs only in
 * obeying the rule, so a refusal cannot come from the context itself.
 * In the style of Linux's tools/testing/selftests/bpf/progs/cpumask_failure.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "expect.h"

char LICENSE[] SEC("license") = "GPL";

/* libbpf 1.1's headers declare none of these. */
struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
struct bpf_cpumask *bpf_cpumask_acquire(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_release(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_set_cpu(__u32 cpu, struct bpf_cpumask *cpumask) __ksym;
bool bpf_cpumask_test_cpu(__u32 cpu, const struct cpumask *cpumask) __ksym;
bool bpf_cpumask_subset(const struct cpumask *src1, const struct cpumask *src2) __ksym;
void bpf_cpumask_copy(struct bpf_cpumask *dst, const struct cpumask *src) __ksym;
void bpf_rcu_read_lock(void) __ksym;
void bpf_rcu_read_unlock(void) __ksym;

/* Like cpuguard's policy_map: a hash map whose values hold a referenced
 * bpf_cpumask kptr. */
struct mask_value {
	struct bpf_cpumask __kptr *mask;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u64);
	__type(value, struct mask_value);
} masks SEC(".maps");

/* ---- 1. leak: every owned reference must be stored or released ---- */

/* A created mask that is neither stored nor released. */
SEC("syscall")
__refused("Unreleased reference")
int leak_create(void *ctx)
{
	struct bpf_cpumask *m;

	m = bpf_cpumask_create();
	if (!m)
		return 1;
	bpf_cpumask_set_cpu(0, m);
	return 0;
}

/* An acquired second reference that is dropped on the floor (in the LSM
 * hook, where create and acquire are also allowed). */
SEC("lsm/task_setscheduler")
__refused("Unreleased reference")
int BPF_PROG(leak_acquire, struct task_struct *p)
{
	struct bpf_cpumask *m, *ref;

	m = bpf_cpumask_create();
	if (!m)
		return 0;
	ref = bpf_cpumask_acquire(m);
	bpf_cpumask_set_cpu(0, ref);
	bpf_cpumask_release(m);
	return 0;
}

/* A mask taken out of a map value with bpf_kptr_xchg() is owned: putting
 * it neither back nor releasing it leaks it (cpuguard's policy_install
 * takes a set's mask out this way). */
SEC("syscall")
__refused("Unreleased reference")
int leak_xchg_out(void *ctx)
{
	struct bpf_cpumask *old;
	struct mask_value *v;
	__u64 key = 0;

	v = bpf_map_lookup_elem(&masks, &key);
	if (!v)
		return 1;
	old = bpf_kptr_xchg(&v->mask, NULL);
	if (!old)
		return 1;
	bpf_cpumask_set_cpu(0, old);
	return 0;
}

/* ---- 2. double release ---- */

SEC("syscall")
__refused("R1 type=scalar expected=")
__refused_7x("release kfunc bpf_cpumask_release expects referenced PTR_TO_BTF_ID passed to R1")
int double_release(void *ctx)
{
	struct bpf_cpumask *m;

	m = bpf_cpumask_create();
	if (!m)
		return 1;
	bpf_cpumask_release(m);
	bpf_cpumask_release(m);
	return 0;
}

/* Releasing a reference the program does not own: the map's, read under
 * RCU. */
SEC("lsm/task_setscheduler")
__refused("R1 must be referenced or trusted")
__refused_7x("release kfunc bpf_cpumask_release expects referenced PTR_TO_BTF_ID passed to R1")
int BPF_PROG(release_map_kptr, struct task_struct *p)
{
	struct bpf_cpumask *m;
	struct mask_value *v;
	__u64 key = 0;

	v = bpf_map_lookup_elem(&masks, &key);
	if (!v)
		return 0;
	m = v->mask;
	if (!m)
		return 0;
	bpf_cpumask_release(m);
	return 0;
}

/* ---- 3. untrusted pointer: sched_setaffinity's in_mask ---- */

/* fentry arguments are untrusted: in_mask may be read with plain loads, but
 * no cpumask kfunc takes it. */
SEC("fentry/sched_setaffinity")
__refused("R2 must be a rcu pointer")
int BPF_PROG(untrusted_copy, pid_t pid, const struct cpumask *in_mask)
{
	struct bpf_cpumask *dst;

	dst = bpf_cpumask_create();
	if (!dst)
		return 0;
	bpf_cpumask_copy(dst, in_mask);
	bpf_cpumask_release(dst);
	return 0;
}

SEC("fentry/sched_setaffinity")
__refused("R1 must be a rcu pointer")
int BPF_PROG(untrusted_subset, pid_t pid, const struct cpumask *in_mask)
{
	struct bpf_cpumask *allowed;
	bool inside;

	allowed = bpf_cpumask_create();
	if (!allowed)
		return 0;
	inside = bpf_cpumask_subset(in_mask, (const struct cpumask *)allowed);
	bpf_cpumask_release(allowed);
	return inside;
}

SEC("fentry/sched_setaffinity")
__refused("R2 must be a rcu pointer")
int BPF_PROG(untrusted_test_cpu, pid_t pid, const struct cpumask *in_mask)
{
	return bpf_cpumask_test_cpu(0, in_mask);
}

/* ---- 4. no acquire of an RCU kptr loaded from a map value ---- */

/* In the LSM hook a kptr loaded from a map value is an RCU pointer: KF_RCU
 * kfuncs take it, bpf_cpumask_acquire() does not. */
SEC("lsm/task_setscheduler")
__refused("R1 must be referenced or trusted")
int BPF_PROG(acquire_rcu_kptr, struct task_struct *p)
{
	struct bpf_cpumask *m, *ref;
	struct mask_value *v;
	__u64 key = 0;

	v = bpf_map_lookup_elem(&masks, &key);
	if (!v)
		return 0;
	m = v->mask;
	if (!m)
		return 0;
	ref = bpf_cpumask_acquire(m);
	bpf_cpumask_release(ref);
	return 0;
}

/* The same inside an explicit bpf_rcu_read_lock() section. */
SEC("lsm/task_setscheduler")
__refused("R1 must be referenced or trusted")
int BPF_PROG(acquire_rcu_kptr_locked, struct task_struct *p)
{
	struct bpf_cpumask *m, *ref;
	struct mask_value *v;
	__u64 key = 0;

	v = bpf_map_lookup_elem(&masks, &key);
	if (!v)
		return 0;
	bpf_rcu_read_lock();
	m = v->mask;
	if (m) {
		ref = bpf_cpumask_acquire(m);
		bpf_cpumask_release(ref);
	}
	bpf_rcu_read_unlock();
	return 0;
}

/* And in a (sleepable) syscall program under bpf_rcu_read_lock(): this is
 * why policy_install takes a set's mask out with bpf_kptr_xchg() before
 * acquiring a second reference. */
SEC("syscall")
__refused("R1 must be referenced or trusted")
int acquire_rcu_kptr_syscall(void *ctx)
{
	struct bpf_cpumask *m, *ref;
	struct mask_value *v;
	__u64 key = 0;

	v = bpf_map_lookup_elem(&masks, &key);
	if (!v)
		return 1;
	bpf_rcu_read_lock();
	m = v->mask;
	if (m) {
		ref = bpf_cpumask_acquire(m);
		bpf_cpumask_release(ref);
	}
	bpf_rcu_read_unlock();
	return 0;
}

/* ---- 5. kptrs go into map values only through bpf_kptr_xchg() ---- */

SEC("syscall")
__refused("store to referenced kptr disallowed")
int plain_store_owned(void *ctx)
{
	struct bpf_cpumask *m;
	struct mask_value *v;
	__u64 key = 0;

	v = bpf_map_lookup_elem(&masks, &key);
	if (!v)
		return 1;
	m = bpf_cpumask_create();
	if (!m)
		return 1;
	v->mask = m;
	return 0;
}

/* Copying the map's RCU pointer into another value by assignment. */
SEC("lsm/task_setscheduler")
__refused("store to referenced kptr disallowed")
int BPF_PROG(plain_store_rcu_copy, struct task_struct *p)
{
	struct mask_value *from, *to;
	__u64 k0 = 0, k1 = 1;

	from = bpf_map_lookup_elem(&masks, &k0);
	to = bpf_map_lookup_elem(&masks, &k1);
	if (!from || !to)
		return 0;
	to->mask = from->mask;
	return 0;
}

/* ---- 6. no use after release (or after handing the reference over) ---- */

SEC("syscall")
__refused("R2 type=scalar expected=")
int use_after_release(void *ctx)
{
	struct bpf_cpumask *m;

	m = bpf_cpumask_create();
	if (!m)
		return 1;
	bpf_cpumask_set_cpu(0, m);
	bpf_cpumask_release(m);
	return bpf_cpumask_test_cpu(0, (const struct cpumask *)m);
}

SEC("lsm/task_setscheduler")
__refused("R2 type=scalar expected=")
int BPF_PROG(use_after_release_lsm, struct task_struct *p)
{
	struct bpf_cpumask *m;

	m = bpf_cpumask_create();
	if (!m)
		return 0;
	bpf_cpumask_release(m);
	bpf_cpumask_set_cpu(0, m);
	return 0;
}

/* After bpf_kptr_xchg() the map owns the reference: the program's pointer
 * is gone. */
SEC("syscall")
__refused("R2 type=scalar expected=")
int use_after_xchg(void *ctx)
{
	struct bpf_cpumask *m, *old;
	struct mask_value *v;
	__u64 key = 0;

	v = bpf_map_lookup_elem(&masks, &key);
	if (!v)
		return 1;
	m = bpf_cpumask_create();
	if (!m)
		return 1;
	old = bpf_kptr_xchg(&v->mask, m);
	if (old)
		bpf_cpumask_release(old);
	bpf_cpumask_set_cpu(1, m);
	return 0;
}

/* ---- 7. NULL checks: create and a loaded kptr may be NULL ---- */

SEC("syscall")
__refused("Possibly NULL pointer passed to trusted ")
int null_create(void *ctx)
{
	struct bpf_cpumask *m;

	m = bpf_cpumask_create();
	bpf_cpumask_set_cpu(0, m);
	if (m)
		bpf_cpumask_release(m);
	return 0;
}

SEC("lsm/task_setscheduler")
__refused("Possibly NULL pointer passed to trusted ")
int BPF_PROG(null_map_kptr, struct task_struct *p)
{
	struct mask_value *v;
	__u64 key = 0;

	v = bpf_map_lookup_elem(&masks, &key);
	if (!v)
		return 0;
	return bpf_cpumask_test_cpu(0, (const struct cpumask *)v->mask) ? 0 : -1;
}
