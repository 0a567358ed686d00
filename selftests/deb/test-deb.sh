#!/usr/bin/env bash
# deb.package: the Debian package, built and installed as an operator would.
#   1. copy the tree's files (git ls-files: no build directory, nothing
#      untracked) and build with dpkg-buildpackage -us -uc, with
#      /sys/kernel/btf hidden (a private mount namespace): the build must use
#      debian/btf, never the build machine's kernel BTF;
#   2. lintian on the .changes (source and binary): no tag at any level but
#      the overridden ones (debian/*lintian-overrides say why);
#   3. dpkg -i on this host: files, conffile, shared libbpf1, the policy unit
#      enabled and not started, the other units not enabled, and
#      'cpuguard check' working from the installed files;
#   4. dpkg -r keeps /etc/cpuguard/policy.conf, dpkg -P removes it;
#   5. apt-get install ./cpuguard_*.deb (README's path), then purge again.
# Needs root, dpkg-dev, debhelper, lintian and the build dependencies
# (scripts/setup.sh). A cpuguard package already installed is purged first.
#   test-deb.sh SOURCE_DIR
set -uo pipefail
src=$1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
die() { echo "FAIL: $*"; exit 1; }
for t in dpkg-buildpackage dh lintian fakeroot unshare; do
	command -v $t >/dev/null || die "$t not found: scripts/setup.sh installs dpkg-dev, debhelper, fakeroot and lintian"
done
[ "$(id -u)" = 0 ] || die "needs root (dpkg -i)"
installed() { dpkg-query -W -f='${db:Status-Abbrev}' cpuguard 2>/dev/null; }
purge() { dpkg -P cpuguard >/dev/null 2>&1; }
if [ -n "$(installed)" ] && [ "$(installed)" != "un " ]; then
	echo "note: purging the cpuguard package already installed ($(installed))"
	purge
fi
tmp=$(mktemp -d)
cleanup() {
	[ -n "$(installed)" ] && [ "$(installed)" != "un " ] && purge
	rm -rf "$tmp"
}
trap cleanup EXIT
t0=$(date +%s)

# --- 1. build from a clean copy --------------------------------------------
mkdir "$tmp/cpuguard"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$tmp/cpuguard" ||
		die "cannot copy the tree"
else
	tar -C "$src" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -xf - -C "$tmp/cpuguard" ||
		die "cannot copy the tree"
fi
[ -d "$tmp/cpuguard/debian" ] || die "no debian/ in $src"
# shellcheck disable=SC2016
if ! unshare -m --propagation private sh -c '
	if [ -d /sys/kernel/btf ]; then mount -t tmpfs none /sys/kernel/btf || exit 99; fi
	[ ! -e /sys/kernel/btf/vmlinux ] || exit 99
	cd "$1" && dpkg-buildpackage -us -uc' _ "$tmp/cpuguard" >"$tmp/build.log" 2>&1; then
	tail -n 60 "$tmp/build.log"
	die "dpkg-buildpackage failed (log above)"
fi
pass "dpkg-buildpackage -us -uc, /sys/kernel/btf hidden ($(($(date +%s) - t0)) s)"
grep -q -- "-DCPUGUARD_VMLINUX_BTF=$tmp/cpuguard/debian/vmlinux.btf" "$tmp/build.log" &&
	pass "vmlinux.h generated from debian/btf" || fail "the build did not use debian/btf"
deb=$(ls "$tmp"/cpuguard_*_amd64.deb 2>/dev/null | head -n 1)
changes=$(ls "$tmp"/cpuguard_*_amd64.changes 2>/dev/null | head -n 1)
[ -f "$deb" ] && [ -f "$changes" ] || die "no .deb or .changes in $tmp"
ls "$tmp"/*.dsc >/dev/null 2>&1 && pass "source package built too" || fail "no .dsc"

# --- 2. lintian ----------------------------------------------------------------
t1=$(date +%s)
lintian -I -E --pedantic --show-overrides "$changes" >"$tmp/lintian.txt" 2>&1
rc=$?
tags=$(grep -E '^[EWIPX]: ' "$tmp/lintian.txt")
if [ $rc = 0 ] && [ -z "$tags" ]; then
	pass "lintian -I -E --pedantic: no tags ($(lintian --version), $(($(date +%s) - t1)) s)"
else
	fail "lintian (exit $rc): $(grep -v '^N:' "$tmp/lintian.txt")"
fi
echo "note: $(grep -c '^O: ' "$tmp/lintian.txt") lintian tag(s) overridden, each justified in debian/*lintian-overrides:"
grep '^O: ' "$tmp/lintian.txt" | sed 's/^/  /'

# --- 3. dpkg -i ------------------------------------------------------------------
dpkg -i "$deb" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; die "dpkg -i failed"; }
[ "$(installed)" = "ii " ] && pass "dpkg -i: installed" || fail "status after dpkg -i: '$(installed)'"
for f in /usr/sbin/cpuguard /usr/share/man/man8/cpuguard.8.gz /usr/share/man/man5/cpuguard.conf.5.gz \
	/usr/share/bash-completion/completions/cpuguard /lib/systemd/system/cpuguard.service \
	/lib/systemd/system/cpuguard-audit.service /lib/systemd/system/cpuguard-metrics.service \
	/lib/systemd/system/cpuguard-metrics.timer /etc/cpuguard/policy.conf \
	/usr/share/doc/cpuguard/copyright /usr/share/doc/cpuguard/usage.md.gz \
	/usr/share/doc/cpuguard/examples/demo.conf; do
	[ -s "$f" ] && pass "installed $f" || fail "missing $f"
done
dpkg-query -W -f='${Conffiles}\n' cpuguard | grep -q '^ /etc/cpuguard/policy.conf ' &&
	pass "/etc/cpuguard/policy.conf is a conffile" || fail "policy.conf is not a conffile"
"/usr/sbin/cpuguard" --version | grep -qx "cpuguard $(dpkg-query -W -f='${Version}' cpuguard | sed 's/-.*//')" &&
	pass "cpuguard --version: $(/usr/sbin/cpuguard --version)" || fail "version: $(/usr/sbin/cpuguard --version)"
lib=$(ldd /usr/sbin/cpuguard | sed -n 's/.*libbpf\.so\.1 => \([^ ]*\).*/\1/p')
if [ -n "$lib" ] && owner=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | cut -d: -f1) && [ "$owner" = libbpf1 ]; then
	pass "linked against Debian's shared libbpf ($lib, package $owner)"
else
	fail "not linked against libbpf1's libbpf.so.1: $(ldd /usr/sbin/cpuguard)"
fi
for d in libbpf1 libsystemd0; do
	dpkg-query -W -f='${Depends}\n' cpuguard | grep -q "$d" && pass "Depends: names $d" ||
		fail "Depends lacks $d: $(dpkg-query -W -f='${Depends}' cpuguard)"
done
# cpuguard check from the installed files.
out=$(/usr/sbin/cpuguard check /etc/cpuguard/policy.conf 2>&1) && pass "cpuguard check /etc/cpuguard/policy.conf: $out" ||
	fail "cpuguard check of the shipped conffile: $out"
printf 'set one 0\ncgroup /no-such-cgroup-%s one\n' $$ >"$tmp/bad.conf"
out=$(/usr/sbin/cpuguard check "$tmp/bad.conf" 2>&1)
[ $? = 1 ] && printf '%s\n' "$out" | grep -q "^$tmp/bad.conf:2: " &&
	pass "cpuguard check of a bad policy: exit 1, $out" || fail "bad policy: $out"
out=$(MANWIDTH=80 man --warnings cpuguard 2>&1 >/dev/null) && [ -z "$out" ] && pass "man cpuguard renders" ||
	fail "man cpuguard: $out"
# Units: the policy unit enabled (the symlink deb-systemd-helper makes even
# without a running systemd), the others not; nothing started by the package.
[ -L /etc/systemd/system/sysinit.target.wants/cpuguard.service ] &&
	pass "cpuguard.service enabled (sysinit.target.wants)" || fail "cpuguard.service not enabled"
[ -e /etc/systemd/system/multi-user.target.wants/cpuguard-audit.service ] &&
	fail "cpuguard-audit.service enabled by the package"
[ -e /etc/systemd/system/timers.target.wants/cpuguard-metrics.timer ] &&
	fail "cpuguard-metrics.timer enabled by the package"
pi=/var/lib/dpkg/info/cpuguard.postinst
if [ -f "$pi" ] && ! grep -Eq 'deb-systemd-invoke .*(start|restart)' "$pi"; then
	pass "postinst starts no unit"
else
	fail "postinst starts a unit: $(grep -n deb-systemd-invoke "$pi")"
fi
if out=$(cd "$tmp" && systemd-analyze verify /lib/systemd/system/cpuguard.service \
	/lib/systemd/system/cpuguard-audit.service /lib/systemd/system/cpuguard-metrics.service \
	/lib/systemd/system/cpuguard-metrics.timer 2>&1) && [ -z "$out" ]; then
	pass "systemd-analyze verify: the installed units"
else
	fail "systemd-analyze verify: $out"
fi
grep -qx 'ExecStart=/usr/sbin/cpuguard load' /lib/systemd/system/cpuguard.service &&
	pass "cpuguard.service runs /usr/sbin/cpuguard" || fail "cpuguard.service ExecStart"

# --- 4. remove keeps the conffile, purge removes it -----------------------------
echo 'set local 0 # an operator change' >>/etc/cpuguard/policy.conf
dpkg -r cpuguard >"$tmp/remove.log" 2>&1 || { cat "$tmp/remove.log"; fail "dpkg -r failed"; }
[ "$(installed)" = "rc " ] && pass "dpkg -r: state rc (config files remain)" || fail "state after dpkg -r: '$(installed)'"
[ ! -e /usr/sbin/cpuguard ] && pass "dpkg -r removed /usr/sbin/cpuguard" || fail "/usr/sbin/cpuguard still there"
grep -q 'an operator change' /etc/cpuguard/policy.conf 2>/dev/null &&
	pass "dpkg -r kept /etc/cpuguard/policy.conf, with the operator's change" || fail "dpkg -r lost the conffile"
dpkg -P cpuguard >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; fail "dpkg -P failed"; }
[ -z "$(installed)" ] || [ "$(installed)" = "un " ] && pass "dpkg -P: not installed" ||
	fail "state after dpkg -P: '$(installed)'"
[ ! -e /etc/cpuguard/policy.conf ] && [ ! -e /etc/cpuguard ] && pass "dpkg -P removed /etc/cpuguard" ||
	fail "dpkg -P left $(ls -d /etc/cpuguard /etc/cpuguard/* 2>/dev/null)"
[ ! -e /etc/systemd/system/sysinit.target.wants/cpuguard.service ] && pass "dpkg -P removed the enablement" ||
	fail "enablement symlink left after purge"

# --- 5. the README's path ------------------------------------------------------
# apt reads local packages as its _apt user: let it into $tmp.
chmod 755 "$tmp"
if (cd "$tmp" && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$(basename "$deb")") \
	>"$tmp/apt.log" 2>&1 && [ "$(installed)" = "ii " ]; then
	pass "apt-get install ./$(basename "$deb")"
else
	cat "$tmp/apt.log"
	fail "apt-get install ./$(basename "$deb")"
fi
purge

echo "deb.package took $(($(date +%s) - t0)) s"
if [ $failures -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all package checks passed"
