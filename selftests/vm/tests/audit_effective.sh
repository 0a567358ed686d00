# The "effective" CPUs of an event, JSON and text: the request as the
# target's cpuset narrows it (what the kernel would have applied).
# The kernel side fills event.effective (issue #15).
. /lib/cpuguard-test.sh
cpuguard load >/dev/null || fail "load"
echo +cpuset >$CG/cgroup.subtree_control
mkdir -p $CG/eff
echo 0-2 >$CG/eff/cpuset.cpus
echo 'cgroup /eff 1-2' >/tmp/p.conf
cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
sleep 1000 & t=$!
echo $t >$CG/eff/cgroup.procs

# 0-3 narrowed to the cpuset is 0-2: still not inside 1-2.
run_rc affinity set $t 0-3; expect_eq "request narrowed to 0-2" EPERM "$OUT"
run_rc cpuguard audit --json
expect_match "JSON event" '"cgroup": "/eff", .*"policy_cgroup": "/eff", "requested": "0-3", "effective": "0-2", "allowed": "1-2"' "$OUT"
affinity set $t 0,3 >/dev/null || true
run_rc cpuguard audit
expect_match "text event" "DENY: affinity\[[0-9]+/[0-9]+\] set affinity of sleep\[$t/$t\] in /eff to 0,3 \(effective 0\); allowed 1-2 by /eff" "$OUT"
kill $t
