#!/usr/bin/env bash
# The host unit tests under AddressSanitizer + UndefinedBehaviorSanitizer,
# then a short libFuzzer run of the policy library (selftests/fuzz/).
#
#   scripts/test-sanitizers.sh
#
# Two build directories, both with clang-19 and apart from the normal gcc
# build (scripts/test.sh):
#   $SAN_BUILD  (default build-sanitizers): the whole project configured with
#               -fsanitize=address,undefined -fno-sanitize-recover=all and
#               built; `ctest -L unit` runs the unit tests there. Any ASan
#               report (leaks included) or UB fails the test. -Werror is off
#               here: clang's warnings are not what this build checks.
#   $FUZZ_BUILD (default build-fuzz): selftests/fuzz, a standalone project;
#               `ctest` replays each target's seed corpus, then fuzzes each
#               target for $CPUGUARD_FUZZ_SECONDS (default 20; three targets,
#               two at a time: about 40 s).
# The runtime comes from Debian's libclang-rt-19-dev (scripts/setup.sh).
# Prints "sanitizers: N passed, M failed" and exits non-zero on any build or
# test failure.
set -uo pipefail
cd "$(dirname "$0")/.."
SAN_BUILD=${SAN_BUILD:-build-sanitizers}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
CC_SAN=${CC_SAN:-clang-19}
: "${CPUGUARD_FUZZ_SECONDS:=20}"
jobs=$(nproc)

passed=0 failed=0
log() { printf 'test-sanitizers: %s\n' "$*" >&2; }
# tally LOG: add ctest's "N tests failed out of M" to the totals.
tally() {
	local line nfail total
	line=$(grep -E 'tests? failed out of [0-9]+' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		failed=$((failed + 1)) # ctest itself failed: count it as one
		return
	fi
	nfail=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
	total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
	passed=$((passed + total - nfail))
	failed=$((failed + nfail))
}
finish() {
	echo "sanitizers: $passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

if ! command -v "$CC_SAN" >/dev/null; then
	log "$CC_SAN not found: run scripts/setup.sh"
	failed=1
	finish
fi

# ---- unit tests under ASan + UBSan ----
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
log "configuring $SAN_BUILD ($CC_SAN, $SAN)"
mkdir -p "$SAN_BUILD" "$FUZZ_BUILD"
if ! CC=$CC_SAN cmake -S . -B "$SAN_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCPUGUARD_WERROR=OFF \
	"-DCMAKE_C_FLAGS=$SAN" "-DCMAKE_EXE_LINKER_FLAGS=$SAN" >"$SAN_BUILD/configure.log" 2>&1; then
	cat "$SAN_BUILD/configure.log" >&2
	log "configure failed"
	failed=$((failed + 1))
	finish
fi
# Everything is built (some unit tests, such as unit.install, use the CLI).
if ! cmake --build "$SAN_BUILD" -j"$jobs"; then
	log "sanitizer build failed"
	failed=$((failed + 1))
	finish
fi
ctest --test-dir "$SAN_BUILD" -L unit --output-on-failure -j"$jobs" 2>&1 | tee "$SAN_BUILD/unit.log"
tally "$SAN_BUILD/unit.log"

# ---- fuzz smoke ----
log "configuring $FUZZ_BUILD (selftests/fuzz, ${CPUGUARD_FUZZ_SECONDS} s per target)"
if ! cmake -S selftests/fuzz -B "$FUZZ_BUILD" -DCMAKE_C_COMPILER="$CC_SAN" \
	-DCPUGUARD_FUZZ_SECONDS="$CPUGUARD_FUZZ_SECONDS" >"$FUZZ_BUILD/configure.log" 2>&1 ||
	! cmake --build "$FUZZ_BUILD" -j"$jobs"; then
	cat "$FUZZ_BUILD/configure.log" >&2
	log "fuzz build failed"
	failed=$((failed + 1))
	finish
fi
# The fuzzers set their own sanitizer options.
unset ASAN_OPTIONS UBSAN_OPTIONS
ctest --test-dir "$FUZZ_BUILD" -L fuzz --output-on-failure -j"$jobs" 2>&1 | tee "$FUZZ_BUILD/fuzz.log"
for f in "$FUZZ_BUILD"/fuzz-work/*/fuzz.log; do
	[ -f "$f" ] || continue
	printf '%s: %s\n' "$(basename "$(dirname "$f")")" "$(grep -E '^#[0-9]+[[:space:]]+DONE' "$f" | tail -n 1)"
done
tally "$FUZZ_BUILD/fuzz.log"
finish
