/* SPDX-License-Identifier: GPL-2.0 */
/* JSON string output for the CLI's machine-readable modes. */
#ifndef CPUGUARD_JSON_H
#define CPUGUARD_JSON_H

#include <stdbool.h>
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

/*
 * The one JSON writer of the CLI: a value is built in a growing buffer,
 * then written with one fwrite(). Nothing is ever dropped: when memory
 * runs out the writer remembers it and jw_flush() writes nothing and
 * fails, so a caller can say so instead of printing a truncated line.
 * Separators are ", " and ": ", as every command has always printed.
 *
 *   struct jw j = JW_INIT;
 *   jw_obj(&j); jw_key(&j, "loaded"); jw_bool(&j, true); jw_end(&j);
 *   jw_flush(&j, stdout);    // {"loaded": true}\n
 */
#define JW_DEPTH 16
struct jw {
	char *buf;
	size_t len, cap;
	int depth;
	bool first[JW_DEPTH]; /* no value yet at this depth */
	char closer[JW_DEPTH];
	bool after_key;
	bool failed; /* out of memory, or nesting deeper than JW_DEPTH */
};
#define JW_INIT { 0 }

void jw_obj(struct jw *j);             /* { */
void jw_arr(struct jw *j);             /* [ */
void jw_end(struct jw *j);             /* } or ] */
void jw_key(struct jw *j, const char *key);
void jw_str(struct jw *j, const char *s);           /* NULL: null */
void jw_str_n(struct jw *j, const char *s, size_t n);
void jw_u64(struct jw *j, unsigned long long v);
void jw_bool(struct jw *j, bool v);
void jw_null(struct jw *j);
/* Write what was built plus a newline, and start over. -1 (writing
 * nothing) if the writer failed or the stream did. */
int jw_flush(struct jw *j, FILE *f);
void jw_free(struct jw *j);

#endif
