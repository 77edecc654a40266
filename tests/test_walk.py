"""The one backward walk, and each op as the single source of what is known about it."""

from __future__ import annotations

import inspect
import re
import string

import numpy as np
import pytest

from tinygrad_edu import Tensor, ops
from tinygrad_edu import functional as F
from tinygrad_edu.tensor import apply, walk


def _all_ops() -> list[type[ops.Op]]:
    """Every primitive class in ops.py (the bases Op and Broadcasting excluded)."""
    found = [
        c
        for _, c in inspect.getmembers(ops, inspect.isclass)
        if issubclass(c, ops.Op) and c.__module__ == ops.__name__
    ]
    return [c for c in found if c not in (ops.Op, ops.Broadcasting)]


def _instance(cls: type[ops.Op]) -> ops.Op:
    """An instance of cls with typical parameters."""
    params = {
        ops.Pow: (3.0,),
        ops.LeakyRelu: (0.01,),
        ops.Sum: ((1,), True),
        ops.Max: ((1,), True),
        ops.Reshape: ((6,),),
        ops.Transpose: (None,),
        ops.BroadcastTo: ((2, 3),),
        ops.GetItem: (0,),
        ops.ScatterAdd: (0, (2, 3)),
    }
    return cls(*params.get(cls, ()))


def _arity(op: ops.Op) -> int:
    return len(inspect.signature(op.forward).parameters)


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# ---------------------------------------------------------------- each op knows itself


def test_the_list_of_ops_is_the_whole_engine():
    names = {c.__name__ for c in _all_ops()}
    assert {"Add", "Linear", "Sigmoid", "Tanh", "Relu", "BinaryCrossEntropy", "Maximum"} <= names
    assert len(names) == 27


@pytest.mark.parametrize("cls", _all_ops(), ids=lambda c: c.__name__)
def test_every_op_describes_itself_completely(cls):
    """Symbol, argument names, formula and one backward rule per input: a missing one fails here."""
    op = _instance(cls)
    n = _arity(op)
    assert op.name != Tensor.__name__ and op.name != ops.Op.name, "each op has its own name"
    assert op.symbol and op.symbol != ops.Op.symbol, f"{cls.__name__} has no symbol"
    assert len(op.args) == n, f"{cls.__name__}: {len(op.args)} argument names for {n} inputs"
    assert len(op.rules) == n, f"{cls.__name__}: {len(op.rules)} rules for {n} inputs"
    assert op.out not in op.args
    allowed = {op.out, "d" + op.out, *op.args, *("d" + a for a in op.args)}
    assert _placeholders(op.formula) <= allowed and op.out in _placeholders(op.formula)
    for i, rule in enumerate(op.rules):
        used = _placeholders(rule)
        assert used <= allowed, f"{cls.__name__} rule {i} uses {used - allowed}"
        assert rule.startswith("{d" + op.args[i] + "} = "), f"{cls.__name__} rule {i}: {rule}"
        assert "d" + op.out in used, f"{cls.__name__} rule {i} must use the incoming gradient"
    assert set(op.broadcasts) <= set(range(n))


def test_describe_fills_in_the_graphs_names():
    d = "d".__add__
    lin = ops.Linear()
    assert (
        lin.describe(lin.rules[0], "Z[2]", ["W[2]", "A[1]", "b[2]"], d) == "dW[2] = dZ[2] · A[1]ᵀ"
    )
    assert (
        lin.describe(lin.rules[1], "Z[2]", ["W[2]", "A[1]", "b[2]"], d) == "dA[1] = W[2]ᵀ · dZ[2]"
    )
    week2 = ops.Linear(transpose_W=True)
    assert week2.describe(week2.formula, "Z", ["w", "X", "b"], d) == "Z = wᵀ X + b"
    assert week2.describe(week2.rules[0], "Z", ["w", "X", "b"], d) == "dw = X · dZᵀ"
    tanh = ops.Tanh()
    assert tanh.describe(tanh.rules[0], "A[1]", ["Z[1]"], d) == "dZ[1] = dA[1] ⊙ (1 − A[1]²)"
    assert ops.Pow(3.0).describe(ops.Pow(3.0).rules[0], "Z", ["A"], d) == "dA = dZ ⊙ 3 A^2"


def test_no_module_above_the_engine_restates_an_op():
    """Op names and derivative text live in ops.py only: the pictures read them from there."""
    root = __import__("pathlib").Path(ops.__file__).parent
    readers = [p for p in root.rglob("*.py") if p.name not in ("ops.py", "tensor.py")]
    assert any(p.parent.name == "viz" for p in readers)
    for path in readers:
        text = path.read_text(encoding="utf-8")
        assert "_parent_grads" not in text and "._fn" not in text, path
        assert not re.search(r"op == \"|\.op in \(|_SYMBOL|_ARGS", text), path
        for rule in ("A(1 − A)", "(1 − A²)", "· A_prevᵀ", "A_prevᵀ"):
            assert rule not in text, f"{path.name} restates a rule: {rule}"


# ---------------------------------------------------------------- the walk


def _week2():
    X = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, -1.0]])
    Y = np.array([[1.0, 0.0, 1.0]])
    w = Tensor(np.array([[0.3], [-0.2]]), requires_grad=True, name="w")
    b = Tensor(np.array([[0.1]]), requires_grad=True, name="b")
    A = F.linear(w, Tensor(X), b, transpose_W=True).sigmoid()
    return X, Y, w, b, A, F.binary_cross_entropy(A, Y)


def test_walk_gives_each_node_its_complete_gradient_in_reverse_topological_order():
    X, Y, w, b, A, J = _week2()
    steps = list(walk(J))
    assert [n for n, _ in steps] == list(reversed(J.topological_order()))
    grads = {id(n): g for n, g in steps}
    m = X.shape[1]
    dZ = (A.data - Y) / m  # the course's dZ = A - Y, with the mean's 1/m
    np.testing.assert_allclose(grads[id(A.parents[0])], dZ, rtol=1e-12)
    np.testing.assert_allclose(grads[id(w)], X @ dZ.T, rtol=1e-12)
    np.testing.assert_allclose(grads[id(b)], dZ.sum(axis=1, keepdims=True), rtol=1e-12)
    assert grads[id(J)] == 1.0


def test_walk_stores_nothing_and_backward_stores_what_it_gives():
    X, Y, w, b, A, J = _week2()
    steps = dict((id(n), g) for n, g in walk(J, shortcut=True))  # the walk backward takes
    full = dict((id(n), g) for n, g in walk(J))  # through dA, as pictures show it
    assert w.grad is None and b.grad is None  # the walk changed nothing
    with pytest.warns(UserWarning, match="not a leaf"):
        assert A.grad is None
    J.backward()
    np.testing.assert_array_equal(w.grad, steps[id(w)])
    np.testing.assert_array_equal(b.grad, steps[id(b)])
    np.testing.assert_allclose(w.grad, full[id(w)], rtol=1e-14)  # the same up to rounding
    assert id(A) in full and id(A) not in steps  # the shortcut skips A's step
    assert not A.retains_grad and A.grad is None  # nothing kept unless asked (warned once)
    again = dict((id(n), g) for n, g in walk(J, shortcut=True))  # after backward: still readable
    np.testing.assert_array_equal(again[id(w)], w.grad)


def test_a_leafs_gradient_passed_through_unchanged_is_its_own_array():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not b.grad and not np.shares_memory(a.grad, b.grad)
    a.grad[0] = 10.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


class _WrongShape(ops.Op):
    """A planted bug: the VJP of Z = W * 2 returns dW in the wrong shape (4, 3) for W (1, 3)."""

    name, symbol, out, args = "wrong_shape", "?", "Z", ("W",)
    formula, rules = "{Z} = 2 {W}", ("{dW} = 2 {dZ}",)

    def forward(self, W):
        return W * 2

    def backward(self, dZ, Z, W):
        return (np.ones((4, 3)),)


class _WrongCount(_WrongShape):
    def backward(self, dZ, Z, W):
        return (dZ, dZ)


def test_a_wrong_shaped_vjp_is_an_error_naming_the_op_never_summed():
    W = Tensor(np.ones((1, 3)), requires_grad=True)
    J = apply(_WrongShape(), W).sum()
    with pytest.raises(
        RuntimeError, match=r"'wrong_shape' gave dW of shape \(4, 3\) for W of shape \(1, 3\)"
    ):
        J.backward()
    assert W.grad is None


def test_a_vjp_with_too_many_gradients_is_an_error_naming_the_op():
    W = Tensor(np.ones((1, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match="'wrong_shape' gave 2 gradients for its 1 inputs"):
        apply(_WrongCount(), W).sum().backward()


def test_only_declared_broadcast_inputs_are_summed_back():
    """Mul broadcasts both inputs; a (1, 3) row times a (4, 3) matrix sums the row's gradient."""
    r = Tensor(np.array([[1.0, 2.0, 3.0]]), requires_grad=True)
    M = Tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    (r * M).sum().backward()
    np.testing.assert_allclose(r.grad, M.data.sum(axis=0, keepdims=True))
    np.testing.assert_allclose(M.grad, np.broadcast_to(r.data, (4, 3)))
    assert ops.Mul.broadcasts == (0, 1) and ops.Linear.broadcasts == (2,)
    assert ops.Sigmoid.broadcasts == () and ops.Matmul.broadcasts == ()


def test_linear_sums_db_itself_as_the_course_writes_it():
    dZ = np.arange(6.0).reshape(2, 3)
    W, A_prev, b = np.ones((2, 4)), np.ones((4, 3)), np.zeros((2, 1))
    op = ops.Linear()
    op.needs = (True, True, True)
    dW, dA_prev, db = op.backward(dZ, None, W, A_prev, b)
    np.testing.assert_array_equal(db, np.sum(dZ, axis=1, keepdims=True))  # [[3], [12]]
    assert db.shape == (2, 1) and dW.shape == (2, 4) and dA_prev.shape == (4, 3)


def _sigmoid_cost(retain: bool = False, reuse: bool = False):
    X = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, -1.0]])
    Y = np.array([[1.0, 0.0, 1.0]])
    W = Tensor(np.array([[0.3, -0.2]]), requires_grad=True, name="W")
    A = (W @ X).sigmoid()
    if retain:
        A.retain_grad()
    J = F.binary_cross_entropy(A, Y)
    return W, A, (J + A.sum() if reuse else J), X, Y


def test_backward_takes_the_course_shortcut_dZ_equals_A_minus_Y():
    """After a sigmoid the cost hands Z the course's dZ = (1/m)(A - Y) directly: A is skipped."""
    W, A, J, X, Y = _sigmoid_cost()
    seen = []
    real = ops.Sigmoid.backward
    ops.Sigmoid.backward = lambda self, *a: seen.append("sigmoid") or real(self, *a)
    try:
        J.backward()
    finally:
        ops.Sigmoid.backward = real
    assert seen == []  # the sigmoid's VJP never ran
    np.testing.assert_allclose(W.grad, (A.data - Y) @ X.T / 3, rtol=1e-14)


def test_the_shortcut_steps_aside_when_dA_is_wanted():
    for kw in ({"retain": True}, {"reuse": True}):
        W, A, J, X, Y = _sigmoid_cost(**kw)
        J.backward()
        dA_extra = 1.0 if kw.get("reuse") else 0.0  # J + sum(A) adds 1 to dJ/dA
        dZ = ((A.data - Y) / 3 + dA_extra * A.data * (1 - A.data))
        np.testing.assert_allclose(W.grad, dZ @ X.T, rtol=1e-12)
        if kw.get("retain"):  # dA kept: (1/m)(A - Y) / (A (1 - A))
            np.testing.assert_allclose(A.grad, (A.data - Y) / (3 * A.data * (1 - A.data)))
    W, A, J, X, Y = _sigmoid_cost()
    steps = [n for n, _ in walk(J)]  # the pictures' walk keeps every step: A is there
    assert any(n is A for n in steps)
