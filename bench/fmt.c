// SPDX-License-Identifier: GPL-2.0
/* cgbench fmt: what the audit reader spends per event. cmd/audit_fmt.c's
 * JSON formatter itself, on a stream like the benchmark's distinct flood
 * (three threads, two masks taken in turn: no part repeats the event
 * before), and its one write() per batch of 64 events, here to /dev/null. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common.h"
#include "audit_fmt.h"

#define REPS 5
#define BATCH 64

static const char *path_of(uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "/bench/conf%s", id == 1234 ? "" : "/sub");
	return buf;
}

/* Format @n events (and write them in batches when @fd >= 0); ns taken. */
static uint64_t run(struct audit_fmt *f, struct outbuf *o, struct cpuguard_event *e, int n, int fd)
{
	uint64_t t0 = now_ns();

	for (int i = 0; i < n; i++) {
		e->time_ns += 3000;
		e->tid = 101 + i % 3;
		e->requested[0] = e->effective[0] = i & 1 ? 0x1 : 0x9;
		audit_fmt_json(f, o, e);
		if (fd >= 0 && (i + 1) % BATCH == 0)
			outbuf_write(o, fd);
		else if (fd < 0 && o->len > (1 << 20))
			o->len = 0;
	}
	if (fd >= 0)
		outbuf_write(o, fd);
	o->len = 0;
	return now_ns() - t0;
}

int bench_fmt(const struct bench_opts *o)
{
	struct cpuguard_event e = {
		.time_ns = 123456789012ull, .cgroup_id = 1234, .policy_cgroup_id = 1234,
		.kind = CPUGUARD_KIND_AFFINITY, .action = CPUGUARD_DENY, .count = 1, .pid = 100,
		.tid = 101, .target_pid = 100, .target_tid = 101, .nr_cpu_ids = 4,
		.comm = "cgbench", .target_comm = "cgbench",
	};
	uint64_t fmt[REPS], all[REPS], tf, ta;
	struct outbuf out = { 0 };
	struct audit_fmt f;
	int n = o->calls, fd = open("/dev/null", O_WRONLY);

	if (fd < 0)
		die("/dev/null: %s", strerror(errno));
	e.allowed[0] = 0x6;
	audit_fmt_init(&f, 0, path_of);
	/* Five times over; the medians (the host is shared). */
	for (int rep = 0; rep < REPS; rep++) {
		fmt[rep] = run(&f, &out, &e, n, -1);
		all[rep] = run(&f, &out, &e, n, fd);
	}
	tf = quantile_u64(fmt, REPS, 0.5);
	ta = quantile_u64(all, REPS, 0.5);
	printf("FMT step=json ns_per_event=%.0f\n", (double)tf / n);
	printf("FMT step=write ns_per_event=%.0f\n", (double)(ta > tf ? ta - tf : 0) / n);
	printf("FMT step=total ns_per_event=%.0f\n", (double)ta / n);
	audit_fmt_free(&f);
	outbuf_free(&out);
	close(fd);
	return out.failed;
}
