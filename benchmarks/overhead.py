"""Where the README loop's time goes: the ops' own work, and the engine's bookkeeping around it.

    python -m benchmarks.overhead [--rounds N] [--quick]

For each workload one step of the README loop is recorded once, and three steps are timed in
interleaved rounds, each from its own copy of the same starting parameters:

- the lean numpy step (benchmarks/lean.py), the reference of `make bench`;
- the recorded ops as a minimal tape: every node's own `forward` on arrays, then every VJP (the
  cost's sigmoid shortcut where backward takes it), then W = W - alpha dW. This is the engine's
  numpy work with as little Python around it as a tape can have: no Tensors made, no shapes or
  versions checked, no names, no walk;
- the README loop itself: `opt.zero_grad(); J = F.binary_cross_entropy(model(X), Y);
  J.backward(); opt.step()`.

The engine minus the tape is the bookkeeping; it is also shown per node (forward and backward
visits). Each is timed twice: warm (steps back to back, as `make bench` times planar) and cold
(each step right after reading a buffer larger than the last-level cache: what a step on the
20 MB X of logreg and deep does to the Python that runs after each large product).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from benchmarks import bench
from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu import functional as F

Step = Callable[[], object]
FLUSH_BYTES = 96 * 2**20  # more than the last-level caches of the machines this runs on


class Tape:
    """One recorded step of the README loop, replayed with the nodes' own ops and nothing else."""

    def __init__(self, J: Tensor, params: list[Tensor], lr: float):
        order = J.topological_order(everything=True)
        self.J, self.lr = J, lr
        self.nodes = [n for n in order if n.grad_fn is not None]
        self.params = [id(p) for p in params]
        # the leaves' values: the tape's own copy of the parameters, the data as they are
        self.values = {id(n): (n.data.copy() if n.requires_grad else n.data) for n in order}
        # where backward takes the cost's shortcut (dZ = (1/m)(A - Y)): its node, A, Z
        self.shortcut = {
            id(n): (n.parents[0], n.parents[0].parents[0])
            for n in self.nodes
            if n.grad_fn.through is not None  # type: ignore[union-attr]
            and isinstance(n.parents[0].grad_fn, n.grad_fn.through)  # type: ignore[union-attr]
        }

    def __call__(self) -> float:
        v = self.values
        for n in self.nodes:  # forward: each op on the arrays of its inputs
            v[id(n)] = n.grad_fn.forward(*[v[id(p)] for p in n.parents])  # type: ignore[union-attr]
        pending = {id(self.J): np.ones(())}
        for n in reversed(self.nodes):  # backward: each VJP, in reverse order
            g = pending.pop(id(n), None)
            if g is None:
                continue
            fn = n.grad_fn
            assert fn is not None
            if id(n) in self.shortcut:
                A, Z = self.shortcut[id(n)]
                pending[id(Z)] = fn.backward_through(g, v[id(A)], v[id(n.parents[1])])
                continue
            grads = fn.backward(g, v[id(n)], *[v[id(p)] for p in n.parents])
            for p, gp in zip(n.parents, grads, strict=True):
                if gp is not None and p.requires_grad:
                    before = pending.get(id(p))
                    pending[id(p)] = gp if before is None else before + gp
        for k in self.params:  # W = W - alpha dW, as the optimizer computes it
            v[k] = v[k] - self.lr * pending[k]
        return float(v[id(self.J)])


def steps(work: bench.Workload, X: np.ndarray, Y: np.ndarray) -> tuple[Step, Tape, Step]:
    """(the README loop, the tape recorded from its first step, the lean step), same start."""
    dims = bench._dims(work, X)
    if len(dims) == 2:
        model: nn.Module = nn.LogisticRegression(dims[0])
    else:
        model = nn.DeepNN(dims, hidden_activation=work.hidden, init="scaled", seed=1)
    opt = optim.GradientDescent(model.parameters(), work.lr)
    tape = Tape(F.binary_cross_entropy(model(X), Y), model.parameters(), work.lr)
    J: object = None

    def engine() -> object:
        nonlocal J
        opt.zero_grad()
        J = F.binary_cross_entropy(model(X), Y)
        J.backward()  # type: ignore[attr-defined]
        opt.step()
        return J

    return engine, tape, bench.lean_step(work, X, Y)


def node_visits(J: Tensor) -> int:
    """Nodes recorded in forward plus nodes handed a gradient in backward, for one step."""
    recorded = sum(n.grad_fn is not None for n in J.topological_order(everything=True))
    return recorded + len(J.topological_order())


def cold(step: Step, flush: np.ndarray) -> float:
    """Seconds for one step taken right after reading a buffer larger than the caches."""
    flush.sum()
    t = time.perf_counter()
    step()
    return time.perf_counter() - t


@dataclass
class Overhead:
    warm: dict[str, float]  # median microseconds per step: lean, tape, engine
    cold: dict[str, float]
    visits: int  # node visits per step

    def time(self, when: str, key: str) -> float:
        return (self.warm if when == "warm" else self.cold)[key]

    def bookkeeping(self, when: str) -> float:
        return self.time(when, "engine") - self.time(when, "tape")


def measure(work: bench.Workload, rounds: int, quick: bool) -> Overhead:
    """Median microseconds per step, warm and cold, for lean, tape and engine."""
    X, Y = bench.make_data(work, quick)
    engine, tape, lean = steps(work, X, Y)
    rows: dict[str, Step] = {"lean": lean, "tape": tape, "engine": engine}
    n = max(1, int((0.005 if quick else 0.05) / max(bench.time_steps(lean, 3), 1e-6)))
    flush = np.ones((4096 if quick else FLUSH_BYTES) // 8)
    warm: dict[str, list[float]] = {k: [] for k in rows}
    chill: dict[str, list[float]] = {k: [] for k in rows}
    names = list(rows)
    for r in range(rounds):
        for k in names[r % 3 :] + names[: r % 3]:
            warm[k].append(bench.time_steps(rows[k], n))
            chill[k].append(cold(rows[k], flush))
    J = engine()
    assert isinstance(J, Tensor)
    return Overhead(
        {k: statistics.median(v) * 1e6 for k, v in warm.items()},
        {k: statistics.median(v) * 1e6 for k, v in chill.items()},
        node_visits(J),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.overhead", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=21, help="interleaved rounds (default 21)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else args.rounds
    results = {w.name: measure(w, rounds, args.quick) for w in bench.WORKLOADS}
    print(f"microseconds per step, median of {rounds} interleaved rounds: warm | cold")
    print(f"{'step':<34}" + "".join(f"{name:>22}" for name in results))

    def row(label: str, cell: Callable[[Overhead, str], float], digits: int = 1) -> None:
        cells = [
            f"{cell(r, 'warm'):9.{digits}f} | {cell(r, 'cold'):9.{digits}f}"
            for r in results.values()
        ]
        print(f"{label:<34}" + "".join(f"{c:>22}" for c in cells))

    for key, label in [
        ("lean", "lean numpy step"),
        ("tape", "the engine's ops, minimal tape"),
        ("engine", "README loop (the engine)"),
    ]:
        row(label, lambda r, when, key=key: r.time(when, key))  # type: ignore[misc]
    row("bookkeeping: engine - tape", Overhead.bookkeeping)
    row("  per node visit", lambda r, when: r.bookkeeping(when) / r.visits, 2)
    visits = ", ".join(f"{k} {r.visits}" for k, r in results.items())
    print(f"\nnode visits per step (forward records + backward visits): {visits}")
    if args.quick:
        print("--quick: a smoke run on tiny sizes, not a measurement")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
