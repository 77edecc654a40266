"""The checks of a number that a user passes in (a learning rate, a tolerance, a beta, a count).

One rule everywhere: a real number is an int or a float, numpy's included; a bool or a string
is not, even when float() would take it ("0.01" is a typo in a notebook, not a learning rate).
A value that fails gets one line: the function, the argument, what it must be, what it got.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_SPANS = {
    "> 0": lambda v: v > 0,
    ">= 0": lambda v: v >= 0,
    "in [0, 1)": lambda v: 0 <= v < 1,
    "in (0, 1)": lambda v: 0 < v < 1,
}


def number(where: str, name: str, value: Any, span: str = "> 0", hint: str = "") -> float:
    """value as a float when it is a finite real number in span ("> 0", ">= 0", "in [0, 1)" or
    "in (0, 1)"); else ValueError("{where}: {name} must be a finite number {span}, got ...")
    with "; {hint}" after it when a hint is given."""
    real = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    v = float(value) if real else math.nan
    if not (math.isfinite(v) and _SPANS[span](v)):
        why = f"; {hint}" if hint else ""
        raise ValueError(f"{where}: {name} must be a finite number {span}, got {value!r}{why}")
    return v


def count(where: str, name: str, value: Any, what: str) -> int:
    """value as an int when it is a whole number >= 1 of int type (numpy's included, not a bool
    or 2.0); else ValueError("{where}: {name} must be a positive int ({what}), got ...")."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1:
        return int(value)
    raise ValueError(f"{where}: {name} must be a positive int ({what}), got {value!r}")


def random_seed(where: str, value: Any) -> int | None:
    """value as an int when it is a seed numpy takes (0 to 2**32 - 1), None as it is (fresh
    draws); else ValueError("{where}: seed must be an int from 0 to 2**32 - 1 or None, ...")."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value < 2**32:
        return int(value)
    raise ValueError(f"{where}: seed must be an int from 0 to 2**32 - 1 or None, got {value!r}")
