# Apply on a host with nohz_full CPUs (issue #19): the kernel refuses
# membarrier(MEMBARRIER_CMD_GLOBAL) there, and apply must still wait for a
# real grace period before freeing the old policy, never sleep instead.
# Runs in the 6.12-nohz suite (nohz_full=1-3); with swap_stress and
# interrupted_apply in the same boot.
. /lib/cpuguard-test.sh
expect_eq "nohz_full CPUs" 1-3 "$(cat /sys/devices/system/cpu/nohz_full)"
run_rc affinity membarrier
expect_eq "membarrier(GLOBAL) refused" EINVAL "$OUT"
cpuguard load >/dev/null || fail "load"
mkdir -p $CG/a
printf 'cgroup /a 1\n' >/tmp/a.conf
printf 'cgroup /a 2\n' >/tmp/b.conf
for i in 1 2 3 4 5; do
	run_rc cpuguard apply /tmp/a.conf
	expect_eq "apply a ($i)" 0 $RC
	case $OUT in *"cannot wait"*) fail "apply could not wait for a grace period";; esac
	run_rc cpuguard apply /tmp/b.conf
	expect_eq "apply b ($i)" 0 $RC
	case $OUT in *"cannot wait"*) fail "apply could not wait for a grace period";; esac
done
# Only the generation in force remains: the old one was freed each time.
expect_match "one entry shown" '"cgroup": "/a"' "$(cpuguard show --json)"
sleep 1000 & pid=$!
echo $pid >$CG/a/cgroup.procs
run_rc affinity set $pid 2; expect_eq "policy b in force" ok "$OUT"
run_rc affinity set $pid 1; expect_eq "policy a gone" EPERM "$OUT"
kill $pid
cpuguard unload >/dev/null
