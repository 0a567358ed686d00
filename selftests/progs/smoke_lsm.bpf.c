// SPDX-License-Identifier: GPL-2.0
/* The smallest BPF LSM program on cpuguard's hook: it counts its calls and
 * can be told to deny, so a VM test can show the hook really runs. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 calls;
int deny_pid;

SEC("lsm/task_setscheduler")
int BPF_PROG(smoke_task_setscheduler, struct task_struct *p)
{
	__sync_fetch_and_add(&calls, 1);
	if (deny_pid && p->tgid == deny_pid)
		return -1; /* -EPERM */
	return 0;
}
