# Audit mode, the content of events (JSON and text), the counters, and the
# drop accounting when nobody reads the ring buffer.
. /lib/cpuguard-test.sh
cpuguard load >/dev/null || fail "load"
mkdir -p $CG/enf $CG/aud
cat >/tmp/p.conf <<P
set pair 1-2
cgroup /enf pair
cgroup /aud 1 audit
P
cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
sleep 1000 & enf=$!
echo $enf >$CG/enf/cgroup.procs
sleep 1000 & aud=$!
echo $aud >$CG/aud/cgroup.procs

run_rc affinity set $aud 0-3; expect_eq "audit mode lets it through" ok "$OUT"
expect_eq "audited task's affinity" 0-3 "$(affinity get $aud)"
run_rc affinity set $enf 0,3; expect_eq "enforce mode denies" EPERM "$OUT"
run_rc affinity set $enf 1; expect_eq "allowed request" ok "$OUT"

run_rc cpuguard audit --json; expect_eq "audit exit" 0 $RC
expect_eq "events pending" 2 "$(printf '%s\n' "$OUT" | grep -c '^{')"
first=$(printf '%s\n' "$OUT" | sed -n 1p)
second=$(printf '%s\n' "$OUT" | sed -n 2p)
expect_match "audit event" '^\{"time": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z", "kind": "affinity", "action": "audit", "pid": [0-9]+, "tid": [0-9]+, "comm": "affinity", "target_pid": '$aud', "target_tid": '$aud', "target_comm": "sleep", "cgroup": "/aud", "cgroup_id": '$(stat -c %i $CG/aud)', "policy_cgroup": "/aud", "requested": "0-3", "effective": "0-3", "allowed": "1", "truncated": false, "count": 1\}$' "$first"
expect_match "deny event" '"action": "deny", .*"target_pid": '$enf', "target_tid": '$enf', "target_comm": "sleep", "cgroup": "/enf", .*"requested": "0,3", "effective": "0,3", "allowed": "1-2"' "$second"
run_rc cpuguard audit --json; expect_eq "events are consumed once" "" "$OUT"

# The text form: one readable line per event.
affinity set $enf 3 >/dev/null || true
run_rc cpuguard audit
expect_match "text event" "DENY: affinity\[[0-9]+/[0-9]+\] set affinity of sleep\[$enf/$enf\] in /enf to 3; allowed 1-2" "$OUT"

# Descendants are reported with their own cgroup and the confining one.
mkdir -p $CG/enf/sub
echo $enf >$CG/enf/sub/cgroup.procs
affinity set $enf 0 >/dev/null || true
run_rc cpuguard audit --json
expect_match "descendant event" '"cgroup": "/enf/sub", .*"policy_cgroup": "/enf"' "$OUT"

json=$(cpuguard status --json)
expect_match "counters" '"checks": 5, "allowed": 1, "denied": 3, "audited": 1, "reported": 0, "events": 4, "dropped": 0, "errors": 0, "coalesced": 0, "pending": 0' "$json"

# Flood with nobody reading: the ring fills, every event is accounted for.
# Distinct denials (the masks alternate), so that none is coalesced.
echo $$ >$CG/enf/cgroup.procs
run_rc affinity loop 30000 0-3/0,3 EPERM; expect_eq "flood verdicts" 0 $RC
echo $$ >$CG/cgroup.procs
json=$(cpuguard status --json)
echo "$json"
num() { printf '%s\n' "$json" | sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }
denied=$(num denied) audited=$(num audited) events=$(num events) dropped=$(num dropped)
expect_eq "denied after flood" 30003 "$denied"
expect_eq "nothing coalesced or held" "0 0" "$(num coalesced) $(num pending)"
expect_eq "events + dropped = denied + audited" $((denied + audited)) $((events + dropped))
[ "$dropped" -gt 0 ] || fail "a 30000-event flood should overflow the ring buffer"
pass "dropped $dropped"
# Still responsive, and the pending events can be read.
cpuguard apply /tmp/p.conf >/dev/null || fail "apply after flood"
cpuguard show >/dev/null || fail "show after flood"
pending=$(cpuguard audit --json | grep -c '^{')
expect_eq "pending events = events counted since the last read" $((events - 4)) "$pending"
kill $enf $aud
