"""Gradient checks students can call: autodiff against central differences (`gradcheck`) and
against the course's hand-derived backward in `reference` (`compare`), one result type for both.

Both measure the course's relative difference ||g - g_ref|| / (||g|| + ||g_ref||): below 1e-7 is
great, above 1e-3 is a bug.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import functional as F
from . import reference
from .arguments import number
from .report import text_table
from .tensor import Tensor, no_grad


def relative_difference(a: Any, b: Any) -> float:
    """||a - b|| / (||a|| + ||b||);  0 when a = b = 0, nan when a or b holds a nan or an inf"""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"relative_difference: a has shape {a.shape} and b {b.shape}; "
            "pass two gradients of one shape"
        )
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return math.nan  # no match is vouched for by a nan or an inf: nan < tol is False
    top = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    if top == 0.0:
        return 0.0
    # The ratio does not change under scaling; a power of two scales exactly, and brings the
    # largest element into [0.5, 1) so that squaring 1e200 or 1e-200 neither overflows nor vanishes.
    s = math.ldexp(1.0, -math.frexp(top)[1])
    a, b = a * s, b * s
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


_HEADER = ("name", "shape", "relative difference", "worst at", "autodiff", "expected", "verdict")


@dataclass
class Check:
    """One input's or parameter's gradient: by autodiff, as expected, and how far apart."""

    name: str  # the parameter's key ("W1", "b1", "w"), the input's name, or "input 0"
    shape: tuple[int, ...]
    relative_difference: float  # ||autodiff - expected|| / (||autodiff|| + ||expected||)
    worst_index: tuple[int, ...]  # the element where |autodiff - expected| is largest
    autodiff: np.ndarray
    expected: np.ndarray  # central differences (gradcheck) or the hand-derived gradient (compare)
    index: int = 0  # position among f's inputs, or among the model's parameters

    @property
    def label(self) -> str:
        """The name (what InputCheck.label was)."""
        return self.name


@dataclass
class GradcheckResult:
    """Truthy when every check's relative difference is below tol; prints as one table."""

    checks: list[Check] = field(default_factory=list)
    tol: float = 1e-6
    method: str = "central differences"  # what `expected` is, for the printout
    eps: float | None = None  # gradcheck's step
    cost_autodiff: float | None = None  # compare's J, by the engine and by reference
    cost_reference: float | None = None

    def __bool__(self) -> bool:
        return all(c.relative_difference < self.tol for c in self.checks)

    @property
    def max_relative_difference(self) -> float:
        """The largest relative difference over the checks; nan if any is nan."""
        return float(np.max([c.relative_difference for c in self.checks], initial=0.0))

    def __str__(self) -> str:
        verdict = "OK" if self else "MISMATCH"
        rows = []
        for c in self.checks:
            w = c.worst_index
            has = c.autodiff.size > 0
            rows.append((
                c.name, str(c.shape), f"{c.relative_difference:.3e}", str(w) if has else "-",
                f"{c.autodiff[w]:.10g}" if has else "-", f"{c.expected[w]:.10g}" if has else "-",
                "ok" if c.relative_difference < self.tol else "BAD",
            ))  # fmt: skip
        lines = [f"autodiff against {self.method}: {verdict}", text_table(_HEADER, rows)]
        lines.append(
            f"max relative difference {self.max_relative_difference:.3e}, tol {self.tol:g}"
        )
        if self.cost_autodiff is not None:
            lines.append(
                f"cost J: autodiff {self.cost_autodiff!r}, reference {self.cost_reference!r}"
            )
        return "\n".join(lines)

    __repr__ = __str__


def _check(index: int, name: str, g: np.ndarray, expected: np.ndarray) -> Check:
    diff = np.abs(g - expected)
    worst = np.unravel_index(int(np.argmax(diff)), g.shape) if g.size else ()  # a nan wins
    return Check(name, tuple(g.shape), relative_difference(g, expected),
                 tuple(int(w) for w in worst), g, expected, index)  # fmt: skip


def _scalar(out: Any, where: str) -> float:
    value = out.data if isinstance(out, Tensor) else np.asarray(out)
    if value.size != 1:
        raise ValueError(
            f"gradcheck: f must return a single number (a cost); "
            f"it returned shape {value.shape} {where}"
        )
    return float(value.reshape(()))


def gradcheck(
    f: Callable[..., Any], *inputs: Any, eps: float = 1e-7, tol: float = 1e-6
) -> GradcheckResult:
    """d f / d x by autodiff against (f(x + eps) - f(x - eps)) / (2 eps), element by element.

    Every input that is a Tensor with requires_grad=True is checked; the others are constants.
    The check runs on float64 copies, so the inputs and their .grad are left as they were.
    The course calls a relative difference below 1e-7 great and above 1e-3 a bug.
    """
    if not callable(f):
        raise TypeError(
            f"gradcheck: f must be a function of the inputs that returns a cost, got "
            f"{type(f).__name__}; e.g. gradcheck(lambda w: (w * w).sum(), w)"
        )
    eps = number("gradcheck", "eps", eps, hint="leave it out for the default 1e-07")
    tol = number("gradcheck", "tol", tol, hint="leave it out for the default 1e-06")
    copies: list[Any] = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor):
            if x.dtype != np.float64 and x.requires_grad:
                warnings.warn(
                    f"gradcheck: input {i} ({x.name or 'unnamed'}) is {x.dtype}; the check runs on "
                    "a float64 copy, since finite differences need float64 precision",
                    stacklevel=2,
                )
            copies.append(
                Tensor(x.data.astype(np.float64), requires_grad=x.requires_grad, name=x.name)
            )
        else:
            copies.append(x)
    checked = [i for i, x in enumerate(copies) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError(
            "gradcheck: no input requires grad; "
            "pass Tensor(..., requires_grad=True) for what to check"
        )

    out = f(*copies)
    _scalar(out, "")
    if not isinstance(out, Tensor) or not out.requires_grad:
        raise ValueError("gradcheck: f's result does not depend on the inputs that require grad")
    out.backward()

    result = GradcheckResult(tol=tol, method=f"central differences (eps={eps:g})", eps=eps)
    with no_grad():
        for i in checked:
            x = copies[i]
            g = np.zeros_like(x.data) if x.grad is None else np.asarray(x.grad, dtype=np.float64)
            approx = np.empty_like(x.data)
            for idx in np.ndindex(x.shape):
                orig = x.data[idx]
                x.data[idx] = orig + eps
                plus = _scalar(f(*copies), "at x + eps")
                x.data[idx] = orig - eps
                minus = _scalar(f(*copies), "at x - eps")
                x.data[idx] = orig
                approx[idx] = (plus - minus) / (2 * eps)
            result.checks.append(_check(i, x.name or f"input {i}", g, approx))
    return result


def compare(model: Any, X: np.ndarray, Y: np.ndarray, tol: float = 1e-10) -> GradcheckResult:
    """dW[l], db[l] of J = BCE(model(X), Y) by autodiff against reference's hand-derived backward.

    model is duck-typed: named_parameters() yields ("W1", Tensor), ("b1", Tensor), ... (or
    ("w", ..), ("b", ..) for logistic regression: w (n_x, 1), b (1, 1)); zero_grad(); model(X)
    returns AL; hidden_activation / output_activation name its activations (relu / sigmoid).
    X is (n_x, m), Y is (1, m). The result is truthy when every relative difference is below tol.
    """
    tol = number("compare", "tol", tol, hint="leave it out for the default 1e-10")
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    reference._check_XY("compare", X, Y)
    named = list(model.named_parameters())
    params = {name: np.array(t.data, dtype=np.float64) for name, t in named}

    model.zero_grad()
    J = F.binary_cross_entropy(model(X), Y)
    J.backward()

    if "w" in params:  # logistic regression
        grads, cost = reference.propagate(params["w"], params["b"], X, Y)
        ref = {"w": grads["dw"], "b": grads["db"]}
        method = "the hand-derived backward (reference.propagate)"
    else:
        hidden = getattr(model, "hidden_activation", "relu")
        output = getattr(model, "output_activation", "sigmoid")
        AL, caches = reference.L_model_forward(X, params, hidden, output)
        cost = reference.compute_cost(AL, Y)
        grads = reference.L_model_backward(AL, Y, caches, hidden, output)
        ref = {name: grads[f"d{name}"] for name in params}
        method = "the hand-derived backward (reference.L_model_backward)"

    result = GradcheckResult(
        tol=tol, method=method, cost_autodiff=float(J.data), cost_reference=cost
    )
    for i, (name, t) in enumerate(named):
        if t.grad is None:
            raise ValueError(
                f"compare: parameter {name!r} got no gradient; does it have requires_grad=True "
                "and does model(X) use it?"
            )
        g = np.array(t.grad, dtype=np.float64)
        expected = np.asarray(ref[name], dtype=np.float64).reshape(g.shape)  # db: a number
        result.checks.append(_check(i, name, g, expected))
    return result
