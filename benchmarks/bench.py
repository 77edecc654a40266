"""One full-batch gradient-descent step, tinygrad_edu against the hand-written numpy of `reference`.

    make bench                      # or: python -m benchmarks.bench [--rounds N] [--quick]

Each workload runs forward, cost, backward and update. The implementations run in the same
process, in interleaved rounds (the order rotates, and each timed batch follows one untimed
step, see time_steps); the table shows the median of the per-round time ratios to the
hand-written step (with min and max), and the peak memory of one step (tracemalloc sees numpy's
buffers) as a ratio to the hand-written step's. PyTorch eager is timed too when it is installed
(it is never a dependency; it runs on one thread, see torch_step). A scaling check times
backward over chains and wide sums of 10^3, 10^4 and 10^5 nodes and prints the cost per node.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tinygrad_edu import Tensor, datasets, nn, optim, reference

Step = Callable[[], object]


@dataclass
class Workload:
    name: str
    layer_dims: list[int]  # [n_x, 1] is logistic regression
    hidden: str
    m: int
    lr: float


WORKLOADS = [
    Workload("planar", [2, 4, 1], "tanh", 400, 1.2),
    Workload("logreg", [12288, 1], "relu", 209, 0.005),
    Workload("deep", [12288, 20, 7, 5, 1], "relu", 209, 0.0075),
]


def make_data(w: Workload, quick: bool) -> tuple[np.ndarray, np.ndarray]:
    """The flower for planar; pixel-like data of the cat set's shape for the others."""
    if w.name == "planar":
        return datasets.planar_flower(w.m, seed=1)
    rng = np.random.default_rng(0)
    n_x = w.layer_dims[0] if not quick else 64
    X = rng.integers(0, 256, size=(n_x, w.m)).astype(np.float64) / 255
    Y = (rng.random((1, w.m)) < 0.35).astype(np.float64)
    return X, Y


def engine_step(w: Workload, X: np.ndarray, Y: np.ndarray, dtype: str = "float64") -> Step:
    """tinygrad_edu: zero_grad, forward, cost, backward, update."""
    dims = [X.shape[0], *w.layer_dims[1:]]
    if len(dims) == 2:
        model: nn.Module = nn.LogisticRegression(dims[0], dtype=dtype)
    else:
        model = nn.DeepNN(dims, hidden_activation=w.hidden, init="scaled", seed=1, dtype=dtype)
    opt = optim.GradientDescent(model.parameters(), w.lr)
    Xt, Yt = Tensor(np.asarray(X, dtype)), Tensor(np.asarray(Y, dtype))  # float64: no copy

    def step() -> object:
        opt.zero_grad()
        J = model.cost(Xt, Yt)
        J.backward()
        opt.step()
        return J

    return step


def hand_step(w: Workload, X: np.ndarray, Y: np.ndarray) -> Step:
    """The course's hand-written numpy: forward with caches, cost, backward, update."""
    dims = [X.shape[0], *w.layer_dims[1:]]
    if len(dims) == 2:
        state = {"w": np.zeros((dims[0], 1)), "b": np.zeros((1, 1))}

        def step_lr() -> object:
            grads, cost = reference.propagate(state["w"], state["b"], X, Y)
            state["w"] = state["w"] - w.lr * grads["dw"]
            state["b"] = state["b"] - w.lr * grads["db"]
            return cost

        return step_lr
    params = reference.initialize_parameters(dims, init="scaled", seed=1)

    def step() -> object:
        nonlocal params
        AL, caches = reference.L_model_forward(X, params, hidden_activation=w.hidden)
        cost = reference.compute_cost(AL, Y)
        grads = reference.L_model_backward(AL, Y, caches, hidden_activation=w.hidden)
        params = reference.update_parameters(params, grads, w.lr)
        return cost

    return step


def torch_step(w: Workload, X: np.ndarray, Y: np.ndarray) -> Step | None:
    """PyTorch eager, if installed: the same model and plain gradient descent."""
    try:
        import torch
    except ImportError:
        return None
    # One thread: torch's OpenMP pool spin-waits between ops and would slow numpy's BLAS threads
    # in the interleaved rounds, skewing the tinygrad_edu/hand ratio this benchmark is for.
    torch.set_num_threads(1)
    dims = [X.shape[0], *w.layer_dims[1:]]
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    rng = np.random.default_rng(1)
    Ws = [
        torch.tensor(
            rng.standard_normal((dims[i], dims[i - 1])) / np.sqrt(dims[i - 1]), requires_grad=True
        )
        for i in range(1, len(dims))
    ]
    bs = [
        torch.zeros((dims[i], 1), dtype=torch.float64, requires_grad=True)
        for i in range(1, len(dims))
    ]
    act = torch.tanh if w.hidden == "tanh" else torch.relu

    def step() -> object:
        A = Xt
        for i, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            Z = W @ A + b
            A = act(Z) if i < len(Ws) - 1 else Z
        J = torch.nn.functional.binary_cross_entropy_with_logits(A, Yt)
        for p in (*Ws, *bs):
            p.grad = None
        J.backward()
        with torch.no_grad():
            for p in (*Ws, *bs):
                p -= w.lr * p.grad
        return J

    return step


def time_steps(step: Step, n: int) -> float:
    """Seconds per step, the mean over n steps, after one untimed step.

    The untimed step brings this implementation's data back into the caches after the others
    ran: otherwise whichever runs first in a round pays for reloading X (20 MB on the BLAS-bound
    workloads) and the ratios measure the order of the rounds.
    """
    step()
    t = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t) / n


def peak_bytes(step: Step) -> int:
    """Peak traced memory of one step, above what was allocated before it."""
    step()  # warm caches outside the measurement
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


@dataclass
class Row:
    name: str
    ratios: dict[str, list[float]]
    hand_ms: float
    memory: float
    memory_f32: float


def run_workload(w: Workload, rounds: int, quick: bool) -> Row:
    X, Y = make_data(w, quick)
    steps: dict[str, Step] = {
        "hand": hand_step(w, X, Y),
        "tinygrad_edu": engine_step(w, X, Y),
        "float32": engine_step(w, X, Y, dtype="float32"),
    }
    t = torch_step(w, X, Y)
    if t is not None:
        steps["torch"] = t
    n = max(1, int(0.05 / max(time_steps(steps["hand"], 3), 1e-6)))  # about 50 ms a batch
    for s in steps.values():  # warm-up
        time_steps(s, n)
    ratios: dict[str, list[float]] = {k: [] for k in steps if k != "hand"}
    hand_times = []
    names = list(steps)
    for r in range(rounds):  # interleaved, and rotated so no implementation always goes first
        order = names[r % len(names) :] + names[: r % len(names)]
        times = {k: time_steps(steps[k], n) for k in order}
        hand_times.append(times["hand"])
        for k in ratios:
            ratios[k].append(times[k] / times["hand"])
    hand_mem = peak_bytes(steps["hand"])
    return Row(
        w.name,
        ratios,
        statistics.median(hand_times) * 1e3,
        peak_bytes(steps["tinygrad_edu"]) / hand_mem,
        peak_bytes(steps["float32"]) / hand_mem,
    )


def scaling(sizes: list[int]) -> list[tuple[str, int, float]]:
    """Backward time per node for a chain x -> tanh -> tanh ... and a wide sum of n squares."""
    out = []
    for n in sizes:
        x = Tensor(np.array([0.5]), requires_grad=True)
        y = x
        for _ in range(n):
            y = y.tanh()
        t = time.perf_counter()
        y.sum().backward()
        out.append(("chain", n, (time.perf_counter() - t) / n))
        xs = [Tensor(np.array([0.5]), requires_grad=True) for _ in range(n)]
        total = xs[0] * xs[0]
        for x in xs[1:]:
            total = total + x * x  # 2 nodes per term
        t = time.perf_counter()
        total.sum().backward()
        out.append(("wide", n, (time.perf_counter() - t) / (2 * n)))
    return out


def blas_info() -> str:
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy: no dict mode
        return "unknown"


def _fmt(r: list[float]) -> str:
    return f"{statistics.median(r):5.2f} ({min(r):.2f}-{max(r):.2f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--rounds", type=int, default=31, help="interleaved timing rounds (default 31)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: a smoke run, not a measurement"
    )
    parser.add_argument(
        "--scaling", type=int, nargs="*", default=None, help="node counts for the scaling check"
    )
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else args.rounds
    sizes = (
        args.scaling
        if args.scaling is not None
        else ([100, 1000] if args.quick else [1000, 10_000, 100_000])
    )

    machine = platform.processor() or platform.machine()
    print(
        f"tinygrad_edu benchmark, {time.strftime('%Y-%m-%d')}: {machine}, {os.cpu_count()} cores, "
        f"numpy {np.__version__} with {blas_info()}, Python {platform.python_version()}"
    )
    rows = [run_workload(w, rounds, args.quick) for w in WORKLOADS]
    has_torch = any("torch" in r.ratios for r in rows)
    head = f"{'workload':<8} {'hand ms':>8}  {'tinygrad_edu/hand':>19}  {'float32/hand':>19}"
    head += f"  {'torch/hand':>19}" if has_torch else ""
    head += f"  {'peak mem/hand':>13}  {'f32 mem/hand':>12}"
    print(f"\ntime per step: median of {rounds} interleaved rounds (min-max)")
    print(head)
    for r in rows:
        ours, f32 = _fmt(r.ratios["tinygrad_edu"]), _fmt(r.ratios["float32"])
        line = f"{r.name:<8} {r.hand_ms:8.3f}  {ours:>19}  {f32:>19}"
        if has_torch:
            line += f"  {_fmt(r.ratios['torch']) if 'torch' in r.ratios else 'n/a':>19}"
        line += f"  {r.memory:13.2f}  {r.memory_f32:12.2f}"
        print(line)
    print("\nbackward scaling (time per node should stay flat as the graph grows)")
    for kind, n, per in scaling(sizes):
        print(f"  {kind:<5} {n:>7} nodes: {per * 1e6:6.2f} us/node")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
