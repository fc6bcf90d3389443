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
    timeout 30 "$bin" validate --format json "$f" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["schema"]==2 and d["valid"] is False and d["diagnostics"] and "properties" not in d' >/dev/null 2>&1
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
# verify: exit 0 all hold, 1 violated, 2 invalid, 3 inconclusive (SPEC §5.4).
for f in specs/buggy/correct-*.yaml specs/federation-gateway-model.yaml; do
    timeout 60 "$bin" verify "$f" >/dev/null 2>&1
    check "verify $f" 0 $?
done
for f in specs/buggy/deep-forbidden.yaml specs/buggy/div-by-zero.yaml specs/buggy/multi-violation.yaml specs/federation-gateway.yaml; do
    timeout 60 "$bin" verify "$f" >/dev/null 2>&1
    check "verify $f" 1 $?
    timeout 60 "$bin" verify --format json "$f" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["schema"] == 2 and d["tool"]["name"] == "pbcheck" and d["engine"] == "explicit" and d["valid"] is True
v = [p for p in d["properties"] if p["verdict"] == "violated"]
assert v and all(p["trace"]["length"] == len(p["trace"]["steps"]) for p in v)' >/dev/null 2>&1
    check "verify json of $f" 0 $?
done
timeout 60 "$bin" verify specs/invalid/dangling-to-state.yaml >/dev/null 2>&1
check "verify invalid spec" 2 $?
timeout 60 "$bin" verify --max-states 10 specs/federation-gateway-model.yaml >/dev/null 2>&1
check "verify state limit" 3 $?
timeout 60 "$bin" verify --contracts warn specs/buggy/observed-contract.yaml >/dev/null 2>&1
check "contracts warn" 0 $?
timeout 60 "$bin" verify --jobs 0 specs/pipeline.yaml >/dev/null 2>&1
check "bad --jobs" 2 $?
timeout 60 "$bin" test specs/login-form.yaml >/dev/null 2>&1
check "test passing scenarios" 0 $?
timeout 60 "$bin" test specs/federation-gateway.yaml >/dev/null 2>&1
check "test failing scenarios" 1 $?
# walk: 1 when a run breaks a property, 0 when none does (sampled evidence
# asks for no proof), 2 for bad input; the seed reproduces the output.
timeout 60 "$bin" walk --seed 3 --runs 200 specs/buggy/correct-traffic.yaml >/dev/null 2>&1
check "walk correct spec" 0 $?
timeout 60 "$bin" walk --seed 3 --runs 200 specs/buggy/deep-forbidden.yaml >/dev/null 2>&1
check "walk buggy spec" 1 $?
timeout 60 "$bin" walk --runs 0 specs/pipeline.yaml >/dev/null 2>&1
check "walk bad --runs" 2 $?
timeout 60 "$bin" walk specs/invalid/dangling-to-state.yaml >/dev/null 2>&1
check "walk invalid spec" 2 $?
a=$(timeout 60 "$bin" walk --seed 9 --runs 300 --jobs 1 specs/federation-gateway.yaml 2>&1 | grep -v "steps/s")
b=$(timeout 60 "$bin" walk --seed 9 --runs 300 --jobs 2 specs/federation-gateway.yaml 2>&1 | grep -v "steps/s")
[ -n "$a" ] && [ "$a" = "$b" ]
check "walk same seed, same output for any --jobs" 0 $?
timeout 60 "$bin" walk --seed 4 --format json specs/buggy/multi-violation.yaml 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["engine"] == "walk" and d["walk"]["seed"] == 4 and d["walk"]["runs"] == 1000
v = [p for p in d["properties"] if p["verdict"] == "violated"]
assert v and all(p["trace"]["length"] == len(p["trace"]["steps"]) and p["shrink"]["seed"] == 4 for p in v)
assert all(p["verdict"] in ("violated", "bounded") for p in d["properties"] if p["id"] != "progress")
assert [p["verdict"] for p in d["properties"] if p["id"] == "progress"] == ["unknown"]' >/dev/null 2>&1
check "walk json (progress is unknown from samples)" 0 $?
timeout 60 "$bin" verify --engine walk --seed 2 specs/buggy/correct-peterson.yaml >/dev/null 2>&1
check "verify --engine walk asks for proof: bounded is inconclusive" 3 $?
timeout 60 "$bin" verify --max-states 20 --seed 2 specs/buggy/deep-forbidden.yaml 2>/dev/null | grep -q "random walks ran"
check "verify falls back to walks over --max-states" 0 $?
# The symbolic engine: unbounded integers are proven (0) or refuted (1);
# bounded evidence when proof was asked for is inconclusive (3).
timeout 120 "$bin" verify specs/symbolic/counter-grows.yaml >/dev/null 2>&1
check "verify unbounded counter: proven" 0 $?
timeout 120 "$bin" verify specs/symbolic/draining-balance.yaml >/dev/null 2>&1
check "verify unbounded balance: violated at depth 11" 1 $?
# Options that must do what they say (issue 13, item 4).
timeout 60 "$bin" validate --quiet specs/shopping-cart.yaml 2>/dev/null | tail -1 | grep -q "0 errors, 10 warnings"
check "validate --quiet still counts the warnings it hides" 0 $?
out=$(timeout 60 "$bin" verify --quiet specs/buggy/diamond-invariant.yaml 2>/dev/null)
echo "$out" | grep -q "VIOLATED  invariant:join:0" && echo "$out" | grep -q "^counterexample: invariant:join:0" \
    && echo "$out" | grep -q "^result: 1 violated, 6 hold" && ! echo "$out" | grep -q "holds \|^engine:\|^coverage:\|^Obligations"
check "verify --quiet: only what is not holds, the counterexamples and the summary" 0 $?
timeout 60 "$bin" walk --runs 100000000 --timeout 1 --seed 1 specs/buggy/correct-peterson.yaml >/dev/null 2>&1
check "walk stopped by --timeout is inconclusive" 3 $?
timeout 60 "$bin" verify --jobs 2000 specs/pipeline.yaml >/dev/null 2>&1
check "verify --jobs above 1024 is refused" 2 $?
timeout 60 "$bin" verify --depth -3 specs/pipeline.yaml 2>&1 | grep -q "depth must be at least 1"
check "verify --depth -3 says what range it wants" 0 $?
timeout 60 "$bin" walk --runs -1 specs/pipeline.yaml >/dev/null 2>&1
check "walk --runs -1 is invalid" 2 $?
timeout 60 "$bin" verify --depth 3 specs/buggy/diamond-invariant.yaml 2>/dev/null | grep -q "bounded   invariant:join:0 .*within 3 steps"
check "verify --depth bounds the explicit search: bounded evidence" 0 $?
timeout 60 "$bin" verify --depth 3 specs/buggy/diamond-invariant.yaml >/dev/null 2>&1
check "verify --depth short of the violation is inconclusive" 3 $?
timeout 60 "$bin" verify --depth 5 specs/buggy/diamond-invariant.yaml >/dev/null 2>&1
check "verify --depth reaching the 5-step violation finds it" 1 $?
gap=$(mktemp --suffix=.yaml)
cat > "$gap" <<'YAML'
version: "1.0"
name: "coverage gap"
machine:
  id: "m"
  initial: "a"
  variables:
    n: { type: int, range: [0, 2], init: 0 }
  states:
    a: {}
    b: {}
  transitions:
    - { id: "tick", from: "a", to: "a", event: "tick", guard: "n < 2", effects: ["n := n + 1"] }
    - { id: "reset", from: "a", to: "a", event: "reset", guard: "n == 2", effects: ["n := 0"] }
    - { id: "leave", from: "a", to: "b", event: "leave", guard: "n > 5" }
YAML
timeout 60 "$bin" verify "$gap" >/dev/null 2>&1
check "verify: coverage gaps are reported, not failed, by default" 0 $?
timeout 60 "$bin" verify --require-coverage "$gap" 2>/dev/null | grep -q "coverage gaps fail the run"
check "verify --require-coverage: an exhaustive search's gaps fail the run" 0 $?
timeout 60 "$bin" verify --require-coverage "$gap" >/dev/null 2>&1
check "verify --require-coverage exit code" 1 $?
timeout 60 "$bin" walk --seed 1 --require-coverage "$gap" >/dev/null 2>&1
check "walk --require-coverage: sampled gaps are inconclusive" 3 $?
timeout 60 "$bin" verify --require-coverage specs/calculator.yaml >/dev/null 2>&1
check "verify --require-coverage with full coverage" 0 $?
rm -f "$gap"
timeout 60 "$bin" verify specs/calculator.yaml 2>/dev/null | grep -q "forbidden:operator_selected->showing_result "
check "verify never cuts a property id" 0 $?
# Progress (SPEC 3.1): a warning, decided by the explicit search.
timeout 60 "$bin" verify specs/buggy/progress-livelock.yaml 2>/dev/null | grep -q "warning   progress .*(2 steps)"
check "verify: a livelock is a progress warning with its shortest trace" 0 $?
timeout 60 "$bin" verify specs/buggy/progress-trap.yaml >/dev/null 2>&1
check "verify: a progress warning does not fail the run" 0 $?
timeout 60 "$bin" verify --strict specs/buggy/progress-trap.yaml >/dev/null 2>&1
check "verify --strict: a progress warning fails the run" 1 $?
timeout 60 "$bin" verify --no-progress --format json specs/buggy/progress-trap.yaml 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["properties"] and not [p for p in d["properties"] if p["id"] == "progress"]' >/dev/null 2>&1
check "verify --no-progress: no progress property" 0 $?
timeout 120 "$bin" verify specs/symbolic/bank-account.yaml >/dev/null 2>&1
check "verify: progress left unknown by the symbolic engine is a warning" 0 $?
timeout 120 "$bin" verify --strict specs/symbolic/bank-account.yaml >/dev/null 2>&1
check "verify --strict: a warning left unknown is inconclusive" 3 $?
timeout 120 "$bin" verify --engine symbolic --depth 2 specs/symbolic/ticket-lock.yaml >/dev/null 2>&1
check "verify --engine symbolic, bounded only: inconclusive" 3 $?
timeout 120 "$bin" verify --engine symbolic --query-timeout 0.001 specs/federation-gateway-model.yaml 2>/dev/null | grep -q "unknown .*timeout"
check "verify: a query over its budget is unknown, with the reason" 0 $?
timeout 60 "$bin" verify --query-timeout 0 specs/pipeline.yaml >/dev/null 2>&1
check "verify bad --query-timeout" 2 $?
timeout 60 "$bin" verify --depth 0 specs/pipeline.yaml >/dev/null 2>&1
check "verify bad --depth" 2 $?
timeout 120 "$bin" verify --format json specs/symbolic/draining-balance.yaml 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["engine"] == "symbolic" and "obligations" in d and d["symbolic"]["bmc_seconds_per_depth"]
p = {x["id"]: x for x in d["properties"]}
assert p["global:0"]["verdict"] == "violated" and p["global:0"]["trace"]["length"] == 11
assert p["invariant:closed:0"]["verdict"] == "holds" and p["invariant:closed:0"]["settled_by"].startswith("k-induction")
' >/dev/null 2>&1
check "verify symbolic json" 0 $?
timeout 60 "$bin" verify --format json specs/federation-gateway.yaml 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
o = d["obligations"]
assert o["counts"]["establishment/fails"] >= 10 and all(x["message"] for x in o["list"])
' >/dev/null 2>&1
check "verify json obligations" 0 $?
# One JSON shape (SPEC 5.2.1): every document has the same top-level
# fields, an invalid spec's too; validate's leaves out what checking makes.
timeout 60 "$bin" verify --format json specs/invalid/dangling-to-state.yaml specs/pipeline.yaml 2>/dev/null | python3 -c '
import json, sys
bad, good = json.load(sys.stdin)
assert set(bad) == set(good), set(bad) ^ set(good)
assert bad["valid"] is False and good["valid"] is True
assert bad["complete"] is False and bad["properties"] == [] and bad["engine"] is None and bad["coverage"] is None
assert all(v is None for v in bad["stats"].values()) and set(bad["stats"]) == set(good["stats"])
assert [d["code"] for d in bad["diagnostics"]] == ["unknown-state"] and "files" not in bad
assert bad["spec"] == {"path": "specs/invalid/dangling-to-state.yaml", "name": "dangling-to-state", "title": "Door",
                       "sha256": bad["spec"]["sha256"]} and len(bad["spec"]["sha256"]) == 64
' >/dev/null 2>&1
check "verify json of an invalid spec: the same fields, valid false, no properties" 0 $?
timeout 60 "$bin" verify --format json specs/invalid/dangling-to-state.yaml >/dev/null 2>&1
check "verify json of an invalid spec exits 2" 2 $?
timeout 60 "$bin" walk --format json /nonexistent.yaml 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["valid"] is False and d["spec"]["sha256"] is None and d["spec"]["name"] == "nonexistent" and d["properties"] == []
' >/dev/null 2>&1
check "walk json of a missing file: valid false, sha256 null" 0 $?
v=$(timeout 60 "$bin" validate --format json specs/pipeline.yaml specs/invalid/dangling-to-state.yaml 2>/dev/null)
c=$(timeout 60 "$bin" verify --format json specs/pipeline.yaml 2>/dev/null)
python3 -c '
import json, sys
docs, checked = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert isinstance(docs, list) and len(docs) == 2
assert [d["valid"] for d in docs] == [True, False] and all(d["schema"] == 2 for d in docs)
assert set(docs[0]) == set(docs[1]) == {"schema", "tool", "spec", "valid", "diagnostics", "observations"}
assert set(docs[0]) < set(checked) and "properties" not in docs[0]
assert docs[0]["spec"] == checked["spec"]
' "$v" "$c" >/dev/null 2>&1
check "validate json of two specs: an array of two documents of the one shape" 0 $?
timeout 30 "$bin" validate --format json specs/pipeline.yaml 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert isinstance(d, dict) and d["valid"] is True and d["spec"]["name"] == "pipeline"' >/dev/null 2>&1
check "validate json of one spec: one document" 0 $?
for f in specs/login-form.yaml specs/symbolic/counter-grows.yaml; do
    want=$(sha256sum "$f" | cut -d" " -f1)
    got=$(timeout 120 "$bin" verify --format json "$f" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["spec"]["sha256"])')
    check "spec.sha256 of $f is its sha256sum" "$want" "$got"
done
timeout 60 "$bin" verify --format json specs/login-form.yaml 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["spec"]["name"] == "login-form" and d["spec"]["title"] and d["spec"]["path"] == "specs/login-form.yaml"' >/dev/null 2>&1
check "spec.name is the file name, spec.title the playbook name" 0 $?
timeout 120 "$bin" verify --engine symbolic --format json specs/symbolic/counter-grows.yaml 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["engine"] == "symbolic" and d["stats"]["states"] is None and d["stats"]["steps"] is None
assert isinstance(d["stats"]["depth"], int) and isinstance(d["stats"]["seconds"], float)' >/dev/null 2>&1
check "verify symbolic json: states and steps are null, not 0" 0 $?
timeout 60 "$bin" test --format json specs/login-form.yaml 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["valid"] is True and d["engine"] == "scenarios" and isinstance(d["stats"]["seconds"], float)
assert d["stats"]["states"] is None and d["coverage"] is None
assert any(x["code"] == "scenario-skipped" for x in d["diagnostics"])
assert d["properties"] and all(p["kind"] == "scenario" for p in d["properties"])' >/dev/null 2>&1
check "test json: skipped browser steps, seconds, no counts it did not make" 0 $?
# --counterexamples N (SPEC §7): up to N distinct ones per property,
# shortest first, in every output; 1 to 1000; not offered by validate/test.
n=$(timeout 60 "$bin" verify --counterexamples 3 specs/buggy/hierarchy.yaml 2>/dev/null | grep -c '^counterexample [123] of 3: forbidden:updating->off ([356] steps)$')
check "verify --counterexamples 3: three tables for a property with several causes" 3 "$n"
timeout 60 "$bin" verify --counterexamples 3 specs/buggy/hierarchy.yaml >/dev/null 2>&1
check "verify --counterexamples 3 exit code" 1 $?
timeout 60 "$bin" verify --counterexamples 0 specs/pipeline.yaml >/dev/null 2>&1
check "verify --counterexamples 0 is refused" 2 $?
timeout 60 "$bin" walk --counterexamples 1001 specs/pipeline.yaml 2>&1 | grep -q "counterexamples must be between 1 and 1000"
check "walk --counterexamples 1001 says what range it wants" 0 $?
timeout 60 "$bin" test --counterexamples 2 specs/login-form.yaml >/dev/null 2>&1
check "test does not offer --counterexamples" 2 $?
timeout 60 "$bin" validate --counterexamples 2 specs/login-form.yaml >/dev/null 2>&1
check "validate does not offer --counterexamples" 2 $?
strip() { grep -vE '[0-9] s([,;]|$)'; }
a=$(timeout 60 "$bin" verify specs/buggy/multi-violation.yaml 2>&1 | strip)
b=$(timeout 60 "$bin" verify --counterexamples 1 specs/buggy/multi-violation.yaml 2>&1 | strip)
[ "$a" = "$b" ]
check "verify --counterexamples 1 prints what verify prints" 0 $?
timeout 60 "$bin" walk --seed 4 --counterexamples 2 --format json specs/buggy/hierarchy.yaml 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
v = [p for p in d["properties"] if p["verdict"] == "violated"]
assert v and all(1 <= len(p["traces"]) <= 2 and p["traces"][0]["length"] == p["trace"]["length"] for p in v)
assert all([t["length"] for t in p["traces"]] == sorted(t["length"] for t in p["traces"]) and all(t["shrink"] for t in p["traces"]) for p in v)
assert any(len(p["traces"]) == 2 for p in v)' >/dev/null 2>&1
check "walk --counterexamples 2 json: traces, shortest first, each shrunk" 0 $?
out=$(mktemp -d)
timeout 60 "$bin" verify --counterexamples 3 --report-dir "$out" specs/buggy/hierarchy.yaml >/dev/null 2>&1
[ -f "$out/hierarchy.forbidden_updating-to-off.itf.json" ] && [ -f "$out/hierarchy.forbidden_updating-to-off.3.itf.json" ]
check "verify --counterexamples 3 --report-dir: one ITF file per counterexample" 0 $?
# Read whole: a reader that stops early would stop the run before its reports.
said=$(timeout 60 "$bin" verify --report-dir "$out" specs/buggy/hierarchy.yaml 2>/dev/null)
echo "$said" | grep -q "checking again: --counterexamples 3 → 1"
check "the cache names a change of --counterexamples" 0 $?
ls "$out" | grep -q '\.[0-9]*\.itf\.json$'
check "a rerun with one counterexample removes the further ITF files" 1 $?
rm -rf "$out"
# graph (SPEC §7): the reachable control graph as DOT, Mermaid or SVG.
timeout 60 "$bin" graph specs/buggy/hierarchy.yaml 2>/dev/null | dot -Tsvg >/dev/null 2>&1
check "graph: DOT that Graphviz lays out" 0 $?
timeout 60 "$bin" graph --format mermaid specs/buggy/hierarchy.yaml 2>/dev/null | head -1 | grep -qx 'stateDiagram-v2'
check "graph --format mermaid" 0 $?
out=$(mktemp -d)
timeout 60 "$bin" graph --format svg --output "$out/g.svg" specs/buggy/hierarchy.yaml >/dev/null 2>&1 && grep -q 'id="state:working"' "$out/g.svg"
check "graph --format svg --output writes the SVG with the state ids" 0 $?
cp specs/pipeline.yaml "$out/p.yaml"
timeout 60 "$bin" graph --output "$out/p.yaml" "$out/p.yaml" >/dev/null 2>&1
check "graph --output the playbook itself is refused" 2 $?
cmp -s specs/pipeline.yaml "$out/p.yaml"
check "graph never overwrites the playbook" 0 $?
rm -rf "$out"
timeout 60 "$bin" graph specs/invalid/dangling-to-state.yaml >/dev/null 2>&1
check "graph invalid spec" 2 $?
# mutate (SPEC §9): exit 0 when the score meets --min-score, 1 below it,
# 2 for a bad option or a playbook that does not load; reports written.
wb=specs/mutation/weak-breaker.yaml
timeout 120 "$bin" mutate "$wb" --min-score 75% >/dev/null 2>&1
check "mutate meets --min-score 75%" 0 $?
timeout 120 "$bin" mutate "$wb" --min-score 0.8 >/dev/null 2>&1
check "mutate below --min-score 0.8" 1 $?
for bad in "--classes M9" "--max-mutants 0" "--min-score 1.5" "--min-score lots" "--jobs 0"; do
    # shellcheck disable=SC2086
    timeout 30 "$bin" mutate "$wb" $bad >/dev/null 2>&1
    check "mutate $bad" 2 $?
done
# A run cut short: the mutants left unchecked are unknown, and a minimum
# they alone keep out of reach is inconclusive (3), not failed.
out=$(timeout 60 "$bin" mutate specs/federation-gateway-model.yaml --timeout 0.3 --min-score 0.5 --format json 2>/dev/null)
rc=$?
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["counts"]["unknown"] > 0 and any("not checked" in (m.get("detail") or "") for m in d["mutants"])
' >/dev/null 2>&1
check "mutate --timeout leaves unknown mutants" 0 $?
check "mutate --timeout below --min-score only by unknown ones" 3 $rc
timeout 30 "$bin" mutate specs/invalid/dangling-to-state.yaml >/dev/null 2>&1
check "mutate an invalid spec" 2 $?
timeout 120 "$bin" mutate "$wb" --format json --max-mutants 5 --seed 3 --classes m8,M7 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["checked"] == 5 and d["generated"] == 18 and set(d["classes"]) == {"M7", "M8"}
assert sum(d["counts"][k] for k in ("killed", "survived", "equivalent", "stillborn", "unknown")) == 5
for m in d["mutants"]:
    assert m["class"] in ("M7", "M8") and m["status"] in ("killed", "survived", "equivalent", "stillborn", "unknown") and m["line"] > 0
    assert (m["status"] == "killed") == ("killedBy" in m)
assert [f["id"] for f in d["falsification"]] == ["no-reset", "swap-trip-reset", "flaky-network"]
' >/dev/null 2>&1
check "mutate --format json sample" 0 $?
mdir=$(mktemp -d)
timeout 120 "$bin" mutate "$wb" --report-dir "$mdir" >/dev/null 2>&1 && [ -s "$mdir/weak-breaker.mutation.json" ] \
    && grep -q "^## Survivors" "$mdir/weak-breaker.mutation.md"
check "mutate --report-dir writes NAME.mutation.json and .md" 0 $?
rm -rf "$mdir"
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
