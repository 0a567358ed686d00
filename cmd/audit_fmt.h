/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit reader's formatting (cmd/audit.c), apart so that the unit
 * tests can check it without a kernel. A flood brings hundreds of
 * thousands of events a second, mostly alike: each part of a line is kept
 * formatted and redone only when what it shows changes, the time stamp's
 * date part once a second, and the lines of a batch go into one buffer
 * that the caller writes with one write().
 */
#ifndef CPUGUARD_AUDIT_FMT_H
#define CPUGUARD_AUDIT_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "../lsm/cpuguard.h"

/* Lines waiting for their write(). */
struct outbuf {
	char *p;
	size_t len, cap;
	bool failed; /* out of memory: a line was not formatted */
};
/* Room for @n more bytes; NULL (and failed) when there is no memory. */
char *outbuf_room(struct outbuf *o, size_t n);
/* write() everything to @fd; 0, or -errno (what was not written is kept). */
int outbuf_write(struct outbuf *o, int fd);
void outbuf_free(struct outbuf *o);

/* a CPU list of up to CPUGUARD_EVENT_CPUS, and room to copy it in 16-byte
 * pieces (audit_fmt.c) */
#define AUDIT_MASK_TEXT (CPUGUARD_EVENT_CPUS * 5 + 8 + 16)
struct mask_part {
	bool valid;
	unsigned nwords;
	__u64 words[CPUGUARD_EVENT_WORDS];
	size_t len;
	char text[AUDIT_MASK_TEXT];
};

struct audit_fmt {
	int64_t boot_to_real_ns;
	/* cgroup id -> path below the cgroup2 mount, NULL when removed */
	const char *(*cgroup_path)(uint64_t id, char *buf, size_t len);
	/* the parts kept from the last event */
	time_t sec;
	bool sec_valid;
	size_t sec_len;
	char sec_text[48]; /* "2026-11-24T20:30:01.", and 15 to spare */
	/* "kind": ..., "action": ... as they stand in the line */
	struct kind_part {
		bool valid;
		__u32 kind, action;
		size_t len;
		char text[64]; /* at most 48, and 15 to spare */
	} kind;
	/* a comm, JSON-escaped with its quotes: pids and tids change from
	 * one event to the next, the names they carry mostly do not */
	struct comm_part {
		bool valid;
		char comm[16];
		size_t len;
		char text[128]; /* at most 6 * 16 + 2, and 15 to spare */
	} caller, target;
	struct cg_part {
		bool valid;
		__u64 id, policy_id;
		size_t len;
		char *text;               /* "cgroup": ..., "cgroup_id": N, "policy_cgroup": ... */
		char *path, *policy_path; /* for the text form: NULL when removed */
	} cg;
	struct mask_part req, eff, allowed;
};

void audit_fmt_init(struct audit_fmt *f, int64_t boot_to_real_ns,
		    const char *(*cgroup_path)(uint64_t, char *, size_t));
void audit_fmt_free(struct audit_fmt *f);
/* "2026-11-24T20:30:01.123456789Z" into @out (40 bytes); its length. */
size_t audit_fmt_time(struct audit_fmt *f, uint64_t boot_ns, char *out);
/* A mask's CPU list ("0-3,8") over @nwords words into @out; its length. */
size_t audit_fmt_cpulist(const __u64 *words, unsigned nwords, char *out);
/* One event as a JSON line, or a text line, appended to @o. */
void audit_fmt_json(struct audit_fmt *f, struct outbuf *o, const struct cpuguard_event *e);
void audit_fmt_text(struct audit_fmt *f, struct outbuf *o, const struct cpuguard_event *e);
/* @words as a CPU list, formatted again only when they differ from the
 * last ones given to @m. */
const char *audit_fmt_mask(struct mask_part *m, const __u64 *words, unsigned nwords);

#endif
