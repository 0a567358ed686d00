# The CLI end to end: load twice, show and status (text and JSON), replace,
# every kind of bad file rejected with its line while the old policy stays
# in force, usage errors, unload leaving nothing pinned or restricted.
. /lib/cpuguard-test.sh
run_rc cpuguard status --json
expect_eq "status before load exits" 1 $RC
expect_match "status before load" '^\{"loaded": false, "pin_dir": "/sys/fs/bpf/cpuguard", "kernel_supported": true, "entries": null' "$OUT"
run_rc cpuguard show; expect_eq "show before load exits" 1 $RC
expect_match "show before load says" "not loaded" "$OUT"

run_rc cpuguard load; expect_eq "load" 0 $RC
expect_eq "pin dir mode" 700 "$(stat -c %a /sys/fs/bpf/cpuguard)"
run_rc cpuguard load; expect_eq "second load exits" 0 $RC
expect_match "second load says" "already loaded" "$OUT"
run_rc cpuguard show; expect_eq "empty policy" "no policy in force" "$OUT"
run_rc cpuguard show --json; expect_eq "empty policy json" "[]" "$OUT"

mkdir -p $CG/web/front $CG/batch $CG/other
id() { stat -c %i "$CG$1"; }
cat >/tmp/one.conf <<P
# housekeeping on 0, work on 1-3
set work 1-3
cgroup /web work
cgroup /web/front 2-3     # a descendant, inside /web's CPUs
cgroup /batch 1 audit
P
run_rc cpuguard check /tmp/one.conf; expect_eq "check" 0 $RC
expect_eq "check output" "/tmp/one.conf: valid: 1 set, 3 cgroups" "$OUT"
run_rc cpuguard apply /tmp/one.conf; expect_eq "apply" 0 $RC
st='"state": "active", "optional": false, "followed": 0, "error": null'
want='[{"cgroup": "/batch", "cgroup_id": '$(id /batch)', "cpus": "1", "set": null, "mode": "audit", "strict": false, '"$st"'}, {"cgroup": "/web", "cgroup_id": '$(id /web)', "cpus": "1-3", "set": "work", "mode": "enforce", "strict": false, '"$st"'}, {"cgroup": "/web/front", "cgroup_id": '$(id /web/front)', "cpus": "2-3", "set": null, "mode": "enforce", "strict": false, '"$st"'}]'
run_rc cpuguard show --json; expect_eq "show --json" "$want" "$OUT"
run_rc cpuguard show
expect_match "show table header" '^CGROUP +CPUS +SET +MODE +STATE +ID' "$OUT"
expect_match "show table row" "/web/front +2-3 +- +enforce +active +$(id /web/front)" "$OUT"
expect_match "status" '"loaded": true, .*"entries": 3' "$(cpuguard status --json)"
run_rc cpuguard status; expect_match "status text" "entries: +3" "$OUT"

sleep 1000 & web=$!
echo $web >$CG/web/cgroup.procs
run_rc affinity set $web 0; expect_eq "enforced" EPERM "$OUT"

# Bad files: exit 1, FILE:LINE: message, old policy untouched.
bad() { # NAME EXPECTED-REGEX FILE-CONTENT
	printf '%s\n' "$3" >/tmp/bad.conf
	run_rc cpuguard apply /tmp/bad.conf
	expect_eq "$1: exit" 1 $RC
	expect_match "$1: message" "$2" "$OUT"
	expect_eq "$1: policy unchanged" "$want" "$(cpuguard show --json)"
}
bad "unknown directive" '^/tmp/bad.conf:2: unknown directive "cgroups"' "$(printf 'cgroup /other 1\ncgroups /web 1')"
bad "bad cpu list" '^/tmp/bad.conf:1: bad CPU list' 'cgroup /other 1-x'
bad "reversed range" '^/tmp/bad.conf:1: .*reversed range 3-1' 'cgroup /other 3-1'
bad "impossible cpu" '^/tmp/bad.conf:1: .*CPU 9 is not possible' 'cgroup /other 9'
bad "overflow" '^/tmp/bad.conf:1: ' 'cgroup /other 99999999999999999999999'
bad "unknown set" '^/tmp/bad.conf:1: unknown set "nope"' 'cgroup /other nope'
bad "duplicate set" '^/tmp/bad.conf:2: duplicate set "a" \(first defined at line 1\)' "$(printf 'set a 1\nset a 2\ncgroup /other a')"
bad "duplicate cgroup" '^/tmp/bad.conf:2: duplicate cgroup /other \(first at line 1\)' "$(printf 'cgroup /other 1\ncgroup /other 2')"
bad "missing cgroup" '^/tmp/bad.conf:1: cgroup /nonexistent: ' 'cgroup /nonexistent 1'
bad "not cgroup2" '^/tmp/bad.conf:1: cgroup /cgroup.procs: ' 'cgroup /cgroup.procs 1'
bad "relative path" '^/tmp/bad.conf:1: cgroup path "web" is not absolute' 'cgroup web 1'
bad "dot-dot" '^/tmp/bad.conf:1: ' 'cgroup /web/../other 1'
bad "descendant outside ancestor" '^/tmp/bad.conf:2: CPUs 0-1 of /web/front are not inside 1-3 of its confined ancestor /web \(line 1\)' "$(printf 'cgroup /web 1-3\ncgroup /web/front 0-1')"
bad "extra field" '^/tmp/bad.conf:1: unexpected field' 'cgroup /other 1 enforce'
# All errors of a file at once, in line order.
printf 'set a 1\nbogus\ncgroup /other 7\ncgroup /other2 1\n' >/tmp/bad.conf
run_rc cpuguard apply /tmp/bad.conf
expect_eq "several errors" "3" "$(printf '%s\n' "$OUT" | grep -c '^/tmp/bad.conf:[0-9]*: ')"
expect_match "several errors, in order" '^/tmp/bad.conf:2: .*/tmp/bad.conf:3: .*/tmp/bad.conf:4: ' "$(printf '%s' "$OUT" | tr '\n' ' ')"
run_rc cpuguard apply /tmp/missing.conf; expect_eq "missing file" 1 $RC
expect_match "missing file message" '^/tmp/missing.conf: cannot open: No such file' "$OUT"
run_rc cpuguard check /tmp/bad.conf; expect_eq "check of a bad file" 1 $RC

# Usage errors exit 2.
run_rc cpuguard; expect_eq "no command" 2 $RC
run_rc cpuguard frobnicate; expect_eq "unknown command" 2 $RC
run_rc cpuguard apply; expect_eq "apply without file" 2 $RC
run_rc cpuguard load --json; expect_eq "option not taken" 2 $RC
run_rc cpuguard --help; expect_eq "help" 0 $RC
expect_match "help lists commands" 'audit \[--follow\] \[--json \| --journal\]' "$OUT"

# Replace: entries absent from the new file are removed.
printf 'cgroup /other 0\n' >/tmp/two.conf
run_rc cpuguard apply /tmp/two.conf; expect_eq "replace" 0 $RC
expect_eq "replaced policy" '[{"cgroup": "/other", "cgroup_id": '$(id /other)', "cpus": "0", "set": null, "mode": "enforce", "strict": false, "state": "active", "optional": false, "followed": 0, "error": null}]' "$(cpuguard show --json)"
run_rc affinity set $web 0; expect_eq "/web no longer confined" ok "$OUT"
printf '# nothing\n' >/tmp/empty.conf
run_rc cpuguard apply /tmp/empty.conf; expect_eq "empty policy applies" 0 $RC
expect_eq "empty policy shown" "[]" "$(cpuguard show --json)"
cpuguard apply /tmp/one.conf >/dev/null

run_rc cpuguard unload; expect_eq "unload" 0 $RC
[ ! -e /sys/fs/bpf/cpuguard ] || fail "pin dir left behind"
expect_eq "nothing pinned" "" "$(ls -A /sys/fs/bpf)"
run_rc affinity set $web 0; expect_eq "nothing restricted after unload" ok "$OUT"
run_rc cpuguard unload; expect_eq "unload twice" 0 $RC
kill $web
