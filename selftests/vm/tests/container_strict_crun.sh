# strict with Debian sid's crun; the case is in ../containers.sh.
# (d) a strict entry refuses the affinity reset.
RUNTIME=crun
. /lib/cpuguard-containers.sh
case_strict
