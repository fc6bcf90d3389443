"""Hypothesis versions of the random-walk benchmark models (bench/walk.py).

Each model is a RuleBasedStateMachine with the semantics of its playbook:
a rule is one transition, its @precondition the transition's guard (or, for
a parameterised guard, "some binding is enabled"), its body the effects, and
an @invariant the property pbcheck checks at every step.

    queue_bug()        bench/models/queue-bug.yaml: push/pop/toggle/spin;
                       the invariant fails only when len == 8 && flag && c == 2
                       (shortest failing program: exactly 11 steps)
    counters(n)        bench/models.py `counters`: rule inc(i), i drawn from
                       st.integers(0, n - 1), c(i) := (c(i) + 1) % 10; the
                       range invariant never fails
    philosophers(n)    bench/models.py `philosophers`: take_left(p),
                       take_right(p), release(p); the invariant "some rule is
                       enabled" fails exactly at pbcheck's `deadlock`

Philosophers' guards depend on the parameter p, and a Hypothesis
precondition sees only the machine, not the drawn arguments (an assume()
in the rule would throw away the whole test case). So each rule's
precondition is "the guard holds for some p", and the rule draws p among
the enabled bindings (st.data(), an index into the sorted list of enabled
p, which shrinks towards the smallest p). The steps that can fire are then
exactly the playbook's.

Every machine counts its rule calls in `STATS` (for steps/s) and records
when an invariant first fails (time.monotonic(), the number of steps run so
far and the test case it happened in, before any shrinking) and how many
steps the final, shrunk program had (the replay Hypothesis prints,
`is_final`; walk.py cross-checks it with the `state.rule()` lines of the
falsifying example). With --stop-on-failure the first failure raises
StopRun, which ends the run without shrinking.

    python3 bench/hypothesis_models.py [check]
        self-check: explores the plain-Python semantics (`*_successors`,
        which the queue and philosophers machines share or mirror)
        breadth-first: queue-bug has 72 states, one bad state and a
        shortest counterexample of 11 steps; counters n has 10^n states;
        philosophers n has models.philosophers_count(n) states and one
        deadlock, n steps deep.
    python3 bench/hypothesis_models.py run MODEL [--n N] --seed S
            --max-examples M --steps K [--stop-on-failure]
        one seeded run_state_machine_as_test, as walk.py runs it; prints
        one JSON object (outcome, wall, steps, examples, first_failure,
        first_failure_steps, first_failure_example, final_steps,
        printed_steps, hypothesis).

Hypothesis's choices for a given seed also depend on the integer constants
it collects from the local (non-library) modules loaded in the process, so
walk.py runs each seed in a fresh interpreter that loads this module only.
"""
import argparse
import json
import re
import time

import hypothesis
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.stateful import (RuleBasedStateMachine, invariant,
                                 precondition, rule, run_state_machine_as_test)


class StopRun(BaseException):
    """Raised at the first failure when Stats.stop_on_failure is set: not an
    Exception, so Hypothesis does not take it for a test failure (no
    shrinking) and it ends the whole run."""


class Stats:
    """Per-run counters, reset by walk.py before each Hypothesis run."""

    def __init__(self):
        self.reset()

    def reset(self, stop_on_failure=False):
        self.stop_on_failure = stop_on_failure
        self.calls = 0                 # rule calls, all executions (steps)
        self.examples = 0              # machines created (test cases run)
        self.first_failure = None      # time.monotonic() of the first failure
        self.first_failure_steps = None   # its steps (length before shrinking)
        self.first_failure_example = None  # in which test case (1 = the first)
        self.final_steps = None        # steps of the shrunk program's replay

    def failed(self, steps):
        if self.first_failure is None:
            self.first_failure = time.monotonic()
            self.first_failure_steps = steps
            self.first_failure_example = self.examples
            if self.stop_on_failure:
                raise StopRun()
        try:
            if current_build_context().is_final:
                self.final_steps = steps
        except Exception:              # outside a build context: ignore
            pass


STATS = Stats()


class _Counted(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.steps = 0
        STATS.examples += 1

    def _step(self):
        self.steps += 1
        STATS.calls += 1

    def _fail(self, message):
        STATS.failed(self.steps)
        raise AssertionError(message)


# ---------------------------------------------------------------- queue-bug

QUEUE_CAP = 8
QUEUE_RULES = ('push', 'pop', 'toggle', 'spin')


def queue_bad(s):
    length, flag, c = s
    return length == QUEUE_CAP and flag and c == 2


def queue_successors(s):
    """(rule, successor) for every enabled step of queue-bug.yaml."""
    length, flag, c = s
    out = []
    if length < QUEUE_CAP:
        out.append(('push', (length + 1, flag, c)))
    if length > 0:
        out.append(('pop', (length - 1, flag, c)))
    out.append(('toggle', (length, not flag, c)))
    out.append(('spin', (length, flag, (c + 1) % 4)))
    return out


QUEUE_INIT = (0, False, 0)


def queue_bug():
    class QueueBug(_Counted):
        """bench/models/queue-bug.yaml"""

        def __init__(self):
            super().__init__()
            self.len, self.flag, self.c = QUEUE_INIT

        @precondition(lambda self: self.len < QUEUE_CAP)
        @rule()
        def push(self):
            self._step()
            self.len += 1

        @precondition(lambda self: self.len > 0)
        @rule()
        def pop(self):
            self._step()
            self.len -= 1

        @rule()
        def toggle(self):
            self._step()
            self.flag = not self.flag

        @rule()
        def spin(self):
            self._step()
            self.c = (self.c + 1) % 4

        @invariant()
        def never_full_flagged_at_2(self):
            if queue_bad((self.len, self.flag, self.c)):
                self._fail('len == 8 && flag && c == 2')

    return QueueBug


# ----------------------------------------------------------------- counters

def counters_successors(s):
    return [(('inc', i), s[:i] + ((s[i] + 1) % 10,) + s[i + 1:]) for i in range(len(s))]


def counters(n):
    class Counters(_Counted):
        """bench/models.py counters(n): never fails."""

        def __init__(self):
            super().__init__()
            self.c = [0] * n

        @rule(i=st.integers(0, n - 1))
        def inc(self, i):
            self._step()
            self.c[i] = (self.c[i] + 1) % 10

        @invariant()
        def in_range(self):          # pbcheck checks range:c at every step
            if not all(0 <= x <= 9 for x in self.c):
                self._fail('c out of range')

    Counters.__name__ = Counters.__qualname__ = f'Counters{n}'
    return Counters


# ------------------------------------------------------------- philosophers

THINKING, HAS_LEFT, EATING = 'thinking', 'has_left', 'eating'
PHIL_RULES = ('take_left', 'take_right', 'release')


def phil_enabled(name, stage, fork, p):
    n = len(stage)
    if name == 'take_left':
        return stage[p] == THINKING and not fork[p]
    if name == 'take_right':
        return stage[p] == HAS_LEFT and not fork[(p + 1) % n]
    return stage[p] == EATING


def phil_apply(name, stage, fork, p):
    """The effects of bench/models.py, in place on the lists stage, fork."""
    n = len(stage)
    if name == 'take_left':
        stage[p], fork[p] = HAS_LEFT, True
    elif name == 'take_right':
        stage[p], fork[(p + 1) % n] = EATING, True
    else:
        stage[p], fork[p], fork[(p + 1) % n] = THINKING, False, False


def phil_successors(s):
    stage, fork = s
    out = []
    for name in PHIL_RULES:
        for p in range(len(stage)):
            if phil_enabled(name, stage, fork, p):
                st2, fk2 = list(stage), list(fork)
                phil_apply(name, st2, fk2, p)
                out.append(((name, p), (tuple(st2), tuple(fk2))))
    return out


def philosophers(n):
    assert n >= 2

    def make_rule(name):
        def some_enabled(self):
            return any(phil_enabled(name, self.stage, self.fork, p) for p in range(n))

        @precondition(some_enabled)
        @rule(data=st.data())
        def step(self, data):
            ps = [p for p in range(n) if phil_enabled(name, self.stage, self.fork, p)]
            p = ps[data.draw(st.integers(0, len(ps) - 1), label='p index')]
            self._step()
            phil_apply(name, self.stage, self.fork, p)

        step.__name__ = step.__qualname__ = name
        return step

    class Philosophers(_Counted):
        """bench/models.py philosophers(n): deadlocks when all hold the left fork."""

        def __init__(self):
            super().__init__()
            self.stage = [THINKING] * n
            self.fork = [False] * n

        take_left = make_rule('take_left')
        take_right = make_rule('take_right')
        release = make_rule('release')

        @invariant()
        def some_rule_enabled(self):     # pbcheck's `deadlock`
            if not any(phil_enabled(r, self.stage, self.fork, p)
                       for r in PHIL_RULES for p in range(n)):
                self._fail('deadlock: no rule is enabled')

    Philosophers.__name__ = Philosophers.__qualname__ = f'Philosophers{n}'
    return Philosophers


# --------------------------------------------------------------- self-check

def bfs(init, successors, bad):
    """Number of states, of bad states, and the length of a shortest path
    to a bad state."""
    seen, frontier, depth, shortest, nbad = {init}, [init], 0, None, 0
    while frontier:
        for s in frontier:
            if bad(s):
                nbad += 1
                if shortest is None:
                    shortest = depth
        nxt = []
        for s in frontier:
            for _, t in successors(s):
                if t not in seen:
                    seen.add(t)
                    nxt.append(t)
        frontier, depth = nxt, depth + 1
    return len(seen), nbad, shortest


def _selfcheck():
    import os
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from models import counters_count, philosophers_count

    ok = True

    def check(what, got, want):
        nonlocal ok
        flag = 'ok' if got == want else 'MISMATCH'
        ok &= got == want
        print(f'{what}: {got} (expected {want}) {flag}')

    check('queue-bug states, bad states, shortest',
          bfs(QUEUE_INIT, queue_successors, queue_bad), (72, 1, 11))
    for n in (1, 2, 3):
        check(f'counters {n} states', bfs((0,) * n, counters_successors, lambda s: False)[0],
              counters_count(n))
    for n in (2, 3, 4, 5, 6):
        init = ((THINKING,) * n, (False,) * n)
        check(f'philosophers {n} states, deadlocks, shortest',
              bfs(init, phil_successors, lambda s: not phil_successors(s)),
              (philosophers_count(n), 1, n))
    return 0 if ok else 1


# ------------------------------------------------------------ one seeded run

def hyp_settings(max_examples, steps):
    # Phase.explain is left out: it only annotates the report (which lines
    # ran only in failing examples) by tracing line coverage while
    # shrinking, which takes 2-3x the time and gives the same program.
    # (Older Hypothesis releases have no explain phase.)
    return settings(max_examples=max_examples, stateful_step_count=steps,
                    database=None, deadline=None,
                    suppress_health_check=list(HealthCheck),
                    phases=[p for p in Phase if p.name != 'explain'])


def count_program_steps(err, rules):
    """Rule calls in the falsifying program that Hypothesis attaches to the
    exception as notes (`state.push()` lines; `state.INVARIANT()` checks and
    `state.teardown()` are not steps). None when there is no such report."""
    text = '\n'.join(getattr(err, '__notes__', None) or [])
    if 'state = ' not in text:
        return None
    return sum(1 for line in text.splitlines()
               if (m := re.match(r'\s*state\.(\w+)\(', line)) and m.group(1) in rules)


MACHINES = {'queue-bug': (lambda n: queue_bug(), QUEUE_RULES),
            'counters': (counters, ('inc',)),
            'philosophers': (philosophers, PHIL_RULES)}


def run_one(model, n, seed_value, max_examples, steps, stop_on_failure=False):
    """run_state_machine_as_test of one machine with @seed(seed_value)."""
    make, rules = MACHINES[model]
    machine = make(n)

    def factory():
        return machine()
    factory = seed(seed_value)(factory)
    STATS.reset(stop_on_failure=stop_on_failure)
    outcome, err = 'passed', None
    t0 = time.monotonic()
    try:
        run_state_machine_as_test(factory, settings=hyp_settings(max_examples, steps))
    except StopRun:
        outcome = 'stopped'
    except AssertionError as e:
        outcome, err = 'failed', e
    except Exception as e:               # anything else is a problem of the harness
        outcome, err = 'error', e
    wall = time.monotonic() - t0
    res = {'outcome': outcome, 'wall': wall, 'steps': STATS.calls,
           'examples': STATS.examples,
           'first_failure': None if STATS.first_failure is None else STATS.first_failure - t0,
           'first_failure_steps': STATS.first_failure_steps,
           'first_failure_example': STATS.first_failure_example,
           'final_steps': STATS.final_steps, 'printed_steps': None,
           'hypothesis': hypothesis.__version__}
    if outcome == 'failed':
        res['printed_steps'] = count_program_steps(err, rules)
    if outcome == 'error':
        res['error'] = f'{type(err).__name__}: {str(err)[:200]}'
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description='Self-check of the Python semantics '
                                 '(default), or one seeded Hypothesis run (JSON on stdout).')
    sub = ap.add_subparsers(dest='cmd')
    sub.add_parser('check', help='breadth-first self-check (the default)')
    r = sub.add_parser('run', help='one run_state_machine_as_test, as walk.py does')
    r.add_argument('model', choices=sorted(MACHINES))
    r.add_argument('--n', type=int, default=0, help='size (counters, philosophers)')
    r.add_argument('--seed', type=int, required=True)
    r.add_argument('--max-examples', type=int, required=True)
    r.add_argument('--steps', type=int, required=True, help='stateful_step_count')
    r.add_argument('--stop-on-failure', action='store_true',
                   help='end at the first failure (no shrinking)')
    a = ap.parse_args(argv)
    if a.cmd != 'run':
        return _selfcheck()
    print(json.dumps(run_one(a.model, a.n, a.seed, a.max_examples, a.steps,
                             a.stop_on_failure)))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
