"""The course's update as PyTorch writes it, and the version check that guards the graph.

`with no_grad(): w -= alpha * w.grad` changes the same leaf in place (week 2's loop reproduces
reference.optimize); outside no_grad a leaf that requires grad refuses; `w = w - alpha * w.grad`
(the course's form) turns w into a non-leaf whose .grad read warns with the fix. Every in-place
change bumps a version, and a backward that needs a value changed since its op recorded it
raises, naming the tensor and the op, whichever view or shortcut the change went through.
"""

from __future__ import annotations

import operator
import warnings

import numpy as np
import pytest

from tinygrad_edu import StaleGradWarning, Tensor, no_grad, optim, reference

IN_PLACE = {
    "+=": (operator.iadd, np.add),
    "-=": (operator.isub, np.subtract),
    "*=": (operator.imul, np.multiply),
    "/=": (operator.itruediv, np.divide),
}


def leaf(a, name: str | None = None, requires_grad: bool = True) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad, name=name)


# ---- the update in place, inside no_grad ----


@pytest.mark.parametrize("how", sorted(IN_PLACE))
def test_in_place_update_inside_no_grad_keeps_the_same_leaf(how):
    iop, ufunc = IN_PLACE[how]
    w0 = np.array([[1.0, -2.0], [0.5, 4.0]])
    w = leaf(w0, "w")
    array = w.data
    (w * w).sum().backward()
    grad = w.grad.copy()
    step = 0.1 * w.grad
    assert w.version == 0
    with no_grad():
        out = iop(w, step)
    assert out is w  # the name w still points to the same object
    assert w.version == 1
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w.data is array  # the same numpy array, updated in place
    np.testing.assert_array_equal(array, ufunc(w0, 0.1 * (2 * w0)))
    np.testing.assert_array_equal(w.grad, grad)  # the update reads .grad, it does not change it


@pytest.mark.parametrize(
    "other",
    [2.0, np.array([1.0, 2.0, 3.0]), Tensor([[1.0], [2.0]]), Tensor(3.0, requires_grad=True)],
    ids=["number", "row (3,) broadcast", "column tensor (2, 1)", "0-d tensor in a graph"],
)
def test_in_place_update_with_broadcast_operands(other):
    w = leaf(np.ones((2, 3)))
    value = other.data if isinstance(other, Tensor) else other
    with no_grad():
        w -= other
    np.testing.assert_array_equal(w.data, np.ones((2, 3)) - value)
    assert w.is_leaf and w.requires_grad


def test_in_place_update_of_a_number_b():
    """Week 2's b is a number: a 0-d leaf stays 0-d."""
    b = leaf(2.0, "b")
    (3.0 * b * b).backward()
    with no_grad():
        b -= 0.5 * b.grad
    assert b.shape == () and b.is_leaf
    assert float(b) == 2.0 - 0.5 * 12.0


def test_in_place_update_that_does_not_fit_names_the_shapes_and_changes_nothing():
    w = leaf([[1.0], [2.0]], "w")
    with pytest.raises(ValueError, match=r"w -= x.*\(2, 3\).*\(2, 1\)"):
        with no_grad():
            w -= np.ones((2, 3))
    np.testing.assert_array_equal(w.data, [[1.0], [2.0]])


def test_in_place_update_keeps_float32():
    w = Tensor(np.ones((2, 1), dtype=np.float32), requires_grad=True)
    array = w.data
    with no_grad():
        w -= 0.1 * np.ones((2, 1))  # float64 values, cast back as numpy's same_kind rule allows
    assert w.dtype == np.float32 and w.data is array
    np.testing.assert_allclose(w.data, np.float32([[0.9], [0.9]]))


def test_in_place_update_with_non_numbers_is_refused():
    w = leaf([[1.0], [2.0]])
    with pytest.raises(TypeError, match=r"-=.*list"):
        with no_grad():
            w -= [None, None]
    np.testing.assert_array_equal(w.data, [[1.0], [2.0]])


# ---- outside no_grad ----


@pytest.mark.parametrize("how", sorted(IN_PLACE))
def test_in_place_on_a_leaf_outside_no_grad_refuses_and_names_the_fix(how):
    iop, _ = IN_PLACE[how]
    W = leaf([[1.0, 2.0]], "W1")
    array = W.data
    J = (W * W).sum()
    with pytest.raises(RuntimeError) as err:
        iop(W, 0.5)
    message = str(err.value)
    assert f"W1 {how}" in message
    assert f"with no_grad(): W1 {how}" in message
    assert "optimizer" in message and "optim.GradientDescent" in message
    np.testing.assert_array_equal(W.data, [[1.0, 2.0]])  # nothing changed
    assert W.data is array and W.is_leaf and W.version == 0
    J.backward()  # the graph built before the refusal is intact: no version was bumped
    np.testing.assert_array_equal(W.grad, [[2.0, 4.0]])


def test_in_place_on_an_intermediate_is_recorded_outside_no_grad_and_in_place_inside():
    """`Z += b` on a non-leaf is `Z = Z + b`: a new node, the gradient flows through it; inside
    no_grad it changes Z's array in place, as for a leaf."""
    W = leaf([[1.0, 2.0]])
    Z = W * 3.0
    Z0 = Z
    Z += np.array([[10.0, 20.0]])
    assert Z is not Z0 and Z.op == "add"
    np.testing.assert_array_equal(Z.data, [[13.0, 26.0]])
    np.testing.assert_array_equal(Z0.data, [[3.0, 6.0]])  # the old node's value is untouched
    Z *= Z
    (Z.sum()).backward()
    np.testing.assert_array_equal(W.grad, [[2 * 13.0 * 3.0, 2 * 26.0 * 3.0]])
    with no_grad():
        Z1 = Z0
        Z1 -= 1.0
    assert Z1 is Z0 and Z0.op == "mul" and Z0.version == 1  # the same node, changed in place
    np.testing.assert_array_equal(Z0.data, [[2.0, 5.0]])
    np.testing.assert_array_equal(W.data, [[1.0, 2.0]])  # and only that node


def test_in_place_on_a_constant_outside_no_grad_changes_it_in_place():
    X = Tensor([[1.0, 2.0]])
    array = X.data
    X2 = X
    X2 *= 2.0
    assert X2 is X and X.data is array
    np.testing.assert_array_equal(array, [[2.0, 4.0]])


# ---- week 2's gradient descent, written the PyTorch way ----


def _logistic_data(seed: int = 0, n_x: int = 4, m: int = 30):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    w_true = rng.standard_normal((n_x, 1))
    Y = (reference.sigmoid(w_true.T @ X + 0.3) > rng.uniform(size=(1, m))).astype(np.float64)
    return X, Y


def test_no_grad_update_reproduces_the_course_optimize():
    """100 iterations of `with no_grad(): w -= lr * w.grad` give reference.optimize's numbers."""
    X, Y = _logistic_data()
    m, lr, iterations = X.shape[1], 0.5, 100
    w0, b0 = reference.initialize_with_zeros(X.shape[0])
    w, b = leaf(w0, "w"), leaf(b0, "b")
    w_array, b_array = w.data, b.data
    costs = []
    for _ in range(iterations):
        A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
        cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
        w.grad, b.grad = None, None
        cost.backward()
        with no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        costs.append(float(cost))
    params, grads, ref_costs = reference.optimize(w0, b0, X, Y, iterations, lr)

    assert w.is_leaf and b.is_leaf and w.requires_grad and b.requires_grad
    assert w.data is w_array and b.data is b_array  # the same arrays, updated 100 times
    np.testing.assert_allclose(w.data, params["w"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.data, params["b"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.grad, grads["dw"], rtol=1e-12, atol=1e-12)  # the last step's
    np.testing.assert_allclose(b.grad, grads["db"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(costs[::100], ref_costs, rtol=1e-12)
    assert costs[-1] < 0.9 * costs[0]  # it did descend: the check compares a moving trajectory

    # every iteration's cost along the course's own trajectory
    wr, br = w0, b0
    for i in range(iterations):
        g, c = reference.propagate(wr, br, X, Y)
        assert costs[i] == pytest.approx(c, rel=1e-12), i
        wr, br = wr - lr * g["dw"], br - lr * g["db"]


def test_course_update_outside_no_grad_warns_with_the_fix():
    """`w = w - lr * w.grad`: w becomes a non-leaf, and the next read of w.grad says why."""
    X, Y = _logistic_data(seed=1, m=10)
    m, lr = X.shape[1], 0.1
    w = leaf(np.zeros((X.shape[0], 1)), "w")
    b = leaf(0.0, "b")

    def cost_of(w, b):
        A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
        return -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))

    cost_of(w, b).backward()
    w = w - lr * w.grad  # the course's line: fine the first time
    b = b - lr * b.grad
    assert not w.is_leaf and w.op == "sub"
    cost_of(w, b).backward()
    with pytest.warns(UserWarning) as record:
        dw = w.grad
    assert dw is None
    assert len(record) == 1
    message = str(record[0].message)
    assert "not a leaf" in message and "'sub'" in message
    assert "with no_grad(): w -= alpha * w.grad" in message
    assert "optim.GradientDescent" in message and ".retain_grad()" in message
    assert record[0].filename == __file__  # it points at the student's line, not the engine
    with pytest.raises(TypeError, match="NoneType"):  # what the course's line then does
        w = w - lr * w.grad


def test_non_leaf_grad_warning_is_once_per_tensor_and_names_it():
    W = leaf([[1.0, 2.0]])
    Z = (W * 2.0).named("Z1")
    (Z * Z).sum().backward()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert Z.grad is None
        assert Z.grad is None
    assert len(record) == 1 and issubclass(record[0].category, UserWarning)
    message = str(record[0].message)
    assert message.startswith("Z1.grad is None: Z1 is not a leaf (it was made by 'mul')")
    assert "Z1 -= alpha * Z1.grad" in message
    Z2 = W * 2.0  # another tensor: warned again
    with pytest.warns(UserWarning, match="not a leaf"):
        assert Z2.grad is None


def test_no_warning_where_grad_is_meant_to_be_read():
    W = leaf([[1.0, 2.0]])
    Z = (W * 2.0).retain_grad()
    with no_grad():
        C = W * 2.0  # made without a graph: a constant
    K = Tensor([[1.0, 2.0]]) * 2.0  # made from constants: requires no grad
    J = (Z * Z).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert W.grad is None  # a leaf before backward
        assert Tensor([1.0]).grad is None  # a leaf that requires no grad
        assert C.grad is None and K.grad is None
        J.backward()
        np.testing.assert_array_equal(Z.grad, [[4.0, 8.0]])
        np.testing.assert_array_equal(W.grad, [[8.0, 16.0]])
    with pytest.warns(UserWarning, match="not a leaf"):  # the control: a non-leaf does warn
        assert (W * 2.0).grad is None


# ---- the version check ----


def _two_layer(X):
    W1 = leaf([[0.5, -1.0], [2.0, 0.25]], "W1")
    W2 = leaf([[1.0, -0.5]], "W2")
    Z1 = np.dot(W1, X)
    A1 = np.tanh(Z1)
    A2 = (np.dot(W2, A1)).sigmoid().named("A2")
    return W1, W2, A2


def test_leaf_updated_after_forward_makes_backward_refuse_naming_it_and_the_op():
    X = np.array([[1.0, 2.0], [0.5, -1.0]])
    W1, W2, A2 = _two_layer(X)
    J = np.sum(A2)
    with no_grad():
        W1 -= 0.1
    with pytest.raises(RuntimeError) as err:
        J.backward()
    message = str(err.value)
    assert "W1" in message and "'matmul'" in message and "modified in place" in message
    assert "version 1, saved at 0" in message
    assert "recompute the forward" in message


CHANGES = {
    "with no_grad(): W -= x": lambda W: _under_no_grad(operator.isub, W, 0.1),
    "with no_grad(): W *= x": lambda W: _under_no_grad(operator.imul, W, 1.0),
    "W.data -= x": lambda W: setattr(W, "data", _isub(W.data, 0.1)),
    "W.data = new array": lambda W: setattr(W, "data", W.data - 0.1),
    "W.data = W.data": lambda W: setattr(W, "data", W.data),
}


def _under_no_grad(iop, W, x):
    with no_grad():
        iop(W, x)


def _isub(a, x):
    a -= x
    return a


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_every_in_place_change_is_seen(name):
    W = leaf([[1.0, 2.0], [3.0, 4.0]], "W")
    J = (W * W).sum()
    CHANGES[name](W)
    assert W.version == 1
    with pytest.raises(RuntimeError, match=r"W \(\w+ of 'mul'.*modified in place"):
        J.backward()


def test_w_data_minus_equals_is_the_data_setter():
    """`W.data -= x` is `W.data = W.data.__isub__(x)`: the same array, and a version bump."""
    W = leaf([[1.0, 2.0]], "W")
    array = W.data
    J = (W * W).sum()
    W.data -= 0.5
    assert W.data is array
    np.testing.assert_array_equal(array, [[0.5, 1.5]])
    with pytest.raises(RuntimeError, match="modified in place"):
        J.backward()


def test_data_changed_in_place_is_seen():
    """X has no gradient, but matmul's dW = dZ X.T reads it: changing X is caught too."""
    X = Tensor([[1.0, 2.0], [0.5, -1.0]], name="X")
    W = leaf([[1.0, -1.0]], "W")
    J = np.sum(np.dot(W, X))
    with no_grad():
        X *= 2.0
    with pytest.raises(RuntimeError, match=r"X \(\w+ of 'matmul'.*modified in place"):
        J.backward()


def test_an_output_changed_in_place_is_seen():
    """A2 = sigmoid(Z2) is read by its consumer and by sigmoid's own backward (dZ = dA A (1 - A)):
    changing it is caught at the first of them the walk reaches."""
    X = np.array([[1.0, 2.0], [0.5, -1.0]])
    W1, W2, A2 = _two_layer(X)
    J = np.sum(A2 * A2)
    with no_grad():
        A2 -= 0.01
    with pytest.raises(RuntimeError, match=r"A2 \(\w+ of 'mul'.*modified in place"):
        J.backward()


def test_the_root_changed_in_place_is_seen():
    W = leaf([[1.0, 2.0]])
    J = np.sum(W * W).named("J")
    with no_grad():
        J += 1.0
    with pytest.raises(RuntimeError, match=r"J \(.*'sum'.*modified in place"):
        J.backward()


def test_recomputing_the_forward_after_an_update_works():
    X = np.array([[1.0, 2.0], [0.5, -1.0]])
    W = leaf([[1.0, -1.0]], "W")
    J = np.sum(np.dot(W, X) ** 2)
    J.backward()
    with no_grad():
        W -= 0.1 * W.grad
    W.grad = None
    w = W.data.copy()
    J = np.sum(np.dot(W, X) ** 2)  # a fresh graph records the new version
    J.backward()
    np.testing.assert_allclose(W.grad, 2 * (w @ X) @ X.T, rtol=1e-14)


def test_retained_graph_walked_again_after_an_update_refuses():
    W = leaf([[1.0, 2.0]], "W")
    J = np.sum(np.exp(W))
    J.backward(retain_graph=True)
    J.backward(retain_graph=True)  # twice is fine: nothing changed
    np.testing.assert_allclose(W.grad, 2 * np.exp([[1.0, 2.0]]), rtol=1e-15)
    with no_grad():
        W -= 0.1 * W.grad
    with pytest.raises(RuntimeError, match=r"W \(\w+ of 'exp'.*modified in place"):
        J.backward()


def test_version_check_also_guards_create_graph():
    W = leaf([[1.0, 2.0]], "W")
    J = np.sum(W * W * W)
    with no_grad():
        W += 1.0
    with pytest.raises(RuntimeError, match="modified in place"):
        J.backward(create_graph=True)


def test_element_write_is_not_detected_as_documented():
    """`W.data[0, 1] = x` changes the array without the Tensor seeing it (Tensor.data's
    docstring says so): backward runs, with the new value. The whole-array change is caught."""
    assert "single elements" in Tensor.data.__doc__
    W = leaf([[1.0, 2.0]], "W")
    J = np.sum(W * W)
    W.data[0, 1] = 5.0
    assert W.version == 0  # unseen
    J.backward()  # does not raise
    np.testing.assert_array_equal(W.grad, [[2.0, 10.0]])  # 2 W with the new W: silently stale
    J = np.sum(W * W)
    W.data -= 0.0
    with pytest.raises(RuntimeError, match="modified in place"):
        J.backward()


@pytest.mark.parametrize(
    "retain_A",
    [pytest.param(True, id="no shortcut"), pytest.param(False, id="shortcut")],
)
def test_labels_changed_after_the_forward_are_seen(retain_A):
    """With A used by the cost alone, backward takes the course's shortcut (dZ = A - Y, skipping
    A's node): the labels it reads are checked there too."""
    import tinygrad_edu.functional as F

    Z = leaf([[0.5, -1.0, 2.0]], "Z")
    Y = Tensor([[1.0, 0.0, 1.0]], name="Y")
    A = Z.sigmoid()
    if retain_A:
        A.retain_grad()
    J = F.binary_cross_entropy(A, Y)
    with no_grad():
        Y *= 0.0
    with pytest.raises(RuntimeError, match=r"Y \(\w+ of 'binary_cross_entropy'.*modified in place"):
        J.backward()


# ---- .grad and .data setters ----


def test_grad_of_the_wrong_shape_is_refused():
    W = leaf(np.ones((2, 3)), "W")
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        W.grad = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        W.grad = np.ones(6)
    assert W.grad is None
    W.grad = np.full((2, 3), 0.5)  # the right shape, and None, are accepted
    np.testing.assert_array_equal(W.grad, np.full((2, 3), 0.5))
    (W * W).sum().backward()  # and backward accumulates on it
    np.testing.assert_array_equal(W.grad, np.full((2, 3), 2.5))
    W.grad = None
    assert W.grad is None


def test_data_set_to_a_tensor_is_refused():
    W = leaf([[1.0, 2.0]], "W")
    array = W.data
    with pytest.raises(TypeError, match=r"t\.data = other\.data"):
        W.data = Tensor([[3.0, 4.0]])
    assert W.data is array
    np.testing.assert_array_equal(W.data, [[1.0, 2.0]])


# ---- views: a tensor whose array is a view of another's ----


def _view_reshape_in_graph(W):
    V = W.reshape(4)
    with no_grad():
        V += 1.0


def _view_transpose_in_graph(W):
    V = W.T
    with no_grad():
        V -= 1.0


def _rows_in_graph(W):
    rows = list(W)
    with no_grad():
        for row in rows:
            row -= 1.0


def _row_update(W):
    with no_grad():
        W[0] -= 1.0


def _reshape_in_no_grad(W):
    with no_grad():
        V = W.reshape(4)
        V += 1.0


def _transpose_update_in_no_grad(W):
    with no_grad():
        W.T -= 1.0  # W.T is a view: changed, then `W.T = ...` fails (no setter)


def _rows_in_no_grad(W):
    with no_grad():
        for row in W:
            row -= 1.0


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_view_reshape_in_graph, id="V = W.reshape(4); no_grad: V += 1"),
        pytest.param(_view_transpose_in_graph, id="V = W.T; no_grad: V -= 1"),
        pytest.param(_rows_in_graph, id="rows = list(W); no_grad: row -= 1"),
        pytest.param(_row_update, id="no_grad: W[0] -= 1"),
        pytest.param(_reshape_in_no_grad, id="no_grad: V = W.reshape(4); V += 1"),
        pytest.param(_transpose_update_in_no_grad, id="no_grad: W.T -= 1"),
        pytest.param(_rows_in_no_grad, id="no_grad: for row in W: row -= 1"),
    ],
)
def test_a_change_through_a_view_is_never_silent(change):
    """Either W keeps its values (the change went to a copy) and backward is right, or W changed
    and backward refuses: never W changed with backward silently using the new values."""
    W = leaf([[1.0, 2.0], [3.0, 4.0]], "W")
    J = np.sum(W * W)
    try:
        change(W)
    except AttributeError:  # `W.T -= x` changes W through the view, then fails, as numpy's does
        pass
    if np.array_equal(W.data, [[1.0, 2.0], [3.0, 4.0]]):
        J.backward()
        np.testing.assert_array_equal(W.grad, [[2.0, 4.0], [6.0, 8.0]])
    else:
        assert W.version > 0
        with pytest.raises(RuntimeError, match=r"W \(\w+ of 'mul'.*modified in place"):
            J.backward()


def test_row_update_inside_no_grad_writes_into_the_leaf_and_refuses_outside():
    W = leaf([[1.0, 2.0], [3.0, 4.0]], "W")
    array = W.data
    with no_grad():
        W[0] -= 1.0
        W[1, 1] = 9.0
    assert W.is_leaf and W.data is array and W.version >= 2  # counted (W[0] -= x may count twice)
    np.testing.assert_array_equal(array, [[0.0, 1.0], [3.0, 9.0]])
    version = W.version
    with pytest.raises(RuntimeError, match=r"W\[\.\.\.\] = .*no_grad"):
        W[0] -= 1.0
    np.testing.assert_array_equal(array, [[0.0, 1.0], [3.0, 9.0]])
    assert W.version == version


# ---- a .grad left from before an update: the forgotten zero_grad ----

X2 = np.array([[1.0, 2.0, -1.0], [3.0, 0.5, -2.0]])
Y2 = np.array([[1.0, 0.0, 1.0]])


def week2_cost(w: Tensor) -> Tensor:
    import tinygrad_edu.functional as F

    return F.binary_cross_entropy((w.T @ X2).sigmoid(), Y2)


def test_a_backward_onto_a_grad_from_before_the_update_warns_at_the_users_line():
    w = leaf(np.zeros((2, 1)), "w")
    week2_cost(w).backward()
    first = w.grad.copy()
    with no_grad():
        w -= 0.1 * w.grad  # the update; w.grad is not cleared
    fresh = Tensor(w.data.copy(), requires_grad=True)
    week2_cost(fresh).backward()
    with pytest.warns(StaleGradWarning) as seen:
        week2_cost(w).backward()
    (warning,) = seen
    message = str(warning.message)
    assert message.startswith("backward: w.grad still held an earlier backward's gradient")
    assert "(version 0 -> 1: an update?)" in message and "`w.grad = None`" in message
    assert warning.filename == __file__
    np.testing.assert_allclose(w.grad, first + fresh.grad, rtol=1e-15)  # summed, as PyTorch does


def test_the_stale_grad_warning_of_an_unnamed_tensor_names_its_shape():
    w = leaf(np.zeros((2, 1)))
    week2_cost(w).backward()
    with no_grad():
        w -= 0.1 * w.grad
    with pytest.warns(StaleGradWarning) as seen:
        week2_cost(w).backward()
    assert str(seen[0].message).startswith(
        "backward: the .grad of a tensor of shape (2, 1) still held an earlier backward's "
        "gradient, from before it was changed in place (version 0 -> 1"
    )


def test_an_optimizer_step_without_zero_grad_warns_too():
    w = leaf(np.zeros((2, 1)), "w")
    opt = optim.GradientDescent([w], lr=0.1)
    week2_cost(w).backward()
    opt.step()
    with pytest.warns(StaleGradWarning, match=r"w\.grad still held .* \(version 0 -> 1"):
        week2_cost(w).backward()


def test_gradients_summed_between_updates_do_not_warn():
    w = leaf(np.zeros((2, 1)), "w")
    opt = optim.GradientDescent([w], lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        week2_cost(w).backward()
        J = week2_cost(w)
        J.backward(retain_graph=True)  # two costs, then the same one again: no update between
        J.backward()
        summed = w.grad.copy()
        opt.step()
        opt.zero_grad()  # the loop as it should be
        week2_cost(w).backward()
        opt.step()
        with no_grad():
            w -= 0.0
        w.grad = np.zeros((2, 1))  # assigned after the update: it is the current one
        week2_cost(w).backward()
    one = Tensor(np.zeros((2, 1)), requires_grad=True)
    week2_cost(one).backward()
    np.testing.assert_allclose(summed, 3 * one.grad, rtol=1e-15)
