/* SPDX-License-Identifier: GPL-2.0 */
/* JSON string output for the CLI's machine-readable modes. */
#ifndef CPUGUARD_JSON_H
#define CPUGUARD_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * Write s as a JSON string literal, quotes included. Always valid JSON and
 * valid UTF-8:
 *  - '"' and '\\' are backslash-escaped; \b \f \n \r \t use their short
 *    forms; other control bytes and DEL become \u00XX.
 *  - Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above
 *    U+10FFFF) passes through unchanged.
 *  - Every byte that is not part of a well-formed sequence is written as
 *    \u00XX, i.e. as the code point U+00XX (the Latin-1 reading of the
 *    byte). This keeps the output valid and loses no information, but a
 *    reader cannot tell byte 0xE9 from a real U+00E9 written that way;
 *    U+00E9 present as proper UTF-8 in the input passes through raw, so
 *    an escaped \u0080..\u00ff always came from an invalid byte.
 * s == NULL writes null.
 */
void json_write_string(FILE *f, const char *s);
/* Same for n bytes of s, which may contain NUL (written as \u0000). */
void json_write_string_n(FILE *f, const char *s, size_t n);

/* The same literal into dst, NUL-terminated; returns its length, or
 * (size_t)-1 when cap is below JSON_ESCAPED_MAX(n). For hot paths that
 * build whole lines before writing them. */
#define JSON_ESCAPED_MAX(n) (6 * (n) + 3)
size_t json_escape(char *dst, size_t cap, const char *s, size_t n);

#endif
