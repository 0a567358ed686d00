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

/* "00".."99": a flood formats several numbers per event, two digits per
 * division halves the divisions. */
static const char digits2[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
			      "4041424344454647484950515253545556575859606162636465666768697071727374757677787980"
			      "81828384858687888990919293949596979899";

/* Decimal digits of @v at @out; their number. */
static size_t put_u64(char *out, uint64_t v)
{
	size_t n = 1, i;

	for (uint64_t t = v; t >= 10; t /= 10)
		n++;
	for (i = n; v >= 100; v /= 100) {
		i -= 2;
		memcpy(out + i, digits2 + 2 * (v % 100), 2);
	}
	if (v >= 10)
		memcpy(out, digits2 + 2 * v, 2);
	else
		out[0] = (char)('0' + v);
	return n;
}

static size_t put(char *out, const char *s, size_t n)
{
	memcpy(out, s, n);
	return n;
}
#define PUT(out, lit) put(out, lit, sizeof(lit) - 1)

/* A kept part of the line, @n bytes of it, copied in 16-byte pieces,
 * possibly up to 15 bytes past its end: every kept part's buffer, and the
 * room left in the line (LINE_MAX_LEN), has that much to spare. A line is
 * about ten such copies; a memcpy() call for each costs more than the
 * copying, most of all under emulation (QEMU TCG), where every call and
 * branch of memcpy()'s size dispatch is a translated block of its own. */
#define PART_SLACK 15
static size_t put_part(char *out, const char *text, size_t n)
{
	for (size_t i = 0; i < n; i += 16)
		memcpy(out + i, text + i, 16);
	return n;
}

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
		f->sec_len = strftime(f->sec_text, sizeof(f->sec_text), "%Y-%m-%dT%H:%M:%S.", &tm);
		f->sec = sec;
		f->sec_valid = true;
	}
	n = f->sec_len;
	put_part(out, f->sec_text, n);
	/* nine digits: four pairs and one */
	for (int i = 7; i >= 1; i -= 2, ns /= 100)
		memcpy(out + n + i, digits2 + 2 * (ns % 100), 2);
	out[n] = (char)('0' + ns);
	out[n + 9] = 'Z';
	out[n + 10] = 0;
	return n + 10;
}

/* The first CPU at or after @from whose bit is @set, or nbits. Whole words
 * at a time: a flood formats masks for every event. */
static inline __attribute__((always_inline)) unsigned next_bit(const __u64 *words, unsigned nbits, unsigned from,
								bool set)
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

/* Whether @words are the @nwords words @m shows. Word by word: masks are
 * mostly one word, and a call to memcmp() costs more than comparing it. */
static bool mask_same(const struct mask_part *m, const __u64 *words, unsigned nwords)
{
	if (!m->valid || m->nwords != nwords)
		return false;
	for (unsigned i = 0; i < nwords; i++)
		if (m->words[i] != words[i])
			return false;
	return true;
}

const char *audit_fmt_mask(struct mask_part *m, const __u64 *words, unsigned nwords)
{
	if (mask_same(m, words, nwords))
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

/* @comm, JSON-escaped, formatted again only when it changes. */
static void comm_json(struct comm_part *c, const char *comm)
{
	__u64 a, b, ca, cb;

	/* 16 bytes: two word compares */
	memcpy(&a, comm, 8);
	memcpy(&b, comm + 8, 8);
	memcpy(&ca, c->comm, 8);
	memcpy(&cb, c->comm + 8, 8);
	if (c->valid && a == ca && b == cb)
		return;
	memcpy(c->comm, comm, sizeof(c->comm));
	c->len = json_escape(c->text, sizeof(c->text), comm, strnlen(comm, sizeof(c->comm)));
	c->valid = true;
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
	size_t n = 0, cap = 2 * JSON_ESCAPED_MAX(CGROUP_PATH_LEN) + 128 + PART_SLACK;

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

/* "kind": "K", "action": "A", (with the quote before it) */
static void kind_json(struct kind_part *k, __u32 kind, __u32 action)
{
	size_t n = 0;

	if (k->valid && k->kind == kind && k->action == action)
		return;
	n += PUT(k->text + n, "\", \"kind\": \"");
	n += put_str(k->text + n, kind_name(kind));
	n += PUT(k->text + n, "\", \"action\": \"");
	n += put_str(k->text + n, action_name(action));
	n += PUT(k->text + n, "\", ");
	k->len = n;
	k->kind = kind;
	k->action = action;
	k->valid = true;
}

/* The effective mask is the request unless the target's cpuset narrowed
 * it: then its text is the request's, copied rather than formatted. */
static void effective_mask(struct audit_fmt *f, const __u64 *eff, const __u64 *req, unsigned nw)
{
	if (mask_same(&f->eff, eff, nw))
		return;
	for (unsigned i = 0; i < nw; i++)
		if (eff[i] != req[i]) {
			audit_fmt_mask(&f->eff, eff, nw);
			return;
		}
	memcpy(f->eff.words, req, nw * sizeof(*req));
	f->eff.nwords = nw;
	f->eff.len = f->req.len;
	put_part(f->eff.text, f->req.text, f->req.len + 1);
	f->eff.valid = true;
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
	comm_json(&f->caller, e->comm);
	comm_json(&f->target, e->target_comm);
	kind_json(&f->kind, e->kind, e->action);
	audit_fmt_mask(&f->req, e->requested, nw);
	effective_mask(f, e->effective, e->requested, nw);
	audit_fmt_mask(&f->allowed, e->allowed, nw);
	if (!(p = outbuf_room(o, LINE_MAX_LEN)))
		return;
	n += PUT(p + n, "{\"time\": \"");
	n += audit_fmt_time(f, e->time_ns, p + n);
	n += put_part(p + n, f->kind.text, f->kind.len);
	n += PUT(p + n, "\"pid\": ");
	n += put_u64(p + n, e->pid);
	n += PUT(p + n, ", \"tid\": ");
	n += put_u64(p + n, e->tid);
	n += PUT(p + n, ", \"comm\": ");
	n += put_part(p + n, f->caller.text, f->caller.len);
	n += PUT(p + n, ", \"target_pid\": ");
	n += put_u64(p + n, e->target_pid);
	n += PUT(p + n, ", \"target_tid\": ");
	n += put_u64(p + n, e->target_tid);
	n += PUT(p + n, ", \"target_comm\": ");
	n += put_part(p + n, f->target.text, f->target.len);
	n += PUT(p + n, ", ");
	n += put_part(p + n, f->cg.text, f->cg.len);
	/* A request that could not be read is null; effective is what the
	 * kernel would have applied: the request narrowed to the cpuset. */
	if (unreadable) {
		n += PUT(p + n, ", \"requested\": null, \"effective\": null, \"allowed\": \"");
	} else {
		n += PUT(p + n, ", \"requested\": \"");
		n += put_part(p + n, f->req.text, f->req.len);
		n += PUT(p + n, "\", \"effective\": \"");
		n += put_part(p + n, f->eff.text, f->eff.len);
		n += PUT(p + n, "\", \"allowed\": \"");
	}
	n += put_part(p + n, f->allowed.text, f->allowed.len);
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
