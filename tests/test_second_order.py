"""Second order: backward(create_graph=True), then differentiate the gradient again."""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import hessian_vector_product
from helpers import positive, sigmoid

import tinygrad_edu.functional as F
from tinygrad_edu import Tensor


def derivatives(f, x):
    """f'(x) and f''(x) elementwise, by autodiff twice: d/dx sum(f(x)), then d/dx sum(f'(x))."""
    t = Tensor(x, requires_grad=True)
    f(t).sum().backward(create_graph=True)
    g = t.grad
    assert isinstance(g, Tensor)
    t.grad = None
    if not g.requires_grad:  # the first derivative is a constant: the second one is 0
        return g.data, np.zeros_like(x)
    g.sum().backward()
    return g.data, t.grad


# name -> (op, f', f'' written by hand, input maker)
UNARY = {
    "exp": (Tensor.exp, np.exp, np.exp, None),
    "log": (Tensor.log, lambda x: 1 / x, lambda x: -1 / x**2, positive),
    "sqrt": (Tensor.sqrt, lambda x: 0.5 * x**-0.5, lambda x: -0.25 * x**-1.5, positive),
    "pow3": (lambda t: t**3, lambda x: 3 * x**2, lambda x: 6 * x, None),
    "pow-2": (lambda t: t**-2, lambda x: -2 * x**-3, lambda x: 6 * x**-4, positive),
    "pow0.5": (lambda t: t**0.5, lambda x: 0.5 * x**-0.5, lambda x: -0.25 * x**-1.5, positive),
    "sigmoid": (
        Tensor.sigmoid,
        lambda x: sigmoid(x) * (1 - sigmoid(x)),
        lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 2 * sigmoid(x)),
        None,
    ),
    "tanh": (
        Tensor.tanh,
        lambda x: 1 - np.tanh(x) ** 2,
        lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
        None,
    ),
    "neg": (lambda t: -t, lambda x: -np.ones_like(x), np.zeros_like, None),
    "abs": (Tensor.abs, np.sign, np.zeros_like, None),
    "relu": (Tensor.relu, lambda x: (x > 0) * 1.0, np.zeros_like, None),
    "leaky_relu": (
        lambda t: t.leaky_relu(0.1),
        lambda x: np.where(x > 0, 1.0, 0.1),
        np.zeros_like,
        None,
    ),
    "x*x*x via mul": (lambda t: t * t * t, lambda x: 3 * x**2, lambda x: 6 * x, None),
    "1/x via div": (lambda t: 1 / t, lambda x: -1 / x**2, lambda x: 2 / x**3, positive),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_second_derivative_of_every_unary_primitive(name):
    f, d1, d2, make = UNARY[name]
    rng = np.random.default_rng(0)
    x = (make or np.random.Generator.standard_normal)(rng, (3, 4))
    x = np.where(np.abs(x) < 0.1, 0.5, x)  # off the kinks
    g1, g2 = derivatives(f, x)
    np.testing.assert_allclose(g1, d1(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g2, d2(x), rtol=1e-12, atol=1e-14)


def test_third_derivative_of_sigmoid():
    x = np.linspace(-4, 4, 9)
    t = Tensor(x, requires_grad=True)
    t.sigmoid().sum().backward(create_graph=True)
    g1, t.grad = t.grad, None
    g1.sum().backward(create_graph=True)
    g2, t.grad = t.grad, None
    g2.sum().backward()
    s = sigmoid(x)
    np.testing.assert_allclose(t.grad, s * (1 - s) * (1 - 6 * s + 6 * s**2), rtol=1e-10, atol=1e-14)


def test_mixed_second_derivatives_of_mul_and_div():
    a, b = Tensor(3.0, requires_grad=True), Tensor(2.0, requires_grad=True)
    (a * a * b).backward(create_graph=True)  # dJ/da = 2ab, dJ/db = a^2
    ga, gb = a.grad, b.grad
    assert ga.item() == 12.0 and gb.item() == 9.0
    a.grad = b.grad = None
    ga.backward()  # d(2ab)/da = 2b, d(2ab)/db = 2a
    assert a.grad == 4.0 and b.grad == 6.0
    a.grad = b.grad = None
    (a / b).backward(create_graph=True)
    gb = b.grad  # -a / b^2
    a.grad = b.grad = None
    gb.backward()  # d/da = -1/b^2,  d/db = 2a/b^3
    np.testing.assert_allclose([a.grad, b.grad], [-0.25, 0.75], rtol=1e-15)


# ---- Hessian-vector products of the course's MLP cost, against HIPS autograd ----


def mlp_cost(params, X, Y, activation, cost, lib):
    """J for the course's 2-layer network: Z1 = W1 X + b1, A1 = g(Z1), Z2 = W2 A1 + b2."""
    W1, b1, W2, b2 = params
    Z1 = lib.linear(W1, X, b1)
    A1 = lib.act[activation](Z1)
    return lib.cost[cost](lib.linear(W2, A1, b2), Y)


class TG:
    linear = staticmethod(F.linear)
    act = {"tanh": Tensor.tanh, "relu": Tensor.relu, "sigmoid": Tensor.sigmoid}
    cost = {
        "logits": F.binary_cross_entropy_with_logits,
        "bce": lambda Z, Y: F.binary_cross_entropy(Z.sigmoid(), Y),
        "squares": lambda Z, Y: ((Z - Y) ** 2).mean(),
    }


def _ag_sigmoid(Z):
    return 0.5 * (anp.tanh(Z / 2) + 1)


class AG:
    linear = staticmethod(lambda W, A, b: anp.dot(W, A) + b)
    act = {"tanh": anp.tanh, "relu": lambda Z: anp.where(Z > 0, Z, 0.0), "sigmoid": _ag_sigmoid}
    cost = {
        "logits": lambda Z, Y: anp.mean(anp.logaddexp(0, Z) - Z * Y),
        "bce": lambda Z, Y: (
            -anp.mean(Y * anp.log(_ag_sigmoid(Z)) + (1 - Y) * anp.log(1 - _ag_sigmoid(Z)))
        ),
        "squares": lambda Z, Y: anp.mean((Z - Y) ** 2),
    }


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("cost", ["logits", "bce", "squares"])
def test_hessian_vector_product_of_an_mlp_matches_autograd(activation, cost):
    rng = np.random.default_rng([ord(c) for c in activation + cost])  # fixed per case
    shapes = [(4, 3), (4, 1), (1, 4), (1, 1)]
    params = [rng.standard_normal(s) for s in shapes]
    vs = [rng.standard_normal(s) for s in shapes]
    X = rng.standard_normal((3, 7))
    Y = (rng.uniform(size=(1, 7)) > 0.5) * 1.0

    ts = [Tensor(p, requires_grad=True) for p in params]
    mlp_cost(ts, X, Y, activation, cost, TG).backward(create_graph=True)
    grads = [t.grad for t in ts]
    for t in ts:
        t.grad = None
    sum((g * v).sum() for g, v in zip(grads, vs, strict=True)).backward()

    def flat_cost(theta):
        parts, i = [], 0
        for s in shapes:
            n = int(np.prod(s))
            parts.append(anp.reshape(theta[i : i + n], s))
            i += n
        return mlp_cost(parts, X, Y, activation, cost, AG)

    theta = np.concatenate([p.ravel() for p in params])
    v = np.concatenate([x.ravel() for x in vs])
    expected = hessian_vector_product(flat_cost)(theta, v)
    got = np.concatenate([t.grad.ravel() for t in ts])
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("cost", ["logits", "bce"])
def test_hessian_vector_product_of_week_2s_w_T_X_plus_b_matches_autograd(cost):
    rng = np.random.default_rng(len(cost))
    w, b, vw, vb = (rng.standard_normal(s) for s in [(3, 1), (1, 1), (3, 1), (1, 1)])
    X = rng.standard_normal((3, 6))
    Y = (rng.uniform(size=(1, 6)) > 0.5) * 1.0

    tw, tb = Tensor(w, requires_grad=True), Tensor(b, requires_grad=True)
    TG.cost[cost](F.linear(tw, X, tb, transpose_W=True), Y).backward(create_graph=True)
    gw, gb = tw.grad, tb.grad
    tw.grad = tb.grad = None
    ((gw * vw).sum() + (gb * vb).sum()).backward()

    def flat_cost(theta):
        return AG.cost[cost](anp.dot(anp.reshape(theta[:3], (3, 1)).T, X) + theta[3], Y)

    expected = hessian_vector_product(flat_cost)(
        np.r_[w.ravel(), b.ravel()], np.r_[vw.ravel(), vb.ravel()]
    )
    got = np.r_[tw.grad.ravel(), tb.grad.ravel()]
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-12)


def test_gradients_of_gradients_are_tensors_in_a_graph():
    x = Tensor([0.5, -1.0], requires_grad=True)
    (x.tanh() * x).sum().backward(create_graph=True)
    assert isinstance(x.grad, Tensor) and x.grad.requires_grad and x.grad.op is not None
    t = np.tanh(x.data)
    np.testing.assert_allclose(x.grad.data, t + x.data * (1 - t**2), rtol=1e-15)


@pytest.mark.parametrize("p, d3", [(2, 0.0), (3, 6.0), (1, 0.0)])
def test_third_derivative_of_powers_at_zero(p, d3):
    # the chain reaches x ** 0, whose VJP once gave 0 * 0 ** -1 = NaN (with a RuntimeWarning)
    x = Tensor([0.0, 2.0], requires_grad=True)
    (x**p).sum().backward(create_graph=True)
    g1, x.grad = x.grad, None
    if not g1.requires_grad:
        return
    g1.sum().backward(create_graph=True)
    g2, x.grad = x.grad, None
    if isinstance(g2, Tensor) and g2.requires_grad:
        g2.sum().backward()
        np.testing.assert_array_equal(x.grad, [d3, d3])
    else:
        assert d3 == 0.0
