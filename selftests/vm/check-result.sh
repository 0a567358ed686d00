#!/usr/bin/env bash
# Report one VM test from a results file written by run-vm.sh: print its
# output and exit 0 only if it ran and passed. A test missing from the file
# (VM crashed or hung before reaching it) fails.
#   check-result.sh RESULTS_FILE NAME
set -u
results=$1 name=$2
if [ ! -r "$results" ]; then
	echo "no results file $results: the VM run did not happen" >&2
	exit 1
fi
section=$(awk -v n="$name" '
	$1 == "CPUGUARD-BEGIN" && $2 == n { on = 1 }
	on { print }
	$1 == "CPUGUARD-END" && $2 == n { exit }' "$results")
if [ -z "$section" ]; then
	echo "test $name did not run in the VM (crash, hang or missing test)" >&2
	exit 1
fi
printf '%s\n' "$section"
end=$(printf '%s\n' "$section" | tail -n 1)
case $end in
"CPUGUARD-END $name rc=0 "*) exit 0 ;;
"CPUGUARD-END $name "*) exit 1 ;;
*) echo "test $name never finished (VM stopped inside it)" >&2; exit 1 ;;
esac
