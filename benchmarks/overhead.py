"""Where the README loop's time goes: the ops' own work, and the engine's bookkeeping around it.

    python -m benchmarks.overhead [--rounds N] [--quick]

For each workload one step of the README loop is recorded once, and three steps are timed in
interleaved rounds, each from its own copy of the same starting parameters:

- the lean numpy step (benchmarks/lean.py), the reference of `make bench`;
- the recorded ops as a minimal tape: every node's own `forward` on arrays, then every VJP (the
  cost's sigmoid shortcut where backward takes it), then W = W - alpha dW. This is the engine's
  numpy work with as little Python around it as a tape can have: no Tensors made, no shapes or
  versions checked, no names, no walk;
- a bare eager engine (Bare): the floor of any engine that, like this one, makes one Python
  object per node at every step. It re-records the graph with bare nodes (a value, the parents,
  the op) through the same ops, sorts it and walks it backward with the same shortcut, then
  updates. It has nothing else: no Tensor class, no modules, no checks, versions or names;
- the README loop itself: `opt.zero_grad(); J = F.binary_cross_entropy(model(X), Y);
  J.backward(); opt.step()`;
- the README loop's forward alone (`model(X)` and the cost, recorded), and the tape's forward:
  the first minus the second is what recording costs, every check and name included;
- the replayed step (`nn.compile_step` on the same graph).

The engine minus the tape is the bookkeeping; it is also shown per node (forward and backward
visits). The bare engine minus the tape is the part of it that recording and walking a graph
cannot avoid. The replay plus the recording is the best a lazy engine could do: one that
records as the student's code runs, as this one does, but computes nothing until backward,
then runs a program compiled from the first step's graph.

Each is timed twice: warm (steps back to back, as `make bench` times planar) and cold (each step
right after reading a buffer larger than the last-level cache: what a step on the 20 MB X of
logreg and deep does to the Python that runs after each large product).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from benchmarks import bench
from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu import functional as F
from tinygrad_edu.ops import Op

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

    def forward(self) -> float:
        """Each op on the arrays of its inputs; returns J."""
        v = self.values
        for n in self.nodes:
            v[id(n)] = n.grad_fn.forward(*[v[id(p)] for p in n.parents])  # type: ignore[union-attr]
        return float(v[id(self.J)])

    def __call__(self) -> float:
        v = self.values
        self.forward()
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


class Node:
    """A bare node of a graph: its value, its parents and the op that made it (None: a leaf)."""

    __slots__ = ("data", "parents", "fn", "requires_grad")
    requires_grad: bool

    def __init__(self, data: Any, parents: tuple[Node, ...] = (), fn: Op | None = None):
        self.data, self.parents, self.fn = data, parents, fn
        self.requires_grad = any(p.requires_grad for p in parents)

    @classmethod
    def leaf(cls, data: Any, requires_grad: bool) -> Node:
        node = cls(data)
        node.requires_grad = requires_grad
        return node


class Bare:
    """The tape's step as a bare eager engine: the graph made anew each step, sorted, walked."""

    def __init__(self, tape: Tape):
        order = tape.J.topological_order(everything=True)
        at = {id(n): i for i, n in enumerate(order)}
        self.leaves = {  # its own copy of the parameters, the data as they are
            i: Node.leaf(n.data.copy() if n.requires_grad else n.data, n.requires_grad)
            for i, n in enumerate(order)
            if n.grad_fn is None
        }
        self.params = [i for i, node in self.leaves.items() if node.requires_grad]
        # the program: each op node's place in the order, its op, and its parents' places
        self.program: list[tuple[int, Op, list[int]]] = [
            (i, n.grad_fn, [at[id(p)] for p in n.parents])
            for i, n in enumerate(order)
            if n.grad_fn is not None
        ]
        self.lr = tape.lr

    def __call__(self) -> float:
        nodes: dict[int, Node] = dict(self.leaves)
        for i, fn, places in self.program:  # forward, as eager code records it
            parents = tuple(nodes[j] for j in places)
            nodes[i] = Node(fn.forward(*[p.data for p in parents]), parents, fn)
        J = nodes[len(nodes) - 1]  # the cost: the sort ends with it
        grads = self.backward(J)
        for i in self.params:  # W = W - alpha dW
            nodes[i].data = nodes[i].data - self.lr * grads[id(nodes[i])]
        return float(J.data)

    @staticmethod
    def backward(J: Node) -> dict[int, Any]:
        """dJ/d node by node id: a depth-first sort, then each VJP in reverse order."""
        order: list[Node] = []
        seen, stack = {id(J)}, [(J, iter(J.parents))]
        while stack:
            node, unvisited = stack[-1]
            for p in unvisited:
                if p.requires_grad and id(p) not in seen:
                    seen.add(id(p))
                    stack.append((p, iter(p.parents)))
                    break
            else:
                stack.pop()
                order.append(node)
        pending: dict[int, Any] = {id(J): np.ones(())}
        for node in reversed(order):
            g, fn = pending.get(id(node)), node.fn
            if g is None or fn is None:  # skipped by the shortcut, or a leaf: its sum is done
                continue
            parents: tuple[Node, ...] = node.parents
            grads: tuple[Any, ...]
            if fn.through is not None and isinstance(parents[0].fn, fn.through):
                A, Y = parents  # the cost after a sigmoid: dZ = (1/m)(A - Y), A skipped
                parents, grads = A.parents, (fn.backward_through(g, A.data, Y.data),)
            else:
                grads = fn.backward(g, node.data, *[p.data for p in parents])
            for p, gp in zip(parents, grads, strict=True):
                if gp is not None and p.requires_grad:
                    before = pending.get(id(p))
                    pending[id(p)] = gp if before is None else before + gp
        return pending


class Steps(NamedTuple):
    """What the split times, each from the same starting parameters."""

    engine: Step  # the README loop
    forward: Step  # its forward alone: model(X) and the cost, recorded
    tape: Tape  # recorded from the README loop's first step
    lean: Step
    replay: Step  # nn.compile_step on the README loop's graph


def steps(work: bench.Workload, X: np.ndarray, Y: np.ndarray) -> Steps:
    """The README loop, its forward, its tape, the lean step and the replay, same start."""
    dims = bench._dims(work, X)
    model = bench.model_for(dims, work.hidden)
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

    replayed = bench.model_for(dims, work.hidden)
    replay = nn.compile_step(
        replayed, X, Y, learning_rate=work.lr,
        cost=lambda X, Y: F.binary_cross_entropy(replayed(X), Y),
    )  # fmt: skip
    return Steps(
        engine, lambda: F.binary_cross_entropy(model(X), Y), tape, bench.lean_step(work, X, Y),
        replay,
    )  # fmt: skip


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
    warm: dict[str, float]  # median microseconds per step, by row (see measure)
    cold: dict[str, float]
    visits: int  # node visits per step

    def time(self, when: str, key: str) -> float:
        return (self.warm if when == "warm" else self.cold)[key]

    def bookkeeping(self, when: str) -> float:
        return self.time(when, "engine") - self.time(when, "tape")

    def recording(self, when: str) -> float:
        return self.time(when, "forward") - self.time(when, "tape forward")

    def lazy(self, when: str) -> float:
        """The best a lazy engine could do: the replayed step, plus recording the graph."""
        return self.time(when, "replay") + self.recording(when)


def measure(work: bench.Workload, rounds: int, quick: bool) -> Overhead:
    """Median microseconds per step, warm and cold, for each row (Steps, and the bare engine)."""
    X, Y = bench.make_data(work, quick)
    s = steps(work, X, Y)
    lean, engine = s.lean, s.engine
    rows: dict[str, Step] = {
        "lean": lean, "tape": s.tape, "bare": Bare(s.tape), "engine": engine,
        "forward": s.forward, "tape forward": s.tape.forward, "replay": s.replay,
    }  # fmt: skip
    n = max(1, int((0.005 if quick else 0.05) / max(bench.time_steps(lean, 3), 1e-6)))
    flush = np.ones((4096 if quick else FLUSH_BYTES) // 8)
    warm: dict[str, list[float]] = {k: [] for k in rows}
    chill: dict[str, list[float]] = {k: [] for k in rows}
    names = list(rows)
    for r in range(rounds):
        for k in names[r % len(names) :] + names[: r % len(names)]:
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
        ("bare", "a bare eager engine, same ops"),
        ("engine", "README loop (the engine)"),
    ]:
        row(label, lambda r, when, key=key: r.time(when, key))  # type: ignore[misc]
    row(
        "recording and walking: bare - tape",
        lambda r, when: r.time(when, "bare") - r.time(when, "tape"),
    )
    row("bookkeeping: engine - tape", Overhead.bookkeeping)
    row("  per node visit", lambda r, when: r.bookkeeping(when) / r.visits, 2)
    row("recording: forward - tape forward", Overhead.recording)
    row("replay (nn.compile_step)", lambda r, when: r.time(when, "replay"))
    row("lazy engine's floor: replay + rec", Overhead.lazy)
    row("  over the lean step", lambda r, when: r.lazy(when) / r.time(when, "lean"), 2)
    visits = ", ".join(f"{k} {r.visits}" for k, r in results.items())
    print(f"\nnode visits per step (forward records + backward visits): {visits}")
    if args.quick:
        print("--quick: a smoke run on tiny sizes, not a measurement")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
