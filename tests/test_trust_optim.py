"""Optimizers and fit refuse nonsense at the boundary, and a step is all or nothing."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Tensor, nn, optim


def _wb():
    w = Tensor(np.array([[0.5], [-0.3]]), requires_grad=True, name="w")
    b = Tensor(np.zeros((1, 1)), requires_grad=True, name="b")
    return w, b


@pytest.mark.parametrize(
    "params, match",
    [
        ("one", "not one Tensor"),
        ("model", "model.parameters()"),
        ("non-leaf", "not a leaf.*'mul'"),
        ("duplicate", "listed twice"),
        ("no-grad", "does not require grad"),
        ("empty", "no parameters"),
        ("number", "list of Tensors"),
    ],
)
def test_an_optimizer_refuses_what_it_cannot_update(params, match):
    w, b = _wb()
    given = {
        "one": w,
        "model": nn.DeepNN([2, 3, 1], seed=1),
        "non-leaf": [w * 2],
        "duplicate": [w, b, w],
        "no-grad": [Tensor([1.0])],
        "empty": [],
        "number": 3,
    }[params]
    with pytest.raises((TypeError, ValueError), match=match):
        optim.GradientDescent(given, 0.1)


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), True, "0.1"])
def test_a_learning_rate_must_be_a_positive_finite_number(lr):
    with pytest.raises(ValueError, match="lr .* must be a finite number > 0"):
        optim.GradientDescent(list(_wb()), lr)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.Momentum(p, 0.1, beta=1.0),
        lambda p: optim.Momentum(p, 0.1, beta=-0.1),
        lambda p: optim.Adam(p, 0.1, beta1=1.5),
        lambda p: optim.Adam(p, 0.1, beta2=float("nan")),
        lambda p: optim.Adam(p, 0.1, eps=0),
    ],
)
def test_betas_and_eps_are_checked(make):
    with pytest.raises(ValueError, match="must be a finite number"):
        make(list(_wb()))


def test_a_float64_learning_rate_keeps_a_float32_model_float32():
    w = Tensor(np.ones((2, 1), dtype=np.float32), requires_grad=True)
    w.grad = np.ones((2, 1), dtype=np.float32)
    optim.GradientDescent([w], np.float64(0.1)).step()
    assert w.dtype == np.float32
    np.testing.assert_allclose(w.data, 0.9, rtol=1e-6)


def test_a_step_after_create_graph_stores_an_array_not_a_tensor():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward(create_graph=True)  # w.grad is a Tensor
    optim.GradientDescent([w], 0.5).step()
    assert type(w.data) is np.ndarray
    np.testing.assert_array_equal(w.data, [0.0, 0.0])  # w - 0.5 * 2w


def test_a_step_is_all_or_nothing_when_one_update_fails():
    w, b = _wb()
    w.grad, b.grad = np.ones((2, 1)), np.ones((1, 1))

    class Failing(optim.GradientDescent):
        def update(self, i, dW):
            if i == 1:
                raise KeyboardInterrupt  # Ctrl-C while the second parameter's value is computed
            return super().update(i, dW)

    before = [w.data.copy(), b.data.copy()]
    with pytest.raises(KeyboardInterrupt):
        Failing([w, b], 0.1).step()
    np.testing.assert_array_equal(w.data, before[0])  # the first was computed, not assigned
    np.testing.assert_array_equal(b.data, before[1])


def test_fit_refuses_an_optimizer_made_for_another_model():
    X = np.random.default_rng(0).standard_normal((2, 8))
    Y = (np.arange(8) % 2)[None, :]
    model, other = nn.DeepNN([2, 3, 1], seed=1), nn.DeepNN([2, 3, 1], seed=2)
    with pytest.raises(ValueError, match="none of this model's parameters"):
        nn.fit(model, X, Y, optimizer=optim.GradientDescent(other.parameters(), 0.1),
               num_iterations=2, print_every=None, progress=False)  # fmt: skip


def test_ctrl_c_in_fit_keeps_the_history_and_whole_parameters():
    X = np.random.default_rng(0).standard_normal((2, 8))
    Y = (np.arange(8) % 2)[None, :]
    model = nn.DeepNN([2, 3, 1], seed=1)
    twin = nn.DeepNN([2, 3, 1], seed=1)

    class CtrlC(optim.GradientDescent):
        def update(self, i, dW):
            if self.calls == 3 * 4 + 2:  # in the middle of the 4th step (4 parameters a step)
                raise KeyboardInterrupt
            self.calls += 1
            return super().update(i, dW)

    opt = CtrlC(model.parameters(), 0.5)
    opt.calls = 0
    with pytest.raises(nn.TrainingInterrupted) as caught:
        nn.fit(model, X, Y, optimizer=opt, num_iterations=10, print_every=None, progress=False)
    assert isinstance(caught.value, KeyboardInterrupt)  # the CLI's Ctrl-C handling still applies
    h = nn.fit(twin, X, Y, 0.5, num_iterations=3, print_every=None, progress=False)
    for (k, p), (_, q) in zip(model.named_parameters(), twin.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=k)  # after 3 whole steps
    assert caught.value.history.costs[:3] == h.costs and len(caught.value.history.costs) == 4
