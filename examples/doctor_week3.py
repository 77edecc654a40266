"""Week 3: the gradient doctor finds g'(Z1) evaluated on Z1 instead of A1 in a tanh layer.

backward_propagation() below is the assignment's, by hand, on the planar flower, with one
planted bug: dZ1 = dA1 * (1 - Z1**2) instead of dA1 * (1 - A1**2). Given the intermediates dZ2,
dA1, dZ1 as well as dW1, db1, dW2, db2, diagnose() says which step of backward is wrong and
why. Then the fixed backward passes.

    .venv/bin/python examples/doctor_week3.py
"""

import numpy as np

from tinygrad_edu import datasets, diagnose

X, Y = datasets.planar_flower()  # X (2, 400), Y (1, 400)
rng = np.random.RandomState(2)
parameters = {
    "W1": rng.randn(4, 2) * 0.5, "b1": np.zeros((4, 1)),
    "W2": rng.randn(1, 4) * 0.5, "b2": np.zeros((1, 1)),
}  # fmt: skip


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def forward_propagation(X, parameters):
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def cost_fn(params):
    """compute_cost(forward_propagation(X)), returning the cache for the intermediates."""
    A2, cache = forward_propagation(X, params)
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    return np.squeeze(-1 / m * np.sum(logprobs)), cache


def backward_propagation(parameters, cache, X, Y, fixed=False):
    m = X.shape[1]
    A1, A2, Z1 = cache["A1"], cache["A2"], cache["Z1"]
    dZ2 = A2 - Y
    dW2 = 1 / m * np.dot(dZ2, A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(parameters["W2"].T, dZ2)
    dZ1 = dA1 * (1 - np.power(A1 if fixed else Z1, 2))  # the bug: Z1 where A1 belongs
    dW1 = 1 / m * np.dot(dZ1, X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dZ2": dZ2, "dA1": dA1, "dZ1": dZ1}


_, cache = forward_propagation(X, parameters)
print(diagnose(cost_fn, parameters, backward_propagation(parameters, cache, X, Y)))

fixed = backward_propagation(parameters, cache, X, Y, fixed=True)
print("\nAfter the fix:", diagnose(cost_fn, parameters, fixed).headline())
