#!/usr/bin/env bash
# #14 item 5 on a host whose kernel lists BPF LSM but refuses to load LSM
# programs (this project's development machines, see KERNEL-NOTES.md):
# `status` must not say "supported", and must name the refusal; `load` must
# refuse up front with the same words, not fail inside libbpf (which then
# blamed `ulimit -l`). Runs in a private mount namespace with securityfs
# mounted there. Skipped (77) where it cannot run or the kernel loads LSM
# programs (nothing to check then).
#   test_kernel_probe.sh PATH/TO/cpuguard
set -u
cg=$1
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
out=$(unshare -m sh -c '
	mount --make-rprivate / 2>/dev/null
	grep -q " /sys/kernel/security " /proc/self/mounts ||
		mount -t securityfs securityfs /sys/kernel/security || exit 77
	grep -qw bpf /sys/kernel/security/lsm || exit 78
	echo "== status"; "$1" status --json
	echo "== load"; "$1" --pin-dir /sys/fs/bpf/cpuguard-probe-test load 2>&1
	echo "== rc $?"' _ "$cg" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/  | /'
[ $rc = 77 ] && { echo "skip: cannot mount securityfs here"; exit 77; }
[ $rc = 78 ] && { echo "skip: BPF LSM not listed on this kernel"; exit 77; }
case $out in
*'"kernel_supported": true'*) echo "skip: this kernel loads LSM programs"; exit 77 ;;
esac
bad=0
printf '%s\n' "$out" | grep -q '"reason": "the kernel refuses BPF LSM programs (' ||
	{ echo "FAIL: status does not name the LSM refusal"; bad=1; }
printf '%s\n' "$out" | grep -q '^cpuguard: the kernel refuses BPF LSM programs (' ||
	{ echo "FAIL: load does not name the LSM refusal"; bad=1; }
printf '%s\n' "$out" | grep -qi 'ulimit\|libbpf' && { echo "FAIL: load went as far as libbpf"; bad=1; }
printf '%s\n' "$out" | grep -q '^== rc 1$' || { echo "FAIL: load did not exit 1"; bad=1; }
[ ! -e /sys/fs/bpf/cpuguard-probe-test ] || { echo "FAIL: load left a pin directory"; bad=1; }
[ $bad = 0 ] && echo "ok: status and load name the refusal"
exit $bad
