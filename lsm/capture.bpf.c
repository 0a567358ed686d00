// SPDX-License-Identifier: GPL-2.0
/*
 * Capture: record, for the calling thread, where the kernel keeps what its
 * current syscall asks for, so that the verdict in the LSM hook can read
 * it (request.bpf.h). Each attach point has CPUGUARD_CAPTURE_COPIES
 * identical programs, each writing its own record, because the kernel
 * skips a tracing program on a CPU while another task is preempted inside
 * it: that task can be inside only one copy.
 */
#include "cpuguard.bpf.h"
#include "request.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* ctx[1] is the second argument: the kernel's copy of the request. */
#define CAPTURE(func, name, kind, copy, prog)                         \
	SEC("fentry/" #func)                                          \
	int name(__u64 *ctx)                                          \
	{                                                             \
		record_request(ctx[1], kind, copy, prog);             \
		return 0;                                             \
	}

/* long sched_setaffinity(pid_t pid, const struct cpumask *in_mask) */
CAPTURE(sched_setaffinity, capture_affinity_0, CPUGUARD_KIND_AFFINITY, 0, CAPTURE_AFFINITY_0)
CAPTURE(sched_setaffinity, capture_affinity_1, CPUGUARD_KIND_AFFINITY, 1, CAPTURE_AFFINITY_1)
CAPTURE(sched_setaffinity, capture_affinity_2, CPUGUARD_KIND_AFFINITY, 2, CAPTURE_AFFINITY_2)
/* int io_sq_offload_create(struct io_ring_ctx *ctx, struct io_uring_params *p):
 * the only caller of security_uring_sqpoll(). */
CAPTURE(io_sq_offload_create, capture_sqpoll_0, CPUGUARD_KIND_SQPOLL, 0, CAPTURE_SQPOLL_0)
CAPTURE(io_sq_offload_create, capture_sqpoll_1, CPUGUARD_KIND_SQPOLL, 1, CAPTURE_SQPOLL_1)
CAPTURE(io_sq_offload_create, capture_sqpoll_2, CPUGUARD_KIND_SQPOLL, 2, CAPTURE_SQPOLL_2)

/*
 * Run once by the loader: finds the per-CPU statistics (where the kernel
 * counts recursion misses) of the capture programs, whose IDs the loader
 * put into capture_prog_id. Storing a kernel address needs CAP_PERFMON,
 * which loading needs anyway.
 */
SEC("iter/bpf_prog")
int find_capture_stats(struct bpf_iter__bpf_prog *ctx)
{
	struct bpf_prog *prog = ctx->prog;
	__u32 id;

	if (!prog)
		return 0;
	id = prog->aux->id;
#pragma unroll
	for (int i = 0; i < NR_CAPTURE_PROGS; i++)
		if (id && capture_prog_id[i] == id)
			capture_stats[i] = (__u64)prog->stats;
	return 0;
}
