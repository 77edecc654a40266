"""gradcheck: the course's relative difference, caught mistakes, and inputs left as they were."""

import numpy as np
import pytest

import tinygrad_edu.functional as F
from tinygrad_edu import GradcheckResult, Tensor, gradcheck
from tinygrad_edu import ops as engine_ops


def test_a_right_gradient_passes():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 6)), (rng.uniform(size=(1, 6)) > 0.5) * 1.0
    W = Tensor(rng.standard_normal((1, 3)), requires_grad=True, name="W")
    b = Tensor(np.zeros((1, 1)), requires_grad=True, name="b")
    result = gradcheck(lambda W, b: F.binary_cross_entropy(F.linear(W, X, b).sigmoid(), Y), W, b)
    assert isinstance(result, GradcheckResult) and result
    assert [c.label for c in result.checks] == ["W", "b"]
    assert result.max_relative_difference < 1e-7
    dZ = (1 / (1 + np.exp(-(W.data @ X))) - Y) / 6
    np.testing.assert_allclose(result.checks[0].autodiff, dZ @ X.T, rtol=1e-12)
    np.testing.assert_allclose(result.checks[0].numeric, dZ @ X.T, rtol=1e-6)
    assert "OK" in str(result)


def test_the_relative_difference_by_hand(monkeypatch):
    # f(x) = 3 x1 + 4 x2, so g_approx = (3, 4) (exact: f is linear); mul's VJP made to say (3, 5):
    # ||g - g_approx|| / (||g|| + ||g_approx||) = 1 / (sqrt(34) + 5)
    real = engine_ops.Mul.backward
    off = np.array([0.0, 1.0])
    monkeypatch.setattr(
        engine_ops.Mul, "backward", lambda self, *a: (real(self, *a)[0] + off, None)
    )
    x = Tensor([1.0, -1.0], requires_grad=True)
    result = gradcheck(lambda x: (x * np.array([3.0, 4.0])).sum(), x)
    c = result.checks[0]
    np.testing.assert_array_equal(c.autodiff, [3.0, 5.0])
    np.testing.assert_allclose(c.numeric, [3.0, 4.0], rtol=1e-8)
    assert c.relative_difference == pytest.approx(1 / (np.sqrt(34) + 5), rel=1e-8)
    assert c.worst_index == (1,) and not result


def test_a_doubled_backward_is_caught(monkeypatch):
    real = engine_ops.Exp.backward
    monkeypatch.setattr(engine_ops.Exp, "backward", lambda self, *a: (2 * real(self, *a)[0],))
    x = Tensor([0.5, -1.0, 2.0], requires_grad=True, name="Z1")
    y = Tensor([0.1, 0.2, 0.3], requires_grad=True, name="A_prev")
    result = gradcheck(lambda x, y: x.exp().sum() + (y * y).sum(), x, y)
    assert not result
    bad, good = result.checks
    # g = 2 e^x and g_approx = e^x: ||g - g_approx|| / (||g|| + ||g_approx||) = 1 / 3
    assert bad.relative_difference == pytest.approx(1 / 3, rel=1e-6)
    assert bad.worst_index == (2,)  # |g - g_approx| = e^x is largest at x = 2
    np.testing.assert_allclose(bad.autodiff, 2 * np.exp(x.data), rtol=1e-12)
    np.testing.assert_allclose(bad.numeric, np.exp(x.data), rtol=1e-7)
    assert good.relative_difference < 1e-8
    report = str(result)
    assert "MISMATCH" in report
    bad_line = next(line for line in report.splitlines() if "BAD" in line)
    assert "Z1" in bad_line and "(3,)" in bad_line
    assert any(line.split()[:2] == ["ok", "A_prev"] for line in report.splitlines())


def test_unnamed_inputs_are_named_by_position(monkeypatch):
    real = engine_ops.Tanh.backward
    monkeypatch.setattr(engine_ops.Tanh, "backward", lambda self, *a: (-real(self, *a)[0],))
    a, b = Tensor([0.3], requires_grad=True), Tensor([0.2], requires_grad=True)
    result = gradcheck(lambda a, b: (a * 2).sum() + b.tanh().sum(), a, b)
    assert not result
    assert result.checks[1].relative_difference == pytest.approx(1.0, rel=1e-6)  # g = -g_approx
    assert "BAD input 1" in str(result) and "ok  input 0" in str(result)


def test_float32_inputs_warn_and_are_checked_in_float64():
    x = Tensor(np.array([0.5, 1.5], dtype=np.float32), requires_grad=True, name="x32")
    with pytest.warns(UserWarning, match="x32.*float32"):
        result = gradcheck(lambda x: (x * x).sum(), x)
    assert result and result.checks[0].autodiff.dtype == np.float64
    np.testing.assert_allclose(result.checks[0].autodiff, [1.0, 3.0], rtol=1e-12)


def test_inputs_and_their_grads_are_untouched():
    x = Tensor([[0.5, -0.2]], requires_grad=True)
    w = Tensor([[1.0], [0.3]], requires_grad=True)
    data_x, data_w = x.data.copy(), w.data.copy()
    w.grad = np.array([[7.0], [8.0]])
    c = np.array([[2.0]])
    assert gradcheck(lambda x, w, c: (x @ w * c).tanh().sum(), x, w, c)
    np.testing.assert_array_equal(x.data, data_x)
    np.testing.assert_array_equal(w.data, data_w)
    assert x.grad is None
    np.testing.assert_array_equal(w.grad, [[7.0], [8.0]])
    np.testing.assert_array_equal(c, [[2.0]])


def test_only_inputs_that_require_grad_are_checked():
    x, k = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0])
    result = gradcheck(lambda x, k: (x * k).sum(), x, k)
    assert [c.index for c in result.checks] == [0]
    np.testing.assert_allclose(result.checks[0].autodiff, [3.0, 4.0])


def test_gradcheck_errors():
    with pytest.raises(ValueError, match="gradcheck: no input requires grad"):
        gradcheck(lambda x: x.sum(), Tensor([1.0]))
    with pytest.raises(ValueError, match=r"gradcheck: f must return a single number.*\(2,\)"):
        gradcheck(lambda x: x * 2, Tensor([1.0, 2.0], requires_grad=True))
    with pytest.raises(ValueError, match="does not depend"):
        gradcheck(lambda x: Tensor(3.0), Tensor([1.0], requires_grad=True))


def test_tolerance_decides():
    x = Tensor([0.7, -0.4], requires_grad=True)
    loose = gradcheck(lambda x: (x.sigmoid() ** 3).sum(), x, tol=1e-3)
    strict = gradcheck(lambda x: (x.sigmoid() ** 3).sum(), x, tol=1e-15)
    assert loose and not strict
    assert loose.checks[0].relative_difference == strict.checks[0].relative_difference
