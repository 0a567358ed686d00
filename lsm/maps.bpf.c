// SPDX-License-Identifier: GPL-2.0
/* The one definition of every map and global (declared in cpuguard.bpf.h). */
#define CPUGUARD_DEFINE
#include "cpuguard.bpf.h"

char LICENSE[] SEC("license") = "GPL";
