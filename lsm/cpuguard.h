/* SPDX-License-Identifier: GPL-2.0 */
/* Types shared by the BPF programs (cpuguard.bpf.c) and the CLI. */
#ifndef CPUGUARD_H
#define CPUGUARD_H

#ifndef __bpf__
#include <linux/types.h>
#endif

/* A bpf_cpumask is a full cpumask_t: NR_CPUS bits, 8192 on Debian. */
#define CPUGUARD_MAX_CPUS 8192
#define CPUGUARD_MAX_WORDS (CPUGUARD_MAX_CPUS / 64)
/* Events carry masks up to this many CPUs and flag anything wider. */
#define CPUGUARD_EVENT_CPUS 1024
#define CPUGUARD_EVENT_WORDS (CPUGUARD_EVENT_CPUS / 64)

/* One policy holds at most this many cgroups; the map holds two policies
 * (the one in force and the one being written). */
#define CPUGUARD_MAX_ENTRIES 32768

/* policy_value.mode: flags. 0 = enforce, judging the effective request
 * (what the kernel would apply: the request narrowed to the target's
 * cpuset); AUDIT reports instead of denying; STRICT judges the raw request. */
enum cpuguard_mode {
	CPUGUARD_ENFORCE = 0,
	CPUGUARD_AUDIT = 1 << 0,
	CPUGUARD_STRICT = 1 << 1,
};

enum cpuguard_action {
	CPUGUARD_DENY = 1,
	CPUGUARD_WOULD_DENY = 2, /* audit mode: allowed, reported */
	CPUGUARD_REPORT = 3,     /* nothing can refuse it: reported only */
};

/* What a confined task asked for. */
enum cpuguard_event_kind {
	CPUGUARD_KIND_AFFINITY = 1, /* sched_setaffinity() */
	CPUGUARD_KIND_SQPOLL = 2,   /* io_uring_setup() with IORING_SETUP_SQPOLL */
	CPUGUARD_KIND_IOWQ_AFF = 3, /* io_uring_register(IORING_REGISTER_IOWQ_AFF) */
};

#ifdef __bpf__
#define CPUGUARD_KPTR(type, name) struct type __attribute__((btf_type_tag("kptr"))) *name
#else
#define CPUGUARD_KPTR(type, name) __u64 name /* opaque to user space */
#endif

/* policy_map: which cgroup is confined to what, per policy generation.
 * Apply writes a whole new generation, then flips state.active_gen. */
struct policy_key {
	__u64 cgroup_id;
	__u32 gen;
	__u32 pad;
};

struct policy_value {
	CPUGUARD_KPTR(bpf_cpumask, mask); /* referenced; shared by a named set */
	__u32 mode;                       /* enum cpuguard_mode */
	__u32 set_id;                     /* the set it was installed from */
	__u64 cgroup_id;                  /* the key's: proves an element was not reused */
};

#define CPUGUARD_NAME_MAX 64

/*
 * path_map: the policy as written, per generation: one entry per policy
 * line, keyed by the cgroup's path in the cgroup2 hierarchy ("/a/b", as
 * the kernel's cgroup_mkdir tracepoint gives it). When a cgroup is created
 * at such a path, the kernel side confines it (install.bpf.c, follow_path)
 * before it becomes visible; `show` reads the set name and state here.
 */
#define CPUGUARD_PATH_MAX 256 /* bytes with the NUL; longer paths cannot be followed */
#define CPUGUARD_PATH_LEN_MAX (CPUGUARD_PATH_MAX - 2) /* a read of 255 may be truncated */
struct path_key {
	__u32 gen;
	char path[CPUGUARD_PATH_MAX]; /* NUL-padded */
};

enum cpuguard_path_flags {
	CPUGUARD_PATH_OPTIONAL = 1 << 0, /* the path need not exist at apply */
};

struct path_value {
	CPUGUARD_KPTR(bpf_cpumask, mask); /* referenced; each cgroup created here gets its own */
	__u32 mode;                       /* enum cpuguard_mode */
	__u32 flags;                      /* enum cpuguard_path_flags */
	__u64 followed;                   /* cgroups created here and confined by the kernel */
	__s32 error;                      /* the last such confinement that failed, 0: none */
	__u32 pad;
	char set_name[CPUGUARD_NAME_MAX]; /* "" for an inline CPU list */
};

/* set_map: staging for one apply. Each named set (and each inline CPU list)
 * is one bpf_cpumask; every policy entry that uses it acquires its own
 * reference from here. */
struct set_value {
	CPUGUARD_KPTR(bpf_cpumask, mask);
};

/* state_map[0] */
struct cpuguard_state {
	/* One aligned 64-bit word, read by checks with one load: the kernel
	 * copies a map value in 8-byte moves, so the two are seen together. */
	__u32 active_gen; /* 0 or 1: the generation checks read */
	__u32 version;    /* + 1 on every switch of generation (gen == version & 1) */
	__u32 entries;    /* policy lines in the active generation; 0 = nothing to judge */
	__u32 follow;     /* bit g: new cgroups are installed into generation g */
};

/* stats_map: per-CPU counters, indexed so that adding one is one line here.
 * Both sides expand CPUGUARD_COUNTERS(X) with X(ID, name, description).
 * An event stands for `count` denials: 1 of them is counted in events, the
 * other count - 1 in coalesced; a lost event adds its count to dropped.
 * Denials held in coalesce_map for a later event are its slots' pending
 * counts (CPUGUARD_SLOT_PENDING). So, summing pending over the slots:
 * events + coalesced + dropped + pending == denied + audited + reported. */
#define CPUGUARD_COUNTERS(X)                                                        \
	X(CHECKS, checks, "requests judged against a policy")                      \
	X(ALLOWED, allowed, "requests allowed")                                    \
	X(DENIED, denied, "requests denied")                                       \
	X(AUDITED, audited, "would-be denials let through in audit mode")          \
	X(REPORTED, reported, "out-of-set io_uring worker affinity: cannot be refused") \
	X(EVENTS, events, "events put into the ring buffer")                       \
	X(DROPPED, dropped, "denials whose event was lost because the ring buffer was full")        \
	X(ERRORS, errors, "requests that could not be read: denied, or reported in audit mode") \
	X(COALESCED, coalesced, "repeated denials reported in an earlier event's count instead of an event of their own")

enum cpuguard_counter {
#define CPUGUARD_COUNTER_ENUM(id, name, desc) CPUGUARD_CNT_##id,
	CPUGUARD_COUNTERS(CPUGUARD_COUNTER_ENUM)
#undef CPUGUARD_COUNTER_ENUM
	CPUGUARD_NR_COUNTERS
};

struct cpuguard_stats {
	__u64 cnt[CPUGUARD_NR_COUNTERS];
};

#define CPUGUARD_EVENT_TRUNCATED 0x1 /* masks wider than CPUGUARD_EVENT_CPUS */
#define CPUGUARD_EVENT_UNREADABLE 0x2 /* the request could not be read (denied unless audit) */

struct cpuguard_event {
	__u64 time_ns;          /* CLOCK_BOOTTIME */
	__u64 cgroup_id;        /* the target's cgroup */
	__u64 policy_cgroup_id; /* the confined cgroup whose policy judged */
	__u32 kind;             /* enum cpuguard_event_kind */
	__u32 action;           /* enum cpuguard_action */
	__u32 flags;            /* CPUGUARD_EVENT_* */
	__u32 count;            /* denials this event stands for (>= 1) */
	__u32 pid, tid;         /* caller */
	__u32 target_pid, target_tid;
	__u32 nr_cpu_ids;
	__u32 pad;
	char comm[16];
	char target_comm[16];
	__u64 requested[CPUGUARD_EVENT_WORDS];
	__u64 allowed[CPUGUARD_EVENT_WORDS];
	__u64 effective[CPUGUARD_EVENT_WORDS]; /* requested & the target's cpuset */
};

/*
 * coalesce_map: repeats of a denial become one event with a count
 * (lsm/events.bpf.h explains the protocol). One slot per (caller thread,
 * target thread) hash; the slot's state word is changed only by atomic
 * operations and holds a generation, a busy bit and the number of repeats
 * of `last` held for a later event (pending).
 */
#define CPUGUARD_COALESCE_SLOTS 1024
#define CPUGUARD_SLOT_PENDING_MAX 0xffffULL  /* bits 0-15: pending repeats */
#define CPUGUARD_SLOT_BUSY (1ULL << 16)      /* bit 16: being rewritten */
#define CPUGUARD_SLOT_GEN_ONE (1ULL << 17)   /* bits 17-63: generation */
#define CPUGUARD_SLOT_GEN_MASK (~0ULL << 17)
#define CPUGUARD_SLOT_PENDING(state) ((state) & CPUGUARD_SLOT_PENDING_MAX)
/* Repeats within this long of the event that opened the window are held
 * for one later event; a repeat after it sends that event. */
#define CPUGUARD_COALESCE_WINDOW_NS 1000000000ULL

struct cpuguard_coalesce_slot {
	__u64 state;
	struct cpuguard_event last; /* the denial the pending count repeats; count 0: none yet */
};

/* Context of flush_coalesced (SEC("syscall")): send the held counts. */
struct coalesce_flush_args {
	__u32 all;    /* 1: every slot; 0: only windows that have closed */
	__u32 events; /* out: events sent */
	__u64 denials;  /* out: denials they stand for */
	__u64 dropped;  /* out: denials lost with their event (ring buffer full) */
};

/*
 * The fentry programs that record, for the calling thread, where the kernel
 * keeps the request its current syscall makes (lsm/capture.bpf.c). Each
 * attach point has CPUGUARD_CAPTURE_COPIES identical programs: the kernel
 * skips a tracing program while another task is preempted inside it on the
 * same CPU, and one preempted task can be inside only one of them. Two
 * threads preempting each other on one CPU can spoil at most two copies
 * for each other (docs/design.md, "Capture under preemption").
 */
#define CPUGUARD_CAPTURE_COPIES 3
enum capture_prog {
	CAPTURE_AFFINITY_0, /* fentry/sched_setaffinity */
	CAPTURE_AFFINITY_1,
	CAPTURE_AFFINITY_2,
	CAPTURE_SQPOLL_0,   /* fentry/io_sq_offload_create */
	CAPTURE_SQPOLL_1,
	CAPTURE_SQPOLL_2,
	NR_CAPTURE_PROGS
};
#define CPUGUARD_CAPTURE_SLOTS 8 /* NR_CAPTURE_PROGS rounded up to a power of two */

/* Context of the SEC("syscall") programs that install and read policy. */
struct set_create_args {
	__u32 set_id;
	__s32 err;
	__u64 bits[CPUGUARD_MAX_WORDS];
};

/* policy_install: a policy line (key.path[0] != 0) into path_map, and/or a
 * cgroup (cgroup_id != 0) into policy_map, both of generation gen. */
struct policy_install_args {
	__u64 cgroup_id;
	__u32 gen;
	__u32 set_id;
	__u32 mode;
	__s32 err;
	__u32 flags; /* enum cpuguard_path_flags */
	char set_name[CPUGUARD_NAME_MAX];
	struct path_key key;
};

/* clear_generation: what to delete. */
enum cpuguard_clear {
	CPUGUARD_CLEAR_ENTRIES = 1 << 0, /* generation gen of policy_map and path_map */
	CPUGUARD_CLEAR_SETS = 1 << 1,    /* every set of set_map */
};

struct clear_args {
	__u32 gen;
	__u32 what; /* enum cpuguard_clear */
	__s32 err;  /* -EBUSY: entries still found after every pass */
};

/* Read a mask back: policy_map[{cgroup_id, gen}], or path_map[{gen, path}]
 * when cgroup_id is 0. */
struct policy_read_args {
	__u64 cgroup_id;
	__u32 gen;
	__s32 err;
	char path[CPUGUARD_PATH_MAX];
	__u64 bits[CPUGUARD_MAX_WORDS];
};

#endif
