// SPDX-License-Identifier: GPL-2.0
#include "json.h"

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

static void write_ascii(FILE *f, unsigned char c)
{
	char e = short_escape(c);

	if (e)
		fprintf(f, "\\%c", e);
	else if (c < 0x20 || c == 0x7f) /* DEL is legal JSON but not terminal-safe */
		fprintf(f, "\\u%04x", c);
	else
		fputc(c, f);
}

void json_write_string_n(FILE *f, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	fputc('"', f);
	for (size_t i = 0; i < n;) {
		size_t len;

		if (u[i] < 0x80) {
			write_ascii(f, u[i++]);
		} else if ((len = utf8_len(u + i, n - i))) {
			fwrite(u + i, 1, len, f);
			i += len;
		} else {
			fprintf(f, "\\u%04x", u[i++]); /* one invalid byte, resync at the next */
		}
	}
	fputc('"', f);
}

void json_write_string(FILE *f, const char *s)
{
	if (!s)
		fputs("null", f);
	else
		json_write_string_n(f, s, strlen(s));
}
