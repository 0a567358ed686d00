// SPDX-License-Identifier: GPL-2.0
/* cpuguard tasks: the pure part. Set arithmetic, /proc parsing and
 * output; no kernel, no libbpf (the unit tests link this file). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "tasks.h"

bool cpumask_outside(const struct cg_cpumask *a, const struct cg_cpumask *b, struct cg_cpumask *out)
{
	uint64_t any = 0;

	for (size_t i = 0; i < CG_MASK_WORDS; i++)
		any |= out->bits[i] = a->bits[i] & ~b->bits[i];
	return any != 0;
}

void cpumask_narrowed(const struct cg_cpumask *affinity, const struct cg_cpumask *allowed,
		      struct cg_cpumask *out)
{
	uint64_t any = 0;

	for (size_t i = 0; i < CG_MASK_WORDS; i++)
		any |= out->bits[i] = affinity->bits[i] & allowed->bits[i];
	if (!any)
		*out = *allowed;
}

int proc_stat_flags(const char *stat, unsigned long *flags)
{
	/* pid (comm) state ppid pgrp session tty_nr tpgid flags ... */
	const char *p = strrchr(stat, ')');
	char *end;

	if (!p)
		return -1;
	p++;
	for (int field = 3; field <= 9; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -1;
		if (field == 9) {
			errno = 0;
			*flags = strtoul(p, &end, 10);
			return end == p || errno || (*end && *end != ' ' && *end != '\n') ? -1 : 0;
		}
		p += strcspn(p, " ");
	}
	return -1;
}

int proc_status_tgid(const char *status, int *tgid)
{
	const char *p = status;
	char *end;

	while (p && *p) {
		if (!strncmp(p, "Tgid:", 5)) {
			long v = strtol(p + 5, &end, 10);

			if (end == p + 5 || v <= 0 || v > 0x7fffffff)
				return -1;
			*tgid = (int)v;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

int proc_cgroup_v2(const char *text, const char **path, size_t *len)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, "0::", 3))
			continue;
		p += 3;
		*len = strcspn(p, "\n");
		*path = p;
		return *len && p[0] == '/' ? 0 : -1;
	}
	return -1;
}

size_t cgroup_parent_len(const char *path, size_t len)
{
	if (len <= 1)
		return 0; /* the root has no parent */
	while (len > 1 && path[len - 1] != '/')
		len--;
	return len > 1 ? len - 1 : 1;
}

void narrow_reason(int err, unsigned long flags, bool flags_known, char *buf, size_t len)
{
	const char *who = "";

	if (flags_known && (flags & TASK_PF_KTHREAD))
		who = "kernel thread";
	else if (flags_known && (flags & TASK_PF_IO_WORKER))
		who = "io_uring worker";
	switch (err) {
	case ESRCH:
		snprintf(buf, len, "the thread exited");
		break;
	case EINVAL:
		if (flags_known && (flags & TASK_PF_NO_SETAFFINITY))
			snprintf(buf, len, "%s%saffinity is fixed by the kernel (PF_NO_SETAFFINITY)", who,
				 *who ? ": " : "");
		else
			snprintf(buf, len, "%s%sno CPU of the new affinity is in the thread's cpuset or active (EINVAL)",
				 who, *who ? ": " : "");
		break;
	case EPERM:
		snprintf(buf, len, "%s%srefused (EPERM: another security module, or a missing CAP_SYS_NICE)", who,
			 *who ? ": " : "");
		break;
	default:
		snprintf(buf, len, "%s%s%s", who, *who ? ": " : "", strerror(err));
		break;
	}
}

static int by_place(const void *a, const void *b)
{
	const struct outside_task *x = a, *y = b;
	int c = strcmp(x->cgroup, y->cgroup);

	if (c)
		return c;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

void outside_sort(struct outside_task *v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), by_place);
}

/* A CPU list as a new string; "" on allocation failure is not possible to
 * tell from an empty mask, so callers never pass empty masks here. */
static char *mask_str(const struct cg_cpumask *m)
{
	static char buf[CG_MAX_CPUS * 6];

	cpulist_format(m, buf, sizeof(buf));
	return strdup(buf);
}

static char *escaped(const char *s, size_t n)
{
	size_t cap = 4 * n + 1;
	char *d = malloc(cap);

	if (d)
		cg_escape_bytes(d, cap, s, n);
	return d;
}

enum { C_COMM, C_CGROUP, C_AFF, C_ALLOWED, C_POLICY, NCOLS };

void outside_print_table(FILE *f, const struct outside_task *v, size_t n)
{
	static const char *const head[NCOLS] = { "COMM", "CGROUP", "AFFINITY", "ALLOWED", "POLICY" };
	int w[NCOLS], wpid = 3, wtid = 3;
	char *(*cell)[NCOLS] = calloc(n ? n : 1, sizeof(*cell));

	if (!cell)
		return;
	for (int c = 0; c < NCOLS; c++)
		w[c] = strlen(head[c]);
	for (size_t i = 0; i < n; i++) {
		cell[i][C_COMM] = escaped(v[i].comm, v[i].comm_len);
		cell[i][C_CGROUP] = escaped(v[i].cgroup, strlen(v[i].cgroup));
		cell[i][C_AFF] = mask_str(&v[i].affinity);
		cell[i][C_ALLOWED] = mask_str(v[i].allowed);
		cell[i][C_POLICY] = escaped(v[i].policy_cgroup, strlen(v[i].policy_cgroup));
		for (int c = 0; c < NCOLS; c++) {
			int l = cell[i][c] ? (int)strlen(cell[i][c]) : 1;

			w[c] = l > w[c] ? l : w[c];
		}
		int lp = snprintf(NULL, 0, "%d", v[i].pid), lt = snprintf(NULL, 0, "%d", v[i].tid);
		wpid = lp > wpid ? lp : wpid;
		wtid = lt > wtid ? lt : wtid;
	}
	fprintf(f, "%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wpid, "PID", wtid, "TID", w[C_COMM],
		head[C_COMM], w[C_CGROUP], head[C_CGROUP], w[C_AFF], head[C_AFF], w[C_ALLOWED],
		head[C_ALLOWED], w[C_POLICY], head[C_POLICY], "MODE");
	for (size_t i = 0; i < n; i++) {
		const char *s[NCOLS];

		for (int c = 0; c < NCOLS; c++)
			s[c] = cell[i][c] ? cell[i][c] : "?";
		fprintf(f, "%-*d  %-*d  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wpid, v[i].pid, wtid, v[i].tid,
			w[C_COMM], s[C_COMM], w[C_CGROUP], s[C_CGROUP], w[C_AFF], s[C_AFF], w[C_ALLOWED],
			s[C_ALLOWED], w[C_POLICY], s[C_POLICY], v[i].audit ? "audit" : "enforce");
		for (int c = 0; c < NCOLS; c++)
			free(cell[i][c]);
	}
	free(cell);
	fprintf(f, "%zu thread%s outside %s set\n", n, n == 1 ? " runs" : "s run", n == 1 ? "its" : "their");
}

static void json_mask(FILE *f, const char *key, const struct cg_cpumask *m)
{
	char *s = mask_str(m);

	fprintf(f, ", \"%s\": ", key);
	json_write_string(f, s); /* NULL (out of memory) writes null */
	free(s);
}

void outside_print_json(FILE *f, const struct outside_task *v, size_t n, const struct narrow_outcome *done)
{
	static const char *const results[] = { [NARROWED] = "narrowed", [NARROW_FAILED] = "failed",
					       [NARROW_EXITED] = "exited" };
	struct cg_cpumask out;

	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		const struct outside_task *t = &v[i];

		fprintf(f, "%s{\"pid\": %d, \"tid\": %d, \"comm\": ", i ? ", " : "", t->pid, t->tid);
		json_write_string_n(f, t->comm, t->comm_len);
		fprintf(f, ", \"cgroup\": ");
		json_write_string(f, t->cgroup);
		fprintf(f, ", \"cgroup_id\": %llu, \"policy_cgroup\": ", (unsigned long long)t->cgroup_id);
		json_write_string(f, t->policy_cgroup);
		fprintf(f, ", \"policy_cgroup_id\": %llu, \"mode\": \"%s\"", (unsigned long long)t->policy_cgroup_id,
			t->audit ? "audit" : "enforce");
		json_mask(f, "affinity", &t->affinity);
		json_mask(f, "allowed", t->allowed);
		cpumask_outside(&t->affinity, t->allowed, &out);
		json_mask(f, "outside", &out);
		if (done) {
			const struct narrow_outcome *o = &done[i];

			fprintf(f, ", \"result\": \"%s\"", results[o->result]);
			json_mask(f, "narrow_to", &o->target);
			if (o->result == NARROWED) {
				json_mask(f, "affinity_after", &o->after);
				fprintf(f, ", \"error\": null");
			} else {
				fprintf(f, ", \"affinity_after\": null, \"error\": ");
				json_write_string(f, o->reason);
			}
		}
		fputc('}', f);
	}
	fputs("]\n", f);
}

void narrow_print_line(FILE *f, const struct outside_task *t, const struct narrow_outcome *o)
{
	char *comm = escaped(t->comm, t->comm_len), *cg = escaped(t->cgroup, strlen(t->cgroup));
	char *pol = escaped(t->policy_cgroup, strlen(t->policy_cgroup));
	char *aff = mask_str(&t->affinity), *target = mask_str(&o->target);
	char *after = o->result == NARROWED ? mask_str(&o->after) : NULL, *alw = mask_str(t->allowed);

	switch (o->result) {
	case NARROWED:
		fprintf(f, "narrowed %d/%d %s in %s: %s -> %s (allowed %s by %s)\n", t->pid, t->tid, comm ?: "?",
			cg ?: "?", aff ?: "?", after ?: "?", alw ?: "?", pol ?: "?");
		break;
	case NARROW_FAILED:
		fprintf(f, "cannot narrow %d/%d %s in %s: %s -> %s: %s\n", t->pid, t->tid, comm ?: "?", cg ?: "?",
			aff ?: "?", target ?: "?", o->reason);
		break;
	case NARROW_EXITED:
		fprintf(f, "exited %d/%d %s in %s: %s\n", t->pid, t->tid, comm ?: "?", cg ?: "?", o->reason);
		break;
	}
	free(comm);
	free(cg);
	free(pol);
	free(aff);
	free(target);
	free(after);
	free(alw);
}

void narrow_print_summary(FILE *f, const struct narrow_outcome *done, size_t n)
{
	size_t c[3] = { 0 };

	for (size_t i = 0; i < n; i++)
		c[done[i].result]++;
	fprintf(f, "%zu thread%s narrowed, %zu could not be changed, %zu exited\n", c[NARROWED],
		c[NARROWED] == 1 ? "" : "s", c[NARROW_FAILED], c[NARROW_EXITED]);
}

void outside_print_apply_note(FILE *f, size_t n)
{
	if (n)
		fprintf(f, "%zu thread%s outside %s set: see 'cpuguard tasks'\n", n, n == 1 ? " runs" : "s run",
			n == 1 ? "its" : "their");
}
