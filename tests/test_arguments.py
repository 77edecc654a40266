"""One rule for the numbers a user passes in: learning rates, tolerances, betas, counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, datasets, diagnose, gradcheck, nn, optim
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


@pytest.mark.parametrize("n_x", [2.5, "3", 0, True])
def test_a_model_refuses_a_number_of_features_that_is_not_a_positive_int(n_x):
    with pytest.raises(ValueError) as e:  # 2.5 used to become 2 without a word
        nn.LogisticRegression(n_x)
    assert str(e.value) == (
        f"LogisticRegression: n_x must be a positive int (the number of features, X's rows), "
        f"got {n_x!r}"
    )


@pytest.mark.parametrize("m", [2.5, "10", None])
def test_a_generated_set_refuses_a_count_of_points_that_is_not_an_int(m):
    with pytest.raises(ValueError, match=rf"^planar_flower: m must be a positive int .*got {m!r}"):
        datasets.planar_flower(m=m)
    with pytest.raises(ValueError, match=r"^blobs: m = 1 points; m must be at least 2$"):
        datasets.blobs(m=1)


def test_compile_step_names_its_own_learning_rate():
    X, Y = datasets.planar_flower(m=10)
    with pytest.raises(ValueError, match=r"^compile_step: learning_rate must be a finite number"):
        nn.compile_step(nn.DeepNN([2, 3, 1]), X, Y, learning_rate="0.1")


@pytest.mark.parametrize(
    "call, where",
    [
        (lambda s: datasets.planar_flower(m=4, seed=s), "planar_flower"),
        (lambda s: datasets.noisy_moons(m=4, seed=s), "noisy_moons"),
        (lambda s: datasets.cat_shaped(m=2, seed=s), "cat_shaped"),
        (lambda s: nn.DeepNN([2, 3, 1], seed=s), "DeepNN"),
        (lambda s: nn.LogisticRegression(3, init="small", seed=s), "LogisticRegression"),
    ],
)
def test_a_seed_is_an_int_numpy_takes_or_none(call, where):
    for bad in (-1, 2**32, 1.5, "a", True):  # numpy's own errors said "SeedSequence", "cast"
        with pytest.raises(ValueError) as e:
            call(bad)
        assert str(e.value) == (
            f"{where}: seed must be an int from 0 to 2**32 - 1 or None, got {bad!r}"
        )
    a, b = call(np.int64(7)), call(7)  # numpy's ints are ints: the same draws
    first = a[0] if isinstance(a, tuple) else a.parameters()[0].data
    again = b[0] if isinstance(b, tuple) else b.parameters()[0].data
    np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: datasets.noisy_circles(noise=math.nan), "noisy_circles: noise .* >= 0"),
        (lambda: datasets.noisy_circles(factor=0), "noisy_circles: factor .* > 0"),
        (lambda: datasets.noisy_moons(noise=-0.1), "noisy_moons: noise .* >= 0, got -0.1$"),
        (lambda: datasets.blobs(spread="1"), "blobs: spread must be a finite number >= 0"),
        (lambda: datasets.blobs(centers=2.5), r"blobs: centers must be a positive int \(how many"),
        (lambda: datasets.blobs(centers=1), "blobs: centers = 1; use at least 2"),
        (lambda: datasets.gaussian_quantiles(cov=-1), "gaussian_quantiles: cov .* > 0, got -1$"),
    ],
)
def test_a_generated_set_refuses_numbers_that_would_make_nan_or_a_raw_error(call, message):
    with pytest.raises(ValueError, match="^" + message):  # cov=-1 used to give NaN data
        call()


def test_zero_noise_is_allowed_and_gives_the_exact_shapes():
    X, Y = datasets.noisy_moons(m=4, noise=0.0)
    expected = [[1.0, -1.0, 0.0, 2.0], [0.0, 0.0, 0.5, 0.5]]  # t = 0, pi on each moon
    np.testing.assert_allclose(X, expected, atol=1e-15)
    assert Y.tolist() == [[0.0, 0.0, 1.0, 1.0]]


def test_random_batch_checks_its_sizes_and_seed():
    X, Y = datasets.random_batch(3, 4, seed=np.uint8(2))
    assert X.shape == (3, 4) and sorted(Y[0].tolist()) == [0.0, 0.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"^random_batch: n_x must be a positive int .*3.0$"):
        datasets.random_batch(3.0, 4)
    with pytest.raises(ValueError, match=r"^random_batch: seed must be an int .*-1$"):
        datasets.random_batch(3, 4, seed=-1)


def test_a_linear_layer_refuses_sizes_that_are_not_positive_ints():
    assert nn.Linear(np.int64(3), 2, seed=0)["W"].shape == (2, 3)
    with pytest.raises(ValueError, match=r"^Linear: n_in must be a positive int \(.*got 2.5$"):
        nn.Linear(2.5, 3)  # used to become 2 without a word
    with pytest.raises(ValueError, match=r"^Linear: n_out must be a positive int \(.*got '3'$"):
        nn.Linear(2, "3")
