// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: JSON string output (json_write_string_n), which `show
 * --json` uses for cgroup paths, i.e. for any bytes a directory name holds.
 *
 * Input: the bytes to write (NUL included). Checked: the output is one
 * valid JSON string literal (RFC 8259) in valid UTF-8 (RFC 3629), with no
 * raw control byte or DEL, and decoding it gives the input back when every
 * \u0080..\u00ff is read as the byte it escapes (json.h's promise that no
 * information is lost); json_write_string() agrees up to the first NUL.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "fuzz_env.h"

/* Length of a well-formed UTF-8 sequence at s, 0 if none (a second reading). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t v, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2, v = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, v = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, v = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static int hex4(const char *s, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static char *render(const char *s, size_t n, bool with_len, size_t *outlen)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, outlen);

	FUZZ_CHECK(f, "open_memstream");
	if (with_len)
		json_write_string_n(f, s, n);
	else
		json_write_string(f, s);
	FUZZ_CHECK(!fclose(f), "fclose");
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t olen, j = 0;
	char *out = render((const char *)data, size, true, &olen);
	const unsigned char *o = (const unsigned char *)out;
	unsigned char *back = malloc(size + 1);

	FUZZ_CHECK(back, "malloc");
	FUZZ_CHECK(olen >= 2 && o[0] == '"' && o[olen - 1] == '"', "not a string literal");
	for (size_t i = 1; i < olen - 1;) {
		uint32_t cp;
		size_t len = utf8_seq(o + i, olen - 1 - i, &cp);

		FUZZ_CHECK(len, "invalid UTF-8 at %zu", i);
		FUZZ_CHECK(cp >= 0x20 && cp != 0x7f && cp != '"', "raw U+%04X at %zu", cp, i);
		if (cp >= 0x80) { /* well-formed input passed through */
			FUZZ_CHECK(j + len <= size && !memcmp(data + j, o + i, len), "UTF-8 at %zu", i);
			memcpy(back + j, o + i, len);
			i += len, j += len;
			continue;
		}
		if (cp != '\\') {
			back[j++] = (unsigned char)cp;
			i++;
			continue;
		}
		FUZZ_CHECK(i + 1 < olen - 1, "lone backslash");
		unsigned v;

		switch (o[i + 1]) {
		case '"': case '\\': case '/': v = o[i + 1]; i += 2; break;
		case 'b': v = '\b'; i += 2; break;
		case 'f': v = '\f'; i += 2; break;
		case 'n': v = '\n'; i += 2; break;
		case 'r': v = '\r'; i += 2; break;
		case 't': v = '\t'; i += 2; break;
		case 'u':
			FUZZ_CHECK(i + 6 <= olen - 1 && !hex4(out + i + 2, &v), "bad \\u at %zu", i);
			FUZZ_CHECK(v <= 0xff, "\\u%04x: only bytes are escaped", v);
			/* Printable ASCII and well-formed UTF-8 are never escaped. */
			FUZZ_CHECK(v < 0x20 || v >= 0x7f, "\\u%04x escapes a printable byte", v);
			i += 6;
			break;
		default:
			FUZZ_CHECK(0, "bad escape \\%c", o[i + 1]);
		}
		FUZZ_CHECK(j < size, "decodes to more than the input");
		back[j++] = (unsigned char)v;
	}
	FUZZ_CHECK(j == size && !memcmp(back, data, size), "decoded output differs from the input");

	/* json_write_string(): the same up to the first NUL. */
	char *cstr = malloc(size + 1);
	size_t clen, n = strnlen((const char *)data, size);

	FUZZ_CHECK(cstr, "malloc");
	memcpy(cstr, data, n);
	cstr[n] = '\0';
	char *a = render(cstr, n, true, &clen), *b = render(cstr, 0, false, &olen);

	FUZZ_CHECK(clen == olen && !memcmp(a, b, clen), "json_write_string differs");
	free(a), free(b), free(cstr), free(back), free(out);
	return 0;
}
