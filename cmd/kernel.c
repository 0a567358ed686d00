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
#include <sys/sysmacros.h>
#include <time.h>
#include <stddef.h>
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

/* Which needed capability is missing, if any: 0 when none is. */
int missing_cap(char *msg, size_t len)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t v;
	size_t i;

	if (!caps) {
		snprintf(msg, len, "cannot read capabilities: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(needed_caps) / sizeof(needed_caps[0]); i++) {
		if (cap_get_flag(caps, needed_caps[i].cap, CAP_EFFECTIVE, &v) || v != CAP_SET) {
			snprintf(msg, len, "missing capability %s", needed_caps[i].name);
			cap_free(caps);
			return -1;
		}
	}
	cap_free(caps);
	return 0;
}

/* Name the first missing capability before touching the kernel, rather
 * than let a bpf() call fail with a bare EPERM. */
int require_caps(const char *command)
{
	char msg[CAPS_MSG_MAX];

	if (!missing_cap(msg, sizeof(msg)))
		return 0;
	errorf("cpuguard %s: %s (run as root)", command, msg);
	return -1;
}

static void gap(struct support *s, const char *fix, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void gap(struct support *s, const char *fix, const char *fmt, ...)
{
	va_list ap;

	if (s->ngaps == SUPPORT_GAPS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(s->gaps[s->ngaps].what, sizeof(s->gaps[0].what), fmt, ap);
	va_end(ap);
	snprintf(s->gaps[s->ngaps].fix, sizeof(s->gaps[0].fix), "%s", fix ? fix : "");
	s->ngaps++;
}

#ifndef SECURITYFS_MAGIC
#define SECURITYFS_MAGIC 0x73636673
#endif

/* Is BPF LSM active? Says so only when the kernel's list can be read: with
 * securityfs unmounted nothing is known, and advising lsm=bpf would be
 * wrong (it would switch off every other LSM). */
static void probe_lsm(struct support *s)
{
	FILE *f = fopen("/sys/kernel/security/lsm", "r");
	char list[512] = "", copy[512], *tok, *save, fix[300];
	struct statfs sfs;

	if (!f) {
		if (statfs("/sys/kernel/security", &sfs) || sfs.f_type != SECURITYFS_MAGIC)
			gap(s, "mount it: mount -t securityfs securityfs /sys/kernel/security (systemd does this at boot)",
			    "cannot tell whether BPF LSM is active: securityfs is not mounted at /sys/kernel/security");
		else
			gap(s, NULL, "cannot tell whether BPF LSM is active: cannot read /sys/kernel/security/lsm: %s",
			    strerror(errno));
		return;
	}
	if (!fgets(list, sizeof(list), f))
		list[0] = 0;
	fclose(f);
	list[strcspn(list, "\n")] = 0;
	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, "bpf"))
			return;
	snprintf(fix, sizeof(fix), "add \"bpf\" to the lsm= boot parameter, e.g. lsm=%s%sbpf", list,
		 list[0] ? "," : "");
	gap(s, fix, "BPF LSM is not active (active LSMs: %s)", list[0] ? list : "none");
}

/* Load (and for LSM, attach) the smallest program of each kind load needs:
 * "return 0". The kernel may list BPF LSM and still refuse these (some
 * virtualised kernels refuse every BPF trampoline with EPERM). */
static void probe_prog(struct support *s, const struct btf *btf, enum bpf_prog_type type,
		       enum bpf_attach_type attach, const char *target, const char *what)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach,
		    .prog_flags = type == BPF_PROG_TYPE_SYSCALL ? BPF_F_SLEEPABLE : 0);
	int fd, link, id;

	if (target) {
		id = btf__find_by_name_kind(btf, target, BTF_KIND_FUNC);
		if (id < 0)
			return; /* reported as a missing function */
		opts.attach_btf_id = id;
	}
	fd = bpf_prog_load(type, "cpuguard_probe", "GPL", insns, 2, &opts);
	if (fd < 0) {
		int e = errno;

		gap(s, e == EPERM ? "this kernel refuses to load BPF trampoline programs (LSM, fentry), as some virtualised kernels do even with BPF LSM listed: use a kernel that allows them"
				  : "run 'cpuguard --verbose load' for the kernel's reasons",
		    "the kernel refuses %s programs (%s)", what, strerror(e));
		return;
	}
	if (type == BPF_PROG_TYPE_LSM) {
		link = bpf_link_create(fd, 0, attach, NULL);
		if (link < 0)
			gap(s, NULL, "the kernel loads but will not attach %s programs (%s)", what, strerror(errno));
		else
			close(link);
	}
	close(fd);
}

/* Decide from the kernel itself, never from its version, and collect every
 * missing piece with its fix. The program probes need privilege. */
int probe_kernel_support(struct support *s)
{
	static const char *const funcs[] = {
		"bpf_cpumask_create", "bpf_cpumask_acquire", "bpf_cpumask_release",
		"bpf_cpumask_set_cpu", "bpf_iter_num_new", "bpf_lsm_task_setscheduler",
		"sched_setaffinity",
	};
	char capmsg[CAPS_MSG_MAX];
	struct statfs sfs;
	struct btf *btf = NULL;
	int before;

	memset(s, 0, sizeof(*s));
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		gap(s, "use a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian's are)",
		    "kernel has no BTF (/sys/kernel/btf/vmlinux)");
	else if (!(btf = btf__load_vmlinux_btf()))
		gap(s, "check the mount of /sys and the caller's privileges", "cannot read kernel BTF: %s",
		    strerror(errno));
	probe_lsm(s);
	before = s->ngaps;
	for (size_t i = 0; btf && i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (btf__find_by_name_kind(btf, funcs[i], BTF_KIND_FUNC) < 0)
			gap(s, NULL,
			    "kernel lacks %s: cpuguard needs the bpf_cpumask kfuncs, open-coded iterators "
			    "and the task_setscheduler BPF LSM hook (Linux 6.4 or later)",
			    funcs[i]);
	/* Only a kernel that has everything so far is worth loading into. */
	if (btf && s->ngaps == before && before == 0) {
		if (missing_cap(capmsg, sizeof(capmsg))) {
			gap(s, "run as root", "cannot probe the BPF program types: %s", capmsg);
		} else {
			probe_prog(s, btf, BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_task_setscheduler", "BPF LSM");
			probe_prog(s, btf, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, "sched_setaffinity", "fentry");
			probe_prog(s, btf, BPF_PROG_TYPE_SYSCALL, 0, NULL, "syscall");
		}
	}
	btf__free(btf);
	if (statfs(cgroup_root(), &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		gap(s, "mount cgroup2 (boot with systemd.unified_cgroup_hierarchy=1), or name its mount with --cgroup-root DIR",
		    "no cgroup v2 hierarchy at %s", cgroup_root());
	return s->ngaps;
}

/* For load: the first gap (every gap with --verbose), each with its fix. */
int check_kernel_support(bool verbose)
{
	struct support s;
	int n = probe_kernel_support(&s), shown = verbose ? n : (n ? 1 : 0);

	for (int i = 0; i < shown; i++) {
		errorf("cpuguard: %s", s.gaps[i].what);
		if (s.gaps[i].fix[0])
			errorf("cpuguard: %s", s.gaps[i].fix);
	}
	if (n > shown)
		errorf("cpuguard: %d more missing (run with --verbose to list them)", n - shown);
	return n ? -1 : 0;
}

int read_possible_cpus(struct cg_cpumask *possible, unsigned *nr_cpu_ids)
{
	if (cpulist_read_file(POSSIBLE_CPUS, possible, nr_cpu_ids)) {
		errorf("cpuguard: cannot read %s", POSSIBLE_CPUS);
		return -1;
	}
	return 0;
}

static const size_t pin_fd_off[NR_PINS] = {
#define PIN_OFF(field, file, kind, member) [PIN_ID_##field] = offsetof(struct guard, field),
	CPUGUARD_PINS(PIN_OFF)
#undef PIN_OFF
};

static int *pin_fd(struct guard *g, int i)
{
	return (int *)((char *)g + pin_fd_off[i]);
}

void guard_close(struct guard *g)
{
	for (int i = 0; i < NR_PINS; i++) {
		if (*pin_fd(g, i) >= 0)
			close(*pin_fd(g, i));
		*pin_fd(g, i) = -1;
	}
	if (g->dir_fd >= 0)
		close(g->dir_fd);
	g->dir_fd = g->lock_fd = -1;
}

/* The holder of the flock on @fd's inode, from /proc/locks: "pid N (comm)". */
static void lock_holder(int fd, char *buf, size_t len)
{
	FILE *f = fopen("/proc/locks", "r");
	char line[256], comm[64] = "", kind[16], path[64];
	unsigned maj, min;
	unsigned long ino;
	struct stat st;
	int pid;

	snprintf(buf, len, "another process");
	if (!f || fstat(fd, &st)) {
		if (f)
			fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%lu", kind, &pid, &maj, &min, &ino) != 5 ||
		    strcmp(kind, "FLOCK") || ino != st.st_ino || maj != major(st.st_dev) || min != minor(st.st_dev))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		FILE *c = fopen(path, "r");
		if (c) {
			char raw[17] = "";

			if (fgets(raw, sizeof(raw), c))
				raw[strcspn(raw, "\n")] = 0;
			fclose(c);
			cg_escape_bytes(comm, sizeof(comm), raw, strlen(raw));
		}
		snprintf(buf, len, "pid %d%s%s%s", pid, comm[0] ? " (" : "", comm, comm[0] ? ")" : "");
		break;
	}
	fclose(f);
}

int lock_pin_dir(int dir_fd, const char *pin_dir, int wait)
{
	char holder[128];
	struct timespec t0, t;

	if (!flock(dir_fd, LOCK_EX | LOCK_NB))
		return 0;
	if (errno != EWOULDBLOCK) {
		errorf("cpuguard: cannot lock %s: %s", pin_dir, strerror(errno));
		return -1;
	}
	if (wait < 0)
		wait = DEFAULT_LOCK_WAIT;
	lock_holder(dir_fd, holder, sizeof(holder));
	if (wait > 0)
		fprintf(stderr, "cpuguard: %s holds the lock on %s (an apply or unload); waiting up to %d s\n",
			holder, pin_dir, wait);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (!flock(dir_fd, LOCK_EX | LOCK_NB))
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec + (t.tv_nsec - t0.tv_nsec) / 1e9 >= wait)
			break;
		usleep(50 * 1000);
	}
	lock_holder(dir_fd, holder, sizeof(holder));
	errorf("cpuguard: cannot lock %s: %s has held it for more than %d s; try again later, or wait longer with --wait SECONDS",
	    pin_dir, holder, wait);
	return -1;
}

/* Open a verified cpuguard's maps and programs. With @lock, hold an
 * exclusive lock on the pin directory so that two applies (or an apply and
 * an unload) never interleave. */
int guard_open(const struct options *o, struct guard *g, bool lock)
{
	struct guard_probe p;
	char path[4096];

	for (int i = 0; i < NR_PINS; i++)
		*pin_fd(g, i) = -1;
	g->dir_fd = g->lock_fd = -1;
	switch (guard_probe(o->pin_dir, &p)) {
	case GUARD_LOADED:
		break;
	case GUARD_ABSENT:
		errorf("cpuguard: not loaded (nothing pinned at %s): run 'cpuguard load'", o->pin_dir);
		return -1;
	case GUARD_PARTIAL:
		errorf("cpuguard: not loaded: %s holds only some of cpuguard's pins (%s): run 'cpuguard load'",
		       o->pin_dir, p.why[0] ? p.why : "a load that did not finish");
		return -1;
	default:
		errorf("cpuguard: %s", p.why);
		return -1;
	}
	g->dir_fd = pin_dir_open(o->pin_dir, &p);
	if (g->dir_fd < 0) {
		errorf("cpuguard: %s", p.why[0] ? p.why : "the pin directory went away");
		return -1;
	}
	if (lock) {
		if (lock_pin_dir(g->dir_fd, o->pin_dir, o->wait))
			goto fail;
		g->lock_fd = g->dir_fd;
	}
	for (int i = 0; i < NR_PINS; i++) {
		if (pins[i].kind == PIN_LINK)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", g->dir_fd, pins[i].file);
		*pin_fd(g, i) = bpf_obj_get(path);
		if (*pin_fd(g, i) < 0) {
			snprintf(path, sizeof(path), "%s/%s", o->pin_dir, pins[i].file);
			*pin_fd(g, i) = bpf_obj_get(path);
		}
		if (*pin_fd(g, i) < 0) {
			errorf("cpuguard: cannot open %s/%s: %s", o->pin_dir, pins[i].file, strerror(errno));
			goto fail;
		}
	}
	return 0;
fail:
	guard_close(g);
	return -1;
}

int guard_read_state(const struct guard *g, struct cpuguard_state *st)
{
	uint32_t key = 0;

	if (bpf_map_lookup_elem(g->state_map, &key, st)) {
		errorf("cpuguard: cannot read state: %s", strerror(errno));
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
 * Repeated denials held in coalesce_map for a later event's count (the
 * slots' pending counts, lsm/events.bpf.h). With them the counters add up:
 * events + coalesced + dropped + pending == denied + audited + reported,
 * exactly when nothing is being judged meanwhile.
 */
int guard_read_pending(const struct guard *g, uint64_t *pending)
{
	struct cpuguard_coalesce_slot slot;

	*pending = 0;
	for (uint32_t i = 0; i < CPUGUARD_COALESCE_SLOTS; i++) {
		if (bpf_map_lookup_elem(g->coalesce_map, &i, &slot))
			return -1;
		*pending += CPUGUARD_SLOT_PENDING(slot.state);
	}
	return 0;
}

/*
 * How often the kernel skipped a capture program (its recursion misses,
 * summed): each skip may have turned an allowed request into a refusal,
 * never the other way (docs/design.md, "Capture under preemption").
 */
int guard_capture_skips(const char *pin_dir, uint64_t *skips)
{
	static const enum pin_id captures[] = {
		PIN_ID_link_capture_affinity_0, PIN_ID_link_capture_affinity_1, PIN_ID_link_capture_affinity_2,
		PIN_ID_link_capture_sqpoll_0,	PIN_ID_link_capture_sqpoll_1,	PIN_ID_link_capture_sqpoll_2,
	};

	*skips = 0;
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		struct bpf_link_info link = {};
		struct bpf_prog_info prog = {};
		__u32 len = sizeof(link);
		char path[4096];
		int lfd, pfd, err;

		snprintf(path, sizeof(path), "%s/%s", pin_dir, pin_file(captures[i]));
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

int guard_read_mask(const struct guard *g, uint64_t cgroup_id, const char *path, uint32_t gen,
		    struct cg_cpumask *out)
{
	struct policy_read_args *a = calloc(1, sizeof(*a));
	int err;

	if (!a)
		return -ENOMEM;
	a->cgroup_id = cgroup_id;
	a->gen = gen;
	if (!cgroup_id && path)
		strncpy(a->path, path, sizeof(a->path) - 1);
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
