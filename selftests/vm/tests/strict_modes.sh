# The mode words end to end (policy file -> apply -> kernel): a request for
# all CPUs in cgroups whose cpuset (1-2) equals the policy, under each mode.
# The default and "audit strict" lines rely on the kernel side's
# effective-request judgment and mode flags (issue #15); the strict line
# also held with a kernel side that judged every request raw.
. /lib/cpuguard-test.sh
cpuguard load >/dev/null || fail "load"
echo +cpuset >$CG/cgroup.subtree_control
for c in sm-default sm-strict sm-audit-strict; do
	mkdir -p $CG/$c
	echo 1-2 >$CG/$c/cpuset.cpus
done
cat >/tmp/p.conf <<P
cgroup /sm-default 1-2
cgroup /sm-strict 1-2 strict
cgroup /sm-audit-strict 1-2 audit strict
P
cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
sleep 1000 & pid_default=$!
echo $pid_default >$CG/sm-default/cgroup.procs
sleep 1000 & pid_strict=$!
echo $pid_strict >$CG/sm-strict/cgroup.procs
sleep 1000 & pid_audit_strict=$!
echo $pid_audit_strict >$CG/sm-audit-strict/cgroup.procs

run_rc affinity set $pid_strict 0-3; expect_eq "strict: all CPUs refused" EPERM "$OUT"
expect_eq "strict: affinity unchanged" 1-2 "$(affinity get $pid_strict)"
run_rc cpuguard audit --json
expect_match "strict: reported" '"action": "deny", .*"cgroup": "/sm-strict", .*"requested": "0-3", "effective": "[0-9,-]*", "allowed": "1-2"' "$OUT"
strict_event=$OUT

run_rc affinity set $pid_default 0-3; expect_eq "default: all CPUs allowed, narrowed" ok "$OUT"
expect_eq "default: affinity" 1-2 "$(affinity get $pid_default)"

run_rc affinity set $pid_audit_strict 0-3; expect_eq "audit strict: allowed" ok "$OUT"
run_rc cpuguard audit --json
expect_match "audit strict: reported" '"action": "audit", .*"cgroup": "/sm-audit-strict", .*"requested": "0-3", "effective": "0-3", "allowed": "1-2"' "$OUT"
run_rc cpuguard audit --json
expect_eq "default: nothing reported" "" "$OUT"
# A strict verdict does not read the cpuset: "effective" is the request.
expect_match "strict: the effective CPUs reported" '"effective": "0-3"' "$strict_event"
kill $pid_default $pid_strict $pid_audit_strict
