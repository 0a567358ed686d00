# io_uring (issue #13): an unprivileged task in a cgroup confined to CPU 0
# cannot get an SQ poll thread outside its set, with or without SQ_AFF;
# io-wq affinity cannot be refused (no LSM hook) and is reported; plain
# io_uring keeps working; audit mode reports instead of refusing.
. /lib/cpuguard-test.sh
cpuguard load >/dev/null || fail "load"
mkdir -p $CG/u0 $CG/uall $CG/uaud $CG/ufree
printf 'cgroup /u0 0\ncgroup /uall 0-3\ncgroup /uaud 0 audit\n' >/tmp/p.conf
cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
# as_nobody CGROUP CMD...: run CMD as nobody, in CGROUP.
as_nobody() {
	cg=$1
	shift
	run_rc sh -c "echo \$\$ >$CG$cg/cgroup.procs; exec su nobody -s /bin/sh -c '$*'"
}

as_nobody /u0 affinity set 0 1
expect_eq "sched_setaffinity outside the set" EPERM "$OUT"
as_nobody /u0 uring plain
expect_eq "plain ring with a NOP" ok "$OUT"
as_nobody /u0 uring sqpoll 1
expect_eq "SQPOLL bound to CPU 1 (outside)" EPERM "$OUT"
as_nobody /u0 uring sqpoll 0
expect_match "SQPOLL bound to CPU 0 (inside)" '^ok' "$OUT"
expect_match "its SQ thread runs on CPU 0" 'sqthread 0$' "$OUT"
as_nobody /u0 uring sqpoll
expect_eq "SQPOLL on every CPU (set 0)" EPERM "$OUT"
as_nobody /uall uring sqpoll
expect_match "SQPOLL on every CPU (set 0-3)" '^ok' "$OUT"
as_nobody /ufree uring sqpoll 3
expect_match "unconfined SQPOLL" '^ok' "$OUT"
as_nobody /uaud uring sqpoll 1
expect_match "audit mode: SQPOLL outside allowed" '^ok' "$OUT"

cpuguard audit --json >/dev/null # drain
before=$(cpuguard status --json)
as_nobody /u0 uring iowq 0
expect_eq "io-wq affinity inside the set" ok "$OUT"
as_nobody /u0 uring iowq 1-2
expect_eq "io-wq affinity outside the set: cannot be refused" ok "$OUT"
json=$(cpuguard status --json)
echo "$json"
expect_match "reported once" '"reported": 1,' "$json"
run_rc cpuguard audit --json
expect_match "io-wq report event" '"kind": "iowq_aff", "action": "report", .*"requested": "1-2", "effective": "[0-9,-]*", "allowed": "0"' "$OUT"
expect_eq "one io-wq event" 1 "$(printf '%s\n' "$OUT" | grep -c iowq_aff)"

# io-wq workers take the CPUs of the cgroup's cpuset, not the task's
# affinity, and no hook sees them start (docs/security.md): without a
# cpuset they may run anywhere; a cpuset equal to the set keeps them in.
as_nobody /u0 uring async
expect_match "io-wq worker, no cpuset: every CPU" 'worker 0-3$' "$OUT"
echo +cpuset >$CG/cgroup.subtree_control
echo 0 >$CG/u0/cpuset.cpus
as_nobody /u0 uring async
expect_match "io-wq worker, cpuset 0: CPU 0" 'worker 0$' "$OUT"
rmdir $CG/u0 $CG/uall $CG/uaud $CG/ufree 2>/dev/null || true
cpuguard unload >/dev/null
