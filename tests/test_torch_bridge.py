"""The bridge to PyTorch: the same model, the same gradient descent, the same costs (issue 16).

Training goes some iterations on one side, the model crosses, and the same gradient descent
continues on the other side (torch.nn.BCELoss and torch.optim.SGD there, nn.fit here): the costs
must be those of training the whole way on one side, to 1e-10 in float64. The tests that need
PyTorch skip where it is not installed (the `torch` extra); the ImportError test runs anyway.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Tensor, nn, torch_bridge

LAYERS = [12, 5, 4, 1]  # week 4's family: [LINEAR -> RELU] x 2 -> LINEAR -> SIGMOID
LEARNING_RATE = 0.3
SPLIT, TOTAL = 40, 80  # iterations before the model crosses, and in all
INSTALL = 'pip install "tinygrad-edu[torch]"'


@pytest.fixture
def torch() -> Iterator[Any]:
    """PyTorch on one thread (the same sums in the same order), or a skip where it is missing."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)


def data(m: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X (12, m) of N(0, 1) draws and Y (1, m) = [x0 x1 + x2 > 0]: something worth learning."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((12, m))
    Y = (X[0] * X[1] + X[2] > 0).astype(np.float64)[None, :]
    return X, Y


def fit_here(model: nn.Module, X: np.ndarray, Y: np.ndarray, n: int) -> list[float]:
    """The costs of n iterations of nn.fit's gradient descent."""
    history = nn.fit(
        model, X, Y, learning_rate=LEARNING_RATE, num_iterations=n, print_every=None,
        progress=False,
    )  # fmt: skip
    return history.costs


def fit_torch(torch: Any, net: Any, X: np.ndarray, Y: np.ndarray, n: int) -> list[float]:
    """The costs of n iterations of the same descent in PyTorch: BCELoss on X.T, then SGD."""
    x, y = torch_bridge.X_to_torch(X), torch_bridge.Y_to_torch(Y)
    bce = torch.nn.BCELoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE)
    costs = []
    for _ in range(n):
        optimizer.zero_grad()
        J = bce(net(x), y)
        J.backward()
        optimizer.step()
        costs.append(J.item())
    return costs


def deep_here() -> nn.Module:
    return nn.DeepNN(LAYERS, "relu", "sigmoid", init="scaled", seed=1)


def logreg_here() -> nn.Module:
    return nn.LogisticRegression(LAYERS[0], init="small", seed=1)


def deep_torch(torch: Any) -> Any:
    torch.manual_seed(0)  # PyTorch's own initialization, in float64
    layers = [torch.nn.Linear(12, 5), torch.nn.ReLU(), torch.nn.Linear(5, 4), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers, torch.nn.Linear(4, 1), torch.nn.Sigmoid()).double()


def logreg_torch(torch: Any) -> Any:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(12, 1), torch.nn.Sigmoid()).double()


def assert_trained(costs: list[float]) -> None:
    """The costs fell, before and after the split: the comparison is not of two standstills."""
    assert costs[SPLIT] < costs[0] - 0.01 and costs[-1] < costs[SPLIT] - 0.01, costs[::10]


# ---------------------------------------------------------------- the round trip, both ways


@pytest.mark.parametrize("make", [deep_here, logreg_here], ids=["deep", "logreg"])
def test_training_here_continues_in_pytorch_with_the_same_costs(
    torch: Any, make: Callable[[], nn.Module]
) -> None:
    X, Y = data()
    whole = fit_here(make(), X, Y, TOTAL)
    model = make()
    first = fit_here(model, X, Y, SPLIT)
    rest = fit_torch(torch, model.to_torch(), X, Y, TOTAL - SPLIT)  # type: ignore[attr-defined]
    assert_trained(whole)
    assert first == whole[:SPLIT]
    np.testing.assert_allclose(first + rest, whole, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "make, cls", [(deep_torch, nn.DeepNN), (logreg_torch, nn.LogisticRegression)],
    ids=["deep", "logreg"],
)  # fmt: skip
def test_training_in_pytorch_continues_here_with_the_same_costs(
    torch: Any, make: Callable[[Any], Any], cls: Any
) -> None:
    X, Y = data()
    start = make(torch)
    whole = fit_torch(torch, copy.deepcopy(start), X, Y, TOTAL)
    net = copy.deepcopy(start)
    first = fit_torch(torch, net, X, Y, SPLIT)
    rest = fit_here(cls.from_torch(net), X, Y, TOTAL - SPLIT)
    assert_trained(whole)
    np.testing.assert_allclose(first + rest, whole, rtol=0, atol=1e-10)
    # PyTorch's starting weights trained the whole way here give the same costs too
    np.testing.assert_allclose(fit_here(cls.from_torch(start), X, Y, TOTAL), whole, atol=1e-10)


# ---------------------------------------------------------------- what crosses, exactly


def with_biases(model: nn.Module, seed: int = 3) -> nn.Module:
    """model with nonzero biases, so that a bias lost or transposed on the way shows."""
    rng = np.random.default_rng(seed)
    state = {k: v + (rng.standard_normal(v.shape) if k.startswith("b") else 0) for k, v in
             model.state_dict().items()}  # fmt: skip
    model.load_state_dict(state)
    return model


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "hidden, output, modules",
    [
        ("relu", "sigmoid", ["ReLU", "Sigmoid"]),
        ("tanh", "sigmoid", ["Tanh", "Sigmoid"]),
        ("leaky_relu", "tanh", ["LeakyReLU", "Tanh"]),
        ("sigmoid", "relu", ["Sigmoid", "ReLU"]),
    ],
)
def test_deep_net_crosses_with_its_weights_activations_and_dtype(
    torch: Any, hidden: str, output: str, modules: list[str], dtype: str
) -> None:
    model = with_biases(nn.DeepNN(LAYERS, hidden, output, seed=2, dtype=dtype))
    net = model.to_torch()
    g, gL = modules
    assert [type(m).__name__ for m in net] == ["Linear", g, "Linear", g, "Linear", gL]
    if hidden == "leaky_relu":
        assert net[1].negative_slope == nn.LEAKY_SLOPE
    for l in range(1, len(LAYERS)):
        linear = net[2 * (l - 1)]
        assert linear.weight.dtype == getattr(torch, dtype)
        assert linear.bias.shape == (LAYERS[l],)
        np.testing.assert_array_equal(linear.weight.detach().numpy(), model[f"W{l}"].data)
        np.testing.assert_array_equal(linear.bias.detach().numpy(), model[f"b{l}"].data[:, 0])
    X, _ = data(m=9)
    AL = torch_bridge.Y_from_torch(net(torch_bridge.X_to_torch(X.astype(dtype))))
    tol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(AL, model(X).data, rtol=tol, atol=tol)

    back = nn.DeepNN.from_torch(net)
    assert (back.layer_dims, back.hidden_activation, back.output_activation, back.dtype) == (
        LAYERS,
        hidden,
        output,
        np.dtype(dtype),
    )
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(back[k].data, v)
        assert back[k].dtype == v.dtype
    with torch.no_grad():  # copies, not views: the two models move apart
        net[0].weight.zero_()
    assert back["W1"].data.any() and model["W1"].data.any()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_logistic_regression_crosses_with_w_as_a_row(torch: Any, dtype: str) -> None:
    model = with_biases(nn.LogisticRegression(7, init="small", seed=4, dtype=dtype))
    net = model.to_torch()
    assert [type(m).__name__ for m in net] == ["Linear", "Sigmoid"]
    assert net[0].weight.shape == (1, 7) and net[0].bias.shape == (1,)
    assert net[0].weight.dtype == getattr(torch, dtype)
    np.testing.assert_array_equal(net[0].weight.detach().numpy(), model["w"].data.T)
    np.testing.assert_array_equal(net[0].bias.detach().numpy(), model["b"].data[0])
    X = np.random.default_rng(5).standard_normal((7, 6)).astype(dtype)
    tol = 1e-12 if dtype == "float64" else 1e-5
    A = torch_bridge.Y_from_torch(net(torch_bridge.X_to_torch(X)))
    np.testing.assert_allclose(A, model(X).data, rtol=tol, atol=tol)
    back = nn.LogisticRegression.from_torch(net)
    assert (back.n_x, back.dtype) == (7, np.dtype(dtype))
    assert back["w"].shape == (7, 1) and back["b"].shape == (1, 1)
    np.testing.assert_array_equal(back["w"].data, model["w"].data)
    np.testing.assert_array_equal(back["b"].data, model["b"].data)


def test_export_leaves_both_random_generators_alone(torch: Any) -> None:
    model = deep_here()
    numpy_state, torch_state = np.random.get_state()[1].copy(), torch.random.get_rng_state()
    nn.DeepNN.from_torch(model.to_torch())
    assert np.array_equal(np.random.get_state()[1], numpy_state)
    assert torch.equal(torch.random.get_rng_state(), torch_state)


# ---------------------------------------------------------------- what is refused


def seq(torch: Any, *modules: Any) -> Any:
    return torch.nn.Sequential(*modules)


REFUSED = {
    "dropout": (
        lambda t: seq(t, t.nn.Linear(3, 4), t.nn.Dropout(), t.nn.Linear(4, 1), t.nn.Sigmoid()),
        "layer 1 (Dropout(p=0.5, inplace=False)) has no counterpart",
    ),
    "gelu": (
        lambda t: seq(t, t.nn.Linear(3, 4), t.nn.ReLU(), t.nn.Linear(4, 1), t.nn.GELU()),
        "layer 3 (GELU(approximate='none')) has no counterpart",
    ),
    "no bias": (
        lambda t: seq(t, t.nn.Linear(3, 1, bias=False), t.nn.Sigmoid()),
        "layer 0 (Linear(in_features=3, out_features=1, bias=False)) has no bias",
    ),
    "sizes": (
        lambda t: seq(t, t.nn.Linear(3, 4), t.nn.ReLU(), t.nn.Linear(5, 1), t.nn.Sigmoid()),
        "layer 2 (Linear(in_features=5, out_features=1, bias=True)) takes 5 inputs but the "
        "layer before gives 4",
    ),
    "leaky slope": (
        lambda t: seq(t, t.nn.Linear(3, 4), t.nn.LeakyReLU(0.2), t.nn.Linear(4, 1), t.nn.Sigmoid()),
        "layer 1 (LeakyReLU(negative_slope=0.2)) has slope 0.2",
    ),
    "two hidden activations": (
        lambda t: seq(
            t,
            t.nn.Linear(3, 4),
            t.nn.ReLU(),
            t.nn.Linear(4, 2),
            t.nn.Tanh(),
            t.nn.Linear(2, 1),
            t.nn.Sigmoid(),
        ),  # fmt: skip
        "layer 3 (Tanh()) is tanh but the hidden layers before use relu",
    ),
    "logits": (
        lambda t: seq(t, t.nn.Linear(3, 4), t.nn.ReLU(), t.nn.Linear(4, 1)),
        "layer 2 (Linear(in_features=4, out_features=1, bias=True)) is last, with no activation",
    ),
    "two linears": (
        lambda t: seq(t, t.nn.Linear(3, 4), t.nn.Linear(4, 1), t.nn.Sigmoid()),
        "layer 1 (Linear(in_features=4, out_features=1, bias=True)) has no counterpart",
    ),
    "activation first": (
        lambda t: seq(t, t.nn.ReLU(), t.nn.Linear(3, 1), t.nn.Sigmoid()),
        "layer 0 (ReLU()) should be a Linear",
    ),
    "nested": (
        lambda t: seq(t, seq(t, t.nn.Linear(3, 1), t.nn.Sigmoid())),
        "layer 0 (Sequential(",
    ),
    "float16": (
        lambda t: seq(t, t.nn.Linear(3, 1), t.nn.Sigmoid()).half(),
        "layer 0 (Linear(in_features=3, out_features=1, bias=True)) holds torch.float16",
    ),
    "mixed dtypes": (
        lambda t: seq(
            t, t.nn.Linear(3, 4), t.nn.ReLU(), t.nn.Linear(4, 1).double(), t.nn.Sigmoid()
        ),
        "layer 2 (Linear(in_features=4, out_features=1, bias=True)) holds torch.float64; the "
        "layers before hold torch.float32",
    ),
    "named layers": (
        lambda t: t.nn.Sequential(
            OrderedDict([("hidden", t.nn.Linear(3, 4)), ("act", t.nn.Softmax(dim=1))])
        ),
        "layer 1 'act' (Softmax(dim=1)) has no counterpart",
    ),
    "empty": (lambda t: seq(t), "the Sequential is empty"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_from_torch_refuses_in_one_line_naming_the_first_layer_it_cannot_map(
    torch: Any, case: str
) -> None:
    build, message = REFUSED[case]
    with pytest.raises(ValueError, match=re.escape(f"DeepNN.from_torch: {message}")) as info:
        nn.DeepNN.from_torch(build(torch))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "build, message",
    [
        (
            lambda t: seq(t, t.nn.Linear(3, 2), t.nn.Sigmoid()),
            "layer 0 (Linear(in_features=3, out_features=2, bias=True)) has 2 outputs",
        ),
        (lambda t: seq(t, t.nn.Linear(3, 1), t.nn.Tanh()), "layer 1 (Tanh()) is not Sigmoid"),
        (
            lambda t: seq(t, t.nn.Linear(3, 1), t.nn.Sigmoid(), t.nn.Linear(1, 1), t.nn.Sigmoid()),
            "layer 2 (Linear(in_features=1, out_features=1, bias=True)) is one layer too many",
        ),
        (
            lambda t: seq(t, t.nn.Linear(3, 1, bias=False), t.nn.Sigmoid()),
            "layer 0 (Linear(in_features=3, out_features=1, bias=False)) has no bias",
        ),
        (  # the first layer that does not fit is named, though a later one would not either
            lambda t: seq(t, t.nn.Linear(3, 2), t.nn.Sigmoid(), t.nn.Linear(2, 1), t.nn.Tanh()),
            "layer 0 (Linear(in_features=3, out_features=2, bias=True)) has 2 outputs",
        ),
        (
            lambda t: seq(t, t.nn.Linear(3, 1)),
            "layer 0 (Linear(in_features=3, out_features=1, "
            "bias=True)) is last, with no activation",
        ),
    ],
    ids=["two outputs", "tanh", "two layers", "no bias", "first of two", "logit"],
)
def test_logistic_regression_from_torch_refuses_what_is_not_week_2s_model(
    torch: Any, build: Callable[[Any], Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(f"LogisticRegression.from_torch: {message}")):
        nn.LogisticRegression.from_torch(build(torch))


def test_the_wrong_kind_of_object_is_a_type_error(torch: Any) -> None:
    with pytest.raises(TypeError, match="expects a torch.nn.Sequential .* got Linear"):
        nn.DeepNN.from_torch(torch.nn.Linear(3, 1))
    with pytest.raises(TypeError, match="maps nn.LogisticRegression and nn.DeepNN, not Linear"):
        torch_bridge.to_torch(nn.Linear(3, 1))  # type: ignore[arg-type]
    net = seq(torch, torch.nn.Linear(3, 1), torch.nn.Sigmoid())
    with pytest.raises(TypeError, match="builds an nn.DeepNN or nn.LogisticRegression"):
        torch_bridge.from_torch(net, nn.Linear)


# ---------------------------------------------------------------- X and Y, both ways


def test_X_and_Y_cross_transposed_and_copied(torch: Any) -> None:
    X, Y = data(m=5)
    x, y = torch_bridge.X_to_torch(X), torch_bridge.Y_to_torch(Y)
    assert x.shape == (5, 12) and y.shape == (5, 1)  # PyTorch: one example per row
    assert x.dtype == y.dtype == torch.float64
    assert x.is_contiguous() and y.is_contiguous()
    np.testing.assert_array_equal(x.numpy(), X.T)
    np.testing.assert_array_equal(y.numpy(), Y.T)
    back_X, back_Y = torch_bridge.X_from_torch(x), torch_bridge.Y_from_torch(y)
    assert back_X.shape == (12, 5) and back_X.flags.c_contiguous
    np.testing.assert_array_equal(back_X, X)
    np.testing.assert_array_equal(back_Y, Y)
    np.testing.assert_array_equal(torch_bridge.Y_from_torch(y.reshape(-1)), Y)  # (m,) too
    x[0, 0] = 99.0  # a copy: the course's X is not changed through it
    assert X[0, 0] != 99.0 and back_X[0, 0] != 99.0


def test_X_and_Y_keep_float32_and_take_a_dtype(torch: Any) -> None:
    X, Y = data(m=4)
    assert torch_bridge.X_to_torch(X.astype(np.float32)).dtype == torch.float32
    assert torch_bridge.X_to_torch(X, dtype="float32").dtype == torch.float32
    assert torch_bridge.X_to_torch(Tensor(X)).dtype == torch.float64
    assert torch_bridge.Y_to_torch(Y.astype(np.int64)).dtype == torch.float64  # BCELoss's floats
    assert torch_bridge.Y_to_torch(Y, dtype=torch.float32).dtype == torch.float32
    assert torch_bridge.Y_from_torch(torch.zeros(4, 1, dtype=torch.float32)).dtype == np.float32


def test_X_and_Y_of_the_wrong_shape_are_refused(torch: Any) -> None:
    X, Y = data(m=4)
    with pytest.raises(ValueError, match=re.escape("X (n_x, m) must be 2-D, got shape (4,)")):
        torch_bridge.X_to_torch(X[0])
    with pytest.raises(ValueError, match=re.escape("Y must be (1, m), one row of labels")):
        torch_bridge.Y_to_torch(Y.T)
    with pytest.raises(ValueError, match=re.escape("y must be (m, 1) or (m,); got shape (4, 2)")):
        torch_bridge.Y_from_torch(torch.zeros(4, 2))
    with pytest.raises(ValueError, match="use float64 or float32"):
        torch_bridge.X_to_torch(X, dtype="int64")


# ---------------------------------------------------------------- without PyTorch


@pytest.mark.parametrize(
    "call",
    [
        lambda: nn.DeepNN([2, 1]).to_torch(),
        lambda: nn.LogisticRegression(2).to_torch(),
        lambda: nn.DeepNN.from_torch(None),
        lambda: nn.LogisticRegression.from_torch(None),
        lambda: torch_bridge.X_to_torch(np.zeros((2, 3))),
        lambda: torch_bridge.Y_to_torch(np.zeros((1, 3))),
    ],
    ids=["DeepNN.to_torch", "LR.to_torch", "DeepNN.from_torch", "LR.from_torch", "X", "Y"],
)
def test_without_torch_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, call: Callable[[], Any]
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # what `import torch` meets where it is absent
    with pytest.raises(
        ImportError, match=re.escape(f"needs PyTorch, which is not installed: {INSTALL}")
    ):
        call()


def test_importing_the_package_does_not_import_torch() -> None:
    code = "import sys, tinygrad_edu.nn, tinygrad_edu.torch_bridge; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
