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
    for w in bench.WORKLOADS:  # the numbers themselves: checked on a fake clock below
        assert re.search(rf"^{w.name}\s+[\d.]+\s+[\d.]+ \([\d.]+-[\d.]+\)", out, re.M), out
    assert len(re.findall(r"^\s+(chain|wide)\s+\d+ nodes: +[\d.]+ us/node$", out, re.M)) == 4


class FakeStep:
    """A step whose timed batches take the seconds given (one per call of time_steps)."""

    def __init__(self, seconds, peak):
        self.seconds, self.peak = list(seconds), peak

    def __call__(self):
        return 0.0


def test_the_table_shows_median_min_max_of_per_round_ratios(monkeypatch, capsys):
    # seconds per step: the probe that sizes the batches (hand only), the warm-up, three rounds
    hand = FakeStep([9.0, 9.0, 0.002, 0.004, 0.001], peak=1000)
    engine = FakeStep([9.0, 0.003, 0.004, 0.004], peak=1500)  # ratios 1.5, 1.0, 4.0
    f32 = FakeStep([9.0, 0.001, 0.001, 0.001], peak=800)  # ratios 0.5, 0.25, 1.0
    monkeypatch.setattr(bench, "WORKLOADS", bench.WORKLOADS[:1])
    monkeypatch.setattr(bench, "hand_step", lambda w, X, Y: hand)
    monkeypatch.setattr(bench, "engine_step", lambda w, X, Y, dtype="float64": {
        "float64": engine, "float32": f32}[dtype])  # fmt: skip
    monkeypatch.setattr(bench, "torch_step", lambda w, X, Y: None)
    monkeypatch.setattr(bench, "time_steps", lambda step, n: step.seconds.pop(0))
    monkeypatch.setattr(bench, "peak_bytes", lambda step: step.peak)
    assert bench.main(["--rounds", "3", "--scaling"]) == 0
    assert [s.seconds for s in (hand, engine, f32)] == [[], [], []]  # every batch was timed
    row = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("planar"))
    # the median of the ratios (1.5), not the ratio of the medians (0.004 / 0.002 = 2.0);
    # hand ms is the median hand step; memory is each peak over the hand step's
    assert row.split() == [
        "planar", "2.000", "1.50", "(1.00-4.00)", "0.50", "(0.25-1.00)", "1.50", "0.80"
    ]  # fmt: skip


def test_peak_memory_sees_numpy_buffers():
    size = 1_000_000

    def step():
        return np.ones(size).sum()

    assert bench.peak_bytes(step) >= size * 8


def test_cachelines_takes_one_step_as_the_difference_of_two_runs(tmp_path):
    from benchmarks import cachelines

    def out(name, ir, ilmr, dlmr, dlmw):
        path = tmp_path / name
        path.write_text(
            "desc: I1 cache: 32768 B, 64 B, 8-way associative\ncmd: python\n"
            "events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw\nfl=x.c\nfn=f\n1 2 3\n"
            f"summary: {ir} 7 {ilmr} 9 9 {dlmr} 9 9 {dlmw}\n"
        )
        return cachelines.summary(str(path))

    few, many = out("a", 1000, 50, 70, 30), out("b", 5000, 250, 470, 110)
    assert few == {"Ir": 1000, "I1mr": 7, "ILmr": 50, "Dr": 9, "D1mr": 9, "DLmr": 70,
                   "Dw": 9, "D1mw": 9, "DLmw": 30}  # fmt: skip
    assert cachelines.per_step(few, many, 20) == {"Ir": 200, "ILmr": 10, "DLmr": 20, "DLmw": 4}
    (tmp_path / "cut").write_text("events: Ir\n")
    with pytest.raises(ValueError, match="no summary line"):
        cachelines.summary(str(tmp_path / "cut"))


def test_cachelines_worker_runs_three_warm_up_steps_then_the_steps_asked_for(monkeypatch):
    from benchmarks import cachelines

    ran = []
    for kind in ("engine", "hand"):
        monkeypatch.setattr(bench, f"{kind}_step", lambda w, X, Y, k=kind: lambda: ran.append(k))
    cachelines.worker("engine", "planar", 4)
    cachelines.worker("hand", "planar", 2)
    assert ran == ["engine"] * 7 + ["hand"] * 5
