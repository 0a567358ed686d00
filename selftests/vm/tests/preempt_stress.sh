# Verdicts under preemption (issue #13): two threads of one confined task on
# one CPU, one asking for a CPU inside its set, the other for one outside,
# preempting each other inside cpuguard's programs. Run on every kernel
# flavour of the suite: 7.x (PREEMPT_LAZY), 6.12 booted with preempt=full,
# 6.12 voluntary. Targets: no out-of-set request granted, at most 1 in
# 100,000 in-set requests refused.
. /lib/cpuguard-test.sh
SECONDS_RUN=20
mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
echo "preemption: $(cat /sys/kernel/debug/sched/preempt 2>/dev/null || echo unknown)"
cpuguard load >/dev/null || fail "load"
mkdir -p $CG/stress
printf 'cgroup /stress 1-2\n' >/tmp/p.conf
cpuguard apply /tmp/p.conf >/dev/null || fail "apply"

sh -c "echo \$\$ >$CG/stress/cgroup.procs; exec preempt_stress $SECONDS_RUN 1 0" >/tmp/stress.out
RC=$?
cat /tmp/stress.out
line=$(grep '^STRESS ' /tmp/stress.out)
val() { printf '%s\n' "$line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
in_calls=$(val in_calls) in_refused=$(val in_refused) out_calls=$(val out_calls)
expect_eq "out-of-set requests granted" 0 "$(val out_granted)"
expect_eq "other errors" 0 "$(val other_errors)"
[ "$in_calls" -ge 10000 ] || fail "too few in-set calls to measure: $in_calls"
[ "$out_calls" -ge 10000 ] || fail "too few out-of-set calls to measure: $out_calls"
[ $((in_refused * 100000)) -le "$in_calls" ] ||
	fail "in-set requests refused: $in_refused of $in_calls (more than 1 in 100,000)"
pass "in-set refused: $in_refused of $in_calls (at most 1 in 100,000)"
json=$(cpuguard status --json)
echo "$json"
num() { printf '%s\n' "$json" | sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }
# errors: requests whose record could not be proven this syscall's. Each is
# a refusal: an in-set one counts above, an out-of-set one is denied anyway.
errors=$(num errors)
[ "$errors" -ge "$in_refused" ] || fail "errors $errors < in-set refusals $in_refused"
pass "errors (unprovable records, all refused): $errors"
# The helper's first call moves it onto CPU IN: one more check.
expect_eq "checks = the calls made" $((in_calls + out_calls + 1)) "$(num checks)"
expect_eq "denied = out-of-set calls + refused in-set calls" $((out_calls + in_refused)) "$(num denied)"
# How often the kernel skipped a capture copy meanwhile: each was a chance
# to misjudge, and none may have turned into a grant.
echo "FIGURES kernel=$(uname -r) preempt=$(cat /sys/kernel/debug/sched/preempt 2>/dev/null | tr ' ' _) in_calls=$in_calls in_refused=$in_refused out_calls=$out_calls out_granted=0 errors=$errors capture_skips=$(num capture_skips)"
cpuguard unload >/dev/null
