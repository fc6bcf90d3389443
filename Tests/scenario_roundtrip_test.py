#!/usr/bin/env python3
"""Counterexamples as regression scenarios, through the real binary (SPEC §6,
§7 `scenario`): `verify --report-dir` writes NAME.PROPERTY.scenario.yaml for
every violated property of every spec in specs/buggy/ and specs/; each entry, appended
under `scenarios:` to a copy of its playbook, makes `pbcheck test` fail on
that scenario, naming the same property. A copy with the bug fixed runs the
same scenario to its end.

usage: scenario_roundtrip_test.py PBCHECK
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from clitest import ROOT, check, run, tally

import yaml






def stem(path):
    return os.path.basename(path).rsplit(".", 1)[0]


def file_safe(property_id):
    safe = property_id.replace("->", "-to-")
    return "".join(c if (c.isascii() and (c.isalnum() or c in "-_")) else "_" for c in safe)


def append_scenario(playbook, entry):
    """The playbook's text with `entry` (YAML text of one list item,
    indented by two) added at the end of its top-level `scenarios:` list,
    which is made when missing."""
    lines = playbook.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    entry_lines = [l for l in entry.splitlines(keepends=True) if not l.startswith("#")]
    head = next((i for i, l in enumerate(lines) if re.match(r"scenarios:\s*(\[\s*\])?\s*(#.*)?$", l)), None)
    if head is None:
        return "".join(lines) + "scenarios:\n" + "".join(entry_lines)
    lines[head] = "scenarios:\n"
    end = head + 1
    # The list ends at the next line in column 0 that is not a comment.
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#-"):
        end += 1
    # Leave trailing blank lines and comments after the entry.
    while end > head + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return "".join(lines[:end] + entry_lines + lines[end:])


def expected_words(entry, property_id):
    """What the failure must name: the property's id, or for an assert
    its expression."""
    last = entry["steps"][-1]
    return [property_id] + ([last["assert"]] if "assert" in last else [])


def scenario_result(bin_path, path, name):
    r = run([bin_path, "test", path, "--format", "json"])
    try:
        doc = json.loads(r.stdout)
    except json.JSONDecodeError:
        return r, None
    return r, next((p for p in doc.get("properties", []) if p["id"] == f"scenario:{name}"), None)


def round_trip(bin_path, work, group, at_least):
    specs = sorted(glob.glob(group))
    out = os.path.join(work, "reports-" + os.path.basename(os.path.dirname(group)))
    r = run([bin_path, "verify", *specs, "--report-dir", out, "--no-cache", "--timeout", "120"])
    check(f"verify --report-dir {group} exits 1", r.returncode == 1, f"exit {r.returncode}: {r.stderr[-300:]}")
    total = 0
    for spec in specs:
        name = stem(spec)
        with open(os.path.join(out, name + ".json")) as f:
            doc = json.load(f)
        violated = [p for p in doc["properties"] if p["verdict"] == "violated" and p.get("trace") and p["kind"] != "scenario"]
        written = sorted(glob.glob(os.path.join(out, f"{name}.*.scenario.yaml")))
        check(f"{name}: one scenario file per violated property", len(written) == len(violated),
              f"{len(written)} files, {len(violated)} violations")
        with open(spec) as f:
            playbook = f.read()
        for prop in violated:
            pid = prop["id"]
            path = os.path.join(out, f"{name}.{file_safe(pid)}.scenario.yaml")
            check(f"{name}: {pid}: scenario file written", os.path.exists(path))
            if not os.path.exists(path):
                continue
            with open(path) as f:
                text = f.read()
            entries = yaml.safe_load(text)
            check(f"{name}: {pid}: the file is one list entry", isinstance(entries, list) and len(entries) == 1, text[:300])
            if not (isinstance(entries, list) and len(entries) == 1):
                continue
            entry = entries[0]
            check(f"{name}: {pid}: one action per step of the counterexample",
                  [s["action"] for s in entry["steps"] if "action" in s] == [s["transition"] for s in prop["trace"]["steps"]])
            copy = os.path.join(work, f"{name}.{file_safe(pid)}.yaml")
            with open(copy, "w") as f:
                f.write(append_scenario(playbook, text))
            with open(copy) as f:
                loaded = yaml.safe_load(f)
            check(f"{name}: {pid}: the copy holds the entry as written", loaded["scenarios"][-1] == entry)
            r, result = scenario_result(bin_path, copy, entry["name"])
            total += 1
            check(f"{name}: {pid}: test exits 1", r.returncode == 1, f"exit {r.returncode}: {r.stdout[-300:]}{r.stderr[-300:]}")
            if result is None:
                check(f"{name}: {pid}: test reports the scenario", False, r.stdout[-400:])
                continue
            check(f"{name}: {pid}: the scenario is violated", result["verdict"] == "violated", json.dumps(result)[:400])
            detail = result.get("detail") or ""
            check(f"{name}: {pid}: the failure names the property", any(w in detail for w in expected_words(entry, pid)),
                  f"{detail!r} names none of {expected_words(entry, pid)}")
            text_run = run([bin_path, "test", copy])
            check(f"{name}: {pid}: the terminal report names the scenario",
                  text_run.returncode == 1 and entry["name"] in text_run.stdout, text_run.stdout[-300:])
    check(f"every violated property of {group} round-trips", total >= at_least, f"{total} scenarios")


def appended_to_existing_list(bin_path, work):
    """A playbook that has scenarios keeps them, and the new entry joins them."""
    spec = os.path.join(work, "cart.yaml")
    with open("specs/shopping-cart.yaml") as f:
        text = f.read()
    entry = '  - name: "extra"\n    steps:\n      - action: "add_item"\n        observe: { cart_total: 25 }\n      - holds: "deadlock"\n'
    with open(spec, "w") as f:
        f.write(append_scenario(text, entry))
    with open(spec) as f:
        names = [s["name"] for s in yaml.safe_load(f)["scenarios"]]
    check("appended after the playbook's own scenarios", names[-1] == "extra" and len(names) > 1, str(names))
    r, result = scenario_result(bin_path, spec, "extra")
    check("the appended scenario runs", result is not None and result["verdict"] == "holds", r.stdout[-300:])


def fixed_spec_passes(bin_path, work):
    """The scenario of global-invariant's global:1 fails on the buggy spec
    and runs to its end once the bug is fixed (the path stays enabled)."""
    out = os.path.join(work, "fixed-reports")
    r = run([bin_path, "verify", "specs/buggy/global-invariant.yaml", "--report-dir", out, "--no-cache"])
    path = os.path.join(out, "global-invariant.global_1.scenario.yaml")
    check("global-invariant: global:1 has a scenario", os.path.exists(path), r.stdout[-300:])
    if not os.path.exists(path):
        return
    with open(path) as f:
        entry = f.read()
    with open("specs/buggy/global-invariant.yaml") as f:
        buggy = f.read()
    fixed = buggy.replace(FIX[0], FIX[1])
    check("the fix applies", fixed != buggy)
    name = yaml.safe_load(entry)[0]["name"]
    for label, text, verdict in (("buggy", buggy, "violated"), ("fixed", fixed, "holds")):
        copy = os.path.join(work, f"global-invariant-{label}.yaml")
        with open(copy, "w") as f:
            f.write(append_scenario(text, entry))
        r, result = scenario_result(bin_path, copy, name)
        check(f"{label} spec: the scenario is {verdict}", result is not None and result["verdict"] == verdict,
              (json.dumps(result) if result else r.stdout)[-400:])
        check(f"{label} spec: test exits {1 if verdict == 'violated' else 0}",
              r.returncode == (1 if verdict == "violated" else 0), f"exit {r.returncode}")


# global-invariant.yaml's bug fixed so that the counterexample's path stays
# enabled: a refund no longer creates money.
FIX = ('      effects: ["bal(a) := bal(a) + 1"]\n', "")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pbcheck")
    args = parser.parse_args()
    bin_path = os.path.abspath(args.pbcheck)
    os.chdir(ROOT)
    work = tempfile.mkdtemp(prefix="pbcheck-scenarios-")
    try:
        round_trip(bin_path, work, "specs/buggy/*.yaml", 23)
        # The gateway's contracts: asserts that read what the last action observed.
        round_trip(bin_path, work, "specs/*.yaml", 13)
        appended_to_existing_list(bin_path, work)
        fixed_spec_passes(bin_path, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(tally("scenarios"))


if __name__ == "__main__":
    main()
