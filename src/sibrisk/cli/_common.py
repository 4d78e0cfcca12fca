"""What the commands share: the parser, argument types, JSON output and progress.

Nothing here imports numpy, numba, scipy or xarray: the parser is built on every
call of ``sibrisk``, ``--help`` included, and must answer at once. Each command
imports what it uses when it runs.

Every argument is checked before any work starts. :class:`Parser` makes every usage
error one line, refuses an option given twice (argparse would keep the last one) and
an empty value (``--out ''``); the argument types below check numbers (whole numbers
may be written ``1e5`` or ``100_000``; ``nan`` and ``inf`` are refused) and their
ranges.
"""

from __future__ import annotations

import argparse
import decimal
import json
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import SibriskError
from ..report.language import LANGUAGES

DEFAULT_SCENARIO = "drc-sib-2023"


class UsageError(SibriskError):
    """The command line is not well formed (exit status 2)."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, naming the command's help.

    Every option that takes one value refuses to be given twice, and no value may be
    empty: ``--out ''`` would otherwise write nothing and ``sibrisk simulate ''`` read
    the current folder. Sub-commands get the same parser (argparse makes them of the
    parent's class).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in (None, "store"):
            self.register("action", name, _Store)
        self.register("action", "store_true", _StoreTrue)
        self.register("action", "append", _Append)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see: {self.prog} --help)")


def _given(parser: argparse.ArgumentParser, namespace: argparse.Namespace,
           action: argparse.Action, option: str | None) -> None:
    """Refuse an option given a second time (argparse would keep only the last)."""
    if option is None:
        return
    given = namespace.__dict__.setdefault("_given_options", set())
    if action.dest in given:
        parser.error(f"argument {'/'.join(action.option_strings)}: given twice; give it once")
    given.add(action.dest)


def _not_empty(parser: argparse.ArgumentParser, action: argparse.Action, value: Any) -> None:
    if isinstance(value, str) and not value.strip():
        parser.error(f"argument {argparse._get_action_name(action)}: empty; give a value")


class _Store(argparse._StoreAction):
    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        _given(parser, namespace, self, option_string)
        _not_empty(parser, self, values)
        super().__call__(parser, namespace, values, option_string)


class _StoreTrue(argparse._StoreTrueAction):
    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        _given(parser, namespace, self, option_string)
        super().__call__(parser, namespace, values, option_string)


class _Append(argparse._AppendAction):
    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        _not_empty(parser, self, values)
        super().__call__(parser, namespace, values, option_string)


#: Whole numbers written with more digits than this are refused before they are
#: built (``--runs 1e999999999`` would take the memory of the number itself).
_MAX_DIGITS = 40


def whole(low: int, high: int | None = None, *, high_text: str | None = None
          ) -> Callable[[str], int]:
    """An argument type: a whole number in [low, high], written as ``100000``,
    ``100_000`` or ``1e5`` (exact: ``1.5`` is refused)."""
    span = f">= {low:,}" if high is None else f"from {low:,} to {high_text or f'{high:,}'}"

    def parse(text: str) -> int:
        try:
            d = decimal.Decimal(text.replace("_", ""))
        except decimal.InvalidOperation:
            d = None
        if d is None or not d.is_finite() or d != d.to_integral_value():
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
        if d.adjusted() > _MAX_DIGITS or d < low or (high is not None and d > high):
            raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number {span}")
        return int(d)

    parse.__name__ = "whole number"
    return parse


def real(low: float | None = None, high: float | None = None, *, open_low: bool = False,
         open_high: bool = False) -> Callable[[str], float]:
    """An argument type: a finite number, in (or within) ``low`` and ``high`` if given."""
    def parse(text: str) -> float:
        try:
            x = float(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(x):
            raise argparse.ArgumentTypeError(f"{text!r}: must be a finite number")
        below = low is not None and (x <= low if open_low else x < low)
        above = high is not None and (x >= high if open_high else x > high)
        if below or above:
            lo = "" if low is None else f"{'(' if open_low else '['}{low:g}"
            hi = "" if high is None else f"{high:g}{')' if open_high else ']'}"
            span = (f"in {lo}, {hi}" if low is not None and high is not None else
                    f"{'>' if open_low else '>='} {low:g}" if low is not None else
                    f"{'<' if open_high else '<='} {high:g}")
            raise argparse.ArgumentTypeError(f"{text!r}: must be a number {span}")
        return x

    parse.__name__ = "number"
    return parse


#: ``--runs``: at least one; the memory the runs would take is checked when the
#: scenario is known (so ``--runs 1e20`` is refused with its estimate).
RUNS = whole(1)

#: ``--seed``: numpy's seeds are whole numbers >= 0; 128 bits is plenty.
SEED = whole(0, 2**128 - 1, high_text="2^128 - 1")

#: A group size: counts up to 2^53 stay exact as floating-point numbers.
COUNT = whole(1, 2**53, high_text="2^53")


def lang_arg(q: argparse.ArgumentParser, what: str) -> None:
    """``--lang``, defaulting to the environment's ``SIBRISK_LANG`` (else English)."""
    q.add_argument("--lang", choices=LANGUAGES, default=None,
                   help=f"language of {what}: en or da (Danish); default: $SIBRISK_LANG, "
                   "else en")


def language(args: argparse.Namespace) -> str:
    """The language of a command's output: ``--lang``, else ``SIBRISK_LANG``, else en."""
    lang = getattr(args, "lang", None)
    if lang is None:
        lang = os.environ.get("SIBRISK_LANG", "").strip() or "en"
        if lang not in LANGUAGES:
            raise SibriskError(f"SIBRISK_LANG = {lang!r}: must be one of "
                               + ", ".join(map(repr, LANGUAGES)))
    return lang


def input_file(name_or_path: str) -> tuple[str, str]:
    """The name and the whole text of a scenario or contract as given on the command line:
    a built-in scenario's TOML, or the file's (for the report, which shows it whole)."""
    from importlib import resources

    from ..scenario.spec import list_scenarios

    if name_or_path in list_scenarios():
        return (f"{name_or_path}.toml",
                (resources.files("sibrisk.scenario") / "builtin" / f"{name_or_path}.toml")
                .read_text(encoding="utf-8"))
    path = Path(name_or_path)
    return str(path), path.read_text(encoding="utf-8")


def note(args: argparse.Namespace, text: str) -> None:
    """A note on standard error (none with ``--quiet``)."""
    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr)


def scenario_arg(q: argparse.ArgumentParser, optional: bool = True) -> None:
    q.add_argument("scenario", nargs="?" if optional else None,
                   default=DEFAULT_SCENARIO if optional else None, metavar="SCENARIO",
                   help="built-in scenario name or TOML file"
                   + (f" (default: {DEFAULT_SCENARIO})" if optional else ""))


def out_file(option: str, path: str, suffix: str, what: str) -> None:
    """Check a file to write before any work: its ending, and an existing folder."""
    from pathlib import Path

    p = Path(path)
    if p.suffix.lower() != suffix:
        raise SibriskError(f"{option} {path}: {what} must end in {suffix}")
    if p.is_dir():
        raise SibriskError(f"{option} {path}: is a folder; give a file name ending in {suffix}")
    if not p.parent.is_dir():
        raise SibriskError(f"{option} {path}: folder {p.parent} does not exist")


def print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False))


class Progress:
    """A progress bar on standard error, shown only on a terminal after a moment."""

    def __init__(self, label: str, unit: str = "runs") -> None:
        self.label = label
        self.unit = unit
        self.start = time.perf_counter()
        self.shown = False
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.start
        if not self.tty or (elapsed < 0.5 and done < total):
            return
        left = elapsed / done * (total - done) if done else 0.0
        bar = "#" * int(30 * done / total)
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {done:,}/{total:,} {self.unit}, "
                         f"{left:.1f} s left ")
        self.shown = True
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()
