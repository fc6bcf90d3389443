#!/usr/bin/env python3
"""Exploring counterexamples through the real binary (SPEC §7, issue 14):

* every counterexample `verify` prints for specs/ and specs/buggy/ replays
  with exit 1, from its ITF file and from the JSON result;
* a spec edited to fix the bug replays with exit 0 ("no longer
  reproduces"), one edited to remove a step with exit 2 naming the guard
  conjunct that fails and its values; files that are not traces of the
  spec exit 2 and say why;
* `graph --format svg` renders through Graphviz for every spec, and
  `graph --trace` highlights a replayed trace;
* `scenario SPEC TRACE` prints an entry that `test` fails on;
* a piped `explore` session walks a counterexample forward and back,
  answers `why`, saves a scenario that `test` then fails on and an ITF
  trace that `replay` reproduces;
* once under tmux, as a person types: Tab completion and a step fired.

usage: explore_test.py PBCHECK
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

from clitest import ROOT, check, run, tally
import time





def stem(path):
    return os.path.basename(path).rsplit(".", 1)[0]


def specs():
    return sorted(glob.glob(os.path.join(ROOT, "specs", "*.yaml")) + glob.glob(os.path.join(ROOT, "specs", "buggy", "*.yaml")))


def replay_everything(pbcheck, tmp):
    """Every counterexample of every spec, from ITF and from JSON."""
    reports = os.path.join(tmp, "reports")
    os.makedirs(reports)
    traces = 0
    for spec in specs():
        rel = os.path.relpath(spec, ROOT)
        r = run([pbcheck, "verify", "--no-cache", "--format", "json", "--report-dir", reports, rel])
        if r.returncode not in (0, 1, 3):
            check(f"verify {rel}", False, r.stderr[-300:])
            continue
        result = os.path.join(tmp, stem(spec) + ".result.json")
        with open(result, "w") as f:
            f.write(r.stdout)
        doc = json.loads(r.stdout)
        violated = [p for p in doc["properties"] if p["verdict"] == "violated" and p.get("trace") is not None]
        for p in violated:
            traces += 1
            j = run([pbcheck, "replay", rel, result, "--property", p["id"]])
            check(f"replay {rel} JSON --property {p['id']} exits 1", j.returncode == 1, j.stdout[-400:] + j.stderr[-300:])
            check(f"replay {rel} JSON {p['id']} says still violated", f"still violated: {p['id']}" in j.stdout, j.stdout[-300:])
        itfs = sorted(glob.glob(os.path.join(reports, stem(spec) + ".*.itf.json")))
        check(f"{rel}: one ITF file per counterexample", len(itfs) == len(violated), f"{len(itfs)} files, {len(violated)} traces")
        for itf in itfs:
            i = run([pbcheck, "replay", rel, itf])
            check(f"replay {rel} {os.path.basename(itf)} exits 1", i.returncode == 1, i.stdout[-400:] + i.stderr[-300:])
        if len(violated) > 1:
            amb = run([pbcheck, "replay", rel, result])
            check(f"replay {rel} JSON without --property (several traces) exits 2", amb.returncode == 2 and "--property" in amb.stderr, amb.stderr)
    check("the corpus has counterexamples to replay", traces >= 20, str(traces))
    return reports


def edited(tmp, source, old, new, name):
    with open(os.path.join(ROOT, source)) as f:
        text = f.read()
    assert old in text, (source, old)
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text.replace(old, new))
    return path


def replay_edits(pbcheck, tmp, reports):
    spec = "specs/buggy/multi-violation.yaml"
    inv = os.path.join(reports, "multi-violation.invariant_work_0.itf.json")
    dead = os.path.join(reports, "multi-violation.deadlock.itf.json")
    # The invariant fixed: the trace replays and no longer reproduces.
    fixed = edited(tmp, spec, 'condition: "k != 2"', 'condition: "k != 9"', "fixed.yaml")
    r = run([pbcheck, "replay", fixed, inv])
    check("replay on a fixed spec exits 0", r.returncode == 0, r.stdout + r.stderr)
    check("replay on a fixed spec says no longer reproduces", "no longer reproduces" in r.stdout, r.stdout)
    # The audit step removed at k = 6 by a second conjunct: exit 2, the
    # step, the conjunct and the value that breaks it, what is enabled.
    removed = edited(tmp, spec, 'guard: "k >= 3"', 'guard: "k >= 3 && k < 6"', "removed.yaml")
    r = run([pbcheck, "replay", removed, dead])
    check("replay with a removed step exits 2", r.returncode == 2, r.stdout + r.stderr)
    check("the failing step is named", "step 7 of 8" in r.stdout and "'audit' is not enabled in work" in r.stdout, r.stdout)
    check("the failing conjunct is named with its value", "k < 6" in r.stdout and "k=6" in r.stdout and "k >= 3 && k < 6" not in r.stdout.split("not enabled")[-1].split(";")[0], r.stdout[-400:])
    check("what is enabled instead is listed", "enabled: tick" in r.stdout, r.stdout[-300:])
    # The same from the regression scenarios verify wrote beside the ITF files.
    scenario = os.path.join(reports, "multi-violation.deadlock.scenario.yaml")
    r = run([pbcheck, "replay", spec, scenario])
    check("replay of a scenario file exits 1 while the bug is there", r.returncode == 1 and "still violated: scenario:counterexample-deadlock" in r.stdout, r.stdout[-400:] + r.stderr)
    r = run([pbcheck, "replay", removed, scenario])
    check("replay of a scenario file with a removed step exits 2", r.returncode == 2 and "'audit' is not enabled in work" in r.stdout, r.stdout[-400:] + r.stderr)
    fixed_jam = edited(tmp, spec, 'guard: "k == 6"', 'guard: "k == 6 && k < 0"', "fixed-jam.yaml")
    r = run([pbcheck, "replay", fixed_jam, os.path.join(reports, "multi-violation.range_k.scenario.yaml")])
    check("replay of a scenario that still applies, its bug still there, exits 1", r.returncode == 1, r.stdout[-300:])
    # A scenario file as explore's and graph's TRACE: the steps it takes.
    r = run([pbcheck, "explore", spec, "--trace", scenario], stdin="goto 8\n")
    check("explore --trace SCENARIO.yaml loads the scenario's steps", r.returncode == 0 and "(8 steps, the steps of scenario:counterexample-deadlock)" in r.stdout
          and "state: stuck (step 8 of the loaded trace" in r.stdout, r.stdout[-400:] + r.stderr)
    r = run([pbcheck, "graph", spec, "--trace", scenario, "--format", "mermaid"])
    check("graph --trace SCENARIO.yaml numbers its steps", r.returncode == 0 and "(8) jam" in r.stdout, r.stdout[-300:] + r.stderr)
    r = run([pbcheck, "scenario", spec, scenario])
    check("scenario of a scenario file exits 2 and says why", r.returncode == 2 and "is a scenario already" in r.stderr, r.stderr)
    # Files that are not traces of this spec.
    other = os.path.join(reports, "range-overflow.range_retries.itf.json")
    r = run([pbcheck, "replay", spec, other])
    check("a trace of another spec exits 2", r.returncode == 2, r.stdout + r.stderr)
    check("and says why", "retries" in r.stdout + r.stderr or "not a state" in r.stdout + r.stderr, r.stdout + r.stderr)
    bad = os.path.join(tmp, "bad.itf.json")
    with open(inv) as f:
        doc = json.load(f)
    doc["states"][1]["#meta"]["transition"] = "teleport"
    with open(bad, "w") as f:
        json.dump(doc, f)
    r = run([pbcheck, "replay", spec, bad])
    check("an unknown transition exits 2", r.returncode == 2 and "'teleport' names no transition" in r.stdout, r.stdout + r.stderr)
    doc["states"][1]["#meta"]["transition"] = "tick"
    doc["states"][0]["k"] = "many"
    with open(bad, "w") as f:
        json.dump(doc, f)
    r = run([pbcheck, "replay", spec, bad])
    check("a value of the wrong type exits 2", r.returncode == 2 and "not a value of variable 'k'" in r.stdout, r.stdout + r.stderr)
    # Hostile files: deep nesting, a #bigint past 64 bits, random bytes,
    # no states: exit 2 with one line, never a crash.
    hostile = {
        "deep.json": "[" * 200000 + "]" * 200000,
        "bigint.json": json.dumps({"vars": ["state", "k"], "states": [{"state": "work", "k": {"#bigint": "9" * 30}}]}),
        "random.json": "".join(chr(c) for c in range(1, 255)) * 40,
        "nostates.json": json.dumps({"vars": ["state", "k"], "states": []}),
    }
    for name, text in hostile.items():
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        r = run([pbcheck, "replay", spec, path])
        check(f"replay of {name} exits 2 with one error line", r.returncode == 2 and r.stderr.count("\n") == 1 and r.stderr.startswith("error: "), r.stderr[-300:])
    # An ITF file of states only (no step names): each step is the one
    # that leads to the next state.
    bare = os.path.join(tmp, "bare.itf.json")
    with open(bare, "w") as f:
        json.dump({"vars": ["state", "k"], "states": [{"state": "work", "k": k} for k in range(3)]}, f)
    r = run([pbcheck, "replay", spec, bare])
    # It records no property: it reproduces what its end breaks.
    check("an ITF trace without step names replays by its states", r.returncode == 1 and "2  tick" in r.stdout and "still violated: invariant:work:0" in r.stdout, r.stdout + r.stderr)
    with open(bad, "w") as f:
        f.write("{ not json")
    r = run([pbcheck, "replay", spec, bad])
    check("a file that is not JSON exits 2 with one line", r.returncode == 2 and r.stderr.startswith("error: ") and "Usage" not in r.stderr, r.stderr)


def graphs(pbcheck, reports):
    for spec in specs():
        rel = os.path.relpath(spec, ROOT)
        r = run([pbcheck, "graph", "--format", "svg", rel])
        check(f"graph --format svg {rel}", r.returncode == 0 and "<svg" in r.stdout, r.stderr[-300:])
    itf = os.path.join(reports, "multi-violation.deadlock.itf.json")
    plain = run([pbcheck, "graph", "specs/buggy/multi-violation.yaml"]).stdout
    traced = run([pbcheck, "graph", "specs/buggy/multi-violation.yaml", "--trace", itf])
    check("graph --trace exits 0", traced.returncode == 0, traced.stderr)
    # The deadlock trace ends audit → stuck by jam: that edge is on the path.
    jam = [l for l in traced.stdout.splitlines() if "edge:audit:jam" in l]
    check("graph --trace numbers the trace's last step on its edge", jam and "8" in jam[0] and jam != [l for l in plain.splitlines() if "edge:audit:jam" in l], str(jam))


def scenario_tests(pbcheck, tmp, reports):
    for itf in sorted(glob.glob(os.path.join(reports, "*.itf.json"))):
        name = os.path.basename(itf).split(".")[0]
        spec = os.path.join("specs", "buggy", name + ".yaml")
        if not os.path.exists(os.path.join(ROOT, spec)) or ".scenario_" in itf:
            continue
        r = run([pbcheck, "scenario", spec, itf])
        check(f"scenario {os.path.basename(itf)} exits 0", r.returncode == 0, r.stderr)
        if r.returncode != 0:
            continue
        copy = os.path.join(tmp, f"sc-{os.path.basename(itf)}.yaml")
        with open(os.path.join(ROOT, spec)) as f:
            text = f.read()
        entry = "\n".join(l for l in r.stdout.splitlines() if not l.startswith("#"))
        if "\nscenarios:" in text:
            text = text.replace("\nscenarios:\n", "\nscenarios:\n" + entry + "\n", 1)
        else:
            text = text.rstrip("\n") + "\nscenarios:\n" + entry + "\n"
        with open(copy, "w") as f:
            f.write(text)
        t = run([pbcheck, "test", "--format", "json", copy])
        check(f"test fails on the scenario of {os.path.basename(itf)}", t.returncode == 1, t.stdout[-300:] + t.stderr[-300:])
        if t.returncode == 1:
            doc = json.loads(t.stdout)
            mine = [p for p in doc["properties"] if p["id"].startswith("scenario:counterexample-")]
            check(f"the scenario of {os.path.basename(itf)} is the one violated", mine and mine[0]["verdict"] == "violated", json.dumps(mine)[:300])


def scenario_of_a_scenario(pbcheck):
    """A failing scenario's trace makes no regression scenario: it is one."""
    tmp = tempfile.mkdtemp(prefix="pbcheck-scenario-")
    try:
        r = run([pbcheck, "verify", "--no-cache", "--report-dir", tmp, "specs/order-review.yaml"])
        itf = os.path.join(tmp, "order-review.scenario_playbook.itf.json")
        check("order-review's scripted run fails and has a trace", os.path.exists(itf), r.stdout[-300:])
        r = run([pbcheck, "scenario", "specs/order-review.yaml", itf])
        check("scenario of a failing scenario's trace exits 2 and says why", r.returncode == 2 and "regression test already" in r.stderr, r.stdout + r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def explore_session(pbcheck, tmp, reports):
    spec = "specs/buggy/multi-violation.yaml"
    trace = os.path.join(reports, "multi-violation.deadlock.itf.json")
    saved_yaml = os.path.join(tmp, "explored.yaml")
    saved_itf = os.path.join(tmp, "explored.itf.json")
    script = "\n".join(["next", "next", "prev", "goto 7", "why check", "why jam", "check", "1", "back", "2",
                        f"save {saved_yaml}", f"save {saved_itf}", "help", "bogus", "quit"]) + "\n"
    r = run([pbcheck, "explore", spec, "--trace", trace], stdin=script)
    out = r.stdout
    check("explore exits 0", r.returncode == 0, r.stderr)
    check("piped explore prints no prompt and no escape codes", "explore>" not in out and "\x1b" not in out, out[:200])
    check("explore loads the trace", out.startswith("loaded ") and "a counterexample to deadlock" in out.splitlines()[0], out[:200])
    check("next moves along the trace", "step 1 of the loaded trace" in out and "step 2 of the loaded trace" in out, out[:600])
    check("the state that breaks the invariant says so", "violates invariant:work:0" in out, out[:1200])
    check("why names the conjunct that fails, with values", "'check' is not enabled in audit" in out and "k=6" in out.split("'check' is not enabled")[1].splitlines()[0], out)
    check("why on an enabled step says it is enabled", "'jam' is enabled here" in out, out)
    check("check lists every property", "holds     invariant:audit:0" in out and "VIOLATED  forbidden:work->audit" in out, out)
    check("a step off the trace leaves it, back returns to it", "(after 8 steps)" in out and out.count("(step 7 of the loaded trace") == 2, out)
    check("firing jam breaks the forbidden edge", "breaks forbidden:audit->stuck" in out, out)
    check("save writes a scenario", os.path.exists(saved_yaml) and "saved 8 steps to" in out, out[-600:])
    check("an unknown command is answered", "unknown command 'bogus'" in out, out[-300:])
    if os.path.exists(saved_yaml):
        with open(os.path.join(ROOT, spec)) as f:
            text = f.read()
        with open(saved_yaml) as f:
            entry = "\n".join(l for l in f.read().splitlines() if not l.startswith("#"))
        copy = os.path.join(tmp, "explored-playbook.yaml")
        with open(copy, "w") as f:
            f.write(text.rstrip("\n") + "\nscenarios:\n" + entry + "\n")
        t = run([pbcheck, "test", copy])
        check("test fails on the scenario explore saved", t.returncode == 1 and "FAILED  scenario:counterexample-deadlock" in t.stdout, t.stdout[-400:] + t.stderr)
    if os.path.exists(saved_itf):
        t = run([pbcheck, "replay", spec, saved_itf])
        check("replay reproduces the ITF trace explore saved", t.returncode == 1, t.stdout[-400:])
    return out


def tmux_session(pbcheck, tmp):
    """Once as a person types: Tab completes a command and a transition id."""
    if shutil.which("tmux") is None:
        check("tmux is installed (make test-deps)", False)
        return
    session = f"pbcheck-explore-{os.getpid()}"
    env_home = os.path.join(tmp, "home")
    os.makedirs(env_home, exist_ok=True)
    command = f"cd {ROOT} && HOME={env_home} {pbcheck} explore specs/buggy/multi-violation.yaml"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "50", command], check=True)

    def screen():
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout

    def wait_for(text, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            s = screen()
            if text in s:
                return s
            time.sleep(0.2)
        return screen()

    try:
        # capture-pane drops trailing blanks: "explore> " shows as "explore>".
        s = wait_for("explore>")
        check("explore shows a prompt on a terminal", "explore>" in s, s)
        subprocess.run(["tmux", "send-keys", "-t", session, "wh", "Tab"])
        s = wait_for("explore> why")
        check("Tab completes a command", "explore> why" in s, s)
        subprocess.run(["tmux", "send-keys", "-t", session, "ti", "Tab", "Enter"])
        s = wait_for("'tick' is enabled here")
        check("Tab completes a transition id and why answers", "explore> why tick" in s and "'tick' is enabled here" in s, s)
        subprocess.run(["tmux", "send-keys", "-t", session, "1", "Enter"])
        s = wait_for("k = 1")
        check("a step fired by number shows what changed", "k = 1" in s and "(was 0)" in s, s)
        subprocess.run(["tmux", "send-keys", "-t", session, "quit", "Enter"])
        time.sleep(0.5)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    pbcheck = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="pbcheck-explore-")
    try:
        reports = replay_everything(pbcheck, tmp)
        replay_edits(pbcheck, tmp, reports)
        graphs(pbcheck, reports)
        scenario_tests(pbcheck, tmp, reports)
        scenario_of_a_scenario(pbcheck)
        explore_session(pbcheck, tmp, reports)
        tmux_session(pbcheck, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tally("explore_test")


if __name__ == "__main__":
    sys.exit(main())
