// SPDX-License-Identifier: GPL-2.0
/* cgbench fmt: what the audit reader spends per event. The steps
 * cmd/audit.c takes for each event with --json, timed one by one (a copy
 * of its formatting, for the profile only). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "cpulist.h"
#include "json.h"

/* One event and what the steps make of it, each step from the ones before. */
struct fmt {
	struct cpuguard_event e;
	char req[CPUGUARD_EVENT_CPUS * 6], allowed[CPUGUARD_EVENT_CPUS * 6], tbuf[64];
	FILE *null;
	int fd;
	volatile size_t sink;
};

/* 1. two masks to CPU lists, as format_mask() does */
static void step_masks(struct fmt *f, int n)
{
	for (int i = 0; i < n; i++) {
		struct cg_cpumask m = { 0 };

		memcpy(m.bits, f->e.requested, CPUGUARD_EVENT_WORDS * sizeof(uint64_t));
		cpulist_format(&m, f->req, sizeof(f->req));
		memset(&m, 0, sizeof(m));
		memcpy(m.bits, f->e.allowed, CPUGUARD_EVENT_WORDS * sizeof(uint64_t));
		cpulist_format(&m, f->allowed, sizeof(f->allowed));
		f->sink += f->req[0] + f->allowed[0];
	}
}

/* 2. the time stamp, as format_time() does */
static void step_time(struct fmt *f, int n)
{
	for (int i = 0; i < n; i++) {
		time_t sec = (time_t)(f->e.time_ns / 1000000000) + 1700000000;
		struct tm tm;
		size_t k;

		gmtime_r(&sec, &tm);
		k = strftime(f->tbuf, sizeof(f->tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(f->tbuf + k, sizeof(f->tbuf) - k, ".%09lldZ", (long long)(f->e.time_ns % 1000000000));
		f->sink += f->tbuf[0];
	}
}

/* 3. the JSON line into stdio's buffer, as print_json() does */
static void step_json(struct fmt *f, int n)
{
	const struct cpuguard_event *e = &f->e;
	FILE *null = f->null;

	for (int i = 0; i < n; i++) {
		fprintf(null, "{\"time\": \"%s\", \"action\": \"%s\", \"pid\": %u, \"tid\": %u, \"comm\": ", f->tbuf,
			"deny", e->pid, e->tid);
		json_write_string_n(null, e->comm, strnlen(e->comm, sizeof(e->comm)));
		fprintf(null, ", \"target_pid\": %u, \"target_tid\": %u, \"target_comm\": ", e->target_pid,
			e->target_tid);
		json_write_string_n(null, e->target_comm, strnlen(e->target_comm, sizeof(e->target_comm)));
		fprintf(null, ", \"cgroup\": ");
		json_write_string(null, "/bench/flood");
		fprintf(null, ", \"cgroup_id\": %llu, \"policy_cgroup\": ", (unsigned long long)e->cgroup_id);
		json_write_string(null, "/bench/flood");
		fprintf(null, ", \"requested\": \"%s\", \"allowed\": \"%s\", \"truncated\": %s}\n", f->req,
			f->allowed, "false");
	}
	fflush(null);
}

/* 4. one write() per event, as the fflush() after each event does */
static void step_write(struct fmt *f, int n)
{
	for (int i = 0; i < n; i++)
		f->sink += write(f->fd, f->req, 330) > 0; /* a JSON line is about 330 bytes */
}

static void (*const steps[])(struct fmt *, int) = { step_masks, step_time, step_json, step_write };
static const char *const step_name[] = { "masks", "time", "json", "write" };
#define NSTEPS 4
#define REPS 5

int bench_fmt(const struct bench_opts *o)
{
	struct fmt f = {
		.e = { .time_ns = 123456789012ull, .cgroup_id = 1234, .policy_cgroup_id = 1234,
		       .action = CPUGUARD_DENY, .pid = 100, .tid = 101, .target_pid = 100, .target_tid = 101,
		       .nr_cpu_ids = 4, .comm = "cgbench", .target_comm = "cgbench" },
	};
	uint64_t all[NSTEPS][REPS], t[NSTEPS], total = 0;
	int n = o->calls;

	f.null = fopen("/dev/null", "w");
	f.fd = open("/dev/null", O_WRONLY);
	if (!f.null || f.fd < 0)
		die("/dev/null: %s", strerror(errno));
	f.e.requested[0] = 0xf;
	f.e.allowed[0] = 0x6;
	/* Five times over; each step's median (the host is shared). */
	for (int rep = 0; rep < REPS; rep++) {
		for (int k = 0; k < NSTEPS; k++) {
			uint64_t t0 = now_ns();

			steps[k](&f, n);
			all[k][rep] = now_ns() - t0;
		}
	}
	for (int k = 0; k < NSTEPS; k++) {
		t[k] = quantile_u64(all[k], REPS, 0.5);
		total += t[k];
		printf("FMT step=%s ns_per_event=%.0f\n", step_name[k], (double)t[k] / n);
	}
	/* everything above, per event, for comparison with the reader's rate */
	printf("FMT step=total ns_per_event=%.0f\n", (double)total / n);
	fclose(f.null);
	close(f.fd);
	return f.sink == (size_t)-1;
}
