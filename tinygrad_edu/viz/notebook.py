"""In IPython and Jupyter, a Tensor shows as the SVG of its graph."""

from __future__ import annotations

import warnings

from ..tensor import Tensor
from .backends import svg

_warned = False


def _tensor_svg(t: Tensor) -> str | None:
    global _warned
    try:
        return svg(t)
    except ValueError:  # too big to draw (to_dot says why): IPython shows the text repr
        return None
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
