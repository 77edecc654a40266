"""nn.compile_step: one step recorded once and replayed as numpy gives what the ordinary loop
gives, shows the program it runs, allocates nothing per step, and refuses what it cannot replay."""

from __future__ import annotations

import ast
import tracemalloc

import numpy as np
import pytest

from tinygrad_edu import Tensor, datasets, nn, ops, optim
from tinygrad_edu import functional as F

overflow_ok = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _data(n_x: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_x, m)), (rng.random((1, m)) < 0.4).astype(np.float64)


def _planar(dtype: str = "float64") -> tuple[nn.Module, np.ndarray, np.ndarray, float]:
    X, Y = datasets.planar_flower(400, seed=1)
    return nn.DeepNN([2, 4, 1], "tanh", init="small", seed=2, dtype=dtype), X, Y, 1.2


def _logreg(dtype: str = "float64") -> tuple[nn.Module, np.ndarray, np.ndarray, float]:
    X, Y = _data(64, 50)
    return nn.LogisticRegression(64, dtype=dtype), X, Y, 0.05


def _deep(
    dtype: str = "float64", act: str = "relu"
) -> tuple[nn.Module, np.ndarray, np.ndarray, float]:
    X, Y = _data(20, 80, seed=1)
    return nn.DeepNN([20, 7, 5, 1], act, seed=1, dtype=dtype), X, Y, 0.05


MODELS = {"planar": _planar, "logreg": _logreg, "deep": _deep}


def _readme_cost(model: nn.Module):
    """The README loop's graph: sigmoid, then binary_cross_entropy of AL."""
    return lambda X, Y: F.binary_cross_entropy(model(X), Y)


def _ordinary(model, X, Y, lr, steps, cost=None):
    """The loop a student writes: zero_grad, J, backward, step; the costs."""
    opt = optim.GradientDescent(model.parameters(), lr)
    costs = []
    for _ in range(steps):
        opt.zero_grad()
        J = cost(X, Y) if cost else model.cost(X, Y)
        costs.append(float(J.data))
        J.backward()
        opt.step()
    return costs


def _assert_same_training(make, steps=200, readme=False, dtype="float64"):
    """Costs and parameters equal to 1e-12 in float64 (not bit for bit: the step reads X in
    Fortran order, and BLAS may sum a product with X in another order), 1e-5 in float32."""
    tol = 1e-12 if dtype == "float64" else 1e-5
    plain, X, Y, lr = make(dtype)
    replayed = make(dtype)[0]
    expected = _ordinary(plain, X, Y, lr, steps, _readme_cost(plain) if readme else None)
    step = nn.compile_step(
        replayed, X, Y, learning_rate=lr, cost=_readme_cost(replayed) if readme else None
    )
    costs = [step() for _ in range(steps)]
    assert costs[-1] < costs[0] - 0.01  # it trained
    np.testing.assert_allclose(costs, expected, rtol=0, atol=tol)
    for (k, p), q in zip(plain.named_parameters(), replayed.parameters(), strict=True):
        np.testing.assert_allclose(q.data, p.data, rtol=0, atol=tol, err_msg=k)
        assert q.dtype == np.dtype(dtype)
    return step


# ---------------------------------------------------------------- the same training


@pytest.mark.parametrize("name", MODELS)
def test_200_replayed_steps_equal_the_ordinary_loop_to_1e_12(name):
    _assert_same_training(MODELS[name])


@pytest.mark.parametrize("name", MODELS)
def test_the_readme_loops_graph_replays_through_the_course_shortcut(name):
    step = _assert_same_training(MODELS[name], steps=50, readme=True)
    L = MODELS[name]()[0].L
    A, Z = ("A", "Z") if name == "logreg" else ("AL", f"Z{L}")
    assert f"d{A}" not in step.source  # no dA: the cost hands Z its dZ = (1/m)(A − Y) ...
    rule = ops.BinaryCrossEntropy.through_rule  # ... by the rule the cost declares
    assert "# " + rule.format(dZ="d" + Z, A=A, Y="Y", dJ="dJ") in step.source


@pytest.mark.parametrize("name", MODELS)
def test_float32_stays_float32_and_equals_the_ordinary_loop(name):
    step = _assert_same_training(MODELS[name], steps=50, dtype="float32")
    assert all(g.dtype == np.float32 for g in step.grads.values())


@pytest.mark.parametrize("act", ["sigmoid", "leaky_relu"])
def test_every_hidden_activation_replays(act):
    _assert_same_training(lambda dtype: _deep(dtype, act), steps=50)


def test_the_gradients_are_the_engines_and_the_cost_is_from_before_the_update():
    model, X, Y, lr = _planar()
    twin = _planar()[0]
    J = twin.cost(X, Y)
    J.backward()
    step = nn.compile_step(model, X, Y, learning_rate=lr)
    before = {k: p.data.copy() for k, p in model.named_parameters()}
    assert step() == float(J.data)
    assert set(step.grads) == {"dW1", "db1", "dW2", "db2"}
    for k, p in twin.named_parameters():
        np.testing.assert_array_equal(step.grads["d" + k], p.grad, err_msg=k)
        np.testing.assert_array_equal(model[k].data, before[k] - lr * p.grad, err_msg=k)


def test_compiling_changes_nothing_and_the_parameters_are_updated_in_their_own_arrays():
    model, X, Y, lr = _deep()
    arrays = {k: p.data for k, p in model.named_parameters()}
    values = {k: a.copy() for k, a in arrays.items()}
    step = nn.compile_step(model, X, Y, learning_rate=lr)
    for k, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, values[k])
        assert p.grad is None
    step()
    for k, p in model.named_parameters():
        assert p.data is arrays[k], k  # in place: np.subtract(W, ..., out=W)
        assert not np.array_equal(p.data, values[k]), k


def test_an_update_in_place_counts_as_a_change_so_an_old_graph_refuses_backward():
    model, X, Y, lr = _planar()
    step = nn.compile_step(model, X, Y, learning_rate=lr)
    J = model.cost(X, Y)  # recorded from the parameters before the step
    version = model["W2"].version
    step()
    assert model["W2"].version == version + 1
    with pytest.raises(RuntimeError, match="modified in place"):
        J.backward()


# ---------------------------------------------------------------- the program


def test_the_source_is_the_courses_two_layer_backward_propagation():
    model, X, Y, lr = _planar()
    src = nn.compile_step(model, X, Y, learning_rate=lr).source
    for line in (
        "def forward_propagation():",
        "np.dot(W1, X, out=Z1)",
        "np.tanh(Z1, out=A1)",
        "np.divide(A2, T2, out=A2)",  # A2 = σ(Z2), inside the fused cost
        "def backward_propagation():",
        "np.subtract(A2, Y, out=dZ2)",  # the course's dZ2 = A2 − Y ...
        "np.divide(dZ2, m, out=dZ2)",  # ... with the mean's 1/m
        "np.dot(dZ2, A1.T, out=dW2)",
        "dZ2.sum(axis=1, keepdims=True, out=db2)",
        "np.dot(W2.T, dZ2, out=dA1)",
        "np.dot(dZ1, X.T, out=dW1)",
        "np.subtract(W1, lr_dW1, out=W1)",
        "m = np.array(400.0)",
        "learning_rate = np.array(1.2)",
    ):
        assert line in src, line
    assert "dX" not in src  # no dA[0]: X needs no gradient
    assert src.index("dZ2 =") < src.index("dW2 =") < src.index("dZ1 =") < src.index("dW1 =")
    # the comments are the ops' own rules in the program's names
    tanh = ops.Tanh()
    assert "# " + tanh.describe(tanh.rules[0], "A1", ["Z1"], "d".__add__) in src


def test_constants_are_folded_no_call_converts_a_python_number():
    model, X, Y, lr = _planar()
    tree = ast.parse(nn.compile_step(model, X, Y, learning_rate=lr).source)
    calls = [
        c
        for f in tree.body
        if isinstance(f, ast.FunctionDef)
        for c in ast.walk(f)
        if isinstance(c, ast.Call)
    ]
    assert len(calls) > 30
    for c in calls:
        assert not any(isinstance(a, ast.Constant) for a in c.args), ast.unparse(c)
    # dJ = 1 folded away: nothing multiplies by it
    assert "np.multiply(one" not in ast.unparse(tree)


def test_the_code_shown_is_the_code_run():
    """exec(step.source) on copies of the data and parameters takes the very same steps."""
    model, X, Y, lr = _deep()
    step = nn.compile_step(model, X, Y, learning_rate=lr)
    given = {"X": np.asfortranarray(X), "Y": Y.copy()}  # X as the step holds it
    given |= {k: p.data.copy() for k, p in model.named_parameters()}
    namespace = dict(given)
    exec(compile(step.source, "<shown>", "exec"), namespace)
    for _ in range(5):
        assert namespace["step"]() == step()
    for k, p in model.named_parameters():
        np.testing.assert_array_equal(namespace[k], p.data)


def test_a_graph_with_broadcasting_reuse_and_constants_replays():
    """Week 2 written by hand: w.T @ X + b (b broadcast), plus an L2 term that uses w twice."""

    class Week2(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.n_x = 5
            rng = np.random.default_rng(3)
            self.w = self._register("w", Tensor(rng.standard_normal((5, 1)), True, "w"))
            self.b = self._register("b", Tensor(np.zeros((1, 1)), True, "b"))

    def cost(model):
        def J(X, Y):
            A = (model.w.T @ X + model.b).sigmoid()
            return F.binary_cross_entropy(A, Y) + 0.01 * (model.w * model.w).sum()

        return J

    X, Y = _data(5, 30, seed=2)
    plain, replayed = Week2(), Week2()
    expected = _ordinary(plain, X, Y, 0.1, 100, cost(plain))
    step = nn.compile_step(replayed, X, Y, learning_rate=0.1, cost=cost(replayed))
    np.testing.assert_allclose([step() for _ in range(100)], expected, rtol=0, atol=1e-12)
    for p, q in zip(plain.parameters(), replayed.parameters(), strict=True):
        np.testing.assert_allclose(q.data, p.data, rtol=0, atol=1e-12)
    assert "keepdims=True, out=db)" in step.source  # db summed back over the m columns
    assert "np.add(dw, " in step.source  # w's shares add up


class Small(nn.Module):
    """W (2, 3) and b (2, 1), for graphs written by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.n_x = 3
        rng = np.random.default_rng(4)
        self.W = self._register("W", Tensor(rng.standard_normal((2, 3)) * 0.5, True, "W"))
        self.b = self._register("b", Tensor(rng.standard_normal((2, 1)) * 0.5, True, "b"))


OP_GRAPHS = {  # op name -> a graph of W, b, X, Y that uses it
    "add": lambda W, b, X, Y: W @ X + b,
    "sub": lambda W, b, X, Y: W @ X - b,
    "mul": lambda W, b, X, Y: (W @ X) * b,
    "div": lambda W, b, X, Y: (W @ X) / (b * b + 1.0),
    "neg": lambda W, b, X, Y: -(W @ X),
    "exp": lambda W, b, X, Y: (0.1 * (W @ X)).exp(),
    "log": lambda W, b, X, Y: (W @ X).sigmoid().log(),
    "sqrt": lambda W, b, X, Y: ((W @ X) * (W @ X) + 1.0).sqrt(),
    "abs": lambda W, b, X, Y: (W @ X).abs(),
    "sigmoid": lambda W, b, X, Y: (W @ X).sigmoid(),
    "tanh": lambda W, b, X, Y: (W @ X).tanh(),
    "relu": lambda W, b, X, Y: (W @ X).relu(),
    "leaky_relu": lambda W, b, X, Y: (W @ X).leaky_relu(0.1),
    "matmul": lambda W, b, X, Y: W @ X,
    "linear": lambda W, b, X, Y: F.linear(W, X, b),
    "sum": lambda W, b, X, Y: (W @ X).sum(axis=1) + (W @ X).sum(axis=0, keepdims=True).sum(),
    "reshape": lambda W, b, X, Y: (W @ X).reshape(-1),
    "transpose": lambda W, b, X, Y: (W @ X).T.transpose(1, 0),
    "binary_cross_entropy": lambda W, b, X, Y: F.binary_cross_entropy(
        0.5 * (W @ X).sigmoid() + 0.25,
        Y,  # not from a sigmoid: BCE's own backward
    ),
    "binary_cross_entropy_with_logits": lambda W, b, X, Y: F.binary_cross_entropy_with_logits(
        W @ X, Y
    ),
}
NO_KERNEL = {"maximum", "minimum", "pow", "max", "broadcast_to", "getitem", "scatter_add"}


def _op_cost(model: Small, op: str):
    def J(X, Y):
        out = OP_GRAPHS[op](model.W, model.b, X, Y)
        return out if out.size == 1 else out.sum()

    return J


@pytest.mark.parametrize("op", OP_GRAPHS)
def test_each_ops_kernels_replay_its_forward_and_vjp(op):
    X, Y = _data(3, 7, seed=5)
    Y = np.vstack([Y, 1 - Y])  # (2, m), as W @ X
    plain, replayed = Small(), Small()
    assert op in {n.op for n in _op_cost(plain, op)(X, Y).topological_order()}
    expected = _ordinary(plain, X, Y, 0.05, 5, _op_cost(plain, op))
    step = nn.compile_step(replayed, X, Y, learning_rate=0.05, cost=_op_cost(replayed, op))
    np.testing.assert_allclose([step() for _ in range(5)], expected, rtol=0, atol=1e-12)
    for p, q in zip(plain.parameters(), replayed.parameters(), strict=True):
        np.testing.assert_allclose(q.data, p.data, rtol=0, atol=1e-12, err_msg=p.name)


def test_every_op_has_a_kernel_for_each_input_or_none_at_all():
    instances = {
        ops.Pow: (3.0,), ops.LeakyRelu: (0.01,), ops.Sum: ((1,), False), ops.Max: ((1,), True),
        ops.Reshape: ((6,),), ops.Transpose: (None,), ops.BroadcastTo: ((2, 3),),
        ops.GetItem: (0,), ops.ScatterAdd: (0, (2, 3)), ops.Linear: (),
    }  # fmt: skip
    kernels, none = set(), set()
    for cls in vars(ops).values():
        if not (isinstance(cls, type) and issubclass(cls, ops.Op)) or cls in (
            ops.Op,
            ops.Broadcasting,
        ):
            continue
        op = cls(*instances.get(cls, ()))
        if op.forward_code is None:
            none.add(op.name)
            continue
        kernels.add(op.name)
        assert len(op.backward_code) == len(op.args), op.name
    assert kernels == set(OP_GRAPHS) and none == NO_KERNEL


# ---------------------------------------------------------------- new data, changed parameters


def test_new_data_of_the_same_shape_is_copied_in_and_trained_on():
    model, X, Y, lr = _planar()
    twin = _planar()[0]
    X2, Y2 = datasets.planar_flower(400, seed=7)
    keep = X2.copy()
    step = nn.compile_step(model, X, Y, learning_rate=lr)
    expected = _ordinary(twin, X, Y, lr, 3) + _ordinary(twin, X2, Y2, lr, 3)
    costs = [step() for _ in range(3)] + [step(X=X2, Y=Y2) for _ in range(3)]
    np.testing.assert_allclose(costs, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(X2, keep)  # the caller's arrays are read, never written
    costs_back = step(X=X, Y=Y), _ordinary(twin, X, Y, lr, 1)[0]
    assert costs_back[0] == pytest.approx(costs_back[1], abs=1e-12)


def test_new_data_of_another_shape_or_dtype_is_refused_in_one_line():
    model, X, Y, lr = _planar()
    step = nn.compile_step(model, X, Y, learning_rate=lr)
    with pytest.raises(
        ValueError,
        match=r"^compile_step: X has shape \(2, 300\) but this step was "
        r"compiled for X of shape \(2, 400\); compile a step",
    ):
        step(X=X[:, :300])
    with pytest.raises(ValueError, match=r"Y is int64 but this step was compiled for float64 data"):
        step(Y=Y.astype(np.int64))
    with pytest.raises(ValueError, match=r"X is float32 .* pass X.astype\(np.float64\)"):
        step(X=X.astype(np.float32))


def test_a_cost_that_copies_X_refuses_new_X_it_would_never_see():
    model, X, Y, lr = _planar()
    step = nn.compile_step(model, X, Y, learning_rate=lr, cost=lambda X, Y: model.cost(X * 1, Y))
    step()
    with pytest.raises(ValueError, match="the cost does not read X as it was given"):
        step(X=X + 1)


def test_parameters_given_new_arrays_are_taken_in_and_a_new_shape_is_refused():
    model, X, Y, lr = _deep()
    twin = _deep()[0]
    step = nn.compile_step(model, X, Y, learning_rate=lr)
    start = twin.state_dict()
    step()
    model.load_state_dict(start)  # new arrays: back to the start
    assert step() == _ordinary(twin, X, Y, lr, 1)[0]
    model["W1"].data = np.zeros((5, 20))
    with pytest.raises(
        ValueError,
        match=r"^compile_step: W1 is float64 \(5, 20\) now, but this "
        r"step was compiled for float64 \(7, 20\); compile the step again$",
    ):
        step()


# ---------------------------------------------------------------- refusals


def test_an_op_without_a_kernel_is_refused_naming_it():
    model, X, Y, lr = _planar()
    cost = lambda X, Y: F.binary_cross_entropy(model(X)[:, :], Y)  # noqa: E731
    with pytest.raises(ValueError) as e:
        nn.compile_step(model, X, Y, learning_rate=lr, cost=cost)
    assert str(e.value) == (
        "compile_step: the op 'getitem' has no replay kernel; train with the ordinary loop"
    )


def test_other_optimizers_and_costs_that_are_not_a_number_are_refused():
    model, X, Y, lr = _planar()
    with pytest.raises(ValueError, match="only plain gradient descent is replayed .* not Momentum"):
        nn.compile_step(model, X, Y, optimizer=optim.Momentum(model.parameters(), lr))
    with pytest.raises(ValueError, match="the cost must be one number"):
        nn.compile_step(model, X, Y, cost=lambda X, Y: model(X))


def test_a_kernel_that_does_not_fit_the_graph_is_refused_with_its_line():
    """Linear accepts a b of Z's shape; its db kernel (a sum over the columns) does not."""
    model = Small()
    model.b.data = np.zeros((2, 7))
    X, Y = _data(3, 7)
    with pytest.raises(ValueError, match=r"the replay kernel `dZ.sum\(axis=1, .*\)` does not fit"):
        nn.compile_step(model, X, Y, cost=lambda X, Y: F.linear(model.W, X, model.b).sum())


# ---------------------------------------------------------------- fit and memory


def _quiet_fit(model, X, Y, lr, n, **kw):
    return nn.fit(model, X, Y, lr, n, print_every=40, progress=False, **kw)


def test_fit_with_replay_trains_exactly_as_fit(capsys):
    model, X, Y, lr = _deep()
    twin = _deep()[0]
    h1, h2 = _quiet_fit(twin, X, Y, lr, 100), _quiet_fit(model, X, Y, lr, 100, replay=True)
    assert len(h2.costs) == 100
    np.testing.assert_allclose(h2.costs, h1.costs, rtol=0, atol=1e-12)
    assert h2.train_accuracies == h1.train_accuracies and h2.train_accuracy == h1.train_accuracy
    for k, p in twin.named_parameters():
        np.testing.assert_allclose(model[k].data, p.data, rtol=0, atol=1e-12, err_msg=k)
    printed = capsys.readouterr().out.splitlines()  # iterations 0, 40, 80 and 99, twice
    assert [line.split(":")[0] for line in printed[4:]] == [
        line.split(":")[0] for line in printed[:4]
    ]
    assert printed[7] == f"Cost after iteration 99: {h2.costs[99]}"


def test_fit_with_replay_refuses_momentum_before_any_step():
    model, X, Y, lr = _deep()
    before = model.state_dict()
    with pytest.raises(ValueError, match="only plain gradient descent"):
        _quiet_fit(
            model, X, Y, lr, 5, optimizer=optim.Momentum(model.parameters(), lr), replay=True
        )
    for k, v in before.items():
        np.testing.assert_array_equal(model[k].data, v)


@overflow_ok
def test_fit_with_replay_puts_back_the_last_finite_parameters_when_it_diverges():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 40))
    Y = (X[0:1] * X[1:2] > 0).astype(float)
    runs = []
    for replay in (False, True):
        model = nn.DeepNN([2, 4, 3, 1], "leaky_relu", seed=1)
        with pytest.raises(nn.TrainingDiverged) as e:
            nn.fit(model, X, Y, 100.0, 50, print_every=None, progress=False, replay=replay)
        runs.append((e.value.iteration, e.value.history.costs, model.state_dict()))
    (i1, c1, s1), (i2, c2, s2) = runs
    assert i2 == i1 == 8 and len(c2) == len(c1) == 8
    np.testing.assert_allclose(c2, c1, rtol=0, atol=1e-12)
    for k in s1:  # the parameters of iteration 7, put back
        np.testing.assert_allclose(s2[k], s1[k], rtol=1e-12, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("name", ["planar", "deep"])
def test_a_replayed_step_allocates_next_to_nothing(name):
    """Memory, not time: 50 steps after the first grow the traced peak by less than 10 KB (a
    single Z1 made per step would be 12.8 KB; numpy's broadcasting b + W A made one that large),
    and keep nothing."""
    model, X, Y, lr = MODELS[name]()
    step = nn.compile_step(model, X, Y, learning_rate=lr)
    step()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(50):
            step()
        now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - base < 10_000, peak - base
    assert now - base < 4_000, now - base  # 80 bytes kept per step would be 4 KB
