"""Bad input fails at the call, with a message naming the op, the shapes, and what to do."""

import operator
import os
import re
import sys

import numpy as np
import pytest

import tinygrad_edu.functional as F
from tinygrad_edu import Tensor, detect_anomaly


def ones(*shape):
    return Tensor(np.ones(shape), requires_grad=True)


def raises_naming(exc, *parts):
    """pytest.raises(exc) whose message contains every part, literally."""
    return pytest.raises(exc, match="(?s)" + "".join(f"(?=.*{re.escape(p)})" for p in parts))


@pytest.mark.parametrize(
    "name, op",
    [
        ("add", operator.add),
        ("sub", operator.sub),
        ("mul", operator.mul),
        ("div", operator.truediv),
    ],
)
@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (3, 2)), ((4,), (3,)), ((1, 4), (4, 1, 3))])
def test_elementwise_shape_mismatch_names_op_and_shapes(name, op, a_shape, b_shape):
    a, b = ones(*a_shape), ones(*b_shape)
    with raises_naming(ValueError, f"{name}:", str(a_shape), str(b_shape), "broadcast"):
        op(a, b)
    with raises_naming(ValueError, f"{name}:", str(a_shape), str(b_shape)):
        op(a, b.data)  # a numpy array on either side is checked too
    with raises_naming(ValueError, f"{name}:", str(a_shape), str(b_shape)):
        op(a.data, b)


def test_matmul_inner_dimensions():
    with raises_naming(
        ValueError, "matmul: (2, 3) @ (2, 3): inner dimensions 3 and 2 differ", "transpose"
    ):
        ones(2, 3) @ ones(2, 3)
    with raises_naming(ValueError, "matmul:", "(3,) @ (4, 2)"):
        ones(3) @ ones(4, 2)
    with raises_naming(ValueError, "matmul:", "(2, 3) @ (2,)"):
        np.ones((2, 3)) @ ones(2)
    with raises_naming(ValueError, "matmul:", "(2, 2, 2)", "1-D or 2-D"):
        ones(2, 2, 2) @ ones(2, 2)


def test_linear_names_itself_and_each_shape():
    with raises_naming(
        ValueError, "linear:", "W (2, 3)", "A_prev (4, 5)", "inner dimensions 3 and 4"
    ):
        F.linear(ones(2, 3), ones(4, 5), ones(2, 1))
    with raises_naming(ValueError, "linear:", "b has shape (3, 1)", "(2, 5)", "(n[l], 1)"):
        F.linear(ones(2, 3), ones(3, 5), ones(3, 1))
    with raises_naming(ValueError, "linear:", "W.T (3, 1)", "A_prev (4, 5)", "w (n_x, 1)"):
        F.linear(ones(1, 3), ones(4, 5), ones(1, 1), transpose_W=True)
    with raises_naming(ValueError, "linear:", "(2, 1)", "Z = W.T A_prev is (1, 5)", "(1, 1)"):
        F.linear(ones(4, 1), ones(4, 5), ones(2, 1), transpose_W=True)
    with raises_naming(ValueError, "linear:", "(3,)", "2-D"):
        F.linear(ones(2, 3), ones(3), ones(2, 1))
    # a (m,) bias broadcasts when n[l] == m, but it is not the course's b: refused, not summed
    with raises_naming(ValueError, "linear:", "b has shape (2,)", "(n[l], 1) = (2, 1)"):
        F.linear(ones(2, 3), ones(3, 2), ones(2))


@pytest.mark.parametrize(
    "cost, name",
    [
        (F.binary_cross_entropy, "binary_cross_entropy:"),
        (F.binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits:"),
    ],
)
def test_costs_refuse_transposed_labels(cost, name):
    A, Y = Tensor(np.full((1, 4), 0.5), requires_grad=True), np.ones((4, 1))
    with raises_naming(ValueError, name, "(1, 4)", "(4, 1)"):
        cost(A, Y)


def test_bce_refuses_values_outside_0_1():
    with raises_naming(
        ValueError, "binary_cross_entropy:", "[0, 1]", "span [0.5, 1.5]", "with_logits"
    ):
        F.binary_cross_entropy(Tensor([[0.5, 1.5]]), [[1.0, 0.0]])
    with raises_naming(ValueError, "binary_cross_entropy:", "span [0.25, 0.25] and include NaN"):
        F.binary_cross_entropy(Tensor([[np.nan, 0.25]]), [[1.0, 0.0]])
    # all NaN (a diverged run): once numpy's "All-NaN slice" RuntimeWarning came first
    with raises_naming(ValueError, "binary_cross_entropy:", "values include NaN"):
        F.binary_cross_entropy(Tensor([[np.nan, np.nan]]), [[1.0, 0.0]])


def test_backward_on_a_non_scalar():
    Z = ones(2, 3) * 2
    with raises_naming(ValueError, "backward:", "(2, 3)", ".sum()", "grad="):
        Z.backward()
    with raises_naming(ValueError, "backward:", "(3, 2)", "(2, 3)"):
        Z.backward(grad=np.ones((3, 2)))


def test_backward_when_nothing_requires_grad():
    J = (Tensor([1.0, 2.0]) * 3).sum()
    with raises_naming(RuntimeError, "backward:", "requires_grad=True"):
        J.backward()


def test_shape_op_errors():
    x = ones(2, 3)
    with raises_naming(ValueError, "reshape:", "(2, 3)", "6 elements", "(4,)"):
        x.reshape(4)
    with raises_naming(ValueError, "transpose:", "(0, 0)", "(2, 3)"):
        x.transpose(0, 0)
    with raises_naming(ValueError, "transpose:", "(1, 0, 2)", "(2, 3)"):
        x.transpose(1, 0, 2)
    with raises_naming(ValueError, "broadcast_to:", "(2, 3)", "(3, 3)"):
        x.broadcast_to((3, 3))
    with raises_naming(IndexError, "getitem:", "(2, 3)"):
        x[5]
    with raises_naming(IndexError, "scatter_add:", "(4,)"):
        ones(3).scatter_add([5, 0, 1], (4,))
    with raises_naming(ValueError, "scatter_add:", "(3,)", "(2,)"):
        ones(3).scatter_add([0, 1], (4,))


@pytest.mark.parametrize("op", ["sum", "mean", "max"])
def test_reduction_axis_errors(op):
    with raises_naming(ValueError, f"{op}:", "axis 2", "(2, 3)"):
        getattr(ones(2, 3), op)(axis=2)
    with raises_naming(ValueError, f"{op}:", "axis -3", "(2, 3)"):
        getattr(ones(2, 3), op)(axis=-3)
    with raises_naming(ValueError, f"{op}:", "repeats"):
        getattr(ones(2, 3), op)(axis=(1, -1))
    with raises_naming(ValueError, f"{op}:", "axis 0", "()"):
        getattr(Tensor(2.0), op)(axis=0)


def test_other_bad_input():
    with raises_naming(TypeError, "pow:", "number"):
        ones(2) ** ones(2)
    with raises_naming(TypeError, "Tensor:", "dtype"):
        Tensor(["a", "b"])
    with raises_naming(ValueError, "item:", "(2,)"):
        ones(2).item()
    with raises_naming(ValueError, "max:", "empty"):
        Tensor(np.ones((0, 3))).max()


# ---- detect_anomaly: the op and the line of the user's code ----


def _next_line():
    """file:line of the line after the caller's: where the test makes the op."""
    f = sys._getframe(1)
    return f"{os.path.basename(f.f_code.co_filename)}:{f.f_lineno + 1}"


@pytest.mark.parametrize("value, kind", [(-1.0, "NaN"), (0.0, "inf")])
def test_anomaly_in_forward_names_op_and_line(value, kind):
    x = Tensor([value, 1.0])
    with detect_anomaly(), pytest.raises(RuntimeError) as err:
        where = _next_line()
        x.log()
    message = str(err.value)
    assert "log" in message and kind in message
    assert where in message and message.count("test_errors.py:") == 1


def test_anomaly_in_backward_names_op():
    x = Tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        where = _next_line()
        y = x.sqrt()  # forward is fine: sqrt(0) = 0
        J = (y * 0).sum()
        with raises_naming(RuntimeError, "sqrt backward", "NaN", where):
            J.backward()  # dA = dZ / (2 sqrt(0)) = 0 / 0


def test_anomaly_in_backward_of_a_graph_built_outside():
    x = Tensor([0.0], requires_grad=True)
    J = (x.sqrt() * 0).sum()
    with detect_anomaly(), raises_naming(RuntimeError, "sqrt backward", "inside detect_anomaly"):
        J.backward()


def test_anomaly_mode_ends_with_its_block():
    with detect_anomaly():
        assert Tensor([2.0]).log().item() == np.log(2.0)
    with pytest.warns(RuntimeWarning):  # outside it, numpy's own warning (an error in this suite)
        Tensor([-1.0]).log()


def test_anomaly_as_decorator():
    @detect_anomaly()
    def cost(x):
        return (x / 0).sum()

    with raises_naming(RuntimeError, "div", "inf"):
        cost(Tensor([1.0]))
