/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy side of a verdict: the nearest confined cgroup of a task, the
 * CPUs its cpuset lets the kernel apply, and the word-by-word comparison.
 *
 * Nothing here keeps state between calls or per CPU: LSM programs are not
 * protected against running twice at once on one CPU (one of them
 * preempted), so everything lives on the stack of the run that uses it.
 */
#ifndef CPUGUARD_POLICY_BPF_H
#define CPUGUARD_POLICY_BPF_H

static const __u32 zero;

/*
 * The depth memo. Finding the nearest confined ancestor costs one
 * policy_map lookup per level; a cgroup's storage in memo_map remembers
 * the answer for one policy version, so that a later check costs one
 * storage lookup and, when confined, one policy_map lookup.
 *
 * Why a memo written in version V stays true as long as V is in force:
 * - the walk that wrote it ran under the generation of V, whose entries
 *   apply writes completely before the switch and deletes only an RCU
 *   grace period after the next switch, and the walk runs inside an RCU
 *   read-side section (a walk that read V finishes before V's entries go);
 * - a cgroup's ancestors never change (cgroups cannot move in the tree);
 * - within V, entries are only ever added by cgroup_mkdir, for the new
 *   cgroup itself, before it is visible: it has no descendant, no task
 *   and no memo yet, and every cgroup created below it later sees its
 *   entry. So no existing memo can miss a nearer entry;
 * - within V, entries are only ever deleted by cgroup_rmdir, for the
 *   removed cgroup (no live descendant). A deletion never makes a nearer
 *   ancestor confined: a memo naming "none" or a farther level stays
 *   true, and a memo naming the deleted entry's level finds no entry and
 *   walks.
 * Whatever adds an entry for an existing cgroup (apply) must change the
 * version. The memo is tagged with the version the walk read with its
 * generation, so a walk that finishes after a switch writes a tag no
 * check matches. Apply flips the generation and adds one to the version
 * in one map update, so a consistent state has gen == version & 1. The
 * two share one aligned 64-bit word, read with one load (the kernel
 * copies map values with 8-byte moves); should a read still mix the two
 * states, it fails that test and walks without the memo. Anything unsure walks: the memo can
 * only save lookups, never make the verdict more lenient than the walk.
 */
#define MEMO_NONE 1   /* no confined ancestor */
#define MEMO_LEVEL0 2 /* + the confined ancestor's level */

/* The policy state a check reads once. */
struct state_view {
	__u32 gen;
	__u32 version;
	bool memo; /* gen and version come from one state: the memo may be used */
};

/* Cgroup id of @cgrp's ancestor at @level (<= cgrp->level), 0 if unreadable. */
static __always_inline __u64 ancestor_id(struct cgroup *cgrp, __u32 level)
{
	struct cgroup *anc = NULL;
	__u64 slot = (__u64)cgrp + bpf_core_field_offset(struct cgroup, ancestors) + (__u64)level * sizeof(anc);

	if (bpf_probe_read_kernel(&anc, sizeof(anc), (const void *)slot) || !anc)
		return 0;
	anc = bpf_rdonly_cast(anc, bpf_core_type_id_kernel(struct cgroup));
	return anc->kn->id;
}

/* The entry the memo of @cgrp names, or NULL when it names none; *walk is
 * set when the memo cannot answer (missing, another version, unreadable,
 * or its entry is gone). */
static __always_inline struct policy_value *policy_from_memo(struct cgroup *cgrp, __u64 word,
							     const struct state_view *st, __u64 *policy_cgid,
							     bool *walk)
{
	struct policy_key key = { .gen = st->gen };
	struct policy_value *policy;
	__u32 low = (__u32)word;

	*walk = true;
	if ((__u32)(word >> 32) != st->version || !low)
		return NULL;
	if (low == MEMO_NONE) {
		*walk = false;
		return NULL;
	}
	if (low - MEMO_LEVEL0 > (__u32)cgrp->level)
		return NULL;
	if (low - MEMO_LEVEL0 == (__u32)cgrp->level)
		key.cgroup_id = cgrp->kn->id; /* its own entry: no probe reads */
	else
		key.cgroup_id = ancestor_id(cgrp, low - MEMO_LEVEL0);
	if (!key.cgroup_id)
		return NULL;
	policy = bpf_map_lookup_elem(&policy_map, &key);
	if (!policy)
		return NULL; /* deleted by cgroup_rmdir: walk */
	*walk = false;
	*policy_cgid = key.cgroup_id;
	return policy;
}

/* Nearest confined cgroup of @p (itself or an ancestor) in @st's generation. */
static __always_inline struct policy_value *policy_of(struct task_struct *p, const struct state_view *st,
						      __u64 *policy_cgid)
{
	struct policy_key key = { .gen = st->gen };
	struct policy_value *policy = NULL;
	struct cgroup *cgrp = p->cgroups->dfl_cgrp;
	struct cgroup_memo *memo = NULL;
	struct bpf_iter_num it;
	__u64 word = MEMO_NONE;
	bool walk = true;
	int *i;

	if (st->memo) {
		/* Creating it may fail (no memory, or the storage's per-CPU
		 * lock busy with a preempted run): then walk. */
		memo = bpf_cgrp_storage_get(&memo_map, cgrp, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (memo) {
			policy = policy_from_memo(cgrp, *(volatile __u64 *)&memo->word, st, policy_cgid, &walk);
			if (!walk)
				return policy;
		}
	}

	/* Walk to the root whatever the depth: stopping early would let a task
	 * that can create cgroups nest itself out of its policy. */
	policy = NULL;
	bpf_iter_num_new(&it, 0, cgrp->level + 1);
	while ((i = bpf_iter_num_next(&it)) && cgrp) {
		key.cgroup_id = cgrp->kn->id;
		policy = bpf_map_lookup_elem(&policy_map, &key);
		if (policy) {
			*policy_cgid = key.cgroup_id;
			word = (__u64)cgrp->level + MEMO_LEVEL0;
			break;
		}
		cgrp = cgrp->self.parent->cgroup; /* NULL above the root */
	}
	bpf_iter_num_destroy(&it);
	/* One 64-bit store: no check can see the level without its version. */
	if (memo)
		*(volatile __u64 *)&memo->word = (__u64)st->version << 32 | word;
	return policy;
}

/* The policy in force for @p, or NULL when @p is not confined. */
static __always_inline struct policy_value *policy_in_force(struct task_struct *p, __u64 *policy_cgid)
{
	struct cpuguard_state *state = bpf_map_lookup_elem(&state_map, &zero);
	struct state_view st;

	if (!state || !*(volatile __u32 *)&state->entries)
		return NULL;
	/* active_gen and version share one aligned word: one load. */
	__u64 gen_version = *(volatile __u64 *)&state->active_gen;

	st.gen = (__u32)gen_version;
	st.version = (__u32)(gen_version >> 32);
	st.memo = st.gen == (st.version & 1);
	return policy_of(p, &st, policy_cgid);
}

/* Address of the CPU bits of @policy's mask. The pointer is read under the
 * RCU read-side section every non-sleepable BPF program runs in, and a
 * released bpf_cpumask is freed only after a grace period: the bits stay
 * valid until this program returns, whatever an apply does meanwhile. */
static __always_inline __u64 policy_mask_addr(struct policy_value *policy)
{
	/* A direct load (no helper call): the verifier types it an RCU
	 * pointer, valid as long as this run, or NULL. */
	struct bpf_cpumask *mask = *(struct bpf_cpumask *volatile *)&policy->mask;

	return mask ? (__u64)&mask->cpumask : 0;
}

/*
 * The mode and mask address of @policy, the entry found for cgroup @cgid.
 * An entry deleted by cgroup_rmdir (path.bpf.c) while this run holds it
 * can be reused at once for another cgroup's entry, with another set. The
 * owner is read again after the mask: if it is still @cgid, both reads came
 * from @cgid's entry (x86 does not reorder loads; the compiler is told not
 * to). If not, the mask is unreadable and the mode enforce: refused.
 */
static __always_inline __u64 policy_mask(struct policy_value *policy, __u64 cgid, __u32 *mode)
{
	__u64 addr;

	*mode = *(volatile __u32 *)&policy->mode;
	addr = policy_mask_addr(policy);
	asm volatile("" ::: "memory");
	if (*(volatile __u64 *)&policy->cgroup_id != cgid) {
		*mode = CPUGUARD_ENFORCE;
		return 0;
	}
	return addr;
}

/*
 * Word @w of the set or cpuset mask whose bits are at @addr, by a direct
 * load through an untrusted typed pointer (no helper call). A fault reads
 * 0, which can only make a verdict stricter: no allowed CPU (refused), or
 * an empty cpuset (the raw request judged). The request is read with
 * read_word(), whose failure is told apart: 0 there would mean "no CPU
 * asked", which is always inside.
 */
static __always_inline __u64 strict_word(__u64 addr, __u32 w)
{
	/* The bits are struct cpumask's only member: index them as words. */
	const __u64 *bits = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct cpumask));

	return bits[w];
}

/* Word @w of the mask whose bits are at @addr. */
static __always_inline bool read_word(__u64 addr, __u32 w, __u64 *out)
{
	return !bpf_probe_read_kernel(out, sizeof(*out), (const void *)(addr + (__u64)w * 8));
}

/*
 * struct cpuset as kernels build it: cpumask_var_t is a pointer with
 * CONFIG_CPUMASK_OFFSTACK (Debian) and a one-element array without, and
 * vmlinux.h follows whichever kernel it was generated from. CO-RE picks
 * the flavour that matches the running kernel.
 */
struct cpuset___offstack {
	struct cgroup_subsys_state css;
	struct cpumask *effective_cpus;
} __attribute__((preserve_access_index));

struct cpuset___onstack {
	struct cgroup_subsys_state css;
	struct cpumask effective_cpus[1];
} __attribute__((preserve_access_index));

/*
 * Address of the CPUs @p's cpuset lets sched_setaffinity() apply (it
 * narrows every request to them), or 0 for "no narrowing": the top cpuset
 * (whose tasks may use every possible CPU) or no cpuset support. 0 is
 * always safe: the raw request is judged. An empty effective mask (the
 * kernel then falls back to an ancestor's) also means no narrowing; that
 * is found by compare(), which reads the words anyway.
 */
static __always_inline __u64 cpuset_cpus_addr(struct task_struct *p)
{
	struct cgroup_subsys_state *css;
	__u64 addr = 0;
	int id;

	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuset_cgrp_id))
		return 0;
	id = bpf_core_enum_value(enum cgroup_subsys_id, cpuset_cgrp_id);
	/* Direct loads (the verifier turns faults into 0), not probe reads:
	 * @p is a trusted task and id a CO-RE constant. */
	css = p->cgroups->subsys[id];
	if (!css || !css->parent)
		return 0;
	if (bpf_core_field_exists(struct cpuset___offstack, effective_cpus)) {
		struct cpuset___offstack *cs = (void *)css - bpf_core_field_offset(struct cpuset___offstack, css);

		cs = bpf_rdonly_cast(cs, bpf_core_type_id_kernel(struct cpuset___offstack));
		addr = (__u64)cs->effective_cpus;
	} else if (bpf_core_field_exists(struct cpuset___onstack, effective_cpus)) {
		struct cpuset___onstack *cs = (void *)css - bpf_core_field_offset(struct cpuset___onstack, css);

		addr = (__u64)&cs->effective_cpus;
	}
	return addr;
}

/* What is asked: a mask in kernel memory, one CPU, or every CPU. */
struct request_src {
	__u64 addr; /* the mask's bits; 0: see cpu */
	__s32 cpu;  /* >= 0: that CPU alone; REQUEST_ALL_CPUS: all possible */
};

#define REQUEST_ALL_CPUS (-1)

/* Word @w of the request, with the bits beyond the possible CPUs cleared. */
static __always_inline bool request_word(const struct request_src *rq, __u32 w, __u64 *out)
{
	if (rq->addr) {
		if (!read_word(rq->addr, w, out))
			return false;
	} else {
		*out = rq->cpu == REQUEST_ALL_CPUS		   ? ~0ULL
		       : rq->cpu >= 0 && (__u32)rq->cpu / 64 == w ? 1ULL << (rq->cpu % 64)
								  : 0;
	}
	if (w == nr_cpu_words - 1)
		*out &= last_word_mask;
	return true;
}

enum outcome { INSIDE, OUTSIDE, UNREADABLE };

/*
 * Is (request & cpuset) inside allowed? *@cpuset 0: the whole request. An
 * empty cpuset mask means no narrowing: both answers are computed in the
 * one pass that reads each word once, and *@cpuset is cleared when the
 * mask was empty (the event's effective mask is then the request).
 */
static __always_inline enum outcome compare(const struct request_src *rq, __u64 allowed, __u64 *cpuset)
{
	bool any_cpu = false, raw_outside = false;

	if (!allowed)
		return UNREADABLE;
	for (__u32 w = 0; w < CPUGUARD_MAX_WORDS && w < nr_cpu_words; w++) {
		__u64 r, a, c = ~0ULL;

		if (!request_word(rq, w, &r))
			return UNREADABLE;
		a = strict_word(allowed, w);
		if (*cpuset)
			c = strict_word(*cpuset, w);
		any_cpu |= c != 0;
		raw_outside |= (r & ~a) != 0;
		if (r & c & ~a) /* c != 0 here: the cpuset is not empty */
			return OUTSIDE;
	}
	if (any_cpu)
		return INSIDE;
	*cpuset = 0;
	return raw_outside ? OUTSIDE : INSIDE;
}

#endif
