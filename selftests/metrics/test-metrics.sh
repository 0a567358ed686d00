#!/usr/bin/env bash
# host.metrics: the output of 'cpuguard metrics' on this host (cpuguard not
# loaded: the host kernel cannot run it) and a sample of the loaded output
# captured in the VM, each
#   - accepted by 'promtool check metrics' (Debian's prometheus package),
#   - read by a real prometheus-node-exporter's textfile collector from a
#     file the CLI wrote, scraped over loopback (node_exporter 1.5 serves the
#     Prometheus text format 0.0.4 only, whatever the scraper asks for).
#   test-metrics.sh CPUGUARD LOADED_SAMPLE
set -uo pipefail
cpuguard=$1 sample=$2
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
die() { echo "FAIL: $*"; exit 1; }
for t in promtool prometheus-node-exporter curl; do
	command -v $t >/dev/null || die "$t not found: install prometheus, prometheus-node-exporter and curl (scripts/setup.sh)"
done
[ "$(id -u)" = 0 ] || die "needs root ('cpuguard metrics' checks capabilities)"

tmp=$(mktemp -d)
ne_pid=
cleanup() {
	[ -n "$ne_pid" ] && kill "$ne_pid" 2>/dev/null && wait "$ne_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
dir=$tmp/textfile
mkdir "$dir"

# --- what the CLI writes ----------------------------------------------------
# A pin directory that holds nothing: 'not loaded' whatever this host runs.
"$cpuguard" metrics --pin-dir "$tmp/nothing-pinned" "$dir/cpuguard.prom" ||
	die "cpuguard metrics FILE failed"
[ -s "$dir/cpuguard.prom" ] && pass "cpuguard metrics wrote $dir/cpuguard.prom" || die "no metrics file"
[ "$(stat -c %a "$dir/cpuguard.prom")" = 644 ] && pass "mode 0644 (node_exporter runs unprivileged)" ||
	fail "mode $(stat -c %a "$dir/cpuguard.prom")"
ls "$dir" | grep -q tmp && fail "temporary file left behind: $(ls "$dir")"
"$cpuguard" metrics --pin-dir "$tmp/nothing-pinned" >"$tmp/stdout.prom" || fail "cpuguard metrics to stdout failed"
cmp -s "$tmp/stdout.prom" "$dir/cpuguard.prom" && pass "stdout and FILE agree" || fail "stdout and FILE differ"
cat "$dir/cpuguard.prom"

if out=$(promtool check metrics <"$dir/cpuguard.prom" 2>&1); then
	pass "promtool check metrics: not-loaded output${out:+ ($out)}"
else
	fail "promtool check metrics (not loaded): $out"
fi
grep -qx 'cpuguard_loaded 0' "$dir/cpuguard.prom" && pass "cpuguard_loaded 0" || fail "no 'cpuguard_loaded 0'"
grep -qx 'cpuguard_policy_entries 0' "$dir/cpuguard.prom" && pass "cpuguard_policy_entries 0" || fail "no entries"
grep -Eq '^cpuguard_build_info\{version="[^"]+"\} 1$' "$dir/cpuguard.prom" && pass "build info" || fail "no build info"
grep -q '_total' "$dir/cpuguard.prom" && fail "counters present although not loaded"

# The loaded sample (captured in the VM by tests/metrics.sh after denials).
if out=$(promtool check metrics <"$sample" 2>&1); then
	pass "promtool check metrics: loaded sample${out:+ ($out)}"
else
	fail "promtool check metrics (loaded sample): $out"
fi
# Every counter of lsm/cpuguard.h's CPUGUARD_COUNTERS is in the sample.
hdr=$(dirname "$0")/../../lsm/cpuguard.h
names=$(sed -n 's/^[[:space:]]*X([A-Z_]*, \([a-z_]*\),.*/\1/p' "$hdr")
[ -n "$names" ] || fail "cannot read CPUGUARD_COUNTERS from $hdr"
for n in $names; do
	grep -Eq "^cpuguard_${n}_total [0-9]+$" "$sample" && pass "sample has cpuguard_${n}_total" ||
		fail "sample lacks cpuguard_${n}_total (regenerate it: see selftests/vm/tests/metrics.sh)"
done

# --- node_exporter reads the files --------------------------------------------
# Only the textfile collector, on a loopback port; retry if the port is taken.
for try in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 20000))
	prometheus-node-exporter --web.listen-address=127.0.0.1:$port \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$dir" >"$tmp/ne.log" 2>&1 &
	ne_pid=$!
	for i in $(seq 50); do
		curl -sf "http://127.0.0.1:$port/metrics" -o "$tmp/scrape.txt" && break
		kill -0 $ne_pid 2>/dev/null || break
		sleep 0.1
	done
	[ -s "$tmp/scrape.txt" ] && break
	kill $ne_pid 2>/dev/null; wait $ne_pid 2>/dev/null; ne_pid=
done
[ -s "$tmp/scrape.txt" ] || { cat "$tmp/ne.log"; die "node_exporter did not serve /metrics"; }
pass "node_exporter $(prometheus-node-exporter --version 2>&1 | head -1 | awk '{print $3}') serves 127.0.0.1:$port"
grep -qx 'node_textfile_scrape_error 0' "$tmp/scrape.txt" && pass "textfile collector: no scrape error" ||
	fail "textfile scrape error: $(grep -i textfile "$tmp/scrape.txt"; cat "$tmp/ne.log")"
grep -q 'node_textfile_mtime_seconds{file=".*cpuguard.prom"}' "$tmp/scrape.txt" &&
	pass "textfile collector read cpuguard.prom" || fail "no node_textfile_mtime_seconds for cpuguard.prom"
grep -qx 'cpuguard_loaded 0' "$tmp/scrape.txt" && pass "scraped cpuguard_loaded 0 from the file the CLI wrote" ||
	fail "scrape lacks cpuguard_loaded 0: $(grep cpuguard_ "$tmp/scrape.txt")"
grep -q '^# HELP cpuguard_loaded ' "$tmp/scrape.txt" && pass "HELP text kept" || fail "HELP lost"
out=$(promtool check metrics <"$tmp/scrape.txt" 2>&1) && pass "promtool accepts the scrape" ||
	fail "promtool on the scrape: $out"

# The collector reads the file again at every scrape: replace it, as the
# timer does, with the loaded sample.
cp "$sample" "$dir/.cpuguard.tmp" && mv "$dir/.cpuguard.tmp" "$dir/cpuguard.prom"
curl -sf -D "$tmp/headers.txt" "http://127.0.0.1:$port/metrics" -o "$tmp/scrape.txt" || fail "second scrape failed"
grep -qi '^content-type: text/plain; version=0.0.4' "$tmp/headers.txt" && pass "served as text/plain; version=0.0.4" ||
	fail "content type: $(grep -i content-type "$tmp/headers.txt")"
grep -qx 'node_textfile_scrape_error 0' "$tmp/scrape.txt" && pass "loaded sample: no scrape error" ||
	fail "loaded sample: textfile scrape error: $(cat "$tmp/ne.log")"
grep -qx 'cpuguard_loaded 1' "$tmp/scrape.txt" && pass "scraped cpuguard_loaded 1" || fail "no cpuguard_loaded 1"
grep -Eq '^cpuguard_denied_total [1-9][0-9]*$' "$tmp/scrape.txt" && pass "scraped cpuguard_denied_total" ||
	fail "scrape lacks cpuguard_denied_total"
grep -Eq '^cpuguard_policy_cgroup\{cgroup="[^"]+",mode="(audit|enforce)"\} 1$' "$tmp/scrape.txt" &&
	pass "scraped cpuguard_policy_cgroup{cgroup,mode}" || fail "scrape lacks cpuguard_policy_cgroup"
grep -q '^# HELP cpuguard_checks_total ' "$tmp/scrape.txt" && grep -q '^# TYPE cpuguard_checks_total counter$' "$tmp/scrape.txt" &&
	pass "counter HELP and TYPE kept" || fail "counter HELP/TYPE lost"
# promtool agrees with what node_exporter re-exports.
out=$(promtool check metrics <"$tmp/scrape.txt" 2>&1) && pass "promtool accepts the scrape" ||
	fail "promtool on the scrape: $out"

if [ $failures -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all metrics checks passed"
