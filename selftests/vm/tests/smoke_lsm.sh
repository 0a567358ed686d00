# A trivial BPF LSM program on task_setscheduler loads, runs and denies.
. /lib/cpuguard-test.sh
expect_match "active LSMs" '(^|,)bpf(,|$)' "$(cat /sys/kernel/security/lsm)"
smoke_lsm || fail "smoke_lsm loader"
pass "BPF LSM program ran and its EPERM reached sched_setaffinity"
