"""The `tinygrad-edu` command line (also `python -m tinygrad_edu`): demo, graph, check, train.

    tinygrad-edu demo                       # everything below, on generated data, into out/
    tinygrad-edu demo --data DIR --full     # and the cat models, with the course's iterations
    tinygrad-edu graph --layers 2,4,1 --activation tanh --collapse layers --out graph.svg
    tinygrad-edu check --layers 2,4,3,1     # autodiff against the hand-derived backward
    tinygrad-edu train --data moons --layers 2,5,1 --lr 1.2 --iterations 5000 --save model.npz

The demo uses the cat pictures only when asked: with --data DIR, or when TINYGRAD_EDU_DATA
names their directory (--no-cat skips them even then). A wrong argument prints one line,
"tinygrad-edu: error: ...", and exits with status 2; a failure while running (a missing file,
a missing extra) prints one line and exits with status 1. No tracebacks. Output paths are
checked before any training or drawing (outdir.py): a directory is written only if it is new,
empty or already the tool's, and a file only where its folder exists or can be made.

This file only reads arguments and prints: the demo is demo.py, the data datasets.load_data.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import __version__, datasets, demo, nn, optim, outdir

PROG = "tinygrad-edu"
OPTIMIZERS = {"gd": optim.GradientDescent, "momentum": optim.Momentum, "adam": optim.Adam}


class UsageError(Exception):
    """An argument that parsed but cannot work (e.g. --layers that do not fit the data)."""


class _Parser(argparse.ArgumentParser):
    """argparse with its errors on one line: "tinygrad-edu: error: ...", exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


# ---------------------------------------------------------------- argument types


def _layer_sizes(text: str) -> list[int]:
    """--layers "2,4,1" -> [2, 4, 1]: two or more positive sizes, ending with the output's 1."""
    try:
        dims = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of layer sizes; write integers separated by commas, "
            "n_x first, e.g. 2,4,1"
        ) from None
    if len(dims) < 2:
        raise argparse.ArgumentTypeError(
            f"{text!r} has one size; give n_x, any hidden sizes and the output's 1, e.g. 2,4,1"
        )
    if any(n < 1 for n in dims):
        raise argparse.ArgumentTypeError(
            f"{text!r}: every layer needs at least one unit (n[l] >= 1)"
        )
    if dims[-1] != 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the output layer must have 1 unit (AL is the probability of class 1); "
            "end the list with 1"
        )
    return dims


def _positive(kind: type) -> Callable[[str], Any]:
    """A parser for --m, --lr, ...: text -> kind(text), refusing anything not greater than 0."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}") from None
        if not value > 0:  # also refuses nan
            raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def _directory(text: str) -> Path:
    """--data DIR for the demo: a directory that exists (the cat files are looked for later)."""
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a directory; pass the directory that holds "
            f"{datasets.TRAIN_FILE} and {datasets.TEST_FILE}"
        )
    return path


def _dataset(text: str) -> str:
    """--data NAME|DIR for train: a name datasets.load_data knows, or a directory that exists."""
    problem = datasets.spec_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


# ---------------------------------------------------------------- the commands


def demo_command(args: argparse.Namespace) -> int:
    """Run the demo into --out; status 1 if autodiff and the hand-derived gradients disagree."""
    out = outdir.check(args.out, "--out")  # a file, or a folder with the user's files: refused
    demo.require_extras()
    cat_dir = args.data or os.environ.get(datasets.ENV_VAR)
    cat = None
    if cat_dir and not args.no_cat:  # read them now: a missing file fails before any training
        cat = datasets.load_data(str(args.data.resolve()) if args.data else "cat")
    flags = [f for f, on in (("--quick", args.quick), ("--full", args.full)) if on]
    flags += ["--data", str(cat_dir)] if cat is not None else []
    plan = demo.budget(args.quick, args.full)
    outcome = demo.run(out, plan, cat, not args.no_progress, " ".join([PROG, "demo", *flags]))
    if not outcome.ok:
        print(f"{PROG}: autodiff and the hand-derived gradients disagree (see section 2)")
    print(f"Report: {outcome.report}  ({outcome.seconds:.1f} s in all)")
    return 0 if outcome.ok else 1


def _model_layers(args: argparse.Namespace) -> list[int]:
    """--layers, or the command's default; n_x,1 for --logistic (w is (n_x, 1))."""
    if not args.logistic:
        return args.layers or args.default_layers
    if args.layers and len(args.layers) != 2:
        sizes = ",".join(map(str, args.layers))
        raise UsageError(
            f"--logistic is week 2's model, w (n_x, 1) and b: give --layers n_x,1, not {sizes}"
        )
    return args.layers or [2, 1]


def graph_command(args: argparse.Namespace) -> int:
    """Draw a model's graph, values and gradients, on a small random batch."""
    from . import viz

    out = Path(args.out)
    if out.suffix.lower() not in (".svg", ".dot"):
        raise UsageError(f"--out {args.out!r}: end the file name with .svg (a picture) or .dot")
    outdir.writable_file(out, "--out")  # both paths checked before anything is drawn
    steps = outdir.claim(args.steps, "--steps") if args.steps else None
    layers = _model_layers(args)
    X, Y = datasets.random_batch(layers[0], args.m, args.seed)
    if args.logistic:
        w = np.random.default_rng(args.seed).standard_normal((layers[0], 1)) * 0.5
        J = nn.logistic_regression_graph(X, Y, w=w)
    else:
        model = nn.DeepNN(layers, args.activation, init=args.init, seed=args.seed)
        J = nn.cost(model(X), Y)  # through AL, as the course draws it
    viz.backward_with_grads(J)
    collapse = None if args.collapse == "none" else args.collapse
    if out.suffix.lower() == ".dot":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(viz.to_dot(J, collapse=collapse, rankdir=args.rankdir).source, "utf-8")
    else:
        out = viz.render(J, out, collapse=collapse, rankdir=args.rankdir)
    print(f"wrote {out} (m = {args.m} random examples, J = {float(J.data):.6f})")
    if steps is not None:
        index = viz.backward_steps(J, steps.path, collapse=collapse, rankdir=args.rankdir)
        print(f"wrote {index} (backward, step by step)")
    return 0


def check_command(args: argparse.Namespace) -> int:
    """Print autodiff against the hand-derived gradients; status 1 if any disagree."""
    layers = _model_layers(args)
    activations = () if args.logistic else ((args.activation,) if args.activation
                                            else nn.ACTIVATIONS)  # fmt: skip
    checks = demo.gradient_checks(layers, activations, args.logistic, args.m, args.seed, args.init)
    for label, result in checks:
        print(f"{label} (m = {args.m}):\n{result}\n")
    bad = [label for label, result in checks if not result]
    if bad:
        print(f"{PROG}: MISMATCH in {', '.join(bad)}", file=sys.stderr)
        return 1
    print(f"{len(checks)} of {len(checks)} agree: every relative difference is below 1e-10")
    return 0


def train_command(args: argparse.Namespace) -> int:
    """Train a DeepNN on a dataset given by flags; print its final cost and accuracy; save it."""
    path = None  # --save's file, checked before training (".npz" added when missing)
    if args.save:
        path = str(outdir.writable_file(args.save, "--save", suffix=".npz"))
    data = datasets.load_data(args.data, args.m)
    n_x = data.train_x.shape[0]
    planar = data.name != "cat"
    dims = args.layers or ([n_x, 4, 1] if planar else demo.CAT_DIMS)
    if dims[0] != n_x:
        raise UsageError(
            f"--layers {','.join(map(str, dims))} starts with {dims[0]}, but the {data.name} data "
            f"has n_x = {n_x} features per example; start the list with {n_x}"
        )
    g = args.hidden_activation or ("tanh" if planar else "relu")
    init = args.init or ("small" if len(dims) <= 3 else "scaled")
    lr = args.lr or (1.2 if planar else 0.0075)
    iterations = args.iterations or (5000 if planar else 2500)
    model = nn.DeepNN(dims, g, init=init, seed=args.seed)
    optimizer = OPTIMIZERS[args.optimizer](model.parameters(), lr)
    test = "" if data.test_x is None else f"; test X {data.test_x.shape}"
    print(f"{data.name}: X {data.train_x.shape}, Y {data.train_y.shape}{test}")
    print(f"{model!r}, seed {args.seed}; {args.optimizer}, learning rate {lr:g}, "
          f"{iterations} iterations")  # fmt: skip
    _, row = demo.train(model, data, "", lr, iterations, not args.no_progress, optimizer,
                        args.print_every)  # fmt: skip
    test = "" if row.test is None else f", test accuracy {demo.percent(row.test)}"
    print(f"final cost {row.cost:.6f}, train accuracy {demo.percent(row.train)}{test} "
          f"({row.seconds:.1f} s)")  # fmt: skip
    if path is not None:
        model.save(path)  # makes the folder, checked before training
        print(f"saved the parameters to {path}; load with nn.DeepNN({dims}, {g!r}).load({path!r})")
    return 0


# ---------------------------------------------------------------- the parser and main


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all four commands."""
    parser = _Parser(prog=PROG, description=__doc__.split("\n\n")[0],
                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=description)

    p = command(
        "demo", "graphs, gradient checks, the flower (and cats) -> out/",
        "Week 2's graph and its backward step by step, autodiff against the hand-derived "
        "gradients, week 3's flower models; the cat models with --data DIR. Writes SVGs, PNGs "
        "and index.html, a report that needs no network, into --out DIR (default out/).",
    )  # fmt: skip
    p.add_argument("--out", default="out", metavar="DIR", help="where to write (default: out)")
    p.add_argument("--data", type=_directory, metavar="DIR",
                   help=f"add the cat models, with the pictures in DIR (or set "
                   f"{datasets.ENV_VAR}=DIR)")  # fmt: skip
    p.add_argument("--no-cat", action="store_true", help=f"skip the cats even if "
                   f"{datasets.ENV_VAR} is set")  # fmt: skip
    p.add_argument(
        "--full",
        action="store_true",
        help="the cats as the course runs them: 2000 and 2500 iterations (default 1000 each), "
        "and week 4's two-layer net too",
    )
    p.add_argument("--quick", action="store_true", help="a few hundred iterations: a smoke test")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=demo_command)

    def model_flags(p: argparse.ArgumentParser, layers: str, m: int) -> None:
        p.add_argument(
            "--layers",
            type=_layer_sizes,
            help=f"layer sizes n_x,...,1 (default {layers}; with --logistic 2,1)",
        )
        p.add_argument(
            "--logistic",
            action="store_true",
            help="week 2's logistic regression instead (--layers n_x,1)",
        )
        p.add_argument(
            "--init",
            choices=nn.INITS,
            default="scaled",
            help="weight initialization (default scaled: randn / sqrt(n[l-1]))",
        )
        p.add_argument("--m", type=_positive(int), default=m, help=f"random examples (default {m})")
        p.set_defaults(default_layers=_layer_sizes(layers))
        p.add_argument("--seed", type=int, default=1, help="for the weights and the data")

    p = command(
        "graph",
        "draw a model's graph with values and gradients (SVG)",
        "A DeepNN (or logistic regression) on a few random examples, after backward.",
    )
    model_flags(p, "2,4,1", m=4)
    p.add_argument(
        "--activation",
        choices=nn.ACTIVATIONS,
        default="tanh",
        help="hidden activation (default tanh)",
    )
    p.add_argument(
        "--collapse",
        choices=("none", "layers"),
        default="none",
        help="layers: one box per layer (default none: every tensor)",
    )
    p.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                   help="left to right (default) or top to bottom (for deep nets)")  # fmt: skip
    p.add_argument("--out", default="graph.svg", help="file.svg or file.dot (default graph.svg)")
    p.add_argument("--steps", metavar="DIR", help="also write the backward step-through to DIR")
    p.set_defaults(run=graph_command)

    p = command(
        "check",
        "autodiff against the course's hand-derived gradients",
        "gradcheck.compare per parameter; exit status 1 if any differ by 1e-10 or more.",
    )
    model_flags(p, "2,4,3,1", m=10)
    p.add_argument(
        "--activation", choices=nn.ACTIVATIONS, help="one hidden activation (default: each of them)"
    )
    p.set_defaults(run=check_command)

    p = command(
        "train",
        "train a DeepNN on a dataset and save it",
        "Batch gradient descent (or momentum, Adam); prints the final cost and accuracy.",
    )
    p.add_argument("--data", type=_dataset, default="flower", metavar="NAME|DIR",
                   help=f"{', '.join(datasets.NAMES)}, or the cat pictures' directory "
                   "(default flower)")  # fmt: skip
    p.add_argument(
        "--m",
        type=_positive(int),
        default=400,
        help="training points for the planar sets (default 400)",
    )
    p.add_argument(
        "--layers",
        type=_layer_sizes,
        help="layer sizes n_x,...,1 (default n_x,4,1; cat: 12288,20,7,5,1)",
    )
    p.add_argument(
        "--hidden-activation",
        "--activation",
        choices=nn.ACTIVATIONS,
        help="default tanh (cat: relu)",
    )
    p.add_argument(
        "--init",
        choices=nn.INITS,
        help="default small for one hidden layer, scaled for more (the course's)",
    )
    p.add_argument("--lr", type=_positive(float), help="learning rate (default 1.2; cat: 0.0075)")
    p.add_argument("--iterations", type=_positive(int), help="default 5000 (cat: 2500)")
    p.add_argument(
        "--optimizer",
        choices=tuple(OPTIMIZERS),
        default="gd",
        help="gd (the course), momentum or adam (wants a small --lr, e.g. 0.01)",
    )
    p.add_argument("--seed", type=int, default=2, help="for the weights (default 2)")
    p.add_argument(
        "--print-every",
        type=_positive(int),
        metavar="N",
        help="print the cost every N iterations (default: only the end)",
    )
    p.add_argument("--save", metavar="FILE.npz", help="write the parameters (model.save)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=train_command)
    return parser


def _one_line(e: BaseException) -> str:
    """An exception's message on one line (or its type's name, when it has none)."""
    return " ".join(str(e).split()) or type(e).__name__


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (0 ok, 1 failed, 2 bad arguments)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error already printed
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    try:
        return int(args.run(args))
    except (UsageError, outdir.RefusedPathError) as e:  # a path given that cannot be used: 2
        print(f"{PROG}: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except (ValueError, OSError, ImportError, RuntimeError) as e:
        print(f"{PROG}: error: {_one_line(e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
