/* SPDX-License-Identifier: GPL-2.0 */
/* x86-64: which syscall the current thread is in, and the per-CPU offset.
 * Another architecture is another header with these two functions. */
#ifndef CPUGUARD_ARCH_X86_BPF_H
#define CPUGUARD_ARCH_X86_BPF_H

#define NR_SCHED_SETAFFINITY_64 203
#define NR_SCHED_SETAFFINITY_32 241 /* i386 table, for TS_COMPAT tasks */
#define X32_SYSCALL_BIT 0x40000000
#define TS_COMPAT 0x0002

/* The hook task_setscheduler is shared with sched_setscheduler(), cgroup
 * moves, forks into cgroups and timerslack writes: only the
 * sched_setaffinity syscall is judged. 32-bit tasks have their own table. */
static __always_inline bool in_sched_setaffinity(void)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(cur);
	long nr = regs->orig_ax;

	if (cur->thread_info.status & TS_COMPAT)
		return nr == NR_SCHED_SETAFFINITY_32;
	return (nr & ~X32_SYSCALL_BIT) == NR_SCHED_SETAFFINITY_64;
}

/* This CPU's offset into per-CPU memory (x86-64 keeps it in this_cpu_off). */
extern const unsigned long this_cpu_off __ksym;

static __always_inline __u64 this_cpu_offset(void)
{
	return *(const unsigned long *)bpf_this_cpu_ptr(&this_cpu_off);
}

#endif
