// SPDX-License-Identifier: GPL-2.0
/* cpuguard load / unload */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "cpuguard.h"
#include "cpuguard.skel.h"

static bool verbose_libbpf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose_libbpf || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Remove every pin in @dir, then the directory. */
static int unpin_all(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) && errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		err = -errno;
	return err;
}

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	return snprintf(buf, len, "%s/%s", dir, name) >= (int)len ? -ENAMETOOLONG : 0;
}

static int pin_map(struct bpf_map *map, const char *dir, const char *name)
{
	char p[4096];

	return pin_path(p, sizeof(p), dir, name) ?: bpf_map__pin(map, p);
}

static int pin_prog(struct bpf_program *prog, const char *dir, const char *name)
{
	char p[4096];

	return pin_path(p, sizeof(p), dir, name) ?: bpf_program__pin(prog, p);
}

static int pin_link(struct bpf_link *link, const char *dir, const char *name)
{
	char p[4096];

	return pin_path(p, sizeof(p), dir, name) ?: bpf_link__pin(link, p);
}

static void size_for_cpus(struct cpuguard *skel, unsigned nr_cpu_ids)
{
	unsigned words = (nr_cpu_ids + 63) / 64;
	unsigned tail = nr_cpu_ids % 64;

	skel->rodata->nr_cpu_ids = nr_cpu_ids;
	skel->rodata->nr_cpu_words = words;
	skel->rodata->last_word_mask = tail ? (1ULL << tail) - 1 : ~0ULL;
}

/*
 * Tell the verdicts where the kernel counts the capture programs' recursion
 * misses (lsm/request.bpf.h): run find_capture_stats over every program
 * once. Without those addresses every confined request would be denied, so
 * a load that cannot find them fails.
 */
static int find_capture_stats(struct cpuguard *skel)
{
	struct bpf_program *progs[NR_CAPTURE_PROGS] = {
		[CAPTURE_AFFINITY_0] = skel->progs.capture_affinity_0,
		[CAPTURE_AFFINITY_1] = skel->progs.capture_affinity_1,
		[CAPTURE_AFFINITY_2] = skel->progs.capture_affinity_2,
		[CAPTURE_SQPOLL_0] = skel->progs.capture_sqpoll_0,
		[CAPTURE_SQPOLL_1] = skel->progs.capture_sqpoll_1,
		[CAPTURE_SQPOLL_2] = skel->progs.capture_sqpoll_2,
	};
	char buf[64];
	int fd;

	for (int i = 0; i < NR_CAPTURE_PROGS; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len))
			return -errno;
		skel->bss->capture_prog_id[i] = info.id;
	}
	fd = bpf_iter_create(bpf_link__fd(skel->links.find_capture_stats));
	if (fd < 0)
		return -errno;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	for (int i = 0; i < NR_CAPTURE_PROGS; i++)
		if (!skel->bss->capture_stats[i])
			return -ENOENT;
	return 0;
}

/* Pin everything; the judging link last, because its pin is what marks
 * cpuguard as loaded. */
static int pin_everything(struct cpuguard *skel, const char *dir)
{
	return pin_map(skel->maps.policy_map, dir, PIN_POLICY_MAP) ?:
	       pin_map(skel->maps.set_map, dir, PIN_SET_MAP) ?:
	       pin_map(skel->maps.state_map, dir, PIN_STATE_MAP) ?:
	       pin_map(skel->maps.stats_map, dir, PIN_STATS_MAP) ?:
	       pin_map(skel->maps.meta_map, dir, PIN_META_MAP) ?:
	       pin_map(skel->maps.events, dir, PIN_EVENTS) ?:
	       pin_prog(skel->progs.set_create, dir, PIN_PROG_SET_CREATE) ?:
	       pin_prog(skel->progs.policy_install, dir, PIN_PROG_POLICY_INSTALL) ?:
	       pin_prog(skel->progs.policy_read, dir, PIN_PROG_POLICY_READ) ?:
	       pin_link(skel->links.capture_affinity_0, dir, PIN_LINK_CAPTURE_AFFINITY_0) ?:
	       pin_link(skel->links.capture_affinity_1, dir, PIN_LINK_CAPTURE_AFFINITY_1) ?:
	       pin_link(skel->links.capture_affinity_2, dir, PIN_LINK_CAPTURE_AFFINITY_2) ?:
	       pin_link(skel->links.capture_sqpoll_0, dir, PIN_LINK_CAPTURE_SQPOLL_0) ?:
	       pin_link(skel->links.capture_sqpoll_1, dir, PIN_LINK_CAPTURE_SQPOLL_1) ?:
	       pin_link(skel->links.capture_sqpoll_2, dir, PIN_LINK_CAPTURE_SQPOLL_2) ?:
	       pin_link(skel->links.judge_sqpoll, dir, PIN_LINK_JUDGE_SQPOLL) ?:
	       pin_link(skel->links.report_iowq_affinity, dir, PIN_LINK_REPORT_IOWQ) ?:
	       pin_link(skel->links.judge_affinity_request, dir, PIN_LINK_JUDGE);
}

int cmd_load(const struct options *o)
{
	struct cg_cpumask possible;
	struct cpuguard *skel = NULL;
	unsigned nr_cpu_ids;
	int err;

	if (require_caps("load"))
		return EXIT_FAIL;
	if (guard_loaded(o->pin_dir)) {
		printf("cpuguard is already loaded (pinned at %s)\n", o->pin_dir);
		return EXIT_OK;
	}
	if (check_kernel_support(o->verbose, false) || read_possible_cpus(&possible, &nr_cpu_ids))
		return EXIT_FAIL;

	verbose_libbpf = o->verbose;
	libbpf_set_print(libbpf_print);
	skel = cpuguard__open();
	if (!skel) {
		fprintf(stderr, "cpuguard load: cannot open the BPF object: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	size_for_cpus(skel, nr_cpu_ids);
	err = cpuguard__load(skel);
	if (err) {
		fprintf(stderr, "cpuguard load: the kernel refused the BPF programs (%s)%s\n", strerror(-err),
			o->verbose ? "" : "; run with --verbose for the verifier log");
		goto fail;
	}
	err = cpuguard__attach(skel);
	if (err) {
		fprintf(stderr, "cpuguard load: cannot attach: %s\n", strerror(-err));
		goto fail;
	}
	err = find_capture_stats(skel);
	if (err) {
		fprintf(stderr, "cpuguard load: cannot find the capture programs' run statistics: %s\n",
			strerror(-err));
		goto fail;
	}
	/* A directory without the judging link is left over from a load that
	 * died half-way: start clean. */
	unpin_all(o->pin_dir);
	if (mkdir(o->pin_dir, 0700)) {
		err = -errno;
		fprintf(stderr, "cpuguard load: cannot create %s: %s\n", o->pin_dir, strerror(errno));
		goto fail;
	}
	err = pin_everything(skel, o->pin_dir);
	if (err) {
		fprintf(stderr, "cpuguard load: cannot pin in %s: %s\n", o->pin_dir, strerror(-err));
		unpin_all(o->pin_dir);
		goto fail;
	}
	cpuguard__destroy(skel); /* the pins keep programs, links and maps */
	printf("cpuguard loaded (pinned at %s, %u possible CPUs)\n", o->pin_dir, nr_cpu_ids);
	return EXIT_OK;
fail:
	cpuguard__destroy(skel);
	return EXIT_FAIL;
}

int cmd_unload(const struct options *o)
{
	int fd, err;

	if (require_caps("unload"))
		return EXIT_FAIL;
	fd = open(o->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			printf("cpuguard is not loaded (nothing pinned at %s)\n", o->pin_dir);
			return EXIT_OK;
		}
		fprintf(stderr, "cpuguard unload: cannot open %s: %s\n", o->pin_dir, strerror(errno));
		return EXIT_FAIL;
	}
	flock(fd, LOCK_EX); /* let a running apply finish */
	err = unpin_all(o->pin_dir);
	close(fd);
	if (err) {
		fprintf(stderr, "cpuguard unload: cannot remove %s: %s\n", o->pin_dir, strerror(-err));
		return EXIT_FAIL;
	}
	printf("cpuguard unloaded: programs detached, policy removed\n");
	return EXIT_OK;
}
