// SPDX-License-Identifier: GPL-2.0
/* The audit reader's formatting: see audit_fmt.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "audit_fmt.h"
#include "cpulist.h"
#include "json.h"

#define CGROUP_PATH_LEN 4096
/* The longest line: two escaped paths, three masks, two escaped comms. */
#define LINE_MAX_LEN (2 * (4 * CGROUP_PATH_LEN + 1) + 3 * AUDIT_MASK_TEXT + 1024)

char *outbuf_room(struct outbuf *o, size_t n)
{
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 1 << 16;
		char *p;

		while (cap < o->len + n)
			cap *= 2;
		if (!(p = realloc(o->p, cap))) {
			o->failed = true;
			return NULL;
		}
		o->p = p;
		o->cap = cap;
	}
	return o->p + o->len;
}

int outbuf_write(struct outbuf *o, int fd)
{
	size_t done = 0;
	int err = 0;

	while (done < o->len) {
		ssize_t k = write(fd, o->p + done, o->len - done);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			err = k < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)k;
	}
	memmove(o->p, o->p + done, o->len - done);
	o->len -= done;
	return err;
}

void outbuf_free(struct outbuf *o)
{
	free(o->p);
	*o = (struct outbuf){ 0 };
}

void audit_fmt_init(struct audit_fmt *f, int64_t boot_to_real_ns,
		    const char *(*cgroup_path)(uint64_t, char *, size_t))
{
	memset(f, 0, sizeof(*f));
	f->boot_to_real_ns = boot_to_real_ns;
	f->cgroup_path = cgroup_path;
}

void audit_fmt_free(struct audit_fmt *f)
{
	free(f->cg.text);
	free(f->cg.path);
	free(f->cg.policy_path);
	memset(f, 0, sizeof(*f));
}

/* Decimal digits of @v at @out; their number. */
static size_t put_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static size_t put(char *out, const char *s, size_t n)
{
	memcpy(out, s, n);
	return n;
}
#define PUT(out, lit) put(out, lit, sizeof(lit) - 1)

size_t audit_fmt_time(struct audit_fmt *f, uint64_t boot_ns, char *out)
{
	int64_t real = (int64_t)boot_ns + f->boot_to_real_ns;
	time_t sec = (time_t)(real / 1000000000);
	long ns = (long)(real % 1000000000);
	size_t n;

	if (ns < 0) { /* before 1970: not expected, but keep digits sane */
		ns += 1000000000;
		sec--;
	}
	if (!f->sec_valid || sec != f->sec) {
		struct tm tm;

		gmtime_r(&sec, &tm);
		strftime(f->sec_text, sizeof(f->sec_text), "%Y-%m-%dT%H:%M:%S.", &tm);
		f->sec = sec;
		f->sec_valid = true;
	}
	n = strlen(f->sec_text);
	memcpy(out, f->sec_text, n);
	for (int i = 8; i >= 0; i--, ns /= 10)
		out[n + i] = (char)('0' + ns % 10);
	out[n + 9] = 'Z';
	out[n + 10] = 0;
	return n + 10;
}

/* The first CPU at or after @from whose bit is @set, or nbits. Whole words
 * at a time: a flood formats masks for every event. */
static unsigned next_bit(const __u64 *words, unsigned nbits, unsigned from, bool set)
{
	while (from < nbits) {
		__u64 w = (set ? words[from / 64] : ~words[from / 64]) >> (from % 64);

		if (w)
			return from + (unsigned)__builtin_ctzll(w) < nbits ? from + (unsigned)__builtin_ctzll(w) : nbits;
		from = (from / 64 + 1) * 64;
	}
	return nbits;
}

size_t audit_fmt_cpulist(const __u64 *words, unsigned nwords, char *out)
{
	unsigned nbits = nwords * 64, a, b;
	size_t len = 0;

	for (a = next_bit(words, nbits, 0, true); a < nbits; a = next_bit(words, nbits, b, true)) {
		b = next_bit(words, nbits, a, false); /* one past the run */
		if (len)
			out[len++] = ',';
		len += put_u64(out + len, a);
		if (b - 1 > a) {
			out[len++] = '-';
			len += put_u64(out + len, b - 1);
		}
	}
	out[len] = 0;
	return len;
}

const char *audit_fmt_mask(struct mask_part *m, const __u64 *words, unsigned nwords)
{
	if (m->valid && m->nwords == nwords && !memcmp(m->words, words, nwords * sizeof(*words)))
		return m->text;
	memcpy(m->words, words, nwords * sizeof(*words));
	m->nwords = nwords;
	m->len = audit_fmt_cpulist(words, nwords, m->text);
	m->valid = true;
	return m->text;
}

static unsigned event_words(const struct cpuguard_event *e)
{
	unsigned n = (e->nr_cpu_ids + 63) / 64;

	return n < 1 ? 1 : n > CPUGUARD_EVENT_WORDS ? CPUGUARD_EVENT_WORDS : n;
}

/* "pid": P, "tid": T, "comm": "C" (prefix "" or "target_") */
static void who_json(struct who_part *w, const char *prefix, __u32 pid, __u32 tid, const char *comm)
{
	size_t n = 0, pl = strlen(prefix);

	if (w->valid && w->pid == pid && w->tid == tid && !memcmp(w->comm, comm, sizeof(w->comm)))
		return;
	w->valid = true;
	w->pid = pid;
	w->tid = tid;
	memcpy(w->comm, comm, sizeof(w->comm));
	n += PUT(w->text + n, "\"");
	n += put(w->text + n, prefix, pl);
	n += PUT(w->text + n, "pid\": ");
	n += put_u64(w->text + n, pid);
	n += PUT(w->text + n, ", \"");
	n += put(w->text + n, prefix, pl);
	n += PUT(w->text + n, "tid\": ");
	n += put_u64(w->text + n, tid);
	n += PUT(w->text + n, ", \"");
	n += put(w->text + n, prefix, pl);
	n += PUT(w->text + n, "comm\": ");
	n += json_escape(w->text + n, sizeof(w->text) - n, comm, strnlen(comm, 16));
	w->len = n;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The cgroup part, and the paths for the text form. */
static bool cg_part(struct audit_fmt *f, const struct cpuguard_event *e)
{
	struct cg_part *c = &f->cg;
	char buf[CGROUP_PATH_LEN], pbuf[CGROUP_PATH_LEN];
	const char *path, *ppath;
	size_t n = 0, cap = 2 * JSON_ESCAPED_MAX(CGROUP_PATH_LEN) + 128;

	if (c->valid && c->id == e->cgroup_id && c->policy_id == e->policy_cgroup_id)
		return true;
	path = f->cgroup_path(e->cgroup_id, buf, sizeof(buf));
	ppath = f->cgroup_path(e->policy_cgroup_id, pbuf, sizeof(pbuf));
	free(c->path);
	free(c->policy_path);
	c->path = dup_or_null(path);
	c->policy_path = dup_or_null(ppath);
	if (!c->text)
		c->text = malloc(cap);
	if (!c->text || (path && !c->path) || (ppath && !c->policy_path)) {
		c->valid = false;
		return false;
	}
	n += PUT(c->text + n, "\"cgroup\": ");
	n += path ? json_escape(c->text + n, cap - n, path, strlen(path)) : PUT(c->text + n, "null");
	n += PUT(c->text + n, ", \"cgroup_id\": ");
	n += put_u64(c->text + n, e->cgroup_id);
	n += PUT(c->text + n, ", \"policy_cgroup\": ");
	n += ppath ? json_escape(c->text + n, cap - n, ppath, strlen(ppath)) : PUT(c->text + n, "null");
	c->len = n;
	c->id = e->cgroup_id;
	c->policy_id = e->policy_cgroup_id;
	c->valid = true;
	return true;
}

static const char *kind_name(__u32 kind)
{
	return kind == CPUGUARD_KIND_SQPOLL ? "sqpoll" : kind == CPUGUARD_KIND_IOWQ_AFF ? "iowq_aff" : "affinity";
}

static const char *kind_words(__u32 kind)
{
	return kind == CPUGUARD_KIND_SQPOLL	 ? "start an io_uring SQ poll thread of"
	       : kind == CPUGUARD_KIND_IOWQ_AFF ? "set io_uring worker affinity of"
						: "set affinity of";
}

static const char *action_name(__u32 action)
{
	return action == CPUGUARD_DENY ? "deny" : action == CPUGUARD_REPORT ? "report" : "audit";
}

static size_t put_str(char *out, const char *s)
{
	return put(out, s, strlen(s));
}

void audit_fmt_json(struct audit_fmt *f, struct outbuf *o, const struct cpuguard_event *e)
{
	bool unreadable = e->flags & CPUGUARD_EVENT_UNREADABLE;
	unsigned nw = event_words(e);
	char *p;
	size_t n = 0;

	if (!cg_part(f, e)) {
		o->failed = true;
		return;
	}
	who_json(&f->caller, "", e->pid, e->tid, e->comm);
	who_json(&f->target, "target_", e->target_pid, e->target_tid, e->target_comm);
	audit_fmt_mask(&f->req, e->requested, nw);
	audit_fmt_mask(&f->eff, e->effective, nw);
	audit_fmt_mask(&f->allowed, e->allowed, nw);
	if (!(p = outbuf_room(o, LINE_MAX_LEN)))
		return;
	n += PUT(p + n, "{\"time\": \"");
	n += audit_fmt_time(f, e->time_ns, p + n);
	n += PUT(p + n, "\", \"kind\": \"");
	n += put_str(p + n, kind_name(e->kind));
	n += PUT(p + n, "\", \"action\": \"");
	n += put_str(p + n, action_name(e->action));
	n += PUT(p + n, "\", ");
	n += put(p + n, f->caller.text, f->caller.len);
	n += PUT(p + n, ", ");
	n += put(p + n, f->target.text, f->target.len);
	n += PUT(p + n, ", ");
	n += put(p + n, f->cg.text, f->cg.len);
	/* A request that could not be read is null; effective is what the
	 * kernel would have applied: the request narrowed to the cpuset. */
	if (unreadable) {
		n += PUT(p + n, ", \"requested\": null, \"effective\": null, \"allowed\": \"");
	} else {
		n += PUT(p + n, ", \"requested\": \"");
		n += put(p + n, f->req.text, f->req.len);
		n += PUT(p + n, "\", \"effective\": \"");
		n += put(p + n, f->eff.text, f->eff.len);
		n += PUT(p + n, "\", \"allowed\": \"");
	}
	n += put(p + n, f->allowed.text, f->allowed.len);
	n += e->flags & CPUGUARD_EVENT_TRUNCATED ? PUT(p + n, "\", \"truncated\": true, \"count\": ")
						 : PUT(p + n, "\", \"truncated\": false, \"count\": ");
	n += put_u64(p + n, e->count);
	n += PUT(p + n, "}\n");
	o->len += n;
}

/* Names are bytes that any task or cgroup creator chooses: escaped before
 * they reach a terminal or a log, so that a task named "\033[2J\nFAKE DENY"
 * can neither clear the screen nor forge a line. */
static const char *escaped(char *dst, size_t cap, const char *s, size_t n)
{
	cg_escape_bytes(dst, cap, s, n);
	return dst;
}

/* The effective mask is shown only where the target's cpuset narrowed the
 * request: "to 0-3 (effective 0-2)". A count above 1 ends the line:
 * "(5000 times)". */
void audit_fmt_text(struct audit_fmt *f, struct outbuf *o, const struct cpuguard_event *e)
{
	static char comm[4 * 16 + 1], tcomm[4 * 16 + 1], cgesc[4 * CGROUP_PATH_LEN + 1],
		pcgesc[4 * CGROUP_PATH_LEN + 1];
	bool unreadable = e->flags & CPUGUARD_EVENT_UNREADABLE;
	bool narrowed = !unreadable && memcmp(e->requested, e->effective, sizeof(e->requested));
	unsigned nw = event_words(e);
	char time[40], times[40] = "";
	const char *req, *eff, *allowed;
	char *p;
	int k;

	if (!cg_part(f, e)) {
		o->failed = true;
		return;
	}
	req = audit_fmt_mask(&f->req, e->requested, nw);
	eff = audit_fmt_mask(&f->eff, e->effective, nw);
	allowed = audit_fmt_mask(&f->allowed, e->allowed, nw);
	audit_fmt_time(f, e->time_ns, time);
	if (e->count > 1)
		snprintf(times, sizeof(times), " (%u times)", e->count);
	if (!(p = outbuf_room(o, LINE_MAX_LEN)))
		return;
	k = snprintf(p, LINE_MAX_LEN, "%s %s: %s[%u/%u] %s %s[%u/%u] in %s to %s%s%s%s; allowed %s by %s%s%s\n", time,
		     e->action == CPUGUARD_DENY	    ? "DENY"
		     : e->action == CPUGUARD_REPORT ? "REPORT (cannot be refused)"
						    : "AUDIT (would deny)",
		     escaped(comm, sizeof(comm), e->comm, strnlen(e->comm, sizeof(e->comm))), e->pid, e->tid,
		     kind_words(e->kind),
		     escaped(tcomm, sizeof(tcomm), e->target_comm, strnlen(e->target_comm, sizeof(e->target_comm))),
		     e->target_pid, e->target_tid,
		     f->cg.path ? escaped(cgesc, sizeof(cgesc), f->cg.path, strlen(f->cg.path)) : "(removed cgroup)",
		     unreadable ? "(unreadable request)" : req, narrowed ? " (effective " : "",
		     narrowed ? (*eff ? eff : "none") : "", narrowed ? ")" : "", allowed,
		     f->cg.policy_path ? escaped(pcgesc, sizeof(pcgesc), f->cg.policy_path, strlen(f->cg.policy_path))
				       : "(removed cgroup)",
		     e->flags & CPUGUARD_EVENT_TRUNCATED ? " (masks truncated to 1024 CPUs)" : "", times);
	if (k > 0 && k < LINE_MAX_LEN)
		o->len += (size_t)k;
	else
		o->failed = true;
}
