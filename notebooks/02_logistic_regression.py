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
# # 02 · Logistic regression with a neural network mindset
#
# *Week 2.* Logistic regression is a binary classifier: is this 64 × 64 picture a cat ($y = 1$)
# or not ($y = 0$)? A colour picture has $n_x = 64 \cdot 64 \cdot 3 = 12288$ features. The
# $m$ training examples are the columns of
#
# $$
# X = [x^{(1)}, x^{(2)}, \dots, x^{(m)}] \in \mathbb{R}^{n_x \times m}, \qquad
# Y = [y^{(1)}, y^{(2)}, \dots, y^{(m)}] \in \mathbb{R}^{1 \times m}.
# $$
#
# This notebook runs the course's own numpy code with `Tensor`s in place of arrays, so
# backward propagation is done by the engine, and checks what it finds against the hand
# derivation.

# %%
import numpy as np
from IPython.display import display
from matplotlib.figure import Figure

import tinygrad_edu.viz as viz
from tinygrad_edu import Tensor, datasets, nn, no_grad, plots

# %% [markdown]
# ## The data
#
# The course's cat / non-cat pictures are course material and not part of this repository:
# they are used when `datasets.find_catvnoncat()` finds them (put `train_catvnoncat.h5` and
# `test_catvnoncat.h5` in a folder and set `TINYGRAD_EDU_DATA` to it). Otherwise a generated
# set with the same shapes stands in: random pictures where a "cat" is slightly brighter on a
# fixed half of the pixels. The cell prints which one this run uses.


# %%
data = datasets.cats_or_cat_shaped()  # the cat files if found, else generated pictures
train_x, train_y, test_x, test_y = data.train_x, data.train_y, data.test_x, data.test_y
cat = data.cat  # the pictures themselves, with the cat files; None for the generated set
print("Data: the course's cat pictures" if cat is not None
      else "Data: generated pictures (the cat files were not found)")
n_x, m = train_x.shape
print(f"train_x {train_x.shape}, train_y {train_y.shape}, test_x {test_x.shape}, "
      f"test_y {test_y.shape}; {int(train_y.sum())} of the {m} training pictures are cats")

# %%
if cat is not None:  # a few training pictures and their labels
    fig = Figure(figsize=(10, 2.3), layout="constrained")
    for k in range(6):
        ax = fig.add_subplot(1, 6, k + 1)
        ax.imshow(cat.train_x_orig[k])
        ax.set_title(f"y = {int(train_y[0, k])}: {cat.classes[int(train_y[0, k])]}", fontsize=9)
        ax.axis("off")
    display(fig)

# %% [markdown]
# ## The model, in the course's own code
#
# $$
# Z = w^\top X + b, \qquad A = \sigma(Z) = \frac{1}{1 + e^{-Z}}, \qquad
# J = -\frac{1}{m} \sum_{i=1}^{m} \big(y^{(i)} \log a^{(i)} + (1 - y^{(i)}) \log(1 - a^{(i)})\big)
# $$
#
# `sigmoid` and `propagate` are the assignment's lines. The two lines of the assignment that
# compute `dw` and `db` by hand become `cost.backward()`: the engine records the forward pass
# (`np.dot`, `np.exp`, `np.log`, `np.sum` on Tensors) and walks it back.


# %%
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)  # compute activation
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))  # compute cost
    cost.backward()  # in place of dw = 1/m * np.dot(X, (A - Y).T), db = 1/m * np.sum(A - Y)
    grads = {"dw": w.grad, "db": b.grad}
    return grads, cost


# %% [markdown]
# ## $dZ = A - Y$: by hand and by backward
#
# The course derives the gradient by hand, one example at a time, then for all $m$ at once:
#
# $$
# da = -\frac{y}{a} + \frac{1 - y}{1 - a}, \qquad
# dz = da \cdot a(1 - a) = a - y, \qquad
# dZ = A - Y, \qquad
# dw = \frac{1}{m} X \, dZ^\top, \qquad
# db = \frac{1}{m} \sum_{i=1}^{m} dz^{(i)}
# $$
#
# Here is the assignment's own test of `propagate`, three examples. `viz.backward_with_grads`
# is backward that also keeps the gradients of the intermediates $Z$ and $A$. The engine's
# gradients are $\partial J / \partial Z$, with the $\frac{1}{m}$ of $J$ inside; the course's
# $dZ$ is per example, so $dZ = m \, \partial J / \partial Z$.

# %%
w = Tensor([[1.0], [2.0]], requires_grad=True, name="w")
b = Tensor(2.0, requires_grad=True, name="b")
X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
Y = np.array([[1.0, 0.0, 1.0]])
m = X.shape[1]
Z = np.dot(w.T, X) + b
A = sigmoid(Z)
cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
viz.backward_with_grads(cost)

a = A.data
rows = {
    "A": a,
    "Y": Y,
    "dA  by hand  -Y/A + (1-Y)/(1-A)": -Y / a + (1 - Y) / (1 - a),
    "dA  backward m ∂J/∂A": m * A.grad,
    "dZ  by hand  A - Y": a - Y,
    "dZ  backward m ∂J/∂Z": m * Z.grad,
}
for name, row in rows.items():
    print(f"{name:<34}" + "".join(f"{v:>14.6g}" for v in row.ravel()))
print(f"\ndw by hand (1/m) X dZᵀ: {(X @ (a - Y).T / m).ravel()}   backward: {w.grad.ravel()}")
print(f"db by hand (1/m) Σ dZ:  {np.sum(a - Y) / m:.6g}              backward: {b.grad:.6g}")
print(f"cost = {cost.item():.6f}   (the assignment expects dw = [0.99845601 2.39507239], "
      "db = 0.00145557813678, cost = 5.801545319394553)")

# %% [markdown]
# The second example ($y = 0$ but $a \approx 1$) has a huge $da$: the model is confidently
# wrong. The factor $a(1 - a)$ of the sigmoid cancels it, and $dz = a - y$ stays between
# $-1$ and $1$.
#
# The course's `sigmoid` written as `1 / (1 + np.exp(-z))` records four small nodes. The same
# model built with the engine's own sigmoid and cost has one node per box of the course's
# diagram, and its picture prints the gradients in the course's convention: $dZ = A - Y$ per
# example, and $dw$, $db$ with the $\frac{1}{m}$ inside.

# %%
J = nn.logistic_regression_graph(X, Y, w=[[1.0], [2.0]], b=[[2.0]])
viz.backward_with_grads(J)
J

# %% [markdown]
# ## Gradient descent
#
# $$
# w := w - \alpha \, dw, \qquad b := b - \alpha \, db
# $$
#
# The update is not part of the model, so it runs under `no_grad()`: nothing is recorded, and
# `w -= ...` changes $w$ in place, as in the course. `.grad` adds up across `backward()` calls
# (as in PyTorch), so each iteration starts by clearing it.


# %%
def optimize(w, b, X, Y, num_iterations, learning_rate):
    costs = []
    for _ in range(num_iterations):
        w.grad = b.grad = None  # a fresh dw, db for this iteration
        grads, cost = propagate(w, b, X, Y)
        with no_grad():
            w -= learning_rate * grads["dw"]
            b -= learning_rate * grads["db"]
        costs.append(cost.item())
    return costs


def predict(w, b, X):
    with no_grad():  # no graph needed to predict
        A = sigmoid(np.dot(w.T, X) + b)
    return (A.data > 0.5).astype(np.float64)


# %% [markdown]
# The course's model: $w$ and $b$ start at zero, $\alpha = 0.005$, 2000 iterations (a few
# seconds here).

# %%
w = Tensor(np.zeros((n_x, 1)), requires_grad=True, name="w")
b = Tensor(0.0, requires_grad=True, name="b")
costs = optimize(w, b, train_x, train_y, num_iterations=2000, learning_rate=0.005)

for i in (0, 100, 200, 1000, 1900):
    print(f"Cost after iteration {i}: {costs[i]:.6f}")
print(f"train accuracy: {100 * np.mean(predict(w, b, train_x) == train_y):.2f} %")
print(f"test accuracy:  {100 * np.mean(predict(w, b, test_x) == test_y):.2f} %")

# %% [markdown]
# With the cat pictures these are the assignment's numbers, cost for cost, and its 99.04 %
# and 70 %: the model fits its training set almost perfectly and does much worse on pictures
# it has not seen. It overfits.
#
# ## The cost curve
#
# The assignment plots the cost every 100 iterations, a smooth fall. Here is every iteration:
# over the first few hundred the cost jumps up and down, as each step
# overshoots along some directions of $w$, before it settles into a slow, steady fall.

# %%
plots.plot_costs({"α = 0.005": costs}, title="Learning rate = 0.005")

# %% [markdown]
# ## Choice of learning rate
#
# For gradient descent to work the learning rate $\alpha$ must be chosen well: it decides how
# fast the parameters move. Too large and the cost may oscillate up and down, or even
# diverge; too small and it takes many iterations to get anywhere. The course compares
# $\alpha = 0.01, 0.001, 0.0001$ over 1500 iterations; here 600 keep the notebook quick.
# `nn.fit` with `nn.LogisticRegression` runs the same loop: zeros, then
# $w := w - \alpha \, dw$.

# %%
runs = {}
for lr in (0.01, 0.001, 0.0001):
    model = nn.LogisticRegression(n_x)
    history = nn.fit(model, train_x, train_y, learning_rate=lr, num_iterations=600,
                     print_every=None, progress=False)
    runs[f"α = {lr}"] = history.costs
    print(f"α = {lr:<7} final cost {history.costs[-1]:.4f}   train "
          f"{100 * history.train_accuracy:.2f} %   test "
          f"{100 * nn.accuracy(model, test_x, test_y):.2f} %")
plots.plot_costs(runs, title="cost J for three learning rates")

# %% [markdown]
# The largest $\alpha$ reaches the lowest training cost, and its curve
# jumps up and down at the start before it settles. A lower cost does not mean a better
# model: compare the test accuracies, and watch for overfitting.
