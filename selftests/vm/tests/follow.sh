# Entries follow their path (#16): a cgroup created at a path the policy in
# force names is confined by the kernel side before any task can enter it,
# with no command run. Service restarts (1000+), optional entries, nested
# re-creation, re-creation racing apply, and no entry or reference leak.
. /lib/cpuguard-test.sh
cpuguard load >/dev/null || fail "load"
PM=/sys/fs/bpf/cpuguard/policy_map
# refs PATH: references held to the mask of PATH's line (in force)
refs() { mask_refs /sys/fs/bpf/cpuguard 0 "$1" 2>/dev/null || mask_refs /sys/fs/bpf/cpuguard 1 "$1"; }
mkdir -p $CG/svc $CG/slice/inner $CG/parent
cat >/tmp/f.conf <<'P'
cgroup /svc 1-2
cgroup /slice 1-2
cgroup /slice/inner 2
cgroup /later 3 optional
cgroup /audited 0 audit optional
cgroup /parent/svc 1 optional
P
run_rc cpuguard apply /tmp/f.conf; expect_eq "apply with optional entries" 0 $RC
expect_eq "apply says what waits" "applied /tmp/f.conf: 6 cgroups (3 waiting for their cgroup: confined when created)" "$(printf '%s\n' "$OUT" | head -n 1)"
run_rc cpuguard show --json
expect_match "optional entry waits" '"cgroup": "/later", "cgroup_id": null, "cpus": "3", "set": null, "mode": "enforce", "strict": false, "state": "waiting", "optional": true, "followed": 0, "error": null' "$OUT"
expect_match "status counts" '"active": 3, "waiting": 3, "unconfined": 0' "$(cpuguard status --json)"
run_rc cpuguard status; expect_match "status text" 'entries: +6 \(3 active, 3 waiting for their cgroup\)' "$OUT"
run_rc cpuguard show; expect_match "table" '/later +3 +- +enforce +waiting,optional +-' "$OUT"

# Without `optional`, a missing path is still an error, and nothing changes.
printf 'cgroup /svc 1-2\ncgroup /nope 1\n' >/tmp/bad.conf
run_rc cpuguard apply /tmp/bad.conf; expect_eq "missing path refused" 1 $RC
expect_match "names file, line and cause" '/tmp/bad.conf:2: cgroup /nope: no such cgroup' "$OUT"
expect_match "policy unchanged" '"cgroup": "/later"' "$(cpuguard show --json)"

# An optional entry's cgroup created after apply.
mkdir $CG/later
sleep 1000 & t=$!
echo $t >$CG/later/cgroup.procs
run_rc affinity set $t 0-3; expect_eq "optional cgroup created after apply: confined" EPERM "$OUT"
run_rc affinity set $t 3; expect_eq "optional cgroup: inside its set" ok "$OUT"
kill $t
mkdir $CG/audited
echo $$ >$CG/audited/cgroup.procs
run_rc affinity set self 1; expect_eq "audit entry followed: allowed" ok "$OUT"
echo $$ >$CG/cgroup.procs
expect_match "audit entry followed: shown" '"cgroup": "/audited", "cgroup_id": [0-9]+, "cpus": "0", "set": null, "mode": "audit", "strict": false, "state": "active", "optional": true, "followed": 1' "$(cpuguard show --json)"

# Restarts: the cgroup removed and created again, a task moved in at once
# asking for a CPU outside the set. Entries and memory measured around it.
# References to a mask: each line's own and one per cgroup alive at its
# path. Identical inline lists share one mask object, as a named set's
# entries do: /svc and /slice (both 1-2) hold four references to theirs
# (two lines, two cgroups), /slice/inner (2) two to its own. None is kept
# by the apply's staging (clear_generation releases a set before deleting
# it, which Linux 7.2+ would not). Counted before and after the churn.
alive=$(refs /svc) slice=$(refs /slice) inner=$(refs /slice/inner)
expect_eq "identical inline lists share one mask" "4 4 2" "$alive $slice $inner"
rmdir $CG/svc $CG/slice/inner $CG/slice
gone=$(refs /svc) slice_gone=$(refs /slice)
expect_eq "the removed cgroups' references are released" "$((alive - 2)) $((alive - 2))" "$gone $slice_gone"
expect_eq "so is the removed service's" $((inner - 1)) "$(refs /slice/inner)"
entries=$(map_entries $PM)
run_rc recreate 1000 0 1-2 $CG/svc
expect_eq "1000 restarts, out-of-set refused every time" "1000 rounds, 0 out-of-set granted, 0 in-set refused" "$OUT"
# The same as systemd 255 and later start a service: a child spawned into
# the new cgroup with clone3(CLONE_INTO_CGROUP).
run_rc env RECREATE_CLONE=1 recreate 500 0 1-2 $CG/svc
expect_eq "500 restarts by clone3(CLONE_INTO_CGROUP)" "500 rounds, 0 out-of-set granted, 0 in-set refused" "$OUT"
expect_match "restarts counted" '"cgroup": "/svc", "cgroup_id": null, "cpus": "1-2", "set": null, "mode": "enforce", "strict": false, "state": "waiting", "optional": false, "followed": 1500' "$(cpuguard show --json)"
# Under a parent whose tasks were judged before (a depth memo of "no
# confined ancestor" there, lsm/policy.bpf.h): the child's own entry wins.
echo $$ >$CG/parent/cgroup.procs
run_rc affinity set self 0-3; expect_eq "unconfined parent: allowed" ok "$OUT"
run_rc affinity set self 0-3; expect_eq "unconfined parent: allowed (memo)" ok "$OUT"
echo $$ >$CG/cgroup.procs
run_rc recreate 300 0 1 $CG/parent/svc
expect_eq "re-created below a memoized parent" "300 rounds, 0 out-of-set granted, 0 in-set refused" "$OUT"
# Nested: a slice and its service created together.
run_rc recreate 300 1 2 $CG/slice $CG/slice/inner
expect_eq "nested re-creation: the inner set holds" "300 rounds, 0 out-of-set granted, 0 in-set refused" "$OUT"
run_rc recreate 300 3 1-2 $CG/slice
expect_eq "nested re-creation: the outer set holds" "300 rounds, 0 out-of-set granted, 0 in-set refused" "$OUT"
expect_eq "removed cgroups leave no entry behind" "$entries" "$(map_entries $PM)"
# 10,000 more. A re-creation takes a reference to the line's mask (one
# shared object: a leak shows in its reference count, checked below, not
# as memory) and a policy_map element; MemAvailable as swap_stress.sh
# measures it.
mem_kb() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
sync; echo 3 >/proc/sys/vm/drop_caches
mem_before=$(mem_kb)
run_rc recreate 10000 0 1-2 $CG/svc
expect_eq "10,000 more restarts" "10000 rounds, 0 out-of-set granted, 0 in-set refused" "$OUT"
sleep 1 # let RCU free what was released
sync; echo 3 >/proc/sys/vm/drop_caches
lost_kb=$((mem_before - $(mem_kb)))
pass "over 10,000 re-creations MemAvailable went down by $lost_kb kB"
[ "$lost_kb" -lt 10000 ] || fail "$lost_kb kB lost over 10,000 re-creations"
expect_eq "still no entry behind" "$entries" "$(map_entries $PM)"
expect_eq "no reference left behind by 11,500 re-creations" "$gone" "$(refs /svc)"
expect_eq "nor by 600 nested ones" "$slice_gone $((inner - 1))" "$(refs /slice) $(refs /slice/inner)"

# Re-creation racing apply: the kernel side and apply both install; a
# cgroup created at any moment of an apply must be confined in the new
# generation too.
printf 'cgroup /svc 1-2 optional\n' >/tmp/a.conf
printf 'set s 1-3\ncgroup /svc s optional\n' >/tmp/b.conf
start_applies /tmp/a.conf /tmp/b.conf
run_rc recreate 1500 0 1-2 $CG/svc
stop_applies
expect_eq "re-creation during applies: confined every time" "1500 rounds, 0 out-of-set granted, 0 in-set refused" "$OUT"
pass "$APPLIES applies ran during the re-creations"
expect_eq "no entry left behind by the race" 0 "$(map_entries $PM)"

# The same race with the re-created cgroup among ten siblings: apply then
# checks that the siblings parsed are still there from one read of their
# parent directory (a child's inode there is its cgroup id), not one
# statx() each, and must still find the re-created one.
for i in 0 1 2 3 4 6 7 8 9; do mkdir -p $CG/sib/s$i; done
for i in 0 1 2 3 4 5 6 7 8 9; do echo "cgroup /sib/s$i 1-2 optional"; done >/tmp/a.conf
{ echo 'set s 1-3'; for i in 0 1 2 3 4 5 6 7 8 9; do echo "cgroup /sib/s$i s optional"; done; } >/tmp/b.conf
cpuguard apply /tmp/a.conf >/dev/null || fail "apply the siblings" # in force before the first round
start_applies /tmp/a.conf /tmp/b.conf
run_rc recreate 1500 0 1-2 $CG/sib/s5
stop_applies
expect_eq "re-creation among siblings during applies: confined every time" "1500 rounds, 0 out-of-set granted, 0 in-set refused" "$OUT"
pass "$APPLIES applies ran during the re-creations among siblings"
expect_eq "only the nine siblings' entries are left" 9 "$(map_entries $PM)"
for i in 0 1 2 3 4 6 7 8 9; do rmdir $CG/sib/s$i; done
rmdir $CG/sib
expect_eq "and none once they are gone" 0 "$(map_entries $PM)"

# The reference count above can fail: without forget_cgroup every removed
# cgroup's entry keeps its reference.
mkdir -p $CG/svc $CG/slice/inner
cpuguard apply /tmp/f.conf >/dev/null || fail "apply"
rmdir $CG/later
before=$(refs /later)
rm /sys/fs/bpf/cpuguard/link_forget_cgroup
run_rc recreate 50 0 3 $CG/later
expect_eq "without forget_cgroup: 50 more references" $((before + 50)) "$(refs /later)"

# Nothing follows the path any more (the link removed by hand): a new
# cgroup there is shown as NOT confined, and apply confines it.
rm /sys/fs/bpf/cpuguard/link_follow_path
mkdir $CG/later
run_rc cpuguard show; expect_match "unfollowed cgroup: warned" 'warning: /later exists but is not confined' "$OUT"
expect_match "unfollowed cgroup: state" '"cgroup": "/later", "cgroup_id": [0-9]+, "cpus": "3", "set": null, "mode": "enforce", "strict": false, "state": "unconfined"' "$(cpuguard show --json)"
cpuguard apply /tmp/f.conf >/dev/null || fail "apply again"
expect_match "apply confines it" '"cgroup": "/later", "cgroup_id": [0-9]+, "cpus": "3", "set": null, "mode": "enforce", "strict": false, "state": "active"' "$(cpuguard show --json)"
cpuguard unload >/dev/null
rmdir $CG/svc $CG/slice/inner $CG/slice $CG/later $CG/audited $CG/parent
