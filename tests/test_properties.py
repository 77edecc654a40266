"""The same per-op checks over many shapes, axes and small graphs, drawn by hypothesis."""


import numpy as np
import pytest
from helpers import (
    BINARY,
    UNARY,
    check_binary,
    check_op,
    check_unary,
    distinct,
    examples,
    max_vjp,
    numeric_vjp,
    reduce_vjp,
    reductions,
    seeds,
    shapes,
    sigmoid,
    sum_to,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu.functional as F
from tinygrad_edu import Tensor

SETTINGS = examples(40)


@SETTINGS
@given(name=st.sampled_from(sorted(UNARY)), shape=shapes, seed=seeds)
def test_unary_any_shape(name, shape, seed):
    check_unary(name, shape, seed)


@pytest.mark.filterwarnings("ignore::tinygrad_edu.ops.BroadcastWarning")  # (1, k) with (k, 1)
@SETTINGS
@given(
    name=st.sampled_from(sorted(BINARY)),
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    seed=seeds,
)
def test_binary_broadcasting(name, shapes, seed):
    a_shape, b_shape = shapes.input_shapes
    check_binary(name, a_shape, b_shape, seed)


@SETTINGS
@given(reductions())
def test_sum_mean_max_any_axis(case):
    shape, axis, keepdims, seed = case
    a = np.random.default_rng(seed).standard_normal(shape)
    check_op(
        lambda a: a.sum(axis, keepdims),
        lambda a: np.sum(a, axis, keepdims=keepdims),
        lambda dZ, a: (reduce_vjp(dZ, a, axis, keepdims),),
        a,
        seed=seed,
    )
    n = a.size // np.sum(a, axis, keepdims=True).size
    check_op(
        lambda a: a.mean(axis, keepdims),
        lambda a: np.mean(a, axis, keepdims=keepdims),
        lambda dZ, a: (reduce_vjp(dZ, a, axis, keepdims) / n,),
        a,
        seed=seed,
    )
    d = distinct(np.random.default_rng(seed), shape)
    check_op(
        lambda a: a.max(axis, keepdims),
        lambda a: np.max(a, axis, keepdims=keepdims),
        lambda dZ, a: (max_vjp(dZ, a, axis, keepdims),),
        d,
        seed=seed,
    )


@SETTINGS
@given(shape=shapes, seed=seeds, data=st.data())
def test_max_ties_any_axis(shape, seed, data):
    a = np.random.default_rng(seed).integers(0, 2, shape) * 1.0  # ties everywhere
    axis = data.draw(st.none() | hnp.valid_tuple_axes(len(shape)))
    t = Tensor(a, requires_grad=True)
    out = t.max(axis)
    dZ = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(grad=dZ)
    np.testing.assert_allclose(t.grad, max_vjp(dZ, a, axis, False), rtol=1e-12)
    # what each slice receives sums back to its dZ: the tied winners split it
    np.testing.assert_allclose(t.grad.sum(axis=axis), dZ, rtol=1e-12, atol=1e-15)


def factorizations(n, dims=3):
    """Every shape of up to `dims` axes holding n elements, with ones: (6,), (2, 3), (3, 1, 2)."""
    shapes = [()] if n == 1 else []
    if dims:
        for d in range(1, n + 1):
            if n % d == 0:
                shapes += [(d, *rest) for rest in factorizations(n // d, dims - 1)]
    return shapes


@SETTINGS
@given(shape=shapes, seed=seeds, data=st.data())
def test_reshape_and_transpose(shape, seed, data):
    a = np.random.default_rng(seed).standard_normal(shape)
    axes = tuple(data.draw(st.permutations(range(len(shape)))))
    inverse = tuple(np.argsort(axes))
    check_op(
        lambda a: a.transpose(axes),
        lambda a: np.transpose(a, axes),
        lambda dZ, a: (np.transpose(dZ, inverse),),
        a,
        seed=seed,
    )
    new = data.draw(st.sampled_from(factorizations(a.size)))
    check_op(
        lambda a: a.reshape(new),
        lambda a: a.reshape(new),
        lambda dZ, a: (dZ.reshape(a.shape),),
        a,
        seed=seed,
    )


@SETTINGS
@given(shape=shapes, seed=seeds, data=st.data())
def test_getitem_basic_indices(shape, seed, data):
    a = np.random.default_rng(seed).standard_normal(shape)
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=False, allow_ellipsis=True))

    def hand(dZ, a):
        dA = np.zeros_like(a)
        dA[index] = dZ
        return (dA,)

    check_op(lambda a: a[index], lambda a: a[index], hand, a, seed=seed)


@SETTINGS
@given(n=st.integers(1, 4), k=st.integers(1, 8), cols=st.integers(1, 3), seed=seeds)
def test_getitem_and_scatter_add_with_repeats(n, k, cols, seed):
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, n, k)  # k picks out of n rows: repeats when k > n, often before
    a = rng.standard_normal((n, cols))

    def picked_back(dZ, a):
        dA = np.zeros_like(a)
        for j, i in enumerate(rows):
            dA[i] += dZ[j]
        return dA

    check_op(
        lambda a: a[rows], lambda a: a[rows], lambda dZ, a: (picked_back(dZ, a),), a, seed=seed
    )
    s = rng.standard_normal((k, cols))
    check_op(
        lambda s: s.scatter_add(rows, (n, cols)),
        lambda s: picked_back(s, a),
        lambda dZ, s: (dZ[rows],),
        s,
        seed=seed,
    )


@st.composite
def broadcast_targets(draw):
    target = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    a_shape = draw(
        hnp.broadcastable_shapes(target, min_dims=0, max_dims=len(target)).filter(
            lambda s: np.broadcast_shapes(s, target) == target
        )
    )
    return a_shape, target, draw(seeds)


@SETTINGS
@given(broadcast_targets())
def test_broadcast_to(case):
    a_shape, target, seed = case
    a = np.random.default_rng(seed).standard_normal(a_shape)
    check_op(
        lambda a: a.broadcast_to(target),
        lambda a: np.broadcast_to(a, target),
        lambda dZ, a: (sum_to(dZ, a.shape),),
        a,
        seed=seed,
    )


@SETTINGS
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), seed=seeds)
def test_matmul_and_linear(n, k, m, seed):
    rng = np.random.default_rng(seed)
    W, A, b = rng.standard_normal((n, k)), rng.standard_normal((k, m)), rng.standard_normal((n, 1))
    check_op(lambda W, A: W @ A, np.matmul, lambda dZ, W, A: (dZ @ A.T, W.T @ dZ), W, A, seed=seed)
    check_op(
        F.linear,
        lambda W, A, b: W @ A + b,
        lambda dZ, W, A, b: (dZ @ A.T, W.T @ dZ, dZ.sum(axis=1, keepdims=True)),
        W,
        A,
        b,
        seed=seed,
    )
    check_op(  # week 2's form: Z = W^T A + b with W (k, n)
        lambda Wt, A, b: F.linear(Wt, A, b, transpose_W=True),
        lambda Wt, A, b: Wt.T @ A + b,
        lambda dZ, Wt, A, b: (A @ dZ.T, Wt @ dZ, dZ.sum(axis=1, keepdims=True)),
        W.T.copy(),
        A,
        b,
        seed=seed,
    )
    v = rng.standard_normal(k)
    check_op(
        lambda W, v: W @ v, np.matmul, lambda dZ, W, v: (np.outer(dZ, v), W.T @ dZ), W, v, seed=seed
    )
    check_op(
        lambda v, A: v @ A, np.matmul, lambda dZ, v, A: (A @ dZ, np.outer(v, dZ)), v, A, seed=seed
    )


@SETTINGS
@given(shape=shapes, seed=seeds)
def test_costs_any_shape(shape, seed):
    rng = np.random.default_rng(seed)
    A, Y, Z = (
        rng.uniform(0.05, 0.95, shape),
        rng.uniform(0, 1, shape),
        rng.standard_normal(shape) * 3,
    )
    m = A.size
    check_op(
        F.binary_cross_entropy,
        lambda A, Y: -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)),
        lambda dJ, A, Y: (dJ * (A - Y) / (A * (1 - A)) / m, dJ * (np.log(1 - A) - np.log(A)) / m),
        A,
        Y,
        seed=seed,
    )
    check_op(
        F.binary_cross_entropy_with_logits,
        lambda Z, Y: -np.mean(Y * np.log(sigmoid(Z)) + (1 - Y) * np.log(1 - sigmoid(Z))),
        lambda dJ, Z, Y: (dJ * (sigmoid(Z) - Y) / m, -dJ * Z / m),
        Z,
        Y,
        seed=seed,
    )


# ---- small graphs with reuse: fan-out and diamonds ----

STEPS = [
    lambda u, v: u * v,
    lambda u, v: u + v.tanh(),
    lambda u, v: (u - v).sigmoid(),
    lambda u, v: u / (1 + v * v),
    lambda u, v: (u * u + 1).log() * v,
    lambda u, v: u.sum(axis=0, keepdims=True) * v,
    lambda u, v: u.max(axis=1, keepdims=True) - v,
    lambda u, v: (u.T @ v).mean() + u,
    lambda u, v: u[[1, 0, 1]] * v.abs(),
]


@st.composite
def graphs(draw):
    """A few steps, each combining two earlier nodes (any of them: so nodes are reused)."""
    n = draw(st.integers(1, 6))
    return [
        (
            draw(st.sampled_from(range(len(STEPS)))),
            draw(st.integers(0, 100)),
            draw(st.integers(0, 100)),
        )
        for _ in range(n)
    ], draw(seeds)


def run_graph(program, x, y):
    nodes = [x, y, x * y]  # x and y fan out from the start
    for step, i, j in program:
        nodes.append(STEPS[step](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    return sum(nodes[2:], nodes[-1]).sum()  # the last node counts twice: a diamond at the end


@SETTINGS
@given(graphs())
def test_random_graphs_with_reuse_match_finite_differences(case):
    program, seed = case
    rng = np.random.default_rng(seed)
    x, y = distinct(rng, (3, 3)) / 3, rng.standard_normal((3, 3))
    tx, ty = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    run_graph(program, tx, ty).backward()
    for k, t in enumerate([tx, ty]):
        approx = numeric_vjp(lambda a, b: run_graph(program, a, b), [x, y], np.ones(()), k)
        np.testing.assert_allclose(t.grad, approx, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("width", [1, 2, 5])
def test_diamond_fan_out_counts_every_path(width):
    x = Tensor(2.0, requires_grad=True)
    h = x * x  # used `width` times below: dJ/dh = width * 3
    J = sum((h * 3 for _ in range(width)), x * 0)
    J.backward()
    assert x.grad == width * 3 * 2 * 2.0
