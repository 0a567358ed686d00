// SPDX-License-Identifier: GPL-2.0
/*
 * Policy installation, run by `cpuguard apply` and `show` with
 * BPF_PROG_TEST_RUN: user space cannot create a bpf_cpumask itself. Every
 * failure is reported in args->err; nothing here keeps state between runs.
 */
#include "cpuguard.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct set_bits {
	struct set_create_args *args;
	struct bpf_cpumask *mask;
	__u64 word;
};

/* bpf_loop() callback: CPU @cpu of the set. (A callback rather than an
 * open-coded iterator: libbpf 1.1's linker cannot link a kfunc that two
 * object files both call, and the verdict calls bpf_iter_num_*.) */
static long set_cpu(__u32 cpu, struct set_bits *b)
{
	if (cpu % 64 == 0 &&
	    bpf_probe_read_kernel(&b->word, sizeof(b->word), &b->args->bits[BOUNDED(cpu / 64, CPUGUARD_MAX_WORDS)]))
		return 1;
	if (b->word & (1ULL << (cpu % 64)))
		bpf_cpumask_set_cpu(cpu, b->mask);
	return 0;
}

/* Create the mask of one set (named or inline) and keep it in set_map. */
SEC("syscall")
int set_create(struct set_create_args *args)
{
	struct set_value init = {}, *slot;
	struct bpf_cpumask *mask, *old;
	__u32 set_id = args->set_id;
	struct set_bits b = { .args = args };

	args->err = -ENOMEM;
	if (bpf_map_update_elem(&set_map, &set_id, &init, BPF_ANY))
		return 0;
	slot = bpf_map_lookup_elem(&set_map, &set_id);
	if (!slot)
		return 0;
	mask = bpf_cpumask_create();
	if (!mask)
		return 0;
	b.mask = mask;
	bpf_loop(nr_cpu_ids, set_cpu, &b, 0);
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
	long err;

	args->err = -ENOENT;
	set = bpf_map_lookup_elem(&set_map, &set_id);
	if (!set)
		return 0;
	/* Take the set's mask out to hold an owned reference, acquire a second
	 * one for the entry, and put the set's back. */
	mask = bpf_kptr_xchg(&set->mask, NULL);
	if (!mask)
		return 0;
	ref = bpf_cpumask_acquire(mask);
	old = bpf_kptr_xchg(&set->mask, mask);
	if (old)
		bpf_cpumask_release(old);

	entry = bpf_map_lookup_elem(&policy_map, &key);
	if (!entry) {
		err = bpf_map_update_elem(&policy_map, &key, &init, BPF_NOEXIST);
		entry = bpf_map_lookup_elem(&policy_map, &key);
		if (!entry) {
			bpf_cpumask_release(ref);
			args->err = err ?: -ENOMEM;
			return 0;
		}
	}
	/* Only the generation not in force is written: no check reads it. */
	entry->mode = args->mode;
	entry->set_id = args->set_id;
	entry->cgroup_id = args->cgroup_id;
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
	__u64 mask = 0;

	args->err = -ENOENT;
	entry = bpf_map_lookup_elem(&policy_map, &key);
	if (!entry)
		return 0;
	/* A syscall program is sleepable: read the kptr under RCU. */
	bpf_rcu_read_lock();
	bpf_probe_read_kernel(&mask, sizeof(mask), &entry->mask);
	/* The context takes only stores at constant offsets. */
#pragma clang loop unroll(full)
	for (__u32 w = 0; w < CPUGUARD_MAX_WORDS; w++) {
		__u64 word = 0;

		if (w < nr_cpu_words && mask &&
		    bpf_probe_read_kernel(&word, sizeof(word), (const void *)(mask + w * 8)))
			mask = 0;
		args->bits[w] = word;
	}
	bpf_rcu_read_unlock();
	args->err = mask ? 0 : -ENOENT;
	return 0;
}
