# inside with Debian sid's crun; the case is in ../containers.sh.
# (c) a process in the container cannot widen its affinity beyond the set.
RUNTIME=crun
. /lib/cpuguard-containers.sh
case_inside
