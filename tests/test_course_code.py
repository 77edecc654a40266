"""The course's own code, pasted unchanged from the Course 1 assignments, run on Tensors.

Each week's functions are the notebook's text (docstrings trimmed), executed in a namespace
holding only `np`: nothing in them knows about the engine. They are called with Tensors that
require grad in place of the arrays; `cost.backward()` must then give the assignments' unit-test
numbers (week 2) and the hand-derived backward of reference.py (weeks 3 and 4). The one change:
week 3's compute_cost ends in `float(np.squeeze(cost))` in the newer notebooks, and float() would
end the graph, so it keeps the older notebooks' `cost = np.squeeze(cost)`.
"""
# ruff: noqa: E501 -- the course's lines are pasted unchanged, at the notebooks' own lengths

from __future__ import annotations

import linecache
from types import SimpleNamespace

import numpy as np
import pytest

from tinygrad_edu import Tensor, reference


def course(title: str, source: str, **imports) -> SimpleNamespace:
    """The functions defined by source, as a namespace holding np (and imports, as the notebook
    imports its helpers); tracebacks show the course's lines."""
    filename = f"<Course 1, {title}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"np": np, **imports}
    exec(compile(source, filename, "exec"), namespace)
    return SimpleNamespace(**namespace)


WEEK2 = course(
    "week 2: Logistic Regression with a Neural Network mindset",
    '''
# GRADED FUNCTION: sigmoid

def sigmoid(z):
    """
    Compute the sigmoid of z
    """
    ### START CODE HERE ### (≈ 1 line of code)
    s = 1 / (1 + np.exp(-z))
    ### END CODE HERE ###

    return s

# GRADED FUNCTION: propagate

def propagate(w, b, X, Y):
    """
    Implement the cost function and its gradient for the propagation explained above
    """

    m = X.shape[1]

    # FORWARD PROPAGATION (FROM X TO COST)
    ### START CODE HERE ### (≈ 2 lines of code)
    A = sigmoid(np.dot(w.T, X) + b)                                   # compute activation
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))  # compute cost
    ### END CODE HERE ###

    # BACKWARD PROPAGATION (TO FIND GRAD)
    ### START CODE HERE ### (≈ 2 lines of code)
    dw = 1 / m * np.dot(X, (A - Y).T)
    db = 1 / m * np.sum(A - Y)
    ### END CODE HERE ###

    assert(dw.shape == w.shape)
    assert(db.dtype == float)
    cost = np.squeeze(cost)
    assert(cost.shape == ())

    grads = {"dw": dw,
             "db": db}

    return grads, cost

# GRADED FUNCTION: predict

def predict(w, b, X):
    """
    Predict whether the label is 0 or 1 using learned logistic regression parameters (w, b)
    """

    m = X.shape[1]
    Y_prediction = np.zeros((1,m))
    w = w.reshape(X.shape[0], 1)

    # Compute vector "A" predicting the probabilities of a cat being present in the picture
    ### START CODE HERE ### (≈ 1 line of code)
    A = sigmoid(np.dot(w.T, X) + b)
    ### END CODE HERE ###

    for i in range(A.shape[1]):

        # Convert probabilities A[0,i] to actual predictions p[0,i]
        ### START CODE HERE ### (≈ 4 lines of code)
        if A[0, i] > 0.5:
            Y_prediction[0, i] = 1
        else:
            Y_prediction[0, i] = 0
        ### END CODE HERE ###

    assert(Y_prediction.shape == (1, m))

    return Y_prediction
''',
)

WEEK3 = course(
    "week 3: Planar data classification with one hidden layer",
    '''
def sigmoid(x):
    """
    Compute the sigmoid of x
    """
    s = 1/(1+np.exp(-x))
    return s

# GRADED FUNCTION: forward_propagation

def forward_propagation(X, parameters):
    """
    Returns:
    A2 -- The sigmoid output of the second activation
    cache -- a dictionary containing "Z1", "A1", "Z2" and "A2"
    """
    # Retrieve each parameter from the dictionary "parameters"
    ### START CODE HERE ### (≈ 4 lines of code)
    W1 = parameters["W1"]
    b1 = parameters["b1"]
    W2 = parameters["W2"]
    b2 = parameters["b2"]
    ### END CODE HERE ###

    # Implement Forward Propagation to calculate A2 (probabilities)
    ### START CODE HERE ### (≈ 4 lines of code)
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    ### END CODE HERE ###

    assert(A2.shape == (1, X.shape[1]))

    cache = {"Z1": Z1,
             "A1": A1,
             "Z2": Z2,
             "A2": A2}

    return A2, cache

# GRADED FUNCTION: compute_cost

def compute_cost(A2, Y):
    """
    Computes the cross-entropy cost given in equation (13)
    """

    m = Y.shape[1] # number of example

    # Compute the cross-entropy cost
    ### START CODE HERE ### (≈ 2 lines of code)
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    cost = - np.sum(logprobs) / m
    ### END CODE HERE ###

    cost = np.squeeze(cost)     # makes sure cost is the dimension we expect.
                                # E.g., turns [[17]] into 17

    return cost

# GRADED FUNCTION: backward_propagation

def backward_propagation(parameters, cache, X, Y):
    """
    Implement the backward propagation using the instructions above.
    """
    m = X.shape[1]

    # First, retrieve W1 and W2 from the dictionary "parameters".
    ### START CODE HERE ### (≈ 2 lines of code)
    W1 = parameters["W1"]
    W2 = parameters["W2"]
    ### END CODE HERE ###

    # Retrieve also A1 and A2 from dictionary "cache".
    ### START CODE HERE ### (≈ 2 lines of code)
    A1 = cache["A1"]
    A2 = cache["A2"]
    ### END CODE HERE ###

    # Backward propagation: calculate dW1, db1, dW2, db2.
    ### START CODE HERE ### (≈ 6 lines of code, corresponding to 6 equations on slide above)
    dZ2 = A2 - Y
    dW2 = 1 / m * np.dot(dZ2, A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
    dW1 = 1 / m * np.dot(dZ1, X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    ### END CODE HERE ###

    grads = {"dW1": dW1,
             "db1": db1,
             "dW2": dW2,
             "db2": db2}

    return grads

# GRADED FUNCTION: predict

def predict(parameters, X):
    """
    Using the learned parameters, predicts a class for each example in X
    """

    # Computes probabilities using forward propagation, and classifies to 0/1 using 0.5 as the threshold.
    ### START CODE HERE ### (≈ 2 lines of code)
    A2, cache = forward_propagation(X, parameters)
    predictions = (A2 > 0.5)
    ### END CODE HERE ###

    return predictions
''',
)

WEEK4 = course(
    "week 4: Building your Deep Neural Network: Step by Step (and dnn_utils)",
    '''
def sigmoid(Z):
    """
    Implements the sigmoid activation in numpy
    """

    A = 1/(1+np.exp(-Z))
    cache = Z

    return A, cache

def relu(Z):
    """
    Implement the RELU function.
    """

    A = np.maximum(0,Z)

    assert(A.shape == Z.shape)

    cache = Z
    return A, cache

# GRADED FUNCTION: linear_forward

def linear_forward(A, W, b):
    """
    Implement the linear part of a layer's forward propagation.
    """

    ### START CODE HERE ### (≈ 1 line of code)
    Z = np.dot(W, A) + b
    ### END CODE HERE ###

    assert(Z.shape == (W.shape[0], A.shape[1]))
    cache = (A, W, b)

    return Z, cache

# GRADED FUNCTION: linear_activation_forward

def linear_activation_forward(A_prev, W, b, activation):
    """
    Implement the forward propagation for the LINEAR->ACTIVATION layer
    """

    if activation == "sigmoid":
        # Inputs: "A_prev, W, b". Outputs: "A, activation_cache".
        ### START CODE HERE ### (≈ 2 lines of code)
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = sigmoid(Z)
        ### END CODE HERE ###

    elif activation == "relu":
        # Inputs: "A_prev, W, b". Outputs: "A, activation_cache".
        ### START CODE HERE ### (≈ 2 lines of code)
        Z, linear_cache = linear_forward(A_prev, W, b)
        A, activation_cache = relu(Z)
        ### END CODE HERE ###

    assert (A.shape == (W.shape[0], A_prev.shape[1]))
    cache = (linear_cache, activation_cache)

    return A, cache

# GRADED FUNCTION: L_model_forward

def L_model_forward(X, parameters):
    """
    Implement forward propagation for the [LINEAR->RELU]*(L-1)->LINEAR->SIGMOID computation
    """

    caches = []
    A = X
    L = len(parameters) // 2                  # number of layers in the neural network

    # Implement [LINEAR -> RELU]*(L-1). Add "cache" to the "caches" list.
    for l in range(1, L):
        A_prev = A
        ### START CODE HERE ### (≈ 2 lines of code)
        A, cache = linear_activation_forward(A_prev, parameters['W' + str(l)], parameters['b' + str(l)], activation = "relu")
        caches.append(cache)
        ### END CODE HERE ###

    # Implement LINEAR -> SIGMOID. Add "cache" to the "caches" list.
    ### START CODE HERE ### (≈ 2 lines of code)
    AL, cache = linear_activation_forward(A, parameters['W' + str(L)], parameters['b' + str(L)], activation = "sigmoid")
    caches.append(cache)
    ### END CODE HERE ###

    assert(AL.shape == (1,X.shape[1]))

    return AL, caches

# GRADED FUNCTION: compute_cost

def compute_cost(AL, Y):
    """
    Implement the cost function defined by equation (7).
    """

    m = Y.shape[1]

    # Compute loss from aL and y.
    ### START CODE HERE ### (≈ 1 lines of code)
    cost = (-1 / m) * np.sum(np.multiply(Y, np.log(AL)) + np.multiply(1 - Y, np.log(1 - AL)))
    ### END CODE HERE ###

    cost = np.squeeze(cost)      # To make sure your cost's shape is what we expect (e.g. this turns [[17]] into 17).
    assert(cost.shape == ())

    return cost
''',
)

# Week 4's second assignment (dnn_app_utils_v3): the cost through np.dot, and predict.
WEEK4_APP = course(
    "week 4: Deep Neural Network - Application (dnn_app_utils_v3)",
    '''
def compute_cost(AL, Y):
    """
    Implement the cost function defined by equation (7).
    """

    m = Y.shape[1]

    # Compute loss from aL and y.
    cost = (1./m) * (-np.dot(Y,np.log(AL).T) - np.dot(1-Y, np.log(1-AL).T))

    cost = np.squeeze(cost)      # To make sure your cost's shape is what we expect (e.g. this turns [[17]] into 17).
    assert(cost.shape == ())

    return cost

def predict(X, y, parameters):
    """
    This function is used to predict the results of a  L-layer neural network.
    """

    m = X.shape[1]
    n = len(parameters) // 2 # number of layers in the neural network
    p = np.zeros((1,m))

    # Forward propagation
    probas, caches = L_model_forward(X, parameters)


    # convert probas to 0/1 predictions
    for i in range(0, probas.shape[1]):
        if probas[0,i] > 0.5:
            p[0,i] = 1
        else:
            p[0,i] = 0

    #print results
    #print ("predictions: " + str(p))
    #print ("true labels: " + str(y))
    print("Accuracy: "  + str(np.sum((p == y)/m)))

    return p
''',
    L_model_forward=WEEK4.L_model_forward,
)


def tensors(params: dict[str, np.ndarray]) -> dict[str, Tensor]:
    return {k: Tensor(v.copy(), requires_grad=True, name=k) for k, v in params.items()}


def assert_tensor(t, shape: tuple[int, ...]) -> None:
    """A Tensor in the graph, of this shape: not an ndarray, least of all one of dtype object."""
    assert not isinstance(t, np.ndarray), (type(t), getattr(t, "dtype", None))
    assert type(t) is Tensor and t.shape == shape and t.dtype == np.float64
    assert t.requires_grad and t.grad_fn is not None


# ---- week 2: the assignment's own unit test for propagate ----

W2_X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
W2_Y = np.array([[1, 0, 1]])
W2_DW = np.array([[0.99845601], [2.39507239]])  # the notebook's expected output, 8 decimals
W2_DB = 0.00145557813678
W2_COST = 5.801545319394553


@pytest.mark.parametrize(
    "b_value", [np.array(2.0), np.array([[2.0]])], ids=["b 0-d tensor", "b (1, 1) tensor"]
)
def test_week2_propagate_gives_the_assignment_numbers(b_value):
    w = Tensor([[1.0], [2.0]], requires_grad=True, name="w")
    b = Tensor(b_value, requires_grad=True, name="b")
    grads, cost = WEEK2.propagate(w, b, W2_X, W2_Y)
    assert_tensor(cost, ())
    assert float(cost) == pytest.approx(W2_COST, rel=1e-14)

    cost.backward()
    assert w.grad.shape == (2, 1) and b.grad.shape == b_value.shape
    np.testing.assert_allclose(w.grad, W2_DW, rtol=0, atol=5e-9)
    # db to 1e-12, not to the 14 decimals given: backward differentiates the course's
    # log(1 - A), whose 1 - A carries A's rounding (A = 0.999994 on the second example, so a
    # relative 2e-11), and db = 0.0015 is a sum of terms near 1 (the engine is 4e-13 off)
    np.testing.assert_allclose(b.grad, W2_DB, rtol=0, atol=1e-12)

    # the course's own hand-written dw, db ran on Tensors too, and agree with backward (to the
    # rounding of 1 - A above: the hand formula A - Y never forms 1 / (1 - A))
    assert_tensor(grads["dw"], (2, 1))
    np.testing.assert_allclose(grads["dw"].data, w.grad, rtol=1e-11)
    assert float(grads["db"]) == pytest.approx(b.grad.item(), abs=1e-12)
    assert float(grads["db"]) == pytest.approx(W2_DB, abs=5e-15)  # the hand formula: 14 digits


def test_week2_propagate_with_a_number_b():
    """b = 2 as the notebook passes it: only w is a Tensor."""
    w = Tensor([[1.0], [2.0]], requires_grad=True, name="w")
    _, cost = WEEK2.propagate(w, 2, W2_X, W2_Y)
    assert_tensor(cost, ())
    cost.backward()
    np.testing.assert_allclose(w.grad, W2_DW, rtol=0, atol=5e-9)
    assert f"{cost:.6f}" == "5.801545"


def test_week2_sigmoid_records_the_course_formula():
    z = Tensor(np.array([[0.0, 2.0]]), requires_grad=True)
    s = WEEK2.sigmoid(z)
    assert_tensor(s, (1, 2))
    np.testing.assert_allclose(s.data, [[0.5, 0.88079708]], atol=1e-8)  # the notebook's
    s.sum().backward()
    np.testing.assert_allclose(z.grad, s.data * (1 - s.data), rtol=1e-14)


def test_week2_predict_loops_over_tensor_elements():
    """The assignment's predict test: w, b as Tensors; `if A[0, i] > 0.5:` on each element."""
    w = Tensor([[0.1124579], [0.23106775]], requires_grad=True)
    b = Tensor(-0.3, requires_grad=True)
    X = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    Y_prediction = WEEK2.predict(w, b, X)
    assert type(Y_prediction) is np.ndarray and Y_prediction.dtype == np.float64
    np.testing.assert_array_equal(Y_prediction, [[1.0, 1.0, 0.0]])


# ---- weeks 3 and 4 against reference.py's hand-derived backward ----


def random_problem(layer_dims: list[int], m: int, seed: int):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(layer_dims)):
        params[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * 0.8
        params[f"b{l}"] = rng.standard_normal((layer_dims[l], 1)) * 0.5
    X = rng.standard_normal((layer_dims[0], m))
    Y = (rng.uniform(size=(1, m)) > 0.5).astype(np.float64)
    Y[0, :2] = [0.0, 1.0]  # both classes
    return params, X, Y


def reference_grads(params, X, Y, hidden: str):
    AL, caches = reference.L_model_forward(X, params, hidden, "sigmoid")
    cost = reference.compute_cost(AL, Y)
    return AL, cost, reference.L_model_backward(AL, Y, caches, hidden, "sigmoid")


def assert_grads_match(P: dict[str, Tensor], expected: dict[str, np.ndarray]) -> None:
    for name, t in P.items():
        assert t.grad is not None and t.grad.shape == t.shape, name
        np.testing.assert_allclose(
            t.grad, expected["d" + name], rtol=1e-10, atol=1e-12, err_msg=name
        )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_week3_two_layer_tanh_net_matches_the_hand_derived_backward(seed):
    params, X, Y = random_problem([2, 4, 1], m=6, seed=seed)
    P = tensors(params)
    A2, cache = WEEK3.forward_propagation(X, P)
    cost = WEEK3.compute_cost(A2, Y)
    assert_tensor(A2, (1, 6))
    assert_tensor(cost, ())
    for key, shape in [("Z1", (4, 6)), ("A1", (4, 6)), ("Z2", (1, 6)), ("A2", (1, 6))]:
        assert_tensor(cache[key], shape)

    AL, ref_cost, expected = reference_grads(params, X, Y, "tanh")
    np.testing.assert_allclose(A2.data, AL, rtol=1e-13)
    assert float(cost) == pytest.approx(ref_cost, rel=1e-13)
    cost.backward()
    assert_grads_match(P, expected)


def test_week3_course_backward_runs_on_tensors_and_agrees():
    """The course's hand backward_propagation, fed the Tensor cache, computes the same values."""
    params, X, Y = random_problem([2, 4, 1], m=6, seed=3)
    P = tensors(params)
    A2, cache = WEEK3.forward_propagation(X, P)
    WEEK3.compute_cost(A2, Y).backward()
    hand = WEEK3.backward_propagation(P, cache, X, Y)
    for name in ("W1", "b1", "W2", "b2"):
        assert_tensor(hand["d" + name], P[name].shape)
        np.testing.assert_allclose(hand["d" + name].data, P[name].grad, rtol=1e-10, atol=1e-13)


def test_week3_predict_gives_a_bool_array_and_the_course_accuracy():
    params, X, Y = random_problem([2, 4, 1], m=8, seed=4)
    P = tensors(params)
    predictions = WEEK3.predict(P, X)
    assert type(predictions) is np.ndarray and predictions.dtype == np.bool_
    AL, _ = reference.L_model_forward(X, params, "tanh", "sigmoid")
    np.testing.assert_array_equal(predictions, AL > 0.5)
    # the notebook's print line, with .item() for its float() (numpy 2 refuses float of (1, 1))
    accuracy = (
        (np.dot(Y, predictions.T) + np.dot(1 - Y, 1 - predictions.T)) / float(Y.size) * 100
    ).item()
    assert accuracy == pytest.approx(100 * np.mean(predictions == Y))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("cost_form", ["np.sum", "np.dot"])
def test_week4_L_layer_relu_net_matches_the_hand_derived_backward(cost_form, seed):
    params, X, Y = random_problem([5, 4, 3, 1], m=7, seed=seed)
    P = tensors(params)
    AL, caches = WEEK4.L_model_forward(X, P)
    compute_cost = WEEK4.compute_cost if cost_form == "np.sum" else WEEK4_APP.compute_cost
    cost = compute_cost(AL, Y)
    assert_tensor(AL, (1, 7))
    assert_tensor(cost, ())
    assert len(caches) == 3
    for l, ((A_prev, W, b), Z) in enumerate(caches, start=1):
        assert W is P[f"W{l}"] and b is P[f"b{l}"]
        assert_tensor(Z, (W.shape[0], 7))
        if l > 1:
            assert_tensor(A_prev, (W.shape[1], 7))

    ref_AL, ref_cost, expected = reference_grads(params, X, Y, "relu")
    np.testing.assert_allclose(AL.data, ref_AL, rtol=1e-13)
    assert float(cost) == pytest.approx(ref_cost, rel=1e-13)
    cost.backward()
    assert_grads_match(P, expected)


def test_week4_input_gradient_is_dA0_over_m():
    """X as a Tensor that requires grad: dJ/dX is the course's dA0 (which carries no 1/m) / m."""
    params, X, Y = random_problem([5, 4, 3, 1], m=7, seed=5)
    P = tensors(params)
    Xt = Tensor(X, requires_grad=True, name="X")
    AL, _ = WEEK4.L_model_forward(Xt, P)
    WEEK4.compute_cost(AL, Y).backward()
    _, _, expected = reference_grads(params, X, Y, "relu")
    assert_grads_match(P, expected)
    np.testing.assert_allclose(Xt.grad, expected["dA0"] / 7, rtol=1e-10, atol=1e-13)


def test_week4_relu_at_exactly_zero_takes_the_course_g_prime_0():
    """A unit whose Z is exactly 0 on every example: relu_backward gives it dZ = 0, so its row of
    dW1 and db1 is 0; a maximum that split ties would give it half of dA."""
    params, X, Y = random_problem([5, 4, 3, 1], m=7, seed=6)
    params["W1"][1] = 0.0
    params["b1"][1] = 0.0
    params["W2"][2] = 0.0
    params["b2"][2] = 0.0
    P = tensors(params)
    AL, caches = WEEK4.L_model_forward(X, P)
    assert np.all(caches[0][1].data[1] == 0.0) and np.all(caches[1][1].data[2] == 0.0)
    WEEK4.compute_cost(AL, Y).backward()
    _, _, expected = reference_grads(params, X, Y, "relu")
    assert_grads_match(P, expected)
    np.testing.assert_array_equal(P["W1"].grad[1], np.zeros(5))
    np.testing.assert_array_equal(P["b1"].grad[1], [0.0])
    np.testing.assert_array_equal(P["W2"].grad[2], np.zeros(4))
    assert np.any(P["W2"].grad[0] != 0.0)  # the live units do get a gradient


def test_week4_predict_loops_over_tensor_elements(capsys):
    params, X, Y = random_problem([5, 4, 3, 1], m=9, seed=7)
    p = WEEK4_APP.predict(X, Y, tensors(params))
    AL, _ = reference.L_model_forward(X, params, "relu", "sigmoid")
    assert type(p) is np.ndarray
    np.testing.assert_array_equal(p, (AL > 0.5).astype(np.float64))
    accuracy = np.sum((p == Y) / 9)
    assert capsys.readouterr().out == f"Accuracy: {accuracy}\n"


def test_course_costs_print_as_the_notebooks_print_them():
    """`print("Cost after iteration %i: %f" % (i, cost))` and str(cost) after float()."""
    params, X, Y = random_problem([2, 4, 1], m=6, seed=8)
    A2, _ = WEEK3.forward_propagation(X, tensors(params))
    cost = WEEK3.compute_cost(A2, Y)
    value = reference.compute_cost(reference.L_model_forward(X, params, "tanh")[0], Y)
    line = "Cost after iteration %i: %f" % (0, cost)  # noqa: UP031 -- the course's own print
    assert line == "Cost after iteration %i: %f" % (0, value)  # noqa: UP031
    assert f"cost = {cost:.8f}" == f"cost = {value:.8f}"
