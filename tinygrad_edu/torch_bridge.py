"""The course's models as PyTorch modules and back: the same weights, the same numbers.

A DeepNN becomes torch.nn.Sequential(Linear(n[0], n[1]), g, Linear(n[1], n[2]), g, ...,
Linear(n[L-1], n[L]), g[L]), g one of ReLU, Tanh, Sigmoid, LeakyReLU(0.01); a LogisticRegression
becomes Sequential(Linear(n_x, 1), Sigmoid()). W[l] (n[l], n[l-1]) is Linear's weight as it is,
PyTorch's (out, in); b[l] (n[l], 1) is its bias (n[l],); the dtype (float64 or float32) is kept.

The data is laid out the other way: the course's X (n_x, m) has one example per column, PyTorch's
input (m, n_x) one per row, so X_to_torch(X) is X transposed, and Y (1, m) becomes (m, 1).

PyTorch is imported only inside these functions (the `torch` extra): importing this module, or
tinygrad_edu, never needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, overload

import numpy as np

from . import nn
from .tensor import Tensor

if TYPE_CHECKING:
    import torch

M = TypeVar("M", bound=nn.Module)

INSTALL = 'pip install "tinygrad-edu[torch]"'
# the course's activations by name, and PyTorch's module class for each (LeakyReLU's slope apart)
TORCH_ACTIVATIONS = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "leaky_relu": "LeakyReLU",
}


def _torch(what: str) -> Any:
    """The torch module, or an ImportError that says how to install it."""
    try:
        import torch
    except ImportError as e:
        raise ImportError(f"{what} needs PyTorch, which is not installed: {INSTALL}") from e
    return torch


def _torch_dtype(torch: Any, dtype: Any) -> Any:
    """torch.float64 or torch.float32 for a numpy or torch dtype; anything else is refused."""
    if isinstance(dtype, torch.dtype):
        dtype = str(dtype).removeprefix("torch.")
    dt = np.dtype(dtype)
    if dt not in (np.float64, np.float32):
        raise ValueError(f"dtype {dtype!r} is not supported; use float64 or float32")
    return torch.float64 if dt == np.float64 else torch.float32


# ---------------------------------------------------------------- the models


def _activation_module(torch: Any, name: str) -> Any:
    """PyTorch's module computing the course's activation `name`."""
    if name == "leaky_relu":
        return torch.nn.LeakyReLU(nn.LEAKY_SLOPE)
    return getattr(torch.nn, TORCH_ACTIVATIONS[name])()


def _linear(torch: Any, W: np.ndarray, b: np.ndarray) -> Any:
    """torch.nn.Linear holding weight = W (n[l], n[l-1]) and bias = b (n[l], 1) as (n[l],)."""
    # skip_init: no random draws (the student's torch RNG stays where it was), values copied below
    layer = torch.nn.utils.skip_init(
        torch.nn.Linear, W.shape[1], W.shape[0], dtype=_torch_dtype(torch, W.dtype)
    )
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(W)))
        layer.bias.copy_(torch.from_numpy(b.reshape(-1).copy()))
    return layer


def to_torch(model: nn.LogisticRegression | nn.DeepNN) -> torch.nn.Sequential:
    """model as a torch.nn.Sequential of Linear layers and activations, with the same weights.

    W[l] (n[l], n[l-1]) becomes Linear's weight (out, in) as it is, b[l] (n[l], 1) its bias
    (n[l],), in the model's dtype. The course's X (n_x, m) is PyTorch's input transposed,
    (m, n_x): call the result on X_to_torch(X), and Y_from_torch(output) gives AL (1, m) back.
    """
    torch = _torch("to_torch")
    if isinstance(model, nn.LogisticRegression):
        w, b = model.w.data, model.b.data
        return torch.nn.Sequential(_linear(torch, w.T, b), torch.nn.Sigmoid())
    if isinstance(model, nn.DeepNN):
        modules = []
        for l, layer in enumerate(model.layers, start=1):
            modules.append(_linear(torch, layer.W.data, layer.b.data))
            g = model.hidden_activation if l < model.L else model.output_activation
            modules.append(_activation_module(torch, g))
        return torch.nn.Sequential(*modules)
    raise TypeError(
        f"to_torch: maps nn.LogisticRegression and nn.DeepNN, not {type(model).__name__}"
    )


def _where(i: int, key: str, module: Any) -> str:
    """How an error names a Sequential's i-th module: its index, its name if it has one, itself."""
    text = " ".join(str(module).split())  # a nested Sequential prints on several lines
    return f"layer {i} ({text})" if key == str(i) else f"layer {i} {key!r} ({text})"


def _parse(
    torch: Any, sequential: Any, who: str, logistic: bool
) -> tuple[list[int], list[str], list[Any]]:
    """layer_dims, the activation after each Linear, and the Linears, read from a Sequential.

    Raises ValueError naming the first module that has no place in [Linear -> g] x L, or, when
    logistic, in Linear(n_x, 1), Sigmoid().
    """
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(
            f"{who}: expects a torch.nn.Sequential of Linear layers and activations, "
            f"got {type(sequential).__name__}"
        )
    children = list(sequential.named_children())
    if not children:
        raise ValueError(f"{who}: the Sequential is empty; it needs Linear, activation, ...")
    course = {cls: g for g, cls in TORCH_ACTIVATIONS.items()}  # "ReLU" -> "relu", ...
    known = f"ReLU, Tanh, Sigmoid or LeakyReLU({nn.LEAKY_SLOPE})"
    dims: list[int] = []
    activations: list[str] = []
    linears: list[Any] = []
    for i, (key, module) in enumerate(children):
        where = f"{who}: {_where(i, key, module)}"
        kind = type(module)
        if logistic and i >= 2:
            raise ValueError(
                f"{where} is one layer too many; logistic regression is Linear(n_x, 1), "
                "Sigmoid(): import this net with nn.DeepNN.from_torch"
            )
        if i % 2 == 0:  # a Linear's place
            if kind is not torch.nn.Linear:
                nested = "; flatten nested Sequentials first" if kind is torch.nn.Sequential else ""
                raise ValueError(
                    f"{where} should be a Linear: the course's models alternate Linear and an "
                    f"activation ({known}){nested}"
                )
            if module.bias is None:
                raise ValueError(f"{where} has no bias; the course's layers have one (bias=True)")
            if dims and module.in_features != dims[-1]:
                raise ValueError(
                    f"{where} takes {module.in_features} inputs but the layer before gives "
                    f"{dims[-1]}"
                )
            first = linears[0].weight.dtype if linears else module.weight.dtype
            for p in (module.weight, module.bias):
                if p.dtype not in (torch.float64, torch.float32) or p.dtype != first:
                    was = f"; the layers before hold {first}" if linears else ""
                    raise ValueError(
                        f"{where} holds {p.dtype}{was}; the course's models are all float64 or "
                        "all float32: call .double() or .float() on the Sequential"
                    )
            if logistic and module.out_features != 1:
                raise ValueError(
                    f"{where} has {module.out_features} outputs; logistic regression has one"
                )
            dims += [module.out_features] if dims else [module.in_features, module.out_features]
            linears.append(module)
            continue
        g = course.get(kind.__name__)  # an activation's place
        if g is None or kind is not getattr(torch.nn, kind.__name__):
            raise ValueError(
                f"{where} has no counterpart in the course: after a Linear comes one of {known}"
            )
        if g == "leaky_relu" and module.negative_slope != nn.LEAKY_SLOPE:
            raise ValueError(
                f"{where} has slope {module.negative_slope}; the course's leaky_relu has "
                f"{nn.LEAKY_SLOPE} (nn.LEAKY_SLOPE)"
            )
        if logistic and g != "sigmoid":
            raise ValueError(f"{where} is not Sigmoid; logistic regression is A = sigmoid(Z)")
        if activations and i < len(children) - 1 and g != activations[0]:
            raise ValueError(
                f"{where} is {g} but the hidden layers before use {activations[0]}; a DeepNN "
                "has one hidden activation"
            )
        activations.append(g)
    if len(activations) < len(linears):
        raise ValueError(
            f"{who}: {_where(len(children) - 1, *children[-1])} is last, with no activation "
            "after it; end with one, e.g. torch.nn.Sigmoid() (a net trained with "
            "BCEWithLogitsLoss outputs logits: append Sigmoid() to export it)"
        )
    return dims, activations, linears


@overload
def from_torch(sequential: torch.nn.Sequential) -> nn.DeepNN: ...
@overload
def from_torch(sequential: torch.nn.Sequential, cls: type[M]) -> M: ...
def from_torch(sequential: torch.nn.Sequential, cls: type[nn.Module] = nn.DeepNN) -> nn.Module:
    """The course-notation model (cls: nn.DeepNN or nn.LogisticRegression) a Sequential computes.

    weight (out, in) becomes W[l] (n[l], n[l-1]) as it is, bias (n[l],) becomes b[l] (n[l], 1);
    the values are copied, in the Sequential's dtype. Anything that is not [Linear -> g] x L with
    one hidden g and course activations is refused, naming the first layer that does not fit.
    """
    torch = _torch("from_torch")
    if not (isinstance(cls, type) and issubclass(cls, (nn.DeepNN, nn.LogisticRegression))):
        raise TypeError(f"from_torch: builds an nn.DeepNN or nn.LogisticRegression, not {cls!r}")
    who = f"{cls.__name__}.from_torch"
    logistic = issubclass(cls, nn.LogisticRegression)
    dims, activations, linears = _parse(torch, sequential, who, logistic)
    dtype = str(linears[0].weight.dtype).removeprefix("torch.")
    state: dict[str, np.ndarray] = {}
    for l, layer in enumerate(linears, start=1):
        state[f"W{l}"] = layer.weight.detach().cpu().numpy().copy()
        state[f"b{l}"] = layer.bias.detach().cpu().numpy().reshape(-1, 1).copy()
    model: nn.Module
    if issubclass(cls, nn.LogisticRegression):
        model = cls(dims[0], init="zeros", dtype=dtype)
        state = {"w": state["W1"].T.copy(), "b": state["b1"]}
    else:
        hidden = activations[0] if len(activations) > 1 else "relu"  # unused when L = 1
        # init="zeros" draws nothing from numpy's global RNG; the values are loaded next
        model = cls(dims, hidden, activations[-1], init="zeros", dtype=dtype)
    model.load_state_dict(state)
    return model


# ---------------------------------------------------------------- the data


def _array(name: str, data: Any) -> np.ndarray:
    """data (an ndarray, a Tensor, a list) as a 2-D numpy array."""
    a = np.asarray(data.data if isinstance(data, Tensor) else data)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {a.shape}")
    return a


def _float_dtype(a: np.ndarray, dtype: Any) -> Any:
    """dtype if given, else a's own float32 or float64; ints and bools become float64."""
    if dtype is not None:
        return dtype
    return a.dtype if a.dtype in (np.float32, np.float64) else np.float64


def X_to_torch(X: Any, dtype: Any = None) -> torch.Tensor:
    """PyTorch's input (m, n_x), one example per row, from the course's X (n_x, m): X transposed."""
    torch = _torch("X_to_torch")
    a = _array("X_to_torch: X (n_x, m)", X)
    return torch.tensor(a.T.copy(), dtype=_torch_dtype(torch, _float_dtype(a, dtype)))


def Y_to_torch(Y: Any, dtype: Any = None) -> torch.Tensor:
    """PyTorch's targets (m, 1) from the course's labels Y (1, m), as floats for BCELoss."""
    torch = _torch("Y_to_torch")
    a = _array("Y_to_torch: Y (1, m)", Y)
    if a.shape[0] != 1:
        raise ValueError(f"Y_to_torch: Y must be (1, m), one row of labels; got shape {a.shape}")
    return torch.tensor(a.T.copy(), dtype=_torch_dtype(torch, _float_dtype(a, dtype)))


def X_from_torch(x: torch.Tensor) -> np.ndarray:
    """The course's X (n_x, m), one example per column, from PyTorch's input (m, n_x)."""
    a = _array("X_from_torch: x (m, n_x)", x.detach().cpu().numpy())
    return a.T.copy()  # a copy in C order: never a view of PyTorch's memory


def Y_from_torch(y: torch.Tensor) -> np.ndarray:
    """The course's Y (1, m) from PyTorch's targets or outputs (m, 1) or (m,)."""
    a = y.detach().cpu().numpy()
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] != 1:
        raise ValueError(f"Y_from_torch: y must be (m, 1) or (m,); got shape {tuple(a.shape)}")
    return a.T.copy()
