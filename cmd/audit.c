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
#include "journal.h"

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
 * of events must not cost a stdio call per field. The writer keeps its
 * buffer from one event to the next. */
static struct jw line = JW_INIT;
static bool line_failed;

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
	struct jw *j = &line;

	jw_obj(j);
	jw_key(j, "time");
	jw_str(j, time);
	jw_key(j, "kind");
	jw_str(j, kind_name(e->kind));
	jw_key(j, "action");
	jw_str(j, action_name(e->action));
	jw_key(j, "pid");
	jw_u64(j, e->pid);
	jw_key(j, "tid");
	jw_u64(j, e->tid);
	jw_key(j, "comm");
	jw_str_n(j, e->comm, strnlen(e->comm, sizeof(e->comm)));
	jw_key(j, "target_pid");
	jw_u64(j, e->target_pid);
	jw_key(j, "target_tid");
	jw_u64(j, e->target_tid);
	jw_key(j, "target_comm");
	jw_str_n(j, e->target_comm, strnlen(e->target_comm, sizeof(e->target_comm)));
	jw_key(j, "cgroup");
	jw_str(j, cg);
	jw_key(j, "cgroup_id");
	jw_u64(j, e->cgroup_id);
	jw_key(j, "policy_cgroup");
	jw_str(j, pcg);
	/* A request that could not be read is null. */
	jw_key(j, "requested");
	jw_str(j, e->flags & CPUGUARD_EVENT_UNREADABLE ? NULL : req);
	/* What the kernel would have applied: the request narrowed to the
	 * target's cpuset. */
	jw_key(j, "effective");
	jw_str(j, e->flags & CPUGUARD_EVENT_UNREADABLE ? NULL : eff);
	jw_key(j, "allowed");
	jw_str(j, allowed);
	jw_key(j, "truncated");
	jw_bool(j, e->flags & CPUGUARD_EVENT_TRUNCATED);
	jw_end(j);
	if (jw_flush(j, stdout))
		line_failed = true;
}

/* Names are bytes that any task or cgroup creator chooses: escape them
 * before they reach a terminal or a log, as show does, so that a task
 * named "\033[2J\nFAKE DENY" can neither clear the screen nor forge a
 * line. */
static const char *escaped(char *dst, size_t cap, const char *s, size_t n)
{
	cg_escape_bytes(dst, cap, s, n);
	return dst;
}

/* The effective mask is shown only where the target's cpuset narrowed the
 * request: "to 0-3 (effective 0-2)". */
static void print_text(const struct cpuguard_event *e, const char *time, const char *req,
		       const char *eff, const char *allowed)
{
	char cgbuf[CGROUP_PATH_MAX], pcgbuf[CGROUP_PATH_MAX];
	const char *cg = cgroup_path_of(e->cgroup_id, cgbuf, sizeof(cgbuf));
	const char *pcg = cgroup_path_of(e->policy_cgroup_id, pcgbuf, sizeof(pcgbuf));
	static char comm[4 * 16 + 1], tcomm[4 * 16 + 1], cgesc[4 * CGROUP_PATH_MAX + 1],
		pcgesc[4 * CGROUP_PATH_MAX + 1];

	bool narrowed = !(e->flags & CPUGUARD_EVENT_UNREADABLE) &&
			memcmp(e->requested, e->effective, sizeof(e->requested));

	printf("%s %s: %s[%u/%u] %s %s[%u/%u] in %s to %s%s%s%s; allowed %s by %s%s\n", time,
	       e->action == CPUGUARD_DENY	  ? "DENY"
	       : e->action == CPUGUARD_REPORT ? "REPORT (cannot be refused)"
					      : "AUDIT (would deny)",
	       escaped(comm, sizeof(comm), e->comm, strnlen(e->comm, sizeof(e->comm))), e->pid, e->tid,
	       kind_words(e->kind),
	       escaped(tcomm, sizeof(tcomm), e->target_comm, strnlen(e->target_comm, sizeof(e->target_comm))),
	       e->target_pid, e->target_tid,
	       cg ? escaped(cgesc, sizeof(cgesc), cg, strlen(cg)) : "(removed cgroup)",
	       e->flags & CPUGUARD_EVENT_UNREADABLE ? "(unreadable request)" : req,
	       narrowed ? " (effective " : "", narrowed ? (*eff ? eff : "none") : "", narrowed ? ")" : "", allowed,
	       pcg ? escaped(pcgesc, sizeof(pcgesc), pcg, strlen(pcg)) : "(removed cgroup)",
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
	if (o->journal) {
		char cgbuf[CGROUP_PATH_MAX], pcgbuf[CGROUP_PATH_MAX];
		int err = journal_send_event(e, cgroup_path_of(e->cgroup_id, cgbuf, sizeof(cgbuf)),
					     cgroup_path_of(e->policy_cgroup_id, pcgbuf, sizeof(pcgbuf)), req,
					     allowed);
		static bool said;

		if (err < 0 && !said) { /* journald gone: say so once, keep reading */
			said = true;
			fprintf(stderr, "cpuguard audit: cannot send to the journal: %s\n", strerror(-err));
		}
	} else if (o->json)
		print_json(e, time, req, eff, allowed);
	else
		print_text(e, time, req, eff, allowed);
	return 0;
}

int cmd_audit(const struct options *o)
{
	struct guard_probe probe;
	struct ring_buffer *rb;
	struct guard g;
	int err = 0;

	if (require_caps("audit") || (o->journal && journal_open()) || guard_open(o, &g, false))
		return EXIT_FAIL;
	boot_to_real_ns = now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME);
	rb = ring_buffer__new(g.events, handle_event, (void *)o, NULL);
	if (!rb) {
		errorf("cpuguard audit: cannot open the event ring buffer: %s", strerror(errno));
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
			if (guard_probe(o->pin_dir, &probe) != GUARD_LOADED) {
				ring_buffer__consume(rb);
				fflush(stdout);
				fprintf(stderr, "cpuguard audit: cpuguard was unloaded; no more events\n");
				break;
			}
		}
	}
	ring_buffer__free(rb);
	guard_close(&g);
	if (err < 0) {
		errorf("cpuguard audit: reading events failed: %s", strerror(-err));
		return EXIT_FAIL;
	}
	if (line_failed) {
		errorf("cpuguard audit: out of memory: some events could not be written");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
