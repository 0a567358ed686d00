# The depth memo (issue #17): each cgroup remembers, per policy version,
# the level of its nearest confined ancestor. Every check below would come
# out wrong if a memo outlived the policy it was computed for: a task 20
# levels deep is judged, then apply changes which ancestor confines it
# (nearer, farther, none, back), it moves between cgroups, and a stress
# alternates two policies under which a stale memo would allow a request
# that both policies deny.
. /lib/cpuguard-test.sh
CALLS=${DEPTH_MEMO_CALLS:-2000}
APPLIES=${DEPTH_MEMO_APPLIES:-60}
cpuguard load >/dev/null || fail "load"
deep=/m
for i in $(seq 1 20); do
	deep=$deep/l$i
	[ $i = 10 ] && mid=$deep
	[ $i = 15 ] && low=$deep
done
mkdir -p $CG$deep $CG/free $CG/m2
apply() { printf "$1" >/tmp/memo.conf; cpuguard apply /tmp/memo.conf >/dev/null || fail "apply: $1"; }
# judge WHAT CPUS EXPECTED: twice, so that the second call uses the memo.
judge() {
	run_rc affinity set $t $2; expect_eq "$1 ($2), first" "$3" "$OUT"
	run_rc affinity set $t $2; expect_eq "$1 ($2), again" "$3" "$OUT"
}

sleep 1000 & t=$!
echo $t >$CG$deep/cgroup.procs
apply 'cgroup /m 1-2\n'
judge "20 levels below /m" 1 ok
judge "20 levels below /m" 0 EPERM
judge "20 levels below /m" 1-2 ok

# A nearer ancestor confined by the next apply: the memo names /m.
apply "cgroup /m 1-2\ncgroup $mid 2\n"
judge "nearer ancestor added" 1 EPERM
judge "nearer ancestor added" 2 ok
apply "cgroup /m 1-2\ncgroup $mid 2\ncgroup $low 2\n"
judge "an even nearer one" 1 EPERM
judge "an even nearer one" 2 ok
# Only the middle one left: wider than the old nearest.
apply "cgroup $mid 1-3\n"
judge "/m removed, middle widened" 3 ok
judge "/m removed, middle widened" 0 EPERM
# No confined ancestor at all, then one again: a memo of "none" must go.
apply 'cgroup /m2 3\n'
judge "no confined ancestor" 0-3 ok
apply 'cgroup /m2 3\ncgroup /m 1\n'
judge "confined again" 0-3 EPERM
judge "confined again" 1 ok
# The cgroup itself confined.
apply "cgroup /m 1-2\ncgroup $deep 1\n"
judge "own cgroup" 2 EPERM
judge "own cgroup" 1 ok

# Moves: the memo belongs to the cgroup, not to the task.
apply 'cgroup /m 1-2\ncgroup /m2 3\n'
judge "before moving" 0-3 EPERM
echo $t >$CG/free/cgroup.procs
judge "moved to an unconfined cgroup" 0-3 ok
echo $t >$CG/m2/cgroup.procs
judge "moved to /m2" 3 ok
judge "moved to /m2" 1 EPERM
echo $t >$CG$mid/cgroup.procs
judge "moved into the middle" 1 ok
judge "moved into the middle" 3 EPERM
echo $t >$CG$deep/cgroup.procs
judge "moved back down" 3 EPERM
kill $t; wait $t || true

# A new cgroup under a memoized one sees its ancestors' policy.
mkdir $CG$deep/new
sleep 1000 & t=$!
echo $t >$CG$deep/new/cgroup.procs
judge "a cgroup created after the memo" 0 EPERM
judge "a cgroup created after the memo" 2 ok
kill $t; wait $t || true
rmdir $CG$deep/new

# Stress. A: /m confined to 1. B: /m to 0-3 and the middle to 1. A task
# 20 levels deep asking for 0 is denied under both; judged under B with
# A's memo (level 1, /m) it would be allowed.
printf 'cgroup /m 1\n' >/tmp/a.conf
printf "cgroup /m 0-3\ncgroup $mid 1\n" >/tmp/b.conf
cpuguard apply /tmp/a.conf >/dev/null || fail "apply a"
rm -f /tmp/memo-stop /tmp/memo-applies
(
	n=0
	while [ ! -e /tmp/memo-stop ]; do
		cpuguard apply /tmp/b.conf >/dev/null || echo "apply b failed"
		cpuguard apply /tmp/a.conf >/dev/null || echo "apply a failed"
		n=$((n + 2))
		echo $n >/tmp/memo-applies.new && mv /tmp/memo-applies.new /tmp/memo-applies
	done
) &
swapper=$!
echo $$ >$CG$deep/cgroup.procs
outside=0 inside=0 calls=0
while [ "$(cat /tmp/memo-applies 2>/dev/null || echo 0)" -lt $APPLIES ]; do
	run_rc affinity loop $CALLS 0 EPERM; [ $RC = 0 ] || outside=$((outside + 1))
	run_rc affinity loop $CALLS 1 ok; [ $RC = 0 ] || inside=$((inside + 1))
	calls=$((calls + 2 * CALLS))
done
echo $$ >$CG/cgroup.procs
touch /tmp/memo-stop
wait $swapper
applies=$(cat /tmp/memo-applies)
expect_eq "stress: batches in which 0 was not always denied" 0 $outside
expect_eq "stress: batches in which 1 was not always allowed" 0 $inside
pass "$applies applies during $calls judged calls"
expect_few_unprovable $calls

rm -f /tmp/memo-stop /tmp/memo-applies
cpuguard unload >/dev/null || fail "unload"
