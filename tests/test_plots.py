"""plots: files are real PNG/SVG, and the figures hold the data they were given."""

from __future__ import annotations

import types
import xml.etree.ElementTree as ET

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from tinygrad_edu import Tensor, plots  # noqa: E402  (after the skip: plots needs matplotlib)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _is_svg(path) -> bool:
    return ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def _history(**extra):
    costs = [0.69 * 0.99**i for i in range(50)]
    return types.SimpleNamespace(costs=costs, learning_rate=0.0075, **extra)


def test_history_cost_curve_is_the_costs(tmp_path):
    h = _history()
    fig = plots.plot_history(h, tmp_path / "curve.png")
    (ax,) = fig.axes
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_ydata(), h.costs)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(50))
    assert ax.get_title() == "Learning rate = 0.0075"
    assert (tmp_path / "curve.png").read_bytes()[:8] == PNG_MAGIC


def test_history_with_accuracies_gets_a_second_axes(tmp_path):
    h = _history(
        checkpoints=[0, 25, 49],
        train_accuracies=[0.5, 0.8, 0.9],
        val_accuracies=[0.5, 0.7, 0.72],
        train_accuracy=0.9,
        val_accuracy=0.72,
    )
    fig = plots.plot_history(h, tmp_path / "curve.svg")
    assert _is_svg(tmp_path / "curve.svg")
    cost_ax, acc_ax = fig.axes
    train, val = acc_ax.lines
    np.testing.assert_array_equal(train.get_xdata(), [0, 25, 49])
    np.testing.assert_allclose(train.get_ydata(), [50, 80, 90])
    np.testing.assert_allclose(val.get_ydata(), [50, 70, 72])
    assert "train accuracy 90.0%" in cost_ax.get_title()
    assert "val accuracy 72.0%" in cost_ax.get_title()


def test_history_needs_costs_and_a_known_extension(tmp_path):
    with pytest.raises(ValueError, match="costs is empty"):
        plots.plot_history(types.SimpleNamespace(costs=[]))
    with pytest.raises(ValueError, match=".png, .svg, .pdf"):
        plots.plot_history(_history(), tmp_path / "curve.jpeg")
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")  # a file where a folder should be
    with pytest.raises(ValueError, match=r"^plots: cannot write .*notes\.txt' is a file, not"):
        plots.plot_history(_history(), tmp_path / "notes.txt" / "curve.png")
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_plot_costs_one_line_per_model(tmp_path):
    runs = {"n_h = 1": [0.7, 0.6, 0.55], "n_h = 5": [0.7, 0.4, 0.2, 0.1]}
    fig = plots.plot_costs(runs, tmp_path / "sweep.png")
    lines = fig.axes[0].lines
    assert [ln.get_label() for ln in lines] == list(runs)
    np.testing.assert_array_equal(lines[1].get_ydata(), runs["n_h = 5"])
    assert (tmp_path / "sweep.png").read_bytes()[:8] == PNG_MAGIC


def test_decision_boundary_draws_the_predicted_classes_and_the_points(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 40))
    Y = (X[0:1] > 0).astype(float)
    seen = []

    def predict(P):
        seen.append(P.shape)
        return (P[0:1] > 0).astype(float)  # the line x1 = 0

    fig = plots.plot_decision_boundary(predict, Tensor(X), Y, tmp_path / "flower.png", "x1 > 0")
    assert seen == [(2, 250 * 250)]
    ax = fig.axes[0]
    points = [c for c in ax.collections if c.get_offsets().shape == (40, 2)]
    assert len(points) == 1
    np.testing.assert_array_equal(points[0].get_offsets(), X.T)
    np.testing.assert_array_equal(points[0].get_array(), Y.ravel())
    assert ax.get_title() == "x1 > 0"
    assert (tmp_path / "flower.png").read_bytes()[:8] == PNG_MAGIC


def test_decision_boundary_refuses_data_that_is_not_2d():
    with pytest.raises(ValueError, match=r"shape \(3, 10\).*\(2, m\)"):
        plots.plot_decision_boundary(lambda P: P[:1] > 0, np.zeros((3, 10)), np.zeros((1, 10)))
    with pytest.raises(ValueError, match="one prediction per column"):
        plots.plot_decision_boundary(lambda P: np.zeros(3), np.zeros((2, 10)), np.zeros((1, 10)))


def test_mislabeled_shows_exactly_the_mistakes(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 64, 64, 3), dtype=np.uint8)
    Y = np.array([[1, 0, 1, 1, 0, 0]])
    P = np.array([[1, 1, 0, 1, 0, 1]])  # wrong at 1, 2, 5
    classes = np.array([b"non-cat", b"cat"])
    fig = plots.plot_mislabeled(images, None, Y, P, classes, tmp_path / "wrong.png")
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == [
        "Prediction: cat\nClass: non-cat",
        "Prediction: non-cat\nClass: cat",
        "Prediction: cat\nClass: non-cat",
    ]
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), images[2])
    assert (tmp_path / "wrong.png").read_bytes()[:8] == PNG_MAGIC
    assert len(plots.plot_mislabeled(images, None, Y, P, classes, max_images=2).axes) == 2
    assert len(plots.plot_mislabeled(images, None, Y, Y, classes).axes) == 0


def test_mislabeled_rebuilds_pictures_from_the_flattened_input():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(3, 8, 8, 3), dtype=np.uint8)
    X = images.reshape(3, -1).T / 255  # the course's (n_x, m) input
    fig = plots.plot_mislabeled(None, X, [[0, 0, 1]], [[1, 0, 1]], ["non-cat", "cat"])
    (ax,) = fig.axes
    np.testing.assert_allclose(ax.images[0].get_array(), images[0] / 255)
    with pytest.raises(ValueError, match="side \\* side \\* 3"):
        plots.plot_mislabeled(None, X[:-1], [[0, 0, 1]], [[1, 0, 1]], ["non-cat", "cat"])
