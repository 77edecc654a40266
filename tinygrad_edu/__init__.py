"""tinygrad_edu: a small, exact reverse-mode autodiff engine for watching backpropagation happen."""

import sys

from .gradcheck import GradcheckResult, gradcheck
from .tensor import Tensor, detect_anomaly, no_grad

__all__ = ["Tensor", "no_grad", "detect_anomaly", "gradcheck", "GradcheckResult"]
__version__ = "0.1.0"

if "IPython" in sys.modules:  # in a notebook a Tensor shows as its graph (viz registers it)
    from . import viz

    viz.enable_notebook()
