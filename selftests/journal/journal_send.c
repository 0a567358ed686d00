// SPDX-License-Identifier: GPL-2.0
/* host.journal helper: send made-up events through cmd/journal.c's
 * journal_send_event() (libsystemd's sd_journal_sendv), exactly as
 * 'cpuguard audit --journal' does, so that the test can read them back
 * with journalctl -o json. No BPF, no kernel support needed.
 *   journal_send TARGET_PID */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "journal.h"

static struct cpuguard_event event(uint32_t kind, uint32_t action, uint32_t flags, uint32_t target)
{
	struct cpuguard_event e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.action = action;
	e.flags = flags;
	e.count = 1;
	e.cgroup_id = 4242;
	e.policy_cgroup_id = 4241;
	e.pid = 100;
	e.tid = 101;
	e.target_pid = target;
	e.target_tid = target;
	strcpy(e.comm, "taskset");
	strcpy(e.target_comm, "worker");
	return e;
}

int main(int argc, char **argv)
{
	uint32_t target = argc > 1 ? (uint32_t)atoi(argv[1]) : 1;
	struct cpuguard_event e;
	int err = 0;

	e = event(CPUGUARD_KIND_AFFINITY, CPUGUARD_DENY, 0, target);
	err |= journal_send_event(&e, "/workload.slice/app.service", "/workload.slice", "0,3", "2-15");
	e = event(CPUGUARD_KIND_AFFINITY, CPUGUARD_WOULD_DENY, 0, target);
	err |= journal_send_event(&e, "/batch.slice", "/batch.slice", "0-7", "2-3");
	e = event(CPUGUARD_KIND_AFFINITY, CPUGUARD_DENY, CPUGUARD_EVENT_UNREADABLE, target);
	err |= journal_send_event(&e, NULL, "/workload.slice", "", "2-15");
	/* A cgroup name may hold a newline: the field must stay one field. */
	e = event(CPUGUARD_KIND_SQPOLL, CPUGUARD_DENY, CPUGUARD_EVENT_TRUNCATED, target);
	err |= journal_send_event(&e, "/odd\nname", "/odd\nname", "1", "0");
	if (err) {
		fprintf(stderr, "journal_send: sd_journal_sendv failed\n");
		return 1;
	}
	return 0;
}
