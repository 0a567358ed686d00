// SPDX-License-Identifier: GPL-2.0
/*
 * verifier_refusals [-v] [DIR]: load the programs of DIR/cpumask_failure.bpf.o
 * and DIR/cpumask_success.bpf.o (DIR defaults to /progs) one at a time and
 * check what the running kernel's verifier says about each:
 *
 *   refuse  the load fails AND the verifier log contains the expected text;
 *   load    the load succeeds; lsm/fentry programs are also attached, and
 *           syscall programs are run (BPF_PROG_TEST_RUN) and must return 0.
 *
 * Prints "ok NAME" or "FAIL NAME: why" (with the end of the log) per case
 * and "N passed, M failed"; exits 1 if anything failed. What each program
 * must get is written next to it (expect.h: __refused(MSG), __loads) and
 * read from the object's BTF; a program without an expectation fails, so a
 * new case cannot be forgotten. -v also prints the log line each refusal
 * matched.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#define FAILURE_OBJ "cpumask_failure.bpf.o"
#define SUCCESS_OBJ "cpumask_success.bpf.o"

enum expect { NONE, LOAD, REFUSE };

struct vcase {
	const char *obj;
	const char *prog;
	enum expect expect;
	char msg[256];  /* REFUSE: substring of the verifier log */
	char msg7[256]; /* or this one, where Linux 7.x words it differently */
};

static const char *const objects[] = { FAILURE_OBJ, SUCCESS_OBJ };

/* The expectation tags (expect.h) of program @name in @btf. Returns false
 * if a tag is malformed or repeated. */
static bool read_expectation(const struct btf *btf, const char *name, struct vcase *c)
{
	int func = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	unsigned n = btf__type_cnt(btf);

	c->expect = NONE;
	c->msg[0] = c->msg7[0] = '\0';
	if (func < 0)
		return true;
	for (unsigned id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *tag;

		if (!btf_is_decl_tag(t) || t->type != (unsigned)func || btf_decl_tag(t)->component_idx != -1)
			continue;
		tag = btf__name_by_offset(btf, t->name_off);
		if (!strcmp(tag, "expect_loads")) {
			if (c->expect != NONE)
				return false;
			c->expect = LOAD;
		} else if (!strncmp(tag, "expect_refused=", 15)) {
			if (c->expect != NONE)
				return false;
			c->expect = REFUSE;
			snprintf(c->msg, sizeof(c->msg), "%s", tag + 15);
		} else if (!strncmp(tag, "expect_refused_7x=", 18)) {
			snprintf(c->msg7, sizeof(c->msg7), "%s", tag + 18);
		}
	}
	return true;
}

#define LOG_SIZE (1u << 20)
static char vlog[LOG_SIZE];   /* verifier log of the program under test */
static char liblog[1u << 16]; /* what libbpf said meanwhile */
static size_t liblog_len;
static bool verbose;

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int n;

	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	if (liblog_len >= sizeof(liblog) - 1)
		return 0;
	n = vsnprintf(liblog + liblog_len, sizeof(liblog) - liblog_len, fmt, ap);
	if (n > 0)
		liblog_len += (size_t)n < sizeof(liblog) - liblog_len ? (size_t)n
								     : sizeof(liblog) - liblog_len - 1;
	return 0;
}

/* Print the last @n lines of @s, indented. */
static void print_tail(const char *what, const char *s, int n)
{
	const char *p = s + strlen(s);

	while (p > s && p[-1] == '\n')
		p--;
	const char *end = p;
	while (p > s && n > 0) {
		p--;
		if (*p == '\n')
			n--;
	}
	if (*p == '\n')
		p++;
	if (end == p)
		return;
	printf("  --- %s (last lines) ---\n", what);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		printf("  | %.*s\n", (int)len, p);
		p += len + (nl ? 1 : 0);
	}
}

/* Print the log line that contains @needle (verbose mode). */
static void print_line_with(const char *log, const char *needle)
{
	const char *hit = strstr(log, needle), *start = hit, *nl;

	while (start > log && start[-1] != '\n')
		start--;
	nl = strchr(hit, '\n');
	printf("  # %.*s\n", (int)(nl ? nl - start : (long)strlen(start)), start);
}

static void report_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	print_tail("verifier log", vlog, 40);
	if (!vlog[0])
		print_tail("libbpf", liblog, 20);
}

/* Run one case; returns true if it passed. */
static bool run_case(const char *dir, const struct vcase *c)
{
	struct bpf_program *prog, *target = NULL;
	struct bpf_link *link = NULL;
	struct bpf_object *obj;
	char path[4096];
	bool ok = false;
	int err;

	vlog[0] = '\0';
	liblog[0] = '\0';
	liblog_len = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, c->obj);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		report_fail(c->prog, "cannot open %s: %s", path, strerror(errno));
		return false;
	}
	bpf_object__for_each_program(prog, obj) {
		bool me = strcmp(bpf_program__name(prog), c->prog) == 0;

		bpf_program__set_autoload(prog, me);
		if (me)
			target = prog;
	}
	if (!target) {
		report_fail(c->prog, "no program %s in %s", c->prog, c->obj);
		goto out;
	}
	bpf_program__set_log_buf(target, vlog, sizeof(vlog));
	bpf_program__set_log_level(target, 1);

	err = bpf_object__load(obj);
	if (c->expect == REFUSE) {
		if (!err) {
			report_fail(c->prog, "expected a refusal (\"%s\") but it loaded", c->msg);
			goto out;
		}
		if (!vlog[0]) {
			report_fail(c->prog, "load failed (%s) without a verifier log", strerror(-err));
			goto out;
		}
		if (!strstr(vlog, c->msg) && !(c->msg7[0] && strstr(vlog, c->msg7))) {
			report_fail(c->prog, "refused (%s), but the log lacks \"%s\"%s%s%s", strerror(-err),
				    c->msg, c->msg7[0] ? " and \"" : "", c->msg7, c->msg7[0] ? "\"" : "");
			goto out;
		}
		ok = true;
		goto out;
	}

	if (err) {
		report_fail(c->prog, "expected to load, refused (%s)", strerror(-err));
		goto out;
	}
	/* Only the program under test may have been loaded. */
	bpf_object__for_each_program(prog, obj) {
		if (prog != target && bpf_program__fd(prog) >= 0) {
			report_fail(c->prog, "%s was loaded too: autoload not honoured",
				    bpf_program__name(prog));
			goto out;
		}
	}
	switch (bpf_program__type(target)) {
	case BPF_PROG_TYPE_LSM:
	case BPF_PROG_TYPE_TRACING:
		link = bpf_program__attach(target);
		if (!link) {
			report_fail(c->prog, "loaded but did not attach: %s", strerror(errno));
			goto out;
		}
		break;
	case BPF_PROG_TYPE_SYSCALL: {
		LIBBPF_OPTS(bpf_test_run_opts, topts);

		err = bpf_prog_test_run_opts(bpf_program__fd(target), &topts);
		if (err) {
			report_fail(c->prog, "loaded but BPF_PROG_TEST_RUN failed: %s",
				    strerror(errno));
			goto out;
		}
		if (topts.retval != 0) {
			report_fail(c->prog, "loaded but returned %u, not 0", topts.retval);
			goto out;
		}
		break;
	}
	default:
		break;
	}
	ok = true;
out:
	bpf_link__destroy(link);
	bpf_object__close(obj);
	if (ok)
		printf("ok %s\n", c->prog);
	if (ok && verbose && c->expect == REFUSE)
		print_line_with(vlog, strstr(vlog, c->msg) ? c->msg : c->msg7);
	return ok;
}

/* Run every program of every object against its expectation. */
static void run_all(const char *dir, int *passed, int *failed)
{
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		struct bpf_program *prog;
		struct bpf_object *obj;
		char path[4096];
		struct vcase *cases = NULL;
		size_t n = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, objects[i]);
		obj = bpf_object__open_file(path, NULL);
		if (!obj) {
			printf("FAIL %s: cannot open: %s\n", path, strerror(errno));
			(*failed)++;
			continue;
		}
		bpf_object__for_each_program(prog, obj) {
			struct vcase *c;

			cases = realloc(cases, (n + 1) * sizeof(*cases));
			if (!cases)
				abort();
			c = &cases[n];
			c->obj = objects[i];
			c->prog = strdup(bpf_program__name(prog));
			if (!read_expectation(bpf_object__btf(obj), c->prog, c)) {
				printf("FAIL %s: more than one expectation in %s\n", c->prog, objects[i]);
				(*failed)++;
			} else if (c->expect == NONE) {
				printf("FAIL %s: no expectation (__refused or __loads) in %s\n", c->prog,
				       objects[i]);
				(*failed)++;
			} else {
				n++;
			}
		}
		bpf_object__close(obj);
		for (size_t j = 0; j < n; j++) {
			if (run_case(dir, &cases[j]))
				(*passed)++;
			else
				(*failed)++;
			free((char *)cases[j].prog);
		}
		free(cases);
	}
}

int main(int argc, char **argv)
{
	const char *dir = "/progs";
	int passed = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else
			dir = argv[i];
	}
	libbpf_set_print(capture);

	run_all(dir, &passed, &failed);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
