# Hostile input to `cpuguard check` and `cpuguard apply`, against the real
# cgroupfs: every bad file is refused by both with a printable message and
# exit 1, and the policy in force (show --json) is unchanged after each
# refused apply. Covered: huge files, long lines, an error flood, NUL bytes,
# non-UTF-8 and escape-sequence cgroup names (confined, enforced, shown as
# JSON), '..' paths, detours through /proc, tmpfs and a bind mount, CPU
# numbers that overflow, 3000 real cgroups applied, shown and replaced, the
# entry limit, an empty file, a directory, /dev/zero, a FIFO and a pipe.
# (An unreadable file is not tried: the test runs as root.)
. /lib/cpuguard-test.sh
H=/hx
pids=
cleanup() {
	# Under sh -e: nothing here may fail.
	for p in $pids; do kill $p 2>/dev/null || true; done
	for m in $CG$H/p $CG$H/t $CG$H/other/bm; do umount $m 2>/dev/null || true; done
	find $CG$H -depth -type d 2>/dev/null | xargs rmdir 2>/dev/null || true
}
trap cleanup EXIT

# Only printable ASCII and newlines: nothing from the file reaches the
# terminal raw.
printable() {
	bad=$(printf '%s' "$2" | LC_ALL=C tr -d '\n\040-\176' | wc -c)
	[ "$bad" = 0 ] || fail "$1: $bad unprintable bytes in the output"
}
# quiet CMD...: like run_rc, but show only the first 3 lines and the count.
quiet() {
	OUT=$("$@" 2>&1) && RC=0 || RC=$?
	printf '%s\n' "$OUT" | head -n 3 | sed 's/^/  | /'
	printf '  | (%s lines)\n' "$(printf '%s\n' "$OUT" | wc -l)"
}
# refused NAME FILE REGEX...: check and apply exit 1, print every REGEX
# (extended, matched line by line), only printable bytes; the policy in
# force is unchanged.
refused() {
	name=$1 file=$2
	shift 2
	for cmd in check apply; do
		quiet timeout 60 cpuguard $cmd "$file"
		expect_eq "$name: $cmd exits" 1 $RC
		printable "$name: $cmd" "$OUT"
		for re in "$@"; do
			expect_match "$name: $cmd says" "$re" "$OUT"
		done
	done
	expect_match "$name: apply says" 'not applied; the policy in force is unchanged' "$OUT"
	[ -n "${show_later:-}" ] || unchanged "$name"
}
unchanged() {
	now=$(cpuguard show --json)
	[ "$now" = "$want" ] || fail "$1: policy changed to: $(printf '%s' "$now" | head -c 400)"
	pass "$1: policy unchanged ($(printf '%s' "$now" | wc -c) bytes of show --json)"
}
id() { stat -c %i "$CG$1"; }
t0=$(awk '{ printf "%d", $1 * 1000 }' /proc/uptime)
section() { echo "== $1 (at $(($(awk '{ printf "%d", $1 * 1000 }' /proc/uptime) - t0)) ms)"; }

cpuguard load >/dev/null || fail "load"
mkdir -p $CG$H/web/front $CG$H/other
printf 'cgroup %s/web 1-3\ncgroup %s/web/front 2-3\n' $H $H >/tmp/good.conf
run_rc cpuguard apply /tmp/good.conf; expect_eq "good policy applies" 0 $RC
want=$(cpuguard show --json)

# ---- file kinds ----
section "file kinds"
: >/tmp/empty.conf
refused "empty file" /tmp/empty.conf '^/tmp/empty.conf: empty file \(to remove every entry, apply a file holding only a comment\)$'
refused "directory" /tmp '^/tmp: not a regular file \(a directory\)$'
refused "/dev/zero" /dev/zero '^/dev/zero: not a regular file \(a character device\)$'
mkfifo /tmp/fifo
refused "FIFO with no writer" /tmp/fifo '^/tmp/fifo: not a regular file \(a FIFO\)$'
# A pipe is a FIFO too, even one that carries a good policy...
run_rc sh -c 'cat /tmp/good.conf | cpuguard apply /proc/self/fd/0'
expect_eq "pipe on stdin: exit" 1 $RC
expect_match "pipe on stdin: says" '^/proc/self/fd/0: not a regular file \(a FIFO\)$' "$OUT"
# ...while stdin redirected from a regular file is that file.
run_rc sh -c 'cpuguard apply /proc/self/fd/0 </tmp/good.conf'
expect_eq "regular file on stdin applies" 0 $RC
expect_eq "regular file on stdin: same policy" "$want" "$(cpuguard show --json)"
run_rc cpuguard check /tmp/missing-$(printf '\033[2J\377')
expect_eq "missing file with escapes in its name: exit" 1 $RC
printable "missing file name" "$OUT"
expect_match "missing file name escaped" '^/tmp/missing-\\x1b\[2J\\xff: cannot open: No such file or directory$' "$OUT"

# ---- size ----
section "size"
yes '# a comment line, repeated to make the file huge' | head -c 20000000 >/tmp/huge.conf
refused "20 MB file" /tmp/huge.conf '^/tmp/huge.conf: file too large \(more than 16 MiB\)$'
truncate -s 1099511627776 /tmp/sparse.conf
refused "sparse 1 TiB file" /tmp/sparse.conf '^/tmp/sparse.conf: file too large \(more than 16 MiB\)$'
rm -f /tmp/huge.conf /tmp/sparse.conf
# Just under the limit is read and parsed in full: 15 MB of comments, one entry.
{ yes '# a comment line, repeated to make the file big' | head -c 15000000; echo; echo "cgroup $H/other 1"; } >/tmp/big.conf
start=$(date +%s)
run_rc cpuguard apply /tmp/big.conf
expect_eq "15 MB file applies" 0 $RC
pass "15 MB file applied in $(($(date +%s) - start)) s"
expect_match "15 MB file: in force" "\"cgroup\": \"$H/other\", \"cgroup_id\": $(id $H/other), \"cpus\": \"1\"" "$(cpuguard show --json)"
rm -f /tmp/big.conf
cpuguard apply /tmp/good.conf >/dev/null

# ---- lines ----
section "lines"
head -c 1000000 /dev/zero | tr '\0' a >/tmp/long.conf
refused "1 MB line, no newline" /tmp/long.conf '^/tmp/long.conf:1: line too long \(1000000 bytes, at most 4096\)$'
# A 4096-byte line is allowed; its 304-byte path is longer than the kernel
# side can follow (and its 300-byte component is no cgroup name either).
{ printf 'cgroup %s/' $H; head -c 300 /dev/zero | tr '\0' n; printf ' 1'; head -c 3783 /dev/zero | tr '\0' ' '; echo; } >/tmp/long.conf
expect_eq "line length" 4097 "$(wc -c </tmp/long.conf)"
refused "304-byte path" /tmp/long.conf '^/tmp/long.conf:1: cgroup path is too long \(304 bytes, at most 254: longer paths cannot be followed when the cgroup is re-created\)$'
# An error flood: 300,000 bad lines give 100 messages and a count.
yes x | head -n 300000 >/tmp/flood.conf
refused "error flood" /tmp/flood.conf '^/tmp/flood.conf:1: unknown directive "x"' '^/tmp/flood.conf:100: unknown directive' \
	'^/tmp/flood.conf: 299900 more errors not shown$'
expect_eq "error flood: lines of output" 102 "$(printf '%s\n' "$OUT" | wc -l)"
rm -f /tmp/flood.conf /tmp/long.conf
# NUL bytes.
printf 'cgroup %s/other 1\000\n\000\000\000\ncgroup %s/other\000/x 1\n' $H $H >/tmp/nul.conf
refused "NUL bytes" /tmp/nul.conf '^/tmp/nul.conf:1: NUL byte in line$' '^/tmp/nul.conf:2: NUL byte in line$' '^/tmp/nul.conf:3: NUL byte in line$'

# ---- paths ----
section "paths"
cat >/tmp/dots.conf <<P
cgroup $H/web/../other 1
cgroup /.. 1
cgroup $H/.. 1
cgroup /./hx 1
cgroup $H/. 1
cgroup $H//web 1
cgroup ../hx 1
P
refused "dot paths" /tmp/dots.conf \
	'^/tmp/dots.conf:1: cgroup path "/hx/web/../other" contains a '"'"'..'"'"' component' \
	'^/tmp/dots.conf:2: cgroup path "/.." contains a' '^/tmp/dots.conf:3: cgroup path "/hx/.." contains a' \
	'^/tmp/dots.conf:4: cgroup path "/./hx" contains a '"'"'.'"'"' component' \
	'^/tmp/dots.conf:5: cgroup path "/hx/." contains a' '^/tmp/dots.conf:6: .* contains '"'"'//'"'"'' \
	'^/tmp/dots.conf:7: cgroup path "../hx" is not absolute'
# Detours out of and back into the cgroup2 hierarchy: /proc/self/root,
# a tmpfs holding a symlink to a real cgroup, a bind mount of a cgroup.
mkdir $CG$H/p $CG$H/t $CG$H/other/bm
mount -t proc proc $CG$H/p
mount -t tmpfs tmpfs $CG$H/t
mkdir $CG$H/t/dir
ln -s $CG$H/web $CG$H/t/link
mount -o bind $CG$H/web $CG$H/other/bm
expect_eq "the detours lead to /hx/web" "$(id $H/web) $(id $H/web) $(id $H/web)" \
	"$(echo $(stat -L -c %i $CG$H/p/self/root$CG$H/web $CG$H/t/link $CG$H/other/bm))"
cat >/tmp/detour.conf <<P
cgroup $H/web 1-3
cgroup $H/p/self/root/sys/fs/cgroup/hx/web/front 0
cgroup $H/t/link 0
cgroup $H/t/dir 0
cgroup $H/other/bm/front 0
cgroup $H/web/cgroup.procs 1
P
# show names cgroups by walking /sys/fs/cgroup, which the bind mount makes
# ambiguous (/hx/web may be shown as /hx/other/bm): compare once unmounted.
show_later=1
refused "detours" /tmp/detour.conf \
	'^/tmp/detour.conf:2: cgroup /hx/p/self/root/sys/fs/cgroup/hx/web/front: not a cgroup v2 directory \(crosses a mount point\)$' \
	'^/tmp/detour.conf:3: cgroup /hx/t/link: not a cgroup v2 directory \(crosses a mount point\)$' \
	'^/tmp/detour.conf:4: cgroup /hx/t/dir: not a cgroup v2 directory \(crosses a mount point\)$' \
	'^/tmp/detour.conf:5: cgroup /hx/other/bm/front: not a cgroup v2 directory \(crosses a mount point\)$' \
	'^/tmp/detour.conf:6: cgroup /hx/web/cgroup.procs: not a cgroup v2 directory$'
expect_eq "detours: 5 errors" 5 "$(printf '%s\n' "$OUT" | grep -c '^/tmp/detour.conf:')"
show_later=
umount $CG$H/p $CG$H/t $CG$H/other/bm
unchanged "detours"

# ---- CPU numbers ----
section "CPU numbers"
mkdir $CG$H/c1 $CG$H/c2 $CG$H/c3 $CG$H/c4 $CG$H/c5 $CG$H/c6 $CG$H/c7 $CG$H/c8 $CG$H/c9
cat >/tmp/cpus.conf <<P
cgroup $H/c1 4294967296
cgroup $H/c2 18446744073709551617
cgroup $H/c3 99999999999999999999999999999999999999999999999999
cgroup $H/c4 0-4294967295
cgroup $H/c5 1-2:4294967297/4294967298
cgroup $H/c6 8192
cgroup $H/c7 4
cgroup $H/c8 0-3:0/0
cgroup $H/c9 -1
P
refused "CPU numbers" /tmp/cpus.conf \
	'^/tmp/cpus.conf:1: CPU number 4294967296 is too large \(at most 8191\)$' \
	'^/tmp/cpus.conf:2: CPU number 18446744073709551617 is too large' \
	'^/tmp/cpus.conf:3: CPU number 9{40}\.\.\. is too large' \
	'^/tmp/cpus.conf:4: CPU number 4294967295 is too large' \
	'^/tmp/cpus.conf:5: CPU number 4294967297 is too large' \
	'^/tmp/cpus.conf:6: CPU number 8192 is too large' \
	'^/tmp/cpus.conf:7: CPU 4 is not possible on this machine \(possible: 0-3\)$' \
	'^/tmp/cpus.conf:8: bad CPU list "0-3:0/0": A-B:USED/GROUP needs 0 < USED <= GROUP$' \
	'^/tmp/cpus.conf:9: bad CPU list "-1": expected a number$'
expect_eq "CPU numbers: 9 errors" 9 "$(printf '%s\n' "$OUT" | grep -c '^/tmp/cpus.conf:')"

# ---- names that are not UTF-8, or not printable ----
section "names"
utf8=$H/caf$(printf '\303\251')
raw=$H/$(printf '\377\376raw')
esc=$H/esc$(printf '\033')[2J
mkdir "$CG$utf8" "$CG$raw" "$CG$esc"
printf 'cgroup %s/web 1-3\ncgroup %s/web/front 2-3\ncgroup %s 1\ncgroup %s 2 audit\ncgroup %s 3\n' \
	$H $H "$utf8" "$raw" "$esc" >/tmp/names.conf
run_rc cpuguard apply /tmp/names.conf; expect_eq "odd names apply" 0 $RC
want_names='[{"cgroup": "/hx/caf'$(printf '\303\251')'", "cgroup_id": '$(id "$utf8")', "cpus": "1", "set": null, "mode": "enforce", "strict": false, "state": "active", "optional": false, "followed": 0, "error": null}, {"cgroup": "/hx/esc\u001b[2J", "cgroup_id": '$(id "$esc")', "cpus": "3", "set": null, "mode": "enforce", "strict": false, "state": "active", "optional": false, "followed": 0, "error": null}, {"cgroup": "/hx/web", "cgroup_id": '$(id $H/web)', "cpus": "1-3", "set": null, "mode": "enforce", "strict": false, "state": "active", "optional": false, "followed": 0, "error": null}, {"cgroup": "/hx/web/front", "cgroup_id": '$(id $H/web/front)', "cpus": "2-3", "set": null, "mode": "enforce", "strict": false, "state": "active", "optional": false, "followed": 0, "error": null}, {"cgroup": "/hx/\u00ff\u00feraw", "cgroup_id": '$(id "$raw")', "cpus": "2", "set": null, "mode": "audit", "strict": false, "state": "active", "optional": false, "followed": 0, "error": null}]'
expect_eq "odd names: show --json" "$want_names" "$(cpuguard show --json)"
table=$(cpuguard show)
expect_match "odd names: the table escapes control bytes" '^/hx/esc\\x1b\[2J +3 ' "$(printf '%s\n' "$table" | grep esc)"
printf '%s' "$table" | grep -q "$(printf '\033')" && fail "show printed a raw escape byte to the terminal"
sleep 1000 & p1=$!
sleep 1000 & p2=$!
pids="$p1 $p2"
echo $p1 >"$CG$utf8/cgroup.procs"
echo $p2 >"$CG$esc/cgroup.procs"
run_rc affinity set $p1 0; expect_eq "UTF-8 name: enforced" EPERM "$OUT"
run_rc affinity set $p1 1; expect_eq "UTF-8 name: its CPU allowed" ok "$OUT"
run_rc affinity set $p2 0-1; expect_eq "escape-sequence name: enforced" EPERM "$OUT"
kill $p1 $p2
pids=
want=$(cpuguard show --json)
printf 'cgroup %s/nx\377\376 1\ncgroup %s/nx\033]0;title\007 1\n' $H $H >/tmp/missing.conf
refused "missing odd names" /tmp/missing.conf \
	'^/tmp/missing.conf:1: cgroup /hx/nx\\xff\\xfe: no such cgroup$' \
	'^/tmp/missing.conf:2: cgroup /hx/nx\\x1b]0;title\\x07: no such cgroup$'

# ---- thousands of entries ----
section "thousands of entries"
mkdir $CG$H/many
cd $CG$H/many
seq 1 3000 | sed 's/^/c/' | xargs mkdir
cd /tmp
{
	echo "set narrow 1-2"
	echo "cgroup $H/many 1-3"
	seq 1 3000 | sed "s|^|cgroup $H/many/c|; s|\$| narrow|"
} >/tmp/many.conf
start=$(date +%s)
run_rc cpuguard apply /tmp/many.conf
expect_eq "3001 entries apply" 0 $RC
expect_eq "3001 entries: says" "applied /tmp/many.conf: 3001 cgroups" "$OUT"
shown=$(cpuguard show --json)
pass "3001 entries applied and shown in $(($(date +%s) - start)) s"
expect_eq "3001 entries shown" 3001 "$(printf '%s' "$shown" | grep -o '"cgroup": ' | wc -l)"
expect_match "one of them" "\"cgroup\": \"$H/many/c2999\", \"cgroup_id\": $(id $H/many/c2999), \"cpus\": \"1-2\", \"set\": \"narrow\", \"mode\": \"enforce\"" "$shown"
expect_match "status counts them" '"entries": 3001' "$(cpuguard status --json)"
# Replaced by the odd ones, inline and in audit mode.
seq 1 2 3000 | sed "s|^|cgroup $H/many/c|; s|\$| 2 audit|" >/tmp/many2.conf
run_rc cpuguard apply /tmp/many2.conf
expect_eq "replaced by 1500" 0 $RC
shown=$(cpuguard show --json)
expect_eq "1500 shown" 1500 "$(printf '%s' "$shown" | grep -o '"cgroup": ' | wc -l)"
expect_match "an odd one, replaced" "\"cgroup\": \"$H/many/c2999\", \"cgroup_id\": $(id $H/many/c2999), \"cpus\": \"2\", \"set\": null, \"mode\": \"audit\"" "$shown"
case $shown in *"\"$H/many/c2\""* | *"\"$H/many\""*) fail "removed entries still shown" ;; esac
pass "even ones and the parent removed"
# One over the limit (32768) of entries, none of which exist: refused
# before any is resolved beyond the limit.
awk -v h=$H 'BEGIN { for (i = 0; i <= 32768; i++) print "cgroup " h "/nx/c" i " 1" }' >/tmp/limit.conf
want=$(cpuguard show --json)
refused "32769 entries" /tmp/limit.conf '^/tmp/limit.conf:1: cgroup /hx/nx/c0: no such cgroup$' \
	'^/tmp/limit.conf: 32669 more errors not shown$'
run_rc cpuguard apply /tmp/good.conf
expect_eq "back to the small policy" 0 $RC
rm -f /tmp/limit.conf /tmp/many*.conf
section done
