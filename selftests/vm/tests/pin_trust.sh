# Issue #14 items 1-3, as an unprivileged local user would attack them:
# cpuguard trusts nothing at the pin directory because of its name, removes
# only its own pins, and prints task and cgroup names in audit text escaped.
. /lib/cpuguard-test.sh
B=/sys/fs/bpf
as_nobody() { su nobody -s /bin/sh -c "$*"; }
# What `mount -t bpf bpf /sys/fs/bpf` gives, and what makes the attacks possible.
expect_eq "bpffs root mode (no mode= option)" 1777 "$(stat -c %a $B)"
echo 0 >/proc/sys/fs/protected_symlinks

# ---- 1. unload removes cpuguard's pins only ----
mkdir -p /tmp/scratch
echo keep >/tmp/scratch/important.txt
echo keep >/tmp/scratch/notes.md
run_rc cpuguard --pin-dir /tmp/scratch unload
expect_eq "unload of a non-bpffs directory exits" 1 $RC
expect_match "it says why" 'not on a BPF file system' "$OUT"
expect_eq "its files are kept" "important.txt notes.md" "$(ls /tmp/scratch | tr '\n' ' ' | sed 's/ $//')"

# A symlinked pin directory (made by nobody) pointing at a root-only directory.
mkdir -p /tmp/rootonly && chmod 700 /tmp/rootonly && echo secret >/tmp/rootonly/keep
as_nobody "ln -s /tmp/rootonly $B/cpuguard"
run_rc cpuguard unload
expect_eq "unload through a symlink exits" 1 $RC
expect_match "it names the symlink" 'is a symbolic link' "$OUT"
expect_eq "the target is untouched" secret "$(cat /tmp/rootonly/keep)"
run_rc cpuguard load
expect_eq "load over a symlink exits" 1 $RC
expect_match "load names the symlink" 'symbolic link.*mode=700' "$OUT"
rm $B/cpuguard

# ---- 2. "loaded" means cpuguard's own pins, verified ----
as_nobody "mkdir $B/cpuguard && mkdir $B/cpuguard/link_judge"
run_rc cpuguard load
expect_eq "load over nobody's directory exits" 1 $RC
expect_match "it names the owner" 'owned by uid 65534, not root' "$OUT"
run_rc cpuguard status
expect_eq "status exits" 1 $RC
expect_match "status says not loaded, and why" '^loaded: +no \(.*owned by uid 65534' "$OUT"
printf '# nothing\n' >/tmp/ok.conf
run_rc cpuguard apply /tmp/ok.conf
expect_eq "apply exits" 1 $RC
expect_match "apply says why" 'owned by uid 65534' "$OUT"
rm -r $B/cpuguard

mkdir -m 755 $B/cpuguard
run_rc cpuguard load
expect_eq "load over a 0755 directory exits" 1 $RC
expect_match "it names the mode" 'has mode 0755, not 0700' "$OUT"
rmdir $B/cpuguard

mkdir -m 700 $B/cpuguard && mkdir $B/cpuguard/link_judge
run_rc cpuguard load
expect_eq "load over a directory named link_judge exits" 1 $RC
expect_match "it names the pin" 'link_judge is not a pinned BPF object' "$OUT"
rmdir $B/cpuguard/link_judge

# A verified directory without the judging link: left by a load that died.
run_rc cpuguard load
expect_eq "load over an empty 0700 directory" 0 $RC
expect_match "loads" '^cpuguard loaded' "$OUT"
expect_eq "pin dir mode" 700 "$(stat -c %a $B/cpuguard)"
run_rc cpuguard load
expect_match "second load" 'already loaded' "$OUT"
run_rc cpuguard unload
expect_eq "unload" 0 $RC
[ ! -e $B/cpuguard ] || fail "pin directory left behind"
pass "pin directory removed"

# ---- 3. audit text escapes what tasks and cgroup creators choose ----
cpuguard load >/dev/null
evil_cg=$(printf 'x\033[31m')
mkdir -p "$CG/pjail/$evil_cg"
printf 'cgroup /pjail 1\n' >/tmp/p.conf
cpuguard apply /tmp/p.conf >/dev/null
mkdir -p /tmp/evil
cp /bin/affinity "/tmp/evil/$(printf '\033[2J\nFAKE DENY')"
chmod 755 /tmp/evil /tmp/evil/*
cat >/tmp/run-evil.sh <<S
echo \$\$ >"$CG/pjail/$evil_cg/cgroup.procs" 2>/dev/null
exec /tmp/evil/* set 0 0
S
chmod 755 /tmp/run-evil.sh
# The task is nobody's; root places it and nobody makes the request.
sh -c 'echo $$ >"$1/cgroup.procs"; exec su nobody -s /bin/sh -c /tmp/run-evil.sh' _ "$CG/pjail/$evil_cg" >/tmp/evil.out 2>&1 || true
expect_match "nobody's request refused" 'EPERM' "$(cat /tmp/evil.out)"
cpuguard audit >/tmp/audit.txt
expect_eq "one event, one line" 1 "$(wc -l </tmp/audit.txt)"
if tr -d '\n' </tmp/audit.txt | grep -q "$(printf '\033')"; then fail "raw ESC byte in audit text"; fi
pass "no raw control byte in audit text"
expect_match "comm escaped" 'DENY: \\x1b\[2J\\x0aFAKE DENY\[[0-9]+/[0-9]+\] set affinity of \\x1b\[2J\\x0aFAKE DENY\[' "$(cat /tmp/audit.txt)"
expect_match "cgroup escaped" 'in /pjail/x\\x1b\[31m to 0; allowed 1 by /pjail$' "$(cat /tmp/audit.txt)"
