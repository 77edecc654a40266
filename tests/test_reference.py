"""The hand-derived reference: numpy only; activations, week 2, the L-layer model, the course's
numbers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from helpers import central_difference

from tinygrad_edu import reference as R
from tinygrad_edu.ops import Sigmoid

# ---- the oracle imports nothing from the engine ----

REFERENCE = Path(R.__file__)


def test_reference_imports_only_numpy_and_the_standard_library():
    tree = ast.parse(REFERENCE.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):  # every import, in functions too
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"line {node.lineno}: a relative import from the package"
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert imported == {"__future__", "collections.abc", "typing", "numpy"}


def test_reference_loads_on_its_own_without_the_package():
    # Loaded as a lone file (importing tinygrad_edu.reference would run the package's __init__):
    # a relative import would fail, and any import of the engine would show in sys.modules.
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('reference', {str(REFERENCE)!r})\n"
        "R = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(R)\n"
        "print(R.sigmoid(R.np.zeros(1))[0], 'tinygrad_edu.tensor' in sys.modules,\n"
        "      sorted(m for m in sys.modules if m.startswith('tinygrad_edu')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0.5", "False", "[]"]
    assert not hasattr(R, "compare") and not hasattr(R, "ComparisonTable")


# ---- activations ----


def test_sigmoid_is_the_course_formula_for_z_at_least_0_and_the_engines_bits_everywhere():
    Z = np.linspace(-40, 40, 81).reshape(9, 9)
    Zpos = Z[Z >= 0]
    assert np.array_equal(R.sigmoid(Zpos), 1 / (1 + np.exp(-Zpos)))
    assert np.array_equal(R.sigmoid(Z), Sigmoid().forward(Z))
    assert R.sigmoid(np.array([0.0]))[0] == 0.5


def test_sigmoid_of_huge_negative_z_is_tiny_and_does_not_warn():
    A = R.sigmoid(np.array([-1000.0, -745.0, 1000.0]))  # exp(1000) would overflow
    assert A[0] == 0.0 and A[2] == 1.0
    assert A[1] == pytest.approx(np.exp(-745.0), rel=1e-3)


def test_activation_values_by_hand():
    Z = np.array([[-2.0, 0.0, 3.0]])
    assert np.array_equal(R.relu(Z), [[0.0, 0.0, 3.0]])
    assert np.array_equal(R.leaky_relu(Z), [[-0.02, 0.0, 3.0]])
    assert R.tanh(Z)[0, 2] == pytest.approx((np.e**3 - np.e**-3) / (np.e**3 + np.e**-3), rel=1e-15)


@pytest.mark.parametrize("name", R.ACTIVATIONS)
def test_activation_backward_is_da_times_the_slope(name):
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((3, 4))
    Z[np.abs(Z) < 1e-3] = 0.5  # keep away from the kinks of relu and leaky relu
    dA = rng.standard_normal((3, 4))
    forward = getattr(R, name)
    slope = (forward(Z + 1e-6) - forward(Z - 1e-6)) / 2e-6
    dZ = getattr(R, f"{name}_backward")(dA, Z)
    np.testing.assert_allclose(dZ, dA * slope, rtol=1e-7, atol=1e-10)


def test_relu_and_leaky_relu_backward_take_the_left_slope_at_zero():
    dA = np.array([[2.0, 2.0, 2.0]])
    Z = np.array([[-1.0, 0.0, 1.0]])
    assert np.array_equal(R.relu_backward(dA, Z), [[0.0, 0.0, 2.0]])
    assert np.array_equal(R.leaky_relu_backward(dA, Z), [[0.02, 0.02, 2.0]])
    assert np.array_equal(dA, [[2.0, 2.0, 2.0]])  # relu_backward copies: dA is left alone


def test_unknown_activation_names_the_valid_ones():
    with pytest.raises(ValueError, match="'softmax'.*relu, tanh, sigmoid, leaky_relu"):
        R.linear_activation_forward(np.ones((2, 1)), np.ones((1, 2)), np.zeros((1, 1)), "softmax")


# ---- week 2: logistic regression ----


def test_propagate_on_the_course_example():
    w, b = np.array([[1.0], [2.0]]), 2.0
    X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
    Y = np.array([[1.0, 0.0, 1.0]])
    grads, cost = R.propagate(w, b, X, Y)
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], atol=5e-9)
    assert grads["db"] == pytest.approx(0.00145557813678, abs=5e-15)
    assert cost == pytest.approx(5.801545319394553, rel=1e-15)


def test_propagate_from_zero_weights_by_hand():
    X = np.array([[1.0, -2.0, 4.0, 0.5]])
    Y = np.array([[1.0, 0.0, 0.0, 1.0]])
    w, b = R.initialize_with_zeros(1)
    assert w.shape == (1, 1) and b == 0.0
    grads, cost = R.propagate(w, b, X, Y)  # A = 0.5 everywhere, so A - Y = (-0.5, 0.5, 0.5, -0.5)
    assert cost == pytest.approx(np.log(2), rel=1e-15)
    assert grads["dw"][0, 0] == pytest.approx((-0.5 - 1.0 + 2.0 - 0.25) / 4, rel=1e-15)
    assert grads["db"] == 0.0


def test_optimize_on_the_course_example():
    w, b = np.array([[1.0], [2.0]]), 2.0
    X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
    Y = np.array([[1.0, 0.0, 1.0]])
    params, grads, costs = R.optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009)
    np.testing.assert_allclose(params["w"], [[0.19033591], [0.12259159]], atol=5e-9)
    assert params["b"] == pytest.approx(1.92535983008, abs=5e-12)
    np.testing.assert_allclose(grads["dw"], [[0.67752042], [1.41625495]], atol=5e-9)
    assert grads["db"] == pytest.approx(0.219194504541, abs=5e-13)
    assert costs == [pytest.approx(5.801545319394553, rel=1e-15)]


def test_predict_logistic_thresholds_at_one_half():
    w, b = np.array([[0.1124579], [0.23106775]]), -0.3
    X = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    assert np.array_equal(R.predict_logistic(w, b, X), [[1.0, 1.0, 0.0]])


def test_propagate_names_the_shapes_when_w_does_not_fit():
    with pytest.raises(ValueError, match=r"propagate: w has shape \(3, 1\).*\(2, 1\)"):
        R.propagate(np.zeros((3, 1)), 0.0, np.zeros((2, 5)), np.zeros((1, 5)))
    with pytest.raises(ValueError, match=r"X has shape \(2, 5\) and Y \(5, 1\)"):
        R.propagate(np.zeros((2, 1)), 0.0, np.zeros((2, 5)), np.zeros((5, 1)))


# ---- initialization ----


def test_small_init_draws_the_courses_numbers():
    p = R.initialize_parameters([3, 2, 1], init="small", seed=1)
    np.testing.assert_allclose(
        p["W1"], [[0.01624345, -0.00611756, -0.00528172], [-0.01072969, 0.00865408, -0.02301539]],
        atol=5e-9,
    )  # fmt: skip
    np.testing.assert_allclose(p["W2"], [[0.01744812, -0.00761207]], atol=5e-9)
    assert np.array_equal(p["b1"], np.zeros((2, 1))) and np.array_equal(p["b2"], np.zeros((1, 1)))


@pytest.mark.parametrize(
    "init, scale",
    [
        ("small", lambda n, n_prev: 0.01),
        ("scaled", lambda n, n_prev: 1 / np.sqrt(n_prev)),
        ("he", lambda n, n_prev: np.sqrt(2 / n_prev)),
        ("xavier", lambda n, n_prev: np.sqrt(2 / (n_prev + n))),
        ("zeros", lambda n, n_prev: 0.0),
    ],
)
def test_each_init_scales_the_seeded_draws_in_layer_order(init, scale):
    dims = [5, 4, 3, 1]
    p = R.initialize_parameters(dims, init=init, seed=7)
    rng = np.random.RandomState(7)  # the same legacy stream np.random.seed(7) starts
    for l in range(1, 4):
        draw = rng.randn(dims[l], dims[l - 1]) if init != "zeros" else 0.0
        np.testing.assert_allclose(p[f"W{l}"], draw * scale(dims[l], dims[l - 1]), rtol=1e-15)
        assert p[f"W{l}"].shape == (dims[l], dims[l - 1])
        assert np.array_equal(p[f"b{l}"], np.zeros((dims[l], 1)))


def test_unknown_init_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'glorot'.*zeros, small, scaled, he, xavier"):
        R.initialize_parameters([2, 1], init="glorot")


# ---- the L-layer model ----


def _tiny_problem(dims, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((dims[0], 6))
    Y = (rng.random((1, 6)) > 0.5).astype(np.float64)
    p = R.initialize_parameters(dims, init="he", seed=seed)
    for l in range(1, len(dims)):
        p[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.1  # nonzero b: tests its gradient too
    return X, Y, p


def test_compute_cost_by_hand():
    AL, Y = np.array([[0.8, 0.9, 0.4]]), np.array([[1.0, 1.0, 0.0]])
    expected = -(np.log(0.8) + np.log(0.9) + np.log(0.6)) / 3
    assert R.compute_cost(AL, Y) == pytest.approx(expected, rel=1e-15)
    assert R.compute_cost(AL, Y) == pytest.approx(0.2797765635793422, rel=1e-15)
    assert isinstance(R.compute_cost(AL, Y), float)


def test_forward_keeps_the_courses_caches():
    X, Y, p = _tiny_problem([4, 3, 1])
    AL, caches = R.L_model_forward(X, p)
    assert len(caches) == 2
    (A_prev, W, b), Z = caches[0]
    assert A_prev is X and W is p["W1"] and b is p["b1"]
    np.testing.assert_allclose(Z, p["W1"] @ X + p["b1"], rtol=1e-15)
    A1 = np.maximum(p["W1"] @ X + p["b1"], 0)
    np.testing.assert_allclose(AL, 1 / (1 + np.exp(-(p["W2"] @ A1 + p["b2"]))), rtol=1e-14)


@pytest.mark.parametrize("hidden", R.ACTIVATIONS)
@pytest.mark.parametrize("output", ["sigmoid"])
def test_L_model_backward_against_autograd(hidden, output):
    dims = [4, 5, 3, 1]
    X, Y, p = _tiny_problem(dims)
    AL, caches = R.L_model_forward(X, p, hidden, output)
    grads = R.L_model_backward(AL, Y, caches, hidden, output)
    g = {
        "relu": lambda Z: anp.maximum(Z, 0), "tanh": anp.tanh,
        "leaky_relu": lambda Z: anp.where(Z > 0, Z, 0.01 * Z),
        "sigmoid": lambda Z: 1 / (1 + anp.exp(-Z)),
    }  # fmt: skip

    def cost(params):
        A = X
        for l in range(1, 4):
            A = g[hidden if l < 3 else output](anp.dot(params[f"W{l}"], A) + params[f"b{l}"])
        return -anp.mean(Y * anp.log(A) + (1 - Y) * anp.log(1 - A))

    expected = autograd.grad(cost)(p)
    assert sorted(grads) == ["dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"]
    for key, value in expected.items():
        assert grads[f"d{key}"].shape == value.shape
        np.testing.assert_allclose(grads[f"d{key}"], value, rtol=1e-11, atol=1e-14)


def test_L_model_backward_against_central_differences_including_dA0():
    X, Y, p = _tiny_problem([3, 4, 1], seed=5)
    AL, caches = R.L_model_forward(X, p, "tanh")
    grads = R.L_model_backward(AL, Y, caches, "tanh")

    def J():
        return R.compute_cost(R.L_model_forward(X, p, "tanh")[0], Y)

    np.testing.assert_allclose(grads["dW1"], central_difference(J, p["W1"]), rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(grads["db2"], central_difference(J, p["b2"]), rtol=1e-6, atol=1e-10)
    # dA0 is dJ/dX times m: the course's dA carries no 1/m, its dW and db do
    np.testing.assert_allclose(grads["dA0"] / X.shape[1], central_difference(J, X), rtol=1e-6)


def test_output_layer_dZ_is_A_minus_Y():
    X, Y, p = _tiny_problem([3, 2, 1])
    AL, caches = R.L_model_forward(X, p)
    grads = R.L_model_backward(AL, Y, caches)
    A1 = caches[1][0][0]
    np.testing.assert_allclose(grads["dW2"], (AL - Y) @ A1.T / X.shape[1], rtol=1e-12)
    np.testing.assert_allclose(grads["db2"], np.mean(AL - Y, axis=1, keepdims=True), rtol=1e-12)


def test_update_parameters_by_hand():
    p = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[3.0]])}
    g = {"dW1": np.array([[10.0, -10.0]]), "db1": np.array([[1.0]]), "dA0": np.ones((2, 1))}
    new = R.update_parameters(p, g, 0.1)
    assert np.array_equal(new["W1"], [[0.0, 3.0]]) and np.array_equal(new["b1"], [[2.9]])
    assert np.array_equal(p["W1"], [[1.0, 2.0]])  # a new dict: the old parameters are kept


def test_L_layer_model_lowers_the_cost_and_predicts_its_training_set():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 60))
    Y = (X[0:1] * X[1:2] > 0).astype(np.float64)  # XOR of signs: needs the hidden layer
    p, costs = R.L_layer_model(X, Y, [2, 8, 1], learning_rate=0.05, num_iterations=2001,
                               init="he", seed=3)  # fmt: skip
    assert len(costs) == 21 and costs[0] > 0.6 and costs[-1] < 0.1
    pred, acc = R.predict(X, p, Y)
    right = R.L_model_forward(X, p)[0] > 0.5  # the prediction, from the forward pass itself
    assert pred.shape == (1, 60) and np.array_equal(pred, right * 1.0)
    assert acc >= 0.95 and acc == np.mean(right == Y)


def test_two_layer_model_is_L_layer_model_with_small_init():
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((3, 10)), (rng.random((1, 10)) > 0.5).astype(np.float64)
    p2, c2 = R.two_layer_model(X, Y, (3, 4, 1), num_iterations=101)
    pL, cL = R.L_layer_model(X, Y, [3, 4, 1], num_iterations=101, init="small", seed=1)
    assert c2 == cL and all(np.array_equal(p2[k], pL[k]) for k in pL)


def test_L_layer_model_names_a_layer_dims_mismatch():
    with pytest.raises(ValueError, match=r"n\[0\] = 5.*\(3, 4\)"):
        R.L_layer_model(np.zeros((3, 4)), np.zeros((1, 4)), [5, 1], num_iterations=1)
    with pytest.raises(ValueError, match=r"linear_forward: W \(2, 3\) times A_prev \(4, 5\)"):
        R.L_model_forward(np.zeros((4, 5)), {"W1": np.zeros((2, 3)), "b1": np.zeros((2, 1))})


# ---- the course's numbers on the cat data ----


def test_week2_logistic_regression_first_costs(cats):
    w, b = R.initialize_with_zeros(cats.train_x.shape[0])
    _, _, costs = R.optimize(w, b, cats.train_x, cats.train_y, 201, 0.005)
    assert [f"{c:f}" for c in costs] == ["0.693147", "0.584508", "0.466949"]


def test_two_layer_model_first_costs(cats):
    _, costs = R.two_layer_model(cats.train_x, cats.train_y, (12288, 7, 1), num_iterations=101)
    # The course prints 0.6930497356599888 at iteration 0; matmul's rounding depends on the BLAS,
    # which here gives 0.693049735659989: equal to 15 digits.
    assert costs[0] == pytest.approx(0.6930497356599888, rel=1e-14)
    assert costs[1] == pytest.approx(0.6464320953428849, rel=1e-14)


def test_L_layer_model_first_costs(cats):
    _, costs = R.L_layer_model(cats.train_x, cats.train_y, [12288, 20, 7, 5, 1], num_iterations=101)
    assert [f"{c:f}" for c in costs] == ["0.771749", "0.672053"]


@pytest.mark.slow  # ~3 min
def test_full_runs_reproduce_the_course(cats):
    w, b = R.initialize_with_zeros(cats.train_x.shape[0])
    params, _, costs = R.optimize(w, b, cats.train_x, cats.train_y, 2000, 0.005)
    assert f"{costs[-1]:f}" == "0.140872"
    train = R.predict_logistic(params["w"], params["b"], cats.train_x)
    test = R.predict_logistic(params["w"], params["b"], cats.test_x)
    assert 100 - np.mean(np.abs(train - cats.train_y)) * 100 == pytest.approx(99.04306220095694)
    assert 100 - np.mean(np.abs(test - cats.test_y)) * 100 == pytest.approx(70.0)

    p, costs = R.two_layer_model(cats.train_x, cats.train_y, (12288, 7, 1), num_iterations=2500)
    assert costs[24] == pytest.approx(0.048554785628770226, rel=1e-13)
    assert R.predict(cats.train_x, p, cats.train_y)[1] == 1.0
    assert R.predict(cats.test_x, p, cats.test_y)[1] == 0.72

    p, costs = R.L_layer_model(cats.train_x, cats.train_y, [12288, 20, 7, 5, 1],
                               num_iterations=2500)  # fmt: skip
    assert [f"{c:f}" for c in costs[:5]] == ["0.771749", "0.672053", "0.648263", "0.611507",
                                            "0.567047"]  # fmt: skip
    assert f"{costs[24]:f}" == "0.092878"
    assert R.predict(cats.train_x, p, cats.train_y)[1] == pytest.approx(0.985645933014)
    assert R.predict(cats.test_x, p, cats.test_y)[1] == 0.8
