"""fit(..., track="gradients") records each layer's gradient health; plots draws it."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import datasets, nn, plots, reference
from tinygrad_edu.doctor import gradient_health


def _train(hidden: str, iterations: int = 21):
    X, Y = datasets.planar_flower(m=200, seed=1)
    model = nn.DeepNN([2, 10, 10, 10, 1], hidden, init="scaled", seed=1)
    h = nn.fit(model, X, Y, 0.3, iterations, print_every=None, progress=False,
               track="gradients", track_every=10)  # fmt: skip
    return X, Y, model, h


def test_fit_records_health_at_every_tenth_iteration_before_the_step():
    X, Y, model, h = _train("relu")
    assert h.health_iterations == [0, 10, 20]
    assert sorted(h.gradient_health[0]) == [1, 2, 3, 4]
    # the last record is of the parameters before the last step: undo that step to compare
    twin = nn.DeepNN([2, 10, 10, 10, 1], "relu", init="scaled", seed=1)
    nn.fit(twin, X, Y, 0.3, 20, print_every=None, progress=False)
    params = {k: t.data for k, t in twin.named_parameters()}
    AL, caches = reference.L_model_forward(X, params, "relu", "sigmoid")
    grads = reference.L_model_backward(AL, Y, caches, "relu", "sigmoid")
    for layer in (1, 2, 3, 4):
        want = np.linalg.norm(grads[f"dW{layer}"])
        np.testing.assert_allclose(h.gradient_health[-1][layer]["dW_norm"], want, rtol=1e-10)
        Z = caches[layer - 1][1]
        if layer < 4:  # relu's saturated units are those with Z <= 0, relu' = 0 there
            assert h.gradient_health[-1][layer]["saturated"] == np.mean(Z <= 0)
        ratio = want / np.linalg.norm(params[f"W{layer}"])
        np.testing.assert_allclose(h.gradient_health[-1][layer]["ratio"], ratio, rtol=1e-10)
    assert gradient_health(twin, X, Y)[1]["dW_norm"] == h.gradient_health[-1][1]["dW_norm"]


def test_sigmoid_hidden_layers_get_vanishing_gradients_and_relu_layers_do_not():
    _, _, _, sig = _train("sigmoid")
    _, _, _, rel = _train("relu")
    first = [rec[1]["dW_norm"] for rec in sig.gradient_health]
    first_relu = [rec[1]["dW_norm"] for rec in rel.gradient_health]
    assert max(first) < 0.1 * min(first_relu)
    fig = plots.plot_gradient_health({"sigmoid": sig, "relu": rel})
    assert len(fig.axes) == 4 and fig.axes[0].get_title() == "sigmoid: ‖dW[l]‖ per layer"
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), first)


def test_track_is_checked_and_a_history_without_health_is_refused():
    X, Y = datasets.planar_flower(m=20, seed=1)
    with pytest.raises(ValueError, match='track must be None or "gradients"'):
        nn.fit(nn.DeepNN([2, 3, 1]), X, Y, 0.1, 2, progress=False, track="grads")
    h = nn.fit(nn.DeepNN([2, 3, 1]), X, Y, 0.1, 2, print_every=None, progress=False)
    with pytest.raises(ValueError, match='fit\\(..., track="gradients"\\)'):
        plots.plot_gradient_health(h)
