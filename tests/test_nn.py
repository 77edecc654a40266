"""nn: the course's models against hand-written numpy forward and backward passes."""

import numpy as np
import pytest

from tinygrad_edu import Tensor, gradcheck, nn

SLOPE = 0.01


# ---- the course's formulas, written out by hand in numpy ----
def g(name, Z):
    return {
        "relu": lambda: np.maximum(Z, 0),
        "tanh": lambda: np.tanh(Z),
        "sigmoid": lambda: 1 / (1 + np.exp(-Z)),
        "leaky_relu": lambda: np.where(Z > 0, Z, SLOPE * Z),
    }[name]()


def g_prime(name, Z, A):
    return {
        "relu": lambda: (Z > 0).astype(float),
        "tanh": lambda: 1 - A**2,
        "sigmoid": lambda: A * (1 - A),
        "leaky_relu": lambda: np.where(Z > 0, 1.0, SLOPE),
    }[name]()


def hand_forward_backward(params, X, Y, hidden, output="sigmoid"):
    """AL and the grads {"dW1": ...} by the course's linear/activation backward."""
    L = len(params) // 2
    A, cache = X, []
    for l in range(1, L + 1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A_next = g(output if l == L else hidden, Z)
        cache.append((A, Z, A_next))
        A = A_next
    AL, m = A, X.shape[1]
    dA = -(Y / AL - (1 - Y) / (1 - AL))
    grads = {}
    for l in range(L, 0, -1):
        A_prev, Z, A_l = cache[l - 1]
        dZ = dA * g_prime(output if l == L else hidden, Z, A_l)
        grads[f"dW{l}"] = dZ @ A_prev.T / m
        grads[f"db{l}"] = np.sum(dZ, axis=1, keepdims=True) / m
        dA = params[f"W{l}"].T @ dZ
    return AL, grads


def data(n_x=5, m=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    Y[0, :2] = [0.0, 1.0]  # both classes
    return X, Y


# ---- initialization: the course's draws ----
@pytest.mark.parametrize(
    "init, scale",
    [
        ("small", lambda n, p: 0.01),
        ("scaled", lambda n, p: 1 / np.sqrt(p)),
        ("he", lambda n, p: np.sqrt(2 / p)),
        ("xavier", lambda n, p: np.sqrt(2 / (p + n))),
    ],
)
def test_seeded_init_draws_what_the_course_draws(init, scale):
    dims = [5, 4, 3, 1]
    model = nn.DeepNN(dims, init=init, seed=1)
    rng = np.random.RandomState(1)  # the same stream as np.random.seed(1); np.random.randn(...)
    for l in range(1, 4):
        expected = rng.randn(dims[l], dims[l - 1]) * scale(dims[l], dims[l - 1])
        np.testing.assert_allclose(model[f"W{l}"].data, expected, rtol=1e-15, atol=0)
        np.testing.assert_array_equal(model[f"b{l}"].data, np.zeros((dims[l], 1)))


def test_course_expression_is_bitwise_for_scaled_and_small():
    np.random.seed(1)
    W1 = np.random.randn(20, 12) / np.sqrt(12)  # initialize_parameters_deep's expression
    W2 = np.random.randn(7, 20) / np.sqrt(20)
    model = nn.DeepNN([12, 20, 7], init="scaled", seed=1)
    assert np.array_equal(model["W1"].data, W1) and np.array_equal(model["W2"].data, W2)
    np.random.seed(2)
    V1 = np.random.randn(4, 2) * 0.01  # week 3's initialize_parameters
    assert np.array_equal(nn.DeepNN([2, 4, 1], "tanh", init="small", seed=2)["W1"].data, V1)


def test_seed_leaves_global_rng_alone_and_none_uses_it():
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    nn.DeepNN([3, 2, 1], seed=1)
    assert np.array_equal(np.random.get_state()[1], before)
    np.random.seed(3)
    a = nn.DeepNN([3, 2, 1], seed=None)
    b = nn.DeepNN([3, 2, 1], seed=3)
    assert np.array_equal(a["W1"].data, b["W1"].data) and np.array_equal(a["W2"].data, b["W2"].data)


def test_zeros_init_and_shapes_and_keys():
    model = nn.DeepNN([4, 3, 2, 1], init="zeros")
    assert [k for k, _ in model.named_parameters()] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [p.shape for p in model.parameters()] == [(3, 4), (3, 1), (2, 3), (2, 1), (1, 2), (1, 1)]
    assert all(not p.data.any() for p in model.parameters())
    assert (model.L, model.layer_dims, model.hidden_activation) == (3, [4, 3, 2, 1], "relu")


# ---- forward and gradients against the hand-written passes ----
@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_deep_forward_and_grads_match_hand_derivation(hidden):
    X, Y = data()
    model = nn.DeepNN([5, 4, 3, 1], hidden, init="scaled", seed=3)
    AL_hand, grads_hand = hand_forward_backward(model.state_dict(), X, Y, hidden)
    J = model.cost(X, Y)
    J.backward()
    np.testing.assert_allclose(model(X).data, AL_hand, rtol=1e-13)
    expected_J = -np.mean(Y * np.log(AL_hand) + (1 - Y) * np.log(1 - AL_hand))
    assert J.item() == pytest.approx(expected_J, rel=1e-13)
    grads = model.grads()
    assert sorted(grads) == sorted(grads_hand)
    for k in grads_hand:
        np.testing.assert_allclose(grads[k], grads_hand[k], rtol=1e-10, atol=1e-16, err_msg=k)


@pytest.mark.parametrize("hidden", ["relu", "tanh", "leaky_relu"])
def test_deep_grads_pass_central_differences(hidden):
    X, Y = data(n_x=3, m=6, seed=1)
    model = nn.DeepNN([3, 4, 1], hidden, init="he", seed=0)
    W1, b1, W2, b2 = model.parameters()

    def J(W1, b1, W2, b2):
        return nn.cost(g_net(W1, b1, W2, b2), Y)

    def g_net(W1, b1, W2, b2):
        Z1 = W1 @ X + b1
        A1 = Z1.relu() if hidden == "relu" else Z1.tanh() if hidden == "tanh" else Z1.leaky_relu()
        return (W2 @ A1 + b2).sigmoid()

    result = gradcheck(J, W1, b1, W2, b2)
    assert result.max_relative_difference < 1e-7
    model.cost(X, Y).backward()  # the model's own graph gives the same gradients
    for check, key in zip(result.checks, ["W1", "b1", "W2", "b2"], strict=True):
        np.testing.assert_allclose(model[key].grad, check.autodiff, rtol=1e-12)


def test_logistic_regression_forward_and_grads():
    X, Y = data(n_x=4, m=10, seed=2)
    model = nn.LogisticRegression(4)
    assert not model["w"].data.any() and model["w"].shape == (4, 1) and model["b"].shape == (1, 1)
    model.load_state_dict({"w": np.array([[0.5], [-1.0], [0.25], [2.0]]), "b": np.array([[0.1]])})
    w, b = model.state_dict()["w"], model.state_dict()["b"]
    A = 1 / (1 + np.exp(-(w.T @ X + b)))
    J = model.cost(X, Y)
    J.backward()
    np.testing.assert_allclose(model(X).data, A, rtol=1e-14)
    np.testing.assert_allclose(model["w"].grad, X @ (A - Y).T / 10, rtol=1e-12)
    np.testing.assert_allclose(model["b"].grad, [[np.mean(A - Y)]], rtol=1e-12)
    # model.cost fuses sigmoid with the cross-entropy: J is computed from Z, and dZ = (A - Y)/m
    assert J.op == "binary_cross_entropy_with_logits" and J.parents[0].name == "Z"
    # Z = w^T X + b is one node, as the course draws it: no separate transpose of w
    assert [t.name for t in J.topological_order()] == ["w", "b", "Z", "J"]
    # nn.cost(model(X), Y) walks through A, as the course's picture draws it, to the same numbers
    J_course = nn.cost(model(X), Y)
    assert J_course.op == "binary_cross_entropy" and J_course.parents[0].name == "A"
    assert {"w", "b", "Z", "A", "J"} <= {t.name for t in J_course.topological_order()}
    assert J_course.item() == pytest.approx(J.item(), rel=1e-14)


def test_linear_is_W_A_prev_plus_b():
    layer = nn.Linear(3, 2, init="small", seed=0)
    assert layer.W.shape == (2, 3) and layer.b.shape == (2, 1)
    A_prev = np.arange(12.0).reshape(3, 4)
    layer.b.data = np.array([[1.0], [-2.0]])
    np.testing.assert_allclose(layer(A_prev).data, layer.W.data @ A_prev + layer.b.data, rtol=1e-15)


# ---- names in the graph ----
def test_graph_names_follow_the_course():
    X, Y = data()
    model = nn.DeepNN([5, 4, 3, 1], seed=0)
    J = nn.cost(model(X), Y)  # the course's picture: ... Z[3] -> AL -> J
    names = [t.name for t in J.topological_order()]
    for name in ["W[1]", "b[1]", "Z[1]", "A[1]", "W[2]", "Z[2]", "A[2]", "W[3]", "Z[3]", "AL", "J"]:
        assert name in names
    assert names[-1] == "J" and "A[3]" not in names
    fused = [t.name for t in model.cost(X, Y).topological_order()]  # Z[3] -> J, sigmoid fused
    assert fused == [n for n in names if n != "AL"]
    Z1 = next(t for t in J.topological_order() if t.name == "Z[1]")
    assert Z1.parents[1].name == "X"  # numpy X wrapped as Tensor(X, name="X")


def test_user_tensor_names_are_kept_or_filled():
    model = nn.DeepNN([5, 1], seed=0)
    X = np.ones((5, 2))
    mine, unnamed = Tensor(X, name="images"), Tensor(X)
    model(mine)
    model(unnamed)
    assert (mine.name, unnamed.name) == ("images", "X")
    hidden = Tensor(X, requires_grad=True) * 2.0  # an intermediate, not data: left unnamed
    nn.Linear(5, 3, seed=0)(hidden)
    assert hidden.name is None


# ---- predict, state, save/load ----
def test_predict_thresholds_at_one_half():
    model = nn.LogisticRegression(1)
    model.load_state_dict({"w": np.array([[1.0]]), "b": np.array([[0.0]])})
    X = np.array([[-2.0, -1e-9, 0.0, 1e-9, 3.0]])
    p = model.predict(X)
    assert p.dtype == np.int64 and p.shape == (1, 5)
    assert p.tolist() == [[0, 0, 0, 1, 1]]  # AL > 0.5: exactly 0.5 is class 0, as in the course


def test_state_dict_is_a_copy_and_round_trips(tmp_path):
    model = nn.DeepNN([3, 2, 1], seed=4)
    state = model.state_dict()
    state["W1"][0, 0] = 99.0
    assert model["W1"].data[0, 0] != 99.0
    other = nn.DeepNN([3, 2, 1], seed=5)
    other.save(tmp_path / "m.npz")
    model.load(tmp_path / "m.npz")
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[k], v)
    with np.load(tmp_path / "m.npz") as f:
        assert sorted(f.files) == ["W1", "W2", "b1", "b2"]


def test_save_writes_only_where_it_was_asked_and_says_why_not(tmp_path):
    model = nn.DeepNN([3, 2, 1], seed=4)
    model.save(tmp_path / "plain")  # numpy's rule, kept: .npz is added
    model.save(tmp_path / "new" / "m.npz")  # its folder is made, as --save does
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "plain.npz"]
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["m.npz"]
    with pytest.raises(ValueError, match=r"^DeepNN.save: .* is a directory; give a file name$"):
        model.save(tmp_path)  # used to write a sibling file, tmp_path + ".npz"
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match=r"^DeepNN.save: cannot write .*notes\.txt' is a file"):
        model.save(tmp_path / "notes.txt" / "m.npz")  # used to be numpy's raw OSError
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "notes.txt", "plain.npz"]
    assert not (tmp_path.parent / (tmp_path.name + ".npz")).exists()


@pytest.mark.parametrize("X", [[["a", "b"], ["c", "d"]], [[1 + 1j, 2], [3, 4]]])
def test_a_model_refuses_data_that_is_not_real_numbers(X):
    with pytest.raises(TypeError, match=r"^DeepNN: X must hold real numbers, got an array of"):
        nn.DeepNN([2, 3, 1], seed=0)(np.array(X))  # strings used to reach numpy's astype


def test_a_missing_parameter_key_names_the_ones_there_are():
    model = nn.DeepNN([3, 2, 1], seed=0)
    with pytest.raises(KeyError) as e:
        model["W3"]
    assert e.value.args[0] == "DeepNN: no parameter 'W3'; it has W1, b1, W2, b2"


def test_load_state_dict_names_the_bad_key():
    model = nn.DeepNN([3, 2, 1], seed=0)
    good = model.state_dict()
    with pytest.raises(ValueError, match=r"'W1' has shape \(3, 2\).*shape \(2, 3\)"):
        model.load_state_dict({**good, "W1": np.zeros((3, 2))})
    with pytest.raises(ValueError, match=r"missing \['b2'\]"):
        model.load_state_dict({k: v for k, v in good.items() if k != "b2"})
    with pytest.raises(ValueError, match=r"unexpected \['W3'\]"):
        model.load_state_dict({**good, "W3": np.zeros((1, 1))})
    before = model.state_dict()["W1"].copy()
    with pytest.raises(ValueError):
        model.load_state_dict({**good, "W1": good["W1"] + 1, "W2": np.zeros((5, 5))})
    np.testing.assert_array_equal(model["W1"].data, before)  # a bad dict changes nothing


def test_load_refuses_object_arrays(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, W1=np.array([{"a": 1}], dtype=object), b1=np.zeros((2, 1)))
    model = nn.DeepNN([3, 2, 1], seed=0)
    with pytest.raises(ValueError, match="refused"):
        model.load(path)


# ---- errors at the boundary ----
def test_x_with_examples_as_rows_names_the_fix():
    model = nn.DeepNN([5, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"\(8, 5\).*\(5, m\).*did you pass X\.T"):
        model(np.zeros((8, 5)))
    with pytest.raises(ValueError, match=r"2-D.*\(5,\).*reshape\(-1, 1\)"):
        model(np.zeros(5))
    with pytest.raises(ValueError, match=r"\(5, 2, 2\)"):
        model(np.zeros((5, 2, 2)))


def test_bad_labels_name_shapes_and_values():
    X, Y = data()
    model = nn.DeepNN([5, 1], seed=0)
    with pytest.raises(ValueError, match=r"Y has shape \(8,\).*\(1, 8\).*reshape"):
        model.cost(X, Y.ravel())
    with pytest.raises(ValueError, match=r"Y has shape \(1, 7\)"):
        model.cost(X, Y[:, :7])
    with pytest.raises(ValueError, match=r"0 and 1.*\[2\.0\]"):
        model.cost(X, np.where(Y > 0, 2.0, 0.0))


@pytest.mark.parametrize("dtype", [bool, np.int64, np.float32, np.float64])
def test_labels_of_any_numeric_dtype_are_taken(dtype):
    X, Y = data()
    model = nn.DeepNN([5, 1], seed=0)
    assert model.cost(X, Y.astype(dtype)).item() == model.cost(X, Y).item()


@pytest.mark.parametrize("bad", [0.5, 2.0, -1.0, np.nan, np.inf, -np.inf, 5e-324, 1 + 2**-52])
def test_a_label_that_is_not_0_or_1_is_refused(bad):
    X, Y = data()
    Y = Y.copy()
    Y[0, 3] = bad  # one bad label among good ones, whatever it is
    model = nn.DeepNN([5, 1], seed=0)
    with pytest.raises(ValueError, match=r"Y must hold labels 0 and 1, but it also holds \["):
        model.cost(X, Y)
    with pytest.raises(ValueError, match="labels 0 and 1"):
        nn.cost(model(X), Y)


def test_unknown_names_and_bad_layer_dims():
    with pytest.raises(ValueError, match="'relu', 'tanh', 'sigmoid', 'leaky_relu'"):
        nn.DeepNN([2, 1], hidden_activation="softplus")
    with pytest.raises(ValueError, match="'zeros', 'small', 'scaled', 'he', 'xavier'"):
        nn.DeepNN([2, 1], init="glorot")
    for dims in ([5], [5, 0, 1], [3, -2]):
        with pytest.raises(ValueError, match="layer_dims"):
            nn.DeepNN(dims)
    with pytest.raises(ValueError, match="float32"):
        nn.DeepNN([2, 1], dtype="int32")


# ---- float32 ----
def test_float32_model_computes_in_float32():
    X, Y = data()
    m64 = nn.DeepNN([5, 4, 1], "tanh", seed=0)
    m32 = nn.DeepNN([5, 4, 1], "tanh", seed=0, dtype="float32")
    assert all(p.dtype == np.float32 for p in m32.parameters())
    J32 = m32.cost(X, Y)  # float64 X is cast to the model's float32
    J32.backward()
    assert J32.dtype == np.float32 and all(p.grad.dtype == np.float32 for p in m32.parameters())
    J64 = m64.cost(X, Y)
    J64.backward()
    assert J32.item() == pytest.approx(J64.item(), rel=1e-6)
    np.testing.assert_allclose(m32["W1"].grad, m64["W1"].grad, rtol=1e-4, atol=1e-6)
    history = nn.fit(m32, X.astype(np.float32), Y, learning_rate=0.1, num_iterations=3,
                     print_every=None, progress=False)  # fmt: skip
    assert all(p.dtype == np.float32 for p in m32.parameters())
    assert history.costs[0] == pytest.approx(J64.item(), rel=1e-6)


def test_cost_needs_one_output_unit_on_both_paths():
    model = nn.DeepNN([2, 3], seed=0)
    X, Y = np.ones((2, 4)), np.array([[0.0, 1.0, 1.0, 0.0]])
    with pytest.raises(ValueError, match=r"Z\[L\] has shape \(3, 4\).*\(1, m\)"):
        model.cost(X, Y)
    with pytest.raises(ValueError, match=r"AL has shape \(3, 4\).*\(1, m\)"):
        nn.cost(model(X), Y)
