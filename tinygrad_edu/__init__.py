"""tinygrad_edu: a small, exact reverse-mode autodiff engine for watching backpropagation happen."""

from .gradcheck import GradcheckResult, gradcheck
from .tensor import Tensor, detect_anomaly, no_grad

__all__ = ["Tensor", "no_grad", "detect_anomaly", "gradcheck", "GradcheckResult"]
__version__ = "0.1.0"
