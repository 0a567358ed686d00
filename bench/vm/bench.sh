# The full benchmark, run by bench/run.sh in its own VM boot (the test VM's
# /init runs it as a test). Prints "KIND key=value" lines that
# bench/report.sh turns into docs/benchmarks.md. Parameters can be changed
# on the kernel command line: cgbench.rounds= cgbench.calls=
# cgbench.stats_rounds= cgbench.sizes= cgbench.reps= cgbench.threads=
# cgbench.seconds= cgbench.drain_rounds=; cgbench.phases=audit,drain runs
# only those phases (names as in the PHASE lines; all when unset).
. /lib/cpuguard-test.sh
rounds=15 calls=20000 stats_rounds=5 sizes=100,1000,10000 reps=5 threads=3 seconds=3 drain_rounds=9 phases=
for arg in $(cat /proc/cmdline); do
	case $arg in
	cgbench.rounds=*) rounds=${arg#*=} ;;
	cgbench.calls=*) calls=${arg#*=} ;;
	cgbench.stats_rounds=*) stats_rounds=${arg#*=} ;;
	cgbench.sizes=*) sizes=${arg#*=} ;;
	cgbench.reps=*) reps=${arg#*=} ;;
	cgbench.threads=*) threads=${arg#*=} ;;
	cgbench.seconds=*) seconds=${arg#*=} ;;
	cgbench.drain_rounds=*) drain_rounds=${arg#*=} ;;
	cgbench.phases=*) phases=${arg#*=} ;;
	esac
done

cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
echo "VMENV kernel=$(uname -r) online=$(cat /sys/devices/system/cpu/online) possible=$(cat /sys/devices/system/cpu/possible) clocksource=$(cat $cs) mem_kb=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)"
echo "VMCPU $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "PARAMS rounds=$rounds calls=$calls stats_rounds=$stats_rounds sizes=$sizes reps=$reps threads=$threads seconds=$seconds drain_rounds=$drain_rounds"

# Progress also goes to the kernel console: it survives a guest crash.
export CGBENCH_TRACE=1
# want PHASE: whether cgbench.phases= asks for it.
want() {
	[ -z "$phases" ] || case ",$phases," in *",$1,"*) true ;; *) false ;; esac
}
phase() {
	want "$1" || return 0
	echo "PHASE $1 start"
	t0=$(date +%s)
	shift
	"$@" || fail "cgbench $*"
	echo "PHASE_END seconds=$(($(date +%s) - t0))"
}

# perf, when bench/run.sh found it on the host and put it into the image:
# where the time goes in a confined, allowed call and in the largest apply.
perf=
if command -v perf >/dev/null; then
	perf=/tmp/perf
	mkdir -p $perf
	echo 0 >/proc/sys/kernel/kptr_restrict
	echo -1 >/proc/sys/kernel/perf_event_paranoid
	echo 1 >/proc/sys/net/core/bpf_jit_kallsyms # JITed programs by name
fi
# profile WHAT COMM DATA [TIME]: the top symbols of COMM's samples (in the
# time window TIME, "start,end" in seconds) as PROFILE lines.
profile() {
	perf report -i "$3" --stdio --no-children --comm "$2" --sort sym --percentage relative \
		${4:+--time "$4"} -g none --percent-limit 0.5 2>/dev/null |
		awk -v w="$1" '$1 ~ /%$/ && $1 + 0 >= 0.5 { p = $1; sub(/%/, "", p); $1 = ""; $2 = ""; sub(/^ +/, ""); print "PROFILE what=" w " pct=" p " sym=" $0 }'
	perf report -i "$3" --stdio --no-children --sort comm --percentage relative ${4:+--time "$4"} -g none 2>/dev/null |
		awk -v w="$1" -v c="$2" '$1 ~ /%$/ && $2 == c { p = $1; sub(/%/, "", p); print "PROFILE_SHARE what=" w " comm=" c " pct=" p }'
}

phase latency cgbench lat --rounds "$rounds" --calls "$calls"
phase stats cgbench stats --rounds "$stats_rounds" --calls "$calls"
if [ -n "$perf" ] && want profile_latency; then
	echo "PHASE profile_latency start"
	for c in nobpf allowed; do
		window=$(cgbench spin $c $perf/lat-$c.data --seconds 3 | sed -n 's/^SPIN .* start=\([0-9.]*\) end=\([0-9.]*\)$/\1,\2/p')
		[ -n "$window" ] || fail "cgbench spin $c"
		profile "latency_$c" cgbench $perf/lat-$c.data "$window"
		rm -f $perf/lat-$c.data
	done
	echo "PHASE_END seconds=0"
fi
phase audit cgbench audit --threads "$threads" --seconds "$seconds" --reader cli --pattern distinct
phase audit_repeat cgbench audit --threads "$threads" --seconds "$seconds" --reader cli --pattern repeat
phase audit_null cgbench audit --threads "$threads" --seconds "$seconds" --reader null --pattern distinct
phase audit_raw cgbench audit --threads "$threads" --seconds "$seconds" --reader raw --pattern distinct
phase drain cgbench drain --threads "$threads" --rounds "$drain_rounds"
phase reader_profile cgbench fmt --calls "$calls"
# Where the reader's time goes while it drains a full ring buffer: its
# samples (--pid) in the drains' time windows only (not its start-up, nor
# its idle checks between rounds).
if [ -n "$perf" ] && want profile_drain; then
	echo "PHASE profile_drain start"
	t0=$(date +%s)
	perf record -q -a -F 1999 -e cpu-clock -k CLOCK_MONOTONIC -o $perf/drain.data -- \
		cgbench drain --threads "$threads" --rounds 5 >$perf/drain.out 2>&1 || fail "cgbench drain under perf"
	rpid=$(sed -n 's/^DRAIN_READER pid=\([0-9]*\)$/\1/p' $perf/drain.out)
	windows=$(sed -n 's/^DRAIN round=.* window=\([0-9.,]*\)$/\1/p' $perf/drain.out | tr '\n' ' ')
	[ -n "$rpid" ] && [ -n "$windows" ] || fail "cgbench drain did not name its reader or its windows"
	perf report -i $perf/drain.data --stdio --no-children --pid "$rpid" --time "${windows% }" --sort dso,sym \
		--percentage relative -g none --percent-limit 0.5 2>/dev/null |
		awk '$1 ~ /%$/ && $1 + 0 >= 0.5 { p = $1; sub(/%/, "", p); d = $2; $1 = ""; $2 = ""; $3 = ""; sub(/^ +/, ""); print "PROFILE what=drain pct=" p " dso=" d " sym=" $0 }'
	rm -f $perf/drain.data
	echo "PHASE_END seconds=$(($(date +%s) - t0))"
fi
CGBENCH_PERF=$perf phase apply cgbench apply --sizes "$sizes" --reps "$reps"
if [ -n "$perf" ]; then
	for f in $perf/apply-*.data; do
		[ -e "$f" ] || continue
		w=$(basename "$f" .data)
		profile "$w" cpuguard "$f"
	done
fi
echo "BENCH-DONE"
