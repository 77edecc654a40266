"""The course's models on the engine: Linear, LogisticRegression, DeepNN, their cost, and fit().

Examples are columns: X is (n_x, m), Y is (1, m); W[l] is (n[l], n[l-1]), b[l] is (n[l], 1).
Parameters live under the course's keys ("W1", "b1", ...; "w", "b" for logistic regression) and
carry the course's names in the graph ("W[1]", "Z[1]", "A[1]", ..., "AL", "J").

Initialization reproduces the course's draws. With seed=s the weights come from a legacy
np.random.RandomState(s), which draws exactly what `np.random.seed(s)` followed by
`np.random.randn(n[l], n[l-1])` for W1, W2, ... draws in the notebooks (biases are zeros), so
the costs printed here match the assignments'. The global RNG is left alone. With seed=None the
draws come from numpy's global legacy RNG, so `np.random.seed(s)` before building the model
gives the same result as seed=s.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from . import functional as F
from . import optim, outdir
from .arguments import count, number, random_seed
from .progress import bar as progress_bar
from .replay import compile_step  # nn.compile_step: one step replayed as numpy
from .tensor import Tensor, no_grad

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
INITS = ("zeros", "small", "scaled", "he", "xavier")
LEAKY_SLOPE = 0.01  # leaky_relu's slope for Z < 0, as in the course's lectures
M = TypeVar("M", bound="Module")  # a model class: from_torch builds one of its own class


def _choice(what: str, value: str, valid: tuple[str, ...]) -> str:
    if value not in valid:
        raise ValueError(
            f"{what} {value!r} is not known; choose one of {', '.join(map(repr, valid))}"
        )
    return value


def _dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(
            f"dtype {dtype!r} is not supported; use 'float64' (the default) or 'float32'"
        )
    return dt


def _generator(where: str, seed: Any) -> Any:
    """A legacy RandomState seeded as np.random.seed(seed) would be; numpy's global one for None."""
    seed = random_seed(where, seed)
    return np.random if seed is None else np.random.RandomState(seed)


def init_weight(init: str, n: int, n_prev: int, rng: Any) -> np.ndarray:
    """W[l] of shape (n[l], n[l-1]), drawn with the same expression as the course's notebooks."""
    if init == "zeros":
        return np.zeros((n, n_prev))
    if init == "small":  # week 3 and week 4's two-layer net
        return rng.randn(n, n_prev) * 0.01
    if init == "scaled":  # week 4's L-layer net
        return rng.randn(n, n_prev) / np.sqrt(n_prev)
    if init == "he":
        return rng.randn(n, n_prev) * np.sqrt(2.0 / n_prev)
    if init == "xavier":  # Glorot normal
        return rng.randn(n, n_prev) * np.sqrt(2.0 / (n_prev + n))
    raise ValueError(f"init {init!r} is not known; choose one of {', '.join(map(repr, INITS))}")


def activation(name: str, Z: Tensor) -> Tensor:
    """A = g(Z) for g one of relu, tanh, sigmoid, leaky_relu (slope LEAKY_SLOPE)."""
    if name == "leaky_relu":
        return Z.leaky_relu(LEAKY_SLOPE)
    return getattr(Z, _choice("activation", name, ACTIVATIONS))()


# ---------------------------------------------------------------- the base class


class Module:
    """Parameters under course keys, with zero_grad, state_dict and numpy .npz save/load."""

    def __init__(self) -> None:
        self._params: dict[str, Tensor] = {}
        self.n_x = 0
        self.dtype = np.dtype(np.float64)

    def _register(self, key: str, p: Tensor) -> Tensor:
        self._params[key] = p
        return p

    output_activation = "sigmoid"

    def __call__(self, X: Any) -> Tensor:
        return self.forward(self._input(X))

    def forward(self, X: Tensor) -> Tensor:
        """AL = g[L](Z[L]): the output activation of the logits."""
        AL = activation(self.output_activation, self.logits(X))
        AL.name = "AL"
        return AL

    def logits(self, X: Tensor) -> Tensor:
        """Z[L], the output layer's Z before its activation."""
        raise NotImplementedError

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """(key, parameter) pairs in the course's order: W1, b1, W2, b2, ..."""
        return iter(self._params.items())

    def parameters(self) -> list[Tensor]:
        """The parameters, in the order of named_parameters()."""
        return list(self._params.values())

    def __getitem__(self, key: str) -> Tensor:
        if key not in self._params:
            raise KeyError(
                f"{type(self).__name__}: no parameter {key!r}; it has {', '.join(self._params)}"
            )
        return self._params[key]

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (backward accumulates into .grad)."""
        for p in self._params.values():
            p.grad = None

    def grads(self) -> dict[str, np.ndarray]:
        """The gradients in the course's keys: {"dW1": dJ/dW1, "db1": ...}, after J.backward()."""
        return {"d" + k: p.grad for k, p in self._params.items() if p.grad is not None}

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameters' values: {"W1": ndarray of shape (n[1], n[0]), ...}."""
        return {k: p.data.copy() for k, p in self._params.items()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy values into the parameters and clear their grads; every key and shape must match."""
        name = type(self).__name__
        missing = [k for k in self._params if k not in state]
        extra = [k for k in state if k not in self._params]
        if missing or extra:
            raise ValueError(
                f"{name}.load_state_dict: keys differ: missing {missing}, unexpected {extra}; "
                f"this model has {list(self._params)}"
            )
        values = {}
        for k, p in self._params.items():
            v = np.asarray(state[k])
            if v.shape != p.shape:
                raise ValueError(
                    f"{name}.load_state_dict: {k!r} has shape {v.shape} but the model's {k} has "
                    f"shape {p.shape}; was it saved from a model with other layer_dims?"
                )
            if v.dtype.kind not in "biuf":
                raise ValueError(f"{name}.load_state_dict: {k!r} holds {v.dtype}, not numbers")
            values[k] = v
        for k, p in self._params.items():  # all checked first: a bad dict changes nothing
            p.data = np.array(values[k], dtype=p.dtype)
            p.grad = None

    def save(self, path: str | os.PathLike) -> None:
        """Write state_dict() to a numpy .npz file at path (".npz" added if path lacks it, as
        numpy does), making its folder if needed; a folder or a read-only path is refused."""
        out = outdir.writable_file(path, f"{type(self).__name__}.save", suffix=".npz")
        out.parent.mkdir(parents=True, exist_ok=True)
        # numpy's stubs read **arrays as its allow_pickle flag: a false alarm
        np.savez(out, **self.state_dict())  # type: ignore[arg-type]

    def load(self, path: str | os.PathLike) -> None:
        """Read parameters written by save(); plain arrays only, never pickled objects.

        Keys, shapes, dtypes and sizes are checked from the zip directory and each member's npy
        header before any array is read: a file that does not fit this model, or a member larger
        than its parameter, is refused unread. Every refusal is one line that names the file.
        """
        self.load_state_dict(self._read_npz(os.fspath(path)))

    def _read_npz(self, path: str) -> dict[str, np.ndarray]:
        """load()'s reader: a model.save() file's arrays, each checked from its headers first."""
        import zipfile  # here, not at the top: only load() reads zips
        import zlib

        from numpy.lib import format as fmt

        where, save = f"{type(self).__name__}.load: {path!r}", "model.save(path)"

        def refuse(problem: str, fix: str = f"load a file written by {save}") -> ValueError:
            return ValueError(f"{where} {problem}; {fix}")

        def one_line(e: BaseException) -> str:
            return " ".join(str(e).split()) or type(e).__name__

        readers = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}

        def header(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[Any, np.dtype, int]:
            """A member's shape, dtype and bytes of data, from its npy header: data is not read."""
            with z.open(info) as member:
                try:
                    version = fmt.read_magic(member)
                    if version not in readers:
                        raise ValueError(f"npy format version {version}")
                    shape, _, dtype = readers[version](member)
                except ValueError as e:
                    bad = f"has {info.filename!r}, which is not an npy array ({one_line(e)})"
                    raise refuse(bad) from None
                return shape, dtype, info.file_size - member.tell()

        if not os.path.exists(path):
            npz = path + ".npz"
            hint = f" (but {npz!r} does: save() adds .npz)" if os.path.isfile(npz) else ""
            raise FileNotFoundError(f"{where} does not exist{hint}; save models with {save}")
        if os.path.isdir(path):
            raise IsADirectoryError(f"{where} is a directory; pass the .npz file {save} wrote")
        with open(path, "rb") as f:
            head = f.read(6)
        if not head:
            raise refuse("is empty (0 bytes)")
        if head == fmt.MAGIC_PREFIX:
            raise refuse("is a single .npy array, not the .npz of named arrays save() writes")
        if not head.startswith(b"PK"):  # every zip, so every .npz, starts so; a pickle does not
            raise refuse(f"is not an .npz file (it begins {head!r})")
        try:
            with zipfile.ZipFile(path) as z:  # reads the zip's directory, not its members
                infos = {info.filename: info for info in z.infolist()}
                headers = {n: header(z, i) for n, i in infos.items() if n.endswith(".npy")}
                for name, (_, dtype, _) in headers.items():  # whatever else is wrong
                    if dtype.hasobject:
                        raise refuse(
                            f"has {name!r} of Python objects ({dtype}): it is refused, since "
                            "loading it would unpickle code"
                        )
                wanted = [k + ".npy" for k in self._params]  # the names np.savez gives them
                missing = [n.removesuffix(".npy") for n in wanted if n not in infos]
                extra = [n for n in infos if n not in wanted]
                if missing or extra:
                    raise refuse(
                        f"does not fit this model: missing {missing}, unexpected {extra}",
                        f"this model has {list(self._params)}; was it saved from another model?",
                    )
                for k, p in self._params.items():
                    shape, dtype, size = headers[k + ".npy"]
                    if dtype.kind not in "biuf":
                        raise refuse(f"has {k!r} of {dtype}, not numbers")
                    if shape != p.shape:
                        raise refuse(
                            f"has {k!r} of shape {shape}, but the model's {k} has shape {p.shape}",
                            "was it saved from a model with other layer_dims?",
                        )
                    if size != p.data.size * dtype.itemsize:  # larger: refused unread
                        raise refuse(
                            f"has {k!r} of {size} bytes, but {shape} of {dtype} is "
                            f"{p.data.size * dtype.itemsize}: the file is damaged"
                        )
                state = {}
                for k in self._params:  # all checked: now read them
                    with z.open(infos[k + ".npy"]) as member:
                        state[k] = fmt.read_array(member, allow_pickle=False)
                return state
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as e:
            raise refuse(f"is truncated or damaged ({one_line(e)})") from None

    # ---- to PyTorch and back (torch_bridge; torch is imported only when asked for) ----
    def to_torch(self) -> Any:
        """The same model as a torch.nn.Sequential of Linear layers and the same activations:
        W[l] is weight as it is, b[l] bias (n[l],); its input is the course's X transposed,
        (m, n_x). LogisticRegression gives Sequential(Linear(n_x, 1), Sigmoid()), weight wᵀ."""
        from . import torch_bridge

        return torch_bridge.to_torch(self)  # type: ignore[arg-type]

    @classmethod
    def from_torch(cls: type[M], sequential: Any) -> M:
        """The model (of this class: DeepNN or LogisticRegression) a torch.nn.Sequential of
        Linear layers and activations computes, weight as W[l] (wᵀ for logistic regression)."""
        from . import torch_bridge

        return torch_bridge.from_torch(sequential, cls)

    # ---- input checks, shared by the models ----
    def _input(self, X: Any) -> Tensor:
        """X as a Tensor named "X" in the model's dtype, after checking it is (n_x, m)."""
        name = type(self).__name__
        data = X.data if isinstance(X, Tensor) else np.asarray(X)
        if data.ndim != 2:
            hint = " (one example is a column: x.reshape(-1, 1))" if data.ndim == 1 else ""
            raise ValueError(
                f"{name}: X must be 2-D (n_x, m), examples as columns; got shape {data.shape}{hint}"
            )
        if data.shape[0] != self.n_x:
            hint = " (did you pass X.T?)" if data.shape[1] == self.n_x else ""
            raise ValueError(
                f"{name}: X has shape {data.shape} but the model expects ({self.n_x}, m): "
                f"examples are columns, one per example, n_x = {self.n_x} rows{hint}"
            )
        if isinstance(X, Tensor) and X.dtype == self.dtype:
            if X.name is None and X.is_leaf:  # label the data, never an unnamed intermediate
                X.name = "X"
            return X
        if isinstance(X, Tensor) and X.requires_grad:
            raise ValueError(
                f"{name}: X is {X.dtype} and requires grad, but the model is {self.dtype}; "
                f"create X as {self.dtype} (casting it here would cut it from the graph)"
            )
        if data.dtype.kind not in "biuf":
            raise TypeError(f"{name}: X must hold real numbers, got an array of dtype {data.dtype}")
        return Tensor(
            data.astype(self.dtype, copy=False),  # a float array of the model's dtype: shared
            name=(X.name if isinstance(X, Tensor) else None) or "X",
        )

    def predict(self, X: Any) -> np.ndarray:
        """Y_hat = 1 where AL > 0.5, else 0: an int array of shape (1, m), made under no_grad."""
        with no_grad():
            return (self(X).data > 0.5).astype(np.int64)

    def cost(self, X: Any, Y: Any) -> Tensor:
        """J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL)) for AL = model(X), named "J".

        With a sigmoid output, J is computed from Z[L] (binary_cross_entropy_with_logits), as the
        course fuses sigmoid with the cross-entropy: the same J, and backward gives dZ[L] =
        (1/m)(AL - Y) in one step. nn.cost(model(X), Y) walks through AL instead, for pictures.
        """
        X = self._input(X)
        _labels(Y, X.shape[1], "cost")
        return self._cost(X, Y)

    def _cost(self, X: Tensor, Y: Any) -> Tensor:
        """cost() for an X and Y checked already: fit checks them once, not at every iteration."""
        if self.output_activation != "sigmoid":
            return cost(self.forward(X), Y)
        ZL = self.logits(X)
        _check_output("Z[L]", ZL)
        J = F.binary_cross_entropy_with_logits(ZL, Y)
        J.name = "J"
        return J


# ---------------------------------------------------------------- the models


@functools.cache
def _course_name(letter: str, layer: int | None) -> str:
    """A layer's course name, "Z[2]" or "A[1]" ("Z" without a layer), made once, not once per
    node of every step's graph (a loop keeps two graphs alive: each byte a node holds counts
    twice)."""
    return letter if layer is None else f"{letter}[{layer}]"


class Linear(Module):
    """Z = W A_prev + b, W (n_out, n_in), b (n_out, 1): the course's linear_forward, one node."""

    def __init__(
        self, n_in: int, n_out: int, init: str = "scaled", seed: int | None = None,
        dtype: Any = "float64", layer: int | None = None, rng: Any = None,
    ):  # fmt: skip
        super().__init__()
        _choice("init", init, INITS)
        self.n_x = count("Linear", "n_in", n_in, "the units of the layer before, A_prev's rows")
        self.n_out = count("Linear", "n_out", n_out, "the units of this layer, n[l]")
        self.dtype = _dtype(dtype)
        # DeepNN passes one rng to all its layers, so the draws follow the course's order
        rng = rng if rng is not None else _generator("Linear", seed)
        tag = "" if layer is None else f"[{layer}]"
        self.layer = layer
        self.W = self._register(
            "W", Tensor(init_weight(init, n_out, n_in, rng).astype(self.dtype), True, f"W{tag}")
        )
        self.b = self._register("b", Tensor(np.zeros((n_out, 1), self.dtype), True, f"b{tag}"))

    def forward(self, A_prev: Tensor) -> Tensor:
        """Z = W A_prev + b"""
        Z = F.linear(self.W, A_prev, self.b)
        Z.name = _course_name("Z", self.layer)
        return Z

    def __repr__(self) -> str:
        return f"Linear({self.n_x}, {self.n_out})"


class LogisticRegression(Module):
    """A = sigmoid(w^T X + b) with w (n_x, 1) and b (1, 1): week 2's model, keys "w" and "b"."""

    def __init__(
        self, n_x: int, init: str = "zeros", seed: int | None = None, dtype: Any = "float64"
    ):
        super().__init__()
        _choice("init", init, INITS)
        self.n_x = count("LogisticRegression", "n_x", n_x, "the number of features, X's rows")
        self.dtype = _dtype(dtype)
        self.layer_dims, self.L = [self.n_x, 1], 1
        self.hidden_activation, self.output_activation = None, "sigmoid"
        rng = _generator("LogisticRegression", seed)
        w = init_weight(init, 1, self.n_x, rng).T  # w^T is a (1, n_x) W[1]
        self.w = self._register("w", Tensor(w.astype(self.dtype), True, "w"))
        self.b = self._register("b", Tensor(np.zeros((1, 1), self.dtype), True, "b"))

    def logits(self, X: Tensor) -> Tensor:
        """Z = w^T X + b, one node: backward gives dw = X dZ^T (n_x, 1) and db = sum(dZ)"""
        Z = F.linear(self.w, X, self.b, transpose_W=True)
        Z.name = "Z"
        return Z

    def forward(self, X: Tensor) -> Tensor:
        """A = sigmoid(Z)"""
        A = self.logits(X).sigmoid()
        A.name = "A"
        return A

    def __repr__(self) -> str:
        return f"LogisticRegression({self.n_x}, dtype={self.dtype})"


class DeepNN(Module):
    """[LINEAR -> hidden activation] x (L-1) -> LINEAR -> output activation, sizes layer_dims."""

    def __init__(
        self, layer_dims: list[int], hidden_activation: str = "relu",
        output_activation: str = "sigmoid", init: str = "scaled", seed: int | None = None,
        dtype: Any = "float64",
    ):  # fmt: skip
        super().__init__()
        dims = list(layer_dims)
        if len(dims) < 2 or any(
            not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1 for n in dims
        ):
            raise ValueError(
                f"DeepNN: layer_dims must list two or more positive integers [n_x, ..., n_y], "
                f"got {layer_dims}"
            )
        self.layer_dims = [int(n) for n in dims]
        self.hidden_activation = _choice("hidden_activation", hidden_activation, ACTIVATIONS)
        self.output_activation = _choice("output_activation", output_activation, ACTIVATIONS)
        self.init = _choice("init", init, INITS)
        self.n_x, self.L, self.dtype = self.layer_dims[0], len(dims) - 1, _dtype(dtype)
        rng = _generator("DeepNN", seed)
        self.layers = []
        for l in range(1, self.L + 1):
            layer = Linear(
                self.layer_dims[l - 1], self.layer_dims[l], init, dtype=dtype, layer=l, rng=rng
            )
            self._register(f"W{l}", layer.W)
            self._register(f"b{l}", layer.b)
            self.layers.append(layer)

    def logits(self, X: Tensor) -> Tensor:
        """Z[l] = W[l] A[l-1] + b[l];  A[l] = g(Z[l]) for l < L, from A[0] = X to Z[L]"""
        A = X
        for l, layer in enumerate(self.layers[:-1], start=1):
            A = activation(self.hidden_activation, layer.forward(A))  # A[l-1] fits W[l]
            A.name = _course_name("A", l)
        return self.layers[-1].forward(A)

    def __repr__(self) -> str:
        return (
            f"DeepNN({self.layer_dims}, hidden_activation={self.hidden_activation!r}, "
            f"output_activation={self.output_activation!r}, init={self.init!r}, dtype={self.dtype})"
        )


def logistic_regression_graph(X: Any, Y: Any, w: Any = None, b: Any = None) -> Tensor:
    """Week 2's graph as the course draws it: Z = wᵀX + b, A = σ(Z), J = L(A, Y); returns J.

    X is (n_x, m), Y is (1, m); w (n_x, 1) and b (1, 1) default to zeros, as the course starts.
    J goes through A (not the fused cost), so backward shows dA; call J.backward(), or
    viz.backward_with_grads(J) to keep every intermediate's gradient for a picture.
    """
    Xt = X if isinstance(X, Tensor) else Tensor(X, name="X")
    Yt = Y if isinstance(Y, Tensor) else Tensor(Y, name="Y")
    if Xt.ndim != 2 or Yt.shape != (1, Xt.shape[1]):
        raise ValueError(
            f"logistic_regression_graph: X must be (n_x, m) and Y (1, m); got X {Xt.shape}, "
            f"Y {Yt.shape} (reshape Y with Y.reshape(1, -1))"
        )
    n_x = Xt.shape[0]
    w = Tensor(np.zeros((n_x, 1)) if w is None else w, requires_grad=True, name="w")
    b = Tensor(np.zeros((1, 1)) if b is None else b, requires_grad=True, name="b")
    if w.shape != (n_x, 1) or b.shape != (1, 1):
        raise ValueError(
            f"logistic_regression_graph: w must be ({n_x}, 1) and b (1, 1); "
            f"got w {w.shape}, b {b.shape}"
        )
    Z = F.linear(w, Xt, b, transpose_W=True)
    Z.name = "Z"
    A = Z.sigmoid()
    A.name = "A"
    return cost(A, Yt)


# ---------------------------------------------------------------- cost, accuracy, training


def _labels(Y: Any, m: int, where: str) -> np.ndarray:
    """Y as an array, checked to be (1, m) and to hold only 0 and 1."""
    Yd = np.asarray(Y.data if isinstance(Y, Tensor) else Y)
    if Yd.shape != (1, m):
        hint = " (reshape it with Y.reshape(1, -1))" if Yd.size == m else ""
        raise ValueError(
            f"{where}: Y has shape {Yd.shape} but the predictions have shape {(1, m)}{hint}"
        )
    bad = Yd[(Yd != 0) & (Yd != 1)]
    if bad.size:
        raise ValueError(
            f"{where}: Y must hold labels 0 and 1, but it also holds {np.unique(bad)[:5].tolist()}"
        )
    return Yd


def _check_output(what: str, out: Tensor) -> None:
    if out.ndim != 2 or out.shape[0] != 1:
        raise ValueError(
            f"cost: {what} has shape {out.shape}; it must be (1, m), one output per example "
            "(the cost is for one output unit: layer_dims ending in 1)"
        )


def cost(AL: Tensor, Y: Any) -> Tensor:
    """J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL)), named "J"; Y is (1, m) of 0s and 1s.

    The course's composition: backward goes J -> AL -> Z[L], as its diagrams draw it.
    model.cost(X, Y) gives the same J from Z[L] in one fused step (faster, for training).
    """
    _check_output("AL", AL)
    _labels(Y, AL.shape[1], "cost")
    J = F.binary_cross_entropy(AL, Y)
    J.name = "J"
    return J


def accuracy(model: Module, X: Any, Y: Any) -> float:
    """The fraction of examples where predict(X) equals Y (the course prints 100 times it, in %)."""
    Y_hat = model.predict(X)
    return float(np.mean(Y_hat == _labels(Y, Y_hat.shape[1], "accuracy")))


@dataclass
class History:
    """What fit() saw: the cost at every iteration, accuracies, and the wall time in seconds."""

    costs: list[float] = field(default_factory=list)
    iterations: int = 0  # that ran: num_iterations, or the i finite ones when iteration i diverged
    seconds: float = 0.0
    learning_rate: float | None = None
    train_accuracy: float | None = None  # after the last step, as a fraction in [0, 1]
    val_accuracy: float | None = None
    checkpoints: list[int] = field(
        default_factory=list
    )  # iterations where the lists below were taken
    train_accuracies: list[float] = field(default_factory=list)  # before that iteration's step
    val_accuracies: list[float] = field(default_factory=list)
    # with fit(track="gradients"): at each iteration of health_iterations, per layer l,
    # {"dW_norm": ‖dW[l]‖, "ratio": ‖dW[l]‖/‖W[l]‖, "saturated": fraction} (doctor.gradient_health)
    health_iterations: list[int] = field(default_factory=list)
    gradient_health: list[dict[int, dict[str, float]]] = field(default_factory=list)

    def _summary(self) -> dict[str, str]:
        """What the reprs show, by name: never the whole cost list."""
        rows = {"iterations": str(self.iterations)}
        if self.costs:
            rows["final_cost"] = f"{self.costs[-1]:.6g}"
        if self.learning_rate is not None:
            rows["learning_rate"] = f"{self.learning_rate:g}"
        if self.train_accuracy is not None:
            rows["train_accuracy"] = f"{self.train_accuracy:.4g}"
        if self.val_accuracy is not None:
            rows["val_accuracy"] = f"{self.val_accuracy:.4g}"
        rows["seconds"] = f"{self.seconds:.3g}"
        return rows

    def __repr__(self) -> str:
        """History(iterations=2500, final_cost=0.0929, ..., seconds=3.2): one short line."""
        return "History(" + ", ".join(f"{k}={v}" for k, v in self._summary().items()) + ")"

    def _repr_html_(self) -> str:
        """The summary as a small table (what a notebook shows), the first cost beside the last."""
        rows = self._summary()
        if self.costs:
            rows["final_cost"] = f"{self.costs[0]:.6g} → {rows['final_cost']}"
        for key in ("train_accuracy", "val_accuracy"):  # as the course prints them, in %
            acc = getattr(self, key)
            if acc is not None:
                rows[key] = f"{100 * acc:.2f} %"
        cells = "".join(
            f'<tr><th style="text-align:left">{k.replace("_", " ")}</th>'
            f'<td style="text-align:left">{v}</td></tr>'
            for k, v in rows.items()
        )
        return f"<table><caption>History of fit</caption>{cells}</table>"

    def plot(self, path: str | os.PathLike | None = None) -> Any:
        """Draw the costs (and accuracies) with tinygrad_edu.plots; save to path, if given."""
        from . import plots  # matplotlib only when asked for

        return plots.plot_history(self, path)


class TrainingDiverged(RuntimeError):  # noqa: N818 -- it names what happened, as the API asks
    """fit's cost became NaN or inf at .iteration; .history keeps the finite costs before it."""

    def __init__(self, message: str, history: History, iteration: int, cost: float) -> None:
        super().__init__(message)
        self.history = history  # costs of iterations 0 .. iteration - 1, all finite
        self.iteration = iteration  # the first iteration whose cost was not finite
        self.cost = cost  # that cost: nan, inf or -inf


class TrainingInterrupted(KeyboardInterrupt):  # noqa: N818 -- a KeyboardInterrupt, named for fit
    """Ctrl-C inside fit: the model holds the parameters of the last whole iteration; .history
    keeps the costs so far."""

    def __init__(self, message: str, history: History) -> None:
        super().__init__(message)
        self.history = history


def _check_fit_arguments(learning_rate: Any, num_iterations: Any, print_every: Any) -> None:
    """Refuse, one line each, what fit cannot train with; the data is checked by _fit_data."""
    count("fit", "num_iterations", num_iterations, "how many steps")
    number("fit", "learning_rate", learning_rate, hint="the course's deep net uses 0.0075")
    if print_every is not None:
        count("fit", "print_every", print_every, "or None to print nothing")


def _refuse_nonfinite(name: str, data: np.ndarray, given: Any = None) -> None:
    """Raise one line naming the first NaN or inf in data (X, Y, X_val or Y_val) and its place.

    data is (n, m), examples as columns, and the first is in the first example holding one;
    given is what the user passed, when data is its cast.
    """
    if data.dtype.kind not in "fc":  # ints and bools hold neither
        return
    finite = np.isfinite(data)
    if finite.all():
        return
    first = int(np.argmin(finite.ravel(order="F")))  # column by column: the first example's
    pos = tuple(int(k) for k in np.unravel_index(first, data.shape, order="F"))
    what = "NaN" if np.isnan(data[pos]) else str(data[pos])  # "inf" or "-inf"
    where = f"feature {pos[0]} of example {pos[1]}" if name.startswith("X") else f"example {pos[1]}"
    note = ""
    if given is not None:  # a float64 too large for a float32 model becomes inf in the cast
        raw = np.asarray(given.data if isinstance(given, Tensor) else given)
        if raw.shape == data.shape and raw.dtype.kind in "iuf" and np.isfinite(raw[pos]):
            note = f", from {raw[pos].item()!r}, which is too large for the model's {data.dtype}"
    raise ValueError(
        f"fit: {name} holds {what} at {pos} ({where}){note}; clean or drop those examples first"
    )


def _fit_data(model: Module, X: Any, Y: Any, suffix: str = "") -> tuple[Tensor, np.ndarray]:
    """X and Y checked for fit (suffix "_val" for the validation pair): shapes, m >= 1, finite."""
    Xt = model._input(X)
    m = Xt.shape[1]
    if m == 0:
        raise ValueError(
            f"fit: X{suffix} has no examples (shape {Xt.shape}); it needs m >= 1 columns"
        )
    _refuse_nonfinite("X" + suffix, Xt.data, X)
    Yd = np.asarray(Y.data if isinstance(Y, Tensor) else Y)
    if Yd.shape == (1, m):  # a wrong shape is for _labels to name
        _refuse_nonfinite("Y" + suffix, Yd)
    return Xt, _labels(Yd, m, "fit (validation)" if suffix else "fit")


def _diverged_message(
    i: int, cost: float, costs: list[float], optimizer: Any, learning_rate: float | None
) -> str:
    """TrainingDiverged's one line: where, what, what was put back, and what to try.

    learning_rate is fit's, or None when the optimizer was the caller's (its lr is named then).
    """
    anomaly = "run fit inside tinygrad_edu.detect_anomaly() to find the op that made it"
    if i == 0:
        return (
            f"fit: the cost is {cost} at iteration 0, from the initial parameters, before any "
            f"step; look for NaN or inf in model.state_dict(), or {anomaly}"
        )
    lr = getattr(optimizer, "lr", None)
    if learning_rate is not None:
        smaller = f"learning_rate={float(learning_rate)!r} / 10"
    elif isinstance(lr, (int, float, np.integer, np.floating)):
        smaller = f"{type(optimizer).__name__}(..., lr={float(lr)!r} / 10)"
    else:
        smaller = f"a smaller one for {type(optimizer).__name__}"
    return (
        f"fit: the cost is {cost} at iteration {i}; the model holds again the parameters of "
        f"iteration {i - 1} (cost {costs[-1]:.6g}). Try a smaller learning rate ({smaller}), "
        f"or {anomaly}"
    )


def fit(
    model: Module, X: Any, Y: Any, learning_rate: float = 0.0075, num_iterations: int = 2500,
    optimizer: Any = None, print_every: int | None = 100, progress: bool = True,
    X_val: Any = None, Y_val: Any = None, track: str | None = None, track_every: int = 10,
    replay: bool = False,
) -> History:  # fmt: skip
    """Batch gradient descent: each iteration J = model.cost(X, Y), J.backward(), then the step.

    track="gradients" records every track_every iterations (and at the last) the health of each
    layer's gradient, before that iteration's step: ‖dW[l]‖, ‖dW[l]‖ / ‖W[l]‖ and the fraction
    of saturated units (doctor.gradient_health; plots.plot_gradient_health draws them).

    optimizer defaults to optim.GradientDescent(model.parameters(), learning_rate), which is the
    course's W = W - learning_rate * dW (learning_rate is unused when an optimizer is given).
    Prints "Cost after iteration i: J" every print_every iterations and after the last
    (print_every=None: silent), with a progress bar unless progress=False: tqdm on stderr, or in
    a notebook one line updated in place (tinygrad_edu.progress).
    Data holding NaN or inf is refused before any step (ValueError). If the cost of iteration i
    is NaN or inf, the parameters that gave iteration i - 1's cost are put back and
    TrainingDiverged is raised, its .history holding the i finite costs.
    replay=True runs each iteration's forward, backward and update as compile_step's numpy
    program (plain gradient descent only): the same costs and parameters, to rounding.
    """
    _check_fit_arguments(learning_rate, num_iterations, print_every)
    if track not in (None, "gradients"):
        raise ValueError(f'fit: track must be None or "gradients", got {track!r}')
    count("fit", "track_every", track_every, "every how many steps to record the gradients")
    if (X_val is None) != (Y_val is None):
        raise ValueError("fit: pass both X_val and Y_val, or neither")
    X, Y = _fit_data(model, X, Y)
    Y = Y.astype(model.dtype)
    if X_val is not None:
        X_val, Y_val = _fit_data(model, X_val, Y_val, "_val")
    own_lr = learning_rate if optimizer is None else None  # for the error's advice
    if optimizer is None:
        optimizer = optim.GradientDescent(model.parameters(), learning_rate)
    elif not all(callable(getattr(optimizer, f, None)) for f in ("zero_grad", "step")):
        raise TypeError(
            f"fit: optimizer must be an optimizer made on the model's parameters, e.g. "
            f"optim.Adam(model.parameters(), lr=0.001), or None; got {optimizer!r}"
        )
    history = History(learning_rate=getattr(optimizer, "lr", learning_rate))
    # The parameters a step starts from gave that iteration's cost: they are kept until the next
    # cost is known to be finite. optim's optimizers assign each step's result as a new array, so
    # a reference keeps the old values; a parameter still holding the same array after a step may
    # have been written into in place, so it is copied before the next step (and all of them
    # before the first). An optimizer is trusted to do at each step what it did at the last.
    params: list[Tensor] = (
        optimizer.params if isinstance(optimizer, optim.Optimizer) else model.parameters()
    )
    if not {id(p) for p in params} & {id(p) for p in model.parameters()}:
        raise ValueError(
            "fit: the optimizer holds none of this model's parameters (was it made for another "
            "model?); build it with optimizer(model.parameters(), ...)"
        )
    compiled = compile_step(model, X, Y, optimizer) if replay else None
    copy = [True] * len(params)
    kept: list[np.ndarray] = []
    stepping = False
    start = time.perf_counter()
    with progress_bar(num_iterations, enabled=progress) as bar:
        try:
            for i in bar:
                optimizer.zero_grad()
                if compiled is None:
                    J = model._cost(X, Y)  # X and Y were checked above, once
                    c = float(J.data)
                else:  # forward and backward replayed; the update below
                    c = compiled.gradients()
                if not math.isfinite(c):
                    if kept:  # at iteration 0 no step was taken: nothing to put back
                        for p, old in zip(params, kept, strict=True):
                            p.data = old
                    model.zero_grad()
                    history.iterations = i
                    history.seconds = time.perf_counter() - start
                    message = _diverged_message(i, c, history.costs, optimizer, own_lr)
                    raise TrainingDiverged(message, history, i, c)
                if compiled is None:
                    J.backward()
                history.costs.append(c)
                bar.set_postfix(cost=f"{c:.6f}", refresh=False)
                if track and (i % track_every == 0 or i == num_iterations - 1):
                    from .doctor import gradient_health  # the doctor's measure, when asked for

                    history.health_iterations.append(i)
                    history.gradient_health.append(gradient_health(model, X, Y))
                if print_every and (i % print_every == 0 or i == num_iterations - 1):
                    # accuracies of the parameters that gave this cost, before the step
                    history.checkpoints.append(i)
                    history.train_accuracies.append(accuracy(model, X, Y))
                    if X_val is not None:
                        history.val_accuracies.append(accuracy(model, X_val, Y_val))
                    bar.write(f"Cost after iteration {i}: {c}", file=sys.stdout)
                before = [p.data for p in params]
                kept = [a.copy() if k else a for a, k in zip(before, copy, strict=True)]
                stepping = True
                if compiled is None:
                    optimizer.step()
                else:
                    compiled.update()
                stepping = False
                copy = [p.data is a for p, a in zip(params, before, strict=True)]
        except KeyboardInterrupt:
            if stepping:  # half a step: put back what the last cost was computed from
                for p, old in zip(params, kept, strict=True):
                    p.data = old
            history.iterations = len(history.costs)
            history.seconds = time.perf_counter() - start
            raise TrainingInterrupted(
                f"fit: interrupted after {len(history.costs)} iterations; the model holds the "
                "parameters of the last whole step, and this error's .history the costs so far",
                history,
            ) from None
    history.seconds = time.perf_counter() - start
    history.iterations = num_iterations
    history.train_accuracy = accuracy(model, X, Y)
    if X_val is not None:
        history.val_accuracy = accuracy(model, X_val, Y_val)
    return history
