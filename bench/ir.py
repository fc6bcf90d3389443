"""A tiny model IR for the benchmark, and its printers.

Each benchmark model is written once, in Python, with this IR (see
models.py). From it we print:

  * a pbcheck playbook (YAML, with sets / constants / keyed variables /
    params / definitions / effects),
  * a Promela model for SPIN (one process, one `do` loop, every transition
    binding one guarded `d_step` alternative: one SPIN transition per
    playbook step, no intermediate states),
  * a Murphi model for rumur (one `ruleset`/`rule` per transition),
  * Python source that enumerate.py uses to explore the model by brute force.

The meaning is pbcheck's (SPEC §3): a state is the control state plus every
variable; a step fires a transition binding whose `from` matches and whose
guard holds, applies all effects simultaneously (right-hand sides read the
old state) and moves to `to`. Every printer keeps that meaning, so the
reachable state counts of the four versions are equal.

Restrictions that keep the printers simple: every set is an integer range
0..n-1, keyed variables have one key set, initial values are single values
(no `any`), and models never assign out of range (enumerate.py checks it).
"""

import itertools


# --------------------------------------------------------------------------
# Expressions

def lift(x):
    if isinstance(x, Expr):
        return x
    if isinstance(x, bool):
        return Bool(x)
    if isinstance(x, int):
        return Int(x)
    raise TypeError(f"cannot use {x!r} in an expression")


class Expr:
    # Arithmetic and ordering use Python operators; equality and the
    # boolean connectives are functions (Eq, Ne, And, Or, Not, Implies),
    # because overloading == would make expressions unhashable surprises.
    def __add__(self, o): return Bin('+', self, lift(o))
    def __radd__(self, o): return Bin('+', lift(o), self)
    def __sub__(self, o): return Bin('-', self, lift(o))
    def __rsub__(self, o): return Bin('-', lift(o), self)
    def __mul__(self, o): return Bin('*', self, lift(o))
    def __mod__(self, o): return Bin('%', self, lift(o))
    def __lt__(self, o): return Bin('<', self, lift(o))
    def __le__(self, o): return Bin('<=', self, lift(o))
    def __gt__(self, o): return Bin('>', self, lift(o))
    def __ge__(self, o): return Bin('>=', self, lift(o))


class Int(Expr):
    def __init__(self, v): self.v = v


class Bool(Expr):
    def __init__(self, v): self.v = v


class Lit(Expr):
    """An enum literal of variable type `enum` (an EnumType)."""
    def __init__(self, enum, name):
        assert name in enum.values, (enum.name, name)
        self.enum, self.name = enum, name


class Const(Expr):
    """A named constant (declared in the playbook / Murphi `const`)."""
    def __init__(self, name, value): self.name, self.value = name, value


class Read(Expr):
    """`var` (key None) or `var(key)`."""
    def __init__(self, var, key=None):
        assert (key is None) == (var.keys is None), var.name
        self.var, self.key = var, (None if key is None else lift(key))


class Param(Expr):
    """A transition parameter or aggregate variable."""
    def __init__(self, name): self.name = name


class InState(Expr):
    """`state == 'name'`"""
    def __init__(self, name): self.name = name


class Bin(Expr):
    def __init__(self, op, a, b): self.op, self.a, self.b = op, a, b


class Not_(Expr):
    def __init__(self, a): self.a = a


class Ite(Expr):
    def __init__(self, c, a, b): self.c, self.a, self.b = c, lift(a), lift(b)


class Agg(Expr):
    """count / all / any (x in set: body)"""
    def __init__(self, kind, var, set_, body):
        self.kind, self.var, self.set, self.body = kind, var, set_, body


class Call(Expr):
    def __init__(self, d, args):
        assert len(args) == len(d.params), d.name
        self.d, self.args = d, [lift(a) for a in args]


def Eq(a, b): return Bin('==', lift(a), lift(b))
def Ne(a, b): return Bin('!=', lift(a), lift(b))
def Not(a): return Not_(lift(a))


def And(*xs):
    xs = [lift(x) for x in xs]
    e = xs[0]
    for x in xs[1:]:
        e = Bin('&&', e, x)
    return e


def Or(*xs):
    xs = [lift(x) for x in xs]
    e = xs[0]
    for x in xs[1:]:
        e = Bin('||', e, x)
    return e


def Implies(a, b): return Bin('=>', lift(a), lift(b))


def _mk_agg(kind):
    def f(set_, fn, var='n'):
        return Agg(kind, var, set_, lift(fn(Param(var))))
    return f


Count = _mk_agg('count')
All = _mk_agg('all')
Any = _mk_agg('any')


def subst(e, env):
    """Replace Param(name) by env[name] (an Expr)."""
    if isinstance(e, Param):
        return env.get(e.name, e)
    if isinstance(e, Read):
        return e if e.key is None else Read(e.var, subst(e.key, env))
    if isinstance(e, Bin):
        return Bin(e.op, subst(e.a, env), subst(e.b, env))
    if isinstance(e, Not_):
        return Not_(subst(e.a, env))
    if isinstance(e, Ite):
        return Ite(subst(e.c, env), subst(e.a, env), subst(e.b, env))
    if isinstance(e, Agg):
        inner = {k: v for k, v in env.items() if k != e.var}
        return Agg(e.kind, e.var, e.set, subst(e.body, inner))
    if isinstance(e, Call):
        return Call(e.d, [subst(a, env) for a in e.args])
    return e


def expand(e):
    """Inline definitions and unroll aggregates (for Promela, Murphi, Python)."""
    if isinstance(e, Call):
        return expand(subst(e.d.body, dict(zip(e.d.params, e.args))))
    if isinstance(e, Agg):
        parts = [expand(subst(e.body, {e.var: Int(k)})) for k in range(e.set.n)]
        if e.kind == 'all':
            return And(*parts) if parts else Bool(True)
        if e.kind == 'any':
            return Or(*parts) if parts else Bool(False)
        assert e.kind == 'count'
        r = None
        for p in parts:
            t = Ite(p, 1, 0)
            r = t if r is None else Bin('+', r, t)
        return r if r is not None else Int(0)
    if isinstance(e, Read):
        return e if e.key is None else Read(e.var, expand(e.key))
    if isinstance(e, Bin):
        return Bin(e.op, expand(e.a), expand(e.b))
    if isinstance(e, Not_):
        return Not_(expand(e.a))
    if isinstance(e, Ite):
        return Ite(expand(e.c), expand(e.a), expand(e.b))
    return e


def reads(e, acc=None):
    """Names of the variables an (expanded or not) expression reads."""
    acc = set() if acc is None else acc
    if isinstance(e, Read):
        acc.add(e.var.name)
        if e.key is not None:
            reads(e.key, acc)
    elif isinstance(e, Bin):
        reads(e.a, acc); reads(e.b, acc)
    elif isinstance(e, Not_):
        reads(e.a, acc)
    elif isinstance(e, Ite):
        reads(e.c, acc); reads(e.a, acc); reads(e.b, acc)
    elif isinstance(e, Agg):
        reads(e.body, acc)
    elif isinstance(e, Call):
        reads(e.d.body, acc)
        for a in e.args:
            reads(a, acc)
    return acc


# --------------------------------------------------------------------------
# Declarations

class Set:
    def __init__(self, name, n): self.name, self.n = name, n


class EnumType:
    def __init__(self, name, values): self.name, self.values = name, list(values)
    def __getattr__(self, v):
        if v.startswith('_') or v not in self.__dict__.get('values', ()):
            raise AttributeError(v)
        return Lit(self, v)


class Var:
    """kind: 'int' (lo, hi), 'bool', or 'enum' (an EnumType)."""
    def __init__(self, name, kind, init, lo=None, hi=None, enum=None, keys=None):
        self.name, self.kind, self.init = name, kind, init
        self.lo, self.hi, self.enum, self.keys = lo, hi, enum, keys

    def __call__(self, key=None):
        return Read(self, key)

    def size(self):
        return 1 if self.keys is None else self.keys.n

    def domain_ok(self, v):
        if self.kind == 'bool':
            return isinstance(v, bool)
        if self.kind == 'enum':
            return isinstance(v, int) and 0 <= v < len(self.enum.values)
        return not isinstance(v, bool) and self.lo <= v <= self.hi


class Def:
    def __init__(self, name, params, body):
        self.name, self.params, self.body = name, list(params), lift(body)

    def __call__(self, *args):
        return Call(self, list(args))


class Transition:
    def __init__(self, id, frm, to, event, guard=None, effects=(), params=None,
                 comment=None):
        self.id, self.to, self.event = id, to, event
        self.frm = [frm] if isinstance(frm, str) else list(frm)
        self.guard = None if guard is None else lift(guard)
        self.effects = [(lhs, lift(rhs)) for lhs, rhs in effects]
        self.params = dict(params or {})
        self.comment = comment


class State:
    def __init__(self, name, description=None, invariants=()):
        self.name, self.description = name, description
        self.invariants = [(d, lift(c)) for d, c in invariants]


class Model:
    def __init__(self, name, title, machine_id, sets, constants, variables,
                 states, initial, transitions, definitions=(), invariants=(),
                 description=None, header=None):
        self.name, self.title, self.machine_id = name, title, machine_id
        self.sets, self.constants, self.variables = sets, constants, variables
        self.states, self.initial = states, initial
        self.transitions, self.definitions = transitions, list(definitions)
        self.invariants = [(d, lift(c)) for d, c in invariants]
        self.description, self.header = description, header

    @property
    def multi_state(self):
        return len(self.states) > 1

    def bindings(self, t):
        names = list(t.params)
        for vals in itertools.product(*[range(t.params[n].n) for n in names]):
            yield dict(zip(names, vals))

    def all_invariants(self):
        """Global invariants plus state invariants as `state == s => c`."""
        out = list(self.invariants)
        for s in self.states:
            for d, c in s.invariants:
                out.append((f"{s.name}: {d}", Implies(InState(s.name), c)))
        return out


# --------------------------------------------------------------------------
# pbcheck YAML

_PB_PREC = {'=>': 1, '||': 2, '&&': 3, '==': 4, '!=': 4, '<': 4, '<=': 4,
            '>': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '%': 6}


def pb_expr(e, prec=0):
    def par(s, p):
        return f"({s})" if p < prec else s
    if isinstance(e, Int):
        return str(e.v)
    if isinstance(e, Bool):
        return 'true' if e.v else 'false'
    if isinstance(e, Lit):
        return f"'{e.name}'"
    if isinstance(e, Const):
        return e.name
    if isinstance(e, Param):
        return e.name
    if isinstance(e, Read):
        return e.var.name if e.key is None else f"{e.var.name}({pb_expr(e.key)})"
    if isinstance(e, InState):
        return par(f"state == '{e.name}'", 4)
    if isinstance(e, Not_):
        return '!' + pb_expr(e.a, 9)
    if isinstance(e, Ite):
        return par(f"{pb_expr(e.c, 1)} ? {pb_expr(e.a, 0)} : {pb_expr(e.b, 0)}", 0)
    if isinstance(e, Agg):
        return f"{e.kind}({e.var} in {e.set.name}: {pb_expr(e.body)})"
    if isinstance(e, Call):
        return f"{e.d.name}({', '.join(pb_expr(a) for a in e.args)})"
    if isinstance(e, Bin):
        p = _PB_PREC[e.op]
        if e.op == '=>':      # right-associative
            s = f"{pb_expr(e.a, p + 1)} => {pb_expr(e.b, p)}"
        elif p == 4:          # comparisons do not chain
            s = f"{pb_expr(e.a, p + 1)} {e.op} {pb_expr(e.b, p + 1)}"
        else:                 # left-associative
            s = f"{pb_expr(e.a, p)} {e.op} {pb_expr(e.b, p + 1)}"
        return par(s, p)
    raise TypeError(e)


def q(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def pb_value(v, init):
    if v.kind == 'bool':
        return 'true' if init else 'false'
    if v.kind == 'enum':
        return init
    return str(init)


def to_yaml(m):
    out = []
    w = out.append
    if m.header:
        for line in m.header.strip('\n').split('\n'):
            w(('# ' + line).rstrip())
    w('version: "1.0"')
    w(f'name: {q(m.title)}')
    if m.description:
        w(f'description: {q(m.description)}')
    w('machine:')
    w(f'  id: {q(m.machine_id)}')
    w(f'  initial: {q(m.initial)}')
    if m.sets:
        w('  sets:')
        for s in m.sets:
            w(f'    {s.name}: "0..{s.n - 1}"')
    if m.constants:
        w('  constants:')
        for c in m.constants:
            w(f'    {c.name}: {c.value}')
    w('  variables:')
    for v in m.variables:
        parts = [f'type: {v.kind}']
        if v.kind == 'int':
            parts.append(f'range: [{v.lo}, {v.hi}]')
        if v.kind == 'enum':
            parts.append(f"values: [{', '.join(v.enum.values)}]")
        if v.keys is not None:
            parts.append(f'keys: {v.keys.name}')
        parts.append(f'init: {pb_value(v, v.init)}')
        w(f"    {v.name}: {{ {', '.join(parts)} }}")
    if m.definitions:
        w('  definitions:')
        for d in m.definitions:
            head = d.name if not d.params else f"{d.name}({', '.join(d.params)})"
            w(f'    {q(head)}: {q(pb_expr(d.body))}')
    if m.invariants:
        w('  invariants:')
        for d, c in m.invariants:
            w(f'    - description: {q(d)}')
            w(f'      condition: {q(pb_expr(c))}')
    w('  states:')
    for s in m.states:
        w(f'    {s.name}:')
        w(f'      id: {q(s.name)}')
        if s.description:
            w(f'      description: {q(s.description)}')
        if s.invariants:
            w('      invariants:')
            for d, c in s.invariants:
                w(f'        - description: {q(d)}')
                w(f'          condition: {q(pb_expr(c))}')
    w('  transitions:')
    for t in m.transitions:
        if t.comment:
            for line in t.comment.split('\n'):
                w(f'    # {line}'.rstrip())
        w(f'    - id: {q(t.id)}')
        frm = t.frm[0] if len(t.frm) == 1 else t.frm
        w(f'      from: {q(frm) if isinstance(frm, str) else "[" + ", ".join(q(f) for f in frm) + "]"}')
        w(f'      to: {q(t.to)}')
        w(f'      event: {q(t.event)}')
        if t.params:
            ps = ', '.join(f'{k}: {s.name}' for k, s in t.params.items())
            w(f'      params: {{ {ps} }}')
        if t.guard is not None:
            w(f'      guard: {q(pb_expr(t.guard))}')
        if t.effects:
            w('      effects:')
            for lhs, rhs in t.effects:
                w(f'        - {q(pb_expr(lhs) + " := " + pb_expr(rhs))}')
    return '\n'.join(out) + '\n'


# --------------------------------------------------------------------------
# Promela (SPIN)

def _pml_type(v):
    if v.kind == 'bool':
        return 'bool'
    if v.kind == 'enum':
        return 'byte'
    if 0 <= v.lo and v.hi <= 255:
        return 'byte'
    if -32768 <= v.lo and v.hi <= 32767:
        return 'short'
    return 'int'


def _pml_enum(lit):
    return f"{lit.enum.name.upper()}_{lit.name}"


def pml_expr(e):
    """e must be expanded (no Call/Agg) and have no free Params."""
    if isinstance(e, Int):
        return str(e.v)
    if isinstance(e, Bool):
        return 'true' if e.v else 'false'
    if isinstance(e, Lit):
        return _pml_enum(e)
    if isinstance(e, Const):
        return str(e.value)
    if isinstance(e, Read):
        n = 'v_' + e.var.name
        return n if e.key is None else f"{n}[{pml_expr(e.key)}]"
    if isinstance(e, InState):
        return f"(v_st == ST_{e.name})"
    if isinstance(e, Not_):
        return f"!{_atom(pml_expr(e.a))}"
    if isinstance(e, Ite):
        return f"({pml_expr(e.c)} -> {pml_expr(e.a)} : {pml_expr(e.b)})"
    if isinstance(e, Bin):
        if e.op == '=>':
            return f"(!{_atom(pml_expr(e.a))} || {pml_expr(e.b)})"
        return f"({pml_expr(e.a)} {e.op} {pml_expr(e.b)})"
    raise TypeError(e)


def _atom(s):
    return s if (s.startswith('(') and s.endswith(')')) or s.isidentifier() or s.isdigit() else f"({s})"


def order_effects(effects):
    """Sequential order for simultaneous effects: an effect that reads a
    variable must run before the effects that write that variable. Returns
    (ordered effects, False), or (effects, True) when the reads form a cycle
    and the printer must go through temporaries."""
    info = []
    for lhs, rhs in effects:
        r = reads(rhs)
        if lhs.key is not None:
            reads(lhs.key, r)
        info.append((lhs.var.name, r))
    n = len(effects)
    # before[a] = effects that must come after a
    after = {a: {b for b in range(n) if b != a and info[b][0] in info[a][1]}
             for a in range(n)}
    indeg = [sum(a in after[b] for b in range(n)) for a in range(n)]
    order, ready = [], [a for a in range(n) if indeg[a] == 0]
    while ready:
        a = ready.pop(0)
        order.append(a)
        for b in sorted(after[a]):
            indeg[b] -= 1
            if indeg[b] == 0:
                ready.append(b)
    if len(order) < n:
        return list(effects), True
    return [effects[a] for a in order], False


def _needs_temps(t):
    return order_effects(t.effects)[1]


def to_promela(m):
    out = []
    w = out.append
    w(f"/* {m.title} -- generated by bench/gen.py; see bench/README.md.")
    w("   One process; every playbook step is one guarded d_step alternative")
    w("   of a single do-loop, so SPIN stores exactly the playbook's states")
    w("   (plus, with invariants, a monitor process that never moves). */")
    enums = {}
    for v in m.variables:
        if v.kind == 'enum':
            enums[v.enum.name] = v.enum
    for en in enums.values():
        for i, val in enumerate(en.values):
            w(f"#define {en.name.upper()}_{val} {i}")
    if m.multi_state:
        for i, s in enumerate(m.states):
            w(f"#define ST_{s.name} {i}")
        w(f"byte v_st = ST_{m.initial};")
    for v in m.variables:
        if v.kind == 'enum':
            init = f"{v.enum.name.upper()}_{v.init}"
        elif v.kind == 'bool':
            init = 'true' if v.init else 'false'
        else:
            init = str(v.init)
        dim = '' if v.keys is None else f"[{v.keys.n}]"
        w(f"{_pml_type(v)} v_{v.name}{dim} = {init};")
    ntemps = max([len(t.effects) for t in m.transitions if _needs_temps(t)] or [0])
    w("")
    w("active proctype machine()")
    w("{")
    # Temporaries for simultaneous assignment. SPIN's BFS cannot use `hidden`
    # variables, so they are locals, always reset to 0 before the step ends:
    # constant in every stored state, they do not change the state count.
    for i in range(ntemps):
        w(f"  int t{i} = 0;")
    w("  do")
    for t in m.transitions:
        for b in m.bindings(t):
            env = {k: Int(v) for k, v in b.items()}
            conds = []
            if m.multi_state and t.frm != ['*']:
                conds.append(' || '.join(f"v_st == ST_{f}" for f in t.frm))
                if len(t.frm) > 1:
                    conds[-1] = f"({conds[-1]})"
            if t.guard is not None:
                conds.append(pml_expr(expand(subst(t.guard, env))))
            guard = ' && '.join(conds) if conds else 'true'
            stmts = []
            ordered, temps = order_effects(t.effects)
            effs = [(expand(subst(l, env)), expand(subst(r, env))) for l, r in ordered]
            if temps:
                for i, (l, r) in enumerate(effs):
                    stmts.append(f"t{i} = {pml_expr(r)}")
                for i, (l, r) in enumerate(effs):
                    stmts.append(f"{pml_expr(l)} = t{i}")
                for i in range(len(effs)):
                    stmts.append(f"t{i} = 0")
            else:
                for l, r in effs:
                    stmts.append(f"{pml_expr(l)} = {pml_expr(r)}")
            if m.multi_state and (t.frm != [t.to]):
                stmts.append(f"v_st = ST_{t.to}")
            bs = ' '.join(f"{k}={v}" for k, v in b.items())
            w(f"  :: /* {t.id} {bs} */" if bs else f"  :: /* {t.id} */")
            w(f"     d_step {{ {guard} ->")
            for s in stmts:
                w(f"       {s};")
            w("     }")
    w("  od")
    w("}")
    invs = m.all_invariants()
    if invs:
        # The classic invariant monitor: enabled only in a state where some
        # invariant is false. Its control point never moves otherwise, so the
        # state count is unchanged; SPIN evaluates it once per state.
        w("")
        w("active proctype monitor()")
        w("{")
        w("  atomic { !(")
        for i, (d, c) in enumerate(invs):
            w(f"      /* {d.replace('*/', '* /')} */")
            w(f"      {'&& ' if i else '   '}{pml_expr(expand(c))}")
        w("    ) -> assert(false) }")
        w("}")
    return '\n'.join(out) + '\n'


# --------------------------------------------------------------------------
# Murphi (rumur)

_MU_OPS = {'==': '=', '!=': '!=', '&&': '&', '||': '|', '=>': '->'}


def mu_expr(e):
    """e must be expanded; Params are ruleset variables."""
    if isinstance(e, Int):
        return str(e.v)
    if isinstance(e, Bool):
        return 'true' if e.v else 'false'
    if isinstance(e, Lit):
        return f"{e.enum.name}_{e.name}"
    if isinstance(e, Const):
        return e.name
    if isinstance(e, Param):
        return 'p_' + e.name
    if isinstance(e, Read):
        n = 'v_' + e.var.name
        return n if e.key is None else f"{n}[{mu_expr(e.key)}]"
    if isinstance(e, InState):
        return f"(v_st = st_{e.name})"
    if isinstance(e, Not_):
        return f"!({mu_expr(e.a)})"
    if isinstance(e, Ite):
        return f"({mu_expr(e.c)} ? {mu_expr(e.a)} : {mu_expr(e.b)})"
    if isinstance(e, Bin):
        if e.op == '=>':
            return f"(!({mu_expr(e.a)}) | {mu_expr(e.b)})"
        return f"({mu_expr(e.a)} {_MU_OPS.get(e.op, e.op)} {mu_expr(e.b)})"
    raise TypeError(e)


def _mu_type(v):
    if v.kind == 'bool':
        return 'boolean'
    if v.kind == 'enum':
        return f"{v.enum.name}_t"
    return f"{v.lo}..{v.hi}"


def to_murphi(m):
    out = []
    w = out.append
    w(f"-- {m.title} -- generated by bench/gen.py; see bench/README.md.")
    if m.constants:
        w("const")
        for c in m.constants:
            w(f"  {c.name}: {c.value};")
    w("type")
    for s in m.sets:
        w(f"  {s.name}_t: 0..{s.n - 1};")
    enums = {}
    for v in m.variables:
        if v.kind == 'enum':
            enums[v.enum.name] = v.enum
    for en in enums.values():
        w(f"  {en.name}_t: enum {{ {', '.join(en.name + '_' + x for x in en.values)} }};")
    if m.multi_state:
        w(f"  st_t: enum {{ {', '.join('st_' + s.name for s in m.states)} }};")
    w("var")
    if m.multi_state:
        w("  v_st: st_t;")
    for v in m.variables:
        t = _mu_type(v)
        if v.keys is not None:
            t = f"array [{v.keys.name}_t] of {t}"
        w(f"  v_{v.name}: {t};")
    w("")
    for t in m.transitions:
        ind = ''
        for p, s in t.params.items():
            w(f"{ind}ruleset p_{p}: {s.name}_t do")
            ind += '  '
        conds = []
        if m.multi_state and t.frm != ['*']:
            c = ' | '.join(f"v_st = st_{f}" for f in t.frm)
            conds.append(f"({c})" if len(t.frm) > 1 else c)
        if t.guard is not None:
            conds.append(mu_expr(expand(t.guard)))
        guard = ' & '.join(conds) if conds else 'true'
        w(f'{ind}rule "{t.id}" {guard} ==>')
        ordered, temps = order_effects(t.effects)
        effs = [(expand(l), expand(r)) for l, r in ordered]
        if temps:
            w(f"{ind}var")
            for i, (l, r) in enumerate(effs):
                w(f"{ind}  t{i}: {_mu_type(l.var)};")
        w(f"{ind}begin")
        if temps:
            for i, (l, r) in enumerate(effs):
                w(f"{ind}  t{i} := {mu_expr(r)};")
            for i, (l, r) in enumerate(effs):
                w(f"{ind}  {mu_expr(l)} := t{i};")
        else:
            for l, r in effs:
                w(f"{ind}  {mu_expr(l)} := {mu_expr(r)};")
        if m.multi_state and t.frm != [t.to]:
            w(f"{ind}  v_st := st_{t.to};")
        w(f"{ind}end;")
        for _ in t.params:
            ind = ind[:-2]
            w(f"{ind}end;")
        w("")
    w('startstate "init" begin')
    if m.multi_state:
        w(f"  v_st := st_{m.initial};")
    for v in m.variables:
        if v.kind == 'enum':
            init = f"{v.enum.name}_{v.init}"
        elif v.kind == 'bool':
            init = 'true' if v.init else 'false'
        else:
            init = str(v.init)
        if v.keys is None:
            w(f"  v_{v.name} := {init};")
        else:
            w(f"  for k: {v.keys.name}_t do v_{v.name}[k] := {init}; end;")
    w("end;")
    for d, c in m.all_invariants():
        w("")
        w(f'invariant "{d.replace(chr(34), chr(39))}"')
        w(f"  {mu_expr(expand(c))};")
    return '\n'.join(out) + '\n'


# --------------------------------------------------------------------------
# Python (for enumerate.py)

def layout(m):
    """Slot of each variable in the flat state tuple (slot 0 = control state)."""
    slots, i = {}, 1
    for v in m.variables:
        slots[v.name] = i
        i += v.size()
    return slots, i


def py_expr(e, slots, m):
    """e expanded; Params become Python locals of the same name."""
    r = lambda x: py_expr(x, slots, m)
    if isinstance(e, Int):
        return str(e.v)
    if isinstance(e, Bool):
        return 'True' if e.v else 'False'
    if isinstance(e, Lit):
        return str(e.enum.values.index(e.name))
    if isinstance(e, Const):
        return str(e.value)
    if isinstance(e, Param):
        return 'P_' + e.name
    if isinstance(e, Read):
        base = slots[e.var.name]
        if e.key is None:
            return f"s[{base}]"
        return f"s[{base} + key({r(e.key)}, {e.var.keys.n})]"
    if isinstance(e, InState):
        return f"(s[0] == {[s.name for s in m.states].index(e.name)})"
    if isinstance(e, Not_):
        return f"(not {r(e.a)})"
    if isinstance(e, Ite):
        return f"({r(e.a)} if {r(e.c)} else {r(e.b)})"
    if isinstance(e, Bin):
        op = {'&&': 'and', '||': 'or'}.get(e.op, e.op)
        if e.op == '=>':
            return f"((not {r(e.a)}) or {r(e.b)})"
        if e.op == '%':
            return f"tmod({r(e.a)}, {r(e.b)})"
        return f"({r(e.a)} {op} {r(e.b)})"
    raise TypeError(e)
