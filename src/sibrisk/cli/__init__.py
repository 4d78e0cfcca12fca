"""The ``sibrisk`` command.

Every user mistake ends in one readable line on standard error and a non-zero
exit status (1 for bad input, 2 for bad usage), never a traceback.

One module per group of commands (:mod:`.catalogue`, :mod:`.risk`,
:mod:`.design`, :mod:`.scenario`, :mod:`.evidence`), each adding its parsers
and handlers. The parser is built from light modules only; a command imports
the numerical machinery it needs when it runs, so ``sibrisk --help`` answers
at once.
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from .._jit import on_first_compile
from ..errors import SibriskError
from . import catalogue, design, evidence, risk, scenario
from ._common import language

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sibrisk",
        description="Price and stress-test outcome-based contracts (social impact bonds).",
    )
    p.add_argument("--version", action="version", version=f"sibrisk {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (catalogue, risk, design, scenario, evidence):
        group.add(sub)
    for command in sub.choices.values():  # every command, and every scenario action
        actions = [a for a in command._actions if isinstance(a, argparse._SubParsersAction)]
        for q in [command, *(c for a in actions for c in a.choices.values())]:
            q.add_argument("-q", "--quiet", action="store_true",
                           help="no progress bar and no notes on standard error")
    return p


def _compiling() -> None:
    print("sibrisk: compiling the numerical kernels, first run only (seconds to a minute; "
          "later runs load them from numba's cache) ...", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sibrisk`` command; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        if hasattr(args, "lang"):
            args.lang = language(args)
        if not args.quiet:
            on_first_compile(_compiling)
        try:
            args.handler(args)
        finally:
            on_first_compile(None)
    except SibriskError as exc:
        print(f"sibrisk: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `sibrisk account --json | head`: the reader left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(f"sibrisk: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("sibrisk: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
