"""The ``sibrisk`` command.

Every user mistake ends in one readable line on standard error and a non-zero
exit status (1 for bad input, 2 for bad usage), never a traceback; Ctrl-C ends
it with the line ``sibrisk: interrupted`` and exit status 130, at any point.

One module per group of commands (:mod:`.catalogue`, :mod:`.risk`,
:mod:`.design`, :mod:`.scenario`, :mod:`.evidence`), each adding its parsers
and handlers. The parser is built from light modules only; a command imports
the numerical machinery it needs when it runs, so ``sibrisk --help`` answers
at once.
"""

from __future__ import annotations

# First of all, while the command starts: Ctrl-C ends it with one line, not with a
# traceback from whichever import it interrupts. Only when this process is the
# ``sibrisk`` command (the console script, or ``python -m sibrisk``): a program that
# imports sibrisk.cli keeps its own handling of Ctrl-C.
import os
import signal
import sys
import threading


def _interrupted_at_start(signum: int, frame: object) -> None:
    os.write(2, b"sibrisk: interrupted\n")
    raise SystemExit(130)


def _is_command() -> bool:
    argv0 = (getattr(sys, "argv", None) or [""])[0]
    return os.path.basename(argv0) in ("sibrisk", "sibrisk.exe", "sibrisk-script.py") \
        or argv0.endswith(os.path.join("sibrisk", "__main__.py"))


if _is_command() and threading.current_thread() is threading.main_thread() \
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _interrupted_at_start)

import argparse  # noqa: E402
import contextlib  # noqa: E402
from collections.abc import Iterator  # noqa: E402

from .. import __version__  # noqa: E402
from .._jit import on_first_compile  # noqa: E402
from ..errors import SibriskError, one_line  # noqa: E402
from . import catalogue, design, evidence, risk, scenario  # noqa: E402
from ._common import Parser, UsageError, language  # noqa: E402

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = Parser(
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
    with _interrupts():
        try:
            return _main(argv)
        except KeyboardInterrupt:
            with contextlib.suppress(ValueError):  # not in the main thread: cannot ignore
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C: no traceback
            print("sibrisk: interrupted", file=sys.stderr)
            return 130


def _main(argv: list[str] | None) -> int:
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
    except UsageError as exc:
        print(f"sibrisk: error: {exc}", file=sys.stderr)
        return 2
    except SibriskError as exc:
        print(f"sibrisk: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `sibrisk account --json | head`: the reader left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"sibrisk: error: {one_line(f'{where}{exc.strerror or exc}')}", file=sys.stderr)
        return 1
    except MemoryError:  # the estimates before each simulation missed: still one line
        print("sibrisk: error: out of memory; give fewer runs or points", file=sys.stderr)
        return 1
    return 0


@contextlib.contextmanager
def _interrupts() -> Iterator[None]:
    """While a command runs, Ctrl-C raises KeyboardInterrupt (so files being written are
    removed on the way out, and :func:`main` says "interrupted"); afterwards, the
    handler from before."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # e.g. a background job
        yield
        return
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if before is not None:  # None: a handler not installed from Python
            signal.signal(signal.SIGINT, before)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
