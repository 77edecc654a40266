"""nn.compile_step's replayed step against the lean numpy step (benchmarks/lean.py), one process.

    python -m benchmarks.replay_bench [--rounds 41] [--quick]

Three workloads: planar, [2, 4, 1] tanh/sigmoid on the flower, m = 400; logreg, logistic
regression with n_x = 12288, m = 209; deep, [12288, 20, 7, 5, 1] relu/sigmoid, m = 209 (pixel-like
data of the cat set's shape; --quick shrinks n_x to 64). Both steps start from the same
parameters (the course's draws, or zeros for logistic regression) and are put back there at the
start of every round, so each round times the same steps. In each round the two run in turn (the
order alternates), each timed over a batch of n steps after one untimed step (which brings its
own arrays back into the caches); the ratio replay/lean is taken round by round, and the table
shows its median, min-max and quartiles, with the noise the rounds saw: the spread of the lean
step's own batches and how busy other processes kept the CPUs. The column "X as given" times a
second replay of the same program that reads X in C order, as the caller holds it (the step
itself reads X in Fortran order, in which OpenBLAS multiplies by X and Xᵀ faster): it shows
how much of the gain is the flat program and how much the layout. With threadpoolctl installed a
second table holds BLAS to one thread for both steps: on a machine where other processes take
a core, two BLAS threads wait on each other and the BLAS-bound rows mostly measure that.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import statistics
import time
from typing import Any

import numpy as np

from benchmarks import bench, lean
from tinygrad_edu import nn, reference

BARS = {"planar": 0.85, "logreg": 1.00, "deep": 0.97}  # replay/lean, from issue 15


class Pair:
    """The lean step and the replayed step of one workload, from the same start."""

    def __init__(self, dims: list[int], hidden: str, X: np.ndarray, Y: np.ndarray, lr: float):
        self.dims, self.hidden, self.X, self.Y, self.lr = dims, hidden, X, Y, lr
        self.model = bench.model_for(dims, hidden)
        self.start = self.model.state_dict()
        self.step = nn.compile_step(self.model, X, Y, learning_rate=lr)
        self.twin = bench.model_for(dims, hidden)
        self.as_given = nn.compile_step(self.twin, X, Y, learning_rate=lr)
        self.as_given._ns["X"] = X  # a diagnostic only: the program reads X in C order
        self.params: Any = None
        self.reset()

    def reset(self) -> None:
        """Both back to the starting parameters (the replay copies them into its own arrays)."""
        self.model.load_state_dict(self.start)
        self.twin.load_state_dict(self.start)
        if len(self.dims) == 2:
            self.params = (np.zeros((self.dims[0], 1)), 0.0)
        else:
            self.params = reference.initialize_parameters(self.dims, init="scaled", seed=1)

    def lean(self) -> object:
        """One lean step; its loop keeps the parameters and the cost, as `params, J = ...`."""
        if len(self.dims) == 2:
            w, b = self.params
            w, b, J, _ = lean.logistic_step(w, b, self.X, self.Y, self.lr)
            self.params = (w, b)
            return J
        self.params, J, _ = lean.L_layer_step(self.params, self.X, self.Y, self.hidden, self.lr)
        return J


def run(w: bench.Workload, rounds: int, quick: bool):
    """Interleaved rounds of one workload: the per-round times and the others' CPU load."""
    X, Y = bench.make_data(w, quick)  # n_x = 64 with --quick
    pair = Pair([X.shape[0], *w.layer_dims[1:]], w.hidden, X, Y, w.lr)
    steps: dict[str, bench.Step] = {
        "lean": pair.lean,
        "replay": pair.step,
        "as given": pair.as_given,
    }
    n = max(1, int((0.005 if quick else 0.05) / bench.time_steps(pair.lean, 3)))
    times: dict[str, list[float]] = {k: [] for k in steps}
    before, wall = bench.cpu_seconds(), time.perf_counter()
    names = list(steps)
    for r in range(rounds):  # interleaved, and rotated: none always runs first
        pair.reset()
        for k in names[r % len(names) :] + names[: r % len(names)]:
            times[k].append(bench.time_steps(steps[k], n))
    after, wall = bench.cpu_seconds(), time.perf_counter() - wall
    others = None
    if before is not None and after is not None:
        others = max(0.0, ((after[0] - before[0]) - (after[1] - before[1])) / wall)
    return times, n, others


def quartiles(xs: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(xs, n=4)
    return q[0], q[2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--quick", action="store_true", help="n_x = 64, short batches")
    args = parser.parse_args(argv)
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    print(
        f"compile_step replay against the lean numpy step, {now}: {platform.machine()}, "
        f"{os.cpu_count()} cores, numpy {np.__version__}, Python {platform.python_version()}"
    )
    quick = " (--quick: n_x = 64)" if args.quick else ""
    print(f"the median of {args.rounds} interleaved rounds' ratios replay/lean{quick}")
    table(args.rounds, args.quick, "BLAS threads as numpy starts them", contextlib.nullcontext())
    limit = bench.one_thread()
    if limit is None:
        print("\nno single-thread table: threadpoolctl is not installed")
    else:
        table(args.rounds, args.quick, "BLAS on one thread, both steps", limit())
    print(
        "\nlean spread: the slowest lean batch over the fastest (1.0 on a quiet machine); "
        "others: CPUs kept busy by other processes during the rounds, on average"
    )


def table(rounds: int, quick: bool, title: str, limit: contextlib.AbstractContextManager) -> None:
    """One table: every workload's rounds, inside `limit`."""
    print(f"\n{title}")
    head = f"{'workload':9s}{'lean ms':>9s}{'replay ms':>11s}   replay/lean (min-max)   quartiles"
    print(head + "     bar       X as given    lean spread  others")
    with limit, np.errstate(all="ignore"):  # the lean step's log(0) as A saturates: not timed
        for w in bench.WORKLOADS:
            name = w.name
            times, n, others = run(w, rounds, quick)
            ratios = [r / t for r, t in zip(times["replay"], times["lean"], strict=True)]
            given = [r / t for r, t in zip(times["as given"], times["lean"], strict=True)]
            med = statistics.median(ratios)
            q1, q3 = quartiles(ratios)
            lean_ms = statistics.median(times["lean"]) * 1e3
            replay_ms = statistics.median(times["replay"]) * 1e3
            spread = max(times["lean"]) / min(times["lean"])  # 1.0 on a quiet machine
            bar = BARS[name]
            verdict = "ok" if med <= bar else "MISS"
            busy = "?" if others is None else f"{others:.2f}"
            print(
                f"{name:9s}{lean_ms:9.3f}{replay_ms:11.3f}   {med:5.3f} ({min(ratios):.3f}-"
                f"{max(ratios):.3f})   {q1:.3f}-{q3:.3f}  ≤ {bar:.2f} {verdict:4s} "
                f"{statistics.median(given):5.3f} ({min(given):.2f}-{max(given):.2f})  "
                f"{spread:6.2f}x  {busy:>6s}   (n = {n} steps a batch)"
            )


if __name__ == "__main__":
    main()
