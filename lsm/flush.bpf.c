// SPDX-License-Identifier: GPL-2.0
/*
 * flush_coalesced: send the repeats coalesce_map holds (events.bpf.h) when
 * no further repeat comes to send them. `cpuguard audit` runs it with
 * bpf_prog_test_run_opts() while it reads (windows that have closed) and
 * before it stops reading (every slot). It claims a slot exactly as a
 * verdict does, so the held count leaves the slot once: in an event copied
 * from the slot's `last`, or into dropped when the ring buffer is full.
 */
#include "cpuguard.bpf.h"
#include "events.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct flush_ctx {
	__u64 now;
	__u32 all;
	__u32 events;
	__u64 denials, dropped;
};

static long flush_slot(__u32 i, void *data)
{
	struct flush_ctx *c = data;
	struct cpuguard_coalesce_slot *s = bpf_map_lookup_elem(&coalesce_map, &i);
	__u64 state, held;

	/* A slot whose state changes meanwhile is tried again; one still
	 * changing after that has a run that will send its count. */
	for (int attempt = 0; s && attempt < 3; attempt++) {
		state = slot_state(s);
		held = CPUGUARD_SLOT_PENDING(state);
		if ((state & CPUGUARD_SLOT_BUSY) || !held)
			return 0;
		/* Read before the claim: valid if the claim succeeds. */
		if (!c->all && c->now - s->last.time_ns < CPUGUARD_COALESCE_WINDOW_NS)
			return 0;
		if (__sync_val_compare_and_swap(&s->state, state, next_gen(state) | CPUGUARD_SLOT_BUSY) != state)
			continue;
		if (send_copy(&s->last, held, c->now)) {
			c->events++;
			c->denials += held;
		} else {
			c->dropped += held;
		}
		/* `last` stays: later repeats in its window are still held. */
		__sync_lock_test_and_set(&s->state, next_gen(state));
		return 0;
	}
	return 0;
}

SEC("syscall")
int flush_coalesced(struct coalesce_flush_args *args)
{
	/* Sums on the stack: the verifier refuses a callback's access to
	 * the context through a pointer with an offset. */
	struct flush_ctx c = { .now = bpf_ktime_get_boot_ns(), .all = args->all };

	bpf_loop(CPUGUARD_COALESCE_SLOTS, flush_slot, &c, 0);
	args->events = c.events;
	args->denials = c.denials;
	args->dropped = c.dropped;
	return 0;
}
