/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces of the cpuguard CLI. */
#ifndef CPUGUARD_CLI_H
#define CPUGUARD_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "cpulist.h"
#include "../lsm/cpuguard.h"

#define DEFAULT_PIN_DIR "/sys/fs/bpf/cpuguard"
#define CGROUP_ROOT "/sys/fs/cgroup"
#define POSSIBLE_CPUS "/sys/devices/system/cpu/possible"

/* Exit status */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct options {
	const char *pin_dir;
	bool json;
	bool follow;
	bool verbose;
};

/* Objects pinned under the pin directory. */
#define PIN_POLICY_MAP "policy_map"
#define PIN_SET_MAP "set_map"
#define PIN_STATE_MAP "state_map"
#define PIN_STATS_MAP "stats_map"
#define PIN_META_MAP "meta_map"
#define PIN_EVENTS "events"
#define PIN_LINK_CAPTURE_AFFINITY_0 "link_capture_affinity_0"
#define PIN_LINK_CAPTURE_AFFINITY_1 "link_capture_affinity_1"
#define PIN_LINK_CAPTURE_AFFINITY_2 "link_capture_affinity_2"
#define PIN_LINK_CAPTURE_SQPOLL_0 "link_capture_sqpoll_0"
#define PIN_LINK_CAPTURE_SQPOLL_1 "link_capture_sqpoll_1"
#define PIN_LINK_CAPTURE_SQPOLL_2 "link_capture_sqpoll_2"
#define PIN_LINK_JUDGE_SQPOLL "link_judge_sqpoll"
#define PIN_LINK_REPORT_IOWQ "link_report_iowq"
#define PIN_LINK_JUDGE "link_judge"
#define PIN_PROG_SET_CREATE "prog_set_create"
#define PIN_PROG_POLICY_INSTALL "prog_policy_install"
#define PIN_PROG_POLICY_READ "prog_policy_read"

/* File descriptors of a loaded cpuguard, opened from its pins. */
struct guard {
	int policy_map, set_map, state_map, stats_map, meta_map, events;
	int set_create, policy_install, policy_read;
	int lock_fd; /* the pin directory, flock()ed while changing policy */
};

/* kernel.c */
int require_caps(const char *command);
int check_kernel_support(bool verbose, bool quiet);
int read_possible_cpus(struct cg_cpumask *possible, unsigned *nr_cpu_ids);
bool guard_loaded(const char *pin_dir);
int guard_open(const char *pin_dir, struct guard *g, bool lock);
void guard_close(struct guard *g);
int guard_read_state(const struct guard *g, struct cpuguard_state *st);
int guard_read_stats(const struct guard *g, struct cpuguard_stats *sum);
int guard_capture_skips(const char *pin_dir, uint64_t *skips);
int guard_read_mask(const struct guard *g, uint64_t cgroup_id, uint32_t gen, struct cg_cpumask *out);
int run_syscall_prog(int prog_fd, void *args, size_t size);
int wait_for_checks(void);

/* cgpath.c: cgroup id -> path below the cgroup2 mount ("/a/b"). */
#define CGROUP_PATH_MAX 4096
const char *cgroup_path_of(uint64_t id, char *buf, size_t len);

/* commands */
int cmd_load(const struct options *o);
int cmd_unload(const struct options *o);
int cmd_check(const struct options *o, const char *file);
int cmd_apply(const struct options *o, const char *file);
int cmd_show(const struct options *o);
int cmd_status(const struct options *o);
int cmd_audit(const struct options *o);

#endif
