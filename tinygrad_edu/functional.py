"""The course's activations and its cost, as functions of Tensors (or anything a Tensor accepts)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from .tensor import Tensor, apply


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def sigmoid(Z: Any) -> Tensor:
    """A = 1 / (1 + exp(-Z));  dZ = dA * A * (1 - A)"""
    return _t(Z).sigmoid()


def tanh(Z: Any) -> Tensor:
    """A = tanh(Z);  dZ = dA * (1 - A**2)"""
    return _t(Z).tanh()


def relu(Z: Any) -> Tensor:
    """A = max(0, Z);  dZ = dA * (Z > 0)"""
    return _t(Z).relu()


def leaky_relu(Z: Any, slope: float = 0.01) -> Tensor:
    """A = max(slope * Z, Z);  dZ = dA * (1 if Z > 0 else slope)"""
    return _t(Z).leaky_relu(slope)


def linear(W: Any, A_prev: Any, b: Any, transpose_W: bool = False) -> Tensor:
    """Z = W @ A_prev + b;  dW = dZ A_prev^T,  db = sum(dZ, axis=1),  dA_prev = W^T dZ (one node).

    transpose_W=True computes Z = W^T @ A_prev + b, week 2's z = w^T x + b with w (n_x, 1):
    backward gives dW = A_prev dZ^T, in w's own shape, the course's dw = X dZ^T.
    """
    return apply(ops.Linear(transpose_W), _t(W), _t(A_prev), _t(b))


def _labels(Y: Any, like: Tensor) -> Tensor:
    return Y if isinstance(Y, Tensor) else Tensor(np.asarray(Y, dtype=like.dtype))


def binary_cross_entropy(A: Any, Y: Any) -> Tensor:
    """J = -(1/m) sum(Y log A + (1 - Y) log(1 - A));  dA = (1/m) (A - Y) / (A (1 - A)).

    A holds probabilities in [0, 1], Y the labels, both of the same shape (the course's (1, m)).
    Saturated A is safe: each log is clamped at -100 and the gradient's denominator at 1e-12, as
    PyTorch does. From logits Z, prefer binary_cross_entropy_with_logits: it is exact there.
    """
    A = _t(A)
    Y = _labels(Y, A)
    # sigmoid's output is in [0, 1] by construction, unless changed since: only other A are
    # checked, their shapes first
    if not (isinstance(A.grad_fn, ops.Sigmoid) and A.version == 0):
        ops.BinaryCrossEntropy().check(A.shape, Y.shape)
        _check_probabilities(A.data)
    return apply(ops.BinaryCrossEntropy(), A, Y)


def _check_probabilities(A: np.ndarray) -> None:
    """Raise unless every value of A lies in [0, 1] (NaN fails both comparisons)."""
    if ((A >= 0) & (A <= 1)).all():
        return
    nan = np.isnan(A)
    found = [] if nan.all() else [f"span [{A[~nan].min():.4g}, {A[~nan].max():.4g}]"]
    found += ["include NaN"] if nan.any() else []
    raise ValueError(
        f"binary_cross_entropy: A must hold probabilities in [0, 1], but its values "
        f"{' and '.join(found)}; pass sigmoid(Z), or call "
        "binary_cross_entropy_with_logits(Z, Y) on the logits"
    )


def binary_cross_entropy_with_logits(Z: Any, Y: Any) -> Tensor:
    """J = (1/m) sum(max(Z, 0) - Z Y + log(1 + exp(-|Z|)));  dZ = (1/m) (sigmoid(Z) - Y).

    The same cost as binary_cross_entropy(sigmoid(Z), Y), computed from Z without rounding A,
    so it is stable for any Z, and its gradient is exactly the course's dZ = A - Y, with its 1/m.
    """
    Z = _t(Z)
    return apply(ops.BinaryCrossEntropyWithLogits(), Z, _labels(Y, Z))
