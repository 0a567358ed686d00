// SPDX-License-Identifier: GPL-2.0
#define _POSIX_C_SOURCE 200809L
#include "cpulist.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest part of the input echoed in a message: enough to spot the typo. */
#define ECHO_MAX 64
/* The biggest list file the kernel emits for 8192 CPUs is ~40 KiB. */
#define LIST_FILE_MAX (256 * 1024)

void cg_cpumask_zero(struct cg_cpumask *m)
{
	memset(m, 0, sizeof(*m));
}

void cg_cpumask_set(struct cg_cpumask *m, unsigned cpu)
{
	if (cpu < CG_MAX_CPUS)
		m->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

bool cg_cpumask_test(const struct cg_cpumask *m, unsigned cpu)
{
	return cpu < CG_MAX_CPUS && (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

/* Bits lo..hi (0..63, inclusive) of one word. */
static uint64_t word_span(unsigned lo, unsigned hi)
{
	uint64_t upto_hi = hi == 63 ? ~UINT64_C(0) : (UINT64_C(1) << (hi + 1)) - 1;

	return upto_hi & ~((UINT64_C(1) << lo) - 1);
}

/* Word at a time so that "0-8191" in 100k policy lines stays cheap. */
void cg_cpumask_set_range(struct cg_cpumask *m, unsigned lo, unsigned hi)
{
	if (hi >= CG_MAX_CPUS)
		hi = CG_MAX_CPUS - 1;
	for (unsigned w = lo / 64; lo <= hi; w++) {
		unsigned end = w * 64 + 63 < hi ? w * 64 + 63 : hi;

		m->bits[w] |= word_span(lo % 64, end % 64);
		lo = end + 1;
	}
}

bool cg_cpumask_subset(const struct cg_cpumask *a, const struct cg_cpumask *b)
{
	for (size_t i = 0; i < CG_MASK_WORDS; i++)
		if (a->bits[i] & ~b->bits[i])
			return false;
	return true;
}

bool cg_cpumask_empty(const struct cg_cpumask *m)
{
	for (size_t i = 0; i < CG_MASK_WORDS; i++)
		if (m->bits[i])
			return false;
	return true;
}

bool cg_cpumask_equal(const struct cg_cpumask *a, const struct cg_cpumask *b)
{
	return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

unsigned cg_cpumask_weight(const struct cg_cpumask *m)
{
	unsigned n = 0;

	for (size_t i = 0; i < CG_MASK_WORDS; i++)
		n += (unsigned)__builtin_popcountll(m->bits[i]);
	return n;
}

/* Shared by next-set and next-clear: `flip` inverts the words scanned. */
static unsigned scan(const struct cg_cpumask *m, unsigned from, uint64_t flip)
{
	if (from >= CG_MAX_CPUS)
		return CG_MAX_CPUS;
	unsigned w = from / 64;
	uint64_t word = (m->bits[w] ^ flip) & (~UINT64_C(0) << (from % 64));

	while (!word) {
		if (++w == CG_MASK_WORDS)
			return CG_MAX_CPUS;
		word = m->bits[w] ^ flip;
	}
	return w * 64 + (unsigned)__builtin_ctzll(word);
}

unsigned cg_cpumask_next(const struct cg_cpumask *m, unsigned from)
{
	return scan(m, from, 0);
}

size_t cg_escape_bytes(char *dst, size_t dstlen, const char *s, size_t n)
{
	size_t len = 0;

	if (!dstlen)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char tmp[5];
		size_t k;

		if (c == '\\' || c == '"')
			k = (size_t)snprintf(tmp, sizeof(tmp), "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			k = (size_t)snprintf(tmp, sizeof(tmp), "%c", c);
		else
			k = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", c);
		if (len + k >= dstlen)
			break; /* never cut an escape in half */
		memcpy(dst + len, tmp, k);
		len += k;
	}
	dst[len] = '\0';
	return len;
}

int cpulist_format(const struct cg_cpumask *m, char *buf, size_t buflen)
{
	size_t len = 0;

	if (!buflen)
		return -1;
	buf[0] = '\0';
	for (unsigned a = scan(m, 0, 0); a < CG_MAX_CPUS;) {
		unsigned b = scan(m, a, ~UINT64_C(0)) - 1; /* last of the run */
		char tmp[32];
		int k = a == b ? snprintf(tmp, sizeof(tmp), "%s%u", len ? "," : "", a)
			       : snprintf(tmp, sizeof(tmp), "%s%u-%u", len ? "," : "", a, b);

		if (len + (size_t)k >= buflen)
			return -1; /* buf keeps the whole elements so far */
		memcpy(buf + len, tmp, (size_t)k + 1);
		len += (size_t)k;
		a = scan(m, b + 1, 0);
	}
	return (int)len;
}

/* ---- parser ---- */

struct lex {
	const char *s; /* whole input, for messages */
	const char *p; /* cursor */
	char *err;
	size_t errlen;
};

static void set_err(struct lex *lx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct lex *lx, const char *fmt, ...)
{
	va_list ap;

	if (!lx->err || !lx->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(lx->err, lx->errlen, fmt, ap);
	va_end(ap);
}

/* "bad CPU list \"<input>\": <why>", the input escaped and shortened. */
static int syntax_err(struct lex *lx, const char *why)
{
	char echo[4 * ECHO_MAX + 1];
	size_t n = strlen(lx->s);

	cg_escape_bytes(echo, sizeof(echo), lx->s, n < ECHO_MAX ? n : ECHO_MAX);
	set_err(lx, "bad CPU list \"%s%s\": %s", echo, n > ECHO_MAX ? "..." : "", why);
	return -1;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Read a decimal number. `after` names what preceded it, for the message.
 * Anything >= CG_MAX_CPUS is rejected here, which also keeps every later
 * computation far away from overflow.
 */
static int get_num(struct lex *lx, unsigned *v, const char *after)
{
	const char *start = lx->p;
	uint64_t val = 0;
	bool big = false;
	char why[64];

	if (!is_digit(*lx->p)) {
		snprintf(why, sizeof(why), "expected a number%s", after);
		return syntax_err(lx, why);
	}
	for (; is_digit(*lx->p); lx->p++) {
		val = val * 10 + (unsigned)(*lx->p - '0');
		big |= val >= CG_MAX_CPUS; /* sticky: val stops growing below */
		if (big)
			val = CG_MAX_CPUS;
	}
	if (big) {
		int n = (int)(lx->p - start);

		set_err(lx, "CPU number %.*s%s is too large (at most %u)", n > 40 ? 40 : n,
			start, n > 40 ? "..." : "", CG_MAX_CPUS - 1);
		return -1;
	}
	*v = (unsigned)val;
	return 0;
}

/* ":USED/GROUP" of the kernel's grouped form, or ":S" of taskset's stride
 * form (every S-th CPU: USED 1, GROUP S); cursor is on the ':'. */
static int get_group(struct lex *lx, unsigned *used, unsigned *group)
{
	lx->p++;
	if (get_num(lx, used, " after ':'"))
		return -1;
	if (*lx->p != '/') {
		*group = *used;
		*used = 1;
		if (*group == 0)
			return syntax_err(lx, "A-B:STRIDE needs STRIDE > 0");
		return 0;
	}
	lx->p++;
	if (get_num(lx, group, " after '/'"))
		return -1;
	if (*group == 0 || *used == 0 || *used > *group)
		return syntax_err(lx, "A-B:USED/GROUP needs 0 < USED <= GROUP");
	return 0;
}

/*
 * CPUs c in a..b with (c - a) % group < used. Word at a time: a bit per CPU
 * made "0-8191:1/2" cost 8192 steps, so a 16 MiB policy of such lists took
 * minutes to check; now any element costs at most 128 word operations.
 */
static void set_grouped(struct cg_cpumask *m, unsigned a, unsigned b, unsigned used,
			unsigned group)
{
	uint64_t lo = 0, hi = 0; /* bit i of the 128-bit window: i % group < used */

	if (used == group) {
		cg_cpumask_set_range(m, a, b);
		return;
	}
	if (group >= 64) { /* at most 128 runs */
		for (unsigned c = a; c <= b; c += group)
			cg_cpumask_set_range(m, c, c + used - 1 < b ? c + used - 1 : b);
		return;
	}
	for (unsigned i = 0; i < 128; i++)
		if (i % group < used)
			*(i < 64 ? &lo : &hi) |= UINT64_C(1) << (i % 64);
	for (unsigned w = a / 64; w <= b / 64; w++) {
		/* CPU w * 64 is r CPUs into its group (counted from a, modulo group). */
		unsigned r = (w * 64 % group + group - a % group) % group;
		uint64_t word = r ? lo >> r | hi << (64 - r) : lo;
		unsigned first = w * 64 < a ? a % 64 : 0, last = w * 64 + 63 > b ? b % 64 : 63;

		m->bits[w] |= word & word_span(first, last);
	}
}

/* One element: N, A-B or A-B:USED/GROUP. */
static int get_elem(struct lex *lx, struct cg_cpumask *out, const char *after)
{
	unsigned a, b, used = 1, group = 1;

	if (get_num(lx, &a, after))
		return -1;
	b = a;
	if (*lx->p == '-') {
		lx->p++;
		if (get_num(lx, &b, " after '-'"))
			return -1;
		if (b < a) {
			set_err(lx, "reversed range %u-%u", a, b);
			return -1;
		}
		if (*lx->p == ':' && get_group(lx, &used, &group))
			return -1;
	}
	set_grouped(out, a, b, used, group);
	return 0;
}

/* Bits of word w that are possible CPUs below nr. */
static uint64_t allowed_word(unsigned w, unsigned nr, const struct cg_cpumask *possible)
{
	uint64_t word = possible ? possible->bits[w] : ~UINT64_C(0);

	if (w * 64 >= nr)
		return 0;
	if (nr - w * 64 < 64)
		word &= (UINT64_C(1) << (nr - w * 64)) - 1;
	return word;
}

static int check_possible(struct lex *lx, const struct cg_cpumask *m, unsigned nr,
			  const struct cg_cpumask *possible)
{
	struct cg_cpumask allowed;
	char list[128];

	for (unsigned w = 0; w < CG_MASK_WORDS; w++)
		allowed.bits[w] = allowed_word(w, nr, possible);
	if (cg_cpumask_subset(m, &allowed))
		return 0;
	for (unsigned w = 0; w < CG_MASK_WORDS; w++) {
		uint64_t bad = m->bits[w] & ~allowed.bits[w];

		if (!bad)
			continue;
		bool cut = cpulist_format(&allowed, list, sizeof(list)) < 0;

		set_err(lx, "CPU %u is not possible on this machine (possible: %s%s)",
			w * 64 + (unsigned)__builtin_ctzll(bad), cg_cpumask_empty(&allowed) ? "none" : list,
			cut ? "..." : "");
		break;
	}
	return -1;
}

int cpulist_parse(const char *s, struct cg_cpumask *out, unsigned nr_cpu_ids,
		  const struct cg_cpumask *possible, char *err, size_t errlen)
{
	struct lex lx = { .s = s, .p = s, .err = err, .errlen = errlen };
	const char *after = "";

	if (err && errlen)
		err[0] = '\0';
	cg_cpumask_zero(out);
	if (!*s) {
		set_err(&lx, "empty CPU list");
		return -1;
	}
	for (;;) {
		if (get_elem(&lx, out, after))
			return -1;
		if (!*lx.p)
			break;
		if (*lx.p != ',') {
			char why[48], c[8];

			cg_escape_bytes(c, sizeof(c), lx.p, 1);
			snprintf(why, sizeof(why), "unexpected character '%s'", c);
			return syntax_err(&lx, why);
		}
		lx.p++;
		after = " after ','";
	}
	if (nr_cpu_ids > CG_MAX_CPUS)
		nr_cpu_ids = CG_MAX_CPUS;
	return check_possible(&lx, out, nr_cpu_ids, possible);
}

/* ---- sysfs list files ---- */

/* Reads at most buflen - 1 bytes and NUL-terminates; *len = bytes read. */
static int read_small_file(const char *path, char *buf, size_t buflen, size_t *len)
{
	FILE *f = fopen(path, "re");
	size_t n;
	int saved;

	if (!f)
		return -1;
	n = fread(buf, 1, buflen - 1, f);
	saved = ferror(f) ? errno : 0;
	if (!saved && n == buflen - 1 && fgetc(f) != EOF)
		saved = EFBIG;
	fclose(f);
	if (saved) {
		errno = saved;
		return -1;
	}
	buf[n] = '\0';
	*len = n;
	return 0;
}

int cpulist_read_file(const char *path, struct cg_cpumask *out, unsigned *nr_cpu_ids)
{
	char *buf = malloc(LIST_FILE_MAX);
	size_t n;
	int rc;

	if (!buf || read_small_file(path, buf, LIST_FILE_MAX, &n)) {
		free(buf);
		return -1;
	}
	/* sysfs ends the list with one newline; nothing else is tolerated. */
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	/* An embedded NUL would silently cut the list short. */
	rc = memchr(buf, '\0', n) ? -1 : cpulist_parse(buf, out, CG_MAX_CPUS, NULL, NULL, 0);
	free(buf);
	if (rc) {
		errno = EINVAL;
		return -1;
	}
	unsigned last = 0;

	for (unsigned c = cg_cpumask_next(out, 0); c < CG_MAX_CPUS; c = cg_cpumask_next(out, c + 1))
		last = c;
	*nr_cpu_ids = last + 1;
	return 0;
}
