"""Where the tool may write: it never deletes or overwrites a file it did not write.

    d = claim("out", "demo")             # new, empty, or already the tool's; refused otherwise
    d.check(["index.html", "a.png"])     # before any work: none of them is someone else's file
    d.write_text("index.html", page)     # or d.file("a.png") -> the path, for a writer that saves
    d.finish()                           # removes earlier runs' files this one did not write
    writable_file("model.npz", "--save") # a single file: its folder exists or can be made

A directory the tool makes, or finds empty, gets a marker file (.tinygrad_edu.json) that records
who made it and, per writer, the files written. Only those files are ever replaced or removed;
anything else in the directory is left alone. A directory that holds files but no marker is
refused, and so is a path that is a file. A directory inside (a demo's week2_steps/) carries its
own marker. This module imports nothing else from the package.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

MARKER = ".tinygrad_edu.json"
_TMP = MARKER + ".tmp"  # the marker is written here first, then renamed over it
_TOOL = "tinygrad_edu"
_FRESH = "give a new or empty directory"


class RefusedPathError(ValueError):
    """A path the tool will not write to; the message is one line that says what to give instead."""


def _show(path: str | os.PathLike) -> str:
    """A path quoted as the user wrote it: 'out/steps'."""
    return repr(os.fspath(path))


def _read(directory: Path) -> tuple[str, dict[str, list[str]]] | None:
    """The marker's (who made the directory, files per writer); None when it has no valid one."""
    marker = directory / MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("tool") != _TOOL:
        return None
    written = data.get("written")
    if not isinstance(written, dict):
        return None
    files = {
        who: [n for n in names if isinstance(n, str)]
        for who, names in written.items()
        if isinstance(who, str) and isinstance(names, list)
    }
    return str(data.get("made_by", "")), files


def _foreign(directory: Path) -> list[str]:
    """Entries of an unmarked directory the tool cannot vouch for (a marked subdirectory is its)."""
    return sorted(
        entry.name
        for entry in directory.iterdir()
        if entry.name != _TMP and (entry.is_symlink() or not entry.is_dir() or _read(entry) is None)
    )


def _can_make(path: Path, who: str, doing: str) -> None:
    """Refuse, saying what who was doing, unless path's nearest existing ancestor is a directory
    the tool may write in (so path exists as a folder or can be made)."""
    ancestor = path
    while not (ancestor.exists() or ancestor.is_symlink()) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise RefusedPathError(f"{who}: cannot {doing}: {_show(ancestor)} is a file, not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise RefusedPathError(f"{who}: cannot {doing}: {_show(ancestor)} is read-only")


def check(path: str | os.PathLike, who: str) -> Path:
    """Refuse (one line) a directory claim() would refuse; makes and marks nothing."""
    p = Path(path)
    if p.is_dir():
        if _read(p) is None:
            foreign = _foreign(p)
            if foreign:
                raise RefusedPathError(
                    f"{who}: {_show(path)} already holds files tinygrad_edu did not write "
                    f"(e.g. {foreign[0]!r}); {_FRESH}"
                )
        if not os.access(p, os.W_OK | os.X_OK):
            raise RefusedPathError(f"{who}: {_show(path)} is read-only; {_FRESH}")
    elif p.exists() or p.is_symlink():
        raise RefusedPathError(f"{who}: {_show(path)} is a file, not a directory; {_FRESH}")
    else:
        _can_make(p, who, f"make {_show(path)}")
    return p


def claim(path: str | os.PathLike, who: str) -> OutDir:
    """The directory who may write into: made if missing, and marked as the tool's.

    A new or empty directory is marked; a marked one is the tool's own (what its marker lists
    may be replaced or removed, nothing else); one with other files, or a file, is refused.
    """
    p = check(path, who)
    p.mkdir(parents=True, exist_ok=True)
    made_by, written = _read(p) or (who, {})
    out = OutDir(p, who, written, made_by or who)
    out._save()  # an empty directory is the tool's from now on
    return out


class OutDir:
    """A claimed directory: writes files by name, records each, and removes only its own."""

    def __init__(self, path: Path, who: str, written: dict[str, list[str]], made_by: str) -> None:
        self.path, self.who = path, who
        self._written = {w: set(names) for w, names in written.items()}
        self._earlier = set(self._written.get(who, ()))  # this writer's files from earlier runs
        self._now: set[str] = set()  # written by this run
        self._made_by = made_by

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def __repr__(self) -> str:
        return f"OutDir({os.fspath(self.path)!r}, who={self.who!r})"

    def _recorded(self, name: str) -> bool:
        """Whether the marker says the tool wrote name (in any run, by any writer)."""
        return any(name in names for names in self._written.values())

    def check(self, names: Iterable[str]) -> None:
        """Refuse (one line) if any of names is there and is not a file the tool wrote."""
        for name in names:
            target = self._target(name)
            if not (target.exists() or target.is_symlink()):
                continue
            if target.is_symlink() or not target.is_file() or not self._recorded(name):
                raise RefusedPathError(
                    f"{self.who}: {_show(target)} is not a file tinygrad_edu wrote, so it is left "
                    f"alone; move it, or {_FRESH}"
                )

    def file(self, name: str) -> Path:
        """The path to write name to, once checked and recorded (for writers that save a path)."""
        self.check([name])
        for names in self._written.values():
            names.discard(name)  # whoever wrote it before, it is this writer's now
        self._written.setdefault(self.who, set()).add(name)
        self._now.add(name)
        self._save()  # recorded before writing: an interrupted run still knows its files
        return self.path / name

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Write data to name (checked and recorded); return its path."""
        path = self.file(name)
        path.write_bytes(data)
        return path

    def write_text(self, name: str, text: str) -> Path:
        """Write text (UTF-8) to name (checked and recorded); return its path."""
        path = self.file(name)
        path.write_text(text, encoding="utf-8")
        return path

    def finish(self) -> list[Path]:
        """Remove the files this writer wrote in earlier runs and not in this one; return them."""
        removed = []
        for name in sorted(self._earlier - self._now):
            target = self.path / name
            if target.is_file() and not target.is_symlink():
                target.unlink()
                removed.append(target)
        self._written[self.who] = set(self._now)
        self._earlier = set(self._now)
        self._save()
        return removed

    def _target(self, name: str) -> Path:
        """self.path / name, for a plain file name only (no folders, not the marker)."""
        if name in ("", ".", "..", MARKER, _TMP) or Path(name).name != name:
            raise ValueError(f"OutDir: {name!r} is not a plain file name")
        return self.path / name

    def _save(self) -> None:
        """Write the marker: who made the directory, and the files each writer wrote."""
        written = {w: sorted(names) for w, names in sorted(self._written.items()) if names}
        data = {"tool": _TOOL, "made_by": self._made_by, "written": written}
        tmp = self.path / _TMP
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, self.path / MARKER)


def writable_file(path: str | os.PathLike, who: str, suffix: str = "") -> Path:
    """Refuse (one line) a file path that cannot be written: a directory, a read-only file, or a
    folder that neither exists nor can be made. Makes nothing; the writer makes the folder.

    With suffix (".npz", ".svg") the path returned ends with it, added when missing: path
    itself is checked first, so a directory given as the file is refused, not written beside.
    """
    p = Path(path)
    if p.is_dir():
        raise RefusedPathError(f"{who}: {_show(path)} is a directory; give a file name")
    if suffix and p.suffix.lower() != suffix.lower():
        return writable_file(p.with_name(p.name + suffix), who)
    if p.exists() and not os.access(p, os.W_OK):
        raise RefusedPathError(f"{who}: {_show(path)} is read-only; give another file name")
    _can_make(p.parent, who, f"write {_show(path)}")
    return p
