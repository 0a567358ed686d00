# follow with Debian sid's runc; the case is in ../containers.sh.
# (e) the policy names the container's own cgroup: every start is confined before the container's init enters it (issue #16).
RUNTIME=runc
. /lib/cpuguard-containers.sh
case_follow
