"""Trustworthy under misuse: the engine's rules for what it accepts, shares and keeps per thread."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

from tinygrad_edu import Tensor, no_grad


def test_grad_mode_is_per_thread():
    """A no_grad block in one thread does not switch recording off in another (as in PyTorch)."""
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def other():
        with no_grad():
            inside.set()
            done.wait(5)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(5)
    w = Tensor([1.0, 2.0], requires_grad=True)
    seen["recorded"] = (w * 3).requires_grad  # recorded here while the other thread is in no_grad
    done.set()
    t.join()
    assert seen["recorded"] is True
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


def test_no_grad_on_a_generator_holds_for_every_step():
    w = Tensor([1.0], requires_grad=True)

    @no_grad()
    def steps():
        for k in range(3):
            yield w * k

    outs = list(steps())
    assert [o.requires_grad for o in outs] == [False, False, False]
    assert (w * 2).requires_grad  # outside the generator, recording is on


@pytest.mark.parametrize(
    "data, match",
    [
        (np.ones(3, dtype=np.float16), "float16"),
        (np.ones(3, dtype=np.complex128), "complex"),
        ([[1.0, 2.0], [3.0]], "rectangular"),
        (["a", "b"], "dtype <U1"),
    ],
)
def test_what_a_tensor_cannot_hold_is_refused(data, match):
    with pytest.raises((TypeError, ValueError), match=match):
        Tensor(data)


def test_a_complex_number_is_not_silently_truncated():
    with pytest.raises(TypeError, match="complex"):
        Tensor([1.0, 2.0]) * np.complex128(1 + 2j)


def test_reshape_takes_whole_numbers_only():
    t = Tensor(np.arange(6.0))
    with pytest.raises(TypeError, match="whole numbers"):
        t.reshape(2.9, 3)
    assert t.reshape(np.int64(2), 3).shape == (2, 3)


def test_grad_accumulates_into_the_same_array():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    held = w.grad
    (w * 4).sum().backward()
    assert w.grad is held  # a reference taken after the first backward stays current
    np.testing.assert_array_equal(held, [7.0, 7.0])


def test_grad_of_the_wrong_shape_is_refused():
    w = Tensor(np.zeros((2, 1)), requires_grad=True)
    with pytest.raises(ValueError, match=r"shape \(2, 1\), got \(1, 2\)"):
        w.grad = np.zeros((1, 2))


def test_backward_with_a_tensor_seed_under_create_graph_keeps_its_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    v = Tensor([3.0, 5.0], requires_grad=True)
    y = x * x
    y.backward(grad=v, create_graph=True)  # x.grad = 2 x v, a Tensor in a graph of v too
    x.grad.sum().backward()
    np.testing.assert_array_equal(v.grad, 2 * x.data)


def test_data_refuses_a_tensor():
    w = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="not a Tensor"):
        w.data = Tensor([2.0])


def test_the_cost_checks_a_sigmoid_output_that_was_changed_in_place():
    import tinygrad_edu.functional as F

    Z = Tensor(np.array([[0.5, -1.0]]), requires_grad=True)
    A = Z.sigmoid()
    with no_grad():
        A -= 0.9  # now below 0: its log is NaN, its cost would be a silent nonsense
    assert A.version == 1
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        F.binary_cross_entropy(A, np.array([[1.0, 0.0]]))


def test_two_fits_in_two_threads_train_as_each_would_alone():
    from tinygrad_edu import datasets, nn

    X, Y = datasets.planar_flower(m=100, seed=1)
    alone = nn.fit(nn.DeepNN([2, 4, 1], "tanh", init="small", seed=2), X, Y, 1.2, 200,
                   print_every=None, progress=False).costs  # fmt: skip
    results: dict[int, list[float]] = {}

    def train(k: int) -> None:
        model = nn.DeepNN([2, 4, 1], "tanh", init="small", seed=2)
        results[k] = nn.fit(model, X, Y, 1.2, 200, print_every=None, progress=False).costs

    threads = [threading.Thread(target=train, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    with no_grad():  # this thread's switch must not reach the two trainings
        for t in threads:
            t.join()
    assert results[0] == alone and results[1] == alone


def test_an_update_through_w_T_inside_no_grad_changes_w_once():
    W = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True, name="W")
    with no_grad():
        W.T -= np.array([[1.0, 0.0], [0.0, 0.0]])  # through the view: W[0, 0] -= 1
    np.testing.assert_array_equal(W.data, [[0.0, 2.0], [3.0, 4.0]])
    assert W.version == 1 and W.is_leaf
    with pytest.raises(AttributeError, match="Tensor.T cannot be assigned"):
        W.T = Tensor(np.zeros((2, 2)))


# ---- the course's update written on Tensors: W = W - learning_rate * dW


def _course_loop(passes, update):
    """Logistic regression with the student's own numpy gradients, updated by update(w, dw)."""
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(2, 8)), (rng.random((1, 8)) > 0.5) * 1.0
    w = Tensor(rng.normal(size=(1, 2)) * 0.01, requires_grad=True, name="w")
    for _ in range(passes):
        A = (np.dot(w, X)).sigmoid()
        dw = np.dot(A.data - Y, X.T) / 8
        w = update(w, dw)
    return w


def test_a_recorded_update_loop_is_named_with_the_way_out():
    with pytest.warns(UserWarning) as seen:
        w = _course_loop(3, lambda w, dw: w - 0.1 * dw)
    messages = [str(x.message) for x in seen]
    assert len(messages) == 2  # passes 2 and 3: the first update alone may be meant
    assert messages[0].startswith("w = w - learning_rate * dw on a Tensor that requires grad")
    assert "`with no_grad(): w -= learning_rate * dw`" in messages[0]
    # what it warns about: every pass added a sub and its constant, and kept the old w
    assert len(w.topological_order(everything=True)) == 1 + 2 * 3


@pytest.mark.parametrize(
    "update", [lambda w, dw: w - 0.1 * dw, lambda w, dw: np.subtract(w, 0.1 * dw)],
    ids=["w - lr * dw", "np.subtract(w, lr * dw)"],
)  # fmt: skip
def test_the_recorded_update_warning_points_at_the_users_line(update):
    with pytest.warns(UserWarning) as seen:
        _course_loop(2, update)
    assert [x.filename for x in seen] == [__file__]  # the lambda's line, not numpy_support's


def test_the_update_under_no_grad_keeps_w_a_leaf_and_warns_nothing():
    def update(w, dw):
        with no_grad():
            w -= 0.1 * dw
        return w

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = _course_loop(3, update)
    assert w.is_leaf and w.version == 3


def test_subtracting_constants_in_a_cost_is_not_an_update():
    w = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ((w - np.array([[0.5, 0.5]])) ** 2).sum()  # a distance to a target
        (w - np.array([[0.5, 0.5]])) - np.array([[1.0]])  # then a broadcast constant
        (w - np.array([[0.5, 0.5]])) - w  # then a tensor that requires grad
        (w * 2.0) - np.array([[0.5, 0.5]])  # a constant from another op's result
