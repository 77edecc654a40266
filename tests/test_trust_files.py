"""The tool never deletes or overwrites a file it did not write, and checks its paths first.

One rule (outdir.py): a directory is written into only when it is new, empty, or carries the
tool's marker, and then only the files the marker lists are replaced or removed. Single files
(graph --out, train --save) are checked before any training or drawing.
"""

import json

import numpy as np
import pytest
from helpers import run_cli

from tinygrad_edu import demo, nn, outdir, viz
from tinygrad_edu.tensor import Tensor

USERS_FILES = {
    "step_001.svg": b"<svg><!-- my own drawing --></svg>",
    "index.html": b"<html>my notes page</html>",
    "notes.txt": b"lecture notes\n",
}


def snapshot(folder):
    """Every file under folder, by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture
def users_dir(tmp_path):
    """A directory holding a user's own step_001.svg, index.html and notes.txt."""
    folder = tmp_path / "mine"
    folder.mkdir()
    for name, data in USERS_FILES.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def no_training(monkeypatch):
    """nn.fit fails if called: what is refused must be refused before any training."""

    def fit(*args, **kwargs):
        raise AssertionError("nn.fit was called: the path should have been refused first")

    monkeypatch.setattr(nn, "fit", fit)


def cost(n_x):
    """Week 2's cost on n_x features: a longer walk than short_cost's."""
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((n_x, 3)), np.array([[1.0, 0.0, 1.0]])
    return nn.logistic_regression_graph(X, Y, w=rng.standard_normal((n_x, 1)))


def short_cost():
    """J = sum(w * w): a walk of three nodes."""
    w = Tensor([[1.0, 2.0]], requires_grad=True, name="w")
    return (w * w).sum()


def marker(folder):
    return json.loads((folder / outdir.MARKER).read_text(encoding="utf-8"))


def step_files(folder):
    return sorted(p.name for p in folder.glob("step_*.svg"))


# ---------------------------------------------------------------- a user's directory is refused


def test_backward_steps_refuses_a_users_directory_and_touches_nothing(users_dir):
    before = snapshot(users_dir)
    with pytest.raises(outdir.RefusedPathError) as refused:
        viz.backward_steps(cost(2), users_dir, backend="wasm")
    assert str(refused.value) == (
        f"backward_steps: {str(users_dir)!r} already holds files tinygrad_edu did not write "
        "(e.g. 'index.html'); give a new or empty directory"
    )
    assert snapshot(users_dir) == before  # byte for byte, and no marker added
    assert sorted(p.name for p in users_dir.iterdir()) == sorted(USERS_FILES)


def test_demo_refuses_a_users_directory_before_training(users_dir, no_training):
    before = snapshot(users_dir)
    status, stdout, stderr = run_cli(["demo", "--quick", "--no-cat", "--no-progress",
                                  "--out", str(users_dir)])  # fmt: skip
    assert status == 2 and stdout == ""
    assert stderr == (
        f"tinygrad-edu: error: --out: {str(users_dir)!r} already holds files tinygrad_edu did "
        "not write (e.g. 'index.html'); give a new or empty directory\n"
    )
    assert snapshot(users_dir) == before


def test_demo_run_itself_refuses_a_users_directory(users_dir, no_training):
    before = snapshot(users_dir)
    with pytest.raises(ValueError, match="^demo: .* already holds files tinygrad_edu did not"):
        demo.run(users_dir, demo.budget(quick=True, full=False), progress=False)
    assert snapshot(users_dir) == before


def test_graph_steps_refuses_a_users_directory_before_drawing(users_dir, tmp_path):
    before = snapshot(users_dir)
    picture = tmp_path / "g.svg"
    status, stdout, stderr = run_cli(["graph", "--out", str(picture), "--steps", str(users_dir)])
    assert status == 2 and stdout == ""
    assert stderr.startswith(f"tinygrad-edu: error: --steps: {str(users_dir)!r} already holds")
    assert len(stderr.splitlines()) == 1
    assert snapshot(users_dir) == before
    assert not picture.exists()  # checked before anything was drawn


def test_a_file_is_refused_as_a_directory(tmp_path, no_training):
    path = tmp_path / "f"
    path.write_bytes(b"not a folder")
    with pytest.raises(outdir.RefusedPathError, match="is a file, not a directory"):
        viz.backward_steps(cost(2), path)
    status, _, stderr = run_cli(["demo", "--quick", "--no-cat", "--out", str(path)])
    assert status == 2 and stderr.startswith("tinygrad-edu: error: --out") and "is a file" in stderr
    with pytest.raises(outdir.RefusedPathError, match="is a file"):
        demo.run(path, demo.budget(quick=True, full=False), progress=False)
    assert path.read_bytes() == b"not a folder"


# ---------------------------------------------------------------- the tool's own directory


def test_a_fresh_directory_is_made_and_marked(tmp_path):
    folder = tmp_path / "new" / "steps"  # neither exists yet
    J = cost(2)
    index = viz.backward_steps(J, folder, backend="wasm")
    n = len(J.topological_order())
    assert index == folder / "index.html"
    assert step_files(folder) == [f"step_{k:03d}.svg" for k in range(n)]
    record = marker(folder)
    assert record["made_by"] == "backward_steps"
    assert record["written"] == {"backward_steps": sorted([*step_files(folder), "index.html"])}
    everything = sorted(p.name for p in folder.iterdir())
    assert everything == sorted([*record["written"]["backward_steps"], outdir.MARKER])

    empty = tmp_path / "empty"
    empty.mkdir()
    viz.backward_steps(J, empty, backend="wasm")
    assert marker(empty)["written"] == record["written"]


def test_a_rerun_removes_only_its_own_stale_pages(tmp_path):
    folder = tmp_path / "steps"
    long_J, short_J = cost(3), short_cost()
    n_long, n_short = len(long_J.topological_order()), len(short_J.topological_order())
    assert n_short < n_long
    viz.backward_steps(long_J, folder, backend="wasm")
    assert len(step_files(folder)) == n_long
    (folder / "notes.txt").write_bytes(b"mine")  # the user's, in the tool's directory
    (folder / "step_900.svg").write_bytes(b"<svg>mine too</svg>")  # named like a page, but mine

    viz.backward_steps(short_J, folder, backend="wasm")
    kept = [f"step_{k:03d}.svg" for k in range(n_short)]
    assert step_files(folder) == [*kept, "step_900.svg"]  # the stale pages, and only they, gone
    assert (folder / "notes.txt").read_bytes() == b"mine"
    assert (folder / "step_900.svg").read_bytes() == b"<svg>mine too</svg>"
    assert marker(folder)["written"] == {"backward_steps": sorted([*kept, "index.html"])}
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert f"step_{n_short:03d}.svg" not in page and f"step_{n_short - 1:03d}.svg" in page


def test_a_users_file_where_a_page_would_go_is_refused_before_drawing(tmp_path):
    folder = tmp_path / "steps"
    short_J, long_J = short_cost(), cost(3)
    viz.backward_steps(short_J, folder, backend="wasm")
    n_short = len(short_J.topological_order())
    mine = folder / f"step_{n_short:03d}.svg"  # the next page a longer walk would write
    mine.write_bytes(b"<svg>my page</svg>")
    before = snapshot(folder)
    with pytest.raises(outdir.RefusedPathError, match="is not a file tinygrad_edu wrote"):
        viz.backward_steps(long_J, folder, backend="wasm")
    assert snapshot(folder) == before  # nothing redrawn, nothing removed


def test_the_demo_marks_its_folders_and_a_rerun_keeps_the_users_files(tmp_path):
    out = tmp_path / "out"
    argv = ["demo", "--quick", "--no-cat", "--no-progress", "--out", str(out)]
    status, first_stdout, _ = run_cli(argv)
    assert status == 0
    record = marker(out)
    assert record["made_by"] == "demo"
    assert record["written"] == {"demo": sorted(demo.files_written(cats=False))}
    written = {p.name for p in out.iterdir() if p.is_file()}
    assert written == {*demo.files_written(cats=False), outdir.MARKER}  # nothing unlisted
    for sub in demo.STEP_DIRS:
        assert marker(out / sub)["made_by"] == "backward_steps"

    (out / "notes.txt").write_bytes(b"mine")
    (out / "week2_steps" / "notes.txt").write_bytes(b"mine too")
    (out / "cat_week2.png").write_bytes(b"a picture an earlier run with cats drew")
    record["written"]["demo"].append("cat_week2.png")  # ... and recorded
    (out / outdir.MARKER).write_text(json.dumps(record), encoding="utf-8")

    status, stdout, _ = run_cli(argv)  # nested claims, again
    assert status == 0 and "Report: " in stdout
    assert (out / "notes.txt").read_bytes() == b"mine"
    assert (out / "week2_steps" / "notes.txt").read_bytes() == b"mine too"
    assert not (out / "cat_week2.png").exists()  # the demo's own, no longer drawn: removed
    assert marker(out)["written"] == {"demo": sorted(demo.files_written(cats=False))}


# ---------------------------------------------------------------- single files, checked first


def test_train_save_where_no_folder_can_be_made_fails_before_training(tmp_path, no_training):
    blocker = tmp_path / "results"
    blocker.write_bytes(b"a file, not a folder")
    status, stdout, stderr = run_cli(["train", "--data", "moons", "--iterations", "5",
                                  "--save", str(blocker / "model"), "--no-progress"])  # fmt: skip
    assert status == 2 and stdout == ""  # not even the data was announced
    assert stderr == (
        f"tinygrad-edu: error: --save: cannot write {str(blocker / 'model.npz')!r}: "
        f"{str(blocker)!r} is a file, not a folder\n"
    )
    (tmp_path / "model.npz").mkdir()  # "model" gets ".npz": that is the path checked
    status, _, stderr = run_cli(["train", "--iterations", "5", "--save", str(tmp_path / "model")])
    assert status == 2 and "model.npz' is a directory; give a file name" in stderr
    assert blocker.read_bytes() == b"a file, not a folder"
    status, _, stderr = run_cli(["train", "--iterations", "5", "--save", str(tmp_path)])
    assert status == 2 and stderr.endswith(f"--save: {str(tmp_path)!r} is a directory; give a "
                                           "file name\n")  # fmt: skip
    assert not (tmp_path.parent / f"{tmp_path.name}.npz").exists()  # it used to be written there


def test_train_save_into_a_missing_folder_makes_it_after_training(tmp_path):
    path = tmp_path / "runs" / "week3" / "moons"
    status, stdout, _ = run_cli(["train", "--data", "moons", "--layers", "2,3,1", "--iterations",
                             "20", "--save", str(path), "--no-progress"])  # fmt: skip
    assert status == 0 and f"saved the parameters to {path}.npz" in stdout
    model = nn.DeepNN([2, 3, 1], "tanh")
    model.load(f"{path}.npz")
    assert model.state_dict()["W1"].shape == (3, 2)


def test_graph_out_where_no_folder_can_be_made_is_refused_before_drawing(tmp_path):
    blocker = tmp_path / "pictures"
    blocker.write_bytes(b"a file")
    steps = tmp_path / "steps"
    status, _, stderr = run_cli(["graph", "--out", str(blocker / "g.svg"), "--steps", str(steps)])
    assert status == 2 and stderr.startswith("tinygrad-edu: error: --out: cannot write ")
    assert not steps.exists()  # refused before anything was made


# ---------------------------------------------------------------- the rule itself


def test_check_makes_nothing_and_claim_nests(tmp_path):
    parent = tmp_path / "a" / "b"
    assert outdir.check(parent, "t") == parent and not (tmp_path / "a").exists()
    inner = outdir.claim(parent / "steps", "inner")
    inner.write_text("page.html", "<p>")
    outer = outdir.claim(parent, "outer")  # holds nothing but the tool's own marked folder
    assert marker(parent) == {"tool": "tinygrad_edu", "made_by": "outer", "written": {}}
    assert marker(parent / "steps")["written"] == {"inner": ["page.html"]}
    with pytest.raises(ValueError, match="not a plain file name"):
        outer.file("steps/page.html")  # a folder inside is claimed by its own writer


def test_a_marker_that_is_not_the_tools_is_no_claim(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / outdir.MARKER).write_text('{"tool": "something else", "written": {}}')
    with pytest.raises(outdir.RefusedPathError, match=r"e\.g\. '\.tinygrad_edu\.json'"):
        outdir.claim(folder, "t")


def test_a_writer_replaces_a_file_another_writer_recorded_and_owns_it(tmp_path):
    first = outdir.claim(tmp_path / "d", "first")
    first.write_text("index.html", "one")
    first.write_text("a.txt", "a")
    second = outdir.claim(tmp_path / "d", "second")
    second.write_text("index.html", "two")
    assert second.finish() == []
    assert marker(tmp_path / "d")["written"] == {"first": ["a.txt"], "second": ["index.html"]}
    again = outdir.claim(tmp_path / "d", "first")  # writes nothing this time
    assert again.finish() == [tmp_path / "d" / "a.txt"]  # its own stale file, not index.html
    assert (tmp_path / "d" / "index.html").read_text() == "two"
