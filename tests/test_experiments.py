"""experiments: each of the course notes' experiments shows its claim; each picture draws it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_edu import datasets, experiments, nn, reference
from tinygrad_edu import experiments as E
from tinygrad_edu.tensor import Tensor, no_grad

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Each experiment runs once per test session; its defaults take about a second on 2 cores.


@pytest.fixture(scope="module")
def acts() -> E.Activations:
    return E.activations()


@pytest.fixture(scope="module")
def linear() -> E.LinearActivations:
    return E.linear_activations()


@pytest.fixture(scope="module")
def inits() -> E.ZeroVsRandomInit:
    return E.zero_vs_random_init()


@pytest.fixture(scope="module")
def grads() -> E.SigmoidVsRelu:
    return E.sigmoid_vs_relu()


@pytest.fixture(scope="module")
def sweeps() -> E.Hyperparameters:
    return E.hyperparameters()


@pytest.fixture(scope="module")
def flower() -> datasets.Data:
    return datasets.load_data("flower")


# ---------------------------------------------------------------- 1. activations (§3.2, §3.4)


def test_engine_derivatives_equal_the_closed_forms(acts):
    z = acts.z
    s = 1 / (1 + np.exp(-z))
    closed = {
        "sigmoid": s * (1 - s),
        "tanh": 1 - np.tanh(z) ** 2,
        "relu": (z > 0).astype(float),
        "leaky_relu": np.where(z > 0, 1.0, 0.01),
    }
    assert set(acts.derivatives) == set(closed)
    for name, want in closed.items():
        np.testing.assert_allclose(acts.derivatives[name], want, rtol=0, atol=1e-12, err_msg=name)
    assert acts.formulas["sigmoid"] == "a = σ(z)" and acts.rules["tanh"] == "dz = da ⊙ (1 − a²)"
    assert acts.rules["relu"] == "dz = da ⊙ (z > 0)"


def test_activation_values_are_the_course_formulas(acts):
    z = acts.z
    np.testing.assert_allclose(acts.values["sigmoid"], 1 / (1 + np.exp(-z)), atol=1e-15)
    np.testing.assert_allclose(acts.values["tanh"], np.tanh(z), atol=1e-15)
    np.testing.assert_array_equal(acts.values["relu"], np.maximum(0, z))
    np.testing.assert_allclose(acts.values["leaky_relu"], np.maximum(0.01 * z, z), atol=1e-15)


def test_sigmoid_slope_is_at_most_a_quarter_and_vanishes_at_large_z(acts):
    assert acts.largest_slope["sigmoid"] == pytest.approx(0.25, abs=1e-15)  # at z = 0
    assert acts.largest_slope["tanh"] == pytest.approx(1.0, abs=1e-15)
    # week 1: near zero at large |z|, where relu's slope is still 1
    assert acts.edge_slope["sigmoid"] == pytest.approx(math.exp(-6) / (1 + math.exp(-6)) ** 2)
    assert acts.edge_slope["sigmoid"] < 0.003
    assert acts.edge_slope["tanh"] < 1e-4
    assert acts.edge_slope["relu"] == 1.0


def test_the_grid_holds_the_kink_and_the_engine_takes_the_course_convention_there(acts):
    (zero,) = np.flatnonzero(acts.z == 0)
    assert acts.derivatives["relu"][zero] == 0.0  # the course's relu_backward: dZ[Z <= 0] = 0
    assert acts.derivatives["leaky_relu"][zero] == 0.01
    assert acts.derivatives["relu"][0] == 0.0 and acts.derivatives["leaky_relu"][0] == 0.01


def test_slope_is_the_engines_backward_even_inside_no_grad():
    z = np.array([-2.0, 0.5, 3.0])
    with no_grad():
        got = E.slope("tanh", z)
    np.testing.assert_allclose(got, 1 - np.tanh(z) ** 2, atol=1e-15)
    with pytest.raises(ValueError, match="activation"):
        E.slope("softplus", z)


def test_activations_refuses_an_empty_grid_and_an_endless_one():
    with pytest.raises(ValueError, match=r"^activations: points = 1; use at least 2$"):
        E.activations(points=1)
    with pytest.raises(ValueError, match=r"^activations: points must be a positive int .*2.5$"):
        E.activations(points=2.5)
    with pytest.raises(ValueError, match=r"^activations: z_max must be a finite number > 0"):
        E.activations(z_max=float("inf"))  # a grid of inf and nan


# ---------------------------------------------------------------- 2. linear activations (§3.3)


def test_the_product_of_the_Ws_reproduces_the_linear_nets_logits(linear, flower):
    net = linear.linear.model
    assert isinstance(net, E.LinearHiddenNN)
    p = net.state_dict()
    W, b = np.eye(2), np.zeros((2, 1))  # written out here, independently of net.effective()
    for l in range(1, net.L + 1):
        W, b = p[f"W{l}"] @ W, p[f"W{l}"] @ b + p[f"b{l}"]
    with no_grad():
        ZL = net.logits(Tensor(flower.train_x)).data
    np.testing.assert_allclose(ZL, W @ flower.train_x + b, rtol=0, atol=1e-10)
    np.testing.assert_allclose(linear.W_eff, W, rtol=0, atol=1e-12)
    assert linear.product_error <= 1e-10
    assert net.L == 3 and np.abs(p["W2"]).max() > 0.1  # a real hidden layer, not a bypass


def test_the_linear_net_learns_logistic_regressions_own_line(linear):
    w, b = (q.data for q in linear.logistic.model.parameters())
    # the cross-entropy of a linear model is convex: both reach its one minimum
    np.testing.assert_allclose(linear.W_eff, w.T, atol=1e-3)
    np.testing.assert_allclose(linear.b_eff, b, atol=1e-3)
    assert linear.linear.train_accuracy == linear.logistic.train_accuracy
    assert linear.linear.train_accuracy < 0.55  # the flower is no linear problem
    assert linear.linear.costs[-1] == pytest.approx(linear.logistic.costs[-1], abs=1e-4)


def test_the_linear_nets_decision_boundary_is_a_line_and_the_tanh_nets_is_not(linear):
    for straight in (linear.linear, linear.logistic):
        assert straight.boundary.line_distance <= 1.0  # within a grid step of one line
        assert straight.boundary.line_agreement >= 0.995
    bent = linear.tanh.boundary
    assert bent.line_distance > 10 and bent.line_agreement < 0.9
    assert linear.tanh.train_accuracy > linear.linear.train_accuracy + 0.3


def test_the_line_measure_tells_a_line_from_a_circle():
    X = np.array([[-3.0, 3.0], [-3.0, 3.0]])
    line = E._boundary(lambda P: (P[1] > 0.5 * P[0] + 1).astype(int)[None], X, 120)
    circle = E._boundary(lambda P: (P[0] ** 2 + P[1] ** 2 < 4).astype(int)[None], X, 120)
    assert line.line_distance <= 1.0 and line.line_agreement > 0.995
    assert circle.line_distance > 10 and circle.line_agreement < 0.8
    empty = E._boundary(lambda P: np.zeros((1, P.shape[1])), X, 50)
    assert math.isnan(empty.line_distance) and empty.line_agreement == 1.0


def test_linear_activations_needs_a_hidden_layer():
    with pytest.raises(ValueError, match="hidden layer"):
        E.linear_activations(layer_dims=(2, 1))


# ---------------------------------------------------------------- 3. initialization (§3.7)


def test_from_zeros_every_hidden_unit_stays_identical(inits):
    zeros = inits.runs["zeros"]
    assert zeros.W1_row_spread <= 1e-12 and zeros.W2_spread <= 1e-12
    np.testing.assert_allclose(zeros.b1, zeros.b1[0, 0], atol=1e-12)
    # tanh(0) = 0: A[1] = 0, so dW[2] = 0 and dA[1] = W[2]^T dZ[2] = 0; no weight moves at all
    assert zeros.W1_moved == 0.0 and np.abs(zeros.W2).max() == 0.0
    assert zeros.costs[-1] == pytest.approx(math.log(2), abs=1e-12)


def test_from_a_constant_the_units_move_but_together(inits):
    const = inits.runs["constant"]
    assert const.W1_moved > 0.5
    assert const.W1_row_spread <= 1e-12 and const.W2_spread <= 1e-12
    np.testing.assert_allclose(const.b1, const.b1[0, 0], rtol=0, atol=1e-12)


def test_alike_units_are_one_unit(inits, flower):
    """n_h identical units compute what one unit with n_h times the output weight computes."""
    const = inits.runs["constant"]
    n_h = const.W1.shape[0]
    wide = nn.DeepNN([2, n_h, 1], "tanh", init="zeros")
    wide.load_state_dict({"W1": const.W1, "b1": const.b1, "W2": const.W2, "b2": const.b2})
    one = nn.DeepNN([2, 1, 1], "tanh", init="zeros")
    one.load_state_dict(
        {"W1": const.W1[:1], "b1": const.b1[:1], "W2": n_h * const.W2[:, :1], "b2": const.b2}
    )
    with no_grad():
        np.testing.assert_allclose(wide(flower.train_x).data, one(flower.train_x).data, atol=1e-12)


def test_random_init_breaks_the_symmetry_with_biases_at_zero(inits):
    rand = inits.runs["random"]
    assert rand.W1_row_spread > 1.0 and rand.W2_spread > 1.0
    assert rand.train_accuracy > 0.85  # b[1] = b[2] = 0 at the start: fine
    assert rand.costs[-1] < inits.runs["constant"].costs[-1] - 0.2
    assert inits.layer_dims == [2, 4, 1] and len(rand.costs) == inits.num_iterations


# ---------------------------------------------------------------- 4. sigmoid vs relu (week 1)


def test_sigmoids_first_layer_gets_a_vanishing_gradient(grads):
    assert grads.first_layer_ratio < 0.1
    sig, relu = grads.runs["sigmoid"], grads.runs["relu"]
    assert sig.first_to_last < 0.05 < 0.1 < relu.first_to_last
    assert np.all(np.diff(sig.init_grad_norms) > 0)  # smaller at every layer toward X


def test_the_recorded_gradients_are_the_hand_derived_ones(grads, flower):
    X, Y = flower.train_x, flower.train_y
    for g, run in grads.runs.items():
        p = nn.DeepNN(grads.layer_dims, g, init="scaled", seed=1).state_dict()
        AL, caches = reference.L_model_forward(X, p, g)
        hand = reference.L_model_backward(AL, Y, caches, g)
        want = [np.linalg.norm(hand[f"dW{l}"]) for l in range(1, len(grads.layer_dims))]
        np.testing.assert_allclose(run.init_grad_norms, want, rtol=1e-10)


def test_sigmoid_slopes_are_at_most_a_quarter_relus_are_not(grads):
    assert len(grads.runs["sigmoid"].mean_slope) == len(grads.layer_dims) - 2
    assert max(grads.runs["sigmoid"].mean_slope) <= 0.25
    assert min(grads.runs["relu"].mean_slope) > 0.3  # the fraction of Z[l] > 0


def test_relu_reaches_a_lower_cost_in_the_same_iterations(grads):
    sig, relu = grads.runs["sigmoid"], grads.runs["relu"]
    assert len(sig.costs) == len(relu.costs) == grads.num_iterations
    assert relu.costs[-1] < sig.costs[-1] - 0.2
    assert relu.train_accuracy > sig.train_accuracy + 0.2
    assert sig.checkpoints == list(range(0, grads.num_iterations + 1, 100))
    assert sig.grad_norms.shape == (len(sig.checkpoints), len(grads.layer_dims) - 1)


# ---------------------------------------------------------------- 5. hyperparameters (§4.5)


def _by(runs: list[E.SweepRun]) -> dict[float, E.SweepRun]:
    return {r.value: r for r in runs}


def test_too_small_a_learning_rate_barely_moves_too_large_a_one_does_worse(sweeps):
    lr = _by(sweeps.learning_rates)
    assert lr[0.01].final_cost > 0.68  # J starts at log 2 = 0.693
    assert lr[1.2].final_cost < 0.3 and lr[1.2].rises == 0  # J falls at every step
    assert lr[100.0].diverged or lr[100.0].final_cost > lr[100.0].costs[0]
    assert lr[100.0].rises > 100
    assert sweeps.best("learning_rates") is lr[1.2]


def test_the_sweeps_good_rate_is_week_3s_model(sweeps, flower):
    model = nn.DeepNN([2, 4, 1], "tanh", init="small", seed=2)
    h = nn.fit(model, flower.train_x, flower.train_y, 1.2, 1000, print_every=None, progress=False)
    assert _by(sweeps.learning_rates)[1.2].costs == h.costs


def test_every_depth_fits_the_flower_far_better_than_a_line(sweeps):
    assert [r.value for r in sweeps.depths] == [1, 2, 3, 4]
    for run in sweeps.depths:
        assert run.final_cost < 0.35 and run.train_accuracy > 0.85, run.label
    assert sweeps.best("depths").final_cost == min(r.final_cost for r in sweeps.depths)
    with pytest.raises(ValueError, match="depths"):
        sweeps.best("widths")


def test_a_learning_rate_that_overflows_is_reported_as_diverged():
    # the overflow warnings are the expected outcome here (pytest makes them errors elsewhere)
    r = E.hyperparameters(learning_rates=(1e306,), depths=(1,), num_iterations=20)
    (run,) = r.learning_rates
    assert run.diverged and 1 <= len(run.costs) < 20
    assert all(math.isfinite(c) for c in run.costs)
    assert "diverged" in r.summary()


def test_results_print_as_short_tables(acts, linear, inits, grads, sweeps):
    for result in (acts, linear, inits, grads, sweeps):
        text = repr(result)
        assert len(text) < 2000 and len(text.splitlines()) < 20
    assert "0.25" in repr(acts) and "‖dW[1]‖ sigmoid / relu" in repr(grads)


def test_the_module_lists_what_it_exports():
    for name in experiments.__all__:
        assert hasattr(experiments, name)


# ---------------------------------------------------------------- the pictures

plots = pytest.importorskip("tinygrad_edu.experiment_plots", reason="needs matplotlib")
pytest.importorskip("matplotlib")


def _titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def test_activations_figure(acts, tmp_path):
    fig = plots.plot_activations(acts, tmp_path / "a.png")
    assert len(fig.axes) == 8
    titles = _titles(fig)
    for k, name in enumerate(E.ACTIVATION_NAMES):
        assert name in titles[2 * k] and acts.formulas[name] in titles[2 * k]
        assert titles[2 * k + 1] == acts.rules[name]
        engine = fig.axes[2 * k + 1].lines[0]
        np.testing.assert_array_equal(engine.get_ydata(), acts.derivatives[name])
    assert (tmp_path / "a.png").read_bytes()[:8] == PNG_MAGIC


def test_linear_activations_figure_draws_the_product_line(linear):
    fig = plots.plot_linear_activations(linear)
    assert len(fig.axes) == 4
    titles = _titles(fig)
    assert "logistic regression" in titles[0] and "linear hidden layers" in titles[1]
    assert "tanh" in titles[2] and titles[3] == "cost per iteration"
    (line,) = fig.axes[1].lines
    (w1, w2), b = linear.W_eff.ravel(), linear.b_eff.item()
    x = np.asarray(line.get_xdata())
    np.testing.assert_allclose(line.get_ydata(), -(w1 * x + b) / w2)


def test_zero_vs_random_figure_shows_each_units_parameters(inits):
    fig = plots.plot_zero_vs_random_init(inits)
    assert len(fig.axes) == 4
    for ax, run in zip(fig.axes[:3], inits.runs.values(), strict=True):
        (image,) = ax.images
        np.testing.assert_array_equal(image.get_array(), np.hstack([run.W1, run.b1, run.W2.T]))
        assert ax.get_title().startswith(f"from {run.label}: rows differ by")
    assert _titles(fig)[3] == "cost per iteration" and len(fig.axes[3].lines) == 3


def test_sigmoid_vs_relu_figure(grads):
    fig = plots.plot_sigmoid_vs_relu(grads)
    assert len(fig.axes) == 3
    assert _titles(fig) == [
        "gradient per layer at initialization",
        "first and last layer's gradient during training",
        "cost per iteration",
    ]
    sig, relu = fig.axes[0].lines
    np.testing.assert_array_equal(sig.get_ydata(), grads.runs["sigmoid"].init_grad_norms)
    np.testing.assert_array_equal(relu.get_ydata(), grads.runs["relu"].init_grad_norms)
    assert fig.axes[0].get_yscale() == "log"


def test_hyperparameters_figure_marks_a_divergence(sweeps):
    fig = plots.plot_hyperparameters(sweeps)
    assert len(fig.axes) == 2
    assert _titles(fig) == [
        "learning rate α: cost per iteration",
        "number of hidden layers: cost per iteration",
    ]
    assert len(fig.axes[0].lines) == len(sweeps.learning_rates)  # none of the defaults diverge
    assert len(fig.axes[1].lines) == len(sweeps.depths)
    diverging = E.hyperparameters(learning_rates=(1e306,), depths=(1,), num_iterations=5)
    fig = plots.plot_hyperparameters(diverging)
    curve, cross = fig.axes[0].lines
    (run,) = diverging.learning_rates
    assert cross.get_marker() == "x" and list(cross.get_xdata()) == [len(run.costs) - 1]
    assert run.costs[-1] > 1e300 and fig.axes[0].get_ylim()[1] == 1.5e3  # the cut, not 1e300
