// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpulist.h"

/* Parse with every CPU possible, format, compare; then re-parse the output. */
static void roundtrip(const char *in, const char *want)
{
	struct cg_cpumask m, again;
	char err[256], out[65536];
	int len;

	if (cpulist_parse(in, &m, CG_MAX_CPUS, NULL, err, sizeof(err)))
		fail_msg("parse \"%s\" failed: %s", in, err);
	len = cpulist_format(&m, out, sizeof(out));
	if (len < 0 || strcmp(out, want))
		fail_msg("\"%s\" formatted as \"%s\" (%d), want \"%s\"", in, out, len, want);
	assert_int_equal(len, strlen(want));
	assert_int_equal(cpulist_parse(out, &again, CG_MAX_CPUS, NULL, err, sizeof(err)), 0);
	assert_true(cg_cpumask_equal(&m, &again));
}

static void expect_err_env(const char *in, unsigned nr, const struct cg_cpumask *possible,
			   const char *want)
{
	struct cg_cpumask m;
	char err[256];

	assert_int_equal(cpulist_parse(in, &m, nr, possible, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("\"%s\": error \"%s\" does not contain \"%s\"", in, err, want);
}

static void expect_err(const char *in, const char *want)
{
	expect_err_env(in, CG_MAX_CPUS, NULL, want);
}

/* Whole-message checks, for the messages users see most. */
static void expect_exact(const char *in, unsigned nr, const char *want)
{
	struct cg_cpumask m;
	char err[256];

	assert_int_equal(cpulist_parse(in, &m, nr, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void test_roundtrip(void **state)
{
	(void)state;
	roundtrip("0", "0");
	roundtrip("5", "5");
	roundtrip("0-3", "0-3");
	roundtrip("0-3,8,10-11", "0-3,8,10-11");
	roundtrip("3,1-2", "1-3");
	roundtrip("5,4,3,2", "2-5");
	roundtrip("1,1,1", "1");
	roundtrip("0-3,2-5", "0-5");
	roundtrip("0-1,3", "0-1,3");
	roundtrip("0,2,4", "0,2,4");
	roundtrip("1-1", "1");
	roundtrip("007", "7");
	roundtrip("63", "63");
	roundtrip("64", "64");
	roundtrip("63-64", "63-64");
	roundtrip("127,128", "127-128");
	roundtrip("60-130", "60-130");
	roundtrip("8191", "8191");
	roundtrip("8190,0", "0,8190");
	roundtrip("0-8191", "0-8191");
	roundtrip("4095-4100,8000,1", "1,4095-4100,8000");
	roundtrip("0-7:1/2", "0,2,4,6");
	/* taskset's stride form: every S-th CPU, the same as A-B:1/S */
	roundtrip("0-7:2", "0,2,4,6");
	roundtrip("1-10:3", "1,4,7,10");
	roundtrip("0-3:1", "0-3");
	roundtrip("0-9:2/5", "0-1,5-6");
	roundtrip("2-9:3/3", "2-9");
	roundtrip("100-8191:1/4096", "100,4196");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_exact("", CG_MAX_CPUS, "empty CPU list");
	expect_exact("1-", CG_MAX_CPUS, "bad CPU list \"1-\": expected a number after '-'");
	expect_exact(" 1", CG_MAX_CPUS, "bad CPU list \" 1\": expected a number");
	expect_exact("1,", CG_MAX_CPUS, "bad CPU list \"1,\": expected a number after ','");
	expect_err("1--2", "expected a number after '-'");
	expect_err("1 ", "unexpected character ' '");
	expect_err("1, 2", "expected a number after ','");
	expect_err("-1", "bad CPU list \"-1\": expected a number");
	expect_err("+1", "expected a number");
	expect_err("a", "bad CPU list \"a\": expected a number");
	expect_err(",1", "expected a number");
	expect_err("1,,2", "expected a number after ','");
	expect_err("1-3x", "unexpected character 'x'");
	expect_err("0x10", "unexpected character 'x'");
	expect_err("1:2", "unexpected character ':'");
	expect_err("1\n", "unexpected character '\\x0a'");
	expect_err("1;2", "unexpected character ';'");
	expect_err("N", "expected a number"); /* kernel-only "last CPU" alias */
	expect_err("all", "expected a number");
}

static void test_stride_errors(void **state)
{
	(void)state;
	expect_err("0-7:0", "A-B:STRIDE needs STRIDE > 0");
	expect_err("0-7:", "expected a number after ':'");
	expect_err("0-7:1/", "expected a number after '/'");
	expect_err("0-7:0/2", "0 < USED <= GROUP");
	expect_err("0-7:3/2", "0 < USED <= GROUP");
	expect_err("0-7:1/0", "0 < USED <= GROUP");
	expect_err("0-7:1/2x", "unexpected character 'x'");
}

static void test_range_errors(void **state)
{
	(void)state;
	expect_exact("5-3", CG_MAX_CPUS, "reversed range 5-3");
	expect_err("0,9-8", "reversed range 9-8");
	expect_exact("99999999999", CG_MAX_CPUS, "CPU number 99999999999 is too large (at most 8191)");
	expect_err("99999999999999999999", "CPU number 99999999999999999999 is too large");
	expect_err("8192", "CPU number 8192 is too large");
	/* Values that would wrap a 32- or 64-bit counter back to small CPUs. */
	expect_err("4294967296", "CPU number 4294967296 is too large");
	expect_err("4294967297", "too large");
	expect_err("18446744073709551616", "too large");
	expect_err("18446744073709551617", "too large");
	expect_err("0-18446744073709551617", "too large");
	expect_err("0-7:1/18446744073709551617", "too large");
	/* Echoed digits are cut so that a garbage number cannot flood the message. */
	expect_err("1234567890123456789012345678901234567890123456789012345678901234567890",
		   "CPU number 1234567890123456789012345678901234567890... is too large");
}

static void test_possible(void **state)
{
	struct cg_cpumask possible = { { 0 } };

	(void)state;
	expect_exact("9", 4, "CPU 9 is not possible on this machine (possible: 0-3)");
	expect_exact("2-5", 4, "CPU 4 is not possible on this machine (possible: 0-3)");
	expect_exact("4", 4, "CPU 4 is not possible on this machine (possible: 0-3)");
	expect_exact("0", 0, "CPU 0 is not possible on this machine (possible: none)");
	cg_cpumask_set(&possible, 0);
	cg_cpumask_set(&possible, 2);
	cg_cpumask_set(&possible, 3);
	cg_cpumask_set(&possible, 70); /* above nr_cpu_ids: must not count */
	expect_err_env("1", 4, &possible, "CPU 1 is not possible on this machine (possible: 0,2-3)");
	expect_err_env("0-3", 4, &possible, "CPU 1 is not possible");
	expect_err_env("70", 4, &possible, "CPU 70 is not possible");

	struct cg_cpumask m;
	char err[128];

	assert_int_equal(cpulist_parse("0,2-3", &m, 4, &possible, err, sizeof(err)), 0);
	assert_int_equal(cg_cpumask_weight(&m), 3);
	assert_int_equal(cpulist_parse("3", &m, 4, NULL, err, sizeof(err)), 0);
}

/* nr_cpu_ids above what cpuguard supports is clamped, not trusted. */
static void test_clamped_nr(void **state)
{
	struct cg_cpumask m;
	char err[128];

	(void)state;
	assert_int_equal(cpulist_parse("8191", &m, 100000, NULL, err, sizeof(err)), 0);
	assert_true(cg_cpumask_test(&m, 8191));
	assert_int_equal(cpulist_parse("8192", &m, 100000, NULL, err, sizeof(err)), -1);
}

/* A long "possible" list is cut with "..." rather than overflowing err. */
static void test_long_possible_message(void **state)
{
	struct cg_cpumask possible = { { 0 } };
	char err[256];
	struct cg_cpumask m;

	(void)state;
	for (unsigned c = 0; c < 1000; c += 2)
		cg_cpumask_set(&possible, c);
	assert_int_equal(cpulist_parse("1", &m, 1000, &possible, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "CPU 1 is not possible on this machine (possible: 0,2,4,"));
	assert_non_null(strstr(err, "...)"));
}

static void test_error_buffer(void **state)
{
	struct cg_cpumask m;
	char err[8];

	(void)state;
	/* No buffer at all must be fine. */
	assert_int_equal(cpulist_parse("5-3", &m, CG_MAX_CPUS, NULL, NULL, 0), -1);
	memset(err, 'X', sizeof(err));
	assert_int_equal(cpulist_parse("5-3", &m, CG_MAX_CPUS, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "reverse");
	/* Success clears any previous message. */
	assert_int_equal(cpulist_parse("1", &m, CG_MAX_CPUS, NULL, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

static void test_escaped_input(void **state)
{
	(void)state;
	expect_err("\x01", "bad CPU list \"\\x01\": expected a number");
	expect_err("1-\xff", "bad CPU list \"1-\\xff\"");
	expect_err("1\"", "bad CPU list \"1\\\"\"");
	/* Long input is shortened in the message. */
	char in[300];

	memset(in, '1', sizeof(in) - 2);
	in[0] = 'z';
	in[sizeof(in) - 2] = 'z';
	in[sizeof(in) - 1] = '\0';
	expect_err(in, "...\": expected a number");
}

static void test_format(void **state)
{
	struct cg_cpumask m = { { 0 } };
	char buf[8];

	(void)state;
	assert_int_equal(cpulist_format(&m, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(cpulist_format(&m, buf, 0), -1);
	cg_cpumask_set_range(&m, 0, 3);
	cg_cpumask_set(&m, 8);
	assert_int_equal(cpulist_format(&m, buf, 6), 5); /* "0-3,8" + NUL fits exactly */
	assert_string_equal(buf, "0-3,8");
	assert_int_equal(cpulist_format(&m, buf, 5), -1);
	assert_string_equal(buf, "0-3"); /* whole elements only */
	assert_int_equal(cpulist_format(&m, buf, 1), -1);
	assert_string_equal(buf, "");
}

static void test_format_sparse(void **state)
{
	struct cg_cpumask m = { { 0 } };
	static char buf[65536];
	int len;

	(void)state;
	for (unsigned c = 0; c < CG_MAX_CPUS; c += 2)
		cg_cpumask_set(&m, c);
	len = cpulist_format(&m, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(len, strlen(buf));
	assert_true(strncmp(buf, "0,2,4,6,", 8) == 0);
	assert_string_equal(buf + len - 10, ",8188,8190");
	struct cg_cpumask again;

	assert_int_equal(cpulist_parse(buf, &again, CG_MAX_CPUS, NULL, NULL, 0), 0);
	assert_true(cg_cpumask_equal(&m, &again));
}

static void test_mask_ops(void **state)
{
	struct cg_cpumask a = { { 0 } }, b = { { 0 } };

	(void)state;
	assert_true(cg_cpumask_empty(&a));
	assert_true(cg_cpumask_subset(&a, &b)); /* empty is inside anything */
	cg_cpumask_set(&a, 0);
	cg_cpumask_set(&a, 63);
	cg_cpumask_set(&a, 64);
	cg_cpumask_set(&a, 8191);
	cg_cpumask_set(&a, 8192); /* ignored, must not write past the mask */
	assert_false(cg_cpumask_empty(&a));
	assert_int_equal(cg_cpumask_weight(&a), 4);
	assert_true(cg_cpumask_test(&a, 63) && cg_cpumask_test(&a, 64) && cg_cpumask_test(&a, 8191));
	assert_false(cg_cpumask_test(&a, 1) || cg_cpumask_test(&a, 62) || cg_cpumask_test(&a, 65));
	assert_false(cg_cpumask_test(&a, 8192));
	assert_false(cg_cpumask_subset(&a, &b));
	assert_true(cg_cpumask_subset(&b, &a));
	cg_cpumask_set_range(&b, 0, 8191);
	assert_true(cg_cpumask_subset(&a, &b));
	assert_int_equal(cg_cpumask_next(&a, 0), 0);
	assert_int_equal(cg_cpumask_next(&a, 1), 63);
	assert_int_equal(cg_cpumask_next(&a, 65), 8191);
	assert_int_equal(cg_cpumask_next(&a, 8192), CG_MAX_CPUS);
	cg_cpumask_zero(&a);
	assert_int_equal(cg_cpumask_next(&a, 0), CG_MAX_CPUS);
}

/* The word-at-a-time range setter against a bit-by-bit reference. */
static void test_set_range(void **state)
{
	static const unsigned pts[] = { 0, 1, 62, 63, 64, 65, 127, 128, 191, 500, 4095, 8190, 8191 };

	(void)state;
	for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		for (size_t j = i; j < sizeof(pts) / sizeof(pts[0]); j++) {
			struct cg_cpumask fast = { { 0 } }, slow = { { 0 } };

			cg_cpumask_set_range(&fast, pts[i], pts[j]);
			for (unsigned c = pts[i]; c <= pts[j]; c++)
				cg_cpumask_set(&slow, c);
			if (!cg_cpumask_equal(&fast, &slow))
				fail_msg("set_range(%u, %u) differs", pts[i], pts[j]);
		}
	}
	struct cg_cpumask m = { { 0 } };

	cg_cpumask_set_range(&m, 8000, 100000); /* clamped */
	assert_int_equal(cg_cpumask_weight(&m), 192);
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int read_list(const char *data, size_t len, struct cg_cpumask *m, unsigned *nr)
{
	char path[] = "/tmp/cpuguard-test-XXXXXX";
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0);
	close(fd);
	write_file(path, data, len);
	errno = 0;
	rc = cpulist_read_file(path, m, nr);
	int saved = errno;

	unlink(path);
	errno = saved;
	return rc;
}

static void test_read_file(void **state)
{
	struct cg_cpumask m;
	unsigned nr = 12345;

	(void)state;
	assert_int_equal(read_list("0-3\n", 4, &m, &nr), 0);
	assert_int_equal(nr, 4);
	assert_int_equal(read_list("0,2-5\n", 6, &m, &nr), 0);
	assert_int_equal(nr, 6);
	assert_false(cg_cpumask_test(&m, 1));
	assert_int_equal(read_list("0-8191", 6, &m, &nr), 0); /* no newline is fine */
	assert_int_equal(nr, 8192);

	static const char *const bad[] = { "", "\n", "0-3\n\n", " 0-3\n", "abc\n", "0-8192\n" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nr = 12345;
		assert_int_equal(read_list(bad[i], strlen(bad[i]), &m, &nr), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(nr, 12345);
	}
	/* A NUL must not silently truncate the list to "0". */
	assert_int_equal(read_list("0\0-3\n", 5, &m, &nr), -1);
	assert_int_equal(errno, EINVAL);

	assert_int_equal(cpulist_read_file("/nonexistent/cpuguard/possible", &m, &nr), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_read_sysfs(void **state)
{
	struct cg_cpumask m;
	unsigned nr = 0;

	(void)state;
	assert_int_equal(cpulist_read_file("/sys/devices/system/cpu/possible", &m, &nr), 0);
	assert_true(nr >= 1);
	assert_true(cg_cpumask_test(&m, 0));
	assert_true(cg_cpumask_test(&m, nr - 1));
}

/*
 * A-B:USED/GROUP is expanded a word at a time (a bit at a time made a
 * 16 MiB policy of "0-8191:1/2" lists take minutes to check): compare it
 * with the definition for every group size and many offsets, and time the
 * worst case.
 */
static void test_grouped_words(void **state)
{
	static const unsigned ends[][2] = { { 0, 8191 }, { 1, 8190 }, { 63, 64 }, { 5, 200 },
					    { 64, 127 }, { 100, 4000 }, { 8000, 8191 }, { 77, 77 } };
	struct cg_cpumask m;
	char list[64], err[256];

	(void)state;
	for (unsigned e = 0; e < sizeof(ends) / sizeof(ends[0]); e++) {
		unsigned a = ends[e][0], b = ends[e][1];

		for (unsigned group = 1; group <= 130; group += group < 70 ? 1 : 29) {
			for (unsigned used = 1; used <= group; used += used < 3 ? 1 : (group / 3 ? group / 3 : 1)) {
				snprintf(list, sizeof(list), "%u-%u:%u/%u", a, b, used, group);
				assert_int_equal(cpulist_parse(list, &m, CG_MAX_CPUS, NULL, err, sizeof(err)), 0);
				for (unsigned c = 0; c < CG_MAX_CPUS; c++) {
					bool want = c >= a && c <= b && (c - a) % group < used;

					if (cg_cpumask_test(&m, c) != want)
						fail_msg("%s: CPU %u is %d, want %d", list, c, !want, want);
				}
			}
		}
	}
	/* Several elements OR together. */
	assert_int_equal(cpulist_parse("0-15:1/4,1-15:1/4,64-99:3/5", &m, CG_MAX_CPUS, NULL, err,
				       sizeof(err)), 0);
	assert_int_equal(cpulist_format(&m, list, sizeof(list)), 62);
	assert_string_equal(list, "0-1,4-5,8-9,12-13,64-66,69-71,74-76,79-81,84-86,89-91,94-96,99");
}

static void test_grouped_speed(void **state)
{
	struct cg_cpumask m;
	struct timespec t0, t1;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(cpulist_parse("0-8191:1/2", &m, CG_MAX_CPUS, NULL, NULL, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double took = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	print_message("100000 x \"0-8191:1/2\" in %.3f s\n", took);
	assert_int_equal(cg_cpumask_weight(&m), 4096);
	assert_true(took < 20.0); /* a bit at a time: ~1 min; sanitizers slow it 2-3x */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_stride_errors),
		cmocka_unit_test(test_range_errors),
		cmocka_unit_test(test_possible),
		cmocka_unit_test(test_clamped_nr),
		cmocka_unit_test(test_long_possible_message),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_escaped_input),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_sparse),
		cmocka_unit_test(test_mask_ops),
		cmocka_unit_test(test_set_range),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_sysfs),
		cmocka_unit_test(test_grouped_words),
		cmocka_unit_test(test_grouped_speed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
