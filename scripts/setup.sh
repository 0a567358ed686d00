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
#
# The container runtimes of the VM's container suites (runc and crun, which
# reset a container's affinity only in versions newer than bookworm's) come
# from sid the same way: the newest runc and crun and the libraries they
# (Pre-)Depend on, each .deb checked against the SHA256 of the signed index.
# Their programs and shared libraries are unpacked to
# $CPUGUARD_CACHE/runtimes/sid-runc<V>-crun<V> ({bin,lib}; "sid" points at the
# newest), which selftests/vm/mkinitramfs.sh copies into the VM at /opt/sid.
#
#   scripts/setup.sh --no-runtimes   packages + kernels, no runtimes
set -euo pipefail

CACHE=${CPUGUARD_CACHE:-$HOME/.cache/cpuguard}
KDIR=$CACHE/kernels
RDIR=$CACHE/runtimes
want_kernels=1 want_runtimes=1
for arg in "$@"; do
	case $arg in
	--no-kernels) want_kernels=0 ;;
	--no-runtimes) want_runtimes=0 ;;
	*) echo "usage: $0 [--no-kernels] [--no-runtimes]" >&2; exit 2 ;;
	esac
done

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
	xz-utils gpgv debian-archive-keyring  # reading trixie-backports (7.x kernel) and sid (runtimes)
	patchelf                  # the sid runtimes' interpreter and library path in the VM
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

# sid_closure PACKAGES_FILE ROOT...: one line "package\tversion\tfilename\tsha256"
# for each ROOT and each package they (Pre-)Depend on, recursively (first
# alternative of each group; the last stanza of a package: sid lists one
# version of each). A name the index does not have prints "MISSING\tname".
sid_closure() {
	local packages=$1
	shift
	ROOTS="$*" awk '
		function flush() {
			if (p != "" && f != "" && h != "") { V[p] = v; F[p] = f; H[p] = h; D[p] = d }
			p = v = f = h = d = ""
		}
		/^$/ { flush(); next }
		/^Package: / { p = $2 } /^Version: / { v = $2 }
		/^Filename: / { f = $2 } /^SHA256: / { h = $2 }
		/^(Pre-)?Depends: / { sub(/^[^:]*: /, ""); d = d (d == "" ? "" : ",") $0 }
		END {
			flush()
			n = split(ENVIRON["ROOTS"], q, " ")
			for (i = 1; i <= n; i++) seen[q[i]] = 1
			for (i = 1; i <= n; i++) {
				pk = q[i]
				if (!(pk in F)) { print "MISSING\t" pk; continue }
				print pk "\t" V[pk] "\t" F[pk] "\t" H[pk]
				m = split(D[pk], deps, ",")
				for (j = 1; j <= m; j++) {
					dep = deps[j]; sub(/\|.*/, "", dep); sub(/\(.*/, "", dep)
					gsub(/[ \t]/, "", dep); sub(/:any$/, "", dep)
					if (dep != "" && !(dep in seen)) { seen[dep] = 1; q[++n] = dep }
				}
			}
		}' "$packages"
}

# fetch_sid_runtimes: runc and crun from sid with the libraries they need,
# unpacked to $RDIR/sid-runc<V>-crun<V>/{bin,lib}; $RDIR/sid points at it.
# A tree already unpacked is kept; when sid's index cannot be read (offline)
# the cached one stays in use.
fetch_sid_runtimes() {
	local packages list runc_v crun_v name tree tmp archive pkg version filename sha deb lib need f todo
	if ! packages=$(suite_packages sid); then
		if [ -d "$RDIR/sid/bin" ]; then
			log "runtimes: keeping the cached $(readlink "$RDIR/sid")"
			return 0
		fi
		return 1
	fi
	list=$(sid_closure "$packages" runc crun)
	if grep -q '^MISSING' <<<"$list"; then
		log "sid lacks: $(grep '^MISSING' <<<"$list" | cut -f2 | tr '\n' ' ')"
		return 1
	fi
	runc_v=$(awk -F'\t' '$1 == "runc" { print $2 }' <<<"$list")
	crun_v=$(awk -F'\t' '$1 == "crun" { print $2 }' <<<"$list")
	name=sid-runc${runc_v//[:~]/_}-crun${crun_v//[:~]/_}
	tree=$RDIR/$name
	if [ ! -s "$tree/packages" ]; then
		archive=$(archive_uri)
		mkdir -p "$RDIR/debs"
		tmp=$(download_dir)
		while IFS=$'\t' read -r pkg version filename sha; do
			deb=$RDIR/debs/$(basename "$filename")
			if [ ! -s "$deb" ] || ! echo "$sha  $deb" | sha256sum -c --quiet - 2>/dev/null; then
				log "downloading $pkg $version (sid)"
				/usr/lib/apt/apt-helper download-file "$archive$filename" "$tmp/p.deb" \
					"SHA256:$sha" >/dev/null || { rm -rf "$tmp"; return 1; }
				echo "$sha  $tmp/p.deb" | sha256sum -c --quiet - || { rm -rf "$tmp"; return 1; }
				mv "$tmp/p.deb" "$deb"
			fi
			mkdir -p "$tmp/x"
			dpkg-deb -x "$deb" "$tmp/x"
		done <<<"$list"
		rm -rf "$tree.tmp"
		mkdir -p "$tree.tmp/bin" "$tree.tmp/lib" "$tmp/libs"
		cp "$tmp/x/usr/sbin/runc" "$tmp/x/usr/bin/crun" "$tree.tmp/bin/"
		# Every shared object of the packages (sid's below /usr, older ones'
		# below /), then only those the programs need, by DT_NEEDED, recursively.
		for lib in "$tmp"/x/{,usr/}lib{,64}; do
			[ -d "$lib" ] || continue
			find "$lib" -maxdepth 2 -name '*.so*' \( -type f -o -type l \) \
				-exec cp -Ln {} "$tmp/libs/" \;
		done
		cp "$tmp/libs/ld-linux-x86-64.so.2" "$tree.tmp/lib/" ||
			{ rm -rf "$tmp"; log "runtimes: no dynamic loader in sid's libc6"; return 1; }
		todo=("$tree.tmp"/bin/*)
		while [ ${#todo[@]} -gt 0 ]; do
			f=${todo[0]}
			todo=("${todo[@]:1}")
			for need in $(patchelf --print-needed "$f"); do
				[ -e "$tree.tmp/lib/$need" ] && continue
				if [ ! -e "$tmp/libs/$need" ]; then
					rm -rf "$tmp"
					log "runtimes: $(basename "$f") needs $need, which no package in the closure ships"
					return 1
				fi
				cp "$tmp/libs/$need" "$tree.tmp/lib/"
				todo+=("$tree.tmp/lib/$need")
			done
		done
		rm -rf "$tmp"
		cut -f1,2 <<<"$list" >"$tree.tmp/packages"
		rm -rf "$tree"
		mv "$tree.tmp" "$tree"
	fi
	ln -sfn "$name" "$RDIR/sid"
	log "runtimes: runc $runc_v, crun $crun_v (sid): $tree"
}

install_packages
install_node_modules
if [ "$want_kernels" = 1 ]; then
	fetch_kernel 6.12 '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$'
	fetch_kernel 6.1 '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$'
	fetch_archive_kernel 7 trixie-backports '^linux-binary-unsigned-7\.[0-9]+\.[0-9]+\+deb13-amd64$'
fi
if [ "$want_runtimes" = 1 ]; then
	fetch_sid_runtimes
fi
