"""gradcheck and compare: the course's relative difference, caught mistakes, nan never passing,
inputs left as they were, and one printout for both checks."""

import importlib
import math
import re

import numpy as np
import pytest

import tinygrad_edu.functional as F
from tinygrad_edu import GradcheckResult, Tensor, compare, gradcheck
from tinygrad_edu import ops as engine_ops
from tinygrad_edu import reference as R

# the module: the package's name `gradcheck` is the function, so `import ... as` would give that
G = importlib.import_module("tinygrad_edu.gradcheck")


def table(text: str) -> tuple[str, list[dict[str, str]], list[str]]:
    """A printed result read back: (first line, one dict per table row, the lines after it).

    Columns are cut where the rule of dashes under the header says, so a row that did not line
    up with its header would read wrong.
    """
    lines = text.splitlines()
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", lines[2])]
    header = [lines[1][a:b].strip() for a, b in spans]
    i = 3
    rows = []
    while i < len(lines) and not lines[i].startswith("max relative difference"):
        rows.append({h: lines[i].ljust(spans[-1][1])[a:b].strip() for h, (a, b) in
                     zip(header, spans, strict=True)})  # fmt: skip
        i += 1
    return lines[0], rows, lines[i:]


HEADER = ["name", "shape", "relative difference", "worst at", "autodiff", "expected", "verdict"]


# ---- the relative difference ----


def test_relative_difference_by_hand():
    # ||(0, -1)|| / (||(3, 4)|| + ||(3, 5)||) = 1 / (5 + sqrt(34))
    assert G.relative_difference([3.0, 4.0], [3.0, 5.0]) == pytest.approx(
        1 / (5 + np.sqrt(34)), rel=1e-15
    )
    assert G.relative_difference([[2.0]], [[-2.0]]) == 1.0  # g = -g_ref: the worst there is
    assert G.relative_difference(np.zeros((2, 3)), np.zeros((2, 3))) == 0.0
    assert G.relative_difference([0.0, 0.0], [0.0, 1e-300]) == 1.0


def test_relative_difference_of_huge_and_tiny_gradients_does_not_overflow():
    # squaring 1e200 overflows and squaring 1e-200 underflows; the ratio is still 1/3
    assert G.relative_difference([1e200, 0.0], [2e200, 0.0]) == pytest.approx(1 / 3, rel=1e-15)
    assert G.relative_difference([1e-200], [2e-200]) == pytest.approx(1 / 3, rel=1e-15)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_relative_difference_with_a_nan_or_inf_is_nan(bad):
    assert math.isnan(G.relative_difference([1.0, bad], [1.0, 2.0]))
    assert math.isnan(G.relative_difference([1.0, 2.0], [bad, 2.0]))
    assert math.isnan(G.relative_difference([bad], [bad]))  # even equal: nothing is vouched for


def test_relative_difference_wants_one_shape():
    with pytest.raises(ValueError, match=r"relative_difference: a has shape \(2,\) and b \(2, 1\)"):
        G.relative_difference(np.ones(2), np.ones((2, 1)))


def test_gradcheck_and_compare_share_one_formula(monkeypatch):
    monkeypatch.setattr(G, "relative_difference", lambda a, b: 0.125)
    x = Tensor([1.0], requires_grad=True)
    assert [c.relative_difference for c in gradcheck(lambda x: x.sum(), x).checks] == [0.125]
    X, Y = _data(3)
    assert [c.relative_difference for c in compare(StandInLogistic(3), X, Y).checks] == [0.125] * 2


# ---- gradcheck: autodiff against central differences ----


def test_a_right_gradient_passes():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 6)), (rng.uniform(size=(1, 6)) > 0.5) * 1.0
    W = Tensor(rng.standard_normal((1, 3)), requires_grad=True, name="W")
    b = Tensor(np.zeros((1, 1)), requires_grad=True, name="b")
    result = gradcheck(lambda W, b: F.binary_cross_entropy(F.linear(W, X, b).sigmoid(), Y), W, b)
    assert isinstance(result, GradcheckResult) and result
    assert [c.name for c in result.checks] == ["W", "b"]
    assert [c.label for c in result.checks] == ["W", "b"]
    assert [c.shape for c in result.checks] == [(1, 3), (1, 1)]
    assert result.max_relative_difference < 1e-7
    assert result.tol == 1e-6 and result.eps == 1e-7
    dZ = (1 / (1 + np.exp(-(W.data @ X))) - Y) / 6
    np.testing.assert_allclose(result.checks[0].autodiff, dZ @ X.T, rtol=1e-12)
    np.testing.assert_allclose(result.checks[0].expected, dZ @ X.T, rtol=1e-6)
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
    np.testing.assert_allclose(c.expected, [3.0, 4.0], rtol=1e-8)
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
    np.testing.assert_allclose(bad.expected, np.exp(x.data), rtol=1e-7)
    assert good.relative_difference < 1e-8
    first, rows, _ = table(str(result))
    assert first.endswith("MISMATCH")
    assert [(r["name"], r["shape"], r["verdict"]) for r in rows] == [
        ("Z1", "(3,)", "BAD"), ("A_prev", "(3,)", "ok"),
    ]  # fmt: skip
    assert float(rows[0]["relative difference"]) == pytest.approx(1 / 3, rel=1e-3)
    assert rows[0]["worst at"] == "(2,)"
    assert float(rows[0]["autodiff"]) == pytest.approx(2 * np.exp(2.0), rel=1e-9)
    assert float(rows[0]["expected"]) == pytest.approx(np.exp(2.0), rel=1e-7)


def test_unnamed_inputs_are_named_by_position(monkeypatch):
    real = engine_ops.Tanh.backward
    monkeypatch.setattr(engine_ops.Tanh, "backward", lambda self, *a: (-real(self, *a)[0],))
    a, b = Tensor([0.3], requires_grad=True), Tensor([0.2], requires_grad=True)
    result = gradcheck(lambda a, b: (a * 2).sum() + b.tanh().sum(), a, b)
    assert not result
    assert result.checks[1].relative_difference == pytest.approx(1.0, rel=1e-6)  # g = -g_approx
    assert [c.name for c in result.checks] == ["input 0", "input 1"]
    assert [c.index for c in result.checks] == [0, 1]
    _, rows, _ = table(str(result))
    assert [(r["name"], r["verdict"]) for r in rows] == [("input 0", "ok"), ("input 1", "BAD")]


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


def test_f_must_be_a_function():
    with pytest.raises(TypeError, match=r"^gradcheck: f must be a function .*got int; e\.g\."):
        gradcheck(3, Tensor([1.0], requires_grad=True))


@pytest.mark.parametrize("eps", [math.nan, 0.0, -1e-7, math.inf, "small"])
def test_eps_must_be_finite_and_positive(eps):
    with pytest.raises(ValueError, match=r"^gradcheck: eps must be a finite number > 0.*1e-07$"):
        gradcheck(lambda x: x.sum(), Tensor([1.0], requires_grad=True), eps=eps)


@pytest.mark.parametrize("tol", [math.nan, 0.0, -1.0, math.inf])
def test_tol_must_be_finite_and_positive(tol):
    with pytest.raises(ValueError, match=r"^gradcheck: tol must be a finite number > 0"):
        gradcheck(lambda x: x.sum(), Tensor([1.0], requires_grad=True), tol=tol)
    with pytest.raises(ValueError, match=r"^compare: tol must be a finite number > 0"):
        compare(StandInLogistic(3), *_data(3), tol=tol)


def test_tolerance_decides():
    x = Tensor([0.7, -0.4], requires_grad=True)
    loose = gradcheck(lambda x: (x.sigmoid() ** 3).sum(), x, tol=1e-3)
    strict = gradcheck(lambda x: (x.sigmoid() ** 3).sum(), x, tol=1e-15)
    assert loose and not strict
    assert loose.checks[0].relative_difference == strict.checks[0].relative_difference


# ---- a nan never passes ----


def test_a_nan_gradient_fails_the_check():
    # d/dt sqrt(0 t) at t = 0 is 0 * 1 / (2 sqrt(0)) = 0 * inf = nan by the chain rule, while
    # central differences see f(t +- eps) = t**2 + 0 and say 2 t. Before, a nan norm made the
    # relative difference 0, and this passed.
    t = Tensor([0.0, 1.5], requires_grad=True, name="t")
    with np.errstate(divide="ignore", invalid="ignore"):
        result = gradcheck(lambda t: (t * t).sum() + (t * 0).sqrt().sum(), t)
    c = result.checks[0]
    assert np.isnan(c.autodiff).all()
    np.testing.assert_allclose(c.expected, [0.0, 3.0], atol=1e-8)
    assert math.isnan(c.relative_difference) and not result
    assert math.isnan(result.max_relative_difference)
    first, rows, _ = table(str(result))
    assert first.endswith("MISMATCH")
    assert (rows[0]["relative difference"], rows[0]["autodiff"], rows[0]["verdict"]) == (
        "nan", "nan", "BAD",
    )  # fmt: skip


def test_a_wrong_vjp_is_not_hidden_by_an_unrelated_nan(monkeypatch):
    real = engine_ops.Exp.backward
    monkeypatch.setattr(engine_ops.Exp, "backward", lambda self, *a: (2 * real(self, *a)[0],))
    x = Tensor([0.5, -1.0], requires_grad=True, name="x")
    t = Tensor([0.0], requires_grad=True, name="t")
    with np.errstate(divide="ignore", invalid="ignore"):
        result = gradcheck(lambda x, t: x.exp().sum() + (t * 0).sqrt().sum(), x, t)
    assert not result
    assert result.checks[0].relative_difference == pytest.approx(1 / 3, rel=1e-6)
    assert math.isnan(result.checks[1].relative_difference)


def test_the_largest_difference_is_nan_whatever_the_order():
    def check(d):
        return G.Check("W1", (1,), d, (0,), np.zeros(1), np.zeros(1))

    for ds in ([1e-3, math.nan], [math.nan, 1e-3]):
        result = GradcheckResult([check(d) for d in ds], tol=1.0)
        assert math.isnan(result.max_relative_difference) and not result


# ---- compare: autodiff against the hand-derived backward, with stand-in models ----


class StandInDeep:
    """A tiny model with the nn API compare() relies on, built from engine Tensors."""

    def __init__(self, dims, hidden="relu", seed=0, forward_hidden=None):
        p = R.initialize_parameters(dims, init="he", seed=seed)
        self.params = {k: Tensor(v, requires_grad=True, name=k) for k, v in p.items()}
        self.hidden_activation, self.output_activation = hidden, "sigmoid"
        self._forward_hidden = forward_hidden or hidden  # what the forward really uses

    def named_parameters(self):
        return iter(self.params.items())

    def zero_grad(self):
        for t in self.params.values():
            t.grad = None

    def __call__(self, X):
        A = Tensor(X)
        L = len(self.params) // 2
        for l in range(1, L + 1):
            Z = F.linear(self.params[f"W{l}"], A, self.params[f"b{l}"])
            A = Z.sigmoid() if l == L else getattr(F, self._forward_hidden)(Z)
        return A


class StandInLogistic:
    def __init__(self, n_x):
        rng = np.random.default_rng(4)
        self.w = Tensor(rng.standard_normal((n_x, 1)), requires_grad=True)
        self.b = Tensor(np.array([[0.3]]), requires_grad=True)

    def named_parameters(self):
        yield from (("w", self.w), ("b", self.b))

    def zero_grad(self):
        self.w.grad = self.b.grad = None

    def __call__(self, X):
        return (self.w.T @ Tensor(X) + self.b).sigmoid()


def _data(n_x, m=7, seed=2):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_x, m)), (rng.random((1, m)) > 0.5).astype(np.float64)


@pytest.mark.parametrize("hidden", R.ACTIVATIONS)
def test_compare_agrees_with_a_correct_deep_model(hidden):
    X, Y = _data(4)
    model = StandInDeep([4, 5, 3, 1], hidden=hidden)
    model.params["W1"].grad = np.full((5, 4), 99.0)  # stale: compare must zero it first
    result = compare(model, X, Y)
    assert isinstance(result, GradcheckResult)
    assert result, str(result)
    assert [(c.name, c.shape) for c in result.checks] == [
        ("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)), ("b2", (3, 1)),
        ("W3", (1, 3)), ("b3", (1, 1)),
    ]  # fmt: skip
    assert result.max_relative_difference < 1e-12
    assert result.tol == 1e-10 and result.eps is None
    assert result.cost_autodiff == pytest.approx(result.cost_reference, rel=1e-13)
    AL, caches = R.L_model_forward(X, {k: t.data for k, t in model.params.items()}, hidden)
    assert result.cost_reference == R.compute_cost(AL, Y)
    grads = R.L_model_backward(AL, Y, caches, hidden)
    for c in result.checks:
        np.testing.assert_array_equal(c.expected, grads[f"d{c.name}"])
        np.testing.assert_allclose(c.autodiff, grads[f"d{c.name}"], rtol=1e-11, atol=1e-15)


def test_compare_agrees_with_a_correct_logistic_regression():
    X, Y = _data(3)
    model = StandInLogistic(3)
    result = compare(model, X, Y)
    assert result and [(c.name, c.shape) for c in result.checks] == [("w", (3, 1)), ("b", (1, 1))]
    assert result.max_relative_difference < 1e-12
    grads, cost = R.propagate(model.w.data, model.b.data, X, Y)
    assert result.cost_reference == cost
    np.testing.assert_array_equal(result.checks[1].expected, [[grads["db"]]])  # db: a number


def test_compare_catches_a_model_that_is_not_what_it_says():
    X, Y = _data(4)
    model = StandInDeep([4, 5, 1], hidden="relu", forward_hidden="tanh")
    result = compare(model, X, Y)
    assert not result and result.max_relative_difference > 1e-3
    first, rows, _ = table(str(result))
    assert first.endswith("MISMATCH")
    assert [r["verdict"] for r in rows] == ["BAD"] * 4


def test_compare_errors():
    X, Y = _data(3)
    with pytest.raises(ValueError, match=r"^compare: X has shape \(3, 7\) and Y \(7, 1\)"):
        compare(StandInLogistic(3), X, Y.T)
    model = StandInLogistic(3)
    model.b = Tensor(np.array([[0.3]]))  # a constant: backward gives it no gradient
    with pytest.raises(ValueError, match=r"^compare: parameter 'b' got no gradient"):
        compare(model, X, Y)


def test_result_tol_and_text():
    checks = [
        G.Check("W1", (2, 3), 1e-8, (1, 2), np.full((2, 3), 0.25), np.full((2, 3), 0.5)),
        G.Check("b1", (2, 1), 0.0, (0, 0), np.zeros((2, 1)), np.zeros((2, 1))),
    ]
    result = GradcheckResult(checks, tol=1e-10, method="the hand-derived backward",
                             cost_autodiff=0.5, cost_reference=0.75)  # fmt: skip
    assert not result and result.max_relative_difference == 1e-8
    assert GradcheckResult(checks, tol=1e-6)
    assert repr(result) == str(result)
    lines = str(result).splitlines()
    assert lines[0] == "autodiff against the hand-derived backward: MISMATCH"
    _, rows, after = table(str(result))
    assert list(rows[0]) == HEADER
    assert [list(r.values()) for r in rows] == [
        ["W1", "(2, 3)", "1.000e-08", "(1, 2)", "0.25", "0.5", "BAD"],
        ["b1", "(2, 1)", "0.000e+00", "(0, 0)", "0", "0", "ok"],
    ]
    assert lines[3].startswith("W1 ") and lines[3].endswith("BAD")  # first column left-aligned
    assert lines[1].endswith("verdict") and lines[4].endswith(" ok")  # the others right-aligned
    assert after == ["max relative difference 1.000e-08, tol 1e-10",
                     "cost J: autodiff 0.5, reference 0.75"]  # fmt: skip


def test_gradcheck_and_compare_print_one_format():
    x = Tensor([0.5, -1.0], requires_grad=True, name="Z1")
    by_differences = str(gradcheck(lambda x: x.exp().sum(), x, eps=1e-6))
    X, Y = _data(4)
    by_hand = str(compare(StandInDeep([4, 3, 1], hidden="tanh"), X, Y))

    first, rows, after = table(by_differences)
    assert first == "autodiff against central differences (eps=1e-06): OK"
    assert len(rows) == 1 and list(rows[0]) == HEADER
    assert rows[0]["name"] == "Z1" and rows[0]["shape"] == "(2,)" and rows[0]["worst at"] == "(0,)"
    assert float(rows[0]["autodiff"]) == pytest.approx(np.exp(0.5), rel=1e-9)
    assert float(rows[0]["expected"]) == pytest.approx(np.exp(0.5), rel=1e-8)
    assert float(rows[0]["relative difference"]) < 1e-8 and rows[0]["verdict"] == "ok"
    assert len(after) == 1 and after[0].endswith(", tol 1e-06")  # no costs for gradcheck

    first, rows, after = table(by_hand)
    assert first == "autodiff against the hand-derived backward (reference.L_model_backward): OK"
    assert [r["name"] for r in rows] == ["W1", "b1", "W2", "b2"]
    assert [r["shape"] for r in rows] == ["(3, 4)", "(3, 1)", "(1, 3)", "(1, 1)"]
    assert all(float(r["relative difference"]) < 1e-12 and r["verdict"] == "ok" for r in rows)
    assert after[0].endswith(", tol 1e-10") and after[1].startswith("cost J: autodiff 0.")
