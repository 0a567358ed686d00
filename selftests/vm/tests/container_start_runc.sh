# start with Debian sid's runc; the case is in ../containers.sh.
# (a) cpuset inside the policy: starts, stays on the set, no denial (the kernel side judges the effective request, issue #15).
RUNTIME=runc
. /lib/cpuguard-containers.sh
case_start
