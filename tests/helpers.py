"""The engine tests' one helper per op: forward vs numpy, VJP vs the hand formula and vs central
differences (tinygrad's helper_test_op idea), plus small hand-derived oracles they share.

central_difference is the suite's one finite-difference routine; every test that needs one
imports it from here (conftest.py holds the fixtures: the cat data and the slow flag). The CLI
tests share run_cli, the picture tests dot_titles and dot_box."""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable, Sequence

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor, no_grad
from tinygrad_edu.cli import main

# Property tests: fixed examples for a reproducible suite; TINYGRAD_EDU_EXAMPLES=1000 explores
# more, off CI. Shapes of 0 to 3 dimensions of 1 to 3 each, and seeds for the values.
_MORE = int(os.environ.get("TINYGRAD_EDU_EXAMPLES", "0"))


def examples(n: int) -> settings:
    """hypothesis settings: n fixed examples, or TINYGRAD_EDU_EXAMPLES random ones."""
    return settings(max_examples=_MORE or n, deadline=None, derandomize=not _MORE)


shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
seeds = st.integers(0, 2**32 - 1)


@st.composite
def reductions(draw):
    """(shape, axis, keepdims, seed) for a reduction: axis None, one axis or a tuple of them."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    axis = draw(
        st.none() | st.integers(-len(shape), len(shape) - 1) | hnp.valid_tuple_axes(len(shape))
    )
    return shape, axis, draw(st.booleans()), draw(seeds)

FD_EPS = 1e-6  # central differences: error ~ eps**2 * f''' plus rounding ~ 1e-16 / eps


def sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum g over the axes broadcasting stretched: db = sum(dZ, axis=1, keepdims=True)."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)), written the stable way the engine documents (exp never overflows)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def central_difference(J: Callable[[], float], x: np.ndarray, eps: float = FD_EPS) -> np.ndarray:
    """dJ/dx one entry at a time: (J(x + eps) - J(x - eps)) / (2 eps).

    J() reads x, which is nudged in place and put back: pass the array J computes from.
    """
    g = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + eps
        plus = J()
        x[idx] = orig - eps
        minus = J()
        x[idx] = orig
        g[idx] = (plus - minus) / (2 * eps)
    return g


def numeric_vjp(
    f: Callable[..., Tensor], arrays: Sequence[np.ndarray], dZ: np.ndarray, k: int
) -> np.ndarray:
    """d sum(dZ * f(*arrays)) / d arrays[k] by central differences, running the engine's forward."""
    xs = [np.array(a, dtype=np.float64) for a in arrays]

    def J() -> float:
        with no_grad():
            return float(np.sum(dZ * f(*(Tensor(x) for x in xs)).data))

    return central_difference(J, xs[k])


def check_op(
    f: Callable[..., Tensor],
    numpy_forward: Callable[..., np.ndarray],
    hand_vjp: Callable[..., Sequence[np.ndarray | None]],
    *arrays: np.ndarray,
    seed: int = 0,
    grad_inputs: Sequence[int] | None = None,
    fd: bool = True,
    fd_rtol: float = 1e-6,
) -> Tensor:
    """Check one op three ways on these inputs: forward against numpy, the engine's VJP against
    the hand-derived hand_vjp(dZ, *arrays), and against central differences (when fd).

    grad_inputs: the inputs that require grad (default: all); hand_vjp returns one gradient per
    input (None for those that don't). Returns the output Tensor for further checks.
    """
    grad_inputs = range(len(arrays)) if grad_inputs is None else grad_inputs
    tensors = [
        Tensor(np.array(a, dtype=np.float64), requires_grad=i in grad_inputs)
        for i, a in enumerate(arrays)
    ]
    out = f(*tensors)
    expected = np.asarray(numpy_forward(*arrays))
    assert out.shape == expected.shape, (out.shape, expected.shape)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14)

    dZ = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(grad=dZ)
    hand = hand_vjp(dZ, *arrays)
    for i, t in enumerate(tensors):
        if i not in grad_inputs:
            assert t.grad is None
            continue
        assert isinstance(t.grad, np.ndarray) and t.grad.shape == t.shape, (i, t.grad)
        np.testing.assert_allclose(
            t.grad, hand[i], rtol=1e-10, atol=1e-13, err_msg=f"input {i}: VJP vs hand formula"
        )
        if fd:
            approx = numeric_vjp(f, arrays, dZ, i)
            np.testing.assert_allclose(
                t.grad,
                approx,
                rtol=fd_rtol,
                atol=fd_rtol,
                err_msg=f"input {i}: VJP vs central differences",
            )
    return out


def away_from_zero(
    rng: np.random.Generator, shape: tuple[int, ...], low: float = 0.2
) -> np.ndarray:
    """Normal-ish values with |x| >= low: no input sits on a kink (relu, abs) or a pole (1/x)."""
    x = rng.standard_normal(shape)
    return np.where(x >= 0, x + low, x - low)


def distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.1 apart, so max has one winner per slice and differences don't cross it."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - 0.05 * n).reshape(shape)


# ---- the hand-derived rules, one line each: shared by the fixed-shape and hypothesis tests ----

normal = np.random.Generator.standard_normal


def positive(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Inside the domain of log, sqrt and non-integer powers, away from 0."""
    return rng.uniform(0.3, 3.0, shape)


# name -> (engine op, numpy forward, dA = g'(A) written by hand, input maker)
UNARY = {
    "neg": (lambda a: -a, lambda a: -a, lambda a: -np.ones_like(a), normal),
    "exp": (Tensor.exp, np.exp, np.exp, normal),
    "log": (Tensor.log, np.log, lambda a: 1 / a, positive),
    "sqrt": (Tensor.sqrt, np.sqrt, lambda a: 0.5 / np.sqrt(a), positive),
    "abs": (Tensor.abs, np.abs, np.sign, away_from_zero),
    "sigmoid": (Tensor.sigmoid, sigmoid, lambda a: sigmoid(a) * (1 - sigmoid(a)), normal),
    "tanh": (Tensor.tanh, np.tanh, lambda a: 1 - np.tanh(a) ** 2, normal),
    "relu": (Tensor.relu, lambda a: np.maximum(a, 0), lambda a: (a > 0) * 1.0, away_from_zero),
    "leaky_relu": (
        lambda a: a.leaky_relu(0.1),
        lambda a: np.where(a > 0, a, 0.1 * a),
        lambda a: np.where(a > 0, 1.0, 0.1),
        away_from_zero,
    ),
    "pow2": (lambda a: a**2, lambda a: a**2, lambda a: 2 * a, normal),
    "pow3": (lambda a: a**3, lambda a: a**3, lambda a: 3 * a**2, normal),
    "pow-0.5": (lambda a: a**-0.5, lambda a: a**-0.5, lambda a: -0.5 * a**-1.5, positive),
    "pow1.5": (lambda a: a**1.5, lambda a: a**1.5, lambda a: 1.5 * a**0.5, positive),
}

# name -> (engine op, numpy forward, (dA, dB) before summing back over broadcast axes, B maker)
BINARY = {
    "add": (lambda a, b: a + b, np.add, lambda dZ, a, b: (dZ, dZ), normal),
    "sub": (lambda a, b: a - b, np.subtract, lambda dZ, a, b: (dZ, -dZ), normal),
    "mul": (lambda a, b: a * b, np.multiply, lambda dZ, a, b: (dZ * b, dZ * a), normal),
    "div": (
        lambda a, b: a / b,
        np.divide,
        lambda dZ, a, b: (dZ / b, -dZ * a / b**2),
        away_from_zero,
    ),
}


def check_unary(name: str, shape: tuple[int, ...], seed: int = 0) -> None:
    """check_op for one elementwise primitive: dA = dZ * g'(A)."""
    f, np_f, dg, make = UNARY[name]
    a = make(np.random.default_rng(seed), shape)
    check_op(f, np_f, lambda dZ, a: (dZ * dg(a),), a, seed=seed)


def check_binary(
    name: str, a_shape: tuple[int, ...], b_shape: tuple[int, ...], seed: int = 0
) -> None:
    """check_op for a broadcasting binary primitive: gradients summed back to each input shape."""
    f, np_f, vjp, make_b = BINARY[name]
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(a_shape), make_b(rng, b_shape)

    def hand(dZ, a, b):
        A, B = np.broadcast_arrays(a, b)
        dA, dB = vjp(dZ, A, B)
        return sum_to(dA, a.shape), sum_to(dB, b.shape)

    check_op(f, np_f, hand, a, b, seed=seed)


def reduce_vjp(dZ: np.ndarray, a: np.ndarray, axis, keepdims: bool) -> np.ndarray:
    """The gradient of sum: dZ copied back along the summed axes (re-inserted if not kept)."""
    axes = tuple(range(a.ndim)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    axes = tuple(ax % a.ndim for ax in axes)
    g = dZ if keepdims else np.expand_dims(dZ, axes)
    return np.broadcast_to(g, a.shape)


def max_vjp(dZ: np.ndarray, a: np.ndarray, axis, keepdims: bool) -> np.ndarray:
    """The gradient of max: dZ to the winners, shared equally between tied winners."""
    winners = a == np.max(a, axis=axis, keepdims=True)
    share = winners / winners.sum(axis=axis, keepdims=True)
    return reduce_vjp(dZ, a, axis, keepdims) * share


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """The command line's main(argv) in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def dot_titles(src: str) -> list[str]:
    """The first field of every record node in the DOT text: tensor names, "layer 2"."""
    return re.findall(r'\[label="\{?((?:[^|"\\]|\\.)+)\|', src)


def dot_box(src: str, title: str) -> str:
    """The DOT line of the one tensor box titled title."""
    lines = [ln for ln in src.splitlines() if f'[label="{title}|' in ln]
    assert len(lines) == 1, f"expected one box titled {title}, found {len(lines)}"
    return lines[0]
