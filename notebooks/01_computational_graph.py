# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · The computational graph
#
# *Week 2.* "The computational graph is just a sequence of mathematical operations written
# graphically." Logistic regression on **one** example $(x, y)$ is the smallest one worth
# drawing:
#
# $$
# z = wx + b, \qquad a = \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad
# \mathcal{L}(a, y) = -\big(y \log a + (1 - y) \log (1 - a)\big)
# $$
#
# Forward propagation goes left to right through it, from $x, w, b$ to the loss. Backward
# propagation goes right to left, and gives $dw = \partial \mathcal{L} / \partial w$ and
# $db = \partial \mathcal{L} / \partial b$, what gradient descent needs.

# %%
import numpy as np
from IPython.display import HTML

import tinygrad_edu.functional as F
import tinygrad_edu.viz as viz
from tinygrad_edu import Tensor, walk
from tinygrad_edu.viz.notebook import fit_width  # an SVG scaled to the notebook's width

# %% [markdown]
# ## Forward: build the graph
#
# Every quantity is a `Tensor`. The example $x$ and its label $y$ are data; $w$ and $b$ are the
# parameters we want gradients for, so they say `requires_grad=True`. Each operation on them
# records a node of the graph.

# %%
x = Tensor([[2.0]], name="x")  # one feature of one example
y = Tensor([[1.0]], name="y")  # its label: a cat
w = Tensor([[0.5]], requires_grad=True, name="w")
b = Tensor([[-1.0]], requires_grad=True, name="b")

z = (w * x + b).named("z")  # z = wx + b
a = z.sigmoid().named("a")  # a = σ(z)
L = F.binary_cross_entropy(a, y).named("L")  # L(a, y)
L  # a Tensor shows as its graph: tensors are boxes, operations are ellipses

# %% [markdown]
# Here $z = 0.5 \cdot 2 - 1 = 0$, so $a = \sigma(0) = 0.5$: the model is not sure at all, and the
# loss is $-\log 0.5 = \log 2 \approx 0.693$.
#
# ## Backward: the chain rule, one node at a time
#
# The course derives the derivatives of this graph by hand, from the loss back:
#
# $$
# da = \frac{\partial \mathcal{L}}{\partial a} = -\frac{y}{a} + \frac{1 - y}{1 - a}, \qquad
# dz = da \cdot a(1 - a) = a - y, \qquad
# dw = x \cdot dz, \qquad db = dz
# $$
#
# `backward()` applies exactly these rules, each node's rule read from its operation.
# `viz.backward_with_grads(L)` is `L.backward()` that also keeps $da$ and $dz$ on the
# intermediate nodes, so the picture can show them under each value.

# %%
viz.backward_with_grads(L)
L

# %% [markdown]
# The engine's numbers beside the course's formulas, worked out from the forward values:

# %%
av, xv, yv = a.item(), x.item(), y.item()
hand = {
    "da": -yv / av + (1 - yv) / (1 - av),
    "dz": av - yv,
    "dw": xv * (av - yv),
    "db": av - yv,
}
engine = {"da": a.grad.item(), "dz": z.grad.item(), "dw": w.grad.item(), "db": b.grad.item()}
for k in hand:
    print(f"{k} = {hand[k]:+.4f} by hand   {engine[k]:+.4f} by backward")

# %% [markdown]
# ## Backward, step by step
#
# The stepper walks the same backward pass one node at a time: **Prev / Next** (or the slider,
# or the arrow keys). At each step the highlighted node is the one backward has reached; its
# rule is printed with the shapes it multiplies, and every node already passed shows its
# gradient. (In a page without a running kernel each step is listed instead: open them one by
# one.)

# %%
viz.stepper(L)

# %% [markdown]
# ## Why a topological order
#
# Write the loss out as the formula above instead of one `binary_cross_entropy` node, and $a$
# is used **twice**: once in $\log a$ and once in $1 - a$. Its derivative is then the sum of
# what the two paths send back,
#
# $$
# da = \underbrace{-\frac{y}{a}}_{\text{through } \log a}
#    + \underbrace{\frac{1 - y}{1 - a}}_{\text{through } \log(1 - a)} ,
# $$
#
# so $da$ is complete only when **both** nodes that use $a$ have passed. Backward therefore
# visits the nodes in reverse topological order: each node after every node that uses it. Take
# a non-cat this time, $y = 0$:

# %%
y0 = Tensor([[0.0]], name="y")  # a non-cat
z = (w * x + b).named("z")
a = z.sigmoid().named("a")
log_a, log_1_a = np.log(a).named("log a"), np.log(1 - a).named("log(1 − a)")
L = (-(y0 * log_a + (1 - y0) * log_1_a)).named("L")  # the course's formula, written out

names = viz.Notation(L).labels  # what the pictures call each node
users = {id(n): [] for n in L.topological_order()}
for n in L.topological_order():
    for p in n.parents:
        users.get(id(p), []).append(names[id(n)])
for step, (node, grad) in enumerate(walk(L)):
    used_by = ", ".join(users[id(node)]) or "-"
    name = names[id(node)]
    print(f"step {step:>2}: {name:<11} used by {used_by:<18} gradient {grad.item() + 0:+.4f}")

# %% [markdown]
# Each node comes after every node that uses it: $a$ after both $\log a$ and $1 - a$, then $z$,
# and $b$ and $w$ last. The picture numbers the boxes with the same steps:

# %%
viz.backward_with_grads(L)
HTML(fit_width(viz.svg(L, steps=True, values=False, grads=False, legend=False)))

# %% [markdown]
# Had backward moved on from $a$ as soon as the $\log a$ path arrived, $da$ would have been
# $-y/a = 0$ for this non-cat, $dz$ would have been $0$, and gradient descent would never
# learn from the example. Waiting for every user of $a$ gives the full
# $da = (1 - y)/(1 - a) = 2$, and then $dz = a - y = 0.5$ as the course says:

# %%
print(f"through log a only:  da = {0 - y0.item() / a.item():+.4f}")
print(f"both paths (engine): da = {a.grad.item():+.4f},  dz = {z.grad.item():+.4f}")
print(f"course:              dz = a - y = {a.item() - y0.item():+.4f}")

# %% [markdown]
# Sorting once, then walking the sorted list backwards, is what makes this cheap: every node is
# visited once, however many paths lead through it. The next notebook does the same on
# $m$ examples at once, $Z = w^\top X + b$, where $dZ = A - Y$ comes out for all of them.
