#!/usr/bin/env bash
# Build and run every test:
#   1. the main build's ctest: host unit tests, the install test, and the
#      QEMU VM suites (Debian 6.12 and 7.x, the wide-mask VM, the two
#      kernels cpuguard must refuse, and sid's runc and crun on 6.12 and 7.x);
#   2. scripts/test-sanitizers.sh: the unit tests under ASan + UBSan, and a
#      short libFuzzer run of the policy parser.
#   scripts/test.sh [ctest args...]     e.g. scripts/test.sh -L unit
# With ctest arguments only step 1 runs, filtered.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
cmake --build "$BUILD" -j"$(nproc)" || exit 1
(cd "$BUILD" && ctest --output-on-failure -j"$(nproc)" "$@")
main=$?
[ $# -gt 0 ] && exit $main
bash scripts/test-sanitizers.sh
san=$?
echo "test.sh: ctest exit $main, sanitizers exit $san"
[ $main = 0 ] && [ $san = 0 ]
