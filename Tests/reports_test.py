#!/usr/bin/env python3
"""The report directory and the result cache through the real binary
(SPEC §5.2, §5.3): every file for every spec, each SARIF valid against the
OASIS schema and each JUnit file against the Ant XSD, every ITF trace equal
to its JSON trace, a second run a cache hit, an edit named by section, two
runs at once, and runs killed with SIGKILL at random points leaving only
reports that parse.

usage: reports_test.py PBCHECK [--kills N] [--seed S]
"""
import argparse
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile

from clitest import ROOT, check, run, tally
import time

SARIF_SCHEMA = os.path.join(ROOT, "Tests", "schemas", "sarif-schema-2.1.0.json")
JUNIT_XSD = os.path.join(ROOT, "Tests", "schemas", "junit-ant.xsd")
# Every spec gets these; a spec with counterexamples one .itf.json each.
KINDS = [".json", ".junit.xml", ".sarif", ".md", ".dot", ".html"]





def stem(path):
    name = os.path.basename(path)
    for ext in (".yaml", ".yml"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def sarif_validator():
    import jsonschema
    with open(SARIF_SCHEMA) as f:
        schema = json.load(f)
    return jsonschema.Draft4Validator(schema)


def parses(path, validator=None):
    """Why the report at `path` is not whole and valid, or None."""
    name = os.path.basename(path)
    try:
        if name.endswith(".junit.xml"):
            r = run(["xmllint", "--noout", "--schema", JUNIT_XSD, path])
            return None if r.returncode == 0 else r.stderr.strip()[-400:]
        if name.endswith(".sarif"):
            with open(path) as f:
                doc = json.load(f)
            if validator is not None:
                errors = sorted(validator.iter_errors(doc), key=lambda e: e.path)
                if errors:
                    return f"{len(errors)} schema errors, first: {errors[0].message[:300]}"
            return None
        if name.endswith(".json") or name == "pbcheck.lock":
            with open(path) as f:
                json.load(f)
            return None
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if name.endswith(".html"):
            return None if text.rstrip().endswith("</html>") else "no closing </html>"
        if name.endswith(".dot"):
            return None if text.rstrip().endswith("}") else "no closing }"
        if name.endswith(".md"):
            return None if text.strip() else "empty"
        if name.endswith(".png"):
            return None
        if name.endswith(".scenario.yaml"):
            import yaml
            entries = yaml.safe_load(text)
            return None if isinstance(entries, list) and len(entries) == 1 and "steps" in entries[0] else "not one scenarios: entry"
        return "a file pbcheck does not write"
    except Exception as e:  # noqa: BLE001 - any failure to read is the finding
        return f"{type(e).__name__}: {e}"


def every_file_for_every_spec(bin_path, work):
    # Two specs may share a name across directories: one run per directory.
    validator = sarif_validator()
    for group in (sorted(glob.glob("specs/*.yaml")), sorted(glob.glob("specs/buggy/*.yaml"))):
        out = os.path.join(work, "all-" + os.path.basename(os.path.dirname(group[0])))
        r = run([bin_path, "verify", *group, "--report-dir", out, "--timeout", "60"])
        check("verify --report-dir exits 0, 1 or 3", r.returncode in (0, 1, 3), f"exit {r.returncode}: {r.stderr[-300:]}")
        for spec in group:
            name = stem(spec)
            for kind in KINDS:
                p = os.path.join(out, name + kind)
                check(f"{name}{kind} written", os.path.exists(p))
                if os.path.exists(p):
                    why = parses(p, validator)
                    check(f"{name}{kind} valid", why is None, why or "")
            doc_path = os.path.join(out, name + ".json")
            if not os.path.exists(doc_path):
                continue
            with open(doc_path) as f:
                doc = json.load(f)
            traced = [p for p in doc["properties"] if p.get("trace")]
            for prop in traced:
                safe = prop["id"].replace("->", "-to-")
                safe = "".join(c if (c.isascii() and (c.isalnum() or c in "-_")) else "_" for c in safe)
                itf_path = os.path.join(out, f"{name}.{safe}.itf.json")
                check(f"{name}: ITF file for {prop['id']}", os.path.exists(itf_path))
                if not os.path.exists(itf_path):
                    continue
                with open(itf_path) as f:
                    itf = json.load(f)
                trace = prop["trace"]
                controls = [trace["initial"]["state"]] + [s["state"] for s in trace["steps"]]
                check(f"{name}: ITF states of {prop['id']} follow the JSON trace",
                      [s["state"] for s in itf["states"]] == controls)
                actions = ["init"] + [s["transition"] for s in trace["steps"]]
                check(f"{name}: ITF actions of {prop['id']}", [s["mbt::actionTaken"] for s in itf["states"]] == actions)
            itfs = glob.glob(os.path.join(out, f"{name}.*.itf.json"))
            check(f"{name}: one ITF file per counterexample", len(itfs) == len(traced), f"{len(itfs)} files, {len(traced)} traces")


def cache_hit_and_edit(bin_path, work):
    d = os.path.join(work, "cache")
    os.makedirs(d)
    spec = os.path.join(d, "hierarchy.yaml")
    shutil.copy("specs/buggy/hierarchy.yaml", spec)
    first = run([bin_path, "verify", "hierarchy.yaml", "--report-dir", "r"], cwd=d)
    check("first run: violated", first.returncode == 1, first.stderr[-300:])
    check("first run: no cached line", "cached:" not in first.stdout)
    with open(os.path.join(d, "r", "hierarchy.json")) as f:
        doc_before = json.load(f)
    second = run([bin_path, "verify", "hierarchy.yaml", "--report-dir", "r"], cwd=d)
    check("second run: same exit", second.returncode == 1)
    check("second run: cached", "cached: spec, options and pbcheck unchanged since" in second.stdout, second.stdout[-300:])
    check("second run: the same report after the cached line",
          second.stdout.split("\n", 1)[1] == first.stdout, second.stdout[:300])
    quiet = run([bin_path, "verify", "hierarchy.yaml", "--report-dir", "r", "--quiet"], cwd=d)
    quiet_fresh = run([bin_path, "verify", "hierarchy.yaml", "--report-dir", "fresh", "--quiet"], cwd=d)
    check("a hit with other output flags prints what they ask for",
          "cached:" in quiet.stdout and quiet.stdout.split("\n", 1)[1] == quiet_fresh.stdout, quiet.stdout[:300])
    with open(os.path.join(d, "r", "hierarchy.json")) as f:
        doc_after = json.load(f)
    for doc in (doc_before, doc_after):
        doc["stats"]["seconds"] = None
    check("second run: the same document", doc_after == doc_before)
    # A hit on the same bytes leaves intact reports alone, and rewrites one
    # that was changed or removed.
    md = os.path.join(d, "r", "hierarchy.md")
    with open(md, "a") as f:
        f.write("tampered\n")
    os.remove(os.path.join(d, "r", "hierarchy.html"))
    again = run([bin_path, "verify", "hierarchy.yaml", "--report-dir", "r"], cwd=d)
    with open(md) as f:
        check("a hit rewrites a changed report", "cached:" in again.stdout and not f.read().endswith("tampered\n"))
    check("a hit rewrites a removed report", os.path.exists(os.path.join(d, "r", "hierarchy.html")))
    # A comment and blank lines: still a hit, with the locations moved.
    with open(spec) as f:
        text = f.read()
    with open(spec, "w") as f:
        f.write("# a comment\n\n\n" + text)
    third = run([bin_path, "verify", "hierarchy.yaml", "--report-dir", "r"], cwd=d)
    check("comments only: cached", "cached:" in third.stdout)
    before = [l for l in first.stdout.splitlines() if l.strip().startswith("at hierarchy.yaml:")]
    after = [l for l in third.stdout.splitlines() if l.strip().startswith("at hierarchy.yaml:")]
    moved = [l.rsplit(":", 2)[0] + ":" + str(int(l.rsplit(":", 2)[1]) + 3) + ":" + l.rsplit(":", 2)[2] for l in before]
    check("comments only: locations moved by three lines", after == moved and after, f"{before} → {after}")
    # A guard edit and another depth: named.
    with open(spec, "w") as f:
        f.write(text.replace('guard: "battery > 0"', 'guard: "battery > 1"', 1))
    fourth = run([bin_path, "verify", "hierarchy.yaml", "--report-dir", "r", "--depth", "40"], cwd=d)
    check("edit: re-checked, saying what changed",
          "checking again: machine.transitions[power_on].guard changed; --depth default → 40" in fourth.stdout, fourth.stdout[:400])
    nocache = run([bin_path, "verify", "hierarchy.yaml", "--report-dir", "r", "--depth", "40", "--no-cache"], cwd=d)
    check("--no-cache: no cache line", "cached:" not in nocache.stdout and "checking again" not in nocache.stdout)
    # A corrupted lock file is a warning and a full re-check.
    with open(os.path.join(d, "r", "pbcheck.lock"), "w") as f:
        f.write("{ not json")
    fifth = run([bin_path, "verify", "hierarchy.yaml", "--report-dir", "r"], cwd=d)
    check("corrupted lock file: warning", "warning:" in fifth.stderr and "pbcheck.lock" in fifth.stderr, fifth.stderr[-300:])
    check("corrupted lock file: checked again", fifth.returncode == 1 and "cached:" not in fifth.stdout)
    sixth = run([bin_path, "verify", "hierarchy.yaml", "--report-dir", "r"], cwd=d)
    check("lock file rewritten after corruption", "cached:" in sixth.stdout and not sixth.stderr.strip(), sixth.stderr[-300:])


def concurrent_runs(bin_path, work):
    d = os.path.join(work, "concurrent")
    specs_a = ["specs/buggy/hierarchy.yaml", "specs/buggy/deep-forbidden.yaml"]
    specs_b = ["specs/buggy/div-by-zero.yaml", "specs/buggy/global-invariant.yaml"]
    procs = [subprocess.Popen([bin_path, "verify", *s, "--report-dir", d], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for s in (specs_a, specs_b)]
    for p in procs:
        p.wait(timeout=300)
    with open(os.path.join(d, "pbcheck.lock")) as f:
        lock = json.load(f)
    check("two runs at once: both in the lock file", sorted(lock["specs"]) == sorted(specs_a + specs_b), str(sorted(lock["specs"])))


def killed_runs(bin_path, work, kills, seed):
    """SIGKILL at random points while reports are written: what is left parses."""
    rng = random.Random(seed)
    d = os.path.join(work, "killed")
    specs = sorted(glob.glob("specs/buggy/*.yaml"))
    # How long a whole run takes, to spread the kills over it.
    start = time.time()
    run([bin_path, "verify", *specs, "--report-dir", os.path.join(work, "timing"), "--no-cache"])
    whole = max(0.2, time.time() - start)
    validator = sarif_validator()
    bad = []
    for i in range(kills):
        p = subprocess.Popen([bin_path, "verify", *specs, "--report-dir", d] + (["--no-cache"] if i % 2 else []),
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, whole))
        p.send_signal(signal.SIGKILL)
        p.wait()
        for name in sorted(os.listdir(d)):
            if name.startswith("."):
                continue
            why = parses(os.path.join(d, name), validator)
            if why:
                bad.append(f"kill {i}: {name}: {why}")
    check(f"{kills} killed runs leave only reports that parse", not bad, "; ".join(bad[:5]))
    r = run([bin_path, "verify", *specs, "--report-dir", d])
    leftovers = [n for n in os.listdir(d) if ".pbcheck-tmp." in n]
    check("the next run clears the killed runs' temporary files", not leftovers, str(leftovers[:5]))
    check("the next run after kills completes", r.returncode == 1, r.stderr[-300:])


def interrupted_run_writes_reports(bin_path, work):
    d = os.path.join(work, "limited")
    r = run([bin_path, "verify", "specs/federation-gateway-model.yaml", "--max-states", "10", "--report-dir", d])
    check("a run stopped by --max-states exits 3", r.returncode == 3)
    path = os.path.join(d, "federation-gateway-model.json")
    ok = os.path.exists(path)
    if ok:
        with open(path) as f:
            doc = json.load(f)
        ok = doc["complete"] is False and any(p["verdict"] == "bounded" for p in doc["properties"])
    check("a run stopped by --max-states writes its reports", ok)
    # Ctrl-C: SIGINT stops the search; the reports are written, exit 3.
    counters = os.path.join(work, "counters.yaml")
    with open(counters, "w") as f:
        f.write(COUNTERS)
    p = subprocess.Popen([bin_path, "verify", counters, "--report-dir", d], cwd=ROOT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    code = p.wait(timeout=120)
    check("Ctrl-C exits 3", code == 3, f"exit {code}")
    check("Ctrl-C writes the reports", os.path.exists(os.path.join(d, "counters.json")) and parses(os.path.join(d, "counters.json")) is None)


# 61^4 ≈ 14 M states: long enough to be interrupted on any machine.
COUNTERS = """version: "1.0"
machine:
  id: counters
  initial: run
  variables:
    a: { type: int, range: [0, 60], init: 0 }
    b: { type: int, range: [0, 60], init: 0 }
    c: { type: int, range: [0, 60], init: 0 }
    d: { type: int, range: [0, 60], init: 0 }
  states:
    run: {}
  transitions:
    - { id: inc_a, from: run, to: run, event: a, guard: "a < 60", effects: ["a := a + 1"] }
    - { id: inc_b, from: run, to: run, event: b, guard: "b < 60", effects: ["b := b + 1"] }
    - { id: inc_c, from: run, to: run, event: c, guard: "c < 60", effects: ["c := c + 1"] }
    - { id: inc_d, from: run, to: run, event: d, guard: "d < 60", effects: ["d := d + 1"] }
    - { id: reset, from: run, to: run, event: r, effects: ["a := 0", "b := 0", "c := 0", "d := 0"] }
"""


GAPPY = """version: "1.0"
machine:
  id: gappy
  initial: a
  variables:
    n: { type: int, range: [0, 3], init: 0 }
  states:
    a: {}
    b: {}
    never: {}
  transitions:
    - { id: go, from: a, to: b, event: go, effects: ["n := n + 1"] }
    - { id: back, from: b, to: a, event: back, effects: ["n := 0"] }
    - { id: stuck, from: b, to: never, event: jump, guard: "n > 5" }
"""


def required_coverage(bin_path, work):
    """--require-coverage shows in every report (SPEC §3.1)."""
    d = os.path.join(work, "gaps")
    os.makedirs(d)
    with open(os.path.join(d, "gappy.yaml"), "w") as f:
        f.write(GAPPY)
    validator = sarif_validator()
    for extra, code, required, level in ((["--engine", "explicit"], 1, "fail", "error"),
                                         (["--engine", "walk", "--runs", "5", "--seed", "1"], 3, "inconclusive", "warning")):
        r = run([bin_path, "verify", "gappy.yaml", "--require-coverage", "--report-dir", "r", "--no-cache", *extra], cwd=d)
        check(f"--require-coverage {required}: exit {code}", r.returncode == code, f"exit {r.returncode}")
        with open(os.path.join(d, "r", "gappy.json")) as f:
            doc = json.load(f)
        check(f"--require-coverage {required}: JSON says so", doc["coverage"]["required"] == required, str(doc["coverage"]))
        with open(os.path.join(d, "r", "gappy.sarif")) as f:
            sarif = json.load(f)
        gaps = [x for x in sarif["runs"][0]["results"] if x["ruleId"] == "coverage-gap"]
        check(f"--require-coverage {required}: SARIF has the gaps at their lines",
              len(gaps) == 2 and all(g["level"] == level for g in gaps)
              and sorted(g["locations"][0]["physicalLocation"]["region"]["startLine"] for g in gaps) == [10, 14], json.dumps(gaps)[:400])
        check(f"--require-coverage {required}: SARIF valid", parses(os.path.join(d, "r", "gappy.sarif"), validator) is None)
        with open(os.path.join(d, "r", "gappy.junit.xml")) as f:
            junit = f.read()
        element = "<failure" if code == 1 else "<error"
        check(f"--require-coverage {required}: JUnit coverage testcase",
              'name="coverage"' in junit and element + ' message="coverage gaps' in junit, junit[-600:])
        check(f"--require-coverage {required}: JUnit valid", parses(os.path.join(d, "r", "gappy.junit.xml")) is None)
        for page in ("gappy.md", "gappy.html"):
            with open(os.path.join(d, "r", page)) as f:
                check(f"--require-coverage {required}: {page} says so", "--require-coverage" in f.read())


def walk_and_test_write_reports(bin_path, work):
    """`walk` and `test` take --report-dir too, with the same files."""
    validator = sarif_validator()
    for command, spec, extra in (("walk", "specs/buggy/hierarchy.yaml", ["--seed", "3", "--runs", "50"]),
                                 ("test", "specs/login-form.yaml", [])):
        d = os.path.join(work, "cmd-" + command)
        r = run([bin_path, command, spec, "--report-dir", d, *extra])
        check(f"{command} --report-dir exits 0 or 1", r.returncode in (0, 1), f"exit {r.returncode}: {r.stderr[-300:]}")
        name = stem(spec)
        for kind in KINDS:
            p = os.path.join(d, name + kind)
            why = parses(p, validator) if os.path.exists(p) else "missing"
            check(f"{command}: {name}{kind}", why is None, why or "")
        check(f"{command}: no result cache (verify keeps it)", not os.path.exists(os.path.join(d, "pbcheck.lock")))
    with open(os.path.join(work, "cmd-test", "login-form.junit.xml")) as f:
        check("test: skipped browser steps are <skipped> in JUnit", "<skipped" in f.read())


def same_name_refused(bin_path, work):
    d = os.path.join(work, "same")
    os.makedirs(os.path.join(d, "a"))
    os.makedirs(os.path.join(d, "b"))
    shutil.copy("specs/pipeline.yaml", os.path.join(d, "a", "x.yaml"))
    shutil.copy("specs/pipeline.yaml", os.path.join(d, "b", "x.yaml"))
    r = run([bin_path, "verify", "a/x.yaml", "b/x.yaml", "--report-dir", "r"], cwd=d)
    check("two specs with one name: exit 2 naming both", r.returncode == 2 and "a/x.yaml" in r.stderr and "b/x.yaml" in r.stderr, r.stderr)


def recipe_blocks():
    """The GitHub workflow and the GitLab job of docs/ci.md, parsed."""
    import re
    import yaml
    with open(os.path.join(ROOT, "docs", "ci.md")) as f:
        text = f.read()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    github = next(b for b in blocks if "jobs" in b)
    gitlab = next(b for b in blocks if "pbcheck" in b and "script" in b["pbcheck"])
    return github, gitlab


def ci_recipe(bin_path, work):
    """Runs the commands of docs/ci.md (not the install steps) on a copy of
    specs/, with pbcheck on PATH, and checks what they leave."""
    github, gitlab = recipe_blocks()
    tools = os.path.join(work, "bin")
    os.makedirs(tools)
    os.symlink(bin_path, os.path.join(tools, "pbcheck"))
    validator = sarif_validator()
    for flavour in ("github", "gitlab"):
        repo = os.path.join(work, "recipe-" + flavour)
        os.makedirs(os.path.join(repo, "specs"))
        for spec in glob.glob("specs/*.yaml"):
            shutil.copy(spec, os.path.join(repo, "specs"))
        names = sorted(stem(s) for s in glob.glob(os.path.join(repo, "specs", "*.yaml")))
        summary = os.path.join(work, flavour + "-summary.md")
        env = dict(os.environ, PATH=tools + os.pathsep + os.environ["PATH"], GITHUB_STEP_SUMMARY=summary)
        if flavour == "github":
            steps = [s for s in github["jobs"]["verify"]["steps"] if "run" in s and s.get("name") != "Install pbcheck"]
            commands = [(s["name"], s["run"]) for s in steps if not s["run"].startswith("exit")]
        else:
            commands = [(c, c) for c in gitlab["pbcheck"]["script"]]
        for _ in range(2):  # the second run restores the cache
            outputs = {}
            for name, command in commands:
                r = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True, timeout=600)
                outputs[name] = r
            verify = next(r for n, r in outputs.items() if "verify" in n.lower() or "pbcheck verify" in n)
            check(f"{flavour} recipe: verify exits 1 (specs/ has a violated spec)", verify.returncode == 1, verify.stderr[-300:])
        check(f"{flavour} recipe: the rerun is served from the cache",
              verify.stdout.count("cached: spec, options and pbcheck unchanged") == len(names), verify.stdout[-400:])
        reports = os.path.join(repo, "reports")
        for n in names:
            for kind in KINDS:
                check(f"{flavour} recipe: {n}{kind}", os.path.exists(os.path.join(reports, n + kind)))
        sarifs = sorted(glob.glob(os.path.join(reports, "*.sarif")))
        categories = []
        for p in sarifs:
            check(f"{flavour} recipe: {os.path.basename(p)} valid", parses(p, validator) is None)
            with open(p) as f:
                for run_ in json.load(f)["runs"]:
                    categories.append(run_.get("automationDetails", {}).get("id"))
        if sarifs:
            check(f"{flavour} recipe: one code-scanning category per SARIF run (one upload takes them all)",
                  len(set(categories)) == len(categories) and None not in categories, str(categories))
        if flavour == "github":
            with open(summary) as f:
                text = f.read()
            check("github recipe: the job summary has every spec's page", all(n in text for n in names) and len(text) > 200)
        for p in glob.glob(os.path.join(reports, "*.junit.xml")):
            check(f"{flavour} recipe: {os.path.basename(p)} valid", parses(p) is None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pbcheck")
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    bin_path = os.path.abspath(args.pbcheck)
    os.chdir(ROOT)
    work = tempfile.mkdtemp(prefix="pbcheck-reports-")
    try:
        every_file_for_every_spec(bin_path, work)
        cache_hit_and_edit(bin_path, work)
        concurrent_runs(bin_path, work)
        same_name_refused(bin_path, work)
        required_coverage(bin_path, work)
        walk_and_test_write_reports(bin_path, work)
        interrupted_run_writes_reports(bin_path, work)
        killed_runs(bin_path, work, args.kills, args.seed)
        ci_recipe(bin_path, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(tally("reports"))


if __name__ == "__main__":
    main()
