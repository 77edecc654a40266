"""The command line: the demo's files and report, check/graph/train output, one-line errors."""

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest
from helpers import run_cli

from tinygrad_edu import datasets, nn
from tinygrad_edu.report import Report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NUMBER = r"[0-9.]+(?:e[-+]?[0-9]+)?"


class Links(HTMLParser):
    """Every href and src in a page, and whether it has scripts."""

    def __init__(self):
        super().__init__()
        self.targets, self.scripts = [], 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        self.targets += [v for k, v in attrs if k in ("href", "src") and v]


def links_of(page: Path) -> Links:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


CATS = datasets.find_catvnoncat()  # with them, the quick demo also runs the cat models
ENVIRONMENT = os.environ.get(datasets.ENV_VAR)


@pytest.fixture(scope="module")
def quick_demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    cats = ["--data", str(CATS)] if CATS else []
    # Only --data brings the cats in, not the environment; unset it for this run alone, so that
    # the tests after this one see the environment they would see on their own.
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(datasets.ENV_VAR, raising=False)
        argv = ["demo", "--quick", "--no-progress", "--out", str(out), *cats]
        status, stdout, stderr = run_cli(argv)
    assert status == 0, stderr
    return out, stdout


# ---------------------------------------------------------------- demo


def test_demo_report_links_only_to_files_it_wrote(quick_demo):
    out, _ = quick_demo
    page = links_of(out / "index.html")
    assert page.scripts == 0
    local = [t for t in page.targets if not t.startswith("#")]
    assert len(local) > 20
    for target in local:
        assert "://" not in target and not target.startswith("/"), target  # relative, no network
        assert (out / unquote(target)).is_file(), target
    # every picture the demo drew is on the page
    drawn = {p.relative_to(out).as_posix() for p in out.glob("*.png")}
    drawn |= {p.relative_to(out).as_posix() for p in out.glob("*.svg")}
    assert drawn <= {unquote(t) for t in local}
    assert {"week2_graph.svg", "flower_deep_graph.svg", "flower_deep_layers.svg"} <= drawn
    assert {f"flower_hidden_{n}.png" for n in (1, 2, 3, 4, 5, 20, 50)} <= drawn
    cat_pictures = {"cat_week2.png", "cat_week4.png", "cat_mislabeled.png"}
    assert cat_pictures <= drawn if CATS else not cat_pictures & drawn


def test_demo_pictures_are_what_they_claim(quick_demo):
    out, _ = quick_demo
    svgs = list(out.rglob("*.svg"))
    assert len(svgs) > 15  # three graphs and two step-throughs
    for svg in svgs:
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg"), svg
    week2 = (out / "week2_graph.svg").read_text(encoding="utf-8")
    for name in ("w", "b", "Z", "A", "J", "dw", "db"):
        assert re.search(rf">\s*{name}\b", week2), name
    pngs = list(out.glob("*.png"))
    assert len(pngs) >= 12
    for png in pngs:
        assert png.read_bytes()[:8] == PNG_MAGIC, png


def test_demo_leaves_the_environment_as_it_found_it(quick_demo):
    assert os.environ.get(datasets.ENV_VAR) == ENVIRONMENT  # later tests see what they would alone


def test_demo_step_through_pages_name_existing_frames(quick_demo):
    out, _ = quick_demo
    for steps in ("week2_steps", "flower_deep_steps"):
        text = (out / steps / "index.html").read_text(encoding="utf-8")
        frames = re.findall(r'"file": "(step_\d+\.svg)"', text)
        assert frames and frames[0] == "step_000.svg"
        assert all((out / steps / f).is_file() for f in frames)
        assert len(frames) == len(list((out / steps).glob("step_*.svg")))


def test_demo_prints_checks_and_summary(quick_demo):
    _, stdout = quick_demo
    checks = re.findall(rf"^   ((?:logistic regression|DeepNN).*?)\s+({NUMBER})  ok$", stdout, re.M)
    assert len(checks) == 1 + len(nn.ACTIVATIONS)
    assert all(float(d) < 1e-10 for _, d in checks)
    rows = {}
    for line in stdout.splitlines():
        m = re.match(rf"^(.+?)\s+flower\s+(\d+)\s+({NUMBER})\s+({NUMBER}) %\s+({NUMBER}) %", line)
        if m:
            rows[m[1]] = (int(m[2]), float(m[3]), float(m[4]), float(m[5]))
    assert len(rows) == 2 + 7 + 1
    iterations, cost, train, _ = rows["logistic regression"]
    assert iterations == 300 and 40 < train < 55  # no line separates the petals
    assert 0.6 < cost < 0.7
    assert rows["4 tanh units"][0] == 300 and rows["sweep: n_h = 50"][0] == 200
    assert rows["4 tanh units"][2] > 80 and rows["deep tanh [2, 10, 5, 1]"][2] > 80
    assert "Report: " in stdout
    if not CATS:
        assert "Not run: pass --data DIR" in stdout
        return
    cats = re.findall(
        rf"^(week .+?)\s+cat\s+(\d+)\s+{NUMBER}\s+({NUMBER}) %\s+({NUMBER}) %", stdout, re.M
    )
    assert [(name, int(n)) for name, n, *_ in cats] == [
        ("week 2 logistic regression", 20),
        ("week 4 L-layer", 10),
    ]  # --full adds the two-layer
    for *_, train, test in cats:  # fractions of 209 training and 50 test pictures
        assert abs(float(train) / 100 * 209 - round(float(train) / 100 * 209)) < 0.01
        assert float(test) / 100 * 50 == pytest.approx(round(float(test) / 100 * 50))


# ---------------------------------------------------------------- check


def relative_differences(stdout):
    """(name, relative difference) from each per-parameter row of the printed GradcheckResult."""
    rows = re.findall(rf"^(\w+)\s+\([0-9, ]+\)\s+({NUMBER})(?=\s|$)", stdout, re.M)
    return [(name, float(d)) for name, d in rows]


def test_check_every_activation_agrees_to_1e_10():
    status, stdout, _ = run_cli(["check"])
    assert status == 0
    diffs = relative_differences(stdout)
    assert len(diffs) == 6 * len(nn.ACTIVATIONS)  # W1..b3 of [2, 4, 3, 1], per activation
    assert [n for n, _ in diffs[:6]] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert all(d < 1e-10 for _, d in diffs)
    assert f"{len(nn.ACTIVATIONS)} of {len(nn.ACTIVATIONS)} agree" in stdout


def test_check_logistic_and_one_activation():
    status, stdout, _ = run_cli(["check", "--logistic", "--layers", "5,1", "--m", "7"])
    assert status == 0
    assert [n for n, _ in relative_differences(stdout)] == ["w", "b"]
    assert "n_x = 5 (m = 7)" in stdout
    status, stdout, _ = run_cli(["check", "--layers", "3,6,1", "--activation", "relu"])
    assert status == 0 and "hidden relu" in stdout and "hidden tanh" not in stdout
    assert len(relative_differences(stdout)) == 4


# ---------------------------------------------------------------- graph


def test_graph_writes_svg_dot_and_steps(tmp_path):
    status, stdout, _ = run_cli(["graph", "--layers", "3,2,1", "--out", str(tmp_path / "g.svg"),
                             "--steps", str(tmp_path / "steps")])  # fmt: skip
    assert status == 0 and "wrote" in stdout
    text = (tmp_path / "g.svg").read_text(encoding="utf-8")
    ET.fromstring(text)
    for name in ("W[1]", "Z[2]", "AL", "J"):
        assert name in text, name
    assert (tmp_path / "steps" / "step_000.svg").is_file()

    argv = ["graph", "--collapse", "layers", "--rankdir", "TB", "--out", str(tmp_path / "g.dot")]
    status, _, _ = run_cli(argv)
    dot = (tmp_path / "g.dot").read_text(encoding="utf-8")
    assert status == 0 and dot.startswith("digraph") and "W[2]" in dot and "rankdir=TB" in dot

    status, _, _ = run_cli(["graph", "--logistic", "--layers", "4,1", "--out", str(tmp_path / "w")])
    assert status == 2  # "w" has no .svg / .dot ending
    status, _, _ = run_cli(["graph", "--logistic", "--layers", "4,1",
                        "--out", str(tmp_path / "w.svg")])  # fmt: skip
    assert status == 0 and "Wᵀ·A + b" in (tmp_path / "w.svg").read_text(encoding="utf-8")


# ---------------------------------------------------------------- train


def test_train_prints_what_the_saved_model_does(tmp_path):
    save = tmp_path / "moons"
    status, stdout, _ = run_cli(["train", "--data", "moons", "--layers", "2,5,1", "--iterations",
                             "300", "--save", str(save), "--no-progress"])  # fmt: skip
    assert status == 0
    m = re.search(rf"final cost ({NUMBER}), train accuracy ({NUMBER}) %, test accuracy", stdout)
    assert m, stdout
    model = nn.DeepNN([2, 5, 1], "tanh", init="small")
    model.load(tmp_path / "moons.npz")
    X, Y = datasets.noisy_moons(m=400, seed=0)
    assert float(model.cost(X, Y).data) == pytest.approx(float(m[1]), abs=1e-6)
    assert 100 * nn.accuracy(model, X, Y) == pytest.approx(float(m[2]), abs=0.005)
    assert float(m[2]) > 80  # moons are nearly separable with 5 tanh units


def test_train_optimizers_and_printing():
    argv = ["train", "--data", "blobs", "--optimizer", "adam", "--lr", "0.05"]
    argv += ["--iterations", "200", "--print-every", "100", "--no-progress"]
    status, stdout, _ = run_cli(argv)
    assert status == 0
    assert "Cost after iteration 0: " in stdout and "Cost after iteration 199: " in stdout
    assert "adam, learning rate 0.05, 200 iterations" in stdout


def test_train_on_the_cats_when_present(cat_dir):
    status, stdout, _ = run_cli(["train", "--data", str(cat_dir), "--layers", "12288,2,1",
                             "--iterations", "2", "--no-progress"])  # fmt: skip
    assert status == 0
    assert "cat: X (12288, 209), Y (1, 209); test X (12288, 50)" in stdout


# ---------------------------------------------------------------- errors


BAD = [
    (["train", "--data", "mnist"], 2, "neither a dataset"),
    (["train", "--data", "/no/such/dir"], 2, "is not a directory"),
    (["train", "--layers", "2,0,1"], 2, "at least one unit"),
    (["train", "--layers", "2,x,1"], 2, "integers separated by commas"),
    (["train", "--layers", "2,4,2"], 2, "end the list with 1"),
    (["train", "--layers", "3,4,1"], 2, "n_x = 2"),
    (["train", "--hidden-activation", "swish"], 2, "invalid choice: 'swish'"),
    (["train", "--init", "random"], 2, "invalid choice: 'random'"),
    (["train", "--optimizer", "sgd"], 2, "invalid choice: 'sgd'"),
    (["train", "--lr", "fast"], 2, "'fast' is not a float"),
    (["train", "--lr", "-1"], 2, "must be greater than 0"),
    (["train", "--iterations", "0"], 2, "must be greater than 0"),
    (["train", "--data", "circles", "--m", "3"], 1, "m must be an even number"),
    (["demo", "--data", "/no/such/dir"], 2, "is not a directory"),
    (["graph", "--activation", "softmax"], 2, "invalid choice"),
    (["graph", "--out", "graph.png"], 2, "end the file name with .svg"),
    (["check", "--logistic", "--layers", "2,4,1"], 2, "give --layers n_x,1"),
    (["fly"], 2, "invalid choice: 'fly'"),
    ([], 2, "required"),
]


@pytest.mark.parametrize("argv, status, words", BAD, ids=[" ".join(a) or "none" for a, *_ in BAD])
def test_bad_arguments_get_one_line(argv, status, words):
    got, stdout, stderr = run_cli(argv)
    assert got == status
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("tinygrad-edu: error: ") and words in lines[0]
    assert "Traceback" not in stderr + stdout


def test_demo_with_an_empty_data_directory_fails_before_training(tmp_path):
    got, stdout, stderr = run_cli(["demo", "--data", str(tmp_path), "--out", str(tmp_path / "o")])
    assert got == 1 and stdout == ""
    assert stderr.startswith("tinygrad-edu: error: load_catvnoncat: cannot find train_catvnoncat")
    assert len(stderr.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_demo_into_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    got, _, stderr = run_cli(["demo", "--quick", "--out", str(tmp_path / "f")])
    assert got == 2 and stderr.startswith("tinygrad-edu: error: --out") and "is a file" in stderr


def test_help_and_version_exit_zero():
    status, stdout, _ = run_cli(["--help"])
    assert status == 0 and all(c in stdout for c in ("demo", "graph", "check", "train"))
    status, stdout, _ = run_cli(["--version"])
    assert status == 0 and stdout.startswith("tinygrad-edu 0.")


def test_python_dash_m_runs_in_a_fresh_process():
    done = subprocess.run([sys.executable, "-m", "tinygrad_edu", "train", "--lr", "x"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "tinygrad-edu: error: argument --lr: 'x' is not a float (see 'tinygrad-edu train --help')"
    ]
    done = subprocess.run([sys.executable, "-m", "tinygrad_edu", "--help"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0 and "usage: tinygrad-edu" in done.stdout


# ---------------------------------------------------------------- the report writer


def test_report_escapes_text_and_keeps_links_relative(tmp_path):
    (tmp_path / "a b.png").write_bytes(PNG_MAGIC)
    page = Report("<t>", tmp_path)
    page.section("one & two", "x < y")
    page.figure(tmp_path / "a b.png", 'say "hi"')
    page.table(["model", "verdict"], [["m", "ok"], ["n", "MISMATCH"]], verdicts=[True, False])
    text = page.write().read_text(encoding="utf-8")
    assert "<title>&lt;t&gt;</title>" in text and "one &amp; two" in text and "x &lt; y" in text
    assert 'src="a%20b.png"' in text and 'alt="say &quot;hi&quot;"' in text
    assert '<td class="ok">ok</td>' in text and '<td class="bad">MISMATCH</td>' in text
    with pytest.raises(ValueError, match="outside"):
        page.figure(Path("/elsewhere/x.png"), "x")
    np.testing.assert_equal(
        links_of(tmp_path / "index.html").targets, ["#s1", "a%20b.png", "a%20b.png"]
    )
