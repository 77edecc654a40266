"""A tensor's graph as DOT text: a box per tensor, an oval per op, in the course's names.

Everything drawn is read from the graph: each node's public fields (`name`, `data`, `grad`,
`parents`, `broadcast`) and its op's own description (`grad_fn.symbol`, `.args`, `.formula`).
Names come from names.py, and how each gradient is labelled and scaled from notation.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import graphviz
import numpy as np

from .. import ops
from ..tensor import Tensor, changed_since_read
from .names import labels_of
from .notation import Notation
from .notation import shape_text as _shape_text

_LAYER_NUMBER = re.compile(r"\[(\d+)\]")  # the layer number in a course name: W[2], A[1]
SMALL = 12  # arrays with at most this many elements are printed in full
MAX_BOXES = 300  # past this a picture is unreadable, and Graphviz's layout slow or out of stack

# fill colours: what a node is
_PARAM, _DATA, _INTER, _OUT = "#d8f0d2", "#dde7f5", "#fff6d5", "#fbd9d3"
_OP, _LAYER = "#eeeeee", "#f1e4f7"
_SUM_INK, _HOT = "#c05800", "#d62728"

GradOf = Callable[[Tensor], Any]


@dataclass(frozen=True)
class Picture:
    """What a picture shows.

    values / grads: each tensor's value and, where .grad is set, its gradient (call
    `backward_with_grads(J)` instead of `J.backward()` to keep the intermediates' dZ, dA too).
    steps: number each node with the step at which backward reaches it (0 is the output).
    collapse="layers": one box per layer (a linear node, its activation, W and b), for big nets.
    rankdir: "LR" left to right, "TB" top to bottom (for deep nets), or "RL", "BT".
    legend: a small key to the colours.
    """

    values: bool = True
    grads: bool = True
    steps: bool = False
    collapse: str | None = None
    rankdir: str = "LR"
    legend: bool = True

    def __post_init__(self) -> None:
        if self.collapse not in (None, "layers"):
            raise ValueError(f'to_dot: collapse must be None or "layers", not {self.collapse!r}')
        if self.rankdir not in ("LR", "RL", "TB", "BT"):
            raise ValueError(
                f'to_dot: rankdir must be one of "LR", "RL", "TB", "BT", not {self.rankdir!r}'
            )


# ---------------------------------------------------------------- names and values


def shape_text(t: Tensor) -> str:
    """t's shape as the pictures print it: (1, 400)."""
    return _shape_text(t.shape)


def summary(a: Any) -> list[str]:
    """Small arrays in full (4 significant digits), one line per row; big ones as min/mean/max."""
    a = np.asarray(a.data if isinstance(a, Tensor) else a)
    if a.size == 0:
        return ["(empty)"]
    if a.size <= SMALL:
        if a.ndim == 0:
            return [f"{a.item():.4g}"]
        if a.ndim == 2 and a.shape[1] == 1 and a.shape[0] > 1:
            return [summary(a.ravel())[0] + "ᵀ"]  # a column, written as a transposed row
        text = np.array2string(
            a, separator=" ", formatter={"float_kind": lambda v: f"{v:.4g}"}, max_line_width=200
        )
        return [line.strip() for line in text.splitlines()]
    with np.errstate(all="ignore"):
        lo, mean, hi = np.min(a), np.mean(a), np.max(a)
    return [f"min {lo:.4g}, mean {mean:.4g}, max {hi:.4g}"]


def formula(node: Tensor, labels: dict[int, str]) -> str:
    """The forward formula of node's op with the graph's names: "Z[1] = W[1] X + b[1]"."""
    fn = node.grad_fn
    assert fn is not None, "a leaf has no formula"
    ins = [labels[id(p)] for p in node.parents]
    return fn.describe(fn.formula, labels[id(node)], ins, str)


def _grad_of(t: Tensor) -> Any:
    """t's stored gradient: asked only of tensors backward keeps one for (leaves, retain_grad)."""
    g = t.grad if t.retains_grad else None
    return g.data if isinstance(g, Tensor) else g


def _no_grad(t: Tensor) -> Any:
    return None


def _broadcast_note(child: Tensor, i: int, notation: Notation) -> str:
    """The edge label for a broadcast input: the sum backward does there."""
    parent, labels = child.parents[i], notation.labels
    axes = ops.summed_axes(child.broadcast[i], child.shape)
    dp, dc = notation.d(labels[id(parent)]), notation.d(labels[id(child)])
    if child.ndim == 2 and axes == (1,):
        where = "the m columns"
    elif len(axes) == child.ndim:
        where = "all axes"
    else:
        where = "axis " + ", ".join(map(str, axes))
    return f"Σ over {where}: {dp} = {notation.factor(child, parent)}Σ {dc}"


# ---------------------------------------------------------------- DOT


def _esc(text: str) -> str:
    """Escape what a record label treats as structure: braces, bars, angle brackets, backslash."""
    return re.sub(r"([\\{}|<>])", r"\\\1", text)


def _lines(prefix: str, lines: list[str]) -> str:
    """One record field: prefix before the first line, the rest indented under it, left-aligned."""
    pad = "\u00a0" * len(prefix)  # records collapse runs of plain spaces
    return "".join(_esc((prefix if k == 0 else pad) + s) + "\\l" for k, s in enumerate(lines))


def _box(
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


def to_dot(t: Tensor, options: Picture | None = None, **kwargs: Any) -> graphviz.Digraph:
    """t's graph as DOT: a box per tensor (name, op, shape, value, dname), an oval per op.

    Pass a Picture, or its fields as keywords (values, grads, steps, collapse, rankdir, legend).
    Edges where backward sums a broadcast gradient back (db = Σ dZ over the m columns) are dashed.
    """
    if not isinstance(t, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(t).__name__}")
    unknown = sorted(set(kwargs) - set(Picture.__dataclass_fields__))
    if unknown:
        raise TypeError(
            f"to_dot: no option {unknown[0]!r}; a picture's options are "
            f"{', '.join(Picture.__dataclass_fields__)}"
        )
    opts = Picture(**{**(options or Picture()).__dict__, **kwargs})
    step_of = step_numbers(t) if opts.steps else {}
    return build(t, opts, _grad_of if opts.grads else _no_grad, step_of)


def step_numbers(t: Tensor) -> dict[int, int]:
    """id(node) -> the step at which backward's walk reaches it (0 for t itself)."""
    if not t.requires_grad:
        return {}
    return {id(n): k for k, n in enumerate(reversed(t.topological_order()))}


def _boxes(nodes: list[Tensor], group: dict[int, _Layer]) -> int:
    """How many boxes a picture draws: one per tensor, or per layer for the grouped ones."""
    return sum(id(n) not in group for n in nodes) + len({id(v) for v in group.values()})


def _refuse_too_big(nodes: list[Tensor], group: dict[int, _Layer], opts: Picture) -> None:
    """One clear line, before any layout, for a graph too big to draw."""
    boxes = _boxes(nodes, group)
    if boxes <= MAX_BOXES:
        return
    hint = "draw it on fewer examples or fewer layers"
    if opts.collapse is None:
        layered = _boxes(nodes, _layers(nodes))
        if layered <= MAX_BOXES:
            hint = f"draw one box per layer with collapse='layers' ({layered} boxes), or " + hint
    raise ValueError(
        f"to_dot: this graph has {boxes} boxes ({len(nodes)} tensors); a picture of more than "
        f"{MAX_BOXES} is unreadable and slow to lay out: {hint}"
    )


@dataclass
class _Layer:
    """A linear node with its activation, W and b: one box in collapse="layers"."""

    key: str
    number: str
    Z: Tensor
    A: Tensor | None
    members: list[Tensor] = field(default_factory=list)


@dataclass(frozen=True)
class _Shown:
    """What each box of one picture shows: names and gradient labels (notation), values or not,
    each node's gradient as the picture writes it, its backward step, what changed since read."""

    notation: Notation
    values: bool
    grad: GradOf
    step_of: dict[int, int]
    changed: dict[int, int]


def build(
    root: Tensor,
    opts: Picture,
    grad_of: GradOf,
    step_of: dict[int, int],
    hot: Tensor | None = None,
    caption: str | None = None,
    notation: Notation | None = None,
) -> graphviz.Digraph:
    """The DOT graph of root: grad_of gives a node's gradient ∂J/∂node (or None), step_of its
    step number; hot is highlighted (the step-through's current node), caption goes on top
    (lines ending in \\l), with the notation's note on what the gradients shown are."""
    nodes = root.topological_order(everything=True)
    notation = notation if notation is not None else Notation(root, labels_of(nodes))
    labels = notation.labels

    def shown(n: Tensor) -> Any:  # the gradient in the picture's notation (dZ = m ∂J/∂Z ...)
        return notation.grad_value(n, grad_of(n))

    ids = {id(n): f"t{k}" for k, n in enumerate(nodes)}
    group = _layers(nodes) if opts.collapse == "layers" else {}
    _refuse_too_big(nodes, group, opts)
    flip = opts.rankdir in ("TB", "BT")  # record fields run across the rank direction

    g = graphviz.Digraph("tinygrad_edu")
    g.attr(rankdir=opts.rankdir, fontname="Helvetica", fontsize="11", nodesep="0.25")
    g.attr(ranksep="0.35")
    g.attr("node", fontname="Helvetica", fontsize="10")
    g.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.7")
    shows_grads = opts.grads and any(grad_of(n) is not None for n in nodes)
    note = notation.note() if shows_grads else None
    changed = changed_since_read(nodes) if opts.values else {}
    label = (caption or "") + (note + "\\l" if note else "") + _changed_note(nodes, changed, labels)
    content = _Shown(notation, opts.values, shown, step_of, changed)
    if label:
        g.attr(label=label, labelloc="t", labeljust="l", fontsize="13")

    def is_hot(members: list[Tensor]) -> bool:
        return hot is not None and any(hot is m for m in members)

    layers = list({id(v): v for v in group.values()}.values())
    for layer in layers:
        fields = _layer_fields(layer, content)
        _box(g, layer.key, fields, _LAYER, is_hot(layer.members), flip)

    def rep(n: Tensor) -> str:
        layer = group.get(id(n))
        return layer.key if layer else ids[id(n)]

    edges: set[tuple[str, str]] = set()
    for n in nodes:
        if id(n) in group:
            continue
        fields = _tensor_fields(n, content)
        _box(g, ids[id(n)], fields, _fill(n, root), hot is n, flip)
        if n.grad_fn is None:
            continue
        op_id = "op" + ids[id(n)][1:]
        hot_here = hot is n
        g.node(
            op_id, n.grad_fn.symbol, shape="ellipse", style="filled",
            fillcolor=_HOT if hot_here else _OP, fontcolor="white" if hot_here else "black",
            width="0.3", height="0.3", margin="0.04", tooltip=formula(n, labels),
        )  # fmt: skip
        g.edge(op_id, ids[id(n)], color=_HOT if hot_here else "black")
        _input_edges(g, n, op_id, rep, notation, edges, hot_here)

    for layer in layers:
        _input_edges(g, layer.Z, layer.key, rep, notation, edges, is_hot(layer.members))

    if opts.legend:
        _legend(g, flip)
    return g


def _input_edges(
    g: graphviz.Digraph,
    n: Tensor,
    target: str,
    rep: Callable[[Tensor], str],
    notation: Notation,
    edges: set[tuple[str, str]],
    hot: bool,
) -> None:
    """An edge from each of n's inputs to target, named by the op's argument where order matters,
    dashed where backward sums a broadcast gradient back."""
    fn = n.grad_fn
    assert fn is not None
    for i, p in enumerate(n.parents):
        src = rep(p)
        if src == target or (src, target) in edges:
            continue
        edges.add((src, target))
        attrs: dict[str, str] = {}
        if len(n.parents) > 1 and not fn.commutative and fn.args[i] != notation.labels[id(p)]:
            attrs["label"] = fn.args[i]  # which input it is, where order matters
        if i in n.broadcast and p.requires_grad:
            note = _broadcast_note(n, i, notation)
            attrs.update(style="dashed", color=_SUM_INK, fontcolor=_SUM_INK, penwidth="1.6")
            attrs["label"] = "\\n".join(x for x in (attrs.get("label"), note) if x)
        if hot and p.requires_grad:
            attrs.update(color=_HOT, penwidth="2.4")
        g.edge(src, target, **attrs)


def _changed_note(nodes: list[Tensor], changed: dict[int, int], labels: dict[int, str]) -> str:
    """The caption's line for tensors changed in place after the graph read them, or ""."""
    names = sorted((labels[id(n)] for n in nodes if id(n) in changed), key=_course_order)
    if not names:
        return ""
    were, them = ("was", "it") if len(names) == 1 else ("were", "them")
    return _lines("", [
        f"{', '.join(names)} {were} changed in place after this graph read {them} (an optimizer's "
        "step after backward?):",
        f"their boxes say so and show them now; every value computed from {them} is from before",
    ])  # fmt: skip


def _course_order(name: str) -> tuple[int, bool, str]:
    """W[1], b[1], W[2], b[2], ...; w before b: the order the course lists parameters in."""
    layer = _LAYER_NUMBER.search(name)
    return (int(layer.group(1)) if layer else 0, name[:1] not in "Ww", name)


def _changed(t: Tensor, changed: dict[int, int]) -> str:
    return f"changed in place since read (version {changed[id(t)]} → {t.version})"


def _tensor_fields(n: Tensor, shown: _Shown) -> list[str]:
    notation, changed, step_of = shown.notation, shown.changed, shown.step_of
    name = notation.labels[id(n)]
    leaf_kind = "data" if n.size > 1 or n.name else "constant"
    kind = n.op or ("parameter" if n.requires_grad else leaf_kind)
    rows = [_esc(name), _lines("", [f"{kind} · {shape_text(n)} · {n.dtype}"])]
    if shown.values:
        rows.append(_lines(f"{name} = ", summary(n.data)))
        if id(n) in changed:
            rows.append(_lines("", [_changed(n, changed)]))
    grad = shown.grad(n)
    if grad is not None:
        rows.append(_lines(f"{notation.grad_label(name, n)} = ", summary(grad)))
    if id(n) in step_of:
        rows.append(_lines("", [f"backward step {step_of[id(n)]}"]))
    return rows


# ---------------------------------------------------------------- layers


def _layers(nodes: list[Tensor]) -> dict[int, _Layer]:
    """Group each linear node with its activation and its W and b (when they are leaves)."""
    consumers: dict[int, list[Tensor]] = {}
    for n in nodes:
        for p in n.parents:
            consumers.setdefault(id(p), []).append(n)
    group: dict[int, _Layer] = {}
    ordinal = 0
    for Z in nodes:
        if not isinstance(Z.grad_fn, ops.Linear):
            continue
        ordinal += 1
        uses = consumers.get(id(Z), [])
        acts = [c for c in uses if c.grad_fn is not None and c.grad_fn.activation]
        A = acts[0] if len(acts) == 1 and len(uses) == 1 else None
        match = _LAYER_NUMBER.search(Z.name or (A.name if A is not None and A.name else ""))
        number = match.group(1) if match else str(ordinal)
        members = [Z] + ([A] if A is not None else [])
        W, _, b = Z.parents
        members += [p for p in (W, b) if p.is_leaf and len(consumers.get(id(p), [])) == 1]
        layer = _Layer(f"layer{number}_{ordinal}", number, Z, A, members)
        for m in members:
            group[id(m)] = layer
    return group


def _layer_fields(layer: _Layer, shown: _Shown) -> list[str]:
    notation, changed, step_of = shown.notation, shown.changed, shown.step_of
    Z, A, labels = layer.Z, layer.A, notation.labels
    W, _, b = Z.parents
    nz, nw, nb = (labels[id(x)] for x in (Z, W, b))
    rows = [_esc(f"layer {layer.number}")]
    formulas = [formula(Z, labels)] + ([formula(A, labels)] if A is not None else [])
    shapes = f"{nw} {shape_text(W)} · {nb} {shape_text(b)} · {nz} {shape_text(Z)} · {Z.dtype}"
    rows += [_lines("", formulas), _lines("", [shapes])]
    out = A if A is not None else Z
    if shown.values:
        rows.append(_lines(f"{labels[id(out)]} = ", summary(out.data)))
        marks: dict[str, list[str]] = {}  # one row per change: "W[1], b[1]: changed ..."
        for m in layer.members:
            if id(m) in changed:
                marks.setdefault(_changed(m, changed), []).append(labels[id(m)])
        for mark, names in marks.items():
            rows.append(_lines(f"{', '.join(sorted(names, key=_course_order))}: ", [mark]))
    for x in (W, b, Z):
        grad = shown.grad(x)
        if grad is not None:
            rows.append(_lines(f"{notation.grad_label(labels[id(x)], x)} = ", summary(grad)))
    reached = sorted(step_of[id(m)] for m in layer.members if id(m) in step_of)
    if reached:
        rows.append(_lines("", [f"backward steps {reached[0]}–{reached[-1]}"]))
    return rows


def _legend(g: graphviz.Digraph, flip: bool) -> None:
    """The colours' key: one line of small swatches across the picture (one rank when the graph
    runs top to bottom, a chain of invisible edges when it runs left to right)."""
    keys = [("parameter", _PARAM), ("data / constant", _DATA), ("intermediate", _INTER),
            ("output", _OUT), ("op", _OP)]  # fmt: skip
    with g.subgraph(name="legend") as c:
        if flip:
            c.attr(rank="same")
        c.attr("node", shape="box", style="filled", fontsize="8", height="0.2", margin="0.04")
        for k, (text, colour) in enumerate(keys):
            shape = "ellipse" if text == "op" else "box"
            c.node(f"legend_{k}", text, fillcolor=colour, shape=shape)
            if k and not flip:
                c.edge(f"legend_{k - 1}", f"legend_{k}", style="invis")
