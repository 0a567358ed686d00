// SPDX-License-Identifier: GPL-2.0
/* cpuguard check / apply
 *
 * Apply writes the whole new policy into the generation of policy_map that
 * no check reads, then switches state_map.active_gen with one map update.
 * Killed before the switch, the old policy stays in force untouched; killed
 * after it, the new one is in force and the next apply clears what is left
 * of the old. See docs/design.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "cpuguard.h"
#include "policy.h"

static int parse(const char *file, struct policy *p, struct cg_cpumask *possible)
{
	struct policy_env env = {
		.possible = possible,
		.resolve = policy_cgroup_resolve,
		.cgroup_root = cgroup_root(),
		.max_entries = CPUGUARD_MAX_ENTRIES,
	};

	if (read_possible_cpus(possible, &env.nr_cpu_ids))
		return -1;
	return policy_parse_file(file, &env, p, stderr) ? -1 : 0;
}

/* check --possible LIST: validate for another machine's CPUs. */
static int possible_from(const char *list, struct cg_cpumask *possible, unsigned *nr_cpu_ids)
{
	char msg[256];
	int last = -1;

	if (cpulist_parse(list, possible, CG_MAX_CPUS, NULL, msg, sizeof(msg))) {
		errorf("cpuguard check: --possible %s: %s", list, msg);
		return -1;
	}
	for (int c = 0; c < CG_MAX_CPUS; c++)
		if (cg_cpumask_test(possible, c))
			last = c;
	if (last < 0) {
		errorf("cpuguard check: --possible %s: no CPU", list);
		return -1;
	}
	*nr_cpu_ids = last + 1;
	return 0;
}

int cmd_check(const struct options *o)
{
	struct cg_cpumask possible;
	struct policy p = { 0 };
	struct policy_env env = {
		.possible = &possible,
		.resolve = o->syntax_only ? NULL : policy_cgroup_resolve,
		.cgroup_root = cgroup_root(),
		.max_entries = CPUGUARD_MAX_ENTRIES,
	};
	int err;

	if (o->possible ? possible_from(o->possible, &possible, &env.nr_cpu_ids)
			: read_possible_cpus(&possible, &env.nr_cpu_ids))
		return EXIT_FAIL;
	err = policy_parse_file(o->file, &env, &p, stderr) ? -1 : 0;
	if (!err)
		printf("%s: valid: %zu set%s, %zu cgroup%s%s%s%s\n", o->file, p.nsets, p.nsets == 1 ? "" : "s",
		       p.nentries, p.nentries == 1 ? "" : "s",
		       o->possible ? "; CPUs checked against " : "", o->possible ? o->possible : "",
		       o->syntax_only ? "; cgroups not resolved (--syntax-only)" : "");
	policy_free(&p);
	return err ? EXIT_FAIL : EXIT_OK;
}

/* Delete what @what names (generation @gen's entries, the staged sets) in
 * one program run (install.bpf.c). */
static int clear(const struct guard *g, uint32_t what, uint32_t gen)
{
	struct clear_args a = { .gen = gen, .what = what };

	return run_syscall_prog(g->clear_generation, &a, sizeof(a)) ?: a.err;
}

/* Delete every entry of generation @gen from policy_map and path_map. */
static int clear_generation(const struct guard *g, uint32_t gen)
{
	return clear(g, CPUGUARD_CLEAR_ENTRIES, gen);
}

/* set_map is staging: empty before and after every apply. Deleting an
 * entry releases the set's own reference to its mask. */
static int clear_sets(const struct guard *g)
{
	return clear(g, CPUGUARD_CLEAR_SETS, 0);
}

static int create_set(const struct guard *g, uint32_t set_id, const struct cg_cpumask *mask)
{
	struct set_create_args *a = calloc(1, sizeof(*a));
	int err;

	if (!a)
		return -ENOMEM;
	a->set_id = set_id;
	memcpy(a->bits, mask->bits, sizeof(a->bits));
	err = run_syscall_prog(g->set_create, a, sizeof(*a)) ?: a->err;
	free(a);
	return err;
}

static uint32_t kernel_mode(const struct policy_entry *e)
{
	return (e->mode & POLICY_AUDIT ? CPUGUARD_AUDIT : CPUGUARD_ENFORCE) |
	       (e->mode & POLICY_STRICT ? CPUGUARD_STRICT : 0);
}

/* Line @e into generation @gen: into path_map when @with_path, and cgroup
 * @cgroup_id (when not 0) into policy_map; one program run. */
static int install_entry(const struct guard *g, const struct policy *p, const struct policy_entry *e,
			 bool with_path, uint64_t cgroup_id, uint32_t set_id, uint32_t gen)
{
	struct policy_install_args a = {
		.cgroup_id = cgroup_id,
		.gen = gen,
		.set_id = set_id,
		.mode = kernel_mode(e),
		.flags = e->optional ? CPUGUARD_PATH_OPTIONAL : 0,
		.key.gen = gen,
	};

	_Static_assert(POLICY_PATH_MAX <= CPUGUARD_PATH_LEN_MAX, "paths the parser accepts can be followed");
	if (with_path) {
		if (strlen(e->path) > POLICY_PATH_MAX)
			return -ENAMETOOLONG;
		memcpy(a.key.path, e->path, strlen(e->path));
		if (e->set >= 0)
			snprintf(a.set_name, sizeof(a.set_name), "%s", p->sets[e->set].name);
	}
	return run_syscall_prog(g->policy_install, &a, sizeof(a)) ?: a.err;
}

/* Inline CPU lists compared with the ones before, for sharing a set. */
#define RECENT_LISTS 8

/*
 * The set of each entry: named sets are set ids 0..nsets-1; an inline CPU
 * list gets id nsets + i, unless one of the last RECENT_LISTS distinct
 * lists had the same CPUs: then it uses that one's set, one mask object
 * for all of them, as a named set is. (A policy that writes "1-2" on
 * 10,000 lines made 10,000 program runs and masks otherwise.) NULL on no
 * memory.
 */
static uint32_t *assign_sets(const struct policy *p)
{
	uint32_t *id = calloc(p->nentries ? p->nentries : 1, sizeof(*id));
	size_t recent[RECENT_LISTS], nrecent = 0;

	for (size_t i = 0; id && i < p->nentries; i++) {
		const struct policy_entry *e = &p->entries[i];
		size_t r;

		if (e->set >= 0) {
			id[i] = e->set;
			continue;
		}
		for (r = 0; r < nrecent && !cg_cpumask_equal(p->entries[recent[r]].mask, e->mask); r++)
			;
		if (r < nrecent) {
			id[i] = id[recent[r]];
			continue;
		}
		id[i] = p->nsets + i;
		recent[nrecent < RECENT_LISTS ? nrecent++ : i % RECENT_LISTS] = i;
	}
	return id;
}

static int write_generation(const struct guard *g, const struct policy *p, const uint32_t *set_id, uint32_t gen)
{
	size_t i;
	int err;

	for (i = 0; i < p->nsets; i++)
		if ((err = create_set(g, i, &p->sets[i].mask)))
			return err;
	for (i = 0; i < p->nentries; i++) {
		const struct policy_entry *e = &p->entries[i];

		/* The first entry of an inline list's set creates it. */
		if (set_id[i] == p->nsets + i && (err = create_set(g, set_id[i], e->mask)))
			return err;
		if ((err = install_entry(g, p, e, true, e->cgroup_id, set_id[i], gen)))
			return err;
	}
	return 0;
}

/* The id of the cgroup at @path now, 0 if none (or not resolvable). */
static uint64_t id_at(const struct policy_env *env, const char *path)
{
	char msg[256];
	uint64_t id;

	return policy_cgroup_resolve(env, path, &id, msg, sizeof(msg)) ? 0 : id;
}

/* Is @path a child of the cgroup @parent[0..plen) ("" is the root)? */
static bool child_of(const char *path, const char *parent, size_t plen)
{
	return !strncmp(path, parent, plen) && path[plen] == '/' && path[plen + 1] &&
	       !strchr(path + plen + 1, '/');
}

/* Siblings listed from one directory read rather than one statx() each,
 * when the policy names at least this many in a row. */
#define LISTING_MIN 8

/* Is the cgroup parsed for @e (not 0) still at its path? Consecutive
 * entries sharing a parent read that parent once (@l keeps the listing);
 * "not proven" answers false and the caller resolves the path. */
static bool still_listed(struct cgroup_listing *l, const struct policy *p, size_t i)
{
	const char *path = p->entries[i].path, *slash = strrchr(path, '/');
	size_t plen = slash - path, run = 0;

	if (!l->parent || strlen(l->parent) != plen || strncmp(l->parent, path, plen)) {
		while (i + run < p->nentries && run < LISTING_MIN && child_of(p->entries[i + run].path, path, plen))
			run++;
		cgroup_listing_free(l);
		if (run >= LISTING_MIN)
			cgroup_listing_read(l, path, plen); /* names the parent even if it fails */
		if (!l->parent)
			l->parent = strndup(path, plen); /* not listed: each is resolved */
	}
	return cgroup_listing_id(l, slash + 1) == p->entries[i].cgroup_id;
}

/*
 * Cgroups (re-)created at a policy path since the file was parsed, before
 * the kernel side followed generation @gen: confine them here. A cgroup
 * removed between parsing and write_generation() left an entry no cgroup
 * will ever use (the kernel side removes entries only of generations it
 * follows): drop it. Every path is looked up as it is now: a run of
 * siblings by one read of their parent directory, the rest by a new
 * resolver (one statx() per path that shares its parent with the last).
 */
static int confine_new_cgroups(const struct guard *g, const struct policy *p, const uint32_t *set_id,
			       uint32_t gen)
{
	struct policy_env env = { .cgroup_root = cgroup_root(), .resolver = cgroup_resolver_new() };
	struct cgroup_listing listing = { 0 };
	char buf[CGROUP_PATH_MAX];
	int err = 0;

	for (size_t i = 0; i < p->nentries && !err; i++) {
		const struct policy_entry *e = &p->entries[i];
		struct policy_key stale = { .cgroup_id = e->cgroup_id, .gen = gen };

		if (e->cgroup_id && still_listed(&listing, p, i))
			continue; /* confined by write_generation() */
		uint64_t id = id_at(&env, e->path);

		if (id == e->cgroup_id)
			continue; /* confined by write_generation(), or still absent */
		if (e->cgroup_id && !cgroup_path_of(e->cgroup_id, buf, sizeof(buf)))
			bpf_map_delete_elem(g->policy_map, &stale);
		if (!id || (err = install_entry(g, p, e, false, id, set_id[i], gen)))
			continue;
		/* Removed between the resolution and the install, its entry was
		 * written after forget_cgroup ran: drop it. Removed later, the
		 * kernel side drops it. */
		struct policy_key fresh = { .cgroup_id = id, .gen = gen };

		if (id_at(&env, e->path) != id && !cgroup_path_of(id, buf, sizeof(buf)))
			bpf_map_delete_elem(g->policy_map, &fresh);
	}
	cgroup_listing_free(&listing);
	cgroup_resolver_free(env.resolver);
	return err;
}

static int write_state(const struct guard *g, const struct cpuguard_state *st)
{
	uint32_t key = 0;

	return bpf_map_update_elem(g->state_map, &key, st, BPF_ANY) ? -errno : 0;
}

/*
 * Generation @gen is about to be cleared and rewritten: the kernel side must
 * not be installing into it (state.follow), and no run that read the old
 * state may still be. After an interrupted apply, follow may name both.
 */
static int close_generation(const struct guard *g, struct cpuguard_state *st, uint32_t gen)
{
	int err;

	if (!(st->follow & (1u << gen)))
		return 0;
	st->follow &= ~(1u << gen);
	if ((err = write_state(g, st)))
		return err;
	return wait_for_checks();
}

/*
 * The order matters for cgroups created while apply runs:
 *  1. the inactive generation G' is closed to the kernel side and cleared;
 *  2. G' is written: every policy line into path_map, every existing
 *     cgroup into policy_map;
 *  3. G' is opened: from here the kernel side confines new cgroups in both
 *     generations; the wait makes sure every later mkdir sees that;
 *  4. cgroups created between parsing and 3 are found and confined;
 *  5. the switch, which also closes the old generation, and after a wait,
 *     its removal.
 * A cgroup created at any moment is confined in G' by the kernel (after 3)
 * or by apply (before 3: it exists at 4, or was removed again).
 */
static int apply_policy(const struct guard *g, const struct policy *p, const uint32_t *set_id)
{
	struct cpuguard_state st, next;
	uint32_t gen;
	int err = 0;

	if (guard_read_state(g, &st))
		return -EIO;
	gen = !st.active_gen;

	/* Leftovers of an interrupted apply live in the inactive generation. */
	if ((err = close_generation(g, &st, gen)) || wait_for_checks() ||
	    (err = clear_generation(g, gen)) || (err = clear_sets(g)))
		return err ?: -EIO;
	if ((err = write_generation(g, p, set_id, gen)))
		return err;
	st.follow |= 1u << gen;
	if ((err = write_state(g, &st)) || (err = wait_for_checks()) || (err = confine_new_cgroups(g, p, set_id, gen)))
		return err;

	/* The switch: from here on every check reads the new generation. */
	next = (struct cpuguard_state){
		.active_gen = gen,
		.entries = p->nentries,
		.follow = 1u << gen,
		.version = st.version + 1,
	};
	if ((err = write_state(g, &next)))
		return err;
	/* Old entries go only once no check can still be reading them; if
	 * that cannot be known they stay, and the next apply clears them. */
	err = wait_for_checks();
	if (err) {
		errorf("cpuguard apply: the new policy is in force; the old one stays in memory "
		       "until the next apply (cannot wait for running checks: %s)",
		       strerror(-err));
		return 0;
	}
	clear_sets(g);
	clear_generation(g, st.active_gen);
	return 0;
}

int cmd_apply(const struct options *o)
{
	const char *file = o->file;
	struct cg_cpumask possible;
	struct policy p = { 0 };
	struct guard g;
	int err;

	if (require_caps("apply"))
		return EXIT_FAIL;
	if (parse(file, &p, &possible)) {
		errorf("cpuguard apply: %s not applied; the policy in force is unchanged", file);
		policy_free(&p);
		return EXIT_FAIL;
	}
	if (guard_open(o, &g, true)) {
		policy_free(&p);
		return EXIT_FAIL;
	}
	uint32_t *set_id = assign_sets(&p);

	err = set_id ? apply_policy(&g, &p, set_id) : -ENOMEM;
	free(set_id);
	if (err)
		errorf("cpuguard apply: %s not applied (%s); the policy in force is unchanged", file,
		       strerror(-err));
	else {
		size_t waiting = 0;

		for (size_t i = 0; i < p.nentries; i++)
			waiting += !p.entries[i].cgroup_id;
		printf("applied %s: %zu cgroup%s", file, p.nentries, p.nentries == 1 ? "" : "s");
		if (waiting)
			printf(" (%zu waiting for their cgroup: confined when created)", waiting);
		printf("\n");
		tasks_note_after_apply(&p);
	}
	guard_close(&g);
	policy_free(&p);
	return err ? EXIT_FAIL : EXIT_OK;
}
