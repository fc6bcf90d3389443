#!/usr/bin/env python3
"""Seeded fuzz target for pbcheck.

Mutates the spec corpus (byte, YAML, expression and semantic mutations) and
runs the real binary on every mutant, checking what must hold for ANY input
(SPEC.md sections 5.4 and 8):

  * exit code 0-3, never a signal and never 4 or more;
  * no "internal error" in stdout or stderr;
  * the run ends within the command's own --timeout plus 5 s (it is killed
    at --timeout plus 15 s);
  * with --format json, stdout parses as JSON (a document or an array of
    documents) in SPEC 5.2.1's one shape: every document has "schema": 2
    and every top-level field (never a "files" wrapper), and an invalid
    spec's document (exit 2) has "valid": false, "complete": false and no
    properties;
  * exit 2 from validate/verify comes with a diagnostic naming a line
    (FILE:LINE:COL in text, "line" in a JSON diagnostic), unless the failure
    is about the command line.

Usage:
  python3 Tests/fuzz.py BIN [--seed S] [--count N] [--timeout T]
                            [--keep DIR] [--jobs J] [--full]
  python3 Tests/fuzz.py BIN --list [--seed S] [--count N]
  python3 Tests/fuzz.py BIN --only I [--seed S]        # one mutant, all commands
  python3 Tests/fuzz.py BIN --minimize FILE --cmd 'verify {} --timeout 5'
                            [--out OUT] [--kind KIND] [--match REGEX]

The same seed gives the same mutants and the same commands: everything is
drawn from one random.Random(seed), before anything runs.
Stdlib only, plus PyYAML for the tree-level mutations (without it those
mutations fall back to byte mutations).
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

try:
    import yaml
except ImportError:  # pragma: no cover
    yaml = None

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS_GLOBS = [
    ("specs", ".yaml"),
    ("specs/buggy", ".yaml"),
    ("specs/symbolic", ".yaml"),
    ("specs/robustness/semantics", ".yaml"),
    ("bench/models", ".yaml"),
]
MAX_CORPUS_BYTES = 20 * 1024

# --------------------------------------------------------------------------
# corpus


def load_corpus(root):
    files = []
    for sub, ext in CORPUS_GLOBS:
        d = os.path.join(root, sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if not name.endswith(ext) or not os.path.isfile(p):
                continue
            if os.path.getsize(p) > MAX_CORPUS_BYTES:
                continue
            with open(p, "rb") as f:
                files.append((os.path.relpath(p, root), f.read()))
    return files


# --------------------------------------------------------------------------
# YAML with the 1.2 core schema's booleans (`on`, `off`, `yes`, `no` stay
# strings, as in probar and pbcheck)

if yaml is not None:

    class Loader12(yaml.SafeLoader):
        pass

    Loader12.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader12.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )

    class Dumper(yaml.SafeDumper):
        pass


def parse_yaml(data):
    if yaml is None:
        return None
    try:
        text = data.decode("utf-8")
        tree = yaml.load(text, Loader=Loader12)  # noqa: S506 (safe loader)
    except Exception:
        return None
    return tree if isinstance(tree, dict) else None


def dump_yaml(tree, rng):
    style = rng.choice([False, False, False, None])
    return yaml.dump(tree, Dumper=Dumper, default_flow_style=style,
                     sort_keys=False, allow_unicode=True, width=160)


# --------------------------------------------------------------------------
# tree helpers (deterministic: dicts keep insertion order)


def walk_paths(node, path=()):
    """Every (path, value) below node, depth-first, in document order."""
    out = []
    stack = [(path, node)]
    seen = set()
    while stack:
        p, n = stack.pop()
        out.append((p, n))
        if id(n) in seen:
            continue
        if isinstance(n, (dict, list)):
            seen.add(id(n))
        if isinstance(n, dict):
            items = list(n.items())
        elif isinstance(n, list):
            items = list(enumerate(n))
        else:
            items = []
        for k, v in reversed(items):
            stack.append((p + (k,), v))
    return out


def get_at(tree, path):
    n = tree
    for k in path:
        n = n[k]
    return n


def set_at(tree, path, value):
    get_at(tree, path[:-1])[path[-1]] = value


def is_prefix(a, b):
    return len(a) <= len(b) and b[:len(a)] == a


def machine_of(tree):
    m = tree.get("machine")
    if not isinstance(m, dict):
        m = {}
        tree["machine"] = m
    return m


def ensure_dict(parent, key):
    v = parent.get(key)
    if not isinstance(v, dict):
        v = {}
        parent[key] = v
    return v


def ensure_list(parent, key):
    v = parent.get(key)
    if not isinstance(v, list):
        v = []
        parent[key] = v
    return v


def state_names(m):
    st = m.get("states")
    if isinstance(st, dict):
        return [str(k) for k in st.keys()]
    if isinstance(st, list):
        return [str(s.get("id")) for s in st if isinstance(s, dict) and "id" in s]
    return []


def transitions(m):
    t = m.get("transitions")
    return [x for x in t if isinstance(x, dict)] if isinstance(t, list) else []


def variables(m):
    v = m.get("variables")
    return v if isinstance(v, dict) else {}


def sets_of(m):
    s = m.get("sets")
    return s if isinstance(s, dict) else {}


# --------------------------------------------------------------------------
# mutations. Every mutation takes (ctx, rng) and returns a short description
# (or None when it could not apply). ctx holds the tree (tree-level ones) or
# the bytes (text-level ones) and the sentinel replacements.


class Ctx:
    def __init__(self, tree, data):
        self.tree = tree
        self.data = data
        self.sentinels = {}

    def sentinel(self, raw):
        key = "fuzzsentinel%d" % len(self.sentinels)
        self.sentinels[key] = raw
        return key


INTERESTING_BYTES = [b"\x00", b"\t", b"\xff", b"\xc3", b":", b"-", b"{", b"[",
                     b"]", b"}", b"\"", b"'", b"&", b"*", b"!", b"|", b">",
                     b"#", b"\n", b" ", b"%", b"@", b"`", b"?", b",", b"\r",
                     b"\xef\xbb\xbf", b"\xe2\x80\xa8"]
INVALID_UTF8 = [b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xff",
                b"\xc0\xaf", b"\xe2\x82", b"\x80"]


def _lines(data):
    return data.split(b"\n")


def b_flip(c, rng):
    if not c.data:
        return None
    i = rng.randrange(len(c.data))
    d = bytearray(c.data)
    d[i] ^= 1 << rng.randrange(8)
    c.data = bytes(d)
    return "flip byte %d" % i


def b_insert(c, rng):
    i = rng.randrange(len(c.data) + 1)
    ins = b"".join(rng.choice(INTERESTING_BYTES) for _ in range(rng.randint(1, 4)))
    c.data = c.data[:i] + ins + c.data[i:]
    return "insert %r at %d" % (ins, i)


def b_delete(c, rng):
    if not c.data:
        return None
    i = rng.randrange(len(c.data))
    n = rng.choice([1, 1, 2, 5, 20, 100])
    c.data = c.data[:i] + c.data[i + n:]
    return "delete %d bytes at %d" % (n, i)


def b_truncate(c, rng):
    if not c.data:
        return None
    i = rng.randrange(len(c.data))
    c.data = c.data[:i]
    return "truncate at %d" % i


def b_dup_line(c, rng):
    ls = _lines(c.data)
    i = rng.randrange(len(ls))
    ls.insert(i, ls[i])
    c.data = b"\n".join(ls)
    return "duplicate line %d" % (i + 1)


def b_swap_lines(c, rng):
    ls = _lines(c.data)
    if len(ls) < 2:
        return None
    i, j = rng.randrange(len(ls)), rng.randrange(len(ls))
    ls[i], ls[j] = ls[j], ls[i]
    c.data = b"\n".join(ls)
    return "swap lines %d %d" % (i + 1, j + 1)


def b_invalid_utf8(c, rng):
    i = rng.randrange(len(c.data) + 1)
    ins = rng.choice(INVALID_UTF8)
    c.data = c.data[:i] + ins + c.data[i:]
    return "invalid utf-8 %r at %d" % (ins, i)


def b_tab_nul(c, rng):
    ls = _lines(c.data)
    i = rng.randrange(len(ls))
    what = rng.choice([b"\t", b"\x00", b"\t\t", b"  \t"])
    if rng.random() < 0.5:
        ls[i] = what + ls[i]
    else:
        k = rng.randrange(len(ls[i]) + 1)
        ls[i] = ls[i][:k] + what + ls[i][k:]
    c.data = b"\n".join(ls)
    return "insert %r in line %d" % (what, i + 1)


def b_crlf_bom(c, rng):
    k = rng.randrange(3)
    if k == 0:
        c.data = c.data.replace(b"\n", b"\r\n")
        return "CRLF line ends"
    if k == 1:
        c.data = b"\xef\xbb\xbf" + c.data
        return "BOM"
    c.data = c.data.replace(b"\n", b"\r")
    return "CR line ends"


def t_dup_key(c, rng):
    """Duplicate a block mapping key with its block (a duplicate key)."""
    ls = _lines(c.data)
    cand = [i for i, l in enumerate(ls)
            if re.match(rb"^\s*[A-Za-z_\"'][^:#\-]*:(\s|$)", l)]
    flow = [i for i, l in enumerate(ls) if re.search(rb"\{\s*\w+\s*:\s*[^,}]+", l)]
    if flow and (not cand or rng.random() < 0.3):
        i = rng.choice(flow)
        ls[i] = re.sub(rb"\{\s*(\w+)\s*:\s*([^,}]+)", rb"{\1: \2, \1: \2", ls[i], count=1)
        c.data = b"\n".join(ls)
        return "duplicate flow key in line %d" % (i + 1)
    if not cand:
        return None
    i = rng.choice(cand)
    ind = len(ls[i]) - len(ls[i].lstrip())
    j = i + 1
    while j < len(ls) and (not ls[j].strip() or len(ls[j]) - len(ls[j].lstrip()) > ind):
        j += 1
    block = ls[i:j]
    c.data = b"\n".join(ls[:j] + block + ls[j:])
    return "duplicate key in line %d" % (i + 1)


BYTE_MUTATIONS = [b_flip, b_insert, b_delete, b_truncate, b_dup_line,
                  b_swap_lines, b_invalid_utf8, b_tab_nul, b_crlf_bom, t_dup_key]

# ---- YAML tree mutations

ODD_VALUES = [None, [], {}, [1, 2], {"a": 1}, 2 ** 70, -2 ** 63, 2 ** 63,
              9223372036854775807, -1, 0, "", "x", True, 1.5, "*", [None],
              "0..999999", "1.0"]


def y_delete_key(c, rng):
    paths = [p for p, v in walk_paths(c.tree) if p and isinstance(get_at(c.tree, p[:-1]), dict)]
    if not paths:
        return None
    p = rng.choice(paths)
    del get_at(c.tree, p[:-1])[p[-1]]
    return "delete %s" % fmt_path(p)


def y_set_value(c, rng):
    paths = [p for p, v in walk_paths(c.tree) if p]
    if not paths:
        return None
    p = rng.choice(paths)
    v = rng.choice(ODD_VALUES)
    set_at(c.tree, p, json.loads(json.dumps(v)) if isinstance(v, (list, dict)) else v)
    return "set %s = %r" % (fmt_path(p), v)


def y_swap(c, rng):
    paths = [p for p, v in walk_paths(c.tree) if p]
    if len(paths) < 2:
        return None
    for _ in range(10):
        a, b = rng.choice(paths), rng.choice(paths)
        if not is_prefix(a, b) and not is_prefix(b, a):
            va, vb = get_at(c.tree, a), get_at(c.tree, b)
            set_at(c.tree, a, vb)
            set_at(c.tree, b, va)
            return "swap %s <-> %s" % (fmt_path(a), fmt_path(b))
    return None


def y_deep_nest(c, rng):
    paths = [p for p, v in walk_paths(c.tree) if p]
    if not paths:
        return None
    p = rng.choice(paths)
    n = rng.choice([20, 200, 2000, 20000])
    kind = rng.randrange(3)
    if kind == 0:
        raw = "[" * n + "1" + "]" * n
    elif kind == 1:
        raw = "{a: " * n + "1" + "}" * n
    else:
        raw = "[" * n  # unterminated
    set_at(c.tree, p, c.sentinel(raw))
    return "nest %s %d deep (%d)" % (fmt_path(p), n, kind)


def y_alias(c, rng):
    nodes = [(p, v) for p, v in walk_paths(c.tree) if p and isinstance(v, (dict, list))]
    paths = [p for p, v in walk_paths(c.tree) if p]
    if not nodes or not paths:
        return None
    src, v = rng.choice(nodes)
    dst = rng.choice(paths)
    set_at(c.tree, dst, v)  # shared object: the dumper writes an anchor + alias
    return "alias %s -> %s%s" % (fmt_path(dst), fmt_path(src),
                                 " (recursive)" if is_prefix(src, dst) else "")


def y_alias_bomb(c, rng):
    paths = [p for p, v in walk_paths(c.tree) if p]
    if not paths:
        return None
    w = rng.randint(2, 9)
    levels = rng.randint(2, 9)
    parts = ["&b0 [" + ", ".join(["x"] * w) + "]"]
    for k in range(1, levels):
        parts.append("&b%d [" % k + ", ".join(["*b%d" % (k - 1)] * w) + "]")
    raw = "[" + ", ".join(parts) + "]"
    p = rng.choice(paths)
    set_at(c.tree, p, c.sentinel(raw))
    return "alias bomb %d^%d at %s" % (w, levels, fmt_path(p))


def y_version(c, rng):
    v = rng.choice(["2.0", 1.0, 1, None, "1.0.0", "", [1.0], "1.0 ", "1.00", 10])
    c.tree["version"] = v
    return "version = %r" % (v,)


def y_typo_key(c, rng):
    paths = [p for p, v in walk_paths(c.tree)
             if p and isinstance(p[-1], str) and len(p[-1]) > 2
             and isinstance(get_at(c.tree, p[:-1]), dict)]
    if not paths:
        return None
    p = rng.choice(paths)
    k = p[-1]
    i = rng.randrange(len(k) - 1)
    nk = k[:i] + k[i + 1] + k[i] + k[i + 2:]
    parent = get_at(c.tree, p[:-1])
    if nk in parent:
        return None
    items = [(nk if kk == k else kk, vv) for kk, vv in parent.items()]
    parent.clear()
    parent.update(items)
    return "rename %s -> %s" % (fmt_path(p), nk)


YAML_MUTATIONS = [y_delete_key, y_set_value, y_set_value, y_swap, y_deep_nest,
                  y_alias, y_alias_bomb, y_version, y_typo_key]

# ---- expression mutations

OPS = ["<", "<=", ">", ">=", "==", "!=", "&&", "||", "=>", "+", "-", "*", "/",
       "%", "contains", "in", "===", "!=="]
OP_SWAPS = {"<": ["<="], "<=": ["<"], ">": [">="], ">=": [">"],
            "&&": ["||", "=>"], "||": ["&&"], "==": ["contains", "!=", "in"],
            "!=": ["=="], "+": ["/", "%", "*"], "-": ["%", "/"], "*": ["/"]}
OP_RE = re.compile(r"&&|\|\||==|!=|<=|>=|=>|<|>|\+|(?<![:\w])-|\*|/|%|\bcontains\b|\bin\b")
LITERALS = ["0", "-1", "9223372036854775807", "9223372036854775808",
            "-9223372036854775808", "1180591620717411303424", "'s'", "true",
            "(1/0)", "(9223372036854775807 + 1)"]
INT_RE = re.compile(r"(?<![\w.'])\d+(?![\w.'])")
NAME_RE = re.compile(r"(?<![\w.'\"])([A-Za-z_]\w*)(?![\w'\"])")
KEYWORDS = {"true", "false", "state", "in", "contains", "all", "any", "count",
            "sum", "min", "max", "null", "undefined", "abs", "in_state"}


def expr_paths(tree):
    """Paths of expression strings: guards, conditions, asserts, effects,
    definitions."""
    out = []
    for p, v in walk_paths(tree):
        if not isinstance(v, str) or not p:
            continue
        last = p[-1]
        parent = p[-2] if len(p) >= 2 else None
        if last in ("guard", "condition", "assert"):
            out.append(p)
        elif parent == "effects" and isinstance(last, int):
            out.append(p)
        elif parent == "definitions":
            out.append(p)
    return out


def expr_ctx(tree):
    m = tree.get("machine") if isinstance(tree.get("machine"), dict) else {}
    return {"sets": [str(k) for k in sets_of(m)],
            "vars": [str(k) for k in variables(m)],
            "states": state_names(m)}


def mutate_expression(e, rng, ec):
    names = [n for n in NAME_RE.findall(e) if n not in KEYWORDS]
    k = rng.randrange(14)
    if k == 0:
        ms = list(OP_RE.finditer(e))
        if ms:
            mt = rng.choice(ms)
            op = mt.group(0)
            new = rng.choice(OP_SWAPS.get(op, []) + [rng.choice(OPS)])
            if new.isalpha():
                new = " %s " % new
            return e[:mt.start()] + new + e[mt.end():], "op %s -> %s" % (op, new.strip())
        k = 2
    if k == 1:
        ms = list(INT_RE.finditer(e))
        if ms:
            mt = rng.choice(ms)
            lit = rng.choice(LITERALS)
            return e[:mt.start()] + lit + e[mt.end():], "literal %s -> %s" % (mt.group(0), lit)
        k = 2
    if k == 2:
        return rng.choice(["!(%s)", "!%s", "!!(%s)"]) % e, "negate"
    if k == 3:
        s = rng.choice(ec["sets"] + ["nosuchset"]) if ec["sets"] else "nosuchset"
        depth = rng.choice([1, 1, 2, 3, 10, 40])
        out = "(%s)" % e
        for i in range(depth):
            agg = rng.choice(["all", "any", "all", "any", "count", "sum", "min", "max"])
            body = out if agg in ("all", "any") else "(%s) ? 1 : 0" % out
            out = "%s(x%d in %s: %s)" % (agg, i, s, body)
            if agg not in ("all", "any"):
                out = "%s >= 0" % out
        return out, "aggregate x%d over %s" % (depth, s)
    if k == 4:
        args = [rng.choice(names + ["0", "1", "-1", "9223372036854775807"] if names else ["0", "1", "2"])
                for _ in range(rng.randint(1, 4))]
        fn = rng.choice(["min", "max"])
        call = "%s(%s)" % (fn, ", ".join(args))
        ms = list(INT_RE.finditer(e)) + [m for m in NAME_RE.finditer(e) if m.group(1) not in KEYWORDS]
        if ms:
            mt = rng.choice(ms)
            return e[:mt.start()] + call + e[mt.end():], "replace %s with %s" % (mt.group(0), call)
        return "(%s) && %s >= 0" % (e, call), "append %s" % call
    if k == 5:
        add = rng.choice(["u > 0", "u", "reason() == 'x'", "reason() contains 'maint'",
                          "reason() != 'a'", "u(1) > 2", "reason() == 'a' && reason() contains 'b'",
                          "w + 1 > u", "u == 'open'", "!u"])
        return "(%s) %s %s" % (e, rng.choice(["&&", "||", "=>"]), add), "undeclared %s" % add
    if k == 6:
        add = rng.choice(["state contains 'x'", "state == 'nosuchstate'",
                          "in_state('nosuchstate')", "state in nosuchset",
                          "'x' contains state"]
                         + ["state == '%s'" % s for s in ec["states"][:3]]
                         + ["in_state('%s')" % s for s in ec["states"][:2]])
        return "(%s) %s %s" % (e, rng.choice(["&&", "||"]), add), "state %s" % add
    if k == 7:
        i = rng.randrange(len(e) + 1)
        ch = rng.choice(["(", ")", "((", "))", ",", "'", ":"])
        return e[:i] + ch + e[i:], "insert %r at %d" % (ch, i)
    if k == 8:
        v = rng.choice(names) if names else "1"
        add = rng.choice(["%s / 0 == 0", "%s %% 0 == 0", "%s * 9223372036854775807 > 0",
                          "%s + 9223372036854775807 > 0", "-%s - 9223372036854775807 < 0",
                          "%s / (%s - %s) > 0"])
        add = add.replace("%s", v).replace("%%", "%")
        return "(%s) && %s" % (e, add), "arith %s" % add
    if k == 9:
        n = rng.choice([50, 500, 5000])
        kind = rng.randrange(4)
        if kind == 0:
            return "(" * n + e + ")" * n, "parens %d" % n
        if kind == 1:
            return "!" * (2 * n) + "(%s)" % e, "unary ! x%d" % (2 * n)
        if kind == 2:
            return "(%s) && " % e + "-" * n + "1 != 0", "unary - x%d" % n
        return "(%s) && " % e + "true ? " * n + "true" + " : false" * n, "ternary chain %d" % n
    if k == 10:
        return "(%s) ? %s : %s" % (e, rng.choice(["true", "1", "'a'"]), rng.choice(["false", "0", "'b'"])), "ternary"
    if k == 11:
        atom = rng.choice(["display.text.contains('x')", "document.querySelector('#a') !== null",
                           "display.text.len() > 0", "a.b === 'c'", "x.y == undefined"])
        return "(%s) || %s" % (e, atom), "opaque %s" % atom
    if k == 12:
        return rng.choice(["", " ", "x >=", "()", "1 +", "&&", "true true", "f(", "'unterminated",
                           "999999999999999999999999", "a := 1"]), "replace whole"
    # k == 13: a name replaced with another name
    if names:
        pool = ec["vars"] + ec["sets"] + ec["states"] + ["u", "state", "true", "reason()"]
        n = rng.choice(names)
        new = rng.choice(pool)
        return re.sub(r"(?<![\w.'])%s(?![\w'])" % re.escape(n), new, e, count=1), "name %s -> %s" % (n, new)
    return "%s && true" % e, "and true"


def e_mutate(c, rng):
    paths = expr_paths(c.tree)
    if not paths:
        return None
    p = rng.choice(paths)
    e = get_at(c.tree, p)
    ec = expr_ctx(c.tree)
    if ":=" in e and rng.random() < 0.8:
        lhs, rhs = e.split(":=", 1)
        if rng.random() < 0.15:
            new, what = rng.choice(["any", "%s + 1" % lhs.strip(), "999999", "-1"]), "rhs"
        else:
            new, what = mutate_expression(rhs.strip(), rng, ec)
        set_at(c.tree, p, "%s:= %s" % (lhs, new))
    else:
        new, what = mutate_expression(e, rng, ec)
        set_at(c.tree, p, new)
    return "expr %s: %s" % (fmt_path(p), what)


EXPR_MUTATIONS = [e_mutate]

# ---- semantic mutations


def and_guard(t, extra):
    """Conjoins `extra` to transition t's guard (its whole guard when it has none)."""
    g = t.get("guard")
    t["guard"] = ("(%s) && " % g if isinstance(g, str) else "") + extra


def add_effects(t, effects):
    """Appends effects to transition t's list (a list when it had none, or not one)."""
    old = t.get("effects")
    t["effects"] = (old if isinstance(old, list) else []) + effects


def pick(rng, seq):
    return rng.choice(seq) if seq else None


def s_var_range(c, rng):
    m = machine_of(c.tree)
    vs = variables(m)
    if not vs:
        vs = m["variables"] = {}
        vs["fz"] = {"type": "int", "init": 0}
    name = rng.choice(list(vs))
    v = vs[name]
    if not isinstance(v, dict):
        v = vs[name] = {"type": "int"}
    r = rng.choice([[5, 1], [0, 999999], [-9223372036854775808, 9223372036854775807],
                    [-5, -1], [0, 2 ** 70], [0, 9223372036854775807], [3, 3], [0],
                    [-9223372036854775808, -9223372036854775807], "0..3", None])
    v["range"] = r
    if rng.random() < 0.3:
        v["type"] = "int"
    return "variable %s range %r" % (name, r)


def s_init_any(c, rng):
    m = machine_of(c.tree)
    vs = variables(m)
    if not vs:
        return None
    name = rng.choice(list(vs))
    if not isinstance(vs[name], dict):
        return None
    vs[name]["init"] = rng.choice(["any", "any", None, 2 ** 63, "nosuchvalue", [1]])
    return "variable %s init %r" % (name, vs[name]["init"])


def _a_set(m, rng):
    ss = sets_of(m)
    if ss and rng.random() < 0.7:
        return rng.choice(list(ss))
    if not isinstance(m.get("sets"), dict):
        m["sets"] = {}
    name = "fzset%d" % len(m["sets"])
    # a huge set is drawn rarely here: it makes every command slow (finding
    # huge-set-*), which would hide the rest
    m["sets"][name] = rng.choices([["a", "b"], "0..2", [], ["n1"], "0..999999", [1, 2, 3]],
                                  weights=[6, 6, 3, 4, 1, 5])[0]
    return name


def s_add_keys(c, rng):
    m = machine_of(c.tree)
    vs = variables(m)
    if not vs:
        vs = m["variables"] = {"fz": {"type": "bool", "init": rng.choice([False, "any"])}}
    name = rng.choice(list(vs))
    if not isinstance(vs[name], dict):
        return None
    s = _a_set(m, rng)
    vs[name]["keys"] = s
    if rng.random() < 0.3:
        vs[name]["init"] = "any"
    return "variable %s keys %s (%r)" % (name, s, m["sets"].get(s))


def s_set(c, rng):
    m = machine_of(c.tree)
    s = _a_set(m, rng)
    v = rng.choice([[], "0..999999", "5..0", "-3..3", ["a", "a"], [1, "a"],
                    "0..9223372036854775807", "-9223372036854775808..9223372036854775807",
                    "a..b", "0..", [[1]], None, 2 ** 70])
    m["sets"][s] = v
    return "set %s = %r" % (s, v)


def _rand_guard(c, rng):
    base = rng.choice(["true", "false", "u > 0", "reason() contains 'maint'"] +
                      ["%s > 0" % v for v in list(variables(machine_of(c.tree)))[:3]])
    return base


def s_star_transition(c, rng):
    m = machine_of(c.tree)
    sts = state_names(m)
    tr = ensure_list(m, "transitions")
    events = [str(t.get("event")) for t in transitions(m) if "event" in t]
    t = {"id": "fzstar%d" % len(tr), "from": "*",
         "to": rng.choice(sts + ["*", "nosuchstate"]) if sts else "nosuchstate",
         "event": rng.choice(events + ["fzevent"])}
    if rng.random() < 0.5:
        t["guard"] = _rand_guard(c, rng)
    vs = list(variables(m))
    if vs and rng.random() < 0.5:
        x = rng.choice(vs)
        t["effects"] = [rng.choice(["%s := %s" % (x, x), "%s := any" % x, "%s := %s + 1" % (x, x)])]
    tr.append(t)
    return "transition from * -> %s" % t["to"]


def _endpoint(m, rng):
    sts = state_names(m)
    parents = []
    st = m.get("states")
    if isinstance(st, dict):
        parents = sorted({str(v.get("parent")) for v in st.values()
                          if isinstance(v, dict) and v.get("parent") is not None})
    k = rng.randrange(5)
    if k == 0 or not sts:
        return "*"
    if k == 1:
        return rng.sample(sts, min(len(sts), rng.randint(1, 3)))
    if k == 2 and parents:
        return rng.choice(parents)
    if k == 3:
        return rng.choice([[], ["*"], "nosuchstate", ["nosuchstate"], None])
    return rng.choice(sts)


def s_forbidden(c, rng):
    m = machine_of(c.tree)
    fb = ensure_list(m, "forbidden")
    f = {"from": _endpoint(m, rng), "to": _endpoint(m, rng)}
    if rng.random() < 0.5:
        f["reason"] = "fuzz"
    fb.append(f)
    return "forbidden %r -> %r" % (f["from"], f["to"])


def s_parent(c, rng):
    m = machine_of(c.tree)
    st = m.get("states")
    if not isinstance(st, dict) or not st:
        return None
    names = list(st)
    a = rng.choice(names)
    b = rng.choice(names)
    k = rng.randrange(4)
    for n in (a, b):
        if not isinstance(st[n], dict):
            st[n] = {}
    if k == 0:
        st[a]["parent"] = b
        return "parent %s -> %s" % (a, b)
    if k == 1:
        st[a]["parent"] = b
        st[b]["parent"] = a
        return "parent cycle %s <-> %s" % (a, b)
    if k == 2:
        st[a]["parent"] = rng.choice([a, "nosuchstate", None, [b]])
        return "parent %s -> %r" % (a, st[a]["parent"])
    # a new superstate over a few states
    sup = "fzsuper"
    st[sup] = {}
    for n in rng.sample(names, min(len(names), rng.randint(1, 3))):
        st[n]["parent"] = sup
    return "superstate %s" % sup


def s_effects(c, rng):
    m = machine_of(c.tree)
    tr = transitions(m)
    vs = variables(m)
    if not tr or not vs:
        return None
    t = rng.choice(tr)
    x = rng.choice(list(vs))
    spec = vs[x] if isinstance(vs[x], dict) else {}
    keyed = "keys" in spec
    ks = sets_of(m).get(spec.get("keys")) if keyed else None
    key = repr(ks[0]) if isinstance(ks, list) and ks else "'k'"
    loc = "%s(%s)" % (x, key) if keyed else x
    k = rng.randrange(5)
    if k == 0:
        eff = ["%s := 1" % loc, "%s := 2" % loc]
    elif k == 1:
        eff = ["%s := 999999" % loc]
    elif k == 2:
        eff = ["%s := %s + 1" % (loc, loc)]
    elif k == 3:
        eff = ["%s := any" % loc, "%s := %s" % (loc, loc)]
    else:
        eff = ["%s := -9223372036854775807 - 1" % loc, "nosuchvar := 1"]
    add_effects(t, eff)
    return "effects of %s += %r" % (t.get("id"), eff)


def s_observation(c, rng):
    m = machine_of(c.tree)
    obs = ensure_dict(m, "observations")
    name = "fzobs%d" % len(obs)
    obs[name] = rng.choice([{"type": "int", "range": [0, 999999999]},
                            {"type": "int"},
                            {"type": "int", "range": [-9223372036854775808, 9223372036854775807]},
                            {"type": "enum", "values": ["a", "b"]},
                            {"type": "bool", "keys": _a_set(m, rng)}])
    tr = transitions(m)
    vs = list(variables(m))
    if tr:
        t = rng.choice(tr)
        if vs and rng.random() < 0.6:
            x = rng.choice(vs)
            add_effects(t, ["%s := %s" % (x, name)])
        else:
            and_guard(t, "%s > 5" % name)
    return "observation %s %r" % (name, obs[name])


def s_scenario(c, rng):
    m = machine_of(c.tree)
    tr = transitions(m)
    ids = [str(t.get("id")) for t in tr if "id" in t] or ["nosuchtransition"]
    sc = ensure_list(c.tree, "scenarios")
    steps = [{"action": rng.choice(ids), "repeat": rng.choice([2, 1000, 100000])}]
    if rng.random() < 0.5:
        steps.append({"assert": rng.choice(["state == 'x'", "true", "u > 0"])})
    if rng.random() < 0.3:
        steps.append({"action": rng.choice(ids), "observe": {"fzo": 2 ** 70}})
    sc.append({"name": "fz%d" % len(sc), "steps": steps})
    return "scenario %r" % steps


def s_unbounded(c, rng):
    m = machine_of(c.tree)
    vs = m["variables"] = variables(m) or {}
    m["variables"] = vs
    name = "fzgrow"
    vs[name] = {"type": "int", "init": rng.choice([0, "any", 9223372036854775806])}
    tr = transitions(m)
    if tr:
        t = rng.choice(tr)
        add_effects(t, [
            rng.choice(["%s := %s + 1" % (name, name), "%s := %s * 2 + 1" % (name, name),
                        "%s := %s - 9223372036854775807" % (name, name)])])
    return "unbounded %s" % name


def s_params(c, rng):
    m = machine_of(c.tree)
    tr = transitions(m)
    if not tr:
        return None
    t = rng.choice(tr)
    s = _a_set(m, rng)
    t["params"] = {"p": s}
    if rng.random() < 0.5:
        and_guard(t, rng.choice(["p == p", "p in %s" % s, "p != 0"]))
    return "params of %s over %s" % (t.get("id"), s)


def s_initial(c, rng):
    m = machine_of(c.tree)
    sts = state_names(m)
    m["initial"] = rng.choice(sts + ["nosuchstate", None, "*", ["a"]])
    return "initial = %r" % (m["initial"],)


def s_final(c, rng):
    m = machine_of(c.tree)
    st = m.get("states")
    if not isinstance(st, dict) or not st:
        return None
    n = rng.choice(list(st))
    if not isinstance(st[n], dict):
        st[n] = {}
    st[n]["final_state"] = rng.choice([True, False, "yes", None])
    return "final_state %s = %r" % (n, st[n]["final_state"])


def s_definition(c, rng):
    """Definitions: recursive, mutually recursive, wrong arity, shadowing."""
    m = machine_of(c.tree)
    defs = ensure_dict(m, "definitions")
    vs = list(variables(m))
    x = rng.choice(vs) if vs else "1"
    k = rng.randrange(6)
    if k == 0:
        defs["fzd"] = "fzd() + 1"
        use = "fzd() > 0"
    elif k == 1:
        defs["fza"] = "fzb() && true"
        defs["fzb"] = "!fza()"
        use = "fza()"
    elif k == 2:
        defs["fzp(a, b)"] = "a + b > %s" % x
        use = rng.choice(["fzp(1)", "fzp(1, 2, 3)", "fzp", "fzp(1, 2)", "fzp('a', true)"])
    elif k == 3:
        defs["fzq(n)"] = "fzq(n - 1)"
        use = "fzq(3)"
    elif k == 4:
        name = rng.choice(vs + state_names(m) + ["state", "min", "all", "in_state"]) if vs else "state"
        defs[name] = "true"
        use = "%s" % name
    elif rng.random() < 0.5:
        defs["fzdeep"] = " + ".join([x] * rng.choice([10, 1000]))
        use = "fzdeep() >= 0"
    else:
        # each definition uses the previous one twice: 2^n after expansion
        n = rng.choice([5, 20, 40, 64])
        defs["fzb0"] = "%s + 1" % x
        for i in range(1, n):
            defs["fzb%d" % i] = "fzb%d() + fzb%d()" % (i - 1, i - 1)
        use = "fzb%d() > 0" % (n - 1)
    tr = transitions(m)
    if tr and rng.random() < 0.7:
        t = rng.choice(tr)
        and_guard(t, use)
    else:
        ensure_list(m, "invariants").append({"description": "fuzz", "condition": use})
    return "definition %s used as %s" % (list(defs)[-1], use)


def s_constant(c, rng):
    m = machine_of(c.tree)
    cs = ensure_dict(m, "constants")
    vs = list(variables(m))
    name = rng.choice(["fzc", "fzc", "state", "true"] + vs + state_names(m)[:2])
    cs[name] = rng.choice([0, -1, 9223372036854775807, -9223372036854775808, 2 ** 70,
                           "a", True, [1, 2], None, "0..3", 1.5])
    tr = transitions(m)
    if tr and name == "fzc":
        t = rng.choice(tr)
        and_guard(t, rng.choice(
            ["fzc > 0", "fzc + 1 > 0", "fzc == 'a'", "fzc", "fzc / fzc == 1"]))
    return "constant %s = %r" % (name, cs[name])


def s_shadow(c, rng):
    """A transition parameter or aggregate variable named like something else."""
    m = machine_of(c.tree)
    tr = transitions(m)
    if not tr:
        return None
    t = rng.choice(tr)
    s = _a_set(m, rng)
    name = rng.choice(list(variables(m)) + list(sets_of(m)) + state_names(m)[:2] + ["state", "true", "p"])
    t["params"] = {name: s}
    t["guard"] = rng.choice(["%s == %s", "%s in %s" % ("%s", s), "all(%s in %s: true)" % ("%s", s), "%s != 'x'"]).replace("%s", name)
    return "param %s over %s in %s" % (name, s, t.get("id"))


def s_toplevel(c, rng):
    """Top-level states:/transitions:/forbidden: merged into the machine."""
    m = machine_of(c.tree)
    sts = state_names(m)
    k = rng.randrange(3)
    if k == 0:
        name = rng.choice(sts + ["fztop"]) if sts else "fztop"
        c.tree["states"] = rng.choice([{name: {}}, [{"id": name}], {name: None}, [name]])
    elif k == 1:
        tr = transitions(m)
        tid = rng.choice([str(t.get("id")) for t in tr] + ["fztop"]) if tr else "fztop"
        c.tree["transitions"] = [{"id": tid, "from": rng.choice(sts + ["*"]) if sts else "*",
                                  "to": rng.choice(sts) if sts else "x", "event": "fztop"}]
    else:
        c.tree["forbidden"] = [{"from": _endpoint(m, rng), "to": _endpoint(m, rng)}]
    return "top-level %s" % ["states", "transitions", "forbidden"][k]


def s_scripted(c, rng):
    """probar's scripted run and path assertions (checked by `test`)."""
    m = machine_of(c.tree)
    ids = [str(t.get("id")) for t in transitions(m) if "id" in t] or ["nosuch"]
    sts = state_names(m) or ["nosuch"]
    steps = [{"name": "s%d" % i, "transitions": rng.sample(ids, min(len(ids), rng.randint(0, 3)))}
             for i in range(rng.randint(1, 4))]
    if rng.random() < 0.3:
        steps.append({"transitions": rng.choice([None, "x", [None], [[1]], ids * 500])})
    c.tree["playbook"] = {"steps": steps}
    path = {}
    for key in ("expected", "must_visit", "must_not_visit"):
        if rng.random() < 0.5:
            path[key] = rng.choice([[rng.choice(sts) for _ in range(rng.randint(0, 5))], [], "x", None])
    if rng.random() < 0.5:
        path["ends_at"] = rng.choice(sts + [None, ["a"]])
    c.tree["assertions"] = {"path": path}
    return "scripted run %d steps, path %s" % (len(steps), sorted(path))


SEMANTIC_MUTATIONS = [s_definition, s_constant, s_shadow, s_toplevel, s_scripted,
                      s_var_range, s_init_any, s_add_keys, s_set, s_star_transition,
                      s_forbidden, s_parent, s_effects, s_observation, s_scenario,
                      s_unbounded, s_params, s_initial, s_final]

LEVELS = [("byte", BYTE_MUTATIONS), ("yaml", YAML_MUTATIONS),
          ("expr", EXPR_MUTATIONS), ("semantic", SEMANTIC_MUTATIONS)]
# byte mutations nearly always give a load error, so they are drawn less
# often: most mutants should still reach the engines.
LEVEL_WEIGHTS = [3, 4, 6, 7]


def fmt_path(p):
    return ".".join(str(k) for k in p) or "<root>"


# --------------------------------------------------------------------------
# commands


def reproducer_commands(T):
    """The commands of the external fuzzing campaign (../shared/robustness),
    run on every reproducer as is."""
    return [
        ("validate", ["validate", "{F}"]),
        ("verify", ["verify", "{F}", "--timeout", str(T), "--max-states", "200000"]),
        ("verify-json", ["verify", "{F}", "--timeout", str(T), "--max-states", "200000", "--format", "json"]),
        ("walk", ["walk", "{F}", "--runs", "50", "--timeout", str(T)]),
        ("test", ["test", "{F}", "--timeout", str(T)]),
        ("symbolic", ["verify", "{F}", "--engine", "symbolic", "--depth", "5", "--timeout", str(T)]),
    ]


def commands(T):
    return [
        ("validate", ["validate", "{F}"]),
        ("verify", ["verify", "{F}", "--timeout", str(T), "--max-states", "20000"]),
        ("verify-json", ["verify", "{F}", "--timeout", str(T), "--max-states", "20000", "--format", "json"]),
        ("walk", ["walk", "{F}", "--runs", "20", "--timeout", str(T)]),
        ("test", ["test", "{F}", "--timeout", str(T)]),
        ("symbolic", ["verify", "{F}", "--engine", "symbolic", "--depth", "3", "--timeout", str(T)]),
    ]


# --------------------------------------------------------------------------
# generation


class Mutant:
    def __init__(self, index, source, data, log, cmd_indices):
        self.index = index
        self.source = source
        self.data = data
        self.log = log
        self.cmd_indices = cmd_indices

    @property
    def name(self):
        stem = os.path.splitext(os.path.basename(self.source))[0]
        return "m%04d-%s.yaml" % (self.index, stem)


def make_mutant(index, corpus, rng, ncmds, full):
    source, data = rng.choice(corpus)
    nmut = rng.choice([1, 1, 1, 2, 2, 3])
    chosen = []
    for _ in range(nmut):
        level, muts = rng.choices(LEVELS, weights=LEVEL_WEIGHTS)[0]
        chosen.append((level, rng.choice(muts)))
    tree_ops = [(l, f) for l, f in chosen if l != "byte"]
    text_ops = [(l, f) for l, f in chosen if l == "byte"]
    log = []
    sub = random.Random(rng.getrandbits(64))  # mutations draw from this
    tree = parse_yaml(data) if tree_ops else None
    if tree_ops and tree is None:
        # not parseable: tree mutations become byte mutations
        text_ops = [("byte", BYTE_MUTATIONS[i % len(BYTE_MUTATIONS)]) for i, _ in enumerate(tree_ops)] + text_ops
        tree_ops = []
    c = Ctx(tree, data)
    if tree_ops:
        for level, f in tree_ops:
            try:
                d = f(c, sub)
            except Exception as e:  # a mutation that did not fit the tree
                d = None
                log.append("%s/%s: skipped (%s)" % (level, f.__name__, type(e).__name__))
            if d:
                log.append("%s: %s" % (level, d))
        try:
            text = dump_yaml(c.tree, sub)
        except Exception as e:
            text = data.decode("utf-8", "replace")
            log.append("dump failed (%s); original kept" % type(e).__name__)
        # longest keys first so fuzzsentinel1 does not eat fuzzsentinel10
        for key in sorted(c.sentinels, key=lambda k: (-len(k), k)):
            text = text.replace(key, c.sentinels[key])
        c.data = text.encode("utf-8")
    for level, f in text_ops:
        d = f(c, sub)
        if d:
            log.append("%s: %s" % (level, d))
    # drawn in both modes, so --full runs the same mutants as quick mode
    cmd_indices = sorted(rng.sample(range(ncmds), rng.choice([2, 2, 3])))
    if full:
        cmd_indices = list(range(ncmds))
    return Mutant(index, source, c.data, log, cmd_indices)


def generate(corpus, seed, count, full):
    rng = random.Random(seed)
    ncmds = len(commands(5))
    return [make_mutant(i, corpus, rng, ncmds, full) for i in range(count)]


# --------------------------------------------------------------------------
# running and checking

SCHEMA = 2
# The top-level fields of every document (SPEC 5.2.1); validate's has only
# the first six.
LOAD_FIELDS = {"schema", "tool", "spec", "valid", "diagnostics", "observations"}
CHECK_FIELDS = {"engine", "engine_note", "complete", "stop_reason", "stats", "properties", "coverage",
                "stalls", "walk", "obligations", "symbolic"}
SNIPPET_RE = re.compile(r"^\s*\d*\s\|")
_children = set()
_children_lock = threading.Lock()


def run_binary(binary, args, hard_limit):
    """Runs the binary; returns (exit code or -signal, stdout, stderr, wall
    seconds, CPU seconds, killed at hard_limit)."""
    start = time.monotonic()
    p = subprocess.Popen([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    with _children_lock:
        _children.add(p.pid)
    bufs = {}

    def drain(name, stream):
        bufs[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, st)) for n, st in (("out", p.stdout), ("err", p.stderr))]
    for t in readers:
        t.start()
    killed = []

    def kill():
        killed.append(True)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(hard_limit, kill)
    timer.start()
    try:
        # wait4 gives this child's own CPU time (other jobs run in parallel).
        _, status, usage = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
        with _children_lock:
            _children.discard(p.pid)
    p.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join()
    took = time.monotonic() - start
    cpu = usage.ru_utime + usage.ru_stime
    return (p.returncode, bufs.get("out", b"").decode("utf-8", "replace"),
            bufs.get("err", b"").decode("utf-8", "replace"), took, cpu, bool(killed))


def _json_documents(text):
    doc = json.loads(text)
    return doc if isinstance(doc, list) else [doc]


def _has_located_diagnostic(obj):
    if isinstance(obj, dict):
        ds = obj.get("diagnostics")
        if isinstance(ds, list):
            for d in ds:
                if isinstance(d, dict) and d.get("severity") == "error" and isinstance(d.get("line"), int):
                    return True
            for d in ds:
                if isinstance(d, dict) and isinstance(d.get("line"), int):
                    return True
        return any(_has_located_diagnostic(v) for v in obj.values())
    if isinstance(obj, list):
        return any(_has_located_diagnostic(v) for v in obj)
    return False


def _shape_errors(d, command, rc):
    """What breaks SPEC 5.2.1's one shape in document d of `command`, which
    exited rc."""
    want = LOAD_FIELDS | (set() if command == "validate" else CHECK_FIELDS)
    if set(d) != want:
        return ["fields %s missing, %s extra" % (sorted(want - set(d)), sorted(set(d) - want))]
    if not isinstance(d["spec"], dict) or not isinstance(d["diagnostics"], list) or not isinstance(d["valid"], bool):
        return ["no spec, diagnostics or valid"]
    errors = []
    if command != "validate" and d["valid"] is False:
        if d["complete"] is not False or d["properties"] != [] or d["engine"] is not None:
            errors.append("an invalid spec with complete, properties or an engine")
        if any(v is not None for v in d["stats"].values()):
            errors.append("an invalid spec with counts (must be null)")
    if d["valid"] is False and not any(x.get("severity") == "error" for x in d["diagnostics"]):
        errors.append("valid false without an error diagnostic")
    # One spec per command here: exit 2 is an invalid spec, and only then.
    if rc == 2 and d["valid"] is not False:
        errors.append("exit 2 but \"valid\": %s" % json.dumps(d["valid"]))
    if rc in (0, 1, 3) and d["valid"] is not True:
        errors.append("exit %d but \"valid\": %s" % (rc, json.dumps(d["valid"])))
    return errors


def is_cmdline_error(out, err):
    text = err + out
    return bool(re.search(r"^Usage: pbcheck|^Error: (Unknown option|Missing expected|The value)",
                          text, re.M))


def check(binary, label, args, path, T, hard_limit=None):
    """Run one command; return (failures, rc, output, took). failures is a
    list of (kind, why)."""
    hard = hard_limit if hard_limit is not None else 3 * T + 30
    rc, out, err, took, cpu, killed = run_binary(binary, args, hard)
    fails = []
    if killed:
        fails.append(("timeout", "killed after %.0f s (--timeout %s)" % (took, T)))
    elif rc < 0:
        try:
            sname = signal.Signals(-rc).name
        except ValueError:
            sname = "signal %d" % -rc
        fails.append(("signal", "killed by %s (exit %d)" % (sname, 128 - rc)))
    elif rc >= 128:
        fails.append(("signal", "exit %d (signal %d)" % (rc, rc - 128)))
    elif rc > 3:
        fails.append(("exit", "exit %d" % rc))
    # Over its --timeout: late by the clock and busy past it too. A loaded
    # machine stretches the wall time of a run that stops on time, never its
    # CPU time; a run that ignores its deadline grows both.
    if not killed and took > T + 5 and cpu > T + 5:
        fails.append(("timeout", "took %.1f s (%.1f s of CPU) with --timeout %s" % (took, cpu, T)))
    # source lines quoted under a diagnostic (" 12 | text") are the input's
    # own text, not pbcheck's words
    said = [l for l in (out + "\n" + err).splitlines()
            if re.search("internal error", l, re.I) and not SNIPPET_RE.match(l)]
    if said:
        fails.append(("internal-error", "internal error: %s" % said[0].strip()[:160]))
    is_json = "--format" in args and args[args.index("--format") + 1] == "json"
    docs = None
    if is_json and not killed:
        try:
            docs = _json_documents(out)
            bad = [i for i, d in enumerate(docs) if not isinstance(d, dict) or d.get("schema") != SCHEMA]
            if not docs:
                fails.append(("json", "empty JSON array"))
            elif bad:
                fails.append(("json", "document(s) %s without \"schema\": %d" % (bad, SCHEMA)))
            else:
                fails += [("json-shape", "document %d: %s" % (i, why))
                          for i, d in enumerate(docs) for why in _shape_errors(d, args[0], rc)]
        except ValueError as e:
            fails.append(("json", "stdout is not JSON (%s)" % str(e)[:80]))
    if rc == 2 and args[0] in ("validate", "verify") and not is_cmdline_error(out, err):
        located = False
        base = re.escape(os.path.basename(path))
        if re.search(r"%s:\d+:\d+" % base, out + err):
            located = True
        elif docs is not None and _has_located_diagnostic(docs):
            located = True
        if not located:
            fails.append(("no-location", "exit 2 without a diagnostic naming a line"))
    return fails, rc, out + ("\n--- stderr ---\n" + err if err else ""), took


def shell_command(binary, args):
    return " ".join([os.path.basename(binary)] + [a if re.match(r"^[\w./:=,+-]+$", a) else "'%s'" % a for a in args])


# --------------------------------------------------------------------------
# minimization (line-based delta debugging, then indented blocks, then lines
# one by one)


def fails_like(binary, args_t, data, workdir, T, kind, match, hard):
    path = os.path.join(workdir, "candidate.yaml")
    with open(path, "wb") as f:
        f.write(data)
    args = [a.replace("{}", path) for a in args_t]
    fails, rc, out, took = check(binary, "min", args, path, T, hard)
    if not any(k == kind for k, _ in fails):
        return False
    if match and not re.search(match, out):
        return False
    return True


def ddmin_lines(lines, test):
    n = 2
    while len(lines) >= 2:
        chunk = max(1, len(lines) // n)
        reduced = False
        for i in range(0, len(lines), chunk):
            cand = lines[:i] + lines[i + chunk:]
            if cand and test(cand):
                lines = cand
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(len(lines), n * 2)
    return lines


def minimize(binary, file, cmd, T, kind, match, out_path):
    with open(file, "rb") as f:
        data = f.read()
    args_t = cmd.split()
    if "{}" not in args_t:
        args_t.append("{}")
    workdir = tempfile.mkdtemp(prefix="pbcheck-fuzz-min-")
    path0 = os.path.join(workdir, "orig.yaml")
    shutil.copy(file, path0)
    fails, rc, out, took = check(binary, "min", [a.replace("{}", path0) for a in args_t], path0, T)
    if not fails:
        print("minimize: %s does not fail with %s" % (file, cmd))
        return 1
    kind = kind or fails[0][0]
    print("minimize: keeping failure kind %r: %s" % (kind, [w for k, w in fails if k == kind][0]))
    hard = T + 7 if kind == "timeout" else None
    tests = [0]

    def test(lines):
        tests[0] += 1
        return fails_like(binary, args_t, b"\n".join(lines) + b"\n", workdir, T, kind, match, hard)

    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    before = len(lines)
    lines = ddmin_lines(lines, test)
    # blocks: a line and every more-indented line after it
    changed = True
    while changed:
        changed = False
        i = 0
        while i < len(lines):
            ind = len(lines[i]) - len(lines[i].lstrip())
            j = i + 1
            while j < len(lines) and len(lines[j]) - len(lines[j].lstrip()) > ind:
                j += 1
            cand = lines[:i] + lines[j:]
            if cand and test(cand):
                lines = cand
                changed = True
                continue
            i += 1
    result = b"\n".join(lines) + b"\n"
    if out_path:
        with open(out_path, "wb") as f:
            f.write(result)
        print("minimize: %d -> %d lines in %d runs, written to %s" % (before, len(lines), tests[0], out_path))
    else:
        sys.stdout.write(result.decode("utf-8", "replace"))
        print("minimize: %d -> %d lines in %d runs" % (before, len(lines), tests[0]), file=sys.stderr)
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


# --------------------------------------------------------------------------
# main


def main(argv=None):
    ap = argparse.ArgumentParser(description="Seeded fuzz target for pbcheck.")
    ap.add_argument("binary")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=150)
    ap.add_argument("--timeout", type=int, default=5, help="--timeout given to pbcheck (seconds)")
    ap.add_argument("--keep", default="/tmp/pbcheck-fuzz-failures",
                    help="where failing mutants are copied")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--full", action="store_true", help="every command on every mutant")
    ap.add_argument("--root", default=ROOT, help="repository root (corpus)")
    ap.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    ap.add_argument("--only", type=int, help="run only mutant I (with every command)")
    ap.add_argument("--write", help="write the mutants into this directory, run nothing")
    ap.add_argument("--minimize", metavar="FILE", help="minimize a failing input")
    ap.add_argument("--cmd", help="with --minimize: the command, {} is the file")
    ap.add_argument("--kind", help="with --minimize: failure kind to keep "
                    "(signal, exit, timeout, internal-error, json, json-shape, no-location)")
    ap.add_argument("--match", help="with --minimize: a regex the output must match")
    ap.add_argument("--out", help="with --minimize: where to write the result")
    ap.add_argument("--progress", action="store_true", help="print a line per mutant")
    ap.add_argument("--reproducers", nargs="+", metavar="DIR",
                    help="run the campaign's commands on every .yaml in DIR as is (no mutation)")
    a = ap.parse_args(argv)

    binary = os.path.abspath(a.binary) if os.sep in a.binary else a.binary
    if a.minimize:
        if not a.cmd:
            ap.error("--minimize needs --cmd")
        return minimize(binary, a.minimize, a.cmd, a.timeout, a.kind, a.match, a.out)

    if a.reproducers:
        return run_reproducers(binary, a.reproducers, a.timeout if a.timeout != 5 else 10, a.jobs)

    corpus = load_corpus(a.root)
    if not corpus:
        print("fuzz: no corpus under %s" % a.root, file=sys.stderr)
        return 2
    count = a.count if a.only is None else max(a.count, a.only + 1)
    mutants = generate(corpus, a.seed, count, a.full)
    if a.only is not None:
        mutants = [mutants[a.only]]
        mutants[0].cmd_indices = list(range(len(commands(a.timeout))))
    if a.list:
        for m in mutants:
            print("%s  cmds=%s  %s" % (m.name, m.cmd_indices, "; ".join(m.log) or "unchanged"))
        return 0
    if a.write:
        os.makedirs(a.write, exist_ok=True)
        for m in mutants:
            with open(os.path.join(a.write, m.name), "wb") as f:
                f.write(m.data)
        return 0

    cmds = commands(a.timeout)
    workdir = tempfile.mkdtemp(prefix="pbcheck-fuzz-")
    jobs = []
    for m in mutants:
        path = os.path.join(workdir, m.name)
        with open(path, "wb") as f:
            f.write(m.data)
        for ci in m.cmd_indices:
            label, tmpl = cmds[ci]
            jobs.append((m, label, [x.replace("{F}", path) for x in tmpl], path))

    started = time.monotonic()
    results = [None] * len(jobs)

    def work(i):
        m, label, args, path = jobs[i]
        fails, rc, out, took = check(binary, label, args, path, a.timeout)
        results[i] = (fails, rc, out, took)
        if a.progress:
            print("%s %-11s exit %s %.1fs%s" % (m.name, label, rc, took,
                                                " FAIL" if fails else ""), flush=True)

    try:
        with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            list(ex.map(work, range(len(jobs))))
    except KeyboardInterrupt:
        with _children_lock:
            for pid in list(_children):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        raise

    failed = []
    for (m, label, args, path), res in zip(jobs, results):
        fails, rc, out, took = res
        if fails:
            failed.append((m, label, args, path, fails, rc, out, took))
    if failed:
        os.makedirs(a.keep, exist_ok=True)
    for m, label, args, path, fails, rc, out, took in failed:
        base = "seed%d-%s" % (a.seed, m.name[:-5])
        kept = os.path.join(a.keep, base + ".yaml")
        shutil.copy(path, kept)
        cmd = shell_command(binary, [x.replace(path, kept) for x in args])
        with open(os.path.join(a.keep, "%s.%s.txt" % (base, label)), "w") as f:
            f.write("source: %s\nmutations: %s\ncommand: %s\nexit: %s\ntook: %.1f s\nwhy: %s\n\n%s"
                    % (m.source, "; ".join(m.log), cmd, rc, took,
                       "; ".join(w for _, w in fails), out[:50000]))
        print("FAIL %s (from %s)\n  command: %s\n  why: %s\n  output: %s"
              % (kept, m.source, cmd, "; ".join(w for _, w in fails),
                 out[:300].replace("\n", "\n          ")))
    elapsed = time.monotonic() - started
    shutil.rmtree(workdir, ignore_errors=True)
    print("fuzz: %.0f s wall, %d jobs" % (elapsed, a.jobs))
    print("fuzz: %d inputs, %d runs, %d failed (seed %d)"
          % (len(mutants), len(jobs), len(failed), a.seed))
    return 1 if failed else 0


def run_reproducers(binary, dirs, T, jobs):
    """Every reproducer through every command of the campaign; the same
    checks as for mutants."""
    files = sorted(os.path.join(d, f) for d in dirs for f in os.listdir(d) if f.endswith(".yaml"))
    runs = [(f, label, [x.replace("{F}", f) for x in tmpl]) for f in files for label, tmpl in reproducer_commands(T)]
    results = [None] * len(runs)

    def work(i):
        f, label, args = runs[i]
        results[i] = check(binary, label, args, f, T)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        list(ex.map(work, range(len(runs))))
    failed = 0
    for (f, label, args), (fails, rc, out, took) in zip(runs, results):
        if fails:
            failed += 1
            print("FAIL %s\n  why: %s\n  output: %s" % (shell_command(binary, args), "; ".join(w for _, w in fails),
                                                       out[:600].replace("\n", "\n          ")))
    print("robustness: %d reproducers, %d runs, %d failed" % (len(files), len(runs), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
