# Unprivileged users can neither read nor change what cpuguard pinned, and
# the CLI run by them names the missing capability.
. /lib/cpuguard-test.sh
cpuguard load >/dev/null || fail "load"
mkdir -p $CG/p
printf 'cgroup /p 1\n' >/tmp/p.conf
cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
chmod 644 /tmp/p.conf
before=$(cpuguard show --json)
nobody() { run_rc su nobody -s /bin/sh -c "$*"; }

for cmd in "load" "unload" "apply /tmp/p.conf" "show" "status" "audit"; do
	nobody cpuguard $cmd
	expect_eq "nobody: cpuguard $cmd exits" 1 $RC
	expect_match "nobody: cpuguard $cmd names the capability" 'missing capability CAP_[A-Z_]+' "$OUT"
done
nobody cpuguard check /tmp/p.conf
expect_eq "nobody may validate a file" 0 $RC
nobody ls /sys/fs/bpf/cpuguard
expect_match "pin directory closed to others" 'Permission denied' "$OUT"
nobody cat /sys/fs/bpf/cpuguard/policy_map
expect_match "maps closed to others" 'Permission denied' "$OUT"
nobody rm -rf /sys/fs/bpf/cpuguard
[ -e /sys/fs/bpf/cpuguard/link_judge ] || fail "an unprivileged user removed a pin"
expect_eq "unprivileged bpf() disabled" 2 "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)"
expect_eq "policy untouched" "$before" "$(cpuguard show --json)"
sleep 1000 & t=$!
echo $t >$CG/p/cgroup.procs
run_rc affinity set $t 0; expect_eq "still enforced" EPERM "$OUT"
kill $t
