"""fit(): the training loop against week 3's hand-written gradient descent, History, printing."""

import sys
import types

import numpy as np
import pytest

from tinygrad_edu import datasets, nn, optim


def data(m=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2, m))
    Y = (X[0:1] * X[1:2] > 0).astype(float)  # XOR-like quadrants: needs the hidden layer
    return X, Y


def week3_gradient_descent(params, X, Y, lr, iterations, trace=None):
    """The course's shallow net by hand: tanh hidden layer, sigmoid output, dZ2 = A2 - Y.

    trace, a list, receives the parameters each iteration starts from.
    """
    W1, b1, W2, b2 = (params[k].copy() for k in ("W1", "b1", "W2", "b2"))
    m, costs = X.shape[1], []
    for _ in range(iterations):
        if trace is not None:
            trace.append((W1, b1, W2, b2))
        A1 = np.tanh(W1 @ X + b1)
        A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
        costs.append(float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m))
        dZ2 = A2 - Y
        dW2, db2 = dZ2 @ A1.T / m, np.sum(dZ2, axis=1, keepdims=True) / m
        dZ1 = (W2.T @ dZ2) * (1 - A1**2)
        dW1, db1 = dZ1 @ X.T / m, np.sum(dZ1, axis=1, keepdims=True) / m
        W1, b1, W2, b2 = W1 - lr * dW1, b1 - lr * db1, W2 - lr * dW2, b2 - lr * db2
    return costs, {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def test_fit_follows_hand_written_gradient_descent():
    X, Y = data()
    model = nn.DeepNN([2, 4, 1], "tanh", init="small", seed=2)
    costs, final = week3_gradient_descent(model.state_dict(), X, Y, 1.2, 60)
    history = nn.fit(model, X, Y, 1.2, 60, print_every=None, progress=False)
    np.testing.assert_allclose(history.costs, costs, rtol=1e-10)
    for k, v in final.items():
        np.testing.assert_allclose(model[k].data, v, rtol=1e-9, atol=1e-12, err_msg=k)
    assert history.iterations == 60 and len(history.costs) == 60
    assert history.costs[-1] < history.costs[0]


def test_history_accuracies_are_fractions_of_correct_predictions():
    X, Y = data()
    X_val, Y_val = data(m=20, seed=1)
    model = nn.DeepNN([2, 8, 1], "tanh", init="xavier", seed=0)
    trace = []
    week3_gradient_descent(model.state_dict(), X, Y, 0.5, 30, trace)
    h = nn.fit(model, X, Y, 0.5, 30, print_every=10, progress=False, X_val=X_val, Y_val=Y_val)
    final = tuple(model[k].data for k in ("W1", "b1", "W2", "b2"))

    def by_hand(X, Y, W1, b1, W2, b2):
        AL = 1 / (1 + np.exp(-(W2 @ np.tanh(W1 @ X + b1) + b2)))
        return np.mean((AL > 0.5) == Y)

    assert h.train_accuracy == pytest.approx(by_hand(X, Y, *final), abs=1e-12)
    assert h.val_accuracy == pytest.approx(by_hand(X_val, Y_val, *final), abs=1e-12)
    assert nn.accuracy(model, X, Y) == h.train_accuracy
    assert h.checkpoints == [0, 10, 20, 29]
    assert len(h.train_accuracies) == len(h.val_accuracies) == 4
    # at each checkpoint, the accuracies of the parameters that iteration started from
    for i, train, val in zip(h.checkpoints, h.train_accuracies, h.val_accuracies, strict=True):
        assert (train, val) == (by_hand(X, Y, *trace[i]), by_hand(X_val, Y_val, *trace[i])), i


def test_printing_like_the_assignments_and_the_bar_on_stderr(capsys):
    X, Y = data()
    model = nn.DeepNN([2, 3, 1], seed=1)
    h = nn.fit(model, X, Y, 0.1, 5, print_every=2, progress=True)
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"Cost after iteration {i}: {h.costs[i]}" for i in (0, 2, 4)
    ]
    assert "cost=" in err  # tqdm's postfix
    nn.fit(model, X, Y, 0.1, 5, print_every=None, progress=False)
    assert capsys.readouterr() == ("", "")


def test_optimizer_argument_and_default_agree():
    X, Y = data()
    a = nn.DeepNN([2, 3, 1], "tanh", seed=4)
    b = nn.DeepNN([2, 3, 1], "tanh", seed=4)
    ha = nn.fit(a, X, Y, 0.3, 10, print_every=None, progress=False)
    hb = nn.fit(b, X, Y, optimizer=optim.GradientDescent(b.parameters(), 0.3), num_iterations=10,
                print_every=None, progress=False)  # fmt: skip
    assert ha.costs == hb.costs
    c = nn.DeepNN([2, 3, 1], "tanh", seed=4)
    hc = nn.fit(c, X, Y, optimizer=optim.Adam(c.parameters(), 0.05), num_iterations=40,
                print_every=None, progress=False)  # fmt: skip
    assert hc.costs[0] == ha.costs[0] and hc.costs[-1] < hc.costs[0]
    assert hc.learning_rate == 0.05


def test_fit_checks_shapes_before_training():
    X, Y = data()
    model = nn.DeepNN([2, 3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"Y has shape \(40,\)"):
        nn.fit(model, X, Y.ravel(), progress=False)
    with pytest.raises(ValueError, match=r"did you pass X\.T"):
        nn.fit(model, X.T, Y, progress=False)
    with pytest.raises(ValueError, match="X_val and Y_val"):
        nn.fit(model, X, Y, X_val=X, progress=False)
    for k, v in before.items():
        np.testing.assert_array_equal(model[k].data, v)


def test_history_plot_hands_itself_to_plots(monkeypatch):
    calls = []
    fake = types.ModuleType("tinygrad_edu.plots")
    fake.plot_history = lambda history, path: calls.append((history, path)) or "figure"
    monkeypatch.setitem(sys.modules, "tinygrad_edu.plots", fake)
    import tinygrad_edu

    monkeypatch.setattr(tinygrad_edu, "plots", fake, raising=False)
    h = nn.History(costs=[0.7, 0.6])
    assert h.plot("costs.png") == "figure"
    assert calls == [(h, "costs.png")]


# ---- week 3's flower ----
def test_flower_logistic_regression_against_four_tanh_units():
    X, Y = datasets.planar_flower()
    lr = nn.fit(nn.LogisticRegression(2), X, Y, 1.2, 300, print_every=None, progress=False)
    assert 0.40 <= lr.train_accuracy <= 0.55  # no straight line separates the petals
    net = nn.DeepNN([2, 4, 1], "tanh", init="small", seed=2)  # the course's seed
    h = nn.fit(net, X, Y, 1.2, 1000, print_every=None, progress=False)
    assert h.train_accuracy >= 0.85
    # the course prints 0.693048 at iteration 0 (from the notebook)
    assert round(h.costs[0], 6) == 0.693048
