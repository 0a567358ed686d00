#!/usr/bin/env bash
# Run cpuguard's benchmark (issue #10) and write docs/benchmarks.md with its
# plots: builds the benchmark VM image, boots it once under QEMU (Debian's
# 6.12 kernel, as the VM tests do), runs bench/vm/bench.sh inside it, and
# turns what it printed into the report (bench/report.sh).
#
#   bench/run.sh            the full benchmark (about 10 minutes)
#   bench/run.sh --quick    a short run for trying changes (figures too noisy
#                           to quote); writes to $BUILD/bench/quick/ instead
#
# Environment: BUILD (default build), CPUGUARD_KERNEL_DIR (default
# ~/.cache/cpuguard/kernels, filled by scripts/setup.sh), BENCH_OUT (where
# the report goes; default docs/), BENCH_APPEND (extra kernel command line,
# e.g. cgbench.rounds=15).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
BUILD=${BUILD:-build}
KDIR=${CPUGUARD_KERNEL_DIR:-$HOME/.cache/cpuguard/kernels}
kernel=$KDIR/vmlinuz-6.12
quick=0
[ "${1:-}" = "--quick" ] && quick=1

log() { printf 'bench: %s\n' "$*" >&2; }

[ -r "$kernel" ] || { log "no kernel at $kernel: run scripts/setup.sh"; exit 1; }
command -v gnuplot >/dev/null || { log "gnuplot missing: run scripts/setup.sh (package gnuplot-nox)"; exit 1; }
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
	cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
if ! cmake --build "$BUILD" -j"$(nproc)" --target bench_initramfs; then
	log "cannot build bench_initramfs (is add_subdirectory(bench) in CMakeLists.txt?)"
	exit 1
fi

append=${BENCH_APPEND:-}
out=${BENCH_OUT:-$root/docs}
results=$BUILD/bench/results.txt
if [ "$quick" = 1 ]; then
	append="cgbench.rounds=3 cgbench.calls=5000 cgbench.stats_rounds=2 cgbench.sizes=100,1000 cgbench.reps=1 cgbench.seconds=1 cgbench.drain_rounds=3 $append"
	out=${BENCH_OUT:-$BUILD/bench/quick}
	results=$BUILD/bench/results-quick.txt
fi
mkdir -p "$out" "$(dirname "$results")"

# What it runs on, besides what the VM reports itself.
host=$results.host
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "qemu=$(qemu-system-x86_64 --version | head -n 1)"
	echo "host_cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "host_cpus=$(nproc)"
	echo "host_kernel=$(uname -r)"
	echo "vm_smp=${CPUGUARD_VM_SMP:-4}"
	echo "vm_mem=${CPUGUARD_VM_MEM:-1024}"
	echo "accel=${CPUGUARD_VM_ACCEL:-tcg}"
	echo "kernel_file=$(basename "$(readlink -f "$kernel")")"
	pkg=$(readlink -f "$kernel").pkg
	[ -r "$pkg" ] && sed -n 's/^package=/kernel_package=/p; s/^version=/kernel_version=/p' "$pkg"
	echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$host"

log "booting the benchmark VM (see $results.console if it hangs)"
start=$(date +%s)
# run-vm.sh exits non-zero when the VM did not finish.
CPUGUARD_TEST_TIMEOUT=${CPUGUARD_TEST_TIMEOUT:-1500} CPUGUARD_VM_TIMEOUT=${CPUGUARD_VM_TIMEOUT:-1800} \
	selftests/vm/run-vm.sh "$kernel" "$BUILD/bench/bench-initramfs.cpio.gz" "$results" bench "$append" >&2
{
	echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "wall_seconds=$(($(date +%s) - start))"
} >>"$host"
if ! grep -q '^BENCH-DONE' "$results"; then
	log "the benchmark did not finish; its output:"
	sed -n '/^CPUGUARD-BEGIN bench/,$p' "$results" | tail -n 40 >&2
	exit 1
fi
bench/report.sh "$results" "$host" "$out"
log "wrote $out/benchmarks.md (raw results: $results)"
