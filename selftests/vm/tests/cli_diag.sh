# Issue #14 items 4-8 and 11: diagnostics that tell the truth, the lock,
# another cgroup2 mount, versions; errors as JSON under --json.
. /lib/cpuguard-test.sh
P=/sys/fs/bpf/cpuguard

# ---- 4. securityfs not mounted: say so, do not advise lsm=bpf ----
umount /sys/kernel/security
run_rc cpuguard load
mount -t securityfs securityfs /sys/kernel/security
expect_eq "load without securityfs exits" 1 $RC
expect_match "names the cause" '^cpuguard: cannot tell whether BPF LSM is active: securityfs is not mounted' "$OUT"
expect_match "gives the fix" 'mount -t securityfs securityfs /sys/kernel/security' "$OUT"
case $OUT in *lsm=*) fail "advised lsm= without knowing the LSM list" ;; esac
pass "no lsm= advice"
[ ! -e $P ] || fail "load left a pin directory"

# ---- 6. status: not loaded, unprivileged, loaded: each clean ----
run_rc cpuguard status
expect_eq "status before load exits" 1 $RC
expect_eq "status before load" "loaded:   no (nothing pinned at $P: run 'cpuguard load')
kernel:   supported" "$OUT"
OUT=$(cpuguard status --json 2>&1) || true
expect_match "json before load: no counters" '"entries": null, "active": null, "waiting": null, "unconfined": null, "checks": null' "$OUT"
expect_match "json before load: a reason" "\"reason\": \"nothing pinned at $P: run 'cpuguard load'\"" "$OUT"
expect_match "json before load: nothing missing" '"missing": \[\]' "$OUT"
cpuguard load >/dev/null
run_rc su nobody -s /bin/sh -c "cpuguard status"
expect_eq "unprivileged status exits" 1 $RC
expect_eq "unprivileged status" "loaded:   unknown: missing capability CAP_BPF (run as root)
kernel:   unknown: missing capability CAP_BPF (run as root)" "$OUT"
run_rc su nobody -s /bin/sh -c "cpuguard status --json"
expect_match "unprivileged json" '^\{"loaded": null, .*"kernel_supported": null, .*"reason": "missing capability CAP_BPF \(run as root\)"' "$OUT"
run_rc cpuguard status
expect_eq "status loaded exits" 0 $RC
expect_match "no error line in the report" '^loaded: +yes' "$(printf '%s\n' "$OUT" | head -n 1)"
for c in checks allowed denied audited reported events dropped errors; do
	expect_match "counter $c listed" "^$c: +[0-9]+ \(" "$OUT"
done

# ---- 11. versions: the same, or say how to reload ----
expect_match "version line" '^version: +[^ ]+ \(object [0-9a-f]{16}\), as this cpuguard$' "$OUT"
OUT=$(cpuguard status --json)
expect_match "json: same version" '"same_version": true' "$OUT"
rm $P/version   # as a cpuguard from before the version pin left it
run_rc cpuguard status
expect_eq "status with older programs exits" 0 $RC
expect_match "says they are older" '^version: +programs unknown \(loaded by a cpuguard older than .*\); to run this cpuguard.s programs: cpuguard unload && cpuguard load' "$OUT"
expect_match "json: not the same" '"loaded_version": null, .*"same_version": false' "$(cpuguard status --json)"
run_rc cpuguard load; expect_match "still loaded" 'already loaded' "$OUT"

# ---- errors as JSON under --json ----
cpuguard unload >/dev/null
OUT=$(cpuguard show --json 2>/dev/null) && RC=0 || RC=$?
expect_eq "show --json not loaded exits" 1 $RC
expect_eq "show --json error on stdout" "{\"error\": \"cpuguard: not loaded (nothing pinned at $P): run 'cpuguard load'\"}" "$OUT"
OUT=$(cpuguard audit --json 2>/dev/null) || true
expect_match "audit --json error" '^\{"error": "cpuguard: not loaded' "$OUT"

# ---- 7. a held lock: bounded wait, naming the holder ----
cpuguard load >/dev/null
mkdir -p $CG/lk
printf 'cgroup /lk 1\n' >/tmp/lk.conf
holdlock $P 30 >/tmp/hold.out &
h=$!
while [ ! -s /tmp/hold.out ]; do sleep 0.1; done
start=$(date +%s)
run_rc cpuguard apply --wait 2 /tmp/lk.conf
took=$(($(date +%s) - start))
expect_eq "apply with the lock held exits" 1 $RC
expect_match "names the holder" "pid $h \\(holdlock\\) holds the lock on $P.*waiting up to 2 s" "$OUT"
expect_match "gives up" "cannot lock $P: pid $h \\(holdlock\\) has held it for more than 2 s" "$OUT"
[ $took -le 6 ] || fail "apply waited $took s for a 2 s --wait"
pass "gave up after $took s"
run_rc cpuguard apply --wait 0 /tmp/lk.conf
expect_match "--wait 0 fails at once" 'more than 0 s' "$OUT"
run_rc cpuguard unload --wait 1
expect_eq "unload with the lock held exits" 1 $RC
kill $h; wait $h 2>/dev/null || true
run_rc cpuguard apply /tmp/lk.conf; expect_eq "apply once released" 0 $RC
run_rc cpuguard show --wait 1; expect_eq "show does not take --wait" 2 $RC

# ---- 8. cgroup2 mounted elsewhere ----
mkdir -p /tmp/cg2
mount -t cgroup2 none /tmp/cg2
mkdir -p /tmp/cg2/alt
printf 'cgroup /alt 1\n' >/tmp/alt.conf
run_rc cpuguard --cgroup-root /tmp/cg2 apply /tmp/alt.conf; expect_eq "apply with --cgroup-root" 0 $RC
run_rc cpuguard --cgroup-root /tmp/cg2 show
expect_match "show with --cgroup-root names the path" "^/alt +1 +- +enforce +active +$(stat -c %i /tmp/cg2/alt)" "$OUT"
sleep 1000 & t=$!
echo $t >/tmp/cg2/alt/cgroup.procs
run_rc affinity set $t 0; expect_eq "enforced" EPERM "$OUT"
kill $t
# Detected from the mount table when /sys/fs/cgroup is not cgroup2.
run_rc unshare -m sh -c "mount --make-rprivate / && umount /sys/fs/cgroup && cpuguard check /tmp/alt.conf && cpuguard status"
expect_match "check finds the other mount" '^/tmp/alt.conf: valid: 0 sets, 1 cgroup' "$OUT"
expect_match "status: kernel supported through it" '^kernel: +supported' "$OUT"
umount /tmp/cg2 || true
