/* SPDX-License-Identifier: GPL-2.0 */
/* cpuguard audit --journal (journal.c). */
#ifndef CPUGUARD_JOURNAL_H
#define CPUGUARD_JOURNAL_H

#include <stdint.h>
#include <sys/uio.h>
#include "../lsm/cpuguard.h"

#define JOURNAL_MAX_FIELDS 32

/* The fields of one entry, each "NAME=value", pointing into buf. */
struct journal_fields {
	struct iovec iov[JOURNAL_MAX_FIELDS];
	int n;
	size_t used;
	char buf[4 * 4096 + 4 * 1024 * 6];
};

/* NULL for a kind or action it does not know. */
const char *journal_message_id(uint32_t kind, uint32_t action);
/* Fill @j for event @e. @cgroup and @policy_cgroup may be NULL (removed);
 * @requested and @allowed are CPU lists. */
void journal_fields(struct journal_fields *j, const struct cpuguard_event *e, const char *cgroup,
		    const char *policy_cgroup, const char *requested, const char *allowed);
/* Load libsystemd (dlopen): 0, or -ELIBACC after saying why on stderr. */
int journal_open(void);
/* journal_fields() + sd_journal_sendv(): 0 or a negative errno. */
int journal_send_event(const struct cpuguard_event *e, const char *cgroup, const char *policy_cgroup,
		       const char *requested, const char *allowed);

#endif
