/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the verifier must say about each test program, written next to it
 * (as Linux's selftests do with __failure/__msg) and read back from the
 * object's BTF by verifier_refusals.c:
 *
 *   __refused(MSG)     loading fails and the verifier log contains MSG
 *   __refused_7x(MSG)  ... or MSG, where Linux 7.x words it differently
 *   __loads            loading succeeds; the program is attached or run
 *
 * Only the stable part of each message is matched: later kernels word
 * some refusals at greater length (docs/reference-rules.md).
 */
#ifndef CPUGUARD_VERIFIER_EXPECT_H
#define CPUGUARD_VERIFIER_EXPECT_H

#define __refused(msg) __attribute__((btf_decl_tag("expect_refused=" msg)))
#define __refused_7x(msg) __attribute__((btf_decl_tag("expect_refused_7x=" msg)))
#define __loads __attribute__((btf_decl_tag("expect_loads")))

#endif
