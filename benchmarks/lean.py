"""The lean numpy step: one gradient-descent step with the course's formulas and nothing else.

This is what `make bench` measures every implementation against. It is the course's own
arithmetic (the sigmoid 1 / (1 + exp(-Z)), the cost's expression, dZ[L] = A[L] - Y, the 1/m in
dW and db, W = W - alpha dW) without the work that `reference` does for the course's structure:
no dA[0] (nobody uses the gradient of X), no dA[L] divided out again by the sigmoid's derivative,
tanh' from the cached A rather than recomputed from Z, and caches of only what backward reads.
Only numpy is imported here.
"""

from __future__ import annotations

import numpy as np

Params = dict[str, np.ndarray]


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """A = 1 / (1 + exp(-Z)), the course's expression"""
    return 1 / (1 + np.exp(-Z))


def logistic_step(
    w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray, learning_rate: float
) -> tuple[np.ndarray, float, float, dict[str, np.ndarray]]:
    """Week 2: A = sigmoid(w.T X + b), J, dw = (1/m) X dZ.T, db = (1/m) sum(dZ); (w, b, J, grads)"""
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dZ = A - Y
    dw = 1 / m * np.dot(X, dZ.T)
    db = 1 / m * np.sum(dZ)
    w = w - learning_rate * dw
    b = b - learning_rate * db
    return w, b, cost, {"dw": dw, "db": db}


def L_layer_step(
    parameters: Params, X: np.ndarray, Y: np.ndarray, hidden_activation: str, learning_rate: float
) -> tuple[Params, float, Params]:
    """Week 4 (and week 3's planar net): forward, J, backward to dW[1], update; (params, J, grads)

    Hidden layers are "relu" or "tanh", the output is a sigmoid. Returns new parameters,
    W[l] = W[l] - alpha dW[l], as the course's update_parameters does.
    """
    L = len(parameters) // 2
    m = X.shape[1]
    tanh = hidden_activation == "tanh"
    A = [X]  # A[0..L-1]: dW[l] reads A[l - 1], and tanh' = 1 - A[l]**2 reads A[l]
    Z: dict[int, np.ndarray] = {}  # relu' = (Z[l] > 0) reads Z[l]; tanh keeps no Z
    for l in range(1, L):
        Zl = np.dot(parameters[f"W{l}"], A[l - 1]) + parameters[f"b{l}"]
        A.append(np.tanh(Zl) if tanh else np.maximum(0, Zl))
        if not tanh:
            Z[l] = Zl
    AL = sigmoid(np.dot(parameters[f"W{L}"], A[L - 1]) + parameters[f"b{L}"])
    cost = (-1 / m) * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    grads: Params = {}
    dZ = AL - Y
    for l in range(L, 0, -1):
        grads[f"dW{l}"] = 1 / m * np.dot(dZ, A[l - 1].T)
        grads[f"db{l}"] = 1 / m * np.sum(dZ, axis=1, keepdims=True)
        if l > 1:  # dA[0], the gradient of X, is never computed
            dA = np.dot(parameters[f"W{l}"].T, dZ)
            dZ = dA * (1 - A[l - 1] ** 2) if tanh else dA * (Z[l - 1] > 0)
    parameters = {k: v - learning_rate * grads["d" + k] for k, v in parameters.items()}
    return parameters, cost, grads
