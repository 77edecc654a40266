"""The benchmark stays runnable, and compares like with like (no timings are asserted)."""

import re

import numpy as np
import pytest

from benchmarks import bench


@pytest.mark.parametrize("workload", bench.WORKLOADS, ids=lambda w: w.name)
def test_engine_and_hand_steps_do_the_same_work(workload):
    X, Y = bench.make_data(workload, quick=True)
    engine, hand = bench.engine_step(workload, X, Y), bench.hand_step(workload, X, Y)
    for _ in range(3):  # three steps: the updates agree too, not only the first cost
        J_engine, J_hand = float(engine().data), float(hand())
        assert J_engine == pytest.approx(J_hand, rel=1e-12)


def test_quick_run_prints_a_row_per_workload(capsys):
    assert bench.main(["--quick", "--scaling", "20", "40"]) == 0
    out = capsys.readouterr().out
    for w in bench.WORKLOADS:
        row = re.search(rf"^{w.name}\s+([\d.]+)\s+([\d.]+) \(([\d.]+)-([\d.]+)\)", out, re.M)
        assert row, out
        median, low, high = map(float, row.groups()[1:])
        assert 0 < low <= median <= high
    assert len(re.findall(r"^\s+(chain|wide)\s+\d+ nodes: +[\d.]+ us/node$", out, re.M)) == 4


def test_peak_memory_sees_numpy_buffers():
    size = 1_000_000

    def step():
        return np.ones(size).sum()

    assert bench.peak_bytes(step) >= size * 8
