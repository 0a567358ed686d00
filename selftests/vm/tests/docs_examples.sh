# Every cpuguard command shown in docs/usage.md and the man pages runs as
# documented (#14: "so the docs cannot drift again"): each invocation found
# in code blocks and inline code (man: in the roff source) is run in the VM,
# with placeholders filled in, and must exit 0 (audit --follow: run until
# killed). The `cpuguard status` samples of usage.md must match the real
# output line by line, numbers aside.
. /lib/cpuguard-test.sh
D=/progs
for f in usage.md cpuguard.8 cpuguard.conf.5; do [ -r $D/$f ] || fail "$D/$f missing"; done

# extract_usage FILE.md: cpuguard invocations in code blocks and inline code.
extract_md() {
	awk '
		/^ *```/ { code = !code; next }
		code { sub(/^ *# /, ""); sub(/ +#.*/, ""); print; next }
		{ while (match($0, /`[^`]*`/)) { print substr($0, RSTART + 1, RLENGTH - 2); $0 = substr($0, RSTART + RLENGTH) } }
	' "$1" | grep -o 'cpuguard [^|;&#`>]*'
}
# extract_man FILE.N: the same from roff source.
extract_man() {
	sed -e 's/\\-/-/g; s/\\e/\\/g; s/\\(aq/'"'"'/g; s/\\(dq/"/g' \
	    -e 's|\\\*\[cg-policy\]|/etc/cpuguard/policy.conf|g; s|\\\*\[cg-bin\]|cpuguard|g' \
	    -e 's/\\f[BIRP]//g; s/^\.[A-Z]* //; s/"//g' "$1" |
		sed 's/^# //' | grep -o 'cpuguard [^|;&#>]*'
}
# keep only invocations: the first word that is not an option (or an
# option's argument) must be a command, or the invocation is --help/--version.
keep_invocations() {
	while IFS= read -r line; do
		set -- $line
		shift
		cmd=
		while [ $# -gt 0 ]; do
			case $1 in
			--pin-dir | -p | --cgroup-root | --wait | --possible) shift 2 ;;
			--help | -h | --version | -V) cmd=$1; break ;;
			-*) shift ;;
			*) cmd=$1; break ;;
			esac
		done
		case $cmd in
		load | unload | check | apply | show | status | audit | --help | -h | --version | -V)
			printf '%s\n' "$line" | sed 's/[ .,:)]*$//' ;;
		esac
	done
}

# A policy for this VM in the shape of the documented ones.
mkdir -p /etc/cpuguard $CG/system.slice $CG/init.scope $CG/workload.slice $CG/batch.slice
printf 'set housekeeping 0\nset workload 1-3\ncgroup /system.slice housekeeping\ncgroup /init.scope housekeeping\ncgroup /workload.slice workload\ncgroup /batch.slice 2-3 audit\n' \
	>/etc/cpuguard/policy.conf
cp /etc/cpuguard/policy.conf /tmp/FILE.conf
ensure_loaded() {
	[ -e /sys/fs/bpf/cpuguard/link_judge ] && return
	cpuguard load >/dev/null && cpuguard apply /etc/cpuguard/policy.conf >/dev/null || fail "cannot reload"
}

{ extract_md $D/usage.md; extract_man $D/cpuguard.8; extract_man $D/cpuguard.conf.5; } |
	keep_invocations | awk '!seen[$0]++' >/tmp/invocations
n=$(wc -l </tmp/invocations)
[ "$n" -ge 10 ] || fail "only $n invocations found in the docs: the extraction broke"
pass "$n distinct invocations in the docs"
while IFS= read -r inv; do
	# Placeholders, and a synopsis whose FILE is on the next roff line.
	cmdline=$(printf '%s\n' "$inv" | sed 's|FILE|/tmp/FILE.conf|g; s|DIR|/sys/fs/bpf/cpuguard|g; s|SECONDS|1|g; s|LIST|0-3|g')
	case $cmdline in *" check" | *" apply") cmdline="$cmdline /tmp/FILE.conf" ;; esac
	case $cmdline in *--journal*)
		# The VM has neither libsystemd nor journald; host.journal runs
		# this path against a real systemd-journald instead.
		echo "not run here: '$inv' (needs journald: see the host.journal test)"
		continue ;;
	esac
	ensure_loaded
	out=$(timeout 5 sh -c "$cmdline" 2>&1 </dev/null) && rc=0 || rc=$?
	case $cmdline in
	*--follow*) [ $rc = 0 ] || [ $rc -ge 124 ] || fail "'$inv' exited $rc: $out" ;;
	*) [ $rc = 0 ] || fail "'$inv' (run as '$cmdline') exited $rc: $out" ;;
	esac
	pass "'$inv' runs (exit $rc)"
done </tmp/invocations

# The status samples.
norm() { sed -E 's/[0-9a-f]{16}/H/g; s/[0-9]+/N/g'; }
awk '/^ *```/ { if (code && want) print "--"; code = !code; want = 0; next }
     code && /^# cpuguard status$/ { want = 1; next }
     code && want { print }' $D/usage.md >/tmp/samples
[ -s /tmp/samples ] || fail "no status sample found in usage.md"
i=0
while [ -s /tmp/samples ]; do
	i=$((i + 1))
	sed -n '1,/^--$/p' /tmp/samples | sed '$d' >/tmp/sample
	sed -i '1,/^--$/d' /tmp/samples
	case $(head -n 1 /tmp/sample) in
	"loaded:   no"*) cpuguard unload >/dev/null ;;
	*) ensure_loaded ;;
	esac
	real=$(cpuguard status 2>&1 | norm)
	want=$(norm </tmp/sample)
	expect_eq "status sample $i" "$want" "$real"
done
