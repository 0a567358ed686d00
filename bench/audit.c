// SPDX-License-Identifier: GPL-2.0
/* cgbench audit: a denial flood from T threads while a reader takes the
 * events (`cpuguard audit --follow --json --output FILE`, or to /dev/null,
 * or a bare ring buffer consumer); counts denials, events, drops, lines and
 * the denials the lines' counts stand for. The flood repeats one request
 * (--pattern repeat: the kernel coalesces it) or alternates two, so that no
 * request repeats the one before (distinct: nothing to coalesce).
 *
 * cgbench drain: what that reader can deliver, apart from what a flood can
 * produce in this VM (see bench_drain). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "common.h"

#define AUDIT_OUT "/tmp/cgbench-audit.jsonl"

static volatile int flood_stop;
static int flood_distinct;
static pthread_barrier_t flood_start;

struct flooder {
	pthread_t th;
	int cpu;
	uint64_t eperm, other;
};

static void *flood(void *arg)
{
	struct flooder *f = arg;
	cpu_set_t mine, req[2];
	unsigned i = 0;

	CPU_ZERO(&mine);
	CPU_SET(f->cpu, &mine);
	if (sched_setaffinity(0, sizeof(mine), &mine))
		f->other++;
	mask_of(DENIED, &req[0]);
	req[1] = req[0];
	CPU_CLR(0, &req[1]); /* still outside: the last CPU is not the cgroup's */
	pthread_barrier_wait(&flood_start);
	while (!flood_stop) {
		if (syscall(SYS_sched_setaffinity, 0, sizeof(req[0]), &req[flood_distinct & i++ & 1]) == 0)
			f->other++;
		else if (errno == EPERM) /* read while the flood runs (bench_drain) */
			__atomic_store_n(&f->eperm, f->eperm + 1, __ATOMIC_RELAXED);
		else
			f->other++;
	}
	return NULL;
}

/* Lines in a growing file, counted from where the last call stopped, and
 * the sum of their "count" (each line ends with "count": N}). */
static uint64_t file_counts;

static uint64_t count_lines(int fd, uint64_t *lines)
{
	static char buf[65536 + 32];
	static size_t keep;
	ssize_t n;

	while ((n = read(fd, buf + keep, sizeof(buf) - 32 - keep)) > 0) {
		char *start = buf, *end = buf + keep + n, *p;

		for (; (p = memchr(start, '\n', end - start)); start = p + 1) {
			char *c = p;

			while (c > start && c[-1] != ' ')
				c--;
			file_counts += strtoull(c, NULL, 10);
			++*lines;
		}
		keep = end - start;
		memmove(buf, start, keep);
	}
	return *lines;
}

static uint64_t raw_events;
static volatile int raw_stop;

static void *raw_reader(void *arg)
{
	struct ring_buffer *rb = arg;

	while (!raw_stop)
		ring_buffer__poll(rb, 100);
	ring_buffer__consume(rb);
	return NULL;
}

enum reader { READER_CLI, READER_NULL, READER_RAW };

static const char *const reader_name[] = { "cli", "cli_null", "raw" };

/* One flood and what was counted of it. */
struct audit {
	enum reader reader;
	int nthreads, ncpu;
	char reader_cpu[16], flood_cpus[16];
	struct flooder *fl;
	/* the CLI reader: its output file, written and read back */
	pid_t rpid;
	int out_fd, in_fd;
	/* the raw reader */
	struct ring_buffer *rb;
	pthread_t raw_th;
	/* lines (CLI) or events (raw) read: in all, before the flood, during it */
	uint64_t lines, lines0, raw0, lines_flood, counts0;
	int distinct;
	struct status s2; /* after the reader stopped: held counts sent */
	uint64_t eperm, other, events, got, t0, t1, t2;
	struct status s0, s1;
};

/* The flooders on CPUs 0..ncpu-2 (the cgroup's CPUs, so an allowed request
 * pins each), the reader alone on the last CPU. */
static void audit_setup(struct audit *a)
{
	char policy[128];

	snprintf(a->flood_cpus, sizeof(a->flood_cpus), "0-%d", a->ncpu - 2);
	snprintf(a->reader_cpu, sizeof(a->reader_cpu), "%d", a->ncpu - 1);
	snprintf(policy, sizeof(policy), "cgroup /%s %s\n", FLOOD, a->flood_cpus);
	move_self("");
	mkcg(FLOOD);
	write_new_file(POLICY, policy);
	cpuguard("load", NULL);
	cpuguard("apply", POLICY);
}

static void start_raw_reader(struct audit *a)
{
	int fd = pinned(PIN_FILE(events));

	a->rb = ring_buffer__new(fd, count_event, &raw_events, NULL);
	close(fd);
	if (!a->rb)
		die("ring buffer: %s", strerror(errno));
	set_affinity(0, a->reader_cpu); /* the thread inherits it */
	pthread_create(&a->raw_th, NULL, raw_reader, a->rb);
}

static void start_cli_reader(struct audit *a)
{
	char *argv[] = { (char *)cpuguard_bin, "audit", "--follow", "--json", "--output", AUDIT_OUT, NULL };
	posix_spawn_file_actions_t fa;

	if (a->reader == READER_NULL)
		argv[4] = NULL; /* to standard output, /dev/null */
	unlink(AUDIT_OUT);
	a->out_fd = open("/dev/null", O_WRONLY);
	a->in_fd = open(AUDIT_OUT, O_RDONLY | O_CREAT, 0600);
	if (a->out_fd < 0 || a->in_fd < 0)
		die("cannot open %s: %s", AUDIT_OUT, strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, a->out_fd, 1);
	set_affinity(0, a->reader_cpu); /* inherited by the reader */
	if ((errno = posix_spawnp(&a->rpid, argv[0], &fa, NULL, argv, environ)))
		die("cannot run cpuguard audit: %s", strerror(errno));
	posix_spawn_file_actions_destroy(&fa);
}

/* One denial first: the flood starts only once the reader sees events. */
static void wait_probe(struct audit *a)
{
	cpu_set_t req;
	uint64_t deadline = now_ns() + 20000000000ull;

	mask_of(DENIED, &req);
	if (syscall(SYS_sched_setaffinity, 0, sizeof(req), &req) == 0 || errno != EPERM)
		die("the probe request was not denied");
	while (a->reader != READER_NULL) {
		uint64_t seen = a->reader == READER_RAW ? __atomic_load_n(&raw_events, __ATOMIC_RELAXED)
							: count_lines(a->in_fd, &a->lines);

		if (seen >= 1)
			break;
		if (now_ns() > deadline)
			die("the audit reader never delivered the probe event");
		usleep(20000);
	}
	if (a->reader == READER_NULL)
		usleep(1000000); /* cannot see it: give it a second */
}

/* The flooders, all started at once. */
static void start_flood(struct audit *a)
{
	flood_stop = 0;
	flood_distinct = a->distinct;
	pthread_barrier_init(&flood_start, NULL, a->nthreads + 1);
	for (int i = 0; i < a->nthreads; i++) {
		a->fl[i].cpu = i % (a->ncpu - 1);
		a->fl[i].eperm = a->fl[i].other = 0;
		pthread_create(&a->fl[i].th, NULL, flood, &a->fl[i]);
	}
	pthread_barrier_wait(&flood_start);
}

static void stop_flood(struct audit *a)
{
	flood_stop = 1;
	for (int i = 0; i < a->nthreads; i++) {
		pthread_join(a->fl[i].th, NULL);
		a->eperm += a->fl[i].eperm;
		a->other += a->fl[i].other;
	}
	pthread_barrier_destroy(&flood_start);
}

static void run_flood(struct audit *a, double seconds)
{
	a->s0 = cpuguard_status();
	a->raw0 = raw_events;
	a->lines0 = a->lines;
	a->counts0 = file_counts;
	start_flood(a);
	a->t0 = now_ns();
	usleep((useconds_t)(seconds * 1e6));
	stop_flood(a);
	a->t1 = now_ns();
	a->lines_flood = a->reader == READER_CLI   ? count_lines(a->in_fd, &a->lines)
			 : a->reader == READER_RAW ? raw_events
						   : 0;
	a->s1 = cpuguard_status();
}

/* Let the reader drain what the ring buffer still holds. */
static void drain(struct audit *a)
{
	uint64_t last = ~0ull, idle_since = now_ns();

	a->events = a->s1.events - a->s0.events;
	for (;;) {
		a->got = a->reader == READER_CLI   ? count_lines(a->in_fd, &a->lines) - a->lines0
			 : a->reader == READER_RAW ? __atomic_load_n(&raw_events, __ATOMIC_RELAXED) - a->raw0
						   : a->events;
		if (a->got >= a->events)
			break;
		if (a->got != last) {
			last = a->got;
			idle_since = now_ns();
		} else if (now_ns() - idle_since > 5000000000ull) {
			break; /* stuck: report what arrived */
		}
		usleep(20000);
	}
	a->t2 = now_ns();
}

static void stop_reader(struct audit *a)
{
	if (a->reader == READER_RAW) {
		raw_stop = 1;
		pthread_join(a->raw_th, NULL);
		ring_buffer__free(a->rb);
	} else {
		int st;

		if (a->reader == READER_NULL)
			usleep(2000000); /* nothing to count: give it time to drain */
		kill(a->rpid, SIGTERM);
		waitpid(a->rpid, &st, 0);
		if (a->reader == READER_CLI)
			a->got = count_lines(a->in_fd, &a->lines) - a->lines0;
		close(a->out_fd);
		a->s2 = cpuguard_status();
		close(a->in_fd);
	}
	if (a->reader == READER_RAW)
		a->s2 = cpuguard_status();
	if (a->reader == READER_CLI)
		a->lines_flood -= a->lines0;
	else if (a->reader == READER_RAW)
		a->lines_flood -= a->raw0;
}

/* Prints the AUDIT line; returns whether every denial is accounted for. */
static bool audit_report(const struct audit *a)
{
	/* Everything after the reader stopped and sent the held counts. */
	uint64_t denied = a->s2.denied - a->s0.denied, dropped = a->s2.dropped - a->s0.dropped;
	uint64_t events = a->s2.events - a->s0.events, coalesced = a->s2.coalesced - a->s0.coalesced;
	uint64_t delivered = a->reader == READER_NULL ? events : a->got;
	/* denials that delivered events' counts stand for (the file's sum) */
	uint64_t counted = a->reader == READER_CLI ? file_counts - a->counts0 : events + coalesced;
	double fs = (a->t1 - a->t0) / 1e9, ds = (a->t2 - a->t0) / 1e9;
	bool exact = events + coalesced + dropped == denied && a->s2.pending == 0 && denied == a->eperm &&
		     a->other == 0 && (a->reader == READER_NULL || a->got == events) && counted + dropped == denied;

	printf("AUDIT reader=%s pattern=%s threads=%d seconds=%.2f denied=%llu thread_eperm=%llu other=%llu "
	       "denial_rate=%.0f events=%llu coalesced=%llu dropped=%llu delivered=%llu delivered_pct=%.2f "
	       "counted=%llu counted_pct=%.2f delivered_during_flood=%llu delivered_rate=%.0f "
	       "drain_seconds=%.2f exact=%s\n",
	       reader_name[a->reader], a->distinct ? "distinct" : "repeat", a->nthreads, fs,
	       (unsigned long long)denied, (unsigned long long)a->eperm, (unsigned long long)a->other, denied / fs,
	       (unsigned long long)events, (unsigned long long)coalesced, (unsigned long long)dropped,
	       (unsigned long long)delivered, denied ? 100.0 * delivered / denied : 0.0,
	       (unsigned long long)counted, denied ? 100.0 * counted / denied : 0.0,
	       (unsigned long long)a->lines_flood, delivered / ds, ds - fs, exact ? "yes" : "no");
	fflush(stdout);
	return exact;
}

static void audit_cleanup(struct audit *a)
{
	move_self("");
	snprintf(a->flood_cpus, sizeof(a->flood_cpus), "0-%d", a->ncpu - 1);
	set_affinity(0, a->flood_cpus);
	cpuguard_unload();
	rmcg(FLOOD);
	rmcg("bench");
	unlink(AUDIT_OUT);
	free(a->fl);
}

int bench_audit(const struct bench_opts *o)
{
	struct audit a = {
		.reader = !strcmp(o->reader, "raw")    ? READER_RAW
			  : !strcmp(o->reader, "null") ? READER_NULL
						       : READER_CLI,
		.nthreads = o->threads,
		.distinct = strcmp(o->pattern, "repeat") != 0,
		.ncpu = sysconf(_SC_NPROCESSORS_ONLN),
		.fl = calloc(o->threads, sizeof(struct flooder)),
		.rpid = -1,
		.out_fd = -1,
		.in_fd = -1,
	};
	bool exact;

	if (a.ncpu < 2 || !a.fl)
		die("audit needs 2 CPUs");
	audit_setup(&a);
	if (a.reader == READER_RAW)
		start_raw_reader(&a);
	else
		start_cli_reader(&a);
	set_affinity(0, a.flood_cpus);
	move_self(FLOOD);
	wait_probe(&a);
	run_flood(&a, o->seconds);
	drain(&a);
	stop_reader(&a);
	exact = audit_report(&a);
	audit_cleanup(&a);
	return exact ? 0 : 1;
}

/*
 * cgbench drain [--rounds R] [--threads T]: the reader's capacity, apart
 * from the producer. In this VM a flood makes fewer denials a second than
 * the reader is asked to keep up with, so a live flood cannot show what
 * the reader can do. Here `cpuguard audit --follow --json --output FILE`
 * is stopped (SIGSTOP) while distinct denials fill the ring buffer and
 * overflow it; then it is let go (SIGCONT) and timed until FILE holds
 * every event the ring took. Stopping a running reader rather than starting
 * one late keeps its start-up (loading, opening the maps) out of the time.
 *
 * The end is FILE's mtime, set by the reader's last write(): cgbench need
 * not watch closely at that moment (polling would take emulated CPU from
 * the reader), it waits until FILE has stopped growing. File times come
 * from the kernel's coarse clock (one tick), so the start is read from that
 * clock too.
 */
static uint64_t ring_capacity(void)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = pinned(PIN_FILE(events));

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		die("events map: %s", strerror(errno));
	close(fd);
	/* every record: the event and its header, 8-byte aligned */
	return info.max_entries / ((sizeof(struct cpuguard_event) + BPF_RINGBUF_HDR_SZ + 7) / 8 * 8);
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000 + (uint64_t)ts->tv_nsec;
}

static uint64_t coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return ts_ns(&ts);
}

static uint64_t flood_eperm(const struct audit *a)
{
	uint64_t n = 0;

	for (int i = 0; i < a->nthreads; i++)
		n += __atomic_load_n(&a->fl[i].eperm, __ATOMIC_RELAXED);
	return n;
}

/* Wait until FILE holds @want lines; FILE's mtime then. Lines are counted
 * only once FILE has not grown for 200 ms: counting while the reader
 * writes would slow it down. */
static uint64_t wait_lines(struct audit *a, uint64_t want)
{
	uint64_t deadline = now_ns() + 30000000000ull;
	off_t size = -1;
	struct stat st;
	int still = 0;

	for (;;) {
		usleep(50000);
		if (fstat(a->in_fd, &st))
			die("%s: %s", AUDIT_OUT, strerror(errno));
		if (st.st_size != size) {
			size = st.st_size;
			still = 0;
		} else if (++still >= 4 && count_lines(a->in_fd, &a->lines) >= want) {
			/* FILE again: the lines counted may be newer than st */
			if (fstat(a->in_fd, &st))
				die("%s: %s", AUDIT_OUT, strerror(errno));
			return ts_ns(&st.st_mtim);
		}
		if (now_ns() > deadline)
			die("the reader did not deliver the ring buffer's events in 30 s (%llu of %llu lines)",
			    (unsigned long long)a->lines, (unsigned long long)want);
	}
}

/* One round: fill the ring while the reader is stopped, time its drain.
 * Returns the events delivered per second. */
static double drain_round(struct audit *a, int round, uint64_t capacity)
{
	/* well past the ring's capacity: it is full, and drops are counted */
	uint64_t fill = capacity + capacity / 4, lines0 = a->lines, deadline, events, t0, t1, m0;
	struct timespec mono, tick;
	struct status s0, s1;
	double rate;
	int st;

	kill(a->rpid, SIGSTOP);
	if (waitpid(a->rpid, &st, WUNTRACED) != a->rpid || !WIFSTOPPED(st))
		die("the audit reader did not stop");
	s0 = cpuguard_status();
	deadline = now_ns() + 30000000000ull;
	start_flood(a);
	while (flood_eperm(a) < fill && now_ns() < deadline)
		usleep(2000);
	stop_flood(a);
	s1 = cpuguard_status();
	events = s1.events - s0.events;
	if (s1.dropped == s0.dropped || events > capacity)
		die("drain round %d: the ring buffer took %llu events, dropped %llu: not full", round,
		    (unsigned long long)events, (unsigned long long)(s1.dropped - s0.dropped));
	clock_gettime(CLOCK_MONOTONIC, &mono);
	t0 = coarse_ns();
	kill(a->rpid, SIGCONT);
	t1 = wait_lines(a, lines0 + events);
	rate = t1 > t0 ? events / ((t1 - t0) / 1e9) : 0;
	/* window: the drain on CLOCK_MONOTONIC, one tick longer, for perf --time */
	clock_getres(CLOCK_REALTIME_COARSE, &tick);
	m0 = ts_ns(&mono);
	printf("DRAIN round=%d events=%llu dropped=%llu lines=%llu seconds=%.4f rate=%.0f window=%.6f,%.6f\n", round,
	       (unsigned long long)events, (unsigned long long)(s1.dropped - s0.dropped),
	       (unsigned long long)(a->lines - lines0), (t1 - t0) / 1e9, rate, m0 / 1e9,
	       (m0 + (t1 - t0) + ts_ns(&tick)) / 1e9);
	return rate;
}

int bench_drain(const struct bench_opts *o)
{
	struct audit a = {
		.reader = READER_CLI,
		.nthreads = o->threads,
		.distinct = 1,
		.ncpu = sysconf(_SC_NPROCESSORS_ONLN),
		.fl = calloc(o->threads, sizeof(struct flooder)),
		.rpid = -1,
		.out_fd = -1,
		.in_fd = -1,
	};
	int rounds = o->rounds < 1 ? 1 : o->rounds > MAX_ROUNDS ? MAX_ROUNDS : o->rounds;
	uint64_t capacity, got, counted, denied, dropped, events, coalesced;
	double rate[MAX_ROUNDS], lo = 0, hi = 0;
	struct timespec tick;
	struct status s0;
	bool exact;
	int st;

	if (a.ncpu < 2 || !a.fl)
		die("drain needs 2 CPUs");
	audit_setup(&a);
	capacity = ring_capacity();
	start_cli_reader(&a);
	/* for a profile of the reader alone (bench/vm/bench.sh) */
	printf("DRAIN_READER pid=%d\n", (int)a.rpid);
	set_affinity(0, a.flood_cpus);
	move_self(FLOOD);
	wait_probe(&a);
	s0 = cpuguard_status();
	a.lines0 = a.lines;
	a.counts0 = file_counts;
	for (int r = 0; r < rounds; r++) {
		rate[r] = drain_round(&a, r, capacity);
		lo = r == 0 || rate[r] < lo ? rate[r] : lo;
		hi = rate[r] > hi ? rate[r] : hi;
	}
	/* Stop it: it sends what it holds; then everything must add up. */
	kill(a.rpid, SIGTERM);
	waitpid(a.rpid, &st, 0);
	got = count_lines(a.in_fd, &a.lines) - a.lines0;
	a.s2 = cpuguard_status();
	denied = a.s2.denied - s0.denied;
	dropped = a.s2.dropped - s0.dropped;
	events = a.s2.events - s0.events;
	coalesced = a.s2.coalesced - s0.coalesced;
	counted = file_counts - a.counts0;
	exact = WIFEXITED(st) && WEXITSTATUS(st) == 0 && counted + dropped == denied + (a.s2.audited - s0.audited) &&
		events + coalesced + dropped == denied && a.s2.pending == 0 && got == events && a.eperm == denied &&
		a.other == 0;
	clock_getres(CLOCK_REALTIME_COARSE, &tick);
	printf("DRAIN_SUM rounds=%d capacity=%llu rate_median=%.0f rate_min=%.0f rate_max=%.0f tick_ms=%.1f "
	       "denied=%llu events=%llu dropped=%llu delivered=%llu counted=%llu exact=%s\n",
	       rounds, (unsigned long long)capacity, median_dbl(rate, rounds), lo,
	       hi, ts_ns(&tick) / 1e6, (unsigned long long)denied, (unsigned long long)events,
	       (unsigned long long)dropped, (unsigned long long)got, (unsigned long long)counted, exact ? "yes" : "no");
	close(a.out_fd);
	close(a.in_fd);
	audit_cleanup(&a);
	return exact ? 0 : 1;
}
