"""tinygrad_edu: a small, exact reverse-mode autodiff engine for watching backpropagation happen."""

import sys

from .doctor import diagnose
from .gradcheck import GradcheckResult, compare, gradcheck
from .ops import BroadcastWarning
from .tensor import StaleGradWarning, Tensor, detect_anomaly, enable_grad, no_grad, walk

__all__ = [
    "Tensor", "no_grad", "enable_grad", "detect_anomaly", "walk",
    "gradcheck", "compare", "GradcheckResult", "diagnose", "BroadcastWarning",
    "StaleGradWarning",
]  # fmt: skip
__version__ = "0.1.0"

if "IPython" in sys.modules:  # in a notebook a Tensor shows as its graph, a Figure as a PNG
    from . import plots, viz

    viz.enable_notebook()
    plots.enable_notebook()
