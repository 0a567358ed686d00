#!/bin/sh
# cpuguard-agent: the DaemonSet's container command (dist/kubernetes/).
#   1. cpuguard load (nothing to do when the node already runs it);
#   2. apply $CPUGUARD_POLICY (the ConfigMap's policy.conf), then poll it every
#      $CPUGUARD_POLL_SECONDS and check + apply it again when its content
#      changes (the kubelet swaps the file when the ConfigMap is edited);
#   3. cpuguard audit --follow --json in the background: events in the pod log;
#   4. cpuguard metrics $CPUGUARD_METRICS_FILE at each poll, if set.
# An invalid policy is logged and refused; the policy in force stays. On
# SIGTERM the agent exits and leaves cpuguard loaded (see daemonset.yaml).
set -u
CPUGUARD=${CPUGUARD:-/usr/sbin/cpuguard}
POLICY=${CPUGUARD_POLICY:-/etc/cpuguard/policy.conf}
POLL=${CPUGUARD_POLL_SECONDS:-5}
METRICS=${CPUGUARD_METRICS_FILE:-}
ONCE=${CPUGUARD_AGENT_ONCE:-}  # tests: stop after this many polls

log() { echo "cpuguard-agent: $*" >&2; }
audit_pid=
stop() {
	[ -n "$audit_pid" ] && kill "$audit_pid" 2>/dev/null
	log "stopping; cpuguard stays loaded"
	exit 0
}
trap stop TERM INT

"$CPUGUARD" load || { log "cpuguard load failed: this node cannot run cpuguard (see above)"; exit 1; }
applied=
polls=0
while :; do
	sum=$(cksum <"$POLICY" 2>/dev/null) || sum=missing
	if [ "$sum" != "$applied" ]; then
		if [ "$sum" = missing ]; then
			log "$POLICY is missing; the policy in force stays"
		elif "$CPUGUARD" check "$POLICY" && "$CPUGUARD" apply "$POLICY"; then
			log "applied $POLICY"
		else
			log "$POLICY was refused (see above); the policy in force stays"
		fi
		# Do not retry a refused file until it changes; a cgroup that did
		# not exist yet is retried at the next change (or restart).
		applied=$sum
	fi
	if [ -z "$audit_pid" ] || ! kill -0 "$audit_pid" 2>/dev/null; then
		"$CPUGUARD" audit --follow --json &
		audit_pid=$!
	fi
	[ -n "$METRICS" ] && "$CPUGUARD" metrics "$METRICS"
	polls=$((polls + 1))
	[ -n "$ONCE" ] && [ "$polls" -ge "$ONCE" ] && stop
	sleep "$POLL" &
	wait $! 2>/dev/null
done
