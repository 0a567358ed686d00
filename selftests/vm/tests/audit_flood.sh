# Audit under a flood (issue #17): repeats of one denial are coalesced into
# events carrying a count, held counts are sent when the flood stops, and
# the accounting is exact: sum(count) + dropped == denied + audited.
. /lib/cpuguard-test.sh
cpuguard load >/dev/null || fail "load"
mkdir -p $CG/fl $CG/fa
cat >/tmp/fl.conf <<P
cgroup /fl 0-2
cgroup /fa 0-2 audit
P
cpuguard apply /tmp/fl.conf >/dev/null || fail "apply"

st() { cpuguard status --json; }
num() { printf '%s\n' "$1" | sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p"; }
# sum of "count" over the JSON lines of file $1
sumcount() { sed -n 's/.*"count": \([0-9]*\)}$/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }'; }
# every delivered or dropped denial, against every denial and audit
check_identity() { # WHAT STATUS_JSON SUM_OF_COUNTS
	local d=$(num "$2" denied) a=$(num "$2" audited) r=$(num "$2" reported) dr=$(num "$2" dropped)
	local e=$(num "$2" events) c=$(num "$2" coalesced) p=$(num "$2" pending)
	expect_eq "$1: events + coalesced + dropped + pending = denied + audited + reported" \
		$((d + a + r)) $((e + c + dr + p))
	[ -z "$3" ] || expect_eq "$1: sum(count) + dropped = denied + audited + reported" $((d + a + r)) $(($3 + dr))
}

# 1. A short burst of one repeated denial, nobody reading: one event, the
# rest held; the reader sends the held count before it prints.
echo $$ >$CG/fl/cgroup.procs
run_rc affinity loop 5000 0,3 EPERM; expect_eq "burst verdicts: all denied" 0 $RC
echo $$ >$CG/cgroup.procs
s=$(st)
expect_eq "burst: one event, 4999 held" "5000 1 0 4999" \
	"$(num "$s" denied) $(num "$s" events) $(num "$s" coalesced) $(num "$s" pending)"
check_identity "burst (held)" "$s"
cpuguard audit --json >/tmp/burst.jsonl || fail "audit"
expect_eq "burst: two lines" 2 "$(grep -c '^{' /tmp/burst.jsonl)"
expect_match "burst: first event alone" '"requested": "0,3", .*"count": 1}$' "$(sed -n 1p /tmp/burst.jsonl)"
expect_match "burst: then the repeats" '"requested": "0,3", .*"count": 4999}$' "$(sed -n 2p /tmp/burst.jsonl)"
s=$(st)
expect_eq "burst: nothing held after the read" 0 "$(num "$s" pending)"
check_identity "burst" "$s" "$(sumcount /tmp/burst.jsonl)"

# 2. A following reader sends a held count when no repeat comes: the
# window (1 s) closes, the reader's periodic flush sends it.
cpuguard audit --follow --json --output /tmp/follow.jsonl & rd=$!
sleep 1
echo $$ >$CG/fl/cgroup.procs
affinity loop 1000 1,3 EPERM >/dev/null || fail "1000 denials"
echo $$ >$CG/cgroup.procs
for i in $(seq 40); do
	[ "$(sumcount /tmp/follow.jsonl)" = 1000 ] && break
	sleep 0.1
done
expect_eq "follow: 1000 denials delivered while the reader runs" 1000 "$(sumcount /tmp/follow.jsonl)"
expect_eq "follow: in two events" 2 "$(grep -c '^{' /tmp/follow.jsonl)"

# 3. A repetitive flood from 3 threads (3 processes) with the reader
# following: almost every denial arrives in a count, all are accounted.
b=$(st)
echo $$ >$CG/fl/cgroup.procs
loops=
for c in 0,3 1,3 2,3; do affinity loop 60000 $c EPERM >/dev/null & loops="$loops $!"; done
for p in $loops; do wait $p || fail "a repetitive loop"; done
echo $$ >$CG/cgroup.procs
kill -TERM $rd; wait $rd || fail "the reader failed"
s=$(st)
denied=$(($(num "$s" denied) - $(num "$b" denied)))
events=$(($(num "$s" events) - $(num "$b" events)))
expect_eq "flood: denied" 180000 $denied
expect_eq "flood: nothing held once the reader stopped" 0 "$(num "$s" pending)"
check_identity "after the follow reader" "$s" "$(($(sumcount /tmp/follow.jsonl) + $(sumcount /tmp/burst.jsonl)))"
[ "$events" -lt 1000 ] || fail "flood: $events events for 180000 repeated denials"
pass "flood: 180000 denials in $events events, dropped $(($(num "$s" dropped) - $(num "$b" dropped)))"

# 4. Audit mode (would-deny) coalesces the same way.
echo $$ >$CG/fa/cgroup.procs
run_rc affinity loop 3000 0-3 ok; expect_eq "audit mode lets them through" 0 $RC
echo $$ >$CG/cgroup.procs
cpuguard audit --json >/tmp/aud.jsonl || fail "audit"
expect_eq "audit mode: two events" 2 "$(grep -c '"action": "audit"' /tmp/aud.jsonl)"
expect_eq "audit mode: 3000 would-be denials counted" 3000 "$(sumcount /tmp/aud.jsonl)"
s=$(st)
check_identity "audit mode" "$s" "$(($(sumcount /tmp/follow.jsonl) + $(sumcount /tmp/burst.jsonl) + $(sumcount /tmp/aud.jsonl)))"

# 5. Distinct denials (each request differs from the one before): nothing
# to coalesce; the reader writes every event to a file, and what the ring
# buffer could not hold is counted as dropped, exactly.
b=$(st)
cpuguard audit --follow --json --output /tmp/distinct.jsonl & rd=$!
sleep 1
echo $$ >$CG/fl/cgroup.procs
loops=
for c in 0,3/1,3 1,3/2,3 0,3/2,3; do affinity loop 30000 $c EPERM >/dev/null & loops="$loops $!"; done
t0=$(date +%s)
for p in $loops; do wait $p || fail "a distinct loop"; done
t1=$(date +%s)
echo $$ >$CG/cgroup.procs
sleep 0.5
kill -TERM $rd; wait $rd || fail "the reader failed"
s=$(st)
lines=$(grep -c '^{' /tmp/distinct.jsonl)
dropped=$(($(num "$s" dropped) - $(num "$b" dropped)))
events=$(($(num "$s" events) - $(num "$b" events)))
expect_eq "distinct: denied" 90000 $(($(num "$s" denied) - $(num "$b" denied)))
expect_eq "distinct: nothing coalesced" "$(num "$b" coalesced)" "$(num "$s" coalesced)"
expect_eq "distinct: every event sent is in the file" $events $lines
expect_eq "distinct: lines + dropped = denials" 90000 $((lines + dropped))
pass "distinct: $lines events written, $dropped dropped, in about $((t1 - t0)) s"
