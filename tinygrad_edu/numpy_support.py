"""numpy's own functions on Tensors: the course's code, `np.dot(w.T, X) + b`, `np.tanh(Z)`,
`np.sum(dZ, axis=1, keepdims=True)`, `np.maximum(0, Z)`, records into the graph as written.

numpy hands any call that involves a Tensor to `Tensor.__array_ufunc__` (np.add, np.exp, ...)
or `Tensor.__array_function__` (np.dot, np.sum, ...); both arrive at `dispatch`, which maps the
numpy function to the Tensor method that records the same op. So these are the primitives of
ops.py reached another way: nothing here computes a value or a gradient of its own.

- A function with no gradient rule raises a TypeError naming it and the way out, when a Tensor
  in the call requires grad (its graph would be lost); when none does, it runs on the values.
- Comparisons and tests (np.greater, np.equal, np.isnan, ...) give plain numpy bool arrays.
- `np.maximum(0, Z)` (and `np.maximum(Z, 0)`) is the course's relu, with its g'(0) = 0; any
  other maximum or minimum passes dZ to the larger (smaller) side and halves it on a tie, as
  PyTorch does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .ops import Maximum, Minimum
from .tensor import Tensor, _lift, _matmul, apply

Rule = Callable[..., Any]

_BOOL_UFUNCS = {
    np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
    np.isnan, np.isinf, np.isfinite, np.signbit,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
}  # fmt: skip


def _name(func: Any, method: str = "__call__") -> str:
    """How the user wrote func: np.dot, np.linalg.norm, np.add.reduce."""
    module = getattr(func, "__module__", None) or "numpy"
    sub = module.removeprefix("numpy").strip(".")  # linalg, fft; "" for numpy's own namespace
    sub = sub + "." if sub and not sub.startswith("_") else ""
    base = f"np.{sub}{getattr(func, '__name__', func)}"
    return base if method == "__call__" else f"{base}.{method}"


def _tensors(args: Any) -> list[Tensor]:
    """The Tensors among a call's arguments (and inside a list or tuple of them)."""
    found = []
    for a in args:
        if isinstance(a, Tensor):
            found.append(a)
        elif isinstance(a, (list, tuple)):
            found += [x for x in a if isinstance(x, Tensor)]
    return found


def _values(x: Any) -> Any:
    """x with every Tensor replaced by its array (inside lists and tuples too)."""
    if isinstance(x, Tensor):
        return x.data
    if isinstance(x, (list, tuple)):
        return type(x)(_values(v) for v in x)
    return x


def _is_zero(x: Any) -> bool:
    return not isinstance(x, Tensor) and np.ndim(x) == 0 and x == 0


def _maximum(a: Any, b: Any) -> Tensor:
    if _is_zero(a):
        return _t(b, a).relu()
    if _is_zero(b):
        return _t(a, b).relu()
    return apply(Maximum(), _t(a, b), _t(b, a))


def _minimum(a: Any, b: Any) -> Tensor:
    return apply(Minimum(), _t(a, b), _t(b, a))


def _t(x: Any, other: Any) -> Tensor:
    """x as a Tensor: a constant takes the dtype of the Tensor beside it."""
    like = x if isinstance(x, Tensor) else other
    return _lift(x, like)


def _power(a: Any, p: Any) -> Tensor:
    if not isinstance(a, Tensor):
        raise TypeError(
            "np.power(x, t) with a Tensor exponent has no gradient rule here; "
            "write np.exp(t * np.log(x))"
        )
    return a**p  # a number, or Tensor.__pow__ names what is wrong


def _keywords(name: str, kwargs: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse the keywords numpy has but a Tensor op does not (out=, dtype=, where=, ...)."""
    extra = [k for k in kwargs if k not in allowed]
    if extra:
        raise TypeError(
            f"{name}: the keyword {extra[0]}= is not supported on Tensors "
            f"(supported: {', '.join(allowed) or 'none'}); compute on t.data if no gradient "
            "should flow"
        )


def _reduction(method: str) -> Rule:
    """np.sum, np.mean, np.max as the Tensor method: numpy's order of arguments, in which dtype
    and out come before keepdims (np.max has no dtype); only axis and keepdims are taken."""
    order = ("out", "keepdims") if method in ("max", "min") else ("dtype", "out", "keepdims")

    def rule(a: Any, axis: Any = None, *rest: Any, **kwargs: Any) -> Any:
        given = {**dict(zip(order, rest, strict=False)), **kwargs}
        unused = {k: v for k, v in given.items() if k != "keepdims" and v is not None}
        _keywords(f"np.{method}", unused, ("axis", "keepdims"))
        t, keepdims = _lift(a, a), bool(given.get("keepdims", False))
        if method == "min":
            return -(-t).max(axis, keepdims)
        return getattr(t, method)(axis, keepdims)

    return rule


def _transpose(a: Any, axes: Any = None) -> Tensor:
    return _lift(a, a).transpose(axes)


def _reshape(a: Any, *args: Any, **kwargs: Any) -> Tensor:
    shape = args[0] if args else kwargs.pop("shape", kwargs.pop("newshape", None))
    order = args[1] if len(args) > 1 else kwargs.get("order", "C")
    if order != "C" or len(args) > 2:
        raise TypeError("np.reshape: only order='C' is supported on Tensors")
    if shape is None:
        raise TypeError("np.reshape: give the new shape")
    return _lift(a, a).reshape(shape)


def _squeeze(a: Any, axis: Any = None) -> Tensor:
    t = _lift(a, a)
    try:
        shape = np.empty(t.shape, dtype=np.bool_).squeeze(axis).shape
    except ValueError as e:
        raise ValueError(f"np.squeeze: {e} (shape {t.shape})") from None
    return t.reshape(shape)


def _expand_dims(a: Any, axis: Any) -> Tensor:
    t = _lift(a, a)
    try:
        shape = np.expand_dims(np.empty(t.shape, dtype=np.bool_), axis).shape
    except (ValueError, np.exceptions.AxisError) as e:
        raise ValueError(f"np.expand_dims: {e} (shape {t.shape})") from None
    return t.reshape(shape)


def _dot(a: Any, b: Any, out: Any = None) -> Tensor:
    if out is not None:
        raise TypeError("np.dot: out= is not supported on Tensors; use Z = np.dot(W, A)")
    A, B = _t(a, b), _t(b, a)
    if A.ndim == 0 or B.ndim == 0:
        return A * B  # np.dot with a number is a product
    return _matmul(A, B)


_UFUNCS: dict[Any, Rule] = {
    np.add: lambda a, b: _t(a, b) + _t(b, a),
    np.subtract: lambda a, b: _t(a, b) - _t(b, a),
    np.multiply: lambda a, b: _t(a, b) * _t(b, a),
    np.divide: lambda a, b: _t(a, b) / _t(b, a),
    np.negative: lambda a: -a,
    np.positive: lambda a: a,
    np.power: _power,
    np.square: lambda a: a**2,
    np.exp: lambda a: a.exp(),
    np.log: lambda a: a.log(),
    np.sqrt: lambda a: a.sqrt(),
    np.absolute: lambda a: a.abs(),
    np.tanh: lambda a: a.tanh(),
    np.matmul: lambda a, b: _matmul(_t(a, b), _t(b, a)),
    np.maximum: _maximum,
    np.minimum: _minimum,
}

_FUNCTIONS: dict[Any, Rule] = {
    np.dot: _dot,
    np.sum: _reduction("sum"),
    np.mean: _reduction("mean"),
    np.max: _reduction("max"),
    np.amax: _reduction("max"),
    np.min: _reduction("min"),
    np.amin: _reduction("min"),
    np.transpose: _transpose,
    np.reshape: _reshape,
    np.squeeze: _squeeze,
    np.expand_dims: _expand_dims,
    np.shape: lambda a: _lift(a, a).shape,
    np.ndim: lambda a: _lift(a, a).ndim,
    np.size: lambda a, axis=None: _lift(a, a).size if axis is None else _lift(a, a).shape[axis],
}

SUPPORTED = sorted({_name(f) for f in (*_UFUNCS, *_FUNCTIONS)})


def dispatch(func: Any, method: str, args: Any, kwargs: dict[str, Any]) -> Any:
    """Run numpy's func on args that hold a Tensor: recorded in the graph where it has a rule."""
    if func in _BOOL_UFUNCS and method == "__call__":
        return func(*_values(args), **_values(kwargs))
    rule = _UFUNCS.get(func) if isinstance(func, np.ufunc) else _FUNCTIONS.get(func)
    if rule is not None and method == "__call__":
        if isinstance(func, np.ufunc):
            _keywords(_name(func), kwargs, ())
        return rule(*args, **kwargs)
    if any(isinstance(v, Tensor) for v in kwargs.values()):
        raise TypeError(f"{_name(func, method)}: a Tensor as a keyword argument (out=?) is refused")
    if any(t.requires_grad for t in _tensors(args)):
        raise TypeError(
            f"{_name(func, method)} has no gradient rule in tinygrad_edu, so it cannot run on a "
            "Tensor that requires grad without losing the graph; write it with the functions that "
            "have one (np.dot, np.sum, np.exp, np.log, np.tanh, np.maximum, ...: see "
            "numpy_support.SUPPORTED), or apply it to t.data if no gradient should flow"
        )
    call = func if method == "__call__" else getattr(func, method)
    return call(*_values(args), **kwargs)
