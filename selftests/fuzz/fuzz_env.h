/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the fuzz targets: the machine a parse is checked against comes
 * from the input's first three bytes, so one corpus file is one case.
 *
 *   byte 0, 1   nr_cpu_ids = (b0 | b1 << 8) % (CG_MAX_CPUS + 65): 0 .. 8256,
 *               beyond CG_MAX_CPUS included (the library clamps it)
 *   byte 2      possible CPUs: bits 0-1 = 0 NULL (all below nr_cpu_ids),
 *               1 every CPU set explicitly, 2 every CPU but those with
 *               c % K == R, 3 only those; K = (b2 >> 2 & 7) + 2,
 *               R = (b2 >> 5) % K
 *
 * A seed for a machine with 4 CPUs and no holes starts "\x04\x00\x00".
 */
#ifndef CPUGUARD_FUZZ_ENV_H
#define CPUGUARD_FUZZ_ENV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpulist.h"

#define FUZZ_ENV_BYTES 3

struct fuzz_machine {
	unsigned nr_cpu_ids;     /* as given (may exceed CG_MAX_CPUS) */
	unsigned nr;             /* clamped */
	struct cg_cpumask possible_mask;
	const struct cg_cpumask *possible; /* NULL or &possible_mask */
};

/* A failed check: print it and abort, which libFuzzer reports as a crash. */
#define FUZZ_CHECK(cond, ...)                                                              \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "FUZZ CHECK FAILED %s:%d: %s: ", __FILE__, __LINE__, \
				#cond);                                                    \
			fprintf(stderr, __VA_ARGS__);                                      \
			fputc('\n', stderr);                                               \
			abort();                                                           \
		}                                                                          \
	} while (0)

static inline bool fuzz_machine_init(struct fuzz_machine *m, const uint8_t **data, size_t *size)
{
	if (*size < FUZZ_ENV_BYTES)
		return false;
	const uint8_t *d = *data;
	unsigned shape = d[2] & 3, k = ((d[2] >> 2) & 7) + 2, r = (unsigned)(d[2] >> 5) % k;

	m->nr_cpu_ids = (unsigned)(d[0] | d[1] << 8) % (CG_MAX_CPUS + 65);
	m->nr = m->nr_cpu_ids > CG_MAX_CPUS ? CG_MAX_CPUS : m->nr_cpu_ids;
	cg_cpumask_zero(&m->possible_mask);
	m->possible = shape ? &m->possible_mask : NULL;
	for (unsigned c = 0; shape && c < CG_MAX_CPUS; c++) {
		bool on = shape == 1 ? c < m->nr : shape == 2 ? c % k != r : c % k == r;

		if (on)
			m->possible_mask.bits[c / 64] |= UINT64_C(1) << (c % 64);
	}
	*data += FUZZ_ENV_BYTES;
	*size -= FUZZ_ENV_BYTES;
	return true;
}

/* Independent of the library: may CPU c appear in a valid list? */
static inline bool fuzz_cpu_allowed(const struct fuzz_machine *m, unsigned c)
{
	if (c >= m->nr)
		return false;
	return !m->possible || ((m->possible->bits[c / 64] >> (c % 64)) & 1);
}

static inline bool fuzz_mask_allowed(const struct fuzz_machine *m, const struct cg_cpumask *mask)
{
	for (unsigned c = 0; c < CG_MAX_CPUS; c++)
		if (((mask->bits[c / 64] >> (c % 64)) & 1) && !fuzz_cpu_allowed(m, c))
			return false;
	return true;
}

/* Messages must be safe to print: printable ASCII only (and '\n' if allowed). */
static inline bool fuzz_printable(const char *s, size_t n, bool newlines)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 0x20 && c < 0x7f) || (newlines && c == '\n')))
			return false;
	}
	return true;
}

#endif
