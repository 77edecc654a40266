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
# # 04 · Deep neural network for image classification
#
# *Week 4.* An $L$-layer network stacks the same block $L$ times: from $A^{[0]} = X$,
#
# $$
# Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}, \qquad A^{[l]} = g^{[l]}(Z^{[l]}), \qquad l = 1, \dots, L,
# $$
#
# with ReLU in the hidden layers and a sigmoid at the output, $\hat{Y} = A^{[L]}$.
# $W^{[l]}$ has shape $(n^{[l]}, n^{[l-1]})$ and $b^{[l]}$ shape $(n^{[l]}, 1)$. Backward
# propagation runs the same block in reverse, from $dZ^{[L]} = A^{[L]} - Y$:
#
# $$
# \begin{aligned}
# dW^{[l]} &= \tfrac{1}{m} dZ^{[l]} A^{[l-1]\top}, &
#   db^{[l]} &= \tfrac{1}{m} \textstyle\sum_{i=1}^{m} dz^{[l](i)}, \\
# dA^{[l-1]} &= W^{[l]\top} dZ^{[l]}, &
#   dZ^{[l-1]} &= dA^{[l-1]} \odot g^{[l-1]\prime}(Z^{[l-1]})
# \end{aligned}
# $$

# %%
import numpy as np
from IPython.display import HTML, display

import tinygrad_edu.viz as viz
from tinygrad_edu import datasets, experiment_plots, experiments, nn, plots, reference
from tinygrad_edu.viz.notebook import fit_width  # an SVG scaled to the notebook's width

# %% [markdown]
# ## The data
#
# As in notebook 02: the course's cat pictures when `datasets.find_catvnoncat()` finds them,
# otherwise generated pictures of the same shapes ($X$ of shape $(12288, 209)$, 50 test
# pictures). The cell says which.


# %%
data = datasets.cats_or_cat_shaped()  # the cat files if found, else generated pictures
train_x, train_y, test_x, test_y = data.train_x, data.train_y, data.test_x, data.test_y
cat = data.cat  # the pictures themselves, with the cat files; None for the generated set
print("Data: the course's cat pictures" if cat is not None
      else "Data: generated pictures (the cat files were not found)")
print(f"train_x {train_x.shape}, test_x {test_x.shape}")

# %% [markdown]
# ## The L-layer model
#
# The course's 4-layer network, `layers_dims = [12288, 20, 7, 5, 1]`, its weights drawn as
# the assignment draws them (`np.random.seed(1)`, then `randn(n[l], n[l-1]) / sqrt(n[l-1])`
# layer by layer), biases zero:

# %%
deep = nn.DeepNN([12288, 20, 7, 5, 1], "relu", "sigmoid", init="scaled", seed=1)
for key, p in deep.named_parameters():
    print(f"{key}: {p.shape}", end="   ")

# %% [markdown]
# ## Its graph, one box per layer
#
# The full graph has a box for every $W$, $b$, $Z$ and $A$; with `collapse="layers"` each
# layer is one box holding its forward formulas, its values and, after backward, its
# gradients $dZ^{[l]}$, $dW^{[l]}$, $db^{[l]}$: the course's "building blocks" picture, drawn
# top to bottom.

# %%
J = nn.cost(deep(train_x), train_y)  # J = L(A[4], Y)
viz.backward_with_grads(J)
HTML(fit_width(viz.svg(J, collapse="layers", rankdir="TB", legend=False)))

# %% [markdown]
# Backward, one step at a time: it reaches layer 4 first and layer 1 last, and $dW^{[l]}$ and
# $db^{[l]}$ appear at the step that computes them.

# %%
viz.stepper(J, collapse="layers", rankdir="TB")

# %% [markdown]
# ## The assignment's backward, beside the engine's
#
# The assignment writes `L_model_forward` and `L_model_backward` by hand, keeping a cache per
# layer; `tinygrad_edu.reference` holds those functions. On the same parameters its $dW^{[l]}$
# agree with what backward gave the graph above, up to rounding: the relative difference
# $\lVert g - g_{\text{ref}} \rVert / (\lVert g \rVert + \lVert g_{\text{ref}} \rVert)$ is
# near $10^{-16}$ (Course 2's gradient checking calls anything below $10^{-7}$ great).

# %%
AL, caches = reference.L_model_forward(train_x, deep.state_dict())  # the course's, by hand
grads = reference.L_model_backward(AL, train_y, caches)
for l in range(1, 5):
    by_hand, engine = grads[f"dW{l}"], deep[f"W{l}"].grad
    diff = np.linalg.norm(engine - by_hand) / (np.linalg.norm(engine) + np.linalg.norm(by_hand))
    print(f"dW{l} {by_hand.shape}: relative difference {diff:.1e}")

# %% [markdown]
# ## Two layers against four
#
# The assignment trains a 2-layer network, `[12288, 7, 1]` (weights `randn * 0.01`), and the
# 4-layer one, both with $\alpha = 0.0075$ for 2500 iterations. Here 1500 iterations keep the
# notebook under a minute (the README's example runs the full 2500: with the cat pictures,
# 72 % against 80 % on the test set). Both train in single precision, `dtype="float32"`, as
# deep learning usually does: every step reads all 12288 × 209 pixels, and half the bytes
# make it faster.

# %%
X32, X32_test = train_x.astype(np.float32), test_x.astype(np.float32)
two = nn.DeepNN([12288, 7, 1], "relu", "sigmoid", init="small", seed=1, dtype="float32")
four = nn.DeepNN([12288, 20, 7, 5, 1], "relu", "sigmoid", init="scaled", seed=1, dtype="float32")
histories = {}
for name, model in (("2-layer [12288, 7, 1]", two), ("4-layer [12288, 20, 7, 5, 1]", four)):
    histories[name] = nn.fit(model, X32, train_y, learning_rate=0.0075, num_iterations=1500,
                             print_every=None, progress=False)
    print(f"{name:<29} cost {histories[name].costs[-1]:.4f}   "
          f"train {100 * nn.accuracy(model, X32, train_y):.2f} %   "
          f"test {100 * nn.accuracy(model, X32_test, test_y):.2f} %")
plots.plot_costs({k: h.costs for k, h in histories.items()}, title="cost J, α = 0.0075")

# %% [markdown]
# With the cat pictures the 4-layer network ends at the lower cost and does clearly better on
# the test pictures it has never seen (33 of the 50 are cats, so always answering "cat" would
# score 66 %). Neither curve is smooth: with a fixed $\alpha$, full-batch gradient descent
# overshoots now and then. (On the generated stand-in pictures it goes the other way: the
# 4-layer network is still on its plateau after 1500 iterations, answering "non-cat" every
# time. More layers are not better by themselves; see the hyperparameters below.)
#
# ## The pictures it gets wrong
#
# The course lists what the model finds hard: the cat's body in an unusual position, a
# background of a similar colour, an unusual colour or breed, the camera angle, the brightness,
# a cat very large or very small in the picture.

# %%
if cat is not None:
    display(plots.plot_mislabeled(cat.test_x_orig, None, test_y, four.predict(X32_test),
                                  cat.classes, max_images=10))
else:
    print("No cat pictures here (the files were not found), so no pictures to show.")

# %% [markdown]
# ## Why ReLU in the hidden layers
#
# Week 1: replacing the sigmoid by ReLU made neural networks train much faster, because the
# sigmoid's gradient is close to zero at large $|z|$. Backward multiplies by $g'(Z^{[l]})$ at
# every hidden layer, $dZ^{[l]} = dA^{[l]} \odot g'(Z^{[l]})$, and $\sigma'(z) \le \frac{1}{4}$,
# so with sigmoid hidden layers $dW^{[l]}$ shrinks layer by layer toward the input;
# $\operatorname{ReLU}'(z) = 1$ for every $z > 0$. The same 5-layer network on the week-3
# flower, from the same draws, with sigmoid or ReLU hidden layers:

# %%
act = experiments.sigmoid_vs_relu()
print(act)
experiment_plots.plot_sigmoid_vs_relu(act)

# %% [markdown]
# At initialization the first layer's gradient with sigmoid is about a three-hundredth of
# ReLU's, and in 1000 iterations the sigmoid network hardly leaves its starting cost.
#
# ## Parameters vs. hyperparameters
#
# $W^{[l]}$ and $b^{[l]}$ are parameters: gradient descent learns them. The learning rate
# $\alpha$, the number of iterations, the number of hidden layers $L$, the hidden units
# $n^{[l]}$ and the choice of activation are hyperparameters: they control how the parameters
# are learned, and you choose them. Applied deep learning is a very **empirical** process:
# try values, watch the cost, keep what works. Two sweeps on the flower, 1000 iterations each:

# %%
hyper = experiments.hyperparameters()
print(hyper)
experiment_plots.plot_hyperparameters(hyper)

# %% [markdown]
# Too small an $\alpha$ barely moves $J$; too large and $J$ oscillates ("rises" counts the
# steps that raised it) or blows up. More layers are not automatically better: on the flower,
# depth changes little, and deeper networks need their $\alpha$ tuned again.
