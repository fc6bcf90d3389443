#!/usr/bin/env python3
"""Benchmark: pbcheck's explicit engine against SPIN and rumur, and its symbolic engine.

Usage: run.py [--quick] [--model NAME] [--n N] [--tools pbcheck,spin,rumur,symbolic]
              [--timeout SECONDS] [--sym-n N] [--sym-timeout SECONDS]
              [--sym-depth K] [--scale-n N] [--no-scale] [--no-jobs]
              [--billion | --billion-only] [--billion-n N] [--billion-memory SIZE]
              [--billion-timeout SECONDS] [--out FILE]

For each model and size it writes the three equivalent models (gen.py), then
runs, each on one core:

  rumur    rumur --threads 1 --deadlock-detection off -> C, gcc -O3, run
  spin     spin -a; gcc -O2 -DBFS -DSAFETY -DNOREDUCE -DMEMLIM=...; ./pan -E -wN
  pbcheck  $PBCHECK verify MODEL.yaml --jobs 1 --format json
           (PBCHECK defaults to .build/release/pbcheck of this repository)
  symbolic $PBCHECK verify MODEL.yaml --engine symbolic --depth K --jobs 1
           --format json   (BMC, k-induction, CHC; its own sizes, SYM_QUICK /
           SYM_FULL or --sym-n, and its own timeout, --sym-timeout)

Then, in the same run (see README.md):

  scaling  counters at N = 5..8 (quick: 4, 5; --scale-n), the three tools on
           one core each; a tool is skipped at a size whose memory or time,
           extrapolated from its smaller runs, would not fit (said in its cell)
  two cores  the main table's models with pbcheck --jobs 2, SPIN -DBFS_PAR
           ./pan -u2 and rumur --threads 2, next to their one-core runs
  billion  only with --billion: counters N=9 joins the scaling table, and
           pbcheck checks counters-bug N=9 (10^9 states, a planted bug 81
           steps deep) in memory and with --memory 4G; the figures go to
           bench/billion-results.md and .json, which later runs include
           (--billion-only: just these runs, patching --out's section)

Wall seconds and peak RSS are measured for the checking run only (GNU time
on the child); generation and compilation are reported separately. The tables
go to stdout and to bench/results.md (or --out). Every symbolic verdict is
compared with the explicit engine's on the same model (pbcheck's explicit
engine is run for that even when it is not in --tools). Nothing is installed
here: spin, rumur and gcc must be on PATH (see README.md for the Makefile
lines). Exit status: 0, or 1 when the tools disagree on a state count, the
symbolic engine contradicts the explicit one (a verdict, or the length of a
shortest counterexample), or the billion-state run is wrong (its count, its
violation and trace length) or did not finish.
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
TOOLS = ['pbcheck', 'spin', 'rumur', 'symbolic']
EXPLICIT_TOOLS = ['pbcheck', 'spin', 'rumur']   # the table of state counts
# The symbolic engine's sizes: the explicit sizes, plus smaller ones where it
# cannot settle everything at those (philosophers: BMC has to unroll N steps
# to reach the deadlock), and the gateway's scaling.
SYM_QUICK = {'counters': [5], 'philosophers': [5, 10], 'gateway': [2]}
SYM_FULL = {'counters': [7], 'philosophers': [5, 9, 10, 17], 'gateway': [2, 3, 4, 5]}
SYM_TIMEOUT = {'quick': 60, 'full': 300}
SYM_DEPTH = 30      # pbcheck's default --depth
QUERY_TIMEOUT = 10  # pbcheck's default --query-timeout (seconds), not passed

SPIN_MEMLIM_MB = 16384
SPIN_CFLAGS = ['-O2', '-DBFS', '-DSAFETY', '-DNOREDUCE', f'-DMEMLIM={SPIN_MEMLIM_MB}']
RUMUR_FLAGS = ['--threads', '1', '--deadlock-detection', 'off', '--colour', 'off']
RUMUR_CFLAGS = ['-std=gnu11', '-O3', '-mcx16']
TIMEOUT = 1800
# pbcheck's --max-states: above every size here (a search stops when it
# reaches the limit, so 10^9 itself would cut the billion-state run short).
MAX_STATES = '10000000000'

# The scaling table: counters at these N (10^N states), pbcheck against SPIN
# and rumur; the billion-state run's N joins it with --billion.
SCALE = {'quick': [4, 5], 'full': [5, 6, 7, 8]}
# The billion-state run (--billion): counters-bug at N, in memory and with
# --memory; the quick form is a smoke test of the same path (it spills).
BILLION = {'quick': {'n': 6, 'memory': '16M'}, 'full': {'n': 9, 'memory': '4G'}}
BILLION_TIMEOUT = 3600
BILLION_FILES = {'quick': os.path.join(OUT, 'billion-results-quick'),
                 'full': os.path.join(HERE, 'billion-results')}
# When a tool has run on no smaller size in this run, its memory and time at
# a size are estimated from these (bench/results.md, counters N = 7).
PRIOR = {'spin': {'bps': 91.0, 'rate': 357_000.0, 'src': 'counters N=7 in results.md'},
         'rumur': {'bps': 29.0, 'rate': 298_000.0, 'src': 'counters N=7 in results.md'}}
JOBS_NOTE = os.path.join(HERE, 'jobs-note.md')


def generate(model, n):
    return gen.generate(model, n, OUT)


def memory_ceiling():
    """bench/memrand.c compiled and run: {threads: random accesses/s}, or {}."""
    exe = os.path.join(OUT, 'memrand')
    try:
        subprocess.run(['gcc', '-O2', '-pthread', os.path.join(HERE, 'memrand.c'), '-o', exe],
                       check=True, capture_output=True, timeout=120)
        out = subprocess.run([exe], check=True, capture_output=True, text=True, timeout=600).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    return {int(t): float(r) for t, r in (line.split() for line in out.splitlines() if line.strip())}


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


def run_spin(pml, expected=None, timeout=None, cores=0):
    """SPIN's BFS; with `cores`, its multi-core BFS (-DBFS_PAR, ./pan -uN)."""
    d = os.path.join(OUT, 'spin-' + os.path.basename(pml)[:-4] + (f'-par{cores}' if cores else ''))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    r1, t1 = _timed(['spin', '-a', os.path.abspath(pml)], d)
    if r1.returncode != 0:
        return _fail('spin -a failed: ' + (r1.stdout + r1.stderr).strip()[-300:])
    cflags = [('-DBFS_PAR' if f == '-DBFS' else f) for f in SPIN_CFLAGS] if cores else SPIN_CFLAGS
    r2, t2 = _timed(['gcc'] + cflags + ['-o', 'pan', 'pan.c'], d)
    if r2.returncode != 0:
        return _fail('gcc failed: ' + r2.stderr.strip()[-300:])
    w = spin_hash_bits(expected)
    cmd = ['./pan', '-E', f'-w{w}'] + ([f'-u{cores}'] if cores else [])
    rc, out, err, wall, rss = measure(cmd, d, timeout)
    res = {'compile': t1 + t2, 'seconds': wall, 'rss': rss, 'rc': rc,
           'cmd': ' '.join(cmd)}
    # SPIN prints its counts with %g: past 10^6 they read 1e+08 or
    # 1.23457e+06, six significant digits.
    m = re.search(r'([0-9][0-9.]*(?:e\+\d+)?) states, stored', out)
    if rc == 'timeout':
        return _fail('timeout', **res)
    if not m:
        return _fail(f'no state count (rc {rc}): ' + (out + err).strip()[-300:], **res)
    res['states'] = int(round(float(m.group(1))))
    if 'e' in m.group(1):
        res['states_digits'] = 6
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


def run_rumur(mfile, timeout=None, threads=1):
    base = os.path.basename(mfile)[:-2]
    d = os.path.join(OUT, 'rumur-' + base + (f'-threads{threads}' if threads != 1 else ''))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    flags = list(RUMUR_FLAGS)
    flags[flags.index('--threads') + 1] = str(threads)
    r1, t1 = _timed(['rumur'] + flags + ['--output', 'verifier.c',
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
    res['states'] = int(round(float(m.group(1))))
    if 'e' in m.group(1):
        res['states_digits'] = 6
    res['note'] = '' if 'No error found' in out else 'error reported (search stopped early)'
    return res


def run_pbcheck(yaml, timeout=None, jobs=1, extra=(), tag=''):
    """pbcheck's explicit search; `extra` options (e.g. --memory 4G) and a
    `tag` for the output directory when the same model runs again."""
    d = os.path.join(OUT, 'pbcheck-' + os.path.basename(yaml)[:-5] + tag)
    shutil.rmtree(d, ignore_errors=True)
    if not os.path.exists(PBCHECK):
        return _fail(f'{PBCHECK} not found')
    base = [PBCHECK, 'verify', os.path.abspath(yaml), '--jobs', str(jobs),
            '--format', 'json'] + list(extra)
    # Bypass the result cache and any default state limit; an older binary
    # that rejects these options (exit 2) is retried with the plain command.
    attempts = [base + ['--no-cache', '--max-states', MAX_STATES],
                base + ['--max-states', MAX_STATES], base]
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
        # null when no engine that counts states ran (schema 2)
        res['states'] = None if stats['states'] is None else int(stats['states'])
        res['self_seconds'] = float(stats['seconds'])
    except (ValueError, KeyError, TypeError) as e:
        return _fail(f'n/a (no JSON stats: {e})', **res)
    # The visited set's own figures (absent from an older binary's JSON;
    # spilled_bytes and the collision probability are absent when zero).
    res['json_bps'] = stats.get('bytes_per_state')
    res['spilled'] = stats.get('spilled_bytes') or 0
    res['collision'] = stats.get('fingerprint_collision_probability')
    res['complete'] = j.get('complete')
    res['properties'] = properties(j)
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


def properties(j):
    """id -> (verdict, settled_by, trace length or None) of a verify JSON."""
    out = {}
    for p in j.get('properties') or []:
        trace = p.get('trace') or {}
        out[p.get('id', '?')] = (p.get('verdict'), p.get('settled_by') or '',
                                 trace.get('length'), p.get('detail') or '')
    return out


K_RE = re.compile(r'k-induction \(k = (\d+)\)')


def run_symbolic(yaml, timeout, depth):
    """pbcheck's symbolic engine (BMC, k-induction, CHC) on one model."""
    d = os.path.join(OUT, 'symbolic-' + os.path.basename(yaml)[:-5])
    shutil.rmtree(d, ignore_errors=True)
    if not os.path.exists(PBCHECK):
        return _fail(f'{PBCHECK} not found')
    cmd = [PBCHECK, 'verify', os.path.abspath(yaml), '--engine', 'symbolic',
           '--depth', str(depth), '--jobs', '1', '--format', 'json']
    rc, out, err, wall, rss = measure(cmd, d, timeout)
    res = {'seconds': wall, 'rss': rss, 'rc': rc, 'timeout': timeout, 'states': None,
           'cmd': ' '.join(os.path.basename(c) if c == PBCHECK else c for c in cmd)}
    if rc == 'timeout':
        res['note'] = f'timeout ({timeout:g} s)'
        return res
    if rc not in (0, 1, 3):
        msg = (err or out).strip().splitlines()
        res['note'] = f'crash (exit {rc}: {msg[-1][:160] if msg else ""})'
        return res
    try:
        j = json.loads(out)
        stats, sym = j['stats'], j.get('symbolic') or {}
        res['self_seconds'] = float(stats['seconds'])
        res['depth'] = stats.get('depth')
        res['queries'] = stats.get('solver_queries')
    except (ValueError, KeyError, TypeError) as e:
        res['note'] = f'n/a (exit {rc}, no JSON stats: {e})'
        return res
    props = properties(j)
    res['properties'] = props
    res['engine'] = j.get('engine')
    res['bmc'] = list(sym.get('bmc_seconds_per_depth') or [])
    res['induction'] = list(sym.get('induction_seconds_per_k') or [])
    res['chc'] = list(sym.get('chc') or [])
    by = {'k-induction': 0, 'CHC': 0, 'other': 0}
    ks = []
    for verdict, settled, _, _ in props.values():
        if verdict != 'holds':
            continue
        m = K_RE.search(settled)
        if m:
            by['k-induction'] += 1
            ks.append(int(m.group(1)))
        elif 'CHC' in settled:
            by['CHC'] += 1
        else:
            by['other'] += 1
    res['proved'] = by
    res['max_k'] = max(ks) if ks else None
    res['violated'] = sum(v == 'violated' for v, *_ in props.values())
    res['open'] = {v: sum(x == v for x, *_ in props.values()) for v in ('bounded', 'unknown')}
    notes = []
    if res['engine'] != 'symbolic':
        notes.append(f"engine: {res['engine']}")
    if by['other']:
        notes.append('proved otherwise: ' + ', '.join(sorted(
            {s for v, s, _, _ in props.values()
             if v == 'holds' and not K_RE.search(s) and 'CHC' not in s})))
    res['note'] = '; '.join(notes)
    return res


def check_verdicts(explicit, symbolic, depth):
    """Compare the symbolic verdicts with the explicit search's.

    Returns (contradictions, unsettled): a property the explicit search says
    holds must be holds or bounded; one it says is violated must be violated
    with a counterexample of the same length (both are shortest). A symbolic
    `unknown` (or `bounded` where the explicit trace is longer than the BMC
    depth) settles nothing and contradicts nothing: it is unsettled."""
    bad, open_ = [], []
    for pid, (ev, _, elen, _) in sorted(explicit.items()):
        if pid not in symbolic:
            bad.append(f'{pid} missing from the symbolic result')
            continue
        sv, _, slen, detail = symbolic[pid]
        if ev == 'holds':
            if sv in ('holds', 'bounded'):
                continue
            if sv == 'violated':
                bad.append(f'{pid}: holds (explicit) but violated in {slen} steps (symbolic)')
            else:
                open_.append(f'{pid} {sv}' + (f' ({detail})' if detail else ''))
        elif ev == 'violated':
            if sv == 'violated' and slen == elen:
                continue
            if sv == 'violated':
                bad.append(f'{pid}: violated in {elen} steps (explicit) but in {slen} (symbolic)')
            elif sv == 'holds' or (sv == 'bounded' and elen is not None and elen <= depth):
                bad.append(f'{pid}: violated in {elen} steps (explicit) but {sv} (symbolic)')
            else:
                open_.append(f'{pid} {sv}, explicit: violated in {elen} steps'
                             + (f' ({detail})' if detail else ''))
        else:
            open_.append(f'{pid}: the explicit search left it {ev}')
    for pid in sorted(set(symbolic) - set(explicit)):
        bad.append(f'{pid} only in the symbolic result')
    return bad, open_


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


def run_explicit(model, n, paths, tools, formula, skip=None, timeout=None):
    """Runs the explicit tools (rumur first: SPIN sizes its hash table from
    its count) on one model and size. `skip(tool)` may give a reason not to
    run a tool (the result then has no states and that note)."""
    results = {}
    for tool in [t for t in ('rumur', 'spin', 'pbcheck') if t in tools]:
        why = skip(tool) if skip else None
        if why:
            print(f'[{model} N={n}] {tool}: {why}', file=sys.stderr, flush=True)
            results[tool] = _fail(why, skipped=True)
            continue
        print(f'[{model} N={n}] {tool} ...', file=sys.stderr, flush=True)
        if tool == 'rumur':
            results[tool] = run_rumur(paths['m'], timeout)
        elif tool == 'spin':
            known = formula or results.get('rumur', {}).get('states')
            results[tool] = run_spin(paths['pml'], expected=known, timeout=timeout)
        else:
            results[tool] = run_pbcheck(paths['yaml'], timeout)
    return results


def counts_agree(results, formula):
    """(agree, counts): the state counts of the tools that finished."""
    counts = {t: r['states'] for t, r in results.items() if r.get('states') is not None}
    if formula is not None:
        counts['formula'] = formula
    exact = {t: c for t, c in counts.items() if not results.get(t, {}).get('states_digits')}
    if len(set(exact.values())) > 1:
        return False, counts
    # A count printed to six significant digits agrees when it rounds the same.
    for t, c in counts.items():
        digits = results.get(t, {}).get('states_digits')
        if digits and exact and any(float(f'{v:.{digits}g}') != float(f'{c:.{digits}g}') for v in exact.values()):
            return False, counts
    return True, counts


def usable_memory():
    """What one run may take of this machine's memory: three quarters of it,
    as pbcheck's default --memory."""
    return 0.75 * os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES')


def fmt_bytes(x):
    for unit, k in (('GB', 2**30), ('MB', 2**20), ('KB', 2**10)):
        if x >= k:
            return f'{x / k:,.1f} {unit}'
    return f'{x:,.0f} B'


def skip_reason(tool, states, earlier, timeout=None):
    """Why `tool` cannot finish `states` states on this machine, or None.

    The memory and time are extrapolated linearly from the tool's largest
    smaller run on the same model in this run (`earlier`: (N, result) in
    increasing N), else from PRIOR. pbcheck is never skipped: it bounds its
    own memory (--memory) and spills to disk."""
    if tool not in PRIOR or not states:
        return None
    base = next(((n, r) for n, r in reversed(earlier)
                 if r.get('states') and r.get('rss') and r.get('seconds')), None)
    if base:
        n, r = base
        bps, rate, src = r['rss'] / r['states'], r['states'] / r['seconds'], f'N={n}'
    else:
        bps, rate, src = PRIOR[tool]['bps'], PRIOR[tool]['rate'], PRIOR[tool]['src']
    cap = usable_memory()
    if tool == 'spin':
        cap = min(cap, SPIN_MEMLIM_MB * 2**20)   # pan stops at MEMLIM
    need = bps * states
    if need > cap:
        return (f'skipped: > {fmt_bytes(cap)} (needs ~{fmt_bytes(need)}: '
                f'{bps:,.0f} B/state as at {src})')
    secs, timeout = states / rate, timeout or TIMEOUT
    if secs > timeout:
        return (f'skipped: > the {timeout:g} s timeout (~{secs:,.0f} s at '
                f'{rate:,.0f} states/s as at {src})')
    return None


def main(argv=None):
    global TIMEOUT
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='small sizes (smoke run)')
    ap.add_argument('--model', choices=sorted(FULL), action='append',
                    help='only this model (repeatable)')
    ap.add_argument('--n', type=int, action='append', help='size(s) instead of the default')
    ap.add_argument('--tools', default=','.join(TOOLS))
    ap.add_argument('--timeout', type=float, default=TIMEOUT, help='per run, seconds')
    ap.add_argument('--sym-n', type=int, action='append',
                    help='size(s) for the symbolic engine (default: --n, else SYM_QUICK/SYM_FULL)')
    ap.add_argument('--sym-timeout', type=float,
                    help='per symbolic run, seconds (default 60 with --quick, else 300)')
    ap.add_argument('--sym-depth', type=int, default=SYM_DEPTH,
                    help=f'--depth of the symbolic engine (default {SYM_DEPTH})')
    ap.add_argument('--scale-n', type=int, action='append',
                    help='counters sizes of the scaling table (default 5..8, quick 4, 5)')
    ap.add_argument('--no-scale', action='store_true', help='no scaling table')
    ap.add_argument('--no-jobs', action='store_true', help='no --jobs 2 table')
    ap.add_argument('--billion', action='store_true',
                    help='also the billion-state run (counters-bug N=9, in memory and '
                    'with --memory 4G) and counters N=9 in the scaling table')
    ap.add_argument('--billion-only', action='store_true',
                    help='only the billion-state runs (and counters N=9 for the scaling '
                    'table): writes billion-results.md/.json and replaces the billion '
                    'section of --out, if it exists')
    ap.add_argument('--billion-n', type=int, help='N of the billion-state run (default 9, quick 6)')
    ap.add_argument('--billion-memory', help="its --memory (default 4G, quick 16M)")
    ap.add_argument('--billion-timeout', type=float, default=BILLION_TIMEOUT,
                    help=f'per billion-state run, seconds (default {BILLION_TIMEOUT})')
    ap.add_argument('--billion-side-by-side', action='store_true',
                    help='the two billion-state runs at once, one core each')
    ap.add_argument('--out', default=os.path.join(HERE, 'results.md'))
    a = ap.parse_args(argv)
    if a.billion_only:
        a.billion = True
        if a.model and 'counters' not in a.model:
            ap.error('--billion-only measures counters')
        a.model = ['counters']
    TIMEOUT = a.timeout
    tools = [t for t in a.tools.split(',') if t]
    for t in tools:
        if t not in TOOLS:
            ap.error(f'unknown tool {t}')
    sym_timeout = a.sym_timeout or SYM_TIMEOUT['quick' if a.quick else 'full']

    missing = [x for x in ('spin', 'rumur', 'gcc')
               if (x == 'gcc' or x in tools) and shutil.which(x) is None]
    if missing:
        sys.exit(f"run.py: missing {', '.join(missing)} on PATH "
                 "(`make bench` installs them: apt-get install -y spin rumur gcc)")

    sizes = QUICK if a.quick else FULL
    sym_sizes = SYM_QUICK if a.quick else SYM_FULL
    models = a.model or list(sizes)
    main_tools = [t for t in tools if t in EXPLICIT_TOOLS]
    plan = [(m, n) for m in models for n in (a.n or sizes[m])] if main_tools else []
    sym_plan = ([(m, n) for m in models for n in (a.sym_n or a.n or sym_sizes[m])]
                if 'symbolic' in tools else [])
    mode = 'quick' if a.quick else 'full'
    billion = dict(BILLION[mode])
    billion.update({k: v for k, v in (('n', a.billion_n), ('memory', a.billion_memory)) if v})
    scale_n = [] if a.no_scale or not main_tools or 'counters' not in models else \
        sorted(set(a.scale_n or SCALE[mode]) | ({billion['n']} if a.billion else set()))
    if a.billion_only:
        plan, sym_plan, a.no_jobs = [], [], True
        scale_n = [billion['n']] if main_tools and not a.no_scale else []
    # One pass over every (model, N) of either table, in model order; sizes
    # only the symbolic table has still get the other tools (for its ratios)
    # and pbcheck's explicit engine (for the verdict check), but no row in
    # the table of state counts.
    every = sorted(set(plan) | set(sym_plan), key=lambda mn: (models.index(mn[0]), mn[1]))
    os.makedirs(OUT, exist_ok=True)
    rows, disagree, t_start = [], [], time.monotonic()
    sym_rows, contradictions = [], []
    done = {}       # (model, N) -> the explicit tools' results
    for model, n in every:
        in_main, in_sym = (model, n) in plan, (model, n) in sym_plan
        t0 = time.monotonic()
        g0 = time.monotonic()
        paths = generate(model, n)
        gen_s = time.monotonic() - g0
        formula = MODELS[model][1](n) if MODELS[model][1] else None
        run_tools = list(main_tools)
        if in_sym and 'pbcheck' not in run_tools:
            run_tools.append('pbcheck')
        results = run_explicit(model, n, paths, run_tools, formula)
        done[(model, n)] = results
        agree, counts = counts_agree(results, formula)
        if not agree:
            disagree.append((model, n, counts))
        if in_sym:
            print(f'[{model} N={n}] symbolic ...', file=sys.stderr, flush=True)
            sym = run_symbolic(paths['yaml'], sym_timeout, a.sym_depth)
            ex = results.get('pbcheck', {})
            if sym.get('properties') is not None and ex.get('properties') is not None:
                bad, unsettled = check_verdicts(ex['properties'], sym['properties'],
                                                a.sym_depth)
            else:
                bad, unsettled = None, []
            if bad:
                contradictions.append((model, n, bad))
            sym_rows.append({'model': model, 'n': n, 'in_main': in_main,
                             'sym': sym, 'others': results,
                             'agree': agree, 'bad': bad, 'unsettled': unsettled})
            print(f'[{model} N={n}] symbolic: {sym_summary(sym)}', file=sys.stderr, flush=True)
        if in_main:
            rows.extend(table_rows(model, n, main_tools, results, agree))
        print(f'[{model} N={n}] done in {time.monotonic() - t0:.1f} s '
              f'(generation {gen_s:.2f} s)', file=sys.stderr, flush=True)

    # Cost as the work grows: counters at every N of the scaling table (the
    # main table's run is reused where it has the size).
    scale_rows = []
    earlier = {t: [] for t in main_tools}
    for n in scale_n:
        if ('counters', n) in done:
            results = done[('counters', n)]
        else:
            t0 = time.monotonic()
            paths = generate('counters', n)
            timeout = a.billion_timeout if a.billion and n == billion['n'] else TIMEOUT
            results = run_explicit('counters', n, paths, main_tools, 10 ** n, timeout=timeout,
                                   skip=lambda t: skip_reason(t, 10 ** n, earlier[t], timeout))
            print(f'[counters N={n}] done in {time.monotonic() - t0:.1f} s', file=sys.stderr,
                  flush=True)
        for t in main_tools:
            earlier[t].append((n, results[t]))
        agree, counts = counts_agree(results, 10 ** n)
        if not agree:
            disagree.append(('counters', n, counts))
        scale_rows.extend(scale_table_rows(n, main_tools, results, agree))

    # --jobs 2 next to --jobs 1, on the main table's models.
    jobs_rows = []
    if not a.no_jobs:
        for model, n in plan:
            results = done[(model, n)]
            formula = MODELS[model][1](n) if MODELS[model][1] else None
            par = run_parallel(model, n, generate(model, n), main_tools, results)
            agree, counts = counts_agree(par, formula if formula is not None else
                                         next((r['states'] for r in results.values()
                                               if r.get('states') is not None), None))
            if not agree:
                disagree.append((model, n, counts))
            jobs_rows.append({'model': model, 'n': n, 'seq': results, 'par': par,
                              'agree': agree})

    # The billion-state run, kept in its own file so that a run without
    # --billion still shows its last figures.
    bfiles = BILLION_FILES[mode]
    wrong = []
    if a.billion and 'pbcheck' in tools:
        brows = run_billion(billion['n'], billion['memory'], a.billion_timeout, a.billion_side_by_side)
        wrong = [r for r in brows if r['check'] != 'ok']
        record = {'generated': datetime.datetime.now().strftime('%Y-%m-%d %H:%M'),
                  'command': 'python3 bench/run.py '
                             + ('--billion-only' if a.billion_only else '--billion')
                             + (' --quick' if a.quick else '')
                             + (' --no-scale' if a.no_scale else '')
                             + (' --billion-side-by-side' if a.billion_side_by_side else ''),
                  'machine': machine_line(), 'pbcheck': version([PBCHECK, '--version']),
                  'n': billion['n'], 'memory': billion['memory'], 'runs': brows,
                  'scale': [r for r in scale_rows if r['n'] == billion['n']]}
        save_billion(bfiles, record)
    record = load_billion(bfiles)
    if record and not a.billion and scale_n:
        # the 10^9 row of the last --billion run, marked as such
        for r in record.get('scale') or []:
            if r['n'] not in scale_n and r['tool'] in main_tools:
                scale_rows.append(dict(r, note=(r['note'] + '; ' if r['note'] else '')
                                       + f"from `--billion` of {record['generated']}"))
    billion_section = render_billion_section(record, bfiles, a.quick,
                                             with_scale=a.billion_only)
    for model, n, counts in disagree:
        print(f'STATE COUNTS DISAGREE: {model} N={n}: {counts}', file=sys.stderr)
    for r in wrong:
        print(f"BILLION-STATE RUN WRONG ({r['label']}): {r['check']}", file=sys.stderr)
    if a.billion_only:
        if record:
            print(render_billion(record))
        patched = patch_billion_section(a.out, billion_section)
        total = time.monotonic() - t_start
        print(f"wrote {bfiles}.md" + (f', and its section of {a.out}' if patched else '')
              + f' (total {total:.1f} s)', file=sys.stderr)
        return 1 if disagree or wrong else 0

    table = render(rows) if main_tools else ''
    scale_table = render_scale(scale_rows) if scale_rows else ''
    jobs_table = render_jobs(jobs_rows) if jobs_rows else ''
    if jobs_table:
        ceiling = memory_ceiling()
        if ceiling.get(1) and ceiling.get(2):
            jobs_table += ('\n\nThis machine\'s ceiling for random accesses to a 256 MB table, each '
                           'prefetched 16 ahead (`bench/memrand.c`, measured in this run): '
                           f'**{ceiling[1] / 1e6:.1f} M/s on one thread, {ceiling[2] / 1e6:.1f} M/s on two** '
                           f'({ceiling[2] / ceiling[1]:.2f}×).')
    sym_table = render_symbolic(sym_rows, a.sym_depth, sym_timeout) if sym_rows else ''
    total = time.monotonic() - t_start
    for t in (table, scale_table, jobs_table, sym_table):
        if t:
            print(t + '\n')
    if a.billion and record:
        print(render_billion(record))
    for model, n, bad in contradictions:
        print(f'SYMBOLIC VERDICTS DISAGREE WITH THE EXPLICIT SEARCH: {model} N={n}: '
              + '; '.join(bad), file=sys.stderr)
    write_report(a.out, table, a.quick, total, tools, sym_table, a.sym_depth, sym_timeout,
                 scale_table=scale_table, jobs_table=jobs_table,
                 billion_section=billion_section, billion=a.billion)
    print(f'wrote {a.out} (total {total:.1f} s)', file=sys.stderr)
    return 1 if disagree or contradictions or wrong else 0


def table_rows(model, n, tools, results, agree):
    """The rows of the table of state counts for one model and size."""
    rows = []
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
    return rows


def scale_table_rows(n, tools, results, agree):
    """The scaling table's rows for counters N (JSON-serialisable: the
    billion-state run's rows are kept in billion-results.json)."""
    rows = []
    for r in table_rows('counters', n, tools, results, agree):
        res = results[r['tool']]
        r.update({'json_bps': res.get('json_bps'), 'spilled': res.get('spilled'),
                  'collision': res.get('collision'), 'skipped': bool(res.get('skipped'))})
        if res.get('skipped') or res.get('note') == 'timeout':
            r['note'] = res['note']
        r.pop('compile', None)
        r.pop('model', None)
        rows.append(r)
    return rows


def render_scale(rows):
    head = ['N', 'tool', 'states', 'seconds', 'states/s', 'peak MB', 'bytes/state',
            'pbcheck/other', 'pbcheck: stats.bytes_per_state', 'spilled', 'collision p',
            'notes']
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '|'.join(['--:', '---'] + ['--:'] * 9 + ['---']) + '|']
    f = lambda x, spec: '—' if x is None else format(x, spec)
    for r in sorted(rows, key=lambda r: (r['n'], ['pbcheck', 'spin', 'rumur'].index(r['tool']))):
        pb = r['tool'] == 'pbcheck' and r['states'] is not None
        lines.append('| ' + ' | '.join([
            str(r['n']), r['tool'],
            fmt_int(r['states']) if r['states'] is not None else
            ('skipped' if r.get('skipped') else 'n/a'),
            f(r['seconds'], '.2f'), f(r['rate'], ',.0f'), f(r['mb'], ',.1f'),
            f(r['bps'], ',.1f'), f(r['ratio'], '.2f'),
            f(r.get('json_bps'), ',.1f') if pb else '—',
            (fmt_bytes(r['spilled']) if r.get('spilled') else '0') if pb else '—',
            f(r.get('collision'), '.2g') if pb else '—',
            r['note'].replace('|', '/')]) + ' |')
    return '\n'.join(lines)


def run_parallel(model, n, paths, tools, seq):
    """Two cores on one model: pbcheck --jobs 2, SPIN's multi-core BFS
    (-DBFS_PAR, -u2) and rumur --threads 2, each only where its one-core
    run (`seq`) finished."""
    par = {}
    for tool in [t for t in ('rumur', 'spin', 'pbcheck') if t in tools]:
        if seq.get(tool, {}).get('states') is None:
            continue
        print(f'[{model} N={n}] {tool}, two cores ...', file=sys.stderr, flush=True)
        if tool == 'rumur':
            par[tool] = run_rumur(paths['m'], threads=2)
        elif tool == 'spin':
            par[tool] = run_spin(paths['pml'], expected=seq[tool]['states'], cores=2)
        else:
            par[tool] = run_pbcheck(paths['yaml'], jobs=2, tag='-jobs2')
    return par


def render_jobs(jrows):
    cols = [('pbcheck', 'pbcheck --jobs 1 s', '--jobs 2 s'), ('spin', 'SPIN BFS s', 'SPIN BFS_PAR -u2 s'),
            ('rumur', 'rumur --threads 1 s', '--threads 2 s')]
    tools = [c for c in cols if any(c[0] in r['seq'] for r in jrows)]
    head = ['model', 'N', 'states']
    for _, one, two in tools:
        head += [one, two, 'speed-up']
    head.append('notes')
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '|'.join(['---', '--:', '--:'] + ['--:'] * (3 * len(tools)) + ['---']) + '|']
    for r in jrows:
        states = next((x['states'] for x in r['seq'].values() if x.get('states')), None)
        cells, notes = [r['model'], str(r['n']), fmt_int(states)], []
        for tool, _, _ in tools:
            s1, s2 = r['seq'].get(tool, {}), r['par'].get(tool, {})
            t1 = s1.get('seconds') if s1.get('states') is not None else None
            t2 = s2.get('seconds') if s2.get('states') is not None else None
            cells += ['—' if t1 is None else f'{t1:.2f}', '—' if t2 is None else f'{t2:.2f}',
                      f'{t1 / t2:.2f}×' if t1 and t2 else '—']
            if tool in r['par'] and t2 is None:
                notes.append(f"{tool}: {s2.get('note') or 'no result'}")
        if not r['agree']:
            notes.insert(0, 'COUNT MISMATCH')
        lines.append('| ' + ' | '.join(cells + ['; '.join(notes).replace('|', '/')]) + ' |')
    return '\n'.join(lines)


def run_billion(n, memory, timeout, side_by_side=False):
    """counters-bug N with pbcheck, in memory and with --memory: the rows of
    the billion-state table, each checked (`check`: 'ok' or what is wrong).
    `side_by_side`: the two runs at once, one core each (they then share the
    memory bus: each one's time is an upper bound of its own)."""
    paths = generate('counters-bug', n)
    runs = (('in memory', [], ''), (f'--memory {memory}', ['--memory', memory], '-memory'))
    for label, _, _ in runs:
        print(f'[counters-bug N={n}] pbcheck {label} ...', file=sys.stderr, flush=True)
    if side_by_side:
        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(len(runs)) as pool:
            results = list(pool.map(lambda run: run_pbcheck(paths['yaml'], timeout, extra=run[1], tag=run[2]), runs))
    else:
        results = [run_pbcheck(paths['yaml'], timeout, extra=extra, tag=tag) for _, extra, tag in runs]
    rows = []
    for (label, extra, tag), r in zip(runs, results):
        st, sec, rss = r.get('states'), r.get('seconds'), r.get('rss')
        violated = sorted((pid, length) for pid, (v, _, length, _)
                          in (r.get('properties') or {}).items() if v == 'violated')
        # pbcheck names the model's one invariant global:0.
        want = [('global:0', 9 * n)]
        if st is None:
            check = r.get('note') or 'no result'
        elif st != 10 ** n or r.get('complete') is False:
            check = f'{st:,} states, expected {10 ** n:,}' + \
                (' (incomplete)' if r.get('complete') is False else '')
        elif violated != want:
            check = f'violated {violated}, expected {want}'
        else:
            check = 'ok'
        cmd = r.get('cmd', '').replace(os.path.abspath(paths['yaml']),
                                       os.path.relpath(paths['yaml'], os.path.dirname(HERE)))
        rows.append({'label': label, 'cmd': cmd, 'states': st, 'expected': 10 ** n,
                     'violated': violated, 'seconds': sec, 'self_seconds': r.get('self_seconds'),
                     'rate': st / sec if st and sec else None, 'rss': rss,
                     'bps': rss / st if rss and st else None, 'json_bps': r.get('json_bps'),
                     'spilled': r.get('spilled'), 'collision': r.get('collision'),
                     'rc': r.get('rc'), 'check': check,
                     'side_by_side': side_by_side})
        print(f'[counters-bug N={n}] pbcheck {label}: {check}', file=sys.stderr, flush=True)
    return rows


def render_billion(record):
    """The billion-state run's table and the lines that say how it ran."""
    n, f = record['n'], (lambda x, spec: '—' if x is None else format(x, spec))
    head = ['run', 'states', 'violated (trace steps)', 'seconds', 'states/s', 'peak MB',
            'bytes/state', 'pbcheck: stats.bytes_per_state', 'spilled', 'collision p',
            'exit', 'check']
    lines = [f"pbcheck's explicit search, one job, on `counters-bug` N = {n}\n"
             f"({10 ** n:,} states): the counters model with a planted bug, "
             "the invariant\n\"not every counter is 9\". It fails only where every "
             f"counter is 9, {9 * n} steps\nfrom the start, on the last level of the "
             "breadth-first search: the search still visits\nevery state. First in "
             f"memory (pbcheck's default `--memory`, three quarters of the\nmachine's), "
             f"then with `--memory {record['memory']}`: past it the visited set moves to "
             "disk\n(`spilled`: `stats.spilled_bytes`). `check` is ok when the count is "
             f"exactly 10^{n}, the\nsearch complete and that invariant (`global:0`) "
             f"the only property violated, with a\ncounterexample of {9 * n} steps "
             "(`trace.length`). Exit status 1 is the violation.", '',
             f"Measured {record['generated']} by `{record['command']}` on\n"
             f"{record['machine']}; pbcheck {record['pbcheck']}."
             + ("\nThe two runs ran side by side, one core each, sharing the memory bus:\n"
                "each one's time is an upper bound of what it takes alone."
                if any(r.get('side_by_side') for r in record['runs']) else ''), '',
             '| ' + ' | '.join(head) + ' |',
             '|' + '|'.join(['---'] + ['--:'] * 10 + ['---']) + '|']
    for r in record['runs']:
        lines.append('| ' + ' | '.join([
            f"{r['label']}", fmt_int(r['states']),
            ', '.join(f'{p} ({k})' for p, k in r['violated']) or '—',
            f(r['seconds'], ',.1f'), f(r['rate'], ',.0f'),
            '—' if not r['rss'] else f"{r['rss'] / 2**20:,.0f}", f(r['bps'], ',.1f'),
            f(r['json_bps'], ',.1f'), fmt_bytes(r['spilled']) if r['spilled'] else '0',
            f(r['collision'], '.2g'), str(r['rc']),
            r['check'] if r['check'] == 'ok' else f"**{r['check']}**"]) + ' |')
    lines += ['', 'Commands: ' + ' · '.join(f"`{r['cmd']}`" for r in record['runs'])]
    return '\n'.join(lines)


def save_billion(base, record):
    """Writes the billion-state run to BASE.json (read back by later runs)
    and BASE.md."""
    os.makedirs(os.path.dirname(base), exist_ok=True)
    for path, text in ((base + '.json', json.dumps(record, indent=1) + '\n'),
                       (base + '.md', '# pbcheck: a billion states\n\n' + render_billion(record)
                        + ('\n\nIn the scaling table (plain counters, N = '
                           f"{record['n']}):\n\n" + render_scale(record['scale'])
                           if record.get('scale') else '') + '\n')):
        with open(path + '.tmp', 'w') as fh:
            fh.write(text)
        os.replace(path + '.tmp', path)


def load_billion(base):
    try:
        with open(base + '.json') as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def render_billion_section(record, base, quick, with_scale=False):
    """The billion-state section of results.md, between markers that
    --billion-only finds again (with_scale: also its scaling-table rows,
    which the scaling table of results.md has only after a full run)."""
    rel = os.path.relpath(base + '.md', HERE)
    how = f"`python3 bench/run.py --billion{' --quick' if quick else ''}`" + \
        ('' if quick else ' (`make bench-billion`)')
    if not record:
        text = f'Not measured yet: {how} writes it to `{rel}` and this section.'
    else:
        text = (render_billion(record) + f'\n\nThe figures live in [`{rel}`]({rel}) '
                f'(and `.json`); {how} measures them again, and a later run without '
                '`--billion` keeps them here and in the scaling table.')
        if with_scale and record.get('scale'):
            text += (f"\n\nIn the scaling table (plain counters, N = {record['n']}):\n\n"
                     + render_scale(record['scale']))
    return f'{BILLION_BEGIN}\n{text}\n{BILLION_END}'


BILLION_BEGIN, BILLION_END = '<!-- billion -->', '<!-- /billion -->'


def patch_billion_section(path, section):
    """Replaces the billion-state section of an existing results.md (after
    --billion-only). False when there is no such file or section."""
    try:
        with open(path) as fh:
            text = fh.read()
    except OSError:
        return False
    i, j = text.find(BILLION_BEGIN), text.find(BILLION_END)
    if i < 0 or j < i:
        return False
    with open(path + '.tmp', 'w') as fh:
        fh.write(text[:i] + section + text[j + len(BILLION_END):])
    os.replace(path + '.tmp', path)
    return True


def sym_summary(sym):
    if sym.get('properties') is None:
        return sym.get('note') or 'no result'
    pr = sym['proved']
    return (f"{sym['seconds']:.2f} s, {sum(pr.values())} proved "
            f"({pr['k-induction']} k-induction, {pr['CHC']} CHC, {pr['other']} other), "
            f"{sym['violated']} violated, {sum(sym['open'].values())} open")


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


def fmt_ratio(x):
    # two decimals, but three significant digits below 0.1 (0.0033, not 0.00)
    return f'{x:.2f}' if x >= 0.1 else f'{x:.2g}'


def render_symbolic(srows, depth, timeout):
    """The symbolic engine's table, the per-depth BMC table and their notes."""
    head = ['model', 'N', 'states', 'symbolic s', 'peak MB', 'properties',
            'proved: k-ind / CHC / other', 'violated', 'bounded / unknown', 'max k',
            'BMC depth', 'Z3 queries', '÷ pbcheck explicit', '÷ SPIN', '÷ rumur',
            'verdicts vs explicit']
    lines = ['| ' + ' | '.join(head) + ' |',
             '|' + '|'.join(['---', '--:'] + ['--:'] * 13 + ['---']) + '|']
    loud, unsettled = [], []
    for r in srows:
        sym, others = r['sym'], r['others']
        ex = others.get('pbcheck', {})
        states = ex.get('states')
        st = fmt_int(states) if states is not None else 'n/a'
        if not r['agree']:
            st += ' (COUNT MISMATCH)'
        timed_out = sym.get('rc') == 'timeout'
        done = sym.get('properties') is not None

        def ratio(tool):
            o = others.get(tool)
            if not o or o.get('states') is None or not o.get('seconds'):
                return '—'
            if timed_out:
                return '> ' + fmt_ratio(sym['seconds'] / o['seconds'])
            if not done:
                return '—'
            return fmt_ratio(sym['seconds'] / o['seconds'])

        if timed_out:
            secs = f"timeout ({timeout:g} s)"
        elif done:
            secs = f"{sym['seconds']:.2f}"
        else:
            secs = 'n/a'
        if done:
            pr, op = sym['proved'], sym['open']
            cells = [str(len(sym['properties'])),
                     f"{sum(pr.values())}: {pr['k-induction']} / {pr['CHC']} / {pr['other']}",
                     str(sym['violated']), f"{op['bounded']} / {op['unknown']}",
                     '—' if sym['max_k'] is None else str(sym['max_k']),
                     '—' if sym.get('depth') is None else str(sym['depth']),
                     fmt_int(sym.get('queries'))]
            mb = f"{sym['rss'] / 2**20:,.1f}" if sym.get('rss') else '—'
        else:
            cells, mb = ['—'] * 7, '—'
        notes = []
        if r['bad']:
            notes.append('**DISAGREES WITH THE EXPLICIT SEARCH: ' + '; '.join(r['bad']) + '**')
            loud.append(f"{r['model']} N={r['n']}: " + '; '.join(r['bad']))
        elif r['bad'] is None:
            notes.append('not checked: ' + (sym.get('note') or 'no symbolic result')
                         if not done else 'not checked: the explicit engine gave no result')
        else:
            notes.append('agree' if not r['unsettled'] else
                         'no contradiction; **NOT SETTLED: ' + '; '.join(r['unsettled']) + '**')
        if r['bad'] is None:
            unsettled.append(f"{r['model']} N={r['n']}: " + notes[-1])
        elif r['unsettled']:
            unsettled.append(f"{r['model']} N={r['n']}: " + '; '.join(r['unsettled']))
        if done and sym.get('note'):
            notes.append(sym['note'])
        if done and sym.get('rc') == 3:
            notes.append('exit 3')
        if ex.get('states') is None and ex.get('note'):
            notes.append('explicit: ' + ex['note'])
        n = str(r['n']) + ('' if r['in_main'] else ' †')
        lines.append('| ' + ' | '.join([r['model'], n, st, secs, mb] + cells
                                       + [ratio('pbcheck'), ratio('spin'), ratio('rumur'),
                                          '; '.join(notes).replace('|', '/')]) + ' |')
    out = ['\n'.join(lines)]
    if loud:
        out.append('**WARNING: the symbolic engine contradicts the explicit search** '
                   '(a verdict, or the length of a shortest counterexample):\n\n'
                   + '\n'.join(f'* {x}' for x in loud))
    if unsettled:
        out.append('Left open by the symbolic engine (no contradiction, but not the '
                   'verdict the explicit search proves; ratios there compare a run '
                   'that gave up):\n\n' + '\n'.join(f'* {x}' for x in unsettled))
    bmc = render_bmc(srows)
    if bmc:
        out.append(bmc)
    return '\n\n'.join(out)


def render_bmc(srows):
    """Seconds per BMC depth for the largest N of each model that finished."""
    last = {}
    for r in srows:
        if r['sym'].get('properties') is not None:
            last[r['model']] = r            # srows are in increasing N per model
    cols = [last[m] for m in last if last[m]['sym'].get('bmc')]
    if not cols:
        return ''
    depth = max(len(c['sym']['bmc']) for c in cols)
    head = ['BMC depth'] + [f"{c['model']} N={c['n']}" for c in cols]
    lines = ['Seconds per BMC depth (`symbolic.bmc_seconds_per_depth`), for the '
             'largest N of each model that finished (no timeout):', '',
             '| ' + ' | '.join(head) + ' |',
             '|' + '|'.join(['--:'] * len(head)) + '|']
    def cell(c, k):
        b = c['sym']['bmc']
        if k >= len(b):
            return ''
        # pbcheck's default per-query budget: BMC stopped at this depth
        hit = b[k] >= 0.99 * QUERY_TIMEOUT and c['sym']['open']['unknown']
        return f'{b[k]:.3f}' + (' (Z3 query timeout)' if hit else '')

    for k in range(depth):
        lines.append('| ' + ' | '.join([str(k)] + [cell(c, k) for c in cols]) + ' |')

    def row(name, f):
        lines.append('| ' + ' | '.join([name] + [f(c['sym']) for c in cols]) + ' |')

    row('BMC total', lambda s: f"{sum(s['bmc']):.2f}")
    row('k-induction total', lambda s: f"{sum(s['induction']):.2f} "
        f"(k ≤ {len(s['induction'])})")
    row('CHC total (proven / queries)', lambda s: f"{sum(c.get('seconds', 0) for c in s['chc']):.2f} "
        f"({sum(c.get('answer') == 'proven' for c in s['chc'])} / {len(s['chc'])})")
    row('self-reported', lambda s: f"{s['self_seconds']:.2f}")
    row('wall', lambda s: f"{s['seconds']:.2f}")
    return '\n'.join(lines)


def machine_line():
    mem = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30
    return f'{cpu_model()}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}'


def write_report(path, table, quick, total, tools, sym_table='', sym_depth=SYM_DEPTH,
                 sym_timeout=None, scale_table='', jobs_table='', billion_section='',
                 billion=False):
    pb_ver = (version([PBCHECK, '--version'])
              if 'pbcheck' in tools or 'symbolic' in tools else 'not run')
    flags = (' --quick' if quick else '') + (' --billion' if billion else '')
    body = f"""# pbcheck benchmark results

Generated by `python3 bench/run.py{flags}` on
{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} ({total:.0f} s in all).
Machine: {machine_line()}.
Tools: pbcheck {pb_ver} · {version(['spin', '-V'])} · rumur {version(['rumur', '--version'])}
· {version(['gcc', '--version'])}.

Every tool runs on one core. `seconds` is the wall time of the checking run
(pbcheck: the whole `verify` process, including loading the YAML; SPIN and
rumur: the compiled verifier); `compile s` is `spin -a` + gcc or rumur + gcc,
not included. `peak MB` is the run's maximum resident set size;
`bytes/state` is that divided by the number of states. `pbcheck/other` is
pbcheck's states/s divided by that tool's (above 1: pbcheck is faster).

Options: pbcheck `verify MODEL.yaml --jobs 1 --format json` (plus
`--no-cache --max-states {MAX_STATES}` when the binary accepts them) · SPIN
`gcc {' '.join(SPIN_CFLAGS)}`, `./pan -E -wN` (N = ceil(log2(states))) ·
rumur `{' '.join(RUMUR_FLAGS)}`, `gcc {' '.join(RUMUR_CFLAGS)} -lpthread`.

{table}
"""
    if scale_table:
        body += f"""
## Cost as the work grows

The counters model at each N below (10^N states), every tool on one core,
as in the table above (whose runs are reused where it has the size). The
`pbcheck:` columns are pbcheck's own JSON: `stats.bytes_per_state` (what
its visited set, parents and queue hold in memory at the end, per state:
the process's fixed cost left out), `stats.spilled_bytes` (moved to disk;
0 when absent) and `stats.fingerprint_collision_probability` (absent: no
fingerprints, every state kept exactly). A tool is skipped at a size it
cannot finish on this machine: the memory and time are extrapolated from
its largest smaller run here, and a size is skipped when the memory passes
three quarters of the machine's (SPIN: also its `-DMEMLIM`) or the time
the timeout; the cell says which. pbcheck is never skipped: it keeps within
`--memory` by moving states to disk.

{scale_table}
"""
    if jobs_table:
        body += f"""
## Two cores

The main table's models on both cores: pbcheck `--jobs 2` next to its
`--jobs 1` run above; SPIN's multi-core breadth-first search (`-DBFS_PAR`,
`./pan -u2`, same `-w`) next to its sequential BFS above; rumur
`--threads 2` next to `--threads 1`. Speed-up: one-core seconds ÷
two-core seconds.

{jobs_table}

<!-- jobs note -->
"""
        try:
            with open(JOBS_NOTE) as fh:
                body += '\n' + fh.read().strip() + '\n'
        except OSError:
            pass
    if billion_section:
        body += f"""
## A billion states

{billion_section}
"""
    if sym_table:
        body += f"""
## Proving every property: symbolic vs exhaustive search

pbcheck's symbolic engine on the same generated models:
`pbcheck verify MODEL.yaml --engine symbolic --depth {sym_depth} --jobs 1 --format json`
(bounded model checking up to depth {sym_depth}, k-induction, and Z3's CHC
engine Spacer; one Z3 query may take 10 s, pbcheck's default), one run per
model and N, killed after {sym_timeout:g} s (the cell then says timeout and
the ratios are lower bounds). N marked † is a size only this table has:
the explicit engine, SPIN and rumur ran at it too, for the ratios and the
verdict check, but it has no row above.

* `states`: reachable states, from pbcheck's explicit search (the symbolic
  engine never enumerates them). `symbolic s`: wall seconds of the whole
  `verify` process (GNU time), `peak MB` its maximum RSS.
* `proved`: properties whose verdict is `holds`, by how they were settled
  (`settled_by`): k-induction, CHC (Spacer), or anything else. `violated`:
  counterexamples found by BMC. `bounded / unknown`: left open (bounded:
  no violation up to depth {sym_depth}; unknown: Z3 answered unknown or a query
  timed out). `max k`: the largest k of a k-induction proof; `BMC depth`:
  `stats.depth`, the deepest unrolling BMC got to (it stops once every
  property is settled and every state and transition covered, or when a
  query times out).
* `÷ X`: the symbolic engine's seconds divided by X's seconds on the same
  model and N (X's figure is the one in the table above, or of its extra run
  at a † size). pbcheck explicit, SPIN and rumur decide the same models by
  exhaustive search of every reachable state: **a ratio below 1 means the
  symbolic engine was faster**, and it settled everything faster only where
  `bounded / unknown` is 0 / 0 (elsewhere it gave up faster). SPIN and rumur
  check the models' invariants (not deadlock: `-E`, `--deadlock-detection
  off`), and their times exclude compilation; pbcheck's two engines check
  the same list of properties (invariants, ranges, deadlock, eval-error,
  determinism).
* `verdicts vs explicit`: every property the explicit search says holds
  must be `holds` (or `bounded`) for the symbolic engine, and every violated
  one `violated` with a counterexample of the same length (both engines
  report shortest ones): `agree`. A symbolic `unknown` contradicts nothing
  but settles nothing (NOT SETTLED, with pbcheck's reason). A contradiction
  is printed in bold, repeated under the table, and makes `run.py` exit 1.

{sym_table}
"""
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(body)
    os.replace(tmp, path)


if __name__ == '__main__':
    sys.exit(main())
