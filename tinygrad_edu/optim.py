"""Optimizers: the course's update rules, applied to each parameter from its .grad.

A step computes every parameter's new array first, then assigns them all to W.data (it does
not write into the old arrays): an error or Ctrl-C while it computes leaves every parameter as
it was, and a value taken earlier, e.g. `W0 = W.data`, keeps the old parameters. Parameters
whose .grad is None (nothing reached them in backward) are skipped. Hyperparameters are plain
Python floats, so a float32 model stays float32.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .arguments import number
from .tensor import Tensor


class Optimizer:
    """Holds the parameters and the learning rate alpha; zero_grad() forgets every .grad."""

    def __init__(self, params: Iterable[Tensor], lr: float):
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: pass a list of parameters, e.g. [w, b], not one Tensor")
        if callable(getattr(params, "parameters", None)):
            raise TypeError(f"{name}: pass model.parameters(), not the model itself")
        try:
            self.params: list[Tensor] = list(params)
        except TypeError:
            raise TypeError(
                f"{name}: params must be a list of Tensors, got {type(params).__name__}"
            ) from None
        if not self.params:
            raise ValueError(f"{name}: got no parameters; pass model.parameters()")
        for p in self.params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameters must be Tensors, got {type(p).__name__}")
            label = p.name or f"a parameter of shape {p.shape}"
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: {label} is not a leaf (it was made by '{p.op}'); an optimizer "
                    "updates the tensors you created with requires_grad=True"
                )
            if not p.requires_grad:
                raise ValueError(f"{name}: {label} does not require grad, so it never gets one")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError(f"{name}: a parameter is listed twice; it would be updated twice")
        self.lr = number(name, "lr (the learning rate)", lr, "> 0")

    def zero_grad(self) -> None:
        """W.grad = None for every parameter: backward accumulates, each step needs a fresh dW."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Assign every parameter its new value, all computed before any is changed."""
        new = [
            (p, self.update(i, _grad(p))) for i, p in enumerate(self.params) if p.grad is not None
        ]
        for p, value in new:
            p.data = value

    def update(self, i: int, dW: np.ndarray) -> np.ndarray:
        """The new value of parameter i, from its gradient dW."""
        raise NotImplementedError


def _grad(p: Tensor) -> np.ndarray:
    g = p.grad
    return g.data if isinstance(g, Tensor) else g  # a Tensor after backward(create_graph=True)


class GradientDescent(Optimizer):
    """W = W - alpha dW   (the course's `W = W - learning_rate * dW`, the very same expression)."""

    def update(self, i: int, dW: np.ndarray) -> np.ndarray:
        return self.params[i].data - self.lr * dW


class Momentum(Optimizer):
    """v = beta v + (1 - beta) dW;  W = W - alpha v   (v starts at 0)."""

    def __init__(self, params: Iterable[Tensor], lr: float, beta: float = 0.9):
        super().__init__(params, lr)
        self.beta = number("Momentum", "beta", beta, "in [0, 1)")
        self.v = [np.zeros_like(p.data) for p in self.params]

    def update(self, i: int, dW: np.ndarray) -> np.ndarray:
        self.v[i] = self.beta * self.v[i] + (1 - self.beta) * dW
        return self.params[i].data - self.lr * self.v[i]


class Adam(Optimizer):
    """v = b1 v + (1 - b1) dW;  s = b2 s + (1 - b2) dW**2;  W = W - alpha v_c / (sqrt(s_c) + eps)

    with the bias corrections v_c = v / (1 - b1**t) and s_c = s / (1 - b2**t), t the step number
    (1 at the first step), and v, s starting at 0.
    """

    def __init__(
        self, params: Iterable[Tensor], lr: float, beta1: float = 0.9, beta2: float = 0.999,
        eps: float = 1e-8,
    ):  # fmt: skip
        super().__init__(params, lr)
        self.beta1 = number("Adam", "beta1", beta1, "in [0, 1)")
        self.beta2 = number("Adam", "beta2", beta2, "in [0, 1)")
        self.eps = number("Adam", "eps", eps, "> 0")
        self.t = 0
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.s = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        self.t += 1
        super().step()

    def update(self, i: int, dW: np.ndarray) -> np.ndarray:
        b1, b2 = self.beta1, self.beta2
        self.v[i] = b1 * self.v[i] + (1 - b1) * dW
        self.s[i] = b2 * self.s[i] + (1 - b2) * dW**2
        v_corrected = self.v[i] / (1 - b1**self.t)
        s_corrected = self.s[i] / (1 - b2**self.t)
        return self.params[i].data - self.lr * v_corrected / (np.sqrt(s_corrected) + self.eps)
