// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the policy parser and validator (policy_parse_buffer),
 * with a fake cgroup resolver so that no filesystem is touched.
 *
 * Input: the machine (fuzz_env.h, 3 bytes), one flags byte, then the
 * policy text (any bytes; it is not NUL-terminated, and ASan sees any read
 * past it).
 *   flags bit 0    env = NULL (syntax only)
 *   flags bit 1    no resolver
 *   flags bits 2-4 max_entries (0 = no limit)
 *   flags bit 5    errs = NULL
 * The fake resolver: a path containing "nx" does not exist, one whose last
 * component starts with 'f' is not a cgroup directory, one containing
 * "same" is cgroup 42 (so two such paths name one cgroup), anything else
 * gets an id hashed from the path.
 *
 * Checked for every input, beyond "no crash, no leak, no sanitizer report":
 *  - the error output is printable ASCII, one "fuzz.conf:LINE: ..." line
 *    per error in line order, at most POLICY_ERRORS_MAX of them and then
 *    "N more errors not shown", consistent with the count returned;
 *  - the resolver only ever sees normalised absolute paths;
 *  - whatever is in *out is well formed (indices in range, paths valid);
 *  - a valid policy satisfies every documented rule (limits, unique names
 *    and paths, masks non-empty and possible, set masks copied, the parent
 *    is the nearest confined ancestor and contains the child's CPUs,
 *    cgroup ids from the resolver and distinct), is also valid for the
 *    syntax-only check, and survives a round trip: written back as text
 *    and parsed again it gives the same policy.
 */
#define _GNU_SOURCE
#include <string.h>

#include "fuzz_env.h"
#include "policy.h"

#define NAME "fuzz.conf"

static uint64_t fake_id(const char *path)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	if (strstr(path, "same"))
		return 42;
	for (const char *p = path; *p; p++)
		h = (h ^ (unsigned char)*p) * UINT64_C(0x100000001b3);
	return (h << 8) | 0x80; /* never 42, never 0 */
}

static bool path_ok(const char *p)
{
	size_t n = strlen(p);

	if (p[0] != '/')
		return false;
	if (n == 1)
		return true;
	if (p[n - 1] == '/')
		return false;
	for (const char *c = p + 1;;) { /* components: non-empty, not . or .. */
		const char *e = strchr(c, '/');
		size_t k = e ? (size_t)(e - c) : strlen(c);

		if (!k || (k == 1 && c[0] == '.') || (k == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		for (size_t i = 0; i < k; i++)
			if (c[i] == ' ' || c[i] == '\t' || c[i] == '\n')
				return false;
		if (!e)
			return true;
		c = e + 1;
	}
}

static int fake_resolve(const struct policy_env *env, const char *path, uint64_t *id, char *err,
			size_t errlen)
{
	const char *last = strrchr(path, '/');

	(void)env;
	FUZZ_CHECK(path_ok(path), "resolver got \"%s\"", path);
	if (strstr(path, "nx")) {
		snprintf(err, errlen, "no such cgroup");
		return POLICY_NO_CGROUP;
	}
	if (last && last[1] == 'f') {
		snprintf(err, errlen, "not a cgroup v2 directory");
		return -1;
	}
	*id = fake_id(path);
	return 0;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= POLICY_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';

		if (!(alpha || (i && ((c >= '0' && c <= '9') || c == '.' || c == '-'))))
			return false;
	}
	return true;
}

/* ---- the error output ---- */

static void check_errors(const char *out, size_t len, int n)
{
	size_t lines = 0, name_len = strlen(NAME);
	long prev = 0;
	bool more = false;

	FUZZ_CHECK(n >= 0, "negative count %d", n);
	FUZZ_CHECK(fuzz_printable(out, len, true), "error output not printable:\n%s", out);
	FUZZ_CHECK(!len || out[len - 1] == '\n', "error output does not end a line");
	for (const char *l = out; l < out + len; lines++) {
		const char *nl = memchr(l, '\n', (size_t)(out + len - l));
		long line = 0;

		FUZZ_CHECK(!more, "a line after the \"more errors\" line:\n%s", out);
		FUZZ_CHECK(!strncmp(l, NAME ":", name_len + 1), "line without the file name:\n%s", out);
		if (l[name_len + 1] >= '1' && l[name_len + 1] <= '9') {
			line = strtol(l + name_len + 1, NULL, 10);
			FUZZ_CHECK(line >= prev, "errors out of line order:\n%s", out);
			prev = line;
		} else if (strstr(l, " more error") && strstr(l, "not shown") < nl) {
			more = true;
			FUZZ_CHECK(lines == POLICY_ERRORS_MAX, "\"more\" after %zu lines", lines);
			FUZZ_CHECK(strtol(l + name_len + 2, NULL, 10) == n - POLICY_ERRORS_MAX,
				   "\"more\" count wrong for %d errors:\n%s", n, l);
		} else {
			FUZZ_CHECK(prev == 0, "an error without a line after one with a line");
		}
		l = nl + 1;
	}
	if (!strstr(out, ": out of memory\n"))
		FUZZ_CHECK(more ? lines == POLICY_ERRORS_MAX + 1 : lines == (size_t)n,
			   "%zu lines of output for %d errors:\n%s", lines, n, out);
}

/* ---- *out ---- */

static void check_shape(const struct policy *p)
{
	for (size_t i = 0; i < p->nsets; i++)
		FUZZ_CHECK(name_ok(p->sets[i].name), "set name \"%s\"", p->sets[i].name);
	for (size_t i = 0; i < p->nentries; i++) {
		const struct policy_entry *e = &p->entries[i];

		FUZZ_CHECK(e->path && path_ok(e->path), "entry %zu path", i);
		FUZZ_CHECK(strlen(e->path) <= POLICY_PATH_MAX, "entry %zu path longer than can be followed", i);
		FUZZ_CHECK(e->set >= -1 && e->set < (int)p->nsets, "entry %zu set %d", i, e->set);
		FUZZ_CHECK(e->parent >= -1 && e->parent < (int)p->nentries && e->parent != (int)i,
			   "entry %zu parent %d", i, e->parent);
		FUZZ_CHECK(!(e->mode & ~(unsigned)(POLICY_AUDIT | POLICY_STRICT)), "mode %u", e->mode);
		FUZZ_CHECK(e->line >= 1 && (!i || e->line > p->entries[i - 1].line), "entry order");
	}
}

/* Is a a proper ancestor of b ("/" of everything else)? */
static bool ancestor(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (!strcmp(a, "/"))
		return strcmp(b, "/") != 0;
	return !strncmp(a, b, n) && b[n] == '/';
}

static void check_valid(const struct policy *p, const struct fuzz_machine *m, bool env_null,
			bool resolver, size_t max)
{
	if (max) {
		FUZZ_CHECK(p->nentries <= max && p->nsets <= max, "limit %zu: %zu entries, %zu sets",
			   max, p->nentries, p->nsets);
	}
	for (size_t i = 0; i < p->nsets; i++) {
		const struct policy_set *s = &p->sets[i];

		FUZZ_CHECK(!cg_cpumask_empty(&s->mask), "set %s empty", s->name);
		if (!env_null)
			FUZZ_CHECK(fuzz_mask_allowed(m, &s->mask), "set %s has impossible CPUs", s->name);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(s->name, p->sets[j].name), "set %s twice", s->name);
	}
	for (size_t i = 0; i < p->nentries; i++) {
		const struct policy_entry *e = &p->entries[i];
		int nearest = -1;

		FUZZ_CHECK(!cg_cpumask_empty(e->mask), "%s: empty mask", e->path);
		if (!env_null)
			FUZZ_CHECK(fuzz_mask_allowed(m, e->mask), "%s: impossible CPUs", e->path);
		if (e->set >= 0)
			FUZZ_CHECK(cg_cpumask_equal(e->mask, &p->sets[e->set].mask), "%s: set mask", e->path);
		if (!env_null && resolver)
			FUZZ_CHECK(e->cgroup_id == (e->optional && strstr(e->path, "nx") ? 0 : fake_id(e->path)),
				   "%s: cgroup id", e->path);
		else
			FUZZ_CHECK(e->cgroup_id == 0, "%s: id without a resolver", e->path);
		if (p->nentries > 300) /* the quadratic checks: small policies only */
			continue;
		for (size_t j = 0; j < p->nentries; j++) {
			const struct policy_entry *o = &p->entries[j];

			if (j != i) {
				FUZZ_CHECK(strcmp(e->path, o->path), "%s twice", e->path);
				if (e->cgroup_id)
					FUZZ_CHECK(e->cgroup_id != o->cgroup_id, "%s and %s: one cgroup",
						   e->path, o->path);
			}
			if (ancestor(o->path, e->path) &&
			    (nearest < 0 || strlen(o->path) > strlen(p->entries[nearest].path)))
				nearest = (int)j;
		}
		FUZZ_CHECK(e->parent == nearest, "%s: parent %d, nearest ancestor %d", e->path, e->parent,
			   nearest);
		if (nearest >= 0)
			FUZZ_CHECK(cg_cpumask_subset(e->mask, p->entries[nearest].mask),
				   "%s: CPUs outside its ancestor's", e->path);
	}
}

/* Write a valid policy back as text; NULL if a list is too long for a line. */
static char *write_back(const struct policy *p, size_t *len)
{
	static char list[65536];
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	bool ok = true;

	FUZZ_CHECK(f, "open_memstream");
	for (size_t i = 0; i < p->nsets && ok; i++) {
		ok = cpulist_format(&p->sets[i].mask, list, sizeof(list)) > 0 &&
		     strlen(list) + strlen(p->sets[i].name) + 8 < POLICY_LINE_MAX;
		fprintf(f, "set %s %s\n", p->sets[i].name, list);
	}
	for (size_t i = 0; i < p->nentries && ok; i++) {
		const struct policy_entry *e = &p->entries[i];

		ok = cpulist_format(e->mask, list, sizeof(list)) > 0 &&
		     strlen(e->path) + strlen(list) + 20 < POLICY_LINE_MAX;
		fprintf(f, "cgroup %s %s%s%s\n", e->path, e->set >= 0 ? p->sets[e->set].name : list,
			e->mode & POLICY_AUDIT ? " audit" : "", e->mode & POLICY_STRICT ? " strict" : "");
	}
	fclose(f);
	if (!ok) {
		free(text);
		return NULL;
	}
	return text;
}

static void check_round_trip(const struct policy *p, const struct policy_env *env)
{
	struct policy q;
	size_t len;
	char *text = write_back(p, &len), *errs = NULL;
	size_t elen;
	FILE *f;

	if (!text)
		return;
	f = open_memstream(&errs, &elen);
	int n = policy_parse_buffer(NAME, text, len, env, &q, f);

	fclose(f);
	FUZZ_CHECK(n == 0, "written back, the policy is invalid:\n%s\n%s", text, errs);
	FUZZ_CHECK(q.nsets == p->nsets && q.nentries == p->nentries, "round trip counts");
	for (size_t i = 0; i < p->nsets; i++)
		FUZZ_CHECK(!strcmp(q.sets[i].name, p->sets[i].name) &&
				   cg_cpumask_equal(&q.sets[i].mask, &p->sets[i].mask),
			   "round trip set %zu", i);
	for (size_t i = 0; i < p->nentries; i++) {
		const struct policy_entry *a = &p->entries[i], *b = &q.entries[i];

		FUZZ_CHECK(!strcmp(a->path, b->path) && a->set == b->set && a->mode == b->mode &&
				   a->parent == b->parent && a->cgroup_id == b->cgroup_id &&
				   cg_cpumask_equal(a->mask, b->mask),
			   "round trip entry %zu (%s)", i, a->path);
	}
	policy_free(&q);
	free(text);
	free(errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_machine m;
	struct policy p, q;
	char *out = NULL, *buf;
	size_t outlen = 0;
	FILE *f = NULL;
	uint8_t flags;
	int n;

	if (!fuzz_machine_init(&m, &data, &size) || size < 1)
		return 0;
	flags = data[0];
	data++, size--;

	bool env_null = flags & 1, resolver = !(flags & 2), quiet = flags & 32;
	size_t max = (flags >> 2) & 7;
	struct policy_env env = {
		.nr_cpu_ids = m.nr_cpu_ids,
		.possible = m.possible,
		.resolve = resolver ? fake_resolve : NULL,
		.max_entries = max,
	};

	/* An exact-size copy: the parser must not read past len. */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (!quiet)
		f = open_memstream(&out, &outlen);
	n = policy_parse_buffer(NAME, buf, size, env_null ? NULL : &env, &p, f);
	if (f) {
		FUZZ_CHECK(!fclose(f), "fclose");
		check_errors(out, outlen, n);
	}
	check_shape(&p);
	if (n == 0) {
		check_valid(&p, &m, env_null, resolver, env_null ? 0 : max);
		if (!env_null) {
			/* Valid for a machine and a limit means valid for syntax. */
			FUZZ_CHECK(policy_parse_buffer(NAME, buf, size, NULL, &q, NULL) == 0,
				   "valid, but not for the syntax-only check");
			policy_free(&q);
		}
		check_round_trip(&p, env_null ? NULL : &env);
	}
	policy_free(&p);
	FUZZ_CHECK(!p.sets && !p.entries && !p.nsets && !p.nentries, "policy_free leaves state");
	free(out);
	free(buf);
	return 0;
}
