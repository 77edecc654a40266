"""Backward step by step inside a notebook: a widget with a slider and Prev / Next.

    import tinygrad_edu.viz as viz
    viz.stepper(J)                       # the last line of a cell shows it
    viz.stepper(J, collapse="layers", rankdir="TB")   # a deep net: one box per layer

It shows the same frames as the HTML pager (frames.py): at each step the node backward reaches,
highlighted and scrolled into view, the rule it applies with its shapes, and the gradients it
completes (dZ[l], and dW[l], db[l] at the step that computes them). The widget is an anywidget
(`pip install "tinygrad-edu[notebook]"`) whose small front end is below, inline: nothing is
fetched from a network. Its display also carries every step as plain HTML, no script needed,
which is what nbconvert's HTML, GitHub and a notebook opened without a kernel show. Without
anywidget, stepper() returns that static list alone.
"""

from __future__ import annotations

import functools
import html
from typing import Any

from ..tensor import Tensor
from .frames import Frame, frames
from .graph import Picture
from .notebook import fit_width

# The front end: anywidget's ESM module. model holds `frames` (a list of {head, rule, values,
# svg, hot}), `note` and `step`; the buttons and the slider set `step`, and every change of it
# redraws. The picture sits in a box of at most 70 % of the window's height, scrolled so that
# the highlighted node (SVG id `hot`) is in view, which matters for deep nets drawn top to bottom.
_ESM = """
function render({ model, el }) {
  el.classList.add("tge-stepper");
  el.tabIndex = 0;
  el.innerHTML = `
    <div class="tge-bar">
      <button class="tge-prev" title="previous step (left arrow)">&larr; Prev</button>
      <input class="tge-slider" type="range" min="0" step="1" aria-label="backward step">
      <button class="tge-next" title="next step (right arrow)">Next &rarr;</button>
      <span class="tge-head"></span>
    </div>
    <div class="tge-rule"></div>
    <div class="tge-values"></div>
    <div class="tge-note"></div>
    <div class="tge-pic"></div>`;
  const $ = (s) => el.querySelector(s);
  const prev = $(".tge-prev"), next = $(".tge-next");
  const slider = $(".tge-slider"), pic = $(".tge-pic");

  function go(k) {
    const n = model.get("frames").length;
    model.set("step", Math.max(0, Math.min(n - 1, k)));
    model.save_changes();
  }

  function centre() {
    const hot = pic.querySelector("g.tge-hot");
    if (!hot) return;
    const box = pic.getBoundingClientRect(), h = hot.getBoundingClientRect();
    pic.scrollTop += h.top - box.top - (box.height - h.height) / 2;
    pic.scrollLeft += h.left - box.left - (box.width - h.width) / 2;
  }

  function show() {
    const all = model.get("frames"), k = model.get("step"), f = all[k];
    if (!f) return;
    slider.max = String(all.length - 1);
    slider.value = String(k);
    $(".tge-head").textContent = f.head;
    $(".tge-rule").textContent = f.rule;
    $(".tge-values").textContent = f.values;
    $(".tge-note").textContent = model.get("note");
    pic.innerHTML = f.svg;
    const hot = f.hot && pic.querySelector('g[id="' + f.hot + '"]');
    if (hot) hot.classList.add("tge-hot");
    prev.disabled = k === 0;
    next.disabled = k === all.length - 1;
    requestAnimationFrame(centre);  // once laid out
  }

  prev.addEventListener("click", () => go(model.get("step") - 1));
  next.addEventListener("click", () => go(model.get("step") + 1));
  slider.addEventListener("input", () => go(Number(slider.value)));
  el.addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft") { go(model.get("step") - 1); e.preventDefault(); }
    if (e.key === "ArrowRight") { go(model.get("step") + 1); e.preventDefault(); }
  });
  model.on("change:step", show);
  model.on("change:frames", show);
  show();
  return () => {
    model.off("change:step", show);
    model.off("change:frames", show);
  };
}
export default { render };
"""

_CSS = """
.tge-stepper { font-family: sans-serif; outline: none; max-width: 100%; }
.tge-bar { display: flex; gap: .5em; align-items: center; flex-wrap: wrap; }
.tge-slider { flex: 0 1 16em; }
.tge-head { font-weight: bold; }
.tge-rule { font-family: monospace; white-space: pre-wrap; color: #a0461a; margin: .4em 0; }
.tge-values { font-family: monospace; white-space: pre-wrap; color: #1f4e79; }
.tge-note { font-size: .85em; color: #555; margin: .3em 0; }
.tge-pic { max-height: 70vh; overflow: auto; border: 1px solid #ddd; background: white; }
.tge-pic svg { display: block; }
"""

# The static fallback: every step, stacked, each a <details> whose summary is the step and its
# rule (GitHub keeps these tags and drops <style>: the inline styles are what it shows).
_STATIC_STYLE = "font-family:monospace;white-space:pre-wrap;margin:.2em 0"


def _frame_state(f: Frame) -> dict[str, Any]:
    """What the front end draws for one frame."""
    return {
        "step": f.step,
        "head": f.head,
        "rule": f.rule,
        "values": "\n".join(f.values),
        "svg": fit_width(f.svg),
        "hot": f.hot,
    }


_RUN_IT = "run the notebook for the stepper"


def static_html(states: list[dict[str, Any]], note: str = "", hint: str = _RUN_IT) -> str:
    """Every step as plain HTML (no script): what shows where the widget cannot run."""
    parts = [
        '<div class="tge-steps" style="max-width:100%">',
        f"<p><b>backward, step by step</b> ({len(states)} steps; {html.escape(hint)})</p>",
    ]
    if note:
        parts.append(f'<p style="font-size:.85em;color:#555">{html.escape(note)}</p>')
    for s in states:
        opened = " open" if s["step"] == 0 else ""
        parts.append(
            f'<details{opened} style="margin:.3em 0"><summary><b>{html.escape(s["head"])}</b>'
            f'<span style="display:block;{_STATIC_STYLE};color:#a0461a">'
            f"{html.escape(s['rule'])}</span></summary>"
            f'<div style="{_STATIC_STYLE};color:#1f4e79">{html.escape(s["values"])}</div>'
            f'<div style="max-width:100%;overflow:auto">{s["svg"]}</div></details>'
        )
    parts.append("</div>")
    return "\n".join(parts)


class StaticSteps:
    """The steps as plain HTML, for a notebook without anywidget: one <details> per step."""

    def __init__(self, states: list[dict[str, Any]], note: str) -> None:
        self.frames, self.note = states, note

    def __repr__(self) -> str:
        return f"<backward in {len(self.frames)} steps: {self.frames[0]['head']} ...>"

    def _repr_html_(self) -> str:
        return static_html(
            self.frames, self.note, 'pip install "tinygrad-edu[notebook]" for the stepper'
        )


@functools.cache
def _widget_class() -> type:
    """The anywidget class, defined on first use (anywidget is an optional dependency)."""
    import anywidget
    import traitlets

    class Stepper(anywidget.AnyWidget):  # type: ignore[misc]
        """Backward step by step: `step` (0 is the cost) over `frames`, with Prev/Next/slider."""

        _esm = _ESM
        _css = _CSS
        frames = traitlets.List(traitlets.Dict()).tag(sync=True)
        note = traitlets.Unicode("").tag(sync=True)
        step = traitlets.Int(0).tag(sync=True)

        @traitlets.validate("step")
        def _clamp(self, proposal: Any) -> int:
            """Steps past either end stop at the end."""
            return max(0, min(len(self.frames) - 1, int(proposal["value"])))

        def __repr__(self) -> str:
            head = self.frames[self.step]["head"] if self.frames else "no steps"
            return f"<Stepper: {len(self.frames)} steps of backward; at {head}>"

        def static_html(self) -> str:
            """Every step as plain HTML: the fallback in this widget's display bundle."""
            return static_html(self.frames, self.note)

        def _repr_mimebundle_(self, **kwargs: Any) -> Any:
            """The widget view, and the static steps as text/html for where it cannot run."""
            bundle = super()._repr_mimebundle_(**kwargs)
            data, meta = bundle if isinstance(bundle, tuple) else (bundle or {}, {})
            return {**data, "text/html": self.static_html()}, meta

    return Stepper


def stepper(
    J: Tensor, collapse: str | None = None, rankdir: str = "LR", backend: str | None = None
) -> Any:
    """A widget that walks backward through the cost J one step at a time (see the module doc).

    collapse="layers" draws one box per layer, rankdir="TB" top to bottom (for deep nets).
    Without anywidget installed it returns the steps as static HTML (StaticSteps).
    """
    shown = frames(J, Picture(collapse=collapse, rankdir=rankdir, legend=False), backend, "stepper")
    states = [_frame_state(f) for f in shown]
    note = shown[0].note
    try:
        cls = _widget_class()
    except ImportError:
        return StaticSteps(states, note)
    return cls(frames=states, note=note)
