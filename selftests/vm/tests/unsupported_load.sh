# On a kernel cpuguard cannot work on, `cpuguard load` refuses with exit 1
# and a short message naming the cause, and changes nothing. Runs only in
# the unsupported-kernel suites (selftests/vm/CMakeLists.txt):
#   vm-6.1    Debian 6.1, which predates the bpf_cpumask kfuncs
#   vm-nolsm  6.12 booted with an lsm= list without bpf
# The case is told apart by the active LSM list.
. /lib/cpuguard-test.sh
lsms=$(cat /sys/kernel/security/lsm)
echo "kernel $(uname -r), active LSMs: $lsms"
case ",$lsms," in
*,bpf,*) why=old-kernel ;;
*) why=no-bpf-lsm ;;
esac
echo "expected cause: $why"

before=$(ls -A /sys/fs/bpf)
run_rc cpuguard load
expect_eq "exit status" 1 "$RC"
lines=$(printf '%s\n' "$OUT" | wc -l)
[ "$lines" -le 4 ] || fail "message is $lines lines long, expected at most 4"
pass "message is $lines line(s)"
case $OUT in
*libbpf* | *verifier* | *"refused the BPF programs"*)
	fail "load got as far as the BPF object instead of refusing up front" ;;
esac

if [ $why = old-kernel ]; then
	# cmd/kernel.c check_kernel_support(): the first missing BTF function.
	expect_match "cause" '^cpuguard: kernel lacks [a-z_]+: cpuguard needs the bpf_cpumask kfuncs' "$OUT"
	expect_match "requirement" '\(Linux 6\.4 or later\)$' "$OUT"
	# Only the first without --verbose, and a count of the rest; all with it.
	expect_match "the rest counted" '^cpuguard: [0-9]+ more missing \(run with --verbose to list them\)$' "$OUT"
	run_rc cpuguard --verbose load
	n=$(printf '%s\n' "$OUT" | grep -c '^cpuguard: kernel lacks ')
	[ "$n" -ge 2 ] || fail "--verbose listed $n missing functions, expected every one"
	pass "--verbose lists $n missing functions"
else
	expect_match "cause" "^cpuguard: BPF LSM is not active \(active LSMs: $lsms\)$" "$OUT"
	expect_match "advice" "^cpuguard: add \"bpf\" to the lsm= boot parameter, e\.g\. lsm=$lsms,bpf$" "$OUT"
fi

# Nothing changed.
[ ! -e /sys/fs/bpf/cpuguard ] || fail "/sys/fs/bpf/cpuguard exists"
pass "/sys/fs/bpf/cpuguard does not exist"
expect_eq "entries under /sys/fs/bpf" "$before" "$(ls -A /sys/fs/bpf)"
run_rc cpuguard status --json
expect_eq "status exit status (not loaded, unsupported)" 1 "$RC"
expect_match "status" '"loaded": false' "$OUT"
expect_match "status" '"kernel_supported": false' "$OUT"
expect_match "status gives the reason" '"reason": "(kernel lacks|BPF LSM is not active)' "$OUT"
expect_match "status lists what is missing" '"missing": \[\{"what": "' "$OUT"
run_rc cpuguard status
expect_match "status text lists it" '^ +(kernel lacks|BPF LSM is not active)' "$OUT"
