# Sourced by VM test scripts (installed as /lib/cpuguard-test.sh).
# Each helper prints what it checked, so a failing test's output shows where.
CG=/sys/fs/cgroup

fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	pass "$1 = '$3'"
}

# expect_match WHAT REGEX TEXT
expect_match() {
	printf '%s\n' "$3" | grep -Eq -- "$2" || fail "$1: '$3' does not match /$2/"
	pass "$1 matches /$2/"
}

# run_rc CMD...: run, print output, set $RC and $OUT.
run_rc() {
	# Tests run under sh -e: keep a failing command from ending the test.
	OUT=$("$@" 2>&1) && RC=0 || RC=$?
	printf '%s\n' "$OUT" | sed 's/^/  | /'
	return 0
}

# Create a cgroup and its parents: make_cgroup /a/b. No controller is
# enabled; tests that need cpuset write cgroup.subtree_control themselves.
make_cgroup() { mkdir -p "$CG$1"; }

# start_applies A B: apply the policy files A and B alternately, in the
# background, until stop_applies, which sets $APPLIES to how many ran.
start_applies() {
	rm -f /tmp/applies.stop
	(
		n=0
		while [ ! -e /tmp/applies.stop ]; do
			cpuguard apply "$1" >/dev/null || echo "apply $1 failed"
			cpuguard apply "$2" >/dev/null || echo "apply $2 failed"
			n=$((n + 2))
		done
		echo $n >/tmp/applies
	) &
	APPLIER=$!
}
stop_applies() {
	touch /tmp/applies.stop
	wait $APPLIER
	APPLIES=$(cat /tmp/applies)
	rm -f /tmp/applies.stop /tmp/applies
}

# expect_few_unprovable CALLS: the "errors" counter (requests refused as
# unreadable) stays within 1 in 1,000 of CALLS judged calls. Under full
# preemption a thread can migrate between the capture and the verdict and
# its request is then refused as unprovable (docs/design.md, "Limits"):
# rare, never a grant. The tests' in-set loops are what catch a wrong
# refusal; this catches a flood of unreadable masks.
expect_few_unprovable() {
	local errors
	errors=$(cpuguard status --json | sed -n 's/.*"errors": \([0-9]*\).*/\1/p')
	[ -n "$errors" ] || fail "no errors counter in status"
	[ "$errors" -le $(($1 / 1000)) ] || fail "$errors requests unreadable in $1 calls"
	pass "$errors of $1 requests refused as unreadable"
}
