"""fit's progress bar: tqdm on stderr in a terminal, one line updated in place in a notebook.

In a Jupyter kernel a text bar on stderr becomes hundreds of output chunks (carriage returns do
not rewind a cell), and tqdm's widget needs ipywidgets and leaves only text in an exported page.
So there the bar is one display, `display(..., display_id=True)`, redrawn at most every
`NotebookBar.every` seconds and once at the end: one small output, whatever the iterations.
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, TextIO

from tqdm.std import tqdm


def in_kernel() -> bool:
    """Whether this runs in a Jupyter kernel (a notebook), not a terminal or plain Python."""
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()  # a kernel's shell is a ZMQInteractiveShell, or a subclass (Colab's)
    return any(c.__name__ == "ZMQInteractiveShell" for c in type(shell).__mro__)


class Snapshot:
    """The bar at one moment: displays as an HTML <progress> line, or as text."""

    def __init__(self, n: int, total: int, seconds: float, postfix: str) -> None:
        self.n, self.total, self.seconds, self.postfix = n, total, seconds, postfix

    def _text(self) -> str:
        extra = f", {self.postfix}" if self.postfix else ""
        return f"{self.n}/{self.total} iterations, {self.seconds:.1f} s{extra}"

    def __repr__(self) -> str:
        done = 20 * self.n // max(self.total, 1)
        return f"[{'#' * done}{'.' * (20 - done)}] {self._text()}"

    def _repr_html_(self) -> str:
        return (
            f'<div style="font-family:monospace"><progress value="{self.n}" '
            f'max="{max(self.total, 1)}" style="width:16em;vertical-align:middle"></progress> '
            f"{html.escape(self._text())}</div>"
        )


class NotebookBar:
    """tqdm's interface as fit uses it (iterate, set_postfix, write, with), as one display."""

    every = 0.25  # seconds between redraws: at most four a second

    def __init__(
        self,
        iterable: range,
        display: Callable[..., Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if display is None:
            from IPython.display import display as shown
        self.iterable, self.total, self.n = iterable, len(iterable), 0
        self._display: Callable[..., Any] = display if display is not None else shown
        self._clock = clock
        self._start = self._last = clock()
        self._postfix: dict[str, Any] = {}
        self._handle: Any = None

    def _snapshot(self) -> Snapshot:
        postfix = ", ".join(f"{k}={v}" for k, v in self._postfix.items())
        return Snapshot(self.n, self.total, self._clock() - self._start, postfix)

    def refresh(self) -> None:
        """Redraw the one display (made on the first call)."""
        self._last = self._clock()
        if self._handle is None:
            self._handle = self._display(self._snapshot(), display_id=True)
        else:
            self._handle.update(self._snapshot())

    def __iter__(self) -> Iterator[int]:
        self.refresh()
        for i in self.iterable:
            yield i
            self.n += 1
            if self._clock() - self._last >= self.every:
                self.refresh()

    def set_postfix(self, refresh: bool = True, **values: Any) -> None:
        """Show values after the count ("cost=0.693"), as tqdm's set_postfix."""
        self._postfix = values
        if refresh:
            self.refresh()

    def write(self, line: str, file: TextIO | None = None) -> None:
        """Print a line below the bar (the bar stays where it is)."""
        print(line, file=file if file is not None else sys.stdout)

    def __enter__(self) -> NotebookBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.refresh()  # the last state: done, or where it stopped


def bar(num_iterations: int, enabled: bool = True) -> Any:
    """range(num_iterations) with a progress bar: in a notebook one display updated in place, else
    tqdm on stderr (enabled=False: none, lines written through it still print)."""
    if enabled and in_kernel():
        return NotebookBar(range(num_iterations))
    return tqdm(range(num_iterations), disable=not enabled, file=sys.stderr, leave=False)
