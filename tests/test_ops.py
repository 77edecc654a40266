"""Every primitive: forward vs numpy, VJP vs the hand formula and vs central differences."""

import tracemalloc

import numpy as np
import pytest
from helpers import (
    BINARY,
    UNARY,
    check_binary,
    check_op,
    check_unary,
    distinct,
    max_vjp,
    reduce_vjp,
    sigmoid,
)

import tinygrad_edu.functional as F
from tinygrad_edu import Tensor
from tinygrad_edu.ops import LOG_FLOOR, BinaryCrossEntropy

rng = np.random.default_rng


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)])
def test_unary(name, shape):
    check_unary(name, shape, seed=len(shape))


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((3, 4), (3, 4)), ((3, 4), (3, 1)), ((1, 4), (3, 1)), ((3, 4), ()), ((4,), (2, 3, 4))],
)
def test_binary(name, a_shape, b_shape):
    check_binary(name, a_shape, b_shape)


def test_numbers_on_either_side():
    x = rng(1).uniform(0.5, 2.0, (2, 3))
    check_op(lambda a: 2.0 - a, lambda a: 2.0 - a, lambda dZ, a: (-dZ,), x)
    check_op(lambda a: 3.0 / a, lambda a: 3.0 / a, lambda dZ, a: (-3.0 * dZ / a**2,), x)
    check_op(lambda a: 2 * a + 1, lambda a: 2 * a + 1, lambda dZ, a: (2 * dZ,), x)


# ---- the points where the derivative is a convention ----


def test_kinks_take_the_course_conventions():
    z = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    z.relu().sum().backward()
    np.testing.assert_array_equal(z.grad, [0.0, 0.0, 1.0])  # relu'(0) = 0
    z.grad = None
    z.abs().sum().backward()
    np.testing.assert_array_equal(z.grad, [-1.0, 0.0, 1.0])  # abs'(0) = 0
    z.grad = None
    z.leaky_relu(0.2).sum().backward()
    np.testing.assert_array_equal(z.grad, [0.2, 0.2, 1.0])  # leaky_relu'(0) = slope


# ---- matrix products ----


def test_matmul_2d():
    W, A = rng(2).standard_normal((3, 4)), rng(3).standard_normal((4, 5))
    check_op(lambda W, A: W @ A, np.matmul, lambda dZ, W, A: (dZ @ A.T, W.T @ dZ), W, A)


@pytest.mark.parametrize(
    "a_shape, b_shape, hand",
    [
        ((4,), (4, 5), lambda dZ, v, M: (M @ dZ, np.outer(v, dZ))),
        ((3, 4), (4,), lambda dZ, M, v: (np.outer(dZ, v), M.T @ dZ)),
        ((4,), (4,), lambda dZ, v, w: (dZ * w, dZ * v)),
    ],
)
def test_matmul_1d(a_shape, b_shape, hand):
    a, b = rng(4).standard_normal(a_shape), rng(5).standard_normal(b_shape)
    check_op(lambda a, b: a @ b, np.matmul, hand, a, b)


def test_matmul_with_numpy_operands_and_data_x():
    W, X = rng(6).standard_normal((2, 3)), rng(7).standard_normal((3, 4))
    check_op(lambda W: W @ X, lambda W: W @ X, lambda dZ, W: (dZ @ X.T,), W)
    check_op(lambda X: W @ X, lambda X: W @ X, lambda dZ, X: (W.T @ dZ,), X)  # __rmatmul__


def test_linear():
    W, A, b = (rng(8).standard_normal(s) for s in [(3, 4), (4, 5), (3, 1)])
    out = check_op(
        F.linear,
        lambda W, A, b: W @ A + b,
        lambda dZ, W, A, b: (dZ @ A.T, W.T @ dZ, np.sum(dZ, axis=1, keepdims=True)),
        W,
        A,
        b,
    )
    assert out.op == "linear" and out.broadcast == {2: (3, 1)}


def test_linear_transpose_W_is_week_2s_w_T_X_plus_b():
    w, X, b = (rng(10).standard_normal(s) for s in [(4, 1), (4, 5), (1, 1)])
    Z = check_op(
        lambda w, X, b: F.linear(w, X, b, transpose_W=True),
        lambda w, X, b: w.T @ X + b,
        lambda dZ, w, X, b: (X @ dZ.T, w @ dZ, dZ.sum(axis=1, keepdims=True)),
        w,
        X,
        b,
    )
    assert Z.op == "linear" and Z.shape == (1, 5) and Z.broadcast == {2: (1, 1)}
    dw = Z.parents[0].grad  # computed as X dZ^T in w's (4, 1) layout: its own array, no copy
    assert dw.shape == (4, 1) and dw.base is None


@pytest.mark.parametrize("transpose_W", [False, True])
def test_linear_is_the_courses_np_dot_bit_for_bit(transpose_W):
    """Z = np.dot(W, A_prev) + b, dW = np.dot(dZ, A_prev.T), dA_prev = np.dot(W.T, dZ), exactly."""
    W, A, b = (rng(11).standard_normal(s) for s in [(7, 300), (300, 50), (7, 1)])
    W = W.T.copy() if transpose_W else W  # week 2 keeps w as (n_x, n[l]) and uses w.T
    Wt, At, bt = (Tensor(x, requires_grad=True) for x in (W, A, b))
    Z = F.linear(Wt, At, bt, transpose_W=transpose_W)
    dZ = rng(12).standard_normal(Z.shape)
    Z.backward(dZ)
    W_course = W.T if transpose_W else W
    assert np.array_equal(Z.data, np.dot(W_course, A) + b)
    dW = np.dot(A, dZ.T) if transpose_W else np.dot(dZ, A.T)  # week 2's dw = X dZ^T
    assert np.array_equal(Wt.grad, dW)
    assert np.array_equal(At.grad, np.dot(W_course.T, dZ))
    assert np.array_equal(bt.grad, np.sum(dZ, axis=1, keepdims=True))


def test_linear_with_data_x_needs_no_dA():
    W, X, b = (rng(9).standard_normal(s) for s in [(3, 4), (4, 5), (3, 1)])
    check_op(
        F.linear,
        lambda W, X, b: W @ X + b,
        lambda dZ, W, X, b: (dZ @ X.T, None, dZ.sum(axis=1, keepdims=True)),
        W,
        X,
        b,
        grad_inputs=(0, 2),
    )


# ---- reductions ----

AXES = [
    (None, False),
    (None, True),
    (0, False),
    (1, True),
    (-1, False),
    ((0, 2), False),
    ((0, 2), True),
]


@pytest.mark.parametrize("axis, keepdims", AXES)
def test_sum(axis, keepdims):
    a = rng(10).standard_normal((2, 3, 4))
    check_op(
        lambda a: a.sum(axis, keepdims),
        lambda a: np.sum(a, axis, keepdims=keepdims),
        lambda dZ, a: (reduce_vjp(dZ, a, axis, keepdims),),
        a,
    )


@pytest.mark.parametrize("axis, keepdims", AXES)
def test_mean(axis, keepdims):
    a = rng(11).standard_normal((2, 3, 4))
    n = a.size / np.sum(a, axis, keepdims=keepdims).size
    check_op(
        lambda a: a.mean(axis, keepdims),
        lambda a: np.mean(a, axis, keepdims=keepdims),
        lambda dZ, a: (reduce_vjp(dZ, a, axis, keepdims) / n,),
        a,
    )


@pytest.mark.parametrize("axis, keepdims", AXES)
def test_max(axis, keepdims):
    a = distinct(rng(12), (2, 3, 4))
    check_op(
        lambda a: a.max(axis, keepdims),
        lambda a: np.max(a, axis, keepdims=keepdims),
        lambda dZ, a: (max_vjp(dZ, a, axis, keepdims),),
        a,
    )


def test_max_ties_share_equally():
    a = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    a.max(axis=1).backward(grad=np.array([6.0, 3.0]))
    np.testing.assert_array_equal(a.grad, [[0.0, 3.0, 3.0], [1.0, 1.0, 1.0]])
    a.grad = None
    a.max().backward()
    np.testing.assert_array_equal(a.grad, [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]])


# ---- shape and indexing ----


@pytest.mark.parametrize("shape", [(4, 3), (12,), (2, -1), (1, 3, 4), ()])
def test_reshape(shape):
    a = rng(13).standard_normal((3, 4) if shape != () else (1, 1))
    check_op(
        lambda a: a.reshape(shape),
        lambda a: a.reshape(shape),
        lambda dZ, a: (dZ.reshape(a.shape),),
        a,
    )


@pytest.mark.parametrize("axes", [None, (1, 0, 2), (2, 0, 1), (0, 1, 2)])
def test_transpose(axes):
    a = rng(14).standard_normal((2, 3, 4))
    inverse = None if axes is None else tuple(np.argsort(axes))
    check_op(
        lambda a: a.transpose(axes),
        lambda a: np.transpose(a, axes),
        lambda dZ, a: (np.transpose(dZ, inverse),),
        a,
    )


def test_dot_T_is_the_course_transpose():
    a = rng(15).standard_normal((3, 5))
    check_op(lambda a: a.T, lambda a: a.T, lambda dZ, a: (dZ.T,), a)


@pytest.mark.parametrize(
    "index",
    [
        1,
        slice(1, 3),
        (slice(None), slice(None, None, 2)),
        (Ellipsis, -1),
        (slice(None, None, -1), 2),
    ],
)
def test_getitem_basic(index):
    a = rng(16).standard_normal((4, 5))

    def hand(dZ, a):
        dA = np.zeros_like(a)
        dA[index] = dZ  # basic indexing picks each element at most once
        return (dA,)

    check_op(lambda a: a[index], lambda a: a[index], hand, a)


def test_getitem_integer_array_with_repeats():
    a = rng(17).standard_normal((4, 3))
    rows = [2, 0, 2, 2, 3]

    def hand(dZ, a):
        dA = np.zeros_like(a)
        for j, i in enumerate(rows):  # a row picked three times collects three gradients
            dA[i] += dZ[j]
        return (dA,)

    check_op(lambda a: a[rows], lambda a: a[rows], hand, a)
    check_op(lambda a: a[np.array(rows)], lambda a: a[rows], hand, a)


def test_getitem_pairs_of_integer_arrays():
    a = rng(18).standard_normal((3, 3))
    rows, cols = np.array([0, 1, 0]), np.array([2, 2, 2])

    def hand(dZ, a):
        dA = np.zeros_like(a)
        for j in range(3):
            dA[rows[j], cols[j]] += dZ[j]
        return (dA,)

    check_op(lambda a: a[rows, cols], lambda a: a[rows, cols], hand, a)


@pytest.mark.parametrize(
    "a_shape, shape", [((3, 1), (3, 4)), ((4,), (2, 3, 4)), ((), (2, 2)), ((1, 1), (2, 3))]
)
def test_broadcast_to(a_shape, shape):
    a = rng(19).standard_normal(a_shape)

    def hand(dZ, a):  # sum over the new leading axes, then over the stretched ones
        g = dZ
        while g.ndim > a.ndim:
            g = g.sum(axis=0)
        return (g.sum(axis=tuple(i for i, n in enumerate(a.shape) if n == 1), keepdims=True),)

    check_op(lambda a: a.broadcast_to(shape), lambda a: np.broadcast_to(a, shape), hand, a)


def test_scatter_add():
    a = rng(20).standard_normal((5, 2))
    rows = [1, 3, 1, 0, 1]

    def forward(a):
        Z = np.zeros((4, 2))
        for j, i in enumerate(rows):
            Z[i] += a[j]
        return Z

    check_op(lambda a: a.scatter_add(rows, (4, 2)), forward, lambda dZ, a: (dZ[rows],), a)


# ---- the course's cost ----


def test_binary_cross_entropy():
    A = rng(21).uniform(0.05, 0.95, (1, 6))
    Y = rng(22).uniform(0.0, 1.0, (1, 6))
    m = A.size
    check_op(
        F.binary_cross_entropy,
        lambda A, Y: -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)),
        lambda dJ, A, Y: (dJ * (A - Y) / (A * (1 - A)) / m, dJ * (np.log(1 - A) - np.log(A)) / m),
        A,
        Y,
    )


def test_binary_cross_entropy_with_logits():
    Z = rng(23).standard_normal((2, 5)) * 3
    Y = (rng(24).uniform(size=(2, 5)) > 0.5) * 1.0
    m = Z.size
    check_op(
        F.binary_cross_entropy_with_logits,
        lambda Z, Y: -np.mean(Y * np.log(sigmoid(Z)) + (1 - Y) * np.log(1 - sigmoid(Z))),
        lambda dJ, Z, Y: (dJ * (sigmoid(Z) - Y) / m, -dJ * Z / m),
        Z,
        Y,
    )


# ---- numerics ----


def test_sigmoid_is_stable_and_exact_at_the_ends():
    z = np.array([-1000.0, -745.0, -40.0, 0.0, 40.0, 1000.0])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no overflow on the way
        a = Tensor(z).sigmoid().data
    assert a[0] == 0.0 and a[-1] == 1.0 and a[3] == 0.5 and a[4] == 1.0
    np.testing.assert_allclose(a[2], np.exp(-40.0), rtol=1e-14)
    with np.errstate(over="ignore"):
        naive = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(a, naive, rtol=1e-14, atol=1e-300)  # engine keeps a denormal at -745


def test_bce_with_logits_gradient_is_exactly_the_course_dZ():
    Z = Tensor(rng(25).standard_normal((1, 7)) * 5, requires_grad=True)
    Y = (rng(26).uniform(size=(1, 7)) > 0.5) * 1.0
    J = F.binary_cross_entropy_with_logits(Z, Y)
    J.backward()
    assert np.array_equal(Z.grad, (sigmoid(Z.data) - Y) / 7)
    A = 1 / (1 + np.exp(-Z.data))
    naive = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    np.testing.assert_allclose(J.item(), naive, rtol=1e-13)


@np.errstate(over="raise", divide="raise", invalid="raise")  # the clamps, not warnings
def test_bce_with_logits_is_finite_and_right_far_out():
    Z = Tensor([[-800.0, 800.0, -800.0, 800.0, 0.0]], requires_grad=True)
    Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0]])
    J = F.binary_cross_entropy_with_logits(Z, Y)
    J.backward()
    np.testing.assert_allclose(J.item(), (800 + 800 + np.log(2)) / 5, rtol=1e-15)
    np.testing.assert_array_equal(Z.grad, [[0.0, 0.0, -0.2, 0.2, -0.1]])


@np.errstate(over="raise", divide="raise", invalid="raise")  # the clamps, not warnings
def test_bce_on_saturated_A_is_finite():
    A = Tensor([[0.0, 1.0, 0.0, 1.0]], requires_grad=True)
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    J = F.binary_cross_entropy(A, Y)
    J.backward()
    assert J.item() == 50.0  # two right answers cost 0, two wrong ones 100 each (log clamped)
    assert np.all(np.isfinite(A.grad))
    np.testing.assert_allclose(A.grad, [[0.0, 0.0, -0.25e12, 0.25e12]], rtol=1e-12)


@np.errstate(over="raise", divide="raise", invalid="raise")  # the clamps, not warnings
def test_bce_through_a_saturated_sigmoid_is_finite():
    Z = Tensor([[-800.0, 40.0, -800.0, 40.0]], requires_grad=True)
    A = Z.sigmoid()
    assert A.data[0, 0] == 0.0 and A.data[0, 1] == 1.0
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    J = F.binary_cross_entropy(A, Y)
    J.backward()
    assert J.item() == 50.0
    # backward takes the course's shortcut dZ = (1/m)(A - Y): right even where A saturated
    np.testing.assert_array_equal(Z.grad, [[0.0, 0.0, -0.25, 0.25]])
    Z.grad = None
    A = Z.sigmoid().retain_grad()  # a kept dA: the walk goes through A, as PyTorch's BCELoss
    F.binary_cross_entropy(A, Y).backward()
    np.testing.assert_array_equal(Z.grad, [[0.0, 0.0, 0.0, 0.0]])  # saturated: vanishing, not NaN


@pytest.mark.parametrize("m", [1, 4, 50])
def test_autodiff_gives_the_course_dZ(m):
    X = rng(m).standard_normal((3, m))
    Y = (rng(m + 1).uniform(size=(1, m)) > 0.5) * 1.0
    W, b = (
        Tensor(rng(2).standard_normal((1, 3)), requires_grad=True),
        Tensor([[0.3]], requires_grad=True),
    )
    Z = F.linear(W, X, b)
    Z.retain_grad()
    A = Z.sigmoid()
    F.binary_cross_entropy(A, Y).backward()
    dZ = (A.data - Y) / m  # the course's dZ = A - Y, with its 1/m
    np.testing.assert_allclose(Z.grad, dZ, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(W.grad, dZ @ X.T, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(b.grad, dZ.sum(axis=1, keepdims=True), rtol=1e-12, atol=1e-15)

    W.grad = b.grad = None
    Z2 = F.linear(W, X, b)
    Z2.retain_grad()
    F.binary_cross_entropy_with_logits(Z2, Y).backward()
    np.testing.assert_allclose(Z2.grad, dZ, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(W.grad, dZ @ X.T, rtol=1e-12, atol=1e-15)


def test_pow_zero_has_zero_gradient_everywhere():
    x = Tensor([0.0, -1.5, 2.0], requires_grad=True)
    y = x**0
    np.testing.assert_array_equal(y.data, [1.0, 1.0, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("create_graph", [False, True])
def test_bce_label_gradient_at_saturated_A_uses_the_floored_logs(create_graph):
    A = Tensor([[1.0, 0.0, 0.3]], requires_grad=True)
    Y = Tensor([[0.0, 1.0, 1.0]], requires_grad=True)
    F.binary_cross_entropy(A, Y).backward(create_graph=create_graph)
    dY = Y.grad.data if create_graph else Y.grad
    # dY = (1/m) (log(1 - A) - log(A)) with each log floored at -100, as in the cost
    expected = np.array([[-100.0 - 0.0, 0.0 + 100.0, np.log(0.7) - np.log(0.3)]]) / 3
    np.testing.assert_allclose(dY, expected, rtol=1e-12)


def peak_bytes(f, *args):
    """(f(*args), the most memory f held at once beyond what it returns, in bytes)."""
    f(*args)
    tracemalloc.start()
    out = f(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, peak


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bce_forward_holds_two_buffers_the_expression_three(dtype):
    r = rng(33)
    A = r.uniform(0, 1, (1, 20000)).astype(dtype)
    Y = (r.uniform(size=A.shape) > 0.5).astype(dtype)
    _, peak = peak_bytes(BinaryCrossEntropy().forward, A, Y)
    assert peak < 2.2 * A.nbytes  # (1 - Y) log(1 - A) and log A
    _, plain = peak_bytes(lambda A, Y: (Y * np.log(A) + (1 - Y) * np.log(1 - A)).sum(), A, Y)
    assert plain > 2.9 * A.nbytes  # what it replaced (the course's, without the floors)


def test_bce_forward_of_0d_values():  # ufuncs give 0-d results as scalars: nothing in place
    assert BinaryCrossEntropy().forward(np.array(0.25), np.array(1.0)) == -np.log(0.25)
    J = BinaryCrossEntropy().forward(np.array(0.75, np.float32), np.array(0.0, np.float32))
    assert J.dtype == np.float32 and J == -np.log(np.float32(0.25))


@pytest.mark.parametrize(
    "dtypes",
    [
        ("float64", "float64"),
        ("float32", "float32"),
        ("float32", "float64"),
        ("float64", "float32"),
    ],
)
def test_bce_forward_is_the_course_expression_bit_for_bit(dtypes):
    A = np.concatenate([rng(31).uniform(0, 1, (1, 200)), [[0.0, 1.0, 1e-50, 1 - 1e-17]]], axis=1)
    Y = np.concatenate([(rng(32).uniform(0, 1, (1, 200)) > 0.5) * 1.0, [[0, 1, 1, 0]]], axis=1)
    A, Y = A.astype(dtypes[0]), Y.astype(dtypes[1])
    logA, log1mA = np.log(np.maximum(A, LOG_FLOOR)), np.log(np.maximum(1 - A, LOG_FLOOR))
    course = (-1 / A.size) * (Y * logA + (1 - Y) * log1mA).sum()  # the one-line expression
    J = BinaryCrossEntropy().forward(A, Y)
    assert J.dtype == course.dtype and J == course
