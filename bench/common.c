// SPDX-License-Identifier: GPL-2.0
/* What cgbench's measurements share: see common.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

const char *cpuguard_bin = "cpuguard";
static const char *pin_dir = DEFAULT_PIN_DIR;

void die(const char *fmt, ...)
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
void trace(const char *fmt, ...)
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

uint64_t now_ns(void)
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

int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v. Quantile by the nearest-rank method. */
uint64_t quantile_u64(uint64_t *v, size_t n, double q)
{
	size_t i;

	qsort(v, n, sizeof(*v), cmp_u64);
	i = (size_t)(q * n);
	return v[i >= n ? n - 1 : i];
}

double median_dbl(const double *in, size_t n)
{
	double v[MAX_ROUNDS];

	memcpy(v, in, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- files, cgroups, commands ---- */

void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		die("writing '%s' to %s: %s", s, path, strerror(errno));
	close(fd);
}

void write_new_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(s, f) < 0 || fclose(f))
		die("cannot write %s: %s", path, strerror(errno));
}

/* mkdir -p of a cgroup, relative to the cgroup2 root ("bench/conf"). */
void mkcg(const char *rel)
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

void rmcg(const char *rel)
{
	char p[4096];

	snprintf(p, sizeof(p), CGROOT "/%s", rel);
	if (rmdir(p) && errno != ENOENT)
		fprintf(stderr, "cgbench: rmdir %s: %s\n", p, strerror(errno));
}

/* Move this whole process into a cgroup ("" = the root). */
void move_self(const char *rel)
{
	char p[4096];

	snprintf(p, sizeof(p), CGROOT "%s%s/cgroup.procs", *rel ? "/" : "", rel);
	write_file(p, "0");
}

void mask_of(const char *list, cpu_set_t *set)
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

void set_affinity(pid_t pid, const char *list)
{
	cpu_set_t set;

	mask_of(list, &set);
	if (sched_setaffinity(pid, sizeof(set), &set))
		die("sched_setaffinity(%d, %s): %s", pid, list, strerror(errno));
}

/* Run a command; stdout to @out_fd (-1: /dev/null), stderr inherited.
 * Returns the exit status (or 128 + signal); *ns gets the wall time. */
int run_argv(char *const argv[], int out_fd, uint64_t *ns)
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

/* The kernel ids of our own programs (the empty ones). */
static __u32 own_ids[16];
static int nown;

void own_prog(int prog_fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (nown < 16 && !bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		own_ids[nown++] = info.id;
}

void own_progs_forget(void)
{
	nown = 0;
}

static bool is_own(__u32 id)
{
	for (int i = 0; i < nown; i++)
		if (own_ids[i] == id)
			return true;
	return false;
}

/* LSM and tracing programs in the kernel that are not ours. */
static int foreign_progs(void)
{
	__u32 id = 0;
	int n = 0;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue; /* gone meanwhile */
		if (!is_own(id) && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    (info.type == BPF_PROG_TYPE_LSM || info.type == BPF_PROG_TYPE_TRACING))
			n++;
		close(fd);
	}
	return n;
}

/* Wait until no LSM or tracing program is left in the kernel but ours.
 * Unpinning a link (as `cpuguard unload` does) frees it from a workqueue:
 * its trampoline is unpatched a little later, on any CPU, and only then is
 * its program released. Measuring meanwhile would time the patching, and
 * under multi-threaded TCG a call running through the hook while another
 * vCPU patches it has ended in a spurious int3 oops. */
void wait_progs_gone(void)
{
	uint64_t deadline = now_ns() + 10000000000ull;
	int n;

	while ((n = foreign_progs())) {
		if (now_ns() > deadline) {
			fprintf(stderr, "cgbench: %d LSM/tracing programs still loaded after 10 s\n", n);
			return;
		}
		usleep(2000);
	}
}

/* cpuguard CMD [ARG]; dies unless it succeeds. Returns the wall time. */
uint64_t cpuguard(const char *cmd, const char *arg)
{
	char *argv[] = { (char *)cpuguard_bin, (char *)cmd, (char *)arg, NULL };
	uint64_t ns;

	if (run_argv(argv, -1, &ns))
		die("cpuguard %s %s failed", cmd, arg ? arg : "");
	return ns;
}

/* cpuguard unload, and wait until its programs are really detached. */
void cpuguard_unload(void)
{
	cpuguard("unload", NULL);
	wait_progs_gone();
}

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
struct status cpuguard_status(void)
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
	s.audited = json_u64(buf, "audited");
	s.reported = json_u64(buf, "reported");
	s.events = json_u64(buf, "events");
	s.dropped = json_u64(buf, "dropped");
	s.errors = json_u64(buf, "errors");
	s.coalesced = json_u64(buf, "coalesced");
	s.pending = json_u64(buf, "pending");
	return s;
}

int pinned(const char *name)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", pin_dir, name);
	fd = bpf_obj_get(p);
	if (fd < 0)
		die("cannot open %s: %s", p, strerror(errno));
	return fd;
}

int count_event(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	++*(uint64_t *)ctx;
	return 0;
}

void read_prog_stat(struct prog_stat *s)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(s->fd, &info, &len))
		die("BPF_OBJ_GET_INFO_BY_FD: %s", strerror(errno));
	s->cnt = info.run_cnt;
	s->ns = info.run_time_ns;
	s->misses = info.recursion_misses;
}

