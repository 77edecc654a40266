"""The course's forward and backward propagation, derived by hand and written out in numpy.

This is the oracle the autodiff engine is tested against, and a text to read beside it: every
function is one step of Course 1 in its notation. X is (n_x, m) with one example per column,
W[l] is (n[l], n[l-1]), b[l] is (n[l], 1); parameters live in dicts keyed "W1", "b1", ...,
gradients in dicts keyed "dW1", "db1", "dA0", ...

The arithmetic is the assignments' own, operation for operation (1/m multiplies the product, the
output layer's dA is -(Y/A - (1-Y)/(1-A)), costs come from np.sum), so that with the course's
seeds the printed costs come out digit for digit. Caches are tuples, as in the course:
a linear cache is (A_prev, W, b), an activation cache is Z, a layer's cache is both.

Only numpy is imported here: the oracle knows nothing of the engine. gradcheck.compare sets the
engine's gradients beside these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

Params = dict[str, np.ndarray]
LinearCache = tuple[np.ndarray, np.ndarray, np.ndarray]  # (A_prev, W, b)
Cache = tuple[LinearCache, np.ndarray]  # (linear cache, Z)

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
INITS = ("zeros", "small", "scaled", "he", "xavier")
LEAKY_SLOPE = 0.01


# ---- activations and their backward: dZ = dA * g'(Z) ----


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """A = 1 / (1 + exp(-Z))"""
    # The course's formula for Z >= 0; exp(Z) / (1 + exp(Z)) below, where exp(-Z) would overflow.
    # Bit for bit what the engine's Sigmoid computes.
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0, E) / (1 + E)


def relu(Z: np.ndarray) -> np.ndarray:
    """A = max(0, Z)"""
    return np.maximum(0, Z)


def tanh(Z: np.ndarray) -> np.ndarray:
    """A = tanh(Z)"""
    return np.tanh(Z)


def leaky_relu(Z: np.ndarray) -> np.ndarray:
    """A = Z if Z > 0 else 0.01 Z"""
    return np.where(Z > 0, Z, LEAKY_SLOPE * Z)


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """dZ = dA * s * (1 - s),  s = sigmoid(Z)"""
    s = sigmoid(Z)
    return dA * s * (1 - s)


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """dZ = dA where Z > 0, else 0 (g'(0) taken as 0)"""
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def tanh_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """dZ = dA * (1 - tanh(Z)**2)"""
    A = np.tanh(Z)
    return dA * (1 - A**2)


def leaky_relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """dZ = dA where Z > 0, else 0.01 dA"""
    return dA * np.where(Z > 0, 1.0, LEAKY_SLOPE)


_FORWARD: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": relu, "tanh": tanh, "sigmoid": sigmoid, "leaky_relu": leaky_relu,
}  # fmt: skip
_BACKWARD: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "relu": relu_backward, "tanh": tanh_backward,
    "sigmoid": sigmoid_backward, "leaky_relu": leaky_relu_backward,
}  # fmt: skip


def _check_activation(op: str, activation: str) -> None:
    if activation not in _FORWARD:
        raise ValueError(
            f"{op}: unknown activation {activation!r}; use one of {', '.join(ACTIVATIONS)}"
        )


def _check_XY(op: str, X: np.ndarray, Y: np.ndarray) -> int:
    """m, after checking X is (n_x, m) and Y is (1, m)."""
    if X.ndim != 2 or Y.shape != (1, X.shape[1]):
        raise ValueError(
            f"{op}: X has shape {X.shape} and Y {Y.shape}; expected X (n_x, m) and Y (1, m), "
            "one example per column (transpose X, or reshape Y with Y.reshape(1, -1))"
        )
    return X.shape[1]


# ---- week 2: logistic regression, w is (n_x, 1) and b a number ----


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    """w = zeros (dim, 1),  b = 0"""
    return np.zeros((dim, 1)), 0.0


def propagate(
    w: np.ndarray, b: float | np.ndarray, X: np.ndarray, Y: np.ndarray
) -> tuple[dict[str, Any], float]:
    """A = sigmoid(w.T X + b),  J = -(1/m) sum(Y log A + (1-Y) log(1-A));  dw, db as below.

    dw = (1/m) X (A - Y).T,  db = (1/m) sum(A - Y);  returns ({"dw": dw, "db": db}, J).
    """
    m = _check_XY("propagate", X, Y)
    if w.shape != (X.shape[0], 1):
        raise ValueError(
            f"propagate: w has shape {w.shape} but X has {X.shape[0]} rows; "
            f"w must be ({X.shape[0]}, 1), one weight per feature"
        )
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = 1 / m * np.dot(X, (A - Y).T)
    db = 1 / m * np.sum(A - Y)
    return {"dw": dw, "db": db}, float(np.squeeze(cost))


def optimize(
    w: np.ndarray,
    b: float | np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
    num_iterations: int,
    learning_rate: float,
    print_cost: bool = False,
) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
    """w := w - alpha dw,  b := b - alpha db, num_iterations times; the cost kept every 100"""
    costs = []
    grads: dict[str, Any] = {}
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost:f}")
    return {"w": w, "b": b}, grads, costs


def predict_logistic(w: np.ndarray, b: float | np.ndarray, X: np.ndarray) -> np.ndarray:
    """Y_prediction = 1 where sigmoid(w.T X + b) > 0.5, else 0;  shape (1, m)"""
    A = sigmoid(np.dot(w.T, X) + b)
    return (A > 0.5).astype(np.float64)


# ---- week 4: an L-layer network ----


def initialize_parameters(
    layer_dims: Iterable[int], init: str = "scaled", seed: int | None = None
) -> Params:
    """W[l] = randn(n[l], n[l-1]) * scale,  b[l] = zeros (n[l], 1),  for l = 1..L.

    init picks the scale: "zeros" (W = 0), "small" (* 0.01, the course's two-layer model),
    "scaled" (/ sqrt(n[l-1]), the course's L-layer model), "he" (* sqrt(2 / n[l-1])) or
    "xavier" (* sqrt(2 / (n[l-1] + n[l])), Glorot's normal initialization).
    With a seed, np.random.seed(seed) runs once and W1, W2, ... are drawn in order from numpy's
    global generator, exactly as the course draws them, so its costs reproduce.
    """
    dims = [int(n) for n in layer_dims]
    if init not in INITS:
        raise ValueError(
            f"initialize_parameters: unknown init {init!r}; use one of {', '.join(INITS)}"
        )
    if len(dims) < 2 or min(dims) < 1:
        raise ValueError(
            f"initialize_parameters: layer_dims {dims} must list n[0] (the inputs) and at least "
            "one layer, all positive, e.g. [12288, 7, 1]"
        )
    if seed is not None:
        np.random.seed(seed)
    parameters: Params = {}
    for l in range(1, len(dims)):
        n, n_prev = dims[l], dims[l - 1]
        if init == "zeros":
            W = np.zeros((n, n_prev))
        elif init == "small":
            W = np.random.randn(n, n_prev) * 0.01
        elif init == "scaled":
            W = np.random.randn(n, n_prev) / np.sqrt(n_prev)
        elif init == "he":
            W = np.random.randn(n, n_prev) * np.sqrt(2 / n_prev)
        else:
            W = np.random.randn(n, n_prev) * np.sqrt(2 / (n_prev + n))
        parameters[f"W{l}"] = W
        parameters[f"b{l}"] = np.zeros((n, 1))
    return parameters


def linear_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, LinearCache]:
    """Z = W A_prev + b;  cache = (A_prev, W, b)"""
    if W.ndim != 2 or A_prev.ndim != 2 or W.shape[1] != A_prev.shape[0]:
        raise ValueError(
            f"linear_forward: W {W.shape} times A_prev {A_prev.shape}: W must be (n[l], n[l-1]) "
            "and A_prev (n[l-1], m); check layer_dims against X's rows, and that X is (n_x, m)"
        )
    Z = np.dot(W, A_prev) + b
    return Z, (A_prev, W, b)


def linear_activation_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str
) -> tuple[np.ndarray, Cache]:
    """A = g(W A_prev + b);  cache = ((A_prev, W, b), Z)"""
    _check_activation("linear_activation_forward", activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    return _FORWARD[activation](Z), (linear_cache, Z)


def L_model_forward(
    X: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
) -> tuple[np.ndarray, list[Cache]]:
    """A[0] = X,  A[l] = g(W[l] A[l-1] + b[l]) for l = 1..L;  AL = A[L], one cache per layer"""
    _check_activation("L_model_forward", hidden_activation)
    _check_activation("L_model_forward", output_activation)
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L):
        A, cache = linear_activation_forward(
            A, parameters[f"W{l}"], parameters[f"b{l}"], hidden_activation
        )
        caches.append(cache)
    AL, cache = linear_activation_forward(
        A, parameters[f"W{L}"], parameters[f"b{L}"], output_activation
    )
    caches.append(cache)
    return AL, caches


def compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL))

    As in the course, nothing guards the logs: once AL rounds to exactly 0 or 1 (a long run with
    a large learning rate), numpy warns and J is inf or nan. The engine's BCE clamps the logs.
    """
    if AL.shape != Y.shape or AL.ndim != 2:
        raise ValueError(
            f"compute_cost: AL has shape {AL.shape} and Y {Y.shape}; both must be (1, m)"
        )
    m = Y.shape[1]
    cost = (-1 / m) * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    return float(np.squeeze(cost))


def linear_backward(
    dZ: np.ndarray, cache: LinearCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dW = (1/m) dZ A_prev.T,  db = (1/m) sum(dZ, axis=1, keepdims=True),  dA_prev = W.T dZ"""
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(
    dA: np.ndarray, cache: Cache, activation: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dZ = dA * g'(Z), then linear_backward:  (dA_prev, dW, db)"""
    _check_activation("linear_activation_backward", activation)
    linear_cache, Z = cache
    dZ = _BACKWARD[activation](dA, Z)
    return linear_backward(dZ, linear_cache)


def L_model_backward(
    AL: np.ndarray,
    Y: np.ndarray,
    caches: list[Cache],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
) -> dict[str, np.ndarray]:
    """dAL = -(Y/AL - (1-Y)/(1-AL)), then layer L..1:  grads "dA{l-1}", "dW{l}", "db{l}"

    With a sigmoid output, dZ[L] = dAL * AL (1 - AL) is AL - Y. The course writes it the long way
    (and so do we, for its bits), which divides by zero once AL rounds to exactly 0 or 1.
    """
    _check_activation("L_model_backward", hidden_activation)
    _check_activation("L_model_backward", output_activation)
    if AL.shape != Y.shape:
        raise ValueError(
            f"L_model_backward: AL has shape {AL.shape} and Y {Y.shape}; both must be (1, m)"
        )
    grads: dict[str, np.ndarray] = {}
    L = len(caches)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA = dAL
    for l in range(L, 0, -1):
        activation = output_activation if l == L else hidden_activation
        dA, dW, db = linear_activation_backward(dA, caches[l - 1], activation)
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA, dW, db
    return grads


def update_parameters(
    parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], learning_rate: float
) -> Params:
    """W[l] := W[l] - alpha dW[l],  b[l] := b[l] - alpha db[l]  (a new dict)"""
    L = len(parameters) // 2
    new: Params = {}
    for l in range(1, L + 1):
        new[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        new[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return new


def L_layer_model(
    X: np.ndarray,
    Y: np.ndarray,
    layer_dims: Iterable[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
    init: str = "scaled",
    seed: int | None = 1,
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
) -> tuple[Params, list[float]]:
    """Batch gradient descent: forward, cost, backward, update, num_iterations times.

    Returns the parameters and the cost at every 100th iteration. layer_dims = [n_x, n_h, 1]
    with init="small" is the course's two-layer model (see two_layer_model).
    """
    dims = [int(n) for n in layer_dims]
    _check_XY("L_layer_model", X, Y)
    if dims[0] != X.shape[0]:
        raise ValueError(
            f"L_layer_model: layer_dims starts with n[0] = {dims[0]} but X has shape {X.shape}; "
            f"n[0] must be X's number of rows, {X.shape[0]}"
        )
    parameters = initialize_parameters(dims, init=init, seed=seed)
    costs = []
    for i in range(num_iterations):
        AL, caches = L_model_forward(X, parameters, hidden_activation, output_activation)
        cost = compute_cost(AL, Y)
        grads = L_model_backward(AL, Y, caches, hidden_activation, output_activation)
        parameters = update_parameters(parameters, grads, learning_rate)
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost}")
    return parameters, costs


def two_layer_model(
    X: np.ndarray,
    Y: np.ndarray,
    layer_dims: tuple[int, int, int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
    seed: int | None = 1,
) -> tuple[Params, list[float]]:
    """LINEAR -> RELU -> LINEAR -> SIGMOID from W = randn * 0.01: L_layer_model, init="small"."""
    if len(layer_dims) != 3:
        raise ValueError(
            f"two_layer_model: layer_dims {tuple(layer_dims)} must be (n_x, n_h, n_y); "
            "for more layers call L_layer_model"
        )
    return L_layer_model(
        X, Y, layer_dims, learning_rate, num_iterations, print_cost, init="small", seed=seed
    )


def predict(
    X: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    Y: np.ndarray | None = None,
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
) -> tuple[np.ndarray, float | None]:
    """p = 1 where AL > 0.5, else 0, shape (1, m);  accuracy = mean(p == Y) when Y is given"""
    AL, _ = L_model_forward(X, parameters, hidden_activation, output_activation)
    p = (AL > 0.5).astype(np.float64)
    if Y is None:
        return p, None
    if Y.shape != p.shape:
        raise ValueError(f"predict: Y has shape {Y.shape} but the predictions have {p.shape}")
    return p, float(np.mean(p == Y))
