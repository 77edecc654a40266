"""The demo (`tinygrad-edu demo`): each section trains, prints a few lines, draws, and adds itself
to one HTML report, out/index.html.

    plan = budget(quick=True, full=False)
    outcome = run(Path("out"), plan)            # the sections below, in order
    print(outcome.report)

Sections, one function each: week2_graph (the graph and its backward step by step),
autodiff_checks (engine against the hand-derived backward), flower_models, hidden_size_sweep,
deeper_net (week 3's flower), cats (weeks 2 and 4, when the pictures are given), summary.
Also here, for the command line's `check` and `train`: gradient_checks, train and its Row.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import datasets, nn, outdir
from .gradcheck import GradcheckResult, compare
from .report import Report, text_table
from .tensor import no_grad

CAT_DIMS = [12288, 20, 7, 5, 1]  # week 4's L-layer network
HIDDEN_SIZES = [1, 2, 3, 4, 5, 20, 50]  # week 3's sweep
STEP_DIRS = ["week2_steps", "flower_deep_steps"]  # backward_steps' folders inside out/
EXPERIMENTS = ["activations", "linear_activations", "zero_vs_random_init", "sigmoid_vs_relu",
               "hyperparameters"]  # fmt: skip


def files_written(cats: bool) -> list[str]:
    """The files run() writes into out/ itself, checked before any training; cats: the cats' too."""
    names = ["week2_graph.svg", "flower_logistic.png", "flower_tanh4.png", "flower_costs.png"]
    names += [f"flower_hidden_{n_h}.png" for n_h in HIDDEN_SIZES] + ["flower_sweep_costs.png"]
    names += ["flower_deep.png", "flower_deep_history.png", "flower_deep_graph.svg",
              "flower_deep_layers.svg"]  # fmt: skip
    names += [f"experiment_{name}.png" for name in EXPERIMENTS] + ["gradient_health.png"]
    names += ["cat_week2.png", "cat_week4.png", "cat_mislabeled.png"] if cats else []
    return [*names, "index.html"]


# ---------------------------------------------------------------- training, for every section


def percent(fraction: float | None) -> str:
    """0.905 -> "90.50 %"; None (no test set) -> ""."""
    return "" if fraction is None else f"{100 * fraction:.2f} %"


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
                percent(self.train), percent(self.test), f"{self.seconds:.1f}"]  # fmt: skip


def train(model: nn.Module, data: datasets.Data, label: str, lr: float, iterations: int,
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


def gradient_checks(layers: list[int], activations: Sequence[str], logistic: bool,
                    m: int = 10, seed: int = 1, init: str = "scaled",
                    ) -> list[tuple[str, GradcheckResult]]:  # fmt: skip
    """gradcheck.compare on m random examples: logistic regression (n_x = layers[0]) if asked,
    and DeepNN(layers) with each hidden activation; (label, result) pairs."""
    X, Y = datasets.random_batch(layers[0], m, seed)
    out = []
    if logistic:
        logreg = nn.LogisticRegression(layers[0], init="small", seed=seed)
        out.append((f"logistic regression, n_x = {layers[0]}", compare(logreg, X, Y)))
    for g in activations:
        net = nn.DeepNN(layers, hidden_activation=g, init=init, seed=seed)
        out.append((f"DeepNN {layers}, hidden {g}", compare(net, X, Y)))
    return out


# ---------------------------------------------------------------- the plan


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
    """quick: a smoke test; default: the course's numbers on the flower, fewer on the cats;
    full: the course's numbers on the cats too, and week 4's two-layer net."""
    if quick:
        return Budget(flower=300, sweep=200, deep=300, cat_logistic=20, cat_deep=10)
    if full:
        return Budget(10_000, 5_000, 10_000, cat_logistic=2_000, cat_deep=2_500, two_layer=True)
    return Budget(10_000, 5_000, 10_000, cat_logistic=1_000, cat_deep=1_000)


def require_extras() -> None:
    """Fail early, before any training, when the demo could not draw (graphviz, matplotlib)."""
    from . import viz

    viz.graphviz_backend()  # RuntimeError naming what to install
    if importlib.util.find_spec("matplotlib") is None:
        raise ImportError('the demo draws with matplotlib: pip install "tinygrad-edu[plot]"')


@dataclass
class Demo:
    """What every section shares: the folder it writes into, the report page, the iterations."""

    out: Path
    page: Report
    plan: Budget
    progress: bool = True  # tqdm bars while training
    files: outdir.OutDir | None = None  # out/ as claimed: what it records, a rerun may replace

    def file(self, name: str) -> Path:
        """The path to write out/name to, recorded in out/'s marker (see run)."""
        assert self.files is not None and name in files_written(cats=True), (
            f"demo writes {name}, which files_written does not list"
        )
        return self.files.file(name)


# ---------------------------------------------------------------- the sections, in order


def week2_graph(d: Demo) -> None:
    """1. Week 2's logistic regression as a graph, values and gradients, and its step-through."""
    from . import viz

    print("1. Week 2: logistic regression as a graph")
    X = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]])  # n_x = 2 features, m = 3 examples
    Y = np.array([[1.0, 0.0, 1.0]])
    J = nn.logistic_regression_graph(X, Y, w=np.array([[0.4], [-0.3]]), b=np.array([[0.1]]))
    viz.backward_with_grads(J)
    graph = viz.render(J, d.file("week2_graph.svg"))
    steps = viz.backward_steps(J, d.out / "week2_steps")
    print(f"   {graph}  and the step-through {steps}")
    d.page.section(
        "Week 2: logistic regression as a graph",
        "Z = wᵀX + b, A = σ(Z), J = L(A, Y) on m = 3 examples with n_x = 2 features, after "
        "backward: each box shows a tensor's shape, its value and, below it, its gradient as "
        "the course writes it: dw, db are ∂J/∂w, ∂J/∂b (the 1/m inside), dZ, dA the per-example "
        "gradients (dZ = A − Y, m times ∂J/∂Z). The dashed edge is where backward sums over the "
        "m columns: db = (1/m) Σ dZ.",
    )
    d.page.figure(graph, "the week-2 graph, values and gradients")
    d.page.links([(steps, "backward, step by step (the rule applied at each node) →")])


def autodiff_checks(d: Demo) -> bool:
    """2. Autodiff against the course's hand-derived gradients; True when every model agrees."""
    print("2. Autodiff against the hand-derived backward: the largest relative difference")
    checks = gradient_checks([2, 4, 3, 1], nn.ACTIVATIONS, logistic=True)
    width = max(len(label) for label, _ in checks)
    for label, result in checks:
        verdict = "ok" if result else "MISMATCH"
        print(f"   {label.ljust(width)}  {result.max_relative_difference:.1e}  {verdict}")
    d.page.section(
        "Autodiff against the hand-derived backward",
        "reference.py holds the course's forward and backward written out by hand "
        "(propagate, L_model_backward). Each row compares its gradients with the engine's, per "
        "parameter: ‖g_auto − g_ref‖ / (‖g_auto‖ + ‖g_ref‖), on 10 random examples.",
    )
    d.page.table(
        ["model", "relative difference per parameter", "max", "verdict"],
        [[label, ",  ".join(f"{c.name} {c.relative_difference:.1e}" for c in result.checks),
          f"{result.max_relative_difference:.1e}", "ok" if result else "MISMATCH"]
         for label, result in checks],
        verdicts=[bool(result) for _, result in checks],
    )  # fmt: skip
    return all(result for _, result in checks)


def flower_models(d: Demo, flower: datasets.Data) -> list[Row]:
    """3. Week 3's flower: logistic regression against one hidden layer of 4 tanh units."""
    from . import plots

    print(f"3. Week 3: the planar flower (learning rate 1.2, {d.plan.flower} iterations)")
    d.page.section(
        "Week 3: the planar flower",
        f"400 points (seed 1) to train on, 200 fresh ones (seed 3) to test on. Logistic "
        f"regression against one hidden layer of 4 tanh units (W = randn × 0.01 after "
        f"seed 2), learning rate 1.2, {d.plan.flower} iterations: no straight line separates "
        "the petals.",
    )
    rows, costs = [], {}
    for label, picture, model in [
        ("logistic regression", "flower_logistic.png", nn.LogisticRegression(2)),
        ("4 tanh units", "flower_tanh4.png", nn.DeepNN([2, 4, 1], "tanh", init="small", seed=2)),
    ]:
        history, row = train(model, flower, label, 1.2, d.plan.flower, d.progress)
        rows.append(row)
        costs[label] = history.costs
        print(f"   {label}: train accuracy {percent(row.train)}, test {percent(row.test)}")
        plots.plot_decision_boundary(model.predict, flower.train_x, flower.train_y,
                                     d.file(picture),
                                     title=f"{label}: {percent(row.train)}")  # fmt: skip
        d.page.figure(d.out / picture, f"{label}: train accuracy {percent(row.train)}", small=True)
    plots.plot_costs(costs, d.file("flower_costs.png"), title="the flower: cost per iteration")
    d.page.figure(d.out / "flower_costs.png", "learning curves", small=True)
    return rows


def hidden_size_sweep(d: Demo, flower: datasets.Data) -> list[Row]:
    """3, continued. One hidden layer of n_h tanh units, for each of the course's sizes."""
    from . import plots

    print(f"   hidden layer sizes ({d.plan.sweep} iterations each):")
    d.page.paragraph(
        f"The hidden layer's size, {d.plan.sweep} iterations each: a few units already bend "
        "the boundary round the petals, too few cannot; beyond a handful, more change little."
    )
    rows, table, costs = [], [], {}
    for n_h in HIDDEN_SIZES:
        model = nn.DeepNN([2, n_h, 1], "tanh", init="small", seed=2)
        history, row = train(model, flower, f"sweep: n_h = {n_h}", 1.2, d.plan.sweep, d.progress)
        rows.append(row)
        costs[f"n_h = {n_h}"] = history.costs
        table.append([str(n_h), percent(row.train), percent(row.test), f"{row.cost:.4f}"])
        print(f"     n_h = {n_h:>2}: train accuracy {percent(row.train)}, test {percent(row.test)}")
        plots.plot_decision_boundary(model.predict, flower.train_x, flower.train_y,
                                     d.file(f"flower_hidden_{n_h}.png"),
                                     title=f"n_h = {n_h}: {percent(row.train)}")  # fmt: skip
    d.page.table(["hidden units", "train accuracy", "test accuracy", "final cost"], table)
    for n_h in HIDDEN_SIZES:
        d.page.figure(d.out / f"flower_hidden_{n_h}.png", f"n_h = {n_h}", small=True)
    plots.plot_costs(costs, d.file("flower_sweep_costs.png"), title="cost per hidden size")
    d.page.figure(d.out / "flower_sweep_costs.png", "learning curves per hidden size", small=True)
    return rows


def deeper_net(d: Demo, flower: datasets.Data) -> list[Row]:
    """3, continued. A [2, 10, 5, 1] tanh net on the flower, and its graph drawn two ways."""
    from . import plots, viz

    dims = [2, 10, 5, 1]
    print(f"   a deeper net {dims} (learning rate 0.3, {d.plan.deep} iterations)")
    model = nn.DeepNN(dims, "tanh", init="scaled", seed=2)
    history, row = train(model, flower, f"deep tanh {dims}", 0.3, d.plan.deep, d.progress)
    print(f"     train accuracy {percent(row.train)}, test {percent(row.test)}")
    plots.plot_decision_boundary(model.predict, flower.train_x, flower.train_y,
                                 d.file("flower_deep.png"),
                                 title=f"{dims}: {percent(row.train)}")  # fmt: skip
    history.plot(d.file("flower_deep_history.png"))
    # the course's picture, through AL = sigmoid(Z[L]): 4 points, 2 per class; fit left its last
    # step's gradients in .grad, and the picture shows this J's
    model.zero_grad()
    J = nn.cost(model(flower.train_x[:, ::100]), flower.train_y[:, ::100])
    viz.backward_with_grads(J)
    full = viz.render(J, d.file("flower_deep_graph.svg"), rankdir="TB")  # top to bottom: it's long
    layers = viz.render(J, d.file("flower_deep_layers.svg"), collapse="layers")
    steps = viz.backward_steps(J, d.out / "flower_deep_steps", rankdir="TB")
    print(f"     graphs {full}, {layers}; step-through {steps}")
    d.page.paragraph(
        f"A deeper net {dims} (tanh, W[l] = randn / √n[l-1], seed 2), learning rate 0.3 (at 1.2 "
        f"its cost jumps about), {d.plan.deep} iterations. "
        "Its graph is drawn for 4 of the points, after training: first every tensor, then one "
        "box per layer."
    )
    d.page.figure(d.out / "flower_deep.png", f"{dims}: train accuracy {percent(row.train)}",
                  small=True)  # fmt: skip
    d.page.figure(d.out / "flower_deep_history.png", "its learning curve", small=True)
    d.page.figure(layers, "the deep net, one box per layer (collapse='layers')")
    d.page.figure(full, "the deep net, every tensor")
    d.page.links([(steps, "the deep net's backward, step by step →")])
    return [row]


def experiments(d: Demo) -> None:
    """4. The course notes' experiments, each a function of tinygrad_edu.experiments, drawn."""
    from . import experiment_plots, plots
    from . import experiments as E

    print("4. The course notes' experiments")
    d.page.section(
        "The course notes' experiments",
        "Each is a function in tinygrad_edu.experiments that a notebook and a test call too, on "
        "the flower, with fewer iterations than the course's.",
    )
    captions = {
        "activations": "§3.2, §3.4: g(z) with the op's formula above, g′(z) from the engine's "
        "backward with the op's rule below; σ′ is at most ¼ and, like tanh′, near 0 at large |z|",
        "linear_activations": "§3.3: with linear hidden layers the net is logistic regression: "
        "W[L]…W[1] is its w, and its decision boundary is a straight line",
        "zero_vs_random_init": "§3.7: from equal weights every hidden unit stays identical "
        "(equal rows of W[1]); small random weights break the symmetry; b = 0 is fine",
        "sigmoid_vs_relu": "week 1: ‖dW[l]‖ per layer: sigmoid's gradient shrinks toward the "
        "input, relu's does not, and relu trains faster",
        "hyperparameters": "§4.5: learning rates and depths: applied deep learning is empirical",
    }
    for name in EXPERIMENTS:
        result = getattr(E, name)()
        getattr(experiment_plots, f"plot_{name}")(result, d.file(f"experiment_{name}.png"))
        d.page.figure(d.out / f"experiment_{name}.png", captions[name])
        print(f"   {name}")
    flower = datasets.load_data("flower")
    runs = {}
    for g in ("sigmoid", "relu"):
        model = nn.DeepNN([2, 10, 10, 10, 1], g, init="scaled", seed=1)
        runs[f"{g} hidden layers"] = nn.fit(
            model, flower.train_x, flower.train_y, 0.3, d.plan.deep // 10 or 1, print_every=None,
            progress=False, track="gradients", track_every=max(1, d.plan.deep // 200),
        )  # fmt: skip
    plots.plot_gradient_health(runs, d.file("gradient_health.png"))
    d.page.figure(
        d.out / "gradient_health.png",
        'fit(..., track="gradients"): each layer\'s ‖dW[l]‖ and its saturated units while '
        "training [2, 10, 10, 10, 1] with sigmoid and with relu hidden layers",
    )


def cats(d: Demo, cat: datasets.Data | None) -> list[Row]:
    """5. Week 2's logistic regression and week 4's nets on the cats; or where to put them."""
    d.page.section("Weeks 2 and 4: cat or not")
    if cat is None:
        note = (
            f"Not run: pass --data DIR (the directory with {datasets.TRAIN_FILE} and "
            f"{datasets.TEST_FILE}) or set {datasets.ENV_VAR}=DIR."
        )
        d.page.paragraph(note)
        hint = datasets.find_catvnoncat()
        if hint is not None:
            note += f" (They are in {hint}.)"
        print(f"5. The cat models: {note}")
        return []
    from . import plots

    pictures = cat.cat
    assert pictures is not None  # load_data("cat" or a directory) keeps the pictures
    m_train, m_test = pictures.train_x.shape[1], pictures.test_x.shape[1]
    print(f"5. Cat or not: {m_train} training pictures, {m_test} test")
    nets = [("week 4 L-layer", CAT_DIMS, "scaled")]
    if d.plan.two_layer:
        nets.insert(0, ("week 4 two-layer", [12288, 7, 1], "small"))
    d.page.paragraph(
        f"{m_train} pictures of 64 × 64 × 3 = 12288 pixels to train on, "
        f"{m_test} to test on. Week 2: logistic regression from zeros, learning "
        f"rate 0.005, {d.plan.cat_logistic} iterations (the course: 2000). Week 4: "
        + " and ".join(f"{dims} (init {init!r})" for _, dims, init in nets)
        + f", relu then sigmoid, learning rate 0.0075, {d.plan.cat_deep} iterations (the course: "
        "2500; --full runs the course's numbers and adds the two-layer net). The curves show "
        "every iteration; the course plots every 100th, which hides the zigzag."
    )
    history, row = train(nn.LogisticRegression(12288), cat, "week 2 logistic regression", 0.005,
                         d.plan.cat_logistic, d.progress)  # fmt: skip
    rows = [row]
    print(f"   {row.model}: train {percent(row.train)}, test {percent(row.test)}")
    history.plot(d.file("cat_week2.png"))
    d.page.figure(d.out / "cat_week2.png", f"week 2: test accuracy {percent(row.test)}")
    costs = {}
    for label, dims, init in nets:
        model = nn.DeepNN(dims, "relu", "sigmoid", init=init, seed=1)
        history, row = train(model, cat, label, 0.0075, d.plan.cat_deep, d.progress)
        rows.append(row)
        costs[f"{label} {dims}"] = history.costs
        print(f"   {label}: train {percent(row.train)}, test {percent(row.test)}")
    plots.plot_costs(costs, d.file("cat_week4.png"), title="week 4: cost per iteration")
    d.page.figure(d.out / "cat_week4.png", "week 4: learning curves")
    # model is the last of nets: the L-layer net
    plots.plot_mislabeled(pictures.test_x_orig, None, pictures.test_y,
                          model.predict(pictures.test_x), pictures.classes,
                          d.file("cat_mislabeled.png"))  # fmt: skip
    d.page.figure(d.out / "cat_mislabeled.png", "test pictures the L-layer net gets wrong")
    return rows


def summary(d: Demo, rows: list[Row]) -> str:
    """6. Every model trained above in one table; returns it as text for the terminal."""
    d.page.section(
        "Summary", "Every model trained above; accuracies on the training and test sets."
    )
    d.page.table(Row.HEADER, [r.cells() for r in rows])
    return text_table(Row.HEADER, [r.cells() for r in rows])


# ---------------------------------------------------------------- all of it


@dataclass
class Outcome:
    """What run() did: whether every gradient check agreed, where the report is, how long."""

    ok: bool
    report: Path
    seconds: float


def run(out: Path, plan: Budget, cat: datasets.Data | None = None, progress: bool = True,
        command: str = "tinygrad-edu demo") -> Outcome:  # fmt: skip
    """Every section in order into out/ (made if missing), then out/index.html; prints as it goes.

    cat is load_data("cat") or None (the cat section then says how to add them); command is how
    the report says it was made.

    out/ must be new, empty, or one the demo wrote (outdir.claim), and this is checked before
    any training, as is every file and step folder it will write there: a directory holding
    files the tool did not write, or a file, is refused (outdir.RefusedPathError, a ValueError).
    Its marker, .tinygrad_edu.json, lists what the demo wrote; a rerun replaces those files and
    removes the ones it no longer writes (the cat pictures of a run with cats). Any other file in
    out/ is never touched; week2_steps/ and flower_deep_steps/ are backward_steps' own (marked).
    """
    start = time.perf_counter()
    files = outdir.claim(out, "demo")
    files.check(files_written(cats=cat is not None))
    for name in STEP_DIRS:
        outdir.check(files.path / name, "demo")
    out = files.path
    d = Demo(out, Report("tinygrad_edu: backpropagation, watched", out), plan, progress, files)
    week2_graph(d)
    ok = autodiff_checks(d)
    flower = datasets.load_data("flower")
    rows = flower_models(d, flower)
    rows += hidden_size_sweep(d, flower)
    rows += deeper_net(d, flower)
    experiments(d)
    rows += cats(d, cat)
    table = summary(d, rows)
    seconds = time.perf_counter() - start
    d.page.lead = (
        f"Written by {command} in {seconds:.0f} s. Every picture is "
        "a file in this folder; click one to open it at full size."
    )
    d.file("index.html")  # recorded; the page writes it
    report = d.page.write()
    files.finish()  # what an earlier run wrote and this one did not (its cat pictures)
    print(f"\n{table}\n")
    return Outcome(ok, report, seconds)
