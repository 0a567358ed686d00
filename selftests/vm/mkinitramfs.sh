#!/usr/bin/env bash
# Pack a busybox initramfs for the test VM.
#   mkinitramfs.sh OUT.cpio.gz TESTS_DIR LIB_SH BINARY...
# BINARY files go to /bin with the shared libraries they need (found with ldd),
# test scripts TESTS_DIR/*.sh to /tests, LIB_SH to /lib/cpuguard-test.sh,
# and the files named in $CPUGUARD_VM_FILES (colon-separated) to /progs.
# With $CPUGUARD_VM_RUNTIMES set to a directory of scripts/setup.sh's sid
# runtimes ({bin,lib}), its programs and libraries go to /opt/sid/{bin,lib},
# each program pointed at that loader and library directory with patchelf
# (DT_RPATH, which also serves the libraries' own needs), and containers.sh
# to /lib/cpuguard-containers.sh. sid's libc never mixes with the one the
# other programs use.
set -euo pipefail
out=$1 tests=$2 lib=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
chmod 755 "$root"   # "/" of the VM: other users must traverse it
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,lib,lib64,tests,proc,sys,dev,tmp,run,etc}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$here/init" "$root/init"
cp "$tests"/*.sh "$root/tests/"
cp "$lib" "$root/lib/cpuguard-test.sh"
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
echo 'nogroup:x:65534:' >>"$root/etc/group"

copy_with_libs() {
	local f=$1 dest=$2 lib
	cp "$f" "$dest"
	# ldd prints "name => /path (addr)" or "/lib64/ld-linux... (addr)".
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# Data files (BPF objects, policies), colon-separated, to /progs.
mkdir -p "$root/progs"
IFS=: read -ra files <<<"${CPUGUARD_VM_FILES:-}"
for f in "${files[@]}"; do
	[ -n "$f" ] && cp "$f" "$root/progs/"
done

for b in "$@"; do
	copy_with_libs "$b" "$root/bin/$(basename "$b")"
done

if [ -n "${CPUGUARD_VM_RUNTIMES:-}" ]; then
	if [ -d "$CPUGUARD_VM_RUNTIMES/bin" ]; then
		mkdir -p "$root/opt/sid/bin" "$root/opt/sid/lib"
		cp "$CPUGUARD_VM_RUNTIMES"/lib/* "$root/opt/sid/lib/"
		cp "$CPUGUARD_VM_RUNTIMES/packages" "$root/opt/sid/" 2>/dev/null || true
		for b in "$CPUGUARD_VM_RUNTIMES"/bin/*; do
			cp "$b" "$root/opt/sid/bin/"
			patchelf --set-interpreter /opt/sid/lib/ld-linux-x86-64.so.2 \
				--set-rpath /opt/sid/lib --force-rpath "$root/opt/sid/bin/$(basename "$b")"
		done
	else
		# The container tests then fail, naming scripts/setup.sh.
		echo "mkinitramfs: no runtimes at $CPUGUARD_VM_RUNTIMES: run scripts/setup.sh" >&2
	fi
	cp "$here/containers.sh" "$root/lib/cpuguard-containers.sh"
fi

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
