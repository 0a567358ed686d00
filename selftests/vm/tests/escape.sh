# A confined task cannot escape its CPUs: not by nesting itself in child
# cgroups (however deep), not through another thread, not by asking an
# unconfined task; and the hook's other callers (cgroup moves between
# cpusets, forks into cgroups, scheduler changes) keep working for it.
. /lib/cpuguard-test.sh
cpuguard load >/dev/null || fail "load"
mkdir -p $CG/jail $CG/free
printf 'cgroup /jail 1-2\n' >/tmp/p.conf
cpuguard apply /tmp/p.conf >/dev/null || fail "apply"

# Nesting: a child cgroup 40 levels down is still judged by /jail.
path=/jail
for i in $(seq 1 40); do path=$path/n$i; done
mkdir -p $CG$path
sleep 1000 & t=$!
echo $t >$CG$path/cgroup.procs
run_rc affinity set $t 0-3; expect_eq "40 levels below the confined cgroup" EPERM "$OUT"
run_rc affinity set $t 1; expect_eq "inside, 40 levels below" ok "$OUT"
kill $t

# Through another thread, and by the process itself.
echo $$ >$CG/jail/cgroup.procs
run_rc affinity thread 3; expect_eq "through a thread" "by main thread EPERM, by itself EPERM" "$OUT"
# By asking an unconfined task: the target decides, not the caller.
sleep 1000 & j=$!
echo $$ >$CG/free/cgroup.procs
run_rc affinity set $j 0-3; expect_eq "unconfined caller, confined target" EPERM "$OUT"
# A child forked by a confined task is confined too.
echo $$ >$CG/jail/cgroup.procs
run_rc sh -c 'affinity set 0 0'; expect_eq "forked child" EPERM "$OUT"
echo $$ >$CG/cgroup.procs

# An unprivileged confined task cannot move itself out (cgroup.procs is
# root's): cgroup delegation is what keeps tasks in their cgroup.
echo $$ >$CG/jail/cgroup.procs
run_rc su nobody -s /bin/sh -c "affinity set 0 0-3; echo \$\$ >$CG/cgroup.procs; cat /proc/self/cgroup"
echo $$ >$CG/cgroup.procs
expect_match "unprivileged confined task" 'EPERM' "$OUT"
expect_match "cannot move itself out" 'Permission denied' "$OUT"
expect_match "still in the confined cgroup" '^0::/jail$' "$(printf '%s\n' "$OUT" | tail -n 1)"

# The other callers of the hook keep working for confined tasks.
echo +cpuset >$CG/cgroup.subtree_control
echo 1-2 >$CG/jail/cpuset.cpus
echo 0-3 >$CG/free/cpuset.cpus
run_rc affinity sched $j
expect_eq "scheduler calls" "sched_setscheduler ok, sched_setparam ok, sched_setattr ok" "$OUT"
echo $j >$CG/free/cgroup.procs || fail "move between cpusets denied"
pass "moved a confined task to a cgroup with other cpuset CPUs"
echo $j >$CG/jail/cgroup.procs || fail "move back into the confined cgroup denied"
pass "moved it back"
run_rc affinity clone-into $CG/jail; expect_eq "clone3 into the confined cgroup" 0 $RC
expect_match "child placed" 'child in 0::/jail' "$OUT"
echo $$ >$CG/jail/cgroup.procs
run_rc affinity clone-into $CG/free; expect_eq "clone3 from it into another cpuset" 0 $RC
echo $$ >$CG/cgroup.procs
kill $j
# Timer slack: the kernel calls the hook only for ANOTHER task's slack
# (timerslack_ns_write(): p != current), so write a confined task's slack
# from outside its cgroup.
sleep 1000 & s=$!
echo $s >$CG/jail/cgroup.procs
expect_match "slack target is confined" '^0::/jail$' "$(cat /proc/$s/cgroup)"
echo 50000 >/proc/$s/timerslack_ns || fail "writing a confined task's timer slack was refused"
expect_eq "confined task's timer slack" 50000 "$(cat /proc/$s/timerslack_ns)"
kill $s
