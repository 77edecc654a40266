"""Tensor: a numpy array that remembers how it was made.

`apply()` is the one place that records a node (its op and its parents); `walk()` is the one
place that goes through the graph backward, in reverse topological order, handing each node its
gradient. `Tensor.backward()` stores what the walk gives the leaves; the pictures draw what it
gives every node. Everything else is sugar over the primitives in ops.py.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import operator
import threading
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from . import ops
from .ops import Op


class _Mode(threading.local):
    """The engine's switches, one set per thread (as PyTorch keeps them)."""

    def __init__(self) -> None:
        self.grad_enabled = True  # record graphs (False inside no_grad)
        self.anomaly = False  # check every forward and backward value (inside detect_anomaly)


_mode = _Mode()
_DONE = object()


class _switch(contextlib.ContextDecorator):  # noqa: N801 -- used like a function, as in PyTorch
    """Set one of the engine's switches inside a with block (or a decorated function)."""

    field, value = "grad_enabled", False

    def __init__(self) -> None:
        self._prev: list[bool] = []  # a stack: one decorator instance is entered again by recursion

    def __enter__(self) -> None:
        self._prev.append(getattr(_mode, self.field))
        setattr(_mode, self.field, self.value)

    def __exit__(self, *exc: Any) -> None:
        setattr(_mode, self.field, self._prev.pop())

    def __call__(self, func: Any) -> Any:
        """As a decorator; a generator runs each of its steps inside the switch, as in PyTorch."""
        if not inspect.isgeneratorfunction(func):
            return super().__call__(func)

        @functools.wraps(func)
        def steps(*args: Any, **kwargs: Any) -> Any:
            gen = func(*args, **kwargs)
            with self:
                item = next(gen, _DONE)
            while item is not _DONE:
                sent = yield item
                with self:
                    item = gen.send(sent) if sent is not None else next(gen, _DONE)
            return None

        return steps


class no_grad(_switch):  # noqa: N801
    """Inside `with no_grad():` (or a function decorated with @no_grad()) nothing is recorded."""


class enable_grad(_switch):  # noqa: N801
    """Record again inside a no_grad block (backward(create_graph=True) runs its VJPs so)."""

    value = True


class detect_anomaly(_switch):  # noqa: N801
    """Raise at the first op whose forward or backward makes NaN or inf, naming the op and line."""

    field, value = "anomaly", True


def _user_frame() -> str:
    """file:line of the innermost caller outside this package: where the user made the op."""
    f = ops.user_frame()[0]
    return f"{f.f_code.co_filename}:{f.f_lineno}" if f is not None else "<unknown>"


def _as_array(data: Any) -> np.ndarray:
    """The array a Tensor holds: a float64 or float32 numpy array is shared as it is (not
    copied); ints, bools and lists become a new float64 array. Nothing else is a number here."""
    if type(data) is np.ndarray and data.dtype.char in "fd":  # float64, float32: as it is
        return data
    try:
        a = np.asarray(data)
    except ValueError as e:  # a ragged list
        raise ValueError(
            f"Tensor: the data is not a rectangular array of numbers ({e}); give every row the "
            "same length"
        ) from None
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    if a.dtype not in (np.float64, np.float32):
        hint = {
            "c": "complex numbers have no place in the course's costs",
            "f": "use float64 (the default) or float32; float16's range is too small for the cost",
            "O": "the values are not all numbers (a list holding a Tensor? use t.data)",
        }.get(a.dtype.kind, "pass numbers (ints, floats, bools) as a list or a numpy array")
        raise TypeError(f"Tensor: cannot hold data of dtype {a.dtype}; {hint}")
    return a


class Tensor:
    """A numpy array in a graph: data, grad, requires_grad, and the op and parents that made it."""

    __slots__ = (
        "_data", "_grad", "requires_grad", "name", "parents", "grad_fn", "_versions", "_saved",
        "_retains_grad", "_freed", "_where", "_warned", "_grad_version", "__weakref__",
    )  # fmt: skip

    def __init__(self, data: Any, requires_grad: bool = False, name: str | None = None):
        # Tensor(t) is a new leaf with a copy of t's values, as torch.tensor(t); a float numpy
        # array is shared, not copied (as torch.as_tensor): see _as_array
        self._data: np.ndarray = _as_array(data._data.copy() if isinstance(data, Tensor) else data)
        self._grad: Any = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.parents: tuple[Tensor, ...] = ()
        self.grad_fn: Op | None = None  # the op that made this tensor; None for a leaf
        # [n]: bumped by every in-place change (backward checks what it reads); one list shared
        # with the tensors whose arrays are views of this one's (w.T of w), as in PyTorch
        self._versions = [0]
        self._saved: tuple[int, ...] = ()  # the parents' versions, then its own, when recorded
        self._retains_grad = False
        self._freed = False
        self._where: str | None = None  # the user's line that made it, inside detect_anomaly
        self._warned = False
        self._grad_version = 0  # the version the values had when .grad was last set

    # ---- the value and the gradient ----
    @property
    def data(self) -> np.ndarray:
        """The value, a numpy array (shared, not copied). Assigning to it, or changing it with
        `W.data -= x`, counts as an in-place change: a backward that needs the old value raises.
        Writing single elements (`W.data[0, 1] = x`) is the one change it cannot see."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        if isinstance(value, Tensor):
            raise TypeError(
                "Tensor.data: assign a numpy array, not a Tensor (use t.data = other.data)"
            )
        self._data = _as_array(value)
        self._versions[0] += 1

    @property
    def version(self) -> int:
        """How many in-place changes this tensor's values have had (0: as it was made)."""
        return self._versions[0]

    def changed_in_place(self) -> None:
        """Count a change made directly into this tensor's array (as compile_step's in-place
        updates are), so a backward through a graph that read the old values refuses."""
        self._versions[0] += 1

    @property
    def grad(self) -> Any:
        """dJ/d(this tensor) after J.backward(): set for leaves that require grad, and for
        intermediates asked to retain_grad(); None before backward, and after zero_grad()."""
        if self._grad is None and not self.retains_grad:
            self._warn_not_a_leaf()
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None and getattr(value, "shape", None) != self.shape:
            raise ValueError(
                f"Tensor.grad: the gradient must have the tensor's shape {self.shape}, "
                f"got {getattr(value, 'shape', type(value).__name__)}"
            )
        self._grad, self._grad_version = value, self._versions[0]

    def _warn_not_a_leaf(self) -> None:
        if self._warned or not self.requires_grad:
            return
        self._warned = True
        who = self.name or "this tensor"
        warnings.warn(
            f"{self.name or 'tensor'}.grad is None: {who} is not a leaf (it was made by "
            f"'{self.op}'), so backward does not keep its gradient. To update a parameter, keep "
            "it a leaf: "
            f"`with no_grad(): {self.name or 'w'} -= alpha * {self.name or 'w'}.grad`, or use an "
            "optimizer (optim.GradientDescent); to see an intermediate's gradient call "
            ".retain_grad() on it before backward",
            stacklevel=ops.user_frame()[1] + 1,
        )

    # ---- what it is ----
    @property
    def op(self) -> str | None:
        """The name of the op that made this tensor ("matmul", "sigmoid", ...), None for a leaf."""
        return self.grad_fn.name if self.grad_fn is not None else None

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def broadcast(self) -> dict[int, tuple[int, ...]]:
        """Input index -> its shape, for the inputs the op broadcast: backward sums them back."""
        if self.grad_fn is None:
            return {}
        shapes = [p.shape for p in self.parents]
        return {i: shapes[i] for i in self.grad_fn.broadcasts if shapes[i] != self.shape}

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor: it is a single number (use .item())")
        return len(self._data)

    def __iter__(self) -> Iterator[Tensor]:
        """The rows, as Tensors in the graph (a 0-d tensor is a single number: not iterable)."""
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor: it is a single number (use .item())")
        return (self[i] for i in range(len(self._data)))

    # ---- as a Python number (one-element tensors), and comparisons (plain bool arrays) ----
    def _one(self, what: str) -> Any:
        if self.size != 1:
            raise ValueError(
                f"{what}: only a one-element tensor is a single number; this one has shape "
                f"{self.shape} (reduce it first, e.g. .sum(), or index one element)"
            )
        return self._data.item()

    def __float__(self) -> float:
        return float(self._one("float()"))

    def __int__(self) -> int:
        return int(self._one("int()"))

    def __bool__(self) -> bool:
        return bool(self._one("bool()"))

    def __format__(self, spec: str) -> str:
        return format(self._one(f"format(t, {spec!r})"), spec) if spec else repr(self)

    def __eq__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return np.asarray(self._data == _value(other))

    def __ne__(self, other: Any) -> np.ndarray:  # type: ignore[override]
        return np.asarray(self._data != _value(other))

    def __lt__(self, other: Any) -> np.ndarray:
        return np.asarray(self._data < _value(other))

    def __le__(self, other: Any) -> np.ndarray:
        return np.asarray(self._data <= _value(other))

    def __gt__(self, other: Any) -> np.ndarray:
        return np.asarray(self._data > _value(other))

    def __ge__(self, other: Any) -> np.ndarray:
        return np.asarray(self._data >= _value(other))

    __hash__ = object.__hash__  # a tensor is one node of a graph: hashed by identity

    def __repr__(self) -> str:
        label = f"{self.name}: " if self.name else ""
        made = f", op={self.op}" if self.grad_fn is not None else ""
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self._data, precision=4, threshold=20, prefix="Tensor(")
        return f"Tensor({label}{body}{made}{grad})"

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (shared, not copied)."""
        return self._data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        return self._one("item")

    def detach(self) -> Tensor:
        """The same data (shared, with its version count), cut from the graph: no gradient
        flows through it."""
        out = Tensor(self._data, name=self.name)
        out._versions = self._versions
        return out

    def named(self, name: str) -> Tensor:
        """Give this tensor a name for pictures and messages ("Z", "A[1]", "J"); returns it."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"named: a name is a non-empty string, got {name!r}")
        self.name = name
        return self

    @property
    def retains_grad(self) -> bool:
        """Whether backward keeps its gradient in .grad: a leaf, or after retain_grad()."""
        return self.grad_fn is None or self._retains_grad

    def retain_grad(self) -> Tensor:
        """Keep this intermediate's gradient in .grad after backward (leaves keep theirs anyway)."""
        self._retains_grad = True
        return self

    # ---- backward: the walk, stored ----
    def backward(
        self, grad: Any = None, retain_graph: bool = False, create_graph: bool = False
    ) -> None:
        """Fill .grad of each leaf that requires grad with d(self)/d(leaf), from walk(self).

        .grad accumulates across calls, as in PyTorch: the course's update W = W - alpha * dW needs
        a fresh dW each iteration, so zero it between steps (`W.grad = None`, or the optimizer's
        zero_grad()). A graph is good for one backward; pass retain_graph=True to walk it again.
        With create_graph=True the gradients are Tensors in a graph of their own, so they can be
        differentiated again (second derivatives, Hessian-vector products).
        """
        keep_graph = retain_graph or create_graph
        for node, g in walk(self, grad, create_graph, shortcut=True):
            if node._freed:
                raise RuntimeError(
                    f"backward: the graph through '{node.op}' was already walked by an earlier "
                    "backward(); pass retain_graph=True to the first backward() to walk it twice"
                )
            if node.grad_fn is None or node._retains_grad:
                node._grad = _accumulated(node, g, create_graph)
                node._grad_version = node._versions[0]
            if node.grad_fn is not None and not keep_graph:
                node._freed = True  # its VJP runs once the walk resumes, after this check

    def topological_order(self, everything: bool = False) -> list[Tensor]:
        """The graph's nodes, each after its parents: those that need a gradient (what the walk
        visits, in reverse), or with everything=True every node, data and constants too.

        Iterative (an explicit stack, not recursion), so a graph of any depth works.
        """
        return _sorted(self, everything)[0]

    # ---- operators (a Tensor, numpy array or Python number on either side) ----
    def __add__(self, other: Any) -> Tensor:
        return apply(ops.Add(), self, _lift(other, self))

    def __radd__(self, other: Any) -> Tensor:
        return apply(ops.Add(), _lift(other, self), self)

    def __sub__(self, other: Any) -> Tensor:
        other = _lift(other, self)
        if _a_recorded_update(self, other):
            _warn_recorded_update(self)
        return apply(ops.Sub(), self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return apply(ops.Sub(), _lift(other, self), self)

    def __mul__(self, other: Any) -> Tensor:
        return apply(ops.Mul(), self, _lift(other, self))

    def __rmul__(self, other: Any) -> Tensor:
        return apply(ops.Mul(), _lift(other, self), self)

    def __truediv__(self, other: Any) -> Tensor:
        return apply(ops.Div(), self, _lift(other, self))

    def __rtruediv__(self, other: Any) -> Tensor:
        return apply(ops.Div(), _lift(other, self), self)

    def __neg__(self) -> Tensor:
        return apply(ops.Neg(), self)

    def __pow__(self, p: Any) -> Tensor:
        if isinstance(p, Tensor) or np.ndim(p) != 0:
            raise TypeError(
                "pow: the exponent must be a number; "
                "for x ** y with a tensor y use (y * x.log()).exp()"
            )
        return apply(ops.Pow(float(p)), self)

    def __matmul__(self, other: Any) -> Tensor:
        return _matmul(self, _lift(other, self))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _matmul(_lift(other, self), self)

    # ---- in place: the course's update, written as PyTorch's idiom ----
    def __iadd__(self, other: Any) -> Tensor:
        return self._in_place("+=", np.add, Tensor.__add__, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._in_place("-=", np.subtract, Tensor.__sub__, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._in_place("*=", np.multiply, Tensor.__mul__, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._in_place("/=", np.divide, Tensor.__truediv__, other)

    def _in_place(self, how: str, ufunc: np.ufunc, recorded: Any, other: Any) -> Tensor:
        """`with no_grad(): w -= alpha * w.grad` changes w's values in place: w stays the same
        leaf, with requires_grad. Outside no_grad a leaf that requires grad refuses (changing it
        would make the graph built from it wrong); an intermediate is recorded as `Z = Z + x`."""
        if _mode.grad_enabled and self.requires_grad:
            if self.grad_fn is not None:
                return recorded(self, other)
            who = self.name or "w"
            raise RuntimeError(
                f"{who} {how} ...: {who} is a leaf that requires grad, and changing it in place "
                f"outside no_grad would make the graph built from it wrong; write the update as "
                f"`with no_grad(): {who} {how} ...`, or use an optimizer (optim.GradientDescent)"
            )
        value = other._data if isinstance(other, Tensor) else np.asarray(other)
        if value.dtype == object:
            raise TypeError(f"{how}: cannot update a tensor with {type(other).__name__} values")
        if np.broadcast_shapes(self.shape, value.shape) != self.shape:
            raise ValueError(
                f"{self.name or 'tensor'} {how} x: x has shape {value.shape}, which does not fit "
                f"in place into shape {self.shape}"
            )
        if (
            self.grad_fn is not None and self._data.base is not None
        ) or not self._data.flags.writeable:
            # a result that is a view of its input (w.T of w): change a copy, never the input
            self._data, self._versions = self._data.copy(), [self._versions[0]]
        ufunc(self._data, value, out=self._data, casting="same_kind")
        self._versions[0] += 1
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        """`with no_grad(): W[0] = x` (or `W[0] -= x`) writes into W's values, counting as an
        in-place change; outside no_grad a tensor that requires grad refuses, as `-=` does."""
        if _mode.grad_enabled and self.requires_grad:
            who = self.name or "t"
            raise RuntimeError(
                f"{who}[...] = ...: writing into a tensor that requires grad is not recorded in "
                f"the graph; do it inside no_grad() (an update of a leaf), or build a new tensor"
            )
        self._data[_plain_index(index)] = value._data if isinstance(value, Tensor) else value
        self._versions[0] += 1

    # ---- numpy's own functions on Tensors: np.dot(w.T, X), np.sum(A), np.log(A), ... ----
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """np.add, np.exp, np.tanh, np.maximum, ... on Tensors record into the graph; a
        comparison (np.greater, np.isnan, ...) gives a plain numpy bool array."""
        return numpy_support.dispatch(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """np.dot, np.sum, np.mean, np.max, np.transpose, np.reshape, np.squeeze, ... on Tensors
        record into the graph; a function with no gradient rule says so (see numpy_support)."""
        return numpy_support.dispatch(func, "__call__", args, kwargs)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """np.asarray(t): the value, for a tensor outside any graph; for one that requires grad
        a TypeError (the array would silently leave the graph behind)."""
        if self.requires_grad:
            raise TypeError(
                f"np.asarray/np.array of {self.name or 'a tensor'} that requires grad would drop "
                "its graph; keep the Tensor (numpy's functions work on it), or take the value "
                "with .data (no gradient flows through it)"
            )
        a = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return a.copy() if copy and a is self._data else a  # np.array(t) copies, np.asarray shares

    # ---- elementwise functions ----
    def exp(self) -> Tensor:
        return apply(ops.Exp(), self)

    def log(self) -> Tensor:
        return apply(ops.Log(), self)

    def sqrt(self) -> Tensor:
        return apply(ops.Sqrt(), self)

    def abs(self) -> Tensor:
        return apply(ops.Abs(), self)

    def sigmoid(self) -> Tensor:
        return apply(ops.Sigmoid(), self)

    def tanh(self) -> Tensor:
        return apply(ops.Tanh(), self)

    def relu(self) -> Tensor:
        return apply(ops.Relu(), self)

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        return apply(ops.LeakyRelu(slope), self)

    # ---- reductions ----
    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        axes = ops.normalize_axis("sum", axis, self.ndim, self.shape)
        return apply(ops.Sum(axes, keepdims), self)

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """sum / n, the way np.mean computes it."""
        axes = ops.normalize_axis("mean", axis, self.ndim, self.shape)
        n = self.size if axes is None else int(np.prod([self.shape[a] for a in axes]))
        if n == 0:
            raise ValueError(f"mean: no elements to average over axis {axis} of shape {self.shape}")
        return self.sum(axis, keepdims) / n

    def max(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        axes = ops.normalize_axis("max", axis, self.ndim, self.shape)
        return apply(ops.Max(axes, keepdims), self)

    # ---- shape ----
    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            sizes = tuple(operator.index(n) for n in shape)
        except TypeError:
            raise TypeError(f"reshape: the sizes must be whole numbers, got {shape}") from None
        return apply(ops.Reshape(sizes), self)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = tuple(axes[0] or ())
        n = max(self.ndim, 1)  # negative axes count from the end, as in numpy
        return apply(
            ops.Transpose(tuple(int(a) % n if -n <= a < 0 else int(a) for a in axes) or None), self
        )

    @property
    def T(self) -> Tensor:
        return apply(ops.Transpose(None), self)

    @T.setter
    def T(self, value: Any) -> None:
        """`with no_grad(): W.T -= x` has changed W through its view already: nothing to do."""
        if not (isinstance(value, Tensor) and value._versions is self._versions):
            raise AttributeError(
                "Tensor.T cannot be assigned; to change W's values write `with no_grad(): "
                "W -= ...` (or W.T -= ... inside no_grad)"
            )

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        return apply(ops.BroadcastTo(tuple(shape)), self)

    def __getitem__(self, index: Any) -> Tensor:
        """Z = A[index] for basic slices and integer arrays; a mask must be a numpy bool array."""
        return apply(ops.GetItem(_plain_index(index)), self)

    def scatter_add(self, index: Any, shape: tuple[int, ...]) -> Tensor:
        """zeros(shape) with self added at index: the VJP of indexing, as a differentiable op."""
        return apply(ops.ScatterAdd(_plain_index(index), tuple(shape)), self)


def apply(fn: Op, *parents: Tensor) -> Tensor:
    """Run fn's forward on the parents' data and record the node: the only place a graph grows."""
    xs, shapes, versions, needs = [], [], [], []
    for p in parents:  # one pass (a node is made at every forward): what forward reads, and
        xs.append(p._data)  # what backward will check is unchanged and who wants a gradient
        shapes.append(p._data.shape)
        versions.append(p._versions[0])
        needs.append(p.requires_grad)
    fn.check(*shapes)
    if _mode.anomaly:
        with np.errstate(all="ignore"):  # the error below names the op; numpy's warning would not
            out = Tensor(fn.forward(*xs))
        out._where = _user_frame()
        _check_finite(out._data, fn.name, out._where)
    else:
        out = Tensor(fn.forward(*xs))
    if out._data.base is not None:  # a view of an input's array (w.T): one version counter
        for p in parents:
            if out._data.base is p._data or out._data.base is p._data.base:
                out._versions = p._versions
    if _mode.grad_enabled:
        fn.needs = tuple(needs)
        out.requires_grad = True in needs
        out.parents, out.grad_fn = parents, fn
        out._saved = (*versions, out._versions[0])  # a tuple: a graph is kept, and kept small
    return out


def _sorted(root: Tensor, everything: bool = False) -> tuple[list[Tensor], set[int]]:
    """root's graph in topological order (see Tensor.topological_order), and the ids of the
    nodes that more than one node uses."""
    order: list[Tensor] = []
    seen, shared = {id(root)}, set()
    stack = [(root, iter(root.parents))]
    while stack:  # depth first; a node is placed once all its parents are
        node, parents = stack[-1]
        for p in parents:
            if everything or p.requires_grad:
                if id(p) not in seen:
                    seen.add(id(p))
                    stack.append((p, iter(p.parents)))
                    break
                shared.add(id(p))  # reached again, from another node (or the same one twice)
        else:
            stack.pop()
            order.append(node)
    return order, shared


def walk(
    root: Tensor, grad: Any = None, create_graph: bool = False, shortcut: bool = False
) -> Iterator[tuple[Tensor, Any]]:
    """(node, dJ/d node) for each node of root's graph that needs a gradient, root first
    (dJ/dJ = 1, or grad), each node after every node that uses it: its gradient is complete.

    The one backward walk: backward() keeps what it gives the leaves, the step-through pictures
    draw what it gives every node. It stores nothing on the tensors. At each node the op's VJP
    hands each input its share; an input the op broadcast gets its share summed back to its
    shape, and any other shape is an error in the op. With create_graph=True the gradients are
    Tensors, recorded in a graph of their own.

    shortcut=True (what backward() asks for) lets an op with a course shortcut skip the node
    before it: the cost after a sigmoid hands Z the course's dZ = (1/m)(A - Y) directly, so that
    A gets no step (and no dA) of its own. It applies only where nothing else would see dA: A
    used by the cost alone, no retain_grad on it, no create_graph, no detect_anomaly.
    """
    pending = {id(root): _seed(root, grad, create_graph)}
    anomaly = _mode.anomaly
    plain = not (create_graph or anomaly)  # VJPs on arrays, as they are (read once, not per node)
    order, shared = _sorted(root)
    for node in reversed(order):
        g = pending.pop(id(node), None)
        if g is None:  # the ops on every path from root gave it no gradient
            continue
        yield node, g
        fn = node.grad_fn
        if fn is None:
            continue
        parents = node.parents
        grads: tuple[Any, ...]
        _check_unchanged(node)
        if shortcut and plain and fn.through is not None and _takes_shortcut(node, shared):
            A = parents[0]
            _check_unchanged(A)
            parents, grads = A.parents, (fn.backward_through(g, A._data, parents[1]._data),)
        else:
            inputs = parents if create_graph else [p._data for p in parents]
            if plain:
                grads = fn.backward(g, node._data, *inputs)
            else:
                with _vjp_mode(create_graph, anomaly):
                    grads = fn.backward(g, node if create_graph else node._data, *inputs)
            if len(grads) != len(inputs):
                raise RuntimeError(
                    f"tinygrad_edu internal error: the VJP of '{fn.name}' gave {len(grads)} "
                    f"gradients for its {len(inputs)} inputs"
                )
        for i, (p, gp) in enumerate(zip(parents, grads, strict=True)):
            if gp is None or not p.requires_grad:
                continue
            if gp.shape != p._data.shape:
                gp = _summed_back(fn, i, gp, p._data.shape)
            if anomaly:
                _check_finite(ops._raw(gp), f"{fn.name} backward", node._where)
            if gp is g and p.grad_fn is None and not create_graph:
                gp = gp.copy()  # passed through unchanged (add): a leaf's .grad shares no array
            before = pending.get(id(p))
            pending[id(p)] = gp if before is None else before + gp


def _takes_shortcut(node: Tensor, shared: set[int]) -> bool:
    """Whether node's op may skip its first input A, an output of its `through` op: nothing else
    uses A or wants its gradient, and the other inputs want none."""
    A = node.parents[0]
    return (
        isinstance(A.grad_fn, node.grad_fn.through)  # type: ignore[union-attr, arg-type]
        and id(A) not in shared
        and not A._retains_grad
        and not any(p.requires_grad for p in node.parents[1:])
    )


def _check_unchanged(node: Tensor) -> None:
    """Raise if a value node's VJP reads changed in place since the node was recorded."""
    saved = node._saved
    if node._versions[0] != saved[-1]:
        _changed_in_place(node)
    for p, version in zip(node.parents, saved, strict=False):  # saved ends with node's own
        if p._versions[0] != version:
            _changed_in_place(node)


def _changed_in_place(node: Tensor) -> None:
    """The error for a value that changed in place after an op saved it for backward."""
    fn = node.grad_fn
    assert fn is not None
    pairs = zip((*node.parents, node), (*fn.args, fn.out), node._saved, strict=True)
    t, role, saved = next((t, r, v) for t, r, v in pairs if t.version != v)
    raise RuntimeError(
        f"backward: {t.name or role} ({role} of '{fn.name}', shape {t.shape}) was modified in "
        f"place after '{fn.name}' used it (version {t.version}, saved at {saved}), so its "
        "gradient would be wrong; change parameters after backward (zero_grad, forward, backward, "
        "step), or recompute the forward pass after changing them"
    )


def changed_since_read(nodes: Iterable[Tensor]) -> dict[int, int]:
    """id(t) -> the version that was read, for each tensor the nodes read (or made) that changed in
    place since (an optimizer's step after backward, `W.data -= ...`): its value now is not the
    one the values after it were computed from. What a picture of an old graph has to say."""
    read: dict[int, int] = {}
    for node in nodes:
        # _saved: the parents' versions, then node's own; empty if recorded under no_grad
        for t, version in zip((*node.parents, node), node._saved, strict=False):
            if t._versions[0] != version:
                read[id(t)] = min(version, read.get(id(t), version))
    return read


def _seed(root: Tensor, grad: Any, create_graph: bool) -> Any:
    """Where the walk starts: dJ/dJ = 1 for a single number, else the grad given for root."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this result does not depend on any tensor with requires_grad=True, so "
            "there is nothing to differentiate; create the parameters with "
            "Tensor(..., requires_grad=True)"
        )
    if grad is None:
        if root.size != 1:
            raise ValueError(
                f"backward: the output has shape {root.shape}, not a single number; call it on "
                f"a scalar such as .sum() or .mean() of it, or pass grad= an array of shape "
                f"{root.shape}"
            )
        seed = np.ones(root.shape, root.dtype)
    else:
        seed = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=root.dtype)
        if seed.shape != root.shape:
            raise ValueError(
                f"backward: grad has shape {seed.shape} but the output has shape {root.shape}"
            )
        if create_graph and isinstance(grad, Tensor):
            return grad  # its own graph stays connected: d(grad)/d(...) flows too
    return Tensor(seed) if create_graph else seed


def _vjp_mode(create_graph: bool, anomaly: bool) -> contextlib.ExitStack:
    """How a VJP runs when not plainly: recorded under create_graph; inside detect_anomaly with
    numpy's warnings off (the check after it names the op instead)."""
    stack = contextlib.ExitStack()
    if create_graph:
        stack.enter_context(enable_grad())
    if anomaly:
        stack.enter_context(np.errstate(all="ignore"))
    return stack


def _summed_back(fn: Op, i: int, g: Any, shape: tuple[int, ...]) -> Any:
    """g summed back to shape, for an input fn declares broadcast; any other mismatch is a bug."""
    if i in fn.broadcasts:
        g = ops.unbroadcast(g, shape)
    if g.shape != shape:
        arg = fn.args[i] if i < len(fn.args) else f"input {i}"
        raise RuntimeError(
            f"tinygrad_edu internal error: the VJP of '{fn.name}' gave d{arg} of shape "
            f"{tuple(g.shape)} for {arg} of shape {shape}; a VJP returns each gradient in its "
            "input's shape, or the op lists that input in `broadcasts`"
        )
    return g


def _a_recorded_update(W: Tensor, step: Tensor) -> bool:
    """W - step, where W is itself W_prev - step_prev and both steps are constants of W's shape:
    the second pass of a loop's `W = W - learning_rate * dW` on a Tensor that requires grad."""
    if not (isinstance(W.grad_fn, ops.Sub) and W.requires_grad) or step.requires_grad:
        return False
    before = W.parents[1]
    return not before.requires_grad and before.shape == W.shape == step.shape


def _warn_recorded_update(W: Tensor) -> None:
    first = W
    while isinstance(first.grad_fn, ops.Sub):  # back to the parameter the loop started from
        first = first.parents[0]
    name = first.name or "W"
    warnings.warn(
        f"{name} = {name} - learning_rate * d{name} on a Tensor that requires grad is recorded "
        "like any other op: each pass of the loop adds to the graph, which then holds every past "
        f"{name} (memory, and backward's time, grow with the iterations). Update it without "
        f"recording: `with no_grad(): {name} -= learning_rate * d{name}`, or use an optimizer "
        "(optim.GradientDescent)",
        stacklevel=ops.user_frame()[1] + 1,
    )


def _value(x: Any) -> Any:
    """A comparison's other side: a Tensor's array, anything else as it is."""
    return x._data if isinstance(x, Tensor) else x


def _lift(x: Any, like: Tensor) -> Tensor:
    """A non-Tensor operand as a constant Tensor; numbers take like's dtype, as numpy scalars do."""
    if isinstance(x, Tensor):
        return x
    if np.iscomplexobj(x):
        raise TypeError(f"cannot combine a Tensor with the complex value {x!r}")
    if isinstance(x, (bool, int, float, np.generic)) or (
        isinstance(x, np.ndarray) and x.dtype.kind in "biu"
    ):
        return Tensor(np.asarray(x, dtype=like.dtype))
    return Tensor(x)


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    """numpy's @ for 1-D and 2-D operands, built on the 2-D primitive."""
    ops.Matmul().check(a.shape, b.shape)
    if a.ndim == 1 or b.ndim == 1:
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        out = apply(ops.Matmul(), a2, b2)
        shape = a.shape[:-1] if b.ndim == 1 else ()
        shape = (shape + b.shape[1:]) if b.ndim == 2 else shape
        return out.reshape(*shape)
    return apply(ops.Matmul(), a, b)


def _plain_index(index: Any) -> Any:
    """An index as numpy takes it; a Tensor is refused: it holds floats, so a mask of 0.0 and
    1.0 would be read as the indices 0 and 1."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Tensor):
        raise IndexError(
            "getitem: index with a numpy array, not a Tensor (a Tensor holds floats, so a mask "
            "would be read as the indices 0 and 1): use a bool mask such as A.data > 0.5, or "
            "integer indices"
        )
    return index


def _accumulated(node: Tensor, g: Any, create_graph: bool) -> Any:
    """node's .grad after adding g: into the same array when there is one (a reference to
    w.grad held by the user stays current, as in PyTorch), else g as an array of its own."""
    old = node._grad
    if old is None and not create_graph and _owned(g, node):
        return g  # the usual case: the first gradient, an array the walk made for this leaf
    if old is not None and node._grad_version != node._versions[0]:
        _warn_stale_grad(node)
    if create_graph or isinstance(old, Tensor) or isinstance(g, Tensor):
        return g if old is None else old + g
    if old is None:
        return np.array(g, dtype=node.dtype)
    if isinstance(old, np.ndarray) and old.flags.writeable and old.dtype == node.dtype:
        old += g
        return old
    return np.array(old + g, dtype=node.dtype)


class StaleGradWarning(UserWarning):
    """backward added to a .grad computed before the tensor's last update: zero_grad forgotten."""


def _warn_stale_grad(node: Tensor) -> None:
    name = node.name or "w"
    grad, it = f"{name}.grad", name
    if not node.name:
        grad, it = f"the .grad of a tensor of shape {node.shape}", "it"
    warnings.warn(
        f"backward: {grad} still held an earlier backward's gradient, from before {it} was "
        f"changed in place (version {node._grad_version} -> {node.version}: an update?), and the "
        "new gradient was added to it, so an update now uses their sum. Clear it before each "
        f"backward: `{name}.grad = None`, or the optimizer's zero_grad()",
        StaleGradWarning,
        stacklevel=ops.user_frame()[1] + 1,
    )


def _owned(g: Any, node: Tensor) -> bool:
    """Whether g can become node's .grad as it is: its own writable buffer in node's dtype, and
    node not an intermediate (whose gradient the walk also hands on, so it is shared).

    Not a view, and not a numpy scalar (what a ufunc returns for 0-d inputs: read-only).
    """
    return (
        type(g) is np.ndarray
        and g.base is None
        and g.dtype == node._data.dtype
        and not node._retains_grad
        and g.flags.writeable
    )


def _check_finite(a: np.ndarray, what: str, where: str | None) -> None:
    if not np.all(np.isfinite(a)):
        kind = "NaN" if np.any(np.isnan(a)) else "inf"
        at = f"the op was created at {where}"
        if where is None:
            at = (
                "run the forward pass inside detect_anomaly() too, to see the line that made the op"
            )
        raise RuntimeError(f"detect_anomaly: {what} produced {kind}; {at}")


# numpy's functions on Tensors map onto the methods above: imported last, as it imports Tensor
from . import numpy_support  # noqa: E402
