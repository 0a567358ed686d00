/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every kernel-side file of cpuguard shares: includes, errno values,
 * the kfuncs vmlinux.h does not declare, the verifier idioms, and the maps
 * and globals (each defined once, in maps.bpf.c; see CPUGUARD_DEFINE).
 */
#ifndef CPUGUARD_BPF_H
#define CPUGUARD_BPF_H

/* Newer bpftool puts kfunc prototypes into vmlinux.h; ours are below. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "cpuguard.h"

/* errno values: the UAPI headers cannot be included beside vmlinux.h. */
#define EPERM 1
#define ENOENT 2
#define ENOMEM 12
#define EINVAL 22
#define EBUSY 16

/* Kfuncs (bpftool 7.1's vmlinux.h has no kfunc prototypes). */
struct bpf_cpumask *bpf_cpumask_create(void) __ksym;
struct bpf_cpumask *bpf_cpumask_acquire(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_release(struct bpf_cpumask *cpumask) __ksym;
void bpf_cpumask_set_cpu(__u32 cpu, struct bpf_cpumask *cpumask) __ksym;
void bpf_rcu_read_lock(void) __ksym;
void bpf_rcu_read_unlock(void) __ksym;
int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;
/* Since 6.2: an untrusted typed pointer, read with direct loads that the
 * verifier guards like probe reads (faults read 0) without a helper call. */
void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/*
 * The verifier idiom for a variable index into a fixed-size array: it must
 * see a bound it can prove, and a compare the compiler may fold away is not
 * one. Masking with (size - 1) is; size must be a power of two.
 */
#define BOUNDED(i, size) ((i) & ((size) - 1))
_Static_assert((CPUGUARD_MAX_WORDS & (CPUGUARD_MAX_WORDS - 1)) == 0, "power of two");
_Static_assert((CPUGUARD_EVENT_WORDS & (CPUGUARD_EVENT_WORDS - 1)) == 0, "power of two");

/*
 * Maps and globals are declared here and defined once: maps.bpf.c defines
 * CPUGUARD_DEFINE before including this header, every other file sees
 * extern declarations, and the BPF linker (bpftool gen object) resolves
 * them. The linker requires an extern map to match its definition exactly,
 * which one declaration guarantees.
 */
#ifdef CPUGUARD_DEFINE
#define CPUGUARD_MAP(name, ...) struct { __VA_ARGS__ } name SEC(".maps")
#define CPUGUARD_GLOBAL(decl, init) decl = init
#else
#define CPUGUARD_MAP(name, ...) extern struct { __VA_ARGS__ } name SEC(".maps")
#define CPUGUARD_GLOBAL(decl, init) extern decl
#endif

/* Set by the loader from /sys/devices/system/cpu/possible: the kernel's
 * copy of a requested mask is only BITS_TO_LONGS(nr_cpu_ids) words long. */
CPUGUARD_GLOBAL(const volatile __u32 nr_cpu_ids, 1);
CPUGUARD_GLOBAL(const volatile __u32 nr_cpu_words, 1);
CPUGUARD_GLOBAL(const volatile __u64 last_word_mask, ~0ULL);

/* policy_map[{cgroup id, generation}]: the referenced mask a cgroup is
 * confined to. Written by install.bpf.c, read by the verdicts. */
CPUGUARD_MAP(policy_map,
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * CPUGUARD_MAX_ENTRIES);
	__type(key, struct policy_key);
	__type(value, struct policy_value););

/* path_map[{generation, path}]: the policy as written; each entry's mask
 * is where cgroups created at its path get their reference (install.bpf.c).
 * Not preallocated: its keys are large, and only apply writes it. */
CPUGUARD_MAP(path_map,
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * CPUGUARD_MAX_ENTRIES);
	__type(key, struct path_key);
	__type(value, struct path_value););

/* set_map: staging for one apply (install.bpf.c). */
CPUGUARD_MAP(set_map,
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * CPUGUARD_MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct set_value););

/* state_map[0]: the generation in force; written by user space. */
CPUGUARD_MAP(state_map,
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpuguard_state););

/*
 * memo_map: per cgroup, one 64-bit word remembering where its nearest
 * confined ancestor is for one policy version (policy.bpf.h says why it
 * stays true within a version): version << 32 | MEMO_NONE or the
 * ancestor's level + MEMO_LEVEL0. Written and read as one word, never as
 * parts: a torn {version, level} pair could judge a task against an
 * ancestor's wider set.
 */
struct cgroup_memo {
	__u64 word;
};

CPUGUARD_MAP(memo_map,
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cgroup_memo););

/* stats_map: per-CPU counters, only ever changed by atomic adds (events.bpf.h). */
CPUGUARD_MAP(stats_map,
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpuguard_stats););

/* coalesce_map: repeats of a denial held for one event (events.bpf.h). */
CPUGUARD_MAP(coalesce_map,
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CPUGUARD_COALESCE_SLOTS);
	__type(key, __u32);
	__type(value, struct cpuguard_coalesce_slot););

CPUGUARD_MAP(events,
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20););

/* One capture program's record of a request (request.bpf.h). */
struct request_record {
	__u64 addr;       /* the kernel's copy of the request; 0: none */
	__u64 migrations; /* the thread's se.nr_migrations when recorded */
	__u64 misses;     /* the recording program's recursion misses on this CPU */
	__u32 kind;       /* enum cpuguard_event_kind */
	__u32 pad;
};

struct pending_request {
	struct request_record copy[CPUGUARD_CAPTURE_COPIES];
};

/* request_map: per thread, where the kernel keeps the request the thread's
 * current syscall is making (request.bpf.h). */
CPUGUARD_MAP(request_map,
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pending_request););

/* Per capture program (enum capture_prog): its ID, set by the loader, and
 * the address of its per-CPU run statistics, found by find_capture_stats
 * (capture.bpf.c). request.bpf.h explains why the verdict reads them. */
CPUGUARD_GLOBAL(__u32 capture_prog_id[CPUGUARD_CAPTURE_SLOTS], {});
CPUGUARD_GLOBAL(__u64 capture_stats[CPUGUARD_CAPTURE_SLOTS], {});

#endif
