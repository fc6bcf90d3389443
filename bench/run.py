#!/usr/bin/env python3
"""Benchmark: pbcheck's explicit engine against SPIN and rumur.

Usage: run.py [--quick] [--model NAME] [--n N] [--tools pbcheck,spin,rumur]
              [--timeout SECONDS] [--out FILE]

For each model and size it writes the three equivalent models (gen.py), then
runs, each on one core:

  rumur    rumur --threads 1 --deadlock-detection off -> C, gcc -O3, run
  spin     spin -a; gcc -O2 -DBFS -DSAFETY -DNOREDUCE -DMEMLIM=...; ./pan -E -wN
  pbcheck  $PBCHECK verify MODEL.yaml --jobs 1 --format json
           (PBCHECK defaults to .build/release/pbcheck of this repository)

Wall seconds and peak RSS are measured for the checking run only (os.wait4 on
the child); generation and compilation are reported separately. The table
goes to stdout and to bench/results.md (or --out). Nothing is installed here:
spin, rumur and gcc must be on PATH (see README.md for the Makefile lines).
Exit status: 0, or 1 when the tools disagree on a state count.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402
from models import MODELS  # noqa: E402

OUT = os.path.join(HERE, 'out')
PBCHECK = os.environ.get('PBCHECK', os.path.normpath(
    os.path.join(HERE, '..', '.build', 'release', 'pbcheck')))

QUICK = {'counters': [5], 'philosophers': [10], 'gateway': [2]}
FULL = {'counters': [7], 'philosophers': [17], 'gateway': [5]}
TOOLS = ['pbcheck', 'spin', 'rumur']

SPIN_CFLAGS = ['-O2', '-DBFS', '-DSAFETY', '-DNOREDUCE', '-DMEMLIM=16384']
RUMUR_FLAGS = ['--threads', '1', '--deadlock-detection', 'off', '--colour', 'off']
RUMUR_CFLAGS = ['-std=gnu11', '-O3', '-mcx16']
TIMEOUT = 1800


def generate(model, n):
    return gen.generate(model, n, OUT)


TIME = '/usr/bin/time' if os.access('/usr/bin/time', os.X_OK) else None


def measure(cmd, cwd, timeout=None):
    """Run cmd; return (rc, stdout, stderr, wall seconds, peak RSS bytes).

    Peak RSS comes from GNU time (`/usr/bin/time -f %M`). Measuring the
    child of this Python process directly (os.wait4) would be wrong: Linux
    carries the RSS high-water mark across fork+exec, so every run would
    report at least Python's own ~18 MB. os.wait4 is only the fallback when
    the `time` package is missing."""
    timeout = timeout or TIMEOUT
    os.makedirs(cwd, exist_ok=True)
    so_path, se_path = os.path.join(cwd, 'stdout.txt'), os.path.join(cwd, 'stderr.txt')
    tm_path = os.path.join(cwd, 'time.txt')
    if TIME:
        cmd = [TIME, '-f', '%e %M', '-o', tm_path] + list(cmd)
    with open(so_path, 'wb') as so, open(se_path, 'wb') as se:
        t0 = time.monotonic()
        try:
            p = subprocess.Popen(cmd, cwd=cwd, stdout=so, stderr=se,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as e:
            return 127, '', str(e), 0.0, 0
        rc, ru, timed_out = None, None, False
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                rc = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() - t0 > timeout:
                os.killpg(p.pid, signal.SIGKILL)
                _, status, ru = os.wait4(p.pid, 0)
                rc, timed_out = 'timeout', True
                break
            time.sleep(0.01)
        wall = time.monotonic() - t0
        p.returncode = -1 if timed_out else rc   # we reaped it ourselves
    with open(so_path, errors='replace') as f:
        out = f.read()
    with open(se_path, errors='replace') as f:
        err = f.read()
    rss = ru.ru_maxrss * 1024
    if TIME and not timed_out:
        try:
            with open(tm_path) as f:
                text = f.read()
            rss = int(text.strip().splitlines()[-1].split()[-1]) * 1024
            if 'Command terminated by signal' in text and isinstance(rc, int) and rc > 128:
                rc = -(rc - 128)       # as subprocess reports a signal
        except (OSError, IndexError, ValueError):
            pass
    return rc, out, err, wall, rss


def _timed(cmd, cwd):
    t0 = time.monotonic()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return r, time.monotonic() - t0


def _fail(msg, **kw):
    d = {'states': None, 'note': msg}
    d.update(kw)
    return d


def spin_hash_bits(expected):
    # -w: log2 of the hash table slots; about one slot per state, as one
    # would tune it by hand. pan's default (-w24) when nothing is known.
    if not expected:
        return 24
    return max(10, min(30, math.ceil(math.log2(expected))))


def run_spin(pml, expected=None, timeout=None):
    d = os.path.join(OUT, 'spin-' + os.path.basename(pml)[:-4])
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    r1, t1 = _timed(['spin', '-a', os.path.abspath(pml)], d)
    if r1.returncode != 0:
        return _fail('spin -a failed: ' + (r1.stdout + r1.stderr).strip()[-300:])
    r2, t2 = _timed(['gcc'] + SPIN_CFLAGS + ['-o', 'pan', 'pan.c'], d)
    if r2.returncode != 0:
        return _fail('gcc failed: ' + r2.stderr.strip()[-300:])
    w = spin_hash_bits(expected)
    rc, out, err, wall, rss = measure(['./pan', '-E', f'-w{w}'], d, timeout)
    res = {'compile': t1 + t2, 'seconds': wall, 'rss': rss, 'rc': rc,
           'cmd': f'./pan -E -w{w}'}
    m = re.search(r'(\d+) states, stored', out)
    if rc == 'timeout':
        return _fail('timeout', **res)
    if not m:
        return _fail(f'no state count (rc {rc}): ' + (out + err).strip()[-300:], **res)
    res['states'] = int(m.group(1))
    e = re.search(r'errors: (\d+)', out)
    notes = []
    if e and int(e.group(1)) > 0:
        notes.append(f'{e.group(1)} errors (search stopped early)')
    if 'out of memory' in out or 'out of memory' in err:
        notes.append('out of memory')
    if re.search(r'max search depth too small', out):
        notes.append('depth limit hit')
    res['note'] = '; '.join(notes)
    return res


def run_rumur(mfile, timeout=None):
    base = os.path.basename(mfile)[:-2]
    d = os.path.join(OUT, 'rumur-' + base)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    r1, t1 = _timed(['rumur'] + RUMUR_FLAGS + ['--output', 'verifier.c',
                                               os.path.abspath(mfile)], d)
    if r1.returncode != 0:
        return _fail('rumur failed: ' + (r1.stdout + r1.stderr).strip()[-300:])
    r2, t2 = _timed(['gcc'] + RUMUR_CFLAGS + ['-o', 'verifier', 'verifier.c', '-lpthread'], d)
    if r2.returncode != 0:
        return _fail('gcc failed: ' + r2.stderr.strip()[-300:])
    rc, out, err, wall, rss = measure(['./verifier'], d, timeout)
    res = {'compile': t1 + t2, 'seconds': wall, 'rss': rss, 'rc': rc, 'cmd': './verifier'}
    if rc == 'timeout':
        return _fail('timeout', **res)
    m = re.search(r'(\d+) states, (\d+) rules fired', out)
    if not m:
        return _fail(f'no state count (rc {rc}): ' + (out + err).strip()[-300:], **res)
    res['states'] = int(m.group(1))
    res['note'] = '' if 'No error found' in out else 'error reported (search stopped early)'
    return res


def run_pbcheck(yaml, timeout=None):
    d = os.path.join(OUT, 'pbcheck-' + os.path.basename(yaml)[:-5])
    shutil.rmtree(d, ignore_errors=True)
    if not os.path.exists(PBCHECK):
        return _fail(f'{PBCHECK} not found')
    base = [PBCHECK, 'verify', os.path.abspath(yaml), '--jobs', '1', '--format', 'json']
    # Bypass the result cache and any default state limit; an older binary
    # that rejects these options (exit 2) is retried with the plain command.
    attempts = [base + ['--no-cache', '--max-states', '1000000000'],
                base + ['--max-states', '1000000000'], base]
    for cmd in attempts:
        rc, out, err, wall, rss = measure(cmd, d, timeout)
        if rc != 2:
            break
    res = {'compile': None, 'seconds': wall, 'rss': rss, 'rc': rc,
           'cmd': ' '.join(os.path.basename(c) if c == PBCHECK else c for c in cmd)}
    if rc == 'timeout':
        return _fail('timeout', **res)
    if rc not in (0, 1, 3):
        msg = (err or out).strip().splitlines()
        return _fail(f'n/a (exit {rc}: {msg[0][:120] if msg else ""})', **res)
    try:
        j = json.loads(out)
        stats = j['stats']
        res['states'] = int(stats['states'])
        res['self_seconds'] = float(stats['seconds'])
    except (ValueError, KeyError, TypeError) as e:
        return _fail(f'n/a (no JSON stats: {e})', **res)
    notes = []
    if rc == 3 or j.get('complete') is False:
        notes.append('incomplete (exit 3)')
    bad = sorted(p.get('id', '?') for p in j.get('properties', [])
                 if p.get('verdict') == 'violated')
    if bad:
        notes.append('violated: ' + ', '.join(bad))
    notes.append(f"self-reported {res['self_seconds']:.2f} s")
    if cmd is not attempts[0]:
        extra = ' '.join(cmd[len(base):])
        notes.append(f"run with {extra or 'no extra options'}")
    res['note'] = '; '.join(notes)
    return res


def fmt_int(x):
    return '—' if x is None else f'{x:,}'


def version(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return (r.stdout + r.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return 'n/a'


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def main(argv=None):
    global TIMEOUT
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='small sizes (smoke run)')
    ap.add_argument('--model', choices=sorted(MODELS), action='append',
                    help='only this model (repeatable)')
    ap.add_argument('--n', type=int, action='append', help='size(s) instead of the default')
    ap.add_argument('--tools', default=','.join(TOOLS))
    ap.add_argument('--timeout', type=float, default=TIMEOUT, help='per run, seconds')
    ap.add_argument('--out', default=os.path.join(HERE, 'results.md'))
    a = ap.parse_args(argv)
    TIMEOUT = a.timeout
    tools = [t for t in a.tools.split(',') if t]
    for t in tools:
        if t not in TOOLS:
            ap.error(f'unknown tool {t}')

    missing = [x for x in ('spin', 'rumur', 'gcc')
               if (x == 'gcc' or x in tools) and shutil.which(x) is None]
    if missing:
        sys.exit(f"run.py: missing {', '.join(missing)} on PATH "
                 "(`make bench` installs them: apt-get install -y spin rumur gcc)")

    sizes = QUICK if a.quick else FULL
    plan = [(m, n) for m in (a.model or list(sizes)) for n in (a.n or sizes[m])]
    os.makedirs(OUT, exist_ok=True)
    rows, disagree, t_start = [], [], time.monotonic()
    order = [t for t in ('rumur', 'spin', 'pbcheck') if t in tools]
    for model, n in plan:
        t0 = time.monotonic()
        g0 = time.monotonic()
        paths = generate(model, n)
        gen_s = time.monotonic() - g0
        formula = MODELS[model][1](n) if MODELS[model][1] else None
        results = {}
        for tool in order:
            print(f'[{model} N={n}] {tool} ...', file=sys.stderr, flush=True)
            if tool == 'rumur':
                results[tool] = run_rumur(paths['m'])
            elif tool == 'spin':
                known = formula or results.get('rumur', {}).get('states')
                results[tool] = run_spin(paths['pml'], expected=known)
            else:
                results[tool] = run_pbcheck(paths['yaml'])
        counts = {t: r['states'] for t, r in results.items() if r.get('states') is not None}
        if formula is not None:
            counts['formula'] = formula
        agree = len(set(counts.values())) <= 1
        if not agree:
            disagree.append((model, n, counts))
        pb = results.get('pbcheck', {})
        pb_rate = (pb['states'] / pb['seconds']) if pb.get('states') and pb.get('seconds') else None
        for tool in tools:
            r = results[tool]
            st, sec, rss = r.get('states'), r.get('seconds'), r.get('rss')
            rate = st / sec if st and sec else None
            ratio = None
            if tool != 'pbcheck' and pb_rate and rate:
                ratio = pb_rate / rate
            rows.append({
                'model': model, 'n': n, 'tool': tool, 'states': st,
                'seconds': sec if st is not None else None, 'rate': rate,
                'mb': rss / 2**20 if rss and st is not None else None,
                'bps': rss / st if rss and st else None,
                'ratio': ratio, 'compile': r.get('compile'),
                'note': ('' if agree or st is None else 'COUNT MISMATCH; ') + (r.get('note') or ''),
                'cmd': r.get('cmd', '')})
        print(f'[{model} N={n}] done in {time.monotonic() - t0:.1f} s '
              f'(generation {gen_s:.2f} s)', file=sys.stderr, flush=True)

    table = render(rows)
    total = time.monotonic() - t_start
    print(table)
    for model, n, counts in disagree:
        print(f'STATE COUNTS DISAGREE: {model} N={n}: {counts}', file=sys.stderr)
    write_report(a.out, table, a.quick, total, tools)
    print(f'wrote {a.out} (total {total:.1f} s)', file=sys.stderr)
    return 1 if disagree else 0


def render(rows):
    head = ['model', 'N', 'tool', 'states', 'seconds', 'states/s', 'peak MB',
            'bytes/state', 'pbcheck/other', 'compile s', 'notes']
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '|'.join(['---', '--:', '---', '--:', '--:', '--:', '--:', '--:',
                             '--:', '--:', '---']) + '|']
    for r in rows:
        f = lambda x, spec: '—' if x is None else format(x, spec)
        lines.append('| ' + ' | '.join([
            r['model'], str(r['n']), r['tool'],
            fmt_int(r['states']) if r['states'] is not None else 'n/a',
            f(r['seconds'], '.2f'), f(r['rate'], ',.0f'), f(r['mb'], ',.1f'),
            f(r['bps'], ',.1f'), f(r['ratio'], '.2f'), f(r['compile'], '.2f'),
            r['note'].replace('|', '/')]) + ' |')
    return '\n'.join(lines)


def write_report(path, table, quick, total, tools):
    mem = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30
    pb_ver = version([PBCHECK, '--version']) if 'pbcheck' in tools else 'not run'
    body = f"""# pbcheck benchmark results

Generated by `python3 bench/run.py{' --quick' if quick else ''}` on
{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} ({total:.0f} s in all).
Machine: {cpu_model()}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}.
Tools: pbcheck {pb_ver} · {version(['spin', '-V'])} · rumur {version(['rumur', '--version'])}
· {version(['gcc', '--version'])}.

Every tool runs on one core. `seconds` is the wall time of the checking run
(pbcheck: the whole `verify` process, including loading the YAML; SPIN and
rumur: the compiled verifier); `compile s` is `spin -a` + gcc or rumur + gcc,
not included. `peak MB` is the run's maximum resident set size;
`bytes/state` is that divided by the number of states. `pbcheck/other` is
pbcheck's states/s divided by that tool's (above 1: pbcheck is faster).

Options: pbcheck `verify MODEL.yaml --jobs 1 --format json` (plus
`--no-cache --max-states 1000000000` when the binary accepts them) · SPIN
`gcc {' '.join(SPIN_CFLAGS)}`, `./pan -E -wN` (N = ceil(log2(states))) ·
rumur `{' '.join(RUMUR_FLAGS)}`, `gcc {' '.join(RUMUR_CFLAGS)} -lpthread`.

{table}
"""
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(body)
    os.replace(tmp, path)


if __name__ == '__main__':
    sys.exit(main())
