// SPDX-License-Identifier: GPL-2.0
/* cmd/audit_fmt.c: the audit reader's cached formatting gives the same
 * text as the plain way (cpulist_format, strftime), and a line changes
 * exactly where its event does, and a stream of events whose fields change
 * at random gives, line by line, what one snprintf() per line gives. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "audit_fmt.h"
#include "cpulist.h"
#include "json.h"

static const char *fake_path(uint64_t id, char *buf, size_t len)
{
	if (id == 0)
		return NULL; /* removed */
	snprintf(buf, len, id == 7 ? "/a \"q\"\n" : "/cg%llu", (unsigned long long)id);
	return buf;
}

static void test_cpulist_matches(void **state)
{
	(void)state;
	srand(17);
	for (int i = 0; i < 20000; i++) {
		__u64 w[CPUGUARD_EVENT_WORDS] = { 0 };
		unsigned nw = 1 + rand() % CPUGUARD_EVENT_WORDS;
		struct cg_cpumask m = { 0 };
		char a[AUDIT_MASK_TEXT], b[AUDIT_MASK_TEXT];

		for (unsigned k = 0; k < nw; k++) {
			int kind = rand() % 4;
			w[k] = kind == 0 ? 0 : kind == 1 ? ~0ULL : ((__u64)rand() << 33) ^ ((__u64)rand() << 9) ^ rand();
		}
		memcpy(m.bits, w, sizeof(w));
		cpulist_format(&m, b, sizeof(b));
		assert_int_equal(audit_fmt_cpulist(w, nw, a), strlen(b));
		assert_string_equal(a, b);
	}
}

static void test_time_matches_strftime(void **state)
{
	struct audit_fmt f;
	char out[40], want[64];

	(void)state;
	audit_fmt_init(&f, 1700000000LL * 1000000000, fake_path);
	for (uint64_t ns = 0; ns < 5000000000ULL; ns += 123456789) {
		time_t sec = 1700000000 + (time_t)(ns / 1000000000);
		struct tm tm;
		size_t k;

		gmtime_r(&sec, &tm);
		k = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + k, sizeof(want) - k, ".%09lluZ", (unsigned long long)(ns % 1000000000));
		assert_int_equal(audit_fmt_time(&f, ns, out), strlen(want));
		assert_string_equal(out, want);
	}
	audit_fmt_free(&f);
}

static struct cpuguard_event sample(void)
{
	struct cpuguard_event e = {
		.time_ns = 1500000000, .cgroup_id = 5, .policy_cgroup_id = 4, .kind = CPUGUARD_KIND_AFFINITY,
		.action = CPUGUARD_DENY, .count = 1, .pid = 10, .tid = 11, .target_pid = 20, .target_tid = 21,
		.nr_cpu_ids = 4, .comm = "taskset", .target_comm = "sleep",
	};

	e.requested[0] = 0x9;
	e.effective[0] = 0x9;
	e.allowed[0] = 0x6;
	return e;
}

static char *line(struct audit_fmt *f, const struct cpuguard_event *e, bool json)
{
	struct outbuf o = { 0 };
	char *s;

	if (json)
		audit_fmt_json(f, &o, e);
	else
		audit_fmt_text(f, &o, e);
	assert_false(o.failed);
	s = strndup(o.p, o.len);
	outbuf_free(&o);
	return s;
}

static void test_json_line(void **state)
{
	struct audit_fmt f;
	struct cpuguard_event e = sample();
	char *s;

	(void)state;
	audit_fmt_init(&f, 1700000000LL * 1000000000, fake_path);
	s = line(&f, &e, true);
	assert_string_equal(s, "{\"time\": \"2023-11-14T22:13:21.500000000Z\", \"kind\": \"affinity\", \"action\": "
			       "\"deny\", \"pid\": 10, \"tid\": 11, \"comm\": \"taskset\", \"target_pid\": 20, "
			       "\"target_tid\": 21, \"target_comm\": \"sleep\", \"cgroup\": \"/cg5\", \"cgroup_id\": 5, "
			       "\"policy_cgroup\": \"/cg4\", \"requested\": \"0,3\", \"effective\": \"0,3\", "
			       "\"allowed\": \"1-2\", \"truncated\": false, \"count\": 1}\n");
	free(s);
	/* Each part follows its event: nothing kept from the line before. */
	e.count = 4999;
	e.pid = 12;
	memcpy(e.comm, "x\"y\n", 5);
	e.requested[0] = 0x8;
	e.cgroup_id = 7;
	e.policy_cgroup_id = 0;
	e.flags = CPUGUARD_EVENT_TRUNCATED;
	s = line(&f, &e, true);
	assert_non_null(strstr(s, "\"pid\": 12, \"tid\": 11, \"comm\": \"x\\\"y\\n\""));
	assert_non_null(strstr(s, "\"cgroup\": \"/a \\\"q\\\"\\n\", \"cgroup_id\": 7, \"policy_cgroup\": null"));
	assert_non_null(strstr(s, "\"requested\": \"3\", \"effective\": \"0,3\""));
	assert_non_null(strstr(s, "\"truncated\": true, \"count\": 4999}\n"));
	free(s);
	e.flags = CPUGUARD_EVENT_UNREADABLE;
	s = line(&f, &e, true);
	assert_non_null(strstr(s, "\"requested\": null, \"effective\": null, \"allowed\": \"1-2\""));
	free(s);
	audit_fmt_free(&f);
}

static void test_text_line(void **state)
{
	struct audit_fmt f;
	struct cpuguard_event e = sample();
	char *s;

	(void)state;
	audit_fmt_init(&f, 1700000000LL * 1000000000, fake_path);
	s = line(&f, &e, false);
	assert_string_equal(s, "2023-11-14T22:13:21.500000000Z DENY: taskset[10/11] set affinity of sleep[20/21] "
			       "in /cg5 to 0,3; allowed 1-2 by /cg4\n");
	free(s);
	e.count = 3;
	e.effective[0] = 0x1;
	s = line(&f, &e, false);
	assert_non_null(strstr(s, "to 0,3 (effective 0); allowed 1-2 by /cg4 (3 times)\n"));
	free(s);
	audit_fmt_free(&f);
}

/* One JSON line the plain way: every part formatted from scratch, with
 * snprintf(), strftime(), cpulist_format() and json_escape(). */
static void plain_json(const struct cpuguard_event *e, int64_t boot_to_real, char *out, size_t cap)
{
	static char cg[JSON_ESCAPED_MAX(4096)], pcg[JSON_ESCAPED_MAX(4096)];
	char t[64], comm[JSON_ESCAPED_MAX(16)], tcomm[JSON_ESCAPED_MAX(16)], path[4096];
	char req[AUDIT_MASK_TEXT + 2], eff[AUDIT_MASK_TEXT + 2], allowed[AUDIT_MASK_TEXT];
	unsigned nw = (e->nr_cpu_ids + 63) / 64;
	int64_t real = (int64_t)e->time_ns + boot_to_real;
	time_t sec = (time_t)(real / 1000000000);
	struct cg_cpumask m;
	const char *p;
	struct tm tm;
	size_t k;

	nw = nw < 1 ? 1 : nw > CPUGUARD_EVENT_WORDS ? CPUGUARD_EVENT_WORDS : nw;
	gmtime_r(&sec, &tm);
	k = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(t + k, sizeof(t) - k, ".%09lldZ", (long long)(real % 1000000000));
	json_escape(comm, sizeof(comm), e->comm, strnlen(e->comm, 16));
	json_escape(tcomm, sizeof(tcomm), e->target_comm, strnlen(e->target_comm, 16));
	p = fake_path(e->cgroup_id, path, sizeof(path));
	if (p)
		json_escape(cg, sizeof(cg), p, strlen(p));
	else
		strcpy(cg, "null");
	p = fake_path(e->policy_cgroup_id, path, sizeof(path));
	if (p)
		json_escape(pcg, sizeof(pcg), p, strlen(p));
	else
		strcpy(pcg, "null");
	memset(&m, 0, sizeof(m));
	memcpy(m.bits, e->requested, nw * 8);
	req[0] = '"';
	cpulist_format(&m, req + 1, sizeof(req) - 2);
	strcat(req, "\"");
	memset(&m, 0, sizeof(m));
	memcpy(m.bits, e->effective, nw * 8);
	eff[0] = '"';
	cpulist_format(&m, eff + 1, sizeof(eff) - 2);
	strcat(eff, "\"");
	memset(&m, 0, sizeof(m));
	memcpy(m.bits, e->allowed, nw * 8);
	cpulist_format(&m, allowed, sizeof(allowed));
	if (e->flags & CPUGUARD_EVENT_UNREADABLE) {
		strcpy(req, "null");
		strcpy(eff, "null");
	}
	snprintf(out, cap,
		 "{\"time\": \"%s\", \"kind\": \"%s\", \"action\": \"%s\", \"pid\": %u, \"tid\": %u, \"comm\": %s, "
		 "\"target_pid\": %u, \"target_tid\": %u, \"target_comm\": %s, \"cgroup\": %s, \"cgroup_id\": %llu, "
		 "\"policy_cgroup\": %s, \"requested\": %s, \"effective\": %s, \"allowed\": \"%s\", \"truncated\": %s, "
		 "\"count\": %u}\n",
		 t,
		 e->kind == CPUGUARD_KIND_SQPOLL	? "sqpoll"
		 : e->kind == CPUGUARD_KIND_IOWQ_AFF ? "iowq_aff"
						     : "affinity",
		 e->action == CPUGUARD_DENY ? "deny" : e->action == CPUGUARD_REPORT ? "report" : "audit", e->pid, e->tid,
		 comm, e->target_pid, e->target_tid, tcomm, cg, (unsigned long long)e->cgroup_id, pcg, req, eff,
		 allowed, e->flags & CPUGUARD_EVENT_TRUNCATED ? "true" : "false", e->count);
}

static uint64_t pick(const uint64_t *v, size_t n)
{
	return v[(size_t)rand() % n];
}

#define PICK(v) pick(v, sizeof(v) / sizeof(v[0]))

/* As the kernel fills it: 16 bytes, no NUL when the name takes all 16. */
static void set_comm(char *comm, const char *s)
{
	size_t n = strlen(s);

	memset(comm, 0, 16);
	memcpy(comm, s, n < 16 ? n : 16);
}

/* Each field changes with a chance of one in three from one event to the
 * next, so that every kept part is both reused and redone. */
static void test_json_matches_plain(void **state)
{
	static const char *const comms[] = { "taskset", "sleep", "x\"y\n", "\xc3\xa9t\xc3\xa9", "bad\xff\x01",
					     "0123456789abcdef", "", "\\\t\x7f" };
	static const uint64_t ids[] = { 0, 4, 5, 7, 123456789012345ULL };
	static const uint64_t words[] = { 0, 1, 0x6, 0x9, 0xf0f0, ~0ULL, 1ULL << 63, 0x8000000000000001ULL };
	static const uint64_t nums[] = { 0, 1, 9, 10, 99, 100, 12345, 999999, 4294967295ULL };
	static const uint64_t ncpus[] = { 1, 4, 64, 65, 200, 1024, 5000 };
	static const uint64_t steps[] = { 0, 1, 999999999, 1000000000, 3000, 86400000000000ULL };
	struct cpuguard_event e = sample();
	struct outbuf o = { 0 };
	struct audit_fmt f;
	char want[40000];

	(void)state;
	srand(1717);
	audit_fmt_init(&f, 1700000000LL * 1000000000, fake_path);
	for (int i = 0; i < 50000; i++) {
#define MAYBE(stmt) \
	do { \
		if (rand() % 3 == 0) \
			stmt; \
	} while (0)
		MAYBE(e.time_ns += PICK(steps));
		MAYBE(e.cgroup_id = PICK(ids));
		MAYBE(e.policy_cgroup_id = PICK(ids));
		MAYBE(e.kind = (__u32)(rand() % 5));
		MAYBE(e.action = (__u32)(rand() % 5));
		MAYBE(e.flags = (__u32)(rand() % 4));
		MAYBE(e.count = (__u32)PICK(nums));
		MAYBE(e.pid = (__u32)PICK(nums));
		MAYBE(e.tid = (__u32)PICK(nums));
		MAYBE(e.target_pid = (__u32)PICK(nums));
		MAYBE(e.target_tid = (__u32)PICK(nums));
		MAYBE(e.nr_cpu_ids = (__u32)PICK(ncpus));
		MAYBE(set_comm(e.comm, comms[rand() % 8]));
		MAYBE(set_comm(e.target_comm, comms[rand() % 8]));
		for (int w = 0; w < CPUGUARD_EVENT_WORDS; w++) {
			MAYBE(e.requested[w] = PICK(words));
			/* mostly the request, as when the cpuset does not narrow it */
			e.effective[w] = rand() % 4 ? e.requested[w] : PICK(words);
			MAYBE(e.allowed[w] = PICK(words));
		}
#undef MAYBE
		plain_json(&e, 1700000000LL * 1000000000, want, sizeof(want));
		o.len = 0;
		audit_fmt_json(&f, &o, &e);
		assert_false(o.failed);
		assert_int_equal(o.len, strlen(want));
		assert_memory_equal(o.p, want, o.len);
	}
	outbuf_free(&o);
	audit_fmt_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist_matches),
		cmocka_unit_test(test_time_matches_strftime),
		cmocka_unit_test(test_json_line),
		cmocka_unit_test(test_text_line),
		cmocka_unit_test(test_json_matches_plain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
