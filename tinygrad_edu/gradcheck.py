"""Gradient checking: autodiff against central differences, the check the course teaches."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .tensor import Tensor, no_grad


@dataclass
class InputCheck:
    """How one input's autodiff gradient compares with central differences."""

    index: int
    name: str | None
    shape: tuple[int, ...]
    relative_difference: float  # ||g - g_approx|| / (||g|| + ||g_approx||)
    worst_index: tuple[int, ...]  # the element where |g - g_approx| is largest
    autodiff: np.ndarray
    numeric: np.ndarray

    @property
    def label(self) -> str:
        return self.name or f"input {self.index}"


@dataclass
class GradcheckResult:
    """Truthy when every input's relative difference is below tol; prints as a short report."""

    checks: list[InputCheck] = field(default_factory=list)
    tol: float = 1e-6
    eps: float = 1e-7

    def __bool__(self) -> bool:
        return all(c.relative_difference < self.tol for c in self.checks)

    @property
    def max_relative_difference(self) -> float:
        return max((c.relative_difference for c in self.checks), default=0.0)

    def __str__(self) -> str:
        lines = [
            f"gradcheck (central differences, eps={self.eps:g}, tol={self.tol:g}): "
            f"{'OK' if self else 'MISMATCH'}"
        ]
        for c in self.checks:
            w = c.worst_index
            mark = "ok " if c.relative_difference < self.tol else "BAD"
            lines.append(
                f"  {mark} {c.label:<12} shape {str(c.shape):<12} relative difference "
                f"{c.relative_difference:.3e}   worst at {w}: autodiff {c.autodiff[w]:.10g}, "
                f"numeric {c.numeric[w]:.10g}"
            )
        return "\n".join(lines)

    __repr__ = __str__


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
    """Compare d f / d input, by autodiff, with (f(x + eps) - f(x - eps)) / (2 eps), per element.

    Every input that is a Tensor with requires_grad=True is checked; the others are constants.
    The check runs on float64 copies, so the inputs and their .grad are left as they were.
    The course calls a relative difference below 1e-7 great and above 1e-3 a bug.
    """
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

    result = GradcheckResult(tol=tol, eps=eps)
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
            denom = np.linalg.norm(g) + np.linalg.norm(approx)
            rel = float(np.linalg.norm(g - approx) / denom) if denom > 0 else 0.0
            worst = np.unravel_index(int(np.argmax(np.abs(g - approx))), x.shape) if x.size else ()
            result.checks.append(
                InputCheck(i, x.name, x.shape, rel, tuple(int(w) for w in worst), g, approx)
            )
    return result
