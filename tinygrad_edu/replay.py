"""compile_step: one step of gradient descent, recorded once and replayed as plain numpy.

The cost's graph (model.cost(X, Y), or any cost of X and Y) is recorded once. The forward runs
in the graph's order and the backward in the order `walk()` gives, the course's shortcut
dZ = (1/m)(A − Y) included wherever the cost declares one; every line comes from an op's own
kernels (`forward_code`, `backward_code` in ops.py), in the graph's names (Z[1] -> Z1, its
gradient dZ1). The result is a Python program, `step.source`, that writes into arrays made once
(out=), holds its numbers as 0-d arrays made once and X in Fortran order (OpenBLAS multiplies
by X, and by Xᵀ, faster so), and updates the parameters in place; compile() turns that very
text into the functions the step calls. Before the first step the
program runs once and is checked against the engine's own values and gradients.
"""

from __future__ import annotations

import ast
import itertools
import keyword
import linecache
import re
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np

from . import ops, optim
from .arguments import number
from .tensor import Tensor, enable_grad, walk

SECTIONS = {  # the program's functions, in the course's names, and what each does
    "load_data": "What depends on X and Y alone: run once, and again for new data.",
    "forward_propagation": "From X to the cost J.",
    "backward_propagation": "From dJ = 1 back to every parameter's gradient, as walk() orders it.",
    "update_parameters": "W = W - learning_rate dW for every parameter, in place.",
}
_WORDS = {0.0: "zero", 1.0: "one", 2.0: "two"}  # names of the numbers kernels use most
_MISSING = object()
_counter = itertools.count(1)


def _refuse(message: str) -> ValueError:
    return ValueError(f"compile_step: {message}")


def _identifier(name: str) -> str:
    """A Python name for a graph name: "Z[1]" -> "Z1", "A_prev" stays, "1x" -> "t_1x"."""
    ident = re.sub(r"\W", "", name) or "t"
    return ident if ident.isidentifier() and not keyword.iskeyword(ident) else "t_" + ident


def _layer(t: Tensor) -> str:
    """The layer in a name like "Z[2]" ("2"), or ""."""
    found = re.search(r"\[(\w+)\]$", t.name or "")
    return found.group(1) if found else ""


def _is_number(node: ast.expr) -> bool:
    """Whether node is a number, or arithmetic on numbers alone (as -1 / 400)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _is_number(node.operand)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        return _is_number(node.left) and _is_number(node.right)
    return False


def _does_nothing(call: ast.Call) -> bool:
    """np.multiply(1, x, out=x): what dJ = 1 makes of a cost's `dJ * ...`, folded away."""
    out = [k.value for k in call.keywords if k.arg == "out"]
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "multiply"):
        return False
    if len(call.args) != 2 or len(out) != 1 or not isinstance(out[0], ast.Name):
        return False
    one = any(isinstance(a, ast.Constant) and a.value == 1 for a in call.args)
    return one and any(isinstance(a, ast.Name) and a.id == out[0].id for a in call.args)


class _Names:
    """Python names in the program, each given once: a second "Z1" becomes "Z1_2"."""

    def __init__(self) -> None:
        self.used = {"np", "float", "step", "X", "Y", *SECTIONS, *dir(__builtins__)}

    def fresh(self, name: str) -> str:
        base = out = _identifier(name)
        for k in itertools.count(2):
            if out not in self.used:
                break
            out = f"{base}_{k}"
        self.used.add(out)
        return out


class _Fill(dict[str, str]):
    """The names a kernel's template is filled with. {m}, the scratch arrays and the op's own
    numbers (its attributes, or its module's constants) are found when a template asks."""

    def __init__(self, program: _Program, node: Tensor, names: dict[str, str]) -> None:
        super().__init__(names)
        self.program, self.node = program, node

    def __missing__(self, key: str) -> str:
        fn = self.node.grad_fn
        assert fn is not None
        if key in fn.scratch or key in fn.masks:
            return self.program.scratch(self.node, key)
        if key == "m":
            first = self.node.parents[0]
            note = f"the size of {self.program.name[id(first)]}"
            self.program.hints.setdefault(float(first.size), ("m", note))
            return repr(first.size)
        value = getattr(fn, key, getattr(sys.modules[type(fn).__module__], key, _MISSING))
        if value is _MISSING:
            raise RuntimeError(
                f"tinygrad_edu internal error: a replay kernel of '{fn.name}' names {{{key}}}, "
                "which is neither one of its arrays nor a value it holds"
            )
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.program.hints.setdefault(float(value), (key, f"{fn.name}'s {key}"))
        return repr(value)


class _Program:
    """The program's lines, section by section, and the arrays and numbers it names."""

    def __init__(self) -> None:
        self.names = _Names()
        self.name: dict[int, str] = {}  # id(tensor) -> its name in the program
        self.arrays: dict[str, tuple[tuple[int, ...], np.dtype]] = {}  # made by the program
        self.given: dict[str, np.ndarray] = {}  # bound before it runs: data, parameters, constants
        self.numbers: dict[tuple[float, str], str] = {}  # (value, dtype) -> name
        self.number_lines: list[str] = []
        self.hints: dict[float, tuple[str, str]] = {}  # value -> (name, note) for a number
        self.lines: dict[str, list[str]] = {s: [] for s in SECTIONS}
        self._scratch: dict[tuple[int, str], str] = {}

    def array(self, base: str, shape: tuple[int, ...], dtype: np.dtype) -> str:
        """A new array the program makes once, named after base."""
        name = self.names.fresh(base)
        self.arrays[name] = (tuple(shape), np.dtype(dtype))
        return name

    def scratch(self, node: Tensor, key: str) -> str:
        """The op's scratch array `key` at this node: shaped like its output, or like its first
        input when the output is a number (a cost)."""
        if (id(node), key) not in self._scratch:
            fn = node.grad_fn
            assert fn is not None
            like = node if node.ndim else node.parents[0]
            dtype = np.dtype(bool) if key in fn.masks else node.dtype
            layer = _layer(node) or _layer(node.parents[0])
            self._scratch[id(node), key] = self.array(key + layer, like.shape, dtype)
        return self._scratch[id(node), key]

    def number(self, value: float, dtype: np.dtype, text: str = "") -> str:
        """The name of a 0-d array holding value in dtype, made once: numpy would convert a
        Python number at every call (rounding it to the dtype as this array does)."""
        key = (float(value), np.dtype(dtype).str)
        if key not in self.numbers:
            base, note = self.hints.get(float(value), (_WORDS.get(float(value), "k"), text))
            name = self.numbers[key] = self.names.fresh(base)
            literal = repr(float(value)) if np.isfinite(value) else f'float("{value}")'
            kind = "" if np.dtype(dtype) == np.float64 else f", np.{np.dtype(dtype).name}"
            note = f"  # {note}" if note and note != repr(value) else ""
            self.number_lines.append(f"{name} = np.array({literal}{kind}){note}")
        return self.numbers[key]

    def emit(self, section: str, comment: str, code: tuple[str, ...], names: _Fill) -> None:
        """A kernel's statements, filled with the node's names, under a comment."""
        body = [f"# {comment}"] if comment else []
        for template in code:
            statement = self.fold(template.format_map(names), names.node.dtype)
            if statement is not None:
                body.append(statement)
        self.lines[section] += body

    def fold(self, text: str, dtype: np.dtype) -> str | None:
        """The statement with its numbers as named 0-d arrays; None when it does nothing."""
        tree = ast.parse(text)
        statement = tree.body[0] if len(tree.body) == 1 else None
        if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
            raise RuntimeError(f"tinygrad_edu internal error: a kernel is not one call: {text}")
        call = statement.value
        if _does_nothing(call):
            return None
        for i, a in enumerate(call.args):
            if _is_number(a):  # computed once, in Python floats, as numpy receives them
                value = eval(ast.unparse(a), {"__builtins__": {}})  # numbers and + - * / only
                call.args[i] = ast.Name(self.number(value, dtype, ast.unparse(a)), ast.Load())
        return ast.unparse(tree)


def _data(what: str, value: Any, dtype: np.dtype) -> np.ndarray:
    """X or Y as an array of the model's dtype: shared when it is one already."""
    a = np.asarray(value.data if isinstance(value, Tensor) else value)
    if a.dtype.kind not in "biuf" or a.dtype == np.float16:
        raise _refuse(f"{what} has dtype {a.dtype}; pass numbers, as float64 or float32")
    return a.astype(dtype, copy=False)


def compile_step(
    model: Any, X: Any, Y: Any, optimizer: Any = None, learning_rate: float = 0.0075,
    cost: Callable[[Any, Any], Tensor] | None = None,
) -> CompiledStep:  # fmt: skip
    """One step of gradient descent on (X, Y), recorded once and replayed as numpy.

    `step()` takes a step and returns the cost J computed before it; `step(X=..., Y=...)` first
    copies new data of the same shape and dtype in; `step.source` is the program it runs, and
    `step.grads` the last step's gradients ("dW1", ...). cost(X, Y) gives the J to train on:
    model.cost by default (the sigmoid fused into the cross-entropy); for the README loop's
    graph, cost=lambda X, Y: F.binary_cross_entropy(model(X), Y). optimizer is None (gradient
    descent with learning_rate) or an optim.GradientDescent: other optimizers are refused.
    The step reads X in Fortran order: an X that is one (np.asfortranarray(X)) is used as it is
    (and changes to it are seen), any other is copied once.
    """
    if optimizer is None:
        lr = number("compile_step", "learning_rate", learning_rate)
        optimizer = optim.GradientDescent(model.parameters(), lr)
    elif type(optimizer) is not optim.GradientDescent:
        raise _refuse(
            "only plain gradient descent is replayed (optimizer=None or optim.GradientDescent), "
            f"not {type(optimizer).__name__}; train with nn.fit(..., optimizer=...) without replay"
        )
    dtype = np.dtype(getattr(model, "dtype", np.float64))
    Xd, Yd = _data("X", X, dtype), _data("Y", Y, dtype)
    with enable_grad():
        J = (cost or model.cost)(Xd, Yd)
    if not isinstance(J, Tensor) or J.size != 1 or not J.requires_grad:
        raise _refuse(
            "the cost must be one number (a Tensor of size 1) made from the model's parameters; "
            f"got {type(J).__name__} {getattr(J, 'shape', '')}"
        )
    made = "model.cost(X, Y)" if cost is None else f"{getattr(cost, '__name__', 'cost')}(X, Y)"
    keys = {id(p): k for k, p in model.named_parameters()}
    return _Recorder(J, keys, Xd, Yd).compile(optimizer, f"{model!r}, from {made}")


class _Recorder:
    """Writes the program of one recorded graph."""

    def __init__(self, J: Tensor, keys: dict[int, str], X: np.ndarray, Y: np.ndarray) -> None:
        self.J, self.keys, self.X, self.Y = J, keys, X, Y
        self.p = _Program()
        self.stage: dict[int, int] = {}  # 0: a constant; 1: from X, Y alone; 2: from a parameter
        self.params: list[Tensor] = []
        self.grad: dict[int, str] = {}  # id(tensor) -> the name of its gradient
        self.made_by: dict[int, list[str]] = {}  # id(tensor) -> the ops that gave its gradient
        self.checks: list[tuple[str, np.ndarray, str]] = []  # (name, engine's value, made by)
        self.owned: set[str] = set()  # X when the program reads a copy of it

    def compile(self, opt: optim.GradientDescent, description: str) -> CompiledStep:
        self._forward()
        self._backward()
        updated = [t for t in opt.params if id(t) in self.made_by]  # the others get no step
        self._update(updated, opt.lr)
        p, order = self.p, list(self.keys)
        self.params.sort(key=lambda t: order.index(id(t)))  # the model's order: W1, b1, W2, ...
        params = [(self.keys[id(t)], t, p.given[p.name[id(t)]]) for t in self.params]
        grads = {
            "d" + self.keys[id(t)]: self.grad[id(t)] for t in self.params if id(t) in self.grad
        }
        step = CompiledStep(self._source(description), p.given, params, grads, p.name[id(self.J)])
        step._owned = self.owned
        step._updated = updated  # an update in place is a change of W: each step counts it
        step._check(self.checks)
        return step

    # ---- forward: the graph's order; its leaves are X, Y, the parameters and constants
    def _forward(self) -> None:
        p = self.p
        for node in self.J.topological_order(everything=True):
            fn = node.grad_fn
            if fn is None:
                self._leaf(node)
                continue
            stage = self.stage[id(node)] = max(self.stage[id(q)] for q in node.parents)
            if stage == 0:  # made of constants alone: folded to its value
                p.name[id(node)] = self._constant(node)
                continue
            if fn.forward_code is None:
                raise _refuse(
                    f"the op '{fn.name}' has no replay kernel; train with the ordinary loop"
                )
            base = node.name or ("J" if node is self.J else fn.out)
            p.name[id(node)] = p.array(base, node.shape, node.dtype)
            names = self._names(node)
            section = "load_data" if stage == 1 else "forward_propagation"
            p.emit(section, fn.formula.format(**names), fn.forward_code, _Fill(p, node, names))
            self.checks.append((p.name[id(node)], node.data, f"the forward of '{fn.name}'"))

    def _leaf(self, t: Tensor) -> None:
        p = self.p
        if id(t) in self.keys:
            self.stage[id(t)] = 2
            if not t.data.flags.writeable:  # updated in place: it gets an array of its own
                t.data = t.data.copy()
            p.name[id(t)] = p.names.fresh(self.keys[id(t)])
            p.given[p.name[id(t)]] = t.data
            self.params.append(t)
        elif t.data is self.X or t.data is self.Y:
            role = "X" if t.data is self.X else "Y"
            self.stage[id(t)], p.name[id(t)] = 1, role
            if role in p.given:  # another Tensor of the same data
                return
            p.given[role] = t.data
            if role == "X" and not t.data.flags.f_contiguous:  # faster products with X and Xᵀ
                self.owned.add("X")
                p.given["X"] = np.asfortranarray(t.data)
        elif t.requires_grad:
            raise _refuse(
                f"the cost reads {t.name or 'a tensor'} of shape {t.shape}, which requires grad "
                "but is not one of the model's parameters; make it one, or a constant"
            )
        else:
            self.stage[id(t)] = 0
            p.name[id(t)] = self._constant(t)

    def _constant(self, t: Tensor) -> str:
        """A constant of the graph: a number made once, or an array given to the program."""
        if t.ndim == 0:
            return self.p.number(float(t.data), t.dtype)
        name = self.p.names.fresh(t.name or "C")
        self.p.given[name] = t.data.copy()
        return name

    def _names(self, node: Tensor, d_out: str | None = None) -> dict[str, str]:
        """The node's names for its op's templates: its own, its inputs', its gradient's."""
        fn = node.grad_fn
        assert fn is not None
        names = {fn.out: self.p.name[id(node)]}
        names.update((a, self.p.name[id(q)]) for a, q in zip(fn.args, node.parents, strict=True))
        if d_out is not None:
            names["d" + fn.out] = d_out
        return names

    # ---- backward: walk()'s order, each op's VJP kernel into its inputs' gradients
    def _backward(self) -> None:
        steps = list(walk(self.J, shortcut=True))  # the engine's own backward, once
        reached = {id(n) for n, _ in steps}
        for node, g in steps:
            if node is not self.J:
                by = " and ".join(f"'{op}'" for op in self.made_by[id(node)])
                self.checks.append((self.grad[id(node)], g, f"the backward of {by}"))
            fn = node.grad_fn
            if fn is None:
                continue
            A = node.parents[0]
            if fn.through is not None and A.requires_grad and id(A) not in reached:
                assert isinstance(A.grad_fn, fn.through)  # only the shortcut skips an input
                Z, dZ = A.parents[0], "d" + fn.through.args[0]  # the walk's shortcut: dZ
                self._give(node, Z, dZ, Z.shape, fn.through_code, fn.through_rule)  # from the cost
                continue
            raw = fn.backward(g, node.data, *[q.data for q in node.parents])  # their shapes
            for i, (arg, q) in enumerate(zip(fn.args, node.parents, strict=True)):
                gq = raw[i]
                if not q.requires_grad or gq is None:
                    continue
                code = fn.backward_code[i] if i < len(fn.backward_code) else None
                if code is None:
                    raise _refuse(
                        f"the op '{fn.name}' has no replay kernel for the gradient of its input "
                        f"{arg}; train with the ordinary loop"
                    )
                self._give(node, q, "d" + arg, gq.shape, code, fn.rules[i])

    def _gradient(self, t: Tensor) -> str:
        if id(t) not in self.grad:
            self.grad[id(t)] = self.p.array("d" + self.p.name[id(t)], t.shape, t.dtype)
        return self.grad[id(t)]

    def _give(
        self, node: Tensor, q: Tensor, d_arg: str, shape: tuple[int, ...], code: tuple[str, ...],
        rule: str,
    ) -> None:  # fmt: skip
        """The code that adds node's share to q's gradient as the walk adds it: summed back over
        what the op broadcast, added to what q's other users gave."""
        p, d = self.p, self._gradient(q)
        first = id(q) not in self.made_by
        out = d if first and shape == q.shape else p.array(d + "_part", shape, q.dtype)
        fn = node.grad_fn
        assert fn is not None
        d_node = "1.0" if node is self.J else self.grad[id(node)]  # dJ/dJ = 1, folded
        words = self._names(node, "d" + p.name[id(node)] if node is self.J else d_node)
        words.update(("d" + a, self.grad.get(id(r), "d" + p.name[id(r)]))
                     for a, r in zip(fn.args, node.parents, strict=True))  # fmt: skip
        words[d_arg] = d
        names = self._names(node, d_node)
        names[d_arg] = out
        p.emit("backward_propagation", rule.format(**words), code, _Fill(p, node, names))
        if shape != q.shape:  # the op broadcast q: its share is summed back to q's shape
            lead = len(shape) - q.ndim
            total = d if first else p.array(d + "_sum", q.shape, q.dtype)
            into = f"{total}.reshape({(1,) * lead + q.shape})" if lead else total
            p.lines["backward_propagation"] += [
                f"# {d}: {out} summed over the axes {p.name[id(q)]} was broadcast along",
                f"{out}.sum(axis={ops.summed_axes(q.shape, shape)}, keepdims=True, out={into})",
            ]
            out = total
        if not first:  # q is used more than once: the shares add up
            p.lines["backward_propagation"] += [
                f"# {d} adds this share to the other users' of {p.name[id(q)]}",
                f"np.add({d}, {out}, out={d})",
            ]
        self.made_by.setdefault(id(q), []).append(fn.name)

    # ---- the update, and the text
    def _update(self, updated: list[Tensor], lr: float) -> None:
        p = self.p
        for t in updated:
            W, dW = p.name[id(t)], self.grad[id(t)]
            p.hints.setdefault(float(lr), ("learning_rate", "α"))
            step = p.array("lr_" + dW, t.shape, t.dtype)
            p.lines["update_parameters"] += [
                f"# {W} = {W} − learning_rate {dW}",
                p.fold(f"np.multiply({lr!r}, {dW}, out={step})", t.dtype) or "",
                f"np.subtract({W}, {step}, out={W})",
            ]

    def _source(self, description: str) -> str:
        p = self.p
        shape = {n: tuple(a.shape) for n, a in p.given.items()}
        params = [p.name[id(t)] for t in self.params]
        others = [n for n in p.given if n not in params and n not in ("X", "Y")]
        given = " and ".join(f"{n} {shape[n]}" for n in ("X", "Y") if n in shape) + " the data"
        given += " (X in Fortran order, copied once); " if "X" in self.owned else "; "
        given += ", ".join(f"{n} {shape[n]}" for n in params) + " the parameters, changed in place"
        given += "".join(f"; {n} {shape[n]} a constant" for n in others)
        text = (
            f"One step of gradient descent for {description}, replayed: the forward pass, the "
            "course's backward pass and the update, as numpy calls writing into arrays made once "
            f"(out=). Written by tinygrad_edu.compile_step from the graph. Given: {given}."
        )
        text = re.sub(r"\([\d, ]*\)", lambda s: s.group(0).replace(" ", "\0"), text)
        head = [h.replace("\0", " ") for h in textwrap.wrap(text, width=96)]  # shapes unbroken
        lines = [*(f"# {h}" for h in head), "import numpy as np", ""]
        if p.number_lines:
            lines += ["# numbers as 0-d arrays made once (numpy converts a Python number at "
                      "every call)", *p.number_lines, ""]  # fmt: skip
        lines.append("# the arrays the step writes into, made once")
        for name, (dims, dtype) in p.arrays.items():
            kind = {"float64": "", "bool": ", bool"}.get(dtype.name, f", np.{dtype.name}")
            lines.append(f"{name} = np.empty({dims}{kind})")
        for section, doc in SECTIONS.items():
            if p.lines[section]:
                lines += ["", "", f"def {section}():", f'    """{doc}"""']
                lines += [f"    {line}" for line in p.lines[section]]
        J = p.name[id(self.J)]
        lines += ["", "", "def step():",
                  '    """One step: returns the cost J of the parameters before the update."""',
                  "    forward_propagation()", "    backward_propagation()",
                  "    update_parameters()", f"    return {J}.item()", ""]  # fmt: skip
        return "\n".join(lines)


class CompiledStep:
    """One step of gradient descent, replayed: step(), or step(X=..., Y=...) with new data of
    the same shape and dtype; step.source is the program it runs, step.grads its gradients."""

    def __init__(
        self, source: str, given: dict[str, np.ndarray],
        params: list[tuple[str, Tensor, np.ndarray]], grads: dict[str, str], cost: str,
    ):  # fmt: skip
        self.source = source
        self._file = f"<compile_step {next(_counter)}>"  # tracebacks show the program's lines
        linecache.cache[self._file] = (len(source), None, source.splitlines(True), self._file)
        self._ns: dict[str, Any] = {"np": np, **given}
        exec(compile(source, self._file, "exec"), self._ns)  # the code shown is the code run
        self._params = params
        self._grads, self._cost = grads, cost
        self._updated: list[Tensor] = []  # the parameters it updates in place
        self._owned: set[str] = set()  # X, Y once new data was copied into arrays of its own
        self._step: Callable[[], float] = self._ns["step"]

    def __call__(self, X: Any = None, Y: Any = None) -> float:
        """One step of gradient descent; returns the cost J computed before the update."""
        if X is not None or Y is not None:
            self.load(X, Y)
        self._sync()
        J = self._step()
        for t in self._updated:  # in place, as `W.data -= ...`: a graph that read W sees it
            t.changed_in_place()
        return J

    def gradients(self) -> float:
        """Forward and backward without the update: the cost J, and the gradients in `grads`."""
        self._sync()
        self._ns["forward_propagation"]()
        self._ns["backward_propagation"]()
        return float(self._ns[self._cost].item())

    def update(self) -> None:
        """W = W - learning_rate dW for every parameter, in place, from the last gradients()."""
        self._sync()
        self._ns["update_parameters"]()
        for t in self._updated:
            t.changed_in_place()

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """The last step's gradients under the course's keys ("dW1", "db1", ...): the step's own
        arrays, written again at the next step (copy them to keep them)."""
        return {key: self._ns[name] for key, name in self._grads.items()}

    def load(self, X: Any = None, Y: Any = None) -> None:
        """Copy new data into the step's arrays: the shape and dtype it was compiled for."""
        changed = False
        for role, new in (("X", X), ("Y", Y)):
            if new is None:
                continue
            a = new.data if isinstance(new, Tensor) else np.asarray(new)
            cur = self._ns.get(role)
            if cur is None:
                raise _refuse(
                    f"the cost does not read {role} as it was given (it copies or casts it, or "
                    f"ignores it), so new {role} cannot reach it; give the cost {role} itself"
                )
            if a is cur:
                continue
            if a.shape != cur.shape:
                raise _refuse(
                    f"{role} has shape {a.shape} but this step was compiled for {role} of shape "
                    f"{cur.shape}; compile a step for the new shape (nn.compile_step)"
                )
            if a.dtype != cur.dtype:
                raise _refuse(
                    f"{role} is {a.dtype} but this step was compiled for {cur.dtype} data (a cast "
                    f"would copy it at every step); pass {role}.astype(np.{cur.dtype})"
                )
            if role not in self._owned:  # the first new data: an array of its own, made once
                self._ns[role] = cur = np.empty_like(cur)  # in cur's layout
                self._owned.add(role)
            np.copyto(cur, a)
            changed = True
        if changed and "load_data" in self._ns:
            self._ns["load_data"]()

    def _sync(self) -> None:
        """A parameter given a new array since (W.data = ..., load_state_dict, fit putting
        values back) has its values copied into the step's array, which it holds again."""
        for key, t, a in self._params:
            if t.data is not a:
                new = t.data
                if new.shape != a.shape or new.dtype != a.dtype:
                    raise _refuse(
                        f"{key} is {new.dtype} {new.shape} now, but this step was compiled for "
                        f"{a.dtype} {a.shape}; compile the step again"
                    )
                np.copyto(a, new)
                t.data = a

    def _check(self, checks: list[tuple[str, np.ndarray, str]]) -> None:
        """Run the program once, without the update, against the engine's own values."""
        try:
            if "load_data" in self._ns:
                self._ns["load_data"]()
            self.gradients()
        except (ValueError, TypeError) as e:  # numpy refuses a kernel here: name its line
            tb, line = e.__traceback__, "?"
            while tb is not None:
                if tb.tb_frame.f_code.co_filename == self._file:
                    line = linecache.getline(self._file, tb.tb_lineno).strip()
                tb = tb.tb_next
            raise _refuse(
                f"the replay kernel `{line}` does not fit this graph ({e}); train with the "
                "ordinary loop"
            ) from None
        for name, expected, by in checks:  # a wrong kernel is off by far more than rounding
            got = self._ns[name]
            tol = float(np.sqrt(np.finfo(got.dtype).eps))  # 1.5e-8 in float64, 3.5e-4 in float32
            scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
            if got.shape != np.shape(expected) or not np.allclose(
                got, expected, rtol=tol, atol=tol * scale, equal_nan=True
            ):
                raise RuntimeError(
                    f"tinygrad_edu internal error: the replay's {name} differs from the engine's "
                    f"(from {by}); train with the ordinary loop (nn.fit without replay)"
                )

    def __repr__(self) -> str:
        first = self.source.splitlines()[0].removeprefix("# ")
        return f"<CompiledStep: {first} ... (print(step.source) for the program)>"
