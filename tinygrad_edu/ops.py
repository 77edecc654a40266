"""The primitives: one small class per operation, everything about it in one place.

Each class holds its forward and its VJP side by side, which of its inputs broadcast (their
gradients are summed back), and what a picture shows of it: its symbol, the names of its inputs
and output, its formula and its backward rule in the course's notation. Pictures, formula cards
and checks read these; nothing else restates them.

`forward` runs on numpy arrays. `backward(dout, out, *inputs)` gets the gradient of the cost with
respect to the output, the output itself and the inputs, and returns one gradient per input.
The same formula runs on numpy arrays (a plain backward) and on Tensors (backward with
`create_graph=True`, so the gradient can be differentiated again); the few helpers below pick
the numpy function or the Tensor method for what arithmetic operators can't express.

Ops never touch `.grad`, never import the rest of the package, and store only their parameters
(axis, shape, slope): backward reads the values it needs from the graph.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

import numpy as np

Array = Any  # a numpy array, or a Tensor when the backward pass builds a graph itself
_RAW = (np.ndarray, np.generic)
EPS = 1e-12  # the guard on BCE's division, as PyTorch uses
LOG_FLOOR = float(np.exp(-100.0))  # BCE's logs stop at log(LOG_FLOOR) = -100, as PyTorch's


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class BroadcastWarning(UserWarning):
    """A row and a column of one length broadcast into a square: the course's (m, m) bug."""


def user_frame() -> tuple[FrameType | None, int]:
    """The innermost caller outside this package (the user's line), and how many frames above
    the caller of user_frame it is: warnings.warn's stacklevel there is that plus one."""
    f: FrameType | None = sys._getframe(1)
    up = 0
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(_PACKAGE_DIR):
        f, up = f.f_back, up + 1
    return f, up


def _shape_error(op: str, msg: str) -> ValueError:
    return ValueError(f"{op}: {msg}")


def _raw(x: Array) -> np.ndarray:
    """The numpy value of x (for masks, which are constants of the graph)."""
    return np.asarray(x) if isinstance(x, _RAW) else x.data


def _const(mask: np.ndarray, like: Array) -> np.ndarray:
    """A constant mask in the dtype of the gradient it multiplies (no float32 -> float64)."""
    return np.asarray(mask, dtype=_raw(like).dtype)


def _dot(a: Array, b: Array) -> Array:
    """a @ b as the course writes it, np.dot (Tensors, under create_graph, take @)."""
    return np.dot(a, b) if isinstance(a, _RAW) and isinstance(b, _RAW) else a @ b


def _log(x: Array) -> Array:
    return np.log(x) if isinstance(x, _RAW) else x.log()


def _sigmoid(Z: np.ndarray, E: np.ndarray) -> np.ndarray:
    """sigmoid(Z) from E = e^-|Z|: e^min(Z,0) / (1 + E).

    The course's 1/(1+e^-Z) for Z >= 0, and e^Z/(1+e^Z), the same value, below, where e^-Z would
    overflow. A stays exact down to the smallest float.
    """
    A = np.exp(np.minimum(Z, 0.0))
    A /= 1.0 + E  # in place: one buffer fewer alive at once
    return A


def _writable(x: Any) -> np.ndarray:
    """x as an array to compute in place in: a ufunc gives a 0-d input's result as a scalar."""
    return x if type(x) is np.ndarray else np.array(x)


# _sigmoid for the replay: E = e^-|Z|, then A = e^min(Z, 0) / T with T = 1 + E (E is left as it is)
_SIGMOID_CODE = (
    "np.abs({Z}, out={E})", "np.negative({E}, out={E})", "np.exp({E}, out={E})",
    "np.minimum({Z}, 0.0, out={A})", "np.exp({A}, out={A})",
    "np.add(1.0, {E}, out={T})", "np.divide({A}, {T}, out={A})",
)  # fmt: skip
# dZ = dJ (A - Y) / m for A = sigmoid(Z), where a cost meets a sigmoid: the course's dZ = A - Y
_DZ_CODE = ("np.subtract({A}, {Y}, out={dZ})", "np.multiply({dJ}, {dZ}, out={dZ})",
            "np.divide({dZ}, {m}, out={dZ})")  # fmt: skip


def _broadcast_to(x: Array, shape: tuple[int, ...]) -> Array:
    return np.broadcast_to(x, shape) if isinstance(x, _RAW) else x.broadcast_to(shape)


def _clamp_min(x: Array, low: float) -> Array:
    """max(x, low), with gradient 1 where x >= low and 0 where the clamp holds."""
    if isinstance(x, _RAW):
        return np.maximum(x, low)
    keep = _const(x.data >= low, x)
    return x * keep + low * (1 - keep)


def summed_axes(shape: tuple[int, ...], out_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of out_shape that a gradient is summed over to bring it back to `shape`."""
    lead = len(out_shape) - len(shape)
    return tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and out_shape[i + lead] != 1
    )


def unbroadcast(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum g back to `shape`, the gradient of broadcasting: db = sum(dZ, axis=1, keepdims=True)."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    summed = g.sum(axis=summed_axes(shape, g.shape), keepdims=True)
    return summed.reshape(shape) if lead else summed  # no reshape, no view: a fresh array


def broadcast_shape(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """numpy's broadcast shape, or a ValueError that names the op and both shapes."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        pretty = " and ".join(str(s) for s in shapes)
        raise _shape_error(
            op,
            f"shapes {pretty} cannot broadcast: each trailing dimension must match or be 1 "
            "(did you mean to transpose one of them, or reshape a vector to a column (n, 1)?)",
        ) from None


def normalize_axis(op: str, axis: Any, ndim: int, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """axis (None, int or tuple) as a tuple of non-negative ints, checked against the shape."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise _shape_error(
                op, f"axis {a} is out of range for shape {shape} ({ndim} dimensions)"
            )
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise _shape_error(op, f"axis {axis} repeats an axis")
    return tuple(out)


class Op:
    """A primitive: forward on numpy arrays, backward returns one gradient (or None) per input.

    What a picture reads: `symbol` (the op's oval), `args` and `out` (the course's names for the
    inputs and the output, as the templates below use them), `formula` (the forward) and
    `rules` (the backward, one per input). In a template {Z} is a value and {dZ} its gradient;
    `describe` fills them with the names of a node in the graph.
    """

    name = "op"
    symbol = "?"
    args: tuple[str, ...] = ("A",)
    out = "Z"
    formula = ""
    rules: tuple[str, ...] = ()
    broadcasts: tuple[int, ...] = ()  # inputs numpy broadcasts: backward sums their gradient back
    commutative = False  # the order of the inputs does not matter (pictures leave edges unnamed)
    activation = False  # g in A = g(Z): pictures draw it in one box with its layer's Z
    # The course's cost J = (1/m) Σ L over the m examples has course_rules too: the same rules for
    # the course's per-example gradients (its dZ = A - Y is m dJ/dZ; its dW, db are dJ/dW, dJ/db)
    course_rules: tuple[str, ...] = ()
    # A shortcut backward may take through the op before this one (see backward_through)
    through: type[Op] | None = None
    through_code: tuple[str, ...] = ()  # backward_through for the replay, {dZ} what it gives,
    through_rule = ""  # and for a picture
    needs: tuple[bool, ...] = ()  # set when recorded: which inputs want a gradient
    # The replay's kernels (nn.compile_step): numpy statements writing into arrays made once
    # (out=), in the names above ({dA} is A's gradient, {m} the first input's size, any other
    # {name} the op's attribute or this module's constant); backward_code has one tuple per
    # input (None: not replayed). `scratch` (and `masks`, of bools) name more arrays, shaped like
    # the output (a cost's: like its first input); backward may read them as forward left them.
    forward_code: tuple[str, ...] | None = None
    backward_code: tuple[tuple[str, ...] | None, ...] = ()
    scratch: tuple[str, ...] = ()
    masks: tuple[str, ...] = ()

    def forward(self, *xs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: Array, out: Array, *xs: Array) -> tuple[Array | None, ...]:
        raise NotImplementedError

    def check(self, *shapes: tuple[int, ...]) -> None:
        """Raise a ValueError naming the op and the shapes when the inputs don't fit."""

    def backward_through(self, dout: Array, A: Array, *others: Array) -> Array:
        """The gradient of the input of the `through` op that made A (this op's first input)."""
        raise NotImplementedError

    def describe(self, template: str, out: str, ins: Sequence[str], d: Callable[[str], str]) -> str:
        """template (formula or a rule) with the node's names: out, ins, and d(name) for dname."""
        names = {self.out: out, "d" + self.out: d(out)}
        for arg, name in zip(self.args, ins, strict=True):
            names[arg], names["d" + arg] = name, d(name)
        return template.format(**names)


class Broadcasting(Op):
    """An elementwise op of two inputs under numpy broadcasting: the walk sums gradients back."""

    args, broadcasts = ("A", "B"), (0, 1)

    def check(self, *shapes: tuple[int, ...]) -> None:
        if shapes[0] == shapes[1]:
            return
        out = broadcast_shape(self.name, *shapes)
        if len(out) == 2 and out[0] == out[1] > 1 and out not in shapes:  # both stretched
            warnings.warn(
                f"{self.name}: shapes {shapes[0]} and {shapes[1]} broadcast to {out}, every value "
                "of one paired with every value of the other (the course's (m, m) bug: a row "
                "met a column of the same length). If both hold one value per example, give "
                "them one shape, (1, m): Y.reshape(1, -1)",
                BroadcastWarning,
                stacklevel=user_frame()[1] + 1,
            )


# ---- elementwise, two inputs (numpy broadcasting; the walk sums the gradients back) ----


class Add(Broadcasting):
    """Z = A + B;  dA = dZ,  dB = dZ"""

    name, symbol, commutative = "add", "+", True
    formula, rules = "{Z} = {A} + {B}", ("{dA} = {dZ}", "{dB} = {dZ}")
    forward_code = ("np.add({A}, {B}, out={Z})",)
    backward_code = (("np.copyto({dA}, {dZ})",), ("np.copyto({dB}, {dZ})",))

    def forward(self, A, B):
        return A + B

    def backward(self, dZ, Z, A, B):
        return dZ, dZ


class Sub(Broadcasting):
    """Z = A - B;  dA = dZ,  dB = -dZ"""

    name, symbol = "sub", "−"
    formula, rules = "{Z} = {A} − {B}", ("{dA} = {dZ}", "{dB} = −{dZ}")
    forward_code = ("np.subtract({A}, {B}, out={Z})",)
    backward_code = (("np.copyto({dA}, {dZ})",), ("np.negative({dZ}, out={dB})",))

    def forward(self, A, B):
        return A - B

    def backward(self, dZ, Z, A, B):
        return dZ, -dZ


class Mul(Broadcasting):
    """Z = A * B;  dA = dZ * B,  dB = dZ * A"""

    name, symbol, commutative = "mul", "×", True
    formula, rules = "{Z} = {A} ⊙ {B}", ("{dA} = {dZ} ⊙ {B}", "{dB} = {dZ} ⊙ {A}")
    forward_code = ("np.multiply({A}, {B}, out={Z})",)
    backward_code = (("np.multiply({dZ}, {B}, out={dA})",), ("np.multiply({dZ}, {A}, out={dB})",))

    def forward(self, A, B):
        return A * B

    def backward(self, dZ, Z, A, B):
        return (dZ * B if self.needs[0] else None), (dZ * A if self.needs[1] else None)


class Div(Broadcasting):
    """Z = A / B;  dA = dZ / B,  dB = -dZ * A / B**2"""

    name, symbol = "div", "÷"
    formula, rules = "{Z} = {A} / {B}", ("{dA} = {dZ} / {B}", "{dB} = −{dZ} ⊙ {A} / {B}²")
    forward_code, scratch = ("np.divide({A}, {B}, out={Z})",), ("T",)
    backward_code = (
        ("np.divide({dZ}, {B}, out={dA})",),
        ("np.negative({dZ}, out={dB})", "np.multiply({dB}, {A}, out={dB})",
         "np.multiply({B}, {B}, out={T})", "np.divide({dB}, {T}, out={dB})"),
    )  # fmt: skip

    def forward(self, A, B):
        return A / B

    def backward(self, dZ, Z, A, B):
        dA = dZ / B if self.needs[0] else None
        dB = -dZ * A / (B * B) if self.needs[1] else None
        return dA, dB


class Maximum(Broadcasting):
    """Z = max(A, B) elementwise;  dA = dZ where A > B, dB = dZ where B > A, half each on a tie"""

    name, symbol, commutative = "maximum", "max", True
    formula = "{Z} = max({A}, {B})"
    rules = (
        "{dA} = {dZ} ⊙ (1 where {A} > {B}, ½ where equal, else 0)",
        "{dB} = {dZ} ⊙ (1 where {B} > {A}, ½ where equal, else 0)",
    )
    pick = staticmethod(np.maximum)

    def forward(self, A, B):
        return self.pick(A, B)

    def backward(self, dZ, Z, A, B):
        a, b = _raw(A), _raw(B)
        share = _const((self.pick(a, b) == a) - 0.5 * (a == b), dZ)  # A's: 1, ½ on a tie, or 0
        dA = dZ * share if self.needs[0] else None
        return dA, (dZ * (1 - share) if self.needs[1] else None)


class Minimum(Maximum):
    """Z = min(A, B) elementwise;  dA = dZ where A < B, dB = dZ where B < A, half each on a tie"""

    name, symbol = "minimum", "min"
    formula = "{Z} = min({A}, {B})"
    rules = (
        "{dA} = {dZ} ⊙ (1 where {A} < {B}, ½ where equal, else 0)",
        "{dB} = {dZ} ⊙ (1 where {B} < {A}, ½ where equal, else 0)",
    )
    pick = staticmethod(np.minimum)


# ---- elementwise, one input ----


class Neg(Op):
    """Z = -A;  dA = -dZ"""

    name, symbol = "neg", "−x"
    formula, rules = "{Z} = −{A}", ("{dA} = −{dZ}",)
    forward_code = ("np.negative({A}, out={Z})",)
    backward_code = (("np.negative({dZ}, out={dA})",),)

    def forward(self, A):
        return -A

    def backward(self, dZ, Z, A):
        return (-dZ,)


class Pow(Op):
    """Z = A ** p (p a constant);  dA = dZ * p * A ** (p - 1)"""

    name = "pow"

    def __init__(self, p: float):
        self.p = p
        self.symbol, self.formula = f"x^{p:g}", f"{{Z}} = {{A}}^{p:g}"
        self.rules = (f"{{dA}} = {{dZ}} ⊙ {p:g} {{A}}^{p - 1:g}",)

    def forward(self, A):
        return A**self.p

    def backward(self, dZ, Z, A):
        if self.p == 0:  # Z = 1, so dA = 0; the formula would give 0 * 0**-1 = NaN at A = 0
            return (dZ * 0,)
        return (dZ * self.p * A ** (self.p - 1),)


class Exp(Op):
    """Z = exp(A);  dA = dZ * Z   (the output is its own derivative)"""

    name, symbol = "exp", "exp"
    formula, rules = "{Z} = exp({A})", ("{dA} = {dZ} ⊙ {Z}",)
    forward_code = ("np.exp({A}, out={Z})",)
    backward_code = (("np.multiply({dZ}, {Z}, out={dA})",),)

    def forward(self, A):
        return np.exp(A)

    def backward(self, dZ, Z, A):
        return (dZ * Z,)


class Log(Op):
    """Z = log(A);  dA = dZ / A"""

    name, symbol = "log", "log"
    formula, rules = "{Z} = log({A})", ("{dA} = {dZ} / {A}",)
    forward_code = ("np.log({A}, out={Z})",)
    backward_code = (("np.divide({dZ}, {A}, out={dA})",),)

    def forward(self, A):
        return np.log(A)

    def backward(self, dZ, Z, A):
        return (dZ / A,)


class Sqrt(Op):
    """Z = sqrt(A);  dA = dZ / (2 Z)"""

    name, symbol = "sqrt", "√"
    formula, rules = "{Z} = √{A}", ("{dA} = {dZ} / (2 {Z})",)
    forward_code = ("np.sqrt({A}, out={Z})",)
    backward_code = (("np.multiply(2, {Z}, out={dA})", "np.divide({dZ}, {dA}, out={dA})"),)

    def forward(self, A):
        return np.sqrt(A)

    def backward(self, dZ, Z, A):
        return (dZ / (2 * Z),)


class Abs(Op):
    """Z = |A|;  dA = dZ * sign(A), taking 0 at A = 0"""

    name, symbol = "abs", "|x|"
    formula, rules = "{Z} = |{A}|", ("{dA} = {dZ} ⊙ sign({A})",)
    forward_code = ("np.abs({A}, out={Z})",)
    backward_code = (("np.sign({A}, out={dA})", "np.multiply({dZ}, {dA}, out={dA})"),)

    def forward(self, A):
        return np.abs(A)

    def backward(self, dZ, Z, A):
        return (dZ * _const(np.sign(_raw(A)), dZ),)


class Sigmoid(Op):
    """A = sigmoid(Z) = 1 / (1 + exp(-Z));  dZ = dA * A * (1 - A)"""

    name, symbol, args, out, activation = "sigmoid", "σ", ("Z",), "A", True
    formula, rules = "{A} = σ({Z})", ("{dZ} = {dA} ⊙ {A}(1 − {A})",)
    forward_code, scratch = _SIGMOID_CODE, ("E", "T")
    backward_code = (
        ("np.multiply({dA}, {A}, out={dZ})", "np.subtract(1, {A}, out={T})",
         "np.multiply({dZ}, {T}, out={dZ})"),
    )  # fmt: skip

    def forward(self, Z):
        return _sigmoid(Z, np.exp(-np.abs(Z)))

    def backward(self, dA, A, Z):
        return (dA * A * (1 - A),)


class Tanh(Op):
    """A = tanh(Z);  dZ = dA * (1 - A**2)"""

    name, symbol, args, out, activation = "tanh", "tanh", ("Z",), "A", True
    formula, rules = "{A} = tanh({Z})", ("{dZ} = {dA} ⊙ (1 − {A}²)",)
    forward_code = ("np.tanh({Z}, out={A})",)
    backward_code = (
        ("np.square({A}, out={dZ})", "np.subtract(1, {dZ}, out={dZ})",
         "np.multiply({dA}, {dZ}, out={dZ})"),
    )  # fmt: skip

    def forward(self, Z):
        return np.tanh(Z)

    def backward(self, dA, A, Z):
        return (dA * (1 - A**2),)


class Relu(Op):
    """A = max(0, Z);  dZ = dA * (Z > 0), taking g'(0) = 0 as the course's relu_backward does"""

    name, symbol, args, out, activation = "relu", "ReLU", ("Z",), "A", True
    formula, rules = "{A} = ReLU({Z})", ("{dZ} = {dA} ⊙ ({Z} > 0)",)
    forward_code = ("np.maximum({Z}, 0, out={A})",)
    backward_code = (("np.greater({Z}, 0, out={dZ})", "np.multiply({dA}, {dZ}, out={dZ})"),)

    def forward(self, Z):
        return np.maximum(Z, 0)

    def backward(self, dA, A, Z):
        return (dA * (Z > 0),)  # a bool mask keeps dA's dtype (a Tensor's > gives one too)


class LeakyRelu(Op):
    """A = max(slope * Z, Z);  dZ = dA * (1 if Z > 0 else slope), taking slope at Z = 0"""

    name, symbol, args, out, activation = "leaky_relu", "leaky ReLU", ("Z",), "A", True

    def __init__(self, slope: float = 0.01):
        self.slope = slope
        self.formula = f"{{A}} = max({slope:g} {{Z}}, {{Z}})"
        self.rules = (f"{{dZ}} = {{dA}} ⊙ (1 where {{Z}} > 0, else {slope:g})",)

    forward_code, masks = (
        "np.greater({Z}, 0, out={M})", "np.multiply({slope}, {Z}, out={A})",
        "np.copyto({A}, {Z}, where={M})",
    ), ("M",)  # fmt: skip
    backward_code = (("np.multiply({dA}, {slope}, out={dZ})", "np.copyto({dZ}, {dA}, where={M})"),)

    def forward(self, Z):
        return np.where(Z > 0, Z, self.slope * Z)

    def backward(self, dA, A, Z):
        return (dA * _const(np.where(_raw(Z) > 0, 1.0, self.slope), dA),)


# ---- matrix product ----


class Matmul(Op):
    """Z = W @ A;  dW = dZ @ A.T,  dA = W.T @ dZ   (2-D operands)"""

    name, symbol, args = "matmul", "·", ("W", "A_prev")
    formula = "{Z} = {W} · {A_prev}"
    rules = ("{dW} = {dZ} · {A_prev}ᵀ", "{dA_prev} = {W}ᵀ · {dZ}")
    forward_code = ("np.dot({W}, {A_prev}, out={Z})",)
    backward_code = (
        ("np.dot({dZ}, {A_prev}.T, out={dW})",), ("np.dot({W}.T, {dZ}, out={dA_prev})",)
    )  # fmt: skip

    def check(self, W_shape, A_shape):
        if not (1 <= len(W_shape) <= 2 and 1 <= len(A_shape) <= 2):
            raise _shape_error(
                "matmul",
                f"{W_shape} @ {A_shape}: operands must be 1-D or 2-D "
                "(use * to multiply by a scalar; for a batch of matrices, loop or reshape to 2-D)",
            )
        if W_shape[-1] != A_shape[0]:
            raise _shape_error(
                "matmul",
                f"{W_shape} @ {A_shape}: inner dimensions {W_shape[-1]} and {A_shape[0]} differ "
                "(W is (n[l], n[l-1]) and A_prev is (n[l-1], m); did you mean to transpose one?)",
            )

    def forward(self, W, A):
        return np.dot(W, A)

    def backward(self, dZ, Z, W, A):
        dW = _dot(dZ, A.T) if self.needs[0] else None
        dA = _dot(W.T, dZ) if self.needs[1] else None  # skipped for the data X: no dA[0]
        return dW, dA


class Linear(Op):
    """Z = W A_prev + b;  dW = dZ A_prev.T,  dA_prev = W.T dZ,  db = sum(dZ, axis=1, keepdims=True)

    The course's linear_forward / linear_backward as one node: b (n[l], 1) broadcasts over the
    m columns, and its VJP sums dZ back over them itself, as the course writes db.
    transpose_W=True is week 2's Z = w.T X + b for a column w (n_x, 1): dw = X dZ.T, as written.
    """

    name, args, broadcasts, scratch = "linear", ("W", "A_prev", "b"), (2,), ("B",)
    _db = "{db} = Σ {dZ} over the m columns (axis 1)"

    def __init__(self, transpose_W: bool = False):
        self.transpose_W = transpose_W
        if transpose_W:
            self.symbol, self.formula = "Wᵀ·A + b", "{Z} = {W}ᵀ {A_prev} + {b}"
            self.rules = ("{dW} = {A_prev} · {dZ}ᵀ", "{dA_prev} = {W} · {dZ}", self._db)
            WA = "np.dot({W}.T, {A_prev}, out={Z})"
            dW, dA_prev = "np.dot({A_prev}, {dZ}.T, out={dW})", "np.dot({W}, {dZ}, out={dA_prev})"
        else:
            self.symbol, self.formula = "W·A + b", "{Z} = {W} {A_prev} + {b}"
            self.rules = ("{dW} = {dZ} · {A_prev}ᵀ", "{dA_prev} = {W}ᵀ · {dZ}", self._db)
            WA = "np.dot({W}, {A_prev}, out={Z})"
            dW, dA_prev = "np.dot({dZ}, {A_prev}.T, out={dW})", "np.dot({W}.T, {dZ}, out={dA_prev})"
        # + b as B, b copied over the m columns (numpy's broadcasting add would make a buffer
        # at every call); db for b (n[l], 1): check() allows b of Z's shape, the replay does not
        self.forward_code = (WA, "np.copyto({B}, {b})", "np.add({Z}, {B}, out={Z})")
        self.backward_code = ((dW,), (dA_prev,), ("{dZ}.sum(axis=1, keepdims=True, out={db})",))

    def check(self, W_shape, A_shape, b_shape):
        if len(W_shape) != 2 or len(A_shape) != 2:
            raise _shape_error("linear", f"W {W_shape} and A_prev {A_shape} must be 2-D")
        W, layout = "W", "W is (n[l], n[l-1])"
        if self.transpose_W:  # check W.T as the W it stands for
            W_shape = W_shape[::-1]
            W, layout = "W.T", "with transpose_W, W is (n[l-1], n[l]), as w (n_x, 1)"
        if W_shape[1] != A_shape[0]:
            raise _shape_error(
                "linear",
                f"{W} {W_shape} @ A_prev {A_shape}: inner dimensions {W_shape[1]} and "
                f"{A_shape[0]} differ ({layout} and A_prev is (n[l-1], m); "
                "did you mean to transpose one?)",
            )
        Z_shape = (W_shape[0], A_shape[1])
        if b_shape != (W_shape[0], 1) and b_shape != Z_shape:
            raise _shape_error(
                "linear",
                f"b has shape {b_shape} but Z = {W} A_prev is {Z_shape}: b must be "
                f"(n[l], 1) = ({W_shape[0]}, 1), one bias per unit, added to each of the m columns",
            )

    def forward(self, W, A_prev, b):
        return np.dot(W.T if self.transpose_W else W, A_prev) + b

    def backward(self, dZ, Z, W, A_prev, b):
        if self.transpose_W:  # the same products, each gradient in W's own layout
            dW = _dot(A_prev, dZ.T) if self.needs[0] else None
            dA_prev = _dot(W, dZ) if self.needs[1] else None
        else:
            dW = _dot(dZ, A_prev.T) if self.needs[0] else None
            dA_prev = _dot(W.T, dZ) if self.needs[1] else None  # skipped for the data X: no dA[0]
        db = dZ.sum(axis=1, keepdims=True) if b.shape != dZ.shape else dZ
        return dW, dA_prev, db


# ---- reductions ----


class Sum(Op):
    """Z = sum(A, axis);  dA = dZ broadcast back over the summed axes"""

    name, symbol = "sum", "Σ"

    def __init__(self, axis: tuple[int, ...] | None, keepdims: bool):
        self.axis, self.keepdims = axis, keepdims
        over = "every axis" if axis is None else "axis " + ", ".join(map(str, axis))
        self.formula = f"{{Z}} = Σ {{A}} over {over}"
        self.rules = (f"{{dA}} = {{dZ}} copied back over {over}",)
        self.forward_code = ("{A}.sum(axis={axis}, keepdims={keepdims}, out={Z})",)
        kept = "{dZ}" if keepdims or axis is None else "np.expand_dims({dZ}, {axis})"
        self.backward_code = ((f"np.copyto({{dA}}, {kept})",),)

    def forward(self, A):
        return np.sum(A, axis=self.axis, keepdims=self.keepdims)

    def backward(self, dZ, Z, A):
        return (_broadcast_to(dZ.reshape(_kept_shape(A.shape, self.axis)), A.shape),)


class Max(Op):
    """Z = max(A, axis);  dA = dZ where A is the max; ties share dZ equally (1/count each)"""

    name, symbol, formula = "max", "max", "{Z} = max {A}"
    rules = ("{dA} = {dZ} where {A} is the max (ties share it), 0 elsewhere",)

    def __init__(self, axis: tuple[int, ...] | None, keepdims: bool):
        self.axis, self.keepdims = axis, keepdims

    def check(self, shape):
        if 0 in shape:
            raise _shape_error("max", f"cannot take the max of an empty tensor of shape {shape}")

    def forward(self, A):
        return np.max(A, axis=self.axis, keepdims=self.keepdims)

    def backward(self, dZ, Z, A):
        kept = _kept_shape(A.shape, self.axis)
        hit = _raw(A) == _raw(Z).reshape(kept)
        share = hit / np.sum(hit, axis=self.axis, keepdims=True)
        return (dZ.reshape(kept) * _const(share, dZ),)


def _kept_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape a reduction over `axis` has with keepdims=True."""
    return tuple(1 if axis is None or i in axis else n for i, n in enumerate(shape))


# ---- shape and indexing ----


class Reshape(Op):
    """Z = A.reshape(shape);  dA = dZ.reshape(A.shape)"""

    name, symbol, formula = "reshape", "reshape", "{Z} = {A} reshaped"
    rules = ("{dA} = {dZ} reshaped back to the shape of {A}",)
    forward_code = ("np.copyto({Z}, {A}.reshape({shape}))",)
    backward_code = (("np.copyto({dA}, {dZ}.reshape({dA}.shape))",),)

    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape

    def check(self, shape):
        try:
            np.empty(shape, dtype=np.bool_).reshape(self.shape)
        except ValueError:
            raise _shape_error(
                "reshape",
                f"cannot reshape {shape} ({int(np.prod(shape))} elements) into {self.shape}",
            ) from None

    def forward(self, A):
        return A.reshape(self.shape)

    def backward(self, dZ, Z, A):
        return (dZ.reshape(A.shape),)


class Transpose(Op):
    """Z = A.transpose(axes);  dA = dZ.transpose(inverse of axes)"""

    name, symbol, formula = "transpose", "ᵀ", "{Z} = {A}ᵀ"
    rules = ("{dA} = ({dZ})ᵀ",)

    def __init__(self, axes: tuple[int, ...] | None):
        self.axes = axes
        inverse = None if axes is None else tuple(int(i) for i in np.argsort(axes))
        self.forward_code = ("np.copyto({Z}, np.transpose({A}, {axes}))",)
        self.backward_code = ((f"np.copyto({{dA}}, np.transpose({{dZ}}, {inverse}))",),)

    def check(self, shape):
        if self.axes is not None and sorted(self.axes) != list(range(len(shape))):
            raise _shape_error(
                "transpose",
                f"axes {self.axes} are not a permutation of the {len(shape)} axes of {shape}",
            )

    def forward(self, A):
        return np.transpose(A, self.axes)

    def backward(self, dZ, Z, A):
        inverse = None if self.axes is None else tuple(np.argsort(self.axes))
        return (dZ.transpose(inverse),)


class BroadcastTo(Op):
    """Z = broadcast_to(A, shape);  dA = dZ summed back to A's shape"""

    name, symbol, formula = "broadcast_to", "broadcast", "{Z} = {A} broadcast"
    rules = ("{dA} = Σ {dZ} back to the shape of {A}",)

    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape

    def check(self, shape):
        if broadcast_shape(self.name, shape, self.shape) != self.shape:
            raise _shape_error(self.name, f"cannot broadcast {shape} to {self.shape}")

    def forward(self, A):
        return np.broadcast_to(A, self.shape)

    def backward(self, dZ, Z, A):
        return (unbroadcast(dZ, A.shape),)


class GetItem(Op):
    """Z = A[index];  dA = zeros like A, with dZ added at index (repeats add up)"""

    name, symbol, formula = "getitem", "[ ]", "{Z} = {A}[index]"
    rules = ("{dA} = zeros with {dZ} added at the index",)

    def __init__(self, index: Any):
        self.index = index

    def check(self, shape):
        try:
            np.empty(shape, dtype=np.bool_)[self.index]
        except IndexError as e:
            raise IndexError(
                f"getitem: index {self.index!r} does not fit shape {shape}: {e}"
            ) from None

    def forward(self, A):
        return A[self.index]

    def backward(self, dZ, Z, A):
        if isinstance(dZ, _RAW):
            return (ScatterAdd(self.index, A.shape).forward(dZ),)
        return (dZ.scatter_add(self.index, A.shape),)


class ScatterAdd(Op):
    """Z = zeros(shape) with A added at index;  dA = dZ[index]   (the VJP of indexing)"""

    name, symbol, formula = "scatter_add", "scatter +", "{Z} = zeros with {A} added at the index"
    rules = ("{dA} = {dZ}[index]",)

    def __init__(self, index: Any, shape: tuple[int, ...]):
        self.index, self.shape = index, shape

    def check(self, shape):
        try:
            picked = np.empty(self.shape, dtype=np.bool_)[self.index].shape
        except IndexError as e:
            raise IndexError(
                f"scatter_add: index {self.index!r} does not fit shape {self.shape}: {e}"
            ) from None
        if picked != shape:
            raise _shape_error(
                self.name,
                f"the input has shape {shape} but zeros{self.shape}[index] has shape {picked}",
            )

    def forward(self, A):
        Z = np.zeros(self.shape, dtype=A.dtype)
        np.add.at(Z, self.index, A)
        return Z

    def backward(self, dZ, Z, A):
        return (dZ[self.index],)


# ---- the course's cost, as single primitives with the stable gradients ----


def _check_same_shape(
    op: str, A_shape: tuple[int, ...], Y_shape: tuple[int, ...], what: str
) -> None:
    if A_shape != Y_shape:
        raise _shape_error(
            op,
            f"{what} has shape {A_shape} but Y has shape {Y_shape}: they must be equal, "
            "e.g. both (1, m) with examples as columns; broadcasting them would give a wrong cost",
        )


class BinaryCrossEntropy(Op):
    """J = -(1/m) sum(Y log A + (1 - Y) log(1 - A));  dA = (1/m) (A - Y) / (A (1 - A))

    Each log is floored at -100 (the log of max(A, e^-100)) as PyTorch clamps it, and the
    gradient's denominator at 1e-12, so a saturated A (exactly 0 or 1) gives a finite cost and a
    finite, if vanishing, gradient. m is the number of elements (for the course's (1, m) shapes,
    the number of examples); elsewhere J is the course's expression, operation for operation.
    """

    name, symbol, args, out = "binary_cross_entropy", "L(A, Y)", ("A", "Y"), "J"
    formula = "{J} = −(1/m) Σ ({Y} log {A} + (1 − {Y}) log(1 − {A}))"
    rules = (
        "{dA} = (1/m) ({A} − {Y}) / ({A}(1 − {A})) ⊙ {dJ}: the 1/m of the mean cost enters here, "
        "and is inside every gradient after it",
        "{dY} = (1/m) (log(1 − {A}) − log {A}) ⊙ {dJ}",
    )
    course_rules = (
        "{dA} = −({Y}/{A} − (1 − {Y})/(1 − {A})) = ({A} − {Y}) / ({A}(1 − {A}))",
        "{dY} = log(1 − {A}) − log {A}",
    )

    def check(self, A_shape, Y_shape):
        _check_same_shape(self.name, A_shape, Y_shape, "A")

    forward_code, scratch = (
        "np.maximum({A}, {LOG_FLOOR}, out={T})", "np.log({T}, out={T})",  # T = log A
        "np.subtract(1, {A}, out={U})", "np.maximum({U}, {LOG_FLOOR}, out={U})",
        "np.log({U}, out={U})",  # U = log(1 - A)
        "np.multiply({Y}, {T}, out={T})", "np.subtract(1, {Y}, out={V})",
        "np.multiply({V}, {U}, out={U})", "np.add({T}, {U}, out={T})",
        "{T}.sum(out={J})", "np.multiply(-1 / {m}, {J}, out={J})",
    ), ("T", "U", "V")  # fmt: skip
    backward_code = (
        ("np.subtract(1, {A}, out={T})", "np.multiply({A}, {T}, out={T})",
         "np.maximum({T}, {EPS}, out={T})", "np.multiply({m}, {T}, out={T})",
         "np.subtract({A}, {Y}, out={dA})", "np.multiply({dJ}, {dA}, out={dA})",
         "np.divide({dA}, {T}, out={dA})"),
        None,  # the labels are data: the replay never needs dY
    )  # fmt: skip

    def forward(self, A, Y):
        # the course's expression, step by step in two buffers (planar's step peaks here): the
        # same values to the bit, with one buffer fewer alive than the expression has
        T = _writable(1 - A)
        np.maximum(T, LOG_FLOOR, out=T)
        np.log(T, out=T)  # log(1 - A)
        if Y.dtype == T.dtype:
            U = 1 - Y
            U *= T
            np.maximum(A, LOG_FLOOR, out=T)
            np.log(T, out=T)
            T *= Y  # Y log A
        else:  # A and Y of two dtypes: each product in the wider one, as numpy's expression
            U = (1 - Y) * T
            T = Y * np.log(np.maximum(A, LOG_FLOOR))
        U += T
        return (-1 / A.size) * U.sum()

    through = Sigmoid  # after A = σ(Z), the course's shortcut: A(1 − A) cancels
    through_code = _DZ_CODE
    through_rule = "{dZ} = (1/m) ({A} − {Y}) ⊙ {dJ}: the course's dZ = A − Y, as A(1 − A) cancels"

    def backward_through(self, dJ, A, Y):
        """dZ = (1/m)(A − Y) dJ for A = σ(Z): the course's dZ = A − Y, with the mean's 1/m."""
        return dJ * (A - Y) / A.size

    def backward(self, dJ, J, A, Y):
        m = _raw(A).size
        dA = dJ * (A - Y) / (m * _clamp_min(A * (1 - A), EPS)) if self.needs[0] else None
        if self.needs[1]:  # dY = (1/m) (log(1 - A) - log(A)), the logs floored as in forward
            dY = dJ * (_log(_clamp_min(1 - A, LOG_FLOOR)) - _log(_clamp_min(A, LOG_FLOOR))) / m
        else:
            dY = None
        return dA, dY


class BinaryCrossEntropyWithLogits(Op):
    """J = (1/m) sum(max(Z, 0) - Z Y + log(1 + exp(-|Z|)));  dZ = (1/m) (sigmoid(Z) - Y)

    The log-sum-exp form of the same cost as sigmoid then binary_cross_entropy: it never takes
    the log of a rounded probability, so it is exact where A would saturate.
    """

    name, symbol, args, out = "binary_cross_entropy_with_logits", "L(σ(Z), Y)", ("Z", "Y"), "J"
    formula = "{J} = −(1/m) Σ ({Y} log σ({Z}) + (1 − {Y}) log(1 − σ({Z})))"
    rules = (
        "{dZ} = (1/m) (σ({Z}) − {Y}) ⊙ {dJ}: the 1/m of the mean cost enters here",
        "{dY} = −(1/m) {Z} ⊙ {dJ}",
    )
    course_rules = ("{dZ} = σ({Z}) − {Y}, the course's A − Y", "{dY} = −{Z}")

    def check(self, Z_shape, Y_shape):
        _check_same_shape(self.name, Z_shape, Y_shape, "Z")

    scratch = ("E", "A", "T", "L")  # A = σ(Z) is kept for backward, as forward keeps self.A
    forward_code = _SIGMOID_CODE + (
        "np.maximum({Z}, 0, out={L})", "np.multiply({Z}, {Y}, out={T})",
        "np.subtract({L}, {T}, out={L})", "np.log1p({E}, out={T})", "np.add({L}, {T}, out={L})",
        "{L}.sum(out={J})", "np.divide({J}, {m}, out={J})",
    )  # fmt: skip
    backward_code = (_DZ_CODE, None)  # dY: the labels are data

    def forward(self, Z, Y):
        E = np.exp(-np.abs(Z))
        self.A = _sigmoid(Z, E)  # kept, as Sigmoid keeps its output: dZ is written in A
        return (np.maximum(Z, 0) - Z * Y + np.log1p(E)).sum() / Z.size

    def backward(self, dJ, J, Z, Y):
        m = Z.size
        A = self.A if isinstance(Z, _RAW) else Z.sigmoid()  # a Tensor for second derivatives
        dZ = dJ * (A - Y) / m if self.needs[0] else None
        dY = dJ * -Z / m if self.needs[1] else None
        return dZ, dY
