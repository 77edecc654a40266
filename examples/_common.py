"""What the examples share: their flags, the cat data (or else the flower), a gradient check."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from tinygrad_edu import datasets, nn
from tinygrad_edu.gradcheck import compare

TOL = 1e-10  # autodiff and the hand-derived backward agree to rounding, far below this


def _positive_int(text: str) -> int:
    """--iterations N: a whole number of at least 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give at least 1 iteration")
    return n


def parse_args(doc: str, iterations: int, cat_data: bool = True) -> argparse.Namespace:
    """--iterations N (default: the course's), --no-progress, and --data DIR when cat_data."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--iterations", type=_positive_int, default=iterations,
                        help=f"gradient descent steps (the course: {iterations})")  # fmt: skip
    if cat_data:
        parser.add_argument("--data", metavar="DIR", default=None,
                            help=f"directory with {datasets.TRAIN_FILE} and {datasets.TEST_FILE} "
                            f"(default: ${datasets.ENV_VAR} or ../shared/data/catvnoncat); "
                            "without them the planar flower")  # fmt: skip
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser.parse_args()


def load_data(directory: str | None) -> datasets.Data:
    """The cat images (train 209, test 50); without them the flower, saying where they go."""
    # a directory, never a dataset's name: --data moons means a folder called moons
    spec = "cat" if directory is None else str(Path(directory).expanduser().resolve())
    try:
        return datasets.load_data(spec)
    except (FileNotFoundError, ImportError) as e:
        print(f"{e}\nThe cat data is absent, so this runs on the planar flower instead "
              f"(set {datasets.ENV_VAR}=DIR or pass --data DIR to use the cats).\n")  # fmt: skip
    return datasets.load_data("flower")


def check_gradients(model: nn.Module, X: np.ndarray, Y: np.ndarray, m: int = 10) -> None:
    """Before training: autodiff's gradients against the course's hand-derived backward pass."""
    result = compare(model, X[:, :m], Y[:, :m], tol=TOL)
    print(f"Gradient check on {m} examples, autodiff against the hand-derived backward:")
    print(result)
    if not result:
        sys.exit(f"The gradients disagree (tol {TOL:g}); not training.")
    print(f"All {len(result.checks)} gradients agree (tol {TOL:g}): ok\n")
