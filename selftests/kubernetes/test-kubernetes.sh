#!/usr/bin/env bash
# host.kubernetes: dist/kubernetes/ checked offline, without a cluster.
#   1. every manifest validated against the Kubernetes OpenAPI schemas
#      (npm kubernetes-models, installed by scripts/setup.sh with npm ci)
#      plus cross-checks (validate.mjs);
#   2. a broken copy of the DaemonSet must be refused (the validator is live);
#   3. cpuguard-agent.sh run against a stand-in cpuguard that logs its
#      calls: load, apply, re-apply when the mounted ConfigMap file is
#      swapped as the kubelet does, refusal of an invalid policy, metrics,
#      audit, and exit on SIGTERM without unloading.
#   test-kubernetes.sh SOURCE_DIR
set -uo pipefail
src=$1
here=$src/selftests/kubernetes
k8s=$src/dist/kubernetes
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
die() { echo "FAIL: $*"; exit 1; }
command -v node >/dev/null || die "node not found (scripts/setup.sh)"
[ -d "$here/node_modules/kubernetes-models" ] ||
	die "kubernetes-models missing: run scripts/setup.sh (npm ci --prefix selftests/kubernetes)"
tmp=$(mktemp -d)
agent_pid=
cleanup() { [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# --- 1, 2: the manifests ------------------------------------------------------
node "$here/validate.mjs" "$k8s"/*.yaml && pass "manifests valid" || fail "manifests invalid"
sed -e 's/privileged: true/privileged: "yes"/' -e 's/maxUnavailable: 1/maxUnavailable: []/' \
	"$k8s/daemonset.yaml" >"$tmp/broken.yaml"
node "$here/validate.mjs" --expect-invalid "$tmp/broken.yaml" "$k8s/configmap.yaml" &&
	pass "a broken DaemonSet is refused" || fail "a broken DaemonSet was accepted"
sh -n "$k8s/cpuguard-agent.sh" && pass "cpuguard-agent.sh parses (sh -n)" || fail "cpuguard-agent.sh: syntax"
grep -q '^COPY cpuguard-agent.sh /usr/local/bin/cpuguard-agent$' "$k8s/Containerfile" &&
	grep -q '"/usr/local/bin/cpuguard-agent"' "$k8s/daemonset.yaml" &&
	pass "Containerfile installs the command the DaemonSet runs" || fail "Containerfile and DaemonSet disagree"

# --- 3: the agent's reload logic --------------------------------------------------
# The stand-in: records each call; 'check' refuses a file containing "bad";
# 'audit --follow' blocks like the real one.
cat >"$tmp/cpuguard" <<'STUB'
#!/bin/sh
echo "$*" >>"$CALLS"
case $1 in
check | apply) ! grep -q bad "$2" ;;
audit) exec sleep 1000 ;;
metrics) echo "cpuguard_loaded 1" >"$2" ;;
esac
STUB
chmod +x "$tmp/cpuguard"
export CALLS=$tmp/calls
: >"$CALLS"
# The kubelet's layout: policy.conf -> ..data/policy.conf, ..data -> a
# timestamped directory, swapped by renaming a new symlink over ..data.
mkdir -p "$tmp/cm/..2026_01" && echo "set a 0" >"$tmp/cm/..2026_01/policy.conf"
ln -s ..2026_01 "$tmp/cm/..data" && ln -s ..data/policy.conf "$tmp/cm/policy.conf"
swap() { # NAME CONTENT
	mkdir "$tmp/cm/$1" && printf '%s\n' "$2" >"$tmp/cm/$1/policy.conf"
	ln -s "$1" "$tmp/cm/..data_tmp" && mv -T "$tmp/cm/..data_tmp" "$tmp/cm/..data"
}
CPUGUARD=$tmp/cpuguard CPUGUARD_POLICY=$tmp/cm/policy.conf CPUGUARD_POLL_SECONDS=0.2 \
	CPUGUARD_METRICS_FILE=$tmp/cpuguard.prom sh "$k8s/cpuguard-agent.sh" 2>"$tmp/agent.log" &
agent_pid=$!
wait_for() { # COUNT PATTERN
	for i in $(seq 100); do
		[ "$(grep -c -- "$2" "$CALLS")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
wait_for 1 "^apply $tmp/cm/policy.conf" && [ "$(head -n 1 "$CALLS")" = load ] &&
	pass "agent: load, then apply" || fail "agent did not load and apply: $(cat "$CALLS")"
wait_for 1 "^audit --follow --json" && pass "agent: audit --follow --json" || fail "agent runs no audit"
wait_for 1 "^metrics $tmp/cpuguard.prom" && [ -s "$tmp/cpuguard.prom" ] && pass "agent: writes metrics" ||
	fail "agent wrote no metrics"
sleep 0.5
[ "$(grep -c '^apply' "$CALLS")" = 1 ] && pass "agent: no re-apply while the file is unchanged" ||
	fail "agent re-applied an unchanged file"
swap ..2026_02 "set a 0-1"
wait_for 2 "^apply" && pass "agent: re-applied after the ConfigMap swap" || fail "agent missed the swap"
swap ..2026_03 "bad policy"
wait_for 3 "^check" && sleep 0.5
[ "$(grep -c '^apply' "$CALLS")" = 2 ] && grep -q 'was refused' "$tmp/agent.log" &&
	pass "agent: an invalid policy is refused, not applied" || fail "invalid policy: $(cat "$CALLS" "$tmp/agent.log")"
[ "$(grep -c '^audit' "$CALLS")" = 1 ] && pass "agent: one audit process" || fail "audit restarted needlessly"
kill -TERM $agent_pid
for i in $(seq 50); do kill -0 $agent_pid 2>/dev/null || break; sleep 0.1; done
wait $agent_pid; rc=$?
agent_pid=
[ $rc = 0 ] && pass "agent: exits 0 on SIGTERM" || fail "agent exit $rc on SIGTERM"
grep -q '^unload' "$CALLS" && fail "agent unloaded cpuguard on exit" || pass "agent: leaves cpuguard loaded"

if [ $failures -ne 0 ]; then
	cat "$tmp/agent.log"
	echo "$failures check(s) failed"
	exit 1
fi
echo "all kubernetes checks passed"
