"""fit() never trains on garbage or loses the model: bad data and arguments are refused before any
step, and a diverging cost stops training with the last finite parameters put back."""

import numpy as np
import pytest

from tinygrad_edu import nn, optim

# numpy warns (overflow, invalid value) on the way to a diverging cost; what fit does after is
# what these tests check, so those warnings are not errors here
overflow_ok = pytest.mark.filterwarnings("ignore::RuntimeWarning")

DIVERGING = ([2, 4, 3, 1], "leaky_relu", 1, 100.0)  # layer_dims, activation, seed, learning_rate
FIRST_BAD = 8  # its cost is finite at iterations 0..7 and NaN at 8 (checked by the twin below)


def data(m=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2, m))
    Y = (X[0:1] * X[1:2] > 0).astype(float)
    return X, Y


def quiet_fit(model, X, Y, *args, **kwargs):
    return nn.fit(model, X, Y, *args, print_every=None, progress=False, **kwargs)


def assert_unchanged(model, before):
    for k, v in before.items():
        np.testing.assert_array_equal(model[k].data, v, err_msg=k)


# ---- data holding NaN or inf is refused before any step


def test_nan_in_X_is_named_with_its_position_before_training():
    X, Y = data()
    X[1, 17] = np.nan
    X[0, 30] = np.inf  # a later example: the first example holding one is named
    model = nn.DeepNN([2, 3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError) as e:
        quiet_fit(model, X, Y)
    assert str(e.value) == (
        "fit: X holds NaN at (1, 17) (feature 1 of example 17); clean or drop those examples first"
    )
    assert_unchanged(model, before)


def test_inf_in_Y_is_named_with_its_position():
    X, Y = data()
    Y[0, 5] = -np.inf
    model = nn.DeepNN([2, 3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"^fit: Y holds -inf at \(0, 5\) \(example 5\);"):
        quiet_fit(model, X, Y)
    assert_unchanged(model, before)


def test_validation_data_is_checked_too_and_named_as_such():
    X, Y = data()
    X_val, Y_val = data(m=10, seed=1)
    model = nn.LogisticRegression(2)
    bad_X = X_val.copy()
    bad_X[0, 3] = np.inf
    with pytest.raises(ValueError, match=r"^fit: X_val holds inf at \(0, 3\) \(feature 0 of"):
        quiet_fit(model, X, Y, X_val=bad_X, Y_val=Y_val)
    bad_Y = Y_val.copy()
    bad_Y[0, 9] = np.nan
    with pytest.raises(ValueError, match=r"^fit: Y_val holds NaN at \(0, 9\) \(example 9\);"):
        quiet_fit(model, X, Y, X_val=X_val, Y_val=bad_Y)
    assert model.state_dict()["w"].tolist() == [[0.0], [0.0]]  # not one step was taken


@overflow_ok  # numpy warns as it casts 1e300 to float32
def test_a_value_too_large_for_float32_is_named_as_such():
    X, Y = data()
    X[0, 3] = 1e300
    with pytest.raises(ValueError, match=r"X holds inf at \(0, 3\) .*from 1e\+300, .*float32"):
        quiet_fit(nn.DeepNN([2, 3, 1], seed=0, dtype="float32"), X, Y)


# ---- arguments


def test_an_optimizer_given_by_name_is_refused_with_how_to_make_one():
    X, Y = data()
    with pytest.raises(TypeError, match=r"^fit: optimizer must be an optimizer .*got 'adam'$"):
        quiet_fit(nn.DeepNN([2, 3, 1], seed=0), X, Y, optimizer="adam")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_iterations": -5}, "fit: num_iterations must be a positive int .* got -5$"),
        ({"num_iterations": 0}, "fit: num_iterations .* got 0$"),
        ({"num_iterations": 2.5}, "fit: num_iterations .* got 2.5$"),
        ({"num_iterations": True}, "fit: num_iterations .* got True$"),
        ({"learning_rate": 0.0}, "fit: learning_rate must be a finite number > 0, got 0.0; "),
        ({"learning_rate": -0.1}, "fit: learning_rate .* got -0.1; "),
        ({"learning_rate": float("nan")}, "fit: learning_rate .* got nan; "),
        ({"learning_rate": float("inf")}, "fit: learning_rate .* got inf; "),
        ({"learning_rate": "0.01"}, "fit: learning_rate .* got '0.01'; "),
        ({"print_every": 0}, r"fit: print_every must be a positive int \(or None .*\), got 0$"),
        ({"print_every": -1}, "fit: print_every .* got -1$"),
        ({"print_every": 2.5}, "fit: print_every .* got 2.5$"),
    ],
)
def test_bad_arguments_are_refused_in_one_line_naming_them(kwargs, message):
    X, Y = data()
    model = nn.DeepNN([2, 3, 1], seed=0)
    before = model.state_dict()
    args = {"num_iterations": 3, "print_every": None, "progress": False} | kwargs
    with pytest.raises(ValueError, match=message) as e:
        nn.fit(model, X, Y, **args)
    assert "\n" not in str(e.value)
    assert_unchanged(model, before)


def test_no_examples_is_refused():
    X, Y = data()
    with pytest.raises(ValueError, match=r"^fit: X has no examples \(shape \(2, 0\)\)"):
        quiet_fit(nn.DeepNN([2, 3, 1], seed=0), X[:, :0], Y[:, :0], num_iterations=3)
    with pytest.raises(ValueError, match=r"^fit: X_val has no examples"):
        quiet_fit(nn.LogisticRegression(2), X, Y, num_iterations=3, X_val=X[:, :0], Y_val=Y[:, :0])


# ---- a cost that becomes NaN or inf


def twin_run(optimizer=None):
    """The diverging setup run by hand for FIRST_BAD - 1 steps, then one more: the parameters
    that gave the last finite cost, and the costs of iterations 0 .. FIRST_BAD - 1."""
    dims, act, seed, lr = DIVERGING
    X, Y = data()
    twin = nn.DeepNN(dims, act, seed=seed)
    opt = optimizer(twin.parameters(), lr) if optimizer else None
    h1 = quiet_fit(twin, X, Y, lr, FIRST_BAD - 1, optimizer=opt)
    last_finite = twin.state_dict()
    h2 = quiet_fit(twin, X, Y, lr, 1, optimizer=opt)
    assert np.isnan(float(twin.cost(X, Y).data))  # the next cost is the first bad one
    return last_finite, h1.costs + h2.costs


@overflow_ok
def test_divergence_stops_restores_the_last_finite_parameters_and_keeps_the_history():
    dims, act, seed, lr = DIVERGING
    X, Y = data()
    model = nn.DeepNN(dims, act, seed=seed)
    with pytest.raises(nn.TrainingDiverged) as e:
        quiet_fit(model, X, Y, lr, 50)
    expected, costs = twin_run()
    err = e.value
    assert isinstance(err, RuntimeError)
    assert err.iteration == FIRST_BAD and np.isnan(err.cost)
    for k, v in expected.items():
        np.testing.assert_array_equal(model[k].data, v, err_msg=k)
        assert model[k].grad is None, k
    assert err.history.costs == costs and len(costs) == FIRST_BAD
    assert np.all(np.isfinite(err.history.costs))
    assert err.history.iterations == FIRST_BAD and err.history.learning_rate == lr
    message = str(err)
    assert "\n" not in message
    assert message.startswith(f"fit: the cost is nan at iteration {FIRST_BAD};")
    assert f"parameters of iteration {FIRST_BAD - 1}" in message
    assert "learning_rate=100.0 / 10" in message
    assert "tinygrad_edu.detect_anomaly()" in message


class InPlaceGD(optim.Optimizer):
    """W -= alpha dW, written into W's own array (as a user might, unlike optim's optimizers)."""

    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.data -= self.lr * p.grad


@overflow_ok
def test_an_optimizer_that_updates_in_place_is_restored_too():
    dims, act, seed, lr = DIVERGING
    X, Y = data()
    model = nn.DeepNN(dims, act, seed=seed)
    with pytest.raises(nn.TrainingDiverged) as e:
        quiet_fit(model, X, Y, 0.0075, 50, optimizer=InPlaceGD(model.parameters(), lr))
    expected, costs = twin_run(InPlaceGD)
    for k, v in expected.items():
        np.testing.assert_array_equal(model[k].data, v, err_msg=k)
    assert e.value.iteration == FIRST_BAD and e.value.history.costs == costs
    assert "InPlaceGD(..., lr=100.0 / 10)" in str(e.value)  # the optimizer's rate, not fit's


def test_a_nan_parameter_stops_at_iteration_0_with_nothing_to_restore():
    X, Y = data()
    model = nn.DeepNN([2, 3, 1], seed=0)
    model["W1"].data[0, 0] = np.nan
    before = model.state_dict()
    with pytest.raises(nn.TrainingDiverged, match="at iteration 0, from the initial") as e:
        quiet_fit(model, X, Y, 0.1, 5)
    assert e.value.iteration == 0 and e.value.history.costs == []
    assert e.value.history.iterations == 0
    assert_unchanged(model, before)  # assert_array_equal treats NaN as equal to NaN
