"""Checks of the arguments of the evidence functions, each failing with one readable line.

Every check names the argument, the value given and what is allowed, and raises
:class:`~sibrisk.errors.EvidenceError` (a :class:`~sibrisk.errors.SibriskError`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

from ..errors import EvidenceError, Problem


def fail(name: str, value: Any, allowed: str) -> EvidenceError:
    """The error for argument ``name`` given ``value``; ``allowed`` says what would do."""
    return EvidenceError(str(Problem(name, value, allowed)))


def choice(name: str, value: Any, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise fail(name, value, "must be one of " + ", ".join(repr(a) for a in allowed))
    return value


def number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise fail(name, value, "must be a finite number")
    return float(value)


def open_unit(name: str, value: Any, what: str = "a number") -> float:
    """A number strictly between 0 and 1 (a rate, a level, a significance level)."""
    x = number(name, value) if not isinstance(value, bool) and isinstance(value, Real) else None
    if x is None or not 0.0 < x < 1.0:
        raise fail(name, value, f"must be {what} strictly between 0 and 1")
    return x


#: The largest count accepted: whole numbers up to 2^53 are exact as floats, and the
#: computations (numpy, scipy) need them to fit in 64 bits.
MAX_COUNT = 2**53


def whole(name: str, value: Any, low: int, high: int | None = None) -> int:
    """A whole number in [low, high] (high ``None``: up to :data:`MAX_COUNT`)."""
    ok = isinstance(value, Integral) and not isinstance(value, bool)
    if not ok and isinstance(value, float) and value.is_integer():
        ok = True  # 56.0 is a whole number
    if not ok or value < low or (high is not None and value > high):
        span = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise fail(name, value, f"must be a whole number {span}")
    if value > MAX_COUNT:
        raise fail(name, value, f"must be a whole number from {low} to 2^53")
    return int(value)


def count_pair(name: str, value: Any) -> tuple[int, int]:
    """``(k, n)``: k successes of n, whole numbers with 0 <= k <= n and n >= 1."""
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 2:
        raise fail(name, value, "must be a pair (k, n): k of n participants")
    k, n = value
    n = whole(f"{name} n", n, 1)
    k = whole(f"{name} k", k, 0, n)
    return k, n
