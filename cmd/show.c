// SPDX-License-Identifier: GPL-2.0
/* cpuguard show / status */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cpuguard.h"
#include "json.h"
#include "policy.h"

/* What became of a policy line's path (path_map) in the kernel. */
enum entry_state {
	STATE_ACTIVE,     /* its cgroup exists and is confined */
	STATE_WAITING,    /* no cgroup at the path: confined when one is created */
	STATE_UNCONFINED, /* a cgroup exists there but has no entry: see "error" */
};

static const char *const state_names[] = { "active", "waiting", "unconfined" };

struct shown {
	uint64_t cgroup_id; /* 0 unless active or unconfined */
	char *path;
	char *cpus;
	char set[CPUGUARD_NAME_MAX];
	uint32_t mode;
	enum entry_state state;
	bool optional;
	uint64_t followed; /* cgroups created at the path and confined by the kernel */
	int error;         /* the last such confinement that failed */
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
	return strcmp(((const struct shown *)a)->path, ((const struct shown *)b)->path);
}

/* One policy line: its state now, and the CPUs the kernel holds for it
 * (the cgroup's entry when there is one, else the line's own mask). */
static int describe(const struct guard *g, const struct path_key *key, const struct path_value *line,
		    struct shown *s)
{
	struct policy_env env = { .cgroup_root = cgroup_root() };
	struct policy_key pk = { .gen = key->gen };
	struct policy_value pv;
	struct cg_cpumask mask;
	char msg[256], buf[CPUGUARD_MAX_CPUS * 6];
	uint64_t id = 0;

	memset(s, 0, sizeof(*s));
	if (!(s->path = strndup(key->path, sizeof(key->path))))
		return -ENOMEM;
	s->mode = line->mode;
	s->optional = line->flags & CPUGUARD_PATH_OPTIONAL;
	s->followed = line->followed;
	s->error = line->error;
	memcpy(s->set, line->set_name, sizeof(s->set));
	s->set[sizeof(s->set) - 1] = 0;
	s->state = STATE_WAITING;
	if (!policy_cgroup_resolve(&env, s->path, &id, msg, sizeof(msg))) {
		pk.cgroup_id = id;
		s->cgroup_id = id;
		s->state = bpf_map_lookup_elem(g->policy_map, &pk, &pv) ? STATE_UNCONFINED : STATE_ACTIVE;
	}
	if (guard_read_mask(g, s->state == STATE_ACTIVE ? id : 0, s->path, key->gen, &mask))
		return -EAGAIN; /* replaced under us by a concurrent apply */
	cpulist_format(&mask, buf, sizeof(buf));
	return (s->cpus = strdup(buf)) ? 0 : -ENOMEM;
}

/* Read the generation in force back from the kernel: every policy line of
 * path_map, with the state of its cgroup. */
static int collect(const struct guard *g, struct shown **out, size_t *n)
{
	struct path_key key, next;
	struct path_value line;
	struct cpuguard_state st;
	struct shown *v = NULL;
	size_t len = 0, cap = 0;
	void *prev = NULL;
	int err;

	if (guard_read_state(g, &st))
		return -1;
	while (!bpf_map_get_next_key(g->path_map, prev, &next)) {
		key = next;
		prev = &key;
		if (key.gen != st.active_gen || bpf_map_lookup_elem(g->path_map, &key, &line))
			continue;
		if (len == cap) {
			struct shown *t = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*t));

			if (!t)
				goto fail;
			v = t;
		}
		err = describe(g, &key, &line, &v[len]);
		if (err == -EAGAIN) {
			free(v[len].path);
			continue;
		}
		len++;
		if (err)
			goto fail;
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

static int show_json(const struct shown *v, size_t n)
{
	struct jw j = JW_INIT;
	int rc;

	jw_arr(&j);
	for (size_t i = 0; i < n; i++) {
		jw_obj(&j);
		jw_key(&j, "cgroup");
		jw_str(&j, v[i].path);
		jw_key(&j, "cgroup_id");
		if (v[i].cgroup_id)
			jw_u64(&j, v[i].cgroup_id);
		else
			jw_null(&j);

		jw_key(&j, "cpus");
		jw_str(&j, v[i].cpus);
		jw_key(&j, "set");
		jw_str(&j, v[i].set[0] ? v[i].set : NULL);
		jw_key(&j, "mode");
		jw_str(&j, mode_name(v[i].mode));
		jw_key(&j, "strict");
		jw_bool(&j, v[i].mode & CPUGUARD_STRICT);
		jw_key(&j, "state");
		jw_str(&j, state_names[v[i].state]);
		jw_key(&j, "optional");
		jw_bool(&j, v[i].optional);
		jw_key(&j, "followed");
		jw_u64(&j, v[i].followed);
		jw_key(&j, "error");
		if (v[i].error)
			jw_str(&j, strerror(-v[i].error));
		else
			jw_null(&j);
		jw_end(&j);
	}
	jw_end(&j);
	rc = jw_flush(&j, stdout);
	jw_free(&j);
	return rc;
}

static void show_table(const struct shown *v, size_t n)
{
	int wpath = 6, wcpus = 4, wset = 3, wmode = 7, wstate = 7;
	char **paths = calloc(n ? n : 1, sizeof(*paths));

	if (!paths)
		return;
	/* Names are bytes: escape them before they reach a terminal. */
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i].path), cap = 4 * len + 1;

		if ((paths[i] = malloc(cap)))
			cg_escape_bytes(paths[i], cap, v[i].path, len);
	}
	for (size_t i = 0; i < n; i++) {
		int lp = paths[i] ? (int)strlen(paths[i]) : 1;
		int lc = strlen(v[i].cpus), ls = strlen(v[i].set), lm = strlen(mode_text(v[i].mode));
		int lt = strlen(state_names[v[i].state]) + (v[i].optional ? 9 : 0);

		wpath = lp > wpath ? lp : wpath;
		wcpus = lc > wcpus ? lc : wcpus;
		wset = ls > wset ? ls : wset;
		wmode = lm > wmode ? lm : wmode;
		wstate = lt > wstate ? lt : wstate;
	}
	printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wpath, "CGROUP", wcpus, "CPUS", wset, "SET", wmode, "MODE",
	       wstate, "STATE", "ID");
	for (size_t i = 0; i < n; i++) {
		char state[32], id[24] = "-";

		snprintf(state, sizeof(state), "%s%s", state_names[v[i].state], v[i].optional ? ",optional" : "");
		if (v[i].cgroup_id)
			snprintf(id, sizeof(id), "%llu", (unsigned long long)v[i].cgroup_id);
		printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wpath, paths[i] ? paths[i] : "?", wcpus, v[i].cpus,
		       wset, v[i].set[0] ? v[i].set : "-", wmode, mode_text(v[i].mode), wstate, state, id);
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].state == STATE_UNCONFINED)
			printf("warning: %s exists but is not confined (%s): apply the policy again\n",
			       paths[i] ? paths[i] : "?",
			       v[i].error ? strerror(-v[i].error) : "created while cpuguard did not follow it");
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

	if (require_caps("show") || guard_open(o, &g, false))
		return EXIT_FAIL;
	err = collect(&g, &v, &n);
	guard_close(&g);
	if (err) {
		errorf("cpuguard show: cannot read the policy");
		return EXIT_FAIL;
	}
	if (o->json)
		err = show_json(v, n);
	else if (n)
		show_table(v, n);
	else
		printf("no policy in force\n");
	free_shown(v, n);
	if (err) {
		errorf("cpuguard show: out of memory formatting the policy");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* What status found out; a NULL string or false flag means "not known". */
struct report {
	const char *pin_dir;
	bool privileged, loaded, known_loaded, supported, known_supported;
	char reason[600];         /* why not loaded and supported; "" when it is */
	char not_loaded[600];     /* why not loaded */
	struct support support;
	bool have_build;          /* the loaded programs' version pin was read */
	struct cpuguard_build cli, loaded_build;
	struct cpuguard_state st;
	struct cpuguard_stats s;
	bool skips_known;         /* the capture programs' recursion misses were read */
	uint64_t skips;
	size_t states[3];         /* policy lines per enum entry_state */
	uint64_t pending;         /* repeated denials held for a later event */
};

/* How many policy lines are active, waiting and unconfined. */
static int count_states(const struct guard *g, size_t states[3])
{
	struct shown *v;
	size_t n;

	if (collect(g, &v, &n))
		return -1;
	for (size_t i = 0; i < n; i++)
		states[v[i].state]++;
	free_shown(v, n);
	return 0;
}

static bool same_build(const struct report *r)
{
	return r->have_build && !strcmp(r->cli.version, r->loaded_build.version) &&
	       !strcmp(r->cli.object, r->loaded_build.object);
}

static int status_json(const struct report *r)
{
	struct jw j = JW_INIT;
	int rc;

	jw_obj(&j);
	jw_key(&j, "loaded");
	if (r->known_loaded)
		jw_bool(&j, r->loaded);
	else
		jw_null(&j);
	jw_key(&j, "pin_dir");
	jw_str(&j, r->pin_dir);
	jw_key(&j, "kernel_supported");
	if (r->known_supported)
		jw_bool(&j, r->supported);
	else
		jw_null(&j);
	jw_key(&j, "entries");
	if (r->loaded)
		jw_u64(&j, r->st.entries);
	else
		jw_null(&j);
	for (int i = 0; i < 3; i++) {
		jw_key(&j, state_names[i]);
		if (r->loaded)
			jw_u64(&j, r->states[i]);
		else
			jw_null(&j);
	}
#define COUNTER_JSON(id, name, desc)                              \
	jw_key(&j, #name);                                        \
	if (r->loaded)                                            \
		jw_u64(&j, r->s.cnt[CPUGUARD_CNT_##id]);          \
	else                                                      \
		jw_null(&j);
	CPUGUARD_COUNTERS(COUNTER_JSON)
#undef COUNTER_JSON
	jw_key(&j, "pending");
	if (r->loaded)
		jw_u64(&j, r->pending);
	else
		jw_null(&j);
	jw_key(&j, "capture_skips");
	if (r->loaded && r->skips_known)
		jw_u64(&j, r->skips);
	else
		jw_null(&j);
	jw_key(&j, "reason");
	jw_str(&j, r->reason[0] ? r->reason : NULL);
	jw_key(&j, "missing");
	jw_arr(&j);
	for (int i = 0; i < r->support.ngaps; i++) {
		jw_obj(&j);
		jw_key(&j, "what");
		jw_str(&j, r->support.gaps[i].what);
		jw_key(&j, "fix");
		jw_str(&j, r->support.gaps[i].fix[0] ? r->support.gaps[i].fix : NULL);
		jw_end(&j);
	}
	jw_end(&j);
	jw_key(&j, "version");
	jw_str(&j, r->cli.version);
	jw_key(&j, "object");
	jw_str(&j, r->cli.object);
	jw_key(&j, "loaded_version");
	jw_str(&j, r->have_build ? r->loaded_build.version : NULL);
	jw_key(&j, "loaded_object");
	jw_str(&j, r->have_build ? r->loaded_build.object : NULL);
	jw_key(&j, "same_version");
	if (r->loaded)
		jw_bool(&j, same_build(r));
	else
		jw_null(&j);
	jw_end(&j);
	rc = jw_flush(&j, stdout);
	jw_free(&j);
	return rc;
}

#define RELOAD_HINT "to run this cpuguard's programs: cpuguard unload && cpuguard load, then apply the policy again (nothing is enforced in between)"

static void status_text(const struct report *r)
{
	if (!r->known_loaded)
		printf("loaded:   unknown: %s\n", r->reason);
	else if (!r->loaded)
		printf("loaded:   no (%s)\n", r->not_loaded);
	else
		printf("loaded:   yes (%s)\n", r->pin_dir);
	if (r->loaded) {
		if (same_build(r))
			printf("version:  %s (object %s), as this cpuguard\n", r->cli.version, r->cli.object);
		else if (r->have_build)
			printf("version:  programs %s (object %s), this cpuguard %s (object %s): they differ; %s\n",
			       r->loaded_build.version, r->loaded_build.object, r->cli.version, r->cli.object,
			       RELOAD_HINT);
		else
			printf("version:  programs unknown (loaded by a cpuguard older than %s); %s\n", r->cli.version,
			       RELOAD_HINT);
	}
	if (!r->known_supported) {
		printf("kernel:   unknown: %s\n", r->reason);
	} else if (r->supported) {
		printf("kernel:   supported\n");
	} else {
		printf("kernel:   NOT supported\n");
		for (int i = 0; i < r->support.ngaps; i++) {
			printf("          %s\n", r->support.gaps[i].what);
			if (r->support.gaps[i].fix[0])
				printf("          fix: %s\n", r->support.gaps[i].fix);
		}
	}
	if (!r->loaded)
		return;
	printf("entries:  %u (%zu active, %zu waiting for their cgroup", r->st.entries, r->states[STATE_ACTIVE],
	       r->states[STATE_WAITING]);
	if (r->states[STATE_UNCONFINED])
		printf(", %zu NOT confined: see cpuguard show", r->states[STATE_UNCONFINED]);
	printf(")\n");
#define COUNTER_TEXT(id, name, desc)                                                    \
	printf("%-9s %llu (%s)\n", #name ":", (unsigned long long)r->s.cnt[CPUGUARD_CNT_##id], desc);
	CPUGUARD_COUNTERS(COUNTER_TEXT)
#undef COUNTER_TEXT
	printf("%-9s %llu (repeated denials held for a later event's count, sent by the audit reader)\n",
	       "pending:", (unsigned long long)r->pending);
	if (r->skips_known)
		printf("capture skips: %llu (the kernel skipped a capture program while another task was "
		       "preempted in it; such requests are refused, never allowed)\n",
		       (unsigned long long)r->skips);
	else
		printf("capture skips: unknown (a capture program is not attached: confined requests are denied)\n");
}

/* Three cases, each with its own clean report: loaded (counters), not
 * loaded (why), and not privileged (what is unknown, and why). */
int cmd_status(const struct options *o)
{
	struct report r = { .pin_dir = o->pin_dir };
	char capmsg[CAPS_MSG_MAX];
	struct guard_probe probe;
	struct guard g;
	int rc = 0;

	cli_build(&r.cli);
	if (missing_cap(capmsg, sizeof(capmsg))) {
		snprintf(r.reason, sizeof(r.reason), "%s (run as root)", capmsg);
	} else {
		r.privileged = true;
		r.known_supported = true;
		r.supported = probe_kernel_support(&r.support) == 0;
		r.known_loaded = true;
		switch (guard_probe(o->pin_dir, &probe)) {
		case GUARD_LOADED:
			r.loaded = !guard_open(o, &g, false);
			if (r.loaded) {
				if (guard_read_state(&g, &r.st) || guard_read_stats(&g, &r.s) ||
				    count_states(&g, r.states) ||
				    guard_read_pending(&g, &r.pending)) {
					errorf("cpuguard status: cannot read the counters");
					rc = -1;
				}
				guard_close(&g);
				r.have_build = !read_build(o->pin_dir, &r.loaded_build);
				r.skips_known = !guard_capture_skips(o->pin_dir, &r.skips);
			} else {
				rc = -1;
			}
			break;
		case GUARD_ABSENT:
			snprintf(r.reason, sizeof(r.reason), "nothing pinned at %s: run 'cpuguard load'", o->pin_dir);
			break;
		case GUARD_PARTIAL:
			snprintf(r.reason, sizeof(r.reason), "%s holds only some of cpuguard's pins (%s): run 'cpuguard load'",
				 o->pin_dir, probe.why[0] ? probe.why : "a load that did not finish");
			break;
		default:
			snprintf(r.reason, sizeof(r.reason), "%s", probe.why);
			break;
		}
		snprintf(r.not_loaded, sizeof(r.not_loaded), "%s", r.reason);
		/* The kernel's gap is the root cause of everything else. */
		if (!r.supported && r.support.ngaps)
			snprintf(r.reason, sizeof(r.reason), "%s", r.support.gaps[0].what);
	}
	if (rc)
		return EXIT_FAIL;
	if (o->json) {
		if (status_json(&r)) {
			errorf("cpuguard status: out of memory formatting the report");
			return EXIT_FAIL;
		}
	} else {
		status_text(&r);
	}
	return r.loaded && r.supported ? EXIT_OK : EXIT_FAIL;
}

/* For cpuguard tasks: what collect() reads, with each entry's CPUs as a
 * mask again (the canonical list it formats parses back exactly). Free
 * with free_policy_in_force(). */
int read_policy_in_force(const struct guard *g, struct entry_in_force **out, size_t *n)
{
	struct entry_in_force *e;
	struct shown *v = NULL;
	size_t len = 0;

	if (collect(g, &v, &len))
		return -1;
	if (!(e = calloc(len ? len : 1, sizeof(*e)))) {
		free_shown(v, len);
		return -1;
	}
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		if (v[i].state != STATE_ACTIVE)
			continue; /* no cgroup, or not one the kernel confines */
		e[k].cgroup_id = v[i].cgroup_id;
		e[k].mode = v[i].mode;
		e[k].path = v[i].path; /* taken over */
		v[i].path = NULL;
		if (cpulist_parse(v[i].cpus, &e[k].mask, CG_MAX_CPUS, NULL, NULL, 0))
			cg_cpumask_zero(&e[k].mask); /* an empty set: never written by apply */
		k++;
	}
	free_shown(v, len);
	*out = e;
	*n = k;
	return 0;
}

void free_policy_in_force(struct entry_in_force *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++)
		free(e[i].path);
	free(e);
}
