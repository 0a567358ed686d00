#!/usr/bin/env bash
# host.journal: the entries of 'cpuguard audit --journal' as a real
# systemd-journald stores them. journald is started for the test in a
# private mount namespace with /run and /var/log/journal on fresh tmpfs, so
# the host's journal (if any) is neither read nor written; JOURNAL_SEND
# sends four made-up events through cmd/journal.c and libsystemd; journalctl
# -o json reads them back.
#   test-journal.sh JOURNAL_SEND
set -uo pipefail
send=$1
journald=/lib/systemd/systemd-journald
for t in unshare journalctl jq; do
	command -v $t >/dev/null || { echo "FAIL: $t not found (scripts/setup.sh installs it)"; exit 1; }
done
[ -x $journald ] || { echo "FAIL: no $journald (package systemd)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "FAIL: needs root (a mount namespace, journald)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Inside the namespace: start journald, send, dump as JSON, stop journald.
unshare -m --propagation private bash -s "$send" "$journald" "$tmp" <<'NS'
set -u
send=$1 journald=$2 tmp=$3
mount -t tmpfs tmpfs /run || exit 10
mkdir -p /run/systemd/journal /var/log/journal
mount -t tmpfs tmpfs /var/log/journal || exit 10
$journald >"$tmp/journald.log" 2>&1 &
jd=$!
for i in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
[ -S /run/systemd/journal/socket ] || { kill $jd; exit 11; }
sleep 1000 & target=$!
"$send" $target || { kill $jd $target; exit 12; }
# Wait until journald has stored all four.
for i in $(seq 100); do
	[ "$(journalctl -q --no-pager SYSLOG_IDENTIFIER=cpuguard -o json 2>/dev/null | wc -l)" -ge 4 ] && break
	sleep 0.05
done
journalctl -q --no-pager SYSLOG_IDENTIFIER=cpuguard -o json >"$tmp/entries.json"
journalctl --version | head -1 >"$tmp/version"
kill $target $jd
wait $jd 2>/dev/null
exit 0
NS
rc=$?
case $rc in
0) ;;
10) echo "FAIL: cannot mount tmpfs in a private mount namespace"; exit 1 ;;
11) cat "$tmp/journald.log"; echo "FAIL: systemd-journald did not create its socket"; exit 1 ;;
12) echo "FAIL: sending failed"; exit 1 ;;
*) echo "FAIL: namespace script exited $rc"; exit 1 ;;
esac

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
echo "journald: $(cat "$tmp/version")"
n=$(wc -l <"$tmp/entries.json")
[ "$n" = 4 ] && pass "journald stored 4 entries" || { cat "$tmp/entries.json"; fail "expected 4 entries, got $n"; }
# field N FIELD: FIELD of entry N (0-based); binary fields come as byte arrays.
field() { sed -n "$(($1 + 1))p" "$tmp/entries.json" | jq -r --arg f "$2" '.[$f] | if type == "array" then implode else . end // "<absent>"'; }
expect() { # N FIELD VALUE
	local got
	got=$(field "$1" "$2")
	[ "$got" = "$3" ] && pass "entry $1: $2=$got" || fail "entry $1: $2: expected '$3', got '$got'"
}
# 0: a denial
expect 0 PRIORITY 4
expect 0 MESSAGE_ID 2bb91ae628cb405bb997cebef13ea228
expect 0 CPUGUARD_ACTION deny
expect 0 CPUGUARD_KIND affinity
expect 0 CPUGUARD_CGROUP /workload.slice/app.service
expect 0 CPUGUARD_CGROUP_ID 4242
expect 0 CPUGUARD_POLICY_CGROUP /workload.slice
expect 0 CPUGUARD_REQUESTED 0,3
expect 0 CPUGUARD_ALLOWED 2-15
expect 0 CPUGUARD_TRUNCATED 0
expect 0 CPUGUARD_UNREADABLE 0
expect 0 CPUGUARD_COUNT 1
expect 0 CPUGUARD_PID 100
expect 0 CPUGUARD_TID 101
expect 0 CPUGUARD_COMM taskset
expect 0 CPUGUARD_TARGET_COMM worker
expect 0 _TRANSPORT journal
expect 0 SYSLOG_IDENTIFIER cpuguard
expect 0 MESSAGE "DENY: taskset[100/101] set affinity of worker[$(field 0 OBJECT_PID)/$(field 0 OBJECT_PID)] in /workload.slice/app.service to 0,3; allowed 2-15 by /workload.slice"
# journald's own fields about the target (OBJECT_PID was a live process).
expect 0 OBJECT_COMM sleep
[ "$(field 0 OBJECT_EXE)" != "<absent>" ] && pass "journald added OBJECT_EXE=$(field 0 OBJECT_EXE)" ||
	fail "journald added no OBJECT_EXE for OBJECT_PID"
# 1: an audit-mode report
expect 1 PRIORITY 5
expect 1 MESSAGE_ID 10a246e3db8a4bcbb33700e0fd83729e
expect 1 CPUGUARD_ACTION audit
expect 1 CPUGUARD_CGROUP /batch.slice
# 2: unreadable request, removed cgroup: those fields are absent
expect 2 CPUGUARD_UNREADABLE 1
expect 2 CPUGUARD_REQUESTED "<absent>"
expect 2 CPUGUARD_CGROUP "<absent>"
expect 2 MESSAGE_ID 2bb91ae628cb405bb997cebef13ea228
# 3: another kind, another MESSAGE_ID; a newline stays inside its field
expect 3 CPUGUARD_KIND sqpoll
expect 3 MESSAGE_ID 984cf5864bb342ad811cfdfacf1c15f7
expect 3 CPUGUARD_TRUNCATED 1
expect 3 CPUGUARD_CGROUP $'/odd\nname'
if [ $failures -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all journal checks passed"
