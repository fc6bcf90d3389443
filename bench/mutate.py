#!/usr/bin/env python3
"""`pbcheck mutate` on every playbook in specs/ (each a process of its own,
--jobs 1 and the machine's cores): mutants, score, wall seconds and the time
per mutant, written to bench/mutate-results.md. The issue's target: every
M1-M8 mutant of specs/federation-gateway-model.yaml in under 10 s."""
import glob, json, os, platform, subprocess, sys, time

PBCHECK = os.environ.get("PBCHECK", ".build/release/pbcheck")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mutate-results.md")
cores = os.cpu_count() or 1


def run(spec, jobs):
    start = time.monotonic()
    p = subprocess.run([PBCHECK, "mutate", spec, "--format", "json", "--jobs", str(jobs)], capture_output=True, text=True)
    took = time.monotonic() - start
    if p.returncode not in (0, 1):
        sys.exit("%s: exit %d\n%s" % (spec, p.returncode, p.stderr))
    return json.loads(p.stdout), took


rows = []
for spec in sorted(glob.glob("specs/*.yaml")) + sorted(glob.glob("specs/mutation/*.yaml")):
    one, t1 = run(spec, 1)
    _, tn = run(spec, cores)
    c = one["counts"]
    score = "—" if one["score"] is None else "%.1f%%" % (one["score"] * 100)
    rows.append("| `%s` | %d | %d | %d | %d | %d | %s | %.2f | %.2f | %.1f |" % (
        spec, one["checked"], c["killed"], c["survived"], c["equivalent"], c["stillborn"], score,
        t1, tn, tn / max(1, one["checked"]) * 1000))
    print(rows[-1], flush=True)

with open(OUT, "w") as f:
    f.write("# `pbcheck mutate` (bench/mutate.py)\n\n")
    f.write("%s, %d cores, %s. Wall seconds of the whole process (loading, the original's check, every mutant), "
            "`--jobs 1` and `--jobs %d`; ms per mutant at `--jobs %d`.\n\n" % (time.strftime("%Y-%m-%d"), cores, platform.machine(), cores, cores))
    f.write("| playbook | mutants | killed | survived | equivalent | stillborn | score | s (1 job) | s (%d jobs) | ms/mutant |\n" % cores)
    f.write("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    f.write("\n".join(rows) + "\n")
print("written to", OUT)
