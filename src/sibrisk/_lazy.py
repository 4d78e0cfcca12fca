"""Names of a package loaded at their first use (PEP 562), so that importing a package
costs nothing until one of its names is asked for.

``__getattr__, __dir__ = exports(__name__, {"name": "module", ...})`` in a package's
``__init__`` makes ``package.name`` import ``package.module`` (relative to the package)
and return its ``name``; any other submodule is imported when first used as an
attribute (``package.submodule``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def exports(package: str, where: dict[str, str]) -> tuple[Callable[[str], Any],
                                                         Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose ``where[name]`` module (a
    dotted path relative to the package) defines ``name``."""
    space = vars(sys.modules[package])

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:  # a submodule, imported when first used as an attribute
            try:
                return importlib.import_module(f".{name}", package)
            except ModuleNotFoundError as exc:
                if exc.name != f"{package}.{name}":
                    raise
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        where_ = module if module.startswith(".") else f".{module}"
        value = getattr(importlib.import_module(where_, package), name)
        space[name] = value  # the next access is a plain lookup
        return value

    def __dir__() -> list[str]:
        return sorted({*space, *where})

    return __getattr__, __dir__
