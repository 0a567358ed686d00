# Masks wider than one 64-bit word, in a VM with 72 possible CPUs: CPUs
# above 63 are judged, bits beyond the possible CPUs are ignored, events
# and show print them. Runs only in the wide suite (-smp 72).
. /lib/cpuguard-test.sh
expect_eq "possible CPUs" 0-71 "$(cat /sys/devices/system/cpu/possible)"
cpuguard load >/dev/null || fail "load"
mkdir -p $CG/high $CG/split
printf 'cgroup /high 64-71\ncgroup /split 1,70\n' >/tmp/p.conf
cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
expect_match "show" '"cgroup": "/high", .*"cpus": "64-71"' "$(cpuguard show --json)"
expect_match "show" '"cgroup": "/split", .*"cpus": "1,70"' "$(cpuguard show --json)"

sleep 1000 & h=$!
echo $h >$CG/high/cgroup.procs
sleep 1000 & s=$!
echo $s >$CG/split/cgroup.procs
run_rc affinity set $h 64-71; expect_eq "second word, inside" ok "$OUT"
run_rc affinity set $h 65; expect_eq "one CPU above 63" ok "$OUT"
run_rc affinity set $h 63; expect_eq "first word, outside" EPERM "$OUT"
run_rc affinity set $h 0,65; expect_eq "both words, one outside" EPERM "$OUT"
run_rc affinity set $h 65,100; expect_eq "a bit beyond the possible CPUs is ignored" ok "$OUT"
expect_eq "kernel applied the possible part" 65 "$(affinity get $h)"
run_rc affinity set $s 1,70; expect_eq "one CPU in each word" ok "$OUT"
run_rc affinity set $s 70; expect_eq "only the second word" ok "$OUT"
run_rc affinity set $s 69,70; expect_eq "second word, one outside" EPERM "$OUT"
run_rc affinity set $s 1-2; expect_eq "first word, one outside" EPERM "$OUT"
cpuguard audit --json >/tmp/ev
expect_match "event with CPUs above 63" '"requested": "0,65", "effective": "0,65", "allowed": "64-71", "truncated": false' "$(cat /tmp/ev)"
expect_match "event across words" '"requested": "69-70", "effective": "69-70", "allowed": "1,70"' "$(cat /tmp/ev)"
kill $h $s
