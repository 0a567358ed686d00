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

/*
 * Store @mask (an owned reference, or NULL) into the kptr field @slot of a
 * map value and release what the field held: a recycled value may still
 * hold an old mask (Linux 7.2+), and one about to be deleted must give its
 * reference up here, since 7.2+ keeps a deleted element's kptr until the
 * element is used again.
 */
static __always_inline void put_mask(struct bpf_cpumask __kptr **slot, struct bpf_cpumask *mask)
{
	struct bpf_cpumask *old = bpf_kptr_xchg(slot, mask);

	if (old)
		bpf_cpumask_release(old);
}

/* Create the mask of one set (named or inline) and keep it in set_map. */
SEC("syscall")
int set_create(struct set_create_args *args)
{
	struct set_value init = {}, *slot;
	struct bpf_cpumask *mask;
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
	put_mask(&slot->mask, mask);
	args->err = 0;
	return 0;
}

/*
 * A new reference to the mask in @slot, a kptr field of a map value. The
 * verifier refuses bpf_cpumask_acquire() on a kptr merely loaded from a map
 * (an RCU pointer): take the mask out to own it, acquire a second reference
 * and put the first back. Callers make sure nothing else exchanges @slot
 * meanwhile: apply's programs run one at a time, and follow_path never
 * touches a generation apply is writing (state.follow).
 */
static __always_inline struct bpf_cpumask *take_ref(struct bpf_cpumask __kptr **slot)
{
	struct bpf_cpumask *mask, *ref;

	mask = bpf_kptr_xchg(slot, NULL);
	if (!mask)
		return NULL;
	ref = bpf_cpumask_acquire(mask);
	put_mask(slot, mask);
	return ref;
}

/* Confine cgroup @cgid in generation @gen to @ref (consumed). An existing
 * entry is changed in place, never replaced: a replaced element would have
 * no mask until the exchange below, and a check reading it would refuse. */
static __always_inline int store_entry(__u64 cgid, __u32 gen, struct bpf_cpumask *ref, __u32 mode, __u32 set_id)
{
	struct policy_key key = { .cgroup_id = cgid, .gen = gen };
	struct policy_value init = { .mode = mode, .set_id = set_id, .cgroup_id = cgid }, *entry;
	long err = 0;

	entry = bpf_map_lookup_elem(&policy_map, &key);
	if (!entry) {
		err = bpf_map_update_elem(&policy_map, &key, &init, BPF_NOEXIST);
		entry = bpf_map_lookup_elem(&policy_map, &key);
	}
	if (!entry) {
		bpf_cpumask_release(ref);
		return err ?: -ENOMEM;
	}
	entry->mode = mode;
	entry->set_id = set_id;
	entry->cgroup_id = cgid;
	put_mask(&entry->mask, ref);
	return 0;
}

/* Write one policy line into path_map: its own reference to its set's
 * mask, from which every cgroup later created at the path gets one. */
static __always_inline int store_line(struct policy_install_args *args, struct bpf_cpumask *ref)
{
	struct path_key key;
	struct path_value init = { .mode = args->mode, .flags = args->flags }, *line;
	long err;

	/* The context cannot be a map key on 6.12 (KERNEL-NOTES). */
	if (bpf_probe_read_kernel(&key, sizeof(key), &args->key)) {
		bpf_cpumask_release(ref);
		return -EINVAL;
	}
	err = bpf_map_update_elem(&path_map, &key, &init, BPF_ANY);
	line = bpf_map_lookup_elem(&path_map, &key);
	if (!line) {
		bpf_cpumask_release(ref);
		return err ?: -ENOMEM;
	}
	__builtin_memcpy(line->set_name, args->set_name, sizeof(line->set_name));
	put_mask(&line->mask, ref);
	return 0;
}

/*
 * One policy line of generation @gen: the line itself into path_map (when
 * it has a path) and its cgroup into policy_map (when it exists), each with
 * its own reference to the set's mask. One run per line: apply makes one
 * for each of up to 32,768 lines. Only the generation not in force is
 * written, and the kernel side does not follow it meanwhile (state.follow).
 */
SEC("syscall")
int policy_install(struct policy_install_args *args)
{
	struct bpf_cpumask *ref;
	struct set_value *set;
	__u32 set_id = args->set_id;

	args->err = -ENOENT;
	set = bpf_map_lookup_elem(&set_map, &set_id);
	if (!set)
		return 0;
	args->err = 0;
	if (args->key.path[0]) {
		ref = take_ref(&set->mask);
		args->err = ref ? store_line(args, ref) : -ENOENT;
	}
	if (!args->err && args->cgroup_id) {
		ref = take_ref(&set->mask);
		args->err = ref ? store_entry(args->cgroup_id, args->gen, ref, args->mode, set_id) : -ENOENT;
	}
	return 0;
}

/*
 * A cgroup created at a path the policy names is confined here, before any
 * task can enter it: the tracepoint fires after the cgroup is set up and
 * before kernfs_activate() makes it visible, with cgroup_mutex held (so
 * every run of this program is serialised, and none is skipped by the
 * tracing recursion guard) and interrupts off. It installs the entry into
 * every generation state.follow names: during an apply, both.
 */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(follow_path, struct cgroup *cgrp, const char *path)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	__u32 zero = 0;
	struct cpuguard_state *state = bpf_map_lookup_elem(&state_map, &zero);
	struct path_key key = {};
	struct path_value *line;
	struct bpf_cpumask *ref;
	__u32 follow;
	long n;

	if (!state || !(follow = state->follow))
		return 0;
	/* Only the cgroup2 hierarchy: every task's dfl_cgrp lies in it. */
	if (cgrp->root != cur->cgroups->dfl_cgrp->root)
		return 0;
	n = bpf_probe_read_kernel_str(key.path, sizeof(key.path), path);
	if (n <= 0 || n > CPUGUARD_PATH_LEN_MAX + 1)
		return 0; /* longer than any path apply accepts */
	for (__u32 gen = 0; gen < 2; gen++) {
		if (!(follow & (1u << gen)))
			continue;
		key.gen = gen;
		line = bpf_map_lookup_elem(&path_map, &key);
		if (!line)
			continue;
		ref = take_ref(&line->mask);
		line->error = ref ? store_entry(cgrp->kn->id, gen, ref, line->mode, 0) : -ENOENT;
		if (!line->error)
			__sync_fetch_and_add(&line->followed, 1);
	}
	return 0;
}

/*
 * A removed cgroup's entries go with it: its id is never used again, and
 * the map must not fill up as services restart. The cgroup has no task and
 * no child left, so no verdict can find it from now on; one that found it
 * just before sees the element change and refuses (policy_mask()).
 */
SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(forget_cgroup, struct cgroup *cgrp, const char *path)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct policy_key key = { .cgroup_id = cgrp->kn->id };
	struct policy_value *entry;

	if (cgrp->root != cur->cgroups->dfl_cgrp->root)
		return 0;
	for (__u32 gen = 0; gen < 2; gen++) {
		key.gen = gen;
		entry = bpf_map_lookup_elem(&policy_map, &key);
		if (!entry)
			continue;
		put_mask(&entry->mask, NULL); /* released here, not when reused */
		bpf_map_delete_elem(&policy_map, &key);
	}
	return 0;
}

/*
 * Clearing a generation (apply's leftovers before it writes, the old one
 * after its switch) and the staged sets, in one program run rather than
 * one system call per key. Each callback runs for one element under RCU;
 * the element's mask is released first (put_mask()), as in forget_cgroup.
 */
struct clearing {
	__u32 gen;
	__u32 found; /* elements to delete seen in this pass */
};

static long drop_entry(struct bpf_map *map, struct policy_key *key, struct policy_value *v, struct clearing *c)
{
	if (key->gen != c->gen)
		return 0;
	put_mask(&v->mask, NULL);
	c->found++;
	bpf_map_delete_elem(&policy_map, key);
	return 0;
}

static long drop_line(struct bpf_map *map, struct path_key *key, struct path_value *v, struct clearing *c)
{
	if (key->gen != c->gen)
		return 0;
	put_mask(&v->mask, NULL);
	c->found++;
	bpf_map_delete_elem(&path_map, key);
	return 0;
}

static long drop_set(struct bpf_map *map, __u32 *key, struct set_value *v, struct clearing *c)
{
	put_mask(&v->mask, NULL);
	c->found++;
	bpf_map_delete_elem(&set_map, key);
	return 0;
}

/*
 * A preallocated element deleted during the walk can be reused at once (by
 * follow_path, for a cgroup of the generation in force) and linked into
 * another bucket, which can make the walk skip elements. So walk again
 * until a pass finds nothing to delete; what is still found after
 * CLEAR_PASSES (cgroups created faster than the walk) is reported.
 */
#define CLEAR_PASSES 8

SEC("syscall")
int clear_generation(struct clear_args *args)
{
	struct clearing c = { .gen = args->gen, .found = 1 };
	__u32 what = args->what;

	for (int pass = 0; pass < CLEAR_PASSES && c.found; pass++) {
		c.found = 0;
		if (what & CPUGUARD_CLEAR_ENTRIES) {
			bpf_for_each_map_elem(&policy_map, drop_entry, &c, 0);
			bpf_for_each_map_elem(&path_map, drop_line, &c, 0);
		}
		if (what & CPUGUARD_CLEAR_SETS)
			bpf_for_each_map_elem(&set_map, drop_set, &c, 0);
	}
	args->err = c.found ? -EBUSY : 0;
	return 0;
}

/* Read back the mask a cgroup is confined to, as the kernel holds it, or
 * (cgroup_id 0) the mask of a policy line in path_map. */
SEC("syscall")
int policy_read(struct policy_read_args *args)
{
	struct policy_key key = { .cgroup_id = args->cgroup_id, .gen = args->gen };
	struct path_key pkey;
	struct bpf_cpumask **slot = NULL;
	__u64 mask = 0;

	args->err = -ENOENT;
	if (args->cgroup_id) {
		struct policy_value *entry = bpf_map_lookup_elem(&policy_map, &key);

		if (entry)
			slot = &entry->mask;
	} else {
		struct path_value *line;

		if (bpf_probe_read_kernel(&pkey.path, sizeof(pkey.path), args->path))
			return 0;
		pkey.gen = args->gen;
		line = bpf_map_lookup_elem(&path_map, &pkey);
		if (line)
			slot = &line->mask;
	}
	if (!slot)
		return 0;
	/* A syscall program is sleepable: read the kptr under RCU. */
	bpf_rcu_read_lock();
	bpf_probe_read_kernel(&mask, sizeof(mask), slot);
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
