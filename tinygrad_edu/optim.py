"""Optimizers: the course's update rules, applied to each parameter from its .grad.

Each step computes a new array and assigns it to W.data (it does not write into the old one),
so a value taken earlier, e.g. `W0 = W.data`, keeps the old parameters. Parameters whose .grad
is None (nothing reached them in backward) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .tensor import Tensor


class Optimizer:
    """Holds the parameters and the learning rate alpha; zero_grad() forgets every .grad."""

    def __init__(self, params: Iterable[Tensor], lr: float):
        self.params = list(params)
        name = type(self).__name__
        if not self.params:
            raise ValueError(f"{name}: got no parameters; pass model.parameters()")
        for p in self.params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameters must be Tensors, got {type(p).__name__}")
        if not np.isfinite(lr) or lr <= 0:
            raise ValueError(f"{name}: the learning rate must be a positive number, got {lr}")
        self.lr = lr

    def zero_grad(self) -> None:
        """W.grad = None for every parameter: backward accumulates, each step needs a fresh dW."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        raise NotImplementedError


class GradientDescent(Optimizer):
    """W = W - alpha dW   (the course's `W = W - learning_rate * dW`, the very same expression)."""

    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.data = p.data - self.lr * p.grad


class Momentum(Optimizer):
    """v = beta v + (1 - beta) dW;  W = W - alpha v   (v starts at 0)."""

    def __init__(self, params: Iterable[Tensor], lr: float, beta: float = 0.9):
        super().__init__(params, lr)
        self.beta = beta
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is not None:
                self.v[i] = self.beta * self.v[i] + (1 - self.beta) * p.grad
                p.data = p.data - self.lr * self.v[i]


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
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.v = [np.zeros_like(p.data) for p in self.params]
        self.s = [np.zeros_like(p.data) for p in self.params]

    def step(self) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            self.v[i] = b1 * self.v[i] + (1 - b1) * p.grad
            self.s[i] = b2 * self.s[i] + (1 - b2) * p.grad**2
            v_corrected = self.v[i] / (1 - b1**self.t)
            s_corrected = self.s[i] / (1 - b2**self.t)
            p.data = p.data - self.lr * v_corrected / (np.sqrt(s_corrected) + self.eps)
