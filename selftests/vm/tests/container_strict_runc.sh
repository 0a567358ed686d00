# strict with Debian sid's runc; the case is in ../containers.sh.
# (d) a strict entry refuses the affinity reset.
RUNTIME=runc
. /lib/cpuguard-containers.sh
case_strict
