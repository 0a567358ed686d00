// SPDX-License-Identifier: GPL-2.0
/* What the CLI needs from the kernel: privileges, support, the pinned
 * objects of a loaded cpuguard, and the programs that install policy. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "cpuguard.h"

static const struct {
	cap_value_t cap;
	const char *name;
} needed_caps[] = {
	{ CAP_BPF, "CAP_BPF" },
	{ CAP_PERFMON, "CAP_PERFMON" },
	{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN" },
};

/* Name the first missing capability before touching the kernel, rather
 * than let a bpf() call fail with a bare EPERM. */
int require_caps(const char *command)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t v;
	size_t i;

	if (!caps) {
		fprintf(stderr, "cpuguard %s: cannot read capabilities: %s\n", command, strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(needed_caps) / sizeof(needed_caps[0]); i++) {
		if (cap_get_flag(caps, needed_caps[i].cap, CAP_EFFECTIVE, &v) || v != CAP_SET) {
			fprintf(stderr, "cpuguard %s: missing capability %s (run as root)\n", command,
				needed_caps[i].name);
			cap_free(caps);
			return -1;
		}
	}
	cap_free(caps);
	return 0;
}

static bool lsm_active(const char *name, char *list, size_t len)
{
	FILE *f = fopen("/sys/kernel/security/lsm", "r");
	char *tok, *save;

	list[0] = 0;
	if (!f)
		return false;
	if (!fgets(list, len, f))
		list[0] = 0;
	fclose(f);
	list[strcspn(list, "\n")] = 0;
	char copy[512];
	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, name))
			return true;
	return false;
}

static bool quiet_support;

static void say(const char *fmt, ...)
{
	va_list ap;

	if (quiet_support)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* Decide from the kernel itself, never from its version, and say exactly
 * what is missing. */
int check_kernel_support(bool verbose, bool quiet)
{
	static const char *const funcs[] = {
		"bpf_cpumask_create", "bpf_cpumask_acquire", "bpf_cpumask_release",
		"bpf_cpumask_set_cpu", "bpf_iter_num_new", "bpf_lsm_task_setscheduler",
		"sched_setaffinity",
	};
	struct statfs sfs;
	struct btf *btf;
	char lsms[512];
	size_t i;
	int bad = 0;

	quiet_support = quiet;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		say("cpuguard: kernel has no BTF (/sys/kernel/btf/vmlinux): it needs CONFIG_DEBUG_INFO_BTF=y\n");
		return -1;
	}
	if (!lsm_active("bpf", lsms, sizeof(lsms))) {
		say("cpuguard: BPF LSM is not active (active LSMs: %s)\n"
			"cpuguard: add \"bpf\" to the lsm= boot parameter, e.g. lsm=%s%sbpf\n",
			lsms[0] ? lsms : "unknown: is securityfs mounted?", lsms, lsms[0] ? "," : "");
		return -1;
	}
	btf = btf__load_vmlinux_btf();
	if (!btf) {
		say("cpuguard: cannot read kernel BTF: %s\n", strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		if (btf__find_by_name_kind(btf, funcs[i], BTF_KIND_FUNC) < 0) {
			say("cpuguard: kernel lacks %s: cpuguard needs the bpf_cpumask kfuncs, "
				"open-coded iterators and the task_setscheduler BPF LSM hook (Linux 6.4 or later)\n",
				funcs[i]);
			bad = 1;
			if (!verbose)
				break;
		}
	}
	btf__free(btf);
	if (bad)
		return -1;
	if (statfs(CGROUP_ROOT, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		say("cpuguard: no cgroup v2 hierarchy at %s\n", CGROUP_ROOT);
		return -1;
	}
	return 0;
}

int read_possible_cpus(struct cg_cpumask *possible, unsigned *nr_cpu_ids)
{
	if (cpulist_read_file(POSSIBLE_CPUS, possible, nr_cpu_ids)) {
		fprintf(stderr, "cpuguard: cannot read %s\n", POSSIBLE_CPUS);
		return -1;
	}
	return 0;
}

static int pin_get(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "cpuguard: cannot open %s: %s\n", path, strerror(errno));
	return fd;
}

bool guard_loaded(const char *pin_dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", pin_dir, PIN_LINK_JUDGE);
	return access(path, F_OK) == 0;
}

void guard_close(struct guard *g)
{
	int *fds[] = { &g->policy_map, &g->set_map, &g->state_map, &g->stats_map, &g->meta_map,
		       &g->events, &g->set_create, &g->policy_install, &g->policy_read, &g->lock_fd };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* With @lock, hold an exclusive lock on the pin directory so that two
 * applies (or an apply and an unload) never interleave. */
int guard_open(const char *pin_dir, struct guard *g, bool lock)
{
	memset(g, -1, sizeof(*g));
	if (!guard_loaded(pin_dir)) {
		fprintf(stderr, "cpuguard: not loaded (nothing pinned at %s): run 'cpuguard load'\n", pin_dir);
		return -1;
	}
	if (lock) {
		g->lock_fd = open(pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (g->lock_fd < 0 || flock(g->lock_fd, LOCK_EX)) {
			fprintf(stderr, "cpuguard: cannot lock %s: %s\n", pin_dir, strerror(errno));
			goto fail;
		}
	}
	if ((g->policy_map = pin_get(pin_dir, PIN_POLICY_MAP)) < 0 ||
	    (g->set_map = pin_get(pin_dir, PIN_SET_MAP)) < 0 ||
	    (g->state_map = pin_get(pin_dir, PIN_STATE_MAP)) < 0 ||
	    (g->stats_map = pin_get(pin_dir, PIN_STATS_MAP)) < 0 ||
	    (g->meta_map = pin_get(pin_dir, PIN_META_MAP)) < 0 ||
	    (g->events = pin_get(pin_dir, PIN_EVENTS)) < 0 ||
	    (g->set_create = pin_get(pin_dir, PIN_PROG_SET_CREATE)) < 0 ||
	    (g->policy_install = pin_get(pin_dir, PIN_PROG_POLICY_INSTALL)) < 0 ||
	    (g->policy_read = pin_get(pin_dir, PIN_PROG_POLICY_READ)) < 0)
		goto fail;
	return 0;
fail:
	guard_close(g);
	return -1;
}

int guard_read_state(const struct guard *g, struct cpuguard_state *st)
{
	uint32_t key = 0;

	if (bpf_map_lookup_elem(g->state_map, &key, st)) {
		fprintf(stderr, "cpuguard: cannot read state: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int guard_read_stats(const struct guard *g, struct cpuguard_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct cpuguard_stats *per;
	uint32_t key = 0;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0)
		return -1;
	per = calloc(ncpu, sizeof(*per));
	if (!per || bpf_map_lookup_elem(g->stats_map, &key, per)) {
		free(per);
		return -1;
	}
	for (int i = 0; i < ncpu; i++)
		for (int c = 0; c < CPUGUARD_NR_COUNTERS; c++)
			sum->cnt[c] += per[i].cnt[c];
	free(per);
	return 0;
}

/*
 * How often the kernel skipped a capture program (its recursion misses,
 * summed): each skip may have turned an allowed request into a refusal,
 * never the other way (docs/design.md, "Capture under preemption").
 */
int guard_capture_skips(const char *pin_dir, uint64_t *skips)
{
	static const char *const pins[] = {
		PIN_LINK_CAPTURE_AFFINITY_0, PIN_LINK_CAPTURE_AFFINITY_1, PIN_LINK_CAPTURE_AFFINITY_2,
		PIN_LINK_CAPTURE_SQPOLL_0,   PIN_LINK_CAPTURE_SQPOLL_1,   PIN_LINK_CAPTURE_SQPOLL_2,
	};

	*skips = 0;
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		struct bpf_link_info link = {};
		struct bpf_prog_info prog = {};
		__u32 len = sizeof(link);
		char path[4096];
		int lfd, pfd, err;

		snprintf(path, sizeof(path), "%s/%s", pin_dir, pins[i]);
		lfd = bpf_obj_get(path);
		if (lfd < 0)
			return -errno;
		err = bpf_obj_get_info_by_fd(lfd, &link, &len);
		close(lfd);
		if (err)
			return -errno;
		pfd = bpf_prog_get_fd_by_id(link.prog_id);
		if (pfd < 0)
			return -errno;
		len = sizeof(prog);
		err = bpf_obj_get_info_by_fd(pfd, &prog, &len);
		close(pfd);
		if (err)
			return -errno;
		*skips += prog.recursion_misses;
	}
	return 0;
}

/* Run a SEC("syscall") program with @args as its context; the kernel
 * copies the context back into @args, so results come back there. */
int run_syscall_prog(int prog_fd, void *args, size_t size)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = size);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	return 0;
}

int guard_read_mask(const struct guard *g, uint64_t cgroup_id, uint32_t gen, struct cg_cpumask *out)
{
	struct policy_read_args *a = calloc(1, sizeof(*a));
	int err;

	if (!a)
		return -ENOMEM;
	a->cgroup_id = cgroup_id;
	a->gen = gen;
	err = run_syscall_prog(g->policy_read, a, sizeof(*a));
	if (!err)
		err = a->err;
	if (!err) {
		_Static_assert(sizeof(out->bits) == sizeof(a->bits), "mask widths differ");
		memcpy(out->bits, a->bits, sizeof(out->bits));
	}
	free(a);
	return err;
}

/*
 * Wait until every check that may have read the previous generation has
 * finished. Checks are non-sleepable BPF programs, which run inside RCU
 * read-side sections: an RCU grace period is what is needed. The kernel
 * waits for one (synchronize_rcu()) whenever user space updates a map of
 * maps, precisely so that user space knows no non-sleepable program still
 * uses the old value (maybe_wait_bpf_programs() in kernel/bpf/syscall.c).
 * Unlike membarrier(MEMBARRIER_CMD_GLOBAL), which also waits for a grace
 * period, this is not refused on hosts with nohz_full CPUs, the hosts that
 * isolate CPUs. No sleep stands in for it: if it cannot be done, the
 * caller must not free anything.
 */
int wait_for_checks(void)
{
	int inner, outer, err = 0;
	__u32 key = 0;

	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "cpuguard_gp", sizeof(__u32), sizeof(__u32), 1, NULL);
	if (inner < 0)
		return -errno;
	LIBBPF_OPTS(bpf_map_create_opts, opts, .inner_map_fd = inner);
	outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "cpuguard_gp", sizeof(__u32), sizeof(__u32), 1, &opts);
	if (outer < 0 || bpf_map_update_elem(outer, &key, &inner, BPF_ANY))
		err = -errno;
	if (outer >= 0)
		close(outer);
	close(inner);
	return err;
}
