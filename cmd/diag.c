// SPDX-License-Identifier: GPL-2.0
/* Error messages: plain lines on stderr, or with --json one
 * {"error": "..."} object per message on stdout, as bpftool does, so a
 * script reading JSON never has to parse prose. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "cpuguard.h"
#include "json.h"

static bool as_json, verbose;

/* libbpf's warnings and the verifier log only with --verbose. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void diag_init(const struct options *o)
{
	as_json = o->json;
	verbose = o->verbose;
	libbpf_set_print(libbpf_print);
}

bool json_mode(void)
{
	return as_json;
}

void errorf(const char *fmt, ...)
{
	struct jw j = JW_INIT;
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fputs("cpuguard: out of memory\n", stderr);
		return;
	}
	if (!as_json) {
		fprintf(stderr, "%s\n", msg);
	} else {
		fflush(stdout);
		jw_obj(&j);
		jw_key(&j, "error");
		jw_str(&j, msg);
		jw_end(&j);
		if (jw_flush(&j, stdout))
			fprintf(stderr, "%s\n", msg);
		fflush(stdout);
		jw_free(&j);
	}
	free(msg);
}
