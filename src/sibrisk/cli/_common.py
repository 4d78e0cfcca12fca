"""What the commands share: common arguments, argument types, JSON output and progress.

Nothing here imports numpy, numba, scipy or xarray: the parser is built on every
call of ``sibrisk``, ``--help`` included, and must answer at once. Each command
imports what it uses when it runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import SibriskError
from ..language import LANGUAGES

DEFAULT_SCENARIO = "drc-sib-2023"


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

    from ..scenario import list_scenarios

    if name_or_path in list_scenarios():
        return (f"{name_or_path}.toml",
                (resources.files("sibrisk") / "scenarios" / f"{name_or_path}.toml")
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
