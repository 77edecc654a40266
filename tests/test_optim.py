"""optim: each update rule against its formula, written out by hand, over several steps."""

import numpy as np
import pytest

from tinygrad_edu import Tensor, optim

STEPS = 5


def grads_sequence(shape, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(STEPS)]


def run(opt, W, gs):
    history = []
    for dW in gs:
        opt.zero_grad()
        assert W.grad is None
        W.grad = dW
        opt.step()
        history.append(W.data.copy())
    return history


def test_gradient_descent_is_the_course_update_bit_for_bit():
    W0 = np.random.default_rng(1).standard_normal((3, 2))
    W = Tensor(W0, requires_grad=True)
    gs = grads_sequence((3, 2))
    got = run(optim.GradientDescent([W], lr=0.0075), W, gs)
    expected = W0
    for dW, W_t in zip(gs, got, strict=True):
        expected = expected - 0.0075 * dW  # W = W - learning_rate * dW
        assert np.array_equal(W_t, expected)


def test_momentum_matches_its_formula():
    W0 = np.random.default_rng(2).standard_normal((2, 4))
    W = Tensor(W0, requires_grad=True)
    gs = grads_sequence((2, 4), seed=3)
    got = run(optim.Momentum([W], lr=0.1, beta=0.8), W, gs)
    v, expected = np.zeros_like(W0), W0
    for dW, W_t in zip(gs, got, strict=True):
        v = 0.8 * v + 0.2 * dW
        expected = expected - 0.1 * v
        np.testing.assert_allclose(W_t, expected, rtol=1e-14, atol=1e-15)
    # first step by hand: v = 0.2 dW, W = W0 - 0.02 dW
    np.testing.assert_allclose(got[0], W0 - 0.02 * gs[0], rtol=1e-14)


def test_adam_matches_its_formula_with_bias_correction():
    W0 = np.random.default_rng(4).standard_normal((3, 1))
    W = Tensor(W0, requires_grad=True)
    gs = grads_sequence((3, 1), seed=5)
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    got = run(optim.Adam([W], lr=lr), W, gs)
    v, s, expected = np.zeros_like(W0), np.zeros_like(W0), W0
    for t, (dW, W_t) in enumerate(zip(gs, got, strict=True), start=1):
        v = b1 * v + (1 - b1) * dW
        s = b2 * s + (1 - b2) * dW**2
        expected = expected - lr * (v / (1 - b1**t)) / (np.sqrt(s / (1 - b2**t)) + eps)
        np.testing.assert_allclose(W_t, expected, rtol=1e-14, atol=1e-15)
    # with bias correction the first step is lr * sign(dW) (up to eps)
    np.testing.assert_allclose(got[0], W0 - lr * np.sign(gs[0]), rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda ps: optim.GradientDescent(ps, 0.1),
    lambda ps: optim.Momentum(ps, 0.1),
    lambda ps: optim.Adam(ps, 0.1),
])  # fmt: skip
def test_parameters_without_grad_are_skipped_and_arrays_replaced(make):
    A = Tensor(np.ones((2, 2)), requires_grad=True)
    B = Tensor(np.full((2, 1), 3.0), requires_grad=True)
    opt = make([A, B])
    old_A = A.data
    A.grad = np.full((2, 2), 0.5)
    opt.step()
    np.testing.assert_array_equal(B.data, np.full((2, 1), 3.0))
    assert np.all(A.data < 1.0)
    np.testing.assert_array_equal(old_A, np.ones((2, 2)))  # a new array, the old one untouched
    opt.zero_grad()
    assert A.grad is None and B.grad is None


def test_float32_parameters_stay_float32():
    for cls in (optim.GradientDescent, optim.Momentum, optim.Adam):
        W = Tensor(np.ones((2, 2), np.float32), requires_grad=True)
        W.grad = np.full((2, 2), 0.25, np.float32)
        cls([W], 0.1).step()
        assert W.dtype == np.float32


def test_bad_arguments():
    W = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="learning rate"):
        optim.GradientDescent([W], lr=-0.1)
    with pytest.raises(ValueError, match="no parameters"):
        optim.Adam([], lr=0.1)
    with pytest.raises(TypeError, match="Tensors"):
        optim.Momentum([np.ones(2)], lr=0.1)
