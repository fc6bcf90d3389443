#!/usr/bin/env python3
"""Writes a playbook with N states for load-time measurement.

Each state has two invariants (one over a variable, one over an undeclared
observation); each state has two outgoing transitions with guards and
effects, so loading exercises YAML, expression parsing, inference and lint.
Usage: gen-large-playbook.py N > out.yaml
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
out = []
w = out.append
w('version: "1.0"')
w(f'name: "generated {n}-state playbook"')
w('machine:')
w('  id: "generated"')
w('  initial: "s0"')
w('  sets: { nodes: ["n1", "n2", "n3"] }')
w('  variables:')
w('    counter: { type: int, range: [0, 100], init: 0 }')
w('    mode: { type: enum, values: [idle, busy, done], init: idle }')
w('    health: { type: int, range: [0, 9], keys: nodes, init: 0 }')
w('  definitions:')
w('    "busy_nodes": "count(k in nodes: health(k) > 5)"')
w('  states:')
for i in range(n):
    w(f'    s{i}:')
    w(f'      id: "s{i}"')
    w('      invariants:')
    w(f'        - description: "counter bounded in s{i}"')
    w(f'          condition: "counter <= 100 && (mode != \'done\' || counter >= 0)"')
    w(f'        - description: "load observed in s{i}"')
    w(f'          condition: "load_{i % 50}() >= 0 || busy_nodes() < 3"')
w('  transitions:')
for i in range(n):
    j, k = (i + 1) % n, (i * 7 + 3) % n
    w(f'    - id: "step_{i}"')
    w(f'      from: "s{i}"')
    w(f'      to: "s{j}"')
    w(f'      event: "next"')
    w(f'      guard: "counter < 100 && mode != \'done\'"')
    w(f'      effects: ["counter := counter + 1"]')
    w(f'    - id: "jump_{i}"')
    w(f'      from: "s{i}"')
    w(f'      to: "s{k}"')
    w(f'      event: "jump"')
    w(f'      params: {{ node: nodes }}')
    w(f'      guard: "health(node) < 9 && load_{i % 50}() > {i % 10}"')
    w(f'      effects: ["health(node) := health(node) + 1", "mode := \'busy\'"]')
print("\n".join(out))
