// SPDX-License-Identifier: GPL-2.0
/* cpuguard load / unload */
#define _GNU_SOURCE
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
#include "strtab.h"

#ifndef CPUGUARD_VERSION
#define CPUGUARD_VERSION "unknown"
#endif

/* This CLI's version, and a hash of the BPF object it embeds: programs
 * built from other sources have another hash even under one version. */
void cli_build(struct cpuguard_build *b)
{
	size_t sz;
	const void *elf = cpuguard__elf_bytes(&sz);

	memset(b, 0, sizeof(*b));
	snprintf(b->version, sizeof(b->version), "%s", CPUGUARD_VERSION);
	snprintf(b->object, sizeof(b->object), "%016llx",
		 (unsigned long long)strtab_hash(elf, sz));
}

static int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	return snprintf(buf, len, "%s/%s", dir, name) >= (int)len ? -ENAMETOOLONG : 0;
}

/* The pin table's skeleton members, by pin. */
static int pin_one(struct cpuguard *skel, int i, const char *path)
{
	switch (i) {
#define PIN_CASE(field, file, kind, member)                                   \
	case PIN_ID_##field:                                                  \
		return pin_##kind(skel->member, path);
#define pin_MAP bpf_map__pin
#define pin_PROG bpf_program__pin
#define pin_LINK bpf_link__pin
		CPUGUARD_PINS(PIN_CASE)
#undef PIN_CASE
	}
	return -EINVAL;
}

/* The version pin: an array map the CLI makes, frozen. */
static int pin_version(const char *dir)
{
	struct cpuguard_build b;
	char p[4096];
	__u32 key = 0;
	int fd, err;

	cli_build(&b);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, VERSION_MAP_NAME, sizeof(key), sizeof(b), 1, NULL);
	if (fd < 0)
		return -errno;
	err = bpf_map_update_elem(fd, &key, &b, BPF_ANY) || bpf_map_freeze(fd) ? -errno : 0;
	if (!err)
		err = pin_path(p, sizeof(p), dir, PIN_VERSION) ?: bpf_obj_pin(fd, p) ? -errno : 0;
	close(fd);
	return err;
}

/* Pin everything in table order (the judging link last, because its pin
 * is what marks cpuguard as loaded), the version before the link. */
static int pin_everything(struct cpuguard *skel, const char *dir)
{
	char p[4096];
	int err;

	for (int i = 0; i < NR_PINS; i++) {
		if (i == PIN_ID_link_judge && (err = pin_version(dir)))
			return err;
		if ((err = pin_path(p, sizeof(p), dir, pins[i].file) ?: pin_one(skel, i, p)))
			return err;
	}
	return 0;
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
		[CAPTURE_AFFINITY_0] = skel->progs.cap_affinity_0,
		[CAPTURE_AFFINITY_1] = skel->progs.cap_affinity_1,
		[CAPTURE_AFFINITY_2] = skel->progs.cap_affinity_2,
		[CAPTURE_SQPOLL_0] = skel->progs.cap_sqpoll_0,
		[CAPTURE_SQPOLL_1] = skel->progs.cap_sqpoll_1,
		[CAPTURE_SQPOLL_2] = skel->progs.cap_sqpoll_2,
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

int cmd_load(const struct options *o)
{
	struct cg_cpumask possible;
	struct cpuguard *skel = NULL;
	struct guard_probe probe;
	char why[512];
	unsigned nr_cpu_ids;
	int err;

	if (require_caps("load"))
		return EXIT_FAIL;
	switch (guard_probe(o->pin_dir, &probe)) {
	case GUARD_LOADED:
		printf("cpuguard is already loaded (pinned at %s)\n", o->pin_dir);
		return EXIT_OK;
	case GUARD_FOREIGN:
	case GUARD_ERROR:
		errorf("cpuguard load: %s", probe.why);
		return EXIT_FAIL;
	case GUARD_ABSENT:
	case GUARD_PARTIAL:
		break;
	}
	if (check_kernel_support(o->verbose) || read_possible_cpus(&possible, &nr_cpu_ids))
		return EXIT_FAIL;

	skel = cpuguard__open();
	if (!skel) {
		errorf("cpuguard load: cannot open the BPF object: %s", strerror(errno));
		return EXIT_FAIL;
	}
	size_for_cpus(skel, nr_cpu_ids);
	err = cpuguard__load(skel);
	if (err) {
		errorf("cpuguard load: the kernel refused the BPF programs (%s)%s", strerror(-err),
		    o->verbose ? "" : "; run with --verbose for the verifier log");
		goto fail;
	}
	err = cpuguard__attach(skel);
	if (err) {
		errorf("cpuguard load: cannot attach: %s", strerror(-err));
		goto fail;
	}
	/* A verified directory without the judging link is left over from a
	 * load that died half-way: start clean (cpuguard's pins only). */
	if (probe.state == GUARD_PARTIAL && unpin_all(o->pin_dir, why, sizeof(why))) {
		errorf("cpuguard load: %s", why);
		goto fail;
	}
	err = find_capture_stats(skel);
	if (err) {
		errorf("cpuguard load: cannot find the capture programs' run statistics: %s", strerror(-err));
		goto fail;
	}
	if (mkdir(o->pin_dir, 0700)) {
		err = -errno;
		errorf("cpuguard load: cannot create %s: %s", o->pin_dir, strerror(errno));
		goto fail;
	}
	/* mkdir's mode went through the umask; a pin directory is exactly 0700. */
	if (chmod(o->pin_dir, 0700) || guard_probe(o->pin_dir, &probe) != GUARD_PARTIAL) {
		errorf("cpuguard load: %s", probe.why[0] ? probe.why : "cannot set the pin directory's mode");
		rmdir(o->pin_dir);
		goto fail;
	}
	err = pin_everything(skel, o->pin_dir);
	if (err) {
		errorf("cpuguard load: cannot pin in %s: %s", o->pin_dir, strerror(-err));
		unpin_all(o->pin_dir, why, sizeof(why));
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
	struct guard_probe probe;
	char why[512] = "";
	int fd, err;

	if (require_caps("unload"))
		return EXIT_FAIL;
	fd = pin_dir_open(o->pin_dir, &probe);
	if (fd < 0) {
		if (probe.state == GUARD_ABSENT) {
			printf("cpuguard is not loaded (nothing pinned at %s)\n", o->pin_dir);
			return EXIT_OK;
		}
		errorf("cpuguard unload: %s", probe.why);
		return EXIT_FAIL;
	}
	if (lock_pin_dir(fd, o->pin_dir, o->wait)) { /* let a running apply finish */
		close(fd);
		return EXIT_FAIL;
	}
	err = unpin_all(o->pin_dir, why, sizeof(why));
	close(fd);
	if (err) {
		errorf("cpuguard unload: %s", why);
		return EXIT_FAIL;
	}
	printf("cpuguard unloaded: programs detached, policy removed\n");
	return EXIT_OK;
}
