"""Every notebooks/*.py runs top to bottom in a real kernel, quietly, as `make notebooks` runs."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

for needed in ("jupytext", "nbclient", "nbconvert", "ipykernel", "anywidget"):
    pytest.importorskip(needed, reason='the notebook extra: pip install -e ".[notebook]"')

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools" / "run_notebooks.py")
assert _spec is not None and _spec.loader is not None
runner = importlib.util.module_from_spec(_spec)
sys.modules["run_notebooks"] = runner  # its dataclass looks itself up there
_spec.loader.exec_module(runner)

STDERR_ALLOWANCE = 200  # characters a notebook may write to stderr (a stray warning line)
MAX_OUTPUTS = 12  # output blocks in one cell: a progress bar that floods makes hundreds
WIDGET = runner.WIDGET


def _outputs(nb, cell_with: str) -> list:
    """The outputs of the one code cell whose source contains cell_with."""
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and cell_with in c.source]
    return cell.outputs


def _blocks(outputs: list) -> int:
    """How many outputs a cell shows: consecutive prints to one stream show as one block."""
    kinds = [o.get("name") if o.output_type == "stream" else None for o in outputs]
    return sum(1 for k, kind in enumerate(kinds) if k == 0 or kind is None or kinds[k - 1] != kind)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """name -> Run: each notebook executed once, when a test first asks for it (a notebook that
    fails fails its own tests, naming the cell)."""
    out = tmp_path_factory.mktemp("notebooks")
    done: dict = {}

    def run(name: str):
        if name not in done:
            done[name] = runner.run(runner.NOTEBOOKS / f"{name}.py", out)
        return done[name]

    return run


def test_there_are_notebooks():
    assert "00_smoke" in {p.stem for p in runner.sources()}


@pytest.mark.parametrize("name", [p.stem for p in runner.sources()])
def test_a_notebook_runs_quietly_into_html(runs, name):
    run = runs(name)  # raises CellExecutionError, naming the cell, if a cell raised
    assert sum(len(s) for s in run.stderr) <= STDERR_ALLOWANCE, run.stderr
    for cell in run.executed.cells:
        assert _blocks(cell.get("outputs", [])) <= MAX_OUTPUTS, cell.source
        assert all(o.output_type != "error" for o in cell.get("outputs", []))
    page = run.html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Traceback" not in page
    assert "widget-view+json" not in page  # a widget shows its static steps, no CDN script


def test_the_smoke_notebook_shows_graphs_steps_and_plots_as_pictures(runs):
    nb = runs("00_smoke").executed
    (graph,) = _outputs(nb, "logistic_regression_graph(X, Y)")
    assert graph.data["image/svg+xml"].startswith("<svg ")
    (stepper,) = _outputs(nb, "viz.stepper(J)")
    assert WIDGET in stepper.data  # the live widget, for a kernel
    fallback = stepper.data["text/html"]  # and every step, for a page without one
    assert fallback.count("<details") == 5 and "dZ = dA ⊙ A(1 − A) : all (1, 4)" in fallback
    fit = _outputs(nb, "nn.fit(")
    bars = [o for o in fit if o.output_type == "display_data"]
    assert len(bars) == 1 and "2000/2000 iterations" in bars[0].data["text/plain"]
    assert (
        "History(iterations=2000" in fit[-1].data["text/plain"]
        and "<table>" in (fit[-1].data["text/html"])
    )
    (plot,) = _outputs(nb, "history.plot()")  # one figure, shown once, as a PNG
    assert plot.output_type == "execute_result" and "image/png" in plot.data
    page = runs("00_smoke").html.read_text(encoding="utf-8")
    assert page.count("<details") == 5 and "data:image/png;base64," in page


def test_a_page_typesets_its_math_with_a_local_mathjax(runs):
    """No network for formulas either: the page's MathJax URL is relative, and the loader, each
    config it names and the STIX-Web fonts those choose are in the output folder, a few MB."""
    if runner.mathjax_source() is None:
        pytest.skip('jupyter-server-mathjax, of the notebook extra: pip install -e ".[notebook]"')
    run = runs("00_smoke")
    page = run.html.read_text(encoding="utf-8")
    (src,) = re.findall(r'<script src="([^"]*MathJax\.js[^"]*)"', page)
    url = urlsplit(src)
    assert not url.scheme and not url.netloc and not url.path.startswith("/"), src
    loader = run.html.parent / url.path
    assert loader.is_file(), loader
    folder = loader.parent
    (configs,) = parse_qs(url.query)["config"]
    for config in configs.split(","):
        assert (folder / "config" / f"{config}.js").is_file(), config
    stix = folder / "jax/output/HTML-CSS/fonts/STIX-Web"
    assert (stix / "fontdata.js").is_file() and (stix / "Main/Regular/Main.js").is_file()
    assert (folder / "fonts/HTML-CSS/STIX-Web/woff/STIXMathJax_Main-Regular.woff").is_file()
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    assert size < 5_000_000, size


def test_a_page_loads_no_script_from_the_network(runs):
    """nbconvert's require.js (for widgets a static page has none of) is left out: every script
    a page names by src is in the output folder (mermaid, loaded only for a diagram, has none)."""
    if runner.mathjax_source() is None:  # MathJax then comes from its CDN, said in one warning
        pytest.skip('jupyter-server-mathjax, of the notebook extra: pip install -e ".[notebook]"')
    for name in ("00_smoke", "01_computational_graph"):
        page = runs(name).html.read_text(encoding="utf-8")
        sources = re.findall(r'<script[^>]*\bsrc="([^"]*)"', page)
        assert sources and not [s for s in sources if urlsplit(s).scheme], sources
        assert "require" not in " ".join(sources) and 'pre class="mermaid"' not in page
