#!/usr/bin/env bash
# Set up a fresh Debian bookworm machine (packages, test kernels), build, and
# run the demo in the test VM.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
