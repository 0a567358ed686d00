// SPDX-License-Identifier: GPL-2.0
/* cmd/audit_fmt.c: the audit reader's cached formatting gives the same
 * text as the plain way (cpulist_format, strftime), and a line changes
 * exactly where its event does. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist_matches),
		cmocka_unit_test(test_time_matches_strftime),
		cmocka_unit_test(test_json_line),
		cmocka_unit_test(test_text_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
