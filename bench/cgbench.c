// SPDX-License-Identifier: GPL-2.0
/*
 * cgbench: what cpuguard costs, measured inside the test VM (bench/run.sh
 * boots it). Every figure is a ratio of configurations measured side by
 * side in one boot: under QEMU TCG absolute times mean little.
 *
 *   cgbench lat [--rounds R] [--calls N] [--variants 0|1]
 *       sched_setaffinity() latency per configuration (no BPF, cpuset,
 *       empty BPF programs, cpuguard unconfined / allowed / denied / at
 *       depth 1, 8, 16, and the what-if judges of variants/fast.bpf.c) and
 *       getppid() with and without cpuguard. Each round visits every group
 *       of configurations (in an order rotated per round); ratios are taken
 *       within a round, then the median over rounds.
 *   cgbench stats [--rounds R] [--calls N] [--variants 0|1]
 *       run time per invocation of each BPF program, from the kernel's BPF
 *       statistics (kernel.bpf_stats_enabled, bpf_prog_info run_time_ns /
 *       run_cnt), per configuration.
 *   cgbench apply [--sizes 100,1000,10000] [--reps R]
 *       wall time of `cpuguard check` and `cpuguard apply` for policies of
 *       that many cgroups (one named set, or an inline CPU list each).
 *   cgbench audit [--threads T] [--seconds S] [--reader cli|null|raw]
 *       a denial flood from T threads while `cpuguard audit --follow
 *       --json` reads the events; counts denials, events, drops, lines.
 *   cgbench fmt [--calls N]
 *       what that reader spends per event, step by step.
 *   cgbench spin CONFIG PERF_DATA [--seconds S]
 *       one configuration's calls for S seconds under `perf record -a`.
 *
 * Output: one line per measurement, "KIND key=value ...", for
 * bench/report.sh. Exit status 0 when everything ran (targets are not
 * judged here), 1 on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "../cmd/cpuguard.h" /* pin names */
#include "bench_empty.skel.h"
#include "bench_fast.skel.h"
#include "cpulist.h"
#include "json.h"

#define CGROOT "/sys/fs/cgroup"
#define POLICY "/tmp/cgbench.conf"
#define MAX_ROUNDS 64

extern char **environ;

static const char *cpuguard_bin = "cpuguard";
static const char *pin_dir = DEFAULT_PIN_DIR;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "cgbench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* With CGBENCH_TRACE set, progress goes to the kernel log too (it survives
 * a guest panic on the console, stdout does not). */
static void trace(const char *fmt, ...)
{
	static int fd = -2;
	char buf[256];
	va_list ap;
	int n;

	if (fd == -2)
		fd = getenv("CGBENCH_TRACE") ? open("/dev/kmsg", O_WRONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(fd, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1) < 0)
		fd = -1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v. Quantile by the nearest-rank method. */
static uint64_t quantile_u64(uint64_t *v, size_t n, double q)
{
	size_t i;

	qsort(v, n, sizeof(*v), cmp_u64);
	i = (size_t)(q * n);
	return v[i >= n ? n - 1 : i];
}

static double median_dbl(const double *in, size_t n)
{
	double v[MAX_ROUNDS];

	memcpy(v, in, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- files, cgroups, commands ---- */

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die("writing '%s' to %s: %s", s, path, strerror(errno));
	close(fd);
}

static void write_new_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(s, f) < 0 || fclose(f))
		die("cannot write %s: %s", path, strerror(errno));
}

/* mkdir -p of a cgroup, relative to the cgroup2 root ("bench/conf"). */
static void mkcg(const char *rel)
{
	char p[4096], *s;

	snprintf(p, sizeof(p), CGROOT "/%s", rel);
	for (s = p + strlen(CGROOT) + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = 0;
			if (mkdir(p, 0755) && errno != EEXIST)
				die("mkdir %s: %s", p, strerror(errno));
			*s = c;
			if (!c)
				break;
		}
	}
}

static void rmcg(const char *rel)
{
	char p[4096];

	snprintf(p, sizeof(p), CGROOT "/%s", rel);
	if (rmdir(p) && errno != ENOENT)
		fprintf(stderr, "cgbench: rmdir %s: %s\n", p, strerror(errno));
}

/* Move this whole process into a cgroup ("" = the root). */
static void move_self(const char *rel)
{
	char p[4096];

	snprintf(p, sizeof(p), CGROOT "%s%s/cgroup.procs", *rel ? "/" : "", rel);
	write_file(p, "0");
}

static void mask_of(const char *list, cpu_set_t *set)
{
	const char *s = list;
	char *end;

	CPU_ZERO(set);
	while (*s) {
		long lo = strtol(s, &end, 10), hi = lo;

		if (end == s)
			die("bad CPU list '%s'", list);
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		for (long c = lo; c <= hi; c++)
			CPU_SET(c, set);
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			die("bad CPU list '%s'", list);
	}
}

static void set_affinity(pid_t pid, const char *list)
{
	cpu_set_t set;

	mask_of(list, &set);
	if (sched_setaffinity(pid, sizeof(set), &set))
		die("sched_setaffinity(%d, %s): %s", pid, list, strerror(errno));
}

/* Run a command; stdout to @out_fd (-1: /dev/null), stderr inherited.
 * Returns the exit status (or 128 + signal); *ns gets the wall time. */
static int run_argv(char *const argv[], int out_fd, uint64_t *ns)
{
	posix_spawn_file_actions_t fa;
	uint64_t t0;
	pid_t pid;
	int st, err;

	posix_spawn_file_actions_init(&fa);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	t0 = now_ns();
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		die("cannot run %s: %s", argv[0], strerror(err));
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	if (ns)
		*ns = now_ns() - t0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The kernel ids of our own programs (the empty ones, the variant). */
static __u32 own_ids[16];
static int nown;

static void own_prog(int prog_fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (nown < 16 && !bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		own_ids[nown++] = info.id;
}

/* Wait until no LSM or tracing program is left in the kernel but ours.
 * Unpinning a link (as `cpuguard unload` does) frees it from a workqueue:
 * its trampoline is unpatched a little later, on any CPU, and only then is
 * its program released. Measuring meanwhile would time the patching, and
 * under multi-threaded TCG a call running through the hook while another
 * vCPU patches it has ended in a spurious int3 oops. */
static void wait_progs_gone(void)
{
	uint64_t deadline = now_ns() + 10000000000ull;

	for (;;) {
		__u32 id = 0;
		int n = 0;

		while (!bpf_prog_get_next_id(id, &id)) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			bool own = false;
			int fd = bpf_prog_get_fd_by_id(id);

			if (fd < 0)
				continue; /* gone meanwhile */
			for (int i = 0; i < nown; i++)
				own |= own_ids[i] == id;
			if (!own && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
			    (info.type == BPF_PROG_TYPE_LSM || info.type == BPF_PROG_TYPE_TRACING))
				n++;
			close(fd);
		}
		if (!n)
			return;
		if (now_ns() > deadline) {
			fprintf(stderr, "cgbench: %d LSM/tracing programs still loaded after 10 s\n", n);
			return;
		}
		usleep(2000);
	}
}

/* cpuguard CMD [ARG]; dies unless it succeeds. Returns the wall time. */
static uint64_t cpuguard(const char *cmd, const char *arg)
{
	char *argv[] = { (char *)cpuguard_bin, (char *)cmd, (char *)arg, NULL };
	uint64_t ns;

	if (run_argv(argv, -1, &ns))
		die("cpuguard %s %s failed", cmd, arg ? arg : "");
	return ns;
}

/* cpuguard unload, and wait until its programs are really detached. */
static void cpuguard_unload(void)
{
	cpuguard("unload", NULL);
	wait_progs_gone();
}

struct status {
	unsigned long long checks, allowed, denied, events, dropped, errors;
};

static unsigned long long json_u64(const char *json, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\": ", key);
	p = strstr(json, k);
	if (!p)
		die("no %s in cpuguard status --json: %s", key, json);
	return strtoull(p + strlen(k), NULL, 10);
}

/* The counters, as `cpuguard status --json` reports them. */
static struct status cpuguard_status(void)
{
	char *argv[] = { (char *)cpuguard_bin, "status", "--json", NULL };
	char buf[4096];
	struct status s;
	ssize_t n;
	int fd = memfd_create("status", MFD_CLOEXEC);

	if (fd < 0 || run_argv(argv, fd, NULL))
		die("cpuguard status --json failed");
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n <= 0)
		die("cpuguard status --json printed nothing");
	buf[n] = 0;
	s.checks = json_u64(buf, "checks");
	s.allowed = json_u64(buf, "allowed");
	s.denied = json_u64(buf, "denied");
	s.events = json_u64(buf, "events");
	s.dropped = json_u64(buf, "dropped");
	s.errors = json_u64(buf, "errors");
	return s;
}

static int pinned(const char *name)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", pin_dir, name);
	fd = bpf_obj_get(p);
	if (fd < 0)
		die("cannot open %s: %s", p, strerror(errno));
	return fd;
}

/* ---- the configurations ---- */

enum group { G_NONE, G_EMPTY, G_EMPTY2, G_CPUGUARD, G_DIRECT, G_MEMO, G_LEAN, NGROUPS };
enum call { CALL_TIMER, CALL_SETAFFINITY, CALL_GETPPID };

static const char *const group_name[NGROUPS] = { "none", "empty", "empty2", "cpuguard", "direct", "memo", "lean" };

struct config {
	const char *name;
	enum group group;
	const char *cgroup; /* where the calling task is */
	const char *request; /* sched_setaffinity(0, request) */
	enum call call;
	int expect; /* 0 or EPERM */
	const char *what;
};

/* The confined cgroup (bench/conf) is confined to CPUs 1-2 by cpuguard,
 * bench-cpuset to the same CPUs by the cpuset controller. The depth chain
 * hangs below bench/conf: bench/conf/d1/d2/.../d16. */
#define CONFINED "bench/conf"
#define DEPTH1 CONFINED "/d1"
#define DEPTH8 DEPTH1 "/d2/d3/d4/d5/d6/d7/d8"
#define DEPTH16 DEPTH8 "/d9/d10/d11/d12/d13/d14/d15/d16"
#define UNCONFINED "bench/free"
#define CPUSET "bench-cpuset"
#define FLOOD "bench/flood"
#define ALLOWED "1-2"
#define DENIED "0-3"

#define VARIANT_CONFIGS(g, p, what)                                                                      \
	{ p "_unconfined", g, UNCONFINED, ALLOWED, CALL_SETAFFINITY, 0, what ", unconfined" },            \
	{ p "_allowed", g, CONFINED, ALLOWED, CALL_SETAFFINITY, 0, what ", confined, allowed" },          \
	{ p "_denied", g, CONFINED, DENIED, CALL_SETAFFINITY, EPERM, what ", confined, denied" },         \
	{ p "_depth1", g, DEPTH1, ALLOWED, CALL_SETAFFINITY, 0, what ", 1 level below" },                 \
	{ p "_depth16", g, DEPTH16, ALLOWED, CALL_SETAFFINITY, 0, what ", 16 levels below" }

static const struct config configs[] = {
	{ "timer", G_NONE, CONFINED, NULL, CALL_TIMER, 0, "two clock reads, no call (timer overhead)" },
	{ "nobpf", G_NONE, CONFINED, ALLOWED, CALL_SETAFFINITY, 0, "no BPF program attached" },
	{ "nobpf_d16", G_NONE, DEPTH16, ALLOWED, CALL_SETAFFINITY, 0, "no BPF, task 16 levels deeper" },
	{ "cpuset", G_NONE, CPUSET, ALLOWED, CALL_SETAFFINITY, 0, "cpuset.cpus " ALLOWED ", no BPF" },
	{ "getppid", G_NONE, CONFINED, NULL, CALL_GETPPID, 0, "getppid(), no BPF" },
	{ "empty", G_EMPTY, CONFINED, ALLOWED, CALL_SETAFFINITY, 0, "empty lsm/task_setscheduler" },
	{ "empty2", G_EMPTY2, CONFINED, ALLOWED, CALL_SETAFFINITY, 0,
	  "empty lsm/task_setscheduler + empty fentry/sched_setaffinity" },
	{ "getppid_e2", G_EMPTY2, CONFINED, NULL, CALL_GETPPID, 0, "getppid(), the two empty programs attached" },
	{ "unconfined", G_CPUGUARD, UNCONFINED, ALLOWED, CALL_SETAFFINITY, 0, "cpuguard, unconfined cgroup" },
	{ "allowed", G_CPUGUARD, CONFINED, ALLOWED, CALL_SETAFFINITY, 0, "cpuguard, confined, allowed" },
	{ "denied", G_CPUGUARD, CONFINED, DENIED, CALL_SETAFFINITY, EPERM, "cpuguard, confined, denied" },
	{ "depth1", G_CPUGUARD, DEPTH1, ALLOWED, CALL_SETAFFINITY, 0, "cpuguard, 1 level below the confined cgroup" },
	{ "depth8", G_CPUGUARD, DEPTH8, ALLOWED, CALL_SETAFFINITY, 0, "cpuguard, 8 levels below" },
	{ "depth16", G_CPUGUARD, DEPTH16, ALLOWED, CALL_SETAFFINITY, 0, "cpuguard, 16 levels below" },
	{ "getppid_cg", G_CPUGUARD, CONFINED, NULL, CALL_GETPPID, 0, "getppid(), cpuguard loaded, confined" },
	VARIANT_CONFIGS(G_DIRECT, "direct", "what-if judge_direct"),
	VARIANT_CONFIGS(G_MEMO, "memo", "what-if judge_memo"),
	VARIANT_CONFIGS(G_LEAN, "lean", "what-if judge_lean"),
};
#define NCONFIGS (sizeof(configs) / sizeof(configs[0]))

static struct bench_empty *empty;
static struct bench_fast *fast;
static struct bpf_link *links[2];
static struct ring_buffer *events_rb;
static uint64_t drained;

static int count_event(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	++*(uint64_t *)ctx;
	return 0;
}

static bool cpuset_was_on; /* in the root's subtree_control before us */

static void setup_cgroups(void)
{
	char p[256], ctl[256] = "";
	FILE *f = fopen(CGROOT "/cgroup.subtree_control", "r");

	if (f) {
		if (!fgets(ctl, sizeof(ctl), f))
			ctl[0] = 0;
		fclose(f);
	}
	cpuset_was_on = strstr(ctl, "cpuset") != NULL;
	mkcg(DEPTH16);
	mkcg(UNCONFINED);
	/* The cpuset controller in the root's children: every first-level
	 * cgroup gets a cpuset (bench's keeps all CPUs), so both sides pay
	 * for its lookup. */
	write_file(CGROOT "/cgroup.subtree_control", "+cpuset");
	mkcg(CPUSET);
	snprintf(p, sizeof(p), CGROOT "/%s/cpuset.cpus", CPUSET);
	write_file(p, ALLOWED);
	write_new_file(POLICY, "# cgbench\ncgroup /" CONFINED " " ALLOWED "\n");
}

static void cleanup_cgroups(void)
{
	char p[256];
	char *s;

	move_self("");
	snprintf(p, sizeof(p), "%s", DEPTH16);
	while ((s = strrchr(p, '/'))) { /* DEPTH16 up to bench/conf */
		rmcg(p);
		*s = 0;
	}
	rmcg(UNCONFINED);
	rmcg(FLOOD);
	rmcg(CPUSET);
	rmcg("bench");
	/* Leave the hierarchy as we found it for later tests. */
	int fd = cpuset_was_on ? -1 : open(CGROOT "/cgroup.subtree_control", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, "-cpuset", 7) < 0)
			fprintf(stderr, "cgbench: -cpuset: %s\n", strerror(errno));
		close(fd);
	}
}

static void load_empty(void)
{
	if (empty)
		return;
	empty = bench_empty__open_and_load();
	if (!empty)
		die("cannot load the empty BPF programs: %s", strerror(errno));
	own_prog(bpf_program__fd(empty->progs.empty_lsm));
	own_prog(bpf_program__fd(empty->progs.empty_fentry));
}

static bool attach_prog(int i, struct bpf_program *prog)
{
	links[i] = bpf_program__attach(prog);
	if (!links[i])
		fprintf(stderr, "cgbench: cannot attach %s: %s\n", bpf_program__name(prog), strerror(errno));
	return links[i] != NULL;
}

static unsigned possible_cpus(void)
{
	struct cg_cpumask m;
	unsigned n;

	if (cpulist_read_file("/sys/devices/system/cpu/possible", &m, &n))
		die("cannot read the possible CPUs");
	return n;
}

static int silence(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int loud(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

/* The what-if judge of group @g on cpuguard's own maps, in place of
 * cpuguard's programs. cpuguard must be loaded, with its policy applied;
 * afterwards it is unloaded (unpinned): the variant's references keep the
 * maps, and the policy in them, alive. */
static bool load_variant(enum group g)
{
	const struct {
		const char *pin;
		size_t off;
	} reuse[] = {
		{ PIN_FILE(policy_map), offsetof(struct bench_fast, maps.policy_map) },
		{ PIN_FILE(state_map), offsetof(struct bench_fast, maps.state_map) },
		{ PIN_FILE(stats_map), offsetof(struct bench_fast, maps.stats_map) },
		{ PIN_FILE(events), offsetof(struct bench_fast, maps.events) },
	};
	struct bpf_program *judge[] = { NULL, NULL, NULL };
	struct bpf_program *mine;
	unsigned n = possible_cpus(), tail = n % 64;
	libbpf_print_fn_t old;
	int err;

	fast = bench_fast__open();
	if (!fast)
		die("cannot open the variant object: %s", strerror(errno));
	fast->rodata->nr_cpu_ids = n;
	fast->rodata->nr_cpu_words = (n + 63) / 64;
	fast->rodata->last_word_mask = tail ? (1ULL << tail) - 1 : ~0ULL;
	for (size_t i = 0; i < sizeof(reuse) / sizeof(reuse[0]); i++) {
		struct bpf_map *map = *(struct bpf_map **)((char *)fast + reuse[i].off);
		int fd = pinned(reuse[i].pin);

		if (bpf_map__reuse_fd(map, fd))
			die("cannot reuse %s", reuse[i].pin);
		close(fd);
	}
	judge[0] = fast->progs.judge_direct;
	judge[1] = fast->progs.judge_memo;
	judge[2] = fast->progs.judge_lean;
	mine = judge[g - G_DIRECT];
	for (int i = 0; i < 3; i++)
		bpf_program__set_autoload(judge[i], judge[i] == mine);
	old = libbpf_set_print(getenv("CGBENCH_VERBOSE") ? loud : silence);
	err = bench_fast__load(fast);
	libbpf_set_print(old);
	if (err) {
		printf("VARIANT group=%s skipped=\"load failed: %s (cpuguard's maps changed?)\"\n", group_name[g],
		       strerror(-err));
		bench_fast__destroy(fast);
		fast = NULL;
		return false;
	}
	if (!attach_prog(0, fast->progs.capture_affinity_request) || !attach_prog(1, mine))
		die("cannot attach the variant");
	own_prog(bpf_program__fd(fast->progs.capture_affinity_request));
	own_prog(bpf_program__fd(mine));
	return true;
}

static int events_fd(enum group g)
{
	return g == G_CPUGUARD ? pinned(PIN_FILE(events)) : dup(bpf_map__fd(fast->maps.events));
}

/* Returns false if the group cannot run (a variant that does not load). */
static bool group_enter(enum group g)
{
	bool ok = true;
	int fd;

	trace("<2>cgbench: enter %s\n", group_name[g]);
	switch (g) {
	case G_NONE:
		break;
	case G_EMPTY:
		load_empty();
		ok = attach_prog(0, empty->progs.empty_lsm);
		break;
	case G_EMPTY2:
		load_empty();
		ok = attach_prog(0, empty->progs.empty_lsm) && attach_prog(1, empty->progs.empty_fentry);
		break;
	default:
		move_self("");
		cpuguard("load", NULL);
		cpuguard("apply", POLICY);
		if (g != G_CPUGUARD) {
			ok = load_variant(g);
			cpuguard_unload();
			if (!ok)
				return false;
		}
		fd = events_fd(g);
		events_rb = ring_buffer__new(fd, count_event, &drained, NULL);
		close(fd);
		if (!events_rb)
			die("cannot open the event ring buffer: %s", strerror(errno));
		break;
	}
	if (!ok)
		die("cannot attach the programs of group %s", group_name[g]);
	return true;
}

static void group_leave(enum group g)
{
	trace("<2>cgbench: leave %s\n", group_name[g]);
	for (int i = 0; i < 2; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	ring_buffer__free(events_rb);
	events_rb = NULL;
	if (g == G_CPUGUARD) {
		move_self("");
		cpuguard_unload();
	}
	if (fast) {
		bench_fast__destroy(fast);
		fast = NULL;
		nown = empty ? 2 : 0; /* the variant's ids are gone with it */
	}
}

/* Calls between two drains of the event ring buffer: a denial writes one
 * event (about 350 bytes) and the buffer holds 4 MiB, so it never fills
 * and every denial pays for writing its event, as with a reader that keeps
 * up. Draining is not timed. */
#define DRAIN_EVERY 2000

/* @n calls of @c, each timed alone into @lat (may be NULL). */
static void run_calls(const struct config *c, int n, uint64_t *lat)
{
	cpu_set_t req;
	int bad = 0;
	long rc;

	if (c->request)
		mask_of(c->request, &req);
	for (int i = 0; i < n; i++) {
		uint64_t t0, t1;

		if (events_rb && i % DRAIN_EVERY == 0)
			ring_buffer__consume(events_rb);
		switch (c->call) {
		case CALL_TIMER:
			t0 = now_ns();
			t1 = now_ns();
			rc = 0;
			break;
		case CALL_SETAFFINITY:
			t0 = now_ns();
			rc = syscall(SYS_sched_setaffinity, 0, sizeof(req), &req);
			t1 = now_ns();
			if (rc)
				rc = errno;
			break;
		default:
			t0 = now_ns();
			rc = syscall(SYS_getppid);
			t1 = now_ns();
			rc = rc > 0 ? 0 : errno;
			break;
		}
		if (lat)
			lat[i] = t1 - t0;
		bad += rc != c->expect;
	}
	if (events_rb)
		ring_buffer__consume(events_rb);
	if (bad)
		die("%s: %d of %d calls did not return %s", c->name, bad, n, c->expect ? "EPERM" : "success");
}

/* Put the task where @c wants it, with an allowed affinity. */
static void enter_config(const struct config *c)
{
	move_self(c->cgroup);
	set_affinity(0, ALLOWED);
}

struct result {
	double median, p99;
};

static struct result results[NCONFIGS][MAX_ROUNDS];

static int config_index(const char *name)
{
	for (size_t i = 0; i < NCONFIGS; i++)
		if (!strcmp(configs[i].name, name))
			return (int)i;
	die("no configuration %s", name);
	return -1;
}

static void measure(int ci, int round, int calls, int warmup, uint64_t *lat)
{
	const struct config *c = &configs[ci];
	struct result *r = &results[ci][round];
	double sum = 0;

	enter_config(c);
	trace("<2>cgbench: measure %s\n", c->name);
	run_calls(c, warmup, NULL);
	run_calls(c, calls, lat);
	for (int i = 0; i < calls; i++)
		sum += lat[i];
	r->p99 = quantile_u64(lat, calls, 0.99);
	r->median = quantile_u64(lat, calls, 0.5);
	printf("LAT round=%d config=%s median_ns=%.0f p99_ns=%.0f mean_ns=%.0f calls=%d\n", round, c->name,
	       r->median, r->p99, sum / calls, calls);
}

/* Ratios reported besides every configuration / nobpf: numerator /
 * denominator, per round, then the median over rounds. */
static const char *const ratios[][2] = {
	{ "allowed", "empty" },		  { "unconfined", "empty" },	{ "allowed", "empty2" },
	{ "unconfined", "empty2" },	  { "denied", "empty2" },	{ "allowed", "cpuset" },
	{ "depth8", "depth1" },		  { "depth16", "depth1" },	{ "getppid_cg", "getppid" },
	{ "getppid_e2", "getppid" },	  { "direct_allowed", "empty2" }, { "direct_unconfined", "empty2" },
	{ "direct_depth16", "direct_depth1" }, { "memo_allowed", "empty2" }, { "memo_unconfined", "empty2" },
	{ "memo_depth16", "memo_depth1" },   { "lean_allowed", "empty2" }, { "lean_unconfined", "empty2" },
	{ "lean_depth16", "lean_depth1" },
};

static void print_ratio(int a, int b, int rounds)
{
	int ti = config_index("timer"), nb = config_index("nobpf"), n = 0;
	double v[MAX_ROUNDS], p[MAX_ROUNDS], over[MAX_ROUNDS], lo = 1e9, hi = 0;

	for (int r = 0; r < rounds; r++) {
		double t = results[ti][r].median;

		if (!results[a][r].median || !results[b][r].median)
			continue;
		v[n] = (results[a][r].median - t) / (results[b][r].median - t);
		p[n] = (results[a][r].p99 - t) / (results[b][r].p99 - t);
		/* Extra time over the denominator, in units of the no-BPF
		 * latency: how far above a floor something sits. */
		over[n] = (results[a][r].median - results[b][r].median) / (results[nb][r].median - t);
		lo = v[n] < lo ? v[n] : lo;
		hi = v[n] > hi ? v[n] : hi;
		n++;
	}
	if (n)
		printf("RATIO num=%s den=%s median=%.3f p99=%.3f min=%.3f max=%.3f over_nobpf=%.3f rounds=%d\n",
		       configs[a].name, configs[b].name, median_dbl(v, n), median_dbl(p, n), lo, hi,
		       median_dbl(over, n), n);
}

/* Latencies net of the timer: each round's timer median (two clock reads
 * with nothing between) is taken off every median and p99 of that round. */
static void summarize(int rounds)
{
	int nb = config_index("nobpf");
	double v[MAX_ROUNDS], p[MAX_ROUNDS];

	for (size_t ci = 0; ci < NCONFIGS; ci++) {
		int n = 0;

		for (int r = 0; r < rounds; r++) {
			if (!results[ci][r].median)
				continue; /* did not run */
			v[n] = results[ci][r].median;
			p[n++] = results[ci][r].p99;
		}
		if (n)
			printf("CONFIG config=%s group=%s median_ns=%.0f p99_ns=%.0f rounds=%d what=\"%s\"\n",
			       configs[ci].name, group_name[configs[ci].group], median_dbl(v, n), median_dbl(p, n), n,
			       configs[ci].what);
	}
	for (size_t ci = 0; ci < NCONFIGS; ci++)
		if (configs[ci].call == CALL_SETAFFINITY && (int)ci != nb)
			print_ratio(ci, nb, rounds);
	for (size_t i = 0; i < sizeof(ratios) / sizeof(ratios[0]); i++)
		print_ratio(config_index(ratios[i][0]), config_index(ratios[i][1]), rounds);
}

static void destroy_empty(void)
{
	bench_empty__destroy(empty);
	empty = NULL;
	nown = 0;
}

static int bench_lat(int rounds, int calls, bool variants)
{
	int warmup = calls / 10 > 1000 ? 1000 : calls / 10;
	uint64_t *lat = calloc(calls, sizeof(*lat));
	int ngroups = variants ? NGROUPS : G_CPUGUARD + 1;

	if (!lat)
		die("out of memory");
	if (rounds < 1 || rounds > MAX_ROUNDS)
		die("rounds: 1..%d", MAX_ROUNDS);
	setup_cgroups();
	for (int r = 0; r < rounds; r++) {
		uint64_t t0 = now_ns();

		/* Every group once per round, starting one further each round. */
		for (int gi = 0; gi < ngroups; gi++) {
			enum group g = (gi + r) % ngroups;

			if (!group_enter(g))
				continue;
			for (size_t ci = 0; ci < NCONFIGS; ci++)
				if (configs[ci].group == g)
					measure(ci, r, calls, warmup, lat);
			group_leave(g);
		}
		printf("ROUND round=%d seconds=%.2f\n", r, (now_ns() - t0) / 1e9);
	}
	summarize(rounds);
	destroy_empty();
	cleanup_cgroups();
	free(lat);
	return 0;
}

/* ---- BPF statistics ---- */

struct prog_stat {
	int fd;
	const char *label;
	uint64_t cnt, ns, misses;
};

static void read_prog_stat(struct prog_stat *s)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(s->fd, &info, &len))
		die("BPF_OBJ_GET_INFO_BY_FD: %s", strerror(errno));
	s->cnt = info.run_cnt;
	s->ns = info.run_time_ns;
	s->misses = info.recursion_misses;
}

/* The program behind a pinned link. */
static int prog_of_link(const char *pin)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	int lfd = pinned(pin), pfd;

	if (bpf_obj_get_info_by_fd(lfd, &info, &len))
		die("link info of %s: %s", pin, strerror(errno));
	close(lfd);
	pfd = bpf_prog_get_fd_by_id(info.prog_id);
	if (pfd < 0)
		die("program %u of %s: %s", info.prog_id, pin, strerror(errno));
	return pfd;
}

/* ns per run of [config][fentry or lsm program][round] */
static double prog_ns[NCONFIGS][2][MAX_ROUNDS];
static const char *prog_label[NCONFIGS][2];

/* Calls per batch: the statistics are sums, so one host-side preemption
 * of the vCPU inside a program (milliseconds under a loaded host) would
 * swamp the mean of a whole run. The mean of each batch of calls is taken,
 * then the median over batches. */
#define STATS_BATCH 500

static void stats_config(int ci, int round, int slot, struct prog_stat *ps, int calls)
{
	const struct config *c = &configs[ci];
	int nb = calls / STATS_BATCH > 0 ? calls / STATS_BATCH : 1;
	double *per = calloc(2 * (size_t)nb, sizeof(*per));
	uint64_t cnt0[2], ns0[2], mis0[2], cnt[2] = { 0, 0 }, ns[2] = { 0, 0 }, mis[2] = { 0, 0 };

	if (!per)
		die("out of memory");
	enter_config(c);
	run_calls(c, calls / 10, NULL);
	for (int b = 0; b < nb; b++) {
		for (int i = 0; i < 2; i++) {
			read_prog_stat(&ps[i]);
			cnt0[i] = ps[i].cnt, ns0[i] = ps[i].ns, mis0[i] = ps[i].misses;
		}
		run_calls(c, STATS_BATCH, NULL);
		for (int i = 0; i < 2; i++) {
			read_prog_stat(&ps[i]);
			cnt[i] += ps[i].cnt - cnt0[i];
			ns[i] += ps[i].ns - ns0[i];
			mis[i] += ps[i].misses - mis0[i];
			per[i * nb + b] = ps[i].cnt > cnt0[i] ? (double)(ps[i].ns - ns0[i]) / (ps[i].cnt - cnt0[i]) : 0;
		}
	}
	for (int i = 0; i < 2; i++) {
		double *v = per + i * nb;

		qsort(v, nb, sizeof(*v), cmp_dbl);
		prog_ns[ci][i][slot] = nb % 2 ? v[nb / 2] : (v[nb / 2 - 1] + v[nb / 2]) / 2;
		prog_label[ci][i] = ps[i].label;
		printf("STATS round=%d config=%s prog=%s calls=%d run_cnt=%llu run_time_ns=%llu mean_ns=%.0f "
		       "ns_per_run=%.0f recursion_misses=%llu\n",
		       round, c->name, ps[i].label, nb * STATS_BATCH, (unsigned long long)cnt[i],
		       (unsigned long long)ns[i], cnt[i] ? (double)ns[i] / cnt[i] : 0.0, prog_ns[ci][i][slot],
		       (unsigned long long)mis[i]);
	}
	free(per);
}

static int bench_stats(int rounds, int calls, bool variants)
{
	static const enum group groups[] = { G_EMPTY2, G_CPUGUARD, G_DIRECT, G_MEMO, G_LEAN };
	int ngroups = variants ? 5 : 2, ran[NCONFIGS] = { 0 };
	struct prog_stat ps[2];

	if (rounds < 1 || rounds > MAX_ROUNDS)
		die("rounds: 1..%d", MAX_ROUNDS);
	setup_cgroups();
	write_file("/proc/sys/kernel/bpf_stats_enabled", "1");
	for (int r = 0; r < rounds; r++) {
		for (int gi = 0; gi < ngroups; gi++) {
			enum group g = groups[gi];

			if (!group_enter(g))
				continue;
			if (g == G_EMPTY2) {
				ps[0] = (struct prog_stat){ .fd = dup(bpf_program__fd(empty->progs.empty_fentry)),
							    .label = "empty_fentry" };
				ps[1] = (struct prog_stat){ .fd = dup(bpf_program__fd(empty->progs.empty_lsm)),
							    .label = "empty_lsm" };
			} else if (g == G_CPUGUARD) {
				ps[0] = (struct prog_stat){ .fd = prog_of_link(PIN_FILE(link_capture)),
							    .label = "capture_affinity_request" };
				ps[1] = (struct prog_stat){ .fd = prog_of_link(PIN_FILE(link_judge)),
							    .label = "judge_affinity_request" };
			} else {
				ps[0] = (struct prog_stat){ .fd = dup(bpf_program__fd(fast->progs.capture_affinity_request)),
							    .label = "capture_affinity_request(variant)" };
				ps[1] = (struct prog_stat){ .label = g == G_DIRECT ? "judge_direct"
								     : g == G_MEMO ? "judge_memo"
										   : "judge_lean" };
				ps[1].fd = dup(bpf_program__fd(g == G_DIRECT ? fast->progs.judge_direct
							       : g == G_MEMO ? fast->progs.judge_memo
									     : fast->progs.judge_lean));
			}
			for (size_t ci = 0; ci < NCONFIGS; ci++) {
				if (configs[ci].group != g || configs[ci].call == CALL_TIMER)
					continue;
				stats_config(ci, r, ran[ci], ps, calls);
				ran[ci]++;
			}
			close(ps[0].fd);
			close(ps[1].fd);
			group_leave(g);
		}
	}
	write_file("/proc/sys/kernel/bpf_stats_enabled", "0");
	for (size_t ci = 0; ci < NCONFIGS; ci++)
		for (int i = 0; ran[ci] && i < 2; i++)
			printf("STATSUM config=%s prog=%s ns_per_run=%.0f rounds=%d\n", configs[ci].name,
			       prog_label[ci][i], median_dbl(prog_ns[ci][i], ran[ci]), ran[ci]);
	destroy_empty();
	cleanup_cgroups();
	return 0;
}

/* ---- apply ---- */

static void write_policy(const char *path, int n, bool inline_lists)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die("cannot write %s: %s", path, strerror(errno));
	if (!inline_lists)
		fprintf(f, "set work %s\n", ALLOWED);
	for (int i = 0; i < n; i++)
		fprintf(f, "cgroup /apply/c%05d %s\n", i, inline_lists ? ALLOWED : "work");
	if (fclose(f))
		die("cannot write %s: %s", path, strerror(errno));
}

static int bench_apply(const char *sizes, int reps)
{
	int n[16], nn = 0, max = 0;
	char path[64], *end;
	const char *s = sizes;
	uint64_t t0;

	while (*s && nn < 16) {
		n[nn] = strtol(s, &end, 10);
		if (end == s || n[nn] < 1 || n[nn] > CPUGUARD_MAX_ENTRIES)
			die("bad --sizes %s", sizes);
		max = n[nn] > max ? n[nn] : max;
		nn++;
		s = *end == ',' ? end + 1 : end;
	}
	move_self("");
	mkcg("apply");
	t0 = now_ns();
	for (int i = 0; i < max; i++) {
		snprintf(path, sizeof(path), "apply/c%05d", i);
		mkcg(path);
	}
	printf("APPLY_SETUP cgroups=%d mkdir_ms=%.1f\n", max, (now_ns() - t0) / 1e6);
	cpuguard("load", NULL);
	for (int k = 0; k < nn; k++) {
		for (int form = 0; form < 2; form++) {
			const char *fname = form ? "inline" : "set";
			struct prog_stat ps[2] = {
				{ .fd = pinned(PIN_FILE(policy_install)), .label = "policy_install" },
				{ .fd = pinned(PIN_FILE(set_create)), .label = "set_create" },
			};

			snprintf(path, sizeof(path), "/tmp/apply-%d-%s.conf", n[k], fname);
			write_policy(path, n[k], form);
			for (int r = 0; r < reps; r++) {
				uint64_t check = cpuguard("check", path);
				uint64_t apply = cpuguard("apply", path);

				printf("APPLY entries=%d form=%s rep=%d apply_ms=%.1f check_ms=%.1f\n", n[k], fname, r,
				       apply / 1e6, check / 1e6);
				fflush(stdout);
			}
			/* One more, with the BPF statistics on, to see how much
			 * of it the installing programs take. */
			write_file("/proc/sys/kernel/bpf_stats_enabled", "1");
			read_prog_stat(&ps[0]);
			read_prog_stat(&ps[1]);
			uint64_t c0 = ps[0].cnt, n0 = ps[0].ns, c1 = ps[1].cnt, n1 = ps[1].ns;
			uint64_t apply = cpuguard("apply", path);
			read_prog_stat(&ps[0]);
			read_prog_stat(&ps[1]);
			write_file("/proc/sys/kernel/bpf_stats_enabled", "0");
			/* With CGBENCH_PERF=DIR, the largest apply once more under
			 * perf, into DIR/apply-ENTRIES-FORM.data (bench.sh reports it). */
			if (getenv("CGBENCH_PERF") && k == nn - 1) {
				char data[256];
				char *argv[] = { "perf", "record", "-q", "-a", "-g", "-F", "1999", "-e", "cpu-clock",
						 "-o", data, "--", (char *)cpuguard_bin, "apply", path, NULL };

				snprintf(data, sizeof(data), "%s/apply-%d-%s.data", getenv("CGBENCH_PERF"), n[k], fname);
				if (run_argv(argv, -1, NULL))
					fprintf(stderr, "cgbench: perf record failed\n");
			}
			printf("APPLY_STATS entries=%d form=%s apply_ms=%.1f install_runs=%llu install_ms=%.2f "
			       "create_runs=%llu create_ms=%.2f\n",
			       n[k], fname, apply / 1e6, (unsigned long long)(ps[0].cnt - c0), (ps[0].ns - n0) / 1e6,
			       (unsigned long long)(ps[1].cnt - c1), (ps[1].ns - n1) / 1e6);
			fflush(stdout);
			close(ps[0].fd);
			close(ps[1].fd);
			unlink(path);
		}
	}
	cpuguard_unload();
	t0 = now_ns();
	for (int i = 0; i < max; i++) {
		snprintf(path, sizeof(path), "apply/c%05d", i);
		rmcg(path);
	}
	rmcg("apply");
	printf("APPLY_CLEANUP rmdir_ms=%.1f\n", (now_ns() - t0) / 1e6);
	return 0;
}

/* ---- audit under a denial flood ---- */

#define AUDIT_OUT "/tmp/cgbench-audit.jsonl"

static volatile int flood_stop;
static pthread_barrier_t flood_start;

struct flooder {
	pthread_t th;
	int cpu;
	uint64_t eperm, other;
};

static void *flood(void *arg)
{
	struct flooder *f = arg;
	cpu_set_t mine, req;

	CPU_ZERO(&mine);
	CPU_SET(f->cpu, &mine);
	if (sched_setaffinity(0, sizeof(mine), &mine))
		f->other++;
	mask_of(DENIED, &req);
	pthread_barrier_wait(&flood_start);
	while (!flood_stop) {
		if (syscall(SYS_sched_setaffinity, 0, sizeof(req), &req) == 0)
			f->other++;
		else if (errno == EPERM)
			f->eperm++;
		else
			f->other++;
	}
	return NULL;
}

/* Lines in a growing file, counted from where the last call stopped. */
static uint64_t count_lines(int fd, uint64_t *lines)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; (p = memchr(p, '\n', buf + n - p)); p++)
			++*lines;
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

static int bench_audit(int nthreads, double seconds, enum reader reader)
{
	static const char *const rname[] = { "cli", "cli_null", "raw" };
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), out_fd = -1, in_fd = -1;
	char reader_cpu[16], flood_cpus[16], policy[128];
	struct flooder *fl = calloc(nthreads, sizeof(*fl));
	struct ring_buffer *rb = NULL;
	pthread_t raw_th;
	pid_t rpid = -1;
	uint64_t lines = 0, lines_flood, eperm = 0, other = 0, t0, t1, t2;
	struct status s0, s1;

	if (ncpu < 2 || !fl)
		die("audit needs 2 CPUs");
	/* The flooders on CPUs 0..ncpu-2 (the cgroup's CPUs, so an allowed
	 * request pins each), the reader alone on the last CPU. */
	snprintf(flood_cpus, sizeof(flood_cpus), "0-%d", ncpu - 2);
	snprintf(reader_cpu, sizeof(reader_cpu), "%d", ncpu - 1);
	snprintf(policy, sizeof(policy), "cgroup /%s %s\n", FLOOD, flood_cpus);
	move_self("");
	mkcg(FLOOD);
	write_new_file(POLICY, policy);
	cpuguard("load", NULL);
	cpuguard("apply", POLICY);

	if (reader == READER_RAW) {
		int fd = pinned(PIN_FILE(events));

		rb = ring_buffer__new(fd, count_event, &raw_events, NULL);
		close(fd);
		if (!rb)
			die("ring buffer: %s", strerror(errno));
		set_affinity(0, reader_cpu); /* the thread inherits it */
		pthread_create(&raw_th, NULL, raw_reader, rb);
	} else {
		char *argv[] = { (char *)cpuguard_bin, "audit", "--follow", "--json", NULL };
		posix_spawn_file_actions_t fa;

		out_fd = open(reader == READER_CLI ? AUDIT_OUT : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		in_fd = open(AUDIT_OUT, O_RDONLY | O_CREAT, 0644);
		if (out_fd < 0 || in_fd < 0)
			die("cannot open %s: %s", AUDIT_OUT, strerror(errno));
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
		set_affinity(0, reader_cpu); /* inherited by the reader */
		if ((errno = posix_spawnp(&rpid, argv[0], &fa, NULL, argv, environ)))
			die("cannot run cpuguard audit: %s", strerror(errno));
		posix_spawn_file_actions_destroy(&fa);
	}
	set_affinity(0, flood_cpus);
	move_self(FLOOD);

	/* One denial first: the flood starts only once the reader sees events. */
	{
		cpu_set_t req;
		uint64_t deadline = now_ns() + 20000000000ull;

		mask_of(DENIED, &req);
		if (syscall(SYS_sched_setaffinity, 0, sizeof(req), &req) == 0 || errno != EPERM)
			die("the probe request was not denied");
		while (reader != READER_NULL) {
			uint64_t seen = reader == READER_RAW ? __atomic_load_n(&raw_events, __ATOMIC_RELAXED)
							     : count_lines(in_fd, &lines);

			if (seen >= 1)
				break;
			if (now_ns() > deadline)
				die("the audit reader never delivered the probe event");
			usleep(20000);
		}
		if (reader == READER_NULL)
			usleep(1000000); /* cannot see it: give it a second */
	}
	s0 = cpuguard_status();
	uint64_t raw0 = raw_events, lines0 = lines;

	pthread_barrier_init(&flood_start, NULL, nthreads + 1);
	for (int i = 0; i < nthreads; i++) {
		fl[i].cpu = i % (ncpu - 1);
		pthread_create(&fl[i].th, NULL, flood, &fl[i]);
	}
	pthread_barrier_wait(&flood_start);
	t0 = now_ns();
	usleep((useconds_t)(seconds * 1e6));
	flood_stop = 1;
	for (int i = 0; i < nthreads; i++) {
		pthread_join(fl[i].th, NULL);
		eperm += fl[i].eperm;
		other += fl[i].other;
	}
	t1 = now_ns();
	lines_flood = (reader == READER_CLI ? count_lines(in_fd, &lines) : reader == READER_RAW ? raw_events : 0);
	s1 = cpuguard_status();

	/* Let the reader drain what the ring buffer still holds. */
	uint64_t events = s1.events - s0.events, got = 0, last = ~0ull, idle_since = now_ns();
	for (;;) {
		got = reader == READER_CLI ? count_lines(in_fd, &lines) - lines0
		      : reader == READER_RAW ? __atomic_load_n(&raw_events, __ATOMIC_RELAXED) - raw0
					     : events;
		if (got >= events)
			break;
		if (got != last) {
			last = got;
			idle_since = now_ns();
		} else if (now_ns() - idle_since > 5000000000ull) {
			break; /* stuck: report what arrived */
		}
		usleep(20000);
	}
	t2 = now_ns();
	if (reader == READER_RAW) {
		raw_stop = 1;
		pthread_join(raw_th, NULL);
		ring_buffer__free(rb);
	} else {
		int st;

		if (reader == READER_NULL)
			usleep(2000000); /* nothing to count: give it time to drain */
		kill(rpid, SIGTERM);
		waitpid(rpid, &st, 0);
		if (reader == READER_CLI)
			got = count_lines(in_fd, &lines) - lines0;
		close(out_fd);
		close(in_fd);
	}
	if (reader == READER_CLI)
		lines_flood -= lines0;
	else if (reader == READER_RAW)
		lines_flood -= raw0;

	uint64_t denied = s1.denied - s0.denied, dropped = s1.dropped - s0.dropped;
	double fs = (t1 - t0) / 1e9, ds = (t2 - t0) / 1e9;
	bool exact = events + dropped == denied && denied == eperm && other == 0 &&
		     (reader == READER_NULL || got == events);

	printf("AUDIT reader=%s threads=%d seconds=%.2f denied=%llu thread_eperm=%llu other=%llu "
	       "denial_rate=%.0f events=%llu dropped=%llu delivered=%llu delivered_pct=%.2f "
	       "delivered_during_flood=%llu delivered_rate=%.0f drain_seconds=%.2f exact=%s\n",
	       rname[reader], nthreads, fs, (unsigned long long)denied, (unsigned long long)eperm,
	       (unsigned long long)other, denied / fs, (unsigned long long)events, (unsigned long long)dropped,
	       (unsigned long long)(reader == READER_NULL ? events : got),
	       denied ? 100.0 * (reader == READER_NULL ? events : got) / denied : 0.0,
	       (unsigned long long)lines_flood, (reader == READER_NULL ? events : got) / ds, ds - fs,
	       exact ? "yes" : "no");
	fflush(stdout);

	move_self("");
	snprintf(flood_cpus, sizeof(flood_cpus), "0-%d", ncpu - 1);
	set_affinity(0, flood_cpus);
	cpuguard_unload();
	rmcg(FLOOD);
	rmcg("bench");
	unlink(AUDIT_OUT);
	free(fl);
	return exact ? 0 : 1;
}

/* Run one configuration's calls untimed for @seconds while perf samples
 * every CPU into @data. perf starts first, so that it sees the programs
 * being loaded and can name them; its samples carry CLOCK_MONOTONIC time
 * stamps, and "SPIN start= end=" tells which of them are the calls. */
static int bench_spin(const char *name, double seconds, const char *data)
{
	const struct config *c = &configs[config_index(name)];
	char *argv[] = { "perf", "record", "-q", "-a", "-F", "1999", "-e", "cpu-clock", "-k", "CLOCK_MONOTONIC",
			 "-o", (char *)data, NULL };
	posix_spawn_file_actions_t fa;
	uint64_t start, end;
	pid_t pid;
	int st;

	setup_cgroups();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if ((errno = posix_spawnp(&pid, "perf", &fa, NULL, argv, environ)))
		die("cannot run perf: %s", strerror(errno));
	posix_spawn_file_actions_destroy(&fa);
	usleep(1500000); /* perf sets up its buffers */
	if (group_enter(c->group)) {
		enter_config(c);
		run_calls(c, 1000, NULL);
		start = now_ns();
		end = start + (uint64_t)(seconds * 1e9);
		while (now_ns() < end)
			run_calls(c, 1000, NULL);
		end = now_ns();
		group_leave(c->group);
		printf("SPIN config=%s start=%llu.%06llu end=%llu.%06llu\n", name,
		       (unsigned long long)(start / 1000000000), (unsigned long long)(start % 1000000000 / 1000),
		       (unsigned long long)(end / 1000000000), (unsigned long long)(end % 1000000000 / 1000));
	}
	kill(pid, SIGINT);
	waitpid(pid, &st, 0);
	destroy_empty();
	cleanup_cgroups();
	return 0;
}

/* ---- what the audit reader does per event ---- */

/* The steps cmd/audit.c takes for each event with --json, timed one by one
 * (a copy of its formatting, for the profile only). */
static int bench_fmt(int n)
{
	struct cpuguard_event e = {
		.time_ns = 123456789012ull, .cgroup_id = 1234, .policy_cgroup_id = 1234, .action = CPUGUARD_DENY,
		.pid = 100, .tid = 101, .target_pid = 100, .target_tid = 101, .nr_cpu_ids = 4,
		.comm = "cgbench", .target_comm = "cgbench",
	};
	char req[CPUGUARD_EVENT_CPUS * 6], allowed[CPUGUARD_EVENT_CPUS * 6], tbuf[64];
	FILE *null = fopen("/dev/null", "w");
	int fd = open("/dev/null", O_WRONLY);
	uint64_t t0, t[6], all[5][4];
	volatile size_t sink = 0;

	if (!null || fd < 0)
		die("/dev/null: %s", strerror(errno));
	e.requested[0] = 0xf;
	e.allowed[0] = 0x6;
	/* Five times over; each step's median (the host is shared). */
	for (int rep = 0; rep < 5; rep++) {
	/* 1. two masks to CPU lists, as format_mask() does */
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		struct cg_cpumask m = { 0 };

		memcpy(m.bits, e.requested, CPUGUARD_EVENT_WORDS * sizeof(uint64_t));
		cpulist_format(&m, req, sizeof(req));
		memset(&m, 0, sizeof(m));
		memcpy(m.bits, e.allowed, CPUGUARD_EVENT_WORDS * sizeof(uint64_t));
		cpulist_format(&m, allowed, sizeof(allowed));
		sink += req[0] + allowed[0];
	}
	t[0] = now_ns() - t0;
	/* 2. the time stamp, as format_time() does */
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		time_t sec = (time_t)(e.time_ns / 1000000000) + 1700000000;
		struct tm tm;
		size_t k;

		gmtime_r(&sec, &tm);
		k = strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(tbuf + k, sizeof(tbuf) - k, ".%09lldZ", (long long)(e.time_ns % 1000000000));
		sink += tbuf[0];
	}
	t[1] = now_ns() - t0;
	/* 3. the JSON line into stdio's buffer, as print_json() does */
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		fprintf(null, "{\"time\": \"%s\", \"action\": \"%s\", \"pid\": %u, \"tid\": %u, \"comm\": ", tbuf,
			"deny", e.pid, e.tid);
		json_write_string_n(null, e.comm, strnlen(e.comm, sizeof(e.comm)));
		fprintf(null, ", \"target_pid\": %u, \"target_tid\": %u, \"target_comm\": ", e.target_pid,
			e.target_tid);
		json_write_string_n(null, e.target_comm, strnlen(e.target_comm, sizeof(e.target_comm)));
		fprintf(null, ", \"cgroup\": ");
		json_write_string(null, "/bench/flood");
		fprintf(null, ", \"cgroup_id\": %llu, \"policy_cgroup\": ", (unsigned long long)e.cgroup_id);
		json_write_string(null, "/bench/flood");
		fprintf(null, ", \"requested\": \"%s\", \"allowed\": \"%s\", \"truncated\": %s}\n", req, allowed,
			"false");
	}
	fflush(null);
	t[2] = now_ns() - t0;
	/* 4. one write() per event, as the fflush() after each event does */
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		sink += write(fd, req, 330) > 0; /* a JSON line is about 330 bytes */
	t[3] = now_ns() - t0;
	memcpy(all[rep], t, sizeof(all[rep]));
	}
	for (int k = 0; k < 4; k++) {
		uint64_t v[5];

		for (int rep = 0; rep < 5; rep++)
			v[rep] = all[rep][k];
		t[k] = quantile_u64(v, 5, 0.5);
	}
	/* 5. everything above, per event, for comparison with the reader's rate */
	printf("FMT step=masks ns_per_event=%.0f\n", (double)t[0] / n);
	printf("FMT step=time ns_per_event=%.0f\n", (double)t[1] / n);
	printf("FMT step=json ns_per_event=%.0f\n", (double)t[2] / n);
	printf("FMT step=write ns_per_event=%.0f\n", (double)t[3] / n);
	printf("FMT step=total ns_per_event=%.0f\n", (double)(t[0] + t[1] + t[2] + t[3]) / n);
	fclose(null);
	close(fd);
	return sink == (size_t)-1;
}

static void usage(void)
{
	fprintf(stderr, "usage: cgbench lat [--rounds R] [--calls N] [--variants 0|1]\n"
			"       cgbench stats [--rounds R] [--calls N] [--variants 0|1]\n"
			"       cgbench fmt [--calls N]\n"
			"       cgbench spin CONFIG PERF_DATA [--seconds S]\n"
			"       cgbench apply [--sizes N,N,...] [--reps R]\n"
			"       cgbench audit [--threads T] [--seconds S] [--reader cli|null|raw]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int rounds = 11, calls = 20000, reps = 3, threads = 3, variants = 1;
	const char *sizes = "100,1000,10000", *cmd, *reader = "cli";
	double seconds = 3;

	if (argc < 2)
		usage();
	cmd = argv[1];
	/* spin takes the configuration's name and a file first */
	for (int i = strcmp(cmd, "spin") ? 2 : 4; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		if (!strcmp(o, "--rounds"))
			rounds = atoi(v);
		else if (!strcmp(o, "--calls"))
			calls = atoi(v);
		else if (!strcmp(o, "--sizes"))
			sizes = v;
		else if (!strcmp(o, "--reps"))
			reps = atoi(v);
		else if (!strcmp(o, "--threads"))
			threads = atoi(v);
		else if (!strcmp(o, "--seconds"))
			seconds = atof(v);
		else if (!strcmp(o, "--variants"))
			variants = atoi(v);
		else if (!strcmp(o, "--reader"))
			reader = v;
		else
			usage();
		i++;
	}
	if (getenv("CGBENCH_CPUGUARD"))
		cpuguard_bin = getenv("CGBENCH_CPUGUARD");
	if (calls < 100)
		die("--calls: at least 100");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "lat"))
		return bench_lat(rounds, calls, variants);
	if (!strcmp(cmd, "stats"))
		return bench_stats(rounds, calls, variants);
	if (!strcmp(cmd, "fmt"))
		return bench_fmt(calls);
	if (!strcmp(cmd, "spin") && argc >= 4)
		return bench_spin(argv[2], seconds, argv[3]);
	if (!strcmp(cmd, "apply"))
		return bench_apply(sizes, reps);
	if (!strcmp(cmd, "audit"))
		return bench_audit(threads, seconds,
				 !strcmp(reader, "raw")	 ? READER_RAW
				 : !strcmp(reader, "null") ? READER_NULL
							   : READER_CLI);
	usage();
	return 2;
}
