// SPDX-License-Identifier: GPL-2.0
/* cpuguard audit [--follow] [--json | --journal] [--output FILE] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cpuguard.h"
#include "audit_fmt.h"
#include "journal.h"

/* How often held repeats whose window has closed are sent (--follow). */
#define FLUSH_EVERY_NS 250000000LL

static volatile sig_atomic_t stop;

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

struct reader {
	const struct options *o;
	struct audit_fmt fmt;
	struct outbuf out; /* the lines of one batch: one write() */
	int fd;            /* where they go */
	int write_err;
};

static int handle_event(void *ctx, void *data, size_t size)
{
	struct reader *r = ctx;
	const struct cpuguard_event *e = data;

	if (size < sizeof(*e))
		return 0;
	if (r->o->journal) {
		char cgbuf[CGROUP_PATH_MAX], pcgbuf[CGROUP_PATH_MAX];
		unsigned nw = (e->nr_cpu_ids + 63) / 64;
		const char *req, *allowed;
		static bool said;
		int err;

		nw = nw < 1 ? 1 : nw > CPUGUARD_EVENT_WORDS ? CPUGUARD_EVENT_WORDS : nw;
		req = audit_fmt_mask(&r->fmt.req, e->requested, nw);
		allowed = audit_fmt_mask(&r->fmt.allowed, e->allowed, nw);
		err = journal_send_event(e, cgroup_path_of(e->cgroup_id, cgbuf, sizeof(cgbuf)),
					 cgroup_path_of(e->policy_cgroup_id, pcgbuf, sizeof(pcgbuf)), req, allowed);
		if (err < 0 && !said) { /* journald gone: say so once, keep reading */
			said = true;
			fprintf(stderr, "cpuguard audit: cannot send to the journal: %s\n", strerror(-err));
		}
	} else if (r->o->json) {
		audit_fmt_json(&r->fmt, &r->out, e);
	} else {
		audit_fmt_text(&r->fmt, &r->out, e);
	}
	/* A batch can be long: write it in large pieces. */
	if (r->out.len >= (1 << 20) && (r->write_err = outbuf_write(&r->out, r->fd)))
		return r->write_err;
	return 0;
}

/* Write what the batch formatted: one write() per batch. */
static void write_batch(struct reader *r)
{
	if (!r->write_err && r->out.len)
		r->write_err = outbuf_write(&r->out, r->fd);
}

/* Send held repeats (lsm/flush.bpf.c) into the ring buffer: all of them,
 * or those whose window has closed. */
static int flush_held(const struct guard *g, bool all)
{
	struct coalesce_flush_args a = { .all = all };

	return run_syscall_prog(g->flush_coalesced, &a, sizeof(a));
}

int cmd_audit(const struct options *o)
{
	struct reader r = { .o = o, .fd = STDOUT_FILENO };
	struct guard_probe probe;
	struct ring_buffer *rb = NULL;
	int64_t last_flush;
	struct guard g;
	int err = 0;

	if (require_caps("audit") || (o->journal && journal_open()) || guard_open(o, &g, false))
		return EXIT_FAIL;
	if (o->output) {
		r.fd = open(o->output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (r.fd < 0) {
			errorf("cpuguard audit: cannot open %s: %s", o->output, strerror(errno));
			guard_close(&g);
			return EXIT_FAIL;
		}
	}
	audit_fmt_init(&r.fmt, now_ns(CLOCK_REALTIME) - now_ns(CLOCK_BOOTTIME), cgroup_path_of);
	rb = ring_buffer__new(g.events, handle_event, &r, NULL);
	if (!rb) {
		err = -errno;
		goto out;
	}
	if (!o->follow) {
		/* What is pending, held repeats included. */
		err = flush_held(&g, true);
		if (!err)
			err = ring_buffer__consume(rb);
		write_batch(&r);
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	last_flush = now_ns(CLOCK_MONOTONIC);
	while (!stop && !r.write_err) {
		err = ring_buffer__poll(rb, 100);
		write_batch(&r);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0)
			break;
		err = 0;
		if (now_ns(CLOCK_MONOTONIC) - last_flush < FLUSH_EVERY_NS)
			continue;
		last_flush = now_ns(CLOCK_MONOTONIC);
		if (guard_probe(o->pin_dir, &probe) != GUARD_LOADED) {
			ring_buffer__consume(rb);
			write_batch(&r);
			fprintf(stderr, "cpuguard audit: cpuguard was unloaded; no more events\n");
			goto out;
		}
		if ((err = flush_held(&g, false)) < 0)
			break;
	}
	/* Before leaving: every held repeat, then what is left. */
	if (!err && !r.write_err && !(err = flush_held(&g, true)))
		err = ring_buffer__consume(rb);
	write_batch(&r);
out:
	ring_buffer__free(rb);
	guard_close(&g);
	audit_fmt_free(&r.fmt);
	if (o->output)
		close(r.fd);
	if (err < 0 && !rb)
		errorf("cpuguard audit: cannot open the event ring buffer: %s", strerror(-err));
	else if (err < 0)
		errorf("cpuguard audit: reading events failed: %s", strerror(-err));
	else if (r.write_err)
		errorf("cpuguard audit: cannot write the events: %s", strerror(-r.write_err));
	else if (r.out.failed)
		errorf("cpuguard audit: out of memory: some events could not be written");
	outbuf_free(&r.out);
	return err < 0 || r.write_err || r.out.failed ? EXIT_FAIL : EXIT_OK;
}
