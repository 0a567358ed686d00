#!/usr/bin/env bash
# unit.install: install the build into a scratch prefix and check what
# operators get: every file present, the man pages rendering without
# warnings, bash completion loading and completing, the systemd units
# accepted by systemd-analyze, and the documentation covering every command
# and option of the installed binary's --help.
#
#   test-install.sh BUILD_DIR EXAMPLE...
#
# The install directories come from the environment (set by CMakeLists.txt):
# SBINDIR MANDIR DATADIR DOCDIR UNITDIR, each relative to the prefix, and
# CMAKE, the cmake that configured the build.
# Needs man-db, groff-base and systemd (scripts/setup.sh installs them).
set -uo pipefail

build=$1
shift
examples=("$@")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
die() { echo "FAIL: $*"; exit 1; }

for v in SBINDIR MANDIR DATADIR DOCDIR UNITDIR; do
	[ -n "${!v:-}" ] || die "$v is not set (run through ctest)"
	# An absolute directory would install outside the scratch prefix,
	# into the real system.
	case ${!v} in /*) die "$v=${!v} is absolute: this test installs only below a scratch prefix" ;; esac
done
cmake=${CMAKE:-cmake}
for tool in man groff col systemd-analyze; do
	command -v $tool >/dev/null || die "$tool not found: install man-db, groff-base and systemd (scripts/setup.sh)"
done
[ ${#examples[@]} -gt 0 ] || die "no example policies given"

tmp=$(mktemp -d)
# 'cmake --install' rewrites BUILD/install_manifest.txt: put back whatever a
# real install left there, so that it still lists the real files.
manifest=$build/install_manifest.txt
[ -f "$manifest" ] && cp -p "$manifest" "$tmp/manifest.orig"
restore() {
	if [ -f "$tmp/manifest.orig" ]; then cp -p "$tmp/manifest.orig" "$manifest"; else rm -f "$manifest"; fi
	rm -rf "$tmp"
}
trap restore EXIT
prefix=$tmp/prefix

# --- install ---------------------------------------------------------------
if ! "$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	die "$cmake --install $build --prefix $prefix failed"
fi
pass "cmake --install --prefix"
if [ -f "$manifest" ]; then
	outside=$(grep -v "^$prefix/" "$manifest")
	[ -z "$outside" ] && pass "every installed file is below the prefix" ||
		fail "installed outside the prefix: $outside"
fi

bin=$prefix/$SBINDIR/cpuguard
man8=$prefix/$MANDIR/man8/cpuguard.8
man5=$prefix/$MANDIR/man5/cpuguard.conf.5
unit=$prefix/$UNITDIR/cpuguard.service
audit_unit=$prefix/$UNITDIR/cpuguard-audit.service
metrics_unit=$prefix/$UNITDIR/cpuguard-metrics.service
metrics_timer=$prefix/$UNITDIR/cpuguard-metrics.timer
completion=$prefix/$DATADIR/bash-completion/completions/cpuguard
expected=("$bin" "$man8" "$man5" "$unit" "$audit_unit" "$metrics_unit" "$metrics_timer" "$completion" "$prefix/$DOCDIR/usage.md")
for e in "${examples[@]}"; do
	expected+=("$prefix/$DOCDIR/examples/$e")
done
for f in "${expected[@]}"; do
	if [ -s "$f" ]; then
		pass "installed ${f#$prefix/}"
	else
		fail "missing or empty: ${f#$prefix/}"
	fi
done
[ -x "$bin" ] || fail "${bin#$prefix/} is not executable"
# Stop here if files are missing: the checks below would only repeat it.
[ $failures -eq 0 ] || die "$failures problem(s) with the installed files"

# What the binary says it offers; the docs and the completion must match.
help=$("$bin" --help) || die "cpuguard --help failed"
commands=$(printf '%s\n' "$help" | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p')
options=$(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u)
[ -n "$commands" ] && [ -n "$options" ] || die "cannot read commands and options from --help"
# options_of CMD: the options on CMD's line of --help.
options_of() { printf '%s\n' "$help" | grep -E "^  $1( |\$)" | grep -o -- '--[a-z][a-z-]*' | sort -u; }

# --- man pages ---------------------------------------------------------------
render() { MANWIDTH=80 man -l "$1" 2>/dev/null | col -bx; }
for page in "$man8" "$man5"; do
	warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 0 ] || [ -n "$warnings" ]; then
		fail "${page##*/} renders with warnings (exit $rc): $warnings"
	else
		pass "${page##*/} renders without warnings"
	fi
done
text8=$(render "$man8")
text5=$(render "$man5")
# section NAME TEXT: the body of one section of a rendered page.
section() { printf '%s\n' "$2" | sed -n "/^$1\$/,/^[A-Z]/p" | sed '1d;$d'; }
cmds_section=$(section COMMANDS "$text8")
opts_section=$(section OPTIONS "$text8")
for c in $commands; do
	grep -Eq "^ {7}$c( |\$)" <<<"$cmds_section" &&
		pass "cpuguard.8 documents command $c" || fail "cpuguard.8 COMMANDS lacks $c"
done
for o in $options; do
	grep -Eq -- "^ {7}(-[a-zA-Z], )?$o( |\$)" <<<"$opts_section" &&
		pass "cpuguard.8 documents option $o" || fail "cpuguard.8 OPTIONS lacks $o"
done
for s in "EXIT STATUS" "FILES" "EXAMPLES" "AUDIT MODE" "SEE ALSO"; do
	[ -n "$(section "$s" "$text8")" ] && pass "cpuguard.8 has $s" || fail "cpuguard.8 lacks section $s"
done
for d in "set NAME CPULIST" "cgroup PATH CPUS [audit]"; do
	grep -qF -- "$d" <<<"$text5" &&
		pass "cpuguard.conf.5 documents '$d'" || fail "cpuguard.conf.5 lacks '$d'"
done
for s in "DIAGNOSTICS" "EXAMPLES"; do
	[ -n "$(section "$s" "$text5")" ] && pass "cpuguard.conf.5 has $s" || fail "cpuguard.conf.5 lacks section $s"
done
# The installation's own paths are written into the pages.
grep -qx "\.ds cg-docdir $prefix/$DOCDIR" "$man8" && pass "cpuguard.8 names the installed docdir" ||
	fail "cpuguard.8: docdir not set to $prefix/$DOCDIR: $(grep '^\.ds cg-docdir' "$man8")"
grep -qF "$prefix/$DOCDIR/examples" <<<"$text8" && pass "cpuguard.8 shows the examples path" ||
	fail "cpuguard.8 does not show $prefix/$DOCDIR/examples"

# --- bash completion -------------------------------------------------------
got=$(bash --norc --noprofile -c 'source "$1" && complete -p cpuguard' _ "$completion" 2>&1)
[ "$got" = "complete -F _cpuguard cpuguard" ] && pass "completion registers: $got" ||
	fail "complete -p cpuguard: '$got'"
# complete WORD...: what the completion offers for the last word.
complete_words() {
	bash --norc --noprofile -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_cpuguard 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$completion" cpuguard "$@"
}
expect_completion() { # WHAT EXPECTED WORD...
	local what=$1 want got
	want=$(printf '%s\n' $2 | sort)
	shift 2
	got=$(complete_words "$@")
	[ "$got" = "$want" ] && pass "completion: $what" ||
		fail "completion: $what: expected '$(echo $want)', got '$(echo $got)'"
}
expect_completion "every command of --help" "$commands" ""
expect_completion "prefix 'ap'" "apply" ap
expect_completion "options before the command" "--cgroup-root --help --pin-dir --verbose --version" --
expect_completion "command after --pin-dir DIR" "show status" --pin-dir /tmp s
for c in $commands; do
	got=$(complete_words "$c" --)
	for o in $(options_of "$c"); do
		grep -qx -- "$o" <<<"$got" && pass "completion: $c offers $o" ||
			fail "completion: '$c --' does not offer $o (got: $(echo $got))"
	done
done
for o in $options; do
	case $o in --help | --version) continue ;; esac
	found=
	for c in $commands; do
		got=$(complete_words --pin-dir /x "$c" --)
		grep -qx -- "$o" <<<"$got" && found=1 && break
	done
	[ -n "$found" ] || fail "completion never offers $o"
done
mkdir "$tmp/pol" && touch "$tmp/pol/site.conf"
expect_completion "a policy FILE for apply" "$tmp/pol/site.conf" apply "$tmp/pol/s"
expect_completion "nothing after apply's FILE" "" apply "$tmp/pol/site.conf" ""
expect_completion "a directory for --pin-dir" "$tmp/pol" --pin-dir "$tmp/po"

# --- systemd units -----------------------------------------------------------
for u in "$unit" "$audit_unit" "$metrics_unit"; do
	grep -qx "ExecStart=$bin .*" "$u" && pass "${u##*/} runs the installed $bin" ||
		fail "${u##*/}: ExecStart is not $bin: $(grep '^ExecStart=' "$u")"
done
grep -qx "ExecStart=$bin audit --follow --journal" "$audit_unit" && pass "cpuguard-audit.service sends to the journal" ||
	fail "cpuguard-audit.service: $(grep '^ExecStart=' "$audit_unit")"
grep -q '^ExecStop' "$unit" && fail "cpuguard.service must not have ExecStop= (stop must not unload)"
grep -qx 'RemainAfterExit=yes' "$unit" && grep -qx 'Type=oneshot' "$unit" &&
	pass "cpuguard.service is a oneshot that remains active" || fail "cpuguard.service: not Type=oneshot + RemainAfterExit=yes"
grep -qx 'ExecReload=.* apply /etc/cpuguard/policy.conf' "$unit" && pass "reload applies the policy" ||
	fail "cpuguard.service: ExecReload does not apply /etc/cpuguard/policy.conf"
grep -q '^ProtectKernelTunables=yes' "$unit" && fail "ProtectKernelTunables=yes would make /sys/fs/bpf read-only"
# MANPATH lets systemd-analyze find the Documentation= pages just installed.
if out=$(cd "$tmp" && MANPATH="$prefix/$MANDIR:" systemd-analyze verify "$unit" "$audit_unit" "$metrics_unit" "$metrics_timer" 2>&1) && [ -z "$out" ]; then
	pass "systemd-analyze verify accepts the units and the timer"
else
	fail "systemd-analyze verify: $out"
fi

# --- DESTDIR (packaging): paths in files name the prefix, not DESTDIR ---------
dest=$tmp/destdir
if DESTDIR=$dest "$cmake" --install "$build" --prefix /usr >"$tmp/install2.log" 2>&1; then
	u=$dest/usr/$UNITDIR/cpuguard.service
	grep -qx "ExecStart=/usr/$SBINDIR/cpuguard load" "$u" 2>/dev/null &&
		pass "DESTDIR install: unit runs /usr/$SBINDIR/cpuguard" || fail "DESTDIR install: $u: $(grep '^ExecStart=' "$u" 2>&1)"
	grep -qx "\.ds cg-docdir /usr/$DOCDIR" "$dest/usr/$MANDIR/man8/cpuguard.8" 2>/dev/null &&
		pass "DESTDIR install: man page names /usr/$DOCDIR" || fail "DESTDIR install: man page docdir wrong"
	leaked=$(grep -rlF "$dest" "$dest" 2>/dev/null)
	[ -z "$leaked" ] && pass "DESTDIR install: DESTDIR written into no file" || fail "DESTDIR written into: $leaked"
else
	cat "$tmp/install2.log"
	fail "DESTDIR=$dest cmake --install --prefix /usr failed"
fi
if [ $failures -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all install checks passed"
