#!/usr/bin/env bash
# Set up a fresh Debian bookworm machine (packages, test kernels), build, and
# run the demo in the test VM: load cpuguard, apply
# policy/examples/demo.conf, an allowed taskset, a denied one, and the audit
# event the denial produced.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
results=$BUILD/demo-results.txt
echo "Booting the demo VM (Debian's 6.12 kernel under QEMU)..."
selftests/vm/run-vm.sh "${CPUGUARD_KERNEL_DIR:-$HOME/.cache/cpuguard/kernels}/vmlinuz-6.12" \
	"$BUILD/selftests/vm/initramfs.cpio.gz" "$results" demo >/dev/null
selftests/vm/check-result.sh "$results" demo | grep -v '^CPUGUARD-' | grep -v '^ok: '
