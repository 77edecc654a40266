"""The examples run end to end (a few iterations each): gradient check, costs, accuracies."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(script, *args, env=None):
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--iterations", "3", "--no-progress", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("script, last", [
    ("week2_logistic_regression.py", "test accuracy: "),
    ("week4_deep_cat.py", "train accuracy: "),
])  # fmt: skip
def test_cat_examples_fall_back_to_the_flower(tmp_path, script, last):
    out = run(script, "--data", str(tmp_path))
    assert "runs on the planar flower instead" in out and "TINYGRAD_EDU_DATA" in out
    assert "(tol 1e-10): ok" in out  # the gradient check passed before training
    assert "Cost after iteration 0: 0.69" in out and "Cost after iteration 2: " in out
    assert last in out


@pytest.mark.usefixtures("cat_dir")  # the script finds the files as find_catvnoncat does
def test_week2_on_the_cats_prints_the_course_first_cost():
    out = run("week2_logistic_regression.py")
    assert "Cost after iteration 0: 0.6931471805599453" in out  # log 2: w = 0, b = 0
    assert "flower" not in out


@pytest.mark.usefixtures("cat_dir")  # the script finds the files as find_catvnoncat does
def test_week4_on_the_cats_prints_the_course_first_costs():
    out = run("week4_deep_cat.py")
    assert out.count("(tol 1e-10): ok") == 2
    assert "Cost after iteration 0: 0.69304973565998" in out  # the notebook: 0.6930497356599888
    assert "Cost after iteration 0: 0.77174932842376" in out  # the notebook: 0.771749


def test_week3_flower_example():
    out = run("week3_planar_flower.py", env={**os.environ, "PYTHONWARNINGS": "error"})
    assert "Logistic regression: accuracy" in out and "(tol 1e-10): ok" in out
    assert "Cost after iteration 0: 0.69304802" in out  # the course prints 0.693048
    assert "Accuracy for 50 hidden units: " in out
