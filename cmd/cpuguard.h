/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces of the cpuguard CLI. */
#ifndef CPUGUARD_CLI_H
#define CPUGUARD_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "cpulist.h"
#include "../lsm/cpuguard.h"

#define DEFAULT_PIN_DIR "/sys/fs/bpf/cpuguard"
#define DEFAULT_CGROUP_ROOT "/sys/fs/cgroup"
#define POSSIBLE_CPUS "/sys/devices/system/cpu/possible"
#define DEFAULT_LOCK_WAIT 30 /* seconds apply and unload wait for the lock */

/* Exit status */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct options {
	const char *pin_dir;
	const char *cgroup_root; /* NULL: detected (cgroup_root()) */
	const char *file;        /* check, apply */
	const char *possible;    /* check --possible LIST */
	bool syntax_only;        /* check --syntax-only */
	int wait;                /* --wait SECONDS for the lock; -1 = default */
	bool json;
	bool follow;
	bool verbose;
	bool narrow; /* tasks --narrow */
	bool journal; /* audit: to the systemd journal */
	const char *output; /* audit --output FILE: appended to */
};

/*
 * Everything cpuguard pins under the pin directory: ONE line per object.
 *   X(field, pin file name, kind, skeleton member)
 * field names the file descriptor in struct guard; kind is MAP, PROG or
 * LINK; the skeleton member (of struct cpuguard, cpuguard.skel.h) is what
 * `load` pins, and its name after the '.' is the kernel object's name
 * (for a link: its program's), which every command verifies before
 * trusting a pin. `load` pins in this order: the judging link last, as its
 * pin is what "loaded" means. guard_open() opens MAP and PROG pins.
 */
#define CPUGUARD_PINS(X)                                                          \
	X(policy_map, "policy_map", MAP, maps.policy_map)                         \
	X(set_map, "set_map", MAP, maps.set_map)                                  \
	X(state_map, "state_map", MAP, maps.state_map)                            \
	X(stats_map, "stats_map", MAP, maps.stats_map)                            \
	X(path_map, "path_map", MAP, maps.path_map)                               \
	X(events, "events", MAP, maps.events)                                     \
	X(coalesce_map, "coalesce_map", MAP, maps.coalesce_map)                   \
	X(set_create, "prog_set_create", PROG, progs.set_create)                  \
	X(policy_install, "prog_policy_install", PROG, progs.policy_install)      \
	X(policy_read, "prog_policy_read", PROG, progs.policy_read)               \
	X(clear_generation, "prog_clear_generation", PROG, progs.clear_generation) \
	X(link_follow_path, "link_follow_path", LINK, links.follow_path)         \
	X(link_forget_cgroup, "link_forget_cgroup", LINK, links.forget_cgroup)   \
	X(flush_coalesced, "prog_flush_coalesced", PROG, progs.flush_coalesced)   \
	X(link_capture_affinity_0, "link_capture_affinity_0", LINK, links.cap_affinity_0) \
	X(link_capture_affinity_1, "link_capture_affinity_1", LINK, links.cap_affinity_1) \
	X(link_capture_affinity_2, "link_capture_affinity_2", LINK, links.cap_affinity_2) \
	X(link_capture_sqpoll_0, "link_capture_sqpoll_0", LINK, links.cap_sqpoll_0) \
	X(link_capture_sqpoll_1, "link_capture_sqpoll_1", LINK, links.cap_sqpoll_1) \
	X(link_capture_sqpoll_2, "link_capture_sqpoll_2", LINK, links.cap_sqpoll_2) \
	X(link_judge_sqpoll, "link_judge_sqpoll", LINK, links.judge_sqpoll)       \
	X(link_report_iowq, "link_report_iowq", LINK, links.report_iowq_affinity) \
	X(link_judge, "link_judge", LINK, links.judge_affinity_request)

enum pin_kind { PIN_MAP, PIN_PROG, PIN_LINK };

enum pin_id {
#define PIN_ENUM(field, file, kind, member) PIN_ID_##field,
	CPUGUARD_PINS(PIN_ENUM)
#undef PIN_ENUM
	NR_PINS
};

struct pin_desc {
	const char *file;     /* name in the pin directory */
	enum pin_kind kind;
	const char *obj_name; /* the kernel object's name, as the skeleton names it */
};
extern const struct pin_desc pins[NR_PINS];

/* A pin's file name without linking pins.c (for bench/cgbench.c):
 * PIN_FILE(policy_map) is "policy_map". */
static inline const char *pin_file(enum pin_id id)
{
	switch (id) {
#define PIN_FILE_CASE(field, file, kind, member) case PIN_ID_##field: return file;
	CPUGUARD_PINS(PIN_FILE_CASE)
#undef PIN_FILE_CASE
	default:
		return NULL;
	}
}
#define PIN_FILE(field) pin_file(PIN_ID_##field)

/* A pin beside the table's: the version of the cpuguard that loaded (an
 * array map the CLI creates, value struct cpuguard_build). Optional, so
 * that pins of a cpuguard from before it are still recognised. */
#define PIN_VERSION "version"
#define VERSION_MAP_NAME "cpuguard_ver"
struct cpuguard_build {
	char version[32];
	char object[24]; /* hash of the embedded BPF object, hex */
};

/* File descriptors of a loaded cpuguard, opened from its pins. */
struct guard {
#define PIN_FD(field, file, kind, member) int field;
	CPUGUARD_PINS(PIN_FD)
#undef PIN_FD
	int dir_fd;  /* the pin directory, flock()ed while changing policy */
	int lock_fd; /* == dir_fd when locked, else -1 */
};

/* What is at the pin directory (pins.c). */
enum guard_state {
	GUARD_ABSENT,  /* nothing there: not loaded */
	GUARD_LOADED,  /* a verified cpuguard pin directory with every pin */
	GUARD_PARTIAL, /* verified, but without the judging link: a load died half-way */
	GUARD_FOREIGN, /* something that is not cpuguard's: refuse to use or remove it */
	GUARD_ERROR,   /* cannot tell (permissions, I/O) */
};
struct guard_probe {
	enum guard_state state;
	char why[512]; /* FOREIGN, ERROR: what is wrong and how to fix it */
};
enum guard_state guard_probe(const char *pin_dir, struct guard_probe *p);
/* Open the pin directory after checking it is a real directory on bpffs,
 * owned by root, mode 0700; -1 with p->why otherwise. */
int pin_dir_open(const char *pin_dir, struct guard_probe *p);
/* Remove cpuguard's own pins by name, then the directory. */
int unpin_all(const char *pin_dir, char *why, size_t len);
int read_build(const char *pin_dir, struct cpuguard_build *b); /* 0, or -1: no version pin */

/* diag.c: messages. With --json, errors go to stdout as {"error": "..."}
 * (one per line, as bpftool does); otherwise to stderr. */
void diag_init(const struct options *o);
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool json_mode(void);

/* kernel.c */
#define CAPS_MSG_MAX 128
int missing_cap(char *msg, size_t len); /* 0: all there; else msg says which */
int require_caps(const char *command);
/* One missing piece of kernel support: what, and the fix. */
struct support_gap {
	char what[256];
	char fix[256];
};
#define SUPPORT_GAPS_MAX 16
struct support {
	int ngaps;
	struct support_gap gaps[SUPPORT_GAPS_MAX];
};
/* Probe everything load needs; returns the number of gaps (0: supported). */
int probe_kernel_support(struct support *s);
int check_kernel_support(bool verbose); /* for load: print the gaps, -1 if any */
int read_possible_cpus(struct cg_cpumask *possible, unsigned *nr_cpu_ids);
int guard_open(const struct options *o, struct guard *g, bool lock);
void guard_close(struct guard *g);
int guard_read_state(const struct guard *g, struct cpuguard_state *st);
int guard_read_stats(const struct guard *g, struct cpuguard_stats *sum);
int guard_capture_skips(const char *pin_dir, uint64_t *skips);
int guard_read_pending(const struct guard *g, uint64_t *pending);
/* The mask of cgroup @cgroup_id in generation @gen, or with @cgroup_id 0,
 * that of the policy line for @path. */
int guard_read_mask(const struct guard *g, uint64_t cgroup_id, const char *path, uint32_t gen,
		    struct cg_cpumask *out);
int run_syscall_prog(int prog_fd, void *args, size_t size);
int wait_for_checks(void);
/* Take the exclusive lock on the pin directory, waiting at most @wait
 * seconds (-1: DEFAULT_LOCK_WAIT) and saying who holds it. */
int lock_pin_dir(int dir_fd, const char *pin_dir, int wait);

/* show.c: the entries in force, read back from the kernel as show reads them. */
struct entry_in_force {
	uint64_t cgroup_id;
	uint32_t mode;
	struct cg_cpumask mask;
	char *path; /* NULL: the cgroup was removed */
};
int read_policy_in_force(const struct guard *g, struct entry_in_force **out, size_t *n);
void free_policy_in_force(struct entry_in_force *e, size_t n);

/* tasks.c: after an apply of @p, one line counting the threads outside
 * their set (nothing when there are none). */
struct policy;
void tasks_note_after_apply(const struct policy *p);

/* cgpath.c: the cgroup2 mount and cgroup id -> path below it ("/a/b"). */
#define CGROUP_PATH_MAX 4096
void set_cgroup_root(const char *dir);
const char *cgroup_root(void);
const char *cgroup_path_of(uint64_t id, char *buf, size_t len);

/* The child cgroups of one directory (path @parent[0..len) below the root)
 * and their ids, read at once (cgpath.c). */
struct cgroup_listing {
	char *parent;
	struct child *v; /* sorted by name */
	size_t n;
	bool ok; /* read completely */
};
/* -1 when it cannot be read: then l->ok is false and l->parent still names
 * the parent (NULL only when out of memory). */
int cgroup_listing_read(struct cgroup_listing *l, const char *parent, size_t len);
/* The id of child @name, 0 if the listing has none. */
uint64_t cgroup_listing_id(const struct cgroup_listing *l, const char *name);
void cgroup_listing_free(struct cgroup_listing *l);

/* load.c */
void cli_build(struct cpuguard_build *b); /* this CLI's version and object */

/* Commands: one signature. */
int cmd_load(const struct options *o);
int cmd_unload(const struct options *o);
int cmd_check(const struct options *o);
int cmd_apply(const struct options *o);
int cmd_show(const struct options *o);
int cmd_status(const struct options *o);
int cmd_audit(const struct options *o);
int cmd_tasks(const struct options *o);
int cmd_metrics(const struct options *o);

#endif
