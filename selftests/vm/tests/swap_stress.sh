# Policies replaced as fast as apply can run while sched_setaffinity calls
# are judged: a policy mask released by an apply must never be misread by a
# check running at that moment. /s alternates between 0-2 and 1-3; a request
# for 1-2 lies inside both, a request for 0-3 inside neither.
. /lib/cpuguard-test.sh
CALLS=${SWAP_STRESS_CALLS:-100000}
cpuguard load >/dev/null || fail "load"
mkdir -p $CG/s
printf 'set low 0-2\ncgroup /s low\n' >/tmp/a.conf
printf 'cgroup /s 1-3\n' >/tmp/b.conf
cpuguard apply /tmp/a.conf >/dev/null

start_applies /tmp/b.conf /tmp/a.conf

echo $$ >$CG/s/cgroup.procs
run_rc affinity loop $CALLS 1-2 ok; inside=$RC
run_rc affinity loop $((CALLS / 2)) 0-3 EPERM; outside=$RC
echo $$ >$CG/cgroup.procs
stop_applies
expect_eq "requests inside both policies all allowed" 0 $inside
expect_eq "requests outside both policies all denied" 0 $outside
[ "$APPLIES" -ge 4 ] || fail "only $APPLIES applies ran during the stress"
pass "$APPLIES applies during $((CALLS + CALLS / 2)) judged calls"
expect_few_unprovable $((CALLS + CALLS / 2))

# Harsher: swap /s between the two masks thousands of times a second and
# release each replaced mask at once, with no grace-period wait: checks
# running then read masks being released, and must still judge right.
# Every swap creates a mask and frees the one before; set_create re-updates
# an existing hash entry, whose old value Linux 7.2+ may recycle with its
# kptr still in it. A reference leaked per swap would be hundreds of MB.
mem_kb() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
sync; echo 3 >/proc/sys/vm/drop_caches
mem_before=$(mem_kb)
policy_churn /sys/fs/bpf/cpuguard $(stat -c %i $CG/s) 0-2 1-3 8 >/tmp/churn &
churn=$!
echo $$ >$CG/s/cgroup.procs
run_rc affinity loop $CALLS 1-2 ok; inside=$RC
run_rc affinity loop $((CALLS / 2)) 0-3 EPERM; outside=$RC
echo $$ >$CG/cgroup.procs
wait $churn || fail "policy_churn"
expect_eq "churn: inside both, all allowed" 0 $inside
expect_eq "churn: outside both, all denied" 0 $outside
swaps=$(sed -n 's/ swaps//p' /tmp/churn)
[ "$swaps" -ge 1000 ] || fail "only $swaps swaps"
pass "$swaps mask swaps and releases during $((CALLS + CALLS / 2)) judged calls"
sleep 1 # let RCU free the last masks
sync; echo 3 >/proc/sys/vm/drop_caches
lost_kb=$((mem_before - $(mem_kb)))
pass "MemAvailable before and after the churn differs by $lost_kb kB"
[ "$lost_kb" -lt $((20 * 1024)) ] || fail "$lost_kb kB lost over $swaps swaps: masks are leaking"
expect_few_unprovable $((2 * (CALLS + CALLS / 2)))
