"""What several test files share: the course's cat files and the slow flag.

The cat files are never copied into the repo: they are found through $TINYGRAD_EDU_DATA or
../shared/data/catvnoncat beside it (datasets.find_catvnoncat), and the tests that need them
skip, saying how to provide them, when they are absent. The op-checking helpers, and the one
central-difference routine, live in helpers.py: a plain module the test files import.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tinygrad_edu import datasets

SLOW_VAR = "TINYGRAD_EDU_SLOW"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"slow: a full-length training; runs only with {SLOW_VAR}=1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get(SLOW_VAR) == "1":
        return
    skip = pytest.mark.skip(reason=f"full-length training: set {SLOW_VAR}=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def cat_dir() -> Path:
    """The folder holding both cat files; skips the test when there is none."""
    found = datasets.find_catvnoncat()
    if found is None:
        pytest.skip(
            f"the cat files are absent: set {datasets.ENV_VAR} to the folder with "
            f"{datasets.TRAIN_FILE} and {datasets.TEST_FILE}"
        )
    return found


@pytest.fixture(scope="session")
def cats(cat_dir: Path) -> datasets.CatData:
    """The course's cat / non-cat set, read once per run; skips without the files or h5py."""
    pytest.importorskip("h5py", reason="reading the cat data needs h5py (the data extra)")
    return datasets.load_catvnoncat(directory=cat_dir)
