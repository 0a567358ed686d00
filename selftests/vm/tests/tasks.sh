# cpuguard tasks: threads of confined cgroups that run outside their set
# (started wide before the apply, or moved in after it) are listed, in text
# and exactly in JSON, counted by apply and narrowed by --narrow; threads
# inside their set and unconfined threads never are; a kernel thread whose
# affinity the kernel fixes is reported with the reason.
. /lib/cpuguard-test.sh
expect_eq "VM CPUs" 0-3 "$(cat /sys/devices/system/cpu/online)"
cpuguard load >/dev/null || fail "load"
esc=$(printf 'e\033')                      # a cgroup name to escape
mkdir -p $CG/tk/sub "$CG/tk/$esc" $CG/tkfree
id() { stat -c %i "$CG$1"; }

run_rc cpuguard tasks; expect_eq "no policy: exit" 0 $RC
expect_eq "no policy: says" "no thread runs outside its set" "$OUT"
run_rc cpuguard tasks extra; expect_eq "argument: usage error" 2 $RC
run_rc cpuguard tasks --follow; expect_eq "--follow: usage error" 2 $RC
run_rc cpuguard show --narrow; expect_eq "--narrow elsewhere: usage error" 2 $RC

# Before the policy: a process of three threads (the main one wide, one set
# to 0, which meets nothing of 1-2, one to 2-3), a wide thread in a cgroup
# whose name needs escaping, one inside the set, one wide but unconfined.
threads 3 "$(printf 'w\033k\351')" >/tmp/thr &
until [ -s /tmp/thr ]; do sleep 0.1; done
read p t1 t2 </tmp/thr
echo $p >$CG/tk/sub/cgroup.procs
affinity set $t1 0 >/dev/null || fail "set $t1 to 0"
affinity set $t2 2-3 >/dev/null || fail "set $t2 to 2-3"
sleep 1000 & ew=$!
echo $ew >"$CG/tk/$esc/cgroup.procs"
sleep 1000 & in=$!
affinity set $in 1 >/dev/null
echo $in >$CG/tk/cgroup.procs
sleep 1000 & fr=$!
echo $fr >$CG/tkfree/cgroup.procs

printf 'cgroup /tk 1-2\n' >/tmp/p.conf
run_rc cpuguard apply /tmp/p.conf; expect_eq "apply" 0 $RC
expect_eq "apply: first line" "applied /tmp/p.conf: 1 cgroup" "$(printf '%s\n' "$OUT" | sed -n 1p)"
expect_eq "apply: count" "4 threads run outside their set: see 'cpuguard tasks'" "$(printf '%s\n' "$OUT" | sed -n 2p)"
# With more entries than the system has threads, apply counts from /proc
# (each thread's cgroup path) instead of walking the confined cgroups: the
# same four. The waiting entries hold no thread.
nthr=$(cut -d' ' -f4 /proc/loadavg | cut -d/ -f2)
{ echo 'cgroup /tk 1-2'; for i in $(seq 0 $nthr); do echo "cgroup /absent/a$i 1-2 optional"; done; } >/tmp/many.conf
run_rc cpuguard apply /tmp/many.conf; expect_eq "apply, more entries than threads" 0 $RC
expect_eq "apply, more entries than threads: count" "4 threads run outside their set: see 'cpuguard tasks'" "$(printf '%s\n' "$OUT" | sed -n 2p)"
run_rc cpuguard apply /tmp/p.conf; expect_eq "apply again" 0 $RC

run_rc cpuguard tasks; expect_eq "tasks: exit with threads outside" 1 $RC
expect_match "header" '^PID +TID +COMM +CGROUP +AFFINITY +ALLOWED +POLICY +MODE$' "$(printf '%s\n' "$OUT" | sed -n 1p)"
expect_match "escaped cgroup, started wide" "^$ew +$ew +sleep +/tk/e\\\\x1b +0-3 +1-2 +/tk +enforce$" "$(printf '%s\n' "$OUT" | sed -n 2p)"
expect_match "main thread, wide" "^$p +$p +threads +/tk/sub +0-3 +1-2 +/tk +enforce$" "$(printf '%s\n' "$OUT" | sed -n 3p)"
expect_match "thread on 0, escaped comm" "^$p +$t1 +w\\\\x1bk\\\\xe9 +/tk/sub +0 +1-2 +/tk +enforce$" "$(printf '%s\n' "$OUT" | sed -n 4p)"
expect_match "thread on 2-3" "^$p +$t2 +w\\\\x1bk\\\\xe9 +/tk/sub +2-3 +1-2 +/tk +enforce$" "$(printf '%s\n' "$OUT" | sed -n 5p)"
expect_eq "summary" "4 threads run outside their set" "$(printf '%s\n' "$OUT" | sed -n 6p)"
expect_eq "nothing else" 6 "$(printf '%s\n' "$OUT" | wc -l)"

obj() { # PID TID COMM CGROUP-JSON CGROUP-PATH AFFINITY OUTSIDE
	printf '{"pid": %s, "tid": %s, "comm": "%s", "cgroup": "%s", "cgroup_id": %s, "policy_cgroup": "/tk", "policy_cgroup_id": %s, "mode": "enforce", "affinity": "%s", "allowed": "1-2", "outside": "%s"' \
		"$1" "$2" "$3" "$4" "$(id "$5")" "$(id /tk)" "$6" "$7"
}
wk='w\u001bk\u00e9'
want="[$(obj $ew $ew sleep '/tk/e\u001b' "/tk/$esc" 0-3 0,3)}, $(obj $p $p threads /tk/sub /tk/sub 0-3 0,3)}, $(obj $p $t1 "$wk" /tk/sub /tk/sub 0 0)}, $(obj $p $t2 "$wk" /tk/sub /tk/sub 2-3 3)}]"
run_rc cpuguard tasks --json; expect_eq "tasks --json: exit" 1 $RC
expect_eq "tasks --json" "$want" "$OUT"

run_rc cpuguard tasks --narrow; expect_eq "narrow: exit" 0 $RC
expect_eq "narrow: escaped cgroup" "narrowed $ew/$ew sleep in /tk/e\\x1b: 0-3 -> 1-2 (allowed 1-2 by /tk)" "$(printf '%s\n' "$OUT" | sed -n 1p)"
expect_eq "narrow: wide" "narrowed $p/$p threads in /tk/sub: 0-3 -> 1-2 (allowed 1-2 by /tk)" "$(printf '%s\n' "$OUT" | sed -n 2p)"
expect_eq "narrow: disjoint gets the set" "narrowed $p/$t1 w\\x1bk\\xe9 in /tk/sub: 0 -> 1-2 (allowed 1-2 by /tk)" "$(printf '%s\n' "$OUT" | sed -n 3p)"
expect_eq "narrow: intersection" "narrowed $p/$t2 w\\x1bk\\xe9 in /tk/sub: 2-3 -> 2 (allowed 1-2 by /tk)" "$(printf '%s\n' "$OUT" | sed -n 4p)"
expect_eq "narrow: summary" "4 threads narrowed, 0 could not be changed, 0 exited" "$(printf '%s\n' "$OUT" | sed -n 5p)"
for x in "$ew 1-2" "$p 1-2" "$t1 1-2" "$t2 2" "$in 1" "$fr 0-3"; do
	set -- $x
	expect_eq "affinity of $1 now" "$2" "$(affinity get $1)"
done
run_rc cpuguard tasks; expect_eq "after narrow: exit" 0 $RC
expect_eq "after narrow" "no thread runs outside its set" "$OUT"
run_rc cpuguard tasks --json; expect_eq "after narrow --json" "[]" "$OUT"
run_rc cpuguard tasks --narrow; expect_eq "narrow with nothing to do: exit" 0 $RC
run_rc cpuguard apply /tmp/p.conf; expect_eq "apply with none outside says one line" "applied /tmp/p.conf: 1 cgroup" "$OUT"

# Moved into a confined cgroup after the apply.
sleep 1000 & mv=$!
echo $mv >$CG/tk/sub/cgroup.procs
run_rc cpuguard tasks --json; expect_eq "moved in: exit" 1 $RC
expect_eq "moved in: listed" "[$(obj $mv $mv sleep /tk/sub /tk/sub 0-3 0,3)}]" "$OUT"
run_rc cpuguard tasks --narrow --json; expect_eq "moved in: narrow exit" 0 $RC
expect_eq "moved in: narrow --json" "[$(obj $mv $mv sleep /tk/sub /tk/sub 0-3 0,3), \"result\": \"narrowed\", \"narrow_to\": \"1-2\", \"affinity_after\": \"1-2\", \"error\": null}]" "$OUT"
expect_eq "moved in: affinity now" 1-2 "$(affinity get $mv)"
run_rc cpuguard tasks; expect_eq "none left" 0 $RC

# Unconfined threads are never listed, however wide.
case " $(cat $CG/tkfree/cgroup.threads | tr '\n' ' ') " in *" $fr "*) ;; *) fail "$fr not in /tkfree" ;; esac
expect_eq "unconfined wide thread kept" 0-3 "$(affinity get $fr)"

# An io_uring worker (io-wq): created while its process ran wide, it keeps
# that affinity when the process is moved in and narrows its main thread.
# Kernels that mark io-wq workers PF_NO_SETAFFINITY refuse to change it;
# later ones (6.12 and 7.x among them) accept.
iou_worker /tmp/fifo >/tmp/iou &
until [ -s /tmp/iou ]; do sleep 0.1; done
read ip iw </tmp/iou
[ "$ip" = unsupported ] || { echo $ip >$CG/tk/sub/cgroup.procs; affinity set $ip 1 >/dev/null; }
if [ "$ip" = unsupported ]; then
	echo "io_uring unavailable here (errno $iw): io_uring worker not tried"
else
	flags=$(sed 's/.*) //' /proc/$iw/stat | cut -d' ' -f7)
	expect_eq "the worker is an io worker (PF_IO_WORKER)" 16 $((flags & 16))
	run_rc cpuguard tasks; expect_eq "io_uring worker: exit" 1 $RC
	expect_match "io_uring worker listed" "^$ip +$iw +iou-wrk-$ip +/tk/sub +0-3 +1-2 +/tk +enforce$" "$OUT"
	expect_eq "only the worker (its process is inside)" 3 "$(printf '%s\n' "$OUT" | wc -l)"
	run_rc cpuguard tasks --narrow
	if [ $((flags & 0x4000000)) -ne 0 ]; then
		expect_eq "io_uring worker with PF_NO_SETAFFINITY: exit" 1 $RC
		expect_eq "io_uring worker reported" "cannot narrow $ip/$iw iou-wrk-$ip in /tk/sub: 0-3 -> 1-2: io_uring worker: affinity is fixed by the kernel (PF_NO_SETAFFINITY)" "$(printf '%s\n' "$OUT" | sed -n 1p)"
		expect_eq "io_uring worker unchanged" 0-3 "$(affinity get $iw)"
	else
		expect_eq "io_uring worker without PF_NO_SETAFFINITY: exit" 0 $RC
		expect_eq "io_uring worker narrowed" "narrowed $ip/$iw iou-wrk-$ip in /tk/sub: 0-3 -> 1-2 (allowed 1-2 by /tk)" "$(printf '%s\n' "$OUT" | sed -n 1p)"
		expect_eq "io_uring worker now" 1-2 "$(affinity get $iw)"
	fi
	kill $ip
fi

# Kernel threads: confine the root cgroup to 0-2 (audit mode, so nothing is
# refused meanwhile). The per-CPU kernel threads of CPU 3 are then outside
# and the kernel fixes their affinity (PF_NO_SETAFFINITY). Every thread of
# the root cgroup, and of every other, gets narrowed: save every thread's
# affinity to restore it.
for t in /proc/[0-9]*/task/[0-9]*; do echo "${t##*/} $(affinity get ${t##*/})"; done >/tmp/aff.saved
ks=
for d in /proc/[0-9]*; do [ "$(cat $d/comm 2>/dev/null)" = ksoftirqd/3 ] && ks=${d#/proc/}; done
[ -n "$ks" ] || fail "no ksoftirqd/3"
printf 'cgroup / 0-2 audit\ncgroup /tk 1-2\n' >/tmp/root.conf
run_rc cpuguard apply /tmp/root.conf; expect_eq "apply confining /" 0 $RC
expect_match "apply counts the root's threads" "^[0-9]+ threads run outside their set: see 'cpuguard tasks'$" "$(printf '%s\n' "$OUT" | sed -n 2p)"
# Counted from /proc (more entries than threads), the same number.
counted=$(printf '%s\n' "$OUT" | sed -n 2p)
{ cat /tmp/root.conf; for i in $(seq 0 $nthr); do echo "cgroup /absent/a$i 1-2 optional"; done; } >/tmp/many.conf
run_rc cpuguard apply /tmp/many.conf; expect_eq "apply confining /, many entries" 0 $RC
expect_eq "root's threads counted from /proc" "$counted" "$(printf '%s\n' "$OUT" | sed -n 2p)"
run_rc cpuguard apply /tmp/root.conf; expect_eq "apply confining / again" 0 $RC
run_rc cpuguard tasks; expect_eq "root confined: exit" 1 $RC
expect_match "kernel thread listed" "^$ks +$ks +ksoftirqd/3 +/ +3 +0-2 +/ +audit$" "$OUT"
run_rc cpuguard tasks --narrow; expect_eq "narrow with a kernel thread: exit" 1 $RC
expect_match "kernel thread reported" "^cannot narrow $ks/$ks ksoftirqd/3 in /: 3 -> 0-2: kernel thread: affinity is fixed by the kernel \(PF_NO_SETAFFINITY\)$" "$OUT"
expect_match "the others narrowed" "^narrowed 1/1 " "$OUT"
expect_eq "kernel thread unchanged" 3 "$(affinity get $ks)"
run_rc cpuguard tasks --narrow --json; expect_eq "again, --json: exit" 1 $RC
expect_match "kernel thread reported in JSON" "\"tid\": $ks, \"comm\": \"ksoftirqd/3\", \"cgroup\": \"/\", \"cgroup_id\": 1, \"policy_cgroup\": \"/\", \"policy_cgroup_id\": 1, \"mode\": \"audit\", \"affinity\": \"3\", \"allowed\": \"0-2\", \"outside\": \"3\", \"result\": \"failed\", \"narrow_to\": \"0-2\", \"affinity_after\": null, \"error\": \"kernel thread: affinity is fixed by the kernel \(PF_NO_SETAFFINITY\)\"\}" "$OUT"

cpuguard unload >/dev/null
while read t l; do affinity set $t $l >/dev/null 2>&1 || true; done </tmp/aff.saved
kill $p $ew $in $fr $mv
