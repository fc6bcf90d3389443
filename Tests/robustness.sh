#!/bin/sh
# Runs the commands the fuzzing campaign used over every robustness
# reproducer (specs/robustness: SPEC-checked copies of ../shared/robustness
# and what our own fuzzing and differential tests found) with the checks of
# Tests/fuzz.py: exit 0-3, no signal, no internal error, not busy past the
# command's own --timeout. Expected verdicts: RobustnessTests.
set -u
bin=${1:-.build/debug/pbcheck}
dir=specs/robustness
python3 $dir/fuzz/gen_large.py
exec python3 Tests/fuzz.py "$bin" --reproducers $dir/fuzz $dir/semantics $dir/slow $dir/found
