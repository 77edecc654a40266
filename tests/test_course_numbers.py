"""The assignments' printed numbers, reproduced by autodiff and checked against the reference.

Needs the course's cat files (skips without them). The default run checks the first ~200
iterations of each model; TINYGRAD_EDU_SLOW=1 runs the assignments' full trainings.
"""

import numpy as np
import pytest

from tinygrad_edu import compare, nn, reference

# Printed by the assignments every 100 iterations.
WEEK2_COSTS = [
    0.693147, 0.584508, 0.466949, 0.376007, 0.331463, 0.303273, 0.279880, 0.260042, 0.242941,
    0.228004, 0.214820, 0.203078, 0.192544, 0.183033, 0.174399, 0.166521, 0.159305, 0.152667,
    0.146542, 0.140872,
]  # fmt: skip
TWO_LAYER_COSTS = {0: 0.6930497356599888, 100: 0.6464320953428849, 2400: 0.048554785628770226}
L_LAYER_COSTS = {0: 0.771749, 100: 0.672053, 200: 0.648263, 2400: 0.092878}


def train(model, cats, lr, iterations):
    X, Y = cats.train_x, cats.train_y
    return nn.fit(model, X, Y, lr, iterations, print_every=None, progress=False)


def assert_printed(costs, expected, digits=None):
    """Each expected {iteration: cost} as the notebook printed it (%f: 6 decimals, or in full)."""
    for i, c in expected.items():
        if digits is None:
            assert costs[i] == pytest.approx(c, rel=1e-14, abs=0), i
        else:
            assert round(costs[i], digits) == pytest.approx(c, abs=1e-12), i


def reference_logistic_costs(X, Y, lr, iterations):
    """Week 2's loop on the reference's hand-derived propagate()."""
    w, b, costs = np.zeros((X.shape[0], 1)), 0.0, []
    for _ in range(iterations):
        grads, cost = reference.propagate(w, b, X, Y)
        costs.append(float(cost))
        w, b = w - lr * grads["dw"], b - lr * grads["db"]
    return costs


def reference_deep_costs(X, Y, dims, init, lr, iterations):
    """Week 4's loop on the reference's hand-derived forward, backward and update."""
    params, costs = reference.initialize_parameters(dims, init=init, seed=1), []
    for _ in range(iterations):
        AL, caches = reference.L_model_forward(X, params)
        costs.append(reference.compute_cost(AL, Y))
        params = reference.update_parameters(params, reference.L_model_backward(AL, Y, caches), lr)
    return costs


# ---- week 2: logistic regression, zeros, lr 0.005 ----
def test_week2_first_iterations(cats):
    h = train(nn.LogisticRegression(12288), cats, 0.005, 201)
    assert_printed(h.costs, dict(zip((0, 100, 200), WEEK2_COSTS[:3], strict=True)), digits=6)
    ref = reference_logistic_costs(cats.train_x, cats.train_y, 0.005, 50)
    np.testing.assert_allclose(h.costs[:50], ref, rtol=1e-10)


@pytest.mark.slow
def test_week2_full(cats):
    model = nn.LogisticRegression(12288)
    h = train(model, cats, 0.005, 2000)
    assert_printed(h.costs, {100 * k: c for k, c in enumerate(WEEK2_COSTS)}, digits=6)
    # The notebook prints 100 - mean(|Y_pred - Y|) * 100: for 0/1 labels, 100 x our fraction.
    assert h.train_accuracy * 100 == pytest.approx(99.04306220095694, rel=1e-12)
    assert nn.accuracy(model, cats.test_x, cats.test_y) * 100 == pytest.approx(70.0, rel=1e-12)


# ---- week 4: two-layer 12288-7-1 and L-layer 12288-20-7-5-1, lr 0.0075 ----
@pytest.mark.parametrize("dims, init, printed, digits", [
    ([12288, 7, 1], "small", {i: TWO_LAYER_COSTS[i] for i in (0, 100)}, None),
    ([12288, 20, 7, 5, 1], "scaled", {i: L_LAYER_COSTS[i] for i in (0, 100, 200)}, 6),
])  # fmt: skip
def test_week4_first_iterations(cats, dims, init, printed, digits):
    h = train(nn.DeepNN(dims, init=init, seed=1), cats, 0.0075, 201)
    assert_printed(h.costs, printed, digits)  # in full: equal to 1e-14 (the 16th digit differs)
    ref_costs = reference_deep_costs(cats.train_x, cats.train_y, dims, init, 0.0075, 20)
    np.testing.assert_allclose(h.costs[:20], ref_costs, rtol=1e-10)


@pytest.mark.slow
@pytest.mark.parametrize("dims, init, printed, train_acc, test_acc", [
    ([12288, 7, 1], "small", TWO_LAYER_COSTS, 1.0, 0.72),
    ([12288, 20, 7, 5, 1], "scaled", L_LAYER_COSTS, 0.985645933014, 0.8),
])  # fmt: skip
def test_week4_full(cats, dims, init, printed, train_acc, test_acc):
    model = nn.DeepNN(dims, init=init, seed=1)
    h = train(model, cats, 0.0075, 2500)
    assert_printed(h.costs, printed, digits=None if init == "small" else 6)
    assert h.train_accuracy == pytest.approx(train_acc, abs=1e-12)
    assert nn.accuracy(model, cats.test_x, cats.test_y) == pytest.approx(test_acc, abs=1e-12)
    params, ref_costs = reference.L_layer_model(cats.train_x, cats.train_y, dims, 0.0075, 2500,
                                                init=init)  # fmt: skip
    np.testing.assert_allclose(h.costs[::100], ref_costs, rtol=1e-10)


# ---- autodiff gradients against the hand-derived backward, every model and activation ----
@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_autodiff_equals_reference_backward(cats, hidden):
    X, Y = cats.train_x[:, :24], cats.train_y[:, :24]
    model = nn.DeepNN([12288, 20, 7, 5, 1], hidden, init="scaled", seed=1)
    table = compare(model, X, Y)
    assert table.max_relative_difference < 1e-10, str(table)
    assert [c.name for c in table.checks] == ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"]


def test_logistic_regression_equals_reference_propagate(cats):
    X, Y = cats.train_x[:, :24], cats.train_y[:, :24]
    model = nn.LogisticRegression(12288, init="small", seed=0)
    table = compare(model, X, Y)
    assert table.max_relative_difference < 1e-10, str(table)
