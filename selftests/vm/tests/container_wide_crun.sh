# wide with Debian sid's crun; the case is in ../containers.sh.
# (b) cpuset wider than the policy: the affinity reset is refused and reported.
RUNTIME=crun
. /lib/cpuguard-containers.sh
case_wide
