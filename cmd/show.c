// SPDX-License-Identifier: GPL-2.0
/* cpuguard show / status */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cpuguard.h"
#include "json.h"

struct shown {
	uint64_t cgroup_id;
	char *path; /* NULL: the cgroup was removed */
	char *cpus;
	char set[CPUGUARD_NAME_MAX];
	uint32_t mode;
};

static void free_shown(struct shown *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].cpus);
		free(v[i].path);
	}
	free(v);
}

static int by_path(const void *a, const void *b)
{
	const struct shown *x = a, *y = b;

	if (!x->path || !y->path)
		return !x->path - !y->path;
	return strcmp(x->path, y->path);
}

/* Read the generation in force back from the kernel: the masks through
 * the policy_read program, the mode from the entry, the set name from
 * meta_map. */
static int collect(const struct guard *g, struct shown **out, size_t *n)
{
	struct policy_key key, next;
	struct cpuguard_state st;
	struct shown *v = NULL;
	size_t len = 0, cap = 0;
	void *prev = NULL;

	if (guard_read_state(g, &st))
		return -1;
	while (!bpf_map_get_next_key(g->policy_map, prev, &next)) {
		key = next;
		prev = &key;
		if (key.gen != st.active_gen)
			continue;
		if (len == cap) {
			cap = cap ? 2 * cap : 64;
			struct shown *t = realloc(v, cap * sizeof(*t));
			if (!t)
				goto fail;
			v = t;
		}
		struct shown *s = &v[len];
		struct policy_value val;
		struct policy_meta meta = { 0 };
		struct cg_cpumask mask;

		memset(s, 0, sizeof(*s));
		if (bpf_map_lookup_elem(g->policy_map, &key, &val) ||
		    guard_read_mask(g, key.cgroup_id, key.gen, &mask))
			continue; /* replaced under us by a concurrent apply */
		bpf_map_lookup_elem(g->meta_map, &key, &meta);
		s->cgroup_id = key.cgroup_id;
		static char pbuf[CGROUP_PATH_MAX];
		const char *path = cgroup_path_of(key.cgroup_id, pbuf, sizeof(pbuf));
		if (path && !(s->path = strdup(path)))
			goto fail;
		s->mode = val.mode;
		static char buf[CPUGUARD_MAX_CPUS * 6];
		cpulist_format(&mask, buf, sizeof(buf));
		if (!(s->cpus = strdup(buf)))
			goto fail;
		memcpy(s->set, meta.set_name, sizeof(s->set));
		s->set[sizeof(s->set) - 1] = 0;
		len++;
	}
	qsort(v, len, sizeof(*v), by_path);
	*out = v;
	*n = len;
	return 0;
fail:
	free_shown(v, len);
	return -1;
}

/* "enforce" or "audit"; strict entries add ",strict" in the table and
 * "strict": true in JSON. */
static const char *mode_name(uint32_t mode)
{
	return mode & CPUGUARD_AUDIT ? "audit" : "enforce";
}

static const char *mode_text(uint32_t mode)
{
	if (mode & CPUGUARD_STRICT)
		return mode & CPUGUARD_AUDIT ? "audit,strict" : "enforce,strict";
	return mode_name(mode);
}

static void show_json(const struct shown *v, size_t n)
{
	printf("[");
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"cgroup\": ", i ? ", " : "");
		if (v[i].path)
			json_write_string(stdout, v[i].path);
		else
			printf("null");
		printf(", \"cgroup_id\": %llu, \"cpus\": ", (unsigned long long)v[i].cgroup_id);
		json_write_string(stdout, v[i].cpus);
		printf(", \"set\": ");
		if (v[i].set[0])
			json_write_string(stdout, v[i].set);
		else
			printf("null");
		printf(", \"mode\": \"%s\", \"strict\": %s}", mode_name(v[i].mode),
		       v[i].mode & CPUGUARD_STRICT ? "true" : "false");
	}
	printf("]\n");
}

static void show_table(const struct shown *v, size_t n)
{
	int wpath = 6, wcpus = 4, wset = 3, wmode = 7;
	char **paths = calloc(n ? n : 1, sizeof(*paths));

	if (!paths)
		return;
	/* Names are bytes: escape them before they reach a terminal. */
	for (size_t i = 0; i < n; i++) {
		size_t len = v[i].path ? strlen(v[i].path) : 0, cap = 4 * len + 1;

		paths[i] = v[i].path ? malloc(cap) : NULL;
		if (paths[i])
			cg_escape_bytes(paths[i], cap, v[i].path, len);
	}
	for (size_t i = 0; i < n; i++) {
		int lp = paths[i] ? (int)strlen(paths[i]) : 9;
		int lc = strlen(v[i].cpus), ls = strlen(v[i].set), lm = strlen(mode_text(v[i].mode));

		wpath = lp > wpath ? lp : wpath;
		wcpus = lc > wcpus ? lc : wcpus;
		wset = ls > wset ? ls : wset;
		wmode = lm > wmode ? lm : wmode;
	}
	printf("%-*s  %-*s  %-*s  %-*s  %s\n", wpath, "CGROUP", wcpus, "CPUS", wset, "SET", wmode, "MODE", "ID");
	for (size_t i = 0; i < n; i++)
		printf("%-*s  %-*s  %-*s  %-*s  %llu\n", wpath, paths[i] ? paths[i] : "(removed)", wcpus,
		       v[i].cpus, wset, v[i].set[0] ? v[i].set : "-", wmode, mode_text(v[i].mode),
		       (unsigned long long)v[i].cgroup_id);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int cmd_show(const struct options *o)
{
	struct shown *v = NULL;
	struct guard g;
	size_t n = 0;
	int err;

	if (require_caps("show") || guard_open(o->pin_dir, &g, false))
		return EXIT_FAIL;
	err = collect(&g, &v, &n);
	guard_close(&g);
	if (err) {
		fprintf(stderr, "cpuguard show: cannot read the policy\n");
		return EXIT_FAIL;
	}
	if (o->json)
		show_json(v, n);
	else if (n)
		show_table(v, n);
	else
		printf("no policy in force\n");
	free_shown(v, n);
	return EXIT_OK;
}

int cmd_status(const struct options *o)
{
	struct cpuguard_stats s = { 0 };
	struct cpuguard_state st = { 0 };
	bool loaded, supported, skips_known = false;
	uint64_t skips = 0;
	struct guard g;

	if (require_caps("status"))
		return EXIT_FAIL;
	loaded = guard_loaded(o->pin_dir);
	if (loaded) {
		if (guard_open(o->pin_dir, &g, false))
			return EXIT_FAIL;
		if (guard_read_state(&g, &st) || guard_read_stats(&g, &s)) {
			guard_close(&g);
			return EXIT_FAIL;
		}
		guard_close(&g);
		skips_known = guard_capture_skips(o->pin_dir, &skips) == 0;
	}
	if (o->json) {
		supported = check_kernel_support(false, true) == 0;
		printf("{\"loaded\": %s, \"pin_dir\": ", loaded ? "true" : "false");
		json_write_string(stdout, o->pin_dir);
		printf(", \"kernel_supported\": %s", supported ? "true" : "false");
		printf(", \"entries\": %u", st.entries);
#define PRINT_COUNTER(id, name, desc) printf(", \"" #name "\": %llu", (unsigned long long)s.cnt[CPUGUARD_CNT_##id]);
		CPUGUARD_COUNTERS(PRINT_COUNTER)
#undef PRINT_COUNTER
		if (skips_known)
			printf(", \"capture_skips\": %llu}\n", (unsigned long long)skips);
		else
			printf(", \"capture_skips\": null}\n");
		return loaded && supported ? EXIT_OK : EXIT_FAIL;
	}
	printf("loaded:   %s (%s)\n", loaded ? "yes" : "no", o->pin_dir);
	printf("kernel:   ");
	fflush(stdout);
	supported = check_kernel_support(false, false) == 0;
	printf("%s\n", supported ? "supported" : "NOT supported (see above)");
	if (!loaded)
		return EXIT_FAIL;
	printf("entries:  %u\n", st.entries);
	printf("checks:   %llu (allowed %llu, denied %llu, audited %llu)\n", (unsigned long long)s.cnt[CPUGUARD_CNT_CHECKS],
	       (unsigned long long)s.cnt[CPUGUARD_CNT_ALLOWED], (unsigned long long)s.cnt[CPUGUARD_CNT_DENIED], (unsigned long long)s.cnt[CPUGUARD_CNT_AUDITED]);
	printf("events:   %llu delivered to the ring buffer, %llu dropped\n", (unsigned long long)s.cnt[CPUGUARD_CNT_EVENTS],
	       (unsigned long long)s.cnt[CPUGUARD_CNT_DROPPED]);
	printf("errors:   %llu (requests that could not be read: denied, or reported in audit mode)\n",
	       (unsigned long long)s.cnt[CPUGUARD_CNT_ERRORS]);
	if (skips_known)
		printf("capture skips: %llu (the kernel skipped a capture program while another task was "
		       "preempted in it; such requests are refused, never allowed)\n",
		       (unsigned long long)skips);
	else
		printf("capture skips: unknown (a capture program is not attached: confined requests are denied)\n");
	return supported ? EXIT_OK : EXIT_FAIL;
}
