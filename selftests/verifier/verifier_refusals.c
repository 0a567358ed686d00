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
 * and "N passed, M failed"; exits 1 if anything failed. Programs in the
 * objects that the table does not mention fail too, so a new case cannot
 * be forgotten. -v also prints the log line each refusal matched. Only the stable part of each message is matched: later
 * kernels word some refusals at greater length.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define FAILURE_OBJ "cpumask_failure.bpf.o"
#define SUCCESS_OBJ "cpumask_success.bpf.o"

enum expect { LOAD, REFUSE };

struct vcase {
	const char *obj;
	const char *prog;
	enum expect expect;
	const char *msg;  /* REFUSE: substring of the verifier log */
	const char *msg7; /* or this one, where Linux 7.x words it differently */
};

/* The stable part of each message: as Linux 6.12 prints it, and as 7.x
 * does where it differs (see docs/reference-rules.md). */
static const struct vcase cases[] = {
	/* 1. leak */
	{ FAILURE_OBJ, "leak_create", REFUSE, "Unreleased reference", NULL },
	{ FAILURE_OBJ, "leak_acquire", REFUSE, "Unreleased reference", NULL },
	{ FAILURE_OBJ, "leak_xchg_out", REFUSE, "Unreleased reference", NULL },
	/* 2. double release, release of a reference not owned */
	/* bpf_cpumask_release() turns every copy of the pointer into a scalar */
	{ FAILURE_OBJ, "double_release", REFUSE, "R1 type=scalar expected=",
	  "release kfunc bpf_cpumask_release expects referenced PTR_TO_BTF_ID passed to R1" },
	{ FAILURE_OBJ, "release_map_kptr", REFUSE, "R1 must be referenced or trusted",
	  "release kfunc bpf_cpumask_release expects referenced PTR_TO_BTF_ID passed to R1" },
	/* 3. untrusted in_mask at fentry/sched_setaffinity */
	{ FAILURE_OBJ, "untrusted_copy", REFUSE, "R2 must be a rcu pointer", NULL },
	{ FAILURE_OBJ, "untrusted_subset", REFUSE, "R1 must be a rcu pointer", NULL },
	{ FAILURE_OBJ, "untrusted_test_cpu", REFUSE, "R2 must be a rcu pointer", NULL },
	/* 4. acquire of an RCU kptr loaded from a map value */
	{ FAILURE_OBJ, "acquire_rcu_kptr", REFUSE, "R1 must be referenced or trusted", NULL },
	{ FAILURE_OBJ, "acquire_rcu_kptr_locked", REFUSE, "R1 must be referenced or trusted", NULL },
	{ FAILURE_OBJ, "acquire_rcu_kptr_syscall", REFUSE, "R1 must be referenced or trusted", NULL },
	/* 5. plain store of a kptr into a map value */
	{ FAILURE_OBJ, "plain_store_owned", REFUSE, "store to referenced kptr disallowed", NULL },
	{ FAILURE_OBJ, "plain_store_rcu_copy", REFUSE, "store to referenced kptr disallowed", NULL },
	/* 6. use after release / after bpf_kptr_xchg */
	{ FAILURE_OBJ, "use_after_release", REFUSE, "R2 type=scalar expected=", NULL },
	{ FAILURE_OBJ, "use_after_release_lsm", REFUSE, "R2 type=scalar expected=", NULL },
	{ FAILURE_OBJ, "use_after_xchg", REFUSE, "R2 type=scalar expected=", NULL },
	/* 7. missing NULL checks */
	/* 6.12 names the argument "arg1", 7.x the register "R2". */
	{ FAILURE_OBJ, "null_create", REFUSE, "Possibly NULL pointer passed to trusted ", NULL },
	{ FAILURE_OBJ, "null_map_kptr", REFUSE, "Possibly NULL pointer passed to trusted ", NULL },

	/* Positive controls */
	{ SUCCESS_OBJ, "syscall_store", LOAD, NULL, NULL },
	{ SUCCESS_OBJ, "syscall_acquire_owned", LOAD, NULL, NULL },
	{ SUCCESS_OBJ, "syscall_create_acquire_release", LOAD, NULL, NULL },
	{ SUCCESS_OBJ, "lsm_create_acquire_release", LOAD, NULL, NULL },
	{ SUCCESS_OBJ, "lsm_rcu_read", LOAD, NULL, NULL },
	{ SUCCESS_OBJ, "lsm_rcu_read_locked", LOAD, NULL, NULL },
	{ SUCCESS_OBJ, "lsm_copy_store", LOAD, NULL, NULL },
	{ SUCCESS_OBJ, "fentry_read_in_mask", LOAD, NULL, NULL },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static const char *const objects[] = { FAILURE_OBJ, SUCCESS_OBJ };

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
		if (!strstr(vlog, c->msg) && !(c->msg7 && strstr(vlog, c->msg7))) {
			report_fail(c->prog, "refused (%s), but the log lacks \"%s\"%s%s%s", strerror(-err),
				    c->msg, c->msg7 ? " and \"" : "", c->msg7 ? c->msg7 : "",
				    c->msg7 ? "\"" : "");
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

/* Every program of every object must be in the table. */
static int check_coverage(const char *dir)
{
	int missing = 0;

	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		struct bpf_program *prog;
		struct bpf_object *obj;
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, objects[i]);
		obj = bpf_object__open_file(path, NULL);
		if (!obj) {
			printf("FAIL %s: cannot open: %s\n", path, strerror(errno));
			missing++;
			continue;
		}
		bpf_object__for_each_program(prog, obj) {
			const char *name = bpf_program__name(prog);
			bool found = false;

			for (size_t j = 0; j < NCASES && !found; j++)
				found = strcmp(cases[j].obj, objects[i]) == 0 &&
					strcmp(cases[j].prog, name) == 0;
			if (!found) {
				printf("FAIL %s: program of %s has no expectation in the table\n",
				       name, objects[i]);
				missing++;
			}
		}
		bpf_object__close(obj);
	}
	return missing;
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

	for (size_t i = 0; i < NCASES; i++) {
		if (run_case(dir, &cases[i]))
			passed++;
		else
			failed++;
	}
	failed += check_coverage(dir);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
