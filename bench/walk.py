#!/usr/bin/env python3
"""Benchmark: pbcheck's random walk (`pbcheck walk`) against Hypothesis.

Usage: walk.py [--quick] [--tools pbcheck,hypothesis] [--seeds N]
               [--find-seeds N] [--phil-n N] [--counters-n N]
               [--timeout SECONDS] [--out FILE]

Three measurements, each for pbcheck and for Hypothesis's stateful testing
(RuleBasedStateMachine versions of the same models in hypothesis_models.py),
both on one core, with the same budget: 1000 runs (max_examples) of at most
100 steps (stateful_step_count).

  shrink quality   bench/models/queue-bug.yaml, seeds 1..20: the length of
                   the shrunk counterexample (the shortest one has 11 steps)
  throughput       counters N=7 (never fails): random steps per second
  time to find     median over 10 seeds of the time to the first failing
                   step (before shrinking): philosophers N=5 (deadlock) and
                   queue-bug

pbcheck runs as `$PBCHECK walk SPEC --seed S --runs R --depth 100 --jobs 1
--format json` (PBCHECK defaults to .build/release/pbcheck of this
repository); the figures come from its JSON (`walk.*`, and `trace.length` /
`shrink.original_length` of the violated property). Hypothesis runs as
`python3 hypothesis_models.py run MODEL --seed S ...`, a fresh interpreter per
run that prints JSON: run_state_machine_as_test with a factory carrying
@seed(S) and settings(max_examples, stateful_step_count=100, database=None,
deadline=None, every health check suppressed, every phase but `explain`);
its timings are taken inside that process (interpreter start-up excluded).
When pbcheck is missing or cannot `walk`, or Hypothesis is not installed,
its cells say so and the rest still runs. The tables go to stdout and to
bench/walk-results.md (or --out). Nothing is installed here (see README.md
for the Makefile lines).
"""
import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402
import run  # noqa: E402  (measure, version, cpu_model, PBCHECK)

OUT = os.path.join(HERE, 'out')
QUEUE_BUG = os.path.join(HERE, 'models', 'queue-bug.yaml')
QUEUE_PROP = 'invariant:run:0'
QUEUE_SHORTEST = 11
TOOLS = ['pbcheck', 'hypothesis']
DEPTH = 100          # pbcheck --depth, Hypothesis stateful_step_count
RUNS = 1000          # pbcheck --runs, Hypothesis max_examples (failure finding)
TIMEOUT = 300        # per run, seconds

FULL = dict(seeds=20, find_seeds=10, phil_n=5, counters_n=7,
            pb_counter_runs=100000, hyp_counter_examples=200)
QUICK = dict(seeds=3, find_seeds=3, phil_n=5, counters_n=5,
             pb_counter_runs=10000, hyp_counter_examples=50)


# ------------------------------------------------------------------ pbcheck

class PbcheckUnavailable(Exception):
    pass


def pbcheck_walk(spec, seed, runs, label, prop=None):
    """One `pbcheck walk`; returns a dict or raises PbcheckUnavailable when
    the binary is missing or its walk command does not work at all."""
    if not os.path.exists(run.PBCHECK):
        raise PbcheckUnavailable(f'{run.PBCHECK} not found')
    cmd = [run.PBCHECK, 'walk', os.path.abspath(spec), '--seed', str(seed),
           '--runs', str(runs), '--depth', str(DEPTH), '--jobs', '1', '--format', 'json']
    d = os.path.join(OUT, f'walk-pbcheck-{label}-s{seed}')
    rc, out, err, wall, _ = run.measure(cmd, d, TIMEOUT)
    if rc == 'timeout':
        return {'note': f'timeout ({TIMEOUT:.0f} s)', 'wall': wall}
    msg = (err or out).strip().splitlines()
    msg = msg[0][:120] if msg else ''
    if rc == 2:                       # no walk command, or it rejects the options
        raise PbcheckUnavailable(f'walk exit 2: {msg}')
    if rc not in (0, 1):              # a crash or another exit: this run only
        return {'note': f'exit {rc}: {msg}', 'wall': wall}
    try:
        j = json.loads(out)
        if j.get('engine') != 'walk':
            raise ValueError(f"engine is {j.get('engine')!r}")
        w = j['walk']
        res = {'wall': wall, 'rc': rc, 'steps': int(w['steps']),
               'seconds': float(w['seconds']),
               'steps_per_second': float(w['steps_per_second']),
               'first_failure': (None if w.get('first_failure_seconds') is None
                                 else float(w['first_failure_seconds'])),
               'note': ''}
    except (ValueError, KeyError, TypeError) as e:
        raise PbcheckUnavailable(f'walk JSON unreadable ({e})')
    violated = [p for p in j.get('properties', []) if p.get('verdict') == 'violated']
    if rc == 1 and not violated:
        res['note'] = 'exit 1 but no violated property'
    if prop is not None:
        mine = [p for p in violated if p.get('id') == prop]
        if violated and not mine:
            res['note'] = 'violated: ' + ', '.join(p.get('id', '?') for p in violated)
        if mine:
            p = mine[0]
            try:
                res['length'] = int(p['trace']['length'])
                res['original'] = int((p.get('shrink') or {}).get('original_length'))
            except (KeyError, TypeError, ValueError):
                res.setdefault('length', None)
                res['note'] = 'no trace.length / shrink.original_length'
    return res


# --------------------------------------------------------------- hypothesis

HYP_MODELS = os.path.join(HERE, 'hypothesis_models.py')
HYP_ERROR = None if importlib.util.find_spec('hypothesis') else \
    'n/a (hypothesis not installed: pip install hypothesis)'


def hyp_run(model, n, seed, max_examples, label, stop_on_failure=False):
    """One seeded Hypothesis run in a fresh interpreter
    (`hypothesis_models.py run`, which prints JSON). A fresh process per run,
    like pbcheck's: Hypothesis also draws on constants it collects from the
    local modules loaded (this harness's included) and on per-process
    caches, so an in-process run would depend on what ran before."""
    cmd = [sys.executable, HYP_MODELS, 'run', model, '--n', str(n), '--seed', str(seed),
           '--max-examples', str(max_examples), '--steps', str(DEPTH)]
    if stop_on_failure:
        cmd.append('--stop-on-failure')
    d = os.path.join(OUT, f'walk-hypothesis-{label}-s{seed}')
    rc, out, err, wall, _ = run.measure(cmd, d, TIMEOUT)
    if rc == 'timeout':
        return {'note': f'timeout ({TIMEOUT:.0f} s)', 'wall': wall}
    try:
        j = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        msg = (err or out).strip().splitlines()
        return {'note': f'error (exit {rc}): {msg[-1][:120] if msg else ""}'}
    res = {'wall': j['wall'], 'steps': j['steps'], 'examples': j['examples'],
           'steps_per_second': j['steps'] / j['wall'] if j['wall'] > 0 else None,
           'first_failure': j['first_failure'],
           'first_failure_example': j['first_failure_example'],
           'original': j['first_failure_steps'], 'version': j.get('hypothesis'),
           'note': ''}
    if j['outcome'] == 'error':
        res['note'] = 'error: ' + j.get('error', '?')
    elif j['outcome'] == 'failed':
        final, printed = j['final_steps'], j['printed_steps']
        res['length'] = final if final is not None else printed
        if printed is not None and printed != res['length']:
            res['note'] = f'printed program has {printed} steps'
    return res


# ------------------------------------------------------------- measurements

def tool_runner(tool, skip):
    """Wraps each tool's runs: after pbcheck turns out unusable, or when
    Hypothesis is missing, every further cell gets the same note."""
    def call(fn, *a, **kw):
        if tool in skip:
            return {'note': skip[tool]}
        try:
            return fn(*a, **kw)
        except PbcheckUnavailable as e:
            skip[tool] = f'n/a ({e})'
            print(f'walk.py: pbcheck: {e}', file=sys.stderr)
            return {'note': skip[tool]}
    return call


def progress(msg):
    print(msg, file=sys.stderr, flush=True)


def main(argv=None):
    global TIMEOUT
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument('--quick', action='store_true',
                    help='3 seeds, counters N=5, smaller throughput runs (smoke, < 1 min)')
    ap.add_argument('--tools', default=','.join(TOOLS))
    ap.add_argument('--seeds', type=int, help='queue-bug shrink seeds (1..N; default 20)')
    ap.add_argument('--find-seeds', type=int,
                    help='seeds for the time to find (1..N; default 10)')
    ap.add_argument('--phil-n', type=int, help='philosophers N (default 5)')
    ap.add_argument('--counters-n', type=int, help='counters N (default 7)')
    ap.add_argument('--timeout', type=float, default=TIMEOUT, help='per run, seconds')
    ap.add_argument('--out', default=os.path.join(HERE, 'walk-results.md'))
    a = ap.parse_args(argv)
    TIMEOUT = a.timeout
    tools = [t for t in a.tools.split(',') if t]
    for t in tools:
        if t not in TOOLS:
            ap.error(f'unknown tool {t}')
    cfg = dict(QUICK if a.quick else FULL)
    for k in ('seeds', 'find_seeds', 'phil_n', 'counters_n'):
        if getattr(a, k) is not None:
            cfg[k] = getattr(a, k)

    skip = {}
    if 'hypothesis' in tools and HYP_ERROR:
        skip['hypothesis'] = HYP_ERROR
    call = {t: tool_runner(t, skip) for t in tools}
    t_start = time.monotonic()
    os.makedirs(OUT, exist_ok=True)

    # 1. Shrink quality (and time to find on queue-bug, from the same runs)
    shrink = {t: [] for t in tools}
    seeds = list(range(1, cfg['seeds'] + 1))
    for s in seeds:
        for t in tools:
            progress(f'[queue-bug seed {s}] {t} ...')
            if t == 'pbcheck':
                r = call[t](pbcheck_walk, QUEUE_BUG, s, RUNS, 'queue-bug', QUEUE_PROP)
            else:
                r = call[t](hyp_run, 'queue-bug', 0, s, RUNS, 'queue-bug')
            shrink[t].append(r)

    # 2. Throughput on counters (never fails)
    n = cfg['counters_n']
    counters_yaml = gen.generate('counters', n, OUT)['yaml']
    through = {}
    for t in tools:
        progress(f'[counters N={n}] {t} ...')
        if t == 'pbcheck':
            through[t] = call[t](pbcheck_walk, counters_yaml, 1, cfg['pb_counter_runs'],
                                 f'counters-{n}')
            through[t]['runs'] = cfg['pb_counter_runs']
        else:
            through[t] = call[t](hyp_run, 'counters', n, 1, cfg['hyp_counter_examples'],
                                 f'counters-{n}')
            through[t]['runs'] = cfg['hyp_counter_examples']

    # 3. Time to find: philosophers (stop at the first failure) + queue-bug
    pn = cfg['phil_n']
    phil_yaml = gen.generate('philosophers', pn, OUT)['yaml']
    find_seeds = list(range(1, cfg['find_seeds'] + 1))
    phil = {t: [] for t in tools}
    for s in find_seeds:
        for t in tools:
            progress(f'[philosophers N={pn} seed {s}] {t} ...')
            if t == 'pbcheck':
                r = call[t](pbcheck_walk, phil_yaml, s, RUNS, f'philosophers-{pn}', 'deadlock')
            else:
                r = call[t](hyp_run, 'philosophers', pn, s, RUNS, f'philosophers-{pn}',
                            stop_on_failure=True)
            phil[t].append(r)
    queue_find = {t: [r for s, r in zip(seeds, shrink[t]) if s in find_seeds]
                  for t in tools}

    total = time.monotonic() - t_start
    body = render(tools, cfg, seeds, shrink, through, phil, queue_find, find_seeds)
    print(body)
    write_report(a.out, body, a.quick, total, tools, cfg)
    progress(f'wrote {a.out} (total {total:.1f} s)')
    return 0


# ------------------------------------------------------------------ tables

def f(x, spec):
    return '—' if x is None else format(x, spec)


def cell_len(r):
    if r.get('length') is not None:
        return str(r['length'])
    note = r.get('note') or ''
    return 'n/a' if note.startswith('n/a') else (note or 'not found')


def render(tools, cfg, seeds, shrink, through, phil, queue_find, find_seeds):
    out = []
    cols = []
    for t in tools:
        cols += [f'{t} shrunk', f'{t} found at', f'{t} s']
    out.append(f'## Shrink quality: queue-bug, seeds 1..{len(seeds)} '
               f'(shortest counterexample: {QUEUE_SHORTEST} steps)\n')
    out.append(f'`shrunk`: steps of the reported (shrunk) counterexample; `found at`: '
               f'steps of the first failing run before shrinking; `s`: wall seconds of '
               f'the whole run (walk or find + shrink). Budget: {RUNS} runs of at most '
               f'{DEPTH} steps.\n')
    out.append('| seed | ' + ' | '.join(cols) + ' |')
    out.append('|--:|' + '--:|' * len(cols))
    notes = []
    for i, s in enumerate(seeds):
        row = [str(s)]
        for t in tools:
            r = shrink[t][i]
            row += [cell_len(r), f(r.get('original'), 'd'), f(r.get('wall'), '.2f')]
            if r.get('note') and r.get('length') is not None:
                notes.append(f'seed {s}, {t}: {r["note"]}')
        out.append('| ' + ' | '.join(row) + ' |')
    summary = {}
    for t in tools:
        lens = [r['length'] for r in shrink[t] if r.get('length') is not None]
        hit = sum(1 for x in lens if x == QUEUE_SHORTEST)
        summary[t] = (hit, lens)
    row = [f'**reaching {QUEUE_SHORTEST}**']
    for t in tools:
        hit, lens = summary[t]
        row += [f'**{hit}/{len(seeds)}**' if lens else 'n/a', '', '']
    out.append('| ' + ' | '.join(row) + ' |')
    row = ['median']
    for t in tools:
        lens = summary[t][1]
        origs = [r['original'] for r in shrink[t] if r.get('original') is not None
                 and r.get('length') is not None]
        walls = [r['wall'] for r in shrink[t] if r.get('wall') is not None
                 and r.get('length') is not None]
        row += [f(statistics.median(lens), 'g') if lens else '—',
                f(statistics.median(origs), 'g') if origs else '—',
                f(statistics.median(walls), '.2f') if walls else '—']
    out.append('| ' + ' | '.join(row) + ' |')
    row = ['mean / max']
    for t in tools:
        lens = summary[t][1]
        row += [f'{statistics.mean(lens):.1f} / {max(lens)}' if lens else '—', '', '']
    out.append('| ' + ' | '.join(row) + ' |')
    for t in tools:
        bad = [r['note'] for r in shrink[t] if r.get('note', '').startswith('n/a')]
        if bad:
            notes.append(f'{t}: {bad[0]}')
    out += [''] + [f'* {x}' for x in notes]

    n = cfg['counters_n']
    out.append(f'\n## Throughput: counters N={n} (never fails), seed 1\n')
    out.append('`steps/s`: pbcheck\'s own `walk.steps_per_second`; Hypothesis: rule '
               'calls (counted in the rule) / wall seconds of the whole run, '
               'generation and invariant checks included.\n')
    out.append('| tool | runs | steps | seconds | steps/s | pbcheck/hypothesis | notes |')
    out.append('|---|--:|--:|--:|--:|--:|---|')
    pb, hy = through.get('pbcheck', {}), through.get('hypothesis', {})
    ratio = (pb['steps_per_second'] / hy['steps_per_second']
             if pb.get('steps_per_second') and hy.get('steps_per_second') else None)
    for t in tools:
        r = through[t]
        secs = r.get('seconds') if t == 'pbcheck' else r.get('wall')
        note = r.get('note', '')
        if t == 'pbcheck' and r.get('wall') is not None and r.get('steps') is not None:
            note = (note + '; ' if note else '') + f"process wall {r['wall']:.2f} s"
        out.append('| ' + ' | '.join([
            t, f(r.get('runs'), ','), f(r.get('steps'), ','), f(secs, '.2f'),
            f(r.get('steps_per_second'), ',.0f'),
            f(ratio, ',.1f') if t == 'pbcheck' else '', note.replace('|', '/')]) + ' |')

    out.append(f'\n## Time to the first failure, seeds 1..{len(find_seeds)}\n')
    out.append('Seconds from the start of the search to the first failing step, before '
               'shrinking: pbcheck\'s `walk.first_failure_seconds` (after loading the '
               'playbook); Hypothesis: time.monotonic() at the first failing invariant '
               'minus the time just before run_state_machine_as_test (in its process). '
               '`examples`: Hypothesis test cases run up to and including the failing one.\n')
    out.append('| model | tool | found | median s | min s | max s | median examples | notes |')
    out.append('|---|---|--:|--:|--:|--:|--:|---|')
    for model, data in ((f'philosophers N={cfg["phil_n"]} (deadlock)', phil),
                        ('queue-bug', queue_find)):
        for t in tools:
            rs = data[t]
            na = [r['note'] for r in rs if r.get('note', '').startswith('n/a')]
            times = [r['first_failure'] for r in rs if r.get('first_failure') is not None]
            exs = [r['first_failure_example'] for r in rs
                   if r.get('first_failure_example') is not None]
            note = na[0] if na else ''
            if t == 'hypothesis' and exs and max(exs) == 1:
                note = ('found in the first example every time: Hypothesis starts with '
                        'its simplest choice sequence, which here is the failing run')
            if na:
                out.append(f'| {model} | {t} | n/a | — | — | — | — | {note} |')
                continue
            # a seed that did not find it counts as infinitely slow
            med = statistics.median(times + [float('inf')] * (len(rs) - len(times))) \
                if rs else None
            out.append('| ' + ' | '.join([
                model, t, f'{len(times)}/{len(rs)}',
                f(med, '.3f') if med is not None and med != float('inf') else 'not found',
                f(min(times) if times else None, '.3f'),
                f(max(times) if times else None, '.3f'),
                f(statistics.median(exs), 'g') if exs else '—',
                note.replace('|', '/')]) + ' |')
    return '\n'.join(out)


def write_report(path, body, quick, total, tools, cfg):
    mem = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30
    pb_ver = run.version([run.PBCHECK, '--version']) if 'pbcheck' in tools else 'not run'
    try:
        hy_ver = importlib.metadata.version('hypothesis')
    except importlib.metadata.PackageNotFoundError:
        hy_ver = 'not installed'
    text = f"""# pbcheck walk vs Hypothesis

Generated by `python3 bench/walk.py{' --quick' if quick else ''}` on
{datetime.datetime.now().strftime('%Y-%m-%d %H:%M')} ({total:.0f} s in all).
Machine: {run.cpu_model()}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.platform()}.
Tools: pbcheck {pb_ver} · Hypothesis {hy_ver} (Python {platform.python_version()}).

Both tools on one core, same budget: pbcheck `walk SPEC --seed S --runs R
--depth {DEPTH} --jobs 1 --format json` (R = {RUNS}; counters:
{cfg['pb_counter_runs']:,}); Hypothesis `run_state_machine_as_test` with
`@seed(S)` and `settings(max_examples={RUNS}, stateful_step_count={DEPTH},
database=None, deadline=None, suppress_health_check=all)`, every phase but
`explain` (counters: max_examples={cfg['hyp_counter_examples']}). The
Hypothesis machines are in `bench/hypothesis_models.py`.

{body}
"""
    tmp = path + '.tmp'
    with open(tmp, 'w') as fh:
        fh.write(text)
    os.replace(tmp, path)


if __name__ == '__main__':
    sys.exit(main())
