"""Backward, step by step: the engine's own walk, drawn one node at a time with the rule it applies.

Nothing here computes a gradient: `walk(J)` gives each node its gradient in the order backward
reaches it, and each node's op states its rule (`grad_fn.rules`) in the course's notation.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..outdir import claim
from ..tensor import Tensor, walk
from .frames import check_cost, frames
from .graph import Picture
from .notation import Notation

_SUMMED = "   (summed back: it was broadcast)"


def retain_grads(t: Tensor) -> Tensor:
    """Ask every node of t's graph to keep its gradient, so dZ[2], dA[1] ... show after backward."""
    if not isinstance(t, Tensor):
        raise TypeError(f"retain_grads: expected the cost J, a Tensor; got {type(t).__name__}")
    for node in t.topological_order() if t.requires_grad else ():
        node.retain_grad()
    return t


def backward_with_grads(t: Tensor, **backward_kwargs: Any) -> Tensor:
    """retain_grads(t), then t.backward(**backward_kwargs): every node's gradient stays in .grad."""
    retain_grads(t).backward(**backward_kwargs)
    return t


def local_rule(node: Tensor, root: Tensor | None = None, notation: Notation | None = None) -> str:
    """The rule backward applies at node, in course notation with its shapes, read from its op:
    one rule for each input that wants a gradient, joined by ";   ".

    root is the graph's output (the cost J; node itself when not given): it decides the names
    and the notation (the course's dZ, dW with its 1/m under the course's cost, else ∂J/∂Z).
    A prebuilt notation (Notation(J)) saves naming the graph again for each node.
    """
    if notation is None:
        if root is not None and not isinstance(root, Tensor):
            raise TypeError(
                f"local_rule: root must be the graph's output Tensor (the cost J), not "
                f"{type(root).__name__}; to reuse names, pass notation=Notation(J)"
            )
        notation = Notation(root if root is not None else node)
    labels = notation.labels
    if id(node) not in labels:
        raise ValueError(
            f"local_rule: the node is not in the graph of {labels[id(notation.root)]}; "
            "pass as root the output whose graph holds it"
        )
    name = labels[id(node)]
    fn = node.grad_fn
    if fn is None:
        d = notation.grad_label(name, node)
        return f"{d} is complete (every path from the cost has arrived); it goes to {name}.grad"
    terms = []
    for i, p in enumerate(node.parents):
        if not p.requires_grad:
            continue
        rule = notation.rule_with_shapes(node, i)
        if i in node.broadcast and "Σ" not in notation.template(node, i):
            rule += _SUMMED  # the walk sums it back (the op did not)
        terms.append(rule)
    return ";   ".join(terms)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>backward, step by step</title>
<style>
body{font-family:sans-serif;margin:1em;background:#fafafa}
#bar{position:sticky;top:0;background:#fafafa;padding:.4em 0;border-bottom:1px solid #ccc}
button{font-size:1em;padding:.2em .9em}
#rule{font-family:monospace;font-size:1.05em;margin:.5em 0;white-space:pre-wrap;color:#a0461a}
#note{font-size:.9em;color:#555}
#pic img{max-width:100%;border:1px solid #ddd;background:white}
</style></head><body>
<div id="bar"><button id="prev">&larr; Prev</button> <button id="next">Next &rarr;</button>
<span id="where"></span> <span style="color:#777">(left/right arrow keys too)</span>
<div id="rule"></div><div id="note"></div></div>
<div id="pic"><img id="img" alt="the graph at this step"></div>
<script>
const STEPS = __STEPS__;
document.getElementById("note").textContent = __NOTE__;
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

    Step k is the k-th node backward's walk reaches: it is highlighted with the rule it applies,
    and every node reached so far shows its (complete) gradient. The walk reads the recorded
    graph and stores nothing, so J may be fresh or already backpropagated; no .grad is changed.
    Returns the path of index.html (self-contained: no network needed to open it).

    out_dir must be new, empty, or one the tool wrote (outdir.claim): it is marked with
    .tinygrad_edu.json, which lists the pages written. A rerun replaces those pages and removes
    the ones a shorter walk no longer needs; any other file there is never touched. A directory
    holding files the tool did not write is refused (ValueError) before anything is drawn.
    """
    check_cost(J, "backward_steps")
    opts = Picture(values=values, collapse=collapse, rankdir=rankdir, legend=False)
    names = [f"step_{k:03d}.svg" for k in range(sum(1 for _ in walk(J)))]
    out = claim(out_dir, "backward_steps")
    out.check([*names, "index.html"])  # before drawing: none of them is the user's own file
    shown = frames(J, opts, backend, "backward_steps")
    for f in shown:
        out.write_bytes(names[f.step], f.svg.encode("utf-8"))
    pages = [{"file": names[f.step], "node": f.name, "rule": f.rule} for f in shown]
    note = shown[0].note if shown else ""
    steps_json = json.dumps(pages).replace("</", "<\\/")
    note_json = json.dumps(note).replace("</", "<\\/")
    page = _PAGE.replace("__STEPS__", steps_json).replace("__NOTE__", note_json)
    index = out.write_text("index.html", page)
    out.finish()  # a shorter walk leaves none of its earlier pages behind
    return index
