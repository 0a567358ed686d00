// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy.h"

/* ---- fake cgroup hierarchy ---- */

struct fake_cg {
	const char *path;
	uint64_t id; /* 0 = exists but is not a cgroup v2 directory */
};

static const struct fake_cg fakes[] = {
	{ "/", 1 },	      { "/a", 10 },	  { "/a/b", 11 },     { "/a/b/c", 12 },
	{ "/a/bc", 13 },      { "/x", 20 },	  { "/x/y", 21 },     { "/demo", 30 },
	{ "/demo-audit", 31 }, { "/file", 0 },	  { "/\xff\x01", 40 }, { "/system.slice", 50 },
	{ "/init.scope", 51 }, { "/workload.slice", 52 }, { "/batch.slice", 53 },
	{ "/workload.slice/db.service", 54 },
};

static char last_resolved[256]; /* what the parser handed to resolve */

static int fake_resolve(const struct policy_env *env, const char *path, uint64_t *id, char *err,
			size_t errlen)
{
	(void)env;
	snprintf(last_resolved, sizeof(last_resolved), "%s", path);
	for (size_t i = 0; i < sizeof(fakes) / sizeof(fakes[0]); i++) {
		if (strcmp(fakes[i].path, path))
			continue;
		if (!fakes[i].id) {
			snprintf(err, errlen, "not a cgroup v2 directory");
			return -1;
		}
		*id = fakes[i].id;
		return 0;
	}
	snprintf(err, errlen, "no such cgroup");
	return POLICY_NO_CGROUP;
}

/* Every path exists; ids count up. For generated and example policies. */
static int any_resolve(const struct policy_env *env, const char *path, uint64_t *id, char *err,
		       size_t errlen)
{
	static uint64_t next = 1000;

	(void)env, (void)path, (void)err, (void)errlen;
	*id = next++;
	return 0;
}

static const struct policy_env env4 = { .nr_cpu_ids = 4, .resolve = fake_resolve };

/* ---- helpers ---- */

/* Parse `len` bytes; returns the error text (caller frees). */
static char *parse_n(const char *text, size_t len, const struct policy_env *env, struct policy *p,
		     int *nerr)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	assert_non_null(f);
	*nerr = policy_parse_buffer("t.conf", text, len, env, p, f);
	assert_int_equal(fclose(f), 0);
	return out;
}

static char *parse(const char *text, const struct policy_env *env, struct policy *p, int *nerr)
{
	return parse_n(text, strlen(text), env, p, nerr);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The whole error output must be exactly `want`, one error per line. */
static void expect_errors_n(const char *text, size_t len, const struct policy_env *env,
			    const char *want)
{
	struct policy p;
	int nerr;
	char *got = parse_n(text, len, env, &p, &nerr);

	if (strcmp(got, want))
		fail_msg("policy:\n%s\ngot errors:\n%s\nwant:\n%s", text, got, want);
	assert_int_equal(nerr, count_lines(want));
	free(got);
	policy_free(&p);
}

static void expect_errors_env(const char *text, const struct policy_env *env, const char *want)
{
	expect_errors_n(text, strlen(text), env, want);
}

static void expect_errors(const char *text, const char *want)
{
	expect_errors_n(text, strlen(text), &env4, want);
}

static void expect_valid(const char *text, const struct policy_env *env, struct policy *p)
{
	int nerr;
	char *got = parse(text, env, p, &nerr);

	if (nerr)
		fail_msg("policy:\n%s\nunexpected errors:\n%s", text, got);
	assert_string_equal(got, "");
	free(got);
}

static void assert_mask(const struct cg_cpumask *m, const char *want)
{
	char buf[256];

	assert_true(cpulist_format(m, buf, sizeof(buf)) >= 0);
	assert_string_equal(buf, want);
}

static int entry_index(const struct policy *p, const char *path)
{
	for (size_t i = 0; i < p->nentries; i++)
		if (!strcmp(p->entries[i].path, path))
			return (int)i;
	fail_msg("no entry %s", path);
	return -1;
}

/* ---- valid policies ---- */

static const char valid_policy[] =
	"# test policy\n"
	"set hk 0\n"
	"set work 1-3   # trailing comment\n"
	"\n"
	"   \t  \n"
	"cgroup /  0-3\n"
	"cgroup /a work\n"
	"cgroup /a/b 2-3 audit\n"
	"cgroup /x hk\t# comment after tab\n"
	"\tcgroup\t/a/b/c/\t3\t#tabs and a trailing slash\n"
	"cgroup /a/bc work audit";

static void test_valid(void **state)
{
	struct policy p;

	(void)state;
	expect_valid(valid_policy, &env4, &p);
	assert_int_equal(p.nsets, 2);
	assert_string_equal(p.sets[0].name, "hk");
	assert_mask(&p.sets[0].mask, "0");
	assert_int_equal(p.sets[0].line, 2);
	assert_string_equal(p.sets[1].name, "work");
	assert_mask(&p.sets[1].mask, "1-3");
	assert_int_equal(p.sets[1].line, 3);

	static const struct {
		const char *path, *cpus;
		int set, mode, line, parent;
		uint64_t id;
	} want[] = {
		{ "/", "0-3", -1, POLICY_ENFORCE, 6, -1, 1 },
		{ "/a", "1-3", 1, POLICY_ENFORCE, 7, 0, 10 },
		{ "/a/b", "2-3", -1, POLICY_AUDIT, 8, 1, 11 },
		{ "/x", "0", 0, POLICY_ENFORCE, 9, 0, 20 },
		{ "/a/b/c", "3", -1, POLICY_ENFORCE, 10, 2, 12 },
		{ "/a/bc", "1-3", 1, POLICY_AUDIT, 11, 1, 13 }, /* /a/b is not its ancestor */
	};

	assert_int_equal(p.nentries, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < p.nentries; i++) {
		const struct policy_entry *e = &p.entries[i];

		assert_string_equal(e->path, want[i].path);
		assert_mask(e->mask, want[i].cpus);
		assert_int_equal(e->set, want[i].set);
		assert_int_equal(e->mode, want[i].mode);
		assert_int_equal(e->line, want[i].line);
		assert_int_equal(e->parent, want[i].parent);
		assert_int_equal(e->cgroup_id, want[i].id);
	}
	policy_free(&p);
	assert_null(p.entries);
	assert_int_equal(p.nentries, 0);
	policy_free(&p); /* twice is harmless */
}

static void test_empty_and_comments(void **state)
{
	struct policy p;

	(void)state;
	expect_valid("", &env4, &p);
	assert_int_equal(p.nentries + p.nsets, 0);
	policy_free(&p);
	expect_valid("# only\n\n#comments\n   # indented\n", &env4, &p);
	assert_int_equal(p.nentries + p.nsets, 0);
	policy_free(&p);
	/* '#' inside a field is part of it; only a field starting with '#' comments. */
	expect_errors("cgroup /a 1#x\n",
		      "t.conf:1: bad CPU list \"1#x\": unexpected character '#'\n");
	/* An unused set is fine. */
	expect_valid("set unused 0-1\n", &env4, &p);
	assert_int_equal(p.nsets, 1);
	policy_free(&p);
}

static void test_names(void **state)
{
	struct policy p;
	char text[256];

	(void)state;
	expect_valid("set _a.b-C9 1\nset audit 2\ncgroup /a _a.b-C9\ncgroup /x audit audit\n", &env4, &p);
	assert_int_equal(p.entries[1].set, 1);
	assert_int_equal(p.entries[1].mode, POLICY_AUDIT);
	policy_free(&p);
	/* 63 bytes is the longest name. */
	snprintf(text, sizeof(text), "set %.63s 1\n", "n123456789012345678901234567890123456789012345678901234567890123");
	expect_valid(text, &env4, &p);
	policy_free(&p);
	snprintf(text, sizeof(text), "set %.64s 1\n", "n123456789012345678901234567890123456789012345678901234567890123");
	expect_errors(text, "t.conf:1: set name \"n123456789012345678901234567890123456789012345678901234567890123\" is too long (64 bytes, at most 63)\n");
}

/* ---- one test per error kind, exact messages ---- */

static void test_err_directive(void **state)
{
	(void)state;
	expect_errors("cgroups /a 1\n",
		      "t.conf:1: unknown directive \"cgroups\" (expected 'set' or 'cgroup')\n");
	expect_errors("SET a 1\n", "t.conf:1: unknown directive \"SET\" (expected 'set' or 'cgroup')\n");
	expect_errors("\n\n/a 1\n", "t.conf:3: unknown directive \"/a\" (expected 'set' or 'cgroup')\n");
}

static void test_err_fields(void **state)
{
	(void)state;
	expect_errors("set\n", "t.conf:1: missing NAME and CPULIST (expected: set NAME CPULIST)\n");
	expect_errors("set hk\n", "t.conf:1: missing CPULIST (expected: set NAME CPULIST)\n");
	expect_errors("set hk # 1\n", "t.conf:1: missing CPULIST (expected: set NAME CPULIST)\n");
	expect_errors("set hk 1 2\n", "t.conf:1: unexpected field \"2\" (expected: set NAME CPULIST)\n");
	expect_errors("set hk 1 audit\n",
		      "t.conf:1: unexpected field \"audit\" (expected: set NAME CPULIST)\n");
	expect_errors("cgroup\n",
		      "t.conf:1: missing PATH and CPUS (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /a\n", "t.conf:1: missing CPUS (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /a 1 enforce\n",
		      "t.conf:1: unexpected field \"enforce\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /a 1 AUDIT\n",
		      "t.conf:1: unexpected field \"AUDIT\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /a 1 audit x\n",
		      "t.conf:1: unexpected field \"x\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /a 1 x audit y z\n",
		      "t.conf:1: unexpected field \"x\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	/* The mode words: each at most once; nothing else, whatever the order. */
	expect_errors("cgroup /a 1 audit audit\n",
		      "t.conf:1: duplicate \"audit\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /a 1 strict strict\n",
		      "t.conf:1: duplicate \"strict\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /a 1 strict audit strict\n",
		      "t.conf:1: duplicate \"strict\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /a 1 audit strict audit\n",
		      "t.conf:1: duplicate \"audit\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /a 1 audit strict x\n",
		      "t.conf:1: unexpected field \"x\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /a 1 strict x audit\n",
		      "t.conf:1: unexpected field \"x\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /a 1 STRICT\n",
		      "t.conf:1: unexpected field \"STRICT\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /a 1 strict,audit\n",
		      "t.conf:1: unexpected field \"strict,audit\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("set s 1 strict\n", "t.conf:1: unexpected field \"strict\" (expected: set NAME CPULIST)\n");
	/* Errors on two lines are both reported, each at its line. */
	expect_errors("cgroup /a 1 audit audit\ncgroup /b 2 strict enforce\n",
		      "t.conf:1: duplicate \"audit\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n"
		      "t.conf:2: unexpected field \"enforce\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
}

/* The mode words, alone and combined in either order, with comments after. */
static void test_modes(void **state)
{
	struct policy p;

	(void)state;
	expect_valid("set s 1-2\n"
		     "cgroup /a 1\n"
		     "cgroup /x 1 audit\n"
		     "cgroup /demo 1 strict\n"
		     "cgroup /a/b 1 audit strict\n"
		     "cgroup /a/bc 1 strict audit # both\n"
		     "cgroup /system.slice s\tstrict\n"
		     "cgroup /init.scope s strict #audit\n",
		     &env4, &p);
	assert_int_equal(p.nentries, 7);
	assert_int_equal(p.entries[0].mode, POLICY_ENFORCE);
	assert_int_equal(p.entries[1].mode, POLICY_AUDIT);
	assert_int_equal(p.entries[2].mode, POLICY_STRICT);
	assert_int_equal(p.entries[3].mode, POLICY_AUDIT | POLICY_STRICT);
	assert_int_equal(p.entries[4].mode, POLICY_AUDIT | POLICY_STRICT);
	assert_int_equal(p.entries[5].mode, POLICY_STRICT);
	assert_int_equal(p.entries[5].set, 0);
	assert_int_equal(p.entries[6].mode, POLICY_STRICT);
	policy_free(&p);
	/* "strict" is a word only after CPUS: as a set name it is a set. */
	expect_valid("set strict 3\ncgroup /a strict strict\n", &env4, &p);
	assert_int_equal(p.entries[0].set, 0);
	assert_int_equal(p.entries[0].mode, POLICY_STRICT);
	policy_free(&p);
}

/* "optional": a missing path waits (cgroup id 0); anything else wrong with
 * the path is still an error, and the word counts once like the others. */
static void test_optional(void **state)
{
	struct policy p;
	char long_line[400];

	(void)state;
	expect_valid("cgroup /a 1 optional\n"
		     "cgroup /later 2 optional audit\n"
		     "cgroup /missing/deep 3 strict optional\n",
		     &env4, &p);
	assert_int_equal(p.nentries, 3);
	assert_true(p.entries[0].optional);
	assert_int_equal(p.entries[0].cgroup_id, 10);
	assert_int_equal(p.entries[0].mode, POLICY_ENFORCE);
	assert_int_equal(p.entries[1].cgroup_id, 0);
	assert_int_equal(p.entries[1].mode, POLICY_AUDIT);
	assert_int_equal(p.entries[2].mode, POLICY_STRICT);
	assert_true(p.entries[2].optional);
	policy_free(&p);
	expect_valid("cgroup /a 1\n", &env4, &p);
	assert_false(p.entries[0].optional);
	policy_free(&p);
	expect_errors("cgroup /file 1 optional\n", "t.conf:1: cgroup /file: not a cgroup v2 directory\n");
	expect_errors("cgroup /later 1\n", "t.conf:1: cgroup /later: no such cgroup\n");
	expect_errors("cgroup /later 1 optional optional\n",
		      "t.conf:1: duplicate \"optional\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	expect_errors("cgroup /later 1 optional audit strict x\n",
		      "t.conf:1: unexpected field \"x\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n");
	/* The longest path the kernel side can follow, and one byte more. */
	snprintf(long_line, sizeof(long_line), "cgroup /%0*d 1 optional\n", POLICY_PATH_MAX - 1, 0);
	expect_valid(long_line, &env4, &p);
	assert_int_equal(strlen(p.entries[0].path), POLICY_PATH_MAX);
	policy_free(&p);
	snprintf(long_line, sizeof(long_line), "cgroup /%0*d 1 optional\n", POLICY_PATH_MAX, 0);
	expect_errors(long_line, "t.conf:1: cgroup path is too long (255 bytes, at most 254: longer paths "
				 "cannot be followed when the cgroup is re-created)\n");
}

static void test_err_cpulist(void **state)
{
	(void)state;
	expect_errors("cgroup /a 1-\n", "t.conf:1: bad CPU list \"1-\": expected a number after '-'\n");
	expect_errors("set s 3-1\n", "t.conf:1: reversed range 3-1\n");
	expect_errors("cgroup /a 9\n",
		      "t.conf:1: CPU 9 is not possible on this machine (possible: 0-3)\n");
	expect_errors("set s 0-4\n", "t.conf:1: CPU 4 is not possible on this machine (possible: 0-3)\n");
	expect_errors("cgroup /a 99999999999999999999\n",
		      "t.conf:1: CPU number 99999999999999999999 is too large (at most 8191)\n");
	expect_errors("cgroup /a -1\n", "t.conf:1: bad CPU list \"-1\": expected a number\n");
	expect_errors("cgroup /a 1,\n", "t.conf:1: bad CPU list \"1,\": expected a number after ','\n");

	struct cg_cpumask possible = { { 0 } };
	struct policy_env env = env4;

	cg_cpumask_set(&possible, 0);
	cg_cpumask_set(&possible, 2);
	env.possible = &possible;
	expect_errors_env("cgroup /a 1\n", &env,
			  "t.conf:1: CPU 1 is not possible on this machine (possible: 0,2)\n");
}

static void test_err_set_name(void **state)
{
	(void)state;
	expect_errors("set 1 0\n",
		      "t.conf:1: invalid set name \"1\": must start with a letter or '_' (a CPU list is not a name)\n");
	expect_errors("set 0-3 0\n",
		      "t.conf:1: invalid set name \"0-3\": must start with a letter or '_' (a CPU list is not a name)\n");
	expect_errors("set a/b 0\n",
		      "t.conf:1: invalid set name \"a/b\": only letters, digits, '_', '.' and '-' are allowed\n");
	expect_errors("cgroup /a b$\n",
		      "t.conf:1: invalid set name \"b$\": only letters, digits, '_', '.' and '-' are allowed\n");
	/* Bad name and bad list on one line: both reported. */
	expect_errors("set -x 5-3\n",
		      "t.conf:1: invalid set name \"-x\": must start with a letter or '_' (a CPU list is not a name)\n"
		      "t.conf:1: reversed range 5-3\n");
}

static void test_err_duplicate_set(void **state)
{
	(void)state;
	expect_errors("set a 0\n# x\nset a 1\nset a 2\n",
		      "t.conf:3: duplicate set \"a\" (first defined at line 1)\n"
		      "t.conf:4: duplicate set \"a\" (first defined at line 1)\n");
}

static void test_err_unknown_set(void **state)
{
	(void)state;
	expect_errors("cgroup /a nosuch\n",
		      "t.conf:1: unknown set \"nosuch\" (sets must be defined before use)\n");
	expect_errors("cgroup /a s\nset s 1\n",
		      "t.conf:1: set \"s\" is used before its definition at line 2 (sets must be defined before use)\n");
	/* A set whose own list is bad yields one error, not a cascade. */
	expect_errors("set s 7\ncgroup /a s\ncgroup /a/b 1\n",
		      "t.conf:1: CPU 7 is not possible on this machine (possible: 0-3)\n");
}

static void test_err_duplicate_cgroup(void **state)
{
	struct policy p;
	int nerr;
	char *got;

	(void)state;
	expect_errors("cgroup /a 1\ncgroup /x 1\ncgroup /a/ 2\n",
		      "t.conf:3: duplicate cgroup /a (first at line 1)\n");
	expect_errors("cgroup / 1\ncgroup / 1 audit\n", "t.conf:2: duplicate cgroup / (first at line 1)\n");
	/* The first definition wins; the duplicate is not in the result. */
	got = parse("cgroup /a 1\ncgroup /a 2\n", &env4, &p, &nerr);
	assert_int_equal(nerr, 1);
	assert_int_equal(p.nentries, 1);
	assert_mask(p.entries[0].mask, "1");
	free(got);
	policy_free(&p);
}

static void test_err_path(void **state)
{
	(void)state;
	expect_errors("cgroup a 1\n",
		      "t.conf:1: cgroup path \"a\" is not absolute (must start with '/')\n");
	expect_errors("cgroup ./a 1\n",
		      "t.conf:1: cgroup path \"./a\" is not absolute (must start with '/')\n");
	expect_errors("cgroup /a//b 1\n",
		      "t.conf:1: cgroup path \"/a//b\" contains '//' (paths are not normalised)\n");
	expect_errors("cgroup // 1\n",
		      "t.conf:1: cgroup path \"//\" contains '//' (paths are not normalised)\n");
	expect_errors("cgroup /a// 1\n",
		      "t.conf:1: cgroup path \"/a//\" contains '//' (paths are not normalised)\n");
	expect_errors("cgroup /a/./b 1\n",
		      "t.conf:1: cgroup path \"/a/./b\" contains a '.' component (paths are not normalised)\n");
	expect_errors("cgroup /a/.. 1\n",
		      "t.conf:1: cgroup path \"/a/..\" contains a '..' component (paths are not normalised)\n");
	expect_errors("cgroup /../a 1\n",
		      "t.conf:1: cgroup path \"/../a\" contains a '..' component (paths are not normalised)\n");
	expect_errors("cgroup /. 1\n",
		      "t.conf:1: cgroup path \"/.\" contains a '.' component (paths are not normalised)\n");
	expect_errors("cgroup /a/./ 1\n",
		      "t.conf:1: cgroup path \"/a/./\" contains a '.' component (paths are not normalised)\n");
	/* Path and CPUs both wrong: both reported. */
	expect_errors("cgroup a 5-3\n",
		      "t.conf:1: cgroup path \"a\" is not absolute (must start with '/')\n"
		      "t.conf:1: reversed range 5-3\n");

	/* Dots inside a name are just bytes (syntax-only env: no resolution). */
	struct policy p;

	expect_valid("cgroup /..a 1\ncgroup /a.. 1\ncgroup /.hidden/x... 1\n", NULL, &p);
	assert_int_equal(p.nentries, 3);
	assert_int_equal(p.entries[2].parent, -1);
	policy_free(&p);
}

static void test_err_resolve(void **state)
{
	(void)state;
	expect_errors("cgroup /missing 1\n", "t.conf:1: cgroup /missing: no such cgroup\n");
	expect_errors("cgroup /file 1\n", "t.conf:1: cgroup /file: not a cgroup v2 directory\n");
	expect_errors("cgroup /a/b/missing/ 1\n", "t.conf:1: cgroup /a/b/missing: no such cgroup\n");
}

/* Raw bytes reach resolve untouched; messages show them escaped. */
static void test_non_utf8(void **state)
{
	struct policy p;

	(void)state;
	expect_valid("cgroup /\xff\x01 1\n", &env4, &p);
	assert_string_equal(last_resolved, "/\xff\x01");
	assert_int_equal(p.entries[0].cgroup_id, 40);
	policy_free(&p);
	expect_errors("cgroup /\xfe\x1b[2J 1\n", "t.conf:1: cgroup /\\xfe\\x1b[2J: no such cgroup\n");
	expect_errors("\x1b[31mset a 1\n",
		      "t.conf:1: unknown directive \"\\x1b[31mset\" (expected 'set' or 'cgroup')\n");
	expect_errors("cgroup /a \"\\\n",
		      "t.conf:1: bad CPU list \"\\\"\\\\\": expected a number\n");
	/* A '\r' elsewhere than before a newline is still a byte of the field. */
	expect_errors("cgroup /a 1\r \n",
		      "t.conf:1: bad CPU list \"1\\x0d\": unexpected character '\\x0d'\n");
}

/* CRLF files (written on Windows, or by some editors): the '\r' before each
 * newline is blank space, so the file means what it shows. */
static void test_crlf(void **state)
{
	struct policy p;

	(void)state;
	expect_valid("# comment\r\nset a 0-1\r\ncgroup /x a\r\ncgroup /a 2 audit\r\n\r\n", &env4, &p);
	assert_int_equal(p.nsets, 1);
	assert_int_equal(p.nentries, 2);
	assert_string_equal(p.entries[0].path, "/x");
	assert_int_equal(p.entries[1].mode, POLICY_AUDIT);
	policy_free(&p);
	expect_errors("cgroup /a 9\r\n", "t.conf:1: CPU 9 is not possible on this machine (possible: 0-3)\n");
}

static void test_err_containment(void **state)
{
	(void)state;
	expect_errors("cgroup /a 1-2\ncgroup /a/b/c 0-3\n",
		      "t.conf:2: CPUs 0-3 of /a/b/c are not inside 1-2 of its confined ancestor /a (line 1)\n");
	/* Order in the file does not matter. */
	expect_errors("cgroup /a/b 0-3\ncgroup /a 1-2\n",
		      "t.conf:1: CPUs 0-3 of /a/b are not inside 1-2 of its confined ancestor /a (line 2)\n");
	/* Only the nearest confined ancestor counts. */
	expect_errors("cgroup / 0-3\ncgroup /a 1\ncgroup /a/b 2\n",
		      "t.conf:3: CPUs 2 of /a/b are not inside 1 of its confined ancestor /a (line 2)\n");
	expect_errors("cgroup / 1\ncgroup /a 0-3\ncgroup /a/b 0-3\n",
		      "t.conf:2: CPUs 0-3 of /a are not inside 1 of its confined ancestor / (line 1)\n");
	/* Via sets, and with audit. */
	expect_errors("set big 0-3\nset small 1\ncgroup /x small audit\ncgroup /x/y big\n",
		      "t.conf:4: CPUs 0-3 of /x/y are not inside 1 of its confined ancestor /x (line 3)\n");
	/* Prefixes must end at a '/' boundary. */
	expect_errors("cgroup /demo 1-2\ncgroup /demo-audit 3\ncgroup /a/b 1\ncgroup /a/bc 3\n", "");
	/* Bad CPUs on either side: only the CPU error, no containment noise. */
	expect_errors("cgroup /a 1-\ncgroup /a/b 3\n",
		      "t.conf:1: bad CPU list \"1-\": expected a number after '-'\n");
	expect_errors("cgroup /a 1\ncgroup /a/b 9\n",
		      "t.conf:2: CPU 9 is not possible on this machine (possible: 0-3)\n");
}

static void test_err_nul(void **state)
{
	static const char text[] = "cgroup /a 1\0x\nset s\0 1\ncgroup /x 1\n";

	(void)state;
	expect_errors_n(text, sizeof(text) - 1, &env4,
			"t.conf:1: NUL byte in line\nt.conf:2: NUL byte in line\n");
}

static void test_err_long_line(void **state)
{
	char text[5100];
	struct policy p;

	(void)state;
	/* 4096 bytes is fine... */
	memset(text, '#', 4096);
	strcpy(text + 4096, "\ncgroup /a 1\n");
	expect_valid(text, &env4, &p);
	assert_int_equal(p.nentries, 1);
	assert_int_equal(p.entries[0].line, 2);
	policy_free(&p);
	/* ...4097 is not, and the next line still counts as line 2. */
	memset(text, '#', 4097);
	strcpy(text + 4097, "\ncgroup /a 9\n");
	expect_errors(text, "t.conf:1: line too long (4097 bytes, at most 4096)\n"
			    "t.conf:2: CPU 9 is not possible on this machine (possible: 0-3)\n");
	/* Also without a final newline. */
	memset(text, ' ', 5000);
	text[5000] = '\0';
	expect_errors(text, "t.conf:1: line too long (5000 bytes, at most 4096)\n");
}

static void test_max_entries(void **state)
{
	struct policy_env env = env4;

	(void)state;
	env.max_entries = 2;
	expect_errors_env("cgroup /a 1\ncgroup /x 1\n", &env, "");
	expect_errors_env("cgroup /a 1\n\ncgroup /x 1\ncgroup /a/b 1\ncgroup /x/y 1\n", &env,
			  "t.conf:4: too many cgroup entries (4, at most 2)\n");
}

/* Errors found by different passes still come out in line order. */
static void test_all_errors_in_order(void **state)
{
	static const char text[] =
		"cgroup /a/b 0-3\n"	    /* 1: no error: its ancestor /a has unknown CPUs */
		"cgroup /a ghost\n"	    /* 2: unknown set, found after parsing */
		"bogus\n"		    /* 3: directive */
		"cgroup /a/b/c 1\n"	    /* 4: no error (inside /a/b) */
		"set 9lives 1\n"	    /* 5: name */
		"cgroup /missing 1\n"	    /* 6: resolve */
		"cgroup /a//x 1\n"	    /* 7: path */
		"cgroup /x 5-3 audit\n"	    /* 8: cpus */
		"cgroup /a 2 extra\n"	    /* 9: fields */
		"set s 1\nset s 2\n"	    /* 10, 11: duplicate */
		"cgroup /x 1\n";	    /* 12: duplicate cgroup (line 8 had a path) */

	(void)state;
	expect_errors(text,
		      "t.conf:2: unknown set \"ghost\" (sets must be defined before use)\n"
		      "t.conf:3: unknown directive \"bogus\" (expected 'set' or 'cgroup')\n"
		      "t.conf:5: invalid set name \"9lives\": must start with a letter or '_' (a CPU list is not a name)\n"
		      "t.conf:6: cgroup /missing: no such cgroup\n"
		      "t.conf:7: cgroup path \"/a//x\" contains '//' (paths are not normalised)\n"
		      "t.conf:8: reversed range 5-3\n"
		      "t.conf:9: unexpected field \"extra\" (expected: cgroup PATH CPUS [audit] [strict] [optional])\n"
		      "t.conf:11: duplicate set \"s\" (first defined at line 10)\n"
		      "t.conf:12: duplicate cgroup /x (first at line 8)\n");
}

static void test_containment_in_order(void **state)
{
	(void)state;
	expect_errors("cgroup /a/b 3\ncgroup /a 1\nnope\ncgroup /x 2\ncgroup /x/y 3\n",
		      "t.conf:1: CPUs 3 of /a/b are not inside 1 of its confined ancestor /a (line 2)\n"
		      "t.conf:3: unknown directive \"nope\" (expected 'set' or 'cgroup')\n"
		      "t.conf:5: CPUs 3 of /x/y are not inside 2 of its confined ancestor /x (line 4)\n");
}

/* ---- files ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	assert_int_equal(getdelim(&buf, &len, '\0', f) >= 0, 1);
	fclose(f);
	return buf;
}

static void test_file_open_error(void **state)
{
	struct policy p;
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	assert_int_equal(policy_parse_file("/nonexistent/cpuguard.conf", &env4, &p, f), 1);
	fclose(f);
	assert_string_equal(out, "/nonexistent/cpuguard.conf: cannot open: No such file or directory\n");
	assert_int_equal(p.nentries, 0);
	policy_free(&p);
	free(out);
}

static void test_file_fixtures(void **state)
{
	struct policy p;
	char *out = NULL, *want_raw, *want = NULL;
	size_t len, wlen;
	FILE *f, *w;

	(void)state;
	assert_int_equal(policy_parse_file(UNIT_DATA_DIR "/valid.conf", &env4, &p, stderr), 0);
	assert_int_equal(p.nsets, 2);
	assert_int_equal(p.nentries, 4);
	policy_free(&p);

	/* errors.expected names the file relatively; prefix the directory. */
	want_raw = slurp(UNIT_DATA_DIR "/errors.expected");
	w = open_memstream(&want, &wlen);
	for (char *line = strtok(want_raw, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(w, "%s/%s\n", UNIT_DATA_DIR, line);
	fclose(w);
	f = open_memstream(&out, &len);
	int nerr = policy_parse_file(UNIT_DATA_DIR "/errors.conf", &env4, &p, f);

	fclose(f);
	assert_string_equal(out, want);
	assert_int_equal(nerr, count_lines(want));
	policy_free(&p);
	free(out);
	free(want);
	free(want_raw);
}

/* The shipped examples must stay valid. */
static void test_examples(void **state)
{
	struct policy_env env16 = { .nr_cpu_ids = 16, .resolve = any_resolve };
	struct policy_env demo = { .nr_cpu_ids = 4, .resolve = fake_resolve };
	struct policy p;
	int i;

	(void)state;
	assert_int_equal(policy_parse_file(POLICY_EXAMPLES_DIR "/housekeeping.conf", &env16, &p, stderr), 0);
	assert_true(p.nentries >= 2);
	/* One named set used by two cgroups. */
	i = entry_index(&p, "/system.slice");
	assert_true(p.entries[i].set >= 0);
	assert_int_equal(p.entries[entry_index(&p, "/init.scope")].set, p.entries[i].set);
	policy_free(&p);

	assert_int_equal(policy_parse_file(POLICY_EXAMPLES_DIR "/batch-audit.conf", &env16, &p, stderr), 0);
	assert_int_equal(p.entries[entry_index(&p, "/batch.slice")].mode, POLICY_AUDIT);
	policy_free(&p);

	assert_int_equal(policy_parse_file(POLICY_EXAMPLES_DIR "/demo.conf", &demo, &p, stderr), 0);
	assert_int_equal(p.nentries, 2);
	i = entry_index(&p, "/demo");
	assert_mask(p.entries[i].mask, "1-2");
	assert_int_equal(p.entries[i].mode, POLICY_ENFORCE);
	assert_int_equal(p.entries[i].cgroup_id, 30);
	i = entry_index(&p, "/demo-audit");
	assert_mask(p.entries[i].mask, "1");
	assert_int_equal(p.entries[i].mode, POLICY_AUDIT);
	assert_int_equal(p.entries[i].parent, -1);
	policy_free(&p);
}

/* ---- the real resolver ---- */

static void resolve_expect(const char *root, const char *path, const char *want)
{
	struct policy_env env = { .nr_cpu_ids = 4, .cgroup_root = root };
	uint64_t id = 77;
	char err[128] = "";

	/* Nothing at the path is told apart: an optional entry then waits. */
	assert_int_equal(policy_cgroup_resolve(&env, path, &id, err, sizeof(err)),
			 !strcmp(want, "no such cgroup") ? POLICY_NO_CGROUP : -1);
	assert_string_equal(err, want);
	assert_int_equal(id, 77);
}

static void test_real_resolve(void **state)
{
	char dir[] = "/tmp/cpuguard-unit-XXXXXX", file[64];
	struct policy_env env = { .nr_cpu_ids = 4, .resolve = policy_cgroup_resolve };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/f", dir);
	fclose(fopen(file, "w"));
	env.cgroup_root = dir;

	resolve_expect(dir, "/", "not a cgroup v2 directory");
	resolve_expect(dir, "/f", "not a cgroup v2 directory");
	resolve_expect(dir, "/nope", "no such cgroup");
	resolve_expect(dir, "/f/x", "no such cgroup");
	expect_errors_env("cgroup /nope 1\ncgroup / 1\n", &env,
			  "t.conf:1: cgroup /nope: no such cgroup\n"
			  "t.conf:2: cgroup /: not a cgroup v2 directory\n");
	unlink(file);
	rmdir(dir);
}

/* One resolver for many paths (as a policy's parse uses): a directory that
 * failed its checks is not kept for the next path, and a path sharing a
 * parent gets the same answers as from a fresh resolver. */
static void test_resolver_reuse(void **state)
{
	char dir[] = "/tmp/cpuguard-unit-XXXXXX", p[96], q[96];
	static const char *const paths[] = { "/d/l/x", "/d/l/x", "/d/a/y", "/d/a", "/d/f/x", "/d/l/x", "/d", "/e/a" };
	struct cgroup_resolver *r = cgroup_resolver_new();

	(void)state;
	assert_non_null(r);
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/d", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/d/a", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(q, sizeof(q), "%s/d/l", dir);
	assert_int_equal(symlink(p, q), 0);
	snprintf(p, sizeof(p), "%s/d/f", dir);
	fclose(fopen(p, "w"));
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct policy_env shared = { .cgroup_root = dir, .resolver = r }, fresh = { .cgroup_root = dir };
		char e1[128] = "", e2[128] = "";
		uint64_t id1 = 1, id2 = 1;

		assert_int_equal(policy_cgroup_resolve(&shared, paths[i], &id1, e1, sizeof(e1)),
				 policy_cgroup_resolve(&fresh, paths[i], &id2, e2, sizeof(e2)));
		assert_string_equal(e1, e2);
		assert_true(e1[0] != '\0'); /* no path here is a cgroup */
	}
	cgroup_resolver_free(r);
	snprintf(p, sizeof(p), "rm -r %s", dir);
	assert_int_equal(system(p), 0);
}

/* Resolution against a real cgroup2 hierarchy is proven in the VM
 * (selftests/vm/tests/cli.sh): the host may have none. */

/* ---- scale ---- */

/* CPU time of this process: what a quadratic parse would blow up, and
 * unlike wall time not inflated by other jobs on a busy machine. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * 100k cgroups in 1000 groups, nested three deep, half using a set: a
 * quadratic duplicate or ancestor search would take minutes.
 */
static char *big_policy(size_t *len, int groups, int per_group)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	fprintf(f, "set narrow 0-3\ncgroup /p 0-63\n");
	for (int g = 0; g < groups; g++) {
		fprintf(f, "cgroup /p/g%d 0-7 # group\n", g);
		for (int c = 0; c < per_group; c++)
			fprintf(f, "cgroup /p/g%d/c%d %s%s\n", g, c, c % 2 ? "narrow" : "4-7",
				c % 3 ? "" : " audit");
	}
	fclose(f);
	return text;
}

static void test_scale(void **state)
{
	struct policy_env env = { .nr_cpu_ids = 64, .resolve = any_resolve };
	struct policy p;
	size_t len;
	char *text = big_policy(&len, 1000, 100);
	double t0 = now();
	int nerr = policy_parse_buffer("big.conf", text, len, &env, &p, stderr);
	double took = now() - t0;

	(void)state;
	print_message("100k-entry policy (%zu bytes) parsed in %.3f s\n", len, took);
	assert_int_equal(nerr, 0);
	assert_int_equal(p.nentries, 1 + 1000 + 100000);
	assert_true(took < 2.0);
	/* Spot-check the links: /p/g999/c99 -> /p/g999 -> /p -> none. */
	int leaf = entry_index(&p, "/p/g999/c99");
	int group = p.entries[leaf].parent;

	assert_string_equal(p.entries[group].path, "/p/g999");
	assert_string_equal(p.entries[p.entries[group].parent].path, "/p");
	assert_int_equal(p.entries[p.entries[group].parent].parent, -1);
	assert_int_equal(p.entries[leaf].set, 0);
	policy_free(&p);
	free(text);
}

/* The same, with one duplicate and one containment error at the end. */
static void test_scale_errors(void **state)
{
	struct policy_env env = { .nr_cpu_ids = 64, .resolve = any_resolve };
	struct policy p;
	size_t len;
	char *text = big_policy(&len, 1000, 100), *out = NULL;
	size_t outlen;
	FILE *f;

	(void)state;
	text = realloc(text, len + 64);
	len += (size_t)sprintf(text + len, "cgroup /p/g5/c7 1\ncgroup /p/g5/c7/x 8\n");
	f = open_memstream(&out, &outlen);
	double t0 = now();
	int nerr = policy_parse_buffer("big.conf", text, len, &env, &p, f);
	double took = now() - t0;

	fclose(f);
	assert_true(took < 2.0);
	assert_int_equal(nerr, 2);
	assert_string_equal(out,
			    "big.conf:101003: duplicate cgroup /p/g5/c7 (first at line 516)\n"
			    "big.conf:101004: CPUs 8 of /p/g5/c7/x are not inside 0-3 of its confined ancestor /p/g5/c7 (line 516)\n");
	policy_free(&p);
	free(out);
	free(text);
}

/* ---- hostile input (selftests/fuzz, selftests/vm/tests/hostile_input.sh) ---- */

/*
 * 8M errors in a 16 MiB file must not take gigabytes: the first
 * POLICY_ERRORS_MAX in line order are written, the rest only counted, even
 * when a later pass finds an error on an early line.
 */
static void test_error_cap(void **state)
{
	struct policy p;
	size_t len = 0, n = 0;
	char *text = NULL, *out;
	FILE *f = open_memstream(&text, &len);
	int nerr;

	(void)state;
	fprintf(f, "cgroup /a ghost\n"); /* unknown set: found after all lines are read */
	for (int i = 0; i < 3 * POLICY_ERRORS_MAX; i++)
		fprintf(f, "x\n");
	fclose(f);
	out = parse(text, &env4, &p, &nerr);
	assert_int_equal(nerr, 3 * POLICY_ERRORS_MAX + 1);
	assert_int_equal(count_lines(out), POLICY_ERRORS_MAX + 1);
	assert_memory_equal(out, "t.conf:1: unknown set \"ghost\"", 29);
	assert_non_null(strstr(out, "\nt.conf:100: unknown directive \"x\""));
	assert_null(strstr(out, "t.conf:101:"));
	assert_non_null(strstr(out, "\nt.conf: 201 more errors not shown\n"));
	policy_free(&p);
	free(out);
	free(text);

	/* Exactly the cap: no "more" line; one over: "1 more error". */
	char many[2 * (POLICY_ERRORS_MAX + 1) + 1];

	for (n = 0; n < POLICY_ERRORS_MAX + 1; n++)
		memcpy(many + 2 * n, "x\n", 2);
	many[2 * POLICY_ERRORS_MAX] = '\0';
	out = parse(many, &env4, &p, &nerr);
	assert_int_equal(nerr, POLICY_ERRORS_MAX);
	assert_null(strstr(out, "not shown"));
	policy_free(&p);
	free(out);
	many[2 * POLICY_ERRORS_MAX] = 'x';
	many[2 * POLICY_ERRORS_MAX + 1] = '\0';
	out = parse(many, &env4, &p, &nerr);
	assert_int_equal(nerr, POLICY_ERRORS_MAX + 1);
	assert_non_null(strstr(out, "\nt.conf: 1 more error not shown\n"));
	policy_free(&p);
	free(out);
}

/* Entries and sets beyond max_entries are checked, counted, not stored. */
static void test_limit_memory(void **state)
{
	struct policy_env env = env4;
	struct policy p;
	int nerr;
	char *out;

	(void)state;
	env.max_entries = 2;
	out = parse("set a 1\nset b 2\nset c 3\nset d 9\ncgroup /a a\ncgroup /x b\ncgroup /a/b 1\n"
		    "cgroup /x/y 1-x\ncgroup /x/nope 1\n", &env, &p, &nerr);
	assert_string_equal(out, "t.conf:3: too many sets (4, at most 2)\n"
				 "t.conf:4: CPU 9 is not possible on this machine (possible: 0-3)\n"
				 "t.conf:7: too many cgroup entries (5, at most 2)\n"
				 "t.conf:8: bad CPU list \"1-x\": expected a number after '-'\n");
	assert_int_equal(nerr, 4);
	assert_int_equal(p.nsets, 2);
	assert_int_equal(p.nentries, 2);
	policy_free(&p);
	free(out);
}

/* Two paths resolving to one cgroup would dodge the duplicate and nesting checks. */
static int alias_resolve(const struct policy_env *env, const char *path, uint64_t *id, char *err,
			 size_t errlen)
{
	(void)env, (void)err, (void)errlen;
	*id = !strncmp(path, "/alias", 6) || !strncmp(path, "/a", 2) ? 10 : 99;
	*id += strlen(path) > 6 ? 1 : 0;
	return 0;
}

static void test_same_cgroup(void **state)
{
	struct policy_env env = { .nr_cpu_ids = 4, .resolve = alias_resolve };

	(void)state;
	expect_errors_env("cgroup /a 1-3\ncgroup /x 0\ncgroup /alias 0\n", &env,
			  "t.conf:3: cgroup /alias is the same cgroup as /a (line 1)\n");
	/* Without a resolver nothing is compared. */
	env.resolve = NULL;
	expect_errors_env("cgroup /a 1-3\ncgroup /alias 0\n", &env, "");
}

static char *file_errors(const char *path, int *nerr)
{
	struct policy p;
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	*nerr = policy_parse_file(path, &env4, &p, f);
	fclose(f);
	assert_int_equal(p.nentries + p.nsets, 0);
	policy_free(&p);
	return out;
}

static void expect_file_error(const char *path, const char *want_suffix)
{
	int nerr;
	char *out = file_errors(path, &nerr), want[512];

	snprintf(want, sizeof(want), "%s: %s\n", path, want_suffix);
	assert_string_equal(out, want);
	assert_int_equal(nerr, 1);
	free(out);
}

/*
 * Only regular files are read: a FIFO without a writer would block (and
 * with one that writes nothing, read as an empty policy), /dev/zero never
 * ends. A zero-byte file is refused, a file over POLICY_FILE_MAX too
 * (checked by reading, not by st_size, which a sparse file or /proc lies about).
 */
static void test_file_kinds(void **state)
{
	char dir[] = "/tmp/cpuguard-unit-XXXXXX", path[128];
	int fd, nerr;
	char *out;
	struct policy p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	expect_file_error(dir, "not a regular file (a directory)");
	expect_file_error("/dev/zero", "not a regular file (a character device)");
	expect_file_error("/dev/null", "not a regular file (a character device)");

	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10); /* a blocking open would hang the test: fail it instead */
	expect_file_error(path, "not a regular file (a FIFO)");
	alarm(0);
	unlink(path);

	snprintf(path, sizeof(path), "%s/empty", dir);
	assert_true((fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600)) >= 0);
	close(fd);
	expect_file_error(path, "empty file (to remove every entry, apply a file holding only a comment)");
	/* One comment line is an empty policy, on purpose. */
	assert_true((fd = open(path, O_WRONLY | O_TRUNC)) >= 0);
	assert_int_equal(write(fd, "#\n", 2), 2);
	close(fd);
	assert_int_equal(policy_parse_file(path, &env4, &p, stderr), 0);
	assert_int_equal(p.nentries, 0);
	policy_free(&p);

	/* Sparse: POLICY_FILE_MAX bytes are read (all NUL: one overlong line)... */
	assert_true((fd = open(path, O_WRONLY | O_TRUNC)) >= 0);
	assert_int_equal(ftruncate(fd, POLICY_FILE_MAX), 0);
	out = file_errors(path, &nerr);
	assert_int_equal(nerr, 1);
	assert_non_null(strstr(out, ":1: line too long (16777216 bytes, at most 4096)\n"));
	free(out);
	/* ...one more is refused, and so is a file claiming a terabyte. */
	assert_int_equal(ftruncate(fd, POLICY_FILE_MAX + 1), 0);
	expect_file_error(path, "file too large (more than 16 MiB)");
	assert_int_equal(ftruncate(fd, (off_t)1 << 40), 0);
	expect_file_error(path, "file too large (more than 16 MiB)");
	close(fd);
	unlink(path);

	/* The name is escaped like any input. */
	snprintf(path, sizeof(path), "%s/\x1b[2J", dir);
	out = file_errors(path, &nerr);
	assert_int_equal(nerr, 1);
	assert_non_null(strstr(out, "/\\x1b[2J: cannot open: No such file or directory\n"));
	free(out);
	rmdir(dir);
}

/*
 * The real resolver walks the path without following symlinks or crossing
 * mount points (the VM test crosses real mounts: /proc, tmpfs, bind).
 */
static void test_real_resolve_walk(void **state)
{
	char dir[] = "/tmp/cpuguard-unit-XXXXXX", path[512], name[300];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/d", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/d/e", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/l", dir);
	assert_int_equal(symlink("d", path), 0);
	snprintf(path, sizeof(path), "%s/abs", dir);
	assert_int_equal(symlink("/", path), 0);

	resolve_expect(dir, "/d/e", "not a cgroup v2 directory"); /* found, but not cgroup2 */
	resolve_expect(dir, "/l", "not a cgroup v2 directory (a symbolic link)");
	resolve_expect(dir, "/l/e", "not a cgroup v2 directory (a symbolic link)");
	resolve_expect(dir, "/abs/tmp", "not a cgroup v2 directory (a symbolic link)");
	resolve_expect(dir, "/d/nope", "no such cgroup");
	resolve_expect(dir, "/d/e/../e", "path is not normalised");
	resolve_expect(dir, "d", "not an absolute path");
	memset(name, 'n', 257); /* "/" and a 256-byte component */
	name[0] = '/';
	name[257] = '\0';
	resolve_expect(dir, name, "cannot stat: File name too long");
	resolve_expect("/nonexistent-root", "/a",
		       "cannot open the cgroup root /nonexistent-root: No such file or directory");

	snprintf(path, sizeof(path), "%s/l", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/abs", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/d/e", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/d", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_optional),
		cmocka_unit_test(test_empty_and_comments),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_err_directive),
		cmocka_unit_test(test_err_fields),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_err_cpulist),
		cmocka_unit_test(test_err_set_name),
		cmocka_unit_test(test_err_duplicate_set),
		cmocka_unit_test(test_err_unknown_set),
		cmocka_unit_test(test_err_duplicate_cgroup),
		cmocka_unit_test(test_err_path),
		cmocka_unit_test(test_err_resolve),
		cmocka_unit_test(test_non_utf8),
		cmocka_unit_test(test_err_containment),
		cmocka_unit_test(test_err_nul),
		cmocka_unit_test(test_err_long_line),
		cmocka_unit_test(test_max_entries),
		cmocka_unit_test(test_all_errors_in_order),
		cmocka_unit_test(test_containment_in_order),
		cmocka_unit_test(test_file_open_error),
		cmocka_unit_test(test_file_fixtures),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_real_resolve),
		cmocka_unit_test(test_resolver_reuse),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_scale_errors),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_limit_memory),
		cmocka_unit_test(test_same_cgroup),
		cmocka_unit_test(test_file_kinds),
		cmocka_unit_test(test_real_resolve_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
