"""The course's plots: learning curves, the flower's decision boundary, mislabelled cat pictures.

The only module that imports matplotlib, and only inside these functions (`pip install
"tinygrad-edu[plot]"`). Figures are built as `matplotlib.figure.Figure` objects with the Agg
canvas, so nothing opens a window and no global pyplot state is touched; each function returns
its Figure (a notebook shows it) and, given a path, saves it as PNG, SVG or PDF by the extension.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import outdir

__all__ = [
    "plot_history", "plot_costs", "plot_decision_boundary", "plot_mislabeled",
    "plot_gradient_health",
]  # fmt: skip

_FORMATS = (".png", ".svg", ".pdf")


def _figure_png(fig: Any) -> bytes:
    """A Figure as PNG bytes, at the size and dpi it is saved with: what a notebook shows."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def enable_notebook() -> bool:
    """In IPython/Jupyter show every matplotlib Figure as a PNG, no `%matplotlib` needed, once.

    The formatter is registered by name, so matplotlib is imported only when a Figure is shown.
    Returns True when it was registered, False outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    png = shell.display_formatter.formatters.get("image/png") if shell is not None else None
    if png is None:
        return False
    png.for_type_by_name("matplotlib.figure", "Figure", _figure_png)
    return True


def _figure(width: float, height: float) -> Any:
    """A Figure on the non-interactive Agg canvas (no window, no pyplot)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            'tinygrad_edu.plots needs matplotlib: pip install "tinygrad-edu[plot]"'
        ) from None
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str | os.PathLike | None) -> None:
    if path is None:
        return
    out = Path(path)
    if out.suffix.lower() not in _FORMATS:
        raise ValueError(
            f"plots: cannot tell the format of {str(out)!r}; end the path with one of "
            f"{', '.join(_FORMATS)}"
        )
    outdir.writable_file(out, "plots")  # a folder, a read-only file, a file as a folder: refused
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)


def _array(x: Any) -> np.ndarray:
    """A numpy array from an array, a list or a Tensor (anything with .data)."""
    return np.asarray(x.data if hasattr(x, "data") and not isinstance(x, np.ndarray) else x)


def _as_list(value: Any) -> list[float] | None:
    """A list of numbers for a list-like value, None for None or an empty list."""
    if value is None or np.ndim(value) == 0:
        return None
    values = [float(v) for v in value]
    return values or None


def plot_history(history: Any, path: str | os.PathLike | None = None) -> Any:
    """The learning curve: cost J against iterations, and accuracies when the history has them.

    history needs .costs (one number per iteration); optional .learning_rate, and accuracies as
    lists (.train_accuracies / .val_accuracies at the iterations in .checkpoints) or as single
    numbers in [0, 1] (.train_accuracy / .val_accuracy, shown in the title).
    """
    costs = _as_list(getattr(history, "costs", None))
    if not costs:
        raise ValueError("plot_history: history.costs is empty; train for at least one iteration")
    train = _as_list(getattr(history, "train_accuracies", None))
    val = _as_list(getattr(history, "val_accuracies", None))
    for name in ("train_accuracy", "val_accuracy"):  # a list under the singular name works too
        value = getattr(history, name, None)
        if _as_list(value) is not None:
            if name == "train_accuracy":
                train = train or _as_list(value)
            else:
                val = val or _as_list(value)
    fig = _figure(10 if train else 6, 4)
    ax = fig.add_subplot(1, 2 if train else 1, 1)
    ax.plot(np.arange(len(costs)), costs, color="tab:blue", label="cost")
    ax.set_xlabel("iterations")
    ax.set_ylabel("cost J")
    title = []
    lr = getattr(history, "learning_rate", None)
    if lr is not None:
        title.append(f"Learning rate = {lr:g}")
    for name, what in (("train_accuracy", "train"), ("val_accuracy", "val")):
        value = getattr(history, name, None)
        if value is not None and np.ndim(value) == 0:
            title.append(f"{what} accuracy {100 * float(value):.1f}%")
    ax.set_title(", ".join(title) or "cost")
    ax.grid(alpha=0.3)
    if train:
        acc = fig.add_subplot(1, 2, 2)
        for values, label, color in ((train, "train", "tab:green"), (val, "validation", "tab:red")):
            if values is None:
                continue
            x = _checkpoints(history, len(values), len(costs))
            acc.plot(x, [100 * v for v in values], marker="o", ms=3, color=color, label=label)
        acc.set_xlabel("iterations")
        acc.set_ylabel("accuracy (%)")
        acc.set_title("accuracy")
        acc.legend()
        acc.grid(alpha=0.3)
    _save(fig, path)
    return fig


def _checkpoints(history: Any, n: int, iterations: int) -> np.ndarray:
    """The iterations where n accuracies were taken: history.checkpoints, else spread evenly."""
    points = _as_list(getattr(history, "checkpoints", None))
    if points is not None and len(points) == n:
        return np.asarray(points)
    return np.linspace(0, max(iterations - 1, 0), n)


def plot_costs(
    costs: Mapping[str, Sequence[float]],
    path: str | os.PathLike | None = None,
    title: str | None = None,
) -> Any:
    """Several learning curves on one axes, e.g. {"n_h = 4": costs, "n_h = 20": costs}."""
    if not costs:
        raise ValueError(
            "plot_costs: pass a dict of label -> list of costs, with at least one entry"
        )
    fig = _figure(7, 4)
    ax = fig.add_subplot()
    for label, values in costs.items():
        ys = [float(v) for v in values]
        ax.plot(np.arange(len(ys)), ys, label=str(label))
    ax.set_xlabel("iterations")
    ax.set_ylabel("cost J")
    ax.set_title(title or "cost per model")
    ax.legend()
    ax.grid(alpha=0.3)
    _save(fig, path)
    return fig


def plot_decision_boundary(
    predict: Callable[[np.ndarray], Any],
    X: Any,
    Y: Any,
    path: str | os.PathLike | None = None,
    title: str | None = None,
    resolution: int = 250,
) -> Any:
    """The predicted class on a grid over 2-D data (filled contours), the points coloured by Y.

    predict maps a (2, k) array of points to (1, k) predictions of 0 or 1, e.g.
    `lambda P: model.predict(P)`; X is (2, m) as the course's flower, Y is (1, m).
    """
    Xa = _array(X).astype(float)
    if Xa.ndim != 2 or Xa.shape[0] != 2:
        raise ValueError(
            f"plot_decision_boundary: X has shape {Xa.shape}; it must be 2-D data of shape (2, m), "
            "one column per point (the planar flower); for other data, plot a projection"
        )
    m = Xa.shape[1]
    Ya = _array(Y).reshape(-1)
    if Ya.size != m:
        raise ValueError(f"plot_decision_boundary: Y has {Ya.size} labels but X has {m} points")
    (x_min, y_min), (x_max, y_max) = Xa.min(axis=1) - 1, Xa.max(axis=1) + 1  # the course's margin
    xx, yy = np.meshgrid(
        np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution)
    )
    grid = np.stack([xx.ravel(), yy.ravel()])
    Z = _array(predict(grid))
    if Z.size != grid.shape[1]:
        raise ValueError(
            f"plot_decision_boundary: predict returned shape {Z.shape} for {grid.shape[1]} points; "
            f"it must return one prediction per column, shape (1, {grid.shape[1]})"
        )
    fig = _figure(6, 5)
    ax = fig.add_subplot()
    ax.contourf(xx, yy, Z.reshape(xx.shape).astype(float), levels=[-0.5, 0.5, 1.5],
                cmap="Spectral", alpha=0.8)  # fmt: skip
    ax.scatter(Xa[0], Xa[1], c=Ya, cmap="Spectral", s=20, edgecolors="black", linewidths=0.4)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title or "decision boundary")
    _save(fig, path)
    return fig


def _class_name(classes: Any, k: Any) -> str:
    name = classes[int(k)]
    return name.decode("utf-8") if isinstance(name, (bytes, np.bytes_)) else str(name)


def plot_mislabeled(
    images: Any,
    X: Any,
    Y: Any,
    predictions: Any,
    classes: Any,
    path: str | os.PathLike | None = None,
    max_images: int = 10,
) -> Any:
    """The pictures the model got wrong, titled "Prediction: cat / Class: non-cat" (week 4).

    images is (m, height, width, 3), e.g. the test set's uint8 pictures; pass None to rebuild
    them from X, the flattened (n_x, m) input with n_x = height * width * 3 (square pictures).
    Y and predictions are (1, m) labels; classes maps a label to its name (bytes or str).
    """
    Ya, P = _array(Y).reshape(-1), _array(predictions).reshape(-1)
    if Ya.shape != P.shape:
        raise ValueError(
            f"plot_mislabeled: {Ya.size} labels but {P.size} predictions; pass both as (1, m)"
        )
    pictures = _pictures(images, X, Ya.size)
    wrong = np.flatnonzero(P != Ya)[: max(int(max_images), 0)]
    cols = min(len(wrong), 5) or 1
    rows = -(-len(wrong) // cols) or 1
    fig = _figure(2.6 * cols, 2.9 * rows)
    for k, i in enumerate(wrong):
        ax = fig.add_subplot(rows, cols, k + 1)
        ax.imshow(pictures[i], interpolation="nearest")
        ax.axis("off")
        ax.set_title(
            f"Prediction: {_class_name(classes, P[i])}\nClass: {_class_name(classes, Ya[i])}",
            fontsize=9,
        )
    if not len(wrong):
        fig.suptitle("no mislabelled pictures")
    _save(fig, path)
    return fig


def _pictures(images: Any, X: Any, m: int) -> np.ndarray:
    """(m, height, width, 3) pictures, given or unflattened from the (n_x, m) input X."""
    if images is not None:
        pics = _array(images)
        if pics.ndim != 4 or pics.shape[0] != m:
            raise ValueError(
                f"plot_mislabeled: images has shape {pics.shape}; it must be (m, height, width, 3) "
                f"with m = {m}, the number of labels"
            )
        return pics
    if X is None:
        raise ValueError("plot_mislabeled: pass the images, or X to rebuild them from")
    Xa = _array(X)
    side = int(round(np.sqrt(Xa.shape[0] / 3))) if Xa.ndim == 2 else 0
    if Xa.ndim != 2 or Xa.shape[1] != m or side * side * 3 != Xa.shape[0]:
        raise ValueError(
            f"plot_mislabeled: X has shape {Xa.shape}; to rebuild pictures it must be (n_x, {m}) "
            "with n_x = side * side * 3 (e.g. 12288 for 64x64 RGB); or pass the images"
        )
    pics = Xa.T.reshape(m, side, side, 3)
    if pics.dtype.kind == "f":  # the course's X is the pictures / 255; unscaled floats too
        return np.clip(pics, 0, 1) if pics.max() <= 1 else np.clip(pics, 0, 255).astype(np.uint8)
    return pics


def plot_gradient_health(
    histories: Mapping[str, Any] | Any, path: str | os.PathLike | None = None
) -> Any:
    """Per layer, ‖dW[l]‖ over the iterations (log scale, top) and the fraction of saturated units
    (bottom), one column per History recorded with fit(..., track="gradients"): beside each
    other, a sigmoid net's first layers get vanishing gradients and a relu net's do not."""
    runs = dict(histories) if isinstance(histories, Mapping) else {"": histories}
    for label, h in runs.items():
        if not getattr(h, "gradient_health", None):
            raise ValueError(
                f"plot_gradient_health: History {label!r} has no gradient health; train it with "
                'fit(..., track="gradients")'
            )
    fig = _figure(5.0 * len(runs), 6.5)
    axes = fig.subplots(2, len(runs), squeeze=False, sharey="row")
    for col, (label, h) in enumerate(runs.items()):
        top, low = axes[0][col], axes[1][col]
        layers = sorted(h.gradient_health[0])
        for layer in layers:
            norms = [max(rec[layer]["dW_norm"], 1e-300) for rec in h.gradient_health]
            saturated = [100 * rec[layer]["saturated"] for rec in h.gradient_health]
            top.plot(h.health_iterations, norms, label=f"dW[{layer}]")
            low.plot(h.health_iterations, saturated, label=f"layer {layer}")
        top.set_yscale("log")
        top.set_title(f"{label}: ‖dW[l]‖ per layer" if label else "‖dW[l]‖ per layer")
        low.set_title("saturated units (g′(Z) under a tenth of its largest)")
        low.set_xlabel("iteration")
        low.set_ylim(-3, 103)
        top.legend(fontsize=8)
        low.legend(fontsize=8)
        for ax in (top, low):
            ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("‖dW[l]‖ (log)")
    axes[1][0].set_ylabel("saturated (%)")
    _save(fig, path)
    return fig
