#!/usr/bin/env bash
# Host tests of the cpuguard command that need no BPF: check for fleet CI
# (--possible, --syntax-only; #14 item 9), CRLF files (item 10), taskset's
# stride form (item 12), usage errors of the new options.
#   test_cli.sh PATH/TO/cpuguard
set -u
cg=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
bad=0
ok() { echo "ok: $*"; }
no() { echo "FAIL: $*"; bad=1; }
# expect WHAT RC REGEX CMD...
expect() {
	local what=$1 rc=$2 re=$3 out got
	shift 3
	out=$("$@" 2>&1) && got=0 || got=$?
	printf '%s\n' "$out" | sed 's/^/  | /'
	[ "$got" = "$rc" ] || { no "$what: exit $got, expected $rc"; return; }
	printf '%s\n' "$out" | grep -Eq -- "$re" || { no "$what: output does not match /$re/"; return; }
	ok "$what"
}

# A policy for a 64-CPU machine whose cgroups do not exist here.
printf 'set web 8-15\ncgroup /web.slice web\ncgroup /batch.slice 40-63:2 audit\n' >"$t/fleet.conf"
expect "--possible and --syntax-only" 0 \
	"^$t/fleet.conf: valid: 1 set, 2 cgroups; CPUs checked against 0-63; cgroups not resolved \\(--syntax-only\\)$" \
	"$cg" check --possible 0-63 --syntax-only "$t/fleet.conf"
expect "--possible refuses CPUs the other machine lacks" 1 \
	"^$t/fleet.conf:3: CPU 40 is not possible on this machine \\(possible: 0-31\\)" \
	"$cg" check --possible 0-31 --syntax-only "$t/fleet.conf"
expect "without --syntax-only the cgroups are resolved" 1 \
	"^$t/fleet.conf:2: cgroup /web.slice: no such cgroup" \
	"$cg" check --possible 0-63 --cgroup-root "$t" "$t/fleet.conf"
expect "bad --possible" 1 '^cpuguard check: --possible 0-x: ' "$cg" check --possible 0-x "$t/fleet.conf"
expect "--possible is check's only" 2 'apply does not take --possible or --syntax-only' \
	"$cg" apply --possible 0-3 "$t/fleet.conf"
expect "--syntax-only is check's only" 2 'show does not take --possible or --syntax-only' \
	"$cg" show --syntax-only
expect "--wait needs a number" 2 "--wait needs a number of seconds" "$cg" apply --wait x "$t/fleet.conf"
expect "--wait is apply's and unload's" 2 'check does not take --wait' "$cg" check --wait 1 "$t/fleet.conf"

# CRLF line endings.
printf 'set web 0\r\ncgroup /web.slice web audit\r\n# done\r\n' >"$t/crlf.conf"
expect "CRLF file" 0 "valid: 1 set, 1 cgroup" "$cg" check --syntax-only --possible 0 "$t/crlf.conf"

# taskset's stride form A-B:S next to the kernel's A-B:USED/GROUP.
printf 'cgroup /a 0-7:2\ncgroup /b 0-7:1/2\n' >"$t/stride.conf"
expect "stride forms" 0 "valid: 0 sets, 2 cgroups" "$cg" check --syntax-only --possible 0-7 "$t/stride.conf"
printf 'cgroup /a 0-7:0\n' >"$t/stride0.conf"
expect "zero stride" 1 'A-B:STRIDE needs STRIDE > 0' "$cg" check --syntax-only --possible 0-7 "$t/stride0.conf"

exit $bad
