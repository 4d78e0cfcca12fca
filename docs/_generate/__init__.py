"""The generators of the docs: every page with numbers, every figure, the example data.

Run from the repository root::

    python -m docs._generate                  # write every generated page and figure
    python -m docs._generate --check          # exit 1 if a generated file is out of date
    python -m docs._generate risk design      # only these generators
    python -m docs._generate --list           # the generators and what they write

Each module of this package writes one part of the docs from sibrisk's public
API with fixed seeds: ``PAGES`` maps each file it writes to the function that
returns its text, and ``draw(outdir)``, where a module has figures, draws them
with :mod:`sibrisk.report.plot` as PNG files. ``--check`` compares the text files only
(the PNG bytes depend on the matplotlib version); the tests run the same check.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: The generators, in the order they run (a module name of this package each).
GENERATORS = ("catalogue", "reference", "contracts", "risk", "design", "evidence", "guides",
              "progression_example")


def generator(name: str) -> ModuleType:
    """The generator module ``name`` (one of :data:`GENERATORS`)."""
    if name not in GENERATORS:
        raise ValueError(f"{name!r}: not a generator; the generators: {', '.join(GENERATORS)}")
    return importlib.import_module(f"{__name__}.{name}")
