"""The gradient doctor: which gradient of a hand-written backward is wrong, and why.

    report = diagnose(cost_fn, parameters, grads)
    print(report)        # the first wrong gradient and its likely cause, then one row per key

`cost_fn(params)` is the student's own forward pass and cost, written with numpy as in the
assignments. It is called with a dict of Tensors in place of the arrays, so the engine records
it (numpy_support) and `walk` differentiates it: the oracle is the student's own forward, not
the doctor's idea of it. It returns J, or (J, cache) with cache a dict of intermediates by
course name ("Z1", "A1", ...). `grads` holds the hand-derived gradients by course key: "dW1",
"db1", ... and, for cache entries, "dZ2", "dA1", "dZ1", ...

The course's convention, which the comparison applies: dW, db are ∂J/∂W, ∂J/∂b, with the 1/m
inside; the intermediates are per example, dZ[l] = m·∂J/∂Z[l] and dA[l] = m·∂J/∂A[l], so
dZ[L] = A[L] − Y. m is read from the graph: the columns of what the cost sums over.

Right means the course's relative difference ‖g − g_ref‖ / (‖g‖ + ‖g_ref‖) is below TOL = 1e-5.
The reference is exact autodiff, not finite differences: a right float64 backward lands near
1e-16, a float32 one near 1e-7 (what Course 2's gradient check calls great), while a 1/m or a
sign is off by 0.5 or more. Between 1e-7 and TOL the table says "ok (rounding)". A bug is seen
only where it changes the gradient: at tiny weights (the course's randn · 0.01) |Z| is so small
that 1 − Z² and 1 − A² agree to 1e-8, so a report that is ok there says so in a note.

The order of the keys is the order backward computes them, read from the walk: an intermediate
where the walk reaches it, a parameter where the VJP that gives its gradient runs; W before b
within one linear step (the order of `parameters`). So output layer first: dZ2, dW2, db2, dA1,
dZ1, dW1, db1. "dA0", the gradient of the data X that the course's L_model_backward returns,
is listed as not checked: no gradient flows to data.

`gradient_health(model, X, Y)` measures, per layer, ‖dW[l]‖, ‖dW[l]‖ / ‖W[l]‖ and the fraction
of saturated units, for fit to record while training.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import ops
from .arguments import count, number
from .gradcheck import relative_difference
from .reference import sigmoid as _sigmoid
from .report import text_table
from .tensor import Tensor, walk

TOL = 1e-5  # right below this relative difference; see the module's docstring
GREAT = 1e-7  # Course 2's "great": below it a match is exact up to float64 or float32 rounding
SATURATED = 0.1  # a unit is saturated where g'(Z) is below this fraction of g's largest slope
SMALL_Z = 0.1  # an activation whose |Z| stays below this is nearly linear: g' bugs hardly show

# Ops through which a gradient only moves, sums or transposes: one linear step of backward.
# Any other op (an activation, a product of two tensors, exp, log, ...) starts a new step.
_AFFINE = (
    ops.Add, ops.Sub, ops.Neg, ops.Matmul, ops.Linear, ops.Transpose, ops.Reshape,
    ops.BroadcastTo, ops.Sum,
)  # fmt: skip
_PASS = (ops.Reshape,)  # a chain's formula skips these: the gradient is only reshaped
_ACTIVATIONS: dict[str, type[ops.Op]] = {"sigmoid": ops.Sigmoid, "tanh": ops.Tanh, "relu": ops.Relu}
_VALUES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": _sigmoid, "tanh": np.tanh, "relu": lambda Z: np.maximum(Z, 0),
}  # fmt: skip
# What a student writes for g'(Z) by mistake: (the factor after dA ⊙, its value from Z and A).
# The first of each is the one the hint names.
_MISTAKES: dict[str, list[tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]]] = {
    "tanh": [
        ("(1 − {Z}²)", lambda Z, A: 1 - Z**2),
        ("{A}(1 − {A})", lambda Z, A: A * (1 - A)),
        ("(1 − {A})", lambda Z, A: 1 - A),
    ],
    "sigmoid": [
        ("{Z}(1 − {Z})", lambda Z, A: Z * (1 - Z)),
        ("(1 − {A}²)", lambda Z, A: 1 - A**2),
        ("{A}", lambda Z, A: A),
    ],
    "relu": [
        ("({Z} ≤ 0)", lambda Z, A: (Z <= 0).astype(np.float64)),
        ("{Z}", lambda Z, A: Z),
        ("1 (no mask)", lambda Z, A: np.ones_like(Z)),
    ],
}
_GLOSS = {"relu": ": 1 where {Z} > 0, else 0, applied to a copy of {dA}"}
_SENTINEL = "\ue000"  # stands for the incoming gradient while a rule is filled in
_TD = "border:1px solid #ccc;padding:2px 8px"  # a table cell in the notebook's report


# ---------------------------------------------------------------- the report


@dataclass
class Finding:
    """One key of grads: the gradient given, the engine's in the course's convention, the verdict.

    relative_difference is ‖given − expected‖ / (‖given‖ + ‖expected‖) when the shapes agree,
    nan when they do not (the diagnosis then says what the shape fix gives).
    """

    key: str  # "dW1"
    of: str  # what it is the gradient of: "W1" (a parameter) or "Z1" (a cache entry)
    role: str  # "parameter", "intermediate", or "data" (not checked)
    shape: tuple[int, ...] | None  # the given gradient's shape
    expected_shape: tuple[int, ...]  # the shape of `of`
    relative_difference: float
    cause: str  # "ok", "missing 1/m", "extra 1/m", "factor", "sign", "transposed", "keepdims",
    # "not summed", "(m, m)", "shape", "values", or "not checked"
    diagnosis: str  # the cause in the course's words, with the formula when there is one
    given: np.ndarray | None = field(default=None, repr=False)
    expected: np.ndarray | None = field(default=None, repr=False)  # m·∂J/∂Z, or ∂J/∂W

    @property
    def ok(self) -> bool:
        return self.cause == "ok"

    @property
    def checked(self) -> bool:
        return self.cause != "not checked"


@dataclass
class Report:
    """What diagnose found: `ok`, `first_wrong`, and `findings` by key in backward's order."""

    findings: dict[str, Finding]
    m: int
    tol: float = TOL
    notes: list[str] = field(default_factory=list)  # said once, under the headline

    @property
    def ok(self) -> bool:
        """Whether every checked gradient is right (relative difference below tol)."""
        return all(f.ok for f in self.findings.values() if f.checked)

    @property
    def first_wrong(self) -> str | None:
        """The key of the first wrong gradient in the order backward computes them, or None."""
        return next((k for k, f in self.findings.items() if f.checked and not f.ok), None)

    @property
    def right(self) -> list[str]:
        return [k for k, f in self.findings.items() if f.ok]

    @property
    def wrong(self) -> list[str]:
        return [k for k, f in self.findings.items() if f.checked and not f.ok]

    def headline(self) -> str:
        """The first line: the first wrong gradient and its likely cause, or that all are right."""
        first = self.first_wrong
        if first is None:
            n = len(self.right)
            return f"All {n} gradients are right: each relative difference is below {self.tol:g}."
        return f"{first} is the first wrong gradient: {self.findings[first].diagnosis}"

    def _rows(self) -> list[tuple[str, ...]]:
        rows: list[tuple[str, ...]] = []
        for k, f in self.findings.items():
            rel = "-" if math.isnan(f.relative_difference) else f"{f.relative_difference:.1e}"
            verdict = _verdict(f, self.tol)
            shape = "-" if f.shape is None else _shape(f.shape)
            expected = _shape(f.expected_shape) if f.checked else "-"
            rows.append((k, shape, expected, rel, verdict))
        return rows

    def _details(self) -> list[str]:
        """The diagnosis of every wrong key after the first (the headline has the first)."""
        first = self.first_wrong
        return [
            f"{k}: {f.diagnosis}"
            for k, f in self.findings.items()
            if k != first and (not f.ok or not f.checked)
        ]

    def _where(self) -> str | None:
        if self.first_wrong is None:
            return None
        right = ", ".join(self.right) or "none"
        return f"Right: {right}.  Wrong: {', '.join(self.wrong)}."

    def convention(self) -> str:
        return (
            f"The course's convention (m = {self.m}): dW, db are ∂J/∂W, ∂J/∂b, with the 1/m "
            "inside; dZ, dA are per example, dZ = m·∂J/∂Z, so dZ[L] = A[L] − Y. Right means "
            f"‖g − g_ref‖ / (‖g‖ + ‖g_ref‖) < {self.tol:g}, against the engine's gradient of "
            f"your forward pass; below {GREAT:g} is what Course 2 calls great."
        )

    def __str__(self) -> str:
        wrap = textwrap.TextWrapper(width=100, subsequent_indent="  ", break_on_hyphens=False)
        parts = [wrap.fill(self.headline())]
        parts += [wrap.fill(line) for line in [self._where(), *self.notes] if line]
        header = ("gradient", "shape", "expected", "relative difference", "verdict")
        parts += ["", text_table(header, self._rows())]
        details = self._details()
        if details:
            parts += [""] + [wrap.fill(d) for d in details]
        parts += ["", wrap.fill(self.convention())]
        return "\n".join(parts)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        e = html.escape
        color = "#176b17" if self.first_wrong is None else "#b00"
        out = [f'<div><p style="color:{color}"><b>{e(self.headline())}</b></p>']
        out += [f"<p>{e(line)}</p>" for line in [self._where(), *self.notes] if line]
        out.append('<table style="border-collapse:collapse">')
        cells = "".join(
            f'<th style="{_TD}">{e(h)}</th>'
            for h in ("gradient", "shape", "expected", "relative difference", "verdict")
        )
        out.append(f"<tr>{cells}</tr>")
        for row, f in zip(self._rows(), self.findings.values(), strict=True):
            tint = "#176b17" if f.ok or not f.checked else "#b00"
            tds = "".join(f'<td style="{_TD}">{e(c)}</td>' for c in row[:-1])
            tds += f'<td style="{_TD};color:{tint}">{e(row[-1])}</td>'
            out.append(f"<tr>{tds}</tr>")
        out.append("</table>")
        out += [f"<p>{e(d)}</p>" for d in self._details()]
        out.append(f'<p style="color:#555">{e(self.convention())}</p></div>')
        return "\n".join(out)


def _verdict(f: Finding, tol: float) -> str:
    if f.cause == "ok":
        return "ok" if f.relative_difference < min(GREAT, tol) else "ok (rounding)"
    return {
        "missing 1/m": "missing the 1/m",
        "extra 1/m": "an extra 1/m",
        "factor": "constant factor",
        "sign": "sign flipped",
        "transposed": "transposed",
        "keepdims": "lost keepdims",
        "not summed": "not summed over m",
        "(m, m)": "broadcast to (m, m)",
        "shape": "wrong shape",
        "values": "wrong values",
        "not checked": "not checked",
    }[f.cause]


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + (",)" if len(shape) == 1 else ")")


# ---------------------------------------------------------------- diagnose


def diagnose(
    cost_fn: Callable[[dict[str, Tensor]], Any],
    parameters: Mapping[str, Any],
    grads: Mapping[str, Any],
    *,
    tol: float = TOL,
    m: int | None = None,
) -> Report:
    """Compare hand-derived grads with the engine's gradients of cost_fn's J, key by key.

    cost_fn(params) -> J or (J, cache): the forward pass and cost, called with a dict of Tensors
    in place of `parameters`' arrays; cache maps course names ("Z1", "A1") to its intermediates.
    grads: "d" + a parameter's key (dW1 = ∂J/∂W1, the 1/m inside) or a cache key (dZ1 =
    m·∂J/∂Z1, per example, the course's dZ). A gradient is right when the relative difference
    ‖g − g_ref‖ / (‖g‖ + ‖g_ref‖) is below tol (1e-5: see the module's docstring). m, the number
    of examples, is read from the columns of what the cost sums over unless given.

    Raises ValueError for a grads key with no parameter or cache entry behind it, a parameter
    without a gradient in grads, or a cost_fn that does not return one number; TypeError, naming
    the numpy function, for a cost_fn that calls one without a gradient rule.
    """
    tol = number("diagnose", "tol", tol, "in (0, 1)")
    params = _as_tensors(parameters)
    given = _given(grads)
    J, cache = _run(cost_fn, params)
    targets = _match(given, params, cache)
    graph = _Graph(J, params, cache)
    m = graph.m() if m is None else count("diagnose", "m", m, "the number of examples")
    return _Doctor(graph, targets, given, grads, params, m, tol).report()


def _as_tensors(parameters: Mapping[str, Any]) -> dict[str, Tensor]:
    """Each parameter as a float64 Tensor that requires grad, named by its key."""
    if not isinstance(parameters, Mapping) or not parameters:
        raise ValueError(
            "diagnose: parameters must be a dict of arrays by course name "
            '({"W1": W1, "b1": b1, ...} or {"w": w, "b": b})'
        )
    out = {}
    for key, value in parameters.items():
        data = value.data if isinstance(value, Tensor) else value
        try:
            array = np.array(data, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"diagnose: parameters[{key!r}] is not an array of numbers ({type(value).__name__})"
            ) from None
        out[str(key)] = Tensor(array, requires_grad=True, name=str(key))
    return out


def _given(grads: Mapping[str, Any]) -> dict[str, np.ndarray]:
    if not isinstance(grads, Mapping):
        raise ValueError(
            'diagnose: grads must be a dict of gradients by course key ({"dW1": dW1, ...})'
        )
    out = {}
    for key, value in grads.items():
        data = value.data if isinstance(value, Tensor) else value
        try:
            out[str(key)] = np.array(data, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"diagnose: grads[{key!r}] is not an array of numbers ({type(value).__name__})"
            ) from None
    return out


def _run(cost_fn: Any, params: dict[str, Tensor]) -> tuple[Tensor, dict[str, Any]]:
    """J and the cache, from cost_fn on the Tensors; one clear error for what cannot be used."""
    if not callable(cost_fn):
        raise TypeError(
            f"diagnose: cost_fn must be a function of the parameters, got {type(cost_fn).__name__}"
        )
    try:
        out = cost_fn(dict(params))
    except TypeError as e:  # numpy_support names a numpy function without a gradient rule
        raise TypeError(
            f"diagnose: cost_fn failed on the Tensors that stand in for your arrays: {e}"
        ) from e
    cache: Any = {}
    if isinstance(out, tuple):
        if len(out) != 2:
            raise ValueError(
                f"diagnose: cost_fn returned a tuple of {len(out)} items; return J or (J, cache)"
            )
        out, cache = out
        if not isinstance(cache, Mapping):
            raise ValueError(
                f"diagnose: cost_fn's cache is a {type(cache).__name__}; return a dict of its "
                'intermediates by course name, {"Z1": Z1, "A1": A1, ...}'
            )
    if not isinstance(out, Tensor):
        raise ValueError(
            f"diagnose: cost_fn returned a {type(out).__name__}, not the Tensor computed from the "
            "parameters: float(...), .item() or .data drop the graph, so there is nothing to "
            "differentiate; return J as computed (np.squeeze(J) is fine)"
        )
    if out.size != 1:
        raise ValueError(
            f"diagnose: cost_fn must return the cost J, a single number, but it returned shape "
            f"{out.shape} (did it return A, or leave out the np.sum over the examples?)"
        )
    if not out.requires_grad:
        raise ValueError(
            "diagnose: cost_fn's J does not depend on the parameters it was given; compute it "
            "from the dict passed to cost_fn, not from arrays captured outside it"
        )
    return out, dict(cache)


@dataclass
class _Target:
    key: str  # "dW1"
    of: str  # "W1"
    role: str  # "parameter", "intermediate", "data"
    tensor: Tensor | None  # None for data


def _match(
    given: dict[str, np.ndarray], params: dict[str, Tensor], cache: dict[str, Any]
) -> list[_Target]:
    """Each grads key's parameter or cache entry; every parameter must have its gradient."""
    targets = []
    for key in given:
        name = key[1:] if key.startswith("d") else ""
        if name in params:
            targets.append(_Target(key, name, "parameter", params[name]))
        elif name in cache:
            value = cache[name]
            if isinstance(value, Tensor) and value.requires_grad:
                targets.append(_Target(key, name, "intermediate", value))
            else:
                targets.append(_Target(key, name, "data", None))
        elif re.fullmatch(r"dA0", key):  # the course's L_model_backward returns the data's too
            targets.append(_Target(key, "A0", "data", None))
        else:
            where = f"parameters: {', '.join(params)}"
            where += f"; cache: {', '.join(cache)}" if cache else "; no cache (cost_fn returned J)"
            raise ValueError(
                f"diagnose: grads has {key!r}, but there is no parameter and no cache entry "
                f"{name or key!r} for it to be the gradient of ({where}). To check {key}, return "
                f"(J, cache) with cache[{name or key!r}] from cost_fn; or leave {key} out"
            )
    for name in params:
        if "d" + name not in given:
            raise ValueError(
                f"diagnose: grads has no 'd{name}', the gradient of the parameter {name!r}; "
                f"every parameter's gradient is checked, so add grads['d{name}']"
            )
    return targets


# ---------------------------------------------------------------- the graph, walked once


@dataclass
class _Step:
    """One rule of backward: low's gradient from high's (the op, or a written-out activation)."""

    low: Tensor
    high: Tensor
    activation: str | None  # "tanh", "sigmoid", "relu" when the step is A = g(Z)


class _Graph:
    """The walk of J, kept: each node's gradient, position, consumers and linear step."""

    def __init__(self, J: Tensor, params: dict[str, Tensor], cache: dict[str, Any]) -> None:
        self.J = J
        self.nodes: list[Tensor] = []
        self.grad: dict[int, Any] = {}
        self.pos: dict[int, int] = {}
        for i, (node, g) in enumerate(walk(J)):
            self.nodes.append(node)
            self.grad[id(node)] = g
            self.pos[id(node)] = i
        self.children: dict[int, list[Tensor]] = {}
        for node in self.nodes:
            for p in node.parents:
                if id(p) in self.pos:
                    self.children.setdefault(id(p), []).append(node)
        self.step: dict[int, int] = {}  # id -> the linear step of backward it belongs to
        count = 0
        for node in self.nodes:
            fn = node.grad_fn
            if fn is not None and not isinstance(fn, _AFFINE):
                count += 1
            self.step[id(node)] = count
        self.names: dict[int, str] = {}
        for key, value in cache.items():
            if isinstance(value, Tensor):
                self.names.setdefault(id(value), str(key))
        for key, t in params.items():
            self.names[id(t)] = key

    def m(self) -> int:
        """The number of examples: the columns of what the cost sums over (the course's (1, m)),
        or else the columns most of the graph's (n, m) intermediates have."""
        for node in self.nodes:  # from J down: the cost's own reduction comes first
            fn = node.grad_fn
            if fn is not None and fn.course_rules:  # F.binary_cross_entropy(_with_logits)
                return int(node.parents[0].size)
            if isinstance(fn, ops.Sum) and node.parents[0].ndim >= 1:
                return int(node.parents[0].shape[-1])
        columns = [n.shape[-1] for n in self.nodes if n.grad_fn is not None and n.ndim == 2]
        columns = [c for c in columns if c > 1]  # np.dot(Y, np.log(A).T) is (1, 1)
        if columns:
            return int(max(set(columns), key=columns.count))
        raise ValueError(
            "diagnose: cannot tell the number of examples m from the graph; pass m=, the number "
            "of columns of X"
        )

    def gradient(self, t: Tensor) -> np.ndarray:
        """∂J/∂t from the walk; zeros where J does not depend on t."""
        g = self.grad.get(id(t))
        return np.zeros(t.shape) if g is None else np.array(g, dtype=np.float64)

    def done(self, t: Tensor) -> int | None:
        """Where the walk runs the last VJP that gives t a share of its gradient."""
        kids = self.children.get(id(t), [])
        return max((self.pos[id(k)] for k in kids), default=None)

    # ---- names, for formulas ----
    def name(self, t: Tensor, depth: int = 0) -> str:
        """t's course name (a key), its own name, or one made from its op and inputs."""
        if id(t) in self.names:
            return self.names[id(t)]
        if t.name:
            return t.name
        fn = t.grad_fn
        if fn is None:
            if t.size == 1:
                return f"{float(t.data.reshape(())):g}"
            return "X"  # data in a rule: the course's A[0]
        if fn.activation:
            return fn.describe(fn.formula, "", [self.name(t.parents[0], depth + 1)], _d).split(
                " = ", 1
            )[1]
        if depth < 2 and fn.formula:
            ins = [self.name(p, depth + 1) for p in t.parents]
            text = fn.describe(fn.formula, "", ins, _d).split(" = ", 1)[-1]
            if len(text) <= 14:
                return text
        return f"[{fn.name}]"

    # ---- chains of single consumers, and the formulas along them ----
    def chain(self, low: Tensor, stop: Callable[[Tensor], bool]) -> list[Tensor] | None:
        """low, its only consumer, that one's only consumer, ... up to the first node for which
        stop is true; None if a node on the way has several consumers (or none) first."""
        nodes = [low]
        t = low
        while len(nodes) < 64:
            kids = self.children.get(id(t), [])
            if len(kids) != 1:
                return None
            t = kids[0]
            nodes.append(t)
            if stop(t):
                return nodes
        return None

    def steps(self, nodes: list[Tensor]) -> list[_Step]:
        """The rules from nodes[-1] down to nodes[0]; a written-out activation is one step."""
        out = []
        p = len(nodes) - 1
        while p > 0:
            q = self._written_out(nodes, p)
            if q is not None:
                out.append(_Step(nodes[q], nodes[p], _activation_of(nodes[q], nodes[p])))
                p = q
                continue
            fn = nodes[p].grad_fn
            assert fn is not None, "a chain's upper nodes are ops"
            out.append(_Step(nodes[p - 1], nodes[p], _primitive(fn)))
            p -= 1
        return out

    def _written_out(self, nodes: list[Tensor], p: int) -> int | None:
        """q when nodes[q] -> nodes[p] is sigmoid or tanh written with exp and division."""
        for q in range(p - 2, -1, -1):
            if nodes[q].shape == nodes[p].shape and _activation_of(nodes[q], nodes[p]):
                return q
        return None

    def formula(self, nodes: list[Tensor]) -> str:
        """dlow = the rules from d(nodes[-1]) down to nodes[0], filled in: "dW2 = (1/m) dZ2 · A1ᵀ"
        for a parameter (its gradient has the 1/m), "dZ1 = dA1 ⊙ (1 − A1²)" for an intermediate."""
        expr = "d" + self.name(nodes[-1])
        for step in self.steps(nodes):
            expr = self._apply(step, expr)
        low = nodes[0]
        factor = "(1/m) " if low.is_leaf else ""
        return f"d{self.name(low)} = {factor}{expr}"

    def _apply(self, step: _Step, expr: str) -> str:
        """The expression for step.low's gradient, given expr for step.high's."""
        high, low = step.high, step.low
        if step.activation and _primitive(high.grad_fn) != step.activation:
            fn: ops.Op = _ACTIVATIONS[step.activation]()  # written out: the primitive's own rule
            j, ins = 0, [low]
        else:
            assert high.grad_fn is not None
            fn = high.grad_fn
            j = next(i for i, p in enumerate(high.parents) if p is low)
            ins = list(high.parents)
            if isinstance(fn, _PASS):
                return expr
        out_name = self.name(high)
        names = [self.name(p) for p in ins]

        def d(x: str) -> str:
            return _SENTINEL if x == out_name else "d" + x

        rule = fn.describe(fn.rules[j], out_name, names, d).split(" = ", 1)[1]
        rhs = rule.replace(f"({_SENTINEL})", f"({expr})").replace(_SENTINEL, _operand(expr))
        if low.shape != high.shape and j in fn.broadcasts and "Σ" not in rhs:
            axes = ops.summed_axes(low.shape, high.shape)
            if low.ndim == high.ndim and len(axes) < high.ndim:
                axis = axes[0] if len(axes) == 1 else axes
                rhs = f"np.sum({rhs}, axis={axis}, keepdims=True)"
            else:
                rhs = f"np.sum({rhs})"
        return rhs

    def is_output_logit(self, t: Tensor, expected: np.ndarray) -> bool:
        """Whether t is Z[L] under the cross-entropy: σ(Z) − dZ holds only 0s and 1s (it is Y)."""
        if t.ndim != 2:
            return False
        Y = _sigmoid(t.data) - expected
        return bool(np.all(np.minimum(np.abs(Y), np.abs(Y - 1)) < 1e-8))


def _d(x: str) -> str:
    return "d" + x


def _bare(factor: str) -> str:
    """A factor without its outer brackets, to name it alone: "(1 − A1²)" -> "1 − A1²"."""
    inner = factor[1:-1]
    if factor.startswith("(") and factor.endswith(")") and "(" not in inner and " > " not in inner:
        return inner
    return factor


def _operand(expr: str) -> str:
    """expr as a factor in a product: in brackets unless it is one symbol or a call."""
    if re.fullmatch(r"[\w\[\]ᵀ′.]+", expr) or (expr.startswith("np.sum(") and expr.endswith(")")):
        return expr
    return f"({expr})"


def _primitive(fn: ops.Op | None) -> str | None:
    """ "sigmoid", "tanh" or "relu" when fn is that primitive op, else None."""
    return next((name for name, cls in _ACTIVATIONS.items() if isinstance(fn, cls)), None)


def _activation_of(Z: Tensor, A: Tensor) -> str | None:
    """Which of sigmoid, tanh, relu gives A from Z, read from the values; None if none does."""
    primitive = _primitive(A.grad_fn)
    if primitive is not None and A.parents[0] is Z:
        return primitive
    if Z.shape != A.shape:
        return None
    for name in ("sigmoid", "tanh"):
        if np.allclose(A.data, _VALUES[name](Z.data), rtol=1e-10, atol=1e-12):
            return name
    return None


# ---------------------------------------------------------------- one gradient at a time


def _values(g: np.ndarray, e: np.ndarray, m: int, role: str, tol: float) -> tuple[str, str]:
    """(cause, text) for a gradient g of the right shape against the expected e."""
    rel = relative_difference(g, e)
    if rel < tol:
        return "ok", "ok"
    if not np.isfinite(g).all():
        return "values", "wrong values: it holds NaN or inf (a log or a division of 0?)"
    ee = float(np.vdot(e, e))
    if ee == 0.0:
        return "values", "wrong values: it should be all zeros (J does not depend on it here)"
    right = "times the right value"
    named = [
        (-1.0, "sign", f"sign flipped: it is −1 {right}"),
        (float(m), "missing 1/m", f"missing the 1/m: it is m = {m} {right}"),
        (1 / m, "extra 1/m", f"an extra 1/m: it is 1/m = 1/{m} {right}"),
        (-float(m), "sign", f"sign flipped and missing the 1/m: it is −m = −{m} {right}"),
        (-1 / m, "sign", f"sign flipped and an extra 1/m: it is −1/m = −1/{m} {right}"),
    ]
    if role == "intermediate":  # no 1/m belongs in the course's dZ, dA
        named[1] = (
            float(m), "factor", f"m = {m} times the right value: an extra factor m (the course's "
            "dZ and dA are per example, with neither m nor 1/m)",
        )  # fmt: skip
        named[2] = (
            1 / m, "extra 1/m", f"an extra 1/m: it is 1/m = 1/{m} times the right value; the "
            "course's dZ and dA are per example, the 1/m enters only dW and db",
        )  # fmt: skip
    for factor, cause, text in named:
        if relative_difference(g, factor * e) < tol:
            return cause, text
    c = float(np.vdot(g, e)) / ee
    if c != 0 and relative_difference(g, c * e) < tol:
        return "factor", f"off by a constant factor: it is {c:.6g} times the right value"
    return "values", f"wrong values (relative difference {rel:.2e})"


def _compare(
    g: np.ndarray, e: np.ndarray, key: str, of: str, role: str, m: int, tol: float
) -> tuple[str, str, float]:
    """(cause, diagnosis, relative difference) for one gradient: its shape first, then values."""
    if g.shape == e.shape or (g.ndim == 0 and e.size == 1):  # db = np.sum(dZ), a number, is fine
        g = g.reshape(e.shape)
        cause, text = _values(g, e, m, role, tol)
        square = g.ndim == 2 and len(set(g.shape)) == 1
        if cause not in ("ok", "sign") and square and relative_difference(g.T, e) < tol:
            cause, text = (
                "transposed",
                f"transposed: {key}ᵀ is right ({key} is square, {_shape(g.shape)})",
            )
        return cause, text, relative_difference(g, e)
    cause, text = _shape_cause(g, e, key, of, role, m, tol)
    return cause, text, math.nan


def _shape_cause(
    g: np.ndarray, e: np.ndarray, key: str, of: str, role: str, m: int, tol: float
) -> tuple[str, str]:
    """(cause, diagnosis) for a gradient whose shape is not its tensor's."""
    shapes = f"shape {_shape(g.shape)} instead of {_shape(e.shape)}, the shape of {of}"
    if g.shape == (m, m):
        return "(m, m)", (
            f"broadcast to (m, m): {shapes}. A rank-1 array of shape (m,) = ({m},) met an (m, 1) "
            "column (or a (1, m) row met an (m,)), and numpy broadcast them into a square; keep "
            f"every array 2-D (Y.reshape(1, -1)) and check with assert d{of}.shape == {of}.shape"
        )
    if g.ndim == 2 and e.ndim == 2 and g.shape == e.shape[::-1]:
        cause, text = _values(g.T, e, m, role, tol)
        then = f"{key}ᵀ is right" if cause == "ok" else f"and transposed back, {text}"
        return "transposed", f"transposed: {shapes}; {then}"
    column = e.ndim == 2 and e.shape[1] == 1
    if column and g.shape == (e.shape[0],):
        cause, text = _values(g.reshape(e.shape), e, m, role, tol)
        then = "it is right" if cause == "ok" else text
        return "keepdims", (
            f"lost keepdims: {shapes}; np.sum over axis 1 drops that axis unless keepdims=True "
            f"(reshaped to {_shape(e.shape)}, {then})"
        )
    if column and g.shape == (e.shape[0], m):
        cause, text = _values(g.sum(axis=1, keepdims=True), e, m, role, tol)
        then = "it is right" if cause == "ok" else text
        if of.startswith("b"):
            return "not summed", (
                f"not summed over the m examples: {shapes}; db adds up dZ's m columns "
                f"(summed over axis 1, {then})"
            )
        return "not summed", (
            f"not summed over the m examples: {shapes}; a * where np.dot belongs? np.dot sums "
            f"the products over the m examples, * keeps them apart (summed over axis 1, {then})"
        )
    hint = ""
    if m in g.shape and m not in e.shape:
        hint = (
            f"; one of its axes holds the m = {m} examples, which a product over them sums "
            "away: a * where np.dot belongs, or a missing np.sum?"
        )
    return "shape", f"wrong shape: {shapes}{hint}"


# ---------------------------------------------------------------- the whole backward


class _Doctor:
    def __init__(
        self,
        graph: _Graph,
        targets: list[_Target],
        given: dict[str, np.ndarray],
        raw: Mapping[str, Any],
        params: dict[str, Tensor],
        m: int,
        tol: float,
    ) -> None:
        self.graph, self.given, self.raw, self.m, self.tol = graph, given, raw, m, tol
        self.param_index = {k: i for i, k in enumerate(params)}
        self.targets = sorted(targets, key=self._order)

    def _order(self, t: _Target) -> tuple[float, int, float]:
        """Backward's order: the linear step, intermediates before the parameters it gives."""
        g = self.graph
        if t.tensor is None:
            return (math.inf, 2, 0)
        if t.role == "intermediate":
            pos = g.pos.get(id(t.tensor))
            if pos is None:
                return (math.inf, 0, 0)
            return (g.step[id(t.tensor)], 0, pos)
        done = g.done(t.tensor)
        if done is None:
            return (math.inf, 1, self.param_index[t.of])
        return (g.step[id(g.nodes[done])], 1, self.param_index[t.of])

    def report(self) -> Report:
        findings: dict[str, Finding] = {}
        for t in self.targets:
            findings[t.key] = self._finding(t)
        report = Report(findings, self.m, self.tol)
        self._explain(report)
        return report

    def _finding(self, t: _Target) -> Finding:
        if t.tensor is None:
            return Finding(
                t.key, t.of, "data", tuple(self.given[t.key].shape), (), math.nan, "not checked",
                f"not checked: {t.of} is data (X), not computed from the parameters, so no "
                "gradient flows to it; the course computes it and never uses it",
                self.given[t.key], None,
            )  # fmt: skip
        e = self.graph.gradient(t.tensor)
        if t.role == "intermediate":
            e = e * self.m  # the course's per-example dZ, dA
        g = self.given[t.key]
        cause, text, rel = _compare(g, e, t.key, t.of, t.role, self.m, self.tol)
        return Finding(t.key, t.of, t.role, tuple(g.shape), tuple(e.shape), rel, cause, text, g, e)

    # ---- what the table alone cannot say ----
    def _explain(self, report: Report) -> None:
        tensors = {t.key: t.tensor for t in self.targets}
        first = report.first_wrong
        wrong_inter = [k for k in report.wrong if report.findings[k].role == "intermediate"]
        for key, f in report.findings.items():
            if not f.checked or f.ok:
                continue
            t = tensors[key]
            assert t is not None
            alias = self._alias(key)
            if key == first:
                f.diagnosis = self._first(f, t, report) + (f" {alias}" if alias else "")
                continue
            source = next((w for w in wrong_inter if self._feeds(t, tensors[w])), None)
            f.diagnosis += f" (follows from {source}, already wrong)" if source else ""
            f.diagnosis += f". {alias}" if alias else ""
        params_right = all(f.ok for f in report.findings.values() if f.role == "parameter")
        small = self._small_activations()
        if first is None and small:
            report.notes.append(
                f"Note: |{small[0]}| < {SMALL_Z:g} everywhere here (W = randn · 0.01 does that), "
                "where tanh and sigmoid are nearly linear and a wrong g′ (1 − Z² for 1 − A²) "
                "barely changes a gradient; check again at larger parameters (W = randn · 0.5)."
            )
        if first is not None and params_right:
            report.notes.append(
                "Every parameter gradient is right, so gradient descent gets what it needs; "
                "only intermediates differ from the course's convention or values."
            )

    def _small_activations(self) -> list[str]:
        """Names of the Z into tanh or sigmoid (the op's input, or a cache entry Z1, Z2, ...
        that feeds no relu) whose |Z| stays below SMALL_Z: there a wrong g′ cannot show."""
        g = self.graph
        Zs = [n.parents[0] for n in g.nodes if _primitive(n.grad_fn) in ("tanh", "sigmoid")]
        for n in g.nodes:
            kids = g.children.get(id(n), [])
            relu = any(_primitive(k.grad_fn) == "relu" for k in kids)
            if g.names.get(id(n), "").startswith("Z") and not relu:
                Zs.append(n)
        return [g.name(Z) for Z in Zs if float(np.max(np.abs(Z.data))) < SMALL_Z]

    def _feeds(self, t: Tensor, w: Tensor | None) -> bool:
        """Whether w's gradient flows into t's: w is computed from t."""
        if w is None:
            return False
        seen, stack = {id(t)}, [t]
        while stack:
            for k in self.graph.children.get(id(stack.pop()), []):
                if k is w:
                    return True
                if id(k) not in seen:
                    seen.add(id(k))
                    stack.append(k)
        return False

    def _alias(self, key: str) -> str:
        """A note when key's array is another key's array: an in-place change reached both."""
        mine = self.raw[key]
        if not isinstance(mine, np.ndarray):
            return ""
        for other, theirs in self.raw.items():
            if other == key or not isinstance(theirs, np.ndarray):
                continue
            if np.may_share_memory(mine, theirs):
                return (
                    f"{key} and {other} are one array in memory: changing {other} in place "
                    f"changed {key} too (relu_backward's dZ[Z <= 0] = 0 does, when dZ = dA is "
                    "not a copy); start from dZ = np.array(dA, copy=True)."
                )
        return ""

    def _first(self, f: Finding, t: Tensor, report: Report) -> str:
        """The first wrong gradient's diagnosis, with the formula between it and a right one."""
        g = self.graph
        text = f.diagnosis
        right = {
            id(x.tensor)
            for x in self.targets
            if x.tensor is not None and x.role == "intermediate" and report.findings[x.key].ok
        }
        nodes = g.chain(t, lambda n: id(n) in right)
        if nodes is not None:
            formula = g.formula(nodes)
            above = g.names[id(nodes[-1])]
            text += f". {formula} is wrong while d{above} is right"
            if f.cause == "values":
                text += self._g_prime(f, nodes)
            return text + "."
        local = g.chain(t, lambda n: id(n) in g.names)
        logit = f.role == "intermediate" and f.expected is not None
        if logit and g.is_output_logit(t, f.expected):  # type: ignore[arg-type]
            cost = ops.BinaryCrossEntropyWithLogits()
            rule = cost.describe(cost.course_rules[0], "J", [f.of, "Y"], _d)
            text += f". At the output, with the cross-entropy cost: {rule}"
        elif local is not None and f.cause != "(m, m)":
            text += f". The course: {g.formula(local)}"
        keys = list(report.findings)
        earlier = keys[: keys.index(f.key)]
        if f.cause == "values":
            ok_before = [k for k in earlier if report.findings[k].ok]
            if ok_before:
                text += f". {', '.join(ok_before)} {'is' if len(ok_before) == 1 else 'are'} right"
                text += f", so the error first appears in {f.key}"
            else:
                text += f". It is the first quantity checked, so the error is in {f.key} itself"
        if f.role == "parameter":
            inter = sorted(
                (i for i, v in g.names.items() if v not in self.param_index and i in g.pos),
                key=g.pos.__getitem__,
            )
            missing = [g.names[i] for i in inter]
            unchecked = ["d" + k for k in missing if "d" + k not in report.findings]
            if f.cause == "values" and unchecked:
                text += f"; add {', '.join(unchecked)} to grads to see which step it is"
            elif f.cause == "values" and not missing:
                text += (
                    "; to see which step of backward it is, return (J, cache) with the "
                    "intermediates Z1, A1, ... and add dZ1, dA1, ... to grads"
                )
        return text + "."

    def _g_prime(self, f: Finding, nodes: list[Tensor]) -> str:
        """The hint for g′ when the wrong gradient is dZ of an activation whose dA is right."""
        steps = self.graph.steps(nodes)
        low = steps[-1] if steps else None
        if low is None or low.activation is None or low.low is not nodes[0]:
            return ""
        act, Z, A = low.activation, low.low, low.high
        g = self.graph
        names = {"Z": g.name(Z), "A": g.name(A), "dA": "d" + g.name(A)}
        op = _ACTIVATIONS[act]()
        rhs = op.describe(op.rules[0], names["A"], [names["Z"]], _d).split(" = ", 1)[1]
        slope = _bare(rhs.replace(f"{names['dA']} ⊙ ", "", 1))
        mistakes = _MISTAKES.get(act, [])
        text = f": check g′; for {act}, g′({names['Z']}) = {slope}"
        text += _GLOSS.get(act, "").format(**names)
        if mistakes and act != "relu":
            text += ", not " + _bare(mistakes[0][0].format(**names))
        if f.given is None or f.given.shape != Z.shape:
            return text
        dA = g.gradient(A) * self.m
        for formula, value in mistakes:
            with np.errstate(all="ignore"):
                candidate = dA * value(Z.data, A.data)
            if relative_difference(f.given, candidate) < self.tol:
                return text + f" (your {f.key} is {names['dA']} ⊙ {formula.format(**names)})"
        return text


# ---------------------------------------------------------------- gradient health


def gradient_health(model: Any, X: Any, Y: Any) -> dict[int, dict[str, float]]:
    """Per layer l: ‖dW[l]‖, ‖dW[l]‖ / ‖W[l]‖ and the fraction of saturated units, for J(X, Y).

    {l: {"dW_norm": ‖dW[l]‖, "ratio": ‖dW[l]‖ / ‖W[l]‖, "saturated": fraction}}, with dW[l] =
    ∂J/∂W[l] (the 1/m inside), ‖·‖ the Frobenius norm, and the ratio inf where W[l] = 0 (week 2's
    zeros). A unit is saturated on an example
    where g′(Z) is below SATURATED = 1/10 of g's largest slope: |Z| > 3.64 for sigmoid (where
    σ′ < 0.025), |Z| > 1.82 for tanh (where tanh′ < 0.1), and Z ≤ 0 for relu and leaky_relu
    (where relu′ = 0); the fraction is over the n[l] × m values of Z[l]. This is how the first
    seed's claim shows: sigmoid's gradient vanishes at large |z|, relu's does not.

    model is an nn model (DeepNN, LogisticRegression): keys "W1".. or "w", and model.cost(X, Y).
    Nothing is stored: the parameters' .grad are left as they were.
    """
    named = dict(model.named_parameters())
    weights = {int(k[1:]): t for k, t in named.items() if k.startswith("W") and k[1:].isdigit()}
    if "w" in named:
        weights = {1: named["w"]}
    if not weights:
        raise ValueError(
            "gradient_health: the model has no weights named W1, W2, ... (or w); pass an nn "
            "model such as DeepNN or LogisticRegression"
        )
    J = model.cost(X, Y)
    grads = {id(node): g for node, g in walk(J)}
    Z_of: dict[int, Tensor] = {}
    for node in J.topological_order(everything=True):
        if isinstance(node.grad_fn, ops.Linear):
            Z_of[id(node.parents[0])] = node
    L = max(weights)
    out = {}
    for l in sorted(weights):
        W = weights[l]
        dW = np.asarray(grads.get(id(W), np.zeros(W.shape)), dtype=np.float64)
        W_norm = float(np.linalg.norm(W.data))
        dW_norm = float(np.linalg.norm(dW))
        act = model.output_activation if l == L else model.hidden_activation
        Z = Z_of.get(id(W))
        out[l] = {
            "dW_norm": dW_norm,
            "ratio": dW_norm / W_norm if W_norm > 0 else math.inf,
            "saturated": math.nan if Z is None else saturated_fraction(act, Z.data),
        }
    return out


def saturated_fraction(activation: str, Z: np.ndarray) -> float:
    """The fraction of Z's values where g′(Z) < SATURATED × max g′ (Z ≤ 0 for relu)."""
    Z = np.asarray(Z, dtype=np.float64)
    if activation == "sigmoid":
        s = _sigmoid(Z)
        flat = s * (1 - s) < SATURATED * 0.25
    elif activation == "tanh":
        flat = 1 - np.tanh(Z) ** 2 < SATURATED
    elif activation in ("relu", "leaky_relu"):
        flat = Z <= 0
    else:
        raise ValueError(
            f"saturated_fraction: unknown activation {activation!r}; use sigmoid, tanh, relu or "
            "leaky_relu"
        )
    return float(np.mean(flat)) if Z.size else 0.0
