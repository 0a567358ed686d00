# The 6.12 verifier refuses BPF programs that break the bpf_cpumask
# reference rules cpuguard relies on, with the expected messages, and loads
# the positive controls (docs/reference-rules.md).
. /lib/cpuguard-test.sh
verifier_refusals /progs || fail "verifier refusals"
pass "verifier refusals and positive controls"
