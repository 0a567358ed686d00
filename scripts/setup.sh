#!/usr/bin/env bash
# Install what cpuguard needs to build and test, from Debian's packages only,
# and cache the kernels the VM tests boot. Idempotent: a second run installs
# nothing new and downloads nothing already cached.
#
#   scripts/setup.sh            packages + test kernels
#   scripts/setup.sh --no-kernels
#
# Kernels go to $CPUGUARD_CACHE (default ~/.cache/cpuguard)/kernels as
# vmlinuz-<version>, with stable names vmlinuz-6.12 and vmlinuz-6.1 pointing
# at the newest of each series.
set -euo pipefail

CACHE=${CPUGUARD_CACHE:-$HOME/.cache/cpuguard}
KDIR=$CACHE/kernels
want_kernels=1
[ "${1:-}" = "--no-kernels" ] && want_kernels=0

PACKAGES=(
	clang-19 llvm-19          # BPF compiler (clang 14 drops the kptr type tag)
	libbpf-dev bpftool        # libbpf 1.1 (static libbpf.a) and skeleton generator
	libelf-dev zlib1g-dev     # libbpf's own dependencies for a static link
	libcap-dev                # privilege checks in the CLI
	libcmocka-dev             # host unit tests
	cmake make gcc pkg-config
	qemu-system-x86           # the VM the kernel-facing tests run in
	busybox-static cpio       # its initramfs
	ca-certificates
)

log() { printf 'setup: %s\n' "$*" >&2; }

install_packages() {
	export DEBIAN_FRONTEND=noninteractive
	log "apt-get update"
	apt-get update -qq
	log "installing ${#PACKAGES[@]} packages"
	apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
}

# newest_package REGEX: the highest-versioned package name matching REGEX.
newest_package() {
	apt-cache pkgnames | grep -E "$1" | sort -V | tail -n 1
}

# fetch_kernel SERIES REGEX: download the newest matching linux-image package
# and keep only its /boot/vmlinuz-*.
fetch_kernel() {
	local series=$1 regex=$2 pkg ver tmp
	pkg=$(newest_package "$regex")
	if [ -z "$pkg" ]; then
		log "no package matches $regex"
		return 1
	fi
	ver=${pkg#linux-image-}
	ver=${ver%-unsigned}
	mkdir -p "$KDIR"
	if [ ! -s "$KDIR/vmlinuz-$ver" ]; then
		log "downloading $pkg"
		tmp=$(mktemp -d)
		chmod 755 "$tmp"   # apt downloads as _apt
		(cd "$tmp" && apt-get download -qq "$pkg" >/dev/null)
		dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" ./boot
		cp "$tmp"/boot/vmlinuz-* "$KDIR/vmlinuz-$ver.tmp"
		mv "$KDIR/vmlinuz-$ver.tmp" "$KDIR/vmlinuz-$ver"
		rm -rf "$tmp"
	fi
	ln -sfn "vmlinuz-$ver" "$KDIR/vmlinuz-$series"
	log "kernel $series: $KDIR/vmlinuz-$ver"
}

install_packages
if [ "$want_kernels" = 1 ]; then
	fetch_kernel 6.12 '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$'
	fetch_kernel 6.1 '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$'
fi
