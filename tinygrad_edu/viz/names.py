"""Names for the nodes the user did not name, from the graph's structure, in the course's notation.

The user's names always win (`Tensor(..., name="W[1]")`, or `t.named("Z")`, which returns t).
For the others: an activation's output is A and its input Z, numbered by depth from the data
when there are several layers (Z[1], A[1], ..., AL for the last activation's output, as nn names
them); a scalar output is J; unnamed data is X where it feeds the first product, Y where the
cost compares it with the output, else data, data2, ...; data is never called A. Any other node
is named by its op's formula with its inputs' names when that is short ("wᵀX", "wᵀ"), else by
its op and a counter ("mul1").
"""

from __future__ import annotations

import re

from .. import ops
from ..tensor import Tensor

SHORT = 12  # a name made from a formula is kept when it has at most this many characters
# one symbol, needing no brackets around it: W, A_prev, Z[2], wᵀ, or a number (2, 0.5, -1e-08)
_SIMPLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[\d+\])?ᵀ?|-?\d+(\.\d*)?(e[-+]?\d+)?")
_PRODUCTS = (ops.Matmul, ops.Linear)
_JUXTAPOSE = 4  # a product of names this short is written as the course writes it: wᵀX, W[1]X


def is_simple(label: str) -> bool:
    """Whether label reads as one symbol (Z[2], A_prev, wᵀ, 0.5), needing no brackets around it."""
    return _SIMPLE.fullmatch(label) is not None


def operand(label: str) -> str:
    """label as an operand in a formula: in brackets unless it is one symbol ("(wᵀX + b)")."""
    return label if is_simple(label) else f"({label})"


def _is_data(n: Tensor) -> bool:
    """Whether n is data: a leaf without a gradient, more than one number."""
    return n.is_leaf and not n.requires_grad and n.size > 1


def _layers(nodes: list[Tensor]) -> dict[int, int]:
    """id(node) -> the number of activations on the longest path from the data up to it."""
    depth: dict[int, int] = {}
    for n in nodes:  # parents first
        below = max((depth[id(p)] for p in n.parents), default=0)
        fn = n.grad_fn
        depth[id(n)] = below + (1 if fn is not None and fn.activation else 0)
    return depth


def _structural(nodes: list[Tensor], taken: set[str]) -> dict[int, str]:
    """The names the graph's structure gives: J, Z[l], A[l], AL, X, Y, W[l], b[l], data, data2
    (data counts past the names in taken)."""
    root, depth = nodes[-1], _layers(nodes)
    names: dict[int, str] = {}
    layer_of: dict[int, tuple[str, int]] = {}  # id -> ("Z" or "A", layer)
    for n in nodes:
        fn = n.grad_fn
        if fn is None:
            continue
        if fn.activation:
            layer_of[id(n)] = ("A", depth[id(n)])
        for p, role in zip(n.parents, fn.args, strict=True):  # the input of an activation: Z
            if role == "Z" and not _is_data(p) and not (p.grad_fn and p.grad_fn.activation):
                layer_of.setdefault(id(p), ("Z", depth[id(p)] + 1))
    L = max((layer for _, layer in layer_of.values()), default=0)
    for key, (kind, layer) in layer_of.items():
        if L <= 1:
            names[key] = kind
        else:
            names[key] = "AL" if kind == "A" and layer == L else f"{kind}[{layer}]"
    if root.grad_fn is not None and root.size == 1:
        names[id(root)] = "J"
    first_product = True
    for n in nodes:
        fn = n.grad_fn
        if fn is None:
            continue
        is_product = isinstance(fn, _PRODUCTS)
        for p, role in zip(n.parents, fn.args, strict=True):
            if not p.is_leaf or id(p) in names:
                continue
            if _is_data(p) and role == "Y":  # the labels the cost compares the output with
                names[id(p)] = "Y"
            elif _is_data(p) and is_product and first_product:
                names[id(p)] = "X"
            elif p.requires_grad and is_product and role in ("W", "b"):
                layer = depth[id(n)] + 1
                names[id(p)] = role if L <= 1 else f"{role}[{layer}]"
        if is_product and any(_is_data(p) for p in n.parents):
            first_product = False
    k = 0
    for n in nodes:
        if _is_data(n) and id(n) not in names and not n.name:
            k += 1
            name = "data" if k == 1 else f"data{k}"
            while name in taken:  # the user called something "data": count past it
                k += 1
                name = f"data{k}"
            names[id(n)] = name
    return names


def _short_formula(n: Tensor, labels: dict[int, str]) -> str:
    """The right side of n's formula with its inputs' names ("wᵀX" for wᵀ · X), maybe long."""
    fn = n.grad_fn
    assert fn is not None
    right = fn.formula.split(" = ", 1)[-1]
    ins = [labels[id(p)] for p in n.parents]
    text = fn.describe(right, "", [operand(x) for x in ins], str)
    if all(len(x) <= _JUXTAPOSE for x in ins):
        text = text.replace(" · ", "")  # the course writes a product by juxtaposition: wᵀX
    return text


def labels_of(nodes: list[Tensor]) -> dict[int, str]:
    """A label per node (nodes in topological order, the output last): the user's name, else one
    from the graph's structure (J, Z[l], A[l], AL, X, Y, data), else from its op's formula
    ("wᵀX") or its op and a counter ("mul1"); a lone number shows its value."""
    user = {id(n): n.name for n in nodes if n.name is not None and n.name}
    found = _structural(nodes, set(user.values()))
    uses: dict[str, int] = {}
    for key, found_name in found.items():
        if key not in user:
            uses[found_name] = uses.get(found_name, 0) + 1
    kept = {  # a structural name two nodes would share, or the user's already, goes to neither
        key: x
        for key, x in found.items()
        if key not in user and uses[x] == 1 and x not in user.values()
    }
    taken = set(user.values()) | set(kept.values())
    labels: dict[int, str] = {}
    counts: dict[str, int] = {}
    for n in nodes:  # parents first: a formula's name reads its inputs' labels
        key = id(n)
        name: str | None = user.get(key) or kept.get(key)
        if name is None and n.is_leaf and n.size == 1 and not n.requires_grad:
            name = f"{n.data.item():.4g}"  # a Python number lifted to a constant
        if name is None and n.grad_fn is not None:
            short = _short_formula(n, labels)
            if len(short) <= SHORT and short not in taken:
                name = short
        if name is None:
            kind = n.op or ("param" if n.requires_grad else "const")
            counts[kind] = counts.get(kind, 0) + 1
            name = f"{kind}{counts[kind]}"
            while name in taken:
                counts[kind] += 1
                name = f"{kind}{counts[kind]}"
        labels[key] = name
        taken.add(name)
    return labels
