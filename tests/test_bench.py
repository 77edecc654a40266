"""The benchmark stays runnable, compares like with like, and refuses a busy machine (no timings
are asserted: the clock is faked wherever numbers are checked)."""

import contextlib
import re

import numpy as np
import pytest

from benchmarks import bench, lean, overhead
from tinygrad_edu import reference


@pytest.mark.parametrize("workload", bench.WORKLOADS, ids=lambda w: w.name)
def test_the_lean_step_computes_what_the_course_code_computes(workload):
    X, Y = bench.make_data(workload, quick=True)  # planar's own size; n_x = 64 for the others
    dims = [X.shape[0], *workload.layer_dims[1:]]
    close = {"rtol": 1e-12, "atol": 1e-15}
    if len(dims) == 2:
        w, b = np.zeros((dims[0], 1)), 0.0
        for _ in range(3):  # three steps: the updates agree too, not only the first gradients
            grads, cost = reference.propagate(w, b, X, Y)
            w_ref, b_ref = w - workload.lr * grads["dw"], b - workload.lr * grads["db"]
            w, b, J, ours = lean.logistic_step(w, b, X, Y, workload.lr)
            assert J == pytest.approx(cost, rel=1e-12)
            np.testing.assert_allclose(ours["dw"], grads["dw"], **close)
            assert ours["db"] == pytest.approx(grads["db"], rel=1e-12, abs=1e-15)
            np.testing.assert_allclose(w, w_ref, **close)
            assert b == pytest.approx(b_ref, rel=1e-12, abs=1e-15)
        return
    params = reference.initialize_parameters(dims, init="scaled", seed=1)
    for _ in range(3):
        AL, caches = reference.L_model_forward(X, params, workload.hidden)
        cost = reference.compute_cost(AL, Y)
        grads = reference.L_model_backward(AL, Y, caches, workload.hidden)
        updated = reference.update_parameters(params, grads, workload.lr)
        params, J, ours = lean.L_layer_step(params, X, Y, workload.hidden, workload.lr)
        assert J == pytest.approx(cost, rel=1e-12)
        assert set(ours) == {k for k in grads if not k.startswith("dA")}  # no dA[0], no dA[l]
        for k in ours:
            np.testing.assert_allclose(ours[k], grads[k], **close, err_msg=k)
        assert set(params) == set(updated)
        for k in params:
            np.testing.assert_allclose(params[k], updated[k], **close, err_msg=k)


@pytest.mark.parametrize("workload", bench.WORKLOADS, ids=lambda w: w.name)
def test_every_row_does_the_same_work(workload):
    X, Y = bench.make_data(workload, quick=True)
    steps = {"lean": bench.lean_step(workload, X, Y), "reference": bench.hand_step(workload, X, Y)}
    steps |= {p: bench.engine_step(workload, X, Y, p) for p in bench.ENGINE_PATHS}
    torch = bench.torch_step(workload, X, Y)
    if torch is not None:
        steps["torch"] = torch
    for _ in range(3):  # the same start and the same updates: the same costs, step after step
        Js = {k: step() for k, step in steps.items()}  # numpy's, a Tensor, torch's
        costs = {k: float(J.detach() if k == "torch" else J) for k, J in Js.items()}
        for k, c in costs.items():
            assert c == pytest.approx(costs["lean"], rel=1e-12), k


def test_quick_run_prints_a_row_per_engine_path_with_a_cell_per_workload(capsys):
    assert bench.main(["--quick", "--scaling", "20", "40"]) == 0
    out = capsys.readouterr().out
    names = [w.name for w in bench.WORKLOADS]
    assert re.search(r"^step\s+" + r"\s+".join(names) + "$", out, re.M), out
    cell = r"\s+[\d.]+ \([\d.]+-[\d.]+\)"
    labels = [label for key, label in bench.ROWS if key not in ("torch", "lean1")]
    for label in labels:  # the numbers themselves: checked on a fake clock below
        assert re.search(rf"^{re.escape(label)}{cell * len(names)}$", out, re.M), label
    assert len(re.findall(r"^\s+(chain|wide)\s+\d+ nodes: +[\d.]+ us/node$", out, re.M)) == 4


class FakeStep:
    """A step whose timed batches take the seconds given (one per call of time_steps)."""

    def __init__(self, seconds, peak):
        self.seconds, self.peak = list(seconds), peak

    def __call__(self):
        return 0.0


def fake_run(monkeypatch, lean_s, others_s, peaks=None, cpu=None):
    """Run main on one workload whose steps take the seconds given; the control row too.

    lean_s and each of others_s: the probe that sizes the batches (lean only), the warm-up,
    then one batch per round. Returns the steps by row key.
    """
    peaks = peaks or {}
    steps = {"lean": FakeStep(lean_s, peaks.get("lean", 1000))}
    for k, s in others_s.items():
        steps[k] = FakeStep(s, peaks.get(k, 1000))
    lean_steps = iter([steps["lean"], steps["lean1"]])
    inside = []  # whether the BLAS limit was on, at each timed batch

    @contextlib.contextmanager
    def limit():
        inside.append(True)
        yield
        inside.pop()

    def time_steps(step, n):
        assert bool(inside) == (step is steps["lean1"])  # one thread for the control row only
        return step.seconds.pop(0)

    monkeypatch.setattr(bench, "WORKLOADS", bench.WORKLOADS[:1])
    monkeypatch.setattr(bench, "lean_step", lambda w, X, Y: next(lean_steps))
    monkeypatch.setattr(bench, "hand_step", lambda w, X, Y: steps["reference"])
    monkeypatch.setattr(bench, "engine_step", lambda w, X, Y, path: steps[path])
    monkeypatch.setattr(bench, "torch_step", lambda w, X, Y: None)
    monkeypatch.setattr(bench, "one_thread", lambda: limit)
    monkeypatch.setattr(bench, "time_steps", time_steps)
    monkeypatch.setattr(bench, "peak_bytes", lambda step: step.peak)
    monkeypatch.setattr(bench, "cpu_seconds", cpu or (lambda: None))
    return steps


QUIET = {  # after the warm-up (9.0), three rounds; lean's are 0.002, 0.0024, 0.002
    "reference": [9.0, 0.003, 0.0048, 0.005],  # ratios 1.5, 2.0, 2.5
    "readme": [9.0, 0.006, 0.0036, 0.008],  # ratios 3.0, 1.5, 4.0: median 3.0, not 0.006/0.002
    "wrapped": [9.0, 0.002, 0.0024, 0.002],  # ratios 1.0
    "cost": [9.0, 0.001, 0.0024, 0.0024],  # ratios 0.5, 1.0, 1.2
    "lean1": [9.0, 0.004, 0.0024, 0.003],  # ratios 2.0, 1.0, 1.5
}
LEAN = [9.0, 9.0, 0.002, 0.0024, 0.002]  # the probe, the warm-up, three rounds


def test_the_table_shows_median_min_max_of_per_round_ratios(monkeypatch, capsys):
    peaks = {"lean": 2**20, "reference": 3 * 2**20, "readme": 2**19, "wrapped": 2**20,
             "cost": 2**21}  # fmt: skip
    steps = fake_run(monkeypatch, LEAN, QUIET, peaks)
    assert bench.main(["--rounds", "3", "--scaling"]) == 0
    assert all(s.seconds == [] for s in steps.values())  # every batch was timed, none twice
    lines = capsys.readouterr().out.splitlines()
    start = lines.index(next(ln for ln in lines if ln.startswith("time per step")))
    time_rows = [ln.rsplit(maxsplit=2)[-2:] for ln in lines[start + 2 : start + 8]]
    # lean's own milliseconds; then the median of the per-round ratios (min-max)
    assert time_rows == [
        ["2.000", "(2.000-2.400)"], ["2.00", "(1.50-2.50)"], ["3.00", "(1.50-4.00)"],
        ["1.00", "(1.00-1.00)"], ["1.00", "(0.50-1.20)"], ["1.50", "(1.00-2.00)"],
    ]  # fmt: skip
    assert lines[start + 7].startswith("lean step, BLAS on 1 thread")
    start = lines.index(next(ln for ln in lines if ln.startswith("peak memory")))
    memory = [ln.split()[-1] for ln in lines[start + 2 : start + 7]]
    assert memory == ["MB", "3.00", "0.50", "1.00", "2.00"]  # each peak over the lean step's
    assert lines[start + 2].split()[-2:] == ["1.00", "MB"]
    start = lines.index(next(ln for ln in lines if ln.startswith("the README loop against")))
    assert lines[start + 1 : start + 3] == [
        "  time:   planar 3.00 ≤ 1.35 MISS",  # the median ratio, not the mean nor the last
        "  memory: planar 0.500 ≤ 1.05 ok",
    ]


SPIKE = {**QUIET, "readme": [9.0, 0.006, 0.0036, 0.0190]}  # 0.019 is 3.2x readme's median
DRIFT = [9.0, 9.0, 0.002, 0.003, 0.0026]  # lean's median: 0.002, then 0.0028


@pytest.mark.parametrize(
    "lean_s, others_s, cpu_busy, seen",
    [
        (LEAN, SPIKE, 0.0, "a timed batch took 3.2x its row's median (readme, round 3)"),
        (DRIFT, QUIET, 0.0, "the lean step's median moved +40.0% between the two halves"),
        (LEAN, QUIET, 2.0, "other processes kept"),  # 2 CPU-seconds that were not ours
    ],
    ids=["spike", "drift", "others"],
)
def test_a_busy_machine_gets_no_ratios_and_exit_status_3(
    monkeypatch, capsys, lean_s, others_s, cpu_busy, seen
):
    workloads = bench.WORKLOADS[:2]
    readings = iter([(100.0, 1.0), (100.0 + cpu_busy, 1.0)])  # (machine, this process)
    fake_run(monkeypatch, lean_s, others_s, cpu=lambda: next(readings))
    monkeypatch.setattr(bench, "WORKLOADS", workloads)  # the fake steps serve the first only
    assert bench.main(["--rounds", "3", "--scaling", "10"]) == 3
    out = capsys.readouterr().out
    assert seen in out
    assert "(not run: logreg)" in out  # refused at the first busy workload, not minutes later
    assert "the machine is busy: rerun when it is quiet" in out
    assert "time per step" not in out and "peak memory" not in out and "us/node" not in out


def test_a_quick_run_reports_a_busy_machine_but_prints_its_smoke_table(monkeypatch, capsys):
    two_rounds = {k: s[:3] for k, s in QUIET.items()}  # --quick runs two rounds
    fake_run(monkeypatch, [9.0, 9.0, 0.002, 0.004], two_rounds)
    assert bench.main(["--quick", "--scaling"]) == 0
    out = capsys.readouterr().out
    assert "moved +100.0% between halves" in out and "not a measurement" in out
    assert "time per step" in out


def test_peak_memory_sees_numpy_buffers():
    size = 1_000_000

    def step():
        return np.ones(size).sum()

    assert bench.peak_bytes(step) >= size * 8


def test_peak_memory_counts_what_the_previous_step_left_alive():
    size = 1_000_000
    kept = [None]

    def step():  # as J = ... keeps the last J alive until the new one is made
        new = np.ones(size)
        kept[0] = new

    assert bench.peak_bytes(step) >= 2 * size * 8


@pytest.mark.parametrize("path", ["readme", "wrapped"])
def test_the_readme_loop_on_planar_holds_at_most_the_bars_memory(path):
    """Peak memory is counted, not timed: the performance issue's bar, 1.05 of the lean step's,
    held as a test on planar (logreg and deep sit at 1.00 and 0.99, far from theirs)."""
    (w,) = [w for w in bench.WORKLOADS if w.name == "planar"]
    X, Y = bench.make_data(w, quick=False)
    lean, engine = bench.lean_step(w, X, Y), bench.engine_step(w, X, Y, path)
    for _ in range(50):  # the steady loop, as make bench measures it after its timed rounds: a
        lean()  # process's first steps also fill Python's free lists, and tracemalloc sees that
        engine()
    lean_peak, peak = bench.peak_bytes(lean), bench.peak_bytes(engine)
    assert peak <= 1.05 * lean_peak, f"{peak} bytes against the lean step's {lean_peak}"


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


@pytest.mark.parametrize("workload", bench.WORKLOADS, ids=lambda w: w.name)
def test_the_overhead_tape_does_the_engines_work_from_the_same_start(workload):
    X, Y = bench.make_data(workload, quick=True)
    s = overhead.steps(workload, X, Y)
    bare = overhead.Bare(s.tape)
    assert list(s.tape.shortcut) == [id(s.tape.J)]  # the cost's shortcut, where backward takes it
    for _ in range(4):  # equal costs after the first step mean equal updates before them
        J_forward, J_tape_forward = float(s.forward()), s.tape.forward()  # the step's own J
        J_engine, J_tape, J_lean, J_bare = float(s.engine()), s.tape(), float(s.lean()), bare()
        J_replay = s.replay()
        assert J_forward == pytest.approx(J_engine, rel=1e-12)
        assert J_tape_forward == pytest.approx(J_tape, rel=1e-12)
        assert J_tape == pytest.approx(J_engine, rel=1e-12)
        assert J_tape == pytest.approx(J_lean, rel=1e-12)
        assert J_bare == pytest.approx(J_tape, rel=1e-12)
        assert J_replay == pytest.approx(J_lean, rel=1e-12)
    assert J_tape < float(overhead.steps(workload, X, Y).tape())  # it trained: the cost fell


def test_the_bare_engine_sums_the_gradient_of_a_parameter_used_twice():
    from tinygrad_edu import Tensor
    from tinygrad_edu import functional as F

    w = Tensor(np.array([[0.5, -1.0]]), requires_grad=True)
    x, Y = np.array([[2.0], [3.0]]), np.array([[1.0]])
    J = F.binary_cross_entropy((w @ x + w @ x).sigmoid(), Y)  # Z = 2 w x = -4
    bare = overhead.Bare(overhead.Tape(J, [w], lr=1.0))
    (i,) = bare.params
    a = 1 / (1 + np.exp(4.0))
    assert bare() == pytest.approx(-np.log(a), rel=1e-12)
    dw = 2 * (a - 1.0) * x.T  # dZ = A - Y (m = 1), through both uses of w
    np.testing.assert_allclose(bare.leaves[i].data, w.data - dw, rtol=1e-12)
    assert w.data.tolist() == [[0.5, -1.0]]  # it updated its own copy


def test_overhead_counts_forward_records_and_backward_visits():
    from tinygrad_edu import Tensor

    w = Tensor(np.ones((1, 3)), requires_grad=True)
    J = (w * 2.0).sum()  # records mul and sum; backward visits sum, mul and w (2.0 is data)
    assert overhead.node_visits(J) == 2 + 3


def test_a_lazy_engines_floor_is_the_replay_plus_what_recording_costs():
    times = {"lean": 40.0, "tape": 46.0, "engine": 76.0, "forward": 35.0, "tape forward": 22.0,
             "replay": 28.0}  # fmt: skip
    r = overhead.Overhead(times, {k: 2 * v for k, v in times.items()}, visits=14)
    assert r.recording("warm") == 13.0 and r.lazy("warm") == 41.0
    assert r.lazy("cold") == 82.0 and r.bookkeeping("warm") == 30.0


def test_overhead_quick_run_prints_the_three_steps_and_the_bookkeeping(capsys):
    assert overhead.main(["--quick"]) == 0
    out = capsys.readouterr().out
    labels = ("lean numpy step", "minimal tape", "bare eager engine", "README loop",
              "recording and walking", "bookkeeping", "per node", "recording: forward",
              "replay (nn.compile_step)", "lazy engine's floor", "over the lean step")  # fmt: skip
    for label in labels:
        line = next(ln for ln in out.splitlines() if label in ln)
        cells = re.findall(r"-?\d+\.\d+ \| +-?\d+\.\d+", line)  # warm | cold: a difference
        assert len(cells) == 3, line  # of two quick timings may come out below 0
    assert "planar 14, logreg 8, deep 26" in out
