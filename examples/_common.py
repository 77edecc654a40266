"""What the examples share: their flags, the cat data (or else the flower), a gradient check."""

from __future__ import annotations

import argparse
import sys
from types import SimpleNamespace

from tinygrad_edu import datasets, reference


def parse_args(doc: str, iterations: int) -> argparse.Namespace:
    """--iterations N (default: the course's) and --data DIR (the cat files' directory)."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--iterations", type=int, default=iterations,
                        help=f"gradient descent steps (the course: {iterations})")  # fmt: skip
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="directory with train_catvnoncat.h5 and test_catvnoncat.h5 "
                        f"(default: ${datasets.ENV_VAR} or ../shared/data/catvnoncat)")  # fmt: skip
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser.parse_args()


def load_data(directory: str | None) -> SimpleNamespace:
    """The cat images (train 209, test 50); without them the flower, saying where they go."""
    try:
        cat = datasets.load_catvnoncat(directory)
        return SimpleNamespace(name="cat", train_x=cat.train_x, train_y=cat.train_y,
                               test_x=cat.test_x, test_y=cat.test_y)  # fmt: skip
    except (FileNotFoundError, ImportError) as e:
        print(f"{e}\nThe cat data is absent, so this runs on the planar flower instead "
              "(set TINYGRAD_EDU_DATA=DIR or pass --data DIR to use the cats).\n")  # fmt: skip
    return flower()


def flower() -> SimpleNamespace:
    """Week 3's flower (seed 1) to train on, and 200 fresh points of it (seed 3) to test on."""
    train_x, train_y = datasets.planar_flower(m=400, seed=1)
    test_x, test_y = datasets.planar_flower(m=200, seed=3)
    return SimpleNamespace(name="flower", train_x=train_x, train_y=train_y,
                           test_x=test_x, test_y=test_y)  # fmt: skip


def check_gradients(model, X, Y, m: int = 10) -> None:
    """Before training: autodiff's gradients against the course's hand-derived backward pass."""
    table = reference.compare(model, X[:, :m], Y[:, :m])
    print(f"Gradient check on {m} examples, autodiff against the hand-derived backward:")
    print(table, end="\n\n")
    if not table:
        sys.exit("The gradients disagree; not training.")
