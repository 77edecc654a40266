"""The loaders refuse, in one line, what they cannot read right: never a traceback, a wrong
number, or a read of more than the declared shapes allow.

Every file here is a small stand-in written to tmp_path (the course's cat files are never copied).
"Unread" is checked by making the read functions fail: a refusal must come before any of them.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np
import pytest

from tinygrad_edu import datasets as D
from tinygrad_edu import nn


def _one_line(excinfo: pytest.ExceptionInfo, kind: type, path: os.PathLike, *phrases: str) -> str:
    """The error is exactly `kind`, raised from None, one line naming the file and the phrases."""
    e = excinfo.value
    msg = str(e)
    assert type(e) is kind, f"{type(e).__name__}: {msg}"
    assert e.__cause__ is None and (e.__context__ is None or e.__suppress_context__)
    assert "\n" not in msg and os.fspath(path) in msg, msg
    for phrase in phrases:
        assert phrase in msg, f"{phrase!r} not in {msg!r}"
    return msg


# ---- the cat files ----


def _h5(path, split, x=None, y=None, classes=None, **x_options):
    """A cat file: 3 uint8 images and labels 0, 1, 0 unless told; x_options go to create_dataset."""
    h5py = pytest.importorskip("h5py", reason="writing test files needs h5py (the data extra)")
    with h5py.File(path, "w") as f:
        if x_options:
            f.create_dataset(f"{split}_set_x", **x_options)
        else:
            f[f"{split}_set_x"] = np.zeros((3, 64, 64, 3), np.uint8) if x is None else x
        f[f"{split}_set_y"] = np.array([0, 1, 0]) if y is None else y
        f["list_classes"] = np.array([b"non-cat", b"cat"]) if classes is None else classes


def _cat_dir(tmp_path, **train):
    """tmp_path with a train file built from `train` and a good test file."""
    _h5(tmp_path / D.TRAIN_FILE, "train", **train)
    _h5(tmp_path / D.TEST_FILE, "test")
    return tmp_path


@pytest.fixture
def no_h5_reads(monkeypatch):
    """Any read of an h5py dataset's values fails the test."""
    h5py = pytest.importorskip("h5py")

    def read(*args, **kwargs):
        raise AssertionError("a dataset was read before its shape and dtype were checked")

    monkeypatch.setattr(h5py.Dataset, "__getitem__", read)
    monkeypatch.setattr(h5py.Dataset, "read_direct", read)


def test_float_pixels_are_refused_naming_file_dataset_and_dtype(tmp_path):
    # 0.5 would become uint8 0 by a cast; as 0..1 or 0..255 it means different pictures
    _cat_dir(tmp_path, x=np.full((3, 64, 64, 3), 0.5, np.float32))
    with pytest.raises(ValueError) as excinfo:
        D.load_catvnoncat(tmp_path)
    _one_line(
        excinfo, ValueError, tmp_path / D.TRAIN_FILE, "'train_set_x'", "float32", "uint8 0..255"
    )


def test_integer_pixels_convert_exactly_and_out_of_range_ones_are_refused(tmp_path):
    x = np.arange(3 * 64 * 64 * 3).reshape(3, 64, 64, 3) % 256  # int64, every value 0..255
    data = D.load_catvnoncat(_cat_dir(tmp_path, x=x.astype(np.int16)))
    assert data.train_x_orig.dtype == np.uint8
    np.testing.assert_array_equal(data.train_x_orig, x)
    assert data.train_x[5, 0] == 5 / 255 and data.train_x[300, 0] == 44 / 255  # 300 % 256

    x = x.astype(np.int16)
    x[1, 2, 3, 0] = 300  # a uint8 cast would make it 44
    with pytest.raises(ValueError) as excinfo:
        D.load_catvnoncat(_cat_dir(tmp_path, x=x))
    _one_line(
        excinfo, ValueError, tmp_path / D.TRAIN_FILE, "train_set_x[1, 2, 3, 0] is 300",
        "not in 0..255", "bad values: 1 of 36864",
    )  # fmt: skip


@pytest.mark.parametrize(
    "train, shape",
    [
        ({"shape": (10**7, 64, 64, 3), "dtype": np.uint8, "chunks": (1, 64, 64, 3)},
         "(10000000, 64, 64, 3)"),  # 123 GB declared, 2 KB on disk: no data was written
        ({"y": np.zeros(0)}, "(0,)"),  # wrong length: refused before the pixels are read
        ({"x": np.zeros((3, 64, 64), np.uint8)}, "(3, 64, 64)"),
    ],
    ids=["huge-pixels", "no-labels", "3-d-pixels"],
)  # fmt: skip
def test_a_shape_that_is_not_the_courses_is_refused_unread(tmp_path, train, shape, no_h5_reads):
    path = _cat_dir(tmp_path, **train) / D.TRAIN_FILE
    with pytest.raises(ValueError) as excinfo:
        D.load_catvnoncat(tmp_path)
    _one_line(excinfo, ValueError, path, shape)


def test_huge_labels_and_class_lists_are_refused_unread(tmp_path, no_h5_reads):
    huge = {"shape": (10**9,), "dtype": np.int64, "chunks": (1024,)}
    h5py = pytest.importorskip("h5py")
    _cat_dir(tmp_path)
    with h5py.File(tmp_path / D.TRAIN_FILE, "a") as f:
        del f["train_set_y"]
        f.create_dataset("train_set_y", **huge)
    with pytest.raises(ValueError) as excinfo:
        D.load_catvnoncat(tmp_path)
    _one_line(excinfo, ValueError, tmp_path / D.TRAIN_FILE, "(1000000000,)")

    _cat_dir(tmp_path)
    with h5py.File(tmp_path / D.TRAIN_FILE, "a") as f:
        del f["list_classes"]
        f.create_dataset("list_classes", shape=(10**9,), dtype="S7", chunks=(1024,))
    with pytest.raises(ValueError) as excinfo:
        D.load_catvnoncat(tmp_path)
    _one_line(excinfo, ValueError, tmp_path / D.TRAIN_FILE, "'list_classes'", "(1000000000,)")


@pytest.mark.parametrize(
    "train, key, dtype",
    [
        ({"y": np.array([b"0", b"1", b"0"])}, "'train_set_y'", "|S1"),  # "1" is not the number
        ({"x": np.zeros((3, 64, 64, 3), bool)}, "'train_set_x'", "bool"),
    ],
    ids=["byte-labels", "bool-pixels"],
)
def test_a_dtype_that_holds_no_numbers_is_refused_unread(tmp_path, train, key, dtype, no_h5_reads):
    _cat_dir(tmp_path, **train)
    with pytest.raises(ValueError) as excinfo:
        D.load_catvnoncat(tmp_path)
    _one_line(excinfo, ValueError, tmp_path / D.TRAIN_FILE, key, f"holds {dtype}")


@pytest.mark.parametrize(
    "y, first",
    [
        ([0, 2, 1], "train_set_y[1] is 2,"),
        ([0.0, 1.0, 0.5], "train_set_y[2] is 0.5,"),
        ([0.0, np.nan, 1.0], "train_set_y[1] is nan,"),
        ([-1, 0, 1], "train_set_y[0] is -1,"),
    ],
)
def test_labels_other_than_0_and_1_are_refused_naming_the_first(tmp_path, y, first):
    _cat_dir(tmp_path, y=np.array(y))
    with pytest.raises(ValueError) as excinfo:
        D.load_catvnoncat(tmp_path)
    _one_line(excinfo, ValueError, tmp_path / D.TRAIN_FILE, first, "not 0 or 1")


def _npy_bytes() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((3, 64, 64, 3), np.uint8))
    return buffer.getvalue()


@pytest.mark.parametrize(
    "damage, problem",
    [
        (lambda good: b"", "is empty (0 bytes)"),
        (lambda good: b"label,x\n1,0\n", "is not an HDF5 file (it begins b'label,x\\n')"),
        (lambda good: _npy_bytes(), "is not an HDF5 file (it begins b'\\x93NUMPY"),
        (lambda good: good[: len(good) // 2], "is truncated or damaged (h5py: "),
    ],
    ids=["empty", "text", "npy", "truncated"],
)  # fmt: skip
def test_a_file_that_is_not_a_whole_h5_gives_one_line(tmp_path, damage, problem):
    path = _cat_dir(tmp_path) / D.TRAIN_FILE
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(OSError) as excinfo:
        D.load_catvnoncat(tmp_path)
    _one_line(excinfo, OSError, path, problem, f"put the course's {D.TRAIN_FILE} there")


# ---- Module.load ----


def _model() -> nn.DeepNN:
    return nn.DeepNN([3, 2, 1], seed=0)  # W1 (2, 3), b1 (2, 1), W2 (1, 2), b2 (1, 1)


def _npz(path, arrays: dict[str, np.ndarray], junk_after: str | None = None) -> None:
    """An .npz as np.savez_compressed writes it, with 8 MB of zeros after one member's array."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in arrays.items():
            with z.open(k + ".npy", "w") as member:
                np.lib.format.write_array(member, v)
                if k == junk_after:
                    member.write(bytes(8_000_000))


@pytest.fixture
def no_big_zip_reads(monkeypatch):
    """Reading more than 64 KiB from a zip member at once fails the test (npy headers are small)."""
    read = zipfile.ZipExtFile.read

    def small_read(self, n=-1):
        if n is None or n < 0 or n > 2**16:
            raise AssertionError(f"read({n}) of zip member {self.name!r}: its data was read")
        return read(self, n)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", small_read)


@pytest.mark.parametrize(
    "w1, junk, phrases",
    [
        (np.zeros((1000, 1000)), False, ["'W1' of shape (1000, 1000)", "W1 has shape (2, 3)"]),
        (np.zeros((2, 3)), True, ["'W1' of 8000048 bytes", "(2, 3) of float64 is 48"]),
    ],
    ids=["declared-large", "larger-than-declared"],
)
def test_load_refuses_a_member_larger_than_its_parameter_unread(
    tmp_path, w1, junk, phrases, no_big_zip_reads
):
    path = tmp_path / "m.npz"
    model = _model()
    before = model.state_dict()
    _npz(path, {**before, "W1": w1}, junk_after="W1" if junk else None)
    with pytest.raises(ValueError) as excinfo:
        model.load(path)
    _one_line(excinfo, ValueError, path, "DeepNN.load:", *phrases)
    for k, v in before.items():
        np.testing.assert_array_equal(model[k].data, v)  # a refused file changes nothing


def test_load_checks_the_keys_before_reading_any_array(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    state = _model().state_dict()
    del state["b2"]
    np.savez(path, **state, W9=np.zeros(3))

    def read_array(*args, **kwargs):
        raise AssertionError("an array was read before the keys were checked")

    monkeypatch.setattr(np.lib.format, "read_array", read_array)
    with pytest.raises(ValueError) as excinfo:
        _model().load(path)
    _one_line(
        excinfo, ValueError, path, "missing ['b2'], unexpected ['W9.npy']",
        "this model has ['W1', 'b1', 'W2', 'b2']",
    )  # fmt: skip


def test_load_refuses_pickled_members_naming_them_without_unpickling(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    np.savez(path, **{**_model().state_dict(), "b1": np.array([{"a": 1}, 2], dtype=object)})

    def loads(*args, **kwargs):
        raise AssertionError("a member was unpickled")

    monkeypatch.setattr(pickle, "loads", loads)
    monkeypatch.setattr(pickle, "load", loads)
    with pytest.raises(ValueError) as excinfo:
        _model().load(path)
    _one_line(excinfo, ValueError, path, "'b1.npy' of Python objects", "refused")


def _saved() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **_model().state_dict())
    return buffer.getvalue()


def _bad_crc(good: bytes) -> bytes:
    """8 bytes of W1's values flipped: the zip directory is whole, the member's CRC is not."""
    end = good.index(b"PK\x03\x04", good.index(b"\x93NUMPY"))  # the next member's header
    return good[: end - 8] + bytes(b ^ 0xFF for b in good[end - 8 : end]) + good[end:]


@pytest.mark.parametrize(
    "content, problem",
    [
        (lambda: b"", "is empty (0 bytes)"),
        (lambda: b"W1,b1\n0.5,1\n", "is not an .npz file (it begins b'W1,b1\\n')"),
        (lambda: pickle.dumps(_model().state_dict()), "is not an .npz file (it begins b'\\x80"),
        (lambda: _npy_bytes(), "is a single .npy array, not the .npz"),
        (lambda: _saved()[: len(_saved()) // 2], "is truncated or damaged (File is not a zip"),
        (lambda: _bad_crc(_saved()), "is truncated or damaged (Bad CRC-32 for file 'W1.npy')"),
    ],
    ids=["empty", "text", "pickle", "npy", "truncated", "bad-crc"],
)
def test_load_gives_one_line_for_a_file_that_is_not_a_whole_npz(tmp_path, content, problem):
    path = tmp_path / "m.npz"
    path.write_bytes(content())
    with pytest.raises(ValueError) as excinfo:
        _model().load(path)
    _one_line(excinfo, ValueError, path, "DeepNN.load:", problem, "written by model.save(path)")


def test_load_of_a_missing_file_names_the_file_save_wrote(tmp_path):
    model = _model()
    model.save(tmp_path / "m")  # np.savez writes m.npz
    with pytest.raises(FileNotFoundError) as excinfo:
        model.load(tmp_path / "m")
    _one_line(
        excinfo, FileNotFoundError, tmp_path / "m", "DeepNN.load:", "does not exist",
        f"(but {os.fspath(tmp_path / 'm.npz')!r} does: save() adds .npz)",
    )  # fmt: skip
