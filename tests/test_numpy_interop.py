"""numpy's own functions on Tensors (numpy_support.py): np.dot(w.T, X), np.log(A), np.sum(dZ,
axis=1, keepdims=True), np.maximum(0, Z), ... record into the graph as the course writes them.

Each function: the forward equals numpy's on the arrays, and the VJP equals the hand-derived one
and central differences (helpers.check_op); ndarray operands on either side, broadcasting, the
relu/tie rules of np.maximum and np.minimum, comparisons as plain bool arrays, the refusals
(no gradient rule, out=, np.asarray of a tensor in a graph) and the one-number conversions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import (
    away_from_zero,
    check_op,
    distinct,
    examples,
    max_vjp,
    positive,
    reduce_vjp,
    reductions,
    seeds,
    shapes,
    sum_to,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import BroadcastWarning, Tensor, no_grad

SETTINGS = examples(30)


def normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape)


def grad_of(out: Tensor, dZ: np.ndarray, *leaves: Tensor) -> list[np.ndarray]:
    """out.backward(grad=dZ), then each leaf's .grad."""
    out.backward(grad=dZ)
    return [t.grad for t in leaves]


def leaf(a, requires_grad: bool = True) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


# ---- elementwise functions of one input: np.exp(Z), np.log(A), np.tanh(Z), ... ----

# name -> (the numpy call on a Tensor, the op it records, dA = dZ * g'(a) by hand, input maker)
UNARY = {
    "np.exp": (np.exp, "exp", np.exp, normal),
    "np.log": (np.log, "log", lambda a: 1 / a, positive),
    "np.sqrt": (np.sqrt, "sqrt", lambda a: 0.5 / np.sqrt(a), positive),
    "np.abs": (np.abs, "abs", np.sign, away_from_zero),
    "np.absolute": (np.absolute, "abs", np.sign, away_from_zero),
    "np.tanh": (np.tanh, "tanh", lambda a: 1 - np.tanh(a) ** 2, normal),
    "np.negative": (np.negative, "neg", lambda a: -np.ones_like(a), normal),
    "np.square": (np.square, "pow", lambda a: 2 * a, normal),
    "np.power(a, 3)": (lambda a: np.power(a, 3), "pow", lambda a: 3 * a**2, normal),
    "np.power(a, 0.5)": (lambda a: np.power(a, 0.5), "pow", lambda a: 0.5 * a**-0.5, positive),
    "np.power(a, -1)": (lambda a: np.power(a, -1), "pow", lambda a: -(a**-2.0), away_from_zero),
}


def check_unary(name: str, shape: tuple[int, ...], seed: int) -> None:
    np_f, op, dg, make = UNARY[name]
    a = make(np.random.default_rng(seed), shape)
    out = check_op(np_f, np_f, lambda dZ, a: (dZ * dg(a),), a, seed=seed)
    assert type(out) is Tensor and out.op == op, (name, type(out), getattr(out, "op", None))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_numpy_function(name):
    check_unary(name, (3, 4), seed=1)


@SETTINGS
@given(name=st.sampled_from(sorted(UNARY)), shape=shapes, seed=seeds)
def test_unary_numpy_function_any_shape(name, shape, seed):
    check_unary(name, shape, seed)


def test_positive_passes_the_tensor_through():
    Z = leaf([[1.0, -2.0]])
    out = np.positive(Z)
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out.data, [[1.0, -2.0]])
    (out * np.array([[3.0, 4.0]])).sum().backward()
    np.testing.assert_array_equal(Z.grad, [[3.0, 4.0]])


# ---- elementwise functions of two inputs, under broadcasting ----

# name -> (numpy ufunc, (dA, dB) by hand on the broadcast arrays, maker for B)
BINARY = {
    "np.add": (np.add, lambda dZ, a, b: (dZ, dZ), normal),
    "np.subtract": (np.subtract, lambda dZ, a, b: (dZ, -dZ), normal),
    "np.multiply": (np.multiply, lambda dZ, a, b: (dZ * b, dZ * a), normal),
    "np.divide": (np.divide, lambda dZ, a, b: (dZ / b, -dZ * a / b**2), away_from_zero),
    "np.true_divide": (np.true_divide, lambda dZ, a, b: (dZ / b, -dZ * a / b**2), away_from_zero),
    # distinct inputs (see check_binary): no ties, the larger (smaller) side takes all of dZ
    "np.maximum": (np.maximum, lambda dZ, a, b: (dZ * (a > b), dZ * (b > a)), normal),
    "np.minimum": (np.minimum, lambda dZ, a, b: (dZ * (a < b), dZ * (b < a)), normal),
}

# Which side is a Tensor that requires grad; the other side is a plain ndarray where it is not.
SIDES = {"both": (0, 1), "ndarray on the left": (1,), "ndarray on the right": (0,)}


def check_binary(
    name: str, a_shape: tuple[int, ...], b_shape: tuple[int, ...], sides: str, seed: int
) -> None:
    ufunc, vjp, make_b = BINARY[name]
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(a_shape), make_b(rng, b_shape)
    if ufunc in (np.maximum, np.minimum):  # at least 0.1 apart: no ties, no crossing under FD
        both = distinct(rng, (a.size + b.size,))
        a, b = both[: a.size].reshape(a_shape), both[a.size :].reshape(b_shape)
    tensors = SIDES[sides]

    def f(A: Tensor, B: Tensor) -> Tensor:
        # the operand that is not in the graph goes in as the ndarray a student would pass
        return ufunc(A if 0 in tensors else A.data, B if 1 in tensors else B.data)

    def hand(dZ, a, b):
        A, B = np.broadcast_arrays(a, b)
        dA, dB = vjp(dZ, A, B)
        return sum_to(dA, a.shape), sum_to(dB, b.shape)

    out = check_op(f, ufunc, hand, a, b, seed=seed, grad_inputs=tensors)
    assert type(out) is Tensor


@pytest.mark.parametrize("sides", sorted(SIDES))
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_bias_column_broadcast(name, sides):
    """Z (n, m) with b (n, 1): the course's `np.dot(W, A) + b`; db sums dZ over the m columns."""
    check_binary(name, (3, 5), (3, 1), sides, seed=2)


@SETTINGS
@given(
    name=st.sampled_from(sorted(BINARY)),
    sides=st.sampled_from(sorted(SIDES)),
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    seed=seeds,
)
def test_binary_any_broadcast(name, sides, shapes, seed):
    a_shape, b_shape = shapes.input_shapes
    check_binary(name, a_shape, b_shape, sides, seed)


def test_ndarray_on_the_left_of_an_operator_records():
    """`Y * np.log(A)`, `(1 - Y) * ...`, `X @ w`, `Y / A`: numpy's operator hands the call over."""
    rng = np.random.default_rng(3)
    a, Y = rng.uniform(0.2, 0.8, (1, 4)), np.array([[1.0, 0.0, 1.0, 1.0]])
    A = leaf(a)
    J = (Y * np.log(A) + (1 - Y) * np.log(1 - A) + Y / A - Y).sum()
    assert type(J) is Tensor and J.op == "sum"
    np.testing.assert_allclose(
        J.data, np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a) + Y / a - Y), rtol=1e-14
    )
    J.backward()
    np.testing.assert_allclose(A.grad, Y / a - (1 - Y) / (1 - a) - Y / a**2, rtol=1e-12)

    X, w = rng.standard_normal((3, 2)), rng.standard_normal((2, 1))
    W = leaf(w)
    Z = X @ W
    assert type(Z) is Tensor and Z.op == "matmul"
    np.testing.assert_allclose(Z.data, X @ w, rtol=1e-14)
    dZ = rng.standard_normal((3, 1))
    Z.backward(grad=dZ)
    np.testing.assert_allclose(W.grad, X.T @ dZ, rtol=1e-12)


def test_bias_column_through_the_course_expression():
    """Z = np.dot(W, A) + b with b (n, 1): dW = dZ A.T, db = sum(dZ, axis=1, keepdims=True)."""
    rng = np.random.default_rng(4)
    w, a, b = rng.standard_normal((3, 2)), rng.standard_normal((2, 5)), rng.standard_normal((3, 1))
    W, A, B = leaf(w), leaf(a), leaf(b)
    Z = np.dot(W, A) + B
    np.testing.assert_allclose(Z.data, np.dot(w, a) + b, rtol=1e-14)
    dZ = rng.standard_normal((3, 5))
    dW, dA, db = grad_of(Z, dZ, W, A, B)
    np.testing.assert_allclose(dW, dZ @ a.T, rtol=1e-12)
    np.testing.assert_allclose(dA, w.T @ dZ, rtol=1e-12)
    np.testing.assert_allclose(db, np.sum(dZ, axis=1, keepdims=True), rtol=1e-12)
    assert db.shape == (3, 1)


# ---- np.dot and np.matmul: 2-D, 1-D, a number, an ndarray on either side ----

# name -> (shape of a, shape of b, dA and dB by hand)
DOTS = {
    "2-D . 2-D": ((3, 4), (4, 2), lambda dZ, a, b: (dZ @ b.T, a.T @ dZ)),
    "1-D . 1-D": ((4,), (4,), lambda dZ, a, b: (dZ * b, dZ * a)),
    "1-D . 2-D": ((4,), (4, 3), lambda dZ, a, b: (b @ dZ, np.outer(a, dZ))),
    "2-D . 1-D": ((3, 4), (4,), lambda dZ, a, b: (np.outer(dZ, b), a.T @ dZ)),
    "column . row": ((3, 1), (1, 5), lambda dZ, a, b: (dZ @ b.T, a.T @ dZ)),
}


@pytest.mark.parametrize("sides", sorted(SIDES))
@pytest.mark.parametrize("case", sorted(DOTS))
@pytest.mark.parametrize("func", [np.dot, np.matmul], ids=["np.dot", "np.matmul"])
def test_dot_and_matmul(func, case, sides):
    a_shape, b_shape, hand = DOTS[case]
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    tensors = SIDES[sides]

    def f(A, B):
        return func(A if 0 in tensors else A.data, B if 1 in tensors else B.data)

    out = check_op(f, func, hand, a, b, grad_inputs=tensors)
    assert type(out) is Tensor
    # one product, not numpy's object-array fallback (a getitem and a mul per element, summed)
    ops_used = [n.op for n in out.topological_order(everything=True)]
    assert "getitem" not in ops_used and ops_used.count("matmul") == 1, ops_used


def test_dot_transposed_ndarray_with_a_column_tensor():
    """The course's `np.dot(X.T, w)` and `np.dot(w.T, X)` with w (n_x, 1)."""
    rng = np.random.default_rng(6)
    X, w = rng.standard_normal((2, 3)), rng.standard_normal((2, 1))
    for make in (lambda W: np.dot(X.T, W), lambda W: np.dot(W.T, X)):
        W = leaf(w)
        Z = make(W)
        assert type(Z) is Tensor
        dZ = rng.standard_normal(Z.shape)
        Z.backward(grad=dZ)
        # Z = X.T w -> dw = X dZ;  Z = w.T X -> dw = X dZ.T
        np.testing.assert_allclose(W.grad, X @ dZ if Z.shape == (3, 1) else X @ dZ.T, rtol=1e-12)


def test_dot_with_a_number_is_a_product():
    Z, c = leaf([[1.0, -2.0], [3.0, 0.5]]), leaf(2.0)
    for out in (np.dot(2.0, Z), np.dot(Z, 2.0)):
        np.testing.assert_array_equal(out.data, 2.0 * Z.data)
    out = np.dot(c, Z)
    assert type(out) is Tensor
    out.backward(grad=np.ones((2, 2)))
    np.testing.assert_array_equal(Z.grad, [[2.0, 2.0], [2.0, 2.0]])
    assert c.grad == pytest.approx(1.0 - 2.0 + 3.0 + 0.5)


# ---- reductions: np.sum, np.mean, np.max, np.min with axis and keepdims ----


def _reduce(func, axis, keepdims):
    """func(a) as a student writes it: keepdims only when asked (np.sum(A), np.sum(dZ, axis=1))."""
    if keepdims:
        return lambda a: func(a, axis=axis, keepdims=True)
    return lambda a: func(a) if axis is None else func(a, axis=axis)


@SETTINGS
@given(reductions())
def test_sum_mean_max_min_any_axis(case):
    shape, axis, keepdims, seed = case
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    n = a.size // np.sum(a, axis, keepdims=True).size
    for func, hand in [
        (np.sum, lambda dZ, a: (reduce_vjp(dZ, a, axis, keepdims),)),
        (np.mean, lambda dZ, a: (reduce_vjp(dZ, a, axis, keepdims) / n,)),
    ]:
        out = check_op(_reduce(func, axis, keepdims), _reduce(func, axis, keepdims), hand, a)
        assert type(out) is Tensor
    d = distinct(rng, shape)  # one winner per slice, as far apart as differences need
    for func in (np.max, np.amax):
        hand = lambda dZ, a: (max_vjp(dZ, a, axis, keepdims),)  # noqa: E731
        out = check_op(_reduce(func, axis, keepdims), _reduce(func, axis, keepdims), hand, d)
        assert type(out) is Tensor
    for func in (np.min, np.amin):
        hand = lambda dZ, a: (max_vjp(dZ, -a, axis, keepdims),)  # noqa: E731  (min a = -max -a)
        out = check_op(_reduce(func, axis, keepdims), _reduce(func, axis, keepdims), hand, d)
        assert type(out) is Tensor


def test_course_db_is_sum_over_axis_1_keepdims():
    dZ_values = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]])
    dZ = leaf(dZ_values)
    db = np.sum(dZ, axis=1, keepdims=True)
    assert type(db) is Tensor and db.shape == (2, 1)
    np.testing.assert_array_equal(db.data, [[6.0], [3.5]])
    (db * np.array([[2.0], [-3.0]])).sum().backward()
    np.testing.assert_array_equal(dZ.grad, [[2.0, 2.0, 2.0], [-3.0, -3.0, -3.0]])


def test_max_and_min_share_the_gradient_between_ties():
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    A = leaf(a)
    out = np.max(A, axis=1)
    np.testing.assert_array_equal(out.data, [3.0, 2.0])
    out.backward(grad=np.array([5.0, 7.0]))
    np.testing.assert_array_equal(A.grad, [[0.0, 2.5, 2.5], [3.5, 3.5, 0.0]])

    B = leaf([[1.0, 1.0, 3.0], [4.0, 0.0, 2.0]])
    out = np.min(B, axis=1, keepdims=True)
    np.testing.assert_array_equal(out.data, [[1.0], [0.0]])
    out.backward(grad=np.array([[6.0], [8.0]]))
    np.testing.assert_array_equal(B.grad, [[3.0, 3.0, 0.0], [0.0, 8.0, 0.0]])

    C = leaf([2.0, -1.0, 2.0, 2.0])
    np.max(C).backward()
    np.testing.assert_allclose(C.grad, [1 / 3, 0.0, 1 / 3, 1 / 3], rtol=1e-15)


def test_mean_is_an_accuracy_on_a_bool_array():
    """np.mean(A == Y) is the course's accuracy: a numpy number, no graph."""
    A = leaf([[0.9, 0.2, 0.7, 0.4]])
    Y = np.array([[1.0, 0.0, 0.0, 0.0]])
    predictions = A > 0.5
    accuracy = np.mean(predictions == Y)
    assert not isinstance(accuracy, Tensor)
    assert accuracy == pytest.approx(0.75)
    assert np.mean(A == np.array([[0.9, 0.0, 0.7, 0.0]])) == pytest.approx(0.5)


# ---- shape functions: np.transpose, np.reshape, np.squeeze, np.expand_dims ----


@SETTINGS
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3),
    data=st.data(),
    seed=seeds,
)
def test_transpose_any_axes_then_flatten(shape, data, seed):
    """np.reshape(np.transpose(A, axes), -1): dA = dZ reshaped back, then transposed back."""
    axes = data.draw(st.none() | st.permutations(range(len(shape))).map(tuple))
    a = np.random.default_rng(seed).standard_normal(shape)
    inverse = None if axes is None else tuple(np.argsort(axes))
    transposed = np.transpose(a, axes).shape
    out = check_op(
        lambda t: np.reshape(np.transpose(t, axes), -1),
        lambda a: np.reshape(np.transpose(a, axes), -1),
        lambda dZ, a: (np.transpose(dZ.reshape(transposed), inverse),),
        a,
        seed=seed,
    )
    assert type(out) is Tensor and out.op == "reshape" and out.parents[0].op == "transpose"


# name -> (call, shape of the input)
SHAPE_CALLS = {
    "np.reshape (4, 3)": (lambda a: np.reshape(a, (4, 3)), (2, 6)),
    "np.reshape -1": (lambda a: np.reshape(a, -1), (2, 3)),
    "np.reshape (1, -1)": (lambda a: np.reshape(a, (1, -1)), (3, 2)),
    "np.reshape order='C'": (lambda a: np.reshape(a, (3, 2), order="C"), (2, 3)),
    "np.squeeze": (np.squeeze, (1, 3, 1)),
    "np.squeeze axis=0": (lambda a: np.squeeze(a, axis=0), (1, 3, 1)),
    "np.squeeze axis=-1": (lambda a: np.squeeze(a, axis=-1), (1, 3, 1)),
    "np.squeeze (1, 1) cost": (np.squeeze, (1, 1)),
    "np.expand_dims 0": (lambda a: np.expand_dims(a, 0), (2, 3)),
    "np.expand_dims -1": (lambda a: np.expand_dims(a, -1), (2, 3)),
    "np.expand_dims (0, 3)": (lambda a: np.expand_dims(a, (0, 3)), (2, 3)),
}


@pytest.mark.parametrize("name", sorted(SHAPE_CALLS))
def test_shape_functions(name):
    call, shape = SHAPE_CALLS[name]
    a = np.random.default_rng(7).standard_normal(shape)
    out = check_op(call, call, lambda dZ, a: (dZ.reshape(a.shape),), a)
    assert type(out) is Tensor and out.op == "reshape"


def test_squeeze_of_an_axis_that_is_not_one_names_the_shape():
    with pytest.raises(ValueError, match=r"np.squeeze.*\(2, 3\)"):
        np.squeeze(leaf(np.ones((2, 3))), axis=0)


def test_reshape_with_order_given_positionally():
    """np.reshape(a, shape, "C"): numpy's third positional argument is the order."""
    out = np.reshape(leaf(np.ones((2, 3))), (3, 2), "C")
    assert type(out) is Tensor and out.shape == (3, 2) and out.op == "reshape"
    with pytest.raises(TypeError, match="order='C'"):
        np.reshape(leaf(np.ones((2, 3))), (3, 2), "F")


# ---- np.maximum and np.minimum: the course's relu, and the tie rules ----

Z_AT_ZERO = np.array([[-1.0, 0.0, 2.0], [0.0, 3.0, -0.5]])


@pytest.mark.parametrize(
    "relu",
    [
        lambda Z: np.maximum(0, Z),
        lambda Z: np.maximum(Z, 0),
        lambda Z: np.maximum(0.0, Z),
        lambda Z: np.maximum(Z, np.float64(0.0)),
    ],
    ids=["maximum(0, Z)", "maximum(Z, 0)", "maximum(0.0, Z)", "maximum(Z, float64 0)"],
)
def test_maximum_with_zero_is_the_course_relu(relu):
    """g'(0) = 0, as the course's relu_backward (dZ[Z <= 0] = 0): no half at Z == 0."""
    Z = leaf(Z_AT_ZERO)
    A = relu(Z)
    assert type(A) is Tensor and A.op == "relu"
    np.testing.assert_array_equal(A.data, np.maximum(0, Z_AT_ZERO))
    dA = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    A.backward(grad=dA)
    np.testing.assert_array_equal(Z.grad, [[0.0, 0.0, 3.0], [0.0, 5.0, 0.0]])


def test_maximum_with_a_nonzero_constant_halves_at_a_tie():
    Z = leaf([[0.5, 0.2, 0.9]])
    out = np.maximum(Z, 0.5)
    assert out.op == "maximum"
    np.testing.assert_array_equal(out.data, [[0.5, 0.5, 0.9]])
    out.backward(grad=np.array([[4.0, 4.0, 4.0]]))
    np.testing.assert_array_equal(Z.grad, [[2.0, 0.0, 4.0]])


def test_maximum_and_minimum_of_two_tensors_split_a_tie_and_sum_to_dZ():
    a, b = np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, 5.0, -3.0]])
    for func, to_a in [(np.maximum, [0.5, 0.0, 1.0]), (np.minimum, [0.5, 1.0, 0.0])]:
        A, B = leaf(a), leaf(b)
        out = func(A, B)
        np.testing.assert_array_equal(out.data, func(a, b))
        dZ = np.array([[2.0, 3.0, 4.0]])
        out.backward(grad=dZ)
        np.testing.assert_array_equal(A.grad, dZ * to_a)
        np.testing.assert_array_equal(A.grad + B.grad, dZ)


def test_minimum_with_a_constant_passes_dZ_to_the_smaller_side():
    Z = leaf([[0.5, 0.2, 0.9]])
    out = np.minimum(Z, 0.5)
    np.testing.assert_array_equal(out.data, [[0.5, 0.2, 0.5]])
    out.backward(grad=np.array([[4.0, 4.0, 4.0]]))
    np.testing.assert_array_equal(Z.grad, [[2.0, 4.0, 0.0]])


def test_only_a_scalar_zero_in_maximum_is_relu():
    """np.minimum(0, Z) and np.maximum(zeros array, Z) are not relu: half on the tie at 0."""
    Z = leaf([[0.0, 1.0, -1.0]])
    np.minimum(0, Z).backward(grad=np.array([[2.0, 2.0, 2.0]]))
    np.testing.assert_array_equal(Z.grad, [[1.0, 0.0, 2.0]])
    Z = leaf([[0.0, 1.0, -1.0]])
    out = np.maximum(np.zeros((1, 3)), Z)
    assert out.op == "maximum"
    out.backward(grad=np.array([[2.0, 2.0, 2.0]]))
    np.testing.assert_array_equal(Z.grad, [[1.0, 2.0, 0.0]])


# ---- comparisons: plain numpy bool arrays ----


@pytest.mark.parametrize(
    ("compare", "expected"),
    [
        (lambda A: A > 0.5, [[True, False, False]]),
        (lambda A: A >= 0.5, [[True, True, False]]),
        (lambda A: A < 0.5, [[False, False, True]]),
        (lambda A: A <= 0.5, [[False, True, True]]),
        (lambda A: A == 0.5, [[False, True, False]]),
        (lambda A: A != 0.5, [[True, False, True]]),
        (lambda A: 0.5 < A, [[True, False, False]]),
        (lambda A: np.array([[0.7, 0.5, 0.0]]) == A, [[True, True, False]]),
        (lambda A: np.array([[1.0, 1.0, 1.0]]) > A, [[True, True, True]]),
        (lambda A: np.greater(A, 0.5), [[True, False, False]]),
        (lambda A: np.less_equal(A, 0.5), [[False, True, True]]),
        (lambda A: np.equal(A, A), [[True, True, True]]),
        (lambda A: np.isnan(A), [[False, False, False]]),
        (lambda A: np.isfinite(A), [[True, True, True]]),
        (lambda A: A > leaf([[0.0, 0.5, 0.0]]), [[True, False, True]]),
    ],
)
def test_comparisons_are_numpy_bool_arrays(compare, expected):
    A = leaf([[0.7, 0.5, 0.1]])
    out = compare(A)
    assert type(out) is np.ndarray and out.dtype == np.bool_
    np.testing.assert_array_equal(out, expected)


def test_comparison_of_one_element_reads_as_a_condition():
    """The course's predict loop: `if A[0, i] > 0.5:`."""
    A = leaf([[0.7, 0.2]])
    assert [bool(A[0, i] > 0.5) for i in range(A.shape[1])] == [True, False]
    assert type(A[0, 0] > 0.5) is np.ndarray


# ---- functions with no gradient rule, and the keywords a Tensor op does not take ----


def test_no_rule_function_on_a_tensor_that_requires_grad_names_itself_and_the_way_out():
    Z = leaf([[0.1, 0.2]])
    with pytest.raises(TypeError, match=r"np\.sin") as err:
        np.sin(Z)
    assert ".data" in str(err.value) and "no gradient rule" in str(err.value)
    assert "np.dot" in str(err.value)  # the functions that do have one


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("np.add.reduce", lambda Z: np.add.reduce(Z)),
        ("np.concatenate", lambda Z: np.concatenate([Z, Z])),
        ("np.where", lambda Z: np.where(np.ones((1, 2), bool), Z, 0)),
        ("np.clip", lambda Z: np.clip(Z, 0, 1)),
        ("np.log1p", lambda Z: np.log1p(Z)),
        ("np.linalg.norm", lambda Z: np.linalg.norm(Z)),  # as written, not "np.norm"
    ],
)
def test_other_no_rule_functions_are_refused_by_name(name, call):
    with pytest.raises(TypeError, match="^" + name.replace(".", r"\.") + r"\b") as err:
        call(leaf([[0.1, 0.2]]))
    assert ".data" in str(err.value)


def test_no_rule_function_on_a_constant_tensor_runs_on_the_values():
    values = np.array([[0.1, 0.2], [1.5, -3.0]])
    out = np.sin(Tensor(values))
    assert type(out) is np.ndarray and out.dtype == np.float64
    np.testing.assert_array_equal(out, np.sin(values))
    cat = np.concatenate([Tensor(values), Tensor(values)])
    np.testing.assert_array_equal(cat, np.concatenate([values, values]))


def test_a_function_with_a_rule_on_a_constant_tensor_gives_a_constant_tensor():
    out = np.exp(Tensor([[0.0, 1.0]]))
    assert type(out) is Tensor and not out.requires_grad
    np.testing.assert_allclose(out.data, [[1.0, np.e]], rtol=1e-15)


@pytest.mark.parametrize(
    "call",
    [
        lambda A, B, buf: np.add(A, B, out=buf),
        lambda A, B, buf: np.multiply(A, B, out=buf),
        lambda A, B, buf: np.exp(A, out=buf),
        lambda A, B, buf: np.maximum(A, B, out=buf),
        lambda A, B, buf: np.matmul(A, B.T, out=buf[:, :1]),
        lambda A, B, buf: np.dot(A, B.T, out=buf[:, :1]),
        lambda A, B, buf: np.sum(A, axis=0, out=buf[0]),
    ],
    ids=["add", "multiply", "exp", "maximum", "matmul", "dot", "sum"],
)
def test_out_is_refused_and_nothing_is_written(call):
    A, B = leaf([[1.0, 2.0]]), leaf([[3.0, 4.0]])
    buf = np.zeros((1, 2))
    with pytest.raises(TypeError, match=r"out="):
        call(A, B, buf)
    np.testing.assert_array_equal(buf, np.zeros((1, 2)))


def test_ndarray_updated_in_place_with_a_tensor_is_refused():
    Y = np.ones((1, 2))
    with pytest.raises(TypeError, match=r"out="):
        Y += leaf([[1.0, 2.0]])
    np.testing.assert_array_equal(Y, np.ones((1, 2)))


@pytest.mark.parametrize(
    ("keyword", "call"),
    [
        ("dtype", lambda A: np.sum(A, dtype=np.float64)),
        ("where", lambda A: np.exp(A, where=np.ones((1, 2), bool))),
        ("initial", lambda A: np.max(A, initial=0.0)),
    ],
)
def test_unsupported_keywords_are_named(keyword, call):
    with pytest.raises(TypeError, match=keyword + "="):
        call(leaf([[1.0, 2.0]]))


def test_tensor_exponent_is_refused_with_the_rewrite():
    with pytest.raises(TypeError, match=r"np\.exp\(t \* np\.log\(x\)\)"):
        np.power(2.0, leaf([1.0]))


# ---- a Tensor as a number: float, int, format, bool, %-formatting ----


def test_one_element_tensor_as_a_python_number():
    W = leaf([[1.5, -2.0]])
    J = (W * W).sum()  # 6.25, in a graph
    value = 6.25
    assert float(J) == value and type(float(J)) is float
    assert int(J) == 6 and type(int(J)) is int
    assert format(J, ".6f") == "6.250000"
    assert f"{J:.4f}" == "6.2500"
    course_print = "Cost after iteration %i: %f" % (0, J)  # noqa: UP031 -- the course's own print
    assert course_print == "Cost after iteration 0: 6.250000"
    assert bool(J) is True and bool(Tensor(0.0)) is False
    one = Tensor([[-2.75]])  # (1, 1), as the course's cost before np.squeeze
    assert float(one) == -2.75 and int(one) == -2 and f"{one:.1f}" == "-2.8"
    J.backward()  # still in the graph after being read as numbers
    np.testing.assert_array_equal(W.grad, [[3.0, -4.0]])


@pytest.mark.parametrize(
    "convert",
    [float, int, bool, lambda t: format(t, ".3f"), lambda t: f"{t:.2f}"],
    ids=["float", "int", "bool", "format", "f-string"],
)
def test_many_elements_as_a_number_is_a_clear_error(convert):
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*\.sum\(\)"):
        convert(leaf(np.ones((2, 3))))


# ---- iteration ----


def test_iterating_a_number_raises():
    with pytest.raises(TypeError, match="0-d"):
        iter(leaf(3.0))
    with pytest.raises(TypeError, match="0-d"):
        for _ in leaf(3.0):
            pass


def test_iterating_a_matrix_gives_its_rows_in_the_graph():
    w = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]])
    W = leaf(w)
    rows = list(W)
    assert len(rows) == 3 and all(type(r) is Tensor and r.op == "getitem" for r in rows)
    np.testing.assert_array_equal(rows[1].data, [3.0, -1.0])
    J = sum((k + 1) * np.sum(r * r) for k, r in enumerate(rows))
    J.backward()
    np.testing.assert_array_equal(W.grad, 2 * w * np.array([[1.0], [2.0], [3.0]]))
    elements = list(leaf([4.0, 5.0]))
    assert [e.shape for e in elements] == [(), ()] and [float(e) for e in elements] == [4.0, 5.0]


# ---- np.asarray / np.array: refused for a tensor in a graph ----


@pytest.mark.parametrize("convert", [np.asarray, np.array, np.asanyarray])
def test_asarray_of_a_tensor_that_requires_grad_is_refused(convert):
    with pytest.raises(TypeError, match=r"drop.*graph.*\.data"):
        convert(leaf([[1.0, 2.0]]))


def test_asarray_of_a_constant_tensor_is_its_value():
    t = Tensor([[1.0, 2.0]])
    a = np.asarray(t)
    assert type(a) is np.ndarray and a.dtype == np.float64
    np.testing.assert_array_equal(a, [[1.0, 2.0]])
    np.testing.assert_array_equal(np.asarray(t, dtype=np.float32), np.float32([[1.0, 2.0]]))


def test_np_array_of_a_constant_tensor_is_a_copy():
    """np.array(t) copies (numpy asks __array__ for copy=True); np.asarray(t) shares."""
    t = Tensor([[1.0, 2.0]])
    a = np.array(t)
    a[0, 0] = 9.0
    np.testing.assert_array_equal(t.data, [[1.0, 2.0]])
    b = np.array(t, dtype=np.float64, copy=True)
    b[0, 1] = 7.0
    np.testing.assert_array_equal(t.data, [[1.0, 2.0]])
    assert np.asarray(t) is t.data


# ---- no object arrays, ever ----

X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
CALLS = {
    "np.dot(w.T, X)": lambda w: np.dot(w.T, X),
    "np.dot(X.T, w)": lambda w: np.dot(X.T, w),
    "X.T @ w": lambda w: X.T @ w,
    "np.matmul(w.T, X)": lambda w: np.matmul(w.T, X),
    "np.dot(w.T, X) + 2": lambda w: np.dot(w.T, X) + 2,
    "np.add(X, w)": lambda w: np.add(X, w),
    "X - w": lambda w: X - w,
    "X * w": lambda w: X * w,
    "X / (w + 3)": lambda w: X / (w + 3),
    "np.exp(w)": lambda w: np.exp(w),
    "np.log(w * w)": lambda w: np.log(w * w),
    "np.sqrt(w * w)": lambda w: np.sqrt(w * w),
    "np.abs(w)": lambda w: np.abs(w),
    "np.tanh(w)": lambda w: np.tanh(w),
    "np.square(w)": lambda w: np.square(w),
    "np.power(w, 2)": lambda w: np.power(w, 2),
    "np.negative(w)": lambda w: np.negative(w),
    "np.maximum(0, w)": lambda w: np.maximum(0, w),
    "np.minimum(w, X)": lambda w: np.minimum(w, X),
    "np.sum(w)": lambda w: np.sum(w),
    "np.mean(w, axis=0)": lambda w: np.mean(w, axis=0),
    "np.max(w)": lambda w: np.max(w),
    "np.min(w, keepdims=True)": lambda w: np.min(w, keepdims=True),
    "np.transpose(w)": lambda w: np.transpose(w),
    "np.reshape(w, (1, 2))": lambda w: np.reshape(w, (1, 2)),
    "np.squeeze(w)": lambda w: np.squeeze(w),
    "np.expand_dims(w, 0)": lambda w: np.expand_dims(w, 0),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_numpy_calls_give_tensors_not_object_arrays(name):
    w = leaf([[1.0], [2.0]])
    out = CALLS[name](w)
    assert not (isinstance(out, np.ndarray) and out.dtype == object)
    assert type(out) is Tensor and out.dtype == np.float64 and out.requires_grad
    assert out.grad_fn is not None  # recorded: a node of the graph, not a copy of the value


def test_supported_lists_the_course_functions():
    from tinygrad_edu import numpy_support

    course = {
        "np.dot", "np.matmul", "np.add", "np.subtract", "np.multiply", "np.divide",
        "np.negative", "np.power", "np.square", "np.exp", "np.log", "np.sqrt", "np.absolute",
        "np.tanh", "np.maximum", "np.minimum", "np.sum", "np.mean", "np.max", "np.min",
        "np.transpose", "np.reshape", "np.squeeze", "np.expand_dims",
    }  # fmt: skip
    assert course <= set(numpy_support.SUPPORTED), course - set(numpy_support.SUPPORTED)


def test_numpy_functions_inside_no_grad_record_nothing():
    w = leaf([[1.0], [2.0]])
    with no_grad():
        out = np.tanh(np.dot(w.T, X) + 1)
    assert type(out) is Tensor and not out.requires_grad and out.grad_fn is None
    np.testing.assert_allclose(out.data, np.tanh(np.array([[7.0, 10.0, -7.4]]) + 1), rtol=1e-15)


# ---- the course's (m, m) bug: a row and a column of one length broadcast into a square ----

A_ROW = np.array([[0.2, 0.9, 0.6, 0.4, 0.7]])  # (1, m) = (1, 5)
Y_ROW = np.array([[0.0, 1.0, 1.0, 0.0, 1.0]])


@pytest.mark.parametrize(
    "make, shapes",
    [
        (lambda A, Y: A - Y.T, "sub: shapes (1, 5) and (5, 1) broadcast to (5, 5)"),
        (lambda A, Y: np.multiply(Y.T, np.log(A)), "mul: shapes (5, 1) and (1, 5)"),
        (lambda A, Y: A.reshape(5) * Y.T, "mul: shapes (5,) and (5, 1) broadcast to (5, 5)"),
        (lambda A, Y: np.add(Y.reshape(-1, 1), A), "add: shapes (5, 1) and (1, 5)"),
    ],
    ids=["A - Y.T", "np.multiply(Y.T, log A)", "rank-1 A", "np.add(Y column, A)"],
)
def test_a_row_meeting_a_column_of_its_length_warns_at_the_users_line(make, shapes):
    A = Tensor(A_ROW, requires_grad=True)
    with pytest.warns(BroadcastWarning) as seen:
        out = make(A, Y_ROW)
    (w,) = seen
    assert str(w.message).startswith(shapes) and "Y.reshape(1, -1)" in str(w.message)
    assert w.filename == __file__  # the lambda's line above, not the engine's
    assert out.shape == (5, 5)  # numpy's result all the same: a warning, not an error


def test_the_courses_broadcasts_do_not_warn():
    Z, b = Tensor(np.ones((4, 5)), requires_grad=True), Tensor(np.ones((4, 1)), requires_grad=True)
    col, row = Tensor(np.ones((3, 1))), Tensor(np.ones((1, 4)))
    A = Tensor(A_ROW, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cases = [Z + b, Z - 1.0, col * row, A - Y_ROW, A * np.ones((1, 1)), A * np.ones((5, 5))]
        cases.append(np.sum(Y_ROW * np.log(A) + (1 - Y_ROW) * np.log(1 - A)))
        cases.append(Tensor(np.ones((1, 1))) + Tensor(np.ones((1, 1))))
    assert [c.shape for c in cases] == [(4, 5), (4, 5), (3, 4), (1, 5), (1, 5), (5, 5), (), (1, 1)]
