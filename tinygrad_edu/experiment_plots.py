"""Pictures of the course notes' experiments (tinygrad_edu.experiments), one function each.

Each function takes the experiment's result (or runs the experiment with its defaults when given
none), draws it with matplotlib on the Agg canvas that tinygrad_edu.plots sets up (no window,
no pyplot state), saves it when given a path (.png, .svg or .pdf) and returns the Figure.
matplotlib is imported only when a figure is drawn, as in plots.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import experiments as E
from .plots import _figure, _save

__all__ = [
    "plot_activations", "plot_linear_activations", "plot_zero_vs_random_init",
    "plot_sigmoid_vs_relu", "plot_hyperparameters",
]  # fmt: skip

Path = str | os.PathLike | None
_COLOURS = {
    "sigmoid": "tab:orange",
    "tanh": "tab:green",
    "relu": "tab:blue",
    "leaky_relu": "tab:purple",
}


def plot_activations(result: E.Activations | None = None, path: Path = None) -> Any:
    """2 x 4 panels: g(z) above with the op's formula, g'(z) below (the engine's backward) with
    the op's rule."""
    r = result if result is not None else E.activations()
    fig = _figure(14, 6)
    names = list(r.derivatives)
    for k, name in enumerate(names):
        colour = _COLOURS.get(name, "tab:blue")
        top = fig.add_subplot(2, len(names), k + 1)
        top.plot(r.z, r.values[name], color=colour)
        top.set_title(f"{name}\n{r.formulas[name]}", fontsize=10)
        low = fig.add_subplot(2, len(names), len(names) + k + 1)
        low.plot(r.z, r.derivatives[name], color=colour, lw=2, label="engine backward")
        low.set_title(r.rules[name], fontsize=10)
        low.set_ylim(-0.08, 1.08)
        low.set_xlabel("z")
        for ax in (top, low):
            ax.axhline(0, color="grey", lw=0.5)
            ax.axvline(0, color="grey", lw=0.5)
            ax.grid(alpha=0.3)
        if k == 0:
            top.set_ylabel("a = g(z)")
            low.set_ylabel("g′(z)")
            low.legend(fontsize=8, loc="upper left")
    _save(fig, path)
    return fig


def _boundary_panel(ax: Any, t: E.TrainedModel, X: np.ndarray, Y: np.ndarray) -> None:
    """The model's predicted class on the experiment's grid, the data on top."""
    b = t.boundary
    ax.contourf(
        b.xx, b.yy, b.prediction.astype(float), levels=[-0.5, 0.5, 1.5], cmap="Spectral", alpha=0.8
    )
    ax.scatter(X[0], X[1], c=Y.ravel(), cmap="Spectral", s=12, edgecolors="black", linewidths=0.3)
    ax.set_title(
        f"{t.label}\ntrain {100 * t.train_accuracy:.1f}%, test {100 * t.test_accuracy:.1f}%",
        fontsize=10,
    )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")


def plot_linear_activations(result: E.LinearActivations | None = None, path: Path = None) -> Any:
    """2 x 2 panels: the decision boundaries of logistic regression, the linear net (with its line
    W_eff x + b_eff = 0 from the product of its W's) and the tanh net; their cost curves."""
    r = result if result is not None else E.linear_activations()
    fig = _figure(11, 9)
    models = (r.logistic, r.linear, r.tanh)
    for k, t in enumerate(models):
        ax = fig.add_subplot(2, 2, k + 1)
        _boundary_panel(ax, t, r.X, r.Y)
        if t is r.linear:  # the line the product of the W's draws: w1 x1 + w2 x2 + b = 0
            (w1, w2), b = r.W_eff.ravel(), r.b_eff.item()
            xs = np.array([t.boundary.xx.min(), t.boundary.xx.max()])
            if abs(w2) > 1e-12:
                ax.plot(xs, -(w1 * xs + b) / w2, "k--", lw=1.5, label="(W[L]···W[1]) x + b_eff = 0")
                ax.set_ylim(t.boundary.yy.min(), t.boundary.yy.max())
                ax.legend(fontsize=8, loc="lower left")
    costs = fig.add_subplot(2, 2, 4)
    for t in models:  # logistic regression wide and pale: the linear net's curve lies on it
        wide = {"lw": 5, "alpha": 0.4} if t is r.logistic else {}
        costs.plot(np.arange(len(t.costs)), t.costs, label=t.label, **wide)
    costs.set_xlabel("iterations")
    costs.set_ylabel("cost J")
    costs.set_title("cost per iteration", fontsize=10)
    costs.legend(fontsize=8)
    costs.grid(alpha=0.3)
    fig.suptitle("§3.3: with linear hidden layers a deep net is logistic regression")
    _save(fig, path)
    return fig


def plot_zero_vs_random_init(result: E.ZeroVsRandomInit | None = None, path: Path = None) -> Any:
    """One panel per initialization: each hidden unit's parameters after training, one row per
    unit (its W[1] row, b[1], W[2] entry), numbers written in; and a panel of cost curves."""
    r = result if result is not None else E.zero_vs_random_init()
    runs = list(r.runs.values())
    fig = _figure(4 * len(runs) + 4.5, 4)
    n_x = runs[0].W1.shape[1]
    columns = [f"W[1] col {j + 1}" for j in range(n_x)] + ["b[1]", "W[2]"]
    for k, run in enumerate(runs):
        ax = fig.add_subplot(1, len(runs) + 1, k + 1)
        units = np.hstack([run.W1, run.b1, run.W2.T])  # (n_h, n_x + 2): one row per hidden unit
        top = max(float(np.abs(units).max()), 1e-12)
        ax.imshow(units, cmap="RdBu_r", vmin=-top, vmax=top, aspect="auto")
        for (i, j), v in np.ndenumerate(units):  # white on the dark cells
            ink = "white" if abs(v) > 0.6 * top else "black"
            ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=8, color=ink)
        ax.set_xticks(range(len(columns)), columns, fontsize=8)
        ax.set_yticks(range(units.shape[0]), [f"unit {i + 1}" for i in range(units.shape[0])])
        ax.set_title(
            f"from {run.label}: rows differ by {run.W1_row_spread:.3g}\n"
            f"train {100 * run.train_accuracy:.1f}%",
            fontsize=10,
        )
    costs = fig.add_subplot(1, len(runs) + 1, len(runs) + 1)
    for run in runs:
        costs.plot(np.arange(len(run.costs)), run.costs, label=f"from {run.label}")
    costs.set_xlabel("iterations")
    costs.set_ylabel("cost J")
    costs.set_title("cost per iteration", fontsize=10)
    costs.legend(fontsize=8)
    costs.grid(alpha=0.3)
    fig.suptitle(f"§3.7: hidden units after training, {r.layer_dims}, b = 0 at the start")
    _save(fig, path)
    return fig


def plot_sigmoid_vs_relu(result: E.SigmoidVsRelu | None = None, path: Path = None) -> Any:
    """1 x 3 panels: ‖dW[l]‖ per layer at initialization, ‖dW[1]‖ and ‖dW[L]‖ during training
    (log scales), and the cost curves."""
    r = result if result is not None else E.sigmoid_vs_relu()
    L = len(r.layer_dims) - 1
    fig = _figure(15, 4.5)
    layers, during, costs = (fig.add_subplot(1, 3, k) for k in (1, 2, 3))
    for g, run in r.runs.items():
        c = _COLOURS.get(g, None)
        layers.semilogy(np.arange(1, L + 1), run.init_grad_norms, "o-", color=c, label=g)
        during.semilogy(
            run.checkpoints, run.grad_norms[:, 0], "o-", ms=3, color=c, label=f"{g}: ‖dW[1]‖"
        )
        during.semilogy(
            run.checkpoints, run.grad_norms[:, -1], "--", color=c, label=f"{g}: ‖dW[{L}]‖"
        )
        costs.plot(
            np.arange(len(run.costs)),
            run.costs,
            color=c,
            label=f"{g}: {100 * run.train_accuracy:.1f}% train",
        )
    layers.set_xticks(range(1, L + 1), [f"W[{l}]" for l in range(1, L + 1)])
    layers.set_xlabel("layer (input → output)")
    layers.set_ylabel("‖dW[l]‖")
    layers.set_title("gradient per layer at initialization", fontsize=10)
    during.set_xlabel("iterations")
    during.set_ylabel("‖dW‖")
    during.set_title("first and last layer's gradient during training", fontsize=10)
    costs.set_xlabel("iterations")
    costs.set_ylabel("cost J")
    costs.set_title("cost per iteration", fontsize=10)
    for ax in (layers, during, costs):
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, which="both")
    fig.suptitle(
        f"week 1: sigmoid vs relu hidden layers, {r.layer_dims}, learning rate {r.learning_rate:g}"
    )
    _save(fig, path)
    return fig


def plot_hyperparameters(result: E.Hyperparameters | None = None, path: Path = None) -> Any:
    """1 x 2 panels: the cost curves of the learning-rate sweep (log scale, cut at 1500) and of
    the depth sweep; a run that diverged ends with a cross."""
    r = result if result is not None else E.hyperparameters()
    fig = _figure(13, 4.5)
    panels = (("learning_rates", "learning rate α"), ("depths", "number of hidden layers"))
    for k, (sweep, what) in enumerate(panels):
        ax = fig.add_subplot(1, 2, k + 1)
        runs: list[E.SweepRun] = getattr(r, sweep)
        every = np.concatenate([run.costs for run in runs])
        top = min(float(every.max()), 1e3) * 1.5  # a diverged run's 1e300 would hide the rest
        if sweep == "learning_rates":  # the limits before the log scale: it autoscales otherwise
            ax.set_ylim(float(every.min()) / 1.5, top)
            ax.set_yscale("log")
        for run in runs:
            (line,) = ax.plot(
                np.arange(len(run.costs)),
                run.costs,
                lw=1,
                zorder=3 if run.rises == 0 else 2,  # steady curves on top, oscillating ones pale
                alpha=1.0 if run.rises == 0 else 0.6,
                label=f"{run.label}: J = {run.final_cost:.3g}, test {100 * run.test_accuracy:.0f}%",
            )
            if run.diverged:  # at its last finite cost, or at the top edge when that is off it
                ax.plot(
                    len(run.costs) - 1,
                    min(run.costs[-1], top),
                    "x",
                    ms=9,
                    mew=2,
                    color=line.get_color(),
                    clip_on=False,
                )
        ax.set_xlabel("iterations")
        ax.set_ylabel("cost J")
        ax.set_title(f"{what}: cost per iteration", fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, which="both")
    fig.suptitle("§4.5: hyperparameters, tried on the flower")
    _save(fig, path)
    return fig
