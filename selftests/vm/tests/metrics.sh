# cpuguard metrics with cpuguard loaded: the format (checked here with greps;
# promtool and node_exporter check a sample of it on the host, see
# selftests/metrics/), and counters that follow a denial and an audit-mode
# report. The sample between the markers below is what
# selftests/metrics/loaded-sample.prom was captured from.
. /lib/cpuguard-test.sh
cpuguard load >/dev/null || fail "load"
mkdir -p $CG/menf $CG/maud
cat >/tmp/m.conf <<P
cgroup /menf 1-2
cgroup /maud 1 audit
P
cpuguard apply /tmp/m.conf >/dev/null || fail "apply"
sleep 1000 & enf=$!
echo $enf >$CG/menf/cgroup.procs
sleep 1000 & aud=$!
echo $aud >$CG/maud/cgroup.procs

metric() { sed -n "s/^$1 \([0-9]*\)\$/\1/p" "$2"; }
run_rc cpuguard metrics /tmp/before.prom; expect_eq "metrics FILE exit" 0 $RC
expect_eq "loaded" 1 "$(metric cpuguard_loaded /tmp/before.prom)"
expect_eq "policy entries" 2 "$(metric cpuguard_policy_entries /tmp/before.prom)"
grep -qx 'cpuguard_policy_cgroup{cgroup="/menf",mode="enforce"} 1' /tmp/before.prom || fail "no series for /menf"
grep -qx 'cpuguard_policy_cgroup{cgroup="/maud",mode="audit"} 1' /tmp/before.prom || fail "no series for /maud"
pass "one cpuguard_policy_cgroup series per confined cgroup, with its mode"
# Every sample line is NAME[{LABELS}] VALUE, and every family has HELP and TYPE.
bad=$(grep -v '^#' /tmp/before.prom | grep -Ev '^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9]+$' || true)
expect_eq "malformed sample lines" "" "$bad"
for f in $(grep -v '^#' /tmp/before.prom | sed 's/[{ ].*//' | sort -u); do
	grep -q "^# HELP $f " /tmp/before.prom && grep -Eq "^# TYPE $f (gauge|counter)\$" /tmp/before.prom ||
		fail "family $f lacks HELP or TYPE"
done
pass "every family has HELP and TYPE"
for n in checks allowed denied audited reported events dropped errors coalesced; do
	grep -Eq "^cpuguard_${n}_total [0-9]+\$" /tmp/before.prom || fail "no cpuguard_${n}_total"
done
pass "every counter present"

run_rc affinity set $enf 0,3; expect_eq "denied" EPERM "$OUT"
run_rc affinity set $aud 0-3; expect_eq "audited, let through" ok "$OUT"
run_rc affinity set $enf 1; expect_eq "allowed" ok "$OUT"
cpuguard metrics >/tmp/after.prom || fail "metrics to stdout"
for c in "denied 1" "audited 1" "allowed 1" "checks 3" "events 2"; do
	set -- $c
	b=$(metric cpuguard_$1_total /tmp/before.prom) a=$(metric cpuguard_$1_total /tmp/after.prom)
	expect_eq "cpuguard_$1_total grew by" $2 $((a - b))
done
echo "--- metrics sample begin"
cat /tmp/after.prom
echo "--- metrics sample end"
cpuguard unload >/dev/null || fail "unload"
cpuguard metrics >/tmp/unloaded.prom || fail "metrics after unload"
expect_eq "loaded after unload" 0 "$(metric cpuguard_loaded /tmp/unloaded.prom)"
grep -q _total /tmp/unloaded.prom && fail "counters after unload"
pass "no counters once unloaded"
kill $enf $aud
