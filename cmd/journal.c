// SPDX-License-Identifier: GPL-2.0
/* cpuguard audit --journal: one structured journal entry per event, sent
 * with libsystemd's sd_journal_sendv() (sd_journal_send() with the fields
 * as an array). libsystemd is opened with dlopen() when --journal is used,
 * not linked: linking it (and libgcrypt, liblzma, libzstd, liblz4 with it)
 * made every exec of cpuguard about 1.5 times as slow, measured on an empty
 * program, and every other command pays that for nothing.
 *
 * Fields (journalctl -o json shows them all):
 *   MESSAGE             the line 'cpuguard audit' prints, without the time
 *   MESSAGE_ID          fixed per event kind and action (table below)
 *   PRIORITY            4 (warning) for denials, 5 (notice) for audit-mode
 *                       and report-only events
 *   SYSLOG_IDENTIFIER   cpuguard
 *   CPUGUARD_ACTION     deny | audit | report
 *   CPUGUARD_KIND       affinity | sqpoll | iowq_aff
 *   CPUGUARD_CGROUP     the target's cgroup path (absent when removed)
 *   CPUGUARD_CGROUP_ID  its id
 *   CPUGUARD_POLICY_CGROUP  the confined cgroup whose policy judged
 *   CPUGUARD_REQUESTED  CPU list asked for (absent when unreadable)
 *   CPUGUARD_ALLOWED    CPU list allowed
 *   CPUGUARD_TRUNCATED  1 when masks were wider than 1024 CPUs
 *   CPUGUARD_UNREADABLE 1 when the request could not be read
 *   CPUGUARD_COUNT      denials this event stands for
 *   CPUGUARD_PID, CPUGUARD_TID, CPUGUARD_COMM   the caller
 *   OBJECT_PID          the target: journald adds OBJECT_COMM, OBJECT_EXE,
 *                       OBJECT_CMDLINE, OBJECT_CGROUP, ... from it while it
 *                       runs (for a privileged sender)
 *   CPUGUARD_TARGET_TID, CPUGUARD_TARGET_COMM   the target as the kernel saw
 *                       it at the time of the event
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include "journal.h"

/* MESSAGE_ID per kind (rows) and action (columns: deny, audit, report).
 * Never change one: log queries and catalogs key on them. */
static const char *const message_ids[3][3] = {
	{ "2bb91ae628cb405bb997cebef13ea228", "10a246e3db8a4bcbb33700e0fd83729e",
	  "072da3a6583c40efb6ab0fb85a3c966d" },
	{ "984cf5864bb342ad811cfdfacf1c15f7", "2621debf16cc4b44ab14450880163437",
	  "bd6d7ad4ccfc494b9f414f08e820bcdd" },
	{ "df43fb38781044c081c3ce5ac65c1965", "5d03a6f2ea7448e8a08df61bf5adcd89",
	  "0e92b112e7a248969cd346e07c7c0cb0" },
};

static const char *const kind_names[] = { "affinity", "sqpoll", "iowq_aff" };
static const char *const action_names[] = { "deny", "audit", "report" };

const char *journal_message_id(uint32_t kind, uint32_t action)
{
	if (kind < 1 || kind > 3 || action < 1 || action > 3)
		return NULL;
	return message_ids[kind - 1][action - 1];
}

/* Append "NAME=value" (value cut at @n bytes) as the next field. */
static void field(struct journal_fields *j, const char *name, const char *value, size_t n)
{
	size_t need = strlen(name) + 1 + n;
	char *p = j->buf + j->used;

	if (j->n >= JOURNAL_MAX_FIELDS || j->used + need > sizeof(j->buf))
		return;
	memcpy(p, name, strlen(name));
	p[strlen(name)] = '=';
	memcpy(p + strlen(name) + 1, value, n);
	j->iov[j->n].iov_base = p;
	j->iov[j->n].iov_len = need;
	j->n++;
	j->used += need;
}

static void field_str(struct journal_fields *j, const char *name, const char *value)
{
	if (value)
		field(j, name, value, strlen(value));
}

static void field_u64(struct journal_fields *j, const char *name, unsigned long long v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%llu", v);
	field_str(j, name, tmp);
}

void journal_fields(struct journal_fields *j, const struct cpuguard_event *e, const char *cgroup,
		    const char *policy_cgroup, const char *requested, const char *allowed)
{
	bool unreadable = e->flags & CPUGUARD_EVENT_UNREADABLE;
	const char *id = journal_message_id(e->kind, e->action);
	const char *kind = e->kind >= 1 && e->kind <= 3 ? kind_names[e->kind - 1] : "unknown";
	const char *action = e->action >= 1 && e->action <= 3 ? action_names[e->action - 1] : "unknown";
	char msg[512];

	j->n = 0;
	j->used = 0;
	snprintf(msg, sizeof(msg), "%s: %.16s[%u/%u] set %s of %.16s[%u/%u] in %s to %.64s%s; allowed %.64s%s by %s%s",
		 e->action == CPUGUARD_DENY ? "DENY" : e->action == CPUGUARD_WOULD_DENY ? "AUDIT (would deny)" : "REPORT",
		 e->comm, e->pid, e->tid, e->kind == CPUGUARD_KIND_AFFINITY ? "affinity" : kind, e->target_comm,
		 e->target_pid, e->target_tid, cgroup ? cgroup : "(removed cgroup)",
		 unreadable ? "(unreadable request)" : requested, !unreadable && strlen(requested) > 64 ? "..." : "",
		 allowed, strlen(allowed) > 64 ? "..." : "", policy_cgroup ? policy_cgroup : "(removed cgroup)",
		 e->flags & CPUGUARD_EVENT_TRUNCATED ? " (masks truncated to 1024 CPUs)" : "");
	field_str(j, "MESSAGE", msg);
	field_str(j, "MESSAGE_ID", id);
	field_str(j, "PRIORITY", e->action == CPUGUARD_DENY ? "4" : "5");
	field_str(j, "SYSLOG_IDENTIFIER", "cpuguard");
	field_str(j, "CPUGUARD_ACTION", action);
	field_str(j, "CPUGUARD_KIND", kind);
	field_str(j, "CPUGUARD_CGROUP", cgroup);
	field_u64(j, "CPUGUARD_CGROUP_ID", e->cgroup_id);
	field_str(j, "CPUGUARD_POLICY_CGROUP", policy_cgroup);
	field_u64(j, "CPUGUARD_POLICY_CGROUP_ID", e->policy_cgroup_id);
	field_u64(j, "CPUGUARD_COUNT", e->count);
	if (!unreadable)
		field_str(j, "CPUGUARD_REQUESTED", requested);
	field_str(j, "CPUGUARD_ALLOWED", allowed);
	field_str(j, "CPUGUARD_TRUNCATED", e->flags & CPUGUARD_EVENT_TRUNCATED ? "1" : "0");
	field_str(j, "CPUGUARD_UNREADABLE", unreadable ? "1" : "0");
	field_u64(j, "CPUGUARD_COUNT", e->count);
	field_u64(j, "CPUGUARD_PID", e->pid);
	field_u64(j, "CPUGUARD_TID", e->tid);
	field(j, "CPUGUARD_COMM", e->comm, strnlen(e->comm, sizeof(e->comm)));
	field_u64(j, "OBJECT_PID", e->target_pid);
	field_u64(j, "CPUGUARD_TARGET_TID", e->target_tid);
	field(j, "CPUGUARD_TARGET_COMM", e->target_comm, strnlen(e->target_comm, sizeof(e->target_comm)));
}

/* sd_journal_sendv(), declared by <systemd/sd-journal.h>: the type below
 * fails to compile if the library's prototype ever differs. */
static __typeof__(sd_journal_sendv) *sendv;

int journal_open(void)
{
	void *lib;

	if (sendv)
		return 0;
	lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "cpuguard: cannot load libsystemd.so.0 (package libsystemd0): %s\n", dlerror());
		return -ELIBACC;
	}
	sendv = (__typeof__(sd_journal_sendv) *)dlsym(lib, "sd_journal_sendv");
	if (!sendv) {
		fprintf(stderr, "cpuguard: libsystemd.so.0 has no sd_journal_sendv\n");
		dlclose(lib);
		return -ELIBACC;
	}
	return 0;
}

int journal_send_event(const struct cpuguard_event *e, const char *cgroup, const char *policy_cgroup,
		       const char *requested, const char *allowed)
{
	static struct journal_fields j;

	if (!sendv && journal_open())
		return -ELIBACC;
	journal_fields(&j, e, cgroup, policy_cgroup, requested, allowed);
	return sendv(j.iov, j.n);
}
