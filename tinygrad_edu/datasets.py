"""Datasets in the course's layout: X is (n_x, m) with one example per column, Y is (1, m) of 0/1.

Generated: the week-3 planar flower and a few other 2-D sets (circles, moons, blobs, Gaussian
quantiles), all numpy, all seeded (seed=None draws afresh). Read: the course's cat / non-cat
images (needs h5py, the `data` extra), found through TINYGRAD_EDU_DATA or ../shared/data/catvnoncat
beside the repo.
Labels are returned as float64 (the course keeps uint8 / int64), the dtype the engine computes in.

What a cat file must hold, checked from its metadata before any array is read: {split}_set_x of
shape (m, 64, 64, 3) and {split}_set_y of shape (m,), 1 <= m <= MAX_IMAGES, and optionally
list_classes, 2 names. Pixels are uint8 as the course stores them; other integers are taken when
every value lies in 0..255 (converted exactly); floats are refused, as 0..1 and 0..255 cannot be
told apart reliably. Labels are numbers, each exactly 0 or 1. An empty, non-HDF5, truncated or
damaged file is an OSError, a file of another layout a ValueError: one line naming file and fix.

`load_data(spec)` gives any of them by name, with a test set, as the command line and the
examples use them: load_data("flower"), load_data("moons", m=200), load_data("cat").
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .arguments import count, number, random_seed

ENV_VAR = "TINYGRAD_EDU_DATA"
TRAIN_FILE, TEST_FILE = "train_catvnoncat.h5", "test_catvnoncat.h5"
_DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "catvnoncat"
MAX_IMAGES = 2_000  # the course's files hold 209 and 50; X is 96 KiB a picture in float64

XY = tuple[np.ndarray, np.ndarray]


def _check_m(op: str, m: int, even: bool = False) -> None:
    count(op, "m", m, "how many points")
    if m < 2 or (even and m % 2):
        need = "an even number >= 2 (half the points go to each class)" if even else "at least 2"
        raise ValueError(f"{op}: m = {m} points; m must be {need}")


# ---- generated 2-D sets ----


def planar_flower(m: int = 400, seed: int | None = 1) -> XY:
    """The week-3 flower: r = 4 sin(4 theta) + noise, points (r sin theta, r cos theta), 2 classes.

    For class j (rows j*m/2 onward) theta runs evenly over [3.12 j, 3.12 (j + 1)] plus 0.2 N(0, 1)
    noise, then r gets its own 0.2 N(0, 1) noise; the draws are those of np.random.seed(seed) in
    that order, as in the course, so seed=1 gives its flower (numpy's global random state is left
    alone). Returns X (2, m), Y (1, m) float64.
    """
    _check_m("planar_flower", m, even=True)
    seed = random_seed("planar_flower", seed)
    rs = np.random.RandomState(seed)
    half = m // 2
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1))
    for j in range(2):
        rows = slice(j * half, (j + 1) * half)
        theta = np.linspace(3.12 * j, 3.12 * (j + 1), half) + rs.randn(half) * 0.2
        r = 4 * np.sin(4 * theta) + rs.randn(half) * 0.2
        X[rows, 0] = r * np.sin(theta)
        X[rows, 1] = r * np.cos(theta)
        Y[rows] = j
    return X.T, Y.T


def noisy_circles(
    m: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int | None = 0
) -> XY:
    """Circles of radius 1 (Y = 0) and `factor` (Y = 1), each coordinate plus noise * N(0, 1)."""
    _check_m("noisy_circles", m, even=True)
    seed = random_seed("noisy_circles", seed)
    noise = number("noisy_circles", "noise", noise, ">= 0")
    factor = number("noisy_circles", "factor", factor)
    rng = np.random.default_rng(seed)
    half = m // 2
    angle = np.linspace(0, 2 * np.pi, half, endpoint=False)
    radius = np.repeat([1.0, factor], half)
    angle = np.tile(angle, 2)
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)])
    X += noise * rng.standard_normal(X.shape)
    Y = np.repeat([0.0, 1.0], half)[None, :]
    return X, Y


def noisy_moons(m: int = 200, noise: float = 0.2, seed: int | None = 0) -> XY:
    """Two interleaved half circles: (cos t, sin t) is Y = 0, (1 - cos t, 0.5 - sin t) is Y = 1."""
    _check_m("noisy_moons", m, even=True)
    seed = random_seed("noisy_moons", seed)
    noise = number("noisy_moons", "noise", noise, ">= 0")
    rng = np.random.default_rng(seed)
    half = m // 2
    t = np.linspace(0, np.pi, half)
    upper = np.stack([np.cos(t), np.sin(t)])
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)])
    X = np.concatenate([upper, lower], axis=1) + noise * rng.standard_normal((2, m))
    Y = np.repeat([0.0, 1.0], half)[None, :]
    return X, Y


def blobs(m: int = 200, centers: int = 6, spread: float = 1.0, seed: int | None = 0) -> XY:
    """Gaussian blobs around `centers` points drawn in [-10, 10]^2; Y = blob index mod 2.

    Point i belongs to blob i mod centers; labels alternate between blobs, so with 6 blobs each
    class is three separate clusters (the course's week-3 "blobs" make the same point).
    """
    _check_m("blobs", m)
    seed = random_seed("blobs", seed)
    spread = number("blobs", "spread", spread, ">= 0")
    if count("blobs", "centers", centers, "how many blobs") < 2:
        raise ValueError(f"blobs: centers = {centers}; use at least 2, so both labels occur")
    rng = np.random.default_rng(seed)
    where = rng.uniform(-10, 10, size=(2, centers))
    blob = np.arange(m) % centers
    X = where[:, blob] + spread * rng.standard_normal((2, m))
    Y = (blob % 2).astype(np.float64)[None, :]
    return X, Y


def gaussian_quantiles(m: int = 200, cov: float = 0.5, seed: int | None = 0) -> XY:
    """Points from N(0, cov I); the half nearer the origin is Y = 0, the outer half Y = 1."""
    _check_m("gaussian_quantiles", m, even=True)
    seed = random_seed("gaussian_quantiles", seed)
    cov = number("gaussian_quantiles", "cov", cov)
    rng = np.random.default_rng(seed)
    X = np.sqrt(cov) * rng.standard_normal((2, m))
    order = np.argsort(np.sum(X**2, axis=0), kind="stable")
    Y = np.zeros((1, m))
    Y[0, order[m // 2 :]] = 1.0
    return X, Y


# ---- the course's cat / non-cat images ----


class CatData(NamedTuple):
    """The cat / non-cat set: X columns are images flattened and scaled to [0, 1], Y is 0/1."""

    train_x: np.ndarray  # (12288, 209) float64: x_orig.reshape(m, -1).T / 255
    train_y: np.ndarray  # (1, 209) float64, 1 = cat
    test_x: np.ndarray  # (12288, 50)
    test_y: np.ndarray  # (1, 50)
    classes: list[str]  # ["non-cat", "cat"]: classes[int(y)] names a label
    train_x_orig: np.ndarray  # (209, 64, 64, 3) uint8, for showing images
    test_x_orig: np.ndarray  # (50, 64, 64, 3) uint8


def find_catvnoncat() -> Path | None:
    """The folder with both cat files: $TINYGRAD_EDU_DATA or ../shared/data/catvnoncat, or None."""
    env = os.environ.get(ENV_VAR)
    directory = Path(env) if env else _DEFAULT_DIR
    if (directory / TRAIN_FILE).is_file() and (directory / TEST_FILE).is_file():
        return directory
    return None


def _missing(path: Path, how: str) -> FileNotFoundError:
    return FileNotFoundError(
        f"load_catvnoncat: cannot find {path.name} in {path.parent} ({how}). Put "
        f"{TRAIN_FILE} and {TEST_FILE} in one directory and pass it with --data DIR "
        f"(load_catvnoncat(directory=DIR)) or set {ENV_VAR}=DIR"
    )


def _problem(path: Path, what: str) -> str:
    """One line: the function, the file, what is wrong with it, and what to do."""
    return f"load_catvnoncat: {path} {what}; put the course's {path.name} there (see --data DIR)"


def _check_file(h5py: Any, path: Path) -> None:
    """Refuse, before h5py tries, a file that is empty or not HDF5 at all (text, a renamed .npy)."""
    if path.stat().st_size == 0:
        raise OSError(_problem(path, "is empty (0 bytes)"))
    if not h5py.is_hdf5(path):
        with open(path, "rb") as fh:
            head = fh.read(8)
        raise OSError(_problem(path, f"is not an HDF5 file (it begins {head!r})"))


_PIXELS = "store the images as uint8 0..255, as the course's file does"
_LABELS = "store 0 for non-cat and 1 for cat, as the course's file does"


def _dataset(
    h5py: Any, f: Any, path: Path, key: str, shape: tuple[int | str, ...], kinds: str, fix: str
) -> Any:
    """f[key], unread: its shape ("m" is 1 to MAX_IMAGES) and dtype checked from the metadata."""
    pretty = "(" + ", ".join(str(n) for n in shape) + (",)" if len(shape) == 1 else ")")
    ds = f.get(key)
    if not isinstance(ds, h5py.Dataset):
        raise ValueError(
            f"load_catvnoncat: {path} has no dataset {key!r} (it has {sorted(f.keys())}); "
            f"expected {key!r} of shape {pretty}: is this the course's file?"
        )
    got: tuple[int, ...] = ds.shape or ()  # None for an HDF5 null dataspace
    fits = len(got) == len(shape) and all(
        want == "m" or n == want for n, want in zip(got, shape, strict=True)
    )
    if not fits:
        what = "m images of 64 x 64 pixels, 3 colour channels" if len(shape) == 4 else "m labels"
        raise ValueError(
            f"load_catvnoncat: {path}: dataset {key!r} has shape {got}, expected {pretty} "
            f"({what}): is this the course's file?"
        )
    if not 1 <= got[0] <= MAX_IMAGES:
        raise ValueError(
            f"load_catvnoncat: {path}: dataset {key!r} declares shape {got}, {got[0]} examples; "
            f"expected 1 to MAX_IMAGES = {MAX_IMAGES} (the course's files hold 209 and 50), so "
            "it is not read: use the course's file, or raise tinygrad_edu.datasets.MAX_IMAGES"
        )
    if ds.dtype.kind not in kinds:
        floats = " (refused: are they 0..1 or 0..255?)" if ds.dtype.kind == "f" else ""
        raise ValueError(
            f"load_catvnoncat: {path}: dataset {key!r} holds {ds.dtype}{floats}; {fix}"
        )
    return ds


def _first_bad(a: np.ndarray, bad: np.ndarray, key: str, rule: str) -> str:
    """'key[i, j] is v, not rule (bad values: n of size)' for the first True of `bad`."""
    first = np.flatnonzero(bad)[0]
    where = ", ".join(str(int(i)) for i in np.unravel_index(first, a.shape))
    return f"{key}[{where}] is {a.flat[first]}, not {rule} (bad values: {bad.sum()} of {a.size})"


def _classes(h5py: Any, f: Any, path: Path) -> list[str]:
    """list_classes decoded (["non-cat", "cat"] when absent): two names, checked before reading."""
    ds = f.get("list_classes")
    if ds is None:
        return ["non-cat", "cat"]
    strings = isinstance(ds, h5py.Dataset) and (
        ds.dtype.kind in "SU" or h5py.check_string_dtype(ds.dtype) is not None
    )
    if not strings or ds.shape != (2,):
        what = f"{ds.shape} of {ds.dtype}" if isinstance(ds, h5py.Dataset) else "a group"
        raise ValueError(
            f"load_catvnoncat: {path}: 'list_classes' is {what}, expected 2 names for "
            "labels 0 and 1, like [b'non-cat', b'cat']: is this the course's file?"
        )
    return [c.decode("utf-8", "replace") if isinstance(c, bytes) else str(c) for c in ds[()]]


def _load_split(h5py: Any, path: Path, split: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A file's images (uint8), labels (float64) and class names; all checked before any read."""
    _check_file(h5py, path)
    x_key, y_key = f"{split}_set_x", f"{split}_set_y"
    try:
        with h5py.File(path, "r") as f:
            x_set = _dataset(h5py, f, path, x_key, ("m", 64, 64, 3), "ui", _PIXELS)
            y_set = _dataset(h5py, f, path, y_key, ("m",), "biuf", _LABELS)
            if y_set.shape[0] != x_set.shape[0]:
                raise ValueError(
                    f"load_catvnoncat: {path}: {y_key} has shape {y_set.shape} but there "
                    f"are {x_set.shape[0]} images; expected ({x_set.shape[0]},)"
                )
            classes = _classes(h5py, f, path)
            x, y = np.asarray(x_set[()]), np.asarray(y_set[()])
    except (OSError, RuntimeError, KeyError) as e:  # what h5py raises for a damaged file
        why = " ".join(str(e.args[0] if e.args else type(e).__name__).split())
        raise OSError(_problem(path, f"is truncated or damaged (h5py: {why})")) from None
    bad = (x < 0) | (x > 255)  # only integers get here: in range, the cast below is exact
    if bad.any():
        raise ValueError(
            f"load_catvnoncat: {path}: {_first_bad(x, bad, x_key, 'in 0..255')}; {_PIXELS}"
        )
    bad = (y != 0) & (y != 1)  # NaN too
    if bad.any():
        raise ValueError(
            f"load_catvnoncat: {path}: {_first_bad(y, bad, y_key, '0 or 1')}; {_LABELS}"
        )
    return x.astype(np.uint8), y.astype(np.float64), classes


def load_catvnoncat(directory: str | os.PathLike[str] | None = None) -> CatData:
    """The course's cat files: train_x (12288, 209), test_x (12288, 50), pixels / 255; Y (1, m)."""
    if directory is not None:
        where, how = Path(directory), "the directory passed in"
    elif os.environ.get(ENV_VAR):
        where, how = Path(os.environ[ENV_VAR]), f"from ${ENV_VAR}"
    else:
        where, how = _DEFAULT_DIR, f"the default, as ${ENV_VAR} is not set"
    for name in (TRAIN_FILE, TEST_FILE):
        if not (where / name).is_file():
            raise _missing(where / name, how)
    try:
        import h5py
    except ImportError:
        raise ImportError(
            'load_catvnoncat: reading the cat files needs h5py: pip install "tinygrad-edu[data]"'
        ) from None
    train_orig, train_y, classes = _load_split(h5py, where / TRAIN_FILE, "train")
    test_orig, test_y, _ = _load_split(h5py, where / TEST_FILE, "test")

    # One image per column, its pixels in C order (row, column, channel), as the course flattens.
    def flat(x: np.ndarray) -> np.ndarray:
        return x.reshape(x.shape[0], -1).T / 255

    def labels(y: np.ndarray) -> np.ndarray:
        return y.reshape(1, -1)  # float64 already

    return CatData(
        flat(train_orig), labels(train_y), flat(test_orig), labels(test_y),
        classes, train_orig, test_orig,
    )  # fmt: skip


def cat_shaped(m: int = 209, seed: int | None = 1) -> XY:
    """m generated "pictures" shaped as the cat set's, X (12288, m) in [0, 1], and Y (1, m): about
    a third are 1s ("cats"), a little brighter on a fixed half of the pixels, the others darker.
    For what must run without the course's files: the same shapes, a learnable difference."""
    _check_m("cat_shaped", m)
    seed = random_seed("cat_shaped", seed)
    rng = np.random.default_rng(seed)
    half = np.random.default_rng(0).random((64 * 64 * 3, 1)) < 0.5  # the same half for every seed
    Y = (rng.random((1, m)) < 0.35).astype(np.float64)
    X = rng.normal(0.45, 0.25, (64 * 64 * 3, m)) + 0.025 * half * (2 * Y - 1)
    return np.clip(X, 0.0, 1.0), Y


# ---- any of them by name, with a test set ----

PLANAR: dict[str, Callable[..., XY]] = {
    "flower": planar_flower,
    "circles": noisy_circles,
    "moons": noisy_moons,
    "blobs": blobs,
    "quantiles": gaussian_quantiles,
}
NAMES = (*PLANAR, "cat", "cat_shaped")  # what load_data takes besides a directory


@dataclass
class Data:
    """A training set and, when there is one, a test set; X is (n_x, m), Y is (1, m)."""

    name: str  # "flower", "moons", ... or "cat"
    train_x: np.ndarray
    train_y: np.ndarray
    test_x: np.ndarray | None = None
    test_y: np.ndarray | None = None
    cat: CatData | None = None  # the cat pictures themselves (for showing them), when name is "cat"


def load_data(spec: str, m: int = 400) -> Data:
    """A planar set by name (m training points, m // 2 fresh ones to test) or the cat pictures.

    spec is one of flower, circles, moons, blobs, quantiles, cat_shaped (generated pictures of
    the cat set's shapes, see cat_shaped); or "cat" (the files found through
    $TINYGRAD_EDU_DATA or the default folder, as load_catvnoncat() finds them); or the directory
    that holds them. The flower is the course's: seed 1 to train on, seed 3 to test on; the
    other sets train on seed 0 and test on seed 2. m is ignored for the cats (209 and 50).
    """
    if spec == "cat_shaped":  # the cat set's sizes: 209 to train on, 50 to test on
        return Data(spec, *cat_shaped(209, seed=1), *cat_shaped(50, seed=2))
    if spec in PLANAR:
        make, seed = PLANAR[spec], (1 if spec == "flower" else 0)
        X, Y = make(m=m, seed=seed)
        X_test, Y_test = make(m=2 * (m // 4) or 2, seed=seed + 2)  # even, as the sets need
        return Data(spec, X, Y, X_test, Y_test)
    problem = spec_problem(spec)
    if problem:
        raise FileNotFoundError(f"load_data: {problem}")
    cat = load_catvnoncat(None if spec == "cat" else Path(spec).expanduser())
    return Data("cat", cat.train_x, cat.train_y, cat.test_x, cat.test_y, cat)


def cats_or_cat_shaped() -> Data:
    """The course's cat pictures when find_catvnoncat() finds them, else load_data("cat_shaped"):
    what a notebook that must also run on a fresh machine trains on (its .name says which)."""
    return load_data("cat" if find_catvnoncat() is not None else "cat_shaped")


def spec_problem(spec: str) -> str | None:
    """Why load_data(spec) cannot work, in one line; None when spec names a set or a directory."""
    if spec in NAMES or Path(spec).expanduser().is_dir():
        return None  # (whether a directory holds the cat files, load_catvnoncat says)
    if os.sep in spec or "/" in spec or spec.startswith((".", "~")):
        return (
            f"{spec!r} is not a directory; pass the directory that holds {TRAIN_FILE} and "
            f"{TEST_FILE}, or a dataset: {', '.join(NAMES)}"
        )
    return (
        f"{spec!r} is neither a dataset ({', '.join(NAMES)}) nor a directory; for the cat "
        f"pictures pass the directory that holds {TRAIN_FILE} and {TEST_FILE}"
    )


def random_batch(n_x: int, m: int, seed: int | None = 1) -> XY:
    """A small X (n_x, m) of N(0, 1) draws and shuffled labels Y (1, m): 0s and 1s alternately."""
    n_x, m = count("random_batch", "n_x", n_x, "X's rows"), count("random_batch", "m", m, "columns")
    rng = np.random.default_rng(random_seed("random_batch", seed))
    X = rng.standard_normal((n_x, m))
    Y = (np.arange(m) % 2).astype(np.float64)[None, :]
    return X, Y[:, rng.permutation(m)]
