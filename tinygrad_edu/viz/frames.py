"""Backward's steps as frames: one per node the engine's walk reaches, with its rule and picture.

The one place that turns `walk(J)` into steps; the HTML pager (steps.backward_steps) and the
notebook's stepper (stepper.py) both show these frames. Nothing here computes a gradient: the
walk gives each node's, each node's op states its rule, and the picture is graph.build's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..tensor import Tensor, walk
from .backends import render_dot
from .graph import _HOT, Picture, build, summary
from .notation import Notation

_HOT_BOX = re.compile(
    r'<g id="(node\d+)" class="node">(?:(?!<g id="node).)*?stroke="'
    + re.escape(_HOT)
    + r'" stroke-width="3"',
    re.S,
)


@dataclass(frozen=True)
class Frame:
    """Backward step `step` of `last`: the node it reaches, the rules it applies, its picture.

    terms: the rules with their shapes, one per input that gets a gradient (the seed first at
    step 0). values: "dZ[2] = ..." for the node's own gradient, then each parameter gradient
    (dW[2], db[2]) this step completes, though the walk reaches that leaf later. svg: the
    picture, this node highlighted, every node reached so far showing its gradient, and each
    parameter its gradient from the step that completes it; hot: the SVG id of the highlighted
    box (to scroll it into view).
    """

    step: int
    last: int
    node: Tensor
    name: str
    terms: tuple[str, ...]
    values: tuple[str, ...]
    note: str
    dot: str
    svg: str
    hot: str

    @property
    def head(self) -> str:
        """The step's title, as the pager and stepper show it: backward step 2 of 4: Z."""
        return f"backward step {self.step} of {self.last}: {self.name}"

    @property
    def rule(self) -> str:
        """The rules of this step, one a line."""
        return "\n".join(self.terms)


def check_cost(J: Any, who: str) -> None:
    """Refuse, naming the caller `who`, what has no backward steps: J must be a cost."""
    if isinstance(J, Tensor) and not J.requires_grad:
        raise ValueError(
            f"{who}: J does not depend on any tensor with requires_grad=True, so backward "
            "has no steps; create the parameters with Tensor(..., requires_grad=True)"
        )
    if not isinstance(J, Tensor) or J.size != 1:
        what = f"shape {J.shape}" if isinstance(J, Tensor) else type(J).__name__
        raise ValueError(f"{who}: J must be a single number (a cost), not {what}")


def _value(label: str, g: Any) -> str:
    """ "dW[2] = [[0.1 0.2]]", rows past the first indented under it."""
    lines = summary(g)
    pad = " " * (len(label) + 3)
    return "\n".join([f"{label} = {lines[0]}", *(pad + s for s in lines[1:])])


def hot_id(svg: str) -> str:
    """The SVG id ("node7") of the highlighted box in a step's picture, "" if none."""
    found = _HOT_BOX.search(svg)
    return found.group(1) if found else ""


def frames(
    J: Tensor, opts: Picture | None = None, backend: str | None = None, who: str = "frames"
) -> list[Frame]:
    """One Frame per backward step of the cost J, in the walk's order (J first).

    opts says what the pictures show (Picture(legend=False) when not given; its `steps` is
    ignored: every box says at which step backward reaches it). The walk reads the recorded
    graph and stores nothing, so J may be fresh or already backpropagated; no .grad changes.
    """
    from .steps import local_rule  # steps shows these frames as pages: imported when called

    check_cost(J, who)
    opts = opts if opts is not None else Picture(legend=False)
    steps = list(walk(J))
    notation = Notation(J)
    labels, note = notation.labels, notation.note() or ""
    step_of = {id(node): k for k, (node, _) in enumerate(steps)}
    grad_of = {id(node): g for node, g in steps}
    # a parameter's gradient is complete once every node using it is walked: at its last user
    last_user = {id(p): k for k, (node, _) in enumerate(steps) for p in node.parents}

    out: list[Frame] = []
    known: dict[int, Any] = {}
    for k, (node, g) in enumerate(steps):
        known[id(node)] = g
        name = labels[id(node)]
        terms = local_rule(node, notation=notation).split(";   ")
        if k == 0:
            terms.insert(0, f"{notation.grad_label(name, node)} = 1 (the seed)")
        values = [_value(notation.grad_label(name, node), notation.grad_value(node, g))]
        for p in node.parents:  # dW[l], db[l]: complete here, though the walk reaches them later
            if p.is_leaf and id(p) in grad_of and last_user[id(p)] == k:
                known[id(p)] = grad_of[id(p)]
                d = notation.grad_label(labels[id(p)], p)
                values.append(_value(d, notation.grad_value(p, grad_of[id(p)])))
        head = f"backward step {k} of {len(steps) - 1}: {name}"
        caption = "\\l".join([head, *terms]) + "\\l"  # \l: a left-aligned line
        # the walk's gradients up to this step; build reads them now, before the next step's
        dot = build(J, opts, lambda n: known.get(id(n)), step_of, node, caption, notation)
        svg = render_dot(dot.source, "svg", backend).decode("utf-8")
        out.append(
            Frame(k, len(steps) - 1, node, name, tuple(terms), tuple(values), note,
                  dot.source, svg, hot_id(svg))
        )  # fmt: skip
    return out
