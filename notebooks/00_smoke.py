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
# # 00 · The notebook tooling, in four cells
#
# A graph, backward step by step, a model trained and its learning curve: what the course's
# notebooks show. `make notebooks` runs this file and writes `out/notebooks/00_smoke.html`.

# %%
import numpy as np

import tinygrad_edu.viz as viz
from tinygrad_edu import datasets, nn

X = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.0, -1.0, 2.0], [2.0, 0.0, 1.0, -1.0]])
Y = np.array([[1.0, 0.0, 0.0, 1.0]])
J = nn.logistic_regression_graph(X, Y)  # Z = wᵀX + b,  A = σ(Z),  J = L(A, Y)
viz.backward_with_grads(J)  # backward, keeping dZ and dA on the intermediates
J  # a Tensor made by ops shows as its graph

# %% [markdown]
# Backward, one node at a time: Prev / Next (or the slider) walks the steps, each with the rule
# it applies and the shapes it multiplies.

# %%
viz.stepper(J)

# %% [markdown]
# Week 3's flower, one hidden layer of 4 tanh units: the cost falls, the bar updates in place.

# %%
X, Y = datasets.planar_flower()
model = nn.DeepNN([2, 4, 1], "tanh", "sigmoid", init="small", seed=2)
history = nn.fit(model, X, Y, learning_rate=1.2, num_iterations=2000, print_every=1000)
history  # shows as a small table

# %%
history.plot()
