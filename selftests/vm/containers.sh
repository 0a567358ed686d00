# Sourced by the real-runtime tests, tests/container_*.sh (installed as
# /lib/cpuguard-containers.sh in the container suites' initramfs): Debian
# sid's runc and crun, from /opt/sid (scripts/setup.sh, mkinitramfs.sh).
# Each test sets RUNTIME (runc or crun) before sourcing this file.
. /lib/cpuguard-test.sh
SID=/opt/sid
RT=$SID/bin/$RUNTIME
[ -x "$RT" ] || fail "$RUNTIME is not in the VM ($RT): run scripts/setup.sh, then rebuild"
pass "$RUNTIME: $("$RT" --version | head -n 1)"

# The VM's root file system is the initramfs: neither runtime can pivot_root
# out of it, so both run with --no-pivot (and their state below /run).
rt() { "$RT" --root "/run/$RUNTIME" "$@"; }

# cpuset: the cgroup's cpuset.cpus; the cpuset controller is enabled from the
# root down to it. setup_cgroup PATH CPUS
setup_cgroup() {
	echo +cpuset >$CG/cgroup.subtree_control
	mkdir -p "$CG$1"
	echo "$2" >"$CG$1/cpuset.cpus" || fail "cpuset.cpus $2 for $1"
	pass "$1: cpuset.cpus.effective = $(cat "$CG$1/cpuset.cpus.effective")"
}

# make_bundle DIR CGROUP_PATH SCRIPT [CPUS]: an OCI bundle whose busybox
# rootfs runs `sh -c SCRIPT` as root in CGROUP_PATH (created by the
# runtime, with cpuset.cpus CPUS if given), with its own pid, mount, ipc and
# uts namespaces, stdio inherited from the runtime.
make_bundle() {
	local dir=$1 cgpath=$2 script=$3 cpus=${4:-} a resources=""
	[ -z "$cpus" ] || resources='"resources": { "cpu": { "cpus": "'$cpus'" } },'
	rm -rf "$dir"
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/dev" "$dir/rootfs/tmp"
	cp /bin/busybox "$dir/rootfs/bin/"
	for a in sh cat grep sleep taskset echo test [ true false; do
		ln -s busybox "$dir/rootfs/bin/$a"
	done
	# The script is a file in the rootfs, so config.json needs no escaping.
	printf '%s\n' "$script" >"$dir/rootfs/run.sh"
	cat >"$dir/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {
		"terminal": false,
		"user": { "uid": 0, "gid": 0 },
		"args": [ "/bin/sh", "/run.sh" ],
		"env": [ "PATH=/bin" ],
		"cwd": "/",
		"noNewPrivileges": true
	},
	"root": { "path": "rootfs", "readonly": false },
	"hostname": "ctr",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		  "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] }
	],
	"linux": {
		$resources
		"cgroupsPath": "$cgpath",
		"namespaces": [ { "type": "pid" }, { "type": "mount" }, { "type": "ipc" }, { "type": "uts" } ]
	}
}
EOF
}

# run_container ID BUNDLE: run it in the foreground; $RC, $OUT (the
# container's output and the runtime's messages) as run_rc sets them.
run_container() {
	local t0=$(date +%s)
	run_rc rt run --no-pivot --bundle "$2" "$1"
	echo "  ($RUNTIME run took $(($(date +%s) - t0)) s, exit $RC)"
	rt delete -f "$1" >/dev/null 2>&1 || true
}

# start_background PREFIX: run container ctr of bundle /tmp/b in the
# background (output in /tmp/ctr.out, the runtime's pid in $rtpid) until
# its script has written /tmp/ready; PREFIX starts the failure messages.
start_background() {
	local i=0
	rt run --no-pivot --bundle /tmp/b ctr >/tmp/ctr.out 2>&1 &
	rtpid=$!
	while [ ! -e /tmp/b/rootfs/tmp/ready ]; do
		i=$((i + 1))
		[ $i -le 600 ] || { cat /tmp/ctr.out; fail "$1the container did not start in 60 s"; }
		kill -0 $rtpid 2>/dev/null || { cat /tmp/ctr.out; fail "$1$RUNTIME exited early"; }
		sleep 0.1
	done
}

# finish_background: let its script go on (/tmp/go), wait for the runtime,
# show the output ($OUT, $RC as run_rc sets them) and delete the container.
finish_background() {
	touch /tmp/b/rootfs/tmp/go
	wait $rtpid && RC=0 || RC=$?
	OUT=$(cat /tmp/ctr.out)
	printf '%s\n' "$OUT" | sed 's/^/  | /'
	rt delete -f ctr >/dev/null 2>&1 || true
}

# The reset both runtimes do is a request for all CPUs. On a refusal runc
# warns and carries on; crun fails the start.
RUNC_WARNING='resetting the CPU affinity of pid [0-9]+ failed'
CRUN_ERROR='sched_setaffinity: Operation not permitted'

# events: the pending audit events as JSON lines, in $EVENTS; $NEVENTS.
# A container's cgroup is usually gone by then ("cgroup": null): the runtime
# removes it when the container exits or fails to start.
events() {
	EVENTS=$(cpuguard audit --json) || fail "cpuguard audit"
	NEVENTS=$(printf '%s\n' "$EVENTS" | grep -c '^{' || true)
	printf '%s\n' "$EVENTS" | sed 's/^/  event: /'
}

# The CPUs a task may run on, from inside or outside: "1-2".
cpus_of() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$1/status"; }

# inside_set LIST SET: every CPU of LIST is in SET (lists of 4 CPUs at most).
inside_set() {
	local c
	for c in 0 1 2 3; do
		cpu_in "$c" "$1" && ! cpu_in "$c" "$2" && return 1
	done
	return 0
}
cpu_in() {
	local part
	for part in $(echo "$2" | tr ',' ' '); do
		case $part in
		*-*) [ "$1" -ge "${part%-*}" ] && [ "$1" -le "${part#*-}" ] && return 0 ;;
		*) [ "$1" = "$part" ] && return 0 ;;
		esac
	done
	return 1
}

# ---- the cases; each tests/container_CASE_RUNTIME.sh runs one ----

# (a) The cpuset (1-2) lies inside the policy (1-2): the container starts,
# runs on those CPUs only, and nothing is denied. The runtime's reset asks
# for all CPUs; the kernel narrows that to the cpuset, so the effective
# request is inside the set.
# Needs the kernel side's effective-request judgment (issue #15, merged from
# main): a kernel side that judged the raw request denied the reset, so crun
# failed and runc warned.
case_start() {
	cpuguard load >/dev/null || fail "load"
	setup_cgroup /narrow 1-2
	echo 'cgroup /narrow 1-2' >/tmp/p.conf
	cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
	make_bundle /tmp/b /narrow/ctr-$RUNTIME 'grep Cpus_allowed_list: /proc/self/status'
	run_container ctr /tmp/b
	expect_eq "$RUNTIME starts the container (exit status)" 0 "$RC"
	printf '%s\n' "$OUT" | grep -Eq "$RUNC_WARNING|$CRUN_ERROR" &&
		fail "$RUNTIME reports a refused affinity reset"
	pass "no refused reset in $RUNTIME's messages"
	expect_match "the container's CPUs" 'Cpus_allowed_list:[[:space:]]+1-2$' "$OUT"
	events
	expect_eq "events (no denial)" 0 "$NEVENTS"
	expect_match "status: nothing denied" '"denied": 0,' "$(cpuguard status --json)"
}

# (b) The cpuset (0-2) is wider than the policy (1-2): the reset (all CPUs,
# effectively 0-2) is refused and reported. runc warns and starts the
# container anyway, on runc's own CPUs narrowed to the cpuset; crun fails
# the start. Both are the runtimes' choices.
case_wide() {
	cpuguard load >/dev/null || fail "load"
	setup_cgroup /wide 0-2
	echo 'cgroup /wide 1-2' >/tmp/p.conf
	cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
	make_bundle /tmp/b /wide/ctr-$RUNTIME 'grep Cpus_allowed_list: /proc/self/status'
	run_container ctr /tmp/b
	if [ "$RUNTIME" = runc ]; then
		expect_eq "runc starts the container anyway (exit status)" 0 "$RC"
		expect_match "runc warns" "$RUNC_WARNING" "$OUT"
		expect_match "the container's CPUs (the cpuset's)" 'Cpus_allowed_list:[[:space:]]+0-2$' "$OUT"
	else
		[ "$RC" != 0 ] || fail "crun started the container although its reset was refused"
		pass "crun fails the start (exit $RC)"
		expect_match "crun's error" "$CRUN_ERROR" "$OUT"
	fi
	events
	[ "$NEVENTS" -ge 1 ] || fail "no event for the refused reset"
	expect_match "the refused reset is reported" \
		'"action": "deny", .*"cgroup": (null|"/wide/ctr-'$RUNTIME'"), "cgroup_id": [0-9]+, "policy_cgroup": "/wide", "requested": "0-3", "effective": "0-2", "allowed": "1-2"' \
		"$(printf '%s\n' "$EVENTS" | head -n 1)"
	run_rc cpuguard audit
	expect_eq "no event left" "" "$OUT"
}

# (c) A process inside a running container cannot widen its affinity beyond
# the set, and the host cannot widen it for it. The cgroup's cpuset (0-3)
# does not narrow anything here, so every verdict is cpuguard's. The policy
# is applied after the start, so this runs with either kind of judgment.
case_inside() {
	cpuguard load >/dev/null || fail "load"
	setup_cgroup /inside 0-3
	echo '# nothing confined yet' >/tmp/p.conf
	cpuguard apply /tmp/p.conf >/dev/null || fail "apply (empty)"
	make_bundle /tmp/b /inside/ctr-$RUNTIME '
taskset -pc 1-2 $$ >/dev/null || echo "cannot narrow itself"
echo ready >/tmp/ready
while [ ! -e /tmp/go ]; do sleep 0.1; done
for l in 0-3 0 3 1-2 2; do
	if taskset -pc $l $$ >/dev/null 2>&1; then echo "$l ok"; else echo "$l refused"; fi
done
sh -c "taskset -pc 0-3 \$\$ >/dev/null 2>&1 && echo child ok || echo child refused"
grep Cpus_allowed_list: /proc/self/status'
	start_background ""
	pid=$(head -n 1 $CG/inside/ctr-$RUNTIME/cgroup.procs)
	pass "container started: pid $pid, CPUs $(cpus_of $pid)"
	echo 'cgroup /inside 1-2' >/tmp/p.conf
	cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
	run_rc taskset -pc 0-3 $pid
	[ "$RC" != 0 ] || fail "the host widened the container's affinity"
	pass "the host cannot widen it either"
	finish_background
	expect_eq "$RUNTIME exit" 0 "$RC"
	expect_eq "requests from inside" "0-3 refused
0 refused
3 refused
1-2 ok
2 ok
child refused" "$(printf '%s\n' "$OUT" | grep -E ' (ok|refused)$')"
	expect_match "the container's CPUs at the end" 'Cpus_allowed_list:[[:space:]]+2$' "$OUT"
	events
	expect_eq "deny events" 5 "$(printf '%s\n' "$EVENTS" | grep -c '"action": "deny", .*"policy_cgroup": "/inside"')"
}

# (d) A strict entry judges the raw request: the reset (all CPUs) is refused
# and reported although the cpuset (1-2) would have narrowed it into the set.
# (A kernel side without the effective-request judgment judged every entry
# raw, so this passed there too; with it, this is what tells strict apart.)
# A strict entry's verdict does not read the cpuset, so its reports give the
# request itself as "effective" (lsm/verdict.bpf.c).
case_strict() {
	cpuguard load >/dev/null || fail "load"
	setup_cgroup /strict 1-2
	mkdir -p $CG/strict-audit
	printf 'cgroup /strict 1-2 strict\ncgroup /strict-audit 1-2 strict audit\n' >/tmp/p.conf
	cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
	run_rc cpuguard show --json
	expect_match "show --json" '"cgroup": "/strict", .*"mode": "enforce", "strict": true, "state": "active"[^}]*\}, \{"cgroup": "/strict-audit", .*"mode": "audit", "strict": true, "state": "active"[^}]*\}\]$' "$OUT"
	run_rc cpuguard show
	expect_match "show" '^/strict +1-2 +- +enforce,strict +active +[0-9]+$' "$(printf '%s\n' "$OUT" | grep '^/strict ')"
	expect_match "show" '^/strict-audit +1-2 +- +audit,strict +active +[0-9]+$' "$(printf '%s\n' "$OUT" | grep '^/strict-audit ')"
	make_bundle /tmp/b /strict/ctr-$RUNTIME 'grep Cpus_allowed_list: /proc/self/status'
	run_container ctr /tmp/b
	if [ "$RUNTIME" = runc ]; then
		expect_eq "runc starts the container anyway (exit status)" 0 "$RC"
		expect_match "runc warns" "$RUNC_WARNING" "$OUT"
		expect_match "the container's CPUs (the cpuset's)" 'Cpus_allowed_list:[[:space:]]+1-2$' "$OUT"
	else
		[ "$RC" != 0 ] || fail "crun started the container although its reset was refused"
		pass "crun fails the start (exit $RC)"
		expect_match "crun's error" "$CRUN_ERROR" "$OUT"
	fi
	events
	expect_match "the refused reset is reported" \
		'"action": "deny", .*"cgroup": (null|"/strict/ctr-'$RUNTIME'"), "cgroup_id": [0-9]+, "policy_cgroup": "/strict", "requested": "0-3", "effective": "0-3", "allowed": "1-2"' \
		"$(printf '%s\n' "$EVENTS" | head -n 1)"
}

# (e) The policy names the container's own cgroup, which the runtime creates
# at each start (`optional`: it does not exist when the policy is applied).
# Each start gets a new cgroup at that path, confined by the kernel side
# before the runtime can put the container's init into it: with its cpuset
# (1-2, its parent's and the bundle's) inside the set the runtime's reset is
# allowed, and once the host widens the cpusets to 0-3 neither the host nor
# the container can widen the affinity. Two starts: the second is a
# re-created cgroup, as after a restart. (runc resets the affinity before it
# writes the container's own cpuset, so with a parent cpuset wider than the
# set its reset would be refused and runc would warn; crun writes it first.)
case_follow() {
	local round pid
	cpuguard load >/dev/null || fail "load"
	setup_cgroup /fol 1-2
	echo "cgroup /fol/ctr-$RUNTIME 1-2 optional" >/tmp/p.conf
	cpuguard apply /tmp/p.conf >/dev/null || fail "apply"
	expect_match "before the start: waiting" '"state": "waiting", "optional": true, "followed": 0' "$(cpuguard show --json)"
	for round in 1 2; do
		make_bundle /tmp/b /fol/ctr-$RUNTIME '
grep Cpus_allowed_list: /proc/self/status
echo ready >/tmp/ready
while [ ! -e /tmp/go ]; do sleep 0.1; done
if taskset -pc 0-3 $$ >/dev/null 2>&1; then echo "0-3 ok"; else echo "0-3 refused"; fi' 1-2
		start_background "start $round: "
		pid=$(head -n 1 $CG/fol/ctr-$RUNTIME/cgroup.procs)
		pass "start $round: pid $pid in cgroup $(stat -c %i $CG/fol/ctr-$RUNTIME), CPUs $(cpus_of $pid)"
		expect_match "start $round: confined by the kernel side" '"cgroup": "/fol/ctr-'$RUNTIME'", "cgroup_id": [0-9]+, "cpus": "1-2", "set": null, "mode": "enforce", "strict": false, "state": "active", "optional": true, "followed": '$round "$(cpuguard show --json)"
		echo 0-3 >$CG/fol/cpuset.cpus && echo 0-3 >$CG/fol/ctr-$RUNTIME/cpuset.cpus || fail "widen the cpusets"
		expect_eq "start $round: its cpuset now" 0-3 "$(cat $CG/fol/ctr-$RUNTIME/cpuset.cpus.effective)"
		run_rc taskset -pc 0-3 $pid
		[ "$RC" != 0 ] || fail "start $round: the host widened the container's affinity"
		pass "start $round: the host cannot widen it"
		finish_background
		echo 1-2 >$CG/fol/cpuset.cpus
		expect_eq "start $round: $RUNTIME exit" 0 "$RC"
		printf '%s\n' "$OUT" | grep -Eq "$RUNC_WARNING|$CRUN_ERROR" && fail "start $round: $RUNTIME reports a refused reset"
		expect_match "start $round: the container's CPUs" 'Cpus_allowed_list:[[:space:]]+1-2$' "$OUT"
		expect_match "start $round: the container cannot widen them" '^0-3 refused$' "$OUT"
	done
	events
	expect_eq "deny events (host and container, two starts)" 4 "$(printf '%s\n' "$EVENTS" | grep -Ec '"action": "deny", .*"policy_cgroup": (null|"/fol/ctr-'$RUNTIME'")')"
	expect_match "after the container: waiting again" '"state": "waiting", "optional": true, "followed": 2' "$(cpuguard show --json)"
}
