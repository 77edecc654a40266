"""Datasets: the planar flower and the generated 2-D sets; reading the course's cat files."""

from __future__ import annotations

import hashlib
import sys

import numpy as np
import pytest

from tinygrad_edu import datasets as D

# ---- the planar flower ----


def test_flower_shapes_labels_and_balance():
    X, Y = D.planar_flower()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert np.array_equal(Y[0, :200], np.zeros(200)) and np.array_equal(Y[0, 200:], np.ones(200))
    assert np.all(np.hypot(X[0], X[1]) < 4 + 1.5)  # |r| <= 4 plus noise


def test_flower_first_point_of_each_class_from_the_formula():
    m = 10
    X, _ = D.planar_flower(m=m, seed=3)
    np.random.seed(3)
    draws = [np.random.randn(5) for _ in range(4)]  # class 0: theta noise, r noise; class 1: same
    for j, (t_noise, r_noise) in enumerate([(draws[0], draws[1]), (draws[2], draws[3])]):
        theta = 3.12 * j + 0.2 * t_noise[0]  # the first of the evenly spaced angles is 3.12 j
        r = 4 * np.sin(4 * theta) + 0.2 * r_noise[0]
        np.testing.assert_allclose(X[:, j * 5], [r * np.sin(theta), r * np.cos(theta)], rtol=1e-13)
    # the last angle of class 0 is 3.12: check it too, it pins the linspace's end point
    theta = 3.12 + 0.2 * draws[0][4]
    r = 4 * np.sin(4 * theta) + 0.2 * draws[1][4]
    np.testing.assert_allclose(X[:, 4], [r * np.sin(theta), r * np.cos(theta)], rtol=1e-13)


def test_flower_is_deterministic_per_seed_and_differs_across_seeds():
    X1, Y1 = D.planar_flower(seed=1)
    X2, Y2 = D.planar_flower(seed=1)
    X3, _ = D.planar_flower(seed=2)
    assert np.array_equal(X1, X2) and np.array_equal(Y1, Y2)
    assert not np.allclose(X1, X3)


def test_flower_rejects_odd_m():
    with pytest.raises(ValueError, match="planar_flower: m = 7.*even"):
        D.planar_flower(m=7)


# ---- the generated sets ----


@pytest.mark.parametrize("make", [D.noisy_circles, D.noisy_moons, D.blobs, D.gaussian_quantiles])
def test_generated_sets_shapes_labels_and_seeds(make):
    X, Y = make(m=60, seed=4)
    assert X.shape == (2, 60) and Y.shape == (1, 60) and Y.dtype == np.float64
    assert set(np.unique(Y)) == {0.0, 1.0}
    assert np.array_equal(X, make(m=60, seed=4)[0])
    assert not np.allclose(X, make(m=60, seed=5)[0])


@pytest.mark.parametrize("make", [D.noisy_circles, D.noisy_moons, D.gaussian_quantiles])
def test_two_class_sets_are_balanced(make):
    assert make(m=60)[1].sum() == 30


def test_circles_without_noise_lie_on_their_circles():
    X, Y = D.noisy_circles(m=40, noise=0.0, factor=0.3)
    radius = np.hypot(X[0], X[1])
    np.testing.assert_allclose(radius[Y[0] == 0], 1.0, rtol=1e-15)
    np.testing.assert_allclose(radius[Y[0] == 1], 0.3, rtol=1e-15)


def test_moons_without_noise_lie_on_their_half_circles():
    X, Y = D.noisy_moons(m=40, noise=0.0)
    upper, lower = X[:, Y[0] == 0], X[:, Y[0] == 1]
    np.testing.assert_allclose(np.hypot(upper[0], upper[1]), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.hypot(lower[0] - 1, lower[1] - 0.5), 1.0, rtol=1e-15)
    assert np.all(upper[1] >= 0) and np.all(lower[1] <= 0.5)


def test_gaussian_quantiles_put_the_outer_half_in_class_1():
    X, Y = D.gaussian_quantiles(m=100, seed=2)
    r2 = np.sum(X**2, axis=0)
    assert r2[Y[0] == 1].min() >= r2[Y[0] == 0].max()


def test_blobs_without_spread_sit_on_their_centers_with_alternating_labels():
    X, Y = D.blobs(m=12, centers=4, spread=0.0, seed=1)
    assert np.array_equal(X[:, :4], X[:, 4:8]) and np.array_equal(X[:, :4], X[:, 8:])
    assert np.array_equal(Y[0, :4], [0.0, 1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="blobs: centers = 1"):
        D.blobs(centers=1)


# ---- the cat files ----


def test_cat_shapes_dtypes_and_classes(cats):
    assert cats.train_x.shape == (12288, 209) and cats.test_x.shape == (12288, 50)
    assert cats.train_y.shape == (1, 209) and cats.test_y.shape == (1, 50)
    assert cats.train_x_orig.shape == (209, 64, 64, 3) and cats.train_x_orig.dtype == np.uint8
    assert cats.test_x_orig.shape == (50, 64, 64, 3)
    assert cats.train_x.dtype == np.float64 and cats.train_y.dtype == np.float64
    assert cats.classes == ["non-cat", "cat"]


def test_cat_values_and_label_counts(cats):
    assert cats.train_x.min() == 0.0 and cats.train_x.max() == 1.0
    assert cats.train_x_orig.mean() == pytest.approx(103.007126, abs=5e-7)
    assert cats.test_x_orig.mean() == pytest.approx(107.372310, abs=5e-7)
    assert cats.train_y.sum() == 72 and cats.test_y.sum() == 33
    assert set(np.unique(cats.train_y)) == {0.0, 1.0}


def test_cat_columns_are_images_flattened_row_column_channel(cats):
    i, row, col, ch = 17, 5, 40, 2
    assert cats.train_x[(row * 64 + col) * 3 + ch, i] == cats.train_x_orig[i, row, col, ch] / 255
    assert np.array_equal(cats.test_x[:, 3], cats.test_x_orig[3].ravel() / 255)


def test_cat_raw_arrays_match_the_hashes_in_SOURCE_md(cats):
    def sha(a):
        return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()

    train_y = cats.train_y.astype(np.int64).ravel()  # stored as int64 of shape (m,)
    test_y = cats.test_y.astype(np.int64).ravel()
    x = "5a22f47625d19c47045c085a17fdb1a263bae0fa9c67020fd40112e19dadc2c3"
    assert sha(cats.train_x_orig) == x
    assert sha(train_y) == "217e8c93aff2ec2a3f6137ab9f997236d8382a26856546b1fbf30ccd4bf7610e"
    x = "c23d288e4a7ad7ab5b8b8e69e1aaefc683de77cbd020598fd6b4acdccbebabf3"
    assert sha(cats.test_x_orig) == x
    assert sha(test_y) == "7bfaabd03cfd57ee3f50dc1569bf1b72c548f7877d2f7ed9611ec69e697b8909"


# ---- finding and reading files, with small stand-ins written to tmp_path ----


def _write(path, split, x_shape=(3, 64, 64, 3), y_shape=(3,), classes=True, skip=()):
    h5py = pytest.importorskip("h5py", reason="writing test files needs h5py (the data extra)")
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        if f"{split}_set_x" not in skip:
            f[f"{split}_set_x"] = rng.integers(0, 256, size=x_shape, dtype=np.uint8)
        if f"{split}_set_y" not in skip:
            f[f"{split}_set_y"] = np.arange(int(np.prod(y_shape))).reshape(y_shape) % 2
        if classes:
            f["list_classes"] = np.array([b"non-cat", b"cat"])


def _fake_dir(tmp_path, **train_kwargs):
    _write(tmp_path / D.TRAIN_FILE, "train", **train_kwargs)
    _write(tmp_path / D.TEST_FILE, "test", x_shape=(2, 64, 64, 3), y_shape=(2,))
    return tmp_path


def test_a_small_file_of_the_right_layout_loads(tmp_path):
    data = D.load_catvnoncat(_fake_dir(tmp_path, classes=False))  # no list_classes: the default
    assert data.train_x.shape == (12288, 3) and data.test_x.shape == (12288, 2)
    assert np.array_equal(data.train_y, [[0.0, 1.0, 0.0]])
    assert np.array_equal(data.train_x[:, 1], data.train_x_orig[1].ravel() / 255)
    assert data.classes == ["non-cat", "cat"]


def test_find_uses_the_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path))
    assert D.find_catvnoncat() is None  # the folder exists but holds no files
    _fake_dir(tmp_path)
    assert D.find_catvnoncat() == tmp_path
    assert D.load_catvnoncat().train_x.shape == (12288, 3)


def test_missing_files_say_where_they_were_looked_for(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"train_catvnoncat\.h5.*--data DIR.*TINYGRAD_EDU"):
        D.load_catvnoncat(tmp_path / "nowhere")
    _write(tmp_path / D.TRAIN_FILE, "train")
    with pytest.raises(FileNotFoundError, match=rf"test_catvnoncat\.h5 in {tmp_path}"):
        D.load_catvnoncat(tmp_path)
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "elsewhere"))
    with pytest.raises(FileNotFoundError, match=r"elsewhere \(from \$TINYGRAD_EDU_DATA\)"):
        D.load_catvnoncat()


def test_wrong_shape_names_the_file_key_and_expected_shape(tmp_path):
    _fake_dir(tmp_path, x_shape=(3, 32, 32, 3))
    with pytest.raises(ValueError, match=r"train_catvnoncat\.h5.*'train_set_x'.*\(3, 32, 32, 3\)"
                       r".*\(m, 64, 64, 3\)"):  # fmt: skip
        D.load_catvnoncat(tmp_path)


def test_missing_key_and_mismatched_labels_are_named(tmp_path):
    _fake_dir(tmp_path, skip=("train_set_y",))
    with pytest.raises(ValueError, match=r"catvnoncat\.h5 has no dataset 'train_set_y'.*\(m,\)"):
        D.load_catvnoncat(tmp_path)
    _fake_dir(tmp_path, y_shape=(4,))
    with pytest.raises(ValueError, match=r"train_set_y has shape \(4,\) but there are 3 images"):
        D.load_catvnoncat(tmp_path)


def test_missing_h5py_says_how_to_install_it(tmp_path, monkeypatch):
    (tmp_path / D.TRAIN_FILE).write_bytes(b"")
    (tmp_path / D.TEST_FILE).write_bytes(b"")
    monkeypatch.setitem(sys.modules, "h5py", None)  # makes `import h5py` raise ImportError
    with pytest.raises(ImportError, match=r'pip install "tinygrad-edu\[data\]"'):
        D.load_catvnoncat(tmp_path)


def test_planar_flower_leaves_numpy_global_random_state_alone():
    np.random.seed(123)
    expected = np.random.rand(3)
    np.random.seed(123)
    D.planar_flower(40, seed=1)
    np.testing.assert_array_equal(np.random.rand(3), expected)


# ---- load_data: any of them by name, with a test set ----


def test_load_data_flower_is_the_course_train_and_test_sets():
    data = D.load_data("flower")
    assert data.name == "flower" and data.cat is None
    X, Y = D.planar_flower(m=400, seed=1)
    X_test, Y_test = D.planar_flower(m=200, seed=3)
    assert np.array_equal(data.train_x, X) and np.array_equal(data.train_y, Y)
    assert np.array_equal(data.test_x, X_test) and np.array_equal(data.test_y, Y_test)


@pytest.mark.parametrize("name", ["circles", "moons", "blobs", "quantiles"])
def test_load_data_planar_sets_train_on_m_points_and_test_on_fresh_ones(name):
    data = D.load_data(name, m=60)
    assert data.name == name
    assert data.train_x.shape == (2, 60) and data.train_y.shape == (1, 60)
    assert data.test_x.shape == (2, 30) and data.test_y.shape == (1, 30)
    assert not np.allclose(data.train_x[:, :30], data.test_x)  # another seed


def test_load_data_reads_the_cats_from_a_directory(tmp_path):
    data = D.load_data(str(_fake_dir(tmp_path)))
    assert data.name == "cat" and data.cat is not None
    assert data.train_x.shape == (12288, 3) and data.test_x.shape == (12288, 2)
    assert np.array_equal(data.train_x, data.cat.train_x)


def test_load_data_cat_uses_the_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"from \$TINYGRAD_EDU_DATA"):
        D.load_data("cat")
    _fake_dir(tmp_path)
    assert D.load_data("cat").train_x.shape == (12288, 3)


def test_load_data_names_what_it_takes_when_the_spec_is_unknown(tmp_path):
    sets = r"\(flower, circles, moons, blobs, quantiles, cat, cat_shaped\)"
    with pytest.raises(FileNotFoundError, match=r"load_data: 'mnist' is neither a dataset " + sets):
        D.load_data("mnist")
    with pytest.raises(FileNotFoundError, match=r"load_data: .*nowhere' is not a directory"):
        D.load_data(str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=r"load_catvnoncat: cannot find train_catvnoncat"):
        D.load_data(str(tmp_path))  # a directory, but without the files


def test_random_batch_has_both_classes_and_is_seeded():
    X, Y = D.random_batch(3, 7, seed=4)
    assert X.shape == (3, 7) and Y.shape == (1, 7)
    assert sorted(Y[0]) == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    X2, Y2 = D.random_batch(3, 7, seed=4)
    assert np.array_equal(X, X2) and np.array_equal(Y, Y2)
    assert not np.allclose(X, D.random_batch(3, 7, seed=5)[0])


def test_cat_shaped_pictures_have_the_cat_sets_shapes_and_a_learnable_difference():
    data = D.load_data("cat_shaped")
    assert data.name == "cat_shaped" and data.cat is None
    assert data.train_x.shape == (12288, 209) and data.train_y.shape == (1, 209)
    assert data.test_x.shape == (12288, 50) and data.test_y.shape == (1, 50)
    assert data.train_x.min() >= 0.0 and data.train_x.max() <= 1.0
    assert set(np.unique(data.train_y)) == {0.0, 1.0}
    X, Y = data.train_x, data.train_y
    half = np.random.default_rng(0).random((12288, 1)) < 0.5
    cats, others = X[:, Y[0] == 1], X[:, Y[0] == 0]
    # brighter on the chosen half for cats, darker for the others: a signal to learn
    assert cats[half[:, 0]].mean() - others[half[:, 0]].mean() > 0.03
    np.testing.assert_array_equal(D.cat_shaped(209, seed=1)[0], X)  # reproducible


def test_cats_or_cat_shaped_takes_the_cat_files_only_when_found(monkeypatch):
    monkeypatch.setattr(D, "find_catvnoncat", lambda: None)
    assert D.cats_or_cat_shaped().name == "cat_shaped"
