// SPDX-License-Identifier: GPL-2.0
/* The configurations cgbench times, and switching between their groups of
 * BPF programs: see configs.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "bench_empty.skel.h"
#include "configs.h"

const char *const group_name[NGROUPS] = { "none", "empty", "empty2", "empty4", "cpuguard" };

const struct config configs[] = {
	{ "timer", G_NONE, CONFINED, NULL, CALL_TIMER, 0, "two clock reads, no call (timer overhead)" },
	{ "nobpf", G_NONE, CONFINED, ALLOWED, CALL_SETAFFINITY, 0, "no BPF program attached" },
	{ "nobpf_d16", G_NONE, DEPTH16, ALLOWED, CALL_SETAFFINITY, 0, "no BPF, task 16 levels deeper" },
	{ "cpuset", G_NONE, CPUSET, ALLOWED, CALL_SETAFFINITY, 0, "cpuset.cpus " ALLOWED ", no BPF" },
	{ "getppid", G_NONE, CONFINED, NULL, CALL_GETPPID, 0, "getppid(), no BPF" },
	{ "empty", G_EMPTY, CONFINED, ALLOWED, CALL_SETAFFINITY, 0, "empty lsm/task_setscheduler" },
	{ "empty2", G_EMPTY2, CONFINED, ALLOWED, CALL_SETAFFINITY, 0,
	  "empty lsm/task_setscheduler + empty fentry/sched_setaffinity" },
	{ "empty4", G_EMPTY4, CONFINED, ALLOWED, CALL_SETAFFINITY, 0,
	  "empty lsm/task_setscheduler + three empty fentry/sched_setaffinity (cpuguard's shape)" },
	{ "getppid_e2", G_EMPTY2, CONFINED, NULL, CALL_GETPPID, 0, "getppid(), the two empty programs attached" },
	{ "unconfined", G_CPUGUARD, UNCONFINED, ALLOWED, CALL_SETAFFINITY, 0, "cpuguard, unconfined cgroup" },
	{ "allowed", G_CPUGUARD, CONFINED, ALLOWED, CALL_SETAFFINITY, 0, "cpuguard, confined, allowed" },
	{ "denied", G_CPUGUARD, CONFINED, DENIED, CALL_SETAFFINITY, EPERM, "cpuguard, confined, denied" },
	{ "depth1", G_CPUGUARD, DEPTH1, ALLOWED, CALL_SETAFFINITY, 0, "cpuguard, 1 level below the confined cgroup" },
	{ "depth8", G_CPUGUARD, DEPTH8, ALLOWED, CALL_SETAFFINITY, 0, "cpuguard, 8 levels below" },
	{ "depth16", G_CPUGUARD, DEPTH16, ALLOWED, CALL_SETAFFINITY, 0, "cpuguard, 16 levels below" },
	{ "getppid_cg", G_CPUGUARD, CONFINED, NULL, CALL_GETPPID, 0, "getppid(), cpuguard loaded, confined" },
};

static struct bench_empty *empty;
static struct bpf_link *links[4];
static struct ring_buffer *events_rb;
static uint64_t drained;

static bool cpuset_was_on; /* in the root's subtree_control before us */

void setup_cgroups(void)
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

void cleanup_cgroups(void)
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
	own_prog(bpf_program__fd(empty->progs.empty_fentry_1));
	own_prog(bpf_program__fd(empty->progs.empty_fentry_2));
}

static bool attach_prog(int i, struct bpf_program *prog)
{
	links[i] = bpf_program__attach(prog);
	if (!links[i])
		fprintf(stderr, "cgbench: cannot attach %s: %s\n", bpf_program__name(prog), strerror(errno));
	return links[i] != NULL;
}

void group_enter(enum group g)
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
	case G_EMPTY4:
		load_empty();
		ok = attach_prog(0, empty->progs.empty_lsm) && attach_prog(1, empty->progs.empty_fentry) &&
		     attach_prog(2, empty->progs.empty_fentry_1) && attach_prog(3, empty->progs.empty_fentry_2);
		break;
	default:
		move_self("");
		cpuguard("load", NULL);
		cpuguard("apply", POLICY);
		fd = pinned(PIN_FILE(events));
		events_rb = ring_buffer__new(fd, count_event, &drained, NULL);
		close(fd);
		if (!events_rb)
			die("cannot open the event ring buffer: %s", strerror(errno));
		break;
	}
	if (!ok)
		die("cannot attach the programs of group %s", group_name[g]);
}

void group_leave(enum group g)
{
	trace("<2>cgbench: leave %s\n", group_name[g]);
	for (int i = 0; i < 4; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	ring_buffer__free(events_rb);
	events_rb = NULL;
	if (g == G_CPUGUARD) {
		move_self("");
		cpuguard_unload();
	}
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

void group_progs(enum group g, struct prog_stat ps[2])
{
	if (g == G_EMPTY2 || g == G_EMPTY4) {
		ps[0] = (struct prog_stat){ .fd = dup(bpf_program__fd(empty->progs.empty_fentry)),
					    .label = "empty_fentry" };
		ps[1] = (struct prog_stat){ .fd = dup(bpf_program__fd(empty->progs.empty_lsm)), .label = "empty_lsm" };
	} else if (g == G_CPUGUARD) {
		/* the first of the three identical capture copies */
		ps[0] = (struct prog_stat){ .fd = prog_of_link(PIN_FILE(link_capture_affinity_0)), .label = "capture_affinity_0" };
		ps[1] = (struct prog_stat){ .fd = prog_of_link(PIN_FILE(link_judge)), .label = "judge_affinity_request" };
	} else {
		die("group %s has no fentry and LSM program pair", group_name[g]);
	}
}

void destroy_empty(void)
{
	bench_empty__destroy(empty);
	empty = NULL;
	own_progs_forget();
}

int config_index(const char *name)
{
	for (size_t i = 0; i < NCONFIGS; i++)
		if (!strcmp(configs[i].name, name))
			return (int)i;
	die("no configuration %s", name);
}

void enter_config(const struct config *c)
{
	move_self(c->cgroup);
	set_affinity(0, ALLOWED);
}

/* One call of @c, timed alone into *ns; returns 0 or its errno. */
static long timed_call(const struct config *c, const cpu_set_t *req, uint64_t *ns)
{
	uint64_t t0, t1;
	long rc;

	switch (c->call) {
	case CALL_TIMER:
		t0 = now_ns();
		t1 = now_ns();
		rc = 0;
		break;
	case CALL_SETAFFINITY:
		t0 = now_ns();
		rc = syscall(SYS_sched_setaffinity, 0, sizeof(*req), req);
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
	*ns = t1 - t0;
	return rc;
}

/* Calls between two drains of the event ring buffer: a denial writes one
 * event (about 350 bytes) and the buffer holds 4 MiB, so it never fills
 * and every denial pays for writing its event, as with a reader that keeps
 * up. Draining is not timed. */
#define DRAIN_EVERY 2000

void run_calls(const struct config *c, int n, uint64_t *lat)
{
	cpu_set_t req;
	int bad = 0;

	if (c->request)
		mask_of(c->request, &req);
	for (int i = 0; i < n; i++) {
		uint64_t ns;

		if (events_rb && i % DRAIN_EVERY == 0)
			ring_buffer__consume(events_rb);
		bad += timed_call(c, &req, &ns) != c->expect;
		if (lat)
			lat[i] = ns;
	}
	if (events_rb)
		ring_buffer__consume(events_rb);
	if (bad)
		die("%s: %d of %d calls did not return %s", c->name, bad, n, c->expect ? "EPERM" : "success");
}
