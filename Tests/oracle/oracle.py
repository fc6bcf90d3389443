#!/usr/bin/env python3
"""Independent reference checker (oracle) for pbcheck playbooks WITHOUT observations.

Plain explicit-state BFS over (control state, variables), written to be simple
and obviously correct rather than fast. Semantics follow SPEC §2, §3, §3.1.

usage: oracle.py SPEC.yaml [--trace] [--max-states N]
prints {"states": N, "properties": {ID: {"verdict": "holds"|"violated", "length": L|null}}}
exit 0 = all hold, 1 = something violated, 2 = unsupported/bad input, 3 = state limit / 64-bit limit.

Decisions where SPEC is not explicit (see README in this folder / report):
  * a step is *enabled* iff its guard evaluates to true (a guard eval error = not enabled
    + eval-error). Deadlock = non-final state with no enabled step; a step whose guard holds
    but whose effects fail (range / eval error) still counts as enabled (not a deadlock).
  * a forbidden edge is violated only by a step that actually happens (guard true and at
    least one successor, i.e. effects in range and error free).
  * `to` of a forbidden edge matches the target state exactly; `from` matches the state and
    all its descendants ("*" = every state).
  * an eval error while checking an invariant is an `eval-error` (length = depth of the
    state); the invariant itself is then not counted as violated in that state.
  * effect eval error -> eval-error (step length), no successor. Assigning the same keyed
    location twice in one step -> eval-error, no successor.
  * range:VAR exists for int variables with a range and for enum variables (not bool, not
    unbounded int).
  * definitions are macros: arguments are substituted lazily (evaluated where used, in the
    caller's scope); the body sees only its own parameters.
  * progress (only when some state has `final_state: true`): a state is final iff its control
    state itself is marked final (as for deadlock). Every explored state's successor edges
    (self loops included; a step whose effects fail has none) are kept; a backward pass from
    the final states marks every state that can reach one. Violated at the BFS depth of the
    shallowest state that cannot.
"""
import json, re, sys
from collections import deque

try:
    import yaml
except ImportError:
    sys.exit("oracle.py needs PyYAML: pip install pyyaml")


class EvalError(Exception):
    pass


class Unsupported(Exception):
    pass


class Limit(Exception):
    pass


# ---------------------------------------------------------------- YAML (1.2 core booleans)
class Loader(yaml.SafeLoader):
    pass


Loader.yaml_implicit_resolvers = {k: [(t, r) for (t, r) in v if t != 'tag:yaml.org,2002:bool']
                                  for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Loader.add_implicit_resolver('tag:yaml.org,2002:bool', re.compile(r'^(?:true|True|TRUE|false|False|FALSE)$'),
                             list('tTfF'))

# ---------------------------------------------------------------- expressions
TOKEN = re.compile(r"\s*(?:(\d+)|('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|([A-Za-z_][A-Za-z0-9_]*)"
                   r"|(=>|==|!=|<=|>=|&&|\|\||[<>!+\-*/%?:(),]))")
AGGS = ('all', 'any', 'count', 'sum', 'min', 'max')
INT64 = (-2 ** 63, 2 ** 63 - 1)


def tokenize(text):
    toks, pos, text = [], 0, text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise Unsupported("cannot tokenize %r at %d" % (text, pos))
        pos = m.end()
        if m.group(1):
            toks.append(('int', int(m.group(1))))
        elif m.group(2):
            toks.append(('str', re.sub(r'\\(.)', r'\1', m.group(2)[1:-1])))
        elif m.group(3):
            toks.append(('name', m.group(3)))
        else:
            toks.append(('op', m.group(4)))
    return toks


class Parser:
    def __init__(self, text):
        self.t, self.i, self.text = tokenize(text), 0, text

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else ('eof', None)

    def is_op(self, op, k=0):
        return self.peek(k) in (('op', op), ('name', op))  # keywords 'in'/'contains' are names

    def take(self, op):
        if not self.is_op(op):
            raise Unsupported("expected %r in %r" % (op, self.text))
        self.i += 1

    def parse(self):
        e = self.expr()
        if self.peek()[0] != 'eof':
            raise Unsupported("trailing input in %r" % self.text)
        return e

    def expr(self):  # cond := impl [ '?' expr ':' expr ]
        c = self.impl()
        if self.is_op('?'):
            self.i += 1
            a = self.expr()
            self.take(':')
            return ('cond', c, a, self.expr())
        return c

    def impl(self):  # right-associative
        a = self.orr()
        if self.is_op('=>'):
            self.i += 1
            return ('imp', a, self.impl())
        return a

    def left(self, ops, sub, node):  # left-associative binary level
        a = sub()
        while any(self.is_op(o) for o in ops):
            op = self.peek()[1]
            self.i += 1
            a = node(op, a, sub())
        return a

    def orr(self):
        return self.left(['||'], self.andd, lambda op, a, b: ('or', a, b))

    def andd(self):
        return self.left(['&&'], self.cmp, lambda op, a, b: ('and', a, b))

    def cmp(self):
        a = self.sum()
        for op in ('==', '!=', '<=', '>=', '<', '>', 'contains', 'in'):
            if self.is_op(op):
                self.i += 1
                b = self.sum()
                if op == 'in':
                    if b[0] != 'name' or b[2]:
                        raise Unsupported("'in' needs a set name in %r" % self.text)
                    return ('in', a, b[1])
                return ('cmp', op, a, b)
        return a

    def sum(self):
        return self.left(['+', '-'], self.prod, lambda op, a, b: ('arith', op, a, b))

    def prod(self):
        return self.left(['*', '/', '%'], self.unary, lambda op, a, b: ('arith', op, a, b))

    def unary(self):
        if self.is_op('!'):
            self.i += 1
            return ('not', self.unary())
        if self.is_op('-'):
            self.i += 1
            return ('neg', self.unary())
        return self.atom()

    def atom(self):
        kind, v = self.peek()
        self.i += 1
        if kind == 'int':
            return ('lit', v)
        if kind == 'str':
            return ('lit', v)
        if kind == 'op' and v == '(':
            e = self.expr()
            self.take(')')
            return e
        if kind != 'name':
            raise Unsupported("unexpected %r in %r" % (v, self.text))
        if v in ('true', 'false'):
            return ('lit', v == 'true')
        if v == 'state':
            return ('state',)
        if (v in AGGS and self.is_op('(') and self.peek(1)[0] == 'name' and self.is_op('in', 2)
                and self.peek(3)[0] == 'name' and self.is_op(':', 4)):
            var, setname = self.peek(1)[1], self.peek(3)[1]
            self.i += 5
            body = self.expr()
            self.take(')')
            return ('agg', v, var, setname, body)
        args = []
        if self.is_op('('):
            self.i += 1
            if not self.is_op(')'):
                args.append(self.expr())
                while self.is_op(','):
                    self.i += 1
                    args.append(self.expr())
            self.take(')')
        return ('name', v, args)


def src(x):  # YAML scalar -> expression text (an unquoted true/false is a bool)
    return ('true' if x else 'false') if isinstance(x, bool) else str(x)


def tdiv(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def check64(x):
    if not (INT64[0] <= x <= INT64[1]):
        raise Limit("integer beyond 64 bits")
    return x


# ---------------------------------------------------------------- model
class Model:
    def __init__(self, doc):
        m = doc['machine']
        if doc.get('observations') or m.get('observations'):
            raise Unsupported("observations are not supported by the oracle")
        self.initial = m['initial']
        states = dict(self._named(m.get('states')))
        states.update(self._named(doc.get('states')))
        self.states = states
        self.final = {s for s, d in states.items() if (d or {}).get('final_state')}
        self.parent = {s: (d or {}).get('parent') for s, d in states.items()}
        self.sets = {}
        for name, spec in (m.get('sets') or {}).items():
            if isinstance(spec, str) and '..' in spec:
                lo, hi = spec.split('..')
                self.sets[name] = list(range(int(lo), int(hi) + 1))
            else:
                self.sets[name] = list(spec)
        self.consts = dict(m.get('constants') or {})
        self.vars = {}  # name -> dict(kind, dom (list or None), lo, hi, keys (list or None), init)
        for name, d in (m.get('variables') or {}).items():
            typ, rng = d['type'], d.get('range')
            v = {'type': typ, 'keys': self.sets[d['keys']] if d.get('keys') else None, 'ranged': False}
            if typ == 'bool':
                v['dom'] = [False, True]
            elif typ == 'enum':
                v['dom'], v['ranged'] = list(d['values']), True
            elif rng is not None:
                lo, hi = [self.consts[b] if isinstance(b, str) else b for b in rng]
                v['dom'], v['ranged'] = list(range(lo, hi + 1)), True
            else:
                v['dom'] = None  # unbounded int
            init = d.get('init', 'any')
            if isinstance(init, str) and typ == 'int' and init in self.consts:
                init = self.consts[init]
            v['init'] = init
            self.vars[name] = v
        self.defs = {}
        for key, body in (m.get('definitions') or {}).items():
            mm = re.match(r'^\s*([A-Za-z_]\w*)\s*(?:\((.*)\))?\s*$', key)
            params = [p.strip() for p in mm.group(2).split(',') if p.strip()] if mm.group(2) else []
            self.defs[mm.group(1)] = (params, Parser(src(body)).parse())
        self.inv = {}  # state -> [(index, expr)]
        for s, d in states.items():
            self.inv[s] = [Parser(src(i['condition'])).parse() for i in ((d or {}).get('invariants') or [])]
        self.glob = [Parser(src(i['condition'])).parse() for i in (m.get('invariants') or [])]
        self.trans = []
        for t in list(m.get('transitions') or []) + list(doc.get('transitions') or []):
            frm = t['from'] if isinstance(t['from'], list) else [t['from']]
            effs = []
            for e in (t.get('effects') or []):
                lhs, rhs = str(e).split(':=', 1)
                target = Parser(lhs).parse()
                if target[0] != 'name' or target[1] not in self.vars:
                    raise Unsupported("bad effect target %r" % e)
                effs.append((target, None if rhs.strip() == 'any' else Parser(rhs).parse()))
            params = list((t.get('params') or {}).items())
            self.trans.append({'id': t['id'], 'from': frm, 'to': t['to'],
                               'guard': Parser(src(t['guard'])).parse() if t.get('guard') is not None else None,
                               'params': params, 'effects': effs})
        self.forbidden = []
        for f in list(m.get('forbidden') or []) + list(doc.get('forbidden') or []):
            self.forbidden.append(('forbidden:%s->%s' % (f['from'], f['to']), f['from'], f['to']))
        # locations: (var, key) in a fixed order; a state's values are a tuple in this order
        self.locs = [(n, k) for n, v in self.vars.items() for k in (v['keys'] if v['keys'] is not None else [None])]
        self.locidx = {l: i for i, l in enumerate(self.locs)}

    @staticmethod
    def _named(section):
        if not section:
            return []
        if isinstance(section, list):
            return [(d['id'], d) for d in section]
        return list(section.items())

    def chain(self, s):  # s and its ancestors
        out = []
        while s is not None:
            out.append(s)
            s = self.parent.get(s)
        return out

    def matches(self, s, frm):
        return frm == '*' or frm in self.chain(s)

    # ------------------------------------------------------------ evaluation
    def ev(self, e, st, loc):
        """st = (control state, values tuple); loc = dict of locals (value or thunk (expr, locals))."""
        k = e[0]
        if k == 'lit':
            return e[1]
        if k == 'state':
            return st[0]
        if k == 'not':
            return not self.ev(e[1], st, loc)
        if k == 'neg':
            return check64(-self.ev(e[1], st, loc))
        if k == 'and':
            return bool(self.ev(e[1], st, loc)) and bool(self.ev(e[2], st, loc))
        if k == 'or':
            return bool(self.ev(e[1], st, loc)) or bool(self.ev(e[2], st, loc))
        if k == 'imp':
            return (not self.ev(e[1], st, loc)) or bool(self.ev(e[2], st, loc))
        if k == 'cond':
            return self.ev(e[2], st, loc) if self.ev(e[1], st, loc) else self.ev(e[3], st, loc)
        if k == 'in':
            x = self.ev(e[1], st, loc)
            return any(same(x, y) for y in self.sets[e[2]])
        if k == 'cmp':
            a, b = self.ev(e[2], st, loc), self.ev(e[3], st, loc)
            op = e[1]
            if op == '==': return same(a, b)
            if op == '!=': return not same(a, b)
            if op == 'contains': return b in a
            return {'<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b}[op]
        if k == 'arith':
            a, b = self.ev(e[2], st, loc), self.ev(e[3], st, loc)
            op = e[1]
            if op in '/%' and b == 0:
                raise EvalError("division by zero")
            r = {'+': lambda: a + b, '-': lambda: a - b, '*': lambda: a * b,
                 '/': lambda: tdiv(a, b), '%': lambda: a - b * tdiv(a, b)}[op]()
            return check64(r)
        if k == 'agg':
            _, kind, var, setname, body = e
            vals = []
            for x in self.sets[setname]:
                v = self.ev(body, st, dict(loc, **{var: x}))
                if kind == 'all' and not v: return False
                if kind == 'any' and v: return True
                vals.append(v)
            if kind == 'all': return True
            if kind == 'any': return False
            if kind == 'count': return sum(1 for v in vals if v)
            if kind == 'sum': return check64(sum(vals))
            if not vals:
                raise EvalError("%s over an empty set" % kind)
            return min(vals) if kind == 'min' else max(vals)
        if k == 'name':
            return self.ev_name(e[1], e[2], st, loc)
        raise Unsupported(k)

    def ev_name(self, n, args, st, loc):
        if not args:
            if n in loc:
                v = loc[n]
                return self.ev(v[1], st, v[2]) if isinstance(v, tuple) and v and v[0] == 'thunk' else v
            if n in self.consts:
                return self.consts[n]
            if n in self.vars and self.vars[n]['keys'] is None:
                return st[1][self.locidx[(n, None)]]
            if n in self.defs and not self.defs[n][0]:
                return self.ev(self.defs[n][1], st, {})
            raise Unsupported("cannot resolve name %r (undeclared observation?)" % n)
        if n in self.vars and self.vars[n]['keys'] is not None and len(args) == 1:
            key = self.ev(args[0], st, loc)
            if not any(same(key, x) for x in self.vars[n]['keys']):
                raise EvalError("key %r outside the key set of %s" % (key, n))
            return st[1][self.locidx[(n, key)]]
        if n in self.defs and len(self.defs[n][0]) == len(args):
            params, body = self.defs[n]
            return self.ev(body, st, {p: ('thunk', a, loc) for p, a in zip(params, args)})
        if n == 'in_state' and len(args) == 1:
            return self.ev(args[0], st, loc) in self.chain(st[0])
        if n == 'abs' and len(args) == 1:
            return check64(abs(self.ev(args[0], st, loc)))
        if n in ('min', 'max') and len(args) == 2:
            a, b = self.ev(args[0], st, loc), self.ev(args[1], st, loc)
            return min(a, b) if n == 'min' else max(a, b)
        raise Unsupported("cannot resolve call %s/%d" % (n, len(args)))

    # ------------------------------------------------------------ transition system
    def initial_states(self):
        per_loc = []
        for (n, key) in self.locs:
            v = self.vars[n]
            init = v['init']
            if isinstance(init, dict):
                init = init[key]
            if init == 'any':
                if v['dom'] is None:
                    raise Unsupported("init: any on an unbounded int (%s)" % n)
                per_loc.append(v['dom'])
            else:
                per_loc.append([init])
        out = [()]
        for choices in per_loc:
            out = [t + (c,) for t in out for c in choices]
        return [(self.initial, vals) for vals in out]

    def bindings(self, t):
        out = [{}]
        for p, setname in t['params']:
            out = [dict(b, **{p: x}) for b in out for x in self.sets[setname]]
        return out

    def step(self, st, t, b):
        """-> (enabled, successors, [violated step property ids])"""
        if not any(self.matches(st[0], f) for f in t['from']):
            return False, [], []
        try:
            if t['guard'] is not None and not self.ev(t['guard'], st, b):
                return False, [], []
        except EvalError:
            return False, [], ['eval-error']
        assigns = []  # (loc index, value or None for any)
        try:
            for target, rhs in t['effects']:
                n = target[1]
                key = None
                if self.vars[n]['keys'] is not None:
                    key = self.ev(target[2][0], st, b)
                    if not any(same(key, x) for x in self.vars[n]['keys']):
                        raise EvalError("key outside set")
                assigns.append((self.locidx[(n, key)], None if rhs is None else self.ev(rhs, st, b)))
        except EvalError:
            return True, [], ['eval-error']
        if len({i for i, _ in assigns}) != len(assigns):
            return True, [], ['eval-error']  # one location assigned twice
        bad = []
        for i, val in assigns:
            v = self.vars[self.locs[i][0]]
            if val is not None and v['dom'] is not None and not any(same(val, x) for x in v['dom']):
                bad.append('range:' + self.locs[i][0])
        if bad:
            return True, [], sorted(set(bad))
        succ = [list(st[1])]
        for i, val in assigns:
            if val is None:
                dom = self.vars[self.locs[i][0]]['dom']
                if dom is None:
                    raise Unsupported(":= any on an unbounded int")
                succ = [s[:i] + [x] + s[i + 1:] for s in succ for x in dom]
            else:
                for s in succ:
                    s[i] = val
        succ = [(t['to'], tuple(s)) for s in succ]
        forb = [fid for fid, f, to in self.forbidden if self.matches(st[0], f) and t['to'] == to]
        return True, succ, forb

    def state_props(self, st):
        """violated state property ids in st"""
        bad = []
        checks = [('invariant:%s:%d' % (s, i), e) for s in self.chain(st[0]) for i, e in enumerate(self.inv.get(s, []))]
        checks += [('global:%d' % i, e) for i, e in enumerate(self.glob)]
        for pid, e in checks:
            try:
                if not self.ev(e, st, {}):
                    bad.append(pid)
            except EvalError:
                bad.append('eval-error')
        return bad

    def all_props(self):
        ids = ['invariant:%s:%d' % (s, i) for s in self.states for i in range(len(self.inv[s]))]
        ids += ['global:%d' % i for i in range(len(self.glob))]
        ids += [f[0] for f in self.forbidden]
        ids += ['range:' + n for n, v in self.vars.items() if v['ranged']]
        ids += ['deadlock', 'eval-error']
        return ids + (['progress'] if self.final else [])


def same(a, b):  # equality without Python's True == 1
    return type(a) == type(b) and a == b


def check(model, max_states, want_trace):
    found = {}  # property id -> (length, trace)
    parent = {}  # state -> (previous state, transition id, binding) | None
    depth = {}
    queue = deque()
    edges = {}  # state -> set of successor states (every successful step, self loops included)

    def trace(st):
        out = []
        while parent[st] is not None:
            prev, tid, b = parent[st]
            out.append((tid, b, st))
            st = prev
        return [{'init': {'state': st[0], 'vars': show(model, st)}}] + \
               [{'transition': tid, 'params': b, 'state': s[0], 'vars': show(model, s)} for tid, b, s in reversed(out)]

    def record(pid, length, st, extra=None):
        if pid not in found or length < found[pid][0]:
            tr = None
            if want_trace:
                tr = trace(st) + ([extra] if extra else [])
            found[pid] = (length, tr)

    for st in model.initial_states():
        if st not in depth:
            depth[st], parent[st] = 0, None
            queue.append(st)
    while queue:
        st = queue.popleft()
        d = depth[st]
        for pid in model.state_props(st):
            record(pid, d, st)
        enabled = False
        out = edges.setdefault(st, set())
        for t in model.trans:
            for b in model.bindings(t):
                en, succ, bad = model.step(st, t, b)
                enabled = enabled or en
                for pid in bad:
                    record(pid, d + 1, st, {'offending-step': t['id'], 'params': b})
                for s2 in succ:
                    out.add(s2)
                    if s2 not in depth:
                        depth[s2], parent[s2] = d + 1, (st, t['id'], b)
                        queue.append(s2)
                        if len(depth) > max_states:
                            raise Limit("more than %d states" % max_states)
        if not enabled and st[0] not in model.final:
            record('deadlock', d, st)
    if model.final:
        # backward pass: which explored states can reach a final state
        preds = {}
        for a, outs in edges.items():
            for b in outs:
                preds.setdefault(b, []).append(a)
        live = {st for st in depth if st[0] in model.final}
        work = deque(live)
        while work:
            b = work.popleft()
            for a in preds.get(b, []):
                if a not in live:
                    live.add(a)
                    work.append(a)
        for st in depth:
            if st not in live:
                record('progress', depth[st], st)
    props = {}
    for pid in model.all_props():
        if pid in found:
            props[pid] = {'verdict': 'violated', 'length': found[pid][0]}
            if want_trace:
                props[pid]['trace'] = found[pid][1]
        else:
            props[pid] = {'verdict': 'holds', 'length': None}
    return {'states': len(depth), 'properties': props}


def show(model, st):
    out = {}
    for (n, key), v in zip(model.locs, st[1]):
        if key is None:
            out[n] = v
        else:
            out.setdefault(n, {})[str(key)] = v
    return out


def main(argv):
    args = [a for a in argv if not a.startswith('--')]
    max_states = 2000000
    if '--max-states' in argv:
        max_states = int(argv[argv.index('--max-states') + 1])
        args.remove(str(max_states))
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding='utf-8') as f:
            model = Model(yaml.load(f, Loader=Loader))
        result = check(model, max_states, '--trace' in argv)
    except Unsupported as e:
        print("oracle: unsupported: %s" % e, file=sys.stderr)
        return 2
    except Limit as e:
        print("oracle: limit: %s" % e, file=sys.stderr)
        return 3
    print(json.dumps(result, indent=2 if '--trace' in argv else None, sort_keys=True))
    return 1 if any(p['verdict'] == 'violated' for p in result['properties'].values()) else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
