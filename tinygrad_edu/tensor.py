"""Tensor: a numpy array that remembers how it was made.

`apply()` is the one place that records a node (its op and its parents); `Tensor.backward()`
is the one place that walks the graph, in reverse topological order, and accumulates gradients.
Everything else is sugar over the primitives in ops.py.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import numpy as np

from . import ops
from .ops import Op

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class _Mode:
    """The engine's switches, one instance: setting an instance's attribute is cheap, a class's
    is not (it resets Python's attribute caches for the class)."""

    __slots__ = ("grad_enabled", "anomaly")

    def __init__(self) -> None:
        self.grad_enabled = True  # record graphs (False inside no_grad)
        self.anomaly = False  # check every forward and backward value (inside detect_anomaly)


_mode = _Mode()
_AS_IS = contextlib.nullcontext()  # no change to numpy's error handling


class no_grad(contextlib.ContextDecorator):  # noqa: N801 -- used like a function, as in PyTorch
    """Inside `with no_grad():` (or a function decorated with @no_grad()) nothing is recorded."""

    def __init__(self) -> None:
        self._prev: list[bool] = []  # a stack: one decorator instance is entered again by recursion

    def __enter__(self) -> None:
        self._prev.append(_mode.grad_enabled)
        _mode.grad_enabled = False

    def __exit__(self, *exc: Any) -> None:
        _mode.grad_enabled = self._prev.pop()


class detect_anomaly(contextlib.ContextDecorator):  # noqa: N801 -- as no_grad
    """Raise at the first op whose forward or backward makes NaN or inf, naming the op and line."""

    def __init__(self) -> None:
        self._prev: list[bool] = []  # a stack, as for no_grad

    def __enter__(self) -> None:
        self._prev.append(_mode.anomaly)
        _mode.anomaly = True

    def __exit__(self, *exc: Any) -> None:
        _mode.anomaly = self._prev.pop()


def _user_frame() -> str:
    """file:line of the innermost caller outside this package: where the user made the op."""
    f = sys._getframe(1)
    while f is not None and os.path.dirname(os.path.abspath(f.f_code.co_filename)) == _PACKAGE_DIR:
        f = f.f_back
    return f"{f.f_code.co_filename}:{f.f_lineno}" if f is not None else "<unknown>"


def _as_array(data: Any) -> np.ndarray:
    """Ints, bools and lists become float64; float32 stays float32."""
    a = np.asarray(data)
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    if a.dtype.kind != "f":
        raise TypeError(
            f"Tensor: cannot hold data of dtype {a.dtype}; pass numbers (ints, floats, bools) "
            "as a list or a numpy array"
        )
    return a


class Tensor:
    """A numpy array in a graph: data, grad, requires_grad, and the op and parents that made it."""

    __slots__ = (
        "data", "grad", "requires_grad", "name", "parents",
        "_fn", "_pending", "_retains_grad", "_freed", "_where", "__weakref__",
    )  # fmt: skip
    # numpy defers to Tensor's reflected operators: ndarray * Tensor is a Tensor
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, name: str | None = None):
        self.data: np.ndarray = _as_array(data.data if isinstance(data, Tensor) else data)
        self.grad: Any = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.parents: tuple[Tensor, ...] = ()
        self._fn: Op | None = None
        self._pending: Any = None
        self._retains_grad = False
        self._freed = False
        self._where: str | None = None

    # ---- what it is ----
    @property
    def op(self) -> str | None:
        """The name of the op that made this tensor ("matmul", "sigmoid", ...), None for a leaf."""
        return self._fn.name if self._fn is not None else None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        return self._fn is None

    @property
    def broadcast(self) -> dict[int, tuple[int, ...]]:
        """Input index -> its shape, for the inputs the op broadcast: backward sums them back."""
        if self._fn is None:
            return {}
        spread = range(len(self.parents)) if self._fn.elementwise else self._fn.broadcast_inputs
        shapes = [p.shape for p in self.parents]
        return {i: shapes[i] for i in spread if shapes[i] != self.shape}

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        label = f"{self.name}: " if self.name else ""
        made = f", op={self.op}" if self._fn is not None else ""
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, precision=4, threshold=20, prefix="Tensor(")
        return f"Tensor({label}{body}{made}{grad})"

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(
                f"item: only a one-element tensor has an item; this one has shape {self.shape}"
            )
        return self.data.item()

    def detach(self) -> Tensor:
        """The same data, cut from the graph: no gradient flows through it."""
        return Tensor(self.data, name=self.name)

    def retain_grad(self) -> Tensor:
        """Keep this intermediate's gradient in .grad after backward (leaves keep theirs anyway)."""
        self._retains_grad = True
        return self

    # ---- the walk ----
    def backward(
        self, grad: Any = None, retain_graph: bool = False, create_graph: bool = False
    ) -> None:
        """Fill .grad of each leaf that requires grad with d(self)/d(leaf): one walk, in reverse.

        .grad accumulates across calls, as in PyTorch: the course's update W = W - alpha * dW needs
        a fresh dW each iteration, so zero it between steps (`W.grad = None`, or the optimizer's
        zero_grad()). A graph is good for one backward; pass retain_graph=True to walk it again.
        With create_graph=True the gradients are Tensors in a graph of their own, so they can be
        differentiated again (second derivatives, Hessian-vector products).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this result does not depend on any tensor with requires_grad=True, so "
                "there is nothing to differentiate; create the parameters with "
                "Tensor(..., requires_grad=True)"
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward: the output has shape {self.shape}, not a single number; call it on "
                    f"a scalar such as .sum() or .mean() of it, or pass grad= an array of shape "
                    f"{self.shape}"
                )
            seed = np.array(1.0, self.data.dtype).reshape(self.data.shape)  # dJ/dJ = 1
        else:
            seed = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward: grad has shape {seed.shape} but the output has shape {self.shape}"
                )
        retain_graph = retain_graph or create_graph
        order = self.topological_order()
        self._pending = Tensor(seed) if create_graph else seed
        prev, _mode.grad_enabled = _mode.grad_enabled, create_graph
        quiet = np.errstate(all="ignore") if _mode.anomaly else _AS_IS
        try:
            with quiet:  # inside detect_anomaly the error names the op; numpy's warning would not
                for node in reversed(order):
                    node._backward_step(create_graph, retain_graph)
        finally:
            _mode.grad_enabled = prev
            for node in order:
                node._pending = None

    def topological_order(self) -> list[Tensor]:
        """The nodes that need a gradient, each after its parents; backward walks it in reverse.

        Iterative (an explicit stack, not recursion), so a graph of any depth works.
        """
        order: list[Tensor] = []
        seen = {id(self)}
        stack = [(self, iter(self.parents))]
        while stack:  # depth first; a node is placed once all its parents are
            node, parents = stack[-1]
            for p in parents:
                if p.requires_grad and id(p) not in seen:
                    seen.add(id(p))
                    stack.append((p, iter(p.parents)))
                    break
            else:
                stack.pop()
                order.append(node)
        return order

    def _backward_step(self, create_graph: bool, retain_graph: bool) -> None:
        """Hand this node's gradient to its parents through the op's VJP."""
        g, fn = self._pending, self._fn
        self._pending = None  # an intermediate's gradient is freed as soon as it is used
        if g is None:
            return
        if fn is None or self._retains_grad:
            total = g if self.grad is None else self.grad + g
            if not create_graph and (self._retains_grad or not _owned(total, self.data.dtype)):
                total = np.array(total, dtype=self.data.dtype)  # its own array, in its own dtype
            self.grad = total
        if fn is None:
            return
        if self._freed:
            raise RuntimeError(
                f"backward: the graph through '{fn.name}' was already walked by an earlier "
                "backward(); pass retain_graph=True to the first backward() to walk it twice"
            )
        for p, gp in self._parent_grads(g, create_graph):
            if _mode.anomaly:
                _check_finite(ops._raw(gp), f"{fn.name} backward", self._where)
            # passed through unchanged (add): a leaf's .grad must not share this node's array
            if gp is g and p._fn is None and not create_graph:
                gp = gp.copy()
            p._pending = gp if p._pending is None else p._pending + gp
        if not retain_graph:
            self._freed = True

    def _parent_grads(self, g: Any, create_graph: bool = False) -> list[tuple[Tensor, Any]]:
        """The op's VJP of g: (parent, its share of the gradient) for each parent that wants one."""
        fn = self._fn
        inputs = self.parents if create_graph else [p.data for p in self.parents]
        grads = fn.backward(g, self if create_graph else self.data, *inputs)
        assert len(grads) == len(inputs), f"{fn.name} VJP: {len(grads)} grads for {len(inputs)}"
        out = []
        for p, gp in zip(self.parents, grads):  # noqa: B905 -- counted above: strict= costs here
            if gp is None or not p.requires_grad:
                continue
            if gp.shape != p.data.shape:  # the forward broadcast p: sum its gradient back
                gp = ops.unbroadcast(gp, p.data.shape)
                assert gp.shape == p.data.shape, f"{fn.name} VJP: {gp.shape} for {p.data.shape}"
            out.append((p, gp))
        return out

    # ---- operators (a Tensor, numpy array or Python number on either side) ----
    def __add__(self, other: Any) -> Tensor:
        return apply(ops.Add(), self, _lift(other, self))

    def __radd__(self, other: Any) -> Tensor:
        return apply(ops.Add(), _lift(other, self), self)

    def __sub__(self, other: Any) -> Tensor:
        return apply(ops.Sub(), self, _lift(other, self))

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
        return apply(ops.Reshape(tuple(int(n) for n in shape)), self)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0] or ()
        n = max(self.ndim, 1)  # negative axes count from the end, as in numpy
        return apply(
            ops.Transpose(tuple(int(a) % n if -n <= a < 0 else int(a) for a in axes) or None), self
        )

    @property
    def T(self) -> Tensor:
        return apply(ops.Transpose(None), self)

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
    xs = [p.data for p in parents]
    fn.check(*[x.shape for x in xs])
    out = Tensor.__new__(Tensor)
    if _mode.anomaly:
        out._where = _user_frame()
        with np.errstate(all="ignore"):  # the error below names the op; numpy's warning would not
            out.data = np.asarray(fn.forward(*xs))
        _check_finite(out.data, fn.name, out._where)
    else:
        out._where = None
        out.data = np.asarray(fn.forward(*xs))
    out.grad = out.name = out._pending = None
    out._retains_grad = out._freed = False
    if _mode.grad_enabled:
        fn.needs = needs = tuple([p.requires_grad for p in parents])
        out.requires_grad = True in needs
        out.parents, out._fn = parents, fn
    else:
        out.requires_grad, out.parents, out._fn = False, (), None
    return out


def _lift(x: Any, like: Tensor) -> Tensor:
    """A non-Tensor operand as a constant Tensor; numbers take like's dtype, as numpy scalars do."""
    if isinstance(x, Tensor):
        return x
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
    """Tensors inside an index become their (integer) data."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Tensor):
        if np.any(index.data != np.round(index.data)):
            raise IndexError(
                "getitem: an index Tensor must hold whole numbers; for a boolean mask index "
                "with a numpy bool array (a Tensor stores bools as 0.0 and 1.0)"
            )
        return index.data.astype(np.intp)
    return index


def _owned(g: np.ndarray, dtype: np.dtype) -> bool:
    """Whether g can become a .grad as it is: its own writable buffer, in the leaf's dtype.

    Not a view, and not a numpy scalar (what a ufunc returns for 0-d inputs: read-only).
    """
    return g.base is None and g.flags.writeable and g.dtype == dtype


def _check_finite(a: np.ndarray, what: str, where: str | None) -> None:
    if not np.all(np.isfinite(a)):
        kind = "NaN" if np.any(np.isnan(a)) else "inf"
        at = f"the op was created at {where}"
        if where is None:
            at = (
                "run the forward pass inside detect_anomaly() too, to see the line that made the op"
            )
        raise RuntimeError(f"detect_anomaly: {what} produced {kind}; {at}")
