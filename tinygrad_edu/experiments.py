"""The course notes' own experiments, one function each, returning the numbers that show the claim.

Each function runs in a second or two with its defaults (full-batch gradient descent on the
week-3 flower, X (2, 400), Y (1, 400), fewer iterations than the course's 10,000) and returns a
small dataclass: a notebook prints it (its repr is a short table), a test asserts on its fields,
and tinygrad_edu.experiment_plots draws it.

    activations()            §3.2, §3.4: g(z) and g'(z) for sigmoid, tanh, relu, leaky relu,
                             g'(z) from the engine's backward, with each op's own rule
    linear_activations()     §3.3: with g[l](z) = z in every hidden layer, a deep net is
                             logistic regression: Z[L] = (W[L] ... W[1]) X + b_eff
    zero_vs_random_init()    §3.7: from W = 0 every hidden unit stays identical; small random W
                             breaks the symmetry; b = 0 is fine
    sigmoid_vs_relu()        week 1: sigmoid's slope is at most 1/4 and near 0 at large |z|, so
                             dW[l] shrinks toward the input; relu's is 1 for z > 0, it trains faster
    hyperparameters()        §4.5: learning-rate and depth sweeps; applied deep learning is
                             an empirical process
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import datasets, nn
from .arguments import count, number
from .report import text_table
from .tensor import Tensor, enable_grad, no_grad

__all__ = [
    "activations", "linear_activations", "zero_vs_random_init", "sigmoid_vs_relu",
    "hyperparameters", "slope", "LinearHiddenNN", "ACTIVATION_NAMES",
]  # fmt: skip

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")


def _table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A few aligned lines under a title: what a result's repr shows in a notebook."""
    table = text_table([str(c) for c in header], [[str(c) for c in row] for row in rows])
    return "\n".join([title, *(ln for k, ln in enumerate(table.splitlines()) if k != 1)])


def _flower(dataset: str) -> datasets.Data:
    return datasets.load_data(dataset)


def _fit(model: nn.Module, X: np.ndarray, Y: np.ndarray, lr: float, n: int) -> nn.History:
    """nn.fit, quiet: no progress bar, no "Cost after iteration" lines."""
    return nn.fit(model, X, Y, learning_rate=lr, num_iterations=n, print_every=None, progress=False)


# ---------------------------------------------------------------- 1. §3.2, §3.4 activations


def slope(name: str, z: np.ndarray) -> np.ndarray:
    """g'(z) by the engine: Z = Tensor(z), A = g(Z), backward from dA = 1 gives dZ = 1 ⊙ g'(Z)."""
    Z = Tensor(np.asarray(z, dtype=np.float64), requires_grad=True, name="Z")
    with enable_grad():  # records even when called inside no_grad()
        A = nn.activation(name, Z)
    A.backward(np.ones_like(A.data))
    assert Z.grad is not None
    return np.asarray(Z.grad)


@dataclass(repr=False)
class Activations:
    """g(z) and g'(z) on a grid of z, both from the engine, with each op's formula and rule."""

    z: np.ndarray  # (k,), the grid; it holds z = 0, where relu' and leaky' take 0 and 0.01
    values: dict[str, np.ndarray]  # g(z), from the engine's forward
    derivatives: dict[str, np.ndarray]  # g'(z), from the engine's backward
    formulas: dict[str, str]  # "a = σ(z)": the op's own formula
    rules: dict[str, str]  # "dz = da ⊙ a(1 − a)": the op's own backward rule

    @property
    def largest_slope(self) -> dict[str, float]:
        """max g'(z) over the grid: 1/4 for sigmoid, 1 for the others."""
        return {k: float(d.max()) for k, d in self.derivatives.items()}

    @property
    def edge_slope(self) -> dict[str, float]:
        """g'(z) at the grid's largest |z|: sigmoid's and tanh's are near 0 there (week 1)."""
        return {k: float(max(d[0], d[-1])) for k, d in self.derivatives.items()}

    def summary(self) -> str:
        rows = [
            (
                k,
                f"{self.largest_slope[k]:.4g}",
                f"{self.edge_slope[k]:.3g}",
                self.rules[k],
            )
            for k in self.derivatives
        ]
        z_max = float(np.abs(self.z).max())
        return _table(
            f"activations on {self.z.size} points of z in [{-z_max:g}, {z_max:g}]",
            ("g", "max g'", f"g'(±{z_max:g})", "backward rule"),
            rows,
        )

    __repr__ = summary


def activations(z_max: float = 6.0, points: int = 241) -> Activations:
    """§3.2 and §3.4: the four activations and their derivatives on z in [−z_max, z_max].

    The derivatives come from the engine's backward (slope()), and the formulas and rules from
    the ops themselves (the tests check them against the course's closed forms). σ' is at
    most 1/4 and, like tanh', near 0 at large |z| (σ'(6) ≈ 0.0025): the slow learning week 1
    blames on sigmoid. An odd `points` puts z = 0 on the grid.
    """
    z_max = number("activations", "z_max", z_max)
    if count("activations", "points", points, "how many z on the grid") < 2:
        raise ValueError(f"activations: points = {points}; use at least 2")
    z = np.linspace(-z_max, z_max, points)
    values, derivatives, formulas, rules = {}, {}, {}, {}
    for name in ACTIVATION_NAMES:
        with enable_grad():
            A = nn.activation(name, Tensor(z, requires_grad=True))
        op = A.grad_fn
        assert op is not None
        values[name], derivatives[name] = A.data, slope(name, z)
        formulas[name] = op.describe(op.formula, "a", ["z"], "d".__add__)
        rules[name] = op.describe(op.rules[0], "a", ["z"], "d".__add__)
    return Activations(z, values, derivatives, formulas, rules)


# ---------------------------------------------------------------- 2. §3.3 linear activations


class LinearHiddenNN(nn.DeepNN):
    """A DeepNN with g[l](z) = z in its hidden layers (no non-linearity), sigmoid at the output."""

    def __init__(self, layer_dims: list[int], init: str = "scaled", seed: int | None = None):
        # DeepNN draws W[1], W[2], ... in the course's order; the "relu" it is told is never used
        super().__init__(layer_dims, "relu", "sigmoid", init=init, seed=seed)
        self.hidden_activation = "identity"

    def logits(self, X: Tensor) -> Tensor:
        """Z[l] = W[l] A[l-1] + b[l];  A[l] = Z[l] for l < L, from A[0] = X to Z[L]"""
        A = X
        for layer in self.layers:
            A = layer.forward(A)
        return A

    def effective(self) -> tuple[np.ndarray, np.ndarray]:
        """(W_eff, b_eff) with Z[L] = W_eff X + b_eff: W_eff = W[L] ... W[1], and
        b_eff = b[L] + W[L] b[L-1] + ... + W[L] ... W[2] b[1]."""
        W_eff, b_eff = np.eye(self.n_x), np.zeros((self.n_x, 1))
        for layer in self.layers:  # Z[l] = W[l] (W_eff X + b_eff) + b[l]
            W_eff, b_eff = layer.W.data @ W_eff, layer.W.data @ b_eff + layer.b.data
        return W_eff, b_eff


@dataclass(repr=False)
class Boundary:
    """A model's predicted class on a grid over the data, and how close that is to a line."""

    xx: np.ndarray  # (r, r) grid coordinates, the data's range plus 1 on each side
    yy: np.ndarray
    prediction: np.ndarray  # (r, r) of 0 and 1
    line_distance: float  # the largest distance of a boundary point from the best-fitting line,
    #                       in grid steps (<= 1: a straight line; nan if one class fills the grid)
    line_agreement: float  # the fraction of the grid that line puts on the model's side


def _boundary(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray, r: int) -> Boundary:
    """Predict on an r x r grid, then fit one straight line to where the prediction changes."""
    (x0, y0), (x1, y1) = X.min(axis=1) - 1, X.max(axis=1) + 1
    xs, ys = np.linspace(x0, x1, r), np.linspace(y0, y1, r)
    xx, yy = np.meshgrid(xs, ys)
    P = np.asarray(predict(np.stack([xx.ravel(), yy.ravel()]))).reshape(xx.shape)
    across, down = P[:, 1:] != P[:, :-1], P[1:, :] != P[:-1, :]  # neighbours on either side
    points = np.concatenate(
        [
            np.stack([(xx[:, 1:] + xx[:, :-1])[across] / 2, yy[:, 1:][across]], axis=1),
            np.stack([xx[1:, :][down], (yy[1:, :] + yy[:-1, :])[down] / 2], axis=1),
        ]
    )
    if len(points) < 2:
        return Boundary(xx, yy, P, float("nan"), 1.0)
    centre = points.mean(axis=0)
    normal = np.linalg.svd(points - centre)[2][-1]  # the line through centre that fits best
    distance = np.abs((points - centre) @ normal).max()
    side = (np.stack([xx, yy], axis=-1) - centre) @ normal > 0
    agree = float(np.mean(side == (P > 0.5)))
    step = max(xs[1] - xs[0], ys[1] - ys[0])
    return Boundary(xx, yy, P, float(distance / step), max(agree, 1 - agree))


@dataclass
class TrainedModel:
    """One model trained on the flower: its costs, accuracies and decision boundary."""

    label: str
    model: nn.Module
    costs: list[float]
    train_accuracy: float
    test_accuracy: float
    boundary: Boundary


@dataclass(repr=False)
class LinearActivations:
    """§3.3: a deep net with linear hidden layers against logistic regression and a tanh net."""

    X: np.ndarray  # the training set the boundaries are drawn over
    Y: np.ndarray
    linear: TrainedModel  # LinearHiddenNN(layer_dims)
    logistic: TrainedModel  # nn.LogisticRegression(n_x)
    tanh: TrainedModel  # nn.DeepNN([n_x, 4, 1], "tanh"): one non-linear hidden layer
    W_eff: np.ndarray  # (1, n_x) = W[L] ... W[1] of the linear net, after training
    b_eff: np.ndarray  # (1, 1)
    product_error: float  # max |Z[L] − (W_eff X + b_eff)| over the training set

    def summary(self) -> str:
        rows = [
            (
                t.label,
                f"{t.costs[-1]:.4f}",
                f"{100 * t.train_accuracy:.1f}%",
                f"{100 * t.test_accuracy:.1f}%",
                f"{t.boundary.line_distance:.2f}",
            )
            for t in (self.logistic, self.linear, self.tanh)
        ]
        w = self.logistic.model.parameters()[0].data.ravel()
        return "\n".join(
            [
                _table(
                    "why non-linear activations (§3.3)",
                    ("model", "cost", "train", "test", "boundary: max distance to a line (steps)"),
                    rows,
                ),
                f"linear net: W[L]...W[1] = {np.round(self.W_eff.ravel(), 5)}, "
                f"b_eff = {self.b_eff.item():.5f}; |Z[L] − (W_eff X + b_eff)| <= "
                f"{self.product_error:.1e}",
                f"logistic regression: w^T = {np.round(w, 5)}, b = "
                f"{self.logistic.model.parameters()[1].item():.5f}",
            ]
        )

    __repr__ = summary


def _trained(
    label: str, model: nn.Module, data: datasets.Data, lr: float, n: int, r: int
) -> TrainedModel:
    history = _fit(model, data.train_x, data.train_y, lr, n)
    test = nn.accuracy(model, data.test_x, data.test_y)
    assert history.train_accuracy is not None
    boundary = _boundary(model.predict, data.train_x, r)
    return TrainedModel(label, model, history.costs, history.train_accuracy, test, boundary)


def linear_activations(
    layer_dims: Sequence[int] = (2, 4, 4, 1), learning_rate: float = 1.2,
    num_iterations: int = 1000, seed: int = 2, dataset: str = "flower", resolution: int = 200,
) -> LinearActivations:  # fmt: skip
    """§3.3: with linear hidden activations g[l](z) = z, a deep net computes a linear function.

    Z[L] = W[L](... (W[1] X + b[1]) ...) + b[L] = (W[L] ... W[1]) X + b_eff, so AL = σ(W_eff X +
    b_eff) is logistic regression: its decision boundary is a straight line, however many layers.
    Trained on the flower, the linear net, logistic regression (w = 0) and a [2, 4, 1] tanh net
    (week 3's, init "small" and seed 2 as the course) each get a decision boundary on a
    resolution x resolution grid and the best straight line through it. The linear net ends at
    logistic regression's own (w, b) (the convex cost has one minimum), near 47%; the tanh net's
    boundary is no line and it scores near 90%.
    """
    data = _flower(dataset)
    dims = [int(n) for n in layer_dims]
    if len(dims) < 3 or dims[-1] != 1:
        raise ValueError(
            f"linear_activations: layer_dims must have a hidden layer and end in 1, got {dims}"
        )
    net = LinearHiddenNN(dims, init="scaled", seed=seed)
    args = (data, learning_rate, num_iterations, resolution)
    linear = _trained(f"linear hidden layers {dims}", net, *args)
    logistic = _trained("logistic regression", nn.LogisticRegression(dims[0]), *args)
    tanh_net = nn.DeepNN([dims[0], 4, 1], "tanh", init="small", seed=seed)
    tanh = _trained(f"tanh hidden layer {[dims[0], 4, 1]}", tanh_net, *args)
    W_eff, b_eff = net.effective()
    with no_grad():
        ZL = net.logits(net._input(data.train_x)).data
    error = float(np.abs(ZL - (W_eff @ data.train_x + b_eff)).max())
    return LinearActivations(
        data.train_x, data.train_y, linear, logistic, tanh, W_eff, b_eff, error
    )


# ---------------------------------------------------------------- 3. §3.7 initialization


@dataclass
class InitRun:
    """A [n_x, n_h, 1] net trained from one initialization: its hidden units before and after."""

    label: str  # "W = 0", "W = 0.5", "W = 0.01 randn"
    W1_init: np.ndarray  # (n_h, n_x), W[1] before training
    W1: np.ndarray  # after training
    b1: np.ndarray  # (n_h, 1)
    W2: np.ndarray  # (1, n_h)
    b2: np.ndarray  # (1, 1)
    costs: list[float]
    train_accuracy: float

    @property
    def W1_row_spread(self) -> float:
        """max |W[1][i, :] − W[1][0, :]|: 0 when every hidden unit has the same weights."""
        return float(np.abs(self.W1 - self.W1[:1]).max())

    @property
    def W2_spread(self) -> float:
        """max − min of W[2]'s entries: 0 when the output weighs every hidden unit alike."""
        return float(np.ptp(self.W2))

    @property
    def W1_moved(self) -> float:
        """max |W[1] after − W[1] before|: how far training took W[1]."""
        return float(np.abs(self.W1 - self.W1_init).max())


@dataclass(repr=False)
class ZeroVsRandomInit:
    """§3.7: the same net trained from W = 0, from W = a constant, and from small random W."""

    layer_dims: list[int]
    learning_rate: float
    num_iterations: int
    runs: dict[str, InitRun]  # "zeros", "constant", "random"

    def summary(self) -> str:
        rows = [
            (
                k,
                f"{r.W1_row_spread:.3g}",
                f"{r.W2_spread:.3g}",
                f"{r.W1_moved:.3g}",
                f"{r.costs[-1]:.4f}",
                f"{100 * r.train_accuracy:.1f}%",
            )
            for k, r in self.runs.items()
        ]
        return _table(
            f"initialization (§3.7): {self.layer_dims}, learning rate {self.learning_rate:g}, "
            f"{self.num_iterations} iterations, b = 0 in every run",
            (
                "init",
                "W[1] rows differ by",
                "W[2] entries differ by",
                "W[1] moved",
                "cost",
                "train",
            ),
            rows,
        )

    __repr__ = summary


def zero_vs_random_init(
    n_h: int = 4, hidden_activation: str = "tanh", learning_rate: float = 1.2,
    num_iterations: int = 1000, constant: float = 0.5, seed: int = 2, dataset: str = "flower",
) -> ZeroVsRandomInit:  # fmt: skip
    """§3.7: initialized alike, the hidden units stay alike; small random W breaks the symmetry.

    Three runs of the [n_x, n_h, 1] net, every b[l] = 0: "zeros" (every W = 0), "constant"
    (every W = constant) and "random" (W = 0.01 randn, the course's week 3, seed 2). Alike hidden
    units get alike dZ[1] = W[2]ᵀ dZ[2] ⊙ g'(Z[1]), so alike updates: after training the rows of
    W[1] are still equal and so are W[2]'s entries (the net is no better than one hidden unit).
    With tanh, W = 0 is worse still: A[1] = tanh(0) = 0 gives dW[2] = 0 and dA[1] = 0, so no W
    ever moves and J stays log 2. From random W the units differ and the net fits the flower,
    with its biases started at zero.
    """
    data = _flower(dataset)
    dims = [data.train_x.shape[0], int(n_h), 1]
    runs = {}
    for label in ("zeros", "constant", "random"):
        init = "small" if label == "random" else "zeros"
        model = nn.DeepNN(dims, hidden_activation, init=init, seed=seed)
        if label == "constant":
            model.load_state_dict(
                {
                    k: np.full(p.shape, constant if k[0] == "W" else 0.0)
                    for k, p in model.named_parameters()
                }
            )
        W1_init = model["W1"].data.copy()
        history = _fit(model, data.train_x, data.train_y, learning_rate, num_iterations)
        assert history.train_accuracy is not None
        p = model.state_dict()
        what = {"zeros": "W = 0", "constant": f"W = {constant:g}", "random": "W = 0.01 randn"}
        runs[label] = InitRun(
            what[label],
            W1_init,
            p["W1"],
            p["b1"],
            p["W2"],
            p["b2"],
            history.costs,
            history.train_accuracy,
        )
    return ZeroVsRandomInit(dims, learning_rate, num_iterations, runs)


# ---------------------------------------------------------------- 4. week 1: sigmoid vs relu


@dataclass
class GradientRun:
    """One deep net's per-layer gradients ‖dW[l]‖ during training, and its costs."""

    hidden_activation: str
    checkpoints: list[int]  # iterations where the gradients were taken (before that step)
    grad_norms: np.ndarray  # (len(checkpoints), L): ‖dW[l]‖ (Frobenius) for l = 1 .. L
    mean_slope: list[float]  # mean g'(Z[l]) over units and examples, hidden layers, at init
    costs: list[float]
    train_accuracy: float

    @property
    def init_grad_norms(self) -> np.ndarray:
        """‖dW[1]‖, ..., ‖dW[L]‖ at initialization."""
        return self.grad_norms[0]

    @property
    def first_to_last(self) -> float:
        """‖dW[1]‖ / ‖dW[L]‖ at initialization: small when the gradient vanishes toward X."""
        return float(self.grad_norms[0, 0] / self.grad_norms[0, -1])


@dataclass(repr=False)
class SigmoidVsRelu:
    """Week 1: the same deep net with sigmoid or relu hidden layers, same draws, same steps."""

    layer_dims: list[int]
    learning_rate: float
    num_iterations: int
    runs: dict[str, GradientRun]  # "sigmoid", "relu"

    @property
    def first_layer_ratio(self) -> float:
        """‖dW[1]‖ with sigmoid / ‖dW[1]‖ with relu, at initialization."""
        return float(self.runs["sigmoid"].grad_norms[0, 0] / self.runs["relu"].grad_norms[0, 0])

    def summary(self) -> str:
        L = len(self.layer_dims) - 1
        rows = [
            (
                g,
                *(f"{v:.2e}" for v in r.init_grad_norms),
                " ".join(f"{s:.3f}" for s in r.mean_slope),
                f"{r.costs[-1]:.4f}",
                f"{100 * r.train_accuracy:.1f}%",
            )
            for g, r in self.runs.items()
        ]
        return "\n".join(
            [
                _table(
                    f"sigmoid vs relu (week 1): {self.layer_dims}, learning rate "
                    f"{self.learning_rate:g}, {self.num_iterations} iterations",
                    (
                        "hidden g",
                        *(f"‖dW[{l}]‖ at init" for l in range(1, L + 1)),
                        "mean g'(Z[l]) at init",
                        "final cost",
                        "train",
                    ),
                    rows,
                ),
                f"‖dW[1]‖ sigmoid / relu at init: {self.first_layer_ratio:.3g}",
            ]
        )

    __repr__ = summary


def _grad_norms(model: nn.DeepNN, X: np.ndarray, Y: np.ndarray) -> list[float]:
    """‖dW[l]‖ for l = 1 .. L from one backward of J at the model's current parameters."""
    model.zero_grad()
    model.cost(X, Y).backward()
    norms = [float(np.linalg.norm(layer.W.grad)) for layer in model.layers]
    model.zero_grad()
    return norms


def _mean_slopes(model: nn.DeepNN, X: np.ndarray) -> list[float]:
    """mean g'(Z[l]) for each hidden layer l, the slopes by the engine's backward (slope())."""
    out, A = [], Tensor(X)
    with no_grad():
        for layer in model.layers[:-1]:
            Z = layer.forward(A)
            out.append(float(slope(model.hidden_activation, Z.data).mean()))
            A = nn.activation(model.hidden_activation, Z)
    return out


def sigmoid_vs_relu(
    layer_dims: Sequence[int] = (2, 10, 10, 10, 10, 1), learning_rate: float = 0.3,
    num_iterations: int = 1000, record_every: int = 100, init: str = "scaled", seed: int = 1,
    dataset: str = "flower",
) -> SigmoidVsRelu:  # fmt: skip
    """Week 1: relu in place of sigmoid made networks train faster; sigmoid's gradient vanishes.

    Backward multiplies dA[l] by g'(Z[l]) at every hidden layer: dZ[l] = dA[l] ⊙ g'(Z[l]).
    σ' is at most 1/4 (and near 0 where |z| is large), so with sigmoid hidden layers dZ[l], and
    with it dW[l] = (1/m) dZ[l] A[l-1]ᵀ, shrinks layer by layer toward the input; relu' is 1
    wherever z > 0. Both nets start from the same draws (init "scaled", week 4's W / sqrt(n[l-1]))
    and take the same steps; ‖dW[l]‖ is recorded every record_every iterations and at the end.
    """
    data = _flower(dataset)
    dims = [int(n) for n in layer_dims]
    X, Y = data.train_x, data.train_y
    runs = {}
    for g in ("sigmoid", "relu"):
        model = nn.DeepNN(dims, g, init=init, seed=seed)
        slopes = _mean_slopes(model, X)
        checkpoints, norms, costs = [], [], []
        done = 0
        while True:
            checkpoints.append(done)
            norms.append(_grad_norms(model, X, Y))
            if done == num_iterations:
                break
            steps = min(record_every, num_iterations - done)
            history = _fit(model, X, Y, learning_rate, steps)  # plain gradient descent: no state
            costs += history.costs
            done += steps
        runs[g] = GradientRun(
            g, checkpoints, np.array(norms), slopes, costs, nn.accuracy(model, X, Y)
        )
    return SigmoidVsRelu(dims, learning_rate, num_iterations, runs)


# ---------------------------------------------------------------- 5. §4.5 hyperparameters


@dataclass
class SweepRun:
    """One setting of a hyperparameter sweep: its learning curve and accuracies."""

    label: str
    value: float  # the hyperparameter's value: a learning rate, or a number of hidden layers
    costs: list[float]  # one per iteration that ran (fewer if the cost became NaN or inf)
    train_accuracy: float
    test_accuracy: float
    diverged: bool  # the cost became NaN or inf (nn.TrainingDiverged); costs stop before it

    @property
    def final_cost(self) -> float:
        return self.costs[-1]

    @property
    def rises(self) -> int:
        """How many steps raised J: with a good α gradient descent lowers it at every step."""
        return int(np.sum(np.diff(self.costs) > 0))


@dataclass(repr=False)
class Hyperparameters:
    """§4.5: a learning-rate sweep and a depth sweep on the flower."""

    num_iterations: int
    learning_rates: list[SweepRun]  # [n_x, 4, 1] tanh, one run per α
    depths: list[SweepRun]  # [n_x, 4, ..., 4, 1] tanh, one run per number of hidden layers

    def best(self, sweep: str = "learning_rates") -> SweepRun:
        """The run of sweep ("learning_rates" or "depths") that ended at the lowest cost J."""
        if sweep not in ("learning_rates", "depths"):
            raise ValueError(f"best: sweep is 'learning_rates' or 'depths', got {sweep!r}")
        runs: list[SweepRun] = getattr(self, sweep)
        return min(runs, key=lambda r: (r.diverged, r.final_cost))

    def summary(self) -> str:
        def rows(runs: list[SweepRun]) -> list[tuple[object, ...]]:
            return [
                (
                    r.label,
                    f"{r.costs[0]:.4g}",
                    f"{r.final_cost:.4g}",
                    r.rises,
                    f"{100 * r.train_accuracy:.1f}%",
                    f"{100 * r.test_accuracy:.1f}%",
                    "diverged" if r.diverged else "",
                )
                for r in runs
            ]

        header = ("setting", "first cost", "final cost", "rises", "train", "test", "")
        return "\n".join(
            [
                _table(
                    f"learning rate (§4.5), {self.num_iterations} iterations",
                    header,
                    rows(self.learning_rates),
                ),
                _table("depth", header, rows(self.depths)),
            ]
        )

    __repr__ = summary


def _sweep_run(
    label: str, value: float, model: nn.Module, data: datasets.Data, lr: float, n: int
) -> SweepRun:
    try:
        # a too-large α may overflow on its way to inf: that is the result, not a warning
        with np.errstate(over="ignore", invalid="ignore"):
            history = _fit(model, data.train_x, data.train_y, lr, n)
        diverged = False
    except nn.TrainingDiverged as e:  # fit put back the last parameters with a finite cost
        history, diverged = e.history, True
    train = nn.accuracy(model, data.train_x, data.train_y)
    test = nn.accuracy(model, data.test_x, data.test_y)
    return SweepRun(label, value, history.costs, train, test, diverged)


def hyperparameters(
    learning_rates: Sequence[float] = (0.01, 0.1, 1.2, 10.0, 100.0),
    depths: Sequence[int] = (1, 2, 3, 4), num_iterations: int = 1000, n_h: int = 4,
    depth_learning_rate: float = 0.3, seed: int = 2, dataset: str = "flower",
) -> Hyperparameters:  # fmt: skip
    """§4.5: the learning rate α and the number of hidden layers are hyperparameters: try them.

    The α sweep trains week 3's [n_x, n_h, 1] tanh net (init "small", seed 2) with each α: too
    small and J barely moves in num_iterations; too large and J rises, oscillates or diverges.
    The depth sweep trains [n_x, n_h, ..., n_h, 1] tanh nets (init "scaled", which keeps deeper
    nets trainable) with α = depth_learning_rate. Each run reports its costs and its accuracy on
    the flower's training set and on its test set (m / 2 fresh points), where one compares.
    """
    data = _flower(dataset)
    n_x = data.train_x.shape[0]
    by_lr = [
        _sweep_run(
            f"α = {lr:g}",
            float(lr),
            nn.DeepNN([n_x, n_h, 1], "tanh", init="small", seed=seed),
            data,
            float(lr),
            num_iterations,
        )
        for lr in learning_rates
    ]
    by_depth = [
        _sweep_run(
            f"{d} hidden layer{'s' if d > 1 else ''}",
            float(d),
            nn.DeepNN([n_x, *[n_h] * d, 1], "tanh", init="scaled", seed=seed),
            data,
            depth_learning_rate,
            num_iterations,
        )
        for d in depths
    ]
    return Hyperparameters(num_iterations, by_lr, by_depth)
