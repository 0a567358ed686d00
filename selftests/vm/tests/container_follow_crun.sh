# follow with Debian sid's crun; the case is in ../containers.sh.
# (e) the policy names the container's own cgroup: every start is confined before the container's init enters it (issue #16).
RUNTIME=crun
. /lib/cpuguard-containers.sh
case_follow
