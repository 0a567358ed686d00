// SPDX-License-Identifier: GPL-2.0
/* cpuguard tasks, the pure part (cmd/tasks_report.c): set arithmetic,
 * /proc parsing, reasons, and the exact text and JSON output. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tasks.h"

static struct cg_cpumask mask(const char *list)
{
	struct cg_cpumask m;

	if (!*list) {
		cg_cpumask_zero(&m);
		return m;
	}
	assert_int_equal(cpulist_parse(list, &m, CG_MAX_CPUS, NULL, NULL, 0), 0);
	return m;
}

static void expect_mask(const struct cg_cpumask *m, const char *want)
{
	char buf[256];

	assert_true(cpulist_format(m, buf, sizeof(buf)) >= 0);
	assert_string_equal(buf, want);
}

static void test_outside(void **state)
{
	struct cg_cpumask a, b, out;

	(void)state;
	a = mask("0-3"), b = mask("1-2");
	assert_true(cpumask_outside(&a, &b, &out));
	expect_mask(&out, "0,3");
	a = mask("1"), b = mask("1-2");
	assert_false(cpumask_outside(&a, &b, &out));
	expect_mask(&out, "");
	a = mask("1-2"), b = mask("1-2");
	assert_false(cpumask_outside(&a, &b, &out));
	/* Every word counts, the last one included. */
	a = mask("2,64,8191"), b = mask("0-63");
	assert_true(cpumask_outside(&a, &b, &out));
	expect_mask(&out, "64,8191");
	a = mask("8191"), b = mask("8191");
	assert_false(cpumask_outside(&a, &b, &out));
}

static void test_narrowed(void **state)
{
	struct cg_cpumask a, b, out;

	(void)state;
	a = mask("0-3"), b = mask("1-2");
	cpumask_narrowed(&a, &b, &out);
	expect_mask(&out, "1-2");
	a = mask("2-3"), b = mask("1-2");
	cpumask_narrowed(&a, &b, &out);
	expect_mask(&out, "2");
	/* Disjoint: the whole set. */
	a = mask("0"), b = mask("1-2");
	cpumask_narrowed(&a, &b, &out);
	expect_mask(&out, "1-2");
	a = mask("0-63"), b = mask("64-127,8191");
	cpumask_narrowed(&a, &b, &out);
	expect_mask(&out, "64-127,8191");
	a = mask("5,100-200"), b = mask("150-8191");
	cpumask_narrowed(&a, &b, &out);
	expect_mask(&out, "150-200");
}

static void test_stat_flags(void **state)
{
	unsigned long flags = 0;

	(void)state;
	assert_int_equal(proc_stat_flags("39 (ksoftirqd/3) S 2 0 0 0 -1 69238848 0 0 0 0 1 2\n", &flags), 0);
	assert_int_equal(flags, 69238848UL);
	assert_true(flags & TASK_PF_KTHREAD);
	assert_true(flags & TASK_PF_NO_SETAFFINITY);
	/* A comm may hold ") " and digits: fields are counted after the last ')'. */
	assert_int_equal(proc_stat_flags("7 (a) 1 2 3 (b) R 1 7 7 0 -1 4194560 5\n", &flags), 0);
	assert_int_equal(flags, 4194560UL);
	assert_int_equal(proc_stat_flags("7 (x) R 1 7 7 0 -1 16", &flags), 0); /* last field */
	assert_int_equal(flags, 16UL);
	assert_int_equal(proc_stat_flags("7 (x) R 1 7 7 0 -1\n", &flags), -1);
	assert_int_equal(proc_stat_flags("7 (x) R 1 7 7 0 -1 12z 0", &flags), -1);
	assert_int_equal(proc_stat_flags("7 x R 1 7 7 0 -1 12 0", &flags), -1);
	assert_int_equal(proc_stat_flags("", &flags), -1);
}

static void test_status_tgid(void **state)
{
	int tgid = 0;

	(void)state;
	assert_int_equal(proc_status_tgid("Name:\tw\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t206\nNgid:\t0\nPid:\t209\n",
					  &tgid), 0);
	assert_int_equal(tgid, 206);
	assert_int_equal(proc_status_tgid("Tgid:\t1\n", &tgid), 0);
	assert_int_equal(tgid, 1);
	/* A Name line that says Tgid: is not the Tgid line. */
	assert_int_equal(proc_status_tgid("Name:\tTgid: 5\nTgid:\t7\n", &tgid), 0);
	assert_int_equal(tgid, 7);
	assert_int_equal(proc_status_tgid("Name:\tx\nPid:\t3\n", &tgid), -1);
	assert_int_equal(proc_status_tgid("Tgid:\t\n", &tgid), -1);
	assert_int_equal(proc_status_tgid("Tgid:\t0\n", &tgid), -1);
}

/* The cgroup2 line of /proc/TID/cgroup, among v1 lines, and without one. */
static void test_proc_cgroup(void **state)
{
	const char *path;
	size_t len;

	(void)state;
	assert_int_equal(proc_cgroup_v2("12:pids:/x\n0::/a/b c\n", &path, &len), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(path, "/a/b c", 6);
	assert_int_equal(proc_cgroup_v2("0::/", &path, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(proc_cgroup_v2("1:name=systemd:/\n", &path, &len), -1);
	assert_int_equal(proc_cgroup_v2("10::/x\n", &path, &len), -1); /* not hierarchy 0 */
	assert_int_equal(proc_cgroup_v2("0::\n", &path, &len), -1);
	assert_int_equal(proc_cgroup_v2("0::x/y\n", &path, &len), -1);
	assert_int_equal(proc_cgroup_v2("", &path, &len), -1);
	assert_int_equal(cgroup_parent_len("/a/bc", 5), 2);
	assert_int_equal(cgroup_parent_len("/a", 2), 1);
	assert_int_equal(cgroup_parent_len("/", 1), 0);
}

static void test_reason(void **state)
{
	char buf[160];

	(void)state;
	narrow_reason(ESRCH, 0, false, buf, sizeof(buf));
	assert_string_equal(buf, "the thread exited");
	narrow_reason(EINVAL, TASK_PF_KTHREAD | TASK_PF_NO_SETAFFINITY, true, buf, sizeof(buf));
	assert_string_equal(buf, "kernel thread: affinity is fixed by the kernel (PF_NO_SETAFFINITY)");
	narrow_reason(EINVAL, TASK_PF_IO_WORKER | TASK_PF_NO_SETAFFINITY, true, buf, sizeof(buf));
	assert_string_equal(buf, "io_uring worker: affinity is fixed by the kernel (PF_NO_SETAFFINITY)");
	narrow_reason(EINVAL, TASK_PF_NO_SETAFFINITY, true, buf, sizeof(buf));
	assert_string_equal(buf, "affinity is fixed by the kernel (PF_NO_SETAFFINITY)");
	narrow_reason(EINVAL, 0, true, buf, sizeof(buf));
	assert_string_equal(buf, "no CPU of the new affinity is in the thread's cpuset or active (EINVAL)");
	/* Flags unknown (the thread's /proc entry is gone): no guess. */
	narrow_reason(EINVAL, TASK_PF_KTHREAD | TASK_PF_NO_SETAFFINITY, false, buf, sizeof(buf));
	assert_string_equal(buf, "no CPU of the new affinity is in the thread's cpuset or active (EINVAL)");
	narrow_reason(EPERM, 0, true, buf, sizeof(buf));
	assert_string_equal(buf, "refused (EPERM: another security module, or a missing CAP_SYS_NICE)");
	narrow_reason(ENOMEM, TASK_PF_KTHREAD, true, buf, sizeof(buf));
	assert_string_equal(buf, "kernel thread: Cannot allocate memory");
	narrow_reason(EINVAL, 0, true, buf, 8); /* truncated, terminated */
	assert_int_equal(strlen(buf), 7);
}

static struct cg_cpumask allowed_1_2;

static struct outside_task task(int pid, int tid, const char *comm, const char *cg, uint64_t id,
				const char *aff, bool audit)
{
	struct outside_task t = { .pid = pid, .tid = tid, .cgroup = cg, .cgroup_id = id,
				  .policy_cgroup = "/jail", .policy_cgroup_id = 28, .audit = audit };

	t.comm_len = strlen(comm);
	memcpy(t.comm, comm, t.comm_len);
	t.affinity = mask(aff);
	allowed_1_2 = mask("1-2");
	t.allowed = &allowed_1_2;
	return t;
}

static char *capture(void (*fn)(FILE *f, void *arg), void *arg)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return out;
}

struct rows {
	struct outside_task *v;
	size_t n;
	const struct narrow_outcome *done;
};

static void print_table(FILE *f, void *arg)
{
	struct rows *r = arg;

	outside_print_table(f, r->v, r->n);
}

static void print_json(FILE *f, void *arg)
{
	struct rows *r = arg;

	outside_print_json(f, r->v, r->n, r->done);
}

static void test_sort_and_table(void **state)
{
	struct outside_task v[3];
	struct rows r = { v, 3, NULL };
	char *out;

	(void)state;
	v[0] = task(206, 209, "w\033k\xe9", "/jail/sub", 46, "0", false);
	v[1] = task(1000, 1000, "threads", "/jail/sub", 46, "0-3", false);
	v[2] = task(213, 213, "sleep", "/jail/e\033", 64, "0-3", true);
	outside_sort(v, 3);
	assert_int_equal(v[0].tid, 213);
	assert_int_equal(v[1].tid, 209);
	assert_int_equal(v[2].tid, 1000);
	out = capture(print_table, &r);
	assert_string_equal(out,
			    "PID   TID   COMM        CGROUP       AFFINITY  ALLOWED  POLICY  MODE\n"
			    "213   213   sleep       /jail/e\\x1b  0-3       1-2      /jail   audit\n"
			    "206   209   w\\x1bk\\xe9  /jail/sub    0         1-2      /jail   enforce\n"
			    "1000  1000  threads     /jail/sub    0-3       1-2      /jail   enforce\n"
			    "3 threads run outside their set\n");
	free(out);
	r.n = 1;
	out = capture(print_table, &r);
	assert_string_equal(out,
			    "PID  TID  COMM   CGROUP       AFFINITY  ALLOWED  POLICY  MODE\n"
			    "213  213  sleep  /jail/e\\x1b  0-3       1-2      /jail   audit\n"
			    "1 thread runs outside its set\n");
	free(out);
}

static void test_json(void **state)
{
	struct outside_task v[2];
	struct narrow_outcome done[2] = { { .result = NARROWED }, { .result = NARROW_FAILED } };
	struct rows r = { v, 2, NULL };
	char *out;

	(void)state;
	v[0] = task(206, 209, "w\033k\xe9", "/jail/sub", 46, "0", false);
	v[1] = task(213, 213, "a\"b\\", "/jail/e\033", 64, "0-3", true);
	out = capture(print_json, &r);
	assert_string_equal(out,
			    "[{\"pid\": 206, \"tid\": 209, \"comm\": \"w\\u001bk\\u00e9\", \"cgroup\": \"/jail/sub\", "
			    "\"cgroup_id\": 46, \"policy_cgroup\": \"/jail\", \"policy_cgroup_id\": 28, \"mode\": \"enforce\", "
			    "\"affinity\": \"0\", \"allowed\": \"1-2\", \"outside\": \"0\"}, "
			    "{\"pid\": 213, \"tid\": 213, \"comm\": \"a\\\"b\\\\\", \"cgroup\": \"/jail/e\\u001b\", "
			    "\"cgroup_id\": 64, \"policy_cgroup\": \"/jail\", \"policy_cgroup_id\": 28, \"mode\": \"audit\", "
			    "\"affinity\": \"0-3\", \"allowed\": \"1-2\", \"outside\": \"0,3\"}]\n");
	free(out);

	done[0].target = mask("1-2");
	done[0].after = mask("1");
	done[1].target = mask("1-2");
	strcpy(done[1].reason, "kernel thread: affinity is fixed by the kernel (PF_NO_SETAFFINITY)");
	r.done = done;
	out = capture(print_json, &r);
	assert_non_null(strstr(out, "\"outside\": \"0\", \"result\": \"narrowed\", \"narrow_to\": \"1-2\", "
				    "\"affinity_after\": \"1\", \"error\": null}, "));
	assert_non_null(strstr(out, "\"outside\": \"0,3\", \"result\": \"failed\", \"narrow_to\": \"1-2\", "
				    "\"affinity_after\": null, \"error\": \"kernel thread: affinity is fixed by the "
				    "kernel (PF_NO_SETAFFINITY)\"}]\n"));
	free(out);

	r.n = 0;
	out = capture(print_json, &r);
	assert_string_equal(out, "[]\n");
	free(out);
}

struct one {
	const struct outside_task *t;
	const struct narrow_outcome *o;
};

static void print_line(FILE *f, void *arg)
{
	struct one *x = arg;

	narrow_print_line(f, x->t, x->o);
}

static void test_narrow_lines(void **state)
{
	struct outside_task t = task(206, 209, "w\033k", "/jail/e\033", 64, "0,3", false);
	struct narrow_outcome o = { .result = NARROWED };
	struct one x = { &t, &o };
	char *out;

	(void)state;
	o.target = mask("1-2");
	o.after = mask("1");
	out = capture(print_line, &x);
	assert_string_equal(out, "narrowed 206/209 w\\x1bk in /jail/e\\x1b: 0,3 -> 1 (allowed 1-2 by /jail)\n");
	free(out);
	o.result = NARROW_FAILED;
	strcpy(o.reason, "no CPU of the new affinity is in the thread's cpuset or active (EINVAL)");
	out = capture(print_line, &x);
	assert_string_equal(out, "cannot narrow 206/209 w\\x1bk in /jail/e\\x1b: 0,3 -> 1-2: no CPU of the new "
				 "affinity is in the thread's cpuset or active (EINVAL)\n");
	free(out);
	o.result = NARROW_EXITED;
	strcpy(o.reason, "the thread exited");
	out = capture(print_line, &x);
	assert_string_equal(out, "exited 206/209 w\\x1bk in /jail/e\\x1b: the thread exited\n");
	free(out);
}

static void print_summary(FILE *f, void *arg)
{
	struct rows *r = arg;

	narrow_print_summary(f, r->done, r->n);
}

static void print_note(FILE *f, void *arg)
{
	outside_print_apply_note(f, *(size_t *)arg);
}

static void test_summaries(void **state)
{
	struct narrow_outcome done[4] = { { .result = NARROWED }, { .result = NARROW_FAILED },
					  { .result = NARROW_EXITED }, { .result = NARROWED } };
	struct rows r = { NULL, 4, done };
	size_t n;
	char *out;

	(void)state;
	out = capture(print_summary, &r);
	assert_string_equal(out, "2 threads narrowed, 1 could not be changed, 1 exited\n");
	free(out);
	r.n = 1;
	out = capture(print_summary, &r);
	assert_string_equal(out, "1 thread narrowed, 0 could not be changed, 0 exited\n");
	free(out);
	n = 0;
	out = capture(print_note, &n);
	assert_string_equal(out, "");
	free(out);
	n = 1;
	out = capture(print_note, &n);
	assert_string_equal(out, "1 thread runs outside its set: see 'cpuguard tasks'\n");
	free(out);
	n = 12;
	out = capture(print_note, &n);
	assert_string_equal(out, "12 threads run outside their set: see 'cpuguard tasks'\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outside),
		cmocka_unit_test(test_narrowed),
		cmocka_unit_test(test_stat_flags),
		cmocka_unit_test(test_status_tgid),
		cmocka_unit_test(test_proc_cgroup),
		cmocka_unit_test(test_reason),
		cmocka_unit_test(test_sort_and_table),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_narrow_lines),
		cmocka_unit_test(test_summaries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
