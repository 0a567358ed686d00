/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU masks and the kernel's CPU list syntax ("0-3,8,10-11"), as used by
 * cpuset.cpus, /sys/devices/system/cpu/possible and taskset -c.
 */
#ifndef CPUGUARD_CPULIST_H
#define CPUGUARD_CPULIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CG_MAX_CPUS 8192 /* NR_CPUS on Debian kernels */
#define CG_MASK_WORDS (CG_MAX_CPUS / 64)

struct cg_cpumask {
	uint64_t bits[CG_MASK_WORDS];
};

/*
 * Parse a CPU list into *out (cleared first).
 *
 * Accepted: comma-separated elements "N", "A-B", the kernel's grouped
 * form "A-B:USED/GROUP" (e.g. "0-7:1/2" = 0,2,4,6, as bitmap_parselist()
 * accepts it) and taskset's stride form "A-B:S" (e.g. "0-7:2" = 0,2,4,6,
 * as taskset -c accepts it; the same as "A-B:1/S"). Leading zeros are
 * accepted as the kernel does. Rejected: empty lists, empty elements,
 * whitespace anywhere, signs.
 *
 * Every CPU must be < nr_cpu_ids (clamped to CG_MAX_CPUS) and set in
 * `possible` (NULL = every CPU below nr_cpu_ids).
 *
 * Returns 0, or -1 with a one-line message in err (always NUL-terminated
 * when errlen > 0; err may be NULL). Input bytes quoted in messages are
 * escaped (see cg_escape_bytes()).
 */
int cpulist_parse(const char *s, struct cg_cpumask *out, unsigned nr_cpu_ids,
		  const struct cg_cpumask *possible, char *err, size_t errlen);

/*
 * Canonical form: ascending, runs merged ("0-3,8,10-11"); empty mask -> "".
 * Returns the length, or -1 if buflen is too small. On -1 buf still holds
 * a NUL-terminated prefix made of whole elements (when buflen > 0), so a
 * caller printing a message may show it followed by "...".
 */
int cpulist_format(const struct cg_cpumask *m, char *buf, size_t buflen);

/*
 * Read a sysfs-style list file such as /sys/devices/system/cpu/possible.
 * Returns 0 and sets *nr_cpu_ids = highest CPU + 1; -1 with errno set on
 * failure (EINVAL: unparsable or empty contents, or a CPU >= CG_MAX_CPUS).
 */
int cpulist_read_file(const char *path, struct cg_cpumask *out, unsigned *nr_cpu_ids);

void cg_cpumask_zero(struct cg_cpumask *m);
void cg_cpumask_set(struct cg_cpumask *m, unsigned cpu); /* cpu >= CG_MAX_CPUS: ignored */
/* Set CPUs lo..hi inclusive; bounds beyond CG_MAX_CPUS are clamped. */
void cg_cpumask_set_range(struct cg_cpumask *m, unsigned lo, unsigned hi);
bool cg_cpumask_test(const struct cg_cpumask *m, unsigned cpu);
bool cg_cpumask_subset(const struct cg_cpumask *a, const struct cg_cpumask *b); /* a within b */
bool cg_cpumask_empty(const struct cg_cpumask *m);
bool cg_cpumask_equal(const struct cg_cpumask *a, const struct cg_cpumask *b);
unsigned cg_cpumask_weight(const struct cg_cpumask *m);
/* Lowest set CPU >= from, or CG_MAX_CPUS if none. */
unsigned cg_cpumask_next(const struct cg_cpumask *m, unsigned from);

/*
 * Copy n bytes of s to dst so that they print safely: printable ASCII as
 * is, '\\' and '"' backslash-escaped, every other byte (control, DEL,
 * non-ASCII, NUL) as \xNN. dst is always NUL-terminated (dstlen > 0) and
 * truncated at a whole escape. Returns the length written. At most
 * 4 * n + 1 bytes are needed.
 */
size_t cg_escape_bytes(char *dst, size_t dstlen, const char *s, size_t n);

#endif
