#!/usr/bin/env bash
# Install what cpuguard needs to build and test, from Debian's packages only,
# and cache the kernels the VM tests boot. Idempotent: a second run installs
# nothing new and downloads nothing already cached.
#
#   scripts/setup.sh            packages + test kernels
#   scripts/setup.sh --no-kernels
#
# Kernels go to $CPUGUARD_CACHE (default ~/.cache/cpuguard)/kernels as
# vmlinuz-<version>, with stable names vmlinuz-6.12, vmlinuz-6.1 and vmlinuz-7
# pointing at the newest of each series, and vmlinuz-<version>.pkg recording
# the Debian package each came from (read by scripts/kernels-table.sh).
# 6.12 and 6.1 come from bookworm's apt sources; 7.x from trixie-backports,
# read straight from the archive apt already uses without adding the suite
# to apt's sources: signed InRelease -> Packages.xz -> .deb, each checked
# against the SHA256 the one before lists. Like apt-get update, a rerun
# fetches that suite's InRelease again to find the newest kernel; a kernel
# already cached is never downloaded again.
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
	liburing-dev              # VM tests: io_uring through a real client
	libclang-rt-19-dev        # ASan/UBSan/libFuzzer runtime (scripts/test-sanitizers.sh)
	cmake make gcc pkg-config
	qemu-system-x86           # the VM the kernel-facing tests run in
	busybox-static cpio       # its initramfs
	ca-certificates
	xz-utils gpgv debian-archive-keyring  # reading trixie-backports for the 7.x kernel
	man-db groff-base         # unit.install: man pages render without warnings
	systemd                   # unit.install: systemd-analyze verify of the units
	gnuplot-nox               # bench/run.sh: the plots in docs/benchmarks.md
	libsystemd-dev            # audit --journal (sd_journal_sendv)
	jq                        # host.journal: reading journalctl -o json
	prometheus prometheus-node-exporter curl  # host.metrics: promtool, textfile collector
	dpkg-dev debhelper fakeroot lintian       # deb.package: dpkg-buildpackage, lintian
	libbpf1                   # the Debian package links the shared libbpf
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

# download_dir: a fresh temporary directory apt's download user can write to
# (apt downloads as _apt; otherwise it warns and downloads unsandboxed).
download_dir() {
	local d
	d=$(mktemp -d)
	chmod 755 "$d"
	chown _apt "$d" 2>/dev/null || true
	printf '%s\n' "$d"
}

# write_pkg_info FILE PACKAGE SOURCE VERSION SUITE: what the kernel came from.
write_pkg_info() {
	printf 'package=%s\nsource=%s\nversion=%s\nsuite=%s\n' "$2" "${3%% *}" "$4" "$5" >"$1.tmp"
	mv "$1.tmp" "$1"
}

# fetch_kernel SERIES REGEX: download the newest matching linux-image package
# from apt's sources and keep only its /boot/vmlinuz-*.
fetch_kernel() {
	local series=$1 regex=$2 pkg ver tmp src version suite
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
		tmp=$(download_dir)
		(cd "$tmp" && apt-get download -qq "$pkg" >/dev/null)
		dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$tmp" ./boot
		cp "$tmp"/boot/vmlinuz-* "$KDIR/vmlinuz-$ver.tmp"
		mv "$KDIR/vmlinuz-$ver.tmp" "$KDIR/vmlinuz-$ver"
		rm -rf "$tmp"
	fi
	if [ ! -s "$KDIR/vmlinuz-$ver.pkg" ]; then
		IFS=$'\t' read -r src version < <(apt-cache show --no-all-versions "$pkg" |
			PKG=$pkg awk -F': ' '$1 == "Source" { s = $2 } $1 == "Version" { v = $2 }
				END { print (s ? s : ENVIRON["PKG"]) "\t" v }')
		# The suite the candidate comes from: "500 URI SUITE/main amd64 Packages".
		suite=$(LC_ALL=C apt-cache policy "$pkg" | V=$version awk '
			$1 == ENVIRON["V"] || ($1 == "***" && $2 == ENVIRON["V"]) { on = 1; next }
			on && $2 ~ /:\/\// { split($3, a, "/"); print a[1]; exit }')
		write_pkg_info "$KDIR/vmlinuz-$ver.pkg" "$pkg" "$src" "$version" "${suite:-unknown}"
	fi
	ln -sfn "vmlinuz-$ver" "$KDIR/vmlinuz-$series"
	log "kernel $series: $KDIR/vmlinuz-$ver"
}

# archive_uri: the Debian archive apt uses for this release's main suite, as
# apt's own configuration gives it (override: CPUGUARD_DEBIAN_ARCHIVE).
archive_uri() {
	local codename uri
	if [ -n "${CPUGUARD_DEBIAN_ARCHIVE:-}" ]; then
		printf '%s/\n' "${CPUGUARD_DEBIAN_ARCHIVE%/}"
		return
	fi
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	uri=$(apt-get indextargets --no-release-info --format '$(REPO_URI)' \
		'Identifier: Packages' "Release: $codename" | sort -u | head -n 1)
	[ -n "$uri" ] || return 1
	printf '%s/\n' "${uri%/}"
}

# suite_packages SUITE: fetch and verify SUITE's main/binary-amd64 Packages
# index into $CACHE/dists/SUITE/Packages and print its path. InRelease is
# checked against the Debian archive keyring; Packages.xz against the SHA256
# InRelease lists (and not downloaded again while that hash is unchanged).
suite_packages() {
	local suite=$1 archive dir tmp sha
	archive=$(archive_uri) || { log "cannot find the Debian archive in apt's sources"; return 1; }
	dir=$CACHE/dists/$suite
	mkdir -p "$dir"
	tmp=$(download_dir)
	if ! /usr/lib/apt/apt-helper download-file "${archive}dists/$suite/InRelease" \
		"$tmp/InRelease" >/dev/null; then
		rm -rf "$tmp"
		log "cannot download ${archive}dists/$suite/InRelease"
		return 1
	fi
	if ! gpgv --quiet --keyring /usr/share/keyrings/debian-archive-keyring.gpg \
		--output "$tmp/Release" "$tmp/InRelease" 2>/dev/null; then
		rm -rf "$tmp"
		log "${archive}dists/$suite/InRelease: bad or missing signature"
		return 1
	fi
	sha=$(awk '/^SHA256:/ { on = 1; next } /^[^ ]/ { on = 0 }
		on && $3 == "main/binary-amd64/Packages.xz" { print $1 }' "$tmp/Release")
	if [ -z "$sha" ]; then
		rm -rf "$tmp"
		log "$suite: InRelease lists no main/binary-amd64/Packages.xz"
		return 1
	fi
	if [ ! -s "$dir/Packages" ] || [ "$(cat "$dir/Packages.xz.sha256" 2>/dev/null)" != "$sha" ]; then
		log "downloading $suite Packages.xz"
		/usr/lib/apt/apt-helper download-file "${archive}dists/$suite/main/binary-amd64/Packages.xz" \
			"$tmp/Packages.xz" "SHA256:$sha" >/dev/null || { rm -rf "$tmp"; return 1; }
		echo "$sha  $tmp/Packages.xz" | sha256sum -c --quiet - || { rm -rf "$tmp"; return 1; }
		xz -dc "$tmp/Packages.xz" >"$dir/Packages.tmp"
		mv "$dir/Packages.tmp" "$dir/Packages"
		echo "$sha" >"$dir/Packages.xz.sha256"
	fi
	rm -rf "$tmp"
	printf '%s\n' "$dir/Packages"
}

# fetch_archive_kernel SERIES SUITE REGEX: the newest package matching REGEX
# in SUITE (not in apt's sources), 7.x layout: linux-binary-unsigned-<VERSION>
# holding usr/lib/modules/<VERSION>/vmlinuz.unsigned. A cached kernel is
# kept as it is when the index cannot be read (offline).
fetch_archive_kernel() {
	local series=$1 suite=$2 regex=$3 packages best pkg version filename sha src ver tmp archive
	if ! packages=$(suite_packages "$suite"); then
		if [ -s "$KDIR/vmlinuz-$series" ]; then
			log "kernel $series: keeping the cached $(readlink "$KDIR/vmlinuz-$series")"
			return 0
		fi
		return 1
	fi
	# One line per matching stanza: package, version, filename, sha256, source.
	best=$(RE=$regex awk '
		BEGIN { re = ENVIRON["RE"] }
		function flush() {
			if (p ~ re && f != "" && h != "") print p "\t" v "\t" f "\t" h "\t" (s ? s : p)
			p = v = f = h = s = ""
		}
		/^$/ { flush(); next }
		/^Package: / { p = $2 } /^Version: / { v = $2 } /^Filename: / { f = $2 }
		/^SHA256: / { h = $2 } /^Source: / { s = $2 }
		END { flush() }' "$packages" |
		sort -t "$(printf '\t')" -k1,1V -k2,2V | tail -n 1)
	if [ -z "$best" ]; then
		log "$suite has no package matching $regex"
		return 1
	fi
	IFS=$'\t' read -r pkg version filename sha src <<<"$best"
	ver=${pkg#linux-binary-unsigned-}
	mkdir -p "$KDIR"
	if [ ! -s "$KDIR/vmlinuz-$ver" ]; then
		archive=$(archive_uri)
		log "downloading $pkg $version"
		tmp=$(download_dir)
		/usr/lib/apt/apt-helper download-file "$archive$filename" "$tmp/k.deb" "SHA256:$sha" >/dev/null ||
			{ rm -rf "$tmp"; return 1; }
		echo "$sha  $tmp/k.deb" | sha256sum -c --quiet - || { rm -rf "$tmp"; return 1; }
		dpkg-deb --fsys-tarfile "$tmp/k.deb" |
			tar -x -C "$tmp" "./usr/lib/modules/$ver/vmlinuz.unsigned"
		cp "$tmp/usr/lib/modules/$ver/vmlinuz.unsigned" "$KDIR/vmlinuz-$ver.tmp"
		mv "$KDIR/vmlinuz-$ver.tmp" "$KDIR/vmlinuz-$ver"
		rm -rf "$tmp"
	fi
	[ -s "$KDIR/vmlinuz-$ver.pkg" ] ||
		write_pkg_info "$KDIR/vmlinuz-$ver.pkg" "$pkg" "$src" "$version" "$suite"
	ln -sfn "vmlinuz-$ver" "$KDIR/vmlinuz-$series"
	log "kernel $series: $KDIR/vmlinuz-$ver"
}

# host.kubernetes validates dist/kubernetes/ with the npm package
# kubernetes-models (the Kubernetes OpenAPI schemas compiled to JSON-schema
# validators), pinned by selftests/kubernetes/package-lock.json. The machine's
# Node.js is used when there is one; otherwise Debian's.
install_node_modules() {
	local dir
	dir="$(cd "$(dirname "$0")/.." && pwd)/selftests/kubernetes"
	if ! command -v npm >/dev/null; then
		log "installing Debian's nodejs and npm"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
	fi
	log "npm ci in selftests/kubernetes"
	npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
}

install_packages
install_node_modules
if [ "$want_kernels" = 1 ]; then
	fetch_kernel 6.12 '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$'
	fetch_kernel 6.1 '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$'
	fetch_archive_kernel 7 trixie-backports '^linux-binary-unsigned-7\.[0-9]+\.[0-9]+\+deb13-amd64$'
fi
