# wide with Debian sid's runc; the case is in ../containers.sh.
# (b) cpuset wider than the policy: the affinity reset is refused and reported.
RUNTIME=runc
. /lib/cpuguard-containers.sh
case_wide
