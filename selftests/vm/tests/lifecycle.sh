# What happens around a running policy: a confined cgroup removed, CPUs
# taken offline, unload while a --follow reader runs, SIGTERM to a reader.
. /lib/cpuguard-test.sh
cpuguard load >/dev/null || fail "load"
mkdir -p $CG/gone $CG/stay
printf 'cgroup /gone 1\ncgroup /stay 1-2\n' >/tmp/p.conf
cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
gone_id=$(stat -c %i $CG/gone)

# A confined cgroup removed: the kernel drops its entry and the policy line
# waits for its path; re-applying a file that names the missing path
# without `optional` still fails and keeps the policy in force.
rmdir $CG/gone
run_rc cpuguard show --json
expect_match "removed cgroup waits" '\{"cgroup": "/gone", "cgroup_id": null, "cpus": "1", "set": null, "mode": "enforce", "strict": false, "state": "waiting", "optional": false, "followed": 0, "error": null\}' "$OUT"
run_rc cpuguard show; expect_match "waiting in the table" '/gone +1 +- +enforce +waiting +-' "$OUT"
expect_match "status counts it" '"active": 1, "waiting": 1, "unconfined": 0' "$(cpuguard status --json)"
run_rc cpuguard apply /tmp/p.conf; expect_eq "re-apply naming it" 1 $RC
expect_match "re-apply message" '/tmp/p.conf:1: cgroup /gone: no such cgroup' "$OUT"
# Re-created (as systemd does on a restart): confined at once, by the
# kernel side, with no command run.
mkdir $CG/gone
[ "$(stat -c %i $CG/gone)" != "$gone_id" ] || fail "a new cgroup reused the old id"
sleep 1000 & t=$!
echo $t >$CG/gone/cgroup.procs
run_rc affinity set $t 0-3; expect_eq "a new cgroup at the same path is confined with no command run" EPERM "$OUT"
run_rc affinity set $t 1; expect_eq "inside its set" ok "$OUT"
expect_match "shown active, followed once" '"cgroup_id": '$(stat -c %i $CG/gone)', "cpus": "1", "set": null, "mode": "enforce", "strict": false, "state": "active", "optional": false, "followed": 1' "$(cpuguard show --json)"
kill $t

# CPUs taken offline: cpuguard judges against possible CPUs, the kernel
# against online ones.
sleep 1000 & s=$!
echo $s >$CG/stay/cgroup.procs
echo 0 >/sys/devices/system/cpu/cpu2/online
run_rc affinity set $s 1-2; expect_eq "policy CPUs with one offline" ok "$OUT"
expect_eq "kernel keeps only online CPUs" 1 "$(affinity get $s)"
run_rc affinity set $s 2; expect_eq "only an offline CPU of the policy: the kernel refuses" EINVAL "$OUT"
run_rc affinity set $s 3; expect_eq "outside the policy" EPERM "$OUT"
echo 1 >/sys/devices/system/cpu/cpu2/online
run_rc affinity set $s 2; expect_eq "back online" ok "$OUT"
expect_match "status after hotplug" '"entries": 2' "$(cpuguard status --json)"

# unload while a reader follows: it gets the events before the unload and
# then exits 0 by itself.
cpuguard audit --follow --json >/tmp/follow.out 2>/tmp/follow.err &
reader=$!
sleep 1
affinity set $s 0 >/dev/null || true
sleep 1
cpuguard unload >/dev/null || fail "unload"
for i in 1 2 3 4 5 6; do kill -0 $reader 2>/dev/null || break; sleep 1; done
kill -0 $reader 2>/dev/null && fail "reader still running after unload"
wait $reader; expect_eq "reader exit status" 0 $?
expect_match "reader got the event" '"action": "deny", .*"requested": "0"' "$(cat /tmp/follow.out)"
expect_match "reader said why it stopped" 'unloaded' "$(cat /tmp/follow.err)"

# SIGTERM ends a reader with status 0.
cpuguard load >/dev/null
cpuguard audit --follow >/dev/null &
reader=$!
sleep 1
kill -TERM $reader
wait $reader; expect_eq "reader exit status after SIGTERM" 0 $?
kill $s
