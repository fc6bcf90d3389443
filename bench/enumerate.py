#!/usr/bin/env python3
"""Brute-force breadth-first enumeration of the benchmark models.

Reads the model definitions of models.py directly (not the generated YAML,
Promela or Murphi) and counts reachable states with pbcheck's semantics
(SPEC §3): control state + all variables, simultaneous effects, every
enabled binding may fire. Also reports deadlocks, invariant violations and
out-of-range assignments, so a broken model is noticed.

Usage: enumerate.py MODEL N [N ...]      prints: MODEL N states deadlocks
       enumerate.py --check              models x small N vs spin and rumur
"""
import os
import sys
from collections import deque

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ir  # noqa: E402
from models import MODELS  # noqa: E402


def _key(k, n):
    if not 0 <= k < n:
        raise IndexError(f"key {k} outside 0..{n - 1}")
    return k


def _tmod(a, b):          # truncating modulo, as in the spec
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def compile_model(m):
    """Python functions for the initial state, the steps and the invariants."""
    slots, size = ir.layout(m)
    names = [s.name for s in m.states]
    init = [names.index(m.initial)] + [None] * (size - 1)
    for v in m.variables:
        val = (v.enum.values.index(v.init) if v.kind == 'enum' else v.init)
        for k in range(v.size()):
            init[slots[v.name] + k] = val
    lines = ['def steps(s):']
    vars_by_name = {v.name: v for v in m.variables}
    for t in m.transitions:
        for b in m.bindings(t):
            env = {k: ir.Int(v) for k, v in b.items()}
            conds = []
            if t.frm != ['*']:
                conds.append(f"s[0] in {tuple(names.index(f) for f in t.frm)!r}")
            if t.guard is not None:
                conds.append(ir.py_expr(ir.expand(ir.subst(t.guard, env)), slots, m))
            lines.append(f"    if {' and '.join(conds) or 'True'}:")
            lines.append("        n = list(s)")
            lines.append(f"        n[0] = {names.index(t.to)}")
            lines.append("        w = set()")
            for lhs, rhs in t.effects:
                lhs = ir.expand(ir.subst(lhs, env))
                rhs = ir.expand(ir.subst(rhs, env))
                base = slots[lhs.var.name]
                loc = (str(base) if lhs.key is None else
                       f"{base} + key({ir.py_expr(lhs.key, slots, m)}, {lhs.var.keys.n})")
                lines.append(f"        i = {loc}")
                lines.append(f"        assert i not in w, 'double assignment in {t.id}'")
                lines.append("        w.add(i)")
                lines.append(f"        n[i] = {ir.py_expr(rhs, slots, m)}")
                lines.append(f"        assert ok[{lhs.var.name!r}](n[i]), "
                             f"'out of range: {lhs.var.name} in {t.id}'")
            lines.append(f"        yield {t.id!r}, tuple(n)")
    lines.append('    return')
    lines.append('INVS = [')
    for d, c in m.all_invariants():
        lines.append(f"    ({d!r}, lambda s: {ir.py_expr(ir.expand(c), slots, m)}),")
    lines.append(']')
    ns = {'key': _key, 'tmod': _tmod,
          'ok': {k: v.domain_ok for k, v in vars_by_name.items()}}
    exec(compile('\n'.join(lines), f'<{m.name}>', 'exec'), ns)
    return tuple(init), ns['steps'], ns['INVS']


def explore(m):
    init, steps, invs = compile_model(m)
    seen = {init}
    queue = deque([init])
    deadlocks = 0
    violated = set()
    while queue:
        s = queue.popleft()
        for d, f in invs:
            if not f(s):
                violated.add(d)
        moved = False
        for _, n in steps(s):
            moved = True
            if n not in seen:
                seen.add(n)
                queue.append(n)
        if not moved:
            deadlocks += 1
    return len(seen), deadlocks, sorted(violated)


CHECK_SIZES = {'counters': [1, 2, 3, 4], 'philosophers': [2, 3, 4, 5, 6],
               'gateway': [1, 2, 3, 4]}


def check():
    """Compare enumerate.py with spin and rumur (and the closed formulas)."""
    import run   # the harness: generation, compilation, count parsing
    ok = True
    print(f"{'model':<13} {'N':>2} {'enumerate':>10} {'formula':>10} "
          f"{'spin':>10} {'rumur':>10}  deadlocks")
    for name, sizes in CHECK_SIZES.items():
        for n in sizes:
            count, dl, bad = explore(MODELS[name][0](n))
            formula = MODELS[name][1](n) if MODELS[name][1] else None
            paths = run.generate(name, n)
            sp = run.run_spin(paths['pml'], expected=count)
            ru = run.run_rumur(paths['m'])
            row = [count, formula, sp.get('states'), ru.get('states')]
            agree = all(x == count for x in row if x is not None) and \
                sp.get('states') is not None and ru.get('states') is not None
            ok &= agree and not bad
            print(f"{name:<13} {n:>2} " + ' '.join(f"{str(x) if x is not None else '-':>10}"
                                                    for x in row)
                  + f"  {dl:>9}" + ('' if agree else '  MISMATCH')
                  + (f"  VIOLATED: {bad}" if bad else ''))
    print('all counts agree' if ok else 'COUNTS DISAGREE')
    return 0 if ok else 1


def main(argv):
    if argv[1:] == ['--check']:
        return check()
    if len(argv) < 3 or argv[1] not in MODELS:
        sys.exit(__doc__.strip())
    for n in map(int, argv[2:]):
        count, dl, bad = explore(MODELS[argv[1]][0](n))
        print(argv[1], n, count, dl, *(['VIOLATED:'] + bad if bad else []))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
