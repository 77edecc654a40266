"""Cache lines one training step brings in, counted by valgrind's cachegrind, engine against hand.

    python -m benchmarks.cachelines [--workload logreg] [--steps 5 25]

Why it exists: at logreg's size each matrix-vector product streams X (20 MB) through the
core's 4 MB L2, so the code and Python objects a step touches between the two products come
back from L3 or memory every step. That is where the engine's overhead lives there, and timing
it is noisy. cachegrind, simulating a last-level cache the size of the L2, counts it exactly.

Each implementation runs a warm-up and then `--steps` a and b steps under cachegrind; the
difference of the two runs divided by b - a is one step, start-up cancelled out. BLAS runs on
one thread (valgrind runs threads one at a time anyway). Needs valgrind, which the project does
not depend on (Debian: apt install valgrind). With --keep DIR the files stay, and
`cg_annotate DIR/engine.25` lists the misses per function, C and Python interpreter alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from benchmarks import bench

EVENTS = ("Ir", "ILmr", "DLmr", "DLmw")  # instructions; last-level misses: code, data read, write


def summary(path: str) -> dict[str, int]:
    """The totals line of a cachegrind output file, by event name."""
    names: list[str] = []
    with open(path) as f:
        for line in f:
            if line.startswith("events:"):
                names = line.split()[1:]
            elif line.startswith("summary:"):
                return dict(zip(names, map(int, line.split()[1:]), strict=True))
    raise ValueError(f"cachelines: no summary line in {path}; did cachegrind finish?")


def per_step(few: dict[str, int], many: dict[str, int], extra_steps: int) -> dict[str, float]:
    """(many - few) / extra_steps for each event: the cost of one step."""
    return {e: (many[e] - few[e]) / extra_steps for e in EVENTS}


def worker(kind: str, workload: str, steps: int) -> None:
    """Run `steps` steps of one implementation after three untimed ones (under cachegrind)."""
    w = next(w for w in bench.WORKLOADS if w.name == workload)
    X, Y = bench.make_data(w, quick=False)
    step = bench.engine_step(w, X, Y) if kind == "engine" else bench.hand_step(w, X, Y)
    for _ in range(3 + steps):
        step()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cachelines", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--workload", default="logreg", choices=[w.name for w in bench.WORKLOADS])
    parser.add_argument("--steps", type=int, nargs=2, default=[5, 25], metavar=("A", "B"))
    parser.add_argument(
        "--keep", metavar="DIR", help="keep cachegrind's files in DIR, for cg_annotate per function"
    )
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.workload, int(args.worker[1]))
        return 0
    a, b = args.steps
    if not 0 <= a < b:
        parser.error(f"--steps A B needs 0 <= A < B, got {a} {b}")
    if shutil.which("valgrind") is None:
        print("cachelines: valgrind is not installed (Debian: apt install valgrind)")
        return 1
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.keep or scratch
        os.makedirs(tmp, exist_ok=True)
        runs = {}
        for kind in ("hand", "engine"):
            for n in (a, b):
                out = os.path.join(tmp, f"{kind}.{n}")
                cmd = [
                    "valgrind", "--tool=cachegrind", "--cache-sim=yes", "--LL=4194304,16,64",
                    f"--cachegrind-out-file={out}", sys.executable, "-m", "benchmarks.cachelines",
                    "--workload", args.workload, "--worker", kind, str(n),
                ]  # fmt: skip
                runs[kind, n] = (out, subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL))
        for _, proc in runs.values():
            if proc.wait() != 0:
                print("cachelines: a cachegrind run failed; run it by hand to see why")
                return 1
        rows = {k: per_step(summary(runs[k, a][0]), summary(runs[k, b][0]), b - a) for k in
                ("hand", "engine")}  # fmt: skip
    print(f"{args.workload}: per step, last-level cache 4 MB (cachegrind, {b - a} steps)")
    print(f"{'':8} {'instructions':>13} {'code lines':>11} {'data lines':>11}")
    for k, r in rows.items():
        print(f"{k:8} {r['Ir']:13.0f} {r['ILmr']:11.0f} {r['DLmr'] + r['DLmw']:11.0f}")
    e, h = rows["engine"], rows["hand"]
    lines = e["ILmr"] - h["ILmr"] + e["DLmr"] + e["DLmw"] - h["DLmr"] - h["DLmw"]
    print(f"engine - hand: {lines:.0f} cache lines per step brought in from beyond the L2")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
