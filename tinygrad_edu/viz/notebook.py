"""In IPython and Jupyter, a Tensor made by an op shows as the SVG of its graph, sized to fit.

A leaf (data, a parameter) shows as text, its values; so does a graph too big to draw. The picture
has no legend (its caption keeps the line saying what the gradients are) and scales down to the
output area's width; past INLINE_WIDTH it shows one box per layer, then top to bottom.
`viz.enable_notebook(False)` turns the pictures off (every Tensor shows as text), and
`viz.enable_notebook()` on again; importing tinygrad_edu inside IPython turns them on.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from ..tensor import Tensor
from .backends import svg
from .graph import Picture

INLINE_WIDTH = 1200.0  # points: wider than this, try one box per layer
AREA_WIDTH = 880.0  # points: Jupyter's output area is about 1178 px wide
_LAYOUTS = (  # tried in turn: the full graph, one box per layer, per layer top to bottom
    Picture(legend=False),
    Picture(legend=False, collapse="layers"),
    Picture(legend=False, collapse="layers", rankdir="TB"),
)
_WIDTH = re.compile(r'<svg width="([\d.]+)pt"')
_SIZE = re.compile(r'<svg width="[\d.]+pt" height="[\d.]+pt"')
_warned = False


def fit_width(image: str) -> str:
    """The <svg> element of a Graphviz SVG (no XML prolog), no wider than its output area.

    Wider than AREA_WIDTH it takes width="100%" and no height, so it scales to the area's width
    even where a page shows it as an <img> (nbconvert, JupyterLab); narrower, it keeps its size
    and, shown inline, is scaled down only by CSS (max-width) in a narrower area.
    """
    start = image.find("<svg")
    body = image[start:] if start >= 0 else image
    if svg_width(body) > AREA_WIDTH:
        body = _SIZE.sub("<svg", body, count=1).replace("<svg", '<svg width="100%"', 1)
    return body.replace("<svg", '<svg style="max-width:100%;height:auto"', 1)


def svg_width(image: str) -> float:
    """The width of a Graphviz SVG, in points (0 if it does not say)."""
    found = _WIDTH.search(image)
    return float(found.group(1)) if found else 0.0


def inline_svg(t: Tensor) -> str:
    """t's picture for a notebook: no legend, the first layout (full, per layer, per layer top to
    bottom) no wider than INLINE_WIDTH, else the narrowest; scaled to the output area."""
    best = ""
    for layout in _LAYOUTS:
        image = svg(t, options=layout)
        if not best or svg_width(image) < svg_width(best):
            best = image
        if svg_width(image) <= INLINE_WIDTH:
            break
    return fit_width(best)


def _tensor_svg(t: Tensor) -> str | None:
    """The formatter: t's inline picture, or None (IPython then shows the text repr)."""
    global _warned
    if t.grad_fn is None:  # a leaf is one box: its values, as text, say more
        return None
    try:
        return inline_svg(t)
    except ValueError:  # too big to draw (to_dot says why): IPython shows the text repr
        return None
    except RuntimeError as e:  # no renderer: fall back to the text repr, and say why once
        if not _warned:
            _warned = True
            warnings.warn(f"tinygrad_edu.viz: cannot draw tensors: {e}", stacklevel=2)
        return None


def _svg_formatter() -> Any:
    """IPython's image/svg+xml formatter, or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None:
        return None
    return shell.display_formatter.formatters["image/svg+xml"]


def enable_notebook(on: bool = True) -> bool:
    """In IPython/Jupyter show Tensors made by ops as their graph (on=False: as text, always).

    Returns True when IPython's formatters were changed, False outside IPython.
    """
    formatter = _svg_formatter()
    if formatter is None:
        return False
    if on:
        formatter.for_type(Tensor, _tensor_svg)
    else:
        formatter.pop(Tensor, None)
    return True
