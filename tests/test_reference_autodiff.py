"""An independent referee: random programs run in tinygrad_edu and in HIPS autograd, gradients and
Hessian-vector products compared to 1e-8 relative (float64).

A seeded builder writes each program as a list of steps (op, operand numbers, parameters); one
interpreter runs it with either library's functions. The builder picks operands from everything
computed so far, so values fan out and meet again (diamonds), and it picks only steps whose
inputs are inside the op's domain, so both libraries differentiate the same smooth function.
"""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

import tinygrad_edu.functional as F
from tinygrad_edu import Tensor

# the random programs broadcast every way numpy allows, a row against a column of its length too
pytestmark = pytest.mark.filterwarnings("ignore::tinygrad_edu.ops.BroadcastWarning")


class TG:
    """tinygrad_edu's spelling of each step."""

    @staticmethod
    def const(a):
        return Tensor(a)

    unary = {
        "exp": Tensor.exp,
        "log": Tensor.log,
        "sqrt": Tensor.sqrt,
        "abs": Tensor.abs,
        "sigmoid": Tensor.sigmoid,
        "tanh": Tensor.tanh,
        "relu": Tensor.relu,
        "leaky_relu": lambda a: a.leaky_relu(0.05),
        "neg": lambda a: -a,
    }
    binary = {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "matmul": lambda a, b: a @ b,
    }
    pow = staticmethod(lambda a, p: a**p)
    sum = staticmethod(lambda a, axis, keepdims: a.sum(axis, keepdims))
    mean = staticmethod(lambda a, axis, keepdims: a.mean(axis, keepdims))
    max = staticmethod(lambda a, axis, keepdims: a.max(axis, keepdims))
    reshape = staticmethod(lambda a, shape: a.reshape(shape))
    transpose = staticmethod(lambda a, axes: a.transpose(axes))
    getitem = staticmethod(lambda a, index: a[index])
    broadcast_to = staticmethod(lambda a, shape: a.broadcast_to(shape))
    scatter_add = staticmethod(lambda a, rows, shape: a.scatter_add(rows, shape))
    linear = staticmethod(F.linear)
    bce_logits = staticmethod(F.binary_cross_entropy_with_logits)
    bce = staticmethod(lambda Z, Y: F.binary_cross_entropy(Z.sigmoid(), Y))


def _ag_sigmoid(Z):
    return 0.5 * (anp.tanh(Z / 2) + 1)


def _ag_scatter_add(a, rows, shape):
    """zeros(shape) with a's rows added at `rows`, as a product with a 0/1 matrix autograd knows."""
    P = np.zeros((shape[0], len(rows)))
    P[rows, np.arange(len(rows))] = 1.0
    return anp.tensordot(P, a, axes=1)


class AG:
    """HIPS autograd's spelling of the same steps (also runs on plain numpy values)."""

    @staticmethod
    def const(a):
        return a

    unary = {
        "exp": anp.exp,
        "log": anp.log,
        "sqrt": anp.sqrt,
        "abs": anp.abs,
        "sigmoid": _ag_sigmoid,
        "tanh": anp.tanh,
        "relu": lambda a: anp.where(a > 0, a, 0.0),
        "leaky_relu": lambda a: anp.where(a > 0, a, 0.05 * a),
        "neg": lambda a: -a,
    }
    binary = {
        "add": lambda a, b: a + b,
        "sub": lambda a, b: a - b,
        "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b,
        "matmul": anp.matmul,
    }
    pow = staticmethod(lambda a, p: a**p)
    sum = staticmethod(lambda a, axis, keepdims: anp.sum(a, axis=axis, keepdims=keepdims))
    mean = staticmethod(lambda a, axis, keepdims: anp.mean(a, axis=axis, keepdims=keepdims))
    max = staticmethod(lambda a, axis, keepdims: anp.max(a, axis=axis, keepdims=keepdims))
    reshape = staticmethod(lambda a, shape: anp.reshape(a, shape))
    transpose = staticmethod(lambda a, axes: anp.transpose(a, axes))
    getitem = staticmethod(lambda a, index: a[index])
    broadcast_to = staticmethod(
        lambda a, shape: a + np.zeros(shape)
    )  # its broadcast_to: no new axes
    scatter_add = staticmethod(_ag_scatter_add)
    linear = staticmethod(lambda W, A, b: anp.dot(W, A) + b)
    bce_logits = staticmethod(lambda Z, Y: anp.mean(anp.logaddexp(0, Z) - Z * Y))
    bce = staticmethod(
        lambda Z, Y: -anp.mean(Y * anp.log(_ag_sigmoid(Z)) + (1 - Y) * anp.log(1 - _ag_sigmoid(Z)))
    )


def step(lib, kind, args, params):
    """Run one step of a program with lib's functions."""
    if kind in lib.unary:
        return lib.unary[kind](*args)
    if kind in lib.binary:
        return lib.binary[kind](*args)
    if kind in ("bce_logits", "bce"):
        return getattr(lib, kind)(args[0], lib.const(params))
    if kind in ("sum", "mean", "max", "reshape", "transpose", "getitem", "broadcast_to", "pow"):
        return getattr(lib, kind)(*args, *params)
    if kind == "scatter_add":
        return lib.scatter_add(*args, *params)
    if kind == "linear":
        return lib.linear(*args)
    raise AssertionError(kind)


def run(program, inputs, lib):
    """J = sum over the last three values v of sum(C * v), C fixed random weights."""
    values = list(inputs)
    for kind, operands, params in program["steps"]:
        values.append(step(lib, kind, [values[i] for i in operands], params))
    J = 0.0
    for i, C in program["readout"]:
        J = J + lib.sum(values[i] * lib.const(C), None, False)
    return J


def _axis_choices(ndim):
    if ndim == 0:
        return [None]
    axes = [None, *range(ndim), -1]
    if ndim >= 2:
        axes += [(0, ndim - 1), tuple(range(ndim))]
    return axes


def propose(rng, values):
    """One random step, (kind, operands, params), or None when the draw doesn't fit."""
    k = len(values)
    i, j = int(rng.integers(k)), int(rng.integers(k))
    a, b = values[i], values[j]
    kind = rng.choice(
        ["unary"] * 6
        + ["binary"] * 5
        + ["pow", "reduce", "reduce", "reshape", "transpose"]
        + ["getitem", "getitem", "broadcast_to", "scatter_add", "matmul", "linear", "cost"]
    )
    if kind == "unary":
        name = str(rng.choice(list(AG.unary)))
        if name in ("log", "sqrt") and not np.all(a > 0.1):
            return None
        if name == "exp" and np.any(a > 4):
            return None
        return name, [i], ()
    if kind == "binary":
        name = str(rng.choice(["add", "sub", "mul", "div"]))
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            return None
        if name == "div" and not np.all(np.abs(b) > 0.2):
            return None
        return name, [i, j], ()
    if kind == "pow":
        p = float(rng.choice([2, 3, -1, 0.5, 1.5]))
        if (p in (0.5, 1.5) and not np.all(a > 0.1)) or (p == -1 and not np.all(np.abs(a) > 0.2)):
            return None
        return "pow", [i], (p,)
    if kind == "reduce":
        axis = _axis_choices(a.ndim)[int(rng.integers(len(_axis_choices(a.ndim))))]
        return str(rng.choice(["sum", "mean", "max"])), [i], (axis, bool(rng.integers(2)))
    if kind == "reshape":
        shapes = [(a.size,), (1, a.size), (a.size, 1), a.shape[::-1], (-1,) + a.shape[1:]]
        return "reshape", [i], (shapes[int(rng.integers(len(shapes)))],)
    if kind == "transpose":
        return "transpose", [i], (tuple(int(x) for x in rng.permutation(a.ndim)),)
    if kind == "getitem":
        if a.ndim == 0:
            return None
        n = a.shape[0]
        choices = [
            slice(None, None, -1),
            slice(1, None),
            rng.integers(0, n, int(rng.integers(1, 6))),  # integer array, repeats likely
            (Ellipsis, int(rng.integers(a.shape[-1]))),
        ]
        if a.ndim == 2:
            rows = rng.integers(0, n, 4)
            choices += [(rows, rng.integers(0, a.shape[1], 4)), (slice(None), rows % a.shape[1])]
        index = choices[int(rng.integers(len(choices)))]
        if a[index].size == 0:
            return None
        return "getitem", [i], (index,)
    if kind == "broadcast_to":
        lead = (int(rng.integers(2, 4)),)
        return "broadcast_to", [i], (lead + tuple(3 if d == 1 else d for d in a.shape),)
    if kind == "scatter_add":
        if a.ndim == 0:
            return None
        rows = rng.integers(0, 3, a.shape[0])
        return "scatter_add", [i], (rows, (3,) + a.shape[1:])
    if kind == "matmul":
        if 1 <= a.ndim <= 2 and 1 <= b.ndim <= 2 and a.shape[-1] == b.shape[0]:
            return "matmul", [i, j], ()
        return None
    if kind == "linear":
        fits = [
            (w, x, c)
            for w in range(k)
            for x in range(k)
            for c in range(k)
            if values[w].ndim == 2
            and values[x].ndim == 2
            and values[c].shape == (values[w].shape[0], 1)
            and values[w].shape[1] == values[x].shape[0]
        ]
        return ("linear", list(fits[int(rng.integers(len(fits)))]), ()) if fits else None
    if kind == "cost":
        if a.ndim == 0 or np.any(np.abs(a) > 5):
            return None
        Y = (rng.uniform(size=a.shape) > 0.5) * 1.0
        return str(rng.choice(["bce_logits", "bce"])), [i], Y
    raise AssertionError(kind)


def build(seed):
    """A random program over float64 inputs of shapes (n, m), (n, m), (n, 1), (1, m), (m,), ()."""
    rng = np.random.default_rng(seed)
    n, m = (int(d) for d in rng.integers(1, 5, 2))
    inputs = [rng.standard_normal(s) for s in [(n, m), (n, m), (n, 1), (1, m), (m,), ()]]
    values, steps = list(inputs), []
    target = int(rng.integers(5, 13))
    while len(steps) < target:
        proposal = propose(rng, values)
        if proposal is None:
            continue
        kind, operands, params = proposal
        with np.errstate(all="raise"):
            try:
                out = np.asarray(step(AG, kind, [values[i] for i in operands], params))
            except FloatingPointError:
                continue
        if out.size == 0 or np.any(np.abs(out) > 1e3):
            continue
        steps.append(proposal)
        values.append(out)
    last = range(len(values) - 3, len(values))
    readout = [(i, rng.standard_normal(values[i].shape)) for i in last]
    return {"steps": steps, "readout": readout}, inputs


def assert_close(got, expected, what):
    scale = max(np.linalg.norm(expected), 1e-3)
    err = np.linalg.norm(got - expected) / scale
    assert err < 1e-8, f"{what}: relative error {err:.2e}\n got {got}\n expected {expected}"


def tinygrad_grads(program, inputs, vs=None):
    """dJ/dx for every input; with vs, the Hessian-vector product H v instead."""
    xs = [Tensor(x.copy(), requires_grad=True) for x in inputs]
    J = run(program, xs, TG)
    if vs is None:
        J.backward()
        return [
            np.zeros_like(x) if t.grad is None else t.grad for t, x in zip(xs, inputs, strict=True)
        ]
    J.backward(create_graph=True)
    grads = [t.grad for t in xs]
    for t in xs:
        t.grad = None
    terms = [(g * v).sum() for g, v in zip(grads, vs, strict=True) if isinstance(g, Tensor)]
    S = sum(terms[1:], terms[0])
    if S.requires_grad:  # else every gradient is a constant: H = 0
        S.backward()
    return [np.zeros_like(x) if t.grad is None else t.grad for t, x in zip(xs, inputs, strict=True)]


SEEDS = range(60)


@pytest.mark.parametrize("seed", SEEDS)
def test_gradients_match_autograd(seed):
    program, inputs = build(seed)
    np.testing.assert_allclose(
        run(program, [Tensor(x) for x in inputs], TG).item(), run(program, inputs, AG), rtol=1e-12
    )
    expected = grad(lambda xs: run(program, xs, AG))(list(inputs))
    for k, (g, e) in enumerate(zip(tinygrad_grads(program, inputs), expected, strict=True)):
        assert_close(g, e, f"seed {seed}, input {k}, steps {[s[0] for s in program['steps']]}")


@pytest.mark.filterwarnings("ignore:Output seems independent of input")  # a linear program: H = 0
@pytest.mark.parametrize("seed", SEEDS)
def test_hessian_vector_products_match_autograd(seed):
    program, inputs = build(seed)
    vs = [np.random.default_rng(seed + 1000).standard_normal(x.shape) for x in inputs]

    def grad_dot_v(xs):
        gs = grad(lambda ys: run(program, ys, AG))(xs)
        return sum(anp.sum(g * v) for g, v in zip(gs, vs, strict=True))

    expected = grad(grad_dot_v)(list(inputs))
    for k, (h, e) in enumerate(zip(tinygrad_grads(program, inputs, vs), expected, strict=True)):
        assert_close(h, e, f"seed {seed}, input {k}, steps {[s[0] for s in program['steps']]}")


def test_programs_cover_every_op():
    kinds = {s[0] for seed in SEEDS for s in build(seed)[0]["steps"]}
    ops = {*AG.unary, "add", "sub", "mul", "div", "matmul", "pow", "sum", "mean", "max"}
    ops |= {"reshape", "transpose", "getitem", "broadcast_to", "scatter_add", "linear"}
    assert ops | {"bce", "bce_logits"} <= kinds, sorted(ops - kinds)
