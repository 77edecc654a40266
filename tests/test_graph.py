"""Graph mechanics: accumulation, retain_graph, no_grad, detach, retain_grad, data X, dtypes."""

import numpy as np
import pytest

import tinygrad_edu.functional as F
from tinygrad_edu import Tensor, no_grad
from tinygrad_edu import ops as engine_ops


def test_a_tensor_used_twice_gets_both_gradients():
    x = Tensor([1.0, -2.0], requires_grad=True)
    (x * x + 3 * x).sum().backward()  # d/dx = 2x + 3
    np.testing.assert_array_equal(x.grad, [5.0, -1.0])


def test_a_parent_reached_by_a_longer_path_waits_for_it():
    # x + 2x: the walk once visited x (a direct parent) before 2x had handed x its share: grad 1.
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x + x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])
    a = Tensor(1.5, requires_grad=True)
    h = a.exp()
    J = h + (h * a).sigmoid() * h  # h reached directly and through two longer paths
    J.backward()
    s = 1 / (1 + np.exp(-np.exp(1.5) * 1.5))
    e = np.exp(1.5)
    dJ_dh = 1 + s + h.data * s * (1 - s) * 1.5
    dJ_da = dJ_dh * e + h.data * s * (1 - s) * h.data  # plus the path through a itself
    np.testing.assert_allclose(a.grad, dJ_da, rtol=1e-14)


def test_walk_order_puts_every_node_after_its_parents():
    x = Tensor(np.ones(3), requires_grad=True)
    a = x * 2
    b = x + a
    c = b * a + x
    order = c.topological_order()
    assert order[-1] is c and len(order) == 5  # x, a, b, b * a, c
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for p in node.parents:
            if p.requires_grad:  # constants (the 2 in x * 2) need no gradient: not walked
                assert position[id(p)] < position[id(node)]


def test_grad_accumulates_across_backward_calls_until_cleared():
    W = Tensor([[2.0, 3.0]], requires_grad=True)
    (W * W).sum().backward()
    (W * W).sum().backward()
    np.testing.assert_array_equal(W.grad, [[8.0, 12.0]])
    W.grad = None
    (W * 5).sum().backward()
    np.testing.assert_array_equal(W.grad, [[5.0, 5.0]])


def test_each_input_gets_its_own_grad_array():
    a, b = Tensor(1.0, requires_grad=True), Tensor(2.0, requires_grad=True)
    (a + b).backward()  # add hands the same dZ to both inputs
    a.grad[...] = 7.0
    assert b.grad == 1.0
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.broadcast_to((3, 2))
    y.retain_grad()
    y.sum().backward()
    y.grad[0, 0] = 5.0  # a retained intermediate grad is an array of its own too
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_second_backward_through_a_freed_graph_raises():
    x = Tensor(3.0, requires_grad=True)
    J = (x * x).sigmoid()
    J.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        J.backward()


def test_retain_graph_lets_backward_walk_twice():
    x = Tensor(3.0, requires_grad=True)
    J = x * x * x
    J.backward(retain_graph=True)
    J.backward()
    assert x.grad == 2 * 27.0


def test_no_grad_as_context_manager():
    W = Tensor(np.ones((2, 2)), requires_grad=True)
    with no_grad():
        Z = W @ W + 1
    assert not Z.requires_grad and Z.op is None and Z.parents == ()
    np.testing.assert_array_equal(Z.data, np.full((2, 2), 3.0))
    assert (W * 2).requires_grad  # recording is back on afterwards


def test_no_grad_as_decorator_even_recursive():
    W = Tensor(np.ones(3), requires_grad=True)

    @no_grad()
    def step(depth):
        out = (W * 2).sigmoid()
        assert not out.requires_grad and out.op is None
        return step(depth - 1) if depth else out

    step(3)
    assert (W * 2).requires_grad  # a recursive @no_grad() once left recording off for good


def test_detach_cuts_the_graph():
    x = Tensor([2.0], requires_grad=True)
    d = (x * x).detach()
    assert not d.requires_grad and d.is_leaf and d.op is None
    (x * d).sum().backward()  # d is a constant 4: d(x * 4)/dx = 4, not 3 x^2 = 12
    np.testing.assert_array_equal(x.grad, [4.0])


def test_intermediate_grads_dropped_unless_retained():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    kept = x * 5
    kept.retain_grad()
    (h * kept).sum().backward()
    with pytest.warns(UserWarning, match=r"not a leaf.*retain_grad"):  # reading it says why
        assert h.grad is None
    np.testing.assert_array_equal(kept.grad, h.data)
    np.testing.assert_array_equal(x.grad, 2 * 15 * x.data)


def test_data_X_gets_no_gradient_and_no_dA_is_computed(monkeypatch):
    rng = np.random.default_rng(0)
    X = Tensor(rng.standard_normal((3, 4)))
    W, b = (
        Tensor(rng.standard_normal((2, 3)), requires_grad=True),
        Tensor(np.zeros((2, 1)), requires_grad=True),
    )
    W2 = Tensor(rng.standard_normal((1, 2)), requires_grad=True)
    computed = []
    for op in (engine_ops.Linear, engine_ops.Matmul):
        real = op.backward

        def spy(self, *args, real=real):
            grads = real(self, *args)
            computed.append((self.name, self.needs, [g is not None for g in grads]))
            return grads

        monkeypatch.setattr(op, "backward", spy)
    Z1 = F.linear(W, X, b)
    assert Z1.grad_fn.needs == (True, False, True)
    (W2 @ Z1.tanh() + (W @ X).sum()).sum().backward()
    assert X.grad is None and not X.requires_grad
    assert ("linear", (True, False, True), [True, False, True]) in computed  # no dA[0] for X
    assert ("matmul", (True, False), [True, False]) in computed  # W @ X: dW only
    assert ("matmul", (True, True), [True, True]) in computed  # W2 @ A1: both
    assert len(computed) == 3


def test_a_100000_op_chain_needs_no_recursion():
    x = Tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
    assert len(y.topological_order()) == 100_001


# ---- dtypes ----


@pytest.mark.parametrize("other", [2, 2.5, True, np.float64(2.5), np.int64(3), np.float32(0.5)])
def test_float32_stays_float32_with_numbers(other):
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    for out in (x + other, other + x, x * other, other * x, x - other, other - x, x / other, x**2):
        assert out.dtype == np.float32, (other, out.dtype)
    (x * other + x.sigmoid() / 3).mean().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize(
    "data", [3, [1, 2], True, [[True, False]], np.arange(3), np.array([1, 2], np.int8)]
)
def test_ints_bools_and_lists_become_float64(data):
    t = Tensor(data)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))


def test_float32_parameters_get_float32_grads_through_a_layer():
    rng = np.random.default_rng(1)
    W = Tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros((2, 1), np.float32), requires_grad=True)
    X = rng.standard_normal((3, 5)).astype(np.float32)
    Y = np.array([[0, 1, 1, 0, 1], [1, 0, 0, 1, 1]], dtype=np.float32)
    F.binary_cross_entropy(F.linear(W, X, b).sigmoid(), Y).backward()
    assert W.grad.dtype == np.float32 and b.grad.dtype == np.float32
    W.grad = b.grad = None
    Z = F.linear(W, X, b)
    F.binary_cross_entropy_with_logits(Z.relu().max(axis=0, keepdims=True) * 1.0, Y[:1]).backward()
    assert W.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_backward_with_a_given_grad():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(grad=[1.0, 0.0, 2.0])
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 12.0])


def test_float32_parameters_with_float64_data_still_get_float32_grads():
    # the forward promotes to float64 (numpy's rule); the gradient is cast back to W's dtype,
    # once it came back float64 and the update W -= alpha * dW changed precision under W
    W = Tensor(np.full((1, 3), 0.5, np.float32), requires_grad=True)
    b = Tensor(np.zeros((1, 1), np.float32), requires_grad=True)
    X = np.arange(12.0).reshape(3, 4) / 10  # float64
    Y = np.array([[1.0, 0.0, 1.0, 0.0]])
    Z = F.linear(W, X, b)
    assert Z.dtype == np.float64
    F.binary_cross_entropy_with_logits(Z, Y).backward()
    assert W.grad.dtype == np.float32 and b.grad.dtype == np.float32
    dZ = (1 / (1 + np.exp(-(W.data.astype(np.float64) @ X))) - Y) / 4
    np.testing.assert_allclose(W.grad, dZ @ X.T, rtol=1e-6)
    np.testing.assert_allclose(b.grad, dZ.sum(axis=1, keepdims=True), rtol=1e-6)


def test_transpose_takes_negative_axes_as_numpy_does():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = Tensor(a, requires_grad=True)
    y = x.transpose(-1, 0, -2)
    np.testing.assert_array_equal(y.data, np.transpose(a, (-1, 0, -2)))
    (y * np.arange(24.0).reshape(4, 2, 3)).sum().backward()
    np.testing.assert_array_equal(x.grad, np.transpose(np.arange(24.0).reshape(4, 2, 3), (1, 2, 0)))


def test_a_tensor_is_refused_as_an_index_a_bool_mask_is_not_read_as_0_and_1():
    x = Tensor(np.arange(4.0), requires_grad=True)
    np.testing.assert_array_equal(x[np.array([3, 1])].data, [3.0, 1.0])
    with pytest.raises(IndexError, match="not a Tensor.*bool mask"):
        x[Tensor([True, False, True, False])]  # held as 1.0, 0.0: it would pick x[1], x[0]
    picked = x[np.array([True, False, True, False])]
    np.testing.assert_array_equal(picked.data, [0.0, 2.0])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0, 0.0])
