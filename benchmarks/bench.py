"""One full-batch gradient-descent step, each implementation against the lean numpy step.

    make bench                      # or: python -m benchmarks.bench [--rounds N] [--quick]

Each workload runs forward, cost, backward and update. The reference for every ratio is the
lean numpy step of benchmarks/lean.py: the course's formulas and nothing else. Against it: the
course's own code (`reference`), three ways of driving the engine (the README loop with numpy X,
the same with X wrapped in a Tensor once, and the fused `model.cost`), PyTorch eager on one
thread when it is installed (never a dependency), and, with threadpoolctl installed, the lean
step with BLAS on one thread as a control. All run in one process, in interleaved rounds (the
order rotates, and each timed batch follows one untimed step, see time_steps); the table shows
the median of the per-round ratios to the lean step (with min and max), and the peak memory of
one step while the previous step's results are still alive (tracemalloc, see peak_bytes), as a
ratio to the lean step's. When the rounds show a busy machine (see Quiet) no ratio is printed
and the exit status is 3. Under the tables, the README loop's median time and peak memory
against the performance issue's bars, ok or MISS. A scaling check times backward over chains and
wide sums of 10^3, 10^4 and 10^5 nodes and prints the cost per node.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks import lean
from tinygrad_edu import Tensor, datasets, nn, optim, reference
from tinygrad_edu import functional as F

Step = Callable[[], object]
Limit = Callable[[], AbstractContextManager[object]]

SPIKE = 3.0  # a timed batch this many times its row's median: something else took the CPU
DRIFT = 0.25  # the lean step's median moved this much between the halves of the rounds
OTHERS = 0.25  # other processes kept this many cores busy, on average, during the rounds


@dataclass
class Workload:
    name: str
    layer_dims: list[int]  # [n_x, 1] is logistic regression
    hidden: str
    m: int
    lr: float

    def describe(self, quick: bool = False) -> str:
        """The sizes, as the legend under the table prints them (--quick shrinks n_x to 64)."""
        dims = [64 if quick and self.name != "planar" else self.layer_dims[0], *self.layer_dims[1:]]
        if len(dims) == 2:
            return f"{self.name}: logistic regression, n_x = {dims[0]}, m = {self.m}"
        return f"{self.name}: {dims} {self.hidden}/sigmoid, m = {self.m}"


WORKLOADS = [
    Workload("planar", [2, 4, 1], "tanh", 400, 1.2),
    Workload("logreg", [12288, 1], "relu", 209, 0.005),
    Workload("deep", [12288, 20, 7, 5, 1], "relu", 209, 0.0075),
]

# (key, label) in the order the tables print them; "lean" is the reference row
# the performance issue's bars for the README loop (numpy X): time, and peak memory, over lean
LOOP_BARS = {"planar": 1.35, "logreg": 1.05, "deep": 1.02}
MEMORY_BAR = 1.05

ROWS = [
    ("lean", "lean numpy step, ms"),
    ("reference", "reference.py, the course's code"),
    ("readme", "README loop, numpy X"),
    ("wrapped", "README loop, X wrapped once"),
    ("cost", "model.cost(Xt, Y), fused"),
    ("torch", "PyTorch eager, 1 thread"),
    ("lean1", "lean step, BLAS on 1 thread"),
]
ENGINE_PATHS = ("readme", "wrapped", "cost")


def make_data(w: Workload, quick: bool) -> tuple[np.ndarray, np.ndarray]:
    """The flower for planar; pixel-like data of the cat set's shape for the others."""
    if w.name == "planar":
        return datasets.planar_flower(w.m, seed=1)
    rng = np.random.default_rng(0)
    n_x = w.layer_dims[0] if not quick else 64
    X = rng.integers(0, 256, size=(n_x, w.m)).astype(np.float64) / 255
    Y = (rng.random((1, w.m)) < 0.35).astype(np.float64)
    return X, Y


def _dims(w: Workload, X: np.ndarray) -> list[int]:
    return [X.shape[0], *w.layer_dims[1:]]


def lean_step(work: Workload, X: np.ndarray, Y: np.ndarray) -> Step:
    """The lean numpy step; its loop keeps the parameters and the cost, as `params, J = ...`."""
    dims = _dims(work, X)
    J: object = None
    if len(dims) == 2:
        w, b = np.zeros((dims[0], 1)), 0.0

        def step_lr() -> object:
            nonlocal w, b, J
            w, b, J, _ = lean.logistic_step(w, b, X, Y, work.lr)
            return J

        return step_lr
    params = reference.initialize_parameters(dims, init="scaled", seed=1)

    def step() -> object:
        nonlocal params, J
        params, J, _ = lean.L_layer_step(params, X, Y, work.hidden, work.lr)
        return J

    return step


def hand_step(work: Workload, X: np.ndarray, Y: np.ndarray) -> Step:
    """The course's code; its loop keeps what L_layer_model's (or optimize's) loop keeps."""
    dims = _dims(work, X)
    cost: object = None
    grads: dict[str, Any] = {}  # the course's grads: arrays, and week 2's db a number
    if len(dims) == 2:
        w, b = np.zeros((dims[0], 1)), 0.0

        def step_lr() -> object:
            nonlocal w, b, grads, cost
            grads, cost = reference.propagate(w, b, X, Y)
            w = w - work.lr * grads["dw"]
            b = b - work.lr * grads["db"]
            return cost

        return step_lr
    parameters = reference.initialize_parameters(dims, init="scaled", seed=1)
    AL: np.ndarray | None = None
    caches: list[reference.Cache] = []

    def step() -> object:
        nonlocal parameters, AL, caches, cost, grads
        AL, caches = reference.L_model_forward(X, parameters, work.hidden)
        cost = reference.compute_cost(AL, Y)
        grads = reference.L_model_backward(AL, Y, caches, work.hidden)
        parameters = reference.update_parameters(parameters, grads, work.lr)
        return cost

    return step


def model_for(dims: list[int], hidden: str) -> nn.Module:
    """The engine's model of these sizes, from the lean step's start: logistic regression for
    [n_x, 1] (w = 0), else a DeepNN with the course's scaled draws after seed 1."""
    if len(dims) == 2:
        return nn.LogisticRegression(dims[0])
    return nn.DeepNN(dims, hidden_activation=hidden, init="scaled", seed=1)


def engine_step(work: Workload, X: np.ndarray, Y: np.ndarray, path: str = "cost") -> Step:
    """tinygrad_edu, as a student's loop drives it: path is "readme", "wrapped" or "cost"."""
    model = model_for(_dims(work, X), work.hidden)
    opt = optim.GradientDescent(model.parameters(), work.lr)
    Xt = Tensor(X)  # float64: no copy
    J: object = None  # the loop's variable: the previous step's J (and its graph) stay alive

    def readme_loop(data: object) -> Callable[[], object]:
        """The README's loop on data: X as a numpy array each step, or wrapped once."""

        def step() -> object:
            nonlocal J
            opt.zero_grad()
            J = F.binary_cross_entropy(model(data), Y)
            J.backward()
            opt.step()
            return J

        return step

    readme, wrapped = readme_loop(X), readme_loop(Xt)

    def cost() -> object:
        nonlocal J
        opt.zero_grad()
        J = model.cost(Xt, Y)
        J.backward()
        opt.step()
        return J

    return {"readme": readme, "wrapped": wrapped, "cost": cost}[path]


def torch_step(work: Workload, X: np.ndarray, Y: np.ndarray) -> Step | None:
    """PyTorch eager, if installed: the same model, the same start, plain gradient descent."""
    try:
        import torch
    except ImportError:
        return None
    # One thread: torch's OpenMP pool spin-waits between ops and would slow numpy's BLAS threads
    # in the interleaved rounds, skewing the ratios this benchmark is for.
    torch.set_num_threads(1)
    dims = _dims(work, X)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    if len(dims) == 2:  # w (n_x, 1), Z = w^T X + b
        start = {"W1": np.zeros((1, dims[0])), "b1": np.zeros((1, 1))}
    else:
        start = reference.initialize_parameters(dims, "scaled", seed=1)
    L = len(dims) - 1
    Ws = [torch.tensor(start[f"W{l}"], requires_grad=True) for l in range(1, L + 1)]
    bs = [torch.tensor(start[f"b{l}"], requires_grad=True) for l in range(1, L + 1)]
    act = torch.tanh if work.hidden == "tanh" else torch.relu
    J: object = None

    def step() -> object:
        nonlocal J
        A = Xt
        for l, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1):
            Z = W @ A + b
            A = act(Z) if l < L else Z
        J = torch.nn.functional.binary_cross_entropy_with_logits(A, Yt)
        for p in (*Ws, *bs):
            p.grad = None
        J.backward()  # type: ignore[attr-defined]
        with torch.no_grad():
            for p in (*Ws, *bs):
                p -= work.lr * p.grad  # type: ignore[operator]  # backward set every grad
        return J

    return step


def one_thread() -> Limit | None:
    """A context that holds BLAS to one thread (threadpoolctl), or None when it is not installed."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    controller = ThreadpoolController()
    return lambda: controller.limit(limits=1, user_api="blas")


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
    """Peak traced memory of one step, the previous step's results (which the loop keeps) included.

    Tracing starts before the previous step, so whatever it left alive (its parameters, J and
    through J's graph A, the gradients) counts, as in a student's loop where J = ... replaces
    the old J only once the new one is made; X and Y, made before, do not count.
    """
    step()  # warm caches outside the measurement
    tracemalloc.start()
    step()  # the previous step
    tracemalloc.reset_peak()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def cpu_seconds() -> tuple[float, float] | None:
    """(CPU seconds run on the CPUs this process may use, its own); None without /proc/stat."""
    try:
        with open("/proc/stat") as f:
            lines = [ln.split() for ln in f if ln.startswith("cpu") and ln[3].isdigit()]
        ours = os.sched_getaffinity(0)
    except (OSError, AttributeError):  # not Linux
        return None
    busy = 0
    for fields in lines:
        if int(fields[0][3:]) in ours:
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[1:9])
            busy += user + nice + system + irq + softirq + steal  # steal: other guests ran
    own = os.times()
    return busy / os.sysconf("SC_CLK_TCK"), own.user + own.system


@dataclass
class Quiet:
    """What the rounds saw of the rest of the machine; findings() is empty when it was quiet."""

    spike: float  # the worst timed batch over its row's median batch
    spike_at: str  # which row, which round
    drift: float  # the lean step's median, second half of the rounds over first half, minus 1
    others: float | None  # cores other processes kept busy on average (None: unknown)

    def findings(self) -> list[str]:
        """One line per sign of a busy machine."""
        out = []
        if self.spike > SPIKE:
            out.append(
                f"a timed batch took {self.spike:.1f}x its row's median ({self.spike_at}); "
                f"the limit is {SPIKE:g}x"
            )
        if abs(self.drift) > DRIFT:
            out.append(
                f"the lean step's median moved {self.drift:+.1%} between the two halves; "
                f"the limit is {DRIFT:.0%}"
            )
        if self.others is not None and self.others > OTHERS:
            out.append(
                f"other processes kept {self.others:.2f} cores busy during the rounds; "
                f"the limit is {OTHERS:g}"
            )
        return out

    def summary(self) -> str:
        """The three measures in one line, whatever they say."""
        others = "unknown" if self.others is None else f"{self.others:.2f} cores"
        drift = round(self.drift, 3) + 0.0  # no "-0.0%"
        return (
            f"worst batch {self.spike:.1f}x its row's median ({self.spike_at}), lean's median "
            f"moved {drift:+.1%} between halves, other processes {others}"
        )


def quiet(times: dict[str, list[float]], others: float | None) -> Quiet:
    """Spikes (each row against its own median), the lean step's drift, and the others' load."""
    spike, spike_at = 0.0, ""
    for k, ts in times.items():
        med = statistics.median(ts)
        r = max(range(len(ts)), key=ts.__getitem__)
        if ts[r] / med > spike:
            spike, spike_at = ts[r] / med, f"{k}, round {r + 1}"
    half = len(times["lean"]) // 2
    first, second = times["lean"][:half], times["lean"][half:]
    drift = statistics.median(second) / statistics.median(first) - 1 if first else 0.0
    return Quiet(spike, spike_at, drift, others)


@dataclass
class Result:
    name: str
    times: dict[str, list[float]]  # seconds per step, one per round, by row key
    memory: dict[str, int]  # peak bytes of one step, by row key (none for torch: see tables)
    quiet: Quiet
    ratios: dict[str, list[float]] = field(init=False)

    def __post_init__(self) -> None:
        lean_t = self.times["lean"]
        self.ratios = {
            k: [t / t0 for t, t0 in zip(ts, lean_t, strict=True)] for k, ts in self.times.items()
        }


def run_workload(w: Workload, rounds: int, quick: bool, limit: Limit | None) -> Result:
    """Time every implementation in interleaved rounds, then measure each one's peak memory."""
    X, Y = make_data(w, quick)
    steps: dict[str, Step] = {"lean": lean_step(w, X, Y), "reference": hand_step(w, X, Y)}
    for path in ENGINE_PATHS:
        steps[path] = engine_step(w, X, Y, path)
    t = torch_step(w, X, Y)
    if t is not None:
        steps["torch"] = t
    limits: dict[str, Limit] = {}
    if limit is not None:
        steps["lean1"], limits["lean1"] = lean_step(w, X, Y), limit
    target = 0.005 if quick else 0.05  # seconds a batch
    n = max(1, int(target / max(time_steps(steps["lean"], 3), 1e-6)))

    def timed(k: str) -> float:
        with limits[k]() if k in limits else nullcontext():
            return time_steps(steps[k], n)

    for k in steps:  # warm-up
        timed(k)
    times: dict[str, list[float]] = {k: [] for k in steps}
    names = list(steps)
    before, wall = cpu_seconds(), time.perf_counter()
    for r in range(rounds):  # interleaved, and rotated so no implementation always goes first
        for k in names[r % len(names) :] + names[: r % len(names)]:
            times[k].append(timed(k))
    after, wall = cpu_seconds(), time.perf_counter() - wall
    others = None
    if before is not None and after is not None and wall > 0:
        others = max(0.0, ((after[0] - before[0]) - (after[1] - before[1])) / wall)
    memory = {k: peak_bytes(steps[k]) for k in steps if k not in ("torch", "lean1")}
    return Result(w.name, times, memory, quiet(times, others))


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


def _fmt(r: list[float], digits: int = 2) -> str:
    return f"{statistics.median(r):.{digits}f} ({min(r):.{digits}f}-{max(r):.{digits}f})"


def print_tables(results: list[Result], rounds: int) -> None:
    """The time table (median (min-max) of per-round ratios) and the memory table."""
    names = "".join(f"  {r.name:>20}" for r in results)
    print(f"\ntime per step over the lean step's: median of {rounds} interleaved rounds (min-max)")
    print(f"{'step':<32}{names}")
    for key, label in ROWS:
        if not any(key in r.times for r in results):
            continue
        cells = []
        for r in results:
            if key not in r.times:
                cells.append("n/a")
            elif key == "lean":  # the reference row: its own milliseconds
                cells.append(_fmt([t * 1e3 for t in r.times[key]], 3))
            else:
                cells.append(_fmt(r.ratios[key]))
        print(f"{label:<32}" + "".join(f"  {c:>20}" for c in cells))
    print("\npeak memory of one step, the previous step's results alive, over the lean step's")
    print(f"{'step':<32}{names}")
    for key, label in ROWS:
        if not all(key in r.memory for r in results):
            continue
        if key == "lean":
            cells = [f"{r.memory['lean'] / 2**20:.2f} MB" for r in results]
            label = "lean numpy step, MB"
        else:
            cells = [f"{r.memory[key] / r.memory['lean']:.2f}" for r in results]
        print(f"{label:<32}" + "".join(f"  {c:>20}" for c in cells))


def print_bars(results: list[Result]) -> None:
    """The README loop (numpy X) against the performance issue's bars: ok or MISS per workload."""

    def cell(name: str, value: float, bar: float, digits: int) -> str:
        return f"{name} {value:.{digits}f} ≤ {bar:.2f} {'ok' if value <= bar else 'MISS'}"

    times = [
        cell(r.name, statistics.median(r.ratios["readme"]), LOOP_BARS[r.name], 2) for r in results
    ]
    memory = [cell(r.name, r.memory["readme"] / r.memory["lean"], MEMORY_BAR, 3) for r in results]
    print("\nthe README loop against the performance issue's bars (the medians above)")
    print("  time:   " + ", ".join(times))
    print("  memory: " + ", ".join(memory))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--rounds", type=int, default=41, help="interleaved timing rounds (default 41)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: a smoke run, not a measurement"
    )
    parser.add_argument(
        "--scaling", type=int, nargs="*", default=None, help="node counts for the scaling check"
    )
    args = parser.parse_args(argv)
    if args.rounds < 2:
        parser.error("--rounds needs at least 2: the busy-machine check compares two halves")
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
    limit = one_thread()
    print("\nbusy-machine check, per workload:")
    results = []
    for w in WORKLOADS:
        results.append(run_workload(w, rounds, args.quick, limit))
        print(f"  {w.name}: {results[-1].quiet.summary()}", flush=True)
        seen = [f"{w.name}: {f}" for f in results[-1].quiet.findings()]
        if seen and not args.quick:  # stop here: the next workloads would only take longer
            print("refused:")
            for line in seen:
                print(f"  {line}")
            if len(results) < len(WORKLOADS):
                print(f"  (not run: {', '.join(v.name for v in WORKLOADS[len(results) :])})")
            print("the machine is busy: rerun when it is quiet (no ratios printed)")
            return 3
    if args.quick:
        print("--quick: a smoke run on tiny sizes, not a measurement; nothing is refused")
    print_tables(results, rounds)
    if not args.quick:
        print_bars(results)
    print()
    for w in WORKLOADS:
        print(f"  {w.describe(args.quick)}")
    if not any("torch" in r.times for r in results):
        print("  no PyTorch row: torch is not installed (it is optional)")
    else:
        import torch

        print(f"  PyTorch {torch.__version__}: its memory is its own allocator's, which")
        print("  tracemalloc does not see: no memory row")
    if limit is None:
        print("  no single-thread control row: threadpoolctl is not installed (pip install it)")
    print("\nbackward scaling (time per node should stay flat as the graph grows)")
    for kind, n, per in scaling(sizes):
        print(f"  {kind:<5} {n:>7} nodes: {per * 1e6:6.2f} us/node")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
