"""``python -m docs._generate``: write (or ``--check``) the generated docs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import GENERATORS, generator
from . import __doc__ as PACKAGE_DOC
from .common import COMMAND, ROOT, stale, write


def _shown(path: Path) -> Path:
    """``path`` relative to the repository root, where it is inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=PACKAGE_DOC.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"generators to run (default: all of {', '.join(GENERATORS)})")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a generated file differs from what "
                             "would be written (the figures are not compared)")
    parser.add_argument("--list", action="store_true", help="list the generators and exit")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in GENERATORS]
    if unknown:
        parser.error(f"unknown generator {', '.join(unknown)}; the generators: "
                     f"{', '.join(GENERATORS)}")
    names = args.names or list(GENERATORS)
    if args.list:
        for name in names:
            module = generator(name)
            files = [_shown(p) for p in module.PAGES]
            figures = " and figures" if hasattr(module, "draw") else ""
            print(f"{name}: {', '.join(map(str, files))}{figures}")
        return 0
    status = 0
    for name in names:
        module = generator(name)
        if args.check:
            old = stale(module.PAGES)
            for path in old:
                print(f"{_shown(path)} is out of date; run: {COMMAND} {name}",
                      file=sys.stderr)
            status |= bool(old)
            if not old:
                print(f"{name}: up to date")
            continue
        for path in write(module.PAGES):
            print(f"wrote {_shown(path)}")
        if hasattr(module, "draw"):
            for path in module.draw():
                print(f"drew {_shown(path)}")
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
