#!/bin/sh
# Runs the commands the fuzzing campaign used over every robustness
# reproducer (specs/robustness, SPEC-checked copies of ../shared/robustness)
# and checks what must hold for any input: exit 0-3, no signal, no internal
# error, and an end within the command's own --timeout plus a margin.
# Expected verdicts are checked by the Swift tests (RobustnessTests).
set -u
bin=${1:-.build/debug/pbcheck}
[ $# -gt 0 ] && shift
files=${*:-}
dir=specs/robustness
python3 $dir/fuzz/gen_large.py
[ -n "$files" ] || files=$(ls $dir/fuzz/*.yaml $dir/semantics/*.yaml $dir/slow/*.yaml)
pass=0
fail=0
out=$(mktemp)
run() { # file, limit in seconds, command...
    f=$1; limit=$2; shift 2
    start=$(date +%s)
    timeout -s KILL $((limit + 20)) "$bin" "$@" "$f" >"$out" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    why=""
    if [ $rc -gt 3 ]; then why="exit $rc"; fi
    if grep -qi "internal error" "$out"; then why="$why internal error"; fi
    if [ $took -gt $((limit + 5)) ]; then why="$why took ${took}s"; fi
    if [ -z "$why" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: pbcheck $* $f:$why"; head -c 600 "$out" | sed 's/^/    /'; fi
}
for f in $files; do
    run "$f" 10 validate
    run "$f" 10 verify --timeout 10 --max-states 200000
    run "$f" 10 verify --timeout 10 --max-states 200000 --format json
    run "$f" 10 walk --runs 50 --timeout 10
    run "$f" 10 test --timeout 10
    run "$f" 10 verify --engine symbolic --depth 5 --timeout 10
done
rm -f "$out"
echo "robustness: $pass passed, $fail failed"
[ $fail -eq 0 ]
