// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the CPU list parser (cpulist_parse), the formatter
 * (cpulist_format) and the message escaper (cg_escape_bytes).
 *
 * Input: the machine (fuzz_env.h, 3 bytes), one byte of buffer sizes, then
 * the list; cpulist_parse() sees it up to its first NUL, as a C string.
 *
 * Checked for every input, beyond "no crash, no sanitizer report":
 *  - accept/reject and the mask agree with an independent reading of the
 *    grammar (ref_parse below), every CPU allowed on the machine;
 *  - a rejected list has a one-line, printable message, and the same
 *    result with err = NULL or a short err buffer (a NUL-terminated prefix);
 *  - round trip: cpulist_format() then cpulist_parse() gives the same mask,
 *    and formatting is canonical (format(parse(format(m))) == format(m));
 *  - cpulist_format() into every short buffer size fails with a prefix made
 *    of whole elements;
 *  - cg_escape_bytes() of the raw input is printable, never cut inside an
 *    escape, and decodes back to the input.
 */
#include <string.h>

#include "cpulist.h"
#include "fuzz_env.h"

#define BIG 65536 /* any 8192-CPU mask formats in < 40 KiB */

/* ---- an independent, deliberately naive reading of the grammar ---- */

static int ref_num(const char **s, unsigned long *v)
{
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -1;
	*v = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((*v = *v * 10 + (unsigned long)(*p - '0')) >= CG_MAX_CPUS)
			return -1; /* also stops the value from overflowing */
	*s = p;
	return 0;
}

static int ref_parse(const char *s, bool *bits, const struct fuzz_machine *m)
{
	memset(bits, 0, CG_MAX_CPUS * sizeof(*bits));
	if (!*s)
		return -1;
	for (;;) {
		unsigned long a, b, used = 1, group = 1;

		if (ref_num(&s, &a))
			return -1;
		b = a;
		if (*s == '-') {
			s++;
			if (ref_num(&s, &b) || b < a)
				return -1;
			if (*s == ':') {
				s++;
				if (ref_num(&s, &used))
					return -1;
				if (*s != '/') { /* taskset's A-B:S: every S-th CPU */
					group = used;
					used = 1;
				} else if (s++, ref_num(&s, &group)) {
					return -1;
				}
				if (!used || !group || used > group)
					return -1;
			}
		}
		for (unsigned long c = a; c <= b; c++)
			if ((c - a) % group < used)
				bits[c] = true;
		if (!*s)
			break;
		if (*s++ != ',')
			return -1;
	}
	for (unsigned c = 0; c < CG_MAX_CPUS; c++)
		if (bits[c] && !fuzz_cpu_allowed(m, c))
			return -1;
	return 0;
}

/* ---- checks ---- */

static bool bit(const struct cg_cpumask *m, unsigned c)
{
	return (m->bits[c / 64] >> (c % 64)) & 1;
}

static void check_helpers(const struct cg_cpumask *mask, const bool *ref)
{
	unsigned weight = 0, next = 0;

	for (unsigned c = 0; c < CG_MAX_CPUS; c++) {
		FUZZ_CHECK(bit(mask, c) == ref[c], "CPU %u: parser %d, reference %d", c, bit(mask, c),
			   ref[c]);
		FUZZ_CHECK(cg_cpumask_test(mask, c) == ref[c], "cg_cpumask_test(%u)", c);
		weight += ref[c];
		if (ref[c]) {
			unsigned got = cg_cpumask_next(mask, next);

			FUZZ_CHECK(got == c, "cg_cpumask_next(%u) = %u, want %u", next, got, c);
			next = c + 1;
		}
	}
	FUZZ_CHECK(cg_cpumask_next(mask, next) == CG_MAX_CPUS, "cg_cpumask_next past the last");
	FUZZ_CHECK(cg_cpumask_weight(mask) == weight, "weight %u, want %u", cg_cpumask_weight(mask),
		   weight);
	FUZZ_CHECK(cg_cpumask_empty(mask) == (weight == 0), "empty");
}

static void check_format(const struct cg_cpumask *mask, const struct fuzz_machine *m,
			 uint8_t sizes)
{
	static char full[BIG], again[BIG];
	struct cg_cpumask back;
	char err[256];
	int len = cpulist_format(mask, full, sizeof(full));

	FUZZ_CHECK(len > 0 && (size_t)len == strlen(full), "format length %d", len);
	FUZZ_CHECK(!strchr(full, ':'), "canonical form has no groups: %s", full);
	FUZZ_CHECK(!cpulist_parse(full, &back, m->nr_cpu_ids, m->possible, err, sizeof(err)),
		   "formatted list \"%s\" does not parse: %s", full, err);
	FUZZ_CHECK(cg_cpumask_equal(&back, mask), "round trip changed the mask: %s", full);
	FUZZ_CHECK(cpulist_format(&back, again, sizeof(again)) == len && !strcmp(again, full),
		   "format is not canonical: %s vs %s", full, again);

	/* Short buffers: -1 and whole elements, or the full text when it fits. */
	size_t tries[] = { 0, 1, 2, sizes, (size_t)sizes * 3 % ((size_t)len + 2), (size_t)len,
			   (size_t)len + 1 };

	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		size_t n = tries[i];
		/* Exactly n bytes, so that ASan sees a write past the end. */
		char *small = malloc(n ? n : 1);
		int r;

		FUZZ_CHECK(small, "malloc");
		memset(small, 'X', n ? n : 1);
		r = cpulist_format(mask, small, n);
		if (n > (size_t)len) {
			FUZZ_CHECK(r == len && !strcmp(small, full), "buflen %zu: %d", n, r);
		} else if (!n) {
			FUZZ_CHECK(r == -1 && small[0] == 'X', "buflen 0: %d, or it wrote", r);
		} else {
			size_t k = strnlen(small, n);

			FUZZ_CHECK(r == -1, "buflen %zu <= length %d must fail, got %d", n, len, r);
			FUZZ_CHECK(k < n, "buflen %zu: not NUL-terminated", n);
			FUZZ_CHECK(!strncmp(small, full, k), "buflen %zu: \"%s\" not a prefix of \"%s\"",
				   n, small, full);
			FUZZ_CHECK(k == 0 || full[k] == ',',
				   "buflen %zu: \"%s\" cuts an element of \"%s\"", n, small, full);
		}
		free(small);
	}
}

static void check_escape(const uint8_t *data, size_t size, uint8_t sizes)
{
	size_t cap = 4 * size + 1, len, k, j = 0;
	char *full = malloc(cap), *part;

	FUZZ_CHECK(full, "malloc");
	len = cg_escape_bytes(full, cap, (const char *)data, size);
	FUZZ_CHECK(len < cap && full[len] == '\0' && strlen(full) == len, "escape length");
	FUZZ_CHECK(fuzz_printable(full, len, false), "escape output not printable");
	/* Decode: \\ \" \xNN or a printable byte. */
	for (size_t i = 0; i < len; j++) {
		unsigned v;

		FUZZ_CHECK(j < size, "escape decodes to more bytes than the input");
		if (full[i] != '\\') {
			v = (unsigned char)full[i++];
			FUZZ_CHECK(v != '"', "raw quote in escaped text");
		} else if (full[i + 1] == '\\' || full[i + 1] == '"') {
			v = (unsigned char)full[i + 1];
			i += 2;
		} else {
			FUZZ_CHECK(full[i + 1] == 'x' && sscanf(full + i + 2, "%2x", &v) == 1,
				   "bad escape at %zu: %s", i, full + i);
			FUZZ_CHECK(v < 0x20 || v >= 0x7f, "printable byte 0x%02x escaped", v);
			i += 4;
		}
		FUZZ_CHECK(v == data[j], "byte %zu decodes to 0x%02x, input 0x%02x", j, v, data[j]);
	}
	FUZZ_CHECK(j == size, "escape decodes to %zu bytes, input %zu", j, size);

	/* A short buffer holds a prefix made of whole escapes. */
	part = malloc(sizes ? sizes : 1); /* exactly dstlen bytes */
	FUZZ_CHECK(part, "malloc");
	part[0] = 'X';
	k = cg_escape_bytes(part, sizes, (const char *)data, size);
	if (sizes) {
		FUZZ_CHECK(k < sizes && part[k] == '\0', "short escape length %zu for %u", k, sizes);
		FUZZ_CHECK(!strncmp(part, full, k), "short escape is not a prefix");
		/* Cut at an escape boundary, and only because the next did not fit. */
		size_t i = 0, step = 0;

		while (i < k) {
			step = full[i] != '\\' ? 1 : full[i + 1] == 'x' ? 4 : 2;
			i += step;
		}
		FUZZ_CHECK(i == k, "short escape cut inside an escape (%zu)", k);
		if (k < len) {
			step = full[k] != '\\' ? 1 : full[k + 1] == 'x' ? 4 : 2;
			FUZZ_CHECK(k + step >= sizes, "short escape stopped early (%zu of %u)", k, sizes);
		}
	} else {
		FUZZ_CHECK(k == 0 && part[0] == 'X', "dstlen 0 returns 0 and writes nothing");
	}
	free(part);
	free(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ref[CG_MAX_CPUS];
	struct fuzz_machine m;
	struct cg_cpumask mask, mask2;
	char err[512];
	uint8_t sizes;
	char *s;
	int rc, want;

	if (!fuzz_machine_init(&m, &data, &size) || size < 1)
		return 0;
	sizes = data[0];
	data++, size--;
	/* Exactly the input's bytes plus a NUL: ASan sees any read past it. */
	if (!(s = malloc(size + 1)))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	rc = cpulist_parse(s, &mask, m.nr_cpu_ids, m.possible, err, sizeof(err));
	want = ref_parse(s, ref, &m);
	FUZZ_CHECK(rc == want, "\"%s\" (nr %u): parser %d, reference %d (%s)", s, m.nr_cpu_ids, rc,
		   want, err);
	FUZZ_CHECK(strnlen(err, sizeof(err)) < sizeof(err), "err not NUL-terminated");
	FUZZ_CHECK(fuzz_printable(err, strlen(err), false), "message not printable: %s", err);
	FUZZ_CHECK(rc ? err[0] != '\0' : err[0] == '\0', "message \"%s\" for rc %d", err, rc);

	/* The same answer without a message buffer or with a short one. */
	FUZZ_CHECK(cpulist_parse(s, &mask2, m.nr_cpu_ids, m.possible, NULL, 0) == rc, "err NULL");
	size_t elen = sizes % 64;
	char *short_err = malloc(elen ? elen : 1); /* exactly errlen bytes */

	FUZZ_CHECK(short_err, "malloc");
	memset(short_err, 'X', elen ? elen : 1);
	FUZZ_CHECK(cpulist_parse(s, &mask2, m.nr_cpu_ids, m.possible, short_err, elen) == rc,
		   "short err");
	if (elen) {
		size_t k = strnlen(short_err, elen);

		FUZZ_CHECK(k < elen && !strncmp(short_err, err, k), "short err is not a prefix");
	} else {
		FUZZ_CHECK(short_err[0] == 'X', "errlen 0 must not write");
	}
	free(short_err);

	if (!rc) {
		check_helpers(&mask, ref);
		FUZZ_CHECK(!cg_cpumask_empty(&mask), "a valid list names a CPU");
		FUZZ_CHECK(fuzz_mask_allowed(&m, &mask), "CPU not allowed on the machine accepted");
		check_format(&mask, &m, sizes);
	}
	check_escape(data, size, sizes);
	free(s);
	return 0;
}
