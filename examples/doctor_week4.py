"""Week 4: the gradient doctor finds a db that lost keepdims in an L-layer network.

L_model_backward() below is the assignment's, by hand, for LINEAR -> RELU x 2 -> LINEAR ->
SIGMOID on generated data, with one planted bug in linear_backward: np.sum(dZ, axis=1) without
keepdims=True, so db[l] is (n[l],) instead of (n[l], 1). The course's grads dict goes to
diagnose() as it is, dA0 included (which it lists as not checked: X is data). Then the fixed
backward passes.

    .venv/bin/python examples/doctor_week4.py
"""

import numpy as np

from tinygrad_edu import datasets, diagnose, reference

X, Y = datasets.random_batch(n_x=6, m=40, seed=4)  # X (6, 40), Y (1, 40)
parameters = reference.initialize_parameters([6, 5, 3, 1], init="he", seed=1)


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def L_model_forward(X, parameters):
    L = len(parameters) // 2
    cache, A = {}, X
    for l in range(1, L + 1):
        Z = np.dot(parameters[f"W{l}"], A) + parameters[f"b{l}"]
        A = sigmoid(Z) if l == L else np.maximum(0, Z)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache


def cost_fn(params):
    AL, cache = L_model_forward(X, params)
    m = Y.shape[1]
    cost = (-1 / m) * np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL)))
    return np.squeeze(cost), cache


def linear_backward(dZ, A_prev, W, fixed):
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True) if fixed else 1 / m * np.sum(dZ, axis=1)
    return np.dot(W.T, dZ), dW, db


def L_model_backward(AL, Y, cache, fixed=False):
    L = len(parameters) // 2
    grads = {}
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in range(L, 0, -1):
        Z, A = cache[f"Z{l}"], cache[f"A{l}"]
        dZ = dA * A * (1 - A) if l == L else dA * (Z > 0)  # g'(Z): sigmoid, then relu
        A_prev = X if l == 1 else cache[f"A{l - 1}"]
        dA, dW, db = linear_backward(dZ, A_prev, parameters[f"W{l}"], fixed)
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA, dW, db
    return grads


AL, cache = L_model_forward(X, parameters)
print(diagnose(cost_fn, parameters, L_model_backward(AL, Y, cache)))

fixed = L_model_backward(AL, Y, cache, fixed=True)
print("\nAfter the fix:", diagnose(cost_fn, parameters, fixed).headline())
