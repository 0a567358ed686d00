# Fail closed: with the capture programs gone (their links unpinned), a
# confined target's request cannot be read, and is denied in enforce mode
# (even a request inside the set), reported in audit mode, counted as an
# error; unconfined tasks are not affected.
. /lib/cpuguard-test.sh
cpuguard load >/dev/null || fail "load"
mkdir -p $CG/enf $CG/aud $CG/free
printf 'cgroup /enf 1-2\ncgroup /aud 1 audit\n' >/tmp/p.conf
cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
sleep 1000 & enf=$!
echo $enf >$CG/enf/cgroup.procs
sleep 1000 & aud=$!
echo $aud >$CG/aud/cgroup.procs
sleep 1000 & free=$!
echo $free >$CG/free/cgroup.procs

rm /sys/fs/bpf/cpuguard/link_capture_affinity_*
# The kernel frees an unpinned link from a workqueue: give it time to detach.
sleep 1
run_rc affinity set $enf 1; expect_eq "enforce, request unreadable" EPERM "$OUT"
run_rc affinity set $aud 0-3; expect_eq "audit, request unreadable" ok "$OUT"
run_rc affinity set $free 0-3; expect_eq "unconfined" ok "$OUT"
run_rc affinity sched $enf
expect_eq "scheduler calls" "sched_setscheduler ok, sched_setparam ok, sched_setattr ok" "$OUT"
expect_match "counted" '"denied": 1, "audited": 1, "reported": 0, "events": 2, "dropped": 0, "errors": 2' "$(cpuguard status --json)"
run_rc cpuguard audit --json
expect_match "audit event" '"action": "audit", .*"requested": null, "effective": null, "allowed": "1"' "$OUT"
expect_match "deny event" '"action": "deny", .*"requested": null, "effective": null, "allowed": "1-2"' "$OUT"
kill $enf $aud $free
