#!/usr/bin/env bash
# Run one fuzz target for ctest (selftests/fuzz/CMakeLists.txt).
#   run-fuzz.sh BINARY SECONDS CORPUS_DIR
# SECONDS = 0: run every seed once (regression replay). Otherwise fuzz for
# SECONDS starting from the seeds; new inputs go to a scratch directory next
# to BINARY, never into CORPUS_DIR. Any crash, leak, sanitizer report or
# failed check exits non-zero, and the offending input is printed (od -c)
# and kept as crash-*/leak-*/timeout-* in the scratch directory.
set -uo pipefail
bin=$1 seconds=$2 corpus=$3
name=$(basename "$bin")
here=$(cd "$(dirname "$0")" && pwd)
work=$(dirname "$bin")/fuzz-work/$name
mkdir -p "$work/units"
case $name in
fuzz_policy) opts=(-max_len=12000 "-dict=$here/policy.dict") ;;
fuzz_cpulist) opts=(-max_len=4096 "-dict=$here/cpulist.dict") ;;
*) opts=(-max_len=4096) ;;
esac
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}abort_on_error=0:detect_leaks=1

if [ "$seconds" = 0 ]; then
	n=$(find "$corpus" -type f | wc -l)
	echo "$name: replaying $n seeds from $corpus"
	find "$corpus" -type f -print0 | xargs -0 "$bin" -runs=1 "-artifact_prefix=$work/" >"$work/replay.log" 2>&1
	rc=$?
	tail -n 3 "$work/replay.log"
else
	"$bin" "${opts[@]}" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
		"-artifact_prefix=$work/" "$work/units" "$corpus" >"$work/fuzz.log" 2>&1
	rc=$?
	# The coverage line at the end and the execution count.
	grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$work/fuzz.log" | tail -n 2
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$work/fuzz.log"
fi
if [ "$rc" != 0 ]; then
	echo "$name: FAILED (exit $rc); log: $work/*.log"
	grep -E -A40 'ERROR: |FUZZ CHECK FAILED|runtime error' "$work"/*.log | head -n 80
	for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -f "$f" ] || continue
		echo "--- input $f:"
		od -c "$f" | head -n 40
	done
fi
exit "$rc"
