// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "json.h"

static char *render(const char *s, size_t n)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	json_write_string_n(f, s, n);
	fclose(f);
	return out;
}

/* want is the literal without its surrounding quotes. */
static void expect_n(const char *s, size_t n, const char *want)
{
	char *got = render(s, n);
	size_t wl = strlen(want);

	if (strlen(got) != wl + 2 || got[0] != '"' || got[wl + 1] != '"' || memcmp(got + 1, want, wl))
		fail_msg("got %s, want \"%s\"", got, want);
	free(got);
}

static void expect(const char *s, const char *want)
{
	expect_n(s, strlen(s), want);
}

static void test_plain(void **state)
{
	(void)state;
	expect("", "");
	expect("abc /sys/fs/cgroup/a.b-c_d", "abc /sys/fs/cgroup/a.b-c_d");
	expect("'single' <tag> & 100%", "'single' <tag> & 100%");
}

static void test_quotes_backslash(void **state)
{
	(void)state;
	expect("a\"b", "a\\\"b");
	expect("a\\b", "a\\\\b");
	expect("\\\"\\", "\\\\\\\"\\\\");
	expect("/", "/"); /* no need to escape the solidus */
}

static void test_control(void **state)
{
	(void)state;
	expect("\n\t\r\b\f", "\\n\\t\\r\\b\\f");
	expect("\x01\x1f", "\\u0001\\u001f");
	expect("\x1b[31m", "\\u001b[31m");
	expect("\x7f", "\\u007f");
	expect_n("a\0b", 3, "a\\u0000b");
	expect(" ~", " ~"); /* the printable range's edges stay raw */
}

static void test_utf8_valid(void **state)
{
	(void)state;
	expect("caf\xc3\xa9", "caf\xc3\xa9");			/* U+00E9 */
	expect("\xc2\x80", "\xc2\x80");				/* U+0080, smallest 2-byte */
	expect("\xdf\xbf", "\xdf\xbf");				/* U+07FF */
	expect("\xe0\xa0\x80", "\xe0\xa0\x80");			/* U+0800, smallest 3-byte */
	expect("\xe2\x82\xac", "\xe2\x82\xac");			/* U+20AC euro */
	expect("\xed\x9f\xbf", "\xed\x9f\xbf");			/* U+D7FF, below surrogates */
	expect("\xee\x80\x80", "\xee\x80\x80");			/* U+E000, above surrogates */
	expect("\xef\xbf\xbd", "\xef\xbf\xbd");			/* U+FFFD */
	expect("\xf0\x90\x80\x80", "\xf0\x90\x80\x80");		/* U+10000 */
	expect("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");		/* U+1F600 */
	expect("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");		/* U+10FFFF, the last */
	expect("\xe6\x97\xa5\"\xe6\x9c\xac", "\xe6\x97\xa5\\\"\xe6\x9c\xac");
}

static void test_utf8_invalid(void **state)
{
	(void)state;
	expect("\xff", "\\u00ff");
	expect("\xfe\xfe", "\\u00fe\\u00fe");
	expect("\x80", "\\u0080");				 /* lone continuation */
	expect("a\xc3", "a\\u00c3");				 /* truncated at the end */
	expect("\xc3" "A", "\\u00c3A");				 /* truncated mid-string */
	expect("\xe2\x82" "A", "\\u00e2\\u0082A");		 /* truncated 3-byte */
	expect("\xc0\xaf", "\\u00c0\\u00af");			 /* overlong '/' */
	expect("\xc1\xbf", "\\u00c1\\u00bf");			 /* overlong */
	expect("\xe0\x80\x80", "\\u00e0\\u0080\\u0080");	 /* overlong NUL */
	expect("\xe0\x9f\xbf", "\\u00e0\\u009f\\u00bf");	 /* overlong U+07FF */
	expect("\xed\xa0\x80", "\\u00ed\\u00a0\\u0080");	 /* surrogate U+D800 */
	expect("\xed\xbf\xbf", "\\u00ed\\u00bf\\u00bf");	 /* surrogate U+DFFF */
	expect("\xf0\x80\x80\x80", "\\u00f0\\u0080\\u0080\\u0080"); /* overlong */
	expect("\xf4\x90\x80\x80", "\\u00f4\\u0090\\u0080\\u0080"); /* U+110000 */
	expect("\xf5\x80\x80\x80", "\\u00f5\\u0080\\u0080\\u0080");
	expect("\xf0\x9f\x98", "\\u00f0\\u009f\\u0098");	 /* truncated 4-byte */
	/* A valid sequence right after an invalid byte is kept. */
	expect("\xff\xc3\xa9\xff", "\\u00ff\xc3\xa9\\u00ff");
	expect("\xc3\xc3\xa9", "\\u00c3\xc3\xa9");
}

static void test_null_and_cstring(void **state)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	json_write_string(f, NULL);
	fputc(' ', f);
	json_write_string(f, "x\"y");
	fclose(f);
	assert_string_equal(out, "null \"x\\\"y\"");
	free(out);
}

/*
 * Cross-check against Python's strict JSON and UTF-8 decoders: the output
 * must parse, and decode to the input with each invalid byte B read as
 * U+00B (the documented mapping). Python reports maximal invalid subparts
 * rather than single bytes, but mapping each byte of them gives the same.
 */
static const char checker[] =
	"import json, sys\n"
	"def latin(e): return (''.join(chr(b) for b in e.object[e.start:e.end]), e.end)\n"
	"import codecs; codecs.register_error('latin', latin)\n"
	"doc = json.loads(sys.stdin.buffer.read().decode('utf-8'))\n"
	"for raw, s in doc:\n"
	"    want = bytes.fromhex(raw).decode('utf-8', 'latin')\n"
	"    assert s == want, (raw, s, want)\n"
	"print(len(doc), 'strings ok')\n";

static void write_case(FILE *f, const unsigned char *s, size_t n, bool first)
{
	fputs(first ? "[\"" : ",[\"", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", s[i]);
	fputs("\",", f);
	json_write_string_n(f, (const char *)s, n);
	fputc(']', f);
}

static void test_python_roundtrip(void **state)
{
	char cmd[sizeof(checker) + 64];
	unsigned char buf[8];
	FILE *f;
	int status;

	(void)state;
	/* The strict decoder is the oracle: its absence is a failure, not a skip. */
	assert_int_equal(system("python3 -c 'import json' >/dev/null 2>&1"), 0);
	snprintf(cmd, sizeof(cmd), "python3 -c \"$CPUGUARD_CHECKER\"");
	setenv("CPUGUARD_CHECKER", checker, 1);
	f = popen(cmd, "w");
	assert_non_null(f);
	fputc('[', f);
	/* Every 1- and 2-byte string, then pseudo-random longer ones. */
	for (unsigned a = 0; a < 256; a++) {
		buf[0] = (unsigned char)a;
		write_case(f, buf, 1, a == 0);
		for (unsigned b = 0; b < 256; b++) {
			buf[1] = (unsigned char)b;
			write_case(f, buf, 2, false);
		}
	}
	uint32_t x = 12345;
	static const unsigned char pool[] = { 0x00, 0x22, 0x5c, 0x0a, 0x41, 0x7f, 0x80, 0x8f, 0x90,
					      0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef,
					      0xf0, 0xf4, 0xf5, 0xff };

	for (int i = 0; i < 200000; i++) {
		size_t n = 3 + i % 6;

		for (size_t k = 0; k < n; k++) {
			x = x * 1103515245 + 12345;
			buf[k] = pool[(x >> 16) % sizeof(pool)];
		}
		write_case(f, buf, n, false);
	}
	fputs("]\n", f);
	status = pclose(f);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static char *flushed(struct jw *j, int *rc)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	*rc = jw_flush(j, f);
	fclose(f);
	return out;
}

/* The writer: separators as the CLI always printed them, nesting, null. */
static void test_writer_shape(void **state)
{
	struct jw j = JW_INIT;
	char *out;
	int rc;

	(void)state;
	jw_obj(&j);
	jw_key(&j, "a");
	jw_u64(&j, 1);
	jw_key(&j, "b");
	jw_arr(&j);
	jw_str(&j, "x\n");
	jw_null(&j);
	jw_obj(&j);
	jw_end(&j);
	jw_end(&j);
	jw_key(&j, "c");
	jw_bool(&j, false);
	jw_key(&j, "d");
	jw_str(&j, NULL);
	jw_end(&j);
	out = flushed(&j, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "{\"a\": 1, \"b\": [\"x\\n\", null, {}], \"c\": false, \"d\": null}\n");
	free(out);
	jw_free(&j);
}

/* audit.c's old put() silently dropped a field that did not fit its
 * buffer, leaving an invalid line. The writer grows instead: a line with
 * eight 4096-byte paths of worst-case bytes comes out whole and valid. */
static void test_writer_never_drops(void **state)
{
	struct jw j = JW_INIT;
	char path[4096], *out;
	int rc;

	(void)state;
	memset(path, '\x01', sizeof(path));
	jw_obj(&j);
	for (int i = 0; i < 8; i++) {
		char key[8];

		snprintf(key, sizeof(key), "k%d", i);
		jw_key(&j, key);
		jw_str_n(&j, path, sizeof(path));
	}
	jw_key(&j, "last");
	jw_bool(&j, true);
	jw_end(&j);
	out = flushed(&j, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(out), 1 + 8 * (4 + 2 + 2 + 6 * 4096) + 2 * 7 + 14 + 2);
	assert_non_null(strstr(out, "\"last\": true}\n"));
	free(out);
	jw_free(&j);
}

/* Misuse fails visibly: nothing is written. */
static void test_writer_fails_visibly(void **state)
{
	struct jw j = JW_INIT;
	char *out;
	int rc;

	(void)state;
	jw_obj(&j);
	jw_key(&j, "open");
	out = flushed(&j, &rc); /* unfinished */
	assert_int_equal(rc, -1);
	assert_string_equal(out, "");
	free(out);
	for (int i = 0; i <= JW_DEPTH; i++)
		jw_arr(&j);
	out = flushed(&j, &rc); /* too deep */
	assert_int_equal(rc, -1);
	assert_string_equal(out, "");
	free(out);
	jw_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_quotes_backslash),
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_invalid),
		cmocka_unit_test(test_null_and_cstring),
		cmocka_unit_test(test_python_roundtrip),
		cmocka_unit_test(test_writer_shape),
		cmocka_unit_test(test_writer_never_drops),
		cmocka_unit_test(test_writer_fails_visibly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
