"""The gradient doctor: planted bugs in course-style backwards for weeks 2, 3 and 4, each named
with its first wrong gradient; a right backward is ok; the course's convention for the
intermediates against reference; one clear error for each kind of bad input; gradient health.

The backwards below are written as the assignments' students write them (numpy, the course's
names), with a `bug` argument that plants one mistake. The forwards (cost_fn) are the students'
own too: sigmoid written out as 1 / (1 + np.exp(-Z)), relu as np.maximum(0, Z).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu
from tinygrad_edu import diagnose, nn, ops, reference
from tinygrad_edu import functional as F
from tinygrad_edu.doctor import TOL, gradient_health, saturated_fraction


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z))


def output_rule(Z: str) -> str:
    """The course's dZ[L] as the cost op states it, with Z[L] called Z (read, never retyped)."""
    cost = ops.BinaryCrossEntropyWithLogits()
    return cost.describe(cost.course_rules[0], "J", [Z, "Y"], lambda x: "d" + x)


def data(n_x: int, m: int, seed: int = 0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_x, m)
    Y = (rng.rand(1, m) > 0.5).astype(np.float64)
    return X, Y


# ---------------------------------------------------------------- week 2: logistic regression

N_X, M2 = 3, 9


def week2():
    X, Y = data(N_X, M2)
    w = np.random.RandomState(1).randn(N_X, 1) * 0.5
    return X, Y, {"w": w, "b": 0.3}  # b a number, as initialize_with_zeros makes it


def week2_cost(X, Y):
    def cost_fn(params):
        m = X.shape[1]
        Z = np.dot(params["w"].T, X) + params["b"]
        A = sigmoid(Z)
        cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
        return np.squeeze(cost), {"Z": Z, "A": A}

    return cost_fn


def propagate(w, b, X, Y, bug=None):
    """The assignment's propagate (backward part), returning dw, db and dZ."""
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    dZ = A - Y
    if bug == "sign":
        dZ = Y - A
    if bug == "rank-1":
        dZ = A.ravel() - Y.T  # (m,) - (m, 1): numpy makes it (m, m)
    dw = 1 / m * np.dot(X, dZ.T)
    db = 1 / m * np.sum(dZ)
    if bug == "missing 1/m":
        dw = np.dot(X, dZ.T)
    if bug == "extra 1/m":
        db = 1 / m * np.mean(dZ)
    if bug == "transposed":
        dw = 1 / m * np.dot(dZ, X.T)
    if bug == "star":
        dw = 1 / m * X * dZ
    if bug == "values":
        dw = 1 / m * np.dot(X, A.T)  # forgot Y
    return {"dw": dw, "db": db, "dZ": dZ}


def check_week2(bug, with_dZ=False):
    X, Y, p = week2()
    grads = propagate(p["w"], p["b"], X, Y, bug)
    if not with_dZ:
        del grads["dZ"]
    return diagnose(week2_cost(X, Y), p, grads)


def test_week2_right_backward_is_ok_and_reference_agrees():
    X, Y, p = week2()
    ref, _ = reference.propagate(p["w"], p["b"], X, Y)
    report = diagnose(week2_cost(X, Y), p, ref)
    assert report.ok and report.first_wrong is None
    assert list(report.findings) == ["dw", "db"]
    assert report.m == M2
    assert str(report).startswith("All 2 gradients are right")
    with_dZ = check_week2(None, with_dZ=True)
    assert with_dZ.ok and list(with_dZ.findings) == ["dZ", "dw", "db"]


@pytest.mark.parametrize("bug, first, cause, words", [
    ("missing 1/m", "dw", "missing 1/m", "missing the 1/m: it is m = 9 times"),
    ("extra 1/m", "db", "extra 1/m", "an extra 1/m"),
    ("sign", "dw", "sign", "sign flipped"),
    ("transposed", "dw", "transposed", "transposed: shape (1, 3) instead of (3, 1)"),
    ("star", "dw", "not summed", "* where np.dot belongs"),
    ("values", "dw", "values", "wrong values (relative difference"),
])  # fmt: skip
def test_week2_planted_bugs_are_named(bug, first, cause, words):
    report = check_week2(bug)
    assert not report.ok
    assert report.first_wrong == first
    assert report.findings[first].cause == cause
    assert words in report.findings[first].diagnosis
    assert str(report).startswith(f"{first} is the first wrong gradient: ")


def test_week2_formula_names_the_course_rule():
    report = check_week2("missing 1/m", with_dZ=True)
    assert report.first_wrong == "dw"
    # read from the ops on the path: the transpose of w, the product, the add of b
    assert "dw = (1/m) (dZ · Xᵀ)ᵀ is wrong while dZ is right" in report.findings["dw"].diagnosis
    assert report.findings["db"].ok


def test_week2_sign_flip_in_dZ_names_A_minus_Y():
    report = check_week2("sign", with_dZ=True)
    assert report.first_wrong == "dZ"
    text = report.findings["dZ"].diagnosis
    assert text.startswith("sign flipped")
    assert f"At the output, with the cross-entropy cost: {output_rule('Z')}" in text
    assert "follows from dZ" in report.findings["dw"].diagnosis


def test_week2_rank_one_array_broadcast_to_m_by_m():
    report = check_week2("rank-1", with_dZ=True)
    assert report.first_wrong == "dZ"
    f = report.findings["dZ"]
    assert f.cause == "(m, m)" and f.shape == (M2, M2) and f.expected_shape == (1, M2)
    assert f.diagnosis.startswith("broadcast to (m, m): shape (9, 9) instead of (1, 9)")
    assert "rank-1 array of shape (m,) = (9,)" in f.diagnosis


def test_week2_cost_written_with_np_dot_still_finds_m():
    X, Y, p = week2()

    def cost_fn(params):  # the vectorised form some students write: no np.sum
        A = sigmoid(np.dot(params["w"].T, X) + params["b"])
        return -1 / X.shape[1] * (np.dot(Y, np.log(A).T) + np.dot(1 - Y, np.log(1 - A).T))

    right = propagate(p["w"], p["b"], X, Y)
    assert diagnose(cost_fn, p, {"dw": right["dw"], "db": right["db"]}).m == M2
    bad = propagate(p["w"], p["b"], X, Y, "missing 1/m")
    report = diagnose(cost_fn, p, {"dw": bad["dw"], "db": bad["db"]})
    assert report.first_wrong == "dw" and "m = 9 times" in report.findings["dw"].diagnosis


# ---------------------------------------------------------------- week 3: one hidden tanh layer

N_H, M3 = 4, 11


def week3(n_x=3, n_h=N_H, seed=2):
    X, Y = data(n_x, M3, seed)
    rng = np.random.RandomState(seed)
    params = {
        "W1": rng.randn(n_h, n_x) * 0.5, "b1": rng.randn(n_h, 1) * 0.1,
        "W2": rng.randn(1, n_h) * 0.5, "b2": rng.randn(1, 1) * 0.1,
    }  # fmt: skip
    return X, Y, params


def forward_propagation(X, parameters):
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def week3_cost(X, Y):
    def cost_fn(parameters):
        A2, cache = forward_propagation(X, parameters)
        m = Y.shape[1]
        logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
        return np.squeeze(-1 / m * np.sum(logprobs)), cache

    return cost_fn


def backward_propagation(parameters, cache, X, Y, bug=None):
    """The assignment's backward_propagation, also returning dZ2, dA1, dZ1."""
    m = X.shape[1]
    W2, A1, A2, Z1 = parameters["W2"], cache["A1"], cache["A2"], cache["Z1"]
    dZ2 = Y - A2 if bug == "sign" else A2 - Y
    dW2 = 1 / m * np.dot(dZ2, A1.T)
    if bug == "star":
        dW2 = 1 / m * dZ2 * A1
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    if bug == "db not summed":
        db2 = 1 / m * dZ2
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = dA1 * (1 - np.power(A1, 2))
    if bug == "g' of Z":
        dZ1 = dA1 * (1 - np.power(Z1, 2))
    if bug == "sigmoid's g'":
        dZ1 = dA1 * A1 * (1 - A1)
    if bug == "dZ1 times 1/m":
        dZ1 = 1 / m * dZ1
    dW1 = 1 / m * np.dot(dZ1, X.T)
    if bug == "transposed":
        dW1 = 1 / m * np.dot(X, dZ1.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    if bug == "keepdims":
        db1 = 1 / m * np.sum(dZ1, axis=1)
    grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    return grads, {"dZ2": dZ2, "dA1": dA1, "dZ1": dZ1}


def check_week3(bug, intermediates=True, **shape):
    X, Y, params = week3(**shape)
    _, cache = forward_propagation(X, params)
    grads, inter = backward_propagation(params, cache, X, Y, bug)
    if intermediates:
        grads = {**inter, **grads}
    return diagnose(week3_cost(X, Y), params, grads)


ORDER3 = ["dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"]


def test_week3_right_backward_is_ok_in_backward_order():
    report = check_week3(None)
    assert report.ok and report.first_wrong is None
    assert list(report.findings) == ORDER3  # grads listed W1 first: the order is backward's
    assert check_week3(None, intermediates=False).ok


def test_week3_reference_backward_is_ok():
    X, Y, params = week3()
    AL, caches = reference.L_model_forward(X, params, "tanh", "sigmoid")
    grads = reference.L_model_backward(AL, Y, caches, "tanh", "sigmoid")
    report = diagnose(week3_cost(X, Y), params, grads)
    assert report.ok
    assert list(report.findings) == ["dW2", "db2", "dA1", "dW1", "db1", "dA0"]
    assert report.findings["dA0"].cause == "not checked"
    assert "data" in report.findings["dA0"].diagnosis


def test_week3_with_the_engine_cost_op():
    X, Y, params = week3()

    def cost_fn(p):  # the engine's fused cost instead of the numpy one: the same J
        A1 = np.tanh(np.dot(p["W1"], X) + p["b1"])
        Z2 = np.dot(p["W2"], A1) + p["b2"]
        return np.squeeze(F.binary_cross_entropy_with_logits(Z2, Y)), {"A1": A1, "Z2": Z2}

    _, cache = forward_propagation(X, params)
    grads, inter = backward_propagation(params, cache, X, Y, "sign")
    report = diagnose(cost_fn, params, {**grads, "dZ2": inter["dZ2"], "dA1": inter["dA1"]})
    assert report.m == M3 and report.first_wrong == "dZ2"
    assert f"with the cross-entropy cost: {output_rule('Z2')}" in report.findings["dZ2"].diagnosis
    right, inter = backward_propagation(params, cache, X, Y)
    assert diagnose(cost_fn, params, {**right, "dZ2": inter["dZ2"]}).ok


def test_week3_g_prime_of_Z_instead_of_A():
    report = check_week3("g' of Z")
    assert report.first_wrong == "dZ1"
    assert report.right == ["dZ2", "dW2", "db2", "dA1"]
    text = report.findings["dZ1"].diagnosis
    assert "dZ1 = dA1 ⊙ (1 − A1²) is wrong while dA1 is right: check g′" in text
    assert "for tanh, g′(Z1) = 1 − A1², not 1 − Z1²" in text
    assert "(your dZ1 is dA1 ⊙ (1 − Z1²))" in text  # the mistake itself, recognised
    for later in ("dW1", "db1"):
        assert "follows from dZ1" in report.findings[later].diagnosis
    assert str(report).startswith("dZ1 is the first wrong gradient: wrong values")


def test_week3_g_prime_without_dA1_reads_the_whole_step():
    X, Y, params = week3()
    _, cache = forward_propagation(X, params)
    grads, inter = backward_propagation(params, cache, X, Y, "g' of Z")
    report = diagnose(week3_cost(X, Y), params, {**grads, "dZ2": inter["dZ2"], "dZ1": inter["dZ1"]})
    assert report.first_wrong == "dZ1"
    assert "dZ1 = (W2ᵀ · dZ2) ⊙ (1 − A1²) is wrong while dZ2 is right" in (
        report.findings["dZ1"].diagnosis
    )


def test_week3_sigmoid_derivative_used_for_tanh():
    report = check_week3("sigmoid's g'")
    assert report.first_wrong == "dZ1"
    assert "(your dZ1 is dA1 ⊙ A1(1 − A1))" in report.findings["dZ1"].diagnosis


def test_a_g_prime_bug_hidden_by_tiny_weights_is_flagged():
    X, Y, params = week3()
    params = {k: v * 0.02 for k, v in params.items()}  # as small as the course's randn * 0.01
    _, cache = forward_propagation(X, params)
    grads, inter = backward_propagation(params, cache, X, Y, "g' of Z")
    report = diagnose(week3_cost(X, Y), params, {**grads, **inter})
    assert report.ok  # at these parameters 1 - Z1² and 1 - A1² agree to about 1e-8
    assert "Note: |Z1| < 0.1 everywhere here" in str(report)
    assert "Note:" not in str(check_week3(None))  # at ordinary parameters: no such note


def test_week3_g_prime_with_parameters_only_says_where_it_first_appears():
    report = check_week3("g' of Z", intermediates=False)
    assert report.first_wrong == "dW1"
    text = report.findings["dW1"].diagnosis
    assert text.startswith("wrong values (relative difference")
    assert "dW2, db2 are right, so the error first appears in dW1" in text
    assert "The course: dW1 = (1/m) dZ1 · Xᵀ" in text
    assert "add dA2, dZ2, dA1, dZ1 to grads" in text


def test_week3_dZ1_times_one_over_m():
    with_inter = check_week3("dZ1 times 1/m")
    assert with_inter.first_wrong == "dZ1"
    assert with_inter.findings["dZ1"].cause == "extra 1/m"
    assert "an extra 1/m" in with_inter.findings["dZ1"].diagnosis
    assert "follows from dZ1" in with_inter.findings["dW1"].diagnosis
    # the case: dW2 and db2 pass, dW1 fails
    params_only = check_week3("dZ1 times 1/m", intermediates=False)
    assert params_only.first_wrong == "dW1"
    assert params_only.findings["dW1"].diagnosis.startswith("an extra 1/m: it is 1/m = 1/11")
    assert params_only.findings["dW2"].ok and params_only.findings["db2"].ok


def test_week3_transposed_dW1():
    report = check_week3("transposed")
    assert report.first_wrong == "dW1"
    text = report.findings["dW1"].diagnosis
    assert text.startswith("transposed: shape (3, 4) instead of (4, 3)")
    assert "dW1 = (1/m) dZ1 · Xᵀ is wrong while dZ1 is right" in text


def test_week3_transposed_square_dW1_is_found_by_its_values():
    report = check_week3("transposed", n_x=N_H)  # W1 is (4, 4): the shape cannot tell
    assert report.first_wrong == "dW1"
    f = report.findings["dW1"]
    assert f.cause == "transposed" and f.shape == f.expected_shape == (N_H, N_H)
    assert "dW1ᵀ is right" in f.diagnosis


def test_week3_lost_keepdims():
    report = check_week3("keepdims")
    assert report.first_wrong == "db1"
    f = report.findings["db1"]
    assert f.cause == "keepdims" and f.shape == (N_H,)
    assert "lost keepdims: shape (4,) instead of (4, 1)" in f.diagnosis
    assert "db1 = (1/m) np.sum(dZ1, axis=1, keepdims=True)" in f.diagnosis


def test_week3_db_not_summed_over_the_examples():
    report = check_week3("db not summed")
    assert report.first_wrong == "db2"
    f = report.findings["db2"]
    assert f.cause == "not summed" and f.shape == (1, M3)
    assert "not summed over the m examples" in f.diagnosis
    assert "(summed over axis 1, it is right)" in f.diagnosis


def test_week3_sign_flip_in_dZ2():
    report = check_week3("sign")
    assert report.first_wrong == "dZ2"
    text = report.findings["dZ2"].diagnosis
    assert text.startswith("sign flipped")
    assert f"with the cross-entropy cost: {output_rule('Z2')}" in text
    assert all(report.findings[k].cause == "sign" for k in ("dW2", "db2", "dA1"))


def test_week3_star_where_np_dot_belongs():
    report = check_week3("star")
    assert report.first_wrong == "dW2"
    f = report.findings["dW2"]
    assert f.cause == "shape" and f.shape == (N_H, M3)
    assert "np.dot" in f.diagnosis and f"m = {M3} examples" in f.diagnosis


# ---------------------------------------------------------------- week 4: L layers, relu / sigmoid

DIMS4, M4 = [5, 4, 3, 1], 13


def week4():
    X, Y = data(DIMS4[0], M4, seed=4)
    params = reference.initialize_parameters(DIMS4, "he", seed=3)
    for l in range(1, len(DIMS4)):
        params[f"b{l}"] = np.random.RandomState(l).randn(DIMS4[l], 1) * 0.1
    return X, Y, params


def L_model_forward(X, parameters):
    """The assignment's forward, keeping a dict of the course's names."""
    L = len(parameters) // 2
    cache = {}
    A = X
    for l in range(1, L + 1):
        Z = np.dot(parameters[f"W{l}"], A) + parameters[f"b{l}"]
        A = sigmoid(Z) if l == L else np.maximum(0, Z)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache


def week4_cost(X, Y):
    def cost_fn(parameters):
        AL, cache = L_model_forward(X, parameters)
        m = Y.shape[1]
        cost = (-1 / m) * np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL)))
        return np.squeeze(cost), cache

    return cost_fn


def relu_backward(dA, Z, bug=None):
    dZ = dA if bug == "relu no copy" else np.array(dA, copy=True)
    if bug == "relu mask flipped":
        dZ[Z > 0] = 0
    else:
        dZ[Z <= 0] = 0
    return dZ


def sigmoid_backward(dA, Z, bug=None):
    s = Z if bug == "sigmoid of Z" else sigmoid(Z)
    return dA * s * (1 - s)


def linear_backward(dZ, A_prev, W, bug=None):
    m = A_prev.shape[1]
    dW = 1 / m * np.dot(dZ, A_prev.T)
    if bug == "missing 1/m":
        dW = np.dot(dZ, A_prev.T)
    if bug == "transposed":
        dW = 1 / m * np.dot(A_prev, dZ.T)
    db = 1 / m * np.sum(dZ, axis=1, keepdims=True)
    if bug == "missing 1/m":
        db = np.sum(dZ, axis=1, keepdims=True)
    if bug == "keepdims":
        db = 1 / m * np.sum(dZ, axis=1)
    return np.dot(W.T, dZ), dW, db


def L_model_backward(X, Y, parameters, cache, bug=None):
    """The assignment's L_model_backward: dA[l-1], dW[l], db[l], and here dZ[l] too."""
    L = len(parameters) // 2
    AL = cache[f"A{L}"]
    grads = {}
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    if bug == "dAL sign":
        dAL = -dAL
    grads[f"dA{L}"] = dA = dAL
    for l in range(L, 0, -1):
        Z = cache[f"Z{l}"]
        dZ = sigmoid_backward(dA, Z, bug) if l == L else relu_backward(dA, Z, bug)
        A_prev = X if l == 1 else cache[f"A{l - 1}"]
        dA, dW, db = linear_backward(dZ, A_prev, parameters[f"W{l}"], bug)
        grads[f"dZ{l}"], grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dZ, dA, dW, db
    return grads


ORDER4 = ["dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1", "dA0"]


def check_week4(bug, dAL=False):
    X, Y, params = week4()
    _, cache = L_model_forward(X, params)
    grads = L_model_backward(X, Y, params, cache, bug)
    if not dAL:
        del grads["dA3"]
    return diagnose(week4_cost(X, Y), params, dict(reversed(grads.items())))


def test_week4_right_backward_is_ok_in_backward_order():
    report = check_week4(None)
    assert report.ok, str(report)
    assert list(report.findings) == ORDER4
    assert report.findings["dA0"].cause == "not checked" and not report.wrong
    assert check_week4(None, dAL=True).ok


def test_week4_reference_backward_is_ok():
    X, Y, params = week4()
    AL, caches = reference.L_model_forward(X, params)
    grads = reference.L_model_backward(AL, Y, caches)
    report = diagnose(week4_cost(X, Y), params, grads)
    assert report.ok
    assert list(report.findings) == [k for k in ORDER4 if not k.startswith("dZ")]


@pytest.mark.parametrize("bug, first, cause, words", [
    ("missing 1/m", "dW3", "missing 1/m", "missing the 1/m: it is m = 13 times"),
    ("transposed", "dW3", "transposed", "transposed: shape (3, 1) instead of (1, 3)"),
    ("keepdims", "db3", "keepdims", "lost keepdims: shape (1,) instead of (1, 1)"),
    ("dAL sign", "dZ3", "sign", "sign flipped"),
    ("sigmoid of Z", "dZ3", "values", "wrong values"),
    ("relu mask flipped", "dZ2", "values", "wrong values"),
])  # fmt: skip
def test_week4_planted_bugs_are_named(bug, first, cause, words):
    report = check_week4(bug)
    assert report.first_wrong == first
    assert report.findings[first].cause == cause
    assert words in report.findings[first].diagnosis


def test_week4_relu_mask_names_the_rule_and_the_mistake():
    text = check_week4("relu mask flipped").findings["dZ2"].diagnosis
    assert "dZ2 = dA2 ⊙ (Z2 > 0) is wrong while dA2 is right: check g′; for relu" in text
    assert "(your dZ2 is dA2 ⊙ (Z2 ≤ 0))" in text


def test_week4_sigmoid_backward_of_Z_with_dAL_given():
    report = check_week4("sigmoid of Z", dAL=True)
    assert report.first_wrong == "dZ3" and report.findings["dA3"].ok
    text = report.findings["dZ3"].diagnosis
    # sigmoid is written out (1 / (1 + np.exp(-Z))): recognised by its values, its rule from the op
    assert "dZ3 = dA3 ⊙ A3(1 − A3) is wrong while dA3 is right" in text
    assert "for sigmoid, g′(Z3) = A3(1 − A3), not Z3(1 − Z3)" in text
    assert "(your dZ3 is dA3 ⊙ Z3(1 − Z3))" in text


def test_week4_relu_backward_without_a_copy_changes_dA():
    report = check_week4("relu no copy")
    assert report.first_wrong == "dA2"
    assert report.findings["dZ2"].ok and report.findings["dW2"].ok
    text = report.findings["dA2"].diagnosis
    assert (
        "dA2 = W3ᵀ · dZ3 is wrong while dZ3 is right. dA2 and dZ2 are one array in memory" in text
    )
    assert "Every parameter gradient is right" in str(report)


# ---------------------------------------------------------------- the convention, against reference


def check_week4_grads(X, Y, params):
    _, cache = L_model_forward(X, params)
    grads = L_model_backward(X, Y, params, cache)
    del grads["dA3"]
    return grads


def test_intermediates_are_the_course_per_example_gradients():
    X, Y, params = week4()
    AL, caches = reference.L_model_forward(X, params)
    ref = reference.L_model_backward(AL, Y, caches)
    report = diagnose(week4_cost(X, Y), params, check_week4_grads(X, Y, params))
    f = report.findings
    assert np.allclose(f["dZ3"].expected, AL - Y, rtol=0, atol=1e-12)  # dZ[L] = A[L] - Y
    for l in (1, 2):
        dZ = reference.relu_backward(ref[f"dA{l}"], caches[l - 1][1])
        assert np.allclose(f[f"dA{l}"].expected, ref[f"dA{l}"], rtol=1e-12, atol=1e-14)
        assert np.allclose(f[f"dZ{l}"].expected, dZ, rtol=1e-12, atol=1e-14)
    for key in ("dW1", "db1", "dW3", "db3"):  # parameters: dJ/dW, the 1/m inside
        assert np.allclose(f[key].expected, ref[key], rtol=1e-12, atol=1e-14)


def test_dZ_as_dJ_dZ_is_an_extra_one_over_m_while_the_parameters_are_right():
    X, Y, params = week3()
    _, cache = forward_propagation(X, params)
    dZ2 = (cache["A2"] - Y) / X.shape[1]  # ∂J/∂Z2 itself, not the course's dZ2
    grads, _ = backward_propagation(params, cache, X, Y)
    grads["dZ2"] = dZ2  # then dW2 = dZ2 · A1ᵀ and db2 = Σ dZ2, with no 1/m: right
    grads["dW2"], grads["db2"] = np.dot(dZ2, cache["A1"].T), np.sum(dZ2, axis=1, keepdims=True)
    report = diagnose(week3_cost(X, Y), params, grads)
    assert report.first_wrong == "dZ2" and report.findings["dZ2"].cause == "extra 1/m"
    assert "the 1/m enters only dW and db" in report.findings["dZ2"].diagnosis
    assert report.findings["dW2"].ok and report.findings["db2"].ok
    assert "Every parameter gradient is right" in str(report)


# ---------------------------------------------------------------- the report


def test_report_reads_as_a_table_and_in_a_notebook():
    report = check_week3("g' of Z")
    text = str(report)
    lines = text.splitlines()
    assert lines[0].startswith("dZ1 is the first wrong gradient: wrong values")
    assert "Right: dZ2, dW2, db2, dA1.  Wrong: dZ1, dW1, db1." in text
    row = next(line for line in lines if line.startswith("dZ1  "))
    rel = f"{report.findings['dZ1'].relative_difference:.1e}"
    assert row.split() == ["dZ1", "(4,", "11)", "(4,", "11)", rel, "wrong", "values"]
    assert "dZ = m·∂J/∂Z" in text and f"< {TOL:g}" in text
    page = report._repr_html_()
    assert page.count("<tr>") == 1 + len(ORDER3)
    assert "dZ1 is the first wrong gradient" in page and "⊙" in page
    assert "<b>" in page and "&lt;" not in report.headline()


def test_float32_gradients_are_right_up_to_rounding():
    X, Y, params = week3()
    _, cache = forward_propagation(X, params)
    grads, _ = backward_propagation(params, cache, X, Y)
    report = diagnose(week3_cost(X, Y), params, {k: v.astype(np.float32) for k, v in grads.items()})
    assert report.ok
    assert max(f.relative_difference for f in report.findings.values()) > 1e-9  # float32's error


@pytest.mark.parametrize("scale, ok, verdict", [
    (1 + 1e-9, True, "ok"),  # below GREAT (1e-7)
    (1 + 2e-6, True, "ok (rounding)"),  # relative difference 1e-6: between GREAT and TOL
    (1 + 4e-5, False, "constant factor"),  # 2e-5, above TOL = 1e-5: wrong, by a factor
])  # fmt: skip
def test_the_tolerance_is_the_documented_one(scale, ok, verdict):
    X, Y, params = week3()
    _, cache = forward_propagation(X, params)
    grads, _ = backward_propagation(params, cache, X, Y)
    report = diagnose(week3_cost(X, Y), params, {**grads, "dW1": grads["dW1"] * scale})
    assert report.ok is ok and TOL == 1e-5
    row = next(line for line in str(report).splitlines() if line.startswith("dW1  "))
    assert row.endswith(f"  {verdict}")


def test_the_package_exports_diagnose():
    assert tinygrad_edu.diagnose is diagnose and "diagnose" in tinygrad_edu.__all__


# ---------------------------------------------------------------- bad input


def test_a_grads_key_with_no_parameter_or_cache_entry():
    X, Y, params = week3()
    _, cache = forward_propagation(X, params)
    grads, _ = backward_propagation(params, cache, X, Y)
    with pytest.raises(ValueError, match=r"diagnose: grads has 'dZ3'.*no cache entry 'Z3'"):
        diagnose(week3_cost(X, Y), params, {**grads, "dZ3": grads["db1"]})
    with pytest.raises(ValueError, match=r"grads has 'dw1'"):
        diagnose(week3_cost(X, Y), params, {**grads, "dw1": grads["dW1"]})


def test_a_parameter_missing_from_grads():
    X, Y, params = week3()
    _, cache = forward_propagation(X, params)
    grads, _ = backward_propagation(params, cache, X, Y)
    del grads["db1"]
    with pytest.raises(ValueError, match=r"grads has no 'db1', the gradient of the parameter 'b1'"):
        diagnose(week3_cost(X, Y), params, grads)


def test_a_cost_fn_that_does_not_return_a_single_number():
    X, Y, params = week3()
    grads = backward_propagation(params, forward_propagation(X, params)[1], X, Y)[0]
    with pytest.raises(ValueError, match=r"single number.*shape \(1, 11\)"):
        diagnose(lambda p: forward_propagation(X, p)[0], params, grads)
    with pytest.raises(ValueError, match=r"returned a float.*drop the graph"):
        diagnose(lambda p: float(week3_cost(X, Y)(p)[0]), params, grads)
    with pytest.raises(ValueError, match=r"cache is a list"):
        diagnose(lambda p: (week3_cost(X, Y)(p)[0], [1, 2]), params, grads)


def test_a_cost_fn_calling_numpy_without_a_gradient_rule():
    X, Y, params = week3()
    grads = backward_propagation(params, forward_propagation(X, params)[1], X, Y)[0]

    def cost_fn(p):
        A2, _ = forward_propagation(X, p)
        return -np.mean(Y * np.log(A2) + (1 - Y) * np.log1p(-A2))

    with pytest.raises(TypeError, match=r"^diagnose: cost_fn .*np\.log1p has no gradient rule"):
        diagnose(cost_fn, params, grads)


def test_bad_grads_values_and_tolerance():
    X, Y, params = week3()
    grads = backward_propagation(params, forward_propagation(X, params)[1], X, Y)[0]
    with pytest.raises(ValueError, match=r"grads\['dW1'\] is not an array of numbers"):
        diagnose(week3_cost(X, Y), params, {**grads, "dW1": "oops"})
    with pytest.raises(ValueError, match="tol"):
        diagnose(week3_cost(X, Y), params, grads, tol=0)


# ---------------------------------------------------------------- gradient health


def test_gradient_health_matches_the_hand_derived_backward():
    X, Y = data(5, 17, seed=6)
    model = nn.DeepNN([5, 4, 3, 1], "relu", "sigmoid", init="he", seed=2)
    health = gradient_health(model, X, Y)
    params = model.state_dict()
    AL, caches = reference.L_model_forward(X, params)
    ref = reference.L_model_backward(AL, Y, caches)
    assert sorted(health) == [1, 2, 3]
    for l in (1, 2, 3):
        norm = np.linalg.norm(ref[f"dW{l}"])
        assert health[l]["dW_norm"] == pytest.approx(norm, rel=1e-10)
        assert health[l]["ratio"] == pytest.approx(norm / np.linalg.norm(params[f"W{l}"]))
        Z = caches[l - 1][1]
        act = "sigmoid" if l == 3 else "relu"
        assert health[l]["saturated"] == pytest.approx(saturated_fraction(act, Z))
    assert health[1]["saturated"] == pytest.approx(np.mean(caches[0][1] <= 0))
    assert all(p.grad is None for p in model.parameters())  # nothing stored


def test_gradient_health_of_week2_zeros():
    X, Y = data(4, 10, seed=8)
    health = gradient_health(nn.LogisticRegression(4), X, Y)  # w = 0, as the course starts
    assert list(health) == [1]
    assert health[1]["ratio"] == float("inf") and health[1]["dW_norm"] > 0
    assert health[1]["saturated"] == 0.0  # Z = 0: sigmoid at its steepest


def test_saturation_thresholds():
    assert saturated_fraction("tanh", np.array([[1.9, -1.9, 1.7, 0.0]])) == 0.5  # |Z| > 1.82
    assert saturated_fraction("sigmoid", np.array([[3.7, -3.7, 3.5, 0.0]])) == 0.5  # |Z| > 3.64
    assert saturated_fraction("relu", np.array([[0.0, -1.0, 1.0, 2.0]])) == 0.5  # Z <= 0
    with pytest.raises(ValueError, match="unknown activation"):
        saturated_fraction("softmax", np.zeros((1, 1)))


def test_gradient_health_shows_sigmoid_vanishing_where_relu_does_not():
    X, Y = data(8, 64, seed=7)
    dims = [8, 16, 16, 16, 16, 1]
    early = {}
    for act in ("sigmoid", "relu"):
        model = nn.DeepNN(dims, act, "sigmoid", init="he", seed=1)
        health = gradient_health(model, X, Y)
        early[act] = health[1]["dW_norm"] / health[5]["dW_norm"]
    assert early["sigmoid"] < early["relu"] / 10  # the first layer barely learns under sigmoid


# ---------------------------------------------------------------- the examples


@pytest.mark.parametrize("week, first", [
    (2, "dw is the first wrong gradient: missing the 1/m"),
    (3, "dZ1 is the first wrong gradient: wrong values"),
    (4, "db3 is the first wrong gradient: lost keepdims"),
])  # fmt: skip
def test_the_doctor_examples_catch_their_planted_bug(week, first):
    script = Path(__file__).resolve().parent.parent / "examples" / f"doctor_week{week}.py"
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(first)
    assert "\nAfter the fix: All " in done.stdout and "gradients are right" in done.stdout
