"""One rule for the numbers a user passes in: learning rates, tolerances, betas, counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, diagnose, gradcheck, nn, optim
from tinygrad_edu import functional as F
from tinygrad_edu.arguments import count, number


@pytest.mark.parametrize(
    "value, span, expected",
    [
        (0.5, "> 0", 0.5),
        (1e-300, "> 0", 1e-300),
        (3, "> 0", 3.0),
        (np.float32(0.25), "> 0", 0.25),
        (np.int64(2), "> 0", 2.0),
        (0, "in [0, 1)", 0.0),
        (0.999, "in [0, 1)", 0.999),
        (0.5, "in (0, 1)", 0.5),
    ],
)
def test_a_number_in_its_span_comes_back_as_a_float(value, span, expected):
    got = number("f", "x", value, span)
    assert type(got) is float and got == expected


@pytest.mark.parametrize(
    "value, span",
    [
        (0, "> 0"),
        (-1e-9, "> 0"),
        (math.inf, "> 0"),
        (math.nan, "> 0"),
        (1.0, "in [0, 1)"),
        (-0.1, "in [0, 1)"),
        (0.0, "in (0, 1)"),
        (1.0, "in (0, 1)"),
        ("0.5", "> 0"),  # float() would take it; a typo in a notebook is not a learning rate
        (True, "> 0"),  # float(True) is 1.0
        (np.array(0.5), "> 0"),  # an array, not a number
        (None, "> 0"),
    ],
)
def test_anything_else_is_one_line_naming_the_function_and_the_argument(value, span):
    with pytest.raises(ValueError) as e:
        number("f", "x", value, span, hint="try 0.1")
    assert str(e.value) == f"f: x must be a finite number {span}, got {value!r}; try 0.1"


def test_a_hint_is_left_out_when_there_is_none():
    with pytest.raises(ValueError) as e:
        number("f", "x", -1)
    assert str(e.value) == "f: x must be a finite number > 0, got -1"


@pytest.mark.parametrize("value", [1, 7, np.int32(3)])
def test_a_count_is_a_positive_int(value):
    got = count("f", "n", value, "how many")
    assert type(got) is int and got == int(value)


@pytest.mark.parametrize("value", [0, -2, 2.0, True, "3", None])
def test_a_count_refuses_anything_else(value):
    with pytest.raises(ValueError) as e:
        count("f", "n", value, "how many")
    assert str(e.value) == f"f: n must be a positive int (how many), got {value!r}"


# ---- every public function that takes such a number follows the same rule


def _logistic():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(3, 5)), (rng.random((1, 5)) < 0.5).astype(float)
    w, b = rng.normal(size=(3, 1)), np.zeros((1, 1))

    def cost_fn(p):
        return F.binary_cross_entropy((p["w"].T @ X + p["b"]).sigmoid(), Y)

    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    grads = {"dw": X @ (A - Y).T / 5, "db": np.sum(A - Y, keepdims=True) / 5}
    return X, Y, cost_fn, {"w": w, "b": b}, grads


def _wb():
    return [Tensor(np.zeros((3, 1)), requires_grad=True), Tensor(0.0, requires_grad=True)]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda v: optim.GradientDescent(_wb(), v), "GradientDescent: lr (the learning rate)"),
        (lambda v: optim.Adam(_wb(), 0.1, beta1=v), "Adam: beta1"),
        (lambda v: gradcheck(lambda x: x.sum(), Tensor([1.0], requires_grad=True), tol=v),
         "gradcheck: tol"),
        (lambda v: diagnose(_logistic()[2], *_logistic()[3:], tol=v), "diagnose: tol"),
        (lambda v: nn.fit(nn.LogisticRegression(3), *_logistic()[:2], v, 2, progress=False),
         "fit: learning_rate"),
    ],
)  # fmt: skip
def test_a_number_given_as_a_string_or_a_bool_is_refused_everywhere(call, message):
    for value in ("0.1", True):
        with pytest.raises(ValueError) as e:
            call(value)
        assert str(e.value).startswith(f"{message} must be a finite number ")
        assert f"got {value!r}" in str(e.value)


def test_diagnose_checks_its_tolerance_and_m():
    _, _, cost_fn, params, grads = _logistic()
    assert diagnose(cost_fn, params, grads, tol=np.float64(1e-6)).ok  # the right gradients
    with pytest.raises(ValueError, match=r"^diagnose: tol must be a finite number in \(0, 1\), "):
        diagnose(cost_fn, params, grads, tol=1.0)
    for m in (0, 2.5):
        with pytest.raises(ValueError) as e:
            diagnose(cost_fn, params, grads, m=m)
        assert str(e.value) == (
            f"diagnose: m must be a positive int (the number of examples), got {m!r}"
        )


def test_fit_checks_its_counts():
    X, Y, *_ = _logistic()
    model = nn.LogisticRegression(3)
    with pytest.raises(ValueError, match=r"^fit: track_every must be a positive int \(.*got 0$"):
        nn.fit(model, X, Y, 0.1, 2, progress=False, track="gradients", track_every=0)
    with pytest.raises(ValueError, match=r"^fit: num_iterations must be a positive int"):
        nn.fit(model, X, Y, 0.1, np.float64(2), progress=False)
