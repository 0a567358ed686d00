# inside with Debian sid's runc; the case is in ../containers.sh.
# (c) a process in the container cannot widen its affinity beyond the set.
RUNTIME=runc
. /lib/cpuguard-containers.sh
case_inside
