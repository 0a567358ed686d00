/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configurations cgbench times (configs.c): where the calling task is,
 * what it asks for, and which group of BPF programs is attached meanwhile.
 * lat, stats and spin measure them.
 */
#ifndef CGBENCH_CONFIGS_H
#define CGBENCH_CONFIGS_H

#include "common.h"

enum group { G_NONE, G_EMPTY, G_EMPTY2, G_EMPTY4, G_CPUGUARD, NGROUPS };
enum call { CALL_TIMER, CALL_SETAFFINITY, CALL_GETPPID };

extern const char *const group_name[NGROUPS];

struct config {
	const char *name;
	enum group group;
	const char *cgroup; /* where the calling task is */
	const char *request; /* sched_setaffinity(0, request) */
	enum call call;
	int expect; /* 0 or EPERM */
	const char *what;
};

#define NCONFIGS 16
extern const struct config configs[NCONFIGS];

int config_index(const char *name);

/* The cgroups of the configurations and the policy that confines them. */
void setup_cgroups(void);
void cleanup_cgroups(void);

/* Attach a group's programs (cpuguard: load and apply), detach them. */
void group_enter(enum group g);
void group_leave(enum group g);
/* The two programs of the group entered, fentry first (new fds). */
void group_progs(enum group g, struct prog_stat ps[2]);
/* Free the empty programs once no group needs them any more. */
void destroy_empty(void);

/* Put the task where @c wants it, with an allowed affinity. */
void enter_config(const struct config *c);
/* @n calls of @c, each timed alone into @lat (may be NULL). */
void run_calls(const struct config *c, int n, uint64_t *lat);

#endif
