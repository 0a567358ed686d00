#!/usr/bin/env bash
# Boot the test VM once and collect every test's result.
#   run-vm.sh KERNEL INITRD RESULTS_FILE [TESTS] [EXTRA_APPEND] [ACCEL] [SMP]
# TESTS is "all" or a comma-separated list of test names. ACCEL is QEMU's
# -accel value for this kernel (default $CPUGUARD_VM_ACCEL, else
# tcg,thread=single); SMP its -smp (default $CPUGUARD_VM_SMP, else 4).
#
# The VM writes results to its second serial port, which lands in
# RESULTS_FILE; the kernel console goes to RESULTS_FILE.console, and what was
# booted how (kernel file, its Debian package from scripts/setup.sh's .pkg
# file, accel, -smp, command line, seconds, date) to RESULTS_FILE.meta. Exits
# non-zero when the VM did not finish its run (panic, hang, timeout): every
# test it did not report then fails on its own in check-result.sh.
#
# Single-threaded TCG by default: under multi-threaded TCG on two host cores
# the guest lost serial output (whole lines, END markers included) in 3 of 4
# runs of a 16,000-line write test and 0 of 4 single-threaded; 7.x and
# -smp 72 boots oopsed (int3 in sched_clock_cpu); and the 6.12 suite ran in
# 80 s instead of 116-143 s. CPUGUARD_VM_ACCEL=tcg gives the vCPUs real
# parallelism again, at those risks.
set -uo pipefail
kernel=$1 initrd=$2 results=$3 tests=${4:-all} extra=${5:-}
: "${CPUGUARD_VM_SMP:=4}"
: "${CPUGUARD_VM_MEM:=1024}"
: "${CPUGUARD_VM_TIMEOUT:=900}"    # whole boot, seconds
: "${CPUGUARD_TEST_TIMEOUT:=240}"  # one test, seconds
: "${CPUGUARD_VM_ACCEL:=tcg,thread=single}"
accel=${6:-$CPUGUARD_VM_ACCEL}
smp=${7:-$CPUGUARD_VM_SMP}

if [ ! -r "$kernel" ]; then
	echo "run-vm: kernel $kernel missing: run scripts/setup.sh" >&2
	exit 1
fi
append="console=ttyS0 quiet panic=-1 oops=panic cpuguard.tests=$tests cpuguard.timeout=$CPUGUARD_TEST_TIMEOUT${extra:+ $extra}"
# x86's COMMAND_LINE_SIZE is 2048: the kernel would cut the rest silently.
if [ ${#append} -ge 2048 ]; then
	echo "run-vm: kernel command line too long (${#append} bytes): shorten the test list" >&2
	exit 1
fi
rm -f "$results" "$results.console" "$results.meta"
start=$(date +%s)
timeout -s KILL "$CPUGUARD_VM_TIMEOUT" qemu-system-x86_64 \
	-machine q35 -accel "$accel" -cpu max \
	-m "$CPUGUARD_VM_MEM" -smp "$smp" \
	-display none -no-reboot -monitor none \
	-serial "file:$results.console" -serial "file:$results" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "$append"
rc=$?
seconds=$(($(date +%s) - start))
kfile=$(readlink -f "$kernel")
{
	echo "kernel_file=$kfile"
	[ -r "$kfile.pkg" ] && cat "$kfile.pkg"
	echo "accel=$accel"
	echo "smp=$smp"
	echo "append=$append"
	echo "qemu_rc=$rc"
	echo "seconds=$seconds"
	echo "date=$(date -u +%Y-%m-%d)"
} >"$results.meta"
echo "run-vm: $(basename "$kfile") -accel $accel -smp $smp: VM ran $seconds s (qemu exit $rc)"
# The serial line turns \n into \r\n.
[ -f "$results" ] && sed -i 's/\r$//' "$results"
if ! grep -q '^CPUGUARD-VM-DONE' "$results" 2>/dev/null; then
	echo "run-vm: the VM did not finish (qemu exit $rc); last console lines:" >&2
	tail -n 30 "$results.console" >&2
	exit 1
fi
grep '^CPUGUARD-VM-START' "$results"
grep '^CPUGUARD-END' "$results"
exit 0
