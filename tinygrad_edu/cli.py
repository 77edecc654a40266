"""The `tinygrad-edu` command line."""

from __future__ import annotations

import argparse

import numpy as np

from . import Tensor, gradcheck
from . import functional as F


def demo(args: argparse.Namespace) -> int:
    """Logistic regression on random data: autodiff gradients checked against central differences."""
    rng = np.random.default_rng(args.seed)
    X = rng.standard_normal((4, 8))
    Y = (rng.random((1, 8)) > 0.5).astype(float)
    w = Tensor(rng.standard_normal((4, 1)) * 0.1, requires_grad=True, name="w")
    b = Tensor(np.zeros((1, 1)), requires_grad=True, name="b")
    print(gradcheck(lambda w, b: F.binary_cross_entropy((w.T @ X + b).sigmoid(), Y), w, b))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tinygrad-edu", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="the main job")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=demo)
    args = parser.parse_args(argv)
    return int(args.run(args))
