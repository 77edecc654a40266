"""Week 2: the gradient doctor finds a missing 1/m in logistic regression's propagate.

propagate() below is the assignment's backward, written by hand, with one planted bug: dw
leaves out the 1/m. diagnose() differentiates the forward pass in cost_fn (the same numpy code,
run on Tensors) and names the first wrong gradient. Then the fixed propagate() passes.

    .venv/bin/python examples/doctor_week2.py
"""

import numpy as np

from tinygrad_edu import datasets, diagnose


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


X, Y = datasets.random_batch(n_x=4, m=50, seed=2)  # X (4, 50), Y (1, 50)
parameters = {"w": np.random.RandomState(0).randn(4, 1) * 0.1, "b": 0.0}


def cost_fn(params):
    """The forward pass and cost, as in the assignment; returns J and the cache."""
    m = X.shape[1]
    Z = np.dot(params["w"].T, X) + params["b"]
    A = sigmoid(Z)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    return np.squeeze(cost), {"Z": Z, "A": A}


def propagate(w, b, X, Y, fixed=False):
    """Backward by hand: dZ = A - Y, dw = (1/m) X dZ^T, db = (1/m) sum(dZ)."""
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    dZ = A - Y
    dw = 1 / m * np.dot(X, dZ.T) if fixed else np.dot(X, dZ.T)  # the bug: no 1/m
    db = 1 / m * np.sum(dZ)
    return {"dw": dw, "db": db}


grads = propagate(parameters["w"], parameters["b"], X, Y)
print(diagnose(cost_fn, parameters, grads))

fixed = propagate(parameters["w"], parameters["b"], X, Y, fixed=True)
print("\nAfter the fix:", diagnose(cost_fn, parameters, fixed).headline())
