// SPDX-License-Identifier: GPL-2.0
/*
 * Test program: how many references the mask of one policy line holds.
 * The mask is cpuguard's own: the driver (selftests/vm/helpers/mask_refs.c)
 * points path_map at cpuguard's pinned map before loading. A reference
 * taken by follow_path and never released would show here as one more
 * than the cgroups alive at the path.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "cpuguard.h"

#define ENOENT 2

char LICENSE[] SEC("license") = "GPL";

void bpf_rcu_read_lock(void) __ksym;
void bpf_rcu_read_unlock(void) __ksym;

/* As lsm/cpuguard.bpf.h defines it; replaced by cpuguard's pinned map. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * CPUGUARD_MAX_ENTRIES);
	__type(key, struct path_key);
	__type(value, struct path_value);
} path_map SEC(".maps");

struct mask_refs_args {
	struct path_key key;
	__u32 refs;
	__s32 err;
};

SEC("syscall")
int mask_refs(struct mask_refs_args *args)
{
	struct path_key key;
	struct path_value *line;
	struct bpf_cpumask *mask = NULL;
	__u32 refs = 0;

	args->err = -ENOENT;
	if (bpf_probe_read_kernel(&key, sizeof(key), &args->key))
		return 0;
	line = bpf_map_lookup_elem(&path_map, &key);
	if (!line)
		return 0;
	bpf_rcu_read_lock();
	bpf_probe_read_kernel(&mask, sizeof(mask), &line->mask);
	if (mask && !bpf_core_read(&refs, sizeof(refs), &mask->usage.refs.counter))
		args->err = 0;
	bpf_rcu_read_unlock();
	args->refs = refs;
	return 0;
}
