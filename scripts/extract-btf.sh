#!/usr/bin/env bash
# Extract the kernel BTF (.BTF section of vmlinux) from a Debian kernel
# image (a bzImage: /boot/vmlinuz-* of a linux-image package, or a kernel
# scripts/setup.sh cached), for builds that must not read the build
# machine's /sys/kernel/btf/vmlinux: the Debian package build uses the
# result, xz-compressed, as debian/btf/vmlinux-6.12.btf.xz.
#
#   scripts/extract-btf.sh VMLINUZ OUT.btf
#   scripts/extract-btf.sh ~/.cache/cpuguard/kernels/vmlinuz-6.12 /tmp/v.btf &&
#     xz -9 -c /tmp/v.btf >debian/btf/vmlinux-6.12.btf.xz
#
# The payload of a bzImage is compressed with one of zstd, xz or gzip (Debian
# 6.12: zstd): find the first offset at which one decompresses to an ELF file.
set -euo pipefail
in=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
try() { # MAGIC_HEX DECOMPRESSOR...
	local magic=$1 off
	shift
	for off in $(LC_ALL=C grep -obUaP "$magic" "$in" | cut -d: -f1); do
		tail -c +$((off + 1)) "$in" | "$@" >"$tmp/vmlinux" 2>/dev/null || true
		if [ "$(head -c 4 "$tmp/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
			return 0
		fi
	done
	return 1
}
try '\x28\xb5\x2f\xfd' zstd -dc || try '\xfd\x37\x7a\x58\x5a\x00' xz -dc ||
	try '\x1f\x8b\x08' gzip -dc || { echo "extract-btf: no ELF vmlinux found in $in" >&2; exit 1; }
objcopy -O binary --only-section=.BTF "$tmp/vmlinux" "$tmp/btf"
[ -s "$tmp/btf" ] || { echo "extract-btf: $in has no .BTF section (CONFIG_DEBUG_INFO_BTF)" >&2; exit 1; }
# bpftool reads the raw section as a BTF file; check it does.
bpftool btf dump file "$tmp/btf" format raw >"$tmp/raw" && grep -q "STRUCT 'task_struct'" "$tmp/raw" ||
	{ echo "extract-btf: the .BTF section of $in does not read as BTF" >&2; exit 1; }
mv "$tmp/btf" "$out"
echo "extract-btf: $(stat -c %s "$out") bytes of BTF from $in" >&2
