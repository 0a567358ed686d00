# The README's demo, also run as a test so that it cannot rot: load, apply
# policy/examples/demo.conf, an allowed taskset, a denied one, the event.
. /lib/cpuguard-test.sh
say() { printf '\n$ %s\n' "$*"; "$@"; }
mkdir -p $CG/demo $CG/demo-audit
sleep 1000 & worker=$!
echo $worker >$CG/demo/cgroup.procs

say cpuguard load || fail "load"
say cat /progs/demo.conf
say cpuguard apply /progs/demo.conf || fail "apply"
say cpuguard show
echo "(a worker, pid $worker, runs in /demo)"
say taskset -p -c 1-2 $worker || fail "allowed taskset failed"
if say taskset -p -c 0-3 $worker; then fail "taskset outside the set succeeded"; fi
say cpuguard audit --json >/tmp/events
cat /tmp/events
expect_match "the denial" '"action": "deny", .*"target_pid": '$worker', .*"cgroup": "/demo", .*"requested": "0-3", "effective": "0-3", "allowed": "1-2"' "$(cat /tmp/events)"
say cpuguard status
kill $worker
