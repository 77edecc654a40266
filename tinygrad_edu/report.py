"""The demo's HTML report: one self-contained page (inline CSS, relative links, no scripts, no CDN).

    page = Report("tinygrad_edu demo", out_dir)
    page.section("Week 2", "Logistic regression as a graph.")
    page.figure("week2_graph.svg", "Z = wᵀX + b, A = σ(Z), J = L(A, Y)")
    page.table(["model", "accuracy"], [["logistic", "47.0 %"]])
    page.write()                       # out_dir / "index.html"

Every picture and link is a path relative to out_dir, so the folder can be moved or zipped whole.
text_table(header, rows) is the same kind of table for a terminal; everything that prints one
uses it.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

_NUMBER = re.compile(r"[-+]?[0-9][0-9.,]*(e[-+]?[0-9]+)?( %)?")  # "12", "0.5", "1.2e-16", "90.50 %"

_CSS = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:1.5em auto;padding:0 1em;
 color:#222;background:#fcfcfc;line-height:1.45}
h1{margin-bottom:.2em}
h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
p.lead{color:#555;margin-top:0}
nav a{margin-right:1em}
figure{display:inline-block;vertical-align:top;margin:.5em 1em 1em 0;max-width:100%}
figure img{max-width:100%;border:1px solid #ddd;background:white}
figure.small img{width:270px}
figcaption{font-size:.9em;color:#555;max-width:560px}
table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border:1px solid #ccc;padding:.25em .7em;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#eee}
td.ok{color:#176b17}
td.bad{color:#b00;font-weight:bold}
pre{background:#f3f3f3;padding:.6em;overflow-x:auto;font-size:.9em}
.links a{display:inline-block;margin:.2em 1em .2em 0}
"""


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table for a terminal: columns padded to their widest cell, the first left-aligned and
    the rest right-aligned, a rule of dashes under the header."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i == 0 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


class Report:
    """An HTML page built section by section; write() saves it as out_dir / "index.html"."""

    def __init__(self, title: str, out_dir: str | os.PathLike, lead: str = "") -> None:
        self.title, self.lead = title, lead
        self.out_dir = Path(out_dir)
        self._sections: list[tuple[str, str]] = []  # (anchor, title) for the contents line
        self._body: list[str] = []

    # ---- building blocks ----
    def section(self, title: str, text: str = "") -> None:
        """Start a section: a heading (listed at the top of the page) and an optional paragraph."""
        anchor = f"s{len(self._sections) + 1}"
        self._sections.append((anchor, title))
        self._body.append(f'<h2 id="{anchor}">{html.escape(title)}</h2>')
        if text:
            self.paragraph(text)

    def paragraph(self, text: str) -> None:
        """A paragraph of plain text (escaped)."""
        self._body.append(f"<p>{html.escape(text)}</p>")

    def figure(self, path: str | os.PathLike, caption: str, small: bool = False) -> None:
        """A picture from out_dir (PNG or SVG), with a caption; it links to the full-size file."""
        src = self._relative(path)
        cls = ' class="small"' if small else ""
        self._body.append(
            f'<figure{cls}><a href="{src}"><img src="{src}" alt="{html.escape(caption)}"></a>'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def links(self, items: Sequence[tuple[str | os.PathLike, str]]) -> None:
        """A row of links to files in out_dir: (path, text) pairs."""
        body = "".join(
            f'<a href="{self._relative(p)}">{html.escape(text)}</a>' for p, text in items
        )
        self._body.append(f'<p class="links">{body}</p>')

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]],
              verdicts: Sequence[bool | None] | None = None) -> None:  # fmt: skip
        """A table of strings, numbers right-aligned; verdicts (one per row) colour the last cell
        green (True) or red (False)."""
        out = ["<table><tr>", *(f"<th>{html.escape(h)}</th>" for h in header), "</tr>"]
        for i, row in enumerate(rows):
            classes = ["n" if _NUMBER.fullmatch(str(c)) else "" for c in row]
            if verdicts is not None and verdicts[i] is not None and classes:
                classes[-1] = "ok" if verdicts[i] else "bad"
            cells = [
                f'<td class="{k}">{html.escape(str(c))}</td>'
                if k
                else f"<td>{html.escape(str(c))}</td>"
                for c, k in zip(row, classes, strict=True)
            ]
            out += ["<tr>", *cells, "</tr>"]
        out.append("</table>")
        self._body.append("".join(out))

    def preformatted(self, text: str) -> None:
        """Text shown as printed (a terminal table, a rule)."""
        self._body.append(f"<pre>{html.escape(text)}</pre>")

    # ---- output ----
    def html(self) -> str:
        """The whole page as a string."""
        nav = " ".join(f'<a href="#{a}">{html.escape(t)}</a>' for a, t in self._sections)
        lead = f'<p class="lead">{html.escape(self.lead)}</p>' if self.lead else ""
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>\n"
            f"<h1>{html.escape(self.title)}</h1>{lead}<nav>{nav}</nav>\n"
            + "\n".join(self._body)
            + "\n</body></html>\n"
        )

    def write(self, name: str = "index.html") -> Path:
        """Save the page in out_dir and return its path."""
        path = self.out_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.html(), encoding="utf-8")
        return path

    def _relative(self, path: str | os.PathLike) -> str:
        """path (inside out_dir, or already relative to it) as a URL relative to out_dir."""
        p = Path(path)
        if p.resolve().is_relative_to(self.out_dir.resolve()):
            p = p.resolve().relative_to(self.out_dir.resolve())
        elif p.is_absolute():
            raise ValueError(f"Report: {p} is outside {self.out_dir}; link only to files in it")
        return quote(p.as_posix())
