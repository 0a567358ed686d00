// SPDX-License-Identifier: GPL-2.0
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : lo; /* overlong */
		hi = c == 0xed ? 0x9f : hi; /* UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : lo; /* overlong */
		hi = c == 0xf4 ? 0x8f : hi; /* above U+10FFFF */
	} else {
		return 0; /* ASCII is handled by the caller; C0, C1, F5..FF never start one */
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static char short_escape(unsigned char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '\b': return 'b';
	case '\f': return 'f';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	default: return 0;
	}
}

/* Append @c, escaped as needed, at @d; returns the bytes written (<= 6). */
static size_t escape_ascii(char *d, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e = short_escape(c);

	if (e) {
		d[0] = '\\';
		d[1] = e;
		return 2;
	}
	if (c >= 0x20 && c != 0x7f) { /* DEL is legal JSON but not terminal-safe */
		d[0] = (char)c;
		return 1;
	}
	memcpy(d, "\\u00", 4);
	d[4] = hex[c >> 4];
	d[5] = hex[c & 15];
	return 6;
}

size_t json_escape(char *dst, size_t cap, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t len = 0;

	if (cap < JSON_ESCAPED_MAX(n))
		return (size_t)-1;
	dst[len++] = '"';
	for (size_t i = 0; i < n;) {
		size_t k;

		if (u[i] < 0x80) {
			len += escape_ascii(dst + len, u[i++]);
		} else if ((k = utf8_len(u + i, n - i))) {
			memcpy(dst + len, u + i, k);
			len += k;
			i += k;
		} else { /* one invalid byte, resync at the next */
			memcpy(dst + len, "\\u00", 4);
			dst[len + 4] = hex[u[i] >> 4];
			dst[len + 5] = hex[u[i] & 15];
			len += 6;
			i++;
		}
	}
	dst[len++] = '"';
	dst[len] = 0;
	return len;
}

void json_write_string_n(FILE *f, const char *s, size_t n)
{
	char small[256], *buf = small;
	size_t cap = JSON_ESCAPED_MAX(n);

	if (cap > sizeof(small) && !(buf = malloc(cap))) {
		fputs("null", f); /* out of memory: still valid JSON */
		return;
	}
	fwrite(buf, 1, json_escape(buf, cap, s, n), f);
	if (buf != small)
		free(buf);
}

void json_write_string(FILE *f, const char *s)
{
	if (!s)
		fputs("null", f);
	else
		json_write_string_n(f, s, strlen(s));
}

/* ---- the writer ---- */

static bool reserve(struct jw *j, size_t n)
{
	size_t cap;
	char *b;

	if (j->failed)
		return false;
	if (n < SIZE_MAX - j->len - 1 && j->len + n + 1 <= j->cap)
		return true;
	cap = j->cap ? j->cap : 256;
	while (cap < j->len + n + 1) {
		if (cap > SIZE_MAX / 2 || n > SIZE_MAX / 2) {
			j->failed = true;
			return false;
		}
		cap *= 2;
	}
	if (!(b = realloc(j->buf, cap))) {
		j->failed = true;
		return false;
	}
	j->buf = b;
	j->cap = cap;
	return true;
}

static void raw(struct jw *j, const char *s, size_t n)
{
	if (!reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

/* Before a value: the separator from the previous one, unless a key has
 * just been written. */
static void sep(struct jw *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (!j->first[j->depth - 1])
			raw(j, ", ", 2);
		j->first[j->depth - 1] = false;
	}
}

static void escaped(struct jw *j, const char *s, size_t n)
{
	size_t k;

	if (n > SIZE_MAX / 8 || !reserve(j, JSON_ESCAPED_MAX(n))) {
		j->failed = true;
		return;
	}
	k = json_escape(j->buf + j->len, j->cap - j->len, s, n);
	if (k == (size_t)-1) {
		j->failed = true;
		return;
	}
	j->len += k;
}

static void open_(struct jw *j, char c)
{
	sep(j);
	if (j->depth == JW_DEPTH) {
		j->failed = true;
		return;
	}
	raw(j, &c, 1);
	j->closer[j->depth] = c == '{' ? '}' : ']';
	j->first[j->depth++] = true;
}

void jw_obj(struct jw *j) { open_(j, '{'); }
void jw_arr(struct jw *j) { open_(j, '['); }

void jw_end(struct jw *j)
{
	if (j->depth == 0 || j->after_key) {
		j->failed = true;
		return;
	}
	j->depth--;
	raw(j, &j->closer[j->depth], 1);
}

void jw_key(struct jw *j, const char *key)
{
	sep(j);
	escaped(j, key, strlen(key));
	raw(j, ": ", 2);
	j->after_key = true;
}

void jw_str_n(struct jw *j, const char *s, size_t n)
{
	if (!s) {
		jw_null(j);
		return;
	}
	sep(j);
	escaped(j, s, n);
}

void jw_str(struct jw *j, const char *s)
{
	jw_str_n(j, s, s ? strlen(s) : 0);
}

void jw_u64(struct jw *j, unsigned long long v)
{
	char tmp[24];

	sep(j);
	raw(j, tmp, (size_t)snprintf(tmp, sizeof(tmp), "%llu", v));
}

void jw_bool(struct jw *j, bool v)
{
	sep(j);
	raw(j, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *j)
{
	sep(j);
	raw(j, "null", 4);
}

int jw_flush(struct jw *j, FILE *f)
{
	bool ok = !j->failed && j->depth == 0 && !j->after_key;

	if (ok) {
		raw(j, "\n", 1);
		ok = !j->failed && fwrite(j->buf, 1, j->len, f) == j->len;
	}
	j->len = 0;
	j->depth = 0;
	j->after_key = false;
	j->failed = false;
	return ok ? 0 : -1;
}

void jw_free(struct jw *j)
{
	free(j->buf);
	memset(j, 0, sizeof(*j));
}
