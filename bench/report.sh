#!/usr/bin/env bash
# Turn the benchmark VM's output into docs/benchmarks.md and its plots.
#   bench/report.sh RESULTS HOSTINFO OUTDIR [TEST]
# RESULTS: a run-vm.sh results file; the lines of its test TEST (default
# bench: bench/vm/bench.sh; bench_smoke for the short CI version) are used.
# HOSTINFO: key=value lines bench/run.sh wrote about the host (may be
# missing). Writes OUTDIR/benchmarks.md, OUTDIR/benchmarks-latency.png and
# OUTDIR/benchmarks-apply.png. Needs awk and gnuplot only.
set -euo pipefail
results=$1 host=$2 out=$3 test=${4:-bench}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

# Only the benchmark's own lines (the VM's console chatter is elsewhere).
awk -v t="$test" '$1 == "CPUGUARD-BEGIN" && $2 == t { on = 1 } on { print } $1 == "CPUGUARD-END" && $2 == t { exit }' \
	"$results" >"$tmp/r.txt"
for kind in CONFIG RATIO STATSUM AUDIT DRAIN_SUM FMT APPLY; do
	grep -q "^$kind " "$tmp/r.txt" || { echo "report: no $kind lines from test $test in $results" >&2; exit 1; }
done

awk -v HOST="$host" -v TMP="$tmp" -f "$here/report.awk" "$tmp/r.txt" >"$out/benchmarks.md"

nobpf_us=$(sed -n 's/^nobpf_us=//p' "$tmp/vars")
apply_ymax=$(sed -n 's/^apply_ymax=//p' "$tmp/vars")
apply_ymin=$(sed -n 's/^apply_ymin=//p' "$tmp/vars")
gnuplot <<EOF
set terminal pngcairo size 1100,520 font "DejaVu Sans,10" noenhanced
set output "$out/benchmarks-latency.png"
set title "sched_setaffinity() latency relative to no BPF (no BPF = 1, median ${nobpf_us} us in the VM)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set yrange [0:*]
set ylabel "latency / no BPF (median of per-round ratios)"
set xtics rotate by -35 scale 0
set grid ytics
set key top left
set arrow from graph 0, first 1.20 to graph 1, first 1.20 nohead dt 2 lw 1.5 lc rgb "#c00000"
set arrow from graph 0, first 1.15 to graph 1, first 1.15 nohead dt 3 lw 1.5 lc rgb "#e07000"
plot "$tmp/lat.dat" using 2:xtic(1) title "median" lc rgb "#4472c4", \
     "" using 3 title "p99" lc rgb "#a5a5a5", \
     NaN with lines dt 2 lw 1.5 lc rgb "#c00000" title "target: confined, allowed <= 1.20", \
     NaN with lines dt 3 lw 1.5 lc rgb "#e07000" title "target: unconfined <= 1.15"
EOF
gnuplot <<EOF
set terminal pngcairo size 900,520 font "DejaVu Sans,10" noenhanced
set output "$out/benchmarks-apply.png"
set title "cpuguard apply: wall time by number of cgroup entries"
set logscale xy
set xlabel "cgroup entries in the policy"
set ylabel "ms"
set grid
set key bottom right
set xrange [50:20000]
set yrange [$apply_ymin:$apply_ymax]
set arrow from 10000, graph 0 to 10000, graph 1 nohead dt 3 lc rgb "#888888"
set samples 2
plot 1000 with lines dt 2 lw 1.5 lc rgb "#c00000" title "target: 10,000 entries within 1 s", \
     "$tmp/apply-set.dat" using 1:2 with linespoints lw 2 pt 7 title "apply, one named set", \
     "$tmp/apply-inline.dat" using 1:2 with linespoints lw 2 pt 5 title "apply, CPU list per entry", \
     "$tmp/apply-set.dat" using 1:3 with linespoints dt 2 pt 6 title "check (parse + resolve), named set", \
     "$tmp/apply-inline.dat" using 1:3 with linespoints dt 2 pt 4 title "check, CPU list per entry"
EOF
