"""viz in the course's notation: names from the graph's structure, gradients in the course's scale
(or labelled ∂J/∂ when there is no course cost), and each rule with its shapes."""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import dot_box, dot_titles

import tinygrad_edu.functional as F
import tinygrad_edu.viz as viz
from tinygrad_edu import Tensor, nn, ops

pytest.importorskip("graphviz")


def _row(src: str, title: str, prefix: str) -> np.ndarray:
    """The numbers of the row "prefix = [[...]]" in the box titled title (ᵀ: a column)."""
    box = dot_box(src, title)
    match = re.search(re.escape(prefix) + r" = ((?:[^|\\]|\\l\u00a0)*)", box)
    assert match, f"no row {prefix} in {box}"
    text = match.group(1).replace("\\l", " ").replace("\u00a0", " ")
    values = np.array([float(v) for v in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", text)])
    return values.reshape(-1, 1) if text.rstrip().endswith("ᵀ") else values


def _readme_example(w0=(0.0, 0.0), b0=0.0):
    """The README's week 2, from raw Tensors and numpy arrays: only w and b are named."""
    X = np.array([[1.0, 2.0, -1.0], [3.0, 0.5, -2.0]])
    Y = np.array([[1.0, 0.0, 1.0]])
    w = Tensor(np.array(w0).reshape(2, 1), requires_grad=True, name="w")
    b = Tensor(np.array([[b0]]), requires_grad=True, name="b")
    A = (w.T @ X + b).sigmoid()
    J = F.binary_cross_entropy(A, Y)
    return X, Y, w, b, A, J


# ---------------------------------------------------------------- names


def test_the_readme_example_reads_in_the_courses_names():
    *_, J = _readme_example()
    titles = dot_titles(viz.to_dot(J).source)
    assert sorted(titles) == sorted(["X", "w", "b", "wᵀ", "wᵀX", "Z", "A", "Y", "J"])
    assert not any(t.startswith(("matmul", "add", "sigmoid", "transpose", "data")) for t in titles)


def test_an_unnamed_deep_net_is_named_by_layer_as_nn_names_it():
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(3, 6)), (rng.random((1, 6)) > 0.5) * 1.0
    A = X
    for n_prev, n in ((3, 4), (4, 2), (2, 1)):
        W = Tensor(rng.normal(size=(n, n_prev)), requires_grad=True)
        b = Tensor(np.zeros((n, 1)), requires_grad=True)
        Z = F.linear(W, A, b)
        A = Z.sigmoid() if n == 1 else Z.tanh()
    J = F.binary_cross_entropy(A, Y)
    titles = dot_titles(viz.to_dot(J).source)
    layers = [f"{k}[{l}]" for l in (1, 2, 3) for k in ("W", "b", "Z")]
    assert sorted(titles) == sorted(layers + ["A[1]", "A[2]", "AL", "X", "Y", "J"])
    # the same net as nn draws it gets the same names
    model = nn.DeepNN([3, 4, 2, 1], "tanh", "sigmoid", seed=0)
    assert sorted(dot_titles(viz.to_dot(nn.cost(model(X), Y)).source)) == sorted(titles)


def test_the_fused_cost_numbers_its_logits_as_the_last_layer():
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(2, 5)), np.array([[1.0, 0, 1, 1, 0]])
    W1 = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    W2 = Tensor(rng.normal(size=(1, 3)), requires_grad=True)
    J = F.binary_cross_entropy_with_logits(W2 @ (W1 @ X).relu(), Y)
    titles = set(dot_titles(viz.to_dot(J).source))
    assert {"Z[1]", "A[1]", "Z[2]", "W[1]", "W[2]", "X", "Y", "J"} == titles


def test_user_names_win_and_a_name_is_never_shared():
    rng = np.random.default_rng(5)
    W = Tensor(rng.normal(size=(1, 2)), requires_grad=True, name="W")
    logits = (W @ rng.normal(size=(2, 4))).named("Z")  # the user's Z: not the add's
    A = (logits + 0.5).sigmoid()
    titles = dot_titles(viz.to_dot(A.sum()).source)
    assert titles.count("Z") == 1 and "A" in titles
    assert "Z + 0.5" in titles  # the activation's input, unnamed: its formula, not a second Z


def test_data_is_never_titled_A():
    rng = np.random.default_rng(6)
    W = Tensor(rng.normal(size=(2, 3)), requires_grad=True, name="W")
    raw = rng.normal(size=(3, 4))  # matmul calls its second input A
    mask = rng.random((2, 4))  # Mul calls its inputs A and B
    J = ((W @ raw) * mask).sum()
    src = viz.to_dot(J).source
    titles = dot_titles(src)
    assert "A" not in titles and "B" not in titles
    assert "X" in titles and "data" in titles  # into the first product: X; other data: data
    assert "data · (3, 4)" in dot_box(src, "X") and "data · (2, 4)" in dot_box(src, "data")
    A = Tensor(rng.random((1, 4)), requires_grad=True).sigmoid()
    J2 = F.binary_cross_entropy(A, np.array([[0.0, 1.0, 1.0, 0.0]]))  # labels as a plain array
    assert "Y" in dot_titles(viz.to_dot(J2).source)


# ---------------------------------------------------------------- gradients, in the course's scale


def test_course_scale_values_dZ_is_A_minus_Y_and_dw_keeps_the_1_over_m():
    X, Y, w, b, A, J = _readme_example(w0=(0.3, -0.7), b0=0.2)
    viz.backward_with_grads(J)
    src = viz.to_dot(J).source
    m = X.shape[1]
    dZ = A.data - Y
    np.testing.assert_allclose(_row(src, "Z", "dZ"), dZ.ravel(), rtol=1e-3)
    np.testing.assert_allclose(_row(src, "w", "dw"), X @ dZ.T / m, rtol=1e-3)
    np.testing.assert_allclose(_row(src, "b", "db"), [dZ.sum() / m], rtol=1e-3)
    # dA is the course's per-example da = -y/a + (1-y)/(1-a), m times the engine's ∂J/∂A
    dA = -Y / A.data + (1 - Y) / (1 - A.data)
    np.testing.assert_allclose(_row(src, "A", "dA"), dA.ravel(), rtol=1e-3)
    np.testing.assert_allclose(A.grad, dA / m)  # the engine's own value is left as it was
    assert "gradients as the course writes them (m = 3)" in src


def test_a_graph_without_the_course_cost_labels_the_engines_gradients():
    a = Tensor([1.0, 2.0], requires_grad=True, name="a")
    J = (a * a).sum()
    viz.backward_with_grads(J)
    src = viz.to_dot(J).source
    assert sorted(dot_titles(src)) == ["J", "a", "a ⊙ a"]
    assert "∂J/∂a = [2 4]" in dot_box(src, "a")
    assert "∂J/∂(a ⊙ a) = [1 1]" in dot_box(src, "a ⊙ a")
    assert "∂J/∂J = 1" in dot_box(src, "J")
    assert not re.search(r"\|d\S* = ", src) and "per example" not in src
    rule = viz.local_rule(J.parents[0], J)
    assert rule.split(";   ") == ["∂J/∂a = ∂J/∂(a ⊙ a) ⊙ a : all (2)"] * 2  # a twice: two shares


def test_a_mean_cost_that_is_not_the_courses_keeps_its_1_over_m_and_says_nothing_else():
    X = np.array([[1.0, 2.0, 3.0, 4.0]])
    w = Tensor(np.array([[0.5]]), requires_grad=True, name="w")
    J = (w @ X).mean()
    viz.backward_with_grads(J)
    src = viz.to_dot(J).source
    np.testing.assert_allclose(_row(src, "wX", "∂J/∂wX"), [0.25] * 4)  # the engine's, 1/m
    np.testing.assert_allclose(_row(src, "w", "∂J/∂w"), [X.mean()])


# ---------------------------------------------------------------- rules with shapes


def test_a_linear_rule_in_a_deep_net_states_its_shapes():
    rng = np.random.default_rng(7)
    X, Y = rng.normal(size=(3, 400)), (rng.random((1, 400)) > 0.5) * 1.0
    model = nn.DeepNN([3, 4, 1], "tanh", "sigmoid", seed=1)
    J = nn.cost(model(X), Y)
    Z2 = J.parents[0].parents[0]
    assert Z2.name == "Z[2]"
    assert viz.local_rule(Z2, J).split(";   ") == [
        "dW[2] = (1/m) dZ[2] · A[1]ᵀ : (1, 4) = (1, 400) · (400, 4)",
        "dA[1] = W[2]ᵀ · dZ[2] : (4, 400) = (4, 1) · (1, 400)",
        "db[2] = (1/m) Σ dZ[2] over the m columns (axis 1) : (1, 1) = Σ (1, 400)",
    ]
    A1 = Z2.parents[1]
    assert viz.local_rule(A1, J) == "dZ[1] = dA[1] ⊙ (1 − A[1]²) : all (4, 400)"
    # the fused cost: the op's course rule, with the same shapes
    J2 = model.cost(X, Y)
    course = ops.BinaryCrossEntropyWithLogits.course_rules[0].format(dZ="dZ[2]", Z="Z[2]", Y="Y")
    assert viz.local_rule(J2, J2) == course + " : all (1, 400)"


def test_a_broadcast_add_states_the_sum_and_the_shapes():
    W = Tensor(np.ones((2, 3)), requires_grad=True, name="W")
    b = Tensor(np.zeros((2, 1)), requires_grad=True, name="b")
    Z = (W @ np.ones((3, 5)) + b).named("Z")
    rule = viz.local_rule(Z, Z.sum())
    assert rule.split(";   ") == [
        "∂J/∂WX = ∂J/∂Z : all (2, 5)",
        "∂J/∂b = ∂J/∂Z : (2, 1) = (2, 5)   (summed back: it was broadcast)",
    ]


def test_local_rule_says_what_root_is():
    a = Tensor([1.0], requires_grad=True, name="a")
    with pytest.raises(TypeError, match="root must be the graph's output Tensor"):
        viz.local_rule(a * 2, {})
    with pytest.raises(ValueError, match="not in the graph of J"):
        viz.local_rule(a * 3, (a * 2).sum())


def test_a_quantity_made_from_parameters_alone_is_not_per_example():
    """wᵀ comes from w alone: its gradient is dw transposed, not m times it; wᵀX is per example."""
    X = np.array([[1.0, 2.0, -1.0], [3.0, 0.5, -2.0]])
    w = Tensor(np.array([[0.2], [-0.1]]), requires_grad=True, name="w")
    b = Tensor(np.zeros((1, 1)), requires_grad=True, name="b")
    J = F.binary_cross_entropy((w.T @ X + b).sigmoid(), np.array([[1.0, 0.0, 1.0]]))
    viz.backward_with_grads(J)
    wT = J.parents[0].parents[0].parents[0].parents[0]
    notation = viz.Notation(J)
    assert notation.labels[id(wT)] == "wᵀ" and not notation.per_example(wT)
    np.testing.assert_array_equal(notation.grad_value(wT, wT.grad), w.grad.T)
    product = J.parents[0].parents[0].parents[0]
    assert notation.per_example(product)
    np.testing.assert_allclose(notation.grad_value(product, product.grad), product.grad * 3)
    assert notation.rule(product, 0) == "dwᵀ = (1/m) d(wᵀX) · Xᵀ"
