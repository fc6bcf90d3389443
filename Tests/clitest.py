"""What the tests of the real binary share (reports_test.py,
scenario_roundtrip_test.py, explore_test.py): the repository root, a
counted check, a run of the binary, and the closing tally."""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
counts = {"passed": 0, "failed": 0}


def check(description, ok, detail=""):
    """Counts one check; a failing one is printed with what was seen."""
    if ok:
        counts["passed"] += 1
    else:
        counts["failed"] += 1
        print(f"FAIL: {description}" + (f": {detail}" if detail else ""))


def run(args, cwd=ROOT, timeout=300, stdin=None):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, input=stdin)


def tally(name):
    """Prints the counts; the exit status of the test (1 when any failed)."""
    print(f"{name}: {counts['passed']} passed, {counts['failed']} failed")
    return 1 if counts["failed"] else 0
