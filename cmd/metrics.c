// SPDX-License-Identifier: GPL-2.0
/* cpuguard metrics [FILE]: the counters and state in the Prometheus text
 * exposition format (version 0.0.4), which node_exporter's textfile
 * collector reads and re-exports, as OpenMetrics to a scraper that asks for
 * it. Written to FILE atomically (a temporary file renamed over it), so the
 * collector never reads half a file.
 *
 * Series:
 *   cpuguard_build_info{version}            1
 *   cpuguard_loaded                         0 or 1
 *   cpuguard_kernel_supported               0 or 1
 *   cpuguard_policy_entries                 cgroups in the policy in force
 *   cpuguard_policy_cgroup{cgroup,mode}     1 per confined cgroup
 *   cpuguard_<counter>_total                every CPUGUARD_COUNTERS entry
 * Counters are left out while cpuguard is not loaded (they do not exist
 * then; a 0 would read as a counter reset). Per-cgroup counts, once the
 * kernel keeps them per policy entry, belong beside cpuguard_policy_cgroup
 * with the same labels: cpuguard_cgroup_denied_total{cgroup,mode} and
 * cpuguard_cgroup_audited_total{cgroup,mode}. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cpuguard.h"

#ifndef CPUGUARD_VERSION
#define CPUGUARD_VERSION "unknown"
#endif

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One cpuguard_policy_cgroup series per entry of the generation in force. */
static void policy_cgroups(FILE *f, const struct guard *g, const struct cpuguard_state *st)
{
	struct policy_key key, next;
	void *prev = NULL;
	static char pbuf[CGROUP_PATH_MAX];
	char idbuf[32];

	family(f, "cpuguard_policy_cgroup", "gauge",
	       "A cgroup the policy in force confines (1), by path and mode.");
	while (!bpf_map_get_next_key(g->policy_map, prev, &next)) {
		struct policy_value val;
		const char *path;

		key = next;
		prev = &key;
		if (key.gen != st->active_gen || bpf_map_lookup_elem(g->policy_map, &key, &val))
			continue;
		path = cgroup_path_of(key.cgroup_id, pbuf, sizeof(pbuf));
		if (!path) { /* removed since: name it by id */
			snprintf(idbuf, sizeof(idbuf), "id:%llu", (unsigned long long)key.cgroup_id);
			path = idbuf;
		}
		fputs("cpuguard_policy_cgroup{cgroup=", f);
		put_label(f, path);
		fprintf(f, ",mode=\"%s\"} 1\n", val.mode & CPUGUARD_AUDIT ? "audit" : "enforce");
	}
}

static int write_metrics(FILE *f, const struct options *o)
{
	struct cpuguard_stats s = { 0 };
	struct cpuguard_state st = { 0 };
	struct guard_probe probe;
	struct support support;
	bool loaded = guard_probe(o->pin_dir, &probe) == GUARD_LOADED, supported;
	uint64_t pending = 0;
	struct guard g;

	if (loaded) {
		if (guard_open(o, &g, false))
			return -1;
		if (guard_read_state(&g, &st) || guard_read_stats(&g, &s) || guard_read_pending(&g, &pending)) {
			guard_close(&g);
			return -1;
		}
	}
	supported = probe_kernel_support(&support) == 0;

	family(f, "cpuguard_build_info", "gauge", "cpuguard's version, as a label.");
	fprintf(f, "cpuguard_build_info{version=");
	put_label(f, CPUGUARD_VERSION);
	fprintf(f, "} 1\n");
	family(f, "cpuguard_loaded", "gauge", "Whether cpuguard is loaded (pinned) and enforcing its policy.");
	fprintf(f, "cpuguard_loaded %d\n", loaded);
	family(f, "cpuguard_kernel_supported", "gauge",
	       "Whether the running kernel can run cpuguard (BTF, BPF LSM, bpf_cpumask kfuncs, cgroup v2).");
	fprintf(f, "cpuguard_kernel_supported %d\n", supported);
	family(f, "cpuguard_policy_entries", "gauge", "Cgroups in the policy in force.");
	fprintf(f, "cpuguard_policy_entries %u\n", st.entries);
	if (loaded) {
		policy_cgroups(f, &g, &st);
		guard_close(&g);
#define CPUGUARD_METRIC(id, name, desc)                                                           \
	family(f, "cpuguard_" #name "_total", "counter", "Since load: " desc ".");               \
	fprintf(f, "cpuguard_" #name "_total %llu\n", (unsigned long long)s.cnt[CPUGUARD_CNT_##id]);
		CPUGUARD_COUNTERS(CPUGUARD_METRIC)
#undef CPUGUARD_METRIC
		family(f, "cpuguard_pending_denials", "gauge",
		       "Repeated denials held for a later event's count (sent by cpuguard audit).");
		fprintf(f, "cpuguard_pending_denials %llu\n", (unsigned long long)pending);
	}
	return 0;
}

int cmd_metrics(const struct options *o)
{
	const char *file = o->file;
	char *tmp = NULL;
	FILE *f = stdout;
	int err;

	if (require_caps("metrics"))
		return EXIT_FAIL;
	if (file) {
		int fd;

		if (asprintf(&tmp, "%s.tmp.XXXXXX", file) < 0)
			return EXIT_FAIL;
		fd = mkstemp(tmp);
		if (fd < 0 || fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
			fprintf(stderr, "cpuguard metrics: cannot write %s: %s\n", tmp, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(tmp);
			}
			free(tmp);
			return EXIT_FAIL;
		}
	}
	err = write_metrics(f, o);
	if (!file) {
		if (fflush(stdout))
			err = -1;
		return err ? EXIT_FAIL : EXIT_OK;
	}
	if (fflush(f) || fsync(fileno(f)))
		err = -1;
	if (fclose(f))
		err = -1;
	if (!err && rename(tmp, file)) {
		fprintf(stderr, "cpuguard metrics: cannot rename %s to %s: %s\n", tmp, file, strerror(errno));
		err = -1;
	}
	if (err)
		unlink(tmp);
	free(tmp);
	return err ? EXIT_FAIL : EXIT_OK;
}
