"""The `tinygrad-edu` command line (also `python -m tinygrad_edu`): demo, graph, check, train.

    tinygrad-edu demo                       # everything below, on generated data, into out/
    tinygrad-edu demo --data DIR --full     # and the cat models, with the course's iterations
    tinygrad-edu graph --layers 2,4,1 --activation tanh --collapse layers --out graph.svg
    tinygrad-edu check --layers 2,4,3,1     # autodiff against the hand-derived backward
    tinygrad-edu train --data moons --layers 2,5,1 --lr 1.2 --iterations 5000 --save model.npz

The demo uses the cat pictures only when asked: with --data DIR, or when TINYGRAD_EDU_DATA
names their directory (--no-cat skips them even then). A wrong argument prints one line,
"tinygrad-edu: error: ...", and exits with status 2; a failure while running (a missing file,
a missing extra) prints one line and exits with status 1. No tracebacks.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import __version__, datasets, nn, optim, reference
from .report import Report
from .tensor import no_grad

PROG = "tinygrad-edu"
PLANAR: dict[str, Callable[..., datasets.XY]] = {
    "flower": datasets.planar_flower,
    "circles": datasets.noisy_circles,
    "moons": datasets.noisy_moons,
    "blobs": datasets.blobs,
    "quantiles": datasets.gaussian_quantiles,
}
DATASETS = (*PLANAR, "cat")
OPTIMIZERS = ("gd", "momentum", "adam")
CAT_DIMS = [12288, 20, 7, 5, 1]  # week 4's L-layer network


class UsageError(Exception):
    """An argument that parsed but cannot work (e.g. --layers that do not fit the data)."""


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line: "tinygrad-edu: error: ...", exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


# ---------------------------------------------------------------- argument types


def _layer_sizes(text: str) -> list[int]:
    """--layers "2,4,1" -> [2, 4, 1]: two or more positive sizes, ending with the output's 1."""
    try:
        dims = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of layer sizes; write integers separated by commas, "
            "n_x first, e.g. 2,4,1"
        ) from None
    if len(dims) < 2:
        raise argparse.ArgumentTypeError(
            f"{text!r} has one size; give n_x, any hidden sizes and the output's 1, e.g. 2,4,1"
        )
    if any(n < 1 for n in dims):
        raise argparse.ArgumentTypeError(
            f"{text!r}: every layer needs at least one unit (n[l] >= 1)"
        )
    if dims[-1] != 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the output layer must have 1 unit (AL is the probability of class 1); "
            "end the list with 1"
        )
    return dims


def _positive(kind: type) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}") from None
        if not value > 0:  # also refuses nan
            raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def _directory(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a directory; pass the directory that holds "
            f"{datasets.TRAIN_FILE} and {datasets.TEST_FILE}"
        )
    return path


def _dataset(text: str) -> str:
    if text in DATASETS or Path(text).expanduser().is_dir():
        return text
    if os.sep in text or "/" in text or text.startswith((".", "~")):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a directory; pass the directory that holds "
            f"{datasets.TRAIN_FILE} and {datasets.TEST_FILE}, or a dataset: {', '.join(DATASETS)}"
        )
    raise argparse.ArgumentTypeError(
        f"{text!r} is neither a dataset ({', '.join(DATASETS)}) nor a directory; for the cat "
        f"pictures pass the directory that holds {datasets.TRAIN_FILE} and {datasets.TEST_FILE}"
    )


# ---------------------------------------------------------------- shared pieces


@dataclass
class Data:
    """A training set and, when there is one, a test set; X is (n_x, m), Y is (1, m)."""

    name: str
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray | None = None
    test_y: np.ndarray | None = None
    cat: datasets.CatData | None = None


def load_data(spec: str, m: int = 400) -> Data:
    """A planar set by name (m training points, m // 2 fresh test points) or the cat pictures."""
    if spec in PLANAR:
        make, seed = PLANAR[spec], (1 if spec == "flower" else 0)
        X, Y = make(m=m, seed=seed)
        X_test, Y_test = make(m=2 * (m // 4) or 2, seed=seed + 2)  # the flower's test: seed 3
        return Data(spec, X, Y, X_test, Y_test)
    cat = datasets.load_catvnoncat(None if spec == "cat" else spec)
    return Data("cat", cat.train_x, cat.train_y, cat.test_x, cat.test_y, cat)


def _percent(fraction: float | None) -> str:
    return "" if fraction is None else f"{100 * fraction:.2f} %"


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell; the first left-aligned, the rest right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


@dataclass
class Row:
    """One trained model, for the summary table."""

    model: str
    data: str
    iterations: int
    cost: float
    train: float
    test: float | None
    seconds: float

    HEADER = ["model", "data", "iterations", "final cost", "train acc", "test acc", "seconds"]

    def cells(self) -> list[str]:
        """The row as strings, in HEADER's order."""
        return [self.model, self.data, str(self.iterations), f"{self.cost:.6f}",
                _percent(self.train), _percent(self.test), f"{self.seconds:.1f}"]  # fmt: skip


def train(model: nn.Module, data: Data, label: str, lr: float, iterations: int,
          progress: bool = True, optimizer: Any = None, print_every: int | None = None,
          ) -> tuple[nn.History, Row]:  # fmt: skip
    """nn.fit on data's training set; the row adds the final cost and the test accuracy."""
    history = nn.fit(model, data.train_x, data.train_y, lr, iterations, optimizer=optimizer,
                     print_every=print_every, progress=progress)  # fmt: skip
    test = None if data.test_x is None else nn.accuracy(model, data.test_x, data.test_y)
    with no_grad():
        cost = float(model.cost(data.train_x, data.train_y).data)  # after the last step
    row = Row(label, data.name, iterations, cost, history.train_accuracy or 0.0, test,
              history.seconds)  # fmt: skip
    return history, row


def _random_batch(n_x: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A small X (n_x, m) of N(0, 1) draws and labels Y (1, m) with both classes present."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (np.arange(m) % 2).astype(np.float64)[None, :]
    return X, Y[:, rng.permutation(m)]


def gradient_checks(layers: list[int], activations: tuple[str, ...], logistic: bool,
                    m: int = 10, seed: int = 1, init: str = "scaled",
                    ) -> list[tuple[str, reference.ComparisonTable]]:  # fmt: skip
    """reference.compare for logistic regression and/or DeepNN(layers) with each activation."""
    X, Y = _random_batch(layers[0], m, seed)
    out = []
    if logistic:
        model = nn.LogisticRegression(layers[0], init="small", seed=seed)
        out.append((f"logistic regression, n_x = {layers[0]}", reference.compare(model, X, Y)))
    for g in activations:
        model = nn.DeepNN(layers, hidden_activation=g, init=init, seed=seed)
        out.append((f"DeepNN {layers}, hidden {g}", reference.compare(model, X, Y)))
    return out


def _check_line(label: str, table: reference.ComparisonTable, width: int) -> str:
    verdict = "ok" if table else "MISMATCH"
    return f"   {label.ljust(width)}  {table.max_relative_difference:.1e}  {verdict}"


def _need_extras() -> None:
    """Fail early, before any training, when the demo could not draw."""
    from . import viz

    viz.graphviz_backend()  # RuntimeError naming what to install
    if importlib.util.find_spec("matplotlib") is None:
        raise ImportError('the demo draws with matplotlib: pip install "tinygrad-edu[plot]"')


# ---------------------------------------------------------------- demo


@dataclass
class Budget:
    """Iterations for each part of the demo."""

    flower: int  # logistic regression and the 4 tanh units (the course: 10,000)
    sweep: int  # each hidden size (the course: 5,000)
    deep: int  # the [2, 10, 5, 1] net
    cat_logistic: int  # week 2 (the course: 2,000)
    cat_deep: int  # week 4's nets (the course: 2,500)
    two_layer: bool = False  # week 4's 12288-7-1 net too (it adds a minute on two cores)


def budget(quick: bool, full: bool) -> Budget:
    """--quick: a smoke test; default: the course's numbers on the flower, fewer on the cats;
    full: the course's numbers on the cats too, and week 4's two-layer net."""
    if quick:
        return Budget(flower=300, sweep=200, deep=300, cat_logistic=20, cat_deep=10)
    if full:
        return Budget(10_000, 5_000, 10_000, cat_logistic=2_000, cat_deep=2_500, two_layer=True)
    return Budget(10_000, 5_000, 10_000, cat_logistic=1_000, cat_deep=1_000)


def demo(args: argparse.Namespace) -> int:
    """Week 2's graph, the gradient checks, week 3's flower, and the cats when asked; a report."""
    start = time.perf_counter()
    _need_extras()
    from . import plots, viz

    cat_dir = args.data or os.environ.get(datasets.ENV_VAR)
    cat = None if args.no_cat or not cat_dir else load_data(str(cat_dir))  # fails early
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {args.out!r} is a file; give a directory to write the demo into")
    out.mkdir(parents=True, exist_ok=True)
    plan = budget(args.quick, args.full)
    bar = not args.no_progress
    page = Report("tinygrad_edu: backpropagation, watched", out)
    rows: list[Row] = []

    # 1. week 2's graph, with values and gradients, and its step-through
    print("1. Week 2: logistic regression as a graph")
    X = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])  # n_x = 2 features, m = 3 examples
    Y = np.array([[1.0, 0.0, 1.0]])
    J = viz.logistic_regression_graph(X, Y, w=np.array([[0.4], [-0.3]]), b=np.array([[0.1]]))
    graph = viz.render(J, out / "week2_graph.svg")
    steps = viz.backward_steps(J, out / "week2_steps")
    print(f"   {graph}  and the step-through {steps}")
    page.section(
        "Week 2: logistic regression as a graph",
        "Z = wᵀX + b, A = σ(Z), J = L(A, Y) on m = 3 examples with n_x = 2 features, after "
        "backward: each box shows a tensor's value and, below it, its gradient dJ/d(·). "
        "Dashed edges are where backward sums over the m columns (db = Σ dZ / m).",
    )
    page.figure(graph, "the week-2 graph, values and gradients")
    page.links([(steps, "backward, step by step (the rule applied at each node) →")])

    # 2. autodiff against the course's hand-derived gradients
    print("2. Autodiff against the hand-derived backward: the largest relative difference")
    checks = gradient_checks([2, 4, 3, 1], nn.ACTIVATIONS, logistic=True)
    width = max(len(label) for label, _ in checks)
    for label, table in checks:
        print(_check_line(label, table, width))
    all_ok = all(table for _, table in checks)
    page.section(
        "Autodiff against the hand-derived backward",
        "reference.py holds the course's forward and backward written out by hand "
        "(propagate, L_model_backward). Each row compares its gradients with the engine's, per "
        "parameter: ‖g_auto − g_ref‖ / (‖g_auto‖ + ‖g_ref‖), on 10 random examples.",
    )
    page.table(
        ["model", "relative difference per parameter", "max", "verdict"],
        [[label, ",  ".join(f"{n} {d:.1e}" for n, _, d in t.rows),
          f"{t.max_relative_difference:.1e}", "ok" if t else "MISMATCH"]
         for label, t in checks],
        verdicts=[bool(t) for _, t in checks],
    )  # fmt: skip

    # 3. week 3's flower
    print(f"3. Week 3: the planar flower (learning rate 1.2, {plan.flower} iterations)")
    flower = load_data("flower")
    page.section(
        "Week 3: the planar flower",
        f"400 points (seed 1) to train on, 200 fresh ones (seed 3) to test on. Logistic "
        f"regression against one hidden layer of 4 tanh units (W = randn × 0.01 after "
        f"seed 2), learning rate 1.2, {plan.flower} iterations: no straight line separates "
        "the petals.",
    )
    costs = {}
    for label, model in [
        ("logistic regression", nn.LogisticRegression(2)),
        ("4 tanh units", nn.DeepNN([2, 4, 1], "tanh", init="small", seed=2)),
    ]:
        history, row = train(model, flower, label, 1.2, plan.flower, bar)
        rows.append(row)
        costs[label] = history.costs
        print(f"   {label}: train accuracy {_percent(row.train)}, test {_percent(row.test)}")
        name = "flower_logistic.png" if label.startswith("logistic") else "flower_tanh4.png"
        plots.plot_decision_boundary(model.predict, flower.train_x, flower.train_y, out / name,
                                     title=f"{label}: {_percent(row.train)}")  # fmt: skip
        page.figure(out / name, f"{label}: train accuracy {_percent(row.train)}", small=True)
    plots.plot_costs(costs, out / "flower_costs.png", title="the flower: cost per iteration")
    page.figure(out / "flower_costs.png", "learning curves", small=True)

    print(f"   hidden layer sizes ({plan.sweep} iterations each):")
    page.paragraph(
        f"The hidden layer's size, {plan.sweep} iterations each: a few units already bend "
        "the boundary round the petals, too few cannot; beyond a handful, more change little."
    )
    sweep_rows, sweep_costs = [], {}
    for n_h in [1, 2, 3, 4, 5, 20, 50]:
        model = nn.DeepNN([2, n_h, 1], "tanh", init="small", seed=2)
        history, row = train(model, flower, f"sweep: n_h = {n_h}", 1.2, plan.sweep, bar)
        rows.append(row)
        sweep_costs[f"n_h = {n_h}"] = history.costs
        sweep_rows.append([str(n_h), _percent(row.train), _percent(row.test), f"{row.cost:.4f}"])
        print(
            f"     n_h = {n_h:>2}: train accuracy {_percent(row.train)}, test {_percent(row.test)}"
        )
        path = out / f"flower_hidden_{n_h}.png"
        plots.plot_decision_boundary(model.predict, flower.train_x, flower.train_y, path,
                                     title=f"n_h = {n_h}: {_percent(row.train)}")  # fmt: skip
    page.table(["hidden units", "train accuracy", "test accuracy", "final cost"], sweep_rows)
    for n_h in [1, 2, 3, 4, 5, 20, 50]:
        page.figure(out / f"flower_hidden_{n_h}.png", f"n_h = {n_h}", small=True)
    plots.plot_costs(sweep_costs, out / "flower_sweep_costs.png", title="cost per hidden size")
    page.figure(out / "flower_sweep_costs.png", "learning curves per hidden size", small=True)

    dims = [2, 10, 5, 1]
    print(f"   a deeper net {dims} (learning rate 0.3, {plan.deep} iterations)")
    deep = nn.DeepNN(dims, "tanh", init="scaled", seed=2)
    history, row = train(deep, flower, f"deep tanh {dims}", 0.3, plan.deep, bar)
    rows.append(row)
    print(f"     train accuracy {_percent(row.train)}, test {_percent(row.test)}")
    plots.plot_decision_boundary(deep.predict, flower.train_x, flower.train_y,
                                 out / "flower_deep.png",
                                 title=f"{dims}: {_percent(row.train)}")  # fmt: skip
    history.plot(out / "flower_deep_history.png")
    # the course's picture, through AL = sigmoid(Z[L]): 4 points, 2 per class
    J = nn.cost(deep(flower.train_x[:, ::100]), flower.train_y[:, ::100])
    viz.backward_with_grads(J)
    full = viz.render(J, out / "flower_deep_graph.svg", rankdir="TB")  # top to bottom: it is long
    layers = viz.render(J, out / "flower_deep_layers.svg", collapse="layers")
    deep_steps = viz.backward_steps(J, out / "flower_deep_steps", rankdir="TB")
    print(f"     graphs {full}, {layers}; step-through {deep_steps}")
    page.paragraph(
        f"A deeper net {dims} (tanh, W[l] = randn / √n[l-1], seed 2), learning rate 0.3 (at 1.2 "
        f"its cost jumps about), {plan.deep} iterations. "
        "Its graph is drawn for 4 of the points, after training: first every tensor, then one "
        "box per layer."
    )
    page.figure(out / "flower_deep.png", f"{dims}: train accuracy {_percent(row.train)}",
                small=True)  # fmt: skip
    page.figure(out / "flower_deep_history.png", "its learning curve", small=True)
    page.figure(layers, "the deep net, one box per layer (collapse='layers')")
    page.figure(full, "the deep net, every tensor")
    page.links([(deep_steps, "the deep net's backward, step by step →")])

    # 4. the cats, when asked
    page.section("Weeks 2 and 4: cat or not")
    if cat is None:
        hint = datasets.find_catvnoncat()
        note = (
            f"Not run: pass --data DIR (the directory with {datasets.TRAIN_FILE} and "
            f"{datasets.TEST_FILE}) or set {datasets.ENV_VAR}=DIR."
        )
        page.paragraph(note)
        if hint is not None:
            note += f" (They are in {hint}.)"
        print(f"4. The cat models: {note}")
    else:
        _demo_cats(cat, plan, out, page, rows, bar)

    # 5. the summary
    table = _text_table(Row.HEADER, [r.cells() for r in rows])
    page.section("Summary", "Every model trained above; accuracies on the training and test sets.")
    page.table(Row.HEADER, [r.cells() for r in rows])
    seconds = time.perf_counter() - start
    flags = [f for f, on in (("--quick", args.quick), ("--full", args.full)) if on]
    flags += ["--data", str(cat_dir)] if cat is not None else []
    page.lead = (
        f"Written by {' '.join([PROG, 'demo', *flags])} in {seconds:.0f} s. Every picture is "
        "a file in this folder; click one to open it at full size."
    )
    index = page.write()
    print(f"\n{table}\n")
    if not all_ok:
        print(f"{PROG}: autodiff and the hand-derived gradients disagree (see section 2)")
    print(f"Report: {index}  ({seconds:.1f} s in all)")
    return 0 if all_ok else 1


def _demo_cats(cat: Data, plan: Budget, out: Path, page: Report, rows: list[Row],
               bar: bool) -> None:  # fmt: skip
    """Week 2's logistic regression and week 4's L-layer net (and two-layer) on the cats."""
    from . import plots

    print(f"4. Cat or not: {cat.train_x.shape[1]} training pictures, {cat.test_x.shape[1]} test")
    nets = [("week 4 L-layer", CAT_DIMS, "scaled")]
    if plan.two_layer:
        nets.insert(0, ("week 4 two-layer", [12288, 7, 1], "small"))
    page.paragraph(
        f"{cat.train_x.shape[1]} pictures of 64 × 64 × 3 = 12288 pixels to train on, "
        f"{cat.test_x.shape[1]} to test on. Week 2: logistic regression from zeros, learning "
        f"rate 0.005, {plan.cat_logistic} iterations (the course: 2000). Week 4: "
        + " and ".join(f"{dims} (init {init!r})" for _, dims, init in nets)
        + f", relu then sigmoid, learning rate 0.0075, {plan.cat_deep} iterations (the course: "
        "2500; --full runs the course's numbers and adds the two-layer net). The curves show "
        "every iteration; the course plots every 100th, which hides the zigzag."
    )
    history, row = train(nn.LogisticRegression(12288), cat, "week 2 logistic regression", 0.005,
                         plan.cat_logistic, bar)  # fmt: skip
    rows.append(row)
    print(f"   {row.model}: train {_percent(row.train)}, test {_percent(row.test)}")
    history.plot(out / "cat_week2.png")
    page.figure(out / "cat_week2.png", f"week 2: test accuracy {_percent(row.test)}")
    costs = {}
    for label, dims, init in nets:
        model = nn.DeepNN(dims, "relu", "sigmoid", init=init, seed=1)
        history, row = train(model, cat, label, 0.0075, plan.cat_deep, bar)
        rows.append(row)
        costs[f"{label} {dims}"] = history.costs
        print(f"   {label}: train {_percent(row.train)}, test {_percent(row.test)}")
    plots.plot_costs(costs, out / "cat_week4.png", title="week 4: cost per iteration")
    page.figure(out / "cat_week4.png", "week 4: learning curves")
    assert cat.cat is not None  # load_data("cat"...) keeps the pictures
    plots.plot_mislabeled(cat.cat.test_x_orig, None, cat.test_y, model.predict(cat.test_x),
                          cat.cat.classes, out / "cat_mislabeled.png")  # fmt: skip
    page.figure(out / "cat_mislabeled.png", "test pictures the L-layer net gets wrong")


# ---------------------------------------------------------------- graph, check, train


def _model_layers(args: argparse.Namespace) -> list[int]:
    """--layers, or the command's default; n_x,1 for --logistic (w is (n_x, 1))."""
    if not args.logistic:
        return args.layers or args.default_layers
    if args.layers and len(args.layers) != 2:
        sizes = ",".join(map(str, args.layers))
        raise UsageError(
            f"--logistic is week 2's model, w (n_x, 1) and b: give --layers n_x,1, not {sizes}"
        )
    return args.layers or [2, 1]


def graph(args: argparse.Namespace) -> int:
    """Draw a model's graph, values and gradients, on a small random batch."""
    from . import viz

    out = Path(args.out)
    if out.suffix.lower() not in (".svg", ".dot"):
        raise UsageError(f"--out {args.out!r}: end the file name with .svg (a picture) or .dot")
    layers = _model_layers(args)
    X, Y = _random_batch(layers[0], args.m, args.seed)
    if args.logistic:
        w = np.random.default_rng(args.seed).standard_normal((layers[0], 1)) * 0.5
        J = viz.logistic_regression_graph(X, Y, w=w)
    else:
        model = nn.DeepNN(layers, args.activation, init=args.init, seed=args.seed)
        J = viz.backward_with_grads(nn.cost(model(X), Y))  # through AL, as the course draws it
    collapse = None if args.collapse == "none" else args.collapse
    if out.suffix.lower() == ".dot":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(viz.to_dot(J, collapse=collapse, rankdir=args.rankdir).source, "utf-8")
    else:
        out = viz.render(J, out, collapse=collapse, rankdir=args.rankdir)
    print(f"wrote {out} (m = {args.m} random examples, J = {float(J.data):.6f})")
    if args.steps:
        index = viz.backward_steps(J, args.steps, collapse=collapse, rankdir=args.rankdir)
        print(f"wrote {index} (backward, step by step)")
    return 0


def check(args: argparse.Namespace) -> int:
    """Print autodiff against the hand-derived gradients; status 1 if any disagree."""
    layers = _model_layers(args)
    activations = () if args.logistic else ((args.activation,) if args.activation
                                            else nn.ACTIVATIONS)  # fmt: skip
    checks = gradient_checks(layers, activations, args.logistic, args.m, args.seed, args.init)
    for label, table in checks:
        print(f"{label} (m = {args.m}):\n{table}\n")
    bad = [label for label, table in checks if not table]
    if bad:
        print(f"{PROG}: MISMATCH in {', '.join(bad)}", file=sys.stderr)
        return 1
    print(f"{len(checks)} of {len(checks)} agree: every relative difference is below 1e-10")
    return 0


def train_command(args: argparse.Namespace) -> int:
    """Train a DeepNN on a dataset given by flags; print its final cost and accuracy; save it."""
    data = load_data(args.data, args.m)
    n_x = data.train_x.shape[0]
    planar = data.name != "cat"
    dims = args.layers or ([n_x, 4, 1] if planar else CAT_DIMS)
    if dims[0] != n_x:
        raise UsageError(
            f"--layers {','.join(map(str, dims))} starts with {dims[0]}, but the {data.name} data "
            f"has n_x = {n_x} features per example; start the list with {n_x}"
        )
    g = args.hidden_activation or ("tanh" if planar else "relu")
    init = args.init or ("small" if len(dims) <= 3 else "scaled")
    lr = args.lr or (1.2 if planar else 0.0075)
    iterations = args.iterations or (5000 if planar else 2500)
    model = nn.DeepNN(dims, g, init=init, seed=args.seed)
    opt = {"gd": optim.GradientDescent, "momentum": optim.Momentum, "adam": optim.Adam}
    optimizer = opt[args.optimizer](model.parameters(), lr)
    test = "" if data.test_x is None else f"; test X {data.test_x.shape}"
    print(f"{data.name}: X {data.train_x.shape}, Y {data.train_y.shape}{test}")
    print(f"{model!r}, seed {args.seed}; {args.optimizer}, learning rate {lr:g}, "
          f"{iterations} iterations")  # fmt: skip
    _, row = train(model, data, "", lr, iterations, not args.no_progress, optimizer,
                   args.print_every)  # fmt: skip
    test = "" if row.test is None else f", test accuracy {_percent(row.test)}"
    print(f"final cost {row.cost:.6f}, train accuracy {_percent(row.train)}{test} "
          f"({row.seconds:.1f} s)")  # fmt: skip
    if args.save:
        model.save(args.save)
        path = args.save if str(args.save).endswith(".npz") else f"{args.save}.npz"
        print(f"saved the parameters to {path}; load with nn.DeepNN({dims}, {g!r}).load({path!r})")
    return 0


# ---------------------------------------------------------------- the parser and main


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all four commands."""
    parser = _Parser(prog=PROG, description=__doc__.split("\n\n")[0],
                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=description)

    p = command(
        "demo", "graphs, gradient checks, the flower (and cats) -> out/",
        "Week 2's graph and its backward step by step, autodiff against the hand-derived "
        "gradients, week 3's flower models; the cat models with --data DIR. Writes SVGs, PNGs "
        "and index.html, a report that needs no network, into --out DIR (default out/).",
    )  # fmt: skip
    p.add_argument("--out", default="out", metavar="DIR", help="where to write (default: out)")
    p.add_argument("--data", type=_directory, metavar="DIR",
                   help=f"add the cat models, with the pictures in DIR (or set "
                   f"{datasets.ENV_VAR}=DIR)")  # fmt: skip
    p.add_argument("--no-cat", action="store_true", help=f"skip the cats even if "
                   f"{datasets.ENV_VAR} is set")  # fmt: skip
    p.add_argument(
        "--full",
        action="store_true",
        help="the cats as the course runs them: 2000 and 2500 iterations (default 1000 each), "
        "and week 4's two-layer net too",
    )
    p.add_argument("--quick", action="store_true", help="a few hundred iterations: a smoke test")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=demo)

    def model_flags(p: argparse.ArgumentParser, layers: str, m: int) -> None:
        p.add_argument(
            "--layers",
            type=_layer_sizes,
            help=f"layer sizes n_x,...,1 (default {layers}; with --logistic 2,1)",
        )
        p.add_argument(
            "--logistic",
            action="store_true",
            help="week 2's logistic regression instead (--layers n_x,1)",
        )
        p.add_argument(
            "--init",
            choices=nn.INITS,
            default="scaled",
            help="weight initialization (default scaled: randn / sqrt(n[l-1]))",
        )
        p.add_argument("--m", type=_positive(int), default=m, help=f"random examples (default {m})")
        p.set_defaults(default_layers=_layer_sizes(layers))
        p.add_argument("--seed", type=int, default=1, help="for the weights and the data")

    p = command(
        "graph",
        "draw a model's graph with values and gradients (SVG)",
        "A DeepNN (or logistic regression) on a few random examples, after backward.",
    )
    model_flags(p, "2,4,1", m=4)
    p.add_argument(
        "--activation",
        choices=nn.ACTIVATIONS,
        default="tanh",
        help="hidden activation (default tanh)",
    )
    p.add_argument(
        "--collapse",
        choices=("none", "layers"),
        default="none",
        help="layers: one box per layer (default none: every tensor)",
    )
    p.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                   help="left to right (default) or top to bottom (for deep nets)")  # fmt: skip
    p.add_argument("--out", default="graph.svg", help="file.svg or file.dot (default graph.svg)")
    p.add_argument("--steps", metavar="DIR", help="also write the backward step-through to DIR")
    p.set_defaults(run=graph)

    p = command(
        "check",
        "autodiff against the course's hand-derived gradients",
        "reference.compare per parameter; exit status 1 if any differ by 1e-10 or more.",
    )
    model_flags(p, "2,4,3,1", m=10)
    p.add_argument(
        "--activation", choices=nn.ACTIVATIONS, help="one hidden activation (default: each of them)"
    )
    p.set_defaults(run=check)

    p = command(
        "train",
        "train a DeepNN on a dataset and save it",
        "Batch gradient descent (or momentum, Adam); prints the final cost and accuracy.",
    )
    p.add_argument("--data", type=_dataset, default="flower", metavar="NAME|DIR",
                   help=f"{', '.join(DATASETS)}, or the cat pictures' directory "
                   "(default flower)")  # fmt: skip
    p.add_argument(
        "--m",
        type=_positive(int),
        default=400,
        help="training points for the planar sets (default 400)",
    )
    p.add_argument(
        "--layers",
        type=_layer_sizes,
        help="layer sizes n_x,...,1 (default n_x,4,1; cat: 12288,20,7,5,1)",
    )
    p.add_argument(
        "--hidden-activation",
        "--activation",
        choices=nn.ACTIVATIONS,
        help="default tanh (cat: relu)",
    )
    p.add_argument(
        "--init",
        choices=nn.INITS,
        help="default small for one hidden layer, scaled for more (the course's)",
    )
    p.add_argument("--lr", type=_positive(float), help="learning rate (default 1.2; cat: 0.0075)")
    p.add_argument("--iterations", type=_positive(int), help="default 5000 (cat: 2500)")
    p.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        default="gd",
        help="gd (the course), momentum or adam (wants a small --lr, e.g. 0.01)",
    )
    p.add_argument("--seed", type=int, default=2, help="for the weights (default 2)")
    p.add_argument(
        "--print-every",
        type=_positive(int),
        metavar="N",
        help="print the cost every N iterations (default: only the end)",
    )
    p.add_argument("--save", metavar="FILE.npz", help="write the parameters (model.save)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=train_command)
    return parser


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (0 ok, 1 failed, 2 bad arguments)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error already printed
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    try:
        return int(args.run(args))
    except UsageError as e:
        print(f"{PROG}: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except (ValueError, OSError, ImportError, RuntimeError) as e:
        print(f"{PROG}: error: {_one_line(e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
