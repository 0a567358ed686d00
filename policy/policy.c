// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "policy.h"
#include "strtab.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270 /* linux/magic.h */
#endif

#define NONE STRTAB_NONE
#define MAX_FIELDS 7             /* one more than the longest directive */
#define ESC_MAX (4 * POLICY_LINE_MAX + 1)
#define MASK_TEXT 128            /* CPU lists shown in messages are cut here */

struct tok {
	const char *s;
	size_t n;
};

struct perr {
	int line; /* 0 = not tied to a line */
	size_t seq;
	char *msg;
};

/* A cgroup line naming a set; resolved once all sets are known. */
struct setref {
	size_t entry;
	char name[POLICY_NAME_MAX];
};

struct ctx {
	const char *name;
	const struct policy_env *env;
	struct policy *p;
	size_t capsets, capentries, capsetbad, capentbad, caprefs, caperrs;
	bool *set_bad;   /* per set: its CPU list was invalid */
	bool *entry_bad; /* per entry: CPUs unknown, skip containment checks */
	struct strtab sets, cgroups;
	struct setref *refs;
	size_t nrefs;
	struct perr *errs;
	size_t nerrs;      /* stored: at most 2 * POLICY_ERRORS_MAX */
	size_t nerrs_all;  /* found, stored or not */
	size_t err_seq;
	bool have_cut;     /* POLICY_ERRORS_MAX errors sort before cut: drop later ones */
	struct perr cut;
	/* Lines beyond env->max_entries are checked but not stored. */
	size_t nsets_all, nentries_all;
	int set_over_line, entry_over_line;
	int line;
	bool oom;
	char tokbuf[POLICY_LINE_MAX + 1];
	char esc[2][ESC_MAX];
};

/* ---- small helpers ---- */

/* Returns the (maybe moved) array with room for index n, NULL on OOM. */
static void *grow(struct ctx *c, void *arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	void *na;

	if (n < *cap)
		return arr;
	if (ncap > SIZE_MAX / size || !(na = realloc(arr, ncap * size))) {
		c->oom = true;
		return NULL;
	}
	*cap = ncap;
	return na;
}

static const char *esc(struct ctx *c, int slot, struct tok t)
{
	cg_escape_bytes(c->esc[slot], ESC_MAX, t.s, t.n);
	return c->esc[slot];
}

static const char *esc_str(struct ctx *c, int slot, const char *s)
{
	return esc(c, slot, (struct tok){ s, strlen(s) });
}

static bool tok_is(struct tok t, const char *word)
{
	return t.n == strlen(word) && memcmp(t.s, word, t.n) == 0;
}

/* Tokens are not NUL-terminated in the buffer; cpulist_parse wants one. */
static const char *tok_cstr(struct ctx *c, struct tok t)
{
	memcpy(c->tokbuf, t.s, t.n);
	c->tokbuf[t.n] = '\0';
	return c->tokbuf;
}

static int cmp_err(const void *a, const void *b)
{
	const struct perr *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Keep only the first POLICY_ERRORS_MAX errors in file order: memory and
 * output stay bounded whatever the file (16 MiB of "x\n" is 8M errors).
 * Each pass finds errors in line order, so once the cut is set nearly all
 * later errors are dropped before being formatted.
 */
static void keep_first_errors(struct ctx *c)
{
	qsort(c->errs, c->nerrs, sizeof(*c->errs), cmp_err);
	for (size_t i = POLICY_ERRORS_MAX; i < c->nerrs; i++)
		free(c->errs[i].msg);
	c->nerrs = POLICY_ERRORS_MAX;
	c->cut = c->errs[POLICY_ERRORS_MAX - 1];
	c->have_cut = true;
}

static void err_at(struct ctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err_at(struct ctx *c, int line, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *msg;
	struct perr *na, key = { line, c->err_seq++, NULL };

	c->nerrs_all++;
	if (c->have_cut && cmp_err(&key, &c->cut) > 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (!(na = grow(c, c->errs, &c->caperrs, c->nerrs, sizeof(*c->errs))))
		return;
	c->errs = na;
	if (n < 0 || !(msg = malloc((size_t)n + 1))) {
		c->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	key.msg = msg;
	c->errs[c->nerrs++] = key;
	if (c->nerrs == 2 * POLICY_ERRORS_MAX)
		keep_first_errors(c);
}

/* A CPU list for a message; long ones are cut and marked with "...". */
static const char *mask_text(const struct cg_cpumask *m, char buf[MASK_TEXT])
{
	if (cpulist_format(m, buf, MASK_TEXT - 3) < 0)
		strcat(buf, "...");
	return buf;
}

/* ---- lookups (policy/strtab.c hashes; keys live in sets[] / entries[]) ---- */

static const char *set_key(const void *ctx, size_t idx)
{
	return ((const struct ctx *)ctx)->p->sets[idx].name;
}

static const char *entry_key(const void *ctx, size_t idx)
{
	return ((const struct ctx *)ctx)->p->entries[idx].path;
}

static size_t find_set(const struct ctx *c, struct tok name)
{
	return strtab_find(&c->sets, strtab_hash(name.s, name.n), name.s, name.n, set_key, c);
}

static size_t find_entry(const struct ctx *c, struct tok path)
{
	return strtab_find(&c->cgroups, strtab_hash(path.s, path.n), path.s, path.n, entry_key, c);
}

/* ---- field checks ---- */

/* Fields are split on blanks; a field starting with '#' ends the line. */
static size_t tokenize(const char *s, size_t n, struct tok *t)
{
	size_t nt = 0, i = 0;

	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n || s[i] == '#')
			return nt;
		size_t start = i;

		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		if (nt < MAX_FIELDS)
			t[nt] = (struct tok){ s + start, i - start };
		nt++;
	}
}

/* names[] are the two fields after the directive, for "missing ..." messages. */
static bool fields_ok(struct ctx *c, const struct tok *t, size_t nt, size_t max,
		      const char *const names[2], const char *usage)
{
	if (nt < 3) {
		err_at(c, c->line, "missing %s%s%s (expected: %s)", names[nt - 1],
		       nt == 1 ? " and " : "", nt == 1 ? names[1] : "", usage);
		return false;
	}
	/* Only "cgroup" has optional fields after the third: the flag words
	 * "audit", "strict" and "optional", each at most once, in any order.
	 * With three words, the first bad field is at most the seventh, so it
	 * is stored. */
	for (size_t i = 3; i < nt; i++) {
		if (max == 3 || !(tok_is(t[i], "audit") || tok_is(t[i], "strict") || tok_is(t[i], "optional"))) {
			err_at(c, c->line, "unexpected field \"%s\" (expected: %s)", esc(c, 0, t[i]), usage);
			return false;
		}
		for (size_t j = 3; j < i; j++)
			if (t[j].n == t[i].n && !memcmp(t[j].s, t[i].s, t[i].n)) {
				err_at(c, c->line, "duplicate \"%s\" (expected: %s)", esc(c, 0, t[i]), usage);
				return false;
			}
	}
	return true;
}

static bool is_name_start(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool is_name_char(char ch)
{
	return is_name_start(ch) || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
}

/* Names never start with a digit, so no name can be mistaken for a CPU list. */
static bool check_name(struct ctx *c, struct tok t)
{
	if (!is_name_start(t.s[0])) {
		err_at(c, c->line,
		       "invalid set name \"%s\": must start with a letter or '_' (a CPU list is not a name)",
		       esc(c, 0, t));
		return false;
	}
	for (size_t i = 1; i < t.n; i++) {
		if (!is_name_char(t.s[i])) {
			err_at(c, c->line,
			       "invalid set name \"%s\": only letters, digits, '_', '.' and '-' are allowed",
			       esc(c, 0, t));
			return false;
		}
	}
	if (t.n >= POLICY_NAME_MAX) {
		err_at(c, c->line, "set name \"%s\" is too long (%zu bytes, at most %d)", esc(c, 0, t),
		       t.n, POLICY_NAME_MAX - 1);
		return false;
	}
	return true;
}

static bool parse_list(struct ctx *c, struct tok t, struct cg_cpumask *mask)
{
	const struct policy_env *env = c->env;
	char err[512];

	if (!cpulist_parse(tok_cstr(c, t), mask, env->nr_cpu_ids, env->possible, err, sizeof(err)))
		return true;
	err_at(c, c->line, "%s", err);
	return false;
}

static bool is_dot_component(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

/*
 * Paths are rejected, never repaired: a confinement tool that guesses what
 * "/a/../b" meant could confine the wrong cgroup. Only one trailing '/' is
 * dropped, since "/a/" can only mean "/a". Returns the normalised length.
 */
static size_t check_path(struct ctx *c, struct tok t)
{
	size_t n = t.n;

	if (t.s[0] != '/') {
		err_at(c, c->line, "cgroup path \"%s\" is not absolute (must start with '/')", esc(c, 0, t));
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if (t.s[i] == '/' && t.s[i - 1] == '/') {
			err_at(c, c->line, "cgroup path \"%s\" contains '//' (paths are not normalised)",
			       esc(c, 0, t));
			return 0;
		}
	}
	if (n > 1 && t.s[n - 1] == '/')
		n--;
	if (n > POLICY_PATH_MAX) {
		err_at(c, c->line, "cgroup path is too long (%zu bytes, at most %d: longer paths cannot be followed when the cgroup is re-created)",
		       n, POLICY_PATH_MAX);
		return 0;
	}
	for (size_t start = 1, i = 1; i <= n; i++) {
		if (i < n && t.s[i] != '/')
			continue;
		if (is_dot_component(t.s + start, i - start)) {
			err_at(c, c->line,
			       "cgroup path \"%s\" contains a '%.*s' component (paths are not normalised)",
			       esc(c, 0, t), (int)(i - start), t.s + start);
			return 0;
		}
		start = i + 1;
	}
	return n;
}

/* ---- directives ---- */

/*
 * Count one more set or entry; true if env->max_entries are already stored.
 * Those beyond the limit are checked but not kept: the file is invalid
 * anyway, and a 16 MiB file of one-line entries would otherwise need
 * gigabytes (each holds an 8192-bit mask).
 */
static bool over_limit(struct ctx *c, size_t *all, size_t stored, int *first_over)
{
	size_t max = c->env->max_entries;

	(*all)++;
	if (!max || stored < max)
		return false;
	if (!*first_over)
		*first_over = c->line;
	return true;
}

static void add_set(struct ctx *c, struct tok name, const struct cg_cpumask *mask, bool bad)
{
	struct policy *p = c->p;
	struct policy_set *ns = grow(c, p->sets, &c->capsets, p->nsets, sizeof(*ns));
	bool *nb;

	if (!ns)
		return;
	p->sets = ns;
	if (!(nb = grow(c, c->set_bad, &c->capsetbad, p->nsets, sizeof(*nb))))
		return;
	c->set_bad = nb;
	struct policy_set *s = &p->sets[p->nsets];

	memset(s->name, 0, sizeof(s->name));
	memcpy(s->name, name.s, name.n);
	s->mask = *mask;
	s->line = c->line;
	if (strtab_insert(&c->sets, strtab_hash(name.s, name.n), name.n, p->nsets))
		c->set_bad[p->nsets++] = bad;
	else
		c->oom = true;
}

static void parse_set(struct ctx *c, const struct tok *t, size_t nt)
{
	static const char *const names[2] = { "NAME", "CPULIST" };
	struct cg_cpumask mask;

	if (!fields_ok(c, t, nt, 3, names, "set NAME CPULIST"))
		return;
	bool name_ok = check_name(c, t[1]);
	bool cpus_ok = parse_list(c, t[2], &mask); /* report both problems */

	if (!name_ok)
		return;
	size_t first = find_set(c, t[1]);

	if (first != NONE) {
		err_at(c, c->line, "duplicate set \"%s\" (first defined at line %d)", esc(c, 0, t[1]),
		       c->p->sets[first].line);
		return;
	}
	if (over_limit(c, &c->nsets_all, c->p->nsets, &c->set_over_line))
		return;
	add_set(c, t[1], &mask, !cpus_ok);
}

enum cpus_kind { CPUS_BAD, CPUS_LIST, CPUS_SET };

static enum cpus_kind parse_cpus(struct ctx *c, struct tok t, struct cg_cpumask *mask)
{
	cg_cpumask_zero(mask);
	if (is_name_start(t.s[0]))
		return check_name(c, t) ? CPUS_SET : CPUS_BAD;
	return parse_list(c, t, mask) ? CPUS_LIST : CPUS_BAD;
}

static bool add_ref(struct ctx *c, size_t entry, struct tok name)
{
	struct setref *nr = grow(c, c->refs, &c->caprefs, c->nrefs, sizeof(*nr));

	if (!nr)
		return false;
	c->refs = nr;
	nr[c->nrefs].entry = entry;
	memset(nr[c->nrefs].name, 0, POLICY_NAME_MAX);
	memcpy(nr[c->nrefs].name, name.s, name.n);
	c->nrefs++;
	return true;
}

static struct policy_entry *new_entry(struct ctx *c, struct tok path)
{
	struct policy *p = c->p;
	struct policy_entry *ne = grow(c, p->entries, &c->capentries, p->nentries, sizeof(*ne));
	bool *nb;
	char *copy;

	if (!ne)
		return NULL;
	p->entries = ne;
	if (!(nb = grow(c, c->entry_bad, &c->capentbad, p->nentries, sizeof(*nb))))
		return NULL;
	c->entry_bad = nb;
	/* Not strndup(): the buffer holds no NUL to stop at, and ASan's
	 * strict_string_checks (scripts/test-sanitizers.sh) wants one. */
	if (!(copy = malloc(path.n + 1))) {
		c->oom = true;
		return NULL;
	}
	memcpy(copy, path.s, path.n);
	copy[path.n] = '\0';
	if (!strtab_insert(&c->cgroups, strtab_hash(path.s, path.n), path.n, p->nentries)) {
		c->oom = true;
		free(copy);
		return NULL;
	}
	ne = &p->entries[p->nentries++];
	memset(ne, 0, sizeof(*ne));
	ne->path = copy;
	return ne;
}

/* parse_cgroup() -> add_entry(): the word "optional", beside the mode flags. */
#define OPTIONAL_WORD (1u << 8)

static void add_entry(struct ctx *c, struct tok path, struct tok cpus, enum cpus_kind kind,
		      const struct cg_cpumask *mask, unsigned mode)
{
	struct policy_entry *e = new_entry(c, path);

	if (!e)
		return;
	static const struct cg_cpumask no_cpus; /* a set's entry until it is resolved */

	e->set = -1;
	e->mask = &no_cpus;
	if (kind != CPUS_SET) {
		if (!(e->own_mask = malloc(sizeof(*e->own_mask)))) {
			c->oom = true;
			return;
		}
		*e->own_mask = *mask;
		e->mask = e->own_mask;
	}
	e->mode = mode & (POLICY_AUDIT | POLICY_STRICT);
	e->optional = mode & OPTIONAL_WORD;
	e->line = c->line;
	e->parent = -1;
	c->entry_bad[c->p->nentries - 1] = kind != CPUS_LIST;
	if (kind == CPUS_SET)
		add_ref(c, c->p->nentries - 1, cpus);
}

static void parse_cgroup(struct ctx *c, const struct tok *t, size_t nt)
{
	static const char *const names[2] = { "PATH", "CPUS" };
	struct cg_cpumask mask;

	if (!fields_ok(c, t, nt, 6, names, "cgroup PATH CPUS [audit] [strict] [optional]"))
		return;
	size_t plen = check_path(c, t[1]);
	enum cpus_kind kind = parse_cpus(c, t[2], &mask); /* report both problems */

	if (!plen)
		return;
	struct tok path = { t[1].s, plen };
	size_t first = find_entry(c, path);

	if (first != NONE) {
		err_at(c, c->line, "duplicate cgroup %s (first at line %d)", esc(c, 0, path),
		       c->p->entries[first].line);
		return;
	}
	if (over_limit(c, &c->nentries_all, c->p->nentries, &c->entry_over_line))
		return;
	unsigned mode = POLICY_ENFORCE;

	for (size_t i = 3; i < nt; i++)
		mode |= tok_is(t[i], "audit") ? POLICY_AUDIT : tok_is(t[i], "strict") ? POLICY_STRICT : OPTIONAL_WORD;
	add_entry(c, path, t[2], kind, &mask, mode);
}

static void parse_line(struct ctx *c, const char *s, size_t n)
{
	struct tok t[MAX_FIELDS];
	size_t nt;

	if (n > POLICY_LINE_MAX) {
		err_at(c, c->line, "line too long (%zu bytes, at most %d)", n, POLICY_LINE_MAX);
		return;
	}
	if (memchr(s, '\0', n)) {
		err_at(c, c->line, "NUL byte in line");
		return;
	}
	nt = tokenize(s, n, t);
	if (!nt)
		return;
	if (tok_is(t[0], "set"))
		parse_set(c, t, nt);
	else if (tok_is(t[0], "cgroup"))
		parse_cgroup(c, t, nt);
	else
		err_at(c, c->line, "unknown directive \"%s\" (expected 'set' or 'cgroup')",
		       esc(c, 0, t[0]));
}

static void parse_lines(struct ctx *c, const char *buf, size_t len)
{
	for (size_t pos = 0; pos < len && !c->oom;) {
		const char *s = buf + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		/* CRLF files: the '\r' before a newline is blank space. */
		size_t used = n;

		if (nl && n > 0 && s[n - 1] == '\r')
			used--;
		if (c->line == INT_MAX) {
			err_at(c, 0, "too many lines (at most %d)", INT_MAX - 1);
			return;
		}
		c->line++;
		parse_line(c, s, used);
		pos += n + 1;
	}
}

/* ---- validation after all lines are read ---- */

static void resolve_refs(struct ctx *c)
{
	for (size_t i = 0; i < c->nrefs; i++) {
		struct policy_entry *e = &c->p->entries[c->refs[i].entry];
		struct tok name = { c->refs[i].name, strlen(c->refs[i].name) };
		size_t s = find_set(c, name);

		if (s == NONE) {
			err_at(c, e->line, "unknown set \"%s\" (sets must be defined before use)",
			       esc(c, 0, name));
		} else if (c->p->sets[s].line > e->line) {
			err_at(c, e->line,
			       "set \"%s\" is used before its definition at line %d (sets must be defined before use)",
			       esc(c, 0, name), c->p->sets[s].line);
		} else {
			e->set = (int)s;
			e->mask = &c->p->sets[s].mask; /* the sets are all known: no realloc moves them */
			c->entry_bad[c->refs[i].entry] = c->set_bad[s];
		}
	}
}

static void check_limit(struct ctx *c)
{
	size_t max = c->env->max_entries;

	if (c->set_over_line)
		err_at(c, c->set_over_line, "too many sets (%zu, at most %zu)", c->nsets_all, max);
	if (c->entry_over_line)
		err_at(c, c->entry_over_line, "too many cgroup entries (%zu, at most %zu)",
		       c->nentries_all, max);
}

/* Every path with one resolver: siblings then cost one statx() each. */
static void resolve_paths(struct ctx *c)
{
	struct policy_env env = *c->env;
	struct cgroup_resolver *own = NULL;
	char err[256];

	if (!env.resolve)
		return;
	if (!env.resolver)
		env.resolver = own = cgroup_resolver_new(); /* NULL: each from the root */
	for (size_t i = 0; i < c->p->nentries; i++) {
		struct policy_entry *e = &c->p->entries[i];

		err[0] = '\0';
		int rc = env.resolve(&env, e->path, &e->cgroup_id, err, sizeof(err));

		if (rc) {
			e->cgroup_id = 0;
			if (rc == POLICY_NO_CGROUP && e->optional)
				continue; /* waits for its cgroup */
			err_at(c, e->line, "cgroup %s: %s", esc_str(c, 0, e->path),
			       err[0] ? err : "cannot resolve");
		}
	}
	cgroup_resolver_free(own);
}

struct id_idx {
	uint64_t id;
	size_t idx;
};

static int cmp_id_idx(const void *a, const void *b)
{
	const struct id_idx *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Two paths naming one cgroup would let an entry dodge the duplicate and
 * nesting checks, which compare paths. The real resolver refuses the ways
 * to get there (symlinks, bind mounts); other resolvers may not.
 */
static void check_same_cgroup(struct ctx *c)
{
	size_t n = c->p->nentries, k = 0;
	struct id_idx *v;

	if (!c->env->resolve || n < 2)
		return;
	if (!(v = malloc(n * sizeof(*v)))) {
		c->oom = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (c->p->entries[i].cgroup_id)
			v[k++] = (struct id_idx){ c->p->entries[i].cgroup_id, i };
	if (k)
		qsort(v, k, sizeof(*v), cmp_id_idx);
	for (size_t i = 1, first = 0; i < k; i++) {
		if (v[i].id != v[first].id) {
			first = i;
			continue;
		}
		const struct policy_entry *e = &c->p->entries[v[i].idx], *f = &c->p->entries[v[first].idx];

		err_at(c, e->line, "cgroup %s is the same cgroup as %s (line %d)", esc_str(c, 0, e->path),
		       esc_str(c, 1, f->path), f->line);
	}
	free(v);
}

/*
 * Nearest confined ancestor = longest proper prefix ending at a '/'
 * boundary that is an entry, down to "/". The hashes of all prefixes come
 * from one pass over the path (FNV is a running hash), so the cost is
 * linear in the path length, not quadratic.
 */
static size_t find_parent(struct ctx *c, const char *path)
{
	struct tok pfx[POLICY_LINE_MAX / 2 + 2];
	uint64_t hs[POLICY_LINE_MAX / 2 + 2];
	size_t len = strlen(path), np = 0;
	uint64_t h = STRTAB_HASH_INIT;

	if (len > POLICY_LINE_MAX) /* cannot happen: paths come from lines */
		return NONE;

	for (size_t k = 0; k < len; k++) {
		if (path[k] == '/' && k > 0) {
			pfx[np] = (struct tok){ path, k };
			hs[np++] = h;
		}
		h = strtab_hash_step(h, path[k]);
		if (k == 0 && len > 1) {
			pfx[np] = (struct tok){ path, 1 }; /* the root "/" */
			hs[np++] = h;
		}
	}
	while (np--) {
		size_t idx = strtab_find(&c->cgroups, hs[np], pfx[np].s, pfx[np].n, entry_key, c);

		if (idx != NONE)
			return idx;
	}
	return NONE;
}

static void check_inside(struct ctx *c, size_t i, size_t parent)
{
	const struct policy_entry *e = &c->p->entries[i], *a = &c->p->entries[parent];
	char mine[MASK_TEXT], theirs[MASK_TEXT];

	/* An entry whose CPUs are unknown already has its own error. */
	if (c->entry_bad[i] || c->entry_bad[parent] || cg_cpumask_subset(e->mask, a->mask))
		return;
	err_at(c, e->line, "CPUs %s of %s are not inside %s of its confined ancestor %s (line %d)",
	       mask_text(e->mask, mine), esc_str(c, 0, e->path), mask_text(a->mask, theirs),
	       esc_str(c, 1, a->path), a->line);
}

static void link_ancestors(struct ctx *c)
{
	for (size_t i = 0; i < c->p->nentries; i++) {
		size_t parent = find_parent(c, c->p->entries[i].path);

		if (parent == NONE)
			continue;
		c->p->entries[i].parent = (int)parent;
		check_inside(c, i, parent);
	}
}

/* ---- reporting ---- */

/* Errors are found in several passes; the user reads them in file order. */
static void emit(struct ctx *c, FILE *f)
{
	const char *name = esc_str(c, 0, c->name);
	size_t shown = c->nerrs < POLICY_ERRORS_MAX ? c->nerrs : POLICY_ERRORS_MAX;

	if (c->nerrs) /* qsort(NULL, 0, ...) is undefined */
		qsort(c->errs, c->nerrs, sizeof(*c->errs), cmp_err);
	for (size_t i = 0; f && i < shown; i++) {
		if (c->errs[i].line)
			fprintf(f, "%s:%d: %s\n", name, c->errs[i].line, c->errs[i].msg);
		else
			fprintf(f, "%s: %s\n", name, c->errs[i].msg);
	}
	if (f && c->nerrs_all > shown)
		fprintf(f, "%s: %zu more error%s not shown\n", name, c->nerrs_all - shown,
			c->nerrs_all - shown == 1 ? "" : "s");
	if (f && c->oom)
		fprintf(f, "%s: out of memory\n", name);
}

static void ctx_free(struct ctx *c)
{
	for (size_t i = 0; i < c->nerrs; i++)
		free(c->errs[i].msg);
	free(c->errs);
	free(c->refs);
	free(c->set_bad);
	free(c->entry_bad);
	strtab_free(&c->sets);
	strtab_free(&c->cgroups);
	free(c);
}

static void validate(struct ctx *c)
{
	if (c->oom)
		return;
	resolve_refs(c);
	check_limit(c);
	resolve_paths(c);
	check_same_cgroup(c);
	link_ancestors(c);
}

int policy_parse_buffer(const char *name, const char *buf, size_t len,
			const struct policy_env *env, struct policy *out, FILE *errs)
{
	static const struct policy_env syntax_only = { .nr_cpu_ids = CG_MAX_CPUS };
	struct ctx *c = calloc(1, sizeof(*c));
	int n;

	memset(out, 0, sizeof(*out));
	if (!c) {
		if (errs)
			fprintf(errs, "%s: out of memory\n", name);
		return 1;
	}
	c->name = name ? name : "(policy)";
	c->env = env ? env : &syntax_only;
	c->p = out;
	parse_lines(c, buf, len);
	validate(c);
	emit(c, errs);
	n = (int)(c->nerrs_all > INT_MAX - 1 ? INT_MAX - 1 : c->nerrs_all) + c->oom;
	ctx_free(c);
	return n;
}

/* ---- reading the file ---- */

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m)    ? "a directory"
	       : S_ISCHR(m)  ? "a character device"
	       : S_ISBLK(m)  ? "a block device"
	       : S_ISFIFO(m) ? "a FIFO"
	       : S_ISSOCK(m) ? "a socket"
			     : "a special file";
}

/* "PATH: what" with the path escaped, plus ": strerror(err)" when err. */
static int file_error(const char *path, int err, FILE *errs, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int file_error(const char *path, int err, FILE *errs, const char *fmt, ...)
{
	size_t size = 4 * strlen(path) + 1;
	char *e = errs ? malloc(size) : NULL;
	va_list ap;

	if (!errs)
		return 1;
	if (e)
		cg_escape_bytes(e, size, path, strlen(path));
	fprintf(errs, "%s: ", e ? e : "(policy file)");
	va_start(ap, fmt);
	vfprintf(errs, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(errs, ": %s", strerror(err));
	fputc('\n', errs);
	free(e);
	return 1;
}

/*
 * Whole file in memory: policies are read once, and lines need no copying.
 * Reads at most POLICY_FILE_MAX + 1 bytes, so *len > POLICY_FILE_MAX means
 * "too big" whatever the file claims (st_size is 0 in /proc, and a sparse
 * file may claim terabytes). NULL with errno set on failure.
 */
static char *read_all(int fd, size_t hint, size_t *len)
{
	const size_t limit = (size_t)POLICY_FILE_MAX + 1;
	size_t cap = hint >= limit ? limit : hint + 1, n = 0;
	char *buf;

	if (cap < 4096)
		cap = 4096;
	if (!(buf = malloc(cap)))
		return NULL;
	while (n < limit) {
		if (n == cap) {
			size_t ncap = cap > limit / 2 ? limit : cap * 2;
			char *nb = realloc(buf, ncap);

			if (!nb) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			free(buf);
			errno = saved;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

/*
 * Only regular files: a FIFO nobody writes to would block, /dev/zero never
 * ends, and a FIFO or device that yields nothing must not be taken for an
 * empty policy. stat() first so that no device is even opened; fstat()
 * again after the (non-blocking) open in case the path was swapped.
 */
int policy_parse_file(const char *path, const struct policy_env *env, struct policy *out,
		      FILE *errs)
{
	struct stat st;
	char *buf;
	size_t len;
	int fd, n;

	memset(out, 0, sizeof(*out));
	if (stat(path, &st))
		return file_error(path, errno, errs, "cannot open");
	if (!S_ISREG(st.st_mode))
		return file_error(path, 0, errs, "not a regular file (%s)", file_kind(st.st_mode));
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return file_error(path, errno, errs, "cannot open");
	if (fstat(fd, &st)) {
		int saved = errno;

		close(fd);
		return file_error(path, saved, errs, "cannot open");
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return file_error(path, 0, errs, "not a regular file (%s)", file_kind(st.st_mode));
	}
	buf = read_all(fd, st.st_size > 0 ? (size_t)st.st_size : 0, &len);
	if (!buf) {
		int saved = errno;

		close(fd);
		return file_error(path, saved, errs, "cannot read");
	}
	close(fd);
	if (len > POLICY_FILE_MAX) {
		free(buf);
		return file_error(path, 0, errs, "file too large (more than %d MiB)",
				  POLICY_FILE_MAX >> 20);
	}
	if (!len) {
		free(buf);
		return file_error(path, 0, errs,
				  "empty file (to remove every entry, apply a file holding only a comment)");
	}
	n = policy_parse_buffer(path, buf, len, env, out, errs);
	free(buf);
	return n;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nentries; i++) {
		free(p->entries[i].path);
		free(p->entries[i].own_mask);
	}
	free(p->sets);
	free(p->entries);
	memset(p, 0, sizeof(*p));
}
