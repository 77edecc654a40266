"""How a picture names, scales and states each gradient: the one place that decides it.

When the graph's output is the course's cost (its op has `course_rules`: the cross-entropy
J = (1/m) Σ L over m examples), a picture shows the course's quantities, as the course writes
them: a parameter's dW, db is ∂J/∂W as backward computes it (the 1/m inside), and every
intermediate's dZ, dA is the course's per-example gradient, m · ∂J/∂Z (so dZ = A − Y at the
output). Its rules follow: (1/m) enters where a rule's target is a parameter, and at the cost
the op's own `course_rules` apply. For any other graph the gradients are the engine's own,
labelled ∂J/∂Z (with the output's name for J), and the rules are the op's plain `rules` in
that notation. Nothing here computes a gradient: the values come from the walk or from .grad.
"""

from __future__ import annotations

import re
import string
from typing import Any

from ..tensor import Tensor
from .names import labels_of, operand

_WORDS = re.compile(r"[A-Za-z]{2,}")  # prose in a rule ("over the m columns"), not a formula
_OPERATORS = ("·", "⊙", "/", "+", "−")
_COURSE_FACTOR = "(1/m) "


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as the pictures print it: (1, 400)."""
    return "(" + ", ".join(str(n) for n in shape) + ")"


def _on_data(root: Tensor) -> set[int]:
    """The ids of the nodes computed from data: a leaf without grad holding several values."""
    found: set[int] = set()
    for n in root.topological_order(everything=True):
        if any(id(p) in found or (p.is_leaf and not p.requires_grad and p.size > 1)
               for p in n.parents):  # fmt: skip
            found.add(id(n))
    return found


class Notation:
    """The names, scale and rules of the gradients in a picture of root's graph."""

    def __init__(self, root: Tensor, labels: dict[int, str] | None = None) -> None:
        if not isinstance(root, Tensor):
            raise TypeError(f"Notation: expected the graph's output J, a Tensor; got {root!r}")
        self.root = root
        self.labels = (
            labels if labels is not None else labels_of(root.topological_order(everything=True))
        )
        fn = root.grad_fn
        # the course's cost: m is the number of elements of its first input, A or Z (1, m)
        self.course = fn is not None and bool(fn.course_rules) and root.size == 1
        self.m = root.parents[0].size if self.course else 1
        self.J = self.labels[id(root)]
        self._note: str | None = None
        self._on_data = _on_data(root) if self.course else set()

    # ---- names and values ----
    def d(self, label: str) -> str:
        """The name of label's gradient: dZ[2] in the course's notation, else ∂J/∂Z[2]."""
        if self.course:
            return "d" + operand(label)
        return f"∂{operand(self.J)}/∂{operand(label)}"

    def grad_label(self, label: str, node: Tensor) -> str:
        """The label of node's gradient, node being called label in the picture."""
        return self.d(label)

    def per_example(self, node: Tensor) -> bool:
        """Whether node's gradient is shown as the course's per-example one, m · ∂J/∂node: an
        intermediate computed from the data (Z, A; not wᵀ, which comes from w alone)."""
        return id(node) in self._on_data and node is not self.root

    def grad_value(self, node: Tensor, g: Any) -> Any:
        """What the picture shows for node's gradient g = ∂J/∂node (from the walk or .grad)."""
        if g is None or not self.per_example(node):
            return g
        return g * self.m

    def factor(self, node: Tensor, target: Tensor) -> str:
        """What node's rule giving target's gradient gains in this notation: "(1/m) " where a
        per-example gradient (dZ) gives one that is not (dW, db), else nothing."""
        if self.course and self.per_example(node) and not self.per_example(target):
            return _COURSE_FACTOR
        return ""

    def note(self) -> str | None:
        """The one line that says what the gradients shown are, for a caption; None if plain."""
        if not self.course:
            return None
        if self._note is None:
            self._note = self._course_note()
        return self._note

    def _course_note(self) -> str:
        """The note under the course's cost, naming a few of this graph's own gradients."""
        inter: list[str] = []  # one per kind, in walk order: dW[l] for dW[2] and dW[1]
        params: list[str] = []
        for n in reversed(self.root.topological_order()):
            if n is not self.root:
                kind = re.sub(r"\[\d+\]$", "[l]", self.d(self.labels[id(n)]))
                group = inter if self.per_example(n) else params
                if kind not in group:
                    group.append(kind)

        def some(names: list[str]) -> str:
            return ", ".join(names[:2]) + (", …" if len(names) > 2 else "")

        J, parts = operand(self.J), []
        if inter:
            parts.append(f"{some(inter)} = m·∂{J}/∂(·), per example")
        if params:
            parts.append(f"{some(params)} = ∂{J}/∂(·), the 1/m inside")
        return f"gradients as the course writes them (m = {self.m}): " + ";   ".join(parts)

    # ---- rules ----
    def template(self, node: Tensor, i: int) -> str:
        """The op's rule for node's input i: its course_rules at the course's cost, else rules."""
        fn = node.grad_fn
        assert fn is not None, "a leaf has no rule"
        if self.course and node is self.root:
            return fn.course_rules[i]
        return fn.rules[i]

    def rule(self, node: Tensor, i: int) -> str:
        """The rule backward applies at node for its input i, in the picture's names and scale."""
        fn = node.grad_fn
        assert fn is not None, "a leaf has no rule"
        names = [self.labels[id(x)] for x in (node, *node.parents)]
        raw = {operand(x): x for x in names}  # describe passes d() the operand: d(raw name)
        out, *ins = (operand(x) for x in names)
        text = fn.describe(self.template(node, i), out, ins, lambda x: self.d(raw[x]))
        factor = self.factor(node, node.parents[i])
        if not factor:
            return text
        claim, comma, rest = text.partition(", ")  # "dZ = A − Y, with A = σ(Z)": the claim only
        return claim.replace(" = ", " = " + factor) + comma + rest

    def rule_with_shapes(self, node: Tensor, i: int) -> str:
        """rule(node, i) with the shapes it multiplies: "dW = (1/m) dZ · Aᵀ : (1, 4) = (1, 400) ·
        (400, 4)", or ": all (1, 400)" where every term has one shape; prose after it follows."""
        head, _, prose = self.rule(node, i).partition(": ")
        text = f"{head} : {self.shapes(node, i)}"
        return f"{text} — {prose}" if prose else text

    def shapes(self, node: Tensor, i: int) -> str:
        """The shapes of the rule for node's input i, read from its template: each placeholder
        by its node's shape (transposed where ᵀ follows it), scalar factors left out."""
        fn = node.grad_fn
        assert fn is not None
        of = {fn.out: node, "d" + fn.out: node}
        for arg, p in zip(fn.args, node.parents, strict=True):
            of[arg] = of["d" + arg] = p
        body = self.template(node, i).partition(": ")[0]
        parts = list(string.Formatter().parse(body))
        terms: list[tuple[tuple[int, ...], str]] = []  # (shape, the text before it)
        for k, (before, field, _, _) in enumerate(parts):
            if field is None:
                continue
            if terms[1:] and _WORDS.search(before):  # prose from here on ("back to the shape")
                break
            after = parts[k + 1][0] if k + 1 < len(parts) else ""
            shape = of[field].shape
            terms.append((shape[::-1] if after.lstrip(")").startswith("ᵀ") else shape, before))
        (target, _), rhs = terms[0], terms[1:]
        if any(len(s) for s, _ in rhs):
            rhs = [(s, b) for s, b in rhs if len(s)]  # drop scalar factors (dJ = 1)
        if all(s == target for s, _ in rhs):
            return f"all {shape_text(target)}"
        text = "Σ " if rhs and "Σ" in rhs[0][1] else ""
        for k, (s, before) in enumerate(rhs):
            if k:
                op = next((o for o in _OPERATORS if o in before), ",")
                text += f" {op} " if op != "," else ", "
            text += shape_text(s)
        return f"{shape_text(target)} = {text}"
