// SPDX-License-Identifier: GPL-2.0
/* cpuguard audit [--follow] [--json] */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "cpuguard.h"
#include "json.h"

static volatile sig_atomic_t stop;
static int64_t boot_to_real_ns;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* "2026-11-24T20:30:01.123456789Z". A flood brings many events per second:
 * the date part is formatted once per second. */
static void format_time(uint64_t boot_ns, char *buf, size_t len)
{
	static time_t cached_sec = -1;
	static char cached[32];
	int64_t real = (int64_t)boot_ns + boot_to_real_ns;
	time_t sec = real / 1000000000;
	struct tm tm;

	if (sec != cached_sec) {
		gmtime_r(&sec, &tm);
		strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = sec;
	}
	snprintf(buf, len, "%s.%09lldZ", cached, (long long)(real % 1000000000));
}

/* A flood repeats the same few masks: keep the last CPU list of each kind
 * (requested, effective, allowed) and format only when the words change. */
struct mask_cache {
	__u64 words[CPUGUARD_EVENT_WORDS];
	bool valid;
	char text[CPUGUARD_EVENT_CPUS * 6];
};

static const char *format_mask(struct mask_cache *c, const __u64 *words)
{
	static struct cg_cpumask m; /* words past the event's stay zero */

	if (c->valid && !memcmp(c->words, words, sizeof(c->words)))
		return c->text;
	memcpy(c->words, words, sizeof(c->words));
	memcpy(m.bits, words, sizeof(c->words));
	cpulist_format(&m, c->text, sizeof(c->text));
	c->valid = true;
	return c->text;
}

/* One JSON line is built in memory and written with one fwrite(): a flood
 * of events must not cost a stdio call per field. */
struct line {
	char buf[8 * CGROUP_PATH_MAX + 4 * CPUGUARD_EVENT_CPUS * 6];
	size_t len;
};

static void put(struct line *l, const char *s)
{
	size_t n = strlen(s);

	if (l->len + n < sizeof(l->buf)) {
		memcpy(l->buf + l->len, s, n);
		l->len += n;
	}
}

static void put_u64(struct line *l, unsigned long long v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%llu", v);
	put(l, tmp);
}

/* A JSON string, or null. */
static void put_str(struct line *l, const char *s, size_t n)
{
	size_t k;

	if (!s) {
		put(l, "null");
		return;
	}
	k = json_escape(l->buf + l->len, sizeof(l->buf) - l->len, s, n);
	if (k != (size_t)-1)
		l->len += k;
}

/* What was asked, as the JSON "kind" and in words for the text form. */
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

static void print_json(const struct cpuguard_event *e, const char *time, const char *req,
		       const char *eff, const char *allowed)
{
	char cgbuf[CGROUP_PATH_MAX], pcgbuf[CGROUP_PATH_MAX];
	const char *cg = cgroup_path_of(e->cgroup_id, cgbuf, sizeof(cgbuf));
	const char *pcg = cgroup_path_of(e->policy_cgroup_id, pcgbuf, sizeof(pcgbuf));
	static struct line l;

	l.len = 0;
	put(&l, "{\"time\": \"");
	put(&l, time);
	put(&l, "\", \"kind\": \"");
	put(&l, kind_name(e->kind));
	put(&l, "\", \"action\": \"");
	put(&l, action_name(e->action));
	put(&l, "\"");
	put(&l, ", \"pid\": ");
	put_u64(&l, e->pid);
	put(&l, ", \"tid\": ");
	put_u64(&l, e->tid);
	put(&l, ", \"comm\": ");
	put_str(&l, e->comm, strnlen(e->comm, sizeof(e->comm)));
	put(&l, ", \"target_pid\": ");
	put_u64(&l, e->target_pid);
	put(&l, ", \"target_tid\": ");
	put_u64(&l, e->target_tid);
	put(&l, ", \"target_comm\": ");
	put_str(&l, e->target_comm, strnlen(e->target_comm, sizeof(e->target_comm)));
	put(&l, ", \"cgroup\": ");
	put_str(&l, cg, cg ? strlen(cg) : 0);
	put(&l, ", \"cgroup_id\": ");
	put_u64(&l, e->cgroup_id);
	put(&l, ", \"policy_cgroup\": ");
	put_str(&l, pcg, pcg ? strlen(pcg) : 0);
	/* A request that could not be read (denied, fail closed) is null. */
	put(&l, ", \"requested\": ");
	put_str(&l, e->flags & CPUGUARD_EVENT_UNREADABLE ? NULL : req, strlen(req));
	/* What the kernel would have applied: the request narrowed to the
	 * target's cpuset. */
	put(&l, ", \"effective\": ");
	put_str(&l, e->flags & CPUGUARD_EVENT_UNREADABLE ? NULL : eff, strlen(eff));
	put(&l, ", \"allowed\": ");
	put_str(&l, allowed, strlen(allowed));
	put(&l, e->flags & CPUGUARD_EVENT_TRUNCATED ? ", \"truncated\": true}\n" : ", \"truncated\": false}\n");
	fwrite(l.buf, 1, l.len, stdout);
}

/* The effective mask is shown only where the target's cpuset narrowed the
 * request: "to 0-3 (effective 0-2)". */
static void print_text(const struct cpuguard_event *e, const char *time, const char *req,
		       const char *eff, const char *allowed)
{
	char cgbuf[CGROUP_PATH_MAX], pcgbuf[CGROUP_PATH_MAX];
	const char *cg = cgroup_path_of(e->cgroup_id, cgbuf, sizeof(cgbuf));
	const char *pcg = cgroup_path_of(e->policy_cgroup_id, pcgbuf, sizeof(pcgbuf));
	bool narrowed = !(e->flags & CPUGUARD_EVENT_UNREADABLE) &&
			memcmp(e->requested, e->effective, sizeof(e->requested));

	printf("%s %s: %.16s[%u/%u] %s %.16s[%u/%u] in %s to %s%s%s%s; allowed %s by %s%s\n", time,
	       e->action == CPUGUARD_DENY	  ? "DENY"
	       : e->action == CPUGUARD_REPORT ? "REPORT (cannot be refused)"
					      : "AUDIT (would deny)",
	       e->comm, e->pid, e->tid, kind_words(e->kind),
	       e->target_comm, e->target_pid, e->target_tid, cg ? cg : "(removed cgroup)",
	       e->flags & CPUGUARD_EVENT_UNREADABLE ? "(unreadable request)" : req,
	       narrowed ? " (effective " : "", narrowed ? (*eff ? eff : "none") : "", narrowed ? ")" : "", allowed,
	       pcg ? pcg : "(removed cgroup)",
	       e->flags & CPUGUARD_EVENT_TRUNCATED ? " (masks truncated to 1024 CPUs)" : "");
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct options *o = ctx;
	const struct cpuguard_event *e = data;
	static struct mask_cache req_cache, eff_cache, allowed_cache;
	const char *req, *eff, *allowed;
	char time[64];

	if (size < sizeof(*e))
		return 0;
	format_time(e->time_ns, time, sizeof(time));
	req = format_mask(&req_cache, e->requested);
	eff = format_mask(&eff_cache, e->effective);
	allowed = format_mask(&allowed_cache, e->allowed);
	if (o->json)
		print_json(e, time, req, eff, allowed);
	else
		print_text(e, time, req, eff, allowed);
	return 0;
}

int cmd_audit(const struct options *o)
{
	struct ring_buffer *rb;
	struct guard g;
	int err = 0;

	if (require_caps("audit") || guard_open(o->pin_dir, &g, false))
		return EXIT_FAIL;
	boot_to_real_ns = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME);
	rb = ring_buffer__new(g.events, handle_event, (void *)o, NULL);
	if (!rb) {
		fprintf(stderr, "cpuguard audit: cannot open the event ring buffer: %s\n", strerror(errno));
		guard_close(&g);
		return EXIT_FAIL;
	}
	if (!o->follow) {
		err = ring_buffer__consume(rb);
	} else {
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		/* Flushed once per batch of events, not once per event. */
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
		while (!stop) {
			err = ring_buffer__poll(rb, 500);
			fflush(stdout);
			if (err == -EINTR) {
				err = 0;
				continue;
			}
			if (err < 0)
				break;
			err = 0;
			if (!guard_loaded(o->pin_dir)) {
				ring_buffer__consume(rb);
				fprintf(stderr, "cpuguard audit: cpuguard was unloaded; no more events\n");
				break;
			}
		}
	}
	ring_buffer__free(rb);
	guard_close(&g);
	if (err < 0) {
		fprintf(stderr, "cpuguard audit: reading events failed: %s\n", strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
