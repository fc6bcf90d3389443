#!/usr/bin/env python3
"""The symbolic engine over every valid playbook of the repository (issue 15).

Usage: symbolic-sweep.py [--depth K] [--timeout SECONDS] [--only SUBSTRING]
                         [--baseline FILE.json] [--json FILE.json] [--out FILE.md]
       symbolic-sweep.py --render FILE.json [--baseline FILE.json] [--out FILE.md]

Runs, for every playbook that validates under specs/ (every folder but
specs/invalid and specs/golden), bench/models/ and bench/out/ (the
benchmark's generated models, written by gen.py when missing):

  $PBCHECK verify SPEC --engine symbolic --depth K --jobs 1 --format json
  $PBCHECK verify SPEC --engine explicit --jobs 1 --format json --timeout T

(PBCHECK defaults to .build/release/pbcheck of this repository), and records
wall and CPU seconds, the verdicts, the BMC depth reached and the Z3 queries.
The symbolic verdicts are compared with the explicit search's by
run.check_verdicts: `holds`/`bounded` where the explicit search proves a
property, `violated` with a counterexample of the same length where it
finds one; `unknown` contradicts nothing but settles nothing. Where the
explicit search cannot finish (unbounded domains), specs/symbolic's
expected.json is the reference. A spec is *settled* when every property
but progress is `holds` or `violated`, or `bounded` at K where nothing
shorter than K + 1 steps can break it (the explicit search or expected.json
says it holds, or is violated only deeper than K).

The table goes to bench/symbolic-results.md (or --out) and the raw figures
to --json; --baseline adds a "before" column from an earlier --json file.
No threshold is checked here: exit 1 only when a verdict contradicts the
reference.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..'))
sys.path.insert(0, HERE)
import gen  # noqa: E402
from run import properties, check_verdicts  # noqa: E402

PBCHECK = os.environ.get('PBCHECK', os.path.join(ROOT, '.build', 'release', 'pbcheck'))
BENCH_MODELS = [('gateway', 5), ('counters', 7), ('philosophers', 17)]


def specs():
    """Every playbook to sweep, relative to the repository root."""
    found = []
    for path in sorted(glob.glob(os.path.join(ROOT, 'specs', '**', '*.yaml'), recursive=True)):
        rel = os.path.relpath(path, ROOT)
        if rel.startswith(('specs/invalid/', 'specs/golden/')):
            continue
        found.append(rel)
    found += sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, 'bench', 'models', '*.yaml')))
    out = os.path.join(HERE, 'out')
    for model, n in BENCH_MODELS:
        path = os.path.join(out, f'{model}-{n}.yaml')
        if not os.path.exists(path):
            gen.generate(model, n, out)
        found.append(os.path.relpath(path, ROOT))
    return found


def run(cmd, timeout):
    """(exit code or 'timeout', stdout, wall seconds)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        rc = 'timeout'
    return rc, out.decode(errors='replace'), time.monotonic() - t0


def cpu_of(cmd, timeout):
    """Runs cmd, returning (rc, stdout, wall, cpu) with the CPU time from rusage."""
    before = os.times()
    rc, out, wall = run(cmd, timeout)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return rc, out, wall, cpu


def validates(spec):
    r = subprocess.run([PBCHECK, 'validate', spec], cwd=ROOT, capture_output=True, timeout=120)
    return r.returncode == 0


def expected_for(spec):
    """specs/symbolic/expected.json's properties for spec, as explicit-like tuples."""
    if not spec.startswith('specs/symbolic/'):
        return None
    try:
        with open(os.path.join(ROOT, 'specs', 'symbolic', 'expected.json')) as f:
            e = json.load(f)
    except OSError:
        return None
    props = (e.get(os.path.basename(spec)) or {}).get('properties')
    if props is None:
        return None
    return {pid: (p['verdict'], 'expected.json', p.get('length'), '') for pid, p in props.items()}


def sweep_one(spec, depth, timeout, explicit_timeout):
    row = {'spec': spec}
    cmd = [PBCHECK, 'verify', spec, '--engine', 'symbolic', '--depth', str(depth), '--jobs', '1', '--format', 'json']
    rc, out, wall, cpu = cpu_of(cmd, timeout)
    row.update(seconds=round(wall, 3), cpu=round(cpu, 3), rc=rc)
    if rc == 'timeout' or rc not in (0, 1, 3):
        row['note'] = 'timeout' if rc == 'timeout' else f'exit {rc}'
        return row
    j = json.loads(out)
    stats = j.get('stats') or {}
    row['depth'] = stats.get('depth')
    row['queries'] = stats.get('solver_queries')
    row['symbolic'] = j.get('symbolic')
    sym = {pid: v for pid, v in properties(j).items() if not pid.startswith('scenario:')}
    row['verdicts'] = {pid: [v[0], v[2], v[1]] for pid, v in sym.items()}
    # The reference: the explicit search when it finishes, else expected.json.
    ecmd = [PBCHECK, 'verify', spec, '--engine', 'explicit', '--jobs', '1', '--format', 'json',
            '--timeout', str(explicit_timeout)]
    erc, eout, ewall, _ = cpu_of(ecmd, explicit_timeout + 30)
    ref, ref_name = None, None
    if erc in (0, 1, 3):
        ej = json.loads(eout)
        row['explicit_seconds'] = round(ewall, 3)
        row['states'] = (ej.get('stats') or {}).get('states')
        if ej.get('complete'):
            ref = {pid: v for pid, v in properties(ej).items() if not pid.startswith('scenario:')}
            ref_name = 'explicit'
    if ref is None:
        ref = expected_for(spec)
        ref_name = 'expected.json' if ref is not None else None
    ref = {pid: v for pid, v in (ref or {}).items() if pid != 'progress'}
    sym_cmp = {pid: v for pid, v in sym.items() if pid != 'progress'}
    if ref_name:
        bad, open_ = check_verdicts(ref, sym_cmp, depth)
        row['reference'] = ref_name
        row['contradictions'] = bad
        row['open'] = open_
    else:
        row['reference'] = None
        row['contradictions'] = []
        row['open'] = [f'{pid} {v[0]}' for pid, v in sym_cmp.items() if v[0] not in ('holds', 'violated')]
    # Settled: every property decided, or bounded where nothing as short
    # as the depth can break it.
    unsettled = []
    for pid, (v, _, _, _) in sym_cmp.items():
        if v in ('holds', 'violated'):
            continue
        r = ref.get(pid) if ref_name else None
        if v == 'bounded' and r and (r[0] == 'holds' or (r[0] == 'violated' and (r[2] or 0) > depth)):
            continue
        unsettled.append(f'{pid} {v}')
    row['unsettled'] = unsettled
    return row


def fmt(x):
    return '—' if x is None else f'{x:.2f}'


def render(rows, baseline, depth, timeout):
    lines = [
        '# The symbolic engine over every playbook',
        '',
        f'`bench/symbolic-sweep.py`: `pbcheck verify SPEC --engine symbolic --depth {depth} --jobs 1 --format json`',
        f'on every playbook that validates under `specs/` (not `specs/invalid`), `bench/models/` and the',
        f'benchmark models `bench/out/` (generated by `gen.py`), one at a time, each killed after {timeout:g} s.',
        'Wall and CPU seconds of the release binary (the machine is shared: wall seconds',
        'vary with its load; CPU seconds less so). Verdicts are compared with the explicit',
        'search (`--engine explicit`), or with `specs/symbolic/expected.json` where the explicit',
        'search cannot finish (`ref`). `agree`: no contradiction (`holds`/`bounded` where the',
        'reference holds, `violated` at the same length where it is violated). `settled`: every',
        'property but progress holds or is violated, or is `bounded` where nothing within',
        f'{depth} steps breaks it.',
        '',
    ]
    head = '| spec | states | before s | before CPU s | after s | after CPU s | BMC depth | Z3 queries | ref | agree | settled | open |'
    lines += [head, '|' + '---|' * (head.count('|') - 1)]
    base = {r['spec']: r for r in (baseline or [])}
    for r in rows:
        b = base.get(r['spec'])
        before = ('timeout' if b and b.get('note') == 'timeout' else fmt(b.get('seconds'))) if b else '—'
        after = 'timeout' if r.get('note') == 'timeout' else fmt(r.get('seconds'))
        agree = '—' if not r.get('reference') else ('yes' if not r.get('contradictions') else 'NO: ' + '; '.join(r['contradictions']))
        settled = 'yes' if r.get('note') is None and not r.get('unsettled') else 'no'
        open_ = '; '.join(r.get('unsettled') or []) or (r.get('note') or '')
        before_cpu = fmt(b.get('cpu')) if b and b.get('note') != 'timeout' else '—'
        lines.append(f"| {r['spec']} | {r.get('states') if r.get('states') is not None else '—'} | {before} | {before_cpu} | {after} | "
                     f"{fmt(r.get('cpu'))} | {r.get('depth', '—')} | {r.get('queries', '—')} | {r.get('reference') or '—'} | "
                     f"{agree} | {settled} | {open_} |")
    slow = [r for r in rows if r.get('note') == 'timeout' or (r.get('seconds') or 0) >= 5]
    lines += ['', f"{len(rows)} playbooks; {len(slow)} at 5 s or more: "
              + (', '.join(f"{r['spec']} ({'timeout' if r.get('note') == 'timeout' else fmt(r.get('seconds')) + ' s'})" for r in slow) or 'none')
              + '.', '']
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--depth', type=int, default=12)
    ap.add_argument('--timeout', type=float, default=120)
    ap.add_argument('--explicit-timeout', type=float, default=60)
    ap.add_argument('--only', action='append', default=[])
    ap.add_argument('--baseline')
    ap.add_argument('--json')
    ap.add_argument('--out', default=os.path.join(HERE, 'symbolic-results.md'))
    ap.add_argument('--render', metavar='FILE.json', help='only render the table of an earlier --json file')
    a = ap.parse_args(argv)
    if a.render:
        with open(a.render) as f:
            rows = json.load(f)
        baseline = None
        if a.baseline:
            with open(a.baseline) as f:
                baseline = json.load(f)
        with open(a.out, 'w') as f:
            f.write(render(rows, baseline, a.depth, a.timeout))
        return 1 if any(r.get('contradictions') for r in rows) else 0
    if not os.path.exists(PBCHECK):
        sys.exit(f'{PBCHECK} not found (make release, or set PBCHECK)')
    rows = []
    for spec in specs():
        if a.only and not any(s in spec for s in a.only):
            continue
        if not validates(spec):
            continue
        r = sweep_one(spec, a.depth, a.timeout, a.explicit_timeout)
        rows.append(r)
        print(f"{spec}: {r.get('note') or fmt(r.get('seconds')) + ' s'}, queries {r.get('queries')}, "
              f"unsettled {r.get('unsettled')}, contradictions {r.get('contradictions')}", flush=True)
    baseline = None
    if a.baseline:
        with open(a.baseline) as f:
            baseline = json.load(f)
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(rows, f, indent=1)
    text = render(rows, baseline, a.depth, a.timeout)
    with open(a.out, 'w') as f:
        f.write(text)
    return 1 if any(r.get('contradictions') for r in rows) else 0


if __name__ == '__main__':
    sys.exit(main())
