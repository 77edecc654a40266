"""Second order: backward(create_graph=True), then differentiate the gradient again."""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import hessian_vector_product
from helpers import central_difference, positive, sigmoid

import tinygrad_edu.functional as F
from tinygrad_edu import Tensor


def first_derivative(f, x, create_graph=False):
    """f'(x) elementwise by autodiff: d/dx sum(f(x)); with create_graph, a Tensor in the graph."""
    t = Tensor(x, requires_grad=True)
    f(t).sum().backward(create_graph=create_graph)
    return t, t.grad


def derivatives(f, x):
    """f'(x) and f''(x) elementwise, by autodiff twice: d/dx sum(f(x)), then d/dx sum(f'(x))."""
    t, g = first_derivative(f, x, create_graph=True)
    assert isinstance(g, Tensor) and g.requires_grad, "f' is not constant: it must be in a graph"
    t.grad = None
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
    # neg, abs, relu and leaky_relu are linear on each side of 0: f'' = 0 there, which an engine
    # that drops the second pass would also give. h = x f(x) has h' = f + x f' and h'' = 2 f'
    # (f'' = 0 off the kink): nonzero, and the second pass goes back through f's VJP.
    "x*neg(x)": (lambda t: t * -t, lambda x: -2 * x, lambda x: np.full_like(x, -2.0), None),
    "x*abs(x)": (lambda t: t * t.abs(), lambda x: 2 * np.abs(x), lambda x: 2 * np.sign(x), None),
    "x*relu(x)": (
        lambda t: t * t.relu(),
        lambda x: 2 * np.maximum(x, 0),
        lambda x: np.where(x > 0, 2.0, 0.0),
        None,
    ),
    "x*leaky_relu(x)": (
        lambda t: t * t.leaky_relu(0.1),
        lambda x: 2 * np.where(x > 0, x, 0.1 * x),
        lambda x: np.where(x > 0, 2.0, 0.2),
        None,
    ),
    "x*x*x via mul": (lambda t: t * t * t, lambda x: 3 * x**2, lambda x: 6 * x, None),
    "1/x via div": (lambda t: 1 / t, lambda x: -1 / x**2, lambda x: 2 / x**3, positive),
}


def unary_input(make, seed=0):
    x = (make or np.random.Generator.standard_normal)(np.random.default_rng(seed), (3, 4))
    return np.where(np.abs(x) < 0.1, 0.5, x)  # off the kinks


@pytest.mark.parametrize("name", sorted(UNARY))
def test_second_derivative_of_every_unary_primitive(name):
    f, d1, d2, make = UNARY[name]
    x = unary_input(make)
    g1, g2 = derivatives(f, x)
    np.testing.assert_allclose(g1, d1(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g2, d2(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_second_derivative_is_the_slope_of_the_first(name):
    """f'' by autodiff against central differences of the engine's own f' (first order only)."""
    f, _, d2, make = UNARY[name]
    x = unary_input(make, seed=1)
    _, g2 = derivatives(f, x)
    slope = central_difference(lambda: first_derivative(f, x)[1].sum(), x)  # x put back after
    np.testing.assert_allclose(g2, slope, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(d2(x), slope, rtol=1e-6, atol=1e-6)  # and the hand formula agrees


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


@pytest.mark.parametrize(
    "p, d1, d2, d3",
    [  # at x = 0 and x = 2, by hand: J = x^p + x^4
        (1, [1.0, 33.0], [0.0, 48.0], [0.0, 48.0]),  # 1 + 4x^3, 12x^2, 24x
        (2, [0.0, 36.0], [2.0, 50.0], [0.0, 48.0]),  # 2x + 4x^3, 2 + 12x^2, 24x
        (3, [0.0, 44.0], [0.0, 60.0], [6.0, 54.0]),  # 3x^2 + 4x^3, 6x + 12x^2, 6 + 24x
    ],
    ids=["p=1", "p=2", "p=3"],
)
def test_third_derivative_of_powers_at_zero(p, d1, d2, d3):
    # the chain reaches x ** 0, whose VJP once gave 0 * 0 ** -1 = NaN (with a RuntimeWarning);
    # x ** 4 keeps every derivative in the graph, so each pass walks x ** p's chain too
    x = Tensor([0.0, 2.0], requires_grad=True)
    (x**p + x**4).sum().backward(create_graph=True)
    g1, x.grad = x.grad, None
    np.testing.assert_array_equal(g1.data, d1)
    g1.sum().backward(create_graph=True)
    g2, x.grad = x.grad, None
    np.testing.assert_array_equal(g2.data, d2)
    g2.sum().backward()
    np.testing.assert_array_equal(x.grad, d3)
