#!/usr/bin/env python3
"""Write one benchmark model in three equivalent forms.

Usage: gen.py MODEL N [OUTDIR]      (MODEL: counters | philosophers | gateway)

Writes OUTDIR/MODEL-N.yaml (pbcheck), OUTDIR/MODEL-N.pml (SPIN) and
OUTDIR/MODEL-N.m (rumur); OUTDIR defaults to bench/out. Prints the three paths.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ir  # noqa: E402
from models import MODELS  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def generate(model, n, outdir=None):
    outdir = outdir or os.path.join(HERE, 'out')
    os.makedirs(outdir, exist_ok=True)
    m = MODELS[model][0](n)
    base = os.path.join(outdir, f'{model}-{n}')
    paths = {}
    for ext, printer in (('yaml', ir.to_yaml), ('pml', ir.to_promela), ('m', ir.to_murphi)):
        path = f'{base}.{ext}'
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            f.write(printer(m))
        os.replace(tmp, path)
        paths[ext] = path
    return paths


def main(argv):
    if len(argv) not in (3, 4) or argv[1] not in MODELS:
        sys.exit(__doc__.strip())
    paths = generate(argv[1], int(argv[2]), argv[3] if len(argv) == 4 else None)
    for p in paths.values():
        print(p)


if __name__ == '__main__':
    main(sys.argv)
