// SPDX-License-Identifier: GPL-2.0
/*
 * The floors the benchmark compares cpuguard with: programs that do nothing,
 * on the attach points cpuguard uses. Any BPF LSM on task_setscheduler pays
 * at least what empty_lsm costs; a design that, like cpuguard, also needs
 * the request captured at fentry/sched_setaffinity pays at least what
 * empty_lsm + empty_fentry cost. cpuguard attaches three capture copies
 * (docs/design.md says why): empty_lsm + empty_fentry + empty_fentry_1 +
 * empty_fentry_2 is the floor of that shape.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/task_setscheduler")
int BPF_PROG(empty_lsm, struct task_struct *p)
{
	return 0;
}

SEC("fentry/sched_setaffinity")
int BPF_PROG(empty_fentry, pid_t pid, const struct cpumask *in_mask)
{
	return 0;
}

SEC("fentry/sched_setaffinity")
int BPF_PROG(empty_fentry_1, pid_t pid, const struct cpumask *in_mask)
{
	return 0;
}

SEC("fentry/sched_setaffinity")
int BPF_PROG(empty_fentry_2, pid_t pid, const struct cpumask *in_mask)
{
	return 0;
}
