# The benchmark (bench/, issue #10) still runs: every part of cgbench, very
# short. It checks that each part runs and reports, not the figures: those
# come from bench/run.sh. The lines it prints are also what the host-side
# test bench-report turns into a report, so bench/report.sh is checked too.
. /lib/cpuguard-test.sh
command -v cgbench >/dev/null || fail "cgbench is not in the VM image"

# run_bench NAME ARGS...: run cgbench, keep its output in $OUT and print it.
run_bench() {
	name=$1
	shift
	OUT=$(cgbench "$@" 2>&1) && RC=0 || RC=$?
	printf '%s\n' "$OUT"
	expect_eq "cgbench $name exit status" 0 "$RC"
}
has() { printf '%s\n' "$OUT" | grep -Eq -- "$2" || fail "$1: no line matching /$2/"; pass "$1"; }

echo "PARAMS rounds=2 calls=300 stats_rounds=1 sizes=10,100 reps=1 threads=2 seconds=0.3 drain_rounds=2"
run_bench lat lat --rounds 2 --calls 300
for r in allowed/nobpf unconfined/nobpf denied/nobpf cpuset/nobpf empty/nobpf empty2/nobpf \
	depth16/depth1 getppid_cg/getppid; do
	has "ratio $r" "^RATIO num=${r%/*} den=${r#*/} median=[0-9.]+ "
done

run_bench stats stats --rounds 1 --calls 300
has "judge statistics" '^STATSUM config=allowed prog=judge_affinity_request ns_per_run=[1-9]'
has "capture statistics" '^STATSUM config=allowed prog=capture_affinity_0 ns_per_run=[1-9]'

run_bench audit audit --threads 2 --seconds 0.3 --reader cli
has "audit accounting exact" '^AUDIT reader=cli .* exact=yes'
run_bench audit_repeat audit --threads 2 --seconds 0.3 --reader cli --pattern repeat
has "repetitive flood coalesced, accounting exact" '^AUDIT reader=cli pattern=repeat .* exact=yes'

# The reader's drain of a full ring buffer: every event of every round
# reaches the file, and the drops while it was stopped are counted.
run_bench drain drain --threads 2 --rounds 2
has "drain round timed" '^DRAIN round=1 events=[1-9][0-9]* dropped=[1-9][0-9]* lines=[1-9][0-9]* seconds=[0-9.]+ rate=[1-9]'
has "drain accounting exact" '^DRAIN_SUM rounds=2 .* exact=yes'

run_bench fmt fmt --calls 300
has "reader profile" '^FMT step=total ns_per_event=[0-9]+'

run_bench apply apply --sizes 10,100 --reps 1
has "apply 100 entries" '^APPLY entries=100 form=inline rep=0 apply_ms=[0-9.]+'
expect_eq "cgroups left behind" "" "$(ls -d $CG/bench $CG/bench-cpuset $CG/apply 2>/dev/null)"
