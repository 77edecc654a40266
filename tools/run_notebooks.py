"""Run the notebooks: notebooks/*.py (jupytext py:percent) -> out/notebooks/*.html, executed.

    .venv/bin/python tools/run_notebooks.py [notebooks/01_x.py ...] [--out out/notebooks]

Each notebook runs top to bottom in a fresh kernel of this Python (ipykernel), in the notebooks
folder; a cell that raises stops it and fails the run. Written for each: NAME.ipynb (executed,
outputs and widget state kept: open it in Jupyter) and NAME.html (nbconvert's lab template). The
HTML is static, needing no network: where an output is a widget that also carries text/html (the
stepper does), the page shows that, and no widget script is loaded from a CDN. Its LaTeX is typeset
by a copy of MathJax 2.7 (from the jupyter-server-mathjax package: HTML-CSS output, STIX-Web
fonts, about 3 MB) in out/notebooks/mathjax/, which the pages name by a relative URL.
What `make notebooks` and tests/test_notebooks.py run; needs the `notebook` extra.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "out" / "notebooks"
TIMEOUT = 600  # seconds a cell may take
WIDGET = "application/vnd.jupyter.widget-view+json"

MATHJAX_DIR = "mathjax"  # out_dir/mathjax/: the local MathJax the pages load
# The MathJax that nbconvert's pages load by default, from a CDN: the fallback without the package.
MATHJAX_CDN = (
    "https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js?config=TeX-AMS_CHTML-full,Safe"
)
# jupyter-server-mathjax ships two configs, TeX-AMS-MML_HTMLorMML-full and Safe (no CommonHTML
# output, so no TeX-AMS_CHTML-full), and for HTML-CSS only the STIX-Web fonts. HTML-CSS looks for
# the TeX fonts by default: not there, its formulas fall back to local fonts and a prime (g')
# fails with "Math Processing Error". LOCAL_CONFIG, written next to the copy, chooses STIX-Web.
LOCAL_CONFIG = "local/tinygrad_edu"
LOCAL_CONFIG_JS = (
    'MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null,'
    ' webFont: "STIX-Web", imageFont: null}});\n'
    f'MathJax.Ajax.loadComplete("[MathJax]/config/{LOCAL_CONFIG}.js");\n'
)
MATHJAX_URL = f"{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe,{LOCAL_CONFIG}"
# What the pages need of the package's static/ folder (12 MB in all): the loader and the two
# configs (which hold the TeX input, the HTML-CSS output and the menus); what HTML-CSS loads on
# demand (font data, tables, the STIX-Web fonts); the operator table and the TeX extensions that
# macros such as \boldsymbol or \cancel load. Not: SVG output, localizations, a11y, MathML.
MATHJAX_FILES = (
    "LICENSE",
    "MathJax.js",
    "config/TeX-AMS-MML_HTMLorMML-full.js",
    "config/Safe.js",
    "extensions/*.js",
    "extensions/TeX/**/*.js",
    "jax/output/HTML-CSS/**/*.js",
    "jax/element/mml/optable/*.js",
    "fonts/HTML-CSS/STIX-Web/woff/*.woff",
)
_mathjax_urls: dict[Path, str] = {}  # out_dir -> its pages' MathJax URL, once copied


@dataclass
class Run:
    """One executed notebook: where it was written, and what its cells wrote to stderr."""

    source: Path
    notebook: Path
    html: Path
    stderr: list[str]  # each stderr output's text, in cell order
    executed: Any  # the executed nbformat notebook


def sources(names: list[str] | None = None) -> list[Path]:
    """The notebooks to run: the paths given, else every notebooks/*.py, sorted."""
    return [Path(n) for n in names] if names else sorted(NOTEBOOKS.glob("*.py"))


def _kernel_manager_class() -> type:
    """A kernel manager that always starts ipykernel in this interpreter (this venv), whatever
    `python3` kernelspec a user's Jupyter folders hold: ipykernel's own spec for sys.executable."""
    import zmq
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    spec = KernelSpec(
        **{k: v for k, v in get_kernel_dict().items() if KernelSpec.class_traits().get(k)}
    )

    class ThisPython(AsyncKernelManager):  # type: ignore[misc]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            # encrypted sockets where the kernel supports them (ipykernel warns on stderr about
            # a plain TCP kernel, and each run would print that)
            if self.has_trait("transport_encryption") and zmq.has("curve"):
                self.transport_encryption = "auto"

        @property
        def kernel_spec(self) -> KernelSpec:
            return spec

    return ThisPython


def execute(source: Path, timeout: int = TIMEOUT) -> Any:
    """source read with jupytext and run in a fresh kernel; raises on the first failing cell."""
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(source)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        kernel_manager_class=_kernel_manager_class(),
        resources={"metadata": {"path": str(source.parent)}},
    )
    client.execute()
    return nb


def static(nb: Any) -> Any:
    """A copy of nb for a page without a kernel or network: each widget output that carries a
    fallback keeps only the fallback, and the widget state (whose script is on a CDN) goes."""
    page = copy.deepcopy(nb)
    page.metadata.pop("widgets", None)
    for cell in page.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET in data and "text/html" in data:
                del data[WIDGET]
    return page


def mathjax_source() -> Path | None:
    """The MathJax folder that jupyter-server-mathjax installs (its static/), or None."""
    spec = importlib.util.find_spec("jupyter_server_mathjax")  # found, not imported (no server)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / "static" / "MathJax.js").is_file():
            return Path(folder) / "static"
    return None


def _copy_if_changed(file: Path, to: Path) -> None:
    """file copied to `to` (with its time), unless `to` has its size and time already."""
    if to.is_file():
        have, new = to.stat(), file.stat()
        if (have.st_size, int(have.st_mtime)) == (new.st_size, int(new.st_mtime)):
            return
    to.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(file, to)


def mathjax(out_dir: Path = OUT) -> str:
    """The MathJax URL for pages written into out_dir: MATHJAX_URL, relative, once MATHJAX_FILES
    are copied into out_dir/mathjax/ (a file already there, of the same size and time, is kept);
    without jupyter-server-mathjax, the CDN's, with one warning line."""
    out_dir = out_dir.resolve()
    if out_dir in _mathjax_urls:
        return _mathjax_urls[out_dir]
    source = mathjax_source()
    if source is None:
        if MATHJAX_CDN not in _mathjax_urls.values():
            print(
                "run_notebooks: jupyter-server-mathjax is not installed: the pages load MathJax"
                ' from a CDN (pip install -e ".[notebook]")',
                file=sys.stderr,
            )
        url = MATHJAX_CDN
    else:
        target = out_dir / MATHJAX_DIR
        for pattern in MATHJAX_FILES:
            for file in source.glob(pattern):
                _copy_if_changed(file, target / file.relative_to(source))
        config = target / "config" / f"{LOCAL_CONFIG}.js"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(LOCAL_CONFIG_JS, encoding="utf-8")
        url = MATHJAX_URL
    _mathjax_urls[out_dir] = url
    return url


# nbconvert's lab template, less the require.js it loads from a CDN in <head> for widgets the
# static pages do not have (a blocking request: behind a firewall that drops it, a page would
# wait for it before showing anything)
OFFLINE_TEMPLATE = (
    "{%- extends 'lab/index.html.j2' -%}\n"
    "{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}\n"
)


def to_html(nb: Any, mathjax_url: str | None = None) -> str:
    """nb as a standalone HTML page (nbconvert's lab template without require.js), loading
    MathJax from mathjax_url (default: nbconvert's, a CDN)."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"tinygrad_edu_page.html.j2": OFFLINE_TEMPLATE})],
        template_file="tinygrad_edu_page.html.j2",
    )
    if mathjax_url is not None:
        exporter.mathjax_url = mathjax_url
    body, _ = exporter.from_notebook_node(static(nb))
    return str(body)


def stderr_of(nb: Any) -> list[str]:
    """The text of every stderr stream output, in cell order."""
    return [
        "".join(out.get("text", ""))
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream" and out.get("name") == "stderr"
    ]


def run(source: Path, out_dir: Path = OUT, timeout: int = TIMEOUT) -> Run:
    """Execute source and write out_dir/NAME.ipynb and out_dir/NAME.html (and MathJax into
    out_dir/mathjax/, once)."""
    import nbformat

    nb = execute(source, timeout)
    out_dir.mkdir(parents=True, exist_ok=True)
    notebook = out_dir / (source.stem + ".ipynb")
    html = out_dir / (source.stem + ".html")
    nbformat.write(nb, notebook)
    html.write_text(to_html(nb, mathjax(out_dir)), encoding="utf-8")
    return Run(source, notebook, html, stderr_of(nb), nb)


def main(argv: list[str] | None = None) -> int:
    """Run the notebooks named (default: all); 1 if any fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks/*.py sources (default: all)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT})")
    args = parser.parse_args(argv)
    try:
        from nbclient.exceptions import CellExecutionError
    except ImportError:
        print('run_notebooks: needs the notebook extra: pip install -e ".[notebook]"')
        return 1
    failed = 0
    for source in sources(args.notebooks):
        try:
            result = run(source, args.out)
        except CellExecutionError as e:
            failed += 1
            print(f"FAILED {source.name}:\n{e}", file=sys.stderr)
            continue
        noise = sum(len(s) for s in result.stderr)
        extra = f" ({noise} characters on stderr)" if noise else ""
        print(f"{source.name} -> {result.html}{extra}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
