#!/bin/sh
# Runs the pbcheck binary over every playbook and checks its exit codes:
# 2 for each malformed one (never a crash: a signal gives >= 128), 0 for each
# valid one, 2 for a bad command line; JSON output must parse.
set -u
bin=${1:-.build/debug/pbcheck}
pass=0
fail=0
check() { # description expected actual
    if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1: exit $3, expected $2"; fi
}
for f in specs/invalid/*.yaml; do
    timeout 30 "$bin" validate "$f" >/dev/null 2>&1
    check "validate $f" 2 $?
    timeout 30 "$bin" validate --format json "$f" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["schema"]==1 and d["files"][0]["diagnostics"]' >/dev/null 2>&1
    check "json of $f parses" 0 $?
done
for f in specs/*.yaml; do
    timeout 30 "$bin" validate "$f" >/dev/null 2>&1
    check "validate $f" 0 $?
done
NO_COLOR=1 timeout 30 "$bin" validate specs/invalid/dangling-to-state.yaml | grep -q "$(printf '\033')"
check "no escape codes when not a TTY" 1 $?
timeout 30 "$bin" validate --no-such-flag specs/pipeline.yaml >/dev/null 2>&1
check "bad option" 2 $?
timeout 30 "$bin" validate /nonexistent.yaml >/dev/null 2>&1
check "missing file" 2 $?
timeout 30 "$bin" validate specs >/dev/null 2>&1
check "directory" 2 $?
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
