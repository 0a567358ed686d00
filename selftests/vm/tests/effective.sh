# Effective requests (issue #15): sched_setaffinity() narrows a request to
# the target's cpuset, and cpuguard judges what the kernel will apply. With
# no narrower cpuset the raw request is judged, as before.
. /lib/cpuguard-test.sh
cpuguard load >/dev/null || fail "load"
echo +cpuset >$CG/cgroup.subtree_control
mkdir -p $CG/narrow $CG/wide $CG/part
echo 1-2 >$CG/narrow/cpuset.cpus
echo 0-3 >$CG/wide/cpuset.cpus
echo 1-3 >$CG/part/cpuset.cpus
printf 'cgroup /narrow 1-2\ncgroup /wide 1-2\ncgroup /part 1-2\n' >/tmp/p.conf
cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
start_in() { sleep 1000 >/dev/null 2>&1 & echo $! >$CG$1/cgroup.procs; echo $!; }
n=$(start_in /narrow) w=$(start_in /wide) p=$(start_in /part)

run_rc affinity set $n 0-3
expect_eq "all CPUs, cpuset inside the set: what the kernel applies is inside" ok "$OUT"
expect_eq "affinity applied" 1-2 "$(affinity get $n)"
run_rc affinity set $n 0
expect_eq "a CPU outside both: nothing left, the kernel refuses" EINVAL "$OUT"
run_rc affinity set $w 0-3
expect_eq "cpuset wider than the set" EPERM "$OUT"
run_rc affinity set $p 0-2
expect_eq "request & cpuset = 1-2: inside" ok "$OUT"
run_rc affinity set $p 2-3
expect_eq "request & cpuset = 2-3: outside" EPERM "$OUT"
run_rc cpuguard audit --json
expect_match "the event shows the request as asked" '"requested": "2-3"' "$OUT"
kill $n $w $p
