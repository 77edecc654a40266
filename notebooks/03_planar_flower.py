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
# # 03 · Planar data classification with one hidden layer
#
# *Week 3.* A "flower" of red ($y = 0$) and blue ($y = 1$) points in the plane: $n_x = 2$
# features, $m = 400$ examples, $X \in \mathbb{R}^{2 \times 400}$,
# $Y \in \mathbb{R}^{1 \times 400}$. No straight line separates the petals. A neural network
# with one hidden layer can learn the shape.

# %%
import numpy as np
from matplotlib.figure import Figure

from tinygrad_edu import datasets, diagnose, experiment_plots, experiments, nn, plots, viz

X, Y = datasets.planar_flower()  # the course's flower: np.random.seed(1), the same draws
print(f"X {X.shape}, Y {Y.shape}")

fig = Figure(figsize=(5, 4.2), layout="constrained")
ax = fig.add_subplot()
ax.scatter(X[0], X[1], c=Y.ravel(), s=12, cmap="Spectral", edgecolors="black", linewidths=0.3)
ax.set_title("the planar flower")
fig

# %% [markdown]
# ## Logistic regression first
#
# $A = \sigma(w^\top X + b)$ predicts blue ($y = 1$) where $w^\top x + b > 0$: on one side of
# a straight line. On the flower that cannot do much better than a coin.

# %%
logreg = nn.LogisticRegression(2)
nn.fit(logreg, X, Y, learning_rate=1.2, num_iterations=1000, print_every=None, progress=False)
accuracy = nn.accuracy(logreg, X, Y)
plots.plot_decision_boundary(logreg.predict, X, Y,
                             title=f"Logistic regression: {100 * accuracy:.0f} % correct")

# %% [markdown]
# ## A neural network with one hidden layer
#
# Four hidden units with $\tanh$, a sigmoid output; for all $m$ examples at once:
#
# $$
# Z^{[1]} = W^{[1]} X + b^{[1]}, \quad A^{[1]} = \tanh(Z^{[1]}), \quad
# Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}, \quad A^{[2]} = \sigma(Z^{[2]})
# $$
#
# with $W^{[1]}$ of shape $(4, 2)$ and $W^{[2]}$ of shape $(1, 4)$, started as small random
# numbers (the course's `np.random.randn(4, 2) * 0.01`, seed 2) and $b = 0$. The graph below is
# one forward and backward pass. Under each value is its gradient, in the course's convention:
# $dZ^{[2]} = A^{[2]} - Y$ per example, $dW$ and $db$ with the $\frac{1}{m}$ inside.

# %%
model = nn.DeepNN([2, 4, 1], "tanh", "sigmoid", init="small", seed=2)
J = nn.cost(model(X), Y)  # through A[2], as the course draws it
viz.backward_with_grads(J)
J

# %% [markdown]
# Gradient descent, $W^{[l]} := W^{[l]} - \alpha \, dW^{[l]}$, with the course's
# $\alpha = 1.2$ and 10,000 iterations (about a second):

# %%
history = nn.fit(model, X, Y, learning_rate=1.2, num_iterations=10_000,
                 print_every=None, progress=False)
history

# %%
plots.plot_decision_boundary(model.predict, X, Y,
                             title=f"Hidden layer of size 4: {100 * history.train_accuracy:.2f} %")

# %% [markdown]
# ## Tuning the hidden layer size
#
# The course trains $n^{[1]} = 1, 2, 3, 4, 5, 20, 50$ hidden units for 5000 iterations each.
# Larger models fit the training set better, until the largest start to overfit; around
# 5 units is best. The first panel is logistic regression again, "no hidden layer".

# %%
models = {"logistic regression": logreg}
for n_h in (1, 2, 3, 4, 5, 20, 50):
    net = nn.DeepNN([2, n_h, 1], "tanh", "sigmoid", init="small", seed=2)
    nn.fit(net, X, Y, learning_rate=1.2, num_iterations=5000, print_every=None, progress=False)
    models[f"n_h = {n_h}"] = net

xx, yy = np.meshgrid(np.linspace(-5, 5, 200), np.linspace(-5, 5, 200))
grid = np.stack([xx.ravel(), yy.ravel()])
fig = Figure(figsize=(12, 6.4), layout="constrained")
for k, (name, net) in enumerate(models.items()):
    ax = fig.add_subplot(2, 4, k + 1)
    ax.contourf(xx, yy, net.predict(grid).reshape(xx.shape), levels=[-0.5, 0.5, 1.5],
                cmap="Spectral", alpha=0.8)
    ax.scatter(X[0], X[1], c=Y.ravel(), s=5, cmap="Spectral")
    ax.set_title(f"{name}: {100 * nn.accuracy(net, X, Y):.2f} %", fontsize=10)
    ax.set_xticks([]), ax.set_yticks([])
fig

# %% [markdown]
# ## Activation functions and their derivatives
#
# $$
# \begin{aligned}
# \sigma(z) &= \frac{1}{1 + e^{-z}}, & \sigma'(z) &= \sigma(z)\,(1 - \sigma(z)) \\
# \tanh(z) &= \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}, & \tanh'(z) &= 1 - \tanh^2(z) \\
# \operatorname{ReLU}(z) &= \max(0, z), & \operatorname{ReLU}'(z) &= 0 \text{ for } z < 0,
#   \; 1 \text{ for } z > 0
# \end{aligned}
# $$
#
# and Leaky ReLU, $\max(0.01 z, z)$. Below, each derivative is not typed in: it is what the
# engine's backward gives for $a = g(z)$ (at $z = 0$ ReLU's is taken as 0, as in the course's
# `relu_backward`). Sigmoid's slope is at most $\frac{1}{4}$, and sigmoid's and tanh's slopes
# are near 0 when $|z|$ is large, which can slow gradient descent; ReLU's is 1 for every
# $z > 0$.

# %%
acts = experiments.activations()
print(acts)
experiment_plots.plot_activations(acts)

# %% [markdown]
# ## Why non-linear activation functions?
#
# With $g(z) = z$ in the hidden layers, the layers collapse into one:
#
# $$
# Z^{[2]} = W^{[2]}(W^{[1]} X + b^{[1]}) + b^{[2]}
#   = (W^{[2]} W^{[1]}) X + (W^{[2]} b^{[1]} + b^{[2]}) = W' X + b'
# $$
#
# However many layers, the network computes $\sigma(W' X + b')$: logistic regression. Trained
# on the flower, a $[2, 4, 4, 1]$ network with linear hidden layers ends where logistic
# regression ends, with the same straight boundary and the same $w$; one tanh layer does not.

# %%
linear = experiments.linear_activations()
print(linear)
experiment_plots.plot_linear_activations(linear)

# %% [markdown]
# ## Backpropagation by hand, and the gradient doctor
#
# For the one-hidden-layer network the course derives
#
# $$
# \begin{aligned}
# dZ^{[2]} &= A^{[2]} - Y, & dW^{[2]} &= \tfrac{1}{m} dZ^{[2]} A^{[1]\top}, &
#   db^{[2]} &= \tfrac{1}{m} \textstyle\sum_{i} dz^{[2](i)} \\
# dZ^{[1]} &= W^{[2]\top} dZ^{[2]} \odot \big(1 - (A^{[1]})^2\big), &
#   dW^{[1]} &= \tfrac{1}{m} dZ^{[1]} X^\top, &
#   db^{[1]} &= \tfrac{1}{m} \textstyle\sum_{i} dz^{[1](i)}
# \end{aligned}
# $$
#
# and the assignment asks for it as `backward_propagation`. A mistake there need not break
# anything you can see: the cost may still fall. Below is the assignment's code with one
# planted bug: $\tanh'(Z^{[1]})$ evaluated as $1 - (Z^{[1]})^2$ where $1 - (A^{[1]})^2$ belongs.


# %%
def forward_propagation(X, parameters):
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
    A2 = 1 / (1 + np.exp(-Z2))
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    return np.squeeze(-1 / m * np.sum(logprobs))


def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    A1, A2, Z1 = cache["A1"], cache["A2"], cache["Z1"]
    dZ2 = A2 - Y
    dW2 = 1 / m * np.dot(dZ2, A1.T)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(parameters["W2"].T, dZ2)
    dZ1 = dA1 * (1 - np.power(Z1, 2))  # the planted bug: Z1 where A1 belongs
    dW1 = 1 / m * np.dot(dZ1, X.T)
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dZ2": dZ2, "dA1": dA1, "dZ1": dZ1}


# %% [markdown]
# `diagnose(cost_fn, parameters, grads)` runs *your* forward pass on Tensors, lets the engine
# differentiate it, and compares your gradients with its own, one by one in the order backward
# computes them, naming the first wrong one. (Course 2's gradient checking does this with
# finite differences; the engine's gradient is exact.) Here at the trained network's
# parameters, where $|Z^{[1]}|$ is large enough for the bug to show:


# %%
def cost_fn(params):
    A2, cache = forward_propagation(X, params)
    return compute_cost(A2, Y), cache


parameters = model.state_dict()  # W1, b1, W2, b2 after training
_, cache = forward_propagation(X, parameters)
diagnose(cost_fn, parameters, backward_propagation(parameters, cache, X, Y))

# %% [markdown]
# $dZ^{[2]}$ and $dA^{[1]}$ are right, so the error is in the step between $dA^{[1]}$ and
# $dZ^{[1]}$: the derivative of tanh. $dW^{[1]}$ and $db^{[1]}$ inherit it. With
# `dZ1 = dA1 * (1 - np.power(A1, 2))` every gradient passes.
#
# ## Random initialization
#
# Initialize the weights to zeros and every hidden unit computes the same function: each
# gets the same gradient, so the same update, and they stay identical however long you
# train (the symmetry is never broken). Small random weights break it; the biases can start
# at zero. Three runs of the $[2, 4, 1]$ tanh network, from $W = 0$, from $W = 0.5$ everywhere,
# and from the course's $0.01 \cdot$ `randn`:

# %%
init = experiments.zero_vs_random_init()
print(init)
experiment_plots.plot_zero_vs_random_init(init)

# %% [markdown]
# From $W = 0$ nothing moves at all: with $\tanh(0) = 0$, $A^{[1]} = 0$, so $dW^{[2]} = 0$ and
# $dA^{[1]} = W^{[2]\top} dZ^{[2]} = 0$. From a constant the units move, but together: every
# row of $W^{[1]}$ stays equal to the others, and the network is no better than one hidden
# unit. Only the random start learns the flower.
