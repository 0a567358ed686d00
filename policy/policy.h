/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cpuguard policy language:
 *
 *   # comments run to the end of the line; blank lines are ignored
 *   set NAME CPULIST             # a named CPU set
 *   cgroup PATH CPUS [audit] [strict] [optional]
 *                                # confine a cgroup; CPUS is a CPULIST or a set NAME;
 *                                # the flag words in any order, each at most once;
 *                                # optional: PATH need not exist yet
 *
 * Fields are separated by spaces and tabs. A '#' that starts a field starts
 * a comment (so "/a#b" is a path, "/a #b" is a path and a comment).
 * Sets must be defined before the lines that use them.
 */
#ifndef CPUGUARD_POLICY_H
#define CPUGUARD_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpulist.h"

#define POLICY_NAME_MAX 64    /* set names: [A-Za-z_][A-Za-z0-9_.-]*, at most 63 bytes */
#define POLICY_LINE_MAX 4096  /* bytes per line, newline excluded */
#define POLICY_FILE_MAX (16 << 20) /* bytes per policy file (policy_parse_file) */
#define POLICY_ERRORS_MAX 100 /* errors written out; the rest are only counted */
#define CGROUP2_ROOT_DEFAULT "/sys/fs/cgroup"
/* Longest cgroup path: the kernel side follows paths up to this length
 * (CPUGUARD_PATH_LEN_MAX in lsm/cpuguard.h). */
#define POLICY_PATH_MAX 254

/* policy_entry.mode: flags. AUDIT reports instead of denying; STRICT judges
 * the request as made rather than as the target's cpuset narrows it. */
enum policy_mode { POLICY_ENFORCE = 0, POLICY_AUDIT = 1 << 0, POLICY_STRICT = 1 << 1 };

/* policy_env.resolve: nothing at the path ("no such cgroup"). */
#define POLICY_NO_CGROUP 1

struct policy_set {
	char name[POLICY_NAME_MAX];
	struct cg_cpumask mask;
	int line;
};

struct policy_entry {
	char *path;             /* absolute within the cgroup2 hierarchy, no trailing '/' ("/" = root) */
	uint64_t cgroup_id;     /* filled by validation from env->resolve */
	int set;                /* index into sets[] or -1 for an inline CPU list */
	/* Resolved CPUs: the set's mask (sets[set].mask) or own_mask. A pointer,
	 * not a copy: a mask is 1 KiB, and 10,000 entries of one set would
	 * otherwise fill 10 MiB of fresh pages. Never NULL. */
	const struct cg_cpumask *mask;
	struct cg_cpumask *own_mask; /* an inline CPU list's, else NULL */
	unsigned mode;          /* POLICY_AUDIT | POLICY_STRICT, or POLICY_ENFORCE (0) */
	bool optional;          /* the path may not exist (cgroup_id 0 then) */
	int line;
	int parent;             /* index of nearest confined ancestor entry, or -1 */
};

struct policy {
	struct policy_set *sets;
	size_t nsets;
	struct policy_entry *entries; /* in file order */
	size_t nentries;
};

struct cgroup_resolver;

struct policy_env {
	unsigned nr_cpu_ids;               /* clamped to CG_MAX_CPUS */
	const struct cg_cpumask *possible; /* NULL = all CPUs below nr_cpu_ids */
	/*
	 * Resolve a cgroup path. Return 0 and set *id (the cgroup id = inode of
	 * the directory in cgroup2fs), POLICY_NO_CGROUP when nothing is at the
	 * path, or -1; with a message in err when not 0. NULL skips resolution
	 * (cgroup_id stays 0).
	 */
	int (*resolve)(const struct policy_env *env, const char *path, uint64_t *id, char *err,
		       size_t errlen);
	const char *cgroup_root; /* e.g. "/sys/fs/cgroup"; NULL = CGROUP2_ROOT_DEFAULT */
	/* Kept between resolutions by policy_cgroup_resolve (NULL: each one
	 * starts from the root): see cgroup_resolver_new(). */
	struct cgroup_resolver *resolver;
	/*
	 * At most this many cgroup entries and at most this many sets (0 = no
	 * limit). Lines beyond it are checked but not stored, so memory stays
	 * bounded; "too many ..." is reported at the first line beyond.
	 */
	size_t max_entries;
};

/*
 * Resolve cgroup_root + path one component at a time: "no such cgroup" if
 * missing, "not a cgroup v2 directory" if not a directory on a cgroup2
 * filesystem, or if the path goes through a symbolic link or crosses a
 * mount point (a /proc/self/root-style or bind-mount detour), "cannot stat:
 * <strerror>" otherwise. The root itself may be reached through symlinks.
 */
int policy_cgroup_resolve(const struct policy_env *env, const char *path, uint64_t *id, char *err,
			  size_t errlen);

/*
 * State for resolving many paths in a row (a policy file): the root and the
 * directories of the last path stay open, so that paths sharing a parent
 * cost one statx() each instead of a walk from the root. Directories kept
 * open are the ones that were at their paths when first opened: resolve
 * again with a new resolver to see changes since. NULL on no memory.
 */
struct cgroup_resolver *cgroup_resolver_new(void);
void cgroup_resolver_free(struct cgroup_resolver *r);

/*
 * Parse and validate. Every error of the file is written to errs (may be
 * NULL) as "NAME:LINE: message\n", sorted by line; errors not tied to a
 * line are "NAME: message\n". Only the first POLICY_ERRORS_MAX are written,
 * then "NAME: N more errors not shown\n". Returns the number of errors
 * (0 = valid), all of them counted. Input bytes quoted in messages are
 * escaped (cg_escape_bytes()), so errs receives printable ASCII only.
 * *out is always initialised and must be released with policy_free(), even
 * on error. Entries whose path is malformed or duplicated are left out of
 * *out; the others are kept. env == NULL checks syntax only (any CPU below
 * CG_MAX_CPUS, no path resolution). Checks run on the whole file, so the
 * order of lines does not matter except that a set must be defined before
 * a cgroup line uses it.
 */
int policy_parse_buffer(const char *name, const char *buf, size_t len,
			const struct policy_env *env, struct policy *out, FILE *errs);
/*
 * As above; the file name is `path`. Returns 1 with one message and *out
 * empty when the file cannot be used: "PATH: cannot open: <strerror>",
 * "PATH: cannot read: <strerror>", "PATH: not a regular file (a FIFO)" (no
 * FIFO, device or directory is ever read, so none can block or stream
 * forever), "PATH: file too large (more than 16 MiB)" (POLICY_FILE_MAX) and
 * "PATH: empty file (...)": a zero-byte file is far more likely a failed
 * write than a wish to drop every confinement, which takes a file holding
 * only a comment. PATH is escaped as in messages.
 */
int policy_parse_file(const char *path, const struct policy_env *env, struct policy *out,
		      FILE *errs);
void policy_free(struct policy *p);

#endif
