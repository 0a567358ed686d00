# Enforcement through the real CLI: allowed and denied requests with the
# exact errno, inheritance, target-based checks, threads, other callers of
# the hook untouched, unconfined cgroups untouched.
. /lib/cpuguard-test.sh
cpuguard load || fail "load"
mkdir -p $CG/demo/child/grandchild $CG/free
cat >/tmp/p.conf <<P
cgroup /demo 1-2
P
cpuguard apply /tmp/p.conf || fail "apply"

sleep 1000 & confined=$!
echo $confined >$CG/demo/cgroup.procs
sleep 1000 & deep=$!
echo $deep >$CG/demo/child/grandchild/cgroup.procs
sleep 1000 & free=$!
echo $free >$CG/free/cgroup.procs

# Root in the root cgroup acts on a confined target.
run_rc affinity set $confined 1-2; expect_eq "inside the set" 0 $RC
run_rc affinity set $confined 2; expect_eq "a subset" 0 $RC
expect_eq "affinity now" 2 "$(affinity get $confined)"
run_rc affinity set $confined 0-3; expect_eq "wider than the set" 1 $RC
expect_eq "errno" EPERM "$OUT"
run_rc affinity set $confined 3; expect_eq "disjoint" EPERM "$OUT"
expect_eq "affinity unchanged after denial" 2 "$(affinity get $confined)"

# Inheritance: two levels below the confined cgroup.
run_rc affinity set $deep 1; expect_eq "descendant inside" ok "$OUT"
run_rc affinity set $deep 0; expect_eq "descendant outside" EPERM "$OUT"

# A confined task cannot widen itself; its threads are targets too.
echo $$ >$CG/demo/cgroup.procs
run_rc affinity set 0 0-3; expect_eq "self-widening" EPERM "$OUT"
run_rc affinity thread 1; expect_eq "thread inside" "by main thread ok, by itself ok" "$OUT"
run_rc affinity thread 0-1; expect_eq "thread outside" "by main thread EPERM, by itself EPERM" "$OUT"
echo $$ >$CG/cgroup.procs

# Other callers of the same LSM hook are never denied.
run_rc affinity sched $confined
expect_eq "scheduler calls on a confined task" "sched_setscheduler ok, sched_setparam ok, sched_setattr ok" "$OUT"

# Unconfined cgroups are untouched.
run_rc affinity set $free 0-3; expect_eq "unconfined" ok "$OUT"
run_rc affinity set $$ 0; expect_eq "root cgroup" ok "$OUT"
affinity set $$ 0-3 >/dev/null

# A cgroup move out of the confined cgroup still works.
echo $confined >$CG/free/cgroup.procs || fail "moving a confined task out"
run_rc affinity set $confined 0-3; expect_eq "after moving out" ok "$OUT"

kill $confined $deep $free
cpuguard unload || fail "unload"
sleep 1000 & t=$!
echo $t >$CG/demo/cgroup.procs
run_rc affinity set $t 0-3; expect_eq "after unload" ok "$OUT"
kill $t
