// SPDX-License-Identifier: GPL-2.0
/*
 * The verdicts: sched_setaffinity() requests and io_uring SQPOLL threads
 * are judged in LSM hooks, which can refuse; io-wq affinity, which no hook
 * covers, is reported.
 */
#include "cpuguard.bpf.h"
#include "request.bpf.h"
#include "events.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* io_uring_setup() flags (include/uapi/linux/io_uring.h). */
#define IORING_SETUP_SQPOLL (1U << 1)
#define IORING_SETUP_SQ_AFF (1U << 2)
#define IORING_SETUP_ATTACH_WQ (1U << 5)

/*
 * sched_setaffinity(): the hook sees the target, not the mask; the mask is
 * the kernel's own copy recorded by capture.bpf.c for this syscall. By
 * default the request is judged as the kernel will apply it, narrowed to
 * the target's cpuset; a strict entry judges it as asked.
 */
SEC("lsm/task_setscheduler")
int BPF_PROG(judge_affinity_request, struct task_struct *p)
{
	struct judgement j = { .kind = CPUGUARD_KIND_AFFINITY };
	struct policy_value *policy;
	__u32 mode;

	if (!in_sched_setaffinity())
		return 0;
	policy = policy_in_force(p, &j.policy_cgid);
	if (!policy)
		return 0;
	j.allowed = policy_mask(policy, j.policy_cgid, &mode);
	j.rq.addr = take_request(CPUGUARD_KIND_AFFINITY, CAPTURE_AFFINITY_0);
	if (!j.rq.addr)
		return verdict(&j, p, UNREADABLE, mode);
	if (!(mode & CPUGUARD_STRICT))
		j.cpuset = cpuset_cpus_addr(p);
	return verdict(&j, p, compare(&j.rq, j.allowed, &j.cpuset), mode);
}

/*
 * io_uring_setup() with IORING_SETUP_SQPOLL creates a kernel thread of the
 * caller, in its cgroup, bound to sq_thread_cpu (SQ_AFF) or else to every
 * online CPU; the kernel does not narrow either to the cpuset. Attaching
 * to another ring's thread (ATTACH_WQ) runs the work wherever that thread
 * runs, which the hook cannot see. Both are judged as every possible CPU
 * (a superset of the online ones: never more lenient than the kernel).
 */
SEC("lsm/uring_sqpoll")
int BPF_PROG(judge_sqpoll)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct judgement j = { .kind = CPUGUARD_KIND_SQPOLL, .rq.cpu = REQUEST_ALL_CPUS };
	struct io_uring_params *params;
	struct policy_value *policy;
	__u32 mode, flags;

	policy = policy_in_force(cur, &j.policy_cgid);
	if (!policy)
		return 0;
	j.allowed = policy_mask(policy, j.policy_cgid, &mode);
	params = (struct io_uring_params *)take_request(CPUGUARD_KIND_SQPOLL, CAPTURE_SQPOLL_0);
	if (!params || bpf_core_read(&flags, sizeof(flags), &params->flags))
		return verdict(&j, cur, UNREADABLE, mode);
	if ((flags & (IORING_SETUP_SQ_AFF | IORING_SETUP_ATTACH_WQ)) == IORING_SETUP_SQ_AFF) {
		if (bpf_core_read(&j.rq.cpu, sizeof(j.rq.cpu), &params->sq_thread_cpu))
			return verdict(&j, cur, UNREADABLE, mode);
	}
	return verdict(&j, cur, compare(&j.rq, j.allowed, &j.cpuset), mode);
}

/*
 * io_uring_register(IORING_REGISTER_IOWQ_AFF) sets the CPUs of the ring's
 * io-wq workers; no LSM hook is called on that path, so a confined task's
 * out-of-set mask can only be reported (docs/security.md says how to close
 * it). A tracing program: skipped if another task is preempted inside it
 * on this CPU, which bpftool shows as recursion_misses.
 */
SEC("fentry/io_wq_cpu_affinity")
int BPF_PROG(report_iowq_affinity, struct io_uring_task *tctx, struct cpumask *mask)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct judgement j = { .kind = CPUGUARD_KIND_IOWQ_AFF, .rq.addr = (__u64)mask };
	struct policy_value *policy;
	__u32 mode;

	if (!mask) /* unregistering: back to the cpuset's CPUs */
		return 0;
	policy = policy_in_force(cur, &j.policy_cgid);
	if (!policy)
		return 0;
	j.allowed = policy_mask(policy, j.policy_cgid, &mode);
	verdict(&j, cur, compare(&j.rq, j.allowed, &j.cpuset), MODE_REPORT_ONLY);
	return 0;
}
