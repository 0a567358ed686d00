# `cpuguard apply` killed with SIGKILL at random moments, alternating two
# policies over the same 40 cgroups: after every kill the policy in force,
# as show reports it and as enforcement behaves, is exactly the old one or
# exactly the new one.
. /lib/cpuguard-test.sh
KILLS=${INTERRUPTED_APPLY_KILLS:-200}
cpuguard load >/dev/null || fail "load"
: >/tmp/lo.conf
: >/tmp/hi.conf
echo "set lo 0-1" >>/tmp/lo.conf
for i in $(seq 1 40); do
	mkdir -p $CG/k/c$i
	echo "cgroup /k/c$i lo" >>/tmp/lo.conf
	echo "cgroup /k/c$i 2-3 audit" >>/tmp/hi.conf
done
sleep 1000 & first=$!
echo $first >$CG/k/c1/cgroup.procs
sleep 1000 & last=$!
echo $last >$CG/k/c40/cgroup.procs

uptime_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
cpuguard apply /tmp/hi.conf >/dev/null && hi=$(cpuguard show --json)
# Kill anywhere from before the process starts to a little after a whole
# apply would have finished. Calibrated on the fastest of three applies: one
# slow sample (a busy host) would put most kills after the apply.
best=999999
for f in /tmp/lo.conf /tmp/hi.conf /tmp/lo.conf; do
	t0=$(uptime_ms)
	cpuguard apply $f >/dev/null || fail "apply $f"
	t=$(( $(uptime_ms) - t0 ))
	if [ $t -lt $best ]; then best=$t; fi
done
lo=$(cpuguard show --json)
window=$(( best * 1300 ))
pass "the fastest apply of 40 entries took $best ms; killing within $((window / 1000)) ms"
[ -n "$lo" ] && [ -n "$hi" ] && [ "$lo" != "$hi" ] || fail "reference policies"

# enforced_as lo|hi: how the kernel judges a request for 2-3.
enforced_as() {
	a=$(affinity set $first 2-3)
	b=$(affinity set $last 2-3)
	case "$a$b" in
	EPERMEPERM) echo lo ;;
	okok) echo hi ;;
	*) echo "mixed($a,$b)" ;;
	esac
}

interrupted=0 completed=0
for i in $(seq 1 $KILLS); do
	if [ $((i % 2)) = 1 ]; then file=/tmp/hi.conf; else file=/tmp/lo.conf; fi
	cpuguard apply $file >/dev/null 2>&1 &
	pid=$!
	usleep $((RANDOM * 32768 % window + RANDOM % 1000))
	kill -9 $pid 2>/dev/null || true
	if wait $pid; then completed=$((completed + 1)); else interrupted=$((interrupted + 1)); fi
	shown=$(cpuguard show --json)
	if [ "$shown" = "$lo" ]; then state=lo
	elif [ "$shown" = "$hi" ]; then state=hi
	else fail "kill $i: show reports neither policy: $shown"
	fi
	enforced=$(enforced_as)
	[ "$enforced" = "$state" ] || fail "kill $i: show says $state, enforcement behaves as $enforced"
	# Put the task back for the next round (2-3 may have been allowed).
	affinity set $first 0-3 >/dev/null 2>&1 || true
	affinity set $last 0-3 >/dev/null 2>&1 || true
done
pass "$KILLS kills: $interrupted interrupted mid-apply, $completed after it finished; never empty, never mixed"
[ "$interrupted" -ge $((KILLS / 10)) ] || fail "too few kills landed inside an apply ($interrupted)"
[ "$completed" -ge 1 ] || fail "no apply ever finished: the kill window is too short to switch policies"
expect_match "entries" '"entries": 40' "$(cpuguard status --json)"
kill $first $last
